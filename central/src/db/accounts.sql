CREATE TABLE comptes (
    login TEXT PRIMARY KEY, personnel_id TEXT NOT NULL UNIQUE REFERENCES personnels(id),
    password_hash TEXT NOT NULL
);
-- Tokens are stored hashed: a stolen database file does not open sessions.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY, personnel_id TEXT NOT NULL REFERENCES personnels(id),
    client_id TEXT NOT NULL, expires_ms INTEGER NOT NULL
);
