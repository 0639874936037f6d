//! Serving a pull: one page of the caller's scope after its cursor, with the scope itself, read
//! in one transaction; or, when the cursor is below the compacted log, the word to rebase.

use crate::db::{identity, log, school};
use crate::error::ApiFailure;
use pupitre_domain::Personnel;
use pupitre_sync_protocol::Hlc;
use pupitre_sync_protocol::wire::{MAX_PULL_PAGE, PullRequest, PullResponse};
use rusqlite::Connection;

/// A page for `who`. A replica synced with another log or epoch (the central was restored)
/// gets `snapshot_required`; a cursor above the head in the same log is refused.
pub fn page(
    conn: &mut Connection,
    who: &Personnel,
    request: &PullRequest,
    server_hlc: Hlc,
) -> Result<PullResponse, ApiFailure> {
    let tx = conn.transaction()?;
    let id = identity::read(&tx)?;
    let same_log = request.log == id.log;
    if request.log.log_id == id.log.log_id && request.log.epoch > id.log.epoch {
        return Err(ApiFailure::bad_request(
            "Ce poste parle d'une époque du journal que ce service central n'a jamais eue.",
        ));
    }
    let head = log::head(&tx)?;
    if same_log && request.cursor > head {
        return Err(ApiFailure::bad_request(format!(
            "Curseur {} au-delà de la dernière modification du journal ({head}).",
            request.cursor
        )));
    }
    let snapshot_required = !same_log || request.cursor < log::horizon(&tx)?;
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
        log: id.log,
        durable_through: id.durable_through,
        server_hlc,
        vie_scolaire_effacee: log::efface(&tx, crate::conservation::VIE_SCOLAIRE)?,
    })
}
