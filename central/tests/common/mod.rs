//! The real central service on a loopback port, for the tests of this crate.

#![allow(dead_code)]

use chrono::NaiveDate;
use pupitre_central::{Db, demo};
use pupitre_sync_protocol::version::{HEADER_PROTOCOL, HEADER_SCHEMA};
use pupitre_sync_protocol::wire::{ApiError, Snapshot};
use pupitre_sync_protocol::{PROTOCOL_VERSION, SCHEMA_VERSION};
use serde_json::{Value, json};
use std::path::Path;

/// The demo school these tests' central holds.
pub const SEED: u64 = 1;

pub struct Central {
    pub url: String,
    pub http: reqwest::Client,
    pub db: std::path::PathBuf,
}

impl Central {
    pub async fn start(dir: &Path) -> Central {
        let db = dir.join("central.sqlite");
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        demo::import(
            &Db::open(&db).expect("db"),
            &pupitre_fixtures::generate(SEED),
            day,
        )
        .expect("import");
        Central::serving(db).await
    }

    /// The central serving the database `db` as it is.
    pub async fn serving(db: std::path::PathBuf) -> Central {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let path = db.clone();
        tokio::spawn(async move {
            pupitre_central::serve(listener, &path, None, false, std::future::pending()).await
        });
        Central {
            url,
            http: reqwest::Client::new(),
            db,
        }
    }

    pub fn post(&self, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .header(HEADER_SCHEMA, SCHEMA_VERSION.to_string());
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// The whole answer to a login (status, JSON body).
    pub async fn login_answer(&self, login: &str, password: &str, client: &str) -> (u16, Value) {
        let body = json!({"login": login, "password": password, "client_id": client});
        let response = self
            .post("/v1/login", None)
            .json(&body)
            .send()
            .await
            .expect("send");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    }

    /// The status of an authenticated pull from the start of `log`.
    pub async fn pull_status(&self, token: &str, log: &Value) -> u16 {
        self.post("/v1/pull", Some(token))
            .json(&json!({"cursor": 0, "log": log, "limit": 10}))
            .send()
            .await
            .expect("send")
            .status()
            .as_u16()
    }

    /// Runs `f` on the central's database (the service serves on, as SQLite allows).
    pub fn sql<T>(&self, f: impl FnOnce(&mut rusqlite::Connection) -> T) -> T {
        Db::open(&self.db).expect("db").with(f)
    }

    /// A push's answer, as the central gives it.
    pub async fn push(
        &self,
        token: &str,
        body: &Value,
    ) -> pupitre_sync_protocol::wire::PushResponse {
        self.post("/v1/push", Some(token))
            .json(body)
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("push answer")
    }

    pub async fn login(&self, login: &str, password: &str, client: &str) -> String {
        let body = json!({"login": login, "password": password, "client_id": client});
        let answer: Value = self
            .post("/v1/login", None)
            .json(&body)
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        answer["token"].as_str().expect("token").to_owned()
    }

    pub async fn snapshot(&self, token: &str) -> Snapshot {
        self.http
            .get(format!("{}/v1/snapshot", self.url))
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .header(HEADER_SCHEMA, SCHEMA_VERSION.to_string())
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("snapshot")
    }

    /// A séance the logged-in teacher teaches, and the log a push names, read from their
    /// snapshot.
    pub async fn own_seance(&self, token: &str) -> (String, Value) {
        let snapshot = self.snapshot(token).await;
        let school = &snapshot.school;
        let seance = school
            .seances
            .iter()
            .find(|s| school.is_taught_by(s, &snapshot.moi.id))
            .expect("own séance")
            .id
            .clone();
        (seance, json!(snapshot.log))
    }

    pub fn log_len(&self) -> i64 {
        Db::open(&self.db)
            .expect("db")
            .with(|c| c.query_row("SELECT COUNT(*) FROM changes", [], |r| r.get(0)))
            .expect("count")
    }
}

/// Sends and checks a 4xx with a French `{code, message}` body; returns the code.
pub async fn refused(request: reqwest::RequestBuilder, status: u16) -> String {
    let response = request.send().await.expect("send");
    assert_eq!(response.status().as_u16(), status);
    let error: ApiError = response.json().await.expect("a JSON error body");
    // In French, with what to do: never axum's English text.
    assert!(!error.message.is_empty());
    assert!(
        !error.message.contains("Failed") && !error.message.contains("length limit"),
        "{}",
        error.message
    );
    error.code.as_str().to_owned()
}
