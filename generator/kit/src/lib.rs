//! Event kits: for one kit and one language, the SVG templates are filled by Tera
//! (texts, dates, brand colours, logos, the event mark, the partner), their text boxes
//! are fitted with the brand fonts' metrics, and the result is rendered to print PDFs
//! (bleed, crop marks, TrimBox and BleedBox), PNGs and SVGs; lockups, the e-mail
//! signature, key messages, the press release, an `.ics` calendar, a README and a
//! `manifest.json` complete the kit, and one reproducible zip holds it all.

#![forbid(unsafe_code)]

pub mod fit;

use std::collections::BTreeMap;
use std::sync::Arc;

use marque_assets::archive;
use marque_assets::cache::{DerivedCache, key};
use marque_assets::svg::{self, Drawing, Fonts, PdfPage};
use marque_project::date::Date;
use marque_project::{Diagnostic, Diagnostics, Kit, Project};
use rayon::prelude::*;
use serde_json::{Value, json};
use tera::{Context, Kwargs, State, Tera};

/// Bleed around print pages, in mm.
pub const BLEED_MM: f32 = 3.0;
/// Text stays this far inside the trim, in mm.
pub const SAFE_MM: f32 = 4.0;
/// Room around the bleed for crop marks, in mm.
const SLUG_MM: f32 = 10.0;
const PT_PER_MM: f32 = 72.0 / 25.4;

/// What a format is.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Printed: trim size in mm, a PDF with bleed and crop marks, a PNG preview.
    Print { w: f32, h: f32, preview: u32 },
    /// On screen: size in px, a PNG; `safe` is the band text must stay in.
    Screen {
        w: u32,
        h: u32,
        safe: Option<(u32, u32)>,
        scale: u32,
    },
}

/// One visual output of a kit.
struct Format {
    name: &'static str,
    template: &'static str,
    kind: Kind,
}

const FORMATS: &[Format] = &[
    Format {
        name: "poster-a4",
        template: "poster.svg",
        kind: Kind::Print {
            w: 210.0,
            h: 297.0,
            preview: 1240,
        },
    },
    Format {
        name: "poster-a3",
        template: "poster.svg",
        kind: Kind::Print {
            w: 297.0,
            h: 420.0,
            preview: 1240,
        },
    },
    Format {
        name: "poster-40x60",
        template: "poster.svg",
        kind: Kind::Print {
            w: 400.0,
            h: 600.0,
            preview: 1240,
        },
    },
    Format {
        name: "social-1080x1080",
        template: "social.svg",
        kind: Kind::Screen {
            w: 1080,
            h: 1080,
            safe: None,
            scale: 1,
        },
    },
    Format {
        name: "social-1080x1350",
        template: "social.svg",
        kind: Kind::Screen {
            w: 1080,
            h: 1350,
            safe: None,
            scale: 1,
        },
    },
    Format {
        name: "social-1080x1920",
        template: "social.svg",
        kind: Kind::Screen {
            w: 1080,
            h: 1920,
            safe: Some((250, 1670)),
            scale: 1,
        },
    },
    Format {
        name: "social-1200x630",
        template: "social.svg",
        kind: Kind::Screen {
            w: 1200,
            h: 630,
            safe: None,
            scale: 1,
        },
    },
    Format {
        name: "social-1200x675",
        template: "social.svg",
        kind: Kind::Screen {
            w: 1200,
            h: 675,
            safe: None,
            scale: 1,
        },
    },
    Format {
        name: "social-1500x500",
        template: "social.svg",
        kind: Kind::Screen {
            w: 1500,
            h: 500,
            safe: None,
            scale: 1,
        },
    },
    Format {
        name: "badge-85x55",
        template: "badge.svg",
        kind: Kind::Print {
            w: 85.0,
            h: 55.0,
            preview: 850,
        },
    },
    Format {
        name: "rollup-85x200",
        template: "rollup.svg",
        kind: Kind::Print {
            w: 850.0,
            h: 2000.0,
            preview: 600,
        },
    },
    Format {
        name: "email-banner",
        template: "banner.svg",
        kind: Kind::Screen {
            w: 600,
            h: 200,
            safe: None,
            scale: 2,
        },
    },
];

/// A partner co-branding the kit.
#[derive(Debug, Clone)]
pub struct Partner {
    /// Name, shown on the material.
    pub name: String,
    /// Logo (sanitised, outlined), if any.
    pub logo: Option<Drawing>,
}

/// One file of a kit.
#[derive(Debug, Clone)]
pub struct KitFile {
    /// Path inside the kit (`poster-a4.pdf`).
    pub path: String,
    /// Contents.
    pub bytes: Arc<Vec<u8>>,
    /// `PDF`, `PNG`, `SVG`, `HTML`, `TXT`, `ICS`, `JSON`.
    pub format: &'static str,
    /// `210 × 297 mm` or `1080 × 1080 px`; empty for texts.
    pub size: String,
    /// A small PNG of it for the site, when it is visual.
    pub thumb: Option<Arc<Vec<u8>>>,
}

/// A kit built in one language.
pub struct KitBuild {
    /// Its files, README and manifest included, sorted by path.
    pub files: Vec<KitFile>,
    /// The zip of all of them.
    pub zip: Arc<Vec<u8>>,
}

/// What building a kit needs besides the kit.
pub struct Inputs<'a> {
    /// The project.
    pub project: &'a Project,
    /// The brand fonts.
    pub fonts: &'a Fonts,
    /// Derived-file cache.
    pub cache: &'a DerivedCache,
    /// Brand logos by id, outlined.
    pub logos: &'a BTreeMap<String, Drawing>,
}

/// A theme string (the kit's language, the default one, else `fallback`).
fn text(project: &Project, lang: &str, key: &str, fallback: &str) -> String {
    project
        .theme_string(lang, key)
        .unwrap_or(fallback)
        .to_string()
}

fn localized(t: &BTreeMap<String, String>, lang: &str, default: &str) -> String {
    marque_project::brand::localized(t, lang, default).to_string()
}

