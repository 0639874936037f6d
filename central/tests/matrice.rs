//! The authorization matrix at the real central: every role × every kind of record × every
//! verb (write by push, read by pull, read by history), against a table written here, in the
//! school's terms, not derived from the code's own rules. Roles: the teacher of the class, a
//! teacher with no class in common, the CPE, the direction. A write the table forbids is
//! refused as out of scope and leaves nothing in the log; a record the table hides from a role
//! never reaches it. 0 leaks.

mod common;
use chrono::NaiveDate;
use common::Central;
use pupitre_domain::absences::{Absence, Dispense, EtatJustification, Justification, Moment};
use pupitre_domain::devoir::{Devoir, DevoirBrut};
use pupitre_domain::notes::{Centiemes, Note};
use pupitre_domain::notifications;
use pupitre_domain::{
    AppelEtat, Appreciation, Cible, Composante, ConseilEtat, Edit, Evaluation, Fait, Fonction,
    Heure, Item, ItemBrut, Niveau, Presence, School,
};
use pupitre_fixtures::{
    DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_HEAD_LOGIN, DEMO_HEAD_PASSWORD, DEMO_OTHER_PASSWORD,
    DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD,
};
use pupitre_sync_protocol::wire::{PullResponse, PushResult, Refusal};
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Teaches the class the records are about.
    Enseignant,
    /// Teaches, but nothing in common with that class.
    AutreEnseignant,
    Cpe,
    Direction,
}

const ROLES: [Role; 4] = [
    Role::Enseignant,
    Role::AutreEnseignant,
    Role::Cpe,
    Role::Direction,
];

/// What each role may do with one kind of record: (write, read).
struct Cell {
    what: &'static str,
    edit: Edit,
    /// Roles that may write it.
    writers: &'static [Role],
    /// Roles that receive it.
    readers: &'static [Role],
}

use Role::{AutreEnseignant as O, Cpe as C, Direction as D, Enseignant as T};

/// The class's people and records the matrix is about.
struct Classe {
    service: String,
    division: String,
    seance: String,
    eleve: String,
    periode: String,
}

fn classe(school: &School, teacher: &str) -> Classe {
    let today = chrono::Utc::now().date_naive();
    let service = school
        .services
        .iter()
        .find(|s| s.enseignant_id == teacher && matches!(s.cible, Cible::Division(_)))
        .expect("a class of hers");
    let Cible::Division(division) = &service.cible else {
        unreachable!("a division")
    };
    let seance = school
        .seances
        .iter()
        .rfind(|s| s.service_id == service.id && s.date < today)
        .expect("a past séance");
    let eleve = school
        .eleves
        .iter()
        .find(|e| &e.division_id == division && e.date_sortie.is_none())
        .expect("a pupil");
    let periode = school
        .periodes
        .iter()
        .find(|p| p.debut <= seance.date && seance.date <= p.fin)
        .expect("its period");
    Classe {
        service: service.id.clone(),
        division: division.clone(),
        seance: seance.id.clone(),
        eleve: eleve.id.clone(),
        periode: periode.id.clone(),
    }
}

/// A teacher whose classes and groups have no pupil of `division`'s.
fn unrelated_teacher(school: &School, division: &str) -> String {
    let in_division: BTreeSet<&str> = school
        .eleves
        .iter()
        .filter(|e| e.division_id == division)
        .map(|e| e.id.as_str())
        .collect();
    let demo = pupitre_fixtures::generate(common::SEED);
    demo.comptes
        .iter()
        .filter(|c| c.password == DEMO_OTHER_PASSWORD)
        .find(|c| {
            school
                .services
                .iter()
                .filter(|s| s.enseignant_id == c.personnel_id)
                .all(|s| {
                    school
                        .eleves
                        .iter()
                        .filter(|e| e.dans(&s.cible))
                        .all(|e| !in_division.contains(e.id.as_str()))
                })
                && school
                    .personnels
                    .iter()
                    .any(|p| p.id == c.personnel_id && p.fonction == Fonction::Enseignant)
        })
        .expect("a teacher with nothing in common")
        .login
        .clone()
}

