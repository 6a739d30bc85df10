//! The site model: which page is served at which URL in which language, with its
//! translations, section tree and taxonomy terms. Built from a loaded `Project`.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use marque_project::front_matter::SortBy;
use marque_project::{Diagnostic, Diagnostics, MissingTranslation, Project, SourcePage};

mod build;

/// Whether an entry is a section (`_index.md`) or a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A section's own page; the language home is the root section.
    Section,
    /// A plain page.
    Page,
}

/// One HTML page of the site: a source rendered in one language at one URL.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index into `Project::languages`.
    pub lang: usize,
    /// Index into `Project::pages` of the source used.
    pub source: usize,
    /// True when the source is another language's page filling a gap.
    pub is_fallback: bool,
    /// Section or page.
    pub kind: EntryKind,
    /// URL path, starting and ending with `/` (`/en/news/flame/`).
    pub path: String,
    /// Translation key.
    pub key: String,
    /// The folder this entry is in (for pages) or indexes (for sections).
    pub dir: String,
    /// Parent section entry, if any.
    pub parent: Option<usize>,
    /// For sections: pages, sorted.
    pub pages: Vec<usize>,
    /// For sections: direct subsections, sorted by weight then title.
    pub subsections: Vec<usize>,
    /// Terms per taxonomy: (name, slug).
    pub terms: Vec<(String, Vec<Term>)>,
}

/// A taxonomy term as used on an entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Term {
    /// Display name.
    pub name: String,
    /// URL slug.
    pub slug: String,
}

/// A term page: its entries in one language.
#[derive(Debug, Clone)]
pub struct TermPage {
    /// Taxonomy name.
    pub taxonomy: String,
    /// The term.
    pub term: Term,
    /// URL path.
    pub path: String,
    /// Entries, newest first.
    pub entries: Vec<usize>,
}

/// One language's taxonomy list page and its terms.
#[derive(Debug, Clone)]
pub struct TaxonomyPage {
    /// Index into `Project::languages`.
    pub lang: usize,
    /// Taxonomy name.
    pub name: String,
    /// URL path of the list.
    pub path: String,
    /// Terms, sorted by slug.
    pub terms: Vec<TermPage>,
}

/// The site: every entry and the indexes templates need.
#[derive(Debug, Clone)]
pub struct Site {
    /// All entries, grouped by language in configured order.
    pub entries: Vec<Entry>,
    /// Translation key → its entry in each language (by language index).
    pub by_key: rustc_hash::FxHashMap<String, Vec<Option<usize>>>,
    /// URL path → entry.
    pub by_path: HashMap<String, usize>,
    /// Per language: its home entry.
    pub homes: Vec<Option<usize>>,
    /// Taxonomy pages per language.
    pub taxonomies: Vec<TaxonomyPage>,
    /// Per language: main navigation entries.
    pub menus: Vec<Vec<usize>>,
    /// Per language: footer links.
    pub footer_menus: Vec<Vec<usize>>,
    /// Per language: its search page (the entry whose template is `search.html`).
    pub search_pages: Vec<Option<usize>>,
    /// Per translation key, the languages that lack it (translation report).
    pub missing: BTreeMap<String, Vec<String>>,
}

/// The template of a language's search page.
pub const SEARCH_TEMPLATE: &str = "search.html";

