//! The collection service end to end: the real `caf serve` on loopback, driven by the real
//! `caf submit`/`caf admin` commands and by raw HTTP for the refusals. Each check runs against
//! a temporary SQLite file here, and against a throwaway PostgreSQL in `server_pg.rs`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::service::{self, Server, Sqlite, admin, assessment_for, http, org_with_token};
use crate::support;

/// A server with two organisations and a token of every role.
pub struct Env {
    pub db: String,
    pub server: Server,
    pub dir: tempfile::TempDir,
    pub token_a: String,
    pub token_b: String,
    pub analyst: String,
    pub viewer: String,
    pub admin: String,
}

pub const ORG_A: &str = "E07000901";
pub const ORG_B: &str = "E07000902";

/// These checks send dozens of bad tokens on purpose; the limit on failed authentications
/// has its own tests (`server_limits.rs`).
pub fn setup(db: &str) -> Env {
    setup_with(db, &["--auth-failure-limit", "0"])
}

pub fn setup_with(db: &str, extra: &[&str]) -> Env {
    let token_a = org_with_token(db, ORG_A);
    let token_b = org_with_token(db, ORG_B);
    let analyst = admin(db, &["token", "create", "--role", "analyst"])
        .trim()
        .to_string();
    let viewer = admin(
        db,
        &[
            "token",
            "create",
            "--role",
            "viewer",
            "--sector",
            "local-government",
        ],
    )
    .trim()
    .to_string();
    let admin_token = admin(db, &["token", "create", "--role", "admin"])
        .trim()
        .to_string();
    Env {
        db: db.to_string(),
        server: Server::start(db, extra),
        dir: tempfile::tempdir().unwrap(),
        token_a,
        token_b,
        analyst,
        viewer,
        admin: admin_token,
    }
}

