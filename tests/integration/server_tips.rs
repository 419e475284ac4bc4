//! Targeted Improvement Plans on a real server on loopback, on SQLite and on PostgreSQL: an
//! organisation submits the plan made from its finalised review and reads it back byte for
//! byte; a plan for a review not finalised on the service, or naming no stored review file,
//! is refused; other organisations and unassigned reviewers cannot read it; progress across
//! organisations counts what the plans say (overdue judged on the day asked) under the
//! aggregates' disclosure control.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::service::{Postgres, Server, Sqlite, admin, write};
use crate::support::{self, path, read, stderr_of, stdout_of};

/// The fixture's organisation, and a second made from it.
const NORTH: &str = "E10000999";
const SOUTH: &str = "E10000998";

struct World {
    server: Server,
    dir: tempfile::TempDir,
    db: String,
    north: String,
    south: String,
    analyst: String,
    admin: String,
    /// Sees the health sector only (NORTH's).
    viewer: String,
    /// Assigned to NORTH, and to SOUTH.
    reviewer_north: String,
    reviewer_south: String,
}

impl World {
    fn new(db: &str) -> World {
        for (id, sector) in [(NORTH, "health"), (SOUTH, "police")] {
            admin(
                db,
                &[
                    "org",
                    "add",
                    "--id",
                    id,
                    "--name",
                    &format!("Org {id}"),
                    "--sector",
                    sector,
                ],
            );
        }
        let token = |args: &[&str]| {
            let mut all = vec!["token", "create"];
            all.extend_from_slice(args);
            admin(db, &all).trim().to_string()
        };
        World {
            north: token(&["--role", "submitter", "--org", NORTH]),
            south: token(&["--role", "submitter", "--org", SOUTH]),
            analyst: token(&["--role", "analyst"]),
            admin: token(&["--role", "admin"]),
            viewer: token(&["--role", "viewer", "--sector", "health"]),
            reviewer_north: token(&["--role", "reviewer", "--org", NORTH]),
            reviewer_south: token(&["--role", "reviewer", "--org", SOUTH]),
            // Exact figures unless a request raises the limit, to check the counts themselves.
            server: Server::start(db, &["--auth-failure-limit", "0", "--min-group-size", "1"]),
            dir: tempfile::tempdir().unwrap(),
            db: db.to_string(),
        }
    }

    fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = crate::service::http()
            .request(
                method.parse().unwrap(),
                format!("{}/api/v1{path}", self.server.url),
            )
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        let text = response.text().unwrap();
        assert!(!text.contains("panicked"), "{text}");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `caf ARGS --server URL` with `token`.
    fn caf(&self, token: &str, args: &[&str]) -> std::process::Output {
        write(self.dir.path(), "none.toml", "");
        support::caf()
            .args(args)
            .args(["--server", &self.server.url, "--attempts", "1"])
            .env("CAF_TOKEN", token)
            .env("CAF_CONFIG", self.dir.path().join("none.toml"))
            .output()
            .unwrap()
    }

    fn progress(&self, token: &str, query: &str) -> Value {
        let (status, body) = self.call("GET", &format!("/tips/progress?{query}"), token, None);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["schema"], "caf.tip-progress/1");
        body
    }
}

/// An organisation's assessment, review (finalised, as `caf tip init` wants it) and plan, in
/// its own folder; the review stored on the service, completed, not yet finalised.
struct Org {
    folder: PathBuf,
    tip: PathBuf,
    review_id: String,
}

