//! Text layout for everything marque draws itself (kit fields, social cards, map
//! labels, brand guides): parley does the work a browser would do (bidi by UAX #9, line
//! breaking by UAX #14, shaping through harfrust, fallback from one brand family to the
//! next), with each face's real ascent, descent and line gap. The result is drawn as
//! glyph outlines, so that every renderer, PNG or PDF, shows the same thing.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use parley::fontique::{Blob, Collection, CollectionOptions};
use parley::{
    Alignment, AlignmentOptions, BaseDirection, FontContext, FontFamily, FontWeight, LayoutContext,
    LineBreakContext, LineHeight, PositionedLayoutItem, StyleProperty,
};
use skrifa::MetadataProvider;
use skrifa::outline::{DrawSettings, OutlinePen};

/// The direction a paragraph is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From its first strong character.
    Auto,
    /// Left to right.
    Ltr,
    /// Right to left.
    Rtl,
}

/// True when `text` has a character of a right-to-left script (Hebrew, Arabic, Syriac,
/// Thaana, N'Ko and their presentation forms).
pub fn has_rtl(text: &str) -> bool {
    text.chars().any(|c| {
        let u = c as u32;
        (0x0590..=0x08FF).contains(&u)
            || (0xFB1D..=0xFDFF).contains(&u)
            || (0xFE70..=0xFEFF).contains(&u)
    })
}

impl Direction {
    /// The direction of a language's script (`ar`, `he`, `fa`, `ur` are right to left).
    pub fn of_language(lang: &str) -> Direction {
        let base = lang.split(['-', '_']).next().unwrap_or("");
        if ["ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"].contains(&base) {
            Direction::Rtl
        } else {
            Direction::Ltr
        }
    }
}

/// How a text is set.
#[derive(Debug, Clone, Copy)]
pub struct TextStyle<'a> {
    /// Brand family asked for; the other brand families are its fallbacks.
    pub family: &'a str,
    /// Font weight.
    pub weight: u16,
    /// Font size, in the drawing's units.
    pub size: f32,
    /// Distance between baselines, × the size (CSS's unitless `line-height`); lines
    /// are moved apart further when their ink would touch.
    pub line_height: f32,
    /// Paragraph direction.
    pub direction: Direction,
}

/// One run of glyphs of one face, in visual order.
#[derive(Debug, Clone)]
pub struct GlyphRun {
    /// Index of the face in the font set.
    pub face: usize,
    /// Font size.
    pub size: f32,
    /// Glyph id and position: x from the line's left, y below the baseline.
    pub glyphs: Vec<(u32, f32, f32)>,
    /// Left edge of the run on its line.
    pub x: f32,
    /// Width of the run.
    pub advance: f32,
    /// The characters it draws, in the text.
    pub text: Range<usize>,
    /// Right to left.
    pub rtl: bool,
}

/// One line of a laid-out text.
#[derive(Debug, Clone)]
pub struct TextLine {
    /// Its runs, left to right.
    pub runs: Vec<GlyphRun>,
    /// Left edge of its visible content (trailing spaces left out).
    pub left: f32,
    /// Width of its visible content.
    pub width: f32,
    /// Baseline, from the top of the block.
    pub baseline: f32,
    /// Highest ink above the baseline (positive up).
    pub ink_top: f32,
    /// Lowest ink below the baseline (positive down).
    pub ink_bottom: f32,
    /// The characters on the line, in the text.
    pub text: Range<usize>,
}

/// A laid-out text: lines with their glyphs, and the block's size.
#[derive(Debug, Clone)]
pub struct TextBlock {
    /// The text laid out.
    pub text: String,
    /// Its lines, top to bottom.
    pub lines: Vec<TextLine>,
    /// Height of the block: line boxes, grown where ink reaches past them.
    pub height: f32,
    /// Widest visible line.
    pub width: f32,
    /// The paragraph direction it was set in.
    pub rtl: bool,
}

/// Horizontal alignment in a box; `Start` and `End` follow the paragraph direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// At the start edge (left in LTR, right in RTL).
    Start,
    /// Centred.
    Middle,
    /// At the end edge.
    End,
}

