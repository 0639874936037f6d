//! Logging in on this PC: online against the central (bootstrapping the replica on first use),
//! or, when the central is unreachable or broken, offline: the password opens the replica's key
//! (within the school's offline grace). On a personal computer that remembers its owner, the
//! device's keyring opens it.

use crate::cle::{self, CleReplica};
use crate::client::CentralClient;
use crate::clock::now_ms;
use crate::enveloppes;
use crate::error::{ReplicaError, UiError};
use crate::jetons::Acces;
use crate::paths::{self, Compte};
use crate::session::{Ouverture, Session};
use crate::store::{Store, account};
use crate::trousseau::{self, Trousseau};
use crate::vault;
use crate::verrou;
use crate::views::{EtablissementView, Progression};
use pupitre_domain::Uai;
use pupitre_sync_protocol::ClientId;
use pupitre_sync_protocol::enveloppe;
use pupitre_sync_protocol::wire::{LoginRequest, LoginResponse};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;
use zeroize::Zeroizing;

pub type Progress<'a> = &'a mut (dyn FnMut(Progression) + Send);

impl Session {
    /// Logs in online (and bootstraps the replica on first use), or, when the central is
    /// unreachable, offline with the replica's key the password opens.
    pub async fn login(
        data_dir: &Path,
        central_url: &str,
        login: &str,
        password: &str,
        progress: Progress<'_>,
    ) -> Result<Arc<Session>, ReplicaError> {
        Session::login_dans(data_dir, central_url, None, login, password, progress).await
    }

    /// `login` in the school `etablissement` of a central that serves several (`None`: its
    /// first). Each school has its own replica on this PC.
    pub async fn login_dans(
        data_dir: &Path,
        central_url: &str,
        etablissement: Option<&Uai>,
        login: &str,
        password: &str,
        progress: Progress<'_>,
    ) -> Result<Arc<Session>, ReplicaError> {
        let compte = Compte::new(etablissement, login);
        let login = compte.login.clone();
        if login.is_empty() || password.is_empty() {
            return Err(ReplicaError::Invalid(
                "saisissez votre identifiant et votre mot de passe".into(),
            ));
        }
        let path = compte.replica_path(data_dir);
        let envois = enveloppes::dossier_de(data_dir, &compte);
        let local = local(&path, &login, password)?;
        let client_id = match &local {
            Local::Ouverte(store) => store.client_id()?,
            Local::Ancienne { client_id, .. } => client_id.clone(),
            Local::Absente | Local::Fermee | Local::SansCle => None,
        }
        .unwrap_or_else(|| ClientId(Uuid::new_v4()));
        let envelope_key = envelope_key(&local)?;
        let api = CentralClient::new(central_url)?.pour(etablissement);
        step(progress, "Connexion au service central", 0, 0);
        let request = LoginRequest {
            login: login.clone(),
            password: password.to_owned(),
            client_id: client_id.clone(),
            cle_envoi: Some(
                enveloppe::signing_key(*envelope_key)
                    .verifying_key()
                    .to_bytes(),
            ),
        };
        match api.login(&request).await {
            Ok(answer) => {
                same_school(etablissement, &answer)?;
                let (store, avis) = vouched(local, &path, &login, password)?;
                held_school(&store, &answer)?;
                let session = online(
                    Online {
                        store,
                        api,
                        answer,
                        request: &request,
                        envelope_key: &envelope_key,
                        envois,
                    },
                    progress,
                )
                .await?;
                if let Some(avis) = avis {
                    session.set_avis(avis);
                }
                Ok(session)
            }
            Err(e) if e.is_offline() || is_broken(&e) => match local {
                Local::Ouverte(store) => offline(store, api, e, client_id, envois, progress),
                Local::Ancienne { sealed_token, .. } => {
                    let proves =
                        sealed_token.is_some_and(|t| vault::open_bytes(password, &t).is_ok());
                    if !proves {
                        return Err(ReplicaError::WrongPassword);
                    }
                    let store = encrypt_unencrypted(&path, &login, password)?;
                    offline(store, api, e, client_id, envois, progress)
                }
                Local::Fermee => Err(ReplicaError::WrongPassword),
                Local::SansCle => Err(ReplicaError::NotOurs(path.display().to_string())),
                Local::Absente if e.is_offline() => Err(ReplicaError::NoLocalReplica),
                Local::Absente => Err(e),
            },
            Err(e) => Err(e),
        }
    }
}

