//! Access tokens: who may do what.
//!
//! A token reads `caf_<id>_<secret>`: the id (64 random bits, not secret) names the row and is
//! what `caf admin token revoke` and the audit log use; the secret is 256 random bits that are
//! shown once and stored only as their SHA-256. A presented token is looked up by id and its
//! secret's hash compared in constant time, so neither the lookup nor the comparison leaks how
//! much of a guess was right.

use sha2::{Digest, Sha256};
use sqlx::Row;
use subtle::ConstantTimeEq;

use super::{Store, StoreError, StoreResult, check_identifier, hex, now_ms, random_hex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Submits and reads its own organisation's submissions.
    Submitter,
    /// Reads aggregates for one sector or parent body; never an individual submission.
    Viewer,
    /// Reads every aggregate and, audit-logged, individual submissions.
    Analyst,
    /// Manages organisations and tokens.
    Admin,
    /// Reads the current submissions of the organisations it is assigned to, and reviews them.
    Reviewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Submitter => "submitter",
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "submitter" => Some(Role::Submitter),
            "viewer" => Some(Role::Viewer),
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            "reviewer" => Some(Role::Reviewer),
            _ => None,
        }
    }
}

/// What a token is limited to, beyond its role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "id")]
pub enum TokenScope {
    /// Analysts and admins.
    All,
    /// A submitter's organisation.
    Organisation(String),
    /// A viewer's sector.
    Sector(String),
    /// A viewer's parent body.
    Parent(String),
    /// A reviewer's: the organisations an administrator has assigned it to.
    Assigned,
}

impl std::fmt::Display for TokenScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenScope::All => write!(f, "all"),
            TokenScope::Organisation(o) => write!(f, "organisation {o}"),
            TokenScope::Sector(s) => write!(f, "sector {s}"),
            TokenScope::Parent(p) => write!(f, "parent {p}"),
            TokenScope::Assigned => write!(f, "assigned organisations"),
        }
    }
}

/// What the audit entry of a new token records: its id, role, scope and expiry, never the
/// secret.
pub fn token_detail(id: &str, spec: &TokenSpec) -> String {
    format!(
        "token {id}: {} for {}, expires {}",
        spec.role.as_str(),
        spec.scope,
        spec.expires_at
            .map_or("never".to_string(), super::format_time)
    )
}

/// What `caf admin token create` asks for.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    pub role: Role,
    pub scope: TokenScope,
    /// Unix milliseconds; `None` never expires.
    pub expires_at: Option<i64>,
}

/// A new token: the only time its secret exists outside the hands of its holder.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub id: String,
    pub token: String,
    pub expires_at: Option<i64>,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    pub role: Role,
    pub scope: TokenScope,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRecord {
    pub id: String,
    pub role: Role,
    pub scope: TokenScope,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Why a presented token was refused. Malformed, unknown and wrong tokens are one case, so a
/// caller learns nothing from the difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    Invalid,
    Expired,
    Revoked,
}

fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// The id part of a presented token that has a token's shape, for the audit log of a refused
/// one (the secret is never recorded).
pub fn presented_id(token: &str) -> Option<&str> {
    parse_token(token).map(|(id, _)| id)
}

/// Splits `caf_<16 hex>_<64 hex>`.
fn parse_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("caf_")?;
    let (id, secret) = rest.split_once('_')?;
    let hex_of = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_of(id, 16) && hex_of(secret, 64)).then_some((id, secret))
}

fn scope_columns(scope: &TokenScope) -> (Option<&str>, Option<&str>, Option<&str>) {
    match scope {
        TokenScope::All | TokenScope::Assigned => (None, None, None),
        TokenScope::Organisation(org) => (Some(org), None, None),
        TokenScope::Sector(sector) => (None, Some(sector), None),
        TokenScope::Parent(parent) => (None, None, Some(parent)),
    }
}

fn scope_from(
    role: Role,
    org: Option<String>,
    sector: Option<String>,
    parent: Option<String>,
) -> StoreResult<TokenScope> {
    Ok(match (org, sector, parent) {
        (None, None, None) if role == Role::Reviewer => TokenScope::Assigned,
        (None, None, None) => TokenScope::All,
        (Some(org), None, None) => TokenScope::Organisation(org),
        (None, Some(sector), None) => TokenScope::Sector(sector),
        (None, None, Some(parent)) => TokenScope::Parent(parent),
        _ => {
            return Err(StoreError::Invalid(
                "a token row has more than one scope".to_string(),
            ));
        }
    })
}

