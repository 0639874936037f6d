//! The central service: authenticates staff, re-authorizes every change against the author's
//! scope, orders accepted changes in one gap-free sequence, and serves snapshots and pulls by
//! scope. Stores on SQLite (one file, zero set-up).

pub mod api;
pub mod auth;
pub mod clock;
pub mod db;
pub mod demo;
pub mod error;
pub mod pull;
pub mod push;
pub mod snapshot;

pub use api::{Central, router};
pub use db::Db;

use std::net::SocketAddr;
use std::path::Path;
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
/// start and then hourly when a retention is given.
pub async fn serve(
    listener: TcpListener,
    db_path: &Path,
    retention: Option<Retention>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), error::CentralError> {
    let db = Db::open(db_path)?;
    let compactor = retention.map(|r| tokio::spawn(compact_periodically(db.clone(), r)));
    let app = router(Central::new(db));
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(error::CentralError::Io);
    if let Some(compactor) = compactor {
        compactor.abort();
    }
    served
}

async fn compact_periodically(db: Db, retention: Retention) {
    let mut every = tokio::time::interval(COMPACTION_EVERY);
    loop {
        every.tick().await;
        let done = db
            .call(move |conn| {
                db::compaction::compact_older_than(conn, clock::now_ms(), retention.keep_ms)
                    .map_err(error::CentralError::from)
            })
            .await;
        match done {
            Ok(done) => tracing::info!(?done, "log compacted"),
            // The next tick tries again; serving goes on with a longer log meanwhile.
            Err(e) => tracing::error!("compaction failed: {e}"),
        }
    }
}
