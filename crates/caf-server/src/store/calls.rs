//! Data calls: the call versions, the audience fixed when a call is created, responses
//! (versioned per organisation, idempotent by key, each stored with its audit entry in one
//! transaction) and the contacts a chase list names.
//!
//! The store checks nothing about a call's content: the server has parsed the file and the
//! answers with caf-core before they get here.

use sqlx::{AnyConnection, Row};

use super::submit::{Done, Job};
use super::{
    AuditEntry, Backend, Store, StoreError, StoreResult, check_free_text, insert_audit, now_ms,
    time_ordered_hex,
};

/// A call as the server has validated it.
#[derive(Debug, Clone)]
pub struct NewCall {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub deadline: i64,
    pub source: String,
    pub content_sha256: String,
    /// The organisations it is addressed to (the server matched them).
    pub audience: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallSummary {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub deadline: i64,
    pub version: i64,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub audience: i64,
    pub responded: i64,
}

#[derive(Debug, Clone)]
pub struct CallRecord {
    pub summary: CallSummary,
    /// The current version's file.
    pub source: String,
}

/// An organisation's checked answers.
#[derive(Debug, Clone)]
pub struct NewResponse {
    pub call_id: String,
    pub org_id: String,
    pub call_version: i64,
    /// JSON object.
    pub answers: String,
    pub content_sha256: String,
    /// The client's key for this attempt; a retry with it stores nothing.
    pub idempotency_key: String,
}

/// How a response was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Responded {
    New {
        id: String,
        version: i64,
    },
    /// The same key was seen, or the answers equal the current version: nothing written.
    Duplicate {
        id: String,
        version: i64,
    },
}

/// An organisation's current response, with when it first answered.
#[derive(Debug, Clone)]
pub struct ResponseRow {
    pub org_id: String,
    pub version: i64,
    pub answers: String,
    pub first_at: i64,
    pub received_at: i64,
}

/// A stored response, with its place in its call's order of commits.
#[derive(Debug, Clone)]
pub struct ResponseChange {
    pub org_id: String,
    pub version: i64,
    pub answers: String,
    pub received_at: i64,
    pub seq: i64,
}

const CALL_COLUMNS: &str = "c.id, c.title, c.severity, c.deadline, c.version, c.created_at, c.closed_at, \
     (SELECT COUNT(*) FROM call_audience a WHERE a.call_id = c.id) AS audience, \
     (SELECT COUNT(DISTINCT r.org_id) FROM call_responses r WHERE r.call_id = c.id) AS responded";

fn summary_from(row: &sqlx::any::AnyRow) -> StoreResult<CallSummary> {
    Ok(CallSummary {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        severity: row.try_get("severity")?,
        deadline: row.try_get("deadline")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        closed_at: row.try_get("closed_at")?,
        audience: row.try_get("audience")?,
        responded: row.try_get("responded")?,
    })
}

/// Attempts at a response whose version another writer took first (PostgreSQL; SQLite
/// writers queue on the write lock).
const ATTEMPTS: u32 = 8;

/// The most versions one organisation may store for one call: answers change a few times as
/// an incident unfolds, never thousands.
pub const MAX_RESPONSE_VERSIONS: i64 = 1_000;

pub(super) fn unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

