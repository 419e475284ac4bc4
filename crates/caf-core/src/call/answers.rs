//! An organisation's answers to a call, checked against it.
//!
//! Answers come as a TOML file (`caf call respond ID --answers FILE`, and the draft that
//! `caf call answer` keeps) or as the JSON object the service receives. Both go through one
//! check, question by question in the call's order, so that a `when` is judged on the answers
//! already accepted: an answer to a question the call does not have, of the wrong kind, to a
//! question whose `when` is not met, and a required question asked but unanswered are all
//! reported at once.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::{Deserialize, Serialize, Serializer};
use toml::Spanned;

use super::{Call, Kind, Question, QuestionId};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, SourceFile, parse_toml};

/// The longest text answer, in characters, and the largest number magnitude accepted.
pub const MAX_TEXT_CHARS: usize = 2_000;
const MAX_NUMBER: f64 = 1e15;

/// One answer, typed by its question's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// yes-no
    Flag(bool),
    Choice(String),
    Choices(BTreeSet<String>),
    Number(f64),
    Date(time::Date),
    Text(String),
}

impl Value {
    /// The values an answer counts under in a distribution (none for free text, which is
    /// neither countable nor safe to publish).
    pub fn keys(&self) -> Vec<String> {
        match self {
            Value::Flag(b) => vec![yes_no(*b).to_string()],
            Value::Choice(c) => vec![c.clone()],
            Value::Choices(set) => set.iter().cloned().collect(),
            Value::Number(n) => vec![format_number(*n)],
            Value::Date(d) => vec![d.to_string()],
            Value::Text(_) => Vec::new(),
        }
    }

    /// Each of [`Value::keys`], without allocating for those already held as text.
    pub fn each_key(&self, mut f: impl FnMut(&str)) {
        match self {
            Value::Flag(b) => f(yes_no(*b)),
            Value::Choice(c) => f(c),
            Value::Choices(set) => set.iter().for_each(|c| f(c)),
            Value::Number(n) => f(&format_number(*n)),
            Value::Date(d) => f(&d.to_string()),
            Value::Text(_) => {}
        }
    }

    /// As a person reads it in a table or a prompt.
    pub fn display(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Choices(set) => set.iter().cloned().collect::<Vec<_>>().join(", "),
            other => other.keys().join(""),
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Whole numbers without a fraction (`3`, not `3.0`).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(
        text,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Flag(b) => s.serialize_str(yes_no(*b)),
            Value::Choice(c) | Value::Text(c) => s.serialize_str(c),
            Value::Choices(set) => set.serialize(s),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => s.serialize_i64(*n as i64),
            Value::Number(n) => s.serialize_f64(*n),
            Value::Date(d) => s.collect_str(d),
        }
    }
}

/// A call's answers, by question.
pub type Answers = BTreeMap<QuestionId, Value>;

/// An answer as given, before it is fitted to its question.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Text(String),
    Number(f64),
    Bool(bool),
    /// A TOML date without a time.
    Date(time::Date),
    List(Vec<Raw>),
    /// Anything else (a table, a time): never an answer.
    Other(&'static str),
}

impl Raw {
    pub fn from_toml(value: &toml::Value) -> Raw {
        match value {
            toml::Value::String(s) => Raw::Text(s.clone()),
            toml::Value::Integer(i) => Raw::Number(*i as f64),
            toml::Value::Float(f) => Raw::Number(*f),
            toml::Value::Boolean(b) => Raw::Bool(*b),
            toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => time::Month::try_from(d.month)
                    .ok()
                    .and_then(|m| time::Date::from_calendar_date(i32::from(d.year), m, d.day).ok())
                    .map_or(Raw::Other("a date that is not real"), Raw::Date),
                _ => Raw::Other("a time"),
            },
            toml::Value::Array(items) => Raw::List(items.iter().map(Raw::from_toml).collect()),
            toml::Value::Table(_) => Raw::Other("a table"),
        }
    }

    pub fn from_json(value: &serde_json::Value) -> Raw {
        match value {
            serde_json::Value::String(s) => Raw::Text(s.clone()),
            serde_json::Value::Number(n) => n
                .as_f64()
                .map_or(Raw::Other("a number out of range"), Raw::Number),
            serde_json::Value::Bool(b) => Raw::Bool(*b),
            serde_json::Value::Array(items) => {
                Raw::List(items.iter().map(Raw::from_json).collect())
            }
            serde_json::Value::Null => Raw::Other("null"),
            serde_json::Value::Object(_) => Raw::Other("an object"),
        }
    }
}

