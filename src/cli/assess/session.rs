//! The walk through the outcomes: the outcome menu, each level's statements, comments,
//! evidence and overrides, each confirmed answer saved before the next prompt.

use super::ui::{page_size, shell_word, short_ref, truncate};
use super::*;
use crate::cli::output::inert;

/// Items of the outcome menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Answer,
    Confirm,
    Change,
    Next,
    Skip,
    Comment,
    CommentInEditor,
    Evidence,
    RemoveEvidence,
    Suppliers,
    Override,
    RemoveOverride,
    Plan,
    Back,
    Jump,
    Filter,
    Review,
    Quit,
}

impl Action {
    pub(super) fn label(self) -> &'static str {
        match self {
            Action::Answer => "Answer this outcome",
            Action::Confirm => "Confirm the carried-forward answer as it stands",
            Action::Change => "Change the statements",
            Action::Next => "Next outcome",
            Action::Skip => "Skip for now",
            Action::Comment => "Comment",
            Action::CommentInEditor => "Comment in your editor",
            Action::Evidence => "Add evidence",
            Action::RemoveEvidence => "Remove evidence",
            Action::Suppliers => "Critical suppliers",
            Action::Override => "Override the status (with a justification)",
            Action::RemoveOverride => "Remove the override",
            Action::Plan => "Plan an action (owner, due date)",
            Action::Back => "Back",
            Action::Jump => "Jump to an outcome",
            Action::Filter => "Choose which outcomes to walk through",
            Action::Review => "Review this objective",
            Action::Quit => "Save and quit",
        }
    }
}

pub(super) struct Session<'c> {
    pub(super) walk: Walkthrough,
    pub(super) file: AnswerFile,
    pub(super) catalog: &'c Catalog,
    pub(super) ui: Ui,
    /// Last period's answers, when this walk began by carrying them forward.
    pub(super) carried: Option<LastPeriod>,
}

/// Last period beside this one: its framework and the plan that carried its answers.
pub(super) struct LastPeriod {
    framework: Arc<Framework>,
    period: String,
    plan: carry::CarryPlan,
    /// Last period's file, for `--last` in the resume hint.
    path: PathBuf,
}

impl From<crate::cli::carry::Prepared> for LastPeriod {
    fn from(p: crate::cli::carry::Prepared) -> Self {
        Self {
            framework: p.last.framework.clone(),
            period: p.from_period,
            plan: p.plan,
            path: PathBuf::from(p.last.source.name()),
        }
    }
}

impl LastPeriod {
    /// Last period's file beside a file carried forward from it earlier (`--last`).
    pub(super) fn load(path: &Path, catalog: &Catalog, target: &Framework) -> Result<Self> {
        let last = assessment::load(path, catalog)?;
        let plan = carry::plan_in(catalog, &last, target)?;
        Ok(Self {
            framework: last.framework.clone(),
            period: last
                .assessment
                .period
                .clone()
                .unwrap_or_else(|| path.display().to_string()),
            plan,
            path: path.to_path_buf(),
        })
    }
}

impl LastPeriod {
    /// What last period said about one new statement, for the statement prompts.
    fn beside(&self, reference: &str) -> Option<String> {
        let same = self.framework.id == self.plan.to_framework;
        match self.plan.origins.get(reference) {
            Some(origins) => {
                let parts: Vec<String> = origins
                    .iter()
                    .map(|o| {
                        let said = if o.ticked { "ticked" } else { "not ticked" };
                        if same {
                            said.to_string()
                        } else {
                            format!("{said} as {}", o.statement)
                        }
                    })
                    .collect();
                Some(format!("[last period: {}]", parts.join(", ")))
            }
            None if self.plan.new_statements.contains(reference) => Some(format!(
                "[new in {}: not asked last period]",
                self.plan.to_framework
            )),
            None => None,
        }
    }

