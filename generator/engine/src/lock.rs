//! One build of a project at a time: `marque build` and `marque kit` hold a lock on
//! `.marque-cache/lock` while they write. A second one waits for the first, naming it;
//! a lock held by a process that died is free again (the system releases it).

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The project's cache folder, `<root>/.marque-cache`, refused when it or a folder
/// marque writes in below it (`derived/`, `spare/` and each spare) is a link: marque
/// writes, prunes and removes there, and must not do so outside the project.
pub fn cache_dir(root: &Path) -> Result<PathBuf, String> {
    let dir = root.join(".marque-cache");
    let mut check = vec![dir.clone(), dir.join("derived"), dir.join("spare")];
    if let Ok(rd) = std::fs::read_dir(dir.join("spare"))
        && !is_link(&dir.join("spare"))
    {
        check.extend(rd.flatten().map(|e| e.path()));
    }
    for d in check {
        if is_link(&d) {
            return Err(format!(
                "{} is a symbolic link: marque keeps its cache inside the project and removes files from it; remove the link",
                d.strip_prefix(root).unwrap_or(&d).display()
            ));
        }
    }
    Ok(dir)
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// Makes sure that writing at `path` writes a file of the cache, not through a link
/// someone put there (the link itself is removed, never what it points to).
pub fn unlink_if_link(path: &Path) {
    if is_link(path) {
        let _ = std::fs::remove_file(path);
    }
}

/// A held lock; released when dropped (or when the process ends, however it ends).
pub struct ProjectLock {
    _file: std::fs::File,
}

impl ProjectLock {
    /// Takes the project's lock; when another process holds it, calls `on_wait` with a
    /// description of that process, then waits for it.
    pub fn acquire(root: &Path, what: &str, on_wait: &dyn Fn(&str)) -> Result<ProjectLock, String> {
        let dir = cache_dir(root)?;
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join("lock");
        unlink_if_link(&path);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                on_wait(&format!(
                    "waiting for another marque process that is using this project ({}) to finish",
                    if holder.is_empty() {
                        "it has not said which".to_string()
                    } else {
                        holder.to_string()
                    }
                ));
                file.lock()
                    .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!("cannot lock {}: {e}", path.display()));
            }
        }
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "process {}, marque {what}", std::process::id());
        let _ = file.flush();
        Ok(ProjectLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_linked_cache() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(".marque-cache")).unwrap();
            let e = ProjectLock::acquire(dir.path(), "build", &|_| {})
                .err()
                .unwrap();
            assert!(e.contains(".marque-cache is a symbolic link"), "{e}");
        }
    }
}
