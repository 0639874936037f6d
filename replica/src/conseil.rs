//! A class council's page for a division and period, assembled from what this PC holds (pure):
//! per pupil, every subject's average beside the class minimum, maximum and average, its
//! positionnement and appreciation, the moyenne générale, the demi-journées and lateness of the
//! period, and what the council decides. The council screen, the bulletins, the LSU export and
//! the council's CSV all read this one view.

use crate::carnet::{MoyennesPeriode, StatsView};
use crate::vie_scolaire::{self, BilanVieScolaire, Rows};
use pupitre_domain::conseil::avec_avis_orientation;
use pupitre_domain::{Cible, ConseilEtat, EtatConseil, Mention, Niveau, Periode};
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

/// What this PC holds of one pupil's decisions (record `decision`).
#[derive(Debug, Clone, Default)]
pub struct DecisionsRow {
    pub appreciation: String,
    pub mention: Option<Mention>,
    pub orientation: String,
    pub vie_scolaire: String,
    /// Her decisions' fields in an open conflict (both versions kept for a person).
    pub conflits: u32,
    /// Her decisions not yet acknowledged by the central.
    pub en_attente: u32,
}

/// The rows a council's page is made of.
pub struct ConseilRows<'a> {
    pub vie: &'a Rows,
    pub periode: &'a Periode,
    pub division_id: &'a str,
    pub etat: EtatConseil,
    pub moyennes: &'a MoyennesPeriode,
    /// (service, pupil) → text.
    pub appreciations: HashMap<(String, String), String>,
    /// (service, pupil) → the positionnement typed by the teacher.
    pub positionnements: HashMap<(String, String), Niveau>,
    /// pupil → her decisions.
    pub decisions: HashMap<String, DecisionsRow>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct MatiereConseilView {
    pub service_id: String,
    pub matiere: String,
    /// The subject's national code (BCN), for the LSU: the service's, from STS-Web, which the
    /// import takes only when the imported nomenclature holds it.
    pub code: String,
    pub enseignant: String,
    pub enseignant_id: String,
    /// The class's minimum, maximum and average of the subject's averages.
    pub classe: Option<StatsView>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct MatiereEleveView {
    pub service_id: String,
    pub moyenne: Option<String>,
    pub positionnement: Option<u8>,
    pub appreciation: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct EleveConseilView {
    pub eleve_id: String,
    pub nom: String,
    pub prenom: String,
    /// One per subject of `ConseilView::matieres` she takes, in that order.
    pub matieres: Vec<MatiereEleveView>,
    pub generale: Option<String>,
    pub vie_scolaire: BilanVieScolaire,
    pub appreciation: String,
    pub mention: Option<Mention>,
    pub orientation: String,
    pub appreciation_vie_scolaire: String,
    pub conflits: u32,
    pub en_attente: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct MentionView {
    pub mention: Mention,
    pub libelle: String,
}

/// One subject's progress before the council.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProgressionView {
    pub service_id: String,
    pub matiere: String,
    pub enseignant: String,
    /// `NOM Prénom` of the pupils without an appreciation.
    pub sans_appreciation: Vec<String>,
    pub sans_positionnement: Vec<String>,
}

/// A council of the period as the list shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConseilLigne {
    pub division_id: String,
    pub division: String,
    pub etat: ConseilEtat,
    pub reouvertures: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ConseilView {
    /// "Collège Jean-Moulin (0670639F) — Strasbourg".
    pub etablissement: String,
    pub periode_id: String,
    pub periode: String,
    pub debut: String,
    pub fin: String,
    pub division_id: String,
    pub division: String,
    pub niveau: String,
    pub etat: ConseilEtat,
    pub reouvertures: u32,
    /// The reason of the last reopening, if it was reopened.
    pub motif_reouverture: Option<String>,
    /// 3e and seconde: the council gives an avis d'orientation.
    pub avec_orientation: bool,
    pub matieres: Vec<MatiereConseilView>,
    pub eleves: Vec<EleveConseilView>,
    pub mentions: Vec<MentionView>,
    /// Before the council: per subject, the pupils still without an appreciation or a
    /// positionnement, and whose subject it is.
    pub progression: Vec<ProgressionView>,
    /// What the person here may do (set by the session from `droits`).
    pub peut_conduire: bool,
    pub peut_rouvrir: bool,
    pub peut_decider: bool,
    pub peut_ecrire_vie_scolaire: bool,
}

/// The council's page; `None` when the division is not on this PC.
pub fn conseil(rows: &ConseilRows<'_>) -> Option<ConseilView> {
    let school = &rows.vie.school;
    let division = school.divisions.iter().find(|d| d.id == rows.division_id)?;
    let mut eleves: Vec<&pupitre_domain::Eleve> = school
        .eleves
        .iter()
        .filter(|e| {
            e.dans_la_cible_pendant(&Cible::Division(rows.division_id.to_owned()), rows.periode)
        })
        .collect();
    eleves.sort_by(|a, b| (&a.nom, &a.prenom, &a.id).cmp(&(&b.nom, &b.prenom, &b.id)));
    let matieres = matieres(rows, &eleves);
    let averages: HashMap<&str, &crate::carnet::MoyennesEleve> = rows
        .moyennes
        .eleves
        .iter()
        .map(|m| (m.eleve_id.as_str(), m))
        .collect();
    let index = rows.vie.index();
    let eleves: Vec<EleveConseilView> = eleves
        .into_iter()
        .map(|e| {
            eleve_view(
                rows,
                &index,
                &matieres,
                averages.get(e.id.as_str()).copied(),
                e,
            )
        })
        .collect();
    let progression = progression(&matieres, &eleves);
    let et = &school.etablissement;
    Some(ConseilView {
        etablissement: match et.commune.trim() {
            "" => format!("{} ({})", et.nom, et.uai),
            commune => format!("{} ({}) — {commune}", et.nom, et.uai),
        },
        periode_id: rows.periode.id.clone(),
        periode: rows.periode.libelle.clone(),
        debut: rows.periode.debut.to_string(),
        fin: rows.periode.fin.to_string(),
        division_id: division.id.clone(),
        division: division.code.clone(),
        niveau: division.niveau.clone(),
        etat: rows.etat.etat,
        reouvertures: rows.etat.reouvertures,
        motif_reouverture: rows.etat.motif.as_ref().map(|m| m.as_str().to_owned()),
        avec_orientation: avec_avis_orientation(&division.niveau),
        matieres,
        eleves,
        progression,
        mentions: Mention::TOUTES
            .iter()
            .map(|&mention| MentionView {
                mention,
                libelle: mention.libelle().to_owned(),
            })
            .collect(),
        peut_conduire: false,
        peut_rouvrir: false,
        peut_decider: false,
        peut_ecrire_vie_scolaire: false,
    })
}

/// The subjects of the council: the division's services and the groups its pupils are in, by
/// subject name.
fn matieres(rows: &ConseilRows<'_>, eleves: &[&pupitre_domain::Eleve]) -> Vec<MatiereConseilView> {
    let school = &rows.vie.school;
    let stats: HashMap<&str, &Option<StatsView>> = rows
        .moyennes
        .services
        .iter()
        .map(|(s, st)| (s.as_str(), st))
        .collect();
    let mut out: Vec<MatiereConseilView> = school
        .services
        .iter()
        .filter(|s| match &s.cible {
            Cible::Division(d) => d == rows.division_id,
            Cible::Groupe(g) => eleves.iter().any(|e| e.groupe_ids.contains(g)),
            Cible::Etablissement | Cible::VieScolaire => false,
        })
        .map(|s| {
            let matiere = school.matieres.iter().find(|m| m.code == s.matiere_code);
            let prof = school.personnels.iter().find(|p| p.id == s.enseignant_id);
            MatiereConseilView {
                service_id: s.id.clone(),
                matiere: matiere.map_or_else(|| s.matiere_code.clone(), |m| m.libelle.clone()),
                code: s.matiere_code.clone(),
                enseignant: prof.map_or_else(String::new, |p| {
                    format!("{} {} {}", p.civilite, p.prenom, p.nom)
                }),
                enseignant_id: s.enseignant_id.clone(),
                classe: stats.get(s.id.as_str()).and_then(|s| (*s).clone()),
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.matiere, &a.service_id).cmp(&(&b.matiere, &b.service_id)));
    out
}

/// Per subject, the pupils taking it who still lack an appreciation or a positionnement.
fn progression(
    matieres: &[MatiereConseilView],
    eleves: &[EleveConseilView],
) -> Vec<ProgressionView> {
    matieres
        .iter()
        .map(|m| {
            let lignes = || {
                eleves.iter().filter_map(|e| {
                    let l = e.matieres.iter().find(|l| l.service_id == m.service_id)?;
                    Some((format!("{} {}", e.nom, e.prenom), l))
                })
            };
            ProgressionView {
                service_id: m.service_id.clone(),
                matiere: m.matiere.clone(),
                enseignant: m.enseignant.clone(),
                sans_appreciation: lignes()
                    .filter(|(_, l)| l.appreciation.is_empty())
                    .map(|(n, _)| n)
                    .collect(),
                sans_positionnement: lignes()
                    .filter(|(_, l)| l.positionnement.is_none())
                    .map(|(n, _)| n)
                    .collect(),
            }
        })
        .collect()
}

fn eleve_view(
    rows: &ConseilRows<'_>,
    index: &vie_scolaire::Index<'_>,
    matieres: &[MatiereConseilView],
    moyennes: Option<&crate::carnet::MoyennesEleve>,
    e: &pupitre_domain::Eleve,
) -> EleveConseilView {
    let school = &rows.vie.school;
    let decisions = rows.decisions.get(&e.id).cloned().unwrap_or_default();
    let key = |service: &str| (service.to_owned(), e.id.clone());
    let suit = |service_id: &str| {
        school
            .services
            .iter()
            .find(|s| s.id == service_id)
            .is_some_and(|s| match &s.cible {
                Cible::Groupe(g) => e.groupe_ids.contains(g),
                _ => true,
            })
    };
    EleveConseilView {
        eleve_id: e.id.clone(),
        nom: e.nom.clone(),
        prenom: e.prenom.clone(),
        matieres: matieres
            .iter()
            .filter(|m| suit(&m.service_id))
            .map(|m| MatiereEleveView {
                service_id: m.service_id.clone(),
                moyenne: moyennes.and_then(|a| {
                    a.matieres
                        .iter()
                        .find(|(s, _)| *s == m.service_id)
                        .and_then(|(_, v)| v.clone())
                }),
                positionnement: rows
                    .positionnements
                    .get(&key(&m.service_id))
                    .map(|n| *n as u8),
                appreciation: rows
                    .appreciations
                    .get(&key(&m.service_id))
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect(),
        generale: moyennes.and_then(|a| a.generale.clone()),
        vie_scolaire: vie_scolaire::bilan_vie_scolaire(
            rows.vie,
            index,
            &e.id,
            rows.periode.debut,
            rows.periode.fin,
        ),
        appreciation: decisions.appreciation,
        mention: decisions.mention,
        orientation: decisions.orientation,
        appreciation_vie_scolaire: decisions.vie_scolaire,
        conflits: decisions.conflits,
        en_attente: decisions.en_attente,
    }
}
