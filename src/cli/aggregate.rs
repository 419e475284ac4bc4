//! `caf aggregate PATH...`: population and group figures over many assessments, as a terminal
//! heat-map, JSON, CSV, Excel, HTML or PDF.
//!
//! `caf aggregate --server URL` asks the collection service instead: the server computes the
//! report over its organisations' current submissions (so a viewer never receives individual
//! submissions) and answers with the `caf.aggregate/1` JSON, which is read back into the same
//! [`Report`] model and rendered here exactly as a local one.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use comfy_table::{Cell, Color};

use super::{Outcome, output};
use caf_core::aggregate::publish::cellkey::{MIN_SECRET_BYTES, Secret};
use caf_core::aggregate::publish::{Publication, View};
use caf_core::aggregate::{self, GroupBy, Options, Progress, Report};
use caf_render::{Document, RenderOptions};

use super::exit::{Error, Result};
use super::format::{Shown, parser, resolve};
use caf_core::framework::Catalog;
use caf_core::text::plural;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GroupByArg {
    Sector,
    Region,
    Parent,
    Profile,
    Period,
}

impl From<GroupByArg> for GroupBy {
    fn from(g: GroupByArg) -> Self {
        match g {
            GroupByArg::Sector => GroupBy::Sector,
            GroupByArg::Region => GroupBy::Region,
            GroupByArg::Parent => GroupBy::Parent,
            GroupByArg::Profile => GroupBy::Profile,
            GroupByArg::Period => GroupBy::Period,
        }
    }
}

#[derive(Debug, Args)]
pub struct AggregateArgs {
    /// Assessment files, or folders searched recursively for *.toml.
    #[arg(required_unless_present = "server", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Aggregate on this collection service instead, over each organisation's current
    /// submission (token from CAF_TOKEN or the config file).
    #[arg(long, value_name = "URL", conflicts_with = "paths")]
    pub server: Option<String>,
    /// A private CA's certificate (PEM) to trust for the server's TLS certificate.
    #[arg(long, value_name = "FILE", requires = "server")]
    pub ca_cert: Option<PathBuf>,
    /// What the groups are.
    #[arg(long, value_enum, default_value = "sector")]
    pub group_by: GroupByArg,
    /// The period to describe (default: the latest found; all of them with --group-by period).
    #[arg(long)]
    pub period: Option<String>,
    /// Express the figures in this framework (default: the newest found); other versions are
    /// compared through the outcome mapping.
    #[arg(long)]
    pub framework: Option<String>,
    /// No published figure describes fewer organisations than this.
    #[arg(long, default_value_t = aggregate::DEFAULT_MIN_GROUP_SIZE as u32, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_group_size: u32,
    /// Name organisations in gaps, regressions and supplier lists (for the central unit only).
    #[arg(long)]
    pub identify: bool,
    /// Figures to leave the central unit: counts of organisations perturbed by the cell-key
    /// method, keyed by the secret in KEY_FILE (at least 16 bytes; keep it, and use the same
    /// one for every publication), and anything that differs from another publishable figure
    /// by fewer than --min-group-size organisations withheld. See docs/disclosure.md.
    #[arg(long, value_name = "KEY_FILE", conflicts_with_all = ["server", "identify"])]
    pub publish: Option<PathBuf>,
    /// Follow symbolic links found in the folders even when they point outside them (by
    /// default only links to files inside the folder are read).
    #[arg(long, conflicts_with = "server")]
    pub follow_symlinks: bool,
    /// Fail (exit 2) if any input is invalid, instead of skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Output format (default: the one -o's extension names, else a table).
    #[arg(long, value_parser = parser::<Report>(true, None))]
    pub format: Option<Shown>,
    /// Folder of templates that replace the shipped ones file by file (aggregate.html,
    /// partials/style.css, ...).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Write to this file instead of standard output (required for xlsx and pdf).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// An indicatif bar on stderr, drawn only when stderr is a terminal.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: usize) {
        self.0.set_length(total as u64);
    }

    fn advance(&self) {
        self.0.inc(1);
    }
}

