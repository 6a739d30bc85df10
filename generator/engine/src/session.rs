//! A resident build for `marque serve`: the site lives in memory and each rebuild
//! renders only the outputs whose inputs changed, with the same planning, keys and
//! rendering as `marque build`.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use marque_project::{
    Diagnostics, LoadOptions, Project, load_project_with_errors, reload_project_with_errors,
};
use marque_site::{Carry, MarkdownCache};

use crate::search;
use crate::sink::{MemorySink, MemorySite};
use crate::state::BuildState;
use crate::{BuildReport, plan, run};
use marque_assets::cache::DerivedCache;

/// A search index to make from a view of the site (see [`Session::search_job`]).
pub struct SearchJob {
    key: crate::state::Hash32,
    base_path: String,
    /// The indexed pages and their bytes (shared with the site, not copied; the job
    /// holds no view of the whole site, which would make every later rebuild copy it).
    pages: Vec<(String, Arc<Vec<u8>>)>,
}

impl SearchJob {
    /// Makes the index's files (none when the site has no search page any longer);
    /// `None` when `stop` said to stop.
    pub fn run(
        &self,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<search::IndexFiles>, Diagnostics> {
        if self.pages.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let paths: Vec<&str> = self.pages.iter().map(|(p, _)| p.as_str()).collect();
        let bytes: std::collections::HashMap<&str, &Arc<Vec<u8>>> =
            self.pages.iter().map(|(p, b)| (p.as_str(), b)).collect();
        let read = |rel: &str| {
            bytes
                .get(rel)
                .map(|b| b.to_vec())
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not in the site"))
        };
        crate::guard("making the search index", || {
            search::make(&self.base_path, &paths, &read, stop)
        })?
    }
}

/// The state kept between rebuilds.
pub struct Session {
    root: PathBuf,
    drafts: bool,
    state: BuildState,
    md_cache: MarkdownCache,
    site: Arc<RwLock<Arc<MemorySite>>>,
    /// The sources as last read, to re-read only what changed.
    project: Option<Project>,
    /// What the last successful build can lend the next one.
    carry: Option<Carry>,
    /// Rasters, PDFs and archives already made.
    derived: DerivedCache,
    /// What each feature gave at the last rebuild (kept while its inputs are the same).
    features: crate::feature::FeatureCache,
    /// The site has a search page (so it has an index).
    search_wanted: bool,
}

impl Session {
    /// A session for the project at `root`, serving into `site`.
    pub fn new(root: PathBuf, drafts: bool, site: Arc<RwLock<Arc<MemorySite>>>) -> Self {
        Session {
            drafts,
            state: BuildState::default(),
            md_cache: MarkdownCache::new(),
            site,
            project: None,
            carry: None,
            derived: match crate::lock::cache_dir(&root) {
                Ok(dir) => DerivedCache::on_disk(dir.join("derived")),
                // A cache folder that is a link is not written to.
                Err(_) => DerivedCache::in_memory(),
            },
            features: crate::feature::FeatureCache::resident(),
            search_wanted: false,
            root,
        }
    }

    /// Forgets what the last rebuilds lent the next one (after a failure that may have
    /// left it half made): the next rebuild reads and renders everything again. The
    /// site in memory stays as it is.
    pub fn reset(&mut self) {
        *self = Session::new(self.root.clone(), self.drafts, self.site.clone());
    }

