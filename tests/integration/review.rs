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
