//! CSV: one row per outcome, the editable form of the report (owner and due date are blank
//! columns for the organisation to fill in). The header is a documented, stable interface.

use caf_core::report::Report;

use super::{Sheet, flag};

/// The CSV columns, documented in the README; new columns are only ever appended.
pub const HEADER: [&str; 26] = [
    "organisation",
    "framework",
    "profile",
    "id",
    "title",
    "objective",
    "principle",
    "status",
    "computed_status",
    "target",
    "met",
    "overridden",
    "justification",
    "needs_review",
    "reason",
    "comment",
    "evidence",
    "suppliers",
    "selected",
    "to_do",
    "owner",
    "due",
    "change",
    "actions",
    "overdue",
    // The target is "not achieved": `met` is true for any judgement, and says nothing.
    "no_minimum",
];

pub fn render(report: &Report) -> String {
    let mut sheet = Sheet::new(&HEADER);
    let framework = &report.cover.framework.id;
    let profile = report.cover.profile.as_ref().map_or("", |p| p.id.as_str());
    for o in &report.outcomes {
        let evidence = o
            .evidence
            .iter()
            .map(|e| {
                if e.location.is_empty() {
                    e.title.clone()
                } else {
                    format!("{} <{}>", e.title, e.location)
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        let selected = o
            .statements
            .iter()
            .filter(|s| s.selected)
            .map(|s| s.reference.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let planned = report.plan.iter().find(|p| p.id == o.id);
        let to_do = planned
            .map(|p| {
                p.steps
                    .iter()
                    .map(|s| s.reference.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let actions = planned
            .map(|p| {
                (p.actions.iter())
                    .map(|a| a.text.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        let change = report
            .comparison
            .as_ref()
            .and_then(|c| c.rows.iter().find(|r| r.id == o.id))
            .map_or("", |r| r.change.key());
        sheet.text_row(&[
            &report.cover.organisation.name,
            framework,
            profile,
            &o.id,
            &o.title,
            &o.objective,
            &o.principle,
            o.status.key(),
            o.computed_status.key(),
            o.target.map_or("", |t| t.key()),
            o.met.map_or("", flag),
            flag(o.overridden),
            o.justification.as_deref().unwrap_or(""),
            flag(o.needs_review),
            &o.reason,
            o.comment.as_deref().unwrap_or(""),
            &evidence,
            &o.suppliers.join("; "),
            &selected,
            &to_do,
            planned.map_or("", |p| p.owner.as_str()),
            planned.map_or("", |p| p.due.as_str()),
            change,
            &actions,
            planned.map_or("", |p| flag(p.overdue)),
            flag(o.no_minimum),
        ]);
    }
    sheet.finish()
}
