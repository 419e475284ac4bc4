//! Accepting connections, for plain HTTP and HTTPS alike, with every connection bounded.
//!
//! One accept loop serves both: a TLS connection is a handshake (under the same deadline as
//! a request head) and then the same HTTP/1.1 connection as a plain one. `axum::serve` and
//! `axum_server` keep a connection as long as the client likes; here:
//!
//! - at most `max_connections` are open at once. Beyond that a new connection is closed as
//!   soon as it is accepted, rather than left in the kernel's queue, so that when a slot frees
//!   the next client (a `/healthz` probe, say) is served at once instead of behind a queue of
//!   idle sockets;
//! - a connection must deliver a complete request head within `header_timeout` of opening or
//!   of its last response. hyper's header timer starts when the connection begins waiting for
//!   a request, so this one deadline closes idle keep-alive connections and cuts off clients
//!   that dribble their headers (slow loris) alike;
//! - the file-descriptor limit is raised at start-up to fit the connection cap, or the server
//!   refuses to start and says why.
//!
//! Each request also carries its client address ([`ConnectInfo`]) for the audit log.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// How long connections still open at shutdown may take to finish their requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// File descriptors kept beyond the connection cap: the database pool, the log file, the
/// listener, SQLite's `-wal` and `-shm`, and room for the runtime.
pub const RESERVED_FDS: u64 = 64;

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

/// Raises the soft limit on open files toward the hard limit until it fits `max_connections`
/// plus what the server needs besides; `Err((have, need))` when even the hard limit is too low.
pub fn ensure_fd_limit(max_connections: usize) -> Result<u64, (u64, u64)> {
    let need = max_connections as u64 + RESERVED_FDS;
    let have = rlimit::increase_nofile_limit(need).unwrap_or(0);
    if have >= need {
        Ok(have)
    } else {
        Err((have, need))
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// (up to [`SHUTDOWN_GRACE`]).
pub async fn run(
    listener: TcpListener,
    app: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut refused: u64 = 0;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or a connection reset before it was accepted: neither
                    // is the listener's fault, so wait a moment and go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            refused += 1;
            if refused.is_power_of_two() {
                tracing::warn!(
                    refused,
                    max = limits.max_connections,
                    "connection cap reached: closing new connections"
                );
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let stopping = stopping.clone();
        tokio::spawn(async move {
            let _slot = slot;
            match tls {
                None => serve_connection(stream, peer, app, limits, stopping).await,
                Some(acceptor) => {
                    match tokio::time::timeout(limits.header_timeout, acceptor.accept(stream)).await
                    {
                        Ok(Ok(stream)) => {
                            serve_connection(stream, peer, app, limits, stopping).await;
                        }
                        Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake too slow"),
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all)).await;
}

async fn serve_connection<S>(
    stream: S,
    peer: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    mut stopping: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(request)
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection closed");
            }
        }
        // The one change is to `true` (or the sender going, at the end of the grace).
        _ = stopping.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
