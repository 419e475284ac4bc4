//! The review's lifecycle on the file: finalising a completed review, reopening a finalised
//! one as the next version. Each step is checked against the file and refused with located
//! diagnostics; what it changes comes back as a [`ReviewChange`] for
//! [`super::file::ReviewFile`] to write.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::walk::{Edit, ReviewChange};
use super::{Lifecycle, Review};
use crate::diagnostic::{Code, Diagnostics, SourceFile, parse_toml};
use crate::error::Result;
use crate::framework::Framework;

/// Where the `status` key and each outcome's table are, to locate refusals.
struct Spans {
    status: Range<usize>,
    outcomes: BTreeMap<String, Range<usize>>,
}

fn spans(source: &SourceFile) -> Result<Spans> {
    #[derive(Deserialize)]
    struct Raw {
        status: Option<Spanned<toml::Value>>,
        #[serde(default)]
        outcomes: BTreeMap<Spanned<String>, toml::Value>,
    }
    let raw: Raw = parse_toml(source)?;
    Ok(Spans {
        status: raw.status.map_or(0..0, |s| s.span()),
        outcomes: (raw.outcomes.into_keys())
            .map(|k| (k.get_ref().clone(), k.span()))
            .collect(),
    })
}

/// Refuses to change a finalised review (the walk-through, say): reopen it first.
pub fn refuse_finalised(source: &SourceFile, review: &Review) -> Result<()> {
    if review.status != Lifecycle::Finalised {
        return Ok(());
    }
    let spans = spans(source)?;
    let mut diags = Diagnostics::new(source);
    diags.error(
        Code::ReviewLifecycle,
        spans.status,
        "the review is finalised: its answers are not changed",
        format!(
            "reopen it as version {} with `caf review reopen {}`",
            review.version + 1,
            source.name()
        ),
    );
    Ok(diags.finish(())?)
}

/// Finalises a review: only a completed one, with every outcome decided.
pub fn finalise(
    source: &SourceFile,
    review: &Review,
    framework: &Framework,
) -> Result<ReviewChange> {
    let spans = spans(source)?;
    let mut diags = Diagnostics::new(source);
    match review.status {
        Lifecycle::Completed => {}
        Lifecycle::Finalised => diags.error(
            Code::ReviewLifecycle,
            spans.status.clone(),
            format!(
                "version {} of the review is already finalised",
                review.version
            ),
            format!(
                "to change it, reopen it with `caf review reopen {}`",
                source.name()
            ),
        ),
        other => diags.error(
            Code::ReviewLifecycle,
            spans.status.clone(),
            format!(
                "the review is {}: only a completed review is finalised",
                other.key()
            ),
            "finish the walk-through and mark the review completed (or set status = \"completed\")",
        ),
    }
    for outcome in &framework.outcomes {
        let id = outcome.id.as_str();
        if review
            .outcomes
            .get(id)
            .is_some_and(|r| r.decision.is_some())
        {
            continue;
        }
        diags.error(
            Code::ReviewUndecided,
            spans.outcomes.get(id).cloned().unwrap_or(spans.status.clone()),
            format!("outcome {id} has no decision"),
            "give it the reviewer's decision: decision = \"achieved\", \"partially-achieved\" or \"not-achieved\"",
        );
    }
    Ok(diags.finish(ReviewChange {
        edits: vec![Edit::Status(Lifecycle::Finalised)],
    })?)
}

/// Reopens a finalised review as the next version, in progress, every answer kept.
pub fn reopen(source: &SourceFile, review: &Review) -> Result<ReviewChange> {
    let mut diags = Diagnostics::new(source);
    if review.status != Lifecycle::Finalised {
        diags.error(
            Code::ReviewLifecycle,
            spans(source)?.status,
            format!(
                "the review is {}: only a finalised review is reopened",
                review.status.key()
            ),
            "carry on with the walk-through, or edit the file: it is still open",
        );
    }
    Ok(diags.finish(ReviewChange {
        edits: vec![
            Edit::Status(Lifecycle::InProgress),
            Edit::Version(review.version + 1),
        ],
    })?)
}

/// The file `caf review finalise` writes from `text`: `status = "finalised"`, every other byte
/// as it was. The collection service finalises a review in its own records and keeps the file
/// as sent (completed); a Targeted Improvement Plan made from the finalised file names this
/// text's hash.
pub fn finalised_text(text: &str) -> Result<String> {
    let mut file = super::file::ReviewFile::from_text(std::path::Path::new("review"), text)?;
    file.apply(&ReviewChange {
        edits: vec![Edit::Status(Lifecycle::Finalised)],
    });
    Ok(file.text())
}
