-- A pupil's year: SIECLE's DATE_ENTREE and DATE_SORTIE (a pupil who arrived during the year, or
-- left it; NULL: there all year, what every earlier file held), and her stays in divisions
-- (`Eleve::sejours`): the current one and those she left, so that her former class keeps her
-- marks and roll calls where they were written.
ALTER TABLE eleves ADD COLUMN date_entree TEXT;
ALTER TABLE eleves ADD COLUMN date_sortie TEXT;
CREATE TABLE eleve_divisions (
    eleve_id TEXT NOT NULL REFERENCES eleves(id), division_id TEXT NOT NULL REFERENCES divisions(id),
    -- In the division after `depuis` (exclusive) and until `jusqu_au` (inclusive); NULL: open.
    depuis TEXT, jusqu_au TEXT
);
CREATE INDEX eleve_divisions_eleve ON eleve_divisions(eleve_id);
CREATE INDEX eleve_divisions_division ON eleve_divisions(division_id);
-- Every pupil already stored stays in her division all year.
INSERT INTO eleve_divisions (eleve_id, division_id) SELECT id, division_id FROM eleves;
