//! Every organisation's current submissions as an aggregate folds them, kept in memory and
//! brought up to date on each request, so that `GET /aggregate` neither reads nor decodes
//! 20,000 rows every time.
//!
//! Each entry holds the decoded digest (a few bytes per outcome, the profile, the period and
//! the suppliers) and the organisation as registered: memory grows with the organisations,
//! never with the texts. Keeping it current costs one cheap question per request: the
//! database records, in `aggregate_changes` (filled by triggers, so every writer is seen:
//! another server on the same PostgreSQL, `caf admin`, a person with SQL), which
//! organisations' submissions, digests or registration changed; only those organisations'
//! current submissions are read again, each organisation's complete. Withdrawals, new versions
//! and a changed sector, region or parent are therefore reflected in the next aggregate.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::{Stream, TryStreamExt};
use tokio::sync::Mutex;

use super::AppState;
use super::error::ApiResult;
use crate::store::{DigestRow, Organisation, StoreResult};
use caf_core::aggregate::Digest;

/// One current submission, as an aggregate folds it.
#[derive(Debug)]
pub(super) struct Entry {
    pub submission_id: String,
    /// Empty when the assessment names none.
    pub period: String,
    /// As registered.
    pub organisation: Organisation,
    /// The stored digest, decoded (its organisation left empty: the registered one replaces
    /// it); `None` when there is no usable digest, and the text is read when folding.
    pub digest: Option<Digest>,
}

/// Every organisation's current submissions at one generation, and what the last change
/// before it did.
#[derive(Debug, Clone)]
pub(super) struct Snapshot {
    /// The same while the submissions are the same.
    pub generation: u64,
    pub all: Arc<Vec<Arc<Entry>>>,
    /// How the previous generation became this one (`None` after a full load).
    pub change: Option<Arc<Change>>,
}

/// What one change to the current submissions did: every entry of the organisations it
/// touched, before and after (an organisation's complete either way).
#[derive(Debug, Default)]
pub(super) struct Change {
    pub removed: Vec<Arc<Entry>>,
    pub added: Vec<Arc<Entry>>,
}

/// The cache of current submissions (one per server process).
#[derive(Debug, Default)]
pub struct Current {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Where the next look for changes starts; `None` before the first load.
    mark: Option<i64>,
    /// Bumped each time `all` is rebuilt: what was computed from one generation holds until
    /// the next.
    generation: u64,
    by_org: HashMap<String, Vec<Arc<Entry>>>,
    /// Every entry, handed to aggregates (rebuilt when something changed).
    all: Arc<Vec<Arc<Entry>>>,
    /// How the generation before became this one.
    change: Option<Arc<Change>>,
}

impl Inner {
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            generation: self.generation,
            all: self.all.clone(),
            change: self.change.clone(),
        }
    }
}

/// Changed organisations up to which each is read by its own query (an index lookup) rather
/// than all in one (which PostgreSQL may plan as a scan of every submission).
const READ_ONE_BY_ONE: usize = 64;

/// Rows decoded per trip to the blocking pool.
const BATCH: usize = 2048;

impl Current {
    /// Every organisation's current submissions, as the database holds them now.
    pub(super) async fn entries(&self, state: &Arc<AppState>) -> ApiResult<Snapshot> {
        let mut inner = self.inner.lock().await;
        // Taken before looking, so that nothing committed meanwhile is missed.
        let mark = state.store.change_mark().await?;
        let mut change = Change::default();
        let full = inner.mark.is_none();
        let loaded = match inner.mark {
            None => {
                inner.by_org.clear();
                decode(state, state.store.current_digests()).await?
            }
            Some(since) => {
                let changed = state.store.changed_organisations(since).await?;
                if changed.is_empty() {
                    inner.mark = Some(mark);
                    return Ok(inner.snapshot());
                }
                let rows = if changed.len() <= READ_ONE_BY_ONE {
                    decode(state, state.store.organisations_digests(&changed)).await?
                } else {
                    decode(state, state.store.changed_digests(since)).await?
                };
                for org in &changed {
                    change
                        .removed
                        .extend(inner.by_org.remove(org).unwrap_or_default());
                }
                rows
            }
        };
        // Each organisation read is read complete: what it had before is replaced.
        let mut seen = std::collections::HashSet::new();
        for entry in loaded {
            let org = entry.organisation.id.clone();
            if seen.insert(org.clone()) {
                change
                    .removed
                    .extend(inner.by_org.remove(&org).unwrap_or_default());
            }
            let entry = Arc::new(entry);
            change.added.push(entry.clone());
            (inner.by_org.entry(org).or_default()).push(entry);
        }
        inner.all = Arc::new(inner.by_org.values().flatten().cloned().collect());
        inner.generation += 1;
        inner.change = (!full).then(|| Arc::new(change));
        inner.mark = Some(mark);
        Ok(inner.snapshot())
    }
}

/// Decodes the digests of the rows `rows` streams, batch by batch on the blocking pool.
async fn decode(
    state: &Arc<AppState>,
    rows: impl Stream<Item = StoreResult<DigestRow>>,
) -> ApiResult<Vec<Entry>> {
    let mut rows = std::pin::pin!(rows);
    let mut entries = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let row = rows.try_next().await?;
        let done = row.is_none();
        batch.extend(row);
        if batch.len() == BATCH || (done && !batch.is_empty()) {
            let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            let task = state.clone();
            let decoded = state
                .work
                .run(move || {
                    use rayon::prelude::*;
                    (rows.into_par_iter())
                        .map(|row| {
                            let digest = (row.digest.as_deref())
                                .and_then(|text| task.codec.decode(text))
                                .map(|mut digest| {
                                    digest.organisation = Default::default();
                                    digest
                                });
                            Entry {
                                submission_id: row.submission_id,
                                period: row.period,
                                organisation: row.organisation,
                                digest,
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .await?;
            entries.extend(decoded);
        }
        if done {
            break;
        }
    }
    Ok(entries)
}
