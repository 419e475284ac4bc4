//! `caf reviews submit|list|show|finalise|reopen|gap --server URL`: assurance reviews held by
//! the collection service.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::exit::{Error, Result};
use super::submit::ServerArgs;
use super::{Outcome, output};

#[derive(Debug, Subcommand)]
pub enum ReviewsCommand {
    /// Send a review file (reviewer token); it must pair with a stored submission.
    Submit(SubmitArgs),
    /// List reviews (an organisation its own; a reviewer its assigned; an analyst all).
    List(ListArgs),
    /// Show one review: its details as JSON, or the stored file with --toml.
    Show(ShowArgs),
    /// Finalise a completed review (reviewer token); it is locked until reopened.
    Finalise(IdArgs),
    /// Reopen a finalised review (reviewer or admin); the next file starts a new version.
    Reopen(IdArgs),
    /// Review against self-assessment per outcome, disclosure-controlled (analyst or viewer).
    Gap(GapArgs),
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The review file (TOML).
    pub review: PathBuf,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub id: String,
    /// The stored file itself, byte for byte.
    #[arg(long)]
    pub toml: bool,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    pub id: String,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GapFormat {
    Json,
    Table,
}

#[derive(Debug, Args)]
pub struct GapArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// sector, region or parent.
    #[arg(long, default_value = "sector")]
    pub group_by: String,
    #[arg(long)]
    pub min_group_size: Option<u32>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: GapFormat,
}

fn print_info(what: &str, r: &caf_api::ReviewInfo) -> Result<()> {
    eprintln!(
        "{what} review {} of {} (submission {}): {}, version {}, revision {}.",
        r.id, r.organisation, r.submission, r.status, r.version, r.revision
    );
    output::emit(&format!("{}\n", r.id), None)?;
    Ok(())
}

fn cell(n: Option<usize>) -> String {
    n.map_or("–".to_string(), |n| n.to_string())
}

pub fn run(command: ReviewsCommand) -> Result<Outcome> {
    match command {
        ReviewsCommand::Submit(args) => {
            let text = std::fs::read_to_string(&args.review)
                .map_err(|e| Error::Usage(format!("cannot read {}: {e}", args.review.display())))?;
            let answer = args.server.client()?.submit_review(&text)?;
            let what = if answer.duplicate {
                "Already stored:"
            } else {
                "Stored"
            };
            print_info(what, &answer.review)?;
        }
        ReviewsCommand::List(args) => {
            let list = args.server.client()?.reviews()?;
            let rows = (list.reviews.iter())
                .map(|r| {
                    vec![
                        r.id.clone(),
                        r.organisation.clone(),
                        r.submission.clone(),
                        r.kind.clone(),
                        r.status.clone(),
                        r.version.to_string(),
                        r.updated_at.clone(),
                    ]
                })
                .collect();
            output::listing(
                args.json,
                &list,
                &[
                    "Id",
                    "Organisation",
                    "Submission",
                    "Type",
                    "Status",
                    "Version",
                    "Updated",
                ],
                rows,
                "review",
            )?;
        }
        ReviewsCommand::Show(args) => {
            let detail = args.server.client()?.review(&args.id)?;
            let text = if args.toml {
                detail.file
            } else {
                output::json(&detail)
            };
            output::emit_document(text.as_bytes(), args.output.as_deref())?;
        }
        ReviewsCommand::Finalise(args) => {
            let r = args.server.client()?.finalise_review(&args.id)?;
            print_info("Finalised", &r)?;
        }
        ReviewsCommand::Reopen(args) => {
            let r = args.server.client()?.reopen_review(&args.id)?;
            print_info("Reopened", &r)?;
        }
        ReviewsCommand::Gap(args) => {
            let size = args.min_group_size.map(|n| n.to_string());
            let mut query = vec![("group_by", args.group_by.as_str())];
            if let Some(size) = &size {
                query.push(("min_group_size", size));
            }
            let report = args.server.client()?.review_gap(&query)?;
            let text = match args.format {
                GapFormat::Json => output::json(&report),
                GapFormat::Table => {
                    let mut table = output::table(&[
                        "Group", "Outcome", "Compared", "Higher", "Equal", "Lower",
                    ]);
                    for row in std::iter::once(&report.population).chain(&report.groups) {
                        if row.suppressed {
                            table.add_row(vec![
                                row.key.clone(),
                                "(withheld)".to_string(),
                                String::new(),
                                String::new(),
                                String::new(),
                                String::new(),
                            ]);
                        }
                        for o in &row.outcomes {
                            table.add_row(vec![
                                row.key.clone(),
                                o.outcome.clone(),
                                cell(o.compared),
                                cell(o.higher),
                                cell(o.equal),
                                cell(o.lower),
                            ]);
                        }
                    }
                    output::inert(&format!(
                        "{table}\nHigher: self-assessed above the reviewer's decision. Minimum group size {}.\n",
                        report.disclosure.min_group_size
                    ))
                    .into_owned()
                }
            };
            output::emit(&text, None)?;
        }
    }
    Ok(Outcome::Success)
}