impl Align {
    /// Start for end and end for start: the alignment of a left-to-right text set in a
    /// right-to-left page, or the other way round.
    pub fn mirror(self) -> Align {
        match self {
            Align::Start => Align::End,
            Align::End => Align::Start,
            Align::Middle => Align::Middle,
        }
    }

    /// `start`, `middle` or `end`; anything else is `start`.
    pub fn parse(s: &str) -> Align {
        match s {
            "middle" | "center" => Align::Middle,
            "end" => Align::End,
            _ => Align::Start,
        }
    }
}

/// A glyph's outline in font units (y up) and its bounds.
struct Outline {
    path: Vec<Segment>,
    /// x0, y0, x1, y1
    bounds: [f32; 4],
}

#[derive(Clone, Copy)]
enum Segment {
    Move(f32, f32),
    Line(f32, f32),
    Quad(f32, f32, f32, f32),
    Cubic(f32, f32, f32, f32, f32, f32),
    Close,
}

struct Pen<'a>(&'a mut Vec<Segment>);

impl OutlinePen for Pen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.push(Segment::Move(x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.push(Segment::Line(x, y));
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        self.0.push(Segment::Quad(cx0, cy0, x, y));
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        self.0.push(Segment::Cubic(cx0, cy0, cx1, cy1, x, y));
    }
    fn close(&mut self) {
        self.0.push(Segment::Close);
    }
}

/// What a line draws: its runs, its ink above and below the baseline, and the left and
/// right of what is seen.
struct Ink {
    runs: Vec<GlyphRun>,
    top: f32,
    bottom: f32,
    lo: f32,
    hi: f32,
}

/// One face of the set, as parley and the outline reader see it.
#[derive(Clone)]
pub(crate) struct Face {
    blob: Blob<u8>,
    index: u32,
    /// Family name.
    pub(crate) family: String,
    units_per_em: f32,
}

/// Reusable layout state: parley's font and layout contexts and the outlines read.
struct Setter {
    fcx: FontContext,
    lcx: LayoutContext<()>,
    outlines: HashMap<(usize, u32), Arc<Outline>>,
}

/// The brand faces for layout, and a pool of layout states (one per thread at work).
#[derive(Clone)]
pub(crate) struct Typesetter {
    faces: Arc<Vec<Face>>,
    /// Families in the order fonts were given: the fallback order.
    families: Arc<Vec<String>>,
    pool: Arc<Mutex<Vec<Setter>>>,
}

/// No line break around an en dash between two numbers (`27 – 29`, `2023–2024`), nor
/// after a dash, so that a dash never ends a line.
fn break_override(cx: LineBreakContext) -> Option<bool> {
    const DASHES: [char; 3] = ['–', '—', '-'];
    if DASHES.contains(&cx.before) && cx.after != ' ' {
        return Some(false);
    }
    if cx.before == ' ' && cx.before_before.is_some_and(|c| DASHES.contains(&c)) {
        return Some(false);
    }
    if cx.before == ' '
        && DASHES.contains(&cx.after)
        && cx.before_before.is_some_and(|c| c.is_numeric())
    {
        return Some(false);
    }
    None
}

static BREAKS: &parley::LineBreakOverrideFn =
    &(break_override as fn(LineBreakContext) -> Option<bool>);

impl Typesetter {
    /// The faces of `files` (each may hold several); fails naming a file parley cannot
    /// read.
    pub(crate) fn new(files: &[(String, Arc<Vec<u8>>)]) -> Result<Typesetter, String> {
        let mut faces = Vec::new();
        let mut families: Vec<String> = Vec::new();
        let mut collection = Collection::new(CollectionOptions {
            shared: false,
            system_fonts: false,
        });
        for (name, bytes) in files {
            let blob = Blob::new(bytes.clone() as Arc<dyn AsRef<[u8]> + Send + Sync>);
            let found = collection.register_fonts(blob.clone(), None);
            if found.is_empty() {
                return Err(format!("'{name}' is not an OpenType or TrueType font"));
            }
            for (family, infos) in found {
                let family = collection
                    .family_name(family)
                    .unwrap_or_default()
                    .to_string();
                for info in infos {
                    let upem = skrifa::FontRef::from_index(bytes, info.index())
                        .map(|f| {
                            f.metrics(
                                skrifa::instance::Size::unscaled(),
                                skrifa::instance::LocationRef::default(),
                            )
                            .units_per_em
                        })
                        .map_err(|e| format!("'{name}' cannot be read ({e})"))?;
                    faces.push(Face {
                        blob: blob.clone(),
                        index: info.index(),
                        family: family.clone(),
                        units_per_em: upem.max(1) as f32,
                    });
                }
                if !families.contains(&family) {
                    families.push(family);
                }
            }
        }
        Ok(Typesetter {
            faces: Arc::new(faces),
            families: Arc::new(families),
            pool: Arc::new(Mutex::new(Vec::new())),
        })
    }

