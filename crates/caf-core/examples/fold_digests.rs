//! How long the collection service's aggregate spends in the core: decoding stored digests
//! (once, at start-up, on the server), folding them as the server folds the digests it keeps
//! in memory ([`Fold::add_batch_borrowed`]), finishing the report ([`Fold::finish`]) and
//! writing it as JSON, over a real-shaped `caf synth` population of one period.
//!
//!   cargo run --release -p caf-core --example fold_digests -- [ORGS] [RUNS]   (20000, 7)
//!
//! Prints the median of RUNS runs of each step (bench/server_aggregate.sh measures the whole
//! request).

use std::time::Instant;

use caf_core::aggregate::stored::Codec;
use caf_core::aggregate::synth::{Shape, SynthOptions, generate_shaped};
use caf_core::aggregate::{FileSource, Fold, GroupBy, Options, Registered, Source, digest_of_text};
use caf_core::framework::Catalog;

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let orgs: usize = args.next().map_or(20_000, |a| a.parse().expect("ORGS"));
    let runs: usize = args.next().map_or(7, |a| a.parse().expect("RUNS"));
    let catalog = Catalog::shipped();
    let codec = Codec::new(&catalog);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = SynthOptions {
        orgs,
        periods: 1,
        seed: 1,
    };
    generate_shaped(&catalog, &options, Shape::Real, dir.path(), None).expect("synth");
    let source = FileSource::new(vec![dir.path().to_path_buf()]);
    let stored: Vec<(String, String, Registered)> = (source.list().expect("list").iter())
        .filter_map(|name| {
            let digest = digest_of_text(name, &source.fetch(name).ok()?, &catalog).ok()?;
            let o = &digest.organisation;
            let registered = Registered {
                id: o.id.clone(),
                name: o.name.clone(),
                sector: o.sector.clone(),
                region: o.region.clone(),
                parent: o.parent.clone(),
            };
            Some((name.clone(), codec.encode(&digest)?.text, registered))
        })
        .collect();
    let (mut decode, mut fold, mut finish, mut json) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let decoded: Vec<_> = (stored.iter())
            .map(|(name, text, registered)| {
                (
                    name.clone(),
                    codec.decode(text).expect("decodes"),
                    registered.clone(),
                )
            })
            .collect();
        decode.push(start.elapsed().as_secs_f64() * 1e3);
        let start = Instant::now();
        let mut folding = Fold::new(GroupBy::Sector);
        let unread =
            folding.add_batch_borrowed(&decoded, |(_, digest, r)| Some((digest, r.into())));
        assert!(unread.is_empty());
        fold.push(start.elapsed().as_secs_f64() * 1e3);
        let start = Instant::now();
        let report = folding
            .finish(&catalog, &Options::default())
            .expect("report");
        finish.push(start.elapsed().as_secs_f64() * 1e3);
        let start = Instant::now();
        bytes = serde_json::to_vec(&report).expect("json").len();
        json.push(start.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "{} digests ({} bytes stored on average): decode {:.1} ms, fold {:.1} ms, finish {:.1} ms, \
         JSON {:.1} ms (medians of {runs}); report {bytes} bytes",
        stored.len(),
        stored.iter().map(|s| s.1.len()).sum::<usize>() / stored.len().max(1),
        median(decode),
        median(fold),
        median(finish),
        median(json),
    );
}
