//! PDF: the aggregate [`Report`] as an A4 paper for a central unit, drawn with the layout
//! primitives of [`super::layout`] that the assessment report uses too. Every figure is read from
//! the model; nothing here counts, divides or suppresses. Organisation names appear only where
//! the model carries them (`named`, which is filled only with `--identify`).

use caf_core::aggregate::{GroupFigures, OutcomeFigures, Report};
use caf_core::framework::Status;
use caf_core::report::DISPLAY_ORDER;
use caf_core::text::{plural, plural_as};

use super::layout::{
    ACCENT, BODY, Cell, LEFT, Layout, MUTED, PAGE_H, RIGHT, RULE, Rgb8, StatusBar, Style, Tile,
    WHITE, WIDTH,
};
use super::tagged::{Decoration, DocumentInfo, Role};
use crate::palette::{
    HEAT_BANDS, NO_MINIMUM, NO_MINIMUM_LABEL, heat_cell_rgb, heat_rgb, ink_on, status_rgb,
};

use crate::palette::{BAR as BLUE, BELOW_TARGET as RED, TRACK as GREY};

fn share(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:.1}%"))
}

/// An outcome's share meeting target, or "no minimum" when its every target is "not achieved".
fn met_share(f: &OutcomeFigures) -> String {
    if f.no_minimum {
        NO_MINIMUM_LABEL.to_lowercase()
    } else {
        share(f.met_share)
    }
}

fn periods(report: &Report) -> String {
    if report.periods.is_empty() {
        "no period".to_string()
    } else {
        report.periods.join(", ")
    }
}

