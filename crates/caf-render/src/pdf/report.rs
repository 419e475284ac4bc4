//! PDF: an A4 board paper for one assessment. The layout primitives (cursor, wrap, tables with
//! repeated headers, legends, page furniture, fonts) are shared with the aggregate PDF and live
//! in [`super::layout`]; this file holds only what this document draws.

use caf_core::framework::Status;
use caf_core::report::{Action, Report};
use caf_core::text::plural;

use super::layout::{
    BODY, Cell, INK, LEFT, Layout, MUTED, PAGE_H, PANEL, RIGHT, RULE, StatusBar, Tile, WIDTH,
};
use super::tagged::DocumentInfo;
use crate::palette::{
    NO_MINIMUM_LABEL, outcome_rgb, outcome_text_rgb, status_mark, status_rgb, status_text_rgb,
};

/// The report; with `summary`, the board paper (no per-outcome appendix).
pub fn render(report: &Report, summary_only: bool) -> crate::Result<Vec<u8>> {
    let mut layout = Layout::new();

    cover(&mut layout, report);
    summary(&mut layout, report);
    plan(&mut layout, report, summary_only);
    comparison(&mut layout, report);
    if !summary_only {
        detail(&mut layout, report);
    }

    let info = DocumentInfo {
        title: report.title.clone(),
        author: report.cover.assessor.clone(),
        subject: format!(
            "Answers file {} (SHA-256 {})",
            report.cover.source.file, report.cover.source.sha256
        ),
        generator: report.generator.clone(),
        // The assessment date, not the clock: the same answers give the same document.
        date: report.cover.date.clone(),
    };
    layout.finish(info, |l, page, total| furniture(l, report, page, total))
}

/// Header and footer of every page after the first; the footer with page numbers on all.
fn furniture(l: &mut Layout, report: &Report, page: usize, total: usize) {
    let small = BODY.size(7.5).colour(MUTED);
    if page > 1 {
        let left = format!(
            "{}: {} v{}",
            report.cover.organisation.name,
            report.cover.framework.name,
            report.cover.framework.version
        );
        let left = l.regular.fit(&left, small.size, WIDTH * 0.7);
        l.text(LEFT, PAGE_H - 36.0, &left, small);
        if let Some(period) = &report.cover.period {
            l.text_right(RIGHT, PAGE_H - 36.0, &format!("Period {period}"), small);
        }
        l.line(LEFT, PAGE_H - 41.0, RIGHT, PAGE_H - 41.0, RULE, 0.6);
    }
    l.line(LEFT, 40.0, RIGHT, 40.0, RULE, 0.6);
    let hash = &report.cover.source.sha256;
    l.text(
        LEFT,
        28.0,
        &format!(
            "{} · answers SHA-256 {}…",
            report.generator,
            &hash[..hash.len().min(16)]
        ),
        small,
    );
    l.text_right(
        RIGHT,
        28.0,
        &format!("Page {page} of {total}"),
        small.bold(),
    );
}

fn cover(l: &mut Layout, report: &Report) {
    let c = &report.cover;
    let mut subtitle = format!("{} v{}", c.framework.name, c.framework.version);
    if let Some(period) = &c.period {
        subtitle.push_str(&format!(" · {period}"));
    }
    if let Some(p) = &c.profile {
        subtitle.push_str(&format!(" · {} profile", p.title));
    }
    l.title_band(
        "CYBER ASSESSMENT FRAMEWORK SELF-ASSESSMENT",
        &c.organisation.name,
        &subtitle,
    );

    let profile = c.profile.as_ref().map_or_else(
        || "None: no targets are measured".to_string(),
        |p| {
            if p.provisional {
                format!(
                    "{} ({}); provisional: not published by the framework's owner",
                    p.title, p.id
                )
            } else {
                format!("{} ({})", p.title, p.id)
            }
        },
    );
    let mut organisation = format!("{} ({})", c.organisation.name, c.organisation.id);
    for extra in [&c.organisation.sector, &c.organisation.region]
        .into_iter()
        .flatten()
    {
        organisation.push_str(&format!(", {extra}"));
    }
    let unreviewed = match c.unreviewed {
        0 => String::new(),
        n => format!("{} carried from an earlier period", plural(n, "outcome")),
    };
    let overridden = match (c.overridden, c.computed_only) {
        (0, _) => String::new(),
        (n, false) => plural(n, "outcome"),
        (n, true) => format!(
            "{}, not counted: targets scored on computed statuses",
            plural(n, "outcome")
        ),
    };
    l.facts(
        &[
            ("Organisation", organisation),
            ("Scope", c.system.clone().unwrap_or_default()),
            (
                "Framework",
                format!(
                    "{} v{} ({})",
                    c.framework.name, c.framework.version, c.framework.id
                ),
            ),
            ("Profile", profile),
            ("Not yet reviewed", unreviewed),
            ("Overridden", overridden),
            ("Period", c.period.clone().unwrap_or_default()),
            ("Assessor", c.assessor.clone().unwrap_or_default()),
            ("Date", c.date.clone().unwrap_or_default()),
            ("Answers file", c.source.file.clone()),
            ("SHA-256", c.source.sha256.clone()),
        ],
        86.0,
        BODY,
    );
}

