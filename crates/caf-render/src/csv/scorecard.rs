//! CSV of a scorecard (`caf score --format csv`): one row per outcome with its status, target
//! and reason. The header is a documented, stable interface.

use caf_core::scoring::Scorecard;

use super::{Sheet, flag};

/// The CSV columns, documented in the README; append new columns at the end only.
pub const HEADER: [&str; 13] = [
    "id",
    "title",
    "objective",
    "principle",
    "status",
    "computed_status",
    "target",
    "met",
    "overridden",
    "needs_review",
    "reason",
    "justification",
    // The target is "not achieved": `met` is true for any judgement, and says nothing.
    "no_minimum",
];

pub fn render(card: &Scorecard) -> String {
    let mut sheet = Sheet::new(&HEADER);
    for o in &card.outcomes {
        let met = o.met.map_or("", flag);
        sheet.text_row(&[
            &o.id,
            &o.title,
            &o.objective,
            &o.principle,
            o.status.key(),
            o.computed_status.key(),
            o.target.map_or("", |t| t.key()),
            met,
            flag(o.overridden),
            flag(o.needs_review),
            &o.reason,
            o.justification.as_deref().unwrap_or(""),
            flag(o.no_minimum),
        ]);
    }
    sheet.finish()
}
