//! `narrative/media/`: files published at `/media/` as they are, the `media` template
//! variable (each file's URL and size, the cues of captions), and the checks of what
//! film pages name (`extra.film`).

use marque_project::{Diagnostic, Diagnostics, Project};
use serde_json::{Map, Value, json};

use crate::OutputFile;

fn clock(ms: u64) -> String {
    if ms >= 3_600_000 {
        format!(
            "{}:{:02}:{:02}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60
        )
    } else {
        format!("{}:{:02}", ms / 60_000, ms / 1000 % 60)
    }
}

/// The files to publish, the `media` variable and its hash.
pub fn derive(
    project: &Project,
    left_out: &std::collections::BTreeSet<String>,
) -> Result<(Vec<OutputFile>, Value, [u8; 32]), Diagnostics> {
    let base = project.config.base_path();
    let mut files = Vec::new();
    let mut map = Map::new();
    let mut h = blake3::Hasher::new();
    for m in project
        .media
        .iter()
        .filter(|m| !left_out.contains(&m.name) && m.name != "photos.yaml")
    {
        let f = OutputFile::new(format!("media/{}", m.name), m.bytes.clone());
        h.update(m.name.as_bytes());
        h.update(f.hash.as_bytes());
        let cues: Option<Vec<Value>> = m.cues.as_ref().map(|c| {
            c.iter()
                .map(|q| {
                    json!({"start": clock(q.start_ms), "end": clock(q.end_ms),
                           "start_s": q.start_ms / 1000, "text": q.text})
                })
                .collect()
        });
        map.insert(
            m.name.clone(),
            json!({"url": format!("{base}/media/{}", m.name), "bytes": m.bytes.len(),
                   "kb": format!("{:.1}", m.bytes.len() as f64 / 1024.0), "cues": cues}),
        );
        files.push(f);
    }
    // Film pages name files that must be there.
    let mut diags = Diagnostics::new();
    for p in &project.pages {
        let Some(film) = p.front.extra.get("film") else {
            continue;
        };
        let line = p.front.extra_line("film");
        for field in ["video", "poster"] {
            match film.get(field).and_then(Value::as_str) {
                Some(name) if !map.contains_key(name) && !left_out.contains(name) => diags.push(
                    Diagnostic::error(
                        &p.path,
                        format!("extra.film.{field}: 'narrative/media/{name}' does not exist"),
                    )
                    .at_line(line),
                ),
                None if field == "video" && film.get("external").is_none() => diags.push(
                    Diagnostic::error(
                        &p.path,
                        "extra.film: name a video (in narrative/media/) or an external one",
                    )
                    .at_line(line),
                ),
                _ => {}
            }
        }
        if let Some(stem) = film.get("captions").and_then(Value::as_str)
            && !project
                .languages
                .iter()
                .any(|l| map.contains_key(&format!("{stem}.{}.vtt", l.code)))
        {
            diags.push(
                Diagnostic::error(
                    &p.path,
                    format!("extra.film.captions: no narrative/media/{stem}.<lang>.vtt"),
                )
                .at_line(line),
            );
        }
        if let Some(ext) = film.get("external") {
            let provider = ext.get("provider").and_then(Value::as_str).unwrap_or("");
            let id = ext.get("id").and_then(Value::as_str).unwrap_or("");
            if !matches!(provider, "youtube" | "vimeo")
                || id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                diags.push(
                    Diagnostic::error(
                        &p.path,
                        "extra.film.external: write {provider: youtube or vimeo, id: the video's id}",
                    )
                    .at_line(line),
                );
            }
        }
    }
    if diags.has_errors() {
        diags.sort();
        return Err(diags);
    }
    Ok((files, Value::Object(map), *h.finalize().as_bytes()))
}

/// `narrative/media/` as a feature: its files (but the photos left out) and the
/// `media` variable.
pub struct MediaFeature;

impl crate::feature::Feature for MediaFeature {
    fn name(&self) -> &'static str {
        "media files"
    }

    fn key(&self, cx: &crate::feature::Context) -> Option<[u8; 32]> {
        let p = cx.project;
        let left_out = cx.left_out();
        let left_out = left_out
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\0");
        Some(crate::feature::key_of(&[
            &p.config_hash,
            &p.data_hash,
            left_out.as_bytes(),
        ]))
    }

    fn prepare(&self, cx: &crate::feature::Context) -> Result<crate::feature::Given, Diagnostics> {
        let (files, value, hash) = derive(cx.project, &cx.left_out())?;
        Ok(crate::feature::Given {
            globals: vec![marque_site::Global {
                name: "media",
                values: vec![value; cx.project.languages.len()],
                hash,
            }],
            files,
            ..Default::default()
        })
    }
}
