-- The family notifications the central holds and what became of their sending: the outbox the
-- sender works through (`notifications.rs`). One row per notification record, made in the push
-- transaction that accepted its message; its Message-ID is fixed then, from the log's identity
-- and the record, so that the same notification always goes under the same id.
CREATE TABLE envois (
    entity_id TEXT PRIMARY KEY, message TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE,
    etat TEXT NOT NULL, tentatives INTEGER NOT NULL DEFAULT 0, prochain_ms INTEGER NOT NULL,
    erreur TEXT, scope_key TEXT NOT NULL
);
CREATE INDEX envois_dus ON envois(etat, prochain_ms);
