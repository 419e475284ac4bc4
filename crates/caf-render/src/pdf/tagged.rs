//! The tagged page: what the layout draws, recorded with the place it has in the document's
//! structure, then written as a PDF/UA-1 file by krilla.
//!
//! Recording first, writing later, because the page furniture ("Page n of m") can only be
//! drawn once the page count is known, and krilla writes a page when it is finished. Each
//! drawing is marked either as content of a structure element (a heading, a paragraph, a
//! table cell, a figure) or as an artifact (rules, fills, headers, footers, a table header
//! repeated on a later page), so a screen reader meets the text once, in reading order.
//! Text is one marked run per line, as krilla recommends; the graphics of a figure are one run
//! per page, behind the figure's alternative text.

use std::num::NonZeroU16;

use krilla::color::rgb;
use krilla::configure::{Accessibility, ConfigurationBuilder, Validator};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, ListNumbering, Node as TagNode, SpanTag,
    TableHeaderScope, Tag, TagGroup, TagKind, TagTree,
};
use krilla::{Document, SerializeSettings};

use super::font::Face;
use crate::palette::Rgb8;

/// A4 in points.
pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;

/// The language of every document: the reports are written in British English.
const LANG: &str = "en-GB";

/// A structure element.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Role {
    /// A heading, level 1 to 6, with its text (PDF/UA wants a heading's title).
    Heading(u8, String),
    Paragraph,
    List,
    ListItem,
    Label,
    ListBody,
    Table,
    Row,
    /// A column header cell.
    HeaderCell,
    /// A row header cell (the outcome a heat-map row is about).
    RowHeaderCell,
    Cell,
    /// A chart: its alternative text says what it shows, numbers included.
    Figure(String),
}

/// Why a drawing is not content.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decoration {
    /// Rules, fills and badges: they repeat what the words say.
    Layout,
    /// Headers, footers and page numbers (recorded as one of the next two by height).
    Furniture,
    Header,
    Footer,
    /// A table header drawn again at the top of a later page.
    Repeated,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mark {
    Content(usize),
    Artifact(Decoration),
}

#[derive(Debug, Clone)]
pub(crate) enum Draw {
    /// Text on a baseline (origin bottom-left, in points).
    Text {
        x: f32,
        baseline: f32,
        text: String,
        bold: bool,
        size: f32,
        colour: Rgb8,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb8,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        colour: Rgb8,
        thickness: f32,
    },
}

impl Draw {
    fn is_text(&self) -> bool {
        matches!(self, Draw::Text { .. })
    }

    fn y(&self) -> f32 {
        match self {
            Draw::Text { baseline, .. } => *baseline,
            Draw::Rect { y, .. } => *y,
            Draw::Line { from, .. } => from.1,
        }
    }
}

enum Child {
    Element(usize),
    /// A marked run of content, by index into the canvas's runs.
    Run(usize),
}

struct Element {
    role: Role,
    children: Vec<Child>,
}

/// The pages drawn so far and the structure tree they fill. Element 0 is the document.
pub(crate) struct Canvas {
    pages: Vec<Vec<(Mark, Draw)>>,
    current: Vec<(Mark, Draw)>,
    elements: Vec<Element>,
    /// The open elements, innermost last; never empty.
    open: Vec<usize>,
    decoration: Option<Decoration>,
    runs: usize,
    /// Outline entries: title, page index, height on the page.
    bookmarks: Vec<(String, usize, f32)>,
}

impl Canvas {
    pub(crate) fn new() -> Self {
        Self {
            pages: Vec::new(),
            current: Vec::new(),
            elements: vec![Element {
                role: Role::Paragraph,
                children: Vec::new(),
            }],
            open: vec![0],
            decoration: None,
            runs: 0,
            bookmarks: Vec::new(),
        }
    }

