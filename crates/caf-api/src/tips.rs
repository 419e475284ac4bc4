//! The bodies of `/api/v1/tips`: Targeted Improvement Plans made from stored, finalised
//! reviews. Progress across organisations is caf-core's own `caf.tip-progress/1` report.

use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use caf_core::tip::Digest;

/// `POST /api/v1/tips`: a TIP file (TOML) whose `review_sha256` names the file of a review of
/// the organisation that the service has finalised.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TipSubmitRequest {
    pub tip: String,
    /// The organisation the plan is for: required of an admin token, and for a submitter
    /// token, when given, its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

/// A plan as the server holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TipInfo {
    /// `t-` followed by 32 hex digits.
    pub id: String,
    pub organisation: String,
    /// The review the plan answers.
    pub review: String,
    /// The review file's SHA-256 the plan names, and the review's revision it matched.
    pub review_sha256: String,
    pub review_revision: i64,
    /// Files received for this plan so far; the current one is this version.
    pub version: i64,
    /// Of the current file.
    pub content_sha256: String,
    pub approved: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// The answer to `POST /api/v1/tips`: 201 for a new plan or version, 200 when the current
/// version has the same bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TipSubmitResponse {
    pub tip: TipInfo,
    pub duplicate: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TipList {
    pub tips: Vec<TipInfo>,
}

/// One plan: its current file, byte for byte, and the digest progress is computed from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TipDetail {
    pub tip: TipInfo,
    /// The TIP file (TOML).
    pub file: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub digest: Digest,
}
