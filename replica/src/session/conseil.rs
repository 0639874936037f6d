//! A class council run from this PC: its page, its opening, closing and the head's reopening,
//! and what it decides for each pupil. Saved here at once (a council runs offline in its
//! room), sent when the central answers; each rule checked from `domain` before writing, and
//! again by the central.

use super::Session;
use crate::clock::now_ms;
use crate::conseil::{ConseilLigne, ConseilView};
use crate::error::ReplicaError;
use crate::sync::lock;
use pupitre_domain::conseil::{AppreciationGenerale, AvisOrientation, avec_avis_orientation};
use pupitre_domain::edit::{
    FIELD_APPRECIATION, FIELD_ETAT, FIELD_MENTION, FIELD_ORIENTATION, FIELD_VIE_SCOLAIRE,
};
use pupitre_domain::{
    Appreciation, ConseilEtat, Decision, Edit, EntityKey, EntityKind, EtatConseil, Fonction,
    Mention, may_reopen, may_write,
};
use pupitre_sync_protocol::OpId;
use uuid::Uuid;

impl Session {
    /// The council's page of a division for a period, with what this person may do there.
    pub fn conseil(
        &self,
        periode_id: &str,
        division_id: &str,
    ) -> Result<ConseilView, ReplicaError> {
        let mut view = lock(&self.store)
            .conseil(periode_id, division_id)?
            .ok_or_else(|| {
                ReplicaError::Invalid("cette classe ou cette période n'est pas sur ce poste".into())
            })?;
        let principal = self.est_principal(division_id)?;
        let peut = |field: &str| {
            may_write(self.me.fonction, EntityKind::Decision, field, principal).is_ok()
        };
        view.peut_conduire =
            may_write(self.me.fonction, EntityKind::Conseil, FIELD_ETAT, principal).is_ok();
        view.peut_rouvrir = may_reopen(self.me.fonction).is_ok();
        view.peut_decider = peut(FIELD_APPRECIATION);
        view.peut_ecrire_vie_scolaire = peut(FIELD_VIE_SCOLAIRE);
        Ok(view)
    }

    /// The councils of a period this person takes part in: every division's for the head
    /// and the CPE, her own divisions' for a professeur principal.
    pub fn conseils(&self, periode_id: &str) -> Result<Vec<ConseilLigne>, ReplicaError> {
        let all = lock(&self.store).conseils(periode_id)?;
        Ok(all
            .into_iter()
            .filter(|(_, principal)| match self.me.fonction {
                Fonction::Direction | Fonction::Cpe => true,
                Fonction::Enseignant => principal.as_deref() == Some(self.me.id.as_str()),
                Fonction::Administrateur => false,
            })
            .map(|(ligne, _)| ligne)
            .collect())
    }

    fn est_principal(&self, division_id: &str) -> Result<bool, ReplicaError> {
        Ok(self.me.fonction == Fonction::Enseignant
            && lock(&self.store)
                .professeur_principal(division_id)?
                .as_deref()
                == Some(self.me.id.as_str()))
    }

    /// Moves a class council forward: préparation → en séance → clos (the head, or the
    /// division's professeur principal). Once clos, the period's marks, appreciations and
    /// decisions of the division are locked at the central.
    pub fn changer_conseil(
        &self,
        periode_id: &str,
        division_id: &str,
        etat: ConseilEtat,
    ) -> Result<(), ReplicaError> {
        let principal = self.est_principal(division_id)?;
        may_write(self.me.fonction, EntityKind::Conseil, FIELD_ETAT, principal)
            .map_err(|reason| ReplicaError::Invalid(reason.to_owned()))?;
        let current = lock(&self.store).etat_conseil(periode_id, division_id)?;
        if etat <= current.etat {
            return Err(ReplicaError::Invalid(match current.etat {
                ConseilEtat::Clos => "Ce conseil est déjà clos. Pour le modifier, la direction le rouvre en disant pourquoi.".into(),
                e => format!("Ce conseil est déjà « {} » : il ne revient pas en arrière.", e.libelle().to_lowercase()),
            }));
        }
        self.ecrire_etat(periode_id, division_id, EtatConseil { etat, ..current })
    }

