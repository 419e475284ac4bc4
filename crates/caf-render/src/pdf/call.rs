//! PDF: a call's status as a one-to-few-page brief for the central unit, drawn with the
//! layout primitives of [`super::layout`]. Every figure is read from the model; names appear
//! only where the model carries them (with `identify`).

use caf_core::call::status::CallStatus;

use super::layout::{BODY, Cell, Layout, MUTED, WIDTH};
use super::tagged::DocumentInfo;

fn count(n: Option<usize>) -> String {
    n.map_or_else(|| "withheld".to_string(), |n| n.to_string())
}

pub fn render(s: &CallStatus) -> crate::Result<Vec<u8>> {
    let mut l = Layout::new();
    l.heading(&s.call.title, 1, 60.0);
    let facts = [
        (
            "Call",
            format!(
                "{} (version {}), severity {}",
                s.call.id, s.call.version, s.call.severity
            ),
        ),
        (
            "Deadline",
            format!(
                "{}{}",
                s.call.deadline,
                if s.overdue { " (passed)" } else { "" }
            ),
        ),
        ("As of", s.as_of.clone()),
        (
            "Answered",
            format!(
                "{} of {} addressed{}",
                count(s.responded),
                s.audience,
                s.response_rate
                    .map_or(String::new(), |r| format!(" ({:.0}%)", r * 100.0))
            ),
        ),
        ("Exposed", count(s.exposed_count)),
    ];
    l.facts(&facts, 90.0, BODY);
    l.paragraph(
        &format!(
            "Disclosure control: no figure describes fewer than {} organisations.{}",
            s.disclosure.min_group_size,
            if s.disclosure.identify {
                " This paper names organisations: for the central unit only."
            } else {
                ""
            }
        ),
        BODY.colour(MUTED),
        0.0,
    );
    if !s.questions.is_empty() {
        l.heading("Answers", 2, 40.0);
        let rows: Vec<Vec<Cell>> = s
            .questions
            .iter()
            .map(|q| {
                let mut answers: Vec<String> =
                    q.answers.iter().map(|(v, n)| format!("{v}: {n}")).collect();
                if q.withheld > 0 {
                    answers.push(format!("{} withheld", q.withheld));
                }
                vec![
                    Cell::new(&q.text),
                    Cell::new(q.asked.to_string()),
                    Cell::new(q.answered.to_string()),
                    Cell::new(answers.join(", ")),
                ]
            })
            .collect();
        l.table(
            Some(&["Question", "Asked", "Answered", "Answers"]),
            &[WIDTH * 0.4, WIDTH * 0.1, WIDTH * 0.12, WIDTH * 0.38],
            &rows,
        );
    }
    l.heading("By group", 2, 40.0);
    let rows: Vec<Vec<Cell>> = s
        .groups
        .iter()
        .map(|g| {
            vec![
                Cell::new(&g.group),
                Cell::new(g.audience.to_string()),
                Cell::new(count(g.responded)),
                Cell::new(g.exposed.map_or("–".into(), |n| n.to_string())),
            ]
        })
        .collect();
    l.table(
        Some(&["Group", "Addressed", "Answered", "Exposed"]),
        &[WIDTH * 0.4, WIDTH * 0.2, WIDTH * 0.2, WIDTH * 0.2],
        &rows,
    );
    let people = |l: &mut Layout, title: &str, list: Vec<[String; 4]>| {
        l.heading(title, 2, 40.0);
        let rows: Vec<Vec<Cell>> = list
            .into_iter()
            .map(|r| r.into_iter().map(Cell::new).collect())
            .collect();
        l.table(
            Some(&["Id", "Name", "Group", "Contact"]),
            &[WIDTH * 0.18, WIDTH * 0.32, WIDTH * 0.2, WIDTH * 0.3],
            &rows,
        );
    };
    if let Some(exposed) = &s.exposed {
        let list = exposed
            .iter()
            .map(|e| {
                [
                    e.org.id.clone(),
                    e.org.name.clone(),
                    e.org.group.clone().unwrap_or_default(),
                    e.org.contact.clone().unwrap_or_default(),
                ]
            })
            .collect();
        people(&mut l, "Exposed organisations", list);
    }
    if let Some(chase) = &s.chase {
        let list = chase
            .iter()
            .map(|c| {
                [
                    c.id.clone(),
                    c.name.clone(),
                    c.group.clone().unwrap_or_default(),
                    c.contact.clone().unwrap_or_default(),
                ]
            })
            .collect();
        people(&mut l, &format!("Not answered ({})", chase.len()), list);
    }
    let info = DocumentInfo {
        title: format!("Data call {}: status", s.call.id),
        author: None,
        subject: "Schema caf.call-status/1".to_string(),
        generator: format!("caf {}", env!("CARGO_PKG_VERSION")),
        date: None,
    };
    l.finish(info, |_, _, _| {})
}
