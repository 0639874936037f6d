//! Competencies (GUIDE §2, "compétences"): 4 levels, the socle commun's 8 components with their
//! LSU codes, items a teacher defines for her subject and evaluates in devoirs, and the
//! positionnement (1–4) per pupil, subject and period, suggested from the period's evaluations.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A level of mastery. Serialized as its number, as LSU writes a positionnement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(try_from = "u8", into = "u8")]
pub enum Niveau {
    MaitriseInsuffisante = 1,
    MaitriseFragile = 2,
    MaitriseSatisfaisante = 3,
    TresBonneMaitrise = 4,
}

impl TryFrom<u8> for Niveau {
    type Error = String;

    fn try_from(n: u8) -> Result<Niveau, String> {
        Ok(match n {
            1 => Niveau::MaitriseInsuffisante,
            2 => Niveau::MaitriseFragile,
            3 => Niveau::MaitriseSatisfaisante,
            4 => Niveau::TresBonneMaitrise,
            other => return Err(format!("niveau {other} : de 1 à 4")),
        })
    }
}

impl From<Niveau> for u8 {
    fn from(n: Niveau) -> u8 {
        n as u8
    }
}

impl Niveau {
    /// In words, as a parent reads it.
    pub fn libelle(self) -> &'static str {
        match self {
            Niveau::MaitriseInsuffisante => "Maîtrise insuffisante",
            Niveau::MaitriseFragile => "Maîtrise fragile",
            Niveau::MaitriseSatisfaisante => "Maîtrise satisfaisante",
            Niveau::TresBonneMaitrise => "Très bonne maîtrise",
        }
    }

    /// A mark that prints in black and white too: as many filled squares as the level.
    pub fn symbole(self) -> String {
        let n = self as usize;
        format!("{}{}", "■".repeat(n), "□".repeat(4 - n))
    }
}

/// What a teacher writes in a competency cell: a level, or the same codes as for marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Evaluation {
    Niveau(Niveau),
    /// Absent: not counted.
    Abs,
    /// Exempt: not counted.
    Disp,
    /// Not evaluated: not counted.
    Nn,
    /// Not handed in: counts as "maîtrise insuffisante", as a mark not handed in counts 0.
    Nr,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("« {0} » n'est ni un niveau (1 à 4) ni un code (abs, disp, nn, nr)")]
pub struct EvaluationInvalide(pub String);

impl Evaluation {
    /// Reads a cell as typed: `1`–`4`, or a code in any case.
    pub fn parse(text: &str) -> Result<Evaluation, EvaluationInvalide> {
        let typed = text.trim().to_lowercase();
        Ok(match typed.as_str() {
            "abs" => Evaluation::Abs,
            "disp" => Evaluation::Disp,
            "nn" => Evaluation::Nn,
            "nr" => Evaluation::Nr,
            n => Evaluation::Niveau(
                n.parse::<u8>()
                    .ok()
                    .and_then(|n| Niveau::try_from(n).ok())
                    .ok_or_else(|| EvaluationInvalide(text.trim().to_owned()))?,
            ),
        })
    }

    /// The cell as the grid shows it: `3`, `ABS`.
    pub fn libelle(self) -> String {
        match self {
            Evaluation::Niveau(n) => (n as u8).to_string(),
            Evaluation::Abs => "ABS".into(),
            Evaluation::Disp => "DISP".into(),
            Evaluation::Nn => "NN".into(),
            Evaluation::Nr => "NR".into(),
        }
    }

    /// The level it counts as, if it counts.
    fn compte(self) -> Option<Niveau> {
        match self {
            Evaluation::Niveau(n) => Some(n),
            Evaluation::Nr => Some(Niveau::MaitriseInsuffisante),
            Evaluation::Abs | Evaluation::Disp | Evaluation::Nn => None,
        }
    }
}

/// How a positionnement is suggested, said once for the screen and the code below.
pub const REGLE_POSITIONNEMENT: &str = "Positionnement proposé : la moyenne des niveaux évalués sur la période (NR compte 1 ; ABS, DISP et NN ne comptent pas), arrondie au niveau le plus proche, à mi-chemin vers le haut. Il ne remplace jamais un positionnement saisi.";

