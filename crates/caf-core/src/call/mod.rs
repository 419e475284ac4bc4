//! Incident data calls: a short, versioned question set that a central unit addresses to some or
//! all organisations when a supplier or product is hit, and the live picture of the answers.
//!
//! The pipeline is the same as for assessments, and as pure:
//!
//! - [`mod@file`]: the call file (TOML) read in two passes into a [`Call`], every problem a located
//!   [`Diagnostic`](crate::diagnostic::Diagnostic);
//! - [`rule`]: the small expression language of `when` (is a question asked?) and `exposed`
//!   (is an organisation exposed?), parsed into an AST checked against the questions;
//! - [`answers`]: an organisation's answers (a TOML file, or the JSON the service receives)
//!   checked against the call: unknown questions, wrong kinds, unasked and missing answers;
//! - [`status`]: who was addressed, who responded and when, what they answered, by group and,
//!   for the central unit's own eyes, who is exposed and who has not answered, under the same
//!   disclosure control as aggregates;
//! - [`csaf`]: a CSAF 2.0 advisory turned into a draft call.
//!
//! Nothing here knows who is calling or where the answers are stored: the service decides the
//! audience and the scope, and hands plain values in.

pub mod answers;
pub mod csaf;
pub mod file;
pub mod rule;
pub mod status;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use answers::{Answers, Value};
pub use file::parse;
pub use rule::Rule;

/// A call's id, e.g. `ivanti-epmm-2026-12`: the same identifier rules as organisations.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(pub String);

/// A question's id within its call, e.g. `uses`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QuestionId(pub String);

impl QuestionId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for QuestionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for CallId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Call and question ids follow the service's one rule for identifiers.
pub use crate::text::valid_identifier as valid_id;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What a question expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    YesNo,
    Choice,
    MultiChoice,
    Number,
    Date,
    Text,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::YesNo => "yes-no",
            Kind::Choice => "choice",
            Kind::MultiChoice => "multi-choice",
            Kind::Number => "number",
            Kind::Date => "date",
            Kind::Text => "text",
        }
    }

    /// Whether the question has a list of allowed values.
    pub fn has_choices(self) -> bool {
        matches!(self, Kind::Choice | Kind::MultiChoice)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: QuestionId,
    pub text: String,
    pub kind: Kind,
    /// The allowed values of a choice or multi-choice question; `yes` and `no` for yes-no.
    pub choices: Vec<String>,
    /// Asked only when this holds for the earlier answers.
    pub when: Option<Rule>,
    pub required: bool,
}

/// Who a call is addressed to. Each list that is not empty must match (a sector of
/// `sectors` and a supplier of `suppliers`, say); all lists empty means every organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<String>,
    /// Organisations naming one of these suppliers in their CAF supply-chain answers (A4.a,
    /// A4.b), matched as aggregates match suppliers (`Capita plc` is `CAPITA`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppliers: Vec<String>,
}

/// What the audience is matched against: an organisation as the service has it registered,
/// and the suppliers its current assessment names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub id: &'a str,
    pub sector: Option<&'a str>,
    pub region: Option<&'a str>,
    pub parent: Option<&'a str>,
    /// Normalised with [`crate::aggregate::supplier::normalise`].
    pub suppliers: BTreeSet<String>,
}

impl Audience {
    pub fn is_everyone(&self) -> bool {
        self.sectors.is_empty()
            && self.regions.is_empty()
            && self.parents.is_empty()
            && self.suppliers.is_empty()
    }

    /// Whether the call is addressed to `org`.
    pub fn addresses(&self, org: &Candidate) -> bool {
        let within = |list: &[String], value: Option<&str>| {
            list.is_empty() || value.is_some_and(|v| list.iter().any(|l| l == v))
        };
        let parent_ok = self.parents.is_empty()
            || self
                .parents
                .iter()
                .any(|p| org.parent == Some(p.as_str()) || org.id == p);
        let supplier_ok = self.suppliers.is_empty()
            || self.suppliers.iter().any(|s| {
                org.suppliers
                    .contains(&crate::aggregate::supplier::normalise(s))
            });
        within(&self.sectors, org.sector)
            && within(&self.regions, org.region)
            && parent_ok
            && supplier_ok
    }
}

/// An affected product and the versions the advisory names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// A validated data call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: CallId,
    pub title: String,
    pub severity: Severity,
    pub deadline: time::OffsetDateTime,
    pub summary: Option<String>,
    pub audience: Audience,
    /// Related CAF outcomes (`B4.d`), suppliers and products.
    pub outcomes: Vec<String>,
    pub suppliers: Vec<String>,
    pub products: Vec<Product>,
    pub references: Vec<String>,
    pub questions: Vec<Question>,
    /// When an organisation is exposed, from its answers.
    pub exposed: Option<Rule>,
}

impl Call {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id.as_str() == id)
    }

    /// The deadline as RFC 3339, e.g. `2026-12-04T17:00:00Z`.
    pub fn deadline_text(&self) -> String {
        rfc3339(self.deadline)
    }

    /// Whether `answers` make the organisation exposed (`false` when the call has no rule).
    pub fn is_exposed(&self, answers: &Answers) -> bool {
        self.exposed.as_ref().is_some_and(|r| r.eval(answers))
    }
}

/// RFC 3339 in UTC, to the second.
pub fn rfc3339(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.format(&time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .unwrap_or_default()
}

/// Unix milliseconds as a time (clamped into the range `time` represents).
pub fn from_unix_ms(ms: i64) -> time::OffsetDateTime {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org<'a>(sector: &'a str, suppliers: &[&str]) -> Candidate<'a> {
        Candidate {
            id: "E1",
            sector: Some(sector),
            region: None,
            parent: Some("NHS-ENGLAND"),
            suppliers: suppliers
                .iter()
                .map(|s| crate::aggregate::supplier::normalise(s))
                .collect(),
        }
    }

    #[test]
    fn every_non_empty_list_of_the_audience_must_match() {
        let everyone = Audience::default();
        assert!(everyone.addresses(&org("health", &[])));
        let health_ivanti = Audience {
            sectors: vec!["health".into()],
            suppliers: vec!["Ivanti Ltd".into()],
            ..Audience::default()
        };
        assert!(health_ivanti.addresses(&org("health", &["IVANTI"])));
        assert!(!health_ivanti.addresses(&org("health", &["Capita plc"])));
        assert!(!health_ivanti.addresses(&org("local-government", &["Ivanti"])));
        let by_parent = Audience {
            parents: vec!["NHS-ENGLAND".into()],
            ..Audience::default()
        };
        assert!(by_parent.addresses(&org("x", &[])));
    }

    #[test]
    fn times_print_in_utc() {
        assert_eq!(
            rfc3339(from_unix_ms(1_709_210_096_789)),
            "2024-02-29T12:34:56Z"
        );
    }
}
