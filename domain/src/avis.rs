//! The French sentences that tell a person what became of their entry: written once, used by
//! the central (in its push replies) and by the replica (for facts that arrive later).

use crate::edit::Edit;
use crate::faits::{Combinaison, Fait, Issue};
use crate::heure::Heure;
use crate::presence::{AppelEtat, Presence};
use crate::school::{Fonction, Personnel};

impl Personnel {
    /// "M. Roux (CPE)", "Mme Martin (enseignante)": how a notice names someone.
    pub fn signature(&self) -> String {
        let role = match (self.fonction, self.civilite.as_str()) {
            (Fonction::Cpe, _) => "CPE",
            (Fonction::Direction, _) => "direction",
            (Fonction::Administrateur, "Mme") => "administratrice",
            (Fonction::Administrateur, _) => "administrateur",
            (Fonction::Enseignant, "Mme") => "enseignante",
            (Fonction::Enseignant, _) => "enseignant",
        };
        let nom = capitalised(&self.nom);
        format!("{} {nom} ({role})", self.civilite)
    }
}

/// The text with its first letter upper-cased ("Dispense de EPS…", "Roux").
pub fn capitalised(nom: &str) -> String {
    let lower = nom.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The pupil and séance a roll-call notice is about: "BERNARD Yanis", "6A", the séance's start.
#[derive(Debug, Clone)]
pub struct Contexte<'a> {
    pub eleve: &'a str,
    pub classe: &'a str,
    pub debut: Heure,
}

/// What a value says, in a person's words.
pub fn libelle_valeur(edit: &Edit) -> String {
    match edit {
        Edit::Presence { presence, .. } => libelle_presence(*presence),
        Edit::Fait { fait, .. } => libelle_fait(*fait),
        Edit::AppelEtat { etat, .. } => match etat {
            AppelEtat::NonFait => "appel non fait",
            AppelEtat::EnCours => "appel en cours",
            AppelEtat::Fait => "appel validé",
        }
        .to_owned(),
        Edit::Conseil { etat, .. } => match &etat.motif {
            Some(motif) if etat.etat == crate::ConseilEtat::EnSeance => {
                format!("conseil rouvert : « {} »", motif.as_str())
            }
            _ => format!("conseil {}", etat.etat.libelle()),
        },
        Edit::Decision { decision, .. } => libelle_decision(decision),
        Edit::Appreciation { texte, .. } => format!("« {} »", texte.as_str()),
        Edit::Devoir { devoir, .. } => format!("devoir « {} »", devoir.titre()),
        Edit::DevoirSupprime { .. } => "devoir supprimé".to_owned(),
        Edit::Note { note, .. } => note.map_or_else(|| "case vide".to_owned(), |n| n.libelle()),
        Edit::Item { item, .. } => format!("compétence « {} »", item.libelle()),
        Edit::ItemSupprime { .. } => "compétence supprimée".to_owned(),
        Edit::Evaluation { evaluation, .. } => {
            evaluation.map_or_else(|| "case vide".to_owned(), |e| e.libelle())
        }
        Edit::Positionnement { niveau, .. } => niveau.map_or_else(
            || "positionnement effacé".to_owned(),
            |n| format!("positionnement {} ({})", n as u8, n.libelle()),
        ),
        Edit::RetardJustifie { justification, .. }
        | Edit::AbsenceJustifiee { justification, .. } => justification.libelle(),
        Edit::Rapport { rapport, .. } => rapport.as_ref().map_or_else(
            || "rapport d'exclusion retiré".to_owned(),
            |r| format!("rapport d'exclusion « {} »", r.as_str()),
        ),
        Edit::Absence { absence, .. } => absence.libelle(),
        Edit::AbsenceSupprimee { .. } => "absence supprimée".to_owned(),
        Edit::Dispense { dispense, .. } => dispense.libelle(),
        Edit::DispenseSupprimee { .. } => "dispense supprimée".to_owned(),
        Edit::Reglages { .. } => "réglages de la vie scolaire".to_owned(),
        Edit::Notification { notification, .. } => {
            format!("notification à {}", notification.destinataires.join(", "))
        }
        Edit::Envoi { envoi, .. } => {
            format!("notification {}", envoi.etat.libelle().to_lowercase())
        }
    }
}

