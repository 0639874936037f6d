//! The log's identity and epoch, online backups, restores, and the high-water mark that a
//! serving central keeps beside its database so that it never serves an older copy unknowingly.
//!
//! A restore moves to a new epoch and lifts the sequence above every number given before it, so
//! that a replica can never mistake a new change for one it already holds. Replicas that see the
//! new epoch rebase and resend what the restored log may lack.

use crate::error::CentralError;
use pupitre_sync_protocol::wire::LogRef;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use super::log;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub log: LogRef,
    /// Every sequence given before the last restore is at most this (0: never restored).
    pub restore_floor: u64,
    /// Through which sequence the log is in a backup.
    pub durable_through: u64,
}

pub fn read(conn: &Connection) -> rusqlite::Result<Identity> {
    conn.prepare_cached(
        "SELECT log_id, epoch, restore_floor, durable_through FROM log_identity WHERE id = 1",
    )?
    .query_row([], |r| {
        Ok(Identity {
            log: LogRef {
                log_id: r.get(0)?,
                epoch: r.get(1)?,
            },
            restore_floor: r.get::<_, i64>(2)? as u64,
            durable_through: r.get::<_, i64>(3)? as u64,
        })
    })
}

/// The client's epoch of its last push; moves it to the current one. Returns whether it was
/// behind (its first push since a restore).
pub fn client_enters_epoch(
    conn: &Connection,
    client: &pupitre_sync_protocol::ClientId,
    epoch: u32,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached("UPDATE clients SET epoch = ?2 WHERE client_id = ?1 AND epoch < ?2")?
        .execute(params![client.0.to_string(), epoch])?;
    Ok(changed > 0)
}

/// Lets a client's sequence restart after `restart_after` (its first push since a restore: the
/// sequences in between were refused, never applied).
pub fn restart_client_at(
    conn: &Connection,
    client: &pupitre_sync_protocol::ClientId,
    restart_after: u64,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE clients SET last_seq = ?2 WHERE client_id = ?1 AND last_seq < ?2")?
        .execute(params![client.0.to_string(), restart_after as i64])?;
    Ok(())
}

/// Copies the live database to `out` with SQLite's online backup, then records in the live
/// database that the log is durable through the head the copy holds.
pub fn backup(conn: &Connection, out: &Path) -> Result<u64, CentralError> {
    if out.exists() {
        return Err(CentralError::Invalid(format!(
            "{} existe déjà : choisissez un autre nom de sauvegarde",
            out.display()
        )));
    }
    let mut dst = Connection::open(out)?;
    rusqlite::backup::Backup::new(conn, &mut dst)?.run_to_completion(
        256,
        std::time::Duration::from_millis(5),
        None,
    )?;
    let head = log::head(&dst)?;
    drop(dst);
    conn.prepare_cached("UPDATE log_identity SET durable_through = MAX(durable_through, ?1)")?
        .execute([head as i64])?;
    Ok(head)
}

/// Begins a new epoch on a database that was just restored: the epoch goes above any the
/// service was at (`high_water`, the mark it kept), sequences go on above the highest ever
/// given, and the restored log is durable (it is a backup). Returns the new identity.
pub fn begin_epoch(conn: &mut Connection, high_water: &HighWater) -> rusqlite::Result<Identity> {
    let tx = conn.transaction()?;
    let identity = new_epoch(&tx, high_water)?;
    tx.commit()?;
    Ok(identity)
}

/// `begin_epoch` inside the caller's transaction (a school's archive imported: a restore too).
pub fn new_epoch(conn: &Connection, high_water: &HighWater) -> rusqlite::Result<Identity> {
    let head = log::head(conn)?;
    let epoch = read(conn)?.log.epoch.max(high_water.epoch) + 1;
    conn.prepare_cached(
        "UPDATE log_identity SET epoch = ?3, restore_floor = ?1, durable_through = ?2",
    )?
    .execute(params![
        high_water.head.max(head) as i64,
        head as i64,
        epoch
    ])?;
    read(conn)
}

/// What a serving central last knew of its log, kept beside the database (`<db>.hwm`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HighWater {
    pub log_id: String,
    pub epoch: u32,
    pub head: u64,
}

pub fn high_water_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".hwm");
    PathBuf::from(name)
}

pub fn read_high_water(db: &Path) -> Result<Option<HighWater>, CentralError> {
    let path = high_water_path(db);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| CentralError::Invalid(format!("{} illisible : {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes the mark atomically (a new file renamed over the old one).
pub fn write_high_water(db: &Path, mark: &HighWater) -> Result<(), CentralError> {
    let path = high_water_path(db);
    let tmp = path.with_extension("hwm.tmp");
    let text = serde_json::to_vec(mark).map_err(|e| CentralError::Invalid(e.to_string()))?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

/// The current mark of a database.
pub fn mark_of(conn: &Connection) -> rusqlite::Result<HighWater> {
    let identity = read(conn)?;
    Ok(HighWater {
        log_id: identity.log.log_id,
        epoch: identity.log.epoch,
        head: log::head(conn)?,
    })
}

/// Why a central must not serve this database as it is: it is older than what was served
/// before from this path (a backup copied over it), unless that is declared a restore.
pub fn check_not_behind(current: &HighWater, known: &HighWater) -> Result<(), String> {
    let behind = current.log_id != known.log_id
        || current.epoch < known.epoch
        || (current.epoch == known.epoch && current.head < known.head);
    if behind {
        Err(format!(
            "cette base est plus ancienne que celle que ce service a déjà servie (journal {} époque {} jusqu'à {}, la base : journal {} époque {} jusqu'à {}). S'il s'agit d'une restauration, lancez `pupitre-central restore` (ou `serve --restored`) : les postes renverront ce qui manque.",
            known.log_id, known.epoch, known.head, current.log_id, current.epoch, current.head
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(log_id: &str, epoch: u32, head: u64) -> HighWater {
        HighWater {
            log_id: log_id.into(),
            epoch,
            head,
        }
    }

    #[test]
    fn an_older_copy_is_refused_unless_declared() {
        let known = mark("a", 2, 100);
        // (database's mark, may serve)
        let cases = [
            (mark("a", 2, 100), true),
            (mark("a", 2, 140), true),
            (mark("a", 3, 20), true),
            (mark("a", 2, 99), false),
            (mark("a", 1, 500), false),
            (mark("b", 2, 100), false),
        ];
        for (current, ok) in cases {
            assert_eq!(
                check_not_behind(&current, &known).is_ok(),
                ok,
                "{current:?}"
            );
        }
    }
}
