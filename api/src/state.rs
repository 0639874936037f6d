//! What the boundary holds between two commands: the startup settings, the front end's event
//! sink, and the one session open on this PC.

use pupitre_replica::views::{EtatSynchro, Progression};
use pupitre_replica::{ReplicaError, Session, UiError};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use ts_rs::TS;

/// What the shell read at startup, so that no command reads the environment or the clock.
#[derive(Clone)]
pub struct Demarrage {
    /// Where the replicas live (the platform's data directory).
    pub data_dir: PathBuf,
    pub central_url: String,
    /// The day the app opens on, `YYYY-MM-DD`.
    pub jour: String,
    /// The demo script's account, to log in by itself. Never set in production.
    pub compte_demo: Option<(String, String)>,
    /// Why the PC's configuration could not be used (`pupitre_replica::config`), shown on the
    /// login screen.
    pub avertissement: Option<String>,
    /// The device's keyring (the OS's in the app; one in memory in tests).
    pub trousseau: Arc<dyn pupitre_replica::trousseau::Trousseau>,
}

/// How the boundary tells its front end what happens in the background.
pub trait Events: Send + Sync + 'static {
    fn progression(&self, progression: Progression);
    fn etat_synchro(&self, etat: EtatSynchro);
    /// Clears the webview's storage and caches (at logout: nothing of a session stays behind).
    fn oublier_navigation(&self);
    /// The session locked by itself (inactivity, a school day): the front end shows the lock
    /// screen with this message.
    fn verrouillage(&self, message: String);
}

/// A central sequence number as a front end sends it back: a JSON number (exact up to 2^53).
#[derive(Debug, Clone, Copy, Deserialize, TS)]
pub struct Seq(#[ts(type = "number")] pub u64);

pub struct Api {
    pub(crate) demarrage: Demarrage,
    pub(crate) events: Arc<dyn Events>,
    session: Mutex<Option<Arc<Session>>>,
    /// The demo account logs in by itself once per run, never again after a logout.
    demo_servi: AtomicBool,
}

impl Api {
    pub fn new(demarrage: Demarrage, events: Arc<dyn Events>) -> Api {
        Api {
            demarrage,
            events,
            session: Mutex::new(None),
            demo_servi: AtomicBool::new(false),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<Arc<Session>>> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The open session, or the error a command shows when nobody is logged in or the
    /// session is locked. Every command but the lock's own and the sync status comes through
    /// here. (A gesture is the front end's `activite`: a command may come from a screen
    /// reloading by itself.)
    pub(crate) async fn session(&self) -> Result<Arc<Session>, UiError> {
        let session = self.session_passive()?;
        session
            .en_service(pupitre_replica::clock::instant())
            .await?;
        Ok(session)
    }

    /// The open session, without counting as a gesture (locked or not).
    pub(crate) fn session_passive(&self) -> Result<Arc<Session>, UiError> {
        self.slot()
            .clone()
            .ok_or_else(|| ReplicaError::NoSession.into())
    }

    /// The demo account, the first time only.
    pub(crate) fn compte_demo_une_fois(&self) -> Option<(String, String)> {
        let deja = self.demo_servi.swap(true, Ordering::SeqCst);
        self.demarrage.compte_demo.clone().filter(|_| !deja)
    }

    pub(crate) fn take_session(&self) -> Option<Arc<Session>> {
        self.slot().take()
    }

    pub(crate) fn put_session(&self, session: Arc<Session>) {
        *self.slot() = Some(session);
    }
}
