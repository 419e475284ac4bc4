//! Making the file the walk continues: `--new` (a skeleton from the organisation's details) and
//! `--carry-forward LAST` (last period's answers, each marked as needing review).

use super::*;

fn resolve_profile<'f>(
    framework: &'f Framework,
    id: Option<&str>,
) -> Result<Option<&'f caf_core::framework::Profile>> {
    match id {
        None => Ok(None),
        Some(id) => framework.profile(id).map(Some).ok_or_else(|| {
            caf_core::Error::UnknownProfile {
                framework: framework.id.clone(),
                id: id.to_string(),
                known: framework.profile_ids().join(", "),
            }
            .into()
        }),
    }
}

/// `--new`: asks for the organisation's details and writes the skeleton.
pub(super) fn create(args: &AssessArgs, catalog: &Catalog, ui: &Ui) -> Step<()> {
    let framework = catalog.framework(args.framework.as_deref().unwrap_or("caf-4.0"))?;
    let mut profile = resolve_profile(&framework, args.profile.as_deref())?;
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
/// marked as needing review.
pub(super) fn carry_forward(
    args: &AssessArgs,
    last_path: &Path,
    catalog: &Catalog,
    ui: &Ui,
) -> Step<()> {
    let last = assessment::load(last_path, catalog)?;
    let target = catalog.framework(args.framework.as_deref().unwrap_or(&last.framework.id))?;
    let profile_id = args.profile.clone().or_else(|| {
        last.assessment
            .profile
            .clone()
            .filter(|p| target.profile(p).is_some())
    });
    let profile = resolve_profile(&target, profile_id.as_deref())?;
    let mapping = catalog.mapping(&last.framework.id, &target.id);
    let plan = carry::plan(&last.assessment, &target, mapping.as_deref())?;
    let today = fsutil::today();
    let last_period = last.assessment.period.clone().unwrap_or_default();
    let period = args
        .period
        .clone()
        .or_else(|| carry::next_period(&last_period))
        .unwrap_or_else(|| fsutil::financial_year(today));
    let org = &last.assessment.organisation;
    let header = Header {
        name: org.name.clone(),
        id: org.id.clone(),
        sector: org.sector.clone(),
        region: org.region.clone(),
        parent: org.parent.clone(),
        system: last.assessment.scope.system.clone(),
        assessor: last.assessment.scope.assessor.clone(),
        period: period.clone(),
        date: today,
    };
    let text = skeleton::render(&target, profile, &header);
    let mut file = AnswerFile::from_text(&args.file, &text)?;
    let from_period = if last_period.is_empty() {
        last_path.display().to_string()
    } else {
        last_period
    };
    for carried in &plan.carried {
        let mut note = format!(
            "Carried forward from {from_period} ({} {}); needs review until confirmed.",
            last.framework.id, carried.from
        );
        if !carried.dropped_statements.is_empty() {
            let _ = write!(
                note,
                "\nNot carried (no counterpart): {}",
                carried.dropped_statements.join(", ")
            );
        }
        let change = Change {
            id: carried.id.clone(),
            before: None,
            after: carried.answer.clone(),
        };
        file.apply(&target, &change, Some(&note));
    }
    assessment::parse(
        &SourceFile::new(args.file.display().to_string(), file.text()),
        catalog,
    )?;
    file.save()?;
    let mut message = format!(
        "Created {} for {period}: {} answers carried forward from {}, each marked as needing review.",
        args.file.display(),
        plan.carried.len(),
        last_path.display()
    );
    for left in &plan.left_behind {
        let _ = write!(message, "\n  not carried: {} ({})", left.from, left.reason);
    }
    ui.say(&message);
    Ok(())
}
