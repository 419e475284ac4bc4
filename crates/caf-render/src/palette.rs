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

/// An outcome whose target is "not achieved", a minimum any judgement meets
/// ([`caf_core::scoring::no_minimum`]): a neutral slate, neither a status colour nor a band of
/// the share met, so a target no one can miss is never drawn as a success or a failure.
pub const NO_MINIMUM: Rgb8 = (0x52, 0x63, 0x7a);
/// Text on [`NO_MINIMUM`].
pub const NO_MINIMUM_TEXT: Rgb8 = WHITE;
/// How every format words such a target.
pub const NO_MINIMUM_LABEL: &str = "No minimum";

/// The fill of an outcome's cell: its status colour, or [`NO_MINIMUM`] when its target sets
/// no minimum (the status is still written in the cell).
pub fn outcome_rgb(status: Status, no_minimum: bool) -> Rgb8 {
    if no_minimum {
        NO_MINIMUM
    } else {
        status_rgb(status)
    }
}

/// Text that stays readable on [`outcome_rgb`].
pub fn outcome_text_rgb(status: Status, no_minimum: bool) -> Rgb8 {
    if no_minimum {
        NO_MINIMUM_TEXT
    } else {
        status_text_rgb(status)
    }
}

/// A heat-map cell's fill: the band of the share met ([`heat_rgb`]), or [`NO_MINIMUM`].
pub fn heat_cell_rgb(share: Option<f64>, no_minimum: bool) -> Rgb8 {
    if no_minimum {
        NO_MINIMUM
    } else {
        heat_rgb(share)
    }
}

/// Bars that count organisations or shares (not a status).
pub const BAR: Rgb8 = (0x1d, 0x70, 0xb8);
/// Bars and marks for outcomes below target, and the red end of [`heat_rgb`].
pub const BELOW_TARGET: Rgb8 = (0xd4, 0x35, 0x1c);
/// The empty part of a bar, and a heat-map cell with no target.
pub const TRACK: Rgb8 = (0xe5, 0xe5, 0xe5);

/// The bands of the share of targets met, lowest first: the upper bound (exclusive, but the
/// last includes 100), the fill, and the legend label. Bands, not a continuous gradient: every
/// colour between dark red and amber or amber and dark green has a luminance near 0.2, where
/// neither black nor white text reaches WCAG AA's 4.5:1 on it; each band's fill is chosen
/// well clear of that, and five steps are also easier to tell apart than a gradient.
pub const HEAT_BANDS: [(f64, Rgb8, &str); 5] = [
    (20.0, (0xa9, 0x2a, 0x1d), "under 20%"),
    (40.0, (0xf3, 0xb0, 0xa5), "20–39%"),
    (60.0, (0xf6, 0xd0, 0x5c), "40–59%"),
    (80.0, (0xa7, 0xd8, 0xb0), "60–79%"),
    (f64::INFINITY, (0x00, 0x70, 0x3c), "80–100%"),
];

/// A colour for a share of targets met: dark red through amber to dark green, in the bands
/// of [`HEAT_BANDS`] (grey without a target).
pub fn heat_rgb(share: Option<f64>) -> Rgb8 {
    let Some(s) = share else {
        return TRACK;
    };
    HEAT_BANDS
        .iter()
        .find(|(upper, _, _)| s < *upper)
        .map_or(HEAT_BANDS[4].1, |band| band.1)
}

/// WCAG 2 relative luminance of an sRGB colour.
fn luminance((r, g, b): Rgb8) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG 2 contrast ratio of two colours, 1 to 21.
pub fn contrast(a: Rgb8, b: Rgb8) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The text colour (near-black or white) with the greater contrast on `fill`.
pub fn ink_on(fill: Rgb8) -> Rgb8 {
    if contrast(NEAR_BLACK, fill) >= contrast(WHITE, fill) {
        NEAR_BLACK
    } else {
        WHITE
    }
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
        assert_eq!(hex(heat_rgb(Some(0.0))), "#a92a1d");
        assert_eq!(hex(heat_rgb(Some(19.9))), "#a92a1d");
        assert_eq!(hex(heat_rgb(Some(20.0))), "#f3b0a5");
        assert_eq!(hex(heat_rgb(Some(50.0))), "#f6d05c");
        assert_eq!(hex(heat_rgb(Some(100.0))), "#00703c");
        assert_eq!(hex(heat_rgb(None)), "#e5e5e5");
    }

    #[test]
    fn text_on_every_fill_has_at_least_wcag_aa_contrast() {
        for share in (0..=1000).map(|s| Some(f64::from(s) / 10.0)).chain([None]) {
            let fill = heat_rgb(share);
            let ratio = contrast(ink_on(fill), fill);
            assert!(
                ratio >= 4.5,
                "{share:?}: {} on {} is {ratio:.2}:1",
                hex(ink_on(fill)),
                hex(fill)
            );
        }
        for status in [
            Status::Achieved,
            Status::PartiallyAchieved,
            Status::NotAchieved,
            Status::NotAssessed,
        ] {
            let s = swatch(status);
            assert!(contrast(s.text, s.fill) >= 4.5, "{status:?}");
        }
        assert!(contrast(NO_MINIMUM_TEXT, NO_MINIMUM) >= 4.5);
        assert_eq!(ink_on(NO_MINIMUM), NO_MINIMUM_TEXT);
        // The reference values of the formula.
        assert!((contrast(WHITE, NEAR_BLACK) - 17.4).abs() < 0.1);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 1e-9);
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
            // "No minimum" is neither a status colour nor a band of the share met.
            assert_ne!(swatch(*a).fill, NO_MINIMUM);
        }
        assert!(HEAT_BANDS.iter().all(|b| b.1 != NO_MINIMUM) && TRACK != NO_MINIMUM);
    }
}
