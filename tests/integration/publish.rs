//! Reports fit to publish: the PDFs are tagged (a structure tree in reading order, headings
//! that skip no level, tables with header cells, figures with alternative text that states
//! the chart's numbers, the language, the title shown, furniture as artifacts), read back
//! with poppler; and they survive text the font cannot show.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{path, pdf_structure, pdfinfo, pdftotext, run_ok, stdout_of};

const COUNTY: &str = "examples/county-council-caf-4.0-partial.toml";
const COUNTY_PREVIOUS: &str = "examples/previous/county-council-caf-3.2-2025-26.toml";

fn report(file: &Path, format: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "report",
        file.to_str().unwrap(),
        "--format",
        format,
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run_ok(&args);
}

fn json_report(file: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["report", file.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&stdout_of(&run_ok(&args))).unwrap()
}

/// The position of each needle in `haystack`, asserting they come in this order.
fn assert_in_order(haystack: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        let at = haystack[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not found after byte {from} in:\n{haystack}"));
        from += at + needle.len();
    }
}

/// The heading levels in the structure tree, in reading order.
fn heading_levels(structure: &str) -> Vec<u8> {
    structure
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l.strip_prefix('H')?;
            let level = rest.chars().next()?.to_digit(10)?;
            rest[1..].starts_with(' ').then_some(level as u8)
        })
        .collect()
}

/// Every table in the structure tree is a grid: each row has as many cells as the first, an
/// empty cell included (PDF/UA-1 7.5: a row short of cells leaves the table irregular).
fn assert_tables_are_regular(structure: &str) {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let lines: Vec<&str> = structure.lines().collect();
    let mut tables = 0;
    for (i, line) in lines.iter().enumerate() {
        if !line.trim_start().starts_with("Table") {
            continue;
        }
        tables += 1;
        let at = indent(line);
        let mut rows: Vec<usize> = Vec::new();
        for l in lines[i + 1..].iter().take_while(|l| indent(l) > at) {
            let t = l.trim_start();
            if t == "TR" && indent(l) == at + 2 {
                rows.push(0);
            } else if (t.starts_with("TH") || t.starts_with("TD")) && indent(l) == at + 4 {
                *rows.last_mut().expect("a cell in a row") += 1;
            }
        }
        assert!(
            rows.windows(2).all(|w| w[0] == w[1]),
            "table {tables} is irregular: cells per row {rows:?}"
        );
    }
}

fn assert_tagged_document(pdf: &Path, title: &str) -> String {
    let info = pdfinfo(pdf);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Tagged:") && l.ends_with("yes")),
        "{info}"
    );
    assert!(info.contains(title), "title {title:?}: {info}");
    let bytes = std::fs::read(pdf).unwrap();
    let raw = String::from_utf8_lossy(&bytes);
    for key in [
        "/Lang(en-GB)",
        "/DisplayDocTitle true",
        "/MarkInfo<</Marked true",
        "<pdfuaid:part>1</pdfuaid:part>",
    ] {
        assert!(raw.contains(key), "{key} missing from {}", pdf.display());
    }
    let structure = pdf_structure(pdf);
    assert_tables_are_regular(&structure);
    let levels = heading_levels(&structure);
    assert_eq!(levels.first(), Some(&1), "the first heading is H1");
    for pair in levels.windows(2) {
        assert!(
            pair[1] <= pair[0] + 1,
            "a heading level is skipped: {levels:?}"
        );
    }
    structure
}

