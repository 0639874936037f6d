//! The replica's SQLite file: the only place with SQL on the client. One module per group of
//! tables, its SQL beside it. A data write and its outbox entry share one transaction.

pub mod conflicts;
pub mod describe;
pub mod fields;
pub mod meta;
pub mod outbox;
pub mod pull;
pub mod scope;

use crate::error::ReplicaError;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// `PRAGMA application_id` of a replica ("PUPR"): how we recognise our own files.
const APPLICATION_ID: i64 = 0x5055_5052;

/// Schema migrations, in order (see `pupitre_school_db::open`).
const MIGRATIONS: &[&[&str]] = &[
    &[
        include_str!("meta.sql"),
        pupitre_school_db::SCHOOL_SQL,
        include_str!("fields.sql"),
        include_str!("outbox.sql"),
    ],
    &[
        pupitre_school_db::PERIODES_SQL,
        include_str!("conflicts.sql"),
    ],
    &[include_str!("causality.sql")],
];

pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) a replica file. A file that is not a Pupitre replica is refused and
    /// left untouched.
    pub fn open(path: &Path) -> Result<Store, ReplicaError> {
        let conn = pupitre_school_db::open(path, APPLICATION_ID, MIGRATIONS)?;
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

    /// The school's name, as the snapshot gave it.
    pub fn etablissement(&self) -> Result<String, ReplicaError> {
        use rusqlite::OptionalExtension;
        let nom = self
            .conn
            .query_row("SELECT nom FROM etablissement", [], |r| r.get(0))
            .optional()?;
        Ok(nom.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_foreign_file_and_reopens_its_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = dir.path().join("notes.sqlite");
        std::fs::write(&text, b"ne pas effacer").expect("write");
        assert!(matches!(Store::open(&text), Err(ReplicaError::NotOurs(_))));
        let path = dir.path().join("r.sqlite");
        drop(Store::open(&path).expect("create"));
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.integrity_check().expect("check"), "ok");
    }
}
