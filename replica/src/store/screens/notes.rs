//! The gradebook's reads (Notes): a service's devoirs, its pupils and their marks, as stored
//! rows; `crate::carnet` turns them into the grid and its averages.

use super::CIBLE_CODE;
use crate::carnet::{
    DevoirRow, EleveRow, EvaluationRow, ItemRow, NoteRow, PositionnementRow, ServiceRow,
};
use crate::error::ReplicaError;
use crate::views::{EtatSync, etat_sync_conflit};
use chrono::NaiveDate;
use pupitre_domain::edit::{FIELD_DEFINITION, FIELD_NIVEAU, FIELD_VALEUR};
use pupitre_domain::{Devoir, EntityKey, EntityKind, EtatConseil, Evaluation, Item, Niveau, Note};
use rusqlite::{Connection, params};

/// A gradebook record as stored: its key, its value read as `T`, its sync state.
pub(super) struct Record<T> {
    pub(super) key: EntityKey,
    pub(super) value: T,
    pub(super) sync: EtatSync,
}

/// The records of `kind` whose `field` is set, in a service (`None`: in every service here);
/// deleted devoirs and items left out. Positionnements' ids begin with their period, so their
/// service is filtered here.
/// Which records a read takes: every one here, a service's, or one (by its id) of a service.
#[derive(Debug, Clone, Copy)]
pub enum Lire<'a> {
    Tout,
    Service(&'a str),
    Un { service: &'a str, id: &'a str },
}

/// A record's value and what the grid shows of it.
const WITH_SYNC: &str = "SELECT f.entity_id, f.value,
        (SELECT MIN(o.state) FROM outbox o WHERE o.kind = f.kind AND o.entity_id = f.entity_id
            AND o.field = f.field),
        f.version,
        EXISTS (SELECT 1 FROM conflicts k WHERE k.kind = f.kind AND k.resolving IS NULL
            AND k.entity_id = f.entity_id AND k.field = f.field)
     FROM fields f
     WHERE f.kind = ?1 AND f.field = ?2 AND f.entity_id >= ?3 AND f.entity_id < ?4
       AND NOT EXISTS (SELECT 1 FROM fields s WHERE s.kind = f.kind AND s.field = 'supprime'
                       AND s.entity_id = f.entity_id AND s.value = 'true')";

/// A record's value only, its sync state left out.
const WITHOUT_SYNC: &str = "SELECT f.entity_id, f.value, NULL, NULL, 0
     FROM fields f
     WHERE f.kind = ?1 AND f.field = ?2 AND f.entity_id >= ?3 AND f.entity_id < ?4
       AND NOT EXISTS (SELECT 1 FROM fields s WHERE s.kind = f.kind AND s.field = 'supprime'
                       AND s.entity_id = f.entity_id AND s.value = 'true')";

pub(super) fn records<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    kind: EntityKind,
    field: &str,
    lire: Lire<'_>,
) -> Result<Vec<Record<T>>, ReplicaError> {
    records_as(conn, kind, field, lire, WITH_SYNC)
}

fn records_as<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    kind: EntityKind,
    field: &str,
    lire: Lire<'_>,
    sql: &'static str,
) -> Result<Vec<Record<T>>, ReplicaError> {
    let (from, to, service_id) = match (kind, lire) {
        (_, Lire::Un { service, id }) => (id.to_owned(), format!("{id}\u{0}"), Some(service)),
        (EntityKind::Positionnement, Lire::Service(s)) => {
            (String::new(), "\u{10FFFF}".to_owned(), Some(s))
        }
        (_, Lire::Service(s)) => {
            let (from, to) = EntityKey::children_range(s);
            (from, to, Some(s))
        }
        (_, Lire::Tout) => (String::new(), "\u{10FFFF}".to_owned(), None),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![kind.as_str(), field, from, to], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            etat_sync_conflit(r.get(2)?, r.get(3)?, r.get(4)?),
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, value, sync) = row?;
        let corrupt = |e: String| ReplicaError::Corrupt(format!("{} {id} : {e}", kind.as_str()));
        let key = EntityKey::parse(kind, &id).map_err(|e| corrupt(e.to_string()))?;
        if service_id.is_some_and(|s| key.service_id() != Some(s)) {
            continue;
        }
        let value = serde_json::from_str(&value).map_err(|e| corrupt(e.to_string()))?;
        out.push(Record { key, value, sync });
    }
    Ok(out)
}

