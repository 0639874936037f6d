//! Every command a front end may call, declared once. `commands!` hands the list to another
//! macro: the desktop shell turns it into Tauri commands, `typescript` into the UI's typed
//! calls. A command renamed here is renamed on both sides, and a stale UI fails to compile.
//!
//! Each command is a method of `Api` of a few lines; the work is the session's.

use crate::carnet::CarnetView;
use crate::competences::{BilanView, CompetencesView};
use crate::conseil::{ConseilLigne, ConseilView};
use crate::state::{Api, Seq};
use crate::views::{
    AbsenceView, AppelView, EtablissementView, EtatSynchro, HistoriqueView, LigneAppreciation,
    Modifications, Moi, PeriodeView, SeanceView, ServiceView,
};
use crate::{DevoirSaisie, ItemSaisie};
use pupitre_domain::{ConseilEtat, EntityKind, Fait, Garder, Presence, Uai};
use pupitre_replica::verrou::Raison;
use pupitre_replica::{ReplicaError, Session, UiError};
use pupitre_replica::{clock, trousseau};
use std::sync::Arc;
use std::time::Duration;

/// How often a session checks whether it must lock.
const LOCK_CHECK: Duration = Duration::from_secs(5);

/// Calls `$then! { name(arg: Type, ...) -> Returned; ... }` with every command.
#[macro_export]
macro_rules! commands {
    ($then:ident) => {
        $then! {
            jour_initial() -> String;
            compte_demo() -> Option<(String, String)>;
            avertissement_configuration() -> Option<String>;
            etablissements() -> Vec<$crate::views::EtablissementView>;
            connexion(login: String, password: String, se_souvenir: bool,
                etablissement: Option<String>) -> $crate::views::Moi;
            reprendre() -> Option<$crate::views::Moi>;
            deconnexion() -> ();
            activite() -> ();
            changer_mot_de_passe(ancien: String, nouveau: String) -> ();
            verrouiller() -> ();
            deverrouiller(password: String) -> ();
            seances_du_jour(date: String) -> Vec<$crate::views::SeanceView>;
            appel(seance_id: String) -> $crate::views::AppelView;
            marquer(seance_id: String, eleve_id: String, presence: $crate::Presence) -> ();
            noter_fait(seance_id: String, eleve_id: String, fait: $crate::Fait) -> ();
            trancher(seance_id: String, eleve_id: String, garder: $crate::Garder) -> ();
            historique(kind: $crate::EntityKind, entity_id: String, champ: String)
                -> Vec<$crate::views::HistoriqueView>;
            valider_appel(seance_id: String) -> ();
            absences_du_jour(date: String) -> Vec<$crate::views::AbsenceView>;
            modifications() -> $crate::views::Modifications;
            services() -> Vec<$crate::views::ServiceView>;
            periodes() -> Vec<$crate::views::PeriodeView>;
            appreciations(service_id: String, periode_id: String)
                -> Vec<$crate::views::LigneAppreciation>;
            ecrire_appreciation(service_id: String, periode_id: String, eleve_id: String,
                texte: String) -> ();
            resoudre_conflit(kind: $crate::EntityKind, entity_id: String, champ: String,
                garder: $crate::Seq) -> ();
            conseils(periode_id: String) -> Vec<$crate::conseil::ConseilLigne>;
            conseil(periode_id: String, division_id: String) -> $crate::conseil::ConseilView;
            changer_conseil(periode_id: String, division_id: String, etat: $crate::ConseilEtat)
                -> ();
            rouvrir_conseil(periode_id: String, division_id: String, motif: String) -> ();
            ecrire_decision(periode_id: String, division_id: String, eleve_id: String,
                champ: String, texte: String) -> ();
            exporter_lsu(periode_id: String, division_id: String, chemin: Option<String>)
                -> $crate::LsuView;
            exporter_bulletins(periode_id: String, division_id: String,
                eleve_id: Option<String>, chemin: String) -> u32;
            exporter_conseil_csv(periode_id: String, division_id: String, chemin: String) -> ();
            carnet(service_id: String, periode_id: String) -> $crate::carnet::CarnetView;
            creer_devoir(service_id: String, devoir: $crate::DevoirSaisie) -> String;
            modifier_devoir(service_id: String, devoir_id: String, devoir: $crate::DevoirSaisie)
                -> ();
            supprimer_devoir(service_id: String, devoir_id: String) -> ();
            saisir_note(service_id: String, devoir_id: String, eleve_id: String, texte: String)
                -> ();
            coller_notes(service_id: String, devoir_id: String, depuis_eleve_id: String,
                texte: String) -> u32;
            competences(service_id: String, periode_id: String)
                -> $crate::competences::CompetencesView;
            bilan(eleve_id: String, periode_id: String) -> $crate::competences::BilanView;
            creer_item(service_id: String, item: $crate::ItemSaisie) -> String;
            supprimer_item(service_id: String, item_id: String) -> ();
            saisir_evaluation(service_id: String, devoir_id: String, item_id: String,
                eleve_id: String, texte: String) -> ();
            positionner(service_id: String, periode_id: String, eleve_id: String, texte: String)
                -> ();
            bureau(du: String, au: String) -> $crate::vie_scolaire::BureauView;
            dossier(eleve_id: String) -> $crate::vie_scolaire::DossierView;
            absenteisme(mois: String) -> Vec<$crate::vie_scolaire::AbsenteisteView>;
            reglages() -> $crate::absences::Reglages;
            modifier_reglages(reglages: $crate::absences::Reglages) -> ();
            saisir_absence(absence: $crate::AbsenceSaisie,
                justification: Option<$crate::JustificationSaisie>) -> String;
            modifier_absence(absence_id: String, absence: $crate::AbsenceSaisie) -> ();
            justifier(eleve_id: String, absence_ids: Vec<String>,
                justification: $crate::JustificationSaisie) -> ();
            supprimer_absence(eleve_id: String, absence_id: String) -> ();
            justifier_retard(seance_id: String, eleve_id: String,
                justification: $crate::JustificationSaisie) -> ();
            creer_dispense(dispense: $crate::DispenseSaisie) -> String;
            supprimer_dispense(eleve_id: String, dispense_id: String) -> ();
            ecrire_rapport(seance_id: String, eleve_id: String, texte: String) -> ();
            notifier_familles(date: String) -> $crate::PreparationView;
            appels_non_faits(date: String, aujourdhui: String, maintenant: String)
                -> Vec<$crate::views::SeanceView>;
            seances_de_la_semaine(date: String) -> Vec<$crate::views::SeanceView>;
            statistiques() -> $crate::statistiques::StatistiquesView;
            referentiel() -> $crate::vie_scolaire::ReferentielView;
            exporter_statistiques(chemin: String) -> ();
            exporter_signalement(eleve_id: String, mois: String, chemin: String) -> ();
            notifications() -> Vec<$crate::vie_scolaire::NotificationView>;
            importer_annee(chemins: Vec<String>, date: Option<String>) -> String;
            etat_synchro() -> $crate::views::EtatSynchro;
            synchroniser() -> ();
        }
    };
}

