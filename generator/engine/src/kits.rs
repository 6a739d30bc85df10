//! Every event kit in every one of its languages: the files under
//! `downloads/kits/<id>/<lang>/`, small previews for the site under `…/thumbs/`, one zip
//! per kit and language (`downloads/kits/<id>-<lang>.zip`), and the `kits` template
//! variable the kit pages show.

use std::collections::BTreeMap;
use std::sync::Arc;

use marque_assets::archive::sha256_hex;
use marque_assets::cache::DerivedCache;
use marque_kit::{Inputs, KitBuild, Partner, build_kit, date_range};
use marque_project::{Diagnostics, Kit, Project};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::brand::BrandSet;

/// What the kits add to a build.
#[derive(Default)]
pub struct KitSet {
    /// Output path → bytes.
    pub files: Vec<(String, Arc<Vec<u8>>)>,
    /// The `kits` template variable, per language (index of `project.languages`).
    pub context: Vec<Value>,
    /// blake3 of the context.
    pub hash: [u8; 32],
    /// `files` with their hashes, as a build writes them.
    pub hashed: Vec<crate::OutputFile>,
}

/// Builds one kit in one language.
pub fn build_one(
    project: &Project,
    brand: &BrandSet,
    cache: &DerivedCache,
    kit: &Kit,
    lang: &str,
    partner: Option<&Partner>,
) -> Result<KitBuild, Diagnostics> {
    let Some(fonts) = &brand.fonts else {
        return Err(Diagnostics::new());
    };
    let inputs = Inputs {
        project,
        fonts,
        cache,
        logos: &brand.drawings,
    };
    build_kit(&inputs, kit, lang, partner)
}

fn kb(n: usize) -> String {
    format!("{:.1}", n as f64 / 1024.0)
}

