//! The brand set: every file a partner downloads, derived from `brand/` (design tokens,
//! sanitised logos as SVG, PNG and PDF, fonts, usage illustrations, a usage guide per
//! language, the logo pack and a brand pack per language), and what the portal pages
//! show about them (the `brand` variable of templates). Expensive files go through the
//! derived-file cache.

mod guide;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use marque_assets::archive::{self, Entry};
use marque_assets::cache::{DerivedCache, key};
use marque_assets::svg::{self, Fonts, PdfPage};
use marque_assets::tokens;
use marque_project::brand::{Brand, BrandFile, LogoColor, UsageKind, localized, parse_hex};
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

/// One download of a logo: path, bytes, format and dimensions as the portal shows them.
type LogoFile = (String, Arc<Vec<u8>>, &'static str, String);

/// A design-token file: path, bytes and format.
type TokenFile = (String, Arc<Vec<u8>>, &'static str);

/// A logo, sanitised and outlined, with its downloads.
struct Logo {
    id: String,
    svg: Arc<Vec<u8>>,
    width: f64,
    height: f64,
    files: Vec<LogoFile>,
}

/// Derives the brand set. Problems in the brand's files are errors naming the file
/// (and line where there is one).
pub fn derive(project: &Project, cache: &DerivedCache) -> Result<BrandSet, Diagnostics> {
    let brand = &project.brand;
    let base = project.config.base_path();
    let slug = marque_site::slugify(if brand.name.is_empty() {
        "brand"
    } else {
        &brand.name
    });
    let token_files = token_files(brand, &slug);
    let fonts = brand_fonts(brand)?;
    let Drawn {
        logos,
        rules,
        warnings,
    } = draw_logos_and_rules(brand, &slug, &fonts, cache)?;
    let packs = Packs::new(brand, &logos, &token_files, cache);
    let mut files: Files = Vec::new();
    let logo_pack = packs.logo_pack(&base, &slug, &mut files)?;
    let downloads = publish_downloads(&base, brand, &logos, &token_files, &rules, &mut files);
    let languages = Languages {
        project,
        cache,
        fonts: &fonts,
        base: &base,
        slug: &slug,
        logos: &logos,
        rules: &rules,
        packs: &packs,
        downloads,
        logo_pack,
        portal: Portal::new(brand, &logos, &base, &slug),
    };
    let (language_files, context, hash) = languages.derive_all()?;
    files.extend(language_files);
    Ok(brand_set(files, context, hash, warnings, fonts, &logos))
}

/// Design tokens, from the same data as the theme's custom properties (none without
/// colours).
fn token_files(brand: &Brand, slug: &str) -> Vec<TokenFile> {
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
    token_files
}

/// The brand fonts: the only ones SVG text is drawn with. A file that does not load is
/// an error at the line of brand.yaml that names it.
fn brand_fonts(brand: &Brand) -> Result<Fonts, Diagnostics> {
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
    Fonts::new(&font_list, &family).map_err(|e| {
        // Point at the line of brand.yaml that names the file.
        let at = brand.typography.iter().enumerate().find_map(|(i, t)| {
            t.files.iter().enumerate().find_map(|(j, f)| {
                e.contains(&format!("'brand/{}'", f.value))
                    .then(|| (format!("typography[{i}].files[{j}]"), f.line))
            })
        });
        let mut diags = Diagnostics::new();
        diags.push(match at {
            Some((field, line)) => {
                Diagnostic::error("brand/brand.yaml", format!("{field}: {e}")).at_line(line)
            }
            None => Diagnostic::error("brand/brand.yaml", format!("typography: {e}")),
        });
        diags
    })
}

/// The brand's drawings, sanitised: logos by id and usage illustrations, with what
/// sanitising removed as warnings.
struct Drawn {
    logos: BTreeMap<String, Logo>,
    rules: Files,
    warnings: Diagnostics,
}

/// Every logo and usage illustration sanitised and drawn; the errors of all of them,
/// sorted.
fn draw_logos_and_rules(
    brand: &Brand,
    slug: &str,
    fonts: &Fonts,
    cache: &DerivedCache,
) -> Result<Drawn, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut warnings = Diagnostics::new();
    let logos = logos(brand, slug, fonts, cache, &mut diags, &mut warnings);
    let rules = usage_illustrations(brand, fonts, cache, &mut diags, &mut warnings);
    if diags.has_errors() {
        diags.sort();
        return Err(diags);
    }
    Ok(Drawn {
        logos,
        rules,
        warnings,
    })
}

/// An SVG error on `rel`, at its line and column when it has them.
fn svg_error(rel: &str, e: svg::SvgError) -> Diagnostic {
    let d = Diagnostic::error(rel, e.message);
    if e.line > 0 {
        d.at(e.line, e.column.max(1))
    } else {
        d
    }
}

/// A brand SVG file as UTF-8 text, sanitised.
fn sanitized(f: &BrandFile) -> Result<svg::Sanitized, Diagnostic> {
    let text = std::str::from_utf8(&f.bytes)
        .map_err(|_| Diagnostic::error(&f.rel, "not an SVG: the file is not UTF-8 text"))?;
    svg::sanitize(text).map_err(|e| svg_error(&f.rel, e))
}

/// Logos: sanitised, then SVG with outlined text, PNGs, PDF, each cached. What
/// sanitising removed becomes warnings.
fn logos(
    brand: &Brand,
    slug: &str,
    fonts: &Fonts,
    cache: &DerivedCache,
    diags: &mut Diagnostics,
    warnings: &mut Diagnostics,
) -> BTreeMap<String, Logo> {
    let made: Vec<Result<(Logo, Vec<String>), Diagnostic>> = brand
        .logos
        .par_iter()
        .filter_map(|l| brand.logo_files.get(&l.id).map(|f| (l, f)))
        .map(|(l, f)| {
            crate::guard_item(&f.rel, "making this logo's downloads", || {
                derive_logo(&l.id, f, slug, fonts, cache)
            })
        })
        .collect();
    let mut done: BTreeMap<String, Logo> = BTreeMap::new();
    for r in made {
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
    done
}

/// A sanitised master SVG, parsed only when a file must really be drawn (a cache hit
/// needs no tree).
struct Master<'a> {
    rel: &'a str,
    svg: &'a str,
    fonts: &'a Fonts,
    tree: OnceLock<svg::Tree>,
}

impl Master<'_> {
    /// The tree, parsed on the first call.
    fn tree(&self) -> Result<&svg::Tree, Diagnostic> {
        if self.tree.get().is_none() {
            let t = svg::parse(self.svg, self.fonts).map_err(|e| svg_error(self.rel, e))?;
            let _ = self.tree.set(t);
        }
        self.tree
            .get()
            .ok_or_else(|| Diagnostic::error(self.rel, "cannot draw this SVG"))
    }

    /// What its derived files are made from: the SVG and the fonts.
    fn input(&self) -> [&[u8]; 2] {
        [self.svg.as_bytes(), self.fonts.digest.as_slice()]
    }
}

