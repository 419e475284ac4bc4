//! The client side of the collection service: `caf submit`, `caf submissions list`, and the
//! server source of `caf aggregate`.
//!
//! Blocking (reqwest's blocking client over rustls with the ring provider, no OpenSSL), because
//! the CLI is synchronous. The caller passes the server, the token and the CA certificate in;
//! nothing here reads the environment or a config file. Network failures, 5xx and 429 are retried with exponential backoff
//! and jitter; that is safe because the server stores a submission once per content.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use serde::de::DeserializeOwned;

use caf_api::{ErrorBody, SubmissionDetail, SubmissionList, SubmitRequest, SubmitResponse};
use caf_core::diagnostic::{Diagnostic, Severity};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("`{url}` is not a server URL: {message}")]
    BadUrl { url: String, message: String },
    #[error("cannot use the CA certificate {}: {message}", path.display())]
    CaCert { path: PathBuf, message: String },
    #[error("cannot reach {url} after {}: {message}", caf_core::text::plural(*attempts as usize, "attempt"))]
    Unreachable {
        url: String,
        attempts: u32,
        message: String,
    },
    #[error("the server refused the token (401): {message}")]
    Unauthorised { message: String },
    #[error("not allowed (403): {message}")]
    Forbidden { message: String },
    #[error("not found (404): {message}")]
    NotFound { message: String },
    #[error("conflict (409): {message}")]
    Conflict { message: String },
    #[error("too large (413): {message}")]
    TooLarge { message: String },
    /// The server's checks found problems in the assessment: the same diagnostics a local
    /// check gives, located in the submitted text (the server names it `submission`).
    #[error("the server rejected the assessment (422): {message}{}", render_diagnostics(.diagnostics))]
    Rejected {
        message: String,
        diagnostics: Vec<Diagnostic>,
    },
    #[error("the server answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("the server's answer could not be read: {0}")]
    Decode(String),
}

impl ClientError {
    /// Errors the user fixes (exit 2) versus the server or network failing (exit 3).
    pub fn is_input_error(&self) -> bool {
        match self {
            ClientError::Unreachable { .. }
            | ClientError::Status { .. }
            | ClientError::Decode(_) => false,
            ClientError::BadUrl { .. }
            | ClientError::CaCert { .. }
            | ClientError::Unauthorised { .. }
            | ClientError::Forbidden { .. }
            | ClientError::NotFound { .. }
            | ClientError::Conflict { .. }
            | ClientError::TooLarge { .. }
            | ClientError::Rejected { .. } => true,
        }
    }
}

/// One line per diagnostic, `error[code] (line L, column C): message`, then its help line.
/// No source line: the server sends positions, not the text, and names the file `submission`.
fn render_diagnostics(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let place = match &d.location {
            Some(l) if l.line > 0 => format!(" (line {}, column {})", l.line, l.column),
            _ => String::new(),
        };
        out.push_str(&format!("\n  {severity}[{}]{place}: {}", d.code, d.message));
        if let Some(help) = &d.help {
            out.push_str(&format!("\n    = help: {help}"));
        }
    }
    out
}

/// How hard to try before giving up on an unreachable or failing server.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 6,
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

pub struct Client {
    http: Http,
    base: String,
    token: String,
    retry: Retry,
}