/// The level the period's evaluations suggest: the mean of the levels that count, rounded to
/// the nearest level, halves up (2,5 → 3). `None` without any.
pub fn suggestion(evaluations: &[Evaluation]) -> Option<Niveau> {
    let counted: Vec<u32> = evaluations
        .iter()
        .filter_map(|e| e.compte())
        .map(|n| u32::from(n as u8))
        .collect();
    if counted.is_empty() {
        return None;
    }
    let (sum, n) = (counted.iter().sum::<u32>(), counted.len() as u32);
    // round(sum / n) with halves up, in integers: floor((2 sum + n) / 2n).
    let rounded = (2 * sum + n) / (2 * n);
    Niveau::try_from(rounded as u8).ok()
}

/// The socle commun's 8 components, with their LSU codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub enum Composante {
    #[serde(rename = "CPD_FRA")]
    CpdFra,
    #[serde(rename = "CPD_ETR")]
    CpdEtr,
    #[serde(rename = "CPD_SCI")]
    CpdSci,
    #[serde(rename = "CPD_ART")]
    CpdArt,
    #[serde(rename = "MET_APP")]
    MetApp,
    #[serde(rename = "FRM_CIT")]
    FrmCit,
    #[serde(rename = "SYS_NAT")]
    SysNat,
    #[serde(rename = "REP_MND")]
    RepMnd,
}

pub const COMPOSANTES: [Composante; 8] = [
    Composante::CpdFra,
    Composante::CpdEtr,
    Composante::CpdSci,
    Composante::CpdArt,
    Composante::MetApp,
    Composante::FrmCit,
    Composante::SysNat,
    Composante::RepMnd,
];

impl Composante {
    /// The LSU code (`CodeDomaineSocle`).
    pub fn code(self) -> &'static str {
        match self {
            Composante::CpdFra => "CPD_FRA",
            Composante::CpdEtr => "CPD_ETR",
            Composante::CpdSci => "CPD_SCI",
            Composante::CpdArt => "CPD_ART",
            Composante::MetApp => "MET_APP",
            Composante::FrmCit => "FRM_CIT",
            Composante::SysNat => "SYS_NAT",
            Composante::RepMnd => "REP_MND",
        }
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Composante::CpdFra => {
                "Comprendre, s'exprimer en utilisant la langue française à l'oral et à l'écrit"
            }
            Composante::CpdEtr => {
                "Comprendre, s'exprimer en utilisant une langue étrangère et, le cas échéant, une langue régionale"
            }
            Composante::CpdSci => {
                "Comprendre, s'exprimer en utilisant les langages mathématiques, scientifiques et informatiques"
            }
            Composante::CpdArt => {
                "Comprendre, s'exprimer en utilisant les langages des arts et du corps"
            }
            Composante::MetApp => "Les méthodes et outils pour apprendre",
            Composante::FrmCit => "La formation de la personne et du citoyen",
            Composante::SysNat => "Les systèmes naturels et les systèmes techniques",
            Composante::RepMnd => "Les représentations du monde et l'activité humaine",
        }
    }
}

/// At most this many characters in an item's wording.
pub const ITEM_MAX_CHARS: usize = 200;

