//! Load generator for `bench/serve.sh`: N concurrent clients, each an organisation with its
//! own submitter token, submit distinct assessments (the same request `caf submit` sends:
//! `POST /api/v1/submissions` with a bearer token) and the latency of every request is
//! recorded. Prints submissions per second and p50/p99/max latency.
//!
//! The clients are tasks on one small async runtime with their request bodies made in
//! advance, so that on a machine shared with the server the load generator takes as little
//! of the CPU as it can (a thread and a blocking client per connection took about as much
//! CPU as the server itself).
//!
//!   serve-load --database URL --server URL [--clients 50] [--requests 10000] [--rate R]
//!              [--files DIR [--pad BYTES]] [--call FILE [--distinct]] [--timeline FILE]
//!
//! With `--files`, every valid assessment under DIR (`caf synth` output) is submitted once by
//! its own organisation, registered as the file claims (`bench/server_aggregate.sh`), each
//! text grown by `--pad` bytes of comment; `--requests` is then ignored.
//!
//! With `--call FILE` the requests are answers to that data call instead (`POST
//! /api/v1/calls/{id}/responses`, what `caf call respond` sends): the call is created first
//! with an analyst token, addressed to everyone, and each client answers it again and again
//! with changing answers (a new version each time), or with `--distinct` each request comes
//! from an organisation of its own (one response per organisation).
//!
//! Without `--rate` each client sends its next request as soon as the last is answered: the
//! throughput is the most the server sustains (a closed loop, so latency there is mostly
//! queueing: 50 clients over N submissions/s wait about 50/N s each). With `--rate R` the
//! clients together send R requests per second on a fixed schedule, and each latency is
//! counted from when its request was due, so a server falling behind shows as latency rather
//! than as a slower schedule (no coordinated omission).
//!
//! `--timeline FILE` writes each answered request's due time and latency, in milliseconds
//! from the start, one per line in the order due.
//!
//! It registers the organisations and tokens directly in the database first (as
//! `caf admin` would), so the database must be the one the server uses.

use std::sync::Arc;
use std::time::{Duration, Instant};

