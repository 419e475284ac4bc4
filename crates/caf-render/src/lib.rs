//! `caf-render`: thin renderers of the models `caf-core` computes. One [`Format`] enum, one
//! [`palette`], one templates setup, for every document: the assessment report, the aggregate
//! and the scorecard.
//!
//! A renderer lays a model out and nothing else: none scores, counts or decides, so the PDF,
//! the workbook and the web page cannot disagree. JSON is the model itself.
//!
//! Features: `pdf` (krilla, tagged PDF/UA-1) and `xlsx` (rust_xlsxwriter), both on by default. Without one,
//! asking for that format is [`RenderError::Unsupported`].

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod csv;
pub mod error;
pub mod markdown;
pub mod oscal;
pub mod palette;
#[cfg(feature = "pdf")]
mod pdf;
pub mod templates;
mod webcaf;
#[cfg(feature = "xlsx")]
mod xlsx;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use caf_core::{aggregate, call, framework, report, scoring};
use serde::Serialize;

pub use error::{RenderError, Result};

/// The file formats. Closed on purpose: each one is a function in this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Pdf,
    Html,
    Md,
    Csv,
    Xlsx,
    Json,
    /// OSCAL assessment results (NIST OSCAL JSON).
    OscalAr,
    /// OSCAL plan of action and milestones: the improvement plan.
    OscalPoam,
    /// OSCAL catalog: a framework's objectives, principles, outcomes and statements.
    OscalCatalog,
    /// The shape of WebCAF's per-assessment analytics export.
    WebcafJson,
}

impl Format {
    /// Every format; the interchange formats come after JSON, so that a `.json` file name means
    /// this project's own JSON.
    pub const ALL: [Format; 10] = [
        Format::Pdf,
        Format::Html,
        Format::Md,
        Format::Csv,
        Format::Xlsx,
        Format::Json,
        Format::OscalAr,
        Format::OscalPoam,
        Format::WebcafJson,
        Format::OscalCatalog,
    ];

    /// Binary formats are never written to a terminal.
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Pdf | Format::Xlsx)
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::OscalAr => "oscal-ar",
            Format::OscalPoam => "oscal-poam",
            Format::OscalCatalog => "oscal-catalog",
            Format::WebcafJson => "webcaf-json",
            other => other.extension(),
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Html => "html",
            Format::Md => "md",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json
            | Format::OscalAr
            | Format::OscalPoam
            | Format::OscalCatalog
            | Format::WebcafJson => "json",
        }
    }

    /// Whether this build can write the format at all (PDF and Excel are features).
    pub fn is_built(self) -> bool {
        match self {
            Format::Pdf => cfg!(feature = "pdf"),
            Format::Xlsx => cfg!(feature = "xlsx"),
            _ => true,
        }
    }

    /// The format a file name's extension names, if any.
    pub fn from_extension(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Format::ALL.into_iter().find(|f| f.extension() == ext)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown format `{s}`"))
    }
}

/// Choices that change how a document is laid out, never what it says.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// A folder whose files replace the shipped templates of the same name.
    pub templates: Option<PathBuf>,
    /// The board paper: cover, summary, changes, overrides and the improvement plan, without
    /// the per-outcome appendix (the assessment report's PDF, HTML and Markdown).
    pub summary: bool,
}

/// A model that can be rendered.
pub trait Document: Serialize {
    /// What the document is called in messages.
    const NAME: &'static str;
    /// The formats it is drawn in (whether or not this build has them).
    const FORMATS: &'static [Format];

    /// Draws the document in one of [`Self::FORMATS`] other than JSON.
    fn draw(&self, format: Format, options: &RenderOptions) -> Result<Vec<u8>>;

    /// Renders the document: JSON is the model itself; the rest are drawn.
    fn render(&self, format: Format, options: &RenderOptions) -> Result<Vec<u8>> {
        if !Self::FORMATS.contains(&format) || !format.is_built() {
            return Err(RenderError::Unsupported {
                document: Self::NAME,
                format,
            });
        }
        match format {
            Format::Json => Ok(json(self).into_bytes()),
            other => self.draw(other, options),
        }
    }
}

/// Pretty JSON with a final newline: the model exactly as serialised.
pub fn json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("the models serialise to JSON");
    text.push('\n');
    text
}

fn unsupported<T>(document: &'static str, format: Format) -> Result<T> {
    Err(RenderError::Unsupported { document, format })
}

impl Document for report::Report {
    const NAME: &'static str = "the report";
    /// Every format but the catalog (a framework's), which comes last.
    const FORMATS: &'static [Format] = Format::ALL.split_at(9).0;

    fn draw(&self, format: Format, options: &RenderOptions) -> Result<Vec<u8>> {
        match format {
            Format::Html => templates::render(templates::REPORT_HTML, self, options),
            Format::Md => templates::render(templates::REPORT_MARKDOWN, self, options),
            Format::Csv => Ok(csv::report::render(self)),
            Format::OscalAr => Ok(json(&oscal::assessment_results(self))),
            Format::OscalPoam => oscal::poam(self).map(|plan| json(&plan)),
            Format::WebcafJson => Ok(json(&webcaf::render(self))),
            #[cfg(feature = "xlsx")]
            Format::Xlsx => return xlsx::report::render(self),
            #[cfg(feature = "pdf")]
            Format::Pdf => return pdf::report::render(self, options.summary),
            other => return unsupported(Self::NAME, other),
        }
        .map(String::into_bytes)
    }
}

