//! Watching the sources: inotify (through notify) on `marque.yaml`, `brand/`,
//! `narrative/`, `kits/` and `themes/`. Editor temp and swap files are ignored; a burst
//! of events is gathered until the files have been quiet for a few milliseconds, then
//! one rebuild runs. With nothing changing, the thread sleeps in the kernel.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};

/// How long the files must be quiet before a rebuild starts, when no "closed after
/// writing" event says that the write is over. Editors write a file in one or a few
/// syscalls; 15 ms gathers them without making the preview feel late.
const QUIET: Duration = Duration::from_millis(15);
/// After a file is closed from writing, the little time left for a burst (an editor
/// saving several files, a rename pair) to arrive.
const AFTER_CLOSE: Duration = Duration::from_millis(3);
/// The longest a burst may delay a rebuild.
const MAX_WAIT: Duration = Duration::from_millis(300);

/// The folders and files watched, relative to the project root.
pub const WATCHED: &[&str] = &["marque.yaml", "brand", "narrative", "kits", "themes"];

/// True for a file a change of which may change the site.
pub fn is_relevant(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let mut comps = rel.components();
    let Some(first) = comps.next() else {
        return false;
    };
    let first = first.as_os_str().to_string_lossy();
    if !WATCHED.contains(&first.as_ref()) {
        return false;
    }
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [
            ".swp",
            ".swx",
            ".swo",
            ".tmp",
            ".part",
            ".crdownload",
            ".kate-swp",
        ]
        .iter()
        .any(|s| name.ends_with(s));
    !temp
        && !rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
}

/// A running watcher; stops when dropped.
pub struct Watcher {
    _inner: notify::RecommendedWatcher,
}

impl Watcher {
    /// Watches the project at `root`; `on_change` runs on the watcher's thread with the
    /// changed files and the time the first change was seen.
    pub fn start(
        root: &Path,
        mut on_change: impl FnMut(Vec<PathBuf>, Instant) + Send + 'static,
    ) -> Result<Watcher, String> {
        let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
        let mut inner =
            notify::recommended_watcher(tx).map_err(|e| format!("cannot watch files: {e}"))?;
        for w in WATCHED {
            let p = root.join(w);
            if p.is_dir() {
                inner
                    .watch(&p, RecursiveMode::Recursive)
                    .map_err(|e| format!("cannot watch {}: {e}", p.display()))?;
            }
        }
        inner
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
        let root = root.to_path_buf();
        std::thread::spawn(move || {
            let relevant = |ev: &notify::Event| -> Vec<PathBuf> {
                if matches!(ev.kind, EventKind::Access(_)) {
                    return Vec::new();
                }
                ev.paths
                    .iter()
                    .filter(|p| is_relevant(&root, p))
                    .cloned()
                    .collect()
            };
            let closed = |ev: &notify::Event| {
                matches!(
                    ev.kind,
                    EventKind::Access(notify::event::AccessKind::Close(
                        notify::event::AccessMode::Write
                    ))
                ) && ev.paths.iter().any(|p| is_relevant(&root, p))
            };
            // Blocks until the watcher is dropped (the channel then closes).
            while let Ok(first) = rx.recv() {
                let Ok(first) = first else { continue };
                let mut changed = relevant(&first);
                if changed.is_empty() {
                    continue;
                }
                let since = Instant::now();
                let mut wait = QUIET;
                while since.elapsed() < MAX_WAIT {
                    match rx.recv_timeout(wait) {
                        Ok(Ok(ev)) => {
                            if closed(&ev) {
                                wait = AFTER_CLOSE;
                            }
                            changed.extend(relevant(&ev));
                        }
                        Ok(Err(_)) => {}
                        Err(mpsc::RecvTimeoutError::Timeout) => break,
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
                changed.sort();
                changed.dedup();
                on_change(changed, since);
            }
        });
        Ok(Watcher { _inner: inner })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_editor_files_and_other_folders() {
        let root = Path::new("/p");
        assert!(is_relevant(root, Path::new("/p/narrative/fr/a.md")));
        assert!(is_relevant(root, Path::new("/p/marque.yaml")));
        assert!(is_relevant(root, Path::new("/p/themes/default/css/a.css")));
        assert!(!is_relevant(root, Path::new("/p/narrative/fr/.a.md.swp")));
        assert!(!is_relevant(root, Path::new("/p/narrative/fr/a.md~")));
        assert!(!is_relevant(root, Path::new("/p/narrative/fr/4913")));
        assert!(!is_relevant(root, Path::new("/p/narrative/fr/#a.md#")));
        assert!(!is_relevant(root, Path::new("/p/output/index.html")));
        assert!(!is_relevant(root, Path::new("/p/.marque-cache/x.json")));
        assert!(!is_relevant(root, Path::new("/p/narrative/.git/x")));
    }
}
