//! Disclosure control across queries (`docs/disclosure.md`): each attack that once recovered one
//! organisation's answers, written as the attacker's code, run against a viewer of the real
//! server on loopback and against `caf aggregate --publish`. Each attack is first run against
//! exact figures (an analyst's), where it must succeed, so a broken attacker cannot pass.

use std::path::{Path, PathBuf};

use serde_json::Value;

use caf_server::store::{Organisation, now_ms};

use crate::aggregate::{group, outcome};
use crate::server::{Env, setup};
use crate::server_aggregate::{assessment, register};
use crate::service::{Sqlite, admin, write};
use crate::support;

const STATUSES: [&str; 4] = [
    "achieved",
    "partially_achieved",
    "not_achieved",
    "not_assessed",
];

/// The population. Local government: the South East has S1..S5 (parent body SE-SOC) and the
/// target T (no parent); the North West has N1..N5 on CAF v4.0 and N6, the only one on v3.2.
/// Suppliers: S1..S5 name Acme Hosting; S1..S5 and T name Bolt Cloud.
struct Member {
    id: &'static str,
    region: &'static str,
    parent: Option<&'static str>,
    v32: bool,
    suppliers: &'static [&'static str],
}

const BOTH: &[&str] = &["Acme Hosting Ltd", "Bolt Cloud Ltd"];
const TARGET: &str = "T";

const MEMBERS: &[Member] = &[
    m("S1", "South East", Some("SE-SOC"), false, BOTH),
    m("S2", "South East", Some("SE-SOC"), false, BOTH),
    m("S3", "South East", Some("SE-SOC"), false, BOTH),
    m("S4", "South East", Some("SE-SOC"), false, BOTH),
    m("S5", "South East", Some("SE-SOC"), false, BOTH),
    m(TARGET, "South East", None, false, &["Bolt Cloud Ltd"]),
    m("N1", "North West", None, false, &[]),
    m("N2", "North West", None, false, &[]),
    m("N3", "North West", None, false, &[]),
    m("N4", "North West", None, false, &[]),
    m("N5", "North West", None, false, &[]),
    m("N6", "North West", None, true, &[]),
];

const fn m(
    id: &'static str,
    region: &'static str,
    parent: Option<&'static str>,
    v32: bool,
    suppliers: &'static [&'static str],
) -> Member {
    Member {
        id,
        region,
        parent,
        v32,
        suppliers,
    }
}

/// Drops every outcome section whose position matches `seed`, so statuses differ between
/// organisations (a dropped outcome is not assessed); the supplier outcome A4.a stays.
fn vary(text: &str, seed: usize) -> String {
    let mut parts = text.split("\n[outcomes.");
    let mut out = parts.next().unwrap_or_default().to_string();
    for (i, part) in parts.enumerate() {
        if part.starts_with("\"A4.a\"") || !(i + seed).is_multiple_of(3) {
            out.push_str("\n[outcomes.");
            out.push_str(part);
        }
    }
    out
}

/// A member's assessment text.
fn text_of(member: &Member, seed: usize) -> String {
    let example = if member.v32 {
        "district-council-caf-3.2-baseline.toml"
    } else {
        "county-council-caf-4.0-partial.toml"
    };
    let list = member
        .suppliers
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let text = assessment(example, member.id, &format!("{} Council", member.id));
    let text = text
        .replace(
            "suppliers = [\"Capita plc\", \"Agilisys Ltd\", \"Microsoft Ltd\"]",
            &format!("suppliers = [{list}]"),
        )
        .replace(
            "suppliers = [\"Civica UK Ltd\", \"Microsoft Limited\", \"Ashdown Shared ICT Service\"]",
            &format!("suppliers = [{list}]"),
        )
        .replace("region = \"North West\"", &format!("region = \"{}\"", member.region))
        .replace("region = \"South East\"", &format!("region = \"{}\"", member.region))
        .replace("parent = \"SE-COUNCILS-SOC\"\n", "");
    // The file claims what the registry says (files have no registry).
    let text = match member.parent {
        Some(parent) => text.replace(
            "[organisation]\n",
            &format!("[organisation]\nparent = \"{parent}\"\n"),
        ),
        None => text,
    };
    vary(&text, seed)
}

