//! Translations older than their source: a page of the default language changed after
//! its translation was last changed. In a git repository, by the history (the last
//! commit that touched each file; a file changed since then counts as changed now);
//! elsewhere, by the hashes marque records in `.marque-cache/translations.json` each
//! time it checks: a translation is outdated when its source no longer has the hash it
//! had when the translation last changed.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use marque_project::Project;

/// One translation older than its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outdated {
    /// The translation (`narrative/en/manifeste.md`).
    pub translation: PathBuf,
    /// Its source in the default language.
    pub source: PathBuf,
    /// Its language.
    pub lang: String,
    /// When each was last changed (`YYYY-MM-DD` from git), if known.
    pub dates: Option<(String, String)>,
}

/// Every translation of `project` (at `root`) older than its source, in the order of
/// the pages.
pub fn outdated_translations(project: &Project, root: &Path) -> Vec<Outdated> {
    let pairs = pairs(project);
    if pairs.is_empty() {
        return Vec::new();
    }
    match git_times(root) {
        Some(times) => by_history(project, &pairs, &times),
        None => by_recorded_hashes(project, &pairs, root),
    }
}

/// (translation, source) page indexes: every page of another language whose
/// translation key a default-language page has.
fn pairs(project: &Project) -> Vec<(usize, usize)> {
    let default = &project.default_language;
    let sources: HashMap<&str, usize> = project
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| &p.lang == default)
        .map(|(i, p)| (p.translation_key(), i))
        .collect();
    project
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| &p.lang != default)
        .filter_map(|(i, p)| sources.get(p.translation_key()).map(|&s| (i, s)))
        .collect()
}

/// When each file under `narrative/` was last changed, by its path from `root`
/// (seconds since 1970; `u64::MAX` for a file changed since its last commit), or
/// `None` when `root` is not in a git work tree (or git cannot be run).
fn git_times(root: &Path) -> Option<HashMap<PathBuf, u64>> {
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["-c", "core.quotepath=off", "-c", "core.fsmonitor=false"])
            .args(args)
            .env("GIT_OPTIONAL_LOCKS", "0")
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    if git(&["rev-parse", "--is-inside-work-tree"])?.trim() != "true" {
        return None;
    }
    let log = git(&[
        "log",
        "--format=@%ct",
        "--name-only",
        "--relative",
        "--no-renames",
        "--",
        "narrative",
    ])?;
    let mut times: HashMap<PathBuf, u64> = HashMap::new();
    let mut when = 0u64;
    for line in log.lines() {
        if let Some(t) = line.strip_prefix('@') {
            when = t.trim().parse().unwrap_or(0);
        } else if !line.is_empty() {
            // Newest first: the first commit seen is the last change.
            times.entry(PathBuf::from(line)).or_insert(when);
        }
    }
    let status = git(&[
        "status",
        "--porcelain=v1",
        "--untracked-files=all",
        "--",
        "narrative",
    ])?;
    let prefix = git(&["rev-parse", "--show-prefix"]).unwrap_or_default();
    let prefix = prefix.trim();
    for line in status.lines() {
        // `XY path` (or `XY old -> new`): the path is from the repository's top.
        let Some(path) = line.get(3..) else { continue };
        let path = path.rsplit(" -> ").next().unwrap_or(path);
        let path = path.strip_prefix(prefix).unwrap_or(path);
        times.insert(PathBuf::from(path), u64::MAX);
    }
    Some(times)
}

fn day(t: u64) -> String {
    if t == u64::MAX {
        return "not committed yet".into();
    }
    crate::photos::date_of_days((t / 86_400) as i64).ymd()
}

/// The translations whose source was last changed after them.
fn by_history(
    project: &Project,
    pairs: &[(usize, usize)],
    times: &HashMap<PathBuf, u64>,
) -> Vec<Outdated> {
    let when = |i: usize| times.get(&project.pages[i].path).copied();
    pairs
        .iter()
        .filter_map(|&(t, s)| {
            let (tt, st) = (when(t)?, when(s)?);
            (st > tt).then(|| Outdated {
                translation: project.pages[t].path.clone(),
                source: project.pages[s].path.clone(),
                lang: project.pages[t].lang.clone(),
                dates: Some((day(st), day(tt))),
            })
        })
        .collect()
}

/// What marque recorded of a translation when it last changed: its hash and its
/// source's, in hexadecimal.
#[derive(serde::Serialize, serde::Deserialize, Clone, PartialEq, Eq)]
struct Record {
    source: String,
    source_hash: String,
    translation_hash: String,
}

/// Without history: the recorded hashes, brought up to date (a translation that
/// changed, or was never seen, is recorded as up to date with its source as it is now).
fn by_recorded_hashes(project: &Project, pairs: &[(usize, usize)], root: &Path) -> Vec<Outdated> {
    let Ok(dir) = crate::lock::cache_dir(root) else {
        return Vec::new();
    };
    let file = dir.join("translations.json");
    // Never read or write through a link someone put in the cache.
    if std::fs::symlink_metadata(&file).is_ok_and(|m| !m.is_file()) {
        return Vec::new();
    }
    let mut records: BTreeMap<String, Record> = std::fs::read(&file)
        .ok()
        .filter(|b| b.len() < 16 << 20)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let hex = |h: &[u8; 32]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut out = Vec::new();
    for &(t, s) in pairs {
        let (tp, sp) = (&project.pages[t], &project.pages[s]);
        let key = tp.path.to_string_lossy().replace('\\', "/");
        let now = Record {
            source: sp.path.to_string_lossy().replace('\\', "/"),
            source_hash: hex(&sp.hash),
            translation_hash: hex(&tp.hash),
        };
        match records.get(&key) {
            Some(r) if r.translation_hash == now.translation_hash && r.source == now.source => {
                if r.source_hash != now.source_hash {
                    out.push(Outdated {
                        translation: tp.path.clone(),
                        source: sp.path.clone(),
                        lang: tp.lang.clone(),
                        dates: None,
                    });
                }
            }
            _ => {
                records.insert(key, now);
            }
        }
    }
    // Translations that are gone are forgotten.
    let live: std::collections::HashSet<String> = pairs
        .iter()
        .map(|&(t, _)| project.pages[t].path.to_string_lossy().replace('\\', "/"))
        .collect();
    records.retain(|k, _| live.contains(k));
    if let Ok(json) = serde_json::to_vec_pretty(&records) {
        let _ = std::fs::create_dir_all(&dir);
        let tmp = dir.join("translations.json.tmp");
        if std::fs::write(&tmp, json).is_ok() {
            let _ = std::fs::rename(&tmp, &file);
        }
    }
    out
}
