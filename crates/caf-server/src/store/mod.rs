//! The collection service's database: organisations, tokens, submissions and the audit log.
//!
//! One SQL code path serves SQLite (the embedded default: one file, WAL mode) and PostgreSQL
//! (the scale-out store several `caf serve` instances share). It goes through sqlx's `Any`
//! driver with runtime queries only, so no database is needed at build time; the schema is the
//! versioned migrations in `migrations/`, run at start-up and identical for both databases.
//! Times are Unix milliseconds and identifiers are made here, because the two databases agree
//! on little else (no shared timestamp or auto-increment type).
//!
//! The store knows nothing of HTTP: the server and the `caf admin` commands both call it.

mod calls;
mod digests;
mod releases;
mod reviews;
mod submit;
mod tips;
mod tokens;

use std::time::{SystemTime, UNIX_EPOCH};

use caf_core::aggregate::stored::Encoded;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

pub use calls::{
    CallRecord, CallSummary, NewCall, NewResponse, Responded, ResponseChange, ResponseRow,
};
pub use digests::DigestRow;
pub use releases::Release;
pub use reviews::{
    GapRow, MAX_REVISIONS, NewReview, ReviewRecord, ReviewStatus, ReviewStored, ReviewSummary,
};
pub use tips::{MAX_TIP_VERSIONS, NewTip, TipRecord, TipStored, TipSummary};
pub use tokens::{
    AuthFailure, IssuedToken, Principal, Role, TokenRecord, TokenScope, TokenSpec, presented_id,
    token_detail,
};

/// The versioned migrations in `migrations/`, embedded in the binary. Append only: a released
/// migration is never edited (sqlx checks each one's checksum at start-up).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "collection",
        include_str!("../../../../migrations/0001_collection.sql"),
    ),
    (
        2,
        "review counts",
        include_str!("../../../../migrations/0002_review_counts.sql"),
    ),
    (
        3,
        "hardening",
        include_str!("../../../../migrations/0003_hardening.sql"),
    ),
    (
        4,
        "releases",
        include_str!("../../../../migrations/0004_releases.sql"),
    ),
    (
        5,
        "ingest digest",
        include_str!("../../../../migrations/0005_ingest_digest.sql"),
    ),
    (
        6,
        "calls",
        include_str!("../../../../migrations/0006_calls.sql"),
    ),
    (
        8,
        "call changes",
        include_str!("../../../../migrations/0008_call_changes.sql"),
    ),
    (
        9,
        "reviews",
        include_str!("../../../../migrations/0009_reviews.sql"),
    ),
    (
        10,
        "tips",
        include_str!("../../../../migrations/0010_tips.sql"),
    ),
];

/// Migrations written once per backend (triggers have no common syntax): (version,
/// description, SQLite's, PostgreSQL's), applied with [`MIGRATIONS`] in order of version.
const BACKEND_MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        7,
        "aggregate changes",
        include_str!("../../../../migrations/0007_aggregate_changes.sqlite.sql"),
        include_str!("../../../../migrations/0007_aggregate_changes.postgres.sql"),
    ),
    (
        11,
        "contact changes",
        include_str!("../../../../migrations/0011_contact_changes.sqlite.sql"),
        include_str!("../../../../migrations/0011_contact_changes.postgres.sql"),
    ),
];

fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
    use sqlx::SqlSafeStr;
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    let own = BACKEND_MIGRATIONS
        .iter()
        .map(|(version, description, sqlite, postgres)| {
            let sql = match backend {
                Backend::Sqlite => sqlite,
                Backend::Postgres => postgres,
            };
            (version, description, sql)
        });
    let mut migrations = (MIGRATIONS.iter())
        .map(|(version, description, sql)| (version, description, sql))
        .chain(own)
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                std::borrow::Cow::Borrowed(*description),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect::<Vec<_>>();
    migrations.sort_by_key(|migration| migration.version);
    Migrator {
        migrations: std::borrow::Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("`{url}` is not a database URL; use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl { url: String },
    #[error("cannot open database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{what} `{id}` already exists")]
    Exists { what: &'static str, id: String },
    #[error("no {what} `{id}`")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Invalid(String),
    /// A write to something that no longer takes them (a closed call).
    #[error("{what} `{id}` is closed")]
    Closed { what: &'static str, id: String },
    #[error(
        "could not store the submission after {attempts} attempts: concurrent writers kept winning"
    )]
    Contended { attempts: u32 },
    #[error("the submission writer has stopped")]
    WriterStopped,
    #[error("{0}")]
    Quota(QuotaExceeded),
}

/// Which of an organisation's quotas a submission would exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaExceeded {
    /// Versions stored for one period (all frameworks), at most `limit`.
    Versions { limit: u32 },
    /// Assessment bytes stored for the organisation, at most `limit`.
    Bytes { limit: u64 },
}

impl std::fmt::Display for QuotaExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QuotaExceeded::Versions { limit } => write!(
                f,
                "this organisation has stored its {limit} versions for this period; ask the service's administrators"
            ),
            QuotaExceeded::Bytes { limit } => write!(
                f,
                "this organisation's stored assessments would pass its {limit}-byte quota; ask the service's administrators"
            ),
        }
    }
}

/// Per-organisation limits on what the store keeps; 0 means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub versions_per_period: u32,
    pub bytes_per_organisation: u64,
}

impl Quota {
    pub const NONE: Quota = Quota {
        versions_per_period: 0,
        bytes_per_organisation: 0,
    };

    fn is_none(self) -> bool {
        self == Self::NONE
    }
}

impl StoreError {
    /// Mistakes in what the caller asked for (exit 2), as opposed to the database failing (exit 3).
    pub fn is_input_error(&self) -> bool {
        match self {
            StoreError::BadUrl { .. }
            | StoreError::Exists { .. }
            | StoreError::NotFound { .. }
            | StoreError::Invalid(_)
            | StoreError::Closed { .. }
            | StoreError::Quota(_) => true,
            StoreError::Connect { .. }
            | StoreError::Migrate(_)
            | StoreError::Database(_)
            | StoreError::Contended { .. }
            | StoreError::WriterStopped => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time. Queuing writers here, instead of letting them spin in
    /// SQLite's busy handler (which sleeps up to 100 ms between tries), keeps tail latency low.
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite only: held for each checkpoint, so that the writer's own (when the log passes its
    /// limit) never runs into a background one (see `submit.rs`).
    checkpoint_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite only: the task that writes submissions in groups (see `submit.rs`).
    writer_queue: Option<submit::Queue>,
    quota: Quota,
}

/// Current time as Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Unix milliseconds as a UTC time; times beyond year 9999 either way are clamped to it.
fn utc(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(
        if ms < 0 {
            time::PrimitiveDateTime::MIN.assume_utc()
        } else {
            time::PrimitiveDateTime::MAX.assume_utc()
        },
    )
}

/// Unix milliseconds as an RFC 3339 UTC time, e.g. `2026-11-23T09:41:07.120Z`.
pub fn format_time(ms: i64) -> String {
    const RFC3339_MILLIS: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    utc(ms)
        .format(RFC3339_MILLIS)
        .expect("every field of the format is in a UTC date-time")
}

/// The UTC (year, month, day) of Unix milliseconds.
pub fn civil_date(ms: i64) -> (i64, i64, i64) {
    let date = utc(ms).date();
    (
        i64::from(date.year()),
        i64::from(u8::from(date.month())),
        i64::from(date.day()),
    )
}

/// 128 random bits as hex: identifiers nobody can guess or enumerate.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system provides random bytes");
    hex(&buf)
}

/// A row identifier: 128 bits as hex, the first 48 the time in milliseconds and the other 80
/// random. Still impossible to guess or enumerate, but new rows sort last, so an index on it
/// grows at one end instead of touching a random page for every insert.
pub fn time_ordered_hex() -> String {
    let millis = u64::try_from(now_ms()).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    format!("{millis:012x}{}", random_hex(10))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub use caf_core::text::valid_identifier;

fn check_identifier(what: &str, id: &str) -> StoreResult<()> {
    if valid_identifier(id) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{what} `{id}` is not a valid identifier: use 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit"
        )))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub sector: Option<String>,
    pub region: Option<String>,
    pub parent: Option<String>,
    pub created_at: i64,
}

