//! The assurance review of a self-assessment, kept apart from it: a review file names the
//! assessment and the SHA-256 of its bytes, and pairs only with that content.
//!
//! GovAssure follows the self-assessment with an independent or a peer review. Per outcome the
//! reviewer gives their own decision (chosen, not computed from statements), says whether they
//! agree with each statement the organisation selected or left out, comments, and makes
//! recommendations (a risk and what to do); per objective they note good practice and areas
//! for improvement; overall fields and a lifecycle status close it. [`ReviewReport`] is the one
//! model every format of `caf review report` renders (schema [`REVIEW_SCHEMA`]): each
//! recommendation gets a stable id (`REC-A1A1` is the first on A1.a) and a priority, true when
//! the reviewer's decision (or, without one, the self-assessed status) misses the assessment's
//! profile target.

pub mod file;
pub mod lifecycle;
pub mod walk;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::assessment::LoadedAssessment;
use crate::diagnostic::{Code, Diagnostics, SourceFile, parse_toml};
use crate::error::Result;
use crate::framework::{Level, Status};
use crate::scoring;

pub use file::skeleton;

/// The JSON schema id of [`ReviewReport`].
pub const REVIEW_SCHEMA: &str = "caf.review/1";

/// Independent assurance (required for Enhanced) or a peer review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewType {
    Independent,
    Peer,
}

impl ReviewType {
    /// The value in the file.
    pub fn key(self) -> &'static str {
        match self {
            ReviewType::Independent => "independent",
            ReviewType::Peer => "peer",
        }
    }
}

/// Where the review stands; a finalised review is the basis of the improvement plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lifecycle {
    #[default]
    ToDo,
    InProgress,
    Completed,
    Finalised,
}

impl Lifecycle {
    /// The value in the file.
    pub fn key(self) -> &'static str {
        match self {
            Lifecycle::ToDo => "to-do",
            Lifecycle::InProgress => "in-progress",
            Lifecycle::Completed => "completed",
            Lifecycle::Finalised => "finalised",
        }
    }
}

/// The reviewer's own status for an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Achieved,
    PartiallyAchieved,
    NotAchieved,
}

impl Decision {
    pub const ALL: [Decision; 3] = [
        Decision::Achieved,
        Decision::PartiallyAchieved,
        Decision::NotAchieved,
    ];

