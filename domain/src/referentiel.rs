//! How the reference data travels after a replica's snapshot: a re-import changes records, and
//! each PC receives, in the log, the moves that take the view of its scope from what it was to
//! what it is (`mouvements`). Its rule, declared here once: the reference data has one writer,
//! the central's import, so two moves of one record never compete; the latest import stands
//! for every record, and a PC applies the moves in the log's order.

use crate::school::{
    Division, Eleve, Etablissement, EtatCivil, Groupe, Matiere, Personnel, Responsable, School,
    Seance, Service,
};
use crate::{Periode, Scope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `tables!(Variant(Type) = field, key ...)`: every table of the school, in the order its
/// records are written (a record's references first); deletions go in the reverse order.
macro_rules! tables {
    ($($variant:ident($ty:ty) = $field:ident, |$r:ident| $key:expr;)*) => {
        /// A table of the reference data.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Table { Etablissement, $($variant),* }

        /// One record of the reference data, whole.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "table", content = "fiche", rename_all = "snake_case")]
        pub enum Fiche { Etablissement(Etablissement), $($variant($ty)),* }

        impl Fiche {
            pub fn table(&self) -> Table {
                match self {
                    Fiche::Etablissement(_) => Table::Etablissement,
                    $(Fiche::$variant(_) => Table::$variant,)*
                }
            }

            /// The record's key in its table.
            pub fn cle(&self) -> String {
                match self {
                    Fiche::Etablissement(e) => e.uai.to_string(),
                    $(Fiche::$variant($r) => $key,)*
                }
            }
        }

        /// Every record of `school`, by table and key.
        pub fn fiches(school: &School) -> BTreeMap<(Table, String), Fiche> {
            let mut all = BTreeMap::new();
            let mut put = |f: Fiche| {
                all.insert((f.table(), f.cle()), f);
            };
            put(Fiche::Etablissement(school.etablissement.clone()));
            $(for r in &school.$field { put(Fiche::$variant(r.clone())); })*
            all
        }
    };
}

tables! {
    Personnel(Personnel) = personnels, |p| p.id.clone();
    Division(Division) = divisions, |d| d.id.clone();
    Groupe(Groupe) = groupes, |g| g.id.clone();
    Eleve(Eleve) = eleves, |e| e.id.clone();
    EtatCivil(EtatCivil) = etats_civils, |e| e.eleve_id.clone();
    Responsable(Responsable) = responsables, |r| r.id.clone();
    Matiere(Matiere) = matieres, |m| m.code.clone();
    Service(Service) = services, |s| s.id.clone();
    Seance(Seance) = seances, |s| s.id.clone();
    Periode(Periode) = periodes, |p| p.id.clone();
}

/// What a PC does to its reference data, in the log's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Mouvement {
    /// Writes the record (new or changed).
    Pose { fiche: Fiche },
    /// The record left the view (it left the school, or the scope no longer shows it).
    Retire { table: Table, cle: String },
    /// The view gained records that carry history the PC lacks (a service, or a séance, handed
    /// to its teacher): it takes a snapshot.
    Reprise,
}

/// The moves that take a view from `avant` to `apres`: the new and changed records in table
/// order, then the records that left it, dependents first.
pub fn mouvements(avant: &School, apres: &School) -> Vec<Mouvement> {
    let avant = fiches(avant);
    let apres = fiches(apres);
    let mut out: Vec<Mouvement> = apres
        .iter()
        .filter(|(k, f)| avant.get(*k) != Some(*f))
        .map(|(_, f)| Mouvement::Pose { fiche: f.clone() })
        .collect();
    out.extend(
        avant
            .keys()
            .rev()
            .filter(|k| !apres.contains_key(*k))
            .map(|(table, cle)| Mouvement::Retire {
                table: *table,
                cle: cle.clone(),
            }),
    );
    out
}

