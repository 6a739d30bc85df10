//! A resident build for `marque serve`: the site lives in memory and each rebuild
//! renders only the outputs whose inputs changed, with the same planning, keys and
//! rendering as `marque build`.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use marque_project::{Diagnostics, LoadOptions, load_project};
use marque_site::MarkdownCache;

use crate::sink::{MemorySink, MemorySite};
use crate::state::BuildState;
use crate::{BuildReport, plan, run};

/// The state kept between rebuilds.
pub struct Session {
    root: PathBuf,
    drafts: bool,
    state: BuildState,
    md_cache: MarkdownCache,
    site: Arc<RwLock<Arc<MemorySite>>>,
}

impl Session {
    /// A session for the project at `root`, serving into `site`.
    pub fn new(root: PathBuf, drafts: bool, site: Arc<RwLock<Arc<MemorySite>>>) -> Self {
        Session {
            root,
            drafts,
            state: BuildState::default(),
            md_cache: MarkdownCache::new(),
            site,
        }
    }

    /// The site in memory.
    pub fn site(&self) -> Arc<MemorySite> {
        match self.site.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Rebuilds from the sources on disk. On error the site in memory stays as it was.
    pub fn rebuild(&mut self) -> Result<BuildReport, Diagnostics> {
        let start = Instant::now();
        let project = load_project(
            &self.root,
            LoadOptions {
                drafts: self.drafts,
            },
        )?;
        let plan = plan(&project, &self.md_cache, false)?;
        let sink = MemorySink::new(&self.site);
        let (next, mut report) = run(&project, &plan, &self.state, &sink)?;
        sink.commit(&report.removed_paths);
        self.state = next;
        self.md_cache = plan.prepared.markdown_metas();
        report.warnings = plan.warnings.clone();
        report.seconds = start.elapsed().as_secs_f64();
        Ok(report)
    }
}
