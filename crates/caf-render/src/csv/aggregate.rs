//! CSV of the aggregate: the population first (group `all`), then each published group, one
//! row per outcome. The header is a documented, stable interface.

use caf_core::aggregate::{OutcomeFigures, Report};

use super::{Sheet, text};

/// The CSV columns; append new columns at the end only.
pub const HEADER: [&str; 21] = [
    "group",
    "organisations",
    "assessments",
    "id",
    "title",
    "objective",
    "principle",
    "achieved",
    "partially_achieved",
    "not_achieved",
    "not_assessed",
    "not_comparable",
    "with_target",
    "met",
    "below_target",
    "met_share",
    "overridden",
    "unreviewed",
    // Of with_target, the targets above "not achieved", and of those met: what met_share is
    // taken over; and whether every target is "not achieved" (met says nothing then).
    "with_minimum",
    "met_minimum",
    "no_minimum",
];

/// The population first (group `all`), then each published group: one row per outcome. Group
/// keys and outcome texts are text cells; the counts and shares are numbers we computed.
pub fn render(report: &Report) -> String {
    let mut sheet = Sheet::new(&HEADER);
    let mut row = |group: &str, orgs: usize, assessments: usize, o: &OutcomeFigures| {
        let c = &o.counts;
        sheet.row([
            text(group),
            orgs.to_string().into(),
            assessments.to_string().into(),
            text(&o.id),
            text(&o.title),
            text(&o.objective),
            text(&o.principle),
            c.statuses.achieved.to_string().into(),
            c.statuses.partially_achieved.to_string().into(),
            c.statuses.not_achieved.to_string().into(),
            c.statuses.not_assessed.to_string().into(),
            c.not_comparable.to_string().into(),
            c.with_target.to_string().into(),
            c.met.to_string().into(),
            c.below_target.to_string().into(),
            o.met_share.map_or(String::new(), |s| s.to_string()).into(),
            c.overridden.to_string().into(),
            c.unreviewed.to_string().into(),
            c.with_minimum.to_string().into(),
            c.met_minimum.to_string().into(),
            super::flag(o.no_minimum).into(),
        ]);
    };
    for o in &report.outcomes {
        row("all", report.coverage.organisations, report.assessments, o);
    }
    for g in report.groups.iter().filter(|g| !g.suppressed) {
        for o in &g.outcomes {
            row(&g.key, g.organisations, g.assessments, o);
        }
    }
    sheet.finish()
}
