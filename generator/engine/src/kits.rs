//! Every event kit in every one of its languages: the files under
//! `downloads/kits/<id>/<lang>/`, small previews for the site under `…/thumbs/`, one zip
//! per kit and language (`downloads/kits/<id>-<lang>.zip`), and the `kits` template
//! variable the kit pages show.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use marque_assets::archive::sha256_hex;
use marque_assets::cache::DerivedCache;
use marque_kit::{Inputs, KitBuild, Partner, build_kit, date_range};
use marque_project::{Diagnostic, Diagnostics, Kit, LoadOptions, Project, load_project};
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

/// A kit built in one language, by (kit id, language).
type Builds = BTreeMap<(String, String), KitBuild>;

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
    let by_kit = build_all(project, brand, cache)?;
    let mut files: Vec<(String, Arc<Vec<u8>>)> = Vec::new();
    let mut views: BTreeMap<(String, String), Value> = BTreeMap::new();
    for ((id, lang), b) in &by_kit {
        let view = publish_build(&base, id, lang, b, &mut files);
        views.insert((id.clone(), lang.clone()), view);
    }
    let mut context = Vec::new();
    let mut hasher = blake3::Hasher::new();
    for l in &project.languages {
        let v = kits_context(project, l.code.as_str(), &views);
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

/// Every kit in each of its languages, built in parallel; the errors of all, sorted.
fn build_all(
    project: &Project,
    brand: &BrandSet,
    cache: &DerivedCache,
) -> Result<Builds, Diagnostics> {
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
    let mut by_kit: Builds = BTreeMap::new();
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
    Ok(by_kit)
}

/// Adds kit `id` in `lang` to `files` (its zip, its files, their thumbnails once);
/// gives its files and zip as the kit page lists them.
fn publish_build(
    base: &str,
    id: &str,
    lang: &str,
    b: &KitBuild,
    files: &mut Vec<(String, Arc<Vec<u8>>)>,
) -> Value {
    let dir = marque_kit::site_folder(id, lang);
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
    json!({
        "files": list,
        "zip": {"url": format!("{base}/{zip_path}"), "name": zip_path.rsplit('/').next(),
                "kb": kb(b.zip.len()), "bytes": b.zip.len(), "sha256": sha256_hex(&b.zip),
                "count": b.files.len()},
    })
}

/// The `kits` variable of language `lang`: every kit, in the order of the events.
fn kits_context(project: &Project, lang: &str, views: &BTreeMap<(String, String), Value>) -> Value {
    let mut ordered: Vec<&Kit> = project.kits.iter().collect();
    ordered.sort_by_key(|k| (k.periods.first().map(|p| p.0), k.id.clone()));
    Value::Array(
        ordered
            .into_iter()
            .map(|k| kit_view(project, k, lang, views))
            .collect(),
    )
}

/// One kit as the pages of `lang` show it: in that language when the kit is made in
/// it, else in the kit's first language.
fn kit_view(
    project: &Project,
    k: &Kit,
    lang: &str,
    views: &BTreeMap<(String, String), Value>,
) -> Value {
    let d = &project.default_language;
    let shown = if k.languages.iter().any(|x| x == lang) {
        lang.to_string()
    } else {
        k.languages.first().cloned().unwrap_or_default()
    };
    let langs: Vec<Value> = k
        .languages
        .iter()
        .map(|c| {
            let name = project
                .language(c)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            json!({"code": c, "name": name,
                   "zip": views.get(&(k.id.clone(), c.clone())).map(|v| v["zip"].clone())})
        })
        .collect();
    let view = views
        .get(&(k.id.clone(), shown.clone()))
        .cloned()
        .unwrap_or(Value::Null);
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
    /// A light version of the partner's logo, for dark backgrounds.
    pub partner_logo_light: Option<&'a std::path::Path>,
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
    let KitRequest { root, id, .. } = *req;
    if let Some(c) = req
        .partner_name
        .and_then(marque_project::yaml::control_char)
    {
        return Err(single_error(
            Path::new("--partner-name"),
            marque_project::yaml::control_char_message("the partner's name", c),
        ));
    }
    let project = load_project(root, LoadOptions::default())?;
    let kit = find_kit(&project, id)?;
    let langs = requested_languages(kit, id, req.lang)?;
    let out = output_folder(req)?;
    let _lock = crate::lock::ProjectLock::acquire(root, "kit", req.on_wait)
        .map_err(|e| single_error(root, e))?;
    let mut warnings = Diagnostics::new();
    for note in crate::output::clean_debris(&out) {
        warnings.push(Diagnostic::warning(&out, note));
    }
    let cache_dir = crate::lock::cache_dir(root).map_err(|e| single_error(root, e))?;
    let cache = DerivedCache::on_disk(cache_dir.join("derived"));
    let brand = crate::brand::derive(&project, &cache)?;
    warnings.extend(brand.warnings.clone());
    let partner = partner(req, &brand, primary_luminance(&project), &mut warnings)?;
    warnings.extend(placeholder_warnings(&project, std::iter::once(kit)));
    let mut built = Vec::new();
    for l in &langs {
        built.push((
            l.clone(),
            build_one(&project, &brand, &cache, kit, l, partner.as_ref())?,
        ));
    }
    let (zips, files) = write_kits(&out, id, &built)?;
    Ok(KitCliReport {
        output: out,
        zips,
        files,
        warnings,
    })
}

/// One error on `path`, as the diagnostics of a failed step.
fn single_error(path: &Path, msg: String) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.push(Diagnostic::error(path, msg));
    d
}

