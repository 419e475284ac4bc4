//! CSV of the aggregate: the population first (group `all`), then each published group, one
//! row per outcome. The header is a documented, stable interface.

use caf_core::aggregate::{OutcomeFigures, Report};

/// The CSV columns; append new columns at the end only.
pub const HEADER: [&str; 18] = [
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
];

/// The population first (group `all`), then each published group: one row per outcome.
pub fn render(report: &Report) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut row = |group: &str, orgs: usize, assessments: usize, o: &OutcomeFigures| {
        let c = &o.counts;
        let record = [
            group.to_string(),
            orgs.to_string(),
            assessments.to_string(),
            o.id.clone(),
            o.title.clone(),
            o.objective.clone(),
            o.principle.clone(),
            c.statuses.achieved.to_string(),
            c.statuses.partially_achieved.to_string(),
            c.statuses.not_achieved.to_string(),
            c.statuses.not_assessed.to_string(),
            c.not_comparable.to_string(),
            c.with_target.to_string(),
            c.met.to_string(),
            c.below_target.to_string(),
            o.met_share.map_or(String::new(), |s| s.to_string()),
            c.overridden.to_string(),
            c.unreviewed.to_string(),
        ];
        writer
            .write_record(&record)
            .expect("writing CSV to memory cannot fail");
    };
    for o in &report.outcomes {
        row("all", report.coverage.organisations, report.assessments, o);
    }
    for g in report.groups.iter().filter(|g| !g.suppressed) {
        for o in &g.outcomes {
            row(&g.key, g.organisations, g.assessments, o);
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER)
        .expect("writing CSV to memory cannot fail");
    let mut text = String::from_utf8(out.into_inner().expect("in-memory CSV flushes"))
        .expect("CSV of UTF-8 fields is UTF-8");
    text.push_str(
        &String::from_utf8(writer.into_inner().expect("in-memory CSV flushes"))
            .expect("CSV of UTF-8 fields is UTF-8"),
    );
    text
}
