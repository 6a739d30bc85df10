//! The functions and filters marque gives templates: `trans`, `get_url`, `get_page`,
//! `get_section`, `asset`, `date`, `typography`, `slugify`, `urlencode`, and a `group_by`
//! that keeps its groups in a stable order.

use super::*;

/// Tera's own `group_by` groups through a hash map, so its groups come out in a
/// different order from one run to the next and the same sources would give different
/// pages. This one keeps the order in which each group first appears (for a section
/// sorted by weight, the order of its lightest page). Registered on every Tera marque
/// makes, over the built-in one.
pub fn stable_group_by(val: &[Value], kwargs: Kwargs, _: &State) -> tera::TeraResult<tera::Map> {
    let attribute = kwargs.must_get::<&str>("attribute")?;
    let mut groups: tera::Map = tera::Map::new();
    for (i, v) in val.iter().enumerate() {
        let Some(x) = v.get_from_path(attribute) else {
            return Err(tera::Error::message(format!(
                "group_by: value {i} (a {}) has no attribute '{attribute}'",
                v.name()
            )));
        };
        if x.is_none() || x.is_undefined() {
            continue;
        }
        let key: tera::value::Key<'static> = if let Some(s) = x.as_str() {
            s.to_string().into()
        } else if let Some(n) = x.as_i128() {
            n.into()
        } else {
            return Err(tera::Error::message(format!(
                "group_by: '{attribute}' of value {i} is a {}, not a string or an integer",
                x.name()
            )));
        };
        let mut list: Vec<Value> = groups
            .get(&key)
            .and_then(Value::as_array)
            .map(<[Value]>::to_vec)
            .unwrap_or_default();
        list.push(v.clone());
        groups.insert(key, list.into());
    }
    Ok(groups)
}

pub(super) fn lang_of(state: &State, kwargs: &Kwargs, shared: &Shared) -> tera::TeraResult<String> {
    if let Some(l) = kwargs.get::<&str>("lang")? {
        if !shared.langs.iter().any(|x| x == l) {
            return Err(tera::Error::message(format!(
                "language '{l}' is not one of the site's languages ({})",
                shared.langs.join(", ")
            )));
        }
        return Ok(l.to_string());
    }
    Ok(state
        .get::<String>("lang")?
        .unwrap_or_else(|| shared.default_lang.clone()))
}

/// The section entry `get_section(path)` gives in `lang` (a folder or its `_index.md`).
pub(super) fn section_entry(s: &Shared, now: &Now, lang: &str, path: &str) -> Option<usize> {
    let mut key = key_of(path, now);
    if !key.ends_with(".md") {
        key = format!("{}/_index.md", key.trim_end_matches('/'))
            .trim_start_matches('/')
            .to_string();
    }
    s.entry(now, lang, &key)
        .filter(|&i| now.site.entries[i].kind == EntryKind::Section)
}

/// The translation key of a page named by its path (`@/x.md`, `x.md`, a path of any
/// language's source).
pub(super) fn key_of(path: &str, now: &Now) -> String {
    let p = path.trim_start_matches("@/").trim_start_matches('/');
    now.key_of_rel
        .get(p)
        .cloned()
        .unwrap_or_else(|| p.to_string())
}

/// A template function of marque's: what it reads, its arguments, the page's state.
type Function = fn(&Shared, Kwargs, &State) -> tera::TeraResult<Value>;
/// A filter of marque's: what it reads, the value filtered, its arguments, the state.
type Filter = fn(&Shared, &str, Kwargs, &State) -> tera::TeraResult<String>;

/// Gives marque's functions and filters to `tera`, each reading `shared`.
pub(super) fn register_functions(tera: &mut Tera, shared: Arc<Shared>) {
    let functions: [(&str, Function); 5] = [
        ("trans", trans),
        ("get_url", get_url),
        ("get_page", get_page),
        ("get_section", get_section),
        ("asset", asset),
    ];
    for (name, f) in functions {
        let s = shared.clone();
        tera.register_function(name, move |kwargs: Kwargs, state: &State| {
            f(&s, kwargs, state)
        });
    }
    let filters: [(&str, Filter); 2] = [("date", date), ("typography", typography)];
    for (name, f) in filters {
        let s = shared.clone();
        tera.register_filter(name, move |value: &str, kwargs: Kwargs, state: &State| {
            f(&s, value, kwargs, state)
        });
    }
    tera.register_filter("slugify", |value: &str, _: Kwargs, _: &State| {
        crate::model::slugify(value)
    });
    tera.register_filter("urlencode", |value: &str, _: Kwargs, _: &State| {
        encode_url(value)
    });
}

/// `trans(key)`: an interface string in the page's language (or `lang`). With
/// `count=N`, its plural form for N by the language's CLDR rules (`{n}` in the text is
/// replaced by N).
fn trans(s: &Shared, kwargs: Kwargs, state: &State) -> tera::TeraResult<Value> {
    let key: &str = kwargs.must_get("key")?;
    let lang = lang_of(state, &kwargs, s)?;
    let (path, strings) = s.strings.get(&lang).ok_or_else(|| {
        tera::Error::message(format!("no interface strings for language '{lang}'"))
    })?;
    let count = kwargs.get::<i64>("count")?;
    if count.is_none()
        && let Some(v) = s.string_values.get(&lang).and_then(|m| m.get(key))
        && v.as_map().is_none()
    {
        return Ok(v.clone());
    }
    let Some(v) = strings.get(key) else {
        return Err(tera::Error::message(format!(
            "missing interface string '{key}' for language '{lang}' (add it to {})",
            path.display()
        )));
    };
    match (v, count) {
        (Json::Object(forms), Some(n)) => {
            let form = forms
                .get(plural_category(&lang, n))
                .or_else(|| forms.get("other"))
                .and_then(Json::as_str)
                .unwrap_or_default();
            Ok(Value::from(form.replace("{n}", &n.to_string())))
        }
        (Json::Object(_), None) => Err(tera::Error::message(format!(
            "interface string '{key}' has plural forms in {}: call trans(key=\"{key}\", count=…)",
            path.display()
        ))),
        (Json::String(t), Some(n)) => Ok(Value::from(t.replace("{n}", &n.to_string()))),
        (v, _) => Ok(Value::from_serializable(v)),
    }
}

