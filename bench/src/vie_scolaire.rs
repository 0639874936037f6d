//! `pupitre-bench-vie-scolaire`: the vie scolaire's benchmark (issue 12), as a table.
//!
//! A CPE's replica holding a whole school and a year of roll calls (the demo collège: 600
//! pupils, every séance of the year with its roll call done, about 4 % of the marks absent and
//! 2 % late), and side by side in one run with a baseline on the same machine:
//! (a) a click on a roll-call mark to its durable commit (what `Session::marquer` does: check
//!     the teacher and the pupil on the roll, write the value and its outbox entry in one
//!     transaction, `synchronous = FULL`) vs a bare one-row commit with the same pragmas;
//! (b) opening a roll call of 35 pupils with what the school knows of them
//!     (`Store::appel_signale`) vs reading its rows with one plain `SELECT`;
//! (c) the month's demi-journées and the L131-8 list of the whole school
//!     (`Store::vie_scolaire` + `vie_scolaire::absenteisme`) vs one `SELECT` of the year's
//!     roll-call rows.
//!
//!   cargo run --release -p pupitre-bench --bin pupitre-bench-vie-scolaire -- [--runs 5] [--marks 10000]

use chrono::NaiveDate;
use clap::Parser;
use mesure::{change, replica, timed};
use pupitre_domain::{AppelEtat, Cible, Edit, EntityKey, EntityKind, Presence, School};
use pupitre_replica::vie_scolaire;
use pupitre_sync_protocol::{OpId, ServerChange};
use uuid::Uuid;

#[path = "mesure.rs"]
mod mesure;

#[derive(Parser)]
#[command(about = "Pupitre's vie scolaire benchmark")]
struct Args {
    /// Runs of (b) and (c); the table shows the median.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Marks clicked in (a).
    #[arg(long, default_value_t = 10_000)]
    marks: usize,
}

const BIG_CLASS: usize = 35;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
}

/// The demo school with its year of séances, one division grown to 35 pupils; that class.
fn school() -> (School, String) {
    mesure::school_with_a_class_of(BIG_CLASS, day())
}

/// Every séance's roll call of the year, done, with its absent and late pupils.
fn roll_calls(school: &School) -> (Vec<ServerChange>, usize) {
    let mut x: u64 = 17;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    let services: std::collections::HashMap<&str, &Cible> = school
        .services
        .iter()
        .map(|s| (s.id.as_str(), &s.cible))
        .collect();
    let (mut out, mut marks) = (Vec::new(), 0);
    for seance in &school.seances {
        let cible = services[seance.service_id.as_str()];
        let scope = cible.key();
        let seq = out.len() as u64 + 1;
        out.push(change(
            seq,
            EntityKind::Appel,
            seance.id.clone(),
            "etat",
            serde_json::to_value(AppelEtat::Fait).expect("json"),
            &scope,
        ));
        for e in school.eleves.iter().filter(|e| e.dans(cible)) {
            let presence = match next() % 100 {
                0..=3 => Presence::Absent,
                4..=5 => Presence::Retard {
                    arrivee: seance.debut,
                },
                _ => continue,
            };
            let key = EntityKey::Presence {
                seance_id: seance.id.clone(),
                eleve_id: e.id.clone(),
            };
            let seq = out.len() as u64 + 1;
            out.push(change(
                seq,
                EntityKind::Presence,
                key.id(),
                "statut",
                serde_json::to_value(presence).expect("json"),
                &scope,
            ));
            marks += 1;
        }
    }
    (out, marks)
}

fn main() {
    let args = Args::parse();
    let (school, division) = school();
    let (values, marks) = roll_calls(&school);
    eprintln!(
        "{} pupils, {} séances, {marks} roll-call marks",
        school.eleves.len(),
        school.seances.len()
    );
    let (_dir, mut store, raw) = replica(&school, values);

    // (c) the month's demi-journées and the L131-8 list, the whole school.
    let monitor = timed(args.runs, || {
        let rows = store.vie_scolaire().expect("rows");
        let list = vie_scolaire::absenteisme(&rows, day());
        assert!(list.len() < school.eleves.len());
    });
    let read_rows = timed(args.runs, || {
        let mut stmt = raw
            .prepare_cached("SELECT entity_id, field, value FROM fields WHERE kind = 'presence'")
            .expect("prepare");
        let n = stmt
            .query_map([], |r| r.get::<_, String>(2))
            .expect("query")
            .count();
        assert!(n > 0);
    });

    // (b) opening the big class's roll call on the test day.
    let cible = Cible::Division(division).key();
    let services: Vec<&str> = school
        .services
        .iter()
        .filter(|s| s.cible.key() == cible)
        .map(|s| s.id.as_str())
        .collect();
    let seance = school
        .seances
        .iter()
        .find(|s| s.date == day() && services.contains(&s.service_id.as_str()))
        .expect("a séance of the class on the test day")
        .clone();
    let opening = timed(args.runs * 10, || {
        let view = store
            .appel_signale(&seance.id)
            .expect("read")
            .expect("séance");
        assert_eq!(view.eleves.len(), BIG_CLASS);
    });
    let (from, to) = EntityKey::children_range(&seance.id);
    let roll_rows = timed(args.runs * 10, || {
        let mut stmt = raw
            .prepare_cached(
                "SELECT entity_id, value FROM fields WHERE kind = 'presence' AND entity_id >= ?1 AND entity_id < ?2",
            )
            .expect("prepare");
        let n = stmt
            .query_map([&from, &to], |r| r.get::<_, String>(1))
            .expect("query")
            .count();
        assert!(n < BIG_CLASS);
    });

    // (a) clicking marks, each to its durable commit.
    let pupils: Vec<String> = store
        .appel(&seance.id)
        .expect("read")
        .expect("séance")
        .eleves
        .iter()
        .map(|e| e.eleve_id.clone())
        .collect();
    let mut i = 0;
    let clicks = timed(args.marks, || {
        let eleve = &pupils[i % pupils.len()];
        let edit = Edit::Presence {
            seance_id: seance.id.clone(),
            eleve_id: eleve.clone(),
            presence: if i % 2 == 0 {
                Presence::Absent
            } else {
                Presence::Present
            },
        };
        // What `Session::marquer` checks before writing.
        assert!(store.teacher_of(&edit.key()).expect("teacher").is_some());
        assert!(store.eleve_dans_seance(&seance.id, eleve).expect("roll"));
        store
            .edit(&edit, "10001", OpId(Uuid::new_v4()), 1_790_000_000_000)
            .expect("write");
        i += 1;
    });
    let floor = mesure::bare_commits(args.marks);

    mesure::header();
    mesure::row(
        &format!(
            "(a) a roll-call mark to its durable commit, {} clicks, vs a bare one-row commit",
            args.marks
        ),
        &clicks,
        &floor,
        "p99 ≤ 2 ms",
    );
    mesure::row(
        &format!(
            "(b) opening a roll call of {BIG_CLASS} pupils with what the school knows vs one SELECT of its rows"
        ),
        &opening,
        &roll_rows,
        "≤ 50 ms",
    );
    mesure::row(
        &format!(
            "(c) a month's demi-journées and the L131-8 list, {} pupils, a year of roll calls ({marks} marks) vs one SELECT of the rows",
            school.eleves.len()
        ),
        &monitor,
        &read_rows,
        "≤ 200 ms",
    );
}
