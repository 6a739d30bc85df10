//! The output folder: where marque may write, and how it replaces what was there.
//!
//! - An output may not be the project folder, hold it, or lie inside a source folder
//!   (`brand/ narrative/ kits/ themes/`, the cache, `.git`).
//! - marque marks every folder it makes with a [`MARKER`] file and replaces only marked
//!   folders (or empty ones); replacing anything else needs `--force`.
//! - A build fills a staging folder beside the output with the new site (unchanged
//!   files are hard links to the old ones), then swaps the two in one atomic rename
//!   (`RENAME_EXCHANGE` on Linux): after a kill at any point, the output folder holds
//!   the old site or the new one, never a mix, and the next build removes what a dead
//!   build left ([`clean_debris`]).

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::state::OutputRecord;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};

/// The file that marks a folder as marque's own.
pub const MARKER: &str = ".marque-output";
const MARKER_TEXT: &str = "This folder was made by marque, which replaces it on every build.\nKeep nothing of your own in it.\n";

/// Folders of a project that hold sources or marque's state: no output may lie in them.
pub const SOURCE_DIRS: &[&str] = &[
    "brand",
    "narrative",
    "kits",
    "themes",
    ".marque-cache",
    ".git",
];

/// `p` made absolute, with links resolved where the path exists and `.`/`..` resolved
/// by name in the part that does not exist yet.
pub fn real_path(p: &Path) -> std::io::Result<PathBuf> {
    let abs = std::path::absolute(p)?;
    let mut existing = abs.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    let real = loop {
        match existing.canonicalize() {
            Ok(r) => break r,
            Err(_) => match existing.file_name() {
                Some(n) => {
                    rest.push(n.to_os_string());
                    existing.pop();
                }
                // `..` or the root: resolve by name from here.
                None => {
                    if !existing.pop() {
                        break existing;
                    }
                    rest.push("..".into());
                }
            },
        }
    };
    let mut out = real;
    for c in rest.iter().rev() {
        match Path::new(c).components().next() {
            Some(Component::ParentDir) => {
                out.pop();
            }
            Some(Component::CurDir) | None => {}
            Some(_) => out.push(c),
        }
    }
    Ok(out)
}

