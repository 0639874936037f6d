//! The push, written to the replica: entries taken for sending, put back when the request never
//! left, and the central's answers applied in one transaction (acknowledged, noted for their
//! author, or refused and listed).

use super::describe::describe;
use super::{conflicts, fields, notices, outbox};
use crate::error::ReplicaError;
use pupitre_domain::EntityKind;
use pupitre_sync_protocol::Change;
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::wire::{Outcome, PushOutcome, PushResult, Refusal};
use rusqlite::Transaction;

/// The oldest `limit` entries, in client sequence order, marked as sent.
pub fn take(tx: &Transaction<'_>, limit: usize) -> Result<Vec<Change>, ReplicaError> {
    let changes = outbox::oldest(tx, limit)?;
    outbox::mark_sent(tx, &changes, true)?;
    Ok(changes)
}

/// Applies the central's answers: accepted entries leave the outbox for the acknowledged list
/// (kept until a backup of the central holds them), and what did not simply apply is noted for
/// its author; refused ones move to the visible refused list and the central's value shows
/// again. A missing sequence stays to be sent again.
pub fn settle(
    tx: &Transaction<'_>,
    sent: &[Change],
    outcomes: &[PushOutcome],
) -> Result<(), ReplicaError> {
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
            } => accept(
                tx,
                change,
                (*server_seq, *effect, *outcome),
                reason.as_deref(),
            )?,
            PushResult::Refused {
                code: Refusal::SequenceManquante,
                ..
            } => {}
            PushResult::Refused { .. } if outbox::is_withdrawn(tx, change.client_seq)? => {
                // Already listed as refused, described while its class was still here (or a
                // refusal resent as a void after a restore): nothing of it may stay shown.
                outbox::remove(tx, change.client_seq)?;
                revert_to_central(tx, change.entity.kind, &change.entity.id, &change.field)?;
            }
            PushResult::Refused { code, message } => refuse(tx, change.client_seq, *code, message)?,
        }
    }
    Ok(())
}

fn accept(
    tx: &Transaction<'_>,
    change: &Change,
    (server_seq, effect, outcome): (u64, Effect, Outcome),
    reason: Option<&str>,
) -> Result<(), ReplicaError> {
    if effect == Effect::Applied {
        fields::acknowledge_applied(tx, change, server_seq)?;
    }
    if let Some(reason) = reason
        && notice_is_kept(change, outcome)
    {
        let (what, eleve) = describe(tx, change.entity.kind.as_str(), &change.entity.id)?;
        notices::note(tx, change, outcome, reason, (&what, eleve.as_deref()))?;
    }
    outbox::acknowledge(tx, change.client_seq, server_seq)?;
    // Nothing local left to replay: show the central's value, which may be newer than this
    // change (one resent after a restore, or one that did not stand).
    revert_to_central(tx, change.entity.kind, &change.entity.id, &change.field)?;
    Ok(())
}

/// Roll-call marks combined with a vie scolaire fact are told from the current values (the fact
/// may come later, or be withdrawn); every other outcome that is not a plain application is kept.
fn notice_is_kept(change: &Change, outcome: Outcome) -> bool {
    let roll_call = change.entity.kind == EntityKind::Presence;
    !matches!(outcome, Outcome::Applied | Outcome::Same) && !roll_call
}

/// Shows the central's value again for a field with no unacknowledged edit left (its local
/// edit was refused or answered); a field the central does not hold is forgotten.
fn revert_to_central(
    tx: &Transaction<'_>,
    kind: EntityKind,
    id: &str,
    field: &str,
) -> rusqlite::Result<()> {
    if outbox::has_pending(tx, kind, id, field)? {
        return Ok(());
    }
    fields::show_central(tx, kind, id, field, true)
}

/// An unsent edit that can no longer stand (its class left the user's scope): listed as refused
/// now, while it can still be described, and kept in the outbox to be sent all the same, so
/// that the central sees this client's sequence without a gap (it refuses it in turn).
pub fn withdraw(
    tx: &Transaction<'_>,
    client_seq: u64,
    code: Refusal,
    message: &str,
) -> rusqlite::Result<()> {
    if list_refused(tx, client_seq, code, message)?.is_some() {
        outbox::mark_withdrawn(tx, client_seq)?;
    }
    Ok(())
}

/// `withdraw` for every unsent edit whose outbox row matches `condition` (SQL over the outbox's
/// columns, `?1` bound to `param`).
pub fn withdraw_where(
    tx: &Transaction<'_>,
    condition: &str,
    param: &str,
    code: Refusal,
    message: &str,
) -> rusqlite::Result<()> {
    let unsent: Vec<i64> = tx
        .prepare_cached(&format!(
            "SELECT client_seq FROM outbox WHERE withdrawn = 0 AND ({condition})"
        ))?
        .query_map([param], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for seq in unsent {
        withdraw(tx, seq as u64, code, message)?;
    }
    Ok(())
}

/// Moves an outbox entry to the refused list with its reason and description, and shows the
/// central's value of the field again.
fn refuse(
    tx: &Transaction<'_>,
    client_seq: u64,
    code: Refusal,
    message: &str,
) -> rusqlite::Result<()> {
    let Some((kind, id, field)) = list_refused(tx, client_seq, code, message)? else {
        return Ok(());
    };
    outbox::remove(tx, client_seq)?;
    if let Some(kind) = EntityKind::parse(&kind) {
        revert_to_central(tx, kind, &id, &field)?;
    }
    Ok(())
}

/// Lists an outbox entry as refused, described now (its record may be purged from this PC
/// later), and reopens the conflicts it was resolving. Returns its (kind, id, field).
fn list_refused(
    tx: &Transaction<'_>,
    client_seq: u64,
    code: Refusal,
    message: &str,
) -> rusqlite::Result<Option<(String, String, String)>> {
    let Some((kind, id, field)) = outbox::field_of(tx, client_seq)? else {
        return Ok(None);
    };
    let (what, eleve) = describe(tx, &kind, &id)?;
    let refused = outbox::Refused {
        client_seq,
        code: code.as_str(),
        message,
        what: &what,
        eleve: eleve.as_deref(),
    };
    outbox::list_refused(tx, &refused)?;
    conflicts::reopen(tx, client_seq)?;
    Ok(Some((kind, id, field)))
}
