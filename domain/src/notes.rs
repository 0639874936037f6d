//! Marks and averages (GUIDE §2), exact until display. A mark is a number of hundredths in
//! [0, barème] or a code: `ABS` (absent), `DISP` (exempt) and `NN` (not marked) do not count;
//! `NR` (not handed in) counts as 0. A subject's average over a period is
//! Σ(mark / barème × 20 × coef) / Σ coef over the marks that count; the moyenne générale weighs the
//! subject averages by the subjects' coefficients. Every sum is an exact fraction; rounding is
//! done once, at display, to 2 decimals. A pupil with no mark that counts has no average ("—"),
//! not 0.
//!
//! A devoir's definition is `devoir.rs`; a mark syncs as `Edit::Note` (wire form: `{"points":
//! 1250}` or `"abs"`, `"disp"`, `"nn"`, `"nr"`; `null` for an emptied cell).

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A quantity in hundredths (a mark, a barème, a coefficient): `1250` is 12,50.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Centiemes(pub u32);

/// The largest quantity a cell, a barème or a coefficient may hold: 100 000,00.
pub const CENTIEMES_MAX: u32 = 10_000_000;

impl Centiemes {
    /// Reads `12`, `12,5`, `12.50` (at most 2 decimals, no sign).
    pub fn parse(text: &str) -> Option<Centiemes> {
        let text = text.trim().replace(',', ".");
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let (whole, frac) = match text.split_once('.') {
            Some((whole, frac)) if digits(frac) && frac.len() <= 2 => (whole, frac),
            Some(_) => return None,
            None => (text.as_str(), ""),
        };
        if !digits(whole) {
            return None;
        }
        let whole: u32 = whole.parse().ok().filter(|w| *w <= 100_000)?;
        let frac: u32 = format!("{frac:0<2}").parse().ok()?;
        Some(Centiemes(whole * 100 + frac))
    }
}

impl fmt::Display for Centiemes {
    /// `12,5` for 1250, `12` for 1200, `12,25` for 1225: as a French teacher writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => write!(f, "{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{whole},{}", f10 / 10),
            _ => write!(f, "{whole},{frac:02}"),
        }
    }
}

/// What a teacher writes in a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Note {
    /// A mark, in hundredths of points out of the devoir's barème.
    #[serde(rename = "points")]
    Valeur(Centiemes),
    /// Absent: not counted.
    Abs,
    /// Exempt: not counted.
    Disp,
    /// Not marked: not counted.
    Nn,
    /// Not handed in: counts as 0.
    Nr,
}

/// Why a typed mark is refused, in the words the grid shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteInvalide {
    #[error("« {0} » n'est ni une note ni un code (abs, disp, nn, nr)")]
    Illisible(String),
    #[error("{note} dépasse le barème ({bareme})")]
    AuDessusDuBareme { note: Centiemes, bareme: Centiemes },
}

impl Note {
    /// Reads a cell as typed: a number with a comma or a dot, or a code in any case.
    pub fn parse(text: &str, bareme: Centiemes) -> Result<Note, NoteInvalide> {
        let code = text.trim().to_lowercase();
        Ok(match code.as_str() {
            "abs" => Note::Abs,
            "disp" => Note::Disp,
            "nn" => Note::Nn,
            "nr" => Note::Nr,
            _ => {
                let note = Centiemes::parse(&code)
                    .ok_or_else(|| NoteInvalide::Illisible(text.trim().to_owned()))?;
                if note > bareme {
                    return Err(NoteInvalide::AuDessusDuBareme { note, bareme });
                }
                Note::Valeur(note)
            }
        })
    }

    /// The cell as the grid shows it: `12,5`, `ABS`.
    pub fn libelle(self) -> String {
        match self {
            Note::Valeur(v) => v.to_string(),
            Note::Abs => "ABS".into(),
            Note::Disp => "DISP".into(),
            Note::Nn => "NN".into(),
            Note::Nr => "NR".into(),
        }
    }

    /// A mark's points, if it is one.
    pub fn points(self) -> Option<Centiemes> {
        match self {
            Note::Valeur(v) => Some(v),
            Note::Abs | Note::Disp | Note::Nn | Note::Nr => None,
        }
    }

    /// The mark that counts in an average, if it counts.
    fn compte(self) -> Option<Centiemes> {
        match self {
            Note::Valeur(v) => Some(v),
            Note::Nr => Some(Centiemes(0)),
            Note::Abs | Note::Disp | Note::Nn => None,
        }
    }
}

