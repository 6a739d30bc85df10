//! Web fonts: each face of the brand's typography subset to the characters the site
//! uses, one WOFF2 file per script, and the `@font-face` rules that name them with
//! their `unicode-range`. A browser fetches a file only when a page shows one of its
//! characters, so a French page never loads the Arabic glyphs it does not show.
//!
//! The subsetter is skera (the fontations port of HarfBuzz's hb-subset): it keeps the
//! GSUB and GPOS lookups the kept characters need (Arabic joining forms, ligatures,
//! kerning), so a subset shapes like the whole face. It cannot write CFF outlines:
//! such a face is served whole (compressed), with a warning.

use std::collections::BTreeMap;

use marque_project::CharSet;
use skera::{DEFAULT_LAYOUT_FEATURES, Plan, SubsetFlags, subset_font};
use skera_read_fonts::collections::IntSet;
use skera_read_fonts::types::{NameId, Tag};
use skrifa::MetadataProvider;

/// A group of characters served in one file per face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Script {
    /// Latin letters.
    Latin,
    /// Greek.
    Greek,
    /// Cyrillic.
    Cyrillic,
    /// Hebrew.
    Hebrew,
    /// Arabic (with its presentation forms).
    Arabic,
    /// Every other script.
    Other,
}

impl Script {
    /// Its name in file names.
    pub fn name(self) -> &'static str {
        match self {
            Script::Latin => "latin",
            Script::Greek => "greek",
            Script::Cyrillic => "cyrillic",
            Script::Hebrew => "hebrew",
            Script::Arabic => "arabic",
            Script::Other => "other",
        }
    }

    /// The script of `c`; `None` for the characters every script shares (spaces,
    /// digits, punctuation, symbols, combining marks), which go with a face's main
    /// script.
    pub fn of(c: u32) -> Option<Script> {
        Some(match c {
            0x00D7 | 0x00F7 => return None,
            0x0000..=0x00BF
            | 0x02B0..=0x036F
            | 0x2000..=0x2BFF
            | 0xFE00..=0xFE0F
            | 0xFE20..=0xFE2F
            | 0xFFF0..=0xFFFF => return None,
            0x00C0..=0x024F
            | 0x1E00..=0x1EFF
            | 0x2C60..=0x2C7F
            | 0xA720..=0xA7FF
            | 0xAB30..=0xAB6F
            | 0xFB00..=0xFB06 => Script::Latin,
            0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
            0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => {
                Script::Cyrillic
            }
            0x0590..=0x05FF | 0xFB1D..=0xFB4F => Script::Hebrew,
            0x0600..=0x06FF
            | 0x0750..=0x077F
            | 0x0870..=0x08FF
            | 0xFB50..=0xFDFF
            | 0xFE70..=0xFEFF => Script::Arabic,
            _ => Script::Other,
        })
    }

    /// The script a text is mostly written in (Latin when it has no letters).
    pub fn of_text(text: &str) -> Script {
        let mut count: BTreeMap<Script, usize> = BTreeMap::new();
        for s in text.chars().filter_map(|c| Script::of(c as u32)) {
            *count.entry(s).or_default() += 1;
        }
        main_of(&count)
    }
}

/// The script with the most characters (Latin on a tie or when there are none).
fn main_of(count: &BTreeMap<Script, usize>) -> Script {
    count
        .iter()
        .max_by_key(|(s, n)| (**n, **s == Script::Latin))
        .map(|(s, _)| *s)
        .unwrap_or(Script::Latin)
}

/// What is always served beside the site's own characters: Basic Latin, and the
/// punctuation and symbols of Latin-1 and General Punctuation (quotes, dashes, spaces)
/// and the euro sign, so that a new text's usual punctuation never falls back.
pub fn always_served() -> CharSet {
    let mut set = CharSet::new();
    for c in (0x20..=0x7E).chain(0xA0..=0xBF).chain(0x2000..=0x206F) {
        if let Some(c) = char::from_u32(c) {
            set.insert(c);
        }
    }
    set.insert('€');
    set
}

/// What a face says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceInfo {
    /// Its weight (OS/2), or the range of its `wght` axis for a variable face.
    pub weight: (u16, u16),
    /// Italic or oblique.
    pub italic: bool,
    /// Whether its outlines are CFF (which the subsetter cannot write).
    pub cff: bool,
    /// The characters it has a glyph for.
    pub coverage: CharSet,
}

