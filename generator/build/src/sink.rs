//! The disk sink. Nothing in the output folder changes until every output has been
//! rendered without error:
//! - a *full* build writes every file into a staging folder beside the output folder
//!   and swaps it in by renames;
//! - an *incremental* build (the output folder and the previous build's state exist)
//!   writes only new or changed files into the staging folder, then moves them into
//!   place and deletes the outputs that are gone. Unchanged files are not touched, so
//!   they keep their timestamps, and a no-change build writes nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Where a build's outputs go.
pub trait Sink: Sync {
    /// Keeps the previous output `rel` (of `size` bytes) as it is. False when it is not
    /// there as expected, and must be written.
    fn reuse(&self, rel: &str, size: u64) -> bool;
    /// Stages a new or changed output.
    fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()>;
}

impl Sink for Staging {
    fn reuse(&self, rel: &str, size: u64) -> bool {
        Staging::reuse(self, rel, size)
    }
    fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        Staging::write(self, rel, bytes)
    }
}

/// The site kept in memory, for `marque serve`: output path → bytes.
pub type MemorySite = HashMap<String, Arc<Vec<u8>>>;

/// A sink into memory: changed outputs are staged, then committed into the shared site
/// in one step, so that a server never sees half a rebuild.
pub struct MemorySink<'a> {
    site: &'a RwLock<Arc<MemorySite>>,
    staged: Mutex<Vec<(String, Arc<Vec<u8>>)>>,
}

impl<'a> MemorySink<'a> {
    /// A sink over `site`.
    pub fn new(site: &'a RwLock<Arc<MemorySite>>) -> Self {
        MemorySink {
            site,
            staged: Mutex::new(Vec::new()),
        }
    }

    /// Applies the staged outputs and removes `gone`.
    pub fn commit(self, gone: &[String]) {
        let staged = self.staged.into_inner().unwrap_or_default();
        let mut guard = match self.site.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut next: MemorySite = (**guard).clone();
        for rel in gone {
            next.remove(rel);
        }
        for (rel, bytes) in staged {
            next.insert(rel, bytes);
        }
        *guard = Arc::new(next);
    }
}

impl Sink for MemorySink<'_> {
    fn reuse(&self, rel: &str, size: u64) -> bool {
        let site = match self.site.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        site.get(rel).is_some_and(|b| b.len() as u64 == size)
    }
    fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        if let Ok(mut s) = self.staged.lock() {
            s.push((rel.to_string(), Arc::new(bytes.to_vec())));
        }
        Ok(())
    }
}

/// A staging folder for one build.
pub struct Staging {
    dir: PathBuf,
    output: PathBuf,
    incremental: bool,
}

impl Staging {
    /// Creates an empty staging folder next to `output`.
    pub fn create(output: &Path, incremental: bool) -> Result<Staging, String> {
        let output = std::path::absolute(output).map_err(|e| e.to_string())?;
        let parent = output
            .parent()
            .ok_or("the output folder has no parent")?
            .to_path_buf();
        let name = output
            .file_name()
            .ok_or("the output folder has no name")?
            .to_string_lossy()
            .into_owned();
        std::fs::create_dir_all(&parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let dir = parent.join(format!(".{name}.marque-staging-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let incremental = incremental && output.is_dir();
        Ok(Staging {
            dir,
            output,
            incremental,
        })
    }

    /// True when only changed files are staged.
    pub fn is_incremental(&self) -> bool {
        self.incremental
    }

    fn target(&self, rel: &str) -> std::io::Result<PathBuf> {
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent()
            && !parent.is_dir()
        {
            std::fs::create_dir_all(parent)?;
        }
        Ok(p)
    }

    /// Stages a new or changed file.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::write(self.target(rel)?, bytes)
    }

    /// Keeps the old output file `rel` (of the expected size) as it is. False when it
    /// is not there as expected, and must be written.
    pub fn reuse(&self, rel: &str, size: u64) -> bool {
        let old = self.output.join(rel);
        match std::fs::symlink_metadata(&old) {
            Ok(m) if m.is_file() && m.len() == size => {}
            _ => return false,
        }
        if self.incremental {
            return true;
        }
        let Ok(target) = self.target(rel) else {
            return false;
        };
        std::fs::hard_link(&old, &target).is_ok() || std::fs::copy(&old, &target).is_ok()
    }

    /// Puts the staged files in place; in an incremental build, also deletes the
    /// outputs of the previous build listed in `gone`.
    pub fn commit(self, gone: &[String]) -> Result<(), String> {
        if self.incremental {
            let mut stack = vec![self.dir.clone()];
            while let Some(d) = stack.pop() {
                let entries = std::fs::read_dir(&d).map_err(|e| e.to_string())?;
                for e in entries {
                    let e = e.map_err(|e| e.to_string())?;
                    let p = e.path();
                    if e.file_type().map_err(|e| e.to_string())?.is_dir() {
                        stack.push(p);
                        continue;
                    }
                    let rel = p.strip_prefix(&self.dir).map_err(|e| e.to_string())?;
                    let target = self.output.join(rel);
                    if let Some(parent) = target.parent()
                        && !parent.is_dir()
                    {
                        if parent.exists() {
                            std::fs::remove_file(parent).map_err(|e| e.to_string())?;
                        }
                        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                    }
                    if target.is_dir() {
                        std::fs::remove_dir_all(&target).map_err(|e| e.to_string())?;
                    }
                    std::fs::rename(&p, &target).map_err(|e| e.to_string())?;
                }
            }
            let _ = std::fs::remove_dir_all(&self.dir);
            for rel in gone {
                let p = self.output.join(rel);
                let _ = std::fs::remove_file(&p);
                // Remove the folders left empty, up to the output folder.
                let mut dir = p.parent().map(Path::to_path_buf);
                while let Some(d) = dir {
                    if d == self.output || std::fs::remove_dir(&d).is_err() {
                        break;
                    }
                    dir = d.parent().map(Path::to_path_buf);
                }
            }
            return Ok(());
        }
        let old = self.dir.with_extension("old");
        if self.output.exists() {
            if !self.output.is_dir() {
                let _ = std::fs::remove_dir_all(&self.dir);
                return Err(format!(
                    "{} exists and is not a folder",
                    self.output.display()
                ));
            }
            std::fs::rename(&self.output, &old).map_err(|e| e.to_string())?;
            if let Err(e) = std::fs::rename(&self.dir, &self.output) {
                let _ = std::fs::rename(&old, &self.output);
                return Err(e.to_string());
            }
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(&self.dir, &self.output).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Throws the staging folder away, leaving the output folder as it was.
    pub fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
