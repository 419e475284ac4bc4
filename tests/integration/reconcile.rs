//! The v4.0 statement reconciliation: the decisions table in `frameworks/README.md` ("v4.0
//! reconciliation") against the shipped framework, its `[provenance]`, the statement map, and
//! the per-source statement counts in `tests/fixtures/reference/caf-4.0-sources.toml`
//! (written by `scripts/reconcile-caf-4.0.py`).
//!
//! The central check: for every outcome, level and source, the source has as many statements
//! fewer than `caf-4.0.toml` as the table has rows saying it lacks (`no`) or runs together
//! (`merged`) a statement there. So no difference goes unrecorded, and no recorded absence is
//! invented. With the WebCAF reference data beside the repository, the Markdown counts are
//! also re-read from the Markdown itself.

use std::collections::BTreeMap;

use caf_core::framework::{Catalog, Framework, IndicatorRef, Level};
use serde::Deserialize;

use crate::support::{path, read};

/// The three transcriptions, in the table's column order.
const SOURCES: [&str; 3] = ["yaml", "markdown", "ciso"];

/// The statement counts of the publication as decided (not achieved, partially, achieved).
const DECIDED: [usize; 3] = [184, 148, 225];

/// What one source says about a statement: the first word of its cell.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Presence {
    Yes,
    No,
    Merged,
}

/// One row of the decisions table.
#[derive(Debug)]
pub struct Decision {
    pub reference: String,
    pub decision: String,
    presence: [Presence; 3],
}

impl Decision {
    pub fn outcome(&self) -> &str {
        IndicatorRef::parse(&self.reference).map_or("", |(outcome, _, _)| outcome)
    }

    pub fn level(&self) -> Level {
        IndicatorRef::parse(&self.reference)
            .map(|(_, level, _)| level)
            .unwrap_or_else(|| panic!("`{}` is not a statement reference", self.reference))
    }
}

/// The decisions table of `frameworks/README.md`.
pub fn decisions() -> Vec<Decision> {
    let readme = read(&path("frameworks/README.md"));
    let section = readme
        .split("\n## v4.0 reconciliation\n")
        .nth(1)
        .expect("frameworks/README.md has a `## v4.0 reconciliation` section");
    let section = section.split("\n## ").next().unwrap_or_default();
    let tick = |cell: &str| cell.trim().trim_matches('`').to_string();
    let rows: Vec<Decision> = section
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| ---"))
        .map(|line| line.split('|').map(str::trim).collect::<Vec<_>>())
        .filter(|cells| cells.len() == 8 && IndicatorRef::parse(cells[1]).is_some())
        .map(|cells| {
            let presence = [cells[3], cells[4], cells[5]].map(|cell| {
                match cell.split([' ', '(']).next().unwrap_or_default() {
                    "yes" => Presence::Yes,
                    "no" => Presence::No,
                    "merged" => Presence::Merged,
                    other => panic!("{}: unknown source cell `{other}`", cells[1]),
                }
            });
            Decision {
                reference: cells[1].to_string(),
                decision: tick(cells[2]),
                presence,
            }
        })
        .collect();
    assert!(rows.len() >= 3, "the decisions table was not found");
    rows
}

