//! The central's sessions, limits and audit, against the real service on a loopback port:
//! short-lived access tokens and rotating refresh tokens, logout and resets that end sessions
//! at once, password changes, a disabled account, failed logins limited per account and per
//! address before any hashing, the audit log, request deadlines, files readable by the owner
//! only. Time is moved by editing the stored deadlines, never by waiting.

mod common;
use common::{Central, refused};
use pupitre_fixtures::{
    DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD,
};
use pupitre_sync_protocol::wire::{PushResult, Refusal};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PC: &str = "00000000-0000-4000-8000-000000000001";
const OTHER_PC: &str = "00000000-0000-4000-8000-000000000002";
const CPE_PC: &str = "00000000-0000-4000-8000-000000000003";

async fn refresh(central: &Central, refresh_token: &str) -> (u16, Value) {
    let response = central
        .post("/v1/jetons", None)
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

fn tokens(answer: &Value) -> (String, String) {
    (
        answer["token"].as_str().expect("token").to_owned(),
        answer["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned(),
    )
}

fn audited(central: &Central, quoi: &str) -> Vec<(Option<String>, String)> {
    central.sql(|c| {
        let mut stmt = c
            .prepare("SELECT login, detail FROM audit.evenements WHERE quoi = ?1 ORDER BY id")
            .expect("audit");
        stmt.query_map([quoi], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read")
    })
}

#[tokio::test]
async fn access_tokens_expire_and_refresh_tokens_rotate_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let (status, answer) = central
        .login_answer(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, PC)
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["access_expires_in_ms"], json!(15 * 60 * 1000));
    assert!(
        answer["cle_depot"].is_array(),
        "the envelopes' key is given"
    );
    let (access, refresh1) = tokens(&answer);
    let log = json!(central.snapshot(&access).await.log);
    assert_eq!(central.pull_status(&access, &log).await, 200);

    // The access token's time is up: refused as expired (the client renews), not unknown.
    central.sql(|c| {
        c.execute("UPDATE sessions SET access_expires_ms = 0", [])
            .expect("age")
    });
    let code = refused(
        central
            .post("/v1/pull", Some(&access))
            .json(&json!({"cursor": 0, "log": log, "limit": 1})),
        401,
    )
    .await;
    assert_eq!(code, "jeton_expire");

    // Renewal: a new pair; the old access token is gone with it.
    let (status, renewed) = refresh(&central, &refresh1).await;
    assert_eq!(status, 200, "{renewed}");
    let (access2, refresh2) = tokens(&renewed);
    assert_ne!(refresh2, refresh1);
    assert_eq!(central.pull_status(&access2, &log).await, 200);
    assert_eq!(central.pull_status(&access, &log).await, 401);

    // The answer was lost on the way: the retired token, presented again at once, rotates
    // again (within the grace) ...
    let (status, again) = refresh(&central, &refresh1).await;
    assert_eq!(status, 200, "{again}");
    let (access3, refresh3) = tokens(&again);
    // ... but long after, it is a copy someone kept: the session ends, for everyone.
    central.sql(|c| {
        c.execute("UPDATE sessions SET rotated_ms = rotated_ms - 120000", [])
            .expect("age")
    });
    let (status, _) = refresh(&central, &refresh2).await;
    assert_eq!(
        status, 401,
        "the token retired two rotations ago is unknown"
    );
    let (status, ended) = refresh(&central, &refresh1).await;
    assert_eq!(status, 401, "{ended}");
    let (status, _) = refresh(&central, &refresh3).await;
    assert_eq!(status, 401, "the session is over: its current token too");
    assert_eq!(central.pull_status(&access3, &log).await, 401);
    assert_eq!(audited(&central, "jeton_reutilise").len(), 1);

    // Logout ends both tokens at once.
    let (_, answer) = central
        .login_answer(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, PC)
        .await;
    let (access, refresh) = tokens(&answer);
    let status = central
        .post("/v1/logout", Some(&access))
        .send()
        .await
        .expect("send")
        .status();
    assert_eq!(status.as_u16(), 204);
    assert_eq!(central.pull_status(&access, &log).await, 401);
    let (status, _) = self::refresh(&central, &refresh).await;
    assert_eq!(status, 401);

    // Sessions past their time are purged (at the next login).
    central.sql(|c| {
        c.execute("UPDATE sessions SET refresh_expires_ms = 1", [])
            .expect("age")
    });
    central
        .login(DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, OTHER_PC)
        .await;
    let left: i64 = central.sql(|c| {
        c.query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
            .expect("count")
    });
    assert_eq!(left, 1, "only the session just opened");
}

#[tokio::test]
async fn failed_logins_are_limited_per_account_and_address_and_audited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    for _ in 0..5 {
        let (status, _) = central.login_answer(DEMO_CPE_LOGIN, "devine", PC).await;
        assert_eq!(status, 401);
    }
    // The sixth try is refused before any hashing, even with the right password.
    let (status, answer) = central
        .login_answer(DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, PC)
        .await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(answer["code"], "trop_de_tentatives");
    assert!(
        answer["message"]
            .as_str()
            .expect("message")
            .contains("minutes"),
        "{answer}"
    );
    // Another account from this address is not locked out by the CPE's guesser...
    let (status, _) = central
        .login_answer(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, OTHER_PC)
        .await;
    assert_eq!(status, 200);
    let failed = audited(&central, "connexion_refusee");
    assert_eq!(failed.len(), 5);
    assert!(
        failed
            .iter()
            .all(|(login, _)| login.as_deref() == Some(DEMO_CPE_LOGIN))
    );
    assert_eq!(audited(&central, "trop_de_tentatives").len(), 1);
    // ... until the address itself has failed too often (guesses spread over many logins).
    for i in 0..25 {
        let (status, _) = central.login_answer(&format!("inconnu{i}"), "x", PC).await;
        assert_eq!(status, 401, "try {i}");
    }
    let (status, _) = central
        .login_answer(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, OTHER_PC)
        .await;
    assert_eq!(status, 429, "30 failures from one address");
    // Behind a reverse proxy on the central's machine, each PC's address counts on its own.
    let body = json!({"login": DEMO_TEACHER_LOGIN, "password": DEMO_TEACHER_PASSWORD, "client_id": OTHER_PC});
    let through_proxy = central
        .post("/v1/login", None)
        .header("X-Forwarded-For", "10.20.30.40")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(through_proxy.status().as_u16(), 200);
    let events = central.sql(|c| {
        c.query_row(
            "SELECT COUNT(*) FROM audit.evenements WHERE adresse = '127.0.0.1'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect("count")
    });
    assert!(events >= 30, "the failures name their address: {events}");
}

#[tokio::test]
async fn password_change_reset_and_disabling_end_sessions_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let here = central
        .login(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, PC)
        .await;
    let elsewhere = central
        .login(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, OTHER_PC)
        .await;
    let log = json!(central.snapshot(&here).await.log);
    let change = |ancien: &str, nouveau: &str| {
        central
            .post("/v1/mot-de-passe", Some(&here))
            .json(&json!({"ancien": ancien, "nouveau": nouveau}))
    };
    assert_eq!(
        refused(change("faux", "une-phrase-longue"), 403).await,
        "identifiants"
    );
    assert_eq!(
        refused(change(DEMO_TEACHER_PASSWORD, "court"), 400).await,
        "requete_invalide"
    );
    let status = change(DEMO_TEACHER_PASSWORD, "une-phrase-longue")
        .send()
        .await
        .expect("send");
    assert_eq!(status.status().as_u16(), 204);
    assert_eq!(
        central.pull_status(&here, &log).await,
        200,
        "this session goes on"
    );
    assert_eq!(
        central.pull_status(&elsewhere, &log).await,
        401,
        "the others end"
    );
    let (status, _) = central
        .login_answer(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, PC)
        .await;
    assert_eq!(status, 401, "the old password no longer works");
    assert_eq!(audited(&central, "mot_de_passe_change").len(), 1);

    // An administrator's reset ends every session, this one included.
    let db = pupitre_central::Db::open(&central.db).expect("db");
    pupitre_central::comptes::reinitialiser(&db, DEMO_TEACHER_LOGIN, "remise-a-zero-2026", 0)
        .expect("reset");
    assert_eq!(central.pull_status(&here, &log).await, 401);
    assert!(
        pupitre_central::comptes::reinitialiser(&db, "personne", "remise-a-zero-2026", 0).is_err()
    );

    // A disabled account: no login, and a session opened before is refused at once.
    let cpe = central
        .login(DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, CPE_PC)
        .await;
    pupitre_central::comptes::desactiver(&db, DEMO_CPE_LOGIN, true, 0).expect("disable");
    assert_eq!(central.pull_status(&cpe, &log).await, 401);
    let (status, answer) = central
        .login_answer(DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, CPE_PC)
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (403, Some("compte_desactive"))
    );
    pupitre_central::comptes::desactiver(&db, DEMO_CPE_LOGIN, false, 0).expect("enable");
    let (status, _) = central
        .login_answer(DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, CPE_PC)
        .await;
    assert_eq!(status, 200);
    assert_eq!(audited(&central, "mot_de_passe_reinitialise").len(), 1);
    assert_eq!(audited(&central, "compte_desactive").len(), 1);
}

