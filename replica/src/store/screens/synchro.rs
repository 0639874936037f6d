//! The sync status's counters and warnings (the header's badge, Synchronisation).

use crate::store::meta;
use rusqlite::Connection;

/// (never sent, sent without answer, refused) outbox entries.
pub fn outbox_counts(conn: &Connection) -> rusqlite::Result<(u32, u32, u32)> {
    conn.query_row(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'local' AND withdrawn = 0),
                (SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND withdrawn = 0),
                (SELECT COUNT(*) FROM refused)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}

/// How many fields have versions waiting for a choice.
pub fn conflict_count(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COUNT(*) FROM (SELECT DISTINCT kind, entity_id, field FROM conflicts
                               WHERE resolving IS NULL)",
        [],
        |r| r.get(0),
    )
}

/// The local time of the last successful sync, `HH:MM:SS`.
pub fn last_sync_label(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let ms: Option<i64> = meta::get(conn, meta::LAST_SYNC_MS)?;
    Ok(ms
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
        }))
}

/// A warning for the person when this PC's clock is off by more than the tolerance.
pub fn clock_warning(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let offset: i64 = meta::get(conn, meta::CLOCK_OFFSET)?.unwrap_or(0);
    if !pupitre_sync_protocol::clock_suspect(offset) {
        return Ok(None);
    }
    let minutes = offset.abs() / 60_000;
    let ecart = if minutes >= 2 * 24 * 60 {
        format!("{} jours", minutes / (24 * 60))
    } else if minutes >= 120 {
        format!("{} heures", minutes / 60)
    } else {
        format!("{minutes} minutes")
    };
    let sens = if offset > 0 { "en avance" } else { "en retard" };
    Ok(Some(format!(
        "L'horloge de ce poste est {sens} de {ecart} : les heures qu'il affiche sont fausses (vos saisies sont bien enregistrées). Faites corriger la date et l'heure du poste."
    )))
}
