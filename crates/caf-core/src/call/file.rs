//! The call file: a serde mirror that keeps spans (the `toml` crate's syntax, type and
//! unknown-key errors are the first pass), then one validation pass that builds a [`Call`]
//! and reports every problem at once, located in the file.
//!
//! ```toml
//! id = "ivanti-epmm-2026-12"
//! title = "Ivanti EPMM authentication bypass"
//! severity = "critical"
//! deadline = 2026-12-04T17:00:00Z
//! exposed = 'uses = "yes" and patched != "patched"'
//!
//! [audience]
//! sectors = ["health"]
//!
//! [[questions]]
//! id = "uses"
//! text = "Do you run Ivanti Endpoint Manager Mobile?"
//! kind = "yes-no"
//! required = true
//! ```

use std::collections::BTreeSet;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::rule::{Rule, RuleError};
use super::{Audience, Call, CallId, Kind, Product, Question, QuestionId, Severity, valid_id};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, SourceFile, parse_toml};
use crate::error::Result;

/// Bounds on what one call may hold, so a call (which every addressed organisation reads) stays
/// small.
pub const MAX_QUESTIONS: usize = 100;
pub const MAX_CHOICES: usize = 50;
const MAX_TEXT: usize = 2_000;
const MAX_LIST: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCall {
    id: Spanned<String>,
    title: Spanned<String>,
    severity: Spanned<String>,
    deadline: Spanned<toml::Value>,
    summary: Option<Spanned<String>>,
    #[serde(default)]
    audience: Audience,
    #[serde(default)]
    outcomes: Vec<Spanned<String>>,
    #[serde(default)]
    suppliers: Vec<String>,
    #[serde(default)]
    products: Vec<Product>,
    #[serde(default)]
    references: Vec<String>,
    exposed: Option<Spanned<String>>,
    #[serde(default)]
    questions: Vec<Spanned<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    text: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    choices: Option<Spanned<Vec<Spanned<String>>>>,
    when: Option<Spanned<String>>,
    #[serde(default)]
    required: bool,
}

