//! `caf aggregate` and `caf synth` end to end: a small hand-made population with hand-computed
//! figures, disclosure control, a v3.2→v4.0 trend, invalid inputs, the JSON schema snapshot and
//! generator determinism.

use std::path::{Path, PathBuf};

use caf_core::framework::{Catalog, Level};
use serde_json::Value;

use crate::support::{caf, pdftotext, stderr_of, stdout_of};

/// The statements to select for a status: every achieved or partially-achieved statement, or
/// the first not-achieved one.
pub(crate) fn selection(framework: &str, outcome: &str, status: &str) -> String {
    let catalog = Catalog::shipped();
    let fw = catalog.framework(framework).unwrap();
    let outcome = fw.outcome(outcome).unwrap();
    let refs: Vec<String> = match status {
        "A" => outcome
            .indicators_at(Level::Achieved)
            .map(|i| format!("\"{}\"", i.reference))
            .collect(),
        "PA" => outcome
            .indicators_at(Level::PartiallyAchieved)
            .map(|i| format!("\"{}\"", i.reference))
            .collect(),
        "NA" => outcome
            .indicators_at(Level::NotAchieved)
            .take(1)
            .map(|i| format!("\"{}\"", i.reference))
            .collect(),
        other => panic!("unknown status {other}"),
    };
    format!("[{}]", refs.join(", "))
}

pub(crate) struct Org<'a> {
    pub id: &'a str,
    pub sector: &'a str,
    /// (outcome, status letter, suppliers)
    pub answers: Vec<(&'a str, &'a str, &'a [&'a str])>,
}

pub(crate) fn write_assessment(dir: &Path, framework: &str, period: &str, org: &Org) -> PathBuf {
    let mut text = format!(
        "framework = \"{framework}\"\nprofile = \"baseline\"\nperiod = \"{period}\"\n\n\
         [organisation]\nname = \"Organisation {id}\"\nid = \"{id}\"\nsector = \"{sector}\"\n",
        id = org.id,
        sector = org.sector
    );
    for (outcome, status, suppliers) in &org.answers {
        text.push_str(&format!(
            "\n[outcomes.\"{outcome}\"]\nselected = {}\n",
            selection(framework, outcome, status)
        ));
        if !suppliers.is_empty() {
            let list: Vec<String> = suppliers.iter().map(|s| format!("\"{s}\"")).collect();
            text.push_str(&format!("suppliers = [{}]\n", list.join(", ")));
        }
    }
    let path = dir.join(format!("{}-{}.toml", org.id, period.replace('/', "-")));
    std::fs::write(&path, text).unwrap();
    path
}

const CAPITA: &[&str] = &["Capita plc"];
const CAPITA_2: &[&str] = &["CAPITA", "Smallco Ltd"];
const CAPITA_3: &[&str] = &["  capita  Limited"];
const SMALL: &[&str] = &["SMALLCO LIMITED"];
pub(crate) const NONE: &[&str] = &[];

/// 18 organisations in 2026/27 (caf-4.0, baseline): alpha 5, beta 6, gamma 4, delta 3.
fn hand_population(dir: &Path) {
    let mut orgs = vec![
        Org {
            id: "a1",
            sector: "alpha",
            answers: vec![
                ("A1.a", "A", NONE),
                ("B2.a", "A", NONE),
                ("A4.a", "NA", CAPITA),
            ],
        },
        Org {
            id: "a2",
            sector: "alpha",
            answers: vec![
                ("A1.a", "A", NONE),
                ("B2.a", "PA", NONE),
                ("A4.a", "NA", CAPITA_3),
            ],
        },
        Org {
            id: "a3",
            sector: "alpha",
            answers: vec![
                ("A1.a", "A", NONE),
                ("B2.a", "NA", NONE),
                ("A4.a", "A", CAPITA),
            ],
        },
        Org {
            id: "a4",
            sector: "alpha",
            answers: vec![("A1.a", "NA", SMALL), ("B2.a", "A", NONE)],
        },
        Org {
            id: "a5",
            sector: "alpha",
            answers: vec![("A1.a", "NA", NONE)],
        },
    ];
    for (i, a1a) in ["A", "A", "A", "A", "NA", "NA"].into_iter().enumerate() {
        let id: &'static str = ["b1", "b2", "b3", "b4", "b5", "b6"][i];
        let mut answers = vec![("A1.a", a1a, NONE), ("B2.a", "PA", NONE)];
        if i < 3 {
            answers.push(("A4.a", "A", if i == 1 { CAPITA_2 } else { CAPITA }));
        }
        orgs.push(Org {
            id,
            sector: "beta",
            answers,
        });
    }
    for id in ["g1", "g2", "g3", "g4"] {
        orgs.push(Org {
            id,
            sector: "gamma",
            answers: vec![("A1.a", "NA", NONE), ("B2.a", "A", NONE)],
        });
    }
    for id in ["d1", "d2", "d3"] {
        orgs.push(Org {
            id,
            sector: "delta",
            answers: vec![("A1.a", "A", NONE)],
        });
    }
    for org in &orgs {
        write_assessment(dir, "caf-4.0", "2026/27", org);
    }
}

