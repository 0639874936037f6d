//! The central service: authenticates staff, re-authorizes every change against the author's
//! scope, orders accepted changes in one gap-free sequence, and serves snapshots and pulls by
//! scope. Stores on SQLite (one file, zero set-up).

pub mod api;
pub mod auth;
pub mod clock;
pub mod db;
pub mod demo;
pub mod error;
pub mod push;
pub mod snapshot;

pub use api::{Central, router};
pub use db::Db;

use std::net::SocketAddr;
use std::path::Path;
use tokio::net::TcpListener;

/// Opens the store and serves on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    db_path: &Path,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), error::CentralError> {
    let db = Db::open(db_path)?;
    let app = router(Central::new(db));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(error::CentralError::Io)
}
