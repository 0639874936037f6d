//! What the central sends, written to the replica: a snapshot at bootstrap (or to rebase), then
//! pulled pages. Each is one transaction with the cursor and the scope it came with.

use super::{conflicts, fields, meta, outbox, scope};
use crate::error::ReplicaError;
use pupitre_domain::referentiel::{Mouvement, Table};
use pupitre_domain::{Edit, Scope};
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::wire::{LogRef, RefChange, Snapshot};
use pupitre_sync_protocol::{EntityRef, ServerChange};
use rusqlite::{Connection, Transaction};

/// One pulled page, the new cursor and the current scope (what left the scope is purged), and
/// the acknowledged entries a backup of the central now holds are forgotten. The reference
/// data's moves of the page's span come first (what its changes may name). A cursor never
/// moves back.
pub fn apply_page(
    tx: &Transaction<'_>,
    page: Page<'_>,
    scope: &Scope,
    durable_through: u64,
) -> Result<(), ReplicaError> {
    let Page {
        changes,
        moves,
        next_cursor,
    } = page;
    let cursor = meta::cursor(tx)?;
    apply_moves(tx, moves, cursor)?;
    set_scope(tx, scope)?;
    outbox::prune_acked(tx, durable_through)?;
    let outbox_empty = outbox::is_empty(tx)?;
    for change in changes.iter().filter(|c| c.server_seq > cursor) {
        apply_pulled(tx, change, outbox_empty)?;
    }
    meta::set(tx, meta::CURSOR, next_cursor.max(cursor) as i64)?;
    Ok(())
}

/// What a pulled page brings.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub changes: &'a [ServerChange],
    pub moves: &'a [RefChange],
    pub next_cursor: u64,
}

/// The reference data's moves after `cursor`, in the log's order. The references between the
/// tables are checked at the commit: a move may name a record a later one of the same import
/// writes. A séance that leaves the view takes its roll call with it.
fn apply_moves(tx: &Transaction<'_>, moves: &[RefChange], cursor: u64) -> Result<(), ReplicaError> {
    let moves: Vec<&RefChange> = moves.iter().filter(|m| m.server_seq > cursor).collect();
    if moves.is_empty() {
        return Ok(());
    }
    tx.execute_batch("PRAGMA defer_foreign_keys = ON;")?;
    for m in moves {
        if let Mouvement::Retire {
            table: Table::Seance,
            cle,
        } = &m.mouvement
        {
            scope::drop_seance(tx, cle)?;
        }
        pupitre_school_db::appliquer(tx, &m.mouvement)?;
    }
    Ok(())
}

/// Writes a snapshot, at bootstrap or to rebase: the reference data, the current values and the
/// open conflicts become the snapshot's, with this replica's unacknowledged edits replayed over
/// them. A value the snapshot no longer has (an erasure whose tombstone has expired) is
/// forgotten, never brought back. Returns how many values that still showed were forgotten.
pub fn rebase(
    tx: &Transaction<'_>,
    snapshot: &Snapshot,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<usize, ReplicaError> {
    if log(tx)?.is_some_and(|held| held != snapshot.log) {
        // The central was restored (or replaced): what it acknowledged may be gone from it.
        // Those entries go back to the outbox and are replayed over the snapshot like any
        // pending edit, then resent.
        outbox::resend_after_restore(tx, snapshot.restore_floor)?;
    }
    meta::set(tx, meta::LOG, json(&snapshot.log)?)?;
    pupitre_school_db::replace_school(tx, &snapshot.school, progress)?;
    set_scope(tx, &snapshot.scope)?;
    fields::unmark_all(tx)?;
    let outbox_empty = outbox::is_empty(tx)?;
    for change in &snapshot.fields {
        apply_pulled(tx, change, outbox_empty)?;
    }
    let forgotten = fields::forget_unmarked(tx)?;
    conflicts::replace_all(tx, &snapshot.conflicts)?;
    meta::set(tx, meta::CURSOR, snapshot.cursor as i64)?;
    Ok(forgotten)
}

/// Applies one change from the central. The central's value always moves; the visible value
/// follows it unless this replica still has unacknowledged edits of the field, which are
/// replayed over it (they stay visible until the central answers). `outbox_empty` spares the
/// per-change look-up in the common case.
fn apply_pulled(
    tx: &Transaction<'_>,
    change: &ServerChange,
    outbox_empty: bool,
) -> Result<(), ReplicaError> {
    let EntityRef { kind, id } = &change.entity;
    if Edit::parse(*kind, id, &change.field, &change.value).is_err() {
        // The central validated it; a value this version cannot read is a newer schema.
        return Err(ReplicaError::Garbage(format!(
            "valeur inconnue pour {kind:?}.{}",
            change.field
        )));
    }
    let field = change.field.as_str();
    let follow = outbox_empty || !outbox::has_pending(tx, *kind, id, field)?;
    if let Some(upto) = change.resolves {
        conflicts::close(tx, *kind, id, field, upto)?;
    }
    match change.effect {
        // A new row can only come without pending edits (an edit writes its row).
        Effect::Applied => fields::write_central(tx, change, follow)?,
        // A superseded change or one kept in a conflict: with nothing local left to replay,
        // show the central's value.
        Effect::Conflict | Effect::Superseded => {
            if change.effect == Effect::Conflict {
                conflicts::open(tx, change)?;
            }
            if follow {
                fields::show_central(tx, *kind, id, field, false)?;
            }
        }
    }
    Ok(())
}

/// The central's log this replica is synced with (None before its first snapshot).
pub fn log(conn: &Connection) -> Result<Option<LogRef>, ReplicaError> {
    let text: Option<String> = meta::get(conn, meta::LOG)?;
    text.map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(|e| ReplicaError::Invalid(format!("journal enregistré illisible : {e}")))
}

/// Whether `scope` holds classes or groups this replica has no reference data for (a class
/// given to its user): then it rebases on a snapshot rather than pull their tail.
pub fn lacks_part_of(conn: &Connection, scope: &Scope) -> rusqlite::Result<bool> {
    let held: Option<String> = meta::get(conn, meta::SCOPE)?;
    Ok(match held.map(|t| serde_json::from_str::<Scope>(&t)) {
        Some(Ok(held)) => scope.grows_from(&held),
        // Never recorded, or unreadable: only a snapshot says what this replica holds.
        _ => true,
    })
}

fn json(value: &impl serde::Serialize) -> Result<String, ReplicaError> {
    serde_json::to_string(value).map_err(|e| ReplicaError::Invalid(e.to_string()))
}

/// Records the scope; when it changed, purges what is outside it.
fn set_scope(tx: &Transaction<'_>, scope: &Scope) -> Result<(), ReplicaError> {
    let text = json(scope)?;
    if meta::get::<String>(tx, meta::SCOPE)?.as_deref() != Some(text.as_str()) {
        scope::purge_outside(tx, scope)?;
        meta::set(tx, meta::SCOPE, text)?;
    }
    Ok(())
}