    /// The head reopens a closed council, saying why (recorded with who and when): its
    /// period's entries can be edited again and its conflicts resolved, until it is closed
    /// again.
    pub fn rouvrir_conseil(
        &self,
        periode_id: &str,
        division_id: &str,
        motif: &str,
    ) -> Result<(), ReplicaError> {
        may_reopen(self.me.fonction).map_err(|reason| ReplicaError::Invalid(reason.to_owned()))?;
        let current = lock(&self.store).etat_conseil(periode_id, division_id)?;
        let rouvert = current.rouvert(motif).map_err(ReplicaError::Invalid)?;
        self.ecrire_etat(periode_id, division_id, rouvert)
    }

    fn ecrire_etat(
        &self,
        periode_id: &str,
        division_id: &str,
        etat: EtatConseil,
    ) -> Result<(), ReplicaError> {
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

    /// Records what the council decides for a pupil: `champ` is `appreciation` (the general
    /// appreciation), `mention` (a mention's code, or empty to withdraw it), `orientation` (the
    /// avis, 3e and seconde) or `vie_scolaire` (the CPE's appreciation).
    pub fn ecrire_decision(
        &self,
        periode_id: &str,
        division_id: &str,
        eleve_id: &str,
        champ: &str,
        texte: &str,
    ) -> Result<(), ReplicaError> {
        let invalid = |e: String| ReplicaError::Invalid(e);
        let key = EntityKey::Decision {
            periode_id: periode_id.into(),
            division_id: division_id.into(),
            eleve_id: eleve_id.into(),
        };
        let cadre = lock(&self.store)
            .cadre_decision(&key, champ)?
            .ok_or_else(|| {
                invalid("cette classe ou cette période n'est pas sur ce poste".into())
            })?;
        let decision = lire_decision(champ, texte, &cadre.niveau)?;
        let principal = self.est_principal(division_id)?;
        may_write(self.me.fonction, EntityKind::Decision, champ, principal)
            .map_err(|reason| invalid(reason.to_owned()))?;
        if cadre.etat.etat.verrouille() {
            return Err(invalid(pupitre_domain::conseil::motif_verrou(
                &cadre.division,
                &cadre.periode,
            )));
        }
        if !cadre.eleve_de_la_classe {
            return Err(invalid(
                "cet élève n'est pas de cette classe pour cette période".into(),
            ));
        }
        let edit = Edit::Decision {
            periode_id: periode_id.into(),
            division_id: division_id.into(),
            eleve_id: eleve_id.into(),
            decision,
        };
        // Nothing written for what is already shown (a field left without a change).
        let shown = cadre.valeur.unwrap_or(serde_json::Value::Null);
        if shown == edit.value() || (shown.is_null() && edit.erases()) {
            return Ok(());
        }
        lock(&self.store).edit(&edit, &self.me.id, OpId(Uuid::new_v4()), now_ms())?;
        self.after_edit()
    }
}

/// What an LSU export held and left out.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct LsuView {
    pub bilans: u32,
    pub manques: Vec<String>,
    /// Whether the file was written.
    pub ecrit: bool,
}

