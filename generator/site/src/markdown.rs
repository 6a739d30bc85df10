//! Markdown to HTML with comrak: GFM tables, strikethrough, autolinks, footnotes,
//! heading ids, French typography, and links to source files left as markers that
//! [`crate::links`] resolves per language once every page's headings are known.

use std::fmt;
use std::sync::Mutex;

use comrak::adapters::{HeadingAdapter, HeadingMeta};
use comrak::nodes::{NodeValue, Sourcepos};
use comrak::{Arena, Options, options::Plugins, parse_document};

/// Marker put in place of a link to a source file: `href="marque-link:N"`.
pub const LINK_MARKER: &str = "marque-link:";

/// `href` of a link written as an address of the site (`/presse/`, `programme.pdf`),
/// followed by its number in [`MarkdownMeta::paths`]: made absolute per language copy
/// and checked against the files of the build.
pub const PATH_MARKER: &str = "marque-path:";

/// A heading of a page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    /// 1–6.
    pub level: u8,
    /// The anchor id.
    pub id: String,
    /// Its text.
    pub text: String,
    /// Line in the source file.
    pub line: usize,
}

/// A link found in a page that points at a source file or an anchor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceLink {
    /// As written (`@/manifeste.md#axes`).
    pub written: String,
    /// The target source path: `Some("manifeste.md")` relative to `narrative/<lang>/`
    /// (already resolved for relative links), `None` for a same-page anchor.
    pub target: Option<String>,
    /// The anchor without `#`.
    pub anchor: Option<String>,
    /// Line and column in the file.
    pub line: usize,
    /// Column.
    pub column: usize,
}

/// A link written as an address of the site: root-relative (`/presse/#contact`) or
/// relative to its page (`programme.pdf`, `../autre/`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PathLink {
    /// As written.
    pub written: String,
    /// Line in the file.
    pub line: usize,
    /// Column.
    pub column: usize,
}

/// Start of an image marker in the HTML: `\u{E000}N\u{E001}` stands for image N, as
/// the engine resolves it (its size, responsive sizes, figure and caption).
pub const IMAGE_MARKER: char = '\u{E000}';
/// Start of the marker of an image alone in its paragraph with a title: a figure.
pub const FIGURE_MARKER: char = '\u{E002}';
/// End of an image marker.
pub const MARKER_END: char = '\u{E001}';

/// An image written in a page's Markdown (`![Une côte](cote.jpg "Légende")`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageRef {
    /// Its address as written.
    pub written: String,
    /// Its alternative text.
    pub alt: String,
    /// Its title (a figure's caption).
    pub title: String,
    /// Line in the file.
    pub line: usize,
    /// Column.
    pub column: usize,
    /// Alone in its paragraph with a title: shown as a `<figure>` with its caption.
    pub figure: bool,
}

/// A page's Markdown rendered once, with link markers still in place.
#[derive(Debug, Clone, Default)]
pub struct RenderedMarkdown {
    /// HTML with `marque-link:N` markers.
    pub html: String,
    /// What the rest of the site needs to know of it.
    pub meta: MarkdownMeta,
}

/// What other pages and listings need from a page's Markdown: small enough to cache,
/// so that an unchanged page is not rendered again to know its anchors or summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MarkdownMeta {
    /// Headings in order.
    pub headings: Vec<Heading>,
    /// Links to sources and anchors, indexed by marker number.
    pub links: Vec<SourceLink>,
    /// Plain text of the first paragraph (for listings).
    pub summary: String,
    /// Number of words.
    pub word_count: usize,
    /// Every `id` attribute in the HTML (headings, footnotes), for anchor checks.
    pub ids: Vec<String>,
    /// The images, in order (marker N is image N).
    pub images: Vec<ImageRef>,
    /// Links written as addresses of the site, indexed by marker number.
    pub paths: Vec<PathLink>,
    /// blake3 of what other pages can show of this one (summary, reading time, table of
    /// contents): listings and `get_page` depend on it, not on the rest of the body.
    pub digest: [u8; 32],
}

