//! `marque check`: builds the site in memory and inspects what a visitor and a partner
//! would meet: broken internal links and anchors, images without text alternative or
//! size, pages without description, headings that skip a level, missing translations,
//! duplicate titles, and files over the size budget (except downloads).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use marque_project::{Diagnostic, Diagnostics, LoadOptions, Project, Severity, load_project};
use marque_site::{EntryKind, PageKind, Prepared};

use crate::sink::{MemorySink, MemorySite};
use crate::state::BuildState;
use crate::{plan, run};

/// What `marque check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Errors and warnings, sorted.
    pub diagnostics: Diagnostics,
    /// HTML pages inspected.
    pub pages: usize,
    /// Files inspected.
    pub files: usize,
}

/// Every `<tag …>` of `html`, as (byte offset of the tag, its attributes text).
fn tags<'a>(html: &'a str, tag: &str) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    let open = format!("<{tag}");
    let mut from = 0;
    while let Some(i) = html[from..].find(&open) {
        let start = from + i;
        let after = start + open.len();
        let next = html[after..].chars().next();
        from = after;
        if !matches!(next, Some(' ' | '>' | '\n' | '/')) {
            continue;
        }
        let end = html[after..]
            .find('>')
            .map(|e| after + e)
            .unwrap_or(html.len());
        out.push((start, &html[after..end]));
        from = end;
    }
    out
}

/// The value of attribute `name` in a tag's attribute text.
fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attrs;
    let pat = format!("{name}=\"");
    while let Some(i) = rest.find(&pat) {
        let before = rest[..i].chars().last();
        let after = &rest[i + pat.len()..];
        if before.is_none_or(|c| c.is_whitespace()) {
            return after.find('"').map(|e| &after[..e]);
        }
        rest = after;
    }
    None
}

fn has_attr(attrs: &str, name: &str) -> bool {
    attrs
        .split(|c: char| c.is_whitespace())
        .any(|w| w == name || w.starts_with(&format!("{name}=")))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// The output file a site-relative URL path points at.
fn target_of(path: &str) -> String {
    crate::paths::output_of(path)
}

/// Builds the site at `root` in memory and checks it.
/// `translations`: list every page that lacks a translation (else one line says how
/// many each language lacks).
pub fn check(root: PathBuf, drafts: bool, translations: bool) -> Result<CheckReport, Diagnostics> {
    if !root.join("marque.yaml").exists() {
        return Err(load_project(&root, LoadOptions { drafts })
            .err()
            .unwrap_or_default());
    }
    let derived = match crate::lock::cache_dir(&root) {
        Ok(dir) => marque_assets::cache::DerivedCache::on_disk(dir.join("derived")),
        Err(_) => marque_assets::cache::DerivedCache::in_memory(),
    };
    let project = crate::guard("loading the project", || {
        crate::load_reporting_all(&root, LoadOptions { drafts }, &derived)
    })??;
    let plan = plan(
        &project,
        &Default::default(),
        None,
        &derived,
        &crate::feature::FeatureCache::default(),
        None,
    )?;
    let site_mem = RwLock::new(Arc::new(MemorySite::new()));
    let sink = MemorySink::new(&site_mem);
    let (_, report) = run(&project, &plan, &BuildState::default(), &sink)?;
    sink.commit(&[]);
    let site = site_mem.read().map(|g| g.clone()).unwrap_or_default();
    let mut d = plan.warnings.clone();
    expiring_photos(&project, &mut d);
    let outputs = Outputs::new(&project, &plan, &site);
    let html_pages = outputs.check_all(&mut d);
    undescribed_pages(&project, &plan.prepared, &mut d);
    let outdated = crate::outdated::outdated_translations(&project, &root);
    if translations {
        missing_translations(&project, &report.missing, &mut d);
        for o in &outdated {
            let when = match &o.dates {
                Some((source, translation)) => {
                    format!(" (source {source}, translation {translation})")
                }
                None => String::new(),
            };
            d.push(Diagnostic::warning(
                &o.translation,
                format!(
                    "outdated translation: {} changed after this {} translation was last changed{when}",
                    o.source.display(),
                    o.lang
                ),
            ));
        }
    } else if !report.missing.is_empty() || !outdated.is_empty() {
        let mut line = if report.missing.is_empty() {
            format!("{} languages", project.languages.len())
        } else {
            translation_summary(&report.missing, project.languages.len())
        };
        if !outdated.is_empty() {
            line.push_str(&format!(
                "; {} outdated translation{}",
                outdated.len(),
                if outdated.len() == 1 { "" } else { "s" }
            ));
        }
        d.push(Diagnostic::warning(
            "narrative",
            format!("translations: {line} (list them: marque check --translations)"),
        ));
    }
    d.sort();
    Ok(CheckReport {
        diagnostics: d,
        pages: html_pages,
        files: site.len(),
    })
}

/// Photos whose rights end within 30 days.
fn expiring_photos(project: &Project, d: &mut Diagnostics) {
    let today = crate::photos::today();
    for p in &project.photos {
        if let Some(end) = p.expires {
            let days = crate::photos::days_between(today, end);
            if (0..=30).contains(&days) {
                d.push(
                    Diagnostic::warning(
                        "narrative/media/photos.yaml",
                        format!("'{}': its rights end on {end}, in {days} day(s)", p.file),
                    )
                    .at_line(p.line.max(1)),
                );
            }
        }
    }
}

/// The site built in memory, checked file by file.
struct Outputs<'a> {
    site: &'a MemorySite,
    base_path: String,
    max_file_kib: u64,
    /// Which source made which output, to point at the file a writer can fix.
    source_of: HashMap<String, PathBuf>,
}