/// The text of `dir`'s marker: a plain file (not a link or a pipe) of a few lines.
fn marker_text(dir: &Path) -> Option<String> {
    let path = dir.join(MARKER);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > 4096 {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// True when `dir` is a folder marque made (it holds the marker).
pub fn is_marked(dir: &Path) -> bool {
    marker_text(dir).is_some()
}

/// The digest of the site a folder holds, as its marker says (written by the build
/// that made it, in the same atomic step as the site).
pub fn marked_digest(dir: &Path) -> Option<String> {
    marker_text(dir)?
        .lines()
        .find_map(|l| l.strip_prefix("site: "))
        .map(str::to_string)
}

/// Writes the marker of `dir`, saying which site it holds (a new file: a marker is
/// never shared with another folder).
fn mark(dir: &Path, digest: Option<&str>) -> Result<(), String> {
    let path = dir.join(MARKER);
    let _ = std::fs::remove_file(&path);
    let text = match digest {
        Some(d) => format!("{MARKER_TEXT}site: {d}\n"),
        None => MARKER_TEXT.to_string(),
    };
    std::fs::write(&path, text).map_err(|e| format!("cannot write in {}: {e}", dir.display()))
}

/// Where an output goes and what may be replaced there.
pub struct OutputRequest<'a> {
    /// The project folder.
    pub root: &'a Path,
    /// The output folder.
    pub output: &'a Path,
    /// The default output, for messages (`output/`).
    pub default: &'a str,
    /// The output is the default one, inside the project: it must stay there (a link
    /// on the way may not lead it elsewhere).
    pub inside: bool,
    /// `--force`: replace a folder marque did not make.
    pub force: bool,
}

/// Checks that a build of the project at `req.root` may replace `req.output`, and
/// returns the output's absolute path. `owned` says whether marque's own records show
/// it built there (the build state), for folders made before the marker existed.
pub fn check_output(req: &OutputRequest, owned: &dyn Fn(&Path) -> bool) -> Result<PathBuf, String> {
    let OutputRequest {
        root,
        output,
        default,
        inside,
        force,
    } = *req;
    let shown = output.display();
    let real_root = root
        .canonicalize()
        .map_err(|e| format!("cannot read the project folder {}: {e}", root.display()))?;
    let real_out = real_path(output).map_err(|e| format!("{shown}: {e}"))?;
    if real_out == real_root {
        return Err(format!(
            "the output folder '{shown}' is the project folder: marque replaces its output folder whole, sources included; choose another one (the default is {default})"
        ));
    }
    if real_root.starts_with(&real_out) {
        return Err(format!(
            "the output folder '{shown}' holds the project folder: marque replaces its output folder whole, sources included; choose a folder outside the sources (the default is {default})"
        ));
    }
    if inside && !real_out.starts_with(&real_root) {
        return Err(format!(
            "the output folder '{shown}' leads out of the project through a link (to {}): remove the link, or name the folder with --output",
            real_out.display()
        ));
    }
    for d in SOURCE_DIRS {
        let src = root.join(d);
        let real_src = src.canonicalize().unwrap_or_else(|_| real_root.join(d));
        if real_out.starts_with(&real_src) {
            return Err(format!(
                "the output folder '{shown}' lies inside {d}/, which holds the project's sources or marque's state: choose a folder outside brand/, narrative/, kits/, themes/, .marque-cache/ and .git/ (the default is {default})"
            ));
        }
        if real_src.starts_with(&real_out) {
            return Err(format!(
                "the output folder '{shown}' holds {d}/, which a link leads to: marque replaces its output folder whole, sources included; choose another one (the default is {default})"
            ));
        }
    }
    let abs = std::path::absolute(output).map_err(|e| format!("{shown}: {e}"))?;
    match std::fs::symlink_metadata(&abs) {
        Err(_) => {}
        Ok(m) if m.file_type().is_symlink() => {
            return Err(format!(
                "the output folder '{shown}' is a symbolic link: give the folder itself (marque replaces its output folder, and would replace the link)"
            ));
        }
        Ok(m) if !m.is_dir() => {
            return Err(format!(
                "'{shown}' exists and is not a folder: choose another output folder"
            ));
        }
        Ok(_) => {
            let empty = std::fs::read_dir(&abs)
                .map(|mut r| r.next().is_none())
                .unwrap_or(false);
            if !empty && !force && !is_marked(&abs) && !owned(&abs) {
                return Err(format!(
                    "refusing to replace '{shown}': it is not empty and marque did not make it (it has no {MARKER} file). Choose another folder, empty this one, or pass --force to replace it and everything in it"
                ));
            }
        }
    }
    Ok(abs)
}

fn sibling(output: &Path, kind: &str, pid: u32) -> Result<PathBuf, String> {
    let parent = output.parent().ok_or("the output folder has no parent")?;
    let name = output
        .file_name()
        .ok_or("the output folder has no name")?
        .to_string_lossy();
    Ok(parent.join(format!(".{name}.marque-{kind}-{pid}")))
}

/// Whether process `pid` is running (on Linux; elsewhere assume it is not, which only
/// matters for a folder left beside the output by a dead build).
fn alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes the staging folders that dead builds left beside `output`, and puts back
/// the old site if a build died between the two renames of a swap. Only folders that
/// carry the marker are touched.
pub fn clean_debris(output: &Path) -> Vec<String> {
    let mut done = Vec::new();
    let (Some(parent), Some(name)) = (output.parent(), output.file_name()) else {
        return done;
    };
    let name = name.to_string_lossy();
    // Exactly `.<name>.marque-staging-<pid>` or `.<name>.marque-old-<pid>`: the debris of
    // this output, not of another whose name starts the same way.
    let is_debris = |n: &str| {
        ["staging", "old"].iter().any(|kind| {
            n.strip_prefix(&format!(".{name}.marque-{kind}-"))
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let Ok(rd) = std::fs::read_dir(parent) else {
        return done;
    };
    let mut found: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| is_debris(&n.to_string_lossy()))
        })
        .collect();
    found.sort();
    for p in found {
        let n = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let pid = n.rsplit('-').next().and_then(|x| x.parse::<u32>().ok());
        if pid.is_none_or(alive)
            || std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink())
            || !is_marked(&p)
        {
            continue;
        }
        if n.contains(".marque-old-") && std::fs::symlink_metadata(output).is_err() {
            if std::fs::rename(&p, output).is_ok() {
                done.push(format!("put back the previous site from {n}"));
            }
            continue;
        }
        if std::fs::remove_dir_all(&p).is_ok() {
            done.push(format!("removed {n}, left by a build that did not finish"));
        }
    }
    done
}

