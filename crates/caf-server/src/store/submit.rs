//! Storing submissions.
//!
//! A submission and its audit entry are written in one transaction, so the log never misses a
//! stored submission nor records one that was rolled back. On SQLite, which has one writer at a
//! time, a single task writes every submission, and whatever arrived while it was committing
//! goes into its next transaction together (group commit): under load one commit carries many
//! submissions, which is what lets one file keep up with many clients. Each submitter still
//! gets its answer only after the commit that holds its submission. PostgreSQL handles
//! concurrent writers itself, so there each submission is its own transaction. A submission's
//! digest (what aggregation needs of it, `digests.rs`) is written in the same transaction as
//! the submission. Answers to data calls go through the same writer, in the same batches
//! (`calls.rs` stores each one). The same module keeps a server's SQLite log checkpointed, in step with the writer, and the writer itself keeps
//! the log under a hard limit whatever the checkpointer manages.

use std::path::PathBuf;
use std::sync::Arc;

use sqlx::{AnyConnection, AnyPool, Row};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::{
    AuditEntry, NewSubmission, Quota, QuotaExceeded, Responded, SUMMARY_COLUMNS, Store, StoreError,
    StoreResult, Stored, SubmissionSummary, insert_audit, now_ms, summary_from, time_ordered_hex,
};

/// The most submissions one transaction carries; more wait for the next.
const MAX_BATCH: usize = 128;

/// Submissions queued for the writer before submitters wait to queue theirs.
const QUEUE: usize = 1024;

/// What the SQLite writer stores: a submission, or an answer to a data call (`calls.rs`).
pub(super) enum Job {
    Submit(NewSubmission, Quota),
    Respond(super::calls::RespondJob),
}

/// How a [`Job`] was stored.
// One lives per job, briefly, on its way back through the reply channel: boxing the large
// variant would cost an allocation per submission for nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum Done {
    // Boxed: a stored submission is several times the size of a stored answer.
    Submit(Box<Stored>),
    Respond(Responded),
}

/// A job waiting for the SQLite writer, and where its outcome goes.
pub(super) struct Pending {
    job: Job,
    reply: oneshot::Sender<StoreResult<Done>>,
}

pub(super) type Queue = mpsc::Sender<Pending>;

/// Starts the task that writes every submission to a SQLite store. It ends when the last
/// [`Store`] holding the queue is dropped.
///
/// After each transaction the writer looks at the size of the write-ahead log file; past
/// `hard_log_bytes` it copies the whole log into the database and empties it itself before
/// taking the next batch (see [`truncate_log`]). That is what bounds the log: the writer is
/// the only one adding to it, so the log never holds more than the limit plus one
/// transaction, however far behind the background checkpointer (or the machine) is.
pub(super) fn start_writer(
    pool: AnyPool,
    write_lock: Arc<Mutex<()>>,
    checkpoint_lock: Arc<Mutex<()>>,
    hard_log_bytes: u64,
) -> Queue {
    let (queue, mut arrivals) = mpsc::channel::<Pending>(QUEUE);
    tokio::spawn(async move {
        let wal = wal_path(&pool).await;
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while arrivals.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let _w = write_lock.lock().await;
            let jobs: Vec<&Job> = batch.iter().map(|p| &p.job).collect();
            match store_batch(&pool, &jobs).await {
                Ok(outcomes) => {
                    for (pending, outcome) in batch.drain(..).zip(outcomes) {
                        let _ = pending.reply.send(Ok(outcome));
                    }
                }
                // One failure rolls back the whole transaction; store each on its own, so a
                // submission or answer that cannot be stored does not take its neighbours
                // with it.
                Err(error) if batch.len() == 1 => {
                    let pending = batch.pop().expect("one pending job");
                    let _ = pending.reply.send(Err(error));
                }
                Err(_) => {
                    for pending in batch.drain(..) {
                        let outcome = store_batch(&pool, &[&pending.job])
                            .await
                            .map(|mut done| done.remove(0));
                        let _ = pending.reply.send(outcome);
                    }
                }
            }
            if let Some(wal) = &wal
                && log_bytes(wal) > hard_log_bytes
            {
                let _c = checkpoint_lock.lock().await;
                if let Err(error) = truncate_log(&pool).await {
                    tracing::warn!(%error, "write-ahead log past its limit and not emptied");
                }
            }
        }
    });
    queue
}

