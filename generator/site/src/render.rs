//! Rendering: the Tera environment with marque's functions and filters, the context
//! of each page, and the HTML, feeds, sitemap and robots.txt of the site.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use marque_project::date::DateNames;
use marque_project::{Date, Diagnostic, Diagnostics, Project, SourcePage};
use rayon::prelude::*;
use serde_json::{Value as Json, json};
use tera::{Context, Kwargs, State, Tera, Value};

use crate::links::{LinkContext, check_links, resolve_markers, source_index};
use crate::markdown::{MarkdownMeta, MarkdownOptions, render_markdown};
use crate::model::{EntryKind, Site};

/// What a job renders.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PageKind {
    /// An entry (page or section) by index.
    Entry(usize),
    /// A taxonomy list page by index into `Site::taxonomies`.
    TaxonomyList(usize),
    /// A term page: (taxonomy index, term index).
    TaxonomyTerm(usize, usize),
    /// The Atom feed of a language.
    Feed(usize),
    /// The 404 page of a language (the default language's at `/404.html`, the others'
    /// under their prefix, for servers that can serve one per folder).
    NotFound(usize),
    /// `sitemap.xml`.
    Sitemap,
    /// `robots.txt`.
    Robots,
}

/// One output file to render, with the hash of everything it reads.
#[derive(Debug, Clone)]
pub struct PageJob {
    /// Output path relative to the output folder (`en/news/index.html`).
    pub output: String,
    /// What to render.
    pub kind: PageKind,
    /// blake3 of all inputs: same key, same bytes.
    pub key: [u8; 32],
}

/// A page's social card: where it goes and what it shows.
pub struct CardEntry<'p> {
    /// Output path of the card (`actualites/flamme/og.png`).
    pub output: String,
    /// Index of the language in the project's languages.
    pub lang: usize,
    /// The page's title.
    pub title: String,
    /// The title of the section it belongs to ("" at the top).
    pub section_title: String,
    /// The page's source (what to fix when its title does not fit).
    pub page: &'p SourcePage,
    /// The section's source.
    pub section: Option<&'p SourcePage>,
}

/// Data the template functions read, shared by every render.
struct Shared {
    base_url: String,
    base_path: String,
    langs: Vec<String>,
    default_lang: String,
    strings: HashMap<String, (PathBuf, BTreeMap<String, Json>)>,
    /// Languages with French typography on.
    french_typography: Vec<String>,
    /// The same strings as template values, converted once.
    string_values: HashMap<String, HashMap<String, Value>>,
    date_formats: HashMap<String, String>,
    date_names: HashMap<String, DateNames>,
    /// Summaries and sections, built on the first render (a build that renders
    /// nothing never needs them).
    tables: OnceLock<Arc<Tables>>,
    /// The site model, for the template functions.
    site: Arc<Site>,
    /// Language codes in order (index = language index).
    lang_codes: Vec<String>,
    /// (lang, rel path of any language's source) → key, to accept paths in get_url.
    key_of_rel: HashMap<String, String>,
    /// asset name → hashed URL.
    assets: BTreeMap<String, String>,
}

impl Shared {
    /// The entry of translation key `key` in language `lang`.
    fn entry(&self, lang: &str, key: &str) -> Option<usize> {
        let li = self.lang_codes.iter().position(|c| c == lang)?;
        self.site.entry_for(li, key)
    }
}

/// The values templates see for each entry.
pub struct Tables {
    /// Per entry: its summary (title, url, date, summary, taxonomies…).
    by_entry: Vec<Value>,
    /// Per entry: the hash of what its summary is made of, to reuse it next time.
    keys: Vec<[u8; 32]>,
    /// Per section entry: its summary with `pages` and `subsections`, made on first use.
    sections: Vec<OnceLock<Value>>,
}

impl Tables {
    fn section(&self, site: &Site, i: usize) -> Value {
        self.sections[i]
            .get_or_init(|| {
                let e = &site.entries[i];
                let mut map = tera::Map::new();
                if let Some(m) = self.by_entry[i].as_map() {
                    for (k, v) in m.iter() {
                        map.insert(k.clone(), v.clone());
                    }
                }
                let pages: Vec<Value> = e.pages.iter().map(|&p| self.by_entry[p].clone()).collect();
                let subs: Vec<Value> = e
                    .subsections
                    .iter()
                    .map(|&p| self.by_entry[p].clone())
                    .collect();
                map.insert("pages".into(), Value::from(pages.as_slice()));
                map.insert("subsections".into(), Value::from(subs.as_slice()));
                Value::from(map)
            })
            .clone()
    }
}

/// What a resident session keeps from one build to make the next one faster: the site
/// model when no page's front matter changed, and the summaries that did not change.
pub struct Carry {
    site_key: [u8; 32],
    site: Arc<Site>,
    tables: Option<Arc<Tables>>,
}

struct CacheView<'a, 'p>(&'a Prepared<'p>);

impl serde::Serialize for CacheView<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_map(self.0.md_keys.iter().zip(self.0.md.iter().map(|m| &**m)))
    }
}

/// Cached Markdown facts: cache key → facts.
pub type MarkdownCache = HashMap<String, Arc<MarkdownMeta>>;

/// The site, ready to render any of its outputs.
pub struct Prepared<'p> {
    project: &'p Project,
    shared: Arc<Shared>,
    tera: Tera,
    /// The site model.
    pub site: Arc<Site>,
    site_key: [u8; 32],
    previous_tables: Option<Arc<Tables>>,
    md: Vec<Arc<MarkdownMeta>>,
    md_keys: Vec<String>,
    /// HTML of each source's Markdown, kept from the prepare step until the page that
    /// shows it is rendered (then dropped, to keep memory low on large sites).
    html: Vec<Mutex<Option<String>>>,
    /// How many entries still have to take each source's HTML.
    html_uses: Vec<AtomicUsize>,
    /// Sources whose Markdown was rendered afresh (not from the cache).
    fresh: usize,
    index: HashMap<(&'p str, &'p str), usize>,
    lang_opts: HashMap<String, MarkdownOptions>,
    base_path: String,
    /// Translation report lines.
    pub missing: BTreeMap<String, Vec<String>>,
    /// Warnings.
    pub warnings: Diagnostics,
    languages: Vec<marque_project::Language>,
    /// Per template: blake3 of it and every template it extends or includes.
    template_hashes: HashMap<String, [u8; 32]>,
    global_hash: [u8; 32],
    theme_dir: PathBuf,
    feed_limit: usize,
    template_names: Vec<String>,
    /// Variables given to every template (`brand`, `kits`), per language.
    globals: Vec<(&'static str, Vec<Value>)>,
    /// Pages (entry paths) with their social card at `<path>og.png`; empty when there
    /// are no cards.
    social_cards: std::collections::HashSet<String>,
}