    fn setter(&self) -> Setter {
        if let Some(s) = self.pool.lock().ok().and_then(|mut p| p.pop()) {
            return s;
        }
        let mut collection = Collection::new(CollectionOptions {
            shared: false,
            system_fonts: false,
        });
        let mut seen = Vec::new();
        for f in self.faces.iter() {
            if !seen.contains(&f.blob.id()) {
                seen.push(f.blob.id());
                collection.register_fonts(f.blob.clone(), None);
            }
        }
        Setter {
            fcx: FontContext {
                collection,
                source_cache: Default::default(),
            },
            lcx: LayoutContext::new(),
            outlines: HashMap::new(),
        }
    }

    fn give_back(&self, s: Setter) {
        if let Ok(mut p) = self.pool.lock() {
            p.push(s);
        }
    }

    fn face_of(&self, font: &parley::FontData) -> Option<usize> {
        self.faces
            .iter()
            .position(|f| f.blob.id() == font.data.id() && f.index == font.index)
    }

    /// The family name of face `i`.
    pub(crate) fn family(&self, face: usize) -> &str {
        self.faces
            .get(face)
            .map(|f| f.family.as_str())
            .unwrap_or("")
    }

    /// Lays `text` out in lines no wider than `max_width` (one line per paragraph
    /// when None).
    pub(crate) fn layout(
        &self,
        text: &str,
        style: &TextStyle,
        max_width: Option<f32>,
    ) -> TextBlock {
        let mut s = self.setter();
        let block = self.layout_with(&mut s, text, style, max_width);
        self.give_back(s);
        block
    }

    fn layout_with(
        &self,
        s: &mut Setter,
        text: &str,
        style: &TextStyle,
        max_width: Option<f32>,
    ) -> TextBlock {
        // The family asked for first, then every other brand family.
        let mut stack = vec![format!("\"{}\"", style.family.replace('"', ""))];
        stack.extend(
            self.families
                .iter()
                .filter(|f| f.as_str() != style.family)
                .map(|f| format!("\"{}\"", f.replace('"', ""))),
        );
        let stack = stack.join(", ");
        let size = style.size.max(0.01);
        let mut b = s.lcx.ranged_builder(&mut s.fcx, text, 1.0, false);
        b.push_default(StyleProperty::FontFamily(FontFamily::from(stack.as_str())));
        b.push_default(StyleProperty::FontSize(size));
        b.push_default(StyleProperty::FontWeight(FontWeight::new(
            style.weight as f32,
        )));
        b.push_default(StyleProperty::LineHeight(LineHeight::FontSizeRelative(
            style.line_height,
        )));
        b.set_base_direction(match style.direction {
            Direction::Auto => BaseDirection::Auto,
            Direction::Ltr => BaseDirection::Ltr,
            Direction::Rtl => BaseDirection::Rtl,
        });
        b.set_line_break_override(Some(BREAKS));
        let mut layout = b.build(text);
        layout.break_all_lines(max_width);
        layout.align(Alignment::Left, AlignmentOptions::default());
        let rtl = layout.is_rtl();
        let mut lines = Vec::new();
        // Lines move down when their ink would touch the line above; `shift` is how far.
        let mut shift = 0.0f32;
        let mut height = 0.0f32;
        let gap = 0.12 * size;
        for line in layout.lines() {
            let m = line.metrics();
            let Ink {
                runs,
                top: ink_top,
                bottom: ink_bottom,
                mut lo,
                mut hi,
            } = self.line_ink(s, text, &line);
            if lo > hi {
                (lo, hi) = (m.offset, m.offset);
            }
            let mut baseline = m.baseline + shift;
            if let Some(prev) = lines.last() {
                let prev: &TextLine = prev;
                let need = prev.baseline + prev.ink_bottom + gap + ink_top;
                if need > baseline {
                    shift += need - baseline;
                    baseline = need;
                }
            } else if ink_top > baseline {
                shift += ink_top - baseline;
                baseline = ink_top;
            }
            height = (m.block_max_coord + shift).max(baseline + ink_bottom);
            lines.push(TextLine {
                runs,
                left: lo,
                width: hi - lo,
                baseline,
                ink_top,
                ink_bottom,
                text: line.text_range(),
            });
        }
        TextBlock {
            text: text.to_string(),
            width: lines.iter().map(|l| l.width).fold(0.0, f32::max),
            lines,
            height,
            rtl,
        }
    }

