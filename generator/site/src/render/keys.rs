//! The key of every output: the hash of exactly what it reads, so that an output whose
//! key did not change is reused without rendering, and an edit renders again only the
//! outputs that show what changed (Hugo's partial rebuilds are the model).
//!
//! What an output reads comes from two places. What marque itself puts in its context
//! is known here by its kind: an entry reads its source, its own summary, its parent's,
//! its translations (the switcher), its menus, the addresses its links go to and, for a
//! section, its pages' summaries; a term page reads its pages' summaries; the feed reads
//! the title, dates, description and text of its entries; the sitemap reads addresses,
//! dates and translations. What a template asks for through a function (`get_page`,
//! `get_section`, `get_url`) is recorded while it renders ([`recording`]) as [`Read`]s
//! kept with the output; before the output is reused, each of them is looked up again
//! and must give the same hash ([`Prepared::key_with`]). Everything else an output may
//! read (configuration, interface strings, asset addresses, marque's version) is in the
//! global part of every key.

use std::cell::RefCell;

use rustc_hash::{FxHashMap, FxHashSet};

use super::*;

/// Something a template asked for through a function while it rendered: looked up
/// again before the output is reused.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Read {
    /// `get_page(path, lang)`: what listings show of that page.
    Page(String, String),
    /// `get_section(path, lang)`: the section's summary and its pages' and subsections'.
    Section(String, String),
    /// `get_url(path, lang)` of a page: its address.
    Url(String, String),
}

thread_local! {
    /// The reads of the output being rendered on this thread, when they are recorded.
    static READS: RefCell<Option<Vec<Read>>> = const { RefCell::new(None) };
}

/// Notes that the output being rendered read `read` (nothing when nothing records).
pub(super) fn note(read: Read) {
    READS.with(|r| {
        if let Some(v) = r.borrow_mut().as_mut() {
            v.push(read);
        }
    });
}

/// Puts back the recording that was going on before, even when rendering panics.
struct Restore(Option<Vec<Read>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let before = self.0.take();
        READS.with(|r| *r.borrow_mut() = before);
    }
}

/// Runs `f`, returning what it gave and the reads it noted, sorted, once each.
pub fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<Read>) {
    let restore = Restore(READS.with(|r| r.replace(Some(Vec::new()))));
    let out = f();
    let mut reads = READS.with(|r| r.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    reads.sort();
    reads.dedup();
    (out, reads)
}

/// Hashes parts, each length-prefixed so that no two lists of parts hash alike. The
/// parts are gathered and hashed in one call: blake3 is fast on long input and slow on
/// many small updates, and every build makes a key for each of its outputs.
#[derive(Default)]
struct KeyHasher(Vec<u8>);

impl KeyHasher {
    fn new(global: &[u8; 32], kind: &str) -> KeyHasher {
        let mut h = KeyHasher(Vec::with_capacity(1024));
        h.part(global).part(kind.as_bytes());
        h
    }

    fn part(&mut self, bytes: &[u8]) -> &mut KeyHasher {
        self.0
            .extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        self.0.extend_from_slice(bytes);
        self
    }

    fn opt(&mut self, bytes: Option<&[u8]>) -> &mut KeyHasher {
        match bytes {
            Some(b) => self.part(b"+").part(b),
            None => self.part(b"-"),
        }
    }

    fn finish(&self) -> [u8; 32] {
        *blake3::hash(&self.0).as_bytes()
    }
}

/// A date as bytes to hash (no text made: this runs for every page of every build).
fn date_bytes(d: Option<marque_project::Date>) -> [u8; 10] {
    let Some(d) = d else { return [0; 10] };
    let y = d.year.to_le_bytes();
    let (h, m, s) = d.time.unwrap_or((255, 255, 255));
    [1, y[0], y[1], y[2], y[3], d.month, d.day, h, m, s]
}

/// What the keys of one build share, computed once.
struct KeyInputs<'a> {
    /// The global part: everything any output may read besides the site's pages.
    global: [u8; 32],
    /// Per entry: the hash of its summary (what listings and `get_page` show of it).
    summaries: &'a [[u8; 32]],
    /// Per language: the hash of its main and footer menus.
    menus: Vec<[u8; 32]>,
}

/// The hashes of a site's shape (see [`Prepared::shape_key`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    /// Pages, entries, sections and their order.
    entries: [u8; 32],
    /// Dates and terms.
    rest: [u8; 32],
    /// Dates alone.
    dates: [u8; 32],
}

