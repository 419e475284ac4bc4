//! The report as OSCAL assessment results (one finding per contributing outcome) and as a plan
//! of action and milestones (one item per outcome below its target, linked to the same
//! findings). Both are drawn from the report model only.

use caf_core::framework::Status;
use caf_core::report::{Action, OutcomeDetail, PlanItem, Report};
use serde_json::{Value, json};

use super::{OSCAL_VERSION, one_line, prop, put_list, timestamp, uuid};
use crate::{RenderError, Result};

/// The stable name every identifier of one report's documents starts from: the same answers
/// scored against the same profile give the same identifiers.
fn root(report: &Report) -> String {
    let profile = report.cover.profile.as_ref().map_or("none", |p| &p.id);
    format!("{}:{profile}", report.cover.source.sha256)
}

/// `caf report --format oscal-ar`.
pub fn assessment_results(report: &Report) -> Value {
    let root = root(report);
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    for outcome in &report.outcomes {
        observations.extend(outcome_observations(report, &root, outcome));
        findings.push(finding(&root, outcome));
    }
    let controls = report
        .outcomes
        .iter()
        .map(|o| json!({ "control-id": o.id }))
        .collect::<Vec<_>>();
    let mut result = json!({
        "uuid": uuid(&format!("{root}:result")),
        "title": format!("CAF self-assessment against {}", framework_name(report)),
        "description": report.summary.headline,
        "start": timestamp(report.cover.date.as_deref()),
        "props": context_props(report),
        "reviewed-controls": {
            "control-selections": [{ "include-controls": controls }],
        },
    });
    put_list(&mut result, "observations", observations);
    put_list(&mut result, "findings", findings);
    let source = source_resource(report, &root);
    json!({
        "assessment-results": {
            "uuid": uuid(&format!("{root}:assessment-results")),
            "metadata": metadata(report, "CAF assessment results"),
            "import-ap": {
                "href": format!("#{}", source["uuid"].as_str().unwrap_or_default()),
                "remarks": "There is no separate OSCAL assessment plan: the assessment file \
                            (in back-matter) is both the plan and the answers.",
            },
            "results": [result],
            "back-matter": { "resources": [source] },
        }
    })
}

/// `caf report --format oscal-poam`: fails when no outcome is below a target, since a plan of
/// action must have at least one item.
pub fn poam(report: &Report) -> Result<Value> {
    if report.plan.is_empty() {
        return Err(RenderError::EmptyPlan);
    }
    let root = root(report);
    let planned = |item: &PlanItem| report.outcomes.iter().find(|o| o.id == item.id);
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    let mut items = Vec::new();
    for item in &report.plan {
        let Some(outcome) = planned(item) else {
            continue;
        };
        observations.extend(outcome_observations(report, &root, outcome));
        findings.push(finding(&root, outcome));
        items.push(poam_item(&root, item));
    }
    let source = source_resource(report, &root);
    let mut plan = json!({
        "uuid": uuid(&format!("{root}:poam")),
        "metadata": metadata(report, "CAF improvement plan"),
    });
    put_list(&mut plan, "observations", observations);
    put_list(&mut plan, "findings", findings);
    plan["poam-items"] = Value::Array(items);
    plan["back-matter"] = json!({ "resources": [source] });
    Ok(json!({ "plan-of-action-and-milestones": plan }))
}

fn framework_name(report: &Report) -> String {
    let f = &report.cover.framework;
    format!("{} {} ({})", f.name, f.version, f.id)
}

/// Who, what and against which profile: the same on both documents.
fn context_props(report: &Report) -> Vec<Value> {
    let cover = &report.cover;
    let mut props = vec![
        prop("framework", &cover.framework.id),
        prop("framework-version", &cover.framework.version),
        prop("organisation", &cover.organisation.name),
        prop("organisation-id", &cover.organisation.id),
    ];
    if let Some(profile) = &cover.profile {
        props.push(prop("profile", &profile.id));
    }
    if let Some(period) = &cover.period {
        props.push(prop("period", period));
    }
    if let Some(system) = &cover.system {
        props.push(prop("system", system));
    }
    if cover.computed_only {
        props.push(prop("computed-only", "true"));
    }
    props
}

