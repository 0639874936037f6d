//! What a user may see: the scope a replica holds and the central service re-checks.

use crate::school::{Cible, Division, Eleve, Fonction, Personnel, School, Seance, Service};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The tag a change or a row carries so that pulls can be filtered by scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScopeKey(pub Cible);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scope {
    /// The whole school (CPE, direction, administrator).
    Etablissement,
    /// Only these divisions and groups (a teacher's services, and the division she is
    /// professeur principal of).
    Cibles {
        cibles: BTreeSet<Cible>,
        /// Whose séances: a teacher receives the timetable and roll calls of her own services
        /// and substitutions, not her colleagues' (their infirmary and exclusion marks are not
        /// hers to know), beyond the divisions in `principal`.
        #[serde(default)]
        enseignant: String,
        /// The divisions she is professeur principal of: she follows their whole assiduité.
        #[serde(default)]
        principal: BTreeSet<String>,
    },
}

impl Scope {
    /// A user's scope from who they are, the targets of the services they teach and the
    /// divisions they are professeur principal of.
    pub fn for_user(
        who: &Personnel,
        taught: impl IntoIterator<Item = Cible>,
        principal: impl IntoIterator<Item = String>,
    ) -> Scope {
        match who.fonction {
            Fonction::Cpe | Fonction::Direction | Fonction::Administrateur => Scope::Etablissement,
            Fonction::Enseignant => {
                let principal: BTreeSet<String> = principal.into_iter().collect();
                let mut cibles: BTreeSet<Cible> = taught.into_iter().collect();
                cibles.extend(principal.iter().cloned().map(Cible::Division));
                Scope::Cibles {
                    cibles,
                    enseignant: who.id.clone(),
                    principal,
                }
            }
        }
    }

    /// `who`'s scope in `school`: the targets of her services and of the séances she
    /// substitutes in, and the divisions she is professeur principal of (as the central's
    /// `scope_of` reads them from its tables).
    pub fn in_school(who: &Personnel, school: &School) -> Scope {
        let services: std::collections::BTreeMap<&str, &Service> =
            school.services.iter().map(|s| (s.id.as_str(), s)).collect();
        let taught = (school.services.iter())
            .filter(|s| s.enseignant_id == who.id)
            .map(|s| s.cible.clone())
            .chain(
                (school.seances.iter())
                    .filter(|se| se.remplacant_id.as_deref() == Some(who.id.as_str()))
                    .filter_map(|se| services.get(se.service_id.as_str()))
                    .map(|sv| sv.cible.clone()),
            );
        let principal = (school.divisions.iter())
            .filter(|d| d.professeur_principal_id.as_deref() == Some(who.id.as_str()))
            .map(|d| d.id.clone());
        Scope::for_user(who, taught, principal)
    }

    /// Whether this scope holds the séance of `service` (taught by `enseignant` unless
    /// `remplacant` stands in): the whole school's, or a teacher's own and those of the
    /// divisions she is professeur principal of.
    pub fn sees_seance(&self, service: &Service, remplacant: Option<&str>) -> bool {
        match self {
            Scope::Etablissement => true,
            Scope::Cibles {
                enseignant,
                principal,
                ..
            } => {
                service.enseignant_id == *enseignant
                    || remplacant == Some(enseignant.as_str())
                    || matches!(&service.cible, Cible::Division(d) if principal.contains(d))
            }
        }
    }

    pub fn contains(&self, cible: &Cible) -> bool {
        match self {
            Scope::Etablissement => true,
            Scope::Cibles { cibles, .. } => {
                *cible == Cible::Etablissement || cibles.contains(cible)
            }
        }
    }

