//! Drawing primitives shared by the PDF renderers (the assessment report and the aggregate):
//! an A4 page with a cursor that moves down it, greedy word wrap from the embedded font's
//! advance widths, paragraphs and headings that break pages, tables whose header repeats on
//! every page they span, status colours and legends, and the page furniture pass that adds
//! headers, footers and "Page n of m" once the page count is known.
//!
//! Why printpdf's operation API and not its HTML layout: the HTML feature doubles the release
//! build and brings an unmaintained dependency (bincode through hyphenation), and its own README
//! calls it evolving; the operation API is stable within the pinned version and gives exact
//! control of page breaks, repeated table headers and vector charts. The cost is that this
//! module does its own layout. Each renderer keeps only what it draws; anything a second
//! document could use lives here.
//!
//! The font is DejaVu Sans (regular and bold), shipped in `assets/fonts/` under its own free
//! licence and embedded (subset) so the file looks the same everywhere and can show any
//! character an input contains.

use printpdf::{
    Color, FontId, Line, LinePoint, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};

use caf_core::framework::Status;
use caf_core::report::DISPLAY_ORDER;

use crate::palette::{status_mark, status_rgb, status_text_rgb};

const REGULAR_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf");

// A4 in points, with the margins of the text block.
pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const LEFT: f32 = 48.0;
pub(crate) const RIGHT: f32 = PAGE_W - 48.0;
pub(crate) const TOP: f32 = PAGE_H - 62.0;
pub(crate) const BOTTOM: f32 = 58.0;
pub(crate) const WIDTH: f32 = RIGHT - LEFT;

pub(crate) use crate::palette::Rgb8;
pub(crate) const INK: Rgb8 = (0x1a, 0x1a, 0x1a);
pub(crate) const MUTED: Rgb8 = (0x55, 0x5b, 0x61);
pub(crate) const ACCENT: Rgb8 = (0x1d, 0x35, 0x57);
pub(crate) const RULE: Rgb8 = (0xc8, 0xcd, 0xd2);
pub(crate) const PANEL: Rgb8 = (0xee, 0xf1, 0xf4);
pub(crate) const WHITE: Rgb8 = (0xff, 0xff, 0xff);

pub(crate) fn colour((r, g, b): Rgb8) -> Color {
    Color::Rgb(Rgb {
        r: f32::from(r) / 255.0,
        g: f32::from(g) / 255.0,
        b: f32::from(b) / 255.0,
        icc_profile: None,
    })
}

pub(crate) fn point(x: f32, y: f32) -> Point {
    Point { x: Pt(x), y: Pt(y) }
}

pub(crate) struct Face {
    pub(crate) parsed: ParsedFont,
    pub(crate) id: FontId,
}

impl Face {
    /// Advance width of `text` at `size`, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let upem = f32::from(self.parsed.font_metrics.units_per_em.max(1));
        let units: u32 = text
            .chars()
            .map(|c| {
                let gid = self
                    .parsed
                    .lookup_glyph_index(c as u32)
                    .or_else(|| self.parsed.lookup_glyph_index('?' as u32))
                    .unwrap_or(0);
                u32::from(self.parsed.get_horizontal_advance(gid))
            })
            .sum();
        units as f32 / upem * size
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

/// Text style of a run or a cell.
#[derive(Clone, Copy)]
pub(crate) struct Style {
    pub(crate) bold: bool,
    pub(crate) size: f32,
    pub(crate) colour: Rgb8,
}

pub(crate) const BODY: Style = Style {
    bold: false,
    size: 9.0,
    colour: INK,
};

impl Style {
    pub(crate) fn bold(self) -> Self {
        Self { bold: true, ..self }
    }
    pub(crate) fn size(self, size: f32) -> Self {
        Self { size, ..self }
    }
    pub(crate) fn colour(self, colour: Rgb8) -> Self {
        Self { colour, ..self }
    }
    pub(crate) fn line_height(self) -> f32 {
        self.size * 1.3
    }
}

/// One table cell: text, its style, and an optional background.
#[derive(Clone)]
pub(crate) struct Cell {
    pub(crate) text: String,
    pub(crate) style: Style,
    pub(crate) fill: Option<Rgb8>,
    pub(crate) badge: bool,
}

impl Cell {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            style: BODY,
            fill: None,
            badge: false,
        }
    }
    pub(crate) fn styled(text: impl Into<String>, style: Style) -> Self {
        Self {
            text: text.into(),
            style,
            fill: None,
            badge: false,
        }
    }
    /// A status cell: the words say it, the colour reinforces it.
    pub(crate) fn status(status: Status) -> Self {
        Self {
            text: status.label().to_string(),
            style: BODY.bold().size(8.0).colour(status_text_rgb(status)),
            fill: Some(status_rgb(status)),
            badge: true,
        }
    }
    pub(crate) fn optional_status(status: Option<Status>) -> Self {
        status.map_or_else(|| Self::new("–"), Self::status)
    }
}

