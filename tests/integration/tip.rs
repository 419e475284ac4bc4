//! `caf tip`: the Targeted Improvement Plan made from a finalised review, checked against it by
//! hash, approved, and exchanged with spreadsheets by `caf plan export` / `caf plan import`
//! (CSV and Excel, read back with calamine) leaving the rest of the file byte-identical.

use std::path::{Path, PathBuf};

use calamine::{Reader, Xlsx};
use serde_json::Value;

use crate::support::{caf, path, read, stderr_of, stdout_of};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The review fixture and its assessment in a fresh folder, and a plan made from it.
fn started() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for name in ["council.toml", "review.toml"] {
        std::fs::copy(
            path(&format!("tests/fixtures/review/{name}")),
            dir.path().join(name),
        )
        .unwrap();
    }
    let out = caf()
        .current_dir(dir.path())
        .args(["tip", "init", "review.toml", "-o", "tip.toml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let tip = dir.path().join("tip.toml");
    (dir, tip)
}

fn check(tip: &Path) -> std::process::Output {
    caf()
        .args([
            "tip",
            "check",
            s(tip),
            "--format",
            "json",
            "--as-of",
            "2027-06-01",
        ])
        .output()
        .unwrap()
}

#[test]
fn a_plan_is_made_only_from_the_finalised_review_it_stays_paired_with() {
    let (dir, tip) = started();
    let text = read(&tip);
    assert!(text.contains("review = \"review.toml\""));
    assert!(text.contains("id = \"REC-A1A1\"\noutcome = \"A1.a\"\npriority = true"));
    let out = check(&tip);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(json["schema"], "caf.tip-check/1");
    assert_eq!(json["progress"]["actions"], 4);
    assert_eq!(json["progress"]["priority"], 2);
    assert_eq!(json["approved"], false);
    // A second init never overwrites it.
    let again = caf()
        .current_dir(dir.path())
        .args(["tip", "init", "review.toml", "-o", "tip.toml"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(read(&tip), text);
    // A review that is not finalised makes no plan.
    let review = dir.path().join("review.toml");
    let finalised = read(&review);
    std::fs::write(
        &review,
        finalised.replace("status = \"finalised\"", "status = \"completed\""),
    )
    .unwrap();
    let out = caf()
        .current_dir(dir.path())
        .args(["tip", "init", "review.toml", "-o", "other.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("error[review-not-finalised]"),
        "{}",
        stderr_of(&out)
    );
    assert!(!dir.path().join("other.toml").exists());
    // The review changed after the plan was made: the plan is refused where the hash is.
    let out = check(&tip);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("tip.toml:5:17: error[tip-mismatch]"), "{err}");
}

#[test]
fn bad_actions_are_located_and_approval_needs_target_dates() {
    let (_dir, tip) = started();
    let text = read(&tip);
    std::fs::write(
        &tip,
        text.replacen("status = \"planned\"", "status = \"not-planned\"", 1),
    )
    .unwrap();
    let out = check(&tip);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("error[missing-reason]"),
        "{}",
        stderr_of(&out)
    );
    std::fs::write(&tip, &text).unwrap();
    let out = caf()
        .args([
            "tip",
            "approve",
            s(&tip),
            "--by",
            "Chief Executive",
            "--on",
            "2026-12-01",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("error[missing-due]"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(read(&tip), text, "nothing is written on a refusal");
    std::fs::write(&tip, text.replace("due = \"\"", "due = \"2027-03-31\"")).unwrap();
    let out = caf()
        .args([
            "tip",
            "approve",
            s(&tip),
            "--by",
            "Chief Executive",
            "--on",
            "2026-12-01",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: Value = serde_json::from_str(&stdout_of(&check(&tip))).unwrap();
    assert_eq!(json["approved"], true);
    assert_eq!(json["approval"]["approved_on"], "2026-12-01");
    // Every open action is past its date on 2027-06-01.
    assert_eq!(json["progress"]["overdue"], 4);
    assert_eq!(json["overdue"][0]["id"], "REC-A1A1");
}

#[test]
fn csv_and_excel_round_trips_edit_only_the_changed_values() {
    let (dir, tip) = started();
    let original = read(&tip);
    for ext in ["csv", "xlsx"] {
        std::fs::write(&tip, &original).unwrap();
        let plan = dir.path().join(format!("plan.{ext}"));
        let out = caf()
            .args(["plan", "export", s(&tip), "-o", s(&plan)])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        // Unchanged, it comes back byte-identical.
        let out = caf()
            .args(["plan", "import", s(&tip), s(&plan)])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        assert_eq!(read(&tip), original);
        // Edit the second row's owner and due date, as a person would.
        let mut rows: Vec<Vec<String>> = if ext == "csv" {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(&plan)
                .unwrap();
            r.records()
                .map(|r| r.unwrap().iter().map(String::from).collect())
                .collect()
        } else {
            let mut book: Xlsx<_> = calamine::open_workbook(&plan).unwrap();
            let range = book.worksheet_range_at(0).unwrap().unwrap();
            range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect()
        };
        assert_eq!(rows[0][..3], ["id", "action", "owner"]);
        assert_eq!(rows[2][0], "REC-A2A1");
        rows[2][2] = "Head of Risk".into();
        rows[2][5] = "2027-03-31".into();
        let csv_plan = dir.path().join("edited.csv");
        let mut w = csv::Writer::from_path(&csv_plan).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
        let out = caf()
            .args(["plan", "import", s(&tip), s(&csv_plan)])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        let after = read(&tip);
        let changed: Vec<&str> = (after.lines().zip(original.lines()))
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a)
            .collect();
        assert_eq!(
            changed,
            ["owner = \"Head of Risk\"", "due = \"2027-03-31\""]
        );
        // A bad row is located, and nothing is written.
        rows[3][6] = "started".into();
        let mut w = csv::Writer::from_path(&csv_plan).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
        let out = caf()
            .args(["plan", "import", s(&tip), s(&csv_plan)])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr_of(&out).contains("edited.csv:4:7: error[invalid-action-status]"),
            "{}",
            stderr_of(&out)
        );
        assert_eq!(read(&tip), after);
    }
}