fn cells(k: &Classe, day: NaiveDate) -> Vec<Cell> {
    let (s, e, se, p) = (&k.service, &k.eleve, &k.seance, &k.periode);
    let devoir = Devoir::new(DevoirBrut {
        titre: "Contrôle".into(),
        date: day,
        periode_id: p.clone(),
        coefficient_centiemes: 100,
        bareme_centiemes: 2000,
        compte: true,
        items: vec!["matrice".into()],
    })
    .expect("devoir");
    let justification = Justification {
        etat: EtatJustification::Justifiee,
        motif: Some("FAMILLE".into()),
        billet: None,
        commentaire: None,
    };
    let at = |h| Moment {
        date: day,
        heure: Heure::new(h, 0).expect("hour"),
    };
    let all: &[Role] = &ROLES;
    let class: &[Role] = &[T, C, D];
    vec![
        Cell {
            what: "appel",
            edit: Edit::AppelEtat {
                seance_id: se.clone(),
                etat: AppelEtat::Fait,
            },
            writers: &[T, C, D],
            readers: class,
        },
        Cell {
            what: "présence",
            edit: Edit::Presence {
                seance_id: se.clone(),
                eleve_id: e.clone(),
                presence: Presence::Absent,
            },
            writers: &[T, C, D],
            readers: class,
        },
        Cell {
            what: "fait de vie scolaire",
            edit: Edit::Fait {
                seance_id: se.clone(),
                eleve_id: e.clone(),
                fait: Fait::Retard {
                    arrivee: Heure::new(9, 5).expect("h"),
                },
            },
            writers: &[C, D],
            readers: class,
        },
        Cell {
            what: "rapport d'exclusion",
            edit: Edit::Rapport {
                seance_id: se.clone(),
                eleve_id: e.clone(),
                rapport: None,
            },
            writers: &[T, C, D],
            readers: class,
        },
        Cell {
            what: "justification de retard",
            edit: Edit::RetardJustifie {
                seance_id: se.clone(),
                eleve_id: e.clone(),
                justification: justification.clone(),
            },
            writers: &[C, D],
            readers: class,
        },
        Cell {
            what: "conseil",
            edit: Edit::Conseil {
                periode_id: p.clone(),
                division_id: k.division.clone(),
                etat: ConseilEtat::EnSeance,
            },
            writers: &[D],
            readers: class,
        },
        Cell {
            what: "appréciation",
            edit: Edit::Appreciation {
                periode_id: p.clone(),
                service_id: s.clone(),
                eleve_id: e.clone(),
                texte: Appreciation::new("Bon trimestre.").expect("text"),
            },
            writers: &[T, D],
            readers: class,
        },
        Cell {
            what: "item",
            edit: Edit::Item {
                service_id: s.clone(),
                item_id: "matrice".into(),
                item: Item::new(ItemBrut {
                    libelle: "Rédiger".into(),
                    composante: Composante::CpdFra,
                })
                .expect("item"),
            },
            writers: &[T, D],
            readers: class,
        },
        Cell {
            what: "devoir",
            edit: Edit::Devoir {
                service_id: s.clone(),
                devoir_id: "matrice".into(),
                devoir,
            },
            writers: &[T, D],
            readers: class,
        },
        Cell {
            what: "note",
            edit: Edit::Note {
                service_id: s.clone(),
                devoir_id: "matrice".into(),
                eleve_id: e.clone(),
                note: Some(Note::Valeur(Centiemes(1500))),
            },
            writers: &[T, D],
            readers: class,
        },
        Cell {
            what: "évaluation",
            edit: Edit::Evaluation {
                service_id: s.clone(),
                devoir_id: "matrice".into(),
                item_id: "matrice".into(),
                eleve_id: e.clone(),
                evaluation: Some(Evaluation::Abs),
            },
            writers: &[T, D],
            readers: class,
        },
        Cell {
            what: "positionnement",
            edit: Edit::Positionnement {
                periode_id: p.clone(),
                service_id: s.clone(),
                eleve_id: e.clone(),
                niveau: Some(Niveau::MaitriseFragile),
            },
            writers: &[T, D],
            readers: class,
        },
        Cell {
            what: "absence",
            edit: Edit::Absence {
                eleve_id: e.clone(),
                absence_id: "matrice".into(),
                absence: Absence {
                    debut: at(8),
                    fin: at(12),
                    prevenu: true,
                },
            },
            writers: &[C, D],
            readers: class,
        },
        Cell {
            what: "justification d'absence",
            edit: Edit::AbsenceJustifiee {
                eleve_id: e.clone(),
                absence_id: "matrice".into(),
                justification,
            },
            writers: &[C, D],
            readers: class,
        },
        Cell {
            what: "dispense",
            edit: Edit::Dispense {
                eleve_id: e.clone(),
                dispense_id: "matrice".into(),
                dispense: Dispense {
                    du: day,
                    au: day,
                    matiere: None,
                    presence_obligatoire: false,
                },
            },
            writers: &[C, D],
            readers: class,
        },
        Cell {
            what: "réglages",
            edit: Edit::Reglages {
                reglages: Default::default(),
            },
            writers: &[C, D],
            readers: all,
        },
        Cell {
            what: "suppression de dispense",
            edit: Edit::DispenseSupprimee {
                eleve_id: e.clone(),
                dispense_id: "matrice".into(),
            },
            writers: &[C, D],
            readers: class,
        },
        Cell {
            what: "notification aux familles",
            edit: Edit::Notification {
                eleve_id: e.clone(),
                jour: notifications::jour_id(day),
                notification: notifications::message(
                    "Collège",
                    e,
                    day,
                    "08:00",
                    vec!["famille@example.org".into()],
                ),
            },
            writers: &[C, D],
            readers: &[C, D],
        },
        Cell {
            what: "suppression de devoir",
            edit: Edit::DevoirSupprime {
                service_id: s.clone(),
                devoir_id: "matrice".into(),
            },
            writers: &[T, D],
            readers: class,
        },
    ]
}