#[test]
fn report_pdf_is_tagged_in_reading_order_with_headers_and_described_charts() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("report.pdf");
    let county = path(COUNTY);
    let compare = ["--compare", COUNTY_PREVIOUS];
    report(&county, "pdf", &pdf, &compare);
    let model = json_report(&county, &compare);
    let title = model["title"].as_str().unwrap();
    let structure = assert_tagged_document(&pdf, title);

    // The sections in the order a reader meets them, with the report's own words.
    let organisation = model["cover"]["organisation"]["name"].as_str().unwrap();
    let headline = model["summary"]["headline"].as_str().unwrap();
    let first_objective = &model["objectives"][0];
    let first_outcome = model["outcomes"][0]["id"].as_str().unwrap();
    assert_in_order(
        &structure,
        &[
            organisation,
            "H1 \"Executive summary\"",
            &headline[..40],
            "Table",
            "TH:",
            "/Scope /Column",
            "\"Objective\"",
            "TD",
            first_objective["title"].as_str().unwrap(),
            "Figure",
            "H1 \"Targeted improvement plan\"",
            "H1 \"Changes since 2025/26\"",
            "H1 \"Appendix: outcome detail\"",
            &format!(
                "H2 \"Objective {}:",
                first_objective["id"].as_str().unwrap()
            ),
            &format!("H3 \"{first_outcome} "),
        ],
    );

    // The bar chart's alternative text states the numbers of every objective.
    let raw = String::from_utf8_lossy(&std::fs::read(&pdf).unwrap()).into_owned();
    for objective in model["objectives"].as_array().unwrap() {
        let counts: Vec<String> = (objective["counts"].as_array().unwrap().iter())
            .map(|c| {
                format!(
                    "{} {}",
                    c["count"],
                    c["label"].as_str().unwrap().to_lowercase()
                )
            })
            .collect();
        let said = format!(
            "{} {}: {}.",
            objective["id"].as_str().unwrap(),
            objective["title"].as_str().unwrap(),
            counts.join(", ")
        );
        assert!(raw.contains(&said), "the figure's /Alt lacks {said:?}");
    }

    // Page furniture is drawn but is not content: the page numbers are artifacts.
    let pages = crate::support::pdf_pages(&pdf);
    assert!(pdftotext(&pdf).contains(&format!("Page 2 of {pages}")));
    assert!(!structure.contains("Page 2 of"), "furniture in the tree");
    // A table header repeated on a later page is an artifact too: each header cell's text
    // is in the tree once per table.
    let plan_headers = structure.matches("\"To reach the target\"").count();
    assert_eq!(plan_headers, 1, "{structure}");
}

#[test]
fn aggregate_pdf_is_tagged_and_its_heat_map_is_a_table_with_row_and_column_headers() {
    let dir = tempfile::tempdir().unwrap();
    let population = crate::support::synth_population(dir.path(), 40, 1);
    let pdf = dir.path().join("aggregate.pdf");
    let args = [
        "aggregate",
        population.to_str().unwrap(),
        "--group-by",
        "sector",
    ];
    run_ok(&[&args[..], &["--format", "pdf", "-o", pdf.to_str().unwrap()]].concat());
    let model: Value = serde_json::from_str(&stdout_of(&run_ok(
        &[&args[..], &["--format", "json"]].concat(),
    )))
    .unwrap();
    let structure = assert_tagged_document(&pdf, "CAF aggregate");

    let first = model["outcomes"][0]["id"].as_str().unwrap();
    let group = (model["groups"].as_array().unwrap().iter())
        .find(|g| g["suppressed"] == false)
        .expect("a published group");
    assert_in_order(
        &structure,
        &[
            "H1 \"Coverage\"",
            // (poppler prints a non-ASCII heading title as raw UTF-16: match its text)
            "\"Outcome × group heat-map\"",
            "Table",
            "/Scope /Column",
            "\"Outcome\"",
            "\"All\"",
            group["key"].as_str().unwrap(),
            "/Scope /Row",
            &format!("\"{first}\""),
        ],
    );
    // The attainment chart's alternative text gives each profile's figures.
    let raw = String::from_utf8_lossy(&std::fs::read(&pdf).unwrap()).into_owned();
    for p in model["attainment"]["profiles"].as_array().unwrap() {
        let said = format!(
            "{}: {} of {}",
            p["profile"].as_str().unwrap(),
            p["meeting_all"],
            p["organisations"]
        );
        assert!(raw.contains(&said), "/Alt lacks {said:?}");
    }
}

