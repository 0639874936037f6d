//! A classroom PC shared by several teachers on one OS account: what one leaves behind is
//! readable by nobody else. Real central on a loopback port, real replicas in one data
//! directory, the files searched byte by byte.

use pupitre_domain::Presence;
use pupitre_e2e::{demo_central, files_under, login, test_day};
use pupitre_fixtures::{DEMO_SEED, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD};
use pupitre_replica::cle::{self, CleReplica};
use pupitre_replica::paths::replica_path;
use pupitre_replica::{ReplicaError, Store, UiError};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The runs of token characters (URL-safe base64) of at least 40 bytes in `bytes`: where a
/// bearer token would sit if a file held one in clear.
fn token_like_runs(bytes: &[u8]) -> Vec<&[u8]> {
    bytes
        .split(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
        .filter(|run| run.len() >= 40)
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hashes of the central's live session tokens.
fn token_hashes(central_db: &Path) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open(central_db).expect("central db");
    let mut st = conn
        .prepare("SELECT access_hash FROM sessions UNION SELECT refresh_hash FROM sessions")
        .expect("sessions");
    st.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("hashes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_person_on_a_shared_pc_finds_nothing_readable() {
    let (dir, central_db, central) = demo_central().await;
    let poste = dir.path().join("poste");
    let url = central.url();
    let jour = test_day().to_string();

    // A teacher logs in, takes a roll call, syncs, marks one more pupil that stays unsent.
    let teacher = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .expect("teacher logs in");
    let seance = teacher
        .seances_du_jour(&jour)
        .expect("séances")
        .into_iter()
        .next()
        .expect("a séance");
    let appel = teacher.appel(&seance.id).expect("roll call");
    let names: BTreeSet<String> = appel
        .eleves
        .iter()
        .flat_map(|e| [e.nom.clone(), e.prenom.clone()])
        .filter(|n| n.len() >= 4)
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    teacher
        .marquer(&seance.id, &appel.eleves[0].eleve_id, Presence::Absent)
        .expect("mark");
    teacher.sync_once().await.expect("sync");
    teacher
        .marquer(&seance.id, &appel.eleves[1].eleve_id, Presence::Absent)
        .expect("mark kept for later");
    assert_eq!(teacher.etat().en_attente, 1);
    // Her session's token, as the central knows it (hashed); logout revokes it there.
    let hashes = token_hashes(&central_db);
    assert_eq!(hashes.len(), 2, "access and refresh: {hashes:?}");
    teacher.logout().await.expect("logout");
    assert!(
        token_hashes(&central_db).is_empty(),
        "revoked at the central"
    );
    // Whatever still holds the session after logout reads nothing: the replica is closed.
    assert!(teacher.appel(&seance.id).is_err(), "closed at logout");
    drop(teacher);

    // Every file the app left in its data directory: no pupil's name, no token.
    let files = files_under(&poste);
    assert!(files.len() >= 2, "{files:?}");
    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        for name in &names {
            assert!(
                !bytes.windows(name.len()).any(|w| w == name.as_bytes()),
                "{name} readable in {}",
                file.display()
            );
        }
        for run in token_like_runs(&bytes) {
            for start in 0..=run.len().saturating_sub(43) {
                let candidate = &run[start..(start + 43).min(run.len())];
                assert!(
                    !hashes.contains(&sha256_hex(candidate)),
                    "a session token readable in {}",
                    file.display()
                );
            }
        }
    }
    let replica = replica_path(&poste, DEMO_TEACHER_LOGIN);
    assert!(!pupitre_school_db::is_plain(&replica).expect("header"));
    // Not even as a plain SQLite file.
    let raw = rusqlite::Connection::open(&replica).expect("open file");
    assert!(
        raw.query_row("SELECT COUNT(*) FROM eleves", [], |r| r.get::<_, i64>(0))
            .is_err()
    );
    drop(raw);

    // The next teacher on the same OS account and data directory.
    let demo_school = pupitre_fixtures::generate(DEMO_SEED);
    let other = demo_school
        .comptes
        .iter()
        .find(|c| {
            c.login != DEMO_TEACHER_LOGIN && c.password == pupitre_fixtures::DEMO_OTHER_PASSWORD
        })
        .expect("another teacher's account");
    let next = login(&poste, &url, &other.login, &other.password)
        .await
        .expect("the next teacher logs in online");
    next.sync_once().await.expect("her sync");
    // Her password opens neither the first teacher's key nor, with her own key, the file.
    assert!(matches!(
        cle::ouvrir(&replica, &other.password),
        Err(ReplicaError::WrongPassword)
    ));
    let hers = cle::ouvrir(&replica_path(&poste, &other.login), &other.password)
        .expect("her key file")
        .expect("her key");
    assert!(matches!(
        Store::open(&replica, &hers),
        Err(ReplicaError::Sealed(_))
    ));
    assert!(matches!(
        Store::open(&replica, &CleReplica::nouvelle()),
        Err(ReplicaError::Sealed(_))
    ));
    // Nor does logging in as the first teacher without her password.
    let refused = login(&poste, &url, DEMO_TEACHER_LOGIN, &other.password)
        .await
        .err()
        .expect("refused");
    assert_eq!(UiError::from(&refused).code.as_str(), "identifiants");
    next.logout().await.expect("her logout");
    drop(next);

    // The first teacher, back on this PC, finds her unsent mark and sends it.
    let back = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .expect("she logs in again");
    assert_eq!(back.etat().en_attente, 1, "her unsent change is still here");
    back.sync_once().await.expect("sent");
    assert_eq!(back.etat().en_attente, 0);
    assert!(back.moi().avis.is_none());
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_changed_at_the_central_sets_the_old_replica_aside_and_says_so() {
    let (dir, central_db, central) = demo_central().await;
    let poste = dir.path().join("poste");
    let url = central.url();
    let teacher = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .expect("teacher logs in");
    teacher.logout().await.expect("logout");
    drop(teacher);
    let replica = replica_path(&poste, DEMO_TEACHER_LOGIN);
    let before = std::fs::read(&replica).expect("read");

    // An administrator resets her password at the central.
    let nouveau = "nouveau-mot-de-passe";
    let admin = pupitre_central::Db::open(&central_db).expect("central db");
    pupitre_central::comptes::reinitialiser(&admin, DEMO_TEACHER_LOGIN, nouveau, 0).expect("reset");

    // Offline, the new password does not open the old replica (nor does anything else).
    let offline = login(&poste, "http://127.0.0.1:9", DEMO_TEACHER_LOGIN, nouveau)
        .await
        .err()
        .expect("refused offline");
    assert_eq!(UiError::from(&offline).code.as_str(), "identifiants");
    assert!(
        std::fs::read(&replica).expect("read") == before,
        "untouched"
    );

    // Online, the central vouches for it: a new replica, the old one kept aside, and she is told.
    let session = login(&poste, &url, DEMO_TEACHER_LOGIN, nouveau)
        .await
        .expect("logs in with the new password");
    let avis = session.moi().avis.expect("she is told");
    assert!(avis.contains("mot de passe"), "{avis}");
    let kept: Vec<PathBuf> = files_under(&poste)
        .into_iter()
        .filter(|p| p.display().to_string().contains(".ancienne-"))
        .collect();
    let old = kept
        .iter()
        .find(|p| p.display().to_string().contains(".sqlite.ancienne-"))
        .expect("old replica kept");
    assert!(avis.contains(&old.display().to_string()), "{avis}");
    assert!(std::fs::read(old).expect("read") == before, "kept whole");
    assert!(
        !session
            .seances_du_jour(&test_day().to_string())
            .expect("séances")
            .is_empty()
    );
    session.logout().await.expect("logout");
    drop(session);
    // And the new replica opens offline with the new password.
    let again = login(&poste, "http://127.0.0.1:9", DEMO_TEACHER_LOGIN, nouveau)
        .await
        .expect("offline with the new password");
    assert!(!again.moi().en_ligne);
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_changed_from_the_app_opens_the_replica_offline_and_only_it_does() {
    let (dir, _db, central) = demo_central().await;
    let poste = dir.path().join("poste");
    let url = central.url();
    let teacher = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .expect("login");
    // The current password is checked, and the new one must be a real one.
    assert!(matches!(
        teacher
            .changer_mot_de_passe("faux", "une-longue-phrase")
            .await,
        Err(ReplicaError::WrongPassword)
    ));
    let weak = teacher
        .changer_mot_de_passe(DEMO_TEACHER_PASSWORD, "court")
        .await
        .expect_err("too short");
    assert!(
        UiError::from(&weak).message.contains("10 caractères"),
        "{weak}"
    );
    let nouveau = "une-longue-phrase";
    teacher
        .changer_mot_de_passe(DEMO_TEACHER_PASSWORD, nouveau)
        .await
        .expect("changed");
    teacher.logout().await.expect("logout");
    drop(teacher);
    // Offline, the new password opens her replica, the old one no longer does.
    let offline = "http://127.0.0.1:9";
    assert!(matches!(
        login(&poste, offline, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD).await,
        Err(ReplicaError::WrongPassword)
    ));
    let again = login(&poste, offline, DEMO_TEACHER_LOGIN, nouveau)
        .await
        .expect("offline with the new password");
    again.logout().await.expect("logout");
    drop(again);
    // Online too, with nothing set aside.
    let online = login(&poste, &url, DEMO_TEACHER_LOGIN, nouveau)
        .await
        .expect("online with the new password");
    assert!(online.moi().avis.is_none(), "nothing set aside");
    online.logout().await.expect("logout");
    central.stop().await;
}
