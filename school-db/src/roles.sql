-- The professeur principal of a division (STS-Web names her): she follows its council and its
-- assiduité. The pupils' INE and birth dates apart from their names: only the roles that
-- report to the administration (DASEN, LSU) receive them, so a teacher's replica holds none.
ALTER TABLE divisions ADD COLUMN professeur_principal_id TEXT REFERENCES personnels(id);
CREATE TABLE eleve_etats_civils (
    eleve_id TEXT PRIMARY KEY REFERENCES eleves(id), ine TEXT NOT NULL,
    date_naissance TEXT NOT NULL
);
INSERT INTO eleve_etats_civils (eleve_id, ine, date_naissance)
    SELECT id, ine, date_naissance FROM eleves;
ALTER TABLE eleves DROP COLUMN ine;
ALTER TABLE eleves DROP COLUMN date_naissance;
