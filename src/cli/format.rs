//! Output formats as the command line spells them: one parser over [`caf_render::Format`] (plus
//! the terminal table, which only the command line draws), restricted per command to what the
//! command's document is drawn in and what this build has.

use caf_render::{Document, Format};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

/// What a command prints or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// A table for people at a terminal.
    Table,
    /// A file format drawn by `caf-render`.
    File(Format),
}

/// A value parser accepting `table` (when `table` is true) and every format `D` is drawn in
/// that this build can write, each described by `describe` when given.
pub fn parser<D: Document>(
    table: bool,
    describe: Option<fn(Format) -> &'static str>,
) -> impl TypedValueParser<Value = Shown> {
    let mut values = Vec::new();
    if table {
        values.push(PossibleValue::new("table"));
    }
    values.extend(D::FORMATS.iter().filter(|f| f.is_built()).map(|f| {
        let value = PossibleValue::new(f.name());
        match describe {
            Some(describe) => value.help(describe(*f)),
            None => value,
        }
    }));
    PossibleValuesParser::new(values).map(|name| match name.parse::<Format>() {
        Ok(format) => Shown::File(format),
        Err(_) => Shown::Table,
    })
}

/// The format a command writes: the one named with `--format`, else the one the output
/// file's extension names, else `default`. A `--format` that contradicts the extension is
/// refused, so `--format html -o out.pdf` never writes HTML into a `.pdf`.
pub fn resolve(
    named: Option<Shown>,
    output: Option<&std::path::Path>,
    default: Option<Shown>,
) -> Result<Shown, super::exit::Error> {
    let implied = output.and_then(Format::from_extension);
    match (named, implied) {
        // Several formats share an extension (OSCAL and WebCAF documents are `.json`).
        (Some(Shown::File(named)), Some(implied)) if named.extension() != implied.extension() => {
            Err(super::exit::Error::Usage(format!(
                "--format {named} does not match the output file {} (a .{} name): \
                 drop --format, or name the file .{}",
                output.map_or_else(String::new, |p| p.display().to_string()),
                implied.extension(),
                named.extension(),
            )))
        }
        (Some(named), _) => Ok(named),
        (None, Some(implied)) => Ok(Shown::File(implied)),
        (None, None) => default.ok_or_else(|| {
            super::exit::Error::Usage(
                "name the format with --format, or write to a file whose extension names it \
                 (-o report.pdf)"
                    .to_string(),
            )
        }),
    }
}
