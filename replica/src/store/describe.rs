//! How a person names a record in lists (pending, refused, conflicts): what it is and whom it is
//! about, from this replica's reference data.

use pupitre_domain::{Devoir, EntityKey, EntityKind};
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
        EntityKey::Appreciation {
            periode_id,
            service_id,
            ..
        } => format!(
            "Appréciation · {} · {}",
            periode(conn, periode_id)?,
            text(
                &format!("SELECT {TARGET} FROM services sv {TARGET_JOINS} WHERE sv.id = ?1"),
                service_id
            )?
            .unwrap_or_else(|| "service inconnu sur ce poste".into())
        ),
        EntityKey::Devoir { service_id, .. } | EntityKey::Note { service_id, .. } => format!(
            "{} · {}",
            devoir_titre(conn, &key)?,
            text(
                &format!("SELECT {TARGET} FROM services sv {TARGET_JOINS} WHERE sv.id = ?1"),
                service_id
            )?
            .unwrap_or_else(|| "service inconnu sur ce poste".into())
        ),
        EntityKey::Conseil {
            periode_id,
            division_id,
        } => format!(
            "Conseil de classe · {} · {}",
            periode(conn, periode_id)?,
            text("SELECT code FROM divisions WHERE id = ?1", division_id)?
                .unwrap_or_else(|| division_id.clone())
        ),
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

/// "Devoir « Contrôle 1 » du 05/10/2026", from the devoir's definition on this PC.
fn devoir_titre(conn: &Connection, key: &EntityKey) -> rusqlite::Result<String> {
    let Some(devoir) = key.devoir() else {
        return Ok("Devoir".into());
    };
    let definition: Option<String> = conn
        .prepare_cached(
            "SELECT value FROM fields WHERE kind = 'devoir' AND entity_id = ?1 AND field = 'definition'",
        )?
        .query_row([devoir.id()], |r| r.get(0))
        .optional()?;
    Ok(
        match definition.and_then(|t| serde_json::from_str::<Devoir>(&t).ok()) {
            Some(d) => format!(
                "Devoir « {} » du {}",
                d.titre(),
                d.date().format("%d/%m/%Y")
            ),
            None => "Devoir inconnu sur ce poste".into(),
        },
    )
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
            "SELECT sv.enseignant_id FROM seances se JOIN services sv ON sv.id = se.service_id
             WHERE se.id = ?1",
            seance_id,
        ),
        EntityKey::Appreciation { service_id, .. }
        | EntityKey::Devoir { service_id, .. }
        | EntityKey::Note { service_id, .. } => (
            "SELECT enseignant_id FROM services WHERE id = ?1",
            service_id,
        ),
        EntityKey::Conseil { .. } => return Ok(None),
    };
    conn.prepare_cached(sql)?
        .query_row([id], |r| r.get(0))
        .optional()
}