fn month_name(project: &Project, lang: &str, m: u8) -> String {
    for l in [lang, project.default_language.as_str()] {
        if let Some(Value::Array(a)) = project
            .theme
            .strings
            .get(l)
            .and_then(|s| s.values.get("months"))
            && let Some(Value::String(s)) = a.get(m as usize - 1)
        {
            return s.clone();
        }
    }
    m.to_string()
}

/// `8 septembre – 28 octobre 2023` in the kit's language.
pub fn date_range(project: &Project, lang: &str, a: Date, b: Date) -> String {
    let day = |d: Date| format!("{} {}", d.day, month_name(project, lang, d.month));
    if a == b {
        format!("{} {}", day(a), a.year)
    } else if a.year == b.year && a.month == b.month {
        format!("{}–{} {}", a.day, day(b), b.year)
    } else if a.year == b.year {
        format!("{} – {} {}", day(a), day(b), b.year)
    } else {
        format!("{} {} – {} {}", day(a), a.year, day(b), b.year)
    }
}

fn esc(s: &str) -> String {
    marque_site::xml_escape(s)
}

/// The event mark: the official file, or the drawn placeholder, which takes the colour
/// of what surrounds it.
#[derive(Clone)]
struct Mark {
    drawing: Drawing,
    placeholder: bool,
}

impl Mark {
    fn in_color(&self, color: &str) -> Drawing {
        if !self.placeholder {
            return self.drawing.clone();
        }
        let s = String::from_utf8_lossy(&self.drawing.svg).replace("#000000", color);
        Drawing::new(Arc::new(s.into_bytes()))
    }
}

/// The drawn placeholder for an event mark: a dashed frame labelled as such.
fn placeholder_mark(name: &str, label: &str, fonts: &Fonts) -> Result<Drawing, String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let mid = words.len().div_ceil(2);
    let (l1, l2) = (words[..mid].join(" "), words[mid..].join(" "));
    let fit = |s: &str, max: f32, size: f32| -> f32 {
        let w = fonts.measure(s, "Inter", 800);
        if w * size > max {
            max / w.max(1e-3)
        } else {
            size
        }
    };
    let s1 = fit(&l1, 320.0, 52.0);
    let s2 = fit(&l2, 320.0, 52.0);
    let ls = fit(label, 330.0, 22.0);
    let src = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300"><rect x="4" y="4" width="392" height="292" rx="28" fill="none" stroke="#000000" stroke-width="6" stroke-dasharray="18 12"/><text x="200" y="120" text-anchor="middle" font-family="Inter" font-weight="800" font-size="{s1:.1}" fill="#000000">{}</text><text x="200" y="{:.1}" text-anchor="middle" font-family="Inter" font-weight="800" font-size="{s2:.1}" fill="#000000">{}</text><text x="200" y="250" text-anchor="middle" font-family="Inter" font-weight="600" font-size="{ls:.1}" fill="#000000">{}</text></svg>"##,
        esc(&l1),
        120.0 + s2 * 1.1,
        esc(&l2),
        esc(label)
    );
    let tree = svg::parse(&src, fonts).map_err(|e| e.message)?;
    Ok(Drawing::new(Arc::new(svg::normalized(&tree).into_bytes())))
}

/// An official mark dropped into the kit folder, or a partner's logo file: SVG is
/// sanitised (what was removed comes back as warnings), PNG is wrapped in an SVG.
pub fn load_logo(
    name: &str,
    bytes: &[u8],
    fonts: &Fonts,
) -> Result<(Drawing, Vec<String>), String> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".svg") {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| "not an SVG: the file is not UTF-8 text".to_string())?;
        let clean = svg::sanitize(text).map_err(|e| {
            if e.line > 0 {
                format!("{}:{}: {}", e.line, e.column, e.message)
            } else {
                e.message
            }
        })?;
        let tree = svg::parse(&clean.svg, fonts).map_err(|e| e.message)?;
        Ok((
            Drawing::new(Arc::new(svg::normalized(&tree).into_bytes())),
            clean.removed,
        ))
    } else if lower.ends_with(".png") {
        let info = marque_assets::raster::inspect(bytes)?;
        if info.format != "PNG" {
            return Err(format!(
                "a {} picture named .png: export it as PNG",
                info.format
            ));
        }
        let (w, h) = (info.width, info.height);
        let src = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><image width="{w}" height="{h}" href="data:image/png;base64,{}"/></svg>"#,
            base64(bytes)
        );
        let tree = svg::parse(&src, fonts).map_err(|e| e.message)?;
        Ok((
            Drawing::new(Arc::new(svg::normalized(&tree).into_bytes())),
            Vec::new(),
        ))
    } else {
        Err("a logo must be an SVG or a PNG file".into())
    }
}

/// Standard base64 (with padding), for pictures embedded as `data:` URLs.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + 4);
    for c in data.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The lockup: One Provence, the event mark and the partner, in the co-branding order,
