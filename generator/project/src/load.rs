//! Loading: reads every source once into a read-only [`Project`], validating as it goes
//! and collecting every problem before failing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::brand::{Brand, BrandFile, Located, is_css_ident, parse_hex};
use crate::config::{Config, Language, LanguageConfig, MissingTranslation};
use crate::diag::{Diagnostic, Diagnostics, hint};
use crate::front_matter::{FrontMatter, parse_front_matter, split};
use crate::limits;
use crate::source::{Entry, ReadError, Sources, resolve_inside};
use crate::theme::{Theme, load_theme};
use crate::yaml;

/// Options that change what is loaded.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Include pages marked `draft: true`.
    pub drafts: bool,
}

/// One Markdown source: a page, or a section's own page (`_index.md`).
#[derive(Debug, Clone)]
pub struct SourcePage {
    /// Language code (the folder under `narrative/`).
    pub lang: String,
    /// Path relative to `narrative/<lang>/`, with `/` separators (`actualites/flamme.md`).
    pub rel: String,
    /// Path relative to the project root (`narrative/fr/actualites/flamme.md`).
    pub path: PathBuf,
    /// True for `_index.md`.
    pub is_section: bool,
    /// Front matter.
    pub front: FrontMatter,
    /// Markdown body.
    pub body: String,
    /// Lines before the body in the file.
    pub body_line_offset: usize,
    /// blake3 of the whole file (and of a bundle's files).
    pub hash: [u8; 32],
    /// blake3 of the language, path and front matter: what other pages may read.
    pub front_hash: [u8; 32],
    /// The characters of the file beyond Basic Latin (what the web fonts need).
    pub chars: Box<[char]>,
    /// For a page bundle (a page written as `<folder>/index.md`), the other files of
    /// its folder, published beside the page (pictures, attachments), by name.
    pub bundle: Vec<BundleFile>,
    /// A bundle's path as a plain page (see [`SourcePage::plain_rel`]).
    pub plain: Option<Box<str>>,
}

/// A file of a page bundle.
#[derive(Debug, Clone)]
pub struct BundleFile {
    /// Path inside the bundle's folder, `/`-separated (`bateau.jpg`, `plans/quai.png`).
    pub name: String,
    /// Path relative to the project root.
    pub path: PathBuf,
    /// Contents.
    pub bytes: Arc<Vec<u8>>,
}

impl SourcePage {
    /// The folder this source belongs to: for a section its own folder, for a page the
    /// folder that holds it ("" is the language's root).
    pub fn dir(&self) -> &str {
        let rel = self.bundle_dir().unwrap_or(&self.rel);
        match rel.rfind('/') {
            Some(i) => &rel[..i],
            None => "",
        }
    }

    /// For a page bundle (`actualites/sortie-en-mer/index.md`), its folder
    /// (`actualites/sortie-en-mer`).
    pub fn bundle_dir(&self) -> Option<&str> {
        if self.is_section {
            return None;
        }
        self.rel.strip_suffix("/index.md")
    }

    /// The name its address takes when the front matter gives no `slug`: the file's
    /// stem, or a bundle's folder name.
    pub fn file_slug(&self) -> &str {
        let rel = self.bundle_dir().unwrap_or(&self.rel);
        let name = rel.rsplit('/').next().unwrap_or(rel);
        name.strip_suffix(".md").unwrap_or(name)
    }

    /// The key that groups translations of this source.
    pub fn translation_key(&self) -> &str {
        self.front
            .translation_key
            .as_deref()
            .unwrap_or_else(|| self.plain_rel())
    }

    /// Its path as a plain page: a bundle's `actualites/sortie/index.md` is
    /// `actualites/sortie.md`, so that it pairs with a translation written either way
    /// and links to either path find it.
    pub fn plain_rel(&self) -> &str {
        self.plain.as_deref().unwrap_or(&self.rel)
    }

    /// The title, or the file's stem when there is none.
    pub fn title(&self) -> &str {
        self.front.title.as_deref().unwrap_or_else(|| {
            let stem = self.rel.trim_end_matches(".md");
            stem.rsplit('/').next().unwrap_or(stem)
        })
    }
}

/// The whole project, loaded and validated.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project folder.
    pub root: PathBuf,
    /// `marque.yaml`.
    pub config: Config,
    /// blake3 of `marque.yaml`.
    pub config_hash: [u8; 32],
    /// Languages in configured order; the default one is first.
    pub languages: Vec<Language>,
    /// Code of the default language.
    pub default_language: String,
    /// Code of the language that fills gaps.
    pub fallback_language: String,
    /// Every Markdown source, sorted by language order then path (shared, so that a
    /// reload after one edit copies pointers, not texts).
    pub pages: Vec<Arc<SourcePage>>,
    /// The theme.
    pub theme: Theme,
    /// The brand data.
    pub brand: Brand,
    /// Event kits, by folder name.
    pub kits: Vec<crate::kits::Kit>,
    /// Files of `narrative/media/` (video, captions, posters), published at `/media/`.
    pub media: Vec<MediaFile>,
    /// Indicators from `narrative/data/`.
    pub indicators: Vec<crate::indicators::Indicator>,
    /// Base maps (`narrative/data/*.geojson`).
    pub base_maps: Vec<crate::geo::BaseMap>,
    /// The photo library (`narrative/media/photos.yaml`).
    pub photos: Vec<crate::photos::Photo>,
    /// The hash of `narrative/media/` and `narrative/data/` as loaded: what the derived
    /// features made from them depend on (a session keeps what they made while it is
    /// the same).
    pub data_hash: [u8; 32],
    /// The characters beyond Basic Latin of every text read but the pages (which
    /// keep their own): configuration, theme, brand, kits, data, captions.
    pub text_chars: Arc<crate::charset::CharSet>,
    /// Warnings found while loading.
    pub warnings: Diagnostics,
}