/// The keys of one build and what they were made from, kept by a session so that its
/// next build makes again only the keys whose inputs changed.
pub struct KeyMemo {
    /// The site model they were made for.
    site: Arc<Site>,
    /// Its shape (see [`Prepared::shape_key`]).
    shape: Shape,
    /// Per language: its menus' hash.
    menus: Vec<[u8; 32]>,
    /// Per language: the entries of its feed.
    feeds: Vec<Vec<usize>>,
    /// Their global part.
    global: [u8; 32],
    /// The templates' hashes.
    templates: [u8; 32],
    /// Per source: the hash of its file.
    sources: Vec<[u8; 32]>,
    /// The sources themselves (where each is, its translation key).
    pages: Vec<Arc<SourcePage>>,
    /// Per entry: its summary's hash.
    summaries: Vec<[u8; 32]>,
    /// Per job, in order: its key.
    jobs: Vec<[u8; 32]>,
}

/// What changed since the last build of a session (the site model being the same):
/// the sources whose file changed, and the entries whose summary changed.
struct Dirty {
    source: Vec<bool>,
    summary: Vec<bool>,
}

impl Dirty {
    fn since(prepared: &Prepared, memo: &KeyMemo, summaries: &[[u8; 32]]) -> Dirty {
        Dirty {
            source: prepared
                .project
                .pages
                .iter()
                .zip(&memo.sources)
                .map(|(p, h)| &p.hash != h)
                .collect(),
            summary: summaries
                .iter()
                .zip(&memo.summaries)
                .map(|(a, b)| a != b)
                .collect(),
        }
    }

    /// Whether entry `i`'s page may show something that changed: its own source or
    /// summary, its parent's summary, its pages' or subsections' (its translations,
    /// menus and link targets are where they were: the site model is the same).
    fn entry(&self, prepared: &Prepared, i: usize) -> bool {
        let e = &prepared.site.entries[i];
        self.source[e.source]
            || self.summary[i]
            || e.parent.is_some_and(|p| self.summary[p])
            || e.pages
                .iter()
                .chain(&e.subsections)
                .any(|&m| self.summary[m])
    }
}

/// The jobs of a build as they are listed, each with its key: the last build's
/// (the same job at the same place in the list) unless what it shows may have changed.
struct Jobs<'m> {
    memo: Option<&'m KeyMemo>,
    /// When the shape changed: the last build's entries found in this one, whose keys
    /// serve when nothing they read changed.
    remap: Option<&'m Remap>,
    dirty: Option<Dirty>,
    /// The rest of the shape is the last build's too (the same terms, dates): the jobs
    /// after the entries are the same jobs at the same places.
    rest_same: bool,
    list: Vec<PageJob>,
}

