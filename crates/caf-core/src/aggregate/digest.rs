//! What aggregation keeps of one assessment, made by the one reader
//! ([`crate::assessment::read`]) without building an [`crate::assessment::Assessment`]: each
//! answer is already a [`crate::framework::Selection`], so scoring an outcome is a few mask
//! operations ([`scoring::status_of`]) and nothing is remembered between files.

use std::sync::Arc;

use super::supplier::Named;
use crate::assessment::{LoadedAssessment, Organisation, read};
use crate::diagnostic::SourceFile;
use crate::error::Result;
use crate::framework::{Catalog, Framework, Status};
use crate::scoring::{self, OutcomeScore};

/// What aggregation keeps of one assessment.
#[derive(Debug, Clone)]
pub struct Digest {
    pub framework: Arc<Framework>,
    pub profile: Option<String>,
    pub period: Option<String>,
    pub organisation: Organisation,
    /// Each outcome's score, in framework order.
    pub scores: Vec<Scored>,
    /// The suppliers named anywhere in the assessment, trimmed, sorted, each once, with
    /// their normalised keys.
    pub suppliers: Vec<Arc<Named>>,
}

/// What aggregation needs from one outcome's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scored {
    pub status: Status,
    pub target: Option<Status>,
    pub met: Option<bool>,
    /// The status is a person's override.
    pub overridden: bool,
    /// The answer was carried from an earlier period and not yet reviewed.
    pub needs_review: bool,
}

impl From<OutcomeScore> for Scored {
    fn from(score: OutcomeScore) -> Self {
        Self {
            status: score.status,
            target: score.target,
            met: score.met,
            overridden: score.overridden,
            needs_review: score.needs_review,
        }
    }
}

/// [`read()`] of a text held elsewhere (a stored submission), copied into a source file of its
/// own so diagnostics can quote it.
pub fn read_text(name: &str, text: &str, catalog: &Catalog) -> Result<Digest> {
    read(&SourceFile::new(name, text), catalog)
}

/// Reads and scores an assessment: what [`crate::assessment::parse`] and [`scoring::score`]
/// give, reduced to a [`Digest`], with the same diagnostics on an invalid file.
pub fn read(source: &SourceFile, catalog: &Catalog) -> Result<Digest> {
    Ok(of_reading(&read::read(source, catalog)?))
}

/// An assessment read once, both as [`crate::assessment::parse`] gives it and as its
/// [`Digest`]: what the collection service stores of a submission, for the cost of one reading.
pub fn parse_with_digest(
    source: &SourceFile,
    catalog: &Catalog,
) -> Result<(LoadedAssessment, Digest)> {
    let reading = read::read(source, catalog)?;
    let digest = of_reading(&reading);
    Ok((LoadedAssessment::from_reading(source, reading), digest))
}

/// The digest of a reading that has passed every check.
fn of_reading(reading: &read::Reading) -> Digest {
    let framework = &reading.framework;
    let targets = (reading.profile.as_ref()).and_then(|p| framework.targets(p.as_str()));
    let target = |index: usize| targets.and_then(|t| t.get(index).copied().flatten());
    let mut scores: Vec<Scored> = (0..framework.outcomes.len())
        .map(|index| Scored {
            status: Status::NotAssessed,
            target: target(index),
            met: None,
            overridden: false,
            needs_review: false,
        })
        .collect();
    for answer in &reading.answers {
        let outcome = &framework.outcomes[answer.outcome];
        let status = answer
            .override_status
            .unwrap_or_else(|| scoring::status_of(framework, outcome, answer.selected));
        let score = &mut scores[answer.outcome];
        score.status = status;
        score.met = scoring::meets(status, score.target);
        score.overridden = answer.override_status.is_some();
        score.needs_review = answer.needs_review();
    }
    let mut suppliers: Vec<String> = (reading.answers.iter())
        .flat_map(|a| a.suppliers())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    suppliers.sort_unstable();
    suppliers.dedup();
    let suppliers = suppliers.into_iter().map(Named::new).collect();
    Digest {
        organisation: reading.organisation(),
        framework: framework.clone(),
        profile: read::owned(&reading.profile),
        period: read::owned(&reading.period),
        scores,
        suppliers,
    }
}
