//! The small things a new user trips on: the format named by `-o`'s extension (and a
//! contradiction refused), plain logs when they are not going to a terminal, a manual page per
//! command, and counts in the right number.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::service::Sqlite;
use crate::support::{caf, path, read, run_ok, stderr_of};

const COUNTY: &str = "examples/county-council-caf-4.0-partial.toml";

#[test]
fn the_output_file_extension_names_the_format_and_a_contradiction_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("board.pdf");
    run_ok(&["report", COUNTY, "-o", pdf.to_str().unwrap()]);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));

    let csv = dir.path().join("plan.CSV");
    run_ok(&["report", COUNTY, "-o", csv.to_str().unwrap()]);
    assert!(
        read(&csv).starts_with("organisation,framework,"),
        "{}",
        read(&csv)
    );

    // HTML asked for, a .pdf named: refused, nothing written.
    let wrong = dir.path().join("out.pdf");
    let output = caf()
        .args(["report", COUNTY, "--format", "html", "-o"])
        .arg(&wrong)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("--format html does not match"));
    assert!(!wrong.exists());

    // Neither a format nor an extension that names one.
    let output = caf()
        .args(["report", COUNTY, "-o"])
        .arg(dir.path().join("report.txt"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("--format"),
        "{}",
        stderr_of(&output)
    );

    // The aggregate too; without -o it is still the terminal table.
    let population = crate::support::synth_population(dir.path(), 12, 1);
    let json = dir.path().join("aggregate.json");
    run_ok(&[
        "aggregate",
        population.to_str().unwrap(),
        "-o",
        json.to_str().unwrap(),
    ]);
    let model: serde_json::Value = serde_json::from_str(&read(&json)).unwrap();
    assert!(
        model["schema"]
            .as_str()
            .unwrap()
            .starts_with("caf.aggregate")
    );
}

#[test]
fn server_logs_carry_no_colour_codes_when_not_written_to_a_terminal() {
    let db = Sqlite::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_caf"))
        .args(["serve", "--database", &db.url, "--listen", "127.0.0.1:0"])
        .env("CAF_LOG", "debug")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut log: Vec<String> = Vec::new();
    let mut asked = false;
    while Instant::now() < deadline && !log.iter().any(|l| l.contains("request")) {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                // Once listening, one request, which the server logs (at debug).
                if let Some(url) = line.split("listening on http://").nth(1)
                    && !asked
                {
                    let addr = url.split_whitespace().next().unwrap();
                    let mut stream = std::net::TcpStream::connect(addr).unwrap();
                    stream.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").unwrap();
                    let mut reply = Vec::new();
                    let _ = stream.read_to_end(&mut reply);
                    asked = true;
                }
                log.push(line);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        log.iter()
            .any(|l| l.contains("DEBUG") && l.contains("request")),
        "the server logged {log:?}"
    );
    for line in &log {
        assert!(!line.contains('\u{1b}'), "colour code in {line:?}");
    }
}

#[test]
fn every_command_has_a_manual_page_and_the_pages_they_refer_to_exist() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(&["man", "--dir", dir.path().to_str().unwrap()]);
    let top = read(&dir.path().join("caf.1"));
    // roff escapes the hyphens of the names it refers to.
    let top_text = top.replace("\\-", "-");
    // Every page the top page refers to is there, and is that command's page.
    let mut referred = 0;
    for word in top_text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '(' || c == ')'))
    {
        if let Some(name) = word.strip_suffix("(1)")
            && name.starts_with("caf-")
        {
            referred += 1;
            let page = read(&dir.path().join(format!("{name}.1")));
            assert!(page.contains(".TH"), "{name}");
            let command = name.trim_start_matches("caf-").replace('-', " ");
            assert!(page.contains(&command), "{name}: {page}");
        }
    }
    assert!(referred >= 5, "caf.1 refers to {referred} pages:\n{top}");
    let report = read(&dir.path().join("caf-report.1"));
    assert!(report.contains("summary"), "{report}");
    assert!(dir.path().join("caf-admin-token.1").is_file() || !cfg!(feature = "server"));
    // Without --dir, the top page to standard output, as before.
    let output = caf().arg("man").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), top);
}

