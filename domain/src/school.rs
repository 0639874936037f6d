//! The school's reference data, as imported each year (SIECLE / STS-Web) and read by replicas.

use crate::conseil::Periode;
use crate::heure::Heure;
use crate::uai::Uai;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Etablissement {
    pub uai: Uai,
    pub nom: String,
    pub commune: String,
}

/// A division (classe), e.g. `5A`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    pub id: String,
    pub code: String,
    /// The level as the MEF names it: `6EME`, `5EME`, `4EME`, `3EME`.
    pub niveau: String,
    /// The professeur principal (a teacher's personnel id): she follows the division's
    /// council and its assiduité. STS-Web names her; a division may have none yet.
    #[serde(default)]
    pub professeur_principal_id: Option<String>,
}

/// A group of pupils across divisions, e.g. a language group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Groupe {
    pub id: String,
    pub code: String,
    pub libelle: String,
}

/// A pupil: `id` is SIECLE's ELEVE_ID. Her national id and birth date are apart
/// (`EtatCivil`): a teacher's PC does not receive them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eleve {
    pub id: String,
    pub nom: String,
    pub prenom: String,
    pub division_id: String,
    pub groupe_ids: Vec<String>,
    /// SIECLE's `DATE_ENTREE` when the pupil arrived during the year, and `DATE_SORTIE` when she
    /// left: outside them she is on no roll call and has no mark to give. Missing (an older
    /// central, an export without them): there all year.
    #[serde(default)]
    pub date_entree: Option<NaiveDate>,
    #[serde(default)]
    pub date_sortie: Option<NaiveDate>,
    /// The divisions she left during the year, oldest first: she was in each until its date
    /// (included), then in the next one, then in `division_id`.
    #[serde(default)]
    pub passages: Vec<Passage>,
}

/// What identifies a pupil beyond her name: the INE (national pupil id) and birth date. Only
/// the roles that report to the administration (the DASEN's absentéisme report, the LSU) hold
/// them (`Scope::view_of`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EtatCivil {
    pub eleve_id: String,
    pub ine: String,
    pub date_naissance: NaiveDate,
}

/// A division a pupil left: she was in it until `jusqu_au` (included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passage {
    pub division_id: String,
    pub jusqu_au: NaiveDate,
}

/// A pupil's stay in a division: after `depuis` (excluded; none: from the start of the year)
/// until `jusqu_au` (included; none: still there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sejour {
    pub division_id: String,
    pub depuis: Option<NaiveDate>,
    pub jusqu_au: Option<NaiveDate>,
}

impl Sejour {
    pub fn couvre(&self, date: NaiveDate) -> bool {
        self.depuis.is_none_or(|d| d < date) && self.jusqu_au.is_none_or(|d| date <= d)
    }
}

impl Eleve {
    /// Whether the pupil is at the school on `date`.
    pub fn inscrit_le(&self, date: NaiveDate) -> bool {
        inscrit_entre(self.date_entree, self.date_sortie, date)
    }

    /// Her stays in divisions over the year, the current one last.
    pub fn sejours(&self) -> Vec<Sejour> {
        let mut depuis = None;
        let mut sejours = Vec::new();
        for p in &self.passages {
            sejours.push(Sejour {
                division_id: p.division_id.clone(),
                depuis,
                jusqu_au: Some(p.jusqu_au),
            });
            depuis = Some(p.jusqu_au);
        }
        sejours.push(Sejour {
            division_id: self.division_id.clone(),
            depuis,
            jusqu_au: None,
        });
        sejours
    }

    /// Whether she belongs to `cible` on `date`: at the school, and in the division then (or in
    /// the group: groups have no history yet).
    pub fn dans_la_cible_le(&self, cible: &Cible, date: NaiveDate) -> bool {
        self.inscrit_le(date)
            && match cible {
                Cible::Division(d) => self
                    .sejours()
                    .iter()
                    .any(|s| &s.division_id == d && s.couvre(date)),
                Cible::Groupe(g) => self.groupe_ids.contains(g),
                Cible::Etablissement | Cible::VieScolaire => true,
            }
    }

    /// Whether she belongs to `cible` at some time of the period `p` (the pupils of its
    /// class council, of a service's appreciations): at the school then, and in the division
    /// then (or in the group).
    pub fn dans_la_cible_pendant(&self, cible: &Cible, p: &crate::Periode) -> bool {
        let present = self.date_entree.is_none_or(|d| d <= p.fin)
            && self.date_sortie.is_none_or(|d| d >= p.debut);
        present
            && match cible {
                Cible::Division(d) => self.sejours().iter().any(|s| {
                    &s.division_id == d
                        && s.depuis.is_none_or(|x| x < p.fin)
                        && s.jusqu_au.is_none_or(|x| x >= p.debut)
                }),
                Cible::Groupe(g) => self.groupe_ids.contains(g),
                Cible::Etablissement | Cible::VieScolaire => true,
            }
    }

