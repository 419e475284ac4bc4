//! PDF: the aggregate [`Report`] as an A4 paper for a central unit, drawn with the layout
//! primitives of [`super::layout`] that the assessment report uses too. Every figure is read from
//! the model; nothing here counts, divides or suppresses. Organisation names appear only where
//! the model carries them (`named`, which is filled only with `--identify`).

use printpdf::PdfDocument;

use caf_core::aggregate::{GroupFigures, OutcomeFigures, Report};
use caf_core::framework::Status;
use caf_core::report::DISPLAY_ORDER;

use super::layout::{
    ACCENT, BODY, Cell, LEFT, Layout, MUTED, PAGE_H, PAGE_W, PANEL, RIGHT, RULE, Rgb8, Style,
    WHITE, WIDTH,
};
use crate::palette::{heat_rgb, status_mark, status_rgb, status_text_rgb};

use crate::palette::{BAR as BLUE, BELOW_TARGET as RED, TRACK as GREY};

fn share(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:.1}%"))
}

fn periods(report: &Report) -> String {
    if report.periods.is_empty() {
        "no period".to_string()
    } else {
        report.periods.join(", ")
    }
}

pub fn render(report: &Report) -> Vec<u8> {
    let title = format!(
        "CAF aggregate: {} v{}, {}",
        report.framework.name,
        report.framework.version,
        periods(report)
    );
    let mut doc = PdfDocument::new(&title);
    let mut l = Layout::new(&mut doc);

    cover(&mut l, report);
    if !report.disclosure.suppressed {
        objectives(&mut l, report);
        attainment(&mut l, report);
        heatmap(&mut l, report);
        marks(&mut l, report);
        groups(&mut l, report);
        gaps(&mut l, report);
        trend(&mut l, report);
        suppliers(&mut l, report);
    }
    invalid(&mut l, report);

    let generator = format!("caf {}", env!("CARGO_PKG_VERSION"));
    let info = &mut doc.metadata.info;
    info.document_title = title;
    info.creator = generator.clone();
    info.producer = generator.clone();
    info.subject = format!("Schema {}", report.schema);
    l.finish(doc, |l, page, total| {
        furniture(l, report, &generator, page, total)
    })
}

fn furniture(l: &mut Layout, report: &Report, generator: &str, page: usize, total: usize) {
    let small = BODY.size(7.5).colour(MUTED);
    if page > 1 {
        let left = format!(
            "CAF aggregate: {} v{}, {}",
            report.framework.name,
            report.framework.version,
            periods(report)
        );
        let left = l.regular.fit(&left, small.size, WIDTH * 0.65);
        l.text(LEFT, PAGE_H - 36.0, &left, small);
        let right = if report.disclosure.identify {
            "NAMES ORGANISATIONS: central unit only".to_string()
        } else {
            format!("Grouped by {}", report.group_by.key())
        };
        let style = if report.disclosure.identify {
            small.bold().colour(RED)
        } else {
            small
        };
        l.text_right(RIGHT, PAGE_H - 36.0, &right, style);
        l.line(LEFT, PAGE_H - 41.0, RIGHT, PAGE_H - 41.0, RULE, 0.6);
    }
    l.line(LEFT, 40.0, RIGHT, 40.0, RULE, 0.6);
    l.text(
        LEFT,
        28.0,
        &format!("{generator} · {}", report.schema),
        small,
    );
    l.text_right(
        RIGHT,
        28.0,
        &format!("Page {page} of {total}"),
        small.bold(),
    );
}

