//! Several schools behind one service: one database per school (its own log, accounts,
//! sessions, keys and high-water mark), and each request handed to the school it names in the
//! `pupitre-etablissement` header. Nothing but the listening port is shared: a token, a
//! refresh token, a pull's cursor or an envelope of one school means nothing in another's
//! database, so no request can cross schools, whatever it claims. A request naming no school
//! goes to the first one (PCs set up when the central served only that one keep working).

use crate::api::check_version_headers;
use crate::error::{ApiFailure, CentralError};
use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pupitre_domain::Uai;
use pupitre_sync_protocol::version::HEADER_ETABLISSEMENT;
use pupitre_sync_protocol::wire::{ErrorCode, EtablissementServi, Etablissements};
use std::sync::Arc;
use tower::ServiceExt;

/// One school as the service serves it: its database's router.
pub struct Ecole {
    /// `None` for a database that holds no school yet (a central being set up).
    pub servie: Option<EtablissementServi>,
    pub router: Router,
}

struct Ecoles {
    ecoles: Vec<Ecole>,
}

/// The service's router over `ecoles`, the first of which answers requests naming none.
/// Two databases of one school are refused by `check_distinct` before this.
pub fn router(ecoles: Vec<Ecole>) -> Router {
    let listing = Router::new()
        .route("/v1/etablissements", get(lister))
        .layer(middleware::from_fn(check_version_headers));
    listing
        .fallback(dispatch)
        .with_state(Arc::new(Ecoles { ecoles }))
}

/// Refuses a set of databases where two hold the same school, or where one of several holds
/// none (the requests for it could not be told apart).
pub fn check_distinct(servies: &[Option<EtablissementServi>]) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for servie in servies {
        match servie {
            Some(e) if !seen.insert(e.uai.as_str().to_owned()) => {
                return Err(format!(
                    "deux bases tiennent l'établissement {} : donnez chacune une seule fois",
                    e.uai
                ));
            }
            None if servies.len() > 1 => {
                return Err(
                    "une des bases ne tient aucun établissement : importez-le avant de la servir avec d'autres"
                        .into(),
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// The school a database holds, as the login screen and a session name it (`None`: a
/// central being set up).
pub fn servie(conn: &rusqlite::Connection) -> Result<Option<EtablissementServi>, CentralError> {
    let Some((uai, nom)) = crate::db::school::etablissement(conn)? else {
        return Ok(None);
    };
    let uai = Uai::parse(&uai).map_err(|e| CentralError::Invalid(e.to_string()))?;
    Ok(Some(EtablissementServi { uai, nom }))
}

async fn lister(State(ecoles): State<Arc<Ecoles>>) -> Json<Etablissements> {
    Json(Etablissements {
        etablissements: ecoles
            .ecoles
            .iter()
            .filter_map(|e| e.servie.clone())
            .collect(),
    })
}

async fn dispatch(State(ecoles): State<Arc<Ecoles>>, request: Request) -> Response {
    let ecole = match named(&request) {
        Ok(None) => ecoles.ecoles.first(),
        Ok(Some(uai)) => ecoles
            .ecoles
            .iter()
            .find(|e| e.servie.as_ref().is_some_and(|s| s.uai == uai)),
        Err(failure) => return failure.into_response(),
    };
    let Some(ecole) = ecole else {
        return ApiFailure::new(
            StatusCode::NOT_FOUND,
            ErrorCode::EtablissementInconnu,
            "Cet établissement n'est pas servi par ce service central : choisissez le vôtre sur l'écran de connexion, ou vérifiez l'adresse du service configurée sur ce poste.",
        )
        .into_response();
    };
    match ecole.router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The school a request names, if it names one.
fn named(request: &Request) -> Result<Option<Uai>, ApiFailure> {
    let Some(value) = request.headers().get(HEADER_ETABLISSEMENT) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    Uai::parse(text)
        .map(Some)
        .map_err(|e| ApiFailure::bad_request(format!("En-tête d'établissement invalide : {e}.")))
}
