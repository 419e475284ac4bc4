//! Drawing primitives shared by the PDF renderers (the assessment report and the aggregate):
//! an A4 page with a cursor that moves down it, paragraphs and headings that break pages,
//! tables whose header repeats on every page they span, status colours and legends, and the
//! page furniture pass that adds headers, footers and "Page n of m" once the page count is
//! known. Every primitive also says what it is in the document's structure (heading,
//! paragraph, list, table, figure), so the PDF is tagged: see [`super::tagged`].
//!
//! Why krilla and not printpdf (the PDF crate before): a PDF that public bodies may publish
//! must be tagged (a structure tree, a language, artifacts, table headers, alternative text),
//! and printpdf 0.12 can mark content but writes no structure tree, no `MarkInfo`, no `Lang`.
//! krilla writes all of these and checks the file against PDF/UA-1 as it writes it; like
//! printpdf's operation API it does no layout, so this module kept its own (the word wrap,
//! the page breaks, the repeated headers) and only the last step changed.

use caf_core::framework::Status;
use caf_core::report::DISPLAY_ORDER;

use super::font::Face;
use super::tagged::{Canvas, Decoration, DocumentInfo, Draw, Role};
use crate::palette::{status_mark, status_rgb, status_text_rgb};

pub(crate) use super::tagged::{PAGE_H, PAGE_W};

// The margins of the text block on an A4 page, in points.
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

/// One bar of a stacked bar chart: its label and the count of each status, in display order.
pub(crate) struct StatusBar {
    pub(crate) label: String,
    pub(crate) counts: Vec<(Status, usize)>,
}

/// One figure tile: the number, its label, and their colours.
pub(crate) struct Tile {
    pub(crate) figure: String,
    pub(crate) label: String,
    pub(crate) fill: Rgb8,
    pub(crate) figure_colour: Rgb8,
    pub(crate) label_colour: Rgb8,
}

impl Tile {
    /// A neutral tile: dark figure on the panel colour.
    pub(crate) fn plain(figure: String, label: &str) -> Self {
        Self {
            figure,
            label: label.to_string(),
            fill: PANEL,
            figure_colour: ACCENT,
            label_colour: INK,
        }
    }
}

pub(crate) struct Layout {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
    canvas: Canvas,
    pub(crate) y: f32,
    /// The level of the last heading in the structure tree: a heading's tag is at most one
    /// deeper, so levels are never skipped whatever size it is drawn at.
    heading_level: u8,
}

pub(crate) const PAD: f32 = 3.5;

impl Layout {
    /// A layout with the cursor at the top of page 1.
    pub(crate) fn new() -> Self {
        Self {
            regular: Face::regular(),
            bold: Face::bold(),
            canvas: Canvas::new(),
            y: TOP,
            heading_level: 0,
        }
    }

