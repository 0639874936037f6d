//! The sealed outbox, end to end: a teacher takes the 8:00 roll call offline on a classroom
//! PC and logs out; the next teacher logs in online on the same PC, and the first one's
//! absences reach the central and the CPE within her round, authorized as the first
//! teacher's. Envelopes tampered with, replayed, forged by a colleague or signed by a revoked
//! key are refused with a reason. Real central on loopback, real replicas, real files.

use pupitre_domain::Presence;
use pupitre_e2e::{RunningCentral, demo_central, login, on_pc, open_replica, test_day};
use pupitre_fixtures::{
    DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_OTHER_PASSWORD, DEMO_SEED, DEMO_TEACHER_LOGIN,
    DEMO_TEACHER_PASSWORD,
};
use pupitre_replica::client::CentralClient;
use pupitre_replica::enveloppes;
use pupitre_replica::paths::replica_path;
use pupitre_replica::{ReplicaError, Session};
use pupitre_sync_protocol::enveloppe::{self, Contenu};
use pupitre_sync_protocol::wire::{ErrorCode, PushRequest};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn other_teacher() -> (String, String) {
    let school = pupitre_fixtures::generate(DEMO_SEED);
    let c = school
        .comptes
        .iter()
        .find(|c| c.login != DEMO_TEACHER_LOGIN && c.password == DEMO_OTHER_PASSWORD)
        .expect("another teacher");
    (c.login.clone(), c.password.clone())
}

/// Marks the first two pupils of her first séance of the test day absent; returns the
/// séance and the pupils' ids and names.
fn roll_call(session: &Session) -> (String, Vec<(String, String)>) {
    let seance = session
        .seances_du_jour(&test_day().to_string())
        .expect("séances")
        .into_iter()
        .next()
        .expect("a séance")
        .id;
    let appel = session.appel(&seance).expect("roll call");
    let absents: Vec<(String, String)> = appel.eleves[..2]
        .iter()
        .map(|e| (e.eleve_id.clone(), e.nom.clone()))
        .collect();
    for (eleve, _) in &absents {
        session
            .marquer(&seance, eleve, Presence::Absent)
            .expect("mark");
    }
    (seance, absents)
}

fn waiting(poste: &Path) -> Vec<PathBuf> {
    enveloppes::waiting(&enveloppes::dossier(poste)).expect("envelopes")
}

