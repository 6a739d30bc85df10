//! SVG in, partner files out: sanitising (no scripts, no event handlers, no external
//! references), parsing with the brand fonts only, normalised SVG with text turned into
//! outlines, transparent PNGs and vector PDFs.

use std::sync::Arc;

use usvg::fontdb;

pub use usvg::Tree;

/// A problem in an SVG file, with its position when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvgError {
    /// What is wrong.
    pub message: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
}

impl std::fmt::Display for SvgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A sanitised SVG and what was taken out of it.
#[derive(Debug, Clone)]
pub struct Sanitized {
    /// The SVG text without anything active or external.
    pub svg: String,
    /// One line per removed thing (`<script> element`, `onload attribute on <svg>`).
    pub removed: Vec<String>,
}

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Elements that run code or pull in other documents: removed with everything inside.
const ACTIVE_ELEMENTS: &[&str] = &[
    "script",
    "foreignObject",
    "handler",
    "listener",
    "iframe",
    "embed",
    "object",
];

/// True for a reference that stays inside the document (or is an inline raster image).
fn is_local_reference(v: &str) -> bool {
    let v = v.trim();
    v.starts_with('#')
        || [
            "data:image/png",
            "data:image/jpeg",
            "data:image/jpg",
            "data:image/gif",
            "data:image/webp",
        ]
        .iter()
        .any(|p| v.to_ascii_lowercase().starts_with(p))
}

/// `url(...)` values that point outside the document.
fn has_external_url(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    if lower.contains("@import") || lower.contains("javascript:") {
        return true;
    }
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("url(") {
        let after = rest[i + 4..].trim_start().trim_start_matches(['"', '\'']);
        if !is_local_reference(after) {
            return true;
        }
        rest = &rest[i + 4..];
    }
    false
}

fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Refuses an SVG larger, more deeply nested or with more elements than any real
/// drawing (see [`marque_project::limits`]), before anything parses it: the parsers
/// and renderers walk elements recursively, and a hostile file must not exhaust the
/// stack or the memory. A quick scan of the tags, quoted values and comments.
pub fn check_shape(text: &str) -> Result<(), SvgError> {
    use marque_project::limits::{SVG, SVG_DEPTH, SVG_NODES};
    let too = |message: String, at: usize| {
        let line = text.as_bytes()[..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Err(SvgError {
            message,
            line,
            column: 0,
        })
    };
    if text.len() as u64 > SVG.bytes {
        return too(
            format!(
                "the SVG is {}, over marque's limit of {} for an SVG: simplify the drawing",
                marque_project::source::human_size(text.len() as u64),
                marque_project::source::human_size(SVG.bytes)
            ),
            0,
        );
    }
    let b = text.as_bytes();
    let (mut depth, mut elements, mut i) = (0usize, 0u32, 0usize);
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &b[i..];
        let skip_to = |end: &[u8]| {
            rest.windows(end.len())
                .position(|w| w == end)
                .map_or(b.len(), |p| i + p + end.len())
        };
        if rest.starts_with(b"<!--") {
            i = skip_to(b"-->");
        } else if rest.starts_with(b"<![CDATA[") {
            i = skip_to(b"]]>");
        } else if rest.starts_with(b"<?") {
            i = skip_to(b"?>");
        } else if rest.starts_with(b"<!") {
            // A DTD: skip to its end, over its internal subset and its quoted values.
            // An entity whose value holds markup would add elements this scan does not
            // see: drawings never need one.
            match markup_end(b, i + 2, true) {
                Ok(j) => i = j + 1,
                Err(()) => {
                    return too(
                        "the SVG declares an entity that holds elements: write the elements out instead".into(),
                        i,
                    );
                }
            }
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            i = skip_to(b">");
        } else {
            // An opening tag: find its end outside quoted values.
            let start = i;
            let j = markup_end(b, i + 1, false).unwrap_or(b.len());
            elements += 1;
            if elements > SVG_NODES {
                return too(
                    format!("the SVG has more than {SVG_NODES} elements: simplify the drawing"),
                    start,
                );
            }
            if j < b.len() && b[j - 1] != b'/' {
                depth += 1;
                if depth > SVG_DEPTH {
                    return too(
                        format!(
                            "the SVG nests its elements more than {SVG_DEPTH} deep: flatten its groups"
                        ),
                        start,
                    );
                }
            }
            i = j + 1;
        }
    }
    Ok(())
}

/// Refuses a parsed document nested deeper than [`marque_project::limits::SVG_DEPTH`]
/// (measured without recursion), before anything walks it recursively.
fn check_depth(doc: &roxmltree::Document) -> Result<(), SvgError> {
    let limit = marque_project::limits::SVG_DEPTH;
    // Nodes come parents first: each one's depth is its parent's plus one.
    let mut depth = vec![0usize; doc.descendants().count() + 1];
    for n in doc.descendants() {
        let d = n.parent().map_or(0, |p| depth[p.id().get_usize()]) + usize::from(n.is_element());
        depth[n.id().get_usize()] = d;
        if d > limit {
            let p = doc.text_pos_at(n.range().start);
            return Err(SvgError {
                message: format!(
                    "the SVG nests its elements more than {limit} deep: flatten its groups"
                ),
                line: p.row as usize,
                column: p.col as usize,
            });
        }
    }
    Ok(())
}

