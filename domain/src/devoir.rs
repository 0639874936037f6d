//! A devoir (GUIDE §2): an assessment of a service, with its date, period, coefficient, barème
//! and whether it counts in the average. Teachers create, edit and delete them offline; they sync
//! as `Edit::Devoir` (the definition, one keep-both field) and `Edit::DevoirSupprime` (a
//! one-way flag: a deleted devoir never comes back, and the central refuses any later change of
//! it or of its marks).

use crate::conseil::Periode;
use crate::notes::{CENTIEMES_MAX, Centiemes, Poids};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// At most this many characters in a devoir's title.
pub const TITRE_MAX_CHARS: usize = 120;

/// A devoir's definition, valid by construction (`Devoir::new`, and `serde` goes through it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "DevoirBrut", into = "DevoirBrut")]
pub struct Devoir {
    titre: String,
    date: NaiveDate,
    periode_id: String,
    coefficient: Centiemes,
    bareme: Centiemes,
    compte: bool,
    items: Vec<String>,
}

/// At most this many competency items evaluated in one devoir.
pub const ITEMS_MAX: usize = 20;

/// The wire form: quantities in hundredths (`bareme_centiemes: 2000` is /20). Signed, so that a
/// negative coefficient is refused with a reason rather than as an unreadable number.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevoirBrut {
    pub titre: String,
    pub date: NaiveDate,
    pub periode_id: String,
    pub coefficient_centiemes: i64,
    pub bareme_centiemes: i64,
    pub compte: bool,
    /// The competency items it evaluates (their ids in the service); none for a marks-only
    /// devoir, and then absent from the wire, as before competencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

/// Why a devoir's definition is refused, in the words the teacher reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DevoirInvalide {
    #[error("le titre du devoir est vide")]
    TitreVide,
    #[error("le titre compte {0} caractères (au plus {max})", max = TITRE_MAX_CHARS)]
    TitreTropLong(usize),
    #[error("le titre contient un caractère de contrôle")]
    TitreControle,
    #[error("le coefficient doit être positif (au plus 100)")]
    Coefficient,
    #[error("le barème doit être supérieur à 0 (au plus 1000)")]
    Bareme,
    #[error("période invalide « {0} »")]
    Periode(String),
    #[error("compétences évaluées invalides : au plus {max}, sans doublon", max = ITEMS_MAX)]
    Items,
    #[error("le {date} n'est dans aucune période de l'année : choisissez une date du calendrier scolaire", date = .0.format("%d/%m/%Y"))]
    HorsPeriode(NaiveDate),
    #[error("le {date} n'est pas dans la période « {periode} » ({debut} – {fin})", date = .date.format("%d/%m/%Y"), debut = .debut.format("%d/%m/%Y"), fin = .fin.format("%d/%m/%Y"))]
    PasDansLaPeriode {
        date: NaiveDate,
        periode: String,
        debut: NaiveDate,
        fin: NaiveDate,
    },
}

impl TryFrom<DevoirBrut> for Devoir {
    type Error = DevoirInvalide;

    fn try_from(b: DevoirBrut) -> Result<Devoir, DevoirInvalide> {
        let titre = b.titre.trim().to_owned();
        let n = titre.chars().count();
        if n == 0 {
            return Err(DevoirInvalide::TitreVide);
        }
        if n > TITRE_MAX_CHARS {
            return Err(DevoirInvalide::TitreTropLong(n));
        }
        if titre.chars().any(char::is_control) {
            return Err(DevoirInvalide::TitreControle);
        }
        let within = |v: i64, max: u32| (1..=i64::from(max)).contains(&v).then_some(v as u32);
        let coefficient =
            within(b.coefficient_centiemes, 10_000).ok_or(DevoirInvalide::Coefficient)?;
        let bareme = within(b.bareme_centiemes, 100_000).ok_or(DevoirInvalide::Bareme)?;
        if !crate::edit::is_id(&b.periode_id) {
            return Err(DevoirInvalide::Periode(b.periode_id));
        }
        let distinct: std::collections::BTreeSet<&String> = b.items.iter().collect();
        if b.items.len() > ITEMS_MAX
            || distinct.len() != b.items.len()
            || !b.items.iter().all(|i| crate::edit::is_id(i))
        {
            return Err(DevoirInvalide::Items);
        }
        debug_assert!(bareme <= CENTIEMES_MAX);
        Ok(Devoir {
            titre,
            date: b.date,
            periode_id: b.periode_id,
            coefficient: Centiemes(coefficient),
            bareme: Centiemes(bareme),
            compte: b.compte,
            items: b.items,
        })
    }
}

impl From<Devoir> for DevoirBrut {
    fn from(d: Devoir) -> DevoirBrut {
        DevoirBrut {
            titre: d.titre,
            date: d.date,
            periode_id: d.periode_id,
            coefficient_centiemes: i64::from(d.coefficient.0),
            bareme_centiemes: i64::from(d.bareme.0),
            compte: d.compte,
            items: d.items,
        }
    }
}

impl Devoir {
    pub fn new(brut: DevoirBrut) -> Result<Devoir, DevoirInvalide> {
        Devoir::try_from(brut)
    }

