//! `caf serve`: the collection service, an HTTP JSON API over the [`crate::store`].
//!
//! Organisations submit assessments; the server re-validates and re-scores each one with its
//! own framework catalogue (a client's score is never trusted), stores it once per content and
//! as a new version per organisation, framework and period, and answers analysts' reads with
//! an audit trail. Routes live in `routes.rs`, authentication and the rate limits in `auth.rs`,
//! parse limits in `limits.rs`, bounded parsing in `work.rs`, connections in `listen.rs`.
//! Every request runs under a time budget, and every refusal is audited (below). Nothing
//! here prints: the CLI sets up logging and reports.

mod aggregate;
mod auth;
mod call_current;
mod call_members;
mod calls;
mod current;
mod error;
mod limits;
mod listen;
mod period;
mod releases;
mod reviews;
mod routes;
mod tips;
mod work;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::store::{AuditEntry, Quota, Store};
use caf_core::aggregate::stored::Codec;
use caf_core::framework::Catalog;
use error::{ApiError, Refusal};

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
    /// Open connections at most; more are closed as they arrive.
    pub max_connections: usize,
    /// From a connection opening, or its last response, to a complete request head: the
    /// idle keep-alive timeout and the slow-header cut-off in one.
    pub header_timeout: Duration,
    /// The longest a request body may take to arrive.
    pub body_timeout: Duration,
    /// The longest any request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Submissions parsed at once, and in progress at most (parsing or waiting to).
    pub parse_workers: usize,
    pub parse_queue: usize,
    /// Failed authentications per minute per client address, and how many at once.
    pub auth_failures_per_minute: u32,
    pub auth_failure_burst: u32,
    /// Per organisation: versions per period and assessment bytes stored (0: no limit).
    pub quota: Quota,
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
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(20),
            request_timeout: Duration::from_secs(30),
            parse_workers: std::thread::available_parallelism().map_or(2, usize::from),
            parse_queue: 64,
            auth_failures_per_minute: 10,
            auth_failure_burst: 10,
            quota: Quota {
                versions_per_period: 50,
                bytes_per_organisation: 32 * 1024 * 1024,
            },
        }
    }
}

pub struct AppState {
    pub store: Store,
    pub catalog: Catalog,
    /// The catalogue's framework fingerprints, for the digests stored with submissions.
    pub codec: Codec,
    pub limiter: auth::RateLimiter,
    pub auth_failures: auth::RateLimiter,
    pub audit_throttle: auth::AuditThrottle,
    pub work: work::Work,
    pub max_body: usize,
    pub body_timeout: Duration,
    pub request_timeout: Duration,
    pub min_group_size: usize,
    /// Data calls as parsed, by id and version (see `calls.rs`).
    pub calls: calls::Parsed,
    /// Every organisation's current submissions as aggregates fold them (see `current.rs`).
    pub current: current::Current,
    /// Folds of the current submissions, kept until one changes (see `aggregate.rs`).
    pub folds: aggregate::Folds,
    /// Each data call's current responses, kept up to date (see `call_current.rs`).
    pub call_answers: call_current::Current,
    /// Each data call's audience as registered, kept up to date (see `call_members.rs`).
    pub call_audiences: call_members::Audiences,
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
    #[error(
        "--max-connections {max} needs {need} open files, but this process may open only {have} (its hard limit); raise `ulimit -n` or lower --max-connections"
    )]
    FdLimit { max: usize, have: u64, need: u64 },
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot prepare the stored submissions: {0}")]
    Store(crate::store::StoreError),
}

/// The whole application, for the server and for tests that drive it in-process.
pub fn app(store: Store, catalog: Catalog, config: &Config) -> Router {
    router(app_state(store, catalog, config), config)
}

fn app_state(store: Store, catalog: Catalog, config: &Config) -> Arc<AppState> {
    Arc::new(AppState {
        store: store.with_quota(config.quota),
        codec: Codec::new(&catalog),
        catalog,
        limiter: auth::RateLimiter::new(config.rate_per_minute, config.rate_burst),
        auth_failures: auth::RateLimiter::new(
            config.auth_failures_per_minute,
            config.auth_failure_burst,
        ),
        audit_throttle: auth::AuditThrottle::default(),
        work: work::Work::new(config.parse_workers, config.parse_queue),
        max_body: config.max_body,
        body_timeout: config.body_timeout,
        request_timeout: config.request_timeout,
        min_group_size: config.min_group_size.max(1),
        calls: calls::Parsed::default(),
        current: current::Current::default(),
        folds: aggregate::Folds::default(),
        call_answers: call_current::Current::default(),
        call_audiences: call_members::Audiences::default(),
    })
}

fn router(state: Arc<AppState>, config: &Config) -> Router {
    // Outermost last: the log sees the audited answer, the audit sees the time budget's.
    routes::router(state.clone())
        .layer(DefaultBodyLimit::max(config.max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            time_budget,
        ))
        .layer(axum::middleware::from_fn_with_state(state, audit_refusals))
        .layer(axum::middleware::from_fn(log_request))
}

