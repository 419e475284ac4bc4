//! PDF: an A4 board paper drawn with printpdf's page-operation API.
//!
//! Why the operation API and not printpdf's HTML layout: the HTML feature doubles the release
//! build and brings an unmaintained dependency (bincode through hyphenation), and its own README
//! calls it evolving; the operation API is stable within the pinned version and gives exact
//! control of page breaks, repeated table headers and vector charts. The cost is that this file
//! does its own layout: greedy word wrap from the embedded font's advance widths, a cursor that
//! moves down the page, and tables whose rows never split unless a row is taller than a page.
//!
//! The font is DejaVu Sans (regular and bold), shipped in `assets/fonts/` under its own free
//! licence and embedded (subset) so the file looks the same everywhere and can show any
//! character an assessment contains.

use printpdf::{
    Color, FontId, Line, LinePoint, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};

use super::{Action, DISPLAY_ORDER, Report, status_mark, status_rgb, status_text_rgb};
use crate::framework::Status;

const REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

// A4 in points, with the margins of the text block.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 48.0;
const RIGHT: f32 = PAGE_W - 48.0;
const TOP: f32 = PAGE_H - 62.0;
const BOTTOM: f32 = 58.0;
const WIDTH: f32 = RIGHT - LEFT;

type Rgb8 = (u8, u8, u8);
const INK: Rgb8 = (0x1a, 0x1a, 0x1a);
const MUTED: Rgb8 = (0x55, 0x5b, 0x61);
const ACCENT: Rgb8 = (0x1d, 0x35, 0x57);
const RULE: Rgb8 = (0xc8, 0xcd, 0xd2);
const PANEL: Rgb8 = (0xee, 0xf1, 0xf4);
const WHITE: Rgb8 = (0xff, 0xff, 0xff);

fn colour((r, g, b): Rgb8) -> Color {
    Color::Rgb(Rgb {
        r: f32::from(r) / 255.0,
        g: f32::from(g) / 255.0,
        b: f32::from(b) / 255.0,
        icc_profile: None,
    })
}

fn point(x: f32, y: f32) -> Point {
    Point { x: Pt(x), y: Pt(y) }
}

struct Face {
    parsed: ParsedFont,
    id: FontId,
}