use caf_api::SubmitRequest;
use caf_server::store::{Organisation, Role, Store, TokenScope, TokenSpec, now_ms};

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
    let rate: Option<f64> = arg(&args, "--rate").map(|v| v.parse().unwrap());
    let per_client = requests.div_ceil(clients);
    let run = now_ms();

    // Per client: (token, request body) in the order sent.
    caf_client::install_crypto_provider();
    let base = server.trim_end_matches('/').to_string();
    let (url, bodies): (String, Jobs) = match (arg(&args, "--call"), arg(&args, "--files")) {
        (Some(call), _) => {
            let distinct = args.iter().any(|a| a == "--distinct");
            let orgs = if distinct {
                per_client * clients
            } else {
                clients
            };
            let (tokens, analyst) = call_audience(&database, orgs, run);
            let text = std::fs::read_to_string(call).expect("the call file");
            let client =
                caf_client::Client::new(&base, analyst, None, caf_client::Retry::default())
                    .unwrap();
            let id = client.create_call(&text).expect("create the call").id;
            let url = format!("{base}/api/v1/calls/{id}/responses");
            (url, responses(per_client, clients, distinct, tokens))
        }
        (None, Some(dir)) => {
            let pad: usize = arg(&args, "--pad").map_or(0, |v| v.parse().unwrap());
            let url = format!("{base}/api/v1/submissions");
            (url, files(&database, &dir, pad, clients, run))
        }
        (None, None) => {
            let url = format!("{base}/api/v1/submissions");
            (url, template(&database, clients, per_client, run))
        }
    };
    let requests = bodies.iter().map(Vec::len).sum::<usize>();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (elapsed, latencies, errors) = runtime.block_on(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .build()
            .unwrap();
        // Every client connects first (`ready`); the clock starts once all have (`go`).
        let ready = Arc::new(tokio::sync::Barrier::new(clients + 1));
        let go = Arc::new(tokio::sync::Barrier::new(clients + 1));
        let origin = Arc::new(std::sync::OnceLock::<Instant>::new());
        let workers: Vec<_> = bodies
            .into_iter()
            .enumerate()
            .map(|(client, bodies)| {
                let (http, url) = (http.clone(), url.clone());
                let (ready, go, origin) =
                    (Arc::clone(&ready), Arc::clone(&go), Arc::clone(&origin));
                tokio::spawn(async move {
                    let send = |token: &str, body: Vec<u8>| {
                        http.post(&url)
                            .bearer_auth(token)
                            .header("x-caf-version", env!("CARGO_PKG_VERSION"))
                            .header("content-type", "application/json")
                            .body(body)
                            .send()
                    };
                    // Open this client's connection before the clock starts.
                    if let Some((token, _)) = bodies.first() {
                        let _ = http.get(&url).bearer_auth(token).send().await;
                    }
                    ready.wait().await;
                    go.wait().await;
                    let mut latencies = Vec::with_capacity(bodies.len());
                    let mut errors = 0usize;
                    let origin = *origin.get().expect("set before `go` opens");
                    for (k, (token, body)) in bodies.into_iter().enumerate() {
                        // When this request is due: now, or its slot in the fixed schedule.
                        let start = match rate {
                            None => Instant::now(),
                            Some(rate) => {
                                let slot = (k * clients + client) as f64 / rate;
                                let due = origin + Duration::from_secs_f64(slot);
                                tokio::time::sleep_until(due.into()).await;
                                due
                            }
                        };
                        match send(&token, body).await {
                            Ok(response) if response.status().is_success() => {
                                let _ = response.bytes().await;
                                latencies.push((start - origin, start.elapsed()));
                            }
                            Ok(response) => {
                                eprintln!("error: {}", response.status());
                                errors += 1;
                            }
                            Err(e) => {
                                eprintln!("error: {e}");
                                errors += 1;
                            }
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        ready.wait().await;
        let start = Instant::now();
        origin.set(start).expect("set once");
        go.wait().await;
        let mut all: Vec<(Duration, Duration)> = Vec::with_capacity(requests);
        let mut errors = 0;
        for worker in workers {
            let (latencies, failed) = worker.await.unwrap();
            all.extend(latencies);
            errors += failed;
        }
        (start.elapsed(), all, errors)
    });
    // When each request was due and how long it took, for finding what the tail is made of
    // (a stall shows as a run of late requests, a slow path as scattered ones).
    let mut latencies = latencies;
    if let Some(path) = arg(&args, "--timeline") {
        latencies.sort();
        let lines: String = (latencies.iter())
            .map(|(due, took)| {
                format!(
                    "{:.3} {:.3}\n",
                    due.as_secs_f64() * 1000.0,
                    took.as_secs_f64() * 1000.0
                )
            })
            .collect();
        std::fs::write(&path, lines).expect("write the timeline");
    }
    let mut latencies: Vec<Duration> = latencies.into_iter().map(|(_, took)| took).collect();
    latencies.sort();
    let pct = |p: f64| -> Duration {
        latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)]
    };
    let mode = rate.map_or_else(String::new, |r| format!(" at a fixed {r:.0}/s"));
    println!(
        "{} requests by {clients} clients{mode} in {:.2} s: {:.0} requests/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} errors",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        errors
    );
}

/// Registers organisations with submitter tokens, as `caf admin` would; returns the tokens.
fn register(database: &str, orgs: Vec<Organisation>) -> Vec<String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = Store::open_with(database, 2).await.unwrap();
            let mut tokens = Vec::new();
            for org in orgs {
                let scope = TokenScope::Organisation(org.id.clone());
                store.add_organisation(&org).await.unwrap();
                let spec = TokenSpec {
                    role: Role::Submitter,
                    scope,
                    expires_at: None,
                };
                tokens.push(store.create_token(&spec).await.unwrap().token);
            }
            store.close().await;
            tokens
        })
}

fn body(assessment: String) -> Vec<u8> {
    serde_json::to_vec(&SubmitRequest { assessment }).unwrap()
}

/// One organisation per client, each submitting `per_client` distinct versions of the
/// district council example (a different assessor line each).
fn template(database: &str, clients: usize, per_client: usize, run: i64) -> Jobs {
    let template = std::fs::read_to_string("examples/district-council-caf-3.2-baseline.toml")
        .expect("run from the repository root");
    let orgs: Vec<String> = (0..clients).map(|i| format!("BENCH-{run}-{i}")).collect();
    let registered = orgs.iter().map(|id| Organisation {
        id: id.clone(),
        name: format!("Benchmark {id}"),
        sector: Some("local-government".into()),
        region: None,
        parent: None,
        created_at: now_ms(),
    });
    let tokens = register(database, registered.collect());
    (orgs.iter().zip(tokens))
        .map(|(org, token)| {
            (0..per_client)
                .map(|n| {
                    let text = template
                        .replace("id = \"E07000901\"", &format!("id = \"{org}\""))
                        .replace(
                            "assessor = \"Priya Nair, Information Security Officer\"",
                            &format!("assessor = \"Assessor {n}\""),
                        );
                    (token.clone(), body(text))
                })
                .collect()
        })
        .collect()
}

