//! The accept loop. `axum::serve` sets no time limit on reading a request, so a client that
//! trickles its headers holds a connection for ever; here hyper is given a timer, a deadline
//! for the headers and, through the router's layers (`api`), one for the whole request.
//! Each request knows the address it came from (the limits and the audit use it).

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// A request's headers arrive within this or the connection closes.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests may finish after the stop signal.
const DRAIN: Duration = Duration::from_secs(10);
/// Connections served at once; one more is answered 503 with `Retry-After` and closed (the
/// database's own queue, `Db`, bounds the work behind them).
pub const CONNEXIONS_MAX: usize = 4096;

pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_limite(listener, app, CONNEXIONS_MAX, shutdown).await
}

/// `serve` with at most `connexions_max` connections served at once.
pub async fn serve_limite(
    listener: TcpListener,
    app: Router,
    connexions_max: usize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    let ouvertes = std::sync::Arc::new(tokio::sync::Semaphore::new(connexions_max));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, a reset before accept: go on after a breath.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let place = ouvertes.clone().try_acquire_owned().ok();
        let app = (place.is_some()).then(|| app.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                match app {
                    Some(app) => app.oneshot(request.map(Body::new)).await,
                    None => Ok(trop_de_connexions()),
                }
            }
        });
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _place = place;
            if let Err(e) = watched.await {
                tracing::debug!("connection from {peer} ended: {e}");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => tracing::warn!("stopped with requests still open"),
    }
    Ok(())
}

/// The answer on a connection beyond the limit: 503, `Retry-After`, and the connection closed.
fn trop_de_connexions() -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response =
        crate::error::ApiFailure::from(crate::error::CentralError::Occupe).into_response();
    response.headers_mut().insert(
        axum::http::header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    response
}