/// Reads a face's weight, style, outline format and character coverage.
pub fn face_info(bytes: &[u8]) -> Result<FaceInfo, String> {
    let font = skrifa::FontRef::new(bytes).map_err(|e| format!("not a font ({e})"))?;
    let attrs = font.attributes();
    let w = attrs.weight.value().round().clamp(1.0, 1000.0) as u16;
    let mut weight = (w, w);
    if let Some(axis) = font
        .axes()
        .iter()
        .find(|a| a.tag() == skrifa::Tag::new(b"wght"))
    {
        let (lo, hi) = (axis.min_value(), axis.max_value());
        if lo.is_finite() && hi.is_finite() && lo >= 1.0 && hi <= 1000.0 && lo <= hi {
            weight = (lo.round() as u16, hi.round() as u16);
        }
    }
    let tag = |t: &[u8; 4]| {
        font.table_directory()
            .table_records()
            .iter()
            .any(|r| r.tag() == skrifa::Tag::new(t))
    };
    let mut coverage = CharSet::new();
    for (cp, _) in font.charmap().mappings() {
        if let Some(c) = char::from_u32(cp) {
            coverage.insert(c);
        }
    }
    Ok(FaceInfo {
        weight,
        italic: attrs.style != skrifa::attribute::Style::Normal,
        cff: tag(b"CFF ") || tag(b"CFF2"),
        coverage,
    })
}

/// The characters of `wanted` that a face covers, by script: the characters every
/// script shares go with the face's main script (the one with most characters).
pub fn split_by_script(wanted: &CharSet, coverage: &CharSet) -> BTreeMap<Script, Vec<u32>> {
    let mut by: BTreeMap<Script, Vec<u32>> = BTreeMap::new();
    let mut common = Vec::new();
    for cp in wanted.code_points() {
        if !char::from_u32(cp).is_some_and(|c| coverage.contains(c)) {
            continue;
        }
        match Script::of(cp) {
            Some(s) => by.entry(s).or_default().push(cp),
            None => common.push(cp),
        }
    }
    let count: BTreeMap<Script, usize> = by.iter().map(|(s, v)| (*s, v.len())).collect();
    let main = main_of(&count);
    if !common.is_empty() {
        let v = by.entry(main).or_default();
        v.extend(common);
        v.sort_unstable();
    }
    by
}

/// The layout features kept: HarfBuzz's default set (what shaping applies without
/// being asked: ligatures, kerning, contextual and Arabic joining forms, marks) and
/// the numeric ones the theme may ask for with `font-variant-numeric`.
fn layout_features() -> IntSet<Tag> {
    let mut f: IntSet<Tag> = DEFAULT_LAYOUT_FEATURES.iter().copied().collect();
    for t in [
        b"tnum", b"pnum", b"lnum", b"onum", b"frac", b"case", b"zero",
    ] {
        f.insert(Tag::new(t));
    }
    f
}

/// `bytes` subset to the characters `code_points` (and the glyphs shaping reaches
/// from them), as TrueType. Name IDs 0–6 (copyright, family, version…) and 13–14
/// (the licence and its address) are kept.
pub fn subset(bytes: &[u8], code_points: &[u32]) -> Result<Vec<u8>, String> {
    let font = skera_read_fonts::FontRef::new(bytes).map_err(|e| format!("not a font ({e})"))?;
    let unicodes: IntSet<u32> = code_points.iter().copied().collect();
    let mut name_ids = IntSet::<NameId>::empty();
    name_ids.insert_range(NameId::from(0)..=NameId::from(6));
    name_ids.insert(NameId::from(13));
    name_ids.insert(NameId::from(14));
    let mut name_languages = IntSet::<u16>::empty();
    name_languages.insert(0x0409);
    let mut scripts = IntSet::<Tag>::empty();
    scripts.invert();
    // Tables no browser reads for text on the web (as hb-subset drops by default).
    let drop: IntSet<Tag> = [
        b"morx", b"mort", b"kerx", b"kern", b"JSTF", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"SVG ",
        b"PCLT", b"LTSH", b"feat", b"Glat", b"Gloc", b"Silf", b"Sill",
    ]
    .iter()
    .map(|t| Tag::new(t))
    .collect();
    let plan = Plan::new(
        &IntSet::empty(),
        &unicodes,
        &font,
        SubsetFlags::SUBSET_FLAGS_DEFAULT,
        &drop,
        &scripts,
        &layout_features(),
        &name_ids,
        &name_languages,
    );
    subset_font(&font, &plan).map_err(|e| format!("the subsetter failed ({e})"))
}

