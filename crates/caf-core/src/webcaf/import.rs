//! `caf import webcaf`: a WebCAF assessment (its `assessments_data`, with or without the model
//! around it, or the per-assessment analytics export) as an assessment file.
//!
//! Every problem is reported at once and located (line:column in the JSON); the assessment file
//! is produced whole or not at all, and is read back through the one assessment reader before
//! it is returned, so an import can never write a file `caf` would refuse. Statements are mapped
//! through [`WebcafIds`]; the outcome summary and statement comments become the outcome's
//! comment. Where WebCAF's own rule would judge an outcome differently (it counts only the keys
//! present in the data), or the stated status differs from what the statements give, a
//! warning says so.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Map, Value};

use super::export::{AnalyticsExport, CafOverride};
use super::ids::{WebcafIds, split_key};
use crate::assessment::Date;
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::error::{Error, Result};
use crate::framework::{Catalog, Framework, IndicatorRef, Level, Status};
use crate::scoring;

/// The largest WebCAF file read: one assessment's export is about 100 KB.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// What the command line can add to what the export says.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The framework id; needed when the data does not say its CAF version.
    pub framework: Option<String>,
    pub organisation: Option<String>,
    pub organisation_id: Option<String>,
}

/// A finished import.
#[derive(Debug)]
pub struct Imported {
    /// The assessment file, already validated.
    pub toml: String,
    pub framework: String,
    pub outcomes: usize,
    pub selected: usize,
    /// Where WebCAF would score differently, located in the JSON.
    pub warnings: Vec<Diagnostic>,
}

/// One outcome's answers, whatever shape they came in.
struct Answer {
    outcome: String,
    /// `(key, value, comment)`, the key as `<level>_<id>`.
    indicators: Vec<(String, Value, String)>,
    stated: String,
    summary: String,
    confirmed: bool,
    override_: Option<CafOverride>,
}

/// Everything outside the answers.
#[derive(Default)]
struct Context {
    version: Option<String>,
    profile: Option<String>,
    period: Option<String>,
    organisation_id: Option<String>,
    date: Option<Date>,
}

pub fn import(source: &SourceFile, catalog: &Catalog, options: &ImportOptions) -> Result<Imported> {
    let text = source.text();
    if text.len() > MAX_BYTES {
        return Err(Problems::new(source).fatal(
            0,
            &format!(
                "the file is larger than {} MiB; one WebCAF assessment is far smaller",
                MAX_BYTES >> 20
            ),
        ));
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| json_error(source, &e))?;
    let mut problems = Problems::new(source);
    let Value::Object(top) = &doc else {
        return Err(problems.fatal(0, "the file is not a JSON object"));
    };
    let (context, answers) = if top.get("outcomes").is_some_and(Value::is_array) {
        let export: AnalyticsExport =
            serde_json::from_str(text).map_err(|e| json_error(source, &e))?;
        analytics(export)
    } else if let Some(Value::Object(data)) = top.get("assessments_data") {
        let context = Context {
            version: top
                .get("framework")
                .and_then(Value::as_str)
                .map(model_version),
            profile: string(top.get("caf_profile")),
            period: string(top.get("assessment_period")),
            ..Context::default()
        };
        (context, assessments_data(data, &mut problems))
    } else {
        (Context::default(), assessments_data(top, &mut problems))
    };

    let framework_id = match (&options.framework, &context.version) {
        (Some(id), _) => id.clone(),
        (None, Some(version)) => format!("caf-{version}"),
        (None, None) => {
            return Err(problems.fatal(
                0,
                "the data does not say which CAF version it answers: give --framework caf-3.2 \
                 or --framework caf-4.0",
            ));
        }
    };
    let framework = catalog.framework(&framework_id)?;
    if let Some(version) = context
        .version
        .as_ref()
        .filter(|v| **v != framework.version)
    {
        return Err(problems.fatal(
            0,
            &format!(
                "the data answers CAF {version}, but {} is version {}: give a framework of \
                 version {version} (or none)",
                framework.id, framework.version
            ),
        ));
    }
    if WebcafIds::of(&framework, &framework.outcomes[0]).is_none() {
        return Err(problems.fatal(
            0,
            &format!(
                "WebCAF has no data for version {} (framework {framework_id}); it has 3.2 and 4.0",
                framework.version
            ),
        ));
    }

    let mut outcomes = BTreeMap::new();
    for answer in &answers {
        if let Some(read) = read_answer(&framework, answer, &mut problems)
            && let Some(earlier) = outcomes.insert(read.position, read)
        {
            let needle = format!("\"{}\"", earlier.id);
            let second = problems.find(&needle, 0) + 1;
            problems.error(
                &needle,
                second,
                &format!("outcome {} is listed twice", earlier.id),
            );
        }
    }
    problems.finish()?;

    let profile = context
        .profile
        .as_ref()
        .map(|p| p.to_lowercase())
        .filter(|p| framework.profile(p).is_some());
    let toml = write_toml(
        source,
        &framework,
        &context,
        profile.as_deref(),
        options,
        &outcomes,
    );
    // Never hand back a file the assessment reader would refuse.
    let check = SourceFile::new(format!("{} (as converted)", source.name()), toml.clone());
    crate::assessment::read::read(&check, catalog)?;
    Ok(Imported {
        toml,
        framework: framework.id.clone(),
        outcomes: outcomes.len(),
        selected: outcomes.values().map(|o| o.selected.len()).sum(),
        warnings: problems.warnings,
    })
}

