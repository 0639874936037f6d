//! A session on a classroom PC locks after the school's minutes without a gesture, after a
//! school day whatever the activity, and by the shortcut; locked, it reads nothing, leaves
//! what is unsent as an envelope, and opens again with its owner's password only. A replica
//! opens offline only within the school's grace since the last online login, and never on a
//! clock set back. The clock is controlled: the instants are passed in, the stored last
//! online login is moved.

use pupitre_domain::Presence;
use pupitre_e2e::{demo_central, login, on_pc, replica_connection, test_day};
use pupitre_fixtures::{
    DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD,
};
use pupitre_replica::enveloppes;
use pupitre_replica::paths::replica_path;
use pupitre_replica::verrou::{HorsLigne, Raison};
use pupitre_replica::{ReplicaError, Session, UiError};
use std::path::Path;
use std::time::{Duration, Instant};

const MIN: Duration = Duration::from_secs(60);
const DAY_MS: i64 = 24 * 3600 * 1000;

fn first_seance(session: &Session) -> String {
    session
        .seances_du_jour(&test_day().to_string())
        .expect("séances")
        .into_iter()
        .next()
        .expect("a séance")
        .id
}

fn locked(result: Result<(), ReplicaError>) -> Raison {
    match result {
        Err(ReplicaError::Locked(raison)) => raison,
        other => panic!("not locked: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_locks_reads_nothing_and_opens_with_its_password_only() {
    let (dir, _db, central) = demo_central().await;
    let poste = dir.path().join("salle-12");
    let url = central.url();
    let teacher = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .expect("login");
    let t0 = Instant::now();
    let seance = first_seance(&teacher);
    let eleve = teacher.appel(&seance).expect("roll call").eleves[0]
        .eleve_id
        .clone();

    // Gestures within the school's 5 minutes keep it open.
    teacher.geste(t0 + 4 * MIN).await.expect("open");
    teacher
        .marquer(&seance, &eleve, Presence::Absent)
        .expect("mark");
    assert_eq!(
        teacher.surveiller(t0 + 8 * MIN).await,
        None,
        "4 minutes since the last"
    );
    // A screen reloading by itself (at every sync) is served, but is no gesture.
    teacher.en_service(t0 + 8 * MIN).await.expect("served");
    // Five minutes without one: locked.
    assert_eq!(
        teacher.surveiller(t0 + 9 * MIN).await,
        Some(Raison::Inactivite)
    );
    assert_eq!(
        locked(teacher.geste(t0 + 9 * MIN).await),
        Raison::Inactivite
    );
    assert!(teacher.appel(&seance).is_err(), "the replica is closed");
    assert!(teacher.sync_once().await.is_err(), "no sync while locked");
    assert_eq!(
        enveloppes::waiting(&enveloppes::dossier(&poste))
            .expect("envelopes")
            .len(),
        1,
        "what was unsent left as an envelope"
    );
    let code = UiError::from(ReplicaError::Locked(Raison::Inactivite)).code;
    assert_eq!(code.as_str(), "verrouillee");

    // Another password does not open it; hers does, and all is there.
    assert!(matches!(
        teacher.deverrouiller("demo", t0 + 10 * MIN).await,
        Err(ReplicaError::WrongPassword)
    ));
    assert!(teacher.verrouillee().is_some());
    teacher
        .deverrouiller(DEMO_TEACHER_PASSWORD, t0 + 10 * MIN)
        .await
        .expect("unlock");
    let appel = teacher.appel(&seance).expect("reads again");
    assert_eq!(appel.eleves[0].presence, Presence::Absent);
    teacher
        .sync_once()
        .await
        .expect("syncs again, tokens renewed");
    assert_eq!(teacher.etat().en_attente, 0);

    // The shortcut locks at once.
    teacher.verrouiller(Raison::Demande).await;
    assert_eq!(locked(teacher.geste(t0 + 11 * MIN).await), Raison::Demande);
    let unlocked_at = t0 + 12 * MIN;
    teacher
        .deverrouiller(DEMO_TEACHER_PASSWORD, unlocked_at)
        .await
        .expect("unlock");

    // However active she is, a school day later the password is asked again.
    let mut at = unlocked_at;
    let reason = loop {
        at += 4 * MIN;
        if let Err(e) = teacher.geste(at).await {
            break e;
        }
        assert!(
            at < unlocked_at + Duration::from_secs(13 * 3600),
            "never locked"
        );
    };
    assert!(
        matches!(reason, ReplicaError::Locked(Raison::DureeMax)),
        "{reason:?}"
    );
    assert!(at >= unlocked_at + Duration::from_secs(12 * 3600));

    // Logged out from the lock screen, without her password: the next person can work.
    teacher.logout().await.expect("logout while locked");
    drop(teacher);
    central.stop().await;
}

/// Moves the stored last online login of a replica by `delta_ms` from now.
fn last_online_at(replica: &Path, password: &str, at_ms: i64) {
    replica_connection(replica, password)
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'last_online_login_ms'",
            [at_ms],
        )
        .expect("move the last online login");
}

fn now_ms() -> i64 {
    pupitre_replica::clock::now_ms() as i64
}

async fn offline(poste: &Path) -> Result<(), ReplicaError> {
    let session = login(
        poste,
        "http://127.0.0.1:9",
        DEMO_TEACHER_LOGIN,
        DEMO_TEACHER_PASSWORD,
    )
    .await?;
    session.logout().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_opens_offline_within_the_schools_grace_only() {
    let (dir, _db, central) = demo_central().await;
    let poste = dir.path().join("salle-12");
    let url = central.url();
    let teacher = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .expect("login");
    teacher.logout().await.expect("logout");
    drop(teacher);
    let replica = replica_path(&poste, DEMO_TEACHER_LOGIN);

    // (last online login, days ago; opens offline?)
    let cases: [(i64, Result<(), HorsLigne>); 4] = [
        (3, Ok(())),
        (13, Ok(())),
        (15, Err(HorsLigne::Expiree { jours: 14 })),
        // The clock set back a year since: refused, whatever the grace.
        (-365, Err(HorsLigne::HorlogeEnArriere)),
    ];
    for (days_ago, expected) in cases {
        last_online_at(
            &replica,
            DEMO_TEACHER_PASSWORD,
            now_ms() - days_ago * DAY_MS,
        );
        let got = offline(&poste).await;
        match (&got, expected) {
            (Ok(()), Ok(())) => {}
            (Err(ReplicaError::Offline(why)), Err(wanted)) => {
                assert_eq!(*why, wanted, "{days_ago} days ago");
                let ui = UiError::from(got.as_ref().expect_err("error"));
                assert_eq!(ui.code.as_str(), "hors_ligne_trop_longtemps");
                assert!(ui.message.contains("réseau"), "{}", ui.message);
            }
            _ => panic!("{days_ago} days ago: {got:?}"),
        }
    }

    // The school gives 30 days: 15 days offline now open.
    let cpe = on_pc(dir.path(), &url, "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    let mut reglages = cpe.reglages().expect("settings");
    reglages.grace_hors_ligne_jours = 30;
    cpe.modifier_reglages(&reglages).expect("new settings");
    cpe.sync_once().await.expect("sent");
    let teacher = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .expect("online, which also renews the grace");
    teacher.sync_once().await.expect("the settings arrive");
    assert_eq!(
        teacher.reglages().expect("settings").grace_hors_ligne_jours,
        30
    );
    teacher.logout().await.expect("logout");
    drop(teacher);
    last_online_at(&replica, DEMO_TEACHER_PASSWORD, now_ms() - 15 * DAY_MS);
    offline(&poste).await.expect("within the school's 30 days");
    last_online_at(&replica, DEMO_TEACHER_PASSWORD, now_ms() - 31 * DAY_MS);
    assert!(matches!(
        offline(&poste).await,
        Err(ReplicaError::Offline(HorsLigne::Expiree { jours: 30 }))
    ));
    cpe.logout().await.expect("logout");
    central.stop().await;
}
