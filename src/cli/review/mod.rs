//! `caf review ASSESSMENT -o REVIEW.toml` (the walk-through, or `--init` for the skeleton),
//! `caf review finalise|reopen REVIEW.toml` and `caf review report REVIEW.toml`: the assurance
//! review, in its own file, paired with the assessment by content hash.
//!
//! The walk-through's prompts are in [`session`]; where the reviewer is and what an answer
//! changes live in [`caf_core::review::walk`], and the file is written by
//! [`caf_core::review::file`], one confirmed answer at a time.

mod session;

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use super::exit::{Error, Result};
use super::format::{Shown, parser};
use super::{Outcome, output};
use caf_core::framework::Catalog;
use caf_core::fsutil;
use caf_core::review::file::ReviewFile;
use caf_core::review::{self, ReviewReport, ReviewType, lifecycle};
use caf_render::{Document, RenderOptions};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TypeArg {
    Independent,
    Peer,
}

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Without --init, `caf review ASSESSMENT -o REVIEW.toml` walks you through every outcome in the terminal:\n\
the self-assessment's status, statements, comments and evidence, then your decision, whether you agree\n\
with each statement, a comment and recommendations; then each objective's notes and the overall fields.\n\
Every confirmed answer is saved at once; run the same command again to carry on where you stopped.\n\n\
Lifecycle: to-do, in-progress (the first answer), completed (marked at the end of the walk, once every\n\
outcome has a decision), finalised (`caf review finalise`); `caf review reopen` makes a finalised review\n\
the next version, in progress, its answers kept."
)]
pub struct ReviewArgs {
    #[command(subcommand)]
    pub command: Option<ReviewCommand>,
    /// The assessment to review (TOML).
    #[arg(required = true)]
    pub assessment: Option<PathBuf>,
    /// Write the review skeleton (every outcome and objective, the pairing hash) without
    /// prompts; edit it directly.
    #[arg(long)]
    pub init: bool,
    /// independent (GovAssure Enhanced requires it) or peer.
    #[arg(long = "type", value_enum, default_value = "independent")]
    pub kind: TypeArg,
    /// The reviewer's name.
    #[arg(long, default_value = "")]
    pub reviewer: String,
    /// The review file: created when absent; an existing one is continued by the
    /// walk-through (never overwritten by --init).
    #[arg(long, short = 'o', value_name = "REVIEW.toml")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// The review report: JSON (schema caf.review/1), one HTML page, a tagged PDF, or the
    /// Excel workbook.
    Report(ReportArgs),
    /// Finalise a completed review in which every outcome has a decision.
    Finalise(FileArgs),
    /// Reopen a finalised review as its next version, in progress, its answers kept.
    Reopen(FileArgs),
}

#[derive(Debug, Args)]
pub struct FileArgs {
    /// The review file (changed in place).
    pub review: PathBuf,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The review file.
    pub review: PathBuf,
    #[arg(long, short = 'f', value_parser = parser::<ReviewReport>(false, None))]
    pub format: Shown,
    /// Where to write it (atomically); JSON goes to stdout without it.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
}

pub fn run(args: ReviewArgs, catalog: &Catalog) -> Result<Outcome> {
    match args.command {
        Some(ReviewCommand::Report(report)) => run_report(report, catalog),
        Some(ReviewCommand::Finalise(file)) => lifecycle(&file.review, catalog, Step::Finalise),
        Some(ReviewCommand::Reopen(file)) => lifecycle(&file.review, catalog, Step::Reopen),
        None => start(args, catalog),
    }
}

