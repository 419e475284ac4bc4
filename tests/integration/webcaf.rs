//! WebCAF in and out: `caf import webcaf` on hand-written fixtures covering every numbering
//! anomaly of WebCAF's v4.0 data (tests/fixtures/webcaf/), on data generated from WebCAF's own
//! framework files (the vendored facts in tests/fixtures/reference/), and round trips
//! caf -> webcaf-json -> caf that must give the same scores.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::support::{caf, examples, files_in, path, read, scorecard, stderr_of, stdout_of};

/// Imports `file` into `out`, returning stderr (the warnings).
fn import(file: &Path, out: &Path, extra: &[&str]) -> String {
    let output = caf()
        .args(["import", "webcaf"])
        .arg(file)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    stderr_of(&output)
}

fn selected(toml_text: &str) -> BTreeMap<String, Vec<String>> {
    let doc: toml::Table = toml::from_str(toml_text).unwrap();
    doc["outcomes"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(id, answer)| {
            let refs = answer["selected"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect();
            (id.clone(), refs)
        })
        .collect()
}

/// `(outcome, status, computed status, met)` for every outcome, as `caf score` gives them.
fn scores(file: &Path) -> Vec<(String, String, String, Value)> {
    scorecard(file)["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
                o["computed_status"].as_str().unwrap().to_string(),
                o["met"].clone(),
            )
        })
        .collect()
}

#[test]
fn every_v4_0_numbering_anomaly_maps_to_the_right_statement() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("imported.toml");
    let warnings = import(
        &path("tests/fixtures/webcaf/caf-4.0-anomalies.json"),
        &out,
        &["--framework", "caf-4.0"],
    );
    let text = read(&out);
    let selected = selected(&text);
    let refs = |id: &str| selected[id].iter().map(String::as_str).collect::<Vec<_>>();
    // A4.a repeats 11: the partially-achieved 11 is PA.7, the achieved 11 is A.1 (false here),
    // and achieved 12 is A.2.
    assert_eq!(refs("A4.a"), ["A4.a.PA.7", "A4.a.A.2"]);
    // C1.c has no 6: not-achieved 7 is NA.6, and 8 the first partially-achieved statement.
    assert_eq!(refs("C1.c"), ["C1.c.NA.6", "C1.c.PA.1"]);
    // C1.d has 14 before 13: 14 is A.3.
    assert_eq!(refs("C1.d"), ["C1.d.A.3"]);
    // C1.f puts 12 after 16: 12 is A.5 and 13 is A.1.
    assert_eq!(refs("C1.f"), ["C1.f.A.1", "C1.f.A.5"]);
    // B1.b: WebCAF lacks the sixth not-achieved statement, so its 6 is PA.1 and 10 is A.1.
    assert_eq!(refs("B1.b"), ["B1.b.PA.1", "B1.b.A.1"]);

    // The outcome summary and statement comments come across; unconfirmed outcomes are marked.
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let answer = |id: &str| doc["outcomes"][id].as_table().unwrap().clone();
    let a1a = answer("A1.a")["comment"].as_str().unwrap().to_string();
    assert!(a1a.contains("Board minutes record the direction."));
    assert!(a1a.contains("A1.a.A.2: Only the first two achieved statements"));
    assert!(answer("B1.b")["needs_review"].as_bool().unwrap());
    assert!(!answer("A4.a").contains_key("needs_review"));

    // WebCAF's "keys present" rule judges A1.a (2 of 6 achieved keys, both true) and A4.a
    // (its one partially-achieved key true) better than the statements do: both are warned
    // about, located at the outcome.
    assert!(
        warnings.contains("caf-4.0-anomalies.json:2:3: warning[webcaf-scores-differently]: A1.a")
    );
    assert!(warnings.contains("A4.a: WebCAF's rule"));
    assert!(warnings.contains("gives Partially achieved"));
    assert_eq!(warnings.matches("warning[").count(), 2, "{warnings}");
    let scored = scores(&out);
    let a4a = scored.iter().find(|s| s.0 == "A4.a").unwrap();
    assert_eq!(a4a.1, "not-achieved");
}

/// One WebCAF statement id of the vendored facts, with the reference it must map to.
struct Fact {
    outcome: String,
    key: String,
    reference: String,
}

/// Every statement of WebCAF's framework file for `version`, with the reference its position
/// within its level gives (the facts' own `index` is defective in three v4.0 outcomes).
fn facts(version: &str) -> Vec<Fact> {
    let text = read(&path(&format!(
        "tests/fixtures/reference/webcaf-caf-{version}.toml"
    )));
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let mut facts = Vec::new();
    for outcome in doc["outcomes"].as_array().unwrap() {
        let id = outcome["id"].as_str().unwrap();
        let mut per_level: BTreeMap<String, usize> = BTreeMap::new();
        for igp in outcome["igps"].as_array().unwrap() {
            let level = igp["level"].as_str().unwrap().to_string();
            let n = per_level.entry(level.clone()).or_default();
            *n += 1;
            let code = match level.as_str() {
                "not-achieved" => "NA",
                "partially-achieved" => "PA",
                _ => "A",
            };
            facts.push(Fact {
                outcome: id.to_string(),
                key: format!("{level}_{}", igp["id"].as_str().unwrap()),
                reference: format!("{id}.{code}.{n}"),
            });
        }
    }
    facts
}