/// An answers file whose organisation name holds text DejaVu Sans cannot show.
fn unshowable_name(dir: &Path) -> PathBuf {
    let file = dir.join("a.toml");
    let text = std::fs::read_to_string(path(COUNTY)).unwrap().replace(
        "name = \"Northmoor County Council\"",
        "name = \"Northmoor 北部 \\uE000 \\u202e Council 🛡\"",
    );
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_name_the_font_cannot_show_still_gives_a_valid_tagged_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let file = unshowable_name(dir.path());
    let pdf = dir.path().join("report.pdf");
    report(&file, "pdf", &pdf, &[]);
    let structure = assert_tagged_document(&pdf, "Northmoor");
    // What can be shown is, and the rest reads as the replacement character, not as nothing.
    assert!(structure.contains("Northmoor"), "{structure}");
    assert!(structure.contains('\u{FFFD}'), "{structure}");
    assert!(structure.contains("Council"), "{structure}");
}

#[test]
fn the_board_paper_leaves_out_the_appendix_that_the_full_report_labels() {
    let dir = tempfile::tempdir().unwrap();
    let county = path(COUNTY);
    let compare = ["--compare", COUNTY_PREVIOUS];
    let model = json_report(&county, &compare);
    let full = dir.path().join("full.pdf");
    let paper = dir.path().join("paper.pdf");
    report(&county, "pdf", &full, &compare);
    report(
        &county,
        "pdf",
        &paper,
        &[&compare[..], &["--summary"]].concat(),
    );

    let full_tree = pdf_structure(&full);
    let paper_tree = assert_tagged_document(&paper, model["title"].as_str().unwrap());
    assert!(full_tree.contains("H1 \"Appendix: outcome detail\""));
    let statement = model["outcomes"][0]["statements"][0]["text"]
        .as_str()
        .unwrap();
    assert!(full_tree.contains(&statement[..30]));
    // The paper: cover, summary, changes, overrides and the plan; no statement detail.
    assert_in_order(
        &paper_tree,
        &[
            model["cover"]["organisation"]["name"].as_str().unwrap(),
            "H1 \"Executive summary\"",
            "H1 \"Targeted improvement plan\"",
            "H1 \"Changes since 2025/26\"",
        ],
    );
    if model["summary"]["override_notice"].is_string() {
        assert!(paper_tree.contains("\"Overrides\""), "{paper_tree}");
    }
    assert!(!paper_tree.contains("Appendix"), "{paper_tree}");
    assert!(!paper_tree.contains(&statement[..30]), "{paper_tree}");
    let (full_pages, paper_pages) = (
        crate::support::pdf_pages(&full),
        crate::support::pdf_pages(&paper),
    );
    // A row per outcome in the plan, not a page per statement: the v4.0 example's paper with
    // its comparison was 12 pages with the statements in full, and is 7.
    assert!(
        paper_pages * 5 < full_pages && paper_pages <= 8,
        "{paper_pages} vs {full_pages}"
    );

    // The HTML and Markdown papers leave it out too.
    for format in ["html", "md"] {
        let out = dir.path().join(format!("paper.{format}"));
        report(&county, format, &out, &["--summary"]);
        let text = crate::support::read(&out);
        assert!(text.contains("Targeted improvement plan"), "{format}");
        assert!(!text.contains("Appendix"), "{format}");
        assert!(!text.contains(statement), "{format}");
        let out = dir.path().join(format!("full.{format}"));
        report(&county, format, &out, &[]);
        assert!(crate::support::read(&out).contains("Appendix: outcome detail"));
    }
}

