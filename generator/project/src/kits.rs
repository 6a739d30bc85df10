//! Event kits: `kits/<id>/kit.yaml`, the kit's SVG templates (its own in
//! `kits/<id>/templates/`, else the shared ones in `kits/templates/`) and an optional
//! official event mark (`kits/<id>/mark.svg` or `mark.png`) that replaces the drawn
//! placeholder.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::brand::{BrandFile, Localized, Located};
use crate::date::Date;
use crate::diag::{Diagnostic, Diagnostics};
use crate::limits;
use crate::source::{ReadError, Sources};
use crate::yaml;

/// The templates every kit is made from, in the order outputs are listed.
pub const KIT_TEMPLATES: &[&str] = &[
    "poster.svg",
    "social.svg",
    "badge.svg",
    "rollup.svg",
    "banner.svg",
];

/// A date of the event (a match, a ceremony).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KitSession {
    /// Day.
    pub date: Located,
    /// What happens, per language.
    pub title: Localized,
    /// Where, when it differs from the kit's first place.
    #[serde(default)]
    pub place: Option<String>,
}

/// A place of the event.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KitPlace {
    /// Name of the venue.
    pub name: String,
    /// City.
    pub city: String,
}

/// Somebody to call.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KitContact {
    /// Name or team.
    pub name: String,
    /// Role, per language.
    #[serde(default)]
    pub role: Localized,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
}

/// A press release, per language.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KitRelease {
    /// Headline.
    pub title: String,
    /// Place and date line.
    #[serde(default)]
    pub dateline: Option<String>,
    /// Paragraphs.
    pub body: Vec<String>,
}

/// `kit.yaml`, as written.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KitFile {
    /// Name of the event, per language.
    pub name: Localized,
    /// One line under the name, per language.
    #[serde(default)]
    pub tagline: Localized,
    /// First day.
    pub start: Located,
    /// Last day.
    pub end: Located,
    /// A second period (Club France opened twice), optional.
    #[serde(default)]
    pub periods: Vec<KitPeriod>,
    /// Dates worth a calendar entry.
    #[serde(default)]
    pub sessions: Vec<KitSession>,
    /// Places.
    pub places: Vec<KitPlace>,
    /// Languages the kit is made in (site language codes).
    pub languages: Vec<Located>,
    /// Hashtag, with its `#`.
    #[serde(default)]
    pub hashtag: Option<String>,
    /// Key messages, per language.
    #[serde(default)]
    pub messages: BTreeMap<String, Vec<String>>,
    /// Contacts.
    #[serde(default)]
    pub contacts: Vec<KitContact>,
    /// What the files may be used for, per language.
    pub rights: Localized,
    /// The press release, per language.
    #[serde(default)]
    pub press_release: BTreeMap<String, KitRelease>,
    /// Brand colour id used as the kit's accent (default: the brand's accent role).
    #[serde(default)]
    pub accent: Option<Located>,
}

/// A further period of the event.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KitPeriod {
    /// First day.
    pub start: Located,
    /// Last day.
    pub end: Located,
}

/// A kit, loaded and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Kit {
    /// Folder name.
    pub id: String,
    /// `kits/<id>/kit.yaml`, relative to the root.
    pub path: String,
    /// What kit.yaml says.
    pub data: KitFile,
    /// Periods (start, end), the first from `start`/`end`.
    pub periods: Vec<(Date, Date)>,
    /// Dated sessions.
    pub sessions: Vec<(Date, Localized, Option<String>)>,
    /// Language codes.
    pub languages: Vec<String>,
    /// Template name → file (the kit's own or the shared one).
    pub templates: BTreeMap<String, BrandFile>,
    /// The official mark dropped into the kit folder, if any.
    pub mark: Option<BrandFile>,
    /// blake3 of everything above, for cache keys and page dependencies.
    pub hash: [u8; 32],
}

