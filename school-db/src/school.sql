-- The school's reference data, as imported each year (central) or as a snapshot gave it for a
-- scope (replica). A replica holds the divisions of every pupil it sees, so the keys hold there too.
CREATE TABLE etablissement (uai TEXT PRIMARY KEY, nom TEXT NOT NULL, commune TEXT NOT NULL);
CREATE TABLE divisions (id TEXT PRIMARY KEY, code TEXT NOT NULL, niveau TEXT NOT NULL);
CREATE TABLE groupes (id TEXT PRIMARY KEY, code TEXT NOT NULL, libelle TEXT NOT NULL);
CREATE TABLE eleves (
    id TEXT PRIMARY KEY, ine TEXT NOT NULL, nom TEXT NOT NULL, prenom TEXT NOT NULL,
    date_naissance TEXT NOT NULL, division_id TEXT NOT NULL REFERENCES divisions(id)
);
CREATE TABLE eleve_groupes (
    eleve_id TEXT NOT NULL REFERENCES eleves(id), groupe_id TEXT NOT NULL REFERENCES groupes(id),
    PRIMARY KEY (eleve_id, groupe_id)
);
CREATE INDEX eleve_groupes_groupe ON eleve_groupes(groupe_id);
CREATE TABLE personnels (
    id TEXT PRIMARY KEY, civilite TEXT NOT NULL, nom TEXT NOT NULL, prenom TEXT NOT NULL,
    fonction TEXT NOT NULL
);
CREATE TABLE matieres (code TEXT PRIMARY KEY, code_gestion TEXT NOT NULL, libelle TEXT NOT NULL);
CREATE TABLE services (
    id TEXT PRIMARY KEY, enseignant_id TEXT NOT NULL REFERENCES personnels(id),
    matiere_code TEXT NOT NULL REFERENCES matieres(code), cible_key TEXT NOT NULL,
    coefficient REAL NOT NULL
);
CREATE INDEX services_enseignant ON services(enseignant_id);
CREATE TABLE seances (
    id TEXT PRIMARY KEY, service_id TEXT NOT NULL REFERENCES services(id), date TEXT NOT NULL,
    debut TEXT NOT NULL, fin TEXT NOT NULL, salle TEXT NOT NULL
);
CREATE INDEX seances_service ON seances(service_id, date);
CREATE INDEX seances_date ON seances(date, debut);