fn date_names(strings: &BTreeMap<String, Json>) -> DateNames {
    let list = |k: &str| -> Vec<String> {
        strings
            .get(k)
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    DateNames {
        months: list("months"),
        weekdays: list("weekdays"),
    }
}

/// A variable given to every template, one value per language, and the hash of all
/// its values (pages whose templates name it depend on it).
#[derive(Debug, Clone)]
pub struct Global {
    /// Its name in templates.
    pub name: &'static str,
    /// Its value in each language, in the project's language order.
    pub values: Vec<serde_json::Value>,
    /// blake3 of the values.
    pub hash: [u8; 32],
}

/// Tera's own `group_by` groups through a hash map, so its groups come out in a
/// different order from one run to the next and the same sources would give different
/// pages. This one keeps the order in which each group first appears (for a section
/// sorted by weight, the order of its lightest page). Registered on every Tera marque
/// makes, over the built-in one.
pub fn stable_group_by(val: &[Value], kwargs: Kwargs, _: &State) -> tera::TeraResult<tera::Map> {
    let attribute = kwargs.must_get::<&str>("attribute")?;
    let mut groups: tera::Map = tera::Map::new();
    for (i, v) in val.iter().enumerate() {
        let Some(x) = v.get_from_path(attribute) else {
            return Err(tera::Error::message(format!(
                "group_by: value {i} (a {}) has no attribute '{attribute}'",
                v.name()
            )));
        };
        if x.is_none() || x.is_undefined() {
            continue;
        }
        let key: tera::value::Key<'static> = if let Some(s) = x.as_str() {
            s.to_string().into()
        } else if let Some(n) = x.as_i128() {
            n.into()
        } else {
            return Err(tera::Error::message(format!(
                "group_by: '{attribute}' of value {i} is a {}, not a string or an integer",
                x.name()
            )));
        };
        let mut list: Vec<Value> = groups
            .get(&key)
            .and_then(Value::as_array)
            .map(<[Value]>::to_vec)
            .unwrap_or_default();
        list.push(v.clone());
        groups.insert(key, list.into());
    }
    Ok(groups)
}

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
fn parse_report(text: &str) -> Option<(String, usize, usize, String)> {
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
fn template_references(src: &str) -> Vec<String> {
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
fn template_closure_hashes(
    sources: &[(String, String)],
    globals: &[(&'static str, [u8; 32])],
) -> HashMap<String, [u8; 32]> {
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
        for n in &seen {
            h.update(n.as_bytes());
            h.update(b"\0");
            let src = by_name.get(n.as_str()).unwrap_or(&"");
            h.update(src.as_bytes());
            h.update(b"\0");
            for (name, hash) in globals {
                if src.contains(name) {
                    h.update(hash);
                }
            }
        }
        out.insert(name.clone(), *h.finalize().as_bytes());
    }
    out
}

/// Escapes text for XML.
pub fn xml_escape(s: &str) -> String {
    crate::markdown::escape_attr(s)
}

/// Percent-encodes what a URL in XML or HTTP headers cannot carry raw.
pub fn encode_url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl<'p> Prepared<'p> {
    /// Tells templates that every page has a social card (`og_image`).
    pub fn set_social_cards(&mut self, on: bool) {
        self.social_cards = if on {
            self.site.entries.iter().map(|e| e.path.clone()).collect()
        } else {
            Default::default()
        };
    }

    /// The entries that get a social card, each with what the card shows.
    pub fn card_entries(&self) -> Vec<CardEntry<'p>> {
        self.site
            .entries
            .iter()
            .map(|e| {
                let page: &'p SourcePage = &self.project.pages[e.source];
                let section = e
                    .parent
                    .map(|p| &*self.project.pages[self.site.entries[p].source]);
                CardEntry {
                    output: format!("{}og.png", e.path.trim_start_matches('/')),
                    lang: e.lang,
                    title: page.title().to_string(),
                    section_title: section.map(|s| s.title().to_string()).unwrap_or_default(),
                    page,
                    section,
                }
            })
            .collect()
    }

    /// Renders every Markdown source, resolves links, loads templates. Collects every
    /// problem. `assets` maps asset names (`css/site.css`) to their hashed URLs.
    pub fn new(
        project: &'p Project,
        assets: BTreeMap<String, String>,
        cache: &MarkdownCache,
        carry: Option<&Carry>,
        globals: Vec<Global>,
    ) -> Result<Prepared<'p>, Diagnostics> {
        let global_hashes: Vec<(&'static str, [u8; 32])> =
            globals.iter().map(|g| (g.name, g.hash)).collect();
        let globals: Vec<(&'static str, Vec<Value>)> = globals
            .into_iter()
            .map(|g| {
                (
                    g.name,
                    g.values.iter().map(Value::from_serializable).collect(),
                )
            })
            .collect();
        let mut diags = Diagnostics::new();
        // The site model depends on the config and every page's path and front matter.
        let site_key = {
            let mut h = blake3::Hasher::new();
            h.update(&project.config_hash);
            for p in &project.pages {
                h.update(&p.front_hash);
            }
            *h.finalize().as_bytes()
        };
        let (site, previous_tables) = match carry {
            Some(c) if c.site_key == site_key => (c.site.clone(), c.tables.clone()),
            _ => (Arc::new(Site::build(project)?), None),
        };
        let base_url = project.config.base().to_string();
        let base_path = project.config.base_path();
        // Markdown, once per source.
        let lang_opts: HashMap<String, MarkdownOptions> = project
            .languages
            .iter()
            .map(|l| {
                (
                    l.code.clone(),
                    MarkdownOptions {
                        allow_html: project.config.markdown.allow_html,
                        french_typography: l.french_typography,
                    },
                )
            })
            .collect();
        // Markdown facts from the cache when the source did not change; otherwise render
        // it now and keep its HTML for the page job.
        let rendered: Vec<(String, Arc<MarkdownMeta>, Option<String>)> = project
            .pages
            .par_iter()
            .map(|p| {
                let opts = lang_opts[p.lang.as_str()];
                let key = markdown_cache_key(p, opts);
                let (meta, html) = match cache.get(&key) {
                    Some(m) => (m.clone(), None),
                    None => {
                        let r = render_markdown(&p.body, &p.rel, p.body_line_offset, opts);
                        (Arc::new(r.meta), Some(r.html))
                    }
                };
                (key, meta, html)
            })
            .collect();
        let mut md = Vec::with_capacity(rendered.len());
        let mut md_keys = Vec::with_capacity(rendered.len());
        let mut html = Vec::with_capacity(rendered.len());
        let fresh = rendered.iter().filter(|r| r.2.is_some()).count();
        for (k, m, h) in rendered {
            md_keys.push(k);
            md.push(m);
            html.push(Mutex::new(h));
        }
        let mut uses = vec![0usize; project.pages.len()];
        for e in &site.entries {
            uses[e.source] += 1;
        }
        let html_uses = uses.into_iter().map(AtomicUsize::new).collect();
        let index = source_index(project);
        diags.extend(check_links(project, &site, &md, &index));

        // Interface strings: every key of the default language must exist in every language.
        let mut strings = HashMap::new();
        for l in &project.languages {
            if let Some(s) = project.theme.strings.get(&l.code) {
                strings.insert(l.code.clone(), (s.path.clone(), s.values.clone()));
            }
        }
        if let Some((_, def)) = strings.get(&project.default_language) {
            for l in &project.languages {
                if let Some((path, s)) = strings.get(&l.code) {
                    for k in def.keys() {
                        if !s.contains_key(k) {
                            diags.push(Diagnostic::error(
                                path,
                                format!("missing interface string '{k}' for language '{}'", l.code),
                            ));
                        }
                    }
                }
            }
        }
        let date_formats = project
            .languages
            .iter()
            .map(|l| (l.code.clone(), l.date_format.clone()))
            .collect();
        let date_names_map: HashMap<String, DateNames> = strings
            .iter()
            .map(|(k, (_, v))| (k.clone(), date_names(v)))
            .collect();

        // Only the sources whose translation key is not their path need a lookup.
        let key_of_rel: HashMap<String, String> = project
            .pages
            .iter()
            .filter(|p| p.translation_key() != p.rel)
            .map(|p| (p.rel.clone(), p.translation_key().to_string()))
            .collect();
        let shared = Arc::new(Shared {
            base_url: base_url.clone(),
            base_path: base_path.clone(),
            langs: project.languages.iter().map(|l| l.code.clone()).collect(),
            default_lang: project.default_language.clone(),
            french_typography: project
                .languages
                .iter()
                .filter(|l| l.french_typography)
                .map(|l| l.code.clone())
                .collect(),
            string_values: strings
                .iter()
                .map(|(l, (_, m))| {
                    (
                        l.clone(),
                        m.iter()
                            .map(|(k, v)| (k.clone(), Value::from_serializable(v)))
                            .collect(),
                    )
                })
                .collect(),
            strings,
            date_formats,
            date_names: date_names_map,
            key_of_rel,
            assets,
            tables: OnceLock::new(),
            site: site.clone(),
            lang_codes: project.languages.iter().map(|l| l.code.clone()).collect(),
        });

        // Templates.
        let theme_dir = project.theme.dir.clone();
        let mut tera = Tera::new();
        tera.register_filter("group_by", stable_group_by);
        let mut template_names = Vec::new();
        let mut sources = Vec::new();
        // `cards/` holds the SVG templates of social cards, drawn elsewhere.
        for t in project
            .theme
            .templates
            .iter()
            .filter(|t| !t.name.starts_with("cards/"))
        {
            match std::str::from_utf8(&t.bytes) {
                Ok(s) => {
                    sources.push((t.name.clone(), s.to_string()));
                    template_names.push(t.name.clone());
                }
                Err(_) => diags.push(Diagnostic::error(&t.path, "template is not UTF-8 text")),
            }
        }
        register_functions(&mut tera, shared.clone());
        // Add one at a time first, to report syntax errors per file, then all together
        // so that inheritance resolves.
        for (name, src) in &sources {
            let mut probe = Tera::new();
            probe.register_from(&tera);
            // Alone, a template cannot find the ones it extends or includes: those are
            // checked when all are added together below.
            if let Err(e) = probe.add_raw_template(name, src)
                && !matches!(e.kind(), tera::ErrorKind::MissingParent { .. })
                && !e.to_string().contains("Unknown template")
            {
                diags.push(tera_error(&e, &theme_dir, name));
            }
        }
        if !diags.has_errors()
            && let Err(e) =
                tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
        {
            diags.push(tera_error(&e, &theme_dir, "base.html"));
        }
        let template_hashes = template_closure_hashes(&sources, &global_hashes);

        // Templates named in front matter must exist.
        for (p, field, t) in project.pages.iter().flat_map(|p| {
            [
                ("template", &p.front.template),
                ("page_template", &p.front.page_template),
            ]
            .into_iter()
            .filter_map(move |(f, t)| Some((p, f, t.as_ref()?)))
        }) {
            if !template_names.contains(t) {
                let pos = p.front.positions.get(field).copied().unwrap_or_default();
                let h = marque_project::diag::hint(
                    t,
                    &template_names
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                );
                diags.push(
                    Diagnostic::error(
                        &p.path,
                        format!(
                            "{field}: '{t}' does not exist in {}/templates{h}",
                            theme_dir.display()
                        ),
                    )
                    .at(pos.line.max(1), pos.column.max(1)),
                );
            }
        }
        for required in [
            "base.html",
            "index.html",
            "section.html",
            "page.html",
            "404.html",
            "taxonomy_list.html",
            "taxonomy_term.html",
        ] {
            if !template_names.iter().any(|n| n == required) && !sources.is_empty() {
                diags.push(Diagnostic::error(
                    theme_dir.join("templates"),
                    format!("the theme has no '{required}' template"),
                ));
            }
        }
        if sources.is_empty() {
            diags.push(Diagnostic::error(
                theme_dir.join("templates"),
                "the theme has no templates",
            ));
        }

        // Everything that any page may read besides its own body.
        let mut g = blake3::Hasher::new();
        // Another marque, or another Markdown step, renders pages differently.
        g.update(env!("CARGO_PKG_VERSION").as_bytes());
        g.update(&MARKDOWN_CACHE_FORMAT.to_le_bytes());
        g.update(&project.config_hash);
        for (k, v) in shared.assets.iter() {
            g.update(k.as_bytes());
            g.update(v.as_bytes());
        }
        for (l, (_, s)) in shared.strings.iter().collect::<BTreeMap<_, _>>() {
            g.update(l.as_bytes());
            g.update(serde_json::to_string(s).unwrap_or_default().as_bytes());
        }
        // What listings and get_page() show of other pages: front matter, and from the
        // body only the summary, reading time and table of contents (the digest).
        for (p, m) in project.pages.iter().zip(&md) {
            g.update(&p.front_hash);
            g.update(&m.digest);
        }
        g.update(env!("CARGO_PKG_VERSION").as_bytes());
        let global_hash = *g.finalize().as_bytes();

        diags.sort();
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(Prepared {
            project,
            globals,
            social_cards: Default::default(),
            md_keys,
            html,
            html_uses,
            fresh,
            index,
            lang_opts,
            base_path,
            shared,
            tera,
            missing: site.missing.clone(),
            site,
            site_key,
            previous_tables,
            md,
            warnings: diags,
            languages: project.languages.clone(),
            template_hashes,
            global_hash,
            theme_dir,
            feed_limit: project.config.feed.limit,
            template_names,
        })
    }

    /// Builds the values listings and template functions read; call it before rendering
    /// in parallel (rendering builds them on first use otherwise).
    pub fn prepare_tables(&self) {
        self.tables();
    }

    fn tables(&self) -> &Tables {
        self.shared
            .tables
            .get_or_init(|| Arc::new(self.build_tables()))
    }

    fn build_tables(&self) -> Tables {
        let project = self.project;
        let site = &self.site;
        let md = &self.md;
        let base_path = &self.base_path;
        let base_url = &self.shared.base_url;
        let text = |p: &marque_project::SourcePage, t: &str| -> Value {
            if self
                .lang_opts
                .get(&p.lang)
                .is_some_and(|o| o.french_typography)
            {
                Value::from(crate::markdown::french_typography(t))
            } else {
                Value::from(t)
            }
        };
        let opt = |v: Option<String>| v.map(Value::from).unwrap_or_else(Value::none);
        // Built directly as template values: on a large site these are tens of
        // thousands of maps, and every intermediate copy costs memory.
        let summary = |i: usize| -> Value {
            let e = &site.entries[i];
            let p = &project.pages[e.source];
            let lang = &project.languages[e.lang];
            let content_dir = project
                .language(&p.lang)
                .map(|l| l.dir.as_str())
                .unwrap_or("ltr");
            let mut taxonomies = tera::Map::new();
            for (name, terms) in &e.terms {
                let list: Vec<Value> = terms
                    .iter()
                    .map(|t| {
                        let mut m = tera::Map::new();
                        m.insert("name".into(), Value::from(t.name.as_str()));
                        m.insert("slug".into(), Value::from(t.slug.as_str()));
                        m.insert(
                            "url".into(),
                            Value::from(format!("{base_path}{}/{name}/{}/", lang.prefix, t.slug)),
                        );
                        Value::from(m)
                    })
                    .collect();
                taxonomies.insert(name.clone().into(), Value::from(list.as_slice()));
            }
            let mut m = tera::Map::new();
            m.insert("title".into(), text(p, p.title()));
            m.insert(
                "description".into(),
                p.front
                    .description
                    .as_deref()
                    .map(|d| text(p, d))
                    .unwrap_or_else(Value::none),
            );
            m.insert("date".into(), opt(p.front.date.map(|d| d.ymd())));
            m.insert("updated".into(), opt(p.front.updated.map(|d| d.ymd())));
            m.insert(
                "weight".into(),
                p.front.weight.map(Value::from).unwrap_or_else(Value::none),
            );
            m.insert("url".into(), Value::from(format!("{base_path}{}", e.path)));
            m.insert("path".into(), Value::from(e.path.as_str()));
            m.insert(
                "permalink".into(),
                Value::from(format!("{base_url}{}", e.path)),
            );
            m.insert("lang".into(), Value::from(lang.code.as_str()));
            m.insert("content_lang".into(), Value::from(p.lang.as_str()));
            m.insert("content_dir".into(), Value::from(content_dir));
            m.insert("is_fallback".into(), Value::from(e.is_fallback));
            m.insert(
                "is_section".into(),
                Value::from(e.kind == EntryKind::Section),
            );
            m.insert("key".into(), Value::from(e.key.as_str()));
            m.insert(
                "source".into(),
                Value::from(p.path.to_string_lossy().replace('\\', "/")),
            );
            m.insert("taxonomies".into(), Value::from(taxonomies));
            m.insert("extra".into(), Value::from_serializable(&p.front.extra));
            m.insert("summary".into(), Value::from(md[e.source].summary.as_str()));
            m.insert(
                "reading_time".into(),
                Value::from(md[e.source].word_count.div_ceil(200)),
            );
            Value::from(m)
        };
        // A summary is made of its entry (the same when the site model is reused), its
        // source's front matter and its Markdown summary and length.
        let keys: Vec<[u8; 32]> = site
            .entries
            .par_iter()
            .map(|e| {
                let mut h = blake3::Hasher::new();
                h.update(&project.pages[e.source].front_hash);
                h.update(&md[e.source].digest);
                *h.finalize().as_bytes()
            })
            .collect();
        let previous = self
            .previous_tables
            .as_ref()
            .filter(|t| t.keys.len() == keys.len());
        let by_entry: Vec<Value> = (0..site.entries.len())
            .into_par_iter()
            .map(|i| match previous {
                Some(t) if t.keys[i] == keys[i] => t.by_entry[i].clone(),
                _ => summary(i),
            })
            .collect();
        let sections = (0..site.entries.len()).map(|_| OnceLock::new()).collect();
        Tables {
            by_entry,
            keys,
            sections,
        }
    }

    /// What the next build of a resident session may reuse from this one.
    pub fn carry(&self) -> Carry {
        Carry {
            site_key: self.site_key,
            site: self.site.clone(),
            // Unused this time: the previous ones still serve (each summary is checked
            // against its key before reuse).
            tables: self
                .shared
                .tables
                .get()
                .cloned()
                .or_else(|| self.previous_tables.clone()),
        }
    }

    /// The HTML of source `s`'s Markdown, with link markers. `take` when the caller is
    /// one of the entries that show it: the last of them takes it out of memory.
    fn html(&self, s: usize, take: bool) -> String {
        let kept = self.html[s].lock().ok().and_then(|mut h| {
            if take && self.html_uses[s].fetch_sub(1, Ordering::AcqRel) <= 1 {
                h.take()
            } else {
                h.clone()
            }
        });
        kept.unwrap_or_else(|| {
            let p = &self.project.pages[s];
            render_markdown(
                &p.body,
                &p.rel,
                p.body_line_offset,
                self.lang_opts[p.lang.as_str()],
            )
            .html
        })
    }

    /// The HTML content of entry `i`, links resolved in its language. `take` for the
    /// entry's own page, see [`Prepared::html`].
    fn content(&self, i: usize, take: bool) -> String {
        let e = &self.site.entries[i];
        let cx = LinkContext {
            project: self.project,
            site: &self.site,
            md: &self.md,
            index: &self.index,
            base_path: &self.base_path,
        };
        resolve_markers(&cx, &self.html(e.source, take), e.source, e.lang)
    }

    /// True when some source's Markdown was rendered afresh (the cache is out of date).
    pub fn markdown_cache_changed(&self, previous: usize) -> bool {
        previous != self.md.len() || self.fresh > 0
    }

    /// The Markdown facts of every source, shared, for a resident session's next build.
    pub fn markdown_metas(&self) -> MarkdownCache {
        self.md_keys
            .iter()
            .cloned()
            .zip(self.md.iter().cloned())
            .collect()
    }

    /// The Markdown facts of every source, to save as the next build's cache
    /// (serialises as a [`MarkdownCache`] without copying it).
    pub fn markdown_cache(&self) -> impl serde::Serialize + '_ {
        CacheView(self)
    }

    /// The template that renders entry `i`.
    fn template_of(&self, i: usize) -> String {
        let e = &self.site.entries[i];
        let from_section = || {
            let s = &self.site.entries[e.parent?];
            self.project.pages[s.source].front.page_template.clone()
        };
        match (&self.project.pages[e.source].front.template, e.kind) {
            (Some(t), _) => t.clone(),
            (None, EntryKind::Section) if e.dir.is_empty() => "index.html".into(),
            (None, EntryKind::Section) => "section.html".into(),
            (None, EntryKind::Page) => from_section().unwrap_or_else(|| "page.html".into()),
        }
    }

    /// Every output this site renders, with its input key.
    pub fn jobs(&self, project: &Project) -> Vec<PageJob> {
        let mut jobs = Vec::with_capacity(self.site.entries.len() + 64);
        let key = |parts: &[&[u8]]| -> [u8; 32] {
            let mut h = blake3::Hasher::new();
            h.update(&self.global_hash);
            for p in parts {
                h.update(&(p.len() as u64).to_le_bytes());
                h.update(p);
            }
            *h.finalize().as_bytes()
        };
        let body_hash = |e: usize| project.pages[self.site.entries[e].source].hash;
        // Bodies of link targets change what a page renders only through anchors and
        // URLs, both covered by the global hash and the check pass.
        let tpl = |name: &str| self.template_hashes.get(name).copied().unwrap_or([0; 32]);
        jobs.par_extend(self.site.entries.par_iter().enumerate().map(|(i, e)| {
            let mut parts: Vec<[u8; 32]> = vec![body_hash(i), tpl(&self.template_of(i))];
            if e.kind == EntryKind::Section {
                parts.extend(e.pages.iter().map(|&p| body_hash(p)));
            }
            let mut all = vec![b"entry".as_slice(), e.path.as_bytes()];
            all.extend(parts.iter().map(|p| p.as_slice()));
            PageJob {
                output: format!("{}index.html", e.path.trim_start_matches('/')),
                kind: PageKind::Entry(i),
                key: key(&all),
            }
        }));
        for (ti, t) in self.site.taxonomies.iter().enumerate() {
            jobs.push(PageJob {
                output: format!("{}index.html", t.path.trim_start_matches('/')),
                kind: PageKind::TaxonomyList(ti),
                key: key(&[b"taxlist", t.path.as_bytes(), &tpl("taxonomy_list.html")]),
            });
            for (si, term) in t.terms.iter().enumerate() {
                let bodies: Vec<[u8; 32]> = term.entries.iter().map(|&e| body_hash(e)).collect();
                let term_tpl = tpl("taxonomy_term.html");
                let mut all = vec![b"term".as_slice(), term.path.as_bytes(), &term_tpl];
                all.extend(bodies.iter().map(|b| b.as_slice()));
                jobs.push(PageJob {
                    output: format!("{}index.html", term.path.trim_start_matches('/')),
                    kind: PageKind::TaxonomyTerm(ti, si),
                    key: key(&all),
                });
            }
        }
        for (li, l) in self.languages.iter().enumerate() {
            let dated: Vec<[u8; 32]> = self
                .feed_entries(li)
                .iter()
                .map(|&e| body_hash(e))
                .collect();
            let mut all = vec![b"feed".as_slice(), l.code.as_bytes()];
            all.extend(dated.iter().map(|b| b.as_slice()));
            let prefix = l.prefix.trim_start_matches('/');
            jobs.push(PageJob {
                output: if prefix.is_empty() {
                    "atom.xml".into()
                } else {
                    format!("{prefix}/atom.xml")
                },
                kind: PageKind::Feed(li),
                key: key(&all),
            });
        }
        for (li, l) in self.languages.iter().enumerate() {
            let prefix = l.prefix.trim_start_matches('/');
            jobs.push(PageJob {
                output: if prefix.is_empty() {
                    "404.html".into()
                } else {
                    format!("{prefix}/404.html")
                },
                kind: PageKind::NotFound(li),
                key: key(&[b"404", l.code.as_bytes(), &tpl("404.html")]),
            });
        }
        jobs.push(PageJob {
            output: "sitemap.xml".into(),
            kind: PageKind::Sitemap,
            key: key(&[b"sitemap"]),
        });
        jobs.push(PageJob {
            output: "robots.txt".into(),
            kind: PageKind::Robots,
            key: key(&[b"robots"]),
        });
        jobs
    }

    fn feed_entries(&self, li: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .site
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.lang == li && e.kind == EntryKind::Page && !e.is_fallback)
            .filter(|(_, e)| self.project.pages[e.source].front.date.is_some())
            .map(|(i, _)| i)
            .collect();
        v.sort_by(|&a, &b| {
            let da = self.date_of(a);
            let db = self.date_of(b);
            db.cmp(&da)
                .then(self.site.entries[a].path.cmp(&self.site.entries[b].path))
        });
        v.truncate(self.feed_limit);
        v
    }

    fn date_of(&self, e: usize) -> Option<Date> {
        self.project.pages[self.site.entries[e].source].front.date
    }

    fn summary(&self, lang: usize, key: &str) -> Option<&Value> {
        self.site
            .entry_for(lang, key)
            .map(|e| &self.tables().by_entry[e])
    }

    /// Renders one output.
    pub fn render(&self, project: &Project, job: &PageJob) -> Result<Vec<u8>, Diagnostic> {
        match &job.kind {
            PageKind::Entry(i) => self.render_entry(project, *i).map(String::into_bytes),
            PageKind::TaxonomyList(t) => self.render_taxonomy(*t, None).map(String::into_bytes),
            PageKind::TaxonomyTerm(t, s) => {
                self.render_taxonomy(*t, Some(*s)).map(String::into_bytes)
            }
            PageKind::Feed(li) => Ok(self.render_feed(project, *li).into_bytes()),
            PageKind::NotFound(li) => self.render_404(*li).map(String::into_bytes),
            PageKind::Sitemap => Ok(self.render_sitemap().into_bytes()),
            PageKind::Robots => Ok(format!(
                "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
                encode_url(&self.shared.base_url)
            )
            .into_bytes()),
        }
    }

    fn base_context(&self, li: usize, path: &str, alternates_key: Option<&str>) -> Context {
        let lang = &self.languages[li];
        let mut ctx = Context::new();
        ctx.insert("lang", &lang.code);
        ctx.insert("lang_dir", lang.dir.as_str());
        ctx.insert("lang_name", &lang.name);
        for (name, values) in &self.globals {
            if let Some(v) = values.get(li) {
                ctx.insert_value(*name, v.clone());
            }
        }
        if !self.social_cards.is_empty() {
            // Pages have their own card; other outputs (404, tags) show the language's.
            let card = if self.social_cards.contains(path) {
                format!("{}{path}og.png", self.shared.base_url)
            } else {
                format!("{}{}/og.png", self.shared.base_url, lang.prefix)
            };
            ctx.insert("og_image", &card);
        }
        ctx.insert("base_url", &self.shared.base_url);
        ctx.insert("current_path", &format!("{}{path}", self.shared.base_path));
        ctx.insert("current_url", &format!("{}{path}", self.shared.base_url));
        ctx.insert(
            "feed_url",
            &format!("{}{}/atom.xml", self.shared.base_path, lang.prefix),
        );
        ctx.insert(
            "home_url",
            &format!("{}{}/", self.shared.base_path, lang.prefix),
        );
        // Language switcher and hreflang alternates.
        let mut switcher = Vec::new();
        let mut alternates = Vec::new();
        for (lj, other) in self.languages.iter().enumerate() {
            let target = alternates_key.and_then(|k| self.site.entry_for(lj, k));
            let (url, available) = match target {
                Some(e) => (
                    self.site.entries[e].path.clone(),
                    !self.site.entries[e].is_fallback,
                ),
                None => (format!("{}/", other.prefix), false),
            };
            if let Some(e) = target
                && !self.site.entries[e].is_fallback
            {
                alternates.push(json!({"hreflang": other.code, "url": format!("{}{}", self.shared.base_url, self.site.entries[e].path)}));
            }
            switcher.push(json!({
                "code": other.code,
                "name": other.name,
                "dir": other.dir.as_str(),
                "url": format!("{}{url}", self.shared.base_path),
                "current": lj == li,
                "available": available,
            }));
        }
        if alternates_key.is_none() {
            // Pages without a translation key (taxonomies): same path in every language.
            alternates.clear();
        }
        if let Some(k) = alternates_key
            && let Some(e) = self.site.entry_for(0, k)
            && !self.site.entries[e].is_fallback
        {
            alternates.push(json!({"hreflang": "x-default", "url": format!("{}{}", self.shared.base_url, self.site.entries[e].path)}));
        }
        ctx.insert("languages", &switcher);
        ctx.insert("alternates", &alternates);
        let items = |list: &[usize]| -> Vec<Json> {
            list.iter()
                .map(|&e| {
                    let en = &self.site.entries[e];
                    let s = self.summary(en.lang, &en.key);
                    let field = |k: &str| {
                        s.and_then(|s| s.get_from_path(k))
                            .map(|t| t.to_string())
                            .unwrap_or_default()
                    };
                    let home = format!("{}/", self.languages[li].prefix);
                    json!({
                        "title": field("title"),
                        "url": format!("{}{}", self.shared.base_path, en.path),
                        "active": path.starts_with(&en.path) && (en.path != home || path == home),
                        "content_lang": field("content_lang"),
                        "content_dir": field("content_dir"),
                        "is_fallback": en.is_fallback,
                    })
                })
                .collect()
        };
        ctx.insert("menu", &items(&self.site.menus[li]));
        ctx.insert("footer_menu", &items(&self.site.footer_menus[li]));
        ctx
    }

    fn render_template(&self, template: &str, ctx: &Context) -> Result<String, Diagnostic> {
        self.tera
            .render(template, ctx)
            .map_err(|e| tera_error(&e, &self.theme_dir, template))
    }

    fn render_entry(&self, project: &Project, i: usize) -> Result<String, Diagnostic> {
        let e = &self.site.entries[i];
        let p = &project.pages[e.source];
        let mut ctx = self.base_context(e.lang, &e.path, Some(&e.key));
        let summary = self
            .summary(e.lang, &e.key)
            .cloned()
            .unwrap_or_else(Value::none);
        let mut map = tera::Map::new();
        if let Some(m) = summary.as_map() {
            for (k, v) in m.iter() {
                map.insert(k.clone(), v.clone());
            }
        }
        map.insert("content".into(), Value::safe_string(&self.content(i, true)));
        let toc: Vec<Json> = self.md[e.source]
            .headings
            .iter()
            .filter(|h| h.level <= 3)
            .map(|h| json!({"level": h.level, "id": h.id, "title": h.text}))
            .collect();
        map.insert("toc".into(), Value::from_serializable(&toc));
        let src_lang = self.languages.iter().find(|l| l.code == p.lang);
        map.insert(
            "content_dir".into(),
            Value::from(src_lang.map(|l| l.dir.as_str()).unwrap_or("ltr")),
        );
        let canonical = if e.is_fallback {
            let sl = self
                .languages
                .iter()
                .position(|l| l.code == p.lang)
                .unwrap_or(0);
            self.site
                .entry_for(sl, &e.key)
                .map(|o| self.site.entries[o].path.clone())
                .unwrap_or_else(|| e.path.clone())
        } else {
            e.path.clone()
        };
        ctx.insert(
            "canonical_url",
            &format!("{}{}", self.shared.base_url, canonical),
        );
        if let Some(parent) = e.parent {
            let pe = &self.site.entries[parent];
            if let Some(s) = self.summary(pe.lang, &pe.key) {
                ctx.insert_value("parent", s.clone());
            }
        }
        let template = self.template_of(i);
        if e.kind == EntryKind::Section {
            let sec = self.tables().section(&self.site, i);
            if let Some(m) = sec.as_map() {
                for key in ["pages", "subsections"] {
                    if let Some(v) = m.get(&tera::value::Key::from(key)) {
                        map.insert(key.into(), v.clone());
                    }
                }
            }
            ctx.insert_value("section", Value::from(map.clone()));
        }
        ctx.insert_value("page", Value::from(map));
        self.render_template(&template, &ctx)
    }

    fn render_taxonomy(&self, ti: usize, term: Option<usize>) -> Result<String, Diagnostic> {
        let t = &self.site.taxonomies[ti];
        let bp = &self.shared.base_path;
        let path = match term {
            Some(s) => t.terms[s].path.clone(),
            None => t.path.clone(),
        };
        let mut ctx = self.base_context(t.lang, &path, None);
        ctx.insert(
            "canonical_url",
            &format!("{}{}", self.shared.base_url, path),
        );
        let terms: Vec<Json> = t
            .terms
            .iter()
            .map(|tp| json!({"name": tp.term.name, "slug": tp.term.slug, "url": format!("{bp}{}", tp.path), "count": tp.entries.len()}))
            .collect();
        ctx.insert(
            "taxonomy",
            &json!({"name": t.name, "url": format!("{bp}{}", t.path), "terms": terms}),
        );
        // The switcher goes to the same taxonomy page in the other languages.
        let switch: Vec<Json> = self
            .languages
            .iter()
            .enumerate()
            .map(|(lj, l)| {
                let other = self.site.taxonomies.iter().find(|o| o.lang == lj && o.name == t.name);
                let url = match (other, term) {
                    (Some(o), Some(s)) => o
                        .terms
                        .iter()
                        .find(|x| x.term.slug == t.terms[s].term.slug)
                        .map(|x| x.path.clone())
                        .unwrap_or_else(|| o.path.clone()),
                    (Some(o), None) => o.path.clone(),
                    (None, _) => format!("{}/", l.prefix),
                };
                json!({"code": l.code, "name": l.name, "dir": l.dir.as_str(), "url": format!("{bp}{url}"), "current": lj == t.lang, "available": true})
            })
            .collect();
        ctx.insert("languages", &switch);
        match term {
            Some(s) => {
                let tp = &t.terms[s];
                let pages: Vec<Value> = tp
                    .entries
                    .iter()
                    .filter_map(|&e| {
                        let en = &self.site.entries[e];
                        self.summary(en.lang, &en.key).cloned()
                    })
                    .collect();
                let mut m = tera::Map::new();
                m.insert("name".into(), Value::from(tp.term.name.as_str()));
                m.insert("slug".into(), Value::from(tp.term.slug.as_str()));
                m.insert("url".into(), Value::from(format!("{bp}{}", tp.path)));
                m.insert("pages".into(), Value::from(pages.as_slice()));
                ctx.insert_value("term", Value::from(m));
                self.render_template("taxonomy_term.html", &ctx)
            }
            None => self.render_template("taxonomy_list.html", &ctx),
        }
    }

    fn render_404(&self, li: usize) -> Result<String, Diagnostic> {
        let path = format!("{}/404.html", self.languages[li].prefix);
        let mut ctx = self.base_context(li, &path, None);
        ctx.insert("canonical_url", &format!("{}{path}", self.shared.base_url));
        self.render_template("404.html", &ctx)
    }

    fn render_feed(&self, project: &Project, li: usize) -> String {
        let lang = &self.languages[li];
        let (_, strings) = self
            .shared
            .strings
            .get(&lang.code)
            .cloned()
            .unwrap_or_default();
        let title = strings
            .get("site_title")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let base = &self.shared.base_url;
        let entries = self.feed_entries(li);
        let updated = entries
            .iter()
            .filter_map(|&e| {
                let p = &project.pages[self.site.entries[e].source];
                p.front.updated.or(p.front.date)
            })
            .max()
            .map(|d| d.rfc3339())
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        let home = format!("{base}{}/", lang.prefix);
        let mut out = String::new();
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        out.push_str(&format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
            lang.code
        ));
        out.push_str(&format!("  <title>{}</title>\n", xml_escape(&title)));
        out.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            xml_escape(&encode_url(&format!("{base}{}/atom.xml", lang.prefix)))
        ));
        out.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml_escape(&encode_url(&home))
        ));
        out.push_str(&format!("  <id>{}</id>\n", xml_escape(&encode_url(&home))));
        out.push_str(&format!("  <updated>{updated}</updated>\n"));
        for e in entries {
            let en = &self.site.entries[e];
            let p = &project.pages[en.source];
            let url = xml_escape(&encode_url(&format!("{base}{}", en.path)));
            let date: Date = match p.front.date {
                Some(d) => d,
                None => continue,
            };
            out.push_str("  <entry>\n");
            out.push_str(&format!("    <title>{}</title>\n", xml_escape(p.title())));
            out.push_str(&format!(
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n"
            ));
            out.push_str(&format!("    <id>{url}</id>\n"));
            out.push_str(&format!("    <published>{}</published>\n", date.rfc3339()));
            out.push_str(&format!(
                "    <updated>{}</updated>\n",
                p.front.updated.unwrap_or(date).rfc3339()
            ));
            out.push_str(&format!(
                "    <author><name>{}</name></author>\n",
                xml_escape(&title)
            ));
            if let Some(d) = &p.front.description {
                out.push_str(&format!("    <summary>{}</summary>\n", xml_escape(d)));
            }
            out.push_str(&format!(
                "    <content type=\"html\">{}</content>\n",
                xml_escape(&self.content(e, false))
            ));
            out.push_str("  </entry>\n");
        }
        out.push_str("</feed>\n");
        out
    }

    fn render_sitemap(&self) -> String {
        let base = &self.shared.base_url;
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
        );
        for e in self.site.entries.iter().filter(|e| !e.is_fallback) {
            out.push_str("  <url>\n");
            out.push_str(&format!(
                "    <loc>{}</loc>\n",
                xml_escape(&encode_url(&format!("{base}{}", e.path)))
            ));
            if let Some(d) = self.summary(e.lang, &e.key).and_then(|s| {
                s.get_from_path("updated")
                    .and_then(|d| d.as_str().map(String::from))
                    .or_else(|| {
                        s.get_from_path("date")
                            .and_then(|d| d.as_str().map(String::from))
                    })
            }) {
                out.push_str(&format!("    <lastmod>{d}</lastmod>\n"));
            }
            let mut alts = Vec::new();
            for (lj, l) in self.languages.iter().enumerate() {
                if let Some(o) = self.site.entry_for(lj, &e.key)
                    && !self.site.entries[o].is_fallback
                {
                    alts.push((l.code.clone(), self.site.entries[o].path.clone()));
                }
            }
            if alts.len() > 1 {
                for (code, p) in &alts {
                    out.push_str(&format!(
                        "    <xhtml:link rel=\"alternate\" hreflang=\"{code}\" href=\"{}\"/>\n",
                        xml_escape(&encode_url(&format!("{base}{p}")))
                    ));
                }
                if let Some(o) = self.site.entry_for(0, &e.key)
                    && !self.site.entries[o].is_fallback
                {
                    out.push_str(&format!(
                        "    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>\n",
                        xml_escape(&encode_url(&format!("{base}{}", self.site.entries[o].path)))
                    ));
                }
            }
            out.push_str("  </url>\n");
        }
        for t in &self.site.taxonomies {
            for p in std::iter::once(&t.path).chain(t.terms.iter().map(|x| &x.path)) {
                out.push_str(&format!(
                    "  <url>\n    <loc>{}</loc>\n  </url>\n",
                    xml_escape(&encode_url(&format!("{base}{p}")))
                ));
            }
        }
        out.push_str("</urlset>\n");
        out
    }

    /// The Markdown facts of every source (for checks).
    pub fn markdown(&self) -> &[Arc<MarkdownMeta>] {
        &self.md
    }

    /// Template names in the theme.
    pub fn template_names(&self) -> &[String] {
        &self.template_names
    }
}