/// A test-only hook: a build stops dead (as if killed) at the named point when
/// `MARQUE_TEST_CRASH_AT` says so, so that tests can check what a kill leaves.
pub fn crash_point(name: &str) {
    if std::env::var("MARQUE_TEST_CRASH_AT").is_ok_and(|v| v == name) {
        std::process::exit(137);
    }
}

/// A test-only hook: rendering the output named by `MARQUE_TEST_PANIC` panics, so that
/// tests can check that a bug of marque's fails one build cleanly.
pub fn panic_point(output: &str) {
    // Read once: this runs for every page rendered.
    static ASKED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let asked = ASKED.get_or_init(|| std::env::var("MARQUE_TEST_PANIC").ok());
    if asked.as_deref() == Some(output) {
        panic!("MARQUE_TEST_PANIC asked for a panic while rendering {output}");
    }
}

/// Puts the folder `staged` at `target` in one step: exchanges the two when `target`
/// exists (the old one ends up at `staged`, for the caller to remove), else renames.
/// Where the system cannot exchange, falls back to two renames through `old`, which
/// [`clean_debris`] puts back if a build dies between them.
fn swap(staged: &Path, target: &Path, old: &Path) -> Result<bool, String> {
    if std::fs::symlink_metadata(target).is_err() {
        std::fs::rename(staged, target).map_err(|e| e.to_string())?;
        return Ok(false);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        // (Tests turn the exchange off to try the fallback.)
        if std::env::var_os("MARQUE_TEST_NO_EXCHANGE").is_none()
            && renameat_with(CWD, staged, CWD, target, RenameFlags::EXCHANGE).is_ok()
        {
            return Ok(true);
        }
    }
    std::fs::rename(target, old).map_err(|e| e.to_string())?;
    crash_point("between-renames");
    if let Err(e) = std::fs::rename(staged, target) {
        let _ = std::fs::rename(old, target);
        return Err(e.to_string());
    }
    let _ = std::fs::remove_dir_all(old);
    Ok(false)
}