/// One HTML page of the output.
struct Html<'a> {
    name: &'a String,
    html: Cow<'a, str>,
}

impl Html<'_> {
    /// `output/<page>:<line>` of a byte offset.
    fn at(&self, offset: usize) -> String {
        PathBuf::from("output")
            .join(self.name)
            .display()
            .to_string()
            + &format!(":{}", line_of(&self.html, offset))
    }
}

impl<'a> Outputs<'a> {
    /// The checks of `site`, built from `prepared`.
    fn new(project: &Project, plan: &crate::Plan, site: &'a MemorySite) -> Self {
        let prepared = &plan.prepared;
        let mut source_of: HashMap<String, PathBuf> = HashMap::new();
        for j in &plan.jobs {
            if let PageKind::Entry(i) | PageKind::Pager(i, _) = j.kind {
                let e = &prepared.site.entries[i];
                source_of.insert(j.output.clone(), project.pages[e.source].path.clone());
            }
        }
        Outputs {
            site,
            base_path: project.config.base_path(),
            max_file_kib: project.config.check.max_file_kib,
            source_of,
        }
    }

    /// Where to report a problem of output `out`: its source, else the output file.
    fn place(&self, out: &str) -> PathBuf {
        self.source_of
            .get(out)
            .cloned()
            .unwrap_or_else(|| PathBuf::from("output").join(out))
    }

    /// Every file, in name order: its size, and for a page its links, images,
    /// headings and title (duplicate titles last). Gives the number of HTML pages.
    fn check_all(&self, d: &mut Diagnostics) -> usize {
        let mut titles: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        let mut html_pages = 0;
        let mut names: Vec<&String> = self.site.keys().collect();
        names.sort();
        for name in names {
            let bytes = &self.site[name];
            self.check_size(name, bytes, d);
            if !name.ends_with(".html") {
                continue;
            }
            html_pages += 1;
            let page = Html {
                name,
                html: String::from_utf8_lossy(bytes),
            };
            self.check_links(&page, d);
            // A former address (`aliases:`) only sends the visitor on: its title is
            // its page's, and it has no content to check.
            if page.html.contains("<meta http-equiv=\"refresh\"") {
                continue;
            }
            self.check_images(&page, d);
            self.check_headings(&page, d);
            if let Some(key) = title_of(&page.html) {
                titles.entry(key).or_default().push(name.clone());
            }
        }
        self.check_titles(titles, d);
        html_pages
    }

