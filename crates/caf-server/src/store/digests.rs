//! Digests: what aggregation needs of each submission ([`caf_core::aggregate::stored`]), kept
//! beside it in `submission_digests` so that an aggregate streams a few hundred bytes per
//! submission instead of loading and re-scoring every text.
//!
//! A digest is written with its submission (`submit.rs`), and made again from the text when
//! the server starts for submissions that have none (stored before digests existed) or one of
//! a framework definition the server no longer has ([`Store::refresh_digests`]). Whatever is
//! still missing is read from its text by the aggregate itself, so figures never depend on
//! whether a digest was there.

use futures_util::{Stream, StreamExt, TryStreamExt};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{Backend, Organisation, Store, StoreError, StoreResult};
use caf_core::aggregate::stored::Encoded;

/// One submission as an aggregate reads it.
#[derive(Debug, Clone)]
pub struct DigestRow {
    pub submission_id: String,
    /// Empty when the assessment names none.
    pub period: String,
    /// As registered now (current submissions), or when the release was cut.
    pub organisation: Organisation,
    /// The stored digest's text; `None` when there is none (read the text instead).
    pub digest: Option<String>,
}

/// The current version of every organisation's submissions: not withdrawn, and no later
/// version that is not withdrawn.
macro_rules! current {
    () => {
        "SELECT s.id, s.org_id, s.period, o.name AS o_name, o.sector AS o_sector, \
         o.region AS o_region, o.parent AS o_parent, o.created_at AS o_created_at, d.digest \
         FROM submissions s JOIN organisations o ON o.id = s.org_id \
         LEFT JOIN submission_digests d ON d.submission_id = s.id \
         WHERE s.withdrawn_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM submissions n WHERE n.org_id = s.org_id \
         AND n.framework = s.framework AND n.period = s.period AND n.version > s.version \
         AND n.withdrawn_at IS NULL)"
    };
}
const CURRENT: &str = current!();

/// [`CURRENT`] of the organisations changed at or after a mark, for many changed
/// organisations. Never prepared: PostgreSQL plans a prepared statement for any mark, guessing
/// that a third of the organisations changed, and so scans every submission (56 ms at 20,000)
/// even when one did. Planned for its mark it is an index range (1.3 ms with planning), but
/// only once the tables have statistics: just after a bulk import, before autovacuum has
/// analysed them, it is a scan again (23 ms). For a few, [`ORGANISATION`] is an index lookup
/// whatever the plan and the statistics (0.2 ms each).
const CHANGED: &str = concat!(
    current!(),
    " AND s.org_id IN (SELECT c.org_id FROM aggregate_changes c WHERE c.seq >= $1)"
);

/// [`CURRENT`] of one organisation.
const ORGANISATION: &str = concat!(current!(), " AND s.org_id = $1");

/// A release's submissions, each with its organisation as registered when it was cut; the
/// release's period is each submission's (a release holds one period).
const RELEASE: &str = "SELECT m.submission_id AS id, m.org_id, r.period, m.name AS o_name, \
     m.sector AS o_sector, m.region AS o_region, m.parent AS o_parent, \
     o.created_at AS o_created_at, d.digest \
     FROM release_members m JOIN releases r ON r.id = m.release_id \
     JOIN organisations o ON o.id = m.org_id \
     LEFT JOIN submission_digests d ON d.submission_id = m.submission_id \
     WHERE m.release_id = $1";

fn digest_row(row: &AnyRow) -> StoreResult<DigestRow> {
    Ok(DigestRow {
        submission_id: row.try_get("id")?,
        period: row.try_get("period")?,
        organisation: Organisation {
            id: row.try_get("org_id")?,
            name: row.try_get("o_name")?,
            sector: row.try_get("o_sector")?,
            region: row.try_get("o_region")?,
            parent: row.try_get("o_parent")?,
            created_at: row.try_get("o_created_at")?,
        },
        digest: row.try_get("digest")?,
    })
}

/// Submissions whose digests are made again in one transaction at start-up.
const REFRESH_BATCH: usize = 256;