pub(crate) struct Layout {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
    pub(crate) pages: Vec<Vec<Op>>,
    pub(crate) ops: Vec<Op>,
    pub(crate) y: f32,
    pub(crate) bookmarks: Vec<(String, usize)>,
}

pub(crate) const PAD: f32 = 3.5;

impl Layout {
    pub(crate) fn face(&self, style: Style) -> &Face {
        if style.bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    pub(crate) fn page_number(&self) -> usize {
        self.pages.len() + 1
    }

    pub(crate) fn new_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(ops);
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits above the bottom margin.
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    pub(crate) fn text(&mut self, x: f32, baseline: f32, text: &str, style: Style) {
        if text.is_empty() {
            return;
        }
        let font = self.face(style).id.clone();
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(style.size),
            },
            Op::SetFillColor {
                col: colour(style.colour),
            },
            Op::SetTextCursor {
                pos: point(x, baseline),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    pub(crate) fn text_right(&mut self, right: f32, baseline: f32, text: &str, style: Style) {
        let w = self.face(style).width(text, style.size);
        self.text(right - w, baseline, text, style);
    }

    pub(crate) fn text_centre(&mut self, centre: f32, baseline: f32, text: &str, style: Style) {
        let w = self.face(style).width(text, style.size);
        self.text(centre - w / 2.0, baseline, text, style);
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb8) {
        self.ops.extend([
            Op::SetFillColor { col: colour(fill) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x),
                    y: Pt(y),
                    width: Pt(w),
                    height: Pt(h),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            },
        ]);
    }

    pub(crate) fn line(
        &mut self,
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        stroke: Rgb8,
        thickness: f32,
    ) {
        self.ops.extend([
            Op::SetOutlineColor {
                col: colour(stroke),
            },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: point(x1, y1),
                            bezier: false,
                        },
                        LinePoint {
                            p: point(x2, y2),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    /// A wrapped paragraph at the cursor, breaking pages between lines.
    pub(crate) fn paragraph(&mut self, text: &str, style: Style, indent: f32) {
        let lines = self.face(style).wrap(text, style.size, WIDTH - indent);
        for line in lines {
            self.ensure(style.line_height());
            self.y -= style.line_height();
            self.text(LEFT + indent, self.y + style.size * 0.25, &line, style);
        }
        self.y -= style.size * 0.4;
    }

    /// A section heading, kept with at least `keep` points of what follows.
    pub(crate) fn heading(&mut self, text: &str, level: u8, keep: f32) {
        let style = match level {
            1 => BODY.bold().size(15.0).colour(ACCENT),
            2 => BODY.bold().size(12.0).colour(ACCENT),
            _ => BODY.bold().size(10.5),
        };
        let space_before = match level {
            1 => 14.0,
            2 => 10.0,
            _ => 8.0,
        };
        self.ensure(space_before + style.line_height() + keep);
        if self.y < TOP {
            self.y -= space_before;
        }
        let lines = self.face(style).wrap(text, style.size, WIDTH);
        for line in &lines {
            self.y -= style.line_height();
            self.text(LEFT, self.y + style.size * 0.25, line, style);
        }
        if level == 1 {
            self.y -= 3.0;
            self.line(LEFT, self.y, RIGHT, self.y, ACCENT, 1.2);
            self.y -= 6.0;
        } else {
            self.y -= 4.0;
        }
        if level <= 2 {
            let page = self.page_number();
            self.bookmarks.push((text.to_string(), page));
        }
    }

    /// A table whose header repeats on every page it spans. Rows move to the next page whole,
    /// unless a single row is taller than a page, which is then split between lines.
    pub(crate) fn table(&mut self, header: Option<&[&str]>, widths: &[f32], rows: &[Vec<Cell>]) {
        let total: f32 = widths.iter().sum();
        let widths: Vec<f32> = widths.iter().map(|w| w / total * WIDTH).collect();
        let header_cells: Option<Vec<Cell>> = header.map(|h| {
            h.iter()
                .map(|t| Cell {
                    text: (*t).to_string(),
                    style: BODY.bold().size(8.5).colour(WHITE),
                    fill: Some(ACCENT),
                    badge: false,
                })
                .collect()
        });
        let header_height = header_cells
            .as_ref()
            .map_or(0.0, |cells| self.row_height(cells, &widths));
        let first_row = rows.first().map_or(0.0, |r| {
            self.row_height(r, &widths).min(TOP - BOTTOM - 40.0)
        });
        self.ensure(header_height + first_row);
        if let Some(cells) = &header_cells {
            self.draw_row(cells, &widths, None);
        }
        for row in rows {
            let height = self.row_height(row, &widths);
            if self.y - height < BOTTOM && height <= TOP - BOTTOM - header_height {
                self.new_page();
                if let Some(cells) = &header_cells {
                    self.draw_row(cells, &widths, None);
                }
            }
            self.draw_row(row, &widths, header_cells.as_ref());
        }
        self.y -= 8.0;
    }

    pub(crate) fn cell_lines(&self, cell: &Cell, width: f32) -> Vec<String> {
        self.face(cell.style)
            .wrap(&cell.text, cell.style.size, width - 2.0 * PAD)
    }

    pub(crate) fn row_height(&self, row: &[Cell], widths: &[f32]) -> f32 {
        row.iter()
            .zip(widths)
            .map(|(cell, w)| {
                self.cell_lines(cell, *w).len() as f32 * cell.style.line_height() + 2.0 * PAD
            })
            .fold(0.0, f32::max)
    }

    /// Draws one row at the cursor; `header` is repeated if the row must continue on a new page.
    pub(crate) fn draw_row(&mut self, row: &[Cell], widths: &[f32], header: Option<&Vec<Cell>>) {
        let lines: Vec<Vec<String>> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| self.cell_lines(cell, *w))
            .collect();
        let mut start = vec![0usize; row.len()];
        loop {
            // How many lines of each cell fit on this page.
            let available = self.y - BOTTOM - 2.0 * PAD;
            let mut take = Vec::with_capacity(row.len());
            let mut height: f32 = 0.0;
            let mut finished = true;
            for (i, cell) in row.iter().enumerate() {
                let remaining = lines[i].len() - start[i];
                let fit = ((available / cell.style.line_height()).floor().max(0.0) as usize)
                    .min(remaining);
                if fit < remaining {
                    finished = false;
                }
                take.push(fit);
                height = height.max(fit as f32 * cell.style.line_height());
            }
            let height = height + 2.0 * PAD;
            let top = self.y;
            let mut x = LEFT;
            for (i, cell) in row.iter().enumerate() {
                if let Some(fill) = cell.fill {
                    // Headers fill the whole cell; a status is a badge as tall as its words.
                    let h = if cell.badge {
                        take[i] as f32 * cell.style.line_height() + 2.0 * PAD
                    } else {
                        height
                    };
                    self.rect(x, top - h, widths[i], h, fill);
                }
                let lh = cell.style.line_height();
                for (n, line) in lines[i][start[i]..start[i] + take[i]].iter().enumerate() {
                    let baseline = top - PAD - (n as f32 + 1.0) * lh + cell.style.size * 0.28;
                    self.text(x + PAD, baseline, line, cell.style);
                }
                x += widths[i];
            }
            // Grid: the row's bottom rule and the column separators.
            self.line(LEFT, top - height, RIGHT, top - height, RULE, 0.5);
            let mut x = LEFT;
            for w in widths.iter() {
                self.line(x, top, x, top - height, RULE, 0.5);
                x += w;
            }
            self.line(RIGHT, top, RIGHT, top - height, RULE, 0.5);
            self.line(LEFT, top, RIGHT, top, RULE, 0.5);
            self.y = top - height;
            if finished {
                break;
            }
            for (s, t) in start.iter_mut().zip(&take) {
                *s += t;
            }
            self.new_page();
            if let Some(cells) = header {
                self.draw_row(cells, widths, None);
            }
        }
    }

    /// Key–value lines (label in bold), wrapped.
    pub(crate) fn facts(&mut self, facts: &[(&str, String)], label_width: f32, style: Style) {
        for (label, value) in facts {
            if value.is_empty() {
                continue;
            }
            let lines = self
                .face(style)
                .wrap(value, style.size, WIDTH - label_width);
            self.ensure(style.line_height());
            let mut first = true;
            for line in lines {
                self.ensure(style.line_height());
                self.y -= style.line_height();
                if first {
                    self.text(LEFT, self.y + style.size * 0.25, label, style.bold());
                    first = false;
                }
                self.text(LEFT + label_width, self.y + style.size * 0.25, &line, style);
            }
            self.y -= 2.0;
        }
    }
}

impl Layout {
    /// A layout whose fonts are embedded in `doc`; the cursor is at the top of page 1.
    pub(crate) fn new(doc: &mut PdfDocument) -> Self {
        let mut warnings = Vec::new();
        let regular = ParsedFont::from_bytes(REGULAR_TTF, 0, &mut warnings)
            .expect("the shipped DejaVu Sans parses");
        let bold = ParsedFont::from_bytes(BOLD_TTF, 0, &mut warnings)
            .expect("the shipped DejaVu Sans Bold parses");
        let regular_id = doc.add_font(&regular);
        let bold_id = doc.add_font(&bold);
        Self {
            regular: Face {
                parsed: regular,
                id: regular_id,
            },
            bold: Face {
                parsed: bold,
                id: bold_id,
            },
            pages: Vec::new(),
            ops: Vec::new(),
            y: TOP,
            bookmarks: Vec::new(),
        }
    }

    /// A key to the status colours, one swatch per status, at the cursor.
    pub(crate) fn legend(&mut self) {
        let style = BODY.size(7.5);
        let mut x = LEFT;
        let y = self.y - 10.0;
        for status in DISPLAY_ORDER {
            self.rect(x, y, 9.0, 9.0, status_rgb(status));
            let text = format!("{} = {}", status_mark(status), status.label());
            self.text(x + 12.0, y + 1.5, &text, style);
            x += 16.0 + self.regular.width(&text, 7.5) + 14.0;
        }
        self.y = y - 10.0;
    }

    /// Closes the last page, draws `furniture(layout, page, total)` on every page (headers,
    /// footers, page numbers: only now is the total known), adds the bookmarks and saves.
    pub(crate) fn finish(
        mut self,
        doc: PdfDocument,
        mut furniture: impl FnMut(&mut Layout, usize, usize),
    ) -> Vec<u8> {
        let mut doc = doc;
        self.new_page();
        let total = self.pages.len();
        let pages: Vec<PdfPage> = std::mem::take(&mut self.pages)
            .into_iter()
            .enumerate()
            .map(|(i, mut ops)| {
                self.ops = Vec::new();
                furniture(&mut self, i + 1, total);
                ops.append(&mut self.ops);
                PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), ops)
            })
            .collect();
        for (name, page) in &self.bookmarks {
            doc.add_bookmark(name, *page);
        }
        let mut save_warnings = Vec::new();
        doc.with_pages(pages).save(
            &PdfSaveOptions {
                subset_fonts: true,
                ..Default::default()
            },
            &mut save_warnings,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face() -> Face {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(REGULAR_TTF, 0, &mut warnings).unwrap();
        let id = PdfDocument::new("t").add_font(&parsed);
        Face { parsed, id }
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let face = face();
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
}