    /// A line's glyph runs, the reach of their ink above and below the baseline, and
    /// the extent of what is seen of it (trailing spaces left out).
    fn line_ink(&self, s: &mut Setter, text: &str, line: &parley::layout::Line<'_, ()>) -> Ink {
        let mut runs = Vec::new();
        let (mut ink_top, mut ink_bottom) = (0.0f32, 0.0f32);
        // Trailing spaces are laid out but not seen: the visible extent leaves them
        // out, so that aligned lines meet the box's edge with their ink.
        let range = line.text_range();
        let last = text[range.clone()]
            .char_indices()
            .rev()
            .find(|(_, c)| *c != '\n' && *c != '\r')
            .map(|(i, c)| (range.start + i, c.is_whitespace()));
        let trailing = text[range.clone()]
            .trim_end_matches(['\n', '\r'])
            .chars()
            .rev()
            .take_while(|c| c.is_whitespace())
            .count();
        let (mut lo, mut hi) = (f32::MAX, f32::MIN);
        for item in line.items() {
            let PositionedLayoutItem::GlyphRun(g) = item else {
                continue;
            };
            let run = g.run();
            let Some(face) = self.face_of(run.font()) else {
                continue;
            };
            let upem = self.faces[face].units_per_em;
            let scale = run.font_size() / upem;
            let mut glyphs = Vec::new();
            let mut extents = Vec::new();
            for gl in g.positioned_glyphs() {
                let o = self.outline(s, face, gl.id);
                let dy = gl.y - g.baseline();
                if o.bounds[2] > o.bounds[0] {
                    ink_top = ink_top.max(o.bounds[3] * scale - dy);
                    ink_bottom = ink_bottom.max(-o.bounds[1] * scale + dy);
                }
                glyphs.push((gl.id, gl.x, dy));
                extents.push((gl.x, gl.x + gl.advance));
            }
            let holds_spaces = matches!(last, Some((i, true)) if run.text_range().contains(&i));
            let n = extents.len();
            for (k, (a, b)) in extents.into_iter().enumerate() {
                // The run's logical end is its right in LTR, its left in RTL.
                let logical = if run.is_rtl() { n - 1 - k } else { k };
                if holds_spaces && logical + trailing >= n {
                    continue;
                }
                lo = lo.min(a);
                hi = hi.max(b);
            }
            runs.push(GlyphRun {
                face,
                size: run.font_size(),
                glyphs,
                x: g.offset(),
                advance: g.advance(),
                text: run.text_range(),
                rtl: run.is_rtl(),
            });
        }
        Ink {
            runs,
            top: ink_top,
            bottom: ink_bottom,
            lo,
            hi,
        }
    }

