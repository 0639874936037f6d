-- What the retention erased for good, and when: `vie_scolaire`, the school year's roll calls,
-- absences, dispenses and notifications (`pupitre_domain::conservation`). Pulls tell the PCs to
-- erase theirs; pushes of them are refused.
CREATE TABLE effacements (quoi TEXT PRIMARY KEY, le_ms INTEGER NOT NULL);
