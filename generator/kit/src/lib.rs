//! Event kits: for one kit and one language, the SVG templates are filled by Tera
//! (texts, dates, brand colours, logos, the event mark, the partner), their text boxes
//! are fitted with the brand fonts' metrics, and the result is rendered to print PDFs
//! (bleed, crop marks, TrimBox and BleedBox), PNGs and SVGs; lockups, the e-mail
//! signature, key messages, the press release, an `.ics` calendar, a README and a
//! `manifest.json` complete the kit, and one reproducible zip holds it all.

#![forbid(unsafe_code)]

pub mod fit;
mod formats;
mod locale;
mod lockup;
mod logos;
mod package;
mod templates;
mod texts;

use std::collections::BTreeMap;
use std::sync::Arc;

use marque_assets::cache::DerivedCache;
use marque_assets::svg::{Drawing, Fonts};
use marque_project::{Diagnostic, Diagnostics, Kit, Project};
use rayon::prelude::*;

pub use formats::{BLEED_MM, SAFE_MM};
pub use locale::date_range;
pub use logos::{base64, load_logo};
pub use templates::{brand_colors, drawing_tera};
pub use texts::ics;

use formats::{FORMATS, render_format};
use lockup::{Lockups, lockups, render_lockup};
use templates::{Filled, Filling};

/// A partner co-branding the kit.
#[derive(Debug, Clone)]
pub struct Partner {
    /// Name, shown on the material.
    pub name: String,
    /// Logo (sanitised, outlined), if any.
    pub logo: Option<Drawing>,
    /// A light version of the logo for dark backgrounds (`--partner-logo-light`).
    pub logo_light: Option<Drawing>,
    /// The logo has too little contrast on the dark backgrounds and no light version
    /// was given: it is put on a light plate there.
    pub needs_plate: bool,
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

/// Where the site publishes the files of `kit` in `lang` (`downloads/kits/<id>/<lang>`).
pub fn site_folder(kit: &str, lang: &str) -> String {
    format!("downloads/kits/{kit}/{lang}")
}

/// Builds `kit` in `lang`, co-branded with `partner` when given. Errors name the kit,
/// the template, the language and the field.
pub fn build_kit(
    inputs: &Inputs,
    kit: &Kit,
    lang: &str,
    partner: Option<&Partner>,
) -> Result<KitBuild, Diagnostics> {
    let mark = logos::event_mark(inputs, kit, lang)?;
    let lockups = lockups(inputs, kit, &mark, partner)?;
    let filled = Filling::new(inputs, kit, lang, partner, &mark, &lockups)?.fill_all()?;
    let mut files = render_visuals(inputs, kit, lang, &filled, &lockups)?;
    files.extend(texts::text_files(inputs, kit, lang, partner));
    package::package(inputs, kit, lang, partner, files)
}

/// The files of every format (from its filled template, in the order of `FORMATS`)
/// and of both lockups; the errors of all of them.
fn render_visuals(
    inputs: &Inputs,
    kit: &Kit,
    lang: &str,
    filled: &[Filled],
    lockups: &Lockups,
) -> Result<Vec<KitFile>, Diagnostics> {
    let (fonts, cache) = (inputs.fonts, inputs.cache);
    // Print files say what they are in viewers and to screen readers.
    let d = &inputs.project.default_language;
    let kit_name = locale::localized(&kit.data.name, lang, d);
    let meta = |format: &str| marque_assets::svg::PdfMeta {
        title: format!("{kit_name} — {format}"),
        author: inputs.project.brand.name.clone(),
        subject: locale::localized(&kit.data.tagline, lang, d),
        lang: lang.to_string(),
    };
    let rendered: Vec<Result<Vec<KitFile>, Diagnostic>> = FORMATS
        .par_iter()
        .zip(filled)
        .map(|(f, filled)| {
            render_format(f, filled, fonts, cache, &meta(f.name)).map_err(|e| {
                Diagnostic::error(
                    &kit.templates[f.template].rel,
                    format!("kit '{}' ({lang}), {}: {e}", kit.id, f.name),
                )
            })
        })
        .collect();
    let (lists, mut diags) = collect_results(rendered);
    let mut files: Vec<KitFile> = lists.into_iter().flatten().collect();
    for (name, src) in [
        ("lockup-primary", &lockups.primary.svg),
        ("lockup-white", &lockups.white.svg),
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
    Ok(files)
}

/// One error on `file`, as the diagnostics of a failed step.
fn single_error(file: &str, msg: String) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.push(Diagnostic::error(file, msg));
    d
}

/// The values of the steps that worked, in order, and the errors of the others.
fn collect_results<T>(results: Vec<Result<T, Diagnostic>>) -> (Vec<T>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut ok = Vec::new();
    for r in results {
        match r {
            Ok(v) => ok.push(v),
            Err(d) => diags.push(d),
        }
    }
    (ok, diags)
}