    pub fn titre(&self) -> &str {
        &self.titre
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn periode_id(&self) -> &str {
        &self.periode_id
    }

    pub fn bareme(&self) -> Centiemes {
        self.bareme
    }

    pub fn coefficient(&self) -> Centiemes {
        self.coefficient
    }

    pub fn compte(&self) -> bool {
        self.compte
    }

    /// The competency items it evaluates.
    pub fn items(&self) -> &[String] {
        &self.items
    }

    pub fn poids(&self) -> Poids {
        Poids {
            coefficient: self.coefficient,
            bareme: self.bareme,
            compte: self.compte,
        }
    }

    /// The devoir's date must fall in its period: a devoir "in no period" would count in no
    /// average and on no bulletin.
    pub fn dans_sa_periode(&self, periodes: &[Periode]) -> Result<(), DevoirInvalide> {
        let Some(p) = periodes.iter().find(|p| p.id == self.periode_id) else {
            return Err(match Periode::of(periodes, self.date) {
                None => DevoirInvalide::HorsPeriode(self.date),
                Some(_) => DevoirInvalide::Periode(self.periode_id.clone()),
            });
        };
        if p.debut <= self.date && self.date <= p.fin {
            Ok(())
        } else {
            Err(DevoirInvalide::PasDansLaPeriode {
                date: self.date,
                periode: p.libelle.clone(),
                debut: p.debut,
                fin: p.fin,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn brut() -> serde_json::Value {
        json!({"titre": "Contrôle 1", "date": "2026-10-05", "periode_id": "T1",
               "coefficient_centiemes": 100, "bareme_centiemes": 2000, "compte": true})
    }

    fn with(field: &str, value: serde_json::Value) -> serde_json::Value {
        let mut b = brut();
        b[field] = value;
        b
    }

    #[test]
    fn definitions_are_checked_as_they_are_read() {
        let ok: Devoir = serde_json::from_value(brut()).expect("valid");
        assert_eq!(
            (ok.bareme(), ok.coefficient()),
            (Centiemes(2000), Centiemes(100))
        );
        assert_eq!(serde_json::to_value(&ok).expect("ser"), brut());
        // (field, value, the reason's beginning)
        let cases = [
            ("titre", json!("  "), "le titre du devoir est vide"),
            ("titre", json!("x".repeat(121)), "le titre compte 121"),
            ("titre", json!("a\u{7}b"), "le titre contient"),
            ("coefficient_centiemes", json!(-100), "le coefficient"),
            ("coefficient_centiemes", json!(0), "le coefficient"),
            ("coefficient_centiemes", json!(10_001), "le coefficient"),
            ("bareme_centiemes", json!(0), "le barème"),
            ("bareme_centiemes", json!(-2000), "le barème"),
            ("bareme_centiemes", json!(100_001), "le barème"),
            ("periode_id", json!(""), "période invalide"),
            ("periode_id", json!("T 1"), "période invalide"),
            ("items", json!(["i1", "i1"]), "compétences évaluées"),
            ("items", json!(["i 1"]), "compétences évaluées"),
        ];
        for (field, value, reason) in cases {
            let err =
                serde_json::from_value::<Devoir>(with(field, value.clone())).expect_err("refused");
            assert!(
                err.to_string().starts_with(reason),
                "{field} {value}: {err}"
            );
        }
        for bad in [
            with("bareme_centiemes", json!("20")),
            with("extra", json!(1)),
            json!(null),
        ] {
            assert!(serde_json::from_value::<Devoir>(bad).is_err());
        }
    }

    #[test]
    fn a_devoir_lies_in_its_period() {
        let d = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date");
        let periodes = [
            Periode {
                id: "T1".into(),
                libelle: "1er trimestre".into(),
                debut: d("2026-09-01"),
                fin: d("2026-11-30"),
            },
            Periode {
                id: "T2".into(),
                libelle: "2e trimestre".into(),
                debut: d("2026-12-01"),
                fin: d("2027-02-28"),
            },
        ];
        let devoir = |date: &str, periode: &str| {
            Devoir::new(DevoirBrut {
                titre: "DS".into(),
                date: d(date),
                periode_id: periode.into(),
                coefficient_centiemes: 100,
                bareme_centiemes: 2000,
                compte: true,
                items: Vec::new(),
            })
            .expect("valid")
        };
        assert_eq!(
            devoir("2026-10-05", "T1").dans_sa_periode(&periodes),
            Ok(())
        );
        assert_eq!(
            devoir("2026-11-30", "T1").dans_sa_periode(&periodes),
            Ok(())
        );
        let wrong = devoir("2026-12-05", "T1").dans_sa_periode(&periodes);
        assert!(
            matches!(wrong, Err(DevoirInvalide::PasDansLaPeriode { .. })),
            "{wrong:?}"
        );
        let summer = devoir("2027-07-14", "ETE").dans_sa_periode(&periodes);
        assert_eq!(
            summer.map_err(|e| e.to_string()),
            Err("le 14/07/2027 n'est dans aucune période de l'année : choisissez une date du calendrier scolaire".into())
        );
        let unknown = devoir("2026-10-05", "T9").dans_sa_periode(&periodes);
        assert_eq!(unknown, Err(DevoirInvalide::Periode("T9".into())));
    }
}