    pub(crate) fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub(crate) fn end_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.current));
    }

    pub(crate) fn bookmark(&mut self, title: &str, y: f32) {
        let page = self.pages.len();
        self.bookmarks.push((title.to_string(), page, y));
    }

    /// A new element, a child of the innermost open one, not opened.
    pub(crate) fn element(&mut self, role: Role) -> usize {
        let id = self.elements.len();
        self.elements.push(Element {
            role,
            children: Vec::new(),
        });
        let parent = *self.open.last().unwrap_or(&0);
        self.elements[parent].children.push(Child::Element(id));
        id
    }

    /// Makes `element` (made with [`Canvas::element`]) the innermost open one.
    pub(crate) fn enter(&mut self, element: usize) {
        self.open.push(element);
    }

    /// Closes the innermost open element (never the document).
    pub(crate) fn leave(&mut self) {
        if self.open.len() > 1 {
            self.open.pop();
        }
    }

    /// Marks what is drawn next as an artifact (or as content, with `None`); returns the
    /// marking it replaces.
    pub(crate) fn decorate(&mut self, decoration: Option<Decoration>) -> Option<Decoration> {
        std::mem::replace(&mut self.decoration, decoration)
    }

    /// Moves what was drawn since the last page ended onto page `index` (page furniture,
    /// drawn once the page count is known).
    pub(crate) fn add_to_page(&mut self, index: usize) {
        if let Some(page) = self.pages.get_mut(index) {
            page.append(&mut self.current);
        } else {
            self.current.clear();
        }
    }

    fn in_figure(&self) -> bool {
        self.open
            .iter()
            .any(|e| matches!(self.elements[*e].role, Role::Figure(_)))
    }

    pub(crate) fn draw(&mut self, draw: Draw) {
        let mark = match self.decoration {
            // A page's header is above its middle, its footer below.
            Some(Decoration::Furniture) if draw.y() > PAGE_H / 2.0 => {
                Mark::Artifact(Decoration::Header)
            }
            Some(Decoration::Furniture) => Mark::Artifact(Decoration::Footer),
            Some(d) => Mark::Artifact(d),
            // Graphics outside a figure only repeat what the text says.
            None if !draw.is_text() && !self.in_figure() => Mark::Artifact(Decoration::Layout),
            None => {
                let parent = *self.open.last().unwrap_or(&0);
                // A figure's graphics continue the run before them on this page.
                let previous = match (self.elements[parent].children.last(), self.current.last()) {
                    (Some(Child::Run(r)), Some((Mark::Content(p), d)))
                        if r == p && !d.is_text() && !draw.is_text() =>
                    {
                        Some(*r)
                    }
                    _ => None,
                };
                Mark::Content(previous.unwrap_or_else(|| {
                    let run = self.runs;
                    self.runs += 1;
                    self.elements[parent].children.push(Child::Run(run));
                    run
                }))
            }
        };
        self.current.push((mark, draw));
    }

    /// Writes the PDF, every page ended.
    pub(crate) fn finish(
        mut self,
        regular: &Face,
        bold: &Face,
        info: DocumentInfo,
    ) -> Result<Vec<u8>, krilla::error::KrillaError> {
        if !self.current.is_empty() || self.pages.is_empty() {
            self.end_page();
        }
        let pages = std::mem::take(&mut self.pages);
        let settings = SerializeSettings {
            configuration: ConfigurationBuilder::new()
                .set_validator(Validator::Ua(Accessibility::UA1))
                .finish()
                .expect("PDF/UA-1 is a valid configuration"),
            enable_tagging: true,
            ..SerializeSettings::default()
        };
        let mut document = Document::new_with(settings);
        let mut ids: Vec<Option<Identifier>> = vec![None; self.runs];
        let size = Size::from_wh(PAGE_W, PAGE_H).expect("A4 is a size");
        for page in &pages {
            let mut pdf_page = document.start_page_with(PageSettings::new(size));
            let mut surface = pdf_page.surface();
            let mut open: Option<Mark> = None;
            for (mark, draw) in page {
                if open != Some(*mark) {
                    if open.is_some() {
                        surface.end_tagged();
                    }
                    let tag = match mark {
                        Mark::Artifact(d) => {
                            ContentTag::Artifact(Artifact::with_kind(artifact_type(*d)))
                        }
                        Mark::Content(_) if draw.is_text() => ContentTag::Span(SpanTag::empty()),
                        Mark::Content(_) => ContentTag::Other,
                    };
                    let id = surface.start_tagged(tag);
                    if let Mark::Content(run) = mark {
                        ids[*run] = Some(id);
                    }
                    open = Some(*mark);
                }
                paint(&mut surface, draw, regular, bold);
            }
            if open.is_some() {
                surface.end_tagged();
            }
            surface.finish();
            pdf_page.finish();
        }

        let mut tree = TagTree::new().with_lang(Some(LANG.to_string()));
        for child in self.elements[0].children.iter() {
            if let Some(node) = self.tag_node(child, &mut ids) {
                tree.push(node);
            }
        }
        document.set_tag_tree(tree);

        let mut outline = Outline::new();
        for (title, page, y) in &self.bookmarks {
            let at = Point::from_xy(0.0, PAGE_H - y);
            outline.push_child(OutlineNode::new(
                title.clone(),
                XyzDestination::new(*page, at),
            ));
        }
        document.set_outline(outline);
        document.set_metadata(info.metadata());
        document.finish()
    }

    fn tag_node(&self, child: &Child, ids: &mut [Option<Identifier>]) -> Option<TagNode> {
        match child {
            Child::Run(run) => ids.get_mut(*run)?.take().map(TagNode::Leaf),
            Child::Element(e) => {
                let element = &self.elements[*e];
                let children: Vec<TagNode> = element
                    .children
                    .iter()
                    .filter_map(|c| self.tag_node(c, ids))
                    .collect();
                // An element with nothing drawn in it has no place in the tree, but for a
                // table's empty cell: it still holds its column, or the rows would differ in
                // length and the grid not close (PDF/UA-1 7.5).
                let cell = matches!(
                    element.role,
                    Role::Cell | Role::HeaderCell | Role::RowHeaderCell
                );
                (cell || !children.is_empty())
                    .then(|| TagGroup::with_children(tag_kind(&element.role), children).into())
            }
        }
    }
}