#[tokio::test]
async fn refused_changes_and_heavy_reads_are_audited_and_limited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let token = central
        .login(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, PC)
        .await;
    let snapshot = central.snapshot(&token).await;
    // A roll call of a séance the teacher does not teach.
    let school = &snapshot.school;
    let other = school
        .seances
        .iter()
        .find(|s| !school.is_taught_by(s, &snapshot.moi.id))
        .map(|s| s.id.clone())
        .expect("a séance she does not teach");
    {
        let body = json!({
            "client_id": PC, "log": snapshot.log, "hlc": {"wall_ms": 1, "counter": 0}, "wall_ms": 1,
            "changes": [{
                "op_id": "00000000-0000-4000-8000-0000000000aa", "client_seq": 1,
                "entity": {"kind": "appel", "id": other}, "field": "etat",
                "value": "fait", "base_version": 0,
                "hlc": {"wall_ms": 1, "counter": 0}
            }]
        });
        let answer = central.push(&token, &body).await;
        assert!(matches!(
            answer.outcomes[0].result,
            PushResult::Refused {
                code: Refusal::HorsPerimetre,
                ..
            }
        ));
        let refusals = audited(&central, "modification_refusee");
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert!(refusals[0].1.contains(&other), "{refusals:?}");
    }
    // Full snapshots: a handful, then the account waits.
    let mut statuses = vec![];
    for _ in 0..7 {
        let response = central
            .http
            .get(format!("{}/v1/snapshot", central.url))
            .header(
                pupitre_sync_protocol::version::HEADER_PROTOCOL,
                pupitre_sync_protocol::PROTOCOL_VERSION.to_string(),
            )
            .header(
                pupitre_sync_protocol::version::HEADER_SCHEMA,
                pupitre_sync_protocol::SCHEMA_VERSION.to_string(),
            )
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        statuses.push(response.status().as_u16());
    }
    // One snapshot was taken above: five more pass, the next ones wait.
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn a_trickled_request_is_cut_and_files_are_the_owners_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let address = central.url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    stream
        .write_all(b"POST /v1/login HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    // Headers never finished: the central closes within its deadline (10 s), not never.
    let mut buf = vec![0u8; 1024];
    let closed = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the trickling connection is still open after 30 s"
    );
    // The service still serves.
    let (status, _) = central
        .login_answer(DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, PC)
        .await;
    assert_eq!(status, 200);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [
            central.db.clone(),
            pupitre_central::db::audit::path_beside(&central.db),
        ] {
            let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
    }
}

