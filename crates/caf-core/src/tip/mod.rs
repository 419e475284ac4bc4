//! The Targeted Improvement Plan (TIP): from a finalised assurance review, each recommendation
//! becomes an action the organisation plans (what, owner, resources, budget, target date) or
//! decides against (with a reason), and the plan is approved.
//!
//! The TIP is its own file, paired with the review it answers by the SHA-256 of the review's
//! bytes (as a review is paired with its assessment). Its shape:
//!
//! ```toml
//! review = "review.toml"
//! review_sha256 = "..."
//! [approval]
//! approved_by = ""
//! approved_on = ""
//! [[actions]]
//! id = "REC-A1A1"
//! outcome = "A1.a"
//! priority = true
//! risk = "..."
//! recommendation = "..."
//! action = ""
//! owner = ""
//! resources = ""
//! budget = ""
//! due = ""
//! status = "planned"
//! reason = ""
//! ```
//!
//! [`read`] checks a TIP on its own (statuses, dates, reasons, and once approved a target date
//! on every open action) and, given the review's [`Pairing`], against the review (its hash,
//! every id one of its recommendations, none left out). [`init`] writes a new TIP from a
//! finalised review's report; [`progress()`] counts where the actions stand, and
//! [`mod@progress`] across organisations; [`table`] is the spreadsheet form `caf plan export`
//! and `caf plan import` exchange.

pub mod progress;
pub mod table;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::assessment::Date;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, SourceFile, parse_toml};
use crate::error::{Error, Result};
use crate::plan::ActionStatus;
use crate::review::{Lifecycle, RecommendationRow, ReviewReport};

/// The JSON schema id of [`Check`].
pub const CHECK_SCHEMA: &str = "caf.tip-check/1";

/// Who approved the plan, and when; both empty until it is approved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Approval {
    pub approved_by: String,
    pub approved_on: Option<Date>,
}

/// One recommendation's action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TipAction {
    /// The recommendation's id (`REC-A1A1`).
    pub id: String,
    pub outcome: String,
    /// The reviewer's decision misses the profile target (set at init from the review).
    pub priority: bool,
    pub risk: String,
    pub recommendation: String,
    pub action: String,
    pub owner: String,
    pub resources: String,
    pub budget: String,
    pub due: Option<Date>,
    pub status: ActionStatus,
    /// Required when the status is not-planned.
    pub reason: String,
}

impl TipAction {
    /// Open, with a target date before `as_of`.
    pub fn is_overdue(&self, as_of: Date) -> bool {
        self.status.is_open() && self.due.is_some_and(|due| due < as_of)
    }
}

/// A TIP file, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tip {
    /// The review's path as the file gives it (relative to the TIP's folder).
    pub review: String,
    pub review_sha256: String,
    pub approval: Approval,
    pub actions: Vec<TipAction>,
}

impl Tip {
    pub fn approved(&self) -> bool {
        !self.approval.approved_by.trim().is_empty()
    }
}

/// What a TIP is checked against: the review's content hash and its recommendations.
#[derive(Debug, Clone)]
pub struct Pairing {
    pub review_sha256: String,
    pub recommendations: Vec<RecommendationRow>,
}

