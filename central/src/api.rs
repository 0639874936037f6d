//! The HTTP API (JSON). Every `/v1` request but `health` carries the protocol and schema
//! versions; every one but `login` and `health` carries a bearer token.

use crate::auth;
use crate::clock::{ServerClock, now_ms};
use crate::connexion;
use crate::db::{Db, accounts, audit, identity, school};
use crate::error::{ApiFailure, CentralError};
use crate::limites::{self, Limites};
use crate::push;
use axum::extract::connect_info::ConnectInfo;
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
    ErrorCode, HistoryRequest, HistoryResponse, MAX_PUSH_CHANGES, PullRequest, PullResponse,
    PushRequest, PushResponse, Snapshot,
};
use pupitre_sync_protocol::{ClientId, VersionCheck, check_versions};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use uuid::Uuid;

/// The longest a request may take, its body's upload included (a full push is well under a
/// second on a school's line).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Largest request body accepted (a full push of `MAX_PUSH_CHANGES` is far below).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct Central {
    pub(crate) db: Db,
    pub(crate) clock: Arc<ServerClock>,
    /// Where the high-water mark is kept (`serve` only; tests that build a router may omit it).
    db_path: Option<Arc<std::path::Path>>,
    pub(crate) limites: Arc<Mutex<Limites>>,
    /// Password checks run one at a time, outside the database's lock: a flood of logins
    /// (argon2 on each) takes one core, never the data's reads and writes.
    pub(crate) argon2: Arc<Semaphore>,
    pub(crate) metriques: Arc<crate::metriques::Metriques>,
}

impl Central {
    pub fn new(db: Db) -> Central {
        Central {
            db,
            clock: Arc::new(ServerClock::default()),
            db_path: None,
            limites: Arc::new(Mutex::new(Limites::default())),
            argon2: Arc::new(Semaphore::new(1)),
            metriques: Arc::default(),
        }
    }

    pub(crate) fn limites(&self) -> std::sync::MutexGuard<'_, Limites> {
        self.limites.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks a password against a hash on a blocking thread, one check at a time.
    pub(crate) async fn verify_password(&self, password: String, hash: String) -> bool {
        let Ok(_permit) = self.argon2.acquire().await else {
            return false;
        };
        tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
            .await
            .unwrap_or(false)
    }

    /// Writes one event to the audit log. Auditing never stops the request it audits: a
    /// failure to write is logged.
    pub(crate) async fn audit(&self, quoi: audit::Quoi, e: AuditOwned) {
        let written = self
            .db
            .call(move |conn| {
                audit::record(conn, quoi, &e.as_ref(), now_ms()).map_err(CentralError::from)
            })
            .await;
        if let Err(e) = written {
            tracing::error!("audit not written ({}): {e}", quoi.as_str());
        }
    }

    /// Keeps the high-water mark of the database at `path` up to date after every push.
    pub fn with_high_water(mut self, path: &std::path::Path) -> Central {
        self.db_path = Some(Arc::from(path));
        self
    }

    pub(crate) async fn note_high_water(&self) -> Result<(), ApiFailure> {
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

/// An audited event with owned fields (it crosses into a blocking task).
#[derive(Debug, Clone, Default)]
pub struct AuditOwned {
    pub login: Option<String>,
    pub personnel_id: Option<String>,
    pub client_id: Option<String>,
    pub adresse: Option<String>,
    pub detail: String,
}

impl AuditOwned {
    fn as_ref(&self) -> audit::Evenement<'_> {
        audit::Evenement {
            login: self.login.as_deref(),
            personnel_id: self.personnel_id.as_deref(),
            client_id: self.client_id.as_deref(),
            adresse: self.adresse.as_deref(),
            detail: &self.detail,
        }
    }
}

pub fn router(central: Central) -> Router {
    let v1 = Router::new()
        .route("/login", post(connexion::login))
        .route("/jetons", post(connexion::refresh))
        .route("/logout", post(connexion::logout))
        .route("/mot-de-passe", post(connexion::change_password))
        .route("/depot", post(crate::enveloppes::deliver))
        // The large answers go gzipped to a PC that accepts it (reqwest does): a whole
        // school's snapshot is mostly repeated keys.
        .route("/snapshot", get(snapshot).layer(compression()))
        .route("/push", post(push_changes))
        .route("/pull", post(pull).layer(compression()))
        .route("/history", post(history))
        .route(
            "/import",
            post(crate::import_en_ligne::importer).layer(DefaultBodyLimit::max(
                crate::import_en_ligne::MAX_IMPORT_BYTES,
            )),
        )
        .layer(middleware::from_fn(check_version_headers));
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metriques))
        .nest("/v1", v1)
        .fallback(unknown_address)
        .layer(middleware::from_fn_with_state(central.clone(), mesurer))
        // Every request gets an id (the client's `x-request-id`, or a new one), sent back and
        // carried by the logs written while it is handled.
        .layer(TraceLayer::new_for_http().make_span_with(span_de_requete))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A body trickled in, or a request stuck, ends with a French 408.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
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
        StatusCode::REQUEST_TIMEOUT => {
            "Requête trop lente : le service central l'a abandonnée. Vos saisies restent sur ce poste et repartiront."
        }
        _ => "Requête mal formée : le service central ne peut pas la lire.",
    };
    ApiFailure::new(status, ErrorCode::RequeteInvalide, message).into_response()
}

