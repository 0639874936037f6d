//! Who this replica belongs to, as the login records it: the owner's login and personnel record,
//! this PC's client id, the session's refresh token, the envelope key and the central's key.

use super::meta;
use crate::error::ReplicaError;
use pupitre_domain::Personnel;
use pupitre_sync_protocol::ClientId;
use rusqlite::{Connection, Transaction};
use uuid::Uuid;

/// What an online login records.
pub struct Login<'a> {
    pub login: &'a str,
    pub personnel: &'a Personnel,
    pub client_id: &'a ClientId,
    pub refresh_token: &'a str,
    pub envelope_key: &'a [u8; 32],
    pub central_box_key: Option<&'a [u8; 32]>,
    /// This PC's wall clock now.
    pub now_ms: u64,
}

pub fn record(tx: &Transaction<'_>, login: &Login<'_>) -> Result<(), ReplicaError> {
    let personnel = serde_json::to_string(login.personnel)
        .map_err(|e| ReplicaError::Invalid(format!("fiche du personnel illisible : {e}")))?;
    meta::set(tx, meta::LOGIN, login.login)?;
    meta::set(tx, meta::PERSONNEL, personnel)?;
    meta::set(tx, meta::CLIENT_ID, login.client_id.0.to_string())?;
    meta::set(tx, meta::REFRESH_TOKEN, login.refresh_token)?;
    meta::set(tx, meta::LAST_ONLINE_MS, login.now_ms as i64)?;
    meta::set(tx, meta::ENVELOPE_KEY, login.envelope_key.as_slice())?;
    if let Some(key) = login.central_box_key {
        meta::set(tx, meta::CENTRAL_BOX_KEY, key.as_slice())?;
    }
    // The earlier release's sealed token has no use left.
    tx.execute("DELETE FROM meta WHERE key = ?1", [meta::SEALED_TOKEN])?;
    Ok(())
}

pub fn owner(conn: &Connection) -> rusqlite::Result<Option<String>> {
    meta::get(conn, meta::LOGIN)
}

/// This PC's client id, if one was recorded (a fresh replica gets one at its first login).
pub fn client_id(conn: &Connection) -> rusqlite::Result<Option<ClientId>> {
    Ok(meta::get::<String>(conn, meta::CLIENT_ID)?
        .and_then(|s| Uuid::parse_str(&s).ok())
        .map(ClientId))
}

pub fn sealed_token(conn: &Connection) -> rusqlite::Result<Option<Vec<u8>>> {
    meta::get(conn, meta::SEALED_TOKEN)
}

/// When its owner last logged in online here; for a replica of an earlier release, which did
/// not record it, its last sync (a session the central had authenticated).
pub fn last_online_ms(conn: &Connection) -> rusqlite::Result<Option<u64>> {
    let at = match meta::get::<i64>(conn, meta::LAST_ONLINE_MS)? {
        Some(ms) => Some(ms),
        None => meta::get::<i64>(conn, meta::LAST_SYNC_MS)?,
    };
    Ok(at.map(|ms| ms as u64))
}

pub fn refresh_token(conn: &Connection) -> rusqlite::Result<Option<String>> {
    meta::get(conn, meta::REFRESH_TOKEN)
}

pub fn set_refresh_token(tx: &Transaction<'_>, token: Option<&str>) -> rusqlite::Result<()> {
    match token {
        Some(token) => meta::set(tx, meta::REFRESH_TOKEN, token),
        None => {
            tx.execute("DELETE FROM meta WHERE key = ?1", [meta::REFRESH_TOKEN])?;
            Ok(())
        }
    }
}

fn key32(conn: &Connection, key: &str) -> rusqlite::Result<Option<[u8; 32]>> {
    Ok(meta::get::<Vec<u8>>(conn, key)?.and_then(|b| b.try_into().ok()))
}

pub fn envelope_key(conn: &Connection) -> rusqlite::Result<Option<[u8; 32]>> {
    key32(conn, meta::ENVELOPE_KEY)
}

pub fn central_box_key(conn: &Connection) -> rusqlite::Result<Option<[u8; 32]>> {
    key32(conn, meta::CENTRAL_BOX_KEY)
}

pub fn personnel(conn: &Connection) -> rusqlite::Result<Option<Personnel>> {
    Ok(meta::get::<String>(conn, meta::PERSONNEL)?.and_then(|s| serde_json::from_str(&s).ok()))
}
