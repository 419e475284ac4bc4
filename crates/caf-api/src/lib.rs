//! The collection service's wire format: the JSON bodies of `/api/v1`, shared by the server
//! (which also derives the OpenAPI document from them, with the `openapi` feature) and the
//! client. It knows nothing of the store or of HTTP libraries.
//!
//! Request bodies reject unknown fields, so a typo is a clear 4xx rather than a silently
//! ignored setting. Response bodies only ever gain fields within `/api/v1`.
//!
//! Scores and diagnostics are caf-core's own types. They are written with the keys of every
//! object in alphabetical order (see `sorted`), as the service has always sent them.

use serde::{Deserialize, Serialize, Serializer};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use caf_core::diagnostic::Diagnostic;
use caf_core::scoring::{Scorecard, Summary};

pub mod calls;
pub use calls::*;
pub mod reviews;
pub use reviews::*;
pub mod tips;
pub use tips::*;

/// Writes `value` through `serde_json::Value`, whose objects keep their keys sorted: the form
/// these fields had on the wire when they were held as `Value`s, kept byte for byte now that
/// they are typed. (The command line's own JSON keeps the types' field order.)
fn sorted<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serde_json::to_value(value)
        .map_err(serde::ser::Error::custom)?
        .serialize(serializer)
}

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
    /// A later version for the same organisation, framework and period exists (withdrawn
    /// versions do not count).
    pub superseded: bool,
    /// RFC 3339, UTC: when an administrator withdrew it. A withdrawn version is kept but is
    /// never current, so aggregates leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<String>,
    /// Outcomes whose answers were carried from an earlier period and not yet reviewed
    /// (`needs_review`), as the server counted them when the submission was received.
    #[serde(default)]
    pub unreviewed: i64,
    /// Outcomes whose status is set by override, counted likewise.
    #[serde(default)]
    pub overridden: i64,
}

/// `POST /submissions/{id}/withdraw`: why an administrator withdraws a submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    pub reason: String,
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
    #[serde(serialize_with = "sorted")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub summary: Summary,
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
    #[serde(serialize_with = "sorted")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub summary: Summary,
    #[serde(serialize_with = "sorted")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub scorecard: Scorecard,
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

/// `GET /api/v1/tokens` (admin): every token, oldest first, without its secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenList {
    #[serde(serialize_with = "sorted")]
    pub tokens: Vec<TokenBody>,
}

/// One issued token, as an admin sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenBody {
    pub id: String,
    /// submitter, viewer, analyst, admin or reviewer.
    pub role: String,
    pub scope: TokenScopeBody,
    /// Milliseconds since the Unix epoch, like `expires_at` and `revoked_at`.
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What a token is limited to beyond its role: `{"kind": "all"}` or, for example,
/// `{"kind": "organisation", "id": "E07000901"}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase", tag = "kind", content = "id")]
pub enum TokenScopeBody {
    All,
    Organisation(String),
    Sector(String),
    Parent(String),
    /// A reviewer's: the organisations it is assigned to.
    Assigned,
}

