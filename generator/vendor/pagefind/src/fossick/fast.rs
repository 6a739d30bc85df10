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
    let b = html.as_bytes();
    let mut stack: Vec<Node> = vec![Node::root()];
    let mut meta: BTreeMap<String, String> = BTreeMap::new();
    let mut anchor_content: BTreeMap<String, String> = BTreeMap::new();
    let mut language: Option<String> = None;
    let mut html_state = 0u8; // 0: before <html>, 1: in it, 2: after it
    let mut anchor_counter = 0usize;
    let mut p_open = 0usize;
    let mut svg_depth = 0usize;
    let (mut old_bundle, mut default_ui) = (false, false);
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            let end = html[i..].find('<').map_or(b.len(), |e| e + i);
            let text = &html[i..end];
            if html_state == 1 {
                let top = stack.last_mut()?;
                top.value.push_str(text);
                let ignored = matches!(top.status, Status::Ignored | Status::Excluded);
                if !ignored {
                    if let Some(ids) = &top.anchor_ids {
                        for id in ids {
                            anchor_content.entry(id.clone()).or_default().push_str(text);
                        }
                    }
                }
            } else if !text.trim().is_empty() {
                return None;
            }
            i = end;
            continue;
        }
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i += rest.find("-->")? + 3;
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            if html_state != 0 {
                return None;
            }
            i += rest.find('>')? + 1;
            continue;
        }
        if let Some(after) = rest.strip_prefix("</") {
            let len = after.find('>')?;
            let name = after[..len].trim_end().to_ascii_lowercase();
            if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            i += 2 + len + 1;
            if html_state != 1 || stack.len() < 2 || stack.last()?.tag != name {
                return None;
            }
            if name == "p" {
                p_open -= 1;
            }
            if name == "svg" {
                svg_depth -= 1;
            }
            let mut node = stack.pop()?;
            if name == "html" {
                html_state = 2;
            }
            if node.status == Status::Excluded {
                continue;
            }
            if let Some(metas) = &node.meta {
                for m in metas {
                    if let Some((k, v)) = attribute_pair(m, &node.value) {
                        meta.insert(k, v);
                    }
                }
            }
            if name == "h1" && !meta.contains_key("auto_title") && !node.value.trim().is_empty() {
                meta.insert("auto_title".into(), normalize_content(&node.value));
            }
            if node.status == Status::Ignored {
                continue;
            }
            if SENTENCE.contains(&name.as_str()) {
                node.value.insert(0, ' ');
                if ends_sentence(&node.value) {
                    node.value.push('.');
                }
                node.value.push(' ');
            }
            if let Some(weight) = &node.weight {
                node.value = [
                    " ___PAGEFIND_WEIGHT___",
                    weight,
                    " ",
                    &node.value,
                    " ___END_PAGEFIND_WEIGHT___ ",
                ]
                .concat();
            } else if let Some(auto) = match name.as_str() {
                "h1" => Some("7"),
                "h2" => Some("6"),
                "h3" => Some("5"),
                "h4" => Some("4"),
                "h5" => Some("3"),
                "h6" => Some("2"),
                _ => None,
            } {
                node.value = [
                    " ___PAGEFIND_AUTO_WEIGHT___",
                    auto,
                    " ",
                    &node.value,
                    " ___END_PAGEFIND_WEIGHT___ ",
                ]
                .concat();
            }
            let parent = stack.last_mut()?;
            if parent.status == Status::ParentOfBody
                && node.status != Status::Body
                && node.status != Status::ParentOfBody
            {
                continue;
            }
            match node.status {
                Status::Ignored | Status::Excluded => {}
                Status::Indexing => parent.value.push_str(&node.value),
                Status::Body | Status::ParentOfBody => {
                    if parent.status != Status::ParentOfBody {
                        parent.value.clear();
                    }
                    parent.value.push_str(&node.value);
                    parent.status = Status::ParentOfBody;
                }
            }
            continue;
        }
        if !rest.as_bytes().get(1)?.is_ascii_alphabetic() {
            // A `<` that starts no tag is text.
            return None;
        }
        let (tag, end) = start_tag(html, i + 1)?;
        i = end;
        let name = tag.name.as_str();
        if LEFT_TO_LOL_HTML.contains(&name) {
            return None;
        }
        if name == "script" {
            // Only an empty one (a script loaded from its `src`), read for the
            // references pagefind looks for in it.
            if !html[i..].starts_with("</script>") {
                return None;
            }
            if let Some(src) = tag.get("src").ok()? {
                if src.starts_with("_pagefind") || src.contains("/_pagefind") {
                    old_bundle = true;
                }
                if src.contains("pagefind-ui.js") || src.contains("pagefind-modular-ui.js") {
                    default_ui = true;
                }
            }
        }
        match (html_state, name) {
            (0, "html") => {
                html_state = 1;
                if let Some(lang) = tag.get("lang").ok()? {
                    language = Some(lang.to_lowercase());
                }
            }
            (1, "html") | (0 | 2, _) => return None,
            _ => {}
        }
        // In an SVG drawing a self-closing element has no content; an HTML void
        // element there (or `<image>` outside one) is left to lol_html.
        let foreign = svg_depth > 0 || name == "svg";
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
        if tag.self_closing && !void {
            return None;
        }
        if p_open > 0 && CLOSES_P.contains(&name) {
            return None;
        }
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
        let node_meta = match tag.get("data-pagefind-meta").ok()? {
            Some(v) if v.contains('[') || v.contains(']') => return None,
            Some(v) => Some(parse_attr_string(v)),
            None => None,
        };
        let weight = tag.get("data-pagefind-weight").ok()?.map(str::to_owned);
        let element_id = tag
            .get("id")
            .ok()?
            .map(|id| ALL_SPACES.replace_all(id, "").into_owned());
        let parent = stack.last_mut()?;
        let mut anchor_id = None;
        if status != Status::Excluded && status != Status::Ignored {
            if let Some(element_id) = element_id {
                if !(parent.status == Status::ParentOfBody
                    && status != Status::Body
                    && status != Status::ParentOfBody)
                {
                    parent.value.push_str(&format!(
                        " ___PAGEFIND_ANCHOR___{name}:{anchor_counter}:{element_id} "
                    ));
                    anchor_id = Some(format!("{anchor_counter}:{element_id}"));
                    anchor_counter += 1;
                }
            }
        }
        if status != Status::Excluded && name == "br" {
            parent.value.push(' ');
        }
        let mut anchors = if parent.anchor_ids.is_some() && INLINE.contains(&name) {
            parent.anchor_ids.clone()
        } else {
            None
        };
        if let Some(id) = anchor_id {
            anchors.get_or_insert_with(Vec::new).push(id);
        }
        let mut node = Node {
            tag: tag.name.clone(),
            value: String::new(),
            status: if parent.status == Status::Excluded {
                Status::Excluded
            } else {
                status
            },
            meta: node_meta,
            weight,
            anchor_ids: anchors,
        };
        if REMOVE.contains(&name) {
            node.status = Status::Ignored;
        }
        if !void {
            if name == "p" {
                p_open += 1;
            }
            if name == "svg" {
                svg_depth += 1;
            }
            stack.push(node);
            continue;
        }
        // A void element ends where it starts.
        if node.status == Status::Excluded {
            continue;
        }
        if let Some(metas) = &node.meta {
            for m in metas {
                if let Some((k, v)) = attribute_pair(m, "") {
                    meta.insert(k, v);
                }
            }
        }
        if name == "img"
            && !meta.contains_key("auto_image")
            && (meta.contains_key("auto_title") || meta.contains_key("title"))
        {
            if let Some(src) = tag.get("src").ok()? {
                meta.insert("auto_image".into(), normalize_content(src));
                if let Some(alt) = tag.get("alt").ok()? {
                    meta.insert("auto_image_alt".into(), normalize_content(alt));
                }
            }
        }
    }
    if html_state != 2 || stack.len() != 1 {
        return None;
    }
    let root = stack.pop()?;
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
        digest: normalize_content(&root.value),
        filters: BTreeMap::new(),
        sort: BTreeMap::new(),
        meta,
        anchor_content,
        anchor_titles: BTreeMap::new(),
        has_custom_body: root.status == Status::ParentOfBody,
        force_inclusion: false,
        has_html_element: true,
        has_old_bundle_reference: old_bundle,
        has_default_ui_reference: default_ui,
        language: language
            .filter(|lang| !lang.is_empty())
            .unwrap_or_else(|| "unknown".into()),
    })
}
