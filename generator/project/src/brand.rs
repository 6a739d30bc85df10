//! `brand/brand.yaml`: the brand's data. The site core reads the colours and the
//! typography to give the theme its CSS custom properties.

use serde::Deserialize;

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
}

/// The brand, as far as the site core needs it.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
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
