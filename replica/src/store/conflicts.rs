//! Conflicts: values the central kept beside a field's current value (keep-both fields, or a
//! concurrent edit of a keep-both field). They stay listed until a person chooses; the
//! choice is an ordinary edit that carries `resolves` and syncs like any other.

use pupitre_domain::EntityKind;
use pupitre_sync_protocol::ServerChange;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// Lists a pulled change kept in conflict.
pub fn open(tx: &Transaction<'_>, change: &ServerChange) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO conflicts
             (server_seq, kind, entity_id, field, value, author_id, at_ms, scope_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        change.server_seq as i64,
        change.entity.kind.as_str(),
        change.entity.id,
        change.field,
        change.value.to_string(),
        change.author_id,
        change.hlc.wall_ms as i64,
        change.scope_key
    ])?;
    Ok(())
}

/// Lists exactly `open` (a snapshot's), keeping marked those this replica's unacknowledged
/// resolutions close.
pub fn replace_all(tx: &Transaction<'_>, open_now: &[ServerChange]) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM conflicts", [])?;
    for change in open_now {
        open(tx, change)?;
    }
    tx.execute(
        "UPDATE conflicts SET resolving = (
             SELECT MAX(o.client_seq) FROM outbox o
             WHERE o.kind = conflicts.kind AND o.entity_id = conflicts.entity_id
               AND o.field = conflicts.field AND o.resolves >= conflicts.server_seq)",
        [],
    )?;
    Ok(())
}

/// Closes a field's conflicts up to `upto` (a resolution came from the central).
pub fn close(
    tx: &Transaction<'_>,
    kind: EntityKind,
    id: &str,
    field: &str,
    upto: u64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "DELETE FROM conflicts WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND server_seq <= ?4",
    )?
    .execute(params![kind.as_str(), id, field, upto as i64])?;
    Ok(())
}

/// Lists again the conflicts whose resolution the central refused.
pub fn reopen(tx: &Transaction<'_>, client_seq: u64) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE conflicts SET resolving = NULL WHERE resolving = ?1",
        [client_seq as i64],
    )?;
    Ok(())
}

/// A person's choice among a field's versions: `keep` is the server sequence of the field's
/// current value or of one of the values in conflict.
#[derive(Debug, Clone, Copy)]
pub struct Choice<'a> {
    pub kind: EntityKind,
    pub entity_id: &'a str,
    pub field: &'a str,
    pub keep: u64,
}

/// A listed conflict: `(server seq, kind, entity id, field, value)`.
pub type ConflictRow = (u64, String, String, String, serde_json::Value);

/// The newest server sequence among a field's open conflicts (None: none open).
pub fn newest(
    conn: &Connection,
    kind: EntityKind,
    id: &str,
    field: &str,
) -> rusqlite::Result<Option<u64>> {
    let upto: Option<i64> = conn.query_row(
        "SELECT MAX(server_seq) FROM conflicts WHERE kind = ?1 AND entity_id = ?2 AND field = ?3",
        params![kind.as_str(), id, field],
        |r| r.get(0),
    )?;
    Ok(upto.map(|s| s as u64))
}

/// The value of a choice's version: one in conflict, or the field's current central value.
pub fn chosen_value(conn: &Connection, choice: &Choice<'_>) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM conflicts
         WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND server_seq = ?4
         UNION ALL
         SELECT server_value FROM fields
         WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND version = ?4",
        params![
            choice.kind.as_str(),
            choice.entity_id,
            choice.field,
            choice.keep as i64
        ],
        |r| r.get(0),
    )
    .optional()
}

/// Marks a field's conflicts up to `upto` as being resolved by the outbox entry `client_seq`.
pub fn mark_resolving(
    tx: &Transaction<'_>,
    choice: &Choice<'_>,
    upto: u64,
    client_seq: u64,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE conflicts SET resolving = ?5
         WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND server_seq <= ?4",
        params![
            choice.kind.as_str(),
            choice.entity_id,
            choice.field,
            upto as i64,
            client_seq as i64
        ],
    )?;
    Ok(())
}

/// Every listed conflict, in server order.
pub fn values(conn: &Connection) -> rusqlite::Result<Vec<ConflictRow>> {
    let mut stmt = conn.prepare(
        "SELECT server_seq, kind, entity_id, field, value FROM conflicts ORDER BY server_seq",
    )?;
    let rows = stmt.query_map([], |r| {
        let value: String = r.get(4)?;
        let value = serde_json::from_str(&value).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
        })?;
        Ok((
            r.get::<_, i64>(0)? as u64,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            value,
        ))
    })?;
    rows.collect()
}