/// The board paper's plan is a row per outcome: its actions (or, with none, the statements
/// it needs by reference), owner and due date, never the statements in full; the full report
/// keeps them.
#[test]
fn the_board_papers_plan_is_a_row_per_outcome_with_action_owner_and_due() {
    let dir = tempfile::tempdir().unwrap();
    let file = path("tests/fixtures/plan/district-with-plan.toml");
    let args = ["--plan-profile", "enhanced", "--as-of", "2026-06-01"];
    let model = json_report(&file, &args);
    let plan = model["plan"].as_array().unwrap();
    assert!(plan.len() > 5, "{}", plan.len());
    let with_actions: Vec<&Value> = (plan.iter())
        .filter(|p| !p["actions"].as_array().unwrap().is_empty())
        .collect();
    assert!(!with_actions.is_empty() && with_actions.len() < plan.len());
    let step_texts: Vec<&str> = (plan.iter())
        .flat_map(|p| p["steps"].as_array().unwrap())
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(!step_texts.is_empty());
    let paper = [&args[..], &["--summary"]].concat();

    let html = dir.path().join("paper.html");
    report(&file, "html", &html, &paper);
    let doc = scraper::Html::parse_document(&crate::support::read(&html));
    let select = |s: &str| scraper::Selector::parse(s).unwrap();
    let text = |e: scraper::ElementRef| e.text().collect::<String>();
    let header: Vec<String> = doc
        .select(&select("table.plan.brief thead th"))
        .map(text)
        .collect();
    assert_eq!(
        header,
        ["Outcome", "Current", "Target", "Action", "Owner", "Due"]
    );
    let rows: Vec<_> = doc.select(&select("table.plan.brief tbody tr")).collect();
    assert_eq!(rows.len(), plan.len(), "one row per outcome");
    for (row, item) in rows.iter().zip(plan) {
        let cells: Vec<String> = row.select(&select("th, td")).map(text).collect();
        assert!(
            cells[0].starts_with(item["id"].as_str().unwrap()),
            "{cells:?}"
        );
        let actions = item["actions"].as_array().unwrap();
        if actions.is_empty() {
            assert_eq!(
                cells[3],
                format!("None recorded. {}", item["brief"].as_str().unwrap())
            );
        } else {
            for a in actions {
                assert!(cells[3].contains(a["brief"].as_str().unwrap()), "{cells:?}");
            }
        }
        assert_eq!(cells[4], item["owner"].as_str().unwrap());
        assert!(
            cells[5].starts_with(item["due"].as_str().unwrap()),
            "{cells:?}"
        );
    }
    let overdue = with_actions.iter().find(|p| p["overdue"] == true).unwrap();
    assert!(
        doc.select(&select("table.plan.brief .overdue"))
            .any(|e| text(e).contains(overdue["actions"][0]["action"].as_str().unwrap()))
    );

    // The PDF and Markdown papers say the same, and none has the statements in full.
    let pdf = dir.path().join("paper.pdf");
    report(&file, "pdf", &pdf, &paper);
    // Its rows without an owner or a due date keep those cells, empty.
    assert_tagged_document(&pdf, model["title"].as_str().unwrap());
    let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    // The structure tree's text, in reading order: a cell's wrapped lines follow each other
    // there, where the laid-out text interleaves the columns.
    let tree_text = |pdf: &Path| {
        flat(
            &(pdf_structure(pdf).lines())
                .filter_map(|l| {
                    let l = l.trim();
                    l.strip_prefix('"')?.strip_suffix('"')
                })
                .collect::<Vec<_>>()
                .join(" "),
        )
    };
    let pdf_text = tree_text(&pdf);
    let md = dir.path().join("paper.md");
    report(&file, "md", &md, &paper);
    let md_text = flat(&crate::support::read(&md));
    for (format, text) in [
        ("pdf", &pdf_text),
        ("md", &md_text),
        ("html", &flat(&crate::support::read(&html))),
    ] {
        for a in with_actions
            .iter()
            .flat_map(|p| p["actions"].as_array().unwrap())
        {
            assert!(text.contains(a["brief"].as_str().unwrap()), "{format}: {a}");
        }
        let first_brief = plan
            .iter()
            .find(|p| p["actions"].as_array().unwrap().is_empty())
            .unwrap();
        assert!(
            text.contains(first_brief["brief"].as_str().unwrap()),
            "{format}"
        );
        for step in &step_texts {
            assert!(!text.contains(&flat(step)), "{format} has {step:?}");
        }
    }
    let full = dir.path().join("full.pdf");
    report(&file, "pdf", &full, &args);
    assert!(tree_text(&full).contains(&flat(step_texts[0])));
}