/// Installs ring as rustls's crypto provider (once per process; reqwest needs one).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    pub fn new(
        server: &str,
        token: String,
        ca_cert: Option<&Path>,
        retry: Retry,
    ) -> Result<Client, ClientError> {
        install_crypto_provider();
        let base = server.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base).map_err(|e| ClientError::BadUrl {
            url: server.to_string(),
            message: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::BadUrl {
                url: server.to_string(),
                message: "use http:// or https://".to_string(),
            });
        }
        let mut builder = Http::builder()
            .user_agent(concat!("caf/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60));
        if let Some(path) = ca_cert {
            let pem = std::fs::read(path).map_err(|e| ClientError::CaCert {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| ClientError::CaCert {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder.build().map_err(|e| ClientError::BadUrl {
            url: server.to_string(),
            message: e.to_string(),
        })?;
        Ok(Client {
            http,
            base,
            token,
            retry,
        })
    }

    /// Submits an assessment's text (validated locally by the caller first).
    pub fn submit(&self, assessment: &str) -> Result<SubmitResponse, ClientError> {
        let body = SubmitRequest {
            assessment: assessment.to_string(),
        };
        self.call(|| {
            self.http
                .post(format!("{}/api/v1/submissions", self.base))
                .json(&body)
        })
    }

    pub fn submissions(&self, query: &[(&str, &str)]) -> Result<SubmissionList, ClientError> {
        self.call(|| {
            self.http
                .get(format!("{}/api/v1/submissions", self.base))
                .query(query)
        })
    }

    pub fn submission(&self, id: &str) -> Result<SubmissionDetail, ClientError> {
        // The id goes in the path; refuse anything that could change the path.
        if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(ClientError::NotFound {
                message: format!("`{id}` is not a submission id"),
            });
        }
        self.call(|| {
            self.http
                .get(format!("{}/api/v1/submissions/{id}", self.base))
        })
    }

    /// The server's `caf.aggregate/1` report (`GET /api/v1/aggregate`), read back into the same
    /// model `caf aggregate` computes locally, so every renderer draws it unchanged.
    pub fn aggregate(
        &self,
        query: &[(&str, &str)],
    ) -> Result<caf_core::aggregate::Report, ClientError> {
        self.get_json("aggregate", query)
    }

    /// GET any JSON resource under `/api/v1` (with query parameters).
    pub fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        self.call(|| {
            self.http
                .get(format!("{}/api/v1/{path}", self.base))
                .query(query)
        })
    }

    /// POST a JSON body to a resource under `/api/v1`. Retried like every call: the service
    /// stores a data call once per content and a response once per idempotency key.
    pub fn post_json<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(|| {
            self.http
                .post(format!("{}/api/v1/{path}", self.base))
                .json(body)
        })
    }

    /// A data call's path segment: refuse anything that could change the path.
    fn call_path(id: &str, rest: &str) -> Result<String, ClientError> {
        if caf_core::call::valid_id(id) {
            Ok(format!("calls/{id}{rest}"))
        } else {
            Err(ClientError::NotFound {
                message: format!("`{id}` is not a call id"),
            })
        }
    }

    pub fn create_call(&self, text: &str) -> Result<caf_api::CallInfo, ClientError> {
        self.post_json(
            "calls",
            &caf_api::CallCreateRequest {
                call: text.to_string(),
            },
        )
    }

    pub fn close_call(&self, id: &str) -> Result<caf_api::CallInfo, ClientError> {
        self.post_json(&Self::call_path(id, "/close")?, &serde_json::json!({}))
    }

    pub fn calls(&self) -> Result<caf_api::CallList, ClientError> {
        self.get_json("calls", &[])
    }

    pub fn call_detail(&self, id: &str) -> Result<caf_api::CallDetail, ClientError> {
        self.get_json(&Self::call_path(id, "")?, &[])
    }

    pub fn respond(
        &self,
        id: &str,
        request: &caf_api::RespondRequest,
    ) -> Result<caf_api::RespondResponse, ClientError> {
        self.post_json(&Self::call_path(id, "/responses")?, request)
    }

    pub fn call_status(
        &self,
        id: &str,
        query: &[(&str, &str)],
    ) -> Result<caf_core::call::status::CallStatus, ClientError> {
        self.get_json(&Self::call_path(id, "/status")?, query)
    }

    /// A review's path segment: refuse anything that could change the path.
    fn review_path(id: &str, rest: &str) -> Result<String, ClientError> {
        if id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') && !id.is_empty() {
            Ok(format!("reviews/{id}{rest}"))
        } else {
            Err(ClientError::NotFound {
                message: format!("`{id}` is not a review id"),
            })
        }
    }

    /// Submits a review file (its `assessment_sha256` names a stored submission).
    pub fn submit_review(&self, text: &str) -> Result<caf_api::ReviewSubmitResponse, ClientError> {
        self.post_json(
            "reviews",
            &caf_api::ReviewSubmitRequest {
                review: text.to_string(),
            },
        )
    }

    pub fn reviews(&self) -> Result<caf_api::ReviewList, ClientError> {
        self.get_json("reviews", &[])
    }

    pub fn review(&self, id: &str) -> Result<caf_api::ReviewDetail, ClientError> {
        self.get_json(&Self::review_path(id, "")?, &[])
    }

    pub fn finalise_review(&self, id: &str) -> Result<caf_api::ReviewInfo, ClientError> {
        self.post_json(&Self::review_path(id, "/finalise")?, &serde_json::json!({}))
    }

    pub fn reopen_review(&self, id: &str) -> Result<caf_api::ReviewInfo, ClientError> {
        self.post_json(&Self::review_path(id, "/reopen")?, &serde_json::json!({}))
    }

    /// Review against self-assessment (`caf.review-gap/1`).
    pub fn review_gap(
        &self,
        query: &[(&str, &str)],
    ) -> Result<caf_core::aggregate::assurance::GapReport, ClientError> {
        self.get_json("reviews/gap", query)
    }

    /// Submits a TIP file (its `review_sha256` names a review the service holds); an admin
    /// names the organisation it is for.
    pub fn submit_tip(
        &self,
        text: &str,
        organisation: Option<&str>,
    ) -> Result<caf_api::TipSubmitResponse, ClientError> {
        self.post_json(
            "tips",
            &caf_api::TipSubmitRequest {
                tip: text.to_string(),
                organisation: organisation.map(str::to_string),
            },
        )
    }

    pub fn tips(&self) -> Result<caf_api::TipList, ClientError> {
        self.get_json("tips", &[])
    }

    pub fn tip(&self, id: &str) -> Result<caf_api::TipDetail, ClientError> {
        if id.starts_with("t-") && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            self.get_json(&format!("tips/{id}"), &[])
        } else {
            Err(ClientError::NotFound {
                message: format!("`{id}` is not a plan id (t- and 32 hex digits)"),
            })
        }
    }

    /// Progress across organisations (`caf.tip-progress/1`).
    pub fn tip_progress(
        &self,
        query: &[(&str, &str)],
    ) -> Result<caf_core::tip::progress::ProgressReport, ClientError> {
        self.get_json("tips/progress", query)
    }

    /// Sends with the token and retries transient failures.
    fn call<T: DeserializeOwned>(
        &self,
        request: impl Fn() -> RequestBuilder,
    ) -> Result<T, ClientError> {
        let mut delay = self.retry.first_delay;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = request()
                .bearer_auth(&self.token)
                .header("x-caf-version", env!("CARGO_PKG_VERSION"))
                .send();
            let wait = match sent {
                Ok(response) => {
                    let status = response.status();
                    let transient =
                        status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
                    if !transient || attempt >= self.retry.attempts {
                        return decode(response);
                    }
                    retry_after(&response).unwrap_or(delay)
                }
                Err(error) => {
                    if attempt >= self.retry.attempts {
                        return Err(ClientError::Unreachable {
                            url: self.base.clone(),
                            attempts: attempt,
                            message: error_chain(&error),
                        });
                    }
                    delay
                }
            };
            std::thread::sleep(jitter(wait));
            delay = (delay * 2).min(self.retry.max_delay);
        }
    }
}

