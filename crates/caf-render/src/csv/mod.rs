//! CSV: one row per outcome, for spreadsheets and scripts. Each document has its own stable,
//! documented header; columns are only ever appended.

pub mod aggregate;
pub mod report;
pub mod scorecard;