impl Project {
    /// The hash of where every page is and what its front matter says: what the site
    /// model and the features that read front matter (maps, photo references) depend
    /// on. Where each page is counts, not only what its front matter says: two pages
    /// with the same front matter are two entries.
    pub fn fronts_hash(&self) -> [u8; 32] {
        // Gathered, then hashed at once: blake3 is fast on long input.
        let mut buf = Vec::with_capacity(self.pages.len() * 80);
        for p in &self.pages {
            buf.extend_from_slice(p.lang.as_bytes());
            buf.push(0);
            buf.extend_from_slice(p.rel.as_bytes());
            buf.push(0);
            buf.extend_from_slice(&p.front_hash);
        }
        *blake3::hash(&buf).as_bytes()
    }

    /// Every character beyond Basic Latin that the site's texts use: what its web
    /// fonts are subset to.
    pub fn site_chars(&self) -> crate::charset::CharSet {
        let mut set = (*self.text_chars).clone();
        for p in &self.pages {
            set.add_all(&p.chars);
        }
        set
    }

    /// The theme's interface string `key` in `lang`, else in the default language.
    pub fn theme_string(&self, lang: &str, key: &str) -> Option<&str> {
        [lang, self.default_language.as_str()]
            .into_iter()
            .find_map(|l| {
                self.theme
                    .strings
                    .get(l)
                    .and_then(|s| s.values.get(key))
                    .and_then(|v| v.as_str())
            })
    }

    /// The language with this code.
    pub fn language(&self, code: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.code == code)
    }

    /// What to do with gaps in translations.
    pub fn missing_translation(&self) -> MissingTranslation {
        self.config.missing_translation
    }
}

fn valid_lang_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 35
        && code
            .split('-')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The languages of `marque.yaml`, the default one first, and the checks of what
/// goes with them (default and fallback languages, taxonomies, base URL).
fn resolve_languages(config: &Config, diags: &mut Diagnostics) -> Vec<Language> {
    let path = Path::new("marque.yaml");
    let mut out = Vec::new();
    let mut seen_codes = BTreeSet::new();
    let mut seen_prefixes = BTreeSet::new();
    if config.languages.is_empty() {
        diags.push(Diagnostic::error(
            path,
            "field 'languages' must list at least one language",
        ));
    }
    for l in &config.languages {
        if !valid_lang_code(&l.code) {
            diags.push(Diagnostic::error(
                path,
                format!("language code '{}' is not a valid code (use letters, digits and '-', like 'fr' or 'pt-BR')", l.code),
            ));
            continue;
        }
        if !seen_codes.insert(l.code.clone()) {
            diags.push(Diagnostic::error(
                path,
                format!("language '{}' is declared twice", l.code),
            ));
            continue;
        }
        let is_default = l.code == config.default_language;
        let lang = resolve_language(l, is_default, &mut seen_prefixes, diags);
        if is_default {
            out.insert(0, lang);
        } else {
            out.push(lang);
        }
    }
    check_language_choices(config, &seen_codes, diags);
    check_taxonomies(config, diags);
    if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
        diags.push(Diagnostic::error(
            path,
            format!(
                "base_url '{}' must start with http:// or https://",
                config.base_url
            ),
        ));
    }
    out
}

