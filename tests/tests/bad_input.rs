//! Bad input at login: each case gets a clear French message, and nothing stored is lost.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use pupitre_domain::Presence;
use pupitre_e2e::{demo_central, test_day};
use pupitre_fixtures::{DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD};
use pupitre_replica::paths::replica_path;
use pupitre_replica::{ReplicaError, Session, UiError};
use std::path::Path;

async fn login(
    data: &Path,
    url: &str,
    password: &str,
) -> Result<std::sync::Arc<Session>, ReplicaError> {
    Session::login(data, url, DEMO_TEACHER_LOGIN, password, &mut |_| {}).await
}

/// A server that answers every login with `status` and `body`: what a broken proxy or a crashed
/// central looks like from the PC.
async fn broken_central(status: StatusCode, body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = Router::new().route("/v1/login", post(move || async move { (status, body) }));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{addr}")
}

fn ui(e: ReplicaError) -> UiError {
    UiError::from(e)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_failure_says_what_to_do_and_keeps_local_data() {
    let (dir, _central_db, central) = demo_central().await;
    let data = dir.path().join("poste");
    let url = central.url();

    // Wrong password: refused, no replica file created.
    let e = login(&data, &url, "mauvais").await.err().expect("refused");
    assert!(matches!(e, ReplicaError::WrongPassword), "{e:?}");
    assert_eq!(ui(e).code.as_str(), "identifiants");
    assert!(!replica_path(&data, DEMO_TEACHER_LOGIN).exists());

    // First login while the central is unreachable: nothing to open offline.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", l.local_addr().expect("addr"))
    };
    let e = ui(login(&data, &closed, DEMO_TEACHER_PASSWORD)
        .await
        .err()
        .expect("offline, no replica"));
    assert_eq!(e.code.as_str(), "premiere_connexion_hors_ligne");
    assert!(e.message.contains("réseau"), "{}", e.message);

    // Garbage and HTTP 500 on a first login: clear messages.
    let garbage = broken_central(StatusCode::OK, "<html>portail captif</html>").await;
    let e = ui(login(&data, &garbage, DEMO_TEACHER_PASSWORD)
        .await
        .err()
        .expect("garbage"));
    assert_eq!(e.code.as_str(), "reponse_illisible");
    let failing = broken_central(StatusCode::INTERNAL_SERVER_ERROR, "").await;
    let e = ui(login(&data, &failing, DEMO_TEACHER_PASSWORD)
        .await
        .err()
        .expect("500"));
    assert_eq!(e.code.as_str(), "erreur_central");
    assert!(e.message.contains("500"), "{}", e.message);

    // A real login, one mark saved locally and not sent.
    let session = login(&data, &url, DEMO_TEACHER_PASSWORD)
        .await
        .expect("login");
    let seance = session
        .seances_du_jour(&test_day().to_string())
        .expect("séances")[0]
        .clone();
    let eleve = session.appel(&seance.id).expect("appel").eleves[0]
        .eleve_id
        .clone();
    central.stop().await;
    session
        .marquer(&seance.id, &eleve, Presence::Absent)
        .expect("mark");
    session.logout().await.expect("logout");
    drop(session);

    // A central that now answers garbage or 500: the login falls back to this PC's replica,
    // the unsent mark is still there.
    for broken in [&garbage, &failing] {
        let session = login(&data, broken, DEMO_TEACHER_PASSWORD)
            .await
            .expect("offline login");
        assert!(!session.moi().en_ligne);
        assert_eq!(session.etat().en_attente, 1);
        assert_eq!(
            session.appel(&seance.id).expect("appel").eleves[0].presence,
            Presence::Absent
        );
        let e = session.sync_once().await.expect_err("push fails");
        assert!(!e.is_offline());
        assert_eq!(
            session.etat().en_attente,
            1,
            "a failed push keeps the outbox"
        );
        session.logout().await.ok();
    }

    // Invalid input from the UI is refused before anything is written.
    let session = login(&data, &garbage, DEMO_TEACHER_PASSWORD)
        .await
        .expect("offline login");
    let e = session
        .marquer(&seance.id, "inconnu", Presence::Absent)
        .expect_err("unknown pupil");
    assert_eq!(ui(e).code.as_str(), "saisie_invalide");
    assert_eq!(session.etat().en_attente, 1);
    session.logout().await.ok();
    drop(session);

    // A replica file that is not ours is refused and left as it was.
    let path = replica_path(&data, "autre.compte");
    std::fs::write(&path, b"pas une base").expect("write");
    let e = Session::login(&data, &garbage, "autre.compte", "x", &mut |_| {})
        .await
        .err()
        .expect("foreign file");
    assert_eq!(ui(e).code.as_str(), "fichier_etranger");
    assert_eq!(std::fs::read(&path).expect("read"), b"pas une base");
}
