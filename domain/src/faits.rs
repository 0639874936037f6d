//! The roll call as knowledge from two sources (GUIDE §3).
//!
//! The teacher observes the class: her mark (`Presence`, field `statut`) says what she saw. The
//! vie scolaire knows facts the teacher may not: an arrival time on a billet, the infirmary, a
//! departure, a dispense on file, an exclusion. Those are a second field of the same record
//! (`Fait`, field `fait`) with its own owners (the CPE and the direction). Neither overwrites the
//! other: `combiner` declares, row by row, what the CPE and the families see, whether the
//! teacher's mark stands, and which combinations a person must settle (the CPE's inbox).

use crate::heure::Heure;
use crate::presence::{MarqueWire, Presence};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the vie scolaire knows of a pupil during one séance. `Aucun` withdraws an earlier fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "fait", rename_all = "snake_case")]
#[serde(try_from = "MarqueWire")]
pub enum Fait {
    Aucun,
    /// Arrived late, at this time (the billet de retard).
    Retard {
        #[ts(type = "string")]
        arrivee: Heure,
    },
    /// At the infirmary.
    Infirmerie,
    /// Left the school (taken home by a family, authorised departure).
    Depart,
    /// A dispense on file (not expected in this lesson).
    Dispense,
    /// Excluded from school (exclusion temporaire): must not be in class.
    Exclusion,
}

impl Fait {
    pub fn libelle(self) -> &'static str {
        match self {
            Fait::Aucun => "Aucun fait",
            Fait::Retard { .. } => "Retard",
            Fait::Infirmerie => "Infirmerie",
            Fait::Depart => "Départ",
            Fait::Dispense => "Dispense",
            Fait::Exclusion => "Exclusion",
        }
    }

    /// What the fact alone says of the pupil's presence, as the roll call names it.
    fn comme_presence(self) -> Option<Presence> {
        Some(match self {
            Fait::Aucun => return None,
            Fait::Retard { arrivee } => Presence::Retard { arrivee },
            Fait::Infirmerie | Fait::Depart => Presence::Infirmerie,
            Fait::Dispense => Presence::Dispense,
            Fait::Exclusion => Presence::Exclu,
        })
    }
}

impl TryFrom<MarqueWire> for Fait {
    type Error = String;

    /// The strict reading: `fait` and, for a lateness only, `arrivee`; nothing else (no free
    /// text, so no health detail can be stored here).
    fn try_from(wire: MarqueWire) -> Result<Self, Self::Error> {
        let plain = |name: &str| {
            Some(match name {
                "aucun" => Fait::Aucun,
                "infirmerie" => Fait::Infirmerie,
                "depart" => Fait::Depart,
                "dispense" => Fait::Dispense,
                "exclusion" => Fait::Exclusion,
                _ => return None,
            })
        };
        wire.read("fait", plain, |arrivee| Fait::Retard { arrivee })
    }
}

/// What became of the teacher's mark once combined with the vie scolaire's fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Issue {
    /// Her mark is what everyone sees.
    Retenue,
    /// Both hold and are shown together (she saw the pupil; the fact adds what she did not know).
    Combinee,
    /// The fact accounts for a pupil she marked absent: her mark does not stand, and she is told.
    NonRetenue,
    /// The two contradict each other: the CPE settles it.
    AVerifier,
}

/// The combination of the two sources for one pupil in one séance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Combinaison {
    /// What the CPE and the families see.
    pub vu: Presence,
    /// What became of the teacher's mark.
    pub issue: Issue,
}

