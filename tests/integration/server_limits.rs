//! The service's bounds, against the real `caf serve` on loopback with a real SQLite file:
//! connection deadlines and cap, the file limit, bounded parsing under a time budget, periods,
//! withdrawal, quotas, and the audit of every refusal and administrative action.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{Env, ORG_A, ORG_B, setup_with};
use crate::service::{Server, Sqlite, admin, assessment_for, bulk_orgs, http};
use crate::support;

/// Waits for the server to close `stream`, up to `limit`; returns how long that took, or
/// `None` if it stayed open. Whatever the server sends first (a 408, say) is read and ignored.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

fn healthz(env: &Env) -> Result<u16, String> {
    http()
        .get(format!("{}/healthz", env.server.url))
        .timeout(Duration::from_secs(5))
        .send()
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}

fn audit_entries(env: &Env) -> Vec<Value> {
    let (status, log) = env.call("GET", "/audit", Some(&env.admin), None);
    assert_eq!(status, 200, "{log}");
    log["entries"].as_array().unwrap().clone()
}

fn refusals<'a>(entries: &'a [Value], needle: &str) -> Vec<&'a Value> {
    entries
        .iter()
        .filter(|e| e["action"] == "refused" && e["detail"].as_str().unwrap().contains(needle))
        .collect()
}

#[test]
fn idle_and_slow_connections_are_closed() {
    let db = Sqlite::new();
    let env = setup_with(&db.url, &["--header-timeout", "1"]);
    // A connection that never sends anything.
    let mut idle = TcpStream::connect(env.server.addr).unwrap();
    let took = closed_within(&mut idle, Duration::from_secs(5)).expect("idle connection closed");
    assert!(took >= Duration::from_millis(800), "closed after {took:?}");
    // A keep-alive connection after one answered request.
    let mut kept = TcpStream::connect(env.server.addr).unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 512];
    let n = kept.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(closed_within(&mut kept, Duration::from_secs(5)).is_some());
    // Slow loris: headers dribbled a line every 200 ms never complete within the deadline.
    let mut slow = TcpStream::connect(env.server.addr).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let start = Instant::now();
    let mut cut_off = None;
    for n in 0..50 {
        std::thread::sleep(Duration::from_millis(200));
        if slow
            .write_all(format!("X-Drip-{n}: y\r\n").as_bytes())
            .is_err()
        {
            cut_off = Some(start.elapsed());
            break;
        }
        slow.set_read_timeout(Some(Duration::from_millis(1)))
            .unwrap();
        match slow.read(&mut buf) {
            Ok(0) => {
                cut_off = Some(start.elapsed());
                break;
            }
            Ok(n) => assert!(
                !String::from_utf8_lossy(&buf[..n]).contains(" 200 "),
                "a dribbled request was answered"
            ),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => {
                cut_off = Some(start.elapsed());
                break;
            }
        }
    }
    let cut_off = cut_off.expect("the slow client was cut off");
    assert!(
        cut_off < Duration::from_secs(4),
        "cut off after {cut_off:?}"
    );
    // The server is still serving.
    assert_eq!(healthz(&env), Ok(200));
}

#[test]
fn connections_past_the_cap_do_not_hold_off_healthz() {
    let db = Sqlite::new();
    let env = setup_with(
        &db.url,
        &["--max-connections", "8", "--header-timeout", "60"],
    );
    let mut held: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(env.server.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // Past the cap, new connections are closed at once rather than queued.
    for _ in 0..20 {
        let mut extra = TcpStream::connect(env.server.addr).unwrap();
        let took = closed_within(&mut extra, Duration::from_secs(2));
        assert!(took.is_some(), "a connection past the cap was kept");
    }
    assert!(healthz(&env).is_err(), "served past the cap");
    // One slot frees: the next probe is served straight away, not behind queued sockets.
    drop(held.pop());
    let start = Instant::now();
    let mut status = healthz(&env);
    while status.is_err() && start.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(20));
        status = healthz(&env);
    }
    assert_eq!(status, Ok(200));
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn the_file_limit_is_raised_or_refused() {
    let db = Sqlite::new();
    let serve = |limits: &str, max: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{limits}; exec \"$0\" serve --database \"$1\" --listen 127.0.0.1:0 --max-connections {max}"
            ))
            .arg(env!("CARGO_BIN_EXE_caf"))
            .arg(&db.url)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Hard limit too low for the cap: refused at start-up, saying what to change.
    let out = serve("ulimit -n 200", "1000").wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--max-connections 1000 needs 1064 open files")
            && stderr.contains("only 200"),
        "{stderr}"
    );
    // A low soft limit under a higher hard one is raised to fit.
    let mut child = serve("ulimit -Hn 4096; ulimit -Sn 100", "1000");
    let pid = child.id();
    let mut soft = 0;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap_or_default();
        soft = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .and_then(|l| l.split_whitespace().nth(3))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if soft >= 1064 {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(soft >= 1064, "soft limit {soft}");
}

