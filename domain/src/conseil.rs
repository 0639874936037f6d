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

/// A council's state as it syncs (field `etat`): where it stands, and how many times the head
/// reopened it after it was closed, with her reason for the last time. Ordered by
/// (reopenings, state), so the one-way rule still holds: a reopening is a step forward
/// (`(n+1, en séance)` after `(n, clos)`), and a late "clos" of before a reopening does not
/// stand. Written as the plain state while never reopened (what every release reads).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EtatConseil {
    pub etat: ConseilEtat,
    pub reouvertures: u32,
    /// Why the head reopened it (her words, recorded with who and when in the log).
    pub motif: Option<MotifReouverture>,
}

/// The most a reopening's reason may hold.
pub const MOTIF_REOUVERTURE_MAX_CHARS: usize = 500;
/// The head's reason for reopening a council.
pub type MotifReouverture = Texte<MOTIF_REOUVERTURE_MAX_CHARS>;

impl EtatConseil {
    pub fn simple(etat: ConseilEtat) -> EtatConseil {
        EtatConseil {
            etat,
            reouvertures: 0,
            motif: None,
        }
    }

    /// The order of the one-way rule.
    pub fn rang(&self) -> (u32, ConseilEtat) {
        (self.reouvertures, self.etat)
    }

    /// The state after the head reopens a closed council with `motif`; the French reason
    /// when it cannot be.
    pub fn rouvert(&self, motif: &str) -> Result<EtatConseil, String> {
        if self.etat != ConseilEtat::Clos {
            return Err("Ce conseil n'est pas clos : il n'y a rien à rouvrir.".into());
        }
        let motif =
            MotifReouverture::new(motif).map_err(|e| format!("motif de réouverture : {e}"))?;
        let suivant = EtatConseil {
            etat: ConseilEtat::EnSeance,
            reouvertures: self.reouvertures + 1,
            motif: Some(motif),
        };
        suivant.verifier()?;
        Ok(suivant)
    }

