//! What a kit says in one language: theme strings, localized fields, dates, and the
//! facts (dates, places, messages) the templates and the texts both show.

use std::collections::BTreeMap;

use marque_project::date::Date;
use marque_project::{Kit, Project};
use serde_json::Value;

/// A theme string (the kit's language, the default one, else `fallback`).
pub(crate) fn text(project: &Project, lang: &str, key: &str, fallback: &str) -> String {
    project
        .theme_string(lang, key)
        .unwrap_or(fallback)
        .to_string()
}

/// A field given per language, in `lang` or else in the default language.
pub(crate) fn localized(t: &BTreeMap<String, String>, lang: &str, default: &str) -> String {
    marque_project::brand::localized(t, lang, default).to_string()
}

fn month_name(project: &Project, lang: &str, m: u8) -> String {
    for l in [lang, project.default_language.as_str()] {
        if let Some(Value::Array(a)) = project
            .theme
            .strings
            .get(l)
            .and_then(|s| s.values.get("months"))
            && let Some(Value::String(s)) = a.get(m as usize - 1)
        {
            return s.clone();
        }
    }
    m.to_string()
}

/// `8 septembre – 28 octobre 2023` in the kit's language.
pub fn date_range(project: &Project, lang: &str, a: Date, b: Date) -> String {
    let day = |d: Date| format!("{} {}", d.day, month_name(project, lang, d.month));
    if a == b {
        format!("{} {}", day(a), a.year)
    } else if a.year == b.year && a.month == b.month {
        format!("{}–{} {}", a.day, day(b), b.year)
    } else if a.year == b.year {
        format!("{} – {} {}", day(a), day(b), b.year)
    } else {
        format!("{} {} – {} {}", day(a), a.year, day(b), b.year)
    }
}

/// Text escaped for XML and HTML.
pub(crate) fn esc(s: &str) -> String {
    marque_site::xml_escape(s)
}

/// What a kit says in one language, as the texts show it.
pub(crate) struct Facts {
    pub(crate) dates: Vec<String>,
    pub(crate) places: Vec<String>,
    pub(crate) messages: Vec<String>,
}

/// The kit's dates, places and key messages in `lang`.
pub(crate) fn facts(p: &Project, kit: &Kit, lang: &str) -> Facts {
    let data = &kit.data;
    Facts {
        dates: kit
            .periods
            .iter()
            .map(|(a, b)| date_range(p, lang, *a, *b))
            .collect(),
        places: data
            .places
            .iter()
            .map(|pl| format!("{}, {}", pl.name, pl.city))
            .collect(),
        messages: data
            .messages
            .get(lang)
            .or_else(|| data.messages.get(&p.default_language))
            .cloned()
            .unwrap_or_default(),
    }
}
