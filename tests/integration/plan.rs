//! The improvement plan kept in the assessment file: shown in reports and checks, and
//! exchanged with spreadsheets through `caf plan export` and `caf plan import`, through real
//! CSV and Excel files (read back with calamine) on a real-shaped file.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use serde_json::Value;

use crate::support::{caf, csv_rows, path, pdftotext, read, stderr_of, stdout_of};

const FIXTURE: &str = "tests/fixtures/plan/district-with-plan.toml";

/// A copy of the fixture in a fresh folder (CRLF line endings when `crlf`).
fn workspace(crlf: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("council.toml");
    let mut text = read(&path(FIXTURE));
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

fn run(args: &[&str]) -> std::process::Output {
    caf().args(args).output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn write_csv(path: &Path, rows: &[Vec<String>]) {
    let mut writer = csv::Writer::from_path(path).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.flush().unwrap();
}

fn sheet_rows(path: &Path) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
    assert_eq!(book.sheet_names(), ["Plan"]);
    let range = book.worksheet_range("Plan").unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

/// The lines of `after` not in `before`, and the number of lines of `before` not in `after`.
fn diff(before: &str, after: &str) -> (Vec<String>, usize) {
    let b: Vec<&str> = before.split_inclusive('\n').collect();
    let a: Vec<&str> = after.split_inclusive('\n').collect();
    let added = a
        .iter()
        .filter(|l| !b.contains(l))
        .map(|l| l.to_string())
        .collect();
    (added, b.iter().filter(|l| !a.contains(l)).count())
}

#[test]
fn a_csv_round_trip_changes_only_the_edited_action() {
    for crlf in [false, true] {
        let (dir, file) = workspace(crlf);
        let original = read(&file);
        let plan = dir.path().join("plan.csv");
        let out = run(&[
            "plan",
            "export",
            s(&file),
            "-o",
            s(&plan),
            "--as-of",
            "2026-06-01",
        ]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let mut rows = csv_rows(&read(&plan));
        assert_eq!(
            rows[0][..6],
            ["outcome", "action", "owner", "due", "status", "note"]
        );
        // Imported unchanged: the file is byte-identical.
        let out = run(&["plan", "import", s(&file), s(&plan)]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        assert_eq!(read(&file), original);

        let row = rows
            .iter_mut()
            .find(|r| r[1] == "Publish the acceptable use policy")
            .unwrap();
        row[2] = "Head of Legal".into();
        row[4] = "done".into();
        write_csv(&plan, &rows);
        let out = run(&["plan", "import", s(&file), s(&plan)]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let after = read(&file);
        let (added, removed) = diff(&original, &after);
        assert_eq!((added.len(), removed), (1, 1), "{added:?}");
        assert!(
            added[0].contains("owner = \"Head of Legal\""),
            "{}",
            added[0]
        );
        assert!(added[0].contains("status = \"done\""), "{}", added[0]);
        assert_eq!(added[0].ends_with("\r\n"), crlf);
        // The scores are what they were.
        let score = |f: &Path| stdout_of(&run(&["score", s(f), "--format", "json"]));
        std::fs::write(dir.path().join("orig.toml"), &original).unwrap();
        assert_eq!(score(&file), score(&dir.path().join("orig.toml")));
    }
}

#[test]
fn an_excel_round_trip_reads_back_and_accepts_typed_dates() {
    let (dir, file) = workspace(false);
    let original = read(&file);
    let xlsx = dir.path().join("plan.xlsx");
    let csv = dir.path().join("plan.csv");
    for (out, format) in [(&xlsx, "xlsx"), (&csv, "csv")] {
        let o = run(&[
            "plan",
            "export",
            s(&file),
            "--format",
            format,
            "-o",
            s(out),
            "--plan-profile",
            "enhanced",
        ]);
        assert!(o.status.success(), "{}", stderr_of(&o));
    }
    // The workbook holds what the CSV holds, every cell a string.
    let sheet = sheet_rows(&xlsx);
    let text: Vec<Vec<String>> = (sheet.iter())
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => panic!("a {other:?} cell"),
                })
                .collect()
        })
        .collect();
    assert_eq!(text, csv_rows(&read(&csv)));
    let out = run(&["plan", "import", s(&file), s(&xlsx)]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(read(&file), original);

    // Someone fills in a blank row in Excel, where the date becomes a real date cell.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    let blank = text
        .iter()
        .position(|r| r[0] == "C1.a" && r[1].is_empty())
        .unwrap();
    for (r, row) in text.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r32, c16) = (r as u32, c as u16);
            if r == blank && c == 1 {
                ws.write_string(r32, c16, "Forward firewall logs to the SIEM")
                    .unwrap();
            } else if r == blank && c == 3 {
                let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2027, 3, 31).unwrap();
                let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
                ws.write_datetime_with_format(r32, c16, &date, &format)
                    .unwrap();
            } else {
                ws.write_string(r32, c16, cell).unwrap();
            }
        }
    }
    let edited = dir.path().join("edited.xlsx");
    book.save(&edited).unwrap();
    let out = run(&["plan", "import", s(&file), s(&edited)]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let after = read(&file);
    let (added, removed) = diff(&original, &after);
    assert_eq!(removed, 0);
    assert_eq!(
        added,
        [
            "plan = [{ action = \"Forward firewall logs to the SIEM\", due = 2027-03-31, status = \"planned\" }]\n"
        ]
    );
    // The rest of the file is byte-identical: removing the added line gives it back.
    assert_eq!(after.replacen(&added[0], "", 1), original);
}

