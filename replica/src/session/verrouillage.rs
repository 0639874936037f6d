//! Locking a session on its PC: after the school's minutes without a gesture, after a school
//! day, or when its user asks. Locking leaves what is unsent as an envelope (a colleague may
//! log this session out and use the PC), forgets the tokens and closes the replica
//! (SQLCipher wipes its key): nothing of the session stays readable in memory. Unlocking asks
//! for the password, which opens the key again.

use super::Session;
use crate::cle;
use crate::clock::now_ms;
use crate::enveloppes;
use crate::error::ReplicaError;
use crate::store::Store;
use crate::sync::lock;
use crate::verrou::{self, Raison};
use pupitre_sync_protocol::wire::PasswordChangeRequest;
use std::time::Instant;

/// The lock's state.
pub(crate) struct Verrou {
    pub geste: Instant,
    pub mot_de_passe: Instant,
    pub ferme: Option<Raison>,
}

impl Verrou {
    pub fn ouvert(now: Instant) -> Verrou {
        Verrou {
            geste: now,
            mot_de_passe: now,
            ferme: None,
        }
    }
}

impl Session {
    fn verrou(&self) -> std::sync::MutexGuard<'_, Verrou> {
        self.verrou.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Why the session is locked, if it is.
    pub fn verrouillee(&self) -> Option<Raison> {
        self.verrou().ferme
    }

    /// Whether the session serves a request at `now`: not while locked, and it locks first
    /// when its time was up (the ticker may not have run yet). Not a gesture: the screens
    /// reload by themselves at every sync, and that is no one at the keyboard.
    pub async fn en_service(&self, now: Instant) -> Result<(), ReplicaError> {
        match self.surveiller(now).await.or(self.verrouillee()) {
            Some(raison) => Err(ReplicaError::Locked(raison)),
            None => Ok(()),
        }
    }

    /// A gesture of its user at `now` (a key, a click): the inactivity counts from here.
    pub async fn geste(&self, now: Instant) -> Result<(), ReplicaError> {
        self.en_service(now).await?;
        self.verrou().geste = now;
        Ok(())
    }

    /// Locks the session if its time is up at `now`; says why it is locked, if it just was.
    pub async fn surveiller(&self, now: Instant) -> Option<Raison> {
        let due = {
            let v = self.verrou();
            if v.ferme.is_some() {
                return None;
            }
            verrou::a_verrouiller(
                &self.politique,
                now.saturating_duration_since(v.geste),
                now.saturating_duration_since(v.mot_de_passe),
            )
        }?;
        self.verrouiller(due).await;
        Some(due)
    }

    /// Locks now. What is unsent leaves as an envelope; a failure to write it is logged (the
    /// changes stay in the replica, sent at unlock or at the owner's next login).
    pub async fn verrouiller(&self, raison: Raison) {
        if self.verrou().ferme.is_some() {
            return;
        }
        self.verrou().ferme = Some(raison);
        {
            let mut store = lock(&self.store);
            if let Err(e) = enveloppes::laisser(&store, &self.envois, &self.client_id, now_ms()) {
                tracing::warn!("no envelope left at lock: {e}");
            }
            if let Err(e) = store.close() {
                tracing::warn!("replica not closed at lock: {e}");
            }
        }
        self.acces.forget().await;
    }

    /// Changes the owner's password at the central (online only: the central checks the
    /// current one), then seals this replica's key under the new one, so that it opens offline
    /// with it. The key file is replaced whole: a crash leaves the old seal, which the next
    /// online login with the new password sets aside and says so.
    pub async fn changer_mot_de_passe(
        &self,
        ancien: &str,
        nouveau: &str,
    ) -> Result<(), ReplicaError> {
        let path = lock(&self.store).path().to_owned();
        let key = cle::ouvrir(&path, ancien)?.ok_or(ReplicaError::WrongPassword)?;
        let request = PasswordChangeRequest {
            ancien: ancien.to_owned(),
            nouveau: nouveau.to_owned(),
        };
        let token = self.token().await?;
        self.api.change_password(&token, &request).await?;
        cle::enregistrer(&path, nouveau, &key)
    }

    /// Unlocks with the owner's password: the key is opened again, and the replica with it.
    pub async fn deverrouiller(&self, password: &str, now: Instant) -> Result<(), ReplicaError> {
        if self.verrou().ferme.is_none() {
            return Ok(());
        }
        let path = lock(&self.store).path().to_owned();
        let key = cle::ouvrir(&path, password)?.ok_or(ReplicaError::WrongPassword)?;
        let store = Store::open(&path, &key)?;
        let refresh = store.refresh_token()?;
        *lock(&self.store) = store;
        self.acces.reset(refresh).await;
        *self.verrou() = Verrou::ouvert(now);
        self.sync_soon();
        Ok(())
    }
}
