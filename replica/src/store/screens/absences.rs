//! The vie scolaire desk's reads (Absences, a pupil's file, the L131-8 monitor): the reference
//! data, every roll-call record, absence and dispense here, and the settings, as stored rows;
//! `crate::vie_scolaire` assembles them.

use super::notes::{Lire, records};
use crate::error::ReplicaError;
use crate::vie_scolaire::{AbsenceRow, DispenseRow, NotificationRow, PresenceRow, Rows};
use pupitre_domain::absences::{Absence, Dispense, Justification, Reglages};
use pupitre_domain::edit::{
    FIELD_DEFINITION, FIELD_ENVOI, FIELD_FAIT, FIELD_JUSTIFICATION, FIELD_MESSAGE, FIELD_RAPPORT,
    FIELD_STATUT, FIELD_VALEUR, REGLAGES_ID,
};
use pupitre_domain::notifications::{Envoi, Notification};
use pupitre_domain::{EntityKey, EntityKind};
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;

/// Everything the desk is assembled from.
pub fn rows(conn: &Connection) -> Result<Rows, ReplicaError> {
    Ok(Rows {
        school: pupitre_school_db::read_school(conn)?,
        presences: presences(conn)?,
        absences: absences(conn)?,
        dispenses: dispenses(conn)?,
        reglages: reglages(conn)?,
    })
}

fn corrupt(what: &str, id: &str, e: impl std::fmt::Display) -> ReplicaError {
    ReplicaError::Corrupt(format!("{what} {id} : {e}"))
}

/// Every roll-call record here, by séance then pupil.
fn presences(
    conn: &Connection,
) -> Result<HashMap<String, HashMap<String, PresenceRow>>, ReplicaError> {
    let mut stmt = conn.prepare_cached(
        "SELECT entity_id, field, value FROM fields WHERE kind = 'presence' AND value IS NOT NULL",
    )?;
    let mut rows = stmt.query([])?;
    let mut out: HashMap<String, HashMap<String, PresenceRow>> = HashMap::new();
    while let Some(r) = rows.next()? {
        let (id, field, value): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let Ok(EntityKey::Presence {
            seance_id,
            eleve_id,
        }) = EntityKey::parse(EntityKind::Presence, &id)
        else {
            return Err(corrupt("présence", &id, "identifiant illisible"));
        };
        let row = out
            .entry(seance_id)
            .or_default()
            .entry(eleve_id)
            .or_default();
        let bad = |e: serde_json::Error| corrupt("présence", &id, e);
        match field.as_str() {
            FIELD_STATUT => row.statut = serde_json::from_str(&value).map_err(bad)?,
            FIELD_FAIT => row.fait = serde_json::from_str(&value).map_err(bad)?,
            FIELD_JUSTIFICATION => row.justification = serde_json::from_str(&value).map_err(bad)?,
            FIELD_RAPPORT => row.rapport = serde_json::from_str(&value).map_err(bad)?,
            _ => {}
        }
    }
    Ok(out)
}

/// Every absence here, deleted ones left out, with its justification.
pub fn absences(conn: &Connection) -> Result<Vec<AbsenceRow>, ReplicaError> {
    let justifications: HashMap<String, Justification> =
        records::<Justification>(conn, EntityKind::Absence, FIELD_JUSTIFICATION, Lire::Tout)?
            .into_iter()
            .map(|r| (r.key.id(), r.value))
            .collect();
    let mut out = Vec::new();
    for r in records::<Absence>(conn, EntityKind::Absence, FIELD_DEFINITION, Lire::Tout)? {
        if let EntityKey::Absence {
            eleve_id,
            absence_id,
        } = &r.key
        {
            out.push(AbsenceRow {
                justification: justifications.get(&r.key.id()).cloned(),
                eleve_id: eleve_id.clone(),
                absence_id: absence_id.clone(),
                absence: r.value,
                sync: r.sync,
            });
        }
    }
    Ok(out)
}

/// Every dispense here, deleted ones left out.
pub fn dispenses(conn: &Connection) -> Result<Vec<DispenseRow>, ReplicaError> {
    Ok(
        records::<Dispense>(conn, EntityKind::Dispense, FIELD_DEFINITION, Lire::Tout)?
            .into_iter()
            .filter_map(|r| match r.key {
                EntityKey::Dispense {
                    eleve_id,
                    dispense_id,
                } => Some(DispenseRow {
                    eleve_id,
                    dispense_id,
                    dispense: r.value,
                }),
                _ => None,
            })
            .collect(),
    )
}

/// Every notification here, with its sending when the central has told it.
pub fn notifications(conn: &Connection) -> Result<Vec<NotificationRow>, ReplicaError> {
    let envois: HashMap<String, Envoi> =
        records::<Envoi>(conn, EntityKind::Notification, FIELD_ENVOI, Lire::Tout)?
            .into_iter()
            .map(|r| (r.key.id(), r.value))
            .collect();
    Ok(
        records::<Notification>(conn, EntityKind::Notification, FIELD_MESSAGE, Lire::Tout)?
            .into_iter()
            .filter_map(|r| match &r.key {
                EntityKey::Notification { eleve_id, jour } => Some(NotificationRow {
                    envoi: envois.get(&r.key.id()).cloned(),
                    eleve_id: eleve_id.clone(),
                    jour: jour.clone(),
                    message: r.value,
                    sync: r.sync,
                }),
                _ => None,
            })
            .collect(),
    )
}

/// The school's settings as this PC has them, or the defaults.
pub fn reglages(conn: &Connection) -> Result<Reglages, ReplicaError> {
    let value: Option<String> = conn
        .prepare_cached(
            "SELECT value FROM fields WHERE kind = 'reglages' AND entity_id = ?1 AND field = ?2",
        )?
        .query_row([REGLAGES_ID, FIELD_VALEUR], |r| r.get(0))
        .optional()?;
    match value {
        Some(text) => serde_json::from_str(&text).map_err(|e| corrupt("réglages", REGLAGES_ID, e)),
        None => Ok(Reglages::default()),
    }
}
