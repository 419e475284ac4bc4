//! The collection service's wire format: the JSON bodies of `/api/v1`, shared by the server
//! (which also derives the OpenAPI document from them, with the `openapi` feature) and the
//! client. It knows nothing of the store or of HTTP libraries.
//!
//! Request bodies reject unknown fields, so a typo is a clear 4xx rather than a silently
//! ignored setting. Response bodies only ever gain fields within `/api/v1`.

use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /api/v1/submissions`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The assessment file's text (TOML), exactly as on disk; its SHA-256 is the content hash.
    pub assessment: String,
}

/// One stored version of an organisation's assessment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SubmissionInfo {
    pub id: String,
    pub organisation: String,
    pub framework: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// 1 for the first submission for this organisation, framework and period, then 2, 3...
    pub version: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// SHA-256 of the assessment text.
    pub content_sha256: String,
    /// The id (never the secret) of the token that submitted it.
    pub token_id: String,
    /// RFC 3339, UTC.
    pub received_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_version: Option<String>,
    pub server_version: String,
    /// A later version for the same organisation, framework and period exists.
    pub superseded: bool,
}

/// The answer to a submission: 201 when stored as a new version, 200 when the same content
/// was already stored (nothing new is written).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SubmitResponse {
    pub submission: SubmissionInfo,
    /// True when this exact content was already stored; `submission` is the stored copy.
    pub duplicate: bool,
    /// The id of the version this one replaced as current, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// The server's own score summary (the client's is never trusted).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub summary: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SubmissionList {
    pub submissions: Vec<SubmissionInfo>,
}

/// One submission in full: its text, the score summary computed when it was received, and the
/// full scorecard (`caf.score/1`) computed from the text by the server now.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SubmissionDetail {
    pub submission: SubmissionInfo,
    pub assessment: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub summary: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub scorecard: serde_json::Value,
}

/// An organisation as registered by an admin. The registry, not the submitted file, decides
/// which sector, region and parent an organisation's results count towards.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrganisationBody {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrganisationList {
    pub organisations: Vec<OrganisationBody>,
}

/// `POST /api/v1/tokens` (admin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// submitter, viewer, analyst or admin.
    pub role: String,
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub sector: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
    /// Days until it expires (default 90).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// A new token. `token` is shown this once; the server keeps only its hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenCreated {
    pub id: String,
    pub token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// Every error response: a stable code, a message for people and, for a refused assessment,
/// the located problems (the same diagnostics `caf check` prints).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub diagnostics: Vec<serde_json::Value>,
}
