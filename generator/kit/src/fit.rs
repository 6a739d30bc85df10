//! Text fitting: a template marks each text box with a `<rect data-fit="field" …/>`;
//! the field's text is wrapped into the box with the brand fonts' real metrics, then
//! shrunk step by step down to the box's minimum size. The rect is replaced by one
//! `<text>` per line. A text that does not fit even at its minimum size is an error.

use std::collections::BTreeMap;

use marque_assets::svg::Fonts;

/// A text box read from a template.
#[derive(Debug, Clone)]
pub struct TextBox {
    /// Field whose text goes in.
    pub field: String,
    /// Box, in the template's units.
    pub x: f32,
    /// Box, in the template's units.
    pub y: f32,
    /// Box, in the template's units.
    pub w: f32,
    /// Box, in the template's units.
    pub h: f32,
    /// Largest font size.
    pub size: f32,
    /// Smallest font size.
    pub min_size: f32,
    /// Font weight.
    pub weight: u16,
    /// Font family.
    pub family: String,
    /// Line height, × the font size.
    pub line_height: f32,
    /// `start`, `middle` or `end` (mirrored for right-to-left text).
    pub align: String,
    /// `top`, `middle` or `bottom`.
    pub valign: String,
    /// Fill colour.
    pub fill: String,
    /// Upper-case the text.
    pub uppercase: bool,
    /// Line number in the filled template.
    pub line: usize,
    range: std::ops::Range<usize>,
}

/// Why a text did not fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FitError {
    /// The field.
    pub field: String,
    /// What went wrong.
    pub message: String,
    /// Line of the box in the filled template.
    pub line: usize,
}

fn num(n: roxmltree::Node, name: &str, default: Option<f32>) -> Result<f32, String> {
    match n.attribute(name) {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{name}=\"{v}\" is not a number")),
        None => default.ok_or_else(|| format!("the text box lacks {name}")),
    }
}

/// The text boxes of a filled template.
pub fn find_boxes(svg: &str) -> Result<Vec<TextBox>, String> {
    let doc = roxmltree::Document::parse(svg).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for n in doc.descendants().filter(|n| n.has_tag_name("rect")) {
        let Some(field) = n.attribute("data-fit") else {
            continue;
        };
        let line = doc.text_pos_at(n.range().start).row as usize;
        let at = |e: String| format!("line {line}: data-fit=\"{field}\": {e}");
        let size = num(n, "data-size", None).map_err(at)?;
        out.push(TextBox {
            field: field.to_string(),
            x: num(n, "x", Some(0.0)).map_err(at)?,
            y: num(n, "y", Some(0.0)).map_err(at)?,
            w: num(n, "width", None).map_err(at)?,
            h: num(n, "height", None).map_err(at)?,
            size,
            min_size: num(n, "data-min-size", Some(size)).map_err(at)?,
            weight: num(n, "data-weight", Some(400.0)).map_err(at)? as u16,
            family: n.attribute("data-family").unwrap_or("Inter").to_string(),
            line_height: num(n, "data-line-height", Some(1.15)).map_err(at)?,
            align: n.attribute("data-align").unwrap_or("start").to_string(),
            valign: n.attribute("data-valign").unwrap_or("top").to_string(),
            fill: n.attribute("data-fill").unwrap_or("#000000").to_string(),
            uppercase: n.attribute("data-case") == Some("upper"),
            line,
            range: n.range(),
        });
    }
    Ok(out)
}

/// True when the text's first strong character is right-to-left.
pub fn is_rtl(text: &str) -> bool {
    for c in text.chars() {
        let u = c as u32;
        if (0x0590..=0x08FF).contains(&u) || (0xFB1D..=0xFEFC).contains(&u) {
            return true;
        }
        if c.is_alphabetic() {
            return false;
        }
    }
    false
}

/// Lines of `text` at `size`, each no wider than `width`; None when a word alone is
/// wider.
fn wrap(
    text: &str,
    b: &TextBox,
    size: f32,
    fonts: &Fonts,
    widths: &mut BTreeMap<String, f32>,
) -> Option<Vec<String>> {
    let mut measure = |s: &str| -> f32 {
        *widths
            .entry(s.to_string())
            .or_insert_with(|| fonts.measure(s, &b.family, b.weight))
            * size
    };
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        for word in para.split_whitespace() {
            if measure(word) > b.w {
                return None;
            }
            let candidate = if cur.is_empty() {
                word.to_string()
            } else {
                format!("{cur} {word}")
            };
            if measure(&candidate) <= b.w {
                cur = candidate;
            } else {
                lines.push(std::mem::replace(&mut cur, word.to_string()));
            }
        }
        lines.push(cur);
    }
    Some(lines)
}