impl Jobs<'_> {
    fn push(
        &mut self,
        output: String,
        kind: PageKind,
        changed: bool,
        make: impl FnOnce() -> [u8; 32],
    ) {
        let j = self.list.len();
        let key = match self.memo {
            Some(m) if !changed && self.rest_same => m.jobs[j],
            _ => make(),
        };
        self.list.push(PageJob { output, kind, key });
    }

    /// Whether the site is new to this session, or `f` says what the job shows changed.
    fn changed(&self, f: impl FnOnce(&Dirty) -> bool) -> bool {
        !self.rest_same || self.dirty.as_ref().is_none_or(f)
    }

    /// Every entry's page (in parallel: a large site has tens of thousands).
    fn entries(&mut self, p: &Prepared, project: &Project, k: &KeyInputs) {
        let (memo, dirty, remap) = (self.memo, self.dirty.as_ref(), self.remap);
        self.list
            .par_extend(p.site.entries.par_iter().enumerate().map(|(i, e)| {
                let changed = dirty.is_none_or(|d| d.entry(p, i));
                let kept = match (memo, remap) {
                    (Some(m), _) if !changed => Some(m.jobs[i]),
                    (None, Some(r)) => r.same_entry(p, k, i).map(|j| r.memo.jobs[j]),
                    _ => None,
                };
                PageJob {
                    output: format!("{}index.html", e.path.trim_start_matches('/')),
                    kind: PageKind::Entry(i),
                    key: kept.unwrap_or_else(|| p.entry_key(project, k, i)),
                }
            }));
    }

    /// The further pages of paginated sections, the pages at former addresses, then
    /// the sections' feeds.
    fn late_jobs(&mut self, p: &Prepared, project: &Project, k: &KeyInputs) {
        for i in 0..p.site.entries.len() {
            let Some((count, by)) = p.pagination(i) else {
                continue;
            };
            let entry = p.entry_key(project, k, i);
            if count > 1 {
                // `page/1/`, which Zola and Hugo users expect, sends to page 1.
                let mut h = KeyHasher::new(&entry, "first pager");
                h.part(p.site.entries[i].path.as_bytes());
                self.list.push(PageJob {
                    output: format!(
                        "{}page/1/index.html",
                        p.site.entries[i].path.trim_start_matches('/')
                    ),
                    kind: PageKind::FirstPager(i),
                    key: h.finish(),
                });
            }
            for n in 2..=count {
                let path = p.pager_path(i, n);
                let mut h = KeyHasher::new(&entry, "pager");
                h.part(&(n as u64).to_le_bytes())
                    .part(&(by as u64).to_le_bytes());
                self.list.push(PageJob {
                    output: format!("{}index.html", path.trim_start_matches('/')),
                    kind: PageKind::Pager(i, n),
                    key: h.finish(),
                });
            }
        }
        for (i, e) in p.site.entries.iter().enumerate() {
            if e.is_fallback {
                continue;
            }
            let page = &project.pages[e.source];
            for (a, alias) in page.front.aliases.iter().enumerate() {
                let mut h = KeyHasher::new(&k.global, "alias");
                h.part(alias.as_bytes())
                    .part(e.path.as_bytes())
                    .part(page.title().as_bytes())
                    .part(p.languages[e.lang].code.as_bytes());
                self.list.push(PageJob {
                    output: alias_output(alias),
                    kind: PageKind::Alias(i, a),
                    key: h.finish(),
                });
            }
        }
        for (s, entries) in p.section_feeds() {
            let sec = &p.site.entries[*s];
            let mut h = KeyHasher::new(&k.global, "section feed");
            h.part(sec.path.as_bytes())
                .part(project.pages[sec.source].title().as_bytes());
            p.feed_entries_key(&mut h, project, sec.lang, entries);
            self.list.push(PageJob {
                output: format!("{}atom.xml", sec.path.trim_start_matches('/')),
                kind: PageKind::SectionFeed(*s),
                key: h.finish(),
            });
        }
    }

    /// Each taxonomy's list page, then its term pages.
    fn taxonomies(&mut self, p: &Prepared, k: &KeyInputs) {
        for (ti, t) in p.site.taxonomies.iter().enumerate() {
            let output = format!("{}index.html", t.path.trim_start_matches('/'));
            self.push(output, PageKind::TaxonomyList(ti), false, || {
                p.taxonomy_key(k, ti, None)
            });
            for (si, term) in t.terms.iter().enumerate() {
                let changed = self.changed(|d| term.entries.iter().any(|&e| d.summary[e]));
                let output = format!("{}index.html", term.path.trim_start_matches('/'));
                self.push(output, PageKind::TaxonomyTerm(ti, si), changed, || {
                    p.taxonomy_key(k, ti, Some(si))
                });
            }
        }
    }

    /// Each language's feed, then each language's 404 page.
    fn per_language(
        &mut self,
        p: &Prepared,
        project: &Project,
        k: &KeyInputs,
        feeds: &[Vec<usize>],
    ) {
        let at = |l: &marque_project::Language, file: &str| {
            let prefix = l.prefix.trim_start_matches('/');
            if prefix.is_empty() {
                file.to_string()
            } else {
                format!("{prefix}/{file}")
            }
        };
        for (li, l) in p.languages.iter().enumerate() {
            // The feed shows the newest dated pages: another list, or a change to one
            // of them, makes it again.
            let memo = self.memo;
            let changed = self.changed(|d| {
                memo.is_none_or(|m| m.feeds[li] != feeds[li])
                    || feeds[li]
                        .iter()
                        .any(|&e| d.source[p.site.entries[e].source])
            });
            self.push(at(l, "atom.xml"), PageKind::Feed(li), changed, || {
                p.feed_key(project, k, li)
            });
        }
        for (li, l) in p.languages.iter().enumerate() {
            self.push(at(l, "404.html"), PageKind::NotFound(li), false, || {
                let mut h = KeyHasher::new(&k.global, "404");
                h.part(l.code.as_bytes())
                    .part(&p.template_hash("404.html"))
                    .part(&k.menus[li]);
                h.finish()
            });
        }
    }
}

/// The output file of an alias: `/old/` and `/old` are `old/index.html`, `/old.html`
/// is itself.
pub fn alias_output(alias: &str) -> String {
    let t = alias.trim_start_matches('/');
    if t.ends_with('/') {
        format!("{t}index.html")
    } else if t.ends_with(".html") || t.ends_with(".htm") {
        t.to_string()
    } else {
        format!("{t}/index.html")
    }
}

