//! The plan workbook (`caf plan export --format xlsx`): one sheet, one row per action. The
//! editable columns come first, the status column offers its four values, and the context
//! columns are shaded as read-only; every cell is a string, so `caf plan import` reads back
//! exactly what was written.

use rust_xlsxwriter::{Color, DataValidation, Format, Workbook, XlsxError};

use caf_core::plan::ActionStatus;
use caf_core::plan::table::{EDITABLE, PlanTable};

use crate::error::{RenderError, Result};

pub fn render(table: &PlanTable) -> Result<Vec<u8>> {
    build(table).map_err(RenderError::Xlsx)
}

fn build(table: &PlanTable) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    book.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(format!("Improvement plan: {}", table.organisation))
            .set_comment(format!(
                "Plan of {}; import with caf plan import",
                table.file
            )),
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
    let widths = [10.0, 60.0, 24.0, 12.0, 14.0, 40.0, 36.0, 20.0, 20.0, 10.0];
    for (col, name) in PlanTable::header().into_iter().enumerate() {
        let col = u16::try_from(col).expect("ten columns");
        sheet.write_string_with_format(0, col, name, &header)?;
        sheet.set_column_width(col, widths[usize::from(col)])?;
    }
    for (i, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (col, cell) in row.cells().into_iter().enumerate() {
            let col = u16::try_from(col).expect("ten columns");
            if usize::from(col) < EDITABLE.len() {
                sheet.write_string(r, col, cell)?;
            } else {
                sheet.write_string_with_format(r, col, cell, &context)?;
            }
        }
    }
    let last = u32::try_from(table.rows.len().max(1) + 200).unwrap_or(u32::MAX);
    let statuses: Vec<&str> = ActionStatus::ALL.iter().map(|s| s.key()).collect();
    sheet.add_data_validation(
        1,
        4,
        last,
        4,
        &DataValidation::new().allow_list_strings(&statuses)?,
    )?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last.min(table.rows.len().max(1) as u32), 9)?;
    book.save_to_buffer()
}
