//! Excel workbook: the editable form of the report. Sheets for the summary, every outcome, the
//! improvement plan (with blank owner and date columns) and every statement, plus the changes
//! when a previous period is compared. Headers are frozen and filtered; statuses are written
//! out and coloured.

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use caf_core::framework::Status;
use caf_core::report::Report;

use crate::error::{RenderError, Result};
use crate::palette::{status_rgb, status_text_rgb};

fn rgb((r, g, b): (u8, u8, u8)) -> Color {
    Color::RGB((u32::from(r) << 16) | (u32::from(g) << 8) | u32::from(b))
}

struct Styles {
    title: Format,
    bold: Format,
    header: Format,
    wrap: Format,
}

impl Styles {
    fn new() -> Self {
        Self {
            title: Format::new().set_bold().set_font_size(16),
            bold: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_font_color(Color::White)
                .set_background_color(Color::RGB(0x1d3557))
                .set_border(FormatBorder::Thin)
                .set_text_wrap(),
            wrap: Format::new()
                .set_text_wrap()
                .set_align(rust_xlsxwriter::FormatAlign::Top),
        }
    }

    fn status(status: Status) -> Format {
        Format::new()
            .set_bold()
            .set_background_color(rgb(status_rgb(status)))
            .set_font_color(rgb(status_text_rgb(status)))
            .set_align(rust_xlsxwriter::FormatAlign::Top)
    }
}

/// Writes a header row, freezes it, and sets column widths.
fn table_header(
    sheet: &mut Worksheet,
    styles: &Styles,
    columns: &[(&str, f64)],
) -> std::result::Result<(), XlsxError> {
    for (col, (name, width)) in columns.iter().enumerate() {
        let col = u16::try_from(col).expect("few columns");
        sheet.write_string_with_format(0, col, *name, &styles.header)?;
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn filter(
    sheet: &mut Worksheet,
    rows: usize,
    columns: usize,
) -> std::result::Result<(), XlsxError> {
    let last_row = u32::try_from(rows.max(1)).expect("few rows");
    let last_col = u16::try_from(columns - 1).expect("few columns");
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

fn status_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    status: Option<Status>,
) -> std::result::Result<(), XlsxError> {
    match status {
        Some(s) => sheet.write_string_with_format(row, col, s.label(), &Styles::status(s))?,
        None => sheet.write_string(row, col, "")?,
    };
    Ok(())
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "",
    }
}

pub fn render(report: &Report) -> Result<Vec<u8>> {
    build(report).map_err(RenderError::Xlsx)
}

fn build(report: &Report) -> std::result::Result<Vec<u8>, XlsxError> {
    let styles = Styles::new();
    let mut book = Workbook::new();
    let mut properties = rust_xlsxwriter::DocProperties::new()
        .set_title(&report.title)
        .set_comment(format!(
            "{} from {} (SHA-256 {})",
            report.generator, report.cover.source.file, report.cover.source.sha256
        ));
    // The assessment date, not the clock: the same answers give the same workbook.
    if let Some(date) = report
        .cover
        .date
        .as_deref()
        .and_then(|d| rust_xlsxwriter::ExcelDateTime::parse_from_str(d).ok())
    {
        properties = properties.set_creation_datetime(&date);
    }
    book.set_properties(&properties);

    summary_sheet(book.add_worksheet(), &styles, report)?;
    outcomes_sheet(book.add_worksheet(), &styles, report)?;
    plan_sheet(book.add_worksheet(), &styles, report)?;
    statements_sheet(book.add_worksheet(), &styles, report)?;
    if report.comparison.is_some() {
        changes_sheet(book.add_worksheet(), &styles, report)?;
    }
    book.save_to_buffer()
}

fn summary_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    report: &Report,
) -> std::result::Result<(), XlsxError> {
    sheet.set_name("Summary")?;
    sheet.set_column_width(0, 44)?;
    sheet.set_column_width(1, 70)?;
    for col in 2..7 {
        sheet.set_column_width(col, 14)?;
    }
    let cover = &report.cover;
    sheet.write_string_with_format(0, 0, &report.title, &styles.title)?;
    let profile = cover.profile.as_ref().map_or_else(
        || "None: no targets".to_string(),
        |p| {
            if p.provisional {
                format!("{} ({}), provisional", p.title, p.id)
            } else {
                format!("{} ({})", p.title, p.id)
            }
        },
    );
    let facts: Vec<(&str, String)> = vec![
        (
            "Organisation",
            format!("{} ({})", cover.organisation.name, cover.organisation.id),
        ),
        ("Scope", cover.system.clone().unwrap_or_default()),
        (
            "Framework",
            format!(
                "{} v{} ({})",
                cover.framework.name, cover.framework.version, cover.framework.id
            ),
        ),
        ("Profile", profile),
        ("Period", cover.period.clone().unwrap_or_default()),
        ("Assessor", cover.assessor.clone().unwrap_or_default()),
        ("Date", cover.date.clone().unwrap_or_default()),
        ("Answers file", cover.source.file.clone()),
        ("SHA-256", cover.source.sha256.clone()),
        ("Summary", report.summary.headline.clone()),
        (
            "Overrides",
            report.summary.override_notice.clone().unwrap_or_default(),
        ),
    ];
    let mut row = 2u32;
    for (label, value) in facts {
        sheet.write_string_with_format(row, 0, label, &styles.bold)?;
        sheet.write_string(row, 1, value)?;
        row += 1;
    }

    row += 1;
    sheet.write_string_with_format(row, 0, "Status", &styles.header)?;
    sheet.write_string_with_format(row, 1, "Outcomes", &styles.header)?;
    row += 1;
    for c in &report.summary.counts {
        status_cell(sheet, row, 0, Some(c.status))?;
        sheet.write_number(row, 1, c.count as f64)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "Meeting target", &styles.bold)?;
    sheet.write_string(row, 1, &report.summary.met_text)?;
    row += 2;

    header_row(
        sheet,
        styles,
        row,
        &[
            "Objective",
            "Title",
            "Achieved",
            "Partially achieved",
            "Not achieved",
            "Not assessed",
            "Meeting target",
        ],
    )?;
    row += 1;
    for ob in &report.objectives {
        let t = &ob.tally;
        sheet.write_string(row, 0, &ob.id)?;
        sheet.write_string(row, 1, &ob.title)?;
        for (col, n) in [
            t.statuses.achieved,
            t.statuses.partially_achieved,
            t.statuses.not_achieved,
            t.statuses.not_assessed,
        ]
        .into_iter()
        .enumerate()
        {
            sheet.write_number(row, 2 + col as u16, n as f64)?;
        }
        sheet.write_string(row, 6, &ob.met_text)?;
        row += 1;
    }
    if !report.summary.overrides.is_empty() {
        row += 1;
        header_row(
            sheet,
            styles,
            row,
            &[
                "Overridden outcome",
                "Justification",
                "Computed",
                "Overridden to",
            ],
        )?;
        row += 1;
        for v in &report.summary.overrides {
            sheet.write_string(row, 0, format!("{} {}", v.id, v.title))?;
            sheet.write_string_with_format(row, 1, &v.justification, &styles.wrap)?;
            status_cell(sheet, row, 2, Some(v.computed_status))?;
            status_cell(sheet, row, 3, Some(v.override_status))?;
            if !v.counted {
                sheet.write_string(row, 4, "not counted")?;
            }
            row += 1;
        }
    }
    row += 1;
    sheet.write_string_with_format(row, 0, "Most important gaps", &styles.bold)?;
    row += 1;
    if report.summary.top_gaps.is_empty() {
        sheet.write_string(row, 0, "None")?;
    }
    for g in &report.summary.top_gaps {
        sheet.write_string(row, 0, format!("{} {}", g.id, g.title))?;
        sheet.write_string(
            row,
            1,
            format!(
                "{}, target {}",
                g.status.label(),
                g.target.label().to_lowercase()
            ),
        )?;
        row += 1;
    }
    Ok(())
}