pub fn run(mut args: AggregateArgs, catalog: &Catalog) -> Result<Outcome> {
    let format = resolve(args.format, args.output.as_deref(), Some(Shown::Table))?;
    args.format = Some(format);
    if let Shown::File(format) = format
        && format.is_binary()
        && args.output.is_none()
    {
        return Err(Error::Usage(format!(
            "--format {format} writes a binary {}: name the file with -o FILE",
            if format == caf_render::Format::Xlsx {
                "workbook"
            } else {
                "document"
            }
        )));
    }
    output::refuse_overwriting_inputs(
        args.output.as_deref(),
        args.paths.iter().map(PathBuf::as_path),
    )?;
    let options = Options {
        group_by: args.group_by.into(),
        period: args.period.clone(),
        framework: args.framework.clone(),
        min_group_size: args.min_group_size as usize,
        identify: args.identify,
        publication: args.publish.as_deref().map(publication).transpose()?,
    };
    let report = match &args.server {
        Some(server) => from_server(server, &args, &options)?,
        None => from_files(&args, catalog, &options)?,
    };
    render(&report, &args)
}

/// Published figures describe everyone, keyed by the secret in `path`.
fn publication(path: &std::path::Path) -> Result<Publication> {
    let bytes = std::fs::read(path).map_err(|source| caf_core::Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // A trailing newline from an editor or `echo` is not part of the secret.
    let secret = bytes.trim_ascii_end().to_vec();
    let secret = Secret::new(secret).ok_or_else(|| {
        Error::Usage(format!(
            "{}: a publication key needs at least {MIN_SECRET_BYTES} bytes (for example, \
             `head -c 32 /dev/urandom | base64 > {}`)",
            path.display(),
            path.display()
        ))
    })?;
    Ok(Publication {
        secret,
        view: View::All,
    })
}

/// Asks the collection service; the server applies its own minimum group size and scope.
#[cfg(not(feature = "client"))]
fn from_server(_server: &str, _args: &AggregateArgs, _options: &Options) -> Result<Report> {
    Err(Error::Usage(
        "this caf was built without the `client` feature, so it cannot ask a server".into(),
    ))
}

/// Asks the collection service; the server applies its own minimum group size and scope.
#[cfg(feature = "client")]
fn from_server(server: &str, args: &AggregateArgs, options: &Options) -> Result<Report> {
    let client = super::submit::ServerArgs {
        server: Some(server.to_string()),
        ca_cert: args.ca_cert.clone(),
        attempts: 6,
    }
    .client()?;
    let min_group_size = options.min_group_size.to_string();
    let mut query = vec![
        ("group_by", options.group_by.key()),
        ("min_group_size", min_group_size.as_str()),
    ];
    if let Some(period) = &options.period {
        query.push(("period", period));
    }
    if let Some(framework) = &options.framework {
        query.push(("framework", framework));
    }
    if options.identify {
        query.push(("identify", "true"));
    }
    Ok(client.aggregate(&query)?)
}

fn from_files(args: &AggregateArgs, catalog: &Catalog, options: &Options) -> Result<Report> {
    let source =
        aggregate::FileSource::new(args.paths.clone()).follow_symlinks(args.follow_symlinks);
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} reading {pos}/{len} assessments {wide_bar} {eta}",
            )
            .expect("static template"),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let bar = Bar(bar);
    let report = aggregate::aggregate(&source, catalog, options, &bar)?;
    bar.0.finish_and_clear();
    Ok(report)
}

fn render(report: &Report, args: &AggregateArgs) -> Result<Outcome> {
    if report.invalid.is_empty() && report.coverage.invalid > 0 {
        // Published figures name no input; the count is all they keep.
        let text = format!(
            "{}{}; published figures do not name them (run without --publish \
             to see which)\n",
            plural(report.coverage.invalid, "invalid input"),
            if args.strict { "" } else { " skipped" }
        );
        if args.strict {
            return Err(Error::Usage(format!(
                "{text}--strict: no figures written while an input is invalid"
            )));
        }
        let _ = std::io::stderr().write_all(format!("warning: {text}").as_bytes());
    }
    if !report.invalid.is_empty() {
        let mut text = format!(
            "{}{}:\n",
            plural(report.invalid.len(), "invalid input"),
            if args.strict { "" } else { " skipped" }
        );
        for invalid in &report.invalid {
            let _ = writeln!(text, "{}", invalid.error);
        }
        if args.strict {
            return Err(Error::Usage(format!(
                "{text}--strict: no figures written while an input is invalid"
            )));
        }
        let warning = format!("warning: {text}");
        let _ = std::io::stderr().write_all(output::inert(&warning).as_bytes());
    }

    let out = args.output.as_deref();
    match args.format.unwrap_or(Shown::Table) {
        Shown::Table => output::emit(&render_table(report), out)?,
        Shown::File(format) => {
            let options = RenderOptions {
                templates: args.templates.clone(),
                ..RenderOptions::default()
            };
            output::emit_document(&report.render(format, &options)?, out)?;
        }
    }
    Ok(Outcome::Success)
}

