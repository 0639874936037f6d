//! The HTTP client of the central service. Every request carries the protocol and schema
//! versions; every failure becomes a `ReplicaError` that says whether we are simply offline.

use crate::error::ReplicaError;
use pupitre_domain::Uai;
use pupitre_sync_protocol::version::{HEADER_ETABLISSEMENT, HEADER_PROTOCOL, HEADER_SCHEMA};
use pupitre_sync_protocol::wire::{
    ApiError, DepotResponse, ErrorCode, Etablissements, HistoryRequest, HistoryResponse,
    ImportRequest, ImportResponse, Jetons, LoginRequest, LoginResponse, PasswordChangeRequest,
    PullRequest, PullResponse, PushRequest, PushResponse, RefreshRequest, Snapshot,
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

/// Refuses an address a password could leave this PC in clear to.
pub fn check_address(base: &str) -> Result<(), ReplicaError> {
    let url = reqwest::Url::parse(base).map_err(|_| {
        ReplicaError::Invalid(format!(
            "adresse du service central illisible : « {base} » (exemple : https://pupitre.ac-exemple.fr)"
        ))
    })?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(ReplicaError::Invalid(format!(
            "le service central « {base} » est en http:// sans chiffrement : les mots de passe et les données des élèves passeraient en clair sur le réseau. Configurez son adresse en https:// (voir le README, « TLS »)."
        ))),
        other => Err(ReplicaError::Invalid(format!(
            "adresse du service central en {other}:// : seules https:// (ou http:// vers ce poste même) sont acceptées"
        ))),
    }
}

#[derive(Clone)]
pub struct CentralClient {
    http: reqwest::Client,
    base: String,
    /// The school every request names (`None`: the central's first).
    etablissement: Option<Uai>,
}

impl CentralClient {
    /// A client of the central at `base`: `https://`, or `http://` to this very machine only
    /// (the passwords and the pupils' data never cross a network in clear).
    pub fn new(base: &str) -> Result<CentralClient, ReplicaError> {
        check_address(base)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .https_only(!base.starts_with("http://"))
            .build()
            .map_err(|e| ReplicaError::Invalid(format!("client HTTP impossible à créer : {e}")))?;
        Ok(CentralClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
            etablissement: None,
        })
    }

    /// The same client, for the school `etablissement` of a central that serves several.
    pub fn pour(mut self, etablissement: Option<&Uai>) -> CentralClient {
        self.etablissement = etablissement.cloned();
        self
    }

    /// The school every request names (`None`: the central's first).
    pub fn etablissement(&self) -> Option<&Uai> {
        self.etablissement.as_ref()
    }

    /// The schools the central serves, its first one first (a login screen's choice).
    pub async fn etablissements(&self) -> Result<Etablissements, ReplicaError> {
        self.send(self.http.get(format!("{}/v1/etablissements", self.base)))
            .await
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ReplicaError> {
        let response = self.versioned(request).send().await.map_err(transport)?;
        let status = response.status();
        let apres = retry_after(&response);
        let body = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| ReplicaError::Garbage(e.to_string()));
        }
        Err(Self::failure(status, &body, apres))
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

    /// A new pair of tokens for `refresh_token` (which retires).
    pub async fn refresh(&self, refresh_token: &str) -> Result<Jetons, ReplicaError> {
        let request = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        self.send(self.post("/v1/jetons", None, &request)).await
    }

    pub async fn change_password(
        &self,
        token: &str,
        request: &PasswordChangeRequest,
    ) -> Result<(), ReplicaError> {
        let response = self
            .versioned(self.post("/v1/mot-de-passe", Some(token), request))
            .send()
            .await
            .map_err(transport)?;
        Self::no_content(response).await
    }

    /// Hands a sealed envelope to the central (no session: the envelope proves its author).
    pub async fn deliver(&self, envelope: Vec<u8>) -> Result<DepotResponse, ReplicaError> {
        self.send(
            self.http
                .post(format!("{}/v1/depot", self.base))
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(envelope),
        )
        .await
    }

    fn versioned(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = request
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .header(HEADER_SCHEMA, SCHEMA_VERSION.to_string());
        match &self.etablissement {
            Some(uai) => request.header(HEADER_ETABLISSEMENT, uai.as_str()),
            None => request,
        }
    }

    /// A 204, or our error body.
    async fn no_content(response: reqwest::Response) -> Result<(), ReplicaError> {
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let apres = retry_after(&response);
        let body = response.bytes().await.map_err(transport)?;
        Err(Self::failure(status, &body, apres))
    }

    /// An error with our JSON body carries a French message; anything else (a proxy's HTML
    /// page, an empty 500) gets a generic one.
    fn failure(
        status: reqwest::StatusCode,
        body: &[u8],
        apres: Option<std::time::Duration>,
    ) -> ReplicaError {
        let error = serde_json::from_slice::<ApiError>(body).unwrap_or_else(|_| ApiError {
            code: ErrorCode::Autre,
            message: format!("Réponse HTTP {status} inattendue."),
        });
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            return ReplicaError::Surcharge {
                apres: apres.unwrap_or(RETRY_AFTER_DEFAUT),
                message: error.message,
            };
        }
        ReplicaError::Server {
            status: status.as_u16(),
            code: error.code,
            message: error.message,
        }
    }

    pub async fn logout(&self, token: &str) -> Result<(), ReplicaError> {
        let response = self
            .versioned(
                self.http
                    .post(format!("{}/v1/logout", self.base))
                    .bearer_auth(token),
            )
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

    /// The year's import (`importer_annee`), in one request however large.
    pub async fn import(
        &self,
        token: &str,
        request: &ImportRequest,
    ) -> Result<ImportResponse, ReplicaError> {
        self.send(self.post("/v1/import", Some(token), request))
            .await
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

/// When an overloaded central's `Retry-After` (in seconds) says to come back, at most
/// `RETRY_AFTER_MAX`; `None` without one (an HTTP date is not read: the default then).
fn retry_after(response: &reqwest::Response) -> Option<std::time::Duration> {
    let secondes: u64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(std::time::Duration::from_secs(secondes).min(RETRY_AFTER_MAX))
}

/// A 503 without a readable `Retry-After` waits this long; none waits longer than the max.
const RETRY_AFTER_DEFAUT: std::time::Duration = std::time::Duration::from_secs(5);
const RETRY_AFTER_MAX: std::time::Duration = std::time::Duration::from_secs(300);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_leaves_this_pc() {
        // (address, accepted)
        let cases = [
            ("https://pupitre.ac-exemple.fr", true),
            ("https://10.0.0.5:8787/", true),
            ("http://127.0.0.1:8787", true),
            ("http://127.8.0.1:8787", true),
            ("http://localhost:8787", true),
            ("http://[::1]:8787", true),
            ("http://pupitre.ac-exemple.fr", false),
            ("http://10.0.0.5:8787", false),
            ("http://localhost.ac-exemple.fr", false),
            ("ftp://127.0.0.1", false),
            ("pupitre.ac-exemple.fr", false),
            ("", false),
        ];
        for (address, accepted) in cases {
            assert_eq!(check_address(address).is_ok(), accepted, "{address}");
            assert_eq!(CentralClient::new(address).is_ok(), accepted, "{address}");
        }
    }
}