/// How a devoir weighs: its coefficient and barème (both > 0; the devoir's own checks refuse a
/// barème of 0 or a negative coefficient), and whether it counts in the average at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poids {
    pub coefficient: Centiemes,
    pub bareme: Centiemes,
    pub compte: bool,
}

/// An exact non-negative fraction (arbitrary precision: no sum of a year's marks can overflow it).
/// Compared and summed exactly; shown rounded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moyenne(BigRational);

impl Moyenne {
    /// Rounded half up to 2 decimals, French style: `12,35`.
    pub fn arrondie(&self) -> String {
        // floor(x × 100 + 1/2) = floor((200 n + d) / 2d), in machine words when they suffice.
        let small = (|| {
            let (n, d) = (self.0.numer().to_u128()?, self.0.denom().to_u128()?);
            let num = n.checked_mul(200)?.checked_add(d)?;
            Some(num / d.checked_mul(2)?)
        })();
        let hundredths = match small {
            Some(h) => BigInt::from(h),
            None => (&self.0 * BigInt::from(100u32) + BigRational::new(1.into(), 2.into()))
                .floor()
                .to_integer(),
        };
        let hundred = BigInt::from(100u32);
        let (whole, frac) = (&hundredths / &hundred, &hundredths % &hundred);
        format!("{whole},{frac:0>2}")
    }
}

/// Σ weight × value / Σ weight over `(value, weight)`; `None` without any weight. Summed as
/// `Somme` sums marks: machine words while they suffice.
fn weighted(items: impl Iterator<Item = (BigRational, u32)>) -> Option<Moyenne> {
    let mut somme = Somme::default();
    for (value, weight) in items {
        somme.add_rational(&value, weight);
    }
    somme.moyenne()
}

/// A subject's average over a period, out of 20: `None` when no mark counts.
pub fn moyenne_matiere(notes: &[(Poids, Note)]) -> Option<Moyenne> {
    let mut somme = Somme::default();
    for (poids, note) in notes {
        somme.ajouter(*poids, *note);
    }
    somme.moyenne()
}

/// A subject's average being summed mark by mark, exact: in machine integers while they
/// suffice (every real gradebook: barèmes share small factors), in arbitrary precision beyond.
/// A school's year of marks is summed without an allocation per mark.
#[derive(Debug, Clone)]
pub struct Somme(SommeEtat);

#[derive(Debug, Clone)]
enum SommeEtat {
    /// Σ k·v/b = n/d (d the lcm of the barèmes seen), and Σ k = w.
    Entiers {
        n: u64,
        d: u64,
        w: u64,
    },
    Exacte {
        somme: BigRational,
        w: BigInt,
    },
}

