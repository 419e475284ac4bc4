//! `caf report FILE --format F [-o OUT]`: the report people read, in one of six formats.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Outcome, output};
use crate::error::{Error, Result};
use crate::framework::Catalog;
use crate::report::{Format, RenderOptions, Report};

/// The formats as the command line spells them.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    /// A4 PDF for the board and the auditors (needs -o).
    Pdf,
    /// One self-contained, printable HTML file.
    Html,
    /// Markdown, for a git repository or a wiki.
    Md,
    /// One row per outcome; the editable plan.
    Csv,
    /// Excel workbook: summary, outcomes, plan, statements (needs -o).
    Xlsx,
    /// The report model (schema caf.report/1).
    Json,
}

impl From<ReportFormat> for Format {
    fn from(format: ReportFormat) -> Self {
        match format {
            ReportFormat::Pdf => Format::Pdf,
            ReportFormat::Html => Format::Html,
            ReportFormat::Md => Format::Md,
            ReportFormat::Csv => Format::Csv,
            ReportFormat::Xlsx => Format::Xlsx,
            ReportFormat::Json => Format::Json,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The assessment file (TOML).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum)]
    pub format: ReportFormat,
    /// Where to write the report (written atomically). Text formats go to stdout without it.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Target profile (default: the file's `profile`).
    #[arg(long)]
    pub profile: Option<String>,
    /// Folder of templates that replace the shipped ones file by file (report.html, report.md,
    /// partials/style.css, partials/charts.html).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// An earlier assessment of the same organisation (any framework version with a mapping).
    #[arg(long, value_name = "PREVIOUS.toml")]
    pub compare: Option<PathBuf>,
}

pub fn run(args: ReportArgs, catalog: &Catalog) -> Result<Outcome> {
    let format = Format::from(args.format);
    if format.is_binary() && args.output.is_none() {
        return Err(Error::Usage(format!(
            "the {} format is binary: name the file to write with -o, for example -o report.{}",
            format.extension(),
            format.extension()
        )));
    }
    let loaded = crate::assessment::load(&args.file, catalog)?;
    let mut report = Report::build(&loaded, args.profile.as_deref())?;
    if let Some(previous) = &args.compare {
        let previous = crate::assessment::load(previous, catalog)?;
        report = report.compare_with(&previous, catalog)?;
    }
    let options = RenderOptions {
        templates: args.templates,
    };
    let bytes = crate::report::render(&report, format, &options)?;
    match &args.output {
        Some(path) => crate::fsutil::write_atomic(path, &bytes)?,
        None => output::emit(
            std::str::from_utf8(&bytes).expect("text formats render UTF-8"),
            None,
        )?,
    }
    Ok(Outcome::Success)
}
