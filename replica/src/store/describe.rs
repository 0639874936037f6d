//! How a person names a record in lists (pending, refused, conflicts): what it is and whom it is
//! about, from this replica's reference data.

use pupitre_domain::absences::{Absence, Dispense};
use pupitre_domain::avis::capitalised;
use pupitre_domain::{Devoir, EntityKey, EntityKind, Item};
use rusqlite::{Connection, OptionalExtension};

/// `(what, pupil)`, e.g. `("23/11/2026 08:00 · 6A · Français", Some("DUPONT Léa"))`.
pub fn describe(
    conn: &Connection,
    kind: &str,
    entity_id: &str,
) -> rusqlite::Result<(String, Option<String>)> {
    let Some(key) = EntityKind::parse(kind).and_then(|k| EntityKey::parse(k, entity_id).ok())
    else {
        return Ok((format!("enregistrement inconnu ({kind})"), None));
    };
    let text = |sql: &str, id: &str| -> rusqlite::Result<Option<String>> {
        conn.prepare_cached(sql)?
            .query_row([id], |r| r.get(0))
            .optional()
    };
    let what = match &key {
        EntityKey::Appel { seance_id } | EntityKey::Presence { seance_id, .. } => text(
            &format!(
                "SELECT strftime('%d/%m/%Y', se.date) || ' ' || se.debut || ' · ' || {TARGET}
                 FROM seances se LEFT JOIN services sv ON sv.id = se.service_id {TARGET_JOINS}
                 WHERE se.id = ?1"
            ),
            seance_id,
        )?
        .unwrap_or_else(|| "séance inconnue sur ce poste".into()),
        EntityKey::Appreciation { periode_id, .. } => {
            format!("Appréciation · {}", periode(conn, periode_id)?)
        }
        EntityKey::Positionnement { periode_id, .. } => {
            format!("Positionnement · {}", periode(conn, periode_id)?)
        }
        EntityKey::Devoir { .. } | EntityKey::Note { .. } => devoir_titre(conn, &key)?,
        EntityKey::Evaluation { .. } => format!(
            "{} · {}",
            devoir_titre(conn, &key)?,
            item_libelle(conn, &key)?
        ),
        EntityKey::Item { .. } => item_libelle(conn, &key)?,
        EntityKey::Absence { .. } => match definition::<Absence>(conn, Some(key.clone()))? {
            Some(a) => format!("Absence du {} au {}", a.debut.libelle(), a.fin.libelle()),
            None => "Absence".into(),
        },
        EntityKey::Dispense { .. } => match definition::<Dispense>(conn, Some(key.clone()))? {
            Some(d) => capitalised(&d.libelle()),
            None => "Dispense".into(),
        },
        EntityKey::Reglages => "Réglages de la vie scolaire".into(),
        EntityKey::Notification { jour, .. } => format!(
            "Notification à la famille du {}/{}/{}",
            jour.get(6..8).unwrap_or_default(),
            jour.get(4..6).unwrap_or_default(),
            jour.get(0..4).unwrap_or_default()
        ),
        EntityKey::Conseil { .. } | EntityKey::Decision { .. } => conseil(conn, &key)?,
    };
    // A service's record names its class and subject.
    let what = match key.service_id() {
        Some(service_id) => format!(
            "{what} · {}",
            text(
                &format!("SELECT {TARGET} FROM services sv {TARGET_JOINS} WHERE sv.id = ?1"),
                service_id
            )?
            .unwrap_or_else(|| "service inconnu sur ce poste".into())
        ),
        None => what,
    };
    let eleve = match key.eleve_id() {
        Some(id) => text("SELECT nom || ' ' || prenom FROM eleves WHERE id = ?1", id)?,
        None => None,
    };
    Ok((what, eleve))
}

/// A service `sv`'s class or group and subject, e.g. `6A · Français`.
const TARGET: &str = "COALESCE(d.code, g.code, '') || ' · ' || COALESCE(m.libelle, '')";
const TARGET_JOINS: &str = "
    LEFT JOIN matieres m ON m.code = sv.matiere_code
    LEFT JOIN divisions d ON division_key(d.id) = sv.cible_key
    LEFT JOIN groupes g ON groupe_key(g.id) = sv.cible_key";

/// The definition of a devoir or an item on this PC, if it has one.
fn definition<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    key: Option<EntityKey>,
) -> rusqlite::Result<Option<T>> {
    let Some(key) = key else {
        return Ok(None);
    };
    let definition: Option<String> = conn
        .prepare_cached(
            "SELECT value FROM fields WHERE kind = ?1 AND entity_id = ?2 AND field = 'definition'",
        )?
        .query_row([key.kind().as_str(), &key.id()], |r| r.get(0))
        .optional()?;
    Ok(definition.and_then(|t| serde_json::from_str(&t).ok()))
}

/// "Devoir « Contrôle 1 » du 05/10/2026".
fn devoir_titre(conn: &Connection, key: &EntityKey) -> rusqlite::Result<String> {
    Ok(match definition::<Devoir>(conn, key.devoir())? {
        Some(d) => format!(
            "Devoir « {} » du {}",
            d.titre(),
            d.date().format("%d/%m/%Y")
        ),
        None => "Devoir inconnu sur ce poste".into(),
    })
}

/// "Compétence « Rédiger un texte »".
fn item_libelle(conn: &Connection, key: &EntityKey) -> rusqlite::Result<String> {
    Ok(match definition::<Item>(conn, key.item())? {
        Some(i) => format!("Compétence « {} »", i.libelle()),
        None => "Compétence inconnue sur ce poste".into(),
    })
}

fn periode(conn: &Connection, id: &str) -> rusqlite::Result<String> {
    Ok(conn
        .prepare_cached("SELECT libelle FROM periodes WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| id.to_owned()))
}

/// The teacher of a record's séance or service, if it has one on this PC.
pub fn teacher_of(conn: &Connection, key: &EntityKey) -> rusqlite::Result<Option<String>> {
    let (sql, id) = match key {
        EntityKey::Appel { seance_id } | EntityKey::Presence { seance_id, .. } => (
            "SELECT COALESCE(se.remplacant_id, sv.enseignant_id) FROM seances se JOIN services sv ON sv.id = se.service_id
             WHERE se.id = ?1",
            seance_id.as_str(),
        ),
        EntityKey::Conseil { .. } => return Ok(None),
        other => match other.service_id() {
            Some(service_id) => (
                "SELECT enseignant_id FROM services WHERE id = ?1",
                service_id,
            ),
            None => return Ok(None),
        },
    };
    conn.prepare_cached(sql)?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// A council's record: "Conseil de classe · 1er trimestre · 6A", or its decision for a pupil.
fn conseil(conn: &Connection, key: &EntityKey) -> rusqlite::Result<String> {
    let (EntityKey::Conseil {
        periode_id,
        division_id,
    }
    | EntityKey::Decision {
        periode_id,
        division_id,
        ..
    }) = key
    else {
        return Ok(String::new());
    };
    let what = match key.kind() {
        EntityKind::Decision => "Décision du conseil",
        _ => "Conseil de classe",
    };
    let code: Option<String> = conn
        .prepare_cached("SELECT code FROM divisions WHERE id = ?1")?
        .query_row([division_id], |r| r.get(0))
        .optional()?;
    Ok(format!(
        "{what} · {} · {}",
        periode(conn, periode_id)?,
        code.unwrap_or_else(|| division_id.clone())
    ))
}