/// One language as configured: its URL prefix (none for the default language unless
/// given), checked as a path no other language uses, and its defaults.
fn resolve_language(
    l: &LanguageConfig,
    is_default: bool,
    seen_prefixes: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> Language {
    let path = Path::new("marque.yaml");
    let prefix = match &l.prefix {
        Some(p) => {
            let p = p.trim_matches('/');
            if p.is_empty() {
                String::new()
            } else {
                format!("/{p}")
            }
        }
        None if is_default => String::new(),
        None => format!("/{}", l.code),
    };
    if prefix.contains(['?', '#', ' ', '\\']) || prefix.contains("..") {
        diags.push(Diagnostic::error(
            path,
            format!("language '{}': prefix '{prefix}' is not a URL path", l.code),
        ));
    }
    if !seen_prefixes.insert(prefix.clone()) {
        diags.push(Diagnostic::error(
            path,
            format!(
                "language '{}': prefix '{}' is already used by another language",
                l.code,
                if prefix.is_empty() { "/" } else { &prefix }
            ),
        ));
    }
    Language {
        code: l.code.clone(),
        name: l.name.clone(),
        prefix,
        dir: l.dir,
        date_format: l.date_format.clone().unwrap_or_else(|| "%Y-%m-%d".into()),
        french_typography: l
            .french_typography
            .unwrap_or(l.code == "fr" || l.code.starts_with("fr-")),
    }
}

/// The default and fallback languages must be among the declared ones.
fn check_language_choices(config: &Config, seen_codes: &BTreeSet<String>, diags: &mut Diagnostics) {
    let path = Path::new("marque.yaml");
    if !seen_codes.contains(&config.default_language) {
        let codes: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
        diags.push(Diagnostic::error(
            path,
            format!(
                "default_language '{}' is not one of the languages{}",
                config.default_language,
                hint(&config.default_language, &codes)
            ),
        ));
    }
    if let Some(f) = &config.fallback_language
        && !seen_codes.contains(f)
    {
        diags.push(Diagnostic::error(
            path,
            format!("fallback_language '{f}' is not one of the languages"),
        ));
    }
    let codes: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
    for c in &config.complete_languages {
        if !seen_codes.contains(c) {
            diags.push(Diagnostic::error(
                path,
                format!(
                    "complete_languages: '{c}' is not one of the languages ({}){}",
                    codes.join(", "),
                    hint(c, &codes)
                ),
            ));
        }
    }
}

/// Taxonomy names: CSS identifiers, no front-matter field name, each once.
fn check_taxonomies(config: &Config, diags: &mut Diagnostics) {
    let path = Path::new("marque.yaml");
    let mut tax_seen = BTreeSet::new();
    for t in &config.taxonomies {
        if !is_css_ident(&t.name) || crate::front_matter::KNOWN_FIELDS.contains(&t.name.as_str()) {
            diags.push(Diagnostic::error(
                path,
                format!("taxonomy '{}': use lowercase letters, digits and '-', and not a front-matter field name", t.name),
            ));
        }
        if !tax_seen.insert(&t.name) {
            diags.push(Diagnostic::error(
                path,
                format!("taxonomy '{}' is declared twice", t.name),
            ));
        }
    }
}

fn load_brand(src: &Sources, diags: &mut Diagnostics) -> Brand {
    let rel = Path::new("brand/brand.yaml");
    let text = match src.read_text(rel, limits::YAML) {
        Ok(t) => t,
        Err(ReadError::Missing) => return Brand::default(),
        Err(e) => {
            diags.push(e.diagnostic(rel));
            return Brand::default();
        }
    };
    diags.0.extend(yaml::check_control_chars(&text, rel, 0));
    let brand: Brand = match yaml::parse(&text, rel, 0) {
        Ok(b) => b,
        Err(d) => {
            diags.push(d);
            return Brand::default();
        }
    };
    let mut ids = BTreeSet::new();
    for c in &brand.colors {
        let line = text
            .lines()
            .position(|l| l.contains(&format!("id: {}", c.id)))
            .map(|i| i + 1);
        let at = |d: Diagnostic| match line {
            Some(l) => d.at_line(l),
            None => d,
        };
        if parse_hex(&c.hex).is_none() {
            diags.push(at(Diagnostic::error(
                rel,
                format!(
                    "colour '{}': hex '{}' is not a colour (write #RRGGBB)",
                    c.id, c.hex
                ),
            )));
        }
        if !is_css_ident(&c.id) {
            diags.push(at(Diagnostic::error(
                rel,
                format!(
                    "colour id '{}' must use lowercase letters, digits and '-'",
                    c.id
                ),
            )));
        }
        if !ids.insert(&c.id) {
            diags.push(at(Diagnostic::error(
                rel,
                format!("colour id '{}' is used twice", c.id),
            )));
        }
    }
    let mut brand = brand;
    load_brand_files(src, rel, &mut brand, diags);
    let mut h = blake3::Hasher::new();
    h.update(text.as_bytes());
    for f in brand
        .logo_files
        .values()
        .chain(&brand.font_files)
        .chain(&brand.rule_files)
    {
        h.update(f.rel.as_bytes());
        h.update(blake3::hash(&f.bytes).as_bytes());
    }
    brand.hash = *h.finalize().as_bytes();
    brand
}

/// Reads the files brand.yaml names (logos, fonts, illustrations), refusing paths that
/// leave the project and naming the field of every problem.
fn load_brand_files(src: &Sources, rel: &Path, brand: &mut Brand, diags: &mut Diagnostics) {
    let reader = BrandReader {
        src,
        rel,
        base: src.root().join("brand"),
    };
    brand.logo_files = load_logo_files(&reader, brand, diags);
    let mut fonts = load_font_files(&reader, brand, diags);
    // The licence texts beside the font files travel with them.
    let licences = licence_texts(src, &fonts, diags);
    fonts.extend(licences);
    brand.font_files = fonts;
    let mut rule_files = Vec::new();
    for (i, u) in brand.rules.usage.iter().enumerate() {
        if let Some(f) = reader.read(
            &format!("rules.usage[{i}].image"),
            &u.image,
            &["svg"],
            diags,
        ) {
            rule_files.push(f);
        }
    }
    brand.rule_files = rule_files;
    check_rules(brand, rel, diags);
}

/// Reads the files that `brand/brand.yaml` (`rel`) names, relative to `brand/`.
struct BrandReader<'a> {
    src: &'a Sources,
    rel: &'a Path,
    base: PathBuf,
}