/// The cache key of a source's Markdown facts: its bytes, path, options and marque's
/// version (a new version may render differently).
fn markdown_cache_key(p: &marque_project::SourcePage, opts: MarkdownOptions) -> String {
    let mut h = blake3::Hasher::new();
    h.update(&p.hash);
    h.update(p.lang.as_bytes());
    h.update(b"\0");
    h.update(p.rel.as_bytes());
    h.update(&[opts.allow_html as u8, opts.french_typography as u8]);
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&MARKDOWN_CACHE_FORMAT.to_le_bytes());
    h.finalize().to_hex().to_string()
}

/// Bumped whenever what the Markdown step produces changes shape or content.
const MARKDOWN_CACHE_FORMAT: u32 = 5;

fn lang_of(state: &State, kwargs: &Kwargs, shared: &Shared) -> tera::TeraResult<String> {
    if let Some(l) = kwargs.get::<&str>("lang")? {
        if !shared.langs.iter().any(|x| x == l) {
            return Err(tera::Error::message(format!(
                "language '{l}' is not one of the site's languages ({})",
                shared.langs.join(", ")
            )));
        }
        return Ok(l.to_string());
    }
    Ok(state
        .get::<String>("lang")?
        .unwrap_or_else(|| shared.default_lang.clone()))
}

