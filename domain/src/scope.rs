//! What a user may see: the scope a replica holds and the central service re-checks.

use crate::school::{Cible, Eleve, Fonction, School};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The tag a change or a row carries so that pulls can be filtered by scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScopeKey(pub Cible);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scope {
    /// The whole school (CPE, direction).
    Etablissement,
    /// Only these divisions and groups (a teacher's services).
    Cibles { cibles: BTreeSet<Cible> },
}

impl Scope {
    /// A user's scope from their function and the targets of the services they teach.
    pub fn for_user(fonction: Fonction, taught: impl IntoIterator<Item = Cible>) -> Scope {
        match fonction {
            Fonction::Cpe | Fonction::Direction => Scope::Etablissement,
            Fonction::Enseignant => Scope::Cibles {
                cibles: taught.into_iter().collect(),
            },
        }
    }

    pub fn contains(&self, cible: &Cible) -> bool {
        match self {
            Scope::Etablissement => true,
            Scope::Cibles { cibles } => *cible == Cible::Etablissement || cibles.contains(cible),
        }
    }

    /// Whether this scope holds something `before` did not: a replica that held `before`
    /// lacks the reference data and values of the difference.
    pub fn grows_from(&self, before: &Scope) -> bool {
        match (self, before) {
            (_, Scope::Etablissement) => false,
            (Scope::Etablissement, Scope::Cibles { .. }) => true,
            (Scope::Cibles { cibles }, Scope::Cibles { cibles: old }) => !cibles.is_subset(old),
        }
    }

    /// A pupil is visible when their division or one of their groups is, or a division she
    /// left this year (her marks and roll calls stay there).
    pub fn sees_eleve(&self, eleve: &Eleve) -> bool {
        eleve
            .divisions_de_l_annee()
            .any(|d| self.contains(&Cible::Division(d.to_owned())))
            || eleve
                .groupe_ids
                .iter()
                .any(|g| self.contains(&Cible::Groupe(g.clone())))
    }