    /// Last period's status, the carried one and why they differ; and what was not carried.
    fn summary(&self, id: &str, ui: &Ui) -> Option<String> {
        let row = self.plan.outcome(id)?;
        if row.previous.is_none() && row.carried == 0 {
            return None;
        }
        // No "ID:" here: that is how the outcome menu's prompt reads.
        let fw = &self.plan.from_framework;
        let last = match (&row.previous, row.last_status) {
            (Some(p), Some(status)) => {
                format!("({}, {fw} {p}): {}", self.period, ui.status(status))
            }
            (Some(p), None) => format!("({}, {fw} {p}): not answered", self.period),
            (None, _) => format!("({}): no {fw} outcome", self.period),
        };
        let mut text = format!(
            "Last period {last}. Carried: {}",
            ui.status(row.carried_status)
        );
        if !row.reasons.is_empty() {
            let _ = write!(text, " ({})", inert(&row.reasons.join("; ")));
        }
        text.push('.');
        let mut text = ui.wrap(&text, "");
        for d in &row.dropped {
            let statement = caf_core::framework::IndicatorRef::parse(d.statement.as_str())
                .and_then(|(o, _, _)| self.framework.outcome(o))
                .and_then(|o| o.indicator(d.statement.as_str()))
                .map_or("", |i| i.text.as_str());
            let see = d
                .see
                .as_ref()
                .map_or(String::new(), |s| format!("; see {s}"));
            let _ = write!(
                text,
                "\n{}",
                ui.wrap(
                    &inert(&format!(
                        "Not carried: {} {statement} ({}{see})",
                        d.statement, d.reason
                    )),
                    "  "
                )
            );
        }
        Some(text)
    }
}

