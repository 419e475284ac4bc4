//! The shape of WebCAF's per-assessment analytics export (`transform_assessment` in WebCAF's
//! `data_analysis.py`): what `caf report --format webcaf-json` writes and `caf import webcaf`
//! reads. Fields WebCAF has that this project cannot fill are written as `null` or empty.
//!
//! Two fields are this project's own additions, written only when needed so that a round trip
//! loses no score: `caf_override` (a person's override, which WebCAF has no place for) and
//! indicators whose `indicator_id` is this project's reference (a statement WebCAF lacks).

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalyticsExport {
    #[serde(default)]
    pub app_version: Value,
    #[serde(default)]
    pub organisation_id: Value,
    #[serde(default)]
    pub system_id: Value,
    #[serde(default)]
    pub assessment_id: Value,
    pub outcomes: Vec<AnalyticsOutcome>,
    #[serde(default)]
    pub metadata: Option<AnalyticsMetadata>,
    pub assessment_details: AssessmentDetails,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AnalyticsMetadata {
    #[serde(default)]
    pub last_updated: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub completed: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssessmentDetails {
    /// `3.2` or `4.0`.
    pub caf_version: String,
    #[serde(default)]
    pub caf_description: String,
    /// `Baseline` or `Enhanced`.
    #[serde(default)]
    pub government_caf_profile: Option<String>,
    #[serde(default)]
    pub review_type: Option<String>,
    /// `2024/25`.
    #[serde(default)]
    pub assessment_period: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalyticsOutcome {
    pub outcome_id: String,
    /// `Achieved`, `Partially achieved`, `Not achieved`, or empty when not confirmed.
    #[serde(default)]
    pub outcome_status: String,
    #[serde(default)]
    pub outcome_profile_met: String,
    #[serde(default)]
    pub outcome_min_profile_requirement: String,
    #[serde(default)]
    pub outcome_status_message: String,
    /// The organisation's outcome summary.
    #[serde(default)]
    pub outcome_confirm_comment: String,
    #[serde(default)]
    pub indicators: Vec<AnalyticsIndicator>,
    #[serde(default)]
    pub supplementary_questions: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caf_override: Option<CafOverride>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalyticsIndicator {
    /// WebCAF's id (`A1.a.5`), or this project's reference for a statement WebCAF lacks.
    pub indicator_id: String,
    /// The level key: `achieved`, `partially-achieved` or `not-achieved`.
    pub indicator_category: String,
    pub value: Value,
    #[serde(default)]
    pub comment: String,
}

/// A person's override of the computed status, with the reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CafOverride {
    /// A status key (`partially-achieved`).
    pub status: String,
    pub justification: String,
}

/// WebCAF's spelling of a status (`Partially achieved`).
pub fn status_label(status: crate::framework::Status) -> &'static str {
    match status {
        crate::framework::Status::NotAssessed => "",
        other => other.label(),
    }
}
