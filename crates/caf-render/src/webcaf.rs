//! The report in the shape of WebCAF's per-assessment analytics export, so a central unit that
//! runs WebCAF and `caf` side by side gets one data stream. Every statement is written with its
//! value, so WebCAF's "keys present" rule and this project's scoring see the same answers.

use caf_core::framework::{Level, Status};
use caf_core::report::{OutcomeDetail, Report};
use caf_core::webcaf::WebcafIds;
use caf_core::webcaf::export::{
    AnalyticsExport, AnalyticsIndicator, AnalyticsMetadata, AnalyticsOutcome, AssessmentDetails,
    CafOverride, status_label,
};
use serde_json::Value;

/// `caf report --format webcaf-json`.
pub fn render(report: &Report) -> AnalyticsExport {
    let cover = &report.cover;
    let version = &cover.framework.version;
    let date = cover.date.clone();
    AnalyticsExport {
        app_version: Value::String(report.generator.clone()),
        organisation_id: Value::String(cover.organisation.id.clone()),
        system_id: cover.system.clone().map_or(Value::Null, Value::String),
        assessment_id: Value::String(cover.source.sha256.clone()),
        outcomes: report
            .outcomes
            .iter()
            .filter(|o| o.status != Status::NotAssessed)
            .map(|o| outcome(version, o, report.cover.computed_only))
            .collect(),
        metadata: Some(AnalyticsMetadata {
            last_updated: date.clone(),
            created: None,
            completed: date,
        }),
        assessment_details: AssessmentDetails {
            caf_version: version.clone(),
            caf_description: format!("{} v{version}", cover.framework.name),
            government_caf_profile: cover.profile.as_ref().map(|p| capitalised(&p.id)),
            review_type: None,
            assessment_period: cover.period.clone(),
        },
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn outcome(version: &str, o: &OutcomeDetail, computed_only: bool) -> AnalyticsOutcome {
    let statements: Vec<(&str, Level)> = o
        .statements
        .iter()
        .map(|s| (s.reference.as_str(), s.level))
        .collect();
    let ids = WebcafIds::for_statements(version, &o.id, &statements);
    let indicators = o
        .statements
        .iter()
        .enumerate()
        .map(|(i, s)| AnalyticsIndicator {
            // A statement WebCAF lacks keeps this project's reference, so nothing is lost.
            indicator_id: ids
                .as_ref()
                .and_then(|ids| ids.id(i))
                .unwrap_or_else(|| s.reference.clone()),
            indicator_category: s.level.key().to_string(),
            value: Value::Bool(s.selected),
            comment: String::new(),
        })
        .collect();
    let (profile_met, requirement) = match (o.target, o.met) {
        (Some(target), Some(met)) => (if met { "Met" } else { "Not met" }, status_label(target)),
        // WebCAF's answer for an outcome without a minimum requirement.
        _ => ("Met", "N/A"),
    };
    let caf_override = (o.overridden && !computed_only).then(|| CafOverride {
        status: o.status.key().to_string(),
        justification: o.justification.clone().unwrap_or_default(),
    });
    AnalyticsOutcome {
        outcome_id: o.id.clone(),
        outcome_status: status_label(o.status).to_string(),
        outcome_profile_met: profile_met.to_string(),
        outcome_min_profile_requirement: requirement.to_string(),
        outcome_status_message: o.reason.clone(),
        outcome_confirm_comment: o.comment.clone().unwrap_or_default(),
        indicators,
        supplementary_questions: Vec::new(),
        caf_override,
    }
}
