//! `caf plan export` and `caf plan import`: the improvement plan kept in the assessment file,
//! exchanged with a spreadsheet; and the `--as-of` / `--plan-profile` options the report and
//! the check share.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::exit::{Error, Result};
use super::format::{Shown, parser};
use super::{Outcome, output};
use caf_core::assessment::Date;
use caf_core::diagnostic::{Code, Diagnostic, Location, SourceFile};
use caf_core::framework::Catalog;
use caf_core::fsutil;
use caf_core::plan::table::{self, Grid, PlanTable};
use caf_core::report::{BuildOptions, PlanOptions, Report};
use caf_core::tip::table::TipTable;
use caf_render::{Document, Format, RenderOptions};

/// The date overdue actions are judged against.
#[derive(Debug, Clone, Args)]
pub struct AsOf {
    /// Judge overdue actions against this date (YYYY-MM-DD) instead of today, for reproducible
    /// output.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
}

impl AsOf {
    pub fn date(&self) -> Date {
        self.as_of.unwrap_or_else(fsutil::today)
    }
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("`{text}` is not a calendar date; write YYYY-MM-DD"))
}

/// `caf plan ...`
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Write the plan as a spreadsheet, one row per action (outcome, action, owner, due,
    /// status, note, then read-only context); outcomes in the plan without actions get a
    /// blank row to fill in.
    Export(ExportArgs),
    /// Write a plan spreadsheet's rows back into the assessment file, in place: only the plans
    /// that changed are touched; nothing is written when any row is bad.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The assessment file, or a Targeted Improvement Plan (TOML).
    pub file: PathBuf,
    /// csv, xlsx or json (default: from the -o file's extension).
    #[arg(long, short = 'f', value_parser = parser::<PlanTable>(false, None))]
    pub format: Option<Shown>,
    /// Where to write the plan (written atomically). CSV and JSON go to stdout without it.
    #[arg(long, short = 'o', value_name = "PLAN")]
    pub output: Option<PathBuf>,
    /// Target profile (default: the file's `profile`).
    #[arg(long)]
    pub profile: Option<String>,
    /// Plan towards this profile (a stretch target) instead of the scoring one.
    #[arg(long, value_name = "PROFILE")]
    pub plan_profile: Option<String>,
    #[command(flatten)]
    pub as_of: AsOf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The assessment file, or a Targeted Improvement Plan (TOML), rewritten in place.
    pub file: PathBuf,
    /// The plan: a .csv or .xlsx file as `caf plan export` writes it.
    pub plan: PathBuf,
}

/// The largest plan file read.
const MAX_PLAN_BYTES: u64 = 16 * 1024 * 1024;

pub fn run(command: PlanCommand, catalog: &Catalog) -> Result<Outcome> {
    match command {
        PlanCommand::Export(args) => export(args, catalog),
        PlanCommand::Import(args) => import(args, catalog),
    }
}

fn export(args: ExportArgs, catalog: &Catalog) -> Result<Outcome> {
    let format = match (
        args.format,
        args.output.as_deref().and_then(Format::from_extension),
    ) {
        (Some(Shown::File(format)), _) | (None, Some(format)) => format,
        _ => Format::Csv,
    };
    if format.is_binary() && args.output.is_none() {
        return Err(Error::Usage(
            "the xlsx format is binary: name the file to write with -o, for example -o plan.xlsx"
                .into(),
        ));
    }
    output::refuse_overwriting_inputs(
        args.output.as_deref(),
        std::iter::once(args.file.as_path()),
    )?;
    if is_tip(&args.file) {
        let (_, tip) = super::tip::load(&args.file, catalog)?;
        let table = TipTable::of(&tip, &args.file.display().to_string(), args.as_of.date());
        let bytes = table.render(format, &RenderOptions::default())?;
        output::emit_document(&bytes, args.output.as_deref())?;
        return Ok(Outcome::Success);
    }
    let loaded = super::score::load(&args.file, catalog)?;
    let options = BuildOptions {
        plan: PlanOptions {
            profile: args.plan_profile,
            as_of: Some(args.as_of.date()),
        },
        ..BuildOptions::default()
    };
    let report = Report::build_with(&loaded, args.profile.as_deref(), &options)?;
    let bytes = PlanTable::of(&report).render(format, &RenderOptions::default())?;
    output::emit_document(&bytes, args.output.as_deref())?;
    Ok(Outcome::Success)
}

fn import(args: ImportArgs, catalog: &Catalog) -> Result<Outcome> {
    if same_file::is_same_file(&args.file, &args.plan).unwrap_or(false) {
        return Err(Error::Usage(
            "the plan and the assessment are the same file".into(),
        ));
    }
    if is_tip(&args.file) {
        return import_tip(&args, catalog);
    }
    let loaded = super::score::load(&args.file, catalog)?;
    let grid = read_grid(&args.plan)?;
    let plans = table::read_grid(&grid, &loaded.framework)?;
    let text = table::apply(&loaded, &plans)?;
    if text == loaded.source.text() {
        eprintln!("{}: the plan is unchanged", args.file.display());
        return Ok(Outcome::Success);
    }
    // The rewritten file must read as the same assessment with the new plans, or nothing is
    // written.
    let source = SourceFile::new(args.file.display().to_string(), text);
    let written = caf_core::assessment::parse(&source, catalog)?;
    if written.assessment.outcomes != loaded.assessment.outcomes
        || written.assessment.plans != plans
    {
        return Err(Error::Usage(format!(
            "{}: writing the plan would change more than the plan; nothing was written",
            args.file.display()
        )));
    }
    fsutil::write_atomic(&args.file, source.text().as_bytes())?;
    let actions: usize = plans.values().map(Vec::len).sum();
    eprintln!(
        "{}: plan written ({} on {})",
        args.file.display(),
        caf_core::text::plural(actions, "action"),
        caf_core::text::plural(plans.len(), "outcome")
    );
    Ok(Outcome::Success)
}

