//! `GET /api/v1/aggregate` and `caf aggregate --server` on the real server: the same figures as
//! `caf aggregate` over the same files, scoped for viewers, grouped by the registry, under
//! disclosure control. Run on SQLite here and on PostgreSQL from `server_pg.rs`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use caf_server::store::{Organisation, Role, Store, TokenScope, TokenSpec, now_ms};

use crate::server::{Env, setup};
use crate::service::{Sqlite, admin, write};
use crate::support;

/// (example, id, name, registered sector, region, parent); each file claims the same.
type Member = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const POPULATION: &[Member] = &[
    (
        "district-council-caf-3.2-baseline.toml",
        "LG-1",
        "Lowfield District Council",
        "local-government",
        "South East",
        Some("SE-COUNCILS-SOC"),
    ),
    (
        "district-council-caf-3.2-baseline.toml",
        "LG-2",
        "Marsh End District Council",
        "local-government",
        "South East",
        Some("SE-COUNCILS-SOC"),
    ),
    (
        "district-council-caf-3.2-baseline.toml",
        "LG-3",
        "Oakhurst District Council",
        "local-government",
        "South East",
        Some("SE-COUNCILS-SOC"),
    ),
    (
        "county-council-caf-4.0-partial.toml",
        "LG-4",
        "Pennine County Council",
        "local-government",
        "North West",
        None,
    ),
    (
        "county-council-caf-4.0-partial.toml",
        "LG-5",
        "Quarry County Council",
        "local-government",
        "North West",
        None,
    ),
    (
        "county-council-caf-4.0-partial.toml",
        "LG-6",
        "Ridgeway County Council",
        "local-government",
        "North West",
        None,
    ),
    (
        "fire-rescue-caf-3.2-enhanced.toml",
        "FR-1",
        "Stour Fire and Rescue",
        "fire-and-rescue",
        "South West",
        None,
    ),
    (
        "fire-rescue-caf-3.2-enhanced.toml",
        "FR-2",
        "Teme Fire and Rescue",
        "fire-and-rescue",
        "South West",
        None,
    ),
];

/// An example rewritten for another organisation (id and name).
pub fn assessment(example: &str, id: &str, name: &str) -> String {
    let text = support::read(&support::path(&format!("examples/{example}")));
    let (old_id, old_name) = match example {
        "district-council-caf-3.2-baseline.toml" => ("E07000901", "Ashdown Vale District Council"),
        "county-council-caf-4.0-partial.toml" => ("E10000999", "Northmoor County Council"),
        _ => ("E31000099", "Severnside Fire and Rescue Authority"),
    };
    let replaced = text
        .replace(&format!("id = \"{old_id}\""), &format!("id = \"{id}\""))
        .replace(
            &format!("name = \"{old_name}\""),
            &format!("name = \"{name}\""),
        );
    assert!(replaced.contains(&format!("id = \"{id}\"")));
    replaced
}

/// Registers organisations with submitter tokens, through the library.
pub fn register(database: &str, orgs: &[Organisation]) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open_with(database, 2).await.unwrap();
        let mut tokens = Vec::new();
        for org in orgs {
            store.add_organisation(org).await.unwrap();
            let issued = store
                .create_token(&TokenSpec {
                    role: Role::Submitter,
                    scope: TokenScope::Organisation(org.id.clone()),
                    expires_at: None,
                })
                .await
                .unwrap();
            tokens.push(issued.token);
        }
        store.close().await;
        tokens
    })
}

/// Registers and submits the population; returns folders holding all files and the
/// local-government files alone.
fn populate(env: &Env) -> (PathBuf, PathBuf) {
    let all = env.dir.path().join("all");
    let lg = env.dir.path().join("lg");
    std::fs::create_dir_all(&all).unwrap();
    std::fs::create_dir_all(&lg).unwrap();
    let orgs: Vec<Organisation> = POPULATION
        .iter()
        .map(|(_, id, name, sector, region, parent)| Organisation {
            id: id.to_string(),
            name: name.to_string(),
            sector: Some(sector.to_string()),
            region: Some(region.to_string()),
            parent: parent.map(str::to_string),
            created_at: now_ms(),
        })
        .collect();
    let tokens = register(&env.db, &orgs);
    for ((example, id, name, sector, ..), token) in POPULATION.iter().zip(&tokens) {
        let text = assessment(example, id, name);
        write(&all, &format!("{id}.toml"), &text);
        if *sector == "local-government" {
            write(&lg, &format!("{id}.toml"), &text);
        }
        let (status, body) = env.submit_json(token, &text);
        assert_eq!(status, 201, "{body}");
    }
    (all, lg)
}

