//! What an organisation states about itself: the assessment file.
//!
//! Assessment files are TOML, written by hand or by `caf assess`, and kept in git. Loading is
//! two passes like every input: the `toml` crate rejects syntax errors, wrong types and unknown
//! keys with a location; then [`parse`] checks the content against the framework (unknown
//! outcomes, statements that belong to another outcome, overrides without a justification,
//! impossible dates) and reports every problem it finds. [`validate_overrides`] is a step of
//! its own over the parsed assessment and its framework: whatever reads the file, an override
//! must be one the outcome's statements could give, and one that changes something.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diagnostic::{About, Code, Diagnostic, Diagnostics, SourceFile, parse_toml};
use crate::error::{Error, Result};
use crate::framework::load::known_outcomes_help;
use crate::framework::{Catalog, Framework, IndicatorRef, OutcomeId, Profile, Status};

/// A calendar date (`2026-10-01`), checked for a real month and day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (day >= 1 && day <= days).then_some(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Self::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub name: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub location: String,
}

/// A person's judgement that replaces the computed status, with the reason for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Override {
    pub status: Status,
    pub justification: String,
}

/// The answer for one contributing outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// The statements the organisation says are true.
    pub selected: Vec<IndicatorRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_: Option<Override>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppliers: Vec<String>,
    /// Carried forward from an earlier period and not yet confirmed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub needs_review: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub framework: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    pub organisation: Organisation,
    pub scope: Scope,
    /// Answered outcomes; an outcome without an entry is not assessed.
    pub outcomes: BTreeMap<OutcomeId, Answer>,
}

