//! An overloaded central (its database's queue full) turns requests away at once with a 503,
//! `Retry-After` and a French message; a PC keeps its entries as local and its session goes
//! on. The wait itself is `replica::background`'s (its tests, on tokio's clock).

use pupitre_central::api::{Central, router};
use pupitre_central::{Db, serveur};
use pupitre_e2e::{RunningCentral, demo_central_db, teacher_pc, test_day};
use pupitre_replica::ReplicaError;
use pupitre_sync_protocol::wire::ErrorCode;
use std::time::Duration;

fn entete(response: &reqwest::Response, nom: &str) -> Option<String> {
    (response.headers().get(nom)).map(|v| v.to_str().expect("ascii").to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overloaded_central_answers_503_with_retry_after_and_the_pc_keeps_its_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_central_db(dir.path());
    let central = RunningCentral::start(&db, "127.0.0.1:0".parse().expect("addr")).await;
    let (addr, url) = (central.addr, central.url());
    let teacher = teacher_pc(dir.path(), &url, "salle-12").await;
    central.stop().await;

    // The same database behind a queue of none: every request that needs it is turned away.
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("same port");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(Central::new(Db::open(&db).expect("db").avec_file(0)));
    let served = tokio::spawn(serveur::serve(listener, app, async {
        let _ = stopped.await;
    }));

    let response = pupitre_e2e::versionnee(reqwest::Client::new().post(format!("{url}/v1/login")))
        .json(&serde_json::json!({"login": "c.martin", "password": "x", "client_id": uuid::Uuid::new_v4()}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 503);
    assert_eq!(
        entete(&response, "retry-after"),
        Some(pupitre_central::error::RETRY_AFTER_S.to_string())
    );
    let body: serde_json::Value = response.json().await.expect("our JSON");
    assert_eq!(body["code"], "surcharge", "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("text")
            .contains("très sollicité"),
        "{body}"
    );

    // The roll call is taken all the same; its entries stay on the PC, as local.
    let day = test_day().to_string();
    let seance = teacher.seances_du_jour(&day).expect("séances")[0].clone();
    let appel = teacher.appel(&seance.id).expect("appel");
    teacher
        .marquer(
            &seance.id,
            &appel.eleves[0].eleve_id,
            pupitre_domain::Presence::Absent,
        )
        .expect("absent");
    teacher.valider_appel(&seance.id).expect("roll call");
    let err = teacher.sync_once().await.expect_err("overloaded");
    match &err {
        ReplicaError::Surcharge { apres, message } => {
            assert_eq!(
                *apres,
                Duration::from_secs(pupitre_central::error::RETRY_AFTER_S)
            );
            assert!(message.contains("très sollicité"), "{message}");
        }
        other => panic!("not an overload: {other:?}"),
    }
    let ui = pupitre_replica::UiError::from(&err);
    assert_eq!(
        ui.code,
        pupitre_replica::error::UiCode::Central(ErrorCode::Surcharge)
    );
    let etat = teacher.etat();
    assert!(etat.en_attente >= 2, "{etat:?}");
    assert_eq!(
        etat.envoyees, 0,
        "turned away untouched: local again, {etat:?}"
    );

    let _ = stop.send(());
    served.await.expect("task").expect("served");
    // Back to normal: the same entries go out.
    let central = RunningCentral::start(&db, addr).await;
    teacher.sync_once().await.expect("sync");
    assert_eq!(teacher.etat().en_attente, 0);
    central.stop().await;
}

/// Beyond its connections' limit the central answers at once, 503 with `Retry-After`, and
/// closes: nothing piles up behind the connections it serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_beyond_the_limit_is_answered_503_and_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_central_db(dir.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(Central::new(Db::open(&db).expect("db")));
    let served = tokio::spawn(serveur::serve_limite(listener, app, 1, async {
        let _ = stopped.await;
    }));
    // One connection held open, saying nothing yet: the one place.
    let _tenue = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = reqwest::get(format!("http://{addr}/health"))
        .await
        .expect("an answer");
    assert_eq!(response.status(), 503);
    assert_eq!(entete(&response, "connection").as_deref(), Some("close"));
    assert!(response.headers().contains_key("retry-after"));
    drop(_tenue);
    let _ = stop.send(());
    served.await.expect("task").expect("served");
}
