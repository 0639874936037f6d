//! The envelopes' keys and deliveries (see `pupitre_sync_protocol::enveloppe`): the central's
//! own key pair, the envelope keys logins register, and which envelopes were delivered.

use rusqlite::{Connection, OptionalExtension, params};

pub fn secret(conn: &Connection) -> rusqlite::Result<Option<[u8; 32]>> {
    let blob: Option<Vec<u8>> = conn
        .prepare_cached("SELECT secret FROM cle_depot WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(blob.and_then(|b| b.try_into().ok()))
}

/// Stores the central's key pair unless one is there; returns the one that is.
pub fn keep_secret(conn: &Connection, fresh: [u8; 32]) -> rusqlite::Result<[u8; 32]> {
    conn.prepare_cached(
        "INSERT INTO cle_depot (id, secret) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
    )?
    .execute([fresh.as_slice()])?;
    Ok(secret(conn)?.unwrap_or(fresh))
}

/// Whether `key` is registered for `personnel_id` and `client_id` (it is, afterwards), or
/// already belongs to someone or some PC else (left as it is).
pub fn register_key(
    conn: &Connection,
    key: &[u8; 32],
    personnel_id: &str,
    client_id: &str,
    now_ms: u64,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "INSERT INTO cles_envoi (cle, personnel_id, client_id, enregistree_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (cle) DO NOTHING",
    )?
    .execute(params![key.as_slice(), personnel_id, client_id, now_ms as i64])?;
    let owner = key_owner(conn, key)?;
    Ok(owner.is_some_and(|k| k.personnel_id == personnel_id && k.client_id == client_id))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOwner {
    pub personnel_id: String,
    pub client_id: String,
    pub revoked: bool,
}

pub fn key_owner(conn: &Connection, key: &[u8; 32]) -> rusqlite::Result<Option<KeyOwner>> {
    conn.prepare_cached(
        "SELECT personnel_id, client_id, revoquee_ms IS NOT NULL FROM cles_envoi WHERE cle = ?1",
    )?
    .query_row([key.as_slice()], |r| {
        Ok(KeyOwner {
            personnel_id: r.get(0)?,
            client_id: r.get(1)?,
            revoked: r.get(2)?,
        })
    })
    .optional()
}

/// Revokes every envelope key of a person (a password reset, a disabled account).
pub fn revoke_keys_of(
    conn: &Connection,
    personnel_id: &str,
    now_ms: u64,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE cles_envoi SET revoquee_ms = ?2 WHERE personnel_id = ?1 AND revoquee_ms IS NULL",
    )?
    .execute(params![personnel_id, now_ms as i64])
}

pub fn was_delivered(conn: &Connection, envelope_id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM enveloppes_remises WHERE id = ?1)")?
        .query_row([envelope_id], |r| r.get(0))
}

/// Records a delivery; false when this envelope was delivered before (a replay).
pub fn record_delivery(
    conn: &Connection,
    envelope_id: &str,
    key: &[u8; 32],
    now_ms: u64,
) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO enveloppes_remises (id, cle, remise_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![envelope_id, key.as_slice(), now_ms as i64])?
        > 0)
}

/// Forgets the deliveries recorded before `before_ms` and the keys of accounts gone. Returns
/// how many deliveries.
pub fn purge_before(conn: &Connection, before_ms: u64) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM cles_envoi WHERE personnel_id NOT IN (SELECT personnel_id FROM comptes)",
    )?
    .execute([])?;
    conn.prepare_cached("DELETE FROM enveloppes_remises WHERE remise_ms < ?1")?
        .execute([before_ms as i64])
}
