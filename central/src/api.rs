//! The HTTP API (JSON). Every `/v1` request but `health` carries the protocol and schema
//! versions; every one but `login` and `health` carries a bearer token.

use crate::auth;
use crate::clock::{ServerClock, now_ms};
use crate::db::{Db, accounts, identity, log, school};
use crate::error::ApiFailure;
use crate::push;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pupitre_domain::Personnel;
use pupitre_sync_protocol::version::{HEADER_PROTOCOL, HEADER_SCHEMA};
use pupitre_sync_protocol::wire::{
    ErrorCode, HistoryRequest, HistoryResponse, LoginRequest, LoginResponse, MAX_PUSH_CHANGES,
    PullRequest, PullResponse, PushRequest, PushResponse, Snapshot,
};
use pupitre_sync_protocol::{ClientId, VersionCheck, check_versions};
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

/// Largest request body accepted (a full push of `MAX_PUSH_CHANGES` is far below).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct Central {
    db: Db,
    clock: Arc<ServerClock>,
    /// Where the high-water mark is kept (`serve` only; tests that build a router may omit it).
    db_path: Option<Arc<std::path::Path>>,
}

impl Central {
    pub fn new(db: Db) -> Central {
        Central {
            db,
            clock: Arc::new(ServerClock::default()),
            db_path: None,
        }
    }

    /// Keeps the high-water mark of the database at `path` up to date after every push.
    pub fn with_high_water(mut self, path: &std::path::Path) -> Central {
        self.db_path = Some(Arc::from(path));
        self
    }

    async fn note_high_water(&self) -> Result<(), ApiFailure> {
        let Some(path) = self.db_path.clone() else {
            return Ok(());
        };
        self.db
            .call(move |conn| -> Result<(), ApiFailure> {
                let mark = identity::mark_of(conn)?;
                Ok(identity::write_high_water(&path, &mark)?)
            })
            .await
    }
}

pub fn router(central: Central) -> Router {
    let v1 = Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/snapshot", get(snapshot))
        .route("/push", post(push_changes))
        .route("/pull", post(pull))
        .route("/history", post(history))
        .layer(middleware::from_fn(check_version_headers));
    Router::new()
        .route("/health", get(health))
        .nest("/v1", v1)
        .fallback(unknown_address)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(french_rejections))
        .with_state(central)
}

async fn unknown_address() -> ApiFailure {
    ApiFailure::new(
        StatusCode::NOT_FOUND,
        ErrorCode::RequeteInvalide,
        "Adresse inconnue du service central : vérifiez l'adresse du service configurée sur ce poste.",
    )
}

/// Axum's own refusals (a wrong method, a body over the limit, a body that is not JSON) are
/// plain English text: they reach the client as our `{code, message}`, in French.
async fn french_rejections(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let ours = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if ours || !status.is_client_error() {
        return response;
    }
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            "Méthode non acceptée à cette adresse du service central."
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            "Requête trop volumineuse pour le service central (1 Mio au plus) : envoyez moins de modifications à la fois."
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Le corps de la requête doit être du JSON.",
        _ => "Requête mal formée : le service central ne peut pas la lire.",
    };
    ApiFailure::new(status, ErrorCode::RequeteInvalide, message).into_response()
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok", "protocol": pupitre_sync_protocol::PROTOCOL_VERSION}))
}

fn header_u32(headers: &HeaderMap, name: &str) -> Option<u32> {
    headers.get(name)?.to_str().ok()?.parse().ok()
}

async fn check_version_headers(request: Request, next: Next) -> Result<Response, ApiFailure> {
    let headers = request.headers();
    let (Some(protocol), Some(schema)) = (
        header_u32(headers, HEADER_PROTOCOL),
        header_u32(headers, HEADER_SCHEMA),
    ) else {
        return Err(ApiFailure::bad_request(
            "En-têtes de version du protocole absents.",
        ));
    };
    match check_versions(protocol, schema) {
        VersionCheck::Supported => Ok(next.run(request).await),
        VersionCheck::ClientTooOld => Err(ApiFailure::new(
            StatusCode::UPGRADE_REQUIRED,
            ErrorCode::MiseAJourNecessaire,
            "Mise à jour nécessaire : cette version de Pupitre est trop ancienne pour le service central. Vos saisies restent sur ce poste.",
        )),
        VersionCheck::ClientTooNew => Err(ApiFailure::new(
            StatusCode::UPGRADE_REQUIRED,
            ErrorCode::CentralTropAncien,
            "Le service central est plus ancien que cette version de Pupitre : prévenez l'administrateur. Vos saisies restent sur ce poste.",
        )),
    }
}

/// The authenticated caller of a request.
pub struct Caller {
    pub personnel: Personnel,
    pub client_id: ClientId,
    pub token_hash: String,
}

impl FromRequestParts<Central> for Caller {
    type Rejection = ApiFailure;