/// The devoirs of a service (`None`: of every service here), deleted ones left out.
pub fn devoirs(conn: &Connection, service: Lire<'_>) -> Result<Vec<DevoirRow>, ReplicaError> {
    devoirs_as(conn, service, WITH_SYNC)
}

/// Every devoir here without its sync state: what the averages need.
pub fn devoirs_only(conn: &Connection) -> Result<Vec<DevoirRow>, ReplicaError> {
    devoirs_as(conn, Lire::Tout, WITHOUT_SYNC)
}

fn devoirs_as(
    conn: &Connection,
    service: Lire<'_>,
    sql: &'static str,
) -> Result<Vec<DevoirRow>, ReplicaError> {
    let rows = records_as::<Devoir>(conn, EntityKind::Devoir, FIELD_DEFINITION, service, sql)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match r.key {
            EntityKey::Devoir {
                service_id,
                devoir_id,
            } => Some(DevoirRow {
                service_id,
                devoir_id,
                devoir: r.value,
                sync: r.sync,
            }),
            _ => None,
        })
        .collect())
}

/// The marks given in a service, with what the grid shows of each (the averages read them
/// with `for_each_note`).
pub fn notes(conn: &Connection, service: Lire<'_>) -> Result<Vec<NoteRow>, ReplicaError> {
    let rows = records::<Option<Note>>(conn, EntityKind::Note, FIELD_VALEUR, service)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match r.key {
            EntityKey::Note {
                service_id,
                devoir_id,
                eleve_id,
            } => Some(NoteRow {
                service_id,
                devoir_id,
                eleve_id,
                note: r.value,
                sync: r.sync,
            }),
            _ => None,
        })
        .collect())
}

/// Every mark here, read in place and handed to `f` as (service, devoir, pupil, mark): a whole
/// year's marks go through without a row of them held at once.
pub fn for_each_note(
    conn: &Connection,
    mut f: impl FnMut(&str, &str, &str, Option<Note>),
) -> Result<(), ReplicaError> {
    let mut stmt = conn.prepare_cached(
        "SELECT entity_id, value FROM fields WHERE kind = 'note' AND field = 'valeur'",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let text = |i: usize| -> Result<&str, ReplicaError> {
            row.get_ref(i)?
                .as_str()
                .map_err(|e| ReplicaError::Corrupt(format!("note : {e}")))
        };
        let (id, value) = (text(0)?, text(1)?);
        let corrupt = |e: &dyn std::fmt::Display| ReplicaError::Corrupt(format!("note {id} : {e}"));
        let (service, devoir, eleve) =
            EntityKey::note_parts(id).ok_or_else(|| corrupt(&"identifiant"))?;
        let note: Option<Note> = serde_json::from_str(value).map_err(|e| corrupt(&e))?;
        f(service, devoir, eleve, note);
    }
    Ok(())
}

/// The competency items of a service (`None`: of every service here), deleted ones left out.
pub fn items(conn: &Connection, service: Lire<'_>) -> Result<Vec<ItemRow>, ReplicaError> {
    let rows = records::<Item>(conn, EntityKind::Item, FIELD_DEFINITION, service)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match r.key {
            EntityKey::Item {
                service_id,
                item_id,
            } => Some(ItemRow {
                service_id,
                item_id,
                item: r.value,
                sync: r.sync,
            }),
            _ => None,
        })
        .collect())
}