/// The index of the `>` that ends the markup going on at `from` (or the end of `b`),
/// outside quoted values and, in a DTD, outside its internal subset (`[…]`). In a DTD,
/// a quoted value that holds `<` (an entity made of elements) is an `Err`.
fn markup_end(b: &[u8], from: usize, dtd: bool) -> Result<usize, ()> {
    let (mut j, mut bracket, mut quote) = (from, 0i32, 0u8);
    while j < b.len() {
        let c = b[j];
        if quote != 0 {
            if c == quote {
                quote = 0;
            } else if dtd && c == b'<' {
                return Err(());
            }
        } else {
            match c {
                b'"' | b'\'' => quote = c,
                b'[' if dtd => bracket += 1,
                b']' if dtd => bracket -= 1,
                b'>' if bracket <= 0 => break,
                _ => {}
            }
        }
        j += 1;
    }
    Ok(j)
}

/// Parses `text` as XML and writes it back without scripts, `foreignObject`, event
/// handler attributes, references to other files or sites, and editor metadata in other
/// namespaces. Fails when the text is not an SVG document.
pub fn sanitize(text: &str) -> Result<Sanitized, SvgError> {
    check_shape(text)?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: marque_project::limits::SVG_NODES * 2,
    };
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        let p = e.pos();
        SvgError {
            message: format!("not a well-formed SVG: {e}"),
            line: p.row as usize,
            column: p.col as usize,
        }
    })?;
    check_depth(&doc)?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        let p = doc.text_pos_at(root.range().start);
        return Err(SvgError {
            message: format!(
                "not an SVG: the root element is <{}>, not <svg xmlns=\"{SVG_NS}\">",
                root.tag_name().name()
            ),
            line: p.row as usize,
            column: p.col as usize,
        });
    }
    let mut out = String::with_capacity(text.len());
    let mut removed = Vec::new();
    write_node(&doc, root, true, &mut out, &mut removed);
    out.push('\n');
    Ok(Sanitized { svg: out, removed })
}

