//! A logged-in user on this PC: their replica, their central session, and the background sync
//! loop. The desktop app's commands call these methods and nothing else.

use crate::client::CentralClient;
use crate::error::{ReplicaError, UiError};
use crate::paths::replica_path;
use crate::store::conflicts::Choice;
use crate::store::{Store, meta};
use crate::sync::{self, RoundReport, SharedStore, lock};
use crate::vault;
use crate::views::{
    AbsenceView, AppelView, EtatSynchro, HistoriqueView, LigneAppreciation, Modifications, Moi,
    PeriodeView, Progression, SeanceView, ServiceView,
};
use pupitre_domain::edit::FIELD_ETAT;
use pupitre_domain::{
    AppelEtat, Appreciation, ConseilEtat, Edit, EntityKind, Fait, Fonction, Garder, Personnel,
    Presence, may_write,
};
use pupitre_sync_protocol::wire::{HistoryRequest, LoginRequest};
use pupitre_sync_protocol::{ClientId, EntityRef, OpId};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{Notify, watch};
use uuid::Uuid;

/// Wait between two sync rounds when all is well; a local edit wakes the loop at once.
const IDLE: Duration = Duration::from_secs(10);
/// Retry delays after failures double from `RETRY_MIN` up to `RETRY_MAX`.
const RETRY_MIN: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// Today's date on this PC, `YYYY-MM-DD`.
pub fn today() -> String {
    chrono::Local::now().date_naive().to_string()
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

pub struct Session {
    store: SharedStore,
    api: CentralClient,
    me: Personnel,
    etablissement: String,
    client_id: ClientId,
    token: String,
    logged_in_online: bool,
    status: watch::Sender<EtatSynchro>,
    wake: Notify,
    stopped: AtomicBool,
}

impl Session {
    /// Logs in online (and bootstraps the replica on first use), or, when the central is
    /// unreachable, offline against the token sealed in this PC's replica.
    pub async fn login(
        data_dir: &Path,
        central_url: &str,
        login: &str,
        password: &str,
        progress: &mut (dyn FnMut(Progression) + Send),
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
        let client_id = match &existing {
            Some(store) => meta::get::<String>(&store.conn, meta::CLIENT_ID)?
                .and_then(|s| Uuid::parse_str(&s).ok())
                .map(ClientId),
            None => None,
        }
        .unwrap_or_else(|| ClientId(Uuid::new_v4()));
        let api = CentralClient::new(central_url);
        step(progress, "Connexion au service central", 0, 0);
        let request = LoginRequest {
            login: login.clone(),
            password: password.to_owned(),
            client_id: client_id.clone(),
        };
        match api.login(&request).await {
            Ok(answer) => {
                let mut store = match existing {
                    Some(store) => store,
                    None => Store::open(&path)?,
                };
                {
                    let tx = store.conn.transaction()?;
                    meta::set(&tx, meta::LOGIN, login.as_str())?;
                    meta::set(
                        &tx,
                        meta::PERSONNEL,
                        serde_json::to_string(&answer.personnel).unwrap_or_default(),
                    )?;
                    meta::set(&tx, meta::CLIENT_ID, client_id.0.to_string())?;
                    meta::set(
                        &tx,
                        meta::SEALED_TOKEN,
                        vault::seal(password, &answer.token),
                    )?;
                    tx.commit()?;
                }
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
                Session::new(store, api, answer.personnel, client_id, answer.token, true)
            }
            Err(e)
                if e.is_offline()
                    || matches!(
                        e,
                        ReplicaError::Garbage(_) | ReplicaError::Server { status: 500.., .. }
                    ) =>
            {
                // Central unreachable or broken: check the password against this PC's replica.
                let Some(store) = existing else {
                    return Err(if e.is_offline() {
                        ReplicaError::NoLocalReplica
                    } else {
                        e
                    });
                };
                let sealed: Option<Vec<u8>> = meta::get(&store.conn, meta::SEALED_TOKEN)?;
                let token = sealed
                    .and_then(|blob| vault::open(password, &blob).ok())
                    .ok_or(ReplicaError::WrongPassword)?;
                let me: Personnel = meta::get::<String>(&store.conn, meta::PERSONNEL)?
                    .and_then(|s| serde_json::from_str(&s).ok())
                    .ok_or(ReplicaError::NoLocalReplica)?;
                if !store.is_bootstrapped()? {
                    return Err(ReplicaError::NoLocalReplica);
                }
                step(progress, "Prêt (hors ligne)", 1, 1);
                let session = Session::new(store, api, me, client_id, token, false)?;
                session.set_status(|s| {
                    s.en_ligne = false;
                    s.erreur = Some(UiError::from(&e));
                });
                Ok(session)
            }
            Err(e) => Err(e),
        }
    }

    fn new(
        store: Store,
        api: CentralClient,
        me: Personnel,
        client_id: ClientId,
        token: String,
        online: bool,
    ) -> Result<Arc<Session>, ReplicaError> {
        let etablissement = store.etablissement()?;
        let session = Arc::new(Session {
            store: Arc::new(Mutex::new(store)),
            api,
            me,
            etablissement,
            client_id,
            token,
            logged_in_online: online,
            status: watch::channel(EtatSynchro {
                en_ligne: online,
                ..EtatSynchro::default()
            })
            .0,
            wake: Notify::new(),
            stopped: AtomicBool::new(false),
        });
        session.refresh_counts()?;
        Ok(session)
    }

    pub fn moi(&self) -> Moi {
        Moi {
            id: self.me.id.clone(),
            civilite: self.me.civilite.clone(),
            nom: self.me.nom.clone(),
            prenom: self.me.prenom.clone(),
            fonction: self.me.fonction,
            etablissement: self.etablissement.clone(),
            en_ligne: self.logged_in_online,
        }
    }

    /// Runs sync rounds until `logout`: right after a local edit, every `IDLE` otherwise, and
    /// with doubling delays while the central is unreachable or failing.
    pub fn spawn_sync_loop(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let session = Arc::clone(self);
        tokio::spawn(async move {
            let mut retry = RETRY_MIN;
            while !session.stopped.load(Ordering::Acquire) {
                let wait = match session.sync_once().await {
                    Ok(_) => {
                        retry = RETRY_MIN;
                        IDLE
                    }
                    Err(_) => {
                        let wait = retry;
                        retry = (retry * 2).min(RETRY_MAX);
                        wait
                    }
                };
                tokio::select! {
                    () = session.wake.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                }
            }
        })
    }

    /// Asks the sync loop for a round now.
    pub fn sync_soon(&self) {
        self.wake.notify_one();
    }

    /// One sync round; its outcome is reflected in `etat()`.
    pub async fn sync_once(&self) -> Result<RoundReport, ReplicaError> {
        let result =
            sync::round(&self.store, &self.api, &self.token, &self.client_id, now_ms).await;
        let synced_at = lock(&self.store).last_sync_label()?;
        self.set_status(|s| match &result {
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
        self.refresh_counts()?;
        result
    }

    fn set_status(&self, f: impl FnOnce(&mut EtatSynchro)) {
        self.status.send_modify(f);
    }

    fn refresh_counts(&self) -> Result<(), ReplicaError> {
        let ((local, sent, refused), conflits, horloge) = {
            let store = lock(&self.store);
            (
                store.outbox_counts()?,
                store.conflict_count()?,
                store.clock_warning()?,
            )
        };
        self.set_status(|s| {
            s.horloge = horloge;
            s.en_attente = local + sent;
            s.envoyees = sent;
            s.refusees = refused;
            s.conflits = conflits;
        });
        Ok(())
    }

    pub fn etat(&self) -> EtatSynchro {
        self.status.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<EtatSynchro> {
        self.status.subscribe()
    }

    /// A teacher sees their own séances; the CPE and the direction the whole school's.
    pub fn seances_du_jour(&self, date: &str) -> Result<Vec<SeanceView>, ReplicaError> {
        let own = (self.me.fonction == Fonction::Enseignant).then_some(self.me.id.as_str());
        lock(&self.store).seances_du_jour(date, own)
    }

    pub fn appel(&self, seance_id: &str) -> Result<AppelView, ReplicaError> {
        lock(&self.store).appel(seance_id)?.ok_or_else(|| {
            ReplicaError::Invalid(format!("séance {seance_id} introuvable sur ce poste"))
        })
    }

    pub fn absences_du_jour(&self, date: &str) -> Result<Vec<AbsenceView>, ReplicaError> {
        lock(&self.store).absences_du_jour(date)
    }

    pub fn modifications(&self) -> Result<Modifications, ReplicaError> {
        lock(&self.store).modifications(&self.me)
    }

    /// Records one pupil's mark: saved here at once (with its outbox entry), sent soon.
    pub fn marquer(
        &self,
        seance_id: &str,
        eleve_id: &str,
        presence: Presence,
    ) -> Result<(), ReplicaError> {
        let edit = Edit::Presence {
            seance_id: seance_id.into(),
            eleve_id: eleve_id.into(),
            presence,
        };
        self.edit_pupil_in_seance(seance_id, eleve_id, &edit)
    }

    /// Writes an edit about a pupil of a séance, after checking the rights and that the pupil
    /// is on its roll.
    fn edit_pupil_in_seance(
        &self,
        seance_id: &str,
        eleve_id: &str,
        edit: &Edit,
    ) -> Result<(), ReplicaError> {
        if edit.field() != pupitre_domain::edit::FIELD_STATUT {
            // The teacher's own mark is checked by the central against the séance's teacher.
            may_write(self.me.fonction, edit.kind(), edit.field(), false)
                .map_err(|reason| ReplicaError::Invalid(reason.to_owned()))?;
        }
        {
            let mut store = lock(&self.store);
            if !store.eleve_dans_seance(seance_id, eleve_id)? {
                return Err(ReplicaError::Invalid(
                    "cet élève n'est pas dans cette séance".into(),
                ));
            }
            store.edit(edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    /// Marks the roll call done.
    pub fn valider_appel(&self, seance_id: &str) -> Result<(), ReplicaError> {
        {
            let mut store = lock(&self.store);
            if store.seance(seance_id)?.is_none() {
                return Err(ReplicaError::Invalid(format!(
                    "séance {seance_id} introuvable sur ce poste"
                )));
            }
            let edit = Edit::AppelEtat {
                seance_id: seance_id.into(),
                etat: AppelEtat::Fait,
            };
            store.edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    /// The services whose appreciations this person writes: a teacher's own; every one for the
    /// direction; none for the CPE.
    pub fn services(&self) -> Result<Vec<ServiceView>, ReplicaError> {
        match self.me.fonction {
            Fonction::Enseignant => lock(&self.store).services(Some(&self.me.id)),
            Fonction::Direction => lock(&self.store).services(None),
            Fonction::Cpe => Ok(Vec::new()),
        }
    }

    pub fn periodes(&self) -> Result<Vec<PeriodeView>, ReplicaError> {
        lock(&self.store).periodes()
    }

    pub fn appreciations(
        &self,
        service_id: &str,
        periode_id: &str,
    ) -> Result<Vec<LigneAppreciation>, ReplicaError> {
        lock(&self.store).appreciations(service_id, periode_id)
    }

    /// Records a pupil's appreciation: saved here at once, sent soon. A council known here to
    /// be closed refuses it at once (the central re-checks).
    pub fn ecrire_appreciation(
        &self,
        service_id: &str,
        periode_id: &str,
        eleve_id: &str,
        texte: &str,
    ) -> Result<(), ReplicaError> {
        let texte = Appreciation::new(texte).map_err(|e| ReplicaError::Invalid(e.to_string()))?;
        {
            let mut store = lock(&self.store);
            let ligne = store
                .appreciations(service_id, periode_id)?
                .into_iter()
                .find(|l| l.eleve_id == eleve_id)
                .ok_or_else(|| {
                    ReplicaError::Invalid(
                        "cet élève n'est pas dans cette classe ou ce groupe".into(),
                    )
                })?;
            if ligne.verrouillee {
                let periode = store
                    .periodes()?
                    .into_iter()
                    .find(|p| p.id == periode_id)
                    .map_or_else(|| periode_id.to_owned(), |p| p.libelle);
                return Err(ReplicaError::Invalid(
                    pupitre_domain::conseil::motif_verrou(&ligne.division, &periode),
                ));
            }
            if ligne.texte == texte.as_str() {
                return Ok(());
            }
            let edit = Edit::Appreciation {
                periode_id: periode_id.into(),
                service_id: service_id.into(),
                eleve_id: eleve_id.into(),
                texte,
            };
            store.edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    /// Moves a class council forward (direction only): préparation → en séance → clos. Once
    /// clos, the period's appreciations of that division are locked at the central.
    pub fn changer_conseil(
        &self,
        periode_id: &str,
        division_id: &str,
        etat: ConseilEtat,
    ) -> Result<(), ReplicaError> {
        may_write(self.me.fonction, EntityKind::Conseil, FIELD_ETAT, false)
            .map_err(|reason| ReplicaError::Invalid(reason.to_owned()))?;
        lock(&self.store).edit(
            &Edit::Conseil {
                periode_id: periode_id.into(),
                division_id: division_id.into(),
                etat,
            },
            &self.me.id,
            OpId(Uuid::new_v4()),
            now_ms(),
        )?;
        self.after_edit()
    }

    /// The vie scolaire notes what it knows of a pupil during a séance (a billet de retard, the
    /// infirmary, a departure, a dispense, an exclusion; `Aucun` withdraws it). It is its own
    /// field: the teacher's observation stays as she wrote it, and the two combine.
    pub fn noter_fait(
        &self,
        seance_id: &str,
        eleve_id: &str,
        fait: Fait,
    ) -> Result<(), ReplicaError> {
        let edit = Edit::Fait {
            seance_id: seance_id.into(),
            eleve_id: eleve_id.into(),
            fait,
        };
        self.edit_pupil_in_seance(seance_id, eleve_id, &edit)
    }

    /// The CPE settles a roll call that contradicts a vie scolaire fact, keeping one source.
    pub fn trancher(
        &self,
        seance_id: &str,
        eleve_id: &str,
        garder: Garder,
    ) -> Result<(), ReplicaError> {
        if self.me.fonction == Fonction::Enseignant {
            return Err(ReplicaError::Invalid(
                "c'est la vie scolaire qui tranche entre l'appel et ses faits".into(),
            ));
        }
        let edit = pupitre_domain::reglement(seance_id, eleve_id, garder);
        self.edit_pupil_in_seance(seance_id, eleve_id, &edit)
    }

    /// A field's history as the central keeps it (online only: the log is the central's).
    pub async fn historique(
        &self,
        kind: EntityKind,
        entity_id: &str,
        champ: &str,
    ) -> Result<Vec<HistoriqueView>, ReplicaError> {
        let request = HistoryRequest {
            entity: EntityRef {
                kind,
                id: entity_id.to_owned(),
            },
            field: champ.to_owned(),
        };
        let response = self.api.history(&self.token, &request).await?;
        Ok(crate::views::historique(&response, champ, &self.client_id))
    }

    /// Keeps one version of a field in conflict; the choice syncs like any edit.
    pub fn resoudre_conflit(
        &self,
        kind: EntityKind,
        entity_id: &str,
        champ: &str,
        garder: u64,
    ) -> Result<(), ReplicaError> {
        {
            let mut store = lock(&self.store);
            let conflit = store
                .modifications(&self.me)?
                .conflits
                .into_iter()
                .find(|c| c.kind == kind && c.entity_id == entity_id && c.champ == champ)
                .ok_or_else(|| ReplicaError::Invalid("ce conflit est déjà résolu".into()))?;
            if !conflit.peut_resoudre {
                return Err(ReplicaError::Invalid(
                    "seule la personne qui peut modifier cette saisie choisit la version à garder"
                        .into(),
                ));
            }
            let choice = Choice {
                kind,
                entity_id,
                field: champ,
                keep: garder,
            };
            store.resolve(&choice, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    fn after_edit(&self) -> Result<(), ReplicaError> {
        self.refresh_counts()?;
        self.sync_soon();
        Ok(())
    }

    /// Stops the sync loop and revokes the central session when reachable. The replica and its
    /// unsent changes stay on this PC for the next login.
    pub async fn logout(&self) -> Result<(), ReplicaError> {
        self.stopped.store(true, Ordering::Release);
        self.wake.notify_one();
        match self.api.logout(&self.token).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_offline() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn step(progress: &mut (dyn FnMut(Progression) + Send), etape: &str, fait: u32, total: u32) {
    progress(Progression {
        etape: etape.to_owned(),
        fait,
        total,
    });
}

/// Opens an existing replica and checks it belongs to `login`.
fn open_owned(path: &Path, login: &str) -> Result<Store, ReplicaError> {
    let store = Store::open(path)?;
    match meta::get::<String>(&store.conn, meta::LOGIN)? {
        Some(owner) if owner != login => Err(ReplicaError::OtherUser {
            path: path.display().to_string(),
            owner,
            login: login.to_owned(),
        }),
        _ => Ok(store),
    }
}
