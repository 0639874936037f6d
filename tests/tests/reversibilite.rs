//! A school leaves with all of its data: a central that has lived (marks, a conflict, a family
//! notification, a re-import's moves) is exported, the archive imported into an empty central,
//! and every table compared; then the school's PCs carry on with the new central.

use pupitre_central::archive;
use pupitre_central::db::archive::{MASQUE, Sort, sort_of, tables};
use pupitre_domain::Presence;
use pupitre_e2e::*;
use pupitre_fixtures::{
    DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD,
};
use rusqlite::types::Value;
use std::path::Path;

/// Every row of every table of the central database at `db`, by table, in rowid order.
fn every_table(db: &Path) -> Vec<(String, Vec<String>, Vec<Vec<Value>>)> {
    let conn = rusqlite::Connection::open(db).expect("central db");
    let names = tables(&conn).expect("tables");
    names
        .into_iter()
        .map(|t| {
            let columns = pupitre_central::db::archive::columns(&conn, &t).expect("columns");
            let mut rows = Vec::new();
            pupitre_central::db::archive::each_row(&conn, &t, &columns, |r| {
                rows.push(r);
                Ok::<_, rusqlite::Error>(())
            })
            .expect("rows");
            (t, columns, rows)
        })
        .collect()
}

/// A central that has lived: a mark, two concurrent appreciations (a conflict), an absence
/// notified to the family, and a re-import that moved a pupil (reference data in the log).
async fn a_lived_central(dir: &Path, url: &str, db: &Path) {
    let salle = teacher_pc(dir, url, "salle-12").await;
    let portable = teacher_pc(dir, url, "portable").await;
    let cpe = on_pc(dir, url, "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    let service = salle.services().expect("services")[0].clone();
    let periode = periode_of_test_day(&salle);
    let eleve = salle
        .appreciations(&service.id, &periode.id)
        .expect("pupils")[0]
        .eleve_id
        .clone();
    salle
        .ecrire_appreciation(&service.id, &periode.id, &eleve, "Bon trimestre.")
        .expect("on PC 1");
    portable
        .ecrire_appreciation(&service.id, &periode.id, &eleve, "Très bon trimestre.")
        .expect("on PC 2");
    let day = test_day().to_string();
    let seance = cpe.seances_du_jour(&day).expect("day")[0].clone();
    let absent = cpe.appel(&seance.id).expect("roll").eleves[0]
        .eleve_id
        .clone();
    cpe.marquer(&seance.id, &absent, Presence::Absent)
        .expect("absent");
    assert!(cpe.notifier_familles(&day).expect("notified").preparees >= 1);
    for pc in [&salle, &portable, &cpe, &salle] {
        pc.sync_once().await.expect("sync");
    }
    assert_eq!(salle.etat().conflits, 1);

    // The next day's exports: a pupil changed class.
    let store = pupitre_central::Db::open(db).expect("central db");
    let mut school = store
        .with(|c| pupitre_school_db::read_school(c))
        .expect("school");
    let other = school.divisions[1].id.clone();
    let moved = (school.eleves.iter_mut())
        .find(|e| e.division_id != other && e.date_sortie.is_none())
        .expect("a pupil");
    moved.division_id = other;
    let files = [
        ("sts_emp.xml", pupitre_fixtures::exports::sts(&school)),
        (
            "Nomenclature.xml",
            pupitre_fixtures::exports::nomenclature(&school),
        ),
        (
            "ElevesSansAdresses.xml",
            pupitre_fixtures::exports::eleves(&school),
        ),
    ]
    .map(|(n, b)| (n.to_owned(), b));
    let le = test_day().succ_opt().expect("next day");
    pupitre_central::import::importer(&store, &files, None, le).expect("re-import");
    cpe.sync_once().await.expect("the CPE's PC follows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_exported_and_imported_into_an_empty_central_is_the_same_school() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    a_lived_central(dir.path(), &url, &db).await;
    central.stop().await;

    let out = dir.path().join("college.zip");
    let source = pupitre_central::Db::open(&db).expect("central db");
    let uai = source
        .with(|c| pupitre_central::db::school::etablissement(c))
        .expect("read")
        .expect("a school")
        .0;
    let manifeste = archive::exporter(&source, &db, &uai, &out).expect("export");
    assert!(manifeste.omises.contains(&"sessions".to_owned()));
    let new_db = dir.path().join("nouveau.sqlite");
    let target = pupitre_central::Db::open(&new_db).expect("empty central");
    let bytes = std::fs::read(&out).expect("archive");
    archive::importer(&target, &new_db, "college.zip", bytes.clone()).expect("import");

    let (before, after) = (every_table(&db), every_table(&new_db));
    assert_eq!(
        before.iter().map(|t| &t.0).collect::<Vec<_>>(),
        after.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
    let mut compared = 0;
    for ((table, columns, rows), (_, _, imported)) in before.iter().zip(&after) {
        match sort_of(table).unwrap_or_else(|| panic!("{table} is sorted for the archive")) {
            Sort::Jamais => assert!(imported.is_empty(), "{table} stays behind"),
            Sort::Entiere if table == "log_identity" => {
                // The same log, one epoch on: the PCs rebase and resend.
                assert_eq!(imported[0][1], rows[0][1], "the log's id");
                assert_eq!(imported[0][2], Value::Integer(as_int(&rows[0][2]) + 1));
            }
            Sort::Entiere => assert!(
                *rows == *imported,
                "{table}: {} rows vs {}",
                rows.len(),
                imported.len()
            ),
            Sort::Sans(sans) => {
                assert_eq!(rows.len(), imported.len(), "{table}");
                for (row, back) in rows.iter().zip(imported) {
                    for (i, c) in columns.iter().enumerate() {
                        if sans.contains(&c.as_str()) {
                            assert_eq!(back[i], Value::Text(MASQUE.to_owned()), "{table}.{c}");
                        } else {
                            assert_eq!(back[i], row[i], "{table}.{c}");
                        }
                    }
                }
            }
        }
        compared += rows.len();
    }
    for table in [
        "changes",
        "conflicts",
        "referentiel",
        "envois",
        "fields",
        "seances",
    ] {
        let rows = &before.iter().find(|t| t.0 == table).expect("table").2;
        assert!(!rows.is_empty(), "the lived central has {table}");
    }
    assert!(compared > 20_000, "{compared}");

    // A second import into the same central is refused, and leaves it as it was.
    let err = archive::importer(&target, &new_db, "college.zip", bytes).expect_err("twice");
    assert!(err.to_string().contains("contient déjà"), "{err}");
    assert!(every_table(&new_db) == after);

    // The school's PCs carry on with the new central: the teacher, given a password again,
    // logs in on her PC and finds her conflict and her pupils.
    pupitre_central::comptes::reinitialiser(&target, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, 1)
        .expect("a new password");
    drop(target);
    let central =
        pupitre_e2e::RunningCentral::start(&new_db, "127.0.0.1:0".parse().expect("addr")).await;
    let salle = teacher_pc(dir.path(), &central.url(), "salle-12").await;
    salle.sync_once().await.expect("sync with the new central");
    assert_eq!(salle.etat().conflits, 1, "the conflict came along");
    assert!(!salle.services().expect("services").is_empty());
    central.stop().await;
}

fn as_int(v: &Value) -> i64 {
    match v {
        Value::Integer(i) => *i,
        other => panic!("an integer: {other:?}"),
    }
}
