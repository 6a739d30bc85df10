//! The brand set: every file a partner downloads, derived from `brand/` (design tokens,
//! sanitised logos as SVG, PNG and PDF, fonts, usage illustrations, a usage guide per
//! language, the logo pack and a brand pack per language), and what the portal pages
//! show about them (the `brand` variable of templates). Expensive files go through the
//! derived-file cache.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use marque_assets::archive::{self, Entry};
use marque_assets::cache::{DerivedCache, key};
use marque_assets::svg::{self, Fonts, PdfPage};
use marque_assets::tokens;
use marque_project::brand::{LogoColor, UsageKind, localized, parse_hex};
use marque_project::{Diagnostic, Diagnostics, Project};
use rayon::prelude::*;
use serde_json::{Value, json};

/// An output path and its bytes.
pub type File = (String, Arc<Vec<u8>>);

/// Output path → bytes.
pub type Files = Vec<File>;

/// PNG widths of every logo.
pub const PNG_WIDTHS: [u32; 3] = [512, 1024, 2048];

/// What the brand set adds to a build.
#[derive(Default)]
pub struct BrandSet {
    /// Output path → bytes.
    pub files: Vec<(String, Arc<Vec<u8>>)>,
    /// The `brand` template variable, per language (index of `project.languages`).
    pub context: Vec<Value>,
    /// blake3 of everything the context says (pages showing it depend on it).
    pub hash: [u8; 32],
    /// Sanitising warnings.
    pub warnings: Diagnostics,
    /// The brand fonts, for kits.
    pub fonts: Option<Fonts>,
    /// Every logo, outlined, by id (kits place them).
    pub drawings: BTreeMap<String, svg::Drawing>,
    /// `files` with their hashes, as a build writes them.
    pub hashed: Vec<crate::OutputFile>,
}

/// One downloadable file, as the portal lists it.
fn file_info(base: &str, path: &str, bytes: &[u8], format: &str, dims: String) -> Value {
    json!({
        "name": path.rsplit('/').next().unwrap_or(path),
        "path": path,
        "url": format!("{base}/{path}"),
        "format": format,
        "bytes": bytes.len(),
        "kb": format!("{:.1}", bytes.len() as f64 / 1024.0),
        "sha256": archive::sha256_hex(bytes),
        "dimensions": dims,
    })
}

pub use marque_assets::svg::png_size;

