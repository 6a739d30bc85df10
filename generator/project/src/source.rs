//! The one way marque reads its sources. Every source file is read by
//! [`Sources::read`] (or one of its wrappers), which refuses a path whose real location,
//! after symbolic links, is outside the project folder, refuses files over the size
//! limit of their kind (see [`crate::limits`]) before reading them, and reports text
//! that is not UTF-8 at its line and column. Links that stay inside the project are
//! followed.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::RwLock;

use crate::diag::Diagnostic;
use crate::limits::Limit;

/// Why a source could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// There is no such file.
    Missing,
    /// The path is, or goes through, a link whose target is outside the project.
    Outside {
        /// The link, relative to the project root.
        link: PathBuf,
        /// Where it leads.
        target: PathBuf,
    },
    /// The file is larger than its kind allows.
    TooLarge {
        /// Its size in bytes.
        bytes: u64,
        /// The limit.
        limit: Limit,
    },
    /// A folder (or a device) where a file was expected.
    NotAFile,
    /// Text that is not UTF-8, at this 1-based line and column.
    NotUtf8 {
        /// Line of the first bad byte.
        line: usize,
        /// Column (in characters) of the first bad byte.
        column: usize,
    },
    /// Any other I/O error.
    Io(std::io::Error),
}

impl ReadError {
    /// What to tell the user.
    pub fn message(&self) -> String {
        match self {
            ReadError::Missing => "the file is missing".into(),
            ReadError::Outside { link, target } => format!(
                "'{}' is a link to '{}', outside the project folder: marque reads only files inside the project (copy the file in instead)",
                link.display(),
                target.display()
            ),
            ReadError::TooLarge { bytes, limit } => format!(
                "the file is {}, over the limit of {} for {} (see \"Safety\" in the README)",
                human_size(*bytes),
                human_size(limit.bytes),
                limit.what
            ),
            ReadError::NotAFile => {
                "this is not a plain file (a folder, a pipe or a device): marque reads files".into()
            }
            ReadError::NotUtf8 { .. } => {
                "the file is not UTF-8 text: save it as UTF-8 (an editor's \"encoding\" setting)"
                    .into()
            }
            ReadError::Io(e) => format!("cannot read: {e}"),
        }
    }

    /// The error as a diagnostic of `path` (relative to the project root), placed at the
    /// bad byte for text that is not UTF-8.
    pub fn diagnostic(&self, path: impl AsRef<Path>) -> Diagnostic {
        let d = Diagnostic::error(path, self.message());
        match self {
            ReadError::NotUtf8 { line, column } => d.at(*line, *column),
            _ => d,
        }
    }
}

/// `1.5 MiB`, `12 KiB`, `300 bytes`.
pub fn human_size(bytes: u64) -> String {
    const K: u64 = 1024;
    if bytes >= K * K * K {
        format!("{:.1} GiB", bytes as f64 / (K * K * K) as f64)
    } else if bytes >= K * K {
        format!("{:.1} MiB", bytes as f64 / (K * K) as f64)
    } else if bytes >= K {
        format!("{} KiB", bytes / K)
    } else {
        format!("{bytes} bytes")
    }
}

/// The 1-based line and column of byte `at` of `bytes`.
fn position(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, column)
}

/// `bytes` as text, or the position of the first byte that is not UTF-8.
pub fn utf8(bytes: Vec<u8>) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let (line, column) = position(e.as_bytes(), at);
        ReadError::NotUtf8 { line, column }
    })
}

/// A file found by [`Sources::walk`].
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path relative to the project root.
    pub rel: PathBuf,
    /// Path relative to the folder walked, `/`-separated.
    pub name: String,
    /// Where to read it: a plain file the walk found inside the project.
    abs: PathBuf,
}

/// The project folder, as a reader of its files.
#[derive(Debug)]
pub struct Sources {
    root: PathBuf,
    real_root: PathBuf,
    /// Folders already found to lie inside the project (after links), so that reading
    /// ten thousand pages resolves each folder once.
    dirs: RwLock<HashMap<std::ffi::OsString, bool>>,
    /// The characters of the texts read (see [`Sources::note_text`]).
    chars: std::sync::Mutex<crate::charset::CharSet>,
}

impl Sources {
    /// The project at `root`; fails when the folder does not exist.
    pub fn new(root: &Path) -> std::io::Result<Sources> {
        Ok(Sources {
            root: root.to_path_buf(),
            real_root: root.canonicalize()?,
            dirs: RwLock::new(HashMap::new()),
            chars: Default::default(),
        })
    }

