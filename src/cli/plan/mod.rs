//! `caf plan export` and `caf plan import`: the improvement plan kept in the assessment file,
//! exchanged with a spreadsheet; and the `--as-of` / `--plan-profile` options the report and
//! the check share.

use clap::Args;

use caf_core::assessment::Date;
use caf_core::fsutil;

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
