//! `caf serve`: run the collection service until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::Outcome;
use super::exit::Result;
use caf_core::framework::Catalog;
use caf_server::Config;
use caf_server::store::{Store, redact_url};

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
}

pub fn run(args: ServeArgs, catalog: Catalog) -> Result<Outcome> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    caf_server::install_crypto_provider();
    let config = Config {
        listen: args.listen,
        tls: args.tls_cert.zip(args.tls_key),
        max_body: args.max_body,
        rate_per_minute: args.rate_limit,
        rate_burst: args.rate_burst,
        min_group_size: args.min_group_size as usize,
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
