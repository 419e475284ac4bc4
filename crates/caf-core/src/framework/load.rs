//! Framework files and profile packs: a serde mirror that keeps spans, then a validation pass
//! that reports every problem at once.
//!
//! Levels, statuses and rule conditions are read as plain spanned strings rather than enums so
//! that an unknown value becomes one located diagnostic among many instead of stopping serde.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::{
    Condition, Framework, Indicator, IndicatorRef, Level, Objective, Outcome, OutcomeId, Principle,
    Profile, Provenance, Rule, Status,
};
use crate::diagnostic::{About, Code, Diagnostic, Diagnostics, SourceFile, parse_toml};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    id: Spanned<String>,
    name: String,
    version: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    rules: Vec<Spanned<RawRule>>,
    #[serde(default)]
    objectives: Vec<Spanned<RawObjective>>,
    #[serde(default)]
    principles: Vec<Spanned<RawPrinciple>>,
    #[serde(default)]
    outcomes: Vec<Spanned<RawOutcome>>,
    #[serde(default)]
    profiles: BTreeMap<Spanned<String>, RawProfile>,
    #[serde(default)]
    provenance: Option<RawProvenance>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvenance {
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    reconciled: Option<String>,
    statements: Spanned<RawCounts>,
}

/// Statements per level, as a framework's provenance records them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCounts {
    not_achieved: usize,
    partially_achieved: usize,
    achieved: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    when: Spanned<String>,
    level: Option<Spanned<String>>,
    status: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObjective {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrinciple {
    id: Spanned<String>,
    objective: Spanned<String>,
    title: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    id: Spanned<String>,
    principle: Spanned<String>,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    indicators: Vec<Spanned<RawIndicator>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    #[serde(rename = "ref")]
    reference: Spanned<String>,
    level: Spanned<String>,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    provisional: bool,
    #[serde(default)]
    source: Option<String>,
    /// Another profile whose targets this one starts from (its own targets then override).
    #[serde(default)]
    base: Option<Spanned<String>>,
    #[serde(default)]
    targets: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// A user's file of extra profiles for an existing framework.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfilePack {
    extends: Spanned<String>,
    profiles: BTreeMap<Spanned<String>, RawProfile>,
}

/// What a file in a frameworks folder holds, decided by its top-level keys.
pub enum FileKind {
    Framework,
    ProfilePack,
    Mapping,
    StatementMap,
}

/// Classifies a framework-folder file without validating it.
pub fn kind_of(text: &str) -> FileKind {
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    if table.contains_key("extends") {
        FileKind::ProfilePack
    } else if table.contains_key("from") && table.contains_key("statements") {
        FileKind::StatementMap
    } else if table.contains_key("from") && table.contains_key("to") {
        FileKind::Mapping
    } else {
        FileKind::Framework
    }
}

/// Parses and validates a framework file.
pub fn parse_framework(source: &SourceFile) -> Result<Framework, Vec<Diagnostic>> {
    let raw: RawFramework = parse_toml(source)?;
    let mut diags = Diagnostics::new(source);

    let id = raw.id.get_ref().trim().to_string();
    if id.is_empty() || id.contains(char::is_whitespace) {
        diags.error(
            Code::InvalidId,
            raw.id.span(),
            "a framework id must be a non-empty word such as `caf-4.0`",
            "use letters, digits, dots and hyphens",
        );
    }

    let rules = validate_rules(&raw.rules, &mut diags);

    let mut objectives = Vec::new();
    let mut seen = HashSet::new();
    for o in &raw.objectives {
        let o = o.get_ref();
        if !seen.insert(o.id.get_ref().clone()) {
            duplicate(&mut diags, "objective", &o.id);
        }
        objectives.push(Objective {
            id: o.id.get_ref().clone(),
            title: o.title.clone(),
            description: o.description.clone(),
        });
    }

    let mut principles = Vec::new();
    for p in &raw.principles {
        let p = p.get_ref();
        if !seen.insert(p.id.get_ref().clone()) {
            duplicate(&mut diags, "principle", &p.id);
        }
        if !objectives.iter().any(|o| &o.id == p.objective.get_ref()) {
            diags.error(
                Code::UnknownObjective,
                p.objective.span(),
                format!(
                    "principle {} names objective `{}`, which is not defined",
                    p.id.get_ref(),
                    p.objective.get_ref()
                ),
                "define the objective under [[objectives]] before its principles",
            );
        }
        principles.push(Principle {
            id: p.id.get_ref().clone(),
            objective: p.objective.get_ref().clone(),
            title: p.title.clone(),
            description: p.description.clone(),
        });
    }

    let mut outcomes = Vec::new();
    let mut seen_refs = HashSet::new();
    for spanned in &raw.outcomes {
        let o = spanned.get_ref();
        let outcome_id = o.id.get_ref().clone();
        if !seen.insert(outcome_id.clone()) {
            duplicate(&mut diags, "outcome", &o.id);
        }
        let objective = match principles.iter().find(|p| &p.id == o.principle.get_ref()) {
            Some(p) => p.objective.clone(),
            None => {
                diags.error(
                    Code::UnknownPrinciple,
                    o.principle.span(),
                    format!(
                        "outcome {outcome_id} names principle `{}`, which is not defined",
                        o.principle.get_ref()
                    ),
                    "define the principle under [[principles]]",
                );
                String::new()
            }
        };
        if o.indicators.is_empty() {
            diags.error(
                Code::OutcomeWithoutIndicators,
                o.id.span(),
                format!("outcome {outcome_id} has no indicators of good practice"),
                "add at least one indicator; an outcome cannot be scored without them",
            );
        }
        if o.indicators.len() > super::MAX_INDICATORS {
            diags.error(
                Code::TooManyIndicators,
                o.id.span(),
                format!(
                    "outcome {outcome_id} has {} indicators; at most {} are allowed",
                    o.indicators.len(),
                    super::MAX_INDICATORS
                ),
                "split the outcome, or merge statements that say the same thing",
            );
        }
        let indicators =
            validate_indicators(&outcome_id, &o.indicators, &mut seen_refs, &mut diags);
        outcomes.push(Outcome {
            id: OutcomeId::new(outcome_id),
            principle: o.principle.get_ref().clone(),
            objective,
            title: o.title.clone(),
            description: o.description.clone(),
            indicators,
            masks: [0; 3],
        });
    }

    let known: Vec<&str> = outcomes.iter().map(|o| o.id.as_str()).collect();
    // No `About`: the outcomes are in this same file, which is not (yet) in any catalogue.
    let mut profiles: Vec<Profile> = raw
        .profiles
        .iter()
        .map(|(pid, p)| validate_profile(pid, p, &id, &known, None, &mut diags))
        .collect();
    inherit_targets(&mut profiles, &raw.profiles, &[], &mut diags);
    let provenance = raw
        .provenance
        .map(|p| validate_provenance(p, &outcomes, &mut diags));

    let framework = Framework {
        id,
        name: raw.name,
        version: raw.version,
        notes: raw.notes,
        rules,
        objectives,
        principles,
        outcomes,
        profiles,
        provenance,
        outcome_index: HashMap::new(),
        targets_by_position: Vec::new(),
    };
    diags.finish(framework).map(Framework::assemble)
}

/// Checks the recorded statement counts against the outcomes: a difference means a statement
/// was added or lost without the provenance (and its reconciliation record) being updated.
fn validate_provenance(
    raw: RawProvenance,
    outcomes: &[Outcome],
    diags: &mut Diagnostics<'_>,
) -> Provenance {
    let span = raw.statements.span();
    let counts = raw.statements.into_inner();
    let recorded = [
        counts.not_achieved,
        counts.partially_achieved,
        counts.achieved,
    ];
    let actual = Level::ALL.map(|level| {
        outcomes
            .iter()
            .map(|o| o.indicators_at(level).count())
            .sum::<usize>()
    });
    for ((level, recorded), actual) in Level::ALL.into_iter().zip(recorded).zip(actual) {
        if recorded != actual {
            diags.error(
                Code::ProvenanceMismatch,
                span.clone(),
                format!(
                    "the provenance records {recorded} {} statements, but the outcomes have {actual}",
                    level.label()
                ),
                "update the counts (and the reconciliation record) when statements are added or removed",
            );
        }
    }
    Provenance {
        sources: raw.sources,
        reconciled: raw.reconciled,
        statements: recorded,
    }
}

/// Parses a profile pack and checks it against the framework it extends.
pub fn parse_profile_pack(
    source: &SourceFile,
    framework_for: impl Fn(&str) -> crate::Result<std::sync::Arc<Framework>>,
) -> Result<(String, Vec<Profile>), Vec<Diagnostic>> {
    let raw: RawProfilePack = parse_toml(source)?;
    let mut diags = Diagnostics::new(source);
    let base = raw.extends.get_ref().clone();
    let framework = match framework_for(&base) {
        Ok(framework) => framework,
        Err(error) => {
            diags.error(
                Code::UnknownFramework,
                raw.extends.span(),
                format!("profile pack extends `{base}`, which is not a known framework"),
                known_frameworks_help(&error),
            );
            return diags.finish((base, Vec::new()));
        }
    };
    let known = framework.outcome_ids();
    let about = About::Framework(framework.id.clone());
    let mut profiles: Vec<Profile> = raw
        .profiles
        .iter()
        .map(|(pid, p)| validate_profile(pid, p, &base, &known, Some(&about), &mut diags))
        .collect();
    inherit_targets(
        &mut profiles,
        &raw.profiles,
        &framework.profiles,
        &mut diags,
    );
    diags.finish((base, profiles))
}

/// Gives each profile with a `base` the base's targets, then its own on top. A base is a
/// profile of the same file without a base of its own, or one of `inherited` (the profiles of
/// the framework a pack extends). One level only, so what a profile inherits is always plain
/// to see in one of two files.
fn inherit_targets(
    profiles: &mut [Profile],
    raw: &BTreeMap<Spanned<String>, RawProfile>,
    inherited: &[Profile],
    diags: &mut Diagnostics<'_>,
) {
    let own_bases: Vec<(String, BTreeMap<OutcomeId, Status>)> = raw
        .iter()
        .zip(profiles.iter())
        .filter(|((_, r), _)| r.base.is_none())
        .map(|(_, p)| (p.id.clone(), p.targets.clone()))
        .collect();
    for ((_, r), profile) in raw.iter().zip(profiles.iter_mut()) {
        let Some(base) = &r.base else { continue };
        let name = base.get_ref().as_str();
        let found = own_bases
            .iter()
            .find(|(id, _)| id == name)
            .map(|(_, targets)| targets)
            .or_else(|| inherited.iter().find(|p| p.id == name).map(|p| &p.targets));
        match found {
            Some(targets) if name != profile.id => {
                let mut merged = targets.clone();
                merged.extend(std::mem::take(&mut profile.targets));
                profile.targets = merged;
                profile.base = Some(name.to_string());
            }
            _ => {
                let mut known: Vec<&str> = own_bases
                    .iter()
                    .map(|(id, _)| id.as_str())
                    .chain(inherited.iter().map(|p| p.id.as_str()))
                    .filter(|id| *id != profile.id)
                    .collect();
                known.sort_unstable();
                known.dedup();
                diags.error(
                    Code::UnknownProfile,
                    base.span(),
                    format!(
                        "profile `{}` builds on `{name}`, which is not a profile it can build on",
                        profile.id
                    ),
                    format!(
                        "use one of: {} (a base must not itself have a base)",
                        known.join(", ")
                    ),
                );
            }
        }
    }
}

/// The help line for a framework id the catalogue does not have: the ids it does have.
pub(crate) fn known_frameworks_help(error: &crate::Error) -> String {
    match error {
        crate::Error::UnknownFramework { known, .. } => format!("use one of: {known}"),
        // The id is known but its file does not load; say why rather than "unknown".
        other => other.to_string(),
    }
}

/// The help line for an outcome id that is not in a framework: the ids that are.
pub(crate) fn known_outcomes_help(framework: &str, outcomes: &[&str]) -> String {
    format!("the outcomes of {framework} are {}", outcomes.join(", "))
}

fn duplicate(diags: &mut Diagnostics<'_>, what: &str, id: &Spanned<String>) {
    diags.error(
        Code::DuplicateId,
        id.span(),
        format!("{what} id `{}` is defined more than once", id.get_ref()),
        "every objective, principle and outcome id must be unique; rename or remove one",
    );
}

fn validate_rules(raw: &[Spanned<RawRule>], diags: &mut Diagnostics<'_>) -> Vec<Rule> {
    let mut rules = Vec::new();
    if raw.is_empty() {
        diags.push(
            Diagnostic::error(Code::MissingRules, "the framework defines no scoring rules")
                .in_file(diags.source().name())
                .help("add [[rules]] tables ending with `when = \"otherwise\"`"),
        );
        return rules;
    }
    for (i, spanned) in raw.iter().enumerate() {
        let r = spanned.get_ref();
        let level = r
            .level
            .as_ref()
            .map(|l| (Level::from_key(l.get_ref()), l.span()));
        let level = match level {
            Some((Some(level), _)) => Some(level),
            Some((None, span)) => {
                unknown_level(diags, span, r.level.as_ref().map_or("", |l| l.get_ref()));
                None
            }
            None => None,
        };
        let status = Status::from_key(r.status.get_ref()).filter(|s| *s != Status::NotAssessed);
        if status.is_none() {
            diags.error(
                Code::UnknownStatus,
                r.status.span(),
                format!("`{}` is not a status a rule can give", r.status.get_ref()),
                "use achieved, partially-achieved or not-achieved",
            );
        }
        let when = r.when.get_ref().as_str();
        let condition = match (when, level) {
            ("otherwise", None) => Some(Condition::Otherwise),
            ("otherwise", Some(_)) => {
                unevaluable(diags, spanned.span(), "`otherwise` takes no level");
                None
            }
            ("any" | "all" | "none", None) if r.level.is_none() => {
                unevaluable(diags, spanned.span(), &format!("`{when}` needs a `level`"));
                None
            }
            ("any", Some(l)) => Some(Condition::Any(l)),
            ("all", Some(l)) => Some(Condition::All(l)),
            ("none", Some(l)) => Some(Condition::None(l)),
            ("any" | "all" | "none", None) => None, // unknown level already reported
            _ => {
                diags.error(
                    Code::UnevaluableRule,
                    r.when.span(),
                    format!("`{when}` is not a rule condition"),
                    "use any, all, none or otherwise",
                );
                None
            }
        };
        let is_last = i + 1 == raw.len();
        if condition == Some(Condition::Otherwise) && !is_last {
            unevaluable(
                diags,
                raw[i + 1].span(),
                "this rule comes after `otherwise` and can never be reached",
            );
        }
        if is_last && when != "otherwise" {
            unevaluable(
                diags,
                spanned.span(),
                "the last rule must be `when = \"otherwise\"` so that every selection gets a status",
            );
        }
        if let (Some(condition), Some(status)) = (condition, status) {
            rules.push(Rule { condition, status });
        }
    }
    rules
}

fn unevaluable(diags: &mut Diagnostics<'_>, span: Range<usize>, message: &str) {
    diags.error(
        Code::UnevaluableRule,
        span,
        message.to_string(),
        "rules are tried in order; each has `when` (any, all, none, otherwise), a `level` unless it is `otherwise`, and a `status`",
    );
}

fn unknown_level(diags: &mut Diagnostics<'_>, span: Range<usize>, value: &str) {
    diags.error(
        Code::UnknownLevel,
        span,
        format!("`{value}` is not a level"),
        "use not-achieved, partially-achieved or achieved",
    );
}

fn validate_indicators(
    outcome: &str,
    raw: &[Spanned<RawIndicator>],
    seen_refs: &mut HashSet<String>,
    diags: &mut Diagnostics<'_>,
) -> Vec<Indicator> {
    let mut indicators = Vec::new();
    for spanned in raw {
        let i = spanned.get_ref();
        let Some(level) = Level::from_key(i.level.get_ref()) else {
            unknown_level(diags, i.level.span(), i.level.get_ref());
            continue;
        };
        let reference = i.reference.get_ref();
        match IndicatorRef::parse(reference) {
            Some((owner, ref_level, _)) if owner == outcome && ref_level == level => {}
            _ => diags.error(
                Code::InvalidIndicatorRef,
                i.reference.span(),
                format!(
                    "indicator reference `{reference}` does not match outcome {outcome} at level {}",
                    level.key()
                ),
                format!("write it as `{outcome}.{}.<n>`", level.code()),
            ),
        }
        if !seen_refs.insert(reference.clone()) {
            diags.error(
                Code::DuplicateId,
                i.reference.span(),
                format!("indicator reference `{reference}` is defined more than once"),
                "number indicators by their position within the level",
            );
        }
        if i.text.trim().is_empty() {
            diags.error(
                Code::EmptyIndicator,
                spanned.span(),
                format!("indicator `{reference}` has no text"),
                "write the statement that is true or not",
            );
        }
        indicators.push(Indicator {
            reference: IndicatorRef::checked(reference.clone()),
            level,
            text: i.text.clone(),
        });
    }
    indicators
}

/// Checks one profile's targets against the outcome ids of `framework`.
fn validate_profile(
    id: &Spanned<String>,
    raw: &RawProfile,
    framework: &str,
    outcomes: &[&str],
    about: Option<&About>,
    diags: &mut Diagnostics<'_>,
) -> Profile {
    let mut targets = BTreeMap::new();
    for (outcome, status) in &raw.targets {
        if !outcomes.contains(&outcome.get_ref().as_str()) {
            let mut d = Diagnostic::error(
                Code::UnknownOutcome,
                format!(
                    "profile `{}` names outcome `{}`, which is not in {framework}",
                    id.get_ref(),
                    outcome.get_ref()
                ),
            )
            .help(known_outcomes_help(framework, outcomes));
            d.about = about.cloned();
            diags.push_at(d, outcome.span());
        }
        match Status::from_key(status.get_ref()).filter(|s| *s != Status::NotAssessed) {
            Some(s) => {
                targets.insert(OutcomeId::new(outcome.get_ref().clone()), s);
            }
            None => diags.error(
                Code::UnknownStatus,
                status.span(),
                format!("`{}` is not a target status", status.get_ref()),
                "use achieved, partially-achieved or not-achieved",
            ),
        }
    }
    Profile {
        id: id.get_ref().clone(),
        title: raw.title.clone(),
        description: raw.description.clone(),
        provisional: raw.provisional,
        source: raw.source.clone(),
        base: None,
        targets,
    }
}
