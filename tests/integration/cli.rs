//! The scripted-audit commands end to end: score, check, init, frameworks.

use crate::support::{caf, examples, path, stderr_of, stdout_of};

#[test]
fn every_example_and_framework_loads_with_no_diagnostics() {
    let catalog = caf_core::framework::Catalog::shipped();
    for id in catalog.ids() {
        catalog.framework(id).unwrap();
    }
    for mapping in catalog.mappings() {
        mapping.unwrap();
    }
    for map in catalog.statement_maps() {
        map.unwrap();
    }
    assert!(examples().len() >= 3);
    for example in examples() {
        caf_core::assessment::load(&example, &catalog)
            .unwrap_or_else(|e| panic!("{}: {e}", example.display()));
    }
}

#[test]
fn check_exit_codes_match_each_example() {
    let expected = [
        ("examples/county-council-caf-4.0-partial.toml", 1),
        ("examples/district-council-caf-3.2-baseline.toml", 0),
        ("examples/fire-rescue-caf-3.2-enhanced.toml", 1),
    ];
    for (file, code) in expected {
        let output = caf().args(["check", file]).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(code),
            "{file}\n{}",
            stdout_of(&output)
        );
    }
}

#[test]
fn check_prints_each_gap_with_its_reason() {
    let output = caf()
        .args(["check", "examples/fire-rescue-caf-3.2-enhanced.toml"])
        .output()
        .unwrap();
    let text = stdout_of(&output);
    assert!(
        text.starts_with("FAIL: Severnside Fire and Rescue Authority"),
        "{text}"
    );
    assert!(text.contains("3 outcomes below target:"), "{text}");
    assert!(text.contains("B4.b Secure Configuration: Not achieved, target achieved"));
    assert!(
        text.contains("Not achieved because B4.b.NA.1 is selected"),
        "{text}"
    );
    // Largest shortfall first (not achieved against an achieved target), then framework order.
    let position = |id: &str| text.find(&format!("  {id} ")).unwrap();
    assert!(position("B4.b") < position("B2.c") && position("B2.c") < position("C1.c"));
}

