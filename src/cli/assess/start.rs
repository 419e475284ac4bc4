//! Making the file the walk continues: `--new` (a skeleton from the organisation's details) and
//! `--carry-forward LAST` (last period's answers, each marked as needing review).

use super::*;
use crate::cli::carry::{Prepared, Request};

/// `--new`: asks for the organisation's details and writes the skeleton.
pub(super) fn create(args: &AssessArgs, catalog: &Catalog, ui: &Ui) -> Step<()> {
    let framework = catalog.framework(args.framework.as_deref().unwrap_or("caf-4.0"))?;
    let mut profile = crate::cli::carry::resolve_profile(&framework, args.profile.as_deref())?;
    ui.say(&format!(
        "New {} assessment in {}. Esc at any question stops without writing anything.",
        framework.id,
        args.file.display()
    ));
    let text = |message: &str, help: &str, default: &str, needed: bool| -> Step<String> {
        let mut prompt = Text::new(message).with_help_message(help);
        if !default.is_empty() {
            prompt = prompt.with_default(default);
        }
        if needed {
            prompt = prompt.with_validator(required("an answer"));
        }
        Ok(ask(prompt.prompt())?.trim().to_string())
    };
    let optional = |s: String| (!s.is_empty()).then_some(s);
    let name = text(
        "Organisation name:",
        "e.g. Northmoor County Council",
        "",
        true,
    )?;
    let id = text(
        "Organisation identifier:",
        "e.g. its ONS or GSS code, E10000999",
        "",
        true,
    )?;
    let sector = text("Sector:", "enter to accept", "local-government", false)?;
    let region = text("Region (optional):", "e.g. North West", "", false)?;
    let parent = text(
        "Parent organisation id (optional):",
        "for a group or shared service",
        "",
        false,
    )?;
    let system = text(
        "Scope (optional):",
        "the systems and functions assessed",
        "",
        false,
    )?;
    let assessor = text("Assessor (optional):", "name and role", "", false)?;
    let today = fsutil::today();
    let default_period = args
        .period
        .clone()
        .unwrap_or_else(|| fsutil::financial_year(today));
    let period = text("Period:", "enter to accept", &default_period, true)?;
    if profile.is_none() {
        let mut labels: Vec<String> = framework
            .profiles
            .iter()
            .map(|p| format!("{} ({})", p.id, p.title))
            .collect();
        labels.push("No target profile".into());
        let choice = ask(Select::new("Target profile:", labels)
            .with_help_message(NAV_HELP)
            .without_filtering()
            .raw_prompt())?;
        profile = framework.profiles.get(choice.index);
    }
    let header = Header {
        name,
        id,
        sector: optional(sector),
        region: optional(region),
        parent: optional(parent),
        system: optional(system),
        assessor: optional(assessor),
        period,
        date: today,
    };
    let text = skeleton::render(&framework, profile, &header);
    fsutil::write_atomic(&args.file, text.as_bytes())?;
    ui.say(&format!(
        "Created {} ({} outcomes to answer).",
        args.file.display(),
        framework.outcomes.len()
    ));
    Ok(())
}

/// `--carry-forward LAST`: a new file for the next period holding last period's answers, each
/// marked as needing review. Returns the plan, which the walk shows beside each outcome.
pub(super) fn carry_forward(
    args: &AssessArgs,
    last_path: &Path,
    catalog: &Catalog,
    ui: &Ui,
) -> Step<Prepared> {
    let prepared = crate::cli::carry::prepare(
        &Request {
            last: last_path,
            framework: args.framework.as_deref(),
            default_framework: None,
            profile: args.profile.as_deref(),
            period: args.period.as_deref(),
            out: &args.file,
        },
        catalog,
    )?;
    prepared.file.save()?;
    let mut message = crate::cli::carry::headline(&prepared, &args.file);
    for left in &prepared.plan.left_behind {
        let _ = write!(
            message,
            "\n  not carried: {} {} ({})",
            prepared.last.framework.id, left.from, left.reason
        );
    }
    ui.say(&message);
    Ok(prepared)
}
