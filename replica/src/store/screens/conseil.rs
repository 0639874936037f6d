//! A class council's records for a division and period: its state, the subjects'
//! appreciations and positionnements of the period, and the council's decisions per pupil.

use crate::conseil::DecisionsRow;
use crate::error::ReplicaError;
use pupitre_domain::edit::{
    FIELD_APPRECIATION, FIELD_MENTION, FIELD_ORIENTATION, FIELD_VIE_SCOLAIRE,
};
use pupitre_domain::{EntityKey, EntityKind, EtatConseil, Niveau};
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;

/// The council's state as this PC holds it (`Preparation` until someone moves it).
pub fn etat(
    conn: &Connection,
    periode_id: &str,
    division_id: &str,
) -> Result<EtatConseil, ReplicaError> {
    let key = EntityKey::Conseil {
        periode_id: periode_id.to_owned(),
        division_id: division_id.to_owned(),
    };
    let value: Option<String> = conn
        .prepare_cached(
            "SELECT value FROM fields WHERE kind = 'conseil' AND field = 'etat' AND entity_id = ?1",
        )?
        .query_row([key.id()], |r| r.get(0))
        .optional()?;
    etat_stocke(value)
}

/// When the council's state shown was written (its author's clock, data): for a closed
/// council, the day it was held.
pub fn ecrit_le_ms(
    conn: &Connection,
    periode_id: &str,
    division_id: &str,
) -> Result<Option<i64>, ReplicaError> {
    let key = EntityKey::Conseil {
        periode_id: periode_id.to_owned(),
        division_id: division_id.to_owned(),
    };
    Ok(conn
        .prepare_cached(
            "SELECT at_ms FROM fields WHERE kind = 'conseil' AND field = 'etat' AND entity_id = ?1",
        )?
        .query_row([key.id()], |r| r.get(0))
        .optional()?)
}

/// A council's stored state (none: `Preparation`).
fn etat_stocke(value: Option<String>) -> Result<EtatConseil, ReplicaError> {
    match value {
        None => Ok(EtatConseil::default()),
        Some(v) => serde_json::from_str(&v)
            .map_err(|e| ReplicaError::Corrupt(format!("état de conseil : {e}"))),
    }
}

/// What a decision's entry is checked against on this PC, read without the council's whole
/// page: the class's code and level, the period's name, the council's state, whether the pupil
/// was in the class this year, and the field's value shown (JSON).
pub struct Cadre {
    pub division: String,
    pub niveau: String,
    pub periode: String,
    pub etat: EtatConseil,
    pub eleve_de_la_classe: bool,
    pub valeur: Option<serde_json::Value>,
}

