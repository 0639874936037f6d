//! The reference data's moves in the log: written by an import for each audience, read by the
//! pulls of that audience's replicas. They share the changes' sequence, so one cursor covers
//! both and a restore's epoch covers them too.

use super::log;
use pupitre_domain::referentiel::Mouvement;
use pupitre_domain::{Fonction, Personnel};
use pupitre_sync_protocol::wire::RefChange;
use rusqlite::{Connection, params};

/// The audience of the whole school's replicas (CPE, direction, administrator).
pub const ETABLISSEMENT: &str = "etablissement";

/// Whose moves `who`'s replicas receive.
pub fn audience(who: &Personnel) -> String {
    match who.fonction {
        Fonction::Cpe | Fonction::Direction | Fonction::Administrateur => ETABLISSEMENT.to_owned(),
        Fonction::Enseignant => audience_enseignant(&who.id),
    }
}

/// The audience of one teacher's replicas.
pub fn audience_enseignant(id: &str) -> String {
    format!("personnel:{id}")
}

fn bad(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

/// Appends `moves` for `audience` at the next sequences of the log. Part of the caller's
/// transaction.
pub fn ajouter(conn: &Connection, audience: &str, moves: &[Mouvement]) -> rusqlite::Result<()> {
    let mut seq = log::head(conn)?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO referentiel (server_seq, audience, mouvement) VALUES (?1, ?2, ?3)",
    )?;
    for m in moves {
        seq += 1;
        let text = serde_json::to_string(m).map_err(bad)?;
        stmt.execute(params![seq as i64, audience, text])?;
    }
    Ok(())
}

/// The moves for `audience` after `cursor`, through `through`, at most `limit`.
pub fn apres(
    conn: &Connection,
    audience: &str,
    cursor: u64,
    through: u64,
    limit: u32,
) -> rusqlite::Result<Vec<RefChange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT server_seq, mouvement FROM referentiel
         WHERE audience = ?1 AND server_seq > ?2 AND server_seq <= ?3
         ORDER BY server_seq LIMIT ?4",
    )?;
    let rows = stmt.query_map(
        params![audience, cursor as i64, through as i64, limit],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
    )?;
    rows.map(|row| {
        let (seq, text) = row?;
        let mouvement = serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })?;
        Ok(RefChange {
            server_seq: seq as u64,
            mouvement,
        })
    })
    .collect()
}

/// Forgets the moves at or below the compaction's horizon: a replica behind it takes a
/// snapshot, which holds the reference data whole.
pub fn compacter(conn: &Connection, through: u64) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM referentiel WHERE server_seq <= ?1")?
        .execute([through as i64])
}