/// One statement repeated on every line up to the size limit: whatever the parser makes of it,
/// the answer comes within the time budget with a bounded body, `/healthz` is answered
/// meanwhile, and the server's memory stays within a generous bound.
#[test]
fn a_pathological_submission_is_answered_within_bounds() {
    answered_within_bounds("\"A1.a.A.1\",\n");
}

/// The same statement repeated on one long line: once, each repeat's diagnostic copied the
/// whole line, and memory grew with the square of the repeats.
#[test]
fn one_statement_repeated_on_one_line_is_answered_within_bounds() {
    answered_within_bounds("\"A1.a.A.1\", ");
}

fn answered_within_bounds(line: &str) {
    let db = Sqlite::new();
    let env = setup_with(&db.url, &["--request-timeout", "3", "--parse-workers", "1"]);
    let base = assessment_for(ORG_A, 1);
    let filler = line.repeat((500 * 1024 - base.len()) / line.len());
    let text = base.replacen(
        "selected = [\"A1.a.A.1\", \"A1.a.A.2\", \"A1.a.A.3\", \"A1.a.A.4\"]",
        &format!("selected = [\n{filler}]"),
        1,
    );
    assert!(text.len() > 490 * 1024 && text.len() < 512 * 1024);
    let url = env.api("/submissions");
    let token = env.token_a.clone();
    let submitted = std::thread::spawn(move || {
        let start = Instant::now();
        let response = http()
            .post(url)
            .bearer_auth(token)
            .json(&json!({ "assessment": text }))
            .send()
            .unwrap();
        let status = response.status().as_u16();
        let body = response.bytes().unwrap();
        (status, body.len(), start.elapsed(), body)
    });
    // /healthz is answered promptly while the submission is being worked on.
    let mut slowest = Duration::ZERO;
    while !submitted.is_finished() {
        let start = Instant::now();
        assert_eq!(healthz(&env), Ok(200));
        slowest = slowest.max(start.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, bytes, took, body) = submitted.join().unwrap();
    assert!(
        slowest < Duration::from_secs(2),
        "/healthz took {slowest:?}"
    );
    assert!(took < Duration::from_secs(6), "answered after {took:?}");
    assert!(matches!(status, 422 | 503), "{status}");
    assert!(bytes < 64 * 1024, "a {bytes}-byte answer");
    let body: Value = serde_json::from_slice(&body).unwrap();
    let diagnostics = body["error"]["diagnostics"].as_array().map_or(0, Vec::len);
    assert!(diagnostics <= 100, "{diagnostics} diagnostics");
    let status_file =
        std::fs::read_to_string(format!("/proc/{}/status", env.server.pid())).unwrap();
    let peak_kb: u64 = status_file
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(peak_kb < 1024 * 1024, "the server peaked at {peak_kb} kB");
}

#[test]
fn diagnostics_in_an_answer_are_capped() {
    let db = Sqlite::new();
    let env = setup_with(&db.url, &[]);
    let unknown: Vec<String> = (0..300).map(|n| format!("\"Z9.z.A.{n}\"")).collect();
    let text = assessment_for(ORG_A, 1).replacen(
        "selected = [\"A1.a.A.1\", \"A1.a.A.2\", \"A1.a.A.3\", \"A1.a.A.4\"]",
        &format!("selected = [{}]", unknown.join(",\n")),
        1,
    );
    let (status, body) = env.submit_json(&env.token_a, &text);
    assert_eq!(status, 422, "{body}");
    let listed = body["error"]["diagnostics"].as_array().unwrap().len();
    let message = body["error"]["message"].as_str().unwrap();
    let found: usize = message
        .strip_prefix("the assessment has ")
        .and_then(|m| m.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{message}"));
    if found > 100 {
        assert_eq!(listed, 100);
        assert!(message.ends_with("; the first 100 are listed"), "{message}");
    } else {
        assert!(listed == found && listed > 0, "{message}: {listed}");
    }
}

/// The start year of the period the server is in now (April to March).
fn current_period_start() -> i64 {
    let (year, month, _) = caf_server::store::civil_date(caf_server::store::now_ms());
    if month >= 4 { year } else { year - 1 }
}

fn period(start: i64) -> String {
    format!("{start}/{:02}", (start + 1) % 100)
}

fn with_period(org: &str, n: usize, period: &str) -> String {
    assessment_for(org, n).replace("period = \"2026/27\"", &format!("period = \"{period}\""))
}

#[test]
fn periods_are_checked_and_the_default_needs_enough_organisations() {
    let db = Sqlite::new();
    let env = setup_with(&db.url, &[]);
    let now = current_period_start();
    let next = period(now + 1);
    for bad in [
        period(now + 2),
        "9999/00".to_string(),
        format!("{now}/{:02}", (now + 2) % 100),
        format!("{now}-{:02}", (now + 1) % 100),
        "zzzz-later".to_string(),
    ] {
        let (status, body) = env.submit_json(&env.token_a, &with_period(ORG_A, 1, &bad));
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("period")
        );
    }
    // Five organisations in this period, and one alone in the next.
    let ids: Vec<String> = (0..5).map(|n| format!("E0700100{n}")).collect();
    let tokens = bulk_orgs(&env.db, &ids);
    for (n, (id, token)) in ids.iter().zip(&tokens).enumerate() {
        let (status, body) = env.submit_json(token, &with_period(id, n, &period(now)));
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = env.submit_json(&env.token_a, &with_period(ORG_A, 9, &next));
    assert_eq!(status, 201, "the next period is allowed: {body}");
    // The analyst's default aggregate describes this period, not the one organisation's
    // "later" one.
    let (status, report) = env.call("GET", "/aggregate", Some(&env.analyst), None);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["periods"], json!([period(now)]), "{report}");
    // A viewer reads releases only, and only an analyst or administrator cuts one: a submitter
    // cannot make a period of its own the viewers' default.
    let (status, body) = env.call("GET", "/aggregate", Some(&env.viewer), None);
    assert_eq!(status, 404, "{body}");
    let cut = json!({ "period": period(now) });
    let (status, body) = env.call("POST", "/releases", Some(&env.analyst), Some(cut));
    assert_eq!(status, 201, "{body}");
    let (status, report) = env.call("GET", "/aggregate", Some(&env.viewer), None);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["periods"], json!([period(now)]), "{report}");
    // A release's period is checked like a submission's.
    let cut = json!({ "period": period(now + 2) });
    let (status, body) = env.call("POST", "/releases", Some(&env.analyst), Some(cut));
    assert_eq!(status, 422, "{body}");
    // Asked for by name, the next period is still there (withheld: one organisation).
    let (status, report) = env.call(
        "GET",
        &format!("/aggregate?period={}", next.replace('/', "%2F")),
        Some(&env.analyst),
        None,
    );
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["periods"], json!([next]));
}

