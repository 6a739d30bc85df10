//! A theme: `themes/<name>/` with `templates/`, `css/`, `static/` and `i18n/<lang>.yaml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics};
use crate::limits::{self, Limit};
use crate::source::{ReadError, Sources};
use crate::yaml::parse_fields;

/// A source file of the theme, read into memory.
#[derive(Debug, Clone)]
pub struct ThemeFile {
    /// Path relative to its theme subfolder, with `/` separators (`partials/nav.html`).
    pub name: String,
    /// Path relative to the project root (for messages).
    pub path: PathBuf,
    /// Content.
    pub bytes: Vec<u8>,
}

/// The interface strings of one language.
#[derive(Debug, Clone, Default)]
pub struct Strings {
    /// The file they come from (relative to the root).
    pub path: PathBuf,
    /// key → string (or list of strings for `months`, `weekdays`).
    pub values: BTreeMap<String, serde_json::Value>,
}

/// The theme, read into memory.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    /// Theme name.
    pub name: String,
    /// Folder relative to the root (`themes/default`).
    pub dir: PathBuf,
    /// Templates (`templates/**`).
    pub templates: Vec<ThemeFile>,
    /// Stylesheets (`css/**`).
    pub css: Vec<ThemeFile>,
    /// Static files copied as they are (`static/**`).
    pub statics: Vec<ThemeFile>,
    /// Interface strings per language code.
    pub strings: BTreeMap<String, Strings>,
    /// `theme.yaml`, when the theme has one.
    pub settings: ThemeSettings,
}

/// `themes/<theme>/theme.yaml`: what the theme declares about itself.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeSettings {
    /// Text/background pairs the theme uses, as brand colour roles, ids or `#hex`,
    /// with `large` as a third item for large or bold text: each must reach WCAG AA
    /// (4.5:1, or 3:1 for large text), checked at every build.
    #[serde(default)]
    pub contrast: Vec<Vec<String>>,
}

fn read_tree(src: &Sources, dir: &Path, limit: Limit, diags: &mut Diagnostics) -> Vec<ThemeFile> {
    let mut out = Vec::new();
    for entry in src.walk(dir) {
        let entry = match entry {
            Ok(e) => e,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match src.read_entry(&entry, limit) {
            Ok(bytes) => out.push(ThemeFile {
                name: entry.name,
                path: entry.rel,
                bytes,
            }),
            Err(e) => diags.push(e.diagnostic(&entry.rel)),
        }
    }
    out
}

/// Reads `themes/<name>/`; problems go to `diags`.
pub fn load_theme(
    src: &Sources,
    name: &str,
    languages: &[String],
    diags: &mut Diagnostics,
) -> Theme {
    let dir = PathBuf::from("themes").join(name);
    let mut theme = Theme {
        name: name.to_string(),
        dir: dir.clone(),
        ..Theme::default()
    };
    if let Err(e @ ReadError::Outside { .. }) = src.locate(&dir) {
        diags.push(e.diagnostic(&dir));
        return theme;
    }
    if !src.is_dir(&dir) {
        diags.push(Diagnostic::error(
            "marque.yaml",
            format!(
                "theme '{name}' not found: there is no folder {}",
                dir.display()
            ),
        ));
        return theme;
    }
    theme.templates = read_tree(src, &dir.join("templates"), limits::THEME_TEXT, diags);
    theme.css = read_tree(src, &dir.join("css"), limits::THEME_TEXT, diags);
    theme.statics = read_tree(src, &dir.join("static"), limits::STATIC, diags);
    // Templates and stylesheets write text of their own (labels, `content:`).
    for f in theme.templates.iter().chain(&theme.css) {
        src.note_text(&String::from_utf8_lossy(&f.bytes));
    }
    let settings = dir.join("theme.yaml");
    match src.read_text(&settings, limits::YAML) {
        Ok(text) => match crate::yaml::parse::<ThemeSettings>(&text, &settings, 0) {
            Ok(s) => theme.settings = s,
            Err(d) => diags.push(d),
        },
        Err(ReadError::Missing) => {}
        Err(e) => diags.push(e.diagnostic(&settings)),
    }
    for lang in languages {
        let rel = dir.join("i18n").join(format!("{lang}.yaml"));
        let text = match src.read_text(&rel, limits::YAML) {
            Ok(t) => t,
            Err(ReadError::Missing) => {
                diags.push(Diagnostic::error(
                    &rel,
                    format!("missing interface strings for language '{lang}': create this file"),
                ));
                continue;
            }
            Err(e) => {
                diags.push(e.diagnostic(&rel));
                continue;
            }
        };
        let mut strings = Strings {
            path: rel.clone(),
            values: BTreeMap::new(),
        };
        diags
            .0
            .extend(crate::yaml::check_control_chars(&text, &rel, 0));
        match parse_fields(&text, &rel, 0) {
            Ok(fields) => {
                for f in fields {
                    let problem = match &f.value {
                        serde_json::Value::String(_) => None,
                        serde_json::Value::Array(a) if a.iter().all(|v| v.is_string()) => None,
                        serde_json::Value::Object(forms) => plural_forms_problem(forms),
                        _ => Some("must be a string, a list of strings or plural forms (one: …, other: …)".to_string()),
                    };
                    match problem {
                        None => {
                            strings.values.insert(f.key, f.value);
                        }
                        Some(p) => diags.push(
                            Diagnostic::error(&rel, format!("'{}' {p}", f.key))
                                .at(f.value_pos.line, f.value_pos.column),
                        ),
                    }
                }
            }
            Err(d) => diags.push(d),
        }
        theme.strings.insert(lang.clone(), strings);
    }
    theme
}

/// The plural categories of Unicode CLDR, as an interface string's plural forms name
/// them (`one: "{n} minute"`, `other: "{n} minutes"`).
pub const PLURAL_CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// What is wrong with plural forms, if anything: only CLDR's categories, each a string,
/// and `other` (the form every language has) among them.
fn plural_forms_problem(forms: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    if let Some(k) = forms
        .keys()
        .find(|k| !PLURAL_CATEGORIES.contains(&k.as_str()))
    {
        return Some(format!(
            "has plural form '{k}': the forms are named {}",
            PLURAL_CATEGORIES.join(", ")
        ));
    }
    if let Some((k, _)) = forms.iter().find(|(_, v)| !v.is_string()) {
        return Some(format!("has plural form '{k}' that is not a string"));
    }
    if !forms.contains_key("other") {
        return Some("has plural forms without 'other' (the form used when no other fits)".into());
    }
    None
}