fn write_node(
    doc: &roxmltree::Document,
    node: roxmltree::Node,
    is_root: bool,
    out: &mut String,
    removed: &mut Vec<String>,
) {
    let name = node.tag_name().name();
    let line = doc.text_pos_at(node.range().start).row;
    if node.tag_name().namespace() != Some(SVG_NS) {
        // Editor metadata (Inkscape, Illustrator): not part of the drawing.
        return;
    }
    if ACTIVE_ELEMENTS.contains(&name) {
        removed.push(format!("<{name}> element (line {line})"));
        return;
    }
    if matches!(name, "set" | "animate")
        && let Some(a) = node.attribute("attributeName")
        && (a.starts_with("on") || a.ends_with("href"))
    {
        removed.push(format!("<{name}> changing '{a}' (line {line})"));
        return;
    }
    if name == "style" {
        let css: String = node.children().filter_map(|c| c.text()).collect();
        if has_external_url(&css) {
            removed.push(format!("<style> with an external reference (line {line})"));
            return;
        }
    }
    out.push('<');
    out.push_str(name);
    if is_root {
        out.push_str(" xmlns=\"");
        out.push_str(SVG_NS);
        out.push('"');
    }
    for a in node.attributes() {
        let an = a.name();
        let ns = a.namespace();
        let written = match ns {
            None => an.to_string(),
            Some(XLINK_NS) if an == "href" => "href".to_string(),
            Some(XML_NS) => format!("xml:{an}"),
            // Editor attributes (inkscape:label, sodipodi:…).
            Some(_) => continue,
        };
        let v = a.value();
        if an.to_ascii_lowercase().starts_with("on") && ns.is_none() {
            removed.push(format!("'{an}' event handler on <{name}> (line {line})"));
            continue;
        }
        if an == "href" && !is_local_reference(v) {
            removed.push(format!(
                "external reference '{}' on <{name}> (line {line})",
                shorten(v)
            ));
            continue;
        }
        if has_external_url(v) {
            removed.push(format!(
                "external reference in '{an}' on <{name}> (line {line})"
            ));
            continue;
        }
        out.push(' ');
        out.push_str(&written);
        out.push_str("=\"");
        out.push_str(&escape(v, true));
        out.push('"');
    }
    let children: Vec<_> = node
        .children()
        .filter(|c| c.is_element() || c.is_text())
        .collect();
    if children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for c in children {
        if c.is_text() {
            out.push_str(&escape(c.text().unwrap_or(""), false));
        } else {
            write_node(doc, c, false, out, removed);
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn shorten(v: &str) -> String {
    let v = v.trim();
    if v.chars().count() > 60 {
        format!("{}…", v.chars().take(60).collect::<String>())
    } else {
        v.to_string()
    }
}

/// The brand fonts, the only fonts SVG text is drawn with, and the text layout that
/// sets every text marque draws (see [`crate::text`]).
#[derive(Clone)]
pub struct Fonts {
    db: Arc<fontdb::Database>,
    family: String,
    setter: crate::text::Typesetter,
    /// blake3 of every font file, for cache keys.
    pub digest: [u8; 32],
}

impl Fonts {
    /// A font set from font files' bytes; `family` is used when an SVG names none of
    /// them. Fails naming the file that is not a font.
    pub fn new(files: &[(String, Arc<Vec<u8>>)], family: &str) -> Result<Fonts, String> {
        let mut db = fontdb::Database::new();
        let mut h = blake3::Hasher::new();
        for (name, bytes) in files {
            // Every face must parse and have the tables text is drawn with: a file cut
            // short or renamed from something else is refused here, naming it.
            let faces = rustybuzz::ttf_parser::fonts_in_collection(bytes).unwrap_or(1);
            for i in 0..faces.min(64) {
                match rustybuzz::ttf_parser::Face::parse(bytes, i) {
                    Ok(f) if f.number_of_glyphs() > 0 && f.units_per_em() > 0 => {}
                    Ok(_) => return Err(format!("'{name}' is a font without glyphs")),
                    Err(e) => {
                        return Err(format!(
                            "'{name}' is not an OpenType or TrueType font ({e})"
                        ));
                    }
                }
            }
            let before = db.len();
            db.load_font_source(fontdb::Source::Binary(bytes.clone()));
            if db.len() == before {
                return Err(format!("'{name}' is not an OpenType or TrueType font"));
            }
            h.update(name.as_bytes());
            h.update(blake3::hash(bytes).as_bytes());
        }
        let setter = crate::text::Typesetter::new(files)?;
        let family = if family.is_empty() {
            db.faces()
                .next()
                .and_then(|f| f.families.first().map(|(n, _)| n.clone()))
                .unwrap_or_default()
        } else {
            family.to_string()
        };
        h.update(family.as_bytes());
        db.set_sans_serif_family(family.clone());
        db.set_serif_family(family.clone());
        db.set_monospace_family(family.clone());
        db.set_cursive_family(family.clone());
        db.set_fantasy_family(family.clone());
        Ok(Fonts {
            db: Arc::new(db),
            family,
            setter,
            digest: *h.finalize().as_bytes(),
        })
    }

    /// Lays `text` out (see [`crate::text`]) in lines no wider than `max_width`.
    pub fn layout(
        &self,
        text: &str,
        style: &crate::text::TextStyle,
        max_width: Option<f32>,
    ) -> crate::text::TextBlock {
        self.setter.layout(text, style, max_width)
    }

    /// A laid-out text as glyph outlines: one `<path>` per line, in a box whose left
    /// edge is at `x` and top at `y`, `width` wide; `attrs` go on every path.
    pub fn draw(
        &self,
        block: &crate::text::TextBlock,
        (x, y): (f32, f32),
        width: f32,
        align: crate::text::Align,
        attrs: &str,
    ) -> String {
        self.setter.draw(block, x, y, width, align, attrs)
    }

    /// Width of `text` on one line, set in `family` at `weight`, for a font size of 1
    /// (multiply by the size), as [`Fonts::layout`] sets it.
    pub fn measure(&self, text: &str, family: &str, weight: u16) -> f32 {
        let style = crate::text::TextStyle {
            family,
            weight,
            size: 100.0,
            line_height: 1.2,
            direction: crate::text::Direction::Auto,
        };
        self.layout(text, &style, None).width / 100.0
    }

    /// One line of text as SVG `<text>` elements, one per run of one face and one
    /// direction, each at the place the layout gives it (so that bidi order and
    /// fallback are the layout's, and the text stays text in a PDF). `anchor` is
    /// `start`, `middle` or `end` at `x`, following the direction when `rtl`. `attrs`
    /// go on every element (fill…).
    #[allow(clippy::too_many_arguments)]
    pub fn line_markup(
        &self,
        text: &str,
        family: &str,
        weight: u16,
        size: f32,
        x: f32,
        y: f32,
        anchor: &str,
        rtl: bool,
        attrs: &str,
    ) -> String {
        use crate::text::{Align, Direction, TextStyle};
        let style = TextStyle {
            family,
            weight,
            size,
            line_height: 1.2,
            direction: if rtl { Direction::Rtl } else { Direction::Ltr },
        };
        let block = self.layout(text, &style, None);
        let align = Align::parse(anchor);
        // `x` is the anchor: a box of no width there.
        let mut out = String::new();
        for line in &block.lines {
            let left = crate::text::line_x(&block, line, x, 0.0, align);
            for run in &line.runs {
                let t = &block.text[run.text.clone()];
                if t.trim().is_empty() {
                    continue;
                }
                out.push_str(&format!(
                    r#"<text x="{:.2}" y="{y:.2}" font-family="{}" font-weight="{weight}" font-size="{size:.2}" xml:space="preserve" {attrs}>{}</text>"#,
                    left + run.x,
                    escape(self.setter.family(run.face), true),
                    escape(t, false)
                ));
            }
        }
        out
    }

    /// The family names available.
    pub fn families(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .db
            .faces()
            .filter_map(|f| f.families.first().map(|(n, _)| n.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// The mean relative luminance (WCAG) of a drawing's ink, weighted by its coverage,
/// drawn 96 pixels wide; None when it has no ink.
pub fn ink_luminance(tree: &usvg::Tree) -> Option<f64> {
    let (w, h) = raster_size(tree, 96);
    let mut pixmap = tiny_skia::Pixmap::new(w.clamp(1, 96), h.clamp(1, 96 * 8))?;
    let (pw, ph) = (pixmap.width(), pixmap.height());
    renderer_guard(|| {
        resvg::render(
            tree,
            tiny_skia::Transform::from_scale(
                pw as f32 / tree.size().width(),
                ph as f32 / tree.size().height(),
            ),
            &mut pixmap.as_mut(),
        )
    })
    .ok()?;
    let (mut sum, mut weight) = (0.0f64, 0.0f64);
    for p in pixmap.pixels() {
        let c = p.demultiply();
        let a = c.alpha() as f64 / 255.0;
        if a > 0.0 {
            sum += a * relative_luminance(c.red(), c.green(), c.blue());
            weight += a;
        }
    }
    (weight > 0.0).then(|| sum / weight)
}

/// WCAG relative luminance of an sRGB colour.
pub fn relative_luminance(r: u8, g: u8, b: u8) -> f64 {
    let lin = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.040_45 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// WCAG contrast ratio of two relative luminances (1 to 21).
pub fn contrast(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    (hi + 0.05) / (lo + 0.05)
}

/// Parses a (sanitised) SVG into a render tree whose text uses only `fonts`. Pictures
/// may only be embedded (`data:` URLs) PNG, JPEG, GIF or WebP within the size limits;
/// a reference to a file is an error (nothing is read from disk).
pub fn parse(svg: &str, fonts: &Fonts) -> Result<usvg::Tree, SvgError> {
    check_shape(svg)?;
    // usvg walks the tree recursively: its depth is measured first, on the parse the
    // usvg parser will make (entities expanded).
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: marque_project::limits::SVG_NODES * 2,
    };
    if let Ok(doc) = roxmltree::Document::parse_with_options(svg, opts) {
        check_depth(&doc)?;
    }
    // All the pictures of one drawing together stay within the size of one.
    let pixels = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let problem: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let (p1, p2) = (problem.clone(), problem.clone());
    let flag = move |p: &std::sync::Mutex<Option<String>>, msg: String| {
        if let Ok(mut g) = p.lock() {
            g.get_or_insert(msg);
        }
    };
    let resolver = usvg::ImageHrefResolver {
        resolve_data: Box::new(
            move |_mime, data: Arc<Vec<u8>>, _opts| match crate::raster::inspect(&data) {
                Ok(info)
                    if pixels.fetch_add(
                        info.width as u64 * info.height as u64,
                        std::sync::atomic::Ordering::Relaxed,
                    ) + info.width as u64 * info.height as u64
                        > marque_project::limits::IMAGE_PIXELS =>
                {
                    flag(
                        &p1,
                        format!(
                            "the pictures embedded in the SVG add up to more than {} megapixels: make them smaller",
                            marque_project::limits::IMAGE_PIXELS / 1_000_000
                        ),
                    );
                    None
                }
                Ok(info) => Some(match info.format {
                    "PNG" => usvg::ImageKind::PNG(data),
                    "JPEG" => usvg::ImageKind::JPEG(data),
                    "GIF" => usvg::ImageKind::GIF(data),
                    _ => usvg::ImageKind::WEBP(data),
                }),
                Err(e) => {
                    flag(&p1, format!("an embedded picture: {e}"));
                    None
                }
            },
        ),
        resolve_string: Box::new(move |href, _opts| {
            flag(
                &p2,
                format!(
                    "an <image> refers to '{}': only pictures embedded as data: URLs are drawn (marque reads no other file)",
                    shorten(href)
                ),
            );
            None
        }),
    };
    let opts = usvg::Options {
        font_family: fonts.family.clone(),
        fontdb: fonts.db.clone(),
        resources_dir: None,
        image_href_resolver: resolver,
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opts).map_err(|e| SvgError {
        message: format!("cannot draw this SVG: {e}"),
        line: 0,
        column: 0,
    })?;
    if let Some(msg) = problem.lock().ok().and_then(|mut g| g.take()) {
        return Err(SvgError {
            message: msg,
            line: 0,
            column: 0,
        });
    }
    Ok(tree)
}

/// The tree written back as SVG, with text turned into outlines so that it looks the
/// same on a machine without the brand fonts.
pub fn normalized(tree: &usvg::Tree) -> String {
    let opt = usvg::WriteOptions {
        indent: usvg::Indent::None,
        attributes_indent: usvg::Indent::None,
        ..usvg::WriteOptions::default()
    };
    tree.to_string(&opt)
}

/// `width` and `height` of the root of an SVG written by usvg.
pub fn svg_size(svg: &str) -> (f64, f64) {
    let attr = |name: &str| -> f64 {
        let pat = format!(" {name}=\"");
        svg.find(&pat)
            .and_then(|i| {
                let rest = &svg[i + pat.len()..];
                rest[..rest.find('"')?].parse().ok()
            })
            .unwrap_or(0.0)
    };
    (attr("width"), attr("height"))
}

/// A drawing ready to be placed in another SVG: usvg's output and its size.
#[derive(Debug, Clone)]
pub struct Drawing {
    /// The SVG, as usvg writes it (text outlined).
    pub svg: std::sync::Arc<Vec<u8>>,
    /// Width in SVG units.
    pub width: f64,
    /// Height in SVG units.
    pub height: f64,
}

impl Drawing {
    /// A drawing from usvg's output.
    pub fn new(svg: std::sync::Arc<Vec<u8>>) -> Drawing {
        let (width, height) = svg_size(&String::from_utf8_lossy(&svg));
        Drawing { svg, width, height }
    }

    /// This drawing scaled to fit the box `x, y, w, h` (centred), as inline SVG.
    pub fn fit(&self, prefix: &str, x: f64, y: f64, w: f64, h: f64) -> String {
        let s = (w / self.width.max(1e-6)).min(h / self.height.max(1e-6));
        let (dw, dh) = (self.width * s, self.height * s);
        nested(
            &self.svg,
            prefix,
            x + (w - dw) / 2.0,
            y + (h - dh) / 2.0,
            dw,
            dh,
        )
    }
}

/// `svg` (as usvg writes it) drawn in the box `x, y, w, h` of another SVG, inline
/// (its ids prefixed with `prefix` so that several can share a page).
pub fn nested(svg: &[u8], prefix: &str, x: f64, y: f64, w: f64, h: f64) -> String {
    let s = String::from_utf8_lossy(svg);
    let Some(start) = s.find("<svg") else {
        return String::new();
    };
    let body = &s[start..];
    let Some(end) = body.find('>') else {
        return String::new();
    };
    let head = &body[..end];
    let view_box = head
        .find("viewBox=\"")
        .and_then(|i| {
            let r = &head[i + 9..];
            r.find('"').map(|e| r[..e].to_string())
        })
        .unwrap_or_else(|| {
            let (sw, sh) = svg_size(&s);
            format!("0 0 {sw} {sh}")
        });
    let inner = body[end + 1..]
        .trim_end()
        .trim_end_matches("</svg>")
        .replace("id=\"", &format!("id=\"{prefix}"))
        .replace("xlink:href=", "href=")
        .replace("url(#", &format!("url(#{prefix}"))
        .replace("href=\"#", &format!("href=\"#{prefix}"));
    format!(
        r#"<svg x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{h:.2}" viewBox="{view_box}">{inner}</svg>"#
    )
}

/// Width and height of a PNG, from its header.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((w, h))
}

/// Pixel size of the tree drawn `width` pixels wide.
pub fn raster_size(tree: &usvg::Tree, width: u32) -> (u32, u32) {
    let s = tree.size();
    let h = (s.height() as f64 * width as f64 / s.width() as f64)
        .round()
        .clamp(1.0, u32::MAX as f64) as u32;
    (width, h)
}

/// A transparent PNG of the tree, `width` pixels wide. A drawing whose proportions
/// would make the picture larger than marque draws is an error, not an allocation.
pub fn png(tree: &usvg::Tree, width: u32) -> Result<Vec<u8>, String> {
    use marque_project::limits::{RASTER_PIXELS, RASTER_SIDE};
    let (w, h) = raster_size(tree, width);
    if w > RASTER_SIDE || h > RASTER_SIDE || w as u64 * h as u64 > RASTER_PIXELS {
        let s = tree.size();
        return Err(format!(
            "the drawing is {} × {} units: {w} pixels wide it would be {w} × {h} pixels, over marque's limit of {RASTER_SIDE} pixels a side (check its width, height and viewBox)",
            s.width(),
            s.height()
        ));
    }
    let mut pixmap =
        tiny_skia::Pixmap::new(w, h).ok_or_else(|| format!("cannot draw {w}×{h} pixels"))?;
    // The renderer has panics of its own on degenerate drawings (a filter on a
    // drawing a billionth of a unit high): one is an error about this drawing.
    renderer_guard(|| {
        resvg::render(
            tree,
            tiny_skia::Transform::from_scale(
                w as f32 / tree.size().width(),
                h as f32 / tree.size().height(),
            ),
            &mut pixmap.as_mut(),
        )
    })?;
    encode_png(&pixmap)
}

/// The pixmap as a PNG: RGB when every pixel is opaque (most kit artwork), else RGBA
/// with the alpha demultiplied; compressed by fdeflate's fast mode, which makes files
/// the size of zlib's level 6 with the PNG filters in a fraction of its time.
pub fn encode_png(pixmap: &tiny_skia::Pixmap) -> Result<Vec<u8>, String> {
    let data = pixmap.data();
    let opaque = data.chunks_exact(4).all(|p| p[3] == 255);
    // Filled in place (one pass, no growth checks): this copy is a fair part of
    // a kit's PNG time.
    let mut pixels: Vec<u8>;
    if opaque {
        pixels = vec![0; data.len() / 4 * 3];
        for (o, p) in pixels.chunks_exact_mut(3).zip(data.chunks_exact(4)) {
            o.copy_from_slice(&p[..3]);
        }
    } else {
        pixels = vec![0; data.len()];
        for (o, p) in pixels.chunks_exact_mut(4).zip(pixmap.pixels()) {
            let c = p.demultiply();
            o.copy_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
        enc.set_color(if opaque {
            png::ColorType::Rgb
        } else {
            png::ColorType::Rgba
        });
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        enc.set_filter(png::FilterType::Paeth);
        enc.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
        let mut w = enc.write_header().map_err(|e| e.to_string())?;
        w.write_image_data(&pixels).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Runs a renderer (resvg, svg2pdf), turning its panic into an error.
fn renderer_guard<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let why = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("the renderer cannot draw this drawing ({why}): check its width, height, viewBox and filters")
    })
}

/// One page of a PDF: a tree drawn over the whole page, with optional print boxes.
pub struct PdfPage<'a> {
    /// What is drawn, scaled to fill the media box.
    pub tree: &'a usvg::Tree,
    /// Page size in points.
    pub width_pt: f32,
    /// Page size in points.
    pub height_pt: f32,
    /// For a print page: the room for crop marks around the bleed and the bleed, in
    /// points. The BleedBox is the media box less the first, the TrimBox less both.
    pub bleed_pt: Option<(f32, f32)>,
}

/// What a PDF says about itself: its document information and its language.
#[derive(Debug, Clone, Default)]
pub struct PdfMeta {
    /// Title, shown by viewers in place of the file name.
    pub title: String,
    /// Author.
    pub author: String,
    /// Subject.
    pub subject: String,
    /// Language of its text (BCP 47), for screen readers.
    pub lang: String,
}

/// A vector PDF of `pages`. The same input gives the same bytes.
pub fn pdf(pages: &[PdfPage]) -> Result<Vec<u8>, String> {
    pdf_with(pages, None)
}

/// A vector PDF of `pages` with its title, author, subject and language. The same
/// input gives the same bytes.
pub fn pdf_with(pages: &[PdfPage], meta: Option<&PdfMeta>) -> Result<Vec<u8>, String> {
    use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, TextStr};
    let mut alloc = Ref::new(1);
    let catalog = alloc.bump();
    let tree_id = alloc.bump();
    let page_ids: Vec<Ref> = pages.iter().map(|_| alloc.bump()).collect();
    let mut out = Pdf::new();
    {
        let mut cat = out.catalog(catalog);
        cat.pages(tree_id);
        if let Some(m) = meta {
            if !m.lang.is_empty() {
                cat.lang(TextStr(&m.lang));
            }
            cat.viewer_preferences().display_doc_title(true);
        }
    }
    if let Some(m) = meta {
        let info = alloc.bump();
        let mut d = out.document_info(info);
        d.title(TextStr(&m.title));
        if !m.author.is_empty() {
            d.author(TextStr(&m.author));
        }
        if !m.subject.is_empty() {
            d.subject(TextStr(&m.subject));
        }
        d.creator(TextStr("marque"));
    }
    out.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(pages.len() as i32);
    for (p, &page_id) in pages.iter().zip(&page_ids) {
        // Text stays text, with the brand fonts embedded as subsets (the order in which
        // svg2pdf writes them is made stable by `canonical` below).
        // Streams are written plain and compressed by `canonical` (zlib-rs): svg2pdf's
        // own compressor (miniz at level 6) spent a second on the kits' glyph outlines.
        let opts = svg2pdf::ConversionOptions {
            compress: false,
            ..Default::default()
        };
        let (chunk, svg_ref) =
            renderer_guard(|| svg2pdf::to_chunk(p.tree, opts))?.map_err(|e| e.to_string())?;
        let mut map = std::collections::HashMap::new();
        let chunk = chunk.renumber(|old| *map.entry(old).or_insert_with(|| alloc.bump()));
        let svg_id = *map
            .get(&svg_ref)
            .ok_or("the PDF conversion lost its drawing")?;
        let content_id = alloc.bump();
        let mut page = out.page(page_id);
        let media = Rect::new(0.0, 0.0, p.width_pt, p.height_pt);
        page.media_box(media);
        if let Some((slug, bleed)) = p.bleed_pt {
            let b = slug + bleed;
            page.bleed_box(Rect::new(slug, slug, p.width_pt - slug, p.height_pt - slug));
            page.trim_box(Rect::new(b, b, p.width_pt - b, p.height_pt - b));
        }
        page.parent(tree_id);
        page.contents(content_id);
        page.resources().x_objects().pair(Name(b"S1"), svg_id);
        page.finish();
        let mut content = Content::new();
        content
            .transform([p.width_pt, 0.0, 0.0, p.height_pt, 0.0, 0.0])
            .x_object(Name(b"S1"));
        out.stream(content_id, &content.finish());
        out.extend(&chunk);
    }
    let mut bytes = out.finish();
    sort_resource_dicts(&mut bytes);
    canonical(&bytes).ok_or_else(|| "cannot reorder the PDF's objects".to_string())
}

/// One indirect object of a PDF: its dictionary text and its raw stream, if any.
struct PdfObject {
    text: String,
    stream: Option<Vec<u8>>,
}

/// The references (`12 0 R`) in a dictionary's text, in order.
fn references(text: &str) -> Vec<(usize, usize, u32)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if text[i..].starts_with(" 0 R")
                && text[i + 4..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_ascii_alphanumeric())
                && let Ok(n) = text[start..i].parse()
            {
                out.push((start, i + 4, n));
                i += 4;
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Rewrites a PDF written by pdf-writer with its objects numbered and ordered by a
/// walk from the catalog, so that the bytes no longer depend on the order in which
/// svg2pdf happened to write its font objects (it keeps them in a hash map).
fn canonical(pdf: &[u8]) -> Option<Vec<u8>> {
    let first = pdf.windows(8).position(|w| w == b"\n1 0 obj")? + 1;
    let header = &pdf[..first];
    let (mut objects, trailer_at) = read_objects(pdf, first)?;
    for o in objects.values_mut() {
        deflate_stream(o)?;
    }
    let trailer = std::str::from_utf8(&pdf[trailer_at..]).ok()?;
    let root_at = trailer.find("/Root ")? + 6;
    let root: u32 = trailer[root_at..].split(' ').next()?.parse().ok()?;
    // The document information is named by the trailer only: it comes last.
    let info: Option<u32> = trailer
        .find("/Info ")
        .and_then(|at| trailer[at + 6..].split(' ').next()?.parse().ok());
    let mut order = walk_order(&objects, root);
    if let Some(i) = info
        && objects.contains_key(&i)
        && !order.contains(&i)
    {
        order.push(i);
    }
    write_pdf(header, &objects, &order, root, info)
}

/// Compresses a stream written without a filter (Flate, as every PDF reader reads) and
/// sets its `/Length` to the compressed size.
fn deflate_stream(o: &mut PdfObject) -> Option<()> {
    use std::io::Write;
    let Some(data) = &o.stream else {
        return Some(());
    };
    if o.text.contains("/Filter") || data.len() < 64 {
        return Some(());
    }
    let at = o.text.rfind("/Length ")?;
    let digits = o.text[at + 8..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(o.text.len() - at - 8);
    let close = o.text.rfind(">>")?;
    if close < at {
        return None;
    }
    let mut z = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::new(4),
    );
    z.write_all(data).ok()?;
    let packed = z.finish().ok()?;
    o.text = format!(
        "{}/Length {}{}  /Filter /FlateDecode\n{}",
        &o.text[..at],
        packed.len(),
        &o.text[at + 8 + digits..close],
        &o.text[close..]
    );
    o.stream = Some(packed);
    Some(())
}

/// The indirect objects of `pdf` from byte `first` on, by number, and where the
/// cross-reference table (`xref`) starts.
fn read_objects(
    pdf: &[u8],
    first: usize,
) -> Option<(std::collections::BTreeMap<u32, PdfObject>, usize)> {
    let mut objects: std::collections::BTreeMap<u32, PdfObject> = Default::default();
    let mut i = first;
    loop {
        let line_end = i + pdf[i..].iter().position(|&c| c == b'\n')?;
        let head = std::str::from_utf8(&pdf[i..line_end]).ok()?;
        if head == "xref" {
            break;
        }
        let num: u32 = head.strip_suffix(" 0 obj")?.parse().ok()?;
        let (object, after) = read_object(pdf, line_end + 1)?;
        objects.insert(num, object);
        i = after;
        while i < pdf.len() && pdf[i] == b'\n' {
            i += 1;
        }
    }
    Some((objects, i))
}

/// The object whose body starts at byte `body` (its dictionary, and its stream by
/// the dictionary's `/Length`), and the byte after its `endobj`.
fn read_object(pdf: &[u8], body: usize) -> Option<(PdfObject, usize)> {
    let end_obj = |from: usize| -> Option<usize> {
        pdf[from..]
            .windows(8)
            .position(|w| w == b"\nendobj\n")
            .map(|p| from + p)
    };
    let next_stream = pdf[body..].windows(8).position(|w| w == b"\nstream\n");
    let plain_end = end_obj(body)?;
    let (text, stream, after) = match next_stream {
        Some(p) if body + p < plain_end => {
            let text = std::str::from_utf8(&pdf[body..body + p]).ok()?.to_string();
            let len = last_length(text.as_bytes())?;
            let data_start = body + p + 8;
            let data_end = data_start + len;
            let rest = &pdf[data_end..];
            if !rest.starts_with(b"\nendstream\nendobj\n") {
                return None;
            }
            (
                text,
                Some(pdf[data_start..data_end].to_vec()),
                data_end + 18,
            )
        }
        _ => (
            std::str::from_utf8(&pdf[body..plain_end]).ok()?.to_string(),
            None,
            plain_end + 8,
        ),
    };
    Some((PdfObject { text, stream }, after))
}

/// The objects' order: a walk from the catalog, each object's references in the order
/// they are written, then the objects no reference reaches.
fn walk_order(objects: &std::collections::BTreeMap<u32, PdfObject>, root: u32) -> Vec<u32> {
    let mut order: Vec<u32> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = std::collections::VecDeque::from([root]);
    while let Some(n) = queue.pop_front() {
        if !seen.insert(n) {
            continue;
        }
        order.push(n);
        if let Some(o) = objects.get(&n) {
            for (_, _, r) in references(&o.text) {
                if !seen.contains(&r) {
                    queue.push_back(r);
                }
            }
        }
    }
    for n in objects.keys() {
        if !seen.contains(n) {
            order.push(*n);
        }
    }
    order
}

/// The PDF again: `header`, the objects in `order` numbered from 1 (their references
/// renumbered), the cross-reference table and the trailer.
fn write_pdf(
    header: &[u8],
    objects: &std::collections::BTreeMap<u32, PdfObject>,
    order: &[u32],
    root: u32,
    info: Option<u32>,
) -> Option<Vec<u8>> {
    let new_num: std::collections::BTreeMap<u32, u32> = order
        .iter()
        .enumerate()
        .map(|(k, &n)| (n, k as u32 + 1))
        .collect();
    let mut out = header.to_vec();
    let mut offsets = Vec::new();
    for n in order {
        let o = objects.get(n)?;
        let mut text = String::with_capacity(o.text.len());
        let mut last = 0;
        for (a, b, r) in references(&o.text) {
            text.push_str(&o.text[last..a]);
            text.push_str(&format!("{} 0 R", new_num.get(&r)?));
            last = b;
        }
        text.push_str(&o.text[last..]);
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", new_num[n]).as_bytes());
        out.extend_from_slice(text.as_bytes());
        if let Some(data) = &o.stream {
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(data);
            out.extend_from_slice(b"\nendstream");
        }
        out.extend_from_slice(b"\nendobj\n\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f\r\n", order.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<<\n  /Size {}\n  /Root {} 0 R{}\n>>\nstartxref\n{xref}\n%%EOF",
            order.len() + 1,
            new_num[&root],
            info.and_then(|i| new_num.get(&i))
                .map(|n| format!("\n  /Info {n} 0 R"))
                .unwrap_or_default()
        )
        .as_bytes(),
    );
    Some(out)
}

/// svg2pdf writes resource dictionaries (`/ExtGState << /gs1 26 0 R … >>`) from hash
/// maps, in an order that changes from run to run. Sorting the entries of each such
/// dictionary in place keeps every byte offset (same lines, other order) and makes the
/// file reproducible. Stream data is skipped by its `/Length`.
fn sort_resource_dicts(pdf: &mut [u8]) {
    let mut i = 0;
    let mut text_start = 0;
    while i < pdf.len() {
        if pdf[i..].starts_with(b"\nstream\n") {
            sort_in(&mut pdf[text_start..i]);
            let len = last_length(&pdf[text_start..i]).unwrap_or(0);
            i += 8 + len;
            text_start = i;
            continue;
        }
        i += 1;
    }
    sort_in(&mut pdf[text_start..]);
}

fn last_length(text: &[u8]) -> Option<usize> {
    let s = std::str::from_utf8(text).ok()?;
    let at = s.rfind("/Length ")?;
    s[at + 8..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn sort_in(text: &mut [u8]) {
    let Ok(s) = std::str::from_utf8(text) else {
        return;
    };
    let is_ref = |l: &str| {
        let parts: Vec<&str> = l.split_whitespace().collect();
        parts.len() == 4
            && parts[0].starts_with('/')
            && parts[1].bytes().all(|b| b.is_ascii_digit())
            && parts[2] == "0"
            && parts[3] == "R"
    };
    let lines: Vec<&str> = s.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut k = 0;
    while k < lines.len() {
        out.push(lines[k].to_string());
        if lines[k].ends_with(" <<") {
            let mut j = k + 1;
            while j < lines.len() && is_ref(lines[j]) {
                j += 1;
            }
            if j > k + 2 && j < lines.len() && lines[j].trim() == ">>" {
                let mut refs: Vec<&str> = lines[k + 1..j].to_vec();
                refs.sort();
                out.extend(refs.iter().map(|r| r.to_string()));
                k = j;
                continue;
            }
        }
        k += 1;
    }
    let joined = out.join("\n");
    if joined.len() == text.len() {
        text.copy_from_slice(joined.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stream of a PDF and its dictionary, read by each object's `/Length`.
    fn streams(pdf: &[u8]) -> Vec<(String, Vec<u8>)> {
        let first = pdf.windows(8).position(|w| w == b"\n1 0 obj").unwrap() + 1;
        let (objects, _) = read_objects(pdf, first).expect("the PDF reads back");
        objects
            .into_values()
            .filter_map(|o| Some((o.text, o.stream?)))
            .collect()
    }

    #[test]
    fn pdf_streams_are_compressed_and_read_back() {
        // Many shapes: the drawing's content stream is tens of kilobytes.
        let mut body = String::new();
        for i in 0..400 {
            body.push_str(&format!(
                r##"<path d="M{i} 0 L{} 50 Q{} 80 {} 100 Z" fill="#1A2B4C"/>"##,
                i + 7,
                i + 3,
                i + 1
            ));
        }
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="100">{body}</svg>"##
        );
        let tree = usvg::Tree::from_str(&svg, &usvg::Options::default()).unwrap();
        let page = || PdfPage {
            tree: &tree,
            width_pt: 400.0,
            height_pt: 100.0,
            bleed_pt: None,
        };
        let a = pdf(&[page()]).unwrap();
        let b = pdf(&[page()]).unwrap();
        assert_eq!(a, b, "same drawing, same bytes");
        let all = streams(&a);
        let (dict, data) = all.iter().max_by_key(|(_, d)| d.len()).expect("a stream");
        assert!(dict.contains("/Filter /FlateDecode"), "{dict}");
        assert_eq!(last_length(dict.as_bytes()), Some(data.len()));
        let mut plain = Vec::new();
        use std::io::Read;
        flate2::read::ZlibDecoder::new(&data[..])
            .read_to_end(&mut plain)
            .expect("a zlib stream");
        let text = String::from_utf8_lossy(&plain);
        assert!(
            text.matches(" l").count() >= 400,
            "{}",
            &text[..200.min(text.len())]
        );
        assert!(
            plain.len() > 4 * data.len(),
            "{} → {}",
            plain.len(),
            data.len()
        );
        for (dict, _) in &all {
            assert!(dict.matches("/Filter").count() <= 1, "{dict}");
        }
    }

    #[test]
    fn removes_scripts_handlers_and_external_references() {
        let s = sanitize(
            r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 10 10" onload="alert(1)">
<script>alert(2)</script>
<rect width="10" height="10" fill="url(#g)" onclick="x()" inkscape:label="r"/>
<image xlink:href="https://evil.example/a.png" width="1" height="1"/>
<use xlink:href="#r"/>
<rect style="fill:url(http://x/y#z)"/>
<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">hi</p></foreignObject>
</svg>"##,
        )
        .unwrap();
        assert!(!s.svg.contains("script"), "{}", s.svg);
        assert!(!s.svg.contains("onload") && !s.svg.contains("onclick"));
        assert!(!s.svg.contains("evil.example"));
        assert!(!s.svg.contains("foreignObject"));
        assert!(!s.svg.contains("inkscape"));
        assert!(s.svg.contains(r##"<use href="#r"/>"##), "{}", s.svg);
        assert!(s.svg.contains(r##"fill="url(#g)""##));
        assert_eq!(s.removed.len(), 6, "{:?}", s.removed);
        assert!(
            s.removed
                .iter()
                .any(|r| r.contains("'onload' event handler on <svg>"))
        );
    }

    #[test]
    fn rejects_deep_nesting_however_it_is_written() {
        let deep = |head: &str, depth: usize| {
            format!(
                r#"{head}<svg xmlns="http://www.w3.org/2000/svg">{}{}</svg>"#,
                "<g>".repeat(depth),
                "</g>".repeat(depth)
            )
        };
        // A bracket inside a quoted entity value once hid the rest of the file from
        // the quick scan; the parsed tree is measured as well.
        for head in [
            "",
            r#"<!DOCTYPE svg [<!ENTITY x "[">]>"#,
            "<!-- [ -->",
            "<?pi [ ?>",
        ] {
            let e = sanitize(&deep(head, 3000)).unwrap_err();
            assert!(e.message.contains("deep"), "{head}: {e:?}");
        }
        // Elements hidden in an entity.
        let inner = "<g>".repeat(300) + &"</g>".repeat(300);
        let text = format!(
            r#"<!DOCTYPE svg [<!ENTITY d "{inner}">]><svg xmlns="http://www.w3.org/2000/svg">&d;</svg>"#
        );
        let e = sanitize(&text).unwrap_err();
        assert!(e.message.contains("entity that holds elements"), "{e:?}");
        assert!(sanitize(&deep("", 200)).is_ok());
    }

    #[test]
    fn rejects_what_is_not_svg_with_position() {
        let e = sanitize("<svg xmlns=\"http://www.w3.org/2000/svg\">\n<rect></svg>").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
        let e = sanitize("<html/>").unwrap_err();
        assert!(e.message.contains("not an SVG"), "{e:?}");
    }
}