/// One given answer and where it is (no spans for JSON).
#[derive(Debug, Clone)]
pub struct Entry {
    pub question: String,
    pub value: Raw,
    pub key_span: Option<Range<usize>>,
    pub value_span: Option<Range<usize>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    call: Spanned<String>,
    #[serde(default)]
    answers: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

/// Reads an answers file for `call`: `call = "ID"` and an `[answers]` table.
pub fn from_toml(source: &SourceFile, call: &Call) -> Result<Answers, Vec<Diagnostic>> {
    let raw: RawFile = parse_toml(source)?;
    let mut diags = Diagnostics::new(source);
    if raw.call.get_ref() != &call.id.0 {
        diags.error(
            Code::InvalidAnswer,
            raw.call.span(),
            format!(
                "these answers are for call `{}`, not `{}`",
                raw.call.get_ref(),
                call.id
            ),
            format!("answer call `{}` in its own file", call.id),
        );
    }
    let entries = raw
        .answers
        .iter()
        .map(|(k, v)| Entry {
            question: k.get_ref().clone(),
            value: Raw::from_toml(v.get_ref()),
            key_span: Some(k.span()),
            value_span: Some(v.span()),
        })
        .collect();
    let answers = check(call, entries, &mut diags);
    diags.finish(answers)
}

/// Checks the JSON object of a response (`{"uses": "yes", ...}`); diagnostics name the file
/// `answers` and carry no position.
pub fn from_json(
    map: &serde_json::Map<String, serde_json::Value>,
    call: &Call,
) -> Result<Answers, Vec<Diagnostic>> {
    let source = SourceFile::new("answers", "");
    let mut diags = Diagnostics::new(&source);
    let entries = map
        .iter()
        .map(|(k, v)| Entry {
            question: k.clone(),
            value: Raw::from_json(v),
            key_span: None,
            value_span: None,
        })
        .collect();
    let answers = check(call, entries, &mut diags);
    diags.finish(answers)
}

/// The answers as the JSON object the service stores and receives.
pub fn to_json(answers: &Answers) -> serde_json::Map<String, serde_json::Value> {
    answers
        .iter()
        .map(|(k, v)| (k.0.clone(), serde_json::to_value(v).unwrap_or_default()))
        .collect()
}

/// An answers file for `call` holding `answers`, in the call's question order (what
/// `from_toml` reads back).
pub fn to_toml(call: &Call, answers: &Answers) -> String {
    #[derive(Serialize)]
    struct File<'a> {
        call: &'a str,
        answers: toml::Table,
    }
    let mut table = toml::Table::new();
    for q in &call.questions {
        let Some(value) = answers.get(&q.id) else {
            continue;
        };
        let value = match value {
            Value::Choices(set) => {
                toml::Value::Array(set.iter().cloned().map(toml::Value::String).collect())
            }
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                toml::Value::Integer(*n as i64)
            }
            Value::Number(n) => toml::Value::Float(*n),
            other => toml::Value::String(other.display()),
        };
        table.insert(q.id.0.clone(), value);
    }
    let file = File {
        call: &call.id.0,
        answers: table,
    };
    toml::to_string(&file).unwrap_or_default()
}

/// Whether `question` is asked, given the answers before it.
pub fn is_asked(question: &Question, answers: &Answers) -> bool {
    question.when.as_ref().is_none_or(|w| w.eval(answers))
}

fn report(diags: &mut Diagnostics, span: Option<Range<usize>>, diagnostic: Diagnostic) {
    match span {
        Some(span) => diags.push_at(diagnostic, span),
        None => diags.push(diagnostic.in_file(diags.source().name())),
    }
}