impl BrandReader<'_> {
    /// The file `f` of `field`, which must have one of the extensions `exts` and stay
    /// inside the project; a problem is an error at the field's line.
    fn read(
        &self,
        field: &str,
        f: &Located,
        exts: &[&str],
        diags: &mut Diagnostics,
    ) -> Option<BrandFile> {
        let root = self.src.root();
        let err = |msg: String| {
            let d = Diagnostic::error(self.rel, format!("{field}: {msg}"));
            if f.line > 0 { d.at_line(f.line) } else { d }
        };
        let path = match resolve_inside(root, &self.base, &f.value) {
            Ok(p) => p,
            Err(e) => {
                diags.push(err(e));
                return None;
            }
        };
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !exts.contains(&ext.as_str()) {
            diags.push(err(format!(
                "'{}' must be a {} file",
                f.value,
                exts.join(" or ")
            )));
            return None;
        }
        let rel_path = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let limit = if ext == "svg" {
            limits::SVG
        } else {
            limits::FONT
        };
        match self.src.read(&rel_path, limit) {
            Ok(bytes) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Some(BrandFile {
                    rel: rel_path,
                    name,
                    bytes: Arc::new(bytes),
                })
            }
            Err(e) => {
                diags.push(err(match e {
                    ReadError::Missing => format!("file 'brand/{}' is missing", f.value),
                    e @ ReadError::Outside { .. } => e.message(),
                    e => format!("'brand/{}': {}", f.value, e.message()),
                }));
                None
            }
        }
    }
}

/// Each logo's master SVG by id; ids must be CSS identifiers, each used once.
fn load_logo_files(
    reader: &BrandReader,
    brand: &Brand,
    diags: &mut Diagnostics,
) -> BTreeMap<String, BrandFile> {
    let rel = reader.rel;
    let mut ids = BTreeSet::new();
    let mut files = BTreeMap::new();
    for (i, logo) in brand.logos.iter().enumerate() {
        let at = |d: Diagnostic| {
            if logo.file.line > 0 {
                d.at_line(logo.file.line)
            } else {
                d
            }
        };
        if !is_css_ident(&logo.id) {
            diags.push(at(Diagnostic::error(
                rel,
                format!(
                    "logos[{i}].id: '{}' must use lowercase letters, digits and '-'",
                    logo.id
                ),
            )));
        }
        if !ids.insert(logo.id.clone()) {
            diags.push(at(Diagnostic::error(
                rel,
                format!("logos[{i}].id: '{}' is used twice", logo.id),
            )));
        }
        if let Some(f) = reader.read(&format!("logos[{i}].file"), &logo.file, &["svg"], diags) {
            files.insert(logo.id.clone(), f);
        }
    }
    files
}

/// The font files of every typeface, each once; only OFL fonts may ship.
fn load_font_files(reader: &BrandReader, brand: &Brand, diags: &mut Diagnostics) -> Vec<BrandFile> {
    let mut fonts: Vec<BrandFile> = Vec::new();
    for (i, t) in brand.typography.iter().enumerate() {
        let licence = t.licence.as_deref().unwrap_or("");
        if !t.files.is_empty() && !licence.to_ascii_uppercase().starts_with("OFL") {
            let d = Diagnostic::error(
                reader.rel,
                format!(
                    "typography[{i}].licence: '{}' ships font files under '{licence}', but only OFL fonts can be shipped (write licence: OFL-1.1)",
                    t.family
                ),
            );
            diags.push(match t.files.first() {
                Some(f) if f.line > 0 => d.at_line(f.line),
                _ => d,
            });
            continue;
        }
        for (j, f) in t.files.iter().enumerate() {
            if let Some(file) = reader.read(
                &format!("typography[{i}].files[{j}]"),
                f,
                &["otf", "ttf"],
                diags,
            ) && !fonts.iter().any(|x| x.rel == file.rel)
            {
                fonts.push(file);
            }
        }
    }
    fonts
}

/// The `.txt` files (licences) in the folders of the font files.
fn licence_texts(src: &Sources, fonts: &[BrandFile], diags: &mut Diagnostics) -> Vec<BrandFile> {
    let mut texts = Vec::new();
    let mut dirs: Vec<String> = fonts
        .iter()
        .filter_map(|f| f.rel.rsplit_once('/').map(|(d, _)| d.to_string()))
        .collect();
    dirs.dedup();
    for d in dirs {
        let names = match src.list(&d) {
            Ok(n) => n,
            Err(e) => {
                diags.push(e.diagnostic(&d));
                continue;
            }
        };
        for name in names.into_iter().filter(|n| n.ends_with(".txt")) {
            let file = format!("{d}/{name}");
            match src.read(&file, limits::TEXT) {
                Ok(bytes) => texts.push(BrandFile {
                    rel: file,
                    name,
                    bytes: Arc::new(bytes),
                }),
                Err(ReadError::NotAFile) => {}
                Err(e) => diags.push(e.diagnostic(&file)),
            }
        }
    }
    texts
}

/// The clear space is a fraction of the logo's height; minimum sizes are positive.
fn check_rules(brand: &Brand, rel: &Path, diags: &mut Diagnostics) {
    let cs = brand.rules.clear_space;
    if !(0.0..=2.0).contains(&cs) {
        diags.push(Diagnostic::error(
            rel,
            format!("rules.clear_space: {cs} is not a fraction of the logo's height (write a number between 0 and 2, e.g. 0.5)"),
        ));
    }
    for (i, m) in brand.rules.min_size.iter().enumerate() {
        if !(m.print_mm > 0.0 && m.print_mm < 10_000.0) || m.screen_px == 0 {
            diags.push(Diagnostic::error(
                rel,
                format!("rules.min_size[{i}]: print_mm and screen_px must be positive"),
            ));
        }
    }
}

