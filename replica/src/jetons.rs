//! A session's tokens on this PC: the access token in memory only, renewed before it expires
//! (by a monotonic clock: the PC's wall clock may be a year off) with the refresh token, which
//! rotates at each renewal and is kept in the encrypted replica so that a session opened
//! offline can sync once the central answers. One renewal at a time: two at once would present
//! a retired refresh token, which the central takes for a stolen copy.

use crate::client::CentralClient;
use crate::error::ReplicaError;
use crate::sync::{SharedStore, lock};
use pupitre_sync_protocol::wire::{ErrorCode, Jetons};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use zeroize::Zeroizing;

/// Renewed this long before the central would refuse it.
const MARGIN: Duration = Duration::from_secs(60);

struct Etat {
    access: Option<(Zeroizing<String>, Instant)>,
    refresh: Option<Zeroizing<String>>,
}

pub struct Acces {
    etat: Mutex<Etat>,
}

impl Acces {
    /// Tokens just answered by a login.
    pub fn online(jetons: Jetons) -> Acces {
        let access = Some(expiry(&jetons));
        Acces {
            etat: Mutex::new(Etat {
                access,
                refresh: Some(Zeroizing::new(jetons.refresh_token)),
            }),
        }
    }

    /// A session opened offline: only the refresh token kept in the replica, if any.
    pub fn offline(refresh: Option<String>) -> Acces {
        Acces {
            etat: Mutex::new(Etat {
                access: None,
                refresh: refresh.map(Zeroizing::new),
            }),
        }
    }

    /// A valid access token, renewed first when it is (nearly) expired. The new refresh
    /// token is written to the replica before the new access token is used.
    pub async fn token(
        &self,
        api: &CentralClient,
        store: &SharedStore,
    ) -> Result<Zeroizing<String>, ReplicaError> {
        let mut etat = self.etat.lock().await;
        if let Some((token, until)) = &etat.access
            && crate::clock::instant() + MARGIN < *until
        {
            return Ok(token.clone());
        }
        let Some(refresh) = etat.refresh.clone() else {
            return Err(ended());
        };
        match api.refresh(&refresh).await {
            Ok(jetons) => {
                lock(store).set_refresh_token(Some(&jetons.refresh_token))?;
                let (token, until) = expiry(&jetons);
                etat.access = Some((token.clone(), until));
                etat.refresh = Some(Zeroizing::new(jetons.refresh_token));
                Ok(token)
            }
            Err(ReplicaError::Server {
                status: 401,
                message,
                ..
            }) => {
                // The session is over at the central (ended, revoked, expired): what this PC
                // holds opens nothing more.
                etat.access = None;
                etat.refresh = None;
                lock(store).set_refresh_token(None)?;
                Err(ReplicaError::Server {
                    status: 401,
                    code: ErrorCode::Session,
                    message,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// The access token was refused as expired (the central's clock runs ahead of our
    /// estimate): the next `token` renews it.
    pub async fn expire(&self) {
        self.etat.lock().await.access = None;
    }

    /// After an unlock: the refresh token read back from the replica; the next request renews.
    pub async fn reset(&self, refresh: Option<String>) {
        let mut etat = self.etat.lock().await;
        etat.access = None;
        etat.refresh = refresh.map(Zeroizing::new);
    }

    /// Forgets both tokens (logout, lock).
    pub async fn forget(&self) {
        let mut etat = self.etat.lock().await;
        etat.access = None;
        etat.refresh = None;
    }
}

fn expiry(jetons: &Jetons) -> (Zeroizing<String>, Instant) {
    let lives = Duration::from_millis(jetons.access_expires_in_ms);
    (
        Zeroizing::new(jetons.token.clone()),
        crate::clock::instant() + lives,
    )
}

fn ended() -> ReplicaError {
    ReplicaError::Server {
        status: 401,
        code: ErrorCode::Session,
        message: "Session terminée au service central : déconnectez-vous puis reconnectez-vous pour envoyer vos saisies (elles restent sur ce poste).".into(),
    }
}

/// Whether an error asks for a renewal and a retry.
pub fn is_expired(e: &ReplicaError) -> bool {
    matches!(
        e,
        ReplicaError::Server {
            code: ErrorCode::JetonExpire,
            ..
        }
    )
}
