//! `caf review ASSESSMENT --init -o REVIEW.toml` and `caf review report REVIEW.toml`: the
//! assurance review, in its own file, paired with the assessment by content hash.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use super::exit::{Error, Result};
use super::format::{Shown, parser};
use super::{Outcome, output};
use caf_core::framework::Catalog;
use caf_core::fsutil;
use caf_core::review::{self, ReviewReport, ReviewType};
use caf_render::{Document, RenderOptions};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TypeArg {
    Independent,
    Peer,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
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
    /// Where to write the review file (never over an existing one).
    #[arg(long, short = 'o', value_name = "REVIEW.toml")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// The review report: JSON (schema caf.review/1), one HTML page, or the Excel workbook.
    Report(ReportArgs),
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
        None => init(args, catalog),
    }
}

fn init(args: ReviewArgs, catalog: &Catalog) -> Result<Outcome> {
    let file = args.assessment.expect("clap requires the assessment");
    if !args.init {
        return Err(Error::Usage(
            "the interactive review is not available yet: write the skeleton with --init -o REVIEW.toml and edit it".into(),
        ));
    }
    let Some(out) = args.output else {
        return Err(Error::Usage(
            "name the review file to write with -o REVIEW.toml".into(),
        ));
    };
    if out.exists() {
        return Err(Error::Usage(format!(
            "{} exists: a review is not overwritten (edit it, or choose another name)",
            out.display()
        )));
    }
    let loaded = super::score::load(&file, catalog)?;
    let kind = match args.kind {
        TypeArg::Independent => ReviewType::Independent,
        TypeArg::Peer => ReviewType::Peer,
    };
    let named = relative_to(&file, &out);
    let text = review::skeleton(&loaded, &named, kind, &args.reviewer);
    fsutil::write_atomic(&out, text.as_bytes())?;
    eprintln!("Review of {} written to {}", file.display(), out.display());
    Ok(Outcome::Success)
}

/// How the review file names the assessment: by file name when the two share a folder, else by
/// absolute path.
fn relative_to(assessment: &Path, review: &Path) -> String {
    let folder = |p: &Path| {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::canonicalize(parent).ok()
    };
    match (folder(assessment), assessment.file_name()) {
        (Some(a), Some(name)) if Some(&a) == folder(review).as_ref() => {
            name.to_string_lossy().into_owned()
        }
        (Some(a), Some(name)) => a.join(name).display().to_string(),
        _ => assessment.display().to_string(),
    }
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
    let assessment = folder.join(&named);
    output::refuse_overwriting_inputs(
        args.output.as_deref(),
        [args.review.as_path(), assessment.as_path()],
    )?;
    let loaded = super::score::load(&assessment, catalog)?;
    let review = review::read(&source, &loaded)?;
    let report = ReviewReport::build(&review, &loaded)?;
    let bytes = report.render(format, &RenderOptions::default())?;
    output::emit_document(&bytes, args.output.as_deref())?;
    Ok(Outcome::Success)
}
