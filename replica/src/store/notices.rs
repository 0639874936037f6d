//! The `notices` table: what the central said of a person's change that did not simply apply
//! (combined, kept in a conflict, did not stand), with its record's description.

use pupitre_sync_protocol::Change;
use pupitre_sync_protocol::wire::Outcome;
use rusqlite::{Transaction, params};

pub fn note(
    tx: &Transaction<'_>,
    change: &Change,
    outcome: Outcome,
    message: &str,
    (what, eleve): (&str, Option<&str>),
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO notices (client_seq, kind, entity_id, field, outcome, message, seance, eleve)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            change.client_seq as i64,
            change.entity.kind.as_str(),
            change.entity.id,
            change.field,
            outcome.as_str(),
            message,
            what,
            eleve
        ],
    )?;
    Ok(())
}
