//! `caf report FILE --format F [-o OUT]`: the report people read, and the interchange formats
//! (OSCAL, WebCAF) other tools read.

use std::path::PathBuf;

use clap::Args;

use super::exit::{Error, Result};
use super::{Outcome, output};
use caf_core::framework::Catalog;
use caf_core::report::Report;
use caf_render::{Document, Format, RenderOptions};

use super::format::{Shown, parser, resolve};

/// How `caf report --help` describes each format.
fn describe(format: Format) -> &'static str {
    match format {
        Format::Pdf => "A4 PDF for the board and the auditors (needs -o)",
        Format::Html => "One self-contained, printable HTML file",
        Format::Md => "Markdown, for a git repository or a wiki",
        Format::Csv => "One row per outcome; the editable plan",
        Format::Xlsx => "Excel workbook: summary, outcomes, plan, statements (needs -o)",
        Format::Json => "The report model (schema caf.report/1)",
        Format::OscalAr => "OSCAL assessment results: one finding per outcome (docs/oscal.md)",
        Format::OscalPoam => "OSCAL plan of action and milestones: the improvement plan",
        Format::WebcafJson => "WebCAF's analytics export shape, for WebCAF's data stream",
        Format::OscalCatalog => "OSCAL catalog (frameworks export only)",
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The assessment file (TOML).
    pub file: PathBuf,
    /// Output format (default: the one -o's extension names).
    #[arg(long, short = 'f', value_parser = parser::<Report>(false, Some(describe)))]
    pub format: Option<Shown>,
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
    /// Let --compare name another organisation's assessment (every format then says so).
    #[arg(long, requires = "compare")]
    pub allow_other_organisation: bool,
    /// Score targets on the statuses the statements give: overrides are shown, not counted.
    #[arg(long)]
    pub computed: bool,
    /// Plan towards this profile (a stretch target, e.g. enhanced) instead of the scoring one.
    #[arg(long, value_name = "PROFILE")]
    pub plan_profile: Option<String>,
    #[command(flatten)]
    pub as_of: super::plan::AsOf,
    /// A board paper: cover, summary, changes since the last period, overrides and unreviewed
    /// answers, and the improvement plan, without the per-outcome appendix (PDF, HTML, Markdown).
    #[arg(long)]
    pub summary: bool,
}

pub fn run(args: ReportArgs, catalog: &Catalog) -> Result<Outcome> {
    let Shown::File(format) = resolve(args.format, args.output.as_deref(), None)? else {
        return Err(Error::Usage(
            "a report is a file: name its --format".to_string(),
        ));
    };
    if format.is_binary() && args.output.is_none() {
        return Err(Error::Usage(format!(
            "the {} format is binary: name the file to write with -o, for example -o report.{}",
            format.extension(),
            format.extension()
        )));
    }
    output::refuse_overwriting_inputs(
        args.output.as_deref(),
        std::iter::once(args.file.as_path()).chain(args.compare.as_deref()),
    )?;
    let loaded = super::score::load(&args.file, catalog)?;
    let options = caf_core::report::BuildOptions {
        score: caf_core::scoring::ScoreOptions {
            computed: args.computed,
        },
        plan: caf_core::report::PlanOptions {
            profile: args.plan_profile.clone(),
            as_of: Some(args.as_of.date()),
        },
    };
    let mut report = Report::build_with(&loaded, args.profile.as_deref(), &options)?;
    if let Some(previous) = &args.compare {
        let previous = super::score::load(previous, catalog)?;
        let options = caf_core::report::CompareOptions {
            allow_other_organisation: args.allow_other_organisation,
        };
        report = report.compare_with(&previous, catalog, options)?;
    }
    let options = RenderOptions {
        templates: args.templates,
        summary: args.summary,
    };
    let bytes = report.render(format, &options)?;
    output::emit_document(&bytes, args.output.as_deref())?;
    Ok(Outcome::Success)
}
