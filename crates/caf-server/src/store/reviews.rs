//! Assurance reviews of stored submissions, and the organisations reviewer tokens are assigned
//! to.
//!
//! A review is of one submission (the one whose bytes its `assessment_sha256` names) and is
//! kept as every file received for it, each a revision. Its numbered `version` moves on only
//! when a finalised review is reopened: the next file received starts the next version. Every
//! change is stored with its audit entry in one transaction. The store checks nothing about a
//! review's content: the server has parsed it with caf-core against the submission first.

use sqlx::Row;

use super::calls::unique_violation;
use super::{
    AuditEntry, Backend, Organisation, Store, StoreError, StoreResult, insert_audit, now_ms,
    org_from, time_ordered_hex,
};

/// Where a review stands on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewStatus {
    ToDo,
    InProgress,
    Completed,
    Finalised,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::ToDo => "to-do",
            ReviewStatus::InProgress => "in-progress",
            ReviewStatus::Completed => "completed",
            ReviewStatus::Finalised => "finalised",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewStatus> {
        [
            ReviewStatus::ToDo,
            ReviewStatus::InProgress,
            ReviewStatus::Completed,
            ReviewStatus::Finalised,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A review file the server has checked against the submission it names.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub org_id: String,
    pub submission_id: String,
    /// independent or peer.
    pub kind: String,
    /// From the file: to-do, in-progress or completed (never finalised).
    pub status: ReviewStatus,
    pub source: String,
    pub content_sha256: String,
    /// Per outcome, the self-assessed status and the reviewer's decision (JSON).
    pub decisions: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReviewSummary {
    pub id: String,
    pub org_id: String,
    pub submission_id: String,
    pub kind: String,
    pub status: ReviewStatus,
    pub version: i64,
    /// The current revision: files received so far.
    pub revision: i64,
    /// The next file received starts version `version + 1`.
    pub reopened: bool,
    pub content_sha256: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub finalised_at: Option<i64>,
    pub finalised_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRecord {
    pub summary: ReviewSummary,
    pub source: String,
    pub decisions: String,
}

/// How a review file was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewStored {
    /// The first file for this submission.
    Created(ReviewSummary),
    /// A new revision of an existing review (of a new version when it had been reopened).
    Revised(ReviewSummary),
    /// These bytes were already stored for this review; nothing was written.
    Duplicate(ReviewSummary),
}

/// The organisation of a review, with its current decisions, for the review-against-self figures.
#[derive(Debug, Clone)]
pub struct GapRow {
    pub organisation: Organisation,
    pub status: ReviewStatus,
    pub decisions: String,
}

const ATTEMPTS: u32 = 8;

/// The most files one review keeps: a review is saved a few times a day, never thousands.
pub const MAX_REVISIONS: i64 = 1_000;

const REVIEW_COLUMNS: &str = "r.id, r.org_id, r.submission_id, r.kind, r.status, r.version, \
     r.reopened, r.created_at, r.updated_at, r.finalised_at, r.finalised_by, v.revision, \
     v.content_sha256";

/// The current revision of each review, joined to it.
const CURRENT_REVISION: &str = "JOIN review_versions v ON v.review_id = r.id AND v.revision = \
     (SELECT MAX(revision) FROM review_versions m WHERE m.review_id = r.id)";

fn summary_from(row: &sqlx::any::AnyRow) -> StoreResult<ReviewSummary> {
    let status: String = row.try_get("status")?;
    Ok(ReviewSummary {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        submission_id: row.try_get("submission_id")?,
        kind: row.try_get("kind")?,
        status: ReviewStatus::parse(&status)
            .ok_or_else(|| StoreError::Invalid(format!("unknown review status `{status}`")))?,
        version: row.try_get("version")?,
        revision: row.try_get("revision")?,
        reopened: row.try_get::<i64, _>("reopened")? != 0,
        content_sha256: row.try_get("content_sha256")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        finalised_at: row.try_get("finalised_at")?,
        finalised_by: row.try_get("finalised_by")?,
    })
}

impl Store {
    // ----- reviewer assignments -----

    /// Assigns a reviewer token to an organisation, audited in the same transaction; assigning
    /// twice is not an error (and records nothing new).
    pub async fn assign_reviewer(
        &self,
        token_id: &str,
        org_id: &str,
        by: AuditEntry<'_>,
    ) -> StoreResult<bool> {
        self.check_reviewer_token(token_id).await?;
        if self.organisation(org_id).await?.is_none() {
            return Err(StoreError::NotFound {
                what: "organisation",
                id: org_id.to_string(),
            });
        }
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO reviewer_assignments (token_id, org_id, assigned_at, assigned_by) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(token_id)
        .bind(org_id)
        .bind(now_ms())
        .bind(by.token_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if inserted {
            let entry = AuditEntry {
                action: "reviewer-assign",
                org_id: Some(org_id),
                detail: Some(format!("token {token_id}")),
                ..by
            };
            insert_audit(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Ends an assignment, audited in the same transaction; an assignment that does not exist
    /// is not found.
    pub async fn unassign_reviewer(
        &self,
        token_id: &str,
        org_id: &str,
        by: AuditEntry<'_>,
    ) -> StoreResult<()> {
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let deleted =
            sqlx::query("DELETE FROM reviewer_assignments WHERE token_id = $1 AND org_id = $2")
                .bind(token_id)
                .bind(org_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound {
                what: "assignment of token",
                id: format!("{token_id}` to `{org_id}"),
            });
        }
        let entry = AuditEntry {
            action: "reviewer-unassign",
            org_id: Some(org_id),
            detail: Some(format!("token {token_id}")),
            ..by
        };
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn check_reviewer_token(&self, token_id: &str) -> StoreResult<()> {
        let row = sqlx::query("SELECT role FROM tokens WHERE id = $1")
            .bind(token_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Err(StoreError::NotFound {
                what: "token",
                id: token_id.to_string(),
            }),
            Some(row) if row.try_get::<String, _>("role")? != "reviewer" => {
                Err(StoreError::Invalid(format!(
                    "token `{token_id}` is not a reviewer token; only reviewers are assigned to organisations"
                )))
            }
            Some(_) => Ok(()),
        }
    }

    /// The organisations a reviewer token is assigned to, by id.
    pub async fn assigned_organisations(&self, token_id: &str) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT org_id FROM reviewer_assignments WHERE token_id = $1 ORDER BY org_id",
        )
        .bind(token_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok(row.try_get("org_id")?)).collect()
    }

    pub async fn is_assigned(&self, token_id: &str, org_id: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM reviewer_assignments WHERE token_id = $1 AND org_id = $2",
        )
        .bind(token_id)
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// The submissions (id, organisation) whose bytes have this SHA-256, across organisations.
    pub async fn submissions_with_content(
        &self,
        content_sha256: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT id, org_id FROM submissions WHERE content_sha256 = $1 ORDER BY org_id",
        )
        .bind(content_sha256)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("org_id")?)))
            .collect()
    }

    // ----- reviews -----

    /// Stores a review file for its submission with the audit entry, in one transaction: the
    /// first file creates the review; later ones are revisions (of the next version once it
    /// has been reopened); bytes already stored for it store nothing; a finalised review is
    /// refused until it is reopened.
    pub async fn submit_review(
        &self,
        review: &NewReview,
        by: AuditEntry<'_>,
    ) -> StoreResult<ReviewStored> {
        for _ in 0..ATTEMPTS {
            match self.try_submit_review(review, &by).await {
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

    async fn try_submit_review(
        &self,
        r: &NewReview,
        by: &AuditEntry<'_>,
    ) -> StoreResult<ReviewStored> {
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews r {CURRENT_REVISION} WHERE r.submission_id = $1"
        )))
        .bind(&r.submission_id)
        .fetch_optional(&mut *tx)
        .await?;
        let existing = existing.as_ref().map(summary_from).transpose()?;
        let (id, revision, version, created) = match &existing {
            None => {
                let id = format!("r-{}", time_ordered_hex());
                sqlx::query(
                    "INSERT INTO reviews (id, org_id, submission_id, kind, status, version, \
                     reopened, created_at, updated_at, finalised_at, finalised_by) \
                     VALUES ($1, $2, $3, $4, $5, 1, 0, $6, $6, NULL, NULL)",
                )
                .bind(&id)
                .bind(&r.org_id)
                .bind(&r.submission_id)
                .bind(&r.kind)
                .bind(r.status.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                (id, 1, 1, true)
            }
            Some(current) => {
                let same = sqlx::query(
                    "SELECT revision FROM review_versions WHERE review_id = $1 AND content_sha256 = $2",
                )
                .bind(&current.id)
                .bind(&r.content_sha256)
                .fetch_optional(&mut *tx)
                .await?;
                if same.is_some() {
                    return Ok(ReviewStored::Duplicate(current.clone()));
                }
                if current.status == ReviewStatus::Finalised {
                    return Err(StoreError::Invalid(format!(
                        "review `{}` is finalised (version {}); reopen it before sending changes",
                        current.id, current.version
                    )));
                }
                if current.revision >= MAX_REVISIONS {
                    return Err(StoreError::Invalid(format!(
                        "review `{}` has stored its {MAX_REVISIONS} revisions",
                        current.id
                    )));
                }
                let version = current.version + i64::from(current.reopened);
                let updated = sqlx::query(
                    "UPDATE reviews SET kind = $1, status = $2, version = $3, reopened = 0, \
                     updated_at = $4 WHERE id = $5 AND status = $6 AND version = $7 \
                     AND reopened = $8",
                )
                .bind(&r.kind)
                .bind(r.status.as_str())
                .bind(version)
                .bind(now)
                .bind(&current.id)
                .bind(current.status.as_str())
                .bind(current.version)
                .bind(i64::from(current.reopened))
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() != 1 {
                    // Finalised, reopened or revised by someone else meanwhile: read again.
                    return Err(StoreError::Contended { attempts: 1 });
                }
                (current.id.clone(), current.revision + 1, version, false)
            }
        };
        sqlx::query(
            "INSERT INTO review_versions (review_id, revision, version, status, source, \
             content_sha256, decisions, token_id, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(revision)
        .bind(version)
        .bind(r.status.as_str())
        .bind(&r.source)
        .bind(&r.content_sha256)
        .bind(&r.decisions)
        .bind(by.token_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let entry = AuditEntry {
            action: "review-submit",
            submission_id: Some(&r.submission_id),
            org_id: Some(&r.org_id),
            detail: Some(format!(
                "review {id} version {version} revision {revision}, {}",
                r.status.as_str()
            )),
            ..by.clone()
        };
        insert_audit(&mut tx, &entry).await?;
        let summary = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews r {CURRENT_REVISION} WHERE r.id = $1"
        )))
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
        let summary = summary_from(&summary)?;
        tx.commit().await?;
        Ok(if created {
            ReviewStored::Created(summary)
        } else {
            ReviewStored::Revised(summary)
        })
    }

    /// Finalises a completed review (locking it), audited in the same transaction.
    pub async fn finalise_review(
        &self,
        id: &str,
        by: AuditEntry<'_>,
    ) -> StoreResult<ReviewSummary> {
        self.move_review(id, by, "review-finalise", |s| {
            if s.status == ReviewStatus::Completed {
                Ok(())
            } else {
                Err(format!(
                    "review `{id}` is {}; only a completed review is finalised (send the file with status = \"completed\" first)",
                    s.status.as_str()
                ))
            }
        })
        .await
    }

    /// Reopens a finalised review: it is in progress again, and the next file received starts
    /// the next numbered version. Audited in the same transaction.
    pub async fn reopen_review(&self, id: &str, by: AuditEntry<'_>) -> StoreResult<ReviewSummary> {
        self.move_review(id, by, "review-reopen", |s| {
            if s.status == ReviewStatus::Finalised {
                Ok(())
            } else {
                Err(format!(
                    "review `{id}` is {}; only a finalised review is reopened",
                    s.status.as_str()
                ))
            }
        })
        .await
    }

    async fn move_review(
        &self,
        id: &str,
        by: AuditEntry<'_>,
        action: &'static str,
        allowed: impl Fn(&ReviewSummary) -> Result<(), String>,
    ) -> StoreResult<ReviewSummary> {
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews r {CURRENT_REVISION} WHERE r.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(current) = row.as_ref().map(summary_from).transpose()? else {
            return Err(StoreError::NotFound {
                what: "review",
                id: id.to_string(),
            });
        };
        allowed(&current).map_err(StoreError::Invalid)?;
        let now = now_ms();
        let finalising = action == "review-finalise";
        let updated = if finalising {
            sqlx::query(
                "UPDATE reviews SET status = 'finalised', finalised_at = $1, finalised_by = $2, \
                 updated_at = $1 WHERE id = $3 AND status = 'completed'",
            )
            .bind(now)
            .bind(by.token_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query(
                "UPDATE reviews SET status = 'in-progress', reopened = 1, updated_at = $1 \
                 WHERE id = $2 AND status = 'finalised'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
        };
        if updated.rows_affected() != 1 {
            return Err(StoreError::Invalid(format!(
                "review `{id}` changed meanwhile; read it again"
            )));
        }
        let entry = AuditEntry {
            action,
            submission_id: Some(&current.submission_id),
            org_id: Some(&current.org_id),
            detail: Some(format!("review {id} version {}", current.version)),
            ..by
        };
        insert_audit(&mut tx, &entry).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews r {CURRENT_REVISION} WHERE r.id = $1"
        )))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let summary = summary_from(&row)?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Reviews of the organisations in `orgs` (all when `None`), newest first.
    pub async fn reviews(&self, orgs: Option<&[String]>) -> StoreResult<Vec<ReviewSummary>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews r {CURRENT_REVISION} \
             ORDER BY r.updated_at DESC, r.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        super::of_organisations(&rows, summary_from, |r| &r.org_id, orgs)
    }

    /// A review with its current file.
    pub async fn review(&self, id: &str) -> StoreResult<Option<ReviewRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REVIEW_COLUMNS}, v.source, v.decisions FROM reviews r {CURRENT_REVISION} \
             WHERE r.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(ReviewRecord {
                summary: summary_from(&row)?,
                source: row.try_get("source")?,
                decisions: row.try_get("decisions")?,
            })
        })
        .transpose()
    }

    /// One review per organisation for the review-against-self figures: its most recently
    /// finalised review, or when none is finalised its most recently changed one.
    pub async fn gap_rows(&self) -> StoreResult<Vec<GapRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT r.status, v.decisions, o.id, o.name, o.sector, o.region, \
             o.parent, o.created_at FROM reviews r {CURRENT_REVISION} \
             JOIN organisations o ON o.id = r.org_id ORDER BY o.id, r.updated_at DESC, r.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut chosen: Vec<GapRow> = Vec::new();
        for row in &rows {
            let status: String = row.try_get("status")?;
            let status = ReviewStatus::parse(&status)
                .ok_or_else(|| StoreError::Invalid(format!("unknown review status `{status}`")))?;
            let organisation = org_from(row)?;
            let candidate = GapRow {
                organisation,
                status,
                decisions: row.try_get("decisions")?,
            };
            match chosen.last_mut() {
                Some(last) if last.organisation.id == candidate.organisation.id => {
                    // Rows come newest first: a finalised one replaces a newer unfinalised one.
                    if last.status != ReviewStatus::Finalised
                        && candidate.status == ReviewStatus::Finalised
                    {
                        *last = candidate;
                    }
                }
                _ => chosen.push(candidate),
            }
        }
        Ok(chosen)
    }
}
