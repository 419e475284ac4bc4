//! CSV of the plan (`caf plan export --format csv`): one row per action, the editable columns
//! then read-only context; `caf plan import` reads it back.

use caf_core::plan::table::PlanTable;

use super::Sheet;

pub fn render(table: &PlanTable) -> String {
    let mut sheet = Sheet::new(&PlanTable::header());
    for row in &table.rows {
        sheet.text_row(&row.cells());
    }
    sheet.finish()
}
