//! `brand/brand.yaml`: the brand's data: logos, colours, typography and usage rules.
//! The site core reads the colours and the typography to give the theme its CSS custom
//! properties; the assets crate derives every downloadable file from the rest.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};

/// A brand colour.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BrandColor {
    /// Identifier used in CSS (`bleu-mediterranee` gives `--brand-bleu-mediterranee`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role: primary, secondary, accent, text, background…
    #[serde(default)]
    pub role: Option<String>,
    /// `#RRGGBB`.
    pub hex: String,
    /// CMYK as written by the designer.
    #[serde(default)]
    pub cmyk: Option<String>,
    /// Pantone reference as written by the designer.
    #[serde(default)]
    pub pantone: Option<String>,
    /// RAL reference as written by the designer.
    #[serde(default)]
    pub ral: Option<String>,
}

/// A brand typeface.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BrandFont {
    /// Family name.
    pub family: String,
    /// Role: heading, body…
    pub role: String,
    /// Weights used.
    #[serde(default)]
    pub weights: Vec<u16>,
    /// CSS fallback stack.
    #[serde(default)]
    pub fallback: Option<String>,
    /// Licence (e.g. OFL-1.1).
    #[serde(default)]
    pub licence: Option<String>,
    /// What it is used for.
    #[serde(default)]
    pub usage: Option<String>,
    /// Font files, relative to `brand/` (OpenType or TrueType, OFL only).
    #[serde(default)]
    pub files: Vec<Located>,
}

/// A string written in brand.yaml, with the line it is on (for error messages).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Located {
    /// The text.
    pub value: String,
    /// 1-based line in brand.yaml (0 when unknown).
    pub line: usize,
}

impl<'de> Deserialize<'de> for Located {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<String>::deserialize(d)?;
        Ok(Located {
            line: s.referenced.line() as usize,
            value: s.value,
        })
    }
}

/// Text written once per language (`fr: …`, `en: …`).
pub type Localized = BTreeMap<String, String>;

/// The text of `t` in `lang`, else in `default`, else any.
pub fn localized<'a>(t: &'a Localized, lang: &str, default: &str) -> &'a str {
    t.get(lang)
        .or_else(|| t.get(default))
        .or_else(|| t.values().next())
        .map(String::as_str)
        .unwrap_or("")
}

/// How a logo is laid out.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum LogoLayout {
    /// Symbol beside the wordmark.
    Horizontal,
    /// Symbol above the wordmark.
    Stacked,
    /// The symbol alone.
    Symbol,
}

impl LogoLayout {
    /// The name used in files and keys.
    pub fn as_str(self) -> &'static str {
        match self {
            LogoLayout::Horizontal => "horizontal",
            LogoLayout::Stacked => "stacked",
            LogoLayout::Symbol => "symbol",
        }
    }
}

/// The colour version of a logo.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum LogoColor {
    /// Brand colours, on light backgrounds.
    Primary,
    /// One colour, black.
    Black,
    /// One colour, white (reversed), on dark backgrounds.
    White,
}

impl LogoColor {
    /// The name used in files and keys.
    pub fn as_str(self) -> &'static str {
        match self {
            LogoColor::Primary => "primary",
            LogoColor::Black => "black",
            LogoColor::White => "white",
        }
    }
}

/// One logo variant, as written in brand.yaml.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Logo {
    /// Identifier, used in file names (`horizontal-primary`).
    pub id: String,
    /// Layout.
    pub layout: LogoLayout,
    /// Colour version.
    pub color: LogoColor,
    /// The master SVG, relative to `brand/`.
    pub file: Located,
}

/// The minimum size of one logo layout.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MinSize {
    /// Layout this applies to.
    pub layout: LogoLayout,
    /// Smallest printed width, in millimetres.
    pub print_mm: f64,
    /// Smallest width on screen, in CSS pixels.
    pub screen_px: u32,
}

/// Whether a usage example is to follow or to avoid.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum UsageKind {
    /// To do.
    Do,
    /// Not to do.
    Dont,
}

/// A do or a don't: a short text per language and an SVG illustration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UsageRule {
    /// Do or don't.
    pub kind: UsageKind,
    /// The rule, per language.
    pub text: Localized,
    /// SVG illustration, relative to `brand/`.
    pub image: Located,
}

/// How the logo may be used.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Empty space to keep around the logo on every side, as a fraction of the logo's
    /// height.
    #[serde(default)]
    pub clear_space: f64,
    /// Minimum sizes per layout.
    #[serde(default)]
    pub min_size: Vec<MinSize>,
    /// Do's and don'ts.
    #[serde(default)]
    pub usage: Vec<UsageRule>,
    /// Co-branding: who comes first, in order (public bodies first, then partners).
    #[serde(default)]
    pub cobranding: Vec<Localized>,
}

/// A file named in brand.yaml, read at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandFile {
    /// Path relative to the project root, with `/` separators (`brand/logos/x.svg`).
    pub rel: String,
    /// File name.
    pub name: String,
    /// Contents.
    pub bytes: Arc<Vec<u8>>,
}

/// The brand, as far as the site core needs it.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    /// The brand's name.
    #[serde(default)]
    pub name: String,
    /// Colours.
    #[serde(default)]
    pub colors: Vec<BrandColor>,
    /// Typefaces.
    #[serde(default)]
    pub typography: Vec<BrandFont>,
    /// Logo variants.
    #[serde(default)]
    pub logos: Vec<Logo>,
    /// Usage rules.
    #[serde(default)]
    pub rules: Rules,
    /// Licence of the logos and rules illustrations, as shown in pack manifests.
    #[serde(default)]
    pub licence: Option<String>,
    /// The files named above, read at load time: logo id → master.
    #[serde(skip)]
    pub logo_files: BTreeMap<String, BrandFile>,
    #[serde(skip)]
    /// Font files, in the order of `typography` (each file once), then the licence
    /// texts (`*.txt`) found beside them.
    pub font_files: Vec<BrandFile>,
    /// Usage illustrations, in the order of `rules.usage`.
    #[serde(skip)]
    pub rule_files: Vec<BrandFile>,
    /// blake3 of brand.yaml and every file it names: what the brand set is made from.
    #[serde(skip)]
    pub hash: [u8; 32],
}

/// Parses `#RGB` or `#RRGGBB` into its channels.
pub fn parse_hex(s: &str) -> Option<[u8; 3]> {
    let h = s.strip_prefix('#')?;
    let digits: Vec<u8> = h
        .chars()
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()?;
    match digits.len() {
        3 => Some([digits[0] * 17, digits[1] * 17, digits[2] * 17]),
        6 => Some([
            digits[0] * 16 + digits[1],
            digits[2] * 16 + digits[3],
            digits[4] * 16 + digits[5],
        ]),
        _ => None,
    }
}

/// True when `id` can be used in a CSS custom property name.
pub fn is_css_ident(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_parse_hex() {
        assert_eq!(parse_hex("#0A3D62"), Some([10, 61, 98]));
        assert_eq!(parse_hex("#fff"), Some([255, 255, 255]));
        assert_eq!(parse_hex("blue"), None);
        assert_eq!(parse_hex("#12345"), None);
    }
}
