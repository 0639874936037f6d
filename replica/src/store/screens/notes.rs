//! The gradebook's reads (Notes): a service's devoirs, its pupils and their marks, as stored
//! rows; `crate::carnet` turns them into the grid and its averages.

use super::{CIBLE_CODE, ELEVES_DU_SERVICE};
use crate::carnet::{DevoirRow, EleveRow, NoteRow, ServiceRow};
use crate::error::ReplicaError;
use crate::views::etat_sync_conflit;
use chrono::NaiveDate;
use pupitre_domain::{ConseilEtat, Devoir, EntityKey, EntityKind};
use rusqlite::{Connection, params};

/// The devoirs of a service (`None`: of every service here), deleted ones left out.
pub fn devoirs(
    conn: &Connection,
    service_id: Option<&str>,
) -> Result<Vec<DevoirRow>, ReplicaError> {
    let (from, to) = range(service_id);
    let mut stmt = conn.prepare_cached(
        "SELECT f.entity_id, f.value,
            (SELECT MIN(o.state) FROM outbox o WHERE o.kind = 'devoir' AND o.entity_id = f.entity_id),
            f.version,
            EXISTS (SELECT 1 FROM conflicts k WHERE k.kind = 'devoir' AND k.resolving IS NULL
                AND k.entity_id = f.entity_id)
         FROM fields f
         WHERE f.kind = 'devoir' AND f.field = 'definition' AND f.entity_id >= ?1 AND f.entity_id < ?2
           AND NOT EXISTS (SELECT 1 FROM fields s WHERE s.kind = 'devoir' AND s.field = 'supprime'
                           AND s.entity_id = f.entity_id AND s.value = 'true')",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            etat_sync_conflit(r.get(2)?, r.get(3)?, r.get(4)?),
        ))
    })?;
    let mut devoirs = Vec::new();
    for row in rows {
        let (id, value, sync) = row?;
        let Ok(EntityKey::Devoir {
            service_id,
            devoir_id,
        }) = EntityKey::parse(EntityKind::Devoir, &id)
        else {
            return Err(ReplicaError::Corrupt(format!("devoir {id}")));
        };
        let devoir: Devoir = serde_json::from_str(&value)
            .map_err(|e| ReplicaError::Corrupt(format!("devoir {id} : {e}")))?;
        devoirs.push(DevoirRow {
            service_id,
            devoir_id,
            devoir,
            sync,
        });
    }
    Ok(devoirs)
}

/// The marks given in a service (`None`: in every service here), empty cells left out.
pub fn notes(conn: &Connection, service_id: Option<&str>) -> Result<Vec<NoteRow>, ReplicaError> {
    let (from, to) = range(service_id);
    let mut stmt = conn.prepare_cached(
        "SELECT f.entity_id, f.value,
            (SELECT MIN(o.state) FROM outbox o WHERE o.kind = 'note' AND o.entity_id = f.entity_id),
            f.version,
            EXISTS (SELECT 1 FROM conflicts k WHERE k.kind = 'note' AND k.resolving IS NULL
                AND k.entity_id = f.entity_id)
         FROM fields f
         WHERE f.kind = 'note' AND f.field = 'valeur' AND f.entity_id >= ?1 AND f.entity_id < ?2",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            etat_sync_conflit(r.get(2)?, r.get(3)?, r.get(4)?),
        ))
    })?;
    let mut notes = Vec::new();
    for row in rows {
        let (id, value, sync) = row?;
        let Ok(EntityKey::Note {
            service_id,
            devoir_id,
            eleve_id,
        }) = EntityKey::parse(EntityKind::Note, &id)
        else {
            return Err(ReplicaError::Corrupt(format!("note {id}")));
        };
        let note = serde_json::from_str(&value)
            .map_err(|e| ReplicaError::Corrupt(format!("note {id} : {e}")))?;
        notes.push(NoteRow {
            service_id,
            devoir_id,
            eleve_id,
            note,
            sync,
        });
    }
    Ok(notes)
}

/// The pupils of a service (`None`: of every service here), by name.
pub fn eleves(conn: &Connection, service_id: Option<&str>) -> Result<Vec<EleveRow>, ReplicaError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT sv.id, e.id, e.nom, e.prenom, d.code, e.date_entree, e.date_sortie
         FROM services sv
         JOIN eleves e ON {ELEVES_DU_SERVICE}
         JOIN divisions d ON d.id = e.division_id
         WHERE ?1 IS NULL OR sv.id = ?1
         ORDER BY sv.id, e.nom, e.prenom, e.id"
    ))?;
    let rows = stmt.query_map([service_id], |r| {
        Ok(EleveRow {
            service_id: r.get(0)?,
            eleve_id: r.get(1)?,
            nom: r.get(2)?,
            prenom: r.get(3)?,
            division: r.get(4)?,
            date_entree: date_column(r.get(5)?)?,
            date_sortie: date_column(r.get(6)?)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A service's teacher, target, subject and coefficient (`None`: every service here).
pub fn services(
    conn: &Connection,
    service_id: Option<&str>,
) -> Result<Vec<ServiceRow>, ReplicaError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT sv.id, sv.enseignant_id, {CIBLE_CODE}, m.libelle, sv.coefficient,
            (SELECT group_concat(x, char(31)) FROM (SELECT DISTINCT e.division_id || ':' || d.code AS x
                FROM eleves e JOIN divisions d ON d.id = e.division_id WHERE {ELEVES_DU_SERVICE}))
         FROM services sv JOIN matieres m ON m.code = sv.matiere_code
         WHERE ?1 IS NULL OR sv.id = ?1 ORDER BY sv.id"
    ))?;
    let rows = stmt.query_map([service_id], |r| {
        let divisions: Option<String> = r.get(5)?;
        Ok(ServiceRow {
            service_id: r.get(0)?,
            enseignant_id: r.get(1)?,
            cible: r.get(2)?,
            matiere: r.get(3)?,
            coefficient: r.get(4)?,
            // "id:code" pairs; ids hold no ':'.
            divisions: divisions
                .iter()
                .flat_map(|d| d.split('\u{1f}'))
                .filter_map(|pair| pair.split_once(':'))
                .map(|(id, code)| (id.to_owned(), code.to_owned()))
                .collect(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The councils known here to lock their period (`ConseilEtat::verrouille`), as (période,
/// division) pairs.
pub fn conseils_clos(conn: &Connection) -> Result<Vec<(String, String)>, ReplicaError> {
    let mut stmt = conn.prepare_cached(
        "SELECT entity_id, value FROM fields WHERE kind = 'conseil' AND field = 'etat'",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut clos = Vec::new();
    for row in rows {
        let (id, value) = row?;
        let locked = serde_json::from_str::<ConseilEtat>(&value).is_ok_and(ConseilEtat::verrouille);
        if let (
            true,
            Ok(EntityKey::Conseil {
                periode_id,
                division_id,
            }),
        ) = (locked, EntityKey::parse(EntityKind::Conseil, &id))
        {
            clos.push((periode_id, division_id));
        }
    }
    Ok(clos)
}

fn date_column(text: Option<String>) -> rusqlite::Result<Option<NaiveDate>> {
    text.map(|t| {
        t.parse::<NaiveDate>().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
    })
    .transpose()
}

/// The id range of a service's records, or of every record.
fn range(service_id: Option<&str>) -> (String, String) {
    match service_id {
        Some(id) => EntityKey::children_range(id),
        None => (String::new(), "\u{10FFFF}".to_owned()),
    }
}
