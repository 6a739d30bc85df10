//! The headers each file of the site is stored with: its `Content-Type`, and how long
//! browsers and CDNs may keep it (`Cache-Control`).

/// How long browsers and CDNs may keep a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    /// The file's name carries a hash of its content (a new content is a new name):
    /// kept for a year, never asked again.
    Immutable,
    /// Pages, feeds, the sitemap, `robots.txt`, the search entry files and the scripts
    /// pages load by a fixed name: asked again at each visit (an unchanged file costs a
    /// `304 Not Modified`), so that a publish shows at once and a page never gets the
    /// previous version of what it loads.
    Revalidate,
    /// Downloads, pictures and media under a fixed name: kept for an hour.
    Hour,
}

impl CachePolicy {
    /// The `Cache-Control` header value.
    pub fn header(self) -> &'static str {
        match self {
            CachePolicy::Immutable => "public, max-age=31536000, immutable",
            CachePolicy::Revalidate => "public, max-age=0, must-revalidate",
            CachePolicy::Hour => "public, max-age=3600",
        }
    }
}

pub use marque_project::mime::content_type;
use marque_project::mime::{extension, name_of};

/// Whether `name` carries a hash of the content, as marque and pagefind name such
/// files: `site.b582cdda3a.css`, `inter-400-latin.d846b07d47.woff2` (ten hexadecimal
/// digits after a dot), `pagefind.fr_ccbcc55291.pf_meta`, `fr_119ce3c.pf_index`,
/// `en_4130487.pf_fragment` (pagefind's: seven or more after `_`). A shorter run after
/// a dot counts when it mixes digits and letters (`logo.3f2a9c1.svg`), so that a date
/// (`poster.2024050.png`) or a word (`brand.effaced.pdf`) does not.
fn content_hashed(name: &str) -> bool {
    let Some(dot) = name.rfind('.') else {
        return false;
    };
    let (stem, ext) = (&name[..dot], &name[dot + 1..]);
    let Some(at) = stem.rfind(['.', '_']) else {
        return false;
    };
    let h = &stem[at + 1..];
    let hex = h
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex || h.len() < 7 {
        return false;
    }
    let pagefind = ext.starts_with("pf_") && stem.as_bytes()[at] == b'_';
    let mixed = h.bytes().any(|b| b.is_ascii_digit()) && h.bytes().any(|b| b.is_ascii_alphabetic());
    pagefind || h.len() >= 10 || mixed
}

/// How long browsers and CDNs may keep the file at `rel`.
pub fn cache_policy(rel: &str) -> CachePolicy {
    let name = name_of(rel);
    match extension(rel).as_str() {
        "html" | "htm" | "xml" | "xsl" | "webmanifest" => return CachePolicy::Revalidate,
        _ if rel == "robots.txt" => return CachePolicy::Revalidate,
        _ => {}
    }
    if content_hashed(name) {
        return CachePolicy::Immutable;
    }
    match extension(rel).as_str() {
        // Scripts and styles under a fixed name (pages ask for them with `?v=`, which
        // some CDNs leave out of their cache key), the search's entry files
        // (`pagefind.js`, `pagefind-entry.json`, `wasm.fr.pagefind`), and data read
        // by scripts.
        "js" | "mjs" | "css" | "json" | "pagefind" | "wasm" => CachePolicy::Revalidate,
        _ => CachePolicy::Hour,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_tell_content_hashed_names() {
        for n in [
            "site.b582cdda3a.css",
            "inter-400-latin.d846b07d47.woff2",
            "pagefind.fr_ccbcc55291.pf_meta",
            "fr_119ce3c.pf_index",
            "ar_4fff678.pf_fragment",
            "en_4130487.pf_index",
            "logo.3f2a9c1.svg",
            "site.0123456789.css",
        ] {
            assert!(content_hashed(n), "{n}");
        }
        for n in [
            "index.html",
            "search.js",
            "poster-a4-20240508.png",
            "effaced.pdf",
            "brand-facade.zip",
            "wasm.fr.pagefind",
            "pagefind-entry.json",
            "lieu-aeroport-480.webp",
            "noext",
            "poster.2024050.png",
            "brand.effaced.pdf",
            "brand_4130487.pdf",
            ".b582cdda3a",
        ] {
            assert!(!content_hashed(n), "{n}");
        }
    }

    #[test]
    fn can_give_each_file_its_type_and_cache_policy() {
        let cases = [
            (
                "index.html",
                "text/html; charset=utf-8",
                CachePolicy::Revalidate,
            ),
            (
                "en/atom.xml",
                "application/atom+xml; charset=utf-8",
                CachePolicy::Revalidate,
            ),
            (
                "sitemap.xml",
                "application/xml; charset=utf-8",
                CachePolicy::Revalidate,
            ),
            (
                "robots.txt",
                "text/plain; charset=utf-8",
                CachePolicy::Revalidate,
            ),
            (
                "css/site.b582cdda3a.css",
                "text/css; charset=utf-8",
                CachePolicy::Immutable,
            ),
            (
                "fonts/inter-400-latin.d846b07d47.woff2",
                "font/woff2",
                CachePolicy::Immutable,
            ),
            (
                "js/search.js",
                "text/javascript; charset=utf-8",
                CachePolicy::Revalidate,
            ),
            (
                "pagefind/pagefind.js",
                "text/javascript; charset=utf-8",
                CachePolicy::Revalidate,
            ),
            (
                "pagefind/pagefind-entry.json",
                "application/json",
                CachePolicy::Revalidate,
            ),
            (
                "pagefind/wasm.fr.pagefind",
                "application/octet-stream",
                CachePolicy::Revalidate,
            ),
            (
                "pagefind/index/fr_119ce3c.pf_index",
                "application/octet-stream",
                CachePolicy::Immutable,
            ),
            (
                "downloads/logos/one-provence.pdf",
                "application/pdf",
                CachePolicy::Hour,
            ),
            (
                "downloads/fonts/OFL.txt",
                "text/plain; charset=utf-8",
                CachePolicy::Hour,
            ),
            ("media/manifeste.webm", "video/webm", CachePolicy::Hour),
            (
                "media/manifeste.fr.vtt",
                "text/vtt; charset=utf-8",
                CachePolicy::Hour,
            ),
            (
                "academie/calendar.ics",
                "text/calendar; charset=utf-8",
                CachePolicy::Hour,
            ),
            ("og.png", "image/png", CachePolicy::Hour),
            (
                "media/photos/port-480.webp",
                "image/webp",
                CachePolicy::Hour,
            ),
            ("favicon.svg", "image/svg+xml", CachePolicy::Hour),
            (
                "downloads/PALETTE.GPL",
                "text/plain; charset=utf-8",
                CachePolicy::Hour,
            ),
        ];
        for (rel, ty, cache) in cases {
            assert_eq!(content_type(rel), ty, "{rel}");
            assert_eq!(cache_policy(rel), cache, "{rel}");
        }
    }
}
