//! Front matter: the YAML block between `---` lines at the top of a Markdown page.

use std::collections::BTreeMap;
use std::path::Path;

use crate::date::Date;
use crate::diag::{Diagnostic, Diagnostics, hint};
use crate::yaml::{Pos, parse_fields};

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// Newest first, then by weight, then by title (the default).
    #[default]
    Date,
    /// Lightest first.
    Weight,
    /// Alphabetical.
    Title,
}

/// The fields of a page's front matter.
#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    /// Title.
    pub title: Option<String>,
    /// Description (meta description, listings).
    pub description: Option<String>,
    /// Publication date.
    pub date: Option<Date>,
    /// Last update.
    pub updated: Option<Date>,
    /// Drafts are left out unless `--drafts`.
    pub draft: bool,
    /// Ordering weight.
    pub weight: Option<i64>,
    /// Last URL segment.
    pub slug: Option<String>,
    /// Template file to use instead of the default.
    pub template: Option<String>,
    /// In a section (`_index.md`): the template of its pages that name none.
    pub page_template: Option<String>,
    /// Terms per taxonomy name.
    pub taxonomies: BTreeMap<String, Vec<String>>,
    /// Groups translations; defaults to the path relative to `narrative/<lang>/`.
    pub translation_key: Option<String>,
    /// Section ordering (sections only).
    pub sort_by: Option<SortBy>,
    /// Sections only: how many pages each page of the section's list shows (the
    /// list is split into `page/2/`, `page/3/`…).
    pub paginate_by: Option<usize>,
    /// Former addresses of the page (`/ancienne-adresse/`): each gets a page that
    /// sends the visitor to the page's address.
    pub aliases: Vec<String>,
    /// `in_search_index: false` leaves the page out of the site's search index (Zola's
    /// name); pages are in it by default (`None`).
    pub in_search_index: Option<bool>,
    /// How much the page's text counts in the search index's ranking (0.1 to 10; 1 is
    /// the normal weight). On a section's `_index.md`, it is also the weight of the
    /// pages of the section that give none.
    pub search_weight: Option<f64>,
    /// Free values for templates.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Where each field's value starts, for later errors.
    pub positions: BTreeMap<String, Pos>,
}

/// What is wrong with an alias, if anything: it must be a path of the site from its
/// root, without `..`, a query or a fragment, and not the home page itself.
fn alias_problem(a: &str) -> Option<&'static str> {
    if !a.starts_with('/') {
        return Some("must be an address from the site's root, starting with '/'");
    }
    if a == "/" {
        return Some("is the home page: an alias names a former address of this page");
    }
    if a.len() > 1024 {
        return Some("is longer than 1024 characters");
    }
    if a.contains(['?', '#', '\\']) || a.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("must be a plain path (no '?', '#', '\\', spaces or control characters)");
    }
    if a.contains("//") || a.split('/').any(|seg| seg == ".." || seg == ".") {
        return Some("must not contain '//', '.' or '..' segments");
    }
    None
}

/// The most pages one page of a section's list may show.
pub const MAX_PAGINATE_BY: u64 = 1000;

/// The fields every page may have (taxonomy names come on top).
pub const KNOWN_FIELDS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "draft",
    "weight",
    "slug",
    "template",
    "page_template",
    "translation_key",
    "sort_by",
    "paginate_by",
    "aliases",
    "in_search_index",
    "search_weight",
    "extra",
];

/// A page split into its front matter text and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the fences ("" when there is none).
    pub yaml: &'a str,
    /// Number of lines before the YAML (the opening fence): YAML line 1 is file line 2.
    pub yaml_line_offset: usize,
    /// The Markdown body.
    pub body: &'a str,
    /// Number of lines before the body.
    pub body_line_offset: usize,
}

/// Splits a page at its `---` fences. A file without an opening fence is all body.
pub fn split(text: &str) -> Result<Split<'_>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    if text[..first_line_end].trim_end() != "---" {
        return Ok(Split {
            yaml: "",
            yaml_line_offset: 0,
            body: text,
            body_line_offset: 0,
        });
    }
    let rest = &text[first_line_end..];
    let mut offset = 0;
    for (lines, line) in (1..).zip(rest.split_inclusive('\n')) {
        if line.trim_end() == "---" {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Ok(Split {
                yaml,
                yaml_line_offset: 1,
                body,
                body_line_offset: lines + 1,
            });
        }
        offset += line.len();
    }
    Err("front matter is not closed: add a line '---' after the last field".into())
}

