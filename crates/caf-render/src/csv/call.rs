//! CSV of a call's status: one row per figure, in three sections (`question`, `group`, and
//! with `--identify` only, `exposed` and `not-answered`). The header is a stable interface.

use caf_core::call::status::CallStatus;

use super::{Sheet, text};

/// The CSV columns; append new columns at the end only.
pub const HEADER: [&str; 6] = ["section", "id", "value", "count", "audience", "contact"];

pub fn render(s: &CallStatus) -> String {
    let mut sheet = Sheet::new(&HEADER);
    let n = |v: Option<usize>| v.map_or_else(String::new, |n| n.to_string());
    sheet.row([
        "call".into(),
        text(&s.call.id),
        text(&s.as_of),
        n(s.responded).into(),
        s.audience.to_string().into(),
        std::borrow::Cow::Borrowed(""),
    ]);
    for q in &s.questions {
        for (value, count) in &q.answers {
            sheet.row([
                "question".into(),
                text(&q.id),
                text(value),
                count.to_string().into(),
                q.asked.to_string().into(),
                std::borrow::Cow::Borrowed(""),
            ]);
        }
    }
    for g in &s.groups {
        sheet.row([
            "group".into(),
            text(&g.group),
            std::borrow::Cow::Borrowed("responded"),
            n(g.responded).into(),
            g.audience.to_string().into(),
            std::borrow::Cow::Borrowed(""),
        ]);
    }
    for e in s.exposed.iter().flatten() {
        sheet.text_row(&[
            "exposed",
            &e.org.id,
            &e.org.name,
            "",
            "",
            e.org.contact.as_deref().unwrap_or(""),
        ]);
    }
    for c in s.chase.iter().flatten() {
        sheet.text_row(&[
            "not-answered",
            &c.id,
            &c.name,
            "",
            "",
            c.contact.as_deref().unwrap_or(""),
        ]);
    }
    sheet.finish()
}