impl MarkdownMeta {
    fn compute_digest(&self) -> [u8; 32] {
        let mut g = blake3::Hasher::new();
        g.update(self.summary.as_bytes());
        g.update(&(self.word_count.div_ceil(200) as u64).to_le_bytes());
        for h in self.headings.iter().filter(|h| h.level <= 3) {
            g.update(&[h.level]);
            g.update(h.id.as_bytes());
            g.update(b"\0");
            g.update(h.text.as_bytes());
            g.update(b"\0");
        }
        *g.finalize().as_bytes()
    }
}

/// `text` cut at a word boundary to at most `max` bytes, with an ellipsis when cut.
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = match text[..end].rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => &text[..i],
        _ => &text[..end],
    };
    format!(
        "{}…",
        cut.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ';')
    )
}

/// Every value of an `id="…"` attribute in `html`.
fn collect_ids(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(" id=\"") {
        let after = &rest[i + 5..];
        let end = after.find('"').unwrap_or(after.len());
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

/// Options for one language.
#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions {
    /// Let raw HTML through.
    pub allow_html: bool,
    /// French typography.
    pub french_typography: bool,
}

struct Headings(Mutex<std::vec::IntoIter<String>>);

impl HeadingAdapter for Headings {
    fn enter(
        &self,
        out: &mut dyn fmt::Write,
        h: &HeadingMeta,
        _: Option<Sourcepos>,
    ) -> fmt::Result {
        let id = self
            .0
            .lock()
            .map(|mut it| it.next())
            .ok()
            .flatten()
            .unwrap_or_default();
        write!(out, "<h{} id=\"{}\">", h.level, escape_attr(&id))
    }
    fn exit(&self, out: &mut dyn fmt::Write, h: &HeadingMeta) -> fmt::Result {
        writeln!(out, "</h{}>", h.level)
    }
}

/// Replaces the image markers of `html` with `resolved(n)` (an `<img>`, or a whole
/// `<figure>` for a figure marker, which takes its paragraph's place); a marker it has
/// no HTML for becomes a plain `<img>` of the address as written.
pub fn resolve_images(
    html: &str,
    images: &[ImageRef],
    resolved: &dyn Fn(usize) -> Option<String>,
) -> String {
    if images.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 256 * images.len());
    let mut rest = html;
    while let Some(i) = rest.find([IMAGE_MARKER, FIGURE_MARKER]) {
        let figure = rest[i..].starts_with(FIGURE_MARKER);
        let after = &rest[i + IMAGE_MARKER.len_utf8()..];
        let Some(end) = after.find(MARKER_END) else {
            break;
        };
        let n: Option<usize> = after[..end].parse().ok();
        let Some((n, image)) = n.and_then(|n| images.get(n).map(|im| (n, im))) else {
            out.push_str(&rest[..i]);
            rest = &after[end + MARKER_END.len_utf8()..];
            continue;
        };
        let mut before = &rest[..i];
        let mut next = &after[end + MARKER_END.len_utf8()..];
        if figure && before.ends_with("<p>") && next.starts_with("</p>") {
            before = &before[..before.len() - 3];
            next = &next[4..];
        }
        out.push_str(before);
        match resolved(n) {
            Some(h) => out.push_str(&h),
            None => out.push_str(&format!(
                "<img src=\"{}\" alt=\"{}\">",
                escape_attr(&image.written),
                escape_attr(&image.alt)
            )),
        }
        rest = next;
    }
    out.push_str(rest);
    out
}