#[tokio::test]
async fn a_roll_call_of_a_seance_to_come_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let token = central
        .login(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, PC)
        .await;
    let snapshot = central.snapshot(&token).await;
    let school = &snapshot.school;
    let today = chrono::Utc::now().date_naive();
    let own = |from: i64, to: i64| {
        school
            .seances
            .iter()
            .filter(|s| school.is_taught_by(s, &snapshot.moi.id))
            .find(|s| {
                let days = (s.date - today).num_days();
                (from..=to).contains(&days)
            })
            .unwrap_or_else(|| panic!("a séance of hers {from} to {to} days from today"))
            .clone()
    };
    let (past, soon, month) = (own(-20, -1), own(3, 20), own(30, 90));
    let change = |seq: u64, seance: &str| {
        json!({
            "op_id": format!("00000000-0000-4000-8000-{seq:012}"), "client_seq": seq,
            "entity": {"kind": "appel", "id": seance}, "field": "etat",
            "value": "fait", "base_version": 0, "hlc": {"wall_ms": 1, "counter": 0}
        })
    };
    let body = json!({
        "client_id": PC, "log": snapshot.log, "hlc": {"wall_ms": 1, "counter": 0}, "wall_ms": 1,
        "changes": [change(1, &past.id), change(2, &soon.id), change(3, &month.id)]
    });
    let answer = central.push(&token, &body).await;
    let results: Vec<&PushResult> = answer.outcomes.iter().map(|o| &o.result).collect();
    assert!(
        matches!(results[0], PushResult::Accepted { .. }),
        "a past séance's roll call stands: {results:?}"
    );
    for r in &results[1..] {
        let PushResult::Refused { code, message } = r else {
            panic!("a séance to come, accepted: {results:?}");
        };
        assert_eq!(*code, Refusal::SeanceAVenir);
        assert!(message.contains("pas encore eu lieu"), "{message}");
    }
}

