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
    /// How long an overloaded central asked to be left alone after the last round.
    pause: std::sync::Mutex<Option<Duration>>,
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
            pause: std::sync::Mutex::new(None),
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
            let pause = self.pause.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(pause) = pause {
                // The central asked for it: no round before, not even for a local edit (it is
                // saved here), and a spread so that a school's PCs do not come back at once.
                let fin = tokio::time::sleep(etale(pause.max(wait)));
                tokio::pin!(fin);
                while !self.stopped.load(Ordering::Acquire) {
                    tokio::select! {
                        () = self.wake.notified() => {}
                        () = &mut fin => break,
                    }
                }
                continue;
            }
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
        if let Err(ReplicaError::Surcharge { apres, .. }) = result {
            *self.pause.lock().unwrap_or_else(|p| p.into_inner()) = Some(*apres);
        }
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

/// `pause`, lengthened by up to a quarter at random.
fn etale(pause: Duration) -> Duration {
    use rand::Rng;
    pause + pause.mul_f64(rand::thread_rng().gen_range(0.0..0.25))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::instant;
    use std::sync::Arc;
    use std::time::Instant;

    fn surcharge(secondes: u64) -> Result<(), ReplicaError> {
        Err(ReplicaError::Surcharge {
            apres: Duration::from_secs(secondes),
            message: "très sollicité".into(),
        })
    }

    /// After an overloaded central's answer the next round comes no sooner than its
    /// `Retry-After`, whatever local edits wake the loop meanwhile; after a plain failure, the
    /// usual short retry, well within it. (Real time: only lower bounds are asserted where the
    /// machine's load could stretch a wait.)
    #[tokio::test]
    async fn an_overloaded_central_is_left_alone_as_long_as_it_asked() {
        for (premier, surcharge_s) in [
            (surcharge(3), true),
            (Err(ReplicaError::Unreachable("réseau".into())), false),
        ] {
            let bg = Arc::new(Background::new(true));
            let rounds = Arc::new(std::sync::Mutex::new(Vec::<Instant>::new()));
            let answers = Arc::new(std::sync::Mutex::new(vec![premier]));
            let task = {
                let (bg, rounds, answers) = (bg.clone(), rounds.clone(), answers.clone());
                tokio::spawn(async move {
                    let inner = bg.clone();
                    bg.run(|| {
                        let (bg, rounds, answers) =
                            (inner.clone(), rounds.clone(), answers.clone());
                        async move {
                            rounds.lock().expect("rounds").push(instant());
                            let result = answers.lock().expect("answers").pop().unwrap_or(Ok(()));
                            bg.record_round(&result, None);
                            result.is_ok()
                        }
                    })
                    .await
                })
            };
            // A local edit wakes the loop meanwhile: it must not shorten the pause.
            tokio::time::sleep(Duration::from_millis(200)).await;
            bg.wake();
            let debut = instant();
            while rounds.lock().expect("rounds").len() < 2
                && debut.elapsed() < Duration::from_secs(30)
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            bg.stop();
            task.await.expect("loop");
            let rounds = rounds.lock().expect("rounds");
            assert!(rounds.len() >= 2, "{rounds:?}");
            let attente = rounds[1] - rounds[0];
            if surcharge_s {
                assert!(
                    attente >= Duration::from_secs(3),
                    "came back after {attente:?}"
                );
            } else {
                assert!(
                    attente < Duration::from_secs(3),
                    "a plain retry waited {attente:?}"
                );
            }
        }
    }
}
