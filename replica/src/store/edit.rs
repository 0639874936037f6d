//! A person's local edits: the new value and its outbox entry, written in the caller's
//! transaction (a `Transaction`, so that the one cannot be written without the other), and the
//! choice that resolves a conflict, which is such an edit.

use super::conflicts::{self, Choice};
use super::{fields, meta, outbox};
use crate::error::ReplicaError;
use pupitre_domain::{Edit, EntityKey, EntityKind};
use pupitre_sync_protocol::OpId;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// Who writes, with which op id, when (this PC's clock: data, never a merge rule).
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    pub me: &'a str,
    pub op_id: OpId,
    pub now_ms: u64,
}

/// Writes a local edit's visible value and its outbox entry (fresh sequence, base = the version
/// the user saw, HLC tick). `resolves` marks a conflict's resolution. Returns the sequence.
pub fn write(
    tx: &Transaction<'_>,
    edit: &Edit,
    by: Author<'_>,
    resolves: Option<u64>,
) -> Result<u64, ReplicaError> {
    let scope_key = scope_key_of(tx, edit)?.ok_or_else(|| {
        ReplicaError::Invalid("cette classe ou ce groupe n'est pas sur ce poste".into())
    })?;
    let hlc = meta::clock(tx)?.tick(by.now_ms);
    meta::set_clock(tx, hlc)?;
    let seq = meta::get::<i64>(tx, meta::NEXT_SEQ)?.unwrap_or(1) as u64;
    meta::set(tx, meta::NEXT_SEQ, (seq + 1) as i64)?;
    // What the user is looking at: the central's version of the field, and this PC's latest
    // unacknowledged edit of it, which the field shows (GUIDE §3: what a change overwrites).
    let entry = outbox::Entry {
        seq,
        op_id: by.op_id,
        edit,
        base: fields::base(tx, edit)?,
        base_own: outbox::latest_own(tx, edit)?,
        hlc,
        resolves,
    };
    fields::write_local(tx, edit, by.me, by.now_ms, &scope_key)?;
    outbox::append(tx, &entry)?;
    Ok(seq)
}

/// Resolves a field's open conflicts by keeping the chosen version. Returns the resolution's
/// client sequence.
pub fn resolve(
    tx: &Transaction<'_>,
    choice: &Choice<'_>,
    by: Author<'_>,
) -> Result<u64, ReplicaError> {
    let Some(upto) = conflicts::newest(tx, choice.kind, choice.entity_id, choice.field)? else {
        return Err(ReplicaError::Invalid(
            "ce conflit est déjà résolu (ou n'existe pas sur ce poste)".into(),
        ));
    };
    let chosen = conflicts::chosen_value(tx, choice)?.ok_or_else(|| {
        ReplicaError::Invalid("cette version n'est pas l'une des versions en conflit".into())
    })?;
    let value: serde_json::Value = serde_json::from_str(&chosen)
        .map_err(|e| ReplicaError::Invalid(format!("valeur illisible : {e}")))?;
    let edit = Edit::parse(choice.kind, choice.entity_id, choice.field, &value)
        .map_err(|e| ReplicaError::Invalid(e.to_string()))?;
    let seq = write(tx, &edit, by, Some(upto))?;
    conflicts::mark_resolving(tx, choice, upto, seq)?;
    Ok(seq)
}

/// The scope tag of an edited record, from this replica's reference data (None: not here).
fn scope_key_of(conn: &Connection, edit: &Edit) -> rusqlite::Result<Option<String>> {
    let key = edit.key();
    let (sql, id) = match (&key, key.seance_id(), key.service_id()) {
        (_, Some(seance_id), _) => (
            "SELECT sv.cible_key FROM seances se JOIN services sv ON sv.id = se.service_id
             WHERE se.id = ?1",
            seance_id,
        ),
        (_, _, Some(service_id)) => ("SELECT cible_key FROM services WHERE id = ?1", service_id),
        (
            EntityKey::Conseil { division_id, .. } | EntityKey::Decision { division_id, .. },
            _,
            _,
        ) => (
            "SELECT division_key(id) FROM divisions WHERE id = ?1",
            division_id.as_str(),
        ),
        // A pupil's vie scolaire records travel with her division, as at the central.
        (EntityKey::Absence { eleve_id, .. } | EntityKey::Dispense { eleve_id, .. }, _, _) => (
            "SELECT division_key(division_id) FROM eleves WHERE id = ?1",
            eleve_id.as_str(),
        ),
        (EntityKey::Reglages, _, _) => return Ok(Some(pupitre_domain::Cible::Etablissement.key())),
        // A notification names the family's addresses: only the vie scolaire's PCs hold it.
        (EntityKey::Notification { .. }, _, _) => {
            return Ok(Some(pupitre_domain::Cible::VieScolaire.key()));
        }
        _ => return Ok(None),
    };
    conn.prepare_cached(sql)?
        .query_row([id], |r| r.get(0))
        .optional()
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
