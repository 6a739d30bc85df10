//! Input limits: sizes no real project meets, set so that a hostile or broken file
//! (a 100 MB path, a decompression bomb, a million-row table) fails with a clear error
//! instead of taking the machine's memory or time. The README's "Safety" section lists
//! them; change both together.

/// The most bytes marque reads of one kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Bytes.
    pub bytes: u64,
    /// The kind of file, for messages ("a Markdown page").
    pub what: &'static str,
}

const MIB: u64 = 1024 * 1024;

/// `marque.yaml`, `brand.yaml`, `kit.yaml`, interface strings, indicators, photos.yaml.
pub const YAML: Limit = Limit {
    bytes: MIB,
    what: "a YAML file",
};
/// A Markdown page.
pub const MARKDOWN: Limit = Limit {
    bytes: 4 * MIB,
    what: "a Markdown page",
};
/// An SVG (logo, illustration, kit template, event mark, partner logo).
pub const SVG: Limit = Limit {
    bytes: 10 * MIB,
    what: "an SVG file",
};
/// A font file.
pub const FONT: Limit = Limit {
    bytes: 64 * MIB,
    what: "a font file",
};
/// A font licence or other text beside the fonts.
pub const TEXT: Limit = Limit {
    bytes: MIB,
    what: "a text file",
};
/// A raster picture (photo, PNG event mark, PNG partner logo).
pub const RASTER: Limit = Limit {
    bytes: 64 * MIB,
    what: "a picture",
};
/// Any file of `narrative/media/` (a film is the largest).
pub const MEDIA: Limit = Limit {
    bytes: 512 * MIB,
    what: "a media file",
};
/// An indicator's values (`narrative/data/<id>.csv`).
pub const CSV: Limit = Limit {
    bytes: MIB,
    what: "a CSV file",
};
/// A base map (`narrative/data/*.geojson`).
pub const GEOJSON: Limit = Limit {
    bytes: 16 * MIB,
    what: "a GeoJSON base map",
};
/// A template or stylesheet of the theme.
pub const THEME_TEXT: Limit = Limit {
    bytes: 4 * MIB,
    what: "a template or stylesheet",
};
/// A static file of the theme (copied as it is).
pub const STATIC: Limit = Limit {
    bytes: 64 * MIB,
    what: "a static file",
};

/// Rows of one indicator's CSV.
pub const CSV_ROWS: usize = 10_000;
/// Nesting of elements in an SVG.
pub const SVG_DEPTH: usize = 256;
/// Elements and text nodes in an SVG.
pub const SVG_NODES: u32 = 500_000;
/// Width or height of a picture marque decodes, in pixels.
pub const IMAGE_SIDE: u32 = 20_000;
/// Pixels of a picture marque decodes (a 100-megapixel camera is the largest there is
/// for a photo library).
pub const IMAGE_PIXELS: u64 = 120_000_000;
/// Width or height of a picture marque draws, in pixels.
pub const RASTER_SIDE: u32 = 16_384;
/// Pixels of a picture marque draws.
pub const RASTER_PIXELS: u64 = 64_000_000;
