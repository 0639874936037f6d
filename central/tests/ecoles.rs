//! Two schools behind one central: every role of each school × every request it can make ×
//! the school the request names. A session of one school opens nothing in the other (its
//! tokens, refresh tokens and log mean nothing there), every answer holds only the named
//! school's people, a teacher on both collèges (the same login in each) chooses at login, and
//! a request naming a school the central does not serve is refused in French.

mod common;
use chrono::NaiveDate;
use common::refused;
use pupitre_central::{Db, demo};
use pupitre_fixtures::{
    DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD, DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD, DEMO_HEAD_LOGIN,
    DEMO_HEAD_PASSWORD, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD,
};
use pupitre_sync_protocol::version::{HEADER_ETABLISSEMENT, HEADER_PROTOCOL, HEADER_SCHEMA};
use pupitre_sync_protocol::wire::{Etablissements, Snapshot};
use pupitre_sync_protocol::{PROTOCOL_VERSION, SCHEMA_VERSION};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ROLES: [(&str, &str); 4] = [
    (DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD),
    (DEMO_CPE_LOGIN, DEMO_CPE_PASSWORD),
    (DEMO_HEAD_LOGIN, DEMO_HEAD_PASSWORD),
    (DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD),
];

/// One school's database: its UAI and everything that names its people.
struct Ecole {
    db: PathBuf,
    uai: String,
    /// Each pupil as her JSON names her (`"nom":…,"prenom":…`).
    noms: BTreeSet<String>,
}

fn ecole(dir: &Path, seed: u64) -> Ecole {
    let db = dir.join(format!("ecole-{seed}.sqlite"));
    let demo_school = pupitre_fixtures::generate(seed);
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    demo::import(&Db::open(&db).expect("db"), &demo_school, day).expect("import");
    let school = demo_school.school(day);
    let noms = school
        .eleves
        .iter()
        .map(|e| format!(r#""nom":"{}","prenom":"{}""#, e.nom, e.prenom))
        .collect();
    Ecole {
        db,
        uai: school.etablissement.uai.to_string(),
        noms,
    }
}

struct Service {
    url: String,
    http: reqwest::Client,
}

impl Service {
    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        uai: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let r = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .header(HEADER_SCHEMA, SCHEMA_VERSION.to_string());
        match uai {
            Some(uai) => r.header(HEADER_ETABLISSEMENT, uai),
            None => r,
        }
    }

    fn post(&self, path: &str, uai: Option<&str>) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, path, uai)
    }

    async fn login(&self, uai: Option<&str>, login: &str, password: &str) -> Value {
        let client = uuid::Uuid::new_v4().to_string();
        let response = self
            .post("/v1/login", uai)
            .json(&json!({"login": login, "password": password, "client_id": client}))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 200, "login {login} at {uai:?}");
        response.json().await.expect("login answer")
    }

    /// The status and body of every request a session makes, with `token` and `refresh`.
    async fn every_request(
        &self,
        uai: Option<&str>,
        token: &str,
        log: &Value,
    ) -> Vec<(String, u16, String)> {
        let requests = [
            (
                "snapshot",
                self.request(reqwest::Method::GET, "/v1/snapshot", uai),
            ),
            (
                "pull",
                self.post("/v1/pull", uai)
                    .json(&json!({"cursor": 0, "log": log, "limit": 1000})),
            ),
            (
                "push",
                self.post("/v1/push", uai).json(&json!({
                    "client_id": uuid::Uuid::new_v4().to_string(), "log": log, "changes": [],
                    "hlc": {"wall_ms": 0, "counter": 0}, "wall_ms": 0
                })),
            ),
            (
                "history",
                self.post("/v1/history", uai).json(&json!({
                    "entity": {"kind": "eleve", "id": "x"}, "field": "nom"
                })),
            ),
            (
                "mot-de-passe",
                self.post("/v1/mot-de-passe", uai).json(&json!({
                    "ancien": "faux", "nouveau": "toujours-faux-mais-long"
                })),
            ),
        ];
        let mut answers = Vec::new();
        for (what, request) in requests {
            let response = request.bearer_auth(token).send().await.expect("send");
            let status = response.status().as_u16();
            answers.push((
                what.to_owned(),
                status,
                response.text().await.expect("body"),
            ));
        }
        answers
    }
}

async fn serve(ecoles: &[&Ecole]) -> Service {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let paths: Vec<PathBuf> = ecoles.iter().map(|e| e.db.clone()).collect();
    tokio::spawn(async move {
        pupitre_central::serve_ecoles(listener, &paths, None, false, None, std::future::pending())
            .await
    });
    Service {
        url,
        http: reqwest::Client::new(),
    }
}

/// The pupils of `there` only (not also names of `here`'s) that `body` holds: none, or it
/// leaked.
fn leaked(body: &str, here: &Ecole, there: &Ecole) -> Vec<String> {
    there
        .noms
        .difference(&here.noms)
        .filter(|n| body.contains(n.as_str()))
        .cloned()
        .collect()
}