/// The file at `rel` if it exists; an error if it is a link out of the project or too
/// large.
fn read_file(src: &Sources, rel: &str, diags: &mut Diagnostics) -> Option<BrandFile> {
    let limit = if rel.ends_with(".png") {
        limits::RASTER
    } else {
        limits::SVG
    };
    match src.read(rel, limit) {
        Ok(bytes) => Some(BrandFile {
            rel: rel.to_string(),
            name: rel.rsplit('/').next().unwrap_or(rel).to_string(),
            bytes: Arc::new(bytes),
        }),
        Err(ReadError::Missing | ReadError::NotAFile) => None,
        Err(e) => {
            diags.push(e.diagnostic(rel));
            None
        }
    }
}

/// Loads every `kits/<id>/kit.yaml`; problems go to `diags`.
pub fn load_kits(
    src: &Sources,
    languages: &[String],
    colors: Option<&[&str]>,
    diags: &mut Diagnostics,
) -> Vec<Kit> {
    let names = match src.list("kits") {
        Ok(n) => n,
        Err(e) => {
            diags.push(e.diagnostic("kits"));
            return Vec::new();
        }
    };
    let mut kits = Vec::new();
    for id in names {
        if id == "templates" {
            continue;
        }
        let yaml = format!("kits/{id}/kit.yaml");
        match src.locate(&yaml) {
            Ok(p) if p.is_file() => {}
            Ok(_) | Err(ReadError::Missing) => continue,
            Err(e) => {
                diags.push(e.diagnostic(&yaml));
                continue;
            }
        }
        if let Some(k) = load_kit(src, &id, languages, colors, diags) {
            kits.push(k);
        }
    }
    kits
}

/// Loads `kits/<id>/kit.yaml` with its templates (its own, else the shared ones) and
/// its mark; `None` when anything is wrong (the problems are in `diags`).
fn load_kit(
    src: &Sources,
    id: &str,
    languages: &[String],
    colors: Option<&[&str]>,
    diags: &mut Diagnostics,
) -> Option<Kit> {
    let rel = format!("kits/{id}/kit.yaml");
    if !crate::brand::is_css_ident(id) || id == "templates" {
        diags.push(Diagnostic::error(
            format!("kits/{id}"),
            "a kit folder's name must use lowercase letters, digits and '-' (and not be 'templates')",
        ));
        return None;
    }
    let text = match src.read_text(&rel, limits::YAML) {
        Ok(t) => t,
        Err(e) => {
            diags.push(e.diagnostic(&rel));
            return None;
        }
    };
    let before = diags.len();
    diags
        .0
        .extend(yaml::check_control_chars(&text, Path::new(&rel), 0));
    let data: KitFile = match yaml::parse(&text, Path::new(&rel), 0) {
        Ok(d) => d,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let file = KitYaml { rel: &rel };
    let periods = file.periods(&data, diags);
    let mut sessions = Vec::new();
    for (i, s) in data.sessions.iter().enumerate() {
        if let Some(d) = file.date(&format!("sessions[{i}].date"), &s.date, diags) {
            sessions.push((d, s.title.clone(), s.place.clone()));
        }
    }
    let langs = file.languages(&data, languages, diags);
    file.check_contents(&data, &langs, colors, diags);
    let templates = kit_templates(src, id, diags);
    let mut mark = None;
    for m in ["mark.svg", "mark.png"] {
        if mark.is_none() {
            mark = read_file(src, &format!("kits/{id}/{m}"), diags);
        }
    }
    if diags.len() > before {
        return None;
    }
    let hash = kit_hash(&text, &templates, mark.as_ref());
    Some(Kit {
        id: id.to_string(),
        path: rel,
        data,
        periods,
        sessions,
        languages: langs,
        templates,
        mark,
        hash,
    })
}

/// The checks of one `kit.yaml` (`rel`), each error at the line of its field.
struct KitYaml<'a> {
    rel: &'a str,
}