impl Env {
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server.url)
    }

    /// Sends a request and returns the status and the JSON body (Null when not JSON).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let body = body.map(|b| ("application/json", serde_json::to_vec(&b).unwrap()));
        self.raw(method, path, token, body)
    }

    pub fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> (u16, Value) {
        let url = if path.starts_with('/') && !path.starts_with("/api") && path != "/healthz" {
            self.api(path)
        } else {
            format!("{}{path}", self.server.url)
        };
        let mut request = http().request(method.parse().unwrap(), url);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some((content_type, bytes)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        let response = request.send().expect("request");
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        assert!(
            !text.contains("panicked") && !text.to_lowercase().contains("sqlx"),
            "{text}"
        );
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub fn submit_json(&self, token: &str, assessment: &str) -> (u16, Value) {
        self.call(
            "POST",
            "/submissions",
            Some(token),
            Some(json!({ "assessment": assessment })),
        )
    }

    /// `caf submit` as the given token.
    pub fn caf_submit(&self, token: &str, text: &str, name: &str) -> std::process::Output {
        let file = service::write(self.dir.path(), name, text);
        service::write(self.dir.path(), "none.toml", "");
        support::caf()
            .args(["submit"])
            .arg(&file)
            .args(["--server", &self.server.url, "--attempts", "2"])
            .env("CAF_TOKEN", token)
            .env("CAF_CONFIG", self.dir.path().join("none.toml"))
            .output()
            .unwrap()
    }
}

fn message(body: &Value) -> String {
    body["error"]["message"].as_str().unwrap_or("").to_string()
}

// ----- checks, each run on SQLite here and on PostgreSQL in server_pg.rs -----

pub fn check_submit_version_and_audit(env: &Env) {
    let v1 = assessment_for(ORG_A, 1);
    let out = env.caf_submit(&env.token_a, &v1, "a1.toml");
    assert!(out.status.success(), "{}", support::stderr_of(&out));
    assert!(
        support::stdout_of(&out).contains("as version 1"),
        "{}",
        support::stdout_of(&out)
    );

    // The same content again: stored once, and the answer says so.
    let out = env.caf_submit(&env.token_a, &v1, "a1-again.toml");
    assert!(out.status.success());
    assert!(support::stdout_of(&out).contains("Already stored"));
    let (status, body) = env.submit_json(&env.token_a, &v1);
    assert_eq!(status, 200);
    assert_eq!(body["duplicate"], true);
    let first_id = body["submission"]["id"].as_str().unwrap().to_string();
    // Stored with the submitting tool's version (sent by `caf submit`).
    assert_eq!(
        body["submission"]["client_version"],
        env!("CARGO_PKG_VERSION")
    );

    // A resubmission for the same period supersedes, and keeps, the first.
    let (status, body) = env.submit_json(&env.token_a, &assessment_for(ORG_A, 2));
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["submission"]["version"], 2);
    assert_eq!(body["supersedes"], first_id.as_str());
    let second_id = body["submission"]["id"].as_str().unwrap().to_string();

    // The server's own score: what `caf score` computes locally.
    let local = support::caf()
        .args(["score", "--format", "json"])
        .arg(service::write(
            env.dir.path(),
            "a2.toml",
            &assessment_for(ORG_A, 2),
        ))
        .output()
        .unwrap();
    let local: Value = serde_json::from_slice(&local.stdout).unwrap();
    assert_eq!(body["summary"], local["summary"]);

    let (status, list) = env.call("GET", "/submissions", Some(&env.token_a), None);
    assert_eq!(status, 200);
    let subs = list["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    let superseded: Vec<_> = subs
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap(),
                s["superseded"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(superseded.contains(&(first_id.as_str(), true)));
    assert!(superseded.contains(&(second_id.as_str(), false)));
    assert!(
        subs.iter()
            .all(|s| s["token_id"].as_str().unwrap().len() == 16
                && s["server_version"] == env!("CARGO_PKG_VERSION")
                && s["content_sha256"].as_str().unwrap().len() == 64)
    );

    // `caf submissions list` uses the same API.
    service::write(env.dir.path(), "none.toml", "");
    let out = support::caf()
        .args(["submissions", "list", "--json", "--server", &env.server.url])
        .env("CAF_TOKEN", &env.token_a)
        .env("CAF_CONFIG", env.dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::stderr_of(&out));
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["submissions"].as_array().unwrap().len(), 2);

    // An analyst reads one individual submission; the read is in the audit log.
    let (status, detail) = env.call(
        "GET",
        &format!("/submissions/{first_id}"),
        Some(&env.analyst),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(detail["assessment"].as_str().unwrap(), v1);
    assert_eq!(detail["scorecard"]["schema"], "caf.score/1");
    assert_eq!(detail["summary"], detail["scorecard"]["summary"]);
    let audit = admin(&env.db, &["audit", "--format", "json"]);
    let audit: Value = serde_json::from_str(&audit).unwrap();
    let entries = audit["entries"].as_array().unwrap();
    let analyst_id = &env.analyst[4..20];
    assert!(entries.iter().any(|e| e["action"] == "read"
        && e["submission_id"] == first_id.as_str()
        && e["token_id"] == analyst_id));
    assert!(entries.iter().any(|e| e["action"] == "submit-duplicate"));
    let table = admin(&env.db, &["audit"]);
    assert!(
        table.contains(&first_id) && table.contains("read"),
        "{table}"
    );
}

pub fn check_no_and_wrong_tokens(env: &Env) {
    let wrong_secret = format!("{}{}", &env.token_a[..21], "0".repeat(64));
    let routes = [
        ("POST", "/submissions"),
        ("GET", "/submissions"),
        ("GET", "/submissions/s-00000000000000000000000000000000"),
        ("GET", "/organisations"),
        ("POST", "/organisations"),
        ("GET", "/organisations/E07000901"),
        ("POST", "/tokens"),
        ("GET", "/tokens"),
        ("DELETE", "/tokens/0000000000000000"),
        ("GET", "/audit"),
    ];
    for (method, path) in routes {
        for token in [
            None,
            Some("nonsense"),
            Some(wrong_secret.as_str()),
            Some(""),
        ] {
            let (status, body) = env.call(method, path, token, Some(json!({})));
            assert_eq!(status, 401, "{method} {path} with {token:?}: {body}");
            assert_eq!(body["error"]["code"], "unauthorised");
        }
    }
    let out = env.caf_submit(&wrong_secret, &assessment_for(ORG_A, 1), "w.toml");
    assert_eq!(out.status.code(), Some(2));
    assert!(support::stderr_of(&out).contains("401"));
    assert!(!support::stderr_of(&out).contains(&wrong_secret));
}

pub fn check_expired_and_revoked(env: &Env) {
    let expiring = admin(
        &env.db,
        &[
            "token",
            "create",
            "--role",
            "submitter",
            "--org",
            ORG_A,
            "--expires",
            "1s",
        ],
    )
    .trim()
    .to_string();
    let revoked = admin(
        &env.db,
        &["token", "create", "--role", "submitter", "--org", ORG_A],
    )
    .trim()
    .to_string();
    assert_eq!(env.call("GET", "/submissions", Some(&revoked), None).0, 200);
    admin(&env.db, &["token", "revoke", &revoked[4..20]]);
    std::thread::sleep(Duration::from_millis(1100));
    let (status, body) = env.call("GET", "/submissions", Some(&expiring), None);
    assert_eq!((status, message(&body).as_str()), (401, "token expired"));
    let (status, body) = env.submit_json(&revoked, &assessment_for(ORG_A, 1));
    assert_eq!((status, message(&body).as_str()), (401, "token revoked"));
    // Revoking an unknown token is an error, not a silent success.
    let out = support::caf()
        .args(["admin", "token", "revoke", "--database", &env.db])
        .arg("ffffffffffffffff")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

pub fn check_cross_organisation(env: &Env) {
    let (status, body) = env.submit_json(&env.token_b, &assessment_for(ORG_B, 1));
    assert_eq!(status, 201, "{body}");
    let b_id = body["submission"]["id"].as_str().unwrap().to_string();

    // A submits an assessment that claims to be B's: refused, and B's record is untouched.
    let (status, body) = env.submit_json(&env.token_a, &assessment_for(ORG_B, 2));
    assert_eq!(status, 403, "{body}");
    assert!(message(&body).contains(ORG_A));
    let out = env.caf_submit(&env.token_a, &assessment_for(ORG_B, 3), "b.toml");
    assert_eq!(out.status.code(), Some(2));
    assert!(support::stderr_of(&out).contains("403"));

    // A cannot read B's submission, nor list B's.
    let (status, _) = env.call(
        "GET",
        &format!("/submissions/{b_id}"),
        Some(&env.token_a),
        None,
    );
    assert_eq!(status, 404);
    let (status, _) = env.call(
        "GET",
        &format!("/submissions?organisation={ORG_B}"),
        Some(&env.token_a),
        None,
    );
    assert_eq!(status, 403);
    let (_, list) = env.call("GET", "/submissions", Some(&env.token_a), None);
    assert!(list["submissions"].as_array().unwrap().is_empty());
    let (_, list) = env.call("GET", "/submissions", Some(&env.token_b), None);
    let subs = list["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0]["version"], 1);
    // The refused read is audited too.
    let audit: Value =
        serde_json::from_str(&admin(&env.db, &["audit", "--format", "json"])).unwrap();
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "read-refused" && e["submission_id"] == b_id.as_str())
    );
}

pub fn check_role_matrix(env: &Env) {
    let (status, body) = env.submit_json(&env.token_a, &assessment_for(ORG_A, 1));
    assert_eq!(status, 201);
    let id = body["submission"]["id"].as_str().unwrap().to_string();
    let one = format!("/submissions/{id}");
    let org = json!({ "id": "NEW-ORG", "name": "New" });
    // (method, path, body, [submitter, viewer, analyst, admin])
    let cases: Vec<(&str, &str, Option<Value>, [u16; 4])> = vec![
        ("GET", "/submissions", None, [200, 403, 200, 403]),
        ("GET", one.as_str(), None, [200, 403, 200, 403]),
        ("GET", "/organisations", None, [403, 403, 403, 200]),
        (
            "GET",
            "/organisations/E07000901",
            None,
            [403, 403, 403, 200],
        ),
        ("GET", "/tokens", None, [403, 403, 403, 200]),
        ("GET", "/audit", None, [403, 403, 403, 200]),
        ("GET", "/tips", None, [200, 403, 200, 200]),
        ("GET", "/tips/progress", None, [403, 200, 200, 200]),
        (
            "POST",
            "/tokens",
            Some(json!({ "role": "analyst" })),
            [403, 403, 403, 201],
        ),
        ("POST", "/organisations", Some(org), [403, 403, 403, 201]),
    ];
    let tokens = [&env.token_a, &env.viewer, &env.analyst, &env.admin];
    for (method, path, body, expected) in cases {
        for (token, want) in tokens.iter().zip(expected) {
            let (status, got) = env.call(method, path, Some(token), body.clone());
            assert_eq!(status, want, "{method} {path} as {}: {got}", &token[..20]);
        }
    }
    // Only a submitter submits.
    for token in [&env.viewer, &env.analyst, &env.admin] {
        let (status, _) = env.submit_json(token, &assessment_for(ORG_A, 9));
        assert_eq!(status, 403);
    }
    // A viewer never reads an individual submission.
    let (status, body) = env.call("GET", &one, Some(&env.viewer), None);
    assert_eq!(status, 403);
    assert!(message(&body).contains("viewer"));
}

pub fn check_hostile_bodies(env: &Env) {
    // Over the body limit (1 MiB by default).
    let big = json!({ "assessment": "#".repeat(2 * 1024 * 1024) });
    let (status, body) = env.call("POST", "/submissions", Some(&env.token_a), Some(big));
    assert_eq!(status, 413, "{body}");
    // Deeply nested JSON.
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let (status, body) = env.raw(
        "POST",
        "/submissions",
        Some(&env.token_a),
        Some(("application/json", deep.into_bytes())),
    );
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("nested"));
    // Deeply nested TOML inside a well-formed body.
    let toml = format!(
        "{}\nextra = {}1{}\n",
        assessment_for(ORG_A, 1),
        "[".repeat(1000),
        "]".repeat(1000)
    );
    let (status, body) = env.submit_json(&env.token_a, &toml);
    assert_eq!(status, 422, "{body}");
    // Unknown fields: in the JSON body, and in the assessment.
    let (status, body) = env.call(
        "POST",
        "/submissions",
        Some(&env.token_a),
        Some(json!({ "assessment": assessment_for(ORG_A, 1), "score": { "achieved": 39 } })),
    );
    assert_eq!(status, 422, "{body}");
    assert!(message(&body).contains("unknown field `score`"), "{body}");
    let (status, body) = env.submit_json(
        &env.token_a,
        &assessment_for(ORG_A, 1).replace("[scope]", "[scope]\nbudget = 3"),
    );
    assert_eq!(status, 422, "{body}");
    assert!(!body["error"]["diagnostics"].as_array().unwrap().is_empty());
    // Not JSON at all, or the wrong type.
    let (status, _) = env.raw(
        "POST",
        "/submissions",
        Some(&env.token_a),
        Some(("application/json", b"{not json".to_vec())),
    );
    assert_eq!(status, 400);
    let (status, _) = env.raw(
        "POST",
        "/submissions",
        Some(&env.token_a),
        Some(("text/plain", b"framework = 1".to_vec())),
    );
    assert_eq!(status, 415);
    // An invalid assessment comes back with located diagnostics.
    let (status, body) = env.submit_json(
        &env.token_a,
        &assessment_for(ORG_A, 1).replace("\"A1.a.A.1\"", "\"Z9.z.A.1\""),
    );
    assert_eq!(status, 422);
    let diagnostic = &body["error"]["diagnostics"][0];
    assert_eq!(diagnostic["code"], "unknown-indicator");
    // Its help is for whoever submitted it: what fits, and no command or flag of ours.
    let help = diagnostic["help"].as_str().unwrap();
    assert!(
        help.starts_with("the statements of outcome A1.a are A1.a.NA.1, "),
        "{body}"
    );
    assert!(!help.contains("caf ") && !help.contains("--"), "{body}");
    // A token request that does not fit its role says so in the request's own terms.
    let (status, body) = env.call(
        "POST",
        "/tokens",
        Some(&env.admin),
        Some(json!({ "role": "submitter" })),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        message(&body),
        "a submitter token needs an organisation (and no sector or parent)"
    );
    // Unknown query parameters are refused too.
    let (status, _) = env.call("GET", "/submissions?colour=red", Some(&env.token_a), None);
    assert_eq!(status, 400);
}

const EVIL: &[&str] = &[
    "'; DROP TABLE submissions; --",
    "\" OR \"1\"=\"1",
    "x' OR '1'='1",
    "1; DELETE FROM tokens",
    "$1 $2 ?1 %s \\\\ ` /* */ ;",
];

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

pub fn check_sql_metacharacters(env: &Env) {
    // Every string field of an assessment, in turn; each is stored and returned byte for byte.
    for (n, evil) in EVIL.iter().enumerate() {
        let quoted = toml_string(evil);
        let text = assessment_for(ORG_A, 100 + n)
            .replace(
                "name = \"Ashdown Vale District Council\"",
                &format!("name = {quoted}"),
            )
            .replace("sector = \"local-government\"", &format!("sector = {quoted}"))
            .replace("region = \"South East\"", &format!("region = {quoted}"))
            .replace("parent = \"SE-COUNCILS-SOC\"", &format!("parent = {quoted}"))
            .replace(
                "system = \"Corporate network, revenues and benefits, and planning systems\"",
                &format!("system = {quoted}"),
            )
            .replace(
                "selected = [\"A1.b.A.1\", \"A1.b.A.2\", \"A1.b.A.3\"]",
                &format!(
                    "selected = [\"A1.b.A.1\", \"A1.b.A.2\", \"A1.b.A.3\"]\ncomment = {quoted}\nsuppliers = [{quoted}]\nevidence = [{{ title = {quoted}, location = {quoted} }}]"
                ),
            );
        let (status, body) = env.submit_json(&env.token_a, &text);
        assert_eq!(status, 201, "{evil}: {body}");
        // A period is not free text (see `server_limits.rs`): the same string there is refused.
        let as_period = text.replace("period = \"2026/27\"", &format!("period = {quoted}"));
        let (status, refused) = env.submit_json(&env.token_a, &as_period);
        assert_eq!(status, 422, "{evil}: {refused}");
        let id = body["submission"]["id"].as_str().unwrap();
        let (status, detail) = env.call(
            "GET",
            &format!("/submissions/{id}"),
            Some(&env.token_a),
            None,
        );
        assert_eq!(status, 200);
        assert_eq!(detail["assessment"].as_str().unwrap(), text);
        // In query parameters they match nothing, rather than everything.
        let (status, list) = env.call(
            "GET",
            &format!(
                "/submissions?framework={}",
                evil.replace('%', "%25")
                    .replace(' ', "%20")
                    .replace('#', "%23")
            ),
            Some(&env.analyst),
            None,
        );
        assert_eq!(status, 200);
        assert!(list["submissions"].as_array().unwrap().is_empty());
    }
    // A control character in a stored key field is refused cleanly, not as a database error.
    let (status, body) = env.submit_json(
        &env.token_a,
        &assessment_for(ORG_A, 99).replace("period = \"2026/27\"", "period = \"2026\\u0000\""),
    );
    assert_eq!(status, 422, "{body}");
    // In the organisation registry too (name, sector, region are free text).
    let evil = EVIL[0];
    admin(
        &env.db,
        &[
            "org", "add", "--id", "EVIL-1", "--name", evil, "--sector", evil, "--region", evil,
        ],
    );
    let (_, orgs) = env.call("GET", "/organisations", Some(&env.admin), None);
    let found = orgs["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "EVIL-1")
        .unwrap()
        .clone();
    assert_eq!(found["name"], evil);
    assert_eq!(found["region"], evil);
    // And in a token: refused as invalid, not as a database error.
    let (status, _) = env.call("GET", "/submissions", Some(&format!("caf_{evil}")), None);
    assert_eq!(status, 401);
    // Every table is still there and the other organisation's data intact.
    let (status, list) = env.call("GET", "/submissions", Some(&env.analyst), None);
    assert_eq!(status, 200);
    assert_eq!(list["submissions"].as_array().unwrap().len(), EVIL.len());
    assert_eq!(env.call("GET", "/tokens", Some(&env.admin), None).0, 200);
}

pub fn check_path_traversal(env: &Env) {
    for path in [
        "/submissions/..%2F..%2Fetc%2Fpasswd",
        "/submissions/..",
        "/submissions/s-..%2F..%2Fx",
        "/submissions/%2e%2e",
    ] {
        let (status, body) = env.call("GET", path, Some(&env.analyst), None);
        assert!(status == 400 || status == 404, "{path}: {status} {body}");
    }
    let (status, _) = env.call(
        "GET",
        "/organisations/..%2F..%2Fetc%2Fpasswd",
        Some(&env.admin),
        None,
    );
    assert_eq!(status, 400);
    let (status, _) = env.call("DELETE", "/tokens/..%2F..%2Fetc", Some(&env.admin), None);
    assert_eq!(status, 400);
    let (status, _) = env.call(
        "POST",
        "/organisations",
        Some(&env.admin),
        Some(json!({ "id": "../../etc/passwd", "name": "x" })),
    );
    assert_eq!(status, 422);
    for bad in ["../x", "a/b", "..", "/etc/passwd"] {
        let out = support::caf()
            .args([
                "admin",
                "org",
                "add",
                "--database",
                &env.db,
                "--id",
                bad,
                "--name",
                "x",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let out = support::caf()
            .args([
                "admin",
                "token",
                "create",
                "--database",
                &env.db,
                "--role",
                "viewer",
                "--parent",
                bad,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(out.stdout.is_empty());
    }
    // An assessment naming a path as its organisation is not this token's organisation.
    let (status, _) = env.submit_json(&env.token_a, &assessment_for("../../etc/passwd", 1));
    assert_eq!(status, 403);
}

// ----- SQLite -----

fn sqlite_env() -> (Sqlite, Env) {
    let db = Sqlite::new();
    let env = setup(&db.url);
    (db, env)
}

#[test]
fn sqlite_submit_version_and_audit() {
    let (_db, env) = sqlite_env();
    check_submit_version_and_audit(&env);
}

#[test]
fn sqlite_refuses_missing_and_wrong_tokens() {
    let (_db, env) = sqlite_env();
    check_no_and_wrong_tokens(&env);
}

#[test]
fn sqlite_refuses_expired_and_revoked_tokens() {
    let (_db, env) = sqlite_env();
    check_expired_and_revoked(&env);
}

#[test]
fn sqlite_submitter_cannot_touch_another_organisation() {
    let (_db, env) = sqlite_env();
    check_cross_organisation(&env);
}

#[test]
fn sqlite_roles_are_enforced_on_every_route() {
    let (_db, env) = sqlite_env();
    check_role_matrix(&env);
}

#[test]
fn sqlite_refuses_hostile_bodies() {
    let (_db, env) = sqlite_env();
    check_hostile_bodies(&env);
}

#[test]
fn sqlite_stores_sql_metacharacters_as_data() {
    let (_db, env) = sqlite_env();
    check_sql_metacharacters(&env);
}

#[test]
fn sqlite_refuses_path_traversal() {
    let (_db, env) = sqlite_env();
    check_path_traversal(&env);
}

/// A file that is valid here but not on the server (a profile only a local pack defines):
/// `caf submit` shows the server's diagnostics, located, with their help lines.
#[test]
fn the_client_shows_the_servers_diagnostics() {
    let (_db, env) = sqlite_env();
    let frameworks = env.dir.path().join("frameworks");
    std::fs::create_dir(&frameworks).unwrap();
    service::write(
        &frameworks,
        "gold.toml",
        "extends = \"caf-3.2\"\n[profiles.gold]\ntitle = \"Gold\"\n",
    );
    let text = assessment_for(ORG_A, 1).replace("profile = \"baseline\"", "profile = \"gold\"");
    let file = service::write(env.dir.path(), "gold-a.toml", &text);
    service::write(env.dir.path(), "none.toml", "");
    let out = support::caf()
        .args(["submit"])
        .arg(&file)
        .args(["--server", &env.server.url, "--attempts", "1"])
        .env("CAF_TOKEN", &env.token_a)
        .env("CAF_CONFIG", env.dir.path().join("none.toml"))
        .env("CAF_FRAMEWORKS", &frameworks)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = support::stderr_of(&out);
    assert!(
        stderr.contains(
            "the server rejected the assessment (422): the assessment has 1 problem\n  \
             error[unknown-profile] (line 4, column 11): caf-3.2 has no profile `gold`\n    \
             = help: use one of: baseline, enhanced"
        ),
        "{stderr}"
    );
    // The server's catalogue is not this one: no advice about local commands.
    assert!(!stderr.contains("caf frameworks"), "{stderr}");
}

#[test]
fn rate_limit_per_token() {
    let db = Sqlite::new();
    // One request a minute refills the bucket far slower than any test machine runs four
    // requests, so the fourth is refused however loaded the machine is.
    let env = setup_with(&db.url, &["--rate-limit", "1", "--rate-burst", "3"]);
    for _ in 0..3 {
        assert_eq!(
            env.call("GET", "/submissions", Some(&env.token_a), None).0,
            200
        );
    }
    let response = http()
        .get(env.api("/submissions"))
        .bearer_auth(&env.token_a)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_some());
    // Another token has its own bucket.
    assert_eq!(
        env.call("GET", "/submissions", Some(&env.token_b), None).0,
        200
    );
}

#[test]
fn health_and_openapi_document() {
    let (_db, env) = sqlite_env();
    let (status, body) = env.call("GET", "/healthz", None, None);
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, doc) = env.call("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/submissions",
        "/submissions/{id}",
        "/organisations",
        "/tokens",
        "/aggregate",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["SubmitRequest"].is_object());
    // The served document is the one the library generates.
    assert_eq!(doc, serde_json::to_value(caf_server::openapi()).unwrap());
}

#[test]
fn client_validates_locally_and_reports_unreachable_servers() {
    let dir = tempfile::tempdir().unwrap();
    let bad = service::write(
        dir.path(),
        "bad.toml",
        &assessment_for(ORG_A, 1).replace("\"A1.a.A.1\"", "\"Z9.z.A.1\""),
    );
    // Invalid locally: exit 2 with the located error; the (unreachable) server is never tried.
    let out = support::caf()
        .args(["submit"])
        .arg(&bad)
        .args(["--server", "http://127.0.0.1:9"])
        .env("CAF_TOKEN", "caf_x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(support::stderr_of(&out).contains("Z9.z.A.1"));
    // Valid, but nothing listens: retried, then exit 3.
    let good = service::write(dir.path(), "good.toml", &assessment_for(ORG_A, 1));
    let out = support::caf()
        .args(["submit"])
        .arg(&good)
        .args(["--server", "http://127.0.0.1:9", "--attempts", "2"])
        .env("CAF_TOKEN", "caf_x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(support::stderr_of(&out).contains("after 2 attempts"));
    assert!(!support::stderr_of(&out).contains("unreviewed"));
    // Answers carried from last period and not confirmed: warned about before sending.
    let carried = service::write(
        dir.path(),
        "carried.toml",
        &assessment_for(ORG_A, 1).replacen(
            "[outcomes.\"A1.b\"]\n",
            "[outcomes.\"A1.b\"]\nneeds_review = true\n",
            1,
        ),
    );
    let out = support::caf()
        .args(["submit"])
        .arg(&carried)
        .args(["--server", "http://127.0.0.1:9", "--attempts", "1"])
        .env("CAF_TOKEN", "caf_x")
        .output()
        .unwrap();
    let stderr = support::stderr_of(&out);
    assert!(
        stderr.contains("warning: 1 outcome still carries last period's answers unreviewed (A1.b)"),
        "{stderr}"
    );
    // No token anywhere: a usage error naming where a token may come from.
    let out = support::caf()
        .args(["submit"])
        .arg(&good)
        .args(["--server", "http://127.0.0.1:9"])
        .env_remove("CAF_TOKEN")
        .env_remove("CAF_CONFIG")
        .env("XDG_CONFIG_HOME", dir.path())
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(support::stderr_of(&out).contains("CAF_TOKEN"));
}

#[test]
fn token_from_config_file_and_tls_with_private_ca() {
    let db = Sqlite::new();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    // A private CA, and a server certificate it signs.
    let ca_key = dir.path().join("ca-key.pem");
    let csr = dir.path().join("server.csr");
    let ext = service::write(
        dir.path(),
        "ext.cnf",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    );
    let ca = dir.path().join("ca.pem");
    let openssl = |args: &[&std::ffi::OsStr]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("openssl (scripts/test.sh installs it)");
        assert!(status.success(), "openssl {args:?}");
    };
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    openssl(&[
        os("req"),
        os("-x509"),
        os("-newkey"),
        os("rsa:2048"),
        os("-nodes"),
        os("-days"),
        os("2"),
        os("-subj"),
        os("/CN=caf test CA"),
        os("-keyout"),
        ca_key.as_os_str(),
        os("-out"),
        ca.as_os_str(),
    ]);
    openssl(&[
        os("req"),
        os("-newkey"),
        os("rsa:2048"),
        os("-nodes"),
        os("-subj"),
        os("/CN=localhost"),
        os("-keyout"),
        key.as_os_str(),
        os("-out"),
        csr.as_os_str(),
    ]);
    openssl(&[
        os("x509"),
        os("-req"),
        os("-in"),
        csr.as_os_str(),
        os("-CA"),
        ca.as_os_str(),
        os("-CAkey"),
        ca_key.as_os_str(),
        os("-CAcreateserial"),
        os("-days"),
        os("2"),
        os("-extfile"),
        ext.as_os_str(),
        os("-out"),
        cert.as_os_str(),
    ]);
    let token = org_with_token(&db.url, ORG_A);
    let server = Server::start(
        &db.url,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(server.url.starts_with("https://"));
    let config = service::write(
        dir.path(),
        "client.toml",
        &format!("token = \"{token}\"\nserver = \"{}\"\n", server.url),
    );
    let file = service::write(dir.path(), "a.toml", &assessment_for(ORG_A, 1));
    let out = support::caf()
        .args(["submit"])
        .arg(&file)
        .arg("--ca-cert")
        .arg(&ca)
        .env_remove("CAF_TOKEN")
        .env("CAF_CONFIG", &config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::stderr_of(&out));
    assert!(support::stdout_of(&out).contains("as version 1"));
    // Without the private CA the server's certificate is not trusted.
    let out = support::caf()
        .args(["submit"])
        .arg(&file)
        .args(["--attempts", "1"])
        .env_remove("CAF_TOKEN")
        .env("CAF_CONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", support::stderr_of(&out));
}