#[test]
fn an_administrator_withdraws_a_submission() {
    let db = Sqlite::new();
    let env = setup_with(&db.url, &[]);
    let (_, first) = env.submit_json(&env.token_a, &assessment_for(ORG_A, 1));
    let (status, second) = env.submit_json(&env.token_a, &assessment_for(ORG_A, 2));
    assert_eq!(status, 201);
    let (first, second) = (
        first["submission"]["id"].as_str().unwrap().to_string(),
        second["submission"]["id"].as_str().unwrap().to_string(),
    );
    let coverage = |env: &Env| {
        let (_, report) = env.call("GET", "/aggregate", Some(&env.analyst), None);
        report["assessments"].as_u64().unwrap_or(0)
    };
    assert_eq!(coverage(&env), 1);
    let path = format!("/submissions/{second}/withdraw");
    let reason = json!({ "reason": "submitted in error" });
    for token in [&env.token_a, &env.analyst, &env.viewer] {
        let (status, _) = env.call("POST", &path, Some(token), Some(reason.clone()));
        assert_eq!(status, 403);
    }
    let (status, body) = env.call("POST", &path, Some(&env.admin), Some(reason.clone()));
    assert_eq!(status, 200, "{body}");
    assert!(body["withdrawn_at"].is_string());
    // Kept and marked; the version before it is current again.
    let (_, list) = env.call("GET", "/submissions", Some(&env.token_a), None);
    let list = list["submissions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let current: Vec<&Value> = list.iter().filter(|s| s["superseded"] == false).collect();
    assert_eq!(current.len(), 2, "{list:?}");
    let (_, list) = env.call("GET", "/submissions?current=true", Some(&env.token_a), None);
    let ids: Vec<&str> = list["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first.as_str()]);
    // Twice is refused, and a missing one is not found.
    let (status, _) = env.call("POST", &path, Some(&env.admin), Some(reason.clone()));
    assert_eq!(status, 422);
    let (status, _) = env.call(
        "POST",
        "/submissions/s-00000000000000000000000000000000/withdraw",
        Some(&env.admin),
        Some(reason),
    );
    assert_eq!(status, 404);
    // From the command line: the last current submission goes, and the aggregate is empty.
    admin(
        &env.db,
        &["withdraw", &first, "--reason", "the organisation asked"],
    );
    assert_eq!(coverage(&env), 0);
    let entries = audit_entries(&env);
    let withdrawals: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "withdraw")
        .collect();
    assert_eq!(withdrawals.len(), 2, "{withdrawals:?}");
    assert_eq!(withdrawals[0]["submission_id"], second.as_str());
    assert_eq!(withdrawals[0]["detail"], "reason: submitted in error");
    assert_eq!(withdrawals[0]["token_id"], env.admin[4..20]);
    assert_eq!(withdrawals[0]["client"], "127.0.0.1");
    assert!(
        withdrawals[1]["token_id"]
            .as_str()
            .unwrap()
            .starts_with("cli:")
    );
    assert_eq!(withdrawals[1]["org_id"], ORG_A);
}

#[test]
fn quotas_refuse_versions_and_bytes_with_json_errors() {
    let db = Sqlite::new();
    let env = setup_with(&db.url, &["--quota-versions", "2", "--quota-bytes", "0"]);
    for n in 0..2 {
        assert_eq!(
            env.submit_json(&env.token_a, &assessment_for(ORG_A, n)).0,
            201
        );
    }
    let (status, body) = env.submit_json(&env.token_a, &assessment_for(ORG_A, 2));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("quota-versions"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2 versions")
    );
    // A repeat stores nothing, so it is still answered; another organisation is unaffected.
    let (status, body) = env.submit_json(&env.token_a, &assessment_for(ORG_A, 1));
    assert_eq!((status, body["duplicate"].as_bool()), (200, Some(true)));
    assert_eq!(
        env.submit_json(&env.token_b, &assessment_for(ORG_B, 0)).0,
        201
    );

    let db = Sqlite::new();
    let one = assessment_for(ORG_A, 0).len();
    let limit = (2 * one - 1).to_string();
    let env = setup_with(&db.url, &["--quota-versions", "0", "--quota-bytes", &limit]);
    assert_eq!(
        env.submit_json(&env.token_a, &assessment_for(ORG_A, 0)).0,
        201
    );
    let (status, body) = env.submit_json(&env.token_a, &assessment_for(ORG_A, 1));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("quota-bytes"))
    );
    // Both refusals are in the audit log, with who and from where.
    let entries = audit_entries(&env);
    let refused = refusals(&entries, "413 quota-bytes");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["token_id"], env.token_a[4..20]);
}