/// The write-ahead log file of the store's main database; `None` for an in-memory database.
async fn wal_path(pool: &AnyPool) -> Option<PathBuf> {
    // Rows of (seq, name, file); `file` is empty for an in-memory or temporary database.
    let rows = sqlx::query("PRAGMA database_list")
        .fetch_all(pool)
        .await
        .inspect_err(|error| tracing::warn!(%error, "cannot find the database file"))
        .ok()?;
    rows.iter().find_map(|row| {
        let name: String = row.try_get(1).ok()?;
        let file: String = row.try_get(2).ok()?;
        (name == "main" && !file.is_empty()).then(|| PathBuf::from(format!("{file}-wal")))
    })
}

/// The size of the write-ahead log file, 0 when there is none. The file is never smaller than
/// the log it holds (SQLite starts a log again from the top of the file without shrinking
/// it), and [`truncate_log`] empties it, so while this stays under a limit so does the log.
fn log_bytes(wal: &std::path::Path) -> u64 {
    std::fs::metadata(wal).map_or(0, |m| m.len())
}

/// Copies the whole log into the database and empties the log file, waiting (up to the busy
/// timeout) for readers still using the log. The caller holds the write lock, so nothing is
/// added meanwhile, and the checkpoint lock, so no background pass is running.
async fn truncate_log(pool: &AnyPool) -> StoreResult<()> {
    let started = std::time::Instant::now();
    // One row: (busy, frames in the log, frames copied).
    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(pool)
        .await?;
    let (busy, frames): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    if busy != 0 {
        tracing::warn!("write-ahead log past its limit: readers kept it from being emptied");
    } else {
        tracing::debug!(
            frames,
            writer_waited_micros = started.elapsed().as_micros() as u64,
            "write-ahead log past its limit: copied and emptied by the writer"
        );
    }
    Ok(())
}

/// A server's SQLite log starts again from the top once it holds this many pages (64 MB of
/// 4 KB pages): each start makes the writer wait a few milliseconds, so not too often.
pub(super) const RESTART_FRAMES: i64 = 16_000;

/// The most the write-ahead log file may hold before the writer empties it itself (twice the
/// size at which the background checkpointer restarts it, so it is reached only when that
/// falls behind).
pub(super) const HARD_LOG_BYTES: u64 = 128 * 1024 * 1024;

/// Checkpoints a SQLite store's write-ahead log every quarter second, almost entirely off the
/// write path. A passive checkpoint copies the log into the database (and syncs both) while
/// the writer carries on; but the log only starts again from the top when the writer begins
/// a transaction with all of it copied, which under steady writing never happens by chance,
/// so left alone the log grows without end. Once it passes a size, passes repeat, each copying
/// what the writer added during the last, until little is left; a last pass copies that while
/// the writer waits (a few milliseconds), and the writer's next transaction starts the log
/// again. The task ends with the store (`alive` is the writer queue, which lives exactly as
/// long as the store).
///
/// The passes converge only while copying is faster than writing. When it is not (a busy CPU
/// or a slow disk), each pass copies more than the last and the log grows well past
/// `restart_frames` before the writer is made to wait; the writer's own limit (see
/// [`start_writer`]) is what bounds it then.
pub(super) fn start_checkpointer(
    pool: AnyPool,
    write_lock: Arc<Mutex<()>>,
    checkpoint_lock: Arc<Mutex<()>>,
    alive: mpsc::WeakSender<Pending>,
    restart_frames: i64,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if alive.upgrade().is_none() || pool.is_closed() {
                return;
            }
            if let Err(error) =
                restart_if_large(&pool, &write_lock, &checkpoint_lock, restart_frames).await
            {
                tracing::warn!(%error, "checkpoint failed");
            }
        }
    });
}