/// Reads and checks a call file.
pub fn parse(source: &SourceFile) -> Result<Call> {
    let raw: RawCall = parse_toml(source)?;
    let mut diags = Diagnostics::new(source);

    if !valid_id(raw.id.get_ref()) {
        diags.error(
            Code::InvalidId,
            raw.id.span(),
            "a call id is 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit",
            "name the call after the event, for example `ivanti-epmm-2026-12`",
        );
    }
    nonempty(&mut diags, &raw.title, "the call's title");
    let severity = match raw.severity.get_ref().as_str() {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        other => {
            diags.error(
                Code::InvalidType,
                raw.severity.span(),
                format!("`{}` is not a severity", crate::diagnostic::clip(other, 40)),
                "use low, medium, high or critical",
            );
            Severity::High
        }
    };
    let deadline = deadline(raw.deadline.get_ref());
    if deadline.is_none() {
        diags.error(
            Code::InvalidDate,
            raw.deadline.span(),
            "the deadline is not a time with its offset",
            "write it as RFC 3339 with an offset, for example `deadline = 2026-12-04T17:00:00Z`",
        );
    }
    for outcome in &raw.outcomes {
        if !valid_id(outcome.get_ref()) {
            diags.error(
                Code::InvalidId,
                outcome.span(),
                "this is not a CAF outcome id",
                "name outcomes as the framework does, for example `B4.d`",
            );
        }
    }
    let lists = [
        raw.audience.sectors.len(),
        raw.audience.regions.len(),
        raw.audience.parents.len(),
        raw.audience.suppliers.len(),
        raw.suppliers.len(),
        raw.products.len(),
        raw.references.len(),
        raw.outcomes.len(),
    ];
    if lists.iter().any(|&n| n > MAX_LIST) {
        diags.push(
            Diagnostic::error(Code::InvalidType, format!("a list in the call has more than {MAX_LIST} entries"))
                .help("a call names a few groups, suppliers and products; split a larger event into several calls")
                .in_file(source.name()),
        );
    }

    if raw.questions.is_empty() {
        diags.push(
            Diagnostic::error(Code::MissingKey, "the call asks no questions")
                .help("add at least one `[[questions]]` table with id, text and kind")
                .in_file(source.name()),
        );
    }
    if raw.questions.len() > MAX_QUESTIONS {
        diags.push(
            Diagnostic::error(
                Code::InvalidType,
                format!("the call has more than {MAX_QUESTIONS} questions"),
            )
            .help("keep a call short enough to answer in a minute")
            .in_file(source.name()),
        );
    }
    let mut questions: Vec<Question> = Vec::with_capacity(raw.questions.len().min(MAX_QUESTIONS));
    let mut seen = BTreeSet::new();
    for spanned in raw.questions.iter().take(MAX_QUESTIONS) {
        let q = spanned.get_ref();
        let id = q.id.get_ref();
        if !valid_id(id) {
            diags.error(
                Code::InvalidId,
                q.id.span(),
                "a question id is 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit",
                "use a short name such as `uses` or `patched`: answers are keyed by it",
            );
        } else if !seen.insert(id.clone()) {
            diags.error(
                Code::DuplicateId,
                q.id.span(),
                format!("question `{id}` is defined twice"),
                "give each question its own id",
            );
        }
        nonempty(&mut diags, &q.text, "a question's text");
        let kind = match q.kind.get_ref().as_str() {
            "yes-no" => Kind::YesNo,
            "choice" => Kind::Choice,
            "multi-choice" => Kind::MultiChoice,
            "number" => Kind::Number,
            "date" => Kind::Date,
            "text" => Kind::Text,
            other => {
                diags.error(
                    Code::InvalidType,
                    q.kind.span(),
                    format!(
                        "`{}` is not a kind of question",
                        crate::diagnostic::clip(other, 40)
                    ),
                    "use yes-no, choice, multi-choice, number, date or text",
                );
                Kind::Text
            }
        };
        let choices = choices(&mut diags, q, kind, spanned.span());
        let mut question = Question {
            id: QuestionId(id.clone()),
            text: q.text.get_ref().clone(),
            kind,
            choices,
            when: None,
            required: q.required,
        };
        if let Some(when) = &q.when {
            question.when = rule(&mut diags, source, when, &questions);
        }
        questions.push(question);
    }
    let exposed = raw
        .exposed
        .as_ref()
        .and_then(|e| rule(&mut diags, source, e, &questions));

    let call = Call {
        id: CallId(raw.id.into_inner()),
        title: raw.title.into_inner(),
        severity,
        deadline: deadline.unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        summary: raw.summary.map(Spanned::into_inner),
        audience: raw.audience,
        outcomes: raw.outcomes.into_iter().map(Spanned::into_inner).collect(),
        suppliers: raw.suppliers,
        products: raw.products,
        references: raw.references,
        questions,
        exposed,
    };
    Ok(diags.finish(call)?)
}

/// A TOML offset date-time, or the same as a string.
fn deadline(value: &toml::Value) -> Option<time::OffsetDateTime> {
    let text = match value {
        toml::Value::Datetime(dt) if dt.offset.is_some() && dt.time.is_some() => dt.to_string(),
        toml::Value::String(s) => s.clone(),
        _ => return None,
    };
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).ok()
}

fn nonempty(diags: &mut Diagnostics, value: &Spanned<String>, what: &str) {
    let text = value.get_ref();
    if text.trim().is_empty() {
        diags.error(
            Code::EmptyValue,
            value.span(),
            format!("{what} is empty"),
            "write it out",
        );
    } else if text.chars().count() > MAX_TEXT {
        diags.error(
            Code::InvalidType,
            value.span(),
            format!("{what} is over {MAX_TEXT} characters"),
            "shorten it; put detail in the advisory the call refers to",
        );
    }
}