/// Serves until Ctrl-C or SIGTERM; `ready` is told the bound address (useful with port 0).
pub async fn serve(
    store: Store,
    catalog: Catalog,
    config: Config,
    ready: impl FnOnce(SocketAddr, bool),
) -> Result<(), ServeError> {
    let max = config.max_connections.max(1);
    let have = listen::ensure_fd_limit(max).map_err(|(have, need)| ServeError::FdLimit {
        max,
        have,
        need,
    })?;
    tracing::debug!(open_files = have, max_connections = max, "file limit");
    let state = app_state(store.clone(), catalog, &config);
    refresh_digests(&state).await?;
    let app = router(state, &config);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr()?;
    let tls = match &config.tls {
        None => None,
        Some((cert, key)) => {
            let loaded = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(ServeError::Tls)?;
            // HTTP/1.1 only: the header and idle deadlines are HTTP/1's.
            let mut tls = (*loaded.get_inner()).clone();
            tls.alpn_protocols = vec![b"http/1.1".to_vec()];
            Some(tokio_rustls::TlsAcceptor::from(Arc::new(tls)))
        }
    };
    ready(addr, tls.is_some());
    let limits = listen::ConnectionLimits {
        max_connections: max,
        header_timeout: config.header_timeout,
    };
    listen::run(listener, app, tls, limits, shutdown_signal()).await;
    store.close().await;
    Ok(())
}

/// Digests every stored submission that has none, or one scored under a framework definition
/// this catalogue does not have, before the first request (see `store/digests.rs`).
async fn refresh_digests(state: &Arc<AppState>) -> Result<(), ServeError> {
    let current: std::collections::HashSet<&str> = (state.catalog.ids().into_iter())
        .filter_map(|id| state.codec.fingerprint(id))
        .collect();
    let task_state = state.clone();
    let started = Instant::now();
    let looked_at = state
        .store
        .refresh_digests(
            |fingerprint| current.contains(fingerprint),
            move |text| {
                let catalog = &task_state.catalog;
                let digest = caf_core::aggregate::digest_of_text("stored", text, catalog).ok()?;
                task_state.codec.encode(&digest)
            },
        )
        .await
        .map_err(ServeError::Store)?;
    if looked_at > 0 {
        tracing::info!(
            submissions = looked_at,
            millis = started.elapsed().as_millis() as u64,
            "digests made from stored texts"
        );
    }
    Ok(())
}

/// Answers 503 when a request passes the time budget. Work already handed to the blocking
/// pool finishes there under its worker's permit (see `work.rs`); a submission whose answer
/// was lost is recognised as a repeat when the client retries.
async fn time_budget(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::busy(
            "time-budget",
            format!(
                "the request took longer than the server's {} s budget",
                state.request_timeout.as_secs_f64()
            ),
        )
        .into_response(),
    }
}

/// Audits every refused `/api/v1` request (4xx but 404, and the 503s of a server protecting
/// itself): who (token id, never the token), what was asked, the answer, and from where.
/// Handlers audit their own 404s (a refused read looks like a missing one from outside).
/// Refusals that come in floods (rate limits, a saturated server) are throttled per caller:
/// the first is recorded, then one a minute with a count of those in between.
async fn audit_refusals(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let who = auth::Who::default();
    request.extensions_mut().insert(who.clone());
    let client = auth::client_of(request.extensions());
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "<unmatched>".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    let status = response.status();
    let Some(refusal) = response.extensions().get::<Refusal>() else {
        return response;
    };
    let refused = (status.is_client_error() && status != StatusCode::NOT_FOUND)
        || status == StatusCode::SERVICE_UNAVAILABLE && refusal.code != "unavailable";
    if !refused || !path.starts_with("/api/") {
        return response;
    }
    let (token_id, role) = who.get();
    let flood = matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) && refusal.code != "quota-versions";
    let unrecorded = if flood {
        let key = format!(
            "{}|{token_id}|{}",
            refusal.code,
            client.as_deref().unwrap_or("")
        );
        match state.audit_throttle.admit(&key) {
            Some(n) => n,
            None => return response,
        }
    } else {
        0
    };
    let mut detail = format!(
        "{method} {route} -> {} {}: {}",
        status.as_u16(),
        refusal.code,
        truncate(&refusal.message, 300)
    );
    if unrecorded > 0 {
        detail.push_str(&format!(
            " ({unrecorded} more like it since the last entry)"
        ));
    }
    let entry = AuditEntry {
        token_id: &token_id,
        role,
        action: "refused",
        submission_id: None,
        org_id: None,
        detail: Some(detail),
        client: client.as_deref(),
    };
    if let Err(error) = state.store.audit(entry).await {
        tracing::error!(%error, "cannot audit a refusal");
    }
    response
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
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