/// separated by the brand's clear space and a thin rule.
fn lockup(
    inputs: &Inputs,
    mark: &Mark,
    partner: Option<&Partner>,
    white: bool,
) -> Result<String, String> {
    let brand = &inputs.project.brand;
    let id = if white {
        "horizontal-white"
    } else {
        "horizontal-primary"
    };
    let logo = inputs
        .logos
        .get(id)
        .or_else(|| inputs.logos.values().next())
        .ok_or("the brand has no logo to make a lockup with")?;
    let h = 100.0;
    let gap = (brand.rules.clear_space.max(0.25)) * h;
    let ink = if white {
        "#FFFFFF".to_string()
    } else {
        brand
            .colors
            .iter()
            .find(|c| c.role.as_deref() == Some("primary"))
            .map(|c| c.hex.clone())
            .unwrap_or_else(|| "#000000".into())
    };
    let mark = mark.in_color(&ink);
    let mut parts = Vec::new();
    let lw = logo.width * h / logo.height.max(1e-6);
    parts.push((lw, h, logo.fit("l-", 0.0, 0.0, lw, h)));
    let mh = h * 1.3;
    let mw = mark.width * mh / mark.height.max(1e-6);
    parts.push((mw, mh, mark.fit("m-", 0.0, 0.0, mw, mh)));
    if let Some(p) = partner {
        match &p.logo {
            Some(d) => {
                let ph = h * 1.1;
                let pw = (d.width * ph / d.height.max(1e-6)).min(h * 5.0);
                parts.push((pw, ph, d.fit("p-", 0.0, 0.0, pw, ph)));
            }
            None => {
                let size = 44.0;
                let w = inputs.fonts.measure(&p.name, "Inter", 700) as f64 * size;
                parts.push((w, h, format!(
                    r#"<text x="0" y="{:.1}" font-family="Inter" font-weight="700" font-size="{size}" fill="{ink}">{}</text>"#,
                    h / 2.0 + size * 0.35,
                    esc(&p.name)
                )));
            }
        }
    }
    let height = parts.iter().map(|p| p.1).fold(0.0, f64::max);
    let mut x = 0.0;
    let mut body = String::new();
    for (i, (w, ph, markup)) in parts.iter().enumerate() {
        if i > 0 {
            body.push_str(&format!(
                r#"<rect x="{:.2}" y="{:.2}" width="2" height="{:.2}" fill="{ink}"/>"#,
                x + gap - 1.0,
                (height - h) / 2.0,
                h
            ));
            x += 2.0 * gap;
        }
        body.push_str(&format!(
            r#"<g transform="translate({x:.2} {:.2})">{markup}</g>"#,
            (height - ph) / 2.0
        ));
        x += w;
    }
    Ok(format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{x:.2}" height="{height:.2}" viewBox="0 0 {x:.2} {height:.2}">{body}</svg>"#
    ))
}

/// What a kit says in one language, as the texts show it.
struct Facts {
    dates: Vec<String>,
    places: Vec<String>,
    messages: Vec<String>,
}

fn facts(p: &Project, kit: &Kit, lang: &str) -> Facts {
    let data = &kit.data;
    Facts {
        dates: kit
            .periods
            .iter()
            .map(|(a, b)| date_range(p, lang, *a, *b))
            .collect(),
        places: data
            .places
            .iter()
            .map(|pl| format!("{}, {}", pl.name, pl.city))
            .collect(),
        messages: data
            .messages
            .get(lang)
            .or_else(|| data.messages.get(&p.default_language))
            .cloned()
            .unwrap_or_default(),
    }
}

/// The texts a template's boxes can hold, for one language.
fn fields(
    inputs: &Inputs,
    kit: &Kit,
    lang: &str,
    partner: Option<&Partner>,
) -> BTreeMap<String, String> {
    let p = inputs.project;
    let d = &p.default_language;
    let data = &kit.data;
    let Facts {
        dates,
        places,
        messages,
    } = facts(p, kit, lang);
    let mut f = BTreeMap::new();
    f.insert("title".to_string(), localized(&data.name, lang, d));
    f.insert("tagline".to_string(), localized(&data.tagline, lang, d));
    f.insert("dates".to_string(), dates.join(" · "));
    f.insert("places".to_string(), places.join(" · "));
    f.insert(
        "hashtag".to_string(),
        data.hashtag.clone().unwrap_or_default(),
    );
    f.insert(
        "message".to_string(),
        messages.first().cloned().unwrap_or_default(),
    );
    f.insert(
        "message2".to_string(),
        messages.get(1).cloned().unwrap_or_default(),
    );
    f.insert("rights".to_string(), localized(&data.rights, lang, d));
    f.insert(
        "partner".to_string(),
        partner
            .map(|pt| format!("{} {}", text(p, lang, "kit_with", "with"), pt.name))
            .unwrap_or_default(),
    );
    f.insert("brand".to_string(), p.brand.name.clone());
    f.insert(
        "name".to_string(),
        text(p, lang, "kit_badge_name", "First name Last name"),
    );
    f.insert("role".to_string(), text(p, lang, "kit_badge_role", "Role"));
    f
}

struct Filled {
    svg: String,
}

/// The brand colours for templates: by id (`bleu_mediterranee`), by role (`primary`,
/// `accent`…), `white`, and `highlight` (the accent where it is readable as text on the
/// primary colour, else white).
pub fn brand_colors(project: &Project, accent: Option<&str>) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for c in &project.brand.colors {
        m.insert(c.id.replace('-', "_"), c.hex.clone());
        if let Some(r) = &c.role {
            m.insert(r.clone(), c.hex.clone());
        }
    }
    if let Some(a) = accent
        && let Some(c) = project.brand.colors.iter().find(|c| c.id == a)
    {
        m.insert("accent".into(), c.hex.clone());
    }
    for (k, v) in [
        ("primary", "#0B3D5C"),
        ("accent", "#E3A23B"),
        ("text", "#15212B"),
        ("background", "#F7F3EC"),
    ] {
        m.entry(k.to_string()).or_insert_with(|| v.to_string());
    }
    m.insert("white".into(), "#FFFFFF".into());
    // Text in the accent colour on the primary background only where it stays readable
    // (WCAG AA, 4.5:1); white otherwise.
    let (a, p) = (
        marque_project::brand::parse_hex(&m["accent"]),
        marque_project::brand::parse_hex(&m["primary"]),
    );
    let readable =
        matches!((a, p), (Some(a), Some(p)) if marque_assets::tokens::contrast_ratio(a, p) >= 4.5);
    let highlight = if readable {
        m["accent"].clone()
    } else {
        "#FFFFFF".to_string()
    };
    m.insert("highlight".into(), highlight);
    m
}

/// `x`, `y`, `width`, `height` of a drawing function's call.
fn place(kwargs: &Kwargs) -> tera::TeraResult<(f64, f64, f64, f64)> {
    Ok((
        kwargs.get::<f64>("x")?.unwrap_or(0.0),
        kwargs.get::<f64>("y")?.unwrap_or(0.0),
        kwargs.must_get::<f64>("width")?,
        kwargs.must_get::<f64>("height")?,
    ))
}

