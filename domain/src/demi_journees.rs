//! Absences counted in demi-journées (GUIDE §2), and the L131-8 threshold of absentéisme.
//!
//! The school sets the cut between morning and afternoon and whether one missed séance is
//! enough to count a half-day or all of its séances must be missed. A séance belongs to every
//! half-day it overlaps: a pupil missing 11:00–13:00 was away in part of both, as a CPE counts it.
//! Only a pupil expected at a séance counts in it: a dispense without compulsory presence takes
//! the séance out of her half-day. Lateness, the infirmary and an exclusion from class are not
//! absences (she was at school); lateness is counted on its own.

use crate::heure::Heure;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// How many unjustified demi-journées in a calendar month oblige the head to report to the
/// DASEN (Code de l'éducation, L131-8).
pub const SEUIL_ABSENTEISME: u32 = 4;

/// When a half-day counts as missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RegleDemiJournee {
    /// One missed séance of the half-day is enough.
    UneSeance,
    /// Every séance she was expected at in the half-day must be missed.
    Toutes,
}

/// The half of a school day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Moitie {
    Matin,
    ApresMidi,
}

/// What became of a pupil at one séance, as far as counting goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statut {
    /// In class (late, sent to the infirmary or out of the lesson included).
    Presente,
    /// Not expected (a dispense without compulsory presence): the séance does not count.
    NonAttendue,
    /// Missed; `justifiee` when an absence the vie scolaire justified covers it.
    Absente { justifiee: bool },
}

/// A séance of one pupil's timetable and her status in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeanceEleve {
    pub date: NaiveDate,
    pub debut: Heure,
    pub fin: Heure,
    pub statut: Statut,
}

/// A counted demi-journée: justified when every missed séance in it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DemiJournee {
    pub date: NaiveDate,
    pub moitie: Moitie,
    pub justifiee: bool,
}

/// The halves a séance overlaps: the morning ends and the afternoon begins at `coupure`.
pub fn moities(debut: Heure, fin: Heure, coupure: Heure) -> impl Iterator<Item = Moitie> {
    let matin = debut < coupure;
    let apres_midi = fin > coupure || debut >= coupure;
    [(matin, Moitie::Matin), (apres_midi, Moitie::ApresMidi)]
        .into_iter()
        .filter_map(|(dans, m)| dans.then_some(m))
}

/// One pupil's counted demi-journées, in date order, from her séances in any order.
pub fn demi_journees(
    seances: &[SeanceEleve],
    coupure: Heure,
    regle: RegleDemiJournee,
) -> Vec<DemiJournee> {
    // Per half-day: (expected séances, missed, missed and unjustified).
    let mut halves: BTreeMap<(NaiveDate, Moitie), (u32, u32, u32)> = BTreeMap::new();
    for s in seances {
        let (attendue, manquee, injustifiee) = match s.statut {
            Statut::NonAttendue => continue,
            Statut::Presente => (1, 0, 0),
            Statut::Absente { justifiee } => (1, 1, u32::from(!justifiee)),
        };
        for m in moities(s.debut, s.fin, coupure) {
            let h = halves.entry((s.date, m)).or_default();
            h.0 += attendue;
            h.1 += manquee;
            h.2 += injustifiee;
        }
    }
    halves
        .into_iter()
        .filter(|(_, (attendues, manquees, _))| match regle {
            RegleDemiJournee::UneSeance => *manquees > 0,
            RegleDemiJournee::Toutes => *manquees > 0 && manquees == attendues,
        })
        .map(|((date, moitie), (_, _, injustifiees))| DemiJournee {
            date,
            moitie,
            justifiee: injustifiees == 0,
        })
        .collect()
}

/// A month's counts of one pupil.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct Mois {
    pub justifiees: u32,
    pub injustifiees: u32,
}

impl Mois {
    /// Whether the month reaches the L131-8 threshold.
    pub fn absenteisme(self) -> bool {
        self.injustifiees >= SEUIL_ABSENTEISME
    }
}