fn share(value: Option<f64>) -> String {
    value.map_or("–".into(), |v| format!("{v:.0}%"))
}

fn heat_colour(value: Option<f64>) -> Color {
    match value {
        None => Color::DarkGrey,
        Some(v) if v >= 80.0 => Color::Green,
        Some(v) if v >= 50.0 => Color::Yellow,
        Some(_) => Color::Red,
    }
}

/// Widths of the heat-map's columns in a terminal: the outcome id, and a group's cell
/// ("100.0% 120/40/12" with its borders and padding).
const OUTCOME_COLUMN: usize = 10;
const GROUP_COLUMN: usize = 20;

/// The terminal view: coverage, a heat-map of outcome × group, then attainment, gaps, trend
/// and suppliers in brief.
pub fn render_table(r: &Report) -> String {
    // Group keys, titles and names come from the input files.
    let line = |text: &mut String, args: std::fmt::Arguments| {
        text.push_str(&output::inert(&args.to_string()));
        text.push('\n');
    };
    let mut text = String::new();
    line(
        &mut text,
        format_args!(
            "{} v{}, {}: {} from {}, {:.1}% of outcomes assessed; grouped by {}.",
            r.framework.id,
            r.framework.version,
            r.periods.join(", "),
            plural(r.assessments, "assessment"),
            plural(r.coverage.organisations, "organisation"),
            r.coverage.completion,
            r.group_by.key()
        ),
    );
    if r.coverage.invalid > 0 || r.coverage.other_periods > 0 || r.coverage.unmappable > 0 {
        line(
            &mut text,
            format_args!(
                "Inputs: {} read, {} invalid (skipped), {} for other periods (trend only), {} not mappable to {}.",
                r.coverage.inputs,
                r.coverage.invalid,
                r.coverage.other_periods,
                r.coverage.unmappable,
                r.framework.id
            ),
        );
    }
    if let Some(marks) = &r.coverage.marks_summary {
        let _ = writeln!(text, "{marks}");
    }
    if r.disclosure.suppressed {
        line(
            &mut text,
            format_args!(
                "Fewer than {} organisations: figures withheld (disclosure control).",
                r.disclosure.min_group_size
            ),
        );
        return text;
    }
    let cols: Vec<_> = r.groups.iter().filter(|g| !g.suppressed).collect();
    let cell = |o: &aggregate::OutcomeFigures| {
        let c = &o.counts;
        let text = format!(
            "{} {}/{}/{}",
            if o.no_minimum {
                "no min.".to_string()
            } else {
                share(o.met_share)
            },
            c.statuses.achieved,
            c.statuses.partially_achieved,
            c.statuses.not_achieved
        );
        // A "not achieved" target sets no minimum: neither red nor green.
        if o.no_minimum {
            Cell::new(text)
        } else {
            Cell::new(text).fg(heat_colour(o.met_share))
        }
    };
    // Many groups do not fit side by side: the columns continue in further tables, each
    // repeating the outcome and the population column, each as wide as the terminal.
    let per_table = ((output::width() - OUTCOME_COLUMN) / GROUP_COLUMN)
        .saturating_sub(1)
        .max(1);
    let blocks: Vec<&[&aggregate::GroupFigures]> = if cols.is_empty() {
        vec![&[]]
    } else {
        cols.chunks(per_table).collect()
    };
    let _ = writeln!(
        text,
        "Share meeting target, then achieved/partially/not achieved counts, per outcome and group:"
    );
    for block in blocks {
        let mut header = vec!["Outcome".to_string(), "All".to_string()];
        header.extend(
            block
                .iter()
                .map(|g| format!("{} ({})", g.key, g.organisations)),
        );
        let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut table = output::table(&header_refs);
        for (i, o) in r.outcomes.iter().enumerate() {
            let mut row = vec![output::text_cell(&o.id), cell(o)];
            row.extend(block.iter().map(|g| cell(&g.outcomes[i])));
            table.add_row(row);
        }
        let _ = writeln!(text, "{table}");
    }
    if r.disclosure.merged_groups > 0 || r.disclosure.suppressed_groups > 0 {
        line(
            &mut text,
            format_args!(
                "Disclosure control: {} under {} merged into \"{}\"; {} suppressed.",
                plural(r.disclosure.merged_groups, "group"),
                plural(r.disclosure.min_group_size, "organisation"),
                aggregate::OTHER_GROUP,
                plural(r.disclosure.suppressed_groups, "group")
            ),
        );
    }
    for p in &r.attainment.profiles {
        line(
            &mut text,
            format_args!(
                "Meeting every {} target that sets a minimum: {} of {} ({}).{}",
                p.profile,
                p.meeting_minimum,
                plural(p.organisations, "organisation"),
                share(p.minimum_share),
                (p.no_minimum_note.as_ref()).map_or(String::new(), |note| format!(" {note}"))
            ),
        );
    }
    if !r.gaps.is_empty() {
        line(
            &mut text,
            format_args!(
                "Systemic gaps (organisations below target; share of those whose target sets a minimum):"
            ),
        );
        for g in r.gaps.iter().take(10) {
            line(
                &mut text,
                format_args!(
                    "  {:>2}. {:<5} {:>6} ({}) {}",
                    g.rank,
                    g.id,
                    g.organisations,
                    share(g.minimum_share),
                    g.title
                ),
            );
            if let Some(named) = &g.named {
                line(&mut text, format_args!("      {}", named.join(", ")));
            }
        }
    }
    for c in &r.trend.changes {
        if c.suppressed {
            line(
                &mut text,
                format_args!(
                    "Trend {} → {}: suppressed (too few organisations).",
                    c.from, c.to
                ),
            );
            continue;
        }
        let not_comparable: Vec<&str> = c
            .outcomes
            .iter()
            .filter(|o| !o.comparable)
            .map(|o| o.id.as_str())
            .collect();
        let mut moves: Vec<_> = c
            .outcomes
            .iter()
            .filter_map(|o| o.met_change.map(|d| (d, o.id.as_str())))
            .collect();
        moves.sort_by(|a, b| b.0.total_cmp(&a.0));
        let fmt = |m: &[(f64, &str)]| {
            m.iter()
                .map(|(d, id)| format!("{id} {d:+.1}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        line(
            &mut text,
            format_args!(
                "Trend {} → {}: {} in both; {} improved, {} regressed, {} unchanged.",
                c.from,
                c.to,
                plural(c.organisations, "organisation"),
                c.improved,
                c.regressed,
                c.unchanged
            ),
        );
        if let Some(summary) = &c.met_summary {
            let _ = writeln!(text, "  {summary}");
        }
        if !moves.is_empty() {
            let top = &moves[..moves.len().min(3)];
            let bottom: Vec<_> = moves
                .iter()
                .rev()
                .take_while(|(d, _)| *d < 0.0)
                .take(3)
                .copied()
                .collect();
            line(
                &mut text,
                format_args!(
                    "  Largest rises (points met): {}; largest falls: {}.",
                    fmt(top),
                    if bottom.is_empty() {
                        "none".into()
                    } else {
                        fmt(&bottom)
                    }
                ),
            );
        }
        if !not_comparable.is_empty() {
            line(
                &mut text,
                format_args!("  Not comparable: {}.", not_comparable.join(", ")),
            );
        }
        if let Some(named) = &c.regressed_named
            && !named.is_empty()
        {
            line(&mut text, format_args!("  Regressed: {}", named.join(", ")));
        }
    }
    let sc = &r.supply_chain;
    if !sc.concentration.is_empty() {
        line(
            &mut text,
            format_args!(
                "Supplier concentration ({} suppliers named; below target on {}):",
                sc.suppliers,
                sc.outcomes.join("/")
            ),
        );
        for s in sc.concentration.iter().take(10) {
            line(
                &mut text,
                format_args!(
                    "  {:<40} {:>6} organisations, {:>6} below target",
                    s.name, s.organisations, s.below_target
                ),
            );
        }
    }
    text
}
