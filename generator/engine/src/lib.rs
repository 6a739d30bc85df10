//! Planning, running and writing: turns a loaded project into jobs, runs them in
//! parallel, reuses the outputs whose inputs did not change, and hands the results to a
//! sink: the output folder (`marque build`, updated only once every page rendered) or
//! memory (`marque serve`, through [`session::Session`]). A plain build is an
//! incremental build against the state the previous build left.

#![forbid(unsafe_code)]

pub mod bench;
pub mod brand;
pub mod calendars;
pub mod cards;
pub mod check;
pub mod feature;
pub mod fonts;
pub mod images;
pub mod indicators;
pub mod kits;
pub mod lock;
pub mod media;
pub mod outdated;
pub mod output;
pub mod paths;
pub mod photos;
pub mod places;
pub mod presskit;
pub mod scaffold;
pub mod search;
pub mod session;
pub mod sink;
pub mod state;
pub mod theme;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::time::Instant;

use marque_assets::cache::DerivedCache;
use marque_project::{Diagnostic, Diagnostics, LoadOptions, Project, load_project};
use marque_site::{Carry, MarkdownCache, PageJob, Prepared};

use crate::feature::{Feature, FeatureCache};
use rayon::prelude::*;

use crate::output::Staging;
use crate::sink::Sink;
use crate::state::{BuildState, Hash32, OutputRecord};

/// What `marque build` is asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Project folder (holds `marque.yaml`).
    pub root: PathBuf,
    /// Output folder; `<root>/output` by default.
    pub output: Option<PathBuf>,
    /// `--strict`: pages missing in these languages are errors (every language when
    /// empty); `None` leaves only `complete_languages` of `marque.yaml`.
    pub strict: Option<Vec<String>>,
    /// Include drafts.
    pub drafts: bool,
    /// Replace the output folder even when marque did not make it.
    pub force: bool,
    /// Told when another marque process holds the project and the build waits for it.
    pub on_wait: fn(&str),
}

impl BuildOptions {
    /// A build of `root` into its default output folder.
    pub fn new(root: impl Into<PathBuf>) -> BuildOptions {
        BuildOptions {
            root: root.into(),
            output: None,
            strict: None,
            drafts: false,
            force: false,
            on_wait: |_| {},
        }
    }
}

/// What a build did.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    /// HTML pages in the site.
    pub pages: usize,
    /// Outputs rendered this time.
    pub rendered: usize,
    /// Outputs reused from the previous build without rendering.
    pub reused: usize,
    /// Files whose bytes changed (or are new).
    pub written: usize,
    /// All output files.
    pub outputs: usize,
    /// The outputs rendered this time, sorted (what a rebuild had to redo).
    pub rendered_paths: Vec<String>,
    /// The outputs whose bytes changed, sorted.
    pub changed_paths: Vec<String>,
    /// The outputs of the previous build that are gone.
    pub removed_paths: Vec<String>,
    /// Warnings.
    pub warnings: Diagnostics,
    /// Translation gaps: key → languages lacking it.
    pub missing: BTreeMap<String, Vec<String>>,
    /// How many languages the site has.
    pub languages: usize,
    /// Where the site was written.
    pub output: PathBuf,
    /// Seconds, wall clock.
    pub seconds: f64,
    /// Seconds spent in each phase, in order.
    pub phases: Vec<(&'static str, f64)>,
    /// Derived files (rasters, PDFs, normalised SVGs, archives) made this time, per
    /// operation.
    pub derived_made: BTreeMap<&'static str, usize>,
    /// Derived files taken from the cache.
    pub derived_reused: usize,
}

/// One output file of any kind.
enum Work<'a> {
    Page(&'a PageJob),
    Bytes {
        output: String,
        bytes: &'a [u8],
        hash: Hash32,
    },
}

impl Work<'_> {
    fn output(&self) -> &str {
        match self {
            Work::Page(j) => &j.output,
            Work::Bytes { output, .. } => output,
        }
    }
}

/// A project ready to render: the site, its assets and everything it will write.
pub struct Plan<'p> {
    /// The prepared site.
    pub prepared: Prepared<'p>,
    /// The pages to render.
    pub jobs: Vec<PageJob>,
    /// Files written as they are (CSS bundle, static files, brand and kit files, social
    /// cards).
    pub files: Vec<OutputFile>,
    /// Warnings.
    pub warnings: Diagnostics,
    /// Seconds spent in each step of planning.
    pub phases: Vec<(&'static str, f64)>,
}

