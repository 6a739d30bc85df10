//! The usage guide of one language: an A4 PDF drawn page by page as SVG (cover, logos,
//! clear space and sizes, colours, typography, do's and don'ts, co-branding).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use marque_assets::cache::{DerivedCache, key};
use marque_assets::svg::{self, Fonts, PdfPage};
use marque_project::brand::{Brand, Localized, LogoColor, UsageKind, localized, parse_hex};
use marque_project::{Diagnostic, Diagnostics, Project};

use super::{File, Logo, fmt_num, text};

/// The usage guide of `lang` as an A4 PDF: cover, logos, clear space and sizes,
/// colours, typography, do's and don'ts, co-branding.
pub(super) fn guide_pdf(
    project: &Project,
    lang: &str,
    logos: &BTreeMap<String, Logo>,
    rules: &[File],
    fonts: &Fonts,
    cache: &DerivedCache,
) -> Result<Arc<Vec<u8>>, Diagnostics> {
    let guide = Guide::new(project, lang, logos, fonts);
    let mut pages = vec![
        guide.cover(),
        guide.logos(),
        guide.sizes(),
        guide.colors(),
        guide.typography(),
        guide.usage(rules),
    ];
    pages.extend(guide.cobranding());
    let meta = svg::PdfMeta {
        title: format!(
            "{} — {}",
            project.brand.name,
            guide.text("brand_guide_title", "Brand guide")
        ),
        author: project.brand.name.clone(),
        subject: guide.text(
            "brand_guide_intro",
            "Logos, colours, typography and usage rules.",
        ),
        lang: lang.to_string(),
    };
    pdf(&pages, &meta, fonts, cache)
}

/// The pages as one PDF (cached by the fonts, the language and the pages).
fn pdf(
    pages: &[String],
    meta: &svg::PdfMeta,
    fonts: &Fonts,
    cache: &DerivedCache,
) -> Result<Arc<Vec<u8>>, Diagnostics> {
    let lang = meta.lang.as_str();
    let mut parts: Vec<&[u8]> = vec![
        fonts.digest.as_slice(),
        lang.as_bytes(),
        meta.title.as_bytes(),
        meta.author.as_bytes(),
        meta.subject.as_bytes(),
    ];
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
            svg::pdf_with(&pdf_pages, Some(meta))
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

/// The colour of the brand's `role` (`primary`, `text`), else black.
fn role_color(brand: &Brand, role: &str) -> String {
    brand
        .colors
        .iter()
        .find(|c| c.role.as_deref() == Some(role))
        .map(|c| c.hex.clone())
        .unwrap_or_else(|| "#000000".into())
}

/// What every page of one language's guide is drawn with. Pages are made in their
/// order: each nested drawing takes the next id prefix.
struct Guide<'a> {
    project: &'a Project,
    brand: &'a Brand,
    lang: &'a str,
    logos: &'a BTreeMap<String, Logo>,
    fonts: &'a Fonts,
    rtl: bool,
    /// `start`, or `end` right to left.
    anchor: &'static str,
    /// Where lines start (or end, right to left), in mm.
    x0: f64,
    primary: String,
    ink: String,
    /// The `fill` attribute of text in the ink colour.
    fill: String,
    /// Drawings nested so far (their ids are prefixed `n0-`, `n1-`…).
    nested: AtomicUsize,
}

