//! The school's calendar from CSVs the administrator writes or saves from a spreadsheet
//! (`tableur`; README « Les périodes »): its periods (trimestres or semestres, header
//! `Période;Libellé;Début;Fin`) and its holidays (`Vacances;Début;Fin`: no séance on those
//! days when a timetable is laid out), one a line, dates as `JJ/MM/AAAA` or `AAAA-MM-JJ`.

use super::ErreurImport;
use super::tableur::{self, date};
use chrono::NaiveDate;
use pupitre_domain::Periode;

const PERIODES: [&str; 4] = ["periode", "libelle", "debut", "fin"];
const VACANCES: [&str; 3] = ["vacances", "debut", "fin"];

/// A span of days without lessons (holidays, a bridge), both days included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vacances {
    pub libelle: String,
    pub debut: NaiveDate,
    pub fin: NaiveDate,
}

impl Vacances {
    pub fn contient(&self, jour: NaiveDate) -> bool {
        self.debut <= jour && jour <= self.fin
    }
}

/// What a calendar CSV holds.
pub enum Calendrier {
    Periodes(Vec<(Periode, u32)>),
    Vacances(Vec<Vacances>),
}

/// The calendar a file holds; `None` when its header is not one (a timetable, an XML export).
pub fn lire(nom: &str, octets: &[u8]) -> Option<Result<Calendrier, ErreurImport>> {
    let (texte, premiere) = tableur::entete(octets);
    match premiere.as_str() {
        "periode" => Some(periodes(nom, &texte).map(Calendrier::Periodes)),
        "vacances" => Some(vacances(nom, &texte).map(Calendrier::Vacances)),
        _ => None,
    }
}

/// Both dates of a span, the end not before the start.
fn bornes(debut: &str, fin: &str, quoi: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let (debut, fin) = (date(debut)?, date(fin)?);
    if fin < debut {
        return Err(format!("{quoi} finit avant de commencer"));
    }
    Ok((debut, fin))
}

fn periodes(nom: &str, texte: &str) -> Result<Vec<(Periode, u32)>, ErreurImport> {
    let mut out = Vec::new();
    for (n, ligne) in tableur::lignes(nom, texte, &PERIODES)? {
        let erreur = |m: String| ErreurImport::new(nom, "", n, m);
        let (id, libelle) = (ligne[0].clone(), ligne[1].clone());
        if id.is_empty() || libelle.is_empty() {
            return Err(erreur("la période et son libellé sont obligatoires".into()));
        }
        let (debut, fin) =
            bornes(&ligne[2], &ligne[3], &format!("la période {id}")).map_err(erreur)?;
        let periode = Periode {
            id,
            libelle,
            debut,
            fin,
        };
        out.push((periode, n));
    }
    Ok(out)
}

fn vacances(nom: &str, texte: &str) -> Result<Vec<Vacances>, ErreurImport> {
    let mut out = Vec::new();
    for (n, ligne) in tableur::lignes(nom, texte, &VACANCES)? {
        let erreur = |m: String| ErreurImport::new(nom, "", n, m);
        let libelle = ligne[0].clone();
        if libelle.is_empty() {
            return Err(erreur("le nom des vacances est obligatoire".into()));
        }
        let (debut, fin) =
            bornes(&ligne[1], &ligne[2], &format!("« {libelle} »")).map_err(erreur)?;
        out.push(Vacances {
            libelle,
            debut,
            fin,
        });
    }
    Ok(out)
}