/// One logo's downloads (SVG, a PNG per width, PDF) and what sanitising removed, as
/// `file: thing` lines.
fn derive_logo(
    id: &str,
    f: &BrandFile,
    slug: &str,
    fonts: &Fonts,
    cache: &DerivedCache,
) -> Result<(Logo, Vec<String>), Diagnostic> {
    let clean = sanitized(f)?;
    let master = Master {
        rel: &f.rel,
        svg: &clean.svg,
        fonts,
        tree: OnceLock::new(),
    };
    let out_svg = cache.get_or_make("svg", &key("svg", &master.input()), || {
        master.tree().map(|t| svg::normalized(t).into_bytes())
    })?;
    let (width, height) = svg::svg_size(&String::from_utf8_lossy(&out_svg));
    let stem = format!("downloads/logos/{slug}-{id}");
    let mut outs = vec![(
        format!("{stem}.svg"),
        out_svg.clone(),
        "SVG",
        format!("{} × {} px", fmt_num(width), fmt_num(height)),
    )];
    outs.extend(logo_pngs(&master, &stem, cache)?);
    outs.push(logo_pdf(&master, &stem, (width, height), cache)?);
    let removed = clean
        .removed
        .iter()
        .map(|r| format!("{}: removed {r}", f.rel))
        .collect();
    Ok((
        Logo {
            id: id.to_string(),
            svg: out_svg,
            width,
            height,
            files: outs,
        },
        removed,
    ))
}