fn choices(diags: &mut Diagnostics, q: &RawQuestion, kind: Kind, at: Range<usize>) -> Vec<String> {
    if kind == Kind::YesNo {
        return vec!["yes".to_string(), "no".to_string()];
    }
    match (&q.choices, kind.has_choices()) {
        (None, true) => {
            diags.error(
                Code::MissingKey,
                at,
                format!(
                    "question `{}` is {} but has no choices",
                    q.id.get_ref(),
                    kind.as_str()
                ),
                "add `choices = [\"...\", \"...\"]`",
            );
            Vec::new()
        }
        (Some(list), false) => {
            diags.error(
                Code::InvalidType,
                list.span(),
                format!("a {} question has no choices", kind.as_str()),
                "remove `choices`, or make the question a choice or multi-choice",
            );
            Vec::new()
        }
        (None, false) => Vec::new(),
        (Some(list), true) => {
            let mut seen = BTreeSet::new();
            if list.get_ref().is_empty() || list.get_ref().len() > MAX_CHOICES {
                diags.error(
                    Code::InvalidType,
                    list.span(),
                    format!("a question has 1 to {MAX_CHOICES} choices"),
                    "list the answers an organisation can give",
                );
            }
            for choice in list.get_ref().iter().take(MAX_CHOICES) {
                let text = choice.get_ref();
                if text.trim().is_empty()
                    || text.chars().count() > 200
                    || text.chars().any(char::is_control)
                {
                    diags.error(
                        Code::EmptyValue,
                        choice.span(),
                        "a choice is 1 to 200 characters of plain text",
                        "write the choice out",
                    );
                } else if !seen.insert(text.clone()) {
                    diags.error(
                        Code::DuplicateId,
                        choice.span(),
                        format!("choice {text:?} is given twice"),
                        "list each choice once",
                    );
                }
            }
            list.get_ref()
                .iter()
                .take(MAX_CHOICES)
                .map(|c| c.get_ref().clone())
                .collect()
        }
    }
}

/// Parses and checks a rule against `questions`, reporting problems at their place in the file.
fn rule(
    diags: &mut Diagnostics,
    source: &SourceFile,
    text: &Spanned<String>,
    questions: &[Question],
) -> Option<Rule> {
    let errors = match Rule::parse(text.get_ref()) {
        Ok(mut rule) => {
            let errors = rule.check(questions);
            if errors.is_empty() {
                return Some(rule);
            }
            errors
        }
        Err(e) => vec![e],
    };
    for RuleError {
        span,
        message,
        unknown_question,
    } in errors
    {
        let code = if unknown_question {
            Code::UnknownQuestion
        } else {
            Code::InvalidRule
        };
        diags.error(
            code,
            inner_span(source, text, span),
            message,
            "write comparisons of earlier questions with their values, as in `uses = \"yes\" and patched != \"patched\"`",
        );
    }
    None
}