fn retry_after(response: &Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(60)))
}

/// Between half and all of `wait`, so many clients retrying at once spread out.
fn jitter(wait: Duration) -> Duration {
    let mut byte = [0u8; 1];
    let _ = getrandom::fill(&mut byte);
    wait / 2 + wait.mul_f64(f64::from(byte[0]) / 510.0)
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// The message of an error body this client cannot read in full (a newer server's diagnostic
/// code, say), or the start of the body when it is not an error body at all.
fn error_message(bytes: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Loose {
        error: LooseDetail,
    }
    #[derive(serde::Deserialize)]
    struct LooseDetail {
        message: String,
        #[serde(default)]
        diagnostics: Vec<serde::de::IgnoredAny>,
    }
    match serde_json::from_slice::<Loose>(bytes) {
        Ok(Loose { error }) if error.diagnostics.is_empty() => error.message,
        Ok(Loose { error }) => format!(
            "{} (with {} this version of caf cannot read; a newer one can)",
            error.message,
            caf_core::text::plural(error.diagnostics.len(), "diagnostic")
        ),
        Err(_) => String::from_utf8_lossy(bytes).chars().take(200).collect(),
    }
}

fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ClientError> {
    let status = response.status();
    let bytes = response
        .bytes()
        .map_err(|e| ClientError::Decode(error_chain(&e)))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()));
    }
    let (message, diagnostics) = match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => (body.error.message, body.error.diagnostics),
        Err(_) => (error_message(&bytes), Vec::new()),
    };
    Err(match status {
        StatusCode::UNAUTHORIZED => ClientError::Unauthorised { message },
        StatusCode::FORBIDDEN => ClientError::Forbidden { message },
        StatusCode::NOT_FOUND => ClientError::NotFound { message },
        StatusCode::CONFLICT => ClientError::Conflict { message },
        StatusCode::PAYLOAD_TOO_LARGE => ClientError::TooLarge { message },
        StatusCode::UNPROCESSABLE_ENTITY => ClientError::Rejected {
            message,
            diagnostics,
        },
        other => ClientError::Status {
            status: other.as_u16(),
            message,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use caf_core::diagnostic::Code;

    #[test]
    fn rejected_lists_each_diagnostic_with_its_place_and_help() {
        let body = br#"{"error":{"code":"invalid","message":"the assessment has 2 problem(s)","diagnostics":[
            {"code":"unknown-profile","help":"use one of: baseline, enhanced","location":{"column":11,"file":"submission","line":2},"message":"caf-3.2 has no profile `gold`","severity":"error"},
            {"code":"missing-rules","location":{"column":0,"file":"submission","line":0},"message":"no rules","severity":"error"}]}}"#;
        let body: ErrorBody = serde_json::from_slice(body).unwrap();
        assert_eq!(body.error.diagnostics[0].code, Code::UnknownProfile);
        let error = ClientError::Rejected {
            message: body.error.message,
            diagnostics: body.error.diagnostics,
        };
        assert_eq!(
            error.to_string(),
            "the server rejected the assessment (422): the assessment has 2 problem(s)\n  \
             error[unknown-profile] (line 2, column 11): caf-3.2 has no profile `gold`\n    \
             = help: use one of: baseline, enhanced\n  \
             error[missing-rules]: no rules"
        );
    }

    #[test]
    fn an_error_body_with_codes_this_client_does_not_know_keeps_its_message() {
        let body = br#"{"error":{"code":"invalid","message":"the assessment has 1 problem","diagnostics":[{"code":"from-the-future","message":"m","severity":"error"}]}}"#;
        assert!(serde_json::from_slice::<ErrorBody>(body).is_err());
        assert_eq!(
            error_message(body),
            "the assessment has 1 problem (with 1 diagnostic this version of caf cannot read; a newer one can)"
        );
        assert_eq!(
            error_message(br#"{"error":{"code":"x","message":"plain"}}"#),
            "plain"
        );
        assert_eq!(error_message(b"<html>502</html>"), "<html>502</html>");
    }
}
