//! The HTTP client of the central service. Every request carries the protocol and schema
//! versions; every failure becomes a `ReplicaError` that says whether we are simply offline.

use crate::error::ReplicaError;
use pupitre_sync_protocol::version::{HEADER_PROTOCOL, HEADER_SCHEMA};
use pupitre_sync_protocol::wire::{
    ApiError, ErrorCode, HistoryRequest, HistoryResponse, LoginRequest, LoginResponse, PullRequest,
    PullResponse, PushRequest, PushResponse, Snapshot,
};
use pupitre_sync_protocol::{PROTOCOL_VERSION, SCHEMA_VERSION};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

pub const CENTRAL_URL_ENV: &str = "PUPITRE_CENTRAL_URL";
pub const DEFAULT_CENTRAL_URL: &str = "http://127.0.0.1:8787";

/// A connection that never opened means the request was not received; any later failure may
/// have happened after the central processed it.
fn transport(e: reqwest::Error) -> ReplicaError {
    if e.is_connect() {
        ReplicaError::Unreachable(e.to_string())
    } else {
        ReplicaError::Interrupted(e.to_string())
    }
}

#[derive(Clone)]
pub struct CentralClient {
    http: reqwest::Client,
    base: String,
}

impl CentralClient {
    pub fn new(base: &str) -> CentralClient {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        CentralClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ReplicaError> {
        let response = request
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .header(HEADER_SCHEMA, SCHEMA_VERSION.to_string())
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| ReplicaError::Garbage(e.to_string()));
        }
        // An error with our JSON body carries a French message; anything else (a proxy's HTML
        // page, an empty 500) gets a generic one.
        let error = serde_json::from_slice::<ApiError>(&body).unwrap_or_else(|_| ApiError {
            code: ErrorCode::Autre,
            message: format!("Réponse HTTP {status} inattendue."),
        });
        Err(ReplicaError::Server {
            status: status.as_u16(),
            code: error.code,
            message: error.message,
        })
    }

    fn post<B: Serialize>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> reqwest::RequestBuilder {
        let request = self.http.post(format!("{}{path}", self.base)).json(body);
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
    }

    pub async fn login(&self, request: &LoginRequest) -> Result<LoginResponse, ReplicaError> {
        self.send(self.post("/v1/login", None, request))
            .await
            .map_err(|e| match e {
                ReplicaError::Server { status: 401, .. } => ReplicaError::WrongPassword,
                other => other,
            })
    }

    pub async fn logout(&self, token: &str) -> Result<(), ReplicaError> {
        let response = self
            .http
            .post(format!("{}/v1/logout", self.base))
            .bearer_auth(token)
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .header(HEADER_SCHEMA, SCHEMA_VERSION.to_string())
            .send()
            .await
            .map_err(transport)?;
        match response.status().as_u16() {
            204 | 401 => Ok(()),
            status => Err(ReplicaError::Server {
                status,
                code: ErrorCode::Autre,
                message: "Déconnexion refusée.".into(),
            }),
        }
    }

    pub async fn snapshot(&self, token: &str) -> Result<Snapshot, ReplicaError> {
        self.send(
            self.http
                .get(format!("{}/v1/snapshot", self.base))
                .bearer_auth(token),
        )
        .await
    }

    pub async fn push(
        &self,
        token: &str,
        request: &PushRequest,
    ) -> Result<PushResponse, ReplicaError> {
        self.send(self.post("/v1/push", Some(token), request)).await
    }

    pub async fn pull(
        &self,
        token: &str,
        request: &PullRequest,
    ) -> Result<PullResponse, ReplicaError> {
        self.send(self.post("/v1/pull", Some(token), request)).await
    }

    pub async fn history(
        &self,
        token: &str,
        request: &HistoryRequest,
    ) -> Result<HistoryResponse, ReplicaError> {
        self.send(self.post("/v1/history", Some(token), request))
            .await
    }
}
