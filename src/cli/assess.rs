//! `caf assess FILE`: the guided self-assessment in a terminal.
//!
//! This file is only the prompt layer. Where the officer is, where navigation leads and what an
//! answer changes live in [`caf_core::walkthrough`]; statuses come from [`caf_core::scoring`]. Each
//! confirmed answer goes through the format-preserving writer and onto disk (atomically)
//! before the next prompt is drawn, so Ctrl-C, Esc, `kill -9` or a power cut loses at most the
//! outcome being answered.
//!
//! Prompts are inquire's: Ctrl-C and Esc come back as errors and leave the terminal sane. When
//! stdin is not a terminal the command refuses at once rather than waiting for keys that
//! never come.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use inquire::error::InquireError;
use inquire::list_option::ListOption;
use inquire::ui::RenderConfig;
use inquire::validator::Validation;
use inquire::{Editor, MultiSelect, Select, Text};

use super::exit::{Error, Result};
use super::{Outcome, score};
use caf_core::assessment;
use caf_core::diagnostic::SourceFile;
use caf_core::framework::{Catalog, Framework, Status};
use caf_core::fsutil;
use caf_core::scoring::{OutcomeScore, meets};
use caf_core::skeleton::{self, Header};
use caf_core::walkthrough::writer::AnswerFile;
use caf_core::walkthrough::{Change, Filter, Question, Walkthrough, carry};

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// The assessment file; created by --new or --carry-forward.
    pub file: PathBuf,
    /// Start at this outcome instead of the first unanswered one (e.g. B2.a).
    #[arg(long, value_name = "ID")]
    pub outcome: Option<String>,
    /// Create FILE, asking for the organisation's details first.
    #[arg(long, conflicts_with = "carry_forward")]
    pub new: bool,
    /// Start FILE as a new period from last period's answers; each carried answer is marked
    /// as needing review until you confirm it.
    #[arg(long, value_name = "LAST")]
    pub carry_forward: Option<PathBuf>,
    /// Framework of a new file (default: caf-4.0, or last period's with --carry-forward).
    #[arg(long)]
    pub framework: Option<String>,
    /// Target profile of a new file (e.g. baseline).
    #[arg(long)]
    pub profile: Option<String>,
    /// Assessment period of a new file (default: the current financial year, or the one after
    /// last period's with --carry-forward).
    #[arg(long)]
    pub period: Option<String>,
}

/// Why the walk stopped early.
enum Stop {
    /// Ctrl-C, Esc or "Save and quit": everything confirmed is already on disk.
    Quit,
    Fail(Error),
}

impl<E: Into<Error>> From<E> for Stop {
    fn from(e: E) -> Self {
        Stop::Fail(e.into())
    }
}

type Step<T> = std::result::Result<T, Stop>;

fn ask<T>(result: inquire::error::InquireResult<T>) -> Step<T> {
    match result {
        Ok(value) => Ok(value),
        Err(InquireError::OperationCanceled | InquireError::OperationInterrupted) => {
            Err(Stop::Quit)
        }
        Err(InquireError::NotTTY) => Err(Stop::Fail(not_a_terminal())),
        Err(InquireError::IO(source)) => Err(Stop::Fail(Error::Write {
            path: "<terminal>".into(),
            source,
        })),
        Err(other) => Err(Stop::Fail(Error::Usage(other.to_string()))),
    }
}

fn not_a_terminal() -> Error {
    Error::Usage(
        "caf assess asks questions, and stdin is not a terminal.\n\
         Without a terminal: `caf init --org NAME -o FILE` writes a commented file to fill in,\n\
         `caf score FILE` scores it and `caf check FILE` checks it against its target."
            .into(),
    )
}

const NAV_HELP: &str = "↑↓ move, enter choose, esc save and quit";
const LEVEL_HELP: &str = "space toggle, → all, ← none, enter confirm, esc save and quit";

