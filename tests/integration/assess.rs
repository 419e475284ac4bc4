//! `caf assess` driven through a real pseudo-terminal (80×24, TERM=xterm-256color): the real
//! binary, real key presses, real SIGKILL. Output is matched with ANSI sequences stripped.
//!
//! inquire: space toggles, → selects all, ← none, enter confirms, esc or Ctrl-C quits.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::Session;
use ptyprocess::WaitStatus;

use crate::support::{caf, path, read, stderr_of, stdout_of};

const TIMEOUT: Duration = Duration::from_secs(30);
pub(crate) const ENTER: &str = "\r";
const DOWN: &str = "\x1b[B";
const RIGHT: &str = "\x1b[C";
const CTRL_C: &str = "\x03";

/// A running `caf assess` on a pseudo-terminal.
pub(crate) struct Pty {
    session: expectrl::session::OsSession,
    /// Everything read so far, ANSI stripped.
    text: String,
    /// How far `expect` has consumed `text`.
    seen: usize,
    raw: Vec<u8>,
}

impl Pty {
    fn spawn(dir: &Path, args: &[&str]) -> Self {
        Self::spawn_with(dir, args, &[])
    }

    /// [`Pty::spawn`] with environment variables set for the child (a token, say).
    pub(crate) fn spawn_with(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_caf"));
        cmd.envs(envs.iter().copied());
        cmd.current_dir(dir)
            .args(args)
            .env("TERM", "xterm-256color")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "80")
            .env("LINES", "24")
            .env_remove("CAF_FRAMEWORKS")
            .env_remove("VISUAL")
            .env_remove("EDITOR");
        let mut session = Session::spawn(cmd).expect("spawn caf on a pty");
        session
            .get_process_mut()
            .set_window_size(80, 24)
            .expect("set the window size");
        Self {
            session,
            text: String::new(),
            seen: 0,
            raw: Vec::new(),
        }
    }

    /// Reads whatever is available; returns false at end of output.
    fn pump(&mut self) -> bool {
        let mut buf = [0u8; 8192];
        match self.session.try_read(&mut buf) {
            Ok(0) => false,
            Ok(n) => {
                self.raw.extend_from_slice(&buf[..n]);
                self.text = strip_ansi(&String::from_utf8_lossy(&self.raw));
                true
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
                true
            }
            Err(_) => false, // EIO once the child has gone
        }
    }

    /// Waits until `needle` appears after what was already matched; returns the text between.
    pub(crate) fn expect(&mut self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(at) = self.text[self.seen..].find(needle) {
                let between = self.text[self.seen..self.seen + at].to_string();
                self.seen += at + needle.len();
                return between;
            }
            if !self.pump() && !self.text[self.seen..].contains(needle) {
                panic!(
                    "output ended without {needle:?}; last output:\n{}",
                    self.tail()
                );
            }
            if start.elapsed() > TIMEOUT {
                panic!(
                    "timed out waiting for {needle:?}; last output:\n{}",
                    self.tail()
                );
            }
        }
    }

    fn tail(&self) -> String {
        let from = self.text.len().saturating_sub(2500);
        let from = (from..self.text.len())
            .find(|&i| self.text.is_char_boundary(i))
            .unwrap_or(0);
        self.text[from..].to_string()
    }

    pub(crate) fn send(&mut self, keys: &str) {
        use expectrl::Expect;
        self.session.send(keys).expect("send keys");
    }

    /// Picks `label` in the menu whose message is `message`, by counting the lines drawn.
    pub(crate) fn choose(&mut self, message: &str, label: &str) {
        self.expect(message);
        let options = self.expect("↑↓ move");
        let lines: Vec<String> = options
            .lines()
            .map(|l| l.trim_start_matches('>').trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        let index = lines
            .iter()
            .position(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("{label:?} is not in the menu {lines:?}"));
        self.send(&DOWN.repeat(index));
        self.send(ENTER);
    }

    /// Answers the outcome's level prompts: `keys[n]` is sent before enter on level n.
    fn levels(&mut self, id: &str, keys: &[&str]) {
        for (n, k) in keys.iter().enumerate() {
            self.expect(&format!("{id} ({}/{})", n + 1, keys.len()));
            self.expect("space toggle");
            self.send(k);
            self.send(ENTER);
        }
        self.expect("→ ");
    }

    pub(crate) fn kill9(&mut self) {
        self.session
            .get_process_mut()
            .kill(ptyprocess::Signal::SIGKILL)
            .expect("SIGKILL");
        assert_eq!(self.wait(), None, "killed by a signal");
    }

    /// Waits for the process to end and returns its exit code (None when killed).
    pub(crate) fn wait(&mut self) -> Option<i32> {
        let start = Instant::now();
        loop {
            self.pump();
            match self.session.get_process().status() {
                Ok(WaitStatus::Exited(_, code)) => return Some(code),
                Ok(WaitStatus::Signaled(..)) => return None,
                _ if start.elapsed() > TIMEOUT => panic!("caf did not exit:\n{}", self.tail()),
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}

/// Removes CSI, OSC and two-byte escape sequences and carriage returns.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn copy_example(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(path(&format!("examples/{name}")), &to).unwrap();
    to
}

fn answers(file: &Path) -> serde_json::Value {
    crate::support::scorecard(file)
}

fn outcome<'a>(card: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    card["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .unwrap()
}

fn selected(card: &serde_json::Value, id: &str) -> Vec<String> {
    outcome(card, id)["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Answers the --new questions for a test council.
fn new_file(pty: &mut Pty) {
    for (prompt, answer) in [
        ("Organisation name:", "Testshire Council"),
        ("Organisation identifier:", "E99999999"),
        ("Sector:", ""),
        ("Region (optional):", "North West"),
        ("Parent organisation id (optional):", ""),
        ("Scope (optional):", "Corporate IT"),
        ("Assessor (optional):", "Sam Officer, Head of Cyber"),
        ("Period:", ""),
    ] {
        pty.expect(prompt);
        pty.send(answer);
        pty.send(ENTER);
    }
    pty.expect("Created ");
}

#[test]
fn refuses_without_a_terminal() {
    let output = caf()
        .args(["assess"])
        .arg(path("examples/county-council-caf-4.0-partial.toml"))
        .write_stdin("")
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_of(&output);
    for hint in ["not a terminal", "caf init", "caf score", "caf check"] {
        assert!(err.contains(hint), "{hint} missing from: {err}");
    }
}

#[test]
fn kill_9_loses_no_confirmed_answer_and_resume_starts_at_the_first_gap() {
    let dir = temp();
    let file = dir.path().join("assessment.toml");
    let mut pty = Pty::spawn(
        dir.path(),
        &[
            "assess",
            "assessment.toml",
            "--new",
            "--framework",
            "caf-4.0",
            "--profile",
            "baseline",
        ],
    );
    new_file(&mut pty);

    // A1.a: all achieved statements (→ selects all).
    pty.expect("── 1 of 41");
    pty.choose("A1.a:", "Answer this outcome");
    pty.levels("A1.a", &["", RIGHT]);
    pty.expect("Achieved");
    pty.choose("A1.a:", "Next outcome");
    // A1.b: the first not-achieved statement.
    pty.expect("── 2 of 41");
    pty.choose("A1.b:", "Answer this outcome");
    pty.levels("A1.b", &[" ", ""]);
    pty.expect("Not achieved");
    pty.expect("below target");
    pty.choose("A1.b:", "Next outcome");
    // A1.c: nothing true.
    pty.expect("── 3 of 41");
    pty.choose("A1.c:", "Answer this outcome");
    pty.levels("A1.c", &["", ""]);
    pty.choose("A1.c:", "Next outcome");
    // A2.a: confirm one level, then the power goes.
    pty.expect("── 4 of 41");
    pty.choose("A2.a:", "Answer this outcome");
    pty.expect("A2.a (1/3)");
    pty.expect("space toggle");
    pty.send(" ");
    pty.send(ENTER);
    pty.expect("A2.a (2/3)");
    pty.kill9();

    let card = answers(&file);
    assert_eq!(
        selected(&card, "A1.a"),
        [
            "A1.a.A.1", "A1.a.A.2", "A1.a.A.3", "A1.a.A.4", "A1.a.A.5", "A1.a.A.6"
        ]
    );
    assert_eq!(outcome(&card, "A1.a")["status"], "achieved");
    assert_eq!(selected(&card, "A1.b"), ["A1.b.NA.1"]);
    assert_eq!(outcome(&card, "A1.c")["status"], "not-achieved");
    assert_eq!(outcome(&card, "A2.a")["status"], "not-assessed");
    assert_eq!(card["summary"]["assessed"], 3);
    assert_eq!(card["organisation"]["name"], "Testshire Council");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // Resume: straight to A2.a, the first unanswered outcome; Ctrl-C explains how to resume.
    let mut pty = Pty::spawn(dir.path(), &["assess", "assessment.toml"]);
    pty.expect("── 4 of 41");
    pty.expect("A2.a");
    pty.expect("A2.a:");
    pty.expect("↑↓ move");
    pty.send(CTRL_C);
    pty.expect("Resume with: caf assess assessment.toml");
    assert_eq!(pty.wait(), Some(0));
    assert_eq!(answers(&file)["summary"]["assessed"], 3);
}

#[test]
fn back_jump_and_override_with_justification() {
    let dir = temp();
    let file = copy_example(dir.path(), "county-council-caf-4.0-partial.toml");
    let before = answers(&file);
    let list = before["outcomes"].as_array().unwrap();
    let gap = list
        .iter()
        .position(|o| o["status"] == "not-assessed")
        .unwrap();
    let first_gap = list[gap]["id"].as_str().unwrap().to_string();
    let previous = list[gap - 1]["id"].as_str().unwrap().to_string();

    let mut pty = Pty::spawn(
        dir.path(),
        &["assess", "county-council-caf-4.0-partial.toml"],
    );
    // Opens at the first unanswered outcome; Back goes to the one before it.
    pty.expect(&format!("── {} of 41", gap + 1));
    pty.choose(&format!("{first_gap}:"), "Back");
    pty.expect(&format!("── {gap} of 41"));
    pty.choose(&format!("{previous}:"), "Jump to an outcome");
    pty.expect("Jump to");
    pty.send("A1.c");
    pty.send(ENTER);
    pty.expect("── 3 of 41");
    // Override A1.c to not achieved (it has no partially-achieved statements, so that status
    // is not offered); the justification cannot be empty.
    pty.choose("A1.c:", "Override the status");
    pty.choose("Override the status to:", "Not achieved");
    pty.expect("Justification (required):");
    pty.send(ENTER);
    pty.expect("a justification is required");
    pty.send("Board sign-off pending; controls in place");
    pty.send(ENTER);
    pty.expect("by override");
    // Esc quits from any prompt, keeping what was confirmed.
    pty.expect("A1.c:");
    pty.send("\x1b");
    pty.expect("Resume with:");
    assert_eq!(pty.wait(), Some(0));

    let after = answers(&file);
    let a1c = outcome(&after, "A1.c");
    assert_eq!(a1c["status"], "not-achieved");
    assert_eq!(a1c["computed_status"], "achieved");
    assert_eq!(a1c["overridden"], true);
    assert_eq!(
        a1c["justification"],
        "Board sign-off pending; controls in place"
    );
    assert_eq!(selected(&after, "A1.c"), selected(&before, "A1.c"));
}

#[test]
fn jump_with_outcome_flag_and_change_an_answer_keeping_hand_edits() {
    let dir = temp();
    let file = copy_example(dir.path(), "county-council-caf-4.0-partial.toml");
    let text = read(&file)
        .replace(
            "[outcomes.\"B1.a\"]\n",
            "# Hand note: reviewed with the SIRO, keep this.\n[outcomes.\"B1.a\"]\n",
        )
        .replace(
            "[outcomes.\"B1.b\"]\nselected = [",
            "[outcomes.\"B1.b\"]\ncomment = \"from the audit\" # hand comment\nselected = [",
        );
    std::fs::write(&file, &text).unwrap();

    let mut pty = Pty::spawn(
        dir.path(),
        &[
            "assess",
            "county-council-caf-4.0-partial.toml",
            "--outcome",
            "B1.a",
        ],
    );
    pty.expect("── 10 of 41");
    pty.choose("B1.a:", "Change the statements");
    // Select the first not-achieved statement; keep the rest as they were.
    pty.levels("B1.a", &[" ", "", ""]);
    pty.expect("Not achieved");
    pty.choose("B1.a:", "Next outcome");
    pty.expect("── 11 of 41");
    pty.choose("B1.b:", "Comment");
    pty.expect("Comment:");
    // The current comment is the initial value: clear it and type a new one.
    pty.send(&"\x7f".repeat(40));
    pty.send("MFA rollout evidence in the audit pack");
    pty.send(ENTER);
    pty.expect("Comment saved.");
    pty.choose("B1.b:", "Save and quit");
    pty.expect("Resume with:");
    assert_eq!(pty.wait(), Some(0));

    let out = read(&file);
    assert!(out.contains("# Hand note: reviewed with the SIRO, keep this.\n[outcomes.\"B1.a\"]"));
    assert!(
        out.contains("comment = \"MFA rollout evidence in the audit pack\" # hand comment"),
        "{out}"
    );
    assert!(
        out.contains("# Example: a county council"),
        "header comment kept"
    );
    let card = answers(&file);
    assert!(selected(&card, "B1.a").contains(&"B1.a.NA.1".to_string()));
    assert_eq!(outcome(&card, "B1.a")["status"], "not-achieved");
    // Only B1.a and B1.b changed: every other line is as it was.
    let changed: Vec<_> = text
        .lines()
        .filter(|l| !out.lines().any(|o| o == *l))
        .collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
}

#[test]
fn carry_forward_marks_answers_for_review_until_confirmed() {
    let dir = temp();
    copy_example(dir.path(), "county-council-caf-4.0-partial.toml");
    let mut pty = Pty::spawn(
        dir.path(),
        &[
            "assess",
            "next.toml",
            "--carry-forward",
            "county-council-caf-4.0-partial.toml",
        ],
    );
    pty.expect("answers carried forward");
    pty.expect("── 1 of 41");
    pty.expect("needs review");
    pty.choose("A1.a:", "Confirm the carried-forward answer");
    pty.expect("Confirmed.");
    pty.expect("── 2 of 41");
    pty.choose("A1.b:", "Change the statements");
    pty.levels("A1.b", &[" ", ""]);
    pty.choose("A1.b:", "Save and quit");
    pty.expect("still to review");
    assert_eq!(pty.wait(), Some(0));

    let file = dir.path().join("next.toml");
    let text = read(&file);
    assert!(text.contains("period = \"2027/28\""), "{text}");
    assert!(text.contains("Carried forward from 2026/27"));
    let card = answers(&file);
    let last = answers(&dir.path().join("county-council-caf-4.0-partial.toml"));
    let carried = last["summary"]["assessed"].as_u64().unwrap();
    assert_eq!(
        card["summary"]["needs_review"].as_u64().unwrap(),
        carried - 2
    );
    assert_eq!(outcome(&card, "A1.a")["needs_review"], false);
    assert_eq!(selected(&card, "A1.a"), selected(&last, "A1.a"));
    assert_eq!(outcome(&card, "A1.b")["status"], "not-achieved");
    assert_eq!(outcome(&card, "A2.a")["needs_review"], true);
    // `caf score` says how many still need review.
    let table = caf().arg("score").arg(&file).output().unwrap();
    assert!(
        stdout_of(&table).contains(&format!(
            "{} carried forward and still need review",
            carried - 2
        )),
        "{}",
        stdout_of(&table)
    );
}

#[test]
fn carry_forward_across_versions_uses_the_mapping() {
    let dir = temp();
    copy_example(dir.path(), "district-council-caf-3.2-baseline.toml");
    let mut pty = Pty::spawn(
        dir.path(),
        &[
            "assess",
            "v4.toml",
            "--carry-forward",
            "district-council-caf-3.2-baseline.toml",
            "--framework",
            "caf-4.0",
        ],
    );
    pty.expect("answers carried forward");
    pty.expect("── 1 of 41");
    // Last period's status beside the carried one, and why they differ.
    pty.expect("Last period (2026/27, caf-3.2 A1.a): Achieved.");
    pty.expect("Carried: Not achieved");
    pty.expect("unanswered");
    pty.choose("A1.a:", "Change the statements");
    // Beside each new statement: what last period said about its counterpart.
    pty.expect("A1.a (1/2)");
    pty.expect("[last period: not ticked as A1.a.NA.1]");
    pty.expect("space toggle");
    pty.send(ENTER);
    pty.expect("A1.a (2/2)");
    pty.expect("[last period: ticked as A1.a.A.1]");
    pty.expect("space toggle");
    pty.send(CTRL_C);
    pty.expect("Resume with: caf assess v4.toml --last district-council-caf-3.2-baseline.toml");
    assert_eq!(pty.wait(), Some(0));
    // Resuming with --last shows last period beside the outcomes again.
    let mut pty = Pty::spawn(
        dir.path(),
        &[
            "assess",
            "v4.toml",
            "--last",
            "district-council-caf-3.2-baseline.toml",
            "--outcome",
            "C1.d",
        ],
    );
    pty.expect("C1.d Triage of Security Alerts");
    pty.expect("Last period (2026/27, caf-3.2 C1.d): Partially achieved.");
    pty.expect("not comparable");
    pty.expect("↑↓ move");
    pty.send(CTRL_C);
    pty.expect("Resume with:");
    assert_eq!(pty.wait(), Some(0));
    let card = answers(&dir.path().join("v4.toml"));
    assert_eq!(card["framework"]["id"], "caf-4.0");
    // v3.2 A2.b (Assurance) became v4.0 A2.c. v4.0's new A2.b (Understanding Threat) holds
    // only the threat analysis that v3.2 asked under A2.a, for review.
    assert_eq!(selected(&card, "A2.b"), ["A2.b.PA.1"]);
    assert_eq!(outcome(&card, "A2.b")["needs_review"], true);
    assert_eq!(outcome(&card, "A2.c")["needs_review"], true);
    // C1.a's indicators of compromise are in C1.c now, not at their old position in C1.a.
    assert!(!selected(&card, "C1.a").contains(&"C1.a.PA.2".to_string()));
    assert!(selected(&card, "C1.c").contains(&"C1.c.PA.1".to_string()));
    assert!(
        selected(&card, "A2.c")
            .iter()
            .all(|r| r.starts_with("A2.c."))
    );
    assert!(read(&dir.path().join("v4.toml")).contains("(caf-3.2 A2.b)"));
}

/// The whole of v4.0 with the fewest keys: enter on every prompt. Prints how long it took.
#[test]
fn full_walk_through_of_v4_with_minimum_keypresses() {
    let dir = temp();
    let mut pty = Pty::spawn(
        dir.path(),
        &["assess", "full.toml", "--new", "--profile", "baseline"],
    );
    new_file(&mut pty);
    let framework: serde_json::Value = {
        let out = caf()
            .args(["frameworks", "show", "caf-4.0", "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_str(&stdout_of(&out)).unwrap()
    };
    let outcomes = framework["outcomes"].as_array().unwrap();
    let start = Instant::now();
    let mut keys = 0;
    for (n, o) in outcomes.iter().enumerate() {
        let id = o["id"].as_str().unwrap();
        let levels = ["not-achieved", "achieved", "partially-achieved"]
            .iter()
            .filter(|l| {
                o["indicators"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["level"] == **l)
            })
            .count();
        pty.expect(&format!("── {} of 41", n + 1));
        pty.expect(&format!("{id}:"));
        pty.send(ENTER); // Answer this outcome
        pty.levels(id, &vec![""; levels]);
        pty.expect(&format!("{id}:"));
        pty.send(ENTER); // Next outcome
        keys += levels + 2;
    }
    pty.expect("What now?");
    pty.send(ENTER); // Finish and show the scores
    keys += 1;
    pty.expect("41 outcomes, 41 assessed");
    pty.expect("caf report");
    assert_eq!(pty.wait(), Some(0));
    let elapsed = start.elapsed();
    eprintln!(
        "full v4.0 walk-through: {} outcomes, {keys} keypresses, {:.1} s",
        outcomes.len(),
        elapsed.as_secs_f64()
    );
    let card = answers(&dir.path().join("full.toml"));
    assert_eq!(card["summary"]["assessed"], 41);
}

#[test]
fn only_below_target_and_skip() {
    let dir = temp();
    let file = copy_example(dir.path(), "county-council-caf-4.0-partial.toml");
    let card = answers(&file);
    let below: Vec<(usize, String)> = card["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, o)| !o["target"].is_null() && o["met"] != true)
        .map(|(i, o)| (i + 1, o["id"].as_str().unwrap().to_string()))
        .collect();
    assert!(below.len() >= 2);

    let mut pty = Pty::spawn(
        dir.path(),
        &[
            "assess",
            "county-council-caf-4.0-partial.toml",
            "--outcome",
            "A1.a",
        ],
    );
    pty.expect("── 1 of 41");
    pty.choose("A1.a:", "Choose which outcomes");
    pty.choose("Which outcomes?", "Walk through only outcomes below target");
    let (n, id) = &below[0];
    pty.expect(&format!("── {n} of 41"));
    // Skip (or next) moves to the next outcome below target, leaving this one as it is.
    let label = if card["outcomes"][n - 1]["status"] == "not-assessed" {
        "Skip for now"
    } else {
        "Next outcome"
    };
    pty.choose(&format!("{id}:"), label);
    let (n, id) = &below[1];
    pty.expect(&format!("── {n} of 41"));
    pty.expect(&format!("{id}:"));
    pty.expect("↑↓ move");
    pty.send(CTRL_C);
    pty.expect("Resume with:");
    assert_eq!(pty.wait(), Some(0));
    assert_eq!(
        read(&file),
        read(&path("examples/county-council-caf-4.0-partial.toml"))
    );
}

#[test]
fn evidence_and_suppliers_are_saved() {
    let dir = temp();
    let file = copy_example(dir.path(), "county-council-caf-4.0-partial.toml");
    let mut pty = Pty::spawn(
        dir.path(),
        &[
            "assess",
            "county-council-caf-4.0-partial.toml",
            "--outcome",
            "A4.a",
        ],
    );
    pty.expect("── 8 of 41");
    pty.choose("A4.a:", "Add evidence");
    pty.expect("Evidence title:");
    pty.send("Supplier assurance register");
    pty.send(ENTER);
    pty.expect("Where it is");
    pty.send("SharePoint/Security/Suppliers.xlsx");
    pty.send(ENTER);
    pty.expect("Evidence saved.");
    pty.choose("A4.a:", "Critical suppliers");
    pty.expect("Critical suppliers:");
    pty.send(", Civica UK Ltd");
    pty.send(ENTER);
    pty.expect("Suppliers saved.");
    pty.choose("A4.a:", "Save and quit");
    pty.expect("Resume with:");
    assert_eq!(pty.wait(), Some(0));

    let text = read(&file);
    assert!(text.contains(
        "evidence = [{ title = \"Supplier assurance register\", location = \"SharePoint/Security/Suppliers.xlsx\" }]"
    ), "{text}");
    assert!(
        text.contains(
            "suppliers = [\"Capita plc\", \"Agilisys Ltd\", \"Microsoft Ltd\", \"Civica UK Ltd\"]"
        ),
        "{text}"
    );
    answers(&file);
}

#[test]
fn control_bytes_in_answers_are_shown_escaped_on_the_screen() {
    let dir = temp();
    let file = copy_example(dir.path(), "county-council-caf-4.0-partial.toml");
    // A comment and an evidence title that would retitle the window and clear the screen.
    std::fs::write(
        &file,
        read(&file).replace(
            "[outcomes.\"B1.b\"]\nselected = [",
            "[outcomes.\"B1.b\"]\ncomment = \"seen\\u001b]0;pwned\\u0007\\u001b[2J\\u202e\"\n\
             evidence = [{ title = \"log\\u001b]0;owned\\u0007\", location = \"\\u009b2J\" }]\n\
             selected = [",
        ),
    )
    .unwrap();
    let spawn = || {
        Pty::spawn(
            dir.path(),
            &[
                "assess",
                "county-council-caf-4.0-partial.toml",
                "--outcome",
                "B1.b",
            ],
        )
    };
    let mut pty = spawn();
    pty.choose("B1.b:", "Remove evidence");
    pty.expect("log\\x1b]0;owned\\x07 \\u{9b}2J");
    pty.send("\x1b");
    pty.expect("Resume with:");
    assert_eq!(pty.wait(), Some(0));
    assert!(
        !String::from_utf8_lossy(&pty.raw).contains("\x1b]0;owned"),
        "the evidence title retitled the window"
    );

    let mut pty = spawn();
    pty.choose("B1.b:", "Comment");
    pty.expect("Comment:");
    pty.expect("seen\\x1b]0;pwned\\x07\\x1b[2J\\u{202e}");
    pty.send("\x1b");
    pty.expect("Resume with:");
    assert_eq!(pty.wait(), Some(0));
    let raw = String::from_utf8_lossy(&pty.raw).into_owned();
    assert!(
        !raw.contains("\x1b]0;pwned"),
        "the comment retitled the window"
    );
    assert!(!raw.contains('\u{202e}'), "the comment reordered the line");
}

#[test]
fn plan_step_saves_each_action_before_the_next_prompt() {
    let dir = temp();
    let file = copy_example(dir.path(), "county-council-caf-4.0-partial.toml");
    let list = answers(&file)["outcomes"].as_array().unwrap().clone();
    let gap = list
        .iter()
        .position(|o| o["status"] == "not-assessed")
        .unwrap();
    let id = list[gap]["id"].as_str().unwrap().to_string();

    let mut pty = Pty::spawn(
        dir.path(),
        &["assess", "county-council-caf-4.0-partial.toml"],
    );
    pty.expect(&format!("── {} of 41", gap + 1));
    // Not assessed, with a target: the plan step is offered.
    pty.choose(&format!("{id}:"), "Plan an action");
    pty.expect("Action:");
    pty.send("Assess the culture programme");
    pty.send(ENTER);
    pty.expect("Owner (optional):");
    pty.send("Head of HR");
    pty.send(ENTER);
    pty.expect("Due date (YYYY-MM-DD, optional):");
    pty.send("31/03/2027");
    pty.send(ENTER);
    pty.expect("write the date as YYYY-MM-DD");
    pty.send(&"\x7f".repeat(10));
    pty.send("2027-03-31");
    pty.send(ENTER);
    pty.choose("Status:", "In progress");
    pty.expect("Note (optional):");
    pty.send(ENTER);
    pty.expect("Action saved (1 in this outcome's plan)");
    // A second, not planned: the reason is required.
    pty.choose(&format!("{id}:"), "Plan an action");
    pty.expect("Action:");
    pty.send("Buy an e-learning platform");
    pty.send(ENTER);
    pty.expect("Owner (optional):");
    pty.send(ENTER);
    pty.expect("Due date");
    pty.send(ENTER);
    pty.choose("Status:", "Not planned");
    pty.expect("Reason (required):");
    pty.send(ENTER);
    pty.expect("a reason is required");
    pty.send("The LGA course is free");
    pty.send(ENTER);
    pty.expect("Action saved (2 in this outcome's plan)");
    pty.expect(&format!("{id}:"));
    // Killed at the next prompt: both actions are on disk, and the outcome is still not assessed.
    pty.kill9();

    let out = caf()
        .args(["check", "--format", "json", "--as-of", "2027-04-01"])
        .arg(&file)
        .output()
        .unwrap();
    let card: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(outcome(&card, &id)["status"], "not-assessed");
    let overdue = card["overdue"].as_array().unwrap();
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0]["outcome"], id.as_str());
    assert_eq!(overdue[0]["owner"], "Head of HR");
    assert_eq!(overdue[0]["status"], "in-progress");
    let text = read(&file);
    assert!(text.contains("note = \"The LGA course is free\""), "{text}");
    assert!(text.contains("status = \"not-planned\""), "{text}");
}