/// Counted demi-journées per calendar month (year, month).
pub fn par_mois(demi_journees: &[DemiJournee]) -> BTreeMap<(i32, u32), Mois> {
    let mut mois: BTreeMap<(i32, u32), Mois> = BTreeMap::new();
    for d in demi_journees {
        let m = mois.entry((d.date.year(), d.date.month())).or_default();
        if d.justifiee {
            m.justifiees += 1;
        } else {
            m.injustifiees += 1;
        }
    }
    mois
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegleDemiJournee::{Toutes, UneSeance};
    use proptest::prelude::*;

    fn h(text: &str) -> Heure {
        text.parse().expect("heure")
    }

    fn jour(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    const ABS: Statut = Statut::Absente { justifiee: false };
    const JUS: Statut = Statut::Absente { justifiee: true };
    const PRE: Statut = Statut::Presente;
    const DIS: Statut = Statut::NonAttendue;

    fn s(date: NaiveDate, debut: &str, fin: &str, statut: Statut) -> SeanceEleve {
        SeanceEleve {
            date,
            debut: h(debut),
            fin: h(fin),
            statut,
        }
    }

    /// (justified, unjustified) counted over all months.
    fn totals(seances: &[SeanceEleve], regle: RegleDemiJournee) -> (u32, u32) {
        let dj = demi_journees(seances, h("12:00"), regle);
        par_mois(&dj)
            .values()
            .fold((0, 0), |(j, i), m| (j + m.justifiees, i + m.injustifiees))
    }

    #[test]
    fn halves_of_a_seance() {
        let cut = h("12:00");
        let of = |a: &str, b: &str| moities(h(a), h(b), cut).collect::<Vec<_>>();
        assert_eq!(of("08:00", "09:00"), [Moitie::Matin]);
        assert_eq!(of("11:00", "12:00"), [Moitie::Matin]);
        assert_eq!(of("11:30", "12:30"), [Moitie::Matin, Moitie::ApresMidi]);
        assert_eq!(of("12:00", "13:00"), [Moitie::ApresMidi]);
        assert_eq!(of("14:00", "15:00"), [Moitie::ApresMidi]);
    }

    /// Hand-computed cases: (what, séances, rule, (justified, unjustified)).
    #[test]
    fn table() {
        let lun = jour(11, 30); // Monday 30 November
        let mar = jour(12, 1);
        type Case = (&'static str, Vec<SeanceEleve>, RegleDemiJournee, (u32, u32));
        let cases: Vec<Case> = vec![
            (
                "nothing missed",
                vec![s(lun, "08:00", "09:00", PRE)],
                UneSeance,
                (0, 0),
            ),
            (
                "one séance of two, rule one",
                vec![s(lun, "08:00", "09:00", ABS), s(lun, "09:00", "10:00", PRE)],
                UneSeance,
                (0, 1),
            ),
            (
                "one séance of two, rule all",
                vec![s(lun, "08:00", "09:00", ABS), s(lun, "09:00", "10:00", PRE)],
                Toutes,
                (0, 0),
            ),
            (
                "the whole morning, rule all",
                vec![s(lun, "08:00", "09:00", ABS), s(lun, "09:00", "10:00", ABS)],
                Toutes,
                (0, 1),
            ),
            (
                "two séances of one morning are one half-day",
                vec![s(lun, "08:00", "09:00", ABS), s(lun, "10:00", "11:00", ABS)],
                UneSeance,
                (0, 1),
            ),
            (
                "a séance across the cut counts both halves",
                vec![s(lun, "11:00", "13:00", ABS)],
                UneSeance,
                (0, 2),
            ),
            (
                "across the cut, rule all, the afternoon attended",
                vec![s(lun, "11:00", "13:00", ABS), s(lun, "14:00", "15:00", PRE)],
                Toutes,
                (0, 1),
            ),
            (
                "lateness only is no absence",
                vec![s(lun, "08:00", "09:00", PRE), s(lun, "14:00", "15:00", PRE)],
                UneSeance,
                (0, 0),
            ),
            (
                "a dispensed séance is not expected: the rest of the morning missed is all of it",
                vec![s(lun, "08:00", "09:00", DIS), s(lun, "09:00", "10:00", ABS)],
                Toutes,
                (0, 1),
            ),
            (
                "dispensed only: nothing counted",
                vec![s(lun, "08:00", "09:00", DIS)],
                Toutes,
                (0, 0),
            ),
            (
                "a justified absence",
                vec![s(lun, "08:00", "09:00", JUS), s(lun, "14:00", "15:00", JUS)],
                UneSeance,
                (2, 0),
            ),
            (
                "a half-day partly justified is not justified",
                vec![s(lun, "08:00", "09:00", JUS), s(lun, "09:00", "10:00", ABS)],
                UneSeance,
                (0, 1),
            ),
            (
                "two days, both halves",
                vec![
                    s(lun, "08:00", "09:00", ABS),
                    s(lun, "14:00", "15:00", ABS),
                    s(mar, "08:00", "09:00", ABS),
                    s(mar, "14:00", "15:00", JUS),
                ],
                UneSeance,
                (1, 3),
            ),
        ];
        for (what, seances, regle, expected) in cases {
            assert_eq!(totals(&seances, regle), expected, "{what}");
        }
    }

    #[test]
    fn an_absence_across_a_weekend_and_a_month_boundary() {
        // Friday 30 October to Monday 2 November: the weekend has no séance.
        let ven = NaiveDate::from_ymd_opt(2026, 10, 30).expect("date");
        let lun = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
        let seances = [
            s(ven, "08:00", "10:00", ABS),
            s(ven, "14:00", "16:00", ABS),
            s(lun, "08:00", "10:00", ABS),
        ];
        let mois = par_mois(&demi_journees(&seances, h("12:00"), UneSeance));
        assert_eq!(
            mois.into_iter().collect::<Vec<_>>(),
            [
                (
                    (2026, 10),
                    Mois {
                        justifiees: 0,
                        injustifiees: 2
                    }
                ),
                (
                    (2026, 11),
                    Mois {
                        justifiees: 0,
                        injustifiees: 1
                    }
                ),
            ]
        );
    }

    #[test]
    fn the_threshold_is_four_unjustified_half_days() {
        let lundi = jour(11, 2);
        let days = |n: u32| -> Vec<SeanceEleve> {
            (0..n)
                .map(|i| {
                    s(
                        lundi + chrono::Days::new(u64::from(i)),
                        "08:00",
                        "09:00",
                        ABS,
                    )
                })
                .collect()
        };
        let month = |n| par_mois(&demi_journees(&days(n), h("12:00"), UneSeance))[&(2026, 11)];
        assert!(!month(3).absenteisme());
        assert!(month(4).absenteisme());
        // Justified half-days never reach it.
        let justified: Vec<_> = days(6)
            .into_iter()
            .map(|x| SeanceEleve { statut: JUS, ..x })
            .collect();
        let m = par_mois(&demi_journees(&justified, h("12:00"), UneSeance))[&(2026, 11)];
        assert_eq!((m.justifiees, m.absenteisme()), (6, false));
    }

    fn seance_strategy() -> impl Strategy<Value = SeanceEleve> {
        (0u64..40, 8u16..17, 1u16..3, 0u8..4).prop_map(|(day, start, len, st)| SeanceEleve {
            date: jour(11, 1) + chrono::Days::new(day),
            debut: Heure::new(start, 0).expect("heure"),
            fin: Heure::new(start + len, 0).expect("heure"),
            statut: [PRE, ABS, JUS, DIS][usize::from(st)],
        })
    }

    proptest! {
        /// The month's count does not depend on the order the roll calls arrive in.
        #[test]
        fn the_order_of_the_roll_calls_changes_nothing(
            seances in prop::collection::vec(seance_strategy(), 0..60),
            shuffle in prop::collection::vec(any::<u32>(), 60),
            toutes in any::<bool>(),
        ) {
            let regle = if toutes { Toutes } else { UneSeance };
            let mut shuffled: Vec<(u32, SeanceEleve)> =
                seances.iter().copied().zip(shuffle).map(|(s, k)| (k, s)).collect();
            shuffled.sort_by_key(|(k, _)| *k);
            let shuffled: Vec<SeanceEleve> = shuffled.into_iter().map(|(_, s)| s).collect();
            let cut = h("12:00");
            prop_assert_eq!(
                par_mois(&demi_journees(&seances, cut, regle)),
                par_mois(&demi_journees(&shuffled, cut, regle))
            );
            // The rule "all" never counts more than the rule "one".
            prop_assert!(
                demi_journees(&seances, cut, Toutes).len()
                    <= demi_journees(&seances, cut, UneSeance).len()
            );
        }
    }
}