fn cover(l: &mut Layout, r: &Report) {
    let band = 118.0;
    l.rect(0.0, PAGE_H - band, PAGE_W, band, ACCENT);
    let white = BODY.colour(WHITE);
    l.text(
        LEFT,
        PAGE_H - 40.0,
        "CYBER ASSESSMENT FRAMEWORK: POPULATION AGGREGATE",
        white.size(8.5).bold(),
    );
    let name = l.bold.fit(
        &format!("{} v{}", r.framework.name, r.framework.version),
        22.0,
        WIDTH,
    );
    l.text(LEFT, PAGE_H - 70.0, &name, white.bold().size(22.0));
    let subtitle = format!(
        "{} · {} assessments · grouped by {}",
        periods(r),
        r.assessments,
        r.group_by.key()
    );
    let subtitle = l.regular.fit(&subtitle, 12.0, WIDTH);
    l.text(LEFT, PAGE_H - 94.0, &subtitle, white.size(12.0));
    l.y = PAGE_H - band - 14.0;

    l.heading("Coverage", 1, 80.0);
    // Figure tiles: the numbers a reader looks for first.
    let tiles = [
        (r.assessments.to_string(), "Assessments"),
        (r.coverage.organisations.to_string(), "Organisations"),
        (
            format!("{:.1}%", r.coverage.completion),
            "Outcomes assessed",
        ),
        (r.coverage.invalid.to_string(), "Invalid (skipped)"),
    ];
    let gap = 8.0;
    let w = (WIDTH - gap * (tiles.len() as f32 - 1.0)) / tiles.len() as f32;
    let h = 46.0;
    let top = l.y - 4.0;
    for (i, (figure, label)) in tiles.iter().enumerate() {
        let x = LEFT + i as f32 * (w + gap);
        l.rect(x, top - h, w, h, PANEL);
        l.text_centre(
            x + w / 2.0,
            top - 22.0,
            figure,
            BODY.bold().size(18.0).colour(ACCENT),
        );
        l.text_centre(x + w / 2.0, top - 37.0, label, BODY.size(8.0).bold());
    }
    l.y = top - h - 10.0;

    let c = &r.coverage;
    let frameworks = c
        .frameworks
        .iter()
        .map(|(id, n)| format!("{id}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    l.facts(
        &[
            ("Inputs read", c.inputs.to_string()),
            (
                "Assessments",
                format!(
                    "{} in {} from {} organisations",
                    r.assessments,
                    periods(r),
                    c.organisations
                ),
            ),
            ("Frameworks", frameworks),
            (
                "Other periods",
                format!("{} assessments (used for the trend only)", c.other_periods),
            ),
            (
                "Not mappable",
                format!(
                    "{} assessments not comparable with {}",
                    c.unmappable, r.framework.id
                ),
            ),
            (
                "No profile",
                format!("{} assessments without a target profile", c.without_profile),
            ),
            (
                "Invalid",
                format!("{} inputs skipped (listed at the end)", c.invalid),
            ),
            (
                "Review, overrides",
                c.marks_summary.clone().unwrap_or_default(),
            ),
        ],
        86.0,
        BODY,
    );

    l.heading("Disclosure control", 3, 40.0);
    let d = &r.disclosure;
    let mut note = format!(
        "No published figure describes fewer than {} organisations.",
        d.min_group_size
    );
    if d.merged_groups > 0 {
        note.push_str(&format!(
            " {} small group(s) were merged into \"{}\".",
            d.merged_groups,
            caf_core::aggregate::OTHER_GROUP
        ));
    }
    if d.suppressed_groups > 0 {
        note.push_str(&format!(
            " {} group(s) remain too small and are suppressed.",
            d.suppressed_groups
        ));
    }
    if r.supply_chain.withheld > 0 {
        note.push_str(&format!(
            " {} supplier(s) named by fewer organisations are not listed.",
            r.supply_chain.withheld
        ));
    }
    if d.identify {
        note.push_str(" No organisation is named unless the report is made with --identify.");
    } else {
        note.push_str(" No organisation is named in this report.");
    }
    l.paragraph(&note, BODY, 0.0);
    if d.identify {
        l.paragraph(
            "This report names organisations (--identify): for the central unit only, not for publication.",
            BODY.bold().colour(RED),
            0.0,
        );
    }
    if d.suppressed {
        l.paragraph(
            &format!(
                "The population is smaller than {} organisations: only coverage is published.",
                d.min_group_size
            ),
            BODY.bold().size(11.0),
            0.0,
        );
    }
}

/// Outcome × group: each cell is coloured by the share meeting target and shows that share
/// over the achieved / partially / not achieved counts. Wide groupings continue in further
/// blocks of columns, each repeating the population column.
fn heatmap(l: &mut Layout, r: &Report) {
    l.new_page();
    l.heading("Outcome × group heat-map", 1, 80.0);
    l.paragraph(
        "Each cell: the share of assessments meeting their profile's target (colour, red to green), then achieved / partially achieved / not achieved counts. Groups too small to publish are not shown.",
        BODY.colour(MUTED),
        0.0,
    );
    let published: Vec<&GroupFigures> = r.groups.iter().filter(|g| !g.suppressed).collect();
    let label_w = 34.0;
    let min_cell = 52.0;
    let per_block = (((WIDTH - label_w) / min_cell).floor() as usize)
        .saturating_sub(1)
        .max(1);
    let blocks: Vec<&[&GroupFigures]> = if published.is_empty() {
        vec![&[]]
    } else {
        published.chunks(per_block).collect()
    };
    for block in blocks {
        let cols = block.len() + 1;
        let cell_w = (WIDTH - label_w) / cols as f32;
        let header_h = 22.0;
        let cell_h = 19.0;
        let header = |l: &mut Layout| {
            let top = l.y;
            let mut names: Vec<(String, usize)> =
                vec![("All".to_string(), r.coverage.organisations)];
            names.extend(block.iter().map(|g| (g.key.clone(), g.organisations)));
            for (i, (key, orgs)) in names.iter().enumerate() {
                let x = LEFT + label_w + i as f32 * cell_w;
                l.rect(x, top - header_h, cell_w - 1.0, header_h, ACCENT);
                let key = l.bold.fit(key, 7.0, cell_w - 4.0);
                let style = BODY.bold().size(7.0).colour(WHITE);
                l.text_centre(x + cell_w / 2.0, top - 9.0, &key, style);
                l.text_centre(
                    x + cell_w / 2.0,
                    top - 18.0,
                    &format!("{orgs} orgs"),
                    BODY.size(6.5).colour(WHITE),
                );
            }
            l.y = top - header_h - 1.0;
        };
        l.ensure(header_h + 3.0 * cell_h);
        header(l);
        for (i, o) in r.outcomes.iter().enumerate() {
            if l.y - cell_h < super::layout::BOTTOM {
                l.new_page();
                header(l);
            }
            let top = l.y;
            l.text(LEFT, top - 12.0, &o.id, BODY.bold().size(7.5));
            let mut cells: Vec<&OutcomeFigures> = vec![o];
            cells.extend(block.iter().map(|g| &g.outcomes[i]));
            for (j, f) in cells.iter().enumerate() {
                let x = LEFT + label_w + j as f32 * cell_w;
                let fill = heat_rgb(f.met_share);
                l.rect(x, top - cell_h + 1.0, cell_w - 1.0, cell_h - 1.0, fill);
                let ink = heat_ink(fill);
                l.text_centre(
                    x + cell_w / 2.0,
                    top - 8.0,
                    &share(f.met_share),
                    BODY.bold().size(7.0).colour(ink),
                );
                let c = &f.counts;
                l.text_centre(
                    x + cell_w / 2.0,
                    top - 15.5,
                    &format!(
                        "{}/{}/{}",
                        c.statuses.achieved, c.statuses.partially_achieved, c.statuses.not_achieved
                    ),
                    BODY.size(6.0).colour(ink),
                );
            }
            l.y = top - cell_h;
        }
        l.y -= 10.0;
    }
    heat_legend(l);
}

/// Dark text on light fills, white on dark ones.
fn heat_ink((r, g, b): Rgb8) -> Rgb8 {
    let luma = 0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b);
    if luma > 150.0 {
        (0x1a, 0x1a, 0x1a)
    } else {
        WHITE
    }
}

