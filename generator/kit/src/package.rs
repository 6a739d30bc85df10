//! A kit's package: the README and `manifest.json` added to its files, and one
//! reproducible zip of them all (cached by the files' hashes).

use std::sync::Arc;

use marque_assets::archive;
use marque_assets::cache::key;
use marque_project::{Diagnostics, Kit};
use serde_json::{Value, json};

use crate::locale::localized;
use crate::texts::readme;
use crate::{Inputs, KitBuild, KitFile, single_error};

/// The kit built: `files` with the README and the manifest added, sorted by path, and
/// the zip of them all.
pub(crate) fn package(
    inputs: &Inputs,
    kit: &Kit,
    lang: &str,
    partner: Option<&crate::Partner>,
    mut files: Vec<KitFile>,
) -> Result<KitBuild, Diagnostics> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let readme = readme(inputs, kit, lang, partner, &files);
    files.push(KitFile::text("README.txt", "TXT", readme));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest_file = manifest(inputs, kit, lang, &files);
    let zip = zip(inputs, kit, lang, &files, &manifest_file)?;
    files.push(manifest_file);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(KitBuild { files, zip })
}

/// `manifest.json`: each file's path, size in bytes, SHA-256, format, size, language
/// and rights.
fn manifest(inputs: &Inputs, kit: &Kit, lang: &str, files: &[KitFile]) -> KitFile {
    let rights = localized(&kit.data.rights, lang, &inputs.project.default_language);
    let manifest: Vec<Value> = files
        .iter()
        .map(|f| {
            json!({
                "path": f.path, "bytes": f.bytes.len(), "sha256": archive::sha256_hex(&f.bytes),
                "format": f.format, "size": f.size, "language": lang, "rights": rights,
            })
        })
        .collect();
    let mut mbytes =
        serde_json::to_vec_pretty(&json!({"kit": kit.id, "language": lang, "files": manifest}))
            .unwrap_or_default();
    mbytes.push(b'\n');
    KitFile {
        path: "manifest.json".into(),
        bytes: Arc::new(mbytes),
        format: "JSON",
        size: String::new(),
        thumb: None,
    }
}

/// The zip of every file, the manifest first (cached by the kit, the language and
/// each file's path and hash).
fn zip(
    inputs: &Inputs,
    kit: &Kit,
    lang: &str,
    files: &[KitFile],
    manifest_file: &KitFile,
) -> Result<Arc<Vec<u8>>, Diagnostics> {
    // Named like the zip (`paris-2024-fr.zip` holds `paris-2024-fr/`).
    let folder = format!("{}-{lang}", kit.id);
    let mut parts: Vec<Vec<u8>> = vec![folder.as_bytes().to_vec()];
    for f in files.iter().chain(std::iter::once(manifest_file)) {
        parts.push(f.path.as_bytes().to_vec());
        parts.push(blake3::hash(&f.bytes).as_bytes().to_vec());
    }
    let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
    inputs
        .cache
        .get_or_make("kit-zip", &key("kit-zip", &refs), || {
            let mut entries: Vec<(String, Arc<Vec<u8>>)> = files
                .iter()
                .map(|f| (f.path.clone(), f.bytes.clone()))
                .collect();
            entries.push((manifest_file.path.clone(), manifest_file.bytes.clone()));
            archive::zip_files(&folder, &entries)
        })
        .map_err(|e| single_error(&kit.path, format!("cannot write the kit's zip: {e}")))
}