impl Store {
    pub async fn create_token(&self, spec: &TokenSpec) -> StoreResult<IssuedToken> {
        match (spec.role, &spec.scope) {
            (Role::Submitter, TokenScope::Organisation(org)) => {
                if self.organisation(org).await?.is_none() {
                    return Err(StoreError::NotFound {
                        what: "organisation",
                        id: org.clone(),
                    });
                }
            }
            (Role::Viewer, TokenScope::Sector(s) | TokenScope::Parent(s)) => {
                check_identifier("sector or parent", s)?;
            }
            (Role::Analyst | Role::Admin, TokenScope::All)
            | (Role::Reviewer, TokenScope::Assigned) => {}
            (Role::Reviewer, _) => {
                return Err(StoreError::Invalid(
                    "a reviewer token is scoped by assignment: create it, then assign it to organisations".to_string(),
                ));
            }
            (Role::Submitter, _) => {
                return Err(StoreError::Invalid(
                    "a submitter token needs an organisation (and no sector or parent)".to_string(),
                ));
            }
            (Role::Viewer, _) => {
                return Err(StoreError::Invalid(
                    "a viewer token needs a sector or a parent organisation".to_string(),
                ));
            }
            (role, _) => {
                return Err(StoreError::Invalid(format!(
                    "an {} token covers everything; give it no organisation, sector or parent",
                    role.as_str()
                )));
            }
        }
        let id = random_hex(8);
        let secret = random_hex(32);
        let (org, sector, parent) = scope_columns(&spec.scope);
        let _w = self.writer().await;
        sqlx::query(
            "INSERT INTO tokens (id, secret_sha256, role, org_id, scope_sector, scope_parent, \
             created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
        )
        .bind(&id)
        .bind(sha256_hex(&secret))
        .bind(spec.role.as_str())
        .bind(org)
        .bind(sector)
        .bind(parent)
        .bind(now_ms())
        .bind(spec.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(IssuedToken {
            token: format!("caf_{id}_{secret}"),
            id,
            expires_at: spec.expires_at,
        })
    }

    /// Revokes a token by id; revoking twice is not an error, an unknown id is.
    pub async fn revoke_token(&self, id: &str) -> StoreResult<()> {
        let _w = self.writer().await;
        let found = sqlx::query("SELECT id FROM tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        if found.is_none() {
            return Err(StoreError::NotFound {
                what: "token",
                id: id.to_string(),
            });
        }
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn tokens(&self) -> StoreResult<Vec<TokenRecord>> {
        let rows = sqlx::query(
            "SELECT id, role, org_id, scope_sector, scope_parent, created_at, expires_at, revoked_at \
             FROM tokens ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                let role = Role::parse(&role)
                    .ok_or_else(|| StoreError::Invalid(format!("unknown role `{role}`")))?;
                Ok(TokenRecord {
                    id: row.try_get("id")?,
                    role,
                    scope: scope_from(
                        role,
                        row.try_get("org_id")?,
                        row.try_get("scope_sector")?,
                        row.try_get("scope_parent")?,
                    )?,
                    created_at: row.try_get("created_at")?,
                    expires_at: row.try_get("expires_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Checks a presented token. `Ok(Err(..))` is a refusal; `Err(..)` is the database failing.
    pub async fn authenticate(
        &self,
        presented: &str,
    ) -> StoreResult<Result<Principal, AuthFailure>> {
        let Some((id, secret)) = parse_token(presented) else {
            return Ok(Err(AuthFailure::Invalid));
        };
        let row = sqlx::query(
            "SELECT secret_sha256, role, org_id, scope_sector, scope_parent, expires_at, revoked_at \
             FROM tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        // Hash and compare even for an unknown id, so both paths take the same time.
        let stored: String = match &row {
            Some(row) => row.try_get("secret_sha256")?,
            None => "0".repeat(64),
        };
        let matches: bool = sha256_hex(secret)
            .as_bytes()
            .ct_eq(stored.as_bytes())
            .into();
        let (Some(row), true) = (row, matches) else {
            return Ok(Err(AuthFailure::Invalid));
        };
        if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
            return Ok(Err(AuthFailure::Revoked));
        }
        if row
            .try_get::<Option<i64>, _>("expires_at")?
            .is_some_and(|at| at <= now_ms())
        {
            return Ok(Err(AuthFailure::Expired));
        }
        let role: String = row.try_get("role")?;
        let role = Role::parse(&role)
            .ok_or_else(|| StoreError::Invalid(format!("unknown role `{role}`")))?;
        Ok(Ok(Principal {
            token_id: id.to_string(),
            role,
            scope: scope_from(
                role,
                row.try_get("org_id")?,
                row.try_get("scope_sector")?,
                row.try_get("scope_parent")?,
            )?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_format_is_strict() {
        let good = format!("caf_{}_{}", "a".repeat(16), "b".repeat(64));
        assert!(parse_token(&good).is_some());
        for bad in [
            String::new(),
            "caf_".to_string(),
            format!("caf_{}_{}", "a".repeat(15), "b".repeat(64)),
            format!("caf_{}_{}", "a".repeat(16), "b".repeat(63)),
            format!("caf_{}_{}x", "a".repeat(16), "b".repeat(64)),
            format!("xyz_{}_{}", "a".repeat(16), "b".repeat(64)),
        ] {
            assert!(parse_token(&bad).is_none(), "{bad}");
        }
    }
}