fn summary(l: &mut Layout, report: &Report) {
    l.heading("Executive summary", 1, 80.0);
    l.paragraph(&report.summary.headline, BODY.bold().size(11.0), 0.0);

    // Status tiles: count, word and colour.
    let mut tiles: Vec<Tile> = (report.summary.counts.iter())
        .map(|c| Tile {
            figure: c.count.to_string(),
            label: c.label.to_string(),
            fill: status_rgb(c.status),
            figure_colour: status_text_rgb(c.status),
            label_colour: status_text_rgb(c.status),
        })
        .collect();
    tiles.push(Tile::plain(
        format!(
            "{} / {}",
            report.summary.summary.tally.met_minimum, report.summary.summary.tally.with_minimum
        ),
        "Meeting target",
    ));
    l.tiles(&tiles);
    if report.summary.no_minimum > 0 {
        l.paragraph(
            &format!(
                "{NO_MINIMUM_LABEL}: {} with a target of not achieved, which any judgement meets; left out of \"Meeting target\" and drawn in slate, not a status colour.",
                caf_core::text::plural(report.summary.no_minimum, "outcome")
            ),
            BODY.size(8.5).colour(MUTED),
            0.0,
        );
    }

    if let Some(notice) = &report.summary.review_notice {
        l.paragraph(notice, BODY.size(8.5).bold(), 0.0);
    }
    overrides(l, report);
    unreviewed(l, report);
    if let Some(p) = report.cover.profile.as_ref().filter(|p| p.provisional) {
        l.paragraph(
            &format!(
                "The {} profile is provisional: it is not published by the framework's owner, so read its targets as guidance.",
                p.title
            ),
            BODY.size(8.5).colour(MUTED),
            0.0,
        );
    }

    l.heading("Per objective", 3, 60.0);
    let rows: Vec<Vec<Cell>> = report
        .objectives
        .iter()
        .map(|ob| {
            let t = &ob.tally;
            vec![
                Cell::new(format!("{} {}", ob.id, ob.title)),
                Cell::new(t.statuses.achieved.to_string()),
                Cell::new(t.statuses.partially_achieved.to_string()),
                Cell::new(t.statuses.not_achieved.to_string()),
                Cell::new(t.statuses.not_assessed.to_string()),
                Cell::new(ob.met_text.as_str()),
            ]
        })
        .collect();
    l.table(
        Some(&[
            "Objective",
            "Achieved",
            "Partially achieved",
            "Not achieved",
            "Not assessed",
            "Meeting target",
        ]),
        &[3.4, 1.0, 1.2, 1.0, 1.0, 1.1],
        &rows,
    );

    bars(l, report);

    l.heading("Most important gaps", 3, 40.0);
    if report.summary.top_gaps.is_empty() {
        let text = if report.cover.profile.is_some() {
            "No outcome is below its target."
        } else {
            "No target profile was chosen, so no gaps are measured."
        };
        l.paragraph(text, BODY, 0.0);
    } else {
        let rows: Vec<Vec<Cell>> = report
            .summary
            .top_gaps
            .iter()
            .enumerate()
            .map(|(i, g)| {
                vec![
                    Cell::new((i + 1).to_string()),
                    Cell::styled(format!("{} {}", g.id, g.title), BODY.bold()),
                    Cell::status(g.status),
                    Cell::new(g.target.label()),
                ]
            })
            .collect();
        l.table(
            Some(&["#", "Outcome", "Current status", "Target"]),
            &[0.3, 4.0, 1.5, 1.5],
            &rows,
        );
        if report.gaps.len() > report.summary.top_gaps.len() {
            l.paragraph(
                &format!(
                    "{} outcomes are below target in all; the improvement plan lists every one.",
                    report.gaps.len()
                ),
                BODY.colour(MUTED),
                0.0,
            );
        }
    }

    heatmap(l, report);
}