/// The central has checked the password: whatever this PC holds opens with it, or is set
/// aside (and the login says so).
fn vouched(
    local: Local,
    path: &Path,
    login: &str,
    password: &str,
) -> Result<(Store, Option<String>), ReplicaError> {
    Ok(match local {
        Local::Ouverte(store) => (store, None),
        Local::Absente => (nouvelle(path, password)?, None),
        Local::Ancienne { .. } => (encrypt_unencrypted(path, login, password)?, None),
        Local::Fermee | Local::SansCle => {
            let ancienne = set_aside(path)?;
            (
                nouvelle(path, password)?,
                Some(avis_mise_de_cote(&ancienne)),
            )
        }
    })
}

/// The envelope key this replica signs with (a new one for a new replica), registered again
/// at every login.
fn envelope_key(local: &Local) -> Result<Zeroizing<[u8; 32]>, ReplicaError> {
    let kept = match local {
        Local::Ouverte(store) => store.envelope_key()?,
        _ => None,
    };
    Ok(kept.unwrap_or_else(|| {
        let fresh = enveloppe::new_signing_key(&mut rand::rngs::OsRng);
        Zeroizing::new(fresh.to_bytes())
    }))
}

impl Session {
    /// `login`, then, on a personal computer whose owner asked it, the replica's key kept in
    /// the device's keyring so that `reprendre` opens it without the password. Without a
    /// keyring the login stands and says why nothing was remembered.
    pub async fn login_en_se_souvenant(
        data_dir: &Path,
        central_url: &str,
        etablissement: Option<&Uai>,
        login: &str,
        password: &str,
        trousseau: &dyn Trousseau,
        progress: Progress<'_>,
    ) -> Result<Arc<Session>, ReplicaError> {
        let session = Session::login_dans(
            data_dir,
            central_url,
            etablissement,
            login,
            password,
            progress,
        )
        .await?;
        let compte = session.compte();
        let cle = cle::ouvrir(&compte.replica_path(data_dir), password)?
            .ok_or(ReplicaError::WrongPassword)?;
        match trousseau.garder(&compte.nom(), cle.octets()) {
            Ok(()) => trousseau::memoriser(data_dir, &compte.nom())?,
            Err(e) => session.set_avis(trousseau::avis_indisponible(&e)),
        }
        Ok(session)
    }

    /// Opens the remembered owner's replica with the key in the device's keyring, without the
    /// password (`None`: nothing remembered, or the keyring no longer has it). Within the
    /// offline grace only; the sync renews the session with the refresh token it kept.
    pub async fn reprendre(
        data_dir: &Path,
        central_url: &str,
        trousseau: &dyn Trousseau,
        progress: Progress<'_>,
    ) -> Result<Option<Arc<Session>>, ReplicaError> {
        let Some(nom) = trousseau::memorise(data_dir)? else {
            return Ok(None);
        };
        let compte = Compte::depuis_nom(&nom);
        let cle = match trousseau.lire(&nom) {
            Ok(Some(octets)) => CleReplica::depuis(&octets),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!("keyring unreadable: {e}");
                None
            }
        };
        let Some(cle) = cle else {
            trousseau::oublier_memo(data_dir)?;
            return Ok(None);
        };
        let store = open_owned(&compte.replica_path(data_dir), &compte.login, &cle)?;
        let api = CentralClient::new(central_url)?.pour(compte.etablissement.as_ref());
        let client_id = store.client_id()?.ok_or(ReplicaError::NoLocalReplica)?;
        let why = ReplicaError::Unreachable("session reprise sur cet ordinateur".into());
        let envois = enveloppes::dossier_de(data_dir, &compte);
        offline(store, api, why, client_id, envois, progress).map(Some)
    }
}

