//! `caf tip ...`: the Targeted Improvement Plan made from a finalised assurance review, in its
//! own file paired with the review by content hash (as the review is with its assessment).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::exit::{Error, Result};
use super::format::{Shown, parser};
use super::plan::AsOf;
use super::{Outcome, output};
use caf_core::assessment::Date;
use caf_core::diagnostic::SourceFile;
use caf_core::framework::Catalog;
use caf_core::fsutil;
use caf_core::review::{self, ReviewReport};
use caf_core::tip::{self, Check, Pairing, Tip};
use caf_render::{Document, RenderOptions};

#[derive(Debug, Subcommand)]
pub enum TipCommand {
    /// Make the plan from a finalised review: every recommendation becomes an action.
    Init(InitArgs),
    /// Approve the plan (every open action then needs a target date).
    Approve(ApproveArgs),
    /// Check the plan against its review, and say where its actions stand (exit 2 if invalid).
    Check(CheckArgs),
    #[cfg(feature = "client")]
    /// Check the plan here, then send it to a collection service (submitter or admin token).
    Submit(super::tip_service::SubmitArgs),
    #[cfg(feature = "client")]
    /// List the plans a collection service holds (an organisation its own; a reviewer its
    /// assigned; an analyst or admin all).
    List(super::tip_service::ListArgs),
    #[cfg(feature = "client")]
    /// Show one stored plan: its details as JSON, or the stored file with --toml.
    Show(super::tip_service::ShowArgs),
    #[cfg(feature = "client")]
    /// Progress across organisations' plans, disclosure-controlled (analyst, admin or viewer).
    Progress(super::tip_service::ProgressArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The finalised review (TOML).
    pub review: PathBuf,
    /// Where to write the plan (never over an existing file).
    #[arg(long, short = 'o', value_name = "TIP.toml")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The plan, rewritten in place.
    pub tip: PathBuf,
    /// Who approves it.
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// The day of approval (YYYY-MM-DD; default today).
    #[arg(long, value_name = "DATE", value_parser = |t: &str| Date::parse(t).ok_or(format!("`{t}` is not a calendar date; write YYYY-MM-DD")))]
    pub on: Option<Date>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The plan.
    pub tip: PathBuf,
    #[arg(long, default_value = "table", value_parser = parser::<Check>(true, None))]
    pub format: Shown,
    #[command(flatten)]
    pub as_of: AsOf,
}

pub fn run(command: TipCommand, catalog: &Catalog) -> Result<Outcome> {
    match command {
        TipCommand::Init(args) => init(args, catalog),
        TipCommand::Approve(args) => approve(args, catalog),
        TipCommand::Check(args) => check(args, catalog),
        #[cfg(feature = "client")]
        TipCommand::Submit(args) => super::tip_service::submit(args, catalog),
        #[cfg(feature = "client")]
        TipCommand::List(args) => super::tip_service::list(args),
        #[cfg(feature = "client")]
        TipCommand::Show(args) => super::tip_service::show(args),
        #[cfg(feature = "client")]
        TipCommand::Progress(args) => super::tip_service::progress(args),
    }
}

/// The review at `path`, checked against its assessment, as its report, with its hash.
fn load_review(path: &Path, catalog: &Catalog) -> Result<(ReviewReport, String)> {
    let source = fsutil::read_source(path)?;
    let named = review::assessment_path(&source)?;
    let assessment = path.parent().unwrap_or(Path::new("")).join(named);
    let loaded = super::score::load(&assessment, catalog)?;
    let review = review::read(&source, &loaded)?;
    Ok((
        ReviewReport::build(&review, &loaded)?,
        tip::content_hash(source.text()),
    ))
}

/// A TIP file, checked against the review it names.
pub fn load(path: &Path, catalog: &Catalog) -> Result<(SourceFile, Tip)> {
    let source = fsutil::read_source(path)?;
    let head = tip::read(&source, None)?;
    let review = path.parent().unwrap_or(Path::new("")).join(&head.review);
    let (report, hash) = load_review(&review, catalog)?;
    let tip = tip::read(&source, Some(&Pairing::of(&report, &hash)))?;
    Ok((source, tip))
}

fn init(args: InitArgs, catalog: &Catalog) -> Result<Outcome> {
    if args.output.exists() {
        return Err(Error::Usage(format!(
            "{} exists: a plan is not overwritten (edit it, or choose another name)",
            args.output.display()
        )));
    }
    let (report, hash) = load_review(&args.review, catalog)?;
    let named = super::name_beside(&args.review, &args.output);
    let text = tip::init(&report, &named, &hash)?;
    fsutil::write_atomic(&args.output, text.as_bytes())?;
    eprintln!(
        "Targeted Improvement Plan ({}) written to {}",
        caf_core::text::plural(report.recommendations.len(), "action"),
        args.output.display()
    );
    Ok(Outcome::Success)
}

fn approve(args: ApproveArgs, catalog: &Catalog) -> Result<Outcome> {
    if args.by.trim().is_empty() {
        return Err(Error::Usage("name who approves the plan with --by".into()));
    }
    let (source, _) = load(&args.tip, catalog)?;
    let on = args.on.unwrap_or_else(fsutil::today);
    let text = tip::approve(&source, &args.by, on)?;
    fsutil::write_atomic(&args.tip, text.as_bytes())?;
    eprintln!(
        "{}: approved by {} on {on}",
        args.tip.display(),
        args.by.trim()
    );
    Ok(Outcome::Success)
}

fn check(args: CheckArgs, catalog: &Catalog) -> Result<Outcome> {
    let (_, tip) = load(&args.tip, catalog)?;
    let check = Check::of(&tip, &args.tip.display().to_string(), args.as_of.date());
    match args.format {
        Shown::File(format) => {
            let bytes = check.render(format, &RenderOptions::default())?;
            output::emit_document(&bytes, None)?;
        }
        Shown::Table => {
            let p = check.progress;
            let mut text = format!(
                "{}: {}, {} priority; {}\n  planned {}, in progress {}, done {}, not planned {}, overdue {} (as of {})\n",
                check.file,
                caf_core::text::plural(p.actions, "action"),
                p.priority,
                if check.approved {
                    format!(
                        "approved by {} on {}",
                        check.approval.approved_by,
                        check
                            .approval
                            .approved_on
                            .map(|d| d.to_string())
                            .unwrap_or_default()
                    )
                } else {
                    "not yet approved".to_string()
                },
                p.planned,
                p.in_progress,
                p.done,
                p.not_planned,
                p.overdue,
                check.as_of
            );
            for o in &check.overdue {
                text.push_str(&format!(
                    "  overdue: {} ({}) due {}, owner {}\n",
                    o.id,
                    o.outcome,
                    o.due,
                    if o.owner.is_empty() { "-" } else { &o.owner }
                ));
            }
            output::emit(&text, None)?;
        }
    }
    Ok(Outcome::Success)
}
