//! `pupitre-bench-notes`: the gradebook's benchmark (issue 13), as a table.
//!
//! A replica holding a whole school's marks (the demo collège: 600 pupils, every service, 3
//! trimestres of 9 devoirs each, one mark a pupil a devoir; one class of 35 with 12 devoirs), and
//! side by side in one run with a baseline on the same machine:
//! (a) every average and class statistic of the school for the 3 periods (`Store::moyennes`)
//!     vs reading the same rows with one plain `SELECT`;
//! (b) typing a mark to its durable commit (what `Session::saisir_note` does: read what the cell
//!     is checked against, write the value and its outbox entry in one transaction,
//!     `synchronous = FULL`)
//!     vs a bare one-row `INSERT` committed alone with the same pragmas;
//! (c) opening the grid of 35 pupils × 12 devoirs (`Store::gradebook` + `Gradebook::view`) vs
//!     reading its rows with one plain `SELECT`.
//!
//!   cargo run --release -p pupitre-bench --bin pupitre-bench-notes -- [--runs 5] [--marks 300]

use chrono::NaiveDate;
use clap::Parser;
use mesure::{replica, timed};
use pupitre_domain::notes::Centiemes;
use pupitre_domain::{Cible, Edit, Note, School};
use pupitre_sync_protocol::OpId;
use uuid::Uuid;

#[path = "mesure.rs"]
mod mesure;

#[derive(Parser)]
#[command(about = "Pupitre's gradebook benchmark")]
struct Args {
    /// Runs of (a) and (c); the table shows the median.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Marks typed in (b).
    #[arg(long, default_value_t = 300)]
    marks: usize,
}

/// 9 devoirs a period in each of the demo's services (about 10 a pupil) gives more marks than
/// the 600 pupils × 12 subjects × 3 periods × 8.
const DEVOIRS_PER_PERIOD: usize = 9;
const BIG_CLASS: usize = 35;
const BIG_DEVOIRS: usize = 12;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
}

/// The demo school without séances, one division grown to 35 pupils; the service whose grid
/// (c) opens.
fn school() -> (School, String) {
    let (mut school, division) = mesure::school_with_a_class_of(BIG_CLASS, day());
    school.seances.clear();
    let big = school
        .services
        .iter()
        .find(|s| s.cible == Cible::Division(division.clone()))
        .expect("a service of the class")
        .id
        .clone();
    (school, big)
}

fn main() {
    let args = Args::parse();
    let (school, big) = school();
    let (values, devoirs, marks) =
        mesure::gradebook_values(&school, (&big, BIG_DEVOIRS), DEVOIRS_PER_PERIOD);
    eprintln!(
        "{} pupils, {} services, {devoirs} devoirs, {marks} marks",
        school.eleves.len(),
        school.services.len()
    );
    let (_dir, mut store, raw) = replica(&school, values);
    let periodes: Vec<String> = school.periodes.iter().map(|p| p.id.clone()).collect();

    // (a) every average of the school, 3 periods.
    let averages = timed(args.runs, || {
        let all = store.moyennes(&periodes).expect("averages");
        assert!(all.iter().all(|m| !m.eleves.is_empty()));
    });
    let read_rows = timed(args.runs, || {
        let mut stmt = raw
            .prepare_cached("SELECT entity_id, value FROM fields WHERE kind IN ('note', 'devoir')")
            .expect("prepare");
        let n: usize = stmt
            .query_map([], |r| Ok(r.get::<_, String>(1)?.len()))
            .expect("query")
            .map(|r| r.expect("row"))
            .sum();
        assert!(n > 0);
    });

    // (c) opening the big grid.
    let grids = timed(args.runs * 10, || {
        let book = store.gradebook(&big).expect("read").expect("service");
        let view = book.view("T1");
        assert_eq!(
            (view.lignes.len(), view.devoirs.len()),
            (BIG_CLASS, BIG_DEVOIRS)
        );
    });
    let (from, to) = pupitre_domain::EntityKey::children_range(&big);
    let grid_rows = timed(args.runs * 10, || {
        let mut stmt = raw
            .prepare_cached("SELECT entity_id, value FROM fields WHERE kind IN ('note', 'devoir') AND entity_id >= ?1 AND entity_id < ?2")
            .expect("prepare");
        let n = stmt
            .query_map([&from, &to], |r| r.get::<_, String>(1))
            .expect("query")
            .count();
        assert!(n > 0);
    });

    // (b) typing marks, each to its durable commit.
    let book = store.gradebook(&big).expect("read").expect("service");
    let devoir = book.devoirs[0].devoir_id.clone();
    let pupils: Vec<String> = book.eleves.iter().map(|e| e.eleve_id.clone()).collect();
    let mut i = 0;
    let typing = timed(args.marks, || {
        let eleve = &pupils[i % pupils.len()];
        let cell = store.gradebook_cell(&big, &devoir, eleve).expect("read");
        assert!(cell.is_some_and(|c| c.eleve(eleve).is_some()));
        let edit = Edit::Note {
            service_id: big.clone(),
            devoir_id: devoir.clone(),
            eleve_id: eleve.clone(),
            note: Some(Note::Valeur(Centiemes((i % 10) as u32 * 100))),
        };
        store
            .edit(&edit, "10001", OpId(Uuid::new_v4()), 1_790_000_000_000)
            .expect("write");
        i += 1;
    });
    let floor_times = mesure::bare_commits(args.marks);

    mesure::header();
    mesure::row(
        &format!(
            "(a) all averages and class statistics, {} pupils × 3 periods ({marks} marks) vs one SELECT of the rows",
            school.eleves.len()
        ),
        &averages,
        &read_rows,
        "≤ 200 ms",
    );
    mesure::row(
        "(b) typing a mark to its durable commit vs a bare one-row commit",
        &typing,
        &floor_times,
        "p99 ≤ 2 ms",
    );
    mesure::row(
        &format!(
            "(c) opening a grid of {BIG_CLASS} pupils × {BIG_DEVOIRS} devoirs vs one SELECT of its rows"
        ),
        &grids,
        &grid_rows,
        "≤ 50 ms",
    );
}