fn organisation(id: &str, region: &str, parent: Option<&str>) -> Organisation {
    Organisation {
        id: id.to_string(),
        name: format!("{id} Council"),
        sector: Some("local-government".into()),
        region: Some(region.into()),
        parent: parent.map(str::to_string),
        created_at: now_ms(),
    }
}

/// Registers and submits every member; writes each file to `dir` too. Returns the target's token.
fn populate(env: &Env, dir: &Path) -> String {
    let orgs: Vec<Organisation> = MEMBERS
        .iter()
        .map(|m| organisation(m.id, m.region, m.parent))
        .collect();
    let tokens = register(&env.db, &orgs);
    let mut target = String::new();
    for (i, (member, token)) in MEMBERS.iter().zip(tokens).enumerate() {
        let text = text_of(member, i);
        write(dir, &format!("{}.toml", member.id), &text);
        let (status, body) = env.submit_json(&token, &text);
        assert_eq!(status, 201, "{body}");
        if member.id == TARGET {
            target = token;
        }
    }
    target
}

fn get(env: &Env, token: &str, query: &str) -> Value {
    let (status, body) = env.call("GET", &format!("/aggregate?{query}"), Some(token), None);
    assert_eq!(status, 200, "{query}: {body}");
    body
}

fn cut_release(env: &Env, period: &str) -> u16 {
    let (status, body) = env.call(
        "POST",
        "/releases",
        Some(&env.admin),
        Some(serde_json::json!({ "period": period })),
    );
    assert!(status == 201 || status == 409, "{body}");
    status
}

/// `caf aggregate DIR ARGS --format json`.
fn local(dir: &Path, args: &[&str]) -> Value {
    let output = support::caf()
        .arg("aggregate")
        .arg(dir)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", support::stderr_of(&output));
    serde_json::from_str(&support::stdout_of(&output)).unwrap()
}

fn key_file(dir: &Path) -> PathBuf {
    write(dir, "publication.key", "a secret the central unit keeps\n")
}

fn count(v: &Value, field: &str) -> i64 {
    v[field]
        .as_i64()
        .unwrap_or_else(|| panic!("{field} in {v}"))
}

/// One status per outcome where `a` minus `b` is exactly one organisation with that status.
type Recovered = Vec<(String, &'static str)>;

/// The attacker: the outcome figures `a` minus `b`; `None` when either is withheld.
fn subtract(a: &[Value], b: &[Value]) -> Option<Recovered> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut recovered = Vec::new();
    for (oa, ob) in a.iter().zip(b) {
        assert_eq!(oa["id"], ob["id"]);
        if oa["withheld"] == true || ob["withheld"] == true {
            continue;
        }
        let diff: Vec<i64> = STATUSES
            .iter()
            .map(|s| count(oa, s) - count(ob, s))
            .collect();
        if let [one] = diff
            .iter()
            .enumerate()
            .filter(|(_, d)| **d != 0)
            .collect::<Vec<_>>()[..]
            && *one.1 == 1
        {
            recovered.push((oa["id"].as_str().unwrap().to_string(), STATUSES[one.0]));
        }
    }
    Some(recovered)
}

/// Attack 1: the region's row minus the parent body's row.
fn region_minus_parent(by_region: &Value, by_parent: &Value) -> Option<Recovered> {
    let region = group(by_region, "South East")?;
    let parent = group(by_parent, "SE-SOC")?;
    if region["suppressed"] == true || parent["suppressed"] == true {
        return None;
    }
    subtract(
        region["outcomes"].as_array().unwrap(),
        parent["outcomes"].as_array().unwrap(),
    )
}

/// Attacks 2 and 3: the population's figures after minus before.
fn after_minus_before(after: &Value, before: &Value) -> Option<Recovered> {
    subtract(
        after["outcomes"].as_array().unwrap(),
        before["outcomes"].as_array().unwrap(),
    )
}

