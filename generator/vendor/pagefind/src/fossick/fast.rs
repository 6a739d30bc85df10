//! marque: a reader of well-formed HTML that gives what `parser::DomParser` gives
//! (the same digest, meta, anchors and language) without lol_html, for the pages a
//! site generator writes. It reads only a subset of HTML; anything outside it makes
//! it answer `None`, and the page is read by lol_html as before: a tag closed out of
//! order or left open, a block opened inside a `<p>`, raw-text elements, MathML, a
//! script with content, links, filters, sorts, default meta, index attributes,
//! anchor titles, an attribute it reads that holds a character reference, a
//! carriage return or a NUL, an exclude selector or another root selector in the
//! options. Reading the HTML with lol_html was the largest part of indexing a
//! large site.

use std::collections::BTreeMap;

use super::normalize_content;
use super::parser::{DomParserResult, ALL_SPACES, SENTENCE_CHARS};
use crate::SearchOptions;

/// The elements whose end marks a sentence (as `parser::SENTENCE_SELECTORS`).
const SENTENCE: &[&str] = &[
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "td", "div", "ul", "li", "article", "section",
];
/// The inline elements that carry their parent's anchors (as `parser::INLINE_SELECTORS`).
const INLINE: &[&str] = &[
    "a", "abbr", "acronym", "b", "bdo", "big", "br", "button", "cite", "code", "dfn", "em", "i",
    "img", "input", "kbd", "label", "map", "object", "output", "q", "samp", "script", "select",
    "small", "span", "strong", "sub", "sup", "textarea", "time", "tt", "var",
];
/// The elements whose content is not indexed (as `parser::REMOVE_SELECTORS`).
const REMOVE: &[&str] = &[
    "head", "style", "script", "noscript", "label", "form", "svg", "footer", "nav", "iframe",
    "template",
];
/// The void elements: no content, no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
];
/// Elements this reader leaves to lol_html: raw text, MathML, elements that are void
/// in some parsers only, and those pagefind looks at for other reasons.
const LEFT_TO_LOL_HTML: &[&str] = &[
    "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
    "noscript", "plaintext", "template", "math", "link", "keygen", "basefont", "bgsound",
    "frame", "menuitem", "select", "option",
];
/// Elements that close an open `<p>` in a browser (and may in lol_html): inside a
/// `<p>` they are left to lol_html.
const CLOSES_P: &[&str] = &[
    "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul",
];
/// The HTML elements that end an SVG drawing where they appear in it, and those
/// whose content is HTML again: in a drawing they are left to lol_html.
const LEAVES_SVG: &[&str] = &[
    "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em",
    "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing",
    "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong", "strike",
    "sub", "sup", "table", "tt", "u", "ul", "var", "font", "foreignobject", "desc", "title",
];
/// Attributes only lol_html's reader handles.
const LEFT_ATTRIBUTES: &[&str] = &[
    "data-pagefind-filter",
    "data-pagefind-sort",
    "data-pagefind-default-meta",
    "data-pagefind-index-attrs",
    "data-pagefind-title",
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Status {
    Indexing,
    Ignored,
    Excluded,
    Body,
    ParentOfBody,
}

struct Node {
    tag: String,
    value: String,
    status: Status,
    meta: Option<Vec<String>>,
    weight: Option<String>,
    anchor_ids: Option<Vec<String>>,
}

impl Node {
    fn root() -> Self {
        Node {
            tag: String::new(),
            value: String::new(),
            status: Status::Indexing,
            meta: None,
            weight: None,
            anchor_ids: None,
        }
    }
}

/// A start tag's name and attributes (names in lower case, values as written).
struct Tag<'a> {
    name: String,
    attributes: Vec<(String, &'a str)>,
    self_closing: bool,
}

impl Tag<'_> {
    /// The value of an attribute that is read: `Err` when it holds a character
    /// reference (lol_html would decode it).
    fn get(&self, name: &str) -> Result<Option<&str>, ()> {
        match self.attributes.iter().find(|(n, _)| n == name) {
            Some((_, v)) if v.contains('&') => Err(()),
            Some((_, v)) => Ok(Some(*v)),
            None => Ok(None),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.attributes.iter().any(|(n, _)| n == name)
    }
}

/// As `parser::parse_attr_string`, for values without an `[attribute]` reference.
fn parse_attr_string(input: &str) -> Vec<String> {
    if let Some((attrs, literal)) = input.split_once(':') {
        let mut attrs = parse_attr_string(attrs);
        if let Some(last) = attrs.last_mut() {
            last.push(':');
            last.push_str(literal);
        }
        return attrs;
    }
    input.split(',').map(|c| c.trim().to_owned()).collect()
}

/// As `DomParsingNode::get_attribute_pair`.
fn attribute_pair(input: &str, value: &str) -> Option<(String, String)> {
    match input.split_once(':') {
        Some((k, v)) => Some((k.to_owned(), normalize_content(v))),
        None if value.is_empty() => None,
        None => Some((input.to_owned(), normalize_content(value))),
    }
}

fn ends_sentence(value: &str) -> bool {
    value
        .chars()
        .last()
        .is_some_and(|c| SENTENCE_CHARS.is_match(c.encode_utf8(&mut [0; 4])))
}

/// Reads a start tag at `at` (just after `<`); the tag and where it ends.
fn start_tag(html: &str, at: usize) -> Option<(Tag<'_>, usize)> {
    let b = html.as_bytes();
    let mut i = at;
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    if i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>') {
        return None;
    }
    let name = html[at..i].to_ascii_lowercase();
    let mut attributes: Vec<(String, &str)> = Vec::new();
    let mut self_closing = false;
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            i += 1;
        }
        match b.get(i)? {
            b'>' => return Some((Tag { name, attributes, self_closing }, i + 1)),
            b'/' if b.get(i + 1) == Some(&b'>') => {
                self_closing = true;
                i += 1;
                continue;
            }
            b'/' | b'"' | b'\'' | b'<' | b'=' => return None,
            _ => {}
        }
        let from = i;
        while i < b.len()
            && !matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>' | b'=')
        {
            if matches!(b[i], b'"' | b'\'' | b'<') {
                return None;
            }
            i += 1;
        }
        let attr = html[from..i].to_ascii_lowercase();
        let mut value = "";
        if b.get(i) == Some(&b'=') {
            i += 1;
            match b.get(i)? {
                q @ (b'"' | b'\'') => {
                    let end = html[i + 1..].find(*q as char)? + i + 1;
                    value = &html[i + 1..end];
                    i = end + 1;
                }
                _ => {
                    let from = i;
                    while i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>')
                    {
                        if matches!(b[i], b'"' | b'\'' | b'<' | b'=' | b'`') {
                            return None;
                        }
                        i += 1;
                    }
                    value = &html[from..i];
                }
            }
        }
        if attributes.iter().any(|(n, _)| *n == attr) {
            return None;
        }
        attributes.push((attr, value));
    }
}

