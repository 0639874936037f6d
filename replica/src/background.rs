//! The session's background: the sync loop's pace (right after a local edit, every `IDLE`
//! otherwise, doubling delays while the central fails) and the sync status the front end
//! watches.

use crate::error::{ReplicaError, UiError};
use crate::views::EtatSynchro;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Wait between two sync rounds when all is well; a local edit wakes the loop at once.
const IDLE: Duration = Duration::from_secs(10);
/// Retry delays after failures double from `RETRY_MIN` up to `RETRY_MAX`.
const RETRY_MIN: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// The counters of the status, as the store gives them.
pub struct Counts {
    pub local: u32,
    pub sent: u32,
    pub refused: u32,
    pub conflits: u32,
    pub horloge: Option<String>,
}

pub struct Background {
    status: watch::Sender<EtatSynchro>,
    wake: Notify,
    stopped: AtomicBool,
}

impl Background {
    pub fn new(online: bool) -> Background {
        let etat = EtatSynchro {
            en_ligne: online,
            ..EtatSynchro::default()
        };
        Background {
            status: watch::channel(etat).0,
            wake: Notify::new(),
            stopped: AtomicBool::new(false),
        }
    }

    /// Runs `round` until `stop`; `round` says whether it succeeded.
    pub async fn run<F: Future<Output = bool>>(&self, mut round: impl FnMut() -> F) {
        let mut retry = RETRY_MIN;
        while !self.stopped.load(Ordering::Acquire) {
            let wait = if round().await {
                retry = RETRY_MIN;
                IDLE
            } else {
                let wait = retry;
                retry = (retry * 2).min(RETRY_MAX);
                wait
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Asks the loop for a round now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    /// What a round's outcome says of the connection.
    pub fn record_round<T>(&self, result: &Result<T, ReplicaError>, synced_at: Option<String>) {
        self.status.send_modify(|s| match result {
            Ok(_) => {
                s.en_ligne = true;
                s.erreur = None;
                s.derniere_synchro = synced_at;
            }
            Err(e) => {
                s.en_ligne = !e.is_offline();
                s.erreur = Some(UiError::from(e));
            }
        });
    }

    /// Logged in offline: shown as such, with why.
    pub fn record_offline(&self, why: UiError) {
        self.status.send_modify(|s| {
            s.en_ligne = false;
            s.erreur = Some(why);
        });
    }

    pub fn record_counts(&self, c: Counts) {
        self.status.send_modify(|s| {
            s.horloge = c.horloge;
            s.en_attente = c.local + c.sent;
            s.envoyees = c.sent;
            s.refusees = c.refused;
            s.conflits = c.conflits;
        });
    }

    pub fn etat(&self) -> EtatSynchro {
        self.status.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<EtatSynchro> {
        self.status.subscribe()
    }
}
