//! `caf tip submit|list|show|progress --server URL`: Targeted Improvement Plans held by the
//! collection service, and their progress across organisations.

use std::path::PathBuf;

use clap::Args;

use super::exit::Result;
use super::format::{Shown, parser};
pub use super::reviews::{ListArgs, ShowArgs};
use super::submit::ServerArgs;
use super::{Outcome, output};
use caf_core::assessment::Date;
use caf_core::framework::Catalog;
use caf_core::fsutil;
use caf_core::tip::progress::ProgressReport;
use caf_core::tip::{self, Progress};
use caf_render::{Document, RenderOptions};

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The plan (TOML); checked here first, against the review it names when that file is
    /// beside it.
    pub tip: PathBuf,
    /// The organisation the plan is for (an admin token only; a submitter's is its own).
    #[arg(long, value_name = "ORG")]
    pub organisation: Option<String>,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Args)]
pub struct ProgressArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Judge overdue actions against this date (YYYY-MM-DD) instead of the server's today.
    #[arg(long, value_name = "DATE", value_parser = |t: &str| Date::parse(t).ok_or(format!("`{t}` is not a calendar date; write YYYY-MM-DD")))]
    pub as_of: Option<Date>,
    /// sector, region or parent, as the service registered the organisations.
    #[arg(long, default_value = "sector", value_parser = ["sector", "region", "parent"])]
    pub group_by: String,
    /// Raised to the server's minimum when lower.
    #[arg(long)]
    pub min_group_size: Option<u32>,
    #[arg(long, default_value = "table", value_parser = parser::<ProgressReport>(true, None))]
    pub format: Shown,
}

pub fn submit(args: SubmitArgs, catalog: &Catalog) -> Result<Outcome> {
    // Checked here first: a mistake is reported with its location before anything is sent.
    let source = fsutil::read_source(&args.tip)?;
    let head = tip::read(&source, None)?;
    let review = (args.tip.parent().unwrap_or(std::path::Path::new(""))).join(&head.review);
    if review.exists() {
        super::tip::load(&args.tip, catalog)?;
    } else {
        eprintln!(
            "{} is not beside the plan: the plan is checked on its own here, and against the review by the service.",
            review.display()
        );
    }
    let answer = (args.server.client()?).submit_tip(source.text(), args.organisation.as_deref())?;
    let t = &answer.tip;
    eprintln!(
        "{} plan {} of {} (review {}): version {}, {}.",
        if answer.duplicate {
            "Already stored:"
        } else {
            "Stored"
        },
        t.id,
        t.organisation,
        t.review,
        t.version,
        if t.approved {
            "approved"
        } else {
            "not yet approved"
        }
    );
    output::emit(&format!("{}\n", t.id), None)?;
    Ok(Outcome::Success)
}

pub fn list(args: ListArgs) -> Result<Outcome> {
    let list = args.server.client()?.tips()?;
    let rows = (list.tips.iter())
        .map(|t| {
            vec![
                t.id.clone(),
                t.organisation.clone(),
                t.review.clone(),
                t.version.to_string(),
                if t.approved { "yes" } else { "no" }.to_string(),
                t.updated_at.clone(),
            ]
        })
        .collect();
    output::listing(
        args.json,
        &list,
        &[
            "Id",
            "Organisation",
            "Review",
            "Version",
            "Approved",
            "Updated",
        ],
        rows,
        "plan",
    )?;
    Ok(Outcome::Success)
}

pub fn show(args: ShowArgs) -> Result<Outcome> {
    let detail = args.server.client()?.tip(&args.id)?;
    let text = if args.toml {
        detail.file
    } else {
        output::json(&detail)
    };
    output::emit_document(text.as_bytes(), args.output.as_deref())?;
    Ok(Outcome::Success)
}

pub fn progress(args: ProgressArgs) -> Result<Outcome> {
    let size = args.min_group_size.map(|n| n.to_string());
    let day = args.as_of.map(|d| d.to_string());
    let mut query = vec![("group_by", args.group_by.as_str())];
    if let Some(day) = &day {
        query.push(("as_of", day));
    }
    if let Some(size) = &size {
        query.push(("min_group_size", size));
    }
    let report = args.server.client()?.tip_progress(&query)?;
    match args.format {
        Shown::File(format) => {
            let bytes = report.render(format, &RenderOptions::default())?;
            output::emit_document(&bytes, None)?;
        }
        Shown::Table => output::emit(&output::inert(&progress_table(&report)), None)?,
    }
    Ok(Outcome::Success)
}

fn progress_table(report: &ProgressReport) -> String {
    let mut table = output::table(&[
        "Group",
        "Organisations",
        "With a plan",
        "Actions",
        "Planned",
        "In progress",
        "Done",
        "Not planned",
        "Overdue",
        "Priority open",
    ]);
    let mut row = |group: &str, organisations: usize, with: Option<usize>, p: Option<Progress>| {
        let cell = |n: Option<usize>| n.map_or("–".to_string(), |n| n.to_string());
        table.add_row(vec![
            group.to_string(),
            organisations.to_string(),
            cell(with),
            cell(p.map(|p| p.actions)),
            cell(p.map(|p| p.planned)),
            cell(p.map(|p| p.in_progress)),
            cell(p.map(|p| p.done)),
            cell(p.map(|p| p.not_planned)),
            cell(p.map(|p| p.overdue)),
            cell(p.map(|p| p.priority_open)),
        ]);
    };
    row(
        "(all)",
        report.organisations,
        report.with_tip,
        report.progress,
    );
    for g in &report.groups {
        row(&g.group, g.organisations, g.with_tip, g.progress);
    }
    format!(
        "{table}\nAs of {}; by {}. Approved plans: {}. –: withheld, fewer organisations than the minimum group size ({}).\n",
        report.as_of,
        serde_json::to_value(report.group_by)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        report.approved.map_or("–".to_string(), |n| n.to_string()),
        report.disclosure.min_group_size
    )
}