/// Escapes text for an HTML attribute value.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Inserts narrow no-break spaces as French typography wants: before `; ! ?` and `:`
/// (replacing an ordinary space), inside « », and between groups of digits (`1 000`).
pub fn french_typography(text: &str) -> String {
    const NNBSP: char = '\u{202F}';
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\u{a0}' if matches!(next, Some(';' | '!' | '?' | ':' | '»')) => out.push(NNBSP),
            ';' | '!' | '?' => {
                let prev = if i == 0 { None } else { Some(chars[i - 1]) };
                if prev.is_some_and(|p| p.is_alphanumeric() || p == '»' || p == ')') {
                    out.push(NNBSP);
                }
                out.push(c);
            }
            '»' => {
                let prev = if i == 0 { None } else { Some(chars[i - 1]) };
                if prev.is_some_and(|p| !p.is_whitespace() && p != NNBSP) {
                    out.push(NNBSP);
                }
                out.push(c);
            }
            '«' => {
                out.push(c);
                match next {
                    Some(' ' | '\u{a0}') => {}
                    Some(n) if n != NNBSP => out.push(NNBSP),
                    _ => {}
                }
            }
            ' ' | '\u{a0}' if i > 0 && chars[i - 1] == '«' => out.push(NNBSP),
            // A thousands separator: a digit, then exactly three digits.
            ' ' | '\u{a0}'
                if i > 0
                    && chars[i - 1].is_ascii_digit()
                    && chars
                        .get(i + 1..i + 4)
                        .is_some_and(|g| g.iter().all(|d| d.is_ascii_digit()))
                    && !chars.get(i + 4).is_some_and(|d| d.is_ascii_digit()) =>
            {
                out.push(NNBSP)
            }
            c => out.push(c),
        }
    }
    out
}

fn options(opts: MarkdownOptions) -> Options<'static> {
    let mut o = Options::default();
    o.extension.strikethrough = true;
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.footnotes = true;
    o.extension.tasklist = true;
    o.render.r#unsafe = opts.allow_html;
    #[allow(deprecated)]
    {
        o.render.escape = !opts.allow_html;
    }
    o
}

/// Joins `rel` (a relative link written in the source at `from`) to the source's
/// folder; `None` when it climbs above the language folder.
fn join_relative(from: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop(); // the file itself
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Classifies a link URL: `Some((target, anchor))` when it is ours to resolve.
fn classify(url: &str, from: &str) -> Option<(Option<String>, Option<String>)> {
    let (path, anchor) = match url.split_once('#') {
        Some((p, a)) => (p, Some(a.to_string())),
        None => (url, None),
    };
    if path.is_empty() {
        return anchor.map(|a| (None, Some(a)));
    }
    if let Some(p) = path.strip_prefix("@/") {
        return Some((Some(p.trim_start_matches('/').to_string()), anchor));
    }
    if path.contains(':') || path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    if path.ends_with(".md") {
        return Some((
            Some(join_relative(from, path).unwrap_or_else(|| format!("../{path}"))),
            anchor,
        ));
    }
    None
}

/// The anchor of a heading: made like a page's address (lower case, accents dropped,
/// letters of every script and digits kept, each other run of characters one dash,
/// none at either end: `## Et après ?` → `#et-apres`), `section` when nothing is left;
/// a repeated one gets `-1`, `-2`… in order.
pub fn heading_id(text: &str, used: &mut std::collections::HashSet<String>) -> String {
    let mut base = crate::model::slugify(text);
    if base.is_empty() {
        base = "section".into();
    }
    let mut id = base.clone();
    let mut n = 0;
    while used.contains(&id) {
        n += 1;
        id = format!("{base}-{n}");
    }
    used.insert(id.clone());
    id
}

/// The longest summary a `<!-- more -->` marker makes, in bytes.
const SUMMARY_MARKED_MAX: usize = 1200;

/// `<!-- more -->` (any case and spacing): the end of a page's summary, as in Zola and
/// Hugo.
fn is_more_marker(html: &str) -> bool {
    html.trim()
        .strip_prefix("<!--")
        .and_then(|r| r.strip_suffix("-->"))
        .is_some_and(|inner| inner.trim().eq_ignore_ascii_case("more"))
}

/// The text above the document's `<!-- more -->` line (headings left out), with the
/// marker taken out of the document; `None` when there is no marker.
fn marked_summary<'a>(root: &'a comrak::nodes::AstNode<'a>) -> Option<String> {
    let marker = root.children().find(|n| match &n.data().value {
        NodeValue::HtmlBlock(b) => is_more_marker(&b.literal),
        _ => false,
    })?;
    let mut text = String::new();
    for n in root.children().take_while(|n| !n.same_node(marker)) {
        if matches!(n.data().value, NodeValue::Heading(_)) {
            continue;
        }
        let t = n.collect_text();
        for word in t.split_whitespace() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(word);
        }
    }
    marker.detach();
    // Marked by its author, so longer than a first paragraph may be; still bounded.
    Some(truncate_words(&text, SUMMARY_MARKED_MAX))
}

