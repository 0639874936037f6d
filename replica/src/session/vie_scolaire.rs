//! What the vie scolaire does from its desk (absences entered ahead or from roll calls,
//! justifications one by one or several at once, lateness, dispenses, the settings), what a
//! teacher adds to her roll call (an exclusion report), and what the roll-call grid shows before
//! she starts. Each is checked here against what this PC knows, in French, before anything is
//! written; the central checks the same again (`pupitre_central::vie_scolaire`).

use super::Session;
use crate::clock::now_ms;
use crate::error::ReplicaError;
use crate::sync::lock;
use crate::vie_scolaire::{self, AbsenteisteView, BureauView, DossierView};
use crate::views::AppelView;
use chrono::NaiveDate;
use pupitre_domain::absences::{
    Absence, Billet, Dispense, EtatJustification, Justification, Moment, MoyenBillet, Rapport,
    Reglages,
};
use pupitre_domain::edit::{FIELD_DEFINITION, FIELD_JUSTIFICATION};
use pupitre_domain::{Edit, EntityKind, Heure, Periode, Presence, may_write};
use pupitre_sync_protocol::OpId;
use serde::Deserialize;
use ts_rs::TS;
use uuid::Uuid;

fn invalid(message: impl Into<String>) -> ReplicaError {
    ReplicaError::Invalid(message.into())
}

pub(super) fn date(text: &str) -> Result<NaiveDate, ReplicaError> {
    text.parse().map_err(|_| {
        invalid(format!(
            "date « {text} » illisible : choisissez-la dans le calendrier"
        ))
    })
}

fn heure(text: &str) -> Result<Heure, ReplicaError> {
    text.parse().map_err(|_| {
        invalid(format!(
            "heure « {text} » illisible : HH:MM, par exemple 08:05"
        ))
    })
}

/// An absence as the CPE fills its form.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct AbsenceSaisie {
    pub eleve_id: String,
    /// `YYYY-MM-DD` and `HH:MM`.
    pub du: String,
    pub de: String,
    pub au: String,
    pub a: String,
    pub prevenu: bool,
}

impl AbsenceSaisie {
    fn absence(&self) -> Result<Absence, ReplicaError> {
        let absence = Absence {
            debut: Moment {
                date: date(&self.du)?,
                heure: heure(&self.de)?,
            },
            fin: Moment {
                date: date(&self.au)?,
                heure: heure(&self.a)?,
            },
            prevenu: self.prevenu,
        };
        absence.verifier().map_err(invalid)?;
        Ok(absence)
    }
}

/// A justification as the CPE fills its form.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct JustificationSaisie {
    pub etat: EtatJustification,
    pub motif: Option<String>,
    /// The billet: its date (`YYYY-MM-DD`) and how it came, both or neither.
    pub billet_date: Option<String>,
    pub billet_moyen: Option<MoyenBillet>,
    pub commentaire: Option<String>,
}

impl JustificationSaisie {
    fn justification(&self, reglages: &Reglages) -> Result<Justification, ReplicaError> {
        let billet = match (&self.billet_date, self.billet_moyen) {
            (Some(d), Some(moyen)) if !d.is_empty() => Some(Billet {
                date: date(d)?,
                moyen,
            }),
            (None | Some(_), None) => None,
            (_, Some(_)) => return Err(invalid("le billet doit avoir une date")),
        };
        let motif = self.motif.clone().filter(|m| !m.is_empty());
        if let Some(code) = &motif
            && reglages.motif(code).is_some_and(|m| !m.actif)
        {
            return Err(invalid(format!(
                "le motif « {code} » n'est plus proposé : choisissez-en un autre"
            )));
        }
        let j = Justification {
            etat: self.etat,
            motif,
            billet,
            commentaire: self.commentaire.clone().filter(|c| !c.trim().is_empty()),
        };
        j.verifier(&reglages.motifs).map_err(invalid)?;
        Ok(j)
    }
}

/// A dispense as the CPE fills its form.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct DispenseSaisie {
    pub eleve_id: String,
    pub du: String,
    pub au: String,
    /// A subject's code; `None` or empty: every subject.
    pub matiere: Option<String>,
    pub presence_obligatoire: bool,
}

impl Session {
    /// Only the vie scolaire (and the direction) writes absences, dispenses and settings.
    pub(super) fn vie_scolaire_seule(&self) -> Result<(), ReplicaError> {
        may_write(
            self.me.fonction,
            EntityKind::Absence,
            FIELD_DEFINITION,
            false,
        )
        .map_err(invalid)
    }