impl Store {
    /// Stores a new call, or a new version of an open one (its audience widened by the new
    /// one's), with its audit entry, in one transaction. The same content again is refused as
    /// existing.
    pub async fn create_call(
        &self,
        call: &NewCall,
        by: AuditEntry<'_>,
    ) -> StoreResult<CallSummary> {
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let existing = sqlx::query("SELECT version, closed_at FROM calls WHERE id = $1")
            .bind(&call.id)
            .fetch_optional(&mut *tx)
            .await?;
        let version = match existing {
            None => {
                sqlx::query(
                    "INSERT INTO calls (id, title, severity, deadline, version, created_at, token_id) \
                     VALUES ($1, $2, $3, $4, 1, $5, $6)",
                )
                .bind(&call.id)
                .bind(&call.title)
                .bind(&call.severity)
                .bind(call.deadline)
                .bind(now)
                .bind(by.token_id)
                .execute(&mut *tx)
                .await?;
                1
            }
            Some(row) => {
                let closed: Option<i64> = row.try_get("closed_at")?;
                if closed.is_some() {
                    return Err(StoreError::Invalid(format!(
                        "call `{}` is closed; give a new call a new id",
                        call.id
                    )));
                }
                let same = sqlx::query(
                    "SELECT 1 AS x FROM call_versions WHERE call_id = $1 AND content_sha256 = $2 \
                     AND version = (SELECT version FROM calls WHERE id = $1)",
                )
                .bind(&call.id)
                .bind(&call.content_sha256)
                .fetch_optional(&mut *tx)
                .await?;
                if same.is_some() {
                    return Err(StoreError::Exists {
                        what: "call with this content",
                        id: call.id.clone(),
                    });
                }
                let version = row.try_get::<i64, _>("version")? + 1;
                narrowing_refused(&mut tx, call, version).await?;
                sqlx::query("UPDATE calls SET title = $1, severity = $2, deadline = $3, version = $4 WHERE id = $5")
                    .bind(&call.title)
                    .bind(&call.severity)
                    .bind(call.deadline)
                    .bind(version)
                    .bind(&call.id)
                    .execute(&mut *tx)
                    .await?;
                version
            }
        };
        sqlx::query(
            "INSERT INTO call_versions (call_id, version, source, content_sha256, created_at, token_id) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&call.id)
        .bind(version)
        .bind(&call.source)
        .bind(&call.content_sha256)
        .bind(now)
        .bind(by.token_id)
        .execute(&mut *tx)
        .await?;
        for org in &call.audience {
            sqlx::query("INSERT INTO call_audience (call_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(&call.id)
                .bind(org)
                .execute(&mut *tx)
                .await?;
        }
        let entry = AuditEntry {
            action: "call-create",
            detail: Some(format!(
                "call {} version {version}: {} organisation(s) addressed, deadline {}",
                call.id,
                call.audience.len(),
                super::format_time(call.deadline)
            )),
            ..by
        };
        insert_audit(&mut tx, &entry).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CALL_COLUMNS} FROM calls c WHERE c.id = $1"
        )))
        .bind(&call.id)
        .fetch_one(&mut *tx)
        .await?;
        let summary = summary_from(&row)?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Closes an open call (no more responses), audited in the same transaction.
    pub async fn close_call(&self, id: &str, by: AuditEntry<'_>) -> StoreResult<CallSummary> {
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let updated =
            sqlx::query("UPDATE calls SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL")
                .bind(now_ms())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CALL_COLUMNS} FROM calls c WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        // Rolled back before the write lock is let go (see `submit::store_batch`).
        let Some(row) = row else {
            tx.rollback().await?;
            return Err(StoreError::NotFound {
                what: "call",
                id: id.to_string(),
            });
        };
        if updated.rows_affected() == 0 {
            tx.rollback().await?;
            return Err(StoreError::Invalid(format!(
                "call `{id}` is already closed"
            )));
        }
        insert_audit(
            &mut tx,
            &AuditEntry {
                action: "call-close",
                detail: Some(format!("call {id}")),
                ..by
            },
        )
        .await?;
        let summary = summary_from(&row)?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Calls, open ones first, then by deadline; only those addressed to `org` when given.
    pub async fn calls(&self, org: Option<&str>) -> StoreResult<Vec<CallSummary>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CALL_COLUMNS} FROM calls c WHERE ($1 IS NULL OR EXISTS \
             (SELECT 1 FROM call_audience a WHERE a.call_id = c.id AND a.org_id = $1)) \
             ORDER BY CASE WHEN c.closed_at IS NULL THEN 0 ELSE 1 END, c.deadline, c.id"
        )))
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from).collect()
    }

    /// A call and its current file.
    pub async fn call(&self, id: &str) -> StoreResult<Option<CallRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CALL_COLUMNS}, v.source FROM calls c JOIN call_versions v \
             ON v.call_id = c.id AND v.version = c.version WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(CallRecord {
                summary: summary_from(&row)?,
                source: row.try_get("source")?,
            })
        })
        .transpose()
    }

    /// A call's current version, whether it is closed, and its file: what answering needs,
    /// without the counts (which grow with the responses).
    pub async fn call_head(&self, id: &str) -> StoreResult<Option<(i64, Option<i64>, String)>> {
        let row = sqlx::query(
            "SELECT c.version, c.closed_at, v.source FROM calls c JOIN call_versions v \
             ON v.call_id = c.id AND v.version = c.version WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok((
                row.try_get("version")?,
                row.try_get("closed_at")?,
                row.try_get("source")?,
            ))
        })
        .transpose()
    }

    pub async fn is_addressed(&self, call_id: &str, org_id: &str) -> StoreResult<bool> {
        let row =
            sqlx::query("SELECT 1 AS x FROM call_audience WHERE call_id = $1 AND org_id = $2")
                .bind(call_id)
                .bind(org_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// Stores an organisation's answers as its next version, with the audit entry, in one
    /// transaction; a repeat (same key, or the current version's content) stores nothing. On
    /// SQLite the answer goes through the writer with whatever else arrived meanwhile (see
    /// `submit.rs`); a closed call is refused inside the transaction.
    pub async fn respond(
        &self,
        response: &NewResponse,
        by: AuditEntry<'_>,
    ) -> StoreResult<Responded> {
        let job = RespondJob {
            response: response.clone(),
            token_id: by.token_id.to_string(),
            role: by.role,
            client: by.client.map(str::to_string),
        };
        for _ in 0..ATTEMPTS {
            match self.store_job(Job::Respond(job.clone())).await {
                Ok(Done::Respond(responded)) => return Ok(responded),
                Ok(Done::Submit(_)) => unreachable!("an answer is stored as one"),
                Err(StoreError::Database(e))
                    if unique_violation(&e) && self.backend == Backend::Postgres =>
                {
                    continue;
                }
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Contended { attempts: ATTEMPTS })
    }

    /// A call and its current file, without the counts of its audience and responses (what
    /// the status computes itself).
    pub async fn call_uncounted(&self, id: &str) -> StoreResult<Option<CallRecord>> {
        let row = sqlx::query(
            "SELECT c.id, c.title, c.severity, c.deadline, c.version, c.created_at, c.closed_at, \
             CAST(0 AS BIGINT) AS audience, CAST(0 AS BIGINT) AS responded, v.source \
             FROM calls c JOIN call_versions v \
             ON v.call_id = c.id AND v.version = c.version WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(CallRecord {
                summary: summary_from(&row)?,
                source: row.try_get("source")?,
            })
        })
        .transpose()
    }

    /// How many times the contacts have changed (`migrations/0011_contact_changes.*.sql`).
    pub async fn contact_changes(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT seq FROM contact_changes WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("seq")?)
    }

    /// The organisations a call is addressed to, with their contacts.
    pub async fn call_members(
        &self,
        call_id: &str,
    ) -> StoreResult<Vec<(super::Organisation, Option<String>)>> {
        let rows = sqlx::query(
            "SELECT o.id, o.name, o.sector, o.region, o.parent, o.created_at, k.contact \
             FROM call_audience a JOIN organisations o ON o.id = a.org_id \
             LEFT JOIN organisation_contacts k ON k.org_id = o.id \
             WHERE a.call_id = $1 ORDER BY o.id",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((super::org_from(row)?, row.try_get("contact")?)))
            .collect()
    }

    /// Each organisation's current response to a call.
    pub async fn current_responses(&self, call_id: &str) -> StoreResult<Vec<ResponseRow>> {
        let rows = sqlx::query(
            "SELECT r.org_id, r.version, r.answers, r.received_at, f.first_at \
             FROM call_responses r JOIN (SELECT org_id, MAX(version) AS latest, \
             MIN(received_at) AS first_at FROM call_responses WHERE call_id = $1 GROUP BY org_id) f \
             ON f.org_id = r.org_id AND f.latest = r.version WHERE r.call_id = $1 ORDER BY r.org_id",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ResponseRow {
                    org_id: row.try_get("org_id")?,
                    version: row.try_get("version")?,
                    answers: row.try_get("answers")?,
                    first_at: row.try_get("first_at")?,
                    received_at: row.try_get("received_at")?,
                })
            })
            .collect()
    }

    /// The responses to a call stored after place `after` in its order of commits (every one
    /// for `after` below 0), in that order. A reader that has seen up to place N and asks for
    /// those after N misses none: places are taken in commit order (`respond_in`).
    pub async fn responses_since(
        &self,
        call_id: &str,
        after: i64,
    ) -> StoreResult<Vec<ResponseChange>> {
        let rows = sqlx::query(
            "SELECT org_id, version, answers, received_at, seq FROM call_responses \
             WHERE call_id = $1 AND seq > $2 ORDER BY seq, org_id, version",
        )
        .bind(call_id)
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ResponseChange {
                    org_id: row.try_get("org_id")?,
                    version: row.try_get("version")?,
                    answers: row.try_get("answers")?,
                    received_at: row.try_get("received_at")?,
                    seq: row.try_get("seq")?,
                })
            })
            .collect()
    }

    /// Records whom to chase at an organisation (`caf admin org contact`).
    pub async fn set_contact(&self, org_id: &str, contact: &str) -> StoreResult<()> {
        check_free_text("contact", contact)?;
        if self.organisation(org_id).await?.is_none() {
            return Err(StoreError::NotFound {
                what: "organisation",
                id: org_id.to_string(),
            });
        }
        let _w = self.writer().await;
        sqlx::query(
            "INSERT INTO organisation_contacts (org_id, contact, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id) DO UPDATE SET contact = $2, updated_at = $3",
        )
        .bind(org_id)
        .bind(contact)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// An answer waiting to be stored, with who sent it (owned: it waits in the writer's queue).
#[derive(Debug, Clone)]
pub(super) struct RespondJob {
    response: NewResponse,
    token_id: String,
    role: Option<super::Role>,
    client: Option<String>,
}

/// Stores one answer, in the caller's transaction: the duplicate checks, the call's counter
/// (which also refuses a call closed since the request was checked), the new version and its
/// audit entry.
pub(super) async fn respond_in(
    conn: &mut AnyConnection,
    job: &RespondJob,
) -> StoreResult<Responded> {
    let r = &job.response;
    let current = sqlx::query(
        "SELECT id, version, content_sha256, idempotency_key FROM call_responses \
         WHERE call_id = $1 AND org_id = $2 AND (idempotency_key = $3 OR version = \
         (SELECT MAX(version) FROM call_responses WHERE call_id = $1 AND org_id = $2)) \
         ORDER BY version",
    )
    .bind(&r.call_id)
    .bind(&r.org_id)
    .bind(&r.idempotency_key)
    .fetch_all(&mut *conn)
    .await?;
    let mut latest = 0;
    for row in &current {
        let id: String = row.try_get("id")?;
        let version: i64 = row.try_get("version")?;
        let key: String = row.try_get("idempotency_key")?;
        let sha: String = row.try_get("content_sha256")?;
        if key == r.idempotency_key {
            return Ok(Responded::Duplicate { id, version });
        }
        latest = latest.max(version);
        if sha == r.content_sha256 {
            return Ok(Responded::Duplicate { id, version });
        }
    }
    if latest >= MAX_RESPONSE_VERSIONS {
        return Err(StoreError::Invalid(format!(
            "this organisation has stored its {MAX_RESPONSE_VERSIONS} versions of answers to this call"
        )));
    }
    // The call's next place in its order of commits; on PostgreSQL the row stays locked until
    // this transaction ends, so a later place is never committed before an earlier one.
    let seq: i64 = sqlx::query(
        "UPDATE calls SET responses_seq = responses_seq + 1 WHERE id = $1 AND closed_at IS NULL \
         RETURNING responses_seq",
    )
    .bind(&r.call_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::Closed {
        what: "call",
        id: r.call_id.clone(),
    })?
    .try_get("responses_seq")?;
    let id = format!("cr-{}", time_ordered_hex());
    let version = latest + 1;
    sqlx::query(
        "INSERT INTO call_responses (id, call_id, org_id, version, call_version, answers, \
         content_sha256, idempotency_key, token_id, received_at, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(&r.call_id)
    .bind(&r.org_id)
    .bind(version)
    .bind(r.call_version)
    .bind(&r.answers)
    .bind(&r.content_sha256)
    .bind(&r.idempotency_key)
    .bind(&job.token_id)
    .bind(now_ms())
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    let entry = AuditEntry {
        token_id: &job.token_id,
        role: job.role,
        action: "call-respond",
        submission_id: None,
        org_id: Some(&r.org_id),
        detail: Some(format!(
            "call {} response version {version} ({id})",
            r.call_id
        )),
        client: job.client.as_deref(),
    };
    insert_audit(conn, &entry).await?;
    Ok(Responded::New { id, version })
}

/// Refuses a new version of a call that would no longer address an organisation the call is
/// addressed to: answers already given stay counted, and an organisation once asked stays
/// asked, so a new version may only widen its audience.
async fn narrowing_refused(
    conn: &mut AnyConnection,
    call: &NewCall,
    version: i64,
) -> StoreResult<()> {
    /// The most organisations the refusal names.
    const NAMED: usize = 5;
    let addressed: Vec<String> =
        sqlx::query_scalar("SELECT org_id FROM call_audience WHERE call_id = $1 ORDER BY org_id")
            .bind(&call.id)
            .fetch_all(&mut *conn)
            .await?;
    let new: std::collections::HashSet<&str> = call.audience.iter().map(String::as_str).collect();
    let dropped: Vec<&str> = addressed
        .iter()
        .map(String::as_str)
        .filter(|org| !new.contains(org))
        .collect();
    if dropped.is_empty() {
        return Ok(());
    }
    let more = dropped.len().saturating_sub(NAMED);
    Err(StoreError::Invalid(format!(
        "version {version} of call `{}` would no longer address {} organisation(s) it is \
         addressed to ({}{}): a new version of a call may only widen its audience; keep them \
         in its `audience`, or close it and send a new call with a new id",
        call.id,
        dropped.len(),
        dropped[..dropped.len().min(NAMED)].join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        },
    )))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::{Organisation, Role};
    use super::*;

    fn by() -> AuditEntry<'static> {
        AuditEntry {
            token_id: "t-test",
            role: Some(Role::Submitter),
            action: "call-respond",
            submission_id: None,
            org_id: None,
            detail: None,
            client: None,
        }
    }

    fn call(id: &str, audience: &[&str]) -> NewCall {
        NewCall {
            id: id.to_string(),
            title: id.to_string(),
            severity: "high".to_string(),
            deadline: now_ms() + 86_400_000,
            source: format!("id = \"{id}\""),
            content_sha256: format!("sha-{id}-{}", audience.len()),
            audience: audience.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn answer(call: &str, org: &str, content: &str, key: &str) -> NewResponse {
        NewResponse {
            call_id: call.to_string(),
            org_id: org.to_string(),
            call_version: 1,
            answers: format!("{{\"n\":\"{content}\"}}"),
            content_sha256: content.to_string(),
            idempotency_key: key.to_string(),
        }
    }

    async fn store_with(orgs: &[&str]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("caf.db").display());
        let store = Store::open(&url).await.unwrap();
        for org in orgs {
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
        (dir, store)
    }

    /// Many answers at once through the writer, grouped however it groups them: each gets its
    /// own version and audit entry, a retry with the same key (even in the same transaction)
    /// names the stored one, and the two that cannot be stored (an organisation nobody
    /// registered, a closed call) fail alone. Every stored answer has its own place in its
    /// call's order, and "the answers since" a place gives exactly the later ones.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_answers_are_grouped_without_mixing_outcomes() {
        let orgs = ["A", "B", "C", "D"];
        let (_dir, store) = store_with(&orgs).await;
        store.create_call(&call("open", &orgs), by()).await.unwrap();
        store.create_call(&call("shut", &orgs), by()).await.unwrap();
        store.close_call("shut", by()).await.unwrap();
        let mut jobs = Vec::new();
        for n in 0..20 {
            for org in orgs {
                // Each answer twice with the same key.
                for _ in 0..2 {
                    jobs.push(answer(
                        "open",
                        org,
                        &format!("{org}-{n}"),
                        &format!("k-{org}-{n}"),
                    ));
                }
            }
            if n == 10 {
                jobs.push(answer("open", "UNREGISTERED", "x", "k-x"));
                jobs.push(answer("shut", "A", "y", "k-y"));
            }
        }
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|r| {
                let store = store.clone();
                tokio::spawn(async move {
                    let outcome = store.respond(&r, by()).await;
                    (r, outcome)
                })
            })
            .collect();
        let mut versions: HashMap<String, Vec<i64>> = HashMap::new();
        let mut ids: HashMap<String, Vec<String>> = HashMap::new();
        let mut failures = Vec::new();
        let mut duplicates = 0;
        for handle in handles {
            let (r, outcome) = handle.await.unwrap();
            match outcome {
                Ok(Responded::New { id, version }) => {
                    versions.entry(r.org_id.clone()).or_default().push(version);
                    ids.entry(r.idempotency_key).or_default().push(id);
                }
                Ok(Responded::Duplicate { id, .. }) => {
                    duplicates += 1;
                    ids.entry(r.idempotency_key).or_default().push(id);
                }
                Err(error) => failures.push((r.idempotency_key, error)),
            }
        }
        failures.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert_eq!(failures[0].0, "k-x");
        assert!(
            matches!(&failures[1], (key, StoreError::Closed { id, .. }) if key == "k-y" && id == "shut"),
            "{failures:?}"
        );
        assert_eq!(duplicates, 80);
        for org in orgs {
            let mut got = versions.remove(org).unwrap();
            got.sort_unstable();
            assert_eq!(got, (1..=20).collect::<Vec<_>>(), "{org}");
        }
        for (key, seen) in &ids {
            assert!(seen.len() == 2 && seen[0] == seen[1], "{key}: {seen:?}");
        }
        let log = store.audit_log().await.unwrap();
        assert_eq!(
            log.iter().filter(|e| e.action == "call-respond").count(),
            80
        );

        let all = store.responses_since("open", -1).await.unwrap();
        let places: Vec<i64> = all.iter().map(|c| c.seq).collect();
        assert_eq!(places, (1..=80).collect::<Vec<_>>());
        let later = store.responses_since("open", 60).await.unwrap();
        assert_eq!(later.len(), 20);
        assert!(later.iter().all(|c| c.seq > 60));
        assert!(store.responses_since("shut", -1).await.unwrap().is_empty());
    }

    /// A new version may add organisations, never drop one.
    #[tokio::test]
    async fn a_new_version_may_only_widen_the_audience() {
        let (_dir, store) = store_with(&["A", "B", "C"]).await;
        store
            .create_call(&call("c", &["A", "B"]), by())
            .await
            .unwrap();
        let error = store
            .create_call(&call("c", &["A"]), by())
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, StoreError::Invalid(_))
                && message
                    .contains("version 2 of call `c` would no longer address 1 organisation(s)")
                && message.contains("(B)")
                && message.contains("may only widen its audience"),
            "{message}"
        );
        let widened = store
            .create_call(&call("c", &["A", "B", "C"]), by())
            .await
            .unwrap();
        assert_eq!((widened.version, widened.audience), (2, 3));
    }
}