/// A Tera instance for SVG templates (autoescaped) with `logo(id, x, y, width,
/// height)`, which places a brand logo, fitted and centred, in the box.
pub fn drawing_tera(logos: &BTreeMap<String, Drawing>) -> Tera {
    let mut tera = Tera::default();
    tera.autoescape_on([".svg", ".html"]);
    tera.register_filter("group_by", marque_site::render::stable_group_by);
    let logos = Arc::new(logos.clone());
    tera.register_function(
        "logo",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<tera::Value> {
            let id = kwargs.must_get::<&str>("id")?;
            let d = logos.get(id).ok_or_else(|| {
                tera::Error::message(format!(
                    "logo(id='{id}'): no such logo (brand.yaml has {})",
                    logos.keys().cloned().collect::<Vec<_>>().join(", ")
                ))
            })?;
            let (x, y, w, h) = place(&kwargs)?;
            Ok(tera::Value::safe_string(&d.fit(
                &format!("lg{}-", x as i64),
                x,
                y,
                w,
                h,
            )))
        },
    );
    tera
}

/// The Tera instance of one kit: its templates and the functions that place drawings.
fn tera_for(
    kit: &Kit,
    logos: &BTreeMap<String, Drawing>,
    mark: &Mark,
    partner: Option<&Partner>,
    lockups: (&str, &str),
) -> Result<Tera, Diagnostics> {
    let mut tera = drawing_tera(logos);
    {
        let mark = mark.clone();
        tera.register_function(
            "event_mark",
            move |kwargs: Kwargs, _: &State| -> tera::TeraResult<tera::Value> {
                let (x, y, w, h) = place(&kwargs)?;
                let color = kwargs.get::<&str>("color")?.unwrap_or("#FFFFFF");
                Ok(tera::Value::safe_string(
                    &mark.in_color(color).fit("ev-", x, y, w, h),
                ))
            },
        );
    }
    {
        let partner = partner.cloned();
        tera.register_function(
            "partner_logo",
            move |kwargs: Kwargs, _: &State| -> tera::TeraResult<tera::Value> {
                let (x, y, w, h) = place(&kwargs)?;
                Ok(tera::Value::safe_string(
                    &partner
                        .as_ref()
                        .and_then(|p| p.logo.as_ref())
                        .map(|d| d.fit("pt-", x, y, w, h))
                        .unwrap_or_default(),
                ))
            },
        );
    }
    {
        let primary = Drawing::new(Arc::new(lockups.0.as_bytes().to_vec()));
        let white = Drawing::new(Arc::new(lockups.1.as_bytes().to_vec()));
        tera.register_function(
            "lockup",
            move |kwargs: Kwargs, _: &State| -> tera::TeraResult<tera::Value> {
                let (x, y, w, h) = place(&kwargs)?;
                let d = if kwargs.get::<&str>("color")? == Some("primary") {
                    &primary
                } else {
                    &white
                };
                Ok(tera::Value::safe_string(&d.fit("lk-", x, y, w, h)))
            },
        );
    }
    let mut d = Diagnostics::new();
    for (name, f) in &kit.templates {
        let src = String::from_utf8_lossy(&f.bytes);
        if let Err(e) = tera.add_raw_template(name, &src) {
            d.push(tera_diag(&e, &f.rel, kit, ""));
        }
    }
    if d.has_errors() { Err(d) } else { Ok(tera) }
}

fn tera_diag(e: &tera::Error, file: &str, kit: &Kit, lang: &str) -> Diagnostic {
    let base = marque_site::tera_error(e, std::path::Path::new(""), file);
    let mut msg = base.message.clone();
    // Our message names the kit and the language; the file is the template.
    let shown = if lang.is_empty() {
        format!("kit '{}': {msg}", kit.id)
    } else {
        format!("kit '{}' ({lang}): {msg}", kit.id)
    };
    msg = shown;
    let mut d = Diagnostic::error(file, msg);
    if let Some(l) = base.line {
        d = d.at(l, base.column.unwrap_or(1));
    }
    d
}

