//! The authorization matrix at the real central: every role × every kind of record × every
//! verb (write by push, read by pull, read by history), against a table written here, in the
//! school's terms, not derived from the code's own rules. Roles: the teacher of the séance and
//! service, a colleague who teaches the class another subject, the class's professeur
//! principal, a teacher with no class in common, the CPE, the direction, the administrator. A
//! write the table forbids is refused as out of scope and leaves nothing in the log; a record
//! the table hides from a role never reaches it. 0 leaks.

mod common;
use chrono::NaiveDate;
use common::Central;
use pupitre_domain::absences::{Absence, Dispense, EtatJustification, Justification, Moment};
use pupitre_domain::conseil::AppreciationGenerale;
use pupitre_domain::devoir::{Devoir, DevoirBrut};
use pupitre_domain::notes::{Centiemes, Note};
use pupitre_domain::notifications;
use pupitre_domain::{
    AppelEtat, Appreciation, Cible, Composante, ConseilEtat, Decision, Edit, EtatConseil,
    Evaluation, Fait, Fonction, Heure, Item, ItemBrut, Mention, Niveau, Presence, School,
};
use pupitre_fixtures::{
    DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD, DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_HEAD_LOGIN,
    DEMO_HEAD_PASSWORD, DEMO_OTHER_PASSWORD, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD,
};
use pupitre_sync_protocol::wire::{PullResponse, PushResult, Refusal};
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Teaches the séance and the service the records are about.
    Enseignant,
    /// Teaches the class another subject (the équipe pédagogique).
    Collegue,
    /// The class's professeur principal (she teaches it another subject).
    Principal,
    /// Teaches, but nothing in common with that class.
    AutreEnseignant,
    Cpe,
    Direction,
    Administrateur,
}

const ROLES: [Role; 7] = [
    Role::Enseignant,
    Role::Collegue,
    Role::Principal,
    Role::AutreEnseignant,
    Role::Cpe,
    Role::Direction,
    Role::Administrateur,
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

use Role::{
    Administrateur as A, AutreEnseignant as O, Collegue as K, Cpe as C, Direction as D,
    Enseignant as T, Principal as P,
};

/// The class's people and records the matrix is about.
struct Classe {
    service: String,
    division: String,
    seance: String,
    eleve: String,
    periode: String,
    /// The personnel ids of the séance's teacher and of a colleague of the class.
    enseignant: String,
    collegue: String,
}

/// A class whose professeur principal is `principal`, one of its other teachers' séances, and
/// a third teacher of it.
fn classe(school: &School, principal: &str) -> Classe {
    let today = chrono::Utc::now().date_naive();
    let division = school
        .divisions
        .iter()
        .find(|d| d.professeur_principal_id.as_deref() == Some(principal))
        .map(|d| d.id.clone())
        .expect("a class she is PP of");
    let of_class: Vec<_> = (school.services.iter())
        .filter(|s| s.cible == Cible::Division(division.clone()) && s.enseignant_id != principal)
        .collect();
    let service = of_class[0];
    let collegue = (of_class.iter())
        .find(|s| s.enseignant_id != service.enseignant_id)
        .expect("a third teacher of the class");
    let seance = school
        .seances
        .iter()
        .rfind(|s| s.service_id == service.id && s.date < today)
        .expect("a past séance");
    let eleve = school
        .eleves
        .iter()
        .find(|e| e.division_id == division && e.date_sortie.is_none())
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
        enseignant: service.enseignant_id.clone(),
        collegue: collegue.enseignant_id.clone(),
    }
}

