//! Carrying last period's answers into a new file, shared by `caf init --carry-forward` (for
//! scripts) and `caf assess --carry-forward` (interactive): one plan, one file, one summary.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::exit::{Error, Result};
use super::output;
use caf_core::assessment::{self, LoadedAssessment};
use caf_core::diagnostic::SourceFile;
use caf_core::framework::{Catalog, Framework, Profile};
use caf_core::fsutil;
use caf_core::text::plural;
use caf_core::walkthrough::carry::{self, CarryPlan, LeftBehind, OutcomeCarry, Totals};
use caf_core::walkthrough::writer::AnswerFile;

/// What to carry, as the command line gave it.
pub struct Request<'a> {
    pub last: &'a Path,
    /// The new file's framework; `None` takes `default_framework`.
    pub framework: Option<&'a str>,
    /// Used when `framework` is `None`; `None` means last period's framework.
    pub default_framework: Option<&'a str>,
    pub profile: Option<&'a str>,
    pub period: Option<&'a str>,
    pub out: &'a Path,
}

/// A carried-forward file, checked and ready to save, with the plan that made it.
pub struct Prepared {
    pub last: LoadedAssessment,
    pub target: Arc<Framework>,
    pub plan: CarryPlan,
    /// Last period's name in notes and messages: its period, or its file.
    pub from_period: String,
    pub period: String,
    pub file: AnswerFile,
}

pub fn resolve_profile<'f>(
    framework: &'f Framework,
    id: Option<&str>,
) -> Result<Option<&'f Profile>> {
    match id {
        None => Ok(None),
        Some(id) => framework.profile(id).map(Some).ok_or_else(|| {
            caf_core::Error::UnknownProfile {
                framework: framework.id.clone(),
                id: id.to_string(),
                known: framework.profile_ids().join(", "),
            }
            .into()
        }),
    }
}

/// Loads last period's file, plans the carry and builds the new file (not yet saved).
pub fn prepare(request: &Request<'_>, catalog: &Catalog) -> Result<Prepared> {
    let last = assessment::load(request.last, catalog)?;
    let target_id = request
        .framework
        .or(request.default_framework)
        .unwrap_or(&last.framework.id);
    let target = catalog.framework(target_id)?;
    // Last period's profile when the new framework has it, unless one is given.
    let profile_id = request.profile.map(str::to_string).or_else(|| {
        last.assessment
            .profile
            .clone()
            .filter(|p| target.profile(p).is_some())
    });
    let profile = resolve_profile(&target, profile_id.as_deref())?.cloned();
    let plan = carry::plan_in(catalog, &last, &target)?;
    let today = fsutil::today();
    let last_period = last.assessment.period.clone().unwrap_or_default();
    let period = request
        .period
        .map(str::to_string)
        .or_else(|| carry::next_period(&last_period))
        .unwrap_or_else(|| fsutil::financial_year(today));
    let from_period = if last_period.is_empty() {
        request.last.display().to_string()
    } else {
        last_period
    };
    let header = carry::header(&last.assessment, &period, today);
    let file = carry::new_file(
        &plan,
        &target,
        profile.as_ref(),
        &header,
        &from_period,
        request.out,
    )?;
    // The writer keeps the file valid; refuse to write it if it ever would not be.
    assessment::parse(
        &SourceFile::new(request.out.display().to_string(), file.text()),
        catalog,
    )?;
    Ok(Prepared {
        last,
        target,
        plan,
        from_period,
        period,
        file,
    })
}

/// Refuses to replace an existing file unless asked to.
pub fn check_new(out: &Path, force: bool, hint: &str) -> Result<()> {
    if out.exists() && !force {
        return Err(Error::Usage(format!(
            "{} already exists; {hint}",
            out.display()
        )));
    }
    Ok(())
}

/// The one-line summary.
pub fn headline(p: &Prepared, out: &Path) -> String {
    let t: Totals = p.plan.totals();
    let across = p.last.framework.id != p.target.id;
    let mut line = format!(
        "Created {} for {} ({}): {} answers carried forward from {} ({}), each marked as needing review",
        out.display(),
        p.period,
        p.target.id,
        t.outcomes,
        p.from_period,
        p.last.framework.id,
    );
    if across {
        let _ = write!(
            line,
            "; {} ticked, {} not carried, {} whose status differs or cannot be compared",
            plural(t.ticks, "statement"),
            plural(t.dropped, "tick"),
            plural(t.changed, "outcome")
        );
    }
    if t.left_behind > 0 {
        let _ = write!(line, "; {} left behind", plural(t.left_behind, "answer"));
    }
    line.push('.');
    line
}

fn last_cell(row: &OutcomeCarry) -> String {
    match (&row.previous, row.last_status) {
        (_, Some(status)) if row.previous.as_ref() == Some(&row.id) => status.label().to_string(),
        (Some(p), Some(status)) => format!("{} ({p})", status.label()),
        (Some(_), None) => "Not assessed".into(),
        (None, _) => "–".into(),
    }
}

/// The per-outcome summary, one line per outcome of the new framework (plain columns, for
/// people and for `grep`), then what was left behind.
pub fn summary_text(p: &Prepared, out: &Path) -> String {
    let mut text = format!("{}\n\n", headline(p, out));
    let _ = writeln!(
        text,
        "{:<6} {:<27} {:<19} why they differ",
        "", "last period", "carried"
    );
    for row in &p.plan.outcomes {
        let why = if row.reasons.is_empty() && row.differs() && row.last_status.is_some() {
            "the same statements give another status".to_string()
        } else {
            row.reasons.join("; ")
        };
        let line = format!(
            "{:<6} {:<27} {:<19} {why}",
            row.id.as_str(),
            last_cell(row),
            row.carried_status.label()
        );
        let _ = writeln!(text, "{}", line.trim_end());
    }
    if !p.plan.left_behind.is_empty() {
        let _ = writeln!(text, "\nNot carried:");
        for LeftBehind { from, reason, .. } in &p.plan.left_behind {
            let _ = writeln!(text, "  {} {from}: {reason}", p.last.framework.id);
        }
    }
    let dropped: Vec<_> = p.plan.dropped().collect();
    if !dropped.is_empty() {
        let _ = writeln!(text, "\nTicks not carried:");
        for d in dropped {
            let see = d
                .see
                .as_ref()
                .map_or(String::new(), |s| format!("; see {s}"));
            let _ = writeln!(text, "  {}: {}{see}", d.statement, d.reason);
        }
    }
    text
}

/// `caf.carry/1`: the plan as JSON, for scripts.
pub fn summary_json(p: &Prepared, out: &Path) -> String {
    #[derive(Serialize)]
    struct Side<'a> {
        file: String,
        framework: &'a str,
        period: &'a str,
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        schema: &'static str,
        from: Side<'a>,
        to: Side<'a>,
        totals: Totals,
        outcomes: &'a [OutcomeCarry],
        left_behind: &'a [LeftBehind],
    }
    output::json(&Doc {
        schema: "caf.carry/1",
        from: Side {
            file: p.last.source.name().to_string(),
            framework: &p.last.framework.id,
            period: p.last.assessment.period.as_deref().unwrap_or(""),
        },
        to: Side {
            file: out.display().to_string(),
            framework: &p.target.id,
            period: &p.period,
        },
        totals: p.plan.totals(),
        outcomes: &p.plan.outcomes,
        left_behind: &p.plan.left_behind,
    })
}
