//! The disk sink: a staging folder beside the output folder, filled with new files and
//! hard links to unchanged old ones, then swapped in by renames.

use std::path::{Path, PathBuf};

/// A staging folder for one build.
pub struct Staging {
    dir: PathBuf,
    output: PathBuf,
}

impl Staging {
    /// Creates an empty staging folder next to `output`.
    pub fn create(output: &Path) -> Result<Staging, String> {
        let output = std::path::absolute(output).map_err(|e| e.to_string())?;
        let parent = output.parent().ok_or("the output folder has no parent")?.to_path_buf();
        let name = output
            .file_name()
            .ok_or("the output folder has no name")?
            .to_string_lossy()
            .into_owned();
        std::fs::create_dir_all(&parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let dir = parent.join(format!(".{name}.marque-staging-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Staging { dir, output })
    }

    fn target(&self, rel: &str) -> std::io::Result<PathBuf> {
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(p)
    }

    /// Writes a new file.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::write(self.target(rel)?, bytes)
    }

    /// Brings the old file `old` (of the expected size) into the staging folder without
    /// rewriting it (a hard link keeps its timestamp). False when it cannot.
    pub fn reuse(&self, old: &Path, rel: &str, size: u64) -> bool {
        match std::fs::symlink_metadata(old) {
            Ok(m) if m.is_file() && m.len() == size => {}
            _ => return false,
        }
        let Ok(target) = self.target(rel) else { return false };
        std::fs::hard_link(old, &target).is_ok() || std::fs::copy(old, &target).is_ok()
    }

    /// Swaps the staging folder in place of the output folder.
    pub fn commit(self) -> Result<(), String> {
        let old = self.dir.with_extension("old");
        if self.output.exists() {
            if !self.output.is_dir() {
                let _ = std::fs::remove_dir_all(&self.dir);
                return Err(format!("{} exists and is not a folder", self.output.display()));
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
