//! A teacher on two collèges, on her own laptop, against one central serving both: the login
//! screen offers the two schools, each has its own replica on the PC (never one mixing them),
//! a roll call taken in one reaches that school's log and not the other's, and offline she
//! still chooses, among the schools this PC holds.

use pupitre_central::Db;
use pupitre_domain::{Presence, Uai};
use pupitre_e2e::{RunningCentral, demo_central_db, demo_school_db, test_day};
use pupitre_fixtures::{DEMO_SEED, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD};
use pupitre_replica::Session;
use pupitre_replica::paths::Compte;
use pupitre_replica::trousseau::EnMemoire;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// The pupils a database's school holds, by name, and its UAI and name.
fn ecole(db: &Path) -> (Uai, String, BTreeSet<(String, String)>) {
    Db::open(db).expect("db").with(|c| {
        let (uai, nom): (String, String) = c
            .query_row("SELECT uai, nom FROM etablissement", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("school");
        let mut statement = c.prepare("SELECT nom, prenom FROM eleves").expect("sql");
        let eleves = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("pupils")
            .collect::<Result<_, _>>()
            .expect("pupils");
        (Uai::parse(&uai).expect("uai"), nom, eleves)
    })
}

fn log_len(db: &Path) -> i64 {
    Db::open(db)
        .expect("db")
        .with(|c| c.query_row("SELECT COUNT(*) FROM changes", [], |r| r.get(0)))
        .expect("count")
}

async fn login(pc: &Path, url: &str, etablissement: Option<&Uai>) -> Arc<Session> {
    Session::login_dans(
        pc,
        url,
        etablissement,
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
        &mut |_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("login at {etablissement:?}: {e}"))
}

/// The pupils of her first séance of the test day, by name.
fn eleves_vus(session: &Session) -> (String, String, BTreeSet<(String, String)>) {
    let seances = session
        .seances_du_jour(&test_day().to_string())
        .expect("séances");
    let seance = seances.first().expect("she teaches on the test day");
    let appel = session.appel(&seance.id).expect("appel");
    let premier = appel.eleves.first().expect("a pupil").eleve_id.clone();
    let noms = appel
        .eleves
        .iter()
        .map(|e| (e.nom.clone(), e.prenom.clone()))
        .collect();
    (seance.id.clone(), premier, noms)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_of_two_schools_has_a_replica_in_each_and_her_roll_call_reaches_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = demo_central_db(dir.path());
    let b = demo_school_db(
        &dir.path().join("college-b.sqlite"),
        DEMO_SEED + 1,
        "Collège Louise-Michel",
    );
    let (uai_a, nom_a, eleves_a) = ecole(&a);
    let (uai_b, nom_b, eleves_b) = ecole(&b);
    assert!(uai_a != uai_b && nom_a != nom_b);
    let central = RunningCentral::try_start_ecoles(
        &[a.clone(), b.clone()],
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("serves both");
    let url = central.url();
    let pc = dir.path().join("portable");

    // The login screen offers both, the central's first as the PC's usual one.
    let offerts = Session::etablissements(&pc, &url).await;
    let uais: Vec<Option<String>> = offerts.iter().map(|e| e.uai.clone()).collect();
    assert_eq!(uais, [None, Some(uai_b.to_string())]);
    assert!(
        offerts[0].nom.contains(&nom_a) && offerts[1].nom.contains(&nom_b),
        "{offerts:?}"
    );

    // One login, two schools: one replica each, each holding its own school.
    let in_a = login(&pc, &url, None).await;
    let in_b = login(&pc, &url, Some(&uai_b)).await;
    assert_eq!(in_a.moi().etablissement, nom_a);
    assert_eq!(in_b.moi().etablissement, nom_b);
    for compte in [
        Compte::new(None, DEMO_TEACHER_LOGIN),
        Compte::new(Some(&uai_b), DEMO_TEACHER_LOGIN),
    ] {
        assert!(compte.replica_path(&pc).exists(), "{compte:?}");
    }
    let only_a: BTreeSet<_> = eleves_a.difference(&eleves_b).cloned().collect();
    let only_b: BTreeSet<_> = eleves_b.difference(&eleves_a).cloned().collect();
    let (_, _, seen_in_a) = eleves_vus(&in_a);
    let (seance_b, eleve_b, seen_in_b) = eleves_vus(&in_b);
    assert!(seen_in_a.is_subset(&eleves_a) && !seen_in_a.is_disjoint(&only_a));
    assert!(seen_in_b.is_subset(&eleves_b) && !seen_in_b.is_disjoint(&only_b));

    // A roll call taken in B reaches B's log, not A's.
    let (avant_a, avant_b) = (log_len(&a), log_len(&b));
    in_b.marquer(&seance_b, &eleve_b, Presence::Absent)
        .expect("mark absent");
    in_b.sync_once().await.expect("sync with B");
    assert!(log_len(&b) > avant_b, "B has her roll call");
    assert_eq!(log_len(&a), avant_a, "A has nothing of it");
    in_a.sync_once().await.expect("sync with A");
    assert_eq!(log_len(&a), avant_a);
    in_a.logout().await.expect("logout A");
    in_b.logout().await.expect("logout B");

    // On her own laptop she asks to be remembered in B: the keyring keeps B's key under B's
    // name, and the next start opens B's replica, not A's.
    let keyring = EnMemoire::default();
    let remembered = Session::login_en_se_souvenant(
        &pc,
        &url,
        Some(&uai_b),
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
        &keyring,
        &mut |_| {},
    )
    .await
    .expect("remembered in B");
    drop(remembered);
    let resumed = Session::reprendre(&pc, &url, &keyring, &mut |_| {})
        .await
        .expect("resume")
        .expect("she is remembered");
    assert_eq!(resumed.moi().etablissement, nom_b);
    drop(resumed);

    // Offline, she chooses among the schools this PC holds, and opens B's replica.
    central.stop().await;
    let offerts = Session::etablissements(&pc, &url).await;
    let uais: Vec<Option<String>> = offerts.iter().map(|e| e.uai.clone()).collect();
    assert_eq!(uais, [None, Some(uai_b.to_string())]);
    let offline_b = login(&pc, &url, Some(&uai_b)).await;
    assert!(!offline_b.moi().en_ligne);
    assert_eq!(offline_b.moi().etablissement, nom_b);
    let (_, _, seen_offline) = eleves_vus(&offline_b);
    assert_eq!(seen_offline, seen_in_b);
    drop(offline_b);

    // The central restarted with its schools in the other order: the PC's usual replica holds
    // A, the central's first school is now B. Nothing opens rather than mix the two.
    let central = RunningCentral::try_start_ecoles(
        &[b.clone(), a.clone()],
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("serves both");
    let url = central.url();
    let refused = Session::login_dans(
        &pc,
        &url,
        None,
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
        &mut |_| {},
    )
    .await;
    let Err(e) = refused else {
        panic!("A's replica opened as B's");
    };
    let message = e.to_string();
    assert!(
        message.contains(uai_a.as_str()) && message.contains(uai_b.as_str()),
        "{message}"
    );
    central.stop().await;
}
