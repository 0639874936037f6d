//! The outbox: local edits waiting for the central's answer, and the refused ones.

use super::describe::describe;
use super::{conflicts, fields};
use crate::error::ReplicaError;
use pupitre_domain::EntityKind;
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::wire::{Outcome, PushOutcome, PushResult, Refusal};
use pupitre_sync_protocol::{Change, EntityRef, Hlc, OpId};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

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

/// The oldest `limit` entries, in client sequence order, marked as sent.
pub fn take_for_push(conn: &mut Connection, limit: usize) -> Result<Vec<Change>, ReplicaError> {
    let tx = conn.transaction()?;
    let changes = {
        let mut stmt = tx.prepare(
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
    if let (Some(first), Some(last)) = (changes.first(), changes.last()) {
        tx.execute(
            "UPDATE outbox SET state = 'sent' WHERE client_seq BETWEEN ?1 AND ?2",
            params![first.client_seq as i64, last.client_seq as i64],
        )?;
    }
    tx.commit()?;
    Ok(changes)
}

/// Marks entries as never sent (their request could not even connect).
pub fn unsend(conn: &mut Connection, changes: &[Change]) -> Result<(), ReplicaError> {
    let tx = conn.transaction()?;
    for change in changes {
        tx.execute(
            "UPDATE outbox SET state = 'local' WHERE client_seq = ?1",
            [change.client_seq as i64],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Applies the central's answers in one transaction: accepted entries leave the outbox for the
/// acknowledged list (kept until a backup of the central holds them), and what did not simply
/// apply is noted for its author; refused ones move to the visible refused list and the
/// central's value shows again. A missing sequence stays to be sent again.
pub fn settle(
    conn: &mut Connection,
    sent: &[Change],
    outcomes: &[PushOutcome],
) -> Result<(), ReplicaError> {
    let tx = conn.transaction()?;
    for outcome in outcomes {
        let Some(change) = sent
            .iter()
            .find(|c| c.op_id == outcome.op_id && c.client_seq == outcome.client_seq)
        else {
            return Err(ReplicaError::Garbage(format!(
                "réponse pour une modification inconnue ({})",
                outcome.op_id
            )));
        };
        match &outcome.result {
            PushResult::Accepted {
                server_seq,
                effect,
                outcome,
                reason,
            } => {
                if *effect == Effect::Applied {
                    fields::acknowledge_applied(&tx, change, *server_seq)?;
                }
                if let Some(reason) = reason
                    && notice_is_kept(change, *outcome)
                {
                    note(&tx, change, *outcome, reason)?;
                }
                acknowledge(&tx, change.client_seq, *server_seq)?;
                // Nothing local left to replay: show the central's value, which may be newer
                // than this change (one resent after a restore, or one that did not stand).
                fields::revert_to_server(
                    &tx,
                    change.entity.kind,
                    &change.entity.id,
                    &change.field,
                )?;
            }
            PushResult::Refused {
                code: Refusal::SequenceManquante,
                ..
            } => {}
            PushResult::Refused { .. } if is_withdrawn(&tx, change.client_seq)? => {
                // Already listed as refused, described while its class was still here.
                tx.execute(
                    "DELETE FROM outbox WHERE client_seq = ?1",
                    [change.client_seq as i64],
                )?;
            }
            PushResult::Refused { code, message } => {
                refuse(&tx, change.client_seq, code.as_str(), message)?
            }
        }
    }
    tx.commit()?;
    Ok(())
}

/// Roll-call marks combined with a vie scolaire fact are told from the current values (the fact
/// may come later, or be withdrawn); every other outcome that is not a plain application is kept.
fn notice_is_kept(change: &Change, outcome: Outcome) -> bool {
    let roll_call = change.entity.kind == EntityKind::Presence;
    !matches!(outcome, Outcome::Applied | Outcome::Same) && !roll_call
}

fn note(
    conn: &Connection,
    change: &Change,
    outcome: Outcome,
    message: &str,
) -> rusqlite::Result<()> {
    let (what, eleve) = describe(conn, change.entity.kind.as_str(), &change.entity.id)?;
    let outcome = serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    conn.execute(
        "INSERT OR REPLACE INTO notices (client_seq, kind, entity_id, field, outcome, message, seance, eleve)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            change.client_seq as i64,
            change.entity.kind.as_str(),
            change.entity.id,
            change.field,
            outcome,
            message,
            what,
            eleve
        ],
    )?;
    Ok(())
}

/// Moves an acknowledged entry from the outbox to the acknowledged list.
fn acknowledge(conn: &Connection, client_seq: u64, server_seq: u64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO acked (client_seq, op_id, kind, entity_id, field, value, base_version,
                                       base_own, base_op, hlc_wall, hlc_counter, resolves, server_seq)
         SELECT client_seq, op_id, kind, entity_id, field, value, base_version, base_own, base_op,
                hlc_wall, hlc_counter, resolves, ?2
         FROM outbox WHERE client_seq = ?1",
    )?
    .execute(params![client_seq as i64, server_seq as i64])?;
    conn.prepare_cached("DELETE FROM outbox WHERE client_seq = ?1")?
        .execute([client_seq as i64])?;
    Ok(())
}

/// Forgets acknowledged entries that a backup of the central now holds.
pub fn prune_acked(conn: &Connection, durable_through: u64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM acked WHERE server_seq <= ?1")?
        .execute([durable_through as i64])?;
    Ok(())
}

/// The central was restored: every acknowledged entry it may have lost goes back to the outbox,
/// in its place in the client order, saying where it had been acknowledged. Bases above
/// `restore_floor` cannot be named in the new epoch (the old high-water mark was lost): they
/// are brought down to it, which the restored log is a prefix of.
pub fn resend_after_restore(conn: &Connection, restore_floor: u64) -> rusqlite::Result<usize> {
    let moved = conn.execute(
        "INSERT INTO outbox (client_seq, op_id, kind, entity_id, field, value, base_version,
                             base_own, base_op, hlc_wall, hlc_counter, resolves, acked_as, state)
         SELECT client_seq, op_id, kind, entity_id, field, value, base_version, base_own, base_op,
                hlc_wall, hlc_counter, resolves, server_seq, 'local'
         FROM acked",
        [],
    )?;
    conn.execute("DELETE FROM acked", [])?;
    // Refused ones go too, as voids: the restored central may not have recorded their
    // sequence numbers, and this client's sequence must have no gap.
    conn.execute(
        "INSERT OR IGNORE INTO outbox (client_seq, op_id, kind, entity_id, field, value,
                                       base_version, hlc_wall, hlc_counter, state, withdrawn, void)
         SELECT client_seq, op_id, kind, entity_id, field, value, 0, 0, 0, 'local', 1, 1
         FROM refused",
        [],
    )?;
    conn.execute(
        "UPDATE outbox SET base_version = MIN(base_version, ?1),
                           acked_as = CASE WHEN acked_as > ?1 THEN NULL ELSE acked_as END",
        [restore_floor as i64],
    )?;
    Ok(moved)
}

fn is_withdrawn(conn: &Connection, client_seq: u64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE client_seq = ?1 AND withdrawn = 1)",
        [client_seq as i64],
        |r| r.get(0),
    )
}

