//! What the central sends, written to the replica: a snapshot at bootstrap (or to rebase), then
//! pulled pages. Each is one transaction with the cursor and the scope it came with.

use super::{Store, conflicts, fields, meta, outbox, scope};
use crate::error::ReplicaError;
use pupitre_domain::Scope;
use pupitre_sync_protocol::Hlc;
use pupitre_sync_protocol::wire::{LogRef, Snapshot};

impl Store {
    pub fn cursor(&self) -> Result<u64, ReplicaError> {
        Ok(meta::cursor(&self.conn)?)
    }

    pub fn clock(&self) -> Result<Hlc, ReplicaError> {
        Ok(meta::clock(&self.conn)?)
    }

    /// The central's log this replica is synced with (None before its first snapshot).
    pub fn log(&self) -> Result<Option<LogRef>, ReplicaError> {
        read_log(&self.conn)
    }

    /// Whether a snapshot was ever written (a replica that has data).
    pub fn is_bootstrapped(&self) -> Result<bool, ReplicaError> {
        Ok(meta::get::<i64>(&self.conn, meta::CURSOR)?.is_some())
    }

    /// One pulled page, the new cursor and the current scope, in one transaction (what left
    /// the scope is purged). A cursor never moves back.
    pub fn apply_page(
        &mut self,
        changes: &[pupitre_sync_protocol::ServerChange],
        next_cursor: u64,
        scope: &Scope,
    ) -> Result<(), ReplicaError> {
        self.apply_page_durable(changes, next_cursor, scope, 0)
    }

    /// `apply_page`, forgetting acknowledged entries a backup of the central holds.
    pub fn apply_page_durable(
        &mut self,
        changes: &[pupitre_sync_protocol::ServerChange],
        next_cursor: u64,
        scope: &Scope,
        durable_through: u64,
    ) -> Result<(), ReplicaError> {
        let tx = self.conn.transaction()?;
        set_scope(&tx, scope)?;
        outbox::prune_acked(&tx, durable_through)?;
        let cursor = meta::cursor(&tx)?;
        let outbox_empty = fields::outbox_is_empty(&tx)?;
        for change in changes.iter().filter(|c| c.server_seq > cursor) {
            fields::apply_pulled(&tx, change, outbox_empty)?;
        }
        meta::set(&tx, meta::CURSOR, next_cursor.max(cursor) as i64)?;
        tx.commit()?;
        Ok(())
    }

    /// Whether `scope` holds classes or groups this replica has no reference data for (a class
    /// given to its user): then it rebases on a snapshot rather than pull their tail.
    pub fn lacks_part_of(&self, scope: &Scope) -> Result<bool, ReplicaError> {
        let held: Option<String> = meta::get(&self.conn, meta::SCOPE)?;
        Ok(match held.map(|t| serde_json::from_str::<Scope>(&t)) {
            Some(Ok(held)) => scope.grows_from(&held),
            // Never recorded, or unreadable: only a snapshot says what this replica holds.
            _ => true,
        })
    }

    /// Writes a snapshot in one transaction, at bootstrap or to rebase: the reference data,
    /// the current values and the open conflicts become the snapshot's, with this replica's
    /// unacknowledged edits replayed over them. A value the snapshot no longer has (an erasure
    /// whose tombstone has expired) is forgotten, never brought back. Returns how many values
    /// that still showed were forgotten.
    pub fn rebase(
        &mut self,
        snapshot: &Snapshot,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize, ReplicaError> {
        let tx = self.conn.transaction()?;
        if read_log(&tx)?.is_some_and(|held| held != snapshot.log) {
            // The central was restored (or replaced): what it acknowledged may be gone from it.
            // Those entries go back to the outbox and are replayed over the snapshot like any
            // pending edit, then resent.
            outbox::resend_after_restore(&tx, snapshot.restore_floor)?;
        }
        meta::set(&tx, meta::LOG, json(&snapshot.log)?)?;
        pupitre_school_db::replace_school(&tx, &snapshot.school, progress)?;
        set_scope(&tx, &snapshot.scope)?;
        fields::unmark_all(&tx)?;
        let outbox_empty = fields::outbox_is_empty(&tx)?;
        for change in &snapshot.fields {
            fields::apply_pulled(&tx, change, outbox_empty)?;
        }
        let forgotten = fields::forget_unmarked(&tx)?;
        conflicts::replace_all(&tx, &snapshot.conflicts)?;
        meta::set(&tx, meta::CURSOR, snapshot.cursor as i64)?;
        tx.commit()?;
        Ok(forgotten)
    }

    /// The local time of the last successful sync, `HH:MM:SS`.
    pub fn last_sync_label(&self) -> Result<Option<String>, ReplicaError> {
        let ms: Option<i64> = meta::get(&self.conn, meta::LAST_SYNC_MS)?;
        Ok(ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%H:%M:%S")
                    .to_string()
            }))
    }

    /// Records how far this PC's clock is off, as the central measured it.
    pub fn note_clock_offset(&mut self, offset_ms: i64) -> Result<(), ReplicaError> {
        meta::set(&self.conn, meta::CLOCK_OFFSET, offset_ms)?;
        Ok(())
    }

    /// A warning for the person when this PC's clock is off by more than the tolerance.
    pub fn clock_warning(&self) -> Result<Option<String>, ReplicaError> {
        let offset: i64 = meta::get(&self.conn, meta::CLOCK_OFFSET)?.unwrap_or(0);
        if !pupitre_sync_protocol::clock_suspect(offset) {
            return Ok(None);
        }
        let minutes = offset.abs() / 60_000;
        let ecart = if minutes >= 2 * 24 * 60 {
            format!("{} jours", minutes / (24 * 60))
        } else if minutes >= 120 {
            format!("{} heures", minutes / 60)
        } else {
            format!("{minutes} minutes")
        };
        let sens = if offset > 0 { "en avance" } else { "en retard" };
        Ok(Some(format!(
            "L'horloge de ce poste est {sens} de {ecart} : les heures qu'il affiche sont fausses (vos saisies sont bien enregistrées). Faites corriger la date et l'heure du poste."
        )))
    }

    pub fn mark_synced(&mut self, now_ms: u64) -> Result<(), ReplicaError> {
        meta::set(&self.conn, meta::LAST_SYNC_MS, now_ms as i64)?;
        Ok(())
    }
}

fn json(value: &impl serde::Serialize) -> Result<String, ReplicaError> {
    serde_json::to_string(value).map_err(|e| ReplicaError::Invalid(e.to_string()))
}

fn read_log(conn: &rusqlite::Connection) -> Result<Option<LogRef>, ReplicaError> {
    let text: Option<String> = meta::get(conn, meta::LOG)?;
    text.map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(|e| ReplicaError::Invalid(format!("journal enregistré illisible : {e}")))
}

/// Records the scope; when it changed, purges what is outside it.
fn set_scope(conn: &rusqlite::Connection, scope: &Scope) -> Result<(), ReplicaError> {
    let text = json(scope)?;
    if meta::get::<String>(conn, meta::SCOPE)?.as_deref() != Some(text.as_str()) {
        scope::purge_outside(conn, scope)?;
        meta::set(conn, meta::SCOPE, text)?;
    }
    Ok(())
}