/// When a session's site changed shape (a page came or went, a section moved): where
/// the last build's entries are in this one, and what may read otherwise, so that the
/// keys of the entries that read nothing that changed are taken from the last build
/// rather than made again (the key of every other page would otherwise be made again
/// for one new page).
pub(super) struct Remap {
    memo: Arc<KeyMemo>,
    /// Per entry of this build: the last build's entry at the same address, of the same
    /// language, kind, translation key and fallback state.
    old_of: Vec<Option<usize>>,
    /// Translation keys whose entries are not where they were in every language (a
    /// page came, went or moved): the language switchers and links that show them.
    keys: FxHashSet<String>,
    /// Source paths a link may now go elsewhere from: a source came or went there, or
    /// its translation key is one of `keys` (or changed).
    rels: FxHashSet<String>,
}

impl Remap {
    fn new(p: &Prepared, memo: Arc<KeyMemo>) -> Remap {
        let (old, new) = (&memo.site, &p.site);
        let same = |a: &crate::model::Entry, b: &crate::model::Entry| {
            a.key == b.key && a.lang == b.lang && a.kind == b.kind && a.is_fallback == b.is_fallback
        };
        let old_of: Vec<Option<usize>> = new
            .entries
            .par_iter()
            .map(|e| {
                old.by_path
                    .get(&e.path)
                    .copied()
                    .filter(|&j| same(&old.entries[j], e))
            })
            .collect();
        let mut keys = FxHashSet::default();
        let mut found = vec![false; old.entries.len()];
        for (e, j) in new.entries.iter().zip(&old_of) {
            match j {
                Some(j) => found[*j] = true,
                None => {
                    keys.insert(e.key.clone());
                }
            }
        }
        for (o, _) in old.entries.iter().zip(&found).filter(|(_, f)| !**f) {
            keys.insert(o.key.clone());
        }
        let mut rels = FxHashSet::default();
        fn source_map(pages: &[Arc<SourcePage>]) -> FxHashMap<(&str, &str), &str> {
            pages
                .iter()
                .map(|s| ((s.lang.as_str(), s.rel.as_str()), s.translation_key()))
                .collect()
        }
        let (before, after) = (source_map(&memo.pages), source_map(&p.project.pages));
        for (one, other) in [(&before, &after), (&after, &before)] {
            for (at, key) in one {
                if other.get(at) != Some(key) {
                    rels.insert(at.1.to_string());
                    keys.insert(key.to_string());
                }
            }
        }
        if !keys.is_empty() {
            for s in memo.pages.iter().chain(&p.project.pages) {
                if keys.contains(s.translation_key()) {
                    rels.insert(s.rel.clone());
                }
            }
        }
        Remap {
            memo,
            old_of,
            keys,
            rels,
        }
    }

    /// The last build's entry for entry `i` when it showed the same file at the same
    /// place (then its summary is the same).
    fn same_source(&self, p: &Prepared, i: usize) -> Option<usize> {
        let j = self.old_of[i]?;
        let (e, o) = (&p.site.entries[i], &self.memo.site.entries[j]);
        let (page, was) = (&p.project.pages[e.source], &self.memo.pages[o.source]);
        (page.hash == self.memo.sources[o.source] && page.rel == was.rel && page.lang == was.lang)
            .then_some(j)
    }

    /// The last build's entry for entry `i` when everything entry `i`'s key reads is as
    /// it was there (see [`Prepared::entry_key`]): then that entry's key is this one's.
    fn same_entry(&self, p: &Prepared, k: &KeyInputs, i: usize) -> Option<usize> {
        let j = self.same_source(p, i)?;
        let m = &self.memo;
        let (e, o) = (&p.site.entries[i], &m.site.entries[j]);
        let same_list = |a: &[usize], b: &[usize]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(&x, &y)| k.summaries[x] == m.summaries[y])
        };
        let parent = match (e.parent, o.parent) {
            (None, None) => true,
            (Some(x), Some(y)) => k.summaries[x] == m.summaries[y],
            _ => false,
        };
        let links_stay = p.md[e.source]
            .links
            .iter()
            .all(|l| l.target.as_deref().is_none_or(|t| !self.rels.contains(t)));
        (k.summaries[i] == m.summaries[j]
            && parent
            && !self.keys.contains(&e.key)
            && links_stay
            && same_list(&e.pages, &o.pages)
            && same_list(&e.subsections, &o.subsections))
        .then_some(j)
    }
}

impl<'p> Prepared<'p> {
    /// Where the last build's entries are in this one, when the site's shape changed
    /// but what every output may read besides the pages did not.
    fn remap(&self) -> Option<&Remap> {
        self.remap
            .get_or_init(|| {
                let m = self.previous_keys.clone()?;
                (m.shape.entries != self.shape_key().entries
                    && m.global == self.global_key()
                    && !m.pages.is_empty())
                .then(|| Remap::new(self, m))
            })
            .as_ref()
    }

