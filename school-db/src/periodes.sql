-- The periods of the school year (trimestres or semestres), part of the reference data.
CREATE TABLE periodes (
    id TEXT PRIMARY KEY, libelle TEXT NOT NULL, debut TEXT NOT NULL, fin TEXT NOT NULL
);
