//! Rendering errors: a template that does not parse or render, a template folder that cannot
//! be read, a format a document does not have, or a writer that failed.

use std::path::PathBuf;

use crate::Format;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A (user's or shipped) template that does not parse or render.
    #[error("template {name}: {source:#}")]
    Template {
        name: String,
        source: Box<minijinja::Error>,
    },
    #[error("cannot read template {}: {source}", path.display())]
    ReadTemplate {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("templates folder {}: not a folder", .0.display())]
    TemplatesNotAFolder(PathBuf),
    /// This document is not drawn in this format, or the format was left out of this build.
    #[error("{document} cannot be written as {format}")]
    Unsupported {
        document: &'static str,
        format: Format,
    },
    /// An OSCAL plan of action needs at least one item, and no outcome is below a target.
    #[error(
        "no outcome is below its target, so there is no plan of action to write (give a profile with --profile, or use oscal-ar)"
    )]
    EmptyPlan,
    /// The PDF writer refused the document (krilla checks PDF/UA-1 as it writes).
    #[cfg(feature = "pdf")]
    #[error("cannot write the PDF: {0}")]
    Pdf(#[from] krilla::error::KrillaError),
    #[cfg(feature = "xlsx")]
    #[error("cannot write the Excel workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

impl RenderError {
    /// The problem is in what the caller gave (a template, a folder, a format choice), not in
    /// the renderer.
    pub fn is_input_error(&self) -> bool {
        match self {
            RenderError::Template { .. }
            | RenderError::TemplatesNotAFolder(_)
            | RenderError::Unsupported { .. }
            | RenderError::EmptyPlan => true,
            RenderError::ReadTemplate { .. } => false,
            #[cfg(feature = "pdf")]
            RenderError::Pdf(_) => false,
            #[cfg(feature = "xlsx")]
            RenderError::Xlsx(_) => false,
        }
    }
}

pub type Result<T, E = RenderError> = std::result::Result<T, E>;
