//! `caf init`: write a complete, commented assessment skeleton to fill in, or (with
//! `--carry-forward LAST`) the next period's file from last period's answers.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::carry::{self, Request};
use super::exit::{Error, Result};
use super::{Outcome, output};
use caf_core::framework::Catalog;
use caf_core::fsutil;
use caf_core::skeleton::{self, Header};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitFormat {
    /// The per-outcome summary as a table.
    Text,
    /// The carry-forward plan as a `caf.carry/1` document.
    Json,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Framework id (default: caf-4.0, with --carry-forward too).
    #[arg(long)]
    pub framework: Option<String>,
    /// Target profile, e.g. baseline (with --carry-forward: last period's, when the framework
    /// has it).
    #[arg(long)]
    pub profile: Option<String>,
    /// The organisation's name.
    #[arg(
        long = "org",
        value_name = "NAME",
        required_unless_present = "carry_forward",
        conflicts_with = "carry_forward"
    )]
    pub org: Option<String>,
    /// The organisation's identifier (e.g. its ONS/GSS code).
    #[arg(long = "org-id", value_name = "ID", conflicts_with = "carry_forward")]
    pub org_id: Option<String>,
    #[arg(long, conflicts_with = "carry_forward")]
    pub sector: Option<String>,
    #[arg(long, conflicts_with = "carry_forward")]
    pub region: Option<String>,
    /// Assessment period (default: the current financial year, e.g. 2026/27; with
    /// --carry-forward the year after last period's).
    #[arg(long)]
    pub period: Option<String>,
    /// Start from last period's file: its organisation and scope, and every answer that can be
    /// carried (across versions, statement by statement through the statement map), each
    /// marked as needing review. Prints what was carried per outcome.
    #[arg(long, value_name = "LAST")]
    pub carry_forward: Option<PathBuf>,
    /// How to print the carry-forward summary (stdout).
    #[arg(long, value_enum, default_value = "text", requires = "carry_forward")]
    pub format: InitFormat,
    /// Where to write the file.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: InitArgs, catalog: &Catalog) -> Result<Outcome> {
    if let Some(last) = &args.carry_forward {
        output::refuse_overwriting_inputs(Some(&args.output), [last.as_path()])?;
        return carry_forward(&args, last, catalog);
    }
    let framework = catalog.framework(args.framework.as_deref().unwrap_or("caf-4.0"))?;
    let profile = carry::resolve_profile(&framework, args.profile.as_deref())?;
    carry::check_new(&args.output, args.force, "pass --force to replace it")?;
    let today = fsutil::today();
    let org_id = args.org_id.clone().unwrap_or_default();
    let header = Header {
        name: args.org.clone().unwrap_or_default(),
        id: if org_id.is_empty() {
            "CHANGE-ME".to_string()
        } else {
            org_id
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

fn carry_forward(args: &InitArgs, last: &std::path::Path, catalog: &Catalog) -> Result<Outcome> {
    carry::check_new(&args.output, args.force, "pass --force to replace it")?;
    if args.output == last {
        return Err(Error::Usage(
            "--output names last period's file; write the new period to another file".into(),
        ));
    }
    let prepared = carry::prepare(
        &Request {
            last,
            framework: args.framework.as_deref(),
            default_framework: Some("caf-4.0"),
            profile: args.profile.as_deref(),
            period: args.period.as_deref(),
            out: &args.output,
        },
        catalog,
    )?;
    prepared.file.save()?;
    let text = match args.format {
        InitFormat::Text => carry::summary_text(&prepared, &args.output),
        InitFormat::Json => carry::summary_json(&prepared, &args.output),
    };
    output::emit(&text, None)?;
    eprintln!(
        "Next: `caf assess {0}` to review each carried answer (confirm or change it), then `caf score {0}`.",
        args.output.display()
    );
    Ok(Outcome::Success)
}