/// A file written as it is, with the blake3 of its bytes (hex).
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Output path.
    pub path: String,
    /// Contents.
    pub bytes: Arc<Vec<u8>>,
    /// blake3 of the contents, hex.
    pub hash: String,
}

impl OutputFile {
    /// A file and its hash.
    pub fn new(path: String, bytes: Arc<Vec<u8>>) -> OutputFile {
        let hash = blake3::hash(&bytes).to_hex().to_string();
        OutputFile { path, bytes, hash }
    }

    /// Its hash as bytes.
    fn raw_hash(&self) -> Hash32 {
        blake3::Hash::from_hex(self.hash.as_bytes())
            .map(|h| Hash32(*h.as_bytes()))
            .unwrap_or_else(|_| Hash32::of(&self.bytes))
    }
}

/// The derived features, in the order they run: each may read what those before it
/// leave ([`feature::Shared`]). Globals come in this order too (it is part of every
/// page's key).
pub fn features() -> [&'static dyn Feature; 13] {
    [
        &fonts::WebFontsFeature,
        &theme::StylesheetFeature,
        &brand::BrandFeature,
        &kits::KitsFeature,
        &indicators::IndicatorsFeature,
        &places::PlacesFeature,
        &photos::PhotosFeature,
        &media::MediaFeature,
        &theme::StaticFilesFeature,
        &cards::CardsFeature,
        &calendars::CalendarsFeature,
        &presskit::PressKitFeature,
        &images::ImagesFeature,
    ]
}

/// Runs every feature, prepares the site with what they give, then lets them make the
/// files that come from the prepared site; `--strict` gaps become errors. A session
/// passes its [`FeatureCache`], which keeps what features gave while their inputs do
/// not change.
pub fn plan<'p>(
    project: &'p Project,
    md_cache: &MarkdownCache,
    carry: Option<&Carry>,
    derived: &DerivedCache,
    cache: &FeatureCache,
    strict: Option<&[String]>,
) -> Result<Plan<'p>, Diagnostics> {
    let mut phases = Phases::new();
    let mut cx = feature::Context {
        project,
        derived,
        shared: feature::Shared::default(),
    };
    let mut warnings = project.warnings.clone();
    let mut errors = Diagnostics::new();
    let (mut assets, mut files, mut globals) = (BTreeMap::new(), Vec::new(), Vec::new());
    for f in features() {
        match cache.give(f, &cx) {
            Ok(given) => {
                cx.shared.merge(&given.shared);
                assets.extend(given.assets);
                files.extend(given.files);
                globals.extend(given.globals);
                warnings.extend(given.warnings);
            }
            // Every feature runs, so that one build reports every problem.
            Err(d) => errors.extend(d),
        }
    }
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    phases.lap("features");
    let resident = cache.is_resident();
    let mut prepared = Prepared::new(project, assets, md_cache, carry, globals, resident)?;
    phases.include(&mut prepared.phases);
    for f in features() {
        let what = format!("setting up the {} of the site", f.name());
        match guard(&what, || f.configure(&cx, &mut prepared)) {
            Ok((made, d)) => {
                files.extend(made);
                errors.extend(d);
            }
            Err(d) => errors.extend(d),
        }
    }
    // Every step runs even after a problem, so that one build reports them all.
    for f in features() {
        let what = format!("making the {} of the site", f.name());
        match guard(&what, || f.emit(&cx, &prepared)) {
            Ok(Ok(made)) => files.extend(made),
            Ok(Err(d)) | Err(d) => errors.extend(d),
        }
    }
    phases.lap("emit");
    let jobs = prepared.jobs(project);
    phases.lap("keys");
    errors.extend(prepared.link_errors().clone());
    errors.extend(paths::check(project, &prepared, &jobs, &files));
    errors.extend(paths::alias_collisions(project, &prepared, &jobs, &files));
    phases.lap("links");
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    warnings.extend(prepared.warnings.clone());
    let complete = complete_languages(project, strict)?;
    if !complete.is_empty() {
        let d = strict_errors(project, &prepared, &complete, strict.is_some());
        if d.has_errors() {
            return Err(d);
        }
    }
    Ok(Plan {
        prepared,
        jobs,
        files,
        warnings,
        phases: phases.done,
    })
}

