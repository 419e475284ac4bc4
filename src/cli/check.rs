//! `caf check FILE`: does the assessment meet its target profile? For scripts and CI.
//! Exit 0 when every outcome with a target is assessed, reviewed and meets it, 1 when not, 2 on
//! invalid input. An answer carried from last period and not yet confirmed (`needs_review`) is
//! not this period's judgement, so it cannot pass a check unless `--allow-unreviewed` says so.

use std::fmt::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::exit::{Error, Result};
use super::{Outcome, output, score};
use caf_core::assessment::Date;
use caf_core::framework::{Catalog, Status};
use caf_core::scoring::ScoreOptions;
use caf_core::text::plural;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The assessment file (TOML).
    pub file: PathBuf,
    /// Target profile to check against (default: the file's `profile`).
    #[arg(long)]
    pub profile: Option<String>,
    /// `json` prints the full `caf.score/1` document; the exit code is the same.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// Let outcomes whose answers still need review (carried forward, not yet confirmed) pass.
    #[arg(long)]
    pub allow_unreviewed: bool,
    /// Check targets on the statuses the statements give: overrides are listed, not counted.
    #[arg(long)]
    pub computed: bool,
    #[command(flatten)]
    pub as_of: super::plan::AsOf,
}

/// `caf check --format json`: the scorecard, with the plan's overdue actions beside it.
#[derive(serde::Serialize)]
struct Checked<'a> {
    #[serde(flatten)]
    card: &'a caf_core::scoring::Scorecard,
    /// The date the actions were judged against.
    as_of: Date,
    overdue: Vec<caf_core::plan::Overdue>,
}

pub fn run(args: CheckArgs, catalog: &Catalog) -> Result<Outcome> {
    let options = ScoreOptions {
        computed: args.computed,
    };
    let loaded = score::load(&args.file, catalog)?;
    let card = caf_core::scoring::score_with(
        &loaded.framework,
        &loaded.assessment,
        loaded.profile(args.profile.as_deref())?,
        options,
    );
    let as_of = args.as_of.date();
    let overdue = caf_core::plan::overdue(&loaded.assessment, as_of);
    if card.profile.is_none() {
        return Err(Error::Usage(format!(
            "{}: no target profile to check against; pass --profile or set `profile` in the file",
            args.file.display()
        )));
    }
    let unreviewed: Vec<&str> = card
        .outcomes
        .iter()
        .filter(|o| o.target.is_some() && o.needs_review)
        .map(|o| o.id.as_str())
        .collect();
    let passes = card.passes() && (args.allow_unreviewed || unreviewed.is_empty());
    let text = match args.format {
        CheckFormat::Json => output::json(&Checked {
            card: &card,
            as_of,
            overdue,
        }),
        CheckFormat::Text => {
            let mut text = String::new();
            let verdict = if passes { "PASS" } else { "FAIL" };
            let _ = writeln!(text, "{verdict}: {}", score::heading(&card));
            if !card.gaps.is_empty() {
                let _ = writeln!(text, "{} below target:", plural(card.gaps.len(), "outcome"));
                for gap in &card.gaps {
                    let reason = card.outcome(&gap.id).map_or("", |o| o.reason.as_str());
                    let _ = writeln!(
                        text,
                        "  {} {}: {}, target {}\n    {reason}",
                        gap.id,
                        gap.title,
                        gap.status.label(),
                        gap.target.label().to_lowercase()
                    );
                }
            }
            let unassessed: Vec<&str> = card
                .outcomes
                .iter()
                .filter(|o| o.target.is_some() && o.status == Status::NotAssessed)
                .map(|o| o.id.as_str())
                .collect();
            if !unassessed.is_empty() {
                let _ = writeln!(
                    text,
                    "{} with a target {} not assessed: {}",
                    plural(unassessed.len(), "outcome"),
                    if unassessed.len() == 1 { "is" } else { "are" },
                    unassessed.join(", ")
                );
            }
            if !unreviewed.is_empty() {
                let _ = writeln!(
                    text,
                    "{} with a target still {} review (carried forward, not yet \
                     confirmed){}: {}",
                    plural(unreviewed.len(), "outcome"),
                    if unreviewed.len() == 1 {
                        "needs"
                    } else {
                        "need"
                    },
                    if args.allow_unreviewed {
                        "; allowed by --allow-unreviewed"
                    } else {
                        "; confirm them with `caf assess FILE`, or pass --allow-unreviewed"
                    },
                    unreviewed.join(", ")
                );
            }
            if !overdue.is_empty() {
                let _ = writeln!(
                    text,
                    "{} overdue as of {as_of}:",
                    plural(overdue.len(), "plan action")
                );
                for o in &overdue {
                    let owner = o
                        .owner
                        .as_deref()
                        .map(|w| format!(", {w}"))
                        .unwrap_or_default();
                    let _ = writeln!(text, "  {} {} (due {}{owner})", o.outcome, o.action, o.due);
                }
            }
            text.push_str(&score::override_lines(&card));
            let _ = writeln!(text, "{}", score::summary_line(&card));
            output::inert(&text).into_owned()
        }
    };
    output::emit(&text, None)?;
    Ok(if passes {
        Outcome::Success
    } else {
        Outcome::BelowTarget
    })
}