/// `caf32` / `caf40` (WebCAF's model field) as a CAF version.
fn model_version(framework: &str) -> String {
    match framework {
        "caf32" => "3.2".to_string(),
        "caf40" => "4.0".to_string(),
        other => other.trim_start_matches("caf-").to_string(),
    }
}

fn string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn analytics(export: AnalyticsExport) -> (Context, Vec<Answer>) {
    let details = &export.assessment_details;
    let date = export.metadata.as_ref().and_then(|m| {
        [&m.completed, &m.last_updated, &m.created]
            .into_iter()
            .flatten()
            .find_map(|d| Date::parse(d.get(..10)?))
    });
    let context = Context {
        version: Some(details.caf_version.trim_start_matches('v').to_string()),
        profile: details.government_caf_profile.clone(),
        period: details.assessment_period.clone(),
        organisation_id: string(Some(&export.organisation_id)),
        date,
    };
    let answers = export
        .outcomes
        .into_iter()
        .map(|o| Answer {
            indicators: o
                .indicators
                .into_iter()
                .map(|i| {
                    let key = format!("{}_{}", i.indicator_category, i.indicator_id);
                    (key, i.value, i.comment)
                })
                .collect(),
            confirmed: !o.outcome_status.is_empty(),
            stated: o.outcome_status,
            summary: o.outcome_confirm_comment,
            override_: o.caf_override,
            outcome: o.outcome_id,
        })
        .collect();
    (context, answers)
}

