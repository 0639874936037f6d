//! Accounts and sessions. Passwords are argon2id hashes; tokens are stored as SHA-256 hashes,
//! so a copy of this database opens no session.

use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeSet;

pub fn insert_compte(
    conn: &Connection,
    login: &str,
    personnel_id: &str,
    password_hash: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO comptes (login, personnel_id, password_hash) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![login, personnel_id, password_hash])?;
    Ok(())
}

/// An account as a login sees it.
#[derive(Debug, Clone)]
pub struct Compte {
    pub login: String,
    pub personnel_id: String,
    pub password_hash: String,
    pub desactive: bool,
}

fn compte_where(conn: &Connection, column: &str, value: &str) -> rusqlite::Result<Option<Compte>> {
    conn.prepare_cached(&format!(
        "SELECT login, personnel_id, password_hash, desactive FROM comptes WHERE {column} = ?1"
    ))?
    .query_row([value], |r| {
        Ok(Compte {
            login: r.get(0)?,
            personnel_id: r.get(1)?,
            password_hash: r.get(2)?,
            desactive: r.get::<_, i64>(3)? != 0,
        })
    })
    .optional()
}

pub fn compte(conn: &Connection, login: &str) -> rusqlite::Result<Option<Compte>> {
    compte_where(conn, "login", login)
}

pub fn compte_of(conn: &Connection, personnel_id: &str) -> rusqlite::Result<Option<Compte>> {
    compte_where(conn, "personnel_id", personnel_id)
}

pub fn set_password(conn: &Connection, personnel_id: &str, hash: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE comptes SET password_hash = ?2 WHERE personnel_id = ?1")?
        .execute(params![personnel_id, hash])?
        > 0)
}

/// Disables `login` from `since_ms` (`None`: enables it again).
pub fn set_desactive(
    conn: &Connection,
    login: &str,
    since_ms: Option<u64>,
) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE comptes SET desactive = ?2 WHERE login = ?1")?
        .execute(params![login, since_ms.map_or(0, |ms| ms.max(1) as i64)])?
        > 0)
}

/// Deletes the accounts disabled before `before_ms`, with their sessions. Returns their logins.
pub fn delete_disabled_before(conn: &Connection, before_ms: u64) -> rusqlite::Result<Vec<String>> {
    let logins: Vec<(String, String)> = conn
        .prepare("SELECT login, personnel_id FROM comptes WHERE desactive > 0 AND desactive < ?1")?
        .query_map([before_ms as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (login, personnel_id) in &logins {
        conn.prepare_cached("DELETE FROM sessions WHERE personnel_id = ?1")?
            .execute([personnel_id])?;
        conn.prepare_cached("DELETE FROM comptes WHERE login = ?1")?
            .execute([login])?;
    }
    Ok(logins.into_iter().map(|(login, _)| login).collect())
}

/// A session's stored form: hashes of its two tokens and its limits.
pub struct NewSession<'a> {
    pub id: &'a str,
    pub personnel_id: &'a str,
    pub client_id: &'a str,
    pub access_hash: &'a str,
    pub access_expires_ms: u64,
    pub refresh_hash: &'a str,
    pub refresh_expires_ms: u64,
    pub ends_ms: u64,
    pub now_ms: u64,
}

pub fn insert_session(conn: &Connection, s: &NewSession<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sessions (id, personnel_id, client_id, access_hash, access_expires_ms,
                               refresh_hash, rotated_ms, refresh_expires_ms, ends_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        s.id,
        s.personnel_id,
        s.client_id,
        s.access_hash,
        s.access_expires_ms as i64,
        s.refresh_hash,
        s.now_ms as i64,
        s.refresh_expires_ms.min(s.ends_ms) as i64,
        s.ends_ms as i64
    ])?;
    Ok(())
}

/// What an access token opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Live {
        session_id: String,
        personnel_id: String,
        client_id: String,
    },
    /// A real token past its time: the client refreshes.
    Expired,
    Unknown,
}

pub fn access(conn: &Connection, access_hash: &str, now_ms: u64) -> rusqlite::Result<Access> {
    let row = conn
        .prepare_cached(
            "SELECT s.id, s.personnel_id, s.client_id, s.access_expires_ms, c.desactive
             FROM sessions s JOIN comptes c ON c.personnel_id = s.personnel_id
             WHERE s.access_hash = ?1",
        )?
        .query_row([access_hash], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)? as u64,
                r.get::<_, i64>(4)? != 0,
            ))
        })
        .optional()?;
    Ok(match row {
        None | Some((.., true)) => Access::Unknown,
        Some((_, _, _, expires, _)) if expires <= now_ms => Access::Expired,
        Some((session_id, personnel_id, client_id, ..)) => Access::Live {
            session_id,
            personnel_id,
            client_id,
        },
    })
}

