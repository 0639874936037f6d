//! The outbox: local edits waiting for the central's answer, and the refused ones.

use super::describe::describe;
use super::{conflicts, fields};
use crate::error::ReplicaError;
use pupitre_domain::EntityKind;
use pupitre_sync_protocol::wire::PushOutcome;
use pupitre_sync_protocol::wire::PushResult;
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
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = ?1 AND entity_id = ?2 AND field = ?3)",
    )?
    .query_row(params![kind.as_str(), id, field], |r| r.get(0))
}

/// The oldest `limit` entries, in client sequence order, marked as sent.
pub fn take_for_push(conn: &mut Connection, limit: usize) -> Result<Vec<Change>, ReplicaError> {
    let tx = conn.transaction()?;
    let changes = {
        let mut stmt = tx.prepare(
            "SELECT client_seq, op_id, kind, entity_id, field, value, base_version, hlc_wall, hlc_counter, resolves
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
            ))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (seq, op, kind, id, field, value, base, wall, counter, resolves) = row?;
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
                hlc: Hlc {
                    wall_ms: wall as u64,
                    counter,
                },
                resolves: resolves.map(|r| r as u64),
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

/// Applies the central's answers in one transaction: accepted entries leave the outbox; refused
/// ones move to the visible refused list and the central's value shows again. A missing
/// sequence stays to be sent again.
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
            PushResult::Accepted { .. } => {
                tx.execute(
                    "DELETE FROM outbox WHERE client_seq = ?1",
                    [change.client_seq as i64],
                )?;
            }
            PushResult::Refused { code, .. } if code == "sequence_manquante" => {}
            PushResult::Refused { code, message } => refuse(&tx, change.client_seq, code, message)?,
        }
    }
    tx.commit()?;
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
    let entry: Option<(String, String, String)> = conn
        .query_row(
            "SELECT kind, entity_id, field FROM outbox WHERE client_seq = ?1",
            [client_seq as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((kind, id, field)) = entry else {
        return Ok(());
    };
    // Described now: the record may be purged from this PC later.
    let (what, eleve) = describe(conn, &kind, &id)?;
    conn.execute(
        "INSERT OR REPLACE INTO refused
             (client_seq, op_id, kind, entity_id, field, value, code, message, seance, eleve)
         SELECT client_seq, op_id, kind, entity_id, field, value, ?2, ?3, ?4, ?5
         FROM outbox WHERE client_seq = ?1",
        params![client_seq as i64, code, message, what, eleve],
    )?;
    conflicts::reopen(conn, client_seq)?;
    conn.execute(
        "DELETE FROM outbox WHERE client_seq = ?1",
        [client_seq as i64],
    )?;
    if let Some(kind) = EntityKind::parse(&kind) {
        fields::revert_to_server(conn, kind, &id, &field)?;
    }
    Ok(())
}

/// (never sent, sent without answer, refused)
pub fn counts(conn: &Connection) -> rusqlite::Result<(u32, u32, u32)> {
    conn.query_row(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'local'),
                (SELECT COUNT(*) FROM outbox WHERE state = 'sent'),
                (SELECT COUNT(*) FROM refused)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}
