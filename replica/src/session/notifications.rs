//! The families told of an absence not yet justified (GUIDE §2): the CPE's PC prepares one
//! notification per pupil and day once the school's time has come (`Reglages::
//! heure_notification`), offline if need be; the central sends it when it holds it and says
//! what became of it, which this PC shows.

use super::Session;
use crate::clock;
use crate::error::ReplicaError;
use crate::sync::lock;
use crate::vie_scolaire::{self, NotificationRow, NotificationView};
use chrono::NaiveDate;
use pupitre_domain::absences::EtatJustification;
use pupitre_domain::notifications::{self, jour_id};
use pupitre_domain::{Edit, Fonction};
use pupitre_sync_protocol::OpId;
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// What preparing a day's notifications did: how many, and the pupils whose guardians have no
/// address (to be called).
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct PreparationView {
    pub preparees: u32,
    pub sans_adresse: Vec<String>,
}

impl Session {
    /// Prepares today's notifications when the school's time has come: on the CPE's PC, before
    /// each sync round. Returns how many were prepared.
    pub(crate) fn notifier_a_l_heure(&self) -> Result<u32, ReplicaError> {
        if self.me.fonction != Fonction::Cpe {
            return Ok(0);
        }
        let heure = lock(&self.store).reglages()?.heure_notification;
        if clock::heure_locale() < heure.to_string() {
            return Ok(0);
        }
        let today = super::vie_scolaire::date(&clock::today())?;
        Ok(self.notifier_le(today)?.preparees)
    }

    /// The vie scolaire prepares now the notifications of a day's absences not yet justified
    /// (`AAAA-MM-JJ`: today, or a day whose absences were not treated in time).
    pub fn notifier_familles(&self, date: &str) -> Result<PreparationView, ReplicaError> {
        self.vie_scolaire_seule()?;
        let p = self.notifier_le(super::vie_scolaire::date(date)?)?;
        if p.preparees > 0 {
            self.after_edit()?;
        }
        Ok(p)
    }

    /// One notification per pupil missing séances of `day` that no justified absence covers,
    /// whose guardians have an address, and who was not notified that day yet: in one
    /// transaction.
    fn notifier_le(&self, day: NaiveDate) -> Result<PreparationView, ReplicaError> {
        let mut store = lock(&self.store);
        let rows = store.vie_scolaire()?;
        let deja_du_jour: HashSet<String> = store
            .notifications()?
            .into_iter()
            .filter(|n| n.jour == jour_id(day))
            .map(|n| n.eleve_id)
            .collect();
        let bureau = vie_scolaire::bureau(&rows, day, day);
        // Per pupil, what she missed: spans to treat, and absences not justified.
        let mut manquees: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for a in &bureau.a_traiter {
            manquees
                .entry(a.eleve_id.clone())
                .or_default()
                .push(a.seances.clone());
        }
        for a in bureau
            .absences
            .iter()
            .filter(|a| a.etat != EtatJustification::Justifiee)
        {
            manquees
                .entry(a.eleve_id.clone())
                .or_default()
                .push(format!("de {} à {}", a.debut.heure, a.fin.heure));
        }
        let mut edits = Vec::new();
        let mut sans_adresse = Vec::new();
        for (eleve_id, seances) in manquees {
            if deja_du_jour.contains(&eleve_id) {
                continue;
            }
            let mails: Vec<String> = rows
                .school
                .responsables
                .iter()
                .filter(|r| r.eleve_id == eleve_id)
                .filter_map(|r| r.mail.clone())
                .take(notifications::DESTINATAIRES_MAX)
                .collect();
            let Some(eleve) = rows.school.eleves.iter().find(|e| e.id == eleve_id) else {
                continue;
            };
            if mails.is_empty() {
                // Her family is told by phone: the desk says whom to call.
                sans_adresse.push(format!("{} {}", eleve.nom, eleve.prenom));
                continue;
            }
            let notification = notifications::message(
                &rows.school.etablissement.nom,
                &format!("{} {}", eleve.prenom, eleve.nom),
                day,
                &seances.join(" ; "),
                mails,
            );
            notification.verifier().map_err(ReplicaError::Invalid)?;
            edits.push((
                Edit::Notification {
                    eleve_id,
                    jour: jour_id(day),
                    notification,
                },
                OpId(Uuid::new_v4()),
            ));
        }
        store.edit_all(&edits, &self.me.id, clock::now_ms())?;
        Ok(PreparationView {
            preparees: edits.len() as u32,
            sans_adresse,
        })
    }

    /// The demi-journées per division and month of the school year, and the rate of
    /// absentéisme.
    pub fn statistiques(&self) -> Result<crate::statistiques::StatistiquesView, ReplicaError> {
        self.vie_scolaire_seule()?;
        let (du, au) = self.annee_scolaire()?;
        let rows = lock(&self.store).vie_scolaire()?;
        Ok(crate::statistiques::statistiques(&rows, du, au))
    }

    /// Writes the statistics as CSV where the person chose.
    pub fn exporter_statistiques(&self, chemin: &str) -> Result<(), ReplicaError> {
        let csv = crate::statistiques::csv(&self.statistiques()?).map_err(|e| {
            ReplicaError::Invalid(format!("le tableau n'a pas pu être écrit : {e}"))
        })?;
        crate::fichiers::ecrire(chemin, csv.as_bytes())
    }

    /// Writes the draft of the report to the DASEN for a pupil and month (`AAAA-MM`) where the
    /// person chose, as a PDF to review, complete and sign.
    pub fn exporter_signalement(
        &self,
        eleve_id: &str,
        mois: &str,
        chemin: &str,
    ) -> Result<(), ReplicaError> {
        self.vie_scolaire_seule()?;
        let premier = super::vie_scolaire::date(&format!("{mois}-01"))
            .map_err(|_| ReplicaError::Invalid(format!("mois « {mois} » illisible : AAAA-MM")))?;
        let pdf = {
            let mut store = lock(&self.store);
            let rows = store.vie_scolaire()?;
            let notifications = store.notifications()?;
            let c = crate::signalement::contenu(&rows, &notifications, eleve_id, premier)
                .map_err(|e| ReplicaError::Invalid(e.to_string()))?;
            crate::signalement::pdf(&c).map_err(|e| ReplicaError::Invalid(e.to_string()))?
        };
        crate::fichiers::ecrire(chemin, &pdf)
    }

    /// Every notification here, the latest first, with what became of its sending.
    pub fn notifications(&self) -> Result<Vec<NotificationView>, ReplicaError> {
        self.vie_scolaire_seule()?;
        let mut store = lock(&self.store);
        let rows: Vec<NotificationRow> = store.notifications()?;
        let school = store.vie_scolaire()?.school;
        Ok(vie_scolaire::notification_views(&school, rows))
    }
}
