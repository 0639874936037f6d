//! Reads for the screens, one module per screen or group of screens, each filling the view types
//! of `crate::views`. Reads only: every write goes through the store's transactions.

pub mod absences;
pub mod appreciations;
pub mod conseil;
pub mod modifications;
pub mod notes;
pub mod seances;
pub mod synchro;
pub mod vie_scolaire;

use crate::views::{FaitView, local_time};
use pupitre_domain::{Combinaison, Fait, Personnel, Presence, avis, combiner};
use rusqlite::{Connection, Row};

/// The code of a service `sv`'s division or group.
const CIBLE_CODE: &str =
    "COALESCE((SELECT code FROM divisions WHERE division_key(id) = sv.cible_key),
             (SELECT code FROM groupes WHERE groupe_key(id) = sv.cible_key), sv.cible_key)";

/// The pupils `e` of a service `sv`: through its group, or a stay of theirs in its division this
/// year (the current one, or one they left: their marks and roll calls stay there).
const ELEVES_DU_SERVICE: &str = "(EXISTS (SELECT 1 FROM eleve_divisions p WHERE p.eleve_id = e.id
                AND p.division_id = cible_division(sv.cible_key))
     OR EXISTS (SELECT 1 FROM eleve_groupes g WHERE g.eleve_id = e.id
                AND g.groupe_id = cible_groupe(sv.cible_key)))";

/// The pupil `e` is at the school on the day of séance `se` (SIECLE's entry and exit dates) and
/// in the service `sv`'s class that day (a stay in its division, or its group).
const INSCRIT_A_LA_SEANCE: &str = "((e.date_entree IS NULL OR e.date_entree <= se.date)
     AND (e.date_sortie IS NULL OR se.date <= e.date_sortie)
     AND (EXISTS (SELECT 1 FROM eleve_divisions p WHERE p.eleve_id = e.id
                  AND p.division_id = cible_division(sv.cible_key)
                  AND (p.depuis IS NULL OR p.depuis < se.date)
                  AND (p.jusqu_au IS NULL OR se.date <= p.jusqu_au))
          OR EXISTS (SELECT 1 FROM eleve_groupes g WHERE g.eleve_id = e.id
                  AND g.groupe_id = cible_groupe(sv.cible_key))))";

fn json_column<T: serde::de::DeserializeOwned>(text: Option<String>, default: T) -> T {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(default)
}

/// A vie scolaire fact as a row gives it: (value, author, at_ms), all absent without one.
type FaitRow = (Option<String>, Option<String>, Option<i64>);

/// The fact in a row's three columns from `first`: value, author, at_ms.
fn fait_row(r: &Row<'_>, first: usize) -> rusqlite::Result<FaitRow> {
    Ok((r.get(first)?, r.get(first + 1)?, r.get(first + 2)?))
}

/// A pupil's two sources, combined: the fact as shown, and what the CPE and the families see
/// (`pupitre_domain::combiner`).
fn combine(
    conn: &Connection,
    observation: Option<Presence>,
    fait: FaitRow,
) -> rusqlite::Result<(Option<FaitView>, Combinaison)> {
    let fait = fait_view(conn, fait)?;
    let c = combiner(observation, fait.as_ref().map_or(Fait::Aucun, |f| f.fait));
    Ok((fait, c))
}

/// A stored fact `(value, author, at_ms)` as shown; `None` for none or a withdrawn one.
fn fait_view(
    conn: &Connection,
    (value, author, at_ms): FaitRow,
) -> rusqlite::Result<Option<FaitView>> {
    let Some(fait) = value.and_then(|t| serde_json::from_str::<Fait>(&t).ok()) else {
        return Ok(None);
    };
    if fait == Fait::Aucun {
        return Ok(None);
    }
    let author = author.unwrap_or_default();
    Ok(Some(FaitView {
        fait,
        libelle: avis::libelle_fait(fait),
        auteur: signature(conn, &author)?,
        heure: local_time(at_ms.unwrap_or(0), "%H:%M"),
    }))
}

/// "M. Roux (CPE)" for a personnel this replica knows, else the id.
fn signature(conn: &Connection, personnel_id: &str) -> rusqlite::Result<String> {
    let found: Option<Personnel> = pupitre_school_db::by_key(conn, personnel_id)?;
    Ok(found.map_or_else(|| personnel_id.to_owned(), |p| p.signature()))
}