fn start(args: ReviewArgs, catalog: &Catalog) -> Result<Outcome> {
    let file = args
        .assessment
        .clone()
        .expect("clap requires the assessment");
    let Some(out) = args.output.clone() else {
        return Err(Error::Usage(
            "name the review file with -o REVIEW.toml".into(),
        ));
    };
    if !args.init {
        return session::run(&args, &file, &out, catalog);
    }
    if out.exists() {
        return Err(Error::Usage(format!(
            "{} exists: a review is not overwritten (edit it, continue it with `caf review {} -o {0}`, or choose another name)",
            out.display(),
            file.display()
        )));
    }
    let loaded = super::score::load(&file, catalog)?;
    write_skeleton(&args, &file, &out, &loaded)?;
    eprintln!("Review of {} written to {}", file.display(), out.display());
    Ok(Outcome::Success)
}

/// Writes a new review file (atomically) for `loaded`, read from `file`.
fn write_skeleton(
    args: &ReviewArgs,
    file: &Path,
    out: &Path,
    loaded: &caf_core::assessment::LoadedAssessment,
) -> Result<()> {
    let kind = match args.kind {
        TypeArg::Independent => ReviewType::Independent,
        TypeArg::Peer => ReviewType::Peer,
    };
    let named = super::name_beside(file, out);
    let text = review::skeleton(loaded, &named, kind, &args.reviewer);
    fsutil::write_atomic(out, text.as_bytes())?;
    Ok(())
}

/// A review file and the assessment it names, read and paired (a changed assessment is
/// refused).
struct Paired {
    source: caf_core::diagnostic::SourceFile,
    assessment: PathBuf,
    loaded: caf_core::assessment::LoadedAssessment,
    review: review::Review,
}

fn paired(path: &Path, catalog: &Catalog) -> Result<Paired> {
    let source = fsutil::read_source(path)?;
    let named = review::assessment_path(&source)?;
    let folder = path.parent().unwrap_or(Path::new(""));
    let assessment = folder.join(&named);
    let loaded = super::score::load(&assessment, catalog)?;
    let review = review::read(&source, &loaded)?;
    Ok(Paired {
        source,
        assessment,
        loaded,
        review,
    })
}

#[derive(Clone, Copy)]
enum Step {
    Finalise,
    Reopen,
}

/// `caf review finalise|reopen`: the status (and version) changed in place, nothing else.
fn lifecycle(path: &Path, catalog: &Catalog, step: Step) -> Result<Outcome> {
    let p = paired(path, catalog)?;
    let change = match step {
        Step::Finalise => lifecycle::finalise(&p.source, &p.review, &p.loaded.framework)?,
        Step::Reopen => lifecycle::reopen(&p.source, &p.review)?,
    };
    let mut file = ReviewFile::from_text(path, p.source.text())?;
    file.apply(&change);
    // The written file must still read as a review of the same assessment.
    let after = caf_core::diagnostic::SourceFile::new(p.source.name().to_string(), file.text());
    let review = review::read(&after, &p.loaded)?;
    file.save()?;
    match step {
        Step::Finalise => eprintln!(
            "Version {} of the review in {} is finalised.",
            review.version,
            path.display()
        ),
        Step::Reopen => eprintln!(
            "{} is reopened as version {}, in progress; continue it with `caf review {} -o {0}`.",
            path.display(),
            review.version,
            p.assessment.display()
        ),
    }
    Ok(Outcome::Success)
}

fn run_report(args: ReportArgs, catalog: &Catalog) -> Result<Outcome> {
    let Shown::File(format) = args.format else {
        unreachable!("the parser offers no table for reviews")
    };
    if format.is_binary() && args.output.is_none() {
        return Err(Error::Usage(format!(
            "the {format} format is binary: name the file to write with -o"
        )));
    }
    let source = fsutil::read_source(&args.review)?;
    let named = review::assessment_path(&source)?;
    let folder = args.review.parent().unwrap_or(Path::new(""));
    output::refuse_overwriting_inputs(
        args.output.as_deref(),
        [args.review.as_path(), folder.join(&named).as_path()],
    )?;
    let p = paired(&args.review, catalog)?;
    let report = ReviewReport::build(&p.review, &p.loaded)?;
    let bytes = report.render(format, &RenderOptions::default())?;
    output::emit_document(&bytes, args.output.as_deref())?;
    Ok(Outcome::Success)
}