/// Attack 3: per outcome where one organisation moved, (old status, new status).
fn changes(after: &Value, before: &Value) -> Vec<(String, &'static str, &'static str)> {
    let (a, b) = (
        after["outcomes"].as_array().unwrap(),
        before["outcomes"].as_array().unwrap(),
    );
    let mut found = Vec::new();
    for (oa, ob) in a.iter().zip(b) {
        let diff: Vec<i64> = STATUSES
            .iter()
            .map(|s| count(oa, s) - count(ob, s))
            .collect();
        let up: Vec<usize> = (0..4).filter(|&i| diff[i] == 1).collect();
        let down: Vec<usize> = (0..4).filter(|&i| diff[i] == -1).collect();
        let others = (0..4).filter(|&i| diff[i] != 0).count();
        if let ([new], [old], 2) = (&up[..], &down[..], others) {
            let id = oa["id"].as_str().unwrap().to_string();
            found.push((id, STATUSES[*old], STATUSES[*new]));
        }
    }
    found
}

/// Attack 4: an outcome's population figures, when they are one organisation's.
fn single_organisation_outcome(report: &Value, id: &str) -> Option<&'static str> {
    let o = report["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)?;
    if o["withheld"] == true {
        return None;
    }
    let judged: Vec<&str> = STATUSES
        .iter()
        .copied()
        .filter(|s| count(o, s) > 0)
        .collect();
    let total: i64 = STATUSES.iter().map(|s| count(o, s)).sum();
    match judged[..] {
        [status] if total == 1 => Some(status),
        _ => None,
    }
}

/// Attack 5: supplier Bolt's organisations below target minus supplier Acme's.
fn supplier_difference(report: &Value) -> Option<i64> {
    let listed = report["supply_chain"]["concentration"].as_array().unwrap();
    let find = |name: &str| listed.iter().find(|s| s["name"] == name);
    let (bolt, acme) = (find("Bolt Cloud Ltd")?, find("Acme Hosting Ltd")?);
    if count(bolt, "organisations") - count(acme, "organisations") != 1 {
        return None;
    }
    Some(count(bolt, "below_target") - count(acme, "below_target"))
}

/// The target's own status per outcome, from its file alone.
fn truth(dir: &Path, framework: &str) -> Value {
    // Beside the folder, not in it: the folder is aggregated too.
    let only = dir.parent().unwrap().join("truth");
    std::fs::create_dir_all(&only).unwrap();
    std::fs::copy(dir.join("T.toml"), only.join("T.toml")).unwrap();
    local(&only, &["--min-group-size", "1", "--framework", framework])
}

/// What the target said, per outcome it judged or left unassessed.
fn truth_statuses(truth: &Value) -> Recovered {
    truth["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| {
            let status = STATUSES.iter().find(|s| count(o, s) == 1)?;
            Some((o["id"].as_str().unwrap().to_string(), *status))
        })
        .collect()
}

fn parent_viewer(env: &Env) -> String {
    admin(
        &env.db,
        &["token", "create", "--role", "viewer", "--parent", "SE-SOC"],
    )
    .trim()
    .to_string()
}

#[test]
fn no_combination_of_viewer_queries_recovers_an_organisation() {
    let db = Sqlite::new();
    check_attacks(&setup(&db.url));
}

