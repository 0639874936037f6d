//! The gradebook as the teacher sees it: the rows the store reads, and the pure assembly of the
//! grid (pupils × devoirs of a period) with every average and statistic, computed by
//! `pupitre_domain::notes` (exact until display, rounded once).

use crate::error::ReplicaError;
use crate::views::EtatSync;
use chrono::NaiveDate;
use pupitre_domain::notes::{
    Centiemes, Moyenne, Poids, Somme, Statistiques, moyenne_generale, moyenne_matiere,
    statistiques, statistiques_devoir,
};
use pupitre_domain::school::{Sejour, inscrit_entre};
use pupitre_domain::{Devoir, Evaluation, Item, Niveau, Note};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

/// How the averages are computed, said once for the screen (GUIDE §2).
pub const REGLE_MOYENNE: &str = "Moyenne : chaque note ramenée sur 20, pondérée par le coefficient du devoir. ABS, DISP et NN ne comptent pas ; NR compte 0. Arrondi au centième, une seule fois, à l'affichage.";

/// A devoir as stored (deleted ones are not read).
#[derive(Debug, Clone)]
pub struct DevoirRow {
    pub service_id: String,
    pub devoir_id: String,
    pub devoir: Devoir,
    pub sync: EtatSync,
}

/// A mark as stored (`None`: a cell emptied).
#[derive(Debug, Clone)]
pub struct NoteRow {
    pub service_id: String,
    pub devoir_id: String,
    pub eleve_id: String,
    pub note: Option<Note>,
    pub sync: EtatSync,
}

/// A competency item as stored (deleted ones are not read).
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub service_id: String,
    pub item_id: String,
    pub item: Item,
    pub sync: EtatSync,
}

/// A level given on an item in a devoir (`None`: a cell emptied).
#[derive(Debug, Clone)]
pub struct EvaluationRow {
    pub service_id: String,
    pub devoir_id: String,
    pub item_id: String,
    pub eleve_id: String,
    pub evaluation: Option<Evaluation>,
    pub sync: EtatSync,
}

/// A positionnement a teacher typed (`None`: cleared).
#[derive(Debug, Clone)]
pub struct PositionnementRow {
    pub periode_id: String,
    pub service_id: String,
    pub eleve_id: String,
    pub niveau: Option<Niveau>,
    pub sync: EtatSync,
}

/// A pupil of a service.
#[derive(Debug, Clone)]
pub struct EleveRow {
    pub service_id: String,
    pub eleve_id: String,
    pub nom: String,
    pub prenom: String,
    pub division: String,
    pub date_entree: Option<NaiveDate>,
    pub date_sortie: Option<NaiveDate>,
    /// Her stay in the service's division (none for a group: there all year).
    pub dans_la_classe_depuis: Option<NaiveDate>,
    pub dans_la_classe_jusqu_au: Option<NaiveDate>,
}

impl EleveRow {
    /// Whether she is in the service's class on `date`: at the school, and in the division then.
    pub fn inscrit_le(&self, date: NaiveDate) -> bool {
        let stay = Sejour {
            division_id: String::new(),
            depuis: self.dans_la_classe_depuis,
            jusqu_au: self.dans_la_classe_jusqu_au,
        };
        inscrit_entre(self.date_entree, self.date_sortie, date) && stay.couvre(date)
    }
}

/// Everything a service's gradebook holds on this PC, read at once: what the grid shows and
/// what an edit is checked against.
#[derive(Debug, Clone)]
pub struct Gradebook {
    pub service: ServiceRow,
    pub devoirs: Vec<DevoirRow>,
    pub notes: Vec<NoteRow>,
    pub eleves: Vec<EleveRow>,
    pub items: Vec<ItemRow>,
    pub evaluations: Vec<EvaluationRow>,
    pub positionnements: Vec<PositionnementRow>,
    /// The councils known here to be closed: (période, division).
    pub clos: Vec<(String, String)>,
}

impl Gradebook {
    /// The code of a division of the service whose council is closed for the period, if one.
    pub fn verrouille(&self, periode_id: &str) -> Option<&str> {
        self.service
            .divisions
            .iter()
            .find(|(id, _)| self.clos.iter().any(|(p, d)| p == periode_id && d == id))
            .map(|(_, code)| code.as_str())
    }

    pub fn devoir(&self, devoir_id: &str) -> Option<&DevoirRow> {
        self.devoirs.iter().find(|d| d.devoir_id == devoir_id)
    }