/// An organisation's registered groups, for the audit entry that records its registration.
pub fn organisation_detail(org: &Organisation) -> String {
    format!(
        "name={:?} sector={} region={} parent={}",
        org.name,
        org.sector.as_deref().unwrap_or("-"),
        org.region.as_deref().unwrap_or("-"),
        org.parent.as_deref().unwrap_or("-")
    )
}

/// What the server hands the store after it has validated and scored an assessment.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub org_id: String,
    pub framework: String,
    /// Empty when the assessment names no period.
    pub period: String,
    pub profile: Option<String>,
    pub content_sha256: String,
    pub token_id: String,
    /// The submitting token's role, for the audit log.
    pub role: Role,
    pub client_version: Option<String>,
    pub source: String,
    /// The server's score summary (JSON) at the time it was received.
    pub summary: String,
    /// Where the request came from, for the audit log.
    pub client: Option<String>,
    /// Outcomes still needing review, and outcomes overridden, as the server counted them.
    pub unreviewed: i64,
    pub overridden: i64,
    /// What aggregation needs of it, stored beside it; `None` leaves aggregates reading the text.
    pub digest: Option<Encoded>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubmissionSummary {
    pub id: String,
    pub org_id: String,
    pub framework: String,
    pub period: String,
    pub version: i64,
    pub profile: Option<String>,
    pub content_sha256: String,
    pub token_id: String,
    pub received_at: i64,
    pub client_version: Option<String>,
    pub server_version: String,
    /// A later version, not withdrawn, for the same organisation, framework and period exists.
    pub superseded: bool,
    /// When an administrator withdrew it (Unix milliseconds); never current once withdrawn.
    pub withdrawn_at: Option<i64>,
    /// Outcomes still needing review, and outcomes overridden, recorded at submission.
    pub unreviewed: i64,
    pub overridden: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub summary: SubmissionSummary,
    pub source: String,
    /// The server's score summary (JSON) at the time it was received.
    pub score_summary: String,
}

/// How a submission was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A new version; `supersedes` is the version it replaces as current, if any.
    New {
        summary: SubmissionSummary,
        supersedes: Option<String>,
    },
    /// The same content was already stored for this organisation; nothing was written.
    Duplicate(SubmissionSummary),
}

#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    pub org_id: Option<String>,
    pub framework: Option<String>,
    pub period: Option<String>,
    pub current_only: bool,
}

