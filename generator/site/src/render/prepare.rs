//! Preparing the site: the site model, every source's Markdown, the link check, the
//! interface strings, the data template functions read, and the compiled templates.
//! In a session, what did not change since the last build is taken from it ([`Carry`]):
//! the site model, the summaries, the keys and the compiled templates.

use super::*;

/// The compiled templates and the data their functions read, kept by a session while
/// neither changes.
pub(super) struct Templates {
    /// The hash of the template sources and of everything in `shared` but the tables.
    key: [u8; 32],
    tera: Arc<Tera>,
    shared: Arc<Shared>,
    names: Vec<String>,
    facts: Arc<TemplateFacts>,
}

/// Every source's Markdown: its facts, their cache keys and, for the sources rendered
/// now, their HTML.
struct Markdown {
    metas: Vec<Arc<MarkdownMeta>>,
    keys: Vec<Arc<str>>,
    html: Vec<Mutex<Option<String>>>,
    /// Per source: rendered now (not from the last build or the cache).
    fresh: Vec<bool>,
}

/// The time each step took, in seconds.
struct Clock {
    done: Vec<(&'static str, f64)>,
    since: std::time::Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            done: Vec::new(),
            since: std::time::Instant::now(),
        }
    }
}

impl Clock {
    fn lap(&mut self, name: &'static str) {
        self.done.push((name, self.since.elapsed().as_secs_f64()));
        self.since = std::time::Instant::now();
    }
}

/// The sources that changed since the last build of a session, when none of them
/// moved or changed what places it in the site (its language, path, kind, slug,
/// translation key, the order of its pages) and the configuration is the same: then
/// the last site model can be updated rather than built again ([`Site::update`]).
fn updatable(project: &Project, carry: &Carry) -> Option<Vec<usize>> {
    let previous = &carry.sources;
    if carry.config_hash != project.config_hash || previous.len() != project.pages.len() {
        return None;
    }
    let mut changed = Vec::new();
    for (i, (p, m)) in project.pages.iter().zip(previous.iter()).enumerate() {
        if Arc::ptr_eq(p, &m.page) {
            continue;
        }
        let q = &m.page;
        let same_place = p.lang == q.lang
            && p.rel == q.rel
            && p.is_section == q.is_section
            && p.translation_key() == q.translation_key()
            && p.front.slug == q.front.slug
            && p.front.sort_by == q.front.sort_by;
        if !same_place {
            return None;
        }
        changed.push(i);
    }
    Some(changed)
}

/// Whether the sources that came, went or changed since the last build of a session
/// are all pages, not sections, and the configuration is the same: then the other
/// pages' entries are where they were ([`Site::update_pages`]).
fn no_section_changed(project: &Project, carry: &Carry) -> bool {
    if carry.config_hash != project.config_hash {
        return false;
    }
    let ids = |pages: &mut dyn Iterator<Item = &Arc<SourcePage>>| {
        pages
            .map(|p| (Arc::as_ptr(p) as usize, p.is_section))
            .collect::<rustc_hash::FxHashSet<_>>()
    };
    let before = ids(&mut carry.sources.iter().map(|m| &m.page));
    let after = ids(&mut project.pages.iter());
    before
        .symmetric_difference(&after)
        .all(|(_, section)| !section)
}

/// The site model of this build: the last build's when its key is the same, updated
/// from it when the edits allow, else built.
fn site_model(
    project: &Project,
    carry: Option<&Carry>,
    site_key: &[u8; 32],
) -> Result<Arc<Site>, Diagnostics> {
    let Some(c) = carry else {
        return Ok(Arc::new(Site::build(project)?));
    };
    if &c.site_key == site_key {
        return Ok(c.site.clone());
    }
    let site = match updatable(project, c) {
        Some(changed) => Site::update(&c.site, project, &changed)?,
        None if no_section_changed(project, c) => {
            let pages: Vec<Arc<SourcePage>> = c.sources.iter().map(|m| m.page.clone()).collect();
            Site::update_pages(&c.site, &pages, project)?
        }
        None => Site::build(project)?,
    };
    Ok(Arc::new(site))
}