pub fn run(args: AssessArgs, catalog: &Catalog) -> Result<Outcome> {
    if !std::io::stdin().is_terminal() {
        return Err(not_a_terminal());
    }
    if (args.framework.is_some() || args.profile.is_some() || args.period.is_some())
        && !args.new
        && args.carry_forward.is_none()
    {
        return Err(Error::Usage(
            "--framework, --profile and --period describe a new file; use them with --new or --carry-forward"
                .into(),
        ));
    }
    let ui = Ui::new();
    inquire::set_global_render_config(if ui.colour {
        RenderConfig::default_colored()
    } else {
        RenderConfig::empty()
    });

    if args.new || args.carry_forward.is_some() {
        if args.file.exists() {
            return Err(Error::Usage(format!(
                "{} already exists; to continue it run `caf assess {0}`",
                args.file.display()
            )));
        }
        let created = match &args.carry_forward {
            Some(last) => carry_forward(&args, last, catalog, &ui),
            None => create(&args, catalog, &ui),
        };
        match created {
            Ok(()) => {}
            Err(Stop::Quit) => {
                ui.say(&format!(
                    "Stopped; nothing was written to {}.",
                    args.file.display()
                ));
                return Ok(Outcome::Success);
            }
            Err(Stop::Fail(e)) => return Err(e),
        }
    } else if !args.file.exists() {
        return Err(Error::Usage(format!(
            "{0} does not exist; start it with `caf assess {0} --new --framework caf-4.0 --profile baseline`",
            args.file.display()
        )));
    }

    let loaded = assessment::load(&args.file, catalog)?;
    let profile = loaded.profile(None)?.cloned();
    let mut session = Session {
        walk: Walkthrough::new(loaded.framework.clone(), profile, loaded.assessment),
        file: AnswerFile::open(&args.file)?,
        catalog,
        ui,
    };
    if let Some(id) = &args.outcome {
        session
            .walk
            .jump(id)
            .map_err(|e| Error::Usage(format!("--outcome: {e}")))?;
    }
    match session.walk() {
        Ok(()) => {
            session.finish()?;
            Ok(Outcome::Success)
        }
        Err(Stop::Quit) => {
            session.resume_message();
            Ok(Outcome::Success)
        }
        Err(Stop::Fail(e)) => {
            session.resume_message();
            Err(e)
        }
    }
}

/// How text is laid out for the terminal at hand.
struct Ui {
    colour: bool,
    width: usize,
    height: usize,
}

impl Ui {
    fn new() -> Self {
        let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
        Self {
            colour: std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            width: usize::from(cols).max(40),
            height: usize::from(rows).max(10),
        }
    }

    fn say(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
        let _ = err.flush();
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint(text, "1")
    }

    fn dim(&self, text: &str) -> String {
        self.paint(text, "2")
    }

    fn status(&self, status: Status) -> String {
        let code = match status {
            Status::Achieved => "32",
            Status::PartiallyAchieved => "33",
            Status::NotAchieved => "31",
            Status::NotAssessed => "2",
        };
        self.paint(status.label(), code)
    }

    fn wrap(&self, text: &str, indent: &str) -> String {
        skeleton::wrap(text, self.width.saturating_sub(indent.len() + 1).max(20))
            .iter()
            .map(|line| format!("{indent}{line}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Rows a prompt may use for its list: the screen less the message, help and a spare line.
    fn list_rows(&self) -> usize {
        self.height.saturating_sub(4).max(3)
    }

    fn met(&self, score: &OutcomeScore) -> String {
        match (score.target, meets(score.status, score.target)) {
            (None, _) => "no target under this profile".to_string(),
            (Some(t), None) => format!("target {}", t.label().to_lowercase()),
            (Some(t), Some(true)) => format!(
                "target {}: {}",
                t.label().to_lowercase(),
                self.paint("met", "32")
            ),
            (Some(t), Some(false)) => format!(
                "target {}: {}",
                t.label().to_lowercase(),
                self.paint("below target", "31")
            ),
        }
    }
}

/// Items of the outcome menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
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
    Back,
    Jump,
    Filter,
    Review,
    Quit,
}

impl Action {
    fn label(self) -> &'static str {
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
            Action::Back => "Back",
            Action::Jump => "Jump to an outcome",
            Action::Filter => "Choose which outcomes to walk through",
            Action::Review => "Review this objective",
            Action::Quit => "Save and quit",
        }
    }
}

struct Session<'c> {
    walk: Walkthrough,
    file: AnswerFile,
    catalog: &'c Catalog,
    ui: Ui,
}

