//! `caf score FILE`: every outcome's status, reason and target, as a table, JSON or CSV.

use std::fmt::Write;
use std::path::PathBuf;

use caf_render::{Document, RenderOptions};
use clap::Args;

use super::exit::Result;
use super::format::{Shown, parser};
use super::{Outcome, output};
use caf_core::assessment::LoadedAssessment;
use caf_core::framework::Catalog;
use caf_core::scoring::{self, ScoreOptions, Scorecard};

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The assessment file (TOML).
    pub file: PathBuf,
    /// Target profile to score against (default: the file's `profile`).
    #[arg(long)]
    pub profile: Option<String>,
    #[arg(long, value_parser = parser::<Scorecard>(true, None), default_value = "table")]
    pub format: Shown,
    /// Score targets on the statuses the statements give: overrides are shown, not counted.
    #[arg(long)]
    pub computed: bool,
}

pub fn run(args: ScoreArgs, catalog: &Catalog) -> Result<Outcome> {
    let options = ScoreOptions {
        computed: args.computed,
    };
    let scorecard = load_and_score(&args.file, args.profile.as_deref(), options, catalog)?;
    match args.format {
        Shown::Table => output::emit(&render_table(&scorecard), None)?,
        Shown::File(format) => {
            output::emit_document(&scorecard.render(format, &RenderOptions::default())?, None)?;
        }
    }
    Ok(Outcome::Success)
}

/// Loads and validates one file, printing its warnings (a redundant override) to stderr;
/// shared by every verb that reads an assessment.
pub fn load(file: &std::path::Path, catalog: &Catalog) -> Result<LoadedAssessment> {
    let loaded = caf_core::assessment::load(file, catalog)?;
    for warning in &loaded.warnings {
        // The diagnostic quotes the file's line.
        eprintln!("{}", output::inert(&warning.to_string()));
    }
    Ok(loaded)
}

/// Loads, validates and scores one file.
pub fn load_and_score(
    file: &std::path::Path,
    profile: Option<&str>,
    options: ScoreOptions,
    catalog: &Catalog,
) -> Result<Scorecard> {
    let loaded = load(file, catalog)?;
    let profile = loaded.profile(profile)?;
    Ok(scoring::score_with(
        &loaded.framework,
        &loaded.assessment,
        profile,
        options,
    ))
}

/// The overrides, one line each, for the text outputs: computed status, overriding status,
/// justification, and whether it counts.
pub fn override_lines(card: &Scorecard) -> String {
    let mut text = String::new();
    let overridden: Vec<_> = card.outcomes.iter().filter(|o| o.overridden).collect();
    if overridden.is_empty() {
        return text;
    }
    let counted = if card.computed_only {
        "; not counted: scored on computed statuses"
    } else {
        ""
    };
    let _ = writeln!(
        text,
        "{}{counted}:",
        caf_core::text::plural(overridden.len(), "override")
    );
    for o in overridden {
        let _ = writeln!(
            text,
            "  {} {}: {} by override, computed {}\n    Justification: {}",
            o.id,
            o.title,
            o.override_status.map_or("?", |s| s.label()),
            o.computed_status.label().to_lowercase(),
            o.justification.as_deref().unwrap_or("")
        );
    }
    text
}

/// One line naming the organisation, framework, profile and period.
pub fn heading(card: &Scorecard) -> String {
    let profile = match &card.profile {
        Some(p) if p.provisional => format!("profile {} (provisional)", p.id),
        Some(p) => format!("profile {}", p.id),
        None => "no target profile".to_string(),
    };
    let period = card
        .period
        .as_deref()
        .map_or(String::new(), |p| format!(", period {p}"));
    format!(
        "{} ({}): {} v{}, {profile}{period}",
        card.organisation.name, card.organisation.id, card.framework.id, card.framework.version
    )
}

pub fn summary_line(card: &Scorecard) -> String {
    let t = &card.summary.tally;
    let mut line = format!(
        "{} outcomes, {} assessed ({:.1}%): {} achieved, {} partially achieved, {} not achieved, {} not assessed",
        t.outcomes,
        t.assessed,
        card.summary.completion,
        t.statuses.achieved,
        t.statuses.partially_achieved,
        t.statuses.not_achieved,
        t.statuses.not_assessed
    );
    if card.profile.is_some() {
        let _ = write!(line, ". Targets met: {}", t.met_text());
    }
    if t.needs_review > 0 {
        let _ = write!(
            line,
            ". {} carried forward and still need review",
            t.needs_review
        );
    }
    if t.overridden > 0 {
        let _ = write!(line, ". {} overridden", t.overridden);
        if card.computed_only {
            line.push_str(" (not counted: scored on computed statuses)");
        }
    }
    line.push('.');
    line
}

pub fn render_table(card: &Scorecard) -> String {
    let mut table = output::table(&["Outcome", "Title", "Status", "Target", "Met"]);
    for o in &card.outcomes {
        let mut status = output::status_cell(o.status);
        if o.overridden || o.needs_review {
            let mut label = o.status.label().to_string();
            if o.overridden && card.computed_only {
                label.push_str(" (override ignored)");
            } else if o.overridden {
                label.push_str(" (override)");
            }
            if o.needs_review {
                label.push_str(" (review)");
            }
            status = comfy_table::Cell::new(label).fg(output::status_colour(o.status));
        }
        table.add_row(vec![
            output::text_cell(&o.id),
            output::text_cell(&o.title),
            status,
            output::target_cell(o.target),
            output::met_cell(o.met, o.target),
        ]);
    }
    let mut text = format!(
        "{}\n{table}\n{}\n",
        output::inert(&heading(card)),
        summary_line(card)
    );
    // Titles and justifications are text from the input file.
    text.push_str(&output::inert(&override_lines(card)));
    if !card.gaps.is_empty() {
        let _ = writeln!(text, "Below target ({}):", card.gaps.len());
        for gap in &card.gaps {
            let _ = writeln!(
                text,
                "  {} {}: {}, target {}",
                output::inert(&gap.id),
                output::inert(&gap.title),
                gap.status.label(),
                gap.target.label().to_lowercase()
            );
        }
    }
    text
}