/// poppler's one known complaint about krilla's PDFs is allowed, exactly: the same words of
/// another type, other messages, or that line with more on it still fail.
#[test]
fn only_popplers_suspects_message_is_allowed() {
    use crate::support::{POPPLER_ALLOWED, assert_no_poppler_warnings};
    let pdf = Path::new("report.pdf");
    assert_no_poppler_warnings("pdfinfo", pdf, "");
    assert_no_poppler_warnings("pdfinfo", pdf, &format!("{}\n", POPPLER_ALLOWED[0]));
    for other in [
        "Syntax Error: Suspects object is wrong type (integer)",
        "Syntax Error: Suspects object is wrong type (boolean) in object 12",
        "Syntax Warning: Invalid least number of objects reading page offset hints table",
        "Syntax Error (1234): Illegal character <29> in hex string",
    ] {
        let stderr = format!("{}\n{other}\n", POPPLER_ALLOWED[0]);
        let result =
            std::panic::catch_unwind(|| assert_no_poppler_warnings("pdfinfo", pdf, &stderr));
        assert!(result.is_err(), "{other:?} was let through");
    }
}

#[test]
fn statements_of_outcomes_not_assessed_read_not_answered_not_no() {
    let dir = tempfile::tempdir().unwrap();
    let county = path(COUNTY);
    let model = json_report(&county, &[]);
    let not_assessed: Vec<&str> = (model["outcomes"].as_array().unwrap().iter())
        .filter(|o| o["status"] == "not-assessed")
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(
        !not_assessed.is_empty(),
        "the example has outcomes not assessed"
    );
    let html = dir.path().join("r.html");
    report(&county, "html", &html, &[]);
    let doc = scraper::Html::parse_document(&crate::support::read(&html));
    let select = |s: &str| scraper::Selector::parse(s).unwrap();
    for id in &not_assessed {
        let article = doc
            .select(&select(&format!("article[id=\"outcome-{id}\"]")))
            .next()
            .unwrap();
        let cells: Vec<String> = article
            .select(&select("td.sel"))
            .map(|c| c.text().collect())
            .collect();
        assert!(!cells.is_empty());
        assert!(cells.iter().all(|c| c == "Not answered"), "{id}: {cells:?}");
    }
    // An assessed outcome still says Yes or No.
    let assessed = (model["outcomes"].as_array().unwrap().iter())
        .find(|o| o["status"] != "not-assessed")
        .unwrap();
    let article = doc
        .select(&select(&format!(
            "article[id=\"outcome-{}\"]",
            assessed["id"].as_str().unwrap()
        )))
        .next()
        .unwrap();
    assert!(
        article
            .select(&select("td.sel"))
            .all(|c| matches!(c.text().collect::<String>().as_str(), "Yes" | "No"))
    );
    // The PDF says the same.
    let pdf = dir.path().join("r.pdf");
    report(&county, "pdf", &pdf, &[]);
    assert!(pdftotext(&pdf).contains("Not answered"));
}