/// One round of the background checkpointer: if the log holds `restart_frames` or more,
/// copies it into the database so that the writer's next transaction starts it again.
async fn restart_if_large(
    pool: &AnyPool,
    write_lock: &Mutex<()>,
    checkpoint_lock: &Mutex<()>,
    restart_frames: i64,
) -> StoreResult<()> {
    /// Make the writer wait only when a pass finds fewer new pages than this.
    const SMALL_REMAINDER: i64 = 256;
    /// How many frames the log holds, after a passive checkpoint of all of them. The
    /// checkpoint lock keeps this from overlapping the writer's own checkpoint, which would
    /// otherwise fail as busy.
    async fn checkpoint(pool: &AnyPool, checkpoint_lock: &Mutex<()>) -> StoreResult<i64> {
        let _c = checkpoint_lock.lock().await;
        // One row: (busy, frames in the log, frames copied).
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(pool)
            .await?;
        Ok(row.try_get(1)?)
    }
    let mut frames = checkpoint(pool, checkpoint_lock).await?;
    if frames < restart_frames {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut passes = 1;
    for _ in 0..8 {
        let now = checkpoint(pool, checkpoint_lock).await?;
        passes += 1;
        let added = now - frames;
        frames = now;
        if added < SMALL_REMAINDER {
            break;
        }
    }
    // Write lock first, then the checkpoint lock: the writer takes them in that order too.
    let _w = write_lock.lock().await;
    let waited = std::time::Instant::now();
    checkpoint(pool, checkpoint_lock).await?;
    tracing::debug!(
        frames,
        passes,
        micros = started.elapsed().as_micros() as u64,
        writer_waited_micros = waited.elapsed().as_micros() as u64,
        "write-ahead log copied to the end for a restart"
    );
    Ok(())
}

impl Store {
    /// Stores a validated, scored submission, with its audit entry: once per content (a repeat
    /// is reported as a duplicate), as the next version for its organisation, framework and
    /// period. Returns once the submission is committed.
    pub async fn submit(&self, new: NewSubmission) -> StoreResult<Stored> {
        match self.store_job(Job::Submit(new, self.quota)).await? {
            Done::Submit(stored) => Ok(*stored),
            Done::Respond(_) => unreachable!("a submission is stored as one"),
        }
    }

    /// Stores `job` and returns once it is committed: through the writer on SQLite, in a
    /// transaction of its own on PostgreSQL.
    pub(super) async fn store_job(&self, job: Job) -> StoreResult<Done> {
        match &self.writer_queue {
            Some(queue) => {
                let (reply, outcome) = oneshot::channel();
                queue
                    .send(Pending { job, reply })
                    .await
                    .map_err(|_| StoreError::WriterStopped)?;
                outcome.await.map_err(|_| StoreError::WriterStopped)?
            }
            None => Ok(store_batch(&self.pool, &[&job]).await?.remove(0)),
        }
    }
}

/// Stores `batch` in one transaction: all of it, or none of it.
async fn store_batch(pool: &AnyPool, batch: &[&Job]) -> StoreResult<Vec<Done>> {
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        let done = match job {
            Job::Submit(new, quota) => store_one(&mut tx, new, *quota)
                .await
                .map(|stored| Done::Submit(Box::new(stored))),
            Job::Respond(job) => super::calls::respond_in(&mut tx, job)
                .await
                .map(Done::Respond),
        };
        match done {
            Ok(done) => outcomes.push(done),
            Err(error) => {
                // Rolled back before the writer goes on: a transaction merely dropped is
                // rolled back a moment later, and until then it holds SQLite's write lock,
                // which a next transaction that reads before it writes is refused at once
                // (SQLite waits for the lock only for a transaction that has not read yet).
                tx.rollback().await?;
                return Err(error);
            }
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// The stored copy of `new`'s content for its organisation, if there is one.
async fn existing_copy(
    conn: &mut AnyConnection,
    new: &NewSubmission,
) -> StoreResult<Option<SubmissionSummary>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} FROM submissions s WHERE s.org_id = $1 AND s.content_sha256 = $2"
    )))
    .bind(&new.org_id)
    .bind(&new.content_sha256)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(summary_from).transpose()
}

