//! The vie scolaire's commands (the CPE's desk, a pupil's file, the L131-8 monitor, the
//! settings, a teacher's exclusion report): a few lines each over `Session`.

use crate::state::Api;
use crate::vie_scolaire::{AbsenteisteView, BureauView, DossierView, NotificationView};
use crate::{AbsenceSaisie, DispenseSaisie, JustificationSaisie, UiError};
use pupitre_domain::absences::Reglages;

type Answer<T> = Result<T, UiError>;

impl Api {
    pub async fn bureau(&self, du: String, au: String) -> Answer<BureauView> {
        Ok(self.session().await?.bureau(&du, &au)?)
    }

    pub async fn dossier(&self, eleve_id: String) -> Answer<DossierView> {
        Ok(self.session().await?.dossier(&eleve_id)?)
    }

    pub async fn absenteisme(&self, mois: String) -> Answer<Vec<AbsenteisteView>> {
        Ok(self.session().await?.absenteisme(&mois)?)
    }

    pub async fn reglages(&self) -> Answer<Reglages> {
        Ok(self.session().await?.reglages()?)
    }

    pub async fn modifier_reglages(&self, reglages: Reglages) -> Answer<()> {
        Ok(self.session().await?.modifier_reglages(&reglages)?)
    }

    pub async fn saisir_absence(
        &self,
        absence: AbsenceSaisie,
        justification: Option<JustificationSaisie>,
    ) -> Answer<String> {
        Ok(self
            .session()
            .await?
            .saisir_absence(&absence, justification.as_ref())?)
    }

    pub async fn modifier_absence(&self, absence_id: String, absence: AbsenceSaisie) -> Answer<()> {
        Ok(self
            .session()
            .await?
            .modifier_absence(&absence_id, &absence)?)
    }

    pub async fn justifier(
        &self,
        eleve_id: String,
        absence_ids: Vec<String>,
        justification: JustificationSaisie,
    ) -> Answer<()> {
        Ok(self
            .session()
            .await?
            .justifier(&eleve_id, &absence_ids, &justification)?)
    }

    pub async fn supprimer_absence(&self, eleve_id: String, absence_id: String) -> Answer<()> {
        Ok(self
            .session()
            .await?
            .supprimer_absence(&eleve_id, &absence_id)?)
    }

    pub async fn justifier_retard(
        &self,
        seance_id: String,
        eleve_id: String,
        justification: JustificationSaisie,
    ) -> Answer<()> {
        let session = self.session().await?;
        Ok(session.justifier_retard(&seance_id, &eleve_id, &justification)?)
    }

    pub async fn creer_dispense(&self, dispense: DispenseSaisie) -> Answer<String> {
        Ok(self.session().await?.creer_dispense(&dispense)?)
    }

    pub async fn supprimer_dispense(&self, eleve_id: String, dispense_id: String) -> Answer<()> {
        Ok(self
            .session()
            .await?
            .supprimer_dispense(&eleve_id, &dispense_id)?)
    }

    /// Prepares now the notifications of a day's absences not yet justified.
    pub async fn notifier_familles(&self, date: String) -> Answer<crate::PreparationView> {
        Ok(self.session().await?.notifier_familles(&date)?)
    }

    pub async fn appels_non_faits(
        &self,
        date: String,
        aujourdhui: String,
        maintenant: String,
    ) -> Answer<Vec<crate::views::SeanceView>> {
        let session = self.session().await?;
        Ok(session.appels_non_faits(&date, &aujourdhui, &maintenant)?)
    }

    pub async fn seances_de_la_semaine(
        &self,
        date: String,
    ) -> Answer<Vec<crate::views::SeanceView>> {
        Ok(self.session().await?.seances_de_la_semaine(&date)?)
    }

    pub async fn referentiel(&self) -> Answer<crate::vie_scolaire::ReferentielView> {
        Ok(self.session().await?.referentiel()?)
    }

    pub async fn statistiques(&self) -> Answer<crate::statistiques::StatistiquesView> {
        Ok(self.session().await?.statistiques()?)
    }

    /// Writes the statistics as CSV at `chemin`, which the person chose.
    pub async fn exporter_statistiques(&self, chemin: String) -> Answer<()> {
        Ok(self.session().await?.exporter_statistiques(&chemin)?)
    }

    /// Writes the draft of the DASEN report at `chemin`, which the person chose.
    pub async fn exporter_signalement(
        &self,
        eleve_id: String,
        mois: String,
        chemin: String,
    ) -> Answer<()> {
        Ok(self
            .session()
            .await?
            .exporter_signalement(&eleve_id, &mois, &chemin)?)
    }

    pub async fn notifications(&self) -> Answer<Vec<NotificationView>> {
        Ok(self.session().await?.notifications()?)
    }

    pub async fn ecrire_rapport(
        &self,
        seance_id: String,
        eleve_id: String,
        texte: String,
    ) -> Answer<()> {
        Ok(self
            .session()
            .await?
            .ecrire_rapport(&seance_id, &eleve_id, &texte)?)
    }
}