#[test]
fn one_assessment_is_one_assessment() {
    let dir = tempfile::tempdir().unwrap();
    let population = dir.path().join("one");
    std::fs::create_dir(&population).unwrap();
    std::fs::copy(path(COUNTY), population.join("county.toml")).unwrap();
    let output = run_ok(&["aggregate", population.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(text.contains("1 assessment from 1 organisation"), "{text}");
    assert!(!text.contains("1 assessments") && !text.contains("1 organisations"));
}

#[test]
fn the_revoke_hint_printed_with_a_new_token_runs_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    // A folder name a shell would split, so the hint must quote it.
    let folder = dir.path().join("caf data");
    std::fs::create_dir(&folder).unwrap();
    let database = format!("sqlite://{}", folder.join("caf.db").display());
    let output = caf()
        .env_remove("CAF_DATABASE")
        .args([
            "admin",
            "token",
            "create",
            "--role",
            "analyst",
            "--database",
        ])
        .arg(&database)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let said = stderr_of(&output);
    let hint = said
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("no command in {said:?}"));
    assert!(hint.starts_with("caf admin token revoke "), "{hint}");
    let command = hint.replacen("caf", env!("CARGO_BIN_EXE_caf"), 1);
    let ran = Command::new("sh")
        .args(["-c", &command])
        .env_remove("CAF_DATABASE")
        .output()
        .unwrap();
    assert!(ran.status.success(), "{hint}: {}", stderr_of(&ran));
    let list = caf()
        .args(["admin", "token", "list", "--database"])
        .arg(&database)
        .output()
        .unwrap();
    // The token's row now has a revocation time beside its creation and expiry.
    let id = hint.split_whitespace().nth(4).unwrap();
    let table = crate::support::stdout_of(&list);
    let row = table.lines().find(|l| l.contains(id)).unwrap();
    assert_eq!(row.matches("Z ").count(), 3, "{table}");
}

#[test]
fn a_stored_submission_comes_back_byte_for_byte() {
    let db = Sqlite::new();
    let env = crate::server::setup(&db.url);
    // Comments and Windows line endings: what a person's editor leaves in a file.
    let original = crate::service::assessment_for(crate::server::ORG_A, 1)
        .replace('\n', "\r\n")
        .replacen("\r\n", "  # kept as written\r\n", 1);
    let output = env.caf_submit(&env.token_a, &original, "mine.toml");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let (status, list) = env.call("GET", "/submissions", Some(&env.analyst), None);
    assert_eq!(status, 200, "{list}");
    let id = find_id(&list).expect("a submission id");
    let back = tempfile::tempdir().unwrap();
    let file = back.path().join("back.toml");
    std::fs::write(back.path().join("none.toml"), "").unwrap();
    let shown = caf()
        .args(["submissions", "show", &id, "--toml", "-o"])
        .arg(&file)
        .args(["--server", &env.server.url])
        .env("CAF_TOKEN", &env.analyst)
        .env("CAF_CONFIG", back.path().join("none.toml"))
        .output()
        .unwrap();
    assert!(shown.status.success(), "{}", stderr_of(&shown));
    assert_eq!(std::fs::read(&file).unwrap(), original.as_bytes());
}

/// The first `"id"` string anywhere in a JSON value.
fn find_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Object(map) => map
            .get("id")
            .and_then(|v| v.as_str().map(str::to_string))
            .or_else(|| map.values().find_map(find_id)),
        serde_json::Value::Array(items) => items.iter().find_map(find_id),
        _ => None,
    }
}

#[test]
fn the_terminal_heat_map_fits_the_terminal_however_many_groups() {
    let dir = tempfile::tempdir().unwrap();
    let population = crate::support::synth_population(dir.path(), 200, 1);
    let args = [
        "aggregate",
        population.to_str().unwrap(),
        "--group-by",
        "region",
    ];
    let json: serde_json::Value =
        serde_json::from_slice(&run_ok(&[&args[..], &["--format", "json"]].concat()).stdout)
            .unwrap();
    let keys: Vec<&str> = (json["groups"].as_array().unwrap().iter())
        .filter(|g| g["suppressed"] == false)
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.len() >= 6,
        "enough groups to overflow 80 columns: {keys:?}"
    );
    for columns in [80, 132] {
        let output = caf()
            .args(args)
            .env("COLUMNS", columns.to_string())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let table_lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with(['┌', '│', '╞', '├', '└']))
            .collect();
        for line in &table_lines {
            assert!(line.chars().count() <= columns, "{columns}: {line}");
        }
        // Every published group is still shown, in some table.
        for key in &keys {
            assert!(text.contains(key), "{key} missing at {columns} columns");
        }
    }
}