#[test]
fn every_administrative_action_and_refusal_is_audited() {
    let db = Sqlite::new();
    let env = setup_with(&db.url, &[]);
    let (status, _) = env.call(
        "POST",
        "/organisations",
        Some(&env.admin),
        Some(json!({ "id": "E07000999", "name": "New council", "sector": "local-government" })),
    );
    assert_eq!(status, 201);
    let (status, created) = env.call(
        "POST",
        "/tokens",
        Some(&env.admin),
        Some(json!({ "role": "submitter", "organisation": "E07000999" })),
    );
    assert_eq!(status, 201);
    let new_id = created["id"].as_str().unwrap().to_string();
    let new_token = created["token"].as_str().unwrap().to_string();
    assert_eq!(
        env.call(
            "DELETE",
            &format!("/tokens/{new_id}"),
            Some(&env.admin),
            None
        )
        .0,
        204
    );
    assert_eq!(env.call("GET", "/tokens", Some(&env.admin), None).0, 200);
    assert_eq!(
        env.call("GET", "/organisations", Some(&env.admin), None).0,
        200
    );
    // Refusals: a cross-organisation submit, another organisation's list, a viewer reading
    // submissions, a submitter at an admin route, a bad body.
    let (status, _) = env.submit_json(&env.token_a, &assessment_for(ORG_B, 1));
    assert_eq!(status, 403);
    let (status, _) = env.call(
        "GET",
        &format!("/submissions?organisation={ORG_B}"),
        Some(&env.token_a),
        None,
    );
    assert_eq!(status, 403);
    assert_eq!(
        env.call("GET", "/submissions", Some(&env.viewer), None).0,
        403
    );
    assert_eq!(env.call("GET", "/tokens", Some(&env.token_b), None).0, 403);
    let (status, _) = env.raw(
        "POST",
        "/submissions",
        Some(&env.token_b),
        Some(("application/json", b"{\"assessment\": 7}".to_vec())),
    );
    assert_eq!(status, 422);
    let entries = audit_entries(&env);
    let admin_id = &env.admin[4..20];
    for (action, needle) in [
        ("org-add", "sector=local-government"),
        ("token-create", new_id.as_str()),
        ("token-revoke", new_id.as_str()),
        ("token-list", "token"),
        ("org-list", "organisation"),
        ("audit-read", ""),
    ] {
        let found = entries.iter().find(|e| {
            e["action"] == action
                && e["token_id"] == admin_id
                && e["client"] == "127.0.0.1"
                && e["detail"].as_str().unwrap_or("").contains(needle)
        });
        assert!(found.is_some(), "no {action} entry in {entries:#?}");
    }
    let a_id = &env.token_a[4..20];
    let b_id = &env.token_b[4..20];
    let viewer_id = &env.viewer[4..20];
    for (who, needle) in [
        (
            a_id,
            "POST /api/v1/submissions -> 403 forbidden: this token submits for organisation",
        ),
        (a_id, "GET /api/v1/submissions -> 403"),
        (viewer_id, "GET /api/v1/submissions -> 403"),
        (b_id, "GET /api/v1/tokens -> 403"),
        (b_id, "POST /api/v1/submissions -> 422"),
    ] {
        let found = refusals(&entries, needle)
            .into_iter()
            .any(|e| e["token_id"] == who && e["client"] == "127.0.0.1");
        assert!(found, "no refusal `{needle}` by {who} in {entries:#?}");
    }
    // The log names tokens by id only, never by secret.
    let text = serde_json::to_string(&entries).unwrap();
    for secret in [
        &env.admin,
        &env.token_a,
        &env.token_b,
        &env.viewer,
        &new_token,
    ] {
        assert!(
            !text.contains(&secret[21..]),
            "a token secret is in the audit log"
        );
    }
    // `caf admin` actions are audited too, as the local user.
    admin(&env.db, &["token", "list"]);
    let entries = audit_entries(&env);
    assert!(entries.iter().any(|e| e["action"] == "token-list"
        && e["token_id"].as_str().unwrap().starts_with("cli:")
        && e["client"].is_null()));
}

