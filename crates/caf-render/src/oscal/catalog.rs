//! A framework as an OSCAL catalog: objectives and principles as groups, contributing outcomes
//! as controls (their ids are the `target-id`s of the assessment results' findings), the
//! statements as parts grouped by level, and each profile's target as a property.

use caf_core::framework::{Framework, Level, Outcome};
use serde_json::{Value, json};

use super::{NS, OSCAL_VERSION, one_line, prop, prop_with_class, put_list, timestamp, uuid};

/// `caf frameworks export ID --format oscal-catalog`.
pub fn catalog(framework: &Framework) -> Value {
    let groups = framework
        .objectives
        .iter()
        .map(|objective| {
            let principles = framework
                .principles
                .iter()
                .filter(|p| p.objective == objective.id)
                .map(|principle| {
                    let controls = framework
                        .outcomes
                        .iter()
                        .filter(|o| o.principle == principle.id)
                        .map(|o| control(framework, o))
                        .collect::<Vec<_>>();
                    let mut group = group(&principle.id, &principle.title, &principle.description);
                    put_list(&mut group, "controls", controls);
                    group
                })
                .collect::<Vec<_>>();
            let mut group = group(&objective.id, &objective.title, &objective.description);
            put_list(&mut group, "groups", principles);
            group
        })
        .collect::<Vec<_>>();

    let mut remarks = String::from(
        "Contains public sector information licensed under the Open Government Licence v3.0 \
         (NCSC Cyber Assessment Framework).",
    );
    if let Some(provenance) = &framework.provenance {
        for source in &provenance.sources {
            remarks.push_str("\n\n- ");
            remarks.push_str(source);
        }
    }
    let reconciled = framework
        .provenance
        .as_ref()
        .and_then(|p| p.reconciled.as_deref());
    let mut catalog = json!({
        "uuid": uuid(&format!("catalog:{}:{}", framework.id, framework.version)),
        "metadata": {
            "title": one_line(&format!("{} {}", framework.name, framework.version)),
            "last-modified": timestamp(reconciled),
            "version": one_line(&framework.version),
            "oscal-version": OSCAL_VERSION,
            "props": [prop("framework", &framework.id)],
            "remarks": remarks,
        },
    });
    put_list(&mut catalog, "groups", groups);
    json!({ "catalog": catalog })
}

fn group(id: &str, title: &str, description: &str) -> Value {
    let mut group = json!({ "id": id, "class": "caf", "title": one_line(title) });
    if !description.trim().is_empty() {
        group["parts"] = json!([{ "name": "overview", "prose": description }]);
    }
    group
}

fn control(framework: &Framework, outcome: &Outcome) -> Value {
    let id = outcome.id.as_str();
    let mut parts = Vec::new();
    if !outcome.description.trim().is_empty() {
        parts.push(json!({
            "id": format!("{id}_smt"),
            "name": "statement",
            "prose": outcome.description,
        }));
    }
    for level in Level::ALL.into_iter().rev() {
        let statements = outcome
            .indicators_at(level)
            .map(|i| {
                json!({
                    "id": i.reference.as_str(),
                    "name": "indicator",
                    "ns": NS,
                    "class": level.key(),
                    "prose": i.text,
                })
            })
            .collect::<Vec<_>>();
        if !statements.is_empty() {
            parts.push(json!({
                "id": format!("{id}.{}", level.code()),
                "name": "indicators",
                "ns": NS,
                "class": level.key(),
                "title": level.status().label(),
                "parts": statements,
            }));
        }
    }
    let targets = framework
        .profiles
        .iter()
        .filter_map(|p| {
            Some(prop_with_class(
                "target",
                &p.id,
                p.target(&outcome.id)?.key(),
            ))
        })
        .collect::<Vec<_>>();
    let mut control =
        json!({ "id": id, "class": "contributing-outcome", "title": one_line(&outcome.title) });
    put_list(&mut control, "props", targets);
    put_list(&mut control, "parts", parts);
    control
}
