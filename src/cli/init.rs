//! `caf init`: write a complete, commented assessment skeleton to fill in.

use std::path::PathBuf;

use clap::Args;

use super::exit::{Error, Result};
use super::{Outcome, output};
use caf_core::framework::Catalog;
use caf_core::fsutil;
use caf_core::skeleton::{self, Header};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Framework id, e.g. caf-4.0.
    #[arg(long, default_value = "caf-4.0")]
    pub framework: String,
    /// Target profile, e.g. baseline.
    #[arg(long)]
    pub profile: Option<String>,
    /// The organisation's name.
    #[arg(long = "org", value_name = "NAME")]
    pub org: String,
    /// The organisation's identifier (e.g. its ONS/GSS code).
    #[arg(long = "org-id", value_name = "ID", default_value = "")]
    pub org_id: String,
    #[arg(long)]
    pub sector: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    /// Assessment period (default: the current financial year, e.g. 2026/27).
    #[arg(long)]
    pub period: Option<String>,
    /// Where to write the file.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: InitArgs, catalog: &Catalog) -> Result<Outcome> {
    let framework = catalog.framework(&args.framework)?;
    let profile = match &args.profile {
        Some(id) => Some(
            framework
                .profile(id)
                .ok_or_else(|| caf_core::Error::UnknownProfile {
                    framework: framework.id.clone(),
                    id: id.clone(),
                    known: framework.profile_ids().join(", "),
                })?,
        ),
        None => None,
    };
    if args.output.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} already exists; pass --force to replace it",
            args.output.display()
        )));
    }
    let today = fsutil::today();
    let header = Header {
        name: args.org.clone(),
        id: if args.org_id.is_empty() {
            "CHANGE-ME".to_string()
        } else {
            args.org_id.clone()
        },
        sector: args.sector.clone(),
        region: args.region.clone(),
        parent: None,
        system: None,
        assessor: None,
        period: args
            .period
            .clone()
            .unwrap_or_else(|| fsutil::financial_year(today)),
        date: today,
    };
    let text = skeleton::render(&framework, profile, &header);
    output::emit(&text, Some(&args.output))?;
    eprintln!(
        "Wrote {} ({} outcomes, none answered yet). Next: `caf assess {0}` or edit it, then `caf score {0}`.",
        args.output.display(),
        framework.outcomes.len()
    );
    Ok(Outcome::Success)
}