    /// The hash of what listings show of entry `i`: its source's front matter, the
    /// summary and length of its text, and where it is in the site.
    fn summary_hash(&self, i: usize) -> [u8; 32] {
        let e = &self.site.entries[i];
        let p = &self.project.pages[e.source];
        let md = &self.md[e.source];
        let mut h = KeyHasher(Vec::with_capacity(
            128 + md.summary.len() + e.path.len() + e.key.len() + p.rel.len(),
        ));
        h.part(&p.front_hash)
            .part(md.summary.as_bytes())
            .part(&(md.word_count.div_ceil(200) as u64).to_le_bytes())
            .part(e.path.as_bytes())
            .part(e.key.as_bytes())
            .part(&[e.lang as u8, e.is_fallback as u8, e.kind as u8])
            .part(p.lang.as_bytes())
            .part(p.rel.as_bytes());
        h.finish()
    }

    /// The global part of every key: what any output may read besides the site's
    /// pages, and whether pages have social cards.
    pub(super) fn global_key(&self) -> [u8; 32] {
        let mut g = KeyHasher::new(&self.global_hash, "global");
        g.part(&[!self.social_cards.is_empty() as u8]);
        g.finish()
    }

    /// The site's shape: which pages there are, which entries at which addresses, in
    /// which sections and order; and apart, the pages' dates and which terms hold which
    /// entries. Two builds of the same shape differ only in what pages say (their
    /// summaries, their text), which [`Dirty`] follows; when only the second part
    /// differs, the entries' keys still serve.
    fn shape_key(&self) -> &Shape {
        self.shape.get_or_init(|| {
            // The same site model as the last build's: the same shape.
            if let Some(m) = &self.previous_keys
                && Arc::ptr_eq(&m.site, &self.site)
            {
                return m.shape;
            }
            let ix = |h: &mut KeyHasher, i: usize| {
                h.part(&(i as u32).to_le_bytes());
            };
            let mut h = KeyHasher(Vec::with_capacity(64 + self.site.entries.len() * 96));
            for p in &self.project.pages {
                h.part(p.lang.as_bytes()).part(p.rel.as_bytes());
            }
            for e in &self.site.entries {
                h.part(e.path.as_bytes()).part(e.key.as_bytes()).part(&[
                    e.lang as u8,
                    e.is_fallback as u8,
                    e.kind as u8,
                ]);
                ix(&mut h, e.source);
                ix(&mut h, e.parent.map_or(usize::MAX, |p| p));
                h.part(b"pages");
                for &p in e.pages.iter().chain(&e.subsections) {
                    ix(&mut h, p);
                }
                ix(&mut h, e.pages.len());
            }
            let entries = h.finish();
            let mut h = KeyHasher(Vec::with_capacity(64 + self.project.pages.len() * 24));
            for p in &self.project.pages {
                h.part(&date_bytes(p.front.date))
                    .part(&date_bytes(p.front.updated));
            }
            let dates = h.finish();
            let mut h = KeyHasher::default();
            h.part(&dates);
            for t in &self.site.taxonomies {
                h.part(t.name.as_bytes()).part(t.path.as_bytes());
                ix(&mut h, t.lang);
                for tp in &t.terms {
                    h.part(tp.term.name.as_bytes())
                        .part(tp.term.slug.as_bytes())
                        .part(tp.path.as_bytes());
                    for &e in &tp.entries {
                        ix(&mut h, e);
                    }
                    ix(&mut h, tp.entries.len());
                }
            }
            Shape {
                entries,
                rest: h.finish(),
                dates,
            }
        })
    }

    /// The last build's keys, when they can serve this one: the same site model, the
    /// same global part and the same templates (then only what a changed source shows
    /// needs a new key).
    fn usable_memo(
        &self,
        global: &[u8; 32],
        templates: &[u8; 32],
        menus: &[[u8; 32]],
    ) -> Option<&KeyMemo> {
        self.previous_keys
            .as_deref()
            .filter(|m| m.shape.entries == self.shape_key().entries && &m.global == global)
            .filter(|m| &m.templates == templates && m.sources.len() == self.project.pages.len())
            .filter(|m| m.menus == menus)
    }

