//! The collection service answers aggregates from the digests it stores at ingest
//! (`submission_digests`), and they give exactly what `caf aggregate` gives over the same
//! files: on a real-shaped population (`caf synth`: comments, evidence, overrides, answers
//! carried for review, suppliers, Windows line endings, caf-3.2 and caf-4.0 in one period,
//! two periods), with superseded and withdrawn versions, under every grouping. Digests that
//! are missing or of another framework definition are read from the text, and made again
//! when the server starts. On SQLite and on PostgreSQL.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use sqlx::Row;

use caf_server::store::{Organisation, now_ms};

use crate::server::{Env, setup};
use crate::server_aggregate::{local, register};
use crate::service::{Postgres, Sqlite, write};
use crate::support;

/// The same question put to `caf aggregate` and to the server: (CLI flags, query string).
const QUESTIONS: &[(&[&str], &str)] = &[
    (&[], ""),
    (&["--group-by", "region"], "group_by=region"),
    (&["--group-by", "parent"], "group_by=parent"),
    (&["--group-by", "profile"], "group_by=profile"),
    (&["--group-by", "period"], "group_by=period"),
    (&["--period", "2025/26"], "period=2025/26"),
    (&["--framework", "caf-3.2"], "framework=caf-3.2"),
    (
        &["--identify", "--group-by", "region"],
        "identify=true&group_by=region",
    ),
];

/// A registry identifier for a parent body's name (the registry takes identifiers only).
fn slug(name: &str) -> String {
    let id: String = (name.chars())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    id.chars().take(64).collect()
}

/// One synthetic assessment, its text made to claim what the registry records.
struct Member {
    org: Organisation,
    period: String,
    text: String,
}

fn population(dir: &Path) -> Vec<Member> {
    let out = dir.join("synth");
    let output = support::caf()
        .args([
            "synth",
            "--orgs",
            "36",
            "--periods",
            "2",
            "--seed",
            "13",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", support::stderr_of(&output));
    let catalog = caf_core::framework::Catalog::shipped();
    let mut members = Vec::new();
    for path in support::files_in(&out) {
        let text = support::read(&path);
        // The few invalid files synth writes on purpose would be refused at submission.
        let source = caf_core::diagnostic::SourceFile::new("synth", text.as_str());
        if caf_core::assessment::parse(&source, &catalog).is_err() {
            continue;
        }
        let table: toml::Table = toml::from_str(&text).unwrap();
        let o = table["organisation"].as_table().unwrap();
        let field = |k: &str| o.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let parent = field("parent");
        let text = match &parent {
            Some(p) => text.replace(&format!("\"{p}\""), &format!("\"{}\"", slug(p))),
            None => text,
        };
        members.push(Member {
            org: Organisation {
                id: field("id").unwrap(),
                name: field("name").unwrap(),
                sector: field("sector"),
                region: field("region"),
                parent: parent.as_deref().map(slug),
                created_at: now_ms(),
            },
            period: table["period"].as_str().unwrap().to_string(),
            text,
        });
    }
    members
}

/// Runs `job` on a connection pool to the server's database.
fn on_database<T>(database: &str, job: impl AsyncFnOnce(&sqlx::AnyPool) -> T) -> T {
    sqlx::any::install_default_drivers();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = sqlx::AnyPool::connect(database).await.unwrap();
        let out = job(&pool).await;
        pool.close().await;
        out
    })
}

/// Runs `statements` on the server's database (to age, damage or drop stored digests).
fn sql(database: &str, statements: &[String]) {
    on_database(database, async |pool| {
        for statement in statements {
            let statement = sqlx::AssertSqlSafe(statement.clone());
            sqlx::query(statement).execute(pool).await.unwrap();
        }
    });
}

/// (submissions, digests, the distinct fingerprints of the digests).
fn digest_counts(database: &str) -> (i64, i64, Vec<String>) {
    on_database(database, async |pool| {
        let mut counts = Vec::new();
        for table in ["submissions", "submission_digests"] {
            let q = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
            let row = sqlx::query(q).fetch_one(pool).await.unwrap();
            counts.push(row.try_get::<i64, _>(0).unwrap());
        }
        let fingerprints = sqlx::query("SELECT DISTINCT fingerprint FROM submission_digests")
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>(0).unwrap())
            .collect();
        (counts[0], counts[1], fingerprints)
    })
}