/// `{ "A1.a": { "indicators": {...}, "confirmation": {...} }, ... }`.
fn assessments_data(data: &Map<String, Value>, problems: &mut Problems) -> Vec<Answer> {
    let mut answers = Vec::new();
    for (outcome, section) in data {
        let Value::Object(section) = section else {
            problems.error(
                &format!("\"{outcome}\""),
                0,
                &format!("outcome {outcome}: expected an object with `indicators`"),
            );
            continue;
        };
        let indicators = match section.get("indicators") {
            Some(Value::Object(map)) => map,
            None => &Map::new(),
            Some(_) => {
                problems.error(
                    &format!("\"{outcome}\""),
                    0,
                    &format!("outcome {outcome}: `indicators` is not an object"),
                );
                continue;
            }
        };
        let comment = |key: &str| {
            indicators
                .get(&format!("{key}_comment"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let confirmation = section.get("confirmation").and_then(Value::as_object);
        let field = |name: &str| {
            confirmation
                .and_then(|c| c.get(name))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        answers.push(Answer {
            outcome: outcome.clone(),
            indicators: indicators
                .iter()
                .filter(|(k, _)| !k.ends_with("_comment"))
                .map(|(k, v)| (k.clone(), v.clone(), comment(k)))
                .collect(),
            stated: field("outcome_status"),
            summary: field("confirm_outcome_confirm_comment"),
            confirmed: field("confirm_outcome") == "confirm",
            override_: None,
        });
    }
    answers
}

/// One outcome, mapped and checked.
struct ReadOutcome {
    position: usize,
    id: String,
    selected: Vec<IndicatorRef>,
    comment: String,
    confirmed: bool,
    override_: Option<(Status, String)>,
}

fn read_answer(
    framework: &Framework,
    answer: &Answer,
    problems: &mut Problems,
) -> Option<ReadOutcome> {
    let needle = format!("\"{}\"", answer.outcome);
    let Some(outcome) = framework.outcome(&answer.outcome) else {
        problems.error(
            &needle,
            0,
            &format!("{} has no outcome {}", framework.id, answer.outcome),
        );
        return None;
    };
    let at = problems.find(&needle, 0);
    let ids = WebcafIds::of(framework, outcome)?;
    let mut chosen = vec![false; outcome.indicators.len()];
    let mut present: [Vec<bool>; 3] = Default::default();
    let mut comments = Vec::new();
    for (key, value, comment) in &answer.indicators {
        let position = split_key(key).and_then(|(level, id)| {
            ids.position(level, id).or_else(|| {
                outcome
                    .position(id)
                    .filter(|&i| outcome.indicators[i].level == level)
            })
        });
        let Some(position) = position else {
            problems.error(
                &format!("\"{key}\""),
                at,
                &format!(
                    "{}: WebCAF's data for {} has no statement `{key}` (keys are <level>_<id>, \
                     such as achieved_{}.1)",
                    outcome.id, framework.id, outcome.id
                ),
            );
            continue;
        };
        let ticked = match value {
            Value::Bool(b) => *b,
            Value::String(s) if s == "yes" => true,
            Value::String(s) if s == "no" => false,
            Value::Null => false,
            _ => {
                problems.error(
                    &format!("\"{key}\""),
                    at,
                    &format!("{}: `{key}` must be true or false", outcome.id),
                );
                continue;
            }
        };
        chosen[position] |= ticked;
        present[outcome.indicators[position].level as usize].push(ticked);
        if !comment.trim().is_empty() {
            comments.push(format!(
                "{}: {}",
                outcome.indicators[position].reference,
                comment.trim()
            ));
        }
    }
    let selected: Vec<IndicatorRef> = (0..chosen.len())
        .filter(|&i| chosen[i])
        .map(|i| outcome.indicators[i].reference.clone())
        .collect();

    let ours = scoring::judge(framework, outcome, &selected).status;
    let theirs = keys_present_status(&present);
    if answer.confirmed && theirs != ours {
        problems.warn(
            &needle,
            at,
            &format!(
                "{}: WebCAF's rule, which counts only the statement keys present, gives {}; the \
                 statements selected give {} here",
                outcome.id,
                theirs.label(),
                ours.label()
            ),
        );
    }
    let override_ = answer.override_.as_ref().and_then(|o| {
        let status = Status::JUDGED.into_iter().find(|s| s.key() == o.status);
        if status.is_none() || o.justification.trim().is_empty() {
            problems.error(
                "\"caf_override\"",
                at,
                &format!(
                    "{}: `caf_override` needs a status (achieved, partially-achieved or \
                     not-achieved) and a justification",
                    outcome.id
                ),
            );
        }
        Some((status?, o.justification.clone()))
    });
    let stated = Status::JUDGED
        .into_iter()
        .find(|s| s.label().eq_ignore_ascii_case(answer.stated.trim()));
    let counted = override_.as_ref().map_or(ours, |(s, _)| *s);
    if let Some(stated) = stated
        && stated != counted
        && stated != theirs
    {
        problems.warn(
            &needle,
            at,
            &format!(
                "{}: the export states {}, but the statements selected give {}",
                outcome.id,
                stated.label(),
                ours.label()
            ),
        );
    }
    let mut comment = answer.summary.trim().to_string();
    if !comments.is_empty() {
        if !comment.is_empty() {
            comment.push_str("\n\n");
        }
        comment.push_str("Statement comments from WebCAF:\n");
        comment.push_str(&comments.join("\n"));
    }
    Some(ReadOutcome {
        position: framework.position(outcome.id.as_str())?,
        id: outcome.id.as_str().to_string(),
        selected,
        comment,
        confirmed: answer.confirmed,
        override_,
    })
}

/// WebCAF's status rule: per level, `none` when no key is present or none is true, `all` when
/// every key present is true, else `some`; then not achieved on any not-achieved statement,
/// achieved on all achieved ones, partially achieved on all partially-achieved ones.
fn keys_present_status(present: &[Vec<bool>; 3]) -> Status {
    #[derive(PartialEq)]
    enum Key {
        None,
        Some,
        All,
    }
    let key = |level: Level| {
        let values = &present[level as usize];
        if values.iter().all(|v| !v) {
            Key::None
        } else if values.iter().all(|v| *v) {
            Key::All
        } else {
            Key::Some
        }
    };
    if key(Level::NotAchieved) != Key::None {
        Status::NotAchieved
    } else if key(Level::Achieved) == Key::All {
        Status::Achieved
    } else if key(Level::PartiallyAchieved) == Key::All {
        Status::PartiallyAchieved
    } else {
        Status::NotAchieved
    }
}

fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn write_toml(
    source: &SourceFile,
    framework: &Framework,
    context: &Context,
    profile: Option<&str>,
    options: &ImportOptions,
    outcomes: &BTreeMap<usize, ReadOutcome>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported by `caf import webcaf` from {}.\n\
         # WebCAF's statement ids (<level>_<outcome>.<n>) are mapped to this framework's\n\
         # references; see docs/oscal.md for what does not carry over.",
        std::path::Path::new(source.name())
            .file_name()
            .map_or_else(|| source.name().into(), |n| n.to_string_lossy())
            .replace(['\n', '\r'], " ")
    );
    let _ = writeln!(out, "framework = {}", quote(&framework.id));
    if let Some(profile) = profile {
        let _ = writeln!(out, "profile = {}", quote(profile));
    }
    if let Some(period) = &context.period {
        let _ = writeln!(out, "period = {}", quote(period));
    }
    let id = options
        .organisation_id
        .clone()
        .or_else(|| context.organisation_id.clone())
        .unwrap_or_else(|| "webcaf-import".to_string());
    let name = options
        .organisation
        .clone()
        .unwrap_or_else(|| match &context.organisation_id {
            Some(id) => format!("WebCAF organisation {id}"),
            None => "Organisation imported from WebCAF".to_string(),
        });
    let _ = writeln!(
        out,
        "\n[organisation]\nname = {}\nid = {}",
        quote(&name),
        quote(&id)
    );
    if let Some(date) = context.date {
        let _ = writeln!(out, "\n[scope]\ndate = {date}");
    }
    for read in outcomes.values() {
        let selected = read
            .selected
            .iter()
            .map(|r| quote(r.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "\n[outcomes.{}]\nselected = [{selected}]",
            quote(&read.id)
        );
        if !read.comment.is_empty() {
            let _ = writeln!(out, "comment = {}", quote(&read.comment));
        }
        if !read.confirmed {
            let _ = writeln!(out, "needs_review = true");
        }
        if let Some((status, justification)) = &read.override_ {
            let _ = writeln!(
                out,
                "override = {{ status = {}, justification = {} }}",
                quote(status.key()),
                quote(justification)
            );
        }
    }
    out
}

fn json_error(source: &SourceFile, error: &serde_json::Error) -> Error {
    let offset = source.offset(error.line(), error.column());
    let d = Diagnostic::error(Code::JsonSyntax, error.to_string())
        .help("give WebCAF's assessment data or its analytics export, as JSON");
    let d = if error.line() == 0 {
        d.in_file(source.name())
    } else {
        d.at(source, offset..offset + 1)
    };
    Error::Invalid(vec![d])
}

/// The diagnostics of one import, located by finding the JSON text they are about.
struct Problems<'a> {
    source: &'a SourceFile,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl<'a> Problems<'a> {
    fn new(source: &'a SourceFile) -> Self {
        Self {
            source,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Where `needle` first occurs at or after `from` (the start of the file if nowhere).
    fn find(&self, needle: &str, from: usize) -> usize {
        let text = self.source.text();
        text.get(from..)
            .and_then(|rest| rest.find(needle))
            .map_or(0, |i| from + i)
    }

    fn located(&self, diagnostic: Diagnostic, needle: &str, from: usize) -> Diagnostic {
        let at = self.find(needle, from);
        diagnostic.at(self.source, at..at + needle.len().max(1))
    }

    fn error(&mut self, needle: &str, from: usize, message: &str) {
        let d = Diagnostic::error(Code::InvalidWebcafAssessment, message);
        self.errors.push(self.located(d, needle, from));
    }

    fn warn(&mut self, needle: &str, from: usize, message: &str) {
        let d = Diagnostic::warning(Code::WebcafScoresDifferently, message)
            .help("the file keeps the statements as selected; check this outcome");
        self.warnings.push(self.located(d, needle, from));
    }

    fn fatal(&self, at: usize, message: &str) -> Error {
        let end = (at + 1).min(self.source.text().len());
        let d = Diagnostic::error(Code::InvalidWebcafAssessment, message)
            .at(self.source, at..end)
            .help("give WebCAF's assessment data (`assessments_data`) or its analytics export");
        Error::Invalid(vec![d])
    }

    fn finish(&mut self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(std::mem::take(&mut self.errors)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webcaf_counts_only_the_keys_present() {
        // Two of four achieved statements present, both true: WebCAF says all.
        let present = [vec![false], vec![], vec![true, true]];
        assert_eq!(keys_present_status(&present), Status::Achieved);
        let present = [vec![false], vec![true], vec![true, false]];
        assert_eq!(keys_present_status(&present), Status::PartiallyAchieved);
        let present = [vec![true], vec![true], vec![true]];
        assert_eq!(keys_present_status(&present), Status::NotAchieved);
        assert_eq!(
            keys_present_status(&Default::default()),
            Status::NotAchieved
        );
    }
}
