-- Local edits not yet acknowledged, in client sequence order. state: 'local' (never sent) or
-- 'sent' (sent, no answer yet).
CREATE TABLE outbox (
    client_seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    base_version INTEGER NOT NULL, hlc_wall INTEGER NOT NULL, hlc_counter INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX outbox_field ON outbox(kind, entity_id, field);
-- Edits the central refused (or that left the user's scope before they were sent), kept visible
-- with the reason. `seance` and `eleve` describe them as they were: the séance may be purged since.
CREATE TABLE refused (
    client_seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL,
    kind TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    code TEXT NOT NULL, message TEXT NOT NULL, seance TEXT NOT NULL, eleve TEXT
);