/// Every answer carried from an earlier period and not yet confirmed.
fn unreviewed(l: &mut Layout, report: &Report) {
    let rows: Vec<Vec<Cell>> = (report.outcomes.iter())
        .filter(|o| o.needs_review)
        .map(|o| {
            vec![
                Cell::styled(format!("{} {}", o.id, o.title), BODY.bold().size(8.5)),
                Cell::status(o.status),
            ]
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    l.heading("Answers not yet reviewed", 3, 50.0);
    l.table(Some(&["Outcome", "Carried status"]), &[5.0, 1.5], &rows);
}

/// Every override: the computed status, the person's, and the justification.
fn overrides(l: &mut Layout, report: &Report) {
    let Some(notice) = &report.summary.override_notice else {
        return;
    };
    l.heading("Overrides", 3, 50.0);
    l.paragraph(notice, BODY.size(8.5), 0.0);
    let rows: Vec<Vec<Cell>> = (report.summary.overrides.iter())
        .map(|v| {
            let to = if v.counted {
                v.override_status.label().to_string()
            } else {
                format!("{} (not counted)", v.override_status.label())
            };
            vec![
                Cell::styled(format!("{} {}", v.id, v.title), BODY.bold().size(8.5)),
                Cell::status(v.computed_status),
                Cell::new(to),
                Cell::styled(v.justification.clone(), BODY.size(8.0)),
            ]
        })
        .collect();
    l.table(
        Some(&["Outcome", "Computed", "Overridden to", "Justification"]),
        &[2.0, 1.2, 1.3, 4.0],
        &rows,
    );
}

/// One stacked bar per objective: achieved, partially, not achieved, not assessed.
fn bars(l: &mut Layout, report: &Report) {
    let height = Layout::status_bars_height(report.objectives.len());
    l.heading("Outcomes per objective", 3, height);
    let bars: Vec<StatusBar> = (report.objectives.iter())
        .map(|ob| StatusBar {
            label: format!("{} {}", ob.id, ob.title),
            counts: ob.counts.iter().map(|c| (c.status, c.count)).collect(),
        })
        .collect();
    l.status_bars("Bar chart of outcome statuses per objective", &bars, 205.0);
    if report.cover.overridden > 0 {
        l.paragraph(
            "* status set by override (see Overrides above).",
            BODY.size(7.5).colour(MUTED),
            0.0,
        );
    }
}

/// Every outcome as a coloured, labelled cell, one row per principle.
fn heatmap(l: &mut Layout, report: &Report) {
    let rows: usize = report.objectives.iter().map(|o| o.principles.len()).sum();
    let cols = report
        .objectives
        .iter()
        .flat_map(|o| &o.principles)
        .map(|p| p.outcomes.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let cell_h = 15.0;
    let gap = 3.0;
    let label_w = 215.0;
    let cell_w = ((WIDTH - label_w) / cols as f32 - gap).min(60.0);
    let height = rows as f32 * (cell_h + gap) + 24.0;
    l.heading("Status of every outcome, by principle", 3, height);
    let alt = format!(
        "Grid of every outcome's status, one row per principle. {}",
        report
            .objectives
            .iter()
            .flat_map(|o| &o.principles)
            .map(|p| {
                let outcomes: Vec<String> = p
                    .outcomes
                    .iter()
                    .map(|c| {
                        let by = if c.overridden { " (by override)" } else { "" };
                        let min = if c.no_minimum { " (no minimum)" } else { "" };
                        format!("{} {}{by}{min}", c.id, c.status.label().to_lowercase())
                    })
                    .collect();
                format!("{} {}: {}.", p.id, p.title, outcomes.join(", "))
            })
            .collect::<Vec<_>>()
            .join(" ")
    );
    l.figure(alt, |l| heat_grid(l, report, label_w, cell_w, cell_h, gap));
    if report.cover.overridden > 0 {
        l.paragraph(
            "* status set by override (see Overrides above).",
            BODY.size(7.5).colour(MUTED),
            0.0,
        );
    }
}

fn heat_grid(l: &mut Layout, report: &Report, label_w: f32, cell_w: f32, cell_h: f32, gap: f32) {
    let mut y = l.y;
    for ob in &report.objectives {
        for p in &ob.principles {
            y -= cell_h;
            let label = l
                .regular
                .fit(&format!("{} {}", p.id, p.title), 7.5, label_w - 6.0);
            l.text(LEFT, y + 4.5, &label, BODY.size(7.5));
            for (i, c) in p.outcomes.iter().enumerate() {
                let x = LEFT + label_w + i as f32 * (cell_w + gap);
                l.rect(x, y, cell_w, cell_h, outcome_rgb(c.status, c.no_minimum));
                l.text_centre(
                    x + cell_w / 2.0,
                    y + 4.5,
                    &format!(
                        "{} {}{}",
                        c.id,
                        status_mark(c.status),
                        if c.overridden { "*" } else { "" }
                    ),
                    BODY.bold()
                        .size(7.0)
                        .colour(outcome_text_rgb(c.status, c.no_minimum)),
                );
            }
            y -= gap;
        }
    }
    l.y = y - 4.0;
    let no_minimum = (report.objectives.iter())
        .flat_map(|o| &o.principles)
        .any(|p| p.outcomes.iter().any(|c| c.no_minimum));
    l.legend(no_minimum);
}

/// The plan: with `board_paper`, one line per outcome (the actions recorded, or what the
/// statements need by reference); otherwise every statement in the framework's words.
fn plan(l: &mut Layout, report: &Report, board_paper: bool) {
    l.new_page();
    l.heading("Targeted improvement plan", 1, 60.0);
    if report.plan.is_empty() {
        let text = if report.cover.profile.is_some() {
            "Every outcome meets its target: there is nothing to plan."
        } else {
            "No target profile was chosen, so there is no plan."
        };
        l.paragraph(text, BODY, 0.0);
        return;
    }
    if board_paper {
        return brief_plan(l, report);
    }
    l.paragraph(&plan_intro(report, false), BODY.colour(MUTED), 0.0);
    let rows: Vec<Vec<Cell>> = report
        .plan
        .iter()
        .map(|p| {
            let steps = p
                .steps
                .iter()
                .map(|s| match s.action {
                    Action::Achieve => format!("• {} {}", s.reference, s.text),
                    Action::Resolve => format!("• Stop being true: {} {}", s.reference, s.text),
                })
                .collect::<Vec<_>>()
                .join("\n");
            let steps = match &p.override_note {
                Some(note) => format!("{note}\n{steps}"),
                None => steps,
            };
            let steps = if p.actions.is_empty() {
                steps
            } else {
                let actions = (p.actions.iter())
                    .map(|a| format!("▸ {}", a.text))
                    .collect::<Vec<_>>()
                    .join("\n");
                format!("{steps}\nActions:\n{actions}")
                    .trim_start()
                    .to_string()
            };
            vec![
                Cell::styled(format!("{} {}", p.id, p.title), BODY.bold().size(8.5)),
                Cell::status(p.status),
                Cell::new(p.target.map_or("–", Status::label)),
                Cell::styled(steps, BODY.size(8.0)),
                Cell::new(p.owner.as_str()),
                Cell::new(if p.overdue {
                    format!("{} (overdue)", p.due)
                } else {
                    p.due.clone()
                }),
            ]
        })
        .map(|mut row| {
            for cell in row.iter_mut().skip(1).take(2) {
                cell.style = cell.style.size(8.0);
            }
            row
        })
        .collect();
    l.table(
        Some(&[
            "Outcome",
            "Current",
            "Target",
            "To reach the target",
            "Owner",
            "Target date",
        ]),
        &[1.5, 1.15, 1.15, 4.6, 0.9, 0.9],
        &rows,
    );
}

/// The board paper's plan: a row per outcome, its action(s), owner and due date.
fn brief_plan(l: &mut Layout, report: &Report) {
    l.paragraph(&plan_intro(report, true), BODY.colour(MUTED), 0.0);
    let rows: Vec<Vec<Cell>> = (report.plan.iter())
        .map(|p| {
            let action = if p.actions.is_empty() {
                format!("{NO_ACTION} {}", p.brief).trim_end().to_string()
            } else {
                (p.actions.iter())
                    .map(|a| a.brief.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let current = if p.overridden {
                format!("{} (override)", p.status.label())
            } else {
                p.status.label().to_string()
            };
            let small = BODY.size(8.0);
            vec![
                Cell::styled(format!("{} {}", p.id, p.title), BODY.bold().size(8.0)),
                Cell::styled(current, small),
                Cell::styled(p.target.map_or("–", Status::label), small),
                Cell::styled(action, small),
                Cell::styled(p.owner.as_str(), small),
                Cell::styled(
                    if p.overdue {
                        format!("{} (overdue)", p.due)
                    } else {
                        p.due.clone()
                    },
                    small,
                ),
            ]
        })
        .collect();
    l.table(
        Some(&["Outcome", "Current", "Target", "Action", "Owner", "Due"]),
        &[2.0, 1.15, 1.15, 4.2, 1.0, 0.9],
        &rows,
    );
}

/// What the board paper's plan says where an outcome has no action recorded.
const NO_ACTION: &str = "None recorded.";

/// The plan's introduction: the full plan's, or with `board_paper` the paper's row per outcome.
fn plan_intro(report: &Report, board_paper: bool) -> String {
    let towards = report
        .plan_profile
        .as_ref()
        .map(|p| format!("{} ", p.title))
        .unwrap_or_default();
    let rows = if board_paper {
        ": one row each, with the actions the assessment file records, their owners and the earliest due date. Where no action is recorded, the row names the statements of good practice the target needs; the full report gives them in the framework's words."
    } else {
        ", with the statements of good practice that are not yet true (in the framework's words) and the actions the assessment file records. `caf plan export` gives the plan as an editable spreadsheet."
    };
    let mut text = format!(
        "Every outcome below its {towards}target (or not assessed), and every outcome with actions recorded, largest shortfall first{rows}"
    );
    if let Some(as_of) = &report.plan_as_of {
        text.push_str(&format!(
            " Overdue actions as of {as_of}: {}.",
            report.overdue
        ));
    }
    text
}

fn comparison(l: &mut Layout, report: &Report) {
    let Some(cmp) = &report.comparison else {
        return;
    };
    l.new_page();
    let since = cmp
        .previous
        .period
        .clone()
        .unwrap_or_else(|| "the previous assessment".into());
    l.heading(&format!("Changes since {since}"), 1, 60.0);
    let mut intro = format!(
        "Compared with {} ({} v{}",
        cmp.previous.file, cmp.previous.framework.name, cmp.previous.framework.version
    );
    if let Some(period) = &cmp.previous.period {
        intro.push_str(&format!(", {period}"));
    }
    if let Some(date) = &cmp.previous.date {
        intro.push_str(&format!(", assessed {date}"));
    }
    intro.push_str(&format!("), SHA-256 {}.", cmp.previous.sha256));
    if cmp.across_versions {
        intro.push_str(
            " Outcomes are matched through the mapping between the versions; outcomes that were redefined are not compared.",
        );
    }
    l.paragraph(&intro, BODY.colour(MUTED), 0.0);
    if !cmp.previous.same_organisation {
        l.paragraph(
            &format!(
                "Note: the previous assessment is of a different organisation ({}).",
                cmp.previous.organisation
            ),
            BODY.bold(),
            0.0,
        );
    }
    let counts: Vec<Cell> = cmp
        .counts
        .iter()
        .map(|c| Cell::styled(c.count.to_string(), BODY.bold().size(11.0)))
        .collect();
    let labels: Vec<&str> = cmp.counts.iter().map(|c| c.label).collect();
    l.table(Some(&labels), &vec![1.0; labels.len()], &[counts]);
    if let Some(summary) = &cmp.met_summary {
        l.paragraph(summary, BODY, 0.0);
    }

    let rows: Vec<Vec<Cell>> = cmp
        .rows
        .iter()
        .map(|r| {
            let mut previous = match (&r.previous_id, r.previous_status) {
                (None, _) => Cell::new(format!("Not in {}", cmp.previous.framework.id)),
                (Some(_), status) => Cell::optional_status(status),
            };
            if let Some(pid) = r.previous_id.as_ref().filter(|p| **p != r.id) {
                previous.text = format!("{} (as {pid})", previous.text);
            }
            let change_style = match r.change {
                caf_core::report::Change::Improved => {
                    BODY.bold().colour(status_rgb(Status::Achieved))
                }
                caf_core::report::Change::Regressed => {
                    BODY.bold().colour(status_rgb(Status::NotAchieved))
                }
                _ => BODY.bold(),
            }
            .size(8.0);
            vec![
                Cell::new(format!("{} {}", r.id, r.title)),
                previous,
                Cell::status(r.status),
                Cell::styled(r.change_label, change_style),
                Cell::styled(
                    [r.note.as_str(), r.met_note.as_str()]
                        .into_iter()
                        .filter(|t| !t.is_empty())
                        .collect::<Vec<_>>()
                        .join(" "),
                    BODY.size(7.5),
                ),
            ]
        })
        .collect();
    l.table(
        Some(&["Outcome", "Previously", "Now", "Change", "Note"]),
        &[2.3, 1.45, 1.3, 1.6, 2.35],
        &rows,
    );
    if !cmp.removed.is_empty() {
        l.heading("Outcomes no longer in the framework", 3, 30.0);
        for r in &cmp.removed {
            l.paragraph(
                &format!(
                    "{} {} (was {}): {}",
                    r.id,
                    r.title,
                    r.status.label().to_lowercase(),
                    r.note
                ),
                BODY,
                0.0,
            );
        }
    }
}

fn detail(l: &mut Layout, report: &Report) {
    l.new_page();
    l.heading("Appendix: outcome detail", 1, 80.0);
    l.paragraph(
        "Every outcome with the answers behind its status: the statements of good practice and whether each was selected. Outcomes not assessed show their statements as not answered.",
        BODY.colour(MUTED),
        0.0,
    );
    for ob in &report.objectives {
        l.heading(&format!("Objective {}: {}", ob.id, ob.title), 2, 80.0);
        for o in report.outcomes.iter().filter(|o| o.objective == ob.id) {
            // Title bar: id and title, with the status written on its colour.
            let style = BODY.bold().size(10.0);
            l.ensure(22.0 + 60.0);
            l.y -= 8.0;
            let h = 18.0;
            let top = l.y;
            l.rect(LEFT, top - h, WIDTH, h, PANEL);
            let label = o.status_label;
            let pill_w = l.bold.width(label, 8.5) + 12.0;
            l.rect(RIGHT - pill_w, top - h, pill_w, h, status_rgb(o.status));
            let full_title = format!("{} {}", o.id, o.title);
            let title = l.bold.fit(&full_title, 10.0, WIDTH - pill_w - 12.0);
            let role = l.heading_role(3, &format!("{full_title}: {label}"));
            l.tagged(role, |l| {
                l.text(LEFT + 5.0, top - 12.8, &title, style);
                l.text_centre(
                    RIGHT - pill_w / 2.0,
                    top - 12.5,
                    label,
                    BODY.bold().size(8.5).colour(status_text_rgb(o.status)),
                );
            });
            l.y = top - h - 2.0;

            let target = match (o.target, o.met) {
                _ if o.no_minimum => format!(
                    "{NO_MINIMUM_LABEL} (the target is not achieved, which any judgement meets)"
                ),
                (Some(t), Some(true)) => format!("{}: met", t.label()),
                (Some(t), Some(false)) => format!("{}: NOT met", t.label()),
                (Some(t), None) => format!("{}: not yet assessed", t.label()),
                (None, _) => "No target".to_string(),
            };
            let mut facts = vec![("Reason", o.reason.clone()), ("Target", target)];
            if let Some(note) = &o.override_note {
                facts.push(("Override", note.clone()));
            }
            if o.needs_review {
                facts.push((
                    "Review",
                    "Carried forward from an earlier period; not yet confirmed.".to_string(),
                ));
            }
            if let Some(comment) = &o.comment {
                facts.push(("Comment", comment.clone()));
            }
            for e in &o.evidence {
                let text = if e.location.is_empty() {
                    e.title.clone()
                } else {
                    format!("{} ({})", e.title, e.location)
                };
                facts.push(("Evidence", text));
            }
            if !o.suppliers.is_empty() {
                facts.push(("Suppliers", o.suppliers.join(", ")));
            }
            l.facts(&facts, 62.0, BODY.size(8.5));
            l.y -= 3.0;
            let answered = o.status != Status::NotAssessed;
            let rows: Vec<Vec<Cell>> = o
                .statements
                .iter()
                .map(|s| {
                    let muted = if s.selected { INK } else { MUTED };
                    let selected = match (answered, s.selected) {
                        (false, _) => "Not answered",
                        (true, true) => "Yes",
                        (true, false) => "No",
                    };
                    vec![
                        Cell::styled(&s.reference, BODY.size(7.5).colour(muted)),
                        Cell::styled(status_mark(s.level.status()), BODY.size(7.5).colour(muted)),
                        Cell::styled(&s.text, BODY.size(7.5).colour(muted)),
                        Cell::styled(
                            selected,
                            if s.selected {
                                BODY.bold().size(7.5)
                            } else {
                                BODY.size(7.5).colour(muted)
                            },
                        ),
                    ]
                })
                .collect();
            l.table(
                Some(&["Statement", "Level", "Text", "Selected"]),
                &[1.0, 0.6, 5.5, 1.15],
                &rows,
            );
        }
    }
}
