//! `caf synth` end to end: real-shaped populations check and score with the real commands,
//! `--plain` keeps the bare shape, and `--hostile` writes files of the size asked for that
//! the commands refuse (or, for the long comment, accept) without crashing.

use std::path::{Path, PathBuf};

use crate::support::{caf, files_in, stderr_of, stdout_of};

fn synth(dir: &Path, extra: &[&str]) -> String {
    let output = caf()
        .args([
            "synth",
            "--orgs",
            "30",
            "--periods",
            "2",
            "--seed",
            "11",
            "-o",
        ])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    stdout_of(&output)
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = files_in(dir);
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files
}

/// The count `caf synth` reports as deliberately invalid.
fn invalid_reported(summary: &str) -> usize {
    let (_, after) = summary.split_once('(').unwrap();
    after.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn real_shaped_files_check_and_score_and_carry_the_real_features() {
    let dir = tempfile::tempdir().unwrap();
    let summary = synth(dir.path(), &[]);
    let files = toml_files(dir.path());
    assert_eq!(files.len(), 60);
    let (mut refused, mut all) = (0, String::new());
    for file in &files {
        let check = caf().arg("check").arg(file).output().unwrap();
        let score = caf()
            .args(["score", "--format", "json"])
            .arg(file)
            .output()
            .unwrap();
        match check.status.code() {
            // Meets its targets, or does not: either way read and scored.
            Some(0 | 1) => {
                assert!(score.status.success(), "{}", stderr_of(&score));
                let card: serde_json::Value = serde_json::from_slice(&score.stdout).unwrap();
                assert!(card["outcomes"].as_array().is_some_and(|o| !o.is_empty()));
            }
            Some(2) => {
                refused += 1;
                assert_eq!(score.status.code(), Some(2), "{}", file.display());
                assert!(stderr_of(&check).contains(&*file.to_string_lossy()));
            }
            other => panic!(
                "{}: check gave {other:?}: {}",
                file.display(),
                stderr_of(&check)
            ),
        }
        all.push_str(&String::from_utf8(std::fs::read(file).unwrap()).unwrap());
    }
    assert_eq!(refused, invalid_reported(&summary), "{summary}");
    for feature in [
        "\r\n",
        "comment = \"\"\"",
        "comment = '",
        "\\\"",
        "evidence = [{",
        ".evidence]]",
        "override",
        "justification",
        "needs_review = true",
        "suppliers = [",
        "selected = [\n",
        "£",
    ] {
        assert!(all.contains(feature), "no file has {feature:?}");
    }

    // The aggregate reads the same files and counts the same invalid ones.
    let output = caf()
        .arg("aggregate")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["coverage"]["inputs"], 60);
    assert_eq!(report["coverage"]["invalid"], refused);
}

#[test]
fn plain_keeps_the_bare_shape_and_both_are_deterministic() {
    let (plain, plain_again, real) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    synth(plain.path(), &["--plain"]);
    synth(plain_again.path(), &["--plain"]);
    synth(real.path(), &[]);
    let read = |dir: &Path| -> Vec<Vec<u8>> {
        toml_files(dir)
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect()
    };
    assert_eq!(read(plain.path()), read(plain_again.path()));
    let plain_text: Vec<String> = read(plain.path())
        .into_iter()
        .map(|b| String::from_utf8(b).unwrap())
        .collect();
    for text in &plain_text {
        for absent in ["\r", "comment", "evidence", "override", "needs_review", "'"] {
            assert!(!text.contains(absent), "plain file has {absent:?}:\n{text}");
        }
        assert!(text.contains("selected = ["));
    }
    // The same organisations, differently written.
    let real_text: Vec<String> = read(real.path())
        .into_iter()
        .map(|b| String::from_utf8(b).unwrap())
        .collect();
    assert_eq!(real_text.len(), plain_text.len());
    assert!(real_text.iter().zip(&plain_text).all(|(r, p)| r != p));
    let id = |t: &str| {
        t.lines()
            .map(str::trim_start)
            .find(|l| l.starts_with("id = "))
            .map(str::to_string)
    };
    assert_eq!(
        real_text.iter().map(|t| id(t)).collect::<Vec<_>>(),
        plain_text.iter().map(|t| id(t)).collect::<Vec<_>>()
    );
}

#[test]
fn hostile_files_have_the_size_asked_for_and_are_refused_without_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let output = caf()
        .args(["synth", "--hostile", "all", "--size", "4096", "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let files = toml_files(dir.path());
    assert_eq!(files.len(), 8);
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert_eq!(bytes.len(), 4096, "{}", file.display());
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let check = caf().arg("check").arg(file).output().unwrap();
        let code = check.status.code();
        match name.as_str() {
            "long-comment" => assert!(matches!(code, Some(0 | 1)), "{}", stderr_of(&check)),
            // Every other kind, binary and invalid UTF-8 included, is invalid input: a located
            // refusal, never an I/O failure or a crash.
            _ => assert_eq!(code, Some(2), "{name}: {}", stderr_of(&check)),
        }
    }
    // One kind by name; an unknown kind is a usage error.
    let one = tempfile::tempdir().unwrap();
    let output = caf()
        .args(["synth", "--hostile", "lone-cr", "-o"])
        .arg(one.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let bytes = std::fs::read(one.path().join("lone-cr.toml")).unwrap();
    assert_eq!(bytes.len(), 512 * 1024);
    assert!(bytes.ends_with(b"\r"));
    let output = caf()
        .args(["synth", "--hostile", "no-such-kind", "-o"])
        .arg(one.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