fn prepare(w: &World, org: &str, submitter: &str, reviewer: &str) -> Org {
    let council = read(&path("tests/fixtures/review/council.toml"))
        .replace(&format!("id = \"{NORTH}\""), &format!("id = \"{org}\""));
    let review = read(&path("tests/fixtures/review/review.toml")).replace(
        "80e3fe1f14ba60ed03e55cdb3fa7eadaac1ebee39fcec5bed270888ee4cdbebf",
        &caf_core::tip::content_hash(&council),
    );
    let folder = w.dir.path().join(org);
    std::fs::create_dir(&folder).unwrap();
    write(&folder, "council.toml", &council);
    write(&folder, "review.toml", &review);
    let (status, body) = w.call(
        "POST",
        "/submissions",
        submitter,
        Some(json!({ "assessment": council })),
    );
    assert_eq!(status, 201, "{body}");
    // The service keeps the file as sent and finalises the review in its own records.
    let completed = review.replace("status = \"finalised\"", "status = \"completed\"");
    let (status, body) = w.call(
        "POST",
        "/reviews",
        reviewer,
        Some(json!({ "review": completed })),
    );
    assert_eq!(status, 201, "{body}");
    let out = support::caf()
        .current_dir(&folder)
        .args(["tip", "init", "review.toml", "-o", "tip.toml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    Org {
        tip: folder.join("tip.toml"),
        folder,
        review_id: body["review"]["id"].as_str().unwrap().to_string(),
    }
}

/// Sets the n-th (from 1) action's status, due date and reason.
fn plan(tip: &Path, edits: &[(usize, &str, &str, &str)]) {
    let mut text = read(tip);
    for &(n, status, due, reason) in edits {
        let start = text.match_indices("[[actions]]").nth(n - 1).unwrap().0;
        let end = text[start + 1..]
            .find("[[actions]]")
            .map_or(text.len(), |e| start + 1 + e);
        let block = text[start..end]
            .replace("status = \"planned\"", &format!("status = \"{status}\""))
            .replace("due = \"\"", &format!("due = \"{due}\""))
            .replace("reason = \"\"", &format!("reason = \"{reason}\""));
        text.replace_range(start..end, &block);
    }
    std::fs::write(tip, text).unwrap();
}

fn finalise(w: &World, org: &Org, reviewer: &str) {
    let (status, body) = w.call(
        "POST",
        &format!("/reviews/{}/finalise", org.review_id),
        reviewer,
        None,
    );
    assert_eq!(status, 200, "{body}");
}

fn counts(p: &Value) -> [u64; 8] {
    [
        "actions",
        "planned",
        "in_progress",
        "done",
        "not_planned",
        "overdue",
        "priority",
        "priority_open",
    ]
    .map(|k| p[k].as_u64().unwrap_or_else(|| panic!("no {k} in {p}")))
}

fn group<'a>(report: &'a Value, name: &str) -> Option<&'a Value> {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == name)
}

