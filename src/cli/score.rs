//! `caf score FILE`: every outcome's status, reason and target, as a table, JSON or CSV.

use std::fmt::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Outcome, output};
use crate::error::Result;
use crate::framework::Catalog;
use crate::scoring::{self, Scorecard};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScoreFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The assessment file (TOML).
    pub file: PathBuf,
    /// Target profile to score against (default: the file's `profile`).
    #[arg(long)]
    pub profile: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ScoreFormat,
}

pub fn run(args: ScoreArgs, catalog: &Catalog) -> Result<Outcome> {
    let scorecard = load_and_score(&args.file, args.profile.as_deref(), catalog)?;
    let text = match args.format {
        ScoreFormat::Table => render_table(&scorecard),
        ScoreFormat::Json => output::json(&scorecard),
        ScoreFormat::Csv => render_csv(&scorecard),
    };
    output::emit(&text, None)?;
    Ok(Outcome::Success)
}

/// Loads, validates and scores one file; shared with `check`.
pub fn load_and_score(
    file: &std::path::Path,
    profile: Option<&str>,
    catalog: &Catalog,
) -> Result<Scorecard> {
    let loaded = crate::assessment::load(file, catalog)?;
    let profile = loaded.profile(profile)?;
    Ok(scoring::score(
        &loaded.framework,
        &loaded.assessment,
        profile,
    ))
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
        t.achieved,
        t.partially_achieved,
        t.not_achieved,
        t.not_assessed
    );
    if card.profile.is_some() {
        let _ = write!(line, ". Targets met: {} of {}", t.met, t.with_target);
    }
    if t.needs_review > 0 {
        let _ = write!(
            line,
            ". {} carried forward and still need review",
            t.needs_review
        );
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
            if o.overridden {
                label.push_str(" (override)");
            }
            if o.needs_review {
                label.push_str(" (review)");
            }
            status = comfy_table::Cell::new(label).fg(output::status_colour(o.status));
        }
        table.add_row(vec![
            comfy_table::Cell::new(&o.id),
            comfy_table::Cell::new(&o.title),
            status,
            output::target_cell(o.target),
            output::met_cell(o.met),
        ]);
    }
    let mut text = format!("{}\n{table}\n{}\n", heading(card), summary_line(card));
    if !card.gaps.is_empty() {
        let _ = writeln!(text, "Below target ({}):", card.gaps.len());
        for gap in &card.gaps {
            let _ = writeln!(
                text,
                "  {} {}: {}, target {}",
                gap.id,
                gap.title,
                gap.status.label(),
                gap.target.label().to_lowercase()
            );
        }
    }
    text
}

/// The CSV columns, documented in the README; append new columns at the end only.
pub const CSV_HEADER: [&str; 11] = [
    "id",
    "title",
    "objective",
    "principle",
    "status",
    "computed_status",
    "target",
    "met",
    "overridden",
    "needs_review",
    "reason",
];

fn render_csv(card: &Scorecard) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let write = |writer: &mut csv::Writer<Vec<u8>>, row: &[&str]| {
        writer
            .write_record(row)
            .expect("writing CSV to memory cannot fail");
    };
    write(&mut writer, &CSV_HEADER);
    for o in &card.outcomes {
        let met = o.met.map_or("", |m| if m { "true" } else { "false" });
        write(
            &mut writer,
            &[
                &o.id,
                &o.title,
                &o.objective,
                &o.principle,
                o.status.key(),
                o.computed_status.key(),
                o.target.map_or("", |t| t.key()),
                met,
                if o.overridden { "true" } else { "false" },
                if o.needs_review { "true" } else { "false" },
                &o.reason,
            ],
        );
    }
    String::from_utf8(writer.into_inner().expect("in-memory CSV flushes"))
        .expect("CSV of UTF-8 fields is UTF-8")
}