/// Whether storing `new` would take its organisation past `quota`. One read of an index
/// (organisation, period, bytes), inside the transaction that would store it.
async fn over_quota(
    conn: &mut AnyConnection,
    new: &NewSubmission,
    quota: Quota,
) -> StoreResult<Option<QuotaExceeded>> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(source_bytes), 0) AS BIGINT) AS bytes, \
         CAST(COALESCE(SUM(CASE WHEN period = $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS versions \
         FROM submissions WHERE org_id = $1",
    )
    .bind(&new.org_id)
    .bind(&new.period)
    .fetch_one(&mut *conn)
    .await?;
    let (bytes, versions): (i64, i64) = (row.try_get("bytes")?, row.try_get("versions")?);
    let limit = quota.versions_per_period;
    if limit > 0 && versions >= i64::from(limit) {
        return Ok(Some(QuotaExceeded::Versions { limit }));
    }
    let limit = quota.bytes_per_organisation;
    let after = u64::try_from(bytes).unwrap_or(0) + new.source.len() as u64;
    if limit > 0 && after > limit {
        return Ok(Some(QuotaExceeded::Bytes { limit }));
    }
    Ok(None)
}

async fn store_one(
    conn: &mut AnyConnection,
    new: &NewSubmission,
    quota: Quota,
) -> StoreResult<Stored> {
    const ATTEMPTS: u32 = 20;
    if !quota.is_none()
        && let Some(exceeded) = over_quota(conn, new, quota).await?
    {
        // A repeat stores nothing, so it is answered as usual even at the quota.
        return match existing_copy(conn, new).await? {
            Some(existing) => {
                audit_submission(conn, new, "submit-duplicate", &existing.id).await?;
                Ok(Stored::Duplicate(existing))
            }
            None => Err(StoreError::Quota(exceeded)),
        };
    }
    for attempt in 0..ATTEMPTS {
        let id = format!("s-{}", time_ordered_hex());
        let received_at = now_ms();
        // One statement computes the next version and inserts it. A concurrent writer (another
        // server instance on the same PostgreSQL) that took the same version, or stored the
        // same content, makes this insert nothing; then we look again.
        let inserted = sqlx::query(
            "INSERT INTO submissions (id, org_id, framework, period, version, profile, \
             content_sha256, token_id, received_at, client_version, server_version, source, summary, \
             source_bytes, unreviewed, overridden) \
             SELECT $1, $2, $3, $4, COALESCE(MAX(version), 0) + 1, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15 \
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
        .bind(new.source.len() as i64)
        .bind(new.unreviewed)
        .bind(new.overridden)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = inserted {
            let version: i64 = row.try_get("version")?;
            if let Some(digest) = &new.digest {
                super::digests::upsert(conn, &id, digest).await?;
            }
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
                withdrawn_at: None,
                unreviewed: new.unreviewed,
                overridden: new.overridden,
            };
            return Ok(Stored::New {
                summary,
                supersedes,
            });
        }
        // Nothing inserted: either this content is already stored (a repeat, or a retry of a
        // request whose answer was lost), or another writer took the version.
        if let Some(existing) = existing_copy(conn, new).await? {
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
            role: Some(new.role),
            action,
            submission_id: Some(submission_id),
            org_id: Some(&new.org_id),
            detail: None,
            client: new.client.as_deref(),
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
            client: None,
            unreviewed: 0,
            overridden: 0,
            digest: None,
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

    /// One frame of the log: a 4 KB page and its header.
    const FRAME: u64 = 4096 + 24;

    /// The most one transaction adds to the log in the tests below: one submission from each
    /// of 8 submitters (each waits for its answer before sending the next), each a 16 KB
    /// source over 5 pages plus the table and index pages it touches, under 32 pages in all.
    const ONE_BATCH: u64 = 8 * 32 * FRAME;

    /// A store whose writer empties the log past `hard_log_bytes`, with one registered
    /// organisation per submitter, and its log file.
    async fn store_with_limit(
        dir: &std::path::Path,
        hard_log_bytes: u64,
        submitters: usize,
    ) -> (Store, std::path::PathBuf) {
        let path = dir.join("caf.db");
        let url = format!("sqlite://{}", path.display());
        let store = Store::open_with_log_limit(&url, 16, hard_log_bytes)
            .await
            .unwrap();
        for w in 0..submitters {
            register(&store, &format!("W{w}")).await;
        }
        (store, dir.join("caf.db-wal"))
    }

    /// `per_submitter` submissions of 16 KB from each of `submitters` at once. Returns the
    /// bytes submitted and the largest the log file was seen to be, looked at after every
    /// submission.
    async fn write_steadily(
        store: &Store,
        wal: &std::path::Path,
        submitters: usize,
        per_submitter: usize,
    ) -> (u64, u64) {
        let tasks: Vec<_> = (0..submitters)
            .map(|w| {
                let (store, wal) = (store.clone(), wal.to_path_buf());
                tokio::spawn(async move {
                    let org = format!("W{w}");
                    let mut largest = 0;
                    for n in 0..per_submitter {
                        let mut new = submission(&org, &format!("{org}-{n}"));
                        new.source = format!("{n:>16}{}", "x".repeat(16 * 1024 - 16));
                        store.submit(new).await.unwrap();
                        largest = largest.max(log_bytes(&wal));
                    }
                    largest
                })
            })
            .collect();
        let mut largest = 0;
        for task in tasks {
            largest = largest.max(task.await.unwrap());
        }
        let written = (submitters * per_submitter * 16 * 1024) as u64;
        (written, largest.max(log_bytes(wal)))
    }

    /// With nothing checkpointing in the background the log would hold everything written;
    /// the writer alone keeps it under its limit (plus the one transaction that crosses it),
    /// by emptying it whenever it passes the limit. A fixed amount of writing, so the result
    /// does not depend on how fast the machine is.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_writer_keeps_the_log_under_its_limit() {
        const LIMIT: u64 = 2 * 1024 * 1024;
        let dir = tempfile::tempdir().unwrap();
        let (store, wal) = store_with_limit(dir.path(), LIMIT, 8).await;
        let (written, largest) = write_steadily(&store, &wal, 8, 150).await;
        assert!(written > 8 * LIMIT, "{written} bytes written");
        assert!(
            largest <= LIMIT + ONE_BATCH,
            "{written} bytes written, the log reached {largest} bytes (limit {LIMIT})"
        );
        // Everything submitted is stored.
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM submissions")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(count, 8 * 150);
    }

    /// Under steady writing from many submitters, with the background checkpointer restarting
    /// the log from 1,000 pages (4 MB, rather than a server's 64 MB), the log stays under the
    /// writer's limit whatever the checkpointer manages: passes that copy slower than the
    /// writer writes (a busy CPU, a slow disk) once let it grow to 15 times the restart size
    /// in this test. The bound holds by construction, so no timing can break it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_stays_small_under_steady_writing() {
        const LIMIT: u64 = 2 * 1000 * FRAME;
        let dir = tempfile::tempdir().unwrap();
        let (store, wal) = store_with_limit(dir.path(), LIMIT, 8).await;
        let queue = store.writer_queue.as_ref().unwrap().downgrade();
        super::start_checkpointer(
            store.pool.clone(),
            store.write_lock.clone(),
            store.checkpoint_lock.clone(),
            queue,
            1000,
        );
        let (written, largest) = write_steadily(&store, &wal, 8, 300).await;
        assert!(written > 4 * LIMIT, "{written} bytes written");
        assert!(
            largest <= LIMIT + ONE_BATCH,
            "{written} bytes written, the log reached {largest} bytes (limit {LIMIT})"
        );
    }

    /// The background checkpointer's round, run by hand: past the restart size the log is
    /// copied to the end, and the writer's next transaction starts it again from the top.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_checkpoint_round_restarts_a_large_log() {
        let dir = tempfile::tempdir().unwrap();
        let (store, wal) = store_with_limit(dir.path(), u64::MAX, 1).await;
        let (written, _) = write_steadily(&store, &wal, 1, 100).await;
        assert!(
            log_bytes(&wal) > written,
            "everything written is in the log"
        );
        restart_if_large(&store.pool, &store.write_lock, &store.checkpoint_lock, 200)
            .await
            .unwrap();
        let mut new = submission("W0", "after the restart");
        new.source = "small".to_string();
        store.submit(new).await.unwrap();
        // Frames in the log (the row is busy, frames in the log, frames copied).
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let frames: i64 = row.try_get(1).unwrap();
        assert!(frames < 32, "{frames} frames after the restart");
    }
}
