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

use crate::links::{LinkContext, resolve_markers, source_index};
use crate::markdown::{MarkdownMeta, MarkdownOptions, render_markdown};
use crate::model::{EntryKind, Site};

mod feeds;
mod functions;
mod keys;
mod pages;
mod prepare;
mod tables;
mod templates;

use feeds::FeedOf;
pub use feeds::{encode_url, xml_escape};
use functions::register_functions;
pub use functions::stable_group_by;
pub use keys::{Read, recording};
pub use tables::Tables;
pub use templates::tera_error;
use templates::{TemplateFacts, template_closure_hashes};

/// What a job renders.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PageKind {
    /// An entry (page or section) by index.
    Entry(usize),
    /// A taxonomy list page by index into `Site::taxonomies`.
    TaxonomyList(usize),
    /// A term page: (taxonomy index, term index).
    TaxonomyTerm(usize, usize),
    /// Page `n` (2 or more) of a paginated section's list: (entry index, n). Page 1 is
    /// the section's own page.
    Pager(usize, usize),
    /// The Atom feed of a language.
    Feed(usize),
    /// The Atom feed of a section (entry index): its dated pages, at any depth.
    SectionFeed(usize),
    /// A former address of a page (`aliases:`): (entry index, alias index), a page
    /// that sends the visitor on.
    Alias(usize, usize),
    /// `page/1/` of a paginated section (entry index): sends the visitor to the
    /// section's own page, which is page 1.
    FirstPager(usize),
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

/// Data the template functions read, shared by every render (and by the builds of a
/// session while the templates and these values stay the same).
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
    /// Language codes in order (index = language index).
    lang_codes: Vec<String>,
    /// asset name → hashed URL.
    assets: BTreeMap<String, String>,
    /// What changes from one build to the next: the build going on.
    now: std::sync::RwLock<Arc<Now>>,
}

/// What the template functions read of the build going on.
struct Now {
    /// The site model.
    site: Arc<Site>,
    /// (lang, rel path of any language's source) → key, to accept paths in get_url.
    key_of_rel: HashMap<String, String>,
    /// Summaries and sections, made on first use (a build that renders nothing never
    /// needs them).
    tables: OnceLock<Arc<Tables>>,
}

impl Shared {
    /// The build going on.
    fn now(&self) -> Arc<Now> {
        match self.now.read() {
            Ok(n) => n.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The entry of translation key `key` in language `lang`.
    fn entry(&self, now: &Now, lang: &str, key: &str) -> Option<usize> {
        let li = self.lang_codes.iter().position(|c| c == lang)?;
        now.site.entry_for(li, key)
    }
}

/// What a resident session keeps from one build to make the next one faster: the site
/// model when no page's front matter changed, and the summaries that did not change.
pub struct Carry {
    site_key: [u8; 32],
    site: Arc<Site>,
    tables: Option<Arc<Tables>>,
    keys: Option<Arc<keys::KeyMemo>>,
    templates: Option<Arc<prepare::Templates>>,
    sources: Arc<Vec<prepare::SourceMemo>>,
    link_targets: Arc<crate::links::LinkTargets>,
    config_hash: [u8; 32],
}

struct CacheView<'a, 'p>(&'a Prepared<'p>);

impl serde::Serialize for CacheView<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_map(
            self.0
                .md_keys
                .iter()
                .map(|k| &**k)
                .zip(self.0.md.iter().map(|m| &**m)),
        )
    }
}

/// Cached Markdown facts: cache key → facts.
pub type MarkdownCache = HashMap<String, Arc<MarkdownMeta>>;