#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub token_id: &'a str,
    /// `None` for a request that did not authenticate.
    pub role: Option<Role>,
    pub action: &'a str,
    pub submission_id: Option<&'a str>,
    pub org_id: Option<&'a str>,
    pub detail: Option<String>,
    /// The client address of the request; `None` for `caf admin` on the database.
    pub client: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRecord {
    pub id: String,
    pub at: i64,
    pub token_id: String,
    pub role: String,
    pub action: String,
    pub submission_id: Option<String>,
    pub org_id: Option<String>,
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

const SUMMARY_COLUMNS: &str = "s.id, s.org_id, s.framework, s.period, s.version, s.profile, \
     s.content_sha256, s.token_id, s.received_at, s.client_version, s.server_version, \
     s.withdrawn_at, s.unreviewed, s.overridden, CAST(CASE WHEN EXISTS (SELECT 1 \
     FROM submissions n WHERE n.org_id = s.org_id AND n.framework = s.framework \
     AND n.period = s.period AND n.version > s.version AND n.withdrawn_at IS NULL) \
     THEN 1 ELSE 0 END AS BIGINT) AS superseded";

fn summary_from(row: &AnyRow) -> StoreResult<SubmissionSummary> {
    Ok(SubmissionSummary {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        framework: row.try_get("framework")?,
        period: row.try_get("period")?,
        version: row.try_get("version")?,
        profile: row.try_get("profile")?,
        content_sha256: row.try_get("content_sha256")?,
        token_id: row.try_get("token_id")?,
        received_at: row.try_get("received_at")?,
        client_version: row.try_get("client_version")?,
        server_version: row.try_get("server_version")?,
        superseded: row.try_get::<i64, _>("superseded")? != 0,
        withdrawn_at: row.try_get("withdrawn_at")?,
        unreviewed: row.try_get("unreviewed")?,
        overridden: row.try_get("overridden")?,
    })
}

/// `rows` read by `from`, keeping only those of the organisations in `orgs` (all when `None`).
fn of_organisations<T>(
    rows: &[AnyRow],
    from: impl Fn(&AnyRow) -> StoreResult<T>,
    org_of: impl Fn(&T) -> &str,
    orgs: Option<&[String]>,
) -> StoreResult<Vec<T>> {
    let mut out = rows.iter().map(from).collect::<StoreResult<Vec<_>>>()?;
    if let Some(orgs) = orgs {
        out.retain(|item| orgs.iter().any(|o| o == org_of(item)));
    }
    Ok(out)
}

fn org_from(row: &AnyRow) -> StoreResult<Organisation> {
    Ok(Organisation {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        sector: row.try_get("sector")?,
        region: row.try_get("region")?,
        parent: row.try_get("parent")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Opens (creating a SQLite file when missing) and migrates the database at `url` for a
    /// long-running server: a SQLite store also checkpoints its log in the background for as
    /// long as it is open.
    pub async fn open(url: &str) -> StoreResult<Store> {
        let store = Self::open_with(url, 16).await?;
        if let Some(queue) = &store.writer_queue {
            submit::start_checkpointer(
                store.pool.clone(),
                store.write_lock.clone(),
                store.checkpoint_lock.clone(),
                queue.downgrade(),
                submit::RESTART_FRAMES,
            );
        }
        Ok(store)
    }

    /// Opens the database for a short task such as a `caf admin` command, with at most
    /// `max_connections` connections and no background checkpoints (a running server does
    /// them; the last connection to close checkpoints the rest).
    pub async fn open_with(url: &str, max_connections: u32) -> StoreResult<Store> {
        Self::open_with_log_limit(url, max_connections, submit::HARD_LOG_BYTES).await
    }

    /// [`Store::open_with`], with the size past which a SQLite store's writer empties the
    /// write-ahead log itself (tests use a small one).
    async fn open_with_log_limit(
        url: &str,
        max_connections: u32,
        hard_log_bytes: u64,
    ) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = normalise_url(url)?;
        if backend == Backend::Sqlite {
            create_private_file(&url)?;
        }
        let options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(1)
            // A broken connection fails its query, which is reported; pinging before every
            // use would double the round trips of the common case.
            .test_before_acquire(false)
            .acquire_timeout(std::time::Duration::from_secs(10));
        let options = match backend {
            // PRAGMAs are per connection, so they are set on every new one.
            Backend::Sqlite => options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    sqlx::query("PRAGMA busy_timeout = 10000")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    // In WAL mode, NORMAL keeps every commit across a crash of the process
                    // (it may lose the last commits only on power loss) at a fraction of FULL's cost.
                    sqlx::query("PRAGMA synchronous = NORMAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA foreign_keys = ON")
                        .execute(&mut *conn)
                        .await?;
                    // Commits never checkpoint (copy the log into the database and fsync it,
                    // which stalled every writer behind it): a background task does.
                    sqlx::query("PRAGMA wal_autocheckpoint = 0")
                        .execute(&mut *conn)
                        .await?;
                    // Read pages through a shared mapping rather than copying them into each
                    // connection's own cache.
                    sqlx::query("PRAGMA mmap_size = 268435456")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        let pool = options
            .connect(&url)
            .await
            .map_err(|source| StoreError::Connect {
                url: redact_url(&url),
                source,
            })?;
        migrator(backend).run(&pool).await?;
        let write_lock = std::sync::Arc::new(tokio::sync::Mutex::new(()));
        let checkpoint_lock = std::sync::Arc::new(tokio::sync::Mutex::new(()));
        let writer_queue = (backend == Backend::Sqlite).then(|| {
            submit::start_writer(
                pool.clone(),
                write_lock.clone(),
                checkpoint_lock.clone(),
                hard_log_bytes,
            )
        });
        Ok(Store {
            pool,
            backend,
            write_lock,
            checkpoint_lock,
            writer_queue,
            quota: Quota::NONE,
        })
    }

    /// The same store, enforcing `quota` on every submission stored through it.
    pub fn with_quota(mut self, quota: Quota) -> Store {
        self.quota = quota;
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn writer(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_lock.lock().await),
            Backend::Postgres => None,
        }
    }

    // ----- organisations -----

    pub async fn add_organisation(&self, org: &Organisation) -> StoreResult<()> {
        check_identifier("organisation id", &org.id)?;
        for (what, value) in [
            ("sector", &org.sector),
            ("region", &org.region),
            ("parent", &org.parent),
        ] {
            if let Some(value) = value {
                check_free_text(what, value)?;
            }
        }
        if let Some(parent) = &org.parent {
            check_identifier("parent", parent)?;
        }
        check_free_text("name", &org.name)?;
        if org.name.trim().is_empty() {
            return Err(StoreError::Invalid(
                "an organisation needs a name".to_string(),
            ));
        }
        let _w = self.writer().await;
        let result = sqlx::query(
            "INSERT INTO organisations (id, name, sector, region, parent, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&org.id)
        .bind(&org.name)
        .bind(&org.sector)
        .bind(&org.region)
        .bind(&org.parent)
        .bind(org.created_at)
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Exists {
                what: "organisation",
                id: org.id.clone(),
            });
        }
        Ok(())
    }

    pub async fn organisation(&self, id: &str) -> StoreResult<Option<Organisation>> {
        let row = sqlx::query(
            "SELECT id, name, sector, region, parent, created_at FROM organisations WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(org_from).transpose()
    }

    pub async fn organisations(&self) -> StoreResult<Vec<Organisation>> {
        let rows = sqlx::query(
            "SELECT id, name, sector, region, parent, created_at FROM organisations ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(org_from).collect()
    }

    // ----- submissions -----

    pub async fn submission_summary(&self, id: &str) -> StoreResult<Option<SubmissionSummary>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} FROM submissions s WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(summary_from).transpose()
    }

    pub async fn submission(&self, id: &str) -> StoreResult<Option<Submission>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS}, s.source, s.summary FROM submissions s WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Submission {
                summary: summary_from(&row)?,
                source: row.try_get("source")?,
                score_summary: row.try_get("summary")?,
            })
        })
        .transpose()
    }

    /// Submissions matching `filter`, newest first.
    pub async fn submissions(
        &self,
        filter: &SubmissionFilter,
    ) -> StoreResult<Vec<SubmissionSummary>> {
        // Optional filters as `($n IS NULL OR col = $n)`, so the SQL text never varies with input.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} FROM submissions s \
             WHERE ($1 IS NULL OR s.org_id = $1) AND ($2 IS NULL OR s.framework = $2) \
             AND ($3 IS NULL OR s.period = $3) \
             ORDER BY s.received_at DESC, s.id"
        )))
        .bind(&filter.org_id)
        .bind(&filter.framework)
        .bind(&filter.period)
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(summary_from)
            .collect::<StoreResult<Vec<_>>>()?;
        if filter.current_only {
            out.retain(|s| !s.superseded && s.withdrawn_at.is_none());
        }
        Ok(out)
    }

    // ----- audit log -----

    pub async fn audit(&self, entry: AuditEntry<'_>) -> StoreResult<()> {
        let _w = self.writer().await;
        let mut conn = self.pool.acquire().await?;
        insert_audit(&mut conn, &entry).await
    }

    /// Marks a submission withdrawn (kept, never current again) and audits it, in one
    /// transaction. Withdrawing twice is refused, so the log records one withdrawal.
    pub async fn withdraw(
        &self,
        id: &str,
        reason: &str,
        by: AuditEntry<'_>,
    ) -> StoreResult<SubmissionSummary> {
        check_free_text("reason", reason)?;
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE submissions SET withdrawn_at = $1, withdrawn_by = $2, withdrawn_reason = $3 \
             WHERE id = $4 AND withdrawn_at IS NULL",
        )
        .bind(now_ms())
        .bind(by.token_id)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} FROM submissions s WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(summary) = row.as_ref().map(summary_from).transpose()? else {
            return Err(StoreError::NotFound {
                what: "submission",
                id: id.to_string(),
            });
        };
        if updated.rows_affected() == 0 {
            return Err(StoreError::Invalid(format!(
                "submission `{id}` is already withdrawn"
            )));
        }
        let entry = AuditEntry {
            action: "withdraw",
            submission_id: Some(id),
            org_id: Some(&summary.org_id),
            detail: Some(format!("reason: {reason}")),
            ..by
        };
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(summary)
    }

    pub async fn audit_log(&self) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, at, token_id, role, action, submission_id, org_id, detail, client_addr \
             FROM audit_log ORDER BY at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    token_id: row.try_get("token_id")?,
                    role: row.try_get("role")?,
                    action: row.try_get("action")?,
                    submission_id: row.try_get("submission_id")?,
                    org_id: row.try_get("org_id")?,
                    detail: row.try_get("detail")?,
                    client: row.try_get("client_addr")?,
                })
            })
            .collect()
    }
}

