//! Releases: frozen, per-period snapshots of which submission of each organisation counts,
//! with the organisation's registered groups at the time; and the secret the published
//! figures' perturbation is keyed by. Service viewers see releases only (`docs/disclosure.md`).

use sqlx::Row;

use super::{
    AuditEntry, Store, StoreError, StoreResult, insert_audit, now_ms, random_hex, time_ordered_hex,
};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Release {
    pub id: String,
    pub period: String,
    pub cut_at: i64,
}

/// Bytes of the disclosure secret.
const SECRET_BYTES: usize = 32;

impl Store {
    /// Freezes the current submission of every organisation for `period` as that period's
    /// release, with its audit entry (`by`, the caller's, completed here), in one transaction.
    /// A period has one release, ever; withdrawn submissions are never in one.
    pub async fn cut_release(&self, period: &str, by: AuditEntry<'_>) -> StoreResult<Release> {
        let token_id = by.token_id;
        let _w = self.writer().await;
        let mut tx = self.pool.begin().await?;
        let existing = sqlx::query("SELECT id FROM releases WHERE period = $1")
            .bind(period)
            .fetch_optional(&mut *tx)
            .await?;
        if existing.is_some() {
            return Err(StoreError::Exists {
                what: "release for period",
                id: period.to_string(),
            });
        }
        let release = Release {
            id: format!("r-{}", time_ordered_hex()),
            period: period.to_string(),
            cut_at: now_ms(),
        };
        sqlx::query("INSERT INTO releases (id, period, cut_at, token_id) VALUES ($1, $2, $3, $4)")
            .bind(&release.id)
            .bind(period)
            .bind(release.cut_at)
            .bind(token_id)
            .execute(&mut *tx)
            .await?;
        let members = sqlx::query(
            "INSERT INTO release_members \
             (release_id, submission_id, org_id, name, sector, region, parent) \
             SELECT $1, s.id, o.id, o.name, o.sector, o.region, o.parent \
             FROM submissions s JOIN organisations o ON o.id = s.org_id \
             WHERE s.period = $2 AND s.withdrawn_at IS NULL AND NOT EXISTS (SELECT 1 \
             FROM submissions n WHERE n.org_id = s.org_id AND n.framework = s.framework \
             AND n.period = s.period AND n.version > s.version AND n.withdrawn_at IS NULL)",
        )
        .bind(&release.id)
        .bind(period)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        insert_audit(
            &mut tx,
            &AuditEntry {
                action: "release-cut",
                detail: Some(format!(
                    "release {} for period {period}: {members} submission(s)",
                    release.id
                )),
                ..by
            },
        )
        .await?;
        tx.commit().await?;
        Ok(release)
    }

    /// Every release, oldest period first.
    pub async fn releases(&self) -> StoreResult<Vec<Release>> {
        let rows = sqlx::query("SELECT id, period, cut_at FROM releases ORDER BY period, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Release {
                    id: row.try_get("id")?,
                    period: row.try_get("period")?,
                    cut_at: row.try_get("cut_at")?,
                })
            })
            .collect()
    }

    /// The disclosure secret, made on first use (concurrent first uses agree: one insert wins).
    pub async fn disclosure_secret(&self) -> StoreResult<Vec<u8>> {
        let read = || sqlx::query("SELECT secret FROM disclosure_secret WHERE id = 1");
        if let Some(row) = read().fetch_optional(&self.pool).await? {
            return decode(row.try_get("secret")?);
        }
        {
            let _w = self.writer().await;
            sqlx::query(
                "INSERT INTO disclosure_secret (id, secret, created_at) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(random_hex(SECRET_BYTES))
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        }
        let row = read().fetch_one(&self.pool).await?;
        decode(row.try_get("secret")?)
    }
}

/// The secret's text (hex) is used as it is: its 256 random bits are what matter.
fn decode(text: String) -> StoreResult<Vec<u8>> {
    if text.len() == SECRET_BYTES * 2 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.into_bytes())
    } else {
        Err(StoreError::Invalid(
            "the stored disclosure secret is damaged".to_string(),
        ))
    }
}