#[tokio::test]
async fn what_is_past_its_time_is_purged_at_simulated_dates() {
    use pupitre_central::conservation::{Conservation, purger};
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let db = pupitre_central::Db::open(&central.db).expect("db");
    let day = 86_400_000u64;
    let now = pupitre_central::clock::now_ms();
    // A failed login (audited), then the CPE leaves the school: her account is disabled.
    let (status, _) = central.login_answer(DEMO_CPE_LOGIN, "oubli", PC).await;
    assert_eq!(status, 401);
    pupitre_central::comptes::desactiver(&db, DEMO_CPE_LOGIN, true, now).expect("disable");
    let rule = Conservation::default();

    // (days later, the CPE's account still there, audit events from today still there)
    let steps = [
        (30, true, true),
        (91, true, true),
        (93, false, true),
        (366, false, false),
    ];
    for (days, account, audit) in steps {
        let purge = purger(&db, &rule, now + days * day).expect("purge");
        let still = central.sql(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM comptes WHERE login = ?1",
                [DEMO_CPE_LOGIN],
                |r| r.get::<_, i64>(0),
            )
            .expect("count")
        });
        assert_eq!(still == 1, account, "day {days}: {purge:?}");
        let today = central.sql(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM audit.evenements WHERE at_ms <= ?1",
                [now as i64],
                |r| r.get::<_, i64>(0),
            )
            .expect("count")
        });
        assert_eq!(today > 0, audit, "day {days}: {purge:?}");
        if days == 93 {
            assert_eq!(purge.comptes, [DEMO_CPE_LOGIN]);
        }
    }
    // Her account is gone: no login; its deletion is audited.
    let (status, _) = central
        .login_answer(DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, PC)
        .await;
    assert_eq!(status, 401);
    assert_eq!(audited(&central, "compte_supprime").len(), 1);
    // An active account is never touched, however old.
    let (status, _) = central
        .login_answer(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, OTHER_PC)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_flood_of_garbage_envelopes_is_refused_then_stopped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let central = Central::start(dir.path()).await;
    let post = |bytes: Vec<u8>| {
        central
            .post("/v1/depot", None)
            .header("content-type", "application/octet-stream")
            .body(bytes)
    };
    for i in 0..30u8 {
        assert_eq!(
            refused(post(vec![i; 200]), 422).await,
            "enveloppe",
            "envelope {i}"
        );
    }
    assert_eq!(refused(post(vec![0; 200]), 429).await, "trop_de_tentatives");
    assert_eq!(audited(&central, "enveloppe_refusee").len(), 30);
    // Logins from the same address are not counted with them.
    let (status, _) = central
        .login_answer(DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD, PC)
        .await;
    assert_eq!(status, 200);
}