/// The identity of a folder on its file system (device and inode): a folder a state
/// names by its identity is the very folder marque made, not one put in its place
/// (from a checkout, a copy or an archive). `None` where the system has none.
pub fn folder_id(dir: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::symlink_metadata(dir).ok()?;
        m.is_dir().then(|| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// The spare copy of the site: the site before the one in the output folder, kept in
/// the cache on the output's file system. A build updates it by what changed since
/// and swaps it in, instead of linking every file of a large site into a new folder.
pub struct Spare {
    /// Its folder (`.marque-cache/spare/<output>`).
    pub dir: PathBuf,
    /// What it holds (path → content hash), when it is whole: its marker carries the
    /// digest of the records and it is the folder the state names.
    pub files: Option<BTreeMap<String, crate::state::Hash32>>,
}

impl Spare {
    /// The spare of `output` in the cache `cache`, when both are on one file system;
    /// `recorded` is what the build state says it holds and `id` the folder it names.
    /// A spare that is not whole (a build died while updating it) is removed; a
    /// folder at its place that marque did not make is left alone and not used.
    pub fn find(
        cache: &Path,
        output: &Path,
        recorded: &BTreeMap<String, OutputRecord>,
        id: Option<(u64, u64)>,
    ) -> Option<Spare> {
        let key = blake3::hash(output.to_string_lossy().as_bytes()).to_hex();
        let dir = cache.join("spare").join(&key[..16]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            std::fs::create_dir_all(dir.parent()?).ok()?;
            let here = std::fs::metadata(dir.parent()?).ok()?.dev();
            let there = std::fs::metadata(output.parent()?).ok()?.dev();
            if here != there {
                return None;
            }
        }
        #[cfg(not(unix))]
        return None;
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if !m.is_dir() => return None,
            Ok(_) if !is_marked(&dir) => return None,
            _ => {}
        }
        let whole = !recorded.is_empty()
            && id.is_some()
            && folder_id(&dir) == id
            && marked_digest(&dir).is_some_and(|d| d == crate::state::digest(recorded));
        if !whole && is_marked(&dir) {
            let _ = std::fs::remove_dir_all(&dir);
        }
        Some(Spare {
            files: whole.then(|| {
                recorded
                    .iter()
                    .map(|(k, r)| (k.clone(), r.content))
                    .collect()
            }),
            dir,
        })
    }
}

/// True when every folder on the way to `rel` under `base` that exists is a real
/// folder (not a link); `seen` remembers the folders found so.
fn real_folders_in(base: &Path, rel: &str, seen: &RwLock<HashSet<String>>) -> bool {
    for (i, _) in rel.match_indices('/') {
        let dir = &rel[..i];
        if seen.read().is_ok_and(|d| d.contains(dir)) {
            continue;
        }
        match std::fs::symlink_metadata(base.join(dir)) {
            Ok(m) if m.is_dir() => {
                if let Ok(mut d) = seen.write() {
                    d.insert(dir.to_string());
                }
            }
            Ok(m) if m.file_type().is_symlink() => return false,
            // A file where a folder is wanted is replaced; past a missing one, nothing
            // is there yet.
            _ => return true,
        }
    }
    true
}

/// What a build's commit did with the folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// The output already held the new site: nothing was moved.
    Unchanged,
    /// The new site is in place, and the spare (this folder) holds the site it
    /// replaced.
    SpareKept(PathBuf),
    /// The new site is in place; there is no spare.
    NoSpare,
}

/// The new contents of a folder, staged beside it, then swapped in whole.
pub struct Staging {
    dir: PathBuf,
    old: PathBuf,
    output: PathBuf,
    /// Files of the previous output to keep, linked in at commit.
    kept: Mutex<Vec<String>>,
    written: AtomicBool,
    /// Folders of the output found to be real folders (not links), by path.
    real_dirs: RwLock<HashSet<String>>,
    /// Files the records promised in the output that were not there as promised.
    gaps: Mutex<Vec<String>>,
}

impl Staging {
    /// An empty staging folder beside `output` (an absolute path that
    /// [`check_output`] accepted).
    pub fn create(output: &Path) -> Result<Staging, String> {
        let parent = output.parent().ok_or("the output folder has no parent")?;
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let pid = std::process::id();
        let dir = sibling(output, "staging", pid)?;
        let old = sibling(output, "old", pid)?;
        if is_marked(&dir) {
            std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
        }
        std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        mark(&dir, None)?;
        Ok(Staging {
            dir,
            old,
            output: output.to_path_buf(),
            kept: Mutex::new(Vec::new()),
            written: AtomicBool::new(false),
            real_dirs: RwLock::new(HashSet::new()),
            gaps: Mutex::new(Vec::new()),
        })
    }

    /// The folder being replaced.
    pub fn output(&self) -> &Path {
        &self.output
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
        self.written.store(true, Ordering::Relaxed);
        std::fs::write(self.target(rel)?, bytes)
    }

