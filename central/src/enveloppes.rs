//! Delivery of sealed envelopes (`pupitre_sync_protocol::enveloppe`): whoever carries one
//! posts it here without any session. The central opens it, checks its signature and key
//! (registered, not revoked, the account active, the PC it was registered from), refuses a
//! second delivery, then pushes its changes as their author's, through the same path and
//! authorization as her own push. The carrier learns only whether it was delivered.

use crate::api::{Adresse, AuditOwned, Central};
use crate::clock::now_ms;
use crate::connexion::cle_depot;
use crate::db::audit::Quoi;
use crate::db::{accounts, depot, school};
use crate::error::ApiFailure;
use crate::limites;
use crate::push::{self, PushError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use pupitre_domain::Personnel;
use pupitre_sync_protocol::enveloppe::{self, CleDepot};
use pupitre_sync_protocol::wire::{DepotResponse, ErrorCode, MAX_PUSH_CHANGES};
use rusqlite::Connection;

/// Why an envelope is refused, as the carrier and the audit log read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refus {
    Ouverture(enveloppe::Refus),
    CleInconnue,
    CleRevoquee,
    AutrePoste,
    CompteDesactive,
    DejaRemise,
    TropDeModifications,
    Journal(String),
}

impl Refus {
    pub fn message(&self) -> String {
        match self {
            Refus::Ouverture(e) => format!("Enveloppe refusée : {e}."),
            Refus::CleInconnue => "Enveloppe refusée : signée d'une clé que ce service central ne connaît pas.".into(),
            Refus::CleRevoquee => "Enveloppe refusée : signée d'une clé révoquée (mot de passe réinitialisé ou compte désactivé depuis).".into(),
            Refus::AutrePoste => "Enveloppe refusée : elle ne vient pas du poste où sa clé a été enregistrée.".into(),
            Refus::CompteDesactive => "Enveloppe refusée : le compte de son auteur est désactivé.".into(),
            Refus::DejaRemise => "Enveloppe déjà remise : une seconde remise est refusée.".into(),
            Refus::TropDeModifications => format!("Enveloppe refusée : plus de {MAX_PUSH_CHANGES} modifications."),
            Refus::Journal(why) => format!(
                "Enveloppe refusée : {why} Ses saisies partiront à la prochaine connexion de leur auteur sur ce poste."
            ),
        }
    }
}

/// What a delivery did: who the author was (for the audit) and the outcome.
pub struct Remise {
    pub personnel_id: Option<String>,
    pub client_id: Option<String>,
    pub result: Result<usize, Refus>,
}

fn refused(why: Refus) -> Remise {
    Remise {
        personnel_id: None,
        client_id: None,
        result: Err(why),
    }
}

/// The author an envelope is delivered as, or why it may not be.
fn recevable(
    conn: &Connection,
    opened: &enveloppe::Ouverte,
    owner: &depot::KeyOwner,
) -> Result<Result<Personnel, Refus>, ApiFailure> {
    let push = &opened.contenu.push;
    if owner.revoked {
        return Ok(Err(Refus::CleRevoquee));
    }
    if push.client_id.0.to_string() != owner.client_id {
        return Ok(Err(Refus::AutrePoste));
    }
    let active = accounts::compte_of(conn, &owner.personnel_id)?.is_some_and(|c| !c.desactive);
    let Some(personnel) = school::personnel(conn, &owner.personnel_id)?.filter(|_| active) else {
        return Ok(Err(Refus::CompteDesactive));
    };
    if push.changes.len() > MAX_PUSH_CHANGES {
        return Ok(Err(Refus::TropDeModifications));
    }
    if depot::was_delivered(conn, &opened.contenu.id.to_string())? {
        return Ok(Err(Refus::DejaRemise));
    }
    Ok(Ok(personnel))
}

/// Checks an opened envelope's key and pushes its changes as their author's, in one call on
/// the database.
pub fn remettre(
    conn: &mut Connection,
    opened: &enveloppe::Ouverte,
    now_ms: u64,
) -> Result<Remise, ApiFailure> {
    let Some(owner) = depot::key_owner(conn, &opened.signer)? else {
        return Ok(refused(Refus::CleInconnue));
    };
    let push = &opened.contenu.push;
    let remise = |result| Remise {
        personnel_id: Some(owner.personnel_id.clone()),
        client_id: Some(owner.client_id.clone()),
        result,
    };
    let personnel = match recevable(conn, opened, &owner)? {
        Ok(personnel) => personnel,
        Err(why) => return Ok(remise(Err(why))),
    };
    // Written earlier than delivered: the PC's clock offset at writing is unknown here.
    let outcomes = match push::push(
        conn,
        &personnel,
        &push.client_id,
        &push.log,
        &push.changes,
        0,
        now_ms,
    ) {
        Ok(outcomes) => outcomes,
        Err(e @ (PushError::LogChanged | PushError::UnknownEpoch)) => {
            return Ok(remise(Err(Refus::Journal(e.to_string()))));
        }
        Err(e) => return Err(e.into()),
    };
    let client = &push.client_id;
    let from = push::Pusher {
        who: &personnel,
        client,
        adresse: None,
    };
    push::audit_refusals(conn, &from, &push.changes, &outcomes, now_ms)?;
    depot::record_delivery(conn, &opened.contenu.id.to_string(), &opened.signer, now_ms)?;
    Ok(remise(Ok(outcomes.len())))
}

pub async fn deliver(
    State(central): State<Central>,
    Adresse(adresse): Adresse,
    body: axum::body::Bytes,
) -> Result<Json<DepotResponse>, ApiFailure> {
    let address_key = adresse.clone().unwrap_or_default();
    let wait = central
        .limites()
        .enveloppes_refusees
        .wait(&address_key, now_ms());
    if let Some(wait) = wait {
        return Err(ApiFailure::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TropDeTentatives,
            format!(
                "Trop d'enveloppes refusées depuis ce poste : {}.",
                limites::attendre(wait)
            ),
        ));
    }
    // Opened and verified outside the database's lock: a flood of garbage costs no one's
    // sync.
    let secret = central
        .db
        .call(|conn| {
            cle_depot(conn)
                .map(|k| k.secret_bytes())
                .map_err(ApiFailure::from)
        })
        .await?;
    let remise = match enveloppe::ouvrir(&body, &CleDepot::from_bytes(secret)) {
        Ok(opened) => {
            central
                .db
                .call(move |conn| remettre(conn, &opened, now_ms()))
                .await?
        }
        Err(e) => refused(Refus::Ouverture(e)),
    };
    if remise.result.is_err() {
        central
            .limites()
            .enveloppes_refusees
            .record(&address_key, now_ms());
    }
    let event = |detail: String| AuditOwned {
        personnel_id: remise.personnel_id.clone(),
        client_id: remise.client_id.clone(),
        adresse: adresse.clone(),
        detail,
        ..Default::default()
    };
    match &remise.result {
        Ok(n) => {
            let detail = format!("{n} modification(s) remise(s) par un autre poste ou session");
            central.audit(Quoi::EnveloppeRemise, event(detail)).await;
            central.note_high_water().await?;
            Ok(Json(DepotResponse {
                message: "Enveloppe remise.".into(),
            }))
        }
        Err(why) => {
            central
                .audit(Quoi::EnveloppeRefusee, event(why.message()))
                .await;
            Err(ApiFailure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Enveloppe,
                why.message(),
            ))
        }
    }
}
