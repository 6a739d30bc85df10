//! The site model: which page is served at which URL in which language, with its
//! translations, section tree and taxonomy terms. Built from a loaded `Project`.

use std::collections::{BTreeMap, HashMap};

use marque_project::front_matter::SortBy;
use marque_project::{Diagnostic, Diagnostics, MissingTranslation, Project, SourcePage};

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
    /// Per translation key, the languages that lack it (translation report).
    pub missing: BTreeMap<String, Vec<String>>,
}

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

fn file_stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.strip_suffix(".md").unwrap_or(name)
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

fn sort_pages(entries: &[Entry], project: &Project, list: &mut [usize], sort_by: SortBy) {
    let src = |e: usize| &project.pages[entries[e].source];
    list.sort_by(|&a, &b| {
        page_order(src(a), src(b), sort_by).then_with(|| entries[a].path.cmp(&entries[b].path))
    });
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
    for item in items {
        let key = item.trim_start_matches("@/");
        match by_key.get(key).and_then(|per_lang| per_lang[li]) {
            Some(i) => out.push(i),
            None if li == 0 => diags.push(Diagnostic::error(
                "marque.yaml",
                format!(
                    "{field}: '{item}' is not a page of narrative/{}/",
                    project.languages[li].code
                ),
            )),
            None => {}
        }
    }
    out
}

