//! `caf-server`: the collection service. [`store`] is the database (SQLite or PostgreSQL, one
//! SQL path); [`http`] is `caf serve`'s JSON API over it, speaking the bodies of [`caf_api`].
//! Scoring and aggregation come from `caf-core`, so the server and the command line cannot
//! disagree about a result.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

mod convert;
pub mod http;
pub mod store;

pub use http::{Config, ServeError, app, openapi, serve};

/// Installs ring as rustls's crypto provider (once per process), for serving HTTPS.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