impl Pairing {
    pub fn of(report: &ReviewReport, review_sha256: &str) -> Self {
        Pairing {
            review_sha256: review_sha256.to_string(),
            recommendations: report.recommendations.clone(),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawApproval {
    #[serde(default)]
    approved_by: String,
    approved_on: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    id: Spanned<String>,
    outcome: String,
    #[serde(default)]
    priority: bool,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    recommendation: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    resources: String,
    #[serde(default)]
    budget: String,
    due: Option<Spanned<String>>,
    status: Option<Spanned<String>>,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTip {
    review: String,
    review_sha256: Spanned<String>,
    #[serde(default)]
    approval: RawApproval,
    #[serde(default)]
    actions: Vec<RawAction>,
}

/// The SHA-256 (hex) of a review's text, as `review_sha256` gives it.
pub fn content_hash(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `text` is a TIP rather than an assessment: it has the top-level `review_sha256`
/// key. Text that is not TOML is not a TIP (the assessment reader reports the syntax error).
pub fn is_tip(text: &str) -> bool {
    text.parse::<toml_edit::DocumentMut>()
        .is_ok_and(|doc| doc.contains_key("review_sha256"))
}

/// A date cell or value: none when blank, an error (reported by the caller) when not a date.
fn date_of(text: &str) -> std::result::Result<Option<Date>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Date::parse(text).map(Some).ok_or(())
}

/// Reads a TIP file and checks it; with `pairing`, against the review it names too. Every
/// problem is reported at once, located.
pub fn read(source: &SourceFile, pairing: Option<&Pairing>) -> Result<Tip> {
    let raw: RawTip = parse_toml(source)?;
    let mut diags = Diagnostics::new(source);
    let approved_by = raw.approval.approved_by.trim().to_string();
    let mut approved_on = None;
    let mut approved_on_malformed = false;
    if let Some(on) = &raw.approval.approved_on {
        match date_of(on.get_ref()) {
            Ok(date) => approved_on = date,
            Err(()) => {
                approved_on_malformed = true;
                diags.error(
                    Code::InvalidDate,
                    on.span(),
                    format!("`{}` is not a calendar date", on.get_ref()),
                    "write the date as YYYY-MM-DD, for example 2027-03-31",
                );
            }
        }
    }
    let approved = !approved_by.is_empty();
    // A blank `approved_on = ""` is as missing as no key; a malformed one is already reported.
    if approved && approved_on.is_none() && !approved_on_malformed {
        diags.push(
            Diagnostic::error(
                Code::MissingKey,
                "the plan is approved but has no `approved_on` date",
            )
            .help("add approved_on = \"YYYY-MM-DD\" to [approval]")
            .in_file(source.name()),
        );
    }
    let mut seen = BTreeSet::new();
    let mut actions = Vec::new();
    for a in raw.actions {
        let id = a.id.get_ref().trim().to_string();
        if !seen.insert(id.clone()) {
            diags.error(
                Code::DuplicateId,
                a.id.span(),
                format!("`{id}` has two actions"),
                "each recommendation has one action; merge the two",
            );
        }
        let status = match &a.status {
            None => ActionStatus::Planned,
            Some(s) => ActionStatus::from_key(s.get_ref().trim()).unwrap_or_else(|| {
                diags.error(
                    Code::InvalidActionStatus,
                    s.span(),
                    format!("`{}` is not a plan status", s.get_ref()),
                    "use planned, in-progress, done or not-planned",
                );
                ActionStatus::Planned
            }),
        };
        let status_span = a.status.as_ref().map_or(a.id.span(), Spanned::span);
        let due = match &a.due {
            None => None,
            Some(d) => date_of(d.get_ref()).unwrap_or_else(|()| {
                diags.error(
                    Code::InvalidDate,
                    d.span(),
                    format!("`{}` is not a calendar date", d.get_ref()),
                    "write the date as YYYY-MM-DD, for example 2027-03-31",
                );
                None
            }),
        };
        let reason = a.reason.trim().to_string();
        if status == ActionStatus::NotPlanned && reason.is_empty() {
            diags.error(
                Code::MissingReason,
                status_span.clone(),
                format!("{id} is not planned but gives no reason"),
                "say why in `reason` (the risk accepted, or why the recommendation does not apply)",
            );
        }
        let bad_due = a
            .due
            .as_ref()
            .is_some_and(|d| date_of(d.get_ref()).is_err());
        if approved && status.is_open() && due.is_none() && !bad_due {
            diags.error(
                Code::MissingDue,
                a.due.as_ref().map_or(status_span, Spanned::span),
                format!(
                    "{id} is {} in an approved plan but has no target date",
                    status.key()
                ),
                "give the action a target date (due = \"YYYY-MM-DD\")",
            );
        }
        actions.push(TipAction {
            id,
            outcome: a.outcome.trim().to_string(),
            priority: a.priority,
            risk: a.risk,
            recommendation: a.recommendation,
            action: a.action.trim().to_string(),
            owner: a.owner.trim().to_string(),
            resources: a.resources.trim().to_string(),
            budget: a.budget.trim().to_string(),
            due,
            status,
            reason,
        });
    }
    if let Some(pairing) = pairing {
        if !raw
            .review_sha256
            .get_ref()
            .eq_ignore_ascii_case(&pairing.review_sha256)
        {
            diags.error(
                Code::TipMismatch,
                raw.review_sha256.span(),
                format!(
                    "{} has changed since this plan was made: its SHA-256 is {}",
                    raw.review, pairing.review_sha256
                ),
                "make the plan again from the review as it now is, or restore the finalised review",
            );
        }
        check_ids(source, &mut diags, &actions, pairing);
    }
    Ok(diags.finish(Tip {
        review: raw.review,
        review_sha256: raw.review_sha256.into_inner(),
        approval: Approval {
            approved_by,
            approved_on,
        },
        actions,
    })?)
}

/// Every action names one of the review's recommendations, on its outcome; every
/// recommendation has an action.
fn check_ids(source: &SourceFile, diags: &mut Diagnostics, actions: &[TipAction], p: &Pairing) {
    // The ids' spans: found again in the text, as `actions` keeps values only.
    let span_of = |id: &str| {
        let needle = format!("\"{id}\"");
        source
            .text()
            .find(&needle)
            .map_or(0..0, |at| at..at + needle.len())
    };
    for action in actions {
        match p.recommendations.iter().find(|r| r.id == action.id) {
            None => diags.error(
                Code::UnknownRecommendation,
                span_of(&action.id),
                format!("`{}` is not a recommendation of the review", action.id),
                "keep the ids the plan was made with (REC- and the outcome, as the review numbers them)",
            ),
            Some(r) if r.outcome != action.outcome => diags.error(
                Code::UnknownRecommendation,
                span_of(&action.id),
                format!(
                    "{} is a recommendation on {}, not {}",
                    action.id, r.outcome, action.outcome
                ),
                "keep each action's outcome as the plan was made",
            ),
            Some(_) => {}
        }
    }
    for r in &p.recommendations {
        if !actions.iter().any(|a| a.id == r.id) {
            diags.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("recommendation {} on {} has no action", r.id, r.outcome),
                )
                .help("every recommendation of the review needs an action: plan it, or say why not")
                .in_file(source.name()),
            );
        }
    }
}

/// A new TIP from a finalised review: every recommendation becomes a planned action, with its
/// priority, risk and text copied. `review_path` is how the TIP names the review (relative to
/// its folder) and `review_sha256` the hash of the review's bytes.
pub fn init(report: &ReviewReport, review_path: &str, review_sha256: &str) -> Result<String> {
    if report.review.status != Lifecycle::Finalised {
        return Err(Error::Invalid(vec![
            Diagnostic::error(
                Code::ReviewNotFinalised,
                format!(
                    "the review is {}, not finalised: a Targeted Improvement Plan is made from the finalised review",
                    serde_json::to_value(report.review.status)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default()
                ),
            )
            .help("finish and finalise the review (status = \"finalised\") first")
            .in_file(review_path),
        ]));
    }
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Targeted Improvement Plan: {}.\n# For each recommendation, say what will be done, by whom, with what resources and budget,\n# and by when; or set status = \"not-planned\" and give the reason. Then approve the plan.",
        report.title
    );
    let _ = writeln!(out, "review = {}", quote(review_path));
    let _ = writeln!(out, "review_sha256 = \"{review_sha256}\"\n");
    let _ = writeln!(out, "[approval]\napproved_by = \"\"\napproved_on = \"\"");
    for r in &report.recommendations {
        let _ = writeln!(
            out,
            "\n[[actions]]\nid = {}\noutcome = {}\npriority = {}\nrisk = {}\nrecommendation = {}\naction = \"\"\nowner = \"\"\nresources = \"\"\nbudget = \"\"\ndue = \"\"\nstatus = \"planned\"\nreason = \"\"",
            quote(&r.id),
            quote(&r.outcome),
            r.priority,
            quote(&r.risk),
            quote(&r.text)
        );
    }
    Ok(out)
}

/// Where a TIP's actions stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub actions: usize,
    pub priority: usize,
    /// Priority actions still open (planned or in progress).
    pub priority_open: usize,
    pub planned: usize,
    pub in_progress: usize,
    pub done: usize,
    pub not_planned: usize,
    /// Open (planned or in progress) with a target date before the day judged.
    pub overdue: usize,
}

