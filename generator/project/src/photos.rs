//! The photo library: `narrative/media/photos.yaml` describes the photos of
//! `narrative/media/` (alt text and caption per language, credit, licence, an optional
//! end of rights). A photo without alt text or credit is an error; a photo past its
//! rights is left out of the site with a warning.

use std::path::Path;

use serde::Deserialize;

use crate::brand::{Localized, Located};
use crate::date::Date;
use crate::diag::{Diagnostic, Diagnostics};
use crate::yaml;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    file: Located,
    #[serde(default)]
    alt: Localized,
    #[serde(default)]
    caption: Localized,
    #[serde(default)]
    credit: Option<String>,
    #[serde(default)]
    licence: Option<Text>,
    #[serde(default)]
    expires: Option<String>,
}

/// A text written once for every language, or per language.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Text {
    One(String),
    PerLanguage(Localized),
}

/// A photo of the library.
#[derive(Debug, Clone, PartialEq)]
pub struct Photo {
    /// File in `narrative/media/`.
    pub file: String,
    /// Alt text per language.
    pub alt: Localized,
    /// Caption per language.
    pub caption: Localized,
    /// Who took it.
    pub credit: String,
    /// Under which licence it is used, per language (a licence written once is under
    /// the default language).
    pub licence: Localized,
    /// Last day it may be used, if limited.
    pub expires: Option<Date>,
    /// Line in photos.yaml.
    pub line: usize,
}

/// Reads `photos.yaml`; `files` are the names of the media files.
pub fn load(
    text: &str,
    files: &[String],
    default_lang: &str,
    diags: &mut Diagnostics,
) -> Vec<Photo> {
    let rel = Path::new("narrative/media/photos.yaml");
    diags.0.extend(yaml::check_control_chars(text, rel, 0));
    let list: Vec<Written> = match yaml::parse(text, rel, 0) {
        Ok(l) => l,
        Err(d) => {
            diags.push(d);
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, w) in list.into_iter().enumerate() {
        let err = |msg: String| {
            Diagnostic::error(rel, format!("[{i}] '{}': {msg}", w.file.value))
                .at_line(w.file.line.max(1))
        };
        let lower = w.file.value.to_ascii_lowercase();
        if !files.contains(&w.file.value) {
            diags.push(err("no such file in narrative/media/".into()));
            continue;
        }
        if !(lower.ends_with(".jpg") || lower.ends_with(".jpeg") || lower.ends_with(".png")) {
            diags.push(err("a photo is a JPEG or PNG file".into()));
            continue;
        }
        if w.alt.get(default_lang).is_none_or(|a| a.trim().is_empty()) {
            diags.push(err(format!(
                "no alt text in '{default_lang}' (alt: {{{default_lang}: …}})"
            )));
        }
        let credit = w.credit.clone().unwrap_or_default();
        if credit.trim().is_empty() {
            diags.push(err("no credit (credit: who took it)".into()));
        }
        let licence: Localized = match w.licence.clone() {
            Some(Text::One(t)) => Localized::from([(default_lang.to_string(), t)]),
            Some(Text::PerLanguage(m)) => m,
            None => Localized::new(),
        };
        if licence
            .get(default_lang)
            .is_none_or(|l| l.trim().is_empty())
        {
            diags.push(err(format!(
                "no licence in '{default_lang}' (licence: under which terms it is used)"
            )));
        }
        let expires = match &w.expires {
            None => None,
            Some(s) => match Date::parse(s) {
                Ok(d) => Some(d),
                Err(e) => {
                    diags.push(err(format!("expires: {e}")));
                    None
                }
            },
        };
        out.push(Photo {
            file: w.file.value.clone(),
            alt: w.alt,
            caption: w.caption,
            credit,
            licence,
            expires,
            line: w.file.line,
        });
    }
    out
}