/// Where a span of a rule's text is in the file: exact when the TOML string holds no escapes
/// (the usual case), otherwise the whole string.
fn inner_span(source: &SourceFile, value: &Spanned<String>, inner: Range<usize>) -> Range<usize> {
    let outer = value.span();
    let Some(raw) = source.text().get(outer.clone()) else {
        return outer;
    };
    let quote = if raw.starts_with("'''") || raw.starts_with("\"\"\"") {
        3
    } else {
        1
    };
    let escaped = raw.starts_with('"') && raw.contains('\\');
    let start = outer.start + quote;
    if escaped || raw.get(quote..quote + value.get_ref().len()) != Some(value.get_ref().as_str()) {
        return outer;
    }
    start + inner.start..start + inner.end.max(inner.start + 1)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const IVANTI: &str = r#"id = "ivanti-epmm-2026-12"
title = "Ivanti Endpoint Manager Mobile: authentication bypass"
severity = "critical"
deadline = 2026-12-04T17:00:00Z
outcomes = ["A4.a", "B4.d"]
suppliers = ["Ivanti"]
exposed = 'uses = "yes" and patched != "patched"'

[audience]
suppliers = ["Ivanti"]

[[products]]
name = "Endpoint Manager Mobile"
versions = ["11.12", "12.0"]

[[questions]]
id = "uses"
text = "Do you run Ivanti Endpoint Manager Mobile?"
kind = "yes-no"
required = true

[[questions]]
id = "versions"
text = "Which versions?"
kind = "multi-choice"
choices = ["11.12", "12.0"]
when = 'uses = "yes"'

[[questions]]
id = "patched"
text = "Have you applied the fix?"
kind = "choice"
choices = ["patched", "mitigated", "not-yet"]
when = 'uses = "yes"'
required = true

[[questions]]
id = "devices"
text = "How many devices does it manage?"
kind = "number"
when = 'uses = "yes"'

[[questions]]
id = "patched_on"
text = "When was the fix applied?"
kind = "date"
when = 'patched = "patched" or patched = "not-yet" or uses = "yes"'

[[questions]]
id = "notes"
text = "Anything else we should know?"
kind = "text"
"#;

    pub fn ivanti() -> Call {
        parse(&SourceFile::new("ivanti.toml", IVANTI)).unwrap()
    }

    fn problems(text: &str) -> Vec<(Code, usize, usize)> {
        match parse(&SourceFile::new("c.toml", text)) {
            Err(crate::Error::Invalid(diags)) => diags
                .iter()
                .map(|d| {
                    let l = d.location.as_ref().unwrap();
                    (d.code, l.line, l.column)
                })
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_ivanti_call_reads() {
        let call = ivanti();
        assert_eq!(call.questions.len(), 6);
        assert_eq!(call.deadline_text(), "2026-12-04T17:00:00Z");
        assert_eq!(call.questions[0].choices, ["yes", "no"]);
        assert!(call.exposed.is_some());
        assert!(call.questions[2].when.is_some());
    }

    #[test]
    fn every_problem_is_located() {
        let text = IVANTI
            .replace("severity = \"critical\"", "severity = \"dire\"")
            .replace("deadline = 2026-12-04T17:00:00Z", "deadline = 2026-12-04")
            .replace(
                "when = 'uses = \"yes\"'\nrequired",
                "when = 'uses = \"yes\" and pached = \"x\"'\nrequired",
            )
            .replace(
                "exposed = 'uses = \"yes\" and patched != \"patched\"'",
                "exposed = 'uses = \"yes\" and patched != \"fixed\"'",
            )
            .replace("id = \"devices\"", "id = \"uses\"");
        assert_eq!(
            problems(&text),
            [
                (Code::InvalidType, 3, 12),
                (Code::InvalidDate, 4, 12),
                (Code::InvalidRule, 7, 40),
                (Code::UnknownQuestion, 34, 26),
                (Code::DuplicateId, 38, 6),
            ]
        );
    }

    #[test]
    fn a_when_may_name_only_earlier_questions_and_choices_fit_their_kind() {
        let text = IVANTI.replace(
            "when = 'uses = \"yes\"'\n\n[[questions]]\nid = \"patched\"",
            "when = 'patched = \"patched\"'\n\n[[questions]]\nid = \"patched\"",
        );
        assert_eq!(problems(&text), [(Code::UnknownQuestion, 27, 9)]);
        let text = IVANTI.replace(
            "kind = \"multi-choice\"\nchoices = [\"11.12\", \"12.0\"]",
            "kind = \"multi-choice\"",
        );
        assert_eq!(problems(&text)[0].0, Code::MissingKey);
        let text = IVANTI.replace("kind = \"number\"", "kind = \"number\"\nchoices = [\"1\"]");
        assert_eq!(problems(&text)[0].0, Code::InvalidType);
        let text = IVANTI.replace(
            "[\"patched\", \"mitigated\", \"not-yet\"]",
            "[\"patched\", \"patched\", \"\"]",
        );
        let codes: Vec<_> = problems(&text).into_iter().map(|p| p.0).collect();
        // ... and a later `when` naming the choice that is gone no longer fits.
        assert_eq!(
            codes,
            [Code::DuplicateId, Code::EmptyValue, Code::InvalidRule]
        );
    }

    #[test]
    fn unknown_keys_and_a_call_without_questions_are_refused() {
        let diags = |t: &str| match parse(&SourceFile::new("c.toml", t)) {
            Err(crate::Error::Invalid(d)) => d.into_iter().map(|d| d.code).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            diags(&IVANTI.replace("severity", "severty")),
            [Code::UnknownKey]
        );
        let head =
            "id = \"x\"\ntitle = \"t\"\nseverity = \"low\"\ndeadline = 2026-12-04T17:00:00Z\n";
        assert_eq!(diags(head), [Code::MissingKey]);
    }
}
