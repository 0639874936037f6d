//! The outbox and its two lists: local edits waiting for the central's answer (`outbox`), the
//! acknowledged ones kept until a backup of the central holds them (`acked`), and the refused
//! ones a person must see (`refused`). Their SQL only; `push`, `pull` and `scope` combine them
//! with the fields and the conflicts.

use crate::error::ReplicaError;
use pupitre_domain::{Edit, EntityKind};
use pupitre_sync_protocol::{Change, EntityRef, Hlc, OpId};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

/// An edit's outbox entry: what it overwrites (`base`: the central's version and op the user
/// saw; `base_own`: this PC's latest unacknowledged edit of the field), its clock tick, and the
/// conflict it resolves.
pub struct Entry<'a> {
    pub seq: u64,
    pub op_id: OpId,
    pub edit: &'a Edit,
    pub base: (i64, Option<String>),
    pub base_own: Option<i64>,
    pub hlc: Hlc,
    pub resolves: Option<u64>,
}

pub fn append(tx: &Transaction<'_>, e: &Entry<'_>) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO outbox (client_seq, op_id, kind, entity_id, field, value, base_version, hlc_wall, hlc_counter, resolves, base_own, base_op)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        e.seq as i64,
        e.op_id.0.to_string(),
        e.edit.kind().as_str(),
        e.edit.entity_id(),
        e.edit.field(),
        e.edit.value().to_string(),
        e.base.0,
        e.hlc.wall_ms as i64,
        e.hlc.counter,
        e.resolves.map(|r| r as i64),
        e.base_own,
        e.base.1
    ])?;
    Ok(())
}

/// This PC's latest unacknowledged edit of a field.
pub fn latest_own(conn: &Connection, edit: &Edit) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT MAX(client_seq) FROM outbox WHERE kind = ?1 AND entity_id = ?2 AND field = ?3",
    )?
    .query_row(
        params![edit.kind().as_str(), edit.entity_id(), edit.field()],
        |r| r.get(0),
    )
}

pub fn has_pending(
    conn: &Connection,
    kind: EntityKind,
    id: &str,
    field: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = ?1 AND entity_id = ?2 AND field = ?3
                        AND withdrawn = 0)",
    )?
    .query_row(params![kind.as_str(), id, field], |r| r.get(0))
}

/// Whether the outbox is empty (then pulled values are shown as they come).
pub fn is_empty(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM outbox)", [], |r| r.get(0))
}

/// The oldest `limit` entries, in client sequence order.
pub fn oldest(conn: &Connection, limit: usize) -> Result<Vec<Change>, ReplicaError> {
    let changes = {
        let mut stmt = conn.prepare(
            "SELECT client_seq, op_id, kind, entity_id, field, value, base_version, hlc_wall, hlc_counter, resolves,
                    base_own, acked_as, void, base_op
             FROM outbox ORDER BY client_seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, u32>(8)?,
                r.get::<_, Option<i64>>(9)?,
                r.get::<_, Option<i64>>(10)?,
                r.get::<_, Option<i64>>(11)?,
                r.get::<_, bool>(12)?,
                r.get::<_, Option<String>>(13)?,
            ))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (
                seq,
                op,
                kind,
                id,
                field,
                value,
                base,
                wall,
                counter,
                resolves,
                own,
                acked_as,
                void,
                base_op,
            ) = row?;
            let corrupt = |what: &str| {
                ReplicaError::Invalid(format!("entrée d'envoi {seq} illisible ({what})"))
            };
            changes.push(Change {
                op_id: OpId(Uuid::parse_str(&op).map_err(|_| corrupt("op"))?),
                client_seq: seq as u64,
                entity: EntityRef {
                    kind: EntityKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
                    id,
                },
                field,
                value: serde_json::from_str(&value).map_err(|_| corrupt("valeur"))?,
                base_version: base as u64,
                base_own: own.map(|s| s as u64),
                base_op: base_op
                    .map(|op| Uuid::parse_str(&op).map(OpId))
                    .transpose()
                    .map_err(|_| corrupt("base"))?,
                acked_as: acked_as.map(|s| s as u64),
                hlc: Hlc {
                    wall_ms: wall as u64,
                    counter,
                },
                resolves: resolves.map(|r| r as u64),
                void,
            });
        }
        changes
    };
    Ok(changes)
}