struct Persona {
    role: Role,
    token: String,
    client: String,
    seq: u64,
}

fn change_of(edit: &Edit, seq: u64, op: &str) -> Value {
    json!({
        "op_id": op, "client_seq": seq,
        "entity": {"kind": edit.kind(), "id": edit.key().id()}, "field": edit.field(),
        "value": edit.value(), "base_version": 0, "hlc": {"wall_ms": 1, "counter": 0}
    })
}

async fn push(
    central: &Central,
    p: &mut Persona,
    log: &Value,
    edit: &Edit,
    op: &str,
) -> PushResult {
    p.seq += 1;
    let body = json!({
        "client_id": p.client, "log": log, "hlc": {"wall_ms": 1, "counter": 0}, "wall_ms": 1,
        "changes": [change_of(edit, p.seq, op)]
    });
    central
        .push(&p.token, &body)
        .await
        .outcomes
        .into_iter()
        .next()
        .expect("an outcome")
        .result
}

/// Every (kind, entity, field) a role receives by pulling the whole log.
async fn pulled(central: &Central, p: &Persona, log: &Value) -> BTreeSet<(String, String, String)> {
    let mut seen = BTreeSet::new();
    let mut cursor = 0;
    loop {
        let page: PullResponse = central
            .post("/v1/pull", Some(&p.token))
            .json(&json!({"cursor": cursor, "log": log, "limit": 1000}))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("pull");
        seen.extend(page.changes.iter().map(|c| {
            (
                c.entity.kind.as_str().to_owned(),
                c.entity.id.clone(),
                c.field.clone(),
            )
        }));
        cursor = page.next_cursor;
        if !page.has_more {
            return seen;
        }
    }
}

