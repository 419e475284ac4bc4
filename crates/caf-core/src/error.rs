//! The core's errors. Each variant says what happened in terms a person can act on, and names
//! no command, flag, database or network: the layer that talks to the person adds those.

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
    /// Two frameworks with no mapping between them, where one is needed (comparison, carry-forward).
    #[error("no mapping from {from} to {to} is known")]
    NoMapping {
        from: String,
        to: String,
        /// What the mapping was needed for, e.g. "compare the two assessments".
        purpose: &'static str,
    },
    /// An aggregate asked for a period no assessment is for.
    #[error("no assessment is for period `{period}`; periods found: {}", found.join(", "))]
    UnknownPeriod { period: String, found: Vec<String> },
    /// The catalogue is empty: nothing to express figures in.
    #[error("no framework is known")]
    NoFramework,
}

impl Error {
    /// The problem is in what the caller gave (a file, a name, a choice), not in the machine.
    pub fn is_input_error(&self) -> bool {
        match self {
            Error::Read { .. } | Error::Write { .. } => false,
            Error::Invalid(_)
            | Error::UnknownFramework { .. }
            | Error::UnknownProfile { .. }
            | Error::NoMapping { .. }
            | Error::UnknownPeriod { .. }
            | Error::NoFramework => true,
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