fn key_of(path: &str, shared: &Shared) -> String {
    let p = path.trim_start_matches("@/").trim_start_matches('/');
    shared
        .key_of_rel
        .get(p)
        .cloned()
        .unwrap_or_else(|| p.to_string())
}

fn register_functions(tera: &mut Tera, shared: Arc<Shared>) {
    let s = shared.clone();
    tera.register_function(
        "trans",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let key: &str = kwargs.must_get("key")?;
            let lang = lang_of(state, &kwargs, &s)?;
            let (path, strings) = s.strings.get(&lang).ok_or_else(|| {
                tera::Error::message(format!("no interface strings for language '{lang}'"))
            })?;
            if let Some(v) = s.string_values.get(&lang).and_then(|m| m.get(key)) {
                return Ok(v.clone());
            }
            match strings.get(key) {
                Some(v) => Ok(Value::from_serializable(v)),
                None => Err(tera::Error::message(format!(
                    "missing interface string '{key}' for language '{lang}' (add it to {})",
                    path.display()
                ))),
            }
        },
    );
    let s = shared.clone();
    tera.register_function(
        "get_url",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let path: &str = kwargs.must_get("path")?;
            let lang = lang_of(state, &kwargs, &s)?;
            if path.starts_with("@/") || path.ends_with(".md") {
                let key = key_of(path, &s);
                return match s.entry(&lang, &key) {
                    Some(i) => Ok(Value::from(format!(
                        "{}{}",
                        s.base_path, s.site.entries[i].path
                    ))),
                    None => Err(tera::Error::message(format!(
                        "get_url: no page '{path}' in language '{lang}'"
                    ))),
                };
            }
            if let Some(u) = s.assets.get(path.trim_start_matches('/')) {
                return Ok(Value::from(u.as_str()));
            }
            let absolute = kwargs.get::<bool>("absolute")?.unwrap_or(false);
            let prefix = if absolute { &s.base_url } else { &s.base_path };
            Ok(Value::from(format!(
                "{prefix}/{}",
                path.trim_start_matches('/')
            )))
        },
    );
    let s = shared.clone();
    tera.register_function(
        "get_page",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let path: &str = kwargs.must_get("path")?;
            let lang = lang_of(state, &kwargs, &s)?;
            let key = key_of(path, &s);
            s.entry(&lang, &key)
                .and_then(|i| s.tables.get().map(|t| t.by_entry[i].clone()))
                .ok_or_else(|| {
                    tera::Error::message(format!("get_page: no page '{path}' in language '{lang}'"))
                })
        },
    );
    let s = shared.clone();
    tera.register_function(
        "get_section",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let path: &str = kwargs.must_get("path")?;
            let lang = lang_of(state, &kwargs, &s)?;
            let mut key = key_of(path, &s);
            if !key.ends_with(".md") {
                key = format!("{}/_index.md", key.trim_end_matches('/'))
                    .trim_start_matches('/')
                    .to_string();
            }
            s.entry(&lang, &key)
                .filter(|&i| s.site.entries[i].kind == EntryKind::Section)
                .and_then(|i| s.tables.get().map(|t| t.section(&s.site, i)))
                .ok_or_else(|| {
                    tera::Error::message(format!(
                        "get_section: no section '{path}' in language '{lang}'"
                    ))
                })
        },
    );
    let s = shared.clone();
    tera.register_function(
        "asset",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let path: &str = kwargs.must_get("path")?;
            s.assets
                .get(path.trim_start_matches('/'))
                .map(|u| Value::from(u.as_str()))
                .ok_or_else(|| {
                    tera::Error::message(format!(
                        "asset '{path}' does not exist (known assets: {})",
                        s.assets.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
                })
        },
    );
    let s = shared.clone();
    tera.register_filter(
        "date",
        move |value: &str, kwargs: Kwargs, state: &State| -> tera::TeraResult<String> {
            let lang = lang_of(state, &kwargs, &s)?;
            let date = Date::parse(value).map_err(tera::Error::message)?;
            let pattern = match kwargs.get::<&str>("format")? {
                Some(f) => f,
                None => s
                    .date_formats
                    .get(&lang)
                    .map(String::as_str)
                    .unwrap_or("%Y-%m-%d"),
            };
            let default_names = DateNames::default();
            let names = s.date_names.get(&lang).unwrap_or(&default_names);
            Ok(date.format(pattern, names))
        },
    );
    let s = shared.clone();
    tera.register_filter(
        "typography",
        move |value: &str, kwargs: Kwargs, state: &State| -> tera::TeraResult<String> {
            let lang = lang_of(state, &kwargs, &s)?;
            Ok(if s.french_typography.contains(&lang) {
                crate::markdown::french_typography(value)
            } else {
                value.to_string()
            })
        },
    );
    tera.register_filter("slugify", |value: &str, _: Kwargs, _: &State| {
        crate::model::slugify(value)
    });
    tera.register_filter("urlencode", |value: &str, _: Kwargs, _: &State| {
        encode_url(value)
    });
}
