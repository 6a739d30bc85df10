//! The theme's templates: Tera errors as diagnostics on the template file, and the hash
//! of each template with every template it extends or includes.

use super::*;

/// A Tera error as a diagnostic on the template file (below `theme_dir/templates`).
pub fn tera_error(
    e: &tera::Error,
    theme_dir: &std::path::Path,
    fallback_template: &str,
) -> Diagnostic {
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let file = if r.filename().is_empty() {
                fallback_template
            } else {
                r.filename()
            };
            let mut msg = r.message().replace('`', "'");
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            Diagnostic::error(theme_dir.join("templates").join(file), msg)
                .at(r.span().start_line, r.span().start_col + 1)
        }
        tera::ErrorKind::TemplateNotFound(name) => Diagnostic::error(
            theme_dir.join("templates"),
            format!("template '{name}' does not exist"),
        ),
        tera::ErrorKind::MissingParent { current, parent } => Diagnostic::error(
            theme_dir.join("templates").join(current),
            format!("extends '{parent}', which does not exist"),
        ),
        other => {
            let text = other.to_string().replace('`', "'");
            match parse_report(&text) {
                Some((file, line, col, msg)) => {
                    Diagnostic::error(theme_dir.join("templates").join(file), msg).at(line, col)
                }
                None => {
                    Diagnostic::error(theme_dir.join("templates").join(fallback_template), text)
                }
            }
        }
    }
}

/// Reads Tera's text report (`error: msg` then ` --> file:line:col`) into its parts.
pub(super) fn parse_report(text: &str) -> Option<(String, usize, usize, String)> {
    let mut lines = text.lines();
    let first = lines.next()?;
    let msg = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let at = lines.find_map(|l| l.trim_start().strip_prefix("--> "))?;
    let mut parts = at.rsplitn(3, ':');
    let col: usize = parts.next()?.trim().parse().ok()?;
    let line: usize = parts.next()?.trim().parse().ok()?;
    let file = parts.next()?.trim().to_string();
    Some((file, line, col, msg))
}

/// The names of the templates `src` extends or includes (`{% extends "base.html" %}`,
/// `{% include "partials/card.html" %}`). Errs on the side of finding too many.
pub(super) fn template_references(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in ["extends", "include"] {
        let mut rest = src;
        while let Some(i) = rest.find(word) {
            let after = rest[i + word.len()..].trim_start();
            rest = &rest[i + word.len()..];
            let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            if let Some(end) = after[1..].find(q) {
                out.push(after[1..1 + end].to_string());
            }
        }
    }
    out
}

/// For each template: the hash of its source and of every template it reaches through
/// `extends` and `include`, so that a page is rendered again when one of those changes.
/// Templates that show a global variable (their text names it) also depend on its
/// hash.
/// The names a template and every template it reaches write: a field of a value that
/// none of them names can be reached only dynamically (a subscript with a variable,
/// `json_encode`, a loop over a map's entries), and a template that does any of that
/// counts as naming every field.
#[derive(Debug, Default)]
pub(super) struct Names {
    words: std::collections::HashSet<String>,
    dynamic: bool,
}

impl Names {
    fn add(&mut self, src: &str) {
        for w in src.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !w.is_empty() && !self.words.contains(w) {
                self.words.insert(w.to_string());
            }
        }
        let b = src.as_bytes();
        let subscript = b
            .windows(2)
            .any(|w| w[0] == b'[' && !matches!(w[1], b'"' | b'\'' | b'0'..=b'9' | b']' | b' '));
        let pair_loop = src.match_indices("for ").any(|(i, _)| {
            let rest = &src[i + 4..];
            rest.find(" in ")
                .is_some_and(|end| rest[..end].contains(','))
        });
        self.dynamic |= subscript || pair_loop || src.contains("json_encode");
    }

    /// Whether the template may read the field `name` of a value.
    pub(super) fn reads(&self, name: &str) -> bool {
        self.dynamic || self.words.contains(name)
    }
}

/// For each template: the hash of its closure (see [`template_closure_hashes`]) and
/// the names it writes.
pub(super) type TemplateFacts = HashMap<String, ([u8; 32], Names)>;

pub(super) fn template_closure_hashes(
    sources: &[(String, String)],
    globals: &[(&'static str, [u8; 32])],
) -> TemplateFacts {
    let by_name: HashMap<&str, &str> = sources
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    let mut out = HashMap::new();
    for (name, _) in sources {
        let mut seen = std::collections::BTreeSet::new();
        let mut stack = vec![name.clone()];
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(src) = by_name.get(n.as_str()) {
                stack.extend(template_references(src));
            }
        }
        let mut h = blake3::Hasher::new();
        let mut names = Names::default();
        for n in &seen {
            h.update(n.as_bytes());
            h.update(b"\0");
            let src = by_name.get(n.as_str()).unwrap_or(&"");
            names.add(src);
            h.update(src.as_bytes());
            h.update(b"\0");
            for (name, hash) in globals {
                if src.contains(name) {
                    h.update(hash);
                }
            }
        }
        out.insert(name.clone(), (*h.finalize().as_bytes(), names));
    }
    out
}