/// `caf aggregate ARGS`, locally or with `--server` as `token`.
fn caf_aggregate(env: &Env, token: Option<&str>, args: &[&str]) -> std::process::Output {
    let config = write(env.dir.path(), "empty-client.toml", "");
    let mut cmd = support::caf();
    cmd.arg("aggregate").args(args).env("CAF_CONFIG", config);
    if let Some(token) = token {
        cmd.args(["--server", &env.server.url])
            .env("CAF_TOKEN", token);
    }
    cmd.output().unwrap()
}

fn ok_stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        support::stderr_of(output)
    );
    support::stdout_of(output)
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_str(&ok_stdout(output)).unwrap()
}

pub fn local(env: &Env, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec![dir.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    json_of(&caf_aggregate(env, None, &args))
}

fn remote(env: &Env, token: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend(extra);
    json_of(&caf_aggregate(env, Some(token), &args))
}

fn group_keys(report: &Value) -> Vec<String> {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap().to_string())
        .collect()
}

/// No published group describes fewer organisations than the limit.
fn assert_disclosure(report: &Value, limit: u64) {
    assert_eq!(report["disclosure"]["min_group_size"], limit);
    for g in report["groups"].as_array().unwrap() {
        if !g["suppressed"].as_bool().unwrap() {
            assert!(g["organisations"].as_u64().unwrap() >= limit, "{g}");
        } else {
            assert!(g["outcomes"].as_array().unwrap().is_empty(), "{g}");
        }
    }
}