    /// Whether this scope holds something `before` did not: a replica that held `before`
    /// lacks the reference data and values of the difference.
    pub fn grows_from(&self, before: &Scope) -> bool {
        match (self, before) {
            (_, Scope::Etablissement) => false,
            (Scope::Etablissement, Scope::Cibles { .. }) => true,
            (
                Scope::Cibles {
                    cibles, principal, ..
                },
                Scope::Cibles {
                    cibles: old,
                    principal: old_principal,
                    ..
                },
            ) => !cibles.is_subset(old) || !principal.is_subset(old_principal),
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

    /// The séances of `services` this scope holds (`sees_seance`).
    fn seances_vues(&self, seances: &[Seance], services: &[Service]) -> Vec<Seance> {
        let by_id: std::collections::BTreeMap<&str, &Service> =
            services.iter().map(|s| (s.id.as_str(), s)).collect();
        (seances.iter())
            .filter(|s| {
                (by_id.get(s.service_id.as_str()))
                    .is_some_and(|sv| self.sees_seance(sv, s.remplacant_id.as_deref()))
            })
            .cloned()
            .collect()
    }

    /// The part of `school` this scope sees: its pupils, with the divisions and groups of every
    /// one of them (a language group's pupils come from divisions outside a teacher's scope, and
    /// the other way round), its services and their séances, their teachers and the staff who
    /// are not teachers; every subject and period. A teacher's view holds her own séances (and
    /// her PP divisions'), not the families' contacts nor the pupils' INE and birth dates.
    pub fn view_of(&self, school: &School) -> School {
        if matches!(self, Scope::Etablissement) {
            return school.clone();
        }
        let eleves: Vec<Eleve> = (school.eleves.iter())
            .filter(|e| self.sees_eleve(e))
            .cloned()
            .collect();
        let divisions: BTreeSet<&str> = eleves
            .iter()
            .flat_map(Eleve::divisions_de_l_annee)
            .collect();
        let groupes: BTreeSet<&str> = eleves
            .iter()
            .flat_map(|e| e.groupe_ids.iter().map(String::as_str))
            .collect();
        let services: Vec<Service> = (school.services.iter())
            .filter(|s| self.contains(&s.cible))
            .cloned()
            .collect();
        let seances = self.seances_vues(&school.seances, &services);
        let mut teachers: BTreeSet<&str> =
            services.iter().map(|s| s.enseignant_id.as_str()).collect();
        // The substitutes of the séances it holds.
        teachers.extend(seances.iter().filter_map(|s| s.remplacant_id.as_deref()));
        let divisions_kept: Vec<Division> = (school.divisions.iter())
            .filter(|d| {
                self.contains(&Cible::Division(d.id.clone())) || divisions.contains(d.id.as_str())
            })
            .cloned()
            .collect();
        // Their professeurs principaux: who a colleague turns to about a pupil.
        teachers
            .extend((divisions_kept.iter()).filter_map(|d| d.professeur_principal_id.as_deref()));
        School {
            etablissement: school.etablissement.clone(),
            groupes: (school.groupes.iter())
                .filter(|g| {
                    self.contains(&Cible::Groupe(g.id.clone())) || groupes.contains(g.id.as_str())
                })
                .cloned()
                .collect(),
            personnels: (school.personnels.iter())
                .filter(|p| teachers.contains(p.id.as_str()) || p.fonction != Fonction::Enseignant)
                .cloned()
                .collect(),
            matieres: school.matieres.clone(),
            periodes: school.periodes.clone(),
            // The families' contacts are the vie scolaire's, the INE and birth dates the
            // administration's (the DASEN report, the LSU): a teacher's PC holds none.
            responsables: Vec::new(),
            etats_civils: Vec::new(),
            divisions: divisions_kept,
            seances,
            services,
            eleves,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::school::{Division, Etablissement, EtatCivil, Groupe, Responsable};
    use crate::{Heure, Uai};
    use chrono::NaiveDate;

    fn eleve(division: &str, groupes: &[&str]) -> Eleve {
        Eleve {
            id: "1".into(),
            nom: "N".into(),
            prenom: "P".into(),
            division_id: division.into(),
            groupe_ids: groupes.iter().map(|g| g.to_string()).collect(),
            date_entree: None,
            date_sortie: None,
            passages: Vec::new(),
        }
    }

    fn named(id: &str, division: &str, groupes: &[&str]) -> Eleve {
        Eleve {
            id: id.into(),
            ..eleve(division, groupes)
        }
    }

    fn person(id: &str, fonction: Fonction) -> Personnel {
        Personnel {
            id: id.into(),
            civilite: "Mme".into(),
            nom: id.into(),
            prenom: id.into(),
            fonction,
        }
    }

    fn teacher(id: &str, taught: &[Cible], principal: &[&str]) -> Scope {
        Scope::for_user(
            &person(id, Fonction::Enseignant),
            taught.iter().cloned(),
            principal.iter().map(|d| d.to_string()),
        )
    }

    fn division(id: &str, principal: Option<&str>) -> Division {
        Division {
            id: id.into(),
            code: id.into(),
            niveau: "5EME".into(),
            professeur_principal_id: principal.map(str::to_owned),
        }
    }

    fn service(id: &str, teacher: &str, cible: Cible) -> Service {
        Service {
            id: id.into(),
            enseignant_id: teacher.into(),
            matiere_code: "M".into(),
            cible,
            coefficient: 1.0,
        }
    }

    fn seance(id: &str, service: &str, remplacant: Option<&str>) -> Seance {
        Seance {
            remplacant_id: remplacant.map(str::to_owned),
            id: id.into(),
            service_id: service.into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid"),
            debut: Heure::new(8, 0).expect("valid"),
            fin: Heure::new(9, 0).expect("valid"),
            salle: "B1".into(),
        }
    }

    fn school(
        divisions: Vec<Division>,
        eleves: Vec<Eleve>,
        services: Vec<Service>,
        seances: Vec<Seance>,
    ) -> School {
        let personnels = ["ESP", "MATHS", "FRA", "REMP"]
            .iter()
            .map(|p| person(p, Fonction::Enseignant))
            .chain([person("CPE", Fonction::Cpe)])
            .collect();
        School {
            etablissement: Etablissement {
                uai: Uai::from_number(670_001).expect("valid"),
                nom: "C".into(),
                commune: "S".into(),
            },
            divisions,
            groupes: vec![Groupe {
                id: "5ESP".into(),
                code: "5ESP".into(),
                libelle: "5e espagnol".into(),
            }],
            etats_civils: eleves
                .iter()
                .map(|e| EtatCivil {
                    eleve_id: e.id.clone(),
                    ine: format!("{}234567890A", e.id),
                    date_naissance: NaiveDate::from_ymd_opt(2013, 5, 2).expect("valid"),
                })
                .collect(),
            responsables: eleves
                .iter()
                .map(|e| Responsable {
                    id: format!("R{}", e.id),
                    eleve_id: e.id.clone(),
                    civilite: "M.".into(),
                    nom: "N".into(),
                    prenom: "R".into(),
                    lien: "Père".into(),
                    telephone: Some("0600000000".into()),
                    mail: None,
                })
                .collect(),
            eleves,
            personnels,
            matieres: vec![],
            services,
            seances,
            periodes: vec![],
        }
    }

    fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> String {
        items.iter().map(id).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn teacher_sees_only_their_targets() {
        let scope = teacher(
            "ESP",
            &[Cible::Division("5A".into()), Cible::Groupe("5ESP".into())],
            &[],
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
        // Professeur principal of a division she does not teach: it is in her scope.
        assert!(teacher("ESP", &[], &["4C"]).contains(&Cible::Division("4C".into())));
    }

    #[test]
    fn growth_is_any_target_or_pp_division_not_held_before() {
        let cibles = |names: &[&str]| {
            let taught: Vec<Cible> = names.iter().map(|n| Cible::Division((*n).into())).collect();
            teacher("T", &taught, &[])
        };
        let cases = [
            (cibles(&["5A"]), cibles(&["5A"]), false),
            (cibles(&[]), cibles(&["5A"]), false),
            (cibles(&["5A", "4B"]), cibles(&["5A"]), true),
            (cibles(&["4B"]), cibles(&["5A"]), true),
            // Made professeur principal of a class she teaches: she now receives all of its
            // séances, so her PC needs them.
            (
                teacher("T", &[Cible::Division("5A".into())], &["5A"]),
                cibles(&["5A"]),
                true,
            ),
            (cibles(&["5A"]), teacher("T", &[], &["5A"]), false),
            (Scope::Etablissement, cibles(&["5A"]), true),
            (cibles(&["5A"]), Scope::Etablissement, false),
            (Scope::Etablissement, Scope::Etablissement, false),
        ];
        for (now, before, grows) in cases {
            assert_eq!(now.grows_from(&before), grows, "{now:?} from {before:?}");
        }
    }

    #[test]
    fn the_vie_scolaire_the_direction_and_the_administrator_see_the_school() {
        for f in [Fonction::Cpe, Fonction::Direction, Fonction::Administrateur] {
            let scope = Scope::for_user(&person("X", f), [], []);
            assert_eq!(scope, Scope::Etablissement);
            assert!(scope.sees_eleve(&eleve("3F", &[])));
        }
    }

    #[test]
    fn a_language_teacher_sees_her_group_and_the_divisions_its_pupils_come_from() {
        let school = school(
            vec![
                division("5A", None),
                division("5B", None),
                division("4A", None),
            ],
            vec![
                named("1", "5A", &["5ESP"]),
                named("2", "5B", &["5ESP"]),
                named("3", "5B", &[]),
                named("4", "4A", &[]),
            ],
            vec![
                service("SV-ESP", "ESP", Cible::Groupe("5ESP".into())),
                service("SV-MATHS", "MATHS", Cible::Division("4A".into())),
            ],
            vec![seance("S1", "SV-ESP", None), seance("S2", "SV-MATHS", None)],
        );
        let seen = teacher("ESP", &[Cible::Groupe("5ESP".into())], &[]).view_of(&school);
        assert_eq!(ids(&seen.eleves, |e| &e.id), "1 2");
        assert_eq!(ids(&seen.divisions, |d| &d.id), "5A 5B");
        assert_eq!(ids(&seen.services, |s| &s.id), "SV-ESP");
        assert_eq!(ids(&seen.seances, |s| &s.id), "S1");
        assert_eq!(ids(&seen.personnels, |p| &p.id), "ESP CPE");
        assert_eq!(seen.groupes.len(), 1);
        assert_eq!(Scope::Etablissement.view_of(&school), school);
    }

    #[test]
    fn a_teacher_receives_her_own_seances_and_her_pp_division_s_and_no_pupil_s_identity() {
        // 5A: maths (MATHS), French (FRA, its professeur principal); one maths séance taught by
        // a substitute (REMP).
        let school = school(
            vec![division("5A", Some("FRA"))],
            vec![named("1", "5A", &[]), named("2", "5A", &[])],
            vec![
                service("SV-MATHS", "MATHS", Cible::Division("5A".into())),
                service("SV-FRA", "FRA", Cible::Division("5A".into())),
            ],
            vec![
                seance("M1", "SV-MATHS", None),
                seance("M2", "SV-MATHS", Some("REMP")),
                seance("F1", "SV-FRA", None),
            ],
        );
        let a_5a = [Cible::Division("5A".into())];
        // (who, scope, séances received)
        let cases = [
            ("maths teacher", teacher("MATHS", &a_5a, &[]), "M1 M2"),
            ("PP of 5A", teacher("FRA", &a_5a, &["5A"]), "M1 M2 F1"),
            ("substitute", teacher("REMP", &a_5a, &[]), "M2"),
            ("CPE", Scope::Etablissement, "M1 M2 F1"),
        ];
        for (who, scope, seances) in cases {
            let seen = scope.view_of(&school);
            assert_eq!(ids(&seen.seances, |s| &s.id), seances, "{who}");
            // Every service of the class stays: the équipe pédagogique sees every subject's
            // marks and appreciations.
            assert_eq!(ids(&seen.services, |s| &s.id), "SV-MATHS SV-FRA", "{who}");
            let whole = scope == Scope::Etablissement;
            assert_eq!(seen.etats_civils.len(), if whole { 2 } else { 0 }, "{who}");
            assert_eq!(seen.responsables.len(), if whole { 2 } else { 0 }, "{who}");
        }
    }
}
