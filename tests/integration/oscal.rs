//! OSCAL output end to end: every document the commands write validates against NIST's
//! published OSCAL schema (vendored in tests/fixtures/oscal/, see its README), identifiers are
//! deterministic and the plan of action points at findings that exist.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{caf, examples, path, stderr_of, stdout_of};

/// NIST's complete OSCAL schema, compiled once.
fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(path("tests/fixtures/oscal/oscal_complete_schema.json"))
            .expect("the vendored OSCAL schema");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the OSCAL schema compiles")
    })
}

/// Every schema error in `document`, one per line (empty when it is valid).
fn schema_errors(document: &Value) -> String {
    validator()
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_valid(document: &Value, what: &str) {
    let errors = schema_errors(document);
    assert!(errors.is_empty(), "{what} is not valid OSCAL:\n{errors}");
}

fn run_json(args: &[&str]) -> Value {
    let output = caf().args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", stderr_of(&output));
    serde_json::from_str(&stdout_of(&output)).expect("the output is JSON")
}

fn report(file: &Path, format: &str, extra: &[&str]) -> Value {
    let file = file.to_str().unwrap();
    let mut args = vec!["report", file, "--format", format];
    args.extend_from_slice(extra);
    run_json(&args)
}

fn findings(document: &Value, root: &str) -> Vec<Value> {
    let findings = match root {
        "assessment-results" => &document[root]["results"][0]["findings"],
        _ => &document[root]["findings"],
    };
    findings.as_array().cloned().unwrap_or_default()
}

fn prop<'a>(object: &'a Value, name: &str) -> Option<&'a str> {
    object["props"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name && p["ns"] == caf_render::oscal::NS)
        .and_then(|p| p["value"].as_str())
}

