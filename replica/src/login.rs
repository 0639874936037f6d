//! Logging in on this PC: online against the central (bootstrapping the replica on first use),
//! or, when the central is unreachable or broken, offline against the token sealed in this
//! PC's replica by the user's password.

use crate::client::CentralClient;
use crate::clock::now_ms;
use crate::error::{ReplicaError, UiError};
use crate::paths::replica_path;
use crate::session::Session;
use crate::store::{Store, account};
use crate::vault;
use crate::views::Progression;
use pupitre_sync_protocol::ClientId;
use pupitre_sync_protocol::wire::{LoginRequest, LoginResponse};
use std::path::Path;
use std::sync::Arc;
use uuid::Uuid;

pub type Progress<'a> = &'a mut (dyn FnMut(Progression) + Send);

impl Session {
    /// Logs in online (and bootstraps the replica on first use), or, when the central is
    /// unreachable, offline against the token sealed in this PC's replica. The one way to get
    /// a `Session`.
    pub async fn login(
        data_dir: &Path,
        central_url: &str,
        login: &str,
        password: &str,
        progress: Progress<'_>,
    ) -> Result<Arc<Session>, ReplicaError> {
        let login = login.trim().to_lowercase();
        if login.is_empty() || password.is_empty() {
            return Err(ReplicaError::Invalid(
                "saisissez votre identifiant et votre mot de passe".into(),
            ));
        }
        let path = replica_path(data_dir, &login);
        let existing = if path.exists() {
            Some(open_owned(&path, &login)?)
        } else {
            None
        };
        let known_id = match &existing {
            Some(store) => store.client_id()?,
            None => None,
        };
        let client_id = known_id.unwrap_or_else(|| ClientId(Uuid::new_v4()));
        let api = CentralClient::new(central_url);
        step(progress, "Connexion au service central", 0, 0);
        let request = LoginRequest {
            login: login.clone(),
            password: password.to_owned(),
            client_id: client_id.clone(),
        };
        match api.login(&request).await {
            Ok(answer) => {
                let store = match existing {
                    Some(store) => store,
                    None => Store::open(&path)?,
                };
                online(store, api, answer, &request, progress).await
            }
            Err(e) if e.is_offline() || is_broken(&e) => match existing {
                Some(store) => offline(store, api, e, password, client_id, progress),
                None if e.is_offline() => Err(ReplicaError::NoLocalReplica),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }
}

/// A central that answers with garbage or a server error is as good as unreachable.
fn is_broken(e: &ReplicaError) -> bool {
    matches!(
        e,
        ReplicaError::Garbage(_) | ReplicaError::Server { status: 500.., .. }
    )
}

async fn online(
    mut store: Store,
    api: CentralClient,
    answer: LoginResponse,
    request: &LoginRequest,
    progress: Progress<'_>,
) -> Result<Arc<Session>, ReplicaError> {
    store.record_login(&account::Login {
        login: &request.login,
        personnel: &answer.personnel,
        client_id: &request.client_id,
        sealed_token: vault::seal(&request.password, &answer.token),
    })?;
    store.observe_clock(answer.server_hlc, now_ms())?;
    if !store.is_bootstrapped()? {
        step(progress, "Téléchargement de vos classes et séances", 0, 0);
        let snapshot = api.snapshot(&answer.token).await?;
        store.observe_clock(snapshot.server_hlc, now_ms())?;
        let mut report = |done: usize, total: usize| {
            step(
                progress,
                "Enregistrement sur ce poste",
                done as u32,
                total as u32,
            );
        };
        store.rebase(&snapshot, &mut report)?;
    }
    step(progress, "Prêt", 1, 1);
    let client_id = request.client_id.clone();
    Session::new(store, api, answer.personnel, client_id, answer.token, true)
}

/// Central unreachable or broken: the password opens the token sealed in this PC's replica.
fn offline(
    store: Store,
    api: CentralClient,
    why: ReplicaError,
    password: &str,
    client_id: ClientId,
    progress: Progress<'_>,
) -> Result<Arc<Session>, ReplicaError> {
    let token = store
        .sealed_token()?
        .and_then(|blob| vault::open(password, &blob).ok())
        .ok_or(ReplicaError::WrongPassword)?;
    let me = store.personnel()?.ok_or(ReplicaError::NoLocalReplica)?;
    if !store.is_bootstrapped()? {
        return Err(ReplicaError::NoLocalReplica);
    }
    step(progress, "Prêt (hors ligne)", 1, 1);
    let session = Session::new(store, api, me, client_id, token, false)?;
    session.show_offline(UiError::from(&why));
    Ok(session)
}

fn step(progress: Progress<'_>, etape: &str, fait: u32, total: u32) {
    progress(Progression {
        etape: etape.to_owned(),
        fait,
        total,
    });
}

/// Opens an existing replica and checks it belongs to `login`.
fn open_owned(path: &Path, login: &str) -> Result<Store, ReplicaError> {
    let store = Store::open(path)?;
    match store.owner()? {
        Some(owner) if owner != login => Err(ReplicaError::OtherUser {
            path: path.display().to_string(),
            owner,
            login: login.to_owned(),
        }),
        _ => Ok(store),
    }
}