impl Session<'_> {
    /// Checks and writes one change before anything else is asked.
    fn record(&mut self, change: &Change) -> Step<()> {
        self.save(|file, framework| file.apply(framework, change, None))
    }

    /// Applies `edit` to a copy of the file and writes it, if it is still valid.
    fn save(&mut self, edit: impl FnOnce(&mut AnswerFile, &Framework)) -> Step<()> {
        let mut next = self.file.clone();
        edit(&mut next, self.walk.framework());
        // The writer keeps the file valid; refuse to write if it ever would not be.
        assessment::parse(
            &SourceFile::new(self.file.path().display().to_string(), next.text()),
            self.catalog,
        )?;
        next.save()?;
        self.file = next;
        Ok(())
    }

    pub(super) fn walk(&mut self) -> Step<()> {
        loop {
            if self.walk.is_finished() {
                if self.end_menu()? {
                    return Ok(());
                }
                continue;
            }
            self.show_outcome();
            self.outcome_menu()?;
        }
    }

    fn show_outcome(&self) {
        let Some(q) = self.walk.question() else {
            return;
        };
        let ui = &self.ui;
        let mut text = String::new();
        let place = format!("{} of {}", q.number, q.total);
        let context = format!(
            "{} {} › {} {}",
            q.outcome.objective,
            q.objective.map_or("", |o| o.title.as_str()),
            q.outcome.principle,
            q.principle.map_or("", |p| p.title.as_str()),
        );
        let rule = "─".repeat(ui.width.saturating_sub(place.chars().count() + 5).min(60));
        let _ = writeln!(
            text,
            "\n{} {} {}",
            ui.dim("──"),
            ui.bold(&place),
            ui.dim(&rule)
        );
        let _ = writeln!(
            text,
            "{}",
            ui.dim(&truncate(&inert(&context), ui.width - 1))
        );
        let _ = writeln!(
            text,
            "{}",
            ui.bold(&inert(&format!("{} {}", q.outcome.id, q.outcome.title)))
        );
        let _ = writeln!(text, "{}", ui.wrap(&inert(&q.outcome.description), ""));
        let target = q
            .target
            .map_or("no target under this profile".to_string(), |t| {
                t.label().to_string()
            });
        let score = self.walk.score(q.outcome);
        let mut now = format!("Target: {target}. Now: {}", ui.status(score.status));
        if score.overridden {
            now.push_str(" (override)");
        }
        if score.needs_review {
            now.push_str(&ui.paint(" (carried forward: needs review)", "33"));
        }
        let _ = write!(text, "{now}");
        if let Some(a) = q.answer {
            let extras: Vec<String> = [
                a.comment.as_ref().map(|_| "comment".to_string()),
                (!a.evidence.is_empty()).then(|| format!("{} evidence", a.evidence.len())),
                (!a.suppliers.is_empty()).then(|| format!("{} suppliers", a.suppliers.len())),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !extras.is_empty() {
                let _ = write!(text, "; {}", extras.join(", "));
            }
        }
        for action in self.walk.plan() {
            let due = action.due.map(|d| format!(", due {d}")).unwrap_or_default();
            let line = format!(
                "\n  Plan: {} ({}{due})",
                action.action,
                action.status.label().to_lowercase()
            );
            let _ = write!(text, "{}", inert(&line));
        }
        if let Some(summary) = self
            .carried
            .as_ref()
            .and_then(|c| c.summary(q.outcome.id.as_str(), ui))
        {
            let _ = write!(text, "\n{summary}");
        }
        ui.say(&text);
    }

    fn actions(&self, q: &Question<'_>) -> Vec<Action> {
        let mut list = Vec::new();
        match q.answer {
            None => list.extend([Action::Answer, Action::Skip]),
            Some(a) => {
                if a.needs_review {
                    list.extend([Action::Confirm, Action::Change, Action::Skip]);
                } else {
                    list.extend([Action::Next, Action::Change]);
                }
                list.push(Action::Comment);
                if std::env::var_os("VISUAL")
                    .or_else(|| std::env::var_os("EDITOR"))
                    .is_some()
                {
                    list.push(Action::CommentInEditor);
                }
                list.push(Action::Evidence);
                if !a.evidence.is_empty() {
                    list.push(Action::RemoveEvidence);
                }
                if q.asks_suppliers {
                    list.push(Action::Suppliers);
                }
                list.push(Action::Override);
                if a.override_.is_some() {
                    list.push(Action::RemoveOverride);
                }
            }
        }
        // Below target, or not yet assessed where there is one: plan what will be done.
        let score = self.walk.score(q.outcome);
        if score.met == Some(false) || (score.target.is_some() && q.answer.is_none()) {
            list.insert(list.len().min(1), Action::Plan);
        }
        list.extend([
            Action::Back,
            Action::Jump,
            Action::Filter,
            Action::Review,
            Action::Quit,
        ]);
        list
    }

    /// The menu for the current outcome; returns once the walk has moved elsewhere.
    fn outcome_menu(&mut self) -> Step<()> {
        let start = self.walk.current().map(|o| o.id.clone());
        loop {
            let Some(q) = self.walk.question() else {
                return Ok(());
            };
            let actions = self.actions(&q);
            let id = q.outcome.id.to_string();
            let labels: Vec<&str> = actions.iter().map(|a| a.label()).collect();
            let message = format!("{id}:");
            let choice = ask(Select::new(&message, labels)
                .with_help_message(NAV_HELP)
                .with_page_size(self.ui.list_rows().min(actions.len()))
                .without_filtering()
                .raw_prompt())?;
            let action = actions[choice.index];
            match action {
                Action::Answer | Action::Change => self.answer()?,
                Action::Confirm => {
                    let change = self.walk.confirm().map_err(usage)?;
                    self.record(&change)?;
                    self.ui.say("Confirmed.");
                    self.walk.next();
                }
                Action::Next | Action::Skip => self.walk.next(),
                Action::Comment => self.comment(false)?,
                Action::CommentInEditor => self.comment(true)?,
                Action::Evidence => self.evidence()?,
                Action::RemoveEvidence => self.remove_evidence()?,
                Action::Suppliers => self.suppliers()?,
                Action::Override => self.override_status()?,
                Action::Plan => self.plan_action()?,
                Action::RemoveOverride => {
                    let change = self.walk.clear_override().map_err(usage)?;
                    self.record(&change)?;
                    self.show_result();
                }
                Action::Back => {
                    if !self.walk.back() {
                        self.ui.say("This is the first outcome.");
                    }
                }
                Action::Jump => self.jump()?,
                Action::Filter => self.choose_filter()?,
                Action::Review => self.review(),
                Action::Quit => return Err(Stop::Quit),
            }
            if self.walk.current().map(|o| o.id.clone()) != start {
                return Ok(());
            }
        }
    }

    /// Asks each level's statements; the answer is written once the last level is confirmed.
    pub(super) fn answer(&mut self) -> Step<()> {
        let Some(q) = self.walk.question() else {
            return Ok(());
        };
        let mut selected = Vec::new();
        let count = q.levels.len();
        for (n, level) in q.levels.iter().enumerate() {
            let label_width = level
                .statements
                .iter()
                .map(|s| short_ref(s.reference.as_str()).len())
                .max()
                .unwrap_or(0)
                + 2;
            // inquire draws "> [x] " before each option.
            let indent = 6 + label_width;
            let text_width = self.ui.width.saturating_sub(indent + 1).max(20);
            let options: Vec<String> = level
                .statements
                .iter()
                .map(|s| {
                    let mut lines = skeleton::wrap(&inert(&s.text), text_width);
                    if let Some(beside) = self
                        .carried
                        .as_ref()
                        .and_then(|c| c.beside(s.reference.as_str()))
                    {
                        lines.extend(skeleton::wrap(&inert(&beside), text_width));
                    }
                    let mut out = format!(
                        "{:<label_width$}{}",
                        short_ref(s.reference.as_str()),
                        lines.first().map_or("", String::as_str)
                    );
                    for line in lines.iter().skip(1) {
                        let _ = write!(out, "\n{:indent$}{line}", "");
                    }
                    out
                })
                .collect();
            let heights: Vec<usize> = options.iter().map(|o| o.lines().count()).collect();
            let page = page_size(&heights, self.ui.list_rows());
            let message = format!(
                "{} ({}/{count}) Which {} statements are true?",
                q.outcome.id,
                n + 1,
                level.level.label()
            );
            let formatter = &|chosen: &[ListOption<&String>]| match chosen.len() {
                0 => "none".to_string(),
                n => format!("{n} selected"),
            };
            let chosen = ask(MultiSelect::new(&message, options)
                .with_default(&level.selected)
                .with_page_size(page)
                .with_help_message(LEVEL_HELP)
                .without_filtering()
                .with_formatter(formatter)
                .raw_prompt())?;
            selected.extend(
                chosen
                    .iter()
                    .map(|o| level.statements[o.index].reference.clone()),
            );
        }
        let change = self.walk.answer(&selected).map_err(usage)?;
        self.record(&change)?;
        self.show_result();
        Ok(())
    }

    /// The status, the reason and the target, straight after an answer changes.
    fn show_result(&self) {
        let Some(score) = self.walk.current_score() else {
            return;
        };
        let ui = &self.ui;
        // One sentence, "Partially achieved because ...", wrapped; colour only on the status.
        let plain = ui.wrap(&format!("→ {}", score.reason), "");
        let label = score.status.label();
        let sentence = match plain.find(label) {
            Some(at) => format!(
                "{}{}{}",
                &plain[..at],
                ui.status(score.status),
                &plain[at + label.len()..]
            ),
            None => plain,
        };
        ui.say(&format!("{sentence}\n  {}", ui.met(&score)));
    }

    fn comment(&mut self, in_editor: bool) -> Step<()> {
        let current = self
            .walk
            .question()
            .and_then(|q| q.answer.and_then(|a| a.comment.clone()))
            .unwrap_or_default();
        let text = if in_editor {
            ask(Editor::new("Comment:")
                .with_predefined_text(&current)
                .with_file_extension(".md")
                .prompt())?
        } else {
            // Shown escaped: what is saved is then what was on the screen.
            ask(Text::new("Comment:")
                .with_initial_value(&inert(&current))
                .with_help_message("enter saves; an empty comment removes it; esc save and quit")
                .prompt())?
        };
        let change = self.walk.set_comment(&text).map_err(usage)?;
        self.record(&change)?;
        self.ui.say("Comment saved.");
        Ok(())
    }

    fn evidence(&mut self) -> Step<()> {
        let title = ask(Text::new("Evidence title:")
            .with_help_message("e.g. Information risk policy v3; esc save and quit")
            .with_validator(required("a title"))
            .prompt())?;
        let location = ask(Text::new("Where it is (path, URL or reference, optional):").prompt())?;
        let change = self.walk.add_evidence(&title, &location).map_err(usage)?;
        self.record(&change)?;
        self.ui.say("Evidence saved.");
        Ok(())
    }

    fn remove_evidence(&mut self) -> Step<()> {
        let items: Vec<String> = self
            .walk
            .question()
            .and_then(|q| q.answer)
            .map(|a| {
                a.evidence
                    .iter()
                    .map(|e| inert(&format!("{} {}", e.title, e.location)).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        if items.is_empty() {
            return Ok(());
        }
        let choice = ask(Select::new("Remove which evidence?", items)
            .with_help_message(NAV_HELP)
            .without_filtering()
            .raw_prompt())?;
        let change = self.walk.remove_evidence(choice.index).map_err(usage)?;
        self.record(&change)
    }

    fn suppliers(&mut self) -> Step<()> {
        let current = self
            .walk
            .question()
            .and_then(|q| q.answer.map(|a| a.suppliers.join(", ")))
            .unwrap_or_default();
        let text = ask(Text::new("Critical suppliers:")
            .with_initial_value(&inert(&current))
            .with_help_message("separate names with commas; esc save and quit")
            .prompt())?;
        let names: Vec<String> = text.split(',').map(str::to_string).collect();
        let change = self.walk.set_suppliers(&names).map_err(usage)?;
        self.record(&change)?;
        self.ui.say("Suppliers saved.");
        Ok(())
    }

    fn override_status(&mut self) -> Step<()> {
        // Only the statuses the outcome's statements could give: no other is an honest override.
        let statuses: Vec<Status> = match self.walk.current() {
            Some(outcome) => Status::JUDGED
                .into_iter()
                .filter(|&s| caf_core::scoring::reachable(self.walk.framework(), outcome, s))
                .collect(),
            None => Status::JUDGED.to_vec(),
        };
        let labels: Vec<&str> = statuses.iter().map(|s| s.label()).collect();
        let choice = ask(Select::new("Override the status to:", labels)
            .with_help_message(NAV_HELP)
            .without_filtering()
            .raw_prompt())?;
        let justification = ask(Text::new("Justification (required):")
            .with_help_message("why the statements do not give the right status")
            .with_validator(required("a justification"))
            .prompt())?;
        let change = self
            .walk
            .set_override(statuses[choice.index], &justification)
            .map_err(usage)?;
        self.record(&change)?;
        self.show_result();
        Ok(())
    }

    /// Asks for one plan action and saves it before returning.
    fn plan_action(&mut self) -> Step<()> {
        let action = ask(Text::new("Action:")
            .with_help_message("what will be done to reach the target; esc save and quit")
            .with_validator(required("an action"))
            .prompt())?;
        let owner = ask(Text::new("Owner (optional):").prompt())?;
        let due = ask(Text::new("Due date (YYYY-MM-DD, optional):")
            .with_validator(|text: &str| {
                Ok(
                    if text.trim().is_empty() || Date::parse(text.trim()).is_some() {
                        Validation::Valid
                    } else {
                        Validation::Invalid("write the date as YYYY-MM-DD".into())
                    },
                )
            })
            .prompt())?;
        let labels: Vec<&str> = ActionStatus::ALL.iter().map(|s| s.label()).collect();
        let status = ActionStatus::ALL[ask(Select::new("Status:", labels)
            .with_help_message(NAV_HELP)
            .without_filtering()
            .raw_prompt())?
        .index];
        let note = if status == ActionStatus::NotPlanned {
            ask(Text::new("Reason (required):")
                .with_help_message(
                    "why it will not be done: the risk accepted, or why it does not apply",
                )
                .with_validator(required("a reason"))
                .prompt())?
        } else {
            ask(Text::new("Note (optional):").prompt())?
        };
        let change = self
            .walk
            .add_action(caf_core::plan::Action {
                action,
                owner: Some(owner),
                due: Date::parse(due.trim()),
                status,
                note: Some(note),
            })
            .map_err(usage)?;
        self.save(|file, framework| file.apply_plan(framework, &change))?;
        self.ui.say(&format!(
            "Action saved ({} in this outcome's plan).",
            change.after.len()
        ));
        Ok(())
    }

    pub(super) fn jump(&mut self) -> Step<()> {
        let framework = Arc::new(self.walk.framework().clone());
        let labels: Vec<String> = framework
            .outcomes
            .iter()
            .map(|o| {
                let score = self.walk.score(o);
                truncate(
                    &inert(&format!(
                        "{:<6} {} [{}]",
                        o.id,
                        o.title,
                        score.status.label()
                    )),
                    self.ui.width - 4,
                )
            })
            .collect();
        let current = self
            .walk
            .current()
            .and_then(|o| framework.position(o.id.as_str()))
            .unwrap_or(0);
        let choice = ask(Select::new("Jump to (type an id to filter):", labels)
            .with_starting_cursor(current)
            .with_help_message("type to filter, ↑↓ move, enter choose, esc save and quit")
            .with_page_size(self.ui.list_rows().min(framework.outcomes.len()))
            .raw_prompt())?;
        let id = framework.outcomes[choice.index].id.to_string();
        self.walk.jump(&id).map_err(usage)?;
        Ok(())
    }

    fn choose_filter(&mut self) -> Step<()> {
        let filters = [Filter::All, Filter::ToDo, Filter::BelowTarget];
        let labels: Vec<String> = filters
            .iter()
            .map(|f| {
                let mark = if *f == self.walk.filter() {
                    " (now)"
                } else {
                    ""
                };
                format!("Walk through {}{mark}", f.label())
            })
            .collect();
        let choice = ask(Select::new("Which outcomes?", labels)
            .with_help_message(NAV_HELP)
            .without_filtering()
            .raw_prompt())?;
        if !self.walk.set_filter(filters[choice.index]) {
            self.ui
                .say(&format!("No outcome is {}.", filters[choice.index].label()));
        }
        Ok(())
    }

    pub(super) fn review(&self) {
        let Some(current) = self.walk.current() else {
            return;
        };
        let scores = self.walk.objective_review();
        let title = self
            .walk
            .framework()
            .objective(&current.objective)
            .map_or("", |o| o.title.as_str());
        let done = scores
            .iter()
            .filter(|s| s.status != Status::NotAssessed)
            .count();
        let mut text = format!(
            "{}\n",
            self.ui.bold(&format!(
                "Objective {} {title}: {done} of {} answered",
                current.objective,
                scores.len()
            ))
        );
        let title_width = self.ui.width.saturating_sub(6 + 1 + 20 + 14).max(10);
        for s in &scores {
            let met = match s.met {
                Some(true) if s.no_minimum => "no minimum",
                Some(true) => "met",
                Some(false) => "BELOW TARGET",
                None => "",
            };
            let mark = if s.id == current.id.as_str() {
                ">"
            } else {
                " "
            };
            let _ = writeln!(
                text,
                "{mark}{:<6} {:<title_width$} {:<19} {met}",
                s.id,
                truncate(&s.title, title_width),
                format!(
                    "{}{}",
                    s.status.label(),
                    if s.needs_review { "*" } else { "" }
                )
            );
        }
        if scores.iter().any(|s| s.needs_review) {
            text.push_str("* carried forward, needs review\n");
        }
        self.ui.say(text.trim_end());
    }

    /// At the end of the walk (or on opening a finished file): returns true to finish.
    fn end_menu(&mut self) -> Step<bool> {
        let (done, to_do) = self.walk.progress();
        let card = self.walk.scorecard();
        self.ui.say(&format!(
            "\n{} {done} of {} outcomes answered{}.",
            self.ui.bold("End of the walk-through."),
            done + to_do,
            if to_do > 0 {
                format!(", {to_do} still to answer or review")
            } else {
                String::new()
            }
        ));
        let mut options: Vec<(String, u8)> = Vec::new();
        if to_do > 0 {
            options.push((format!("Answer the {to_do} outcomes still to do"), 0));
        }
        options.push(("Finish and show the scores".into(), 4));
        if !card.gaps.is_empty() {
            options.push((
                format!(
                    "Look again at the {} outcomes below target",
                    card.gaps.len()
                ),
                1,
            ));
        }
        options.push(("Walk through every outcome from the start".into(), 2));
        options.push(("Jump to an outcome".into(), 3));
        let labels: Vec<&str> = options.iter().map(|(l, _)| l.as_str()).collect();
        let choice = ask(Select::new("What now?", labels)
            .with_help_message(NAV_HELP)
            .without_filtering()
            .raw_prompt())?;
        let filter = match options[choice.index].1 {
            0 => Filter::ToDo,
            1 => Filter::BelowTarget,
            2 => Filter::All,
            3 => {
                self.jump()?;
                return Ok(false);
            }
            _ => return Ok(true),
        };
        if !self.walk.set_filter(filter) || !self.walk.restart() {
            return Ok(true);
        }
        Ok(false)
    }

    /// The score table, the gaps and what to run next.
    pub(super) fn finish(&self) -> Result<()> {
        let card = self.walk.scorecard();
        let path = self.file.path().display();
        // Commands that run as printed: the path quoted for the shell, and the report named
        // by its file (the format follows the extension).
        let arg = super::super::output::shell_word(&path.to_string());
        let mut text = score::render_table(&card);
        let _ = write!(
            text,
            "\nSaved in {path}. Next:\n  caf report {arg} -o report.pdf    write the report\n  caf check {arg}     check it against the target (exit 1 while below)\n  caf submit {arg}    send it to the collection service\n"
        );
        if card.summary.tally.needs_review > 0 || card.summary.tally.statuses.not_assessed > 0 {
            let _ = writeln!(
                text,
                "  caf assess {path}    carry on with the outcomes still to do"
            );
        }
        crate::cli::output::emit(&text, None)
    }

    pub(super) fn resume_message(&self) {
        let (done, to_do) = self.walk.progress();
        let review = self.walk.scorecard().summary.tally.needs_review;
        let review = if review > 0 {
            format!(", {review} carried forward still to review")
        } else {
            String::new()
        };
        self.ui.say(&format!(
            "\nStopped. Every confirmed answer is saved in {} ({done} of {} outcomes answered{review}).\n\
             Resume with: caf assess {}{}",
            self.file.path().display(),
            done + to_do,
            shell_word(self.file.path()),
            self.carried.as_ref().map_or(String::new(), |c| format!(
                " --last {}",
                shell_word(&c.path)
            )),
        ));
    }
}
