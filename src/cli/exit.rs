//! The command line's error: every layer's error, plus the few the command line raises itself,
//! and the one place that decides which exit code each one means. The match is exhaustive on
//! purpose: a new variant anywhere does not compile until someone decides its exit code.
//!
//! Exit codes: 0 success (and a reader that closed our stdout early, as `| head` does); 1 an
//! outcome below target (`check`); 2 invalid input or usage; 3 I/O, database or server failure.

use std::path::PathBuf;

use caf_core::diagnostic::{About, Code, Diagnostic};
use caf_render::RenderError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] caf_core::Error),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[cfg(feature = "server")]
    #[error(transparent)]
    Store(#[from] caf_server::store::StoreError),
    #[cfg(feature = "server")]
    #[error(transparent)]
    Serve(#[from] caf_server::ServeError),
    #[cfg(feature = "client")]
    #[error(transparent)]
    Client(#[from] caf_client::ClientError),
    /// Arguments that parse but do not fit together, or do not fit the input they name.
    #[error("{0}")]
    Usage(String),
    /// The file or stream the command writes its result to.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The client configuration (token, server, CA certificate).
    #[cfg(feature = "client")]
    #[error(transparent)]
    Config(#[from] super::config::ConfigError),
    /// A tokio runtime could not be started.
    #[cfg(feature = "server")]
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

impl From<Vec<Diagnostic>> for Error {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        Error::Core(caf_core::Error::Invalid(diagnostics))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The exit code an error means.
pub fn code(error: &Error) -> u8 {
    const INPUT: u8 = 2;
    const FAILURE: u8 = 3;
    let input = match error {
        Error::Core(e) => e.is_input_error(),
        Error::Render(e) => e.is_input_error(),
        #[cfg(feature = "server")]
        Error::Store(e) => e.is_input_error(),
        #[cfg(feature = "server")]
        Error::Serve(_) => false,
        #[cfg(feature = "client")]
        Error::Client(e) => e.is_input_error(),
        #[cfg(feature = "client")]
        Error::Config(e) => e.is_input_error(),
        Error::Usage(_) => true,
        #[cfg(feature = "server")]
        Error::Runtime(_) => false,
        Error::Write { .. } => false,
    };
    if input { INPUT } else { FAILURE }
}

/// A write to stdout that failed because the reader went away (`caf report ... | head -1`).
/// That is how pipelines end, not a failure of ours.
pub fn is_closed_stdout(error: &Error) -> bool {
    matches!(
        error,
        Error::Write { path, source }
            if path.as_os_str() == "<stdout>" && source.kind() == std::io::ErrorKind::BrokenPipe
    )
}

/// The error as printed at the terminal: its own text, except that each located problem in a
/// file is followed by the command line's [`advice`] for it, if any.
pub fn render(error: &Error) -> String {
    match error {
        Error::Core(caf_core::Error::Invalid(diagnostics)) => diagnostics
            .iter()
            .map(|d| match advice(d) {
                Some(advice) => format!("{d}\n  = help: {advice}"),
                None => d.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

/// A next step for one diagnostic that only the command line can name: a command that shows
/// the valid ids with their titles and text, or the flag that adds frameworks and profiles.
/// The library's own help line (printed first) already says what is wrong and what fits.
///
/// Only for files checked here, against this catalogue: a server's refusal is judged against
/// the server's catalogue, which these commands do not show.
pub fn advice(diagnostic: &Diagnostic) -> Option<String> {
    match (diagnostic.code, &diagnostic.about) {
        (Code::UnknownFramework, _) => Some(
            "`caf frameworks list` describes each framework; add your own with --frameworks DIR"
                .to_string(),
        ),
        (Code::UnknownProfile, Some(About::Framework(framework))) => Some(format!(
            "`caf frameworks show {framework}` shows each profile's targets; add your own profile \
             pack with --frameworks DIR"
        )),
        (Code::UnknownOutcome, Some(About::Framework(framework))) => Some(format!(
            "`caf frameworks show {framework}` lists its outcomes with their titles"
        )),
        (Code::UnknownIndicator, Some(About::Outcome { framework, outcome })) => Some(format!(
            "`caf frameworks show {framework} --outcome {outcome}` prints each statement's text"
        )),
        (Code::InvalidToml, _) => Some("then run `caf assess` again".to_string()),
        _ => None,
    }
}

/// Where the command line knows a next step the library cannot name (a flag, a command),
/// a line to print after the error.
pub fn hint(error: &Error) -> Option<String> {
    match error {
        Error::Core(caf_core::Error::NoMapping { from, to, purpose }) => Some(format!(
            "to {purpose}, add a mapping from {from} to {to} with --frameworks DIR"
        )),
        #[cfg(feature = "client")]
        Error::Client(caf_client::ClientError::Unauthorised { .. }) => Some(
            "check CAF_TOKEN or the config file's token, or ask an administrator for a new token"
                .to_string(),
        ),
        _ => None,
    }
}