/// What a refresh token finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// The current one, or the one just retired within the grace (its answer was lost).
    Rotate {
        session_id: String,
    },
    /// A retired one used again: a copy exists. The session is ended.
    Reused {
        personnel_id: String,
    },
    Unknown,
}

/// How long the refresh token just retired still rotates (the answer carrying the new one may
/// have been lost on the way).
pub const RETIRED_GRACE_MS: u64 = 60_000;

pub fn find_refresh(conn: &Connection, hash: &str, now_ms: u64) -> rusqlite::Result<Refresh> {
    let current = conn
        .prepare_cached(
            "SELECT s.id FROM sessions s
             JOIN comptes c ON c.personnel_id = s.personnel_id
             WHERE s.refresh_hash = ?1 AND s.refresh_expires_ms > ?2 AND s.ends_ms > ?2
               AND c.desactive = 0",
        )?
        .query_row(params![hash, now_ms as i64], |r| r.get(0))
        .optional()?;
    if let Some(session_id) = current {
        return Ok(Refresh::Rotate { session_id });
    }
    let retired = conn
        .prepare_cached(
            "SELECT id, personnel_id, rotated_ms, ends_ms FROM sessions WHERE retired_refresh_hash = ?1",
        )?
        .query_row([hash], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)? as u64,
                r.get::<_, i64>(3)? as u64,
            ))
        })
        .optional()?;
    Ok(match retired {
        Some((session_id, _, rotated, ends))
            if now_ms < rotated + RETIRED_GRACE_MS && now_ms < ends =>
        {
            Refresh::Rotate { session_id }
        }
        Some((session_id, personnel_id, ..)) => {
            delete_session(conn, &session_id)?;
            Refresh::Reused { personnel_id }
        }
        None => Refresh::Unknown,
    })
}

/// New hashes for a session's tokens; the refresh token they replace is kept as retired.
pub struct Rotation<'a> {
    pub session_id: &'a str,
    pub presented_hash: &'a str,
    pub access_hash: &'a str,
    pub access_expires_ms: u64,
    pub refresh_hash: &'a str,
    pub refresh_expires_ms: u64,
    pub now_ms: u64,
}

pub fn rotate(conn: &Connection, r: &Rotation<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE sessions SET access_hash = ?2, access_expires_ms = MIN(?3, ends_ms),
                refresh_hash = ?4, refresh_expires_ms = MIN(?5, ends_ms), rotated_ms = ?6,
                retired_refresh_hash = ?7
         WHERE id = ?1",
    )?
    .execute(params![
        r.session_id,
        r.access_hash,
        r.access_expires_ms as i64,
        r.refresh_hash,
        r.refresh_expires_ms as i64,
        r.now_ms as i64,
        r.presented_hash
    ])?;
    Ok(())
}

pub fn delete_session(conn: &Connection, session_id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE id = ?1")?
        .execute([session_id])?;
    Ok(())
}

/// Ends every session of a person but `keep` (a password change keeps the one it came from).
pub fn delete_sessions_of(
    conn: &Connection,
    personnel_id: &str,
    keep: Option<&str>,
) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM sessions WHERE personnel_id = ?1 AND id IS NOT ?2")?
        .execute(params![personnel_id, keep])
}

/// Removes sessions that can no longer be refreshed. Returns how many.
pub fn purge_expired(conn: &Connection, now_ms: u64) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM sessions WHERE refresh_expires_ms <= ?1 OR ends_ms <= ?1")?
        .execute([now_ms as i64])
}

/// Every login, and every member of staff who has an account.
pub fn logins_et_titulaires(
    conn: &Connection,
) -> rusqlite::Result<(BTreeSet<String>, BTreeSet<String>)> {
    let mut statement = conn.prepare("SELECT login, personnel_id FROM comptes")?;
    let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let (mut logins, mut titulaires) = (BTreeSet::new(), BTreeSet::new());
    for row in rows {
        let (login, personnel) = row?;
        logins.insert(login);
        titulaires.insert(personnel);
    }
    Ok((logins, titulaires))
}
