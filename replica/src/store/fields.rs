//! Field values: local edits (with their outbox entry, in one transaction) and pulled changes.

use super::{Store, conflicts, meta, outbox};
use crate::error::ReplicaError;
use pupitre_domain::{Edit, EntityKind};
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::{EntityRef, Hlc, OpId, ServerChange};
use rusqlite::{Connection, OptionalExtension, params};

impl Store {
    /// Records a local edit: the new value and its outbox entry, in one transaction. Returns the
    /// entry's client sequence.
    pub fn edit(
        &mut self,
        edit: &Edit,
        me: &str,
        op_id: OpId,
        now_ms: u64,
    ) -> Result<u64, ReplicaError> {
        let tx = self.conn.transaction()?;
        let seq = write_edit(&tx, edit, me, op_id, now_ms, None)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Every field's visible value, `(kind, entity id, field, value)`, in key order: what a
    /// replica shows, compared with the central's in the simulation.
    pub fn field_values(
        &self,
    ) -> Result<Vec<(String, String, String, serde_json::Value)>, ReplicaError> {
        let mut stmt = self.conn.prepare(
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
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The op the field's visible value comes from: what a person on this PC sees.
    pub fn shown_op(
        &self,
        kind: EntityKind,
        id: &str,
        field: &str,
    ) -> Result<Option<String>, ReplicaError> {
        Ok(shown_op(&self.conn, kind, id, field)?)
    }

    /// (never sent, sent without answer, refused) outbox entries.
    pub fn outbox_counts(&self) -> Result<(u32, u32, u32), ReplicaError> {
        Ok(outbox::counts(&self.conn)?)
    }

    /// Takes in the central's clock (after every exchange).
    pub fn observe_clock(&mut self, remote: Hlc, now_ms: u64) -> Result<(), ReplicaError> {
        let tx = self.conn.transaction()?;
        let clock = meta::clock(&tx)?.observe(remote, now_ms);
        meta::set_clock(&tx, clock)?;
        tx.commit()?;
        Ok(())
    }
}

/// Writes a local edit's visible value and its outbox entry (fresh sequence, base = the version
/// the user saw, HLC tick) as part of the caller's transaction. `resolves` marks a conflict's
/// resolution.
pub fn write_edit(
    tx: &Connection,
    edit: &Edit,
    me: &str,
    op_id: OpId,
    now_ms: u64,
    resolves: Option<u64>,
) -> Result<u64, ReplicaError> {
    let scope_key = scope_key_of(tx, edit)?.ok_or_else(|| {
        ReplicaError::Invalid("cette classe ou ce groupe n'est pas sur ce poste".into())
    })?;
    let clock = meta::clock(tx)?.tick(now_ms);
    meta::set_clock(tx, clock)?;
    let seq = meta::get::<i64>(tx, meta::NEXT_SEQ)?.unwrap_or(1) as u64;
    meta::set(tx, meta::NEXT_SEQ, (seq + 1) as i64)?;

    let (kind, entity_id, field) = (edit.kind().as_str(), edit.entity_id(), edit.field());
    let value = edit.value().to_string();
    // What the user is looking at: the central's version of the field, and this PC's latest
    // unacknowledged edit of it, which the field shows (GUIDE §3: what a change overwrites).
    let (base, base_op): (i64, Option<String>) = tx
        .query_row(
            "SELECT version, server_op FROM fields WHERE kind = ?1 AND entity_id = ?2 AND field = ?3",
            params![kind, entity_id, field],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, None));
    let base_own: Option<i64> = tx.query_row(
        "SELECT MAX(client_seq) FROM outbox WHERE kind = ?1 AND entity_id = ?2 AND field = ?3",
        params![kind, entity_id, field],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO fields (kind, entity_id, field, seance_id, value, author_id, at_ms, scope_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (kind, entity_id, field) DO UPDATE SET
            value = excluded.value, author_id = excluded.author_id, at_ms = excluded.at_ms",
        params![
            kind,
            entity_id,
            field,
            edit.seance_id().unwrap_or(""),
            value,
            me,
            now_ms as i64,
            scope_key
        ],
    )?;
    tx.execute(
        "INSERT INTO outbox (client_seq, op_id, kind, entity_id, field, value, base_version, hlc_wall, hlc_counter, resolves, base_own, base_op)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![seq as i64, op_id.0.to_string(), kind, entity_id, field, value, base, clock.wall_ms as i64, clock.counter, resolves.map(|r| r as i64), base_own, base_op],
    )?;
    Ok(seq)
}

/// The scope tag of an edited record, from this replica's reference data (None: not here).
fn scope_key_of(conn: &Connection, edit: &Edit) -> rusqlite::Result<Option<String>> {
    match edit {
        Edit::AppelEtat { seance_id, .. }
        | Edit::Presence { seance_id, .. }
        | Edit::Fait { seance_id, .. } => conn
            .query_row(
                "SELECT sv.cible_key FROM seances se JOIN services sv ON sv.id = se.service_id
                 WHERE se.id = ?1",
                [seance_id],
                |r| r.get(0),
            )
            .optional(),
        Edit::Appreciation { service_id, .. } => conn
            .query_row(
                "SELECT cible_key FROM services WHERE id = ?1",
                [service_id],
                |r| r.get(0),
            )
            .optional(),
        Edit::Conseil { division_id, .. } => conn
            .query_row(
                "SELECT 'division:' || id FROM divisions WHERE id = ?1",
                [division_id],
                |r| r.get(0),
            )
            .optional(),
    }
}

/// Applies one change from the central. The server value always moves; the visible value
/// follows it unless this replica still has unacknowledged edits of the field, which are
/// replayed over it (they stay visible until the central answers). `outbox_empty` spares the
/// per-change look-up in the common case.
pub fn apply_pulled(
    conn: &Connection,
    change: &ServerChange,
    outbox_empty: bool,
) -> Result<(), ReplicaError> {
    let EntityRef { kind, id } = &change.entity;
    let Ok(edit) = Edit::parse(*kind, id, &change.field, &change.value) else {
        // The central validated it; a value this version cannot read is a newer schema.
        return Err(ReplicaError::Garbage(format!(
            "valeur inconnue pour {kind:?}.{}",
            change.field
        )));
    };
    let field = change.field.as_str();
    let follow = outbox_empty || !outbox::has_pending(conn, *kind, id, field)?;
    if let Some(upto) = change.resolves {
        conflicts::close(conn, *kind, id, field, upto)?;
    }
    if change.effect == Effect::Conflict {
        conflicts::open(conn, change)?;
    }
    if change.effect == Effect::Applied {
        // A new row can only come without pending edits (an edit writes its row).
        // When: the central's reception where known (a PC's clock may be off by a year).
        let at_ms = if change.received_ms > 0 {
            change.received_ms
        } else {
            change.hlc.wall_ms
        };
        conn.prepare_cached(
            "INSERT INTO fields (kind, entity_id, field, seance_id, value, author_id, at_ms, server_value, version, scope_key, server_op)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5, ?8, ?10, ?11)
             ON CONFLICT (kind, entity_id, field) DO UPDATE SET
                server_value = excluded.server_value, version = excluded.version,
                server_op = excluded.server_op,
                value = CASE WHEN ?9 THEN excluded.value ELSE value END,
                author_id = CASE WHEN ?9 THEN excluded.author_id ELSE author_id END,
                at_ms = CASE WHEN ?9 THEN excluded.at_ms ELSE at_ms END",
        )?
        .execute(params![
            kind.as_str(),
            id,
            field,
            edit.seance_id().unwrap_or(""),
            change.value.to_string(),
            change.author_id,
            at_ms as i64,
            change.server_seq as i64,
            follow,
            change.scope_key,
            change.op_id.0.to_string()
        ])?;
    } else if follow {
        // A superseded change or one kept in a conflict: nothing local left to replay, so show
        // the central's value.
        show_server_value(conn, *kind, id, field)?;
    }
    Ok(())
}

/// Shows the central's value of a field (nothing local is left to replay over it).
fn show_server_value(
    conn: &Connection,
    kind: EntityKind,
    id: &str,
    field: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE fields SET value = server_value
         WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND server_value IS NOT NULL",
    )?
    .execute(params![kind.as_str(), id, field])?;
    Ok(())
}

/// The central applied this replica's own change at `server_seq`: the field's central version
/// is now at least that (so the next edit names it as its base), with this change's value.
pub fn acknowledge_applied(
    conn: &Connection,
    change: &pupitre_sync_protocol::Change,
    server_seq: u64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
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

/// The op the field's visible value comes from: this PC's latest pending edit of it, or else
/// the central's value (what a person on this PC sees; the simulation's oracle records it at
/// every edit).
pub fn shown_op(
    conn: &Connection,
    kind: EntityKind,
    id: &str,
    field: &str,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT COALESCE(
             (SELECT op_id FROM outbox WHERE kind = ?1 AND entity_id = ?2 AND field = ?3
                  AND withdrawn = 0 ORDER BY client_seq DESC LIMIT 1),
             (SELECT server_op FROM fields WHERE kind = ?1 AND entity_id = ?2 AND field = ?3))",
    )?
    .query_row(params![kind.as_str(), id, field], |r| r.get(0))
}

/// Marks every field as not (yet) confirmed by a snapshot being applied (`version` -1).
pub fn unmark_all(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("UPDATE fields SET version = -1", [])?;
    Ok(())
}

/// After a snapshot: a field it did not confirm is no longer at the central (its erasure
/// expired). With an unacknowledged edit, the edit stays and the field counts as never acked;
/// without, the field is forgotten. Returns how many forgotten fields still showed a value.
pub fn forget_unmarked(conn: &Connection) -> Result<usize, ReplicaError> {
    conn.execute(
        "UPDATE fields SET server_value = NULL, server_op = NULL, version = 0
         WHERE version = -1 AND EXISTS (SELECT 1 FROM outbox o WHERE o.kind = fields.kind
                                        AND o.entity_id = fields.entity_id AND o.field = fields.field)",
        [],
    )?;
    let gone: Vec<(String, String, String, String)> = conn
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
    conn.execute("DELETE FROM fields WHERE version = -1", [])?;
    Ok(shown)
}

/// Whether the outbox is empty (then pulled values are shown as they come).
pub fn outbox_is_empty(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM outbox)", [], |r| r.get(0))
}

/// Shows the central's value again for a field with no unacknowledged edit left (its local
/// edit was refused or answered); a field the central does not hold is forgotten.
pub fn revert_to_server(
    conn: &Connection,
    kind: EntityKind,
    id: &str,
    field: &str,
) -> rusqlite::Result<()> {
    if outbox::has_pending(conn, kind, id, field)? {
        return Ok(());
    }
    show_server_value(conn, kind, id, field)?;
    conn.execute(
        "DELETE FROM fields WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND server_value IS NULL",
        params![kind.as_str(), id, field],
    )?;
    Ok(())
}