    /// A file over the size budget.
    fn check_size(&self, name: &str, bytes: &[u8], d: &mut Diagnostics) {
        let kib = (bytes.len() as u64).div_ceil(1024);
        // The budget is for what pages load; `downloads/` holds the files partners ask
        // for (packs, 2048 px rasters, fonts), large on purpose.
        if kib > self.max_file_kib && !name.starts_with("downloads/") {
            d.push(Diagnostic::error(
                PathBuf::from("output").join(name),
                format!(
                    "{kib} KiB is over the budget of {} KiB (check.max_file_kib in marque.yaml)",
                    self.max_file_kib
                ),
            ));
        }
    }

    /// Links and anchors of a page that lead nowhere in the site.
    fn check_links(&self, page: &Html, d: &mut Diagnostics) {
        for tag in ["a", "link", "img", "script", "source", "video", "track"] {
            for (off, attrs) in tags(&page.html, tag) {
                for a in ["href", "src"] {
                    let Some(url) = attr(attrs, a) else { continue };
                    let url = url.replace("&amp;", "&");
                    if let Some(problem) = self.link_problem(page.name, &url) {
                        d.push(Diagnostic::error(
                            self.place(page.name),
                            format!("{}: link to {url}, {problem}", page.at(off)),
                        ));
                    }
                }
            }
        }
    }

    /// What is wrong with a link of page `name` to `url`, if anything: no such file,
    /// or no such anchor in the page. Links out of the site are not checked.
    fn link_problem(&self, name: &str, url: &str) -> Option<String> {
        if url.contains("://") || has_scheme(url) {
            return None;
        }
        let (path, anchor) = match url.split_once('#') {
            Some((p, a)) => (p.to_string(), Some(a.to_string())),
            None => (url.to_string(), None),
        };
        let path = path.split('?').next().unwrap_or("").to_string();
        let target = if path.is_empty() {
            name.to_string()
        } else if let Some(p) = path
            .strip_prefix(&self.base_path)
            .filter(|p| p.starts_with('/'))
        {
            target_of(p)
        } else if path.starts_with('/') {
            target_of(&path)
        } else {
            return None;
        };
        let Some(t) = self.site.get(&target) else {
            return Some("which is not a file of the site".to_string());
        };
        if let Some(anchor) = anchor.filter(|a| !a.is_empty())
            && target.ends_with(".html")
            && !String::from_utf8_lossy(t).contains(&format!("id=\"{anchor}\""))
        {
            return Some(format!("whose page has no anchor '#{anchor}'"));
        }
        None
    }

    /// Images without alt text (an error), or without width and height.
    fn check_images(&self, page: &Html, d: &mut Diagnostics) {
        for (off, attrs) in tags(&page.html, "img") {
            if !has_attr(attrs, "alt") {
                d.push(Diagnostic::error(
                    self.place(page.name),
                    format!(
                        "{}: image {} has no alt text (write alt=\"\" for a decorative image)",
                        page.at(off),
                        attr(attrs, "src").unwrap_or("")
                    ),
                ));
            }
            if !has_attr(attrs, "width") || !has_attr(attrs, "height") {
                d.push(Diagnostic::warning(
                    self.place(page.name),
                    format!(
                        "{}: image {} has no width and height (the page jumps while it loads)",
                        page.at(off),
                        attr(attrs, "src").unwrap_or("")
                    ),
                ));
            }
        }
    }

    /// Headings that skip a level.
    fn check_headings(&self, page: &Html, d: &mut Diagnostics) {
        let mut last = 0u8;
        let mut heads: Vec<(usize, u8)> = Vec::new();
        for level in 1..=6u8 {
            for (off, _) in tags(&page.html, &format!("h{level}")) {
                heads.push((off, level));
            }
        }
        heads.sort();
        for (off, level) in heads {
            if level > last + 1 {
                d.push(Diagnostic::warning(
                    self.place(page.name),
                    format!(
                        "{}: heading h{level} follows h{last}: a level is skipped",
                        page.at(off)
                    ),
                ));
            }
            last = level;
        }
    }

