-- Sessions hold a short-lived access token and a rotating refresh token, both stored hashed.
-- Sessions from before are dropped: their owners log in again once.
DROP TABLE sessions;
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    personnel_id TEXT NOT NULL REFERENCES personnels(id),
    client_id TEXT NOT NULL,
    access_hash TEXT NOT NULL UNIQUE,
    access_expires_ms INTEGER NOT NULL,
    refresh_hash TEXT NOT NULL UNIQUE,
    -- The refresh token just rotated out, and when: seen again after a short grace, someone
    -- holds a copy, and the session ends.
    retired_refresh_hash TEXT,
    rotated_ms INTEGER NOT NULL,
    refresh_expires_ms INTEGER NOT NULL,
    -- The absolute limit, counted from the password check that opened it.
    ends_ms INTEGER NOT NULL
);
CREATE INDEX sessions_retired ON sessions (retired_refresh_hash);
CREATE INDEX sessions_personnel ON sessions (personnel_id);
-- A disabled account neither logs in, nor pushes, nor has its envelopes delivered: when it was
-- disabled (ms), 0 while active. The retention job deletes it some months later.
ALTER TABLE comptes ADD COLUMN desactive INTEGER NOT NULL DEFAULT 0;
-- The central's key pair for envelopes (one row).
CREATE TABLE cle_depot (id INTEGER PRIMARY KEY CHECK (id = 1), secret BLOB NOT NULL);
-- Envelope keys registered by logins: whose, which PC; revoked by a reset or a disabling.
CREATE TABLE cles_envoi (
    cle BLOB PRIMARY KEY,
    personnel_id TEXT NOT NULL REFERENCES personnels(id),
    client_id TEXT NOT NULL,
    enregistree_ms INTEGER NOT NULL,
    revoquee_ms INTEGER
);
-- Envelopes delivered: a second delivery of one is a replay.
CREATE TABLE enveloppes_remises (
    id TEXT PRIMARY KEY, cle BLOB NOT NULL, remise_ms INTEGER NOT NULL
);
