//! The cache of derived files (rasters, PDFs, normalised SVGs, archives): each is kept
//! under a key made of its inputs, the operation and its settings, in
//! `.marque-cache/derived/` (never in the sources, never in the output). Counters say
//! how much work a build did, so tests and `MARQUE_STATS` can prove what was redone.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Bump when the code that makes derived files changes its output.
const VERSION: &[u8] = b"marque-derived-7";

/// A cache key: blake3 of the operation, its settings and its inputs.
pub fn key(op: &str, parts: &[&[u8]]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(VERSION);
    h.update(op.as_bytes());
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().to_hex().to_string()
}

/// Derived files by key, in memory and (for builds) on disk.
#[derive(Default)]
pub struct DerivedCache {
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<String, Arc<Vec<u8>>>>,
    used: Mutex<HashSet<String>>,
    made: Mutex<BTreeMap<&'static str, usize>>,
    reused: AtomicUsize,
}

impl DerivedCache {
    /// A cache kept in `dir` (created when first written to).
    pub fn on_disk(dir: PathBuf) -> Self {
        DerivedCache {
            dir: Some(dir),
            ..Default::default()
        }
    }

    /// A cache kept in memory only.
    pub fn in_memory() -> Self {
        DerivedCache::default()
    }

    /// The file for `key` if it was made before; else `make` makes it (counted under
    /// `op`) and it is kept.
    pub fn get_or_make<E>(
        &self,
        op: &'static str,
        key: &str,
        make: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Arc<Vec<u8>>, E> {
        if let Ok(mut u) = self.used.lock() {
            u.insert(key.to_string());
        }
        if let Some(b) = self.get(key) {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return Ok(b);
        }
        let bytes = Arc::new(make()?);
        if let Ok(mut m) = self.made.lock() {
            *m.entry(op).or_default() += 1;
        }
        if let Some(dir) = &self.dir {
            // A cache that cannot be written only costs time on the next build.
            let _ = std::fs::create_dir_all(dir);
            let tmp = dir.join(format!("{key}.tmp{}", std::process::id()));
            // Never write through a link someone put in the cache.
            if std::fs::symlink_metadata(&tmp).is_ok_and(|m| m.file_type().is_symlink()) {
                let _ = std::fs::remove_file(&tmp);
            }
            if std::fs::write(&tmp, &*bytes).is_ok() {
                let _ = std::fs::rename(&tmp, dir.join(key));
            }
        }
        if let Ok(mut m) = self.memory.lock() {
            m.insert(key.to_string(), bytes.clone());
        }
        Ok(bytes)
    }

    /// True when `key` is cached (without counting it as used).
    pub fn contains(&self, key: &str) -> bool {
        self.memory.lock().is_ok_and(|m| m.contains_key(key))
            || self.dir.as_ref().is_some_and(|d| d.join(key).is_file())
    }

    fn get(&self, key: &str) -> Option<Arc<Vec<u8>>> {
        if let Some(b) = self.memory.lock().ok()?.get(key) {
            return Some(b.clone());
        }
        // Only a plain file of the cache (a link put there is not followed).
        let path = self.dir.as_ref()?.join(key);
        if !std::fs::symlink_metadata(&path).ok()?.is_file() {
            return None;
        }
        let bytes = Arc::new(std::fs::read(path).ok()?);
        if let Ok(mut m) = self.memory.lock() {
            m.insert(key.to_string(), bytes.clone());
        }
        Some(bytes)
    }

    /// What was made since the last [`DerivedCache::take_counts`], per operation, and
    /// how many files came from the cache; resets the counts.
    pub fn take_counts(&self) -> (BTreeMap<&'static str, usize>, usize) {
        let made = self
            .made
            .lock()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default();
        (made, self.reused.swap(0, Ordering::Relaxed))
    }

    /// Forgets what was not used since the last call: removes those files from disk and
    /// memory, so the cache holds what the current sources need and no more.
    pub fn prune(&self) {
        let used = self
            .used
            .lock()
            .map(|mut u| std::mem::take(&mut *u))
            .unwrap_or_default();
        if let Ok(mut m) = self.memory.lock() {
            m.retain(|k, _| used.contains(k));
        }
        if let Some(dir) = &self.dir
            && let Ok(rd) = std::fs::read_dir(dir)
        {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !used.contains(&name) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}
