//! A logged-in user on this PC: their replica, their central session and its background sync.
//! Its methods are what a person may do, each checking the rules the domain declares
//! (`may_write`, the closed-council lock, the limits of a text) before writing through the store;
//! the central checks them again. `pupitre_api` calls these methods and nothing else.

use crate::background::{Background, Counts};
use crate::client::CentralClient;
use crate::clock::now_ms;
use crate::enveloppes;
use crate::error::{ReplicaError, UiError};
use crate::jetons::{self, Acces};
use crate::store::{Choice, Store};
use crate::sync::{self, RoundReport, SharedStore, lock};
use crate::views::{
    AbsenceView, EtatSynchro, HistoriqueView, LigneAppreciation, Modifications, Moi, PeriodeView,
    SeanceView, ServiceView,
};
use pupitre_domain::{
    AppelEtat, Appreciation, Edit, EntityKind, Fait, Fonction, Garder, Personnel, Presence,
    may_write,
};
use pupitre_sync_protocol::wire::HistoryRequest;
use pupitre_sync_protocol::{ClientId, EntityRef, OpId};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use uuid::Uuid;

mod conseil;
mod import;
mod notes;
mod notifications;
mod verrouillage;
mod vie_scolaire;
pub use conseil::LsuView;
pub use notes::{COLLER_MAX_LIGNES, DevoirSaisie, ItemSaisie};
pub use notifications::PreparationView;
pub use vie_scolaire::{AbsenceSaisie, DispenseSaisie, JustificationSaisie};

pub struct Session {
    store: SharedStore,
    api: CentralClient,
    me: Personnel,
    /// The login this replica belongs to.
    login: String,
    etablissement: String,
    client_id: ClientId,
    acces: Acces,
    /// Where envelopes wait on this PC: the ones this session leaves, and anyone's it delivers.
    envois: PathBuf,
    logged_in_online: bool,
    /// What the login did that its user must know (a replica set aside), shown once logged in.
    avis: Mutex<Option<String>>,
    background: Background,
    politique: crate::verrou::Politique,
    verrou: Mutex<verrouillage::Verrou>,
}

/// What a login opens a session with.
pub(crate) struct Ouverture {
    pub store: Store,
    pub api: CentralClient,
    pub me: Personnel,
    pub client_id: ClientId,
    pub acces: Acces,
    pub online: bool,
    pub envois: PathBuf,
}

