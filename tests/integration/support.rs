//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn path(relative: &str) -> PathBuf {
    root().join(relative)
}

/// The `caf` binary under test, run from the repository root with a clean environment for
/// colour and user frameworks.
pub fn caf() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("caf").expect("caf binary is built");
    cmd.current_dir(root())
        .env_remove("CAF_FRAMEWORKS")
        .env("NO_COLOR", "1");
    cmd
}

/// Every shipped example assessment.
pub fn examples() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(path("examples"))
        .expect("examples folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    found.sort();
    found
}

/// `caf score --format json FILE`, which must succeed.
#[allow(dead_code)]
pub fn scorecard(file: &Path) -> serde_json::Value {
    let output = caf()
        .args(["score", "--format", "json"])
        .arg(file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    serde_json::from_str(&stdout_of(&output)).unwrap()
}

/// Runs `caf` with `args`, asserting that it succeeds.
#[allow(dead_code)]
pub fn run_ok(args: &[&str]) -> std::process::Output {
    let output = caf().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "caf {args:?} failed: {}",
        stderr_of(&output)
    );
    output
}

/// A synthetic population of `orgs` organisations over `periods` periods (`caf synth`), in
/// `dir/population`.
#[allow(dead_code)]
pub fn synth_population(dir: &Path, orgs: usize, periods: usize) -> PathBuf {
    let population = dir.join("population");
    let (orgs, periods) = (orgs.to_string(), periods.to_string());
    run_ok(&[
        "synth",
        "--orgs",
        &orgs,
        "--periods",
        &periods,
        "-o",
        population.to_str().unwrap(),
    ]);
    population
}

pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[allow(dead_code)]
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Every file under `dir`, at any depth, sorted.
#[allow(dead_code)]
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A PDF's text, laid out, through poppler's `pdftotext`.
pub fn pdftotext(pdf: &Path) -> String {
    let output = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed (poppler-utils; scripts/test.sh installs it)");
    assert!(output.status.success(), "pdftotext: {}", stderr_of(&output));
    assert_no_poppler_warnings("pdftotext", pdf, &stderr_of(&output));
    stdout_of(&output)
}

/// What poppler may say about our PDFs, line for line. Only this, and only exactly this:
/// poppler 22.12 (Debian bookworm) reads `/MarkInfo <</Marked true /Suspects false>>` as an
/// error, its check taking a false boolean for a wrong type. krilla always writes
/// `/Suspects false`, as PDF/UA-1 requires (krilla's `chunk_container.rs`), so the line comes
/// from poppler and krilla, not from us; any other message still fails the test.
pub const POPPLER_ALLOWED: [&str; 1] = ["Syntax Error: Suspects object is wrong type (boolean)"];

/// Asserts that `tool`'s standard error on `pdf` holds nothing but [`POPPLER_ALLOWED`] lines.
pub fn assert_no_poppler_warnings(tool: &str, pdf: &Path, stderr: &str) {
    let unexpected: Vec<&str> = stderr
        .lines()
        .filter(|line| !POPPLER_ALLOWED.contains(line))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{tool} warns about {}:\n{}",
        pdf.display(),
        unexpected.join("\n")
    );
}

/// The rows of a CSV document, the header row included.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// One of poppler's tools on `pdf`, its standard output; it may warn of nothing but
/// [`POPPLER_ALLOWED`].
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let output = std::process::Command::new(tool)
        .args(args)
        .arg(pdf)
        .output()
        .unwrap_or_else(|e| panic!("{tool} is installed (poppler-utils): {e}"));
    assert!(output.status.success(), "{tool}: {}", stderr_of(&output));
    assert_no_poppler_warnings(tool, pdf, &stderr_of(&output));
    stdout_of(&output)
}

/// `pdfinfo`: the document information (Tagged, Pages, Title, ...).
#[allow(dead_code)]
pub fn pdfinfo(pdf: &Path) -> String {
    poppler("pdfinfo", &[], pdf)
}

/// The page count `pdfinfo` reports.
#[allow(dead_code)]
pub fn pdf_pages(pdf: &Path) -> usize {
    let info = pdfinfo(pdf);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in pdfinfo:\n{info}"))
}

/// A tagged PDF's structure tree with the text of each element, in reading order
/// (`pdfinfo -struct-text`).
#[allow(dead_code)]
pub fn pdf_structure(pdf: &Path) -> String {
    poppler("pdfinfo", &["-struct-text"], pdf)
}

/// Debian's Chromium (or another on PATH), if one is installed.
#[allow(dead_code)]
pub fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Runs Chromium headless on `args` then the file URL of `page`; `None` when no Chromium is
/// installed (the caller says SKIPPED).
#[allow(dead_code)]
fn headless(page: &Path, args: &[&str]) -> Option<std::process::Output> {
    let browser = chromium()?;
    let output = std::process::Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(output.status.success(), "chromium: {}", stderr_of(&output));
    Some(output)
}

/// The axe-core violations (objects with `id`, `impact`, `help`, `nodes`, `targets`) of an HTML
/// page, from axe-core run in headless Chromium; `None` without Chromium. axe-core's minified
/// file (MPL-2.0) is vendored in tests/fixtures/axe/; a copy of the page with it appended is
/// what the browser loads, so the report itself stays script-free.
#[allow(dead_code)]
pub fn axe_violations(html: &Path) -> Option<Vec<serde_json::Value>> {
    chromium()?;
    let axe = read(&path("tests/fixtures/axe/axe.min.js"));
    let runner = r#"axe.run(document, { resultTypes: ["violations"] }).then(function (r) {
  var out = document.createElement("pre");
  out.id = "axe-result";
  out.textContent = JSON.stringify(r.violations.map(function (v) {
    return { id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
             targets: v.nodes.slice(0, 5).map(function (n) { return n.target.join(" "); }) };
  }));
  document.body.appendChild(out);
});"#;
    let page = read(html).replace(
        "</body>",
        &format!("<script>{axe}</script><script>{runner}</script></body>"),
    );
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("axe.html");
    std::fs::write(&copy, page).unwrap();
    let output = headless(&copy, &["--virtual-time-budget=60000", "--dump-dom"])?;
    let dom = scraper::Html::parse_document(&stdout_of(&output));
    let result = scraper::Selector::parse("pre#axe-result").unwrap();
    let text: String = dom
        .select(&result)
        .next()
        .unwrap_or_else(|| panic!("axe did not finish on {}", html.display()))
        .text()
        .collect();
    Some(serde_json::from_str(&text).expect("axe's result is JSON"))
}

/// Prints an HTML page to PDF with headless Chromium (A4, the page's print stylesheet), and
/// returns the page count; `None` without Chromium.
#[allow(dead_code)]
pub fn print_pages(html: &Path) -> Option<usize> {
    let pdf = html.with_extension("printed.pdf");
    headless(
        html,
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
    )?;
    Some(pdf_pages(&pdf))
}