/// The CLDR plural category of `n` in language `lang` (`other` for a language CLDR
/// does not know).
pub(crate) fn plural_category(lang: &str, n: i64) -> &'static str {
    use icu_plurals::{PluralCategory, PluralRules};
    thread_local! {
        static RULES: std::cell::RefCell<HashMap<String, Option<PluralRules>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    RULES.with(|r| {
        let mut r = r.borrow_mut();
        let rules = r.entry(lang.to_string()).or_insert_with(|| {
            let locale = icu_locale_core::Locale::try_from_str(lang).ok()?;
            PluralRules::try_new_cardinal(locale.into()).ok()
        });
        let Some(rules) = rules else {
            return "other";
        };
        match rules.category_for(n) {
            PluralCategory::Zero => "zero",
            PluralCategory::One => "one",
            PluralCategory::Two => "two",
            PluralCategory::Few => "few",
            PluralCategory::Many => "many",
            PluralCategory::Other => "other",
        }
    })
}

/// `get_url(path)`: the address of a page (`@/x.md`, recorded as read), of an asset,
/// or of any path under the site.
fn get_url(s: &Shared, kwargs: Kwargs, state: &State) -> tera::TeraResult<Value> {
    let path: &str = kwargs.must_get("path")?;
    let lang = lang_of(state, &kwargs, s)?;
    if path.starts_with("@/") || path.ends_with(".md") {
        keys::note(Read::Url(lang.clone(), path.to_string()));
        let now = s.now();
        let key = key_of(path, &now);
        return match s.entry(&now, &lang, &key) {
            Some(i) => Ok(Value::from(format!(
                "{}{}",
                s.base_path, now.site.entries[i].path
            ))),
            None => Err(tera::Error::message(format!(
                "get_url: no page '{path}' in language '{lang}'"
            ))),
        };
    }
    if let Some(u) = s.assets.get(path.trim_start_matches('/')) {
        return Ok(Value::from(u.as_str()));
    }
    let absolute = kwargs.get::<bool>("absolute")?.unwrap_or(false);
    let prefix = if absolute { &s.base_url } else { &s.base_path };
    Ok(Value::from(format!(
        "{prefix}/{}",
        path.trim_start_matches('/')
    )))
}

/// `get_page(path)`: what listings show of a page (recorded as read).
fn get_page(s: &Shared, kwargs: Kwargs, state: &State) -> tera::TeraResult<Value> {
    let path: &str = kwargs.must_get("path")?;
    let lang = lang_of(state, &kwargs, s)?;
    keys::note(Read::Page(lang.clone(), path.to_string()));
    let now = s.now();
    let key = key_of(path, &now);
    s.entry(&now, &lang, &key)
        .and_then(|i| now.tables.get().map(|t| t.by_entry[i].clone()))
        .ok_or_else(|| {
            tera::Error::message(format!("get_page: no page '{path}' in language '{lang}'"))
        })
}

/// `get_section(path)`: a section's summary with its pages and subsections (recorded
/// as read).
fn get_section(s: &Shared, kwargs: Kwargs, state: &State) -> tera::TeraResult<Value> {
    let path: &str = kwargs.must_get("path")?;
    let lang = lang_of(state, &kwargs, s)?;
    keys::note(Read::Section(lang.clone(), path.to_string()));
    let now = s.now();
    section_entry(s, &now, &lang, path)
        .and_then(|i| now.tables.get().map(|t| t.section(&now.site, i)))
        .ok_or_else(|| {
            tera::Error::message(format!(
                "get_section: no section '{path}' in language '{lang}'"
            ))
        })
}

/// `asset(path)`: the hashed address of a file the build publishes.
fn asset(s: &Shared, kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
    let path: &str = kwargs.must_get("path")?;
    s.assets
        .get(path.trim_start_matches('/'))
        .map(|u| Value::from(u.as_str()))
        .ok_or_else(|| {
            tera::Error::message(format!(
                "asset '{path}' does not exist (known assets: {})",
                s.assets.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
}

/// `date(format?)`: a date in the page's language (month and day names included).
fn date(s: &Shared, value: &str, kwargs: Kwargs, state: &State) -> tera::TeraResult<String> {
    let lang = lang_of(state, &kwargs, s)?;
    let date = Date::parse(value).map_err(tera::Error::message)?;
    let pattern = match kwargs.get::<&str>("format")? {
        Some(f) => f,
        None => s
            .date_formats
            .get(&lang)
            .map(String::as_str)
            .unwrap_or("%Y-%m-%d"),
    };
    let default_names = DateNames::default();
    let names = s.date_names.get(&lang).unwrap_or(&default_names);
    Ok(date.format(pattern, names))
}

/// `typography`: French typography (narrow no-break spaces) where the language has it.
fn typography(s: &Shared, value: &str, kwargs: Kwargs, state: &State) -> tera::TeraResult<String> {
    let lang = lang_of(state, &kwargs, s)?;
    Ok(if s.french_typography.contains(&lang) {
        crate::markdown::french_typography(value)
    } else {
        value.to_string()
    })
}