    /// The site in memory.
    pub fn site(&self) -> Arc<MemorySite> {
        match self.site.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Makes the search index again when what it reads of the pages changed since it
    /// was made. Returns how many of its files changed; the site in memory gets them
    /// in one step. `marque serve` does the same in three steps ([`Session::search_job`],
    /// [`SearchJob::run`] on another thread, [`Session::apply_search`]), so that no
    /// rebuild waits for the index.
    pub fn update_search(&mut self) -> Result<usize, Diagnostics> {
        match self.search_job() {
            None => Ok(0),
            Some(job) => {
                let files = job.run(&|| false)?.unwrap_or_default();
                Ok(self.apply_search(&job, files))
            }
        }
    }

    /// The indexed pages of the site as it is now, and the key of their index.
    fn search_pages(&self) -> (Vec<String>, crate::state::Hash32, String) {
        let base_path = self
            .project
            .as_ref()
            .map(|p| p.config.base_path())
            .unwrap_or_default();
        let pages = if self.search_wanted {
            search::indexed_pages(self.state.outputs.iter().map(|(p, r)| (p.as_str(), r)))
        } else {
            Vec::new()
        };
        let key = search::key(&base_path, pages.iter().copied());
        (
            pages.into_iter().map(|(p, _)| p.to_string()).collect(),
            key,
            base_path,
        )
    }

    /// The paths of the index's files in the site now.
    fn search_files(&self) -> Vec<String> {
        self.state
            .outputs
            .range(search::DIR.to_string()..)
            .take_while(|(p, _)| p.starts_with(search::DIR))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The index to make now, from a view of the site as it is: `None` when the index
    /// in the site is up to date (or the site has no search page and no index).
    pub fn search_job(&self) -> Option<SearchJob> {
        self.project.as_ref()?;
        let (pages, key, base_path) = self.search_pages();
        let site = self.site();
        if pages.is_empty() {
            if self.search_files().is_empty() {
                return None;
            }
        } else {
            let present = |p: &str, size: u64| site.get(p).is_some_and(|b| b.len() as u64 == size);
            if search::reusable(&self.state.outputs, key, present) {
                return None;
            }
        }
        let mut with_bytes = Vec::with_capacity(pages.len());
        for p in pages {
            // A page the site lacks is not indexed (the records and the site agree
            // after every rebuild).
            if let Some(b) = site.get(&p) {
                with_bytes.push((p, b.clone()));
            }
        }
        Some(SearchJob {
            key,
            base_path,
            pages: with_bytes,
        })
    }

    /// Puts the index `files` made by `job` into the site in one step, in place of the
    /// previous one, unless the indexed pages changed since the job was made (a later
    /// job will make it). Returns how many files changed.
    pub fn apply_search(&mut self, job: &SearchJob, files: Vec<(String, Vec<u8>)>) -> usize {
        if self.search_pages().1 != job.key {
            return 0;
        }
        let gone = self.search_files();
        let sink = MemorySink::new(&self.site);
        let mut change = crate::StateChange::default();
        let mut changed = 0;
        for (path, bytes) in files {
            let content = crate::state::Hash32::of(&bytes);
            if self
                .state
                .outputs
                .get(&path)
                .is_none_or(|o| o.content != content)
            {
                changed += 1;
            }
            let _ = crate::sink::Sink::write(&sink, &path, &bytes);
            let record = crate::state::OutputRecord {
                key: job.key,
                content,
                size: bytes.len() as u64,
                reads: Vec::new(),
                search: None,
            };
            change.updated.push((path, record));
        }
        let now: std::collections::HashSet<&str> =
            change.updated.iter().map(|(p, _)| p.as_str()).collect();
        let gone: Vec<String> = gone
            .into_iter()
            .filter(|p| !now.contains(p.as_str()))
            .collect();
        changed += gone.len();
        drop(now);
        change.removed = gone.clone();
        sink.commit(&gone);
        change.apply(&mut self.state);
        changed
    }

    /// Rebuilds from the sources on disk, reading them all. On error the site in memory
    /// stays as it was.
    pub fn rebuild(&mut self) -> Result<BuildReport, Diagnostics> {
        self.rebuild_after(&[])
    }

    /// Rebuilds after a change to `changed` (absolute paths; empty means unknown: read
    /// everything). On error the site in memory stays as it was.
    pub fn rebuild_after(
        &mut self,
        changed: &[std::path::PathBuf],
    ) -> Result<BuildReport, Diagnostics> {
        let start = Instant::now();
        let mut phases = crate::Phases::new();
        let opts = LoadOptions {
            drafts: self.drafts,
        };
        let (loaded, errors) = match (&self.project, changed.is_empty()) {
            (Some(prev), false) => reload_project_with_errors(prev, changed, opts),
            _ => load_project_with_errors(&self.root, opts),
        };
        let project = match loaded {
            Some(p) if !errors.has_errors() => self.project.insert(p),
            Some(p) => {
                // Errors in pages only: the same save also shows the later steps'
                // problems (a broken link beside a front-matter typo), all at once.
                self.project = None;
                return Err(crate::with_later_errors(
                    &p,
                    errors,
                    &self.md_cache,
                    &self.derived,
                    &self.features,
                ));
            }
            None => {
                self.project = None;
                return Err(errors);
            }
        };
        let project = &*project;
        phases.lap("load");
        let mut plan = plan(
            project,
            &self.md_cache,
            self.carry.as_ref(),
            &self.derived,
            &self.features,
            None,
        )?;
        phases.include(&mut plan.phases);
        let sink = MemorySink::new(&self.site);
        let (change, mut report) = run(project, &plan, &self.state, &sink)?;
        phases.include(&mut report.phases);
        sink.commit(&report.removed_paths);
        phases.lap("commit");
        change.apply(&mut self.state);
        self.search_wanted = plan.prepared.site.search_pages.iter().any(Option::is_some);
        // The sources rendered this time join the cache (an edit undone is then taken
        // from it); the cache is made again from the site when it has grown too large.
        self.md_cache.extend(plan.prepared.fresh_markdown());
        if self.md_cache.len() > 2 * project.pages.len() + 64 {
            self.md_cache = plan.prepared.markdown_metas();
        }
        // What the last build kept is dropped on another thread: freeing tens of
        // thousands of values must not delay the reload.
        let old_carry = self.carry.replace(plan.prepared.carry());
        std::thread::spawn(move || drop(old_carry));
        report.warnings = plan.warnings.clone();
        self.derived.prune();
        (report.derived_made, report.derived_reused) = self.derived.take_counts();
        report.seconds = start.elapsed().as_secs_f64();
        report.phases = phases.done;
        Ok(report)
    }
}