impl Session<'_> {
    /// Checks and writes one change before anything else is asked.
    fn record(&mut self, change: &Change) -> Step<()> {
        let mut next = self.file.clone();
        next.apply(self.walk.framework(), change, None);
        // The writer keeps the file valid; refuse to write if it ever would not be.
        assessment::parse(
            &SourceFile::new(self.file.path().display().to_string(), next.text()),
            self.catalog,
        )?;
        next.save()?;
        self.file = next;
        Ok(())
    }

    fn walk(&mut self) -> Step<()> {
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
        let _ = writeln!(text, "{}", ui.dim(&truncate(&context, ui.width - 1)));
        let _ = writeln!(
            text,
            "{}",
            ui.bold(&format!("{} {}", q.outcome.id, q.outcome.title))
        );
        let _ = writeln!(text, "{}", ui.wrap(&q.outcome.description, ""));
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
    fn answer(&mut self) -> Step<()> {
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
                    let lines = skeleton::wrap(&s.text, text_width);
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
            ask(Text::new("Comment:")
                .with_initial_value(&current)
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
                    .map(|e| format!("{} {}", e.title, e.location))
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
            .with_initial_value(&current)
            .with_help_message("separate names with commas; esc save and quit")
            .prompt())?;
        let names: Vec<String> = text.split(',').map(str::to_string).collect();
        let change = self.walk.set_suppliers(&names).map_err(usage)?;
        self.record(&change)?;
        self.ui.say("Suppliers saved.");
        Ok(())
    }

    fn override_status(&mut self) -> Step<()> {
        let statuses = Status::JUDGED.to_vec();
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

    fn jump(&mut self) -> Step<()> {
        let framework = Arc::new(self.walk.framework().clone());
        let labels: Vec<String> = framework
            .outcomes
            .iter()
            .map(|o| {
                let score = self.walk.score(o);
                truncate(
                    &format!("{:<6} {} [{}]", o.id, o.title, score.status.label()),
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

    fn review(&self) {
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
    fn finish(&self) -> Result<()> {
        let card = self.walk.scorecard();
        let path = self.file.path().display();
        let mut text = score::render_table(&card);
        let _ = write!(
            text,
            "\nSaved in {path}. Next:\n  caf report {path}    write the report\n  caf check {path}     check it against the target (exit 1 while below)\n  caf submit {path}    send it to the collection service\n"
        );
        if card.summary.tally.needs_review > 0 || card.summary.tally.statuses.not_assessed > 0 {
            let _ = writeln!(
                text,
                "  caf assess {path}    carry on with the outcomes still to do"
            );
        }
        super::output::emit(&text, None)
    }

    fn resume_message(&self) {
        let (done, to_do) = self.walk.progress();
        let review = self.walk.scorecard().summary.tally.needs_review;
        let review = if review > 0 {
            format!(", {review} carried forward still to review")
        } else {
            String::new()
        };
        self.ui.say(&format!(
            "\nStopped. Every confirmed answer is saved in {} ({done} of {} outcomes answered{review}).\n\
             Resume with: caf assess {}",
            self.file.path().display(),
            done + to_do,
            shell_word(self.file.path()),
        ));
    }
}

fn usage(e: caf_core::walkthrough::StepError) -> Stop {
    Stop::Fail(Error::Usage(e.to_string()))
}

fn required(
    what: &'static str,
) -> impl Fn(&str) -> std::result::Result<Validation, inquire::CustomUserError> + Clone {
    move |text: &str| {
        Ok(if text.trim().is_empty() {
            Validation::Invalid(format!("{what} is required").into())
        } else {
            Validation::Valid
        })
    }
}

/// `A1.a.PA.2` → `PA.2`: the outcome is already on screen.
fn short_ref(reference: &str) -> &str {
    match caf_core::framework::IndicatorRef::parse(reference) {
        Some((outcome, ..)) => &reference[outcome.len() + 1..],
        None => reference,
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The largest page of options such that any run of that many consecutive options fits in
/// `rows` lines (inquire scrolls the page with the cursor).
fn page_size(heights: &[usize], rows: usize) -> usize {
    let fits = |k: usize| heights.windows(k).all(|w| w.iter().sum::<usize>() <= rows);
    (1..=heights.len()).rev().find(|&k| fits(k)).unwrap_or(1)
}

fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

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
fn create(args: &AssessArgs, catalog: &Catalog, ui: &Ui) -> Step<()> {
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
fn carry_forward(args: &AssessArgs, last_path: &Path, catalog: &Catalog, ui: &Ui) -> Step<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_refs_drop_the_outcome() {
        assert_eq!(short_ref("A1.a.PA.2"), "PA.2");
        assert_eq!(short_ref("B4.d.NA.12"), "NA.12");
    }

    #[test]
    fn pages_fit_the_screen() {
        assert_eq!(page_size(&[1, 1, 1], 20), 3);
        assert_eq!(page_size(&[3, 3, 3, 3], 7), 2);
        assert_eq!(page_size(&[9], 5), 1);
    }
}
