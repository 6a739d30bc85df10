//! Social cards: an Open Graph image (1200 × 630 PNG) for every page, drawn from the
//! theme's `templates/cards/og.svg` (filled by Tera like kit templates: `text.title`,
//! `text.section`, `text.site`, `text.tagline` in data-fit boxes, `color.*`, `logo()`), cached by the
//! filled drawing, written at `<page>/og.png` and named by the page's `og:image`.

use std::collections::BTreeMap;

use marque_assets::cache::{DerivedCache, key};
use marque_assets::svg::{self, Fonts};
use marque_project::theme::ThemeFile;
use marque_project::{Diagnostic, Diagnostics, Language, Project};
use marque_site::{CardEntry, Prepared};
use rayon::prelude::*;
use tera::{Context, Tera};

use crate::brand::{BrandSet, File, Files};

/// The template's name among the theme's templates.
pub const CARD_TEMPLATE: &str = "cards/og.svg";

/// Width and height of a card.
pub const CARD_SIZE: (u32, u32) = (1200, 630);

/// True when this project draws social cards: `social_cards` is on and the theme has
/// the template, the brand its fonts and logos.
pub fn enabled(project: &Project, brand: &BrandSet) -> bool {
    project.config.social_cards
        && !project.brand.font_files.is_empty()
        && !brand.drawings.is_empty()
        && brand.fonts.is_some()
        && project
            .theme
            .templates
            .iter()
            .any(|t| t.name == CARD_TEMPLATE)
}

/// The theme string `key` in `lang` (or the default language), else `fallback`.
fn string(project: &Project, lang: &str, key: &str, fallback: &str) -> String {
    project
        .theme_string(lang, key)
        .unwrap_or(fallback)
        .to_string()
}

/// Every page's card: output path → PNG.
pub fn derive(
    project: &Project,
    prepared: &Prepared,
    brand: &BrandSet,
    cache: &DerivedCache,
) -> Result<Files, Diagnostics> {
    if !enabled(project, brand) {
        return Ok(Vec::new());
    }
    let Some(fonts) = &brand.fonts else {
        return Ok(Vec::new());
    };
    let painter = Painter::new(project, brand, fonts, cache)?;
    let cards: Vec<Result<File, Diagnostic>> = prepared
        .card_entries()
        .into_par_iter()
        .map(|entry| {
            crate::guard_item(&entry.page.path, "drawing this page's social card", || {
                painter.card(&entry)
            })
        })
        .collect();
    let mut files = Vec::new();
    let mut diags = Diagnostics::new();
    for c in cards {
        match c {
            Ok(f) => files.push(f),
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        diags.sort();
        return Err(diags);
    }
    Ok(files)
}

/// What every card is drawn with: the theme's template in Tera, the brand's colours
/// and fonts, the cache.
struct Painter<'a> {
    project: &'a Project,
    tpl: &'a ThemeFile,
    fonts: &'a Fonts,
    cache: &'a DerivedCache,
    tera: Tera,
    colors: BTreeMap<String, String>,
}

impl<'a> Painter<'a> {
    /// The card template loaded (an error names it and its line).
    fn new(
        project: &'a Project,
        brand: &BrandSet,
        fonts: &'a Fonts,
        cache: &'a DerivedCache,
    ) -> Result<Self, Diagnostics> {
        let tpl = project
            .theme
            .templates
            .iter()
            .find(|t| t.name == CARD_TEMPLATE)
            .ok_or_else(Diagnostics::new)?;
        let mut tera = marque_kit::drawing_tera(&brand.drawings);
        tera.add_raw_template(CARD_TEMPLATE, &String::from_utf8_lossy(&tpl.bytes))
            .map_err(|e| {
                let mut ds = Diagnostics::new();
                ds.push(marque_site::tera_error(
                    &e,
                    &project.theme.dir,
                    CARD_TEMPLATE,
                ));
                ds
            })?;
        Ok(Painter {
            project,
            tpl,
            fonts,
            cache,
            tera,
            colors: marque_kit::brand_colors(project, None),
        })
    }

