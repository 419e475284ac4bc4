//! What an organisation states about itself: the assessment file.
//!
//! Assessment files are TOML, written by hand or by `caf assess`, and kept in git. Loading is
//! two passes like every input: the `toml` crate rejects syntax errors, wrong types and unknown
//! keys with a location; then the content is checked against the framework (unknown outcomes,
//! statements that belong to another outcome, overrides without a justification, overrides to a
//! status the outcome's statements can never give, impossible dates) and every problem found is
//! reported; an override that changes nothing is a warning. Both passes are [`read`], the one
//! reader every command, the aggregation and the service go through.

pub mod read;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnostic::SourceFile;
use crate::error::{Error, Result};
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
    /// Each outcome's improvement plan (assessed or not), in the file's order of actions.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub plans: BTreeMap<OutcomeId, Vec<crate::plan::Action>>,
}

/// An assessment together with the framework it was checked against and its source text.
#[derive(Debug, Clone)]
pub struct LoadedAssessment {
    pub assessment: Assessment,
    pub framework: Arc<Framework>,
    pub source: SourceFile,
    /// Problems that leave the file valid (a redundant override), for the front end to show.
    pub warnings: Vec<crate::diagnostic::Diagnostic>,
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

    /// The assessment a reading of `source` that passed every check describes.
    pub(crate) fn from_reading(source: &SourceFile, mut reading: read::Reading) -> Self {
        let warnings = std::mem::take(&mut reading.warnings);
        LoadedAssessment {
            framework: reading.framework.clone(),
            assessment: reading.into_assessment(),
            source: source.clone(),
            warnings,
        }
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
    parse(&crate::fsutil::read_source(path)?, catalog)
}

/// Checks an assessment's text against the catalogue; every problem is reported at once.
pub fn parse(source: &SourceFile, catalog: &Catalog) -> Result<LoadedAssessment> {
    Ok(LoadedAssessment::from_reading(
        source,
        read::read(source, catalog)?,
    ))
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