    /// The bytes of `rel` in the new site: staged this time, else the previous
    /// output's (reached through real folders only, and never larger than a page).
    pub fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        let staged = self.dir.join(rel);
        let from = if std::fs::symlink_metadata(&staged).is_ok_and(|m| m.is_file()) {
            staged
        } else if self.real_folders(rel) {
            self.output.join(rel)
        } else {
            return Err(std::io::Error::other(
                "it is reached through a link in the output folder",
            ));
        };
        let meta = std::fs::symlink_metadata(&from)?;
        if !meta.is_file() || meta.len() > crate::search::MAX_PAGE {
            return Err(std::io::Error::other("not a plain file of a page's size"));
        }
        std::fs::read(&from)
    }

    /// Keeps the previous output file `rel` when it is there with `size` bytes (it is
    /// linked into the new folder at commit). False when it must be written.
    pub fn reuse(&self, rel: &str, size: u64) -> bool {
        match std::fs::symlink_metadata(self.output.join(rel)) {
            Ok(m) if m.is_file() && m.len() == size => {}
            _ => {
                if let Ok(mut g) = self.gaps.lock() {
                    g.push(rel.to_string());
                }
                return false;
            }
        }
        self.keep(rel);
        true
    }

    /// Puts the previous output file `rel` at `to` (a hard link, so that it keeps its
    /// timestamp; a copy where the file system has none). Every folder on the way must
    /// be a real folder: a link put in the output must not make a build publish what
    /// it points to. (Checked here, where a file is taken, not in [`Staging::reuse`]:
    /// a build that changes nothing takes nothing.)
    fn take(&self, rel: &str, to: &Path) -> Result<(), String> {
        let from = self.output.join(rel);
        let plain =
            self.real_folders(rel) && std::fs::symlink_metadata(&from).is_ok_and(|m| m.is_file());
        if !plain {
            return Err(format!(
                "{rel} is reached through a link in the output folder: marque follows no link there; remove the link (or the output folder) and build again"
            ));
        }
        std::fs::hard_link(&from, to)
            .or_else(|_| std::fs::copy(&from, to).map(|_| ()))
            .map_err(|e| format!("cannot keep {rel}: {e}"))
    }

    /// True when every folder on the way to `rel` in the output is a real folder.
    fn real_folders(&self, rel: &str) -> bool {
        real_folders_in(&self.output, rel, &self.real_dirs)
    }

    /// The files the output folder should have held as the records say, but lacked or
    /// held with another size: the site this build replaces lacks them too.
    pub fn live_gaps(&self) -> Vec<String> {
        self.gaps.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Keeps the previous output file `rel` as it is.
    pub fn keep(&self, rel: &str) {
        if let Ok(mut k) = self.kept.lock() {
            k.push(rel.to_string());
        }
    }

    /// True when something new was staged.
    pub fn wrote(&self) -> bool {
        self.written.load(Ordering::Relaxed)
    }

    /// Links the kept files into the staging folder (same inode: they keep their
    /// timestamps), in parallel.
    fn link_kept(&self) -> Result<(), String> {
        use rayon::prelude::*;
        let kept = self.kept.lock().map(|k| k.clone()).unwrap_or_default();
        let mut dirs: Vec<PathBuf> = kept
            .iter()
            .filter_map(|r| self.dir.join(r).parent().map(Path::to_path_buf))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        dirs.sort();
        for d in &dirs {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        kept.par_iter()
            .try_for_each(|rel| self.take(rel, &self.dir.join(rel)))
    }

    /// Puts the staged folder in place of the output when something changed (`changed`
    /// also counts files that are gone); else throws it away and leaves the output as
    /// it is.
    pub fn commit(self, changed: bool) -> Result<(), String> {
        let exists = std::fs::symlink_metadata(&self.output).is_ok();
        if exists && !changed && !self.wrote() && is_marked(&self.output) {
            self.discard();
            return Ok(());
        }
        crash_point("staged");
        if let Err(e) = self.link_kept() {
            self.discard();
            return Err(e);
        }
        crash_point("linked");
        match swap(&self.dir, &self.output, &self.old) {
            Ok(true) => {
                crash_point("swapped");
                // The old site is where the staging folder was.
                let _ = std::fs::remove_dir_all(&self.dir);
                Ok(())
            }
            Ok(false) => Ok(()),
            Err(e) => {
                self.discard();
                Err(e)
            }
        }
    }

    /// Puts a build's new site in place. `next` is every output of the new site, `live`
    /// what the output folder holds when its marker vouches for it, `spare` the spare
    /// copy. When the output already holds the new site, nothing moves. Else, when the
    /// spare is whole, it is updated by the difference (files written this time are
    /// moved in, files unchanged since the live site are linked from it, files gone are
    /// removed) and swapped in, and the replaced site becomes the spare; else every
    /// kept file is linked into the staging folder, which is swapped in.
    pub fn commit_site(
        self,
        next: &BTreeMap<String, OutputRecord>,
        live: Option<&BTreeMap<String, OutputRecord>>,
        spare: impl FnOnce() -> Option<Spare>,
    ) -> Result<Committed, String> {
        let digest = crate::state::digest(next);
        let exists = std::fs::symlink_metadata(&self.output).is_ok();
        if exists && !self.wrote() && marked_digest(&self.output).as_deref() == Some(&digest) {
            self.discard();
            return Ok(Committed::Unchanged);
        }
        let spare = spare();
        crash_point("staged");
        let result = match (&spare, live) {
            (
                Some(Spare {
                    dir,
                    files: Some(files),
                }),
                // The spare is the site before a live one the records vouch for.
                Some(_),
            ) if exists => self
                .update_spare(dir, files, next, &digest)
                .map(|()| dir.clone()),
            _ => self
                .link_kept()
                .and_then(|()| mark(&self.dir, Some(&digest)))
                .map(|()| self.dir.clone()),
        };
        let new_tree = match result {
            Ok(t) => t,
            Err(e) => {
                if let Some(s) = spare.as_ref().filter(|s| is_marked(&s.dir)) {
                    let _ = std::fs::remove_dir_all(&s.dir);
                }
                self.discard();
                return Err(e);
            }
        };
        crash_point("linked");
        let exchanged = match swap(&new_tree, &self.output, &self.old) {
            Ok(x) => x,
            Err(e) => {
                self.discard();
                return Err(e);
            }
        };
        if !exchanged {
            self.discard();
            return Ok(Committed::NoSpare);
        }
        crash_point("swapped");
        // The replaced site is where the new tree was: it becomes the spare when its
        // marker vouches for it, and the spare's place is free.
        let kept_in = spare.as_ref().map(|s| s.dir.clone());
        let kept = match (&spare, live) {
            (Some(s), Some(live))
                if marked_digest(&new_tree).as_deref()
                    == Some(crate::state::digest(live).as_str()) =>
            {
                new_tree == s.dir || {
                    if is_marked(&s.dir) {
                        let _ = std::fs::remove_dir_all(&s.dir);
                    }
                    std::fs::rename(&new_tree, &s.dir).is_ok()
                }
            }
            _ => false,
        };
        if !kept {
            let _ = std::fs::remove_dir_all(&new_tree);
        }
        self.discard();
        Ok(match kept_in {
            Some(dir) if kept => Committed::SpareKept(dir),
            _ => Committed::NoSpare,
        })
    }

    /// Turns the spare (the site before `live`) into the new site `next`.
    fn update_spare(
        &self,
        dir: &Path,
        files: &BTreeMap<String, crate::state::Hash32>,
        next: &BTreeMap<String, OutputRecord>,
        digest: &str,
    ) -> Result<(), String> {
        // From now on the spare is not whole: a build that dies here leaves a folder
        // the next one removes.
        mark(dir, None)?;
        // Only what changes is touched, and never through a link found in the way.
        let seen = RwLock::new(HashSet::new());
        let touch = |rel: &str| -> Result<PathBuf, String> {
            if real_folders_in(dir, rel, &seen) {
                Ok(dir.join(rel))
            } else {
                Err(format!(
                    "{rel}: a folder on the way in the spare copy of the site is a link"
                ))
            }
        };
        let mut emptied: Vec<PathBuf> = Vec::new();
        for rel in files.keys().filter(|k| !next.contains_key(*k)) {
            let p = touch(rel)?;
            let _ = std::fs::remove_file(&p);
            emptied.extend(p.parent().map(Path::to_path_buf));
        }
        remove_strays(dir, next);
        self.bring_spare_up_to_date(files, next, &touch)?;
        remove_emptied(dir, emptied);
        mark(dir, Some(digest))
    }

    /// Puts in the spare each file of the new site it lacks or holds in another
    /// version: moved in when written this time, else linked from the live site.
    fn bring_spare_up_to_date(
        &self,
        files: &BTreeMap<String, crate::state::Hash32>,
        next: &BTreeMap<String, OutputRecord>,
        touch: &dyn Fn(&str) -> Result<PathBuf, String>,
    ) -> Result<(), String> {
        let err = |rel: &str, e: std::io::Error| format!("cannot update {rel}: {e}");
        let kept_list = self.kept.lock().map(|k| k.clone()).unwrap_or_default();
        let kept: HashSet<&str> = kept_list.iter().map(String::as_str).collect();
        // The spare's records, walked beside the new site's (both sorted by path).
        let mut in_spare = files.iter().peekable();
        for (rel, rec) in next {
            let mut spare_has = None;
            while let Some((k, c)) = in_spare.peek() {
                match k.as_str().cmp(rel) {
                    std::cmp::Ordering::Less => {
                        in_spare.next();
                    }
                    std::cmp::Ordering::Equal => {
                        spare_has = Some(*c);
                        in_spare.next();
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
            if !kept.contains(rel.as_str()) {
                let to = touch(rel)?;
                // Written this time: move it in (a rename replaces the name, never the
                // content of a file the live site shares).
                ensure_parent(&to).map_err(|e| err(rel, e))?;
                if to.is_dir() {
                    std::fs::remove_dir_all(&to).map_err(|e| err(rel, e))?;
                }
                std::fs::rename(self.dir.join(rel), &to).map_err(|e| err(rel, e))?;
            } else if spare_has != Some(&rec.content) {
                // Kept from the live site (whose file has this content), and the spare
                // has another or none: link the live one.
                let to = touch(rel)?;
                ensure_parent(&to).map_err(|e| err(rel, e))?;
                match std::fs::symlink_metadata(&to) {
                    Ok(m) if m.is_dir() => std::fs::remove_dir_all(&to).map_err(|e| err(rel, e))?,
                    Ok(_) => std::fs::remove_file(&to).map_err(|e| err(rel, e))?,
                    Err(_) => {}
                }
                self.take(rel, &to)?;
            }
        }
        Ok(())
    }

    /// Throws the staging folder away, leaving the output folder as it was.
    pub fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What someone put at the top of a spare by hand (a CNAME, a verification page) is
/// not part of the site: it goes (a link goes as a link).
fn remove_strays(dir: &Path, next: &BTreeMap<String, OutputRecord>) {
    let tops: HashSet<&str> = next
        .keys()
        .map(|k| k.split('/').next().unwrap_or(k))
        .collect();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == MARKER || tops.contains(name.as_str()) {
            continue;
        }
        match e.file_type() {
            Ok(t) if t.is_dir() => {
                let _ = std::fs::remove_dir_all(e.path());
            }
            _ => {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Makes the folder `p` goes in, replacing a file where a folder must be (a page
/// that became a section).
fn ensure_parent(p: &Path) -> std::io::Result<()> {
    match p.parent() {
        Some(parent) if !parent.is_dir() => {
            if parent.exists() {
                std::fs::remove_file(parent)?;
            }
            std::fs::create_dir_all(parent)
        }
        _ => Ok(()),
    }
}

/// Removes the folders below `dir` that the files gone left empty.
fn remove_emptied(dir: &Path, mut emptied: Vec<PathBuf>) {
    emptied.sort();
    emptied.dedup();
    for d in emptied.into_iter().rev() {
        let mut d = Some(d);
        while let Some(x) = d {
            if x == dir || std::fs::remove_dir(&x).is_err() {
                break;
            }
            d = x.parent().map(Path::to_path_buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &Path) -> bool {
        false
    }

    fn check(root: &Path, out: &Path, force: bool) -> Result<PathBuf, String> {
        check_output(
            &OutputRequest {
                root,
                output: out,
                default: "output/",
                inside: false,
                force,
            },
            &never,
        )
    }

    #[test]
    fn refuses_outputs_that_overlap_the_sources() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        for d in ["narrative/fr", "brand", "themes/default", ".git"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("marque.yaml"), "x").unwrap();
        for (out, want) in [
            (root.clone(), "is the project folder"),
            (root.join("."), "is the project folder"),
            (dir.path().to_path_buf(), "holds the project folder"),
            (root.join("narrative"), "lies inside narrative/"),
            (root.join("narrative/fr/x"), "lies inside narrative/"),
            (root.join("themes/default"), "lies inside themes/"),
            (root.join(".marque-cache/out"), "lies inside .marque-cache/"),
            (root.join(".git"), "lies inside .git/"),
            (root.join("narrative/../brand/new"), "lies inside brand/"),
            (root.join("marque.yaml"), "is not a folder"),
        ] {
            let e = check(&root, &out, true).unwrap_err();
            assert!(e.contains(want), "{}: {e}", out.display());
        }
        assert!(check(&root, &root.join("output"), false).is_ok());
    }

    #[test]
    fn replaces_only_marked_or_empty_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        std::fs::create_dir_all(&root).unwrap();
        let out = dir.path().join("site");
        std::fs::create_dir_all(&out).unwrap();
        assert!(check(&root, &out, false).is_ok(), "empty");
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let e = check(&root, &out, false).unwrap_err();
        assert!(e.contains("marque did not make it"), "{e}");
        assert!(check(&root, &out, true).is_ok(), "--force");
        std::fs::write(out.join(MARKER), "").unwrap();
        assert!(check(&root, &out, false).is_ok(), "marked");
    }

    #[cfg(unix)]
    #[test]
    fn never_reuses_a_file_reached_through_a_link_in_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "canary").unwrap();
        let out = dir.path().join("site");
        std::fs::create_dir_all(out.join("real")).unwrap();
        std::fs::write(out.join("real/a.txt"), "one").unwrap();
        std::os::unix::fs::symlink(outside.path(), out.join("x")).unwrap();
        let s = Staging::create(&out).unwrap();
        assert!(s.reuse("real/a.txt", 3));
        // Kept, it is never taken: the commit fails, the output stays as it was.
        assert!(s.reuse("x/secret", 6));
        let e = s.commit(true).unwrap_err();
        assert!(e.contains("x/secret is reached through a link"), "{e}");
        assert!(!out.join(".marque-output").exists(), "not swapped");
        let left = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(left, 1, "no staging folder left");
    }

    #[test]
    fn removes_only_its_own_debris() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        for name in [
            ".site.marque-staging-999999999",
            ".site.marque-old-999999999",
            ".site.marque-foo.marque-old-999999999",
            ".site.marque-staging-x",
        ] {
            std::fs::create_dir_all(dir.path().join(name)).unwrap();
            std::fs::write(dir.path().join(name).join(MARKER), "").unwrap();
        }
        std::fs::create_dir_all(dir.path().join(".site.marque-staging-999999998")).unwrap();
        let done = clean_debris(&out);
        assert_eq!(done.len(), 2, "{done:?}");
        // The old site was put back (the output was missing), the staging removed.
        assert!(out.is_dir());
        let left: std::collections::BTreeSet<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            left.contains(".site.marque-foo.marque-old-999999999"),
            "{left:?}"
        );
        assert!(left.contains(".site.marque-staging-x"));
        assert!(
            left.contains(".site.marque-staging-999999998"),
            "unmarked: kept"
        );
        assert!(!left.contains(".site.marque-staging-999999999"));
    }

    #[test]
    fn can_swap_a_folder_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let s = Staging::create(&out).unwrap();
        s.write("a.txt", b"one").unwrap();
        s.write("b/c.txt", b"two").unwrap();
        s.commit(true).unwrap();
        assert_eq!(std::fs::read(out.join("b/c.txt")).unwrap(), b"two");
        let s = Staging::create(&out).unwrap();
        assert!(s.reuse("a.txt", 3));
        assert!(!s.reuse("b/c.txt", 99));
        s.write("b/c.txt", b"three").unwrap();
        s.commit(true).unwrap();
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"one");
        assert_eq!(std::fs::read(out.join("b/c.txt")).unwrap(), b"three");
        assert!(is_marked(&out));
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no staging folder left");
    }
}