/// Whether the file is a Targeted Improvement Plan rather than an assessment.
fn is_tip(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| caf_core::tip::is_tip(&t))
}

/// `caf plan import TIP.toml PLAN`: the rows' values written into the plan's actions.
fn import_tip(args: &ImportArgs, catalog: &Catalog) -> Result<Outcome> {
    let (source, tip) = super::tip::load(&args.file, catalog)?;
    let grid = read_grid(&args.plan)?;
    let edited = caf_core::tip::table::read_grid(&grid, &tip)?;
    let text = caf_core::tip::table::apply(&source, &tip, &edited)?;
    if text == source.text() {
        eprintln!("{}: the plan is unchanged", args.file.display());
        return Ok(Outcome::Success);
    }
    // The rewritten file must read as the same plan with the edited actions, or nothing is
    // written.
    let written = caf_core::tip::read(
        &SourceFile::new(args.file.display().to_string(), text),
        None,
    )?;
    let expected: Vec<_> = (tip.actions.iter())
        .map(|a| edited.get(&a.id).unwrap_or(a))
        .collect();
    if written.actions.iter().collect::<Vec<_>>() != expected || written.approval != tip.approval {
        return Err(Error::Usage(format!(
            "{}: writing the plan would change more than its actions; nothing was written",
            args.file.display()
        )));
    }
    let text = caf_core::tip::table::apply(&source, &tip, &edited)?;
    fsutil::write_atomic(&args.file, text.as_bytes())?;
    eprintln!(
        "{}: plan written ({} edited)",
        args.file.display(),
        (tip.actions.iter())
            .filter(|a| edited.get(&a.id).is_some_and(|e| e != *a))
            .count()
    );
    Ok(Outcome::Success)
}

/// The plan file's cells as text, by its extension.
fn read_grid(path: &Path) -> Result<Grid> {
    let name = path.display().to_string();
    let read_error = |source| caf_core::Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_PLAN_BYTES {
        return Err(Error::Usage(format!(
            "{name}: {size} bytes is more than a plan file may be ({MAX_PLAN_BYTES})"
        )));
    }
    let rows = match Format::from_extension(path) {
        Some(Format::Csv) => {
            let bytes = std::fs::read(path).map_err(read_error)?;
            csv_rows(&name, &bytes)?
        }
        #[cfg(feature = "xlsx")]
        Some(Format::Xlsx) => xlsx_rows(&name, path)?,
        _ => {
            return Err(Error::Usage(format!(
                "{name}: a plan is a .csv or .xlsx file"
            )));
        }
    };
    Ok(Grid { name, rows })
}

fn invalid(name: &str, line: usize, message: String) -> Error {
    let mut d = Diagnostic::error(Code::InvalidType, message);
    d.location = Some(Location {
        file: name.to_string(),
        line,
        column: 1,
        line_text: None,
        width: 0,
        excerpt_offset: 0,
    });
    Error::from(vec![d])
}

/// CSV rows, with the leading quote `caf plan export` put before formula-like text removed.
fn csv_rows(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if i > table::MAX_ROWS + 1 {
            break;
        }
        let record = record.map_err(|e| {
            let line = e.position().map_or(i + 1, |p| p.line() as usize);
            invalid(name, line, format!("not readable as CSV: {e}"))
        })?;
        rows.push(
            record
                .iter()
                .map(|c| caf_render::csv::untext(c).to_string())
                .collect(),
        );
    }
    Ok(rows)
}

/// The first sheet's cells; a date cell (Excel turns typed dates into numbers) becomes
/// `YYYY-MM-DD`.
#[cfg(feature = "xlsx")]
fn xlsx_rows(name: &str, path: &Path) -> Result<Vec<Vec<String>>> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook(path)
        .map_err(|e| invalid(name, 0, format!("not readable as an Excel workbook: {e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| invalid(name, 0, "the workbook has no sheets".into()))?
        .map_err(|e| invalid(name, 0, format!("the first sheet is not readable: {e}")))?;
    let date = |serial: f64| {
        // Excel's day 25569 is 1970-01-01, Julian day 2440588.
        let day = 2_440_588.0 + serial.floor() - 25_569.0;
        time::Date::from_julian_day(day as i32)
            .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
            .unwrap_or_else(|_| serial.to_string())
    };
    // Rows as the sheet numbers them, so a location is the row a person sees.
    let (top, _) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); top as usize];
    for row in range.rows().take(table::MAX_ROWS + 2) {
        rows.push(
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::DateTime(d) => date(d.as_f64()),
                    Data::DateTimeIso(s) => s.chars().take(10).collect(),
                    other => other.to_string(),
                })
                .collect(),
        );
    }
    Ok(rows)
}