fn metadata(report: &Report, what: &str) -> Value {
    let cover = &report.cover;
    let mut metadata = json!({
        "title": one_line(&format!("{what}: {}", cover.organisation.name)),
        "last-modified": timestamp(cover.date.as_deref()),
        "version": one_line(cover.period.as_deref().unwrap_or("1")),
        "oscal-version": OSCAL_VERSION,
        "props": context_props(report),
        "remarks": format!(
            "Written by {} from {} (SHA-256 {}). CAF content: contains public sector \
             information licensed under the Open Government Licence v3.0.",
            report.generator, cover.source.file, cover.source.sha256
        ),
    });
    let mut parties = vec![json!({
        "uuid": uuid(&format!("organisation:{}", cover.organisation.id)),
        "type": "organization",
        "name": one_line(&cover.organisation.name),
    })];
    if let Some(assessor) = &cover.assessor {
        parties.push(json!({
            "uuid": uuid(&format!("{}:assessor", root(report))),
            "type": "person",
            "name": one_line(assessor),
        }));
    }
    metadata["parties"] = Value::Array(parties);
    metadata
}

/// The assessment file the documents were made from, with its hash.
fn source_resource(report: &Report, root: &str) -> Value {
    let source = &report.cover.source;
    json!({
        "uuid": uuid(&format!("{root}:source")),
        "title": one_line(&format!("Assessment file {}", source.file)),
        "props": [prop("sha256", &source.sha256)],
    })
}

fn observation_uuid(root: &str, reference: &str) -> String {
    uuid(&format!("{root}:observation:{reference}"))
}

fn evidence_uuid(root: &str, outcome: &str) -> String {
    uuid(&format!("{root}:evidence:{outcome}"))
}

fn finding_uuid(root: &str, outcome: &str) -> String {
    uuid(&format!("{root}:finding:{outcome}"))
}

/// One observation per selected statement, and one for the outcome's evidence if it has any.
fn outcome_observations(report: &Report, root: &str, outcome: &OutcomeDetail) -> Vec<Value> {
    let collected = timestamp(report.cover.date.as_deref());
    let mut observations: Vec<Value> = outcome
        .statements
        .iter()
        .filter(|s| s.selected)
        .map(|s| {
            json!({
                "uuid": observation_uuid(root, &s.reference),
                "title": s.reference,
                "description": s.text,
                "props": [prop("statement", &s.reference), prop("level", s.level.key())],
                "methods": ["EXAMINE"],
                "types": ["control-objective"],
                "collected": collected,
            })
        })
        .collect();
    if !outcome.evidence.is_empty() {
        let evidence = outcome
            .evidence
            .iter()
            .map(|e| {
                let description = if e.location.is_empty() {
                    e.title.clone()
                } else {
                    format!("{} ({})", e.title, e.location)
                };
                json!({ "description": description })
            })
            .collect::<Vec<_>>();
        observations.push(json!({
            "uuid": evidence_uuid(root, &outcome.id),
            "title": format!("Evidence for {}", outcome.id),
            "description": format!("The evidence the organisation cites for {}.", outcome.id),
            "methods": ["EXAMINE"],
            "relevant-evidence": evidence,
            "collected": collected,
        }));
    }
    observations
}

/// OSCAL's finding state is binary: satisfied when the outcome meets its target, or, with no
/// target, when it is achieved. The CAF status itself is a property.
fn state(outcome: &OutcomeDetail) -> &'static str {
    let satisfied = outcome.met.unwrap_or(outcome.status == Status::Achieved);
    if satisfied {
        "satisfied"
    } else {
        "not-satisfied"
    }
}