    pub(crate) fn face(&self, style: Style) -> &Face {
        if style.bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    pub(crate) fn new_page(&mut self) {
        self.canvas.end_page();
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits above the bottom margin.
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    /// Draws what `draw` draws as a new structure element with `role`.
    pub(crate) fn tagged<T>(&mut self, role: Role, draw: impl FnOnce(&mut Self) -> T) -> T {
        let element = self.canvas.element(role);
        self.within(element, draw)
    }

    /// A new paragraph element, not opened: its text is drawn into it with [`Layout::within`]
    /// piece by piece (a legend between swatches).
    pub(crate) fn canvas_paragraph(&mut self) -> usize {
        self.canvas.element(Role::Paragraph)
    }

    pub(crate) fn within<T>(&mut self, element: usize, draw: impl FnOnce(&mut Self) -> T) -> T {
        self.canvas.enter(element);
        let out = draw(self);
        self.canvas.leave();
        out
    }

    /// Draws what `draw` draws as an artifact: decoration that says nothing the text does not.
    pub(crate) fn decorated<T>(
        &mut self,
        decoration: Decoration,
        draw: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let outer = self.canvas.decorate(Some(decoration));
        let out = draw(self);
        self.canvas.decorate(outer);
        out
    }

    /// A chart: its drawing is one figure whose alternative text is `alt`.
    pub(crate) fn figure<T>(&mut self, alt: String, draw: impl FnOnce(&mut Self) -> T) -> T {
        self.tagged(Role::Figure(alt), draw)
    }

    pub(crate) fn text(&mut self, x: f32, baseline: f32, text: &str, style: Style) {
        if text.trim().is_empty() {
            return;
        }
        self.canvas.draw(Draw::Text {
            x,
            baseline,
            text: text.to_string(),
            bold: style.bold,
            size: style.size,
            colour: style.colour,
        });
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
        self.canvas.draw(Draw::Rect { x, y, w, h, fill });
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
        self.canvas.draw(Draw::Line {
            from: (x1, y1),
            to: (x2, y2),
            colour: stroke,
            thickness,
        });
    }

    /// A wrapped paragraph at the cursor, breaking pages between lines.
    pub(crate) fn paragraph(&mut self, text: &str, style: Style, indent: f32) {
        self.tagged(Role::Paragraph, |l| l.lines(text, style, indent));
        self.y -= style.size * 0.4;
    }

    /// Wrapped lines at the cursor, in whatever element is open.
    fn lines(&mut self, text: &str, style: Style, indent: f32) {
        let lines = self.face(style).wrap(text, style.size, WIDTH - indent);
        for line in lines {
            self.ensure(style.line_height());
            self.y -= style.line_height();
            self.text(LEFT + indent, self.y + style.size * 0.25, &line, style);
        }
    }

    /// The structure element of a heading drawn at `level`: at most one level below the
    /// heading before it.
    pub(crate) fn heading_role(&mut self, level: u8, text: &str) -> Role {
        let level = level.min(self.heading_level + 1).max(1);
        self.heading_level = level;
        Role::Heading(level, text.to_string())
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
        if level <= 2 {
            self.canvas.bookmark(text, self.y);
        }
        let role = self.heading_role(level, text);
        let lines = self.face(style).wrap(text, style.size, WIDTH);
        self.tagged(role, |l| {
            for line in &lines {
                l.y -= style.line_height();
                l.text(LEFT, l.y + style.size * 0.25, line, style);
            }
        });
        if level == 1 {
            self.y -= 3.0;
            self.line(LEFT, self.y, RIGHT, self.y, ACCENT, 1.2);
            self.y -= 6.0;
        } else {
            self.y -= 4.0;
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
        self.tagged(Role::Table, |l| {
            if let Some(cells) = &header_cells {
                l.row(cells, &widths, None, Role::HeaderCell);
            }
            for row in rows {
                let height = l.row_height(row, &widths);
                if l.y - height < BOTTOM && height <= TOP - BOTTOM - header_height {
                    l.new_page();
                    l.repeat_header(header_cells.as_ref(), &widths);
                }
                l.row(row, &widths, header_cells.as_ref(), Role::Cell);
            }
        });
        self.y -= 8.0;
    }

    /// A table's header drawn again at the top of a later page: for the eye only.
    fn repeat_header(&mut self, header: Option<&Vec<Cell>>, widths: &[f32]) {
        if let Some(cells) = header {
            self.decorated(Decoration::Repeated, |l| {
                l.row(cells, widths, None, Role::HeaderCell)
            });
        }
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

    /// One table row (a structure row of `role` cells); `header` is repeated if the row must
    /// continue on a new page.
    fn row(&mut self, row: &[Cell], widths: &[f32], header: Option<&Vec<Cell>>, role: Role) {
        let tr = self.canvas.element(Role::Row);
        let cells: Vec<usize> = self.within(tr, |l| {
            row.iter().map(|_| l.canvas.element(role.clone())).collect()
        });
        self.within(tr, |l| l.draw_row(row, widths, header, &cells));
    }

    /// Draws one row at the cursor, each cell's text in its element of `cells`.
    fn draw_row(
        &mut self,
        row: &[Cell],
        widths: &[f32],
        header: Option<&Vec<Cell>>,
        cells: &[usize],
    ) {
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
                let shown = &lines[i][start[i]..start[i] + take[i]];
                self.within(cells[i], |l| {
                    for (n, line) in shown.iter().enumerate() {
                        let baseline = top - PAD - (n as f32 + 1.0) * lh + cell.style.size * 0.28;
                        l.text(x + PAD, baseline, line, cell.style);
                    }
                });
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
            self.repeat_header(header, widths);
        }
    }

    /// Key–value lines (label in bold), wrapped: a list whose items are a label and a body.
    pub(crate) fn facts(&mut self, facts: &[(&str, String)], label_width: f32, style: Style) {
        self.tagged(Role::List, |l| {
            for (label, value) in facts {
                if value.is_empty() {
                    continue;
                }
                let lines = l.face(style).wrap(value, style.size, WIDTH - label_width);
                l.ensure(style.line_height());
                l.tagged(Role::ListItem, |l| {
                    let body = l.canvas.element(Role::Label);
                    let body_element = l.canvas.element(Role::ListBody);
                    let mut first = true;
                    for line in lines {
                        l.ensure(style.line_height());
                        l.y -= style.line_height();
                        let baseline = l.y + style.size * 0.25;
                        if first {
                            l.within(body, |l| l.text(LEFT, baseline, label, style.bold()));
                            first = false;
                        }
                        l.within(body_element, |l| {
                            l.text(LEFT + label_width, baseline, &line, style)
                        });
                    }
                });
                l.y -= 2.0;
            }
        });
    }

    /// The cover's title band across the top of the page: a kicker, the name, a subtitle.
    pub(crate) fn title_band(&mut self, kicker: &str, name: &str, subtitle: &str) {
        let band = 118.0;
        self.rect(0.0, PAGE_H - band, PAGE_W, band, ACCENT);
        let white = BODY.colour(WHITE);
        let name = self.bold.fit(name, 22.0, WIDTH);
        let subtitle = self.regular.fit(subtitle, 12.0, WIDTH);
        for (text, baseline, style) in [
            (kicker, 40.0, white.size(8.5).bold()),
            (name.as_str(), 70.0, white.bold().size(22.0)),
            (subtitle.as_str(), 94.0, white.size(12.0)),
        ] {
            self.tagged(Role::Paragraph, |l| {
                l.text(LEFT, PAGE_H - baseline, text, style)
            });
        }
        self.y = PAGE_H - band - 14.0;
    }

    /// A row of figure tiles (a big number over its label), each a paragraph.
    pub(crate) fn tiles(&mut self, tiles: &[Tile]) {
        self.ensure(58.0);
        let gap = 8.0;
        let count = tiles.len().max(1) as f32;
        let w = (WIDTH - gap * (count - 1.0)) / count;
        let h = 46.0;
        let top = self.y - 4.0;
        for (i, tile) in tiles.iter().enumerate() {
            let x = LEFT + i as f32 * (w + gap);
            self.rect(x, top - h, w, h, tile.fill);
            self.tagged(Role::Paragraph, |l| {
                let figure = BODY.bold().size(18.0).colour(tile.figure_colour);
                l.text_centre(x + w / 2.0, top - 22.0, &tile.figure, figure);
                let label = BODY.size(8.0).bold().colour(tile.label_colour);
                l.text_centre(x + w / 2.0, top - 37.0, &tile.label, label);
            });
        }
        self.y = top - h - 10.0;
    }

    /// A stacked bar chart of statuses, one bar per row, with its legend: one figure whose
    /// alternative text is `what` followed by every bar's counts.
    pub(crate) fn status_bars(&mut self, what: &str, bars: &[StatusBar], label_w: f32) {
        let alt = bars
            .iter()
            .map(|b| {
                let counts: Vec<String> = (b.counts.iter())
                    .map(|(status, n)| format!("{n} {}", status.label().to_lowercase()))
                    .collect();
                format!(" {}: {}.", b.label, counts.join(", "))
            })
            .fold(format!("{what}."), |alt, bar| alt + &bar);
        let (bar_h, gap) = (15.0, 6.0);
        self.figure(alt, |l| {
            let bar_w = WIDTH - label_w;
            let mut y = l.y;
            for bar in bars {
                y -= bar_h;
                let label = l.regular.fit(&bar.label, 8.0, label_w - 6.0);
                l.text(LEFT, y + 4.5, &label, BODY.size(8.0));
                let total: usize = bar.counts.iter().map(|(_, n)| n).sum();
                let mut x = LEFT + label_w;
                for (status, count) in bar.counts.iter().filter(|(_, n)| *n > 0) {
                    let w = bar_w * *count as f32 / total.max(1) as f32;
                    l.rect(x, y, w, bar_h, status_rgb(*status));
                    let text = format!("{count} {}", status_mark(*status));
                    if l.bold.width(&text, 7.5) + 4.0 <= w {
                        let style = BODY.bold().size(7.5).colour(status_text_rgb(*status));
                        l.text_centre(x + w / 2.0, y + 4.5, &text, style);
                    }
                    x += w;
                }
                y -= gap;
            }
            l.y = y - 4.0;
            l.legend(false);
        });
    }

    /// The height [`Layout::status_bars`] takes for `bars` bars, legend included.
    pub(crate) fn status_bars_height(bars: usize) -> f32 {
        bars as f32 * 21.0 + 24.0
    }

    /// A key to the status colours, one swatch per status, at the cursor.
    pub(crate) fn legend(&mut self, no_minimum: bool) {
        let style = BODY.size(7.5);
        let mut x = LEFT;
        let y = self.y - 10.0;
        let mut keys: Vec<(String, crate::palette::Rgb8)> = (DISPLAY_ORDER.into_iter())
            .map(|s| (format!("{} = {}", status_mark(s), s.label()), status_rgb(s)))
            .collect();
        if no_minimum {
            let label = crate::palette::NO_MINIMUM_LABEL;
            keys.push((label.to_string(), crate::palette::NO_MINIMUM));
        }
        self.tagged(Role::Paragraph, |l| {
            for (text, fill) in &keys {
                l.rect(x, y, 9.0, 9.0, *fill);
                l.text(x + 12.0, y + 1.5, text, style);
                x += 16.0 + l.regular.width(text, 7.5) + 14.0;
            }
        });
        self.y = y - 10.0;
    }

    /// Ends the last page, draws `furniture(layout, page, total)` on every page (headers,
    /// footers, page numbers: only now is the total known) and writes the tagged PDF.
    pub(crate) fn finish(
        mut self,
        info: DocumentInfo,
        mut furniture: impl FnMut(&mut Layout, usize, usize),
    ) -> crate::Result<Vec<u8>> {
        self.canvas.end_page();
        let total = self.canvas.page_count();
        for page in 0..total {
            self.decorated(Decoration::Furniture, |l| furniture(l, page + 1, total));
            self.canvas.add_to_page(page);
        }
        Ok(self.canvas.finish(&self.regular, &self.bold, info)?)
    }
}
