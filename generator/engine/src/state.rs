//! The build state kept in `.marque-cache/`: for each output file, the key of its
//! inputs and the hash of its bytes, so that the next build renders only what changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A blake3 hash, written as hex in the state file (compared as bytes: a build
/// compares one per output).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    /// The blake3 of `bytes`.
    pub fn of(bytes: &[u8]) -> Hash32 {
        Hash32(*blake3::hash(bytes).as_bytes())
    }
}

impl std::fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", blake3::Hash::from(self.0).to_hex())
    }
}

impl Serialize for Hash32 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&blake3::Hash::from(self.0).to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash32 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<str>>::deserialize(d)?;
        blake3::Hash::from_hex(text.as_bytes())
            .map(|h| Hash32(*h.as_bytes()))
            .map_err(|_| serde::de::Error::custom("not a blake3 hash in hex"))
    }
}

/// What we know of one output file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutputRecord {
    /// blake3 of its inputs.
    pub key: Hash32,
    /// blake3 of its bytes.
    pub content: Hash32,
    /// Size in bytes.
    pub size: u64,
    /// What its templates asked for through functions (`get_page`…), looked up again
    /// before it is reused: its key is made with their answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<marque_site::Read>,
    /// For a page in the search index: the hash of what the index reads of it (see
    /// [`crate::search`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<Hash32>,
}

/// Every output of the last successful build.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BuildState {
    /// Output path → record.
    pub outputs: BTreeMap<String, OutputRecord>,
    /// What the spare copy of the site (see [`crate::output::Spare`]) holds where it
    /// differs from `outputs`: its record, or `None` where it lacks the path; `None`
    /// when there is no spare. The spare is the site before, so this stays as small
    /// as the last change.
    #[serde(default)]
    pub spare_delta: Option<BTreeMap<String, Option<OutputRecord>>>,
    /// The output folder these records describe (device, inode): a folder put in its
    /// place is not trusted, whatever its marker says.
    #[serde(default)]
    pub output_id: Option<(u64, u64)>,
    /// The spare folder (device, inode).
    #[serde(default)]
    pub spare_id: Option<(u64, u64)>,
}

impl BuildState {
    /// Every output the spare holds (none when there is no spare).
    pub fn spare(&self) -> BTreeMap<String, OutputRecord> {
        let Some(delta) = &self.spare_delta else {
            return BTreeMap::new();
        };
        let mut s = self.outputs.clone();
        for (path, r) in delta {
            match r {
                Some(r) => {
                    s.insert(path.clone(), r.clone());
                }
                None => {
                    s.remove(path);
                }
            }
        }
        s
    }

    /// Records that the spare holds `spare` (or that there is none).
    pub fn set_spare(&mut self, spare: Option<&BTreeMap<String, OutputRecord>>) {
        self.spare_delta = spare.filter(|s| !s.is_empty()).map(|spare| {
            // Both maps are sorted: one pass over the two.
            let mut delta = BTreeMap::new();
            let (mut a, mut b) = (self.outputs.iter().peekable(), spare.iter().peekable());
            loop {
                match (a.peek(), b.peek()) {
                    (None, None) => break,
                    (Some((ka, _)), Some((kb, _))) if ka == kb => {
                        let ((k, ra), (_, rb)) = (a.next().unwrap(), b.next().unwrap());
                        if ra != rb {
                            delta.insert(k.clone(), Some(rb.clone()));
                        }
                    }
                    (Some((ka, _)), Some((kb, _))) if ka > kb => {
                        let (k, rb) = b.next().unwrap();
                        delta.insert(k.clone(), Some(rb.clone()));
                    }
                    (Some(_), _) => {
                        let (k, _) = a.next().unwrap();
                        delta.insert(k.clone(), None);
                    }
                    (None, Some(_)) => {
                        let (k, rb) = b.next().unwrap();
                        delta.insert(k.clone(), Some(rb.clone()));
                    }
                }
            }
            delta
        });
    }
}

