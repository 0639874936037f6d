//! The central service: authenticates staff, re-authorizes every change against the author's
//! scope, orders accepted changes in one gap-free sequence, and serves snapshots and pulls by
//! scope. Stores on SQLite (one file, zero set-up).
//!
//! SQL lives in `db/` only; the merge rules are `pupitre_sync_protocol`'s and the school's rules
//! `pupitre_domain`'s; the clock is read in `clock` only. It never trusts a client's clock,
//! scope or causal metadata without checking them.

pub mod api;
pub mod archive;
pub mod auth;
pub mod clock;
pub mod comptes;
pub mod configuration;
pub mod connexion;
pub mod conseil;
pub mod conservation;
pub mod db;
pub mod demo;
pub mod ecoles;
pub mod enveloppes;
pub mod error;
pub mod fichiers;
pub mod gradebook;
pub mod history;
pub mod import;
pub mod import_en_ligne;
pub mod limites;
pub mod metriques;
pub mod notifications;
pub mod pull;
pub mod push;
pub mod quand;
pub mod serveur;
pub mod snapshot;
pub mod sorties;
pub mod vie_scolaire;

pub use api::{Central, router};
pub use db::Db;

use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::net::TcpListener;

/// How long the log is kept in full before compaction (`None`: never compacted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub keep_ms: u64,
}

impl Retention {
    /// Days of log kept in full unless told otherwise.
    pub const DEFAULT_DAYS: u32 = 60;

    pub fn days(days: u32) -> Retention {
        Retention {
            keep_ms: u64::from(days) * 86_400_000,
        }
    }
}

/// How often a serving central compacts its log.
const COMPACTION_EVERY: Duration = Duration::from_secs(3600);

/// Opens the store and serves on `listener` until `shutdown` resolves, compacting the log at
/// start and then hourly when a retention is given. A database older than what was served
/// from this path before (its high-water mark) is refused, unless `restored` says that it was
/// restored from a backup: then a new epoch begins.
pub async fn serve(
    listener: TcpListener,
    db_path: &Path,
    retention: Option<Retention>,
    restored: bool,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), error::CentralError> {
    serve_mailing(listener, db_path, retention, restored, None, shutdown).await
}

/// `serve`, sending the families' notifications through `courriel` (without it they wait,
/// and say why).
pub async fn serve_mailing(
    listener: TcpListener,
    db_path: &Path,
    retention: Option<Retention>,
    restored: bool,
    courriel: Option<notifications::Courriel>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), error::CentralError> {
    let paths = [db_path.to_path_buf()];
    serve_ecoles(listener, &paths, retention, restored, courriel, shutdown).await
}

/// `serve_mailing` for several schools, one database each (`ecoles`): each has its own
/// epoch, compaction, purge and notifications, and requests go to the school they name.
pub async fn serve_ecoles(
    listener: TcpListener,
    db_paths: &[PathBuf],
    retention: Option<Retention>,
    restored: bool,
    courriel: Option<notifications::Courriel>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), error::CentralError> {
    let reglages = Reglages {
        retention,
        restored,
        courriel,
        capacite: Capacite::default(),
    };
    serve_limite(listener, db_paths, reglages, shutdown).await
}

/// What `serve_limite` runs with.
pub struct Reglages {
    /// How long the log is kept in full (`None`: never compacted).
    pub retention: Option<Retention>,
    /// The database was just put back from a backup: a new epoch begins.
    pub restored: bool,
    pub courriel: Option<notifications::Courriel>,
    pub capacite: Capacite,
}

/// How much a central takes at once before it answers 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacite {
    /// Requests at each school's database, waiting or running.
    pub file: usize,
    /// Connections served at once.
    pub connexions: usize,
}

impl Default for Capacite {
    fn default() -> Self {
        Capacite {
            file: db::FILE_PAR_DEFAUT,
            connexions: serveur::CONNEXIONS_MAX,
        }
    }
}

