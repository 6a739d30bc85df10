//! Drawings from files and from words: logo files (an official event mark, a
//! partner's logo), the drawn placeholder for a missing mark, base64 for `data:` URLs.

use std::sync::Arc;

use marque_assets::svg::{self, Drawing, Fonts};
use marque_assets::text::{Align, Direction, TextStyle, has_rtl};
use marque_project::{Diagnostics, Kit};

use crate::locale::{localized, text};
use crate::{Inputs, single_error};

/// The event mark: the official file, or the drawn placeholder, which takes the colour
/// of what surrounds it.
#[derive(Clone)]
pub(crate) struct Mark {
    drawing: Drawing,
    placeholder: bool,
}

impl Mark {
    /// The mark drawn in `color` (only the placeholder changes colour).
    pub(crate) fn in_color(&self, color: &str) -> Drawing {
        if !self.placeholder {
            return self.drawing.clone();
        }
        let s = String::from_utf8_lossy(&self.drawing.svg).replace("#000000", color);
        Drawing::new(Arc::new(s.into_bytes()))
    }
}

/// The kit's event mark in `lang`: its `mark.svg` (or `.png`), else the placeholder
/// labelled in that language.
pub(crate) fn event_mark(inputs: &Inputs, kit: &Kit, lang: &str) -> Result<Mark, Diagnostics> {
    let project = inputs.project;
    let fonts = inputs.fonts;
    Ok(match &kit.mark {
        Some(f) => Mark {
            drawing: load_logo(&f.name, &f.bytes, fonts)
                .map(|(d, _)| d)
                .map_err(|e| {
                    single_error(&f.rel, format!("kit '{}': the event mark: {e}", kit.id))
                })?,
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
            .map_err(|e| single_error(&kit.path, e))?,
            placeholder: true,
        },
    })
}

/// SVG source parsed with the brand fonts and written back normalized, text outlined.
fn outlined(src: &str, fonts: &Fonts) -> Result<Drawing, String> {
    let tree = svg::parse(src, fonts).map_err(|e| e.message)?;
    Ok(Drawing::new(Arc::new(svg::normalized(&tree).into_bytes())))
}

/// The drawn placeholder for an event mark: a dashed frame labelled as such, the
/// event's name on two lines and the label set by the text engine.
fn placeholder_mark(name: &str, label: &str, fonts: &Fonts) -> Result<Drawing, String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let mid = words.len().div_ceil(2);
    let (l1, l2) = (words[..mid].join(" "), words[mid..].join(" "));
    // Each line at its size, smaller when it is wider than the frame allows.
    let line = |s: &str, max: f32, size: f32, weight: u16, y: f32| -> String {
        let style = |size: f32| TextStyle {
            family: "Inter",
            weight,
            size,
            line_height: 1.1,
            direction: if has_rtl(s) {
                Direction::Rtl
            } else {
                Direction::Ltr
            },
        };
        let mut block = fonts.layout(s, &style(size), None);
        if block.width > max {
            block = fonts.layout(s, &style(size * max / block.width), None);
        }
        let baseline = block.lines.first().map(|l| l.baseline).unwrap_or(0.0);
        fonts.draw(
            &block,
            (200.0 - max / 2.0, y - baseline),
            max,
            Align::Middle,
            r##"fill="#000000""##,
        )
    };
    let src = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300"><rect x="4" y="4" width="392" height="292" rx="28" fill="none" stroke="#000000" stroke-width="6" stroke-dasharray="18 12"/>{}{}{}</svg>"##,
        line(&l1, 320.0, 52.0, 800, 120.0),
        line(&l2, 320.0, 52.0, 800, 120.0 + 52.0 * 1.1),
        line(label, 330.0, 22.0, 600, 250.0),
    );
    outlined(&src, fonts)
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
        Ok((outlined(&clean.svg, fonts)?, clean.removed))
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
        Ok((outlined(&src, fonts)?, Vec::new()))
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
