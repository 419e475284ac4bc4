//! Library errors. Each variant carries the context a person needs to act on it; the CLI maps
//! them to exit codes (2 for invalid input, 3 for I/O).

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// One or more located problems in an input file.
    #[error("{}", render_diagnostics(.0))]
    Invalid(Vec<Diagnostic>),
    #[error("unknown framework `{id}`; known frameworks: {known}")]
    UnknownFramework { id: String, known: String },
    #[error("framework {framework} has no profile `{id}`; its profiles: {known}")]
    UnknownProfile {
        framework: String,
        id: String,
        known: String,
    },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    #[error(transparent)]
    Serve(#[from] crate::server::ServeError),
    /// A report template that does not parse or render.
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    /// A report format's writer failed (not expected with valid data).
    #[error("cannot render {format}: {message}")]
    Render {
        format: &'static str,
        message: String,
    },
}

impl Error {
    /// Invalid input and usage errors are the caller's to fix (exit 2); I/O failures are not (exit 3).
    pub fn is_input_error(&self) -> bool {
        match self {
            Error::Store(e) => e.is_input_error(),
            Error::Client(e) => e.is_input_error(),
            Error::Serve(_) => false,
            _ => !matches!(
                self,
                Error::Read { .. } | Error::Write { .. } | Error::Render { .. }
            ),
        }
    }
}

impl From<Vec<Diagnostic>> for Error {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        Error::Invalid(diagnostics)
    }
}

fn render_diagnostics(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
