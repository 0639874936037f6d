//! Competencies as the teacher and the families see them: the evaluation grid of a service for a
//! period (pupils × the items its devoirs evaluate, then the positionnement, typed or proposed)
//! and a pupil's bilan (each component of the socle, in words and symbols that print in black
//! and white). Pure assembly of the rows `crate::carnet` holds; the rules are
//! `pupitre_domain::competences`.

use crate::carnet::{
    CelluleView, DevoirRow, EleveRow, EvaluationRow, Gradebook, ItemRow, PositionnementRow,
    ServiceRow,
};
use crate::views::EtatSync;
use pupitre_domain::competences::{COMPOSANTES, REGLE_POSITIONNEMENT, suggestion};
use pupitre_domain::{Evaluation, Niveau};
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct ItemView {
    pub id: String,
    pub libelle: String,
    /// The LSU code of its component, and the component in words.
    pub composante: String,
    pub composante_libelle: String,
    pub sync: EtatSync,
}

/// One column of the evaluation grid: an item evaluated in a devoir.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ColonneCompetence {
    pub devoir_id: String,
    pub devoir: String,
    pub date_affichee: String,
    pub item_id: String,
    pub item: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PositionnementView {
    /// What the teacher typed, `1`–`4`.
    pub saisi: Option<String>,
    /// What the period's evaluations suggest (shown when nothing is typed; never stored).
    pub propose: Option<String>,
    /// The level shown (typed, else proposed), in words.
    pub libelle: Option<String>,
    pub sync: EtatSync,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LigneCompetences {
    pub eleve_id: String,
    pub nom: String,
    pub prenom: String,
    pub division: String,
    pub remarque: Option<String>,
    pub cellules: Vec<CelluleView>,
    pub positionnement: PositionnementView,
}

/// A component of the socle, for the item form.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ComposanteChoix {
    pub code: String,
    pub libelle: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CompetencesView {
    pub service_id: String,
    pub cible: String,
    pub matiere: String,
    pub periode_id: String,
    pub verrouille: bool,
    pub items: Vec<ItemView>,
    pub colonnes: Vec<ColonneCompetence>,
    pub lignes: Vec<LigneCompetences>,
    pub composantes: Vec<ComposanteChoix>,
    pub regle: String,
}

fn niveau_text(n: Niveau) -> String {
    (n as u8).to_string()
}

fn item_view(i: &ItemRow) -> ItemView {
    ItemView {
        id: i.item_id.clone(),
        libelle: i.item.libelle().to_owned(),
        composante: i.item.composante().code().to_owned(),
        composante_libelle: i.item.composante().libelle().to_owned(),
        sync: i.sync,
    }
}

/// Evaluations by (devoir, item, pupil).
fn by_cell(evaluations: &[EvaluationRow]) -> HashMap<(&str, &str, &str), &EvaluationRow> {
    evaluations
        .iter()
        .map(|e| {
            (
                (
                    e.devoir_id.as_str(),
                    e.item_id.as_str(),
                    e.eleve_id.as_str(),
                ),
                e,
            )
        })
        .collect()
}

/// The (devoir, item) columns of a period: each devoir's items, devoirs by date.
fn columns<'a>(
    devoirs: &'a [DevoirRow],
    items: &'a [ItemRow],
    periode_id: &str,
) -> Vec<(&'a DevoirRow, &'a ItemRow)> {
    let mut of: Vec<&DevoirRow> = devoirs
        .iter()
        .filter(|d| d.devoir.periode_id() == periode_id)
        .collect();
    of.sort_by(|a, b| {
        (a.devoir.date(), a.devoir.titre()).cmp(&(b.devoir.date(), b.devoir.titre()))
    });
    of.into_iter()
        .flat_map(|d| {
            d.devoir.items().iter().filter_map(move |id| {
                items
                    .iter()
                    .find(|i| i.service_id == d.service_id && &i.item_id == id)
                    .map(|i| (d, i))
            })
        })
        .collect()
}

