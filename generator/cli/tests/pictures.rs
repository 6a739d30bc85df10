//! Pictures in articles: page bundles (a page written as `<folder>/index.md` with its
//! files beside it), images with their size and responsive sizes, figures with a
//! caption, and located errors for a missing picture or a missing alternative text.

mod common;

use common::*;
use std::path::Path;

/// A PNG of `w` × `h` pixels, a gradient (so that its sizes are real pictures).
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        let mut writer = enc.write_header().unwrap();
        let data: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i % w * 255 / w) as u8, 61, 92])
            .collect();
        writer.write_image_data(&data).unwrap();
    }
    out
}

fn put(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// The basic fixture with its first news item turned into a bundle holding pictures.
fn bundled() -> tempfile::TempDir {
    let dir = fixture("basic");
    let root = dir.path();
    std::fs::remove_file(root.join("narrative/fr/news/one.md")).unwrap();
    write(
        root,
        "narrative/fr/news/one/index.md",
        "---\ntitle: Première nouvelle\ndate: 2024-01-25\n---\nUne sortie en mer.\n\n\
         ![Le bateau quitte le Vieux-Port](bateau.png \"Le départ : 8 h du matin\")\n\n\
         Un détail ![Une bouée rouge](bouee.png) en ligne, et un filet ![decorative](vague.svg).\n",
    );
    put(root, "narrative/fr/news/one/bateau.png", &png(1200, 600));
    put(root, "narrative/fr/news/one/bouee.png", &png(200, 100));
    put(
        root,
        "narrative/fr/news/one/vague.svg",
        br#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="20" onload="alert(1)"><path d="M0 10h120"/><script>alert(2)</script></svg>"#,
    );
    put(
        root,
        "narrative/fr/news/one/programme.pdf",
        b"%PDF-1.4\n%%EOF\n",
    );
    dir
}

#[test]
fn a_page_bundle_is_published_with_its_files_and_sized_pictures() {
    let dir = bundled();
    let root = dir.path();
    // Not translated yet: English shows the French page.
    std::fs::remove_file(root.join("narrative/en/news/one.md")).unwrap();
    let report = build_ok(root, &[]);
    // The bundle is the page at its folder's address, not a section with a page at
    // …/index/.
    let html = read(root, "news/one/index.html");
    assert!(!root.join("output/news/one/index/index.html").exists());
    assert!(html.contains("Première nouvelle"));
    // Its files beside it, the SVG sanitised.
    for f in ["bateau.png", "bouee.png", "vague.svg", "programme.pdf"] {
        assert!(
            root.join("output/news/one").join(f).exists(),
            "{f}: {report}"
        );
    }
    let svg = read(root, "news/one/vague.svg");
    assert!(!svg.contains("script") && !svg.contains("onload"), "{svg}");
    // The figure: WebP and JPEG sizes never wider than the original, width and height,
    // the caption with French typography.
    let figure = &html[html.find("<figure>").expect("a figure")..];
    let figure = &figure[..figure.find("</figure>").unwrap()];
    assert!(figure.contains("<source type=\"image/webp\" srcset=\"/news/one/bateau-480w.webp 480w, /news/one/bateau-960w.webp 960w, /news/one/bateau-1200w.webp 1200w\""), "{figure}");
    assert!(figure.contains("width=\"1200\" height=\"600\""), "{figure}");
    assert!(
        figure.contains("alt=\"Le bateau quitte le Vieux-Port\""),
        "{figure}"
    );
    assert!(
        figure.contains("<figcaption>Le départ\u{202f}: 8 h du matin</figcaption>"),
        "{figure}"
    );
    assert!(!figure.contains("1920w"));
    for f in ["bateau-480w.webp", "bateau-960w.jpg", "bateau-1200w.jpg"] {
        let b = std::fs::read(root.join("output/news/one").join(f)).unwrap();
        assert!(b.len() > 100, "{f}");
    }
    let jpeg = std::fs::read(root.join("output/news/one/bateau-480w.jpg")).unwrap();
    assert_eq!(&jpeg[..2], b"\xFF\xD8", "a JPEG");
    // The inline picture stays in its paragraph; the decorative one has alt="".
    assert!(html.contains("Un détail <picture>"), "{html}");
    assert!(html.contains("width=\"200\" height=\"100\" alt=\"Une bouée rouge\""));
    assert!(html.contains("src=\"/news/one/vague.svg\" width=\"120\" height=\"20\" alt=\"\""));
    // No "no width and height" warning is left to fix.
    assert!(!report.contains("width and height"), "{report}");
    // The English fallback copy shows the same pictures, by their French address.
    let en = read(root, "en/updates/one/index.html");
    assert!(en.contains("src=\"/news/one/bateau-960w.jpg\""), "{en}");
    // A second build makes no size again.
    let again = build_ok(root, &[]);
    assert!(again.contains("derived files: 0 made"), "{again}");
}

#[test]
fn a_translation_in_a_plain_file_pairs_with_a_bundle_and_shares_its_pictures() {
    let dir = bundled();
    let root = dir.path();
    // The English page is a plain file; links to the French page by its old path
    // still resolve.
    write(
        root,
        "narrative/en/news/one.md",
        "---\ntitle: First news\ndate: 2024-01-25\n---\nA boat trip.\n\n![The boat leaves the Old Port](bateau.png)\n",
    );
    let report = build_ok(root, &[]);
    assert!(!report.contains("two pages have the URL"), "{report}");
    let en = read(root, "en/updates/one/index.html");
    assert!(en.contains("alt=\"The boat leaves the Old Port\""), "{en}");
    assert!(en.contains("/news/one/bateau-960w.jpg"), "{en}");
    // The French page links to the English one as its translation.
    assert!(read(root, "news/one/index.html").contains("hreflang=\"en\""));
}

#[test]
fn a_missing_picture_or_alt_text_is_an_error_at_its_line_and_column() {
    let dir = bundled();
    let root = dir.path();
    build_ok(root, &[]);
    let page = "narrative/fr/news/one/index.md";
    let text = std::fs::read_to_string(root.join(page)).unwrap();
    // A typo in a bundle file's name, a picture with no alternative text, a picture
    // of narrative/media/ that is not there, and one beside a plain page.
    write(
        root,
        page,
        &format!(
            "{text}\nLà : ![Le bateau](bateua.png)\n\n![](bouee.png)\n\n![Une côte](/media/cote.jpg)\n"
        ),
    );
    write(
        root,
        "narrative/fr/about.md",
        &format!(
            "{}\n![Une côte](cote.png)\n",
            std::fs::read_to_string(root.join("narrative/fr/about.md")).unwrap()
        ),
    );
    put(root, "narrative/fr/cote.png", &png(10, 10));
    let lines = text.lines().count();
    fails_with(
        root,
        &[
            &format!(
                "{page}:{}:6: error: image 'bateua.png': there is no file bateua.png in the page's bundle",
                lines + 2
            ),
            "(did you mean 'bateau.png'?)",
            &format!(
                "{page}:{}:1: error: image 'bouee.png' has no alternative text",
                lines + 4
            ),
            "![decorative](bouee.png)",
            &format!(
                "{page}:{}:1: error: image '/media/cote.jpg': there is no file narrative/media/cote.jpg",
                lines + 6
            ),
            "narrative/fr/about.md:",
            "a picture beside a page is found only in a page bundle: move the page to narrative/fr/about/index.md",
        ],
    );
    let o = build(root, &[]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn hostile_bundle_files_are_errors_naming_the_file() {
    let dir = bundled();
    let root = dir.path();
    build_ok(root, &[]);
    // A PNG that claims to be huge (a decompression bomb), a cut one, a text file
    // named .png, an SVG that is not UTF-8.
    for (name, bytes) in [
        ("bateau.png", {
            let mut b = png(4, 4);
            // The IHDR width and height: 100,000 × 100,000.
            b[16..20].copy_from_slice(&100_000u32.to_be_bytes());
            b[20..24].copy_from_slice(&100_000u32.to_be_bytes());
            b
        }),
        ("bateau.png", png(1200, 600)[..60].to_vec()),
        ("bouee.png", b"not a picture".to_vec()),
        ("vague.svg", b"\xff\xfe<svg/>".to_vec()),
    ] {
        let good = std::fs::read(root.join("narrative/fr/news/one").join(name)).unwrap();
        put(root, &format!("narrative/fr/news/one/{name}"), &bytes);
        let before = tree(&root.join("output"));
        let o = build(root, &[]);
        let err = text(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains(&format!("narrative/fr/news/one/{name}")),
            "{name}: {err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(
            before,
            tree(&root.join("output")),
            "{name}: the output is intact"
        );
        put(root, &format!("narrative/fr/news/one/{name}"), &good);
    }
    // A stray file beside a plain page is not published, and a warning says so.
    put(root, "narrative/fr/news/photo.png", &png(10, 10));
    let report = build_ok(root, &[]);
    assert!(
        report.contains("narrative/fr/news/photo.png: warning: not published"),
        "{report}"
    );
    assert!(!root.join("output/news/photo.png").exists());
}
