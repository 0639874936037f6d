//! Periods, class councils and the appreciations written for them (GUIDE §2, "conseil de classe").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A trimestre or semestre of the school year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Periode {
    pub id: String,
    pub libelle: String,
    pub debut: NaiveDate,
    pub fin: NaiveDate,
}

impl Periode {
    /// The period a date falls in.
    pub fn of(periodes: &[Periode], date: NaiveDate) -> Option<&Periode> {
        periodes.iter().find(|p| p.debut <= date && date <= p.fin)
    }
}

/// A class council's state for one division and period. It only moves forward; once `Clos`, the
/// period's appreciations for that division are locked at the central.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, TS,
)]
#[serde(rename_all = "snake_case")]
pub enum ConseilEtat {
    #[default]
    Preparation,
    EnSeance,
    Clos,
}

impl ConseilEtat {
    /// Whether the period's entries for the division are locked: once the council is closed.
    /// The one definition of the lock: the central enforces it, the replica and the UI ask it.
    pub fn verrouille(self) -> bool {
        self == ConseilEtat::Clos
    }

    pub fn libelle(self) -> &'static str {
        match self {
            ConseilEtat::Preparation => "En préparation",
            ConseilEtat::EnSeance => "En séance",
            ConseilEtat::Clos => "Clos",
        }
    }
}

/// Why an entry of a locked period (an appreciation, a devoir, a mark) is refused, in the
/// person's words.
pub fn motif_verrou(classe: &str, periode: &str) -> String {
    format!(
        "Le conseil de classe de {classe} ({periode}) est clos : les notes et appréciations de cette période ne peuvent plus être modifiées. Voyez avec la direction."
    )
}

/// LSU's limit for a subject appreciation.
pub const APPRECIATION_MAX_CHARS: usize = 600;

/// A teacher's appreciation of a pupil in a subject for a period: plain text, at most 600
/// characters, no control characters but line breaks. Empty means "none written".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Appreciation(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAppreciation {
    #[error("{0} caractères : une appréciation en compte au plus {max}", max = APPRECIATION_MAX_CHARS)]
    TooLong(usize),
    #[error("caractère de contrôle interdit")]
    ControlCharacter,
}

impl Appreciation {
    pub fn new(text: &str) -> Result<Appreciation, InvalidAppreciation> {
        let text = text.trim();
        let n = text.chars().count();
        if n > APPRECIATION_MAX_CHARS {
            return Err(InvalidAppreciation::TooLong(n));
        }
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(InvalidAppreciation::ControlCharacter);
        }
        Ok(Appreciation(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Appreciation {
    type Error = InvalidAppreciation;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Appreciation::new(&text)
    }
}

impl From<Appreciation> for String {
    fn from(a: Appreciation) -> String {
        a.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appreciation_limits() {
        let cases: [(String, Result<&str, InvalidAppreciation>); 6] = [
            ("Bon trimestre.".into(), Ok("Bon trimestre.")),
            ("  Des efforts.\n".into(), Ok("Des efforts.")),
            ("Ligne 1\nLigne 2".into(), Ok("Ligne 1\nLigne 2")),
            ("é".repeat(600), Ok("")),
            ("é".repeat(601), Err(InvalidAppreciation::TooLong(601))),
            (
                "bip\u{7}".into(),
                Err(InvalidAppreciation::ControlCharacter),
            ),
        ];
        for (text, expected) in cases {
            let got = Appreciation::new(&text);
            match expected {
                Ok("") => assert_eq!(got.map(|a| a.0.chars().count()), Ok(600)),
                Ok(e) => assert_eq!(got.map(|a| a.0), Ok(e.to_owned())),
                Err(e) => assert_eq!(got, Err(e)),
            }
        }
    }

    #[test]
    fn council_states_only_move_forward_in_order() {
        assert!(ConseilEtat::Preparation < ConseilEtat::EnSeance);
        assert!(ConseilEtat::EnSeance < ConseilEtat::Clos);
        let json = serde_json::to_value(ConseilEtat::EnSeance).expect("json");
        assert_eq!(json, serde_json::json!("en_seance"));
    }

    #[test]
    fn period_of_a_date() {
        let d = |m, j| NaiveDate::from_ymd_opt(2026, m, j).expect("date");
        let periodes = [
            Periode {
                id: "T1".into(),
                libelle: "1er trimestre".into(),
                debut: d(9, 1),
                fin: d(11, 30),
            },
            Periode {
                id: "T2".into(),
                libelle: "2e trimestre".into(),
                debut: d(12, 1),
                fin: d(12, 31),
            },
        ];
        assert_eq!(
            Periode::of(&periodes, d(11, 30)).map(|p| p.id.as_str()),
            Some("T1")
        );
        assert_eq!(
            Periode::of(&periodes, d(12, 1)).map(|p| p.id.as_str()),
            Some("T2")
        );
        assert_eq!(Periode::of(&periodes, d(8, 31)), None);
    }
}