/// `GET /api/v1/audit` (admin): every access to individual submissions, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditLog {
    #[serde(serialize_with = "sorted")]
    pub entries: Vec<AuditEntryBody>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntryBody {
    pub id: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub token_id: String,
    pub role: String,
    /// submit, list, read, read-refused, aggregate...
    pub action: String,
    pub submission_id: Option<String>,
    pub org_id: Option<String>,
    pub detail: Option<String>,
    /// The client address of the request (absent for `caf admin` on the database).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
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
    // The codes are listed in docs/diagnostics.md.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "sorted"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub diagnostics: Vec<Diagnostic>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use caf_core::diagnostic::SourceFile;
    use caf_core::framework::Catalog;
    use serde_json::Value;

    const ASSESSMENT: &str = r#"framework = "caf-3.2"
profile = "baseline"
period = "2026/27"

[organisation]
name = "Wire Council"
id = "W1"

[outcomes."A1.a"]
selected = ["A1.a.A.1", "A1.a.A.2", "A1.a.A.3", "A1.a.A.4"]

[outcomes."A1.b"]
selected = ["A1.b.NA.1", "bogus"]
"#;

    fn info() -> SubmissionInfo {
        SubmissionInfo {
            id: "s-0".into(),
            organisation: "W1".into(),
            framework: "caf-3.2".into(),
            period: Some("2026/27".into()),
            version: 1,
            profile: Some("baseline".into()),
            content_sha256: "00".into(),
            token_id: "t".into(),
            received_at: "2026-01-01T00:00:00Z".into(),
            client_version: None,
            server_version: "0".into(),
            superseded: false,
            withdrawn_at: None,
            unreviewed: 0,
            overridden: 0,
        }
    }

    fn scored() -> (Summary, Scorecard) {
        let catalog = Catalog::shipped();
        let text = ASSESSMENT.replace(", \"bogus\"", "");
        let loaded =
            caf_core::assessment::parse(&SourceFile::new("w.toml", text), &catalog).unwrap();
        let profile = loaded.profile(None).unwrap();
        let a = &loaded.assessment;
        (
            caf_core::scoring::summarise(&loaded.framework, a, profile),
            caf_core::scoring::score(&loaded.framework, a, profile),
        )
    }

    fn diagnostics() -> Vec<Diagnostic> {
        match caf_core::assessment::parse(
            &SourceFile::new("submission", ASSESSMENT),
            &Catalog::shipped(),
        ) {
            Err(caf_core::Error::Invalid(d)) => d,
            Err(other) => panic!("expected diagnostics, got {other}"),
            Ok(_) => panic!("expected diagnostics"),
        }
    }

    /// The bodies as they were when these fields were `serde_json::Value`s.
    #[derive(Serialize)]
    struct UntypedSubmitResponse {
        submission: SubmissionInfo,
        duplicate: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        supersedes: Option<String>,
        summary: Value,
    }

    #[derive(Serialize)]
    struct UntypedSubmissionDetail {
        submission: SubmissionInfo,
        assessment: String,
        summary: Value,
        scorecard: Value,
    }

    #[derive(Serialize)]
    struct UntypedErrorDetail {
        code: String,
        message: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        diagnostics: Vec<Value>,
    }

    fn value<T: Serialize>(v: &T) -> Value {
        serde_json::to_value(v).unwrap()
    }

    #[test]
    fn typed_bodies_are_byte_identical_to_the_untyped_ones() {
        let (summary, scorecard) = scored();
        let typed = SubmitResponse {
            submission: info(),
            duplicate: false,
            supersedes: None,
            summary: summary.clone(),
        };
        let untyped = UntypedSubmitResponse {
            submission: info(),
            duplicate: false,
            supersedes: None,
            summary: value(&summary),
        };
        assert_eq!(
            serde_json::to_string(&typed).unwrap(),
            serde_json::to_string(&untyped).unwrap()
        );

        let typed = SubmissionDetail {
            submission: info(),
            assessment: ASSESSMENT.into(),
            summary: summary.clone(),
            scorecard: scorecard.clone(),
        };
        let untyped = UntypedSubmissionDetail {
            submission: info(),
            assessment: ASSESSMENT.into(),
            summary: value(&summary),
            scorecard: value(&scorecard),
        };
        assert_eq!(
            serde_json::to_string(&typed).unwrap(),
            serde_json::to_string(&untyped).unwrap()
        );

        let found = diagnostics();
        assert!(!found.is_empty());
        for diagnostics in [Vec::new(), found] {
            let typed = ErrorDetail {
                code: "invalid".into(),
                message: "m".into(),
                diagnostics: diagnostics.clone(),
            };
            let untyped = UntypedErrorDetail {
                code: "invalid".into(),
                message: "m".into(),
                diagnostics: diagnostics.iter().map(value).collect(),
            };
            assert_eq!(
                serde_json::to_string(&typed).unwrap(),
                serde_json::to_string(&untyped).unwrap()
            );
        }
    }

    #[test]
    fn typed_bodies_read_back() {
        let (summary, scorecard) = scored();
        let detail = SubmissionDetail {
            submission: info(),
            assessment: ASSESSMENT.into(),
            summary: summary.clone(),
            scorecard: scorecard.clone(),
        };
        let back: SubmissionDetail =
            serde_json::from_str(&serde_json::to_string(&detail).unwrap()).unwrap();
        assert_eq!(back.summary.tally, summary.tally);
        assert_eq!(back.scorecard.schema, caf_core::scoring::SCORE_SCHEMA);
        assert_eq!(back.scorecard.outcomes.len(), scorecard.outcomes.len());
        assert_eq!(
            serde_json::to_value(&back.scorecard).unwrap(),
            serde_json::to_value(&scorecard).unwrap()
        );

        let body = ErrorBody {
            error: ErrorDetail {
                code: "invalid".into(),
                message: "m".into(),
                diagnostics: diagnostics(),
            },
        };
        let back: ErrorBody = serde_json::from_str(&serde_json::to_string(&body).unwrap()).unwrap();
        let d = &back.error.diagnostics[0];
        assert_eq!(d.code, caf_core::diagnostic::Code::UnknownIndicator);
        assert_eq!(d.location.as_ref().map(|l| l.line), Some(13));
    }
}