/// The declared rule: how the teacher's observation (`None`: not taken, i.e. present by default)
/// and the vie scolaire's fact combine. Pure, and independent of which arrived first.
pub fn combiner(observation: Option<Presence>, fait: Fait) -> Combinaison {
    use Presence as P;
    let seen = observation.unwrap_or(P::Present);
    let Some(from_fact) = fait.comme_presence() else {
        // No fact: the teacher's observation is the record.
        return Combinaison {
            vu: seen,
            issue: Issue::Retenue,
        };
    };
    let (vu, issue) = match (seen, fait) {
        // An excluded pupil must not be in class: seeing him there (present, late, sent to the
        // infirmary, dispensed but attending) contradicts the exclusion. The CPE checks.
        (P::Present | P::Retard { .. } | P::Infirmerie | P::Dispense, Fait::Exclusion) => {
            (from_fact, Issue::AVerifier)
        }
        // Marked absent, but the vie scolaire knows where the pupil is (late with a billet, at the
        // infirmary, gone home, dispensed, excluded): the fact stands, the absence does not (the
        // family must not be told of an unjustified absence).
        (P::Absent, _) => (from_fact, Issue::NonRetenue),
        // Both say late: the vie scolaire's time is the billet's, the record of the arrival.
        (P::Retard { arrivee: a }, Fait::Retard { arrivee: b }) if a == b => (seen, Issue::Retenue),
        (P::Retard { .. }, Fait::Retard { .. }) => (from_fact, Issue::Combinee),
        // Went to the infirmary during the lesson after arriving late: the teacher's record says
        // where he ended; the arrival time is the billet's, kept in the fact.
        (P::Infirmerie, Fait::Retard { .. }) => (seen, Issue::Combinee),
        // Sent out of the lesson by the teacher: her record stands beside an exclusion or a
        // lateness (he came late, then was sent out).
        (P::Exclu, Fait::Exclusion | Fait::Retard { .. }) => (seen, Issue::Retenue),
        // Sent out, then the infirmary or home: the fact says where he went.
        (P::Exclu, _) => (from_fact, Issue::Combinee),
        // Seen in class (or with a dispense, or gone to the infirmary during the lesson), and the
        // vie scolaire adds an arrival time, the infirmary, a departure or a dispense: both are
        // true at different moments; the fact is what the lesson ended with.
        (P::Present | P::Retard { .. } | P::Infirmerie | P::Dispense, _) => {
            if seen == from_fact {
                (seen, Issue::Retenue)
            } else {
                (from_fact, Issue::Combinee)
            }
        }
    };
    Combinaison { vu, issue }
}

/// Which source the CPE keeps when the two contradict each other (`Issue::AVerifier`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Garder {
    /// The teacher saw the pupil: the fact is withdrawn.
    Observation,
    /// The fact holds (the pupil was excluded): the pupil was not in class, which the fact then
    /// accounts for; the teacher is told her mark did not stand.
    Fait,
}