    /// Every entry's [`Prepared::summary_hash`], made once (and taken from the last
    /// build of a session for the entries whose source did not change).
    pub(super) fn summary_hashes(&self) -> &[[u8; 32]] {
        self.summary_hashes.get_or_init(|| {
            let global = self.global_key();
            let memo = self
                .previous_keys
                .as_deref()
                .filter(|m| m.shape.entries == self.shape_key().entries && m.global == global);
            let remap = memo.is_none().then(|| self.remap()).flatten();
            (0..self.site.entries.len())
                .into_par_iter()
                .map(|i| {
                    let s = self.site.entries[i].source;
                    match (memo, remap) {
                        (Some(m), _) if m.sources[s] == self.project.pages[s].hash => {
                            m.summaries[i]
                        }
                        (None, Some(r)) => match r.same_source(self, i) {
                            Some(j) => r.memo.summaries[j],
                            None => self.summary_hash(i),
                        },
                        _ => self.summary_hash(i),
                    }
                })
                .collect()
        })
    }

    /// The hash of every template's closure hash, by name.
    fn templates_key(&self) -> [u8; 32] {
        let mut names: Vec<(&String, &[u8; 32])> = self
            .template_hashes
            .iter()
            .map(|(n, (h, _))| (n, h))
            .collect();
        names.sort();
        let mut h = KeyHasher::default();
        for (n, t) in names {
            h.part(n.as_bytes()).part(t);
        }
        h.finish()
    }