impl Session {
    /// The schools a login screen offers: the central's, its first one as `None`; when it is
    /// unreachable, the ones this PC holds replicas of. Empty or one: nothing to choose.
    pub async fn etablissements(data_dir: &Path, central_url: &str) -> Vec<EtablissementView> {
        let listed = match CentralClient::new(central_url) {
            Ok(api) => api.etablissements().await,
            Err(e) => Err(e),
        };
        match listed {
            Ok(list) => list
                .etablissements
                .into_iter()
                .enumerate()
                .map(|(i, e)| EtablissementView {
                    uai: (i > 0).then(|| e.uai.to_string()),
                    nom: format!("{} ({})", e.nom, e.uai),
                })
                .collect(),
            Err(e) => {
                tracing::info!("schools not listed by the central ({e}): this PC's replicas");
                let locaux = paths::etablissements_locaux(data_dir);
                let habituel = (!locaux.is_empty()).then(|| EtablissementView {
                    uai: None,
                    nom: "Établissement habituel de ce poste".into(),
                });
                habituel
                    .into_iter()
                    .chain(locaux.into_iter().map(|uai| EtablissementView {
                        uai: Some(uai.to_string()),
                        nom: uai.to_string(),
                    }))
                    .collect()
            }
        }
    }
}

/// A login answered for another school than the one asked (a misrouted central) opens
/// nothing: its replica would mix two schools.
fn same_school(asked: Option<&Uai>, answer: &LoginResponse) -> Result<(), ReplicaError> {
    match (asked, &answer.etablissement) {
        (Some(asked), Some(got)) if asked != got => Err(ReplicaError::Invalid(format!(
            "le service central a répondu pour l'établissement {got} au lieu de {asked} : prévenez l'administrateur"
        ))),
        _ => Ok(()),
    }
}

/// A replica holds one school: a central answering for another (its schools served in
/// another order, a PC pointed at another central) opens nothing, rather than mix them or
/// send one school's pending changes to the other.
fn held_school(store: &Store, answer: &LoginResponse) -> Result<(), ReplicaError> {
    match (store.uai()?, &answer.etablissement) {
        (Some(held), Some(got)) if held != got.as_str() => Err(ReplicaError::Invalid(format!(
            "ce poste tient les données de l'établissement {held}, le service central répond pour {got} : choisissez votre établissement à la connexion, ou prévenez l'administrateur"
        ))),
        _ => Ok(()),
    }
}

/// What this PC holds for a login, before the central is asked.
enum Local {
    /// Never logged in here.
    Absente,
    /// Opened with the password.
    Ouverte(Store),
    /// An earlier release's unencrypted file, to encrypt once the password is proved.
    Ancienne {
        client_id: Option<ClientId>,
        sealed_token: Option<Vec<u8>>,
    },
    /// There, but the password does not open it: a wrong password, or one changed at the
    /// central since this PC last saw it.
    Fermee,
    /// A file without a key beside it: not a replica, or one whose key file was lost.
    SansCle,
}

fn local(path: &Path, login: &str, password: &str) -> Result<Local, ReplicaError> {
    if !path.exists() {
        return Ok(Local::Absente);
    }
    if Store::is_unencrypted(path)? {
        let (client_id, sealed_token) = Store::unencrypted_account(path)?;
        return Ok(Local::Ancienne {
            client_id,
            sealed_token,
        });
    }
    match cle::ouvrir(path, password) {
        Ok(Some(cle)) => Ok(Local::Ouverte(open_owned(path, login, &cle)?)),
        Ok(None) => Ok(Local::SansCle),
        Err(ReplicaError::WrongPassword) => Ok(Local::Fermee),
        Err(e) => Err(e),
    }
}

/// A new replica under a new key, sealed by `password`.
fn nouvelle(path: &Path, password: &str) -> Result<Store, ReplicaError> {
    let key = CleReplica::nouvelle();
    cle::enregistrer(path, password, &key)?;
    Store::open(path, &key)
}

/// Encrypts an earlier release's replica. The key is written first: a crash before the file
/// is encrypted leaves it unencrypted, and the next login does it again under a new key.
fn encrypt_unencrypted(path: &Path, login: &str, password: &str) -> Result<Store, ReplicaError> {
    let key = CleReplica::nouvelle();
    cle::enregistrer(path, password, &key)?;
    Store::encrypt(path, &key)?;
    open_owned(path, login, &key)
}

