//! The lockup: One Provence, the event mark and the partner in one row, in primary ink
//! and in white, and its files (SVG, PNG, PDF).

use marque_assets::cache::{DerivedCache, key};
use marque_assets::svg::{self, Fonts, PdfPage};
use marque_project::{Diagnostics, Kit};

use crate::formats::{LazyTree, fmt, png_file};
use crate::locale::esc;
use crate::logos::Mark;
use crate::{Inputs, KitFile, Partner, single_error};

/// The kit's two lockups, as SVG source.
pub(crate) struct Lockups {
    /// In the brand's primary colour, for light backgrounds.
    pub(crate) primary: String,
    /// In white, for dark backgrounds.
    pub(crate) white: String,
}

/// Both lockups of a kit (an error names the kit).
pub(crate) fn lockups(
    inputs: &Inputs,
    kit: &Kit,
    mark: &Mark,
    partner: Option<&Partner>,
) -> Result<Lockups, Diagnostics> {
    Ok(Lockups {
        primary: lockup(inputs, mark, partner, false).map_err(|e| single_error(&kit.path, e))?,
        white: lockup(inputs, mark, partner, true).map_err(|e| single_error(&kit.path, e))?,
    })
}

/// One part of the lockup's row: width, height and its markup at the origin.
type Part = (f64, f64, String);

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
        parts.push(partner_part(inputs.fonts, p, h, &ink));
    }
    Ok(row(&parts, h, gap, &ink))
}

/// The partner's part: its logo, or its name set in Inter when it has none.
fn partner_part(fonts: &Fonts, p: &Partner, h: f64, ink: &str) -> Part {
    match &p.logo {
        Some(d) => {
            let ph = h * 1.1;
            let pw = (d.width * ph / d.height.max(1e-6)).min(h * 5.0);
            (pw, ph, d.fit("p-", 0.0, 0.0, pw, ph))
        }
        None => {
            let size = 44.0;
            let w = fonts.measure(&p.name, "Inter", 700) as f64 * size;
            (
                w,
                h,
                format!(
                    r#"<text x="0" y="{:.1}" font-family="Inter" font-weight="700" font-size="{size}" fill="{ink}">{}</text>"#,
                    h / 2.0 + size * 0.35,
                    esc(&p.name)
                ),
            )
        }
    }
}

/// The parts side by side, centred on one line, a rule of height `h` in the middle of
/// each `2 × gap` between them.
fn row(parts: &[Part], h: f64, gap: f64, ink: &str) -> String {
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
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{x:.2}" height="{height:.2}" viewBox="0 0 {x:.2} {height:.2}">{body}</svg>"#
    )
}

/// A lockup's files, `name.svg`, `name.png` and `name.pdf` (cached).
pub(crate) fn render_lockup(
    name: &str,
    src: &str,
    fonts: &Fonts,
    cache: &DerivedCache,
) -> Result<Vec<KitFile>, String> {
    let digest = fonts.digest;
    let tree = LazyTree::new(src, fonts);
    let out_svg = cache.get_or_make("svg", &key("svg", &[src.as_bytes(), &digest]), || {
        tree.get().map(|t| svg::normalized(t).into_bytes())
    })?;
    let png = cache.get_or_make(
        "png",
        &key("png", &[src.as_bytes(), &digest, b"width=2048"]),
        || tree.get().and_then(|t| svg::png(t, 2048)),
    )?;
    let pdf = cache.get_or_make("pdf", &key("pdf", &[src.as_bytes(), &digest]), || {
        tree.get().and_then(|t| {
            svg::pdf(&[PdfPage {
                tree: t,
                width_pt: t.size().width() * 0.75,
                height_pt: t.size().height() * 0.75,
                bleed_pt: None,
            }])
        })
    })?;
    let th = cache.get_or_make("thumb", &key("thumb", &[src.as_bytes(), &digest]), || {
        tree.get().and_then(|t| svg::png(t, 360))
    })?;
    let (w, h) = svg::svg_size(&String::from_utf8_lossy(&out_svg));
    let mm = |v: f64| fmt((v * 25.4 / 96.0) as f32);
    Ok(vec![
        KitFile {
            path: format!("{name}.svg"),
            bytes: out_svg,
            format: "SVG",
            size: format!("{} × {} px", fmt(w as f32), fmt(h as f32)),
            thumb: Some(th.clone()),
        },
        png_file(format!("{name}.png"), png, th.clone()),
        KitFile {
            path: format!("{name}.pdf"),
            bytes: pdf,
            format: "PDF",
            size: format!("{} × {} mm", mm(w), mm(h)),
            thumb: Some(th),
        },
    ])
}
