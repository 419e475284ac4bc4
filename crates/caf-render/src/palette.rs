//! The one palette every format draws statuses with: fill and text colours for documents
//! (chosen so the text on each fill stays readable), a short mark that reads where colour is
//! lost, and the nearest of a terminal's named colours, so a status looks the same in a PDF,
//! a workbook, a web page and a terminal.

use caf_core::framework::Status;

/// An sRGB colour.
pub type Rgb8 = (u8, u8, u8);

/// The named terminal colours a status can take (terminals map these to their own theme).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalColour {
    Green,
    Yellow,
    Red,
    DarkGrey,
}

/// How one status is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Swatch {
    pub fill: Rgb8,
    /// Text drawn on `fill`.
    pub text: Rgb8,
    /// A short label that reads in plain text.
    pub mark: &'static str,
    pub terminal: TerminalColour,
}

const WHITE: Rgb8 = (0xff, 0xff, 0xff);
const NEAR_BLACK: Rgb8 = (0x1a, 0x1a, 0x1a);

pub fn swatch(status: Status) -> Swatch {
    match status {
        Status::Achieved => Swatch {
            fill: (0x1b, 0x7f, 0x3b),
            text: WHITE,
            mark: "A",
            terminal: TerminalColour::Green,
        },
        Status::PartiallyAchieved => Swatch {
            fill: (0xf2, 0xb7, 0x05),
            text: NEAR_BLACK,
            mark: "PA",
            terminal: TerminalColour::Yellow,
        },
        Status::NotAchieved => Swatch {
            fill: (0xc0, 0x39, 0x2b),
            text: WHITE,
            mark: "NA",
            terminal: TerminalColour::Red,
        },
        Status::NotAssessed => Swatch {
            fill: (0xbd, 0xc3, 0xc7),
            text: NEAR_BLACK,
            mark: "–",
            terminal: TerminalColour::DarkGrey,
        },
    }
}

/// A short label for a status that reads in plain text where colour is lost.
pub fn status_mark(status: Status) -> &'static str {
    swatch(status).mark
}

/// The fill colour of a status.
pub fn status_rgb(status: Status) -> Rgb8 {
    swatch(status).fill
}

/// Text colour that stays readable on [`status_rgb`].
pub fn status_text_rgb(status: Status) -> Rgb8 {
    swatch(status).text
}

/// Bars that count organisations or shares (not a status).
pub const BAR: Rgb8 = (0x1d, 0x70, 0xb8);
/// Bars and marks for outcomes below target, and the red end of [`heat_rgb`].
pub const BELOW_TARGET: Rgb8 = (0xd4, 0x35, 0x1c);
/// The empty part of a bar, and a heat-map cell with no target.
pub const TRACK: Rgb8 = (0xe5, 0xe5, 0xe5);

/// A colour for a share of targets met: red through amber to green (grey without a target).
pub fn heat_rgb(share: Option<f64>) -> Rgb8 {
    let Some(s) = share else {
        return TRACK;
    };
    let s = (s / 100.0).clamp(0.0, 1.0);
    let (r, g, b) = if s < 0.5 {
        let t = s / 0.5;
        (
            212.0 + (244.0 - 212.0) * t,
            53.0 + (180.0 - 53.0) * t,
            28.0 + (0.0 - 28.0) * t,
        )
    } else {
        let t = (s - 0.5) / 0.5;
        (
            244.0 + (0.0 - 244.0) * t,
            180.0 + (112.0 - 180.0) * t,
            0.0 + (60.0 - 0.0) * t,
        )
    };
    (r as u8, g as u8, b as u8)
}

/// `#rrggbb`, for HTML and CSS.
pub fn hex((r, g, b): Rgb8) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_runs_red_to_green() {
        assert_eq!(hex(heat_rgb(Some(0.0))), "#d4351c");
        assert_eq!(hex(heat_rgb(Some(100.0))), "#00703c");
        assert_eq!(hex(heat_rgb(None)), "#e5e5e5");
    }

    #[test]
    fn every_status_has_a_distinct_fill_and_mark() {
        let all = [
            Status::Achieved,
            Status::PartiallyAchieved,
            Status::NotAchieved,
            Status::NotAssessed,
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(swatch(*a).fill, swatch(*b).fill);
                assert_ne!(swatch(*a).mark, swatch(*b).mark);
            }
        }
    }
}