    pub fn eleve(&self, eleve_id: &str) -> Option<&EleveRow> {
        self.eleves.iter().find(|e| e.eleve_id == eleve_id)
    }

    /// The mark in a cell, if one.
    pub fn note(&self, devoir_id: &str, eleve_id: &str) -> Option<Note> {
        self.notes
            .iter()
            .find(|n| n.devoir_id == devoir_id && n.eleve_id == eleve_id)
            .and_then(|n| n.note)
    }

    /// The grid for a period.
    pub fn view(&self, periode_id: &str) -> CarnetView {
        carnet(
            &self.service,
            periode_id,
            self.verrouille(periode_id).is_some(),
            &self.devoirs,
            &self.notes,
            &self.eleves,
        )
    }
}

/// A service with what its grid needs.
#[derive(Debug, Clone)]
pub struct ServiceRow {
    pub service_id: String,
    pub enseignant_id: String,
    pub cible: String,
    pub matiere: String,
    /// The subject's coefficient in the moyenne générale.
    pub coefficient: f64,
    /// The divisions its pupils belong to (whose councils lock it), as (id, code).
    pub divisions: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct StatsView {
    pub min: String,
    pub max: String,
    pub moyenne: String,
}

fn stats_view(s: Statistiques) -> StatsView {
    StatsView {
        min: s.min.arrondie(),
        max: s.max.arrondie(),
        moyenne: s.moyenne.arrondie(),
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DevoirView {
    pub id: String,
    pub titre: String,
    /// `YYYY-MM-DD`, and as shown: `05/10`.
    pub date: String,
    pub date_affichee: String,
    /// As a teacher writes them: `1`, `0,5`, `20`.
    pub coefficient: String,
    pub bareme: String,
    pub compte: bool,
    /// The competency items it evaluates.
    pub items: Vec<String>,
    pub sync: EtatSync,
    /// The class's minimum, maximum and average mark, in the devoir's points.
    pub stats: Option<StatsView>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CelluleView {
    /// As typed back: `12,5`, `ABS`; empty for no mark.
    pub texte: String,
    pub sync: EtatSync,
    /// False outside the pupil's dates (arrived later, left): no mark to give.
    pub saisissable: bool,
}

impl CelluleView {
    /// A cell from its stored value (`None`: none), sync state and whether it takes a value.
    pub fn of(texte: Option<String>, sync: Option<EtatSync>, saisissable: bool) -> CelluleView {
        CelluleView {
            texte: texte.unwrap_or_default(),
            sync: sync.unwrap_or(EtatSync::Aucun),
            saisissable,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LigneNotes {
    pub eleve_id: String,
    pub nom: String,
    pub prenom: String,
    pub division: String,
    /// "Arrivée le 01/12", "Partie le 16/10": why some cells take no mark.
    pub remarque: Option<String>,
    pub cellules: Vec<CelluleView>,
    /// The period's subject average, out of 20; `None` shows "—".
    pub moyenne: Option<String>,
}

/// A service's grid for one period.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CarnetView {
    pub service_id: String,
    pub cible: String,
    pub matiere: String,
    pub periode_id: String,
    /// Some council of the service's divisions is closed for the period: nothing can change.
    pub verrouille: bool,
    pub devoirs: Vec<DevoirView>,
    pub lignes: Vec<LigneNotes>,
    /// Minimum, maximum and average of the pupils' averages.
    pub classe: Option<StatsView>,
    pub regle: String,
}

/// The devoirs of `periode_id` among `devoirs`, by date then title.
fn of_period<'a>(
    devoirs: impl IntoIterator<Item = &'a DevoirRow>,
    periode_id: &str,
) -> Vec<&'a DevoirRow> {
    let mut of: Vec<&DevoirRow> = devoirs
        .into_iter()
        .filter(|d| d.devoir.periode_id() == periode_id)
        .collect();
    of.sort_by(|a, b| {
        (a.devoir.date(), a.devoir.titre(), &a.devoir_id).cmp(&(
            b.devoir.date(),
            b.devoir.titre(),
            &b.devoir_id,
        ))
    });
    of
}

/// Marks by (devoir, pupil).
fn by_cell(notes: &[NoteRow]) -> HashMap<(&str, &str), &NoteRow> {
    notes
        .iter()
        .map(|n| ((n.devoir_id.as_str(), n.eleve_id.as_str()), n))
        .collect()
}

/// A pupil's subject average over `devoirs` (only the cells she could have a mark in).
fn moyenne_of(
    devoirs: &[&DevoirRow],
    cells: &HashMap<(&str, &str), &NoteRow>,
    eleve: &EleveRow,
) -> Option<Moyenne> {
    let marks: Vec<_> = devoirs
        .iter()
        .filter_map(|d| {
            let note = cells
                .get(&(d.devoir_id.as_str(), eleve.eleve_id.as_str()))?
                .note?;
            Some((d.devoir.poids(), note))
        })
        .collect();
    moyenne_matiere(&marks)
}

/// The grid of `service` for `periode_id`: `devoirs`, `notes` and `eleves` are the service's.
pub fn carnet(
    service: &ServiceRow,
    periode_id: &str,
    verrouille: bool,
    devoirs: &[DevoirRow],
    notes: &[NoteRow],
    eleves: &[EleveRow],
) -> CarnetView {
    let devoirs = of_period(devoirs, periode_id);
    let cells = by_cell(notes);
    let lignes: Vec<(LigneNotes, Option<Moyenne>)> = eleves
        .iter()
        .map(|e| {
            let cellules = devoirs
                .iter()
                .map(|d| {
                    let cell = cells.get(&(d.devoir_id.as_str(), e.eleve_id.as_str()));
                    CelluleView::of(
                        cell.and_then(|c| c.note).map(Note::libelle),
                        cell.map(|c| c.sync),
                        e.inscrit_le(d.devoir.date()),
                    )
                })
                .collect();
            let moyenne = moyenne_of(&devoirs, &cells, e);
            let ligne = LigneNotes {
                eleve_id: e.eleve_id.clone(),
                nom: e.nom.clone(),
                prenom: e.prenom.clone(),
                division: e.division.clone(),
                remarque: remarque(e),
                cellules,
                moyenne: moyenne.as_ref().map(Moyenne::arrondie),
            };
            (ligne, moyenne)
        })
        .collect();
    let classe = statistiques(&lignes.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>());
    let devoirs = devoirs
        .iter()
        .map(|d| {
            let marks: Vec<Note> = eleves
                .iter()
                .filter_map(|e| {
                    cells
                        .get(&(d.devoir_id.as_str(), e.eleve_id.as_str()))?
                        .note
                })
                .collect();
            DevoirView {
                id: d.devoir_id.clone(),
                titre: d.devoir.titre().to_owned(),
                date: d.devoir.date().to_string(),
                date_affichee: d.devoir.date().format("%d/%m").to_string(),
                coefficient: d.devoir.coefficient().to_string(),
                bareme: d.devoir.bareme().to_string(),
                compte: d.devoir.compte(),
                items: d.devoir.items().to_vec(),
                sync: d.sync,
                stats: statistiques_devoir(&marks).map(stats_view),
            }
        })
        .collect();
    CarnetView {
        service_id: service.service_id.clone(),
        cible: service.cible.clone(),
        matiere: service.matiere.clone(),
        periode_id: periode_id.to_owned(),
        verrouille,
        devoirs,
        lignes: lignes.into_iter().map(|(l, _)| l).collect(),
        classe: classe.map(stats_view),
        regle: REGLE_MOYENNE.to_owned(),
    }
}

/// Why some of her cells take nothing: she left the school or the class, or arrived later.
pub(crate) fn remarque(e: &EleveRow) -> Option<String> {
    let fr = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    match (
        e.date_entree,
        e.date_sortie,
        e.dans_la_classe_depuis,
        e.dans_la_classe_jusqu_au,
    ) {
        (_, Some(sortie), _, _) => Some(format!("Sortie le {}", fr(sortie))),
        (_, _, _, Some(parti)) => Some(format!("Passée en {} après le {}", e.division, fr(parti))),
        (_, _, Some(arrive), None) => Some(format!("Dans la classe depuis le {}", fr(arrive))),
        (Some(entree), None, None, None) => Some(format!("Arrivée le {}", fr(entree))),
        (None, None, None, None) => None,
    }
}

/// Every pupil's averages for a period: per service, and the moyenne générale.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MoyennesEleve {
    pub eleve_id: String,
    /// (service id, average out of 20 or `None`).
    pub matieres: Vec<(String, Option<String>)>,
    pub generale: Option<String>,
}

/// The averages of a whole replica for a period (what a council and the bulletins read), and
/// the class statistics of each service.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MoyennesPeriode {
    pub eleves: Vec<MoyennesEleve>,
    /// (service id, min/max/average of its pupils' averages).
    pub services: Vec<(String, Option<StatsView>)>,
}

/// Every pupil's averages for some periods, per service, the moyennes générales and each
/// service's class statistics. `scan` hands every mark here to its callback once (the store
/// reads them in place): each is summed straight into its pupil's subject average
/// (`notes::Somme`), so that a school's year takes no map of its cells.
pub fn moyennes(
    periodes: &[String],
    services: &[ServiceRow],
    devoirs: &[DevoirRow],
    eleves: &[EleveRow],
    scan: impl FnOnce(&mut dyn FnMut(&str, &str, &str, Option<Note>)) -> Result<(), ReplicaError>,
) -> Result<Vec<MoyennesPeriode>, ReplicaError> {
    // Which period and weight each devoir counts in, by service then devoir.
    let mut weights: FxHashMap<&str, FxHashMap<&str, (usize, Poids)>> = FxHashMap::default();
    for d in devoirs {
        if let Some(p) = periodes.iter().position(|p| p == d.devoir.periode_id()) {
            weights
                .entry(d.service_id.as_str())
                .or_default()
                .insert(d.devoir_id.as_str(), (p, d.devoir.poids()));
        }
    }
    // One slot per (service, pupil): a sum per period.
    let mut slots: FxHashMap<&str, FxHashMap<&str, usize>> = FxHashMap::default();
    for (i, e) in eleves.iter().enumerate() {
        slots
            .entry(e.service_id.as_str())
            .or_default()
            .insert(e.eleve_id.as_str(), i);
    }
    let mut sums = vec![vec![Somme::default(); periodes.len()]; eleves.len()];
    scan(&mut |service, devoir, eleve, note| {
        let (Some((p, poids)), Some(&slot), Some(note)) = (
            weights.get(service).and_then(|w| w.get(devoir)),
            slots.get(service).and_then(|s| s.get(eleve)),
            note,
        ) else {
            return;
        };
        sums[slot][*p].ajouter(*poids, note);
    })?;
    Ok((0..periodes.len())
        .map(|p| period_averages(p, services, eleves, &sums))
        .collect())
}

/// The averages of period `p` from the sums of every (service, pupil) slot.
fn period_averages(
    p: usize,
    services: &[ServiceRow],
    eleves: &[EleveRow],
    sums: &[Vec<Somme>],
) -> MoyennesPeriode {
    // Each pupil's (service, average).
    let mut by_pupil: HashMap<&str, Vec<(String, Option<Moyenne>)>> = HashMap::new();
    let mut stats = Vec::new();
    let mut of_service: HashMap<&str, Vec<Option<Moyenne>>> = HashMap::new();
    for (i, e) in eleves.iter().enumerate() {
        let m = sums[i][p].moyenne();
        of_service
            .entry(e.service_id.as_str())
            .or_default()
            .push(m.clone());
        by_pupil
            .entry(e.eleve_id.as_str())
            .or_default()
            .push((e.service_id.clone(), m));
    }
    let coefficients: HashMap<&str, Centiemes> = services
        .iter()
        .map(|s| {
            let c = Centiemes((s.coefficient * 100.0).round().max(0.0) as u32);
            (s.service_id.as_str(), c)
        })
        .collect();
    for service in services {
        let averages = of_service
            .get(service.service_id.as_str())
            .map_or(&[][..], Vec::as_slice);
        stats.push((
            service.service_id.clone(),
            statistiques(averages).map(stats_view),
        ));
    }
    let mut eleves: Vec<MoyennesEleve> = by_pupil
        .into_iter()
        .map(|(eleve_id, matieres)| {
            let weighed: Vec<(Option<Moyenne>, Centiemes)> = matieres
                .iter()
                .map(|(s, m)| {
                    let c = coefficients
                        .get(s.as_str())
                        .copied()
                        .unwrap_or(Centiemes(0));
                    (m.clone(), c)
                })
                .collect();
            MoyennesEleve {
                eleve_id: eleve_id.to_owned(),
                generale: moyenne_generale(&weighed).as_ref().map(Moyenne::arrondie),
                matieres: matieres
                    .into_iter()
                    .map(|(s, m)| (s, m.as_ref().map(Moyenne::arrondie)))
                    .collect(),
            }
        })
        .collect();
    eleves.sort_by(|a, b| a.eleve_id.cmp(&b.eleve_id));
    MoyennesPeriode {
        eleves,
        services: stats,
    }
}