/// A logo's PNGs, one per width of `PNG_WIDTHS` (cached).
fn logo_pngs(
    master: &Master,
    stem: &str,
    cache: &DerivedCache,
) -> Result<Vec<LogoFile>, Diagnostic> {
    let input = master.input();
    let mut outs = Vec::new();
    for w in PNG_WIDTHS {
        let settings = format!("width={w}");
        let bytes = cache.get_or_make(
            "png",
            &key("png", &[input[0], input[1], settings.as_bytes()]),
            || {
                master
                    .tree()
                    .and_then(|t| svg::png(t, w).map_err(|e| Diagnostic::error(master.rel, e)))
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
    Ok(outs)
}

/// A logo's PDF, its size in mm (cached).
fn logo_pdf(
    master: &Master,
    stem: &str,
    (width, height): (f64, f64),
    cache: &DerivedCache,
) -> Result<LogoFile, Diagnostic> {
    let pdf = cache.get_or_make("pdf", &key("pdf", &master.input()), || {
        master.tree().and_then(|t| {
            svg::pdf(&[PdfPage {
                tree: t,
                width_pt: t.size().width() * 0.75,
                height_pt: t.size().height() * 0.75,
                bleed_pt: None,
            }])
            .map_err(|e| Diagnostic::error(master.rel, e))
        })
    })?;
    Ok((
        format!("{stem}.pdf"),
        pdf,
        "PDF",
        format!(
            "{} × {} mm",
            fmt_num((width * 25.4 / 96.0 * 10.0).round() / 10.0),
            fmt_num((height * 25.4 / 96.0 * 10.0).round() / 10.0)
        ),
    ))
}

/// Usage illustrations: sanitised, text outlined.
fn usage_illustrations(
    brand: &Brand,
    fonts: &Fonts,
    cache: &DerivedCache,
    diags: &mut Diagnostics,
    warnings: &mut Diagnostics,
) -> Files {
    let mut rule_svgs: Files = Vec::new();
    for f in &brand.rule_files {
        match usage_illustration(f, fonts, cache, warnings) {
            Ok(b) => rule_svgs.push((format!("downloads/rules/{}", f.name), b)),
            Err(d) => diags.push(d),
        }
    }
    rule_svgs
}

/// One usage illustration, sanitised (what was removed goes to `warnings`) and
/// outlined (cached).
fn usage_illustration(
    f: &BrandFile,
    fonts: &Fonts,
    cache: &DerivedCache,
    warnings: &mut Diagnostics,
) -> Result<Arc<Vec<u8>>, Diagnostic> {
    let clean = sanitized(f)?;
    for r in &clean.removed {
        warnings.push(Diagnostic::warning(
            &f.rel,
            format!(
                "removed {r}: SVG is sanitised (no scripts, event handlers or external references)"
            ),
        ));
    }
    cache.get_or_make(
        "svg",
        &key("svg", &[clean.svg.as_bytes(), fonts.digest.as_slice()]),
        || {
            svg::parse(&clean.svg, fonts)
                .map(|t| svg::normalized(&t).into_bytes())
                .map_err(|e| svg_error(&f.rel, e))
        },
    )
}

/// The zips partners download: the logo pack, and a brand pack per language (logos,
/// fonts, tokens and that language's guide), all cached by their entries.
struct Packs<'a> {
    cache: &'a DerivedCache,
    licence: String,
    logos: Vec<Entry>,
    fonts: Vec<Entry>,
    tokens: Vec<Entry>,
}

impl<'a> Packs<'a> {
    /// The entries of every pack; the brand's licence on all but the fonts (OFL).
    fn new(
        brand: &Brand,
        logos: &BTreeMap<String, Logo>,
        token_files: &[TokenFile],
        cache: &'a DerivedCache,
    ) -> Self {
        let licence = brand
            .licence
            .clone()
            .unwrap_or_else(|| format!("© {}: use as the brand guide says", brand.name));
        let logo_entries: Vec<Entry> = logos
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
        Packs {
            cache,
            licence,
            logos: logo_entries,
            fonts: font_entries,
            tokens: token_entries,
        }
    }

    /// The zip of `entries` in one folder named `folder` (cached by it and their paths,
    /// hashes and licences).
    fn zip(&self, folder: &str, entries: &[Entry]) -> Result<Arc<Vec<u8>>, Diagnostics> {
        let mut parts: Vec<Vec<u8>> = vec![folder.as_bytes().to_vec()];
        for e in entries {
            parts.push(e.path.as_bytes().to_vec());
            parts.push(blake3::hash(&e.bytes).as_bytes().to_vec());
            parts.push(e.licence.as_bytes().to_vec());
        }
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
        self.cache
            .get_or_make("zip", &key("zip", &refs), || archive::zip(folder, entries))
            .map_err(|e| {
                let mut d = Diagnostics::new();
                d.push(Diagnostic::error(
                    "brand",
                    format!("cannot write a zip: {e}"),
                ));
                d
            })
    }

    /// The logo pack, added to `files`; as the portal lists it (none without logos).
    fn logo_pack(
        &self,
        base: &str,
        slug: &str,
        files: &mut Files,
    ) -> Result<Option<Value>, Diagnostics> {
        if self.logos.is_empty() {
            return Ok(None);
        }
        let logo_pack_path = format!("downloads/{slug}-logos.zip");
        let z = self.zip(&format!("{slug}-logos"), &self.logos)?;
        files.push((logo_pack_path.clone(), z.clone()));
        let mut info = file_info(base, &logo_pack_path, &z, "ZIP", String::new());
        info["count"] = json!(self.logos.len() + 1);
        Ok(Some(info))
    }

    /// The brand pack of language `code` with its guide; as the portal lists it.
    fn brand_pack(
        &self,
        base: &str,
        slug: &str,
        code: &str,
        (guide_path, guide): (&str, &Arc<Vec<u8>>),
    ) -> Result<(File, Value), Diagnostics> {
        let mut entries = self.logos.clone();
        entries.extend(self.fonts.iter().cloned());
        entries.extend(self.tokens.iter().cloned());
        entries.push(Entry {
            path: guide_path
                .rsplit('/')
                .next()
                .unwrap_or("guide.pdf")
                .to_string(),
            bytes: guide.clone(),
            licence: self.licence.clone(),
        });
        let z = self.zip(&format!("{slug}-brand-pack-{code}"), &entries)?;
        let p = format!("downloads/{slug}-brand-pack-{code}.zip");
        let mut pack = file_info(base, &p, &z, "ZIP", String::new());
        pack["count"] = json!(entries.len() + 1);
        Ok(((p, z), pack))
    }
}

/// Adds every logo's, token's, font's and illustration's file to `files`; gives the
/// tokens and fonts as the portal lists them, the same in every language.
fn publish_downloads(
    base: &str,
    brand: &Brand,
    logos: &BTreeMap<String, Logo>,
    token_files: &[TokenFile],
    rules: &Files,
    files: &mut Files,
) -> Vec<Value> {
    let mut downloads_common: Vec<Value> = Vec::new();
    for l in logos.values() {
        for (p, b, _, _) in &l.files {
            files.push((p.clone(), b.clone()));
        }
    }
    for (p, b, _) in token_files {
        files.push((p.clone(), b.clone()));
        let format = p.rsplit('.').next().unwrap_or("").to_uppercase();
        downloads_common.push(
            json!({"group": "tokens", "file": file_info(base, p, b, &format, String::new())}),
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
        downloads_common.push(
            json!({"group": "fonts", "file": file_info(base, &p, &f.bytes, format, String::new())}),
        );
    }
    for (p, b) in rules {
        files.push((p.clone(), b.clone()));
    }
    downloads_common
}

/// The portal's view of the brand, the same in every language but for texts.
struct Portal {
    colors: Vec<Value>,
    contrast: Vec<Value>,
    logos: Vec<Value>,
    fonts: Vec<Value>,
    min_size: Vec<Value>,
    clear_logo: Option<Value>,
}

impl Portal {
    fn new(brand: &Brand, logos: &BTreeMap<String, Logo>, base: &str, slug: &str) -> Self {
        let logos_view = logo_views(brand, logos, base, slug);
        Portal {
            colors: color_views(brand),
            contrast: contrast_table(brand),
            clear_logo: clear_logo(brand, &logos_view),
            logos: logos_view,
            fonts: font_views(brand, base),
            min_size: min_size_views(brand, logos, base, slug),
        }
    }
}

/// Each colour: its values, and the ink (white or black) that reads best on it.
fn color_views(brand: &Brand) -> Vec<Value> {
    brand
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
        .collect()
}

/// Every colour on every other: the contrast ratio and the WCAG levels it meets.
fn contrast_table(brand: &Brand) -> Vec<Value> {
    brand
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
        .collect()
}

/// Each logo drawn: its layout, colour, size and downloads.
fn logo_views(brand: &Brand, logos: &BTreeMap<String, Logo>, base: &str, slug: &str) -> Vec<Value> {
    brand
        .logos
        .iter()
        .filter_map(|l| logos.get(&l.id).map(|d| (l, d)))
        .map(|(l, d)| {
            let files: Vec<Value> = d
                .files
                .iter()
                .map(|(p, b, fmt, dims)| file_info(base, p, b, fmt, dims.clone()))
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
        .collect()
}

/// Each typeface: family, role, weights, licence, usage, and its files.
fn font_views(brand: &Brand, base: &str) -> Vec<Value> {
    brand
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
        .collect()
}

/// The minimum size of each layout, with its primary logo drawn at that width.
fn min_size_views(
    brand: &Brand,
    logos: &BTreeMap<String, Logo>,
    base: &str,
    slug: &str,
) -> Vec<Value> {
    brand
        .rules
        .min_size
        .iter()
        .map(|m| {
            // The primary logo of that layout, drawn at its minimum width.
            let shown = brand
                .logos
                .iter()
                .find(|l| l.layout == m.layout && l.color == LogoColor::Primary)
                .and_then(|l| logos.get(&l.id).map(|d| (l, d)));
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
        .collect()
}

/// The first primary logo's view, shown with its clear space.
fn clear_logo(brand: &Brand, logos_view: &[Value]) -> Option<Value> {
    brand
        .logos
        .iter()
        .find(|l| l.color == LogoColor::Primary)
        .and_then(|l| {
            logos_view
                .iter()
                .find(|v| v["id"] == l.id.as_str())
                .cloned()
        })
}

/// What the part of each language (texts, the usage guide, the brand pack) draws on.
struct Languages<'a> {
    project: &'a Project,
    cache: &'a DerivedCache,
    fonts: &'a Fonts,
    base: &'a str,
    slug: &'a str,
    logos: &'a BTreeMap<String, Logo>,
    rules: &'a Files,
    packs: &'a Packs<'a>,
    /// Tokens and fonts, as the portal lists them.
    downloads: Vec<Value>,
    logo_pack: Option<Value>,
    portal: Portal,
}

impl Languages<'_> {
    /// Every language's files, its `brand` view (in the order of the project's
    /// languages) and the hash of all views; the first language's error.
    fn derive_all(&self) -> Result<(Files, Vec<Value>, [u8; 32]), Diagnostics> {
        let per_lang: Vec<Result<(Files, Value), Diagnostics>> = self
            .project
            .languages
            .par_iter()
            .map(|lang| self.derive(lang.code.as_str()))
            .collect();
        let mut files = Vec::new();
        let mut context = Vec::new();
        let mut hasher = blake3::Hasher::new();
        for r in per_lang {
            let (out, view) = r?;
            files.extend(out);
            hasher.update(view.to_string().as_bytes());
            context.push(view);
        }
        Ok((files, context, *hasher.finalize().as_bytes()))
    }

    /// The guide and the brand pack of language `code` (none without logos), and its
    /// view of the brand.
    fn derive(&self, code: &str) -> Result<(Files, Value), Diagnostics> {
        let (base, slug) = (self.base, self.slug);
        let mut out = Vec::new();
        let mut downloads = self.downloads.clone();
        let mut pack = Value::Null;
        if !self.logos.is_empty() {
            let guide_path = format!("downloads/{slug}-guide-{code}.pdf");
            let g = guide::guide_pdf(
                self.project,
                code,
                self.logos,
                self.rules,
                self.fonts,
                self.cache,
            )?;
            out.push((guide_path.clone(), g.clone()));
            let (file, info) = self.packs.brand_pack(base, slug, code, (&guide_path, &g))?;
            pack = info;
            out.push(file);
            downloads.insert(0, json!({"group": "guide", "file": file_info(base, &guide_path, &g, "PDF", "A4".into())}));
        }
        Ok((out, self.view(code, downloads, pack)))
    }

    /// The `brand` variable of language `code`.
    fn view(&self, code: &str, downloads: Vec<Value>, pack: Value) -> Value {
        let (project, brand, portal) = (self.project, &self.project.brand, &self.portal);
        let usage: Vec<Value> = brand
            .rules
            .usage
            .iter()
            .zip(&brand.rule_files)
            .map(|(u, f)| {
                json!({
                    "kind": if u.kind == UsageKind::Do { "do" } else { "dont" },
                    "text": localized(&u.text, code, &project.default_language),
                    "url": format!("{}/downloads/rules/{}", self.base, f.name),
                })
            })
            .collect();
        let cobranding: Vec<String> = brand
            .rules
            .cobranding
            .iter()
            .map(|t| localized(t, code, &project.default_language).to_string())
            .collect();
        json!({
            "name": brand.name,
            "slug": self.slug,
            "logos": portal.logos,
            "colors": portal.colors,
            "contrast": portal.contrast,
            "fonts": portal.fonts,
            "rules": {
                "clear_space": brand.rules.clear_space,
                "clear_space_percent": fmt_num(brand.rules.clear_space * 100.0),
                "clear_logo": portal.clear_logo,
                "min_size": portal.min_size,
                "usage": usage,
                "cobranding": cobranding,
            },
            "packs": {"logos": self.logo_pack, "brand": pack},
            "downloads": downloads,
        })
    }
}

/// The brand set from its parts: files sorted by path and hashed, logos as drawings.
fn brand_set(
    mut files: Files,
    context: Vec<Value>,
    hash: [u8; 32],
    warnings: Diagnostics,
    fonts: Fonts,
    logos: &BTreeMap<String, Logo>,
) -> BrandSet {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let drawings = logos
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
    BrandSet {
        hashed,
        files,
        context,
        hash,
        warnings,
        fonts: Some(fonts),
        drawings,
    }
}

/// The weight a font file name says (`Inter-SemiBold.ttf` → 600).
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
