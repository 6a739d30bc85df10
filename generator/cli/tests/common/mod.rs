//! Helpers shared by the integration tests: fixture projects copied into temporary
//! folders, and the `marque` binary run on them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

/// A copy of `generator/tests/fixtures/<name>` in a temporary folder, with the default
/// theme added when the fixture has none.
pub fn fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("generator/tests/fixtures").join(name),
        dir.path(),
    );
    if !dir.path().join("themes").exists() {
        copy_dir(
            &repo_root().join("themes/default"),
            &dir.path().join("themes/default"),
        );
    }
    dir
}

/// Runs `marque` with `args`.
pub fn marque(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marque"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `marque build --root <root>` plus `extra`.
pub fn build(root: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["build", "--root", root.to_str().unwrap()];
    args.extend_from_slice(extra);
    marque(&args)
}

/// Stdout and stderr together.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Asserts a successful build and returns its text.
pub fn build_ok(root: &Path, extra: &[&str]) -> String {
    let o = build(root, extra);
    assert!(o.status.success(), "build failed:\n{}", text(&o));
    text(&o)
}

/// Asserts a failed build (exit 1) and returns its text.
pub fn build_err(root: &Path, extra: &[&str]) -> String {
    let o = build(root, extra);
    assert_eq!(o.status.code(), Some(1), "expected exit 1:\n{}", text(&o));
    text(&o)
}

/// Reads an output file.
pub fn read(root: &Path, rel: &str) -> String {
    let p = root.join("output").join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Writes a source file.
pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Replaces the first `from` with `to` in the source file `rel`; returns its path.
pub fn edit(root: &std::path::Path, rel: &str, from: &str, to: &str) -> Vec<std::path::PathBuf> {
    let f = root.join(rel);
    let t = std::fs::read_to_string(&f).unwrap();
    assert!(t.contains(from), "{rel} lacks {from:?}");
    std::fs::write(&f, t.replacen(from, to, 1)).unwrap();
    vec![f]
}

/// Every `href="…"` and `src="…"` value in `html`.
pub fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            let after = &rest[i + attr.len()..];
            let end = after.find('"').unwrap();
            out.push(after[..end].replace("&amp;", "&"));
            rest = &after[end..];
        }
    }
    out
}