/// Five organisations (t1 to t5, sector alpha), each assessed under caf-3.2 in 2025/26 and
/// under caf-4.0 in 2026/27 with these (outcome, status letter) answers.
pub(crate) fn write_v3_2_then_v4_0(dir: &Path, before: &[(&str, &str)], after: &[(&str, &str)]) {
    for i in 1..=5 {
        let id = format!("t{i}");
        for (framework, period, answers) in [
            ("caf-3.2", "2025/26", before),
            ("caf-4.0", "2026/27", after),
        ] {
            let org = Org {
                id: &id,
                sector: "alpha",
                answers: answers.iter().map(|&(o, s)| (o, s, NONE)).collect(),
            };
            write_assessment(dir, framework, period, &org);
        }
    }
}

pub(crate) fn aggregate_json(args: &[&str]) -> Value {
    let output = caf()
        .arg("aggregate")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    serde_json::from_str(&stdout_of(&output)).unwrap()
}

pub fn outcome<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("no outcome {id}"))
}

pub fn group<'a>(report: &'a Value, key: &str) -> Option<&'a Value> {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
}

fn counts(o: &Value) -> [u64; 7] {
    [
        "achieved",
        "partially_achieved",
        "not_achieved",
        "not_assessed",
        "with_target",
        "met",
        "below_target",
    ]
    .map(|k| o[k].as_u64().unwrap_or_else(|| panic!("{k} in {o}")))
}

