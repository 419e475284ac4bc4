//! New assessment files: a complete, commented skeleton that a person can fill in by hand.
//!
//! Every outcome appears in framework order as a commented-out table, with its target and its
//! statements listed underneath, so the file doubles as a checklist. An outcome stays
//! not-assessed until its table is uncommented.

use std::fmt::Write;

use crate::assessment::Date;
use crate::framework::{Framework, Level, Profile};

/// The organisation and context written into the header of a new file.
#[derive(Debug, Clone)]
pub struct Header {
    pub name: String,
    pub id: String,
    pub sector: Option<String>,
    pub region: Option<String>,
    pub parent: Option<String>,
    pub system: Option<String>,
    pub assessor: Option<String>,
    pub period: String,
    pub date: Date,
}

pub fn render(framework: &Framework, profile: Option<&Profile>, header: &Header) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let optional = |key: &str, value: &Option<String>, example: &str| match value {
        Some(v) => format!("{key} = {}\n", q(v)),
        None => format!("# {key} = {}\n", q(example)),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# CAF self-assessment. Edit by hand or with `caf assess FILE`; check with `caf score FILE`.\n\
         # An outcome is answered once its [outcomes.\"ID\"] table is present (uncomment it);\n\
         # `selected` lists the statements that are true, by reference."
    );
    let _ = writeln!(out, "framework = {}", q(&framework.id));
    match profile {
        Some(p) => {
            let _ = writeln!(out, "profile = {}", q(&p.id));
        }
        None => {
            let _ = writeln!(
                out,
                "# profile = \"baseline\"   # one of: {}",
                framework.profile_ids().join(", ")
            );
        }
    }
    let _ = writeln!(out, "period = {}\n", q(&header.period));
    let _ = writeln!(out, "[organisation]");
    let _ = writeln!(out, "name = {}", q(&header.name));
    let _ = writeln!(out, "id = {}", q(&header.id));
    out.push_str(&optional("sector", &header.sector, "local-government"));
    out.push_str(&optional("region", &header.region, "Wales"));
    out.push_str(&optional("parent", &header.parent, "PARENT-ID"));
    let _ = writeln!(out, "\n[scope]");
    out.push_str(&optional(
        "system",
        &header.system,
        "Corporate network and line-of-business systems",
    ));
    out.push_str(&optional("assessor", &header.assessor, "Name, role"));
    let _ = writeln!(out, "date = {}", header.date);

    for outcome in &framework.outcomes {
        let target = profile
            .and_then(|p| p.target(&outcome.id))
            .map_or(String::new(), |t| format!(" (target: {})", t.key()));
        let _ = writeln!(out, "\n# ── {} {}{target}", outcome.id, outcome.title);
        for line in wrap(&outcome.description, 86) {
            let _ = writeln!(out, "# {line}");
        }
        for level in Level::ALL {
            let statements: Vec<_> = outcome.indicators_at(level).collect();
            if statements.is_empty() {
                continue;
            }
            let _ = writeln!(out, "#   {} statements:", level.label());
            for indicator in statements {
                let mut lines = wrap(&indicator.text, 72).into_iter();
                let first = lines.next().unwrap_or_default();
                let _ = writeln!(out, "#     {:<12} {first}", indicator.reference.as_str());
                for line in lines {
                    let _ = writeln!(out, "#     {:<12} {line}", "");
                }
            }
        }
        let _ = writeln!(
            out,
            "# [outcomes.{}]\n# selected = []\n# comment = \"\"\n# evidence = [{{ title = \"\", location = \"\" }}]",
            q(outcome.id.as_str())
        );
    }
    out
}

/// Greedy word wrap for comments.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