pub fn render(report: &Report) -> crate::Result<Vec<u8>> {
    let title = format!(
        "CAF aggregate: {} v{}, {}",
        report.framework.name,
        report.framework.version,
        periods(report)
    );
    let mut l = Layout::new();

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
    let info = DocumentInfo {
        title,
        author: None,
        subject: format!("Schema {}", report.schema),
        generator: generator.clone(),
        date: None,
    };
    l.finish(info, |l, page, total| {
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
    l.title_band(
        "CYBER ASSESSMENT FRAMEWORK: POPULATION AGGREGATE",
        &format!("{} v{}", r.framework.name, r.framework.version),
        &format!(
            "{} · {} · grouped by {}",
            periods(r),
            plural(r.assessments, "assessment"),
            r.group_by.key()
        ),
    );

    l.heading("Coverage", 1, 80.0);
    // Figure tiles: the numbers a reader looks for first.
    l.tiles(&[
        Tile::plain(r.assessments.to_string(), "Assessments"),
        Tile::plain(r.coverage.organisations.to_string(), "Organisations"),
        Tile::plain(
            format!("{:.1}%", r.coverage.completion),
            "Outcomes assessed",
        ),
        Tile::plain(r.coverage.invalid.to_string(), "Invalid (skipped)"),
    ]);

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
                    "{} in {} from {}",
                    r.assessments,
                    periods(r),
                    plural(c.organisations, "organisation")
                ),
            ),
            ("Frameworks", frameworks),
            (
                "Other periods",
                format!(
                    "{} (used for the trend only)",
                    plural(c.other_periods, "assessment")
                ),
            ),
            (
                "Not mappable",
                format!(
                    "{} not comparable with {}",
                    plural(c.unmappable, "assessment"),
                    r.framework.id
                ),
            ),
            (
                "No profile",
                format!(
                    "{} without a target profile",
                    plural(c.without_profile, "assessment")
                ),
            ),
            (
                "Invalid",
                format!("{} skipped (listed at the end)", plural(c.invalid, "input")),
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
        "No published figure describes fewer than {}.",
        plural(d.min_group_size, "organisation")
    );
    if d.merged_groups > 0 {
        note.push_str(&format!(
            " {} merged into \"{}\".",
            plural_as(d.merged_groups, "small group was", "small groups were"),
            caf_core::aggregate::OTHER_GROUP
        ));
    }
    if d.suppressed_groups > 0 {
        note.push_str(&format!(
            " {} too small and suppressed.",
            plural_as(d.suppressed_groups, "group remains", "groups remain")
        ));
    }
    if r.supply_chain.withheld > 0 {
        note.push_str(&format!(
            " {} named by fewer organisations not listed.",
            plural(r.supply_chain.withheld, "supplier")
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
        "Each cell: the share of assessments meeting their profile's target (colour, red to green), then achieved / partially achieved / not achieved counts. Targets of not achieved set no minimum: they are left out of the share, and an outcome with no other target shows \"no minimum\" in slate. Groups too small to publish are not shown.",
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
            l.tagged(Role::Row, |l| {
                l.tagged(Role::HeaderCell, |l| {
                    l.text(LEFT, top - 13.0, "Outcome", BODY.bold().size(7.0))
                });
                for (i, (key, orgs)) in names.iter().enumerate() {
                    let x = LEFT + label_w + i as f32 * cell_w;
                    l.rect(x, top - header_h, cell_w - 1.0, header_h, ACCENT);
                    let key = l.bold.fit(key, 7.0, cell_w - 4.0);
                    let style = BODY.bold().size(7.0).colour(WHITE);
                    l.tagged(Role::HeaderCell, |l| {
                        l.text_centre(x + cell_w / 2.0, top - 9.0, &key, style);
                        l.text_centre(
                            x + cell_w / 2.0,
                            top - 18.0,
                            &plural(*orgs, "org"),
                            BODY.size(6.5).colour(WHITE),
                        );
                    });
                }
            });
            l.y = top - header_h - 1.0;
        };
        l.ensure(header_h + 3.0 * cell_h);
        l.tagged(Role::Table, |l| {
            header(l);
            for (i, o) in r.outcomes.iter().enumerate() {
                if l.y - cell_h < super::layout::BOTTOM {
                    l.new_page();
                    l.decorated(Decoration::Repeated, header);
                }
                let top = l.y;
                let mut cells: Vec<&OutcomeFigures> = vec![o];
                cells.extend(block.iter().map(|g| &g.outcomes[i]));
                l.tagged(Role::Row, |l| {
                    l.tagged(Role::RowHeaderCell, |l| {
                        l.text(LEFT, top - 12.0, &o.id, BODY.bold().size(7.5))
                    });
                    for (j, f) in cells.iter().enumerate() {
                        let x = LEFT + label_w + j as f32 * cell_w;
                        let fill = heat_cell_rgb(f.met_share, f.no_minimum);
                        l.rect(x, top - cell_h + 1.0, cell_w - 1.0, cell_h - 1.0, fill);
                        let ink = ink_on(fill);
                        let c = &f.counts;
                        l.tagged(Role::Cell, |l| {
                            l.text_centre(
                                x + cell_w / 2.0,
                                top - 8.0,
                                &met_share(f),
                                BODY.bold().size(7.0).colour(ink),
                            );
                            l.text_centre(
                                x + cell_w / 2.0,
                                top - 15.5,
                                &format!(
                                    "{}/{}/{}",
                                    c.statuses.achieved,
                                    c.statuses.partially_achieved,
                                    c.statuses.not_achieved
                                ),
                                BODY.size(6.0).colour(ink),
                            );
                        });
                    }
                });
                l.y = top - cell_h;
            }
        });
        l.y -= 10.0;
    }
    heat_legend(l);
}

fn heat_legend(l: &mut Layout) {
    l.ensure(24.0);
    let style = BODY.size(7.5);
    let y = l.y - 10.0;
    let mut x = LEFT;
    let key = l.canvas_paragraph();
    l.within(key, |l| l.text(x, y + 1.5, "Share meeting target:", style));
    x += l.regular.width("Share meeting target:", 7.5) + 6.0;
    let bands = HEAT_BANDS.iter().map(|(_, fill, label)| (*label, *fill));
    let neutral = [("no target", heat_rgb(None)), ("no minimum", NO_MINIMUM)];
    for (label, fill) in bands.chain(neutral) {
        l.rect(x, y, 9.0, 9.0, fill);
        l.within(key, |l| l.text(x + 12.0, y + 1.5, label, style));
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
    let height = Layout::status_bars_height(r.objectives.len());
    l.heading("Outcome statuses per objective", 2, height);
    let bars: Vec<StatusBar> = (r.objectives.iter())
        .map(|ob| StatusBar {
            label: format!("{} {}", ob.id, ob.title),
            counts: (DISPLAY_ORDER.iter())
                .map(|s| (*s, ob.counts.count(*s) as usize))
                .collect(),
        })
        .collect();
    l.status_bars(
        "Bar chart of outcome statuses per objective, across all assessments",
        &bars,
        190.0,
    );

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
                Cell::new(c.met_text()),
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
                Cell::new(share(g.baseline_minimum_share)),
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
    l.paragraph(
        &format!(
            "Meeting baseline: the share of the group's organisations meeting every baseline target that sets a minimum. {}",
            caf_core::scoring::NO_MINIMUM_LEFT_OUT
        ),
        BODY.size(7.5).colour(MUTED),
        0.0,
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
    let mut intro = "Organisations meeting every target of a profile that sets a minimum, among those whose framework has it.".to_string();
    for note in r
        .attainment
        .profiles
        .iter()
        .filter_map(|p| p.no_minimum_note.as_ref())
    {
        intro.push(' ');
        intro.push_str(note);
    }
    l.paragraph(&intro, BODY.colour(MUTED), 0.0);
    let alt = format!(
        "Bar chart of organisations meeting every target of a profile that sets a minimum. {}",
        (r.attainment.profiles.iter())
            .map(|p| format!(
                "{}: {} of {} ({}).",
                p.profile,
                p.meeting_minimum,
                p.organisations,
                share(p.minimum_share)
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    l.figure(alt, |l| {
        for p in &r.attainment.profiles {
            hbar(
                l,
                &p.profile,
                90.0,
                p.minimum_share.unwrap_or(0.0),
                100.0,
                BLUE,
                &format!(
                    "{} of {} ({})",
                    p.meeting_minimum,
                    p.organisations,
                    share(p.minimum_share)
                ),
            );
        }
    });
    let buckets = &r.attainment.outcomes_met_minimum;
    if buckets.is_empty() {
        return;
    }
    l.heading(
        "Organisations by outcomes meeting their own profile's target",
        3,
        130.0,
    );
    let alt = format!(
        "Histogram of organisations by the number of outcomes meeting a target that sets a minimum. {}",
        (buckets.iter())
            .map(|b| format!(
                "{}: {};",
                plural(b.met as usize, "outcome"),
                plural(b.organisations, "organisation")
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    l.figure(alt, |l| histogram(l, buckets));
    l.paragraph(
        &format!(
            "Horizontal axis: outcomes meeting their target; bar height: organisations. {}",
            caf_core::scoring::NO_MINIMUM_LEFT_OUT
        ),
        BODY.size(7.5).colour(MUTED),
        0.0,
    );
}

fn histogram(l: &mut Layout, buckets: &[caf_core::aggregate::MetBucket]) {
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
        "Outcomes most often below target, ranked by the organisations each affects (share of those whose target for it sets a minimum: a target of not achieved cannot be missed, so it is left out of the whole).",
        BODY.colour(MUTED),
        0.0,
    );
    let shown = &r.gaps[..r.gaps.len().min(15)];
    let alt = format!(
        "Bar chart of the outcomes most often below target. {}",
        (shown.iter())
            .map(|g| format!(
                "{}. {} {}: {} ({}).",
                g.rank,
                g.id,
                g.title,
                plural(g.organisations, "organisation"),
                share(g.minimum_share)
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    l.figure(alt, |l| {
        for g in shown {
            hbar(
                l,
                &format!("{}. {} {}", g.rank, g.id, g.title),
                200.0,
                g.minimum_share.unwrap_or(0.0),
                100.0,
                RED,
                &format!(
                    "{} ({})",
                    plural(g.organisations, "org"),
                    share(g.minimum_share)
                ),
            );
        }
    });
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
                Cell::new(share(g.minimum_share)),
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
    let shown = &s.concentration[..s.concentration.len().min(20)];
    let alt = format!(
        "Bar chart of the suppliers named by most organisations. {}",
        (shown.iter())
            .map(|c| format!(
                "{}: {}, {} below target.",
                c.name,
                plural(c.organisations, "organisation"),
                c.below_target
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    l.figure(alt, |l| {
        for c in shown {
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
                &format!(
                    "{} ({} below target)",
                    plural(c.organisations, "org"),
                    c.below_target
                ),
                BODY.size(8.0),
            );
            l.y = y - 5.0;
        }
    });
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