/// Makes a URL slug: lowercase, accents removed, anything else becomes `-`.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let mapped = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => Some('a'),
            'ç' => Some('c'),
            'è' | 'é' | 'ê' | 'ë' => Some('e'),
            'ì' | 'í' | 'î' | 'ï' => Some('i'),
            'ñ' => Some('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => Some('o'),
            'ù' | 'ú' | 'û' | 'ü' => Some('u'),
            'ý' | 'ÿ' => Some('y'),
            'œ' => {
                out.push_str("oe");
                continue;
            }
            'æ' => {
                out.push_str("ae");
                continue;
            }
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        };
        match mapped {
            Some(m) => out.push(m),
            None => {
                if !out.ends_with('-') && !out.is_empty() {
                    out.push('-');
                }
            }
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn parent_dir(dir: &str) -> Option<&str> {
    if dir.is_empty() {
        None
    } else {
        Some(match dir.rfind('/') {
            Some(i) => &dir[..i],
            None => "",
        })
    }
}

/// The order of two pages in a section sorted by `sort_by` (date: newest first, then
/// weight, then title; weight: lightest first, then title; title), before the caller's
/// last tie-break.
pub fn page_order(
    pa: &marque_project::SourcePage,
    pb: &marque_project::SourcePage,
    sort_by: SortBy,
) -> std::cmp::Ordering {
    // Each tie-break is compared only when needed: sections and terms sort thousands
    // of pages at each build.
    let by_weight = || {
        pa.front
            .weight
            .unwrap_or(i64::MAX)
            .cmp(&pb.front.weight.unwrap_or(i64::MAX))
    };
    let by_title = || pa.title().cmp(pb.title());
    match sort_by {
        SortBy::Date => pb
            .front
            .date
            .cmp(&pa.front.date)
            .then_with(by_weight)
            .then_with(by_title),
        SortBy::Weight => by_weight().then_with(by_title),
        SortBy::Title => by_title(),
    }
}

/// A date as one number in the same order as the date (no date first), so that a
/// sort compares one number.
fn date_rank(d: Option<marque_project::Date>) -> u128 {
    let Some(d) = d else { return 0 };
    let year = (i64::from(d.year) + (1 << 31)) as u128;
    let time = d.time.map_or(0, |(h, m, s)| {
        (1u128 << 24) | (u128::from(h) << 16) | (u128::from(m) << 8) | u128::from(s)
    });
    (1 << 127) | (year << 64) | (u128::from(d.month) << 56) | (u128::from(d.day) << 48) | time
}

fn sort_pages(entries: &[Entry], project: &Project, list: &mut [usize], sort_by: SortBy) {
    // The order of `page_order`, then the path (unique in a list, so the order is
    // total), with each page's fields read once: sections and terms sort thousands of
    // pages at each build.
    let mut keyed: Vec<(u128, i64, &str, &str, usize)> = list
        .iter()
        .map(|&e| {
            let p = &project.pages[entries[e].source];
            let weight = p.front.weight.unwrap_or(i64::MAX);
            (
                date_rank(p.front.date),
                weight,
                p.title(),
                entries[e].path.as_str(),
                e,
            )
        })
        .collect();
    keyed.sort_unstable_by(|a, b| {
        let by_title = || a.2.cmp(b.2).then_with(|| a.3.cmp(b.3));
        match sort_by {
            SortBy::Date => b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then_with(by_title),
            SortBy::Weight => a.1.cmp(&b.1).then_with(by_title),
            SortBy::Title => by_title(),
        }
    });
    for (slot, k) in list.iter_mut().zip(keyed) {
        *slot = k.4;
    }
}

/// The entries of a menu written as source paths in `marque.yaml` (`field`), for
/// language `li`; a path that is no page of the default language is an error.
fn resolve_menu(
    items: &[String],
    field: &str,
    li: usize,
    project: &Project,
    by_key: &rustc_hash::FxHashMap<String, Vec<Option<usize>>>,
    diags: &mut Diagnostics,
) -> Vec<usize> {
    let mut out = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let key = item.trim_start_matches("@/");
        match by_key.get(key).and_then(|per_lang| per_lang[li]) {
            Some(i) => out.push(i),
            None if li == 0 => {
                let code = &project.languages[li].code;
                let rels: Vec<&str> = project
                    .pages
                    .iter()
                    .filter(|p| &p.lang == code)
                    .map(|p| p.translation_key())
                    .collect();
                let mut d = Diagnostic::error(
                    "marque.yaml",
                    format!(
                        "{field}: '{item}' is not a page of narrative/{code}/{}",
                        marque_project::diag::hint(key, &rels)
                    ),
                );
                if let Some((line, column)) = project.config.menu_positions.of(field, n) {
                    d = d.at(line, column);
                }
                diags.push(d);
            }
            None => {}
        }
    }
    out
}

impl Site {
    /// The entry for translation key `key` in language `lang`.
    pub fn entry_for(&self, lang: usize, key: &str) -> Option<usize> {
        self.by_key.get(key)?.get(lang).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_slugify() {
        assert_eq!(slugify("Jeux 2024 : Événements"), "jeux-2024-evenements");
        assert_eq!(slugify("  Œuvre d'art "), "oeuvre-d-art");
        assert_eq!(slugify("فعاليات"), "فعاليات");
    }
}
