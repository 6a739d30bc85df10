//! The brand's typefaces on the site: every face of `brand.yaml`'s typography, subset
//! to the characters the site's texts use (plus Basic Latin and punctuation), one
//! WOFF2 file per face and script under `fonts/`, their `@font-face` rules (left for
//! the stylesheet, which bundles them) and the `web_fonts` template variable: in each
//! language, the file to preload (the body's regular face in the language's script).
//!
//! Subsets are derived files: they come from the cache while the face and the
//! characters are the same, so an edit that brings no new character makes none.

use std::collections::BTreeMap;
use std::sync::Arc;

use marque_assets::webfont::{self, FaceInfo, FontFace, Script};
use marque_project::{BrandFile, Diagnostic, Diagnostics, Project};
use rayon::prelude::*;
use serde_json::json;

use crate::OutputFile;
use crate::feature::{Context, Feature, Given, Shared, key_of};

/// The web fonts feature.
pub struct WebFontsFeature;

/// One face of the typography: its family, file and what it says about itself.
struct Face<'a> {
    family: &'a str,
    /// The index of its typography entry and of the file in it (for messages).
    at: (usize, usize),
    file: &'a BrandFile,
    info: FaceInfo,
}

/// One file to serve: a face's characters of one script.
struct Served<'a> {
    face: &'a Face<'a>,
    script: Script,
    code_points: Vec<u32>,
}

/// The address of each file served, by (family, weight range, italic, script).
type Urls<'a> = BTreeMap<(&'a str, (u16, u16), bool, Script), String>;

/// A lower-case name for file names (`Noto Sans Arabic` → `noto-sans-arabic`).
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "font".into()
    } else {
        out.into()
    }
}

/// Where brand.yaml names a font file, for messages.
fn font_diagnostic(project: &Project, at: (usize, usize), message: String) -> Diagnostic {
    font_note(project, at, message, Diagnostic::error)
}