fn server_aggregate(env: &Env, token: &str, query: &str) -> Value {
    let (status, body) = env.call("GET", &format!("/aggregate?{query}"), Some(token), None);
    assert_eq!(status, 200, "{query}: {body}");
    body
}

/// Where two JSON values first differ, for a readable failure.
fn difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let null = Value::Null;
                difference(
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    &format!("{at}.{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => (x.iter().zip(y))
            .enumerate()
            .find_map(|(i, (a, b))| difference(a, b, &format!("{at}[{i}]"))),
        _ => (a != b).then(|| format!("{at}: {a} != {b}")),
    }
}

/// Every question answered by the server as `caf aggregate` answers it over `files`.
fn assert_same(env: &Env, files: &Path, why: &str) {
    for (flags, query) in QUESTIONS {
        let server = server_aggregate(env, &env.analyst, query);
        let here = local(env, files, flags);
        assert!(
            server == here,
            "{why}: {query}: {:?}",
            difference(&server, &here, "")
        );
    }
}

fn check_digests(database: &str) {
    let mut env = setup(database);
    let members = population(env.dir.path());
    let mut orgs: BTreeMap<String, Organisation> = BTreeMap::new();
    for m in &members {
        orgs.entry(m.org.id.clone())
            .or_insert_with(|| m.org.clone());
    }
    // The registry decides who is in which group; `caf aggregate` reads what the files claim.
    // A file claiming otherwise than the registry (real files leave a region out one year) is
    // left out, so that both describe the same population.
    let agrees = |m: &Member| {
        let r = &orgs[&m.org.id];
        (&r.name, &r.sector, &r.region, &r.parent)
            == (&m.org.name, &m.org.sector, &m.org.region, &m.org.parent)
    };
    let members: Vec<Member> = members.into_iter().filter(|m| agrees(m)).collect();
    let ids: Vec<String> = orgs.keys().cloned().collect();
    let tokens: BTreeMap<String, String> = ids
        .iter()
        .cloned()
        .zip(register(database, &orgs.into_values().collect::<Vec<_>>()))
        .collect();
    let files = env.dir.path().join("current");
    std::fs::create_dir_all(&files).unwrap();
    let name = |m: &Member| format!("{}-{}.toml", m.org.id, m.period.replace('/', "-"));
    let mut submitted = BTreeMap::new();
    for m in &members {
        let (status, body) = env.submit_json(&tokens[&m.org.id], &m.text);
        assert_eq!(status, 201, "{body}");
        write(&files, &name(m), &m.text);
        submitted.insert(
            name(m),
            body["submission"]["id"].as_str().unwrap().to_string(),
        );
    }
    let features = members.iter().map(|m| m.text.as_str());
    let all: String = features.collect();
    for feature in [
        "override",
        "needs_review",
        "\r\n",
        "caf-3.2",
        "caf-4.0",
        "suppliers",
    ] {
        assert!(all.contains(feature), "the population lacks {feature}");
    }

    // A later version supersedes; a withdrawn later version leaves the earlier one current;
    // a withdrawn only version leaves nothing.
    let latest: Vec<&Member> = members.iter().filter(|m| m.period == "2026/27").collect();
    let other_profile = |text: &str| {
        let changed = text.replacen("profile = \"baseline\"", "profile = \"enhanced\"", 1);
        assert_ne!(changed, text);
        changed
    };
    let baseline: Vec<&&Member> = (latest.iter())
        .filter(|m| m.text.contains("profile = \"baseline\""))
        .collect();
    let (superseded, withdrawn_later) = (baseline[0], baseline[1]);
    let special = [&superseded.org.id, &withdrawn_later.org.id];
    let plain: Vec<&&Member> = (latest.iter())
        .filter(|m| !special.contains(&&m.org.id))
        .collect();
    let withdrawn_only = plain[0];
    let v2 = other_profile(&superseded.text);
    let (status, body) = env.submit_json(&tokens[&superseded.org.id], &v2);
    assert_eq!(status, 201, "{body}");
    write(&files, &name(superseded), &v2);
    let (status, body) = env.submit_json(
        &tokens[&withdrawn_later.org.id],
        &other_profile(&withdrawn_later.text),
    );
    assert_eq!(status, 201, "{body}");
    let later = body["submission"]["id"].as_str().unwrap().to_string();
    for id in [&later, &submitted[&name(withdrawn_only)]] {
        let reason = json!({ "reason": "submitted in error" });
        let path = format!("/submissions/{id}/withdraw");
        let (status, body) = env.call("POST", &path, Some(&env.admin), Some(reason));
        assert_eq!(status, 200, "{body}");
    }
    std::fs::remove_file(files.join(name(withdrawn_only))).unwrap();

    assert_same(&env, &files, "from the digests stored at ingest");
    let (submissions, digests, _) = digest_counts(database);
    assert_eq!(digests, submissions, "every submission has its digest");

    // The answer comes from the digests: one replaced in the database by another
    // organisation's (same framework and period) changes it.
    let framework = |m: &Member| m.text.contains("framework = \"caf-4.0\"");
    let victim = plain[1];
    let donor = (plain[2..].iter())
        .find(|m| framework(m) == framework(victim))
        .unwrap();
    let (victim, donor) = (&submitted[&name(victim)], &submitted[&name(donor)]);
    sql(
        database,
        &[format!(
            "UPDATE submission_digests SET digest = (SELECT d.digest FROM submission_digests d \
             WHERE d.submission_id = '{donor}') WHERE submission_id = '{victim}'"
        )],
    );
    let changed = server_aggregate(&env, &env.analyst, "");
    assert_ne!(
        changed,
        local(&env, &files, &[]),
        "a tampered digest is not used"
    );

    // Digests missing (stored before digests existed), of another framework definition, or
    // damaged: the server reads those texts instead, and the figures are the same.
    let ids: Vec<&String> = submitted.values().collect();
    sql(
        database,
        &[
            format!(
                "DELETE FROM submission_digests WHERE submission_id IN ('{victim}', '{}', '{}')",
                ids[0], ids[1]
            ),
            format!(
                "UPDATE submission_digests SET fingerprint = 'old', \
                 digest = REPLACE(digest, '\"fingerprint\":\"', '\"fingerprint\":\"0') \
                 WHERE submission_id IN ('{}', '{}')",
                ids[2], ids[3]
            ),
            format!(
                "UPDATE submission_digests SET digest = 'not json' WHERE submission_id = '{}'",
                ids[4]
            ),
        ],
    );
    assert_same(&env, &files, "with digests missing or stale");

    // A viewer's release figures are the same from the digests as from the texts alone.
    let (status, body) = env.call(
        "POST",
        "/releases",
        Some(&env.admin),
        Some(json!({ "period": "2026/27" })),
    );
    assert_eq!(status, 201, "{body}");
    let viewed = server_aggregate(&env, &env.viewer, "group_by=region");
    assert_eq!(viewed["disclosure"]["published"], true);
    sql(database, &["DELETE FROM submission_digests".to_string()]);
    let (_, digests, _) = digest_counts(database);
    assert_eq!(digests, 0);
    assert_eq!(
        server_aggregate(&env, &env.viewer, "group_by=region"),
        viewed,
        "a release read from the texts alone"
    );
    assert_same(&env, &files, "with no digests at all");

    // Starting again makes every missing or stale digest from its text.
    env.server.restart();
    let (submissions, digests, fingerprints) = digest_counts(database);
    assert_eq!(digests, submissions);
    assert_eq!(fingerprints.len(), 2, "one per framework: {fingerprints:?}");
    assert_same(&env, &files, "after digests were made at start-up");
    assert_eq!(
        server_aggregate(&env, &env.viewer, "group_by=region"),
        viewed
    );
}