#[test]
fn check_against_another_profile_changes_the_verdict() {
    // The district council meets baseline, but not enhanced.
    let file = "examples/district-council-caf-3.2-baseline.toml";
    caf().args(["check", file]).assert().code(0);
    let output = caf()
        .args(["check", file, "--profile", "enhanced"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout_of(&output).contains("FAIL: Ashdown Vale District Council"));
}

#[test]
fn check_without_any_profile_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.toml");
    let text = crate::support::read(&path("examples/district-council-caf-3.2-baseline.toml"))
        .replace("profile = \"baseline\"\n", "");
    std::fs::write(&file, text).unwrap();
    let output = caf().arg("check").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("no target profile"));
    // Scoring still works, with no targets and every `met` null.
    let output = caf()
        .args(["score", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    assert!(json["profile"].is_null());
    assert!(
        json["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["met"].is_null() && o["target"].is_null())
    );
}

#[test]
fn an_unknown_profile_on_the_command_line_is_refused() {
    let output = caf()
        .args([
            "score",
            "examples/district-council-caf-3.2-baseline.toml",
            "--profile",
            "gold",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output)
            .contains("caf-3.2 has no profile `gold`; its profiles: baseline, enhanced")
    );
}

#[test]
fn score_json_is_stable() {
    let output = caf()
        .args([
            "score",
            "--format",
            "json",
            "examples/fire-rescue-caf-3.2-enhanced.toml",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    insta::assert_json_snapshot!("score_fire_rescue", json);
}

#[test]
fn score_table_is_stable() {
    let output = caf()
        .args(["score", "examples/county-council-caf-4.0-partial.toml"])
        .output()
        .unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!("score_county_table", stdout_of(&output));
}

#[test]
fn score_csv_has_one_row_per_outcome() {
    let output = caf()
        .args([
            "score",
            "--format",
            "csv",
            "examples/county-council-caf-4.0-partial.toml",
        ])
        .output()
        .unwrap();
    let text = stdout_of(&output);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[..5],
        ["id", "title", "objective", "principle", "status"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 41);
    let b4d = rows.iter().find(|r| &r[0] == "B4.d").unwrap();
    assert_eq!(
        (&b4d[4], &b4d[6], &b4d[7]),
        ("not-achieved", "partially-achieved", "false")
    );
    let c2a = rows.iter().find(|r| &r[0] == "C2.a").unwrap();
    assert_eq!((&c2a[4], &c2a[7]), ("not-assessed", ""));
}

#[test]
fn overrides_count_and_keep_the_computed_status() {
    let output = caf()
        .args([
            "score",
            "--format",
            "json",
            "examples/fire-rescue-caf-3.2-enhanced.toml",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    let d1b = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "D1.b")
        .unwrap();
    assert_eq!(d1b["status"], "achieved");
    assert_eq!(d1b["computed_status"], "not-achieved");
    assert_eq!(d1b["overridden"], true);
    assert!(
        d1b["justification"]
            .as_str()
            .unwrap()
            .contains("PIR-2026-03")
    );
    assert_eq!(d1b["met"], true);
}

/// Each malformed file gives exactly one located error and exit code 2.
#[test]
fn every_malformed_fixture_gives_one_located_error() {
    let cases = [
        ("duplicate-selection", 13, 25),
        ("empty-value", 6, 8),
        ("impossible-override", 14, 23),
        ("invalid-date", 10, 8),
        ("invalid-status", 14, 23),
        ("invalid-type", 13, 12),
        ("missing-justification", 14, 12),
        ("missing-key", 5, 1),
        ("toml-syntax", 13, 23),
        ("unknown-framework", 1, 13),
        ("unknown-indicator", 13, 25),
        ("unknown-key", 4, 1),
        ("unknown-key-in-outcome", 14, 1),
        ("unknown-outcome", 12, 11),
        ("unknown-profile", 2, 11),
    ];
    let on_disk = std::fs::read_dir(path("tests/fixtures/invalid"))
        .unwrap()
        .count();
    assert_eq!(on_disk, cases.len(), "every fixture has an expectation");
    for (name, line, column) in cases {
        let file = format!("tests/fixtures/invalid/{name}.toml");
        for command in ["score", "check"] {
            let output = caf().args([command, &file]).output().unwrap();
            assert_eq!(output.status.code(), Some(2), "{file}");
            let stderr = stderr_of(&output);
            let code = name.trim_end_matches("-in-outcome");
            let expected = format!("{file}:{line}:{column}: error[{code}]");
            assert!(
                stderr.starts_with(&expected),
                "{file}: expected `{expected}`, got\n{stderr}"
            );
            assert_eq!(stderr.matches("error[").count(), 1, "{stderr}");
            assert!(stderr.contains("= help: "), "{stderr}");
            assert!(!stderr.contains("panicked"));
        }
    }
}

/// The library's help lines go to remote submitters too, so they name no command or flag;
/// the command line adds its own advice after them.
#[test]
fn library_help_names_no_command_and_the_cli_adds_its_advice() {
    let dir = tempfile::tempdir().unwrap();
    let stray = dir.path().join("stray.toml");
    std::fs::write(
        &stray,
        crate::support::read(&path("tests/fixtures/invalid/unknown-indicator.toml"))
            .replace("\"B2.a.A.1\"", "\"A1.a.A.99\""),
    )
    .unwrap();
    let mut files: Vec<_> = std::fs::read_dir(path("tests/fixtures/invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(stray.clone());
    let catalog = caf_core::framework::Catalog::shipped();
    for file in &files {
        let Err(caf_core::Error::Invalid(diagnostics)) = caf_core::assessment::load(file, &catalog)
        else {
            panic!("{} loads", file.display());
        };
        for d in diagnostics {
            let help = d.help.as_deref().unwrap_or_default();
            assert!(!help.contains("`caf ") && !help.contains("--"), "{d}");
        }
    }
    let framework_file = path("tests/fixtures/invalid-frameworks/many-problems.toml");
    let source = caf_core::diagnostic::SourceFile::new(
        "many-problems.toml",
        crate::support::read(&framework_file),
    );
    for d in caf_core::framework::load::parse_framework(&source).unwrap_err() {
        let help = d.help.as_deref().unwrap_or_default();
        assert!(!help.contains("`caf ") && !help.contains("--"), "{d}");
    }

    // At the terminal: the neutral help first, then the command that shows more.
    let cases = [
        (
            stray.display().to_string(),
            "= help: the statements of outcome A1.a are A1.a.NA.1, A1.a.NA.2, A1.a.NA.3, A1.a.NA.4, A1.a.A.1, A1.a.A.2, A1.a.A.3, A1.a.A.4\n  \
             = help: `caf frameworks show caf-3.2 --outcome A1.a` prints each statement's text",
        ),
        (
            "tests/fixtures/invalid/unknown-outcome.toml".to_string(),
            ", D2.a, D2.b\n  = help: `caf frameworks show caf-3.2` lists its outcomes with their titles",
        ),
        (
            "tests/fixtures/invalid/unknown-profile.toml".to_string(),
            "= help: use one of: baseline, enhanced\n  = help: `caf frameworks show caf-3.2` shows \
             each profile's targets; add your own profile pack with --frameworks DIR",
        ),
        (
            "tests/fixtures/invalid/unknown-framework.toml".to_string(),
            "= help: use one of: caf-3.2, caf-4.0\n  = help: `caf frameworks list` describes each \
             framework; add your own with --frameworks DIR",
        ),
    ];
    for (file, expected) in cases {
        let output = caf().args(["score", &file]).output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = stderr_of(&output);
        assert!(
            stderr.contains(expected),
            "{file}: expected\n{expected}\ngot\n{stderr}"
        );
    }
    // An indicator that belongs elsewhere needs no command: the help says where it goes.
    let output = caf()
        .args(["score", "tests/fixtures/invalid/unknown-indicator.toml"])
        .output()
        .unwrap();
    assert_eq!(stderr_of(&output).matches("= help:").count(), 1);
}

#[test]
fn several_problems_in_one_assessment_are_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.toml");
    let text = crate::support::read(&path("tests/fixtures/invalid/unknown-indicator.toml"))
        .replace("profile = \"baseline\"", "profile = \"gold\"")
        .replace("date = 2026-10-01", "date = \"2026-13-01\"");
    std::fs::write(&file, text).unwrap();
    let output = caf().arg("score").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    for code in ["unknown-profile", "invalid-date", "unknown-indicator"] {
        assert!(stderr.contains(&format!("error[{code}]")), "{stderr}");
    }
}

#[test]
fn framework_validation_reports_every_problem_with_its_location() {
    let file = "tests/fixtures/invalid-frameworks/many-problems.toml";
    let output = caf()
        .args(["frameworks", "validate", file])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    for (code, line, column) in [
        ("unevaluable-rule", 12, 8),
        ("unknown-level", 32, 31),
        ("duplicate-id", 36, 6),
        ("outcome-without-indicators", 44, 6),
        ("unknown-outcome", 54, 1),
    ] {
        let expected = format!("{file}:{line}:{column}: error[{code}]");
        assert!(
            stderr.contains(&expected),
            "missing `{expected}` in\n{stderr}"
        );
    }
    assert!(stderr.contains("the last rule must be `when = \"otherwise\"`"));
}

#[test]
fn shipped_frameworks_validate_cleanly() {
    for file in [
        "frameworks/caf-3.2.toml",
        "frameworks/caf-4.0.toml",
        "frameworks/mappings/caf-3.2-to-caf-4.0.toml",
        "frameworks/mappings/caf-3.2-to-caf-4.0-statements.toml",
    ] {
        caf()
            .args(["frameworks", "validate", file])
            .assert()
            .success();
    }
}

#[test]
fn frameworks_list_and_show() {
    let output = caf()
        .args(["frameworks", "list", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    let counts: Vec<(String, u64, u64)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["outcomes"].as_u64().unwrap(),
                f["indicators"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [("caf-3.2".into(), 39, 449), ("caf-4.0".into(), 41, 557)]
    );

    let output = caf()
        .args(["frameworks", "show", "caf-4.0", "--outcome", "B2.a"])
        .output()
        .unwrap();
    let text = stdout_of(&output);
    assert!(text.starts_with("B2.a Identity Verification, Authentication and Authorisation"));
    assert!(text.contains("Target under baseline: Achieved"));

    assert!(text.contains("B2.a.NA.1"));

    // The published profiles say where they come from.
    let text = stdout_of(
        &caf()
            .args(["frameworks", "show", "caf-4.0"])
            .output()
            .unwrap(),
    );
    assert!(
        text.contains("Profile baseline: GovAssure Baseline. Source: GovAssure Government CAF profiles for CAF v4.0"),
        "{text}"
    );
    assert!(!text.contains("provisional"), "{text}");

    let output = caf()
        .args([
            "frameworks",
            "show",
            "caf-3.2",
            "--outcome",
            "A1.b",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    assert_eq!(json["indicators"].as_array().unwrap().len(), 6);

    let output = caf()
        .args(["frameworks", "show", "caf-4.0", "--outcome", "Z1.z"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn init_writes_a_skeleton_that_scores_as_not_assessed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new.toml");
    caf()
        .args([
            "init",
            "--framework",
            "caf-4.0",
            "--profile",
            "baseline",
            "--org",
            "Test Borough Council",
            "--org-id",
            "E09000999",
            "-o",
        ])
        .arg(&file)
        .assert()
        .success();
    let text = crate::support::read(&file);
    assert!(text.contains("# [outcomes.\"C1.f\"]"));
    assert!(text.contains("B2.a.NA.1"));
    let output = caf()
        .args(["score", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    assert_eq!(json["summary"]["outcomes"], 41);
    assert_eq!(json["summary"]["not_assessed"], 41);
    assert_eq!(json["organisation"]["name"], "Test Borough Council");
    // Refuses to overwrite without --force.
    caf()
        .args(["init", "--org", "X", "-o"])
        .arg(&file)
        .assert()
        .code(2);
}

#[test]
fn a_councils_own_profile_pack_is_used_and_validated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("council.toml"),
        "extends = \"caf-3.2\"\n[profiles.council-2027]\ntitle = \"Our 2027 target\"\n[profiles.council-2027.targets]\n\"B4.b\" = \"partially-achieved\"\n",
    )
    .unwrap();
    let output = caf()
        .arg("--frameworks")
        .arg(dir.path())
        .args([
            "check",
            "examples/fire-rescue-caf-3.2-enhanced.toml",
            "--profile",
            "council-2027",
        ])
        .output()
        .unwrap();
    // B4.b is not achieved, below the council's own partially-achieved target.
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("B4.b"));

    std::fs::write(
        dir.path().join("council.toml"),
        "extends = \"caf-3.2\"\n[profiles.bad]\ntitle = \"Bad\"\n[profiles.bad.targets]\n\"Q1.a\" = \"achieved\"\n",
    )
    .unwrap();
    let output = caf()
        .env("CAF_FRAMEWORKS", dir.path())
        .args(["frameworks", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("council.toml:5:1: error[unknown-outcome]"),
        "{}",
        stderr_of(&output)
    );
}

/// "Baseline, plus Achieved for backups": `base` inherits every baseline target, then the
/// pack's own targets override, so `check` still judges every outcome.
#[test]
fn a_profile_builds_on_another_and_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("council.toml"),
        "# The documented example.\r\nextends = \"caf-4.0\"\r\n[profiles.council-2027]\r\ntitle = \"Our 2027 target\"\r\nbase = \"baseline\"\r\n[profiles.council-2027.targets]\r\n\"B4.d\" = \"achieved\"\r\n\"B5.c\" = \"achieved\"\r\n",
    )
    .unwrap();
    let catalog = caf_core::framework::Catalog::with_dir(dir.path()).unwrap();
    let framework = catalog.framework("caf-4.0").unwrap();
    let own = framework.profile("council-2027").unwrap();
    let baseline = framework.profile("baseline").unwrap();
    assert_eq!(own.targets.len(), 41, "every baseline target is inherited");
    assert_eq!(own.base.as_deref(), Some("baseline"));
    for outcome in &framework.outcomes {
        let expected = match outcome.id.as_str() {
            "B4.d" | "B5.c" => Some(caf_core::framework::Status::Achieved),
            _ => baseline.target(&outcome.id),
        };
        assert_eq!(own.target(&outcome.id), expected, "{}", outcome.id.as_str());
    }
    // B4.d and B5.c were partially achieved under baseline; now they must be achieved.
    assert_ne!(
        baseline.target(&caf_core::framework::OutcomeId::new("B4.d")),
        expected_achieved()
    );

    // An unknown base is a located error naming the profiles that can be built on.
    std::fs::write(
        dir.path().join("council.toml"),
        "extends = \"caf-4.0\"\n[profiles.council-2027]\ntitle = \"T\"\nbase = \"basline\"\n",
    )
    .unwrap();
    let output = caf()
        .arg("--frameworks")
        .arg(dir.path())
        .args(["frameworks", "list"])
        .output()
        .unwrap();
    let err = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.contains("council.toml:4:8: error[unknown-profile]"),
        "{err}"
    );
    assert!(err.contains("use one of: baseline, enhanced"), "{err}");
}

fn expected_achieved() -> Option<caf_core::framework::Status> {
    Some(caf_core::framework::Status::Achieved)
}

#[test]
fn a_missing_file_is_an_io_error() {
    let output = caf()
        .args(["score", "does-not-exist.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr_of(&output).contains("cannot read does-not-exist.toml"));
}

#[test]
fn the_scripted_audit_example_runs() {
    let output = std::process::Command::new("bash")
        .arg(path("examples/scripted-audit.sh"))
        .arg(path("examples"))
        .env("CAF", env!("CARGO_BIN_EXE_caf"))
        .current_dir(crate::support::root())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(
        text.contains(
            "PASS   Ashdown Vale District Council: met 39/39, 100.0% assessed, gaps: none"
        ),
        "{text}"
    );
    assert!(
        text.contains("BELOW  Severnside Fire and Rescue Authority: met 36/39"),
        "{text}"
    );
}

#[test]
fn help_is_stable() {
    let output = caf().arg("--help").output().unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!("help", stdout_of(&output));
    let output = caf().args(["score", "--help"]).output().unwrap();
    insta::assert_snapshot!("help_score", stdout_of(&output));
}

#[test]
fn completions_and_man_page() {
    let output = caf().args(["completions", "bash"]).output().unwrap();
    assert!(stdout_of(&output).contains("frameworks"));
    let output = caf().arg("man").output().unwrap();
    assert!(
        stdout_of(&output).starts_with(".ie"),
        "{}",
        stdout_of(&output)
    );
}

#[test]
fn usage_errors_exit_2() {
    caf().arg("score").assert().code(2);
    caf()
        .args(["score", "x.toml", "--format", "yaml"])
        .assert()
        .code(2);
    caf().args(["frobnicate"]).assert().code(2);
}

/// A reader that stops early (`caf report ... | head -1`) is how pipelines end, not a failure:
/// exit 0 and nothing on stderr, so `set -o pipefail` scripts keep working. The report is
/// larger than a pipe's buffer, so caf is still writing when the reader goes away.
#[test]
fn a_closed_stdout_is_success() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    for args in [
        &[
            "report",
            "examples/county-council-caf-4.0-partial.toml",
            "--format",
            "md",
        ][..],
        &[
            "report",
            "examples/county-council-caf-4.0-partial.toml",
            "--format",
            "json",
        ][..],
        &["aggregate", "examples", "--format", "json"][..],
    ] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("caf"))
            .args(args)
            .current_dir(crate::support::root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{args:?} printed nothing");
        // The reader is dropped here, closing the pipe.
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}: {output:?}");
        assert!(
            output.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Last period's answers copied forward (every outcome `needs_review = true`) are not this
/// period's judgement: `check` fails, names them, and passes only with `--allow-unreviewed`.
#[test]
fn unreviewed_answers_do_not_pass_a_check() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(path("examples/district-council-caf-3.2-baseline.toml"))
        .unwrap()
        // Windows line endings too, as a file edited elsewhere would have.
        .replace("\nselected = ", "\nneeds_review = true\r\nselected = ");
    let file = dir.path().join("copied.toml");
    std::fs::write(&file, &text).unwrap();
    let file = file.to_str().unwrap();

    let output = caf().args(["check", file]).output().unwrap();
    let out = stdout_of(&output);
    assert_eq!(output.status.code(), Some(1), "{out}{}", stderr_of(&output));
    assert!(out.starts_with("FAIL: "), "{out}");
    assert!(
        out.contains("39 outcomes with a target still need review"),
        "{out}"
    );
    assert!(out.contains("A1.a, A1.b"), "{out}");

    let output = caf()
        .args(["check", file, "--allow-unreviewed"])
        .output()
        .unwrap();
    let out = stdout_of(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(out.starts_with("PASS: "), "{out}");
    assert!(out.contains("allowed by --allow-unreviewed"), "{out}");

    // One outcome confirmed, the rest still carried: still a failure, naming only the rest.
    let one_reviewed = text.replacen("needs_review = true\r\n", "", 1);
    std::fs::write(dir.path().join("copied.toml"), one_reviewed).unwrap();
    let output = caf().args(["check", file]).output().unwrap();
    let out = stdout_of(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("38 outcomes"), "{out}");
    assert!(!out.contains(": A1.a,"), "{out}");
}
