//! The central's erasure of a closed school year's vie scolaire, applied to this PC: its roll
//! calls, absences, dispenses and notifications leave the replica, and what was still unsent of
//! them becomes a refusal its author sees (sent all the same, so that the central sees this PC's
//! sequence without a gap, and refuses it in turn). The central decides when, by its clock.

use super::push;
use pupitre_domain::conservation::VIE_SCOLAIRE;
use pupitre_sync_protocol::wire::Refusal;
use rusqlite::Transaction;

const EFFACEE: &str = "L'année scolaire est close depuis plus que la durée de conservation choisie par l'établissement : ses données de vie scolaire ont été effacées, et cette saisie n'a pas été envoyée.";

/// Erases the vie scolaire from the replica. Part of the caller's transaction; returns how many
/// values went (0 once done).
pub fn effacer_vie_scolaire(tx: &Transaction<'_>) -> rusqlite::Result<usize> {
    let mut erased = 0;
    for kind in VIE_SCOLAIRE.map(|k| k.as_str()) {
        push::withdraw_where(tx, "kind = ?1", kind, Refusal::HorsAnnee, EFFACEE)?;
        for table in ["conflicts", "notices", "acked"] {
            tx.execute(&format!("DELETE FROM {table} WHERE kind = ?1"), [kind])?;
        }
        erased += tx.execute("DELETE FROM fields WHERE kind = ?1", [kind])?;
    }
    Ok(erased)
}
