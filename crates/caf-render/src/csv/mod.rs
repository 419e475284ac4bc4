//! CSV: one row per outcome, for spreadsheets and scripts. Each document has its own stable,
//! documented header; columns are only ever appended.
//!
//! Every text cell goes through [`text`], so a name, comment or evidence title that a
//! spreadsheet would read as a formula arrives as text (CSV injection, OWASP). Numbers we
//! format ourselves (counts, shares) are data and are written as they are: a negative number in
//! a numeric column is a value, not a formula, and none of ours comes from user input.

use std::borrow::Cow;

pub mod aggregate;
pub mod call;
pub mod plan;
pub mod report;
pub mod scorecard;
pub mod tip;

/// First characters that make a spreadsheet evaluate a cell: OWASP's list (`=`, `+`, `-`, `@`,
/// tab, carriage return), ASVS 1.2.10's NUL, and line feed, which some importers strip before
/// looking at the next character.
const FORMULA_TRIGGERS: [char; 8] = ['=', '+', '-', '@', '\t', '\r', '\n', '\0'];

/// A yes/no cell, spelt the way every CSV here spells it.
fn flag(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// A text cell made inert for spreadsheets: one that would start a formula gets a leading single
/// quote, which spreadsheets take as "this is text". The CSV writer still quotes the cell as
/// RFC 4180 requires.
pub fn text(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_TRIGGERS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A cell read back from a CSV this crate wrote: [`text`]'s leading quote removed again.
pub fn untext(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_TRIGGERS) => rest,
        _ => cell,
    }
}

/// A CSV document being written to memory: a header, then rows.
struct Sheet(::csv::Writer<Vec<u8>>);

impl Sheet {
    fn new(header: &[&str]) -> Self {
        let mut sheet = Sheet(::csv::Writer::from_writer(Vec::new()));
        sheet.row(header.iter().copied());
        sheet
    }

    /// A row of text cells, each made inert with [`text`].
    fn text_row(&mut self, cells: &[&str]) {
        self.row(cells.iter().map(|c| text(c)));
    }

    /// A row whose cells are inert already: numbers we formatted, or text through [`text`].
    fn row<I>(&mut self, cells: I)
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.0
            .write_record(cells.into_iter().map(|c| c.as_ref().to_owned()))
            .expect("writing CSV to memory cannot fail");
    }

    fn finish(self) -> String {
        String::from_utf8(self.0.into_inner().expect("in-memory CSV flushes"))
            .expect("CSV of UTF-8 fields is UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_start_a_formula_become_text() {
        for trigger in FORMULA_TRIGGERS {
            let cell = format!("{trigger}HYPERLINK(\"http://x.example/\",\"y\")");
            assert_eq!(text(&cell), format!("'{cell}"));
        }
        assert_eq!(text("Northmoor = council"), "Northmoor = council");
        assert_eq!(text("'already quoted"), "'already quoted");
        assert_eq!(text(""), "");
        for cell in ["=1+1", "-2", "'already quoted", "plain", ""] {
            assert_eq!(untext(&text(cell)), cell);
        }
    }

    #[test]
    fn neutralised_cells_are_still_quoted_for_csv() {
        let mut sheet = Sheet::new(&["a", "b"]);
        sheet.text_row(&["=1+1,\"x\"", "-2"]);
        assert_eq!(sheet.finish(), "a,b\n\"'=1+1,\"\"x\"\"\",'-2\n");
    }
}
