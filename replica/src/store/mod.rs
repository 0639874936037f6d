//! The replica's SQLite file: the only place with SQL on the client. One module per group of
//! tables, its SQL beside it. A data write and its outbox entry share one transaction.

pub mod fields;
pub mod meta;
pub mod outbox;
pub mod school;

use crate::error::ReplicaError;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// `PRAGMA application_id` of a replica ("PUPR"): how we recognise our own files.
const APPLICATION_ID: i64 = 0x5055_5052;

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[concat!(
    include_str!("meta.sql"),
    include_str!("school.sql"),
    include_str!("fields.sql"),
    include_str!("outbox.sql")
)];

pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) a replica file. A file that is not a Pupitre replica is refused and
    /// left untouched.
    pub fn open(path: &Path) -> Result<Store, ReplicaError> {
        let not_ours = || ReplicaError::NotOurs(path.display().to_string());
        let existed = path.exists() && std::fs::metadata(path)?.len() > 0;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let flags = if existed {
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
        } else {
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
        };
        let mut conn =
            Connection::open_with_flags(path, flags | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        // Reading the header is what fails on a file that is not SQLite at all.
        let app_id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|_| not_ours())?;
        if existed && app_id != APPLICATION_ID {
            return Err(not_ours());
        }
        // WAL + FULL: a committed edit survives a crash or a power cut.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )?;
        if !existed {
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        migrate(&mut conn)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `PRAGMA integrity_check`: "ok" on a sound file.
    pub fn integrity_check(&self) -> Result<String, ReplicaError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

fn migrate(conn: &mut Connection) -> Result<(), ReplicaError> {
    let done: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_foreign_files_and_leaves_them_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = dir.path().join("notes.sqlite");
        std::fs::write(&text, b"bulletins du 1er trimestre, ne pas effacer").expect("write");
        assert!(matches!(Store::open(&text), Err(ReplicaError::NotOurs(_))));
        assert_eq!(
            std::fs::read(&text).expect("read"),
            b"bulletins du 1er trimestre, ne pas effacer"
        );

        let other = dir.path().join("other.sqlite");
        let conn = Connection::open(&other).expect("open");
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .expect("create");
        drop(conn);
        assert!(matches!(Store::open(&other), Err(ReplicaError::NotOurs(_))));
        let conn = Connection::open(&other).expect("reopen");
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 1);
    }

    #[test]
    fn reopens_its_own_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.sqlite");
        drop(Store::open(&path).expect("create"));
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.integrity_check().expect("check"), "ok");
    }
}