pub fn check_aggregate(env: &Env) {
    let (all, lg) = populate(env);

    // The analyst's aggregate is `caf aggregate` over the same files, field for field (the
    // files and the registry agree, nothing is invalid, so nothing is source-specific).
    for group_by in ["sector", "region", "period", "profile"] {
        let extra = ["--group-by", group_by];
        let server = remote(env, &env.analyst, &extra);
        assert_eq!(server, local(env, &all, &extra), "group by {group_by}");
        assert_eq!(server["schema"], "caf.aggregate/1");
        assert_eq!(server["coverage"]["organisations"], 8);
        assert_disclosure(&server, 5);
    }
    // The raw endpoint answers the same JSON.
    let (status, raw) = env.call(
        "GET",
        "/aggregate?group_by=sector",
        Some(&env.analyst),
        None,
    );
    assert_eq!(status, 200, "{raw}");
    assert_eq!(raw, local(env, &all, &[]));
    // The two fire and rescue services are a group under 5: never published on their own.
    assert!(!group_keys(&raw).contains(&"fire-and-rescue".to_string()));
    // Asking for a smaller limit is raised to the server's minimum.
    let (status, small) = env.call(
        "GET",
        "/aggregate?group_by=sector&min_group_size=2",
        Some(&env.analyst),
        None,
    );
    assert_eq!(status, 200, "{small}");
    assert_disclosure(&small, 5);
    assert!(!group_keys(&small).contains(&"fire-and-rescue".to_string()));
    assert_eq!(small, raw);

    // Every local format renders the server's model identically.
    for format in ["table", "csv", "html"] {
        let server = ok_stdout(&caf_aggregate(
            env,
            Some(&env.analyst),
            &["--format", format],
        ));
        let here = ok_stdout(&caf_aggregate(
            env,
            None,
            &[all.to_str().unwrap(), "--format", format],
        ));
        assert_eq!(server, here, "--format {format}");
    }
    for (format, magic) in [("xlsx", &b"PK"[..]), ("pdf", &b"%PDF"[..])] {
        let out = env.dir.path().join(format!("aggregate.{format}"));
        ok_stdout(&caf_aggregate(
            env,
            Some(&env.analyst),
            &["--format", format, "-o", out.to_str().unwrap()],
        ));
        assert!(std::fs::read(&out).unwrap().starts_with(magic), "{format}");
    }

    // A viewer reads releases only (docs/disclosure.md): none yet, nothing to see.
    let (status, body) = env.call("GET", "/aggregate", Some(&env.viewer), None);
    assert_eq!(status, 404, "{body}");
    let (status, body) = env.call(
        "POST",
        "/releases",
        Some(&env.admin),
        Some(serde_json::json!({ "period": "2026/27" })),
    );
    assert_eq!(status, 201, "{body}");
    // A viewer for local government sees its sector's published figures, without names: counts
    // of organisations, each within 2 of the exact one, under the same grouping.
    let viewed = remote(env, &env.viewer, &["--group-by", "region"]);
    let exact = local(env, &lg, &["--group-by", "region"]);
    assert_eq!(viewed["disclosure"]["published"], true);
    assert_eq!(group_keys(&viewed), group_keys(&exact));
    let near = |a: &Value, b: &Value| a.as_i64().unwrap().abs_diff(b.as_i64().unwrap()) <= 2;
    assert!(near(
        &viewed["coverage"]["organisations"],
        &exact["coverage"]["organisations"]
    ));
    for (v, e) in viewed["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(exact["outcomes"].as_array().unwrap())
    {
        assert_eq!(v["id"], e["id"]);
        assert!(near(&v["achieved"], &e["achieved"]), "{v} {e}");
    }
    let (status, body) = env.call("GET", "/aggregate?identify=true", Some(&env.viewer), None);
    assert_eq!(status, 403, "{body}");
    let refused = caf_aggregate(env, Some(&env.viewer), &["--identify"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(support::stderr_of(&refused).contains("403"));
    let viewed_before = viewed.clone();
    let viewed = serde_json::to_string(&viewed).unwrap();
    for (_, _, name, ..) in POPULATION {
        assert!(!viewed.contains(name), "{name} named to a viewer");
    }

    // A viewer of a sector with fewer than 5 organisations gets coverage only.
    let fire_viewer = admin(
        &env.db,
        &[
            "token",
            "create",
            "--role",
            "viewer",
            "--sector",
            "fire-and-rescue",
        ],
    )
    .trim()
    .to_string();
    let fire = remote(env, &fire_viewer, &[]);
    assert!(fire["coverage"]["organisations"].as_u64().unwrap() <= 4);
    assert_eq!(fire["disclosure"]["suppressed"], true);
    assert!(fire["outcomes"].as_array().unwrap().is_empty());
    assert!(fire["gaps"].as_array().unwrap().is_empty());
    assert_disclosure(&fire, 5);

    // A viewer scoped to a parent body sees only that body's members (3 < 5: suppressed).
    let parent_viewer = admin(
        &env.db,
        &[
            "token",
            "create",
            "--role",
            "viewer",
            "--parent",
            "SE-COUNCILS-SOC",
        ],
    )
    .trim()
    .to_string();
    let parent = remote(env, &parent_viewer, &[]);
    assert!(parent["coverage"]["organisations"].as_u64().unwrap() <= 5);
    assert_eq!(parent["disclosure"]["suppressed"], true);

    // Submitters and admins are refused.
    for token in [&env.token_a, &env.admin] {
        let (status, body) = env.call("GET", "/aggregate", Some(token), None);
        assert_eq!(status, 403, "{body}");
    }
    let refused = caf_aggregate(env, Some(&env.token_a), &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(support::stderr_of(&refused).contains("403"));
    // Unknown and malformed parameters are refused clearly.
    let (status, _) = env.call("GET", "/aggregate?group_by=x", Some(&env.analyst), None);
    assert_eq!(status, 400);
    let (status, _) = env.call("GET", "/aggregate?colour=red", Some(&env.analyst), None);
    assert_eq!(status, 400);

    // An analyst may identify; the request is audit-logged.
    let named = remote(env, &env.analyst, &["--identify"]);
    assert_eq!(named["disclosure"]["identify"], true);
    let audit = admin(&env.db, &["audit"]);
    assert!(audit.contains("aggregate-identify"), "{audit}");

    // The registry, not the file, decides the group: a council whose file claims to be a fire
    // service counts towards local government.
    let claimed = assessment(
        "district-council-caf-3.2-baseline.toml",
        "LG-7",
        "Upton District Council",
    )
    .replace(
        "sector = \"local-government\"",
        "sector = \"fire-and-rescue\"",
    );
    let token = register(
        &env.db,
        &[Organisation {
            id: "LG-7".into(),
            name: "Upton District Council".into(),
            sector: Some("local-government".into()),
            region: Some("South East".into()),
            parent: None,
            created_at: now_ms(),
        }],
    );
    let (status, body) = env.submit_json(&token[0], &claimed);
    assert_eq!(status, 201, "{body}");
    let registered = claimed.replace(
        "sector = \"fire-and-rescue\"",
        "sector = \"local-government\"",
    );
    write(&all, "LG-7.toml", &registered);
    let extra = ["--group-by", "sector"];
    assert_eq!(remote(env, &env.analyst, &extra), local(env, &all, &extra));
    // The release does not move: what viewers see was frozen before LG-7 submitted.
    assert_eq!(
        remote(env, &env.viewer, &["--group-by", "region"]),
        viewed_before
    );
}

#[test]
fn sqlite_aggregate_matches_local_and_is_scoped() {
    let db = Sqlite::new();
    let env = setup(&db.url);
    check_aggregate(&env);
}

#[test]
fn aggregate_needs_paths_or_server() {
    let output = support::caf().args(["aggregate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let both = support::caf()
        .args(["aggregate", "examples", "--server", "http://127.0.0.1:9"])
        .current_dir(support::root())
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    assert!(support::stderr_of(&both).contains("cannot be used with"));
}