/// The digest of a site: its paths and their contents. The output folder's marker
/// carries it, so that a build trusts the state only when it describes that folder.
pub fn digest(outputs: &BTreeMap<String, OutputRecord>) -> String {
    // One buffer, hashed in large pieces (blake3 is fast on long input, slow on many
    // small calls: this runs on every build).
    let mut buf = Vec::with_capacity(outputs.len() * 100);
    for (path, r) in outputs {
        buf.extend_from_slice(path.as_bytes());
        buf.push(0);
        buf.extend_from_slice(&r.content.0);
        buf.extend_from_slice(&r.size.to_le_bytes());
    }
    blake3::hash(&buf).to_hex().to_string()
}

/// Where the state of a build into `output` is kept.
pub fn state_path(root: &Path, output: &Path) -> PathBuf {
    let abs = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
    let h = blake3::hash(abs.to_string_lossy().as_bytes()).to_hex();
    root.join(".marque-cache")
        .join(format!("build-{}.json", &h[..16]))
}

impl BuildState {
    /// Reads the state; an absent or unreadable state is an empty one, and so is one
    /// whose paths are not plain paths inside the output (a state is only a cache, and
    /// one put there by someone else must not make a build touch other places).
    pub fn load(path: &Path) -> BuildState {
        let state: BuildState = load_json(path).unwrap_or_default();
        let plain = state.outputs.keys().all(|k| plain_path(k))
            && state
                .spare_delta
                .as_ref()
                .is_none_or(|d| d.keys().all(|k| plain_path(k)));
        if plain { state } else { BuildState::default() }
    }

    /// Writes the state; failing to write only costs speed next time.
    pub fn save(&self, path: &Path) {
        save_json(path, self);
    }
}

/// True for a path made of plain names (`a/b/index.html`): not absolute, no `.` or
/// `..`, no empty part, no backslash or NUL.
pub fn plain_path(p: &str) -> bool {
    !p.is_empty()
        && !p.contains(['\\', '\0'])
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Reads a cache file; `None` when it is absent, unreadable, not a plain file (a link,
/// a pipe) or larger than any cache marque writes (a cache is never needed).
pub fn load_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 1 << 30 {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes a cache file atomically; failing to write only costs speed next time.
pub fn save_json<T: Serialize>(path: &Path, value: &T) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension("tmp");
    crate::lock::unlink_if_link(&tmp);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(c: &str) -> OutputRecord {
        OutputRecord {
            key: Hash32::default(),
            content: Hash32::of(c.as_bytes()),
            size: 1,
            reads: Vec::new(),
            search: None,
        }
    }

    #[test]
    fn can_keep_the_spare_as_the_difference_from_the_outputs() {
        let mut s = BuildState::default();
        s.outputs.insert("a".into(), rec("1"));
        s.outputs.insert("b".into(), rec("2"));
        s.outputs.insert("new".into(), rec("3"));
        let mut spare = BTreeMap::new();
        spare.insert("a".to_string(), rec("1"));
        spare.insert("b".to_string(), rec("old"));
        spare.insert("gone".to_string(), rec("4"));
        s.set_spare(Some(&spare));
        assert_eq!(
            s.spare_delta.as_ref().unwrap().len(),
            3,
            "b, gone and new only"
        );
        assert_eq!(s.spare(), spare);
        s.set_spare(None);
        assert!(s.spare().is_empty());
        assert_ne!(digest(&s.outputs), digest(&spare));
    }

    #[test]
    fn rejects_a_state_whose_paths_leave_the_output() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\b"] {
            let mut s = BuildState::default();
            s.outputs.insert("index.html".into(), rec("1"));
            s.outputs.insert(bad.into(), rec("2"));
            let p = dir.path().join("state.json");
            s.save(&p);
            assert!(BuildState::load(&p).outputs.is_empty(), "{bad}");
        }
        assert!(plain_path("en/news/index.html"));
    }
}