impl Session {
    /// The LSU export of a division's period (the head's): what it would leave out, and, with
    /// `chemin` (chosen in the save dialog), the file written there whole or not at all. A
    /// council not closed exports nothing.
    pub fn exporter_lsu(
        &self,
        periode_id: &str,
        division_id: &str,
        chemin: Option<&str>,
    ) -> Result<LsuView, ReplicaError> {
        if self.me.fonction != Fonction::Direction {
            return Err(ReplicaError::Invalid(
                "L'export LSU est celui de la direction.".into(),
            ));
        }
        let view = self.conseil(periode_id, division_id)?;
        let responsable = format!("{} {} {}", self.me.civilite, self.me.prenom, self.me.nom);
        let lsu = crate::sorties::lsu(
            &mut lock(&self.store),
            &view,
            periode_id,
            division_id,
            &responsable,
        )?;
        let ecrit = match chemin {
            Some(chemin) if lsu.bilans > 0 => {
                crate::fichiers::ecrire(chemin, &lsu.xml)?;
                true
            }
            _ => false,
        };
        Ok(LsuView {
            bilans: lsu.bilans as u32,
            manques: lsu.manques,
            ecrit,
        })
    }
}

impl Session {
    /// The bulletins of a council's period as one A4 PDF written where the person chose (one
    /// pupil's, or the whole class's, each on pages of its own), for the head and the
    /// professeur principal. Returns how many bulletins it holds.
    pub fn exporter_bulletins(
        &self,
        periode_id: &str,
        division_id: &str,
        eleve_id: Option<&str>,
        chemin: &str,
    ) -> Result<u32, ReplicaError> {
        let view = self.conseil(periode_id, division_id)?;
        if !view.peut_conduire {
            return Err(ReplicaError::Invalid(
                "Les bulletins sont édités par la direction et le professeur principal de la classe."
                    .into(),
            ));
        }
        let (pdf, n) = crate::sorties::bulletins(&view, eleve_id)?;
        crate::fichiers::ecrire(chemin, &pdf)?;
        Ok(n as u32)
    }

    /// The council's summary (a pupil per line) as CSV where the person chose.
    pub fn exporter_conseil_csv(
        &self,
        periode_id: &str,
        division_id: &str,
        chemin: &str,
    ) -> Result<(), ReplicaError> {
        let view = self.conseil(periode_id, division_id)?;
        let csv = crate::bulletin::csv(&view).map_err(|e| {
            ReplicaError::Invalid(format!("le tableau n'a pas pu être écrit : {e}"))
        })?;
        crate::fichiers::ecrire(chemin, csv.as_bytes())
    }
}

/// A decision as the council's screen sends it, checked: its limits, an avis only where the
/// level has one, a mention that exists.
fn lire_decision(champ: &str, texte: &str, niveau: &str) -> Result<Decision, ReplicaError> {
    let invalid = |e: String| ReplicaError::Invalid(e);
    Ok(match champ {
        FIELD_APPRECIATION => Decision::Appreciation(
            AppreciationGenerale::new(texte).map_err(|e| invalid(e.to_string()))?,
        ),
        FIELD_VIE_SCOLAIRE => {
            Decision::VieScolaire(Appreciation::new(texte).map_err(|e| invalid(e.to_string()))?)
        }
        FIELD_ORIENTATION => {
            let avis = AvisOrientation::new(texte).map_err(|e| invalid(e.to_string()))?;
            if !avis.as_str().is_empty() && !avec_avis_orientation(niveau) {
                return Err(invalid(
                    "Un avis d'orientation ne se donne qu'en 3e et en seconde.".into(),
                ));
            }
            Decision::Orientation(avis)
        }
        FIELD_MENTION => Decision::Mention(mention(texte)?),
        _ => {
            return Err(invalid(format!(
                "« {champ} » n'est pas une décision du conseil"
            )));
        }
    })
}

/// A mention from its code (`felicitations`, …), or none from an empty text.
fn mention(code: &str) -> Result<Option<Mention>, ReplicaError> {
    if code.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_value(serde_json::Value::String(code.trim().to_owned()))
        .map(Some)
        .map_err(|_| {
            let codes: Vec<&str> = Mention::TOUTES.iter().map(|m| m.libelle()).collect();
            ReplicaError::Invalid(format!(
                "mention inconnue « {code} » : les mentions sont {}",
                codes.join(", ")
            ))
        })
}