/// The check both readers share.
pub fn check(call: &Call, entries: Vec<Entry>, diags: &mut Diagnostics) -> Answers {
    let mut given: BTreeMap<String, Entry> = BTreeMap::new();
    for entry in entries {
        if call.question(&entry.question).is_none() {
            let known: Vec<&str> = call.questions.iter().map(|q| q.id.as_str()).collect();
            report(
                diags,
                entry.key_span.clone(),
                Diagnostic::error(
                    Code::UnknownQuestion,
                    format!(
                        "call `{}` has no question `{}`",
                        call.id,
                        crate::diagnostic::clip(&entry.question, 64)
                    ),
                )
                .help(format!("its questions are: {}", known.join(", "))),
            );
        } else {
            given.insert(entry.question.clone(), entry);
        }
    }
    let mut answers = Answers::new();
    for question in &call.questions {
        let asked = is_asked(question, &answers);
        match (given.remove(question.id.as_str()), asked) {
            (Some(entry), false) => report(
                diags,
                entry.key_span,
                Diagnostic::error(
                    Code::UnaskedQuestion,
                    format!("`{}` is not asked with these answers: it is asked only when its `when` holds", question.id),
                )
                .help("remove this answer, or change the answer it depends on"),
            ),
            (Some(entry), true) => match fit(question, &entry.value) {
                Ok(value) => {
                    answers.insert(question.id.clone(), value);
                }
                Err(message) => report(
                    diags,
                    entry.value_span.or(entry.key_span),
                    Diagnostic::error(Code::InvalidAnswer, format!("`{}`: {message}", question.id))
                        .help(expected(question)),
                ),
            },
            (None, true) if question.required => diags.push(
                Diagnostic::error(
                    Code::MissingAnswer,
                    format!("`{}` is required: {}", question.id, crate::diagnostic::clip(&question.text, 120)),
                )
                .help(expected(question))
                .in_file(diags.source().name()),
            ),
            (None, _) => {}
        }
    }
    answers
}

