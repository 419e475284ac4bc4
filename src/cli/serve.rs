//! `caf serve`: run the collection service until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::Outcome;
use super::exit::Result;
use caf_core::framework::Catalog;
use caf_server::Config;
use caf_server::store::{Quota, Store, redact_url};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// sqlite://PATH (created when missing) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, env = "CAF_DATABASE", default_value = "sqlite://caf-server.db")]
    pub database: String,
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// PEM certificate chain; with --tls-key, serves HTTPS.
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body: usize,
    /// Requests per minute per token (0 turns the limit off).
    #[arg(long, default_value_t = 600)]
    pub rate_limit: u32,
    /// Requests a token may make at once before the rate applies.
    #[arg(long, default_value_t = 120)]
    pub rate_burst: u32,
    /// The smallest group an aggregate publishes; requests may raise it, never lower it.
    #[arg(long, default_value_t = caf_core::aggregate::DEFAULT_MIN_GROUP_SIZE as u32, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_group_size: u32,
    /// Open connections at most; more are closed as they arrive. Needs this many open files
    /// plus 64 (the soft limit is raised toward the hard one; below it, serve refuses to start).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Seconds a connection may take to send a complete request head, counted from when it
    /// opens or its last response ends: also the idle keep-alive timeout.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a request body may take to arrive.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,
    /// Seconds any request may take before it is answered 503 (the time budget).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Submissions parsed and scored at once (default: the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub parse_workers: Option<u32>,
    /// Submissions in progress at most, parsing or waiting to; more are answered 503.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub parse_queue: u32,
    /// Failed authentications per minute per client address before 429 (0: no limit).
    #[arg(long, default_value_t = 10)]
    pub auth_failure_limit: u32,
    /// Versions an organisation may store per period (0: no limit).
    #[arg(long, default_value_t = 50)]
    pub quota_versions: u32,
    /// Assessment bytes an organisation may store in all (0: no limit).
    #[arg(long, default_value_t = 32 * 1024 * 1024)]
    pub quota_bytes: u64,
}

pub fn run(args: ServeArgs, catalog: Catalog) -> Result<Outcome> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        // Colour only for a person at a terminal, and never under NO_COLOR: a log file or
        // journal gets plain text.
        .with_ansi(super::output::colour_wanted(&std::io::stderr()))
        .try_init();
    caf_server::install_crypto_provider();
    let defaults = Config::default();
    let config = Config {
        listen: args.listen,
        tls: args.tls_cert.zip(args.tls_key),
        max_body: args.max_body,
        rate_per_minute: args.rate_limit,
        rate_burst: args.rate_burst,
        min_group_size: args.min_group_size as usize,
        max_connections: args.max_connections as usize,
        header_timeout: Duration::from_secs(args.header_timeout),
        body_timeout: Duration::from_secs(args.body_timeout),
        request_timeout: Duration::from_secs(args.request_timeout),
        parse_workers: args
            .parse_workers
            .map_or(defaults.parse_workers, |n| n as usize),
        parse_queue: args.parse_queue as usize,
        auth_failures_per_minute: args.auth_failure_limit,
        auth_failure_burst: args.auth_failure_limit,
        quota: Quota {
            versions_per_period: args.quota_versions,
            bytes_per_organisation: args.quota_bytes,
        },
    };
    let database = redact_url(&args.database);
    super::runtime(true)?.block_on(async move {
        let store = Store::open(&args.database).await?;
        caf_server::serve(store, catalog, config, |addr, tls| {
            let scheme = if tls { "https" } else { "http" };
            eprintln!("caf serve: listening on {scheme}://{addr} (database {database})");
        })
        .await?;
        Ok(Outcome::Success)
    })
}
