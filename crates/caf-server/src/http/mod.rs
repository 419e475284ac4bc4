//! `caf serve`: the collection service, an HTTP JSON API over the [`crate::store`].
//!
//! Organisations submit assessments; the server re-validates and re-scores each one with its
//! own framework catalogue (a client's score is never trusted), stores it once per content and
//! as a new version per organisation, framework and period, and answers analysts' reads with
//! an audit trail. Routes live in `routes.rs`, authentication and the rate limit in `auth.rs`,
//! parse limits in `limits.rs`. Nothing here prints: the CLI sets up logging and reports.

mod aggregate;
mod auth;
mod error;
mod limits;
mod releases;
mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::store::Store;
use caf_core::framework::Catalog;

pub use routes::openapi;

/// How `caf serve` was asked to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Largest request body accepted, in bytes.
    pub max_body: usize,
    /// Requests per minute per token (0: no limit), and how many may come at once.
    pub rate_per_minute: u32,
    pub rate_burst: u32,
    /// The smallest group an aggregate may publish; a request may raise it, never lower it.
    pub min_group_size: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            tls: None,
            max_body: 1024 * 1024,
            rate_per_minute: 600,
            rate_burst: 120,
            min_group_size: caf_core::aggregate::DEFAULT_MIN_GROUP_SIZE,
        }
    }
}

pub struct AppState {
    pub store: Store,
    pub catalog: Catalog,
    pub limiter: auth::RateLimiter,
    pub max_body: usize,
    pub min_group_size: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot load the TLS certificate or key: {0}")]
    Tls(std::io::Error),
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The whole application, for the server and for tests that drive it in-process.
pub fn app(store: Store, catalog: Catalog, config: &Config) -> Router {
    let state = Arc::new(AppState {
        store,
        catalog,
        limiter: auth::RateLimiter::new(config.rate_per_minute, config.rate_burst),
        max_body: config.max_body,
        min_group_size: config.min_group_size.max(1),
    });
    routes::router(state)
        .layer(DefaultBodyLimit::max(config.max_body))
        .layer(axum::middleware::from_fn(log_request))
}

/// Serves until Ctrl-C or SIGTERM; `ready` is told the bound address (useful with port 0).
pub async fn serve(
    store: Store,
    catalog: Catalog,
    config: Config,
    ready: impl FnOnce(SocketAddr, bool),
) -> Result<(), ServeError> {
    let app = app(store.clone(), catalog, &config);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr()?;
    match &config.tls {
        None => {
            ready(addr, false);
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await?;
        }
        Some((cert, key)) => {
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(ServeError::Tls)?;
            let handle = axum_server::Handle::new();
            let shutdown = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                shutdown.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            ready(addr, true);
            axum_server::from_tcp_rustls(listener.into_std()?, tls)?
                .handle(handle)
                .serve(app.into_make_service())
                .await?;
        }
    }
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let term = async move {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! { _ = ctrl_c => {}, () = term => {} }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!("shutting down");
}

/// One structured log line per request: method, route (the pattern, never the raw path or
/// query, which could carry identifiers), status and time. Headers are never logged.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "<unmatched>".to_string(), |p| p.as_str().to_string());
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let micros = start.elapsed().as_micros() as u64;
    if status >= 500 {
        tracing::warn!(%method, %route, status, micros, "request");
    } else {
        tracing::debug!(%method, %route, status, micros, "request");
    }
    response
}
