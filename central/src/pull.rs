//! Serving a pull: one page of the caller's scope after its cursor, with the scope itself, read
//! in one transaction; or, when the cursor is below the compacted log, the word to rebase.

use crate::db::{log, school};
use pupitre_domain::Personnel;
use pupitre_sync_protocol::Hlc;
use pupitre_sync_protocol::wire::{MAX_PULL_PAGE, PullRequest, PullResponse};
use rusqlite::Connection;

pub fn page(
    conn: &mut Connection,
    who: &Personnel,
    request: &PullRequest,
    server_hlc: Hlc,
) -> rusqlite::Result<PullResponse> {
    let tx = conn.transaction()?;
    let snapshot_required = request.cursor < log::horizon(&tx)?;
    let (changes, next_cursor, has_more) = if snapshot_required {
        (Vec::new(), request.cursor, false)
    } else {
        let limit = request.limit.clamp(1, MAX_PULL_PAGE);
        log::pull(&tx, who, request.cursor, limit)?
    };
    Ok(PullResponse {
        changes,
        next_cursor,
        has_more,
        snapshot_required,
        scope: school::scope_of(&tx, who)?,
        server_hlc,
    })
}