/// A competency item a teacher defines for her subject, under one component of the socle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ItemBrut", into = "ItemBrut")]
pub struct Item {
    libelle: String,
    composante: Composante,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemBrut {
    pub libelle: String,
    pub composante: Composante,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemInvalide {
    #[error("l'intitulé de la compétence est vide")]
    Vide,
    #[error("l'intitulé compte {0} caractères (au plus {max})", max = ITEM_MAX_CHARS)]
    TropLong(usize),
    #[error("l'intitulé contient un caractère de contrôle")]
    Controle,
}

impl TryFrom<ItemBrut> for Item {
    type Error = ItemInvalide;

    fn try_from(b: ItemBrut) -> Result<Item, ItemInvalide> {
        let libelle = b.libelle.trim().to_owned();
        let n = libelle.chars().count();
        if n == 0 {
            return Err(ItemInvalide::Vide);
        }
        if n > ITEM_MAX_CHARS {
            return Err(ItemInvalide::TropLong(n));
        }
        if libelle.chars().any(char::is_control) {
            return Err(ItemInvalide::Controle);
        }
        Ok(Item {
            libelle,
            composante: b.composante,
        })
    }
}

impl From<Item> for ItemBrut {
    fn from(i: Item) -> ItemBrut {
        ItemBrut {
            libelle: i.libelle,
            composante: i.composante,
        }
    }
}

impl Item {
    pub fn new(brut: ItemBrut) -> Result<Item, ItemInvalide> {
        Item::try_from(brut)
    }

    pub fn libelle(&self) -> &str {
        &self.libelle
    }

    pub fn composante(&self) -> Composante {
        self.composante
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Niveau::*;

    fn e(text: &str) -> Evaluation {
        Evaluation::parse(text).expect("an evaluation")
    }

    #[test]
    fn cells_read_as_typed() {
        let cases = [
            ("1", Evaluation::Niveau(MaitriseInsuffisante)),
            (" 4 ", Evaluation::Niveau(TresBonneMaitrise)),
            ("ABS", Evaluation::Abs),
            ("Disp", Evaluation::Disp),
            ("nn", Evaluation::Nn),
            ("NR", Evaluation::Nr),
        ];
        for (text, expected) in cases {
            assert_eq!(Evaluation::parse(text), Ok(expected), "{text:?}");
            assert_eq!(Evaluation::parse(&expected.libelle()), Ok(expected));
        }
        for bad in ["", "0", "5", "3,5", "A", "-1", "trois"] {
            assert!(Evaluation::parse(bad).is_err(), "{bad:?}");
        }
        let wire = serde_json::to_value(Evaluation::Niveau(MaitriseFragile)).expect("json");
        assert_eq!(wire, serde_json::json!({"niveau": 2}));
        assert!(serde_json::from_value::<Evaluation>(serde_json::json!({"niveau": 5})).is_err());
    }

    #[test]
    fn suggestions_by_hand() {
        // (evaluations, suggested level), each worked out by hand.
        let cases: &[(&[&str], Option<Niveau>)] = &[
            (&[], None),
            (&["abs", "nn", "disp"], None),
            (&["nr"], Some(MaitriseInsuffisante)),
            (&["3"], Some(MaitriseSatisfaisante)),
            // 2,5 rounds up.
            (&["2", "3"], Some(MaitriseSatisfaisante)),
            // 2,33 rounds down.
            (&["2", "2", "3"], Some(MaitriseFragile)),
            // 3,67 rounds up; codes that do not count leave the rest alone.
            (&["4", "4", "3", "abs"], Some(TresBonneMaitrise)),
            // NR counts 1: (1 + 4) / 2 = 2,5 → 3.
            (&["nr", "4"], Some(MaitriseSatisfaisante)),
            (&["1", "1", "2"], Some(MaitriseInsuffisante)),
        ];
        for (cells, expected) in cases {
            let evaluations: Vec<Evaluation> = cells.iter().map(|c| e(c)).collect();
            assert_eq!(suggestion(&evaluations), *expected, "{cells:?}");
        }
    }

    #[test]
    fn the_socle_s_components_carry_their_lsu_codes() {
        let codes: Vec<&str> = COMPOSANTES.iter().map(|c| c.code()).collect();
        assert_eq!(
            codes,
            [
                "CPD_FRA", "CPD_ETR", "CPD_SCI", "CPD_ART", "MET_APP", "FRM_CIT", "SYS_NAT",
                "REP_MND"
            ]
        );
        for c in COMPOSANTES {
            let wire = serde_json::to_value(c).expect("json");
            assert_eq!(wire, serde_json::json!(c.code()));
            assert!(!c.libelle().is_empty());
        }
        assert_eq!(TresBonneMaitrise.symbole(), "■■■■");
        assert_eq!(MaitriseFragile.symbole(), "■■□□");
    }

    #[test]
    fn items_are_checked_as_they_are_read() {
        let item = |text: &str| {
            Item::new(ItemBrut {
                libelle: text.into(),
                composante: Composante::CpdFra,
            })
        };
        assert_eq!(
            item("  Rédiger un texte  ").expect("valid").libelle(),
            "Rédiger un texte"
        );
        assert_eq!(item(" "), Err(ItemInvalide::Vide));
        assert_eq!(item(&"x".repeat(201)), Err(ItemInvalide::TropLong(201)));
        assert_eq!(item("a\tb"), Err(ItemInvalide::Controle));
        let bad = serde_json::json!({"libelle": "Lire", "composante": "CPD_XXX"});
        assert!(serde_json::from_value::<Item>(bad).is_err());
    }
}
