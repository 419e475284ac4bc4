//! The embedded font: DejaVu Sans (regular and bold), shipped in `assets/fonts/` under its own
//! free licence. One [`Face`] measures text for the layout and turns it into the glyphs krilla
//! draws, from the same character map, so what is measured is what is drawn.
//!
//! A character the font cannot show (a private-use code point, a control character, a script
//! DejaVu lacks) is drawn as U+FFFD, and the text extracted from the PDF says so too: PDF/UA
//! forbids glyphs without a character and the `.notdef` glyph, and a hostile organisation name
//! must not make the document fail to export.

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

const REGULAR_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf");

const REPLACEMENT: char = '\u{FFFD}';

/// Characters below this have their glyph and advance looked up once, when the face is made:
/// wrapping measures the same text many times, and a character-map lookup is not free.
const TABLED: u32 = 0x2100;

pub(crate) struct Face {
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    upem: f32,
    /// Glyph (`None`: not in the font) and advance of each character below [`TABLED`].
    table: Vec<Option<(skrifa::GlyphId, f32)>>,
    /// The same bytes, for krilla to embed (subset).
    pub(crate) pdf: Font,
}

impl Face {
    pub(crate) fn regular() -> Self {
        Self::new(REGULAR_TTF)
    }

    pub(crate) fn bold() -> Self {
        Self::new(BOLD_TTF)
    }

    fn new(bytes: &'static [u8]) -> Self {
        let font = FontRef::new(bytes).expect("the shipped DejaVu Sans parses");
        let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let upem = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em
                .max(1),
        );
        let pdf = Font::new(bytes.into(), 0).expect("krilla reads the shipped DejaVu Sans");
        let charmap = font.charmap();
        let table = (0..TABLED)
            .map(|c| {
                let gid = charmap.map(c)?;
                Some((gid, metrics.advance_width(gid).unwrap_or(0.0) / upem))
            })
            .collect();
        Self {
            charmap,
            metrics,
            upem,
            table,
            pdf,
        }
    }

    /// The font's glyph for `c` and its advance in em, if it has one.
    fn lookup(&self, c: char) -> Option<(skrifa::GlyphId, f32)> {
        match self.table.get(c as usize) {
            Some(entry) => *entry,
            None => {
                let gid = self.charmap.map(c)?;
                Some((
                    gid,
                    self.metrics.advance_width(gid).unwrap_or(0.0) / self.upem,
                ))
            }
        }
    }

    /// The character drawn for `c`: itself, or U+FFFD when the font has no glyph for it.
    fn drawable(&self, c: char) -> char {
        let private = matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
        if c.is_control() || private || self.lookup(c).is_none() {
            REPLACEMENT
        } else {
            c
        }
    }

    /// Glyph id and advance (in em) of a drawable character.
    fn glyph(&self, c: char) -> (skrifa::GlyphId, f32) {
        self.lookup(c)
            .or_else(|| self.lookup(REPLACEMENT))
            .unwrap_or_default()
    }

    /// Advance width of `text` at `size`, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.glyph(self.drawable(c)).1)
            .sum::<f32>()
            * size
    }

    /// The text as it will be drawn, and one glyph per character of it.
    pub(crate) fn shape(&self, text: &str) -> (String, Vec<KrillaGlyph>) {
        let drawn: String = text.chars().map(|c| self.drawable(c)).collect();
        let glyphs = drawn
            .char_indices()
            .map(|(at, c)| {
                let (gid, advance) = self.glyph(c);
                KrillaGlyph::new(
                    GlyphId::new(gid.to_u32()),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    at..at + c.len_utf8(),
                    None,
                )
            })
            .collect();
        (drawn, glyphs)
    }

    /// Greedy word wrap to `max` points; words longer than a line are broken by character.
    pub(crate) fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            // A bulleted paragraph wraps with a hanging indent under its first word.
            let hang = if paragraph.starts_with("• ") {
                let spaces = self.width("• ", size) / self.width(" ", size).max(0.1);
                " ".repeat(spaces.round() as usize)
            } else {
                String::new()
            };
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else if line.trim().is_empty() {
                    format!("{line}{word}")
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= max {
                    line = candidate;
                    continue;
                }
                if !line.trim().is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line.push_str(&hang);
                }
                if self.width(&format!("{line}{word}"), size) <= max {
                    line = format!("{line}{word}");
                } else {
                    for c in word.chars() {
                        line.push(c);
                        if self.width(&line, size) > max {
                            line.pop();
                            lines.push(std::mem::take(&mut line));
                            line.push(c);
                        }
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Shortens `text` with an ellipsis so it fits `max` points.
    pub(crate) fn fit(&self, text: &str, size: f32, max: f32) -> String {
        if self.width(text, size) <= max {
            return text.to_string();
        }
        let mut out: String = text.to_string();
        while !out.is_empty() && self.width(&format!("{out}…"), size) > max {
            out.pop();
        }
        format!("{}…", out.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let face = Face::regular();
        let text = "• B4.b.A.1 You have identified and documented the assets that need careful \
                    configuration, with an unbreakable-reference-like-word-0123456789abcdef0123456789";
        let lines = face.wrap(text, 9.0, 150.0);
        assert!(lines.len() > 3);
        for line in &lines {
            assert!(face.width(line, 9.0) <= 150.0 + 0.01, "{line:?}");
        }
        assert!(lines[1].starts_with(' '), "hanging indent: {lines:?}");
        let rejoined: String = lines.concat().split_whitespace().collect();
        let original: String = text.split_whitespace().collect();
        assert_eq!(rejoined, original);
    }

    #[test]
    fn characters_the_font_lacks_are_drawn_as_the_replacement_character() {
        let face = Face::regular();
        // CJK (not in DejaVu Sans), a private-use code point and a control character.
        let (drawn, glyphs) = face.shape("Ab 市\u{E000}\u{7}£");
        assert_eq!(drawn, "Ab \u{FFFD}\u{FFFD}\u{FFFD}£");
        assert_eq!(glyphs.len(), drawn.chars().count());
        assert!(
            glyphs.iter().all(|g| g.glyph_id.to_u32() != 0),
            "no .notdef"
        );
        assert_eq!(face.width("市", 10.0), face.width("\u{FFFD}", 10.0));
    }
}
