//! Storing submissions.
//!
//! A submission and its audit entry are written in one transaction, so the log never misses a
//! stored submission nor records one that was rolled back. On SQLite, which has one writer at a
//! time, a single task writes every submission, and whatever arrived while it was committing
//! goes into its next transaction together (group commit): under load one commit carries many
//! submissions, which is what lets one file keep up with many clients. Each submitter still
//! gets its answer only after the commit that holds its submission. PostgreSQL handles
//! concurrent writers itself, so there each submission is its own transaction. The same module
//! keeps a server's SQLite log checkpointed, in step with the writer.

use sqlx::{AnyConnection, AnyPool, Row};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::{
    AuditEntry, NewSubmission, SUMMARY_COLUMNS, Store, StoreError, StoreResult, Stored,
    SubmissionSummary, insert_audit, now_ms, summary_from, time_ordered_hex,
};

/// The most submissions one transaction carries; more wait for the next.
const MAX_BATCH: usize = 128;

/// Submissions queued for the writer before submitters wait to queue theirs.
const QUEUE: usize = 1024;

/// A submission waiting for the SQLite writer, and where its outcome goes.
pub(super) struct Pending {
    new: NewSubmission,
    reply: oneshot::Sender<StoreResult<Stored>>,
}

pub(super) type Queue = mpsc::Sender<Pending>;

/// Starts the task that writes every submission to a SQLite store. It ends when the last
/// [`Store`] holding the queue is dropped.
pub(super) fn start_writer(pool: AnyPool, write_lock: std::sync::Arc<Mutex<()>>) -> Queue {
    let (queue, mut arrivals) = mpsc::channel::<Pending>(QUEUE);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while arrivals.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let _w = write_lock.lock().await;
            let news: Vec<&NewSubmission> = batch.iter().map(|p| &p.new).collect();
            match store_batch(&pool, &news).await {
                Ok(outcomes) => {
                    for (pending, outcome) in batch.drain(..).zip(outcomes) {
                        let _ = pending.reply.send(Ok(outcome));
                    }
                }
                // One failure rolls back the whole transaction; store each on its own, so a
                // submission that cannot be stored does not take its neighbours with it.
                Err(error) if batch.len() == 1 => {
                    let pending = batch.pop().expect("one pending submission");
                    let _ = pending.reply.send(Err(error));
                }
                Err(_) => {
                    for pending in batch.drain(..) {
                        let outcome = store_batch(&pool, &[&pending.new])
                            .await
                            .map(|mut stored| stored.remove(0));
                        let _ = pending.reply.send(outcome);
                    }
                }
            }
        }
    });
    queue
}

/// A server's SQLite log starts again from the top once it holds this many pages (64 MB of
/// 4 KB pages): each start makes the writer wait a few milliseconds, so not too often.
pub(super) const RESTART_FRAMES: i64 = 16_000;

/// Checkpoints a SQLite store's write-ahead log every quarter second, almost entirely off the
/// write path. A passive checkpoint copies the log into the database (and syncs both) while
/// the writer carries on; but the log only starts again from the top when the writer begins
/// a transaction with all of it copied, which under steady writing never happens by chance,
/// so left alone the log grows without end. Once it passes a size, passes repeat, each copying
/// what the writer added during the last, until little is left; a last pass copies that while
/// the writer waits (a few milliseconds), and the writer's next transaction starts the log
/// again. The task ends with the store (`alive` is the writer queue, which lives exactly as
/// long as the store).
pub(super) fn start_checkpointer(
    pool: AnyPool,
    write_lock: std::sync::Arc<Mutex<()>>,
    alive: mpsc::WeakSender<Pending>,
    restart_frames: i64,
) {
    /// Make the writer wait only when a pass finds fewer new pages than this.
    const SMALL_REMAINDER: i64 = 256;
    /// How many frames the log holds, after a passive checkpoint of all of them.
    async fn checkpoint(pool: &AnyPool) -> StoreResult<i64> {
        // One row: (busy, frames in the log, frames copied).
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(pool)
            .await?;
        Ok(row.try_get(1)?)
    }
    async fn restart_if_large(
        pool: &AnyPool,
        write_lock: &Mutex<()>,
        restart_frames: i64,
    ) -> StoreResult<()> {
        let mut frames = checkpoint(pool).await?;
        if frames < restart_frames {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let mut passes = 1;
        for _ in 0..8 {
            let now = checkpoint(pool).await?;
            passes += 1;
            let added = now - frames;
            frames = now;
            if added < SMALL_REMAINDER {
                break;
            }
        }
        let _w = write_lock.lock().await;
        let waited = std::time::Instant::now();
        checkpoint(pool).await?;
        tracing::debug!(
            frames,
            passes,
            micros = started.elapsed().as_micros() as u64,
            writer_waited_micros = waited.elapsed().as_micros() as u64,
            "write-ahead log copied to the end for a restart"
        );
        Ok(())
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if alive.upgrade().is_none() || pool.is_closed() {
                return;
            }
            if let Err(error) = restart_if_large(&pool, &write_lock, restart_frames).await {
                tracing::warn!(%error, "checkpoint failed");
            }
        }
    });
}

