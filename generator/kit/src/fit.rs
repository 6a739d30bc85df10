//! Text fitting: a template marks each text box with a `<rect data-fit="field" …/>`;
//! the field's text is laid out in the box by [`marque_assets::text`] (bidi, line
//! breaking, shaping, the faces' real metrics), then shrunk step by step down to the
//! box's minimum size. The rect is replaced by the glyph outlines, one path per line. A
//! text that does not fit even at its minimum size is an error.

use std::collections::BTreeMap;

use marque_assets::svg::Fonts;
use marque_assets::text::{Align, Direction, TextBlock, TextStyle, has_rtl};

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

fn style<'a>(b: &'a TextBox, size: f32, direction: Direction) -> TextStyle<'a> {
    TextStyle {
        family: &b.family,
        weight: b.weight,
        size,
        line_height: b.line_height,
        direction,
    }
}

/// Wraps and shrinks `text` into `b`: the font size and the laid-out text. A list
/// joined by ` · ` (the kit's dates) that needs more than one line is broken at its
/// separators first, one item a line, when that fits.
pub fn layout(
    text: &str,
    b: &TextBox,
    fonts: &Fonts,
    direction: Direction,
) -> Result<(f32, TextBlock), FitError> {
    let listed = text.contains(" · ").then(|| text.replace(" · ", "\n"));
    let fits = |block: &TextBlock| block.width <= b.w + 0.01 && block.height <= b.h + 0.01;
    let mut size = b.size;
    loop {
        let block = fonts.layout(text, &style(b, size, direction), Some(b.w));
        if fits(&block) && block.lines.len() == 1 {
            return Ok((size, block));
        }
        if let Some(listed) = &listed {
            let items = fonts.layout(listed, &style(b, size, direction), Some(b.w));
            if fits(&items) && items.lines.len() == listed.lines().count() {
                return Ok((size, items));
            }
        }
        if fits(&block) {
            return Ok((size, block));
        }
        let wide = block.width > b.w + 0.01;
        if size <= b.min_size {
            let why = if wide {
                "a word is wider than the box".to_string()
            } else {
                format!(
                    "{} lines at size {} need a height of {:.1}, the box has {}",
                    block.lines.len(),
                    b.min_size,
                    block.height,
                    b.h
                )
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
/// left out), set in `direction` (the language's). `inside`, when given, is the area
/// every box must stay within (the trim minus its margin, or the safe zone of a story).
pub fn fill(
    svg: &str,
    texts: &BTreeMap<String, String>,
    fonts: &Fonts,
    direction: Direction,
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
        // A text with nothing of a right-to-left script in a right-to-left kit (a
        // hashtag, a place's name) reads left to right, and is aligned as the page is.
        let own = match direction {
            Direction::Rtl if !has_rtl(&text) => Direction::Ltr,
            d => d,
        };
        let (_, block) = layout(&text, b, fonts, own)?;
        let align = if own == direction {
            Align::parse(&b.align)
        } else {
            Align::parse(&b.align).mirror()
        };
        let top = match b.valign.as_str() {
            "middle" => b.y + (b.h - block.height) / 2.0,
            "bottom" => b.y + b.h - block.height,
            _ => b.y,
        };
        out.push_str(&fonts.draw(
            &block,
            (b.x, top),
            b.w,
            align,
            &format!(r#"fill="{}""#, esc(&b.fill)),
        ));
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
            "Inter-Regular.ttf",
            "Inter-Bold.ttf",
            "Inter-ExtraBold.ttf",
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
        let boxes = find_boxes(&page("title")).unwrap();
        let (size, block) = layout("Marseille", &boxes[0], &f, Direction::Ltr).unwrap();
        assert_eq!((size, block.lines.len()), (60.0, 1));
        let one = fill(&page("title"), &t, &f, Direction::Ltr, None).unwrap();
        assert_eq!(one.matches("<path").count(), 1, "{one}");
        assert!(!one.contains("<rect") && !one.contains("<text"), "{one}");
        let long = "Olympische und Paralympische Sommerspiele in Marseille";
        let (size, block) = layout(long, &boxes[0], &f, Direction::Ltr).unwrap();
        assert!(block.lines.len() >= 2 && size < 60.0, "{size} {block:?}");
        assert!(block.width <= 360.0 && block.height <= 120.0, "{block:?}");
        t.insert("title".to_string(), long.to_string());
        let drawn = fill(&page("title"), &t, &f, Direction::Ltr, None).unwrap();
        assert_eq!(drawn.matches("<path").count(), block.lines.len());
        t.insert("title".to_string(), "Sommerspiele ".repeat(30));
        let e = fill(&page("title"), &t, &f, Direction::Ltr, None).unwrap_err();
        assert_eq!(e.field, "title");
        assert!(
            e.message
                .contains("does not fit its box even at the minimum size 20"),
            "{e:?}"
        );
    }

    /// Every path's extent along x, from its coordinates.
    fn extents(svg: &str) -> Vec<(f32, f32)> {
        svg.split("<path d=\"")
            .skip(1)
            .map(|p| {
                let d = p.split('"').next().unwrap();
                let xs: Vec<f32> = d
                    .split(|c: char| c.is_ascii_alphabetic())
                    .flat_map(|seg| {
                        let n: Vec<f32> = seg
                            .split_whitespace()
                            .filter_map(|v| v.parse().ok())
                            .collect();
                        n.chunks(2).map(|c| c[0]).collect::<Vec<_>>()
                    })
                    .collect();
                (
                    xs.iter().cloned().fold(f32::MAX, f32::min),
                    xs.iter().cloned().fold(f32::MIN, f32::max),
                )
            })
            .collect()
    }

    #[test]
    fn sets_arabic_right_to_left_from_the_right_edge() {
        let f = fonts();
        let mut t = BTreeMap::new();
        let title = "ألعاب باريس 2024 في مرسيليا";
        t.insert("title".to_string(), title.to_string());
        let boxes = find_boxes(&page("title")).unwrap();
        let (_, block) = layout(title, &boxes[0], &f, Direction::Rtl).unwrap();
        assert!(block.rtl && block.lines.len() == 2, "{block:?}");
        let out = fill(&page("title"), &t, &f, Direction::Rtl, None).unwrap();
        // Each line ends at the right edge of the box (x = 380, give or take the
        // side bearing of the last glyph) and is set right to left.
        let ext = extents(&out);
        assert_eq!(ext.len(), 2, "{out}");
        for (lo, hi) in &ext {
            assert!(*hi <= 380.5 && *hi > 374.0 && *lo >= 20.0, "{ext:?}");
        }
        // Latin text in a right-to-left language's kit is aligned like the rest.
        t.insert("title".to_string(), "Parc de la Villette".to_string());
        let out = fill(&page("title"), &t, &f, Direction::Rtl, None).unwrap();
        let (_, hi) = extents(&out)[0];
        assert!(hi > 374.0 && hi <= 380.5, "{out}");
        // A hashtag reads left to right ("#OneProvence", not "OneProvence#"): drawn
        // as in a left-to-right kit, aligned at the right edge.
        t.insert("title".to_string(), "#OneProvence".to_string());
        let rtl = fill(&page("title"), &t, &f, Direction::Rtl, None).unwrap();
        let ltr_end = fill(
            &page("title").replace("data-weight", r#"data-align="end" data-weight"#),
            &t,
            &f,
            Direction::Ltr,
            None,
        )
        .unwrap();
        assert_eq!(rtl, ltr_end);
        // Arabic is measured with the Arabic face, not as missing glyphs.
        assert!(f.measure("مرسيليا", "Inter", 800) > 1.0);
        // The text box must stay in the allowed area.
        let e = fill(
            &page("title"),
            &t,
            &f,
            Direction::Rtl,
            Some((30.0, 0.0, 400.0, 200.0, "the safe area")),
        )
        .unwrap_err();
        assert!(e.message.contains("leaves the safe area"), "{e:?}");
    }
}