/// The languages in which every page must exist: `complete_languages` of
/// `marque.yaml` and those `--strict` names (all of them for a bare `--strict`). A
/// language `--strict` names that the site does not have is an error.
fn complete_languages(
    project: &Project,
    strict: Option<&[String]>,
) -> Result<Vec<String>, Diagnostics> {
    let codes: Vec<&str> = project.languages.iter().map(|l| l.code.as_str()).collect();
    let mut out: Vec<String> = project.config.complete_languages.clone();
    match strict {
        None => {}
        Some([]) => out.extend(codes.iter().map(|c| c.to_string())),
        Some(named) => {
            for c in named {
                if !codes.contains(&c.as_str()) {
                    return Err(one(
                        Path::new("--strict"),
                        format!(
                            "'{c}' is not a language of the site ({}){}",
                            codes.join(", "),
                            marque_project::diag::hint(c, &codes)
                        ),
                    ));
                }
                out.push(c.clone());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Each page that lacks a translation in one of `complete`, as an error (named after
/// `--strict` when the flag asked, else after `complete_languages`).
fn strict_errors(
    project: &Project,
    prepared: &Prepared,
    complete: &[String],
    flag: bool,
) -> Diagnostics {
    let mut d = Diagnostics::new();
    let why = if flag {
        "--strict"
    } else {
        "complete_languages"
    };
    for (key, langs) in &prepared.missing {
        let langs: Vec<&str> = langs
            .iter()
            .map(String::as_str)
            .filter(|l| complete.iter().any(|c| c == l))
            .collect();
        if langs.is_empty() {
            continue;
        }
        let src = project.pages.iter().find(|p| p.translation_key() == key);
        let path = src
            .map(|p| p.path.clone())
            .unwrap_or_else(|| PathBuf::from("narrative"));
        d.push(Diagnostic::error(
            path,
            format!(
                "{why}: no translation in {} (translation key '{key}')",
                langs.join(", ")
            ),
        ));
    }
    d
}

/// The message for a field that must name one of `known` (a base map, a photo of the
/// library): what is wrong, the names there are, and the nearest one.
pub(crate) fn not_among(
    field: &str,
    value: Option<&str>,
    missing: impl Fn(&str) -> String,
    expected: &str,
    where_known: &str,
    known: &[&str],
) -> String {
    format!(
        "{field}: {} ({where_known}: {}){}",
        value.map(&missing).unwrap_or_else(|| expected.into()),
        if known.is_empty() {
            "none".into()
        } else {
            known.join(", ")
        },
        value
            .map(|v| marque_project::diag::hint(v, known))
            .unwrap_or_default()
    )
}

/// What a run changed in the build state: the records of the outputs it rendered or
/// wrote, and the outputs of the previous build that are gone. The others keep their
/// records: a session applies this to its state in place, without copying the records
/// of thousands of outputs that did not change.
#[derive(Debug, Default)]
pub struct StateChange {
    /// New records, by output path.
    pub updated: Vec<(String, OutputRecord)>,
    /// Outputs gone.
    pub removed: Vec<String>,
}

impl StateChange {
    /// Applies the change to `state`.
    pub fn apply(self, state: &mut BuildState) {
        for path in &self.removed {
            state.outputs.remove(path);
        }
        state.outputs.extend(self.updated);
    }
}

/// Renders what changed since `previous` into `sink`. Returns what changed in the
/// state and the report's counts (with the time of each step in its phases); nothing
/// is committed.
pub fn run(
    project: &Project,
    plan: &Plan,
    previous: &BuildState,
    sink: &dyn Sink,
) -> Result<(StateChange, BuildReport), Diagnostics> {
    let mut phases = Phases::new();
    let prepared = &plan.prepared;
    let work = work_list(&plan.jobs, &plan.files);
    check_unique_outputs(project, &work)?;
    phases.lap("outputs");
    // First the outputs whose inputs did not change and whose file is still there:
    // they are kept as they are, without rendering.
    let kept = kept_outputs(prepared, &work, previous, sink);
    phases.lap("compare");
    if work
        .iter()
        .zip(&kept.kept)
        .any(|(w, k)| !k && matches!(w, Work::Page(_)))
    {
        // Listings and template functions share per-page values: build them once,
        // before rendering, rather than inside a rendering thread.
        prepared.prepare_tables();
    }
    phases.lap("tables");
    // What the search index reads of each page rendered is kept for it (the pages
    // are not read back from the output), when this build makes the index.
    let wanted = prepared.site.search_pages.iter().any(Option::is_some);
    let keep_parts = sink.indexes_search() && wanted;
    let results = render_work(
        project, prepared, &work, &kept.kept, previous, sink, keep_parts,
    )?;
    phases.lap("render");
    let (mut change, mut report, parts) = collect_results(results, &work, kept.found, previous)?;
    phases.lap("collect");
    if sink.indexes_search() {
        update_search(
            project,
            wanted,
            &work,
            previous,
            &mut change,
            &mut report,
            sink,
            parts,
        )?;
        phases.lap("search");
    } else {
        // The index is this sink's owner's to update (a session's, after the reload).
        change.removed.retain(|p| !p.starts_with(search::DIR));
        report.removed_paths.retain(|p| !p.starts_with(search::DIR));
    }
    report.pages = prepared.site.entries.len()
        + prepared
            .site
            .taxonomies
            .iter()
            .map(|t| 1 + t.terms.len())
            .sum::<usize>()
        + project.languages.len();
    report.missing = prepared.missing.clone();
    report.languages = project.languages.len();
    report.phases = phases.done;
    Ok((change, report))
}

/// Makes the search index again when what it reads of the pages changed, else keeps
/// the previous one; its files join `change` (and are no longer among those gone).
/// A site without a search page (`wanted` false) has no index. `parts`: what the
/// index reads of the pages rendered in this build, by output path (the others are
/// read from the output).
#[allow(clippy::too_many_arguments)]
fn update_search(
    project: &Project,
    wanted: bool,
    work: &[Work],
    previous: &BuildState,
    change: &mut StateChange,
    report: &mut BuildReport,
    sink: &dyn Sink,
    parts: Parts,
) -> Result<(), Diagnostics> {
    let updated: rustc_hash::FxHashMap<&str, &OutputRecord> = change
        .updated
        .iter()
        .map(|(p, r)| (p.as_str(), r))
        .collect();
    let records = work.iter().filter_map(|w| {
        let p = w.output();
        updated
            .get(p)
            .copied()
            .or_else(|| previous.outputs.get(p))
            .map(|r| (p, r))
    });
    // Without a search page, nothing would read an index.
    let pages = if wanted {
        search::indexed_pages(records)
    } else {
        Vec::new()
    };
    let base_path = project.config.base_path();
    let key = search::key(&base_path, pages.iter().copied());
    let kept: Vec<String> = if pages.is_empty() {
        Vec::new()
    } else if search::reusable(&previous.outputs, key, |p, size| sink.reuse(p, size)) {
        let kept: Vec<String> = previous
            .outputs
            .range(search::DIR.to_string()..)
            .take_while(|(p, _)| p.starts_with(search::DIR))
            .map(|(p, _)| p.clone())
            .collect();
        report.reused += kept.len();
        kept
    } else {
        let paths: Vec<&str> = pages.iter().map(|(p, _)| *p).collect();
        let parts = std::sync::Mutex::new(parts);
        let read = |rel: &str| {
            let kept = parts.lock().ok().and_then(|mut p| p.remove(rel));
            match kept {
                Some(part) => Ok(part),
                None => sink
                    .read(rel)
                    .map(|html| search::indexed_part(&html).unwrap_or_default()),
            }
        };
        let files = guard("making the search index", || {
            search::make_from_parts(&base_path, &paths, &read, &|| false)
        })??
        .unwrap_or_default();
        // The index's files hashed and written in parallel (10,000 of them for as
        // many pages), then recorded in their order.
        let written: Vec<(String, Hash32, u64, bool)> = files
            .into_par_iter()
            .map(|(path, bytes)| {
                let content = Hash32::of(&bytes);
                let old = previous.outputs.get(&path);
                let same = old.is_some_and(|o| o.content == content && sink.reuse(&path, o.size));
                if !same {
                    sink.write(&path, &bytes)
                        .map_err(|e| one(Path::new(&path), format!("cannot write: {e}")))?;
                }
                Ok((path, content, bytes.len() as u64, !same))
            })
            .collect::<Result<_, Diagnostics>>()?;
        let mut made = Vec::with_capacity(written.len());
        for (path, content, size, changed) in written {
            if changed {
                report.written += 1;
                report.changed_paths.push(path.clone());
            }
            report.rendered += 1;
            report.rendered_paths.push(path.clone());
            change.updated.push((
                path.clone(),
                OutputRecord {
                    key,
                    content,
                    size,
                    reads: Vec::new(),
                    search: None,
                },
            ));
            made.push(path);
        }
        report.rendered_paths.sort();
        report.changed_paths.sort();
        made
    };
    report.outputs += kept.len();
    let now: rustc_hash::FxHashSet<&str> = kept.iter().map(String::as_str).collect();
    change.removed.retain(|p| !now.contains(p.as_str()));
    report.removed_paths = change.removed.clone();
    Ok(())
}

/// Every output: the pages to render, then the files written as they are.
fn work_list<'a>(jobs: &'a [PageJob], files: &'a [OutputFile]) -> Vec<Work<'a>> {
    let mut work: Vec<Work> = jobs.iter().map(Work::Page).collect();
    work.extend(files.iter().map(|f| Work::Bytes {
        output: f.path.clone(),
        bytes: &f.bytes,
        hash: f.raw_hash(),
    }));
    work
}

/// Two outputs at one path would overwrite each other.
fn check_unique_outputs(project: &Project, work: &[Work]) -> Result<(), Diagnostics> {
    let mut seen = rustc_hash::FxHashSet::default();
    seen.reserve(work.len());
    for w in work {
        if w.output().starts_with(search::DIR) {
            return Err(one(
                &project.theme.dir,
                format!(
                    "'{}': the folder {} of the output is the site's search index: rename the static file or page",
                    w.output(),
                    search::DIR
                ),
            ));
        }
        if !seen.insert(w.output()) {
            return Err(one(
                &project.theme.dir,
                format!(
                    "two outputs would be written at '{}': rename a static file or a page",
                    w.output()
                ),
            ));
        }
    }
    Ok(())
}

/// The key of an output now: a page's is made with what its templates read last
/// time, looked up again.
fn key_now(prepared: &Prepared, w: &Work, reads: &[marque_site::Read]) -> Hash32 {
    match w {
        Work::Page(j) => Hash32(prepared.key_with(j, reads)),
        Work::Bytes { hash, .. } => *hash,
    }
}

/// For each output, whether the previous build's file can stay: same key, and still
/// there.
fn kept_outputs(
    prepared: &Prepared,
    work: &[Work],
    previous: &BuildState,
    sink: &dyn Sink,
) -> Kept {
    let found = std::sync::atomic::AtomicUsize::new(0);
    let kept = work
        .par_iter()
        .map(|w| {
            let Some(o) = previous.outputs.get(w.output()) else {
                return false;
            };
            found.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            o.key == key_now(prepared, w, &o.reads) && sink.reuse(w.output(), o.size)
        })
        .collect();
    Kept {
        kept,
        found: found.into_inner(),
    }
}

/// Which outputs stay as the previous build left them, and how many of them the
/// previous build had (all of its outputs, when none is gone).
struct Kept {
    kept: Vec<bool>,
    found: usize,
}

/// What became of one output: kept as it was, or its path, its new record, whether it
/// was rendered, whether its bytes were written, and what the search index reads of
/// it (when kept for the index).
enum Done {
    Kept,
    Made(String, OutputRecord, bool, bool, Option<Vec<u8>>),
}

/// What the search index reads of the pages rendered, by output path.
type Parts = rustc_hash::FxHashMap<String, Vec<u8>>;

type Outcome = Result<Done, Diagnostic>;

/// Renders (or takes as they are) the outputs not kept, and writes those whose bytes
/// changed into `sink`.
fn render_work(
    project: &Project,
    prepared: &Prepared,
    work: &[Work],
    kept: &[bool],
    previous: &BuildState,
    sink: &dyn Sink,
    keep_parts: bool,
) -> Result<Vec<Outcome>, Diagnostics> {
    // Writing thousands of small files waits on the file system more than on the CPU:
    // a few more threads than cores keep both busy.
    let threads = std::env::var("MARQUE_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| 4 * rayon::current_num_threads());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| one(&project.root, format!("cannot start threads: {e}")))?;
    Ok(pool.install(|| {
        work.par_iter()
            .zip(kept)
            .map(|(w, kept)| {
                if *kept {
                    return Ok(Done::Kept);
                }
                let old = previous.outputs.get(w.output());
                render_one(
                    project,
                    prepared,
                    w,
                    w.output().to_string(),
                    old,
                    sink,
                    keep_parts,
                )
            })
            .collect()
    }))
}

/// Renders one output (a page, recording what its templates read) or takes its bytes,
/// and writes it unless its bytes are those of the file already there.
fn render_one(
    project: &Project,
    prepared: &Prepared,
    w: &Work,
    out: String,
    old: Option<&OutputRecord>,
    sink: &dyn Sink,
    keep_part: bool,
) -> Outcome {
    let rendered = matches!(w, Work::Page(_));
    let (bytes, reads): (std::borrow::Cow<[u8]>, _) = match w {
        Work::Page(j) => {
            let (bytes, reads) = marque_site::recording(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    output::panic_point(&out);
                    prepared.render(project, j)
                }))
            });
            let bytes = bytes.map_err(|p| panic_diagnostic(&out, "rendering this page", &*p))??;
            (bytes.into(), reads)
        }
        Work::Bytes { bytes, .. } => ((*bytes).into(), Vec::new()),
    };
    let content = Hash32::of(&bytes);
    let part = rendered.then(|| search::indexed_part(&bytes)).flatten();
    let record = OutputRecord {
        key: key_now(prepared, w, &reads),
        content,
        size: bytes.len() as u64,
        reads,
        search: part.as_deref().map(Hash32::of),
    };
    let part = part.filter(|_| keep_part);
    // Rendered again but identical: the old file stays, with its timestamp.
    if let Some(o) = old
        && o.content == content
        && sink.reuse(&out, o.size)
    {
        return Ok(Done::Made(out, record, rendered, false, part));
    }
    sink.write(&out, &bytes)
        .map_err(|e| Diagnostic::error(&out, format!("cannot write: {e}")))?;
    Ok(Done::Made(out, record, rendered, true, part))
}

/// What changed in the state and the report's counts, from every output's outcome.
fn collect_results(
    results: Vec<Outcome>,
    work: &[Work],
    carried_over: usize,
    previous: &BuildState,
) -> Result<(StateChange, BuildReport, Parts), Diagnostics> {
    let mut errors = Diagnostics::new();
    let mut change = StateChange::default();
    let mut parts = Parts::default();
    let mut report = BuildReport {
        outputs: work.len(),
        ..BuildReport::default()
    };
    for r in results {
        match r {
            Ok(Done::Kept) => report.reused += 1,
            Ok(Done::Made(out, rec, rendered, written, part)) => {
                if let Some(part) = part {
                    parts.insert(out.clone(), part);
                }
                if rendered {
                    report.rendered += 1;
                    report.rendered_paths.push(out.clone());
                } else if !written {
                    report.reused += 1;
                }
                if written {
                    report.written += 1;
                    report.changed_paths.push(out.clone());
                }
                change.updated.push((out, rec));
            }
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        errors.sort();
        return Err(errors);
    }
    report.rendered_paths.sort();
    report.changed_paths.sort();
    // Outputs are unique: when each previous one is among them, none is gone.
    if carried_over != previous.outputs.len() {
        let now: rustc_hash::FxHashSet<&str> = work.iter().map(|w| w.output()).collect();
        change.removed = previous
            .outputs
            .keys()
            .filter(|k| !now.contains(k.as_str()))
            .cloned()
            .collect();
    }
    report.removed_paths = change.removed.clone();
    Ok((change, report, parts))
}

/// Where a build writes, settled before anything is read: the output folder (one
/// marque may replace), the previous build's state (trusted only when the folder's
/// marker and identity say it describes that folder) and the project's lock.
struct Target {
    output: PathBuf,
    state_path: PathBuf,
    previous: BuildState,
    /// The state describes the output folder.
    live_ok: bool,
    warnings: Diagnostics,
    _lock: lock::ProjectLock,
}

fn target(opts: &BuildOptions) -> Result<Target, Diagnostics> {
    let root = &opts.root;
    let output = opts.output.clone().unwrap_or_else(|| root.join("output"));
    if !root.join("marque.yaml").exists() {
        return Err(load_project(root, LoadOptions::default())
            .err()
            .unwrap_or_default());
    }
    let state_path = state::state_path(root, &output);
    let mut previous = BuildState::load(&state_path);
    let owned = |dir: &Path| state::owns(&previous, dir);
    let request = output::OutputRequest {
        root,
        output: &output,
        default: "output/",
        inside: opts.output.is_none(),
        force: opts.force,
    };
    let output = output::check_output(&request, &owned).map_err(|e| {
        let flag = if opts.output.is_some() {
            "--output"
        } else {
            "output"
        };
        one(Path::new(flag), e)
    })?;
    let lock =
        lock::ProjectLock::acquire(root, "build", &opts.on_wait).map_err(|e| one(root, e))?;
    let mut warnings = Diagnostics::new();
    for note in output::clean_debris(&output) {
        warnings.push(Diagnostic::warning(&output, note));
    }
    // A build killed between its swap and its state leaves them apart: then nothing
    // of the folder is reused.
    let live_ok = output::marked_digest(&output) == Some(state::digest(&previous.outputs))
        && output::folder_id(&output) == previous.output_id;
    if !live_ok {
        previous = BuildState::default();
    }
    Ok(Target {
        output,
        state_path,
        previous,
        live_ok,
        warnings,
        _lock: lock,
    })
}

/// Renders into a staging folder beside the output; nothing of the output changes
/// when this fails.
fn render_staged(
    project: &Project,
    plan: &Plan,
    t: &Target,
) -> Result<(Staging, StateChange, BuildReport), Diagnostics> {
    let staging = Staging::create(&t.output).map_err(|e| one(&t.output, e))?;
    match guard("rendering the site", || {
        run(project, plan, &t.previous, &staging)
    })
    .and_then(|r| r)
    {
        Ok((next, report)) => Ok((staging, next, report)),
        Err(e) => {
            staging.discard();
            Err(e)
        }
    }
}

/// Swaps the new site in, and records in `next` the folders it left: the output and
/// the spare copy (the site before).
fn swap_in(
    staging: Staging,
    next: &mut BuildState,
    t: &Target,
    cache: &Path,
) -> Result<(), Diagnostics> {
    let previous = &t.previous;
    // What the output lacked of its records: the site it holds becomes the spare, and
    // lacks them too.
    let gaps = staging.live_gaps();
    let committed = staging
        .commit_site(
            &next.outputs,
            t.live_ok.then_some(&previous.outputs),
            || output::Spare::find(cache, &t.output, &previous.spare(), previous.spare_id),
        )
        .map_err(|e| one(&t.output, format!("cannot replace the output folder: {e}")))?;
    next.output_id = output::folder_id(&t.output);
    match committed {
        output::Committed::Unchanged if next.outputs == previous.outputs => {
            next.spare_delta = previous.spare_delta.clone();
            next.spare_id = previous.spare_id;
        }
        output::Committed::Unchanged => {
            next.set_spare(Some(&previous.spare()));
            next.spare_id = previous.spare_id;
        }
        output::Committed::SpareKept(dir) => {
            let mut spare = previous.outputs.clone();
            for g in &gaps {
                spare.remove(g);
            }
            next.set_spare(Some(&spare));
            next.spare_id = output::folder_id(&dir);
        }
        output::Committed::NoSpare => {
            next.set_spare(None);
            next.spare_id = None;
        }
    }
    Ok(())
}

/// Builds the site at `opts.root` into its output folder.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, Diagnostics> {
    let start = Instant::now();
    let mut phases = Phases::new();
    let root = &opts.root;
    let t = target(opts)?;
    let load = LoadOptions {
        drafts: opts.drafts,
    };
    let cache = lock::cache_dir(root).map_err(|e| one(root, e))?;
    let derived = DerivedCache::on_disk(cache.join("derived"));
    let project = guard("loading the project", || {
        load_reporting_all(root, load, &derived)
    })??;
    phases.lap("load");
    let md_cache_path = cache.join("markdown.json");
    let md_cache: MarkdownCache = state::load_json(&md_cache_path).unwrap_or_default();
    let features = FeatureCache::default();
    let mut plan = guard("preparing the site", || {
        plan(
            &project,
            &md_cache,
            None,
            &derived,
            &features,
            opts.strict.as_deref(),
        )
    })??;
    let md_cache_len = md_cache.len();
    drop(md_cache);
    phases.include(&mut plan.phases);
    let (staging, change, mut report) = render_staged(&project, &plan, &t)?;
    let mut next = BuildState {
        outputs: t.previous.outputs.clone(),
        ..BuildState::default()
    };
    change.apply(&mut next);
    phases.include(&mut report.phases);
    swap_in(staging, &mut next, &t, &cache)?;
    phases.lap("swap");
    output::crash_point("committed");
    if next != t.previous {
        next.save(&t.state_path);
    }
    if plan.prepared.markdown_cache_changed(md_cache_len) {
        state::save_json(&md_cache_path, &plan.prepared.markdown_cache());
    }
    derived.prune();
    phases.lap("state");
    (report.derived_made, report.derived_reused) = derived.take_counts();
    let mut warnings = t.warnings.clone();
    warnings.extend(plan.warnings.clone());
    warnings.sort();
    report.warnings = warnings;
    report.output = t.output.clone();
    report.seconds = start.elapsed().as_secs_f64();
    report.phases = phases.done;
    Ok(report)
}

/// Loads the project at `root`. When its only errors are in pages (a front-matter
/// typo, a bad date), goes on to plan the site, writing nothing, so that the same run
/// also reports the problems of the later steps (broken links, missing pictures).
pub fn load_reporting_all(
    root: &Path,
    load: LoadOptions,
    derived: &DerivedCache,
) -> Result<Project, Diagnostics> {
    let (project, d) = marque_project::load_project_with_errors(root, load);
    let Some(project) = project else {
        return Err(d);
    };
    if !d.has_errors() {
        return Ok(project);
    }
    Err(with_later_errors(
        &project,
        d,
        &MarkdownCache::default(),
        derived,
        &FeatureCache::default(),
    ))
}

/// The errors `d` of a project that loaded with errors in its pages only, and those
/// its plan finds (broken links, missing pictures), each once, sorted. Nothing is
/// written.
pub(crate) fn with_later_errors(
    project: &Project,
    mut d: Diagnostics,
    md: &MarkdownCache,
    derived: &DerivedCache,
    features: &FeatureCache,
) -> Diagnostics {
    if let Err(more) = plan(project, md, None, derived, features, None) {
        for e in more.0.into_iter().filter(|e| e.is_error()) {
            if !d.0.contains(&e) {
                d.push(e);
            }
        }
    }
    d.sort();
    d
}

/// Runs `f`, turning a panic (a bug of marque's) into an error that says what was
/// being made, so that a build fails cleanly and `marque serve` keeps serving.
pub fn guard<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, Diagnostics> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|p| Diagnostics::from(panic_diagnostic("marque", what, &*p)))
}