/// Builds every kit in each of its languages.
pub fn derive(
    project: &Project,
    brand: &BrandSet,
    cache: &DerivedCache,
) -> Result<KitSet, Diagnostics> {
    if project.kits.is_empty() {
        return Ok(KitSet {
            context: vec![Value::Array(Vec::new()); project.languages.len()],
            ..KitSet::default()
        });
    }
    let base = project.config.base_path();
    let jobs: Vec<(&Kit, &str)> = project
        .kits
        .iter()
        .flat_map(|k| k.languages.iter().map(move |l| (k, l.as_str())))
        .collect();
    let built: Vec<Result<KitBuild, Diagnostics>> = jobs
        .par_iter()
        .map(|(k, l)| {
            crate::guard_item(&k.path, &format!("making this kit in '{l}'"), || {
                build_one(project, brand, cache, k, l, None)
            })
        })
        .collect();
    let mut errors = Diagnostics::new();
    let mut by_kit: BTreeMap<(String, String), KitBuild> = BTreeMap::new();
    for ((k, l), r) in jobs.iter().zip(built) {
        match r {
            Ok(b) => {
                by_kit.insert((k.id.clone(), l.to_string()), b);
            }
            Err(d) => errors.extend(d),
        }
    }
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    let mut files: Vec<(String, Arc<Vec<u8>>)> = Vec::new();
    let mut views: BTreeMap<(String, String), Value> = BTreeMap::new();
    for ((id, lang), b) in &by_kit {
        let dir = format!("downloads/kits/{id}/{lang}");
        let zip_path = format!("downloads/kits/{id}-{lang}.zip");
        files.push((zip_path.clone(), b.zip.clone()));
        let mut list = Vec::new();
        for f in &b.files {
            let path = format!("{dir}/{}", f.path);
            files.push((path.clone(), f.bytes.clone()));
            let thumb = f.thumb.as_ref().map(|t| {
                let stem = f.path.rsplit_once('.').map(|(s, _)| s).unwrap_or(&f.path);
                let tp = format!("{dir}/thumbs/{stem}.png");
                if !files.iter().any(|(p, _)| p == &tp) {
                    files.push((tp.clone(), t.clone()));
                }
                let (w, h) = crate::brand::png_size(t).unwrap_or((0, 0));
                json!({"url": format!("{base}/{tp}"), "width": w, "height": h})
            });
            list.push(json!({
                "name": f.path, "url": format!("{base}/{path}"), "format": f.format,
                "size": f.size, "bytes": f.bytes.len(), "kb": kb(f.bytes.len()),
                "sha256": sha256_hex(&f.bytes), "thumb": thumb,
            }));
        }
        views.insert(
            (id.clone(), lang.clone()),
            json!({
                "files": list,
                "zip": {"url": format!("{base}/{zip_path}"), "name": zip_path.rsplit('/').next(),
                        "kb": kb(b.zip.len()), "bytes": b.zip.len(), "sha256": sha256_hex(&b.zip),
                        "count": b.files.len()},
            }),
        );
    }
    let mut context = Vec::new();
    let mut hasher = blake3::Hasher::new();
    for l in &project.languages {
        let lang = l.code.as_str();
        let d = &project.default_language;
        // In the order of the events.
        let mut ordered: Vec<&Kit> = project.kits.iter().collect();
        ordered.sort_by_key(|k| (k.periods.first().map(|p| p.0), k.id.clone()));
        let list: Vec<Value> = ordered
            .into_iter()
            .map(|k| {
                let shown = if k.languages.iter().any(|x| x == lang) {
                    lang.to_string()
                } else {
                    k.languages.first().cloned().unwrap_or_default()
                };
                let langs: Vec<Value> = k
                    .languages
                    .iter()
                    .map(|c| {
                        let name = project.language(c).map(|x| x.name.clone()).unwrap_or_default();
                        json!({"code": c, "name": name,
                               "zip": views.get(&(k.id.clone(), c.clone())).map(|v| v["zip"].clone())})
                    })
                    .collect();
                let view = views.get(&(k.id.clone(), shown.clone())).cloned().unwrap_or(Value::Null);
                let name = marque_project::brand::localized(&k.data.name, lang, d);
                json!({
                    "id": k.id,
                    "name": name,
                    "tagline": marque_project::brand::localized(&k.data.tagline, lang, d),
                    "dates": k.periods.iter().map(|(a, b)| date_range(project, lang, *a, *b)).collect::<Vec<_>>(),
                    "start": k.periods.first().map(|(a, _)| a.to_string()),
                    "places": k.data.places.iter().map(|p| format!("{}, {}", p.name, p.city)).collect::<Vec<_>>(),
                    "hashtag": k.data.hashtag,
                    "rights": marque_project::brand::localized(&k.data.rights, lang, d),
                    "placeholder": k.mark.is_none(),
                    "available": shown == lang,
                    "shown_lang": shown,
                    "languages": langs,
                    "files": view.get("files").cloned().unwrap_or(Value::Null),
                    "zip": view.get("zip").cloned().unwrap_or(Value::Null),
                })
            })
            .collect();
        let v = Value::Array(list);
        hasher.update(v.to_string().as_bytes());
        context.push(v);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let hashed = files
        .par_iter()
        .map(|(p, b)| crate::OutputFile::new(p.clone(), b.clone()))
        .collect();
    Ok(KitSet {
        hashed,
        files,
        context,
        hash: *hasher.finalize().as_bytes(),
    })
}

/// What `marque kit` wrote.
pub struct KitCliReport {
    /// The folder written.
    pub output: std::path::PathBuf,
    /// The zips written, one per language.
    pub zips: Vec<std::path::PathBuf>,
    /// Files per language.
    pub files: usize,
    /// Warnings (a sanitised partner logo).
    pub warnings: Diagnostics,
}

/// What `marque kit` is asked for.
#[derive(Clone, Copy)]
pub struct KitRequest<'a> {
    /// Project folder.
    pub root: &'a std::path::Path,
    /// The kit's folder name.
    pub id: &'a str,
    /// Only this language (else each of the kit's languages).
    pub lang: Option<&'a str>,
    /// The partner's name, for co-branding.
    pub partner_name: Option<&'a str>,
    /// The partner's logo (SVG or PNG), for co-branding.
    pub partner_logo: Option<&'a std::path::Path>,
    /// Where to write; `<root>/output-kits/<id>` by default.
    pub output: Option<&'a std::path::Path>,
    /// Write into a folder marque did not make.
    pub force: bool,
    /// Told when another marque process holds the project.
    pub on_wait: &'a dyn Fn(&str),
}

