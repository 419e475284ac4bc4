//! `caf import webcaf FILE -o OUT.toml`: another tool's assessment as an assessment file.

use std::path::PathBuf;

use clap::Subcommand;

use super::exit::{Error, Result};
use super::{Outcome, output};
use caf_core::diagnostic::SourceFile;
use caf_core::framework::Catalog;
use caf_core::webcaf::import::{ImportOptions, MAX_BYTES, import};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Read a WebCAF assessment (`assessments_data`, or the analytics JSON export) into an
    /// assessment file; warns where WebCAF would score an outcome differently.
    Webcaf {
        /// The WebCAF JSON file.
        file: PathBuf,
        /// Where to write the assessment file (atomically; nothing is written on error).
        #[arg(short, long, value_name = "OUT.toml")]
        output: PathBuf,
        /// Framework the answers are for (default: the CAF version the export states).
        #[arg(long, value_name = "ID")]
        framework: Option<String>,
        /// Organisation name to write (WebCAF's export carries only its id).
        #[arg(long, value_name = "NAME")]
        organisation: Option<String>,
        /// Organisation id to write (default: WebCAF's organisation id).
        #[arg(long, value_name = "ID")]
        organisation_id: Option<String>,
    },
}

pub fn run(command: ImportCommand, catalog: &Catalog) -> Result<Outcome> {
    let ImportCommand::Webcaf {
        file,
        output: out,
        framework,
        organisation,
        organisation_id,
    } = command;
    output::refuse_overwriting_inputs(Some(&out), [file.as_path()])?;
    let source = read_bounded(&file)?;
    let options = ImportOptions {
        framework,
        organisation,
        organisation_id,
    };
    let imported = import(&source, catalog, &options)?;
    for warning in &imported.warnings {
        eprintln!("{}", output::inert(&warning.to_string()));
    }
    output::emit(&imported.toml, Some(&out))?;
    eprintln!(
        "Wrote {} ({}): {} outcomes, {} statements selected, {} to check.",
        out.display(),
        imported.framework,
        imported.outcomes,
        imported.selected,
        imported.warnings.len()
    );
    Ok(Outcome::Success)
}

/// Reads at most one byte more than the importer accepts, so a huge file costs no memory.
fn read_bounded(file: &std::path::Path) -> Result<SourceFile> {
    use std::io::Read;
    let failed = |source| caf_core::Error::Read {
        path: file.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(failed)?;
    if bytes.len() > MAX_BYTES {
        return Err(Error::Usage(format!(
            "{} is larger than {} MiB; one WebCAF assessment is far smaller",
            file.display(),
            MAX_BYTES >> 20
        )));
    }
    Ok(SourceFile::decode(file.display().to_string(), bytes)?)
}
