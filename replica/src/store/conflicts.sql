-- Schema 2: fields carry their scope tag (what a purge goes by; `seance_id` is '' for records
-- that are not a roll call's), the outbox carries conflict resolutions, and the conflicts the
-- central keeps in this replica's scope are listed until a person resolves them.
ALTER TABLE fields ADD COLUMN scope_key TEXT NOT NULL DEFAULT '';
UPDATE fields SET scope_key = COALESCE(
    (SELECT sv.cible_key FROM seances se JOIN services sv ON sv.id = se.service_id
     WHERE se.id = fields.seance_id), '');
CREATE INDEX fields_scope ON fields(scope_key);
ALTER TABLE outbox ADD COLUMN resolves INTEGER;
-- A value kept beside the field's current value. `resolving` is the client sequence of this
-- replica's resolution while the central has not answered it.
CREATE TABLE conflicts (
    server_seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL,
    value TEXT NOT NULL, author_id TEXT NOT NULL, at_ms INTEGER NOT NULL, scope_key TEXT NOT NULL,
    resolving INTEGER
);
CREATE INDEX conflicts_field ON conflicts(kind, entity_id, field);
