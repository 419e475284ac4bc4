//! The bodies of `/api/v1/reviews` (assurance reviews of stored submissions) and of reviewer
//! assignments.

use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use caf_core::aggregate::assurance::Decisions;

/// `POST /api/v1/reviews`: a review file (TOML) whose `assessment_sha256` names a stored
/// submission of an organisation the reviewer is assigned to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewSubmitRequest {
    pub review: String,
}

/// A review as the server holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReviewInfo {
    /// `r-` followed by 32 hex digits.
    pub id: String,
    pub organisation: String,
    /// The submission reviewed.
    pub submission: String,
    /// independent or peer.
    #[serde(rename = "type")]
    pub kind: String,
    /// to-do, in-progress, completed or finalised.
    pub status: String,
    /// The numbered version; it moves on when a finalised review is reopened.
    pub version: i64,
    /// Files received for this review so far.
    pub revision: i64,
    /// Reopened: the next file received starts version `version + 1`.
    pub reopened: bool,
    /// Of the current file.
    pub content_sha256: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalised_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalised_by: Option<String>,
}

/// The answer to `POST /api/v1/reviews`: 201 for a new review or revision, 200 when the same
/// bytes were already stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReviewSubmitResponse {
    pub review: ReviewInfo,
    pub duplicate: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReviewList {
    pub reviews: Vec<ReviewInfo>,
}

/// One review: its current file, byte for byte, and per outcome the self-assessed status
/// beside the reviewer's decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReviewDetail {
    pub review: ReviewInfo,
    /// The review file (TOML).
    pub file: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub decisions: Decisions,
}

/// `POST /api/v1/tokens/{id}/assignments` (admin): assign a reviewer token to an organisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignmentRequest {
    pub organisation: String,
}

/// A reviewer token's assigned organisations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AssignmentList {
    pub token: String,
    pub organisations: Vec<String>,
}