impl Default for Somme {
    fn default() -> Somme {
        Somme(SommeEtat::Entiers { n: 0, d: 1, w: 0 })
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Somme {
    /// Counts a mark as GUIDE §2 says (or leaves it out).
    pub fn ajouter(&mut self, poids: Poids, note: Note) {
        if !poids.compte || poids.bareme.0 == 0 {
            return;
        }
        let Some(v) = note.compte() else {
            return;
        };
        // v/barème × 20, with the hundredths of both cancelling out.
        self.add(
            u128::from(v.0) * 20,
            u128::from(poids.bareme.0),
            poids.coefficient.0,
        );
    }

    /// Adds k × value (an average already exact).
    fn add_rational(&mut self, value: &BigRational, k: u32) {
        match (value.numer().to_u128(), value.denom().to_u128()) {
            (Some(n), Some(d)) => self.add(n, d, k),
            _ => {
                self.exact();
                if let SommeEtat::Exacte { somme, w } = &mut self.0 {
                    *somme += value * BigInt::from(k);
                    *w += k;
                }
            }
        }
    }

    /// Goes on in arbitrary precision.
    fn exact(&mut self) {
        if let SommeEtat::Entiers { n, d, w } = self.0 {
            self.0 = SommeEtat::Exacte {
                somme: BigRational::new(BigInt::from(n), BigInt::from(d)),
                w: BigInt::from(w),
            };
        }
    }

    /// Adds k × num/den. The denominator is the lcm of the barèmes seen, which changes only
    /// with a new barème; the fraction is reduced once, at the end (`BigRational::new`). Machine
    /// words while the sums fit in them (hardware arithmetic), arbitrary precision beyond.
    fn add(&mut self, num: u128, den: u128, k: u32) {
        if let SommeEtat::Entiers { n, d, w } = self.0 {
            let next = (|| {
                let (num, den) = (u64::try_from(num).ok()?, u64::try_from(den).ok()?);
                let l = if d % den == 0 {
                    d
                } else {
                    (d / gcd(d, den)).checked_mul(den)?
                };
                let term = num.checked_mul(u64::from(k))?.checked_mul(l / den)?;
                let n = n.checked_mul(l / d)?.checked_add(term)?;
                Some((n, l, w.checked_add(u64::from(k))?))
            })();
            match next {
                Some((n, d, w)) => {
                    self.0 = SommeEtat::Entiers { n, d, w };
                    return;
                }
                None => self.exact(),
            }
        }
        if let SommeEtat::Exacte { somme, w } = &mut self.0 {
            *somme += BigRational::new(BigInt::from(num), BigInt::from(den)) * BigInt::from(k);
            *w += k;
        }
    }

    /// The average: `None` when no mark counts.
    pub fn moyenne(&self) -> Option<Moyenne> {
        match &self.0 {
            SommeEtat::Entiers { w: 0, .. } => None,
            SommeEtat::Entiers { n, d, w } => Some(Moyenne(BigRational::new(
                BigInt::from(*n),
                BigInt::from(*d) * BigInt::from(*w),
            ))),
            SommeEtat::Exacte { w, .. } if w.is_zero() => None,
            SommeEtat::Exacte { somme, w } => Some(Moyenne(somme / w)),
        }
    }
}

/// The moyenne générale: the subject averages weighed by the subjects' coefficients; a subject
/// without an average is left out.
pub fn moyenne_generale(matieres: &[(Option<Moyenne>, Centiemes)]) -> Option<Moyenne> {
    weighted(
        matieres
            .iter()
            .filter_map(|(m, coef)| Some((m.as_ref()?.0.clone(), coef.0))),
    )
}

/// A class's minimum, maximum and average of the averages it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statistiques {
    pub min: Moyenne,
    pub max: Moyenne,
    pub moyenne: Moyenne,
}

/// A devoir's minimum, maximum and average mark, in its own barème's points: the marks that
/// count (NR as 0; ABS, DISP and NN left out). `None` when no mark counts.
pub fn statistiques_devoir(notes: &[Note]) -> Option<Statistiques> {
    let points: Vec<Option<Moyenne>> = notes
        .iter()
        .map(|n| {
            n.compte()
                .map(|v| Moyenne(BigRational::new(BigInt::from(v.0), BigInt::from(100u32))))
        })
        .collect();
    statistiques(&points)
}

pub fn statistiques(moyennes: &[Option<Moyenne>]) -> Option<Statistiques> {
    let present: Vec<&Moyenne> = moyennes.iter().flatten().collect();
    Some(Statistiques {
        min: (*present.iter().min()?).clone(),
        max: (*present.iter().max()?).clone(),
        moyenne: weighted(present.iter().map(|m| (m.0.clone(), 1)))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(text: &str) -> Centiemes {
        Centiemes::parse(text).expect("a number")
    }

    fn sur(bareme: &str, coef: &str) -> Poids {
        Poids {
            coefficient: c(coef),
            bareme: c(bareme),
            compte: true,
        }
    }

    fn note(text: &str) -> Note {
        Note::parse(text, c("100")).expect("a mark")
    }

    /// The reference: Σ weight × value / Σ weight in arbitrary precision, step by step.
    fn weighted_exact(items: impl Iterator<Item = (BigRational, u32)>) -> Option<Moyenne> {
        let (mut sum, mut weights) = (BigRational::zero(), BigInt::zero());
        for (value, weight) in items {
            sum += value * BigInt::from(weight);
            weights += weight;
        }
        (!weights.is_zero()).then(|| Moyenne(sum / weights))
    }

    fn shown(m: Option<Moyenne>) -> String {
        m.map_or_else(|| "—".to_owned(), |m| m.arrondie())
    }

    #[test]
    fn cells_read_as_a_teacher_types_them() {
        let b = c("20");
        let cases = [
            ("12", Ok(Note::Valeur(Centiemes(1200)))),
            ("12,5", Ok(Note::Valeur(Centiemes(1250)))),
            (" 12.25 ", Ok(Note::Valeur(Centiemes(1225)))),
            ("20", Ok(Note::Valeur(Centiemes(2000)))),
            ("0", Ok(Note::Valeur(Centiemes(0)))),
            ("ABS", Ok(Note::Abs)),
            ("Disp", Ok(Note::Disp)),
            ("nn", Ok(Note::Nn)),
            ("NR", Ok(Note::Nr)),
        ];
        for (text, expected) in cases {
            assert_eq!(Note::parse(text, b), expected, "{text:?}");
        }
        for bad in ["", "-1", "12,555", "douze", "1e2", "12,", ",5", "+3"] {
            assert!(
                matches!(Note::parse(bad, b), Err(NoteInvalide::Illisible(_))),
                "{bad:?}"
            );
        }
        let over = Note::parse("20,5", b).expect_err("above the barème");
        assert_eq!(over.to_string(), "20,5 dépasse le barème (20)");
    }

    /// A cell of the table below: (barème, coefficient, what was typed).
    type Cellule = (&'static str, &'static str, &'static str);

    #[test]
    fn subject_averages_by_hand() {
        // (marks as (barème, coefficient, cell), the average shown), each computed by hand.
        let cases: &[(&[Cellule], &str)] = &[
            (&[], "—"),
            (&[("20", "1", "abs")], "—"),
            (
                &[("20", "1", "abs"), ("20", "1", "disp"), ("20", "1", "nn")],
                "—",
            ),
            (&[("20", "1", "nr")], "0,00"),
            (&[("20", "1", "12")], "12,00"),
            (&[("20", "1", "12"), ("20", "1", "15")], "13,50"),
            // 8/10 is 16/20; coefficient 2 on it: (16×2 + 10×1) / 3 = 14.
            (&[("10", "2", "8"), ("20", "1", "10")], "14,00"),
            // Codes that do not count leave the others alone; NR counts as 0.
            (
                &[("20", "1", "14"), ("20", "1", "abs"), ("20", "1", "nr")],
                "7,00",
            ),
            // 1/3 of the way: 10 + 10/3 = 13.333… shown once, rounded.
            (
                &[("20", "1", "10"), ("20", "1", "10"), ("20", "1", "20")],
                "13,33",
            ),
            // Half up at the last decimal: (12.5 + 12.51)/2 = 12.505.
            (&[("20", "1", "12,5"), ("20", "1", "12,51")], "12,51"),
            // Coefficients in hundredths: 0,5 and 1,5.
            (&[("20", "0,5", "8"), ("20", "1,5", "16")], "14,00"),
        ];
        for (notes, expected) in cases {
            let notes: Vec<(Poids, Note)> =
                notes.iter().map(|(b, k, n)| (sur(b, k), note(n))).collect();
            assert_eq!(shown(moyenne_matiere(&notes)), *expected, "{notes:?}");
        }
        let not_counted = Poids {
            compte: false,
            ..sur("20", "1")
        };
        let notes = [(not_counted, note("2")), (sur("20", "1"), note("18"))];
        assert_eq!(
            shown(moyenne_matiere(&notes)),
            "18,00",
            "a devoir that does not count"
        );
    }

    #[test]
    fn the_moyenne_generale_weighs_subjects_and_skips_those_without_an_average() {
        let m = |text: &str| moyenne_matiere(&[(sur("20", "1"), note(text))]);
        let generale = moyenne_generale(&[(m("12"), c("2")), (m("18"), c("1")), (None, c("3"))]);
        assert_eq!(shown(generale), "14,00");
        assert_eq!(shown(moyenne_generale(&[(None, c("1"))])), "—");
        let stats = statistiques(&[m("8"), None, m("12"), m("19")]).expect("three averages");
        assert_eq!(
            (
                stats.min.arrondie(),
                stats.max.arrondie(),
                stats.moyenne.arrondie()
            ),
            ("8,00".into(), "19,00".into(), "13,00".into())
        );
        assert_eq!(statistiques(&[None, None]), None);
    }

    #[test]
    fn a_devoir_s_statistics_are_in_its_points_and_skip_what_does_not_count() {
        let b = c("10");
        let notes: Vec<Note> = ["7,5", "abs", "nr", "9", "disp", "nn"]
            .iter()
            .map(|t| Note::parse(t, b).expect("a mark"))
            .collect();
        let stats = statistiques_devoir(&notes).expect("three count");
        assert_eq!(
            (
                stats.min.arrondie(),
                stats.max.arrondie(),
                stats.moyenne.arrondie()
            ),
            ("0,00".into(), "9,00".into(), "5,50".into())
        );
        assert_eq!(statistiques_devoir(&[Note::Abs, Note::Nn]), None);
        assert_eq!(statistiques_devoir(&[]), None);
    }

    fn cell() -> impl Strategy<Value = (u32, u32, u32, u8)> {
        // (barème in hundredths, coefficient in hundredths, mark as a share of the barème in
        // hundredths, code: 0 a mark, 1 ABS, 2 NR)
        (100u32..=10_000, 1u32..=1_000, 0u32..=100, 0u8..=2)
    }

    fn build(cells: &[(u32, u32, u32, u8)], scale: u32) -> Vec<(Poids, Note)> {
        cells
            .iter()
            .map(|&(b, k, share, code)| {
                let bareme = Centiemes(b * scale);
                let poids = Poids {
                    coefficient: Centiemes(k),
                    bareme,
                    compte: true,
                };
                let n = match code {
                    0 => Note::Valeur(Centiemes(b * share / 100 * scale)),
                    1 => Note::Abs,
                    _ => Note::Nr,
                };
                (poids, n)
            })
            .collect()
    }

    proptest! {
        #[test]
        fn the_order_of_the_rows_changes_nothing(cells in prop::collection::vec(cell(), 0..20)) {
            let notes = build(&cells, 1);
            let mut reversed = notes.clone();
            reversed.reverse();
            let mut rotated = notes.clone();
            if !rotated.is_empty() {
                rotated.rotate_left(notes.len() / 2);
            }
            prop_assert_eq!(moyenne_matiere(&notes), moyenne_matiere(&reversed));
            prop_assert_eq!(moyenne_matiere(&notes), moyenne_matiere(&rotated));
        }

        #[test]
        fn scaling_every_bareme_and_mark_together_changes_nothing(
            cells in prop::collection::vec(cell(), 0..20),
            scale in 1u32..=5,
        ) {
            prop_assert_eq!(moyenne_matiere(&build(&cells, 1)), moyenne_matiere(&build(&cells, scale)));
        }

        #[test]
        fn machine_integers_or_not_the_average_is_exact(
            cells in prop::collection::vec((0u128..=1u128 << 40, 1u128..=1u128 << 40, 1u32..=10_000), 0..30),
        ) {
            // Random denominators overflow machine integers: the sum goes on exactly.
            let slow = weighted_exact(cells.iter().map(|&(num, den, k)| {
                (BigRational::new(BigInt::from(num), BigInt::from(den)), k)
            }));
            let mut somme = Somme::default();
            for &(num, den, k) in &cells {
                somme.add(num, den, k);
            }
            prop_assert_eq!(somme.moyenne(), slow);
        }

        #[test]
        fn real_baremes_stay_in_machine_integers(
            cells in prop::collection::vec((0u128..=2_000_000, 0usize..8, 1u32..=10_000), 0..40),
        ) {
            // Barèmes of 5, 10, 15, 20, 25, 30, 40 and 100 points, in hundredths.
            const BAREMES: [u128; 8] = [500, 1000, 1500, 2000, 2500, 3000, 4000, 10_000];
            let mut somme = Somme::default();
            for &(num, b, k) in &cells {
                somme.add(num, BAREMES[b], k);
            }
            let in_integers = matches!(somme.0, SommeEtat::Entiers { .. });
            prop_assert!(in_integers, "left machine integers");
            let slow = weighted_exact(cells.iter().map(|&(num, b, k)| {
                (BigRational::new(BigInt::from(num), BigInt::from(BAREMES[b])), k)
            }));
            prop_assert_eq!(somme.moyenne(), slow);
        }

        #[test]
        fn rounding_in_machine_words_is_the_exact_rounding(n in 0u64..=u64::MAX, d in 1u64..=u64::MAX) {
            let m = Moyenne(BigRational::new(BigInt::from(n), BigInt::from(d)));
            let exact = (&m.0 * BigInt::from(100u32) + BigRational::new(1.into(), 2.into()))
                .floor()
                .to_integer();
            let hundred = BigInt::from(100u32);
            prop_assert_eq!(m.arrondie(), format!("{},{:0>2}", &exact / &hundred, &exact % &hundred));
        }

        #[test]
        fn averages_of_averages_are_exact(
            cells in prop::collection::vec((0u64..=1u64 << 50, 1u64..=1u64 << 50, 1u32..=100), 0..20),
        ) {
            let values: Vec<(BigRational, u32)> = cells
                .iter()
                .map(|&(n, d, k)| (BigRational::new(BigInt::from(n), BigInt::from(d)), k))
                .collect();
            prop_assert_eq!(weighted(values.iter().cloned()), weighted_exact(values.into_iter()));
        }

        #[test]
        fn an_average_stays_within_the_marks(cells in prop::collection::vec(cell(), 1..20)) {
            let notes = build(&cells, 1);
            if let Some(m) = moyenne_matiere(&notes) {
                let (zero, twenty) = (BigRational::zero(), BigRational::from_integer(20.into()));
                prop_assert!(zero <= m.0 && m.0 <= twenty);
            }
        }
    }
}
