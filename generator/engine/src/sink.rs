//! Sinks: where a build's outputs go. On disk, [`crate::output::Staging`] (nothing in
//! the output folder changes until every output has rendered, then the whole folder is
//! swapped at once; unchanged files keep their timestamps and a no-change build writes
//! nothing); in memory, [`MemorySink`] for `marque serve` and `marque check`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// Where a build's outputs go.
pub trait Sink: Sync {
    /// Keeps the previous output `rel` (of `size` bytes) as it is. False when it is not
    /// there as expected, and must be written.
    fn reuse(&self, rel: &str, size: u64) -> bool;
    /// Stages a new or changed output.
    fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// The bytes output `rel` has in the new site (staged this time, or kept).
    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>>;
    /// Whether a build into this sink makes the search index along with the pages
    /// (`marque serve` makes it after the reload, [`crate::session::Session`]).
    fn indexes_search(&self) -> bool {
        false
    }
}

impl Sink for crate::output::Staging {
    fn reuse(&self, rel: &str, size: u64) -> bool {
        crate::output::Staging::reuse(self, rel, size)
    }
    fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        crate::output::Staging::write(self, rel, bytes)
    }
    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        crate::output::Staging::read(self, rel)
    }
    fn indexes_search(&self) -> bool {
        true
    }
}

/// The site kept in memory, for `marque serve`: output path → bytes.
pub type MemorySite = HashMap<String, Arc<Vec<u8>>>;

/// A sink into memory: changed outputs are staged, then committed into the shared site
/// in one step, so that a server never sees half a rebuild.
pub struct MemorySink<'a> {
    site: &'a RwLock<Arc<MemorySite>>,
    /// The site as it was when the rebuild began (read without the lock).
    before: Arc<MemorySite>,
    staged: Mutex<Vec<(String, Arc<Vec<u8>>)>>,
}

impl<'a> MemorySink<'a> {
    /// A sink over `site`.
    pub fn new(site: &'a RwLock<Arc<MemorySite>>) -> Self {
        let before = match site.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        MemorySink {
            site,
            before,
            staged: Mutex::new(Vec::new()),
        }
    }

    /// Applies the staged outputs and removes `gone`.
    pub fn commit(self, gone: &[String]) {
        let staged = self.staged.into_inner().unwrap_or_default();
        // Let go of the view of the site before, so that it can change in place.
        drop(self.before);
        let mut guard = match self.site.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        // In place, unless a request still holds the site as it was (then on a copy):
        // either way under the lock, so that no request sees half a rebuild.
        let next = Arc::make_mut(&mut *guard);
        for rel in gone {
            next.remove(rel);
        }
        for (rel, bytes) in staged {
            next.insert(rel, bytes);
        }
    }
}

impl Sink for MemorySink<'_> {
    fn reuse(&self, rel: &str, size: u64) -> bool {
        self.before.get(rel).is_some_and(|b| b.len() as u64 == size)
    }
    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        let staged = self.staged.lock().ok().and_then(|s| {
            s.iter()
                .rev()
                .find(|(r, _)| r == rel)
                .map(|(_, b)| b.to_vec())
        });
        staged
            .or_else(|| self.before.get(rel).map(|b| b.to_vec()))
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not in the site"))
    }
    fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        if let Ok(mut s) = self.staged.lock() {
            s.push((rel.to_string(), Arc::new(bytes.to_vec())));
        }
        Ok(())
    }
}