impl KitYaml<'_> {
    /// An error on `field`, at the line of its value `at`.
    fn err(&self, field: &str, at: &Located, msg: String) -> Diagnostic {
        let d = Diagnostic::error(self.rel, format!("{field}: {msg}"));
        if at.line > 0 { d.at_line(at.line) } else { d }
    }

    /// The date of `field`.
    fn date(&self, field: &str, at: &Located, diags: &mut Diagnostics) -> Option<Date> {
        match Date::parse(&at.value) {
            Ok(d) => Some(d),
            Err(e) => {
                diags.push(self.err(field, at, e));
                None
            }
        }
    }

    /// The event's span and its other periods, each ending no sooner than it starts.
    fn periods(&self, data: &KitFile, diags: &mut Diagnostics) -> Vec<(Date, Date)> {
        let mut periods = Vec::new();
        let mut spans = vec![("start", &data.start, "end", &data.end)];
        for p in &data.periods {
            spans.push(("periods.start", &p.start, "periods.end", &p.end));
        }
        for (sf, s, ef, e) in spans {
            if let (Some(a), Some(b)) = (self.date(sf, s, diags), self.date(ef, e, diags)) {
                if b < a {
                    diags.push(self.err(
                        ef,
                        e,
                        format!(
                            "the event ends ({}) before it starts ({})",
                            e.value, s.value
                        ),
                    ));
                } else {
                    periods.push((a, b));
                }
            }
        }
        periods
    }

    /// The kit's languages, each one of the site's.
    fn languages(
        &self,
        data: &KitFile,
        languages: &[String],
        diags: &mut Diagnostics,
    ) -> Vec<String> {
        let mut langs = Vec::new();
        for (i, l) in data.languages.iter().enumerate() {
            if !languages.contains(&l.value) {
                diags.push(self.err(
                    &format!("languages[{i}]"),
                    l,
                    format!(
                        "'{}' is not a language of the site (marque.yaml has {})",
                        l.value,
                        languages.join(", ")
                    ),
                ));
            } else {
                langs.push(l.value.clone());
            }
        }
        langs
    }

    /// The accent is a brand colour (when the brand loaded), there is a place, and a
    /// name in each of the kit's languages.
    fn check_contents(
        &self,
        data: &KitFile,
        langs: &[String],
        colors: Option<&[&str]>,
        diags: &mut Diagnostics,
    ) {
        if let Some(a) = &data.accent
            && let Some(colors) = colors
            && !colors.contains(&a.value.as_str())
        {
            diags.push(self.err(
                "accent",
                a,
                format!(
                    "'{}' is not a colour of the brand (brand/brand.yaml has {}){}",
                    a.value,
                    colors.join(", "),
                    crate::diag::hint(&a.value, colors)
                ),
            ));
        }
        if data.places.is_empty() {
            diags.push(Diagnostic::error(
                self.rel,
                "places: name at least one place",
            ));
        }
        for l in langs {
            if !data.name.contains_key(l) {
                diags.push(
                    Diagnostic::error(
                        self.rel,
                        format!("name: no name in '{l}', a language of the kit"),
                    )
                    .at_line(1),
                );
            }
        }
    }
}

/// Each template of `KIT_TEMPLATES`: the kit's own, else the shared one.
fn kit_templates(src: &Sources, id: &str, diags: &mut Diagnostics) -> BTreeMap<String, BrandFile> {
    let mut templates = BTreeMap::new();
    for t in KIT_TEMPLATES {
        let own = format!("kits/{id}/templates/{t}");
        let shared = format!("kits/templates/{t}");
        let found = match read_file(src, &own, diags) {
            Some(f) => Some(f),
            None => read_file(src, &shared, diags),
        };
        match found {
            Some(f) => {
                templates.insert((*t).to_string(), f);
            }
            None => diags.push(Diagnostic::error(
                format!("kits/{id}"),
                format!("template '{t}' is missing (looked for {own} and {shared})"),
            )),
        }
    }
    templates
}

/// blake3 of the kit's file, its templates and its mark.
fn kit_hash(
    text: &str,
    templates: &BTreeMap<String, BrandFile>,
    mark: Option<&BrandFile>,
) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(text.as_bytes());
    for (n, f) in templates {
        h.update(n.as_bytes());
        h.update(blake3::hash(&f.bytes).as_bytes());
    }
    if let Some(m) = mark {
        h.update(m.name.as_bytes());
        h.update(blake3::hash(&m.bytes).as_bytes());
    }
    *h.finalize().as_bytes()
}