fn finding(root: &str, outcome: &OutcomeDetail) -> Value {
    let mut props = vec![
        prop("status", outcome.status.key()),
        prop("computed-status", outcome.computed_status.key()),
    ];
    if let Some(target) = outcome.target {
        props.push(prop("target", target.key()));
    }
    if let Some(met) = outcome.met {
        props.push(prop("met", if met { "true" } else { "false" }));
    }
    if outcome.overridden {
        props.push(prop("overridden", "true"));
    }
    if outcome.needs_review {
        props.push(prop("needs-review", "true"));
    }
    let mut related: Vec<Value> = outcome
        .statements
        .iter()
        .filter(|s| s.selected)
        .map(|s| json!({ "observation-uuid": observation_uuid(root, &s.reference) }))
        .collect();
    if !outcome.evidence.is_empty() {
        related.push(json!({ "observation-uuid": evidence_uuid(root, &outcome.id) }));
    }
    let remarks: Vec<&str> = [
        outcome.comment.as_deref(),
        outcome.override_note.as_deref(),
        outcome.justification.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|r| !r.trim().is_empty())
    .collect();
    let mut finding = json!({
        "uuid": finding_uuid(root, &outcome.id),
        "title": one_line(&format!("{} {}: {}", outcome.id, outcome.title, outcome.status_label)),
        "description": outcome.reason,
        "props": props,
        "target": {
            "type": "objective-id",
            "target-id": outcome.id,
            "title": one_line(&outcome.title),
            "status": { "state": state(outcome) },
        },
    });
    put_list(&mut finding, "related-observations", related);
    if !remarks.is_empty() {
        finding["remarks"] = Value::String(remarks.join("\n\n"));
    }
    finding
}

fn poam_item(root: &str, item: &PlanItem) -> Value {
    let steps = item
        .steps
        .iter()
        .map(|s| {
            let verb = match s.action {
                Action::Achieve => "Make true",
                Action::Resolve => "Stop being true",
            };
            format!("- {verb}: {} {}", s.reference, s.text)
        })
        .collect::<Vec<_>>();
    let (mut description, title) = match item.target {
        Some(target) => (
            format!(
                "Raise {} from {} to {}.",
                item.id,
                item.status.label(),
                target.label()
            ),
            format!("{} {}: reach {}", item.id, item.title, target.label()),
        ),
        None => (
            format!("Carry out the actions recorded for {}.", item.id),
            format!("{} {}: recorded actions", item.id, item.title),
        ),
    };
    if !steps.is_empty() {
        description.push_str("\n\n");
        description.push_str(&steps.join("\n"));
    }
    if !item.actions.is_empty() {
        let actions = item.actions.iter().map(|a| format!("- {}", a.text));
        description.push_str("\n\nActions:\n");
        description.push_str(&actions.collect::<Vec<_>>().join("\n"));
    }
    let mut props = vec![prop("status", item.status.key())];
    props.extend(item.target.map(|target| prop("target", target.key())));
    props.push(prop("shortfall", &item.shortfall.to_string()));
    if item.overdue {
        props.push(prop("overdue", "true"));
    }
    props.extend(item.steps.iter().map(|s| {
        let name = match s.action {
            Action::Achieve => "achieve",
            Action::Resolve => "resolve",
        };
        prop(name, &s.reference)
    }));
    if !item.owner.trim().is_empty() {
        props.push(prop("owner", &item.owner));
    }
    if !item.due.trim().is_empty() {
        props.push(prop("due", &item.due));
    }
    let mut poam_item = json!({
        "uuid": uuid(&format!("{root}:poam-item:{}", item.id)),
        "title": one_line(&title),
        "description": description,
        "props": props,
        "related-findings": [{ "finding-uuid": finding_uuid(root, &item.id) }],
    });
    if let Some(note) = &item.override_note {
        poam_item["remarks"] = Value::String(note.clone());
    }
    poam_item
}
