//! What a user may see: the scope a replica holds and the central service re-checks.

use crate::school::{Cible, Eleve, Fonction};
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
            Scope::Cibles { cibles } => cibles.contains(cible),
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

    /// A pupil is visible when their division or one of their groups is.
    pub fn sees_eleve(&self, eleve: &Eleve) -> bool {
        self.contains(&Cible::Division(eleve.division_id.clone()))
            || eleve
                .groupe_ids
                .iter()
                .any(|g| self.contains(&Cible::Groupe(g.clone())))
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
}