    /// Whether she belongs to `cible` now (her current division, her groups).
    pub fn dans(&self, cible: &Cible) -> bool {
        match cible {
            Cible::Division(d) => &self.division_id == d,
            Cible::Groupe(g) => self.groupe_ids.contains(g),
            Cible::Etablissement | Cible::VieScolaire => true,
        }
    }

    /// Every division she was in this year, the current one included.
    pub fn divisions_de_l_annee(&self) -> impl Iterator<Item = &str> {
        self.passages
            .iter()
            .map(|p| p.division_id.as_str())
            .chain(std::iter::once(self.division_id.as_str()))
    }
}

/// Whether a pupil who arrived on `entree` and left on `sortie` (both days included; none: there
/// all year) is at the school on `date`.
pub fn inscrit_entre(
    entree: Option<NaiveDate>,
    sortie: Option<NaiveDate>,
    date: NaiveDate,
) -> bool {
    entree.is_none_or(|d| d <= date) && sortie.is_none_or(|d| date <= d)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Fonction {
    Enseignant,
    Cpe,
    Direction,
    /// Imports the year, sets the periods and the school's rules, manages the accounts: sees
    /// the reference data and the settings, none of the pupils' records.
    Administrateur,
}

impl Fonction {
    pub fn as_str(self) -> &'static str {
        match self {
            Fonction::Enseignant => "enseignant",
            Fonction::Cpe => "cpe",
            Fonction::Direction => "direction",
            Fonction::Administrateur => "administrateur",
        }
    }

    pub fn parse(text: &str) -> Option<Fonction> {
        [
            Fonction::Enseignant,
            Fonction::Cpe,
            Fonction::Direction,
            Fonction::Administrateur,
        ]
        .into_iter()
        .find(|f| f.as_str() == text)
    }
}

/// A pupil's legal guardian, as SIECLE's `ResponsablesAvecAdresses` gives them: whom the vie
/// scolaire calls, and whom a family notification is sent to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Responsable {
    pub id: String,
    pub eleve_id: String,
    pub civilite: String,
    pub nom: String,
    pub prenom: String,
    /// "Mère", "Père", "Tuteur"…
    pub lien: String,
    pub telephone: Option<String>,
    pub mail: Option<String>,
}

/// A member of staff, identified as in STS-Web.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Personnel {
    pub id: String,
    pub civilite: String,
    pub nom: String,
    pub prenom: String,
    pub fonction: Fonction,
}

/// A subject with its national code (BCN `CODE_MATIERE`) and short management code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matiere {
    pub code: String,
    pub code_gestion: String,
    pub libelle: String,
}

/// Whom a service is taught to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Cible {
    Division(String),
    Groupe(String),
    /// The whole school: records every replica holds (the vie scolaire's settings).
    Etablissement,
    /// Records only the vie scolaire's replicas hold (the families' notifications, which name
    /// their addresses).
    VieScolaire,
}

/// The scope tag of `Cible::Etablissement`.
pub const ETABLISSEMENT_KEY: &str = "etablissement";
/// The scope tag of `Cible::VieScolaire`.
pub const VIE_SCOLAIRE_KEY: &str = "vie_scolaire";

impl Cible {
    /// The stable text form used as a scope tag in storage: `division:<id>` or `groupe:<id>`.
    pub fn key(&self) -> String {
        match self {
            Cible::Division(id) => format!("division:{id}"),
            Cible::Groupe(id) => format!("groupe:{id}"),
            Cible::Etablissement => ETABLISSEMENT_KEY.to_owned(),
            Cible::VieScolaire => VIE_SCOLAIRE_KEY.to_owned(),
        }
    }