    /// The school year's first and last days, from its periods.
    pub(super) fn annee_scolaire(&self) -> Result<(NaiveDate, NaiveDate), ReplicaError> {
        let periodes: Vec<Periode> = lock(&self.store).annee()?;
        let debut = periodes.iter().map(|p| p.debut).min();
        let fin = periodes.iter().map(|p| p.fin).max();
        debut
            .zip(fin)
            .ok_or_else(|| invalid("aucune période n'est définie sur ce poste"))
    }

    fn dans_l_annee(&self, du: NaiveDate, au: NaiveDate) -> Result<(), ReplicaError> {
        let (debut, fin) = self.annee_scolaire()?;
        if du < debut || au > fin {
            return Err(invalid(format!(
                "ces dates sortent de l'année scolaire (du {} au {})",
                debut.format("%d/%m/%Y"),
                fin.format("%d/%m/%Y")
            )));
        }
        Ok(())
    }

    /// The desk for a range of days: spans to treat, absences, lateness, exclusions.
    pub fn bureau(&self, du: &str, au: &str) -> Result<BureauView, ReplicaError> {
        self.vie_scolaire_seule()?;
        let (du, au) = (date(du)?, date(au)?);
        let rows = lock(&self.store).vie_scolaire()?;
        Ok(vie_scolaire::bureau(&rows, du, au))
    }

    /// A pupil's file for the school year.
    pub fn dossier(&self, eleve_id: &str) -> Result<DossierView, ReplicaError> {
        self.vie_scolaire_seule()?;
        let (du, au) = self.annee_scolaire()?;
        let rows = lock(&self.store).vie_scolaire()?;
        if !rows.school.eleves.iter().any(|e| e.id == eleve_id) {
            return Err(invalid("cet élève n'est pas sur ce poste"));
        }
        Ok(vie_scolaire::dossier(&rows, eleve_id, du, au))
    }

    /// The pupils at or above the L131-8 threshold in a month (`YYYY-MM`).
    pub fn absenteisme(&self, mois: &str) -> Result<Vec<AbsenteisteView>, ReplicaError> {
        self.vie_scolaire_seule()?;
        let premier = date(&format!("{mois}-01"))
            .map_err(|_| invalid(format!("mois « {mois} » illisible : AAAA-MM")))?;
        let rows = lock(&self.store).vie_scolaire()?;
        Ok(vie_scolaire::absenteisme(&rows, premier))
    }

    /// The roll calls not taken on `date` (`aujourdhui` and `maintenant`: this PC's day and
    /// time), after the school's grace delay, with their teacher and room.
    pub fn appels_non_faits(
        &self,
        date: &str,
        aujourdhui: &str,
        maintenant: &str,
    ) -> Result<Vec<crate::views::SeanceView>, ReplicaError> {
        let (day, today, now) = (
            self::date(date)?,
            self::date(aujourdhui)?,
            heure(maintenant)?,
        );
        let reglages = lock(&self.store).reglages()?;
        let seances = self.seances_du_jour(date)?;
        Ok(vie_scolaire::appels_non_faits(
            seances, day, today, now, &reglages,
        ))
    }

