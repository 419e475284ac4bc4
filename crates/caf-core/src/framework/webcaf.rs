//! Conversion of the public WebCAF YAML format into this project's framework format, so that an
//! organisation can assess against the official NCSC wording instead of the shipped restatements.
//!
//! WebCAF files nest objectives > principles > outcomes > indicators by level. The converter keeps
//! every id, title and statement as published, numbers indicator references by position within
//! their level (the convention the shipped frameworks use, which repairs the duplicated and
//! missing indices of the v4.0 file), and turns `min_profile_requirement` into profiles.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_norway::Value;

use super::Level;
use crate::diagnostic::{Code, Diagnostic, SourceFile};

/// Framework id and version to give the converted file.
pub struct ImportOptions {
    pub id: String,
    pub version: String,
}

impl ImportOptions {
    /// `cyber-assessment-framework-v4.0.yaml` gives id `caf-4.0-official` and version `4.0`.
    pub fn from_file_name(stem: &str) -> Self {
        let version = stem
            .rsplit_once('v')
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
            .unwrap_or("1")
            .to_string();
        Self {
            id: format!("caf-{version}-official"),
            version,
        }
    }
}

/// Counts of what was converted, for the command's message and the tests.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub objectives: usize,
    pub principles: usize,
    pub outcomes: usize,
    pub indicators: usize,
}

/// Converts WebCAF YAML text into framework TOML text.
pub fn convert(
    source: &SourceFile,
    options: &ImportOptions,
) -> Result<(String, ImportCounts), Vec<Diagnostic>> {
    let problem = |message: String| {
        vec![
            Diagnostic::error(Code::InvalidWebcaf, message)
                .in_file(source.name())
                .help("give a WebCAF framework file (objectives > principles > outcomes > indicators)"),
        ]
    };
    let doc: Value = serde_norway::from_str(source.text()).map_err(|e| {
        let d = Diagnostic::error(Code::YamlSyntax, e.to_string())
            .help("fix the YAML syntax at this position");
        vec![match e.location() {
            Some(loc) => d.at(source, loc.index()..loc.index() + 1),
            None => d.in_file(source.name()),
        }]
    })?;
    let objectives =
        mapping(&doc, "objectives").ok_or_else(|| problem("no `objectives` mapping".into()))?;

    let mut counts = ImportCounts::default();
    let mut head = String::new();
    let mut principles_out = String::new();
    let mut outcomes_out = String::new();
    let mut targets: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let _ = writeln!(
        head,
        "# Converted by `caf frameworks import-webcaf` from {}, keeping the official wording.\n\
         # Contains public sector information licensed under the Open Government Licence v3.0.\n\
         # Indicator references are numbered by position within their level. WebCAF's\n\
         # assessment-rules tables are replaced by the standard CAF rule below.\n\
         id = {}\nname = \"Cyber Assessment Framework (official wording)\"\nversion = {}\n\n{}",
        source.name(),
        quote(&options.id),
        quote(&options.version),
        STANDARD_RULES
    );
    for (oid, objective) in objectives {
        counts.objectives += 1;
        let _ = writeln!(
            head,
            "[[objectives]]\nid = {}\ntitle = {}\ndescription = {}\n",
            quote(oid),
            quote(&text(objective, "title")),
            quote(&text(objective, "description"))
        );
        let principles = mapping(objective, "principles")
            .ok_or_else(|| problem(format!("objective {oid} has no `principles`")))?;
        for (pid, principle) in principles {
            counts.principles += 1;
            let _ = writeln!(
                principles_out,
                "[[principles]]\nid = {}\nobjective = {}\ntitle = {}\ndescription = {}\n",
                quote(pid),
                quote(oid),
                quote(&text(principle, "title")),
                quote(&text(principle, "description"))
            );
            let outcomes = mapping(principle, "outcomes")
                .ok_or_else(|| problem(format!("principle {pid} has no `outcomes`")))?;
            for (cid, outcome) in outcomes {
                counts.outcomes += 1;
                let _ = writeln!(
                    outcomes_out,
                    "[[outcomes]]\nid = {}\nprinciple = {}\ntitle = {}\ndescription = {}\nindicators = [",
                    quote(cid),
                    quote(pid),
                    quote(&text(outcome, "title")),
                    quote(&text(outcome, "description"))
                );
                let indicators = outcome.get("indicators");
                for level in Level::ALL {
                    let at_level = indicators.and_then(|i| i.get(level.key()));
                    let items = at_level.and_then(Value::as_mapping).into_iter().flatten();
                    for (position, (_, indicator)) in items.enumerate() {
                        counts.indicators += 1;
                        let _ = writeln!(
                            outcomes_out,
                            "  {{ ref = \"{cid}.{}.{}\", level = \"{}\", text = {} }},",
                            level.code(),
                            position + 1,
                            level.key(),
                            quote(&text(indicator, "description"))
                        );
                    }
                }
                outcomes_out.push_str("]\n\n");
                if let Some(requirements) = outcome
                    .get("min_profile_requirement")
                    .and_then(Value::as_mapping)
                {
                    for (profile, status) in requirements {
                        let (Some(profile), Some(status)) = (profile.as_str(), status.as_str())
                        else {
                            continue;
                        };
                        let key = status.to_lowercase().replace(' ', "-");
                        targets
                            .entry(profile.to_string())
                            .or_default()
                            .push((cid.to_string(), key));
                    }
                }
            }
        }
    }
    let mut out = head;
    out.push_str(&principles_out);
    out.push_str(&outcomes_out);
    for (profile, targets) in targets {
        let _ = writeln!(
            out,
            "[profiles.{}]\ntitle = {}\nprovisional = false\n\n[profiles.{}.targets]",
            quote(&profile),
            quote(&format!("GovAssure {profile}")),
            quote(&profile)
        );
        for (outcome, status) in targets {
            let _ = writeln!(out, "{} = {}", quote(&outcome), quote(&status));
        }
        out.push('\n');
    }
    Ok((out, counts))
}

const STANDARD_RULES: &str = "[[rules]]\nwhen = \"any\"\nlevel = \"not-achieved\"\nstatus = \"not-achieved\"\n\n\
[[rules]]\nwhen = \"all\"\nlevel = \"achieved\"\nstatus = \"achieved\"\n\n\
[[rules]]\nwhen = \"all\"\nlevel = \"partially-achieved\"\nstatus = \"partially-achieved\"\n\n\
[[rules]]\nwhen = \"otherwise\"\nstatus = \"not-achieved\"\n\n";

fn mapping<'a>(value: &'a Value, key: &str) -> Option<Vec<(&'a str, &'a Value)>> {
    let map = value.get(key)?.as_mapping()?;
    Some(
        map.iter()
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
            .collect(),
    )
}

/// A string field, with YAML's folded whitespace normalised to single spaces.
fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
