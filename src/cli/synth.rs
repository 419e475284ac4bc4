//! `caf synth`: write a deterministic synthetic population of assessments.

use std::path::PathBuf;

use clap::Args;

use super::exit::Result;
use super::{Outcome, output};
use caf_core::aggregate::synth::{self, SynthOptions};
use caf_core::framework::Catalog;

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Number of organisations.
    #[arg(long, default_value_t = 100)]
    pub orgs: usize,
    /// Number of yearly periods, ending in 2026/27 (the latest mixes caf-3.2 and caf-4.0).
    #[arg(long, default_value_t = 2)]
    pub periods: usize,
    /// Seed: the same seed gives the same files, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder to write into (`<period>/<sector>/<id>.toml`).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Also write every valid assessment, scored, as JSON lines (for comparison with other tools).
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,
}

pub fn run(args: SynthArgs, catalog: &Catalog) -> Result<Outcome> {
    let summary = synth::generate(
        catalog,
        &SynthOptions {
            orgs: args.orgs,
            periods: args.periods,
            seed: args.seed,
        },
        &args.output,
        args.jsonl.as_deref(),
    )?;
    output::emit(
        &format!(
            "Wrote {} assessments ({} deliberately invalid, {} bytes) for {} to {}\n",
            summary.files,
            summary.invalid,
            summary.bytes,
            summary.periods.join(", "),
            args.output.display()
        ),
        None,
    )?;
    Ok(Outcome::Success)
}