#[test]
fn every_html_report_passes_axe_core_in_chromium_and_prints_to_a_sensible_length() {
    let dir = tempfile::tempdir().unwrap();
    let county = path(COUNTY);
    let population = crate::support::synth_population(dir.path(), 30, 2);
    let mut pages = Vec::new();
    let cases: [(&str, Vec<&str>); 4] = [
        ("assessment", vec![]),
        ("board-paper", vec!["--summary"]),
        ("comparison", vec!["--compare", COUNTY_PREVIOUS]),
        ("aggregate", vec![]),
    ];
    for (name, extra) in cases {
        let html = dir.path().join(format!("{name}.html"));
        if name == "aggregate" {
            let args = [
                "aggregate",
                population.to_str().unwrap(),
                "--group-by",
                "region",
                "--format",
                "html",
                "-o",
                html.to_str().unwrap(),
            ];
            run_ok(&args);
        } else {
            report(&county, "html", &html, &extra);
        }
        let Some(violations) = crate::support::axe_violations(&html) else {
            eprintln!("SKIPPED: no chromium to run axe-core in (apt-get install chromium)");
            return;
        };
        let grave: Vec<&Value> = violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(grave.is_empty(), "{name}: {grave:#?}");
        // The findings that may remain (moderate, minor), printed for the record:
        // `cargo test -- every_html_report --nocapture` shows them.
        let mut by_impact = std::collections::BTreeMap::<&str, usize>::new();
        for v in &violations {
            *by_impact
                .entry(v["impact"].as_str().unwrap_or("none"))
                .or_default() += 1;
        }
        let printed = crate::support::print_pages(&html).unwrap();
        eprintln!(
            "axe-core {name}: {} violation(s) {by_impact:?}{}; printed: {printed} page(s)",
            violations.len(),
            (violations.iter())
                .map(|v| format!(
                    "\n  {} ({}, {} node(s)): {}",
                    v["id"].as_str().unwrap_or("?"),
                    v["impact"].as_str().unwrap_or("?"),
                    v["nodes"],
                    v["help"].as_str().unwrap_or("")
                ))
                .collect::<String>()
        );
        pages.push((name, printed));
    }
    // Printed, the board paper is a fraction of the full report, which itself fits a
    // committee pack (the detail of 41 outcomes, not a page per statement). The full report
    // carries the improvement plan with every statement its 23 outcomes need; the board
    // paper a row per outcome (4 pages printed, 10 when it too listed the statements).
    let count = |n: &str| pages.iter().find(|(name, _)| *name == n).unwrap().1;
    assert!(count("board-paper") * 6 <= count("assessment"), "{pages:?}");
    assert!(count("board-paper") <= 5, "{pages:?}");
    assert!(count("assessment") <= 41, "{pages:?}");
    assert!(count("aggregate") >= 1, "{pages:?}");
}

/// WCAG 2 contrast ratio of two `#rrggbb` colours.
fn contrast(a: &str, b: &str) -> f64 {
    let luminance = |hex: &str| {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    };
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn aggregate_html_is_the_assessments_design_with_scoped_headers_counts_and_readable_cells() {
    let dir = tempfile::tempdir().unwrap();
    let population = crate::support::synth_population(dir.path(), 40, 1);
    let html = dir.path().join("aggregate.html");
    run_ok(&[
        "aggregate",
        population.to_str().unwrap(),
        "--group-by",
        "region",
        "-o",
        html.to_str().unwrap(),
    ]);
    let text = crate::support::read(&html);
    let doc = scraper::Html::parse_document(&text);
    let select = |s: &str| scraper::Selector::parse(s).unwrap();
    assert_eq!(
        doc.select(&select("html")).next().unwrap().attr("lang"),
        Some("en-GB")
    );
    assert_eq!(doc.select(&select("main")).count(), 1);
    // The assessment report's stylesheet.
    assert!(text.contains("header.cover"));
    for th in doc.select(&select("th")) {
        assert!(th.attr("scope").is_some(), "{}", th.html());
        assert!(
            !th.text().collect::<String>().trim().is_empty(),
            "empty header"
        );
    }
    let cells: Vec<_> = doc.select(&select("table.heat-map td.heat")).collect();
    assert!(!cells.is_empty());
    for cell in cells {
        let style = cell.attr("style").unwrap();
        let colour = |key: &str| {
            style
                .split(';')
                .find_map(|d| d.trim().strip_prefix(key))
                .unwrap()
                .trim()
                .to_string()
        };
        let (fill, ink) = (colour("background:"), colour("color:"));
        let ratio = contrast(&fill, &ink);
        assert!(ratio >= 4.5, "{ink} on {fill}: {ratio:.2}:1");
        // The share and the achieved / partially / not achieved counts.
        let words: String = cell.text().collect();
        assert_eq!(words.matches(" / ").count(), 2, "{words}");
    }
}
