//! Targeted Improvement Plans (TIPs): an organisation's plan made from one of its stored
//! reviews, kept as every file received for it, each a numbered version.
//!
//! The store checks nothing about a plan's content: the server has read it with caf-core
//! against the finalised review it names first, and hands over the text with its digest (the
//! counts progress across organisations needs). Every change is stored with its audit entry in
//! one transaction.

use sqlx::Row;

use super::calls::unique_violation;
use super::{AuditEntry, Backend, Store, StoreError, StoreResult, insert_audit, now_ms};

/// A TIP file the server has checked against the review it was made from.
#[derive(Debug, Clone)]
pub struct NewTip {
    pub org_id: String,
    pub review_id: String,
    /// The review file's SHA-256 as the plan names it, and the review's revision it matched.
    pub review_sha256: String,
    pub review_revision: i64,
    pub source: String,
    pub content_sha256: String,
    pub approved: bool,
    /// `caf_core::tip::Digest`, as JSON.
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TipSummary {
    pub id: String,
    pub org_id: String,
    pub review_id: String,
    /// The current version: files received so far.
    pub version: i64,
    pub content_sha256: String,
    pub review_sha256: String,
    pub review_revision: i64,
    pub approved: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TipRecord {
    pub summary: TipSummary,
    pub source: String,
    pub digest: String,
}

/// How a TIP file was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TipStored {
    /// The first plan for this review.
    Created(TipSummary),
    /// A new version of the plan.
    Revised(TipSummary),
    /// The current version has these bytes already; nothing was written.
    Duplicate(TipSummary),
}

/// The most versions one plan keeps: it is updated as actions move on, weekly at most.
pub const MAX_TIP_VERSIONS: i64 = 1_000;

const ATTEMPTS: u32 = 8;

const TIP_COLUMNS: &str = "t.id, t.org_id, t.review_id, t.version, t.created_at, t.updated_at, \
     v.content_sha256, v.review_sha256, v.review_revision, v.approved";

const CURRENT_VERSION: &str = "JOIN tip_versions v ON v.tip_id = t.id AND v.version = t.version";

fn summary_from(row: &sqlx::any::AnyRow) -> StoreResult<TipSummary> {
    Ok(TipSummary {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        review_id: row.try_get("review_id")?,
        version: row.try_get("version")?,
        content_sha256: row.try_get("content_sha256")?,
        review_sha256: row.try_get("review_sha256")?,
        review_revision: row.try_get("review_revision")?,
        approved: row.try_get::<i64, _>("approved")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Stores a TIP file with the audit entry, in one transaction: the first file for a review
    /// creates the plan, later ones are its next versions, and the bytes of the current
    /// version store nothing (a retried submission is answered with what is stored).
    pub async fn submit_tip(&self, tip: &NewTip, by: AuditEntry<'_>) -> StoreResult<TipStored> {
        for _ in 0..ATTEMPTS {
            match self.try_submit_tip(tip, &by).await {
                Err(StoreError::Database(e))
                    if unique_violation(&e) && self.backend == Backend::Postgres =>
                {
                    continue;
                }
                Err(StoreError::Contended { .. }) => continue,
                other => return other,
            }
        }
        Err(StoreError::Contended { attempts: ATTEMPTS })
    }

    async fn try_submit_tip(&self, t: &NewTip, by: &AuditEntry<'_>) -> StoreResult<TipStored> {
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TIP_COLUMNS} FROM tips t {CURRENT_VERSION} WHERE t.review_id = $1"
        )))
        .bind(&t.review_id)
        .fetch_optional(&mut *tx)
        .await?;
        let existing = existing.as_ref().map(summary_from).transpose()?;
        let (id, version, created) = match &existing {
            None => {
                let id = format!("t-{}", super::time_ordered_hex());
                sqlx::query(
                    "INSERT INTO tips (id, org_id, review_id, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, 1, $4, $4)",
                )
                .bind(&id)
                .bind(&t.org_id)
                .bind(&t.review_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                (id, 1, true)
            }
            Some(current) => {
                if current.content_sha256 == t.content_sha256 {
                    return Ok(TipStored::Duplicate(current.clone()));
                }
                if current.version >= MAX_TIP_VERSIONS {
                    return Err(StoreError::Invalid(format!(
                        "plan `{}` has stored its {MAX_TIP_VERSIONS} versions",
                        current.id
                    )));
                }
                let updated = sqlx::query(
                    "UPDATE tips SET version = $1, updated_at = $2 WHERE id = $3 AND version = $4",
                )
                .bind(current.version + 1)
                .bind(now)
                .bind(&current.id)
                .bind(current.version)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() != 1 {
                    // Another file for this plan was stored meanwhile: read again.
                    return Err(StoreError::Contended { attempts: 1 });
                }
                (current.id.clone(), current.version + 1, false)
            }
        };
        sqlx::query(
            "INSERT INTO tip_versions (tip_id, version, source, content_sha256, review_sha256, \
             review_revision, approved, digest, token_id, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(version)
        .bind(&t.source)
        .bind(&t.content_sha256)
        .bind(&t.review_sha256)
        .bind(t.review_revision)
        .bind(i64::from(t.approved))
        .bind(&t.digest)
        .bind(by.token_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let entry = AuditEntry {
            action: "tip-submit",
            org_id: Some(&t.org_id),
            detail: Some(format!(
                "plan {id} version {version} of review {} revision {}{}",
                t.review_id,
                t.review_revision,
                if t.approved { ", approved" } else { "" }
            )),
            ..by.clone()
        };
        insert_audit(&mut tx, &entry).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TIP_COLUMNS} FROM tips t {CURRENT_VERSION} WHERE t.id = $1"
        )))
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
        let summary = summary_from(&row)?;
        tx.commit().await?;
        Ok(if created {
            TipStored::Created(summary)
        } else {
            TipStored::Revised(summary)
        })
    }

    /// The plans of the organisations in `orgs` (all when `None`), most recently changed first.
    pub async fn tips(&self, orgs: Option<&[String]>) -> StoreResult<Vec<TipSummary>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TIP_COLUMNS} FROM tips t {CURRENT_VERSION} ORDER BY t.updated_at DESC, t.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        super::of_organisations(&rows, summary_from, |t| &t.org_id, orgs)
    }

    /// A plan with its current file and digest.
    pub async fn tip(&self, id: &str) -> StoreResult<Option<TipRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TIP_COLUMNS}, v.source, v.digest FROM tips t {CURRENT_VERSION} \
             WHERE t.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(TipRecord {
                summary: summary_from(&row)?,
                source: row.try_get("source")?,
                digest: row.try_get("digest")?,
            })
        })
        .transpose()
    }

    /// Per organisation with a plan, the digest of its current plan: the most recently
    /// received file among its plans (an organisation reviewed twice has a plan per review;
    /// the newest describes where it now stands). Pairs of (organisation id, digest JSON).
    pub async fn current_tip_digests(&self) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT t.org_id, v.digest FROM tips t {CURRENT_VERSION} \
             ORDER BY t.org_id, t.updated_at DESC, t.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(String, String)> = Vec::new();
        for row in &rows {
            let org: String = row.try_get("org_id")?;
            if out.last().is_some_and(|(last, _)| *last == org) {
                continue;
            }
            out.push((org, row.try_get("digest")?));
        }
        Ok(out)
    }
}