type Answer<T> = Result<T, UiError>;

impl Api {
    pub async fn jour_initial(&self) -> Answer<String> {
        Ok(self.demarrage.jour.clone())
    }

    pub async fn compte_demo(&self) -> Answer<Option<(String, String)>> {
        Ok(self.compte_demo_une_fois())
    }

    /// What is wrong with this PC's configuration, if anything.
    pub async fn avertissement_configuration(&self) -> Answer<Option<String>> {
        Ok(self.demarrage.avertissement.clone())
    }

    /// The schools the login screen offers (none or one: nothing to choose).
    pub async fn etablissements(&self) -> Answer<Vec<EtablissementView>> {
        let d = &self.demarrage;
        Ok(Session::etablissements(&d.data_dir, &d.central_url).await)
    }

    /// Logs in (closing any session still open: never two at once on a shared PC), starts the
    /// sync loop and forwards its status to the front end. `se_souvenir`: a personal computer
    /// whose owner asks to be remembered (the device's keyring keeps the replica's key).
    /// `etablissement`: the school chosen among `etablissements` (`None`: the central's first).
    pub async fn connexion(
        &self,
        login: String,
        password: String,
        se_souvenir: bool,
        etablissement: Option<String>,
    ) -> Answer<Moi> {
        let etablissement = etablissement
            .map(|u| Uai::parse(&u))
            .transpose()
            .map_err(|e| UiError::from(ReplicaError::Invalid(e.to_string())))?;
        let etablissement = etablissement.as_ref();
        self.deconnexion().await?;
        let events = self.events.clone();
        let mut progress = move |p| events.progression(p);
        let d = &self.demarrage;
        let (dir, url) = (&d.data_dir, &d.central_url);
        let session = if se_souvenir {
            let trousseau = d.trousseau.as_ref();
            Session::login_en_se_souvenant(
                dir,
                url,
                etablissement,
                &login,
                &password,
                trousseau,
                &mut progress,
            )
            .await?
        } else {
            Session::login_dans(dir, url, etablissement, &login, &password, &mut progress).await?
        };
        Ok(self.ouvrir(session))
    }