impl<'a> Guide<'a> {
    fn new(
        project: &'a Project,
        lang: &'a str,
        logos: &'a BTreeMap<String, Logo>,
        fonts: &'a Fonts,
    ) -> Self {
        let brand = &project.brand;
        let rtl = project
            .language(lang)
            .is_some_and(|l| l.dir.as_str() == "rtl");
        let (anchor, x0) = if rtl { ("end", 190.0) } else { ("start", 20.0) };
        let ink = role_color(brand, "text");
        Guide {
            project,
            brand,
            lang,
            logos,
            fonts,
            rtl,
            anchor,
            x0,
            primary: role_color(brand, "primary"),
            fill: format!(r#"fill="{ink}""#),
            ink,
            nested: AtomicUsize::new(0),
        }
    }

    /// A theme string in the guide's language.
    fn text(&self, key: &str, fallback: &str) -> String {
        text(self.project, self.lang, key, fallback)
    }

    /// A theme string, escaped for SVG.
    fn t(&self, key: &str, fallback: &str) -> String {
        esc(&self.text(key, fallback))
    }

    /// A field given per language, in the guide's language.
    fn localized<'l>(&self, t: &'l Localized) -> &'l str {
        localized(t, self.lang, &self.project.default_language)
    }

    /// A page: the band, the title, `body` and the footer.
    fn page(&self, title: &str, body: String) -> String {
        let (primary, x0, anchor) = (&self.primary, self.x0, self.anchor);
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="210" height="297" viewBox="0 0 210 297"><rect width="210" height="297" fill="#FFFFFF"/><rect width="210" height="6" fill="{primary}"/><text x="{x0}" y="28" font-family="Inter" font-weight="800" font-size="11" fill="{primary}" text-anchor="{anchor}">{title}</text>{body}{footer}</svg>"##,
            footer = self.markup(
                &format!(
                    "{} · {}",
                    self.brand.name,
                    self.text("brand_guide_title", "Brand guide")
                ),
                400,
                3.2,
                (x0 as f32, 285.0),
                anchor,
                &self.fill,
            ),
        )
    }

    /// A drawing nested in the box `x, y, w, h`.
    fn img(&self, svg: &[u8], x: f64, y: f64, w: f64, h: f64) -> String {
        let n = self.nested.fetch_add(1, Ordering::Relaxed);
        svg::nested(svg, &format!("n{n}-"), x, y, w, h)
    }

    /// One line of Inter text at `(x, y)`, anchored at `anchor`.
    fn markup(
        &self,
        s: &str,
        weight: u16,
        size: f32,
        (x, y): (f32, f32),
        anchor: &str,
        attrs: &str,
    ) -> String {
        self.fonts
            .line_markup(s, "Inter", weight, size, x, y, anchor, self.rtl, attrs)
    }

    /// One line of text in the ink colour at the page's margin, `y` down.
    fn line(&self, y: f64, size: f64, weight: u16, s: &str) -> String {
        let at = (self.x0 as f32, y as f32);
        self.markup(s, weight, size as f32, at, self.anchor, &self.fill)
    }

    /// The first primary logo, shown on the cover and with its clear space.
    fn first_logo(&self) -> Option<&'a Logo> {
        self.brand
            .logos
            .iter()
            .find(|l| l.color == LogoColor::Primary)
            .and_then(|l| self.logos.get(&l.id))
    }

    /// The cover: the primary logo, the title and what the guide holds.
    fn cover(&self) -> String {
        let mut cover = String::new();
        if let Some(l) = self.first_logo() {
            let w = 150.0;
            let h = w * l.height / l.width.max(1.0);
            cover.push_str(&self.img(&l.svg, 30.0, 110.0 - h / 2.0, w, h));
        }
        cover.push_str(&self.line(
            180.0,
            9.0,
            800,
            &self.text("brand_guide_title", "Brand guide"),
        ));
        cover.push_str(&self.line(
            192.0,
            4.5,
            400,
            &self.text(
                "brand_guide_intro",
                "Logos, colours, typography and usage rules.",
            ),
        ));
        self.page(&esc(&self.brand.name), cover)
    }

    /// Every logo variant on its background, three to a row, named.
    fn logos(&self) -> String {
        let mut body = String::new();
        let (mut x, mut y) = (20.0, 40.0);
        for (def, d) in self
            .brand
            .logos
            .iter()
            .filter_map(|l| self.logos.get(&l.id).map(|d| (l, d)))
        {
            let bg = if def.color == LogoColor::White {
                self.primary.as_str()
            } else {
                "#F2F2F2"
            };
            body.push_str(&format!(
                r#"<rect x="{x}" y="{y}" width="54" height="40" fill="{bg}"/>"#
            ));
            let (bw, bh) = (44.0, 26.0);
            let scale = (bw / d.width.max(1.0)).min(bh / d.height.max(1.0));
            let (w, h) = (d.width * scale, d.height * scale);
            body.push_str(&self.img(&d.svg, x + 27.0 - w / 2.0, y + 20.0 - h / 2.0, w, h));
            let name = format!(
                "{} · {}",
                self.text(
                    &format!("logo_{}", def.layout.as_str()),
                    def.layout.as_str()
                ),
                self.text(&format!("logo_{}", def.color.as_str()), def.color.as_str())
            );
            let at = (x as f32, (y + 45.0) as f32);
            body.push_str(&self.markup(&name, 400, 3.0, at, "start", &self.fill));
            x += 58.0;
            if x > 150.0 {
                x = 20.0;
                y += 55.0;
            }
        }
        self.page(&self.t("brand_logos", "Logos"), body)
    }

    /// The clear space around the primary logo, then the minimum sizes.
    fn sizes(&self) -> String {
        let brand = self.brand;
        let mut body = String::new();
        if let Some(l) = self.first_logo() {
            let w = 110.0;
            let h = w * l.height / l.width.max(1.0);
            let m = h * brand.rules.clear_space;
            let (lx, ly) = (50.0, 60.0);
            body.push_str(&format!(r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="none" stroke="{}" stroke-width="0.4" stroke-dasharray="2 1.5"/>"#, lx - m, ly - m, w + 2.0 * m, h + 2.0 * m, self.primary));
            body.push_str(&self.img(&l.svg, lx, ly, w, h));
            body.push_str(&self.line(
                ly + h + m + 14.0,
                4.2,
                600,
                &format!(
                    "{} {}",
                    self.text("brand_clear_space", "Clear space:"),
                    format_args!("{} × h", fmt_num(brand.rules.clear_space))
                ),
            ));
        }
        let mut y = 160.0;
        body.push_str(&self.line(y, 5.0, 700, &self.text("brand_min_size", "Minimum sizes")));
        for m in &brand.rules.min_size {
            y += 9.0;
            body.push_str(&self.line(
                y,
                4.2,
                400,
                &format!(
                    "{} — {} mm · {} px",
                    self.text(&format!("logo_{}", m.layout.as_str()), m.layout.as_str()),
                    fmt_num(m.print_mm),
                    m.screen_px
                ),
            ));
        }
        self.page(&self.t("brand_rules", "Rules"), body)
    }

    /// Each colour: a swatch, its name, its values (HEX, RGB, CMYK, Pantone, RAL) and
    /// its role.
    fn colors(&self) -> String {
        let (rtl, ink, anchor) = (self.rtl, &self.ink, self.anchor);
        let mut body = String::new();
        for (i, c) in self.brand.colors.iter().enumerate() {
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
                body.push_str(&self.markup(
                    &self.text(&format!("role_{r}"), r),
                    400,
                    3.2,
                    (tx as f32, (y + 23.0) as f32),
                    anchor,
                    &self.fill,
                ));
            }
        }
        self.page(&self.t("brand_colors", "Colours"), body)
    }

    /// Each typeface: family, role and licence, then a sample in every weight.
    fn typography(&self) -> String {
        let (x0, ink, anchor) = (self.x0, &self.ink, self.anchor);
        let mut body = String::new();
        let mut y = 45.0;
        for f in &self.brand.typography {
            body.push_str(&self.line(
                y,
                4.0,
                600,
                &format!(
                    "{} — {} ({})",
                    f.family,
                    self.text(&format!("role_{}", f.role), &f.role),
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
        self.page(&self.t("brand_typography", "Typography"), body)
    }

    /// Do's and don'ts: each illustration, two to a row, labelled and explained.
    fn usage(&self, rules: &[File]) -> String {
        let mut body = String::new();
        for (i, (u, (_, svg_bytes))) in self.brand.rules.usage.iter().zip(rules).enumerate() {
            let (cx, cy) = (20.0 + (i % 2) as f64 * 90.0, 36.0 + (i / 2) as f64 * 60.0);
            body.push_str(&self.img(svg_bytes, cx, cy, 72.0, 45.0));
            let (label, color) = if u.kind == UsageKind::Do {
                (self.text("brand_do", "Do"), "#2E6B30")
            } else {
                (self.text("brand_dont", "Don't"), "#A3212B")
            };
            let (tx, ta) = if self.rtl {
                (cx + 80.0, "end")
            } else {
                (cx, "start")
            };
            body.push_str(&self.markup(
                &label,
                700,
                3.4,
                (tx as f32, (cy + 50.0) as f32),
                ta,
                &format!(r#"fill="{color}""#),
            ));
            for (k, l) in wrap(self.localized(&u.text), 80.0, 3.0).iter().enumerate() {
                let at = (tx as f32, (cy + 54.5 + k as f64 * 3.8) as f32);
                body.push_str(&self.markup(l, 400, 3.0, at, ta, &self.fill));
            }
        }
        self.page(&self.t("brand_usage", "Do's and don'ts"), body)
    }

    /// The co-branding order, when the brand gives one.
    fn cobranding(&self) -> Option<String> {
        let cobranding = &self.brand.rules.cobranding;
        if cobranding.is_empty() {
            return None;
        }
        let mut body = self.line(
            42.0,
            4.2,
            400,
            &self.text(
                "brand_cobranding_intro",
                "Order of logos, from left to right:",
            ),
        );
        for (i, c) in cobranding.iter().enumerate() {
            body.push_str(&self.line(
                55.0 + i as f64 * 9.0,
                4.6,
                600,
                &format!("{}. {}", i + 1, self.localized(c)),
            ));
        }
        Some(self.page(&self.t("brand_cobranding", "Co-branding"), body))
    }
}
