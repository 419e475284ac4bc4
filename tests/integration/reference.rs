//! The shipped frameworks against the public WebCAF reference data: structure, counts, NCSC
//! indices, profiles, the rule table, the importer, and that no statement is copied.
//!
//! Every check runs twice:
//! - `reference::vendored::*` against the facts kept in `tests/fixtures/reference/` (ids,
//!   titles, counts, indices, profile minima, the rule table, and a digest of each official
//!   statement, never its text). These always run, so a fresh clone catches a drift of the
//!   shipped frameworks.
//! - `reference::reference_data::*` against the WebCAF files themselves, in
//!   `../shared/reference/webcaf/` beside the repository (this project's CI) or wherever
//!   `CAF_WEBCAF_REFERENCE` points. Without them these print a note and pass;
//!   `CAF_SKIP_REFERENCE=1` skips them on purpose. `reference_data::vendored_facts_are_current`
//!   checks that the vendored facts still say what the reference data says.
//!
//! Regenerate the vendored facts from the reference data with
//! `cargo test --test integration reference::regenerate_vendored_facts -- --ignored`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use caf_core::diagnostic::SourceFile;
use caf_core::framework::{
    Catalog, Framework, IndicatorRef, Level, OutcomeId, Relation, Status, load,
};
use caf_core::scoring::judge;
use serde::Deserialize;
use serde_norway::{Mapping, Value};
use sha2::{Digest, Sha256};

// ----- the facts -----