/// `marque kit <id>`: builds one kit (in `lang`, or in each of its languages),
/// co-branded for a partner when `partner_name` or `partner_logo` is given, into
/// `output` (default `<root>/output-kits/<id>`). Once everything is built, the folder
/// is replaced whole, in one step, by one that keeps the languages not built this time
/// and holds the new ones (`<lang>/` and `<id>-<lang>.zip`).
pub fn build_cli(req: &KitRequest) -> Result<KitCliReport, Diagnostics> {
    let KitRequest {
        root,
        id,
        lang,
        partner_name,
        partner_logo,
        output,
        force,
        on_wait,
    } = *req;
    let mut warnings_early = Diagnostics::new();
    if let Some(c) = partner_name.and_then(marque_project::yaml::control_char) {
        let mut d = Diagnostics::new();
        d.push(marque_project::Diagnostic::error(
            "--partner-name",
            marque_project::yaml::control_char_message("the partner's name", c),
        ));
        return Err(d);
    }
    use marque_project::{Diagnostic, LoadOptions, load_project};
    let one = |path: &std::path::Path, msg: String| {
        let mut d = Diagnostics::new();
        d.push(Diagnostic::error(path, msg));
        d
    };
    let project = load_project(root, LoadOptions::default())?;
    let Some(kit) = project.kits.iter().find(|k| k.id == id) else {
        let ids: Vec<&str> = project.kits.iter().map(|k| k.id.as_str()).collect();
        return Err(one(
            std::path::Path::new("kits"),
            format!(
                "no kit '{id}'{} (kits: {})",
                marque_project::diag::hint(id, &ids),
                if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.join(", ")
                }
            ),
        ));
    };
    let langs: Vec<String> = match lang {
        Some(l) if kit.languages.iter().any(|x| x == l) => vec![l.to_string()],
        Some(l) => {
            return Err(one(
                std::path::Path::new(&kit.path),
                format!(
                    "kit '{id}' is not made in '{l}' (its languages: {})",
                    kit.languages.join(", ")
                ),
            ));
        }
        None => kit.languages.clone(),
    };
    let out = output
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| root.join("output-kits").join(id));
    let request = crate::output::OutputRequest {
        root,
        output: &out,
        default: "output-kits/<id>/",
        inside: output.is_none(),
        force,
    };
    let out = crate::output::check_output(&request, &|_| false).map_err(|e| {
        let flag = if output.is_some() {
            "--output"
        } else {
            "output-kits"
        };
        one(std::path::Path::new(flag), e)
    })?;
    let _lock =
        crate::lock::ProjectLock::acquire(root, "kit", on_wait).map_err(|e| one(root, e))?;
    for note in crate::output::clean_debris(&out) {
        warnings_early.push(Diagnostic::warning(&out, note));
    }
    let cache_dir = crate::lock::cache_dir(root).map_err(|e| one(root, e))?;
    let cache = DerivedCache::on_disk(cache_dir.join("derived"));
    let brand = crate::brand::derive(&project, &cache)?;
    let mut warnings = warnings_early;
    warnings.extend(brand.warnings.clone());
    let partner = match (partner_name, partner_logo) {
        (None, None) => None,
        (name, logo) => {
            let logo = match logo {
                None => None,
                Some(p) => {
                    let limit = if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("png")) {
                        marque_project::limits::RASTER
                    } else {
                        marque_project::limits::SVG
                    };
                    let bytes = marque_project::source::read_limited(p, limit)
                        .map_err(|e| one(p, format!("partner logo: {}", e.message())))?;
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let Some(fonts) = &brand.fonts else {
                        return Err(one(
                            p,
                            "the brand has no fonts to draw the partner logo with".into(),
                        ));
                    };
                    let (d, removed) = marque_kit::load_logo(&name, &bytes, fonts)
                        .map_err(|e| one(p, format!("partner logo: {e}")))?;
                    for r in removed {
                        warnings.push(Diagnostic::warning(
                            p,
                            format!("partner logo: removed {r}: SVG is sanitised (no scripts, event handlers or external references)"),
                        ));
                    }
                    Some(d)
                }
            };
            let name = name
                .map(str::to_string)
                .or_else(|| {
                    partner_logo
                        .and_then(|p| p.file_stem())
                        .map(|s| s.to_string_lossy().into_owned())
                })
                .unwrap_or_default();
            Some(Partner { name, logo })
        }
    };
    let mut built = Vec::new();
    for l in &langs {
        built.push((
            l.clone(),
            build_one(&project, &brand, &cache, kit, l, partner.as_ref())?,
        ));
    }
    let staging = crate::output::Staging::create(&out).map_err(|e| one(&out, e))?;
    // Everything of the previous folder stays but what this run makes again: the
    // languages not asked for are kept.
    let replaced = |rel: &str| {
        langs
            .iter()
            .any(|l| rel == format!("{id}-{l}.zip") || rel.starts_with(&format!("{l}/")))
            || rel == crate::output::MARKER
    };
    for e in walkdir::WalkDir::new(&out).sort_by_file_name() {
        let Ok(e) = e else { continue };
        if !e.file_type().is_file() {
            continue;
        }
        if let Ok(rel) = e.path().strip_prefix(&out) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !replaced(&rel) {
                staging.keep(&rel);
            }
        }
    }
    let write = || -> std::io::Result<(Vec<std::path::PathBuf>, usize)> {
        let mut zips = Vec::new();
        let mut count = 0;
        for (l, b) in &built {
            for f in &b.files {
                staging.write(&format!("{l}/{}", f.path), &f.bytes)?;
                count += 1;
            }
            let z = format!("{id}-{l}.zip");
            staging.write(&z, &b.zip)?;
            zips.push(out.join(z));
        }
        Ok((zips, count))
    };
    let (zips, files) = match write() {
        Ok(r) => r,
        Err(e) => {
            staging.discard();
            return Err(one(&out, format!("cannot write: {e}")));
        }
    };
    staging
        .commit(true)
        .map_err(|e| one(&out, format!("cannot replace: {e}")))?;
    Ok(KitCliReport {
        output: out,
        zips,
        files,
        warnings,
    })
}

/// The event kits as a feature: every kit in each of its languages and the `kits`
/// variable the kit pages show. Needs the brand set.
pub struct KitsFeature;

impl crate::feature::Feature for KitsFeature {
    fn name(&self) -> &'static str {
        "event kits"
    }

    fn key(&self, cx: &crate::feature::Context) -> Option<[u8; 32]> {
        Some(crate::feature::sets_key(cx.project))
    }

    fn prepare(&self, cx: &crate::feature::Context) -> Result<crate::feature::Given, Diagnostics> {
        // Without the brand set (its errors are reported), no kit.
        let brand = cx.shared.brand.as_ref().ok_or_else(Diagnostics::new)?;
        let set = derive(cx.project, brand, cx.derived)?;
        let global = marque_site::Global {
            name: "kits",
            values: set.context,
            hash: set.hash,
        };
        Ok(crate::feature::Given::published(
            cx.project, set.hashed, global,
        ))
    }
}
