//! YAML reading with positions: every YAML problem becomes a [`Diagnostic`] with the
//! file, line and column counted from the start of the file.

use std::fmt;
use std::path::Path;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use crate::diag::{Diagnostic, hint};

/// Line and column (1-based) in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

fn pos_of(loc: &serde_saphyr::Location, line_offset: usize) -> Pos {
    Pos {
        line: loc.line() as usize + line_offset,
        column: loc.column() as usize,
    }
}

/// Turns a serde-saphyr error into a diagnostic for `path`, adding "did you mean" hints
/// to unknown-field and unknown-variant errors.
pub fn error_to_diagnostic(
    err: &serde_saphyr::Error,
    path: &Path,
    line_offset: usize,
) -> Diagnostic {
    let message = plain_message(err);
    let mut d = Diagnostic::error(path, message);
    if let Some(loc) = err.location() {
        let p = pos_of(&loc, line_offset);
        if p.line > 0 {
            d = d.at(p.line, p.column.max(1));
        }
    }
    d
}

/// The message of a serde error without snippets or position, rewritten in our style.
fn plain_message(err: &serde_saphyr::Error) -> String {
    let full = match err {
        serde_saphyr::Error::Message { msg, .. } => msg.clone(),
        other => other
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    let mut msg = full.trim();
    msg = msg.strip_prefix("error: ").unwrap_or(msg);
    // Drop a leading "line N column M: " (we report the position ourselves).
    if let Some(rest) = msg.strip_prefix("line ")
        && let Some(i) = rest.find(": ")
        && rest[..i]
            .split(' ')
            .all(|w| w == "column" || w.bytes().all(|b| b.is_ascii_digit()))
    {
        msg = &rest[i + 2..];
    }
    rewrite_serde_message(msg)
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" into
/// "unknown field 'x' (did you mean 'a'?); expected one of: a, b".
pub fn rewrite_serde_message(msg: &str) -> String {
    let msg = msg.replace('`', "'");
    for (prefix, what) in [("unknown field '", "field"), ("unknown variant '", "value")] {
        if let Some(rest) = msg.strip_prefix(prefix)
            && let Some(end) = rest.find('\'')
        {
            let word = &rest[..end];
            let tail = &rest[end + 1..];
            let list = tail
                .split_once("expected one of ")
                .or_else(|| tail.split_once("expected "))
                .map(|(_, l)| l)
                .unwrap_or("");
            let candidates: Vec<&str> = list
                .split(", ")
                .map(|c| c.trim().trim_matches('\''))
                .filter(|c| !c.is_empty() && !c.contains(' '))
                .collect();
            let h = hint(word, &candidates);
            let expected = if candidates.is_empty() {
                String::new()
            } else {
                format!("; expected one of: {}", candidates.join(", "))
            };
            return format!("unknown {what} '{word}'{h}{expected}");
        }
    }
    if msg.starts_with("budget breached: Depth") {
        return format!(
            "lists and mappings are nested more than {MAX_NESTING} levels deep here: no marque file needs that many, write it flatter"
        );
    }
    if let Some(rest) = msg.strip_prefix("budget breached: ") {
        return format!(
            "the file is too large or too repetitive to read ({rest}): write it plainly, without long chains of aliases"
        );
    }
    if let Some(rest) = msg.strip_prefix("duplicate mapping key") {
        let key = rest
            .strip_prefix(": ")
            .and_then(|r| r.split(", set DuplicateKeyPolicy").next())
            .map(|k| format!(" '{}'", k.trim_matches('\'')))
            .unwrap_or_default();
        return format!("the key{key} is written twice in the same mapping: keep only one");
    }
    if let Some(rest) = msg.strip_prefix("missing field '")
        && let Some(end) = rest.find('\'')
    {
        return format!("missing field '{}'", &rest[..end]);
    }
    msg
}

/// Nesting deeper than any real file has (brand and kit files go six levels deep).
/// Reading a level costs stack, a lot of it in debug builds: the bound keeps a hostile
/// file from overflowing the stack of the thread that reads it.
pub const MAX_NESTING: usize = 24;

/// The reading options: the library's limits, nesting bounded by [`MAX_NESTING`].
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_NESTING;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// Parses `text` (the content of `path`, starting at line `line_offset + 1`) as `T`.
pub fn parse<T: DeserializeOwned>(
    text: &str,
    path: &Path,
    line_offset: usize,
) -> Result<T, Diagnostic> {
    if text.trim().is_empty() {
        // An empty document is an empty map for our purposes.
        return serde_saphyr::from_str::<T>("{}")
            .map_err(|e| error_to_diagnostic(&e, path, line_offset));
    }
    serde_saphyr::from_str_with_options::<T>(text, options())
        .map_err(|e| error_to_diagnostic(&e, path, line_offset))
}

/// A YAML mapping read with the position of each key and value, in document order.
#[derive(Debug, Clone, Default)]
pub struct SpannedMap(pub Vec<(Spanned<String>, Spanned<serde_json::Value>)>);

impl<'de> Deserialize<'de> for SpannedMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SpannedMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of fields (key: value)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SpannedMap, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<Spanned<String>>()? {
                    let v = map.next_value::<Spanned<serde_json::Value>>()?;
                    out.push((k, v));
                }
                Ok(SpannedMap(out))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<SpannedMap, E> {
                Ok(SpannedMap::default())
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// The first control character of `s` that no page, PDF or SVG can show (anything
/// but tab and line ends), if any.
pub fn control_char(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// False when `text` surely holds no control character, raw or escaped (a quick scan of
/// its bytes: C1 controls start with 0xC2, escapes with a backslash).
pub fn may_hold_control(text: &str) -> bool {
    // Without early exits inside a chunk, so that the loop runs on vector registers.
    text.as_bytes().chunks(64).any(|chunk| {
        chunk.iter().fold(false, |acc, &c| {
            acc | ((c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r'))
                | (c == 0x7F)
                | (c == 0xC2)
                | (c == b'\\')
        })
    })
}

/// The message for a text holding control character `c`.
pub fn control_char_message(field: &str, c: char) -> String {
    format!(
        "{field}: holds the control character U+{:04X}, which no page, picture or PDF can show: remove it",
        c as u32
    )
}

/// A YAML node with its position, to find text anywhere in a file.
enum Node {
    Text(String),
    List(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
    Other,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Text(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::Text(v))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element::<Spanned<Node>>()? {
                    out.push(v);
                }
                Ok(Node::List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = a.next_key::<Spanned<String>>()? {
                    out.push((k, a.next_value::<Spanned<Node>>()?));
                }
                Ok(Node::Map(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Every text of a YAML file that holds a control character, as errors at its line
/// (a NUL pasted into a kit's name would otherwise break every file drawn from it).
/// A file that does not parse gives nothing here: its parse error is reported anyway.
pub fn check_control_chars(text: &str, path: &Path, line_offset: usize) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !may_hold_control(text) {
        return out;
    }
    let Ok(root) = serde_saphyr::from_str_with_options::<Spanned<Node>>(text, options()) else {
        return out;
    };
    let mut stack: Vec<(String, &Spanned<Node>)> = vec![(String::new(), &root)];
    while let Some((field, node)) = stack.pop() {
        match &node.value {
            Node::Text(t) => {
                if let Some(c) = control_char(t) {
                    let p = pos_of(&node.referenced, line_offset);
                    let name = if field.is_empty() { "a text" } else { &field };
                    out.push(
                        Diagnostic::error(path, control_char_message(name, c))
                            .at(p.line.max(1), p.column.max(1)),
                    );
                }
            }
            Node::List(items) => {
                for (i, v) in items.iter().enumerate() {
                    stack.push((format!("{field}[{i}]"), v));
                }
            }
            Node::Map(entries) => {
                for (k, v) in entries {
                    let name = if field.is_empty() {
                        k.value.clone()
                    } else {
                        format!("{field}.{}", k.value)
                    };
                    stack.push((name, v));
                }
            }
            Node::Other => {}
        }
    }
    out.sort_by_key(|d| d.line);
    out
}

/// A value with the position of its key in the file.
#[derive(Debug, Clone)]
pub struct Field {
    /// The key.
    pub key: String,
    /// Where the key starts.
    pub key_pos: Pos,
    /// Where the value starts.
    pub value_pos: Pos,
    /// The value, as JSON.
    pub value: serde_json::Value,
}

/// Parses a YAML mapping with positions; `line_offset` lines precede `text` in the file.
pub fn parse_fields(text: &str, path: &Path, line_offset: usize) -> Result<Vec<Field>, Diagnostic> {
    let map: SpannedMap = parse(text, path, line_offset)?;
    Ok(map
        .0
        .into_iter()
        .map(|(k, v)| Field {
            key_pos: pos_of(&k.referenced, line_offset),
            value_pos: pos_of(&v.referenced, line_offset),
            key: k.value,
            value: v.value,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        title: String,
        date: Option<String>,
    }

    #[test]
    fn rejects_unknown_field_with_hint_and_position() {
        let err = parse::<T>("title: a\ntittle: b\n", Path::new("x.yaml"), 1).unwrap_err();
        assert!(
            err.message
                .contains("unknown field 'tittle' (did you mean 'title'?)"),
            "{}",
            err.message
        );
        assert_eq!(err.line, Some(3), "{err}");
    }

    #[test]
    fn can_read_fields_with_positions() {
        let f = parse_fields("title: Hello\ntags: [a, b]\n", Path::new("x.md"), 1).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].key, "tags");
        assert_eq!(f[1].key_pos.line, 3);
        assert_eq!(f[1].key_pos.column, 1);
        assert_eq!(f[1].value, serde_json::json!(["a", "b"]));
    }

    #[test]
    fn rejects_duplicate_keys_in_our_words() {
        let err = parse::<T>("title: a\ntitle: b\n", Path::new("x.yaml"), 0).unwrap_err();
        assert_eq!(
            err.message, "the key 'title' is written twice in the same mapping: keep only one",
            "{err}"
        );
        assert_eq!(err.line, Some(2), "{err}");
    }

    #[test]
    fn rejects_malformed_yaml_with_line() {
        let err = parse_fields("title: [unclosed\n", Path::new("x.md"), 1).unwrap_err();
        assert!(err.line.is_some(), "{err}");
    }
}