/// A template global's name and the hash of its values.
type GlobalHash = (&'static str, [u8; 32]);

/// The compiled templates: the last build's when their key is the same (their
/// functions then read this build, `now`), else compiled from `sources`.
fn templates(
    project: &Project,
    carry: Option<&Carry>,
    key: [u8; 32],
    (sources, global_hashes): (&[(String, String)], &[GlobalHash]),
    (strings, assets): (Strings, BTreeMap<String, String>),
    now: &Arc<Now>,
    diags: &mut Diagnostics,
) -> Arc<Templates> {
    match carry.and_then(|c| c.templates.clone()) {
        Some(t) if t.key == key => {
            if let Ok(mut n) = t.shared.now.write() {
                *n = now.clone();
            }
            t
        }
        _ => {
            let shared = Arc::new(shared(project, strings, assets, now.clone()));
            let tera = compile_templates(sources, &shared, &project.theme.dir, diags);
            Arc::new(Templates {
                key,
                tera: Arc::new(tera),
                shared,
                names: sources.iter().map(|(n, _)| n.clone()).collect(),
                facts: Arc::new(template_closure_hashes(sources, global_hashes)),
            })
        }
    }
}

/// The site model depends on the configuration and on where every page is and what
/// its front matter says.
fn site_key(project: &Project) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(&project.config_hash)
        .update(&project.fronts_hash());
    *h.finalize().as_bytes()
}

/// The Markdown options of each language.
fn markdown_options(project: &Project) -> HashMap<String, MarkdownOptions> {
    project
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
        .collect()
}

/// A source's Markdown as the last build of a session had it.
#[derive(Clone)]
pub(super) struct SourceMemo {
    page: Arc<SourcePage>,
    opts: (bool, bool),
    key: Arc<str>,
    meta: Arc<MarkdownMeta>,
}

/// Markdown facts of each source: the last build's when the source is the same file
/// (sources come in the same order every build, so the two lists are walked side by
/// side), else from the cache when its bytes were seen before, else rendered now (its
/// HTML then kept for the page that shows it).
fn markdown(
    project: &Project,
    cache: &MarkdownCache,
    lang_opts: &HashMap<String, MarkdownOptions>,
    previous: &[SourceMemo],
) -> Markdown {
    let order = |lang: &str| project.languages.iter().position(|l| l.code == lang);
    let mut matched: Vec<Option<&SourceMemo>> = vec![None; project.pages.len()];
    let mut j = 0;
    for (i, p) in project.pages.iter().enumerate() {
        // A page a reload kept is the very same (unchanged) one.
        if let Some(m) = previous.get(i)
            && Arc::ptr_eq(&m.page, p)
        {
            matched[i] = Some(m);
            j = i + 1;
            continue;
        }
        let here = (order(&p.lang), p.rel.as_str());
        while j < previous.len()
            && (order(&previous[j].page.lang), previous[j].page.rel.as_str()) < here
        {
            j += 1;
        }
        if let Some(m) = previous.get(j)
            && m.page.lang == p.lang
            && m.page.rel == p.rel
            && m.page.hash == p.hash
        {
            matched[i] = Some(m);
        }
    }
    let rendered: Vec<(Arc<str>, Arc<MarkdownMeta>, Option<String>)> = project
        .pages
        .par_iter()
        .zip(matched)
        .map(|(p, before)| {
            let opts = lang_opts[p.lang.as_str()];
            if let Some(m) = before.filter(|m| m.opts == (opts.allow_html, opts.french_typography))
            {
                return (m.key.clone(), m.meta.clone(), None);
            }
            let key: Arc<str> = markdown_cache_key(p, opts).into();
            let (meta, html) = match cache.get(&*key) {
                Some(m) => (m.clone(), None),
                None => {
                    let r = render_markdown(&p.body, p.plain_rel(), p.body_line_offset, opts);
                    (Arc::new(r.meta), Some(r.html))
                }
            };
            (key, meta, html)
        })
        .collect();
    let mut md = Markdown {
        metas: Vec::with_capacity(rendered.len()),
        keys: Vec::with_capacity(rendered.len()),
        html: Vec::with_capacity(rendered.len()),
        fresh: Vec::with_capacity(rendered.len()),
    };
    for (k, m, h) in rendered {
        md.keys.push(k);
        md.metas.push(m);
        md.fresh.push(h.is_some());
        md.html.push(Mutex::new(h));
    }
    md
}

