//! A field's history: every change of it still in the log, in the caller's scope.

use crate::db::{log, school};
use crate::error::ApiFailure;
use pupitre_domain::Personnel;
use pupitre_sync_protocol::wire::{HistoryEntry, HistoryRequest, HistoryResponse};
use rusqlite::Connection;

pub fn read(
    conn: &mut Connection,
    who: &Personnel,
    request: &HistoryRequest,
) -> Result<HistoryResponse, ApiFailure> {
    let tx = conn.transaction()?;
    let changes = log::history(&tx, who, &request.entity, &request.field)?;
    let mut entries = Vec::with_capacity(changes.len());
    for c in changes {
        let author = school::signature(&tx, &c.author_id)?;
        entries.push(HistoryEntry {
            server_seq: c.server_seq,
            author,
            client_id: c.client_id,
            received_ms: log::received_ms(&tx, c.server_seq)?,
            written_ms: c.hlc.wall_ms,
            value: c.value,
            effect: c.effect,
        });
    }
    // Compaction may have removed older changes of any field.
    let complete = log::horizon(&tx)? == 0;
    Ok(HistoryResponse { entries, complete })
}
