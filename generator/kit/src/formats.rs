//! The visual formats of a kit (posters, social images, badge, roll-up, e-mail banner)
//! and how a filled template becomes their files: print PDFs with bleed and crop marks
//! and a PNG preview, or screen PNGs, each with a thumbnail, all cached.

use std::sync::{Arc, OnceLock};

use marque_assets::cache::{DerivedCache, key};
use marque_assets::svg::{self, Fonts, PdfPage};

use crate::KitFile;
use crate::templates::Filled;

/// Bleed around print pages, in mm.
pub const BLEED_MM: f32 = 3.0;
/// Text stays this far inside the trim, in mm.
pub const SAFE_MM: f32 = 4.0;
/// Room around the bleed for crop marks, in mm.
const SLUG_MM: f32 = 10.0;
const PT_PER_MM: f32 = 72.0 / 25.4;

/// What a format is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
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
pub(crate) struct Format {
    pub(crate) name: &'static str,
    pub(crate) template: &'static str,
    pub(crate) kind: Kind,
}

/// A format's frame as its template sees it.
pub(crate) struct Frame {
    pub(crate) w: f32,
    pub(crate) h: f32,
    pub(crate) unit: &'static str,
    pub(crate) bleed: f32,
    pub(crate) safe_top: f32,
    pub(crate) safe_bottom: f32,
}

/// The area text must stay in (`x0, y0, x1, y1` and how the error names it).
pub(crate) type TextArea = (f32, f32, f32, f32, &'static str);

impl Format {
    /// Its size, unit, bleed and the band text stays in.
    pub(crate) fn frame(&self) -> Frame {
        let (w, h, unit, bleed, safe_top, safe_bottom) = match self.kind {
            Kind::Print { w, h, .. } => (w, h, "mm", BLEED_MM, SAFE_MM, h - SAFE_MM),
            Kind::Screen { w, h, safe, .. } => {
                let (t, b) = safe.unwrap_or((0, h));
                (w as f32, h as f32, "px", 0.0, t as f32, b as f32)
            }
        };
        Frame {
            w,
            h,
            unit,
            bleed,
            safe_top,
            safe_bottom,
        }
    }

    /// Where texts, logos and marks must stay: 4 mm inside the trim in print, the
    /// story's safe zone, else 4 % of the shorter side inside the edges on screen.
    pub(crate) fn text_area(&self) -> Option<TextArea> {
        match self.kind {
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
            Kind::Screen { w, h, .. } => {
                let m = 0.04 * w.min(h) as f32;
                Some((
                    m,
                    m,
                    w as f32 - m,
                    h as f32 - m,
                    "the safe area (4 % of the shorter side inside the edges)",
                ))
            }
        }
    }
}

/// Every visual format of a kit, in the order they are built.
pub(crate) const FORMATS: &[Format] = &[
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

/// SVG source parsed with the brand fonts only when a file must really be drawn (a
/// cache hit needs no tree).
pub(crate) struct LazyTree<'a> {
    pub(crate) src: &'a str,
    fonts: &'a Fonts,
    tree: OnceLock<svg::Tree>,
}

impl<'a> LazyTree<'a> {
    /// `src`, not parsed yet.
    pub(crate) fn new(src: &'a str, fonts: &'a Fonts) -> Self {
        LazyTree {
            src,
            fonts,
            tree: OnceLock::new(),
        }
    }

    /// The tree, parsed on the first call.
    pub(crate) fn get(&self) -> Result<&svg::Tree, String> {
        if self.tree.get().is_none() {
            let t = svg::parse(self.src, self.fonts).map_err(|e| e.message)?;
            let _ = self.tree.set(t);
        }
        self.tree.get().ok_or_else(|| "cannot draw".to_string())
    }
}

/// The files of one format from its filled template.
pub(crate) fn render_format(
    f: &Format,
    filled: &Filled,
    fonts: &Fonts,
    cache: &DerivedCache,
    meta: &svg::PdfMeta,
) -> Result<Vec<KitFile>, String> {
    let tree = LazyTree::new(&filled.svg, fonts);
    match f.kind {
        Kind::Print { w, h, preview } => render_print(f.name, (w, h), preview, &tree, cache, meta),
        Kind::Screen { w, scale, .. } => {
            let png = format_png(&tree, cache, &format!("w={}", w * scale), w * scale)?;
            let th = format_thumb(&tree, cache)?;
            Ok(vec![png_file(format!("{}.png", f.name), png, th)])
        }
    }
}

/// A print format: the PDF page (trim `w × h` mm, bleed, crop marks) and its preview.
fn render_print(
    name: &str,
    (w, h): (f32, f32),
    preview: u32,
    tree: &LazyTree,
    cache: &DerivedCache,
    meta: &svg::PdfMeta,
) -> Result<Vec<KitFile>, String> {
    let pdf = print_pdf(tree.src, (w, h), tree.fonts, cache, meta)?;
    let png = format_png(tree, cache, &format!("preview={preview}"), preview)?;
    let th = format_thumb(tree, cache)?;
    let size = format!("{} × {} mm", fmt(w), fmt(h));
    Ok(vec![
        KitFile {
            path: format!("{name}.pdf"),
            bytes: pdf,
            format: "PDF",
            size: format!("{size} (+{} mm bleed)", fmt(BLEED_MM)),
            thumb: Some(th.clone()),
        },
        png_file(format!("{name}-preview.png"), png, th),
    ])
}

/// A PNG file of the kit, its size read from the PNG.
pub(crate) fn png_file(path: String, png: Arc<Vec<u8>>, thumb: Arc<Vec<u8>>) -> KitFile {
    let (pw, ph) = svg::png_size(&png).unwrap_or((0, 0));
    KitFile {
        path,
        bytes: png,
        format: "PNG",
        size: format!("{pw} × {ph} px"),
        thumb: Some(thumb),
    }
}

/// The print PDF of a filled template (cached).
fn print_pdf(
    filled: &str,
    (w, h): (f32, f32),
    fonts: &Fonts,
    cache: &DerivedCache,
    meta: &svg::PdfMeta,
) -> Result<Arc<Vec<u8>>, String> {
    // The page: trim + bleed + room for crop marks; the artwork is drawn to the bleed.
    let (mw, mh) = (
        w + 2.0 * (BLEED_MM + SLUG_MM),
        h + 2.0 * (BLEED_MM + SLUG_MM),
    );
    let o = BLEED_MM + SLUG_MM;
    let inner = nested_template(
        filled,
        -BLEED_MM,
        -BLEED_MM,
        w + 2.0 * BLEED_MM,
        h + 2.0 * BLEED_MM,
    );
    let marks = crop_marks(o, w, h);
    let page = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{mw}" height="{mh}" viewBox="0 0 {mw} {mh}"><rect width="{mw}" height="{mh}" fill="#FFFFFF"/><g transform="translate({o} {o})">{inner}</g>{marks}</svg>"##
    );
    let page_tree = OnceLock::new();
    cache.get_or_make(
        "kit-pdf",
        &key(
            "kit-pdf",
            &[
                page.as_bytes(),
                &fonts.digest,
                meta.title.as_bytes(),
                meta.author.as_bytes(),
                meta.subject.as_bytes(),
                meta.lang.as_bytes(),
            ],
        ),
        || {
            let t = svg::parse(&page, fonts).map_err(|e| e.message)?;
            let t = page_tree.get_or_init(|| t);
            svg::pdf_with(
                &[PdfPage {
                    tree: t,
                    width_pt: mw * PT_PER_MM,
                    height_pt: mh * PT_PER_MM,
                    bleed_pt: Some((SLUG_MM * PT_PER_MM, BLEED_MM * PT_PER_MM)),
                }],
                Some(meta),
            )
        },
    )
}

