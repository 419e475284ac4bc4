//! `caf review`: the review file paired with its assessment by hash, and the review report in
//! JSON (`caf.review/1`) and in WebCAF's workbook layout (read back with calamine).

use std::path::Path;

use calamine::{Reader, Xlsx};
use serde_json::Value;

use crate::support::{caf, path, read, stderr_of, stdout_of};

const COUNTY: &str = "county-council-caf-4.0-partial.toml";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A review skeleton of the county example in a fresh folder.
fn started() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(path(&format!("examples/{COUNTY}")), dir.path().join(COUNTY)).unwrap();
    let review = dir.path().join("review.toml");
    let out = caf()
        .current_dir(dir.path())
        .args([
            "review",
            COUNTY,
            "--init",
            "--type",
            "independent",
            "--reviewer",
            "Alex Auditor",
            "-o",
            "review.toml",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    (dir, review)
}

/// Gives every outcome of the skeleton `decision` and one recommendation, as a scripted
/// reviewer editing the file would.
fn decide_all(review: &Path, decision: &str) {
    let text = read(review);
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with("[outcomes.") {
            out.push_str(&format!(
                "decision = \"{decision}\"\nrecommendations = [{{ risk = \"Gap found\", text = \"Fix it\" }}]\n"
            ));
        }
    }
    std::fs::write(review, out).unwrap();
}