#[test]
fn failed_authentication_is_limited_per_address_and_audited_in_bounds() {
    let db = Sqlite::new();
    let env = setup_with(&db.url, &[]);
    let wrong = format!("{}{}", &env.token_a[..21], "0".repeat(64));
    let mut statuses = Vec::new();
    let start = Instant::now();
    for n in 0..200 {
        let token = if n % 2 == 0 {
            wrong.as_str()
        } else {
            "nonsense"
        };
        statuses.push(env.call("GET", "/submissions", Some(token), None).0);
    }
    // A burst of 10, then one more every 6 s (10 a minute) however slow the machine is.
    let refilled = (start.elapsed().as_secs_f64() / 6.0).ceil() as usize;
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    let unauthorised = statuses.iter().filter(|s| **s == 401).count();
    assert!(unauthorised <= 10 + refilled, "{statuses:?}");
    let minutes = (start.elapsed().as_secs() / 60) as usize;
    // While limited, even a good token from that address waits, so guessing gains nothing.
    let response = http()
        .get(env.api("/submissions"))
        .bearer_auth(&env.token_a)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = response.json().unwrap();
    assert_eq!(body["error"]["code"], "auth-rate-limited");
    // Every failure is audited, but the flood is one entry, not 190.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let entries = rt.block_on(async {
        let store = caf_server::store::Store::open_with(&env.db, 1)
            .await
            .unwrap();
        let entries = store.audit_log().await.unwrap();
        store.close().await;
        entries
    });
    let failed: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "refused" && e.detail.as_deref().unwrap_or("").contains("-> 401"))
        .collect();
    assert_eq!(failed.len(), unauthorised);
    // The well-shaped wrong token is named by its id, the nonsense one as nobody.
    assert!(failed.iter().any(|e| e.token_id == env.token_a[4..20]));
    assert!(failed.iter().any(|e| e.token_id == "-" && e.role == "none"));
    let limited = entries
        .iter()
        .filter(|e| {
            e.detail
                .as_deref()
                .unwrap_or("")
                .contains("auth-rate-limited")
        })
        .count();
    assert!((1..=1 + minutes).contains(&limited), "{limited} entries");
    assert!(
        failed
            .iter()
            .all(|e| e.client.as_deref() == Some("127.0.0.1"))
    );
}