/// A format's PNG, `width` px wide (cached under `settings`).
fn format_png(
    tree: &LazyTree,
    cache: &DerivedCache,
    settings: &str,
    width: u32,
) -> Result<Arc<Vec<u8>>, String> {
    cache.get_or_make(
        "kit-png",
        &key(
            "kit-png",
            &[tree.src.as_bytes(), &tree.fonts.digest, settings.as_bytes()],
        ),
        || tree.get().and_then(|t| svg::png(t, width)),
    )
}

/// A format's thumbnail, from the cache when it is there (no tree needed).
fn format_thumb(tree: &LazyTree, cache: &DerivedCache) -> Result<Arc<Vec<u8>>, String> {
    let digest = tree.fonts.digest;
    Ok(match cache_thumb(cache, tree.src, &digest) {
        Some(t) => t,
        None => thumb(tree.get()?, cache, &[tree.src.as_bytes(), &digest])?,
    })
}

fn thumb(tree: &svg::Tree, cache: &DerivedCache, k: &[&[u8]]) -> Result<Arc<Vec<u8>>, String> {
    let width = if tree.size().height() > tree.size().width() * 2.0 {
        160
    } else {
        360
    };
    cache.get_or_make("thumb", &key("thumb", k), || svg::png(tree, width))
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

/// A size as shown in the kit: one decimal, none when it is whole.
pub(crate) fn fmt(v: f32) -> String {
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