/// Wraps and shrinks `text` into `b`: the font size and the lines.
pub fn layout(text: &str, b: &TextBox, fonts: &Fonts) -> Result<(f32, Vec<String>), FitError> {
    let mut widths = BTreeMap::new();
    let mut size = b.size;
    loop {
        if let Some(lines) = wrap(text, b, size, fonts, &mut widths) {
            let height = size * (1.0 + b.line_height * (lines.len() as f32 - 1.0));
            if height <= b.h + 0.01 {
                return Ok((size, lines));
            }
        }
        if size <= b.min_size {
            let lines = wrap(text, b, size, fonts, &mut widths);
            let why = match lines {
                None => "a word is wider than the box".to_string(),
                Some(l) => format!(
                    "{} lines at size {} need a height of {:.1}, the box has {}",
                    l.len(),
                    b.min_size,
                    size * (1.0 + b.line_height * (l.len() as f32 - 1.0)),
                    b.h
                ),
            };
            return Err(FitError {
                field: b.field.clone(),
                message: format!(
                    "the text of '{}' does not fit its box even at the minimum size {} ({why}): shorten it",
                    b.field, b.min_size
                ),
                line: b.line,
            });
        }
        size = (size * 0.96).max(b.min_size);
    }
}

fn esc(s: &str) -> String {
    marque_site::xml_escape(s)
}

