//! The HTML and Markdown formats: templates rendered with minijinja, the report model as context.
//!
//! The shipped templates are embedded in the binary, so `caf` needs no files beside it. A folder
//! given with `--templates DIR` overrides them file by file: a file there with a shipped
//! template's name (`report.html`, `partials/style.css`, ...) replaces that one, and the rest
//! stay as shipped, so a user can restyle the page without copying every template.

use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment};

use super::{RenderOptions, Report, status_mark, status_rgb, status_text_rgb};
use crate::error::{Error, Result};
use crate::framework::Status;

pub const HTML: &str = "report.html";
pub const MARKDOWN: &str = "report.md";

/// Every shipped template, by the name templates include it with.
pub const SHIPPED: &[(&str, &str)] = &[
    ("report.html", include_str!("../../templates/report.html")),
    ("report.md", include_str!("../../templates/report.md")),
    (
        "partials/style.css",
        include_str!("../../templates/partials/style.css"),
    ),
    (
        "partials/charts.html",
        include_str!("../../templates/partials/charts.html"),
    ),
];

fn template_error(name: &str, error: &minijinja::Error) -> Error {
    Error::Template {
        name: name.to_string(),
        message: format!("{error:#}"),
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Statuses reach templates as their keys; a missing one (no target, no earlier answer) is `none`.
fn status_of(key: Option<&str>) -> Status {
    key.and_then(Status::from_key)
        .unwrap_or(Status::NotAssessed)
}

/// Builds the environment: shipped templates, overridden by the user's where present.
fn environment(overrides: Option<&Path>) -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("the default delimiters are valid"),
    );
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    // Presentation helpers only: colours, marks and escaping. Nothing here computes a result.
    env.add_filter("status_colour", |key: Option<&str>| {
        hex(status_rgb(status_of(key)))
    });
    env.add_filter("status_text_colour", |key: Option<&str>| {
        hex(status_text_rgb(status_of(key)))
    });
    env.add_filter("status_mark", |key: Option<&str>| {
        status_mark(status_of(key))
    });
    env.add_filter("status_label", |key: Option<&str>| {
        key.and_then(Status::from_key).map_or("–", Status::label)
    });
    // A Markdown table cell: no pipes or line breaks may leak out of it.
    env.add_filter("cell", |text: &str| {
        text.replace('|', "\\|").replace(['\n', '\r'], " ")
    });
    for (name, shipped) in SHIPPED {
        let source = match overrides.map(|dir| dir.join(name)) {
            Some(path) if path.is_file() => {
                std::fs::read_to_string(&path).map_err(|source| Error::Read { path, source })?
            }
            _ => (*shipped).to_string(),
        };
        env.add_template_owned(*name, source)
            .map_err(|e| template_error(name, &e))?;
    }
    Ok(env)
}

pub fn render(report: &Report, name: &str, options: &RenderOptions) -> Result<String> {
    if let Some(dir) = &options.templates
        && !dir.is_dir()
    {
        return Err(Error::Usage(format!(
            "--templates {}: not a folder",
            dir.display()
        )));
    }
    let env = environment(options.templates.as_deref())?;
    let template = env
        .get_template(name)
        .map_err(|e| template_error(name, &e))?;
    template
        .render(Serde(report))
        .map_err(|e| template_error(name, &e))
}
