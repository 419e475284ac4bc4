//! Fault tests: 50 concurrent clients submit 2,000 assessments while servers are killed with
//! SIGKILL and restarted. Every acknowledged submission must be in the database afterwards,
//! none twice, and the clients' retries must complete the rest.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use caf_client::{Client, Retry};
use caf_server::store::{Store, SubmissionFilter};

use crate::service::{Postgres, Server, Sqlite, assessment_for, bulk_orgs};

const CLIENTS: usize = 50;
const PER_CLIENT: usize = 40;

struct Ack {
    org: String,
    id: String,
    sha256: String,
    expected_sha256: String,
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    caf_server::store::hex(&sha2::Sha256::digest(text.as_bytes()))
}

/// Runs the clients against `servers` (client i uses server i % n) while a killer thread
/// SIGKILLs and restarts the servers in turn; then checks the database.
fn submit_through_kills(database: &str, servers: Vec<Server>) {
    let orgs: Vec<String> = (0..CLIENTS).map(|i| format!("ORG-{i:03}")).collect();
    let tokens = bulk_orgs(database, &orgs);
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let servers = Arc::new(Mutex::new(servers));
    let done = Arc::new(AtomicBool::new(false));

    let killer = {
        let servers = Arc::clone(&servers);
        let done = Arc::clone(&done);
        let n = urls.len();
        std::thread::spawn(move || {
            let mut kills = 0usize;
            while !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(600));
                if done.load(Ordering::SeqCst) {
                    break;
                }
                let index = kills % n;
                servers.lock().unwrap()[index].kill();
                kills += 1;
                // Stay down a moment, so clients see refused connections, then come back on
                // the same address.
                std::thread::sleep(Duration::from_millis(200));
                servers.lock().unwrap()[index].restart();
            }
            kills
        })
    };

    let acks = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = orgs
        .iter()
        .zip(tokens)
        .enumerate()
        .map(|(i, (org, token))| {
            let org = org.clone();
            let url = urls[i % urls.len()].clone();
            let acks = Arc::clone(&acks);
            let failures = Arc::clone(&failures);
            std::thread::spawn(move || {
                let client = Client::new(
                    &url,
                    token,
                    None,
                    Retry {
                        attempts: 100,
                        first_delay: Duration::from_millis(50),
                        max_delay: Duration::from_millis(500),
                    },
                )
                .unwrap();
                for n in 0..PER_CLIENT {
                    let text = assessment_for(&org, n);
                    match client.submit(&text) {
                        Ok(answer) => acks.lock().unwrap().push(Ack {
                            org: org.clone(),
                            id: answer.submission.id,
                            sha256: answer.submission.content_sha256,
                            expected_sha256: sha256(&text),
                        }),
                        Err(e) => failures.lock().unwrap().push(format!("{org} #{n}: {e}")),
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let kills = killer.join().unwrap();
    assert!(kills >= 2, "the servers were killed only {kills} time(s)");
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "retries did not complete: {failures:?}"
    );
    let acks = acks.lock().unwrap();
    assert_eq!(acks.len(), CLIENTS * PER_CLIENT);

    // Every acknowledged submission is stored, once, as exactly one version.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let stored = rt.block_on(async {
        let store = Store::open_with(database, 2).await.unwrap();
        let all = store
            .submissions(&SubmissionFilter::default())
            .await
            .unwrap();
        store.close().await;
        all
    });
    assert_eq!(stored.len(), CLIENTS * PER_CLIENT, "stored count");
    let by_id: HashMap<&str, _> = stored.iter().map(|s| (s.id.as_str(), s)).collect();
    for ack in acks.iter() {
        assert_eq!(ack.sha256, ack.expected_sha256);
        let row = by_id
            .get(ack.id.as_str())
            .unwrap_or_else(|| panic!("acknowledged {} is missing", ack.id));
        assert_eq!(row.org_id, ack.org);
        assert_eq!(row.content_sha256, ack.sha256);
    }
    for org in &orgs {
        let rows: Vec<_> = stored.iter().filter(|s| &s.org_id == org).collect();
        let hashes: BTreeSet<_> = rows.iter().map(|s| &s.content_sha256).collect();
        assert_eq!(hashes.len(), PER_CLIENT, "{org}: duplicated content");
        let versions: BTreeSet<i64> = rows.iter().map(|s| s.version).collect();
        assert_eq!(
            versions,
            (1..=PER_CLIENT as i64).collect::<BTreeSet<_>>(),
            "{org}: versions"
        );
        assert_eq!(rows.iter().filter(|s| !s.superseded).count(), 1);
    }
}

#[test]
fn sqlite_survives_sigkill_under_load() {
    let db = Sqlite::new();
    let server = Server::start(&db.url, &["--rate-limit", "0"]);
    submit_through_kills(&db.url, vec![server]);
}

#[test]
fn postgres_two_instances_survive_sigkill_under_load() {
    let pg = Postgres::start();
    let url = pg.database("faults");
    let first = Server::start(&url, &["--rate-limit", "0"]);
    let second = Server::start(&url, &["--rate-limit", "0"]);
    submit_through_kills(&url, vec![first, second]);
}
