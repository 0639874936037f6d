//! The central's SQLite store: one connection behind a mutex (SQLite has one writer anyway), used
//! from blocking tasks. One module per group of tables, with its SQL next to it.

pub mod accounts;
pub mod archive;
pub mod audit;
pub mod compaction;
pub mod depot;
pub mod envois;
pub mod identity;
pub mod log;
pub mod referentiel;
pub mod school;

use crate::error::CentralError;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// `PRAGMA application_id` of a central database ("PUPC").
const APPLICATION_ID: i64 = 0x5055_5043;

/// Schema migrations, in order (see `pupitre_school_db::open`).
const MIGRATIONS: &[&[&str]] = &[
    &[
        pupitre_school_db::SCHOOL_SQL,
        include_str!("accounts.sql"),
        include_str!("log.sql"),
    ],
    &[
        pupitre_school_db::PERIODES_SQL,
        include_str!("conflicts.sql"),
    ],
    &[include_str!("compaction.sql")],
    &[include_str!("causality.sql")],
    &[pupitre_school_db::PARCOURS_SQL],
    &[
        pupitre_school_db::RESPONSABLES_SQL,
        pupitre_school_db::REMPLACEMENTS_SQL,
        include_str!("envois.sql"),
    ],
    &[include_str!("securite.sql")],
    &[
        pupitre_school_db::ROLES_SQL,
        include_str!("effacements.sql"),
    ],
    &[include_str!("referentiel.sql")],
];

/// The database's one connection, and the bounded queue in front of it: requests beyond
/// `file` waiting or running are turned away at once (`CentralError::Occupe`, a 503 with
/// `Retry-After`), so that none waits unboundedly behind the single writer.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    file: Arc<tokio::sync::Semaphore>,
}

/// Requests at the database at once, waiting or running, by default. At about 3 ms per push
/// (README, the burst), the last of them is served within half a second.
pub const FILE_PAR_DEFAUT: usize = 128;

/// Prepared statements the connection keeps.
const STATEMENTS: usize = 256;

impl Db {
    pub fn open(path: &Path) -> Result<Db, CentralError> {
        let conn = pupitre_school_db::open(path, APPLICATION_ID, MIGRATIONS)?;
        audit::attach(&conn, path)?;
        // Every statement of a push, a pull and a login compiled once and kept (compiling
        // them was a quarter of a push's time under load): room for all of them.
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
            file: Arc::new(tokio::sync::Semaphore::new(FILE_PAR_DEFAUT)),
        })
    }

    /// The same database with a queue of `file` requests (0: every request turned away, which
    /// only a test wants).
    pub fn avec_file(self, file: usize) -> Db {
        Db {
            file: Arc::new(tokio::sync::Semaphore::new(file)),
            ..self
        }
    }

    /// Runs `f` on the connection in a blocking task.
    pub async fn call<T, E>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: Send + 'static + From<CentralError>,
    {
        let place = (self.file.clone())
            .try_acquire_owned()
            .map_err(|_| E::from(CentralError::Occupe))?;
        let db = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let _place = place;
            let mut conn = db.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| E::from(CentralError::Invalid(format!("tâche interrompue : {e}"))))?
    }

    /// Runs `f` on the connection right here (for the command line and tests).
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }
}
