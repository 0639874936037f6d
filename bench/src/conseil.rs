//! `pupitre-bench-conseil`: the class councils' outputs (issue 16), as a table.
//!
//! The head's replica of the demo collège (600 pupils, 3A grown to 35) with a trimestre's marks
//! (9 devoirs a service, one mark a pupil a devoir), every subject's appreciation and every
//! pupil's general appreciation; teachers given numeric STS ids, as STS-Web has them. Side by
//! side in one run with a baseline on the same machine:
//! (a) the 35 bulletins of a class as one PDF (its council page read, then laid out)
//!     vs laying out the same 35 bulletins' text alone;
//! (b) the LSU export of the whole collège (each class's page read, then its XML)
//!     vs reading the same rows with one plain `SELECT`.
//!
//!   cargo run --release -p pupitre-bench --bin pupitre-bench-conseil -- [--runs 5]

use chrono::NaiveDate;
use clap::Parser;
use mesure::{change, replica, timed};
use pupitre_domain::EntityKind;
use pupitre_replica::lsu::{LsuContexte, ecrire};

#[path = "mesure.rs"]
mod mesure;

#[derive(Parser)]
#[command(about = "Pupitre's class councils benchmark")]
struct Args {
    /// Runs of each measure; the table shows the median.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

const CLASSE: usize = 35;

fn main() {
    let args = Args::parse();
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let (school, division) = mesure::school_with_a_class_of(CLASSE, day);
    let (mut values, _, marks) = mesure::gradebook_values(&school, ("", 0), 9);
    let texte = "Élève sérieuse et investie, qui progresse ; poursuivez l'effort à l'oral.";
    for s in &school.services {
        for e in school.eleves.iter().filter(|e| e.dans(&s.cible)) {
            let seq = values.len() as u64 + 1;
            let id = format!("T1/{}/{}", s.id, e.id);
            let value = serde_json::json!(texte);
            values.push(change(
                seq,
                EntityKind::Appreciation,
                id,
                "texte",
                value,
                &s.cible.key(),
            ));
        }
    }
    for e in &school.eleves {
        let seq = values.len() as u64 + 1;
        let id = format!("T1/{}/{}", e.division_id, e.id);
        let scope = pupitre_domain::Cible::Division(e.division_id.clone()).key();
        let value = serde_json::json!("Trimestre satisfaisant : c'est l'« esprit » attendu.");
        values.push(change(
            seq,
            EntityKind::Decision,
            id,
            "appreciation",
            value,
            &scope,
        ));
    }
    eprintln!(
        "{} pupils, {marks} marks, {} values",
        school.eleves.len(),
        values.len()
    );
    let (_dir, mut store, raw) = replica(&school, values);
    let divisions: Vec<String> = school.divisions.iter().map(|d| d.id.clone()).collect();

    // (a) a class's 35 bulletins.
    let bulletins = timed(args.runs, || {
        let page = store.conseil("T1", &division).expect("read").expect("page");
        let docs: Vec<_> = (page.eleves.iter())
            .map(|e| pupitre_replica::bulletin::contenu(&page, e))
            .collect();
        assert_eq!(docs.len(), CLASSE);
        assert!(
            !pupitre_replica::document::pdf(&docs)
                .expect("pdf")
                .is_empty()
        );
    });
    let page = store.conseil("T1", &division).expect("read").expect("page");
    let docs: Vec<_> = (page.eleves.iter())
        .map(|e| pupitre_replica::bulletin::contenu(&page, e))
        .collect();
    let layout = timed(args.runs, || {
        assert!(
            !pupitre_replica::document::pdf(&docs)
                .expect("pdf")
                .is_empty()
        );
    });

    // (b) the whole collège's LSU export.
    let mut pupils = 0;
    let lsu = timed(args.runs, || {
        pupils = 0;
        let pages = store.conseils_pages("T1", &divisions).expect("read");
        for page in pages.iter().flatten() {
            let ctx = LsuContexte {
                uai: "0670639F",
                responsable: "Mme Hélène BERNARD",
                indice: 1,
                nb_periodes: 3,
                millesime: 2026,
                date_conseil: Some(day),
                professeur_principal: None,
            };
            pupils += ecrire(page, &ctx).expect("xml").bilans;
        }
    });
    assert!(pupils >= 600, "{pupils} reports");
    let rows = timed(args.runs, || {
        let mut stmt = raw
            .prepare_cached(
                "SELECT entity_id, value FROM fields WHERE kind IN ('note', 'devoir', 'appreciation', 'decision')",
            )
            .expect("prepare");
        let n = stmt
            .query_map([], |r| r.get::<_, String>(1))
            .expect("query")
            .count();
        assert!(n > 0);
    });

    mesure::header();
    mesure::row(
        &format!("(a) the {CLASSE} bulletins of a class as one PDF vs laying out their text alone"),
        &bulletins,
        &layout,
        "≤ 2 s",
    );
    mesure::row(
        &format!(
            "(b) the LSU export of the collège ({pupils} reports, {} classes) vs one SELECT of the rows",
            divisions.len()
        ),
        &lsu,
        &rows,
        "≤ 2 s",
    );
}