impl Face {
    /// Advance width of `text` at `size`, in points.
    fn width(&self, text: &str, size: f32) -> f32 {
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
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
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
    fn fit(&self, text: &str, size: f32, max: f32) -> String {
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
struct Style {
    bold: bool,
    size: f32,
    colour: Rgb8,
}

const BODY: Style = Style {
    bold: false,
    size: 9.0,
    colour: INK,
};

impl Style {
    fn bold(self) -> Self {
        Self { bold: true, ..self }
    }
    fn size(self, size: f32) -> Self {
        Self { size, ..self }
    }
    fn colour(self, colour: Rgb8) -> Self {
        Self { colour, ..self }
    }
    fn line_height(self) -> f32 {
        self.size * 1.3
    }
}

/// One table cell: text, its style, and an optional background.
#[derive(Clone)]
struct Cell {
    text: String,
    style: Style,
    fill: Option<Rgb8>,
    badge: bool,
}

impl Cell {
    fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            style: BODY,
            fill: None,
            badge: false,
        }
    }
    fn styled(text: impl Into<String>, style: Style) -> Self {
        Self {
            text: text.into(),
            style,
            fill: None,
            badge: false,
        }
    }
    /// A status cell: the words say it, the colour reinforces it.
    fn status(status: Status) -> Self {
        Self {
            text: status.label().to_string(),
            style: BODY.bold().size(8.0).colour(status_text_rgb(status)),
            fill: Some(status_rgb(status)),
            badge: true,
        }
    }
    fn optional_status(status: Option<Status>) -> Self {
        status.map_or_else(|| Self::new("–"), Self::status)
    }
}

struct Layout {
    regular: Face,
    bold: Face,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
    bookmarks: Vec<(String, usize)>,
}

const PAD: f32 = 3.5;

impl Layout {
    fn face(&self, style: Style) -> &Face {
        if style.bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    fn page_number(&self) -> usize {
        self.pages.len() + 1
    }

    fn new_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(ops);
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits above the bottom margin.
    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, baseline: f32, text: &str, style: Style) {
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

    fn text_right(&mut self, right: f32, baseline: f32, text: &str, style: Style) {
        let w = self.face(style).width(text, style.size);
        self.text(right - w, baseline, text, style);
    }

    fn text_centre(&mut self, centre: f32, baseline: f32, text: &str, style: Style) {
        let w = self.face(style).width(text, style.size);
        self.text(centre - w / 2.0, baseline, text, style);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb8) {
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

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, stroke: Rgb8, thickness: f32) {
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
    fn paragraph(&mut self, text: &str, style: Style, indent: f32) {
        let lines = self.face(style).wrap(text, style.size, WIDTH - indent);
        for line in lines {
            self.ensure(style.line_height());
            self.y -= style.line_height();
            self.text(LEFT + indent, self.y + style.size * 0.25, &line, style);
        }
        self.y -= style.size * 0.4;
    }

    /// A section heading, kept with at least `keep` points of what follows.
    fn heading(&mut self, text: &str, level: u8, keep: f32) {
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
    fn table(&mut self, header: Option<&[&str]>, widths: &[f32], rows: &[Vec<Cell>]) {
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

    fn cell_lines(&self, cell: &Cell, width: f32) -> Vec<String> {
        self.face(cell.style)
            .wrap(&cell.text, cell.style.size, width - 2.0 * PAD)
    }

    fn row_height(&self, row: &[Cell], widths: &[f32]) -> f32 {
        row.iter()
            .zip(widths)
            .map(|(cell, w)| {
                self.cell_lines(cell, *w).len() as f32 * cell.style.line_height() + 2.0 * PAD
            })
            .fold(0.0, f32::max)
    }

    /// Draws one row at the cursor; `header` is repeated if the row must continue on a new page.
    fn draw_row(&mut self, row: &[Cell], widths: &[f32], header: Option<&Vec<Cell>>) {
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
    fn facts(&mut self, facts: &[(&str, String)], label_width: f32, style: Style) {
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

pub fn render(report: &Report) -> Vec<u8> {
    let mut doc = PdfDocument::new(&report.title);
    let mut warnings = Vec::new();
    let regular = ParsedFont::from_bytes(REGULAR_TTF, 0, &mut warnings)
        .expect("the shipped DejaVu Sans parses");
    let bold = ParsedFont::from_bytes(BOLD_TTF, 0, &mut warnings)
        .expect("the shipped DejaVu Sans Bold parses");
    let regular_id = doc.add_font(&regular);
    let bold_id = doc.add_font(&bold);
    let mut layout = Layout {
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
    };

    cover(&mut layout, report);
    summary(&mut layout, report);
    plan(&mut layout, report);
    comparison(&mut layout, report);
    detail(&mut layout, report);
    layout.new_page();

    let total = layout.pages.len();
    let pages: Vec<PdfPage> = std::mem::take(&mut layout.pages)
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            layout.ops = Vec::new();
            furniture(&mut layout, report, i + 1, total);
            ops.append(&mut layout.ops);
            PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), ops)
        })
        .collect();
    for (name, page) in &layout.bookmarks {
        doc.add_bookmark(name, *page);
    }
    let info = &mut doc.metadata.info;
    info.document_title = report.title.clone();
    info.author = report.cover.assessor.clone().unwrap_or_default();
    info.creator = report.generator.clone();
    info.producer = report.generator.clone();
    info.subject = format!(
        "Answers file {} (SHA-256 {})",
        report.cover.source.file, report.cover.source.sha256
    );
    // The assessment date, not the clock: the same answers give the same document.
    if let Some(date) =
        report.cover.date.as_ref().and_then(|d| {
            printpdf::parse_pdf_date(&format!("D:{}000000Z", d.replace('-', ""))).ok()
        })
    {
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
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

/// Header and footer of every page after the first; the footer with page numbers on all.
fn furniture(l: &mut Layout, report: &Report, page: usize, total: usize) {
    let small = BODY.size(7.5).colour(MUTED);
    if page > 1 {
        let left = format!(
            "{}: {} v{}",
            report.cover.organisation.name,
            report.cover.framework.name,
            report.cover.framework.version
        );
        let left = l.regular.fit(&left, small.size, WIDTH * 0.7);
        l.text(LEFT, PAGE_H - 36.0, &left, small);
        if let Some(period) = &report.cover.period {
            l.text_right(RIGHT, PAGE_H - 36.0, &format!("Period {period}"), small);
        }
        l.line(LEFT, PAGE_H - 41.0, RIGHT, PAGE_H - 41.0, RULE, 0.6);
    }
    l.line(LEFT, 40.0, RIGHT, 40.0, RULE, 0.6);
    let hash = &report.cover.source.sha256;
    l.text(
        LEFT,
        28.0,
        &format!(
            "{} · answers SHA-256 {}…",
            report.generator,
            &hash[..hash.len().min(16)]
        ),
        small,
    );
    l.text_right(
        RIGHT,
        28.0,
        &format!("Page {page} of {total}"),
        small.bold(),
    );
}

fn cover(l: &mut Layout, report: &Report) {
    let c = &report.cover;
    // The title band.
    let band = 118.0;
    l.rect(0.0, PAGE_H - band, PAGE_W, band, ACCENT);
    let white = BODY.colour(WHITE);
    l.text(
        LEFT,
        PAGE_H - 40.0,
        "CYBER ASSESSMENT FRAMEWORK SELF-ASSESSMENT",
        white.size(8.5).bold(),
    );
    let name = l.bold.fit(&c.organisation.name, 22.0, WIDTH);
    l.text(LEFT, PAGE_H - 70.0, &name, white.bold().size(22.0));
    let mut subtitle = format!("{} v{}", c.framework.name, c.framework.version);
    if let Some(period) = &c.period {
        subtitle.push_str(&format!(" · {period}"));
    }
    if let Some(p) = &c.profile {
        subtitle.push_str(&format!(" · {} profile", p.title));
    }
    l.text(LEFT, PAGE_H - 94.0, &subtitle, white.size(12.0));
    l.y = PAGE_H - band - 14.0;

    let profile = c.profile.as_ref().map_or_else(
        || "None: no targets are measured".to_string(),
        |p| {
            if p.provisional {
                format!(
                    "{} ({}); provisional: not published by the framework's owner",
                    p.title, p.id
                )
            } else {
                format!("{} ({})", p.title, p.id)
            }
        },
    );
    let mut organisation = format!("{} ({})", c.organisation.name, c.organisation.id);
    for extra in [&c.organisation.sector, &c.organisation.region]
        .into_iter()
        .flatten()
    {
        organisation.push_str(&format!(", {extra}"));
    }
    l.facts(
        &[
            ("Organisation", organisation),
            ("Scope", c.system.clone().unwrap_or_default()),
            (
                "Framework",
                format!(
                    "{} v{} ({})",
                    c.framework.name, c.framework.version, c.framework.id
                ),
            ),
            ("Profile", profile),
            ("Period", c.period.clone().unwrap_or_default()),
            ("Assessor", c.assessor.clone().unwrap_or_default()),
            ("Date", c.date.clone().unwrap_or_default()),
            ("Answers file", c.source.file.clone()),
            ("SHA-256", c.source.sha256.clone()),
        ],
        86.0,
        BODY,
    );
}

fn summary(l: &mut Layout, report: &Report) {
    l.heading("Executive summary", 1, 80.0);
    l.paragraph(&report.summary.headline, BODY.bold().size(11.0), 0.0);

    // Status tiles: count, word and colour.
    l.ensure(58.0);
    let tiles = report.summary.counts.len() + 1;
    let gap = 8.0;
    let w = (WIDTH - gap * (tiles as f32 - 1.0)) / tiles as f32;
    let h = 46.0;
    let top = l.y - 4.0;
    for (i, c) in report.summary.counts.iter().enumerate() {
        let x = LEFT + i as f32 * (w + gap);
        let fg = status_text_rgb(c.status);
        l.rect(x, top - h, w, h, status_rgb(c.status));
        l.text_centre(
            x + w / 2.0,
            top - 22.0,
            &c.count.to_string(),
            BODY.bold().size(18.0).colour(fg),
        );
        l.text_centre(
            x + w / 2.0,
            top - 37.0,
            c.label,
            BODY.size(8.0).colour(fg).bold(),
        );
    }
    let x = LEFT + (tiles - 1) as f32 * (w + gap);
    l.rect(x, top - h, w, h, PANEL);
    l.text_centre(
        x + w / 2.0,
        top - 22.0,
        &format!("{} / {}", report.summary.met, report.summary.with_target),
        BODY.bold().size(18.0).colour(ACCENT),
    );
    l.text_centre(
        x + w / 2.0,
        top - 37.0,
        "Meeting target",
        BODY.size(8.0).bold(),
    );
    l.y = top - h - 10.0;

    if let Some(p) = report.cover.profile.as_ref().filter(|p| p.provisional) {
        l.paragraph(
            &format!(
                "The {} profile is provisional: it is not published by the framework's owner, so read its targets as guidance.",
                p.title
            ),
            BODY.size(8.5).colour(MUTED),
            0.0,
        );
    }

    l.heading("Per objective", 3, 60.0);
    let rows: Vec<Vec<Cell>> = report
        .objectives
        .iter()
        .map(|ob| {
            let t = &ob.tally;
            vec![
                Cell::new(format!("{} {}", ob.id, ob.title)),
                Cell::new(t.achieved.to_string()),
                Cell::new(t.partially_achieved.to_string()),
                Cell::new(t.not_achieved.to_string()),
                Cell::new(t.not_assessed.to_string()),
                Cell::new(format!("{} of {}", t.met, t.with_target)),
            ]
        })
        .collect();
    l.table(
        Some(&[
            "Objective",
            "Achieved",
            "Partially achieved",
            "Not achieved",
            "Not assessed",
            "Meeting target",
        ]),
        &[3.4, 1.0, 1.2, 1.0, 1.0, 1.1],
        &rows,
    );

    bars(l, report);

    l.heading("Most important gaps", 3, 40.0);
    if report.summary.top_gaps.is_empty() {
        let text = if report.cover.profile.is_some() {
            "No outcome is below its target."
        } else {
            "No target profile was chosen, so no gaps are measured."
        };
        l.paragraph(text, BODY, 0.0);
    } else {
        let rows: Vec<Vec<Cell>> = report
            .summary
            .top_gaps
            .iter()
            .enumerate()
            .map(|(i, g)| {
                vec![
                    Cell::new((i + 1).to_string()),
                    Cell::styled(format!("{} {}", g.id, g.title), BODY.bold()),
                    Cell::status(g.status),
                    Cell::new(g.target.label()),
                ]
            })
            .collect();
        l.table(
            Some(&["#", "Outcome", "Current status", "Target"]),
            &[0.3, 4.0, 1.5, 1.5],
            &rows,
        );
        if report.gaps.len() > report.summary.top_gaps.len() {
            l.paragraph(
                &format!(
                    "{} outcomes are below target in all; the improvement plan lists every one.",
                    report.gaps.len()
                ),
                BODY.colour(MUTED),
                0.0,
            );
        }
    }

    heatmap(l, report);
}

/// One stacked bar per objective: achieved, partially, not achieved, not assessed.
fn bars(l: &mut Layout, report: &Report) {
    let bar_h = 15.0;
    let gap = 6.0;
    let label_w = 205.0;
    let height = report.objectives.len() as f32 * (bar_h + gap) + 24.0;
    l.heading("Outcomes per objective", 3, height);
    let bar_w = WIDTH - label_w;
    let label_style = BODY.size(8.0);
    let mut y = l.y;
    for ob in &report.objectives {
        y -= bar_h;
        let label = l
            .regular
            .fit(&format!("{} {}", ob.id, ob.title), 8.0, label_w - 6.0);
        l.text(LEFT, y + 4.5, &label, label_style);
        let mut x = LEFT + label_w;
        let total = ob.tally.outcomes.max(1) as f32;
        for c in &ob.counts {
            if c.count == 0 {
                continue;
            }
            let w = bar_w * c.count as f32 / total;
            l.rect(x, y, w, bar_h, status_rgb(c.status));
            let text = format!("{} {}", c.count, status_mark(c.status));
            let style = BODY.bold().size(7.5).colour(status_text_rgb(c.status));
            if l.bold.width(&text, 7.5) + 4.0 <= w {
                l.text_centre(x + w / 2.0, y + 4.5, &text, style);
            }
            x += w;
        }
        y -= gap;
    }
    l.y = y - 4.0;
    legend(l);
}

fn legend(l: &mut Layout) {
    let style = BODY.size(7.5);
    let mut x = LEFT;
    let y = l.y - 10.0;
    for status in DISPLAY_ORDER {
        l.rect(x, y, 9.0, 9.0, status_rgb(status));
        let text = format!("{} = {}", status_mark(status), status.label());
        l.text(x + 12.0, y + 1.5, &text, style);
        x += 16.0 + l.regular.width(&text, 7.5) + 14.0;
    }
    l.y = y - 10.0;
}

/// Every outcome as a coloured, labelled cell, one row per principle.
fn heatmap(l: &mut Layout, report: &Report) {
    let rows: usize = report.objectives.iter().map(|o| o.principles.len()).sum();
    let cols = report
        .objectives
        .iter()
        .flat_map(|o| &o.principles)
        .map(|p| p.outcomes.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let cell_h = 15.0;
    let gap = 3.0;
    let label_w = 215.0;
    let cell_w = ((WIDTH - label_w) / cols as f32 - gap).min(60.0);
    let height = rows as f32 * (cell_h + gap) + 24.0;
    l.heading("Status of every outcome, by principle", 3, height);
    let mut y = l.y;
    for ob in &report.objectives {
        for p in &ob.principles {
            y -= cell_h;
            let label = l
                .regular
                .fit(&format!("{} {}", p.id, p.title), 7.5, label_w - 6.0);
            l.text(LEFT, y + 4.5, &label, BODY.size(7.5));
            for (i, c) in p.outcomes.iter().enumerate() {
                let x = LEFT + label_w + i as f32 * (cell_w + gap);
                l.rect(x, y, cell_w, cell_h, status_rgb(c.status));
                l.text_centre(
                    x + cell_w / 2.0,
                    y + 4.5,
                    &format!("{} {}", c.id, status_mark(c.status)),
                    BODY.bold().size(7.0).colour(status_text_rgb(c.status)),
                );
            }
            y -= gap;
        }
    }
    l.y = y - 4.0;
    legend(l);
}

fn plan(l: &mut Layout, report: &Report) {
    l.new_page();
    l.heading("Targeted improvement plan", 1, 60.0);
    if report.plan.is_empty() {
        let text = if report.cover.profile.is_some() {
            "Every outcome meets its target: there is nothing to plan."
        } else {
            "No target profile was chosen, so there is no plan."
        };
        l.paragraph(text, BODY, 0.0);
        return;
    }
    l.paragraph(
        "Every outcome below its target, largest shortfall first, with the statements of good practice that are not yet true (in the framework's words). Owner and target date are for the organisation to fill in; the CSV and Excel versions of this report are the editable plan.",
        BODY.colour(MUTED),
        0.0,
    );
    let rows: Vec<Vec<Cell>> = report
        .plan
        .iter()
        .map(|p| {
            let steps = p
                .steps
                .iter()
                .map(|s| match s.action {
                    Action::Achieve => format!("• {} {}", s.reference, s.text),
                    Action::Resolve => format!("• Stop being true: {} {}", s.reference, s.text),
                })
                .collect::<Vec<_>>()
                .join("\n");
            vec![
                Cell::styled(format!("{} {}", p.id, p.title), BODY.bold().size(8.5)),
                Cell::status(p.status),
                Cell::new(p.target.label()),
                Cell::styled(steps, BODY.size(8.0)),
                Cell::new(""),
                Cell::new(""),
            ]
        })
        .map(|mut row| {
            for cell in row.iter_mut().skip(1).take(2) {
                cell.style = cell.style.size(8.0);
            }
            row
        })
        .collect();
    l.table(
        Some(&[
            "Outcome",
            "Current",
            "Target",
            "To reach the target",
            "Owner",
            "Target date",
        ]),
        &[1.5, 1.15, 1.15, 4.6, 0.9, 0.9],
        &rows,
    );
}

fn comparison(l: &mut Layout, report: &Report) {
    let Some(cmp) = &report.comparison else {
        return;
    };
    l.new_page();
    let since = cmp
        .previous
        .period
        .clone()
        .unwrap_or_else(|| "the previous assessment".into());
    l.heading(&format!("Changes since {since}"), 1, 60.0);
    let mut intro = format!(
        "Compared with {} ({} v{}",
        cmp.previous.file, cmp.previous.framework.name, cmp.previous.framework.version
    );
    if let Some(period) = &cmp.previous.period {
        intro.push_str(&format!(", {period}"));
    }
    if let Some(date) = &cmp.previous.date {
        intro.push_str(&format!(", assessed {date}"));
    }
    intro.push_str(&format!("), SHA-256 {}.", cmp.previous.sha256));
    if cmp.across_versions {
        intro.push_str(
            " Outcomes are matched through the mapping between the versions; outcomes that were redefined are not compared.",
        );
    }
    l.paragraph(&intro, BODY.colour(MUTED), 0.0);
    if !cmp.previous.same_organisation {
        l.paragraph(
            &format!(
                "Note: the previous assessment is of a different organisation ({}).",
                cmp.previous.organisation
            ),
            BODY.bold(),
            0.0,
        );
    }
    let counts: Vec<Cell> = cmp
        .counts
        .iter()
        .map(|c| Cell::styled(c.count.to_string(), BODY.bold().size(11.0)))
        .collect();
    let labels: Vec<&str> = cmp.counts.iter().map(|c| c.label).collect();
    l.table(Some(&labels), &vec![1.0; labels.len()], &[counts]);

    let rows: Vec<Vec<Cell>> = cmp
        .rows
        .iter()
        .map(|r| {
            let mut previous = match (&r.previous_id, r.previous_status) {
                (None, _) => Cell::new(format!("Not in {}", cmp.previous.framework.id)),
                (Some(_), status) => Cell::optional_status(status),
            };
            if let Some(pid) = r.previous_id.as_ref().filter(|p| **p != r.id) {
                previous.text = format!("{} (as {pid})", previous.text);
            }
            let change_style = match r.change {
                super::Change::Improved => BODY.bold().colour(status_rgb(Status::Achieved)),
                super::Change::Regressed => BODY.bold().colour(status_rgb(Status::NotAchieved)),
                _ => BODY.bold(),
            }
            .size(8.0);
            vec![
                Cell::new(format!("{} {}", r.id, r.title)),
                previous,
                Cell::status(r.status),
                Cell::styled(r.change_label, change_style),
                Cell::styled(&r.note, BODY.size(7.5)),
            ]
        })
        .collect();
    l.table(
        Some(&["Outcome", "Previously", "Now", "Change", "Note"]),
        &[2.3, 1.45, 1.3, 1.6, 2.35],
        &rows,
    );
    if !cmp.removed.is_empty() {
        l.heading("Outcomes no longer in the framework", 3, 30.0);
        for r in &cmp.removed {
            l.paragraph(
                &format!(
                    "{} {} (was {}): {}",
                    r.id,
                    r.title,
                    r.status.label().to_lowercase(),
                    r.note
                ),
                BODY,
                0.0,
            );
        }
    }
}

fn detail(l: &mut Layout, report: &Report) {
    l.new_page();
    l.heading("Outcome detail", 1, 80.0);
    for ob in &report.objectives {
        l.heading(&format!("Objective {}: {}", ob.id, ob.title), 2, 80.0);
        for o in report.outcomes.iter().filter(|o| o.objective == ob.id) {
            // Title bar: id and title, with the status written on its colour.
            let style = BODY.bold().size(10.0);
            l.ensure(22.0 + 60.0);
            l.y -= 8.0;
            let h = 18.0;
            let top = l.y;
            l.rect(LEFT, top - h, WIDTH, h, PANEL);
            let label = o.status_label;
            let pill_w = l.bold.width(label, 8.5) + 12.0;
            l.rect(RIGHT - pill_w, top - h, pill_w, h, status_rgb(o.status));
            l.text_centre(
                RIGHT - pill_w / 2.0,
                top - 12.5,
                label,
                BODY.bold().size(8.5).colour(status_text_rgb(o.status)),
            );
            let title = l.bold.fit(
                &format!("{} {}", o.id, o.title),
                10.0,
                WIDTH - pill_w - 12.0,
            );
            l.text(LEFT + 5.0, top - 12.8, &title, style);
            l.y = top - h - 2.0;

            let target = match (o.target, o.met) {
                (Some(t), Some(true)) => format!("{}: met", t.label()),
                (Some(t), Some(false)) => format!("{}: NOT met", t.label()),
                (Some(t), None) => format!("{}: not yet assessed", t.label()),
                (None, _) => "No target".to_string(),
            };
            let mut facts = vec![("Reason", o.reason.clone()), ("Target", target)];
            if o.overridden {
                facts.push((
                    "Override",
                    format!(
                        "{} instead of {}. Justification: {}",
                        o.status_label,
                        o.computed_status.label().to_lowercase(),
                        o.justification.clone().unwrap_or_default()
                    ),
                ));
            }
            if o.needs_review {
                facts.push((
                    "Review",
                    "Carried forward from an earlier period; not yet confirmed.".to_string(),
                ));
            }
            if let Some(comment) = &o.comment {
                facts.push(("Comment", comment.clone()));
            }
            for e in &o.evidence {
                let text = if e.location.is_empty() {
                    e.title.clone()
                } else {
                    format!("{} ({})", e.title, e.location)
                };
                facts.push(("Evidence", text));
            }
            if !o.suppliers.is_empty() {
                facts.push(("Suppliers", o.suppliers.join(", ")));
            }
            l.facts(&facts, 62.0, BODY.size(8.5));
            l.y -= 3.0;
            let rows: Vec<Vec<Cell>> = o
                .statements
                .iter()
                .map(|s| {
                    let muted = if s.selected { INK } else { MUTED };
                    vec![
                        Cell::styled(&s.reference, BODY.size(7.5).colour(muted)),
                        Cell::styled(
                            super::status_mark(s.level.status()),
                            BODY.size(7.5).colour(muted),
                        ),
                        Cell::styled(&s.text, BODY.size(7.5).colour(muted)),
                        Cell::styled(
                            if s.selected { "Yes" } else { "No" },
                            if s.selected {
                                BODY.bold().size(7.5)
                            } else {
                                BODY.size(7.5).colour(muted)
                            },
                        ),
                    ]
                })
                .collect();
            l.table(
                Some(&["Statement", "Level", "Text", "Selected"]),
                &[1.0, 0.6, 5.8, 0.85],
                &rows,
            );
        }
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