    /// The value in the file.
    pub fn key(self) -> &'static str {
        self.status().key()
    }

    /// The decision a status stands for; none for not assessed.
    pub fn from_status(status: Status) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.status() == status)
    }

    pub fn status(self) -> Status {
        match self {
            Decision::Achieved => Status::Achieved,
            Decision::PartiallyAchieved => Status::PartiallyAchieved,
            Decision::NotAchieved => Status::NotAchieved,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Reviewer {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub organisation: String,
}

/// The review's overall fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Overall {
    /// The period the review covers.
    #[serde(default)]
    pub period: String,
    /// How good the self-assessment's evidence was.
    #[serde(default)]
    pub evidence_quality: String,
    /// How the review was done (interviews, document review, testing).
    #[serde(default)]
    pub method: String,
    /// The assessor's company.
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub summary: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveNotes {
    #[serde(default)]
    pub good_practice: String,
    #[serde(default)]
    pub improvement: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    pub risk: String,
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    decision: Option<Decision>,
    /// Statement reference → whether the reviewer agrees with the organisation's answer on it.
    #[serde(default)]
    statements: BTreeMap<Spanned<String>, bool>,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    recommendations: Vec<Recommendation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReview {
    assessment: String,
    assessment_sha256: Spanned<String>,
    #[serde(rename = "type")]
    kind: ReviewType,
    #[serde(default)]
    status: Lifecycle,
    #[serde(default = "first_version")]
    version: Spanned<u32>,
    #[serde(default)]
    reviewer: Reviewer,
    #[serde(default)]
    overall: Overall,
    #[serde(default)]
    objectives: BTreeMap<Spanned<String>, ObjectiveNotes>,
    #[serde(default)]
    outcomes: BTreeMap<Spanned<String>, RawOutcome>,
}

fn first_version() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}

/// One outcome's review, checked against the framework.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomeReview {
    pub decision: Option<Decision>,
    pub statements: BTreeMap<String, bool>,
    pub comment: String,
    pub recommendations: Vec<Recommendation>,
}

/// A review file, checked.
#[derive(Debug, Clone)]
pub struct Review {
    /// The assessment's path as the file gives it (relative to the review file's folder).
    pub assessment: String,
    pub assessment_sha256: String,
    pub kind: ReviewType,
    pub status: Lifecycle,
    pub version: u32,
    pub reviewer: Reviewer,
    pub overall: Overall,
    pub objectives: BTreeMap<String, ObjectiveNotes>,
    pub outcomes: BTreeMap<String, OutcomeReview>,
}

/// Reads a review file and checks it against the assessment it names (already loaded): the
/// content hash must match, and every outcome, objective and statement must be the
/// framework's. Every problem is reported at once, located.
pub fn read(source: &SourceFile, assessment: &LoadedAssessment) -> Result<Review> {
    let raw: RawReview = parse_toml(source)?;
    let mut diags = Diagnostics::new(source);
    let framework = &assessment.framework;
    let actual = assessment.content_hash();
    if !raw
        .assessment_sha256
        .get_ref()
        .eq_ignore_ascii_case(&actual)
    {
        diags.error(
            Code::ReviewMismatch,
            raw.assessment_sha256.span(),
            format!(
                "{} has changed since this review began: its SHA-256 is {actual}",
                raw.assessment
            ),
            "review the assessment as it now is (start a new review), or restore the reviewed version",
        );
    }
    if *raw.version.get_ref() == 0 {
        diags.error(
            Code::InvalidType,
            raw.version.span(),
            "versions are numbered from 1",
            "write `version = 1` for the first version",
        );
    }
    let mut objectives = BTreeMap::new();
    for (id, notes) in raw.objectives {
        if framework.objective(id.get_ref()).is_none() {
            diags.error(
                Code::UnknownObjective,
                id.span(),
                format!("`{}` is not an objective of {}", id.get_ref(), framework.id),
                "use the objective's letter, for example [objectives.A]",
            );
        }
        objectives.insert(id.into_inner(), notes);
    }
    let mut outcomes = BTreeMap::new();
    for (id, raw_outcome) in raw.outcomes {
        let Some(outcome) = framework.outcome(id.get_ref()) else {
            diags.error(
                Code::UnknownOutcome,
                id.span(),
                format!("outcome `{}` is not in {}", id.get_ref(), framework.id),
                "name outcomes as the assessment does, for example [outcomes.\"A1.a\"]",
            );
            continue;
        };
        let mut statements = BTreeMap::new();
        for (reference, agrees) in raw_outcome.statements {
            if outcome.indicator(reference.get_ref()).is_none() {
                diags.error(
                    Code::UnknownIndicator,
                    reference.span(),
                    format!(
                        "`{}` is not a statement of outcome {}",
                        reference.get_ref(),
                        outcome.id
                    ),
                    "use the statement references the assessment uses",
                );
            }
            statements.insert(reference.into_inner(), agrees);
        }
        outcomes.insert(
            outcome.id.to_string(),
            OutcomeReview {
                decision: raw_outcome.decision,
                statements,
                comment: raw_outcome.comment,
                recommendations: raw_outcome.recommendations,
            },
        );
    }
    Ok(diags.finish(Review {
        assessment: raw.assessment,
        assessment_sha256: raw.assessment_sha256.into_inner(),
        kind: raw.kind,
        status: raw.status,
        version: raw.version.into_inner(),
        reviewer: raw.reviewer,
        overall: raw.overall,
        objectives,
        outcomes,
    })?)
}

/// The assessment path a review file names, without reading the rest: the review is checked
/// once the assessment is loaded.
pub fn assessment_path(source: &SourceFile) -> Result<String> {
    #[derive(Deserialize)]
    struct Head {
        assessment: String,
    }
    // The other keys are checked by [`read`]; here they are ignored.
    let head: Head = parse_toml(source)?;
    Ok(head.assessment)
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewDetails {
    pub assessment: String,
    pub assessment_sha256: String,
    #[serde(rename = "type")]
    pub kind: ReviewType,
    pub status: Lifecycle,
    pub version: u32,
    pub reviewer: Reviewer,
    pub overall: Overall,
}

/// A statement, the organisation's answer, and the reviewer's view of it.
#[derive(Debug, Clone, Serialize)]
pub struct StatementRow {
    #[serde(rename = "ref")]
    pub reference: String,
    pub level: Level,
    pub text: String,
    pub selected: bool,
    /// Whether the reviewer agrees with the organisation's answer; none when not said.
    pub agreed: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRow {
    pub id: String,
    pub title: String,
    pub objective: String,
    pub self_assessed: Status,
    pub decision: Option<Status>,
    pub target: Option<Status>,
    /// Whether the reviewer's decision meets the target.
    pub decision_meets_target: Option<bool>,
    /// The reviewer's decision is lower than the self-assessment (it was optimistic).
    pub lower_than_self: bool,
    pub comment: String,
    pub statements: Vec<StatementRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveRow {
    pub id: String,
    pub title: String,
    pub good_practice: String,
    pub improvement: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecommendationRow {
    /// `REC-` + the outcome id without its dots, upper case, + the recommendation's number on
    /// that outcome: `REC-A1A1`.
    pub id: String,
    pub outcome: String,
    /// The decision (or, without one, the self-assessed status) misses the profile target.
    pub priority: bool,
    pub risk: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewSummary {
    pub outcomes: usize,
    /// Outcomes with a decision.
    pub decided: usize,
    /// Decisions equal to the self-assessed status.
    pub agreed: usize,
    pub lower: usize,
    pub higher: usize,
    pub recommendations: usize,
    pub priority: usize,
}

/// The review report; the `caf.review/1` JSON schema.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewReport {
    pub schema: &'static str,
    pub generator: String,
    pub title: String,
    pub organisation: crate::assessment::Organisation,
    pub framework: scoring::FrameworkSummary,
    pub profile: Option<scoring::ProfileSummary>,
    pub review: ReviewDetails,
    pub summary: ReviewSummary,
    pub objectives: Vec<ObjectiveRow>,
    pub outcomes: Vec<OutcomeRow>,
    pub recommendations: Vec<RecommendationRow>,
}

/// `REC-A1A1` for the first recommendation on A1.a.
pub fn recommendation_id(outcome: &str, number: usize) -> String {
    let compact: String = outcome.chars().filter(|c| *c != '.').collect();
    format!("REC-{}{number}", compact.to_uppercase())
}

impl ReviewReport {
    pub fn build(review: &Review, assessment: &LoadedAssessment) -> Result<Self> {
        let framework = &assessment.framework;
        let profile = assessment.profile(None)?;
        let card = scoring::score(framework, &assessment.assessment, profile);
        let mut outcomes = Vec::new();
        let mut recommendations = Vec::new();
        let rank = |s: Status| s.rank();
        for (outcome, score) in framework.outcomes.iter().zip(&card.outcomes) {
            let reviewed = review.outcomes.get(outcome.id.as_str());
            let decision = reviewed.and_then(|r| r.decision).map(Decision::status);
            let judged = decision.unwrap_or(score.status);
            let misses = scoring::meets(judged, score.target) == Some(false)
                || (score.target.is_some() && judged == Status::NotAssessed);
            for (i, rec) in reviewed
                .map_or(&[][..], |r| &r.recommendations)
                .iter()
                .enumerate()
            {
                recommendations.push(RecommendationRow {
                    id: recommendation_id(outcome.id.as_str(), i + 1),
                    outcome: outcome.id.to_string(),
                    priority: misses,
                    risk: rec.risk.clone(),
                    text: rec.text.clone(),
                });
            }
            outcomes.push(OutcomeRow {
                id: outcome.id.to_string(),
                title: outcome.title.clone(),
                objective: outcome.objective.clone(),
                self_assessed: score.status,
                decision,
                target: score.target,
                decision_meets_target: decision.and_then(|d| scoring::meets(d, score.target)),
                lower_than_self: decision.is_some_and(|d| match (rank(d), rank(score.status)) {
                    (Some(d), Some(s)) => d < s,
                    _ => false,
                }),
                comment: reviewed.map(|r| r.comment.clone()).unwrap_or_default(),
                statements: (outcome.indicators.iter())
                    .map(|i| StatementRow {
                        reference: i.reference.to_string(),
                        level: i.level,
                        text: i.text.clone(),
                        selected: score.selected.iter().any(|s| s == i.reference.as_str()),
                        agreed: reviewed
                            .and_then(|r| r.statements.get(i.reference.as_str()).copied()),
                    })
                    .collect(),
            });
        }
        let decided: Vec<&OutcomeRow> = outcomes.iter().filter(|o| o.decision.is_some()).collect();
        let higher = (decided.iter())
            .filter(
                |o| match (o.decision.and_then(rank), rank(o.self_assessed)) {
                    (Some(d), Some(s)) => d > s,
                    (Some(_), None) => true,
                    _ => false,
                },
            )
            .count();
        let summary = ReviewSummary {
            outcomes: outcomes.len(),
            decided: decided.len(),
            agreed: decided
                .iter()
                .filter(|o| o.decision == Some(o.self_assessed))
                .count(),
            lower: decided.iter().filter(|o| o.lower_than_self).count(),
            higher,
            recommendations: recommendations.len(),
            priority: recommendations.iter().filter(|r| r.priority).count(),
        };
        let objectives = (framework.objectives.iter())
            .map(|o| {
                let notes = review.objectives.get(&o.id).cloned().unwrap_or_default();
                ObjectiveRow {
                    id: o.id.clone(),
                    title: o.title.clone(),
                    good_practice: notes.good_practice,
                    improvement: notes.improvement,
                }
            })
            .collect();
        Ok(ReviewReport {
            schema: REVIEW_SCHEMA,
            generator: format!("caf {}", env!("CARGO_PKG_VERSION")),
            title: format!(
                "{} review of {}'s {} self-assessment",
                match review.kind {
                    ReviewType::Independent => "Independent assurance",
                    ReviewType::Peer => "Peer",
                },
                assessment.assessment.organisation.name,
                framework.name
            ),
            organisation: assessment.assessment.organisation.clone(),
            framework: card.framework.clone(),
            profile: card.profile.clone(),
            review: ReviewDetails {
                assessment: review.assessment.clone(),
                assessment_sha256: review.assessment_sha256.clone(),
                kind: review.kind,
                status: review.status,
                version: review.version,
                reviewer: review.reviewer.clone(),
                overall: review.overall.clone(),
            },
            summary,
            objectives,
            outcomes,
            recommendations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recommendation_ids_are_the_outcome_without_dots_and_a_number() {
        assert_eq!(recommendation_id("A1.a", 1), "REC-A1A1");
        assert_eq!(recommendation_id("B2.c", 12), "REC-B2C12");
    }

    #[test]
    fn the_finalised_text_of_a_completed_review_changes_its_status_and_nothing_else() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/review/review.toml"
        );
        let finalised = std::fs::read_to_string(path).unwrap();
        let completed = finalised.replace("status = \"finalised\"", "status = \"completed\"");
        assert_ne!(completed, finalised);
        assert_eq!(lifecycle::finalised_text(&completed).unwrap(), finalised);
        // A finalised file is already in that form.
        assert_eq!(lifecycle::finalised_text(&finalised).unwrap(), finalised);
    }

    #[test]
    fn a_review_kept_with_windows_line_endings_keeps_them_when_its_status_changes() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/review/review.toml"
        );
        let finalised = std::fs::read_to_string(path).unwrap().replace('\n', "\r\n");
        let completed = finalised.replace("status = \"finalised\"", "status = \"completed\"");
        assert_eq!(lifecycle::finalised_text(&completed).unwrap(), finalised);
    }
}
