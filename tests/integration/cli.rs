//! The scripted-audit commands end to end: score, check, init, frameworks.

use crate::support::{caf, examples, stdout_of};

#[test]
fn every_example_scores_as_json() {
    for example in examples() {
        let output = caf()
            .args(["score", "--format", "json"])
            .arg(&example)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", example.display());
        let json: serde_json::Value = serde_json::from_str(&stdout_of(&output)).unwrap();
        assert_eq!(json["schema"], "caf.score/1");
    }
}