/// A row of column headings inside a sheet (not its first row, which [`table_header`] writes).
fn header_row(
    sheet: &mut Worksheet,
    styles: &Styles,
    row: u32,
    headers: &[&str],
) -> std::result::Result<(), XlsxError> {
    for (col, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, *h, &styles.header)?;
    }
    Ok(())
}

fn outcomes_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    report: &Report,
) -> std::result::Result<(), XlsxError> {
    sheet.set_name("Outcomes")?;
    let columns = [
        ("Outcome", 10.0),
        ("Title", 36.0),
        ("Objective", 10.0),
        ("Principle", 10.0),
        ("Status", 20.0),
        ("Computed status", 20.0),
        ("Target", 20.0),
        ("Met", 8.0),
        // A target of not achieved is met by any judgement: "Met: Yes" says nothing then.
        ("No minimum", 11.0),
        ("Overridden", 11.0),
        ("Justification", 40.0),
        ("Needs review", 12.0),
        ("Reason", 60.0),
        ("Comment", 50.0),
        ("Evidence", 40.0),
        ("Suppliers", 30.0),
    ];
    table_header(sheet, styles, &columns)?;
    for (i, o) in report.outcomes.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string_with_format(row, 0, &o.id, &styles.wrap)?;
        sheet.write_string_with_format(row, 1, &o.title, &styles.wrap)?;
        sheet.write_string(row, 2, &o.objective)?;
        sheet.write_string(row, 3, &o.principle)?;
        status_cell(sheet, row, 4, Some(o.status))?;
        status_cell(sheet, row, 5, Some(o.computed_status))?;
        status_cell(sheet, row, 6, o.target)?;
        sheet.write_string(row, 7, yes_no(o.met))?;
        sheet.write_string(row, 8, yes_no(Some(o.no_minimum)))?;
        sheet.write_string(row, 9, yes_no(Some(o.overridden)))?;
        sheet.write_string_with_format(
            row,
            10,
            o.justification.as_deref().unwrap_or(""),
            &styles.wrap,
        )?;
        sheet.write_string(row, 11, yes_no(Some(o.needs_review)))?;
        sheet.write_string_with_format(row, 12, &o.reason, &styles.wrap)?;
        sheet.write_string_with_format(
            row,
            13,
            o.comment.as_deref().unwrap_or(""),
            &styles.wrap,
        )?;
        let evidence = o
            .evidence
            .iter()
            .map(|e| {
                if e.location.is_empty() {
                    e.title.clone()
                } else {
                    format!("{} ({})", e.title, e.location)
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        sheet.write_string_with_format(row, 14, evidence, &styles.wrap)?;
        sheet.write_string_with_format(row, 15, o.suppliers.join("\n"), &styles.wrap)?;
    }
    filter(sheet, report.outcomes.len(), columns.len())
}

fn plan_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    report: &Report,
) -> std::result::Result<(), XlsxError> {
    sheet.set_name("Improvement plan")?;
    let columns = [
        ("Outcome", 10.0),
        ("Title", 36.0),
        ("Current status", 20.0),
        ("Target", 20.0),
        ("To reach the target", 90.0),
        ("Owner", 20.0),
        ("Target date", 14.0),
        ("Override", 60.0),
        ("Actions", 70.0),
        ("Overdue", 10.0),
    ];
    table_header(sheet, styles, &columns)?;
    for (i, p) in report.plan.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string_with_format(row, 0, &p.id, &styles.wrap)?;
        sheet.write_string_with_format(row, 1, &p.title, &styles.wrap)?;
        status_cell(sheet, row, 2, Some(p.status))?;
        status_cell(sheet, row, 3, p.target)?;
        let steps = p
            .steps
            .iter()
            .map(|s| match s.action {
                caf_core::report::Action::Achieve => format!("{} {}", s.reference, s.text),
                caf_core::report::Action::Resolve => {
                    format!("Stop being true: {} {}", s.reference, s.text)
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        sheet.write_string_with_format(row, 4, steps, &styles.wrap)?;
        sheet.write_string(row, 5, &p.owner)?;
        sheet.write_string(row, 6, &p.due)?;
        if let Some(note) = &p.override_note {
            sheet.write_string_with_format(row, 7, note, &styles.wrap)?;
        }
        let actions = (p.actions.iter())
            .map(|a| a.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        sheet.write_string_with_format(row, 8, actions, &styles.wrap)?;
        sheet.write_string(row, 9, if p.overdue { "yes" } else { "" })?;
    }
    filter(sheet, report.plan.len(), columns.len())
}

fn statements_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    report: &Report,
) -> std::result::Result<(), XlsxError> {
    sheet.set_name("IGP detail")?;
    let columns = [
        ("Outcome", 10.0),
        ("Outcome status", 20.0),
        ("Statement", 14.0),
        ("Level", 20.0),
        ("Text", 90.0),
        ("Selected", 10.0),
    ];
    table_header(sheet, styles, &columns)?;
    let mut row = 1u32;
    for o in &report.outcomes {
        for s in &o.statements {
            sheet.write_string(row, 0, &o.id)?;
            status_cell(sheet, row, 1, Some(o.status))?;
            sheet.write_string(row, 2, &s.reference)?;
            sheet.write_string(row, 3, s.level.status().label())?;
            sheet.write_string_with_format(row, 4, &s.text, &styles.wrap)?;
            sheet.write_string(row, 5, yes_no(Some(s.selected)))?;
            row += 1;
        }
    }
    filter(sheet, row as usize - 1, columns.len())
}

fn changes_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    report: &Report,
) -> std::result::Result<(), XlsxError> {
    let Some(comparison) = &report.comparison else {
        return Ok(());
    };
    sheet.set_name("Changes")?;
    let columns = [
        ("Outcome", 10.0),
        ("Title", 36.0),
        ("Previous outcome", 16.0),
        ("Previous status", 20.0),
        ("Status", 20.0),
        ("Change", 18.0),
        ("Note", 70.0),
    ];
    table_header(sheet, styles, &columns)?;
    for (i, r) in comparison.rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &r.id)?;
        sheet.write_string_with_format(row, 1, &r.title, &styles.wrap)?;
        sheet.write_string(row, 2, r.previous_id.as_deref().unwrap_or(""))?;
        status_cell(sheet, row, 3, r.previous_status)?;
        status_cell(sheet, row, 4, Some(r.status))?;
        sheet.write_string_with_format(row, 5, r.change_label, &styles.bold)?;
        sheet.write_string_with_format(row, 6, &r.note, &styles.wrap)?;
    }
    filter(sheet, comparison.rows.len(), columns.len())
}