/// What a question's answer looks like, for a help line.
fn expected(question: &Question) -> String {
    let choices = || {
        question
            .choices
            .iter()
            .map(|c| format!("{c:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match question.kind {
        Kind::YesNo => "answer \"yes\" or \"no\"".to_string(),
        Kind::Choice => format!("answer one of {}", choices()),
        Kind::MultiChoice => format!("answer a list of any of {}", choices()),
        Kind::Number => "answer a number".to_string(),
        Kind::Date => "answer a date as YYYY-MM-DD".to_string(),
        Kind::Text => format!("answer text of at most {MAX_TEXT_CHARS} characters"),
    }
}

fn describe(raw: &Raw) -> &'static str {
    match raw {
        Raw::Text(_) => "text",
        Raw::Number(_) => "a number",
        Raw::Bool(_) => "true or false",
        Raw::Date(_) => "a date",
        Raw::List(_) => "a list",
        Raw::Other(what) => what,
    }
}

/// The answer `raw` as a value of `question`'s kind.
pub fn fit(question: &Question, raw: &Raw) -> Result<Value, String> {
    let one_of = |t: &str| {
        if question.choices.iter().any(|c| c == t) {
            Ok(t.to_string())
        } else {
            Err(format!(
                "{:?} is not one of its choices",
                crate::diagnostic::clip(t, 64)
            ))
        }
    };
    let wrong = || {
        Err(format!(
            "{} is not a {} answer",
            describe(raw),
            question.kind.as_str()
        ))
    };
    match (question.kind, raw) {
        (Kind::YesNo, Raw::Bool(b)) => Ok(Value::Flag(*b)),
        (Kind::YesNo, Raw::Text(t)) => match t.as_str() {
            "yes" => Ok(Value::Flag(true)),
            "no" => Ok(Value::Flag(false)),
            _ => Err(format!(
                "{:?} is neither \"yes\" nor \"no\"",
                crate::diagnostic::clip(t, 64)
            )),
        },
        (Kind::Choice, Raw::Text(t)) => one_of(t).map(Value::Choice),
        (Kind::MultiChoice, Raw::List(items)) => {
            let mut set = BTreeSet::new();
            for item in items {
                let Raw::Text(t) = item else {
                    return Err(format!(
                        "the list holds {}; give choices as text",
                        describe(item)
                    ));
                };
                if !set.insert(one_of(t)?) {
                    return Err(format!("{t:?} is listed twice"));
                }
            }
            Ok(Value::Choices(set))
        }
        (Kind::Number, Raw::Number(n)) if n.is_finite() && n.abs() <= MAX_NUMBER => {
            Ok(Value::Number(*n))
        }
        (Kind::Number, Raw::Number(_)) => {
            Err(format!("numbers are at most {MAX_NUMBER:e} in size"))
        }
        (Kind::Date, Raw::Date(d)) => Ok(Value::Date(*d)),
        (Kind::Date, Raw::Text(t)) => parse_date(t).map(Value::Date).ok_or_else(|| {
            format!(
                "{:?} is not a date as YYYY-MM-DD",
                crate::diagnostic::clip(t, 64)
            )
        }),
        (Kind::Text, Raw::Text(t)) => {
            if t.chars().count() > MAX_TEXT_CHARS {
                Err(format!("the text is over {MAX_TEXT_CHARS} characters"))
            } else if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                Err("the text holds control characters".to_string())
            } else {
                Ok(Value::Text(t.clone()))
            }
        }
        _ => wrong(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::file::tests::ivanti;

    fn codes(result: Result<Answers, Vec<Diagnostic>>) -> Vec<Code> {
        result.unwrap_err().into_iter().map(|d| d.code).collect()
    }

    #[test]
    fn a_complete_answer_file_reads() {
        let call = ivanti();
        let source = SourceFile::new(
            "a.toml",
            "call = \"ivanti-epmm-2026-12\"\n[answers]\nuses = \"yes\"\nversions = [\"12.0\"]\npatched = \"not-yet\"\ndevices = 40\npatched_on = 2026-12-01\n",
        );
        let answers = from_toml(&source, &call).unwrap();
        assert_eq!(answers.len(), 5);
        assert!(call.is_exposed(&answers));
        let json = to_json(&answers);
        assert_eq!(json["devices"], 40);
        assert_eq!(json["patched_on"], "2026-12-01");
        assert_eq!(from_json(&json, &call).unwrap(), answers);
        let again = to_toml(&call, &answers);
        assert_eq!(
            from_toml(&SourceFile::new("b.toml", again), &call).unwrap(),
            answers
        );
    }

    #[test]
    fn when_branches_decide_what_is_asked_and_required() {
        let call = ivanti();
        // Not using the product: nothing else is asked, so nothing else is required.
        let no: serde_json::Map<_, _> = serde_json::from_str(r#"{"uses": "no"}"#).unwrap();
        let answers = from_json(&no, &call).unwrap();
        assert!(!call.is_exposed(&answers));
        // ... and answering a question not asked is refused.
        let extra = serde_json::from_str(r#"{"uses": "no", "patched": "patched"}"#).unwrap();
        assert_eq!(codes(from_json(&extra, &call)), [Code::UnaskedQuestion]);
        // Using it: `patched` becomes required.
        let yes = serde_json::from_str(r#"{"uses": "yes", "versions": []}"#).unwrap();
        assert_eq!(codes(from_json(&yes, &call)), [Code::MissingAnswer]);
    }

    #[test]
    fn every_wrong_answer_is_reported_with_its_place() {
        let call = ivanti();
        let text = "call = \"ivanti-epmm-2026-12\"\n[answers]\nuses = \"maybe\"\nusse = \"yes\"\n";
        let diags = from_toml(&SourceFile::new("a.toml", text), &call).unwrap_err();
        let found: Vec<_> = diags
            .iter()
            .map(|d| (d.code, d.location.as_ref().map(|l| (l.line, l.column))))
            .collect();
        assert_eq!(
            found,
            [
                (Code::InvalidAnswer, Some((3, 8))),
                (Code::UnknownQuestion, Some((4, 1)))
            ]
        );
        for (json, code) in [
            (
                r#"{"uses": true, "versions": ["13.0"], "patched": "patched"}"#,
                Code::InvalidAnswer,
            ),
            (
                r#"{"uses": "yes", "versions": ["12.0", "12.0"], "patched": "patched"}"#,
                Code::InvalidAnswer,
            ),
            (
                r#"{"uses": "yes", "patched": "patched", "devices": "many"}"#,
                Code::InvalidAnswer,
            ),
            (
                r#"{"uses": "yes", "patched": "patched", "devices": 1e300}"#,
                Code::InvalidAnswer,
            ),
            (
                r#"{"uses": "yes", "patched": "patched", "patched_on": "2026-02-30"}"#,
                Code::InvalidAnswer,
            ),
            (
                r#"{"uses": "yes", "patched": {"a": 1}}"#,
                Code::InvalidAnswer,
            ),
            (
                r#"{"uses": "yes", "patched": "patched", "notes": "a\u0007b"}"#,
                Code::InvalidAnswer,
            ),
        ] {
            let map = serde_json::from_str(json).unwrap();
            assert_eq!(codes(from_json(&map, &call)), [code], "{json}");
        }
        let other = SourceFile::new("a.toml", "call = \"other\"\n[answers]\nuses = \"no\"\n");
        assert_eq!(codes(from_toml(&other, &call)), [Code::InvalidAnswer]);
    }
}