/// A TrueType or OpenType font as WOFF2 (Brotli at its best quality, one thread, so
/// the bytes are the same at every build).
pub fn woff2(ttf: &[u8]) -> Result<Vec<u8>, String> {
    ttf2woff2::encode(ttf, ttf2woff2::BrotliQuality::default())
        .map_err(|e| format!("WOFF2 encoding failed ({e})"))
}

/// The `unicode-range` of a sorted list of code points, with runs as ranges
/// (`U+20-7E,U+A0,U+E0-E9`).
pub fn unicode_range(code_points: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < code_points.len() {
        let start = code_points[i];
        let mut end = start;
        while i + 1 < code_points.len() && code_points[i + 1] == end + 1 {
            i += 1;
            end = code_points[i];
        }
        parts.push(if start == end {
            format!("U+{start:X}")
        } else {
            format!("U+{start:X}-{end:X}")
        });
        i += 1;
    }
    parts.join(",")
}

/// One file of a face, as an `@font-face` rule names it.
#[derive(Debug, Clone)]
pub struct FontFace<'a> {
    /// The family name in CSS.
    pub family: &'a str,
    /// Weight, or a range for a variable face.
    pub weight: (u16, u16),
    /// Italic.
    pub italic: bool,
    /// The file's address.
    pub url: &'a str,
    /// The characters in it, sorted.
    pub code_points: &'a [u32],
}