pub(crate) async fn insert_audit(
    conn: &mut sqlx::AnyConnection,
    entry: &AuditEntry<'_>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, token_id, role, action, submission_id, org_id, detail, \
         client_addr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(format!("a-{}", time_ordered_hex()))
    .bind(now_ms())
    .bind(entry.token_id)
    .bind(entry.role.map_or("none", Role::as_str))
    .bind(entry.action)
    .bind(entry.submission_id)
    .bind(entry.org_id)
    .bind(entry.detail.as_deref())
    .bind(entry.client)
    .execute(conn)
    .await?;
    Ok(())
}

/// Free text stored for people to read: no control characters, and a sane length.
fn check_free_text(what: &str, value: &str) -> StoreResult<()> {
    if value.len() > 512 || value.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "{what} must be at most 512 characters with no control characters"
        )));
    }
    Ok(())
}

/// Accepts `sqlite://PATH` (created when missing), `sqlite::memory:` and `postgres://...`.
fn normalise_url(url: &str) -> StoreResult<(Backend, String)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((Backend::Postgres, url.to_string()))
    } else if url.starts_with("sqlite:") {
        let mut url = url.to_string();
        if !url.contains(":memory:") && !url.contains("mode=") {
            url.push_str(if url.contains('?') { "&" } else { "?" });
            url.push_str("mode=rwc");
        }
        Ok((Backend::Sqlite, url))
    } else {
        Err(StoreError::BadUrl {
            url: redact_url(url),
        })
    }
}

/// Creates a SQLite database file readable by its owner only (0600) before SQLite opens it:
/// it holds every organisation's assessment. SQLite gives its `-wal` and `-shm` files the
/// database file's permissions. An existing file is left as it is.
fn create_private_file(url: &str) -> StoreResult<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Connect {
            url: redact_url(url),
            source: sqlx::Error::Io(source),
        }),
    }
}

/// A URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_as_rfc3339() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(1_709_210_096_789), "2024-02-29T12:34:56.789Z");
        assert_eq!(format_time(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_time(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(civil_date(1_709_210_096_789), (2024, 2, 29));
    }

    #[test]
    fn identifiers_refuse_paths_and_metacharacters() {
        for good in ["E07000901", "SE-COUNCILS-SOC", "org_1.a"] {
            assert!(valid_identifier(good), "{good}");
        }
        for bad in [
            "",
            "../etc",
            "a/b",
            "a..b",
            ".hidden",
            "x'; DROP TABLE t; --",
            "a b",
            "%2e%2e",
        ] {
            assert!(!valid_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://caf:secret@db/caf"),
            "postgres://caf:***@db/caf"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
