//! The draft of the head's report to the DASEN for a pupil who reached the L131-8 threshold in
//! a month, as an A4 PDF (printpdf, with DejaVu Sans embedded so that every accent prints). A
//! person reviews it, completes the steps taken, signs and sends it: Pupitre sends nothing.

pub use crate::document::Contenu;
use crate::vie_scolaire::{NotificationRow, Rows};
use chrono::{Datelike, NaiveDate};
use pupitre_domain::demi_journees::{self, Moitie};

#[derive(Debug, thiserror::Error)]
pub enum SignalementError {
    #[error("cet élève n'est pas sur ce poste")]
    EleveInconnu,
    #[error("le document n'a pas pu être composé : {0}")]
    Pdf(String),
}

fn mois_libelle(premier: NaiveDate) -> String {
    const MOIS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    format!("{} {}", MOIS[premier.month0() as usize], premier.year())
}

type Lignes = Vec<(bool, String)>;

/// The report's text for `eleve_id` in the month beginning on `premier`.
pub fn contenu(
    rows: &Rows,
    notifications: &[NotificationRow],
    eleve_id: &str,
    premier: NaiveDate,
) -> Result<Contenu, SignalementError> {
    let dernier = premier
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(premier);
    let mut lignes = entete(rows, eleve_id)?;
    lignes.extend(absences_du_mois(rows, eleve_id, premier, dernier));
    lignes.extend(demarches(notifications, eleve_id, premier, dernier));
    Ok(Contenu::de_lignes(
        format!(
            "Signalement au DASEN — absentéisme scolaire (article L131-8 du Code de l'éducation) — {}",
            mois_libelle(premier)
        ),
        lignes,
    ))
}

/// The school, the pupil and her legal guardians.
fn entete(rows: &Rows, eleve_id: &str) -> Result<Lignes, SignalementError> {
    let school = &rows.school;
    let e = school
        .eleves
        .iter()
        .find(|e| e.id == eleve_id)
        .ok_or(SignalementError::EleveInconnu)?;
    let division = school
        .divisions
        .iter()
        .find(|d| d.id == e.division_id)
        .map_or(e.division_id.as_str(), |d| d.code.as_str());
    let et = &school.etablissement;
    // The replica of the vie scolaire holds the pupils' INE and birth dates (`Scope::view_of`).
    let etat_civil = school.etats_civils.iter().find(|c| c.eleve_id == eleve_id);
    let naissance = etat_civil.map_or_else(
        || "date de naissance inconnue".to_owned(),
        |c| format!("né(e) le {}", c.date_naissance.format("%d/%m/%Y")),
    );
    let ine = etat_civil.map_or("inconnu", |c| c.ine.as_str());
    let mut l: Lignes = vec![
        (true, format!("{} ({}) — {}", et.nom, et.uai, et.commune)),
        (false, String::new()),
        (true, "Élève".into()),
        (
            false,
            format!(
                "{} {}, {naissance}, classe {division}, INE {ine}",
                e.nom, e.prenom
            ),
        ),
    ];
    for r in school
        .responsables
        .iter()
        .filter(|r| r.eleve_id == eleve_id)
    {
        l.push((
            false,
            format!(
                "Responsable légal : {} {} {} ({})",
                r.civilite, r.prenom, r.nom, r.lien
            ),
        ));
    }
    Ok(l)
}

/// The month's counts and its unjustified demi-journées, one line each.
fn absences_du_mois(rows: &Rows, eleve_id: &str, premier: NaiveDate, dernier: NaiveDate) -> Lignes {
    let index = rows.index();
    let passages = rows.passages(&index, eleve_id, premier, dernier);
    let dj = rows.demi_journees(&passages);
    let m = demi_journees::par_mois(&dj)
        .remove(&(premier.year(), premier.month()))
        .unwrap_or_default();
    let mut l: Lignes = vec![
        (false, String::new()),
        (true, format!("Absences de {}", mois_libelle(premier))),
        (
            false,
            format!(
                "{} demi-journées d'absence sans motif légitime ni excuse valable, {} justifiées (seuil de l'article L131-8 : 4 demi-journées dans le mois).",
                m.injustifiees, m.justifiees
            ),
        ),
    ];
    for d in dj.iter().filter(|d| !d.justifiee) {
        let moitie = match d.moitie {
            Moitie::Matin => "matin",
            Moitie::ApresMidi => "après-midi",
        };
        l.push((
            false,
            format!("  – {} ({moitie})", d.date.format("%d/%m/%Y")),
        ));
    }
    l
}

/// The steps taken: the families' notifications of the month, and what a person completes.
fn demarches(
    notifications: &[NotificationRow],
    eleve_id: &str,
    premier: NaiveDate,
    dernier: NaiveDate,
) -> Lignes {
    let mut l: Lignes = vec![(false, String::new()), (true, "Démarches engagées".into())];
    let jour = |n: &NotificationRow| n.message.date;
    for n in notifications
        .iter()
        .filter(|n| n.eleve_id == eleve_id && premier <= jour(n) && jour(n) <= dernier)
    {
        let etat = n.envoi.as_ref().map_or("préparée", |e| e.etat.libelle());
        l.push((
            false,
            format!(
                "  – {} : famille informée par courriel ({}) — {etat}",
                n.message.date.format("%d/%m/%Y"),
                n.message.destinataires.join(", ")
            ),
        ));
    }
    l.extend([
        (
            false,
            "  – Autres démarches (entretien, courrier, équipe éducative) : à compléter.".into(),
        ),
        (false, String::new()),
        (
            false,
            "Projet préparé par la vie scolaire, à relire, compléter et signer avant envoi.".into(),
        ),
        (false, String::new()),
        (false, "Le chef d'établissement,".into()),
    ]);
    l
}

/// The A4 PDF of a report's text.
pub fn pdf(c: &Contenu) -> Result<Vec<u8>, SignalementError> {
    crate::document::pdf(std::slice::from_ref(c)).map_err(SignalementError::Pdf)
}