pub fn libelle_presence(presence: Presence) -> String {
    match presence {
        Presence::Retard { arrivee } => format!("Retard ({arrivee})"),
        other => other.libelle().to_owned(),
    }
}

pub fn libelle_fait(fait: Fait) -> String {
    match fait {
        Fait::Retard { arrivee } => format!("Retard (arrivée {arrivee})"),
        other => other.libelle().to_owned(),
    }
}

/// The notice a teacher reads when her mark is combined with a vie scolaire fact; `None` when
/// her mark simply stands.
pub fn avis_combinaison(
    observation: Presence,
    fait: Fait,
    combinaison: Combinaison,
    ctx: &Contexte<'_>,
    auteur_fait: &str,
    note_a: &str,
) -> Option<String> {
    let saisie = format!(
        "Votre saisie {} pour {} ({}, {})",
        libelle_presence(observation),
        ctx.eleve,
        ctx.classe,
        ctx.debut
    );
    let fait = libelle_fait(fait);
    Some(match combinaison.issue {
        Issue::Retenue => return None,
        Issue::NonRetenue => {
            format!("{saisie} n'a pas été retenue : {auteur_fait} a noté {fait} à {note_a}.")
        }
        Issue::Combinee => format!(
            "{saisie} est complétée : {auteur_fait} a noté {fait} à {note_a} ; la vie scolaire et les familles voient {}.",
            libelle_presence(combinaison.vu)
        ),
        Issue::AVerifier => format!(
            "{saisie} contredit ce que {auteur_fait} a noté à {note_a} ({fait}) : la vie scolaire vérifie."
        ),
    })
}

fn libelle_decision(decision: &crate::Decision) -> String {
    use crate::Decision;
    match decision {
        Decision::Appreciation(t) if t.as_str().is_empty() => {
            "appréciation générale effacée".into()
        }
        Decision::Appreciation(t) => format!("appréciation générale « {} »", t.as_str()),
        Decision::Mention(None) => "mention retirée".into(),
        Decision::Mention(Some(m)) => format!("mention « {} »", m.libelle()),
        Decision::Orientation(t) if t.as_str().is_empty() => "avis d'orientation effacé".into(),
        Decision::Orientation(t) => format!("avis d'orientation « {} »", t.as_str()),
        Decision::VieScolaire(t) if t.as_str().is_empty() => {
            "appréciation de vie scolaire effacée".into()
        }
        Decision::VieScolaire(t) => format!("appréciation de vie scolaire « {} »", t.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faits::combiner;

    #[test]
    fn the_notice_names_who_wrote_what_stands() {
        let roux = Personnel {
            id: "CPE1".into(),
            civilite: "M.".into(),
            nom: "ROUX".into(),
            prenom: "Julien".into(),
            fonction: Fonction::Cpe,
        };
        assert_eq!(roux.signature(), "M. Roux (CPE)");
        let ctx = Contexte {
            eleve: "BERNARD Yanis",
            classe: "6A",
            debut: Heure::new(10, 10).expect("valid"),
        };
        let c = combiner(Some(Presence::Absent), Fait::Infirmerie);
        assert_eq!(
            avis_combinaison(
                Presence::Absent,
                Fait::Infirmerie,
                c,
                &ctx,
                &roux.signature(),
                "10:14"
            )
            .as_deref(),
            Some(
                "Votre saisie Absent pour BERNARD Yanis (6A, 10:10) n'a pas été retenue : M. Roux (CPE) a noté Infirmerie à 10:14."
            )
        );
        let same = combiner(Some(Presence::Infirmerie), Fait::Infirmerie);
        assert_eq!(
            avis_combinaison(Presence::Infirmerie, Fait::Infirmerie, same, &ctx, "x", "y"),
            None
        );
    }
}
