//! Reviews on a real server on loopback: a reviewer token sees and reviews only the
//! organisations it is assigned to, a review pairs only with a stored submission, and the
//! organisation reads its own reviews and no one else's.

use serde_json::{Value, json};

use crate::server::{Env, ORG_A, ORG_B, setup};
use crate::service::{Sqlite, admin, assessment_for, write};
use crate::support;

/// Submits the example for `org` with its token; returns the stored text and submission id.
fn submitted(env: &Env, token: &str, org: &str) -> (String, String) {
    let text = assessment_for(org, 1);
    let (status, body) = env.submit_json(token, &text);
    assert_eq!(status, 201, "{body}");
    (text, body["submission"]["id"].as_str().unwrap().to_string())
}

/// The review skeleton of `text`, as `caf review --init` writes it.
fn review_of(env: &Env, name: &str, text: &str) -> String {
    let assessment = write(env.dir.path(), &format!("{name}.toml"), text);
    let review = env.dir.path().join(format!("{name}-review.toml"));
    let output = support::caf()
        .arg("review")
        .arg(&assessment)
        .args([
            "--init",
            "--type",
            "independent",
            "--reviewer",
            "A. Assessor",
            "-o",
        ])
        .arg(&review)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", support::stderr_of(&output));
    std::fs::read_to_string(review).unwrap()
}

fn ids(list: &Value, key: &str, field: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|item| item[field].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_reviewer_sees_and_reviews_only_its_assigned_organisations() {
    let db = Sqlite::new();
    let env = setup(&db.url);
    let (text_a, submission_a) = submitted(&env, &env.token_a, ORG_A);
    let (text_b, submission_b) = submitted(&env, &env.token_b, ORG_B);
    let reviewer = admin(
        &env.db,
        &["token", "create", "--role", "reviewer", "--org", ORG_A],
    )
    .trim()
    .to_string();

    // It reads the assigned organisation's submission, and nothing of the other's.
    let (status, list) = env.call("GET", "/submissions", Some(&reviewer), None);
    assert_eq!(status, 200, "{list}");
    assert_eq!(ids(&list, "submissions", "id"), vec![submission_a.clone()]);
    let (status, _) = env.call(
        "GET",
        &format!("/submissions/{submission_a}"),
        Some(&reviewer),
        None,
    );
    assert_eq!(status, 200);
    let (status, body) = env.call(
        "GET",
        &format!("/submissions/{submission_b}"),
        Some(&reviewer),
        None,
    );
    assert!(matches!(status, 403 | 404), "{status} {body}");
    assert!(!body.to_string().contains(ORG_B), "{body}");
    let (status, _) = env.call("GET", "/aggregate", Some(&reviewer), None);
    assert_eq!(status, 403);

    // A review of the assigned organisation's submission is stored once; one of the other's
    // is refused as if there were no such submission.
    let review_a = review_of(&env, "a", &text_a);
    let (status, stored) = env.call(
        "POST",
        "/reviews",
        Some(&reviewer),
        Some(json!({ "review": review_a })),
    );
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["review"]["organisation"], ORG_A);
    assert_eq!(stored["review"]["submission"], submission_a.as_str());
    let (status, again) = env.call(
        "POST",
        "/reviews",
        Some(&reviewer),
        Some(json!({ "review": review_a })),
    );
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["duplicate"], true);
    let review_b = review_of(&env, "b", &text_b);
    let (status, refused) = env.call(
        "POST",
        "/reviews",
        Some(&reviewer),
        Some(json!({ "review": review_b })),
    );
    assert_eq!(status, 404, "{refused}");

    // A review that is not completed cannot be finalised.
    let id = stored["review"]["id"].as_str().unwrap();
    let (status, _) = env.call(
        "POST",
        &format!("/reviews/{id}/finalise"),
        Some(&reviewer),
        None,
    );
    assert_eq!(status, 409);
    // Nor can a file say it is completed while outcomes are undecided: finalising on the
    // service checks the state alone, so a completed file must be finalisable.
    let undecided = review_a.replacen("status = \"to-do\"", "status = \"completed\"", 1);
    assert_ne!(undecided, review_a, "the skeleton names its status");
    let (status, refused) = env.call(
        "POST",
        "/reviews",
        Some(&reviewer),
        Some(json!({ "review": undecided })),
    );
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused.to_string().contains("review-undecided"),
        "{refused}"
    );

    // The organisation reads its own review; the other organisation sees none.
    let (status, own) = env.call("GET", "/reviews", Some(&env.token_a), None);
    assert_eq!(status, 200, "{own}");
    assert_eq!(ids(&own, "reviews", "id"), vec![id.to_string()]);
    let (status, other) = env.call("GET", "/reviews", Some(&env.token_b), None);
    assert_eq!(status, 200, "{other}");
    assert!(ids(&other, "reviews", "id").is_empty(), "{other}");
    let (status, _) = env.call("GET", &format!("/reviews/{id}"), Some(&env.token_b), None);
    assert!(matches!(status, 403 | 404));
}
