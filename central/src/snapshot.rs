//! A replica's bootstrap: its scope's reference data and current values, at one cursor.

use crate::db::{identity, log, school};
use pupitre_domain::Personnel;
use pupitre_sync_protocol::Hlc;
use pupitre_sync_protocol::wire::Snapshot;
use rusqlite::Connection;

/// Reads `who`'s snapshot in one read transaction, so that the data and the cursor agree.
pub fn read(conn: &mut Connection, who: Personnel, server_hlc: Hlc) -> rusqlite::Result<Snapshot> {
    let tx = conn.transaction()?;
    let scope = school::scope_of(&tx, &who)?;
    let school = school::read_scoped(&tx, &scope)?;
    let fields = log::current_fields(&tx, &who)?;
    let conflicts = log::open_conflicts(&tx, &who)?;
    let cursor = log::head(&tx)?;
    let id = identity::read(&tx)?;
    Ok(Snapshot {
        moi: who,
        scope,
        school,
        fields,
        conflicts,
        cursor,
        log: id.log,
        restore_floor: id.restore_floor,
        server_hlc,
    })
}