fn type_error(
    path: &Path,
    pos: Pos,
    field: &str,
    expected: &str,
    got: &serde_json::Value,
) -> Diagnostic {
    let got = match got {
        serde_json::Value::Null => "nothing",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a mapping",
    };
    Diagnostic::error(
        path,
        format!("field '{field}' must be {expected}, found {got}"),
    )
    .at(pos.line, pos.column)
}

fn as_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl FrontMatter {
    /// The line of `extra.<key>` in the file (that of `extra` when it cannot be told).
    pub fn extra_line(&self, key: &str) -> usize {
        self.positions
            .get(&format!("extra.{key}"))
            .or_else(|| self.positions.get("extra"))
            .map(|p| p.line)
            .unwrap_or(1)
    }
}

/// The first control character in any text of `v`.
fn json_control_char(v: &serde_json::Value) -> Option<char> {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) => {
                if let Some(c) = crate::yaml::control_char(s) {
                    return Some(c);
                }
            }
            serde_json::Value::Array(a) => stack.extend(a),
            serde_json::Value::Object(o) => {
                for (k, x) in o {
                    if let Some(c) = crate::yaml::control_char(k) {
                        return Some(c);
                    }
                    stack.push(x);
                }
            }
            _ => {}
        }
    }
    None
}

/// Parses the YAML of a front matter. `taxonomies` are the extra list fields allowed.
/// Every problem is collected; the result is usable only when `diags` holds no error.
pub fn parse_front_matter(
    yaml: &str,
    line_offset: usize,
    path: &Path,
    taxonomies: &[&str],
    diags: &mut Diagnostics,
) -> FrontMatter {
    let mut fm = FrontMatter::default();
    let fields = match parse_fields(yaml, path, line_offset) {
        Ok(f) => f,
        Err(d) => {
            diags.push(d);
            return fm;
        }
    };
    // Control characters come in raw or as escapes: only then are values searched.
    let may_hold_control = crate::yaml::may_hold_control(yaml);
    let mut all_names: Vec<&str> = KNOWN_FIELDS.to_vec();
    all_names.extend_from_slice(taxonomies);
    for f in fields {
        let v = FieldValue {
            path,
            pos: f.value_pos,
            v: &f.value,
        };
        fm.positions.insert(f.key.clone(), v.pos);
        if may_hold_control && let Some(c) = json_control_char(v.v) {
            diags.push(v.error(crate::yaml::control_char_message(&f.key, c)));
        }
        match f.key.as_str() {
            "title" => fm.title = v.string("title", diags),
            "description" => fm.description = v.string("description", diags),
            "slug" => fm.slug = v.slug(diags),
            "template" => fm.template = v.string("template", diags),
            "page_template" => fm.page_template = v.string("page_template", diags),
            "translation_key" => fm.translation_key = v.string("translation_key", diags),
            "date" | "updated" => {
                if let Some(d) = v.date(&f.key, diags) {
                    if f.key == "date" {
                        fm.date = Some(d);
                    } else {
                        fm.updated = Some(d);
                    }
                }
            }
            "draft" => match v.v {
                serde_json::Value::Bool(b) => fm.draft = *b,
                _ => diags.push(v.type_error("draft", "true or false")),
            },
            "in_search_index" => match v.v {
                serde_json::Value::Bool(b) => fm.in_search_index = Some(*b),
                _ => diags.push(v.type_error("in_search_index", "true or false")),
            },
            "weight" => match v.v.as_i64() {
                Some(w) => fm.weight = Some(w),
                None => diags.push(v.type_error("weight", "a whole number")),
            },
            "sort_by" => {
                if let Some(order) = v.sort_by(diags) {
                    fm.sort_by = Some(order);
                }
            }
            "paginate_by" => fm.paginate_by = v.paginate_by(diags),
            "search_weight" => fm.search_weight = v.search_weight(diags),
            "aliases" => fm.aliases = v.aliases(diags),
            "extra" => match v.v {
                serde_json::Value::Object(m) => {
                    fm.extra = m.clone();
                    extra_positions(m, yaml, line_offset, v.pos, &mut fm.positions);
                }
                serde_json::Value::Null => {}
                _ => diags.push(v.type_error("extra", "a mapping")),
            },
            name if taxonomies.contains(&name) => {
                let terms = v.terms(name, diags);
                fm.taxonomies.insert(name.to_string(), terms);
            }
            other => diags.push(unknown_field(path, other, f.key_pos, &all_names)),
        }
    }
    fm
}

