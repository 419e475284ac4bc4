//! Honest overrides and unreviewed answers: an impossible override is refused with its
//! location, a redundant one warned about; every output shows overrides (computed status,
//! overriding status, justification); `--computed` scores without them; aggregates count
//! overrides and unreviewed answers per outcome and organisation, and the trend says whether a
//! met verdict changed by answer or by method.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::aggregate::{
    NONE, Org, aggregate_json, outcome, selection, write_assessment, write_v3_2_then_v4_0,
};
use crate::support::{caf, csv_rows, pdftotext, stderr_of, stdout_of};

/// Writes `name` with a caf-4.0 baseline header and `body` (the outcome tables).
fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    let text = format!(
        "framework = \"caf-4.0\"\nprofile = \"baseline\"\nperiod = \"2026/27\"\n\n\
         [organisation]\nname = \"Override Council\"\nid = \"E99000001\"\n{body}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// B2.a: partially achieved by its statements, achieved by override (meets its target only by
/// the override). B4.a: achieved by its statements, not achieved by override (below target,
/// so in the plan). A1.a: achieved, no override.
fn overridden(dir: &Path) -> PathBuf {
    let body = format!(
        "\n[outcomes.\"A1.a\"]\nselected = {}\n\
         \n[outcomes.\"B2.a\"]\nselected = {}\n\
         override = {{ status = \"achieved\", justification = \"J-B2A: the access review of June covers it\" }}\n\
         \n[outcomes.\"B4.a\"]\nselected = {}\n\
         override = {{ status = \"not-achieved\", justification = \"J-B4A: the design review found gaps\" }}\n",
        selection("caf-4.0", "A1.a", "A"),
        selection("caf-4.0", "B2.a", "PA"),
        selection("caf-4.0", "B4.a", "A"),
    );
    write(dir, "overridden.toml", &body)
}

fn run(args: &[&str]) -> std::process::Output {
    caf().args(args).output().unwrap()
}

fn file_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn an_impossible_override_is_refused_at_its_status() {
    let dir = tempfile::tempdir().unwrap();
    // v4.0 A1.c has no partially-achieved statements.
    let body = format!(
        "\n[outcomes.\"A1.c\"]\nselected = {}\noverride = {{ status = \"partially-achieved\", justification = \"Half done.\" }}\n",
        selection("caf-4.0", "A1.c", "A")
    );
    let file = write(dir.path(), "impossible.toml", &body);
    let line = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("override"))
        .unwrap()
        + 1;
    for verb in ["check", "score", "report"] {
        let mut args = vec![verb, file_arg(&file)];
        if verb == "report" {
            args.extend(["--format", "md"]);
        }
        let output = run(&args);
        assert_eq!(output.status.code(), Some(2), "{verb}");
        let stderr = stderr_of(&output);
        let expected = format!(
            "{}:{line}:23: error[impossible-override]: outcome A1.c cannot be partially achieved",
            file.display()
        );
        assert!(stderr.starts_with(&expected), "{verb}: {stderr}");
        assert!(stdout_of(&output).is_empty(), "{verb}");
    }
    // The same override on an outcome that has partially-achieved statements is accepted.
    let body = format!(
        "\n[outcomes.\"B2.a\"]\nselected = {}\noverride = {{ status = \"partially-achieved\", justification = \"Half done.\" }}\n",
        selection("caf-4.0", "B2.a", "NA")
    );
    let file = write(dir.path(), "possible.toml", &body);
    let output = run(&["score", file_arg(&file)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
}

#[test]
fn a_redundant_override_is_a_located_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "\n[outcomes.\"A1.a\"]\nselected = {}\noverride = {{ status = \"achieved\", justification = \"Achieved.\" }}\n",
        selection("caf-4.0", "A1.a", "A")
    );
    let file = write(dir.path(), "redundant.toml", &body);
    let output = run(&["score", file_arg(&file), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with(&format!(
            "{}:11:23: warning[redundant-override]: the override of A1.a changes nothing",
            file.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("error["), "{stderr}");
    // Stdout is the scorecard alone: the warning does not corrupt the JSON.
    let card: Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    assert_eq!(card["summary"]["overridden"], 1);
}

#[test]
fn overrides_show_in_every_text_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = overridden(dir.path());
    let f = file_arg(&file);

    let md = stdout_of(&run(&["report", f, "--format", "md"]));
    assert!(md.contains("| Overridden | 2 outcomes |"), "{md}");
    assert!(md.contains("### Overrides"), "{md}");
    let row = md
        .lines()
        .find(|l| l.starts_with("| **B2.a**") && l.contains("J-B2A"))
        .unwrap_or_else(|| panic!("no B2.a override row:\n{md}"));
    assert!(
        row.ends_with(
            "| Partially achieved | Achieved | J-B2A: the access review of June covers it |"
        ),
        "{row}"
    );
    assert!(md.contains("B2.a A*"), "heat map marks the override:\n{md}");
    assert!(md.contains("B4.a NA*"), "{md}");
    // B4.a is below target only by the override, and the plan says so.
    let plan_row = md
        .lines()
        .find(|l| l.starts_with("| **B4.a**") && l.contains("by override"))
        .unwrap_or_else(|| panic!("no B4.a plan row:\n{md}"));
    assert!(
        plan_row.contains(
            "Not achieved by override; the statements give achieved. Justification: J-B4A"
        ),
        "{plan_row}"
    );

    let html = stdout_of(&run(&["report", f, "--format", "html"]));
    assert!(html.contains("<h3>Overrides</h3>"), "{html}");
    assert!(html.contains("J-B2A: the access review of June covers it"));
    assert!(html.contains("B2.a A*"), "heat-map cell");

    // The report CSV: overridden and justification columns.
    let csv = stdout_of(&run(&["report", f, "--format", "csv"]));
    let rows = csv_rows(&csv);
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let b2a = rows.iter().find(|r| r[col("id")] == "B2.a").unwrap();
    assert_eq!(b2a[col("overridden")], "true");
    assert_eq!(b2a[col("status")], "achieved");
    assert_eq!(b2a[col("computed_status")], "partially-achieved");
    assert!(b2a[col("justification")].starts_with("J-B2A"));

    // The score CSV gains the justification (then no_minimum was appended after it).
    let csv = stdout_of(&run(&["score", f, "--format", "csv"]));
    let rows = csv_rows(&csv);
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    assert_eq!(col("justification"), rows[0].len() - 2);
    let b4a = rows.iter().find(|r| r[0] == "B4.a").unwrap();
    assert_eq!(
        (b4a[4].as_str(), b4a[5].as_str()),
        ("not-achieved", "achieved")
    );
    assert!(b4a[col("justification")].starts_with("J-B4A"));
    let a1a = rows.iter().find(|r| r[0] == "A1.a").unwrap();
    assert_eq!(a1a[col("justification")], "");

    // `caf check` lists them.
    let output = run(&["check", f]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout_of(&output);
    assert!(text.contains("2 overrides:"), "{text}");
    assert!(
        text.contains(
            ": Achieved by override, computed partially achieved\n    Justification: J-B2A"
        ),
        "{text}"
    );
    assert!(text.contains(". 2 overridden."), "{text}");
}

#[test]
fn overrides_show_in_the_pdf_and_the_workbook() {
    use calamine::{Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let file = overridden(dir.path());
    let out = dir.path().join("r.pdf");
    let output = run(&[
        "report",
        file_arg(&file),
        "--format",
        "pdf",
        "-o",
        file_arg(&out),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = pdftotext(&out);
    assert!(text.contains("Overrides"), "{text}");
    assert!(
        text.contains("J-B2A: the access review of June covers it"),
        "{text}"
    );
    assert!(text.contains("B2.a A*"), "heat map:\n{text}");
    assert!(
        text.contains("Not achieved by override; the statements give achieved."),
        "plan:\n{text}"
    );

    let out = dir.path().join("r.xlsx");
    let output = run(&[
        "report",
        file_arg(&file),
        "--format",
        "xlsx",
        "-o",
        file_arg(&out),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let mut book: Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let summary = book.worksheet_range("Summary").unwrap();
    let row = summary
        .rows()
        .find(|r| r[0].to_string().starts_with("B2.a "))
        .expect("an override row in the summary");
    assert!(row[1].to_string().starts_with("J-B2A"));
    assert_eq!(row[2].to_string(), "Partially achieved");
    assert_eq!(row[3].to_string(), "Achieved");
    let plan = book.worksheet_range("Improvement plan").unwrap();
    let row = plan
        .rows()
        .find(|r| r[0] == "B4.a")
        .expect("B4.a in the plan");
    assert!(row[7].to_string().contains("J-B4A"), "{row:?}");
}

#[test]
fn computed_scores_targets_without_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let file = overridden(dir.path());
    let f = file_arg(&file);
    let score = |extra: &[&str]| -> Value {
        let output = run(&[&["score", f, "--format", "json"], extra].concat());
        assert!(output.status.success(), "{}", stderr_of(&output));
        serde_json::from_str(&stdout_of(&output)).unwrap()
    };
    let with = score(&[]);
    let without = score(&["--computed"]);
    let find = |card: &Value, id: &str| outcome(&card["outcomes"], id).clone();
    assert_eq!(with["computed_only"], false);
    assert_eq!(without["computed_only"], true);
    assert_eq!(find(&with, "B2.a")["met"], true);
    assert_eq!(find(&without, "B2.a")["met"], false);
    assert_eq!(find(&with, "B4.a")["met"], false);
    assert_eq!(find(&without, "B4.a")["met"], true);
    // Shown, not counted.
    assert_eq!(find(&without, "B2.a")["overridden"], true);
    assert_eq!(find(&without, "B2.a")["override_status"], "achieved");
    assert_eq!(
        with["summary"]["met"].as_u64(),
        without["summary"]["met"].as_u64()
    );
    let gaps = |card: &Value| -> Vec<String> {
        card["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(gaps(&with).contains(&"B4.a".to_string()));
    assert!(gaps(&without).contains(&"B2.a".to_string()));
    assert!(!gaps(&without).contains(&"B4.a".to_string()));

    let text = stdout_of(&run(&["check", f, "--computed"]));
    assert!(
        text.contains("2 overrides; not counted: scored on computed statuses:"),
        "{text}"
    );
    let md = stdout_of(&run(&["report", f, "--format", "md", "--computed"]));
    assert!(md.contains("targets scored on computed statuses"), "{md}");
    assert!(md.contains("| Achieved (not counted) |"), "{md}");
}

/// Adds `line` to the table of `outcome` in an assessment file.
fn mark(path: &Path, outcome: &str, line: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let header = format!("[outcomes.\"{outcome}\"]\n");
    assert!(text.contains(&header), "{outcome} in {}", path.display());
    std::fs::write(path, text.replace(&header, &format!("{header}{line}\n"))).unwrap();
}

const JUSTIFIED: &str =
    "override = { status = \"achieved\", justification = \"Seen in the audit.\" }";

#[test]
fn aggregates_count_overrides_and_unreviewed_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for id in ["o1", "o2", "o3", "o4", "o5"] {
        files.push(write_assessment(
            dir.path(),
            "caf-4.0",
            "2026/27",
            &Org {
                id,
                sector: "alpha",
                answers: vec![("A1.a", "NA", NONE), ("B2.a", "PA", NONE)],
            },
        ));
    }
    mark(&files[0], "A1.a", JUSTIFIED);
    mark(&files[1], "A1.a", JUSTIFIED);
    mark(&files[1], "B2.a", "needs_review = true");
    mark(&files[2], "B2.a", "needs_review = true");
    mark(&files[2], "A1.a", "needs_review = true");
    let r = aggregate_json(&[dir.path().to_str().unwrap()]);
    let a1a = outcome(&r["outcomes"], "A1.a");
    assert_eq!(
        (a1a["overridden"].as_u64(), a1a["unreviewed"].as_u64()),
        (Some(2), Some(1))
    );
    // The overrides count for targets: two of five meet A1.a's.
    assert_eq!(a1a["met"], 2);
    let b2a = outcome(&r["outcomes"], "B2.a");
    assert_eq!(
        (b2a["overridden"].as_u64(), b2a["unreviewed"].as_u64()),
        (Some(0), Some(2))
    );
    let c = &r["coverage"];
    assert_eq!(c["unreviewed_outcomes"], 3);
    assert_eq!(c["organisations_with_unreviewed"], 2);
    assert_eq!(c["overridden_outcomes"], 2);
    assert_eq!(c["organisations_with_overrides"], 2);
    let group = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "alpha")
        .unwrap();
    assert_eq!(outcome(&group["outcomes"], "B2.a")["unreviewed"], 2);

    let csv = stdout_of(&run(&[
        "aggregate",
        dir.path().to_str().unwrap(),
        "--format",
        "csv",
    ]));
    let rows = csv_rows(&csv);
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let all_a1a = rows
        .iter()
        .find(|r| r[0] == "all" && r[col("id")] == "A1.a")
        .unwrap();
    assert_eq!(
        (
            all_a1a[col("overridden")].as_str(),
            all_a1a[col("unreviewed")].as_str()
        ),
        ("2", "1")
    );
    let html = stdout_of(&run(&[
        "aggregate",
        dir.path().to_str().unwrap(),
        "--format",
        "html",
    ]));
    assert!(
        html.contains("3 outcome answers from 2 organisations were carried from an earlier period"),
        "{html}"
    );

    let pdf = dir.path().join("aggregate.pdf");
    let output = run(&[
        "aggregate",
        dir.path().to_str().unwrap(),
        "--format",
        "pdf",
        "-o",
        file_arg(&pdf),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = pdftotext(&pdf);
    assert!(
        text.contains("Overrides and unreviewed answers, per outcome"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("A1.a ") && l.contains("Board"))
        .unwrap_or_else(|| panic!("no A1.a row:\n{text}"));
    let numbers: Vec<&str> = line.split_whitespace().rev().take(2).collect();
    assert_eq!(numbers, ["1", "2"], "{line}");
    std::fs::remove_file(&pdf).unwrap();

    // Published figures protect these counts like every other: organisation counts perturbed
    // by their cell keys, no count of outcome slots at all.
    let keys = tempfile::tempdir().unwrap();
    let key = write(
        keys.path(),
        "publication.key",
        "a secret the central unit keeps\n",
    );
    let published = aggregate_json(&[dir.path().to_str().unwrap(), "--publish", file_arg(&key)]);
    assert_eq!(published["disclosure"]["published"], true, "{published}");
    let a1a = outcome(&published["outcomes"], "A1.a");
    assert_ne!(a1a["withheld"], true);
    for (field, exact) in [("overridden", 2), ("unreviewed", 1)] {
        let n = a1a[field]
            .as_u64()
            .unwrap_or_else(|| panic!("{field} in {a1a}"));
        assert!(n.abs_diff(exact) <= 2 && n <= 5, "{field}: {n}");
    }
    let c = &published["coverage"];
    assert_eq!(c["overridden_outcomes"], Value::Null);
    assert_eq!(c["unreviewed_outcomes"], Value::Null);
    for field in [
        "organisations_with_overrides",
        "organisations_with_unreviewed",
    ] {
        let n = c[field]
            .as_u64()
            .unwrap_or_else(|| panic!("{field} in {c}"));
        assert!(n.abs_diff(2) <= 2, "{field}: {n}");
    }

    // Under the size limit the organisation counts are withheld with everything else, exact or
    // published.
    std::fs::remove_file(&files[4]).unwrap();
    let r = aggregate_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(r["disclosure"]["suppressed"], true);
    assert_eq!(r["coverage"]["organisations_with_unreviewed"], Value::Null);
    assert_eq!(r["coverage"]["overridden_outcomes"], Value::Null);
    let published = aggregate_json(&[dir.path().to_str().unwrap(), "--publish", file_arg(&key)]);
    assert_eq!(published["disclosure"]["suppressed"], true, "{published}");
    for field in [
        "organisations_with_overrides",
        "organisations_with_unreviewed",
    ] {
        assert_eq!(published["coverage"][field], Value::Null, "{field}");
    }
    assert!(published["outcomes"].as_array().unwrap().is_empty());
}

#[test]
fn the_trend_says_whether_met_changed_by_answer_or_by_method() {
    let dir = tempfile::tempdir().unwrap();
    // Baseline targets: A1.a achieved in both versions; B2.a and B4.a partially achieved in
    // v3.2, achieved in v4.0.
    write_v3_2_then_v4_0(
        dir.path(),
        &[("A1.a", "NA"), ("B2.a", "PA"), ("B4.a", "PA")],
        &[("A1.a", "A"), ("B2.a", "PA"), ("B4.a", "NA")],
    );
    let r = aggregate_json(&[dir.path().to_str().unwrap()]);
    let change = &r["trend"]["changes"][0];
    let split = |id: &str| {
        let o = outcome(&change["outcomes"], id);
        [
            o["met_by_answer"].as_u64().unwrap(),
            o["met_by_method"].as_u64().unwrap(),
            o["met_by_answer_and_method"].as_u64().unwrap(),
        ]
    };
    // A1.a: the status changed, the target did not.
    assert_eq!(split("A1.a"), [5, 0, 0]);
    // B2.a: partially achieved both years; met under v3.2's target, not under v4.0's.
    assert_eq!(split("B2.a"), [0, 5, 0]);
    assert_eq!(outcome(&change["outcomes"], "B2.a")["improved"], 0);
    // B4.a: both moved.
    assert_eq!(split("B4.a"), [0, 0, 5]);
    // Outcomes that nobody's verdict moved on.
    assert_eq!(split("A1.b"), [0, 0, 0]);
    assert_eq!(
        (
            change["met_by_answer"].as_u64(),
            change["met_by_method"].as_u64(),
            change["met_by_answer_and_method"].as_u64()
        ),
        (Some(5), Some(5), Some(5))
    );
    assert!(
        change["met_summary"]
            .as_str()
            .unwrap()
            .contains("5 because only the target changed"),
        "{change}"
    );
    let html = stdout_of(&run(&[
        "aggregate",
        dir.path().to_str().unwrap(),
        "--format",
        "html",
    ]));
    assert!(html.contains("<td>B2.a</td>"), "{html}");
    assert!(html.contains("0 / 5 / 0"), "{html}");
}

/// The collection service records, at submission, how many outcomes still need review and how
/// many are overridden, and returns both in the submit response and the submission list. Run
/// on SQLite here and on PostgreSQL in `server_pg.rs`.
pub fn check_review_counts(env: &crate::server::Env) {
    use crate::server::ORG_A;
    let text = crate::service::assessment_for(ORG_A, 11)
        .replace(
            "[outcomes.\"A1.a\"]\n",
            "[outcomes.\"A1.a\"]\nneeds_review = true\n",
        )
        .replace(
            "[outcomes.\"A1.b\"]\n",
            "[outcomes.\"A1.b\"]\nneeds_review = true\noverride = { status = \"not-achieved\", justification = \"The new structure is not yet staffed.\" }\n",
        );
    assert_eq!(text.matches("needs_review = true").count(), 2);
    let output = env.caf_submit(&env.token_a, &text, "review.toml");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = stdout_of(&output);
    assert!(
        stdout.contains("recorded 2 outcomes as not yet reviewed and 1 as overridden"),
        "{stdout}"
    );
    // Sent again as JSON: the stored copy carries the same counts.
    let (status, body) = env.submit_json(&env.token_a, &text);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["submission"]["unreviewed"], 2);
    assert_eq!(body["submission"]["overridden"], 1);
    assert_eq!(body["summary"]["needs_review"], 2);
    let (status, list) = env.call("GET", "/submissions", Some(&env.token_a), None);
    assert_eq!(status, 200);
    let stored = &list["submissions"][0];
    assert_eq!(
        (stored["unreviewed"].as_u64(), stored["overridden"].as_u64()),
        (Some(2), Some(1))
    );
}

/// On SQLite, with a server whose size limit lets one organisation's figures out: the service's
/// aggregate counts them per outcome and organisation.
#[test]
fn sqlite_service_records_and_aggregates_review_counts() {
    let db = crate::service::Sqlite::new();
    let env = crate::server::setup_with(&db.url, &["--min-group-size", "1"]);
    check_review_counts(&env);
    let (status, report) = env.call(
        "GET",
        "/aggregate?min_group_size=1",
        Some(&env.analyst),
        None,
    );
    assert_eq!(status, 200, "{report}");
    let a1b = outcome(&report["outcomes"], "A1.b");
    assert_eq!(
        (a1b["unreviewed"].as_u64(), a1b["overridden"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(outcome(&report["outcomes"], "A1.a")["unreviewed"], 1);
    assert_eq!(report["coverage"]["organisations_with_unreviewed"], 1);
}

/// `--computed` with `--compare` scores the earlier file the same way: an override that made
/// last year look better is not a regression in a report that ignores overrides.
#[test]
fn computed_comparisons_score_both_periods_on_computed_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let b2a = selection("caf-4.0", "B2.a", "PA");
    let previous = write(
        dir.path(),
        "previous.toml",
        &format!("\n[outcomes.\"B2.a\"]\nselected = {b2a}\n{JUSTIFIED}\n"),
    );
    let text = std::fs::read_to_string(&previous)
        .unwrap()
        .replace("2026/27", "2025/26");
    std::fs::write(&previous, text).unwrap();
    let current = write(
        dir.path(),
        "current.toml",
        &format!("\n[outcomes.\"B2.a\"]\nselected = {b2a}\n"),
    );
    let change = |extra: &[&str]| -> Value {
        let output = run(&[
            &[
                "report",
                file_arg(&current),
                "--format",
                "json",
                "--compare",
                file_arg(&previous),
            ],
            extra,
        ]
        .concat());
        assert!(output.status.success(), "{}", stderr_of(&output));
        let report: Value = serde_json::from_str(&stdout_of(&output)).unwrap();
        outcome(&report["comparison"]["rows"], "B2.a").clone()
    };
    assert_eq!(change(&[])["change"], "regressed");
    let computed = change(&["--computed"]);
    assert_eq!(computed["change"], "unchanged");
    assert_eq!(computed["previous_status"], "partially-achieved");
}
