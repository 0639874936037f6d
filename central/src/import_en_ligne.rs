//! The year's import sent by the direction or the administrator from the app (`POST
//! /v1/import`): the files of `pupitre-central import`, into the session's school, in one
//! transaction, audited. A school's archive is not taken here: it goes into an empty central,
//! by the command.

use crate::api::{AuditOwned, Caller, Central, parse_body};
use crate::archive;
use crate::clock;
use crate::db::audit::Quoi;
use crate::error::ApiFailure;
use crate::import::{self, ImportError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::NaiveDate;
use pupitre_sync_protocol::wire::{ErrorCode, ImportRequest, ImportResponse};

/// The largest import accepted (a lycée's SIECLE exports are a few MiB, base64 adds a third).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

fn refuse(message: impl Into<String>) -> ApiFailure {
    ApiFailure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ImportRefuse,
        message,
    )
}

/// The files of a request, decoded, or why not.
fn fichiers(request: &ImportRequest) -> Result<Vec<(String, Vec<u8>)>, ApiFailure> {
    if request.fichiers.is_empty() {
        return Err(refuse(
            "Aucun fichier à importer : choisissez les exports SIECLE et STS-Web.",
        ));
    }
    let mut out = Vec::new();
    for f in &request.fichiers {
        let octets = BASE64.decode(&f.contenu).map_err(|_| {
            ApiFailure::bad_request(format!(
                "Le fichier {} n'a pas été transmis en entier.",
                f.nom
            ))
        })?;
        if archive::est_une_archive(&octets) {
            return Err(refuse(format!(
                "{} est l'archive d'un établissement : elle s'importe avec la commande « pupitre-central import », dans un service central vide.",
                f.nom
            )));
        }
        out.push((f.nom.clone(), octets));
    }
    Ok(out)
}

pub async fn importer(
    State(central): State<Central>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Json<ImportResponse>, ApiFailure> {
    pupitre_domain::droits::may_import(caller.personnel.fonction)
        .map_err(|why| ApiFailure::new(StatusCode::FORBIDDEN, ErrorCode::RequeteInvalide, why))?;
    let request: ImportRequest = parse_body(&body)?;
    let le = match &request.date {
        Some(date) => NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| refuse(format!("Date « {date} » illisible : attendu AAAA-MM-JJ.")))?,
        None => clock::today(),
    };
    let fichiers = fichiers(&request)?;
    let noms: Vec<String> = fichiers.iter().map(|(n, _)| n.clone()).collect();
    let db = central.db.clone();
    let done = tokio::task::spawn_blocking(move || import::importer(&db, &fichiers, None, le))
        .await
        .map_err(|e| crate::error::CentralError::Invalid(format!("import interrompu : {e}")))?;
    let rapport = match done {
        Ok(rapport) => rapport,
        Err(ImportError::Fichier(e)) => return Err(refuse(e.to_string())),
        Err(ImportError::Central(e)) => return Err(e.into()),
    };
    central.note_high_water().await?;
    let event = AuditOwned {
        personnel_id: Some(caller.personnel.id.clone()),
        client_id: Some(caller.client_id.0.to_string()),
        detail: format!(
            "{} (effet le {le}) : {} changements pour les postes",
            noms.join(", "),
            rapport.mouvements
        ),
        ..Default::default()
    };
    central.audit(Quoi::AnneeImportee, event).await;
    Ok(Json(ImportResponse {
        rapport: rapport.to_string(),
    }))
}