impl Session {
    pub(crate) fn new(o: Ouverture) -> Result<Arc<Session>, ReplicaError> {
        let etablissement = o.store.etablissement()?;
        let login = o.store.owner()?.unwrap_or_default();
        let politique = crate::verrou::Politique::minutes(o.store.reglages()?.verrouillage_minutes);
        let session = Arc::new(Session {
            store: Arc::new(Mutex::new(o.store)),
            api: o.api,
            me: o.me,
            login,
            etablissement,
            client_id: o.client_id,
            acces: o.acces,
            envois: o.envois,
            logged_in_online: o.online,
            avis: Mutex::new(None),
            background: Background::new(o.online),
            politique,
            verrou: Mutex::new(verrouillage::Verrou::ouvert(crate::clock::instant())),
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
            avis: self.avis.lock().map(|a| a.clone()).unwrap_or_default(),
        }
    }

    /// The login this session's replica belongs to.
    pub fn identifiant(&self) -> &str {
        &self.login
    }

    /// Whose replica this is: the login, in the school the session is in.
    pub fn compte(&self) -> crate::paths::Compte {
        crate::paths::Compte::new(self.api.etablissement(), &self.login)
    }

    pub(crate) fn set_avis(&self, avis: String) {
        if let Ok(mut slot) = self.avis.lock() {
            *slot = Some(avis);
        }
    }

    /// Runs sync rounds until `logout` (`Background` sets the pace).
    pub fn spawn_sync_loop(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let session = Arc::clone(self);
        tokio::spawn(async move {
            session
                .background
                .run(|| async { session.sync_once().await.is_ok() })
                .await;
        })
    }

    /// Asks the sync loop for a round now.
    pub fn sync_soon(&self) {
        self.background.wake();
    }

    /// One sync round; its outcome is reflected in `etat()`.
    pub async fn sync_once(&self) -> Result<RoundReport, ReplicaError> {
        // The families' notifications due by now leave with this round. A failure to prepare
        // them must not stop the sync: it is logged and tried again at the next round.
        if let Err(e) = self.notifier_a_l_heure() {
            tracing::warn!("notifications aux familles non préparées : {e}");
        }
        if let Some(raison) = self.verrouillee() {
            return Err(ReplicaError::Locked(raison));
        }
        self.deliver_envelopes().await;
        let mut result = self.round().await;
        if result.as_ref().is_err_and(jetons::is_expired) {
            self.acces.expire().await;
            result = self.round().await;
        }
        let synced_at = lock(&self.store).last_sync_label()?;
        self.background.record_round(&result, synced_at);
        self.refresh_counts()?;
        result
    }

    async fn round(&self) -> Result<RoundReport, ReplicaError> {
        let token = self.token().await?;
        sync::round(&self.store, &self.api, &token, &self.client_id, now_ms).await
    }

    /// A valid access token for a request of the user's own (the history of a field).
    pub(crate) async fn token(&self) -> Result<zeroize::Zeroizing<String>, ReplicaError> {
        self.acces.token(&self.api, &self.store).await
    }

    /// Delivers whatever envelopes wait on this PC, whoever left them. A failure is logged and
    /// tried again at the next round: it must not stop this user's own sync.
    async fn deliver_envelopes(&self) {
        match enveloppes::remettre(&self.envois, &self.api).await {
            Ok(done) if done.remises > 0 || !done.refusees.is_empty() => {
                tracing::info!(?done, "envelopes delivered")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("envelopes not delivered: {e}"),
        }
    }

    pub(crate) fn show_offline(&self, why: UiError) {
        self.background.record_offline(why);
    }

    fn refresh_counts(&self) -> Result<(), ReplicaError> {
        let counts = {
            let store = lock(&self.store);
            let (local, sent, refused) = store.outbox_counts()?;
            Counts {
                local,
                sent,
                refused,
                conflits: store.conflict_count()?,
                horloge: store.clock_warning()?,
            }
        };
        self.background.record_counts(counts);
        Ok(())
    }

    pub fn etat(&self) -> EtatSynchro {
        self.background.etat()
    }

    pub fn subscribe(&self) -> watch::Receiver<EtatSynchro> {
        self.background.subscribe()
    }

    /// A teacher sees their own séances; the CPE and the direction the whole school's.
    /// A day's séances (a teacher's own, everyone's for the vie scolaire); none on a day the
    /// school declared off.
    pub fn seances_du_jour(&self, date: &str) -> Result<Vec<SeanceView>, ReplicaError> {
        let own = (self.me.fonction == Fonction::Enseignant).then_some(self.me.id.as_str());
        let store = lock(&self.store);
        let off = date
            .parse::<chrono::NaiveDate>()
            .is_ok_and(|d| store.reglages().is_ok_and(|r| r.sans_cours(d)));
        if off {
            return Ok(Vec::new());
        }
        store.seances_du_jour(date, own)
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
        {
            let mut store = lock(&self.store);
            let teaches = store.teacher_of(&edit.key())?.as_deref() == Some(self.me.id.as_str());
            may_write(self.me.fonction, edit.kind(), edit.field(), teaches)
                .map_err(|reason| ReplicaError::Invalid(reason.to_owned()))?;
            if !store.eleve_dans_seance(seance_id, eleve_id)? {
                return Err(ReplicaError::Invalid(
                    "cet élève n'est pas dans cette séance".into(),
                ));
            }
            store.edit(edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        }
        self.after_edit()
    }

    /// Marks the roll call done. The marks the grid suggested for rows she left untouched (a
    /// dispense, an absence the vie scolaire recorded), which she saw, become hers: together, in
    /// one transaction.
    pub fn valider_appel(&self, seance_id: &str) -> Result<(), ReplicaError> {
        let appel = self.appel(seance_id)?;
        let mut edits: Vec<(Edit, OpId)> = appel
            .eleves
            .iter()
            .filter_map(|l| l.proposition.map(|p| (l, p)))
            .map(|(l, presence)| Edit::Presence {
                seance_id: seance_id.into(),
                eleve_id: l.eleve_id.clone(),
                presence,
            })
            .map(|e| (e, OpId(Uuid::new_v4())))
            .collect();
        edits.push((
            Edit::AppelEtat {
                seance_id: seance_id.into(),
                etat: AppelEtat::Fait,
            },
            OpId(Uuid::new_v4()),
        ));
        lock(&self.store).edit_all(&edits, &self.me.id, now_ms())?;
        self.after_edit()
    }

    /// The services whose appreciations this person writes: a teacher's own; every one for the
    /// direction; none for the CPE and the administrator.
    pub fn services(&self) -> Result<Vec<ServiceView>, ReplicaError> {
        match self.me.fonction {
            Fonction::Enseignant => lock(&self.store).services(Some(&self.me.id)),
            Fonction::Direction => lock(&self.store).services(None),
            Fonction::Cpe | Fonction::Administrateur => Ok(Vec::new()),
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
        let (mut lignes, presences) = {
            let store = lock(&self.store);
            (
                store.appreciations(service_id, periode_id)?,
                store.presences_du_service(service_id, periode_id)?,
            )
        };
        let carnet = self.gradebook(service_id)?.view(periode_id);
        for l in &mut lignes {
            l.moyenne = (carnet.lignes.iter())
                .find(|c| c.eleve_id == l.eleve_id)
                .and_then(|c| c.moyenne.clone());
            (l.absences, l.retards) = presences.get(&l.eleve_id).copied().unwrap_or_default();
        }
        Ok(lignes)
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
        let response = self.api.history(&self.token().await?, &request).await?;
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

    /// Stops the sync loop, leaves what is unsent as an envelope for the next session on this
    /// PC to deliver, revokes the central session when reachable, and closes the replica
    /// (SQLCipher wipes its key): whatever still holds this session can read nothing more. The
    /// replica and its unsent changes stay on this PC, encrypted, for the next login.
    pub async fn logout(&self) -> Result<(), ReplicaError> {
        self.background.stop();
        // Locked, the envelope was left at lock time and the replica is closed already.
        let left = match self.verrouillee() {
            Some(_) => Ok(0),
            None => {
                let store = lock(&self.store);
                enveloppes::laisser(&store, &self.envois, &self.client_id, now_ms())
            }
        };
        let revoked = match self.token().await {
            Ok(token) => match self.api.logout(&token).await {
                Err(e) if !e.is_offline() => Err(e),
                _ => Ok(()),
            },
            // Offline, or the session already over: nothing to revoke from here.
            Err(_) => Ok(()),
        };
        self.acces.forget().await;
        lock(&self.store).close()?;
        left?;
        revoked
    }
}
