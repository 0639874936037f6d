//! The vie scolaire's statistics: demi-journées per division and month, and the rate of
//! absentéisme (the share of a division's pupils who reach the L131-8 threshold in the month),
//! as a table for the screen and as CSV for a spreadsheet.

use crate::vie_scolaire::Rows;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct CelluleStatistiques {
    pub justifiees: u32,
    pub injustifiees: u32,
    /// Pupils at or above the L131-8 threshold that month.
    pub absenteistes: u32,
    /// Their share of the division's pupils, "4,2 %".
    pub taux: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LigneStatistiques {
    pub division: String,
    pub eleves: u32,
    /// One per month of `StatistiquesView::mois`.
    pub cellules: Vec<CelluleStatistiques>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct StatistiquesView {
    /// "2026-09", "2026-10"…
    pub mois: Vec<String>,
    pub lignes: Vec<LigneStatistiques>,
    /// The whole school.
    pub total: LigneStatistiques,
}

/// A division's counts per (year, month).
type ParMois = BTreeMap<(i32, u32), CelluleStatistiques>;

fn taux(n: u32, sur: u32) -> String {
    if sur == 0 {
        return "—".into();
    }
    let pour_mille = (u64::from(n) * 1000 + u64::from(sur) / 2) / u64::from(sur);
    format!("{},{} %", pour_mille / 10, pour_mille % 10)
}

/// The months from `du` to `au`, as (year, month).
fn mois_entre(du: NaiveDate, au: NaiveDate) -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    let (mut y, mut m) = (du.year(), du.month());
    while (y, m) <= (au.year(), au.month()) {
        out.push((y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// Every division's demi-journées per month from `du` to `au`, each pupil counted in the
/// division she is in now.
pub fn statistiques(rows: &Rows, du: NaiveDate, au: NaiveDate) -> StatistiquesView {
    let mois = mois_entre(du, au);
    let index = rows.index();
    // Per division code: its pupils, and per month its counts.
    let mut par_division: BTreeMap<String, (u32, ParMois)> = BTreeMap::new();
    for eleve in &rows.school.eleves {
        let code = rows
            .school
            .divisions
            .iter()
            .find(|d| d.id == eleve.division_id)
            .map_or_else(|| eleve.division_id.clone(), |d| d.code.clone());
        let passages = rows.passages(&index, &eleve.id, du, au);
        let counts = pupitre_domain::demi_journees::par_mois(&rows.demi_journees(&passages));
        let (eleves, cells) = par_division.entry(code).or_default();
        *eleves += 1;
        for (m, c) in counts {
            let cell = cells.entry(m).or_default();
            cell.justifiees += c.justifiees;
            cell.injustifiees += c.injustifiees;
            cell.absenteistes += u32::from(c.absenteisme());
        }
    }
    let ligne = |division: String, eleves: u32, cells: &ParMois| LigneStatistiques {
        division,
        eleves,
        cellules: mois
            .iter()
            .map(|m| {
                let c = cells.get(m).cloned().unwrap_or_default();
                CelluleStatistiques {
                    taux: taux(c.absenteistes, eleves),
                    ..c
                }
            })
            .collect(),
    };
    let mut total = ParMois::new();
    let mut tous = 0;
    for (eleves, cells) in par_division.values() {
        tous += eleves;
        for (m, c) in cells {
            let t = total.entry(*m).or_default();
            t.justifiees += c.justifiees;
            t.injustifiees += c.injustifiees;
            t.absenteistes += c.absenteistes;
        }
    }
    StatistiquesView {
        mois: mois.iter().map(|(y, m)| format!("{y}-{m:02}")).collect(),
        lignes: par_division
            .iter()
            .map(|(d, (n, cells))| ligne(d.clone(), *n, cells))
            .collect(),
        total: ligne("Établissement".into(), tous, &total),
    }
}

/// The table as CSV for a spreadsheet: `;`-separated and with a byte-order mark, as French
/// spreadsheets expect, one row per division and month.
pub fn csv(view: &StatistiquesView) -> Result<String, csv::Error> {
    crate::fichiers::tableur(|w| {
        w.write_record([
            "Classe",
            "Mois",
            "Élèves",
            "Demi-journées justifiées",
            "Demi-journées non justifiées",
            "Élèves au seuil L131-8",
            "Taux d'absentéisme",
        ])?;
        for ligne in view.lignes.iter().chain(std::iter::once(&view.total)) {
            for (mois, c) in view.mois.iter().zip(&ligne.cellules) {
                w.write_record([
                    ligne.division.as_str(),
                    mois,
                    &ligne.eleves.to_string(),
                    &c.justifiees.to_string(),
                    &c.injustifiees.to_string(),
                    &c.absenteistes.to_string(),
                    &c.taux,
                ])?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_months() {
        assert_eq!(taux(0, 25), "0,0 %");
        assert_eq!(taux(1, 25), "4,0 %");
        assert_eq!(taux(1, 3), "33,3 %");
        assert_eq!(taux(2, 3), "66,7 %");
        assert_eq!(taux(1, 0), "—");
        let d = |y, m, j| NaiveDate::from_ymd_opt(y, m, j).expect("date");
        assert_eq!(
            mois_entre(d(2026, 11, 15), d(2027, 2, 1)),
            [(2026, 11), (2026, 12), (2027, 1), (2027, 2)]
        );
    }

    #[test]
    fn the_csv_quotes_what_needs_it() {
        let view = StatistiquesView {
            mois: vec!["2026-11".into()],
            lignes: vec![LigneStatistiques {
                division: "3;B".into(),
                eleves: 25,
                cellules: vec![CelluleStatistiques {
                    justifiees: 2,
                    injustifiees: 5,
                    absenteistes: 1,
                    taux: "4,0 %".into(),
                }],
            }],
            total: LigneStatistiques {
                division: "Établissement".into(),
                eleves: 25,
                cellules: vec![CelluleStatistiques::default()],
            },
        };
        let text = csv(&view).expect("csv");
        let mut lines = text.lines();
        assert!(
            lines
                .next()
                .is_some_and(|h| h.starts_with("\u{feff}Classe;Mois"))
        );
        assert_eq!(lines.next(), Some("\"3;B\";2026-11;25;2;5;1;4,0 %"));
        assert_eq!(lines.next(), Some("Établissement;2026-11;25;0;0;0;"));
    }
}