    pub fn from_key(key: &str) -> Option<Cible> {
        match key {
            ETABLISSEMENT_KEY => return Some(Cible::Etablissement),
            VIE_SCOLAIRE_KEY => return Some(Cible::VieScolaire),
            _ => {}
        }
        match key.split_once(':')? {
            ("division", id) if !id.is_empty() => Some(Cible::Division(id.to_owned())),
            ("groupe", id) if !id.is_empty() => Some(Cible::Groupe(id.to_owned())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cible;

    #[test]
    fn fonction_round_trip() {
        use super::Fonction;
        for f in [Fonction::Enseignant, Fonction::Cpe, Fonction::Direction] {
            assert_eq!(Fonction::parse(f.as_str()), Some(f));
        }
        assert_eq!(Fonction::parse("proviseur"), None);
    }

    #[test]
    fn a_pupil_is_at_school_between_her_dates_both_included() {
        use super::inscrit_entre;
        let d = |m, j| chrono::NaiveDate::from_ymd_opt(2026, m, j).expect("date");
        // (arrived, left, day, at school)
        let cases = [
            (None, None, d(9, 1), true),
            (Some(d(11, 16)), None, d(11, 15), false),
            (Some(d(11, 16)), None, d(11, 16), true),
            (None, Some(d(10, 16)), d(10, 16), true),
            (None, Some(d(10, 16)), d(10, 17), false),
            (Some(d(10, 1)), Some(d(10, 31)), d(10, 15), true),
            (Some(d(10, 1)), Some(d(10, 31)), d(11, 1), false),
        ];
        for (entree, sortie, day, expected) in cases {
            assert_eq!(
                inscrit_entre(entree, sortie, day),
                expected,
                "{entree:?} {sortie:?} {day}"
            );
        }
    }

    #[test]
    fn a_pupil_who_changed_class_belongs_to_each_in_turn() {
        use super::{Cible, Eleve, Passage};
        let d = |m, j| chrono::NaiveDate::from_ymd_opt(2026, m, j).expect("date");
        let eleve = Eleve {
            id: "1".into(),
            nom: "N".into(),
            prenom: "P".into(),
            division_id: "D6C".into(),
            groupe_ids: vec!["GLAT".into()],
            date_entree: None,
            date_sortie: Some(d(12, 20)),
            passages: vec![
                Passage {
                    division_id: "D6A".into(),
                    jusqu_au: d(10, 16),
                },
                Passage {
                    division_id: "D6B".into(),
                    jusqu_au: d(11, 13),
                },
            ],
        };
        let a = Cible::Division("D6A".into());
        let b = Cible::Division("D6B".into());
        let c = Cible::Division("D6C".into());
        // (division, day, belongs)
        let cases = [
            (&a, d(9, 1), true),
            (&a, d(10, 16), true),
            (&a, d(10, 17), false),
            (&b, d(10, 16), false),
            (&b, d(10, 17), true),
            (&b, d(11, 13), true),
            (&c, d(11, 13), false),
            (&c, d(11, 14), true),
            // She left the school on 20 December.
            (&c, d(12, 21), false),
        ];
        for (cible, day, expected) in cases {
            assert_eq!(
                eleve.dans_la_cible_le(cible, day),
                expected,
                "{cible:?} {day}"
            );
        }
        assert!(eleve.dans_la_cible_le(&Cible::Groupe("GLAT".into()), d(9, 1)));
        assert_eq!(
            eleve.divisions_de_l_annee().collect::<Vec<_>>(),
            ["D6A", "D6B", "D6C"]
        );
    }

    #[test]
    fn cible_key_round_trip() {
        for c in [
            Cible::Division("D5A".into()),
            Cible::Groupe("G4ESP".into()),
            Cible::Etablissement,
            Cible::VieScolaire,
        ] {
            assert_eq!(Cible::from_key(&c.key()), Some(c));
        }
        for bad in ["", "division:", "classe:D5A", "D5A"] {
            assert_eq!(Cible::from_key(bad), None, "{bad}");
        }
    }
}

/// A school's reference data, or the part of it a scope sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct School {
    pub etablissement: Etablissement,
    pub divisions: Vec<Division>,
    pub groupes: Vec<Groupe>,
    pub eleves: Vec<Eleve>,
    pub personnels: Vec<Personnel>,
    pub matieres: Vec<Matiere>,
    pub services: Vec<Service>,
    pub seances: Vec<Seance>,
    pub periodes: Vec<Periode>,
    /// The pupils' legal guardians (empty in a teacher's view).
    #[serde(default)]
    pub responsables: Vec<Responsable>,
    /// The pupils' INE and birth dates (empty in a teacher's view).
    #[serde(default)]
    pub etats_civils: Vec<EtatCivil>,
}

impl School {
    /// Whether `teacher` teaches the service of `seance`.
    pub fn is_taught_by(&self, seance: &Seance, teacher: &str) -> bool {
        match &seance.remplacant_id {
            Some(remplacant) => remplacant == teacher,
            None => self
                .services
                .iter()
                .any(|s| s.id == seance.service_id && s.enseignant_id == teacher),
        }
    }
}

/// A teacher × subject × division or group, with the subject's coefficient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub enseignant_id: String,
    pub matiere_code: String,
    pub cible: Cible,
    pub coefficient: f64,
}

/// One lesson in the timetable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seance {
    pub id: String,
    pub service_id: String,
    pub date: NaiveDate,
    pub debut: Heure,
    pub fin: Heure,
    pub salle: String,
    /// The substitute who teaches it instead of the service's teacher, if any: she takes its
    /// roll call.
    #[serde(default)]
    pub remplacant_id: Option<String>,
}