/// What the tests need from one WebCAF framework file.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkFacts {
    version: String,
    /// WebCAF's `assessment-rules`: `<achieved>_<partially>_<not>` selections (`all`, `some`,
    /// `none`) to the outcome status. v3.2 only (v4.0's table is in another, unused format).
    #[serde(default)]
    rules: BTreeMap<String, Status>,
    objectives: Vec<ObjectiveFacts>,
    principles: Vec<PrincipleFacts>,
    outcomes: Vec<OutcomeFacts>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectiveFacts {
    id: String,
    title: String,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrincipleFacts {
    id: String,
    objective: String,
    title: String,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeFacts {
    id: String,
    principle: String,
    objective: String,
    title: String,
    counts: Counts,
    /// `min_profile_requirement`; v4.0 has none.
    baseline: Option<Status>,
    enhanced: Option<Status>,
    /// By level (not-achieved, partially-achieved, achieved), in document order within each.
    igps: Vec<IgpFacts>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Counts {
    not_achieved: usize,
    partially_achieved: usize,
    achieved: usize,
}

impl Counts {
    /// In `Level::ALL` order.
    fn by_level(&self) -> [usize; 3] {
        [self.not_achieved, self.partially_achieved, self.achieved]
    }
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgpFacts {
    id: String,
    level: Level,
    /// `ncsc-index`; missing for one v4.0 statement.
    index: Option<String>,
    /// See [`digest`].
    digest: String,
}

/// One entry of WebCAF's v3.2 profile lookup: the statuses that meet each profile.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupFacts {
    id: String,
    baseline: Vec<Status>,
    enhanced: Vec<Status>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupFile {
    outcomes: Vec<LookupFacts>,
}

/// Everything the checks compare against, from one source.
struct Facts {
    v3_2: FrameworkFacts,
    v4_0: FrameworkFacts,
    lookup: Vec<LookupFacts>,
    /// The WebCAF YAML files, when the facts come from them (for the importer check).
    yaml: Option<[PathBuf; 2]>,
}

impl Facts {
    fn framework(&self, version: &str) -> &FrameworkFacts {
        match version {
            "3.2" => &self.v3_2,
            "4.0" => &self.v4_0,
            other => panic!("no facts for CAF {other}"),
        }
    }

    /// The facts in `tests/fixtures/reference/`.
    fn vendored() -> Facts {
        let read = |name: &str| crate::support::read(&vendored_path(name));
        let framework = |version: &str| {
            let facts: FrameworkFacts = toml::from_str(&read(&framework_file(version)))
                .unwrap_or_else(|e| panic!("{}: {e}", framework_file(version)));
            for outcome in &facts.outcomes {
                let counted = Level::ALL
                    .map(|level| outcome.igps.iter().filter(|i| i.level == level).count());
                assert_eq!(outcome.counts.by_level(), counted, "{}", outcome.id);
            }
            facts
        };
        let lookup: LookupFile = toml::from_str(&read(LOOKUP_FILE)).unwrap();
        Facts {
            v3_2: framework("3.2"),
            v4_0: framework("4.0"),
            lookup: lookup.outcomes,
            yaml: None,
        }
    }

    /// The facts read from the WebCAF files, when they are there.
    fn from_reference() -> Option<Facts> {
        let dir = reference_dir()?;
        let yaml = ["3.2", "4.0"].map(|version| dir.join(yaml_file(version)));
        let [v3_2, v4_0] = ["3.2", "4.0"].map(|version| {
            let path = dir.join(yaml_file(version));
            from_webcaf(version, &parse_yaml(&path))
        });
        let lookup = lookup_from_webcaf(&dir.join("profile-lookup.json"));
        Some(Facts {
            v3_2,
            v4_0,
            lookup,
            yaml: Some(yaml),
        })
    }
}

/// A digest of a statement's text with its whitespace normalised: the first 16 hex digits of
/// its SHA-256. Enough to recognise a copied statement without keeping the text.
fn digest(text: &str) -> String {
    let normalised = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let hash = Sha256::digest(normalised.as_bytes());
    hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

// ----- the reference data -----

const LOOKUP_FILE: &str = "webcaf-profile-lookup.toml";

fn framework_file(version: &str) -> String {
    format!("webcaf-caf-{version}.toml")
}

fn yaml_file(version: &str) -> String {
    format!("cyber-assessment-framework-v{version}.yaml")
}

fn vendored_path(name: &str) -> PathBuf {
    crate::support::path("tests/fixtures/reference").join(name)
}

/// The WebCAF reference folder, or `None` (with a note) when it is not there or
/// `CAF_SKIP_REFERENCE` is set. A `CAF_WEBCAF_REFERENCE` that names no folder is an error.
fn reference_dir() -> Option<PathBuf> {
    if std::env::var_os("CAF_SKIP_REFERENCE").is_some() {
        note("CAF_SKIP_REFERENCE is set: checked the vendored reference facts only");
        return None;
    }
    if let Some(dir) = std::env::var_os("CAF_WEBCAF_REFERENCE") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "CAF_WEBCAF_REFERENCE={} is not a folder",
            dir.display()
        );
        return Some(dir);
    }
    let dir = crate::support::path("../shared/reference/webcaf");
    if dir.is_dir() {
        Some(dir)
    } else {
        note(&format!(
            "no WebCAF reference data at {} (set CAF_WEBCAF_REFERENCE to use it elsewhere): \
             checked the vendored reference facts in tests/fixtures/reference/ only",
            dir.display()
        ));
        None
    }
}

/// Says why a reference-data test passed without checking anything: in the test's own output,
/// and once per run on the terminal, which the test harness does not capture.
fn note(message: &str) {
    use std::io::Write;
    static ONCE: std::sync::Once = std::sync::Once::new();
    eprintln!("note: {message}");
    ONCE.call_once(|| {
        let _ = writeln!(std::io::stderr(), "\nnote (reference tests): {message}");
    });
}

fn parse_yaml(path: &Path) -> Value {
    serde_norway::from_str(&crate::support::read(path))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn mapping<'a>(value: &'a Value, key: &str) -> &'a Mapping {
    value
        .get(key)
        .and_then(Value::as_mapping)
        .unwrap_or_else(|| panic!("no `{key}` mapping"))
}

fn string(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// `Achieved`, `Partially achieved`, `Not achieved` as statuses.
fn status_from_label(label: &str) -> Status {
    Status::JUDGED
        .into_iter()
        .find(|s| s.label() == label)
        .unwrap_or_else(|| panic!("unknown status {label:?}"))
}

/// Reads the facts out of a WebCAF framework file.
fn from_webcaf(version: &str, doc: &Value) -> FrameworkFacts {
    let mut facts = FrameworkFacts {
        version: version.to_string(),
        rules: BTreeMap::new(),
        objectives: Vec::new(),
        principles: Vec::new(),
        outcomes: Vec::new(),
    };
    if version == "3.2" {
        for (key, rule) in mapping(doc, "assessment-rules") {
            let status = status_from_label(rule["outcome_status"].as_str().unwrap());
            facts
                .rules
                .insert(key.as_str().unwrap().to_string(), status);
        }
    }
    let key = |k: &Value| k.as_str().unwrap().to_string();
    for (oid, objective) in mapping(doc, "objectives") {
        let oid = key(oid);
        facts.objectives.push(ObjectiveFacts {
            id: oid.clone(),
            title: string(objective, "title"),
        });
        for (pid, principle) in mapping(objective, "principles") {
            let pid = key(pid);
            facts.principles.push(PrincipleFacts {
                id: pid.clone(),
                objective: oid.clone(),
                title: string(principle, "title"),
            });
            for (cid, outcome) in mapping(principle, "outcomes") {
                let mut igps = Vec::new();
                for level in Level::ALL {
                    let items = outcome["indicators"]
                        .get(level.key())
                        .and_then(Value::as_mapping);
                    for (id, igp) in items.into_iter().flatten() {
                        igps.push(IgpFacts {
                            id: key(id),
                            level,
                            index: igp
                                .get("ncsc-index")
                                .and_then(Value::as_str)
                                .map(str::to_string),
                            digest: digest(&string(igp, "description")),
                        });
                    }
                }
                let [not_achieved, partially_achieved, achieved] =
                    Level::ALL.map(|level| igps.iter().filter(|i| i.level == level).count());
                let requirement = |profile: &str| {
                    outcome
                        .get("min_profile_requirement")
                        .and_then(|r| r.get(profile))
                        .and_then(Value::as_str)
                        .map(status_from_label)
                };
                facts.outcomes.push(OutcomeFacts {
                    id: key(cid),
                    principle: pid.clone(),
                    objective: oid.clone(),
                    title: string(outcome, "title"),
                    counts: Counts {
                        not_achieved,
                        partially_achieved,
                        achieved,
                    },
                    baseline: requirement("baseline"),
                    enhanced: requirement("enhanced"),
                    igps,
                });
            }
        }
    }
    facts
}

/// Reads WebCAF's profile lookup (`ACH`, `PAC`, `NAC` codes).
fn lookup_from_webcaf(path: &Path) -> Vec<LookupFacts> {
    let lookup: serde_json::Value = serde_json::from_str(&crate::support::read(path)).unwrap();
    let statuses = |entry: &serde_json::Value, key: &str| -> Vec<Status> {
        entry[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|code| match code.as_str().unwrap() {
                "NAC" => Status::NotAchieved,
                "PAC" => Status::PartiallyAchieved,
                "ACH" => Status::Achieved,
                other => panic!("unknown code {other}"),
            })
            .collect()
    };
    lookup
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| LookupFacts {
            id: entry["key"].as_str().unwrap().to_string(),
            baseline: statuses(entry, "BASELINE"),
            enhanced: statuses(entry, "ENHANCED"),
        })
        .collect()
}

// ----- writing the vendored files -----

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Where the reference folder says its files come from, for the vendored files' headers.
fn provenance(dir: &Path) -> String {
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    let commit = readme
        .split("at commit `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .filter(|c| c.len() == 40 && c.chars().all(|c| c.is_ascii_hexdigit()));
    match commit {
        Some(commit) => format!("co-cddo/domains-webcaf at commit\n# {commit}"),
        None => "co-cddo/domains-webcaf (see that folder's README.md)".to_string(),
    }
}

fn header(out: &mut String, source: &str, source_text: &str, from: &str, what: &str) {
    let sha = Sha256::digest(source_text.as_bytes());
    let sha: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    let _ = write!(
        out,
        "# Facts from `{source}` in the WebCAF reference data beside the\n\
         # repository (../shared/reference/webcaf/), copied from {from}.\n\
         # SHA-256 of that file: {sha}.\n\
         # {what}\n\
         # Generated, do not edit: regenerate with\n\
         #   cargo test --test integration reference::regenerate_vendored_facts -- --ignored\n\
         # and reference_data::vendored_facts_are_current checks it is current.\n\
         # CAF content: contains public sector information licensed under the Open Government\n\
         # Licence v3.0 (NCSC Cyber Assessment Framework).\n\n"
    );
}

fn framework_toml(facts: &FrameworkFacts, source_text: &str, from: &str) -> String {
    let mut out = String::new();
    header(
        &mut out,
        &yaml_file(&facts.version),
        source_text,
        from,
        "Ids, titles, IGP counts, NCSC indices and profile minima; no statement text. Each\n\
         # IGP's `digest` is the first 16 hex digits of the SHA-256 of its statement with the\n\
         # whitespace normalised, so that a copied statement can be recognised without it.",
    );
    let _ = writeln!(out, "version = {}\n", quote(&facts.version));
    if !facts.rules.is_empty() {
        out.push_str(
            "# WebCAF's assessment-rules: which achieved, partially-achieved and not-achieved\n\
             # statements are selected (all, some or none of each) -> the outcome's status.\n\
             [rules]\n",
        );
        for (key, status) in &facts.rules {
            let _ = writeln!(out, "{key} = {}", quote(status.key()));
        }
        out.push('\n');
    }
    for objective in &facts.objectives {
        let _ = writeln!(
            out,
            "[[objectives]]\nid = {}\ntitle = {}\n",
            quote(&objective.id),
            quote(&objective.title)
        );
    }
    for principle in &facts.principles {
        let _ = writeln!(
            out,
            "[[principles]]\nid = {}\nobjective = {}\ntitle = {}\n",
            quote(&principle.id),
            quote(&principle.objective),
            quote(&principle.title)
        );
    }
    for outcome in &facts.outcomes {
        let c = &outcome.counts;
        let _ = writeln!(
            out,
            "[[outcomes]]\nid = {}\nprinciple = {}\nobjective = {}\ntitle = {}\n\
             counts = {{ not-achieved = {}, partially-achieved = {}, achieved = {} }}",
            quote(&outcome.id),
            quote(&outcome.principle),
            quote(&outcome.objective),
            quote(&outcome.title),
            c.not_achieved,
            c.partially_achieved,
            c.achieved
        );
        for (profile, target) in [
            ("baseline", outcome.baseline),
            ("enhanced", outcome.enhanced),
        ] {
            if let Some(target) = target {
                let _ = writeln!(out, "{profile} = {}", quote(target.key()));
            }
        }
        out.push_str("igps = [\n");
        for igp in &outcome.igps {
            let index = igp
                .index
                .as_ref()
                .map_or(String::new(), |i| format!(" index = {},", quote(i)));
            let _ = writeln!(
                out,
                "  {{ id = {}, level = {},{index} digest = {} }},",
                quote(&igp.id),
                quote(igp.level.key()),
                quote(&igp.digest)
            );
        }
        out.push_str("]\n\n");
    }
    out
}

fn lookup_toml(lookup: &[LookupFacts], source_text: &str, from: &str) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "profile-lookup.json",
        source_text,
        from,
        "CAF v3.2 profile lookup: for each outcome, the statuses that meet each profile.",
    );
    let list = |statuses: &[Status]| {
        let keys: Vec<String> = statuses.iter().map(|s| quote(s.key())).collect();
        format!("[{}]", keys.join(", "))
    };
    for entry in lookup {
        let _ = writeln!(
            out,
            "[[outcomes]]\nid = {}\nbaseline = {}\nenhanced = {}\n",
            quote(&entry.id),
            list(&entry.baseline),
            list(&entry.enhanced)
        );
    }
    out
}

/// The vendored files as the reference data in `dir` gives them: (file name, text).
fn vendored_files_from(dir: &Path) -> Vec<(String, String)> {
    let from = provenance(dir);
    let mut files = Vec::new();
    for version in ["3.2", "4.0"] {
        let source = crate::support::read(&dir.join(yaml_file(version)));
        let doc: Value = serde_norway::from_str(&source).unwrap();
        let facts = from_webcaf(version, &doc);
        let text = framework_toml(&facts, &source, &from);
        let parsed: FrameworkFacts = toml::from_str(&text).unwrap();
        assert_eq!(parsed, facts, "the written facts read back the same");
        files.push((framework_file(version), text));
    }
    let path = dir.join("profile-lookup.json");
    let lookup = lookup_from_webcaf(&path);
    let text = lookup_toml(&lookup, &crate::support::read(&path), &from);
    let parsed: LookupFile = toml::from_str(&text).unwrap();
    assert_eq!(
        parsed.outcomes, lookup,
        "the written lookup reads back the same"
    );
    files.push((LOOKUP_FILE.to_string(), text));
    files
}

/// Writes `tests/fixtures/reference/` from the reference data. Run it by hand (it needs the
/// reference folder) when that data changes, and review the diff.
#[test]
#[ignore = "writes tests/fixtures/reference/ from ../shared/reference/webcaf/"]
fn regenerate_vendored_facts() {
    let dir = reference_dir().expect("the WebCAF reference data is needed to regenerate");
    std::fs::create_dir_all(vendored_path("")).unwrap();
    for (name, text) in vendored_files_from(&dir) {
        std::fs::write(vendored_path(&name), text).unwrap();
        println!("wrote {}", vendored_path(&name).display());
    }
}

// ----- the checks -----

/// The statements `caf-<version>.toml` has and WebCAF's YAML lacks, as the v4.0
/// reconciliation decided them (frameworks/README.md).
fn added_by_reconciliation(version: &str) -> Vec<(String, Level)> {
    if version != "4.0" {
        return Vec::new();
    }
    crate::reconcile::added()
        .into_iter()
        .map(|d| (d.reference.clone(), d.level()))
        .collect()
}

macro_rules! checks {
    ($($check:ident),* $(,)?) => {
        /// Each check against the facts vendored in `tests/fixtures/reference/`.
        mod vendored {
            $(#[test]
            fn $check() {
                super::$check(&super::Facts::vendored());
            })*
        }

        /// Each check against the WebCAF reference files, when they are there.
        mod reference_data {
            $(#[test]
            fn $check() {
                if let Some(facts) = super::Facts::from_reference() {
                    super::$check(&facts);
                }
            })*

            #[test]
            fn vendored_facts_are_current() {
                super::vendored_facts_are_current();
            }
        }
    };
}

checks!(
    structure_and_counts_match,
    indicator_references_follow_the_ncsc_index_where_it_is_sound,
    v3_2_profiles_agree_with_the_profile_lookup_table,
    the_rule_agrees_with_webcafs_27_entry_table_for_every_outcome,
    import_webcaf_gives_the_same_structure_as_the_shipped_frameworks,
    shipped_statements_are_restatements_not_copies,
);

/// The vendored facts say what the reference data says (regenerate them if not).
fn vendored_facts_are_current() {
    let Some(dir) = reference_dir() else { return };
    for (name, text) in vendored_files_from(&dir) {
        let path = vendored_path(&name);
        let vendored = std::fs::read_to_string(&path).unwrap_or_default();
        if vendored != text {
            let line = vendored
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .map_or("the end".to_string(), |n| format!("line {}", n + 1));
            panic!(
                "{} differs from the reference data in {} (first at {line}); regenerate it with \
                 `cargo test --test integration reference::regenerate_vendored_facts -- --ignored` \
                 and review the diff",
                path.display(),
                dir.display()
            );
        }
    }
}

/// One outcome as the comparison sees it: id, title, principle, objective, IGP counts per
/// level, and baseline and enhanced targets.
type OutcomeRow = (
    String,
    String,
    String,
    String,
    [usize; 3],
    Option<Status>,
    Option<Status>,
);

fn structure_and_counts_match(facts: &Facts) {
    let catalog = Catalog::shipped();
    for (version, id, outcomes, igps) in [("3.2", "caf-3.2", 39, 449), ("4.0", "caf-4.0", 41, 555)]
    {
        let framework = catalog.framework(id).unwrap();
        let reference = facts.framework(version);
        let added = added_by_reconciliation(version);
        assert_eq!(reference.objectives.len(), 4);
        assert_eq!(reference.principles.len(), 14);
        assert_eq!(reference.outcomes.len(), outcomes);
        let total: usize = reference.outcomes.iter().map(|o| o.igps.len()).sum();
        assert_eq!(total, igps);
        assert_eq!(framework.indicator_count(), igps + added.len());
        let theirs: Vec<_> = reference
            .objectives
            .iter()
            .map(|o| (o.id.clone(), o.title.clone()))
            .collect();
        let ours: Vec<_> = framework
            .objectives
            .iter()
            .map(|o| (o.id.clone(), o.title.clone()))
            .collect();
        assert_eq!(ours, theirs, "{version} objectives");
        let theirs: Vec<_> = reference
            .principles
            .iter()
            .map(|p| (p.id.clone(), p.objective.clone(), p.title.clone()))
            .collect();
        let ours: Vec<_> = framework
            .principles
            .iter()
            .map(|p| (p.id.clone(), p.objective.clone(), p.title.clone()))
            .collect();
        assert_eq!(ours, theirs, "{version} principles");
        let target = |profile: &str, outcome: &str| {
            framework
                .profile(profile)
                .and_then(|p| p.target(&OutcomeId::new(outcome)))
        };
        let theirs: Vec<OutcomeRow> = reference
            .outcomes
            .iter()
            .map(|o| {
                let (baseline, enhanced) = if version == "4.0" {
                    // WebCAF's v4.0 data carries no profile minima; ours are the published GovAssure
                    // table, checked in profiles.rs.
                    assert_eq!((o.baseline, o.enhanced), (None, None), "{}", o.id);
                    (target("baseline", &o.id), target("enhanced", &o.id))
                } else {
                    (o.baseline, o.enhanced)
                };
                // The statements the reconciliation added are ours, not the YAML's.
                let mut counts = o.counts.by_level();
                for (reference, level) in &added {
                    if reference.starts_with(&format!("{}.", o.id)) {
                        counts[Level::ALL.iter().position(|l| l == level).unwrap()] += 1;
                    }
                }
                (
                    o.id.clone(),
                    o.title.clone(),
                    o.principle.clone(),
                    o.objective.clone(),
                    counts,
                    baseline,
                    enhanced,
                )
            })
            .collect();
        let ours: Vec<OutcomeRow> = framework
            .outcomes
            .iter()
            .map(|o| {
                (
                    o.id.to_string(),
                    o.title.clone(),
                    o.principle.clone(),
                    o.objective.clone(),
                    Level::ALL.map(|l| o.indicators_at(l).count()),
                    target("baseline", o.id.as_str()),
                    target("enhanced", o.id.as_str()),
                )
            })
            .collect();
        assert_eq!(ours.len(), theirs.len(), "{version} outcomes");
        for (ours, theirs) in ours.iter().zip(&theirs) {
            assert_eq!(ours, theirs, "{version} outcome {}", theirs.0);
        }
    }
}

#[test]
fn v3_2_level_counts_are_as_published() {
    let catalog = Catalog::shipped();
    let framework = catalog.framework("caf-3.2").unwrap();
    let per_level = |level| {
        framework
            .outcomes
            .iter()
            .map(|o| o.indicators_at(level).count())
            .sum::<usize>()
    };
    assert_eq!(per_level(Level::Achieved), 184);
    assert_eq!(per_level(Level::PartiallyAchieved), 111);
    assert_eq!(per_level(Level::NotAchieved), 154);
}

fn indicator_references_follow_the_ncsc_index_where_it_is_sound(facts: &Facts) {
    let catalog = Catalog::shipped();
    for (version, id) in [("3.2", "caf-3.2"), ("4.0", "caf-4.0")] {
        let framework = catalog.framework(id).unwrap();
        let added = added_by_reconciliation(version);
        let mut mismatches = Vec::new();
        for outcome in &facts.framework(version).outcomes {
            let ours = framework.outcome(&outcome.id).unwrap();
            for level in Level::ALL {
                // Added statements are appended, so the others keep WebCAF's index.
                let refs: Vec<_> = ours
                    .indicators_at(level)
                    .map(|i| i.reference.to_string())
                    .filter(|r| !added.iter().any(|(a, _)| a == r))
                    .collect();
                let indices: Vec<_> = outcome
                    .igps
                    .iter()
                    .filter(|i| i.level == level)
                    .map(|i| i.index.as_deref())
                    .collect();
                assert_eq!(refs.len(), indices.len(), "{} {level:?}", outcome.id);
                for (index, ours) in indices.iter().zip(&refs) {
                    if *index != Some(ours.as_str()) {
                        mismatches.push(format!("{} {index:?} -> {ours}", outcome.id));
                    }
                }
            }
        }
        // Exactly the defects the reference README lists for v4.0; none for v3.2.
        let expected = if version == "3.2" { 0 } else { 2 + 2 + 2 };
        assert_eq!(mismatches.len(), expected, "{version}: {mismatches:#?}");
    }
}

fn v3_2_profiles_agree_with_the_profile_lookup_table(facts: &Facts) {
    let framework = Catalog::shipped().framework("caf-3.2").unwrap();
    assert_eq!(facts.lookup.len(), 39);
    let minima: BTreeMap<&str, (Option<Status>, Option<Status>)> = facts
        .v3_2
        .outcomes
        .iter()
        .map(|o| (o.id.as_str(), (o.baseline, o.enhanced)))
        .collect();
    for entry in &facts.lookup {
        let id = OutcomeId::new(entry.id.clone());
        let (baseline, enhanced) = minima[entry.id.as_str()];
        for (profile, meeting, minimum) in [
            ("baseline", &entry.baseline, baseline),
            ("enhanced", &entry.enhanced, enhanced),
        ] {
            let target = framework.profile(profile).unwrap().target(&id).unwrap();
            // The target is met by exactly the statuses the lookup lists.
            for status in Status::JUDGED {
                assert_eq!(
                    caf_core::scoring::meets(status, Some(target)) == Some(true),
                    meeting.contains(&status),
                    "{id} {profile} {status:?}"
                );
            }
            // And the lowest of them is the framework file's minimum.
            let lowest = meeting.iter().copied().min_by_key(|s| s.rank());
            assert_eq!(lowest, minimum, "{id} {profile}");
        }
    }
}

#[test]
fn the_mapping_records_the_known_changes_between_versions() {
    let catalog = Catalog::shipped();
    let mapping = catalog.mapping("caf-3.2", "caf-4.0").unwrap();
    let forward = |id| mapping.forward(id).unwrap();
    assert_eq!(forward("A2.b").to.as_ref().unwrap().as_str(), "A2.c");
    assert_eq!(forward("A2.b").relation, Relation::Renumbered);
    assert_eq!(forward("C2.b").relation, Relation::Removed);
    assert!(!forward("C2.a").relation.comparable());
    assert_eq!(mapping.backward("A2.b").unwrap().relation, Relation::Added);
    assert!(forward("B2.a").relation.comparable());
}

/// Expands a WebCAF rule key part into a selection of `total` statements, if possible.
fn pick(part: &str, refs: &[IndicatorRef]) -> Option<Vec<IndicatorRef>> {
    match (part, refs.len()) {
        ("none", _) => Some(Vec::new()),
        ("all", 0) => None, // zero statements read as "none" in WebCAF
        ("all", _) => Some(refs.to_vec()),
        ("some", n) if n >= 2 => Some(refs[..1].to_vec()),
        _ => None,
    }
}

fn the_rule_agrees_with_webcafs_27_entry_table_for_every_outcome(facts: &Facts) {
    let expected = &facts.v3_2.rules;
    assert_eq!(expected.len(), 27);
    let catalog = Catalog::shipped();
    let mut checked = 0;
    let mut without_partial = 0;
    for id in ["caf-3.2", "caf-4.0"] {
        let framework = catalog.framework(id).unwrap();
        for outcome in &framework.outcomes {
            let refs = |level| {
                outcome
                    .indicators_at(level)
                    .map(|i| i.reference.clone())
                    .collect::<Vec<_>>()
            };
            let (a, pa, na) = (
                refs(Level::Achieved),
                refs(Level::PartiallyAchieved),
                refs(Level::NotAchieved),
            );
            if pa.is_empty() {
                without_partial += 1;
            }
            for (key, status) in expected {
                let parts: Vec<&str> = key.split('_').collect();
                let (Some(sa), Some(spa), Some(sna)) =
                    (pick(parts[0], &a), pick(parts[1], &pa), pick(parts[2], &na))
                else {
                    continue;
                };
                let selected: Vec<IndicatorRef> = sa.into_iter().chain(spa).chain(sna).collect();
                let judgement = judge(&framework, outcome, &selected);
                assert_eq!(
                    judgement.status, *status,
                    "{id} {} {key}: {}",
                    outcome.id, judgement.reason
                );
                // The sentence-free path agrees.
                assert_eq!(
                    caf_core::scoring::status(&framework, outcome, &selected),
                    *status,
                    "{id} {} {key}",
                    outcome.id
                );
                checked += 1;
            }
        }
    }
    assert!(
        without_partial >= 10,
        "outcomes without partially-achieved statements are covered"
    );
    assert!(checked > 80 * 20, "checked {checked} combinations");
}

/// A WebCAF-format file with the vendored facts and placeholder wording, for the importer
/// when the real files are not there.
fn webcaf_yaml(facts: &FrameworkFacts) -> String {
    let s = |text: &str| Value::String(text.to_string());
    let map = |pairs: Vec<(&str, Value)>| {
        Value::Mapping(pairs.into_iter().map(|(k, v)| (s(k), v)).collect())
    };
    let mut objectives = Mapping::new();
    for objective in &facts.objectives {
        let mut principles = Mapping::new();
        for principle in facts
            .principles
            .iter()
            .filter(|p| p.objective == objective.id)
        {
            let mut outcomes = Mapping::new();
            for outcome in facts
                .outcomes
                .iter()
                .filter(|o| o.principle == principle.id)
            {
                let mut indicators = Mapping::new();
                for level in Level::ALL {
                    let items: Mapping = outcome
                        .igps
                        .iter()
                        .filter(|i| i.level == level)
                        .map(|igp| {
                            let mut fields = vec![(
                                "description",
                                s(&format!("Placeholder for statement {}.", igp.id)),
                            )];
                            if let Some(index) = &igp.index {
                                fields.push(("ncsc-index", s(index)));
                            }
                            (s(&igp.id), map(fields))
                        })
                        .collect();
                    indicators.insert(s(level.key()), Value::Mapping(items));
                }
                let mut fields = vec![
                    ("code", s(&outcome.id)),
                    ("title", s(&outcome.title)),
                    ("description", s("Placeholder outcome description.")),
                    ("indicators", Value::Mapping(indicators)),
                ];
                let minima: Vec<_> = [
                    ("baseline", outcome.baseline),
                    ("enhanced", outcome.enhanced),
                ]
                .into_iter()
                .filter_map(|(p, t)| Some((p, s(t?.label()))))
                .collect();
                if !minima.is_empty() {
                    fields.push(("min_profile_requirement", map(minima)));
                }
                outcomes.insert(s(&outcome.id), map(fields));
            }
            principles.insert(
                s(&principle.id),
                map(vec![
                    ("code", s(&principle.id)),
                    ("title", s(&principle.title)),
                    ("description", s("Placeholder principle description.")),
                    ("outcomes", Value::Mapping(outcomes)),
                ]),
            );
        }
        objectives.insert(
            s(&objective.id),
            map(vec![
                ("code", s(&objective.id)),
                ("title", s(&objective.title)),
                ("description", s("Placeholder objective description.")),
                ("principles", Value::Mapping(principles)),
            ]),
        );
    }
    serde_norway::to_string(&map(vec![("objectives", Value::Mapping(objectives))])).unwrap()
}

fn import_webcaf_gives_the_same_structure_as_the_shipped_frameworks(facts: &Facts) {
    let catalog = Catalog::shipped();
    let dir = tempfile::tempdir().unwrap();
    for (n, (version, id)) in [("3.2", "caf-3.2"), ("4.0", "caf-4.0")]
        .into_iter()
        .enumerate()
    {
        let path = match &facts.yaml {
            Some(files) => files[n].clone(),
            None => {
                let path = dir.path().join(yaml_file(version));
                std::fs::write(&path, webcaf_yaml(facts.framework(version))).unwrap();
                path
            }
        };
        let out = dir.path().join(format!("official-{version}.toml"));
        let run = crate::support::caf()
            .args(["frameworks", "import-webcaf"])
            .arg(&path)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", crate::support::stderr_of(&run));
        let text = std::fs::read_to_string(&out).unwrap();
        let imported = load::parse_framework(&SourceFile::new("official.toml", text)).unwrap();
        let shipped = catalog.framework(id).unwrap();
        assert_eq!(imported.id, format!("caf-{version}-official"));
        let shape = |f: &Framework| {
            f.outcomes
                .iter()
                .map(|o| {
                    let refs: Vec<_> = o
                        .indicators
                        .iter()
                        .map(|i| (i.reference.to_string(), i.level))
                        .collect();
                    (o.id.to_string(), o.title.clone(), o.principle.clone(), refs)
                })
                .collect::<Vec<_>>()
        };
        let added = added_by_reconciliation(version);
        let mut shipped_shape = shape(&shipped);
        for (_, _, _, refs) in &mut shipped_shape {
            refs.retain(|(r, _)| !added.iter().any(|(a, _)| a == r));
        }
        let imported_shape = shape(&imported);
        assert_eq!(
            imported_shape.len(),
            shipped_shape.len(),
            "{version} outcomes"
        );
        for (imported, shipped) in imported_shape.iter().zip(&shipped_shape) {
            assert_eq!(imported, shipped, "{version} outcome {}", shipped.0);
        }
        assert_eq!(
            imported.indicator_count() + added.len(),
            shipped.indicator_count()
        );
        // The file's wording is kept, so statements differ from the shipped restatements.
        let a1a = |f: &Framework| f.outcome("A1.a").unwrap().indicators[0].text.clone();
        assert_ne!(a1a(&imported), a1a(&shipped));
        if version == "3.2" {
            assert_eq!(
                imported.profile("baseline").unwrap().targets,
                shipped.profile("baseline").unwrap().targets
            );
        }
        // The imported file is usable as a user framework.
        crate::support::caf()
            .args(["frameworks", "validate"])
            .arg(&out)
            .assert()
            .success();
    }
}

fn shipped_statements_are_restatements_not_copies(facts: &Facts) {
    let catalog = Catalog::shipped();
    for (version, id) in [("3.2", "caf-3.2"), ("4.0", "caf-4.0")] {
        let framework = catalog.framework(id).unwrap();
        let official: BTreeSet<&str> = facts
            .framework(version)
            .outcomes
            .iter()
            .flat_map(|o| &o.igps)
            .map(|i| i.digest.as_str())
            .collect();
        for outcome in &framework.outcomes {
            for indicator in &outcome.indicators {
                assert!(
                    !official.contains(digest(&indicator.text).as_str()),
                    "{} is copied",
                    indicator.reference
                );
            }
        }
    }
}