fn tag_kind(role: &Role) -> TagKind {
    match role {
        Role::Heading(level, title) => Tag::Hn(
            NonZeroU16::new(u16::from((*level).clamp(1, 6))).unwrap_or(NonZeroU16::MIN),
            Some(title.clone()),
        )
        .into(),
        Role::Paragraph => Tag::P.into(),
        Role::List => Tag::L(ListNumbering::None).into(),
        Role::ListItem => Tag::LI.into(),
        Role::Label => Tag::Lbl.into(),
        Role::ListBody => Tag::LBody.into(),
        Role::Table => Tag::Table.into(),
        Role::Row => Tag::TR.into(),
        Role::HeaderCell => Tag::TH(TableHeaderScope::Column).into(),
        Role::RowHeaderCell => Tag::TH(TableHeaderScope::Row).into(),
        Role::Cell => Tag::TD.into(),
        Role::Figure(alt) => Tag::Figure(Some(alt.clone())).into(),
    }
}

fn artifact_type(decoration: Decoration) -> ArtifactType {
    match decoration {
        Decoration::Layout => ArtifactType::Layout,
        Decoration::Repeated => ArtifactType::PaginationOther,
        Decoration::Header | Decoration::Furniture => ArtifactType::Header,
        Decoration::Footer => ArtifactType::Footer,
    }
}

fn fill((r, g, b): Rgb8) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// Draws one recorded drawing; the recording's origin is bottom-left, krilla's top-left.
fn paint(surface: &mut Surface, draw: &Draw, regular: &Face, bold: &Face) {
    match draw {
        Draw::Text {
            x,
            baseline,
            text,
            bold: is_bold,
            size,
            colour,
        } => {
            let face = if *is_bold { bold } else { regular };
            let (drawn, glyphs) = face.shape(text);
            surface.set_stroke(None);
            surface.set_fill(Some(fill(*colour)));
            surface.draw_glyphs(
                Point::from_xy(*x, PAGE_H - baseline),
                &glyphs,
                face.pdf.clone(),
                &drawn,
                *size,
                false,
            );
        }
        Draw::Rect {
            x,
            y,
            w,
            h,
            fill: f,
        } => {
            let Some(rect) = Rect::from_xywh(*x, PAGE_H - y - h, w.max(0.01), h.max(0.01)) else {
                return;
            };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(*f)));
                surface.draw_path(&path);
            }
        }
        Draw::Line {
            from,
            to,
            colour: (r, g, b),
            thickness,
        } => {
            let mut path = PathBuilder::new();
            path.move_to(from.0, PAGE_H - from.1);
            path.line_to(to.0, PAGE_H - to.1);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(*r, *g, *b).into(),
                    width: *thickness,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
        }
    }
}

/// The document information every PDF carries.
pub(crate) struct DocumentInfo {
    pub(crate) title: String,
    pub(crate) author: Option<String>,
    pub(crate) subject: String,
    pub(crate) generator: String,
    /// `YYYY-MM-DD`: the assessment's date, not the clock, so the same input gives the same file.
    pub(crate) date: Option<String>,
}

impl DocumentInfo {
    fn metadata(self) -> Metadata {
        let mut metadata = Metadata::new()
            .title(self.title)
            .language(LANG.to_string())
            .description(self.subject)
            .creator(self.generator.clone())
            .producer(self.generator);
        if let Some(author) = self.author.filter(|a| !a.is_empty()) {
            metadata = metadata.authors(vec![author]);
        }
        if let Some(date) = self.date.as_deref().and_then(parse_date) {
            metadata = metadata.creation_date(date);
        }
        metadata
    }
}

fn parse_date(text: &str) -> Option<DateTime> {
    let mut parts = text.splitn(3, '-');
    let year: u16 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.get(..2)?.parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| DateTime::new(year).month(month).day(day))
}