/// Who the central recorded as the author of the roll-call marks of `eleve` in `seance`.
fn authors(central_db: &Path, seance: &str, eleve: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(central_db).expect("db");
    let mut st = conn
        .prepare("SELECT author_id FROM changes WHERE entity_id LIKE ?1 AND entity_id LIKE ?2")
        .expect("query");
    st.query_map([format!("%{seance}%"), format!("%{eleve}%")], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("authors")
}

async fn refusal(api: &CentralClient, envelope: Vec<u8>) -> String {
    match api.deliver(envelope).await {
        Err(ReplicaError::Server {
            status: 422,
            code: ErrorCode::Enveloppe,
            message,
        }) => message,
        other => panic!("not refused as an envelope: {other:?}"),
    }
}

async fn absents_for_cpe(cpe: &Arc<Session>) -> Vec<String> {
    cpe.sync_once().await.expect("CPE sync");
    cpe.absences_du_jour(&test_day().to_string())
        .expect("absences")
        .into_iter()
        .filter(|a| a.presence == Presence::Absent)
        .map(|a| a.eleve_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roll_call_left_offline_reaches_the_cpe_through_the_next_session() {
    let (dir, central_db, central) = demo_central().await;
    let poste = dir.path().join("salle-104");
    let url = central.url();
    let cpe = on_pc(dir.path(), &url, "cpe", DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD).await;
    let before = absents_for_cpe(&cpe).await;

    // 8:00: she logged in before the network dropped, takes the roll offline, logs out.
    let teacher = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .expect("teacher logs in");
    central.stop().await;
    let (seance, absents) = roll_call(&teacher);
    assert_eq!(teacher.etat().en_attente, 2);
    teacher.logout().await.expect("logout offline");
    drop(teacher);
    let left = waiting(&poste);
    assert_eq!(left.len(), 1, "one envelope left: {left:?}");
    let sealed = std::fs::read(&left[0]).expect("read");
    // The carrier can read nothing in it: not the pupils, not the séance.
    for needle in absents
        .iter()
        .flat_map(|(id, nom)| [id.as_str(), nom.as_str()])
        .chain([seance.as_str(), DEMO_TEACHER_LOGIN])
    {
        assert!(
            !sealed.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} readable in the envelope"
        );
    }

    // The network is back; the next teacher logs in on the same PC: her round delivers it.
    let central = RunningCentral::start(&central_db, central_addr(&url)).await;
    let (other_login, other_password) = other_teacher();
    let next = login(&poste, &url, &other_login, &other_password)
        .await
        .expect("the next teacher logs in");
    next.sync_once().await.expect("her round");
    assert!(waiting(&poste).is_empty(), "delivered, then deleted");
    let seen = absents_for_cpe(&cpe).await;
    for (eleve, nom) in &absents {
        assert!(seen.contains(eleve), "the CPE sees {nom} absent");
        assert!(!before.contains(eleve));
        let by = authors(&central_db, &seance, eleve);
        let teacher_id = pupitre_fixtures::generate(DEMO_SEED)
            .comptes
            .iter()
            .find(|c| c.login == DEMO_TEACHER_LOGIN)
            .expect("teacher")
            .personnel_id
            .clone();
        assert_eq!(
            by,
            vec![teacher_id],
            "authorized as hers, not the carrier's"
        );
    }

    let api = CentralClient::new(&url).expect("client");
    // Replayed: the same envelope a second time.
    let replay = refusal(&api, sealed.clone()).await;
    assert!(replay.contains("déjà remise"), "{replay}");
    // Tampered with: one byte changed.
    let mut tampered = sealed.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x20;
    let message = refusal(&api, tampered).await;
    assert!(message.contains("illisible"), "{message}");

    // Forged by a colleague: the next teacher signs with her own key a push in the first
    // teacher's name (her PC's client id): refused, nothing applied.
    let hers = open_replica(&replica_path(&poste, &other_login), &other_password);
    let first = open_replica(
        &replica_path(&poste, DEMO_TEACHER_LOGIN),
        DEMO_TEACHER_PASSWORD,
    );
    let forged = Contenu {
        id: uuid::Uuid::new_v4(),
        push: PushRequest {
            client_id: first.client_id().expect("id").expect("client id"),
            log: first.log().expect("log").expect("a log"),
            changes: vec![],
            hlc: first.clock().expect("clock"),
            wall_ms: 0,
        },
    };
    let key = enveloppe::signing_key(*hers.envelope_key().expect("key").expect("her key"));
    let central_key = hers.central_box_key().expect("key").expect("central key");
    let sealed_forgery =
        enveloppe::sceller(&forged, &key, &central_key, &mut rand::rngs::OsRng).expect("seal");
    let message = refusal(&api, sealed_forgery).await;
    assert!(message.contains("poste"), "{message}");
    drop((hers, first));
    next.logout().await.expect("her logout");
    drop(next);

    // Signed by a revoked key: she leaves another roll call, then her password is reset at
    // the central before anyone delivers it.
    let again = login(&poste, &url, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await
        .expect("she logs in again");
    again.sync_once().await.expect("her round");
    central.stop().await;
    let seance2 = again
        .seances_du_jour(&test_day().to_string())
        .expect("séances")
        .into_iter()
        .nth(1)
        .expect("a second séance")
        .id;
    let eleve2 = again.appel(&seance2).expect("roll call").eleves[0]
        .eleve_id
        .clone();
    again
        .marquer(&seance2, &eleve2, Presence::Absent)
        .expect("mark");
    again.logout().await.expect("logout offline");
    drop(again);
    let central = RunningCentral::start(&central_db, central_addr(&url)).await;
    let admin = pupitre_central::Db::open(&central_db).expect("db");
    pupitre_central::comptes::reinitialiser(&admin, DEMO_TEACHER_LOGIN, "nouvelle-phrase-2026", 0)
        .expect("reset");
    let revoked = std::fs::read(&waiting(&poste)[0]).expect("read");
    let message = refusal(&api, revoked).await;
    assert!(message.contains("révoquée"), "{message}");
    assert!(
        authors(&central_db, &seance2, &eleve2).is_empty(),
        "nothing applied"
    );
    // The next session on the PC drops what the central refuses for good.
    let next = login(&poste, &url, &other_login, &other_password)
        .await
        .expect("next again");
    next.sync_once().await.expect("round");
    assert!(waiting(&poste).is_empty());
    let refusals: i64 = admin
        .with(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM audit.evenements WHERE quoi = 'enveloppe_refusee'",
                [],
                |r| r.get(0),
            )
        })
        .expect("audit");
    assert_eq!(
        refusals, 5,
        "replay, tampering, forgery, revoked twice: each audited"
    );
    next.logout().await.expect("logout");
    central.stop().await;
}

fn central_addr(url: &str) -> std::net::SocketAddr {
    url.trim_start_matches("http://").parse().expect("addr")
}
