//! Upgrades keep every replica: a replica and a central database written by an earlier release,
//! kept as fixtures under `tests/fixtures/upgrade/<release>/`, open in this one, migrate, and the
//! roll calls the replica had not sent yet reach the central. Each release that changes a schema
//! adds its own fixture (`UPDATE_FIXTURES=<release> cargo test -p pupitre-e2e --test upgrade`
//! writes the current release's).

use pupitre_central::{Db, demo};
use pupitre_domain::Presence;
use pupitre_e2e::{RunningCentral, absents_seen_by_the_cpe, login, test_day, test_day_school};
use pupitre_fixtures::{DEMO_SEED, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD};
use pupitre_replica::cle;
use pupitre_replica::paths::replica_path;
use std::path::{Path, PathBuf};

/// Roll-call marks the fixture's teacher took offline and never sent.
const PENDING: usize = 3;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/upgrade")
}

fn loopback() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().expect("addr")
}

/// Writes this release's fixture: the demo school of the test day, the teacher's replica
/// bootstrapped online, then `PENDING` absences marked while the central was down.
async fn write_fixture(release: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let central_db = dir.path().join("central.sqlite");
    let demo_school = pupitre_fixtures::generate(DEMO_SEED);
    demo::import_school(
        &Db::open(&central_db).expect("db"),
        &test_day_school(),
        &demo_school.comptes,
    )
    .expect("import");
    let central = RunningCentral::start(&central_db, loopback()).await;
    let poste = dir.path().join("poste");
    let url = central.url();
    let teacher = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .expect("teacher logs in");
    central.stop().await;
    let seance = teacher
        .seances_du_jour(&test_day().to_string())
        .expect("séances")
        .into_iter()
        .next()
        .expect("a séance on the test day");
    let appel = teacher.appel(&seance.id).expect("roll call");
    for eleve in appel.eleves.iter().take(PENDING) {
        teacher
            .marquer(&seance.id, &eleve.eleve_id, Presence::Absent)
            .expect("marked offline");
    }
    teacher.logout().await.expect("logout offline");
    drop(teacher);
    Db::open(&central_db)
        .expect("db")
        .with(|c| c.execute_batch("VACUUM"))
        .expect("vacuum");
    let out = fixtures().join(release);
    std::fs::create_dir_all(&out).expect("fixture dir");
    std::fs::copy(&central_db, out.join("central.sqlite")).expect("copy central");
    let replica = replica_path(&poste, DEMO_TEACHER_LOGIN);
    std::fs::copy(&replica, out.join("replica.sqlite")).expect("copy replica");
    std::fs::copy(cle::fichier(&replica), out.join("replica.cle")).expect("copy key");
}

/// Opens one release's fixture in this release and checks that nothing it held is lost.
async fn upgrade_from(release: &Path) {
    let dir = tempfile::tempdir().expect("tempdir");
    let central_db = dir.path().join("central.sqlite");
    std::fs::copy(release.join("central.sqlite"), &central_db).expect("copy central");
    let poste = dir.path().join("poste");
    let replica = replica_path(&poste, DEMO_TEACHER_LOGIN);
    std::fs::create_dir_all(replica.parent().expect("dir")).expect("mkdir");
    std::fs::copy(release.join("replica.sqlite"), &replica).expect("copy replica");
    // Since replicas are encrypted, a release's fixture holds its key file too.
    if release.join("replica.cle").exists() {
        std::fs::copy(release.join("replica.cle"), cle::fichier(&replica)).expect("copy key");
    }

    let central = RunningCentral::start(&central_db, loopback()).await;
    let url = central.url();
    let teacher = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{}: the upgraded replica opens: {e}", release.display()));
    assert!(
        !pupitre_school_db::is_plain(&replica).expect("header"),
        "{}: the replica is encrypted once its owner logged in",
        release.display()
    );
    let waiting = teacher.modifications().expect("list").en_attente.len();
    assert_eq!(
        waiting,
        PENDING,
        "{}: pending changes survive",
        release.display()
    );
    teacher.sync_once().await.expect("sync");
    let after = teacher.modifications().expect("list");
    assert!(
        after.en_attente.is_empty() && after.refusees.is_empty(),
        "{after:?}"
    );

    let absents = absents_seen_by_the_cpe(dir.path(), &url).await;
    assert_eq!(absents, PENDING, "{}: the CPE sees them", release.display());
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_and_centrals_of_every_earlier_release_open_and_send_what_they_held() {
    if let Ok(release) = std::env::var("UPDATE_FIXTURES") {
        write_fixture(&release).await;
    }
    let mut releases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("tests/fixtures/upgrade")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("replica.sqlite").exists())
        .collect();
    releases.sort();
    assert!(
        !releases.is_empty(),
        "no upgrade fixture under {}",
        fixtures().display()
    );
    for release in releases {
        upgrade_from(&release).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_from_a_newer_release_is_refused_in_french_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let poste = dir.path().join("poste");
    let replica = replica_path(&poste, DEMO_TEACHER_LOGIN);
    std::fs::create_dir_all(replica.parent().expect("dir")).expect("mkdir");
    std::fs::copy(fixtures().join("schema-3/replica.sqlite"), &replica).expect("copy");
    // What a later release would leave: more migrations than this one knows.
    rusqlite::Connection::open(&replica)
        .expect("open")
        .pragma_update(None, "user_version", 99)
        .expect("newer schema");
    let before = std::fs::read(&replica).expect("read");
    // No central needed: the file is refused before any request.
    let refused = login(
        &poste,
        "http://127.0.0.1:9",
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
    )
    .await
    .err()
    .expect("refused");
    let shown = pupitre_replica::UiError::from(&refused);
    assert_eq!(shown.code.as_str(), "version_plus_recente", "{refused}");
    assert!(
        shown.message.contains("version plus récente"),
        "{}",
        shown.message
    );
    assert_eq!(
        std::fs::read(&replica).expect("read"),
        before,
        "left untouched"
    );
}
