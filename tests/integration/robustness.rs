//! No input makes `caf` panic: mutated and arbitrary assessment text either loads or gives
//! diagnostics, and every diagnostic has a location inside the file.

use caf_core::diagnostic::SourceFile;
use caf_core::framework::Catalog;
use proptest::prelude::*;

fn example() -> String {
    crate::support::read(&crate::support::path(
        "examples/fire-rescue-caf-3.2-enhanced.toml",
    ))
}

fn check(text: String, catalog: &Catalog) {
    let lines = text.lines().count().max(1);
    match caf_core::assessment::parse(&SourceFile::new("fuzz.toml", text), catalog) {
        Ok(_) => {}
        Err(caf_core::Error::Invalid(diagnostics)) => {
            assert!(!diagnostics.is_empty());
            for d in diagnostics {
                let rendered = d.to_string();
                let loc = d.location.expect("every assessment diagnostic is located");
                assert!(loc.line <= lines + 1, "{rendered}");
            }
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_examples_never_panic(cuts in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..40, "[ -~\n\"\\[\\]=é]{0,12}"), 1..4)) {
        let catalog = Catalog::shipped();
        let mut text = example();
        for (at, len, insert) in cuts {
            let mut start = at.index(text.len().max(1)).min(text.len());
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(start..end, &insert);
        }
        check(text, &catalog);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        check(text, &Catalog::shipped());
    }
}

/// A file that is not UTF-8 is invalid input (exit 2) located at its first bad byte, for one
/// file and in an aggregate; a file ending in a lone carriage return is invalid for both too.
#[test]
fn invalid_utf8_and_a_lone_carriage_return_are_located_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, b"framework = \"caf-4.0\"\n# caf\xc3\xa9 \xff note\n").unwrap();
    let lone_cr = dir.path().join("cr.toml");
    std::fs::write(&lone_cr, format!("{}\r", example())).unwrap();
    for command in ["score", "check"] {
        let out = crate::support::caf()
            .arg(command)
            .arg(&bad)
            .output()
            .unwrap();
        let stderr = crate::support::stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("bad.toml:2:8: error[invalid-encoding]"),
            "{stderr}"
        );
        assert!(!stderr.contains("stream did not contain"), "{stderr}");
    }
    let out = crate::support::caf()
        .arg("score")
        .arg(&lone_cr)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::support::stderr_of(&out).contains("error[toml-syntax]"));

    let out = crate::support::caf()
        .args(["aggregate", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let invalid: Vec<(String, String)> = report["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["input"].as_str().unwrap().to_string(),
                i["error"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(invalid.len(), 2, "{invalid:?}");
    assert!(
        invalid
            .iter()
            .any(|(input, error)| input.ends_with("bad.toml")
                && error.contains("bad.toml:2:8: error[invalid-encoding]"))
    );
    assert!(
        invalid.iter().any(
            |(input, error)| input.ends_with("cr.toml") && error.contains("error[toml-syntax]")
        )
    );
}
