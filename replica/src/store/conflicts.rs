//! Conflicts: values the central kept beside a field's current value (keep-both fields, or a
//! concurrent edit from a PC whose clock was off). They stay listed until a person chooses; the
//! choice is an ordinary edit that carries `resolves` and syncs like any other.

use super::{Store, fields};
use crate::error::ReplicaError;
use pupitre_domain::{Edit, EntityKind};
use pupitre_sync_protocol::{OpId, ServerChange};
use rusqlite::{Connection, OptionalExtension, params};

/// Lists a pulled change kept in conflict.
pub fn open(conn: &Connection, change: &ServerChange) -> rusqlite::Result<()> {
    conn.prepare_cached(
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
pub fn replace_all(conn: &Connection, open_now: &[ServerChange]) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM conflicts", [])?;
    for change in open_now {
        open(conn, change)?;
    }
    conn.execute(
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
    conn: &Connection,
    kind: EntityKind,
    id: &str,
    field: &str,
    upto: u64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM conflicts WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND server_seq <= ?4",
    )?
    .execute(params![kind.as_str(), id, field, upto as i64])?;
    Ok(())
}

/// Lists again the conflicts whose resolution the central refused.
pub fn reopen(conn: &Connection, client_seq: u64) -> rusqlite::Result<()> {
    conn.execute(
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

impl Store {
    /// Resolves a field's open conflicts by keeping the chosen version. Returns the resolution's
    /// client sequence.
    pub fn resolve(
        &mut self,
        choice: &Choice<'_>,
        me: &str,
        op_id: OpId,
        now_ms: u64,
    ) -> Result<u64, ReplicaError> {
        let Choice {
            kind,
            entity_id,
            field,
            keep,
        } = *choice;
        let tx = self.conn.transaction()?;
        let key = params![kind.as_str(), entity_id, field];
        let upto: Option<i64> = tx.query_row(
            "SELECT MAX(server_seq) FROM conflicts WHERE kind = ?1 AND entity_id = ?2 AND field = ?3",
            key,
            |r| r.get(0),
        )?;
        let Some(upto) = upto else {
            return Err(ReplicaError::Invalid(
                "ce conflit est déjà résolu (ou n'existe pas sur ce poste)".into(),
            ));
        };
        let chosen: Option<String> = tx
            .query_row(
                "SELECT value FROM conflicts
                 WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND server_seq = ?4
                 UNION ALL
                 SELECT server_value FROM fields
                 WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND version = ?4",
                params![kind.as_str(), entity_id, field, keep as i64],
                |r| r.get(0),
            )
            .optional()?;
        let chosen = chosen.ok_or_else(|| {
            ReplicaError::Invalid("cette version n'est pas l'une des versions en conflit".into())
        })?;
        let value: serde_json::Value = serde_json::from_str(&chosen)
            .map_err(|e| ReplicaError::Invalid(format!("valeur illisible : {e}")))?;
        let edit = Edit::parse(kind, entity_id, field, &value)
            .map_err(|e| ReplicaError::Invalid(e.to_string()))?;
        let seq = fields::write_edit(&tx, &edit, me, op_id, now_ms, Some(upto as u64))?;
        tx.execute(
            "UPDATE conflicts SET resolving = ?5
             WHERE kind = ?1 AND entity_id = ?2 AND field = ?3 AND server_seq <= ?4",
            params![kind.as_str(), entity_id, field, upto, seq as i64],
        )?;
        tx.commit()?;
        Ok(seq)
    }

    /// How many fields have versions waiting for a choice.
    pub fn conflict_count(&self) -> Result<u32, ReplicaError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM (SELECT DISTINCT kind, entity_id, field FROM conflicts
                                   WHERE resolving IS NULL)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Every listed conflict, in server order: compared with the central's open conflicts in
    /// the simulation.
    pub fn conflict_values(&self) -> Result<Vec<ConflictRow>, ReplicaError> {
        let mut stmt = self.conn.prepare(
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
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