/// [`font_diagnostic`], made by `make` (an error or a warning).
fn font_note(
    project: &Project,
    at: (usize, usize),
    message: String,
    make: fn(&'static str, String) -> Diagnostic,
) -> Diagnostic {
    let field = format!("typography[{}].files[{}]", at.0, at.1);
    let line = project
        .brand
        .typography
        .get(at.0)
        .and_then(|t| t.files.get(at.1))
        .map_or(0, |f| f.line);
    let d = make("brand/brand.yaml", format!("{field}: {message}"));
    if line > 0 { d.at_line(line) } else { d }
}

/// The faces of the typography, each file once (the first entry naming it gives its
/// family).
fn faces(project: &Project) -> Result<Vec<Face<'_>>, Diagnostics> {
    let mut out: Vec<Face> = Vec::new();
    let mut diags = Diagnostics::new();
    for (i, t) in project.brand.typography.iter().enumerate() {
        for (j, f) in t.files.iter().enumerate() {
            let rel = format!("brand/{}", f.value);
            let Some(file) = project.brand.font_files.iter().find(|b| b.rel == rel) else {
                continue;
            };
            if out.iter().any(|o| o.file.rel == file.rel) {
                continue;
            }
            match webfont::face_info(&file.bytes) {
                Ok(info) => out.push(Face {
                    family: &t.family,
                    at: (i, j),
                    file,
                    info,
                }),
                // A file the brand's own font set refuses is reported once, by the
                // brand feature, at the same line.
                Err(_)
                    if marque_assets::svg::Fonts::new(&[(rel.clone(), file.bytes.clone())], "")
                        .is_err() => {}
                Err(e) => diags.push(font_diagnostic(project, (i, j), format!("'{rel}': {e}"))),
            }
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

impl Feature for WebFontsFeature {
    fn name(&self) -> &'static str {
        "web fonts"
    }

    fn key(&self, cx: &Context) -> Option<[u8; 32]> {
        let p = cx.project;
        let chars = p.site_chars().key_bytes();
        Some(key_of(&[&p.config_hash, &p.brand.hash, &chars]))
    }

    fn prepare(&self, cx: &Context) -> Result<Given, Diagnostics> {
        let project = cx.project;
        let faces = faces(project)?;
        let mut want = webfont::always_served();
        want.union(&project.site_chars());
        let mut given = Given::default();
        let mut served: Vec<Served> = Vec::new();
        for face in &faces {
            if face.info.cff {
                given.warnings.push(font_note(
                        project,
                        face.at,
                        format!(
                            "'{}' has CFF (PostScript) outlines, which cannot be subset: it is served whole ({} KB); a TrueType version of the face is much lighter on the web",
                            face.file.rel,
                            face.file.bytes.len() / 1024
                        ),
                        Diagnostic::warning,
                ));
            }
            for (script, code_points) in webfont::split_by_script(&want, &face.info.coverage) {
                served.push(Served {
                    face,
                    script,
                    code_points,
                });
            }
        }
        let made: Vec<Result<Arc<Vec<u8>>, Diagnostic>> = served
            .par_iter()
            .map(|s| {
                let face = s.face;
                let cps: Vec<u8> = s.code_points.iter().flat_map(|c| c.to_le_bytes()).collect();
                let key = marque_assets::cache::key(
                    "webfont",
                    &[
                        blake3::hash(&face.file.bytes).as_bytes(),
                        &cps,
                        &[face.info.cff as u8],
                    ],
                );
                let what = format!("subsetting '{}' for the web", face.file.rel);
                crate::guard_item(&face.file.rel, &what, || {
                    cx.derived
                        .get_or_make("web fonts", &key, || {
                            let ttf = if face.info.cff {
                                face.file.bytes.to_vec()
                            } else {
                                webfont::subset(&face.file.bytes, &s.code_points)?
                            };
                            webfont::woff2(&ttf)
                        })
                        .map_err(|e| {
                            font_diagnostic(project, face.at, format!("'{}': {e}", face.file.rel))
                        })
                })
            })
            .collect();
        let mut diags = Diagnostics::new();
        let base = project.config.base_path();
        let mut css = String::new();
        // (family, weight, italic, script) → URL, to find the preload.
        let mut urls: Urls = BTreeMap::new();
        for (s, bytes) in served.iter().zip(made) {
            let bytes = match bytes {
                Ok(b) => b,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            let info = &s.face.info;
            let path = format!(
                "fonts/{}-{}{}{}-{}.{}.woff2",
                slug(s.face.family),
                info.weight.0,
                if info.weight.1 != info.weight.0 {
                    format!("-{}", info.weight.1)
                } else {
                    String::new()
                },
                if info.italic { "-italic" } else { "" },
                s.script.name(),
                marque_assets::short_hash(&bytes, 10)
            );
            let url = format!("{base}/{path}");
            css.push_str(&webfont::font_face_rule(&FontFace {
                family: s.face.family,
                weight: info.weight,
                italic: info.italic,
                url: &url,
                code_points: &s.code_points,
            }));
            urls.insert((s.face.family, info.weight, info.italic, s.script), url);
            given.files.push(OutputFile::new(path, bytes));
        }
        if diags.has_errors() {
            return Err(diags);
        }
        let values: Vec<serde_json::Value> = project
            .languages
            .iter()
            .map(|l| {
                let preload = preload(project, &urls, Script::of_text(&l.name));
                json!({ "preload": preload.into_iter().collect::<Vec<_>>() })
            })
            .collect();
        let hash = key_of(&[
            css.as_bytes(),
            serde_json::to_string(&values)
                .unwrap_or_default()
                .as_bytes(),
        ]);
        given.globals.push(marque_site::Global {
            name: "web_fonts",
            values,
            hash,
        });
        given.shared = Shared {
            font_faces: Some(Arc::new(css)),
            ..Shared::default()
        };
        Ok(given)
    }
}

/// The file to preload in a language written in `script`: the regular upright face
/// (the weight nearest 400) of the body's family, else of the first family that has
/// that script.
fn preload(project: &Project, urls: &Urls, script: Script) -> Option<String> {
    let typography = &project.brand.typography;
    let body = typography.iter().filter(|t| t.role == "body");
    let families = body.chain(typography.iter()).map(|t| t.family.as_str());
    for family in families {
        let best = urls
            .iter()
            .filter(|((f, _, italic, s), _)| *f == family && !italic && *s == script)
            .min_by_key(|((_, w, _, _), _)| {
                if (w.0..=w.1).contains(&400) {
                    0
                } else {
                    w.0.abs_diff(400).min(w.1.abs_diff(400))
                }
            });
        if let Some((_, url)) = best {
            return Some(url.clone());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn can_name_files_after_families() {
        assert_eq!(slug("Noto Sans Arabic"), "noto-sans-arabic");
        assert_eq!(slug("  Inter  "), "inter");
        assert_eq!(slug("../../etc"), "etc");
        assert_eq!(slug("مرسيليا"), "font");
    }
}