#[tokio::test]
async fn two_schools_in_one_central_never_see_each_other_and_a_teacher_of_both_chooses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (ecole(dir.path(), 1), ecole(dir.path(), 2));
    assert_ne!(a.uai, b.uai, "the two demo schools need their own UAI");
    let service = serve(&[&a, &b]).await;

    let listed: Etablissements = service
        .request(reqwest::Method::GET, "/v1/etablissements", None)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("list");
    let uais: Vec<String> = listed
        .etablissements
        .iter()
        .map(|e| e.uai.to_string())
        .collect();
    assert_eq!(
        uais,
        [a.uai.clone(), b.uai.clone()],
        "the default school first"
    );

    let mut checked = 0;
    for (login, password) in ROLES {
        for (here, there) in [(&a, &b), (&b, &a)] {
            // The same login in both schools (a teacher on two collèges): the school she
            // chooses is the one she is in.
            let answer = service.login(Some(&here.uai), login, password).await;
            assert_eq!(answer["etablissement"], json!(here.uai), "{login}");
            let token = answer["token"].as_str().expect("token");
            let refresh = answer["refresh_token"].as_str().expect("refresh");
            let snapshot: Snapshot = service
                .request(reqwest::Method::GET, "/v1/snapshot", Some(&here.uai))
                .bearer_auth(token)
                .send()
                .await
                .expect("send")
                .json()
                .await
                .expect("snapshot");
            assert_eq!(snapshot.school.etablissement.uai.to_string(), here.uai);
            let log = json!(snapshot.log);

            // In her school, each request is answered, and names nobody of the other.
            for (what, status, body) in service.every_request(Some(&here.uai), token, &log).await {
                assert_ne!(status, 401, "{login} at her school: {what}");
                if what == "snapshot" && login != DEMO_ADMIN_LOGIN {
                    // The check below would see a pupil of the other school: it sees hers.
                    assert!(
                        !leaked(&body, there, here).is_empty(),
                        "{login}: {body:.300}"
                    );
                }
                assert_eq!(
                    leaked(&body, here, there),
                    Vec::<String>::new(),
                    "{login}: {what}"
                );
                checked += 1;
            }
            // Naming the other school, her session opens nothing there.
            for (what, status, body) in service.every_request(Some(&there.uai), token, &log).await {
                assert_eq!(
                    status, 401,
                    "{login}'s token at the other school: {what}: {body}"
                );
                assert_eq!(
                    leaked(&body, here, there),
                    Vec::<String>::new(),
                    "{login}: {what}"
                );
                checked += 1;
            }
            let refreshed = service
                .post("/v1/jetons", Some(&there.uai))
                .json(&json!({"refresh_token": refresh}));
            assert_eq!(refused(refreshed, 401).await, "session", "{login}: refresh");
            let logout = service
                .post("/v1/logout", Some(&there.uai))
                .bearer_auth(token)
                .send()
                .await
                .expect("send");
            assert_eq!(logout.status().as_u16(), 401, "{login}: logout elsewhere");
            // The session is still whole in her own school.
            let still = service
                .request(reqwest::Method::GET, "/v1/snapshot", Some(&here.uai))
                .bearer_auth(token)
                .send()
                .await
                .expect("send");
            assert_eq!(still.status().as_u16(), 200, "{login}");
        }
    }
    assert_eq!(checked, ROLES.len() * 2 * 2 * 5);

    // A PC that names no school is in the central's first one.
    let answer = service
        .login(None, DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await;
    assert_eq!(answer["etablissement"], json!(a.uai));
    let b_answer = service
        .login(Some(&b.uai), DEMO_TEACHER_LOGIN, DEMO_TEACHER_PASSWORD)
        .await;
    let b_token = b_answer["token"].as_str().expect("token");
    let without = service
        .request(reqwest::Method::GET, "/v1/snapshot", None)
        .bearer_auth(b_token)
        .send()
        .await
        .expect("send");
    assert_eq!(
        without.status().as_u16(),
        401,
        "B's session at the default school"
    );

    // A school the central does not serve, or no UAI at all.
    let unknown = service
        .post("/v1/login", Some("0750654D"))
        .json(&json!({"login": DEMO_TEACHER_LOGIN, "password": DEMO_TEACHER_PASSWORD, "client_id": uuid::Uuid::new_v4().to_string()}));
    assert_eq!(refused(unknown, 404).await, "etablissement_inconnu");
    let garbage = service
        .request(reqwest::Method::GET, "/v1/snapshot", Some("pas-un-uai"))
        .bearer_auth(b_token);
    assert_eq!(refused(garbage, 400).await, "requete_invalide");

    // An export names its school: A's database gives none of B's.
    let out = dir.path().join("b.zip");
    let crossed =
        pupitre_central::archive::exporter(&Db::open(&a.db).expect("db"), &a.db, &b.uai, &out);
    assert!(
        crossed.is_err() && !out.exists(),
        "A's database exported as B"
    );
}

#[tokio::test]
async fn two_databases_of_one_school_or_an_empty_one_beside_another_are_not_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = ecole(dir.path(), 1);
    let copy = dir.path().join("copie.sqlite");
    std::fs::copy(&a.db, &copy).expect("copy");
    let empty = dir.path().join("vide.sqlite");
    Db::open(&empty).expect("db");
    for (paths, expected) in [
        (
            vec![a.db.clone(), copy],
            "deux bases tiennent l'établissement",
        ),
        (vec![a.db.clone(), empty], "ne tient aucun établissement"),
    ] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let served = pupitre_central::serve_ecoles(
            listener,
            &paths,
            None,
            false,
            None,
            std::future::pending(),
        )
        .await;
        let message = served.expect_err("refused").to_string();
        assert!(message.contains(expected), "{message}");
    }
}