#[test]
fn every_webcaf_statement_id_of_both_versions_maps_as_webcafs_own_file_numbers_it() {
    let dir = tempfile::tempdir().unwrap();
    for version in ["3.2", "4.0"] {
        let facts = facts(version);
        assert!(facts.len() > 400, "{version}: {} statements", facts.len());
        // Every other statement ticked, the rest present and false: every key is exercised
        // and both values are read.
        let mut data = serde_json::Map::new();
        for (i, fact) in facts.iter().enumerate() {
            let section = data
                .entry(fact.outcome.clone())
                .or_insert_with(|| json!({ "indicators": {}, "confirmation": {} }));
            section["indicators"][&fact.key] = Value::Bool(i % 2 == 0);
        }
        let file = dir.path().join(format!("all-{version}.json"));
        std::fs::write(&file, serde_json::to_string_pretty(&data).unwrap()).unwrap();
        let out = dir.path().join(format!("all-{version}.toml"));
        let framework = format!("caf-{version}");
        import(&file, &out, &["--framework", &framework]);
        let selected = selected(&read(&out));
        let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, fact) in facts.iter().enumerate() {
            let refs = expected.entry(fact.outcome.clone()).or_default();
            if i % 2 == 0 {
                refs.push(fact.reference.clone());
            }
        }
        for (outcome, mut refs) in expected {
            let mut got = selected[&outcome].clone();
            refs.sort();
            got.sort();
            assert_eq!(got, refs, "{version} {outcome}");
        }
    }
}

#[test]
fn the_analytics_export_carries_profile_period_date_organisation_and_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("imported.toml");
    let warnings = import(
        &path("tests/fixtures/webcaf/caf-3.2-analytics.json"),
        &out,
        &["--organisation", "Ministry of Examples"],
    );
    let doc: toml::Table = toml::from_str(&read(&out)).unwrap();
    assert_eq!(doc["framework"].as_str(), Some("caf-3.2"));
    assert_eq!(doc["profile"].as_str(), Some("baseline"));
    assert_eq!(doc["period"].as_str(), Some("2024/25"));
    assert_eq!(doc["organisation"]["id"].as_str(), Some("42"));
    assert_eq!(
        doc["organisation"]["name"].as_str(),
        Some("Ministry of Examples")
    );
    assert_eq!(doc["scope"]["date"].to_string(), "2025-03-01");
    let a1a = doc["outcomes"]["A1.a"]["comment"].as_str().unwrap();
    assert!(a1a.contains("The board owns cyber risk") && a1a.contains("A1.a.A.1: Minutes, item 4"));
    // B2.a states Achieved with one of its partially-achieved statements: the file keeps the
    // statement, and the warning points at the outcome in the JSON.
    assert!(
        warnings.contains(
            "caf-3.2-analytics.json:27:21: warning[webcaf-scores-differently]: B2.a: the export states Achieved"
        ),
        "{warnings}"
    );
    let scored = scores(&out);
    let status = |id: &str| scored.iter().find(|s| s.0 == id).unwrap().1.clone();
    assert_eq!(status("A1.a"), "achieved");
    assert_eq!(status("B2.a"), "not-achieved");
}