    fn key_inputs(&self) -> KeyInputs<'_> {
        let menus = (0..self.languages.len())
            .map(|li| {
                let mut h = KeyHasher::default();
                for list in [&self.site.menus[li], &self.site.footer_menus[li]] {
                    h.part(b"menu");
                    for &e in list.iter() {
                        let en = &self.site.entries[e];
                        let p = &self.project.pages[en.source];
                        h.part(en.path.as_bytes())
                            .part(p.title().as_bytes())
                            .part(p.lang.as_bytes())
                            .part(&[en.is_fallback as u8]);
                    }
                }
                // Every page links its language's search page, like a menu item.
                h.part(b"search")
                    .opt(self.search_path(li).map(str::as_bytes));
                h.finish()
            })
            .collect();
        KeyInputs {
            global: self.global_key(),
            summaries: self.summary_hashes(),
            menus,
        }
    }

    /// Every output this site renders, with the key of what marque puts in its context
    /// (what its templates ask for through functions is added by [`Prepared::key_with`]).
    /// In a session whose site has the same shape, only the outputs that show a
    /// changed source get a new key; the others keep the last build's.
    pub fn jobs(&self, project: &Project) -> Vec<PageJob> {
        let k = self.key_inputs();
        let templates = self.templates_key();
        let memo = self.usable_memo(&k.global, &templates, &k.menus);
        let feeds: Vec<Vec<usize>> = (0..self.languages.len())
            .map(|li| self.feed_entries(li))
            .collect();
        let remap = memo
            .is_none()
            .then(|| self.remap())
            .flatten()
            .filter(|r| r.memo.templates == templates && r.memo.menus == k.menus);
        let mut jobs = Jobs {
            remap,
            dirty: memo.map(|m| Dirty::since(self, m, k.summaries)),
            rest_same: memo.is_some_and(|m| m.shape.rest == self.shape_key().rest),
            memo,
            list: Vec::with_capacity(self.site.entries.len() + 64),
        };
        jobs.entries(self, project, &k);
        jobs.taxonomies(self, &k);
        jobs.per_language(self, project, &k, &feeds);
        // A `paginate_by` edit changes the sitemap without changing the site's shape.
        let paginated = (0..self.site.entries.len()).any(|i| self.pagination(i).is_some());
        jobs.push("sitemap.xml".into(), PageKind::Sitemap, paginated, || {
            self.sitemap_key(&k)
        });
        jobs.push("robots.txt".into(), PageKind::Robots, false, || {
            KeyHasher::new(&k.global, "robots").finish()
        });
        // Their number follows front matter and page counts: they come last, so that
        // the jobs above keep their places, and their keys are always made again.
        jobs.late_jobs(self, project, &k);
        let list = jobs.list;
        if !self.resident {
            return list;
        }
        let _ = self.keys_made.set(Arc::new(KeyMemo {
            site: self.site.clone(),
            shape: *self.shape_key(),
            menus: k.menus.clone(),
            feeds,
            global: k.global,
            templates,
            sources: project.pages.iter().map(|p| p.hash).collect(),
            pages: project.pages.clone(),
            summaries: k.summaries.to_vec(),
            jobs: list.iter().map(|j| j.key).collect(),
        }));
        list
    }

    /// Whether term pages are given every term of their taxonomy: only when their
    /// template names `terms` (then a new term renders them all again).
    pub(super) fn term_pages_show_terms(&self) -> bool {
        self.template_hashes
            .get("taxonomy_term.html")
            .is_none_or(|t| t.1.reads("terms"))
    }

    fn template_hash(&self, name: &str) -> [u8; 32] {
        self.template_hashes
            .get(name)
            .map(|t| t.0)
            .unwrap_or([0; 32])
    }

    /// An entry's page reads its source, its summary and its parent's, its
    /// translations, its language's menus, where its links go and, for a section, its
    /// pages' and subsections' summaries.
    fn entry_key(&self, project: &Project, k: &KeyInputs, i: usize) -> [u8; 32] {
        let e = &self.site.entries[i];
        let mut h = KeyHasher::new(&k.global, "entry");
        h.part(e.path.as_bytes())
            .part(&self.template_hash(&self.template_of(i)))
            .part(&project.pages[e.source].hash)
            .part(&k.summaries[i])
            .part(&k.menus[e.lang])
            .opt(e.parent.map(|p| k.summaries[p].as_slice()));
        self.translations(&mut h, &e.key);
        self.links(&mut h, e.source, e.lang);
        if e.kind == EntryKind::Section {
            self.members(&mut h, k, i);
        }
        h.finish()
    }

    /// The summaries of section `i`'s pages and subsections, in their order.
    fn members(&self, h: &mut KeyHasher, k: &KeyInputs, i: usize) {
        let e = &self.site.entries[i];
        h.part(b"pages");
        for &p in &e.pages {
            h.part(&k.summaries[p]);
        }
        h.part(b"subsections");
        for &s in &e.subsections {
            h.part(&k.summaries[s]);
        }
    }

    /// Where the translations of `key` are, in each language (the language switcher,
    /// the `hreflang` alternates, a fallback copy's canonical address).
    fn translations(&self, h: &mut KeyHasher, key: &str) {
        h.part(b"translations");
        for at in self.site.by_key.get(key).into_iter().flatten() {
            let at = at.map(|o| &self.site.entries[o]);
            h.opt(at.map(|o| o.path.as_bytes()))
                .part(&[at.is_some_and(|o| o.is_fallback) as u8]);
        }
    }

    /// Where the links of source `s` go when it is shown in language `lang`.
    fn links(&self, h: &mut KeyHasher, s: usize, lang: usize) {
        let page = &self.project.pages[s];
        h.part(b"links");
        for link in &self.md[s].links {
            let target = link.target.as_deref().and_then(|t| {
                crate::links::target_entry(
                    self.project,
                    &self.site,
                    &self.index,
                    &page.lang,
                    t,
                    lang,
                )
            });
            h.opt(target.map(|e| self.site.entries[e].path.as_bytes()));
        }
    }

    /// A taxonomy's list page reads its terms (names, addresses, counts); a term page
    /// reads its pages' summaries. Both read their language's menus and where the same
    /// page is in the other languages.
    fn taxonomy_key(&self, k: &KeyInputs, ti: usize, term: Option<usize>) -> [u8; 32] {
        let t = &self.site.taxonomies[ti];
        let mut h = KeyHasher::new(&k.global, if term.is_some() { "term" } else { "taxlist" });
        h.part(t.name.as_bytes())
            .part(t.path.as_bytes())
            .part(&k.menus[t.lang]);
        if term.is_none() || self.term_pages_show_terms() {
            for tp in &t.terms {
                h.part(tp.term.name.as_bytes())
                    .part(tp.term.slug.as_bytes())
                    .part(tp.path.as_bytes())
                    .part(&(tp.entries.len() as u64).to_le_bytes());
            }
        }
        let slug = term.map(|s| t.terms[s].term.slug.as_str());
        for lj in 0..self.languages.len() {
            let other = self
                .site
                .taxonomies
                .iter()
                .find(|o| o.lang == lj && o.name == t.name);
            h.opt(other.map(|o| o.path.as_bytes()));
            if let (Some(o), Some(slug)) = (other, slug) {
                h.opt(
                    o.terms
                        .iter()
                        .find(|x| x.term.slug == slug)
                        .map(|x| x.path.as_bytes()),
                );
            }
        }
        match term {
            Some(s) => {
                h.part(&self.template_hash("taxonomy_term.html"));
                for &e in &t.terms[s].entries {
                    h.part(&k.summaries[e]);
                }
            }
            None => {
                h.part(&self.template_hash("taxonomy_list.html"));
            }
        }
        h.finish()
    }

    /// A feed reads the address, title, dates, description and text of its entries.
    fn feed_key(&self, project: &Project, k: &KeyInputs, li: usize) -> [u8; 32] {
        let mut h = KeyHasher::new(&k.global, "feed");
        h.part(self.languages[li].code.as_bytes());
        self.feed_entries_key(&mut h, project, li, &self.feed_entries(li));
        h.finish()
    }

    /// What a feed reads of each of its `entries`.
    fn feed_entries_key(&self, h: &mut KeyHasher, project: &Project, li: usize, entries: &[usize]) {
        for &e in entries {
            let en = &self.site.entries[e];
            let p = &project.pages[en.source];
            h.part(en.path.as_bytes())
                .part(p.title().as_bytes())
                .part(&date_bytes(p.front.date))
                .part(&date_bytes(p.front.updated))
                .opt(p.front.description.as_deref().map(str::as_bytes))
                .part(p.rel.as_bytes())
                .part(p.lang.as_bytes())
                .part(p.body.as_bytes());
            self.links(h, en.source, li);
        }
    }

    /// The sitemap reads every page's address, dates and translations (all of them
    /// in the site's shape), and the taxonomies' addresses.
    fn sitemap_key(&self, k: &KeyInputs) -> [u8; 32] {
        let mut h = KeyHasher::new(&k.global, "sitemap");
        let shape = self.shape_key();
        h.part(&shape.entries).part(&shape.dates);
        // The further pages of paginated lists.
        for i in 0..self.site.entries.len() {
            if let Some((count, _)) = self.pagination(i) {
                h.part(&(i as u64).to_le_bytes())
                    .part(&(count as u64).to_le_bytes());
            }
        }
        for t in &self.site.taxonomies {
            h.part(t.path.as_bytes());
            for tp in &t.terms {
                h.part(tp.path.as_bytes());
            }
        }
        h.finish()
    }

    /// The key of `job` once the reads its templates made are looked up again: equal
    /// to the key it had when it was rendered exactly when nothing it read changed.
    pub fn key_with(&self, job: &PageJob, reads: &[Read]) -> [u8; 32] {
        if reads.is_empty() {
            return job.key;
        }
        let mut h = KeyHasher::new(&job.key, "reads");
        for r in reads {
            h.part(&self.read_hash(r));
        }
        h.finish()
    }

    /// What `read` gives now, hashed (with the read itself).
    fn read_hash(&self, read: &Read) -> [u8; 32] {
        let s = &self.shared;
        let mut h = KeyHasher::default();
        let (kind, lang, path) = match read {
            Read::Page(l, p) => ("page", l, p),
            Read::Section(l, p) => ("section", l, p),
            Read::Url(l, p) => ("url", l, p),
        };
        h.part(kind.as_bytes())
            .part(lang.as_bytes())
            .part(path.as_bytes());
        let now = &self.now;
        let entry = match read {
            Read::Section(..) => functions::section_entry(s, now, lang, path),
            _ => s.entry(now, lang, &functions::key_of(path, now)),
        };
        let Some(i) = entry else {
            return h.part(b"none").finish();
        };
        let e = &self.site.entries[i];
        match read {
            Read::Url(..) => {
                h.part(e.path.as_bytes());
            }
            Read::Page(..) => {
                h.part(&self.summary_hashes()[i]);
            }
            Read::Section(..) => {
                h.part(&self.summary_hashes()[i]).part(b"pages");
                for &p in e.pages.iter().chain(&e.subsections) {
                    h.part(&self.summary_hashes()[p]);
                }
                h.part(&(e.pages.len() as u64).to_le_bytes());
            }
        }
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_record_reads_on_this_thread_only_while_asked() {
        note(Read::Url("fr".into(), "@/a.md".into()));
        let ((), reads) = recording(|| {
            note(Read::Page("fr".into(), "@/b.md".into()));
            note(Read::Page("fr".into(), "@/b.md".into()));
            let ((), inner) = recording(|| note(Read::Url("en".into(), "@/c.md".into())));
            assert_eq!(inner, vec![Read::Url("en".into(), "@/c.md".into())]);
            note(Read::Section("fr".into(), "news".into()));
        });
        assert_eq!(
            reads,
            vec![
                Read::Page("fr".into(), "@/b.md".into()),
                Read::Section("fr".into(), "news".into()),
            ]
        );
    }

    #[test]
    fn can_restore_the_recording_after_a_panic() {
        let ((), reads) = recording(|| {
            let _ = std::panic::catch_unwind(|| {
                recording(|| {
                    note(Read::Url("fr".into(), "x".into()));
                    panic!("boom")
                })
            });
            note(Read::Url("fr".into(), "y".into()));
        });
        assert_eq!(reads, vec![Read::Url("fr".into(), "y".into())]);
    }
}