/// Marks entries as sent (`true`) or as never sent, e.g. their request could not even connect.
pub fn mark_sent(tx: &Transaction<'_>, changes: &[Change], sent: bool) -> rusqlite::Result<()> {
    if let (Some(first), Some(last)) = (changes.first(), changes.last()) {
        tx.execute(
            "UPDATE outbox SET state = ?3 WHERE client_seq BETWEEN ?1 AND ?2",
            params![
                first.client_seq as i64,
                last.client_seq as i64,
                if sent { "sent" } else { "local" }
            ],
        )?;
    }
    Ok(())
}

/// Moves an acknowledged entry from the outbox to the acknowledged list.
pub fn acknowledge(tx: &Transaction<'_>, client_seq: u64, server_seq: u64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO acked (client_seq, op_id, kind, entity_id, field, value, base_version,
                                       base_own, base_op, hlc_wall, hlc_counter, resolves, server_seq)
         SELECT client_seq, op_id, kind, entity_id, field, value, base_version, base_own, base_op,
                hlc_wall, hlc_counter, resolves, ?2
         FROM outbox WHERE client_seq = ?1",
    )?
    .execute(params![client_seq as i64, server_seq as i64])?;
    remove(tx, client_seq)
}

pub fn remove(tx: &Transaction<'_>, client_seq: u64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM outbox WHERE client_seq = ?1")?
        .execute([client_seq as i64])?;
    Ok(())
}

/// Forgets acknowledged entries that a backup of the central now holds.
pub fn prune_acked(tx: &Transaction<'_>, durable_through: u64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM acked WHERE server_seq <= ?1")?
        .execute([durable_through as i64])?;
    Ok(())
}

/// The central was restored: every acknowledged entry it may have lost goes back to the outbox,
/// in its place in the client order, saying where it had been acknowledged. Bases above
/// `restore_floor` cannot be named in the new epoch (the old high-water mark was lost): they
/// are brought down to it, which the restored log is a prefix of.
pub fn resend_after_restore(tx: &Transaction<'_>, restore_floor: u64) -> rusqlite::Result<usize> {
    let moved = tx.execute(
        "INSERT INTO outbox (client_seq, op_id, kind, entity_id, field, value, base_version,
                             base_own, base_op, hlc_wall, hlc_counter, resolves, acked_as, state)
         SELECT client_seq, op_id, kind, entity_id, field, value, base_version, base_own, base_op,
                hlc_wall, hlc_counter, resolves, server_seq, 'local'
         FROM acked",
        [],
    )?;
    tx.execute("DELETE FROM acked", [])?;
    // Refused ones go too, as voids: the restored central may not have recorded their
    // sequence numbers, and this client's sequence must have no gap.
    tx.execute(
        "INSERT OR IGNORE INTO outbox (client_seq, op_id, kind, entity_id, field, value,
                                       base_version, hlc_wall, hlc_counter, state, withdrawn, void)
         SELECT client_seq, op_id, kind, entity_id, field, value, 0, 0, 0, 'local', 1, 1
         FROM refused",
        [],
    )?;
    tx.execute(
        "UPDATE outbox SET base_version = MIN(base_version, ?1),
                           acked_as = CASE WHEN acked_as > ?1 THEN NULL ELSE acked_as END",
        [restore_floor as i64],
    )?;
    Ok(moved)
}

pub fn is_withdrawn(conn: &Connection, client_seq: u64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE client_seq = ?1 AND withdrawn = 1)",
        [client_seq as i64],
        |r| r.get(0),
    )
}

pub fn mark_withdrawn(tx: &Transaction<'_>, client_seq: u64) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE outbox SET withdrawn = 1 WHERE client_seq = ?1",
        [client_seq as i64],
    )?;
    Ok(())
}

/// The (kind, id, field) an outbox entry edits.
pub fn field_of(
    conn: &Connection,
    client_seq: u64,
) -> rusqlite::Result<Option<(String, String, String)>> {
    conn.query_row(
        "SELECT kind, entity_id, field FROM outbox WHERE client_seq = ?1",
        [client_seq as i64],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
}

/// A refusal as listed for its author: its code and message, and the description of its record
/// taken when it was refused (the record may be purged from this PC later).
pub struct Refused<'a> {
    pub client_seq: u64,
    pub code: &'a str,
    pub message: &'a str,
    pub what: &'a str,
    pub eleve: Option<&'a str>,
}

/// Copies an outbox entry to the refused list.
pub fn list_refused(tx: &Transaction<'_>, r: &Refused<'_>) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO refused
             (client_seq, op_id, kind, entity_id, field, value, code, message, seance, eleve)
         SELECT client_seq, op_id, kind, entity_id, field, value, ?2, ?3, ?4, ?5
         FROM outbox WHERE client_seq = ?1",
        params![r.client_seq as i64, r.code, r.message, r.what, r.eleve],
    )?;
    Ok(())
}