/// The `@font-face` rule of one file: `font-display: swap`, so that text shows at
/// once in a fallback face and takes the brand's when it arrives.
pub fn font_face_rule(f: &FontFace) -> String {
    let family = f.family.replace('\\', "\\\\").replace('"', "\\\"");
    let weight = if f.weight.0 == f.weight.1 {
        f.weight.0.to_string()
    } else {
        format!("{} {}", f.weight.0, f.weight.1)
    };
    format!(
        "@font-face {{ font-family: \"{family}\"; font-style: {}; font-weight: {weight}; font-display: swap; src: url(\"{}\") format(\"woff2\"); unicode-range: {}; }}\n",
        if f.italic { "italic" } else { "normal" },
        f.url,
        unicode_range(f.code_points)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand_font(name: &str) -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../brand/fonts");
        std::fs::read(dir.join(name)).unwrap()
    }

    /// What shaping gives: per glyph its cluster, advance, offsets and outline (glyph
    /// ids differ between a face and its subset; outlines do not).
    fn shaped(font: &[u8], text: &str, rtl: bool) -> Vec<(u32, i32, i32, i32, String)> {
        struct Pen(String);
        impl rustybuzz::ttf_parser::OutlineBuilder for Pen {
            fn move_to(&mut self, x: f32, y: f32) {
                self.0.push_str(&format!("M{x} {y}"));
            }
            fn line_to(&mut self, x: f32, y: f32) {
                self.0.push_str(&format!("L{x} {y}"));
            }
            fn quad_to(&mut self, a: f32, b: f32, x: f32, y: f32) {
                self.0.push_str(&format!("Q{a} {b} {x} {y}"));
            }
            fn curve_to(&mut self, a: f32, b: f32, c: f32, d: f32, x: f32, y: f32) {
                self.0.push_str(&format!("C{a} {b} {c} {d} {x} {y}"));
            }
            fn close(&mut self) {
                self.0.push('Z');
            }
        }
        let face = rustybuzz::Face::from_slice(font, 0).unwrap();
        let mut buf = rustybuzz::UnicodeBuffer::new();
        buf.push_str(text);
        buf.set_direction(if rtl {
            rustybuzz::Direction::RightToLeft
        } else {
            rustybuzz::Direction::LeftToRight
        });
        let out = rustybuzz::shape(&face, &[], buf);
        out.glyph_infos()
            .iter()
            .zip(out.glyph_positions())
            .map(|(i, p)| {
                let mut pen = Pen(String::new());
                face.outline_glyph(rustybuzz::ttf_parser::GlyphId(i.glyph_id as u16), &mut pen);
                (i.cluster, p.x_advance, p.x_offset, p.y_offset, pen.0)
            })
            .collect()
    }

    fn subset_for(font: &[u8], text: &str) -> Vec<u8> {
        let mut want = always_served();
        want.add_text(text);
        let info = face_info(font).unwrap();
        let cps: Vec<u32> = split_by_script(&want, &info.coverage)
            .into_values()
            .flatten()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        subset(font, &cps).unwrap()
    }

    #[test]
    fn a_subset_shapes_french_like_the_whole_face() {
        let font = brand_font("Inter-Bold.ttf");
        let text =
            "« Faire savoir nos savoir-faire » : l’été 2024, œuvres & fi fl ffi — Côte d’Azur 1/2";
        let sub = subset_for(&font, text);
        assert!(
            sub.len() * 4 < font.len(),
            "{} vs {}",
            sub.len(),
            font.len()
        );
        let whole = shaped(&font, text, false);
        assert!(whole.iter().all(|g| !g.4.is_empty() || g.1 > 0));
        assert_eq!(shaped(&sub, text, false), whole);
    }

    #[test]
    fn a_subset_shapes_arabic_like_the_whole_face() {
        let font = brand_font("NotoSansArabic-Regular.ttf");
        // Joining forms (initial, medial, final), the lam-alef ligature, marks.
        let text = "مرسيليا وإكس وبروفانس، أرض المتوسط لا لأ مُتَوَسِّط";
        let sub = subset_for(&font, text);
        assert!(
            sub.len() * 2 < font.len(),
            "{} vs {}",
            sub.len(),
            font.len()
        );
        let whole = shaped(&font, text, true);
        assert_eq!(shaped(&sub, text, true), whole);
        // Not only the same glyph count: the joined forms differ from isolated ones.
        let isolated = shaped(&font, "م ر س", true);
        assert_ne!(whole[whole.len() - 1].4, isolated[isolated.len() - 1].4);
    }

    #[test]
    fn can_split_characters_by_script_with_the_shared_ones_in_the_main_one() {
        let mut want = always_served();
        want.add_text("été مرسيليا");
        let inter = face_info(&brand_font("Inter-Regular.ttf")).unwrap();
        let noto = face_info(&brand_font("NotoSansArabic-Regular.ttf")).unwrap();
        assert_eq!(inter.weight, (400, 400));
        assert!(!inter.italic && !inter.cff);
        let by = split_by_script(&want, &inter.coverage);
        assert_eq!(by.keys().copied().collect::<Vec<_>>(), vec![Script::Latin]);
        assert!(by[&Script::Latin].contains(&0x20) && by[&Script::Latin].contains(&0xE9));
        let by = split_by_script(&want, &noto.coverage);
        assert_eq!(by.keys().copied().collect::<Vec<_>>(), vec![Script::Arabic]);
        assert!(by[&Script::Arabic].contains(&0x645) && !by[&Script::Arabic].contains(&0xE9));
        assert_eq!(Script::of_text("العربية"), Script::Arabic);
        assert_eq!(Script::of_text("English"), Script::Latin);
    }

    #[test]
    fn can_write_ranges_and_rules() {
        assert_eq!(
            unicode_range(&[0x20, 0x21, 0x22, 0xA0, 0xE0, 0xE1]),
            "U+20-22,U+A0,U+E0-E1"
        );
        let rule = font_face_rule(&FontFace {
            family: "Inter",
            weight: (100, 900),
            italic: false,
            url: "/fonts/inter.woff2",
            code_points: &[0x41],
        });
        assert!(rule.contains("font-weight: 100 900;") && rule.contains("font-display: swap"));
        assert!(rule.contains("unicode-range: U+41;"));
    }

    #[test]
    fn woff2_is_the_same_at_every_run_and_smaller() {
        let sub = subset_for(&brand_font("Inter-Regular.ttf"), "été");
        let (a, b) = (woff2(&sub).unwrap(), woff2(&sub).unwrap());
        assert_eq!(a, b);
        assert_eq!(&a[..4], b"wOF2");
        assert!(a.len() < sub.len());
    }

    #[test]
    fn rejects_what_is_not_a_font() {
        assert!(face_info(b"not a font at all").is_err());
        assert!(subset(b"\0\x01\0\0garbage", &[0x41]).is_err());
    }
}
