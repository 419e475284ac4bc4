//! Terminal conventions shared by the subcommands: when to use colour, how a table looks, how a
//! status is shown, and where output goes.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::Path;

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;

use super::exit::{Error, Result};
use caf_core::framework::Status;
use caf_render::palette::{self, TerminalColour};

/// `word` as one shell word: as it is when it holds only characters no shell treats
/// specially, else in single quotes (a `'` inside written as `'\''`), so a printed command
/// runs when pasted.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Colour on standard output only on a terminal, and never when `NO_COLOR` is set
/// (<https://no-color.org>).
pub fn colour_enabled() -> bool {
    colour_wanted(&std::io::stdout())
}

/// Whether text written to `stream` may be coloured: it is a terminal and `NO_COLOR` is unset.
pub fn colour_wanted(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Text from an input file (a name, a comment, a line quoted in an error) made safe to show on
/// a terminal: control characters other than line feed and tab, C1 controls, and the
/// characters that reorder bidirectional text are shown as escapes (`\x1b`, `\u{202e}`). A
/// file can then neither clear the screen, retitle the window, hide text behind a carriage
/// return or backspaces, nor make a line read differently from what it holds.
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if c.is_ascii() {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            // Arabic letter mark, LRM/RLM, embeddings and overrides, isolates, line and
            // paragraph separators.
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

/// A table cell holding text from an input file, made [`inert`].
pub fn text_cell(text: &str) -> Cell {
    Cell::new(inert(text))
}

/// The width tables are laid out to: the terminal's, else `COLUMNS`, else 100.
pub fn width() -> usize {
    crossterm::terminal::size()
        .ok()
        .filter(|_| std::io::stdout().is_terminal())
        .map(|(w, _)| usize::from(w))
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .unwrap_or(100)
        .max(40)
}

pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    if colour_enabled() {
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.force_no_tty();
    }
    table.set_header(header.iter().map(|h| text_cell(h)));
    table
}

/// A status cell: the words always say the status, colour only reinforces it.
pub fn status_cell(status: Status) -> Cell {
    Cell::new(status.label()).fg(status_colour(status))
}

/// The terminal colour of a status, from the palette every format shares.
pub fn status_colour(status: Status) -> Color {
    match palette::swatch(status).terminal {
        TerminalColour::Green => Color::Green,
        TerminalColour::Yellow => Color::Yellow,
        TerminalColour::Red => Color::Red,
        TerminalColour::DarkGrey => Color::DarkGrey,
    }
}

pub fn target_cell(target: Option<Status>) -> Cell {
    Cell::new(target.map_or("–", Status::label))
}

/// Whether the target is met; "no minimum" (uncoloured) for a "not achieved" target, which any
/// judgement meets.
pub fn met_cell(met: Option<bool>, target: Option<Status>) -> Cell {
    if caf_core::scoring::no_minimum(target) {
        return Cell::new("no minimum");
    }
    match met {
        Some(true) => Cell::new("yes").fg(Color::Green),
        Some(false) => Cell::new("NO").fg(Color::Red),
        None => Cell::new("–"),
    }
}

/// A listing from the collection service on stdout: `list` as JSON, or a table of `rows`
/// under `header` and their count (`noun(s)`), made inert (the cells come from submitted
/// files).
#[cfg(feature = "client")]
pub fn listing<T: Serialize>(
    json: bool,
    list: &T,
    header: &[&str],
    rows: Vec<Vec<String>>,
    noun: &str,
) -> Result<()> {
    if json {
        return emit(&self::json(list), None);
    }
    let count = rows.len();
    let mut table = table(header);
    for row in rows {
        table.add_row(row);
    }
    emit(
        &inert(&format!(
            "{table}\n{}\n",
            caf_core::text::plural(count, noun)
        )),
        None,
    )
}

/// Writes text to `out` atomically, or to stdout when no file is named.
pub fn emit(text: &str, out: Option<&Path>) -> Result<()> {
    emit_bytes(text.as_bytes(), out)
}

/// Writes bytes to `out` atomically, or to stdout when no file is named (callers keep binary
/// formats off a terminal).
pub fn emit_bytes(bytes: &[u8], out: Option<&Path>) -> Result<()> {
    match out {
        Some(path) => Ok(caf_core::fsutil::write_atomic(path, bytes)?),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(|source| Error::Write {
                    path: "<stdout>".into(),
                    source,
                })
        }
    }
}

/// Writes a rendered document (Markdown, CSV, JSON, HTML) to `out`, or to stdout. Shown on a
/// terminal it is made [`inert`]; a file or a pipe gets it byte for byte.
pub fn emit_document(bytes: &[u8], out: Option<&Path>) -> Result<()> {
    if out.is_none()
        && std::io::stdout().is_terminal()
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return emit(&inert(text), None);
    }
    emit_bytes(bytes, out)
}

/// Refuses an output that is one of the command's inputs: `caf report a.toml -o a.toml` would
/// replace the assessment with its report. Files are compared by identity (device and inode),
/// so another name for the same file (`./a.toml`, a link) is caught too. Under an input folder,
/// a `*.toml` output is refused as well: it would be read as an assessment next time.
pub fn refuse_overwriting_inputs<'a>(
    out: Option<&Path>,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<()> {
    let Some(out) = out else {
        return Ok(());
    };
    for input in inputs {
        let same = same_file::is_same_file(out, input).unwrap_or(false);
        if same || (input.is_dir() && is_assessment_under(out, input)) {
            return Err(Error::Usage(format!(
                "-o {} would overwrite {}, an input of this command: name another file",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// Whether `path` (which need not exist yet) is a `*.toml` file somewhere under `folder`.
fn is_assessment_under(path: &Path, folder: &Path) -> bool {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    path.extension().is_some_and(|e| e == "toml")
        && matches!(
            (canonical(parent), canonical(folder)),
            (Some(parent), Some(folder)) if parent.starts_with(&folder)
        )
}

pub fn json<T: Serialize>(value: &T) -> String {
    caf_render::json(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_shown_escaped() {
        assert_eq!(
            inert("a\u{1b}[2Jb\u{7}c\u{8}\rd\u{9b}e\u{202e}f"),
            "a\\x1b[2Jb\\x07c\\x08\\x0dd\\u{9b}e\\u{202e}f"
        );
        assert_eq!(
            inert("two\nlines\tand a tab, £ and é"),
            "two\nlines\tand a tab, £ and é"
        );
        assert!(matches!(inert("plain"), Cow::Borrowed(_)));
    }
}
