//! Incident data calls end to end: the real `caf serve` on loopback over a temporary SQLite
//! file, driven by the real `caf call ...` commands and by raw HTTP for the refusals and the
//! concurrent answers. Expected figures are worked out here from what each test sent, never
//! read back from the server first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::server::Env;
use crate::service::{self, Sqlite, assessment_for};
use crate::support;
use caf_server::store::{Organisation, Role, Store, TokenScope, TokenSpec, now_ms};

/// The organisations `server::setup` registers, with no sector.
const SETUP_ORGS: [&str; 2] = [crate::server::ORG_A, crate::server::ORG_B];

const FIXTURE: &str = "tests/fixtures/csaf/ivanti-epmm-2026-001.json";

/// One registered organisation and its submitter token.
struct Org {
    id: String,
    sector: &'static str,
    token: String,
}

struct World {
    _db: Option<Sqlite>,
    env: Env,
    orgs: Vec<Org>,
}

/// `health` health organisations and `councils` councils (each with a contact), plus the
/// roles and the two organisations (no sector) of `server::setup`, whose viewer is scoped to
/// local-government.
fn world(health: usize, councils: usize) -> World {
    let db = Sqlite::new();
    let url = db.url.clone();
    World {
        _db: Some(db),
        ..world_at(&url, health, councils)
    }
}

