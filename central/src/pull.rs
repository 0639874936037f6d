//! Serving a pull: one page of the caller's scope after its cursor, with the scope itself, read
//! in one transaction; or, when the cursor is below the compacted log, the word to rebase.

use crate::db::{identity, log, referentiel, school};
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
    let (changes, next_cursor, has_more, moves) = if snapshot_required {
        (Vec::new(), request.cursor, false, Vec::new())
    } else {
        let limit = request.limit.clamp(1, MAX_PULL_PAGE);
        page_with_moves(&tx, who, request.cursor, limit)?
    };
    Ok(PullResponse {
        referentiel: moves,
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

type Page = (
    Vec<pupitre_sync_protocol::ServerChange>,
    u64,
    bool,
    Vec<pupitre_sync_protocol::wire::RefChange>,
);

/// The changes of a page and the reference data's moves in the same span of the log: when the
/// moves alone fill a page, the span ends at the last of them (and the changes after it wait).
fn page_with_moves(
    tx: &Connection,
    who: &Personnel,
    cursor: u64,
    limit: u32,
) -> rusqlite::Result<Page> {
    let (mut changes, mut next, mut has_more) = log::pull(tx, who, cursor, limit)?;
    let moves = referentiel::apres(tx, &referentiel::audience(who), cursor, next, limit)?;
    if moves.len() as u32 == limit
        && let Some(last) = moves.last().map(|m| m.server_seq)
        && last < next
    {
        changes.retain(|c| c.server_seq <= last);
        next = last;
        has_more = true;
    }
    Ok((changes, next, has_more, moves))
}
