//! The plan workbook (`caf plan export --format xlsx`): one sheet, one row per action. The
//! editable columns come first, the status column offers its four values, and the context
//! columns are shaded as read-only; every cell is a string, so `caf plan import` reads back
//! exactly what was written. A Targeted Improvement Plan's workbook has the same layout with
//! its own columns.

use rust_xlsxwriter::{Color, DataValidation, Format, Workbook, XlsxError};

use caf_core::plan::ActionStatus;
use caf_core::plan::table::{EDITABLE, PlanTable};
use caf_core::tip::table::{self as tip, TipTable};

use crate::error::{RenderError, Result};

pub fn render(table: &PlanTable) -> Result<Vec<u8>> {
    let sheet = Editable {
        title: format!("Improvement plan: {}", table.organisation),
        comment: format!("Plan of {}; import with caf plan import", table.file),
        header: PlanTable::header(),
        widths: &[10.0, 60.0, 24.0, 12.0, 14.0, 40.0, 36.0, 20.0, 20.0, 10.0],
        editable: EDITABLE.len(),
        status: 4,
    };
    build(&sheet, table.rows.iter().map(|r| r.cells().to_vec())).map_err(RenderError::Xlsx)
}

/// A Targeted Improvement Plan's workbook.
pub fn render_tip(table: &TipTable) -> Result<Vec<u8>> {
    let sheet = Editable {
        title: format!("Targeted Improvement Plan: {}", table.review),
        comment: format!("Plan of {}; import with caf plan import", table.file),
        header: TipTable::header(),
        widths: &[
            12.0, 50.0, 24.0, 24.0, 14.0, 12.0, 14.0, 36.0, 10.0, 10.0, 40.0, 50.0, 10.0,
        ],
        editable: tip::EDITABLE.len(),
        status: 6,
    };
    build(&sheet, table.rows.iter().map(|r| r.cells().to_vec())).map_err(RenderError::Xlsx)
}

/// One sheet of editable rows: the layout both plans share.
struct Editable {
    title: String,
    comment: String,
    header: Vec<&'static str>,
    widths: &'static [f64],
    /// The first columns a person edits; the rest are shaded read-only context.
    editable: usize,
    /// The status column, which offers the four statuses.
    status: u16,
}

fn build<'a>(
    spec: &Editable,
    rows: impl ExactSizeIterator<Item = Vec<&'a str>>,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let count = rows.len();
    let mut book = Workbook::new();
    book.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(&spec.title)
            .set_comment(&spec.comment),
    );
    let header = Format::new()
        .set_bold()
        .set_font_color(Color::White)
        .set_background_color(Color::RGB(0x1d3557));
    let context = Format::new()
        .set_background_color(Color::RGB(0xeeeeee))
        .set_font_color(Color::RGB(0x444444));
    let sheet = book.add_worksheet();
    sheet.set_name("Plan")?;
    for (col, name) in spec.header.iter().enumerate() {
        let col = u16::try_from(col).expect("a few columns");
        sheet.write_string_with_format(0, col, *name, &header)?;
        sheet.set_column_width(col, spec.widths[usize::from(col)])?;
    }
    for (i, row) in rows.enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (col, cell) in row.into_iter().enumerate() {
            let col = u16::try_from(col).expect("a few columns");
            if usize::from(col) < spec.editable {
                sheet.write_string(r, col, cell)?;
            } else {
                sheet.write_string_with_format(r, col, cell, &context)?;
            }
        }
    }
    let last = u32::try_from(count.max(1) + 200).unwrap_or(u32::MAX);
    let statuses: Vec<&str> = ActionStatus::ALL.iter().map(|s| s.key()).collect();
    sheet.add_data_validation(
        1,
        spec.status,
        last,
        spec.status,
        &DataValidation::new().allow_list_strings(&statuses)?,
    )?;
    sheet.set_freeze_panes(1, 0)?;
    let width = u16::try_from(spec.header.len() - 1).expect("a few columns");
    sheet.autofilter(0, 0, last.min(count.max(1) as u32), width)?;
    book.save_to_buffer()
}
