//! Logging in, refreshing a session's tokens, logging out, changing one's password. Failed
//! logins are limited per account and per address before any password is hashed, and audited.

use crate::api::{Adresse, AuditOwned, Caller, Central, parse_body};
use crate::auth;
use crate::clock::now_ms;
use crate::db::audit::Quoi;
use crate::db::{accounts, depot, log, school};
use crate::error::{ApiFailure, CentralError};
use crate::limites;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use pupitre_sync_protocol::enveloppe::CleDepot;
use pupitre_sync_protocol::wire::{
    ErrorCode, Jetons, LoginRequest, LoginResponse, PasswordChangeRequest, RefreshRequest,
};
use rusqlite::Connection;

fn wrong() -> ApiFailure {
    ApiFailure::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Identifiants,
        "Identifiant ou mot de passe incorrect. Vérifiez la saisie (majuscules comprises).",
    )
}

fn too_many(wait_ms: u64) -> ApiFailure {
    ApiFailure::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::TropDeTentatives,
        format!(
            "Trop d'essais de connexion manqués pour ce compte ou depuis ce poste : {}. En cas d'oubli du mot de passe, demandez à l'administrateur de le réinitialiser.",
            limites::attendre(wait_ms)
        ),
    )
}

pub async fn login(
    State(central): State<Central>,
    Adresse(adresse): Adresse,
    body: axum::body::Bytes,
) -> Result<Json<LoginResponse>, ApiFailure> {
    let request: LoginRequest = parse_body(&body)?;
    let login = request.login.trim().to_lowercase();
    let address_key = adresse.clone().unwrap_or_default();
    let audit = AuditOwned {
        login: Some(login.clone()),
        client_id: Some(request.client_id.0.to_string()),
        adresse: adresse.clone(),
        ..Default::default()
    };
    let wait = central.limites().wait_login(&login, &address_key, now_ms());
    if let Some(wait) = wait {
        let detail = "connexion refusée sans vérifier le mot de passe : trop d'échecs récents";
        central
            .audit(
                Quoi::TropDeTentatives,
                AuditOwned {
                    detail: detail.into(),
                    ..audit
                },
            )
            .await;
        return Err(too_many(wait));
    }
    let who = login.clone();
    let compte = central
        .db
        .call(move |conn| accounts::compte(conn, &who).map_err(ApiFailure::from))
        .await?;
    // An unknown login costs the same check, so that timing does not reveal which exist.
    let hash = compte
        .as_ref()
        .map_or(auth::DUMMY_HASH.to_owned(), |c| c.password_hash.clone());
    let verified = central
        .verify_password(request.password.clone(), hash)
        .await;
    let Some(compte) = compte.filter(|_| verified) else {
        central
            .limites()
            .failed_login(&login, &address_key, now_ms());
        let detail = "identifiant ou mot de passe incorrect";
        return Err(refuse(&central, audit, detail, wrong()).await);
    };
    if compte.desactive {
        return Err(refuse(&central, audit, "compte désactivé", desactive()).await);
    }
    central.limites().echecs_compte.clear(&login);
    let answer = central
        .db
        .call(move |conn| open_login(conn, &compte.personnel_id, &request))
        .await?;
    Ok(Json(LoginResponse {
        server_hlc: central.clock.tick(),
        ..answer
    }))
}

/// Audits a refused login, then refuses it.
async fn refuse(central: &Central, audit: AuditOwned, detail: &str, why: ApiFailure) -> ApiFailure {
    let event = AuditOwned {
        detail: detail.into(),
        ..audit
    };
    central.audit(Quoi::ConnexionRefusee, event).await;
    why
}

fn desactive() -> ApiFailure {
    ApiFailure::new(
        StatusCode::FORBIDDEN,
        ErrorCode::CompteDesactive,
        "Ce compte est désactivé : adressez-vous à l'administrateur de l'établissement. Les saisies de ce poste y restent.",
    )
}

/// After the password is checked: registers the PC and its envelope key, opens the session.
fn open_login(
    conn: &mut Connection,
    personnel_id: &str,
    request: &LoginRequest,
) -> Result<LoginResponse, ApiFailure> {
    let now = now_ms();
    let tx = conn.transaction().map_err(ApiFailure::from)?;
    let other_pc = || {
        ApiFailure::new(
            StatusCode::CONFLICT,
            ErrorCode::Poste,
            "Ce poste est déjà enregistré pour une autre personne : supprimez ses données locales et reconnectez-vous.",
        )
    };
    if !log::register_client(&tx, &request.client_id, personnel_id)? {
        return Err(other_pc());
    }
    let client = request.client_id.0.to_string();
    if let Some(key) = &request.cle_envoi
        && !depot::register_key(&tx, key, personnel_id, &client, now)?
    {
        return Err(other_pc());
    }
    accounts::purge_expired(&tx, now)?;
    let jetons = auth::open_session(&tx, personnel_id, &client, now)?;
    let personnel = school::personnel(&tx, personnel_id)?.ok_or_else(|| {
        ApiFailure::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Identifiants,
            "Ce compte n'est rattaché à aucun personnel de l'établissement : prévenez l'administrateur.",
        )
    })?;
    let cle_depot = cle_depot(&tx)?;
    let etablissement = crate::ecoles::servie(&tx)?.map(|e| e.uai);
    tx.commit().map_err(ApiFailure::from)?;
    Ok(LoginResponse {
        jetons,
        personnel,
        server_hlc: Default::default(),
        cle_depot: Some(cle_depot.public_bytes()),
        etablissement,
    })
}