/// What `DomParser` would give for `html`, or `None` when it is outside the subset.
pub fn parse(html: &str, options: &SearchOptions) -> Option<DomParserResult> {
    if options.root_selector != "html" || !options.exclude_selectors.is_empty() {
        return None;
    }
    // An HTML parser turns carriage returns into line feeds and NUL into U+FFFD
    // in places: such pages are left to lol_html.
    if html.bytes().any(|c| c == b'\r' || c == 0) {
        return None;
    }
    let mut reader = Reader::default();
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        if !rest.starts_with('<') {
            let end = rest.find('<').unwrap_or(rest.len());
            reader.text(&rest[..end])?;
            i += end;
        } else if rest.starts_with("<!--") {
            i += rest.find("-->")? + 3;
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            // A doctype or processing instruction, only before `<html>`.
            if reader.html_state != HtmlState::Before {
                return None;
            }
            i += rest.find('>')? + 1;
        } else if let Some(after) = rest.strip_prefix("</") {
            let len = after.find('>')?;
            let name = after[..len].trim_end().to_ascii_lowercase();
            if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            reader.end_tag(&name)?;
            i += 2 + len + 1;
        } else if rest.as_bytes().get(1)?.is_ascii_alphabetic() {
            let (tag, end) = start_tag(html, i + 1)?;
            // Only an empty script (loaded from its `src`) is read.
            if tag.name == "script" && !html[end..].starts_with("</script>") {
                return None;
            }
            reader.start_tag(&tag)?;
            i = end;
        } else {
            // A `<` that starts no tag is text.
            return None;
        }
    }
    reader.finish()
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum HtmlState {
    #[default]
    Before,
    In,
    After,
}

