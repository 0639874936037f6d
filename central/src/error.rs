//! Errors of the central service, and their HTTP form: a status and `{code, message}` in French.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pupitre_sync_protocol::wire::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    #[error("base de données : {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("entrée/sortie : {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Open(#[from] pupitre_school_db::OpenError),
    #[error("{0}")]
    Invalid(String),
    /// The database's queue is full (`Db`): the client comes back after `RETRY_AFTER_S`.
    #[error("service central surchargé")]
    Occupe,
}

/// The seconds a client is told to wait (`Retry-After`) when the central is overloaded.
pub const RETRY_AFTER_S: u64 = 1;

/// A refusal of a request, as the client receives it.
#[derive(Debug)]
pub struct ApiFailure {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
}

impl ApiFailure {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiFailure {
        ApiFailure {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized() -> ApiFailure {
        ApiFailure::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Session,
            "Session expirée ou inconnue : reconnectez-vous.",
        )
    }

    pub fn bad_request(message: impl Into<String>) -> ApiFailure {
        ApiFailure::new(StatusCode::BAD_REQUEST, ErrorCode::RequeteInvalide, message)
    }
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}) : {}",
            self.status,
            self.code.as_str(),
            self.message
        )
    }
}

impl From<CentralError> for ApiFailure {
    fn from(e: CentralError) -> Self {
        if matches!(e, CentralError::Occupe) {
            return ApiFailure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Surcharge,
                "Le service central est très sollicité : vos saisies restent sur ce poste et repartent d'elles-mêmes dans un instant.",
            );
        }
        tracing::error!("internal error: {e}");
        ApiFailure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Interne,
            "Erreur interne du service central. Réessayez ; si cela persiste, prévenez l'administrateur.",
        )
    }
}

impl From<crate::push::PushError> for ApiFailure {
    fn from(e: crate::push::PushError) -> Self {
        use crate::push::PushError;
        match e {
            PushError::LogChanged => ApiFailure::new(
                StatusCode::CONFLICT,
                ErrorCode::JournalChange,
                e.to_string(),
            ),
            PushError::UnknownEpoch => ApiFailure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::EpoqueInconnue,
                e.to_string(),
            ),
            PushError::Central(e) => e.into(),
        }
    }
}

impl From<rusqlite::Error> for ApiFailure {
    fn from(e: rusqlite::Error) -> Self {
        CentralError::Sql(e).into()
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let body = ApiError {
            code: self.code,
            message: self.message,
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(RETRY_AFTER_S),
            );
        }
        response
    }
}
