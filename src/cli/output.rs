//! Terminal conventions shared by the subcommands: when to use colour, how a table looks, how a
//! status is shown, and where output goes.

use std::io::{IsTerminal, Write};
use std::path::Path;

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;

use super::exit::{Error, Result};
use caf_core::framework::Status;
use caf_render::palette::{self, TerminalColour};

/// Colour only on a terminal, and never when `NO_COLOR` is set (<https://no-color.org>).
pub fn colour_enabled() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    if colour_enabled() {
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.force_no_tty();
    }
    table.set_header(header.iter().map(Cell::new));
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

pub fn met_cell(met: Option<bool>) -> Cell {
    match met {
        Some(true) => Cell::new("yes").fg(Color::Green),
        Some(false) => Cell::new("NO").fg(Color::Red),
        None => Cell::new("–"),
    }
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

pub fn json<T: Serialize>(value: &T) -> String {
    caf_render::json(value)
}
