//! One sync round: push the outbox, then pull the scope's changes page by page (rebasing on a
//! snapshot when the central asks or the scope grew). Each answer is applied in one
//! transaction, so a crash between any two steps leaves the replica consistent and a retry sends
//! the same entries (same op ids and sequences) again.

use crate::client::CentralClient;
use crate::error::ReplicaError;
use crate::store::{Store, outbox};
use pupitre_sync_protocol::ClientId;
use pupitre_sync_protocol::wire::{
    MAX_PULL_PAGE, MAX_PUSH_CHANGES, PullRequest, PullResponse, PushOutcome, PushRequest,
    PushResponse, PushResult, Refusal, Snapshot,
};
use std::sync::{Arc, Mutex, MutexGuard};

pub type SharedStore = Arc<Mutex<Store>>;

/// How a round reaches the central: HTTP in the app (`CentralClient`), direct calls in the
/// deterministic simulation.
pub trait Transport {
    fn push(
        &self,
        token: &str,
        request: &PushRequest,
    ) -> impl Future<Output = Result<PushResponse, ReplicaError>> + Send;
    fn pull(
        &self,
        token: &str,
        request: &PullRequest,
    ) -> impl Future<Output = Result<PullResponse, ReplicaError>> + Send;
    fn snapshot(&self, token: &str) -> impl Future<Output = Result<Snapshot, ReplicaError>> + Send;
}

impl Transport for CentralClient {
    async fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, ReplicaError> {
        CentralClient::push(self, token, request).await
    }

    async fn pull(&self, token: &str, request: &PullRequest) -> Result<PullResponse, ReplicaError> {
        CentralClient::pull(self, token, request).await
    }

    async fn snapshot(&self, token: &str) -> Result<Snapshot, ReplicaError> {
        CentralClient::snapshot(self, token).await
    }
}

pub fn lock(store: &SharedStore) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RoundReport {
    pub accepted: usize,
    pub refused: usize,
    pub pulled: usize,
    /// Whether the replica rebased on a snapshot (its cursor was older than the central's
    /// compacted log, or a class was given to its user).
    pub rebased: bool,
    /// Values forgotten by the rebase: erased at the central long ago.
    pub forgotten: usize,
}

/// Pushes every pending entry (in batches), then pulls until up to date.
pub async fn round(
    store: &SharedStore,
    api: &impl Transport,
    token: &str,
    client_id: &ClientId,
    now_ms: impl Fn() -> u64,
) -> Result<RoundReport, ReplicaError> {
    let mut report = RoundReport::default();
    loop {
        let Some(log) = lock(store).log()? else {
            // Never synced with a log (a replica from before logs had identities): rebase first.
            rebase(store, api, token, &now_ms, &mut report).await?;
            continue;
        };
        let (changes, hlc) = {
            let mut s = lock(store);
            let changes = outbox::take_for_push(&mut s.conn, MAX_PUSH_CHANGES)?;
            (changes, s.clock()?)
        };
        if changes.is_empty() {
            break;
        }
        let request = PushRequest {
            client_id: client_id.clone(),
            log,
            changes,
            hlc,
            wall_ms: now_ms(),
        };
        let response = match api.push(token, &request).await {
            Ok(response) => response,
            Err(e @ ReplicaError::Unreachable(_)) => {
                // Never left this PC: show the entries as local again.
                outbox::unsend(&mut lock(store).conn, &request.changes)?;
                return Err(e);
            }
            Err(ReplicaError::Server { code, .. })
                if code == "journal_change" && !report.rebased =>
            {
                // The central was restored: rebase on it (which puts back in the outbox what it
                // may have lost), then push again.
                outbox::unsend(&mut lock(store).conn, &request.changes)?;
                rebase(store, api, token, &now_ms, &mut report).await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        if response.outcomes.len() != request.changes.len() {
            return Err(ReplicaError::Garbage(
                "nombre de réponses différent du nombre d'envois".into(),
            ));
        }
        let mut s = lock(store);
        outbox::settle(&mut s.conn, &request.changes, &response.outcomes)?;
        s.note_clock_offset(response.clock_offset_ms)?;
        s.observe_clock(response.server_hlc, now_ms())?;
        report.accepted += count(&response.outcomes, true);
        report.refused += count(&response.outcomes, false);
        if response.outcomes.iter().all(|o| {
            matches!(
                o.result,
                PushResult::Refused {
                    code: Refusal::SequenceManquante,
                    ..
                }
            )
        }) {
            // The central expects an earlier entry first: nothing more to do this round.
            break;
        }
    }
    loop {
        let (cursor, log) = {
            let s = lock(store);
            (s.cursor()?, s.log()?)
        };
        let Some(log) = log else {
            return Err(ReplicaError::Invalid(
                "journal du service central inconnu".into(),
            ));
        };
        let page = api
            .pull(
                token,
                &PullRequest {
                    cursor,
                    log: log.clone(),
                    limit: MAX_PULL_PAGE,
                },
            )
            .await?;
        if page.snapshot_required || page.log != log || lock(store).lacks_part_of(&page.scope)? {
            if report.rebased {
                // Once per round: the log moved on meanwhile; the next round goes on.
                return Ok(report);
            }
            rebase(store, api, token, &now_ms, &mut report).await?;
            if page.log != log {
                // Entries the restored central may lack are back in the outbox: send them.
                return Box::pin(round(store, api, token, client_id, now_ms))
                    .await
                    .map(|more| report.merged(more));
            }
            continue;
        }
        let mut s = lock(store);
        s.apply_page_durable(
            &page.changes,
            page.next_cursor,
            &page.scope,
            page.durable_through,
        )?;
        s.observe_clock(page.server_hlc, now_ms())?;
        report.pulled += page.changes.len();
        if !page.has_more {
            break;
        }
    }
    lock(store).mark_synced(now_ms())?;
    Ok(report)
}

/// Rebases the replica on a fresh snapshot (a compacted log, a class gained, a restored central).
async fn rebase(
    store: &SharedStore,
    api: &impl Transport,
    token: &str,
    now_ms: &impl Fn() -> u64,
    report: &mut RoundReport,
) -> Result<(), ReplicaError> {
    if report.rebased {
        return Err(ReplicaError::Interrupted(
            "le service central a changé pendant la synchronisation".into(),
        ));
    }
    let snapshot = api.snapshot(token).await?;
    let mut s = lock(store);
    report.forgotten += s.rebase(&snapshot, &mut |_, _| {})?;
    s.observe_clock(snapshot.server_hlc, now_ms())?;
    report.rebased = true;
    Ok(())
}

impl RoundReport {
    fn merged(self, more: RoundReport) -> RoundReport {
        RoundReport {
            accepted: self.accepted + more.accepted,
            refused: self.refused + more.refused,
            pulled: self.pulled + more.pulled,
            rebased: true,
            forgotten: self.forgotten + more.forgotten,
        }
    }
}

fn count(outcomes: &[PushOutcome], accepted: bool) -> usize {
    outcomes
        .iter()
        .filter(|o| matches!(o.result, PushResult::Accepted { .. }) == accepted)
        .count()
}