impl Store {
    /// Stores a validated, scored submission, with its audit entry: once per content (a repeat
    /// is reported as a duplicate), as the next version for its organisation, framework and
    /// period. Returns once the submission is committed.
    pub async fn submit(&self, new: NewSubmission) -> StoreResult<Stored> {
        match &self.writer_queue {
            Some(queue) => {
                let (reply, outcome) = oneshot::channel();
                queue
                    .send(Pending { new, reply })
                    .await
                    .map_err(|_| StoreError::WriterStopped)?;
                outcome.await.map_err(|_| StoreError::WriterStopped)?
            }
            None => Ok(store_batch(&self.pool, &[&new]).await?.remove(0)),
        }
    }
}

/// Stores `batch` in one transaction: all of it, or none of it.
async fn store_batch(pool: &AnyPool, batch: &[&NewSubmission]) -> StoreResult<Vec<Stored>> {
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for new in batch {
        outcomes.push(store_one(&mut tx, new).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

async fn store_one(conn: &mut AnyConnection, new: &NewSubmission) -> StoreResult<Stored> {
    const ATTEMPTS: u32 = 20;
    for attempt in 0..ATTEMPTS {
        let id = format!("s-{}", time_ordered_hex());
        let received_at = now_ms();
        // One statement computes the next version and inserts it. A concurrent writer (another
        // server instance on the same PostgreSQL) that took the same version, or stored the
        // same content, makes this insert nothing; then we look again.
        let inserted = sqlx::query(
            "INSERT INTO submissions (id, org_id, framework, period, version, profile, \
             content_sha256, token_id, received_at, client_version, server_version, source, summary) \
             SELECT $1, $2, $3, $4, COALESCE(MAX(version), 0) + 1, $5, $6, $7, $8, $9, $10, $11, $12 \
             FROM submissions WHERE org_id = $2 AND framework = $3 AND period = $4 \
             ON CONFLICT DO NOTHING RETURNING version",
        )
        .bind(&id)
        .bind(&new.org_id)
        .bind(&new.framework)
        .bind(&new.period)
        .bind(&new.profile)
        .bind(&new.content_sha256)
        .bind(&new.token_id)
        .bind(received_at)
        .bind(&new.client_version)
        .bind(env!("CARGO_PKG_VERSION"))
        .bind(&new.source)
        .bind(&new.summary)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = inserted {
            let version: i64 = row.try_get("version")?;
            let supersedes = if version > 1 {
                sqlx::query(
                    "SELECT id FROM submissions WHERE org_id = $1 AND framework = $2 \
                     AND period = $3 AND version = $4",
                )
                .bind(&new.org_id)
                .bind(&new.framework)
                .bind(&new.period)
                .bind(version - 1)
                .fetch_optional(&mut *conn)
                .await?
                .map(|row| row.try_get::<String, _>("id"))
                .transpose()?
            } else {
                None
            };
            audit_submission(conn, new, "submit", &id).await?;
            let summary = SubmissionSummary {
                id,
                org_id: new.org_id.clone(),
                framework: new.framework.clone(),
                period: new.period.clone(),
                version,
                profile: new.profile.clone(),
                content_sha256: new.content_sha256.clone(),
                token_id: new.token_id.clone(),
                received_at,
                client_version: new.client_version.clone(),
                server_version: env!("CARGO_PKG_VERSION").to_string(),
                superseded: false,
            };
            return Ok(Stored::New {
                summary,
                supersedes,
            });
        }
        // Nothing inserted: either this content is already stored (a repeat, or a retry of a
        // request whose answer was lost), or another writer took the version.
        let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} FROM submissions s WHERE s.org_id = $1 AND s.content_sha256 = $2"
        )))
        .bind(&new.org_id)
        .bind(&new.content_sha256)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = existing {
            let existing = summary_from(&row)?;
            audit_submission(conn, new, "submit-duplicate", &existing.id).await?;
            return Ok(Stored::Duplicate(existing));
        }
        tokio::time::sleep(std::time::Duration::from_millis(u64::from(attempt + 1) * 3)).await;
    }
    Err(StoreError::Contended { attempts: ATTEMPTS })
}