/// A field that is neither known nor a taxonomy, at its key, with the names allowed.
fn unknown_field(path: &Path, name: &str, k: Pos, all_names: &[&str]) -> Diagnostic {
    Diagnostic::error(
        path,
        format!(
            "unknown field '{name}'{}; allowed fields: {}",
            hint(name, all_names),
            all_names.join(", ")
        ),
    )
    .at(k.line, k.column)
}

/// The value of one front-matter field, where it stands in the file.
struct FieldValue<'a> {
    path: &'a Path,
    pos: Pos,
    v: &'a serde_json::Value,
}

impl FieldValue<'_> {
    /// An error at the value.
    fn error(&self, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.path, msg).at(self.pos.line, self.pos.column)
    }

    /// The value is not of the `expected` kind for `field`.
    fn type_error(&self, field: &str, expected: &str) -> Diagnostic {
        type_error(self.path, self.pos, field, expected, self.v)
    }

    /// The value as text (a number is written as text).
    fn string(&self, field: &str, diags: &mut Diagnostics) -> Option<String> {
        match as_string(self.v) {
            Some(s) => Some(s),
            None => {
                diags.push(self.type_error(field, "a string"));
                None
            }
        }
    }

    /// A slug: one URL segment.
    fn slug(&self, diags: &mut Diagnostics) -> Option<String> {
        let s = self.string("slug", diags)?;
        if s.is_empty() || s.contains(['/', '\\', '?', '#']) || s == "." || s == ".." {
            diags.push(self.error(format!(
                "slug '{s}' must be one URL segment (no '/', '?', '#', not empty)"
            )));
            return None;
        }
        Some(s)
    }

    /// A date (`date`, `updated`).
    fn date(&self, field: &str, diags: &mut Diagnostics) -> Option<Date> {
        let s = self.string(field, diags)?;
        match Date::parse(&s) {
            Ok(d) => Some(d),
            Err(e) => {
                diags.push(self.error(format!("field '{field}': {e}")));
                None
            }
        }
    }

    /// How many pages a section's list shows per page: 1 to [`MAX_PAGINATE_BY`], in a
    /// section's `_index.md` only.
    fn paginate_by(&self, diags: &mut Diagnostics) -> Option<usize> {
        let is_section = self.path.file_name().is_some_and(|n| n == "_index.md");
        if !is_section {
            diags.push(self.error(
                "field 'paginate_by' splits a section's list: it goes in the section's _index.md, not in a page",
            ));
            return None;
        }
        match self.v.as_u64() {
            Some(n @ 1..=MAX_PAGINATE_BY) => Some(n as usize),
            _ if self.v.is_number() => {
                diags.push(self.error(format!(
                    "field 'paginate_by' is {}: it must be a whole number of pages from 1 to {MAX_PAGINATE_BY}",
                    self.v
                )));
                None
            }
            _ => {
                diags.push(self.type_error(
                    "paginate_by",
                    &format!("a whole number of pages from 1 to {MAX_PAGINATE_BY}"),
                ));
                None
            }
        }
    }

    /// A search weight: a number from 0.1 to 10.
    fn search_weight(&self, diags: &mut Diagnostics) -> Option<f64> {
        match self.v.as_f64() {
            Some(w) if (0.1..=10.0).contains(&w) => Some(w),
            Some(w) => {
                diags.push(self.error(format!(
                    "field 'search_weight' is {w}: it must be a number from 0.1 to 10 (1 is the normal weight; 2 counts the text twice)"
                )));
                None
            }
            None => {
                diags.push(self.type_error("search_weight", "a number from 0.1 to 10"));
                None
            }
        }
    }

    /// Former addresses: a list of paths from the site's root (`/old/`, `/old.html`).
    fn aliases(&self, diags: &mut Diagnostics) -> Vec<String> {
        let serde_json::Value::Array(items) = self.v else {
            if let Some(one) = self.v.as_str() {
                diags.push(self.error(format!(
                    "aliases: '{one}' is one address, not a list: write aliases: [\"{one}\"]"
                )));
            } else {
                diags.push(self.type_error("aliases", "a list of addresses"));
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let Some(a) = item.as_str() else {
                diags.push(type_error(
                    self.path,
                    self.pos,
                    "aliases",
                    "a list of addresses",
                    item,
                ));
                continue;
            };
            match alias_problem(a) {
                Some(why) => diags.push(self.error(format!("alias '{a}' {why}"))),
                None => out.push(a.to_string()),
            }
        }
        out
    }

    /// A section's order: `date`, `weight` or `title`.
    fn sort_by(&self, diags: &mut Diagnostics) -> Option<SortBy> {
        match self.v.as_str() {
            Some("date") => Some(SortBy::Date),
            Some("weight") => Some(SortBy::Weight),
            Some("title") => Some(SortBy::Title),
            _ => {
                diags.push(self.error("field 'sort_by' must be one of: date, weight, title"));
                None
            }
        }
    }

    /// The terms of taxonomy `name`: a list of words (a comma-separated string is
    /// refused with the list to write instead).
    fn terms(&self, name: &str, diags: &mut Diagnostics) -> Vec<String> {
        match self.v {
            serde_json::Value::Array(items) => {
                let mut terms = Vec::new();
                for item in items {
                    match as_string(item) {
                        Some(t) if !t.trim().is_empty() => terms.push(t.trim().to_string()),
                        _ => {
                            diags.push(type_error(
                                self.path,
                                self.pos,
                                name,
                                "a list of words",
                                item,
                            ));
                        }
                    }
                }
                terms
            }
            serde_json::Value::String(text) => {
                let items: Vec<&str> = text
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .collect();
                diags.push(self.error(format!(
                    "{name}: '{text}' is one string, not a list: write {name}: [{}]",
                    items.join(", ")
                )));
                vec![]
            }
            serde_json::Value::Null => vec![],
            _ => {
                diags.push(self.type_error(name, "a list of words"));
                vec![]
            }
        }
    }
}