/// What is read so far: the open elements (`DomParser`'s nodes, the root first) and
/// what the page gives besides its digest.
struct Reader {
    stack: Vec<Node>,
    meta: BTreeMap<String, String>,
    anchor_content: BTreeMap<String, String>,
    language: Option<String>,
    html_state: HtmlState,
    anchor_counter: usize,
    p_open: usize,
    svg_depth: usize,
    old_bundle: bool,
    default_ui: bool,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            stack: vec![Node::root()],
            meta: BTreeMap::new(),
            anchor_content: BTreeMap::new(),
            language: None,
            html_state: HtmlState::Before,
            anchor_counter: 0,
            p_open: 0,
            svg_depth: 0,
            old_bundle: false,
            default_ui: false,
        }
    }
}

impl Reader {
    /// Text goes to the innermost open element and to the anchors it carries.
    fn text(&mut self, text: &str) -> Option<()> {
        if self.html_state != HtmlState::In {
            // Outside `<html>` only white space is read the same way.
            return text.trim().is_empty().then_some(());
        }
        let top = self.stack.last_mut()?;
        top.value.push_str(text);
        if !matches!(top.status, Status::Ignored | Status::Excluded) {
            if let Some(ids) = &top.anchor_ids {
                for id in ids {
                    self.anchor_content
                        .entry(id.clone())
                        .or_default()
                        .push_str(text);
                }
            }
        }
        Some(())
    }

    /// The meta an element gives (`data-pagefind-meta`), its content being `value`.
    fn take_meta(&mut self, node: &Node, value: &str) {
        if let Some(metas) = &node.meta {
            for m in metas {
                if let Some((k, v)) = attribute_pair(m, value) {
                    self.meta.insert(k, v);
                }
            }
        }
    }

    /// As the end tag handler of `DomParser`: the element's content, marked and
    /// weighted, goes to its parent.
    fn end_tag(&mut self, name: &str) -> Option<()> {
        if self.html_state != HtmlState::In || self.stack.len() < 2 || self.stack.last()?.tag != name
        {
            return None;
        }
        match name {
            "p" => self.p_open -= 1,
            "svg" => self.svg_depth -= 1,
            "html" => self.html_state = HtmlState::After,
            _ => {}
        }
        let mut node = self.stack.pop()?;
        if node.status == Status::Excluded {
            return Some(());
        }
        self.take_meta(&node, &node.value);
        if name == "h1" && !self.meta.contains_key("auto_title") && !node.value.trim().is_empty()
        {
            self.meta
                .insert("auto_title".into(), normalize_content(&node.value));
        }
        if node.status == Status::Ignored {
            return Some(());
        }
        // marque: the marks and the content are written into the parent's value
        // in place (the content moved when the parent has none yet), rather than
        // the content shifted, wrapped into a new string and copied.
        let sentence = SENTENCE.contains(&name);
        // (The last character of " " + the content.)
        let last = if node.value.is_empty() { " " } else { &node.value };
        let period = sentence && ends_sentence(last);
        let auto_weight = match name {
            "h1" => Some("7"),
            "h2" => Some("6"),
            "h3" => Some("5"),
            "h4" => Some("4"),
            "h5" => Some("3"),
            "h6" => Some("2"),
            _ => None,
        };
        let mark = match (&node.weight, auto_weight) {
            (Some(weight), _) => Some((" ___PAGEFIND_WEIGHT___", weight.as_str())),
            (None, Some(auto)) => Some((" ___PAGEFIND_AUTO_WEIGHT___", auto)),
            (None, None) => None,
        };
        let parent = self.stack.last_mut()?;
        if parent.status == Status::ParentOfBody
            && node.status != Status::Body
            && node.status != Status::ParentOfBody
        {
            return Some(());
        }
        match node.status {
            Status::Ignored | Status::Excluded => return Some(()),
            Status::Indexing => {}
            Status::Body | Status::ParentOfBody => {
                if parent.status != Status::ParentOfBody {
                    parent.value.clear();
                }
                parent.status = Status::ParentOfBody;
            }
        }
        let out = &mut parent.value;
        if out.is_empty() && !sentence && mark.is_none() {
            *out = std::mem::take(&mut node.value);
            return Some(());
        }
        out.reserve(node.value.len() + 64);
        if let Some((mark, weight)) = mark {
            out.push_str(mark);
            out.push_str(weight);
            out.push(' ');
        }
        if sentence {
            out.push(' ');
        }
        out.push_str(&node.value);
        if period {
            out.push('.');
        }
        if sentence {
            out.push(' ');
        }
        if mark.is_some() {
            out.push_str(" ___END_PAGEFIND_WEIGHT___ ");
        }
        Some(())
    }