/// The server keeps the current digests in memory between aggregates; every change made
/// since (a new version, a withdrawal, an organisation registered in another sector, a digest
/// or registration changed by another writer on the database) is in the next answer, which
/// is the answer a server starting afresh gives.
fn check_live_changes(database: &str) {
    let mut env = setup(database);
    // More than the server reads one by one when they change together (`READ_ONE_BY_ONE`).
    let orgs: Vec<Organisation> = (1..=80)
        .map(|i| Organisation {
            id: format!("LIVE{i:02}"),
            name: format!("Live Body {i}"),
            sector: Some("health".to_string()),
            region: Some(if i % 2 == 0 { "North" } else { "South" }.to_string()),
            parent: None,
            created_at: now_ms(),
        })
        .collect();
    let tokens = register(database, &orgs);
    let example = "county-council-caf-4.0-partial.toml";
    let text = |o: &Organisation| crate::server_aggregate::assessment(example, &o.id, &o.name);
    let mut ids = Vec::new();
    for (o, token) in orgs.iter().zip(&tokens) {
        let (status, body) = env.submit_json(token, &text(o));
        assert_eq!(status, 201, "{body}");
        ids.push(body["submission"]["id"].as_str().unwrap().to_string());
    }
    let questions = ["", "group_by=region", "identify=true"];
    let answers = |env: &Env| -> Vec<Value> {
        (questions.iter())
            .map(|q| server_aggregate(env, &env.analyst, q))
            .collect()
    };
    // Asked twice of the same server (the second from memory), then of a fresh one.
    let check = |env: &mut Env, why: &str| -> Vec<Value> {
        let live = answers(env);
        assert_eq!(answers(env), live, "{why}: asked again");
        env.server.restart();
        assert_eq!(answers(env), live, "{why}: as a fresh server answers");
        live
    };
    let first = check(&mut env, "as submitted");
    assert_eq!(first[0]["assessments"], 80);

    // A new version (another profile) replaces the first.
    let v2 = text(&orgs[0]).replacen("profile = \"baseline\"", "profile = \"enhanced\"", 1);
    let (status, body) = env.submit_json(&tokens[0], &v2);
    assert_eq!(status, 201, "{body}");
    let newer = check(&mut env, "after a new version");
    assert_eq!(newer[0]["assessments"], 80);
    assert_ne!(newer[0], first[0], "the new version counts");

    // A withdrawal leaves the organisation out.
    let reason = json!({ "reason": "submitted in error" });
    let path = format!("/submissions/{}/withdraw", ids[1]);
    let (status, body) = env.call("POST", &path, Some(&env.admin), Some(reason));
    assert_eq!(status, 200, "{body}");
    let withdrawn = check(&mut env, "after a withdrawal");
    assert_eq!(withdrawn[0]["assessments"], 79);

    // Many registered again in another sector and region at once, by another writer on the
    // database.
    sql(
        database,
        &[
            "UPDATE organisations SET sector = 'transport', region = 'East' \
           WHERE id LIKE 'LIVE%' AND id >= 'LIVE16'"
                .to_string(),
        ],
    );
    let moved = check(&mut env, "after re-registration");
    let keys = |answer: &Value| -> Vec<String> {
        (answer["groups"].as_array().unwrap().iter())
            .map(|g| g["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys(&withdrawn[0]), vec!["health"]);
    assert!(
        keys(&moved[0]).contains(&"transport".to_string()),
        "{:?}",
        keys(&moved[0])
    );
    assert!(
        keys(&moved[1]).contains(&"East".to_string()),
        "{:?}",
        keys(&moved[1])
    );

    // A digest removed by hand: the text is read instead, and the answer stays the same.
    sql(
        database,
        &[format!(
            "DELETE FROM submission_digests WHERE submission_id = '{}'",
            ids[2]
        )],
    );
    assert_eq!(check(&mut env, "with a digest removed"), moved);
}

#[test]
fn sqlite_aggregate_sees_every_change_since_the_last() {
    let db = Sqlite::new();
    check_live_changes(&db.url);
}

#[test]
fn postgres_aggregate_sees_every_change_since_the_last() {
    let pg = Postgres::start();
    check_live_changes(&pg.database("live"));
}

#[test]
fn sqlite_aggregates_from_digests_as_from_the_files() {
    let db = Sqlite::new();
    check_digests(&db.url);
}

#[test]
fn postgres_aggregates_from_digests_as_from_the_files() {
    let pg = Postgres::start();
    check_digests(&pg.database("digests"));
}