/// Replaces every text box of `svg` with its laid-out text (fields with no text are
/// left out). `inside`, when given, is the area every box must stay within (the trim
/// minus its margin, or the safe zone of a story).
pub fn fill(
    svg: &str,
    texts: &BTreeMap<String, String>,
    fonts: &Fonts,
    inside: Option<(f32, f32, f32, f32, &str)>,
) -> Result<String, FitError> {
    let boxes = find_boxes(svg).map_err(|e| FitError {
        field: String::new(),
        message: e,
        line: 0,
    })?;
    let mut out = String::with_capacity(svg.len());
    let mut last = 0;
    for b in &boxes {
        let Some(text) = texts.get(&b.field) else {
            return Err(FitError {
                field: b.field.clone(),
                message: format!(
                    "data-fit=\"{}\" names no field (fields: {})",
                    b.field,
                    texts.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                line: b.line,
            });
        };
        if let Some((x0, y0, x1, y1, what)) = inside
            && (b.x < x0 - 0.01
                || b.y < y0 - 0.01
                || b.x + b.w > x1 + 0.01
                || b.y + b.h > y1 + 0.01)
        {
            return Err(FitError {
                field: b.field.clone(),
                message: format!("the text box of '{}' leaves {what}", b.field),
                line: b.line,
            });
        }
        out.push_str(&svg[last..b.range.start]);
        last = b.range.end;
        let text = if b.uppercase {
            text.to_uppercase()
        } else {
            text.clone()
        };
        if text.trim().is_empty() {
            continue;
        }
        let (size, lines) = layout(&text, b, fonts)?;
        let rtl = is_rtl(&text);
        let (anchor, x) = match (b.align.as_str(), rtl) {
            ("middle", _) => ("middle", b.x + b.w / 2.0),
            ("end", false) | ("start", true) => ("end", b.x + b.w),
            _ => ("start", b.x),
        };
        let height = size * (1.0 + b.line_height * (lines.len() as f32 - 1.0));
        let top = match b.valign.as_str() {
            "middle" => b.y + (b.h - height) / 2.0,
            "bottom" => b.y + b.h - height,
            _ => b.y,
        };
        // The first baseline sits about 0.8 of the size below the top of the line.
        for (i, l) in lines.iter().enumerate() {
            let y = top + size * 0.8 + i as f32 * size * b.line_height;
            out.push_str(&fonts.line_markup(
                l,
                &b.family,
                b.weight,
                size,
                x,
                y,
                anchor,
                rtl,
                &format!(r#"fill="{}""#, esc(&b.fill)),
            ));
        }
    }
    out.push_str(&svg[last..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn fonts() -> Fonts {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../brand/fonts");
        let files: Vec<(String, Arc<Vec<u8>>)> = [
            "Inter-Regular.otf",
            "Inter-Bold.otf",
            "Inter-ExtraBold.otf",
            "NotoSansArabic-Regular.ttf",
            "NotoSansArabic-Bold.ttf",
        ]
        .iter()
        .map(|n| (n.to_string(), Arc::new(std::fs::read(dir.join(n)).unwrap())))
        .collect();
        Fonts::new(&files, "Inter").unwrap()
    }

    fn page(field: &str) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 200"><rect data-fit="{field}" x="20" y="20" width="360" height="120" data-size="60" data-min-size="20" data-weight="800"/></svg>"#
        )
    }

    #[test]
    fn wraps_then_shrinks_with_real_metrics() {
        let f = fonts();
        // Wider text is measured wider, in proportion to the size.
        let a = f.measure("Marseille", "Inter", 800);
        let b = f.measure("Marseille Provence", "Inter", 800);
        assert!(a > 3.0 && b > a * 1.8, "{a} {b}");
        let mut t = BTreeMap::new();
        t.insert("title".to_string(), "Marseille".to_string());
        let one = fill(&page("title"), &t, &f, None).unwrap();
        assert_eq!(one.matches("<text").count(), 1);
        assert!(one.contains(r#"font-size="60.00""#), "{one}");
        t.insert(
            "title".to_string(),
            "Olympische und Paralympische Sommerspiele in Marseille".to_string(),
        );
        let long = fill(&page("title"), &t, &f, None).unwrap();
        assert!(long.matches("<text").count() >= 2, "wrapped: {long}");
        assert!(!long.contains(r#"font-size="60.00""#), "shrunk: {long}");
        t.insert("title".to_string(), "Sommerspiele ".repeat(30));
        let e = fill(&page("title"), &t, &f, None).unwrap_err();
        assert_eq!(e.field, "title");
        assert!(
            e.message
                .contains("does not fit its box even at the minimum size 20"),
            "{e:?}"
        );
    }

    #[test]
    fn sets_arabic_right_to_left_from_the_right_edge() {
        let f = fonts();
        let mut t = BTreeMap::new();
        t.insert(
            "title".to_string(),
            "ألعاب باريس 2024 في مرسيليا".to_string(),
        );
        let out = fill(&page("title"), &t, &f, None).unwrap();
        // Each line ends at the right edge of the box (x = 380), its runs laid out
        // right to left: "2024" to the right of "في مرسيليا" on the second line.
        let attr = |e: &str, name: &str| -> String {
            let at = e.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            e[at..].split('"').next().unwrap().to_string()
        };
        let mut lines: BTreeMap<i64, Vec<(f32, f32, String)>> = BTreeMap::new();
        for e in out.split("<text ").skip(1) {
            let content = e.split('>').nth(1).unwrap().split('<').next().unwrap();
            let x: f32 = attr(e, "x").parse().unwrap();
            let size: f32 = attr(e, "font-size").parse().unwrap();
            let w = f.measure(content, &attr(e, "font-family"), 800) * size;
            let y: f32 = attr(e, "y").parse().unwrap();
            lines
                .entry((y * 100.0) as i64)
                .or_default()
                .push((x, x + w, content.to_string()));
        }
        assert_eq!(lines.len(), 2, "{out}");
        for runs in lines.values() {
            let right = runs.iter().map(|r| r.1).fold(0.0, f32::max);
            assert!((right - 380.0).abs() < 0.5, "{runs:?}");
        }
        let second = lines.values().nth(1).unwrap();
        let x_of = |t: &str| second.iter().find(|r| r.2 == t).unwrap().0;
        assert!(x_of("2024") > x_of("في مرسيليا"), "{second:?}");
        // Arabic is measured with the Arabic face, not as missing glyphs.
        assert!(f.measure("مرسيليا", "Inter", 800) > 1.0);
        // The text box must stay in the allowed area.
        let e = fill(
            &page("title"),
            &t,
            &f,
            Some((30.0, 0.0, 400.0, 200.0, "the safe area")),
        )
        .unwrap_err();
        assert!(e.message.contains("leaves the safe area"), "{e:?}");
    }
}