#[test]
fn bad_input_is_refused_with_every_problem_located_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.toml");
    std::fs::write(&out, "# an earlier file the import must not touch\n").unwrap();
    let run = |file: &str, extra: &[&str]| {
        caf()
            .args(["import", "webcaf"])
            .arg(path(file))
            .arg("-o")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let output = run(
        "tests/fixtures/webcaf/invalid-keys.json",
        &["--framework", "caf-4.0"],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    for expected in [
        "invalid-keys.json:4:7: error[invalid-webcaf-assessment]: A1.a: WebCAF's data for caf-4.0 has no statement `achieved_A1.a.99`",
        "invalid-keys.json:5:7: error[invalid-webcaf-assessment]: A1.a: `achieved_A1.a.5` must be true or false",
        "invalid-keys.json:6:7: error[invalid-webcaf-assessment]: A1.a: WebCAF's data for caf-4.0 has no statement `achievd_A1.a.6`",
        "invalid-keys.json:9:3: error[invalid-webcaf-assessment]: caf-4.0 has no outcome Z9.z",
        // WebCAF's v4.0 data has no C1.c.6 at any level.
        "invalid-keys.json:14:7: error[invalid-webcaf-assessment]: C1.c: WebCAF's data for caf-4.0 has no statement `not-achieved_C1.c.6`",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in\n{stderr}"
        );
    }
    let output = run(
        "tests/fixtures/webcaf/syntax-error.json",
        &["--framework", "caf-4.0"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("syntax-error.json:5:5: error[json-syntax]"));
    // Raw assessments_data does not say its version.
    let output = run("tests/fixtures/webcaf/caf-4.0-anomalies.json", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("give --framework"));
    let output = run(
        "tests/fixtures/webcaf/caf-4.0-anomalies.json",
        &["--framework", "caf-9"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        read(&out),
        "# an earlier file the import must not touch\n",
        "no failed import writes"
    );
}

/// caf -> webcaf-json -> caf gives the same status, computed status and target verdict for
/// every outcome of `file`.
fn assert_round_trip(file: &Path, dir: &Path) {
    let json = dir.join("export.json");
    let output = caf()
        .args(["report", "--format", "webcaf-json", "-o"])
        .arg(&json)
        .arg(file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let back = dir.join("back.toml");
    let warnings = import(&json, &back, &[]);
    assert!(
        !warnings.contains("warning["),
        "{}: {warnings}",
        file.display()
    );
    assert_eq!(scores(file), scores(&back), "{}", file.display());
}

#[test]
fn round_trips_through_webcaf_json_keep_every_score() {
    let dir = tempfile::tempdir().unwrap();
    for file in examples() {
        assert_round_trip(&file, dir.path());
    }
    let population = tempfile::tempdir().unwrap();
    let output = caf()
        .args([
            "synth",
            "--orgs",
            "8",
            "--periods",
            "2",
            "--seed",
            "5",
            "-o",
        ])
        .arg(population.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let mut checked = 0;
    for file in files_in(population.path()) {
        let valid = file.extension().is_some_and(|e| e == "toml")
            && caf()
                .arg("score")
                .arg(&file)
                .output()
                .unwrap()
                .status
                .code()
                != Some(2);
        if valid {
            assert_round_trip(&file, dir.path());
            checked += 1;
        }
    }
    assert!(checked >= 8, "checked {checked} synthetic files");
}

#[test]
fn golden_webcaf_json_of_the_v4_0_example_and_import_of_the_anomalies() {
    let output = caf()
        .args([
            "report",
            "examples/county-council-caf-4.0-partial.toml",
            "--format",
            "webcaf-json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = stdout_of(&output);
    let export: Value = serde_json::from_str(&text).unwrap();
    // The statement WebCAF lacks keeps this project's reference.
    let a4a = export["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["outcome_id"] == "A4.a")
        .unwrap();
    let ids: Vec<&str> = a4a["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["indicator_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.iter().filter(|i| **i == "A4.a.11").count(), 2);
    assert!(ids.contains(&"A4.a.A.10"));
    insta::assert_snapshot!("webcaf_json_caf_4_0", text);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("imported.toml");
    import(
        &path("tests/fixtures/webcaf/caf-4.0-anomalies.json"),
        &out,
        &["--framework", "caf-4.0"],
    );
    insta::assert_snapshot!("webcaf_import_anomalies", read(&out));
}

#[test]
fn hostile_files_are_refused_without_a_panic_or_an_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.toml");
    let analytics = read(&path("tests/fixtures/webcaf/caf-3.2-analytics.json"));
    let mut twice: Value = serde_json::from_str(&analytics).unwrap();
    let first = twice["outcomes"][0].clone();
    twice["outcomes"].as_array_mut().unwrap().push(first);
    let mut unjustified: Value = serde_json::from_str(&analytics).unwrap();
    unjustified["outcomes"][0]["caf_override"] =
        json!({ "status": "not-assessed", "justification": " " });
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "invalid-utf8.json",
            b"{\"A1.a\": \"\xff\xfe\"}".to_vec(),
            "UTF-8",
        ),
        (
            "deep.json",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            "recursion limit",
        ),
        ("array.json", b"[1, 2, 3]".to_vec(), "not a JSON object"),
        ("empty.json", Vec::new(), "json-syntax"),
        (
            "twice.json",
            serde_json::to_vec_pretty(&twice).unwrap(),
            "outcome A1.a is listed twice",
        ),
        (
            "unjustified.json",
            serde_json::to_vec_pretty(&unjustified).unwrap(),
            "`caf_override` needs a status",
        ),
        (
            "wrong-type.json",
            analytics
                .replace("\"outcome_id\": \"B2.a\"", "\"outcome_id\": 12")
                .into_bytes(),
            "json-syntax",
        ),
        (
            "huge.json",
            vec![b' '; 16 * 1024 * 1024 + 1],
            "larger than 16 MiB",
        ),
    ];
    for (name, bytes, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let output = caf()
            .args(["import", "webcaf", "--framework", "caf-3.2"])
            .arg(&file)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(!out.exists(), "{name} wrote a file");
    }
}