/// The positionnement of a pupil: typed, or proposed from the evaluations in `cells` of `cols`.
fn positionnement(
    typed: Option<&PositionnementRow>,
    eleve: &EleveRow,
    cols: &[(&DevoirRow, &ItemRow)],
    cells: &HashMap<(&str, &str, &str), &EvaluationRow>,
) -> PositionnementView {
    let evaluations: Vec<Evaluation> = cols
        .iter()
        .filter_map(|(d, i)| {
            cells
                .get(&(
                    d.devoir_id.as_str(),
                    i.item_id.as_str(),
                    eleve.eleve_id.as_str(),
                ))?
                .evaluation
        })
        .collect();
    let propose = suggestion(&evaluations);
    let saisi = typed.and_then(|p| p.niveau);
    PositionnementView {
        saisi: saisi.map(niveau_text),
        propose: propose.map(niveau_text),
        libelle: saisi.or(propose).map(|n| n.libelle().to_owned()),
        sync: typed.map_or(EtatSync::Aucun, |p| p.sync),
    }
}

impl Gradebook {
    /// The evaluation grid for a period.
    pub fn competences(&self, periode_id: &str) -> CompetencesView {
        let cols = columns(&self.devoirs, &self.items, periode_id);
        let cells = by_cell(&self.evaluations);
        let lignes = self
            .eleves
            .iter()
            .map(|e| {
                let cellules = cols
                    .iter()
                    .map(|(d, i)| {
                        let cell = cells.get(&(
                            d.devoir_id.as_str(),
                            i.item_id.as_str(),
                            e.eleve_id.as_str(),
                        ));
                        CelluleView::of(
                            cell.and_then(|c| c.evaluation).map(Evaluation::libelle),
                            cell.map(|c| c.sync),
                            e.inscrit_le(d.devoir.date()),
                        )
                    })
                    .collect();
                let typed = self
                    .positionnements
                    .iter()
                    .find(|p| p.periode_id == periode_id && p.eleve_id == e.eleve_id);
                LigneCompetences {
                    eleve_id: e.eleve_id.clone(),
                    nom: e.nom.clone(),
                    prenom: e.prenom.clone(),
                    division: e.division.clone(),
                    remarque: crate::carnet::remarque(e),
                    cellules,
                    positionnement: positionnement(typed, e, &cols, &cells),
                }
            })
            .collect();
        CompetencesView {
            service_id: self.service.service_id.clone(),
            cible: self.service.cible.clone(),
            matiere: self.service.matiere.clone(),
            periode_id: periode_id.to_owned(),
            verrouille: self.verrouille(periode_id).is_some(),
            items: self.items.iter().map(item_view).collect(),
            colonnes: cols
                .iter()
                .map(|(d, i)| ColonneCompetence {
                    devoir_id: d.devoir_id.clone(),
                    devoir: d.devoir.titre().to_owned(),
                    date_affichee: d.devoir.date().format("%d/%m").to_string(),
                    item_id: i.item_id.clone(),
                    item: i.item.libelle().to_owned(),
                })
                .collect(),
            lignes,
            composantes: COMPOSANTES
                .iter()
                .map(|c| ComposanteChoix {
                    code: c.code().to_owned(),
                    libelle: c.libelle().to_owned(),
                })
                .collect(),
            regle: REGLE_POSITIONNEMENT.to_owned(),
        }
    }

    pub fn item(&self, item_id: &str) -> Option<&ItemRow> {
        self.items.iter().find(|i| i.item_id == item_id)
    }

    /// The level in a cell, if one.
    pub fn evaluation(&self, devoir_id: &str, item_id: &str, eleve_id: &str) -> Option<Evaluation> {
        self.evaluations
            .iter()
            .find(|e| e.devoir_id == devoir_id && e.item_id == item_id && e.eleve_id == eleve_id)
            .and_then(|e| e.evaluation)
    }

    /// The positionnement typed for a pupil, if one.
    pub fn positionnement(&self, periode_id: &str, eleve_id: &str) -> Option<Niveau> {
        self.positionnements
            .iter()
            .find(|p| p.periode_id == periode_id && p.eleve_id == eleve_id)
            .and_then(|p| p.niveau)
    }
}