pub fn cadre(
    conn: &Connection,
    key: &EntityKey,
    field: &str,
) -> Result<Option<Cadre>, ReplicaError> {
    let EntityKey::Decision {
        periode_id,
        division_id,
        eleve_id,
    } = key
    else {
        return Ok(None);
    };
    let row: Option<(String, String, String, bool)> = conn
        .prepare_cached(
            "SELECT d.code, d.niveau, p.libelle,
                EXISTS (SELECT 1 FROM eleve_divisions x WHERE x.eleve_id = ?3 AND x.division_id = d.id)
             FROM divisions d, periodes p WHERE d.id = ?1 AND p.id = ?2",
        )?
        .query_row([division_id, periode_id, eleve_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((division, niveau, periode, eleve_de_la_classe)) = row else {
        return Ok(None);
    };
    let valeur: Option<String> = conn
        .prepare_cached(
            "SELECT value FROM fields WHERE kind = 'decision' AND entity_id = ?1 AND field = ?2",
        )?
        .query_row([key.id().as_str(), field], |r| r.get(0))
        .optional()?;
    Ok(Some(Cadre {
        division,
        niveau,
        periode,
        etat: etat(conn, periode_id, division_id)?,
        eleve_de_la_classe,
        valeur: valeur.and_then(|v| serde_json::from_str(&v).ok()),
    }))
}

/// `(entity id, field, value)` of every record of `kind` under `parent/`.
fn under(
    conn: &Connection,
    kind: EntityKind,
    parent: &str,
) -> Result<Vec<(String, String, String)>, ReplicaError> {
    let (from, to) = EntityKey::children_range(parent);
    let mut stmt = conn.prepare_cached(
        "SELECT entity_id, field, value FROM fields WHERE kind = ?1 AND entity_id >= ?2 AND entity_id < ?3",
    )?;
    let rows = stmt.query_map([kind.as_str(), &from, &to], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The period's appreciations and typed positionnements, by (service, pupil).
#[allow(clippy::type_complexity)]
pub fn textes(
    conn: &Connection,
    periode_id: &str,
) -> Result<
    (
        HashMap<(String, String), String>,
        HashMap<(String, String), Niveau>,
    ),
    ReplicaError,
> {
    let mut appreciations = HashMap::new();
    for (id, _, value) in under(conn, EntityKind::Appreciation, periode_id)? {
        if let (
            Ok(EntityKey::Appreciation {
                service_id,
                eleve_id,
                ..
            }),
            Ok(texte),
        ) = (
            EntityKey::parse(EntityKind::Appreciation, &id),
            serde_json::from_str::<String>(&value),
        ) {
            appreciations.insert((service_id, eleve_id), texte);
        }
    }
    let mut positionnements = HashMap::new();
    for (id, _, value) in under(conn, EntityKind::Positionnement, periode_id)? {
        if let (
            Ok(EntityKey::Positionnement {
                service_id,
                eleve_id,
                ..
            }),
            Ok(Some(niveau)),
        ) = (
            EntityKey::parse(EntityKind::Positionnement, &id),
            serde_json::from_str::<Option<Niveau>>(&value),
        ) {
            positionnements.insert((service_id, eleve_id), niveau);
        }
    }
    Ok((appreciations, positionnements))
}

/// The council's decisions per pupil, with how many of her fields are in a conflict or unsent.
pub fn decisions(
    conn: &Connection,
    periode_id: &str,
    division_id: &str,
) -> Result<HashMap<String, DecisionsRow>, ReplicaError> {
    let parent = format!("{periode_id}/{division_id}");
    let mut out: HashMap<String, DecisionsRow> = HashMap::new();
    let bad = |e: serde_json::Error| ReplicaError::Corrupt(format!("décision de conseil : {e}"));
    for (id, field, value) in under(conn, EntityKind::Decision, &parent)? {
        let Ok(EntityKey::Decision { eleve_id, .. }) = EntityKey::parse(EntityKind::Decision, &id)
        else {
            continue;
        };
        let row = out.entry(eleve_id).or_default();
        match field.as_str() {
            FIELD_APPRECIATION => row.appreciation = serde_json::from_str(&value).map_err(bad)?,
            FIELD_MENTION => row.mention = serde_json::from_str(&value).map_err(bad)?,
            FIELD_ORIENTATION => row.orientation = serde_json::from_str(&value).map_err(bad)?,
            FIELD_VIE_SCOLAIRE => row.vie_scolaire = serde_json::from_str(&value).map_err(bad)?,
            _ => {}
        }
    }
    let (from, to) = EntityKey::children_range(&parent);
    let count = |sql: &str| -> Result<Vec<(String, u32)>, ReplicaError> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([&from, &to], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    };
    for (id, n) in count(
        "SELECT entity_id, COUNT(*) FROM conflicts WHERE kind = 'decision' AND resolving IS NULL
         AND entity_id >= ?1 AND entity_id < ?2 GROUP BY entity_id",
    )? {
        if let Ok(EntityKey::Decision { eleve_id, .. }) =
            EntityKey::parse(EntityKind::Decision, &id)
        {
            out.entry(eleve_id).or_default().conflits = n;
        }
    }
    for (id, n) in count(
        "SELECT entity_id, COUNT(*) FROM outbox WHERE kind = 'decision'
         AND entity_id >= ?1 AND entity_id < ?2 GROUP BY entity_id",
    )? {
        if let Ok(EntityKey::Decision { eleve_id, .. }) =
            EntityKey::parse(EntityKind::Decision, &id)
        {
            out.entry(eleve_id).or_default().en_attente = n;
        }
    }
    Ok(out)
}

/// Every division's council for a period: `(line, its professeur principal)`, by class.
pub fn conseils(
    conn: &Connection,
    periode_id: &str,
) -> Result<Vec<(crate::conseil::ConseilLigne, Option<String>)>, ReplicaError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.code, d.professeur_principal_id,
            (SELECT value FROM fields WHERE kind = 'conseil' AND field = 'etat'
                AND entity_id = conseil_id(?1, d.id))
         FROM divisions d ORDER BY d.code",
    )?;
    let rows = stmt.query_map([periode_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (division_id, division, principal, etat) = row?;
        let etat = etat_stocke(etat)?;
        out.push((
            crate::conseil::ConseilLigne {
                division_id,
                division,
                etat: etat.etat,
                reouvertures: etat.reouvertures,
            },
            principal,
        ));
    }
    Ok(out)
}