    /// As the element handler of `DomParser`: a new open element (or, for a void
    /// one, its meta and picture at once).
    fn start_tag(&mut self, tag: &Tag<'_>) -> Option<()> {
        let name = tag.name.as_str();
        if LEFT_TO_LOL_HTML.contains(&name) {
            return None;
        }
        if name == "script" {
            // Read for the references pagefind looks for in it.
            if let Some(src) = tag.get("src").ok()? {
                if src.starts_with("_pagefind") || src.contains("/_pagefind") {
                    self.old_bundle = true;
                }
                if src.contains("pagefind-ui.js") || src.contains("pagefind-modular-ui.js") {
                    self.default_ui = true;
                }
            }
        }
        match (self.html_state, name) {
            (HtmlState::Before, "html") => {
                self.html_state = HtmlState::In;
                if let Some(lang) = tag.get("lang").ok()? {
                    self.language = Some(lang.to_lowercase());
                }
            }
            (HtmlState::In, "html") | (HtmlState::Before | HtmlState::After, _) => return None,
            _ => {}
        }
        // In an SVG drawing a self-closing element has no content; an HTML void
        // element there (or `<image>` outside one) is left to lol_html.
        let foreign = self.svg_depth > 0 || name == "svg";
        if (foreign && (VOID.contains(&name) || LEAVES_SVG.contains(&name)))
            || (!foreign && name == "image")
        {
            return None;
        }
        let void = if foreign {
            tag.self_closing
        } else {
            VOID.contains(&name)
        };
        if (tag.self_closing && !void) || (self.p_open > 0 && CLOSES_P.contains(&name)) {
            return None;
        }
        let node = self.open(tag)?;
        if !void {
            match name {
                "p" => self.p_open += 1,
                "svg" => self.svg_depth += 1,
                _ => {}
            }
            self.stack.push(node);
            return Some(());
        }
        // A void element ends where it starts.
        if node.status == Status::Excluded {
            return Some(());
        }
        self.take_meta(&node, "");
        if name == "img"
            && !self.meta.contains_key("auto_image")
            && (self.meta.contains_key("auto_title") || self.meta.contains_key("title"))
        {
            if let Some(src) = tag.get("src").ok()? {
                self.meta
                    .insert("auto_image".into(), normalize_content(src));
                if let Some(alt) = tag.get("alt").ok()? {
                    self.meta
                        .insert("auto_image_alt".into(), normalize_content(alt));
                }
            }
        }
        Some(())
    }

