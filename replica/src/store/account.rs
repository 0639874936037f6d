//! Who this replica belongs to, as the login records it: the owner's login and personnel record,
//! this PC's client id, and the central's token sealed with the owner's password.

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
    pub sealed_token: Vec<u8>,
}

pub fn record(tx: &Transaction<'_>, login: &Login<'_>) -> Result<(), ReplicaError> {
    let personnel = serde_json::to_string(login.personnel)
        .map_err(|e| ReplicaError::Invalid(format!("fiche du personnel illisible : {e}")))?;
    meta::set(tx, meta::LOGIN, login.login)?;
    meta::set(tx, meta::PERSONNEL, personnel)?;
    meta::set(tx, meta::CLIENT_ID, login.client_id.0.to_string())?;
    meta::set(tx, meta::SEALED_TOKEN, &login.sealed_token)?;
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

pub fn personnel(conn: &Connection) -> rusqlite::Result<Option<Personnel>> {
    Ok(meta::get::<String>(conn, meta::PERSONNEL)?.and_then(|s| serde_json::from_str(&s).ok()))
}