/// Every attack against a viewer of the server on `env` (SQLite here, PostgreSQL from
/// `server_pg.rs`).
pub fn check_attacks(env: &Env) {
    let files = env.dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let target_token = populate(env, &files);
    let truth40 = truth_statuses(&truth(&files, "caf-4.0"));
    assert!(truth40.len() > 20, "{truth40:?}");
    let viewer = env.viewer.clone();

    // Before any release a viewer sees nothing; viewers cannot cut one.
    let (status, body) = env.call("GET", "/aggregate", Some(&viewer), None);
    assert_eq!(status, 404, "{body}");
    let (status, _) = env.call(
        "POST",
        "/releases",
        Some(&viewer),
        Some(serde_json::json!({"period": "2026/27"})),
    );
    assert_eq!(status, 403);
    assert_eq!(cut_release(env, "2026/27"), 201);
    // A period has one release, ever; viewers may list them.
    assert_eq!(cut_release(env, "2026/27"), 409);
    let (status, list) = env.call("GET", "/releases", Some(&viewer), None);
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["releases"][0]["period"], "2026/27");
    let (status, _) = env.call("GET", "/aggregate?period=2025/26", Some(&viewer), None);
    assert_eq!(status, 404, "no release for that period");

    // Attack 1. Exact figures give the target away on every outcome it has.
    let exact_region = get(env, &env.analyst, "group_by=region");
    let exact_parent = get(env, &env.analyst, "group_by=parent");
    assert_eq!(
        region_minus_parent(&exact_region, &exact_parent),
        Some(truth40.clone()),
        "the attacker works on exact figures"
    );
    let by_region = get(env, &viewer, "group_by=region");
    let by_parent = get(env, &viewer, "group_by=parent");
    assert_eq!(by_region["disclosure"]["published"], true);
    assert_eq!(region_minus_parent(&by_region, &by_parent), None);
    // The release still says something: the sector's own figures are published.
    assert_eq!(by_region["disclosure"]["suppressed"], false);
    assert!(!by_region["outcomes"].as_array().unwrap().is_empty());
    // Asking again gives the same figures: there is nothing to average.
    assert_eq!(get(env, &viewer, "group_by=region"), by_region);
    // Nor another limit: a viewer's releases always use the server's.
    assert_eq!(
        get(env, &viewer, "group_by=region&min_group_size=7"),
        by_region
    );

    // Attack 2: one new organisation submits. Exact figures before and after give it away.
    let before_exact = get(env, &env.analyst, "");
    let before = get(env, &viewer, "");
    let newcomer = text_of(&m("N7", "North West", None, false, &[]), 1);
    let token = register(&env.db, &[organisation("N7", "North West", None)]);
    let (status, body) = env.submit_json(&token[0], &newcomer);
    assert_eq!(status, 201, "{body}");
    let newcomer_truth = {
        let dir = env.dir.path().join("newcomer");
        std::fs::create_dir_all(&dir).unwrap();
        write(&dir, "N7.toml", &newcomer);
        truth_statuses(&local(&dir, &["--min-group-size", "1"]))
    };
    let after_exact = get(env, &env.analyst, "");
    assert_eq!(
        after_minus_before(&after_exact, &before_exact),
        Some(newcomer_truth)
    );
    let after = get(env, &viewer, "");
    assert_eq!(after, before, "the release does not move");

    // Attack 3: the target submits a new version that changes some outcomes.
    let before_exact = after_exact;
    let changed = text_of(&MEMBERS[5], 3);
    let (status, body) = env.submit_json(&target_token, &changed);
    assert_eq!(status, 201, "{body}");
    let after_exact = get(env, &env.analyst, "");
    let exact_changes = changes(&after_exact, &before_exact);
    assert!(!exact_changes.is_empty(), "old and new statuses read off");
    let after = get(env, &viewer, "");
    assert_eq!(after, before, "the release does not move");
    assert!(changes(&after, &before).is_empty());

    // Attack 4: in v3.2 terms, C2.b is only N6's.
    let exact32 = get(env, &env.analyst, "framework=caf-3.2");
    assert!(single_organisation_outcome(&exact32, "C2.b").is_some());
    let viewed32 = get(env, &viewer, "framework=caf-3.2");
    assert_eq!(single_organisation_outcome(&viewed32, "C2.b"), None);
    let c2b = outcome(&viewed32["outcomes"], "C2.b");
    assert_eq!(c2b["withheld"], true, "{c2b}");
    for g in viewed32["groups"].as_array().unwrap() {
        for o in g["outcomes"].as_array().unwrap() {
            if o["id"] == "C2.b" {
                assert_eq!(o["withheld"], true, "{g}");
            }
        }
    }

    // Attack 5: two suppliers whose dependants differ by the target.
    assert!(supplier_difference(&exact_region).is_some());
    for query in ["", "group_by=region", "group_by=parent", "group_by=profile"] {
        assert_eq!(
            supplier_difference(&get(env, &viewer, query)),
            None,
            "{query}"
        );
    }

    // A parent body's viewer and the sector viewer together: still nothing (the check spans
    // every view anyone may be shown, whoever asks).
    let parent = get(env, &parent_viewer(env), "group_by=region");
    for report in [&by_region, &parent] {
        let serialised = report.to_string();
        for member in MEMBERS {
            assert!(!serialised.contains(&format!("{} Council", member.id)));
        }
    }

    // Viewer reads are audited as release reads; analysts' as exact ones.
    let audit = admin(&env.db, &["audit"]);
    assert!(audit.contains("aggregate-release"), "{audit}");
    assert!(audit.contains("release-cut"), "{audit}");
    assert!(audit.contains("exact"), "{audit}");
}