/// An unsent edit that can no longer stand (its class left the user's scope): listed as refused
/// now, while it can still be described, and kept in the outbox to be sent all the same, so
/// that the central sees this client's sequence without a gap (it refuses it in turn).
pub fn withdraw(
    conn: &Connection,
    client_seq: u64,
    code: &str,
    message: &str,
) -> rusqlite::Result<()> {
    if list_refused(conn, client_seq, code, message)?.is_some() {
        conn.execute(
            "UPDATE outbox SET withdrawn = 1 WHERE client_seq = ?1",
            [client_seq as i64],
        )?;
    }
    Ok(())
}

/// Moves an outbox entry to the refused list with its reason and description, and shows the
/// central's value of the field again.
pub fn refuse(
    conn: &Connection,
    client_seq: u64,
    code: &str,
    message: &str,
) -> rusqlite::Result<()> {
    let Some((kind, id, field)) = list_refused(conn, client_seq, code, message)? else {
        return Ok(());
    };
    conn.execute(
        "DELETE FROM outbox WHERE client_seq = ?1",
        [client_seq as i64],
    )?;
    if let Some(kind) = EntityKind::parse(&kind) {
        fields::revert_to_server(conn, kind, &id, &field)?;
    }
    Ok(())
}

/// Lists an outbox entry as refused, described now (its record may be purged from this PC
/// later), and reopens the conflicts it was resolving. Returns its (kind, id, field).
fn list_refused(
    conn: &Connection,
    client_seq: u64,
    code: &str,
    message: &str,
) -> rusqlite::Result<Option<(String, String, String)>> {
    let entry: Option<(String, String, String)> = conn
        .query_row(
            "SELECT kind, entity_id, field FROM outbox WHERE client_seq = ?1",
            [client_seq as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((kind, id, field)) = entry else {
        return Ok(None);
    };
    let (what, eleve) = describe(conn, &kind, &id)?;
    conn.execute(
        "INSERT OR REPLACE INTO refused
             (client_seq, op_id, kind, entity_id, field, value, code, message, seance, eleve)
         SELECT client_seq, op_id, kind, entity_id, field, value, ?2, ?3, ?4, ?5
         FROM outbox WHERE client_seq = ?1",
        params![client_seq as i64, code, message, what, eleve],
    )?;
    conflicts::reopen(conn, client_seq)?;
    Ok(Some((kind, id, field)))
}

/// (never sent, sent without answer, refused)
pub fn counts(conn: &Connection) -> rusqlite::Result<(u32, u32, u32)> {
    conn.query_row(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'local' AND withdrawn = 0),
                (SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND withdrawn = 0),
                (SELECT COUNT(*) FROM refused)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}