/// Whether `url` is an address of this site (root-relative or relative), not a link out
/// (`https:`, `mailto:`, `//host/`).
pub fn is_site_address(url: &str) -> bool {
    !url.is_empty() && !url.starts_with("//") && !has_scheme(url)
}

/// `url` starts with a scheme (`https:`, `mailto:`, `tel:`).
pub fn has_scheme(url: &str) -> bool {
    let end = url.find(['/', '?', '#']).unwrap_or(url.len());
    url[..end].split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// The column, in characters, of byte column `column` (1-based, as comrak counts) of
/// line `line` (1-based) of `body`: what editors show.
fn char_column(body: &str, line: usize, column: usize) -> usize {
    let Some(text) = body.lines().nth(line.saturating_sub(1)) else {
        return column;
    };
    let mut end = column.saturating_sub(1).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].chars().count() + 1
}

/// Renders `body` (the Markdown of the source `rel`, whose first line is file line
/// `line_offset + 1`).
pub fn render_markdown(
    body: &str,
    rel: &str,
    line_offset: usize,
    opts: MarkdownOptions,
) -> RenderedMarkdown {
    let arena = Arena::new();
    let options = options(opts);
    let root = parse_document(&arena, body, &options);
    let mut out = RenderedMarkdown::default();
    let mut used_ids = std::collections::HashSet::new();
    let mut ids = Vec::new();
    let mut first_paragraph = None;
    let mut images = Vec::new();
    for node in root.descendants() {
        let sp = node.data().sourcepos;
        let mut data = node.data_mut();
        match &mut data.value {
            NodeValue::Heading(h) => {
                let level = h.level;
                drop(data);
                let text = node.collect_text();
                let id = heading_id(&text, &mut used_ids);
                ids.push(id.clone());
                out.meta.headings.push(Heading {
                    level,
                    id,
                    text,
                    line: sp.start.line + line_offset,
                });
            }
            NodeValue::Image(link) => {
                let (url, title) = (link.url.clone(), link.title.clone());
                drop(data);
                // Alone in a top-level paragraph, with a caption: a figure.
                let alone = node.parent().is_some_and(|p| {
                    matches!(p.data().value, NodeValue::Paragraph)
                        && p.first_child().is_some_and(|c| c.same_node(node))
                        && p.last_child().is_some_and(|c| c.same_node(node))
                        && p.parent()
                            .is_some_and(|d| matches!(d.data().value, NodeValue::Document))
                });
                out.meta.images.push(ImageRef {
                    written: url,
                    alt: node.collect_text().trim().to_string(),
                    figure: alone && !title.trim().is_empty(),
                    title,
                    line: sp.start.line + line_offset,
                    column: char_column(body, sp.start.line, sp.start.column),
                });
                images.push(node);
            }
            NodeValue::Paragraph => {
                drop(data);
                let only_image = node.first_child().is_some_and(|c| {
                    node.last_child().is_some_and(|l| l.same_node(c))
                        && matches!(c.data().value, NodeValue::Image(_))
                });
                if first_paragraph.is_none() && !only_image {
                    // Only top-level paragraphs make a summary.
                    if node
                        .parent()
                        .is_some_and(|p| matches!(p.data().value, NodeValue::Document))
                    {
                        first_paragraph = Some(node.collect_text());
                    }
                }
            }
            NodeValue::Text(t) => {
                // The image markers are ours: never taken from the text.
                if t.contains([IMAGE_MARKER, FIGURE_MARKER, MARKER_END]) {
                    *t = t
                        .replace([IMAGE_MARKER, FIGURE_MARKER, MARKER_END], "")
                        .into();
                }
                out.meta.word_count += t.split_whitespace().count();
                if opts.french_typography
                    && (t.contains([':', ';', '!', '?', '«', '»'])
                        || t.bytes().any(|b| b.is_ascii_digit()))
                {
                    *t = french_typography(t).into();
                }
            }
            NodeValue::Link(link) => {
                if let Some((target, anchor)) = classify(&link.url, rel) {
                    let n = out.meta.links.len();
                    out.meta.links.push(SourceLink {
                        written: link.url.clone(),
                        target,
                        anchor,
                        line: sp.start.line + line_offset,
                        column: char_column(body, sp.start.line, sp.start.column),
                    });
                    link.url = format!("{LINK_MARKER}{n}");
                } else if is_site_address(&link.url) {
                    let n = out.meta.paths.len();
                    out.meta.paths.push(PathLink {
                        written: link.url.clone(),
                        line: sp.start.line + line_offset,
                        column: char_column(body, sp.start.line, sp.start.column),
                    });
                    link.url = format!("{PATH_MARKER}{n}");
                }
            }
            _ => {}
        }
    }
    // `<!-- more -->` on a line of its own: the summary is everything above it (and the
    // marker is not shown); otherwise the first paragraph.
    out.meta.summary = marked_summary(root)
        .unwrap_or_else(|| truncate_words(first_paragraph.unwrap_or_default().trim(), 280));
    // Each image becomes its marker, resolved once its file is known.
    for (n, node) in images.into_iter().enumerate() {
        while let Some(c) = node.first_child() {
            c.detach();
        }
        let start = if out.meta.images[n].figure {
            FIGURE_MARKER
        } else {
            IMAGE_MARKER
        };
        node.data_mut().value = NodeValue::Text(format!("{start}{n}{MARKER_END}").into());
    }
    let adapter = Headings(Mutex::new(ids.into_iter()));
    let mut plugins = Plugins::default();
    plugins.render.heading_adapter = Some(&adapter);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    // Writing into a String cannot fail.
    let _ = comrak::format_html_with_plugins(root, &options, &mut html, &plugins);
    // Heading ids are already known; keep the others (footnotes, raw HTML).
    out.meta.digest = out.meta.compute_digest();
    out.meta.ids = collect_ids(&html)
        .into_iter()
        .filter(|id| !out.meta.headings.iter().any(|h| &h.id == id))
        .collect();
    out.html = html;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FR: MarkdownOptions = MarkdownOptions {
        allow_html: false,
        french_typography: true,
    };

    #[test]
    fn can_render_gfm_with_heading_ids() {
        let md = "## Les axes\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~non~~ https://example.org\n\nNote[^1].\n\n[^1]: Une note.\n";
        let r = render_markdown(md, "p.md", 0, FR);
        assert!(
            r.html.contains("<h2 id=\"les-axes\">Les axes</h2>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>non</del>"));
        assert!(r.html.contains("<a href=\"https://example.org\">"));
        assert!(r.html.contains("footnote"));
        assert_eq!(r.meta.headings[0].id, "les-axes");
    }

    #[test]
    fn a_more_marker_ends_the_summary_and_is_not_shown() {
        let md = "## Titre\n\nPremier paragraphe.\n\n- un point\n\n<!-- more -->\n\nLa suite.\n";
        for allow_html in [false, true] {
            let opts = MarkdownOptions { allow_html, ..FR };
            let r = render_markdown(md, "p.md", 0, opts);
            assert_eq!(r.meta.summary, "Premier paragraphe. un point");
            assert!(!r.html.contains("more"), "{}", r.html);
            assert!(r.html.contains("La suite."));
        }
        let r = render_markdown("Un.\n\n<!--More-->\n\nDeux.\n", "p.md", 0, FR);
        assert_eq!(r.meta.summary, "Un.");
        // Without the marker, the first paragraph.
        let r = render_markdown("Un.\n\nDeux.\n", "p.md", 0, FR);
        assert_eq!(r.meta.summary, "Un.");
    }

    #[test]
    fn makes_predictable_heading_anchors() {
        let md = "## Et après ?\n\n## L'équipe\n\n## Et après ?\n\n## ?!\n\n## الخطوات التالية\n";
        let r = render_markdown(md, "p.md", 0, FR);
        let ids: Vec<&str> = r.meta.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "et-apres",
                "l-equipe",
                "et-apres-1",
                "section",
                "الخطوات-التالية"
            ]
        );
        assert!(r.html.contains("<h2 id=\"et-apres\">"), "{}", r.html);
    }

    #[test]
    fn can_apply_french_typography() {
        assert_eq!(
            french_typography("Pourquoi ? « Oui » : bien!"),
            "Pourquoi\u{202f}? «\u{202f}Oui\u{202f}»\u{202f}: bien\u{202f}!"
        );
        let r = render_markdown("Vraiment ?\n", "p.md", 0, FR);
        assert!(r.html.contains("Vraiment\u{202f}?"));
        assert_eq!(
            french_typography("de 500 à 1 000 personnes, 2 000 Français"),
            "de 500 à 1\u{202f}000 personnes, 2\u{202f}000 Français"
        );
        assert_eq!(
            french_typography("le 25 janvier 2024 1 2345"),
            "le 25 janvier 2024 1 2345"
        );
    }

    #[test]
    fn can_escape_raw_html() {
        let r = render_markdown(
            "<script>alert(1)</script>\n\nHello <b>x</b>\n",
            "p.md",
            0,
            FR,
        );
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;"));
    }

    #[test]
    fn can_collect_source_links_with_lines() {
        let md = "Intro.\n\nVoir [le manifeste](@/manifeste.md#axes) et [là](../a/b.md) et [ici](#haut).\n";
        let r = render_markdown(md, "actualites/x.md", 4, FR);
        assert_eq!(r.meta.links.len(), 3);
        assert_eq!(r.meta.links[0].target.as_deref(), Some("manifeste.md"));
        assert_eq!(r.meta.links[0].anchor.as_deref(), Some("axes"));
        assert_eq!(r.meta.links[0].line, 7);
        assert_eq!(r.meta.links[1].target.as_deref(), Some("a/b.md"));
        assert_eq!(r.meta.links[2].target, None);
        assert!(r.html.contains("href=\"marque-link:0\""));
        assert_eq!(r.meta.summary, "Intro.");
    }

    #[test]
    fn can_mark_images_and_figures_with_their_columns() {
        let md = "![Le port](port.jpg \"Le port : à l'aube\")\n\nÀ côté ![Une bouée](b.png) en ligne.\n\nTexte \u{E000}0\u{E001} glissé.\n";
        let r = render_markdown(md, "a/index.md", 3, FR);
        assert_eq!(r.meta.images.len(), 2);
        let (fig, inline) = (&r.meta.images[0], &r.meta.images[1]);
        assert!(fig.figure && !inline.figure);
        assert_eq!((fig.line, fig.column), (4, 1));
        assert_eq!(fig.alt, "Le port");
        assert_eq!(fig.title, "Le port : à l'aube");
        // Columns count characters, as editors do ("À" is two bytes).
        assert_eq!((inline.line, inline.column), (6, 8));
        // The summary is the first paragraph of text, not a picture's alt text.
        assert_eq!(r.meta.summary, "À côté Une bouée en ligne.");
        let html = resolve_images(&r.html, &r.meta.images, &|n| Some(format!("[image {n}]")));
        assert!(html.starts_with("[image 0]"), "{html}");
        assert!(html.contains("<p>À côté [image 1] en ligne.</p>"), "{html}");
        // Markers typed in the text are not taken for images.
        assert!(html.contains("<p>Texte 0 glissé.</p>"), "{html}");
    }
}
