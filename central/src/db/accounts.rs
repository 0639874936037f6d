//! Accounts and sessions. Passwords are argon2id hashes; tokens are stored as SHA-256 hashes.

use rusqlite::{Connection, OptionalExtension, params};

pub fn insert_compte(
    conn: &Connection,
    login: &str,
    personnel_id: &str,
    password_hash: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO comptes (login, personnel_id, password_hash) VALUES (?1, ?2, ?3)",
        params![login, personnel_id, password_hash],
    )?;
    Ok(())
}

/// The personnel id and password hash of a login.
pub fn compte(conn: &Connection, login: &str) -> rusqlite::Result<Option<(String, String)>> {
    conn.query_row(
        "SELECT personnel_id, password_hash FROM comptes WHERE login = ?1",
        [login],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

pub fn insert_session(
    conn: &Connection,
    token_hash: &str,
    personnel_id: &str,
    client_id: &str,
    expires_ms: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sessions (token_hash, personnel_id, client_id, expires_ms) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, personnel_id, client_id, expires_ms as i64],
    )?;
    Ok(())
}

/// The personnel and client of a live session.
pub fn session(
    conn: &Connection,
    token_hash: &str,
    now_ms: u64,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.query_row(
        "SELECT personnel_id, client_id FROM sessions WHERE token_hash = ?1 AND expires_ms > ?2",
        params![token_hash, now_ms as i64],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

pub fn delete_session(conn: &Connection, token_hash: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}