    async fn from_request_parts(
        parts: &mut Parts,
        central: &Central,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiFailure::unauthorized)?;
        let token_hash = auth::token_hash(token);
        let hash = token_hash.clone();
        let found = central
            .db
            .call(move |conn| -> Result<_, ApiFailure> {
                let Some((personnel_id, client)) = accounts::session(conn, &hash, now_ms())? else {
                    return Ok(None);
                };
                Ok(school::personnel(conn, &personnel_id)?.map(|p| (p, client)))
            })
            .await?;
        let (personnel, client) = found.ok_or_else(ApiFailure::unauthorized)?;
        let client_id = Uuid::parse_str(&client)
            .map(ClientId)
            .map_err(|_| ApiFailure::unauthorized())?;
        Ok(Caller {
            personnel,
            client_id,
            token_hash,
        })
    }
}

/// Parses a JSON body with a French message on failure (axum's own rejection is English text).
fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiFailure> {
    serde_json::from_slice(body)
        .map_err(|e| ApiFailure::bad_request(format!("Requête mal formée : {e}.")))
}

async fn login(
    State(central): State<Central>,
    body: axum::body::Bytes,
) -> Result<Json<LoginResponse>, ApiFailure> {
    let request: LoginRequest = parse_body(&body)?;
    let wrong = || {
        ApiFailure::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Identifiants,
            "Identifiant ou mot de passe incorrect. Vérifiez la saisie (majuscules comprises).",
        )
    };
    let login = request.login.trim().to_lowercase();
    let (token, token_hash) = auth::new_token();
    let client_id = request.client_id.clone();
    let personnel = central
        .db
        .call(move |conn| -> Result<_, ApiFailure> {
            let Some((personnel_id, hash)) = accounts::compte(conn, &login)? else {
                // Same cost as a real check, so that timing does not reveal which logins exist.
                auth::verify_password(&request.password, auth::DUMMY_HASH);
                return Ok(None);
            };
            if !auth::verify_password(&request.password, &hash) {
                return Ok(None);
            }
            if !log::register_client(conn, &client_id, &personnel_id)? {
                return Err(ApiFailure::new(
                    StatusCode::CONFLICT,
                    ErrorCode::Poste,
                    "Ce poste est déjà enregistré pour une autre personne : supprimez ses données locales et reconnectez-vous.",
                ));
            }
            accounts::insert_session(conn, &token_hash, &personnel_id, &client_id.0.to_string(), now_ms() + auth::SESSION_TTL_MS)?;
            Ok(school::personnel(conn, &personnel_id)?)
        })
        .await?
        .ok_or_else(wrong)?;
    Ok(Json(LoginResponse {
        token,
        personnel,
        server_hlc: central.clock.tick(),
    }))
}

async fn logout(State(central): State<Central>, caller: Caller) -> Result<StatusCode, ApiFailure> {
    central
        .db
        .call(move |conn| {
            accounts::delete_session(conn, &caller.token_hash).map_err(ApiFailure::from)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn snapshot(
    State(central): State<Central>,
    caller: Caller,
) -> Result<Json<Snapshot>, ApiFailure> {
    let server_hlc = central.clock.tick();
    let snapshot = central
        .db
        .call(move |conn| {
            crate::snapshot::read(conn, caller.personnel, server_hlc).map_err(ApiFailure::from)
        })
        .await?;
    Ok(Json(snapshot))
}

async fn push_changes(
    State(central): State<Central>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Json<PushResponse>, ApiFailure> {
    let request: PushRequest = parse_body(&body)?;
    if request.client_id != caller.client_id {
        return Err(ApiFailure::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Poste,
            "Ces modifications viennent d'un autre poste que celui de la session.",
        ));
    }
    if request.changes.len() > MAX_PUSH_CHANGES {
        return Err(ApiFailure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TropDeModifications,
            format!("Au plus {MAX_PUSH_CHANGES} modifications par envoi."),
        ));
    }
    let offset = push::clock_offset_ms(request.wall_ms, now_ms());
    let server_hlc = central.clock.observe(request.hlc);
    let outcomes = central
        .db
        .call(move |conn| {
            push::push(
                conn,
                &caller.personnel,
                &caller.client_id,
                &request.log,
                &request.changes,
                offset,
                now_ms(),
            )
            .map_err(ApiFailure::from)
        })
        .await?;
    central.note_high_water().await?;
    Ok(Json(PushResponse {
        outcomes,
        server_hlc,
        clock_offset_ms: offset,
    }))
}

async fn pull(
    State(central): State<Central>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Json<PullResponse>, ApiFailure> {
    let request: PullRequest = parse_body(&body)?;
    let server_hlc = central.clock.tick();
    let page = central
        .db
        .call(move |conn| crate::pull::page(conn, &caller.personnel, &request, server_hlc))
        .await?;
    Ok(Json(page))
}

/// Every change of one field still in the log, in the caller's scope, with who wrote it.
async fn history(
    State(central): State<Central>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Json<HistoryResponse>, ApiFailure> {
    let request: HistoryRequest = parse_body(&body)?;
    let entries = central
        .db
        .call(move |conn| crate::history::read(conn, &caller.personnel, &request))
        .await?;
    Ok(Json(entries))
}
