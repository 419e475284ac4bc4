//! Load generator for `bench/serve.sh`: N concurrent clients, each an organisation with its
//! own submitter token, submit distinct assessments through the real client
//! (`caf::client::Client`, the code `caf submit` uses) and the latency of every request is
//! recorded. Prints submissions per second and p50/p99/max latency.
//!
//!   serve-load --database URL --server URL [--clients 50] [--requests 10000]
//!
//! It registers the organisations and tokens directly in the database first (as
//! `caf admin` would), so the database must be the one the server uses.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use caf::client::{Client, Retry};
use caf::store::{Organisation, Role, Store, TokenScope, TokenSpec, now_ms};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let database = arg(&args, "--database").expect("--database URL");
    let server = arg(&args, "--server").expect("--server URL");
    let clients: usize = arg(&args, "--clients").map_or(50, |v| v.parse().unwrap());
    let requests: usize = arg(&args, "--requests").map_or(10_000, |v| v.parse().unwrap());
    let per_client = requests.div_ceil(clients);
    let run = now_ms();

    let template = std::fs::read_to_string("examples/district-council-caf-3.2-baseline.toml")
        .expect("run from the repository root");
    let orgs: Vec<String> = (0..clients).map(|i| format!("BENCH-{run}-{i}")).collect();
    let tokens = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = Store::open_with(&database, 2).await.unwrap();
            let mut tokens = Vec::new();
            for id in &orgs {
                store
                    .add_organisation(&Organisation {
                        id: id.clone(),
                        name: format!("Benchmark {id}"),
                        sector: Some("local-government".into()),
                        region: None,
                        parent: None,
                        created_at: now_ms(),
                    })
                    .await
                    .unwrap();
                let issued = store
                    .create_token(&TokenSpec {
                        role: Role::Submitter,
                        scope: TokenScope::Organisation(id.clone()),
                        expires_at: None,
                    })
                    .await
                    .unwrap();
                tokens.push(issued.token);
            }
            store.close().await;
            tokens
        });

    // Every assessment is distinct (a different assessor line), so each is a real write.
    let texts: Vec<Vec<String>> = orgs
        .iter()
        .map(|org| {
            (0..per_client)
                .map(|n| {
                    template
                        .replace("id = \"E07000901\"", &format!("id = \"{org}\""))
                        .replace(
                            "assessor = \"Priya Nair, Information Security Officer\"",
                            &format!("assessor = \"Assessor {n}\""),
                        )
                })
                .collect()
        })
        .collect();

    let latencies = Arc::new(Mutex::new(Vec::with_capacity(requests)));
    let errors = Arc::new(Mutex::new(0usize));
    let barrier = Arc::new(std::sync::Barrier::new(clients + 1));
    let workers: Vec<_> = texts
        .into_iter()
        .zip(tokens)
        .map(|(texts, token)| {
            let server = server.clone();
            let latencies = Arc::clone(&latencies);
            let errors = Arc::clone(&errors);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let client = Client::new(&server, token, None, Retry::default()).unwrap();
                // Open the connection before the clock starts.
                let _ = client.submissions(&[]);
                barrier.wait();
                let mut mine = Vec::with_capacity(texts.len());
                for text in &texts {
                    let start = Instant::now();
                    match client.submit(text) {
                        Ok(_) => mine.push(start.elapsed()),
                        Err(e) => {
                            eprintln!("error: {e}");
                            *errors.lock().unwrap() += 1;
                        }
                    }
                }
                latencies.lock().unwrap().extend(mine);
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for worker in workers {
        worker.join().unwrap();
    }
    let elapsed = start.elapsed();
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let pct = |p: f64| -> Duration {
        latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)]
    };
    println!(
        "{} submissions by {clients} clients in {:.2} s: {:.0} submissions/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} errors",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        errors.lock().unwrap()
    );
}