/// Runs the JSON report of a review that must be refused as invalid; its stderr and stdout.
fn refused(review: &Path) -> (String, String) {
    let out = caf()
        .args(["review", "report", s(review), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    (stderr_of(&out), stdout_of(&out))
}

fn report_json(review: &Path) -> Value {
    let out = caf()
        .args(["review", "report", s(review), "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    serde_json::from_str(&stdout_of(&out)).unwrap()
}

#[test]
fn the_skeleton_is_a_valid_review_of_every_outcome() {
    let (_dir, review) = started();
    let text = read(&review);
    assert!(text.contains("type = \"independent\""));
    assert!(text.contains("name = \"Alex Auditor\""));
    let report = report_json(&review);
    assert_eq!(report["schema"], "caf.review/1");
    assert_eq!(report["review"]["status"], "to-do");
    assert_eq!(report["summary"]["outcomes"], 41);
    assert_eq!(report["summary"]["decided"], 0);
    assert_eq!(report["recommendations"], Value::Array(vec![]));
    // A second --init never overwrites the review.
    let out = caf()
        .current_dir(review.parent().unwrap())
        .args(["review", COUNTY, "--init", "-o", "review.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(read(&review), text);
}

#[test]
fn priority_is_derived_from_the_profile_targets() {
    let (dir, review) = started();
    // The targets as `caf score` gives them for the assessment's own profile.
    let out = caf()
        .args(["score", "--format", "json", s(&dir.path().join(COUNTY))])
        .output()
        .unwrap();
    let card: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    let target = |id: &str| -> Value {
        card["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap()["target"]
            .clone()
    };
    for (decision, misses) in [
        (
            "not-achieved",
            &(|t: &Value| t == "partially-achieved" || t == "achieved") as &dyn Fn(&Value) -> bool,
        ),
        ("partially-achieved", &|t: &Value| t == "achieved"),
        ("achieved", &|_: &Value| false),
    ] {
        std::fs::remove_file(&review).unwrap();
        let out = caf()
            .current_dir(dir.path())
            .args(["review", COUNTY, "--init", "-o", "review.toml"])
            .output()
            .unwrap();
        assert!(out.status.success());
        decide_all(&review, decision);
        let report = report_json(&review);
        let recs = report["recommendations"].as_array().unwrap();
        assert_eq!(recs.len(), 41);
        for rec in recs {
            let outcome = rec["outcome"].as_str().unwrap();
            assert_eq!(
                rec["priority"],
                misses(&target(outcome)),
                "{decision} {outcome}"
            );
            let expected_id = format!("REC-{}1", outcome.replace('.', "").to_uppercase());
            assert_eq!(rec["id"], expected_id.as_str());
        }
        assert!(recs.iter().any(|r| r["id"] == "REC-A1A1"));
    }
}

#[test]
fn a_changed_assessment_is_refused() {
    let (dir, review) = started();
    let assessment = dir.path().join(COUNTY);
    let mut text = read(&assessment);
    text.push_str("# edited after the review began\n");
    std::fs::write(&assessment, text).unwrap();
    let (err, stdout) = refused(&review);
    assert!(
        err.contains("review.toml:") && err.contains("error[review-mismatch]"),
        "{err}"
    );
    assert!(stdout.is_empty());
}

#[test]
fn bad_review_content_is_located() {
    let (_dir, review) = started();
    let mut text = read(&review);
    text.push_str("\n[outcomes.\"Z9.z\"]\ndecision = \"achieved\"\n");
    text = text.replacen(
        "[outcomes.\"A1.a\"]",
        "[outcomes.\"A1.a\"]\nstatements = { \"B2.a.A.1\" = true }",
        1,
    );
    std::fs::write(&review, &text).unwrap();
    let (err, _) = refused(&review);
    assert!(err.contains("error[unknown-outcome]"), "{err}");
    assert!(err.contains("error[unknown-indicator]"), "{err}");
    std::fs::write(
        &review,
        text.replace("type = \"independent\"", "type = \"friendly\""),
    )
    .unwrap();
    let (err, _) = refused(&review);
    assert!(err.contains("error[invalid-type]"), "{err}");
}

#[test]
fn the_workbook_has_webcafs_sheets() {
    let (dir, review) = started();
    decide_all(&review, "not-achieved");
    let xlsx = dir.path().join("review.xlsx");
    let out = caf()
        .args([
            "review",
            "report",
            s(&review),
            "--format",
            "xlsx",
            "-o",
            s(&xlsx),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Review details",
            "IGPs",
            "Contributing outcomes",
            "Risks and recommendations"
        ]
    );
    let risks = book.worksheet_range("Risks and recommendations").unwrap();
    let rows: Vec<Vec<String>> = risks
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[0],
        ["ID", "Outcome", "Priority", "Risk", "Recommendation"]
    );
    assert_eq!(rows.len(), 42);
    assert_eq!(rows[1][..3], ["REC-A1A1", "A1.a", "Yes"]);
    let outcomes = book.worksheet_range("Contributing outcomes").unwrap();
    let a2b: Vec<String> = outcomes
        .rows()
        .nth(5)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        a2b[..4],
        [
            "A2.b",
            "Understanding Threat",
            "Partially achieved",
            "Not achieved"
        ]
    );
    let igps = book.worksheet_range("IGPs").unwrap();
    assert!(igps.rows().count() > 400);
    let details = book.worksheet_range("Review details").unwrap();
    let text: Vec<String> = details.rows().flatten().map(|c| c.to_string()).collect();
    assert!(text.contains(&"Alex Auditor".to_string()));
}

#[test]
fn the_html_report_lists_every_recommendation_escaped() {
    let (_dir, review) = started();
    decide_all(&review, "partially-achieved");
    let text = read(&review).replacen(
        "risk = \"Gap found\"",
        "risk = \"<script>alert(1)</script>\"",
        1,
    );
    std::fs::write(&review, text).unwrap();
    let out = caf()
        .args(["review", "report", s(&review), "--format", "html"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let html = stdout_of(&out);
    let doc = scraper::Html::parse_document(&html);
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    assert_eq!(
        doc.select(&select("table.recommendations tbody tr"))
            .count(),
        41
    );
    assert_eq!(doc.select(&select("table.outcomes tbody tr")).count(), 41);
    assert_eq!(doc.select(&select("script")).count(), 0);
    // The markup arrives as text.
    assert!(
        doc.select(&select("table.recommendations td"))
            .any(|td| td.text().collect::<String>() == "<script>alert(1)</script>")
    );
    assert!(!html.contains("<script>"));
    let first: Vec<String> = (doc
        .select(&select("table.recommendations tbody tr td"))
        .take(2))
    .map(|td| td.text().collect())
    .collect();
    assert_eq!(first, ["A1.a", "Yes"]);
}

/// The walk-through on a real terminal: three outcomes answered, SIGKILL while the third's
/// comment is being typed, then a resume that starts at the first outcome without a decision.
#[test]
fn the_walk_through_survives_a_kill_and_resumes() {
    use crate::assess::{ENTER, Pty};
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(path(&format!("examples/{COUNTY}")), dir.path().join(COUNTY)).unwrap();
    let review = dir.path().join("review.toml");
    let args = [
        "review",
        COUNTY,
        "--type",
        "peer",
        "--reviewer",
        "Pat Peer",
        "-o",
        "review.toml",
    ];
    let mut pty = Pty::spawn_with(dir.path(), &args, &[]);
    pty.expect("── 1 of 41");
    pty.choose("A1.a:", "Give your decision");
    pty.choose("Your decision on A1.a:", "Not achieved");
    pty.choose(
        "Statements:",
        "Agree with the organisation on every statement",
    );
    pty.expect("Your comment:");
    pty.send("Board not briefed");
    pty.send(ENTER);
    pty.choose("Add a recommendation?", "Yes");
    pty.expect("Risk:");
    pty.send("Unmanaged risk");
    pty.send(ENTER);
    pty.expect("Recommendation:");
    pty.send("Brief the board");
    pty.send(ENTER);
    pty.choose("Add another recommendation (1 so far)?", "No");
    pty.expect("── 2 of 41");
    pty.choose("A1.b:", "Give your decision");
    pty.choose("Your decision on A1.b:", "Achieved");
    pty.choose("Statements:", "Go through the statements");
    pty.expect("which answers do you agree with?");
    pty.expect("space toggle");
    // The cursor is on the first statement: untick it (disagree).
    pty.send(" ");
    pty.send(ENTER);
    pty.expect("Your comment:");
    pty.send(ENTER);
    pty.choose("Add a recommendation?", "No");
    pty.expect("── 3 of 41");
    pty.choose("A1.c:", "Give your decision");
    pty.choose("Your decision on A1.c:", "Partially achieved");
    pty.choose(
        "Statements:",
        "Agree with the organisation on every statement",
    );
    pty.expect("Your comment:");
    pty.send("half typed");
    pty.kill9();

    let text = read(&review);
    let parsed: toml::Table = toml::from_str(&text).expect("valid TOML after the kill");
    assert_eq!(parsed["status"].as_str(), Some("in-progress"));
    assert_eq!(parsed["type"].as_str(), Some("peer"));
    let report = report_json(&review);
    assert_eq!(report["summary"]["decided"], 3);
    let row = |id: &str| -> Value {
        report["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(row("A1.a")["decision"], "not-achieved");
    assert_eq!(row("A1.a")["comment"], "Board not briefed");
    assert!(
        row("A1.a")["statements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["agreed"] == true)
    );
    assert_eq!(row("A1.b")["decision"], "achieved");
    assert_eq!(row("A1.b")["statements"][0]["agreed"], false);
    assert_eq!(row("A1.b")["statements"][1]["agreed"], true);
    assert_eq!(row("A1.c")["decision"], "partially-achieved");
    assert_eq!(row("A1.c")["comment"], "");
    assert_eq!(report["recommendations"][0]["id"], "REC-A1A1");
    assert_eq!(report["recommendations"][0]["text"], "Brief the board");
    // The skeleton's placeholders gave way to the answers; the other outcomes are untouched.
    assert!(!text.contains("[outcomes.\"A1.a\"]  # Board Direction: self-assessed partially-achieved, target achieved\n# decision"));
    assert!(text.contains("# decision = \""));
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0);

    // Resume: straight to A2.a, the first outcome without a decision; Ctrl-C says how to resume.
    let mut pty = Pty::spawn_with(dir.path(), &args, &[]);
    pty.expect("── 4 of 41");
    pty.expect("A2.a:");
    pty.expect("↑↓ move");
    pty.send("\x03");
    pty.expect("Resume with: caf review");
    assert_eq!(pty.wait(), Some(0));
    assert_eq!(report_json(&review)["summary"]["decided"], 3);
}

fn lifecycle_step(review: &Path, step: &str) -> std::process::Output {
    caf().args(["review", step, s(review)]).output().unwrap()
}

#[test]
fn finalise_and_reopen_round_trip_with_refusals() {
    let (dir, review) = started();
    // Not completed: refused, located at `status`, the file unchanged.
    let before = read(&review);
    let out = lifecycle_step(&review, "finalise");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("error[review-lifecycle]"), "{err}");
    assert!(err.contains("review.toml:"), "{err}");
    assert!(err.contains("error[review-undecided]"), "{err}");
    assert_eq!(read(&review), before);
    // Reopening what is not finalised is refused too.
    let out = lifecycle_step(&review, "reopen");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("error[review-lifecycle]"));

    decide_all(&review, "achieved");
    std::fs::write(
        &review,
        read(&review).replace("status = \"to-do\"", "status = \"completed\""),
    )
    .unwrap();
    let out = lifecycle_step(&review, "finalise");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let report = report_json(&review);
    assert_eq!(report["review"]["status"], "finalised");
    assert_eq!(report["review"]["version"], 1);
    // Finalised: a second finalise and the walk-through are refused.
    assert_eq!(lifecycle_step(&review, "finalise").status.code(), Some(2));
    let out = caf()
        .current_dir(dir.path())
        .args(["review", COUNTY, "-o", "review.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("error[review-lifecycle]"),
        "{}",
        stderr_of(&out)
    );

    let finalised = read(&review);
    let out = lifecycle_step(&review, "reopen");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let report = report_json(&review);
    assert_eq!(report["review"]["status"], "in-progress");
    assert_eq!(report["review"]["version"], 2);
    assert_eq!(report["summary"]["decided"], 41);
    assert_eq!(report["recommendations"].as_array().unwrap().len(), 41);
    // Only the status and the version changed.
    let reopened = read(&review);
    let changed: Vec<(&str, &str)> = finalised
        .lines()
        .zip(reopened.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [
            ("status = \"finalised\"", "status = \"in-progress\""),
            ("version = 1", "version = 2")
        ]
    );
}

#[test]
fn the_pdf_report_is_tagged_and_reads_in_order() {
    let (dir, review) = started();
    decide_all(&review, "not-achieved");
    let pdf = dir.path().join("review.pdf");
    let out = caf()
        .args([
            "review",
            "report",
            s(&review),
            "--format",
            "pdf",
            "-o",
            s(&pdf),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let info = crate::support::pdfinfo(&pdf);
    assert!(info.contains("Tagged:") && info.contains("yes"), "{info}");
    assert!(info.contains("Independent assurance review"), "{info}");
    let text = crate::support::pdftotext(&pdf);
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in the PDF:\n{text}"))
    };
    let order = [
        at("Alex Auditor"),
        at("Decisions against the self-assessment"),
        at("Risks and recommendations"),
        at("REC-A1A1"),
        at("Objectives"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(text.contains("41 of 41 outcomes decided"), "{text}");
}
