//! The vie scolaire is not kept beyond what the school year needs (GUIDE §2): once the school's
//! days after the year's last period have passed, by the central's clock, the central erases the
//! year's roll calls, absences, dispenses and notifications, and every PC with it at its next
//! sync; an entry still unsent becomes a refusal its author sees; marks and appreciations stay.
//! Real central, real PCs; the purge runs at simulated dates.

use pupitre_central::Db;
use pupitre_central::conservation::{Conservation, purger};
use pupitre_domain::Presence;
use pupitre_domain::absences::Reglages;
use pupitre_e2e::*;
use pupitre_fixtures::{DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_TEACHER_PASSWORD};
use std::path::Path;

const VIE_SCOLAIRE: &str = "('appel', 'presence', 'absence', 'dispense', 'notification')";

fn vie_scolaire_in(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(
        &format!("SELECT COUNT(*) FROM {table} WHERE kind IN {VIE_SCOLAIRE}"),
        [],
        |r| r.get(0),
    )
    .unwrap_or_else(|e| panic!("{table}: {e}"))
}

fn on_replica(dir: &Path, pc: &str, login: &str, password: &str) -> rusqlite::Connection {
    replica_connection(
        &pupitre_replica::paths::replica_path(&dir.join(pc), login),
        password,
    )
}

fn ms(day: chrono::NaiveDate) -> u64 {
    day.and_hms_opt(3, 0, 0)
        .expect("time")
        .and_utc()
        .timestamp_millis() as u64
}

#[tokio::test]
async fn a_closed_year_s_vie_scolaire_leaves_the_central_and_every_pc_and_nothing_else_does() {
    let (dir, db, central) = demo_central().await;
    let url = central.url();
    let cpe = on_pc(dir.path(), &url, "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;

    // The year's life: a roll call taken and sent, an appreciation, and a mark still unsent.
    let seance = teacher
        .seances_du_jour(&test_day().to_string())
        .expect("her day")
        .remove(0);
    let roll = teacher.appel(&seance.id).expect("roll");
    let (first, second) = (&roll.eleves[0].eleve_id, &roll.eleves[1].eleve_id);
    teacher
        .marquer(&seance.id, first, Presence::Absent)
        .expect("mark");
    let (service, periode) = first_service_and_period(&teacher);
    let pupil = teacher
        .appreciations(&service, &periode)
        .expect("her pupils")
        .remove(0)
        .eleve_id;
    teacher
        .ecrire_appreciation(&service, &periode, &pupil, "Un trimestre sérieux.")
        .expect("appreciation");
    teacher.sync_once().await.expect("teacher sync");
    cpe.sync_once().await.expect("CPE sync");
    assert!(
        vie_scolaire_in(
            &on_replica(dir.path(), "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD),
            "fields"
        ) > 0
    );
    teacher
        .marquer(&seance.id, second, Presence::Absent)
        .expect("a mark that waits");

    // The day before the school's time is up, nothing goes; on the day, the year's vie scolaire.
    let school = test_day_school();
    let le = pupitre_domain::conservation::effacement_le(&school.periodes, &Reglages::default())
        .expect("the year has periods");
    let store = Db::open(&db).expect("central");
    let veille = purger(
        &store,
        &Conservation::default(),
        ms(le.pred_opt().expect("day")),
    )
    .expect("purge");
    assert_eq!(veille.vie_scolaire, 0);
    let jour = purger(&store, &Conservation::default(), ms(le)).expect("purge");
    assert!(jour.vie_scolaire > 0);
    let central_conn = rusqlite::Connection::open(&db).expect("central db");
    assert_eq!(vie_scolaire_in(&central_conn, "changes"), 0);
    assert_eq!(vie_scolaire_in(&central_conn, "fields"), 0);
    let audited: i64 = rusqlite::Connection::open(pupitre_central::db::audit::path_beside(&db))
        .expect("audit log")
        .query_row(
            "SELECT COUNT(*) FROM evenements WHERE quoi = 'vie_scolaire_effacee'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(audited, 1);
    let encore = purger(&store, &Conservation::default(), ms(le) + 86_400_000).expect("purge");
    assert_eq!(encore.vie_scolaire, 0, "erased once");

    // In September they log in again (the summer outlived their sessions): each PC follows at
    // its first sync; the unsent mark is a refusal its author reads.
    drop((teacher, cpe));
    let cpe = on_pc(dir.path(), &url, "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    teacher.sync_once().await.expect("teacher sync");
    cpe.sync_once().await.expect("CPE sync");
    for (pc, login, password) in [
        ("cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD),
        (
            "salle-12",
            pupitre_fixtures::DEMO_TEACHER_LOGIN,
            DEMO_TEACHER_PASSWORD,
        ),
    ] {
        let conn = on_replica(dir.path(), pc, login, password);
        for table in ["fields", "conflicts", "notices", "acked"] {
            assert_eq!(vie_scolaire_in(&conn, table), 0, "{pc}: {table}");
        }
    }
    let modifs = teacher.modifications().expect("lists");
    assert!(modifs.en_attente.is_empty(), "{:?}", modifs.en_attente);
    let refusee = modifs.refusees.first().expect("the unsent mark, refused");
    assert!(
        refusee
            .motif
            .as_deref()
            .is_some_and(|m| m.contains("conservation")),
        "{refusee:?}"
    );
    // The pupil's school record stays.
    assert_eq!(
        ligne_of(&teacher, &service, &periode, &pupil).texte,
        "Un trimestre sérieux."
    );
    // Whatever comes later for that year is refused at the central.
    cpe.marquer(&seance.id, first, Presence::Present)
        .expect("the CPE marks a pupil");
    cpe.sync_once().await.expect("CPE sync");
    let refusee = cpe.modifications().expect("lists").refusees;
    assert_eq!(refusee.len(), 1, "{refusee:?}");
    assert_eq!(vie_scolaire_in(&central_conn, "changes"), 0);
}