impl Site {
    /// Builds the site model; fails on URL clashes.
    pub fn build(project: &Project) -> Result<Site, Diagnostics> {
        let mut diags = Diagnostics::new();
        let nl = project.languages.len();
        let lang_index = |code: &str| project.languages.iter().position(|l| l.code == code);
        // Sources per (lang, key), and every key in a stable order.
        let mut sources: HashMap<(usize, &str), usize> = HashMap::new();
        let mut keys: Vec<&str> = Vec::new();
        let mut key_seen = std::collections::HashSet::new();
        for (i, p) in project.pages.iter().enumerate() {
            let Some(li) = lang_index(&p.lang) else {
                continue;
            };
            sources.insert((li, p.translation_key()), i);
            if key_seen.insert(p.translation_key()) {
                keys.push(p.translation_key());
            }
        }
        let fallback_order: Vec<usize> = {
            let mut v = Vec::new();
            for code in [&project.fallback_language, &project.default_language] {
                if let Some(i) = lang_index(code)
                    && !v.contains(&i)
                {
                    v.push(i);
                }
            }
            let rest: Vec<usize> = (0..nl).filter(|i| !v.contains(i)).collect();
            v.extend(rest);
            v
        };
        let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // Choose, per language and key, the source to use.
        let mut chosen: Vec<(usize, usize, bool)> = Vec::new(); // (lang, source, fallback)
        for li in 0..nl {
            for key in &keys {
                if let Some(&s) = sources.get(&(li, *key)) {
                    chosen.push((li, s, false));
                    continue;
                }
                missing
                    .entry(key.to_string())
                    .or_default()
                    .push(project.languages[li].code.clone());
                if project.missing_translation() == MissingTranslation::Fallback
                    && let Some(&s) = fallback_order.iter().find_map(|&f| sources.get(&(f, *key)))
                {
                    chosen.push((li, s, true));
                }
            }
        }
        // URL segment of each section folder, per language.
        let mut dir_segment: HashMap<(usize, String), String> = HashMap::new();
        for &(li, s, _) in &chosen {
            let p: &SourcePage = &project.pages[s];
            if p.is_section {
                let dir = p.dir().to_string();
                let last = dir.rsplit('/').next().unwrap_or("").to_string();
                let seg = p.front.slug.clone().unwrap_or(last);
                dir_segment.insert((li, dir), seg);
            }
        }
        let url_of_dir = |li: usize, dir: &str| -> String {
            let mut segs = Vec::new();
            let mut acc = String::new();
            for part in dir.split('/').filter(|s| !s.is_empty()) {
                if !acc.is_empty() {
                    acc.push('/');
                }
                acc.push_str(part);
                segs.push(
                    dir_segment
                        .get(&(li, acc.clone()))
                        .cloned()
                        .unwrap_or_else(|| part.to_string()),
                );
            }
            let mut path = project.languages[li].prefix.clone();
            path.push('/');
            for s in segs {
                path.push_str(&s);
                path.push('/');
            }
            path
        };
        let mut entries: Vec<Entry> = Vec::with_capacity(chosen.len());
        for &(li, s, fallback) in &chosen {
            let p = &project.pages[s];
            let dir = p.dir().to_string();
            let path = if p.is_section {
                url_of_dir(li, &dir)
            } else {
                let slug = p
                    .front
                    .slug
                    .clone()
                    .unwrap_or_else(|| file_stem(&p.rel).to_string());
                format!("{}{}/", url_of_dir(li, &dir), slug)
            };
            let terms = project
                .config
                .taxonomies
                .iter()
                .filter_map(|t| {
                    p.front.taxonomies.get(&t.name).map(|names| {
                        let mut v: Vec<Term> = names
                            .iter()
                            .map(|n| Term {
                                name: n.clone(),
                                slug: slugify(n),
                            })
                            .filter(|t| !t.slug.is_empty())
                            .collect();
                        v.dedup_by(|a, b| a.slug == b.slug);
                        (t.name.clone(), v)
                    })
                })
                .collect();
            entries.push(Entry {
                lang: li,
                source: s,
                is_fallback: fallback,
                kind: if p.is_section {
                    EntryKind::Section
                } else {
                    EntryKind::Page
                },
                path,
                key: p.translation_key().to_string(),
                dir,
                parent: None,
                pages: Vec::new(),
                subsections: Vec::new(),
                terms,
            });
        }
        // URL clashes.
        let mut by_path: HashMap<String, usize> = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if let Some(&other) = by_path.get(&e.path) {
                let a = &project.pages[entries[other].source];
                let b = &project.pages[e.source];
                diags.push(Diagnostic::error(
                    &b.path,
                    format!(
                        "two pages have the URL {}: this one and {}; give one of them another slug",
                        e.path,
                        a.path.display()
                    ),
                ));
            } else {
                by_path.insert(e.path.clone(), i);
            }
        }
        // Reserved paths of taxonomies.
        for t in &project.config.taxonomies {
            for l in &project.languages {
                let p = format!("{}/{}/", l.prefix, t.name);
                if let Some(&i) = by_path.get(&p) {
                    diags.push(Diagnostic::error(
                        &project.pages[entries[i].source].path,
                        format!("the URL {p} is the '{}' taxonomy's list page: give this page another slug", t.name),
                    ));
                }
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        let mut by_key: rustc_hash::FxHashMap<String, Vec<Option<usize>>> =
            rustc_hash::FxHashMap::default();
        by_key.reserve(entries.len() / nl.max(1) + 1);
        for (i, e) in entries.iter().enumerate() {
            by_key
                .entry(e.key.clone())
                .or_insert_with(|| vec![None; nl])[e.lang] = Some(i);
        }
        // Sections: (lang, dir) → entry.
        let section_of: HashMap<(usize, String), usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == EntryKind::Section)
            .map(|(i, e)| ((e.lang, e.dir.clone()), i))
            .collect();
        let mut homes = vec![None; nl];
        for i in 0..entries.len() {
            let (li, kind, dir) = (entries[i].lang, entries[i].kind, entries[i].dir.clone());
            let parent_of = match kind {
                EntryKind::Page => Some(dir.as_str()),
                EntryKind::Section => parent_dir(&dir),
            };
            if kind == EntryKind::Section && dir.is_empty() {
                homes[li] = Some(i);
            }
            // The nearest existing ancestor section.
            let mut d = parent_of.map(str::to_string);
            while let Some(cur) = d {
                if let Some(&s) = section_of.get(&(li, cur.clone())) {
                    entries[i].parent = Some(s);
                    match kind {
                        EntryKind::Page => entries[s].pages.push(i),
                        EntryKind::Section => entries[s].subsections.push(i),
                    }
                    break;
                }
                d = parent_dir(&cur).map(str::to_string);
            }
        }
        for i in 0..entries.len() {
            if entries[i].kind != EntryKind::Section {
                continue;
            }
            let sort_by = project.pages[entries[i].source]
                .front
                .sort_by
                .unwrap_or_default();
            let mut pages = std::mem::take(&mut entries[i].pages);
            sort_pages(&entries, project, &mut pages, sort_by);
            entries[i].pages = pages;
            let mut subs = std::mem::take(&mut entries[i].subsections);
            sort_pages(&entries, project, &mut subs, SortBy::Weight);
            entries[i].subsections = subs;
        }
        // Taxonomies.
        let mut taxonomies = Vec::new();
        for li in 0..nl {
            for t in &project.config.taxonomies {
                let mut terms: BTreeMap<String, TermPage> = BTreeMap::new();
                let list_path = format!("{}/{}/", project.languages[li].prefix, t.name);
                for (i, e) in entries.iter().enumerate().filter(|(_, e)| e.lang == li) {
                    for (tax, ts) in &e.terms {
                        if tax != &t.name {
                            continue;
                        }
                        for term in ts {
                            terms
                                .entry(term.slug.clone())
                                .or_insert_with(|| TermPage {
                                    taxonomy: t.name.clone(),
                                    term: term.clone(),
                                    path: format!("{list_path}{}/", term.slug),
                                    entries: Vec::new(),
                                })
                                .entries
                                .push(i);
                        }
                    }
                }
                let mut terms: Vec<TermPage> = terms.into_values().collect();
                for tp in &mut terms {
                    sort_pages(&entries, project, &mut tp.entries, SortBy::Date);
                }
                taxonomies.push(TaxonomyPage {
                    lang: li,
                    name: t.name.clone(),
                    path: list_path,
                    terms,
                });
            }
        }
        // Menus.
        let mut menus = vec![Vec::new(); nl];
        for (li, menu) in menus.iter_mut().enumerate() {
            if project.config.menu.is_empty() {
                let mut top: Vec<usize> = entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.lang == li && e.parent.is_some() && e.parent == homes[li])
                    .filter(|(_, e)| {
                        project.pages[e.source].front.weight.is_some()
                            || e.kind == EntryKind::Section
                    })
                    .map(|(i, _)| i)
                    .collect();
                sort_pages(&entries, project, &mut top, SortBy::Weight);
                *menu = top;
            } else {
                *menu = resolve_menu(
                    &project.config.menu,
                    "menu",
                    li,
                    project,
                    &by_key,
                    &mut diags,
                );
            }
        }
        let footer_menus = (0..nl)
            .map(|li| {
                resolve_menu(
                    &project.config.footer_menu,
                    "footer_menu",
                    li,
                    project,
                    &by_key,
                    &mut diags,
                )
            })
            .collect();
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(Site {
            entries,
            by_key,
            by_path,
            homes,
            taxonomies,
            menus,
            footer_menus,
            missing,
        })
    }

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