/// The evaluations given in a service (`None`: in every service here).
pub fn evaluations(
    conn: &Connection,
    service: Lire<'_>,
) -> Result<Vec<EvaluationRow>, ReplicaError> {
    let rows = records::<Option<Evaluation>>(conn, EntityKind::Evaluation, FIELD_NIVEAU, service)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match r.key {
            EntityKey::Evaluation {
                service_id,
                devoir_id,
                item_id,
                eleve_id,
            } => Some(EvaluationRow {
                service_id,
                devoir_id,
                item_id,
                eleve_id,
                evaluation: r.value,
                sync: r.sync,
            }),
            _ => None,
        })
        .collect())
}

/// The positionnements typed in a service (`None`: in every service here).
pub fn positionnements(
    conn: &Connection,
    service: Lire<'_>,
) -> Result<Vec<PositionnementRow>, ReplicaError> {
    let rows = records::<Option<Niveau>>(conn, EntityKind::Positionnement, FIELD_NIVEAU, service)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match r.key {
            EntityKey::Positionnement {
                periode_id,
                service_id,
                eleve_id,
            } => Some(PositionnementRow {
                periode_id,
                service_id,
                eleve_id,
                niveau: r.value,
                sync: r.sync,
            }),
            _ => None,
        })
        .collect())
}

/// The pupils of a service (`None`: of every service here), by name, with the dates of their
/// stay in its division (none for a group).
pub fn eleves(
    conn: &Connection,
    service_id: Option<&str>,
    eleve_id: Option<&str>,
) -> Result<Vec<EleveRow>, ReplicaError> {
    // Driven from each service's target through the membership tables' indexes: a division's
    // stays (with their dates), a group's members (there all year).
    let mut stmt = conn.prepare_cached(
        "SELECT sv.id, e.id, e.nom, e.prenom, d.code, e.date_entree, e.date_sortie, m.depuis, m.jusqu_au
         FROM services sv
         JOIN (SELECT p.division_id AS cible, p.eleve_id, p.depuis, p.jusqu_au, 'd' AS sorte
                 FROM eleve_divisions p
               UNION ALL
               SELECT g.groupe_id, g.eleve_id, NULL, NULL, 'g' FROM eleve_groupes g) m
           ON m.cible = COALESCE(cible_division(sv.cible_key), cible_groupe(sv.cible_key))
              AND m.sorte = CASE WHEN cible_division(sv.cible_key) IS NULL THEN 'g' ELSE 'd' END
         JOIN eleves e ON e.id = m.eleve_id
         JOIN divisions d ON d.id = e.division_id
         WHERE (?1 IS NULL OR sv.id = ?1) AND (?2 IS NULL OR m.eleve_id = ?2)
         GROUP BY sv.id, e.id
         ORDER BY sv.id, e.nom, e.prenom, e.id",
    )?;
    let rows = stmt.query_map([service_id, eleve_id], |r| {
        Ok(EleveRow {
            service_id: r.get(0)?,
            eleve_id: r.get(1)?,
            nom: r.get(2)?,
            prenom: r.get(3)?,
            division: r.get(4)?,
            date_entree: date_column(r.get(5)?)?,
            date_sortie: date_column(r.get(6)?)?,
            dans_la_classe_depuis: date_column(r.get(7)?)?,
            dans_la_classe_jusqu_au: date_column(r.get(8)?)?,
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
            (SELECT group_concat(x, char(31)) FROM (
                SELECT d.id || ':' || d.code AS x FROM divisions d
                WHERE d.id = cible_division(sv.cible_key)
                UNION
                SELECT DISTINCT p.division_id || ':' || d.code FROM eleve_groupes g
                JOIN eleve_divisions p ON p.eleve_id = g.eleve_id
                JOIN divisions d ON d.id = p.division_id
                WHERE g.groupe_id = cible_groupe(sv.cible_key)))
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
        let locked = serde_json::from_str::<EtatConseil>(&value).is_ok_and(|e| e.etat.verrouille());
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
