//! The bodies of `/api/v1/calls` (incident data calls) and `/api/v1/suppliers`.

use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /api/v1/calls`: a call file; an existing open call's id makes a new version of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CallCreateRequest {
    /// The call file's text (TOML).
    pub call: String,
}

/// A call as listed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CallInfo {
    pub id: String,
    pub title: String,
    /// low, medium, high or critical.
    pub severity: String,
    /// RFC 3339, UTC.
    pub deadline: String,
    pub version: i64,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    /// Open for responses.
    pub open: bool,
    /// Organisations addressed, and those that have answered (analysts and admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CallList {
    pub calls: Vec<CallInfo>,
}

/// `GET /api/v1/calls/{id}`: the call and its current file, for answering it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CallDetail {
    pub call: CallInfo,
    /// The current version's file (TOML).
    pub source: String,
}

/// `POST /api/v1/calls/{id}/responses`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RespondRequest {
    /// Question id to answer: "yes"/"no", a choice, a list of choices, a number, a date
    /// (YYYY-MM-DD) or text.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: serde_json::Map<String, serde_json::Value>,
    /// The client's key for this attempt (1 to 64 letters, digits or `-`): a retry with the same
    /// key stores nothing. Without one, answers equal to the current version store nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The call version answered (default: the current one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RespondResponse {
    pub id: String,
    /// 1 for the organisation's first response, then 2, 3...
    pub version: i64,
    /// Nothing was stored: the same key, or the same answers as the current version.
    pub duplicate: bool,
}

/// An organisation that depends on a supplier, and how we know.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Dependant {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    /// `assessment` (named in A4.a/A4.b of its current submission) and `call:ID` (answered
    /// `uses = yes` to a call naming the supplier).
    pub via: Vec<String>,
}

/// `GET /api/v1/suppliers?name=X`: for an analyst, the organisations depending on supplier X
/// (audited); for a viewer, only how many in its scope, withheld under the limit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SupplierDependants {
    pub supplier: String,
    /// `None` when the count is under the disclosure limit.
    pub organisations: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependants: Option<Vec<Dependant>>,
    pub min_group_size: usize,
}