    /// Counts the characters of a text the site may show (the web fonts are subset
    /// to them). [`Sources::read_text`] counts what it reads; pages, which keep their
    /// own, are read with [`Sources::read_entry_text`], which does not.
    pub fn note_text(&self, text: &str) {
        if let Ok(mut c) = self.chars.lock() {
            c.add_text(text);
        }
    }

    /// The characters of the texts counted so far.
    pub fn text_chars(&self) -> crate::charset::CharSet {
        self.chars.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// The project folder as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The project folder after links.
    pub fn real_root(&self) -> &Path {
        &self.real_root
    }

    fn relative<'a>(&self, abs: &'a Path) -> &'a Path {
        abs.strip_prefix(&self.root).unwrap_or(abs)
    }

    fn outside(&self, abs: &Path, real: PathBuf) -> ReadError {
        // Name the first component that is a link: that is what the user must fix.
        let rel = self.relative(abs);
        let mut link = self.root.clone();
        for c in rel.components() {
            link.push(c);
            if std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()) {
                break;
            }
        }
        ReadError::Outside {
            link: self.relative(&link).to_path_buf(),
            target: real,
        }
    }

    /// True when the folder `dir` (absolute, under the root) is inside the project
    /// after links.
    fn dir_inside(&self, dir: &Path) -> Result<(), ReadError> {
        if let Ok(d) = self.dirs.read()
            && let Some(&ok) = d.get(dir.as_os_str())
        {
            return if ok {
                Ok(())
            } else {
                Err(self.outside(dir, dir.canonicalize().unwrap_or_default()))
            };
        }
        let real = match dir.canonicalize() {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::Missing),
            Err(e) => return Err(ReadError::Io(e)),
        };
        let ok = real.starts_with(&self.real_root);
        if let Ok(mut d) = self.dirs.write() {
            d.insert(dir.as_os_str().to_owned(), ok);
        }
        if ok {
            Ok(())
        } else {
            Err(self.outside(dir, real))
        }
    }

    /// The absolute path of `rel` (relative to the root, no `..`) after checking that
    /// it, and every folder on the way, stays inside the project after links.
    pub fn locate(&self, rel: impl AsRef<Path>) -> Result<PathBuf, ReadError> {
        let rel = rel.as_ref();
        // (Compared as bytes: a path's components are slow to walk, and this runs for
        // every page.)
        let bytes = rel.as_os_str().as_encoded_bytes();
        let climbs = bytes == b".."
            || bytes.starts_with(b"../")
            || bytes.ends_with(b"/..")
            || bytes.windows(4).any(|w| w == b"/../");
        if rel.has_root() || climbs {
            return Err(ReadError::Outside {
                link: rel.to_path_buf(),
                target: rel.to_path_buf(),
            });
        }
        let abs = self.root.join(rel);
        if let Some(parent) = abs.parent()
            && parent.as_os_str() != self.root.as_os_str()
        {
            self.dir_inside(parent)?;
        }
        match std::fs::symlink_metadata(&abs) {
            Ok(m) if m.file_type().is_symlink() => match abs.canonicalize() {
                Ok(real) if real.starts_with(&self.real_root) => Ok(abs),
                Ok(real) => Err(self.outside(&abs, real)),
                // A link to nothing: say where it leads.
                Err(_) => {
                    let target = std::fs::read_link(&abs).unwrap_or_default();
                    let target = abs.parent().unwrap_or(&self.root).join(target);
                    if std::path::absolute(&target)
                        .is_ok_and(|t| t.starts_with(&self.real_root) || t.starts_with(&self.root))
                    {
                        Err(ReadError::Missing)
                    } else {
                        Err(self.outside(&abs, target))
                    }
                }
            },
            Ok(_) => Ok(abs),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ReadError::Missing),
            Err(e) => Err(ReadError::Io(e)),
        }
    }

    /// True when `rel` is a file inside the project (a link out of it is not).
    pub fn is_file(&self, rel: impl AsRef<Path>) -> bool {
        self.locate(rel).is_ok_and(|p| p.is_file())
    }

    /// True when `rel` is a folder inside the project.
    pub fn is_dir(&self, rel: impl AsRef<Path>) -> bool {
        self.locate(rel).is_ok_and(|p| p.is_dir())
    }

    /// Reads the file `rel` (relative to the root), at most `limit` bytes of it.
    pub fn read(&self, rel: impl AsRef<Path>, limit: Limit) -> Result<Vec<u8>, ReadError> {
        let abs = self.locate(rel)?;
        read_limited(&abs, limit)
    }

    /// Reads a file that [`Sources::walk`] found (and so checked), at most `limit`
    /// bytes of it.
    pub fn read_entry(&self, entry: &Entry, limit: Limit) -> Result<Vec<u8>, ReadError> {
        read_open(&entry.abs, limit)
    }

    /// Reads a file that [`Sources::walk`] found as UTF-8 text.
    pub fn read_entry_text(&self, entry: &Entry, limit: Limit) -> Result<String, ReadError> {
        utf8(self.read_entry(entry, limit)?)
    }

    /// Reads the file `rel` as UTF-8 text.
    pub fn read_text(&self, rel: impl AsRef<Path>, limit: Limit) -> Result<String, ReadError> {
        let text = utf8(self.read(rel, limit)?)?;
        self.note_text(&text);
        Ok(text)
    }

    /// The names in the folder `rel`, sorted, without hidden ones (starting with `.`).
    /// A missing folder has none.
    pub fn list(&self, rel: impl AsRef<Path>) -> Result<Vec<String>, ReadError> {
        let rel = rel.as_ref();
        let abs = match self.locate(rel) {
            Ok(a) => a,
            Err(ReadError::Missing) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        if !abs.is_dir() {
            return Ok(Vec::new());
        }
        self.dir_inside(&abs)?;
        let mut names: Vec<String> = std::fs::read_dir(&abs)
            .map_err(ReadError::Io)?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Every file under the folder `rel`, sorted by path, following links that stay
    /// inside the project; hidden files and folders (`.x`) and editor backups (`x~`)
    /// are skipped. A link out of the project is an error in the list, and its target
    /// is not read.
    pub fn walk(&self, rel: impl AsRef<Path>) -> Vec<Result<Entry, Diagnostic>> {
        let rel = rel.as_ref();
        let mut out = Vec::new();
        let abs = match self.locate(rel) {
            Ok(a) if a.is_dir() => a,
            Ok(_) | Err(ReadError::Missing) => return out,
            Err(e) => {
                out.push(Err(e.diagnostic(rel)));
                return out;
            }
        };
        if let Err(e) = self.dir_inside(&abs) {
            out.push(Err(e.diagnostic(rel)));
            return out;
        }
        let mut entered: Vec<PathBuf> = abs.canonicalize().into_iter().collect();
        self.walk_into(&abs, "", &mut entered, &mut out);
        out
    }

    /// Walks the folder `dir` (its files named under `prefix`) without following links
    /// (the folder entries tell files from folders, with no call per file); a link is
    /// checked, then its file taken or its folder walked in turn. `entered` holds the
    /// real folders reached through links on the way (a bound on chains of links).
    fn walk_into(
        &self,
        dir: &Path,
        prefix: &str,
        entered: &mut Vec<PathBuf>,
        out: &mut Vec<Result<Entry, Diagnostic>>,
    ) {
        let mut it = walkdir::WalkDir::new(dir)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = it.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let at = err
                        .path()
                        .map(|p| self.relative(p).to_path_buf())
                        .unwrap_or_else(|| self.relative(dir).to_path_buf());
                    out.push(Err(Diagnostic::error(at, format!("cannot read: {err}"))));
                    continue;
                }
            };
            let inner = entry
                .path()
                .strip_prefix(dir)
                .unwrap_or(entry.path())
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if inner.is_empty() {
                continue;
            }
            let name = if prefix.is_empty() {
                inner
            } else {
                format!("{prefix}/{inner}")
            };
            let last = name.rsplit('/').next().unwrap_or("");
            if last.starts_with('.') || last.ends_with('~') {
                if entry.file_type().is_dir() {
                    it.skip_current_dir();
                }
                continue;
            }
            let ft = entry.file_type();
            if ft.is_file() {
                out.push(Ok(Entry {
                    rel: self.relative(entry.path()).to_path_buf(),
                    name,
                    abs: entry.path().to_path_buf(),
                }));
                continue;
            }
            if !ft.is_symlink() {
                continue;
            }
            let shown = self.relative(entry.path()).to_path_buf();
            match entry.path().canonicalize() {
                Ok(real) if !real.starts_with(&self.real_root) => {
                    out.push(Err(self.outside(entry.path(), real).diagnostic(&shown)));
                }
                Ok(real) if real.is_dir() => {
                    // A link to a folder that holds it would be walked forever.
                    let here = entry.path().parent().and_then(|p| p.canonicalize().ok());
                    if here.is_some_and(|h| h.starts_with(&real)) || entered.len() > 40 {
                        out.push(Err(Diagnostic::error(
                            shown,
                            "this link leads back to a folder that holds it (a loop)",
                        )));
                        continue;
                    }
                    entered.push(real);
                    self.walk_into(entry.path(), &name, entered, out);
                    entered.pop();
                }
                Ok(real) if real.is_file() => out.push(Ok(Entry {
                    rel: shown,
                    name,
                    abs: entry.path().to_path_buf(),
                })),
                // A link to nothing, or to a pipe or a device: nothing to read.
                _ => {}
            }
        }
    }
}

