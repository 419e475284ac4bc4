//! `caf frameworks ...`: what frameworks are known, what they contain, and checking or importing
//! framework files.

use std::fmt::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use serde::Serialize;

use super::exit::{Error, Result};
use super::format::{Shown, parser};
use super::{Outcome, output};
use caf_core::diagnostic::SourceFile;
use caf_core::framework::catalog::{self, Origin};
use caf_core::framework::{Catalog, Framework, Level, load, webcaf};
use caf_render::{Document, RenderOptions};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShowFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum FrameworksCommand {
    /// List the known frameworks with their counts and profiles.
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: ShowFormat,
    },
    /// Show a framework's structure, or one outcome's statements.
    Show {
        /// Framework id, e.g. caf-4.0.
        id: String,
        /// Show one contributing outcome in full, e.g. B2.a.
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: ShowFormat,
    },
    /// Check a framework, profile pack or mapping file; reports every problem with file:line:column.
    Validate { file: PathBuf },
    /// Write a framework for other tools: an OSCAL catalog (docs/oscal.md) or this tool's JSON.
    Export {
        /// Framework id, e.g. caf-4.0.
        id: String,
        #[arg(long, short = 'f', value_parser = parser::<Framework>(false, None))]
        format: Shown,
        /// Where to write it (atomically); stdout without it.
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
    },
    /// Convert a WebCAF YAML framework (official wording) into this tool's format.
    ImportWebcaf {
        file: PathBuf,
        /// Where to write the framework TOML.
        #[arg(short, long, value_name = "OUT.toml")]
        output: PathBuf,
        /// Framework id to give it (default: `caf-<version>-official`).
        #[arg(long)]
        id: Option<String>,
    },
}

pub fn run(command: FrameworksCommand, catalog: &Catalog) -> Result<Outcome> {
    match command {
        FrameworksCommand::List { format } => list(catalog, format),
        FrameworksCommand::Show {
            id,
            outcome,
            format,
        } => show(catalog, &id, outcome.as_deref(), format),
        FrameworksCommand::Validate { file } => validate(catalog, &file),
        FrameworksCommand::Export { id, format, output } => {
            export(catalog, &id, format, output.as_deref())
        }
        FrameworksCommand::ImportWebcaf { file, output, id } => import(&file, &output, id),
    }
}

fn export(
    catalog: &Catalog,
    id: &str,
    format: Shown,
    out: Option<&std::path::Path>,
) -> Result<Outcome> {
    let Shown::File(format) = format else {
        unreachable!("the parser offers no table for frameworks export")
    };
    let framework = catalog.framework(id)?;
    let bytes = framework.render(format, &RenderOptions::default())?;
    output::emit_document(&bytes, out)?;
    Ok(Outcome::Success)
}

#[derive(Serialize)]
struct Listed {
    id: String,
    name: String,
    version: String,
    objectives: usize,
    principles: usize,
    outcomes: usize,
    indicators: usize,
    profiles: Vec<ListedProfile>,
    origin: String,
}

#[derive(Serialize)]
struct ListedProfile {
    id: String,
    title: String,
    provisional: bool,
}

fn list(catalog: &Catalog, format: ShowFormat) -> Result<Outcome> {
    let mut listed = Vec::new();
    for id in catalog.ids() {
        let f = catalog.framework(id)?;
        listed.push(Listed {
            id: f.id.clone(),
            name: f.name.clone(),
            version: f.version.clone(),
            objectives: f.objectives.len(),
            principles: f.principles.len(),
            outcomes: f.outcomes.len(),
            indicators: f.indicator_count(),
            profiles: f
                .profiles
                .iter()
                .map(|p| ListedProfile {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    provisional: p.provisional,
                })
                .collect(),
            origin: match catalog.origin(id) {
                Some(Origin::User(path)) => path.display().to_string(),
                _ => "shipped".to_string(),
            },
        });
    }
    let text = match format {
        ShowFormat::Json => output::json(&listed),
        ShowFormat::Table => {
            let mut table = output::table(&[
                "Framework",
                "Version",
                "Outcomes",
                "Indicators",
                "Profiles",
                "Origin",
            ]);
            for l in &listed {
                let profiles: Vec<String> = l
                    .profiles
                    .iter()
                    .map(|p| {
                        if p.provisional {
                            format!("{} (provisional)", p.id)
                        } else {
                            p.id.clone()
                        }
                    })
                    .collect();
                table.add_row(vec![
                    l.id.clone(),
                    l.version.clone(),
                    l.outcomes.to_string(),
                    l.indicators.to_string(),
                    profiles.join(", "),
                    l.origin.clone(),
                ]);
            }
            // Framework files may be the user's own; no cell of theirs drives the terminal.
            output::inert(&format!("{table}\n")).into_owned()
        }
    };
    output::emit(&text, None)?;
    Ok(Outcome::Success)
}

