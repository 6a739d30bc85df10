//! Reproducible zip archives with a `manifest.json`: entries sorted by path, fixed
//! timestamps and permissions, so the same files give the same bytes.

use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// One file to pack.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path inside the archive, `/`-separated.
    pub path: String,
    /// Contents.
    pub bytes: std::sync::Arc<Vec<u8>>,
    /// Licence shown in the manifest.
    pub licence: String,
}

/// A line of `manifest.json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Path inside the archive.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Licence.
    pub licence: String,
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The manifest of `entries`, as pretty JSON.
pub fn manifest(entries: &[Entry]) -> Vec<u8> {
    let mut list: Vec<ManifestEntry> = entries
        .iter()
        .map(|e| ManifestEntry {
            path: e.path.clone(),
            bytes: e.bytes.len() as u64,
            sha256: sha256_hex(&e.bytes),
            licence: e.licence.clone(),
        })
        .collect();
    list.sort_by(|a, b| a.path.cmp(&b.path));
    let mut out =
        serde_json::to_vec_pretty(&serde_json::json!({ "files": list })).unwrap_or_default();
    out.push(b'\n');
    out
}

/// A zip of `entries` plus `manifest.json`, all in one folder named `folder` (the zip's
/// name without `.zip`, so that opening it never scatters files in the current
/// folder), byte-identical for the same entries.
pub fn zip(folder: &str, entries: &[Entry]) -> Result<Vec<u8>, String> {
    if entries.iter().any(|e| e.path == "manifest.json") {
        return Err("a file named manifest.json would replace the manifest".into());
    }
    let mut files: Vec<(String, std::sync::Arc<Vec<u8>>)> = entries
        .iter()
        .map(|e| (e.path.clone(), e.bytes.clone()))
        .collect();
    files.push((
        "manifest.json".into(),
        std::sync::Arc::new(manifest(entries)),
    ));
    zip_files(folder, &files)
}

/// A zip of `files` as they are (`manifest.json` first when there is one, then by
/// path), in one folder named `folder`, byte-identical for the same files.
pub fn zip_files(
    folder: &str,
    files: &[(String, std::sync::Arc<Vec<u8>>)],
) -> Result<Vec<u8>, String> {
    if folder.is_empty() || folder.contains(['/', '\\']) || folder.starts_with('.') {
        return Err(format!("'{folder}' cannot name the zip's folder"));
    }
    use zip::write::SimpleFileOptions;
    let mut sorted: Vec<&(String, std::sync::Arc<Vec<u8>>)> = files.iter().collect();
    sorted.sort_by(|a, b| (a.0 != "manifest.json", &a.0).cmp(&(b.0 != "manifest.json", &b.0)));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    // Already compressed formats are stored as they are (marque's PDFs compress
    // their streams; deflating them again saved under 1 % of a kit's zip).
    let stored = opts.compression_method(zip::CompressionMethod::Stored);
    let mut add = |path: &str, bytes: &[u8]| -> Result<(), String> {
        let lower = path.to_ascii_lowercase();
        let o = if [".png", ".zip", ".jpg", ".jpeg", ".webp", ".pdf", ".woff2"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            stored
        } else {
            opts
        };
        w.start_file(format!("{folder}/{path}"), o)
            .map_err(|e| e.to_string())?;
        w.write_all(bytes).map_err(|e| e.to_string())
    };
    for (path, bytes) in sorted {
        add(path, bytes)?;
    }
    let cursor = w.finish().map_err(|e| e.to_string())?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn same_files_same_bytes_whatever_the_order() {
        let a = Entry {
            path: "b.txt".into(),
            bytes: Arc::new(b"bee".to_vec()),
            licence: "x".into(),
        };
        let b = Entry {
            path: "a/c.svg".into(),
            bytes: Arc::new(b"<svg/>".to_vec()),
            licence: "x".into(),
        };
        let one = zip("pack", &[a.clone(), b.clone()]).unwrap();
        let two = zip("pack", &[b, a]).unwrap();
        assert_eq!(one, two);
        assert_eq!(&one[..4], b"PK\x03\x04");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