/// The moves a PC receives when the school goes from `avant` to `apres` and its scope from
/// `scope_avant` to `scope_apres`: its view's moves, and `Reprise` first when the view gains a
/// service or a séance that existed before (its marks and roll calls were written under
/// another teacher's view).
pub fn pour(
    scope_avant: &Scope,
    scope_apres: &Scope,
    avant: &School,
    apres: &School,
) -> Vec<Mouvement> {
    let vue_avant = scope_avant.view_of(avant);
    let vue_apres = scope_apres.view_of(apres);
    let mut out = mouvements(&vue_avant, &vue_apres);
    let gagne = |table: Table, cle: &str| {
        let existed = match table {
            Table::Service => avant.services.iter().any(|s| s.id == cle),
            Table::Seance => avant.seances.iter().any(|s| s.id == cle),
            _ => false,
        };
        let seen = match table {
            Table::Service => vue_avant.services.iter().any(|s| s.id == cle),
            _ => vue_avant.seances.iter().any(|s| s.id == cle),
        };
        existed && !seen
    };
    let reprise = out.iter().any(|m| match m {
        Mouvement::Pose { fiche } => gagne(fiche.table(), &fiche.cle()),
        _ => false,
    });
    if reprise {
        out.insert(0, Mouvement::Reprise);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::school::{Cible, Fonction};
    use crate::{Heure, Uai};
    use chrono::NaiveDate;

    fn d(m: u32, j: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, j).expect("date")
    }

    fn eleve(id: &str, division: &str) -> Eleve {
        Eleve {
            id: id.into(),
            nom: "NOM".into(),
            prenom: "Prénom".into(),
            division_id: division.into(),
            groupe_ids: Vec::new(),
            date_entree: None,
            date_sortie: None,
            passages: Vec::new(),
        }
    }

    fn prof(id: &str) -> Personnel {
        Personnel {
            id: id.into(),
            civilite: "Mme".into(),
            nom: id.into(),
            prenom: id.into(),
            fonction: Fonction::Enseignant,
        }
    }

    fn service(id: &str, prof: &str, division: &str) -> Service {
        Service {
            id: id.into(),
            enseignant_id: prof.into(),
            matiere_code: "030201".into(),
            cible: Cible::Division(division.into()),
            coefficient: 1.0,
        }
    }

    /// Two classes, a teacher in each (A teaches 6A, B teaches 6B), one pupil in each, one
    /// séance of each service.
    fn school() -> School {
        let division = |id: &str| Division {
            id: id.into(),
            code: id.into(),
            niveau: "6EME".into(),
            professeur_principal_id: None,
        };
        let seance = |id: &str, sv: &str| Seance {
            id: id.into(),
            service_id: sv.into(),
            date: d(11, 23),
            debut: Heure::new(8, 0).expect("heure"),
            fin: Heure::new(9, 0).expect("heure"),
            salle: "B1".into(),
            remplacant_id: None,
        };
        School {
            etablissement: Etablissement {
                uai: Uai::from_number(670_001).expect("uai"),
                nom: "Collège".into(),
                commune: "Ville".into(),
            },
            divisions: vec![division("D6A"), division("D6B")],
            groupes: Vec::new(),
            eleves: vec![eleve("1", "D6A"), eleve("2", "D6B")],
            personnels: vec![prof("A"), prof("B")],
            matieres: Vec::new(),
            services: vec![service("SA", "A", "D6A"), service("SB", "B", "D6B")],
            seances: vec![seance("S1", "SA"), seance("S2", "SB")],
            periodes: Vec::new(),
            responsables: Vec::new(),
            etats_civils: Vec::new(),
        }
    }

    fn teacher(school: &School, id: &str) -> Scope {
        let who = prof(id);
        let taught = (school.services.iter())
            .filter(|s| s.enseignant_id == id)
            .map(|s| s.cible.clone());
        Scope::for_user(&who, taught, std::iter::empty())
    }

    fn posed(moves: &[Mouvement]) -> Vec<(Table, String)> {
        (moves.iter())
            .filter_map(|m| match m {
                Mouvement::Pose { fiche } => Some((fiche.table(), fiche.cle())),
                _ => None,
            })
            .collect()
    }

    fn retired(moves: &[Mouvement]) -> Vec<(Table, String)> {
        (moves.iter())
            .filter_map(|m| match m {
                Mouvement::Retire { table, cle } => Some((*table, cle.clone())),
                _ => None,
            })
            .collect()
    }

    /// Applies `moves` to a view, as a replica does.
    fn apply(view: &School, moves: &[Mouvement]) -> BTreeMap<(Table, String), Fiche> {
        let mut all = fiches(view);
        for m in moves {
            match m {
                Mouvement::Pose { fiche } => {
                    all.insert((fiche.table(), fiche.cle()), fiche.clone());
                }
                Mouvement::Retire { table, cle } => {
                    all.remove(&(*table, cle.clone()));
                }
                Mouvement::Reprise => {}
            }
        }
        all
    }

    #[test]
    fn nothing_changed_nothing_moves() {
        let s = school();
        assert!(mouvements(&s, &s).is_empty());
        assert!(pour(&teacher(&s, "A"), &teacher(&s, "A"), &s, &s).is_empty());
    }

    #[test]
    fn a_pupil_moved_reaches_both_classes_and_stays_in_her_former_one() {
        let avant = school();
        let mut apres = school();
        apres.eleves[0].division_id = "D6B".into();
        apres.eleves[0].passages = vec![crate::Passage {
            division_id: "D6A".into(),
            jusqu_au: d(11, 13),
        }];
        // A now sees the division her former pupil went to; B the one her new pupil comes from.
        for (prof, other) in [("A", "D6B"), ("B", "D6A")] {
            let expected = [
                (Table::Division, other.to_owned()),
                (Table::Eleve, "1".to_owned()),
            ];
            let scope = teacher(&apres, prof);
            let moves = pour(&teacher(&avant, prof), &scope, &avant, &apres);
            assert_eq!(posed(&moves), expected, "{prof}");
            assert!(retired(&moves).is_empty(), "{prof}");
            assert_eq!(
                apply(&teacher(&avant, prof).view_of(&avant), &moves),
                fiches(&scope.view_of(&apres)),
                "{prof}'s PC ends with the central's view"
            );
        }
    }

    #[test]
    fn a_service_handed_to_another_teacher_leaves_one_pc_and_makes_the_other_take_a_snapshot() {
        let avant = school();
        let mut apres = school();
        // B takes 6A's service: A keeps no class (her scope shrinks), B gains 6A.
        apres.services[0].enseignant_id = "B".into();
        let a = pour(&teacher(&avant, "A"), &teacher(&apres, "A"), &avant, &apres);
        assert!(!a.contains(&Mouvement::Reprise));
        let b = pour(&teacher(&avant, "B"), &teacher(&apres, "B"), &avant, &apres);
        assert_eq!(b.first(), Some(&Mouvement::Reprise), "{b:?}");
        let with_scope = |s: &School, id| teacher(s, id).view_of(s);
        assert_eq!(
            apply(&with_scope(&avant, "B"), &b),
            fiches(&with_scope(&apres, "B"))
        );
        // Within the same class: a second 6A service moves from A to B, who also teaches 6A.
        let mut avant = school();
        avant.services.push(service("SA2", "A", "D6A"));
        avant.services[1].cible = Cible::Division("D6A".into());
        let mut s4 = avant.seances[0].clone();
        s4.id = "S4".into();
        s4.service_id = "SA2".into();
        avant.seances.push(s4);
        let mut apres = avant.clone();
        apres.services[2].enseignant_id = "B".into();
        let b = pour(&teacher(&avant, "B"), &teacher(&apres, "B"), &avant, &apres);
        assert_eq!(b.first(), Some(&Mouvement::Reprise), "{b:?}");
        let a = pour(&teacher(&avant, "A"), &teacher(&apres, "A"), &avant, &apres);
        assert_eq!(
            (posed(&a), retired(&a)),
            (
                vec![(Table::Service, "SA2".to_owned())],
                vec![(Table::Seance, "S4".to_owned())]
            ),
            "A still sees the class's services, no longer the séance"
        );
    }

    #[test]
    fn a_new_seance_is_no_reprise_and_a_removed_one_is_retired_after_what_it_names() {
        let avant = school();
        let mut apres = school();
        let mut s3 = apres.seances[0].clone();
        s3.id = "S3".into();
        apres.seances.push(s3);
        let a = pour(&teacher(&avant, "A"), &teacher(&apres, "A"), &avant, &apres);
        assert_eq!(posed(&a), [(Table::Seance, "S3".to_owned())]);
        let back = mouvements(&apres, &avant);
        assert_eq!(retired(&back), [(Table::Seance, "S3".to_owned())]);
        // Dependents go first: a séance before its service, a service before its teacher.
        let none = School {
            divisions: Vec::new(),
            eleves: Vec::new(),
            personnels: Vec::new(),
            services: Vec::new(),
            seances: Vec::new(),
            ..school()
        };
        let order: Vec<Table> = retired(&mouvements(&school(), &none))
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        let mut sorted = order.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(order, sorted, "dependents first");
        let order: Vec<Table> = posed(&mouvements(&none, &school()))
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "references first");
    }

    #[test]
    fn a_teacher_receives_no_move_of_what_she_does_not_see() {
        let avant = school();
        let mut apres = school();
        apres.eleves[1].nom = "AUTRE".into();
        apres.seances[1].salle = "C2".into();
        apres.etats_civils.push(EtatCivil {
            eleve_id: "1".into(),
            ine: "1234567890A".into(),
            date_naissance: d(1, 1),
        });
        assert!(pour(&teacher(&avant, "A"), &teacher(&apres, "A"), &avant, &apres).is_empty());
        assert_eq!(
            pour(&Scope::Etablissement, &Scope::Etablissement, &avant, &apres).len(),
            3
        );
    }

    #[test]
    fn a_move_reads_back_as_written() {
        let s = school();
        for fiche in fiches(&s).into_values() {
            let m = Mouvement::Pose { fiche };
            let text = serde_json::to_string(&m).expect("json");
            assert_eq!(serde_json::from_str::<Mouvement>(&text).expect("read"), m);
        }
    }
}