#[test]
fn assessment_results_of_every_example_validate_and_carry_every_outcome() {
    for file in examples() {
        let document = report(&file, "oscal-ar", &[]);
        assert_valid(&document, &file.display().to_string());
        let json = report(&file, "json", &[]);
        let outcomes = json["outcomes"].as_array().unwrap();
        let findings = findings(&document, "assessment-results");
        assert_eq!(findings.len(), outcomes.len(), "{}", file.display());
        for (finding, outcome) in findings.iter().zip(outcomes) {
            assert_eq!(finding["target"]["target-id"], outcome["id"]);
            assert_eq!(prop(finding, "status"), outcome["status"].as_str());
            assert_eq!(finding["description"], outcome["reason"]);
            let met = outcome["met"].as_bool();
            assert_eq!(
                prop(finding, "met"),
                met.map(|m| if m { "true" } else { "false" })
            );
            let satisfied = met.unwrap_or(outcome["status"] == "achieved");
            let state = if satisfied {
                "satisfied"
            } else {
                "not-satisfied"
            };
            assert_eq!(finding["target"]["status"]["state"], state);
            // Each selected statement is an observation the finding points at.
            let selected: Vec<&str> = outcome["statements"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["selected"] == true)
                .map(|s| s["ref"].as_str().unwrap())
                .collect();
            let observations = document["assessment-results"]["results"][0]["observations"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let related: HashSet<&str> = finding["related-observations"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .filter_map(|o| o["observation-uuid"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            let linked: HashSet<&str> = observations
                .iter()
                .filter(|o| related.contains(o["uuid"].as_str().unwrap()))
                .filter_map(|o| prop(o, "statement"))
                .collect();
            assert_eq!(linked, selected.into_iter().collect(), "{}", outcome["id"]);
        }
    }
}

#[test]
fn the_plan_of_action_validates_and_links_to_the_assessment_results_findings() {
    let mut planned = 0;
    for file in examples() {
        let json = report(&file, "json", &[]);
        let plan = json["plan"].as_array().unwrap();
        if plan.is_empty() {
            let output = caf()
                .args(["report", file.to_str().unwrap(), "-f", "oscal-poam"])
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(2), "an empty plan is refused");
            assert!(stderr_of(&output).contains("no outcome is below its target"));
            continue;
        }
        planned += 1;
        let poam = report(&file, "oscal-poam", &[]);
        assert_valid(&poam, &file.display().to_string());
        let items = poam["plan-of-action-and-milestones"]["poam-items"]
            .as_array()
            .unwrap();
        assert_eq!(items.len(), plan.len());
        let ar = report(&file, "oscal-ar", &[]);
        let ar_findings: HashSet<String> = findings(&ar, "assessment-results")
            .iter()
            .map(|f| f["uuid"].as_str().unwrap().to_string())
            .collect();
        let poam_findings = findings(&poam, "plan-of-action-and-milestones");
        for (item, planned) in items.iter().zip(plan) {
            let linked = item["related-findings"][0]["finding-uuid"]
                .as_str()
                .unwrap();
            assert!(ar_findings.contains(linked), "the AR has the finding");
            let finding = poam_findings.iter().find(|f| f["uuid"] == linked).unwrap();
            assert_eq!(finding["target"]["target-id"], planned["id"]);
            assert_eq!(prop(item, "target"), planned["target"].as_str());
            let steps = planned["steps"].as_array().unwrap();
            for step in steps {
                assert!(
                    item["description"]
                        .as_str()
                        .unwrap()
                        .contains(step["ref"].as_str().unwrap())
                );
            }
        }
    }
    assert!(planned > 0, "some example has a plan");
}

#[test]
fn every_shipped_framework_exports_as_a_valid_catalog_with_every_statement() {
    for id in ["caf-3.2", "caf-4.0"] {
        let catalog = run_json(&["frameworks", "export", id, "--format", "oscal-catalog"]);
        assert_valid(&catalog, id);
        let framework = run_json(&["frameworks", "show", id, "--format", "json"]);
        let mut parts = HashSet::new();
        let mut controls = 0;
        for objective in catalog["catalog"]["groups"].as_array().unwrap() {
            for principle in objective["groups"].as_array().unwrap() {
                for control in principle["controls"].as_array().unwrap() {
                    controls += 1;
                    for level in control["parts"].as_array().unwrap() {
                        for part in level["parts"].as_array().into_iter().flatten() {
                            parts.insert(part["id"].as_str().unwrap().to_string());
                        }
                    }
                }
            }
        }
        let outcomes = framework["outcomes"].as_array().unwrap();
        assert_eq!(controls, outcomes.len());
        let statements: HashSet<String> = outcomes
            .iter()
            .flat_map(|o| o["indicators"].as_array().unwrap())
            .map(|i| i["ref"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(parts, statements, "{id}");
    }
}

#[test]
fn the_validator_rejects_what_oscal_forbids() {
    let file = path("examples/county-council-caf-4.0-partial.toml");
    let good = report(&file, "oscal-ar", &[]);
    let mut bad_state = good.clone();
    bad_state["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] =
        "partially-achieved".into();
    assert!(!schema_errors(&bad_state).is_empty());
    let mut bad_uuid = good.clone();
    bad_uuid["assessment-results"]["uuid"] = "not-a-uuid".into();
    assert!(!schema_errors(&bad_uuid).is_empty());
    let mut empty_list = good;
    empty_list["assessment-results"]["results"][0]["props"] = Value::Array(vec![]);
    assert!(!schema_errors(&empty_list).is_empty());
}

#[test]
fn identifiers_are_the_same_for_the_same_answers_and_differ_for_others() {
    let a = path("examples/county-council-caf-4.0-partial.toml");
    let b = path("examples/fire-rescue-caf-3.2-enhanced.toml");
    let first = report(&a, "oscal-ar", &[]);
    assert_eq!(first, report(&a, "oscal-ar", &[]), "byte-identical twice");
    let other = report(&b, "oscal-ar", &[]);
    assert_ne!(
        first["assessment-results"]["uuid"],
        other["assessment-results"]["uuid"]
    );
    let mut uuids = HashSet::new();
    collect_uuids(&first, &mut uuids);
    let mut count = 0;
    count_uuids(&first, &mut count);
    assert_eq!(uuids.len(), count, "no UUID is used twice in one document");
}

fn collect_uuids(value: &Value, into: &mut HashSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(u)) = map.get("uuid") {
                into.insert(u.clone());
            }
            map.values().for_each(|v| collect_uuids(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_uuids(v, into)),
        _ => {}
    }
}

fn count_uuids(value: &Value, count: &mut usize) {
    match value {
        Value::Object(map) => {
            *count += usize::from(map.contains_key("uuid"));
            map.values().for_each(|v| count_uuids(v, count));
        }
        Value::Array(items) => items.iter().for_each(|v| count_uuids(v, count)),
        _ => {}
    }
}

/// Free text with line breaks, leading spaces and other scripts still gives valid OSCAL on
/// real-shaped synthetic files (comments, evidence, overrides, carried answers).
#[test]
fn real_shaped_synthetic_assessments_give_valid_oscal() {
    let dir = tempfile::tempdir().unwrap();
    let output = caf()
        .args([
            "synth",
            "--orgs",
            "6",
            "--periods",
            "1",
            "--seed",
            "17",
            "-o",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let mut checked = 0;
    for file in crate::support::files_in(dir.path()) {
        if file.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let out = caf()
            .args(["report", file.to_str().unwrap(), "-f", "oscal-ar"])
            .output()
            .unwrap();
        if !out.status.success() {
            continue; // synth writes some deliberately invalid files
        }
        let document: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_valid(&document, &file.display().to_string());
        checked += 1;
    }
    assert!(checked >= 3, "checked {checked} files");
}

#[test]
fn hostile_free_text_is_folded_into_valid_oscal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.toml");
    std::fs::write(
        &file,
        "framework = \"caf-4.0\"\nprofile = \"baseline\"\n\
         [organisation]\nname = \"x\"\nid = \"x\"\n[scope]\ndate = 2026-02-29\n",
    )
    .unwrap();
    let out = caf()
        .args(["report", file.to_str().unwrap(), "-f", "oscal-ar"])
        .output()
        .unwrap();
    // 2026 has no 29 February: the file is refused, and no document is written.
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    std::fs::write(
        &file,
        concat!(
            "framework = \"caf-4.0\"\nprofile = \"baseline\"\nperiod = \"\\t\"\n",
            "[organisation]\nname = \" Cyngor\\nSir  \"\nid = \"x\"\n",
            "[scope]\nassessor = \"  Zoë \\u202e Ødegård\\n\"\nsystem = \" \"\ndate = 2026-03-01\n",
            "[outcomes.\"A1.a\"]\nselected = [\"A1.a.A.1\"]\n",
            "comment = \"\\n\\n  line one\\r\\nline two  \"\n",
            "evidence = [{ title = \" \\t \", location = \"\\n\" }]\n",
        ),
    )
    .unwrap();
    let out = caf()
        .args(["report", file.to_str().unwrap(), "-f", "oscal-ar"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let document: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&document, "hostile free text");
}

#[test]
fn golden_assessment_results_for_the_v3_2_and_v4_0_examples() {
    for (name, file) in [
        (
            "oscal_ar_caf_3_2",
            "examples/district-council-caf-3.2-baseline.toml",
        ),
        (
            "oscal_ar_caf_4_0",
            "examples/county-council-caf-4.0-partial.toml",
        ),
    ] {
        let output = caf()
            .args(["report", file, "--format", "oscal-ar"])
            .output()
            .unwrap();
        assert!(output.status.success());
        insta::assert_snapshot!(name, stdout_of(&output));
    }
    let output = caf()
        .args([
            "report",
            "examples/fire-rescue-caf-3.2-enhanced.toml",
            "--format",
            "oscal-poam",
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!("oscal_poam_caf_3_2", stdout_of(&output));
}