/// A demo account's login.
fn login_of(personnel_id: &str) -> String {
    let demo = pupitre_fixtures::generate(common::SEED);
    (demo.comptes.iter())
        .find(|c| c.personnel_id == personnel_id)
        .map(|c| c.login.clone())
        .expect("an account")
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
    // The équipe pédagogique of the class and the vie scolaire.
    let class: &[Role] = &[T, K, P, C, D];
    // A séance's roll call: its teacher, the class's PP, the vie scolaire; not the colleagues
    // (an infirmary or an exclusion in another lesson is not theirs to know).
    let roll: &[Role] = &[T, P, C, D];
    vec![
        Cell {
            what: "appel",
            edit: Edit::AppelEtat {
                seance_id: se.clone(),
                etat: AppelEtat::Fait,
            },
            writers: &[T, C, D],
            readers: roll,
        },
        Cell {
            what: "présence",
            edit: Edit::Presence {
                seance_id: se.clone(),
                eleve_id: e.clone(),
                presence: Presence::Absent,
            },
            writers: &[T, C, D],
            readers: roll,
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
            readers: roll,
        },
        Cell {
            what: "rapport d'exclusion",
            edit: Edit::Rapport {
                seance_id: se.clone(),
                eleve_id: e.clone(),
                rapport: None,
            },
            writers: &[T, C, D],
            readers: roll,
        },
        Cell {
            what: "justification de retard",
            edit: Edit::RetardJustifie {
                seance_id: se.clone(),
                eleve_id: e.clone(),
                justification: justification.clone(),
            },
            writers: &[C, D],
            readers: roll,
        },
        Cell {
            what: "conseil",
            edit: Edit::Conseil {
                periode_id: p.clone(),
                division_id: k.division.clone(),
                etat: EtatConseil::simple(ConseilEtat::EnSeance),
            },
            writers: &[P, D],
            readers: class,
        },
        Cell {
            what: "appréciation générale du conseil",
            edit: Edit::Decision {
                periode_id: p.clone(),
                division_id: k.division.clone(),
                eleve_id: e.clone(),
                decision: Decision::Appreciation(
                    AppreciationGenerale::new("Trimestre sérieux.").expect("text"),
                ),
            },
            writers: &[P, D],
            readers: class,
        },
        Cell {
            what: "mention",
            edit: Edit::Decision {
                periode_id: p.clone(),
                division_id: k.division.clone(),
                eleve_id: e.clone(),
                decision: Decision::Mention(Some(Mention::Encouragements)),
            },
            writers: &[P, D],
            readers: class,
        },
        Cell {
            what: "appréciation de vie scolaire",
            edit: Edit::Decision {
                periode_id: p.clone(),
                division_id: k.division.clone(),
                eleve_id: e.clone(),
                decision: Decision::VieScolaire(Appreciation::new("Assidu.").expect("text")),
            },
            writers: &[C, D],
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
            writers: &[C, D, A],
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

/// A page of the log after `cursor` as `p` pulls it.
async fn page_of(central: &Central, p: &Persona, log: &Value, cursor: u64) -> PullResponse {
    central
        .post("/v1/pull", Some(&p.token))
        .json(&json!({"cursor": cursor, "log": log, "limit": 1000}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("pull")
}

/// Every (kind, entity, field) a role receives by pulling the whole log.
async fn pulled(central: &Central, p: &Persona, log: &Value) -> BTreeSet<(String, String, String)> {
    let mut seen = BTreeSet::new();
    let mut cursor = 0;
    loop {
        let page = page_of(central, p, log, cursor).await;
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

/// The client id that `p` receives with the change of `edit`.
async fn poste_vu(central: &Central, log: &Value, p: &Persona, edit: &Edit) -> Option<String> {
    let page = page_of(central, p, log, 0).await;
    page.changes
        .into_iter()
        .find(|c| c.entity.kind == edit.kind() && c.entity.id == edit.key().id())
        .map(|c| c.client_id.0.to_string())
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
    // The demo teacher is the professeur principal of her French classes.
    let (p_token, p_client) = login(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, 1).await;
    let snapshot = central.snapshot(&p_token).await;
    let log = json!(snapshot.log);
    let school = pupitre_fixtures::generate(common::SEED)
        .school(NaiveDate::from_ymd_opt(2026, 11, 23).expect("day"));
    let k = classe(&school, &snapshot.moi.id);
    let other = unrelated_teacher(&school, &k.division);
    let mut personas = Vec::new();
    for (n, (role, login_name, password)) in [
        (T, login_of(&k.enseignant), DEMO_OTHER_PASSWORD),
        (K, login_of(&k.collegue), DEMO_OTHER_PASSWORD),
        (O, other, DEMO_OTHER_PASSWORD),
        (C, DEMO_CPE_LOGIN.to_owned(), DEMO_CPE_PASSWORD),
        (D, DEMO_HEAD_LOGIN.to_owned(), DEMO_HEAD_PASSWORD),
        (A, DEMO_ADMIN_LOGIN.to_owned(), DEMO_ADMIN_PASSWORD),
    ]
    .into_iter()
    .enumerate()
    {
        let (token, client) = login(&login_name, password, n as u8 + 2).await;
        personas.push(Persona {
            role,
            token,
            client,
            seq: 0,
        });
    }
    personas.push(Persona {
        role: P,
        token: p_token,
        client: p_client,
        seq: 0,
    });

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

    // Who wrote the roll call is named; the PC it came from is not handed out: its author sees
    // her PC's id, everyone else a pseudonym of their own, the same at every pull.
    let appel = &cells[0].edit;
    let poste = |p| poste_vu(&central, &log, p, appel);
    let author = &personas[0];
    assert_eq!(poste(author).await.as_deref(), Some(author.client.as_str()));
    let mut seen_as = BTreeSet::new();
    for p in personas
        .iter()
        .filter(|p| cells[0].readers.contains(&p.role) && p.role != T)
    {
        let named = poste(p).await.expect("a reader receives it");
        assert_ne!(
            named, author.client,
            "{:?} receives the author's PC id",
            p.role
        );
        assert_eq!(
            poste(p).await.as_ref(),
            Some(&named),
            "stable for {:?}",
            p.role
        );
        seen_as.insert(named);
    }
    assert_eq!(
        seen_as.len(),
        3,
        "one pseudonym per reader (PP, CPE, direction)"
    );
}