/// What the next build of a session can take of each source's Markdown.
pub(super) fn source_memos(
    project: &Project,
    lang_opts: &HashMap<String, MarkdownOptions>,
    keys: &[Arc<str>],
    metas: &[Arc<MarkdownMeta>],
) -> Vec<SourceMemo> {
    project
        .pages
        .iter()
        .zip(keys.iter().zip(metas))
        .map(|(p, (key, meta))| {
            let o = lang_opts[p.lang.as_str()];
            SourceMemo {
                page: p.clone(),
                opts: (o.allow_html, o.french_typography),
                key: key.clone(),
                meta: meta.clone(),
            }
        })
        .collect()
}

/// How many entries show each source's HTML.
fn html_uses(site: &Site, sources: usize) -> Vec<AtomicUsize> {
    let mut uses = vec![0usize; sources];
    for e in &site.entries {
        uses[e.source] += 1;
    }
    uses.into_iter().map(AtomicUsize::new).collect()
}

/// Checks the links of the sources that changed since the last build of a session
/// and of those that link to them (an anchor may be gone); all of them otherwise.
fn check_changed_links(
    project: &Project,
    md: &[Arc<MarkdownMeta>],
    index: &crate::links::SourceIndex,
    previous: &[SourceMemo],
    carry: Option<&Carry>,
) -> (Diagnostics, Arc<crate::links::LinkTargets>) {
    let before = carry
        .map(|c| c.link_targets.clone())
        .filter(|t| t.len() == project.pages.len() && previous.len() == project.pages.len());
    let Some(before) = before else {
        let (d, t) = crate::links::check_links_of(project, md, index, &|_| true);
        return (d, Arc::new(t));
    };
    let changed: Vec<bool> = project
        .pages
        .iter()
        .zip(previous)
        .map(|(p, m)| !Arc::ptr_eq(p, &m.page))
        .collect();
    // A page that came or went may change where any link goes: check them all.
    let moved = project
        .pages
        .iter()
        .zip(previous)
        .zip(&changed)
        .any(|((p, m), c)| *c && (p.lang != m.page.lang || p.rel != m.page.rel));
    if moved {
        let (d, t) = crate::links::check_links_of(project, md, index, &|_| true);
        return (d, Arc::new(t));
    }
    let wanted = |s: usize| changed[s] || before[s].iter().any(|&t| changed[t]);
    let (d, mut targets) = crate::links::check_links_of(project, md, index, &wanted);
    for (s, t) in targets.iter_mut().enumerate() {
        if !wanted(s) {
            t.clone_from(&before[s]);
        }
    }
    (d, Arc::new(targets))
}

/// Interface strings per language; every key of the default language must exist in
/// every language.
type Strings = HashMap<String, (PathBuf, BTreeMap<String, Json>)>;

fn interface_strings(project: &Project, diags: &mut Diagnostics) -> Strings {
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
    strings
}

/// What the template functions read.
/// What the template functions read of this build: the site model, the keys of pages
/// named by path, and (once made) the summaries.
fn now(project: &Project, site: &Arc<Site>) -> Now {
    // Only the sources whose translation key is not their path need a lookup.
    let key_of_rel: HashMap<String, String> = project
        .pages
        .iter()
        .filter(|p| p.translation_key() != p.rel)
        .map(|p| (p.rel.clone(), p.translation_key().to_string()))
        .collect();
    Now {
        site: site.clone(),
        key_of_rel,
        tables: OnceLock::new(),
    }
}

fn shared(
    project: &Project,
    strings: Strings,
    assets: BTreeMap<String, String>,
    now: Arc<Now>,
) -> Shared {
    let date_formats = project
        .languages
        .iter()
        .map(|l| (l.code.clone(), l.date_format.clone()))
        .collect();
    let date_names_map: HashMap<String, DateNames> = strings
        .iter()
        .map(|(k, (_, v))| (k.clone(), date_names(v)))
        .collect();
    Shared {
        base_url: project.config.base().to_string(),
        base_path: project.config.base_path(),
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
        assets,
        now: std::sync::RwLock::new(now),
        lang_codes: project.languages.iter().map(|l| l.code.clone()).collect(),
    }
}