    /// The node of a start tag, with its status, meta, weight and anchors; its
    /// anchor mark (and a `<br>`'s space) go to its parent.
    fn open(&mut self, tag: &Tag<'_>) -> Option<Node> {
        let name = tag.name.as_str();
        if LEFT_ATTRIBUTES.iter().any(|a| tag.has(a)) {
            return None;
        }
        let explicit_ignore = match tag.get("data-pagefind-ignore").ok()? {
            None => None,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "" | "index" | "true" => Some(Status::Ignored),
                "all" => Some(Status::Excluded),
                _ => return None,
            },
        };
        let status = if tag.has("data-pagefind-body") {
            Status::Body
        } else {
            explicit_ignore.unwrap_or(Status::Indexing)
        };
        let meta = match tag.get("data-pagefind-meta").ok()? {
            Some(v) if v.contains('[') || v.contains(']') => return None,
            Some(v) => Some(parse_attr_string(v)),
            None => None,
        };
        let weight = tag.get("data-pagefind-weight").ok()?.map(str::to_owned);
        let element_id = tag
            .get("id")
            .ok()?
            .map(|id| ALL_SPACES.replace_all(id, "").into_owned());
        let parent = self.stack.last_mut()?;
        let mut anchor_id = None;
        if status != Status::Excluded && status != Status::Ignored {
            if let Some(element_id) = element_id {
                if !(parent.status == Status::ParentOfBody
                    && status != Status::Body
                    && status != Status::ParentOfBody)
                {
                    let counter = self.anchor_counter;
                    parent.value.push_str(&format!(
                        " ___PAGEFIND_ANCHOR___{name}:{counter}:{element_id} "
                    ));
                    anchor_id = Some(format!("{counter}:{element_id}"));
                    self.anchor_counter += 1;
                }
            }
        }
        if status != Status::Excluded && name == "br" {
            parent.value.push(' ');
        }
        let mut anchor_ids = if parent.anchor_ids.is_some() && INLINE.contains(&name) {
            parent.anchor_ids.clone()
        } else {
            None
        };
        if let Some(id) = anchor_id {
            anchor_ids.get_or_insert_with(Vec::new).push(id);
        }
        let status = if REMOVE.contains(&name) {
            Status::Ignored
        } else if parent.status == Status::Excluded {
            Status::Excluded
        } else {
            status
        };
        Some(Node {
            tag: tag.name.clone(),
            value: String::new(),
            status,
            meta,
            weight,
            anchor_ids,
        })
    }

    /// As `DomParser::wrap`, for a page read to its end with every element closed.
    fn finish(mut self) -> Option<DomParserResult> {
        if self.html_state != HtmlState::After || self.stack.len() != 1 {
            return None;
        }
        let root = self.stack.pop()?;
        let mut meta = self.meta;
        if let Some(image) = meta.remove("auto_image") {
            let alt = meta.remove("auto_image_alt").unwrap_or_default();
            if !meta.contains_key("image") {
                meta.insert("image".into(), image);
                meta.insert("image_alt".into(), alt);
            }
        }
        if let Some(title) = meta.remove("auto_title") {
            meta.entry("title".into()).or_insert(title);
        }
        Some(DomParserResult {
            // marque: only the digest's words are read (`parse_digest` splits it
            // at whitespace), so its whitespace is left as it is: entities decoded,
            // as `normalize_content` does, not its runs of whitespace made one.
            digest: html_escape::decode_html_entities(&root.value).into_owned(),
            filters: BTreeMap::new(),
            sort: BTreeMap::new(),
            meta,
            anchor_content: self.anchor_content,
            anchor_titles: BTreeMap::new(),
            has_custom_body: root.status == Status::ParentOfBody,
            force_inclusion: false,
            has_html_element: true,
            has_old_bundle_reference: self.old_bundle,
            has_default_ui_reference: self.default_ui,
            language: self
                .language
                .filter(|lang| !lang.is_empty())
                .unwrap_or_else(|| "unknown".into()),
        })
    }
}