async fn audit_submission(
    conn: &mut AnyConnection,
    new: &NewSubmission,
    action: &str,
    submission_id: &str,
) -> StoreResult<()> {
    insert_audit(
        conn,
        &AuditEntry {
            token_id: &new.token_id,
            role: new.role,
            action,
            submission_id: Some(submission_id),
            org_id: Some(&new.org_id),
            detail: None,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::super::{Organisation, Role};
    use super::*;

    fn submission(org: &str, content: &str) -> NewSubmission {
        NewSubmission {
            org_id: org.to_string(),
            framework: "caf-4.0".to_string(),
            period: "2026/27".to_string(),
            profile: None,
            content_sha256: content.to_string(),
            token_id: format!("t-{org}"),
            role: Role::Submitter,
            client_version: None,
            source: content.to_string(),
            summary: "{}".to_string(),
        }
    }

    async fn register(store: &Store, org: &str) {
        store
            .add_organisation(&Organisation {
                id: org.to_string(),
                name: format!("Organisation {org}"),
                sector: None,
                region: None,
                parent: None,
                created_at: 0,
            })
            .await
            .unwrap();
    }

    /// Many submitters at once on one SQLite file: whatever way the writer groups them, every
    /// submission gets its own version and audit entry, repeats are recognised, and one that
    /// cannot be stored (its organisation is not registered) fails alone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_submissions_are_grouped_without_mixing_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("caf.db").display());
        let store = Store::open(&url).await.unwrap();
        for org in ["A", "B"] {
            register(&store, org).await;
        }
        // 30 distinct contents for each of A and B, each sent twice, and one for an
        // organisation nobody registered.
        let mut calls = Vec::new();
        for n in 0..30 {
            for org in ["A", "B"] {
                for _ in 0..2 {
                    calls.push(submission(org, &format!("{org}-{n}")));
                }
            }
            if n == 15 {
                calls.push(submission("UNREGISTERED", "x"));
            }
        }
        let handles: Vec<_> = calls
            .into_iter()
            .map(|new| {
                let store = store.clone();
                tokio::spawn(async move { (new.content_sha256.clone(), store.submit(new).await) })
            })
            .collect();
        let mut new_versions: std::collections::HashMap<String, Vec<i64>> = Default::default();
        let mut first_ids: std::collections::HashMap<String, String> = Default::default();
        let (mut duplicates, mut failures) = (Vec::new(), Vec::new());
        for handle in handles {
            match handle.await.unwrap() {
                (content, Ok(Stored::New { summary, .. })) => {
                    new_versions
                        .entry(summary.org_id.clone())
                        .or_default()
                        .push(summary.version);
                    assert!(first_ids.insert(content, summary.id).is_none());
                }
                (content, Ok(Stored::Duplicate(summary))) => duplicates.push((content, summary.id)),
                (content, Err(_)) => failures.push(content),
            }
        }
        assert_eq!(failures, ["x"]);
        for org in ["A", "B"] {
            let mut versions = new_versions.remove(org).unwrap();
            versions.sort_unstable();
            assert_eq!(versions, (1..=30).collect::<Vec<_>>(), "{org}");
        }
        assert_eq!(duplicates.len(), 60);
        for (content, id) in &duplicates {
            assert_eq!(
                &first_ids[content], id,
                "a repeat names the stored submission"
            );
        }
        let log = store.audit_log().await.unwrap();
        let count = |action: &str| log.iter().filter(|e| e.action == action).count();
        assert_eq!((count("submit"), count("submit-duplicate")), (60, 60));
        assert!(
            log.iter()
                .all(|e| e.org_id.as_deref() != Some("UNREGISTERED"))
        );
    }

    /// Commits leave checkpointing to the background task, and it does run: the submissions
    /// reach the database file itself, not only its write-ahead log.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_is_checkpointed_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("caf.db");
        let store = Store::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        register(&store, "A").await;
        let before = std::fs::metadata(&path).unwrap().len();
        for n in 0..50 {
            let mut new = submission("A", &format!("content-{n}"));
            new.source = format!("{n}{}", "x".repeat(8 * 1024));
            store.submit(new).await.unwrap();
        }
        let grown = |len: u64| len > before + 50 * 8 * 1024;
        for _ in 0..40 {
            if grown(std::fs::metadata(&path).unwrap().len()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the database file did not grow within 4 s: nothing was checkpointed");
    }

    /// Under steady writing from many submitters the write-ahead log stays a small fraction
    /// of what was written: it is checkpointed to the end and starts again from the top (here
    /// from 1,000 pages, 4 MB, rather than a server's 64 MB, to show it in a short test).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_stays_small_under_steady_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("caf.db");
        let store = Store::open_with(&format!("sqlite://{}", path.display()), 16)
            .await
            .unwrap();
        let queue = store.writer_queue.as_ref().unwrap().downgrade();
        super::start_checkpointer(store.pool.clone(), store.write_lock.clone(), queue, 1000);
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    let org = format!("W{w}");
                    register(&store, &org).await;
                    let started = std::time::Instant::now();
                    let mut n = 0;
                    // Long enough for several checkpoints.
                    while started.elapsed() < std::time::Duration::from_millis(3000) {
                        let mut new = submission(&org, &format!("{org}-{n}"));
                        new.source = format!("{n}{}", "x".repeat(16 * 1024));
                        store.submit(new).await.unwrap();
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut written = 0;
        for writer in writers {
            written += writer.await.unwrap() * 16 * 1024;
        }
        let log = std::fs::metadata(dir.path().join("caf.db-wal"))
            .unwrap()
            .len();
        assert!(
            written > 16 * 1024 * 1024 && log < written as u64 / 2,
            "{written} bytes written, the log is {log} bytes"
        );
    }
}
