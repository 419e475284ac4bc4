//! `caf submit FILE --server URL`: validate locally, then send to the collection service.

use std::path::PathBuf;

use clap::Args;

use super::config::{ClientConfig, token_from_environment};
use super::exit::{Error, Result};
use super::{Outcome, output};
use caf_client::{Client, Retry};
use caf_core::framework::Catalog;

/// Where the server is and how to reach it; shared by the commands that talk to one.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The collection service, e.g. `https://caf.example.gov.uk` (or `server` in the config file).
    #[arg(long, env = "CAF_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// A private CA's certificate (PEM) to trust for the server's TLS certificate.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Attempts on network errors, 429 and 5xx before giving up.
    #[arg(long, default_value_t = 6)]
    pub attempts: u32,
}

impl ServerArgs {
    /// The client, with the token from CAF_TOKEN or the config file (never from argv).
    pub fn client(&self) -> Result<Client> {
        let config = ClientConfig::load()?;
        let server = self
            .server
            .clone()
            .or(config.server.clone())
            .ok_or_else(|| {
                Error::Usage(
                    "no server: pass --server URL, set CAF_SERVER, or put `server = \"...\"` in the config file"
                        .to_string(),
                )
            })?;
        let token = token_from_environment(&config)?;
        let ca = self.ca_cert.clone().or(config.ca_cert);
        Ok(Client::new(
            &server,
            token,
            ca.as_deref(),
            Retry {
                attempts: self.attempts.max(1),
                ..Retry::default()
            },
        )?)
    }
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The assessment file (TOML).
    pub file: PathBuf,
    #[command(flatten)]
    pub server: ServerArgs,
    /// Print the server's answer as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SubmitArgs, catalog: &Catalog) -> Result<Outcome> {
    // Validate here first: a mistake is reported with its location before anything is sent.
    let loaded = super::score::load(&args.file, catalog)?;
    loaded.profile(None)?;
    let unreviewed: Vec<&str> = loaded
        .assessment
        .outcomes
        .iter()
        .filter(|(_, answer)| answer.needs_review)
        .map(|(id, _)| id.as_str())
        .collect();
    if !unreviewed.is_empty() {
        eprintln!(
            "warning: {} still {} last period's answers unreviewed ({}); they are \
             submitted as they stand and counted as unreviewed",
            caf_core::text::plural(unreviewed.len(), "outcome"),
            if unreviewed.len() == 1 {
                "carries"
            } else {
                "carry"
            },
            unreviewed.join(", ")
        );
    }
    let client = args.server.client()?;
    let answer = client.submit(loaded.source.text())?;
    if args.json {
        output::emit(&output::json(&answer), None)?;
        return Ok(Outcome::Success);
    }
    let s = &answer.submission;
    let what = format!(
        "{} {}{}",
        s.organisation,
        s.framework,
        s.period
            .as_deref()
            .map_or(String::new(), |p| format!(" {p}"))
    );
    let mut text = if answer.duplicate {
        format!(
            "Already stored: {what} version {} ({}) has this exact content; nothing new was stored.\n",
            s.version, s.id
        )
    } else {
        let supersedes = answer
            .supersedes
            .as_deref()
            .map_or(String::new(), |p| format!(", superseding {p}"));
        format!(
            "Stored {what} as version {} ({}){supersedes}.\n",
            s.version, s.id
        )
    };
    if s.unreviewed > 0 || s.overridden > 0 {
        text.push_str(&format!(
            "The server recorded {} as not yet reviewed and {} as overridden.\n",
            caf_core::text::plural(s.unreviewed as usize, "outcome"),
            s.overridden
        ));
    }
    output::emit(&text, None)?;
    Ok(Outcome::Success)
}