/// Where each key of `extra` is written (`extra.photo`), for messages about them: the
/// first indented `key:` line from `extra` on.
fn extra_positions(
    extra: &serde_json::Map<String, serde_json::Value>,
    yaml: &str,
    line_offset: usize,
    pos: Pos,
    positions: &mut BTreeMap<String, Pos>,
) {
    let lines: Vec<&str> = yaml.lines().collect();
    for k in extra.keys() {
        let from = pos.line.saturating_sub(line_offset + 1);
        let at = (from..lines.len()).find(|&i| {
            let l = lines[i];
            let t = l.trim_start();
            (l.len() > t.len() || i == from)
                && t.strip_prefix(k.as_str())
                    .is_some_and(|r| r.trim_start().starts_with(':'))
        });
        if let Some(i) = at {
            let col = lines[i].len() - lines[i].trim_start().len() + 1;
            positions.insert(
                format!("extra.{k}"),
                Pos {
                    line: i + line_offset + 1,
                    column: col,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (FrontMatter, Diagnostics) {
        let s = split(text).unwrap();
        let mut d = Diagnostics::new();
        let fm = parse_front_matter(
            s.yaml,
            s.yaml_line_offset,
            Path::new("p.md"),
            &["tags"],
            &mut d,
        );
        (fm, d)
    }

    #[test]
    fn can_split_and_parse() {
        let text = "---\ntitle: Manifeste\ndate: 2024-05-08\ntags: [a, b]\nextra:\n  hero: x\n---\n\nBody\n";
        let s = split(text).unwrap();
        assert_eq!(s.body, "\nBody\n");
        assert_eq!(s.body_line_offset, 7);
        let (fm, d) = parse(text);
        assert!(d.is_empty(), "{d}");
        assert_eq!(fm.title.as_deref(), Some("Manifeste"));
        assert_eq!(fm.date.unwrap().ymd(), "2024-05-08");
        assert_eq!(fm.taxonomies["tags"], vec!["a", "b"]);
        assert_eq!(fm.extra["hero"], "x");
    }

    #[test]
    fn rejects_unknown_field_with_line_from_file_start() {
        let (_, d) = parse("---\ntitle: A\ntittle: B\n---\n");
        let e = &d.0[0];
        assert_eq!(e.line, Some(3));
        assert_eq!(e.column, Some(1));
        assert!(
            e.message
                .starts_with("unknown field 'tittle' (did you mean 'title'?)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn rejects_bad_date_and_types() {
        let (_, d) = parse("---\ntitle: A\ndate: hier\ndraft: maybe\nweight: x\n---\n");
        assert_eq!(d.len(), 3, "{d}");
        assert!(d.0[0].message.contains("'hier' is not a date"));
        assert_eq!(d.0[0].line, Some(3));
    }

    #[test]
    fn rejects_unclosed_front_matter() {
        assert!(split("---\ntitle: A\n").is_err());
    }

    #[test]
    fn can_read_file_without_front_matter() {
        let s = split("Just text\n").unwrap();
        assert_eq!(s.yaml, "");
        assert_eq!(s.body, "Just text\n");
    }
}