#[tokio::test]
async fn every_role_writes_and_reads_exactly_what_the_school_allows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let day = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let login = |login: &str, password: &str, n: u8| {
        let client = format!("00000000-0000-4000-8000-0000000000{n:02}");
        let (login, password) = (login.to_owned(), password.to_owned());
        let central = &central;
        async move {
            let token = central.login(&login, &password, &client).await;
            (token, client)
        }
    };
    let (t_token, t_client) = login(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, 1).await;
    let snapshot = central.snapshot(&t_token).await;
    let log = json!(snapshot.log);
    let school = pupitre_fixtures::generate(common::SEED)
        .school(NaiveDate::from_ymd_opt(2026, 11, 23).expect("day"));
    let k = classe(&school, &snapshot.moi.id);
    let other = unrelated_teacher(&school, &k.division);
    let (o_token, o_client) = login(&other, DEMO_OTHER_PASSWORD, 2).await;
    let (c_token, c_client) = login(DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, 3).await;
    let (d_token, d_client) = login(DEMO_HEAD_LOGIN, DEMO_HEAD_PASSWORD, 4).await;
    let mut personas = vec![
        Persona {
            role: T,
            token: t_token,
            client: t_client,
            seq: 0,
        },
        Persona {
            role: O,
            token: o_token,
            client: o_client,
            seq: 0,
        },
        Persona {
            role: C,
            token: c_token,
            client: c_client,
            seq: 0,
        },
        Persona {
            role: D,
            token: d_token,
            client: d_client,
            seq: 0,
        },
    ];

    let cells = cells(&k, day);
    let mut leaks = vec![];
    let mut n = 0u32;
    for cell in &cells {
        let mut stored = false;
        for p in personas.iter_mut() {
            n += 1;
            let op = format!("00000000-0000-4000-8000-{n:012}");
            let result = push(&central, p, &log, &cell.edit, &op).await;
            let out_of_scope = matches!(
                &result,
                PushResult::Refused {
                    code: Refusal::HorsPerimetre,
                    ..
                }
            );
            let allowed = cell.writers.contains(&p.role);
            if allowed == out_of_scope {
                leaks.push(format!("{:?} writes {} : {result:?}", p.role, cell.what));
            }
            let logged: i64 = central.sql(|c| {
                c.query_row(
                    "SELECT COUNT(*) FROM changes WHERE op_id = ?1",
                    [&op],
                    |r| r.get(0),
                )
                .expect("log")
            });
            if !allowed && logged != 0 {
                leaks.push(format!(
                    "{:?}'s refused {} is in the log",
                    p.role, cell.what
                ));
            }
            stored |= matches!(result, PushResult::Accepted { .. });
        }
        // Or reading it would prove nothing.
        assert!(stored, "no one could write {}", cell.what);
    }
    for p in &personas {
        let seen = pulled(&central, p, &log).await;
        for cell in &cells {
            let key = (
                cell.edit.kind().as_str().to_owned(),
                cell.edit.key().id(),
                cell.edit.field().to_owned(),
            );
            let reads = seen.contains(&key);
            if reads != cell.readers.contains(&p.role) {
                leaks.push(format!(
                    "{:?} {} {}",
                    p.role,
                    if reads { "receives" } else { "misses" },
                    cell.what
                ));
            }
            // The history of a record answers in scope only.
            let answer: Value = central
                .post("/v1/history", Some(&p.token))
                .json(&json!({"entity": {"kind": key.0, "id": key.1}, "field": cell.edit.field()}))
                .send()
                .await
                .expect("send")
                .json()
                .await
                .expect("history");
            let entries = answer["entries"].as_array().map_or(0, Vec::len);
            if !cell.readers.contains(&p.role) && entries > 0 {
                leaks.push(format!("{:?} reads the history of {}", p.role, cell.what));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} cell(s) off the school's matrix:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    assert_eq!(n as usize, cells.len() * ROLES.len());
}