fn fmt_num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A theme string for `lang` (the default language's, else `fallback`).
fn text(project: &Project, lang: &str, key: &str, fallback: &str) -> String {
    project
        .theme_string(lang, key)
        .unwrap_or(fallback)
        .to_string()
}

struct Logo {
    id: String,
    svg: Arc<Vec<u8>>,
    width: f64,
    height: f64,
    files: Vec<(String, Arc<Vec<u8>>, &'static str, String)>,
}

/// Derives the brand set. Problems in the brand's files are errors naming the file
/// (and line where there is one).
pub fn derive(project: &Project, cache: &DerivedCache) -> Result<BrandSet, Diagnostics> {
    let brand = &project.brand;
    let mut diags = Diagnostics::new();
    let mut warnings = Diagnostics::new();
    let base = project.config.base_path();
    let slug = marque_site::slugify(if brand.name.is_empty() {
        "brand"
    } else {
        &brand.name
    });
    let mut files: Vec<(String, Arc<Vec<u8>>)> = Vec::new();
    let licence = brand
        .licence
        .clone()
        .unwrap_or_else(|| format!("© {}: use as the brand guide says", brand.name));

    // Design tokens, from the same data as the theme's custom properties.
    let mut token_files = Vec::new();
    if !brand.colors.is_empty() {
        for (ext, bytes, format) in [
            (
                "css",
                marque_assets::css::brand_properties(brand).into_bytes(),
                "CSS",
            ),
            ("scss", tokens::scss(brand).into_bytes(), "SCSS"),
            (
                "tokens.json",
                tokens::dtcg_json(brand).into_bytes(),
                "DTCG JSON",
            ),
            (
                "gpl",
                tokens::gpl(brand).into_bytes(),
                "GIMP/Inkscape palette",
            ),
            ("ase", tokens::ase(brand), "Adobe Swatch Exchange"),
        ] {
            token_files.push((
                format!("downloads/tokens/{slug}.{ext}"),
                Arc::new(bytes),
                format,
            ));
        }
    }

    // Fonts: the only ones SVG text is drawn with.
    let font_list: Vec<(String, Arc<Vec<u8>>)> = brand
        .font_files
        .iter()
        .filter(|f| !f.name.ends_with(".txt"))
        .map(|f| (f.rel.clone(), f.bytes.clone()))
        .collect();
    let family = brand
        .typography
        .iter()
        .find(|t| !t.files.is_empty())
        .map(|t| t.family.clone())
        .unwrap_or_default();
    let fonts = match Fonts::new(&font_list, &family) {
        Ok(f) => f,
        Err(e) => {
            // Point at the line of brand.yaml that names the file.
            let at = brand.typography.iter().enumerate().find_map(|(i, t)| {
                t.files.iter().enumerate().find_map(|(j, f)| {
                    e.contains(&format!("'brand/{}'", f.value))
                        .then(|| (format!("typography[{i}].files[{j}]"), f.line))
                })
            });
            diags.push(match at {
                Some((field, line)) => {
                    Diagnostic::error("brand/brand.yaml", format!("{field}: {e}")).at_line(line)
                }
                None => Diagnostic::error("brand/brand.yaml", format!("typography: {e}")),
            });
            return Err(diags);
        }
    };

    // Logos: sanitise, then SVG with outlined text, PNGs, PDF, each cached.
    let svg_error = |rel: &str, e: svg::SvgError| {
        let d = Diagnostic::error(rel, e.message);
        if e.line > 0 {
            d.at(e.line, e.column.max(1))
        } else {
            d
        }
    };
    let logos: Vec<Result<(Logo, Vec<String>), Diagnostic>> = brand
        .logos
        .par_iter()
        .filter_map(|l| brand.logo_files.get(&l.id).map(|f| (l, f)))
        .map(|(l, f)| {
            crate::guard_item(&f.rel, "making this logo's downloads", || {
                let text = std::str::from_utf8(&f.bytes).map_err(|_| {
                    Diagnostic::error(&f.rel, "not an SVG: the file is not UTF-8 text")
                })?;
                let clean = svg::sanitize(text).map_err(|e| svg_error(&f.rel, e))?;
                let tree = std::sync::OnceLock::new();
                let tree = || -> Result<&svg::Tree, Diagnostic> {
                    if tree.get().is_none() {
                        let t = svg::parse(&clean.svg, &fonts).map_err(|e| svg_error(&f.rel, e))?;
                        let _ = tree.set(t);
                    }
                    tree.get()
                        .ok_or_else(|| Diagnostic::error(&f.rel, "cannot draw this SVG"))
                };
                let input = [clean.svg.as_bytes(), fonts.digest.as_slice()];
                let out_svg = cache.get_or_make("svg", &key("svg", &input), || {
                    tree().map(|t| svg::normalized(t).into_bytes())
                })?;
                let (width, height) = svg::svg_size(&String::from_utf8_lossy(&out_svg));
                let stem = format!("downloads/logos/{slug}-{}", l.id);
                let mut outs = vec![(
                    format!("{stem}.svg"),
                    out_svg.clone(),
                    "SVG",
                    format!("{} × {} px", fmt_num(width), fmt_num(height)),
                )];
                for w in PNG_WIDTHS {
                    let settings = format!("width={w}");
                    let bytes = cache.get_or_make(
                        "png",
                        &key("png", &[input[0], input[1], settings.as_bytes()]),
                        || {
                            tree().and_then(|t| {
                                svg::png(t, w).map_err(|e| Diagnostic::error(&f.rel, e))
                            })
                        },
                    )?;
                    let (pw, ph) = png_size(&bytes).unwrap_or((w, 0));
                    outs.push((
                        format!("{stem}-{w}.png"),
                        bytes,
                        "PNG",
                        format!("{pw} × {ph} px"),
                    ));
                }
                let pdf = cache.get_or_make("pdf", &key("pdf", &input), || {
                    tree().and_then(|t| {
                        svg::pdf(&[PdfPage {
                            tree: t,
                            width_pt: t.size().width() * 0.75,
                            height_pt: t.size().height() * 0.75,
                            bleed_pt: None,
                        }])
                        .map_err(|e| Diagnostic::error(&f.rel, e))
                    })
                })?;
                outs.push((
                    format!("{stem}.pdf"),
                    pdf,
                    "PDF",
                    format!(
                        "{} × {} mm",
                        fmt_num((width * 25.4 / 96.0 * 10.0).round() / 10.0),
                        fmt_num((height * 25.4 / 96.0 * 10.0).round() / 10.0)
                    ),
                ));
                let removed = clean
                    .removed
                    .iter()
                    .map(|r| format!("{}: removed {r}", f.rel))
                    .collect();
                Ok((
                    Logo {
                        id: l.id.clone(),
                        svg: out_svg,
                        width,
                        height,
                        files: outs,
                    },
                    removed,
                ))
            })
        })
        .collect();
    let mut done: BTreeMap<String, Logo> = BTreeMap::new();
    for r in logos {
        match r {
            Ok((logo, removed)) => {
                for r in removed {
                    let (file, msg) = r.split_once(": ").unwrap_or(("brand", &r));
                    warnings.push(Diagnostic::warning(
                        file,
                        format!("{msg}: SVG is sanitised (no scripts, event handlers or external references)"),
                    ));
                }
                done.insert(logo.id.clone(), logo);
            }
            Err(d) => diags.push(d),
        }
    }

    // Usage illustrations: sanitised, text outlined.
    let mut rule_svgs: Vec<(String, Arc<Vec<u8>>)> = Vec::new();
    for f in &brand.rule_files {
        let Ok(text) = std::str::from_utf8(&f.bytes) else {
            diags.push(Diagnostic::error(
                &f.rel,
                "not an SVG: the file is not UTF-8 text",
            ));
            continue;
        };
        let clean = match svg::sanitize(text) {
            Ok(c) => c,
            Err(e) => {
                diags.push(svg_error(&f.rel, e));
                continue;
            }
        };
        for r in &clean.removed {
            warnings.push(Diagnostic::warning(
                &f.rel,
                format!("removed {r}: SVG is sanitised (no scripts, event handlers or external references)"),
            ));
        }
        let made = cache.get_or_make(
            "svg",
            &key("svg", &[clean.svg.as_bytes(), fonts.digest.as_slice()]),
            || {
                svg::parse(&clean.svg, &fonts)
                    .map(|t| svg::normalized(&t).into_bytes())
                    .map_err(|e| svg_error(&f.rel, e))
            },
        );
        match made {
            Ok(b) => rule_svgs.push((format!("downloads/rules/{}", f.name), b)),
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        diags.sort();
        return Err(diags);
    }

    // Logo pack: every variant in every format.
    let logo_entries: Vec<Entry> = done
        .values()
        .flat_map(|l| l.files.iter())
        .map(|(p, b, _, _)| Entry {
            path: format!("logos/{}", p.rsplit('/').next().unwrap_or(p)),
            bytes: b.clone(),
            licence: licence.clone(),
        })
        .collect();
    let font_entries: Vec<Entry> = brand
        .font_files
        .iter()
        .map(|f| Entry {
            path: format!("fonts/{}", f.name),
            bytes: f.bytes.clone(),
            licence: "OFL-1.1".into(),
        })
        .collect();
    let token_entries: Vec<Entry> = token_files
        .iter()
        .map(|(p, b, _)| Entry {
            path: format!("tokens/{}", p.rsplit('/').next().unwrap_or(p)),
            bytes: b.clone(),
            licence: licence.clone(),
        })
        .collect();
    let zip_cached = |entries: &[Entry]| -> Result<Arc<Vec<u8>>, Diagnostics> {
        let mut parts: Vec<Vec<u8>> = Vec::new();
        for e in entries {
            parts.push(e.path.as_bytes().to_vec());
            parts.push(blake3::hash(&e.bytes).as_bytes().to_vec());
            parts.push(e.licence.as_bytes().to_vec());
        }
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
        cache
            .get_or_make("zip", &key("zip", &refs), || archive::zip(entries))
            .map_err(|e| {
                let mut d = Diagnostics::new();
                d.push(Diagnostic::error(
                    "brand",
                    format!("cannot write a zip: {e}"),
                ));
                d
            })
    };
    let mut downloads_common: Vec<Value> = Vec::new();
    let logo_pack_path = format!("downloads/{slug}-logos.zip");
    let logo_pack = if logo_entries.is_empty() {
        None
    } else {
        let z = zip_cached(&logo_entries)?;
        files.push((logo_pack_path.clone(), z.clone()));
        let mut info = file_info(&base, &logo_pack_path, &z, "ZIP", String::new());
        info["count"] = json!(logo_entries.len() + 1);
        Some(info)
    };

    for l in done.values() {
        for (p, b, _, _) in &l.files {
            files.push((p.clone(), b.clone()));
        }
    }
    for (p, b, _) in &token_files {
        files.push((p.clone(), b.clone()));
        let format = p.rsplit('.').next().unwrap_or("").to_uppercase();
        downloads_common.push(
            json!({"group": "tokens", "file": file_info(&base, p, b, &format, String::new())}),
        );
    }
    for f in &brand.font_files {
        let p = format!("downloads/fonts/{}", f.name);
        files.push((p.clone(), f.bytes.clone()));
        let format = if f.name.ends_with(".txt") {
            "TXT"
        } else if f.name.ends_with(".ttf") {
            "TTF"
        } else {
            "OTF"
        };
        downloads_common.push(json!({"group": "fonts", "file": file_info(&base, &p, &f.bytes, format, String::new())}));
    }
    for (p, b) in &rule_svgs {
        files.push((p.clone(), b.clone()));
    }

    // The portal's view of the brand, the same in every language but for texts.
    let colors: Vec<Value> = brand
        .colors
        .iter()
        .map(|c| {
            let rgb = parse_hex(&c.hex).unwrap_or([0, 0, 0]);
            let on_white = tokens::contrast_ratio(rgb, [255, 255, 255]);
            let on_black = tokens::contrast_ratio(rgb, [0, 0, 0]);
            json!({
                "id": c.id, "name": c.name, "role": c.role, "hex": c.hex.to_uppercase(),
                "rgb": format!("{}, {}, {}", rgb[0], rgb[1], rgb[2]),
                "cmyk": c.cmyk, "pantone": c.pantone, "ral": c.ral,
                "ink": if on_white >= on_black { "#FFFFFF" } else { "#000000" },
            })
        })
        .collect();
    let contrast: Vec<Value> = brand
        .colors
        .iter()
        .map(|fg| {
            let f = parse_hex(&fg.hex).unwrap_or([0, 0, 0]);
            let cells: Vec<Value> = brand
                .colors
                .iter()
                .map(|bg| {
                    let b = parse_hex(&bg.hex).unwrap_or([0, 0, 0]);
                    let r = tokens::contrast_ratio(f, b);
                    json!({
                        "bg": bg.id, "bg_name": bg.name, "bg_hex": bg.hex.to_uppercase(),
                        "same": fg.id == bg.id,
                        "ratio": format!("{:.2}", r),
                        "aa": r >= 4.5, "aaa": r >= 7.0, "aa_large": r >= 3.0,
                    })
                })
                .collect();
            json!({"fg": fg.id, "fg_name": fg.name, "fg_hex": fg.hex.to_uppercase(), "cells": cells})
        })
        .collect();
    let logos_view: Vec<Value> = brand
        .logos
        .iter()
        .filter_map(|l| done.get(&l.id).map(|d| (l, d)))
        .map(|(l, d)| {
            let files: Vec<Value> = d
                .files
                .iter()
                .map(|(p, b, fmt, dims)| file_info(&base, p, b, fmt, dims.clone()))
                .collect();
            json!({
                "id": l.id, "layout": l.layout.as_str(), "color": l.color.as_str(),
                "background": if l.color == LogoColor::White { "dark" } else { "light" },
                "url": format!("{base}/downloads/logos/{slug}-{}.svg", l.id),
                "width": d.width, "height": d.height,
                "width_px": d.width.round() as u32, "height_px": d.height.round() as u32,
                "ratio": if d.height > 0.0 { d.width / d.height } else { 1.0 },
                "files": files,
            })
        })
        .collect();
    let fonts_view: Vec<Value> = brand
        .typography
        .iter()
        .map(|t| {
            let faces: Vec<Value> =
                t.files
                    .iter()
                    .filter_map(|f| {
                        brand.font_files.iter().find(|b| {
                            b.rel == format!("brand/{}", f.value.trim_start_matches("./"))
                        })
                    })
                    .map(|b| {
                        json!({"name": b.name, "url": format!("{base}/downloads/fonts/{}", b.name),
                    "format": if b.name.ends_with(".ttf") { "truetype" } else { "opentype" },
                    "weight": weight_of(&b.name)})
                    })
                    .collect();
            json!({"family": t.family, "role": t.role, "weights": t.weights, "licence": t.licence,
                   "usage": t.usage, "fallback": t.fallback, "files": faces})
        })
        .collect();
    let min_size: Vec<Value> = brand
        .rules
        .min_size
        .iter()
        .map(|m| {
            // The primary logo of that layout, drawn at its minimum width.
            let shown = brand
                .logos
                .iter()
                .find(|l| l.layout == m.layout && l.color == LogoColor::Primary)
                .and_then(|l| done.get(&l.id).map(|d| (l, d)));
            let (url, height_px) = match shown {
                Some((l, d)) if d.width > 0.0 => (
                    Some(format!("{base}/downloads/logos/{slug}-{}.svg", l.id)),
                    (m.screen_px as f64 * d.height / d.width).round() as u32,
                ),
                _ => (None, 0),
            };
            json!({"layout": m.layout.as_str(), "print_mm": fmt_num(m.print_mm),
                   "screen_px": m.screen_px, "url": url, "height_px": height_px})
        })
        .collect();
    let clear_logo = brand
        .logos
        .iter()
        .find(|l| l.color == LogoColor::Primary)
        .and_then(|l| {
            logos_view
                .iter()
                .find(|v| v["id"] == l.id.as_str())
                .cloned()
        });

    // Per language: texts, the usage guide and the brand pack.
    let mut context = Vec::new();
    let mut hasher = blake3::Hasher::new();
    let per_lang: Vec<Result<(Files, Value), Diagnostics>> = project
        .languages
        .par_iter()
        .map(|lang| {
            let code = lang.code.as_str();
            let usage: Vec<Value> = brand
                .rules
                .usage
                .iter()
                .zip(&brand.rule_files)
                .map(|(u, f)| json!({
                    "kind": if u.kind == UsageKind::Do { "do" } else { "dont" },
                    "text": localized(&u.text, code, &project.default_language),
                    "url": format!("{base}/downloads/rules/{}", f.name),
                }))
                .collect();
            let cobranding: Vec<String> = brand
                .rules
                .cobranding
                .iter()
                .map(|t| localized(t, code, &project.default_language).to_string())
                .collect();
            let mut out = Vec::new();
            let mut downloads = downloads_common.clone();
            let guide_path = format!("downloads/{slug}-guide-{code}.pdf");
            let guide = if done.is_empty() {
                None
            } else {
                let g = guide_pdf(project, code, &done, &rule_svgs, &fonts, cache)?;
                out.push((guide_path.clone(), g.clone()));
                Some(g)
            };
            let mut pack = Value::Null;
            if let Some(g) = &guide {
                let mut entries = logo_entries.clone();
                entries.extend(font_entries.iter().cloned());
                entries.extend(token_entries.iter().cloned());
                entries.push(Entry {
                    path: guide_path.rsplit('/').next().unwrap_or("guide.pdf").to_string(),
                    bytes: g.clone(),
                    licence: licence.clone(),
                });
                let z = zip_cached(&entries)?;
                let p = format!("downloads/{slug}-brand-pack-{code}.zip");
                pack = file_info(&base, &p, &z, "ZIP", String::new());
                pack["count"] = json!(entries.len() + 1);
                out.push((p, z));
                downloads.insert(0, json!({"group": "guide", "file": file_info(&base, &guide_path, g, "PDF", "A4".into())}));
            }
            let view = json!({
                "name": brand.name,
                "slug": slug,
                "logos": logos_view,
                "colors": colors,
                "contrast": contrast,
                "fonts": fonts_view,
                "rules": {
                    "clear_space": brand.rules.clear_space,
                    "clear_space_percent": fmt_num(brand.rules.clear_space * 100.0),
                    "clear_logo": clear_logo,
                    "min_size": min_size,
                    "usage": usage,
                    "cobranding": cobranding,
                },
                "packs": {"logos": logo_pack, "brand": pack},
                "downloads": downloads,
            });
            Ok((out, view))
        })
        .collect();
    for r in per_lang {
        let (out, view) = r?;
        files.extend(out);
        hasher.update(view.to_string().as_bytes());
        context.push(view);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let drawings = done
        .iter()
        .map(|(id, l)| {
            (
                id.clone(),
                svg::Drawing {
                    svg: l.svg.clone(),
                    width: l.width,
                    height: l.height,
                },
            )
        })
        .collect();
    let hashed = files
        .par_iter()
        .map(|(p, b)| crate::OutputFile::new(p.clone(), b.clone()))
        .collect();
    Ok(BrandSet {
        hashed,
        files,
        context,
        hash: *hasher.finalize().as_bytes(),
        warnings,
        fonts: Some(fonts.clone()),
        drawings,
    })
}

/// The weight a font file name says (`Inter-SemiBold.otf` → 600).
fn weight_of(name: &str) -> u16 {
    let n = name.to_ascii_lowercase();
    for (w, k) in [
        (800, "extrabold"),
        (600, "semibold"),
        (700, "bold"),
        (900, "black"),
        (500, "medium"),
        (300, "light"),
        (200, "extralight"),
        (100, "thin"),
    ] {
        if n.contains(k) {
            return w;
        }
    }
    400
}

fn esc(s: &str) -> String {
    marque_site::xml_escape(s)
}

/// `text` cut into lines of about `width` at `size` (both in the same unit), by
/// words, from an average glyph width of half the font size.
fn wrap(text: &str, width: f64, size: f64) -> Vec<String> {
    let max = (width / (size * 0.5)).max(8.0) as usize;
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// The usage guide of `lang` as an A4 PDF: cover, logos, clear space and sizes,
/// colours, typography, do's and don'ts, co-branding.
fn guide_pdf(
    project: &Project,
    lang: &str,
    logos: &BTreeMap<String, Logo>,
    rules: &[(String, Arc<Vec<u8>>)],
    fonts: &Fonts,
    cache: &DerivedCache,
) -> Result<Arc<Vec<u8>>, Diagnostics> {
    let brand = &project.brand;
    let t = |k: &str, d: &str| esc(&text(project, lang, k, d));
    let rtl = project
        .language(lang)
        .is_some_and(|l| l.dir.as_str() == "rtl");
    let (anchor, x0) = if rtl { ("end", 190.0) } else { ("start", 20.0) };
    let primary = brand
        .colors
        .iter()
        .find(|c| c.role.as_deref() == Some("primary"))
        .map(|c| c.hex.clone())
        .unwrap_or_else(|| "#000000".into());
    let ink = brand
        .colors
        .iter()
        .find(|c| c.role.as_deref() == Some("text"))
        .map(|c| c.hex.clone())
        .unwrap_or_else(|| "#000000".into());
    let page = |title: &str, body: String| {
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="210" height="297" viewBox="0 0 210 297"><rect width="210" height="297" fill="#FFFFFF"/><rect width="210" height="6" fill="{primary}"/><text x="{x0}" y="28" font-family="Inter" font-weight="800" font-size="11" fill="{primary}" text-anchor="{anchor}">{title}</text>{body}{footer}</svg>"##,
            footer = fonts.line_markup(
                &format!(
                    "{} · {}",
                    brand.name,
                    text(project, lang, "brand_guide_title", "Brand guide")
                ),
                "Inter",
                400,
                3.2,
                x0 as f32,
                285.0,
                anchor,
                rtl,
                &format!(r#"fill="{ink}""#),
            ),
        )
    };
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let img = |svg: &[u8], x: f64, y: f64, w: f64, h: f64| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        svg::nested(svg, &format!("n{n}-"), x, y, w, h)
    };
    let fill = format!(r#"fill="{ink}""#);
    let line = |y: f64, size: f64, weight: u16, s: &str| {
        fonts.line_markup(
            s,
            "Inter",
            weight,
            size as f32,
            x0 as f32,
            y as f32,
            anchor,
            rtl,
            &fill,
        )
    };
    let mut pages: Vec<String> = Vec::new();
    // Cover.
    let first = brand
        .logos
        .iter()
        .find(|l| l.color == LogoColor::Primary)
        .and_then(|l| logos.get(&l.id));
    let mut cover = String::new();
    if let Some(l) = first {
        let w = 150.0;
        let h = w * l.height / l.width.max(1.0);
        cover.push_str(&img(&l.svg, 30.0, 110.0 - h / 2.0, w, h));
    }
    cover.push_str(&line(
        180.0,
        9.0,
        800,
        &text(project, lang, "brand_guide_title", "Brand guide"),
    ));
    cover.push_str(&line(
        192.0,
        4.5,
        400,
        &text(
            project,
            lang,
            "brand_guide_intro",
            "Logos, colours, typography and usage rules.",
        ),
    ));
    pages.push(page(&esc(&brand.name), cover));
    // Logos.
    let mut body = String::new();
    let (mut x, mut y) = (20.0, 40.0);
    for l in brand
        .logos
        .iter()
        .filter_map(|l| logos.get(&l.id).map(|d| (l, d)))
    {
        let (def, d) = l;
        let bg = if def.color == LogoColor::White {
            primary.as_str()
        } else {
            "#F2F2F2"
        };
        body.push_str(&format!(
            r#"<rect x="{x}" y="{y}" width="54" height="40" fill="{bg}"/>"#
        ));
        let (bw, bh) = (44.0, 26.0);
        let scale = (bw / d.width.max(1.0)).min(bh / d.height.max(1.0));
        let (w, h) = (d.width * scale, d.height * scale);
        body.push_str(&img(&d.svg, x + 27.0 - w / 2.0, y + 20.0 - h / 2.0, w, h));
        let name = format!(
            "{} · {}",
            text(
                project,
                lang,
                &format!("logo_{}", def.layout.as_str()),
                def.layout.as_str()
            ),
            text(
                project,
                lang,
                &format!("logo_{}", def.color.as_str()),
                def.color.as_str()
            )
        );
        body.push_str(&fonts.line_markup(
            &name,
            "Inter",
            400,
            3.0,
            x as f32,
            (y + 45.0) as f32,
            "start",
            rtl,
            &fill,
        ));
        x += 58.0;
        if x > 150.0 {
            x = 20.0;
            y += 55.0;
        }
    }
    pages.push(page(&t("brand_logos", "Logos"), body));
    // Clear space and minimum sizes.
    let mut body = String::new();
    if let Some(l) = first {
        let w = 110.0;
        let h = w * l.height / l.width.max(1.0);
        let m = h * brand.rules.clear_space;
        let (lx, ly) = (50.0, 60.0);
        body.push_str(&format!(r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="none" stroke="{primary}" stroke-width="0.4" stroke-dasharray="2 1.5"/>"#, lx - m, ly - m, w + 2.0 * m, h + 2.0 * m));
        body.push_str(&img(&l.svg, lx, ly, w, h));
        body.push_str(&line(
            ly + h + m + 14.0,
            4.2,
            600,
            &format!(
                "{} {}",
                text(project, lang, "brand_clear_space", "Clear space:"),
                format_args!("{} × h", fmt_num(brand.rules.clear_space))
            ),
        ));
    }
    let mut y = 160.0;
    body.push_str(&line(
        y,
        5.0,
        700,
        &text(project, lang, "brand_min_size", "Minimum sizes"),
    ));
    for m in &brand.rules.min_size {
        y += 9.0;
        body.push_str(&line(
            y,
            4.2,
            400,
            &format!(
                "{} — {} mm · {} px",
                text(
                    project,
                    lang,
                    &format!("logo_{}", m.layout.as_str()),
                    m.layout.as_str()
                ),
                fmt_num(m.print_mm),
                m.screen_px
            ),
        ));
    }
    pages.push(page(&t("brand_rules", "Rules"), body));
    // Colours.
    let mut body = String::new();
    for (i, c) in brand.colors.iter().enumerate() {
        let y = 40.0 + i as f64 * 38.0;
        let rgb = parse_hex(&c.hex).unwrap_or([0, 0, 0]);
        let sx = if rtl { 160.0 } else { 20.0 };
        let tx = if rtl { 150.0 } else { 60.0 };
        body.push_str(&format!(r##"<rect x="{sx}" y="{y}" width="30" height="30" fill="{}" stroke="#D0D0D0" stroke-width="0.2"/>"##, esc(&c.hex)));
        let mut values = vec![
            format!("HEX {}", c.hex.to_uppercase()),
            format!("RGB {} {} {}", rgb[0], rgb[1], rgb[2]),
        ];
        if let Some(v) = &c.cmyk {
            values.push(format!("CMYK {v}"));
        }
        if let Some(v) = &c.pantone {
            values.push(format!("Pantone {v}"));
        }
        if let Some(v) = &c.ral {
            values.push(format!("RAL {v}"));
        }
        body.push_str(&format!(r#"<text x="{tx}" y="{}" font-family="Inter" font-weight="700" font-size="5" fill="{ink}" text-anchor="{anchor}">{}</text>"#, y + 8.0, esc(&c.name)));
        body.push_str(&format!(r#"<text x="{tx}" y="{}" font-family="Inter" font-size="3.6" fill="{ink}" text-anchor="{anchor}">{}</text>"#, y + 16.0, esc(&values.join(" · "))));
        if let Some(r) = &c.role {
            body.push_str(&fonts.line_markup(
                &text(project, lang, &format!("role_{r}"), r),
                "Inter",
                400,
                3.2,
                tx as f32,
                (y + 23.0) as f32,
                anchor,
                rtl,
                &fill,
            ));
        }
    }
    pages.push(page(&t("brand_colors", "Colours"), body));
    // Typography.
    let mut body = String::new();
    let mut y = 45.0;
    for f in &brand.typography {
        body.push_str(&line(
            y,
            4.0,
            600,
            &format!(
                "{} — {} ({})",
                f.family,
                text(project, lang, &format!("role_{}", f.role), &f.role),
                f.licence.clone().unwrap_or_default()
            ),
        ));
        let sample = if f.family.contains("Arabic") {
            "مرسيليا · بروفانس · ٢٠٢٤"
        } else {
            "Aa Bb Cc — Marseille 2024"
        };
        for w in &f.weights {
            y += 13.0;
            body.push_str(&format!(r#"<text x="{x0}" y="{y}" font-family="{}" font-weight="{w}" font-size="9" fill="{ink}" text-anchor="{anchor}">{sample} · {w}</text>"#, esc(&f.family)));
        }
        y += 18.0;
    }
    pages.push(page(&t("brand_typography", "Typography"), body));
    // Do's and don'ts.
    let mut body = String::new();
    for (i, (u, (_, svg_bytes))) in brand.rules.usage.iter().zip(rules).enumerate() {
        let (cx, cy) = (20.0 + (i % 2) as f64 * 90.0, 36.0 + (i / 2) as f64 * 60.0);
        body.push_str(&img(svg_bytes, cx, cy, 72.0, 45.0));
        let label = if u.kind == UsageKind::Do {
            text(project, lang, "brand_do", "Do")
        } else {
            text(project, lang, "brand_dont", "Don't")
        };
        let color = if u.kind == UsageKind::Do {
            "#2E6B30"
        } else {
            "#A3212B"
        };
        let (tx, ta) = if rtl {
            (cx + 80.0, "end")
        } else {
            (cx, "start")
        };
        body.push_str(&fonts.line_markup(
            &label,
            "Inter",
            700,
            3.4,
            tx as f32,
            (cy + 50.0) as f32,
            ta,
            rtl,
            &format!(r#"fill="{color}""#),
        ));
        for (k, l) in wrap(
            localized(&u.text, lang, &project.default_language),
            80.0,
            3.0,
        )
        .iter()
        .enumerate()
        {
            body.push_str(&fonts.line_markup(
                l,
                "Inter",
                400,
                3.0,
                tx as f32,
                (cy + 54.5 + k as f64 * 3.8) as f32,
                ta,
                rtl,
                &fill,
            ));
        }
    }
    pages.push(page(&t("brand_usage", "Do's and don'ts"), body));
    // Co-branding order.
    if !brand.rules.cobranding.is_empty() {
        let mut body = line(
            42.0,
            4.2,
            400,
            &text(
                project,
                lang,
                "brand_cobranding_intro",
                "Order of logos, from left to right:",
            ),
        );
        for (i, c) in brand.rules.cobranding.iter().enumerate() {
            body.push_str(&line(
                55.0 + i as f64 * 9.0,
                4.6,
                600,
                &format!(
                    "{}. {}",
                    i + 1,
                    localized(c, lang, &project.default_language)
                ),
            ));
        }
        pages.push(page(&t("brand_cobranding", "Co-branding"), body));
    }
    let mut parts: Vec<&[u8]> = vec![fonts.digest.as_slice(), lang.as_bytes()];
    parts.extend(pages.iter().map(|p| p.as_bytes()));
    cache
        .get_or_make("guide", &key("guide", &parts), || {
            let trees: Vec<_> = pages
                .iter()
                .map(|p| svg::parse(p, fonts))
                .collect::<Result<_, _>>()
                .map_err(|e| e.message)?;
            let pdf_pages: Vec<PdfPage> = trees
                .iter()
                .map(|t| PdfPage {
                    tree: t,
                    width_pt: 595.28,
                    height_pt: 841.89,
                    bleed_pt: None,
                })
                .collect();
            svg::pdf(&pdf_pages)
        })
        .map_err(|e| {
            let mut d = Diagnostics::new();
            d.push(Diagnostic::error(
                Path::new("brand/brand.yaml"),
                format!("cannot write the usage guide ({lang}): {e}"),
            ));
            d
        })
}

/// The brand set as a feature: every file partners download (logos, tokens, fonts,
/// guides, packs) and the `brand` variable the portal pages show.
pub struct BrandFeature;

impl crate::feature::Feature for BrandFeature {
    fn name(&self) -> &'static str {
        "brand set"
    }

    fn key(&self, cx: &crate::feature::Context) -> Option<[u8; 32]> {
        Some(crate::feature::sets_key(cx.project))
    }

    fn prepare(&self, cx: &crate::feature::Context) -> Result<crate::feature::Given, Diagnostics> {
        let set = Arc::new(derive(cx.project, cx.derived)?);
        let global = marque_site::Global {
            name: "brand",
            values: set.context.clone(),
            hash: set.hash,
        };
        let mut given = crate::feature::Given::published(cx.project, set.hashed.clone(), global);
        given.warnings = set.warnings.clone();
        given.shared.brand = Some(set);
        Ok(given)
    }
}
