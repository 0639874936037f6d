-- The values stored in key order, without a rowid and without a séance column (the séance is
-- the start of a roll call's id, `EntityKey::children_range`): a value is one b-tree row, found
-- by its key, and a kind's values (a year's marks for the averages, a grid's or a séance's
-- range) are read in place. This replaces the covering index of marks, the scope index and the
-- séance index, so that applying a pulled change writes one b-tree, not five: on an encrypted
-- replica every page written is encrypted and authenticated (`pupitre-bench` (a)). A lost
-- class's purge, rare, scans instead.
CREATE TABLE fields_par_cle (
    kind TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL,
    value TEXT NOT NULL,
    author_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    server_value TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    scope_key TEXT NOT NULL DEFAULT '',
    server_op TEXT,
    PRIMARY KEY (kind, entity_id, field)
) WITHOUT ROWID;
INSERT INTO fields_par_cle (kind, entity_id, field, value, author_id, at_ms, server_value,
                            version, scope_key, server_op)
    SELECT kind, entity_id, field, value, author_id, at_ms, server_value, version, scope_key,
           server_op
    FROM fields;
DROP TABLE fields;
ALTER TABLE fields_par_cle RENAME TO fields;
