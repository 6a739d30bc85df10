//! `marque.yaml`: the site's configuration.

use serde::Deserialize;

/// Text direction of a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right.
    #[default]
    Ltr,
    /// Right to left (Arabic, Hebrew…).
    Rtl,
}

impl Direction {
    /// "ltr" or "rtl".
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

/// What to do with a page that a language lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MissingTranslation {
    /// Serve the fallback language's page at this language's URL, with a notice.
    #[default]
    Fallback,
    /// Leave the page out of this language.
    Omit,
}

/// One language as written in `marque.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageConfig {
    /// BCP 47 code, e.g. `fr`, `en`, `ar`.
    pub code: String,
    /// The language's own name, e.g. `Français`.
    pub name: String,
    /// URL prefix: `""` for the root, `/en` … Defaults to `""` for the default language
    /// and `/<code>` for the others.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Text direction.
    #[serde(default)]
    pub dir: Direction,
    /// Date pattern (`%-d %B %Y`).
    #[serde(default)]
    pub date_format: Option<String>,
    /// French typography (narrow no-break spaces before `: ; ! ?` and inside « »).
    /// Defaults to on for French.
    #[serde(default)]
    pub french_typography: Option<bool>,
}

/// A language, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// Code, e.g. `fr`.
    pub code: String,
    /// Own name.
    pub name: String,
    /// URL prefix without trailing slash: `""` or `/en`.
    pub prefix: String,
    /// Direction.
    pub dir: Direction,
    /// Date pattern.
    pub date_format: String,
    /// French typography on or off.
    pub french_typography: bool,
}

/// A taxonomy (tags, categories…).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    /// Name, also the front-matter field and the URL folder (`tags`).
    pub name: String,
    /// Include an Atom feed for each term.
    #[serde(default)]
    pub feed: bool,
}

/// Markdown options.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Let raw HTML in Markdown through (otherwise it is escaped).
    #[serde(default)]
    pub allow_html: bool,
}

/// CSS options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CssConfig {
    /// Browserslist queries for the browsers to support.
    #[serde(default = "default_browsers")]
    pub browsers: Vec<String>,
}

impl Default for CssConfig {
    fn default() -> Self {
        CssConfig {
            browsers: default_browsers(),
        }
    }
}

fn default_browsers() -> Vec<String> {
    vec!["defaults".into()]
}

/// `marque check` options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Largest output file allowed, in KiB.
    #[serde(default = "default_max_file_kib")]
    pub max_file_kib: u64,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            max_file_kib: default_max_file_kib(),
        }
    }
}

fn default_max_file_kib() -> u64 {
    1024
}

/// Atom feed options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// How many entries a feed holds at most.
    #[serde(default = "default_feed_limit")]
    pub limit: usize,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            limit: default_feed_limit(),
        }
    }
}

fn default_feed_limit() -> usize {
    20
}

fn yes() -> bool {
    true
}

/// The whole of `marque.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The site's public address, e.g. `https://www.oneprovence.fr`.
    pub base_url: String,
    /// Theme folder name under `themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Code of the default language.
    pub default_language: String,
    /// Languages, in the order the switcher lists them.
    pub languages: Vec<LanguageConfig>,
    /// What to do for pages a language lacks.
    #[serde(default)]
    pub missing_translation: MissingTranslation,
    /// Language whose page fills a gap (defaults to the default language).
    #[serde(default)]
    pub fallback_language: Option<String>,
    /// Languages in which every page must exist: a page one of them lacks is an error
    /// at every build (as `--strict=LANG` makes it for one build).
    #[serde(default)]
    pub complete_languages: Vec<String>,
    /// Taxonomies; `tags` by default.
    #[serde(default = "default_taxonomies")]
    pub taxonomies: Vec<TaxonomyConfig>,
    /// Markdown options.
    #[serde(default)]
    pub markdown: MarkdownConfig,
    /// CSS options.
    #[serde(default)]
    pub css: CssConfig,
    /// Feed options.
    #[serde(default)]
    pub feed: FeedConfig,
    /// `marque check` options.
    #[serde(default)]
    pub check: CheckConfig,
    /// Draw an Open Graph image (1200 × 630) for every page from the theme's
    /// `templates/cards/og.svg` (default: yes, when the theme has that template).
    #[serde(default = "yes")]
    pub social_cards: bool,
    /// Main navigation: source paths relative to `narrative/<lang>/` (`manifeste.md`).
    /// Empty means: the top-level pages and sections, by weight.
    #[serde(default)]
    pub menu: Vec<String>,
    /// Links in every page's footer (accessibility statement, legal notice…): source
    /// paths relative to `narrative/<lang>/`.
    #[serde(default)]
    pub footer_menu: Vec<String>,
    /// Free values passed to templates as `config.extra`.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Where each item of `menu` and `footer_menu` is written in `marque.yaml` (line,
    /// column), for messages; filled in by the loader.
    #[serde(skip)]
    pub menu_positions: MenuPositions,
}

/// Line and column of each item of the menus of `marque.yaml`, in order.
#[derive(Debug, Clone, Default)]
pub struct MenuPositions {
    /// Of `menu`.
    pub menu: Vec<(usize, usize)>,
    /// Of `footer_menu`.
    pub footer_menu: Vec<(usize, usize)>,
}

impl MenuPositions {
    /// Reads where the menus' items are in `text` (the text of `marque.yaml`).
    pub fn read(text: &str) -> MenuPositions {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Spans {
            menu: Vec<serde_saphyr::Spanned<String>>,
            footer_menu: Vec<serde_saphyr::Spanned<String>>,
        }
        let spans: Spans =
            crate::yaml::parse(text, std::path::Path::new("marque.yaml"), 0).unwrap_or_default();
        let at = |v: &[serde_saphyr::Spanned<String>]| {
            v.iter()
                .map(|s| (s.referenced.line() as usize, s.referenced.column() as usize))
                .collect()
        };
        MenuPositions {
            menu: at(&spans.menu),
            footer_menu: at(&spans.footer_menu),
        }
    }

    /// Where item `i` of the menu `field` (`menu`, `footer_menu`) is.
    pub fn of(&self, field: &str, i: usize) -> Option<(usize, usize)> {
        match field {
            "menu" => self.menu.get(i).copied(),
            _ => self.footer_menu.get(i).copied(),
        }
    }
}

fn default_theme() -> String {
    "default".into()
}

fn default_taxonomies() -> Vec<TaxonomyConfig> {
    vec![TaxonomyConfig {
        name: "tags".into(),
        feed: false,
    }]
}

impl Config {
    /// The base URL without a trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// The path part of the base URL without a trailing slash: `""` for a site at the
    /// root of its domain, `/sub` for `https://example.org/sub/`.
    pub fn base_path(&self) -> String {
        self.base()
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_default()
    }
}