/// The theme's templates as text (`cards/` holds the SVG templates of social cards,
/// drawn elsewhere).
fn template_sources(project: &Project, diags: &mut Diagnostics) -> Vec<(String, String)> {
    let mut sources = Vec::new();
    for t in project
        .theme
        .templates
        .iter()
        .filter(|t| !t.name.starts_with("cards/"))
    {
        match std::str::from_utf8(&t.bytes) {
            Ok(s) => sources.push((t.name.clone(), s.to_string())),
            Err(_) => diags.push(Diagnostic::error(&t.path, "template is not UTF-8 text")),
        }
    }
    sources
}

/// The hash of what compiled templates and their functions depend on, but the build
/// going on ([`Now`]): the template sources, the globals' hashes, the configuration,
/// the interface strings and the asset addresses.
fn templates_key(
    project: &Project,
    sources: &[(String, String)],
    global_hashes: &[(&'static str, [u8; 32])],
    assets: &BTreeMap<String, String>,
) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    for (n, s) in sources {
        h.update(n.as_bytes());
        h.update(b"\0");
        h.update(s.as_bytes());
        h.update(b"\0");
    }
    for (n, g) in global_hashes {
        h.update(n.as_bytes());
        h.update(g);
    }
    h.update(&project.config_hash);
    for (l, s) in &project.theme.strings {
        h.update(l.as_bytes());
        h.update(
            serde_json::to_string(&s.values)
                .unwrap_or_default()
                .as_bytes(),
        );
    }
    for (k, v) in assets {
        h.update(k.as_bytes());
        h.update(b"\0");
        h.update(v.as_bytes());
        h.update(b"\0");
    }
    *h.finalize().as_bytes()
}

/// Compiles the templates with marque's functions over `shared`, reporting syntax
/// errors per file.
fn compile_templates(
    sources: &[(String, String)],
    shared: &Arc<Shared>,
    theme_dir: &std::path::Path,
    diags: &mut Diagnostics,
) -> Tera {
    let mut tera = Tera::new();
    tera.register_filter("group_by", stable_group_by);
    register_functions(&mut tera, shared.clone());
    // Add one at a time first, to report syntax errors per file, then all together so
    // that inheritance resolves.
    for (name, src) in sources {
        let mut probe = Tera::new();
        probe.register_from(&tera);
        // Alone, a template cannot find the ones it extends or includes: those are
        // checked when all are added together below.
        if let Err(e) = probe.add_raw_template(name, src)
            && !matches!(e.kind(), tera::ErrorKind::MissingParent { .. })
            && !e.to_string().contains("Unknown template")
        {
            diags.push(tera_error(&e, theme_dir, name));
        }
    }
    if !diags.has_errors()
        && let Err(e) =
            tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
    {
        diags.push(tera_error(&e, theme_dir, "base.html"));
    }
    tera
}

/// Templates named in front matter must exist, and the theme must have the ones
/// marque renders with.
fn check_template_names(
    project: &Project,
    names: &[String],
    theme_dir: &std::path::Path,
    diags: &mut Diagnostics,
) {
    for (p, field, t) in project.pages.iter().flat_map(|p| {
        [
            ("template", &p.front.template),
            ("page_template", &p.front.page_template),
        ]
        .into_iter()
        .filter_map(move |(f, t)| Some((p, f, t.as_ref()?)))
    }) {
        if !names.contains(t) {
            let pos = p.front.positions.get(field).copied().unwrap_or_default();
            let h = marque_project::diag::hint(
                t,
                &names.iter().map(String::as_str).collect::<Vec<_>>(),
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
    if names.is_empty() {
        diags.push(Diagnostic::error(
            theme_dir.join("templates"),
            "the theme has no templates",
        ));
        return;
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
        if !names.iter().any(|n| n == required) {
            diags.push(Diagnostic::error(
                theme_dir.join("templates"),
                format!("the theme has no '{required}' template"),
            ));
        }
    }
}

/// Everything that any page may read besides the site's pages (what an output shows of
/// other pages is in its own key: see `keys`).
fn global_hash(project: &Project, shared: &Shared) -> [u8; 32] {
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
    *g.finalize().as_bytes()
}

impl<'p> Prepared<'p> {
    /// Renders every Markdown source, resolves links, loads templates. Collects every
    /// problem. `assets` maps asset names (`css/site.css`) to their hashed URLs.
    /// `resident`: a session will build again, and this build keeps what the next one
    /// can take from it (its keys, where its links go); a single build does not.
    pub fn new(
        project: &'p Project,
        assets: BTreeMap<String, String>,
        cache: &MarkdownCache,
        carry: Option<&Carry>,
        globals: Vec<Global>,
        resident: bool,
    ) -> Result<Prepared<'p>, Diagnostics> {
        let global_hashes: Vec<(&'static str, [u8; 32])> =
            globals.iter().map(|g| (g.name, g.hash)).collect();
        let globals: Vec<(&'static str, Vec<Value>)> = globals
            .into_iter()
            .map(|g| {
                let values = g.values.iter().map(Value::from_serializable).collect();
                (g.name, values)
            })
            .collect();
        let mut diags = Diagnostics::new();
        let mut clock = Clock::default();
        let site_key = site_key(project);
        let site = site_model(project, carry, &site_key)?;
        clock.lap("site model");
        let lang_opts = markdown_options(project);
        let previous_sources = carry.map(|c| c.sources.as_slice()).unwrap_or_default();
        let md = markdown(project, cache, &lang_opts, previous_sources);
        clock.lap("markdown");
        let index = source_index(project);
        let (problems, mut link_targets) =
            check_changed_links(project, &md.metas, &index, previous_sources, carry);
        if !resident {
            link_targets = Arc::default();
        }
        clock.lap("links");
        let strings = interface_strings(project, &mut diags);
        let theme_dir = project.theme.dir.clone();
        let sources = template_sources(project, &mut diags);
        let key = templates_key(project, &sources, &global_hashes, &assets);
        let now = Arc::new(now(project, &site));
        let templates = templates(
            project,
            carry,
            key,
            (&sources, &global_hashes),
            (strings, assets),
            &now,
            &mut diags,
        );
        check_template_names(project, &templates.names, &theme_dir, &mut diags);
        let global_hash = global_hash(project, &templates.shared);
        clock.lap("templates");
        diags.sort();
        if diags.has_errors() {
            diags.extend(problems);
            diags.sort();
            return Err(diags);
        }
        // Broken links do not stop the build here: it goes on to find the problems of
        // its other steps, and reports them all at once.
        let (link_errors, link_warnings): (Vec<_>, Vec<_>) =
            problems.0.into_iter().partition(|d| d.is_error());
        diags.0.extend(link_warnings);
        Ok(Prepared {
            project,
            globals,
            social_cards: Default::default(),
            images: Default::default(),
            summary_hashes: OnceLock::new(),
            shape: OnceLock::new(),
            remap: OnceLock::new(),
            html_uses: html_uses(&site, project.pages.len()),
            md_keys: md.keys,
            html: md.html,
            fresh: md.fresh,
            md: md.metas,
            index,
            lang_opts,
            base_path: project.config.base_path(),
            shared: templates.shared.clone(),
            tera: templates.tera.clone(),
            template_names: templates.names.clone(),
            template_hashes: templates.facts.clone(),
            templates,
            now,
            missing: site.missing.clone(),
            site,
            site_key,
            // Each is checked before it serves (summaries by their hash, keys by the
            // shape of the site): they serve even when the site model was made again.
            previous_tables: carry.and_then(|c| c.tables.clone()),
            previous_keys: carry.and_then(|c| c.keys.clone()),
            keys_made: OnceLock::new(),
            warnings: diags,
            languages: project.languages.clone(),
            global_hash,
            theme_dir,
            feed_limit: project.config.feed.limit,
            phases: clock.done,
            link_targets,
            link_errors: Diagnostics(link_errors),
            resident,
            section_feeds: OnceLock::new(),
        })
    }
}