impl Progress {
    /// The sum of two organisations' figures.
    pub fn add(&mut self, other: &Progress) {
        self.actions += other.actions;
        self.priority += other.priority;
        self.priority_open += other.priority_open;
        self.planned += other.planned;
        self.in_progress += other.in_progress;
        self.done += other.done;
        self.not_planned += other.not_planned;
        self.overdue += other.overdue;
    }
}

/// The counts of `tip`'s actions, overdue judged as of `as_of`.
pub fn progress(tip: &Tip, as_of: Date) -> Progress {
    Digest::of(tip).progress(as_of)
}

/// What the collection service keeps of a TIP besides its text: the counts, and the target
/// dates of the open actions, so that overdue can be judged on any later day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    pub actions: usize,
    pub priority: usize,
    /// Absent from digests stored before it was counted: read as none open.
    #[serde(default)]
    pub priority_open: usize,
    pub planned: usize,
    pub in_progress: usize,
    pub done: usize,
    pub not_planned: usize,
    pub approved: bool,
    /// `YYYY-MM-DD` of each open action with a target date.
    pub open_due: Vec<String>,
}

impl Digest {
    pub fn of(tip: &Tip) -> Digest {
        let count = |s: ActionStatus| tip.actions.iter().filter(|a| a.status == s).count();
        Digest {
            actions: tip.actions.len(),
            priority: tip.actions.iter().filter(|a| a.priority).count(),
            priority_open: (tip.actions.iter())
                .filter(|a| a.priority && a.status.is_open())
                .count(),
            planned: count(ActionStatus::Planned),
            in_progress: count(ActionStatus::InProgress),
            done: count(ActionStatus::Done),
            not_planned: count(ActionStatus::NotPlanned),
            approved: tip.approved(),
            open_due: (tip.actions.iter())
                .filter(|a| a.status.is_open())
                .filter_map(|a| a.due.map(|d| d.to_string()))
                .collect(),
        }
    }