    fn outline(&self, s: &mut Setter, face: usize, glyph: u32) -> Arc<Outline> {
        if let Some(o) = s.outlines.get(&(face, glyph)) {
            return o.clone();
        }
        let f = &self.faces[face];
        let mut path = Vec::new();
        if let Ok(font) = skrifa::FontRef::from_index(f.blob.data(), f.index)
            && let Some(g) = font.outline_glyphs().get(skrifa::GlyphId::new(glyph))
        {
            let settings = DrawSettings::unhinted(
                skrifa::instance::Size::unscaled(),
                skrifa::instance::LocationRef::default(),
            );
            if g.draw(settings, &mut Pen(&mut path)).is_err() {
                path.clear();
            }
        }
        let mut bounds = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        for seg in &path {
            let pts: &[f32] = match seg {
                Segment::Move(x, y) | Segment::Line(x, y) => &[*x, *y],
                Segment::Quad(a, b, x, y) => &[*a, *b, *x, *y],
                Segment::Cubic(a, b, c, d, x, y) => &[*a, *b, *c, *d, *x, *y],
                Segment::Close => &[],
            };
            for p in pts.chunks(2) {
                bounds[0] = bounds[0].min(p[0]);
                bounds[1] = bounds[1].min(p[1]);
                bounds[2] = bounds[2].max(p[0]);
                bounds[3] = bounds[3].max(p[1]);
            }
        }
        if path.is_empty() {
            bounds = [0.0; 4];
        }
        let o = Arc::new(Outline { path, bounds });
        s.outlines.insert((face, glyph), o.clone());
        o
    }

