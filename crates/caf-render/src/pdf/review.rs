//! PDF: the review report, drawn with the layout primitives of [`super::layout`]: the review's
//! details, each outcome's decision beside the self-assessment, the recommendations with their
//! ids and priority, and each objective's notes. Every figure is read from the model.

use caf_core::review::ReviewReport;

use super::layout::{BODY, Cell, Layout, MUTED, WIDTH};
use super::tagged::DocumentInfo;

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "–".to_string()
    } else {
        text.to_string()
    }
}

pub fn render(r: &ReviewReport) -> crate::Result<Vec<u8>> {
    let mut l = Layout::new();
    let d = &r.review;
    l.heading(&r.title, 1, 60.0);
    let facts = [
        ("Organisation", r.organisation.name.clone()),
        ("Framework", r.framework.name.clone()),
        (
            "Profile",
            r.profile
                .as_ref()
                .map_or("none".into(), |p| p.title.clone()),
        ),
        ("Reviewer", or_dash(&d.reviewer.name)),
        (
            "Organisation of reviewer",
            or_dash(&d.reviewer.organisation),
        ),
        (
            "Status",
            format!("{} (version {})", d.status.key(), d.version),
        ),
        ("Period", or_dash(&d.overall.period)),
        ("Evidence quality", or_dash(&d.overall.evidence_quality)),
        ("Method", or_dash(&d.overall.method)),
        ("Company", or_dash(&d.overall.company)),
        ("Assessment", d.assessment.clone()),
    ];
    l.facts(&facts, 130.0, BODY);
    let s = &r.summary;
    l.paragraph(
        &format!(
            "{} of {} outcomes decided: {} as self-assessed, {} lower, {} higher. {} recommendations, {} of them priority.",
            s.decided, s.outcomes, s.agreed, s.lower, s.higher, s.recommendations, s.priority
        ),
        BODY,
        0.0,
    );
    if !d.overall.summary.is_empty() {
        l.heading("Summary", 2, 40.0);
        l.paragraph(&d.overall.summary, BODY, 0.0);
    }
    l.heading("Decisions against the self-assessment", 2, 40.0);
    let rows: Vec<Vec<Cell>> = (r.outcomes.iter())
        .map(|o| {
            vec![
                Cell::new(&o.id),
                Cell::new(&o.title),
                Cell::status(o.self_assessed),
                Cell::optional_status(o.decision),
                Cell::optional_status(o.target),
                Cell::new(or_dash(&o.comment)),
            ]
        })
        .collect();
    l.table(
        Some(&[
            "Outcome",
            "Title",
            "Self-assessed",
            "Decision",
            "Target",
            "Comment",
        ]),
        &[
            WIDTH * 0.09,
            WIDTH * 0.23,
            WIDTH * 0.15,
            WIDTH * 0.15,
            WIDTH * 0.15,
            WIDTH * 0.23,
        ],
        &rows,
    );
    l.heading("Risks and recommendations", 2, 40.0);
    if r.recommendations.is_empty() {
        l.paragraph("No recommendations.", BODY.colour(MUTED), 0.0);
    } else {
        let rows: Vec<Vec<Cell>> = (r.recommendations.iter())
            .map(|x| {
                vec![
                    Cell::new(&x.id),
                    Cell::new(&x.outcome),
                    Cell::new(if x.priority { "Yes" } else { "No" }),
                    Cell::new(&x.risk),
                    Cell::new(&x.text),
                ]
            })
            .collect();
        l.table(
            Some(&["ID", "Outcome", "Priority", "Risk", "Recommendation"]),
            &[
                WIDTH * 0.14,
                WIDTH * 0.1,
                WIDTH * 0.1,
                WIDTH * 0.3,
                WIDTH * 0.36,
            ],
            &rows,
        );
    }
    l.heading("Objectives", 2, 40.0);
    let rows: Vec<Vec<Cell>> = (r.objectives.iter())
        .map(|o| {
            vec![
                Cell::new(format!("{} {}", o.id, o.title)),
                Cell::new(or_dash(&o.good_practice)),
                Cell::new(or_dash(&o.improvement)),
            ]
        })
        .collect();
    l.table(
        Some(&["Objective", "Good practice", "For improvement"]),
        &[WIDTH * 0.3, WIDTH * 0.35, WIDTH * 0.35],
        &rows,
    );
    let info = DocumentInfo {
        title: r.title.clone(),
        author: (!d.reviewer.name.is_empty()).then(|| d.reviewer.name.clone()),
        subject: format!("Schema {}", r.schema),
        generator: r.generator.clone(),
        date: None,
    };
    l.finish(info, |_, _, _| {})
}
