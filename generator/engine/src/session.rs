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

use crate::sink::{MemorySink, MemorySite};
use crate::state::BuildState;
use crate::{BuildReport, plan, run};
use marque_assets::cache::DerivedCache;

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