/// An assessment together with the framework it was checked against and its source text.
#[derive(Debug, Clone)]
pub struct LoadedAssessment {
    pub assessment: Assessment,
    pub framework: Arc<Framework>,
    pub source: SourceFile,
    /// Problems that leave the file valid (a redundant override), for the front end to show.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssessment {
    framework: Spanned<String>,
    profile: Option<Spanned<String>>,
    period: Option<String>,
    organisation: RawOrganisation,
    #[serde(default)]
    scope: RawScope,
    #[serde(default)]
    outcomes: BTreeMap<Spanned<String>, Spanned<RawAnswer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganisation {
    name: Spanned<String>,
    id: Spanned<String>,
    sector: Option<String>,
    region: Option<String>,
    parent: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScope {
    system: Option<String>,
    assessor: Option<String>,
    date: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer {
    #[serde(default)]
    selected: Vec<Spanned<String>>,
    comment: Option<String>,
    #[serde(default)]
    evidence: Vec<Evidence>,
    #[serde(rename = "override")]
    override_: Option<Spanned<RawOverride>>,
    #[serde(default)]
    suppliers: Vec<String>,
    #[serde(default)]
    needs_review: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    status: Spanned<String>,
    #[serde(default)]
    justification: String,
}

impl LoadedAssessment {
    /// The profile to score against: `chosen` (from the command line) wins over the file's own.
    pub fn profile(&self, chosen: Option<&str>) -> Result<Option<&Profile>> {
        let Some(id) = chosen.or(self.assessment.profile.as_deref()) else {
            return Ok(None);
        };
        self.framework
            .profile(id)
            .map(Some)
            .ok_or_else(|| Error::UnknownProfile {
                framework: self.framework.id.clone(),
                id: id.to_string(),
                known: self.framework.profile_ids().join(", "),
            })
    }

    /// SHA-256 of the file's bytes, so a report can say which answers it describes.
    pub fn content_hash(&self) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(self.source.text().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Reads and checks an assessment file.
pub fn load(path: &std::path::Path, catalog: &Catalog) -> Result<LoadedAssessment> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&SourceFile::new(path.display().to_string(), text), catalog)
}

/// Checks an assessment's text against the catalogue; every problem is reported at once.
pub fn parse(source: &SourceFile, catalog: &Catalog) -> Result<LoadedAssessment> {
    let raw: RawAssessment = parse_toml(source)?;
    let mut diags = Diagnostics::new(source);

    let framework = match catalog.framework(raw.framework.get_ref()) {
        Ok(framework) => framework,
        Err(Error::UnknownFramework { id, known }) => {
            diags.error(
                Code::UnknownFramework,
                raw.framework.span(),
                format!("`{id}` is not a known framework"),
                format!("use one of: {known}"),
            );
            return Err(diags.finish(()).unwrap_err().into());
        }
        Err(other) => return Err(other),
    };

    if let Some(profile) = &raw.profile
        && framework.profile(profile.get_ref()).is_none()
    {
        let known = framework.profile_ids();
        let help = if known.is_empty() {
            format!("{} has no profiles; remove `profile`", framework.id)
        } else {
            format!("use one of: {}", known.join(", "))
        };
        diags.push(
            Diagnostic::error(
                Code::UnknownProfile,
                format!("{} has no profile `{}`", framework.id, profile.get_ref()),
            )
            .at(source, profile.span())
            .help(help)
            .about(About::Framework(framework.id.clone())),
        );
    }

    for field in [&raw.organisation.name, &raw.organisation.id] {
        if field.get_ref().trim().is_empty() {
            diags.error(
                Code::EmptyValue,
                field.span(),
                "the organisation's name and id must not be empty",
                "fill in the organisation's name and its identifier (for example its ONS or GSS code)",
            );
        }
    }

    let date = raw.scope.date.as_ref().and_then(|value| {
        let parsed = match value.get_ref() {
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                dt.date.and_then(|d| Date::new(d.year, d.month, d.day))
            }
            toml::Value::String(s) => Date::parse(s),
            _ => None,
        };
        if parsed.is_none() {
            diags.error(
                Code::InvalidDate,
                value.span(),
                "this is not a valid calendar date",
                "write the date as YYYY-MM-DD, for example `date = 2026-10-01`",
            );
        }
        parsed
    });

    let mut outcomes = BTreeMap::new();
    // By value, so each answer's text moves into the result rather than being copied.
    for (id, spanned) in raw.outcomes {
        let Some(outcome) = framework.outcome(id.get_ref()) else {
            diags.push(
                Diagnostic::error(
                    Code::UnknownOutcome,
                    format!("outcome `{}` is not in {}", id.get_ref(), framework.id),
                )
                .at(source, id.span())
                .help(known_outcomes_help(&framework.id, &framework.outcome_ids()))
                .about(About::Framework(framework.id.clone())),
            );
            continue;
        };
        let answer = spanned.into_inner();
        let mut selected: Vec<IndicatorRef> = Vec::with_capacity(answer.selected.len());
        for reference in &answer.selected {
            let text = reference.get_ref();
            match outcome.indicator(text) {
                // A linear search: `selected` holds distinct statements of one outcome, a
                // handful, where hashing each would cost more.
                Some(indicator) if !selected.contains(&indicator.reference) => {
                    selected.push(indicator.reference.clone())
                }
                Some(_) => diags.error(
                    Code::DuplicateSelection,
                    reference.span(),
                    format!("`{text}` is selected more than once"),
                    "list each statement once",
                ),
                None => {
                    let d = Diagnostic::error(
                        Code::UnknownIndicator,
                        format!("`{text}` is not a statement of outcome {}", outcome.id),
                    )
                    .at(source, reference.span());
                    // A statement of another outcome of this framework, put under the wrong one.
                    let owner = IndicatorRef::parse(text)
                        .map(|(owner, ..)| owner)
                        .filter(|&owner| owner != outcome.id.as_str())
                        .filter(|&owner| {
                            framework
                                .outcome(owner)
                                .is_some_and(|o| o.indicator(text).is_some())
                        });
                    diags.push(match owner {
                        Some(owner) => d.help(format!(
                            "`{text}` belongs to outcome {owner}; move it to [outcomes.\"{owner}\"]"
                        )),
                        _ => d
                            .help(format!(
                                "the statements of outcome {} are {}",
                                outcome.id,
                                outcome
                                    .indicators
                                    .iter()
                                    .map(|i| i.reference.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                            .about(About::Outcome {
                                framework: framework.id.clone(),
                                outcome: outcome.id.to_string(),
                            }),
                    });
                }
            }
        }
        let override_ = answer.override_.as_ref().and_then(|o| {
            let raw_override = o.get_ref();
            let status = Status::from_key(raw_override.status.get_ref())
                .filter(|s| *s != Status::NotAssessed);
            if status.is_none() {
                diags.error(
                    Code::InvalidStatus,
                    raw_override.status.span(),
                    format!("`{}` is not a status", raw_override.status.get_ref()),
                    "use achieved, partially-achieved or not-achieved",
                );
            }
            if raw_override.justification.trim().is_empty() {
                diags.error(
                    Code::MissingJustification,
                    o.span(),
                    format!("the override of {} has no justification", outcome.id),
                    "add `justification = \"...\"` saying why the computed status is wrong",
                );
            }
            Some(Override {
                status: status?,
                justification: raw_override.justification.clone(),
            })
        });
        outcomes.insert(
            outcome.id.clone(),
            Answer {
                selected,
                comment: answer.comment,
                evidence: answer.evidence,
                override_,
                suppliers: answer.suppliers,
                needs_review: answer.needs_review,
            },
        );
    }

    let assessment = Assessment {
        framework: framework.id.clone(),
        profile: raw.profile.map(Spanned::into_inner),
        period: raw.period,
        organisation: Organisation {
            name: raw.organisation.name.into_inner(),
            id: raw.organisation.id.into_inner(),
            sector: raw.organisation.sector,
            region: raw.organisation.region,
            parent: raw.organisation.parent,
        },
        scope: Scope {
            system: raw.scope.system,
            assessor: raw.scope.assessor,
            date,
        },
        outcomes,
    };
    let mut warnings = Vec::new();
    for diagnostic in validate_overrides(&assessment, &framework, source) {
        if !diagnostic.is_error() {
            warnings.push(diagnostic.clone());
        }
        diags.push(diagnostic);
    }
    Ok(diags.finish(LoadedAssessment {
        assessment,
        framework,
        source: source.clone(),
        warnings,
    })?)
}

/// Where each override's status is written, read again from the text: the parsed
/// [`Assessment`] keeps no spans, and only files with overrides pay for this.
#[derive(Deserialize)]
struct OverrideSpans {
    #[serde(default)]
    outcomes: BTreeMap<String, OverrideSpansAnswer>,
}

#[derive(Deserialize)]
struct OverrideSpansAnswer {
    #[serde(rename = "override")]
    override_: Option<OverrideSpansStatus>,
}

#[derive(Deserialize)]
struct OverrideSpansStatus {
    status: Spanned<toml::Value>,
}

/// Checks every override against what the outcome's statements can give: one to a status no
/// selection reaches (partially achieved where there are no partially-achieved statements) is
/// an [`Code::ImpossibleOverride`] error; one equal to the computed status changes nothing and
/// is a [`Code::RedundantOverride`] warning. Each points at the override's `status`.
pub fn validate_overrides(
    assessment: &Assessment,
    framework: &Framework,
    source: &SourceFile,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let mut spans: Option<BTreeMap<String, OverrideSpansAnswer>> = None;
    for (id, answer) in &assessment.outcomes {
        let (Some(o), Some(outcome)) = (&answer.override_, framework.outcome(id.as_str())) else {
            continue;
        };
        let computed = crate::scoring::status(framework, outcome, &answer.selected);
        let diagnostic = if !crate::scoring::reachable(framework, outcome, o.status) {
            Diagnostic::error(
                Code::ImpossibleOverride,
                format!(
                    "outcome {id} cannot be {}: it has no {} statements, so no answer gives that status",
                    o.status.label().to_lowercase(),
                    o.status.key()
                ),
            )
            .help("override to a status the outcome can have, or remove the override")
            .about(About::Outcome {
                framework: framework.id.clone(),
                outcome: id.to_string(),
            })
        } else if o.status == computed {
            Diagnostic::warning(
                Code::RedundantOverride,
                format!(
                    "the override of {id} changes nothing: the selected statements already give {}",
                    computed.label().to_lowercase()
                ),
            )
            .help("remove the override, or correct the selected statements if they are wrong")
        } else {
            continue;
        };
        let spans = spans.get_or_insert_with(|| {
            toml::from_str::<OverrideSpans>(source.text())
                .map(|s| s.outcomes)
                .unwrap_or_default()
        });
        let span = spans
            .get(id.as_str())
            .and_then(|a| a.override_.as_ref())
            .map(|o| o.status.span());
        found.push(match span {
            Some(span) => diagnostic.at(source, span),
            None => diagnostic.in_file(source.name()),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_real_calendar_dates() {
        assert_eq!(Date::parse("2024-02-29").map(|d| d.day), Some(29));
        for bad in [
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-01-01",
            "x",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }
}