#[test]
fn published_files_do_not_give_an_organisation_away() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    for (i, member) in MEMBERS.iter().enumerate() {
        write(&files, &format!("{}.toml", member.id), &text_of(member, i));
    }
    let key = key_file(dir.path());
    let key = key.to_str().unwrap();
    let truth40 = truth_statuses(&truth(&files, "caf-4.0"));

    // Attack 1, on files: exact output gives the target away; published output does not.
    let exact = (
        local(&files, &["--group-by", "region"]),
        local(&files, &["--group-by", "parent"]),
    );
    assert_eq!(region_minus_parent(&exact.0, &exact.1), Some(truth40));
    let published = (
        local(&files, &["--group-by", "region", "--publish", key]),
        local(&files, &["--group-by", "parent", "--publish", key]),
    );
    assert_eq!(published.0["disclosure"]["published"], true);
    assert_eq!(region_minus_parent(&published.0, &published.1), None);
    // The same key gives the same figures; the population is published.
    assert_eq!(
        local(&files, &["--group-by", "region", "--publish", key]),
        published.0
    );
    assert!(!published.0["outcomes"].as_array().unwrap().is_empty());

    // Attack 4: C2.b in v3.2 terms.
    let exact32 = local(&files, &["--framework", "caf-3.2"]);
    assert!(single_organisation_outcome(&exact32, "C2.b").is_some());
    let published32 = local(&files, &["--framework", "caf-3.2", "--publish", key]);
    assert_eq!(single_organisation_outcome(&published32, "C2.b"), None);

    // Attack 5: the supplier lists.
    assert!(supplier_difference(&exact.0).is_some());
    assert_eq!(supplier_difference(&published.0), None);

    // Attack 2 on two publications, before and after one more file: the difference of the
    // published figures is not the newcomer's statuses.
    let newcomer = m("N7", "North West", None, false, &[]);
    let text = text_of(&newcomer, 1);
    let before = local(&files, &["--publish", key]);
    let before_exact = local(&files, &[]);
    write(&files, "N7.toml", &text);
    let after_exact = local(&files, &[]);
    let exact_diff = after_minus_before(&after_exact, &before_exact).unwrap();
    assert!(exact_diff.len() > 20);
    let after = local(&files, &["--publish", key]);
    let read = after_minus_before(&after, &before).unwrap();
    let right = read.iter().filter(|r| exact_diff.contains(r)).count();
    assert!(
        right * 3 < exact_diff.len(),
        "the perturbed difference names the newcomer's status on {right} of {} outcomes",
        exact_diff.len()
    );

    // An invalid file is counted, not named, in published figures; --strict still refuses.
    write(
        &files,
        "broken.toml",
        "framework = \"caf-4.0\"\n[organisation\n",
    );
    let published = local(&files, &["--publish", key]);
    assert_eq!(published["coverage"]["invalid"], 1);
    assert!(published["invalid"].as_array().unwrap().is_empty());
    assert!(!published.to_string().contains("broken.toml"));
    let strict = support::caf()
        .arg("aggregate")
        .arg(&files)
        .args(["--publish", key, "--strict"])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(2));
    assert!(support::stderr_of(&strict).contains("1 invalid input"));

    // A key too short is refused as invalid input.
    let short = write(dir.path(), "short.key", "short");
    let output = support::caf()
        .arg("aggregate")
        .arg(&files)
        .arg("--publish")
        .arg(&short)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr_of(&output).contains("at least 16 bytes"));
}