/// The kit `id` of the project; an error lists the kits there are.
fn find_kit<'p>(project: &'p Project, id: &str) -> Result<&'p Kit, Diagnostics> {
    project.kits.iter().find(|k| k.id == id).ok_or_else(|| {
        let ids: Vec<&str> = project.kits.iter().map(|k| k.id.as_str()).collect();
        single_error(
            Path::new("kits"),
            format!(
                "no kit '{id}'{} (kits: {})",
                marque_project::diag::hint(id, &ids),
                if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.join(", ")
                }
            ),
        )
    })
}

/// The languages to build: `lang` when the kit is made in it (else an error), or all
/// of the kit's.
fn requested_languages(
    kit: &Kit,
    id: &str,
    lang: Option<&str>,
) -> Result<Vec<String>, Diagnostics> {
    Ok(match lang {
        Some(l) if kit.languages.iter().any(|x| x == l) => vec![l.to_string()],
        Some(l) => {
            return Err(single_error(
                Path::new(&kit.path),
                format!(
                    "kit '{id}' is not made in '{l}' (its languages: {})",
                    kit.languages.join(", ")
                ),
            ));
        }
        None => kit.languages.clone(),
    })
}

/// The folder to write: `--output`, else `<root>/output-kits/<id>`, once checked as a
/// place marque may write.
fn output_folder(req: &KitRequest) -> Result<PathBuf, Diagnostics> {
    let out = req
        .output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| req.root.join("output-kits").join(req.id));
    let request = crate::output::OutputRequest {
        root: req.root,
        output: &out,
        default: "output-kits/<id>/",
        inside: req.output.is_none(),
        force: req.force,
    };
    crate::output::check_output(&request, &|_| false).map_err(|e| {
        let flag = if req.output.is_some() {
            "--output"
        } else {
            "output-kits"
        };
        single_error(Path::new(flag), e)
    })
}