fn show(catalog: &Catalog, id: &str, outcome: Option<&str>, format: ShowFormat) -> Result<Outcome> {
    let framework = catalog.framework(id)?;
    let text = match (outcome, format) {
        (Some(oid), _) => {
            let o = framework.outcome(oid).ok_or_else(|| {
                Error::Usage(format!(
                    "{} has no outcome `{oid}`; run `caf frameworks show {}` to list them",
                    framework.id, framework.id
                ))
            })?;
            if matches!(format, ShowFormat::Json) {
                output::json(o)
            } else {
                let mut text = format!("{} {}\n", o.id, o.title);
                let principle = framework.principle(&o.principle);
                let _ = writeln!(
                    text,
                    "Principle {} {}",
                    o.principle,
                    principle.map_or("", |p| p.title.as_str())
                );
                for line in caf_core::skeleton::wrap(&o.description, 90) {
                    let _ = writeln!(text, "{line}");
                }
                for p in &framework.profiles {
                    if let Some(t) = p.target(&o.id) {
                        let _ = writeln!(text, "Target under {}: {}", p.id, t.label());
                    }
                }
                for level in Level::ALL {
                    let statements: Vec<_> = o.indicators_at(level).collect();
                    if statements.is_empty() {
                        continue;
                    }
                    let _ = writeln!(text, "\n{} statements:", level.label());
                    for i in statements {
                        let mut lines = caf_core::skeleton::wrap(&i.text, 76).into_iter();
                        let _ = writeln!(
                            text,
                            "  {:<12} {}",
                            i.reference.as_str(),
                            lines.next().unwrap_or_default()
                        );
                        for line in lines {
                            let _ = writeln!(text, "  {:<12} {line}", "");
                        }
                    }
                }
                output::inert(&text).into_owned()
            }
        }
        (None, ShowFormat::Json) => output::json(&*framework),
        (None, ShowFormat::Table) => {
            let mut header = vec!["Outcome", "Title", "IGPs"];
            let ids: Vec<&str> = framework.profiles.iter().map(|p| p.id.as_str()).collect();
            header.extend(&ids);
            let mut table = output::table(&header);
            for o in &framework.outcomes {
                let mut row = vec![
                    o.id.to_string(),
                    o.title.clone(),
                    o.indicators.len().to_string(),
                ];
                for p in &framework.profiles {
                    row.push(
                        p.target(&o.id)
                            .map_or("–".into(), |t| t.label().to_string()),
                    );
                }
                table.add_row(row);
            }
            let mut text = format!(
                "{} v{} ({}): {} objectives, {} principles, {} outcomes, {} indicators\n{table}\n",
                framework.name,
                framework.version,
                framework.id,
                framework.objectives.len(),
                framework.principles.len(),
                framework.outcomes.len(),
                framework.indicator_count()
            );
            if let Some(provenance) = &framework.provenance {
                let [na, pa, a] = provenance.statements;
                let _ = writeln!(
                    text,
                    "Statements: {na} not achieved, {pa} partially achieved, {a} achieved{}",
                    provenance
                        .reconciled
                        .as_deref()
                        .map_or(String::new(), |d| format!(" (reconciled {d})"))
                );
                for source in &provenance.sources {
                    let _ = writeln!(text, "Source: {source}");
                }
            }
            for p in &framework.profiles {
                let _ = writeln!(
                    text,
                    "Profile {}: {}{}{}",
                    p.id,
                    p.title,
                    if p.provisional { " (provisional)" } else { "" },
                    p.source
                        .as_deref()
                        .map_or(String::new(), |s| format!(". Source: {s}"))
                );
            }
            output::inert(&text).into_owned()
        }
    };
    output::emit(&text, None)?;
    Ok(Outcome::Success)
}

fn read(path: &std::path::Path) -> Result<SourceFile> {
    Ok(caf_core::fsutil::read_source(path)?)
}

fn validate(catalog: &Catalog, file: &std::path::Path) -> Result<Outcome> {
    let source = read(file)?;
    catalog::validate_file(catalog, &source)?;
    let detail = match load::parse_framework(&source) {
        Ok(f) => format!(
            "framework {}: {} outcomes, {} indicators, {} profiles",
            f.id,
            f.outcomes.len(),
            f.indicator_count(),
            f.profiles.len()
        ),
        Err(_) => "valid".to_string(),
    };
    output::emit(&format!("{}: ok ({detail})\n", file.display()), None)?;
    Ok(Outcome::Success)
}

fn import(file: &std::path::Path, out: &std::path::Path, id: Option<String>) -> Result<Outcome> {
    output::refuse_overwriting_inputs(Some(out), [file])?;
    let source = read(file)?;
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("framework");
    let mut options = webcaf::ImportOptions::from_file_name(stem);
    if let Some(id) = id {
        options.id = id;
    }
    let (toml, counts) = webcaf::convert(&source, &options)?;
    // Never write a file this tool would then refuse to load.
    load::parse_framework(&SourceFile::new(out.display().to_string(), toml.clone()))?;
    output::emit(&toml, Some(out))?;
    eprintln!(
        "Wrote {} as framework {}: {} objectives, {} principles, {} outcomes, {} indicators.",
        out.display(),
        options.id,
        counts.objectives,
        counts.principles,
        counts.outcomes,
        counts.indicators
    );
    Ok(Outcome::Success)
}