fn heat_legend(l: &mut Layout) {
    l.ensure(24.0);
    let style = BODY.size(7.5);
    let y = l.y - 10.0;
    let mut x = LEFT;
    l.text(x, y + 1.5, "Share meeting target:", style);
    x += l.regular.width("Share meeting target:", 7.5) + 6.0;
    for (label, value) in [
        ("0%", Some(0.0)),
        ("25%", Some(25.0)),
        ("50%", Some(50.0)),
        ("75%", Some(75.0)),
        ("100%", Some(100.0)),
        ("no target", None),
    ] {
        l.rect(x, y, 9.0, 9.0, heat_rgb(value));
        l.text(x + 12.0, y + 1.5, label, style);
        x += 12.0 + l.regular.width(label, 7.5) + 10.0;
    }
    l.y = y - 10.0;
}

/// The outcomes with overrides or unreviewed answers, and how many of each, across the
/// population; nothing when there are none.
fn marks(l: &mut Layout, r: &Report) {
    let rows: Vec<Vec<Cell>> = (r.outcomes.iter())
        .filter(|o| o.counts.overridden > 0 || o.counts.unreviewed > 0)
        .map(|o| {
            vec![
                Cell::styled(format!("{} {}", o.id, o.title), BODY.size(8.0)),
                Cell::new(o.counts.overridden.to_string()),
                Cell::new(o.counts.unreviewed.to_string()),
            ]
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    l.heading("Overrides and unreviewed answers, per outcome", 2, 60.0);
    if let Some(summary) = &r.coverage.marks_summary {
        l.paragraph(summary, BODY, 0.0);
    }
    l.table(
        Some(&["Outcome", "Overridden", "Not yet reviewed"]),
        &[4.0, 1.0, 1.2],
        &rows,
    );
}

/// One stacked bar per objective across the population: achieved, partially, not achieved,
/// not assessed.
fn objectives(l: &mut Layout, r: &Report) {
    let bar_h = 15.0;
    let gap = 6.0;
    let label_w = 190.0;
    let height = r.objectives.len() as f32 * (bar_h + gap) + 24.0;
    l.heading("Outcome statuses per objective", 2, height);
    let bar_w = WIDTH - label_w;
    let mut y = l.y;
    for ob in &r.objectives {
        y -= bar_h;
        let label = l
            .regular
            .fit(&format!("{} {}", ob.id, ob.title), 8.0, label_w - 6.0);
        l.text(LEFT, y + 4.5, &label, BODY.size(8.0));
        let total: u32 = DISPLAY_ORDER.iter().map(|s| ob.counts.count(*s)).sum();
        let mut x = LEFT + label_w;
        for status in DISPLAY_ORDER {
            let count = ob.counts.count(status);
            if count == 0 || total == 0 {
                continue;
            }
            let w = bar_w * count as f32 / total as f32;
            l.rect(x, y, w, bar_h, status_rgb(status));
            let text = format!("{count} {}", status_mark(status));
            if l.bold.width(&text, 7.0) + 4.0 <= w {
                let style = BODY.bold().size(7.0).colour(status_text_rgb(status));
                l.text_centre(x + w / 2.0, y + 4.5, &text, style);
            }
            x += w;
        }
        y -= gap;
    }
    l.y = y - 4.0;
    l.legend();

    let rows: Vec<Vec<Cell>> = r
        .objectives
        .iter()
        .map(|ob| {
            let c = &ob.counts;
            vec![
                Cell::new(format!("{} {}", ob.id, ob.title)),
                Cell::new(c.statuses.achieved.to_string()),
                Cell::new(c.statuses.partially_achieved.to_string()),
                Cell::new(c.statuses.not_achieved.to_string()),
                Cell::new(c.statuses.not_assessed.to_string()),
                Cell::new(format!("{} of {}", c.met, c.with_target)),
            ]
        })
        .collect();
    l.table(
        Some(&[
            "Objective",
            Status::Achieved.label(),
            Status::PartiallyAchieved.label(),
            Status::NotAchieved.label(),
            Status::NotAssessed.label(),
            "Meeting target",
        ]),
        &[3.2, 1.0, 1.2, 1.0, 1.0, 1.3],
        &rows,
    );
}

fn groups(l: &mut Layout, r: &Report) {
    l.heading("Groups", 2, 60.0);
    let rows: Vec<Vec<Cell>> = r
        .groups
        .iter()
        .map(|g| {
            let note = if g.suppressed {
                "suppressed (too few organisations)".to_string()
            } else if g.merged_groups > 0 {
                format!("{} small groups merged", g.merged_groups)
            } else {
                String::new()
            };
            vec![
                Cell::styled(&g.key, BODY.bold()),
                Cell::new(g.organisations.to_string()),
                Cell::new(g.assessments.to_string()),
                Cell::new(share(g.completion)),
                Cell::new(share(g.baseline_met_share)),
                Cell::styled(note, BODY.size(8.0).colour(MUTED)),
            ]
        })
        .collect();
    l.table(
        Some(&[
            "Group",
            "Organisations",
            "Assessments",
            "Outcomes assessed",
            "Meeting baseline",
            "Note",
        ]),
        &[3.2, 1.25, 1.2, 1.2, 1.2, 1.4],
        &rows,
    );
}

/// A horizontal bar of `value` out of `max`, with a label to its left and its figure after it.
fn hbar(l: &mut Layout, label: &str, label_w: f32, value: f64, max: f64, fill: Rgb8, figure: &str) {
    let bar_h = 13.0;
    let bar_w = WIDTH - label_w - 120.0;
    l.ensure(bar_h + 5.0);
    let y = l.y - bar_h;
    let label = l.regular.fit(label, 8.0, label_w - 6.0);
    l.text(LEFT, y + 3.8, &label, BODY.size(8.0));
    let x = LEFT + label_w;
    l.rect(x, y, bar_w, bar_h, GREY);
    let w = if max > 0.0 {
        (bar_w as f64 * (value / max).clamp(0.0, 1.0)) as f32
    } else {
        0.0
    };
    if w > 0.0 {
        l.rect(x, y, w, bar_h, fill);
    }
    l.text(x + bar_w + 6.0, y + 3.8, figure, BODY.size(8.0));
    l.y = y - 5.0;
}

fn attainment(l: &mut Layout, r: &Report) {
    l.heading("Profile attainment", 2, 80.0);
    l.paragraph(
        "Organisations meeting every target of a profile, among those whose framework has it.",
        BODY.colour(MUTED),
        0.0,
    );
    for p in &r.attainment.profiles {
        hbar(
            l,
            &p.profile,
            90.0,
            p.share.unwrap_or(0.0),
            100.0,
            BLUE,
            &format!(
                "{} of {} ({})",
                p.meeting_all,
                p.organisations,
                share(p.share)
            ),
        );
    }
    let buckets = &r.attainment.outcomes_met;
    if buckets.is_empty() {
        return;
    }
    l.heading(
        "Organisations by outcomes meeting their own profile's target",
        3,
        130.0,
    );
    let max = buckets
        .iter()
        .map(|b| b.organisations)
        .max()
        .unwrap_or(0)
        .max(1);
    let chart_h = 90.0;
    let step = (WIDTH - 30.0) / buckets.len() as f32;
    let bar_w = (step * 0.8).max(1.0);
    let base = l.y - chart_h - 4.0;
    l.text_right(
        LEFT + 24.0,
        base + chart_h - 6.0,
        &max.to_string(),
        BODY.size(7.0),
    );
    l.text_right(LEFT + 24.0, base, "0", BODY.size(7.0));
    l.line(LEFT + 28.0, base, RIGHT, base, RULE, 0.6);
    let label_every = (buckets.len() / 12).max(1);
    for (i, b) in buckets.iter().enumerate() {
        let x = LEFT + 30.0 + i as f32 * step;
        let h = chart_h * b.organisations as f32 / max as f32;
        if h > 0.0 {
            l.rect(x, base, bar_w, h, BLUE);
        }
        if i % label_every == 0 {
            l.text_centre(
                x + bar_w / 2.0,
                base - 10.0,
                &b.met.to_string(),
                BODY.size(7.0),
            );
        }
    }
    l.y = base - 14.0;
    l.paragraph(
        "Horizontal axis: outcomes meeting their target; bar height: organisations.",
        BODY.size(7.5).colour(MUTED),
        0.0,
    );
}

fn gaps(l: &mut Layout, r: &Report) {
    l.heading("Systemic gaps", 2, 80.0);
    if r.gaps.is_empty() {
        l.paragraph(
            "No outcome is below target for any organisation.",
            BODY,
            0.0,
        );
        return;
    }
    l.paragraph(
        "Outcomes most often below target, ranked by the organisations each affects (share of those with a target for it).",
        BODY.colour(MUTED),
        0.0,
    );
    for g in r.gaps.iter().take(15) {
        hbar(
            l,
            &format!("{}. {} {}", g.rank, g.id, g.title),
            200.0,
            g.share.unwrap_or(0.0),
            100.0,
            RED,
            &format!("{} orgs ({})", g.organisations, share(g.share)),
        );
    }
    l.y -= 4.0;
    let named = r.gaps.iter().any(|g| g.named.is_some());
    let rows: Vec<Vec<Cell>> = r
        .gaps
        .iter()
        .map(|g| {
            let mut row = vec![
                Cell::new(g.rank.to_string()),
                Cell::styled(format!("{} {}", g.id, g.title), BODY.bold()),
                Cell::new(g.organisations.to_string()),
                Cell::new(share(g.share)),
            ];
            if named {
                row.push(Cell::styled(
                    g.named.as_deref().unwrap_or_default().join(", "),
                    BODY.size(7.5),
                ));
            }
            row
        })
        .collect();
    if named {
        l.table(
            Some(&["#", "Outcome", "Organisations", "Share", "Named"]),
            &[0.4, 3.4, 1.1, 0.9, 3.0],
            &rows,
        );
    } else {
        l.table(
            Some(&["#", "Outcome", "Organisations below target", "Share"]),
            &[0.4, 4.6, 1.6, 1.0],
            &rows,
        );
    }
}

fn trend(l: &mut Layout, r: &Report) {
    l.new_page();
    l.heading("Trend between periods", 1, 80.0);
    let rows: Vec<Vec<Cell>> = r
        .trend
        .periods
        .iter()
        .map(|p| {
            vec![
                Cell::styled(&p.period, BODY.bold()),
                Cell::new(p.assessments.to_string()),
                Cell::new(p.organisations.to_string()),
                Cell::new(if p.suppressed { "suppressed" } else { "" }),
            ]
        })
        .collect();
    l.table(
        Some(&["Period", "Assessments", "Organisations", ""]),
        &[2.0, 1.2, 1.2, 2.0],
        &rows,
    );
    if r.trend.changes.is_empty() {
        l.paragraph(
            "Only one period is present: there is no change to show.",
            BODY,
            0.0,
        );
    }
    for c in &r.trend.changes {
        l.heading(&format!("{} → {}", c.from, c.to), 2, 60.0);
        if c.suppressed {
            l.paragraph(
                "Suppressed: too few organisations were assessed in both periods.",
                BODY,
                0.0,
            );
            continue;
        }
        l.paragraph(
            &format!(
                "{} organisations assessed in both periods: {} improved (more outcomes up than down), {} regressed, {} unchanged. Change is in percentage points of the share meeting target; outcomes marked not comparable differ between framework versions.",
                c.organisations, c.improved, c.regressed, c.unchanged
            ),
            BODY,
            0.0,
        );
        if let Some(summary) = &c.met_summary {
            l.paragraph(summary, BODY, 0.0);
        }
        if let Some(named) = &c.regressed_named {
            l.paragraph(
                &format!("Regressed: {}", named.join(", ")),
                BODY.size(8.0),
                0.0,
            );
        }
        let rows: Vec<Vec<Cell>> = c
            .outcomes
            .iter()
            .map(|o| {
                let (change, style): (String, Style) = if !o.comparable {
                    ("not comparable".into(), BODY.size(8.0).colour(MUTED))
                } else {
                    match o.met_change {
                        None => ("–".into(), BODY.size(8.0)),
                        Some(d) if d > 0.0 => (
                            format!("{d:+.1}"),
                            BODY.bold().size(8.0).colour(status_rgb(Status::Achieved)),
                        ),
                        Some(d) if d < 0.0 => (
                            format!("{d:+.1}"),
                            BODY.bold()
                                .size(8.0)
                                .colour(status_rgb(Status::NotAchieved)),
                        ),
                        Some(d) => (format!("{d:+.1}"), BODY.size(8.0)),
                    }
                };
                let small = BODY.size(8.0);
                vec![
                    Cell::styled(&o.id, small.bold()),
                    Cell::styled(share(o.met_share_from), small),
                    Cell::styled(share(o.met_share_to), small),
                    Cell::styled(change, style),
                    Cell::styled(o.improved.to_string(), small),
                    Cell::styled(o.regressed.to_string(), small),
                    Cell::styled(
                        format!(
                            "{} / {} / {}",
                            o.met.met_by_answer,
                            o.met.met_by_method,
                            o.met.met_by_answer_and_method
                        ),
                        small,
                    ),
                    Cell::styled(o.note.clone().unwrap_or_default(), BODY.size(7.0)),
                ]
            })
            .collect();
        l.table(
            Some(&[
                "Outcome",
                &format!("Met {}", c.from),
                &format!("Met {}", c.to),
                "Change",
                "Improved",
                "Regressed",
                "Met changed: answer / target / both",
                "Note",
            ]),
            &[0.8, 1.0, 1.0, 1.1, 0.9, 0.9, 1.4, 2.6],
            &rows,
        );
    }
}

fn suppliers(l: &mut Layout, r: &Report) {
    let s = &r.supply_chain;
    l.heading("Supply-chain concentration", 1, 80.0);
    l.paragraph(
        &format!(
            "Suppliers named by at least {} organisations, after normalising names; {} distinct suppliers named, {} named by fewer organisations not listed. Red: organisations below target on {}.",
            r.disclosure.min_group_size,
            s.suppliers,
            s.withheld,
            s.outcomes.join(" or ")
        ),
        BODY.colour(MUTED),
        0.0,
    );
    if s.concentration.is_empty() {
        l.paragraph(
            "No supplier is named by enough organisations to list.",
            BODY,
            0.0,
        );
        return;
    }
    let max = s
        .concentration
        .iter()
        .map(|c| c.organisations)
        .max()
        .unwrap_or(0) as f64;
    let bar_h = 13.0;
    let label_w = 150.0;
    let bar_w = WIDTH - label_w - 120.0;
    for c in s.concentration.iter().take(20) {
        l.ensure(bar_h + 5.0);
        let y = l.y - bar_h;
        let label = l.regular.fit(&c.name, 8.0, label_w - 6.0);
        l.text(LEFT, y + 3.8, &label, BODY.size(8.0));
        let x = LEFT + label_w;
        let scale = |n: usize| {
            if max > 0.0 {
                (bar_w as f64 * n as f64 / max) as f32
            } else {
                0.0
            }
        };
        l.rect(x, y, scale(c.organisations), bar_h, BLUE);
        let below = scale(c.below_target);
        if below > 0.0 {
            l.rect(x, y, below, bar_h, RED);
        }
        l.text(
            x + scale(c.organisations) + 6.0,
            y + 3.8,
            &format!("{} orgs ({} below target)", c.organisations, c.below_target),
            BODY.size(8.0),
        );
        l.y = y - 5.0;
    }
    l.y -= 4.0;
    let named = s.concentration.iter().any(|c| c.named.is_some());
    let rows: Vec<Vec<Cell>> = s
        .concentration
        .iter()
        .map(|c| {
            let mut row = vec![
                Cell::styled(&c.name, BODY.bold()),
                Cell::new(c.organisations.to_string()),
                Cell::new(c.below_target.to_string()),
            ];
            if named {
                row.push(Cell::styled(
                    c.named.as_deref().unwrap_or_default().join(", "),
                    BODY.size(7.5),
                ));
            }
            row
        })
        .collect();
    if named {
        l.table(
            Some(&["Supplier", "Organisations", "Below target", "Named"]),
            &[2.2, 1.1, 1.1, 3.6],
            &rows,
        );
    } else {
        l.table(
            Some(&["Supplier", "Organisations", "Below target"]),
            &[3.0, 1.2, 1.2],
            &rows,
        );
    }
}

fn invalid(l: &mut Layout, r: &Report) {
    if r.invalid.is_empty() {
        return;
    }
    l.heading("Invalid inputs (skipped)", 1, 80.0);
    l.paragraph(
        "Each was read and rejected with the error below; none contributes to any figure.",
        BODY.colour(MUTED),
        0.0,
    );
    let rows: Vec<Vec<Cell>> = r
        .invalid
        .iter()
        .map(|i| {
            vec![
                Cell::styled(&i.input, BODY.size(7.5)),
                Cell::styled(&i.error, BODY.size(7.0)),
            ]
        })
        .collect();
    l.table(Some(&["Input", "Error"]), &[2.0, 5.0], &rows);
}