/// A component of the socle in a pupil's bilan.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ComposanteBilan {
    pub code: String,
    pub libelle: String,
    /// `1`–`4`, `None`: not evaluated this period.
    pub niveau: Option<u8>,
    /// In words ("Maîtrise satisfaisante", "Non évaluée") and in filled squares ("■■■□"): both
    /// read in black and white.
    pub mots: String,
    pub symbole: String,
    pub evaluations: u32,
}

/// A subject's positionnement in a pupil's bilan.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MatiereBilan {
    pub matiere: String,
    pub niveau: Option<u8>,
    pub mots: String,
    /// Typed by the teacher, or only proposed.
    pub propose: bool,
}

/// What a parent reads of a pupil's competencies for a period.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BilanView {
    pub eleve_id: String,
    pub nom: String,
    pub prenom: String,
    pub division: String,
    pub periode_id: String,
    pub composantes: Vec<ComposanteBilan>,
    pub matieres: Vec<MatiereBilan>,
    pub regle: String,
}

/// Everything a replica holds of one pupil's competencies, across services.
pub struct BilanRows<'a> {
    pub eleve: &'a EleveRow,
    pub services: &'a [ServiceRow],
    pub devoirs: &'a [DevoirRow],
    pub items: &'a [ItemRow],
    pub evaluations: &'a [EvaluationRow],
    pub positionnements: &'a [PositionnementRow],
}

fn mots(n: Option<Niveau>) -> (String, String) {
    match n {
        Some(n) => (n.libelle().to_owned(), n.symbole()),
        None => ("Non évaluée".to_owned(), "—".to_owned()),
    }
}

/// A pupil's bilan for a period: each component's level from every evaluation of an item under
/// it (the positionnement rule), and each subject's positionnement.
pub fn bilan(rows: &BilanRows<'_>, periode_id: &str) -> BilanView {
    let eleve = rows.eleve;
    let cells = by_cell(rows.evaluations);
    let cols = columns(rows.devoirs, rows.items, periode_id);
    let of_pupil = |d: &DevoirRow, i: &ItemRow| {
        cells
            .get(&(
                d.devoir_id.as_str(),
                i.item_id.as_str(),
                eleve.eleve_id.as_str(),
            ))
            .and_then(|c| c.evaluation)
    };
    let composantes = COMPOSANTES
        .iter()
        .map(|c| {
            let evaluations: Vec<Evaluation> = cols
                .iter()
                .filter(|(_, i)| i.item.composante() == *c)
                .filter_map(|(d, i)| of_pupil(d, i))
                .collect();
            let niveau = suggestion(&evaluations);
            let (mots, symbole) = mots(niveau);
            ComposanteBilan {
                code: c.code().to_owned(),
                libelle: c.libelle().to_owned(),
                niveau: niveau.map(u8::from),
                mots,
                symbole,
                evaluations: evaluations.len() as u32,
            }
        })
        .collect();
    let matieres = rows
        .services
        .iter()
        .filter_map(|s| {
            let of_service: Vec<_> = cols
                .iter()
                .filter(|(d, _)| d.service_id == s.service_id)
                .copied()
                .collect();
            let typed = rows.positionnements.iter().find(|p| {
                p.service_id == s.service_id
                    && p.periode_id == periode_id
                    && p.eleve_id == eleve.eleve_id
            });
            let p = positionnement(typed, eleve, &of_service, &cells);
            let shown = p.saisi.as_ref().or(p.propose.as_ref())?;
            let niveau = shown.parse::<u8>().ok();
            Some(MatiereBilan {
                matiere: s.matiere.clone(),
                niveau,
                mots: p.libelle.clone().unwrap_or_default(),
                propose: p.saisi.is_none(),
            })
        })
        .collect();
    BilanView {
        eleve_id: eleve.eleve_id.clone(),
        nom: eleve.nom.clone(),
        prenom: eleve.prenom.clone(),
        division: eleve.division.clone(),
        periode_id: periode_id.to_owned(),
        composantes,
        matieres,
        regle: REGLE_POSITIONNEMENT.to_owned(),
    }
}
