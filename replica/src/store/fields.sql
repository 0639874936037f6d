-- The value of every synced field. `value` is what the user sees: the server's value with this
-- replica's unacknowledged edits replayed over it. `server_value`/`version` are the central's.
CREATE TABLE fields (
    kind TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL,
    seance_id TEXT NOT NULL,
    value TEXT NOT NULL,
    author_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    server_value TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, entity_id, field)
);
CREATE INDEX fields_seance ON fields(seance_id);
