//! The notifications' outbox (`envois.sql`): a row made when the central accepts a message, and
//! every state its sending goes through, each recorded in one transaction with the change that
//! tells the replicas (field `envoi`, written by the central itself).

use crate::db::{identity, log};
use pupitre_domain::EntityKind;
use pupitre_domain::edit::FIELD_ENVOI;
use pupitre_domain::notifications::{EtatEnvoi, Notification};
use pupitre_sync_protocol::change::Effect;
use pupitre_sync_protocol::{ClientId, EntityRef, Hlc, OpId, ServerChange};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

/// The author the central writes its own changes as.
pub const CENTRAL_AUTHOR: &str = "central";

/// A notification due to be sent.
#[derive(Debug, Clone)]
pub struct Du {
    pub entity_id: String,
    pub message: Notification,
    pub message_id: String,
    pub tentatives: u32,
    /// Why the last try failed, if it did.
    pub erreur: Option<String>,
}

fn etat_str(etat: EtatEnvoi) -> &'static str {
    match etat {
        EtatEnvoi::EnAttente => "en_attente",
        EtatEnvoi::Envoyee => "envoyee",
        EtatEnvoi::Echec => "echec",
        EtatEnvoi::Incertaine => "incertaine",
    }
}

/// Queues an accepted notification, under the Message-ID it will always have. Part of the push
/// transaction; a message already queued (the same record) is left as it is.
pub fn enqueue(
    conn: &Connection,
    entity_id: &str,
    message: &Notification,
    scope_key: &str,
    now_ms: u64,
) -> rusqlite::Result<()> {
    let log_id = identity::read(conn)?.log.log_id;
    let message_id = format!("<{}.{log_id}@pupitre.invalid>", entity_id.replace('/', "."));
    let text = serde_json::to_string(message)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(
        "INSERT INTO envois (entity_id, message, message_id, etat, prochain_ms, scope_key)
         VALUES (?1, ?2, ?3, 'en_attente', ?4, ?5) ON CONFLICT (entity_id) DO NOTHING",
    )?
    .execute(params![
        entity_id,
        text,
        message_id,
        now_ms as i64,
        scope_key
    ])?;
    Ok(())
}

/// The notifications waiting whose next try is due, oldest first.
pub fn dus(conn: &Connection, now_ms: u64, limit: u32) -> rusqlite::Result<Vec<Du>> {
    let mut stmt = conn.prepare_cached(
        "SELECT entity_id, message, message_id, tentatives, erreur FROM envois
         WHERE etat = 'en_attente' AND prochain_ms <= ?1 ORDER BY prochain_ms LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now_ms as i64, limit], |r| {
        let text: String = r.get(1)?;
        let message = serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
        })?;
        Ok(Du {
            entity_id: r.get(0)?,
            message,
            message_id: r.get(2)?,
            tentatives: r.get(3)?,
            erreur: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Every notification not yet settled (waiting), whatever its next try: what a restart
/// reconciles with the ledger.
pub fn non_reglees(conn: &Connection) -> rusqlite::Result<Vec<Du>> {
    dus(conn, u64::MAX >> 1, u32::MAX)
}

/// Puts off the next try of a notification still waiting for the same reason: the replicas
/// were told that reason already, so nothing new goes in the log.
pub fn reporter(
    conn: &Connection,
    entity_id: &str,
    tentatives: u32,
    prochain_ms: u64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE envois SET tentatives = ?2, prochain_ms = ?3 WHERE entity_id = ?1",
    )?
    .execute(params![entity_id, tentatives, prochain_ms as i64])?;
    Ok(())
}

/// Records what became of a sending: the row, and the change every vie scolaire replica pulls,
/// in one transaction. `prochain_ms`: when to try again, for a notification still waiting.
pub fn record(
    conn: &mut Connection,
    du: &Du,
    envoi: &pupitre_domain::notifications::Envoi,
    prochain_ms: u64,
    now_ms: u64,
) -> rusqlite::Result<u64> {
    let tx = conn.transaction()?;
    let scope_key: Option<String> = tx
        .query_row(
            "SELECT scope_key FROM envois WHERE entity_id = ?1",
            [&du.entity_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(scope_key) = scope_key else {
        return Err(rusqlite::Error::QueryReturnedNoRows);
    };
    tx.prepare_cached(
        "UPDATE envois SET etat = ?2, tentatives = ?3, erreur = ?4, prochain_ms = ?5
         WHERE entity_id = ?1",
    )?
    .execute(params![
        du.entity_id,
        etat_str(envoi.etat),
        envoi.tentatives,
        envoi.erreur,
        prochain_ms as i64
    ])?;
    let value = serde_json::to_value(envoi)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let head = log::head(&tx)?;
    let change = ServerChange {
        server_seq: 0,
        op_id: OpId(Uuid::new_v4()),
        client_id: ClientId(Uuid::nil()),
        client_seq: head + 1,
        author_id: CENTRAL_AUTHOR.into(),
        entity: EntityRef {
            kind: EntityKind::Notification,
            id: du.entity_id.clone(),
        },
        field: FIELD_ENVOI.into(),
        value,
        hlc: Hlc {
            wall_ms: now_ms,
            counter: 0,
        },
        received_ms: now_ms,
        effect: Effect::Applied,
        scope_key,
        resolves: None,
    };
    let seq = log::append(
        &tx,
        &change,
        log::Arrival {
            base_version: 0,
            base_own: None,
            base_op: None,
            prior_seq: None,
            received_ms: now_ms,
            erases: false,
        },
    )?;
    tx.commit()?;
    Ok(seq)
}