/// The central's envelope key pair, made at the first login that needs it.
pub fn cle_depot(conn: &Connection) -> rusqlite::Result<CleDepot> {
    if let Some(secret) = depot::secret(conn)? {
        return Ok(CleDepot::from_bytes(secret));
    }
    let fresh = CleDepot::generate(&mut argon2::password_hash::rand_core::OsRng);
    Ok(CleDepot::from_bytes(depot::keep_secret(
        conn,
        fresh.secret_bytes(),
    )?))
}

/// A new pair of tokens for the refresh token presented, which retires. A retired one
/// presented again ends the session and is audited: a copy of it exists somewhere.
pub async fn refresh(
    State(central): State<Central>,
    Adresse(adresse): Adresse,
    body: axum::body::Bytes,
) -> Result<Json<Jetons>, ApiFailure> {
    let request: RefreshRequest = parse_body(&body)?;
    let presented = auth::token_hash(&request.refresh_token);
    let found = central
        .db
        .call(move |conn| -> Result<_, ApiFailure> {
            let now = now_ms();
            Ok(match accounts::find_refresh(conn, &presented, now)? {
                accounts::Refresh::Rotate { session_id } => {
                    Ok(auth::rotate_session(conn, &session_id, &presented, now)?)
                }
                accounts::Refresh::Reused { personnel_id } => Err(Some(personnel_id)),
                accounts::Refresh::Unknown => Err(None),
            })
        })
        .await?;
    match found {
        Ok(jetons) => Ok(Json(jetons)),
        Err(Some(personnel_id)) => {
            let detail = "jeton de renouvellement déjà utilisé : session terminée";
            let event = AuditOwned {
                personnel_id: Some(personnel_id),
                adresse,
                detail: detail.into(),
                ..Default::default()
            };
            central.audit(Quoi::JetonReutilise, event).await;
            Err(ApiFailure::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Session,
                "Session terminée par sécurité (son jeton avait déjà servi ailleurs) : reconnectez-vous.",
            ))
        }
        Err(None) => Err(ApiFailure::unauthorized()),
    }
}

/// Ends the caller's session: both its tokens stop working at once.
pub async fn logout(
    State(central): State<Central>,
    caller: Caller,
) -> Result<StatusCode, ApiFailure> {
    central
        .db
        .call(move |conn| {
            accounts::delete_session(conn, &caller.session_id).map_err(ApiFailure::from)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the caller's password, given the current one. Every other session of the person
/// ends (a PC where someone else was logged in as her is logged out).
pub async fn change_password(
    State(central): State<Central>,
    caller: Caller,
    Adresse(adresse): Adresse,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiFailure> {
    let request: PasswordChangeRequest = parse_body(&body)?;
    let personnel_id = caller.personnel.id.clone();
    let who = personnel_id.clone();
    let compte = central
        .db
        .call(move |conn| accounts::compte_of(conn, &who).map_err(ApiFailure::from))
        .await?
        .ok_or_else(ApiFailure::unauthorized)?;
    let login = compte.login;
    if !central
        .verify_password(request.ancien.clone(), compte.password_hash)
        .await
    {
        return Err(ApiFailure::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Identifiants,
            "Mot de passe actuel incorrect : le mot de passe n'a pas été changé.",
        ));
    }
    if let Some(problem) = auth::password_problem(&login, &request.nouveau) {
        return Err(ApiFailure::bad_request(problem));
    }
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&request.nouveau))
        .await
        .map_err(|e| CentralError::Invalid(e.to_string()))?
        .map_err(|e| CentralError::Invalid(e.to_string()))?;
    let session = caller.session_id.clone();
    let id = personnel_id.clone();
    central
        .db
        .call(move |conn| -> Result<(), ApiFailure> {
            let tx = conn.transaction()?;
            accounts::set_password(&tx, &id, &hash)?;
            accounts::delete_sessions_of(&tx, &id, Some(&session))?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    let event = AuditOwned {
        personnel_id: Some(personnel_id),
        client_id: Some(caller.client_id.0.to_string()),
        adresse,
        detail: "mot de passe changé par son titulaire ; ses autres sessions sont fermées".into(),
        ..Default::default()
    };
    central.audit(Quoi::MotDePasseChange, event).await;
    Ok(StatusCode::NO_CONTENT)
}
