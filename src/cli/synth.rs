//! `caf synth`: write a deterministic synthetic population of assessments, or hostile files.

use std::path::PathBuf;

use clap::Args;
use clap::builder::PossibleValuesParser;

use super::exit::Result;
use super::{Outcome, output};
use caf_core::aggregate::synth::hostile::{self, Hostile};
use caf_core::aggregate::synth::{self, Shape, SynthOptions};
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
    /// Folder to write into (`<period>/<sector>/<id>.toml`, or `<kind>.toml` with --hostile).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Also write every valid assessment, scored, as JSON lines (for comparison with other tools).
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,
    /// Write the bare shape (`selected` and A4.a suppliers only) instead of real-shaped files
    /// with comments, evidence, overrides, carried answers and mixed line endings.
    #[arg(long)]
    pub plain: bool,
    /// Instead of a population, write one file of each kind named, shaped to be expensive to
    /// read (`all` for every kind).
    #[arg(long, value_name = "KIND", num_args = 1.., value_parser = hostile_kinds())]
    pub hostile: Vec<String>,
    /// Size in bytes of each --hostile file.
    #[arg(long, value_name = "BYTES", default_value_t = hostile::SUBMISSION_LIMIT, requires = "hostile")]
    pub size: usize,
}

fn hostile_kinds() -> PossibleValuesParser {
    PossibleValuesParser::new(
        Hostile::ALL
            .iter()
            .map(|k| k.name())
            .chain(std::iter::once("all")),
    )
}

pub fn run(args: SynthArgs, catalog: &Catalog) -> Result<Outcome> {
    if !args.hostile.is_empty() {
        return write_hostile(&args);
    }
    let shape = if args.plain {
        Shape::Plain
    } else {
        Shape::Real
    };
    let summary = synth::generate_shaped(
        catalog,
        &SynthOptions {
            orgs: args.orgs,
            periods: args.periods,
            seed: args.seed,
        },
        shape,
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

fn write_hostile(args: &SynthArgs) -> Result<Outcome> {
    let kinds: Vec<Hostile> = if args.hostile.iter().any(|k| k == "all") {
        Hostile::ALL.to_vec()
    } else {
        // The parser admits only the names of kinds.
        args.hostile
            .iter()
            .filter_map(|k| Hostile::from_name(k))
            .collect()
    };
    let paths = synth::write_hostile(&kinds, args.size, &args.output)?;
    let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    output::emit(
        &format!(
            "Wrote {} hostile files of {} bytes: {}\n",
            list.len(),
            args.size.max(hostile::MIN_SIZE),
            list.join(", ")
        ),
        None,
    )?;
    Ok(Outcome::Success)
}
