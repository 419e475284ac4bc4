//! `caf report`: every format from every example, checked the way a reader would see it:
//! PDF text through pdftotext and page 1 through pdftoppm, HTML parsed, Excel reopened,
//! Markdown and CSV snapshotted, and the v3.2 → v4.0 comparison row by row.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{caf, examples, path, pdftotext, stderr_of, stdout_of};

const COUNTY: &str = "examples/county-council-caf-4.0-partial.toml";
const COUNTY_PREVIOUS: &str = "examples/previous/county-council-caf-3.2-2025-26.toml";
const FIRE: &str = "examples/fire-rescue-caf-3.2-enhanced.toml";

const FORMATS: [&str; 6] = ["pdf", "html", "md", "csv", "xlsx", "json"];

/// Every example, the previous-period ones included.
fn all_examples() -> Vec<PathBuf> {
    let mut found = examples();
    let previous = path("examples/previous");
    let mut more: Vec<PathBuf> = std::fs::read_dir(previous)
        .expect("examples/previous")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    more.sort();
    found.extend(more);
    found
}

/// Runs `caf report` and returns the written file's bytes.
fn render_to_file(file: &str, format: &str, extra: &[&str], dir: &Path) -> Vec<u8> {
    let out = dir.join(format!("report.{format}"));
    let output = caf()
        .args(["report", file, "--format", format, "-o"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "caf report {file} --format {format}: {}",
        stderr_of(&output)
    );
    std::fs::read(&out).unwrap()
}

fn report_json(file: &str, extra: &[&str]) -> Value {
    let output = caf()
        .args(["report", file, "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    serde_json::from_str(&stdout_of(&output)).unwrap()
}

/// The version changes with every release; snapshots should not.
fn stable(text: &str) -> String {
    text.replace(
        &format!("caf {}", env!("CARGO_PKG_VERSION")),
        "caf [VERSION]",
    )
}

#[test]
fn every_format_renders_from_every_example() {
    let dir = tempfile::tempdir().unwrap();
    for example in all_examples() {
        let file = example.to_str().unwrap();
        for format in FORMATS {
            let bytes = render_to_file(file, format, &[], dir.path());
            assert!(bytes.len() > 1000, "{file} {format}: {} bytes", bytes.len());
            match format {
                "pdf" => assert!(bytes.starts_with(b"%PDF-"), "{file}"),
                "xlsx" => assert!(bytes.starts_with(b"PK"), "{file}"),
                "json" => {
                    let json: Value = serde_json::from_slice(&bytes).unwrap();
                    assert_eq!(json["schema"], "caf.report/1");
                }
                "html" => assert!(String::from_utf8(bytes).unwrap().contains("</html>")),
                _ => {}
            }
        }
    }
}

#[test]
fn text_formats_go_to_stdout_and_binary_formats_need_an_output_file() {
    for format in ["md", "csv", "html", "json"] {
        let output = caf()
            .args(["report", FIRE, "--format", format])
            .output()
            .unwrap();
        assert!(output.status.success(), "{format}");
        assert!(stdout_of(&output).contains("Severnside"), "{format}");
    }
    for format in ["pdf", "xlsx"] {
        let output = caf()
            .args(["report", FIRE, "--format", format])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{format}");
        assert!(stderr_of(&output).contains("-o"), "{}", stderr_of(&output));
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn pdf_text_names_the_organisation_every_outcome_and_the_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let json = report_json(FIRE, &[]);
    render_to_file(FIRE, "pdf", &[], dir.path());
    let pdf = dir.path().join("report.pdf");
    let text = pdftotext(&pdf);

    assert!(text.contains("Severnside Fire and Rescue Authority"));
    assert!(text.contains(json["cover"]["source"]["sha256"].as_str().unwrap()));
    for outcome in json["outcomes"].as_array().unwrap() {
        let id = outcome["id"].as_str().unwrap();
        assert!(text.contains(id), "outcome {id} missing from the PDF");
    }
    // The gap list: the executive summary names each gap, the plan shows what to do.
    let summary = &text[text.find("Most important gaps").expect("gap list")..];
    let plan = &text[text.find("Targeted improvement plan").expect("plan")..];
    let gaps = json["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 3);
    for gap in gaps {
        let line = format!(
            "{} {}",
            gap["id"].as_str().unwrap(),
            gap["title"].as_str().unwrap()
        );
        assert!(summary.contains(&line), "{line} missing from the gap list");
        assert!(plan.contains(&line), "{line} missing from the plan");
    }
    assert!(
        plan.contains("B4.b.A.1"),
        "plan lists the statements to select"
    );
    // Page numbers, and the status as words (not colour alone).
    let pages = text.matches("Page 1 of ").count();
    assert_eq!(pages, 1);
    assert!(text.contains("Not achieved") && text.contains("Partially achieved"));

    // Page 1 renders to a real image.
    let prefix = dir.path().join("page");
    let output = Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm is installed (poppler-utils)");
    assert!(output.status.success());
    crate::support::assert_no_poppler_warnings("pdftoppm", &pdf, &stderr_of(&output));
    let png = std::fs::read(dir.path().join("page.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(
        png.len() > 5_000,
        "page 1 is not blank: {} bytes",
        png.len()
    );
}

#[test]
fn html_is_structured_accessible_and_makes_no_requests() {
    let output = caf()
        .args([
            "report",
            COUNTY,
            "--format",
            "html",
            "--compare",
            COUNTY_PREVIOUS,
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let html = stdout_of(&output);
    let doc = scraper::Html::parse_document(&html);
    let select = |css: &str| scraper::Selector::parse(css).unwrap();

    assert_eq!(doc.select(&select("html[lang]")).count(), 1);
    let h1: Vec<String> = doc
        .select(&select("h1"))
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(h1, ["Northmoor County Council"]);
    let h2: Vec<String> = doc
        .select(&select("h2"))
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(
        h2,
        [
            "Executive summary",
            "Targeted improvement plan",
            "Changes since 2025/26",
            "Appendix: outcome detail"
        ]
    );
    // Every outcome has its own section, with its status in words.
    let json = report_json(COUNTY, &[]);
    for outcome in json["outcomes"].as_array().unwrap() {
        let id = outcome["id"].as_str().unwrap();
        let article = doc
            .select(&select(&format!("article[id=\"outcome-{id}\"]")))
            .next()
            .unwrap_or_else(|| panic!("no section for {id}"));
        let text: String = article.text().collect();
        assert!(
            text.contains(outcome["status_label"].as_str().unwrap()),
            "{id}"
        );
    }
    // Tables have header cells with a scope; charts are inline SVG with titles.
    for th in doc.select(&select("thead th")) {
        assert_eq!(th.value().attr("scope"), Some("col"));
    }
    assert_eq!(doc.select(&select("svg[role=img] > title")).count(), 2);
    assert!(doc.select(&select("svg rect")).count() > 41);
    // The plan has exactly one row per plan item, and the county has more of them than gaps
    // (outcomes with a target it has not assessed).
    let rows = doc.select(&select("table.plan tbody tr")).count();
    assert_eq!(rows, json["plan"].as_array().unwrap().len());
    assert!(rows > json["gaps"].as_array().unwrap().len());
    // Self-contained: no scripts, no linked resources, nothing fetched from the network.
    assert_eq!(doc.select(&select("script, link, iframe, img")).count(), 0);
    for element in doc.select(&select("*")) {
        for attr in ["src", "href", "srcset", "action", "poster", "data"] {
            if let Some(value) = element.value().attr(attr) {
                assert!(
                    value.starts_with('#'),
                    "<{} {attr}=\"{value}\"> would load or leave the page",
                    element.value().name()
                );
            }
        }
    }
    let style: String = doc
        .select(&select("style"))
        .flat_map(|e| e.text())
        .collect();
    assert!(!style.contains("@import") && !style.contains("url("));
    assert!(style.contains("@media print"));
}

#[test]
fn templates_can_be_overridden_file_by_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("partials")).unwrap();
    std::fs::write(
        dir.path().join("partials/style.css"),
        "body { color: #123456; } /* house style */",
    )
    .unwrap();
    let output = caf()
        .args(["report", FIRE, "--format", "html", "--templates"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let html = stdout_of(&output);
    assert!(html.contains("/* house style */"));
    assert!(
        !html.contains("--achieved"),
        "the shipped stylesheet is replaced"
    );
    assert!(
        html.contains("Targeted improvement plan"),
        "report.html is still the shipped one"
    );

    std::fs::write(
        dir.path().join("report.md"),
        "# {{ cover.organisation.name }} {% if %}",
    )
    .unwrap();
    let output = caf()
        .args(["report", FIRE, "--format", "md", "--templates"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("report.md"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn xlsx_reopens_with_the_report_values() {
    use calamine::{Data, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    render_to_file(FIRE, "xlsx", &[], dir.path());
    let mut book: Xlsx<_> = calamine::open_workbook(dir.path().join("report.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Summary", "Outcomes", "Improvement plan", "IGP detail"]
    );
    let json = report_json(FIRE, &[]);

    let summary = book.worksheet_range("Summary").unwrap();
    let cell = |range: &calamine::Range<Data>, row: u32, col: u32| {
        range
            .get_value((row, col))
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    assert!(cell(&summary, 0, 0).contains("Severnside Fire and Rescue Authority"));
    assert_eq!(cell(&summary, 10, 0), "SHA-256");
    assert_eq!(
        cell(&summary, 10, 1),
        json["cover"]["source"]["sha256"].as_str().unwrap()
    );

    let outcomes = book.worksheet_range("Outcomes").unwrap();
    assert_eq!(cell(&outcomes, 0, 0), "Outcome");
    assert_eq!(cell(&outcomes, 0, 4), "Status");
    assert_eq!(
        outcomes.height(),
        json["outcomes"].as_array().unwrap().len() + 1
    );
    for (i, o) in json["outcomes"].as_array().unwrap().iter().enumerate() {
        let row = i as u32 + 1;
        assert_eq!(cell(&outcomes, row, 0), o["id"].as_str().unwrap());
        assert_eq!(cell(&outcomes, row, 4), o["status_label"].as_str().unwrap());
    }

    let plan = book.worksheet_range("Improvement plan").unwrap();
    let gaps = json["gaps"].as_array().unwrap();
    assert_eq!(plan.height(), gaps.len() + 1);
    assert_eq!(cell(&plan, 0, 5), "Owner");
    assert_eq!(cell(&plan, 1, 0), gaps[0]["id"].as_str().unwrap());
    assert!(cell(&plan, 1, 4).contains("B4.b.A.1"));
    assert_eq!(cell(&plan, 1, 5), "", "owner is left blank");

    let statements = book.worksheet_range("IGP detail").unwrap();
    let total: usize = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["statements"].as_array().unwrap().len())
        .sum();
    assert_eq!(statements.height(), total + 1);
}

#[test]
fn markdown_and_csv_match_their_snapshots() {
    for (name, args) in [
        ("fire-rescue", vec![FIRE]),
        ("county-compare", vec![COUNTY, "--compare", COUNTY_PREVIOUS]),
    ] {
        for format in ["md", "csv"] {
            let output = caf()
                .arg("report")
                .args(&args)
                .args(["--format", format])
                .output()
                .unwrap();
            assert!(output.status.success(), "{}", stderr_of(&output));
            insta::assert_snapshot!(
                format!("report-{name}-{format}"),
                stable(&stdout_of(&output))
            );
        }
    }
}

#[test]
fn csv_header_is_the_documented_one_and_has_a_row_per_outcome() {
    let output = caf()
        .args(["report", COUNTY, "--format", "csv"])
        .output()
        .unwrap();
    let text = stdout_of(&output);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, caf_render::csv::report::HEADER);
    let readme = std::fs::read_to_string(path("README.md")).unwrap();
    assert!(
        readme.contains(&caf_render::csv::report::HEADER.join(",")),
        "README documents the CSV header"
    );
    assert_eq!(reader.records().count(), 41);
}

#[test]
fn the_plan_lists_exactly_the_outcomes_below_target_with_the_statements_to_do() {
    for example in all_examples() {
        let file = example.to_str().unwrap();
        let report = report_json(file, &[]);
        // Below target, or not assessed where there is a target (the examples record no
        // actions, which would also put an outcome in the plan).
        let below: BTreeSet<&str> = report["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| {
                o["met"] == Value::Bool(false)
                    || (!o["target"].is_null() && o["status"] == "not-assessed")
            })
            .map(|o| o["id"].as_str().unwrap())
            .collect();
        let planned: BTreeSet<&str> = report["plan"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(planned, below, "{file}");
        for item in report["plan"].as_array().unwrap() {
            let id = item["id"].as_str().unwrap();
            let outcome = report["outcomes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["id"] == id)
                .unwrap();
            let selected: BTreeSet<&str> = outcome["statements"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["selected"] == Value::Bool(true))
                .map(|s| s["ref"].as_str().unwrap())
                .collect();
            let steps = item["steps"].as_array().unwrap();
            assert!(!steps.is_empty(), "{file} {id}: nothing to do?");
            for step in steps {
                let reference = step["ref"].as_str().unwrap();
                match step["action"].as_str().unwrap() {
                    "achieve" => assert!(!selected.contains(reference), "{reference}"),
                    "resolve" => {
                        assert!(selected.contains(reference), "{reference}");
                        assert_eq!(step["level"], "not-achieved");
                    }
                    other => panic!("unknown action {other}"),
                }
                let text = outcome["statements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["ref"] == reference)
                    .unwrap()["text"]
                    .clone();
                assert_eq!(step["text"], text, "the framework's own words");
            }
        }
    }
}

#[test]
fn compare_across_v3_2_and_v4_0_gives_the_right_change_per_outcome() {
    let report = report_json(COUNTY, &["--compare", COUNTY_PREVIOUS]);
    let cmp = &report["comparison"];
    assert_eq!(cmp["across_versions"], true);
    assert_eq!(cmp["previous"]["period"], "2025/26");
    assert_eq!(cmp["previous"]["same_organisation"], true);
    let row = |id: &str| {
        cmp["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no row for {id}"))
            .clone()
    };
    let expect = [
        // id, previous id, relation, previous status, change
        ("A1.a", Some("A1.a"), "same", "not-achieved", "improved"),
        ("A1.b", Some("A1.b"), "same", "achieved", "unchanged"),
        (
            "A2.c",
            Some("A2.b"),
            "renumbered",
            "not-achieved",
            "improved",
        ),
        ("A2.b", None, "added", "", "new"),
        ("A4.b", None, "added", "", "new"),
        ("B3.e", Some("B3.e"), "same", "not-assessed", "new"),
        ("B4.a", Some("B4.a"), "same", "achieved", "regressed"),
        (
            "B4.d",
            Some("B4.d"),
            "same",
            "partially-achieved",
            "regressed",
        ),
        (
            "B5.c",
            Some("B5.c"),
            "same",
            "partially-achieved",
            "improved",
        ),
        (
            "B6.a",
            Some("B6.a"),
            "same",
            "partially-achieved",
            "no-longer-assessed",
        ),
        (
            "C1.a",
            Some("C1.a"),
            "revised",
            "partially-achieved",
            "no-longer-assessed",
        ),
        (
            "C2.a",
            Some("C2.a"),
            "redefined",
            "achieved",
            "not-comparable",
        ),
        ("C1.f", None, "added", "", "not-assessed"),
        // Same id, none of the same statements: never a change.
        (
            "C1.d",
            Some("C1.d"),
            "redefined",
            "not-assessed",
            "not-comparable",
        ),
    ];
    for (id, previous, relation, previous_status, change) in expect {
        let r = row(id);
        assert_eq!(r["previous_id"].as_str(), previous, "{id}");
        assert_eq!(r["relation"], relation, "{id}");
        assert_eq!(
            r["previous_status"].as_str().unwrap_or(""),
            previous_status,
            "{id}"
        );
        assert_eq!(r["change"], change, "{id}");
    }
    let count = |change: &str| {
        cmp["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["change"] == change)
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count("improved"), 5);
    assert_eq!(count("regressed"), 2);
    assert_eq!(count("new"), 3);
    assert_eq!(count("not-comparable"), 2);
    assert_eq!(cmp["rows"].as_array().unwrap().len(), 41);
    let removed: Vec<&str> = cmp["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(removed, ["C2.b"]);

    // The spreadsheet has the change table as its own sheet.
    {
        use calamine::{Reader, Xlsx};
        let dir = tempfile::tempdir().unwrap();
        render_to_file(COUNTY, "xlsx", &["--compare", COUNTY_PREVIOUS], dir.path());
        let mut book: Xlsx<_> = calamine::open_workbook(dir.path().join("report.xlsx")).unwrap();
        let changes = book.worksheet_range("Changes").unwrap();
        let row = changes.rows().find(|r| r[0] == "C2.a").expect("C2.a row");
        assert_eq!(row[5].to_string(), "Not comparable");
        let row = changes.rows().find(|r| r[0] == "A2.c").unwrap();
        assert_eq!(row[2].to_string(), "A2.b");
        assert_eq!(row[5].to_string(), "Improved");
    }

    // The PDF shows the same table.
    let dir = tempfile::tempdir().unwrap();
    render_to_file(COUNTY, "pdf", &["--compare", COUNTY_PREVIOUS], dir.path());
    let text = pdftotext(&dir.path().join("report.pdf"));
    let changes = &text[text
        .find("Changes since 2025/26")
        .expect("comparison section")..];
    for word in [
        "Improved",
        "Regressed",
        "New",
        "Not comparable",
        "(as A2.b)",
        "C2.b Proactive Attack Discovery",
    ] {
        assert!(
            changes.contains(word),
            "{word} missing from the PDF comparison"
        );
    }
}

#[test]
fn compare_without_a_mapping_is_a_usage_error() {
    // v4.0 → v3.2 has no mapping: a v4.0 file (dated a period earlier here) cannot be the
    // previous assessment of a v3.2 one.
    let dir = tempfile::tempdir().unwrap();
    let earlier = dir.path().join("earlier-v4.toml");
    std::fs::write(
        &earlier,
        crate::support::read(&path(COUNTY)).replace("period = \"2026/27\"", "period = \"2024/25\""),
    )
    .unwrap();
    let output = caf()
        .args(["report", COUNTY_PREVIOUS, "--format", "json", "--compare"])
        .arg(&earlier)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("no mapping"),
        "{}",
        stderr_of(&output)
    );
}

/// `--compare` refuses what would make the comparison false, pointing at the key that shows
/// it: another organisation (unless allowed), a later period, the same file.
#[test]
fn compare_refuses_another_organisation_a_later_period_and_the_same_file() {
    let refused = |args: &[&str], code: &str, at: &str| {
        let output = caf().args(args).output().unwrap();
        let err = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(&format!("error[{code}]")), "{args:?}: {err}");
        assert!(err.starts_with(at), "{args:?} should point at {at}: {err}");
        assert!(stdout_of(&output).is_empty());
    };
    let district = "examples/district-council-caf-3.2-baseline.toml";
    let fire = "examples/fire-rescue-caf-3.2-enhanced.toml";
    // Another organisation: the earlier file's organisation id.
    refused(
        &["report", district, "--format", "md", "--compare", fire],
        "compare-other-organisation",
        &format!("{fire}:9:6:"),
    );
    // ...unless the comparison is deliberate, and then the report says so.
    let output = caf()
        .args(["report", district, "--format", "json", "--compare", fire])
        .arg("--allow-other-organisation")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let json: Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    assert_eq!(json["comparison"]["previous"]["same_organisation"], false);
    // A later period: the earlier file's period.
    refused(
        &[
            "report",
            COUNTY_PREVIOUS,
            "--format",
            "md",
            "--compare",
            COUNTY,
        ],
        "compare-later-period",
        &format!("{COUNTY}:5:10:"),
    );
    // The same file, or a copy of it.
    refused(
        &["report", COUNTY, "--format", "md", "--compare", COUNTY],
        "compare-same-content",
        &format!("{COUNTY}:"),
    );
    // The flag only means something with --compare.
    let output = caf()
        .args([
            "report",
            COUNTY,
            "--format",
            "md",
            "--allow-other-organisation",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// Every key path of a JSON value, arrays collapsed to `[]`: the shape of the schema.
fn key_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = format!("{prefix}.{k}");
                out.insert(path.clone());
                key_paths(v, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_json_schema_caf_report_1_is_pinned() {
    let mut paths = BTreeSet::new();
    for report in [
        report_json(FIRE, &[]),
        report_json(COUNTY, &["--compare", COUNTY_PREVIOUS]),
        report_json("examples/district-council-caf-3.2-baseline.toml", &[]),
    ] {
        assert_eq!(report["schema"], "caf.report/1");
        key_paths(&report, "", &mut paths);
    }
    insta::assert_snapshot!(
        "report-json-schema-paths",
        paths.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn report_help_is_stable() {
    let output = caf().args(["report", "--help"]).output().unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!("help_report", stdout_of(&output));
}

/// Answers carried from last period and not yet confirmed are said on the cover and in the
/// summary of every format a board member reads, with their count.
#[test]
fn unreviewed_answers_are_counted_on_the_cover_and_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(path("examples/fire-rescue-caf-3.2-enhanced.toml")).unwrap();
    // Three outcomes carried, the rest confirmed this period.
    let mut carried = 0;
    let text: String = text
        .split_inclusive('\n')
        .map(|line| {
            if line.starts_with("selected = ") && carried < 3 {
                carried += 1;
                format!("needs_review = true\n{line}")
            } else {
                line.to_string()
            }
        })
        .collect();
    let file = dir.path().join("carried.toml");
    std::fs::write(&file, text).unwrap();
    let notice =
        "3 of 39 outcomes carry answers from an earlier period that have not been reviewed";

    let md = stdout_of(
        &caf()
            .arg("report")
            .arg(&file)
            .args(["--format", "md"])
            .output()
            .unwrap(),
    );
    assert!(
        md.contains("| Not yet reviewed | 3 outcomes carried from an earlier period |"),
        "{md}"
    );
    assert!(md.contains(notice), "{md}");

    let json: Value = serde_json::from_str(&stdout_of(
        &caf()
            .arg("report")
            .arg(&file)
            .args(["--format", "json"])
            .output()
            .unwrap(),
    ))
    .unwrap();
    assert_eq!(json["cover"]["unreviewed"], 3);
    assert!(
        json["summary"]["review_notice"]
            .as_str()
            .unwrap()
            .starts_with(notice)
    );

    let pdf = dir.path().join("carried.pdf");
    caf()
        .arg("report")
        .arg(&file)
        .args(["--format", "pdf", "-o"])
        .arg(&pdf)
        .assert()
        .success();
    let text = pdftotext(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("3 outcomes carried from an earlier period"),
        "{text}"
    );
    assert!(text.contains(notice), "{text}");

    // A file with nothing carried says nothing about review.
    let md = stdout_of(
        &caf()
            .args([
                "report",
                "examples/fire-rescue-caf-3.2-enhanced.toml",
                "--format",
                "md",
            ])
            .output()
            .unwrap(),
    );
    assert!(!md.contains("Not yet reviewed") && !md.contains("have not been reviewed"));
}

/// Across v3.2 and v4.0 the GovAssure targets differ, so a met verdict can change with no change
/// in the answer: each row says which it was, and the section counts them.
#[test]
fn compare_says_whether_met_changed_by_answer_or_by_method() {
    let report = report_json(COUNTY, &["--compare", COUNTY_PREVIOUS]);
    let cmp = &report["comparison"];
    let row = |id: &str| {
        cmp["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no row for {id}"))
            .clone()
    };
    // id, previous target, previous met, target, met, why
    let expect = [
        // Not achieved → Achieved against an Achieved target both times.
        (
            "A1.a",
            "achieved",
            false,
            "achieved",
            true,
            Some("by-answer"),
        ),
        // Partially achieved both times; the baseline target rose to Achieved in v4.0.
        (
            "B2.c",
            "partially-achieved",
            true,
            "achieved",
            false,
            Some("by-method"),
        ),
        // Achieved → Partially achieved, and the target rose too.
        (
            "B4.a",
            "partially-achieved",
            true,
            "achieved",
            false,
            Some("by-answer-and-method"),
        ),
        // Unchanged status and target: nothing to say.
        ("A1.b", "achieved", true, "achieved", true, None),
    ];
    for (id, previous_target, previous_met, target, met, why) in expect {
        let r = row(id);
        assert_eq!(r["previous_target"], previous_target, "{id}");
        assert_eq!(r["previous_met"], previous_met, "{id}");
        assert_eq!(r["target"], target, "{id}");
        assert_eq!(r["met"], met, "{id}");
        assert_eq!(r["met_change"].as_str(), why, "{id}");
        assert_eq!(
            r["met_note"].as_str().unwrap().is_empty(),
            why.is_none(),
            "{id}"
        );
    }
    // A redefined outcome (C2.a) is never said to have changed its verdict.
    assert!(row("C2.a")["met_change"].is_null());
    let by = |key: &str| cmp[key].as_u64().unwrap();
    let rows = cmp["rows"].as_array().unwrap();
    for (key, kind) in [
        ("met_by_answer", "by-answer"),
        ("met_by_method", "by-method"),
        ("met_by_answer_and_method", "by-answer-and-method"),
    ] {
        let counted = rows.iter().filter(|r| r["met_change"] == kind).count() as u64;
        assert_eq!(by(key), counted, "{key}");
    }
    assert!(by("met_by_method") >= 1 && by("met_by_answer") >= 1);
    let summary = cmp["met_summary"].as_str().unwrap();
    assert!(
        summary.contains("because only the target changed"),
        "{summary}"
    );

    // Each format a reader sees says it.
    let md = stdout_of(
        &caf()
            .args([
                "report",
                COUNTY,
                "--format",
                "md",
                "--compare",
                COUNTY_PREVIOUS,
            ])
            .output()
            .unwrap(),
    );
    assert!(md.contains(summary), "{md}");
    assert!(
        md.contains("Meets target: yes → no, because the target changed (Partially achieved → Achieved), not the answer."),
        "{md}"
    );
}
