//! One sync round: push the outbox, then pull the scope's changes page by page (rebasing on a
//! snapshot when the central asks or the scope grew). Each answer is applied in one
//! transaction, so a crash between any two steps leaves the replica consistent and a retry sends
//! the same entries (same op ids and sequences) again.

use crate::client::CentralClient;
use crate::error::ReplicaError;
use crate::store::Store;
use pupitre_domain::referentiel::Mouvement;
use pupitre_sync_protocol::ClientId;
use pupitre_sync_protocol::wire::{
    ErrorCode, MAX_PULL_PAGE, MAX_PUSH_CHANGES, PullRequest, PullResponse, PushOutcome,
    PushRequest, PushResponse, PushResult, Refusal, Snapshot,
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

/// What a round works with.
struct Round<'a, T, N> {
    store: &'a SharedStore,
    api: &'a T,
    token: &'a str,
    client_id: &'a ClientId,
    now_ms: &'a N,
}

/// How the pull ended.
enum Pulled {
    UpToDate,
    /// The log moved on during the round: the next round goes on.
    Later,
    /// The central was restored: entries it may lack are back in the outbox, to send now.
    Restored,
}

/// Pushes every pending entry (in batches), then pulls until up to date.
pub async fn round(
    store: &SharedStore,
    api: &impl Transport,
    token: &str,
    client_id: &ClientId,
    now_ms: impl Fn() -> u64,
) -> Result<RoundReport, ReplicaError> {
    let r = Round {
        store,
        api,
        token,
        client_id,
        now_ms: &now_ms,
    };
    let mut report = RoundReport::default();
    push_all(&r, &mut report).await?;
    match pull_all(&r, &mut report).await? {
        Pulled::UpToDate => {
            lock(store).mark_synced(now_ms())?;
            Ok(report)
        }
        Pulled::Later => Ok(report),
        Pulled::Restored => Box::pin(round(store, api, token, client_id, now_ms))
            .await
            .map(|more| report.merged(more)),
    }
}

async fn push_all<T: Transport, N: Fn() -> u64>(
    r: &Round<'_, T, N>,
    report: &mut RoundReport,
) -> Result<(), ReplicaError> {
    loop {
        let Some(log) = lock(r.store).log()? else {
            // Never synced with a log (a replica from before logs had identities): rebase first.
            rebase(r, report).await?;
            continue;
        };
        let (changes, hlc) = {
            let mut s = lock(r.store);
            let changes = s.take_for_push(MAX_PUSH_CHANGES)?;
            (changes, s.clock()?)
        };
        if changes.is_empty() {
            return Ok(());
        }
        let request = PushRequest {
            client_id: r.client_id.clone(),
            log,
            changes,
            hlc,
            wall_ms: (r.now_ms)(),
        };
        let response = match r.api.push(r.token, &request).await {
            Ok(response) => response,
            Err(e @ (ReplicaError::Unreachable(_) | ReplicaError::Surcharge { .. })) => {
                // Never left this PC, or the central turned them away untouched: show the
                // entries as local again.
                lock(r.store).unsend(&request.changes)?;
                return Err(e);
            }
            Err(ReplicaError::Server { code, .. })
                if code == ErrorCode::JournalChange && !report.rebased =>
            {
                // The central was restored: rebase on it (which puts back in the outbox what it
                // may have lost), then push again.
                lock(r.store).unsend(&request.changes)?;
                rebase(r, report).await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        if !settle(r, &request, &response, report)? {
            // The central expects an earlier entry first: nothing more to do this round.
            return Ok(());
        }
    }
}

/// Applies a push's answers; false when the central expects an earlier entry first.
fn settle<T, N: Fn() -> u64>(
    r: &Round<'_, T, N>,
    request: &PushRequest,
    response: &PushResponse,
    report: &mut RoundReport,
) -> Result<bool, ReplicaError> {
    if response.outcomes.len() != request.changes.len() {
        return Err(ReplicaError::Garbage(
            "nombre de réponses différent du nombre d'envois".into(),
        ));
    }
    let mut s = lock(r.store);
    s.settle(&request.changes, &response.outcomes)?;
    s.note_clock_offset(response.clock_offset_ms)?;
    s.observe_clock(response.server_hlc, (r.now_ms)())?;
    report.accepted += count(&response.outcomes, true);
    report.refused += count(&response.outcomes, false);
    let all_early = response.outcomes.iter().all(|o| {
        matches!(
            o.result,
            PushResult::Refused {
                code: Refusal::SequenceManquante,
                ..
            }
        )
    });
    Ok(!all_early)
}

async fn pull_all<T: Transport, N: Fn() -> u64>(
    r: &Round<'_, T, N>,
    report: &mut RoundReport,
) -> Result<Pulled, ReplicaError> {
    loop {
        let (cursor, log) = {
            let s = lock(r.store);
            (s.cursor()?, s.log()?)
        };
        let Some(log) = log else {
            return Err(ReplicaError::Invalid(
                "journal du service central inconnu".into(),
            ));
        };
        let request = PullRequest {
            cursor,
            log: log.clone(),
            limit: MAX_PULL_PAGE,
        };
        let page = r.api.pull(r.token, &request).await?;
        // The import handed this PC's user a séance or a service with history: a snapshot
        // brings its marks and roll calls.
        let reprise = (page.referentiel.iter())
            .any(|m| m.server_seq > cursor && m.mouvement == Mouvement::Reprise);
        if page.snapshot_required
            || reprise
            || page.log != log
            || lock(r.store).lacks_part_of(&page.scope)?
        {
            if report.rebased {
                // Once per round: the log moved on meanwhile; the next round goes on.
                return Ok(Pulled::Later);
            }
            rebase(r, report).await?;
            if page.log != log {
                return Ok(Pulled::Restored);
            }
            continue;
        }
        let mut s = lock(r.store);
        let moves = crate::store::Page {
            changes: &page.changes,
            moves: &page.referentiel,
            next_cursor: page.next_cursor,
        };
        s.apply_page_durable(moves, &page.scope, page.durable_through)?;
        s.observe_clock(page.server_hlc, (r.now_ms)())?;
        if page.vie_scolaire_effacee {
            s.effacer_vie_scolaire()?;
        }
        report.pulled += page.changes.len() + page.referentiel.len();
        if !page.has_more {
            return Ok(Pulled::UpToDate);
        }
    }
}

/// Rebases the replica on a fresh snapshot (a compacted log, a class gained, a restored central).
async fn rebase<T: Transport, N: Fn() -> u64>(
    r: &Round<'_, T, N>,
    report: &mut RoundReport,
) -> Result<(), ReplicaError> {
    if report.rebased {
        return Err(ReplicaError::Interrupted(
            "le service central a changé pendant la synchronisation".into(),
        ));
    }
    let snapshot = r.api.snapshot(r.token).await?;
    let mut s = lock(r.store);
    report.forgotten += s.rebase(&snapshot, &mut |_, _| {})?;
    s.observe_clock(snapshot.server_hlc, (r.now_ms)())?;
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
