//! CSV of a Targeted Improvement Plan (`caf plan export TIP.toml --format csv`): one row per
//! recommendation, the editable columns then the review's; `caf plan import` reads it back.

use caf_core::tip::table::TipTable;

use super::Sheet;

pub fn render(table: &TipTable) -> String {
    let mut sheet = Sheet::new(&TipTable::header());
    for row in &table.rows {
        sheet.text_row(&row.cells());
    }
    sheet.finish()
}
