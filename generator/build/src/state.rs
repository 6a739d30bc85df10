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
    root.join(".marque-cache").join(format!("build-{}.json", &h[..16]))
}

impl BuildState {
    /// Reads the state; an absent or unreadable state is an empty one.
    pub fn load(path: &Path) -> BuildState {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Writes the state; failing to write only costs speed next time.
    pub fn save(&self, path: &Path) {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(bytes) = serde_json::to_vec(self) {
            let tmp = path.with_extension("json.tmp");
            if std::fs::write(&tmp, bytes).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
    }
}
