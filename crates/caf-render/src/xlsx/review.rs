//! The review workbook, in WebCAF's sheet layout: Review details, IGPs (every statement with
//! the organisation's answer and the reviewer's agreement), Contributing outcomes (self-assessed
//! status beside the reviewer's decision) and Risks and recommendations.

use rust_xlsxwriter::{Color, Format, Workbook, Worksheet, XlsxError};

use caf_core::framework::Status;
use caf_core::review::ReviewReport;

use crate::error::{RenderError, Result};

pub fn render(report: &ReviewReport) -> Result<Vec<u8>> {
    build(report).map_err(RenderError::Xlsx)
}

fn header(sheet: &mut Worksheet, columns: &[(&str, f64)]) -> std::result::Result<(), XlsxError> {
    let bold = Format::new()
        .set_bold()
        .set_font_color(Color::White)
        .set_background_color(Color::RGB(0x1d3557));
    for (col, (name, width)) in columns.iter().enumerate() {
        let col = u16::try_from(col).expect("few columns");
        sheet.write_string_with_format(0, col, *name, &bold)?;
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn label(status: Option<Status>) -> &'static str {
    status.map_or("", Status::label)
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "",
    }
}

fn build(report: &ReviewReport) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_title(&report.title));
    let wrap = Format::new().set_text_wrap();

    let details = book.add_worksheet();
    details.set_name("Review details")?;
    header(details, &[("Field", 34.0), ("Value", 90.0)])?;
    let r = &report.review;
    let kind = serde_json::to_value(r.kind).unwrap_or_default();
    let status = serde_json::to_value(r.status).unwrap_or_default();
    let rows: Vec<(&str, String)> = vec![
        ("Organisation", report.organisation.name.clone()),
        (
            "Framework",
            format!("{} v{}", report.framework.name, report.framework.version),
        ),
        (
            "Profile",
            report
                .profile
                .as_ref()
                .map(|p| p.title.clone())
                .unwrap_or_default(),
        ),
        ("Assessment", r.assessment.clone()),
        ("Assessment SHA-256", r.assessment_sha256.clone()),
        ("Review type", kind.as_str().unwrap_or_default().to_string()),
        ("Status", status.as_str().unwrap_or_default().to_string()),
        ("Version", r.version.to_string()),
        ("Reviewer", r.reviewer.name.clone()),
        ("Reviewer's organisation", r.reviewer.organisation.clone()),
        ("Assessor's company", r.overall.company.clone()),
        ("Period of review", r.overall.period.clone()),
        (
            "Quality of the self-assessment evidence",
            r.overall.evidence_quality.clone(),
        ),
        ("Method", r.overall.method.clone()),
        ("Summary", r.overall.summary.clone()),
    ];
    for (i, (field, value)) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        details.write_string(row, 0, *field)?;
        details.write_string_with_format(row, 1, value, &wrap)?;
    }
    let start = u32::try_from(rows.len() + 2).unwrap_or(u32::MAX);
    details.write_string(start, 0, "Objective")?;
    details.write_string(start, 1, "Areas of good practice / for improvement")?;
    for (i, o) in report.objectives.iter().enumerate() {
        let row = start + 1 + u32::try_from(i).unwrap_or(0);
        details.write_string(row, 0, format!("{} {}", o.id, o.title))?;
        let notes = format!(
            "Good practice: {}\nImprovement: {}",
            o.good_practice, o.improvement
        );
        details.write_string_with_format(row, 1, notes, &wrap)?;
    }

    let igps = book.add_worksheet();
    igps.set_name("IGPs")?;
    header(
        igps,
        &[
            ("Outcome", 10.0),
            ("Statement", 14.0),
            ("Level", 18.0),
            ("Text", 90.0),
            ("Selected", 10.0),
            ("Reviewer agrees", 16.0),
        ],
    )?;
    let mut row = 1u32;
    for o in &report.outcomes {
        for s in &o.statements {
            igps.write_string(row, 0, &o.id)?;
            igps.write_string(row, 1, &s.reference)?;
            igps.write_string(row, 2, s.level.label())?;
            igps.write_string_with_format(row, 3, &s.text, &wrap)?;
            igps.write_string(row, 4, if s.selected { "Yes" } else { "No" })?;
            igps.write_string(row, 5, yes_no(s.agreed))?;
            row += 1;
        }
    }

    let outcomes = book.add_worksheet();
    outcomes.set_name("Contributing outcomes")?;
    header(
        outcomes,
        &[
            ("Outcome", 10.0),
            ("Title", 36.0),
            ("Self-assessed", 20.0),
            ("Reviewer's decision", 20.0),
            ("Target", 20.0),
            ("Decision meets target", 14.0),
            ("Comment", 70.0),
        ],
    )?;
    for (i, o) in report.outcomes.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        outcomes.write_string(row, 0, &o.id)?;
        outcomes.write_string(row, 1, &o.title)?;
        outcomes.write_string(row, 2, o.self_assessed.label())?;
        outcomes.write_string(row, 3, label(o.decision))?;
        outcomes.write_string(row, 4, label(o.target))?;
        outcomes.write_string(row, 5, yes_no(o.decision_meets_target))?;
        outcomes.write_string_with_format(row, 6, &o.comment, &wrap)?;
    }

    let risks = book.add_worksheet();
    risks.set_name("Risks and recommendations")?;
    header(
        risks,
        &[
            ("ID", 12.0),
            ("Outcome", 10.0),
            ("Priority", 10.0),
            ("Risk", 60.0),
            ("Recommendation", 80.0),
        ],
    )?;
    for (i, rec) in report.recommendations.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        risks.write_string(row, 0, &rec.id)?;
        risks.write_string(row, 1, &rec.outcome)?;
        risks.write_string(row, 2, if rec.priority { "Yes" } else { "No" })?;
        risks.write_string_with_format(row, 3, &rec.risk, &wrap)?;
        risks.write_string_with_format(row, 4, &rec.text, &wrap)?;
    }
    book.save_to_buffer()
}
