//! The collection-service checks of `server.rs`, against a real PostgreSQL: a throwaway
//! cluster in a temporary directory, one fresh database per check.

use crate::server::{self as checks, Env};
use crate::service::Postgres;

type Check = (&'static str, fn(&Env));

#[test]
fn postgres_collection_service() {
    let pg = Postgres::start();
    let all: [Check; 11] = [
        ("flow", checks::check_submit_version_and_audit),
        ("tokens", checks::check_no_and_wrong_tokens),
        ("expiry", checks::check_expired_and_revoked),
        ("crossorg", checks::check_cross_organisation),
        ("roles", checks::check_role_matrix),
        ("bodies", checks::check_hostile_bodies),
        ("sql", checks::check_sql_metacharacters),
        ("paths", checks::check_path_traversal),
        ("aggregate", crate::server_aggregate::check_aggregate),
        ("review", crate::overrides::check_review_counts),
        ("disclosure", crate::disclosure::check_attacks),
    ];
    for (name, check) in all {
        let url = pg.database(name);
        let env = checks::setup(&url);
        check(&env);
    }
}

#[test]
fn postgres_migrations_are_idempotent_across_instances() {
    // Two servers start on one fresh database at once: migrations run exactly once.
    let pg = Postgres::start();
    let url = pg.database("migrate");
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| crate::service::Server::start(&url, &[]));
        let b = s.spawn(|| crate::service::Server::start(&url, &[]));
        (a.join().unwrap(), b.join().unwrap())
    });
    let token = crate::service::org_with_token(&url, "E07000901");
    let env_like = |server: &crate::service::Server| {
        crate::service::http()
            .post(format!("{}/api/v1/submissions", server.url))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "assessment": crate::service::assessment_for("E07000901", 1) }))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(env_like(&a), 201);
    // The same content through the other instance is recognised as stored.
    assert_eq!(env_like(&b), 200);
}
