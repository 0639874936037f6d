//! The `fields` table: each field's visible value (this PC's pending edit, or the central's) beside
//! the central's value and version. Its SQL only; the operations that combine it with the outbox
//! and the conflicts are in `edit`, `push` and `pull`.

use crate::error::ReplicaError;
use pupitre_domain::{Edit, EntityKind};
use pupitre_sync_protocol::{Change, ServerChange};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// What a field's central value is: its version and the op it comes from ((0, None) if none).
pub fn base(conn: &Connection, edit: &Edit) -> rusqlite::Result<(i64, Option<String>)> {
    Ok(conn
        .prepare_cached(
            "SELECT version, server_op FROM fields WHERE kind = ?1 AND entity_id = ?2 AND field = ?3",
        )?
        .query_row(
            params![edit.kind().as_str(), edit.entity_id(), edit.field()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, None)))
}

/// Shows a local edit's value, by `me` at `now_ms`.
pub fn write_local(
    tx: &Transaction<'_>,
    edit: &Edit,
    me: &str,
    now_ms: u64,
    scope_key: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO fields (kind, entity_id, field, value, author_id, at_ms, scope_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (kind, entity_id, field) DO UPDATE SET
            value = excluded.value, author_id = excluded.author_id, at_ms = excluded.at_ms",
    )?
    .execute(params![
        edit.kind().as_str(),
        edit.entity_id(),
        edit.field(),
        edit.value().to_string(),
        me,
        now_ms as i64,
        scope_key
    ])?;
    Ok(())
}

/// Writes a change the central applied as the field's central value; the visible value follows
/// it when `follow` (nothing local to replay over it).
pub fn write_central(
    tx: &Transaction<'_>,
    change: &ServerChange,
    follow: bool,
) -> rusqlite::Result<()> {
    // When: the central's reception where known (a PC's clock may be off by a year).
    let at_ms = if change.received_ms > 0 {
        change.received_ms
    } else {
        change.hlc.wall_ms
    };
    tx.prepare_cached(
        "INSERT INTO fields (kind, entity_id, field, value, author_id, at_ms, server_value, version, scope_key, server_op)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4, ?7, ?9, ?10)
         ON CONFLICT (kind, entity_id, field) DO UPDATE SET
            server_value = excluded.server_value, version = excluded.version,
            server_op = excluded.server_op,
            value = CASE WHEN ?8 THEN excluded.value ELSE value END,
            author_id = CASE WHEN ?8 THEN excluded.author_id ELSE author_id END,
            at_ms = CASE WHEN ?8 THEN excluded.at_ms ELSE at_ms END",
    )?
    .execute(params![
        change.entity.kind.as_str(),
        change.entity.id,
        change.field,
        change.value.to_string(),
        change.author_id,
        at_ms as i64,
        change.server_seq as i64,
        follow,
        change.scope_key,
        change.op_id.0.to_string()
    ])?;
    Ok(())
}

/// Shows the central's value of a field (nothing local is left to replay over it); a field
/// the central does not hold is forgotten.
pub fn show_central(
    tx: &Transaction<'_>,
    kind: EntityKind,
    id: &str,
    field: &str,
    forget_if_absent: bool,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE fields SET value = server_value
         WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND server_value IS NOT NULL",
    )?
    .execute(params![kind.as_str(), id, field])?;
    if forget_if_absent {
        tx.prepare_cached(
            "DELETE FROM fields WHERE kind = ?1 AND entity_id = ?2 AND field = ?3
             AND server_value IS NULL",
        )?
        .execute(params![kind.as_str(), id, field])?;
    }
    Ok(())
}

/// The central applied this replica's own change at `server_seq`: the field's central version
/// is now at least that (so the next edit names it as its base), with this change's value.
pub fn acknowledge_applied(
    tx: &Transaction<'_>,
    change: &Change,
    server_seq: u64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE fields SET version = ?4, server_value = ?5, server_op = ?6
         WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND version < ?4",
    )?
    .execute(params![
        change.entity.kind.as_str(),
        change.entity.id,
        change.field,
        server_seq as i64,
        change.value.to_string(),
        change.op_id.0.to_string()
    ])?;
    Ok(())
}

/// Marks every field as not (yet) confirmed by a snapshot being applied (`version` -1).
pub fn unmark_all(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute("UPDATE fields SET version = -1", [])?;
    Ok(())
}

/// After a snapshot: a field it did not confirm is no longer at the central (its erasure
/// expired). With an unacknowledged edit, the edit stays and the field counts as never acked;
/// without, the field is forgotten. Returns how many forgotten fields still showed a value.
pub fn forget_unmarked(tx: &Transaction<'_>) -> Result<usize, ReplicaError> {
    tx.execute(
        "UPDATE fields SET server_value = NULL, server_op = NULL, version = 0
         WHERE version = -1 AND EXISTS (SELECT 1 FROM outbox o WHERE o.kind = fields.kind
                                        AND o.entity_id = fields.entity_id AND o.field = fields.field
                                        AND o.withdrawn = 0)",
        [],
    )?;
    let gone: Vec<(String, String, String, String)> = tx
        .prepare("SELECT kind, entity_id, field, value FROM fields WHERE version = -1")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let shown = gone
        .iter()
        .filter(|(kind, id, field, value)| {
            let edit = EntityKind::parse(kind).and_then(|kind| {
                let value = serde_json::from_str(value).ok()?;
                Edit::parse(kind, id, field, &value).ok()
            });
            !edit.is_some_and(|e| e.erases())
        })
        .count();
    tx.execute("DELETE FROM fields WHERE version = -1", [])?;
    Ok(shown)
}

/// Every field's visible value, `(kind, entity id, field, value)`, in key order.
pub fn values(
    conn: &Connection,
) -> rusqlite::Result<Vec<(String, String, String, serde_json::Value)>> {
    let mut stmt = conn.prepare(
        "SELECT kind, entity_id, field, value FROM fields ORDER BY kind, entity_id, field",
    )?;
    let rows = stmt.query_map([], |r| {
        let value: String = r.get(3)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            serde_json::from_str(&value).unwrap_or(serde_json::Value::Null),
        ))
    })?;
    rows.collect()
}
