-- One row per replica: whose it is and the last client sequence processed.
CREATE TABLE clients (
    client_id TEXT PRIMARY KEY, personnel_id TEXT NOT NULL REFERENCES personnels(id),
    last_seq INTEGER NOT NULL DEFAULT 0, clock_offset_ms INTEGER NOT NULL DEFAULT 0
);
-- Every processed client change and its outcome, so that a retry gets the same answer.
CREATE TABLE client_ops (
    client_id TEXT NOT NULL REFERENCES clients(client_id), client_seq INTEGER NOT NULL,
    op_id TEXT NOT NULL, server_seq INTEGER, refusal_code TEXT, refusal_message TEXT,
    PRIMARY KEY (client_id, client_seq)
);
-- The log: accepted changes in one gap-free sequence.
CREATE TABLE changes (
    server_seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL,
    author_id TEXT NOT NULL, kind TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL,
    value TEXT NOT NULL, hlc_wall INTEGER NOT NULL, hlc_counter INTEGER NOT NULL,
    effect TEXT NOT NULL, scope_key TEXT NOT NULL,
    -- The version the author saw: what tells a concurrent edit from a sequential one.
    base_version INTEGER NOT NULL
);
CREATE INDEX changes_scope ON changes(scope_key, server_seq);
-- The current value of every field: the last applied change.
CREATE TABLE fields (
    kind TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL,
    server_seq INTEGER NOT NULL REFERENCES changes(server_seq), scope_key TEXT NOT NULL,
    PRIMARY KEY (kind, entity_id, field)
);
CREATE INDEX fields_scope ON fields(scope_key);