/// A file of `narrative/media/`.
#[derive(Debug, Clone)]
pub struct MediaFile {
    /// Path inside `narrative/media/`, `/`-separated (`manifeste.fr.vtt`).
    pub name: String,
    /// Contents.
    pub bytes: Arc<Vec<u8>>,
    /// The cues of a `.vtt` file, checked.
    pub cues: Option<Vec<crate::vtt::Cue>>,
}

/// Reads `narrative/media/`: every file is published as it is; captions (`.vtt`) are
/// checked, and a bad one is an error naming its line.
fn load_media(src: &Sources, dir: &Path, diags: &mut Diagnostics) -> Vec<MediaFile> {
    let mut out = Vec::new();
    for e in src.walk(dir) {
        let e = match e {
            Ok(e) => e,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let bytes = match src.read_entry(&e, limits::MEDIA) {
            Ok(b) => b,
            Err(err) => {
                diags.push(err.diagnostic(&e.rel));
                continue;
            }
        };
        let (name, shown) = (e.name, e.rel);
        // Captions (shown as transcripts) and the photo library's captions and credits.
        if name.ends_with(".vtt") || name.ends_with(".yaml") {
            src.note_text(&String::from_utf8_lossy(&bytes));
        }
        let cues = if name.ends_with(".vtt") {
            match std::str::from_utf8(&bytes)
                .map_err(|_| crate::vtt::VttError {
                    line: 1,
                    message: "captions must be UTF-8 text".into(),
                })
                .and_then(crate::vtt::parse)
            {
                Ok(c) => Some(c),
                Err(v) => {
                    diags.push(Diagnostic::error(&shown, v.message).at_line(v.line));
                    None
                }
            }
        } else {
            None
        };
        out.push(MediaFile {
            name,
            bytes: Arc::new(bytes),
            cues,
        });
    }
    out
}

/// Reads and parses one Markdown source (`path` relative to `root`).
fn load_source(
    src: &Sources,
    lang: &str,
    rel: &str,
    path: &Path,
    found: Option<&Entry>,
    tax_names: &[&str],
) -> (Option<SourcePage>, Diagnostics) {
    let mut d = Diagnostics::new();
    let read = match found {
        Some(e) => src.read_entry_text(e, limits::MARKDOWN),
        None => src.read_text(path, limits::MARKDOWN),
    };
    let text = match read {
        Ok(t) => t,
        Err(e) => {
            d.push(e.diagnostic(path));
            return (None, d);
        }
    };
    let hash = *blake3::hash(text.as_bytes()).as_bytes();
    let s = match split(&text) {
        Ok(s) => s,
        Err(msg) => {
            d.push(Diagnostic::error(path, msg).at(1, 1));
            return (None, d);
        }
    };
    let front = parse_front_matter(s.yaml, s.yaml_line_offset, path, tax_names, &mut d);
    let mut fh = blake3::Hasher::new();
    fh.update(lang.as_bytes());
    fh.update(b"\0");
    fh.update(rel.as_bytes());
    fh.update(b"\0");
    fh.update(s.yaml.as_bytes());
    let front_hash = *fh.finalize().as_bytes();
    if front.title.is_none() && !d.has_errors() {
        d.push(Diagnostic::error(path, "missing field 'title'").at(1, 1));
    }
    let page = SourcePage {
        lang: lang.to_string(),
        rel: rel.to_string(),
        path: path.to_path_buf(),
        is_section: rel == "_index.md" || rel.ends_with("/_index.md"),
        front,
        body: s.body.to_string(),
        body_line_offset: s.body_line_offset,
        hash,
        front_hash,
        chars: crate::charset::beyond_ascii(&text),
        bundle: Vec::new(),
        plain: None,
    };
    let mut page = page;
    page.plain = page.bundle_dir().map(|d| format!("{d}.md").into());
    if page.bundle_dir().is_some() {
        load_bundle(src, &mut page, &mut d);
    }
    (Some(page), d)
}

/// Reads the files of a page bundle's folder (but Markdown files and the folders of
/// bundles inside it) and folds them into the page's hash, so that a new picture
/// renders the page again.
fn load_bundle(src: &Sources, page: &mut SourcePage, d: &mut Diagnostics) {
    let Some(dir) = page.bundle_dir() else {
        return;
    };
    let folder = Path::new("narrative").join(&page.lang).join(dir);
    let entries: Vec<Entry> = src
        .walk(&folder)
        .into_iter()
        .filter_map(|e| match e {
            Ok(e) => Some(e),
            Err(diag) => {
                d.push(diag);
                None
            }
        })
        .collect();
    // Folders holding a page of their own are other bundles or sections.
    let inner: Vec<&str> = entries
        .iter()
        .filter(|e| e.name.ends_with(".md"))
        .filter_map(|e| e.name.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    let mut h = blake3::Hasher::new();
    h.update(&page.hash);
    for e in &entries {
        let nested = inner.iter().any(|i| e.name.starts_with(&format!("{i}/")));
        if e.name.ends_with(".md") || nested {
            continue;
        }
        match src.read_entry(e, limits::MEDIA) {
            Ok(bytes) => {
                h.update(e.name.as_bytes());
                h.update(b"\0");
                h.update(blake3::hash(&bytes).as_bytes());
                page.bundle.push(BundleFile {
                    name: e.name.clone(),
                    path: e.rel.clone(),
                    bytes: Arc::new(bytes),
                });
            }
            Err(err) => d.push(err.diagnostic(&e.rel)),
        }
    }
    page.hash = *h.finalize().as_bytes();
}

/// A page that may show pictures of `narrative/media/` (its text names `media/`) renders
/// again when they change: their hash is part of its own.
fn with_media(mut page: SourcePage, data_hash: &[u8; 32]) -> SourcePage {
    if page.body.contains("media/") {
        let mut h = blake3::Hasher::new();
        h.update(&page.hash);
        h.update(data_hash);
        page.hash = *h.finalize().as_bytes();
    }
    page
}

/// Files of a language folder that belong to no page bundle are not published: a
/// warning names each, and says how to publish it.
fn stray_files(pages: &[Arc<SourcePage>], others: &[(String, Entry)], d: &mut Diagnostics) {
    let bundled: rustc_hash::FxHashSet<&Path> = pages
        .iter()
        .flat_map(|p| p.bundle.iter().map(|b| b.path.as_path()))
        .collect();
    for (_, e) in others {
        if bundled.contains(e.rel.as_path()) {
            continue;
        }
        d.push(Diagnostic::warning(
            &e.rel,
            "not published: a file beside pages is published only in a page bundle (a folder with an index.md, the page, and its files beside it) or in narrative/media/",
        ));
    }
}

/// The source as the site sees it: drafts are left out unless asked for.
fn published(p: Option<SourcePage>, opts: LoadOptions) -> Option<Arc<SourcePage>> {
    p.filter(|p| opts.drafts || !p.front.draft).map(Arc::new)
}

/// Sorts sources by language order then path, and checks that no two sources of one
/// language share a translation key.
fn sort_and_check_pages(pages: &mut [Arc<SourcePage>], codes: &[String], diags: &mut Diagnostics) {
    let lang_order = |code: &str| codes.iter().position(|c| c == code).unwrap_or(usize::MAX);
    pages.sort_by(|a, b| (lang_order(&a.lang), &a.rel).cmp(&(lang_order(&b.lang), &b.rel)));
    // Looked up once per page at each reload of a session: hashed fast.
    let mut keys = rustc_hash::FxHashSet::default();
    keys.reserve(pages.len());
    for p in pages.iter() {
        if !keys.insert((p.lang.as_str(), p.translation_key())) {
            diags.push(Diagnostic::error(
                &p.path,
                format!(
                    "translation_key '{}' is used by another page of the same language",
                    p.translation_key()
                ),
            ));
        }
    }
}

/// Reloads `prev` after a change to `changed` (absolute paths). When every change is a
/// Markdown file under `narrative/<lang>/`, only those files are read again; anything
/// else (config, theme, brand, folders) loads the whole project. This is what keeps a
/// one-page edit fast on a large site.
pub fn reload_project(
    prev: &Project,
    changed: &[PathBuf],
    opts: LoadOptions,
) -> Result<Project, Diagnostics> {
    match reload_project_with_errors(prev, changed, opts) {
        (Some(project), d) if !d.has_errors() => Ok(project),
        (_, d) => Err(d),
    }
}

/// [`reload_project`], giving every problem found, and the project also when its only
/// errors are in the pages read again (as [`load_project_with_errors`] does).
pub fn reload_project_with_errors(
    prev: &Project,
    changed: &[PathBuf],
    opts: LoadOptions,
) -> (Option<Project>, Diagnostics) {
    let root = &prev.root;
    let codes: Vec<String> = prev.languages.iter().map(|l| l.code.clone()).collect();
    let mut targets = Vec::new();
    for c in changed {
        let Ok(rel) = c.strip_prefix(root) else {
            return load_project_with_errors(root, opts);
        };
        let parts: Vec<String> = rel
            .components()
            .map(|x| x.as_os_str().to_string_lossy().into_owned())
            .collect();
        let is_page = parts.len() >= 3
            && parts[0] == "narrative"
            && codes.contains(&parts[1])
            && parts[parts.len() - 1].ends_with(".md")
            && !c.is_dir()
            && !std::fs::symlink_metadata(c).is_ok_and(|m| m.file_type().is_symlink());
        // A file that came and went (an editor's or a tool's temporary file) and that
        // held no page changes nothing.
        let vanished = !c.exists() && !prev.pages.iter().any(|p| p.path.starts_with(rel));
        if vanished && !rel.to_string_lossy().ends_with(".md") {
            continue;
        }
        if !is_page {
            return load_project_with_errors(root, opts);
        }
        targets.push((parts[1].clone(), parts[2..].join("/"), rel.to_path_buf()));
    }
    let tax_names: Vec<&str> = prev
        .config
        .taxonomies
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    let mut diags = Diagnostics::new();
    let mut pages = prev.pages.clone();
    // A fresh reader: a folder checked before may have become a link since.
    let src = match Sources::new(root) {
        Ok(s) => s,
        Err(_) => return load_project_with_errors(root, opts),
    };
    let mut unread = false;
    for (lang, rel, path) in targets {
        pages.retain(|p| !(p.lang == lang && p.rel == rel));
        if std::fs::symlink_metadata(root.join(&path)).is_ok() {
            let (p, d) = load_source(&src, &lang, &rel, &path, None, &tax_names);
            diags.extend(d);
            unread |= p.is_none();
            pages.extend(published(p.map(|p| with_media(p, &prev.data_hash)), opts));
        }
    }
    let errors_of_pages = diags.errors().count();
    sort_and_check_pages(&mut pages, &codes, &mut diags);
    diags.sort();
    // Only the pages' own errors (each read): the project is given for the build to
    // find the rest, as a full load does.
    let pages_only = !unread && diags.errors().count() == errors_of_pages;
    if diags.has_errors() && !pages_only {
        return (None, diags);
    }
    let mut warnings = prev.warnings.clone();
    warnings.extend(diags.clone());
    warnings.sort();
    let project = Project {
        pages,
        warnings,
        ..prev.clone()
    };
    if diags.has_errors() {
        (Some(project), diags)
    } else {
        (Some(project), Diagnostics::new())
    }
}

/// Loads and validates the project at `root`. On failure, returns every error found
/// (warnings included); on success the warnings are in [`Project::warnings`].
pub fn load_project(root: &Path, opts: LoadOptions) -> Result<Project, Diagnostics> {
    match load_project_with_errors(root, opts) {
        (Some(project), d) if !d.has_errors() => Ok(project),
        (_, d) => Err(d),
    }
}

/// Loads the project at `root` and gives every problem found. The project is given
/// when it loaded, and also when its only errors are in pages' front matter (a typo,
/// a bad date): then the build can go on to find the problems of its later steps
/// (broken links, missing pictures) and report them all at once; it must not write
/// anything.
pub fn load_project_with_errors(root: &Path, opts: LoadOptions) -> (Option<Project>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let Some((src, config_text, config)) = read_config(root, &mut diags) else {
        return (None, diags);
    };
    let languages = resolve_languages(&config, &mut diags);
    if config.theme.is_empty()
        || config.theme.contains(['/', '\\'])
        || config.theme == "."
        || config.theme == ".."
    {
        diags.push(Diagnostic::error(
            "marque.yaml",
            format!(
                "theme '{}' must be the name of a folder in themes/ (no '/' or '..')",
                config.theme
            ),
        ));
        return (None, diags);
    }
    let codes: Vec<String> = languages.iter().map(|l| l.code.clone()).collect();
    let theme: Theme = load_theme(&src, &config.theme, &codes, &mut diags);
    let errors_before = diags.errors().count();
    let brand = load_brand(&src, &mut diags);
    let colors: Vec<&str> = brand.colors.iter().map(|c| c.id.as_str()).collect();
    // A brand file that did not load has no colours: the kits' accents are checked
    // against it only once it loads (else every kit would be blamed for its error).
    let brand_loaded = diags.errors().count() == errors_before;
    let kits = crate::kits::load_kits(
        &src,
        &codes,
        brand_loaded.then_some(colors.as_slice()),
        &mut diags,
    );
    let narrative = read_narrative(&src, &codes, &mut diags);
    let tax_names: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
    let results: Vec<(Option<SourcePage>, Diagnostics)> = narrative
        .sources
        .par_iter()
        .map(|(lang, e)| load_source(&src, lang, &e.name, &e.rel, Some(e), &tax_names))
        .collect();
    let data = data_hash(&narrative);
    let mut pages = Vec::with_capacity(results.len());
    let errors_before_pages = diags.errors().count();
    let mut unread = false;
    for (p, d) in results {
        diags.extend(d);
        unread |= p.is_none();
        pages.extend(published(p.map(|p| with_media(p, &data)), opts));
    }
    let errors_after_pages = diags.errors().count();
    sort_and_check_pages(&mut pages, &codes, &mut diags);
    stray_files(&pages, &narrative.others, &mut diags);
    let photos = load_photos(&narrative.media, &config.default_language, &mut diags);
    diags.sort();
    // Only pages' own errors (every page read, nothing else wrong): the project is
    // still given, for the build to find the rest.
    let pages_only =
        errors_before_pages == 0 && !unread && diags.errors().count() == errors_after_pages;
    if diags.has_errors() && !pages_only {
        return (None, diags);
    }
    let default_language = config.default_language.clone();
    let fallback_language = config
        .fallback_language
        .clone()
        .unwrap_or_else(|| default_language.clone());
    let had_errors = diags.has_errors();
    let project = Project {
        root: root.to_path_buf(),
        config_hash: *blake3::hash(config_text.as_bytes()).as_bytes(),
        config,
        languages,
        default_language,
        fallback_language,
        pages,
        theme,
        brand,
        kits,
        data_hash: data,
        photos,
        media: narrative.media,
        indicators: narrative.indicators,
        base_maps: narrative.base_maps,
        text_chars: Arc::new(src.text_chars()),
        warnings: diags,
    };
    if !had_errors {
        (Some(project), Diagnostics::new())
    } else {
        let all = project.warnings.clone();
        (Some(project), all)
    }
}

/// The project's reader and its `marque.yaml`, as text and parsed; `None` when there is
/// no project at `root` or its configuration does not parse (the errors are in
/// `diags`).
fn read_config(root: &Path, diags: &mut Diagnostics) -> Option<(Sources, String, Config)> {
    let no_project = |diags: &mut Diagnostics| {
        diags.push(Diagnostic::error(
            root.join("marque.yaml"),
            format!(
                "no marque.yaml in {}: is this a marque project? (marque new DIR creates one)",
                root.display()
            ),
        ));
    };
    let Ok(src) = Sources::new(root) else {
        no_project(diags);
        return None;
    };
    let config_text = match src.read_text("marque.yaml", limits::YAML) {
        Ok(t) => t,
        Err(ReadError::Missing) => {
            no_project(diags);
            return None;
        }
        Err(e) => {
            diags.push(e.diagnostic("marque.yaml"));
            return None;
        }
    };
    diags.0.extend(yaml::check_control_chars(
        &config_text,
        Path::new("marque.yaml"),
        0,
    ));
    match yaml::parse::<Config>(&config_text, Path::new("marque.yaml"), 0) {
        Ok(mut config) => {
            config.menu_positions = crate::config::MenuPositions::read(&config_text);
            Some((src, config_text, config))
        }
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// What `narrative/` holds: the Markdown sources of each language, the media files,
/// the indicators and base maps of `data/`.
#[derive(Default)]
struct Narrative {
    /// Language code and file of every Markdown source.
    sources: Vec<(String, Entry)>,
    /// Every other file of the language folders (bundles' files, or stray ones).
    others: Vec<(String, Entry)>,
    media: Vec<MediaFile>,
    indicators: Vec<crate::indicators::Indicator>,
    base_maps: Vec<crate::geo::BaseMap>,
}

/// Finds the Markdown sources of `narrative/<lang>/` and reads the shared folders
/// (`media/`, `data/`); anything else there is an error.
fn read_narrative(src: &Sources, codes: &[String], diags: &mut Diagnostics) -> Narrative {
    let mut found = Narrative::default();
    let narrative = Path::new("narrative");
    if !(src.is_dir(narrative) || matches!(src.locate(narrative), Err(ReadError::Outside { .. }))) {
        diags.push(Diagnostic::warning(
            "narrative",
            "no narrative/ folder: the site has no pages",
        ));
        return found;
    }
    let names = match src.list(narrative) {
        Ok(n) => n,
        Err(e) => {
            diags.push(e.diagnostic(narrative));
            Vec::new()
        }
    };
    for name in names {
        let rel_dir = narrative.join(&name);
        match src.locate(&rel_dir) {
            Ok(p) if p.is_dir() => {}
            Ok(_) => {
                diags.push(Diagnostic::error(
                    &rel_dir,
                    "files directly in narrative/ belong to no language: move it to narrative/<lang>/",
                ));
                continue;
            }
            Err(e) => {
                diags.push(e.diagnostic(&rel_dir));
                continue;
            }
        }
        if name == "media" {
            found.media = load_media(src, &rel_dir, diags);
        } else if name == "data" {
            found.indicators = crate::indicators::load(src, &rel_dir, diags);
            found.base_maps = crate::geo::load(src, &rel_dir, diags);
        } else if !codes.contains(&name) {
            let cands: Vec<&str> = codes.iter().map(String::as_str).collect();
            diags.push(Diagnostic::error(
                &rel_dir,
                format!(
                    "language '{name}' is not in marque.yaml (languages: {}){}",
                    cands.join(", "),
                    hint(&name, &cands)
                ),
            ));
        } else {
            for e in src.walk(&rel_dir) {
                match e {
                    Ok(e) if e.name.ends_with(".md") => found.sources.push((name.clone(), e)),
                    Ok(e) => found.others.push((name.clone(), e)),
                    Err(d) => diags.push(d),
                }
            }
        }
    }
    found
}

/// The hash of the media files (their names and bytes) and of the data read from
/// `narrative/data/` (the photo library is one of the media files).
fn data_hash(n: &Narrative) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    for m in &n.media {
        h.update(m.name.as_bytes());
        h.update(&(m.bytes.len() as u64).to_le_bytes());
        h.update(&m.bytes);
    }
    // Read from their files once per full load; their printed form holds every value.
    h.update(format!("{:?}", n.indicators).as_bytes());
    h.update(format!("{:?}", n.base_maps).as_bytes());
    *h.finalize().as_bytes()
}

/// The photo library of `narrative/media/photos.yaml`, when there is one.
fn load_photos(
    media: &[MediaFile],
    default_language: &str,
    diags: &mut Diagnostics,
) -> Vec<crate::photos::Photo> {
    let names: Vec<String> = media.iter().map(|m| m.name.clone()).collect();
    match media.iter().find(|m| m.name == "photos.yaml") {
        Some(m) => match crate::source::utf8(m.bytes.to_vec()) {
            Ok(text) => crate::photos::load(&text, &names, default_language, diags),
            Err(e) => {
                diags.push(e.diagnostic("narrative/media/photos.yaml"));
                Vec::new()
            }
        },
        None => Vec::new(),
    }
}