#[test]
fn the_sqlite_database_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("caf.db");
    let url = format!("sqlite://{}", file.display());
    let server = Server::start(&url, &[]);
    let token = crate::service::org_with_token(&url, ORG_A);
    let response = http()
        .post(format!("{}/api/v1/submissions", server.url))
        .bearer_auth(token)
        .json(&json!({ "assessment": assessment_for(ORG_A, 1) }))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", file.display());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path} is {mode:o}");
    }
    // `caf admin` creating the database makes it private too.
    let other = dir.path().join("admin.db");
    let out = support::caf()
        .args(["admin", "org", "list", "--database"])
        .arg(format!("sqlite://{}", other.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    let mode = std::fs::metadata(&other).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn a_body_that_never_arrives_is_cut_off() {
    let db = Sqlite::new();
    let env = setup_with(&db.url, &["--body-timeout", "1"]);
    let mut stream = TcpStream::connect(env.server.addr).unwrap();
    let head = format!(
        "POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"assessment\": \"",
        env.token_a
    );
    stream.write_all(head.as_bytes()).unwrap();
    let start = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body-timeout"), "{answer}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

/// HTTPS goes through the same connection loop: a client that opens a connection and never
/// completes its handshake is closed at the header deadline.
#[test]
fn an_https_connection_that_never_handshakes_is_closed() {
    let db = Sqlite::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl (scripts/test.sh installs it)");
    assert!(status.success());
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let server = Server::start(
        &db.url,
        &[
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--header-timeout",
            "1",
        ],
    );
    assert!(server.url.starts_with("https://"));
    let mut idle = TcpStream::connect(server.addr).unwrap();
    let took = closed_within(&mut idle, Duration::from_secs(5)).expect("closed");
    assert!(took >= Duration::from_millis(800), "closed after {took:?}");
    // Half a ClientHello, then nothing: also closed.
    let mut partial = TcpStream::connect(server.addr).unwrap();
    partial
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .unwrap();
    assert!(closed_within(&mut partial, Duration::from_secs(5)).is_some());
}

/// The audit log quotes what requests carried; its table shows that text inert. Control
/// characters are refused at registration, but a right-to-left override in a sector is not:
/// it must not make the administrator's reading of the log differ from what it holds.
#[test]
fn the_audit_table_shows_logged_text_inert() {
    let db = Sqlite::new();
    let out = support::caf()
        .args(["admin", "org", "add", "--database", &db.url])
        .args([
            "--id",
            "E07000999",
            "--name",
            "Evil",
            "--sector",
            "gov\u{202e}lacol",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::stderr_of(&out));
    let out = support::caf()
        .args(["admin", "audit", "--database", &db.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::stderr_of(&out));
    let table = support::stdout_of(&out);
    assert!(table.contains("org-add"), "{table}");
    assert!(table.contains("gov\\u{202e}lacol"), "{table}");
    assert!(!table.contains('\u{202e}'), "{table}");
}