    /// At startup: the remembered owner's session, opened with the device's keyring, if any.
    pub async fn reprendre(&self) -> Answer<Option<Moi>> {
        let events = self.events.clone();
        let mut progress = move |p| events.progression(p);
        let d = &self.demarrage;
        let session = Session::reprendre(
            &d.data_dir,
            &d.central_url,
            d.trousseau.as_ref(),
            &mut progress,
        )
        .await?;
        Ok(session.map(|s| self.ouvrir(s)))
    }

    /// Starts a session's background: its sync loop, its lock, its status to the front end.
    fn ouvrir(&self, session: Arc<Session>) -> Moi {
        session.spawn_sync_loop();
        self.watch_lock(&session);
        let mut status = session.subscribe();
        let events = self.events.clone();
        tokio::spawn(async move {
            while status.changed().await.is_ok() {
                let etat = status.borrow_and_update().clone();
                events.etat_synchro(etat);
            }
        });
        let moi = session.moi();
        self.put_session(session);
        moi
    }

    /// Closes the session: the replica is closed (its key leaves memory), the webview forgets
    /// what it showed, and the device forgets its owner if it remembered her. A central that
    /// cannot revoke the token must not block the next login: the token expires on its own.
    pub async fn deconnexion(&self) -> Answer<()> {
        if let Some(previous) = self.take_session() {
            if let Err(e) = previous.logout().await {
                tracing::warn!("session not revoked at the central: {e}");
            }
            self.events.oublier_navigation();
            let d = &self.demarrage;
            let nom = previous.compte().nom();
            if trousseau::memorise(&d.data_dir)?.as_deref() == Some(nom.as_str()) {
                if let Err(e) = d.trousseau.oublier(&nom) {
                    tracing::warn!("keyring entry not removed: {e}");
                }
                trousseau::oublier_memo(&d.data_dir)?;
            }
        }
        Ok(())
    }

    pub async fn changer_mot_de_passe(&self, ancien: String, nouveau: String) -> Answer<()> {
        Ok(self
            .session()
            .await?
            .changer_mot_de_passe(&ancien, &nouveau)
            .await?)
    }

    /// Its user pressed a key or clicked: the inactivity counts from now.
    pub async fn activite(&self) -> Answer<()> {
        let session = self.session_passive()?;
        Ok(session.geste(clock::instant()).await?)
    }

    /// Locks the session now (the shortcut, the button): the replica closes, the webview forgets.
    pub async fn verrouiller(&self) -> Answer<()> {
        let session = self.session_passive()?;
        session.verrouiller(Raison::Demande).await;
        self.events.oublier_navigation();
        Ok(())
    }

    pub async fn deverrouiller(&self, password: String) -> Answer<()> {
        let session = self.session_passive()?;
        session.deverrouiller(&password, clock::instant()).await?;
        Ok(())
    }

