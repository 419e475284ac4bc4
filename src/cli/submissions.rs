//! `caf submissions list|show --server URL`: what the collection service holds for you.

use clap::{Args, Subcommand};

use super::exit::Result;
use super::submit::ServerArgs;
use super::{Outcome, output};

#[derive(Debug, Subcommand)]
pub enum SubmissionsCommand {
    /// List submissions (a submitter sees its own organisation's; an analyst sees all).
    List(ListArgs),
    /// Show one submission: its details and the server's scores (analysts' reads are audited).
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long)]
    pub organisation: Option<String>,
    #[arg(long)]
    pub framework: Option<String>,
    #[arg(long)]
    pub period: Option<String>,
    /// Only the current version for each organisation, framework and period.
    #[arg(long)]
    pub current: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub id: String,
    /// The stored assessment file itself, byte for byte, instead of the details as JSON.
    #[arg(long)]
    pub toml: bool,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub server: ServerArgs,
}

pub fn run(command: SubmissionsCommand) -> Result<Outcome> {
    match command {
        SubmissionsCommand::List(args) => list(args),
        SubmissionsCommand::Show(args) => {
            let detail = args.server.client()?.submission(&args.id)?;
            let text = if args.toml {
                detail.assessment
            } else {
                output::json(&detail)
            };
            output::emit_document(text.as_bytes(), args.output.as_deref())?;
            Ok(Outcome::Success)
        }
    }
}

fn list(args: ListArgs) -> Result<Outcome> {
    let client = args.server.client()?;
    let mut query: Vec<(&str, &str)> = Vec::new();
    for (key, value) in [
        ("organisation", &args.organisation),
        ("framework", &args.framework),
        ("period", &args.period),
    ] {
        if let Some(value) = value {
            query.push((key, value));
        }
    }
    if args.current {
        query.push(("current", "true"));
    }
    let list = client.submissions(&query)?;
    if args.json {
        output::emit(&output::json(&list), None)?;
        return Ok(Outcome::Success);
    }
    let mut table = output::table(&[
        "Id",
        "Organisation",
        "Framework",
        "Period",
        "Version",
        "Received",
        "Current",
    ]);
    for s in &list.submissions {
        table.add_row(vec![
            s.id.clone(),
            s.organisation.clone(),
            s.framework.clone(),
            s.period.clone().unwrap_or_default(),
            s.version.to_string(),
            s.received_at.clone(),
            if s.superseded { "no" } else { "yes" }.to_string(),
        ]);
    }
    // Periods and names come from submitted files.
    output::emit(
        &output::inert(&format!(
            "{table}\n{}\n",
            caf_core::text::plural(list.submissions.len(), "submission")
        )),
        None,
    )?;
    Ok(Outcome::Success)
}
