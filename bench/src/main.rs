//! `pupitre-bench`: the sync benchmark of issue 3, as a table.
//!
//! On the same logical data (a school year of roll-call changes), side by side in one run:
//! (a) applying pulled pages into a replica (`Store::apply_page`, one transaction a page);
//! (b) the SQLite ceiling measured in the same run: plain upsert plus log append, same
//!     transaction sizes, same pragmas, the same encryption as a replica's;
//! (c) automerge and yrs applying the same changes, in memory, page by page;
//! (d) the central's push rate (`push::push`: validation, authorization, merge, log), without HTTP.
//!
//!   cargo run --release -p pupitre-bench -- [--changes 1000000] [--push-changes 100000] [--runs 3]

mod workload;

use clap::Parser;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Pupitre's sync benchmark")]
struct Args {
    /// Changes applied by (a), (b) and (c).
    #[arg(long, default_value_t = 1_000_000)]
    changes: usize,
    /// Changes pushed by (d).
    #[arg(long, default_value_t = 100_000)]
    push_changes: usize,
    /// Runs of each measure; the table shows the median.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

struct Row {
    name: &'static str,
    changes: usize,
    median: Duration,
}

impl Row {
    fn rate(&self) -> f64 {
        self.changes as f64 / self.median.as_secs_f64()
    }
}

/// Runs `run` `runs` times (each on fresh state from `setup`, not timed) and keeps the median.
fn measure<S>(
    name: &'static str,
    changes: usize,
    runs: usize,
    mut setup: impl FnMut() -> S,
    mut run: impl FnMut(S),
) -> Row {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let state = setup();
            let start = Instant::now();
            run(state);
            start.elapsed()
        })
        .collect();
    times.sort();
    let row = Row {
        name,
        changes,
        median: times[times.len() / 2],
    };
    eprintln!("{name}: median {:.2} s", row.median.as_secs_f64());
    row
}

fn main() {
    let args = Args::parse();
    eprintln!("generating {} changes…", args.changes);
    let changes = workload::changes(args.changes);
    let automerge_pages = workload::automerge_pages(&changes);
    let yrs_pages = workload::yrs_pages(&changes);
    let push = workload::PushSetup::new();

    let rows = [
        measure(
            "(a) replica: apply pulled pages",
            changes.len(),
            args.runs,
            workload::temp_replica,
            |(_dir, mut store)| workload::replica_apply(&mut store, &changes),
        ),
        measure(
            "(b) SQLite ceiling: upsert + log append",
            changes.len(),
            args.runs,
            workload::temp_ceiling,
            |(_dir, mut conn)| workload::ceiling_apply(&mut conn, &changes),
        ),
        measure(
            "(b') tuned ceiling: integer keys, 256 MiB cache, WITHOUT ROWID",
            changes.len(),
            args.runs,
            workload::temp_ceiling_tuned,
            |(_dir, mut conn)| workload::ceiling_tuned_apply(&mut conn, &changes),
        ),
        measure(
            "(c) automerge: apply the same pages",
            changes.len(),
            args.runs,
            || (),
            |()| workload::automerge_apply(&automerge_pages),
        ),
        measure(
            "(c) yrs: apply the same pages",
            changes.len(),
            args.runs,
            || (),
            |()| workload::yrs_apply(&yrs_pages),
        ),
        measure(
            "(d) central: push (500 a request)",
            args.push_changes,
            args.runs,
            || push.fresh_client(),
            |client| push.run(&client, args.push_changes),
        ),
    ];

    println!("| measure | changes | median (s) | changes/s | vs (b) |");
    println!("|---|---:|---:|---:|---:|");
    let ceiling = rows[1].rate();
    for row in &rows {
        println!(
            "| {} | {} | {:.2} | {:.0} | {:.0} % |",
            row.name,
            row.changes,
            row.median.as_secs_f64(),
            row.rate(),
            100.0 * row.rate() / ceiling
        );
    }
    let (a, tuned, automerge) = (rows[0].rate(), rows[2].rate(), rows[3].rate());
    println!();
    println!(
        "(a) / (b) = {:.0} %; (a) / (b') = {:.0} % (target ≥ 60 %); (a) / automerge = {:.1}× (target ≥ 2×)",
        100.0 * a / ceiling,
        100.0 * a / tuned,
        a / automerge
    );
}
