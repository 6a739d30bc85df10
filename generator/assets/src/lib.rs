//! Derived files: the theme's CSS bundled and minified by lightningcss with the brand's
//! custom properties in front, design tokens, sanitised SVG, PNG and PDF renderings,
//! reproducible archives, the cache of derived files, and content hashes for
//! cache-busting asset URLs.

#![forbid(unsafe_code)]

pub mod archive;
pub mod cache;
pub mod css;
pub mod ics;
pub mod raster;
pub mod svg;
pub mod text;
pub mod tokens;
pub mod webfont;

/// The first `n` hex digits of the blake3 hash of `bytes`.
pub fn short_hash(bytes: &[u8], n: usize) -> String {
    let hex = blake3::hash(bytes).to_hex();
    hex[..n.min(hex.len())].to_string()
}