    /// A reopened state says why (its limits are the text's own); a never reopened one says
    /// nothing.
    pub fn verifier(&self) -> Result<(), String> {
        match (&self.motif, self.reouvertures) {
            (None, 0) => Ok(()),
            (Some(_), 0) => Err("un conseil jamais rouvert n'a pas de motif de réouverture".into()),
            (Some(m), _) if !m.as_str().is_empty() => Ok(()),
            (_, _) => Err("Une réouverture dit pourquoi : écrivez son motif.".into()),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum EtatConseilWire {
    Simple(ConseilEtat),
    Rouvert {
        etat: ConseilEtat,
        reouvertures: u32,
        motif: Option<MotifReouverture>,
    },
}

impl Serialize for EtatConseil {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.reouvertures == 0 && self.motif.is_none() {
            EtatConseilWire::Simple(self.etat).serialize(s)
        } else {
            EtatConseilWire::Rouvert {
                etat: self.etat,
                reouvertures: self.reouvertures,
                motif: self.motif.clone(),
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for EtatConseil {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match EtatConseilWire::deserialize(d)? {
            EtatConseilWire::Simple(etat) => EtatConseil::simple(etat),
            EtatConseilWire::Rouvert {
                etat,
                reouvertures,
                motif,
            } => EtatConseil {
                etat,
                reouvertures,
                motif,
            },
        })
    }
}

/// Why an entry of a locked period (an appreciation, a devoir, a mark) is refused, in the
/// person's words.
pub fn motif_verrou(classe: &str, periode: &str) -> String {
    format!(
        "Le conseil de classe de {classe} ({periode}) est clos : les notes et appréciations de cette période ne peuvent plus être modifiées. Voyez avec la direction."
    )
}

/// LSU's limit for a subject appreciation (and for the vie scolaire's).
pub const APPRECIATION_MAX_CHARS: usize = 600;
/// LSU's limit for the council's general appreciation.
pub const APPRECIATION_GENERALE_MAX_CHARS: usize = 1000;
/// An avis d'orientation is a sentence or two.
pub const AVIS_ORIENTATION_MAX_CHARS: usize = 300;

/// Plain text of at most `MAX` characters (code points, as LSU counts them), no control
/// characters but line breaks, trimmed. Empty means "none written".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Texte<const MAX: usize>(String);

/// A teacher's appreciation of a pupil in a subject for a period (or the CPE's of her vie
/// scolaire).
pub type Appreciation = Texte<APPRECIATION_MAX_CHARS>;
/// The council's general appreciation of a pupil.
pub type AppreciationGenerale = Texte<APPRECIATION_GENERALE_MAX_CHARS>;
/// The council's avis d'orientation (3e and seconde).
pub type AvisOrientation = Texte<AVIS_ORIENTATION_MAX_CHARS>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAppreciation {
    #[error("{n} caractères : ce texte en compte au plus {max}")]
    TooLong { n: usize, max: usize },
    #[error("caractère de contrôle interdit")]
    ControlCharacter,
}

impl<const MAX: usize> Texte<MAX> {
    pub fn new(text: &str) -> Result<Texte<MAX>, InvalidAppreciation> {
        let text = text.trim();
        let n = text.chars().count();
        if n > MAX {
            return Err(InvalidAppreciation::TooLong { n, max: MAX });
        }
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(InvalidAppreciation::ControlCharacter);
        }
        Ok(Texte(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> TryFrom<String> for Texte<MAX> {
    type Error = InvalidAppreciation;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Texte::new(&text)
    }
}

impl<const MAX: usize> From<Texte<MAX>> for String {
    fn from(a: Texte<MAX>) -> String {
        a.0
    }
}

/// The council's mention (GUIDE §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Mention {
    Felicitations,
    Compliments,
    Encouragements,
    MiseEnGardeTravail,
    MiseEnGardeComportement,
    MiseEnGardeAssiduite,
}

impl Mention {
    pub const TOUTES: [Mention; 6] = [
        Mention::Felicitations,
        Mention::Compliments,
        Mention::Encouragements,
        Mention::MiseEnGardeTravail,
        Mention::MiseEnGardeComportement,
        Mention::MiseEnGardeAssiduite,
    ];

    pub fn libelle(self) -> &'static str {
        match self {
            Mention::Felicitations => "Félicitations",
            Mention::Compliments => "Compliments",
            Mention::Encouragements => "Encouragements",
            Mention::MiseEnGardeTravail => "Mise en garde (travail)",
            Mention::MiseEnGardeComportement => "Mise en garde (comportement)",
            Mention::MiseEnGardeAssiduite => "Mise en garde (assiduité)",
        }
    }
}

/// Whether a division of `niveau` (its MEF's level: `3EME`, `2NDE`, `2DE GT`, …) receives an
/// avis d'orientation: in 3e and in seconde, where the family's wishes for next year are
/// answered.
pub fn avec_avis_orientation(niveau: &str) -> bool {
    let n = niveau.trim().to_uppercase();
    n.starts_with('3') || n.starts_with("2ND") || n.starts_with("2DE") || n.starts_with("SECONDE")
}

/// What the council decides for one pupil (record `decision`, id `<période>/<division>/<élève>`),
/// one field each, so that the secretary, the head and the CPE never overwrite each other's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The general appreciation (field `appreciation`).
    Appreciation(AppreciationGenerale),
    /// The mention (field `mention`); `None` withdraws it.
    Mention(Option<Mention>),
    /// The avis d'orientation (field `orientation`), in 3e and seconde only.
    Orientation(AvisOrientation),
    /// The CPE's appreciation of the pupil's vie scolaire (field `vie_scolaire`).
    VieScolaire(Appreciation),
}

impl Decision {
    /// Whether it wipes out what the field held.
    pub fn erases(&self) -> bool {
        match self {
            Decision::Appreciation(t) => t.as_str().is_empty(),
            Decision::Mention(m) => m.is_none(),
            Decision::Orientation(t) => t.as_str().is_empty(),
            Decision::VieScolaire(t) => t.as_str().is_empty(),
        }
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
            (
                "é".repeat(601),
                Err(InvalidAppreciation::TooLong { n: 601, max: 600 }),
            ),
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

    #[test]
    fn a_council_reopened_says_why_and_reads_as_a_step_forward() {
        let clos = EtatConseil::simple(ConseilEtat::Clos);
        // Never reopened: the plain state on the wire, as every release wrote it.
        assert_eq!(
            serde_json::to_value(&clos).expect("json"),
            serde_json::json!("clos")
        );
        let rouvert = clos
            .rouvert("  Erreur de moyenne en SVT. ")
            .expect("reopened");
        assert_eq!(rouvert.etat, ConseilEtat::EnSeance);
        assert_eq!(rouvert.reouvertures, 1);
        assert_eq!(
            rouvert.motif.as_ref().map(Texte::as_str),
            Some("Erreur de moyenne en SVT.")
        );
        let json = serde_json::to_value(&rouvert).expect("json");
        assert_eq!(
            serde_json::from_value::<EtatConseil>(json).expect("back"),
            rouvert
        );
        assert!(rouvert.rang() > clos.rang());
        // Closed again after the reopening: further still; the old "clos" is behind it.
        let reclos = EtatConseil {
            etat: ConseilEtat::Clos,
            ..rouvert.clone()
        };
        assert!(reclos.rang() > rouvert.rang());
        for pas_clos in [ConseilEtat::Preparation, ConseilEtat::EnSeance] {
            assert!(EtatConseil::simple(pas_clos).rouvert("motif").is_err());
        }
        let cases: [(&str, bool); 4] = [
            ("", false),
            ("   ", false),
            ("Une note oubliée.", true),
            (&"x".repeat(501), false),
        ];
        for (motif, ok) in cases {
            assert_eq!(clos.rouvert(motif).is_ok(), ok, "{motif}");
        }
        let sans_motif = EtatConseil {
            etat: ConseilEtat::EnSeance,
            reouvertures: 1,
            motif: None,
        };
        assert!(sans_motif.verifier().is_err());
        let motif_sans_reouverture = EtatConseil {
            motif: Some(MotifReouverture::new("x").expect("text")),
            ..EtatConseil::default()
        };
        assert!(motif_sans_reouverture.verifier().is_err());
    }

    #[test]
    fn the_levels_that_receive_an_avis_d_orientation() {
        let cases = [
            ("3EME", true),
            ("3E PREPA-METIERS", true),
            ("2NDE", true),
            ("2DE GT", true),
            ("2nde pro", true),
            ("6EME", false),
            ("5EME", false),
            ("4EME", false),
            ("1ERE", false),
            ("TLE", false),
            ("", false),
        ];
        for (niveau, avis) in cases {
            assert_eq!(avec_avis_orientation(niveau), avis, "{niveau}");
        }
    }

    #[test]
    fn the_council_s_texts_have_their_own_limits() {
        assert!(AppreciationGenerale::new(&"é".repeat(1000)).is_ok());
        assert_eq!(
            AppreciationGenerale::new(&"é".repeat(1001)),
            Err(InvalidAppreciation::TooLong { n: 1001, max: 1000 })
        );
        assert!(AvisOrientation::new(&"a".repeat(301)).is_err());
        let mentions: Vec<_> = Mention::TOUTES.iter().map(|m| m.libelle()).collect();
        assert_eq!(mentions.len(), 6);
        assert!(mentions.contains(&"Mise en garde (assiduité)"));
        assert!(serde_json::from_value::<Mention>(serde_json::json!("bravo")).is_err());
    }
}