    /// A title used by more than one page of a language (the 404 pages aside).
    fn check_titles(&self, titles: BTreeMap<(String, String), Vec<String>>, d: &mut Diagnostics) {
        for ((_, title), pages) in titles {
            if pages.len() > 1 && !pages.iter().all(|p| p.ends_with("404.html")) {
                d.push(Diagnostic::warning(
                    self.place(&pages[0]),
                    format!(
                        "the title \"{title}\" is used by {} pages: {}",
                        pages.len(),
                        pages.join(", ")
                    ),
                ));
            }
        }
    }
}

/// A page's language and `<title>`, for duplicates.
fn title_of(html: &str) -> Option<(String, String)> {
    let i = html.find("<title>")?;
    let j = html[i..].find("</title>")?;
    let lang = attr(
        tags(html, "html").first().map(|t| t.1).unwrap_or(""),
        "lang",
    )
    .unwrap_or("")
    .to_string();
    Some((lang, html[i + 7..i + j].to_string()))
}

/// Pages and sections without description (fallback copies aside).
fn undescribed_pages(project: &Project, prepared: &Prepared, d: &mut Diagnostics) {
    for e in prepared.site.entries.iter().filter(|e| !e.is_fallback) {
        let p = &project.pages[e.source];
        if p.front
            .description
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
        {
            let what = if e.kind == EntryKind::Section {
                "section"
            } else {
                "page"
            };
            d.push(Diagnostic::warning(
                &p.path,
                format!(
                    "this {what} has no description (used by search engines and link previews)"
                ),
            ));
        }
    }
}

/// One line for the translation gaps: `3 languages; ar lacks 34 pages, en lacks 1 page`.
pub fn translation_summary(missing: &BTreeMap<String, Vec<String>>, languages: usize) -> String {
    let mut per_lang: BTreeMap<&str, usize> = BTreeMap::new();
    for langs in missing.values() {
        for l in langs {
            *per_lang.entry(l.as_str()).or_default() += 1;
        }
    }
    let gaps: Vec<String> = per_lang
        .iter()
        .map(|(l, n)| format!("{l} lacks {n} page{}", if *n == 1 { "" } else { "s" }))
        .collect();
    format!("{languages} languages; {}", gaps.join(", "))
}

/// Pages missing in some languages, on the source of their translation key.
fn missing_translations(
    project: &Project,
    missing: &BTreeMap<String, Vec<String>>,
    d: &mut Diagnostics,
) {
    for (key, langs) in missing {
        let src = project.pages.iter().find(|p| p.translation_key() == key);
        let path = src
            .map(|p| p.path.clone())
            .unwrap_or_else(|| PathBuf::from("narrative"));
        d.push(Diagnostic::warning(
            path,
            format!("no translation in {}", langs.join(", ")),
        ));
    }
}

/// The report as JSON for machines: `{"errors": n, "warnings": n, "problems": [...]}`.
pub fn to_json(r: &CheckReport) -> String {
    let problems: Vec<serde_json::Value> = r
        .diagnostics
        .0
        .iter()
        .map(|x| {
            serde_json::json!({
                "severity": if x.severity == Severity::Error { "error" } else { "warning" },
                "path": x.path.to_string_lossy(),
                "line": x.line,
                "column": x.column,
                "message": x.message,
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "pages": r.pages,
        "files": r.files,
        "errors": r.diagnostics.errors().count(),
        "warnings": r.diagnostics.warnings().count(),
        "problems": problems,
    }))
    .unwrap_or_default()
}

/// True for an address with a scheme of its own (`mailto:`, `tel:`, `data:`, `geo:`),
/// which points to nothing in the output.
fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}