impl Document for aggregate::Report {
    const NAME: &'static str = "the aggregate";
    const FORMATS: &'static [Format] = &[
        Format::Json,
        Format::Csv,
        Format::Xlsx,
        Format::Html,
        Format::Pdf,
    ];

    fn draw(&self, format: Format, options: &RenderOptions) -> Result<Vec<u8>> {
        match format {
            Format::Html => templates::render(
                templates::AGGREGATE_HTML,
                minijinja::context! { report => minijinja::value::Serde(self) },
                options,
            ),
            Format::Csv => Ok(csv::aggregate::render(self)),
            #[cfg(feature = "xlsx")]
            Format::Xlsx => return xlsx::aggregate::render(self),
            #[cfg(feature = "pdf")]
            Format::Pdf => return pdf::aggregate::render(self),
            other => return unsupported(Self::NAME, other),
        }
        .map(String::into_bytes)
    }
}

impl Document for caf_core::review::ReviewReport {
    const NAME: &'static str = "the review report";
    const FORMATS: &'static [Format] = &[Format::Json, Format::Html, Format::Pdf, Format::Xlsx];

    fn draw(&self, format: Format, options: &RenderOptions) -> Result<Vec<u8>> {
        match format {
            Format::Html => {
                templates::render(templates::REVIEW_HTML, self, options).map(String::into_bytes)
            }
            #[cfg(feature = "xlsx")]
            Format::Xlsx => xlsx::review::render(self),
            #[cfg(feature = "pdf")]
            Format::Pdf => pdf::review::render(self),
            other => unsupported(Self::NAME, other),
        }
    }
}

impl Document for caf_core::plan::table::PlanTable {
    const NAME: &'static str = "the plan";
    const FORMATS: &'static [Format] = &[Format::Csv, Format::Xlsx, Format::Json];

    fn draw(&self, format: Format, _options: &RenderOptions) -> Result<Vec<u8>> {
        match format {
            Format::Csv => Ok(csv::plan::render(self).into_bytes()),
            #[cfg(feature = "xlsx")]
            Format::Xlsx => xlsx::plan::render(self),
            other => unsupported(Self::NAME, other),
        }
    }
}

impl Document for caf_core::tip::table::TipTable {
    const NAME: &'static str = "the improvement plan";
    const FORMATS: &'static [Format] = &[Format::Csv, Format::Xlsx, Format::Json];

    fn draw(&self, format: Format, _options: &RenderOptions) -> Result<Vec<u8>> {
        match format {
            Format::Csv => Ok(csv::tip::render(self).into_bytes()),
            #[cfg(feature = "xlsx")]
            Format::Xlsx => xlsx::plan::render_tip(self),
            other => unsupported(Self::NAME, other),
        }
    }
}

impl Document for caf_core::tip::Check {
    const NAME: &'static str = "the improvement plan's check";
    const FORMATS: &'static [Format] = &[Format::Json];

    fn draw(&self, format: Format, _options: &RenderOptions) -> Result<Vec<u8>> {
        unsupported(Self::NAME, format)
    }
}

impl Document for caf_core::tip::progress::ProgressReport {
    const NAME: &'static str = "TIP progress";
    const FORMATS: &'static [Format] = &[Format::Json];

    fn draw(&self, format: Format, _options: &RenderOptions) -> Result<Vec<u8>> {
        unsupported(Self::NAME, format)
    }
}

impl Document for call::status::CallStatus {
    const NAME: &'static str = "the call status";
    const FORMATS: &'static [Format] = &[Format::Json, Format::Csv, Format::Html, Format::Pdf];

    fn draw(&self, format: Format, options: &RenderOptions) -> Result<Vec<u8>> {
        match format {
            Format::Html => templates::render(
                templates::CALL_STATUS_HTML,
                minijinja::context! { status => minijinja::value::Serde(self) },
                options,
            ),
            Format::Csv => Ok(csv::call::render(self)),
            #[cfg(feature = "pdf")]
            Format::Pdf => return pdf::call::render(self),
            other => return unsupported(Self::NAME, other),
        }
        .map(String::into_bytes)
    }
}

impl Document for scoring::Scorecard {
    const NAME: &'static str = "the scorecard";
    const FORMATS: &'static [Format] = &[Format::Json, Format::Csv];

    fn draw(&self, format: Format, _options: &RenderOptions) -> Result<Vec<u8>> {
        match format {
            Format::Csv => Ok(csv::scorecard::render(self).into_bytes()),
            other => unsupported(Self::NAME, other),
        }
    }
}

impl Document for framework::Framework {
    const NAME: &'static str = "a framework";
    const FORMATS: &'static [Format] = &[Format::Json, Format::OscalCatalog];

    fn draw(&self, format: Format, _options: &RenderOptions) -> Result<Vec<u8>> {
        match format {
            Format::OscalCatalog => Ok(json(&oscal::catalog(self)).into_bytes()),
            other => unsupported(Self::NAME, other),
        }
    }
}
