//! Fitting prompts to the terminal at hand: width, height, colour, and text that fits.

use super::*;

/// How text is laid out for the terminal at hand.
pub(crate) struct Ui {
    pub(crate) colour: bool,
    pub(crate) width: usize,
    pub(crate) height: usize,
}

impl Ui {
    pub(crate) fn new() -> Self {
        let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
        Self {
            colour: std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            width: usize::from(cols).max(40),
            height: usize::from(rows).max(10),
        }
    }

    pub(crate) fn say(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
        let _ = err.flush();
    }

    pub(crate) fn paint(&self, text: &str, code: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub(crate) fn bold(&self, text: &str) -> String {
        self.paint(text, "1")
    }

    pub(crate) fn dim(&self, text: &str) -> String {
        self.paint(text, "2")
    }

    pub(crate) fn status(&self, status: Status) -> String {
        let code = match status {
            Status::Achieved => "32",
            Status::PartiallyAchieved => "33",
            Status::NotAchieved => "31",
            Status::NotAssessed => "2",
        };
        self.paint(status.label(), code)
    }

    pub(crate) fn wrap(&self, text: &str, indent: &str) -> String {
        skeleton::wrap(text, self.width.saturating_sub(indent.len() + 1).max(20))
            .iter()
            .map(|line| format!("{indent}{line}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Rows a prompt may use for its list: the screen less the message, help and a spare line.
    pub(crate) fn list_rows(&self) -> usize {
        self.height.saturating_sub(4).max(3)
    }

    pub(crate) fn met(&self, score: &OutcomeScore) -> String {
        match (score.target, meets(score.status, score.target)) {
            (None, _) => "no target under this profile".to_string(),
            // Any judgement meets a target of not achieved: not a success to colour.
            (Some(_), _) if score.no_minimum => "target not achieved: no minimum".to_string(),
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

/// `A1.a.PA.2` → `PA.2`: the outcome is already on screen.
pub(crate) fn short_ref(reference: &str) -> &str {
    match caf_core::framework::IndicatorRef::parse(reference) {
        Some((outcome, ..)) => &reference[outcome.len() + 1..],
        None => reference,
    }
}

pub(crate) fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The largest page of options such that any run of that many consecutive options fits in
/// `rows` lines (inquire scrolls the page with the cursor).
pub(crate) fn page_size(heights: &[usize], rows: usize) -> usize {
    let fits = |k: usize| heights.windows(k).all(|w| w.iter().sum::<usize>() <= rows);
    (1..=heights.len()).rev().find(|&k| fits(k)).unwrap_or(1)
}

pub(crate) fn shell_word(path: &Path) -> String {
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