/// Runs `f`, which makes something from the source `path`; a panic (a bug of
/// marque's) becomes an error about that source saying what was being made.
pub(crate) fn guard_item<T, E: From<Diagnostic>>(
    path: impl AsRef<Path>,
    what: &str,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(E::from(panic_diagnostic(path, what, &*p))))
}

/// The error for a panic while `what` was being made from `path`.
pub(crate) fn panic_diagnostic(
    path: impl AsRef<Path>,
    what: &str,
    p: &(dyn std::any::Any + Send),
) -> Diagnostic {
    Diagnostic::error(
        path,
        format!(
            "internal error while {what}: {} (this is a bug in marque: please report it with this file)",
            panic_message(p)
        ),
    )
}

/// The text of a panic's payload.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Wall-clock time of each phase of a build.
pub(crate) struct Phases {
    pub(crate) done: Vec<(&'static str, f64)>,
    since: Instant,
}

impl Phases {
    pub(crate) fn new() -> Self {
        Phases {
            done: Vec::new(),
            since: Instant::now(),
        }
    }
    pub(crate) fn lap(&mut self, name: &'static str) {
        self.done.push((name, self.since.elapsed().as_secs_f64()));
        self.since = Instant::now();
    }
    /// Takes the phases a step timed itself (`run`'s) as the next ones.
    pub(crate) fn include(&mut self, inner: &mut Vec<(&'static str, f64)>) {
        self.done.append(inner);
        self.since = Instant::now();
    }
}

fn one(path: &Path, msg: impl ToString) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.push(Diagnostic::error(path, msg.to_string()));
    d
}