/// Reads at most `limit` bytes of the file at `abs` (any path: the partner logo named
/// on the command line is one), refusing a larger file before reading it.
pub fn read_limited(abs: &Path, limit: Limit) -> Result<Vec<u8>, ReadError> {
    // A pipe or a device would block or never end: only plain files are opened.
    match std::fs::metadata(abs) {
        Ok(m) if !m.is_file() => return Err(ReadError::NotAFile),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(e) => return Err(ReadError::Io(e)),
    }
    read_open(abs, limit)
}

/// Opens and reads a file known to be a plain file, at most `limit` bytes of it.
fn read_open(abs: &Path, limit: Limit) -> Result<Vec<u8>, ReadError> {
    let file = match std::fs::File::open(abs) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(e) => return Err(ReadError::Io(e)),
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > limit.bytes {
        return Err(ReadError::TooLarge {
            bytes: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file that grows while it is read stops at the limit all the same.
    file.take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit.bytes {
        return Err(ReadError::TooLarge {
            bytes: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Joins `rel` (a path written in a source file) to `base` inside `root`, refusing
/// absolute paths and `..` that climbs out of `root`. Links are checked when the file
/// is read ([`Sources::read`]).
pub fn resolve_inside(root: &Path, base: &Path, rel: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    if p.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') || p.has_root() {
        return Err(format!(
            "'{rel}' is an absolute path: use a path relative to the project"
        ));
    }
    let mut out = base.to_path_buf();
    for c in p.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || !out.starts_with(root) {
                    return Err(format!("'{rel}' leaves the project folder"));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "'{rel}' is an absolute path: use a path relative to the project"
                ));
            }
        }
    }
    if !out.starts_with(root) {
        return Err(format!("'{rel}' leaves the project folder"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits;

    #[test]
    fn rejects_escapes() {
        let root = Path::new("/proj");
        assert!(resolve_inside(root, root, "../../etc/passwd").is_err());
        assert!(resolve_inside(root, root, "/etc/passwd").is_err());
        assert!(resolve_inside(root, &root.join("a"), "../b").is_ok());
        assert!(resolve_inside(root, root, "a/../../x").is_err());
    }

    #[test]
    fn can_place_bad_bytes() {
        let e = utf8(b"ok\ncaf\xe9\n".to_vec()).unwrap_err();
        assert!(
            matches!(e, ReadError::NotUtf8 { line: 2, column: 4 }),
            "{e:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn rejects_links_out_and_follows_links_in() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "canary").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/in.txt"), "inside").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.join("a/file-out")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("a/dir-out")).unwrap();
        std::os::unix::fs::symlink(root.join("a/b/in.txt"), root.join("a/file-in")).unwrap();
        std::os::unix::fs::symlink("b", root.join("a/dir-in")).unwrap();
        let s = Sources::new(root).unwrap();
        let l = limits::YAML;
        assert_eq!(s.read_text("a/file-in", l).unwrap(), "inside");
        assert_eq!(s.read_text("a/dir-in/in.txt", l).unwrap(), "inside");
        for bad in ["a/file-out", "a/dir-out/secret"] {
            let e = s.read(bad, l).unwrap_err();
            assert!(matches!(e, ReadError::Outside { .. }), "{bad}: {e:?}");
        }
        let e = s.read("a/dir-out/secret", l).unwrap_err();
        assert!(
            e.message().starts_with("'a/dir-out' is a link to"),
            "{}",
            e.message()
        );
        let walked = s.walk("a");
        let files: Vec<String> = walked
            .iter()
            .filter_map(|e| e.as_ref().ok().map(|e| e.name.clone()))
            .collect();
        assert_eq!(files, ["b/in.txt", "dir-in/in.txt", "file-in"]);
        let errors: Vec<String> = walked
            .iter()
            .filter_map(|e| e.as_ref().err().map(|d| d.to_string()))
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().all(|e| !e.contains("canary")));
        // A link back to a folder that holds it is an error, not an endless walk.
        std::os::unix::fs::symlink("..", root.join("a/b/up")).unwrap();
        let walked = s.walk("a");
        assert!(
            walked
                .iter()
                .any(|e| e.as_ref().is_err_and(|d| d.message.contains("a loop"))),
            "{walked:?}"
        );
    }

    #[test]
    fn refuses_files_over_the_limit_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big"), vec![b'x'; 2048]).unwrap();
        let s = Sources::new(dir.path()).unwrap();
        let small = Limit {
            bytes: 1024,
            what: "a test file",
        };
        let e = s.read("big", small).unwrap_err();
        assert_eq!(
            e.message(),
            "the file is 2 KiB, over the limit of 1 KiB for a test file (see \"Safety\" in the README)"
        );
    }
}
