//! The device's keyring, through the real boundary (`pupitre_api::Api`) with a keyring in
//! memory: a personal computer whose owner asked to be remembered opens on her data without
//! the password; logout forgets her there; a PC without a keyring works by password and keeps
//! nothing in a file instead.

use pupitre_api::views::{EtatSynchro, Progression};
use pupitre_api::{Api, Demarrage, Events};
use pupitre_e2e::{demo_central, files_under, test_day};
use pupitre_fixtures::{DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD};
use pupitre_replica::cle;
use pupitre_replica::paths::replica_path;
use pupitre_replica::trousseau::{self, Aucun, EnMemoire, Trousseau};
use std::path::Path;
use std::sync::Arc;

struct Silence;

impl Events for Silence {
    fn progression(&self, _: Progression) {}
    fn etat_synchro(&self, _: EtatSynchro) {}
    fn oublier_navigation(&self) {}
    fn verrouillage(&self, _: String) {}
}

fn api(data_dir: &Path, url: &str, trousseau: Arc<dyn Trousseau>) -> Api {
    Api::new(
        Demarrage {
            data_dir: data_dir.to_owned(),
            central_url: url.to_owned(),
            jour: test_day().to_string(),
            compte_demo: None,
            avertissement: None,
            trousseau,
        },
        Arc::new(Silence),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_personal_computer_remembers_its_owner_until_she_logs_out() {
    let (dir, _db, central) = demo_central().await;
    let pc = dir.path().join("portable");
    let url = central.url();
    let keyring = Arc::new(EnMemoire::default());
    let app = api(&pc, &url, keyring.clone());
    assert!(app.reprendre().await.expect("nothing remembered").is_none());
    let moi = app
        .connexion(
            DEMO_TEACHER_LOGIN.into(),
            DEMO_TEACHER_PASSWORD.into(),
            true,
            None,
        )
        .await
        .expect("login");
    assert!(moi.avis.is_none());
    let key = cle::ouvrir(
        &replica_path(&pc, DEMO_TEACHER_LOGIN),
        DEMO_TEACHER_PASSWORD,
    )
    .expect("key file")
    .expect("key");
    assert_eq!(
        keyring.tout(),
        [(DEMO_TEACHER_LOGIN.to_owned(), key.octets().to_vec())]
    );
    drop(app); // the app is closed, not logged out

    // Opened again: her data, without her password.
    let app = api(&pc, &url, keyring.clone());
    let moi = app.reprendre().await.expect("resume").expect("remembered");
    assert_eq!(
        moi.nom,
        pupitre_e2e::personnel(&pupitre_e2e::test_day_school(), &moi.id).nom
    );
    assert!(
        !app.seances_du_jour(test_day().to_string())
            .await
            .expect("séances")
            .is_empty()
    );
    app.deconnexion().await.expect("logout");
    assert!(
        keyring.tout().is_empty(),
        "logout forgets her on this computer"
    );
    assert!(trousseau::memorise(&pc).expect("memo").is_none());
    assert!(app.reprendre().await.expect("resume").is_none());
    central.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keyring_the_app_works_by_password_and_keeps_no_file_instead() {
    let (dir, _db, central) = demo_central().await;
    let pc = dir.path().join("poste");
    let app = api(&pc, &central.url(), Arc::new(Aucun));
    let moi = app
        .connexion(
            DEMO_TEACHER_LOGIN.into(),
            DEMO_TEACHER_PASSWORD.into(),
            true,
            None,
        )
        .await
        .expect("login by password");
    let avis = moi.avis.expect("she is told");
    assert!(avis.contains("trousseau"), "{avis}");
    assert!(trousseau::memorise(&pc).expect("memo").is_none());
    let key = cle::ouvrir(
        &replica_path(&pc, DEMO_TEACHER_LOGIN),
        DEMO_TEACHER_PASSWORD,
    )
    .expect("key file")
    .expect("key");
    for file in files_under(&pc) {
        let bytes = std::fs::read(&file).expect("read");
        assert!(
            !bytes.windows(32).any(|w| w == key.octets()),
            "the replica's key in clear in {}",
            file.display()
        );
    }
    app.deconnexion().await.expect("logout");
    assert!(app.reprendre().await.expect("resume").is_none());
    central.stop().await;
}

/// A teacher on two collèges remembered on her laptop in the second one: the keyring holds that
/// school's replica key under its name, the next start opens that school, and logout forgets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remembered_in_her_second_school_she_is_forgotten_at_logout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = pupitre_e2e::demo_central_db(dir.path());
    let b = pupitre_e2e::demo_school_db(
        &dir.path().join("college-b.sqlite"),
        pupitre_fixtures::DEMO_SEED + 1,
        "Collège Louise-Michel",
    );
    let central = pupitre_e2e::RunningCentral::try_start_ecoles(
        &[a, b.clone()],
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("serves both");
    let uai: String = pupitre_central::Db::open(&b)
        .expect("db")
        .with(|c| c.query_row("SELECT uai FROM etablissement", [], |r| r.get(0)))
        .expect("uai");
    let pc = dir.path().join("portable");
    let url = central.url();
    let keyring = Arc::new(EnMemoire::default());
    let app = api(&pc, &url, keyring.clone());
    let moi = app
        .connexion(
            DEMO_TEACHER_LOGIN.into(),
            DEMO_TEACHER_PASSWORD.into(),
            true,
            Some(uai.clone()),
        )
        .await
        .expect("login in B");
    assert_eq!(moi.etablissement, "Collège Louise-Michel");
    let nom = format!("{uai}/{DEMO_TEACHER_LOGIN}");
    let names: Vec<String> = keyring.tout().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, [nom]);
    drop(app);
    let app = api(&pc, &url, keyring.clone());
    let moi = app.reprendre().await.expect("resume").expect("remembered");
    assert_eq!(moi.etablissement, "Collège Louise-Michel");
    app.deconnexion().await.expect("logout");
    assert!(keyring.tout().is_empty(), "the keyring forgot her");
    assert!(trousseau::memorise(&pc).expect("memo").is_none());
    central.stop().await;
}