impl Store {
    /// Every organisation's current submissions, as they arrive from the database.
    pub fn current_digests(&self) -> impl Stream<Item = StoreResult<DigestRow>> + Send + '_ {
        sqlx::query(CURRENT)
            .fetch(&self.pool)
            .map(|row| digest_row(&row?))
    }

    /// Where the next look for changes starts: every change to current submissions that a
    /// read started after this call has not seen is at or after the mark
    /// (`migrations/0007_aggregate_changes.*.sql`). Taken before reading.
    pub async fn change_mark(&self) -> StoreResult<i64> {
        let query = match self.backend {
            Backend::Sqlite => "SELECT COALESCE(MAX(seq), 0) + 1 AS mark FROM aggregate_changes",
            Backend::Postgres => {
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS mark"
            }
        };
        let row = sqlx::query(query).fetch_one(&self.pool).await?;
        Ok(row.try_get("mark")?)
    }

    /// The organisations whose current submissions may have changed at or after `mark`.
    pub async fn changed_organisations(&self, mark: i64) -> StoreResult<Vec<String>> {
        // Not prepared, so that PostgreSQL plans it for this mark (an index range of the few
        // changed) rather than for any mark (a scan of every organisation's row, 3-10 ms).
        let rows = sqlx::query("SELECT org_id FROM aggregate_changes WHERE seq >= $1")
            .persistent(false)
            .bind(mark)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("org_id")?)).collect()
    }

    /// The current submissions of every organisation changed at or after `mark`, each
    /// organisation's complete.
    pub fn changed_digests(
        &self,
        mark: i64,
    ) -> impl Stream<Item = StoreResult<DigestRow>> + Send + '_ {
        sqlx::query(CHANGED)
            .persistent(false)
            .bind(mark)
            .fetch(&self.pool)
            .map(|row| digest_row(&row?))
    }

    /// The current submissions of each of `orgs`, each organisation's complete, one
    /// organisation at a time: for a few, an index lookup each whatever the plan (see `CHANGED`).
    pub fn organisations_digests<'a>(
        &'a self,
        orgs: &'a [String],
    ) -> impl Stream<Item = StoreResult<DigestRow>> + Send + 'a {
        futures_util::stream::iter(orgs).flat_map(move |org| {
            sqlx::query(ORGANISATION)
                .bind(org.as_str())
                .fetch(&self.pool)
                .map(|row| digest_row(&row?))
        })
    }

    /// A release's submissions, as they arrive from the database.
    pub fn release_digests<'a>(
        &'a self,
        release_id: &'a str,
    ) -> impl Stream<Item = StoreResult<DigestRow>> + Send + 'a {
        sqlx::query(RELEASE)
            .bind(release_id)
            .fetch(&self.pool)
            .map(|row| digest_row(&row?))
    }

    /// A submission's text alone.
    pub async fn submission_text(&self, id: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT source FROM submissions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("source")).transpose()?)
    }

    /// Makes the digest of every submission that has none, or one whose fingerprint
    /// `is_current` refuses, from its text with `make` (on the blocking pool); a text `make`
    /// cannot digest (no longer valid) is left without one. Returns how many were looked at.
    pub async fn refresh_digests<F>(
        &self,
        is_current: impl Fn(&str) -> bool,
        make: F,
    ) -> StoreResult<usize>
    where
        F: Fn(&str) -> Option<Encoded> + Send + Sync + 'static,
    {
        let stale: Vec<String> = sqlx::query(
            "SELECT s.id, d.fingerprint FROM submissions s \
             LEFT JOIN submission_digests d ON d.submission_id = s.id",
        )
        .fetch(&self.pool)
        .map_err(StoreError::from)
        .try_filter_map(|row| {
            let found = (|| {
                let fingerprint: Option<String> = row.try_get("fingerprint")?;
                let stale = fingerprint.is_none_or(|f| !is_current(&f));
                Ok::<_, StoreError>(stale.then(|| row.try_get("id")).transpose()?)
            })();
            std::future::ready(found)
        })
        .try_collect()
        .await?;
        let make = std::sync::Arc::new(make);
        for ids in stale.chunks(REFRESH_BATCH) {
            let mut texts = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(text) = self.submission_text(id).await? {
                    texts.push((id.clone(), text));
                }
            }
            let make = make.clone();
            let made = tokio::task::spawn_blocking(move || {
                (texts.into_iter())
                    .map(|(id, text)| (make(&text), id))
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| StoreError::Invalid(format!("making digests failed: {e}")))?;
            let _w = self.writer().await;
            let mut tx = self.pool.begin().await?;
            for (digest, id) in &made {
                match digest {
                    Some(digest) => upsert(&mut tx, id, digest).await?,
                    None => {
                        sqlx::query("DELETE FROM submission_digests WHERE submission_id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            tx.commit().await?;
        }
        Ok(stale.len())
    }
}

/// Stores `digest` as submission `id`'s, replacing any it had.
pub(super) async fn upsert(
    conn: &mut AnyConnection,
    id: &str,
    digest: &Encoded,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO submission_digests (submission_id, fingerprint, digest) VALUES ($1, $2, $3) \
         ON CONFLICT (submission_id) DO UPDATE SET fingerprint = excluded.fingerprint, \
         digest = excluded.digest",
    )
    .bind(id)
    .bind(&digest.fingerprint)
    .bind(&digest.text)
    .execute(conn)
    .await?;
    Ok(())
}
