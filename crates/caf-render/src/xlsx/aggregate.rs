//! Excel workbook of the aggregate [`Report`]: the population, each published group, the
//! gaps, trends, suppliers and the files that could not be read, one sheet each.

use caf_core::aggregate::{Counts, OutcomeFigures, Report};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::error::{RenderError, Result};

/// A workbook with one sheet per part of the report.
pub fn render(report: &Report) -> Result<Vec<u8>> {
    build_xlsx(report).map_err(RenderError::Xlsx)
}

fn header(sheet: &mut Worksheet, names: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (i, name) in names.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *name, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn opt(sheet: &mut Worksheet, row: u32, col: u16, value: Option<f64>) -> Result<(), XlsxError> {
    if let Some(v) = value {
        sheet.write_number(row, col, v)?;
    }
    Ok(())
}

/// An outcome's figures from column `col`: the counts of [`COUNT_NAMES`], then those of
/// [`FIGURE_NAMES`].
fn figures_row(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    o: &OutcomeFigures,
) -> Result<(), XlsxError> {
    counts_row(sheet, row, col, &o.counts)?;
    let col = col + COUNT_NAMES.len() as u16;
    opt(sheet, row, col, o.met_share)?;
    sheet.write_number(row, col + 1, o.counts.with_minimum)?;
    sheet.write_number(row, col + 2, o.counts.met_minimum)?;
    sheet.write_boolean(row, col + 3, o.no_minimum)?;
    Ok(())
}

/// After the counts: the share meeting target (over the targets that set a minimum), those
/// targets and the ones met, and whether every target is "not achieved" (`met` says nothing).
const FIGURE_NAMES: [&str; 4] = ["met_share", "with_minimum", "met_minimum", "no_minimum"];

fn counts_row(sheet: &mut Worksheet, row: u32, col: u16, c: &Counts) -> Result<(), XlsxError> {
    for (i, v) in [
        c.statuses.achieved,
        c.statuses.partially_achieved,
        c.statuses.not_achieved,
        c.statuses.not_assessed,
        c.not_comparable,
        c.with_target,
        c.met,
        c.below_target,
        c.overridden,
        c.unreviewed,
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_number(row, col + i as u16, v)?;
    }
    Ok(())
}

const COUNT_NAMES: [&str; 10] = [
    "achieved",
    "partially_achieved",
    "not_achieved",
    "not_assessed",
    "not_comparable",
    "with_target",
    "met",
    "below_target",
    "overridden",
    "unreviewed",
];

fn build_xlsx(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();

    let sheet = book.add_worksheet().set_name("Summary")?;
    let mut r = 0;
    let mut line = |sheet: &mut Worksheet, label: &str, value: String| -> Result<(), XlsxError> {
        sheet.write_string_with_format(r, 0, label, &bold)?;
        sheet.write_string(r, 1, value)?;
        r += 1;
        Ok(())
    };
    line(sheet, "Schema", report.schema.to_string())?;
    line(
        sheet,
        "Framework",
        format!("{} v{}", report.framework.id, report.framework.version),
    )?;
    line(sheet, "Periods", report.periods.join(", "))?;
    line(sheet, "Grouped by", report.group_by.key().to_string())?;
    line(sheet, "Assessments", report.assessments.to_string())?;
    line(
        sheet,
        "Organisations",
        report.coverage.organisations.to_string(),
    )?;
    line(
        sheet,
        "Completion (%)",
        report.coverage.completion.to_string(),
    )?;
    line(sheet, "Invalid inputs", report.coverage.invalid.to_string())?;
    let count = |n: Option<usize>| n.map_or_else(|| "withheld".to_string(), |n| n.to_string());
    let c = &report.coverage;
    line(sheet, "Unreviewed outcomes", count(c.unreviewed_outcomes))?;
    line(
        sheet,
        "Organisations with unreviewed answers",
        count(c.organisations_with_unreviewed),
    )?;
    line(sheet, "Overridden outcomes", count(c.overridden_outcomes))?;
    line(
        sheet,
        "Organisations with overrides",
        count(c.organisations_with_overrides),
    )?;
    line(
        sheet,
        "Minimum group size",
        report.disclosure.min_group_size.to_string(),
    )?;
    for p in &report.attainment.profiles {
        let mut value = format!(
            "{} of {} ({}%)",
            p.meeting_minimum,
            p.organisations,
            p.minimum_share.map_or("–".into(), |s| s.to_string())
        );
        if let Some(note) = &p.no_minimum_note {
            value.push(' ');
            value.push_str(note);
        }
        line(
            sheet,
            &format!("Meeting every {} target that sets a minimum", p.profile),
            value,
        )?;
    }
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 40)?;

    let sheet = book.add_worksheet().set_name("Outcomes")?;
    let mut names = vec!["id", "title", "objective", "principle"];
    names.extend(COUNT_NAMES);
    names.extend(FIGURE_NAMES);
    header(sheet, &names, &bold)?;
    for (i, o) in report.outcomes.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &o.id)?;
        sheet.write_string(row, 1, &o.title)?;
        sheet.write_string(row, 2, &o.objective)?;
        sheet.write_string(row, 3, &o.principle)?;
        figures_row(sheet, row, 4, o)?;
    }
    sheet.set_column_width(1, 45)?;

    let sheet = book.add_worksheet().set_name("Groups")?;
    let mut names = vec!["group", "organisations", "assessments", "id"];
    names.extend(COUNT_NAMES);
    names.extend(FIGURE_NAMES);
    header(sheet, &names, &bold)?;
    let mut row = 1;
    for g in &report.groups {
        if g.suppressed {
            sheet.write_string(row, 0, &g.key)?;
            sheet.write_string(row, 3, "suppressed (too few organisations)")?;
            row += 1;
            continue;
        }
        for o in &g.outcomes {
            sheet.write_string(row, 0, &g.key)?;
            sheet.write_number(row, 1, g.organisations as f64)?;
            sheet.write_number(row, 2, g.assessments as f64)?;
            sheet.write_string(row, 3, &o.id)?;
            figures_row(sheet, row, 4, o)?;
            row += 1;
        }
    }
    let last = (names.len() - 1) as u16;
    sheet.autofilter(0, 0, row.saturating_sub(1).max(1), last)?;

    let sheet = book.add_worksheet().set_name("Gaps")?;
    header(
        sheet,
        &["rank", "id", "title", "organisations", "share"],
        &bold,
    )?;
    for (i, g) in report.gaps.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_number(row, 0, g.rank as f64)?;
        sheet.write_string(row, 1, &g.id)?;
        sheet.write_string(row, 2, &g.title)?;
        sheet.write_number(row, 3, g.organisations as f64)?;
        opt(sheet, row, 4, g.share)?;
    }

    let sheet = book.add_worksheet().set_name("Trend")?;
    header(
        sheet,
        &[
            "from",
            "to",
            "id",
            "comparable",
            "met_share_from",
            "met_share_to",
            "met_change",
            "achieved_change",
            "improved",
            "regressed",
            "note",
            "met_by_answer",
            "met_by_method",
            "met_by_answer_and_method",
        ],
        &bold,
    )?;
    let mut row = 1;
    for change in &report.trend.changes {
        for o in &change.outcomes {
            sheet.write_string(row, 0, &change.from)?;
            sheet.write_string(row, 1, &change.to)?;
            sheet.write_string(row, 2, &o.id)?;
            sheet.write_boolean(row, 3, o.comparable)?;
            opt(sheet, row, 4, o.met_share_from)?;
            opt(sheet, row, 5, o.met_share_to)?;
            opt(sheet, row, 6, o.met_change)?;
            opt(sheet, row, 7, o.achieved_change)?;
            sheet.write_number(row, 8, o.improved as f64)?;
            sheet.write_number(row, 9, o.regressed as f64)?;
            sheet.write_string(row, 10, o.note.as_deref().unwrap_or(""))?;
            sheet.write_number(row, 11, o.met.met_by_answer as f64)?;
            sheet.write_number(row, 12, o.met.met_by_method as f64)?;
            sheet.write_number(row, 13, o.met.met_by_answer_and_method as f64)?;
            row += 1;
        }
    }

    let sheet = book.add_worksheet().set_name("Suppliers")?;
    header(sheet, &["supplier", "organisations", "below_target"], &bold)?;
    for (i, s) in report.supply_chain.concentration.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &s.name)?;
        sheet.write_number(row, 1, s.organisations as f64)?;
        sheet.write_number(row, 2, s.below_target as f64)?;
    }
    sheet.set_column_width(0, 36)?;

    let sheet = book.add_worksheet().set_name("Invalid")?;
    header(sheet, &["input", "error"], &bold)?;
    for (i, inv) in report.invalid.iter().enumerate() {
        sheet.write_string(i as u32 + 1, 0, &inv.input)?;
        sheet.write_string(i as u32 + 1, 1, &inv.error)?;
    }

    book.save_to_buffer()
}