/// Every valid assessment under `dir` (`caf synth` output), each organisation registered as
/// its first file claims (a parent body's name made an identifier), the files dealt out to
/// the clients in turn; each text grows by `pad` bytes of comment when asked.
fn files(database: &str, dir: &str, pad: usize, clients: usize, run: i64) -> Jobs {
    let catalog = caf_core::framework::Catalog::shipped();
    let source = caf_core::aggregate::FileSource::new(vec![dir.into()]);
    let names = caf_core::aggregate::Source::list(&source).unwrap();
    let padding: String = (0..pad.div_ceil(100))
        .map(|_| format!("# {}\n", "x".repeat(97)))
        .collect();
    let mut orgs = std::collections::BTreeMap::new();
    let mut texts = Vec::new();
    for name in names {
        let text = std::fs::read_to_string(&name).unwrap();
        let file = caf_core::diagnostic::SourceFile::new(name, text.as_str());
        let Ok(loaded) = caf_core::assessment::parse(&file, &catalog) else {
            continue; // synth writes a few invalid files on purpose
        };
        let o = loaded.assessment.organisation;
        let slug = |p: String| -> String {
            p.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .take(64)
                .collect()
        };
        orgs.entry(o.id.clone()).or_insert_with(|| Organisation {
            id: o.id.clone(),
            name: o.name,
            sector: o.sector,
            region: o.region,
            parent: o.parent.map(slug),
            created_at: now_ms(),
        });
        texts.push((o.id, format!("{text}\n{padding}")));
    }
    eprintln!("registering {} organisations (run {run})", orgs.len());
    let ids: Vec<String> = orgs.keys().cloned().collect();
    let tokens: std::collections::HashMap<String, String> = ids
        .into_iter()
        .zip(register(database, orgs.into_values().collect()))
        .collect();
    let mut bodies = vec![Vec::new(); clients];
    for (i, (org, text)) in texts.into_iter().enumerate() {
        bodies[i % clients].push((tokens[&org].clone(), body(text)));
    }
    bodies
}

/// Per client, its requests: (token, body) in the order sent.
type Jobs = Vec<Vec<(String, Vec<u8>)>>;

/// `orgs` organisations with submitter tokens, and an analyst token to create the call with.
fn call_audience(database: &str, orgs: usize, run: i64) -> (Vec<String>, String) {
    let registered = (0..orgs).map(|i| Organisation {
        id: format!("BENCH-{run}-{i}"),
        name: format!("Benchmark {i}"),
        sector: Some("local-government".into()),
        region: None,
        parent: None,
        created_at: now_ms(),
    });
    let tokens = register(database, registered.collect());
    let analyst = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = Store::open_with(database, 2).await.unwrap();
            let spec = TokenSpec {
                role: Role::Analyst,
                scope: TokenScope::All,
                expires_at: None,
            };
            let token = store.create_token(&spec).await.unwrap().token;
            store.close().await;
            token
        });
    (tokens, analyst)
}

/// Answers to the call: each a different number of devices, so each is a new version (or,
/// with `distinct`, each from its own organisation).
fn responses(per_client: usize, clients: usize, distinct: bool, tokens: Vec<String>) -> Jobs {
    (0..clients)
        .map(|client| {
            (0..per_client)
                .map(|k| {
                    let token = if distinct {
                        tokens[client * per_client + k].clone()
                    } else {
                        tokens[client].clone()
                    };
                    let answers = match k % 3 {
                        0 => serde_json::json!({ "uses": "no" }),
                        _ => serde_json::json!({
                            "uses": "yes",
                            "patched": if k % 2 == 0 { "patched" } else { "not-yet" },
                            "devices": k,
                        }),
                    };
                    let body = caf_api::RespondRequest {
                        answers: answers.as_object().unwrap().clone(),
                        key: None,
                        call_version: None,
                    };
                    (token, serde_json::to_vec(&body).unwrap())
                })
                .collect()
        })
        .collect()
}