/// Every file below `dir`, with its bytes.
pub fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// `s` with its `%XX` escapes decoded, as a server maps an address to a file.
pub fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match (b[i], s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16))) {
            (b'%', Some(Ok(v))) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks that every internal link of every HTML file in `out` leads to a file (and its
/// anchor to an id); returns the broken ones.
pub fn broken_links(out: &Path) -> Vec<String> {
    let mut broken = Vec::new();
    for (rel, bytes) in tree(out).iter().filter(|(k, _)| k.ends_with(".html")) {
        let f = out.join(rel);
        let html = String::from_utf8_lossy(bytes);
        for l in links(&html) {
            if l.starts_with("http") || l.starts_with("mailto:") || l.starts_with("geo:") {
                continue;
            }
            let (path, anchor) = match l.split_once('#') {
                Some((p, a)) => (p.to_string(), Some(a.to_string())),
                None => (l.clone(), None),
            };
            let path = percent_decoded(path.split('?').next().unwrap());
            let target = if path.is_empty() {
                f.clone()
            } else {
                // Root-relative, or relative to the page's folder.
                let t = if path.starts_with('/') {
                    out.join(path.trim_start_matches('/'))
                } else {
                    f.parent().unwrap().join(&path)
                };
                if path.ends_with('/') {
                    t.join("index.html")
                } else {
                    t
                }
            };
            if !target.is_file() {
                broken.push(format!("{rel}: {l}"));
                continue;
            }
            if let Some(a) = anchor
                && target.extension().is_some_and(|x| x == "html")
            {
                let t = std::fs::read_to_string(&target).unwrap();
                if !t.contains(&format!("id=\"{a}\"")) {
                    broken.push(format!(
                        "{}: {l} (no anchor)",
                        f.strip_prefix(out).unwrap().display()
                    ));
                }
            }
        }
    }
    broken
}

/// A copy of the bundled site's sources (brand, narrative, themes, kits, marque.yaml)
/// in a temporary folder.
pub fn bundled_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    for d in ["brand", "narrative", "themes", "kits"] {
        copy_dir(&root.join(d), &dir.path().join(d));
    }
    std::fs::copy(root.join("marque.yaml"), dir.path().join("marque.yaml")).unwrap();
    dir
}

/// [`bundled_copy`] with the derived files of a build of the bundled site already in
/// its cache (`.marque-cache/derived`, keyed by the hash of their inputs, so a file
/// whose inputs changed is made again): for tests about pages, which need not wait
/// for the kits and the brand set to be drawn again. The warm build is made once per
/// test binary, in cargo's scratch folder for tests.
pub fn bundled_copy_warm() -> tempfile::TempDir {
    static WARM: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let warm = WARM.get_or_init(|| {
        // One folder per test binary, kept from run to run (its cache prunes itself).
        let exe = std::env::current_exe().unwrap();
        let name = exe.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bundled-warm-{name}"));
        for d in ["brand", "narrative", "themes", "kits", "output"] {
            let _ = std::fs::remove_dir_all(dir.join(d));
        }
        let root = repo_root();
        for d in ["brand", "narrative", "themes", "kits"] {
            copy_dir(&root.join(d), &dir.join(d));
        }
        std::fs::copy(root.join("marque.yaml"), dir.join("marque.yaml")).unwrap();
        build_ok(&dir, &[]);
        let cache = dir.join(".marque-cache/derived");
        // Only the cache is kept (the next run builds it again from there).
        for d in ["brand", "narrative", "themes", "kits", "output"] {
            let _ = std::fs::remove_dir_all(dir.join(d));
        }
        cache
    });
    let dir = bundled_copy();
    copy_dir(warm, &dir.path().join(".marque-cache/derived"));
    dir
}

/// SHA-256 of `bytes` by `sha256sum`, independent of marque's own.
pub fn sha256(bytes: &[u8]) -> String {
    let mut child = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// Builds `root`, expects a failure whose output holds every one of `want`, and checks
/// that the previous output folder is untouched.
pub fn fails_with(root: &Path, want: &[&str]) {
    let before = tree(&root.join("output"));
    let err = build_err(root, &[]);
    for w in want {
        assert!(err.contains(w), "expected {w:?} in:\n{err}");
    }
    assert_eq!(
        before,
        tree(&root.join("output")),
        "the old output is intact"
    );
}

/// Every file of a zip, by name inside the zip's one top-level folder (checked: no zip
/// scatters files in the folder it is opened in).
pub fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let (folder, files) = unzip_folder(bytes);
    assert!(!folder.is_empty());
    files
}

/// The top-level folder of a zip and its files by name inside it.
pub fn unzip_folder(bytes: &[u8]) -> (String, std::collections::BTreeMap<String, Vec<u8>>) {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    let mut folder: Option<String> = None;
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        let (top, rest) = f
            .name()
            .split_once('/')
            .unwrap_or_else(|| panic!("'{}' is outside the zip's folder", f.name()));
        match &folder {
            Some(t) => assert_eq!(t, top, "one folder in the zip"),
            None => folder = Some(top.to_string()),
        }
        out.insert(rest.to_string(), b);
    }
    (folder.unwrap_or_default(), out)
}

/// The `[x0 y0 x1 y1]` of a PDF box (`MediaBox`, `TrimBox`, …), in points.
pub fn pdf_box(pdf: &[u8], name: &str) -> [f64; 4] {
    let s = String::from_utf8_lossy(pdf);
    let i = s
        .find(&format!("/{name} ["))
        .unwrap_or_else(|| panic!("no {name}"));
    let nums: Vec<f64> = s[i + name.len() + 3..]
        .split(']')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    [nums[0], nums[1], nums[2], nums[3]]
}

/// A text entry of a PDF's document information (`/Title <FEFF…>` in UTF-16, or a
/// literal string).
pub fn pdf_text(pdf: &str, key: &str) -> String {
    let at = pdf
        .find(&format!("/{key} "))
        .unwrap_or_else(|| panic!("no /{key}"))
        + key.len()
        + 2;
    let rest = &pdf[at..];
    if let Some(hex) = rest.strip_prefix('<') {
        let hex = hex.split('>').next().unwrap();
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units).unwrap()
    } else {
        rest[1..].split(')').next().unwrap().to_string()
    }
}