    /// One page's card: its output path and PNG.
    fn card(&self, entry: &CardEntry) -> Result<File, Diagnostic> {
        let project = self.project;
        let out = entry.output.clone();
        let lang = &project.languages[entry.lang];
        let mut texts = BTreeMap::new();
        texts.insert("title".to_string(), entry.title.clone());
        texts.insert("section".to_string(), entry.section_title.clone());
        let site = string(project, &lang.code, "site_title", &project.brand.name);
        texts.insert(
            "tagline".to_string(),
            string(project, &lang.code, "tagline", &site),
        );
        texts.insert("site".to_string(), site);
        // The card is made from these inputs only: when they are unchanged, it comes
        // from the cache without filling or fitting anything.
        let colors_json = serde_json::to_string(&self.colors).unwrap_or_default();
        let texts_json = serde_json::to_string(&texts).unwrap_or_default();
        let k = key(
            "card",
            &[
                &self.tpl.bytes,
                &project.brand.hash,
                colors_json.as_bytes(),
                texts_json.as_bytes(),
                lang.code.as_bytes(),
                lang.dir.as_str().as_bytes(),
            ],
        );
        let png = self
            .cache
            .get_or_make("card", &k, || self.draw(entry, lang, &texts))?;
        Ok((out, png))
    }

    /// The card's template filled, its texts fitted, drawn as PNG.
    fn draw(
        &self,
        entry: &CardEntry,
        lang: &Language,
        texts: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, Diagnostic> {
        let (w, h) = CARD_SIZE;
        let out = &entry.output;
        let mut ctx = Context::new();
        ctx.insert("w", &w);
        ctx.insert("h", &h);
        ctx.insert("lang", &lang.code);
        ctx.insert("dir", lang.dir.as_str());
        ctx.insert("color", &self.colors);
        ctx.insert("text", texts);
        let src = self
            .tera
            .render(CARD_TEMPLATE, &ctx)
            .map_err(|e| marque_site::tera_error(&e, &self.project.theme.dir, CARD_TEMPLATE))?;
        let direction = if lang.dir.as_str() == "rtl" {
            marque_assets::text::Direction::Rtl
        } else {
            marque_assets::text::Direction::Ltr
        };
        let filled = marque_kit::fit::fill(&src, texts, self.fonts, direction, None)
            .map_err(|e| self.fit_error(entry, e))?;
        let t = svg::parse(&filled, self.fonts).map_err(|e| {
            Diagnostic::error(out, format!("cannot draw the social card: {}", e.message))
        })?;
        svg::png(&t, w)
            .map_err(|e| Diagnostic::error(out, format!("cannot draw the social card: {e}")))
    }

    /// A text that does not fit: a title too long for its card is fixed in the page
    /// (or section) that has it, anything else in the template.
    fn fit_error(&self, entry: &CardEntry, e: marque_kit::fit::FitError) -> Diagnostic {
        let out = &entry.output;
        let too_long = e.message.contains("does not fit");
        let source = match e.field.as_str() {
            "title" if too_long => Some(entry.page),
            "section" if too_long => entry.section,
            _ => None,
        };
        match source {
            Some(p) => Diagnostic::error(
                &p.path,
                format!(
                    "title: too long for the social card ({}og.png, 1200 × 630): shorten it",
                    out.trim_end_matches("og.png")
                ),
            )
            .at_line(p.front.positions.get("title").map_or(1, |pos| pos.line)),
            None => Diagnostic::error(
                self.project.theme.dir.join("templates").join(CARD_TEMPLATE),
                format!(
                    "social card of /{}: {}",
                    out.trim_end_matches("og.png"),
                    e.message
                ),
            ),
        }
    }
}

/// Social cards as a feature: the pages learn that they have a card, and every card is
/// drawn from the prepared site's titles. Needs the brand set.
pub struct CardsFeature;

impl crate::feature::Feature for CardsFeature {
    fn name(&self) -> &'static str {
        "social cards"
    }

    fn prepare(&self, _cx: &crate::feature::Context) -> Result<crate::feature::Given, Diagnostics> {
        Ok(crate::feature::Given::default())
    }

    fn configure(
        &self,
        cx: &crate::feature::Context,
        prepared: &mut Prepared,
    ) -> (Vec<crate::OutputFile>, Diagnostics) {
        let on = cx
            .shared
            .brand
            .as_ref()
            .is_some_and(|b| enabled(cx.project, b));
        prepared.set_social_cards(on);
        (Vec::new(), Diagnostics::new())
    }

    fn emit(
        &self,
        cx: &crate::feature::Context,
        prepared: &Prepared,
    ) -> Result<Vec<crate::OutputFile>, Diagnostics> {
        let Some(brand) = &cx.shared.brand else {
            return Ok(Vec::new());
        };
        Ok(derive(cx.project, prepared, brand, cx.derived)?
            .into_iter()
            .map(|(name, bytes)| crate::OutputFile::new(name, bytes))
            .collect())
    }
}