/// Moves a replica that no longer opens (its key is sealed by an old password) out of the way,
/// whole, so that its owner's administrator can still recover it with the old password.
fn set_aside(path: &Path) -> Result<PathBuf, ReplicaError> {
    let suffix = format!("ancienne-{}", now_ms());
    let moved = |p: &Path| PathBuf::from(format!("{}.{suffix}", p.display()));
    let wal = |ext: &str| PathBuf::from(format!("{}{ext}", path.display()));
    for side in [cle::fichier(path), wal("-wal"), wal("-shm")] {
        match std::fs::rename(&side, moved(&side)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    std::fs::rename(path, moved(path))?;
    Ok(moved(path))
}

fn avis_mise_de_cote(ancienne: &Path) -> String {
    format!(
        "La copie locale de vos données sur ce poste ne s'ouvrait plus avec votre mot de passe \
         (changé depuis votre dernière connexion ici, ou sa clé perdue) : vos données ont été \
         rechargées depuis le service central. L'ancienne copie, chiffrée, est gardée dans « {} ». \
         Si des saisies faites hors ligne sur ce poste n'apparaissent pas, prévenez \
         l'administrateur.",
        ancienne.display()
    )
}

/// A central that answers with garbage, a server error or that it is overloaded is as good as
/// unreachable: at 8:00 the roll call goes on with the offline login.
fn is_broken(e: &ReplicaError) -> bool {
    matches!(
        e,
        ReplicaError::Garbage(_)
            | ReplicaError::Server { status: 500.., .. }
            | ReplicaError::Surcharge { .. }
    )
}

/// What an online login goes on with once the central has said yes.
struct Online<'a> {
    store: Store,
    api: CentralClient,
    answer: LoginResponse,
    request: &'a LoginRequest,
    envelope_key: &'a [u8; 32],
    envois: PathBuf,
}

async fn online(o: Online<'_>, progress: Progress<'_>) -> Result<Arc<Session>, ReplicaError> {
    let Online {
        mut store,
        api,
        answer,
        request,
        envelope_key,
        envois,
    } = o;
    store.record_login(&account::Login {
        login: &request.login,
        personnel: &answer.personnel,
        client_id: &request.client_id,
        refresh_token: &answer.jetons.refresh_token,
        envelope_key,
        central_box_key: answer.cle_depot.as_ref(),
        now_ms: now_ms(),
    })?;
    store.observe_clock(answer.server_hlc, now_ms())?;
    if !store.is_bootstrapped()? {
        step(progress, "Téléchargement de vos classes et séances", 0, 0);
        let snapshot = api.snapshot(&answer.jetons.token).await?;
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
    let acces = Acces::online(answer.jetons);
    Session::new(Ouverture {
        store,
        api,
        me: answer.personnel,
        client_id,
        acces,
        online: true,
        envois,
    })
}

/// Central unreachable or broken: the password has opened the replica's key; the session
/// syncs with the refresh token kept in the replica once the central answers.
fn offline(
    store: Store,
    api: CentralClient,
    why: ReplicaError,
    client_id: ClientId,
    envois: PathBuf,
    progress: Progress<'_>,
) -> Result<Arc<Session>, ReplicaError> {
    let me = store.personnel()?.ok_or(ReplicaError::NoLocalReplica)?;
    if !store.is_bootstrapped()? {
        return Err(ReplicaError::NoLocalReplica);
    }
    let grace = store.reglages()?.grace_hors_ligne_jours;
    verrou::hors_ligne(grace, store.last_online_ms()?, now_ms()).map_err(ReplicaError::Offline)?;
    step(progress, "Prêt (hors ligne)", 1, 1);
    let acces = Acces::offline(store.refresh_token()?);
    let session = Session::new(Ouverture {
        store,
        api,
        me,
        client_id,
        acces,
        online: false,
        envois,
    })?;
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
fn open_owned(path: &Path, login: &str, key: &CleReplica) -> Result<Store, ReplicaError> {
    let store = Store::open(path, key)?;
    match store.owner()? {
        Some(owner) if owner != login => Err(ReplicaError::OtherUser {
            path: path.display().to_string(),
            owner,
            login: login.to_owned(),
        }),
        _ => Ok(store),
    }
}
