-- A change kept beside the current value of its field until a person resolves it (GUIDE §3:
-- keep both). `resolved_by` is the change that resolved it.
ALTER TABLE changes ADD COLUMN resolves INTEGER;
CREATE TABLE conflicts (
    server_seq INTEGER PRIMARY KEY REFERENCES changes(server_seq),
    kind TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, scope_key TEXT NOT NULL,
    resolved_by INTEGER REFERENCES changes(server_seq)
);
CREATE INDEX conflicts_field ON conflicts(kind, entity_id, field);
CREATE INDEX conflicts_open ON conflicts(scope_key) WHERE resolved_by IS NULL;