/// Builds `kit` in `lang`, co-branded with `partner` when given. Errors name the kit,
/// the template, the language and the field.
pub fn build_kit(
    inputs: &Inputs,
    kit: &Kit,
    lang: &str,
    partner: Option<&Partner>,
) -> Result<KitBuild, Diagnostics> {
    let project = inputs.project;
    let fonts = inputs.fonts;
    let cache = inputs.cache;
    let one = |file: &str, msg: String| {
        let mut d = Diagnostics::new();
        d.push(Diagnostic::error(file, msg));
        d
    };
    let mark = match &kit.mark {
        Some(f) => Mark {
            drawing: load_logo(&f.name, &f.bytes, fonts)
                .map(|(d, _)| d)
                .map_err(|e| one(&f.rel, format!("kit '{}': the event mark: {e}", kit.id)))?,
            placeholder: false,
        },
        None => Mark {
            drawing: placeholder_mark(
                &localized(&kit.data.name, lang, &project.default_language),
                &text(
                    project,
                    lang,
                    "kit_mark_placeholder",
                    "Placeholder for the official mark",
                ),
                fonts,
            )
            .map_err(|e| one(&kit.path, e))?,
            placeholder: true,
        },
    };
    let lock_primary = lockup(inputs, &mark, partner, false).map_err(|e| one(&kit.path, e))?;
    let lock_white = lockup(inputs, &mark, partner, true).map_err(|e| one(&kit.path, e))?;
    let tera = tera_for(
        kit,
        inputs.logos,
        &mark,
        partner,
        (&lock_primary, &lock_white),
    )?;
    let texts = fields(inputs, kit, lang, partner);
    let colors = brand_colors(project, kit.data.accent.as_ref().map(|a| a.value.as_str()));
    let dir = project
        .language(lang)
        .map(|l| l.dir.as_str())
        .unwrap_or("ltr");
    let rights = localized(&kit.data.rights, lang, &project.default_language);

    // Fill every format's template, fit its texts.
    let filled: Vec<Result<Filled, Diagnostic>> = FORMATS
        .par_iter()
        .map(|f| {
            let tpl = &kit.templates[f.template];
            let mut ctx = Context::new();
            let (w, h, unit, bleed, safe_top, safe_bottom) = match f.kind {
                Kind::Print { w, h, .. } => (w, h, "mm", BLEED_MM, SAFE_MM, h - SAFE_MM),
                Kind::Screen { w, h, safe, .. } => {
                    let (t, b) = safe.unwrap_or((0, h));
                    (w as f32, h as f32, "px", 0.0, t as f32, b as f32)
                }
            };
            ctx.insert("w", &w);
            ctx.insert("h", &h);
            ctx.insert("unit", unit);
            ctx.insert("bleed", &bleed);
            ctx.insert("safe_top", &safe_top);
            ctx.insert("safe_bottom", &safe_bottom);
            ctx.insert("format", f.name);
            ctx.insert("lang", lang);
            ctx.insert("dir", dir);
            ctx.insert("color", &colors);
            ctx.insert("text", &texts);
            ctx.insert(
                "kit",
                &json!({"id": kit.id, "has_partner": partner.is_some()}),
            );
            let src = tera
                .render(f.template, &ctx)
                .map_err(|e| tera_diag(&e, &tpl.rel, kit, lang))?;
            let inside = match f.kind {
                Kind::Print { w, h, .. } => Some((
                    SAFE_MM,
                    SAFE_MM,
                    w - SAFE_MM,
                    h - SAFE_MM,
                    "the area 4 mm inside the trim",
                )),
                Kind::Screen {
                    w,
                    safe: Some((t, b)),
                    ..
                } => Some((
                    0.0,
                    t as f32,
                    w as f32,
                    b as f32,
                    "the story's safe zone (central 1080 × 1420)",
                )),
                _ => None,
            };
            let svg = fit::fill(&src, &texts, fonts, inside).map_err(|e| {
                let d = Diagnostic::error(
                    &tpl.rel,
                    format!(
                        "kit '{}', template '{}' ({}), language '{lang}': {}",
                        kit.id, f.template, f.name, e.message
                    ),
                );
                // The line of the box in the template as written (the filled text has
                // other line numbers).
                let source = String::from_utf8_lossy(&tpl.bytes);
                let needle = format!("data-fit=\"{}\"", e.field);
                match source.lines().position(|l| l.contains(&needle)) {
                    Some(i) if !e.field.is_empty() => d.at_line(i + 1),
                    _ => d,
                }
            })?;
            Ok(Filled { svg })
        })
        .collect();
    let mut diags = Diagnostics::new();
    let mut ok = Vec::new();
    for r in filled {
        match r {
            Ok(f) => ok.push(f),
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        diags.sort();
        return Err(diags);
    }

    // Render each format (cached).
    let rendered: Vec<Result<Vec<KitFile>, Diagnostic>> = FORMATS
        .par_iter()
        .zip(&ok)
        .map(|(f, filled)| {
            render_format(f, filled, fonts, cache).map_err(|e| {
                Diagnostic::error(
                    &kit.templates[f.template].rel,
                    format!("kit '{}' ({lang}), {}: {e}", kit.id, f.name),
                )
            })
        })
        .collect();
    let mut files: Vec<KitFile> = Vec::new();
    for r in rendered {
        match r {
            Ok(v) => files.extend(v),
            Err(d) => diags.push(d),
        }
    }
    // Lockups.
    for (name, src) in [
        ("lockup-primary", &lock_primary),
        ("lockup-white", &lock_white),
    ] {
        match render_lockup(name, src, fonts, cache) {
            Ok(v) => files.extend(v),
            Err(e) => diags.push(Diagnostic::error(
                &kit.path,
                format!("kit '{}' ({lang}), {name}: {e}", kit.id),
            )),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    // Texts.
    files.extend(text_files(inputs, kit, lang, partner));
    // README and manifest.
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let readme = readme(inputs, kit, lang, &files);
    files.push(KitFile {
        path: "README.txt".into(),
        bytes: Arc::new(readme.into_bytes()),
        format: "TXT",
        size: String::new(),
        thumb: None,
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
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
    let manifest_file = KitFile {
        path: "manifest.json".into(),
        bytes: Arc::new(mbytes),
        format: "JSON",
        size: String::new(),
        thumb: None,
    };
    // The zip: every file, the manifest first.
    let mut parts: Vec<Vec<u8>> = vec![kit.id.as_bytes().to_vec(), lang.as_bytes().to_vec()];
    for f in files.iter().chain(std::iter::once(&manifest_file)) {
        parts.push(f.path.as_bytes().to_vec());
        parts.push(blake3::hash(&f.bytes).as_bytes().to_vec());
    }
    let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
    let zip = cache
        .get_or_make("kit-zip", &key("kit-zip", &refs), || {
            let mut entries: Vec<(String, Arc<Vec<u8>>)> = files
                .iter()
                .map(|f| (f.path.clone(), f.bytes.clone()))
                .collect();
            entries.push((manifest_file.path.clone(), manifest_file.bytes.clone()));
            archive::zip_files(&entries)
        })
        .map_err(|e| one(&kit.path, format!("cannot write the kit's zip: {e}")))?;
    files.push(manifest_file);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(KitBuild { files, zip })
}

fn thumb(tree: &svg::Tree, cache: &DerivedCache, k: &[&[u8]]) -> Result<Arc<Vec<u8>>, String> {
    let width = if tree.size().height() > tree.size().width() * 2.0 {
        160
    } else {
        360
    };
    cache.get_or_make("thumb", &key("thumb", k), || svg::png(tree, width))
}

fn render_format(
    f: &Format,
    filled: &Filled,
    fonts: &Fonts,
    cache: &DerivedCache,
) -> Result<Vec<KitFile>, String> {
    let tree = std::sync::OnceLock::new();
    let digest = fonts.digest;
    match f.kind {
        Kind::Print { w, h, preview } => {
            // The page: trim + bleed + room for crop marks; the artwork is drawn to
            // the bleed.
            let (mw, mh) = (
                w + 2.0 * (BLEED_MM + SLUG_MM),
                h + 2.0 * (BLEED_MM + SLUG_MM),
            );
            let o = BLEED_MM + SLUG_MM;
            let inner = nested_template(
                &filled.svg,
                -BLEED_MM,
                -BLEED_MM,
                w + 2.0 * BLEED_MM,
                h + 2.0 * BLEED_MM,
            );
            let marks = crop_marks(o, w, h);
            let page = format!(
                r##"<svg xmlns="http://www.w3.org/2000/svg" width="{mw}" height="{mh}" viewBox="0 0 {mw} {mh}"><rect width="{mw}" height="{mh}" fill="#FFFFFF"/><g transform="translate({o} {o})">{inner}</g>{marks}</svg>"##
            );
            let page_tree = std::sync::OnceLock::new();
            let pdf = cache.get_or_make(
                "kit-pdf",
                &key("kit-pdf", &[page.as_bytes(), &digest]),
                || {
                    let t = svg::parse(&page, fonts).map_err(|e| e.message)?;
                    let t = page_tree.get_or_init(|| t);
                    svg::pdf(&[PdfPage {
                        tree: t,
                        width_pt: mw * PT_PER_MM,
                        height_pt: mh * PT_PER_MM,
                        bleed_pt: Some((SLUG_MM * PT_PER_MM, BLEED_MM * PT_PER_MM)),
                    }])
                },
            )?;
            let get_tree = || -> Result<&svg::Tree, String> {
                if tree.get().is_none() {
                    let t = svg::parse(&filled.svg, fonts).map_err(|e| e.message)?;
                    let _ = tree.set(t);
                }
                tree.get().ok_or_else(|| "cannot draw".to_string())
            };
            let settings = format!("preview={preview}");
            let png = cache.get_or_make(
                "kit-png",
                &key(
                    "kit-png",
                    &[filled.svg.as_bytes(), &digest, settings.as_bytes()],
                ),
                || get_tree().and_then(|t| svg::png(t, preview)),
            )?;
            let th = match cache_thumb(cache, &filled.svg, &digest) {
                Some(t) => t,
                None => thumb(get_tree()?, cache, &[filled.svg.as_bytes(), &digest])?,
            };
            let (pw, ph) = svg::png_size(&png).unwrap_or((0, 0));
            let size = format!("{} × {} mm", fmt(w), fmt(h));
            Ok(vec![
                KitFile {
                    path: format!("{}.pdf", f.name),
                    bytes: pdf,
                    format: "PDF",
                    size: format!("{size} (+{} mm bleed)", fmt(BLEED_MM)),
                    thumb: Some(th.clone()),
                },
                KitFile {
                    path: format!("{}-preview.png", f.name),
                    bytes: png,
                    format: "PNG",
                    size: format!("{pw} × {ph} px"),
                    thumb: Some(th),
                },
            ])
        }
        Kind::Screen { w, h, scale, .. } => {
            let settings = format!("w={}", w * scale);
            let get_tree = || -> Result<&svg::Tree, String> {
                if tree.get().is_none() {
                    let t = svg::parse(&filled.svg, fonts).map_err(|e| e.message)?;
                    let _ = tree.set(t);
                }
                tree.get().ok_or_else(|| "cannot draw".to_string())
            };
            let png = cache.get_or_make(
                "kit-png",
                &key(
                    "kit-png",
                    &[filled.svg.as_bytes(), &digest, settings.as_bytes()],
                ),
                || get_tree().and_then(|t| svg::png(t, w * scale)),
            )?;
            let th = match cache_thumb(cache, &filled.svg, &digest) {
                Some(t) => t,
                None => thumb(get_tree()?, cache, &[filled.svg.as_bytes(), &digest])?,
            };
            let (pw, ph) = svg::png_size(&png).unwrap_or((0, 0));
            let _ = h;
            Ok(vec![KitFile {
                path: format!("{}.png", f.name),
                bytes: png,
                format: "PNG",
                size: format!("{pw} × {ph} px"),
                thumb: Some(th),
            }])
        }
    }
}

fn cache_thumb(cache: &DerivedCache, svg: &str, digest: &[u8; 32]) -> Option<Arc<Vec<u8>>> {
    let k = key("thumb", &[svg.as_bytes(), digest]);
    if cache.contains(&k) {
        cache
            .get_or_make("thumb", &k, || Err::<Vec<u8>, ()>(()))
            .ok()
    } else {
        None
    }
}

fn render_lockup(
    name: &str,
    src: &str,
    fonts: &Fonts,
    cache: &DerivedCache,
) -> Result<Vec<KitFile>, String> {
    let digest = fonts.digest;
    let tree = std::sync::OnceLock::new();
    let get_tree = || -> Result<&svg::Tree, String> {
        if tree.get().is_none() {
            let t = svg::parse(src, fonts).map_err(|e| e.message)?;
            let _ = tree.set(t);
        }
        tree.get().ok_or_else(|| "cannot draw".to_string())
    };
    let out_svg = cache.get_or_make("svg", &key("svg", &[src.as_bytes(), &digest]), || {
        get_tree().map(|t| svg::normalized(t).into_bytes())
    })?;
    let png = cache.get_or_make(
        "png",
        &key("png", &[src.as_bytes(), &digest, b"width=2048"]),
        || get_tree().and_then(|t| svg::png(t, 2048)),
    )?;
    let pdf = cache.get_or_make("pdf", &key("pdf", &[src.as_bytes(), &digest]), || {
        get_tree().and_then(|t| {
            svg::pdf(&[PdfPage {
                tree: t,
                width_pt: t.size().width() * 0.75,
                height_pt: t.size().height() * 0.75,
                bleed_pt: None,
            }])
        })
    })?;
    let th = cache.get_or_make("thumb", &key("thumb", &[src.as_bytes(), &digest]), || {
        get_tree().and_then(|t| svg::png(t, 360))
    })?;
    let (w, h) = svg::svg_size(&String::from_utf8_lossy(&out_svg));
    let (pw, ph) = svg::png_size(&png).unwrap_or((0, 0));
    let mm = |v: f64| fmt((v * 25.4 / 96.0) as f32);
    Ok(vec![
        KitFile {
            path: format!("{name}.svg"),
            bytes: out_svg,
            format: "SVG",
            size: format!("{} × {} px", fmt(w as f32), fmt(h as f32)),
            thumb: Some(th.clone()),
        },
        KitFile {
            path: format!("{name}.png"),
            bytes: png,
            format: "PNG",
            size: format!("{pw} × {ph} px"),
            thumb: Some(th.clone()),
        },
        KitFile {
            path: format!("{name}.pdf"),
            bytes: pdf,
            format: "PDF",
            size: format!("{} × {} mm", mm(w), mm(h)),
            thumb: Some(th),
        },
    ])
}

fn fmt(v: f32) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A filled template (its root `<svg>` with a viewBox in trim units) placed inline in
/// the box `x, y, w, h` of the page, keeping its own coordinates (so that artwork drawn
/// at negative coordinates fills the bleed).
fn nested_template(svg: &str, x: f32, y: f32, w: f32, h: f32) -> String {
    let Some(start) = svg.find("<svg") else {
        return String::new();
    };
    let body = &svg[start..];
    let end = body.find('>').unwrap_or(0);
    let inner = body[end + 1..].trim_end().trim_end_matches("</svg>");
    format!(
        r#"<svg x="{x}" y="{y}" width="{w}" height="{h}" viewBox="{x} {y} {w} {h}" overflow="hidden">{inner}</svg>"#
    )
}

/// Crop marks at the four corners of the trim (`o` = where the trim starts), in the
/// slug, outside the bleed.
fn crop_marks(o: f32, w: f32, h: f32) -> String {
    let mut s = String::new();
    let len = SLUG_MM - 2.0;
    let gap = BLEED_MM + 1.0;
    for (cx, sx) in [(o, -1.0), (o + w, 1.0)] {
        for (cy, sy) in [(o, -1.0), (o + h, 1.0)] {
            // Horizontal mark on the trim's horizontal edge, vertical on its vertical one.
            s.push_str(&format!(
                r##"<line x1="{:.2}" y1="{cy:.2}" x2="{:.2}" y2="{cy:.2}" stroke="#000000" stroke-width="0.25"/><line x1="{cx:.2}" y1="{:.2}" x2="{cx:.2}" y2="{:.2}" stroke="#000000" stroke-width="0.25"/>"##,
                cx + sx * gap,
                cx + sx * (gap + len),
                cy + sy * gap,
                cy + sy * (gap + len)
            ));
        }
    }
    s
}

fn html_page(lang: &str, dir: &str, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>body{{font-family:Inter,system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.55;color:#15212B}}h1{{color:#0B3D5C}}li{{margin:.4rem 0}}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        esc(title)
    )
}

fn text_files(inputs: &Inputs, kit: &Kit, lang: &str, partner: Option<&Partner>) -> Vec<KitFile> {
    let p = inputs.project;
    let d = &p.default_language;
    let data = &kit.data;
    let dir = p.language(lang).map(|l| l.dir.as_str()).unwrap_or("ltr");
    let name = localized(&data.name, lang, d);
    let Facts {
        dates,
        places,
        messages,
    } = facts(p, kit, lang);
    let t = |k: &str, f: &str| text(p, lang, k, f);
    let mut out = Vec::new();
    // Key messages.
    let title = format!("{} — {}", name, t("kit_key_messages", "Key messages"));
    let mut html = format!(
        "<h1>{}</h1>\n<p>{} · {}</p>\n<ol>\n",
        esc(&title),
        esc(&dates.join(" · ")),
        esc(&places.join(" · "))
    );
    let mut txt = format!("{title}\n{}\n{}\n\n", dates.join(" · "), places.join(" · "));
    for (i, m) in messages.iter().enumerate() {
        html.push_str(&format!("<li>{}</li>\n", esc(m)));
        txt.push_str(&format!("{}. {m}\n", i + 1));
    }
    html.push_str("</ol>\n");
    if let Some(h) = &data.hashtag {
        html.push_str(&format!("<p><strong>{}</strong></p>\n", esc(h)));
        txt.push_str(&format!("\n{h}\n"));
    }
    out.push(KitFile {
        path: "key-messages.html".into(),
        bytes: Arc::new(html_page(lang, dir, &title, &html).into_bytes()),
        format: "HTML",
        size: String::new(),
        thumb: None,
    });
    out.push(KitFile {
        path: "key-messages.txt".into(),
        bytes: Arc::new(txt.into_bytes()),
        format: "TXT",
        size: String::new(),
        thumb: None,
    });
    // Press release.
    if let Some(r) = data
        .press_release
        .get(lang)
        .or_else(|| data.press_release.get(d))
    {
        let mut html = format!(
            "<p>{}</p>\n<h1>{}</h1>\n",
            esc(&t("kit_press_release", "Press release")),
            esc(&r.title)
        );
        let mut txt = format!(
            "{}\n\n{}\n\n",
            t("kit_press_release", "Press release"),
            r.title
        );
        if let Some(dl) = &r.dateline {
            html.push_str(&format!("<p><em>{}</em></p>\n", esc(dl)));
            txt.push_str(&format!("{dl}\n\n"));
        }
        for para in &r.body {
            html.push_str(&format!("<p>{}</p>\n", esc(para)));
            txt.push_str(&format!("{para}\n\n"));
        }
        if let Some(pt) = partner {
            let line = format!("{} {}", t("kit_with", "with"), pt.name);
            html.push_str(&format!("<p>{}</p>\n", esc(&line)));
            txt.push_str(&format!("{line}\n\n"));
        }
        html.push_str(&format!(
            "<h2>{}</h2>\n<ul>\n",
            esc(&t("kit_contacts", "Contacts"))
        ));
        txt.push_str(&format!("{}\n", t("kit_contacts", "Contacts")));
        for c in &data.contacts {
            let line = contact_line(c, lang, d);
            html.push_str(&format!("<li>{}</li>\n", esc(&line)));
            txt.push_str(&format!("- {line}\n"));
        }
        html.push_str("</ul>\n");
        out.push(KitFile {
            path: "press-release.html".into(),
            bytes: Arc::new(html_page(lang, dir, &r.title, &html).into_bytes()),
            format: "HTML",
            size: String::new(),
            thumb: None,
        });
        out.push(KitFile {
            path: "press-release.txt".into(),
            bytes: Arc::new(txt.into_bytes()),
            format: "TXT",
            size: String::new(),
            thumb: None,
        });
    }
    // E-mail signature, with the banner next to it.
    let contact = data.contacts.first();
    let sig = format!(
        "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\"font-family:Arial,Helvetica,sans-serif;color:#15212B;font-size:14px;line-height:1.4\" dir=\"{dir}\">\n<tr><td style=\"padding-bottom:8px\"><strong style=\"font-size:16px;color:#0B3D5C\">{}</strong><br>{}<br>{}</td></tr>\n<tr><td><img src=\"email-banner.png\" width=\"600\" height=\"200\" alt=\"{}\" style=\"display:block;border:0;max-width:100%;height:auto\"></td></tr>\n<tr><td style=\"padding-top:6px;font-size:12px;color:#4A5661\">{}</td></tr>\n</table>",
        esc(&t("kit_badge_name", "First name Last name")),
        esc(&contact
            .map(|c| localized(&c.role, lang, d))
            .unwrap_or_default()),
        esc(&format!(
            "{} · {}",
            p.brand.name,
            contact.and_then(|c| c.email.clone()).unwrap_or_default()
        )),
        esc(&format!("{name} — {}", dates.join(" · "))),
        esc(&data.hashtag.clone().unwrap_or_default()),
    );
    out.push(KitFile {
        path: "email-signature.html".into(),
        bytes: Arc::new(html_page(lang, dir, &name, &sig).into_bytes()),
        format: "HTML",
        size: String::new(),
        thumb: None,
    });
    // Calendar.
    out.push(KitFile {
        path: format!("{}.ics", kit.id),
        bytes: Arc::new(ics(inputs, kit, lang).into_bytes()),
        format: "ICS",
        size: String::new(),
        thumb: None,
    });
    out
}

/// A contact as one line: name · role · e-mail · phone.
fn contact_line(c: &marque_project::kits::KitContact, lang: &str, default: &str) -> String {
    let role = localized(&c.role, lang, default);
    [
        Some(c.name.clone()),
        (!role.is_empty()).then_some(role),
        c.email.clone(),
        c.phone.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

/// The kit's calendar: each period and each dated session as an all-day event.
pub fn ics(inputs: &Inputs, kit: &Kit, lang: &str) -> String {
    use marque_assets::ics::{Event, calendar};
    let p = inputs.project;
    let d = &p.default_language;
    let name = localized(&kit.data.name, lang, d);
    let place = kit
        .data
        .places
        .first()
        .map(|pl| format!("{}, {}", pl.name, pl.city));
    let mut events: Vec<Event> = kit
        .periods
        .iter()
        .map(|(a, b)| (*a, *b, name.clone(), place.clone()))
        .chain(kit.sessions.iter().map(|(day, title, pl)| {
            (
                *day,
                *day,
                format!("{} — {}", name, localized(title, lang, d)),
                pl.clone().or_else(|| place.clone()),
            )
        }))
        .enumerate()
        .map(|(i, (start, end, summary, location))| Event {
            uid: format!("{}-{}-{}@marque", kit.id, lang, i + 1),
            start,
            end,
            summary,
            location,
            url: None,
        })
        .collect();
    events.sort_by_key(|e| (e.start, e.uid.clone()));
    calendar(&name, &events)
}

fn readme(inputs: &Inputs, kit: &Kit, lang: &str, files: &[KitFile]) -> String {
    let p = inputs.project;
    let d = &p.default_language;
    let t = |k: &str, f: &str| text(p, lang, k, f);
    let name = localized(&kit.data.name, lang, d);
    let dates: Vec<String> = kit
        .periods
        .iter()
        .map(|(a, b)| date_range(p, lang, *a, *b))
        .collect();
    let mut s = format!(
        "{name}\n{}\n\n{}\n\n",
        dates.join(" · "),
        t(
            "kit_readme_intro",
            "This kit holds the material for the event, ready to print and to post."
        )
    );
    s.push_str(&format!("{}\n", t("kit_readme_files", "Files")));
    for f in files {
        let size = if f.size.is_empty() {
            String::new()
        } else {
            format!(" — {}", f.size)
        };
        s.push_str(&format!("- {} ({}{size})\n", f.path, f.format));
    }
    s.push_str(&format!("- manifest.json (JSON)\n\n{}\n{}\n\n", t("kit_readme_print", "Printing"), t("kit_readme_print_text", "Posters, badge and roll-up are PDF with 3 mm bleed and crop marks; give them to the printer as they are.")));
    if kit.mark.is_none() {
        s.push_str(&format!("{}\n\n", t("kit_readme_placeholder", "The event mark on this material is a placeholder drawn by One Provence: an organisation that holds the rights to the official mark replaces it by dropping mark.svg into the kit folder.")));
    }
    s.push_str(&format!(
        "{}\n{}\n\n",
        t("kit_rights", "Rights"),
        localized(&kit.data.rights, lang, d)
    ));
    s.push_str(&format!("{}\n", t("kit_contacts", "Contacts")));
    for c in &kit.data.contacts {
        let line = contact_line(c, lang, d);
        s.push_str(&format!("- {line}\n"));
    }
    s
}