/// [`world`] on the database at `url`.
fn world_at(url: &str, health: usize, councils: usize) -> World {
    let specs: Vec<(String, &'static str)> = (0..health)
        .map(|i| (format!("NHS{i:03}"), "health"))
        .chain((0..councils).map(|i| (format!("LA{i:03}"), "local-government")))
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let orgs = rt.block_on(async {
        let store = Store::open_with(url, 2).await.unwrap();
        let mut orgs = Vec::new();
        for (id, sector) in specs {
            store
                .add_organisation(&Organisation {
                    id: id.clone(),
                    name: format!("Org {id}"),
                    sector: Some(sector.to_string()),
                    region: None,
                    parent: None,
                    created_at: now_ms(),
                })
                .await
                .unwrap();
            store
                .set_contact(&id, &format!("soc@{}.example", id.to_lowercase()))
                .await
                .unwrap();
            let token = store
                .create_token(&TokenSpec {
                    role: Role::Submitter,
                    scope: TokenScope::Organisation(id.clone()),
                    expires_at: None,
                })
                .await
                .unwrap()
                .token;
            orgs.push(Org { id, sector, token });
        }
        store.close().await;
        orgs
    });
    let env = crate::server::setup(url);
    World {
        _db: None,
        env,
        orgs,
    }
}

impl World {
    /// `caf call ...` with `token`.
    fn caf(&self, token: &str, args: &[&str]) -> std::process::Output {
        service::write(self.env.dir.path(), "none.toml", "");
        support::caf()
            .arg("call")
            .args(args)
            .args(["--server", &self.env.server.url, "--attempts", "2"])
            .env("CAF_TOKEN", token)
            .env("CAF_CONFIG", self.env.dir.path().join("none.toml"))
            .current_dir(self.env.dir.path())
            .output()
            .unwrap()
    }

    fn ok(&self, token: &str, args: &[&str]) -> String {
        let out = self.caf(token, args);
        assert!(
            out.status.success(),
            "caf call {args:?}: {}",
            support::stderr_of(&out)
        );
        support::stdout_of(&out)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        service::write(self.env.dir.path(), name, text)
    }

    /// A call file sent by the analyst through `caf call create`; returns its id.
    fn create(&self, text: &str) -> String {
        let path = self.file("call.toml", text);
        self.ok(&self.env.analyst, &["create", path.to_str().unwrap()])
            .trim()
            .to_string()
    }

    fn respond_json(&self, token: &str, id: &str, answers: Value) -> (u16, Value) {
        self.env.call(
            "POST",
            &format!("/calls/{id}/responses"),
            Some(token),
            Some(json!({ "answers": answers })),
        )
    }

    fn status(&self, token: &str, id: &str, query: &str) -> (u16, Value) {
        self.env.call(
            "GET",
            &format!("/calls/{id}/status{query}"),
            Some(token),
            None,
        )
    }

    fn audit_actions(&self) -> Vec<String> {
        let (_, log) = self.env.call("GET", "/audit", Some(&self.env.admin), None);
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect()
    }
}

/// The example call, with its id, deadline and audience replaced.
fn call_text(id: &str, deadline: &str, audience: &str) -> String {
    let text = support::read(&support::path(
        "tests/fixtures/calls/file-transfer-appliance.toml",
    ));
    let replaced = text
        .replace("id = \"file-transfer-2026-12\"", &format!("id = \"{id}\""))
        .replace(
            "deadline = 2030-01-01T17:00:00Z",
            &format!("deadline = {deadline}"),
        )
        .replace("[audience]\n", &format!("[audience]\n{audience}\n"));
    assert_ne!(replaced, text);
    replaced
}

fn rfc3339_in(seconds: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// What organisation `i` answers: every third does not use the product; of the users, those
/// with even `i` have patched.
fn answers_of(i: usize) -> Value {
    if i.is_multiple_of(3) {
        json!({ "uses": "no" })
    } else {
        json!({ "uses": "yes", "patched": if i.is_multiple_of(2) { "patched" } else { "not-yet" }, "devices": i })
    }
}

fn counts(status: &Value, question: &str) -> BTreeMap<String, u64> {
    let q = status["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == question)
        .unwrap();
    q["answers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

#[test]
fn from_an_advisory_to_the_chase_list() {
    let w = world(8, 4);
    // The advisory becomes a draft call, which is sent as it is.
    let draft = w.env.dir.path().join("ivanti.toml");
    let out = support::caf()
        .args(["call", "from-csaf"])
        .arg(support::path(FIXTURE))
        .arg("-o")
        .arg(&draft)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::stderr_of(&out));
    let text = support::read(&draft);
    assert!(
        text.contains("12.6.0.0") && text.contains("Ivanti"),
        "{text}"
    );
    let id = w
        .ok(&w.env.analyst, &["create", draft.to_str().unwrap()])
        .trim()
        .to_string();
    assert_eq!(id, "ivanti-epmm-2026-001");

    // Every organisation sees it in its list.
    let listed = w.ok(&w.orgs[0].token, &["list"]);
    assert!(listed.contains(&id), "{listed}");

    // Half answer from files, through the `when` branches: users say which products and
    // whether they patched; the others answer only `uses`.
    let mut exposed = BTreeSet::new();
    for (i, org) in w.orgs.iter().enumerate().take(6) {
        let body = if i % 2 == 0 {
            "uses = \"no\"\n".to_string()
        } else {
            let patched = if i == 1 { "patched" } else { "in-progress" };
            if patched != "patched" {
                exposed.insert(org.id.clone());
            }
            format!(
                "uses = \"yes\"\nproducts = [\"Endpoint Manager Mobile\"]\npatched = \"{patched}\"\ninternet_facing = \"yes\"\ncompromise = \"investigating\"\n"
            )
        };
        let path = w.file(
            &format!("a{i}.toml"),
            &format!("call = \"{id}\"\n[answers]\n{body}"),
        );
        let out = w.ok(
            &org.token,
            &["respond", &id, "--answers", path.to_str().unwrap()],
        );
        assert!(out.contains("as version 1"), "{out}");
    }

    let out = w.ok(
        &w.env.analyst,
        &["status", &id, "--format", "json", "--identify"],
    );
    let status: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["schema"], "caf.call-status/1");
    assert_eq!(status["audience"], 12 + SETUP_ORGS.len());
    assert_eq!(status["responded"], 6);
    assert_eq!(
        counts(&status, "uses"),
        BTreeMap::from([("no".into(), 3), ("yes".into(), 3)])
    );
    assert_eq!(
        counts(&status, "patched"),
        BTreeMap::from([("in-progress".into(), 2), ("patched".into(), 1)])
    );
    let mut silent: Vec<String> = w.orgs[6..].iter().map(|o| o.id.clone()).collect();
    silent.extend(SETUP_ORGS.map(String::from));
    silent.sort();
    assert_eq!(status["non_responders"], json!(silent));
    let named: BTreeSet<String> = status["exposed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(named, exposed);
    let chase = status["chase"].as_array().unwrap();
    let la = chase.iter().find(|c| c["id"] == "LA000").unwrap();
    assert_eq!(la["contact"], "soc@la000.example");
    assert!(
        chase
            .iter()
            .find(|c| c["id"] == SETUP_ORGS[0])
            .unwrap()
            .get("contact")
            .is_none()
    );
    assert!(
        w.audit_actions()
            .iter()
            .any(|a| a == "call-status-identify")
    );

    // The chase list at the terminal, and the other formats.
    let table = w.ok(&w.env.analyst, &["status", &id, "--identify"]);
    assert!(
        table.contains("8 to chase") && table.contains(&silent[7]),
        "{table}"
    );
    let csv = w.ok(
        &w.env.analyst,
        &["status", &id, "--identify", "--format", "csv"],
    );
    let rows = support::csv_rows(&csv);
    assert_eq!(rows.iter().filter(|r| r[0] == "not-answered").count(), 8);
    let html = w.ok(&w.env.analyst, &["status", &id, "--format", "html"]);
    assert!(
        html.contains("<h2>Answers</h2>") && !html.contains(&silent[0]),
        "html without --identify names no one"
    );
    let pdf = w.env.dir.path().join("status.pdf");
    w.ok(
        &w.env.analyst,
        &[
            "status",
            &id,
            "--identify",
            "--format",
            "pdf",
            "-o",
            pdf.to_str().unwrap(),
        ],
    );
    let text = support::pdftotext(&pdf);
    assert!(
        text.contains("Not answered (8)") && text.contains(&silent[0]),
        "{text}"
    );
}

#[test]
fn two_hundred_organisations_answer_at_once() {
    check_concurrent_answers(&world(200, 0));
}

fn check_concurrent_answers(w: &World) {
    let id = w.create(&call_text("supplier-x-2026-12", &rfc3339_in(86_400), ""));
    let results: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = w
            .orgs
            .chunks(10)
            .enumerate()
            .map(|(chunk, orgs)| {
                let id = &id;
                scope.spawn(move || {
                    orgs.iter()
                        .enumerate()
                        .map(|(j, org)| {
                            let body = json!({ "answers": answers_of(chunk * 10 + j), "key": format!("first-{}", org.id) });
                            w.env.call("POST", &format!("/calls/{id}/responses"), Some(&org.token), Some(body))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        results.iter().all(|(s, b)| *s == 201 && b["version"] == 1),
        "{:?}",
        results.iter().find(|(s, _)| *s != 201)
    );

    // A retry with the same key, and the same answers again, store nothing.
    let (status, body) = w.env.call(
        "POST",
        &format!("/calls/{id}/responses"),
        Some(&w.orgs[1].token),
        Some(json!({ "answers": answers_of(1), "key": "first-NHS001" })),
    );
    assert_eq!(
        (status, body["duplicate"].clone(), body["version"].clone()),
        (200, json!(true), json!(1))
    );
    let (status, _) = w.respond_json(&w.orgs[1].token, &id, answers_of(1));
    assert_eq!(status, 200);
    // A changed answer is a new version, and the current one counts.
    let (status, body) = w.respond_json(&w.orgs[1].token, &id, json!({ "uses": "no" }));
    assert_eq!((status, body["version"].clone()), (201, json!(2)));

    let (_, s) = w.status(&w.env.analyst, &id, "?identify=true");
    assert_eq!(
        (s["audience"].clone(), s["responded"].clone()),
        (json!(202), json!(200))
    );
    let mut yes = 0;
    let mut exposed = 0;
    for i in 0..200 {
        let a = if i == 1 {
            json!({ "uses": "no" })
        } else {
            answers_of(i)
        };
        yes += usize::from(a["uses"] == "yes");
        exposed += usize::from(a["uses"] == "yes" && a["patched"] != "patched");
    }
    assert_eq!(counts(&s, "uses")["yes"], yes as u64);
    assert_eq!(s["exposed_count"], exposed);
    assert_eq!(s["non_responders"], json!(SETUP_ORGS));
    let responses = w
        .audit_actions()
        .iter()
        .filter(|a| *a == "call-respond")
        .count();
    assert_eq!(responses, 201, "one audit entry per stored version");
}

#[test]
fn answers_in_flight_while_the_status_is_read_and_the_call_closes() {
    check_answers_in_flight(&world(60, 0));
}

/// Answers arriving together are stored in shared transactions: each org answers twice with
/// the same key at once (one stored, one named as the repeat), some send an answer to an
/// unknown question among them (refused alone), the status read between waves follows every
/// new version, and a close in the middle of a wave refuses exactly the answers it beat.
fn check_answers_in_flight(w: &World) {
    let id = w.create(&call_text("in-flight", &rfc3339_in(86_400), ""));
    let wave = |round: usize| -> Vec<(usize, u16, Value)> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = w
                .orgs
                .iter()
                .enumerate()
                .flat_map(|(i, org)| {
                    let id = &id;
                    let answers = if i % 10 == 7 {
                        json!({ "uses": "no", "usse": "yes" })
                    } else {
                        answers_of(i + round)
                    };
                    let body = json!({ "answers": answers, "key": format!("r{round}-{}", org.id) });
                    (0..2).map(move |_| {
                        let body = body.clone();
                        scope.spawn(move || {
                            let (status, reply) = w.env.call(
                                "POST",
                                &format!("/calls/{id}/responses"),
                                Some(&org.token),
                                Some(body),
                            );
                            (i, status, reply)
                        })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    };
    let expected_uses = |round: usize| {
        let mut uses: BTreeMap<String, u64> = BTreeMap::new();
        for i in (0..w.orgs.len()).filter(|i| i % 10 != 7) {
            *uses
                .entry(answers_of(i + round)["uses"].as_str().unwrap().into())
                .or_default() += 1;
        }
        uses
    };

    for round in 0..2 {
        let results = wave(round);
        for i in 0..w.orgs.len() {
            let mut mine: Vec<_> = results.iter().filter(|(j, ..)| *j == i).collect();
            mine.sort_by_key(|(_, status, _)| *status);
            if i % 10 == 7 {
                assert!(mine.iter().all(|(_, s, b)| *s == 422
                    && b["error"]["diagnostics"][0]["code"] == "unknown-question"));
                continue;
            }
            let (new, repeat) = (&mine[0].2, &mine[1].2);
            assert_eq!((mine[0].1, mine[1].1), (200, 201), "{mine:?}");
            assert_eq!(repeat["version"], round + 1);
            assert_eq!(
                new["id"], repeat["id"],
                "the repeat names the stored version"
            );
        }
        let (_, s) = w.status(&w.env.analyst, &id, "?identify=true");
        assert_eq!(s["responded"], 54);
        assert_eq!(counts(&s, "uses"), expected_uses(round));
        let silent = s["non_responders"].as_array().unwrap().len();
        assert_eq!(silent, 6 + SETUP_ORGS.len());
    }

    // A third wave, and the call closes while it is in flight: every answer is either stored
    // or refused as closed, and what the status counts is exactly what was stored.
    let stored = std::thread::scope(|scope| {
        let answering = scope.spawn(|| wave(2));
        let (status, _) = w.env.call(
            "POST",
            &format!("/calls/{id}/close"),
            Some(&w.env.analyst),
            None,
        );
        assert_eq!(status, 200);
        let results = answering.join().unwrap();
        let mut stored = BTreeSet::new();
        for (i, status, body) in results {
            match status {
                201 => assert!(stored.insert(i), "one version stored per key"),
                200 | 422 => {}
                409 => assert_eq!(body["error"]["code"], "closed", "{body}"),
                other => panic!("{other}: {body}"),
            }
        }
        stored
    });
    let (_, s) = w.status(&w.env.analyst, &id, "?identify=true");
    let mut uses: BTreeMap<String, u64> = BTreeMap::new();
    for i in (0..w.orgs.len()).filter(|i| i % 10 != 7) {
        let round = if stored.contains(&i) { 2 } else { 1 };
        *uses
            .entry(answers_of(i + round)["uses"].as_str().unwrap().into())
            .or_default() += 1;
    }
    assert_eq!(counts(&s, "uses"), uses);
    let responses = w
        .audit_actions()
        .iter()
        .filter(|a| *a == "call-respond")
        .count();
    assert_eq!(responses, 2 * 54 + stored.len());
}

#[test]
fn a_new_call_version_may_only_widen_its_audience() {
    let w = world(2, 2);
    let both = "sectors = [\"health\", \"local-government\"]";
    let id = w.create(&call_text("narrowing", &rfc3339_in(86_400), both));
    let path = w.file(
        "narrower.toml",
        &call_text("narrowing", &rfc3339_in(86_400), "sectors = [\"health\"]"),
    );
    let out = w.caf(&w.env.analyst, &["create", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", support::stderr_of(&out));
    let err = support::stderr_of(&out);
    assert!(
        err.contains(
            "version 2 of call `narrowing` would no longer address 2 organisation(s) it is addressed to (LA000, LA001)"
        ) && err.contains("may only widen its audience"),
        "{err}"
    );
    // Nothing changed; a wider version is taken.
    let (_, call) = w
        .env
        .call("GET", &format!("/calls/{id}"), Some(&w.env.analyst), None);
    assert_eq!(
        (
            call["call"]["version"].clone(),
            call["call"]["audience"].clone()
        ),
        (json!(1), json!(4))
    );
    let path = w.file(
        "wider.toml",
        &call_text("narrowing", &rfc3339_in(86_400), ""),
    );
    w.ok(&w.env.analyst, &["create", path.to_str().unwrap()]);
    let (_, call) = w
        .env
        .call("GET", &format!("/calls/{id}"), Some(&w.env.analyst), None);
    assert_eq!(
        (
            call["call"]["version"].clone(),
            call["call"]["audience"].clone()
        ),
        (json!(2), json!(4 + SETUP_ORGS.len()))
    );
}

#[test]
fn refusals_are_refused_and_audited() {
    check_refusals(&world(2, 2));
}

fn check_refusals(w: &World) {
    let id = w.create(&call_text(
        "health-only",
        &rfc3339_in(86_400),
        "sectors = [\"health\"]",
    ));
    let health = &w.orgs[0];
    let council = &w.orgs[2];
    assert_eq!(council.sector, "local-government");

    // A submitter reading a status, or creating a call.
    assert_eq!(w.status(&health.token, &id, "").0, 403);
    let (status, _) = w.env.call(
        "POST",
        "/calls",
        Some(&health.token),
        Some(json!({ "call": call_text("x", &rfc3339_in(60), "") })),
    );
    assert_eq!(status, 403);
    // A viewer asking to identify.
    assert_eq!(w.status(&w.env.viewer, &id, "?identify=true").0, 403);
    // An organisation the call is not addressed to: it neither sees nor answers it.
    let (status, body) = w.respond_json(&council.token, &id, json!({ "uses": "no" }));
    assert_eq!(status, 403, "{body}");
    assert!(!w.ok(&council.token, &["list"]).contains(&id));
    assert_eq!(
        w.env
            .call("GET", &format!("/calls/{id}"), Some(&council.token), None)
            .0,
        404
    );
    // An answer to an unknown question, with its diagnostic.
    let (status, body) = w.respond_json(&health.token, &id, json!({ "uses": "no", "usse": "yes" }));
    assert_eq!(status, 422);
    assert_eq!(body["error"]["diagnostics"][0]["code"], "unknown-question");
    // The same from a file through the CLI: located, exit 2, nothing sent.
    let bad = w.file(
        "bad.toml",
        &format!("call = \"{id}\"\n[answers]\nuses = \"no\"\nusse = \"yes\"\n"),
    );
    let out = w.caf(
        &health.token,
        &["respond", &id, "--answers", bad.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        support::stderr_of(&out).contains("bad.toml:4:1: error[unknown-question]"),
        "{}",
        support::stderr_of(&out)
    );
    // An invalid call file, refused with located diagnostics by the server too.
    let (status, body) = w.env.call(
        "POST",
        "/calls",
        Some(&w.env.analyst),
        Some(json!({ "call": call_text("y", "\"2026-13-01T00:00:00Z\"", "") })),
    );
    assert_eq!(status, 422);
    assert_eq!(body["error"]["diagnostics"][0]["code"], "invalid-date");
    // A closed call.
    w.ok(&w.env.analyst, &["close", &id]);
    let (status, _) = w.respond_json(&health.token, &id, json!({ "uses": "no" }));
    assert_eq!(status, 409);
    let refused = w.audit_actions().iter().filter(|a| *a == "refused").count();
    assert!(refused >= 6, "{refused} refusals audited");
}

#[test]
fn a_viewer_sees_its_sector_under_disclosure_control() {
    let w = world(6, 12);
    let id = w.create(&call_text("everyone", &rfc3339_in(86_400), ""));
    for (i, org) in w.orgs.iter().enumerate() {
        if i != 7 {
            assert_eq!(w.respond_json(&org.token, &id, answers_of(i)).0, 201);
        }
    }
    // The viewer is scoped to local-government: the 12 councils (orgs 6..18), 11 answered.
    let (status, s) = w.status(&w.env.viewer, &id, "");
    assert_eq!(status, 200, "{s}");
    assert_eq!(
        (s["audience"].clone(), s["responded"].clone()),
        (json!(12), json!(11))
    );
    assert!(s.get("non_responders").is_none() && s.get("exposed").is_none());
    let uses: Vec<bool> = (6..18)
        .filter(|&i| i != 7)
        .map(|i| answers_of(i)["uses"] == "yes")
        .collect();
    let (yes, no) = (
        uses.iter().filter(|u| **u).count(),
        uses.iter().filter(|u| !**u).count(),
    );
    assert_eq!((yes, no), (7, 4));
    // `no` (4) is under the limit of 5, and `yes` is withheld with it.
    let c = counts(&s, "uses");
    assert!(c.is_empty(), "{c:?}");
    assert_eq!(s["questions"][0]["withheld"], 2);
    let groups: Vec<&str> = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["local-government"]);
    // The analyst sees everyone, exactly.
    let (_, all) = w.status(&w.env.analyst, &id, "");
    assert_eq!(all["audience"], 18 + SETUP_ORGS.len());
}

#[test]
fn a_deadline_passes_and_late_answers_still_count_until_the_call_closes() {
    let w = world(2, 0);
    let id = w.create(&call_text("short", &rfc3339_in(2), ""));
    let (_, s) = w.status(&w.env.analyst, &id, "");
    assert_eq!(s["overdue"], false);
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    assert_eq!(
        w.respond_json(&w.orgs[0].token, &id, json!({ "uses": "no" }))
            .0,
        201
    );
    let (_, s) = w.status(&w.env.analyst, &id, "?identify=true");
    assert_eq!(
        (s["overdue"].clone(), s["responded"].clone()),
        (json!(true), json!(1))
    );
    assert_eq!(
        s["non_responders"],
        json!([SETUP_ORGS[0], SETUP_ORGS[1], &w.orgs[1].id])
    );
    let table = w.ok(&w.env.analyst, &["status", &id]);
    assert!(table.contains("(passed)"), "{table}");
    w.ok(&w.env.analyst, &["close", &id]);
    assert_eq!(
        w.respond_json(&w.orgs[1].token, &id, json!({ "uses": "no" }))
            .0,
        409
    );
}

#[test]
fn an_audience_by_supplier_and_the_supplier_register() {
    check_supplier_audience(&world(3, 3));
}

fn check_supplier_audience(w: &World) {
    // Two organisations name the supplier in A4.a, spelt differently; one names others only.
    for (org, suppliers) in [
        (&w.orgs[0], "\"Supplier X Ltd\""),
        (&w.orgs[3], "\"SUPPLIER X\", \"Civica UK Ltd\""),
        (&w.orgs[4], "\"Civica UK Ltd\""),
    ] {
        let text = assessment_for(&org.id, 1).replace(
            "suppliers = [\"Civica UK Ltd\", \"Microsoft Limited\", \"Ashdown Shared ICT Service\"]",
            &format!("suppliers = [{suppliers}]"),
        );
        assert_eq!(w.env.submit_json(&org.token, &text).0, 201);
    }
    let id = w.create(&call_text(
        "supplier-x",
        &rfc3339_in(86_400),
        "suppliers = [\"supplier x plc\"]",
    ));
    let (_, detail) = w
        .env
        .call("GET", &format!("/calls/{id}"), Some(&w.env.analyst), None);
    assert_eq!(detail["call"]["audience"], 2);
    assert_eq!(
        w.respond_json(&w.orgs[4].token, &id, json!({ "uses": "no" }))
            .0,
        403
    );
    assert_eq!(
        w.respond_json(
            &w.orgs[3].token,
            &id,
            json!({ "uses": "yes", "patched": "patched" })
        )
        .0,
        201
    );

    let (status, reg) = w.env.call(
        "GET",
        "/suppliers?name=Supplier%20X",
        Some(&w.env.analyst),
        None,
    );
    assert_eq!(status, 200, "{reg}");
    let deps: BTreeMap<String, Value> = reg["dependants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap().to_string(), d["via"].clone()))
        .collect();
    assert_eq!(deps.len(), 2);
    assert_eq!(
        deps[&w.orgs[3].id],
        json!(["assessment", format!("call:{id}")])
    );
    assert!(w.audit_actions().iter().any(|a| a == "supplier-dependants"));
    // A viewer learns no names, and a count under the limit is withheld.
    let (_, reg) = w.env.call(
        "GET",
        "/suppliers?name=Supplier%20X",
        Some(&w.env.viewer),
        None,
    );
    assert!(
        reg.get("dependants").is_none() && reg["organisations"].is_null(),
        "{reg}"
    );
    assert_eq!(
        w.env
            .call("GET", "/suppliers?name=x", Some(&w.orgs[0].token), None)
            .0,
        403
    );
}

#[test]
fn an_organisation_answers_in_the_terminal_and_resumes_after_a_kill() {
    use crate::assess::{ENTER, Pty};
    let w = world(1, 0);
    let id = w.create(&call_text("terminal", &rfc3339_in(86_400), ""));
    let org = &w.orgs[0];
    let config = w.file("none.toml", "");
    let envs = [
        ("CAF_TOKEN", org.token.as_str()),
        ("CAF_CONFIG", config.to_str().unwrap()),
    ];
    let args = ["call", "answer", &id, "--server", &w.env.server.url];

    let mut pty = Pty::spawn_with(w.env.dir.path(), &args, &envs);
    pty.choose("1/3 Do you run the appliance?", "yes");
    pty.choose("2/3 Is it patched?", "not-yet");
    pty.expect("3/3 How many appliances?");
    pty.kill9();
    // Each answer was on disk before the next question.
    let draft = support::read(&w.env.dir.path().join("terminal.answers.toml"));
    assert!(
        draft.contains("uses = \"yes\"") && draft.contains("patched = \"not-yet\""),
        "{draft}"
    );

    let mut pty = Pty::spawn_with(w.env.dir.path(), &args, &envs);
    pty.expect("uses: yes (from the draft)");
    pty.expect("patched: not-yet (from the draft)");
    pty.expect("3/3 How many appliances?");
    pty.send("many");
    pty.send(ENTER);
    pty.expect("is not a number answer");
    pty.send(&"\x7f".repeat(4));
    pty.send("12");
    pty.send(ENTER);
    pty.expect("Send these answers?");
    pty.send(ENTER);
    pty.expect("as version 1");
    assert_eq!(pty.wait(), Some(0));

    let (_, s) = w.status(&w.env.analyst, &id, "?identify=true");
    assert_eq!(s["responded"], 1);
    assert_eq!(s["exposed"][0]["id"], org.id.as_str());
    assert_eq!(s["exposed"][0]["answers"]["devices"], 12);
}

/// The status keeps its audience in memory between reads; a contact another process sets with
/// `caf admin` is in the next status. The audience itself is fixed when the call is sent: an
/// organisation registered afterwards, even in the audience's sector, is not addressed.
#[test]
fn the_next_status_sees_contacts_changed_by_another_process_and_a_fixed_audience() {
    check_changes_between_statuses(&world(0, 6));
}

fn check_changes_between_statuses(w: &World) {
    let id = w.create(&call_text(
        "changes-2026-12",
        &rfc3339_in(86_400),
        "sectors = [\"local-government\"]",
    ));
    let chase_contact = |status: &Value, org: &str| {
        status["chase"]
            .as_array()
            .unwrap_or_else(|| panic!("no chase list in {status}"))
            .iter()
            .find(|c| c["id"] == org)
            .and_then(|c| c["contact"].as_str().map(str::to_string))
    };
    let (code, before) = w.status(&w.env.analyst, &id, "?identify=true");
    assert_eq!(code, 200, "{before}");
    let audience = before["audience"].as_u64().unwrap();
    assert_eq!(
        chase_contact(&before, "LA000").as_deref(),
        Some("soc@la000.example")
    );

    service::admin(
        &w.env.db,
        &["org", "contact", "LA000", "duty@la000.example"],
    );
    service::admin(
        &w.env.db,
        &[
            "org",
            "add",
            "--id",
            "LA900",
            "--name",
            "Late Borough Council",
            "--sector",
            "local-government",
        ],
    );
    let (code, after) = w.status(&w.env.analyst, &id, "?identify=true");
    assert_eq!(code, 200, "{after}");
    assert_eq!(
        chase_contact(&after, "LA000").as_deref(),
        Some("duty@la000.example"),
        "{after}"
    );
    assert_eq!(after["audience"].as_u64().unwrap(), audience, "{after}");
    assert!(
        !after["non_responders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o == "LA900"),
        "{after}"
    );
}

/// The checks whose SQL differs most between the databases, on a real PostgreSQL: concurrent
/// writers racing for versions, the refusals, the supplier audience and register.
#[test]
fn postgres_calls() {
    let pg = crate::service::Postgres::start();
    check_concurrent_answers(&world_at(&pg.database("concurrent"), 200, 0));
    check_answers_in_flight(&world_at(&pg.database("in-flight"), 60, 0));
    check_refusals(&world_at(&pg.database("refusals"), 2, 2));
    check_supplier_audience(&world_at(&pg.database("suppliers"), 3, 3));
    check_changes_between_statuses(&world_at(&pg.database("changes"), 0, 6));
}