    /// The block's glyph outlines as one SVG path per line, its box's left edge at `x`,
    /// its top at `y`, `width` wide for the alignment. `attrs` go on every path.
    pub(crate) fn draw(
        &self,
        block: &TextBlock,
        x: f32,
        y: f32,
        width: f32,
        align: Align,
        attrs: &str,
    ) -> String {
        let mut s = self.setter();
        let mut out = String::new();
        for line in &block.lines {
            let dx = line_x(block, line, x, width, align);
            let mut d = String::new();
            for run in &line.runs {
                let scale = run.size / self.faces[run.face].units_per_em;
                for &(id, gx, gy) in &run.glyphs {
                    let o = self.outline(&mut s, run.face, id);
                    let (ox, oy) = (dx + gx, y + line.baseline + gy);
                    push_path(&mut d, &o.path, ox, oy, scale);
                }
            }
            if !d.is_empty() {
                out.push_str(&format!(r#"<path d="{}" {attrs}/>"#, d.trim_end()));
            }
        }
        self.give_back(s);
        out
    }
}

/// Where a line's left edge goes in a box at `x`, `width` wide.
pub(crate) fn line_x(block: &TextBlock, line: &TextLine, x: f32, width: f32, align: Align) -> f32 {
    let left_aligned = match (align, block.rtl) {
        (Align::Middle, _) => None,
        (Align::Start, false) | (Align::End, true) => Some(true),
        _ => Some(false),
    };
    match left_aligned {
        None => x + (width - line.width) / 2.0 - line.left,
        Some(true) => x - line.left,
        Some(false) => x + width - line.width - line.left,
    }
}

fn num(out: &mut String, v: f32) {
    // Two decimals, without a trailing zero or a negative zero. Glyph outlines write
    // millions of these: hundredths are written as an integer, without float formatting.
    let hundredths = (v * 100.0).round();
    if hundredths.is_nan() || hundredths.abs() >= 16_777_216.0 {
        // Beyond f32's exact integers (or not a number): the general formatting.
        let v = hundredths / 100.0;
        let v = if v == 0.0 { 0.0 } else { v };
        let s = format!("{v:.2}");
        out.push_str(s.trim_end_matches('0').trim_end_matches('.'));
        out.push(' ');
        return;
    }
    let n = hundredths as i32;
    if n < 0 {
        out.push('-');
    }
    let (whole, frac) = (n.unsigned_abs() / 100, n.unsigned_abs() % 100);
    use std::fmt::Write;
    let _ = write!(out, "{whole}");
    if frac != 0 {
        out.push('.');
        out.push(char::from(b'0' + (frac / 10) as u8));
        if frac % 10 != 0 {
            out.push(char::from(b'0' + (frac % 10) as u8));
        }
    }
    out.push(' ');
}

fn push_path(d: &mut String, path: &[Segment], ox: f32, oy: f32, scale: f32) {
    let px = |x: f32| ox + x * scale;
    let py = |y: f32| oy - y * scale;
    for seg in path {
        match *seg {
            Segment::Move(x, y) => {
                d.push('M');
                num(d, px(x));
                num(d, py(y));
            }
            Segment::Line(x, y) => {
                d.push('L');
                num(d, px(x));
                num(d, py(y));
            }
            Segment::Quad(a, b, x, y) => {
                d.push('Q');
                for (u, v) in [(a, b), (x, y)] {
                    num(d, px(u));
                    num(d, py(v));
                }
            }
            Segment::Cubic(a, b, c, e, x, y) => {
                d.push('C');
                for (u, v) in [(a, b), (c, e), (x, y)] {
                    num(d, px(u));
                    num(d, py(v));
                }
            }
            Segment::Close => d.push_str("Z "),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_written_like_the_general_formatting() {
        for v in [
            0.0f32, -0.0, -0.004, 0.004, 0.005, 1.0, 1.5, -1.25, 12.3456, -99.999, 1234.5, 0.1,
            0.01, 1e9, -3e8, 16777.215, 8388607.5,
        ] {
            let mut fast = String::new();
            super::num(&mut fast, v);
            let r = (v * 100.0).round() / 100.0;
            let r = if r == 0.0 { 0.0 } else { r };
            let s = format!("{r:.2}");
            let want = format!("{} ", s.trim_end_matches('0').trim_end_matches('.'));
            assert_eq!(fast, want, "{v}");
        }
    }

    use super::*;
    use crate::svg::Fonts;

    pub(super) fn fonts() -> Fonts {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../brand/fonts");
        let files: Vec<(String, Arc<Vec<u8>>)> = [
            "Inter-Regular.ttf",
            "Inter-Bold.ttf",
            "NotoSansArabic-Regular.ttf",
            "NotoSansArabic-Bold.ttf",
        ]
        .iter()
        .map(|n| (n.to_string(), Arc::new(std::fs::read(dir.join(n)).unwrap())))
        .collect();
        Fonts::new(&files, "Inter").unwrap()
    }

    fn style(size: f32, direction: Direction) -> TextStyle<'static> {
        TextStyle {
            family: "Inter",
            weight: 700,
            size,
            line_height: 1.15,
            direction,
        }
    }

    /// Where each of `words` is drawn: the left edge of the run that holds it.
    fn x_of(block: &TextBlock, word: &str) -> f32 {
        let at = block.text.find(word).unwrap();
        for line in &block.lines {
            for run in &line.runs {
                if run.text.contains(&at) {
                    // Within a run, glyphs are in visual order; the word's glyphs are
                    // found by the run's direction and its share of the run.
                    let share = (at - run.text.start) as f32 / run.text.len().max(1) as f32;
                    return if run.rtl {
                        run.x + run.advance * (1.0 - share)
                    } else {
                        run.x + run.advance * share
                    };
                }
            }
        }
        panic!("{word} not drawn");
    }

    #[test]
    fn can_set_an_arabic_date_line_in_reading_order() {
        let f = fonts();
        // The kit's README has the text in logical order; read right to left, the
        // drawn line must give the same order.
        let text = "27 يوليو – 11 أغسطس 2024 · 29 أغسطس – 8 سبتمبر 2024";
        let block = f.layout(text, &style(40.0, Direction::Rtl), None);
        assert!(block.rtl);
        assert_eq!(block.lines.len(), 1);
        let words = [
            "27",
            "يوليو",
            "11",
            "أغسطس 2024",
            "29",
            "8 سبتمبر",
            "سبتمبر 2024",
        ];
        let xs: Vec<f32> = words.iter().map(|w| x_of(&block, w)).collect();
        for (i, pair) in xs.windows(2).enumerate() {
            assert!(
                pair[0] > pair[1],
                "{} must be right of {}: {xs:?}",
                words[i],
                words[i + 1]
            );
        }
        // Numbers stay left to right inside: "2024" is drawn as 2, 0, 2, 4.
        let line = &block.lines[0];
        let run = line
            .runs
            .iter()
            .find(|r| &block.text[r.text.clone()] == "2024")
            .expect("2024 is a run of its own");
        assert!(!run.rtl);
        // The same words in French, left to right.
        let fr = f.layout(
            "27 juillet – 11 août 2024",
            &style(40.0, Direction::Ltr),
            None,
        );
        assert!(x_of(&fr, "27") < x_of(&fr, "juillet") && x_of(&fr, "juillet") < x_of(&fr, "11"));
    }

    #[test]
    fn can_keep_the_ink_of_lines_apart() {
        let f = fonts();
        // Arabic marks reach far below the baseline: the line below moves down.
        let text = "نادي فرنسا في حديقة لا فيليت مع المقاطعة";
        let block = f.layout(text, &style(40.0, Direction::Rtl), Some(260.0));
        assert!(block.lines.len() >= 2, "{block:?}");
        for pair in block.lines.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                a.baseline + a.ink_bottom < b.baseline - b.ink_top,
                "ink overlaps: {} + {} vs {} - {}",
                a.baseline,
                a.ink_bottom,
                b.baseline,
                b.ink_top
            );
            assert!(b.baseline - a.baseline >= 40.0 * 1.15 - 0.01);
        }
        // The block holds its ink.
        let first = &block.lines[0];
        let last = block.lines.last().unwrap();
        assert!(first.baseline >= first.ink_top);
        assert!(block.height >= last.baseline + last.ink_bottom);
        // Latin lines keep the line height asked for.
        let fr = f.layout(
            "Une Provence ouverte sur le monde",
            &style(40.0, Direction::Ltr),
            Some(300.0),
        );
        assert!(fr.lines.len() >= 2);
        let pitch = fr.lines[1].baseline - fr.lines[0].baseline;
        assert!((pitch - 46.0).abs() < 0.5, "{pitch}");
    }

    #[test]
    fn never_breaks_at_an_en_dash_between_numbers() {
        let f = fonts();
        for width in [60.0, 90.0, 120.0, 150.0, 200.0] {
            for text in [
                "du 27 – 29 septembre 2024",
                "les saisons 2023–2024 et après",
                "juillet – août – septembre",
            ] {
                let block = f.layout(text, &style(20.0, Direction::Ltr), Some(width));
                for line in &block.lines {
                    let t = block.text[line.text.clone()].trim();
                    assert!(!t.ends_with('–'), "a dash ends the line {t:?} at {width}");
                    assert!(
                        !t.ends_with("27") && !t.ends_with("2023"),
                        "{t:?} at {width}"
                    );
                }
            }
        }
    }

    #[test]
    fn draws_outlines_that_every_renderer_shows_alike() {
        let f = fonts();
        let block = f.layout("Marseille مرسيليا", &style(50.0, Direction::Ltr), None);
        let svg = f.draw(
            &block,
            (10.0, 10.0),
            600.0,
            Align::Start,
            r##"fill="#123456""##,
        );
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(!svg.contains("<text"));
        // Drawn twice, the same bytes.
        assert_eq!(
            svg,
            f.draw(
                &block,
                (10.0, 10.0),
                600.0,
                Align::Start,
                r##"fill="#123456""##
            )
        );
        // The ink is where the layout says: the path starts near the box's left edge.
        let first_x: f32 = svg
            .split("M")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!((10.0..20.0).contains(&first_x), "{first_x}");
        // Centred text is centred.
        let c = f.draw(&block, (0.0, 0.0), 1000.0, Align::Middle, "");
        let xs: Vec<f32> = c
            .split(|ch: char| ch.is_ascii_alphabetic() || ch == '"' || ch == '=')
            .flat_map(|s| {
                s.split_whitespace()
                    .filter_map(|v| v.parse::<f32>().ok())
                    .collect::<Vec<_>>()
                    .chunks(2)
                    .map(|p| p[0])
                    .collect::<Vec<_>>()
            })
            .collect();
        let (lo, hi) = (
            xs.iter().cloned().fold(f32::MAX, f32::min),
            xs.iter().cloned().fold(f32::MIN, f32::max),
        );
        assert!(((lo + hi) / 2.0 - 500.0).abs() < 3.0, "{lo} {hi}");
    }
}
