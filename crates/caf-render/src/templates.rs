//! The HTML and Markdown formats: templates rendered with minijinja, the document's model as
//! context. One environment serves every template, so every one of them can be overridden.
//!
//! The shipped templates are embedded in the binary, so `caf` needs no files beside it. A folder
//! given as [`RenderOptions::templates`] overrides them file by file: a file there with a
//! shipped template's name (`report.html`, `aggregate.html`, `partials/style.css`, ...)
//! replaces that one, and the rest stay as shipped, so a user can restyle a page without
//! copying every template.
//!
//! Nothing a report shows becomes markup: HTML templates escape every value as HTML, and
//! Markdown templates escape every value as Markdown ([`crate::markdown`]), unless a template
//! marks it `|safe`.

use std::path::Path;

use caf_core::framework::Status;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error, Output, State};
use serde::Serialize;

use crate::RenderOptions;
use crate::error::{RenderError, Result};
use crate::markdown;
use crate::palette::{
    BAR, BELOW_TARGET, NO_MINIMUM, NO_MINIMUM_LABEL, NO_MINIMUM_TEXT, TRACK, heat_rgb, hex, ink_on,
    status_mark, status_rgb, status_text_rgb,
};

pub const REPORT_HTML: &str = "report.html";
pub const REPORT_MARKDOWN: &str = "report.md";
pub const AGGREGATE_HTML: &str = "aggregate.html";
pub const REVIEW_HTML: &str = "review.html";
pub const CALL_STATUS_HTML: &str = "call-status.html";

/// Every shipped template, by the name templates include it with.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "report.html",
        include_str!("../../../templates/report.html"),
    ),
    ("report.md", include_str!("../../../templates/report.md")),
    (
        "aggregate.html",
        include_str!("../../../templates/aggregate.html"),
    ),
    (
        "review.html",
        include_str!("../../../templates/review.html"),
    ),
    (
        "call-status.html",
        include_str!("../../../templates/call-status.html"),
    ),
    (
        "partials/style.css",
        include_str!("../../../templates/partials/style.css"),
    ),
    (
        "partials/charts.html",
        include_str!("../../../templates/partials/charts.html"),
    ),
];

/// The auto-escape mode of Markdown templates, which minijinja leaves to a custom formatter.
const MARKDOWN: &str = "markdown";

/// Writes one value into a template: as Markdown in Markdown templates, else as minijinja
/// escapes for the template's kind (HTML for `.html`).
fn format_value(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    match state.auto_escape() {
        AutoEscape::Custom(mode) if mode == MARKDOWN => {
            match value.as_str() {
                Some(s) if value.kind() == ValueKind::String && !value.is_safe() => {
                    out.write_str(&markdown::text(s))?
                }
                _ => write!(out, "{value}")?,
            }
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

fn template_error(name: &str, error: minijinja::Error) -> RenderError {
    RenderError::Template {
        name: name.to_string(),
        source: Box::new(error),
    }
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
        } else if name.ends_with(".md") {
            AutoEscape::Custom(MARKDOWN.into())
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(format_value);
    // Presentation helpers only: colours, marks, shortening and escaping. Nothing here
    // computes a result.
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
    env.add_global(
        "palette",
        minijinja::context! {
            bar => hex(BAR),
            below_target => hex(BELOW_TARGET),
            track => hex(TRACK),
            no_minimum => hex(NO_MINIMUM),
            no_minimum_text => hex(NO_MINIMUM_TEXT),
            no_minimum_label => NO_MINIMUM_LABEL,
            no_minimum_left_out => caf_core::scoring::NO_MINIMUM_LEFT_OUT,
        },
    );
    env.add_filter("heat", |share: Option<f64>| hex(heat_rgb(share)));
    env.add_filter("heat_ink", |share: Option<f64>| {
        hex(ink_on(heat_rgb(share)))
    });
    env.add_filter("short", |text: String, width: usize| {
        if text.chars().count() <= width {
            text
        } else {
            let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
            cut.push('…');
            cut
        }
    });
    env.add_filter("signed", |value: f64| format!("{value:+.1}"));
    // `{{ n|plural("outcome") }}` is "1 outcome" or "3 outcomes", as every other output counts.
    env.add_filter("plural", |n: usize, noun: &str| {
        caf_core::text::plural(n, noun)
    });
    // Markdown: a value shown as code, and a table cell. Every Markdown value is escaped
    // already, so `cell` only keeps templates written before that working.
    env.add_filter("code", |text: &str| {
        Value::from_safe_string(markdown::code(text))
    });
    env.add_filter("cell", |text: &str| {
        Value::from_safe_string(markdown::text(text))
    });
    for (name, shipped) in SHIPPED {
        let source = match overrides.map(|dir| dir.join(name)) {
            Some(path) if path.is_file() => std::fs::read_to_string(&path)
                .map_err(|source| RenderError::ReadTemplate { path, source })?,
            _ => (*shipped).to_string(),
        };
        env.add_template_owned(*name, source)
            .map_err(|e| template_error(name, e))?;
    }
    Ok(env)
}

/// Renders the template `name` with `context`.
pub fn render<S: Serialize>(name: &str, context: S, options: &RenderOptions) -> Result<String> {
    if let Some(dir) = &options.templates
        && !dir.is_dir()
    {
        return Err(RenderError::TemplatesNotAFolder(dir.clone()));
    }
    let mut env = environment(options.templates.as_deref())?;
    env.add_global("board_paper", options.summary);
    let template = env
        .get_template(name)
        .map_err(|e| template_error(name, e))?;
    template
        .render(Serde(context))
        .map_err(|e| template_error(name, e))
}
