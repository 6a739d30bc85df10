//! The build state kept in `.marque-cache/`: for each output file, the key of its
//! inputs and the hash of its bytes, so that the next build renders only what changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What we know of one output file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutputRecord {
    /// blake3 of its inputs (hex).
    pub key: String,
    /// blake3 of its bytes (hex).
    pub content: String,
    /// Size in bytes.
    pub size: u64,
}

/// Every output of the last successful build.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BuildState {
    /// Output path → record.
    pub outputs: BTreeMap<String, OutputRecord>,
}

/// Where the state of a build into `output` is kept.
pub fn state_path(root: &Path, output: &Path) -> PathBuf {
    let abs = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
    let h = blake3::hash(abs.to_string_lossy().as_bytes()).to_hex();
    root.join(".marque-cache")
        .join(format!("build-{}.json", &h[..16]))
}

impl BuildState {
    /// Reads the state; an absent or unreadable state is an empty one.
    pub fn load(path: &Path) -> BuildState {
        load_json(path).unwrap_or_default()
    }

    /// Writes the state; failing to write only costs speed next time.
    pub fn save(&self, path: &Path) {
        save_json(path, self);
    }
}

/// Reads a cache file; `None` when it is absent or unreadable (a cache is never needed).
pub fn load_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes a cache file atomically; failing to write only costs speed next time.
pub fn save_json<T: Serialize>(path: &Path, value: &T) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension("tmp");
    let written = std::fs::File::create(&tmp).ok().is_some_and(|f| {
        let mut w = std::io::BufWriter::new(f);
        serde_json::to_writer(&mut w, value).is_ok() && std::io::Write::flush(&mut w).is_ok()
    });
    if written {
        let _ = std::fs::rename(&tmp, path);
    } else {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// True when the folder `dir` holds only what the previous build (`previous`) wrote
/// there: marque's own, though made before folders were marked.
pub fn owns(previous: &BuildState, dir: &Path) -> bool {
    if previous.outputs.is_empty() {
        return false;
    }
    let tops: std::collections::BTreeSet<&str> = previous
        .outputs
        .keys()
        .map(|k| k.split('/').next().unwrap_or(k))
        .collect();
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.flatten()
            .all(|e| tops.contains(e.file_name().to_string_lossy().as_ref()))
    })
}