/// The site, ready to render any of its outputs.
pub struct Prepared<'p> {
    project: &'p Project,
    shared: Arc<Shared>,
    tera: Arc<Tera>,
    /// The compiled templates, for the next build of a session.
    templates: Arc<prepare::Templates>,
    /// What the template functions read of this build (its summaries among them).
    now: Arc<Now>,
    /// The site model.
    pub site: Arc<Site>,
    site_key: [u8; 32],
    previous_tables: Option<Arc<Tables>>,
    /// The keys of the last build of a session, to reuse those whose inputs did not
    /// change.
    previous_keys: Option<Arc<keys::KeyMemo>>,
    /// The keys of this build, for the next one.
    keys_made: OnceLock<Arc<keys::KeyMemo>>,
    md: Vec<Arc<MarkdownMeta>>,
    md_keys: Vec<Arc<str>>,
    /// HTML of each source's Markdown, kept from the prepare step until the page that
    /// shows it is rendered (then dropped, to keep memory low on large sites).
    html: Vec<Mutex<Option<String>>>,
    /// How many entries still have to take each source's HTML.
    html_uses: Vec<AtomicUsize>,
    /// Per source: its Markdown was rendered afresh (not from the cache).
    fresh: Vec<bool>,
    index: crate::links::SourceIndex<'p>,
    lang_opts: HashMap<String, MarkdownOptions>,
    base_path: String,
    /// Translation report lines.
    pub missing: BTreeMap<String, Vec<String>>,
    /// Warnings.
    pub warnings: Diagnostics,
    languages: Vec<marque_project::Language>,
    /// Per template: blake3 of it and every template it extends or includes.
    template_hashes: Arc<templates::TemplateFacts>,
    global_hash: [u8; 32],
    theme_dir: PathBuf,
    feed_limit: usize,
    template_names: Vec<String>,
    /// Variables given to every template (`brand`, `kits`), per language.
    globals: Vec<(&'static str, Vec<Value>)>,
    /// Pages (entry paths) with their social card at `<path>og.png`; empty when there
    /// are no cards.
    social_cards: std::collections::HashSet<String>,
    /// The HTML of each image of each source's Markdown (from the engine, which knows
    /// the files): by source, then image number.
    images: Arc<Vec<Vec<String>>>,
    /// Seconds spent in each step of preparing.
    pub phases: Vec<(&'static str, f64)>,
    /// Where each source's links go, for the next build's check.
    link_targets: Arc<crate::links::LinkTargets>,
    /// Links to sources or anchors that lead nowhere: reported with the problems of
    /// the build's later steps (see [`Prepared::link_errors`]).
    link_errors: Diagnostics,
    /// A session will build again (see [`Prepared::new`]).
    resident: bool,
    /// Per entry: the hash of its summary, made on first use (see `keys`).
    summary_hashes: OnceLock<Vec<[u8; 32]>>,
    /// The hashes of the site's shape, made on first use (see `keys`).
    shape: OnceLock<keys::Shape>,
    /// Where the last build's entries are in this one, when the shape changed (see
    /// `keys`), made on first use.
    remap: OnceLock<Option<keys::Remap>>,
    /// The sections' feeds (see [`Prepared::section_feeds`]), made on first use.
    section_feeds: OnceLock<Vec<(usize, Vec<usize>)>>,
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

impl<'p> Prepared<'p> {
    /// Tells templates that every page has a social card (`og_image`).
    pub fn set_social_cards(&mut self, on: bool) {
        self.social_cards = if on {
            self.site.entries.iter().map(|e| e.path.clone()).collect()
        } else {
            Default::default()
        };
    }

    /// Gives the HTML of the images of every source's Markdown (by source, then image
    /// number, as [`MarkdownMeta::images`] lists them).
    pub fn set_images(&mut self, images: Vec<Vec<String>>) {
        self.images = Arc::new(images);
    }

    /// The links to sources or anchors that lead nowhere (errors at their source).
    pub fn link_errors(&self) -> &Diagnostics {
        &self.link_errors
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

    /// Builds the values listings and template functions read; call it before rendering
    /// in parallel (rendering builds them on first use otherwise).
    pub fn prepare_tables(&self) {
        self.tables();
    }

    fn tables(&self) -> &Tables {
        self.now
            .tables
            .get_or_init(|| Arc::new(self.build_tables()))
    }

    /// What the next build of a resident session may reuse from this one.
    pub fn carry(&self) -> Carry {
        Carry {
            site_key: self.site_key,
            site: self.site.clone(),
            // Unused this time: the previous ones still serve (each summary is checked
            // against its key before reuse).
            tables: self
                .now
                .tables
                .get()
                .cloned()
                .or_else(|| self.previous_tables.clone()),
            keys: self
                .keys_made
                .get()
                .cloned()
                .or_else(|| self.previous_keys.clone()),
            templates: Some(self.templates.clone()),
            link_targets: self.link_targets.clone(),
            config_hash: self.project.config_hash,
            sources: Arc::new(prepare::source_memos(
                self.project,
                &self.lang_opts,
                &self.md_keys,
                &self.md,
            )),
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
                p.plain_rel(),
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
        let html = resolve_markers(&cx, &self.html(e.source, take), e.source, e.lang);
        let resolved = self.images.get(e.source);
        crate::markdown::resolve_images(&html, &self.md[e.source].images, &|n| {
            resolved.and_then(|r| r.get(n)).cloned()
        })
    }

    /// True when some source's Markdown was rendered afresh (the cache is out of date).
    pub fn markdown_cache_changed(&self, previous: usize) -> bool {
        previous != self.md.len() || self.fresh.iter().any(|f| *f)
    }

    /// The Markdown facts of every source, shared, for a resident session's next build.
    pub fn markdown_metas(&self) -> MarkdownCache {
        self.md_keys
            .iter()
            .map(|k| k.to_string())
            .zip(self.md.iter().cloned())
            .collect()
    }

    /// The Markdown facts rendered by this build (not taken from the cache or the last
    /// build), to add to a session's cache.
    pub fn fresh_markdown(&self) -> impl Iterator<Item = (String, Arc<MarkdownMeta>)> + '_ {
        self.fresh
            .iter()
            .zip(self.md_keys.iter().zip(&self.md))
            .filter(|(f, _)| **f)
            .map(|(_, (k, m))| (k.to_string(), m.clone()))
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

    fn summary(&self, lang: usize, key: &str) -> Option<&Value> {
        self.site
            .entry_for(lang, key)
            .map(|e| &self.tables().by_entry[e])
    }

    /// Renders one output.
    pub fn render(&self, project: &Project, job: &PageJob) -> Result<Vec<u8>, Diagnostic> {
        match &job.kind {
            PageKind::Entry(i) => self.render_entry(project, *i, 1).map(String::into_bytes),
            PageKind::Pager(i, n) => self.render_entry(project, *i, *n).map(String::into_bytes),
            PageKind::TaxonomyList(t) => self.render_taxonomy(*t, None).map(String::into_bytes),
            PageKind::TaxonomyTerm(t, s) => {
                self.render_taxonomy(*t, Some(*s)).map(String::into_bytes)
            }
            PageKind::Feed(li) => Ok(self
                .render_feed(project, FeedOf::Language(*li))
                .into_bytes()),
            PageKind::SectionFeed(i) => {
                Ok(self.render_feed(project, FeedOf::Section(*i)).into_bytes())
            }
            PageKind::Alias(i, _) | PageKind::FirstPager(i) => {
                Ok(self.render_alias(project, *i).into_bytes())
            }
            PageKind::NotFound(li) => self.render_404(*li).map(String::into_bytes),
            PageKind::Sitemap => Ok(self.render_sitemap().into_bytes()),
            PageKind::Robots => Ok(format!(
                "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
                encode_url(&self.shared.base_url)
            )
            .into_bytes()),
        }
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
const MARKDOWN_CACHE_FORMAT: u32 = 9;
