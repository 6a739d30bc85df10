//! The lockup: One Provence, the event mark and the partner in one row, in primary ink
//! and in white, and its files (SVG, PNG, PDF).

use marque_assets::cache::{DerivedCache, key};
use marque_assets::svg::{self, Fonts, PdfPage};
use marque_assets::text::{Align, Direction, TextStyle};
use marque_project::{Diagnostics, Kit};

use crate::formats::{LazyTree, fmt, png_file};
use crate::logos::Mark;
use crate::{Inputs, KitFile, Partner, single_error};

/// One lockup drawing and where its One Provence logo is in it.
pub(crate) struct Lockup {
    /// SVG source.
    pub(crate) svg: String,
    /// Its width, in its own units.
    pub(crate) width: f64,
    /// Width of the brand's logo in it, in the same units.
    pub(crate) logo_width: f64,
}

/// The kit's lockups, as SVG source: in a row, and (with a partner) stacked, the
/// partner under the brand and the event, for boxes where the row would draw the
/// brand's logo under its minimum size.
pub(crate) struct Lockups {
    /// In the brand's primary colour, for light backgrounds.
    pub(crate) primary: Lockup,
    /// In white, for dark backgrounds.
    pub(crate) white: Lockup,
    /// Stacked, in the primary colour (with a partner only).
    pub(crate) primary_stacked: Option<Lockup>,
    /// Stacked, in white (with a partner only).
    pub(crate) white_stacked: Option<Lockup>,
    /// Without the partner, in the primary colour, for templates that show the
    /// partner elsewhere (with a partner only).
    pub(crate) primary_alone: Option<Lockup>,
    /// Without the partner, in white (with a partner only).
    pub(crate) white_alone: Option<Lockup>,
}

/// Every lockup of a kit (an error names the kit).
pub(crate) fn lockups(
    inputs: &Inputs,
    kit: &Kit,
    mark: &Mark,
    partner: Option<&Partner>,
) -> Result<Lockups, Diagnostics> {
    let make = |partner: Option<&Partner>, white: bool, stacked: bool| {
        lockup(inputs, mark, partner, white, stacked).map_err(|e| single_error(&kit.path, e))
    };
    let with = |white: bool, stacked: bool| partner.map(|p| make(Some(p), white, stacked));
    Ok(Lockups {
        primary: make(partner, false, false)?,
        white: make(partner, true, false)?,
        primary_stacked: with(false, true).transpose()?,
        white_stacked: with(true, true).transpose()?,
        primary_alone: partner.map(|_| make(None, false, false)).transpose()?,
        white_alone: partner.map(|_| make(None, true, false)).transpose()?,
    })
}

/// One part of the lockup's row: width, height and its markup at the origin.
type Part = (f64, f64, String);

/// The lockup: One Provence, the event mark and the partner, in the co-branding order,
/// separated by the brand's clear space and a thin rule; `stacked` puts the partner
/// under the other two.
fn lockup(
    inputs: &Inputs,
    mark: &Mark,
    partner: Option<&Partner>,
    white: bool,
    stacked: bool,
) -> Result<Lockup, String> {
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
    let partner = partner.map(|p| partner_part(inputs.fonts, p, h, lw, &ink, white));
    let (body, width, height) = match partner {
        Some(p) if stacked => {
            let (top, tw, th) = row(&parts, h, gap, &ink);
            let (pw, ph, pm) = p;
            let width = tw.max(pw);
            // The brand and the event centred above, a rule, the partner below.
            let rule_y = th + gap;
            let body = format!(
                r#"<g transform="translate({:.2} 0)">{top}</g><rect x="{:.2}" y="{:.2}" width="{:.2}" height="2" fill="{ink}"/><g transform="translate({:.2} {:.2})">{pm}</g>"#,
                (width - tw) / 2.0,
                (width - tw.min(pw).max(h)) / 2.0,
                rule_y - 1.0,
                tw.min(pw).max(h),
                (width - pw) / 2.0,
                rule_y + gap,
            );
            (body, width, rule_y + gap + ph)
        }
        Some(p) => {
            parts.push(p);
            row(&parts, h, gap, &ink)
        }
        None => row(&parts, h, gap, &ink),
    };
    Ok(Lockup {
        svg: format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.2}" height="{height:.2}" viewBox="0 0 {width:.2} {height:.2}">{body}</svg>"#
        ),
        width,
        logo_width: lw,
    })
}

/// The partner's part: its logo (the light version, or on a light plate, on dark
/// backgrounds), or its name set in Inter when it has none, on two lines when it is
/// longer than the brand's logo.
fn partner_part(fonts: &Fonts, p: &Partner, h: f64, lw: f64, ink: &str, white: bool) -> Part {
    let logo = if white {
        p.logo_light.as_ref().or(p.logo.as_ref())
    } else {
        p.logo.as_ref()
    };
    match logo {
        Some(d) => {
            let ph = h * 1.1;
            let pw = (d.width * ph / d.height.max(1e-6)).min(h * 5.0);
            let drawn = d.fit("p-", 0.0, 0.0, pw, ph);
            if white && p.logo_light.is_none() && p.needs_plate {
                // A dark logo on a dark background: on a light plate, with room.
                let pad = h * 0.18;
                (
                    pw + 2.0 * pad,
                    ph + 2.0 * pad,
                    format!(
                        r##"<rect width="{:.2}" height="{:.2}" rx="{:.2}" fill="#FFFFFF"/><g transform="translate({pad:.2} {pad:.2})">{drawn}</g>"##,
                        pw + 2.0 * pad,
                        ph + 2.0 * pad,
                        pad * 0.6
                    ),
                )
            } else {
                (pw, ph, drawn)
            }
        }
        None => {
            let size = 44.0_f32;
            let style = TextStyle {
                family: "Inter",
                weight: 700,
                size,
                line_height: 1.1,
                direction: Direction::Auto,
            };
            let one = fonts.layout(&p.name, &style, None);
            let mut block = one.clone();
            if one.width as f64 > lw {
                // Two lines of about the same length: the narrowest width that does.
                let mut width = one.width / 2.0;
                while width < one.width {
                    block = fonts.layout(&p.name, &style, Some(width));
                    if block.lines.len() <= 2 {
                        break;
                    }
                    width *= 1.05;
                }
            }
            let top = (h - block.height as f64) / 2.0;
            let markup = fonts.draw(
                &block,
                (0.0, top as f32),
                block.width,
                Align::Start,
                &format!(r#"fill="{ink}""#),
            );
            (block.width as f64, h, markup)
        }
    }
}

/// The parts side by side, centred on one line, a rule of height `h` in the middle of
/// each `2 × gap` between them: the markup, its width and height.
fn row(parts: &[Part], h: f64, gap: f64, ink: &str) -> (String, f64, f64) {
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
    (body, x, height)
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
