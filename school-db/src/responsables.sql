-- A pupil's legal guardians and how to reach them (SIECLE's ResponsablesAvecAdresses): held by
-- the vie scolaire's replicas (the CPE, the direction), never by a teacher's.
CREATE TABLE responsables (
    id TEXT PRIMARY KEY, eleve_id TEXT NOT NULL REFERENCES eleves(id), civilite TEXT NOT NULL,
    nom TEXT NOT NULL, prenom TEXT NOT NULL, lien TEXT NOT NULL, telephone TEXT, mail TEXT
);
CREATE INDEX responsables_eleve ON responsables(eleve_id);