/// The edit that settles a contradiction for one pupil in one séance.
pub fn reglement(seance_id: &str, eleve_id: &str, garder: Garder) -> crate::edit::Edit {
    use crate::edit::Edit;
    let (seance_id, eleve_id) = (seance_id.to_owned(), eleve_id.to_owned());
    match garder {
        Garder::Observation => Edit::Fait {
            seance_id,
            eleve_id,
            fait: Fait::Aucun,
        },
        Garder::Fait => Edit::Presence {
            seance_id,
            eleve_id,
            presence: Presence::Absent,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(hh: u16, mm: u16) -> Heure {
        Heure::new(hh, mm).expect("valid")
    }

    #[test]
    fn table() {
        use Issue::*;
        use Presence as P;
        let r820 = P::Retard { arrivee: h(8, 20) };
        let f820 = Fait::Retard { arrivee: h(8, 20) };
        let f825 = Fait::Retard { arrivee: h(8, 25) };
        // (teacher's observation, vie scolaire's fact, what is seen, what became of the mark)
        let cases = [
            (None, Fait::Aucun, P::Present, Retenue),
            (Some(P::Absent), Fait::Aucun, P::Absent, Retenue),
            (Some(P::Absent), Fait::Infirmerie, P::Infirmerie, NonRetenue),
            (Some(P::Absent), f820, r820, NonRetenue),
            (Some(P::Absent), Fait::Depart, P::Infirmerie, NonRetenue),
            (Some(P::Absent), Fait::Dispense, P::Dispense, NonRetenue),
            (Some(P::Absent), Fait::Exclusion, P::Exclu, NonRetenue),
            (Some(P::Present), Fait::Exclusion, P::Exclu, AVerifier),
            (None, Fait::Exclusion, P::Exclu, AVerifier),
            (Some(r820), Fait::Exclusion, P::Exclu, AVerifier),
            (Some(P::Present), f820, r820, Combinee),
            (Some(r820), f820, r820, Retenue),
            (Some(r820), f825, P::Retard { arrivee: h(8, 25) }, Combinee),
            (Some(P::Present), Fait::Infirmerie, P::Infirmerie, Combinee),
            (
                Some(P::Infirmerie),
                Fait::Infirmerie,
                P::Infirmerie,
                Retenue,
            ),
            (Some(P::Exclu), Fait::Exclusion, P::Exclu, Retenue),
            (Some(P::Exclu), f820, P::Exclu, Retenue),
            (Some(P::Exclu), Fait::Depart, P::Infirmerie, Combinee),
            (Some(P::Dispense), Fait::Dispense, P::Dispense, Retenue),
            (Some(P::Dispense), Fait::Infirmerie, P::Infirmerie, Combinee),
            (Some(P::Infirmerie), f820, P::Infirmerie, Combinee),
        ];
        for (i, (observation, fait, vu, issue)) in cases.into_iter().enumerate() {
            assert_eq!(
                combiner(observation, fait),
                Combinaison { vu, issue },
                "case {i}: {observation:?} + {fait:?}"
            );
        }
    }

    #[test]
    fn a_fact_never_turns_into_an_unjustified_absence() {
        let observations = [
            None,
            Some(Presence::Present),
            Some(Presence::Absent),
            Some(Presence::Retard { arrivee: h(8, 5) }),
            Some(Presence::Dispense),
            Some(Presence::Exclu),
            Some(Presence::Infirmerie),
        ];
        let faits = [
            Fait::Retard { arrivee: h(8, 30) },
            Fait::Infirmerie,
            Fait::Depart,
            Fait::Dispense,
            Fait::Exclusion,
        ];
        for o in observations {
            for f in faits {
                let c = combiner(o, f);
                assert_ne!(c.vu, Presence::Absent, "{o:?} + {f:?}");
                // An observation of absence is never combined silently: either it does not stand
                // (and its author is told) or it is what everyone sees.
                if o == Some(Presence::Absent) {
                    assert_eq!(c.issue, Issue::NonRetenue);
                }
            }
            assert_eq!(combiner(o, Fait::Aucun).issue, Issue::Retenue);
        }
    }

    #[test]
    fn settling_a_contradiction_leaves_none() {
        let excluded = Fait::Exclusion;
        for (garder, vu) in [
            (Garder::Observation, Presence::Present),
            (Garder::Fait, Presence::Exclu),
        ] {
            let (observation, fait) = match reglement("S", "E", garder) {
                crate::edit::Edit::Fait { fait, .. } => (Some(Presence::Present), fait),
                crate::edit::Edit::Presence { presence, .. } => (Some(presence), excluded),
                other => panic!("{other:?}"),
            };
            let c = combiner(observation, fait);
            assert_ne!(c.issue, Issue::AVerifier, "{garder:?}");
            assert_eq!(c.vu, vu, "{garder:?}");
        }
    }

    #[test]
    fn wire_form() {
        let cases = [
            (Fait::Aucun, r#"{"fait":"aucun"}"#),
            (
                Fait::Retard { arrivee: h(8, 20) },
                r#"{"fait":"retard","arrivee":"08:20"}"#,
            ),
            (Fait::Infirmerie, r#"{"fait":"infirmerie"}"#),
            (Fait::Depart, r#"{"fait":"depart"}"#),
            (Fait::Dispense, r#"{"fait":"dispense"}"#),
            (Fait::Exclusion, r#"{"fait":"exclusion"}"#),
        ];
        for (value, json) in cases {
            assert_eq!(serde_json::to_string(&value).expect("serialize"), json);
            assert_eq!(serde_json::from_str::<Fait>(json).expect("parse"), value);
        }
        for bad in [
            r#"{"fait":"retard"}"#,
            r#"{"fait":"malade"}"#,
            r#"{"fait":"infirmerie","motif":"fièvre"}"#,
            r#"{"fait":"depart","arrivee":"09:00"}"#,
            r#""infirmerie""#,
        ] {
            assert!(serde_json::from_str::<Fait>(bad).is_err(), "{bad}");
        }
    }
}