/// gzip at its fastest: at 8:00 the central's CPU goes to pushes first.
fn compression() -> CompressionLayer {
    CompressionLayer::new()
        .gzip(true)
        .quality(tower_http::CompressionLevel::Fastest)
}

/// The span a request's logs carry: its id, method and path (never its body).
fn span_de_requete(request: &Request) -> tracing::Span {
    let id = (request.headers().get("x-request-id"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("requete", id, methode = %request.method(), route = %request.uri().path())
}

/// Each request's route, status and latency, for `/metrics`.
async fn mesurer(State(central): State<Central>, request: Request, next: Next) -> Response {
    let route = request.uri().path().to_owned();
    let debut = crate::clock::instant();
    let response = next.run(request).await;
    let secondes = debut.elapsed().as_secs_f64();
    central
        .metriques
        .requete(&route, response.status().as_u16(), secondes);
    response
}

/// Prometheus's text format: the counters, and the log's head and replicas as of now.
async fn metriques(State(central): State<Central>) -> Result<Response, ApiFailure> {
    let (journal, postes) = central
        .db
        .call(|conn| -> Result<_, ApiFailure> {
            Ok((
                crate::db::log::head(conn)?,
                crate::db::log::postes_vus(conn)?,
            ))
        })
        .await?;
    let texte = central.metriques.texte(journal, postes).map_err(|e| {
        ApiFailure::from(CentralError::Invalid(format!("métriques illisibles : {e}")))
    })?;
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        texte,
    )
        .into_response())
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok", "protocol": pupitre_sync_protocol::PROTOCOL_VERSION}))
}

fn header_u32(headers: &HeaderMap, name: &str) -> Option<u32> {
    headers.get(name)?.to_str().ok()?.parse().ok()
}

pub(crate) async fn check_version_headers(
    request: Request,
    next: Next,
) -> Result<Response, ApiFailure> {
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
    pub session_id: String,
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
        let hash = auth::token_hash(token);
        let found = central
            .db
            .call(move |conn| -> Result<_, ApiFailure> {
                Ok(match accounts::access(conn, &hash, now_ms())? {
                    accounts::Access::Live {
                        session_id,
                        personnel_id,
                        client_id,
                    } => school::personnel(conn, &personnel_id)?
                        .map(|p| Ok((p, client_id, session_id))),
                    accounts::Access::Expired => Some(Err(ApiFailure::new(
                        StatusCode::UNAUTHORIZED,
                        ErrorCode::JetonExpire,
                        "Jeton d'accès expiré : la session se renouvelle.",
                    ))),
                    accounts::Access::Unknown => None,
                })
            })
            .await?;
        let (personnel, client, session_id) = found.ok_or_else(ApiFailure::unauthorized)??;
        let client_id = Uuid::parse_str(&client)
            .map(ClientId)
            .map_err(|_| ApiFailure::unauthorized())?;
        Ok(Caller {
            personnel,
            client_id,
            session_id,
        })
    }
}

/// The address a request came from, when the server knows it (`serve` does). Behind a
/// reverse proxy on this machine (the connection comes from loopback), the address the proxy
/// appended to `X-Forwarded-For`: otherwise the per-address limit would count a whole region
/// as one address.
pub struct Adresse(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Adresse {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = || {
            let header = parts.headers.get("x-forwarded-for")?.to_str().ok()?;
            let last = header.rsplit(',').next()?.trim();
            last.parse::<std::net::IpAddr>().ok()
        };
        let address = match peer {
            Some(ip) if ip.is_loopback() => forwarded().or(Some(ip)),
            other => other,
        };
        Ok(Adresse(address.map(|ip| ip.to_string())))
    }
}

/// Parses a JSON body with a French message on failure (axum's own rejection is English text).
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiFailure> {
    serde_json::from_slice(body)
        .map_err(|e| ApiFailure::bad_request(format!("Requête mal formée : {e}.")))
}

async fn snapshot(
    State(central): State<Central>,
    caller: Caller,
) -> Result<Json<Snapshot>, ApiFailure> {
    let wait = {
        let mut limites = central.limites();
        let wait = limites.instantanes.wait(&caller.personnel.id, now_ms());
        if wait.is_none() {
            limites.instantanes.record(&caller.personnel.id, now_ms());
        }
        wait
    };
    if let Some(wait) = wait {
        return Err(ApiFailure::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TropDeTentatives,
            format!(
                "Trop de téléchargements complets pour ce compte : {}. Vos saisies restent sur ce poste.",
                limites::attendre(wait)
            ),
        ));
    }
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
    Adresse(adresse): Adresse,
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
        .call(move |conn| -> Result<_, ApiFailure> {
            let outcomes = push::push(
                conn,
                &caller.personnel,
                &caller.client_id,
                &request.log,
                &request.changes,
                offset,
                now_ms(),
            )?;
            let from = push::Pusher {
                who: &caller.personnel,
                client: &caller.client_id,
                adresse: adresse.as_deref(),
            };
            push::audit_refusals(conn, &from, &request.changes, &outcomes, now_ms())?;
            Ok(outcomes)
        })
        .await?;
    central.metriques.poussees(&outcomes);
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
