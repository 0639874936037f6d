//! What a teacher records for one pupil in one séance, and the state of the roll call itself.

use crate::heure::Heure;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One pupil's mark in a roll call. `Present` is the default and is what an untouched row means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "statut", rename_all = "snake_case")]
#[serde(try_from = "MarqueWire")]
pub enum Presence {
    Present,
    Absent,
    /// Late, with the time the pupil arrived.
    Retard {
        #[ts(type = "string")]
        arrivee: Heure,
    },
    /// Exempt (dispensé), e.g. from EPS.
    Dispense,
    /// Sent out of the lesson (exclu de cours).
    Exclu,
    /// Left for the infirmary or left the school during the lesson.
    Infirmerie,
}

impl Presence {
    /// Whether this mark means the pupil missed the séance (counts towards an absence).
    pub fn is_absence(self) -> bool {
        matches!(self, Presence::Absent)
    }

    /// The French label a person reads.
    pub fn libelle(self) -> &'static str {
        match self {
            Presence::Present => "Présent",
            Presence::Absent => "Absent",
            Presence::Retard { .. } => "En retard",
            Presence::Dispense => "Dispensé",
            Presence::Exclu => "Exclu de cours",
            Presence::Infirmerie => "Infirmerie / départ",
        }
    }
}

/// The strict reading of a roll-call record's field, the teacher's mark (`statut`) or the vie
/// scolaire's fact (`fait`): its tag and, for a lateness only, `arrivee`; nothing else. (serde's
/// `deny_unknown_fields` does not reach unit variants of a tagged enum, and a free-text field here
/// would be a way to store health details, which Pupitre never does.)
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MarqueWire {
    statut: Option<String>,
    fait: Option<String>,
    arrivee: Option<Heure>,
}

impl MarqueWire {
    /// Reads the field tagged `tag` (`statut` or `fait`): a lateness with its arrival time
    /// (`retard`), or a plain value that `plain` names.
    pub(crate) fn read<T>(
        self,
        tag: &str,
        plain: impl Fn(&str) -> Option<T>,
        retard: impl Fn(Heure) -> T,
    ) -> Result<T, String> {
        let (value, other) = match tag {
            "statut" => (self.statut, self.fait),
            _ => (self.fait, self.statut),
        };
        if other.is_some() {
            return Err(format!("un seul champ attendu : « {tag} »"));
        }
        let value = value.ok_or_else(|| format!("« {tag} » manquant"))?;
        match (value.as_str(), self.arrivee) {
            ("retard", Some(arrivee)) => Ok(retard(arrivee)),
            ("retard", None) => Err("un retard doit avoir une heure d'arrivée".into()),
            (_, Some(_)) => Err("seul un retard a une heure d'arrivée".into()),
            (other, None) => plain(other).ok_or_else(|| format!("{tag} inconnu « {other} »")),
        }
    }
}

impl TryFrom<MarqueWire> for Presence {
    type Error = String;

    fn try_from(wire: MarqueWire) -> Result<Self, Self::Error> {
        let plain = |name: &str| {
            Some(match name {
                "present" => Presence::Present,
                "absent" => Presence::Absent,
                "dispense" => Presence::Dispense,
                "exclu" => Presence::Exclu,
                "infirmerie" => Presence::Infirmerie,
                _ => return None,
            })
        };
        wire.read("statut", plain, |arrivee| Presence::Retard { arrivee })
    }
}

/// The state of a séance's roll call. Ordered: it only moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AppelEtat {
    NonFait,
    EnCours,
    Fait,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        let cases = [
            (Presence::Present, r#"{"statut":"present"}"#),
            (Presence::Absent, r#"{"statut":"absent"}"#),
            (
                Presence::Retard {
                    arrivee: Heure::new(8, 12).expect("valid"),
                },
                r#"{"statut":"retard","arrivee":"08:12"}"#,
            ),
            (Presence::Dispense, r#"{"statut":"dispense"}"#),
            (Presence::Exclu, r#"{"statut":"exclu"}"#),
            (Presence::Infirmerie, r#"{"statut":"infirmerie"}"#),
        ];
        for (value, json) in cases {
            assert_eq!(serde_json::to_string(&value).expect("serialize"), json);
            assert_eq!(
                serde_json::from_str::<Presence>(json).expect("parse"),
                value
            );
        }
        for bad in [
            r#"{"statut":"retard"}"#,
            r#"{"statut":"retard","arrivee":"8h"}"#,
            r#"{"statut":"malade"}"#,
            r#"{"statut":"absent","diagnostic":"grippe"}"#,
            r#""absent""#,
            r#"{"statut":"absent","arrivee":"08:00"}"#,
        ] {
            assert!(serde_json::from_str::<Presence>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_absent_is_an_absence() {
        assert!(Presence::Absent.is_absence());
        assert!(!Presence::Present.is_absence());
        assert!(!Presence::Dispense.is_absence());
        assert!(
            !Presence::Retard {
                arrivee: Heure::new(9, 0).expect("valid")
            }
            .is_absence()
        );
    }

    #[test]
    fn appel_moves_forward() {
        assert!(AppelEtat::NonFait < AppelEtat::EnCours && AppelEtat::EnCours < AppelEtat::Fait);
    }
}
