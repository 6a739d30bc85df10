//! The `Content-Type` of every kind of file a site holds, by its name: one table for
//! `marque serve` and `marque publish`, so that a file is sent the same way by both.

/// The file name of `rel` (its last `/`-separated segment).
pub fn name_of(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// The extension of `rel`'s file name, lowercase (`""` when it has none).
pub fn extension(rel: &str) -> String {
    let name = name_of(rel);
    match name.rfind('.') {
        Some(i) if i > 0 => name[i + 1..].to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// The `Content-Type` of a file of the site, from its name: every kind of file marque
/// makes or copies has its own; anything else is `application/octet-stream`.
pub fn content_type(rel: &str) -> &'static str {
    let name = name_of(rel);
    match extension(rel).as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        // Feeds are Atom; the sitemap and anything else in XML is XML.
        "xml" if name == "atom.xml" || name.ends_with(".atom.xml") => {
            "application/atom+xml; charset=utf-8"
        }
        "xml" if name == "rss.xml" => "application/rss+xml; charset=utf-8",
        "xml" | "xsl" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "vcf" => "text/vcard; charset=utf-8",
        "vtt" => "text/vtt; charset=utf-8",
        "scss" => "text/x-scss; charset=utf-8",
        // GIMP palette: text.
        "gpl" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "webm" => "video/webm",
        "mp4" | "m4v" => "video/mp4",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        "wasm" => "application/wasm",
        "geojson" => "application/geo+json",
        // Adobe swatch exchange; pagefind's index files (already gzipped: they are
        // read by its script as they are, and must not be sent with a
        // Content-Encoding).
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_give_each_kind_of_file_its_type() {
        for (f, t) in [
            ("a.html", "text/html; charset=utf-8"),
            ("a.css", "text/css; charset=utf-8"),
            ("a.js", "text/javascript; charset=utf-8"),
            ("a.svg", "image/svg+xml"),
            ("a.png", "image/png"),
            ("A.PNG", "image/png"),
            ("a.webp", "image/webp"),
            ("a.pdf", "application/pdf"),
            ("a.zip", "application/zip"),
            ("a.vtt", "text/vtt; charset=utf-8"),
            ("a.ics", "text/calendar; charset=utf-8"),
            ("sitemap.xml", "application/xml; charset=utf-8"),
            ("en/atom.xml", "application/atom+xml; charset=utf-8"),
            ("a.json", "application/json"),
            (
                "pagefind/index/fr_119ce3c.pf_index",
                "application/octet-stream",
            ),
            ("README", "application/octet-stream"),
            (".hidden", "application/octet-stream"),
        ] {
            assert_eq!(content_type(f), t, "{f}");
        }
    }
}