/// The partner, when a name or a logo is given: its name defaults to the logo file's
/// stem; what sanitising removed from its logo goes to `warnings`.
fn partner(
    req: &KitRequest,
    brand: &BrandSet,
    dark: f64,
    warnings: &mut Diagnostics,
) -> Result<Option<Partner>, Diagnostics> {
    if req.partner_name.is_none() && req.partner_logo.is_none() && req.partner_logo_light.is_none()
    {
        return Ok(None);
    }
    let logo = match req.partner_logo {
        None => None,
        Some(p) => Some(partner_logo(p, brand, warnings)?),
    };
    let logo_light = match req.partner_logo_light {
        None => None,
        Some(p) => Some(partner_logo(p, brand, warnings)?),
    };
    let name = req
        .partner_name
        .map(str::to_string)
        .or_else(|| {
            req.partner_logo
                .or(req.partner_logo_light)
                .and_then(|p| p.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    let needs_plate = logo_contrast(
        req,
        brand,
        dark,
        logo.as_ref(),
        logo_light.as_ref(),
        warnings,
    );
    Ok(Some(Partner {
        name,
        logo,
        logo_light,
        needs_plate,
    }))
}

/// Below this contrast ratio (WCAG's for graphics), a logo nearly vanishes.
const LOGO_CONTRAST: f64 = 3.0;

/// Checks the partner's logos against the backgrounds they go on (light for the logo,
/// the brand's primary colour for the light version); warns when one nearly vanishes.
/// True when the logo must go on a light plate on dark backgrounds (no light version
/// given and too little contrast there).
fn logo_contrast(
    req: &KitRequest,
    brand: &BrandSet,
    dark: f64,
    logo: Option<&marque_assets::svg::Drawing>,
    light: Option<&marque_assets::svg::Drawing>,
    warnings: &mut Diagnostics,
) -> bool {
    use marque_assets::svg::{contrast, ink_luminance};
    let Some(fonts) = &brand.fonts else {
        return false;
    };
    let lum = |d: &marque_assets::svg::Drawing| {
        marque_assets::svg::parse(&String::from_utf8_lossy(&d.svg), fonts)
            .ok()
            .and_then(|t| ink_luminance(&t))
    };
    let mut plate = false;
    if let (Some(d), Some(p)) = (logo, req.partner_logo)
        && let Some(l) = lum(d)
    {
        let on_light = contrast(l, 1.0);
        if on_light < LOGO_CONTRAST {
            warnings.push(Diagnostic::warning(
                p,
                format!(
                    "partner logo: its contrast against the light backgrounds (posters, badge, lockup-primary) is {on_light:.1}:1, under {LOGO_CONTRAST}:1, so it nearly vanishes there: give a darker version"
                ),
            ));
        }
        let on_dark = contrast(l, dark);
        if light.is_none() && on_dark < LOGO_CONTRAST {
            plate = true;
            warnings.push(Diagnostic::warning(
                p,
                format!(
                    "partner logo: its contrast against the dark backgrounds (social images, banner, lockup-white) is {on_dark:.1}:1, under {LOGO_CONTRAST}:1: it is put on a white plate there; give --partner-logo-light FILE for a version drawn for dark backgrounds"
                ),
            ));
        }
    }
    if let (Some(d), Some(p)) = (light, req.partner_logo_light)
        && let Some(l) = lum(d)
    {
        let on_dark = contrast(l, dark);
        if on_dark < LOGO_CONTRAST {
            warnings.push(Diagnostic::warning(
                p,
                format!(
                    "partner logo (light version): its contrast against the dark backgrounds (social images, banner, lockup-white) is {on_dark:.1}:1, under {LOGO_CONTRAST}:1, so it nearly vanishes there: give a lighter version"
                ),
            ));
        }
    }
    plate
}

/// Relative luminance of the brand's primary colour (the dark backgrounds kits use).
fn primary_luminance(project: &Project) -> f64 {
    use marque_assets::svg::relative_luminance;
    let hex = project
        .brand
        .colors
        .iter()
        .find(|c| c.role.as_deref() == Some("primary"))
        .map(|c| c.hex.trim_start_matches('#').to_string())
        .unwrap_or_default();
    let part = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    match (part(0), part(2), part(4)) {
        (Some(r), Some(g), Some(b)) => relative_luminance(r, g, b),
        _ => 0.0,
    }
}

/// The partner's logo file at `p` (SVG or PNG, within the size limits), sanitised and
/// drawn with the brand fonts.
fn partner_logo(
    p: &Path,
    brand: &BrandSet,
    warnings: &mut Diagnostics,
) -> Result<marque_assets::svg::Drawing, Diagnostics> {
    let limit = if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("png")) {
        marque_project::limits::RASTER
    } else {
        marque_project::limits::SVG
    };
    let bytes = marque_project::source::read_limited(p, limit)
        .map_err(|e| single_error(p, format!("partner logo: {}", e.message())))?;
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(fonts) = &brand.fonts else {
        return Err(single_error(
            p,
            "the brand has no fonts to draw the partner logo with".into(),
        ));
    };
    let (d, removed) = marque_kit::load_logo(&name, &bytes, fonts)
        .map_err(|e| single_error(p, format!("partner logo: {e}")))?;
    for r in removed {
        warnings.push(Diagnostic::warning(
            p,
            format!("partner logo: removed {r}: SVG is sanitised (no scripts, event handlers or external references)"),
        ));
    }
    Ok(d)
}

/// Replaces the folder `out` in one step by one that keeps what this run does not make
/// again (the languages not asked for) and holds `built`; gives the zips written and
/// the number of files.
fn write_kits(
    out: &Path,
    id: &str,
    built: &[(String, KitBuild)],
) -> Result<(Vec<PathBuf>, usize), Diagnostics> {
    let staging = crate::output::Staging::create(out).map_err(|e| single_error(out, e))?;
    let replaced = |rel: &str| {
        built
            .iter()
            .any(|(l, _)| rel == format!("{id}-{l}.zip") || rel.starts_with(&format!("{l}/")))
            || rel == crate::output::MARKER
    };
    for e in walkdir::WalkDir::new(out).sort_by_file_name() {
        let Ok(e) = e else { continue };
        if !e.file_type().is_file() {
            continue;
        }
        if let Ok(rel) = e.path().strip_prefix(out) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !replaced(&rel) {
                staging.keep(&rel);
            }
        }
    }
    let write = || -> std::io::Result<(Vec<PathBuf>, usize)> {
        let mut zips = Vec::new();
        let mut count = 0;
        for (l, b) in built {
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
    let written = match write() {
        Ok(r) => r,
        Err(e) => {
            staging.discard();
            return Err(single_error(out, format!("cannot write: {e}")));
        }
    };
    staging
        .commit(true)
        .map_err(|e| single_error(out, format!("cannot replace: {e}")))?;
    Ok(written)
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
        let mut given = crate::feature::Given::published(cx.project, set.hashed, global);
        given.warnings = placeholder_warnings(cx.project, cx.project.kits.iter());
        Ok(given)
    }
}

/// One warning per kit that still carries the drawn placeholder for its event mark, so
/// that its print files do not go to a printer by accident.
pub fn placeholder_warnings<'k>(
    project: &Project,
    kits: impl Iterator<Item = &'k Kit>,
) -> Diagnostics {
    let mut d = Diagnostics::new();
    for k in kits.filter(|k| k.mark.is_none()) {
        let folder = Path::new(&k.path)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        d.push(Diagnostic::warning(
            &k.path,
            format!(
                "kit '{}' has no official event mark: its posters, badge and roll-up show the placeholder (\"{}\"); do not send them to a printer before the official mark is in {folder}/mark.svg (or mark.png)",
                k.id,
                project
                    .theme_string(&project.default_language, "kit_mark_placeholder")
                    .unwrap_or("Placeholder for the official mark"),
            ),
        ));
    }
    d
}
