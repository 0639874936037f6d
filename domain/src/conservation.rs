//! How long the vie scolaire's details are kept (GUIDE §2: not beyond what the school year
//! needs): until the school's setting of days after the year's last period ends. One rule, which
//! the central applies with its own clock; PCs follow its word (the pull says the details are
//! erased), never their own clock.

use crate::absences::Reglages;
use crate::conseil::Periode;
use crate::edit::EntityKind;
use chrono::NaiveDate;

/// The vie scolaire's records: what the retention erases. Marks, competencies, appreciations
/// and councils are the pupil's school record (the LSU keeps them a cycle and a year).
pub const VIE_SCOLAIRE: [EntityKind; 5] = [
    EntityKind::Appel,
    EntityKind::Presence,
    EntityKind::Absence,
    EntityKind::Dispense,
    EntityKind::Notification,
];

/// The first day on which the year's vie scolaire is past its time, if the year has periods.
pub fn effacement_le(periodes: &[Periode], reglages: &Reglages) -> Option<NaiveDate> {
    let fin = periodes.iter().map(|p| p.fin).max()?;
    fin.checked_add_days(chrono::Days::new(
        u64::from(reglages.conservation_vie_scolaire_jours) + 1,
    ))
}

/// Whether, on `jour`, the year's vie scolaire is past its time.
pub fn a_effacer(periodes: &[Periode], reglages: &Reglages, jour: NaiveDate) -> bool {
    effacement_le(periodes, reglages).is_some_and(|le| jour >= le)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periode(id: &str, debut: (i32, u32, u32), fin: (i32, u32, u32)) -> Periode {
        let d = |(y, m, j)| NaiveDate::from_ymd_opt(y, m, j).expect("date");
        Periode {
            id: id.into(),
            libelle: id.into(),
            debut: d(debut),
            fin: d(fin),
        }
    }

    #[test]
    fn table() {
        let annee = [
            periode("T1", (2026, 9, 1), (2026, 11, 30)),
            // Out of order: the year ends with its last period, whatever the list's order.
            periode("T3", (2027, 3, 8), (2027, 7, 3)),
            periode("T2", (2026, 12, 1), (2027, 3, 7)),
        ];
        let jours = |n| Reglages {
            conservation_vie_scolaire_jours: n,
            ..Reglages::default()
        };
        let d = |y, m, j| NaiveDate::from_ymd_opt(y, m, j).expect("date");
        // (periods, days kept, day, erased)
        let cases = [
            (&annee[..], 62, d(2026, 12, 2), false),
            (&annee[..], 62, d(2027, 7, 3), false),
            (&annee[..], 62, d(2027, 9, 3), false),
            (&annee[..], 62, d(2027, 9, 4), true),
            (&annee[..], 1, d(2027, 7, 4), false),
            (&annee[..], 1, d(2027, 7, 5), true),
            (&annee[..], 365, d(2028, 7, 2), false),
            (&annee[..], 365, d(2028, 7, 3), true),
            // No periods yet (a year being set up): nothing is past its time.
            (&[][..], 1, d(2040, 1, 1), false),
        ];
        for (periodes, n, jour, efface) in cases {
            assert_eq!(
                a_effacer(periodes, &jours(n), jour),
                efface,
                "{n} days, {jour}"
            );
        }
        assert_eq!(effacement_le(&annee, &jours(62)), Some(d(2027, 9, 4)));
    }
}