fn check_tips(db: &str) {
    let w = World::new(db);
    let north = prepare(&w, NORTH, &w.north, &w.reviewer_north);
    let south = prepare(&w, SOUTH, &w.south, &w.reviewer_south);
    // North: A1A1 in progress (due end of January), A2A1 done, A2A2 not planned, B4A1 planned
    // for June; approved. South: every action planned for the end of March.
    plan(
        &north.tip,
        &[
            (1, "in-progress", "2027-01-31", ""),
            (2, "done", "", ""),
            (
                3,
                "not-planned",
                "",
                "Owners are recorded in the asset register",
            ),
            (4, "planned", "2027-06-30", ""),
        ],
    );
    let approve = support::caf()
        .args(["tip", "approve"])
        .arg(&north.tip)
        .args(["--by", "Chief Executive", "--on", "2026-12-01"])
        .output()
        .unwrap();
    assert!(approve.status.success(), "{}", stderr_of(&approve));
    plan(
        &south.tip,
        &(1..=4)
            .map(|n| (n, "planned", "2027-03-31", ""))
            .collect::<Vec<_>>(),
    );
    let north_text = read(&north.tip);
    let tip_path = north.tip.to_str().unwrap();

    // The review is completed on the service but not finalised: the plan is refused (409).
    let (status, body) = w.call(
        "POST",
        "/tips",
        &w.north,
        Some(json!({ "tip": north_text })),
    );
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not finalised"),
        "{body}"
    );
    let out = w.caf(&w.north, &["tip", "submit", tip_path]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("not finalised"),
        "{}",
        stderr_of(&out)
    );

    finalise(&w, &north, &w.reviewer_north);
    finalise(&w, &south, &w.reviewer_south);

    // Checked here first: a bad status is reported located, exit 2, and nothing is sent.
    let bad = write(
        &north.folder,
        "bad.toml",
        &north_text.replacen("status = \"done\"", "status = \"finished\"", 1),
    );
    let out = w.caf(&w.north, &["tip", "submit", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let line = read(&bad)
        .lines()
        .position(|l| l.contains("\"finished\""))
        .unwrap()
        + 1;
    assert!(
        stderr_of(&out).contains(&format!("bad.toml:{line}:")),
        "{}",
        stderr_of(&out)
    );

    // Submitted, then the same bytes again: stored once.
    let out = w.caf(&w.north, &["tip", "submit", tip_path]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let north_id = stdout_of(&out).trim().to_string();
    assert!(north_id.starts_with("t-"), "{north_id}");
    assert!(
        stderr_of(&out).contains("version 1, approved"),
        "{}",
        stderr_of(&out)
    );
    let out = w.caf(&w.north, &["tip", "submit", tip_path]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("Already stored"),
        "{}",
        stderr_of(&out)
    );
    let (status, again) = w.call(
        "POST",
        "/tips",
        &w.north,
        Some(json!({ "tip": north_text })),
    );
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["tip"]["id"], north_id.as_str());
    assert_eq!(again["tip"]["version"], 1);
    assert_eq!(again["tip"]["review"], north.review_id.as_str());

    // Read back byte for byte.
    let back = w.dir.path().join("back.toml");
    let out = w.caf(
        &w.north,
        &[
            "tip",
            "show",
            &north_id,
            "--toml",
            "-o",
            back.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(&back).unwrap(), north_text.as_bytes());

    // A plan naming no stored review file is refused, and so is one naming another
    // organisation's review.
    let nothing = north_text.replace(
        &caf_core::tip::content_hash(&read(&north.folder.join("review.toml"))),
        &"0".repeat(64),
    );
    assert_ne!(nothing, north_text);
    let (status, body) = w.call("POST", "/tips", &w.north, Some(json!({ "tip": nothing })));
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "tip-no-review", "{body}");
    let (status, body) = w.call(
        "POST",
        "/tips",
        &w.north,
        Some(json!({ "tip": read(&south.tip) })),
    );
    assert_eq!(status, 422, "{body}");
    // A submitter submits only for its own organisation; an admin names the organisation.
    let (status, _) = w.call(
        "POST",
        "/tips",
        &w.north,
        Some(json!({ "tip": read(&south.tip), "organisation": SOUTH })),
    );
    assert_eq!(status, 403);
    let (status, body) = w.call(
        "POST",
        "/tips",
        &w.admin,
        Some(json!({ "tip": read(&south.tip) })),
    );
    assert_eq!(status, 422, "{body}");
    let (status, body) = w.call(
        "POST",
        "/tips",
        &w.admin,
        Some(json!({ "tip": read(&south.tip), "organisation": SOUTH })),
    );
    assert_eq!(status, 201, "{body}");
    let south_id = body["tip"]["id"].as_str().unwrap().to_string();
    assert_eq!(body["tip"]["organisation"], SOUTH);
    // Within the size limit only (the body limit is larger).
    let huge = format!("{north_text}\n# {}\n", "x".repeat(600 * 1024));
    let (status, body) = w.call("POST", "/tips", &w.north, Some(json!({ "tip": huge })));
    assert_eq!(status, 413, "{body}");
    // Nobody else submits plans.
    for token in [&w.analyst, &w.viewer, &w.reviewer_north] {
        let (status, _) = w.call("POST", "/tips", token, Some(json!({ "tip": north_text })));
        assert_eq!(status, 403);
    }

    // Who reads what: the organisation its own; the other organisation and an unassigned
    // reviewer nothing (as if it did not exist); its reviewer, analysts and admins.
    let ids = |token: &str| {
        let (status, list) = w.call("GET", "/tips", token, None);
        assert_eq!(status, 200, "{list}");
        let mut ids: Vec<String> = (list["tips"].as_array().unwrap().iter())
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![north_id.clone(), south_id.clone()];
    both.sort();
    assert_eq!(ids(&w.north), vec![north_id.clone()]);
    assert_eq!(ids(&w.south), vec![south_id.clone()]);
    assert_eq!(ids(&w.reviewer_north), vec![north_id.clone()]);
    assert_eq!(ids(&w.reviewer_south), vec![south_id.clone()]);
    assert_eq!(ids(&w.analyst), both);
    assert_eq!(ids(&w.admin), both);
    let read_north = |token: &str| w.call("GET", &format!("/tips/{north_id}"), token, None);
    for token in [&w.south, &w.reviewer_south] {
        let (status, body) = read_north(token);
        assert_eq!(status, 404, "{body}");
        assert!(!body.to_string().contains(NORTH), "{body}");
    }
    let (status, _) = read_north(&w.viewer);
    assert_eq!(status, 403);
    for token in [&w.north, &w.reviewer_north, &w.analyst, &w.admin] {
        let (status, body) = read_north(token);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["file"], north_text.as_str());
        assert_eq!(body["digest"]["approved"], true);
    }
    let out = w.caf(&w.south, &["tip", "show", &north_id]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));

    // Progress: as of mid-February only North's January action is overdue; on 1 April South's
    // four March actions are too.
    let february = w.progress(&w.analyst, "as_of=2027-02-15&group_by=sector");
    assert_eq!(february["organisations"], 2);
    assert_eq!(february["with_tip"], 2);
    assert_eq!(february["approved"], 1);
    assert_eq!(counts(&february["progress"]), [8, 5, 1, 1, 1, 1, 4, 4]);
    let health = group(&february, "health").expect("health is published");
    assert_eq!(counts(&health["progress"]), [4, 1, 1, 1, 1, 1, 2, 2]);
    let police = group(&february, "police").expect("police is published");
    assert_eq!(counts(&police["progress"]), [4, 4, 0, 0, 0, 0, 2, 2]);
    let out = w.caf(
        &w.analyst,
        &[
            "tip",
            "progress",
            "--as-of",
            "2027-04-01",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let april: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(april["schema"], "caf.tip-progress/1");
    assert_eq!(april["as_of"], "2027-04-01");
    assert_eq!(april["progress"]["overdue"], 5);
    let out = w.caf(&w.admin, &["tip", "progress", "--as-of", "2027-04-01"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("police"), "{}", stdout_of(&out));

    // A new version of the plan is what progress counts: North's January action is done.
    let updated = north_text.replacen("status = \"in-progress\"", "status = \"done\"", 1);
    std::fs::write(&north.tip, &updated).unwrap();
    let out = w.caf(&w.north, &["tip", "submit", tip_path]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("version 2"), "{}", stderr_of(&out));
    let (_, body) = read_north(&w.north);
    assert_eq!(body["file"], updated.as_str());
    assert_eq!(body["tip"]["version"], 2);
    let february = w.progress(&w.analyst, "as_of=2027-02-15");
    assert_eq!(counts(&february["progress"]), [8, 5, 0, 2, 1, 0, 4, 3]);

    // Disclosure control: with a limit of two, no single organisation's figures are
    // published (the two sectors are merged); with three, only coverage.
    let merged = w.progress(&w.analyst, "as_of=2027-02-15&min_group_size=2");
    assert_eq!(merged["with_tip"], 2);
    for name in ["health", "police"] {
        assert!(
            group(&merged, name).is_none_or(|g| g["progress"].is_null()),
            "{merged}"
        );
    }
    for g in merged["groups"].as_array().unwrap() {
        assert!(
            g["progress"].is_null() || g["with_tip"].as_u64() >= Some(2),
            "{g}"
        );
    }
    let withheld = w.progress(&w.analyst, "as_of=2027-02-15&min_group_size=3");
    assert_eq!(withheld["organisations"], 2);
    assert!(withheld["with_tip"].is_null(), "{withheld}");
    assert!(withheld["progress"].is_null(), "{withheld}");
    assert_eq!(withheld["disclosure"]["suppressed"], true);
    assert!(
        (withheld["groups"].as_array().unwrap().iter()).all(|g| g["progress"].is_null()),
        "{withheld}"
    );
    // A viewer sees its own sector only.
    let viewed = w.progress(&w.viewer, "as_of=2027-02-15");
    assert_eq!(viewed["organisations"], 1);
    assert!(group(&viewed, "police").is_none(), "{viewed}");
    // Organisations and reviewers get no cross-organisation figures.
    for token in [&w.north, &w.reviewer_north] {
        let (status, _) = w.call("GET", "/tips/progress", token, None);
        assert_eq!(status, 403);
    }
    let (status, _) = w.call("GET", "/tips/progress?as_of=2027-02-30", &w.analyst, None);
    assert_eq!(status, 400);
    let (status, _) = w.call("GET", "/tips/progress?group_by=profile", &w.analyst, None);
    assert_eq!(status, 400);

    // Every access and every refusal is in the audit log.
    let audit = admin(&w.db, &["audit", "--format", "json"]);
    for action in [
        "tip-submit",
        "tip-submit-duplicate",
        "tip-list",
        "tip-read",
        "tip-read-refused",
        "tip-progress",
    ] {
        assert!(
            audit.contains(&format!("\"{action}\"")),
            "no {action} in the audit log"
        );
    }
    for refusal in [
        "409 review-not-finalised",
        "422 tip-no-review",
        "POST /api/v1/tips -> 403",
    ] {
        assert!(audit.contains(refusal), "no `{refusal}` in the audit log");
    }
}

#[test]
fn tips_on_sqlite() {
    let db = Sqlite::new();
    check_tips(&db.url);
}

#[test]
fn tips_on_postgres() {
    let pg = Postgres::start();
    check_tips(&pg.database("tips"));
}