    /// The part of `school` this scope sees: its pupils, with the divisions and groups of every
    /// one of them (a language group's pupils come from divisions outside a teacher's scope, and
    /// the other way round), its services and their séances, their teachers and the staff who
    /// are not teachers; every subject and period.
    pub fn view_of(&self, school: School) -> School {
        let eleves: Vec<Eleve> = school
            .eleves
            .into_iter()
            .filter(|e| self.sees_eleve(e))
            .collect();
        let divisions: BTreeSet<&str> = eleves
            .iter()
            .flat_map(Eleve::divisions_de_l_annee)
            .collect();
        let groupes: BTreeSet<&str> = eleves
            .iter()
            .flat_map(|e| e.groupe_ids.iter().map(String::as_str))
            .collect();
        let services: Vec<_> = school
            .services
            .into_iter()
            .filter(|s| self.contains(&s.cible))
            .collect();
        let mut teachers: BTreeSet<&str> =
            services.iter().map(|s| s.enseignant_id.as_str()).collect();
        // The substitutes of the séances it holds.
        let kept: BTreeSet<&str> = services.iter().map(|s| s.id.as_str()).collect();
        teachers.extend(
            school
                .seances
                .iter()
                .filter(|s| kept.contains(s.service_id.as_str()))
                .filter_map(|s| s.remplacant_id.as_deref()),
        );
        let taught: BTreeSet<&str> = services.iter().map(|s| s.id.as_str()).collect();
        School {
            etablissement: school.etablissement,
            divisions: (school.divisions.into_iter())
                .filter(|d| {
                    self.contains(&Cible::Division(d.id.clone()))
                        || divisions.contains(d.id.as_str())
                })
                .collect(),
            groupes: (school.groupes.into_iter())
                .filter(|g| {
                    self.contains(&Cible::Groupe(g.id.clone())) || groupes.contains(g.id.as_str())
                })
                .collect(),
            personnels: (school.personnels.into_iter())
                .filter(|p| teachers.contains(p.id.as_str()) || p.fonction != Fonction::Enseignant)
                .collect(),
            matieres: school.matieres,
            seances: (school.seances.into_iter())
                .filter(|s| taught.contains(s.service_id.as_str()))
                .collect(),
            periodes: school.periodes,
            // The families' contacts are the vie scolaire's: a teacher's PC holds none.
            responsables: match self {
                Scope::Etablissement => school.responsables,
                Scope::Cibles { .. } => Vec::new(),
            },
            services,
            eleves,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn eleve(division: &str, groupes: &[&str]) -> Eleve {
        Eleve {
            id: "1".into(),
            ine: "1".into(),
            nom: "N".into(),
            prenom: "P".into(),
            date_naissance: NaiveDate::from_ymd_opt(2013, 1, 1).expect("valid"),
            division_id: division.into(),
            groupe_ids: groupes.iter().map(|g| g.to_string()).collect(),
            date_entree: None,
            date_sortie: None,
            passages: Vec::new(),
        }
    }

    #[test]
    fn teacher_sees_only_their_targets() {
        let scope = Scope::for_user(
            Fonction::Enseignant,
            [Cible::Division("5A".into()), Cible::Groupe("5ESP".into())],
        );
        let cases = [
            (eleve("5A", &[]), true),
            (eleve("5B", &["5ESP"]), true),
            (eleve("5B", &["5ALL"]), false),
            (eleve("4A", &[]), false),
        ];
        for (e, seen) in cases {
            assert_eq!(scope.sees_eleve(&e), seen, "{e:?}");
        }
        assert!(!scope.contains(&Cible::Division("5B".into())));
    }

    #[test]
    fn growth_is_any_target_not_held_before() {
        let cibles = |names: &[&str]| Scope::Cibles {
            cibles: names.iter().map(|n| Cible::Division((*n).into())).collect(),
        };
        let cases = [
            (cibles(&["5A"]), cibles(&["5A"]), false),
            (cibles(&[]), cibles(&["5A"]), false),
            (cibles(&["5A", "4B"]), cibles(&["5A"]), true),
            (cibles(&["4B"]), cibles(&["5A"]), true),
            (Scope::Etablissement, cibles(&["5A"]), true),
            (cibles(&["5A"]), Scope::Etablissement, false),
            (Scope::Etablissement, Scope::Etablissement, false),
        ];
        for (now, before, grows) in cases {
            assert_eq!(now.grows_from(&before), grows, "{now:?} from {before:?}");
        }
    }

    #[test]
    fn cpe_and_direction_see_the_school() {
        for f in [Fonction::Cpe, Fonction::Direction] {
            let scope = Scope::for_user(f, []);
            assert!(scope.sees_eleve(&eleve("3F", &[])));
        }
    }

    #[test]
    fn a_language_teacher_sees_her_group_and_the_divisions_its_pupils_come_from() {
        use crate::school::{Division, Etablissement, Groupe, Personnel, Seance, Service};
        use crate::{Heure, Uai};
        let named = |id: &str, division: &str, groupes: &[&str]| Eleve {
            id: id.into(),
            ..eleve(division, groupes)
        };
        let division = |id: &str| Division {
            id: id.into(),
            code: id.into(),
            niveau: "5EME".into(),
        };
        let person = |id: &str, fonction| Personnel {
            id: id.into(),
            civilite: "Mme".into(),
            nom: id.into(),
            prenom: id.into(),
            fonction,
        };
        let service = |id: &str, teacher: &str, cible| Service {
            id: id.into(),
            enseignant_id: teacher.into(),
            matiere_code: "M".into(),
            cible,
            coefficient: 1.0,
        };
        let seance = |id: &str, service: &str| Seance {
            remplacant_id: None,
            id: id.into(),
            service_id: service.into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid"),
            debut: Heure::new(8, 0).expect("valid"),
            fin: Heure::new(9, 0).expect("valid"),
            salle: "B1".into(),
        };
        let school = School {
            etablissement: Etablissement {
                uai: Uai::from_number(670_001).expect("valid"),
                nom: "C".into(),
                commune: "S".into(),
            },
            divisions: vec![division("5A"), division("5B"), division("4A")],
            groupes: vec![Groupe {
                id: "5ESP".into(),
                code: "5ESP".into(),
                libelle: "5e espagnol".into(),
            }],
            eleves: vec![
                named("1", "5A", &["5ESP"]),
                named("2", "5B", &["5ESP"]),
                named("3", "5B", &[]),
                named("4", "4A", &[]),
            ],
            personnels: vec![
                person("ESP", Fonction::Enseignant),
                person("MATHS", Fonction::Enseignant),
                person("CPE", Fonction::Cpe),
            ],
            matieres: vec![],
            responsables: vec![],
            services: vec![
                service("SV-ESP", "ESP", Cible::Groupe("5ESP".into())),
                service("SV-MATHS", "MATHS", Cible::Division("4A".into())),
            ],
            seances: vec![seance("S1", "SV-ESP"), seance("S2", "SV-MATHS")],
            periodes: vec![],
        };
        let ids = |v: Vec<String>| v.join(" ");
        let teacher = Scope::for_user(Fonction::Enseignant, [Cible::Groupe("5ESP".into())]);
        let seen = teacher.view_of(school.clone());
        assert_eq!(
            ids(seen.eleves.iter().map(|e| e.id.clone()).collect()),
            "1 2"
        );
        assert_eq!(
            ids(seen.divisions.iter().map(|d| d.id.clone()).collect()),
            "5A 5B"
        );
        assert_eq!(
            ids(seen.services.iter().map(|s| s.id.clone()).collect()),
            "SV-ESP"
        );
        assert_eq!(
            ids(seen.seances.iter().map(|s| s.id.clone()).collect()),
            "S1"
        );
        assert_eq!(
            ids(seen.personnels.iter().map(|p| p.id.clone()).collect()),
            "ESP CPE"
        );
        assert_eq!(seen.groupes.len(), 1);
        assert_eq!(Scope::Etablissement.view_of(school.clone()), school);
    }
}