#[test]
fn hand_made_population_gives_hand_computed_figures() {
    let dir = tempfile::tempdir().unwrap();
    hand_population(dir.path());
    let r = aggregate_json(&[dir.path().to_str().unwrap()]);

    assert_eq!(r["schema"], "caf.aggregate/1");
    assert_eq!(r["assessments"], 18);
    assert_eq!(r["coverage"]["organisations"], 18);
    assert_eq!(r["coverage"]["invalid"], 0);
    // (18 + 14 + 6) outcomes assessed of 18 × 41.
    assert_eq!(r["coverage"]["completion"], 5.1);
    assert_eq!(r["framework"]["id"], "caf-4.0");
    assert_eq!(r["periods"], serde_json::json!(["2026/27"]));

    // achieved, partially, not achieved, not assessed, with target, met, below target.
    assert_eq!(
        counts(outcome(&r["outcomes"], "A1.a")),
        [10, 0, 8, 0, 18, 10, 8]
    );
    assert_eq!(
        counts(outcome(&r["outcomes"], "B2.a")),
        [6, 7, 1, 4, 18, 6, 8]
    );
    assert_eq!(
        counts(outcome(&r["outcomes"], "A4.a")),
        [4, 0, 2, 12, 18, 4, 2]
    );
    assert_eq!(
        counts(outcome(&r["outcomes"], "D2.b")),
        [0, 0, 0, 18, 18, 0, 0]
    );
    assert_eq!(outcome(&r["outcomes"], "A1.a")["met_share"], 55.6);

    // Roll-ups: principle A1 has A1.a, A1.b, A1.c; objective A adds A2–A4.
    let a1 = outcome(&r["principles"], "A1");
    assert_eq!(counts(a1), [10, 0, 8, 36, 54, 10, 8]);
    let b = outcome(&r["objectives"], "B");
    assert_eq!(b["achieved"], 6);
    assert_eq!(b["partially_achieved"], 7);

    // Groups: alpha and beta published; gamma (4) and delta (3) merged into "other" (7).
    let alpha = group(&r, "alpha").unwrap();
    assert_eq!(alpha["organisations"], 5);
    assert_eq!(
        counts(outcome(&alpha["outcomes"], "A1.a")),
        [3, 0, 2, 0, 5, 3, 2]
    );
    assert_eq!(
        counts(outcome(&alpha["outcomes"], "B2.a")),
        [2, 1, 1, 1, 5, 2, 2]
    );
    let beta = group(&r, "beta").unwrap();
    assert_eq!(beta["organisations"], 6);
    assert_eq!(
        counts(outcome(&beta["outcomes"], "B2.a")),
        [0, 6, 0, 0, 6, 0, 6]
    );
    let other = group(&r, "other (small groups merged)").unwrap();
    assert_eq!(other["organisations"], 7);
    assert_eq!(other["merged_groups"], 2);
    assert_eq!(other["suppressed"], false);
    assert_eq!(
        counts(outcome(&other["outcomes"], "A1.a")),
        [3, 0, 4, 0, 7, 3, 4]
    );

    // Nobody meets every baseline target: the other outcomes are not assessed.
    let baseline = &r["attainment"]["profiles"][0];
    assert_eq!(baseline["profile"], "baseline");
    assert_eq!(baseline["organisations"], 18);
    assert_eq!(baseline["meeting_all"], 0);
    let distribution: Vec<(u64, u64)> = r["attainment"]["outcomes_met"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["met"].as_u64().unwrap(),
                b["organisations"].as_u64().unwrap(),
            )
        })
        .collect();
    // B2.a's baseline target is Achieved: the beta councils' partial answers no longer meet it.
    assert_eq!(distribution, vec![(0, 3), (1, 10), (2, 5)]);

    // Gaps ranked by organisations below target.
    let gaps: Vec<(String, u64)> = r["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["id"].as_str().unwrap().to_string(),
                g["organisations"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        gaps,
        vec![("A1.a".into(), 8), ("B2.a".into(), 8), ("A4.a".into(), 2)]
    );
    assert_eq!(r["gaps"][0]["share"], 44.4);

    // Capita in three spellings, six organisations, two below target on A4.a; Smallco (two
    // organisations) is under the limit and not listed.
    let sc = &r["supply_chain"];
    assert_eq!(sc["suppliers"], 2);
    assert_eq!(sc["withheld"], 1);
    assert_eq!(sc["concentration"].as_array().unwrap().len(), 1);
    assert_eq!(sc["concentration"][0]["key"], "capita");
    assert_eq!(sc["concentration"][0]["name"], "Capita plc");
    assert_eq!(sc["concentration"][0]["organisations"], 6);
    assert_eq!(sc["concentration"][0]["below_target"], 2);

    // No organisation is named without --identify.
    let text = r.to_string();
    assert!(!text.contains("Organisation "), "{text}");
}

#[test]
fn a_group_of_four_never_appears() {
    let dir = tempfile::tempdir().unwrap();
    hand_population(dir.path());
    let path = dir.path().to_str().unwrap();
    for format in ["json", "csv", "table", "html"] {
        let output = caf()
            .args(["aggregate", path, "--format", format])
            .output()
            .unwrap();
        assert!(output.status.success());
        let text = stdout_of(&output);
        assert!(!text.contains("gamma"), "{format}: {text}");
        assert!(!text.contains("delta"), "{format}: {text}");
        assert!(text.contains("alpha"), "{format}");
    }

    // With only alpha (5) and gamma (4), "other" would be gamma alone, and the total minus alpha
    // would give it away: alpha joins it instead, and nothing smaller than five is published.
    let small = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with('a') || name.starts_with('g') {
            std::fs::copy(&path, small.path().join(name)).unwrap();
        }
    }
    let r = aggregate_json(&[small.path().to_str().unwrap()]);
    let groups = r["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["key"], "other (small groups merged)");
    assert_eq!(groups[0]["organisations"], 9);
    assert!(!r.to_string().contains("gamma"));

    // Fewer than five organisations in all: only coverage is published.
    let tiny = tempfile::tempdir().unwrap();
    for id in ["a1", "a2", "a3", "a4"] {
        let name = format!("{id}-2026-27.toml");
        std::fs::copy(dir.path().join(&name), tiny.path().join(name)).unwrap();
    }
    let r = aggregate_json(&[tiny.path().to_str().unwrap()]);
    assert_eq!(r["disclosure"]["suppressed"], true);
    assert_eq!(r["outcomes"], serde_json::json!([]));
    assert_eq!(r["gaps"], serde_json::json!([]));
    assert!(
        r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["suppressed"] == true && g["outcomes"] == serde_json::json!([]))
    );

    // A lower limit, asked for explicitly, publishes the group of four.
    let r = aggregate_json(&[path, "--min-group-size", "3"]);
    assert_eq!(group(&r, "gamma").unwrap()["organisations"], 4);
}