#[test]
fn a_bad_plan_is_refused_with_located_errors_and_nothing_written() {
    let (dir, file) = workspace(false);
    let original = read(&file);
    let plan = dir.path().join("plan.csv");
    assert!(
        run(&["plan", "export", s(&file), "-o", s(&plan)])
            .status
            .success()
    );
    let mut rows = csv_rows(&read(&plan));
    rows[1][3] = "31/03/2026".into();
    rows[2][4] = "not-planned".into();
    rows[2][5] = String::new();
    let mut unknown = vec![String::new(); rows[0].len()];
    unknown[0] = "A9.z".into();
    unknown[1] = "Something".into();
    rows.push(unknown);
    write_csv(&plan, &rows);
    let out = run(&["plan", "import", s(&file), s(&plan)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    let last = rows.len();
    for expected in [
        format!("{}:2:4: error[invalid-date]", s(&plan)),
        format!("{}:3:5: error[missing-reason]", s(&plan)),
        format!("{}:{last}:1: error[unknown-outcome]", s(&plan)),
    ] {
        assert!(err.contains(&expected), "{expected} in\n{err}");
    }
    assert_eq!(read(&file), original);
    // Not a plan at all.
    std::fs::write(&plan, "id,what\nA1.a,x\n").unwrap();
    let out = run(&["plan", "import", s(&file), s(&plan)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains(":1:1: error[unknown-key]"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(read(&file), original);
}

#[test]
fn check_json_lists_overdue_actions_as_of_the_date_given() {
    let check = |as_of: &str| {
        let out = run(&["check", FIXTURE, "--format", "json", "--as-of", as_of]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        serde_json::from_str::<Value>(&stdout_of(&out)).unwrap()
    };
    let early = check("2026-01-01");
    assert_eq!(early["overdue"], Value::Array(vec![]));
    let late = check("2027-02-01");
    let overdue: Vec<(&str, &str)> = (late["overdue"].as_array().unwrap().iter())
        .map(|o| (o["outcome"].as_str().unwrap(), o["due"].as_str().unwrap()))
        .collect();
    // B2.b's action is done and A2.a's second is not planned: neither is overdue.
    assert_eq!(overdue, [("A2.a", "2026-03-31"), ("B1.a", "2027-01-15")]);
    assert_eq!(late["as_of"], "2027-02-01");
    assert_eq!(late["schema"], "caf.score/1");
    let out = run(&["check", FIXTURE, "--as-of", "nonsense"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_stretch_profile_gives_a_plan_when_the_baseline_is_met() {
    let report = |extra: &[&str]| {
        let mut args = vec![
            "report",
            FIXTURE,
            "--format",
            "json",
            "--as-of",
            "2026-06-01",
        ];
        args.extend(extra);
        let out = run(&args);
        assert!(out.status.success(), "{}", stderr_of(&out));
        serde_json::from_str::<Value>(&stdout_of(&out)).unwrap()
    };
    let baseline = report(&[]);
    assert_eq!(baseline["gaps"], Value::Array(vec![]));
    // Only the outcomes with recorded actions, none with steps to take.
    let ids = |r: &Value| -> Vec<String> {
        (r["plan"].as_array().unwrap().iter())
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&baseline), ["A2.a", "B1.a", "B2.b"]);
    let enhanced = report(&["--plan-profile", "enhanced"]);
    assert_eq!(enhanced["plan_profile"]["id"], "enhanced");
    let plan = enhanced["plan"].as_array().unwrap();
    assert!(plan.len() > 5, "{}", plan.len());
    assert!(
        plan.iter()
            .filter(|p| p["id"] != "B1.a")
            .all(|p| p["target"].is_string())
    );
    assert!(
        plan.iter()
            .filter(|p| p["shortfall"] != 0)
            .all(|p| !p["steps"].as_array().unwrap().is_empty())
    );
    let a2a = plan.iter().find(|p| p["id"] == "A2.a").unwrap();
    assert_eq!(
        (a2a["owner"].as_str(), a2a["overdue"].as_bool()),
        (Some("Head of ICT"), Some(true))
    );
    assert_eq!(enhanced["overdue"], 1);
    let out = run(&[
        "report",
        FIXTURE,
        "--format",
        "json",
        "--plan-profile",
        "platinum",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_format_shows_the_actions_owners_and_overdue_flags() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--as-of", "2026-06-01", "--plan-profile", "enhanced"];
    let text_of = |format: &str| {
        let out_file = dir.path().join(format!("r.{format}"));
        let mut cmd = vec!["report", FIXTURE, "--format", format, "-o", s(&out_file)];
        cmd.extend(args);
        let out = run(&cmd);
        assert!(out.status.success(), "{format}: {}", stderr_of(&out));
        match format {
            "pdf" => pdftotext(&out_file),
            "xlsx" => {
                let mut book: Xlsx<_> = calamine::open_workbook(&out_file).unwrap();
                let range = book.worksheet_range("Improvement plan").unwrap();
                (range.rows().flatten()).map(|c| format!("{c}\n")).collect()
            }
            _ => read(&out_file),
        }
    };
    for format in ["pdf", "html", "md", "csv", "xlsx"] {
        let text = text_of(format);
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "Quarterly risk review with the SIRO",
            "Head of ICT",
            "2026-03-31",
            "Spreadsheet register is enough",
        ] {
            assert!(flat.contains(expected), "{format}: {expected}");
        }
        assert!(flat.to_lowercase().contains("overdue"), "{format}: overdue");
    }
}