    /// A person's séances of the week of `date`, Monday to Saturday, days the school declared
    /// off left out.
    pub fn seances_de_la_semaine(
        &self,
        date: &str,
    ) -> Result<Vec<crate::views::SeanceView>, ReplicaError> {
        use chrono::Datelike;
        let day = self::date(date)?;
        let lundi = day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()));
        let mut out = Vec::new();
        for offset in 0..6 {
            out.extend(self.seances_du_jour(&(lundi + chrono::Days::new(offset)).to_string())?);
        }
        Ok(out)
    }

    /// The pupils and subjects the desk's forms offer.
    pub fn referentiel(&self) -> Result<vie_scolaire::ReferentielView, ReplicaError> {
        self.vie_scolaire_seule()?;
        let rows = lock(&self.store).vie_scolaire()?;
        Ok(vie_scolaire::referentiel(&rows.school))
    }

    pub fn reglages(&self) -> Result<Reglages, ReplicaError> {
        lock(&self.store).reglages()
    }

    /// Records an absence (entered ahead when a family calls, or from the roll calls' missed
    /// séances), with its justification if one is given: in one transaction. Returns its id.
    pub fn saisir_absence(
        &self,
        saisie: &AbsenceSaisie,
        justification: Option<&JustificationSaisie>,
    ) -> Result<String, ReplicaError> {
        let absence_id = Uuid::new_v4().simple().to_string();
        self.definir_absence(&saisie.eleve_id, &absence_id, saisie, justification)?;
        Ok(absence_id)
    }

    /// Corrects an absence's span.
    pub fn modifier_absence(
        &self,
        absence_id: &str,
        saisie: &AbsenceSaisie,
    ) -> Result<(), ReplicaError> {
        let known = lock(&self.store)
            .absences_et_dispenses()?
            .0
            .into_iter()
            .any(|a| a.absence_id == absence_id && a.eleve_id == saisie.eleve_id);
        if !known {
            return Err(invalid("cette absence n'existe pas (ou plus) sur ce poste"));
        }
        self.definir_absence(&saisie.eleve_id, absence_id, saisie, None)
    }

    fn definir_absence(
        &self,
        eleve_id: &str,
        absence_id: &str,
        saisie: &AbsenceSaisie,
        justification: Option<&JustificationSaisie>,
    ) -> Result<(), ReplicaError> {
        self.vie_scolaire_seule()?;
        let absence = saisie.absence()?;
        self.dans_l_annee(absence.debut.date, absence.fin.date)?;
        {
            let mut store = lock(&self.store);
            if !store.has_eleve(eleve_id)? {
                return Err(invalid("cet élève n'est pas sur ce poste"));
            }
            let reglages = store.reglages()?;
            let (absences, _) = store.absences_et_dispenses()?;
            if let Some(other) = absences.iter().find(|a| {
                a.eleve_id == eleve_id
                    && a.absence_id != absence_id
                    && a.absence.chevauche(&absence)
            }) {
                return Err(invalid(format!(
                    "cette absence chevauche celle du {} au {} : modifiez celle-ci plutôt que d'en saisir une autre",
                    other.absence.debut.libelle(),
                    other.absence.fin.libelle()
                )));
            }
            let mut edits = vec![Edit::Absence {
                eleve_id: eleve_id.into(),
                absence_id: absence_id.into(),
                absence,
            }];
            if let Some(j) = justification {
                edits.push(Edit::AbsenceJustifiee {
                    eleve_id: eleve_id.into(),
                    absence_id: absence_id.into(),
                    justification: j.justification(&reglages)?,
                });
            }
            let edits: Vec<(Edit, OpId)> = edits
                .into_iter()
                .map(|e| (e, OpId(Uuid::new_v4())))
                .collect();
            store.edit_all(&edits, &self.me.id, now_ms())?;
        }
        self.after_edit()
    }

    /// Justifies several absences of one pupil at once (one billet for a week): all or none.
    pub fn justifier(
        &self,
        eleve_id: &str,
        absence_ids: &[String],
        saisie: &JustificationSaisie,
    ) -> Result<(), ReplicaError> {
        self.vie_scolaire_seule()?;
        if absence_ids.is_empty() {
            return Err(invalid("choisissez au moins une absence à justifier"));
        }
        {
            let mut store = lock(&self.store);
            let justification = saisie.justification(&store.reglages()?)?;
            let (absences, _) = store.absences_et_dispenses()?;
            let mut edits = Vec::new();
            for id in absence_ids {
                if !absences
                    .iter()
                    .any(|a| &a.absence_id == id && a.eleve_id == eleve_id)
                {
                    return Err(invalid(
                        "une de ces absences n'existe pas (ou plus) sur ce poste : rien n'a été justifié",
                    ));
                }
                edits.push((
                    Edit::AbsenceJustifiee {
                        eleve_id: eleve_id.into(),
                        absence_id: id.clone(),
                        justification: justification.clone(),
                    },
                    OpId(Uuid::new_v4()),
                ));
            }
            store.edit_all(&edits, &self.me.id, now_ms())?;
        }
        self.after_edit()
    }

    /// Deletes an absence entered by mistake: it never comes back.
    pub fn supprimer_absence(&self, eleve_id: &str, absence_id: &str) -> Result<(), ReplicaError> {
        self.vie_scolaire_seule()?;
        let known = lock(&self.store)
            .absences_et_dispenses()?
            .0
            .iter()
            .any(|a| a.absence_id == absence_id && a.eleve_id == eleve_id);
        if !known {
            return Err(invalid("cette absence n'existe pas (ou plus) sur ce poste"));
        }
        self.write(Edit::AbsenceSupprimee {
            eleve_id: eleve_id.into(),
            absence_id: absence_id.into(),
        })
    }

    /// Justifies a lateness noted at a séance.
    pub fn justifier_retard(
        &self,
        seance_id: &str,
        eleve_id: &str,
        saisie: &JustificationSaisie,
    ) -> Result<(), ReplicaError> {
        may_write(
            self.me.fonction,
            EntityKind::Presence,
            FIELD_JUSTIFICATION,
            false,
        )
        .map_err(invalid)?;
        let ligne = self.ligne(seance_id, eleve_id)?;
        let late = matches!(ligne.presence, Presence::Retard { .. })
            || matches!(
                ligne.fait.map(|f| f.fait),
                Some(pupitre_domain::Fait::Retard { .. })
            );
        if !late {
            return Err(invalid(
                "aucun retard n'est noté pour cet élève à cette séance : il n'y a rien à justifier",
            ));
        }
        let justification = saisie.justification(&lock(&self.store).reglages()?)?;
        self.write(Edit::RetardJustifie {
            seance_id: seance_id.into(),
            eleve_id: eleve_id.into(),
            justification,
        })
    }

    /// The teacher's report of an exclusion from class (empty: withdrawn).
    pub fn ecrire_rapport(
        &self,
        seance_id: &str,
        eleve_id: &str,
        texte: &str,
    ) -> Result<(), ReplicaError> {
        let ligne = self.ligne(seance_id, eleve_id)?;
        let rapport = match texte.trim() {
            "" => None,
            t => Some(Rapport::try_from(t.to_owned()).map_err(invalid)?),
        };
        if rapport.is_some() && ligne.presence != Presence::Exclu {
            return Err(invalid(
                "le rapport accompagne une exclusion de cours : marquez d'abord l'élève « Exclu de cours »",
            ));
        }
        let edit = Edit::Rapport {
            seance_id: seance_id.into(),
            eleve_id: eleve_id.into(),
            rapport,
        };
        self.edit_pupil_in_seance(seance_id, eleve_id, &edit)
    }

    fn ligne(
        &self,
        seance_id: &str,
        eleve_id: &str,
    ) -> Result<crate::views::LigneAppel, ReplicaError> {
        lock(&self.store)
            .appel(seance_id)?
            .and_then(|a| a.eleves.into_iter().find(|e| e.eleve_id == eleve_id))
            .ok_or_else(|| invalid("cet élève n'est pas dans cette séance"))
    }

    /// Records a dispense. Returns its id.
    pub fn creer_dispense(&self, saisie: &DispenseSaisie) -> Result<String, ReplicaError> {
        self.vie_scolaire_seule()?;
        let dispense = Dispense {
            du: date(&saisie.du)?,
            au: date(&saisie.au)?,
            matiere: saisie.matiere.clone().filter(|m| !m.is_empty()),
            presence_obligatoire: saisie.presence_obligatoire,
        };
        dispense.verifier().map_err(invalid)?;
        self.dans_l_annee(dispense.du, dispense.au)?;
        let dispense_id = Uuid::new_v4().simple().to_string();
        self.write(Edit::Dispense {
            eleve_id: saisie.eleve_id.clone(),
            dispense_id: dispense_id.clone(),
            dispense,
        })?;
        Ok(dispense_id)
    }

    pub fn supprimer_dispense(
        &self,
        eleve_id: &str,
        dispense_id: &str,
    ) -> Result<(), ReplicaError> {
        self.vie_scolaire_seule()?;
        let known = lock(&self.store)
            .absences_et_dispenses()?
            .1
            .iter()
            .any(|d| d.dispense_id == dispense_id && d.eleve_id == eleve_id);
        if !known {
            return Err(invalid(
                "cette dispense n'existe pas (ou plus) sur ce poste",
            ));
        }
        self.write(Edit::DispenseSupprimee {
            eleve_id: eleve_id.into(),
            dispense_id: dispense_id.into(),
        })
    }

    /// New settings: checked, and keeping every motif in use (it may be made inactive).
    pub fn modifier_reglages(&self, reglages: &Reglages) -> Result<(), ReplicaError> {
        may_write(self.me.fonction, EntityKind::Reglages, "valeur", false).map_err(invalid)?;
        reglages.verifier().map_err(invalid)?;
        let rows = lock(&self.store).vie_scolaire()?;
        let used = rows
            .absences
            .iter()
            .filter_map(|a| a.justification.as_ref())
            .chain(
                rows.presences
                    .values()
                    .flat_map(|p| p.values())
                    .filter_map(|p| p.justification.as_ref()),
            )
            .filter_map(|j| j.motif.as_deref());
        for code in used {
            if reglages.motif(code).is_none() {
                return Err(invalid(format!(
                    "le motif « {code} » est utilisé par des absences ou des retards : désactivez-le au lieu de le supprimer"
                )));
            }
        }
        self.write(Edit::Reglages {
            reglages: reglages.clone(),
        })
    }

    /// The roll-call grid with what the school already knows of each pupil before the teacher
    /// starts, and the mark it suggests (never written unless she validates without touching
    /// the row).
    pub fn appel(&self, seance_id: &str) -> Result<AppelView, ReplicaError> {
        lock(&self.store)
            .appel_signale(seance_id)?
            .ok_or_else(|| invalid(format!("séance {seance_id} introuvable sur ce poste")))
    }

    fn write(&self, edit: Edit) -> Result<(), ReplicaError> {
        lock(&self.store).edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        self.after_edit()
    }
}