#[test]
fn identify_names_organisations_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    hand_population(dir.path());
    let r = aggregate_json(&[dir.path().to_str().unwrap(), "--identify"]);
    let named = r["gaps"][0]["named"].as_array().unwrap();
    assert_eq!(named.len(), 8);
    // Each name carries its id: bodies may share a name.
    assert!(named.contains(&Value::from("Organisation a4 (a4)")));
    let capita = &r["supply_chain"]["concentration"][0]["named"];
    assert_eq!(
        capita,
        &serde_json::json!(["Organisation a1 (a1)", "Organisation a2 (a2)"])
    );
}

#[test]
fn trend_across_caf_3_2_and_caf_4_0_goes_through_the_mapping() {
    let dir = tempfile::tempdir().unwrap();
    // 2025/26 under v3.2: A1.a not achieved, Assurance (v3.2 A2.b) achieved, C2.a achieved.
    // 2026/27 under v4.0: A1.a achieved, Assurance (now A2.c) not achieved, C2.a achieved,
    // B2.a partially achieved.
    write_v3_2_then_v4_0(
        dir.path(),
        &[("A1.a", "NA"), ("A2.b", "A"), ("C2.a", "A"), ("B2.a", "NA")],
        &[("A1.a", "A"), ("A2.c", "NA"), ("C2.a", "A"), ("B2.a", "PA")],
    );
    let r = aggregate_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(r["periods"], serde_json::json!(["2026/27"]));
    assert_eq!(r["coverage"]["other_periods"], 5);
    let periods = r["trend"]["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2);
    // v3.2's Assurance is counted under v4.0's A2.c.
    assert_eq!(outcome(&periods[0]["outcomes"], "A2.c")["achieved"], 5);
    // v4.0's A2.b (Understanding Threat) has no v3.2 counterpart.
    assert_eq!(
        outcome(&periods[0]["outcomes"], "A2.b")["not_comparable"],
        5
    );

    let change = &r["trend"]["changes"][0];
    assert_eq!(change["from"], "2025/26");
    assert_eq!(change["to"], "2026/27");
    assert_eq!(change["organisations"], 5);
    // Up on A1.a and B2.a, down on A2.c: each organisation improved on balance.
    assert_eq!(change["improved"], 5);
    assert_eq!(change["regressed"], 0);
    let a1a = outcome(&change["outcomes"], "A1.a");
    assert_eq!(a1a["comparable"], true);
    assert_eq!(a1a["met_change"], 100.0);
    assert_eq!(a1a["improved"], 5);
    let a2c = outcome(&change["outcomes"], "A2.c");
    assert_eq!(a2c["comparable"], true);
    assert_eq!(a2c["regressed"], 5);
    assert_eq!(a2c["met_change"], -100.0);
    // C2.a was redefined: same id, different outcome; never compared.
    let c2a = outcome(&change["outcomes"], "C2.a");
    assert_eq!(c2a["comparable"], false);
    assert_eq!(c2a["met_change"], Value::Null);
    assert_eq!(c2a["improved"], 0);
    assert!(c2a["note"].as_str().unwrap().contains("redefined"), "{c2a}");
    assert_eq!(outcome(&change["outcomes"], "A2.b")["comparable"], false);

    // Expressed in v3.2 instead, the v4.0 assessments come back through the same mapping.
    let r = aggregate_json(&[
        dir.path().to_str().unwrap(),
        "--framework",
        "caf-3.2",
        "--group-by",
        "period",
    ]);
    assert_eq!(r["framework"]["id"], "caf-3.2");
    let latest = group(&r, "2026/27").unwrap();
    assert_eq!(outcome(&latest["outcomes"], "A2.b")["not_achieved"], 5);
    assert_eq!(outcome(&latest["outcomes"], "C2.a")["not_comparable"], 5);
}

#[test]
fn invalid_inputs_are_named_and_skipped_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    hand_population(dir.path());
    std::fs::write(
        dir.path().join("broken-syntax.toml"),
        "framework = \"caf-4.0\"\n[organisation\n",
    )
    .unwrap();
    let unknown = std::fs::read_to_string(dir.path().join("a1-2026-27.toml"))
        .unwrap()
        .replace("[outcomes.\"A1.a\"]", "[outcomes.\"Z9.z\"]")
        .replace("id = \"a1\"", "id = \"zz\"");
    std::fs::write(dir.path().join("unknown-outcome.toml"), unknown).unwrap();
    // Files that are not TOML are not inputs.
    std::fs::write(dir.path().join("notes.txt"), "not an assessment").unwrap();

    let output = caf()
        .args([
            "aggregate",
            dir.path().to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = stderr_of(&output);
    assert!(stderr.contains("2 invalid inputs skipped"), "{stderr}");
    assert!(stderr.contains("broken-syntax.toml"), "{stderr}");
    assert!(stderr.contains("unknown-outcome.toml"), "{stderr}");
    assert!(stderr.contains("error[unknown-outcome]"), "{stderr}");
    let r: Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    assert_eq!(r["coverage"]["inputs"], 20);
    assert_eq!(r["coverage"]["invalid"], 2);
    assert_eq!(r["assessments"], 18);
    let invalid = r["invalid"].as_array().unwrap();
    assert!(
        invalid[0]["input"]
            .as_str()
            .unwrap()
            .ends_with("broken-syntax.toml")
    );
    assert!(invalid[1]["error"].as_str().unwrap().contains("Z9.z"));

    let output = caf()
        .args([
            "aggregate",
            dir.path().to_str().unwrap(),
            "--strict",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout_of(&output).is_empty());
    assert!(stderr_of(&output).contains("unknown-outcome.toml"));

    // A path that does not exist is an I/O failure.
    let output = caf()
        .args(["aggregate", "no/such/folder"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn json_schema_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    hand_population(dir.path());
    let r = aggregate_json(&[dir.path().to_str().unwrap(), "--group-by", "sector"]);
    insta::assert_json_snapshot!("aggregate_hand_population", r);
}

#[test]
fn every_format_renders() {
    let dir = tempfile::tempdir().unwrap();
    hand_population(dir.path());
    let path = dir.path().to_str().unwrap();
    let out = tempfile::tempdir().unwrap();

    let xlsx = out.path().join("agg.xlsx");
    let output = caf()
        .args(["aggregate", path, "--format", "xlsx", "-o"])
        .arg(&xlsx)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let bytes = std::fs::read(&xlsx).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip file");

    let output = caf()
        .args(["aggregate", path, "--format", "xlsx"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));

    let output = caf()
        .args(["aggregate", path, "--format", "html"])
        .output()
        .unwrap();
    let html = stdout_of(&output);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg") && html.contains("<table class=\"heat-map\">"));
    assert!(html.contains("Capita plc"));

    let output = caf()
        .args(["aggregate", path, "--format", "csv"])
        .output()
        .unwrap();
    let csv = stdout_of(&output);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("group,organisations,assessments,id,")
    );
    // all + alpha + beta + other, 41 outcomes each.
    assert_eq!(lines.count(), 4 * 41);
    assert!(csv.contains("all,18,18,A1.a,"));

    let output = caf().args(["aggregate", path]).output().unwrap();
    let table = stdout_of(&output);
    assert!(
        table.contains("18 assessments from 18 organisations"),
        "{table}"
    );
    assert!(table.contains("alpha (5)"), "{table}");
}

fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    crate::support::files_in(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

#[test]
fn synth_is_deterministic_and_its_files_score() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    for (dir, seed) in [(&a, "42"), (&b, "42"), (&c, "43")] {
        let output = caf()
            .args([
                "synth",
                "--orgs",
                "60",
                "--periods",
                "2",
                "--seed",
                seed,
                "-o",
            ])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
    }
    let (fa, fb, fc) = (
        files_under(a.path()),
        files_under(b.path()),
        files_under(c.path()),
    );
    assert_eq!(fa.len(), 120);
    assert!(fa == fb, "same seed, same bytes");
    assert!(fa != fc, "another seed, another population");

    // Every file but the deliberately invalid ones scores; the invalid ones are reported.
    let r = aggregate_json(&[a.path().to_str().unwrap(), "--group-by", "period"]);
    let invalid = r["coverage"]["invalid"].as_u64().unwrap();
    assert!((1..=3).contains(&invalid), "{invalid}");
    assert_eq!(r["coverage"]["inputs"], 120);
    assert_eq!(r["assessments"].as_u64().unwrap() + invalid, 120);
    assert_eq!(r["coverage"]["frameworks"].as_object().unwrap().len(), 2);
    let valid = fa
        .iter()
        .find(|(p, _)| !r["invalid"].to_string().contains(&*p.to_string_lossy()))
        .unwrap();
    let output = caf()
        .arg("score")
        .arg(a.path().join(&valid.0))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
}

#[test]
fn pdf_shows_coverage_outcomes_and_published_groups_and_names_no_one() {
    let dir = tempfile::tempdir().unwrap();
    hand_population(dir.path());
    let path = dir.path().to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let pdf = out.path().join("aggregate.pdf");

    // A binary format needs a file.
    let output = caf()
        .args(["aggregate", path, "--format", "pdf"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));

    let output = caf()
        .args(["aggregate", path, "--format", "pdf", "-o"])
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let text = pdftotext(&pdf);

    // Coverage, as the JSON gives it.
    assert!(
        text.contains("18 in 2026/27 from 18 organisations"),
        "{text}"
    );
    assert!(text.contains("5.1%"), "completion: {text}");
    assert!(text.contains("No published figure describes fewer than 5 organisations"));
    // Outcome ids in the heat-map, and the systemic gaps and suppliers.
    for id in ["A1.a", "B2.a", "D2.b"] {
        assert!(text.contains(id), "{id}: {text}");
    }
    assert!(text.contains("Capita plc"), "{text}");
    // The published groups; the small ones only inside "other".
    for key in ["alpha", "beta", "other (small groups merged)"] {
        assert!(text.contains(key), "{key}: {text}");
    }
    assert!(!text.contains("gamma") && !text.contains("delta"), "{text}");
    // No organisation named without --identify.
    assert!(!text.contains("Organisation a"), "{text}");
    assert!(text.contains("Page 1 of "));

    // Page 1 renders to a real image.
    let prefix = out.path().join("page");
    let output = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm is installed (poppler-utils)");
    assert!(output.status.success());
    crate::support::assert_no_poppler_warnings("pdftoppm", &pdf, &stderr_of(&output));
    let png = std::fs::read(out.path().join("page.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(
        png.len() > 5_000,
        "page 1 is not blank: {} bytes",
        png.len()
    );

    // With --identify, the organisations below target are named.
    let named = out.path().join("named.pdf");
    let output = caf()
        .args(["aggregate", path, "--identify", "--format", "pdf", "-o"])
        .arg(&named)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = pdftotext(&named);
    assert!(text.contains("Organisation a4"), "{text}");
    assert!(text.contains("central unit only"), "{text}");
}

/// Six caf-3.2 baseline organisations (sector alpha) answering every outcome achieved but
/// C2.a (not assessed) and C2.b (not achieved): both targets are "not achieved", which sets no
/// minimum. `n1` is also not achieved on A1.a, below its target.
fn no_minimum_population(dir: &Path) {
    let catalog = Catalog::shipped();
    let fw = catalog.framework("caf-3.2").unwrap();
    for i in 1..=6 {
        let id = format!("n{i}");
        let answers: Vec<(&str, &str, &[&str])> = (fw.outcomes.iter())
            .filter(|o| o.id.as_str() != "C2.a")
            .map(|o| {
                let status = match o.id.as_str() {
                    "C2.b" => "NA",
                    "A1.a" if i == 1 => "NA",
                    _ => "A",
                };
                (o.id.as_str(), status, NONE)
            })
            .collect();
        let org = Org {
            id: &id,
            sector: "alpha",
            answers,
        };
        write_assessment(dir, "caf-3.2", "2026/27", &org);
    }
}

/// Every count and share of targets met at the organisation level leaves out the targets that
/// set no minimum, says so, and keeps the old figures beside the new ones in the JSON.
#[test]
fn organisation_figures_leave_out_targets_with_no_minimum_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    no_minimum_population(dir.path());
    let path = dir.path().to_str().unwrap();
    let catalog = Catalog::shipped();
    let fw = catalog.framework("caf-3.2").unwrap();
    let targets = fw.targets("baseline").unwrap();
    let with_target = targets.iter().filter(|t| t.is_some()).count() as u64;
    let with_minimum = (targets.iter())
        .filter(|t| caf_core::scoring::sets_minimum(**t))
        .count() as u64;
    assert_eq!(
        with_target - with_minimum,
        2,
        "v3.2 baseline: C2.a and C2.b"
    );

    let r = aggregate_json(&[path, "--group-by", "sector"]);
    let baseline = &r["attainment"]["profiles"][0];
    assert_eq!(baseline["profile"], "baseline");
    assert_eq!(baseline["organisations"], 6);
    // Not assessing C2.a used to fail "every target": it has no minimum, so five meet it.
    assert_eq!(baseline["meeting_all"], 0);
    assert_eq!(baseline["meeting_minimum"], 5);
    assert_eq!(baseline["minimum_share"], 83.3);
    assert_eq!(
        baseline["no_minimum"],
        serde_json::json!([{ "framework": "caf-3.2", "version": "3.2", "outcomes": ["C2.a", "C2.b"] }])
    );
    let note = baseline["no_minimum_note"].as_str().unwrap();
    assert!(note.contains("C2.a and C2.b"), "{note}");
    // The histogram: C2.b, judged, met its target; only the old one counts it.
    let buckets = |key: &str| -> Vec<(u64, u64)> {
        (r["attainment"][key].as_array().unwrap().iter())
            .map(|b| {
                (
                    b["met"].as_u64().unwrap(),
                    b["organisations"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        buckets("outcomes_met"),
        [(with_minimum - 1 + 1, 1), (with_minimum + 1, 5)]
    );
    assert_eq!(
        buckets("outcomes_met_minimum"),
        [(with_minimum - 1, 1), (with_minimum, 5)]
    );
    let alpha = group(&r, "alpha").unwrap();
    assert_eq!(alpha["baseline_met_share"], 0.0);
    assert_eq!(alpha["baseline_minimum_share"], 83.3);
    let gap = &r["gaps"][0];
    assert_eq!(
        (gap["id"].as_str(), gap["organisations"].as_u64()),
        (Some("A1.a"), Some(1))
    );
    assert_eq!(gap["minimum_share"], 16.7);

    // The terminal, the HTML and the PDF show the new figures and say what was left out.
    let table = stdout_of(&caf().args(["aggregate", path]).output().unwrap());
    assert!(
        table.contains("Meeting every baseline target that sets a minimum: 5 of 6 organisations (83%). Under the baseline profile of v3.2, C2.a and C2.b have a target of not achieved"),
        "{table}"
    );
    let out = tempfile::tempdir().unwrap();
    let html = out.path().join("a.html");
    let pdf = out.path().join("a.pdf");
    for (format, file) in [("html", &html), ("pdf", &pdf)] {
        crate::support::run_ok(&[
            "aggregate",
            path,
            "--format",
            format,
            "-o",
            file.to_str().unwrap(),
        ]);
    }
    let html = crate::support::read(&html);
    assert!(html.contains("5 of 6 (83.3%)"), "attainment bar");
    assert!(html.contains(note), "attainment note");
    assert!(
        html.contains("<td class=\"n\">83.3%</td>"),
        "group's meeting baseline"
    );
    assert!(html.contains(caf_core::scoring::NO_MINIMUM_LEFT_OUT));
    assert!(html.contains(&format!("{} met, 5 organisations", with_minimum)));
    let text = pdftotext(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("5 of 6 (83.3%)"), "{text}");
    assert!(
        text.contains("C2.a and C2.b have a target of not achieved"),
        "{text}"
    );
    assert!(
        text.contains(caf_core::scoring::NO_MINIMUM_LEFT_OUT),
        "{text}"
    );

    // One organisation's score says the same of its own targets.
    let file = dir.path().join("n2-2026-27.toml");
    let score = stdout_of(&caf().arg("score").arg(&file).output().unwrap());
    assert!(
        score.contains(&format!(
            "Targets met: {with_minimum} of {with_minimum} (2 more with no minimum)"
        )),
        "{score}"
    );
}

/// A spreadsheet's sheet as rows of cells, strings as they are, numbers and booleans written out.
fn sheet_rows(path: &Path, name: &str) -> Vec<Vec<String>> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Bool(b) => b.to_string(),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The cell of `row` under the header `column` of a table whose first row is its header.
fn cell<'a>(rows: &'a [Vec<String>], key: (&str, &str), column: &str) -> &'a str {
    let header = &rows[0];
    let at = |name: &str| {
        (header.iter().position(|h| h == name)).unwrap_or_else(|| panic!("no {name}: {header:?}"))
    };
    let (key_column, key_value) = key;
    let row = (rows.iter())
        .find(|r| r[at(key_column)] == key_value)
        .unwrap_or_else(|| panic!("no row with {key_column} {key_value}"));
    &row[at(column)]
}

/// Where a spreadsheet shows `met`, a `no_minimum` flag tells a target no one can miss from
/// one that was met: the CSVs of the score, the report and the aggregate, and both workbooks.
#[test]
fn csv_and_workbooks_flag_targets_with_no_minimum_beside_met() {
    let dir = tempfile::tempdir().unwrap();
    no_minimum_population(dir.path());
    let path = dir.path().to_str().unwrap();
    let file = dir.path().join("n2-2026-27.toml");
    let file = file.to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let csv = |args: &[&str]| {
        crate::support::csv_rows(&stdout_of(&crate::support::run_ok(args)))
            .into_iter()
            .map(|r| {
                r.iter()
                    .map(|c| caf_render::csv::untext(c).to_string())
                    .collect()
            })
            .collect::<Vec<Vec<String>>>()
    };

    for rows in [
        csv(&["score", file, "--format", "csv"]),
        csv(&["report", file, "--format", "csv"]),
    ] {
        // C2.b is judged not achieved and "meets" its target of not achieved.
        assert_eq!(cell(&rows, ("id", "C2.b"), "met"), "true");
        assert_eq!(cell(&rows, ("id", "C2.b"), "no_minimum"), "true");
        assert_eq!(cell(&rows, ("id", "C2.a"), "no_minimum"), "true");
        assert_eq!(cell(&rows, ("id", "A1.a"), "met"), "true");
        assert_eq!(cell(&rows, ("id", "A1.a"), "no_minimum"), "false");
    }

    let rows = csv(&["aggregate", path, "--format", "csv"]);
    assert_eq!(
        rows[0][rows[0].len() - 3..],
        ["with_minimum", "met_minimum", "no_minimum"],
        "appended at the end"
    );
    let all_c2b = |column: &str| cell(&rows, ("id", "C2.b"), column).to_string();
    assert_eq!(all_c2b("group"), "all");
    assert_eq!(
        [
            all_c2b("with_target"),
            all_c2b("met"),
            all_c2b("met_minimum")
        ],
        ["6", "6", "0"]
    );
    assert_eq!(
        (all_c2b("with_minimum"), all_c2b("no_minimum")),
        ("0".into(), "true".into())
    );
    assert_eq!(all_c2b("met_share"), "");
    assert_eq!(cell(&rows, ("id", "A1.a"), "met_share"), "83.3");
    assert_eq!(cell(&rows, ("id", "A1.a"), "no_minimum"), "false");

    let book = out.path().join("aggregate.xlsx");
    crate::support::run_ok(&[
        "aggregate",
        path,
        "--format",
        "xlsx",
        "-o",
        book.to_str().unwrap(),
    ]);
    for sheet in ["Outcomes", "Groups"] {
        let rows = sheet_rows(&book, sheet);
        assert_eq!(cell(&rows, ("id", "C2.b"), "no_minimum"), "true", "{sheet}");
        assert_eq!(cell(&rows, ("id", "C2.b"), "met"), "6", "{sheet}");
        assert_eq!(cell(&rows, ("id", "C2.b"), "met_share"), "", "{sheet}");
        assert_eq!(cell(&rows, ("id", "A1.a"), "met_share"), "83.3", "{sheet}");
        // The overrides count is its own column again (met_share once overwrote it).
        assert_eq!(cell(&rows, ("id", "A1.a"), "overridden"), "0", "{sheet}");
        assert_eq!(
            cell(&rows, ("id", "A1.a"), "no_minimum"),
            "false",
            "{sheet}"
        );
    }

    let book = out.path().join("report.xlsx");
    crate::support::run_ok(&[
        "report",
        file,
        "--format",
        "xlsx",
        "-o",
        book.to_str().unwrap(),
    ]);
    let rows = sheet_rows(&book, "Outcomes");
    assert_eq!(cell(&rows, ("Outcome", "C2.b"), "Met"), "Yes");
    assert_eq!(cell(&rows, ("Outcome", "C2.b"), "No minimum"), "Yes");
    assert_eq!(cell(&rows, ("Outcome", "A1.a"), "No minimum"), "No");
    let summary = sheet_rows(&book, "Summary");
    let meeting = (summary.iter())
        .find(|r| r[0] == "Meeting target")
        .expect("a Meeting target line");
    assert!(
        meeting[1].ends_with("(2 more with no minimum)"),
        "{meeting:?}"
    );
}