    pub fn progress(&self, as_of: Date) -> Progress {
        Progress {
            actions: self.actions,
            priority: self.priority,
            priority_open: self.priority_open,
            planned: self.planned,
            in_progress: self.in_progress,
            done: self.done,
            not_planned: self.not_planned,
            overdue: (self.open_due.iter())
                .filter_map(|d| Date::parse(d))
                .filter(|d| *d < as_of)
                .count(),
        }
    }
}

/// An overdue action, as `caf tip check` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueAction {
    pub id: String,
    pub outcome: String,
    pub owner: String,
    pub due: Date,
    pub status: ActionStatus,
}

/// `caf tip check --format json`: the `caf.tip-check/1` schema.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub schema: &'static str,
    pub file: String,
    pub review: String,
    pub approved: bool,
    pub approval: Approval,
    pub as_of: Date,
    pub progress: Progress,
    pub overdue: Vec<OverdueAction>,
}

impl Check {
    pub fn of(tip: &Tip, file: &str, as_of: Date) -> Check {
        Check {
            schema: CHECK_SCHEMA,
            file: file.to_string(),
            review: tip.review.clone(),
            approved: tip.approved(),
            approval: tip.approval.clone(),
            as_of,
            progress: progress(tip, as_of),
            overdue: (tip.actions.iter())
                .filter(|a| a.is_overdue(as_of))
                .filter_map(|a| {
                    Some(OverdueAction {
                        id: a.id.clone(),
                        outcome: a.outcome.clone(),
                        owner: a.owner.clone(),
                        due: a.due?,
                        status: a.status,
                    })
                })
                .collect(),
        }
    }
}

/// The TIP's text with `[approval]` set to `by` on `on`, everything else byte for byte; the
/// result must still read as a valid, now approved, plan (open actions need target dates).
pub fn approve(source: &SourceFile, by: &str, on: Date) -> Result<String> {
    let text = source.text();
    let mut doc = table::document(source)?;
    let approval = doc
        .entry("approval")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
    let Some(approval) = approval.as_table_like_mut() else {
        return Err(Error::Invalid(vec![
            Diagnostic::error(Code::InvalidType, "`approval` is not a table")
                .help("write [approval] with approved_by and approved_on")
                .in_file(source.name()),
        ]));
    };
    table::set_text(approval, "approved_by", by.trim());
    table::set_text(approval, "approved_on", &on.to_string());
    let written = table::keep_line_endings(text, doc.to_string());
    read(&SourceFile::new(source.name(), written.clone()), None)?;
    Ok(written)
}

#[cfg(test)]
mod tests;