/// `serve_ecoles` with its capacity.
pub async fn serve_limite(
    listener: TcpListener,
    db_paths: &[PathBuf],
    reglages: Reglages,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), error::CentralError> {
    let Reglages {
        retention,
        restored,
        courriel,
        capacite,
    } = reglages;
    if restored && db_paths.len() > 1 {
        return Err(error::CentralError::Invalid(
            "--restored vaut pour une seule base : restaurez chacune avec `restore`, puis servez-les ensemble".into(),
        ));
    }
    let mut opened = Vec::new();
    for path in db_paths {
        let db = Db::open(path)?.avec_file(capacite.file);
        let servie = db.with(|c| ecoles::servie(c))?;
        opened.push((path, db, servie));
    }
    let servies: Vec<_> = opened.iter().map(|(_, _, s)| s.clone()).collect();
    ecoles::check_distinct(&servies).map_err(error::CentralError::Invalid)?;
    let mut tasks = Vec::new();
    let mut served = Vec::new();
    for (path, db, servie) in opened {
        open_epoch(&db, path, restored)?;
        if let Some(r) = retention {
            tasks.push(tokio::spawn(compact_periodically(db.clone(), r)));
        }
        tasks.push(tokio::spawn(purge_periodically(db.clone())));
        tasks.push(tokio::spawn(notifications::envoyer_sans_fin(
            db.clone(),
            notifications::Registre::beside(path),
            courriel.clone(),
        )));
        served.push(ecoles::Ecole {
            servie,
            router: router(Central::new(db).with_high_water(path)),
        });
    }
    let outcome = serveur::serve_limite(
        listener,
        ecoles::router(served),
        capacite.connexions,
        shutdown,
    )
    .await
    .map_err(error::CentralError::Io);
    // Wait until the background tasks are gone, and their database handles with them: a
    // handle closed later could checkpoint its WAL into a file put back from a backup.
    for task in tasks {
        task.abort();
        let _ = task.await;
    }
    outcome
}

/// Checks the database against its high-water mark (or begins a new epoch after a restore),
/// then records the mark.
pub fn open_epoch(db: &Db, db_path: &Path, restored: bool) -> Result<(), error::CentralError> {
    use db::identity;
    let known = identity::read_high_water(db_path)?;
    db.with(|conn| {
        if restored {
            // Without a mark (it was lost with the server), the restored log is all we know.
            let high_water = match &known {
                Some(known) => known.clone(),
                None => identity::mark_of(conn)?,
            };
            let id = identity::begin_epoch(conn, &high_water)?;
            tracing::warn!(
                epoch = id.log.epoch,
                floor = id.restore_floor,
                "restored: new epoch"
            );
        } else if let Some(known) = &known {
            identity::check_not_behind(&identity::mark_of(conn)?, known)
                .map_err(error::CentralError::Invalid)?;
        }
        identity::write_high_water(db_path, &identity::mark_of(conn)?)
    })
}

/// Puts the backup `from` in place of the database at `db` (through SQLite, so that a stale WAL
/// is not mixed in) and begins a new epoch above the high-water mark. Run with the service
/// stopped. A file that is not a central database is refused before `db` is touched.
pub fn restore(db: &Path, from: &Path) -> Result<(), error::CentralError> {
    let backup = Db::open(from)?;
    let mut target = rusqlite::Connection::open(db)?;
    backup.with(|src| -> rusqlite::Result<()> {
        rusqlite::backup::Backup::new(src, &mut target)?.run_to_completion(
            256,
            Duration::ZERO,
            None,
        )
    })?;
    drop(target);
    open_epoch(&Db::open(db)?, db, true)
}

/// Removes what is past its time (`conservation`), at start and then hourly.
async fn purge_periodically(db: Db) {
    let mut every = tokio::time::interval(COMPACTION_EVERY);
    loop {
        every.tick().await;
        let db = db.clone();
        let done = tokio::task::spawn_blocking(move || {
            conservation::purger(&db, &conservation::Conservation::default(), clock::now_ms())
        })
        .await;
        match done {
            Ok(Ok(purge)) => tracing::info!(?purge, "purged"),
            // The next tick tries again.
            Ok(Err(e)) => tracing::error!("purge failed: {e}"),
            Err(e) => tracing::error!("purge task failed: {e}"),
        }
    }
}

async fn compact_periodically(db: Db, retention: Retention) {
    let mut every = tokio::time::interval(COMPACTION_EVERY);
    loop {
        every.tick().await;
        match compact_in_batches(&db, retention).await {
            Ok(done) => tracing::info!(?done, "log compacted"),
            // The next tick tries again; serving goes on with a longer log meanwhile.
            Err(e) => tracing::error!("compaction failed: {e}"),
        }
    }
}

/// One compaction, its cleaning a batch per call to the database: pushes and pulls take their
/// turn between two batches, never waiting behind the whole log. A batch turned away by a full
/// queue (the 8:00 burst) waits and comes back.
pub async fn compact_in_batches(
    db: &Db,
    retention: Retention,
) -> Result<db::compaction::Compacted, error::CentralError> {
    use db::compaction;
    let mut done = db
        .call(move |conn| {
            let through = compaction::through_for_age(
                conn,
                clock::now_ms().saturating_sub(retention.keep_ms),
            )?;
            compaction::avancer(conn, through).map_err(error::CentralError::from)
        })
        .await?;
    let mut lo = 0;
    while lo < done.horizon {
        let hi = (lo + compaction::LOT).min(done.horizon);
        match db
            .call(move |conn| compaction::nettoyer(conn, lo, hi).map_err(error::CentralError::from))
            .await
        {
            Ok((tombstones, changes)) => {
                done.tombstones += tombstones;
                done.changes += changes;
                lo = hi;
            }
            Err(error::CentralError::Occupe) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}
