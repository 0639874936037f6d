//! The central's SQLite store: one connection behind a mutex (SQLite has one writer anyway), used
//! from blocking tasks. One module per group of tables, with its SQL next to it.

pub mod accounts;
pub mod log;
pub mod school;

use crate::error::CentralError;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// `PRAGMA application_id` of a central database ("PUPC").
const APPLICATION_ID: i64 = 0x5055_5043;

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[concat!(
    include_str!("school.sql"),
    include_str!("accounts.sql"),
    include_str!("log.sql")
)];

#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    pub fn open(path: &Path) -> Result<Db, CentralError> {
        let not_ours = || CentralError::NotOurs(path.display().to_string());
        let existed = path.exists() && std::fs::metadata(path)?.len() > 0;
        let mut conn = Connection::open(path)?;
        let app_id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|_| not_ours())?;
        if existed && app_id != APPLICATION_ID {
            return Err(not_ours());
        }
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        migrate(&mut conn)?;
        Ok(Db(Arc::new(Mutex::new(conn))))
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
        let db = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| E::from(CentralError::Invalid(format!("tâche interrompue : {e}"))))?
    }

    /// Runs `f` on the connection right here (for the command line and tests).
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut conn = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }
}

fn migrate(conn: &mut Connection) -> Result<(), CentralError> {
    let done: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}