/// The statements the reconciliation added to the WebCAF YAML's set.
pub fn added() -> Vec<Decision> {
    decisions()
        .into_iter()
        .filter(|d| d.decision == "added")
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Counts {
    not_achieved: usize,
    partially_achieved: usize,
    achieved: usize,
}

impl Counts {
    fn at(&self, level: Level) -> usize {
        match level {
            Level::NotAchieved => self.not_achieved,
            Level::PartiallyAchieved => self.partially_achieved,
            Level::Achieved => self.achieved,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceCounts {
    id: String,
    yaml: Counts,
    markdown: Counts,
    ciso: Counts,
}

impl SourceCounts {
    fn of(&self, source: usize) -> &Counts {
        [&self.yaml, &self.markdown, &self.ciso][source]
    }
}

#[derive(Deserialize)]
struct SourcesFile {
    outcomes: Vec<SourceCounts>,
}

fn source_counts() -> Vec<SourceCounts> {
    let file = path("tests/fixtures/reference/caf-4.0-sources.toml");
    let parsed: SourcesFile = toml::from_str(&read(&file)).unwrap();
    parsed.outcomes
}

fn caf_4_0() -> std::sync::Arc<Framework> {
    Catalog::shipped().framework("caf-4.0").unwrap()
}

fn per_level(framework: &Framework) -> [usize; 3] {
    Level::ALL.map(|level| {
        framework
            .outcomes
            .iter()
            .map(|o| o.indicators_at(level).count())
            .sum()
    })
}

#[test]
fn the_framework_holds_the_decided_counts_and_records_them() {
    let framework = caf_4_0();
    assert_eq!(per_level(&framework), DECIDED);
    assert_eq!(framework.indicator_count(), 557);
    let provenance = framework
        .provenance
        .as_ref()
        .expect("caf-4.0 has [provenance]");
    assert_eq!(provenance.statements, DECIDED);
    assert!(provenance.reconciled.is_some());
    for source in ["WebCAF", "CISO Assistant", "NCSC"] {
        assert!(
            provenance.sources.iter().any(|s| s.contains(source)),
            "provenance names {source}"
        );
    }
    // The README states the same figures.
    let readme = read(&path("frameworks/README.md"));
    let [na, pa, a] = DECIDED;
    assert!(readme.contains(&format!(
        "**557 statements: {na} not achieved, {pa} partially achieved, {a} achieved**"
    )));
}

#[test]
fn every_count_difference_from_a_source_is_a_recorded_decision() {
    let framework = caf_4_0();
    let decisions = decisions();
    let counts = source_counts();
    assert_eq!(counts.len(), framework.outcomes.len());
    for (source, name) in SOURCES.iter().enumerate() {
        // Shortfalls the table records, per (outcome, level).
        let mut recorded: BTreeMap<(String, Level), usize> = BTreeMap::new();
        for d in &decisions {
            if d.presence[source] != Presence::Yes {
                *recorded
                    .entry((d.outcome().to_string(), d.level()))
                    .or_default() += 1;
            }
        }
        for outcome in &framework.outcomes {
            let theirs = counts
                .iter()
                .find(|c| c.id == outcome.id.as_str())
                .unwrap_or_else(|| panic!("{name} has no counts for {}", outcome.id));
            for level in Level::ALL {
                let ours = outcome.indicators_at(level).count();
                let shortfall = recorded
                    .get(&(outcome.id.to_string(), level))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(
                    theirs.of(source).at(level) + shortfall,
                    ours,
                    "{name} {} {level:?}: the count differs by other than the recorded decisions",
                    outcome.id
                );
            }
        }
    }
}

#[test]
fn every_decision_names_a_statement_of_the_framework() {
    let framework = caf_4_0();
    for d in decisions() {
        let outcome = framework
            .outcome(d.outcome())
            .unwrap_or_else(|| panic!("{}: no such outcome", d.reference));
        assert!(
            outcome
                .indicators
                .iter()
                .any(|i| i.reference.as_str() == d.reference),
            "{}: not a statement of caf-4.0",
            d.reference
        );
        assert!(
            ["added", "restated", "unchanged", "extraction"].contains(&d.decision.as_str()),
            "{}: unknown decision `{}`",
            d.reference,
            d.decision
        );
    }
}

/// Added statements come last in their level, so no reference WebCAF's data has changes
/// meaning, and each was weighed against v3.2 in the statement map.
#[test]
fn added_statements_are_appended_and_mapped() {
    let framework = caf_4_0();
    let catalog = Catalog::shipped();
    let map = catalog.statement_map("caf-3.2", "caf-4.0").unwrap();
    let added = added();
    assert_eq!(
        added
            .iter()
            .map(|d| d.reference.as_str())
            .collect::<Vec<_>>(),
        ["A4.a.A.10", "B1.b.NA.6"]
    );
    for d in &added {
        assert_eq!(
            d.presence[0],
            Presence::No,
            "{}: the YAML lacks it",
            d.reference
        );
        let outcome = framework.outcome(d.outcome()).unwrap();
        let last = outcome.indicators_at(d.level()).last().unwrap();
        assert_eq!(
            last.reference.as_str(),
            d.reference,
            "appended to its level"
        );
        let sources: Vec<_> = map.sources_of(&d.reference).collect();
        assert!(
            !sources.is_empty(),
            "{}: no v3.2 statement is judged against it",
            d.reference
        );
    }
}

/// `A1.a`: objective letter, principle number, outcome letter.
fn is_outcome_id(id: &str) -> bool {
    let chars: Vec<char> = id.chars().collect();
    matches!(chars.as_slice(), [o, p, '.', c] if o.is_ascii_uppercase() && p.is_ascii_digit() && c.is_ascii_lowercase())
}

/// Markdown IGP tables: per outcome, the statements in each level's column.
fn markdown_counts(text: &str) -> BTreeMap<String, [usize; 3]> {
    let mut counts = BTreeMap::new();
    let mut current: Option<(String, Vec<usize>)> = None;
    for line in text.lines() {
        let heading = line.trim_start_matches('#');
        if heading.len() < line.len() {
            let id = heading.split_whitespace().next().unwrap_or_default();
            let id = id.trim_end_matches('.');
            current = is_outcome_id(id).then(|| (id.to_string(), vec![]));
            continue;
        }
        let Some((id, columns)) = current.as_mut() else {
            continue;
        };
        if !line.starts_with('|') {
            if !columns.is_empty() && !line.trim().is_empty() {
                current = None;
            }
            continue;
        }
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if columns.is_empty() {
            // The header row: two columns (no partially achieved) or three.
            *columns = if cells.len() == 3 {
                vec![0, 1, 2]
            } else {
                vec![0, 2]
            };
            counts.insert(id.clone(), [0; 3]);
            continue;
        }
        let is_rule = cells.iter().all(|c| c.chars().all(|ch| "-: ".contains(ch)));
        let is_instruction = cells.iter().any(|c| {
            let c = c.to_lowercase();
            c.contains("statement is true") || c.contains("statements are true")
        });
        if is_rule || is_instruction {
            continue;
        }
        let entry = counts.get_mut(id.as_str()).unwrap();
        for (cell, &level) in cells.iter().zip(columns.iter()) {
            if !cell.is_empty() {
                entry[level] += 1;
            }
        }
    }
    counts
}

#[test]
fn the_vendored_markdown_counts_are_the_markdowns() {
    let dir = match std::env::var_os("CAF_WEBCAF_REFERENCE") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => path("../shared/reference/webcaf"),
    };
    let file = dir.join("cyber-assessment-framework-v4.0.md");
    if std::env::var_os("CAF_SKIP_REFERENCE").is_some() || !file.is_file() {
        eprintln!(
            "note: no {}: checked the vendored counts only",
            file.display()
        );
        return;
    }
    let parsed = markdown_counts(&read(&file));
    let vendored = source_counts();
    assert_eq!(parsed.len(), vendored.len());
    for c in &vendored {
        let counts = Level::ALL.map(|l| c.markdown.at(l));
        assert_eq!(parsed.get(&c.id), Some(&counts), "{}", c.id);
    }
}

#[test]
fn the_vendored_yaml_counts_are_the_webcaf_facts() {
    #[derive(Deserialize)]
    struct Outcome {
        id: String,
        counts: Counts,
    }
    #[derive(Deserialize)]
    struct Facts {
        outcomes: Vec<Outcome>,
    }
    let facts: Facts =
        toml::from_str(&read(&path("tests/fixtures/reference/webcaf-caf-4.0.toml"))).unwrap();
    let vendored = source_counts();
    assert_eq!(facts.outcomes.len(), vendored.len());
    for (fact, ours) in facts.outcomes.iter().zip(&vendored) {
        assert_eq!(fact.id, ours.id);
        for level in Level::ALL {
            assert_eq!(
                fact.counts.at(level),
                ours.yaml.at(level),
                "{} {level:?}",
                fact.id
            );
        }
    }
}

/// A framework whose statements no longer match its recorded counts is refused, with the
/// place of the record: the edit that drops or adds a statement cannot pass unnoticed.
#[test]
fn a_statement_added_or_lost_without_updating_the_provenance_is_a_located_error() {
    let shipped = read(&path("frameworks/caf-4.0.toml"));
    let record = "statements = { not-achieved = 184, partially-achieved = 148, achieved = 225 }";
    let line = shipped
        .lines()
        .position(|l| l == record)
        .expect("caf-4.0.toml records its counts")
        + 1;
    let column = record.find('{').unwrap() + 1;
    let lost = shipped
        .lines()
        .filter(|l| !l.contains(r#"ref = "B1.b.NA.6""#))
        .collect::<Vec<_>>()
        .join("\n");
    let stale = shipped.replace(record, &record.replace("achieved = 225", "achieved = 224"));
    let dir = tempfile::tempdir().unwrap();
    for (name, text, level) in [
        ("lost.toml", lost, "not-achieved"),
        ("stale.toml", stale, "achieved"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let output = crate::support::caf()
            .args(["frameworks", "validate"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = crate::support::stderr_of(&output);
        let expected = format!(
            "{}:{line}:{column}: error[provenance-mismatch]",
            file.display()
        );
        assert!(stderr.starts_with(&expected), "{name}: {stderr}");
        assert!(stderr.contains(&format!(" {level} statements")), "{stderr}");
        assert_eq!(stderr.matches("error[").count(), 1, "{stderr}");
    }
}