    /// Checks every few seconds whether the session's time is up, until it is gone.
    fn watch_lock(&self, session: &Arc<Session>) {
        let session = Arc::downgrade(session);
        let events = self.events.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(LOCK_CHECK);
            loop {
                every.tick().await;
                let Some(session) = session.upgrade() else {
                    return;
                };
                if let Some(raison) = session.surveiller(clock::instant()).await {
                    events.oublier_navigation();
                    events.verrouillage(UiError::from(ReplicaError::Locked(raison)).message);
                }
            }
        });
    }

    pub async fn seances_du_jour(&self, date: String) -> Answer<Vec<SeanceView>> {
        Ok(self.session().await?.seances_du_jour(&date)?)
    }

    pub async fn appel(&self, seance_id: String) -> Answer<AppelView> {
        Ok(self.session().await?.appel(&seance_id)?)
    }

    pub async fn marquer(&self, seance_id: String, eleve_id: String, p: Presence) -> Answer<()> {
        Ok(self.session().await?.marquer(&seance_id, &eleve_id, p)?)
    }

    pub async fn noter_fait(&self, seance_id: String, eleve_id: String, f: Fait) -> Answer<()> {
        Ok(self.session().await?.noter_fait(&seance_id, &eleve_id, f)?)
    }

    pub async fn trancher(&self, seance_id: String, eleve_id: String, g: Garder) -> Answer<()> {
        Ok(self.session().await?.trancher(&seance_id, &eleve_id, g)?)
    }

    pub async fn historique(
        &self,
        kind: EntityKind,
        entity_id: String,
        champ: String,
    ) -> Answer<Vec<HistoriqueView>> {
        let session = self.session().await?;
        Ok(session.historique(kind, &entity_id, &champ).await?)
    }

    pub async fn valider_appel(&self, seance_id: String) -> Answer<()> {
        Ok(self.session().await?.valider_appel(&seance_id)?)
    }

    pub async fn absences_du_jour(&self, date: String) -> Answer<Vec<AbsenceView>> {
        Ok(self.session().await?.absences_du_jour(&date)?)
    }

    pub async fn modifications(&self) -> Answer<Modifications> {
        Ok(self.session().await?.modifications()?)
    }

    pub async fn services(&self) -> Answer<Vec<ServiceView>> {
        Ok(self.session().await?.services()?)
    }

    pub async fn periodes(&self) -> Answer<Vec<PeriodeView>> {
        Ok(self.session().await?.periodes()?)
    }

    pub async fn appreciations(
        &self,
        service_id: String,
        periode_id: String,
    ) -> Answer<Vec<LigneAppreciation>> {
        Ok(self
            .session()
            .await?
            .appreciations(&service_id, &periode_id)?)
    }

    pub async fn ecrire_appreciation(
        &self,
        service_id: String,
        periode_id: String,
        eleve_id: String,
        texte: String,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.ecrire_appreciation(&service_id, &periode_id, &eleve_id, &texte)?)
    }

    pub async fn conseils(&self, periode_id: String) -> Answer<Vec<ConseilLigne>> {
        Ok(self.session().await?.conseils(&periode_id)?)
    }

    pub async fn conseil(&self, periode_id: String, division_id: String) -> Answer<ConseilView> {
        Ok(self.session().await?.conseil(&periode_id, &division_id)?)
    }

    pub async fn changer_conseil(
        &self,
        periode_id: String,
        division_id: String,
        etat: ConseilEtat,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.changer_conseil(&periode_id, &division_id, etat)?)
    }

    pub async fn rouvrir_conseil(
        &self,
        periode_id: String,
        division_id: String,
        motif: String,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.rouvrir_conseil(&periode_id, &division_id, &motif)?)
    }

    pub async fn ecrire_decision(
        &self,
        periode_id: String,
        division_id: String,
        eleve_id: String,
        champ: String,
        texte: String,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.ecrire_decision(&periode_id, &division_id, &eleve_id, &champ, &texte)?)
    }

    pub async fn exporter_lsu(
        &self,
        periode_id: String,
        division_id: String,
        chemin: Option<String>,
    ) -> Answer<crate::LsuView> {
        let session = self.session().await?;
        Ok(session.exporter_lsu(&periode_id, &division_id, chemin.as_deref())?)
    }

    pub async fn exporter_bulletins(
        &self,
        periode_id: String,
        division_id: String,
        eleve_id: Option<String>,
        chemin: String,
    ) -> Answer<u32> {
        let session = self.session().await?;
        Ok(session.exporter_bulletins(&periode_id, &division_id, eleve_id.as_deref(), &chemin)?)
    }

    pub async fn exporter_conseil_csv(
        &self,
        periode_id: String,
        division_id: String,
        chemin: String,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.exporter_conseil_csv(&periode_id, &division_id, &chemin)?)
    }

    pub async fn resoudre_conflit(
        &self,
        kind: EntityKind,
        entity_id: String,
        champ: String,
        garder: Seq,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.resoudre_conflit(kind, &entity_id, &champ, garder.0)?)
    }

    pub async fn carnet(&self, service_id: String, periode_id: String) -> Answer<CarnetView> {
        Ok(self.session().await?.carnet(&service_id, &periode_id)?)
    }

    pub async fn creer_devoir(&self, service_id: String, devoir: DevoirSaisie) -> Answer<String> {
        Ok(self.session().await?.creer_devoir(&service_id, &devoir)?)
    }

    pub async fn modifier_devoir(
        &self,
        service_id: String,
        devoir_id: String,
        devoir: DevoirSaisie,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.modifier_devoir(&service_id, &devoir_id, &devoir)?)
    }

    pub async fn supprimer_devoir(&self, service_id: String, devoir_id: String) -> Answer<()> {
        Ok(self
            .session()
            .await?
            .supprimer_devoir(&service_id, &devoir_id)?)
    }

    pub async fn saisir_note(
        &self,
        service_id: String,
        devoir_id: String,
        eleve_id: String,
        texte: String,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.saisir_note(&service_id, &devoir_id, &eleve_id, &texte)?)
    }

    pub async fn coller_notes(
        &self,
        service_id: String,
        devoir_id: String,
        depuis_eleve_id: String,
        texte: String,
    ) -> Answer<u32> {
        let session = self.session().await?;
        Ok(session.coller_notes(&service_id, &devoir_id, &depuis_eleve_id, &texte)?)
    }

    pub async fn competences(
        &self,
        service_id: String,
        periode_id: String,
    ) -> Answer<CompetencesView> {
        Ok(self
            .session()
            .await?
            .competences(&service_id, &periode_id)?)
    }

    pub async fn bilan(&self, eleve_id: String, periode_id: String) -> Answer<BilanView> {
        Ok(self.session().await?.bilan(&eleve_id, &periode_id)?)
    }

    pub async fn creer_item(&self, service_id: String, item: ItemSaisie) -> Answer<String> {
        Ok(self.session().await?.creer_item(&service_id, &item)?)
    }

    pub async fn supprimer_item(&self, service_id: String, item_id: String) -> Answer<()> {
        Ok(self
            .session()
            .await?
            .supprimer_item(&service_id, &item_id)?)
    }

    pub async fn saisir_evaluation(
        &self,
        service_id: String,
        devoir_id: String,
        item_id: String,
        eleve_id: String,
        texte: String,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.saisir_evaluation(&service_id, &devoir_id, &item_id, &eleve_id, &texte)?)
    }

    pub async fn positionner(
        &self,
        service_id: String,
        periode_id: String,
        eleve_id: String,
        texte: String,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.positionner(&service_id, &periode_id, &eleve_id, &texte)?)
    }

    /// Sends the year's files to the central (direction, administrator); its report. What
    /// changed comes back with the sync round asked for at once.
    pub async fn importer_annee(
        &self,
        chemins: Vec<String>,
        date: Option<String>,
    ) -> Answer<String> {
        let session = self.session().await?;
        let rapport = session.importer_annee(&chemins, date).await?;
        session.sync_soon();
        Ok(rapport)
    }

    pub async fn etat_synchro(&self) -> Answer<EtatSynchro> {
        Ok(self.session_passive()?.etat())
    }

    /// Asks for a sync round now.
    pub async fn synchroniser(&self) -> Answer<()> {
        self.session().await?.sync_soon();
        Ok(())
    }
}
