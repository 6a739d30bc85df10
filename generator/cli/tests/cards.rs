//! Social cards: every page names an Open Graph image that exists, is 1200 × 630 and is
//! drawn again only when what it shows changes.

mod common;

use common::*;

fn og_image(html: &str) -> Option<String> {
    let at = html.find("<meta property=\"og:image\" content=\"")? + 35;
    Some(html[at..].split('"').next()?.to_string())
}

#[test]
fn every_page_has_its_social_card() {
    let dir = bundled_copy();
    let root = dir.path();
    build_ok(root, &[]);
    let out = root.join("output");
    let pages: Vec<String> = tree(&out)
        .keys()
        .filter(|k| k.ends_with("index.html") && !k.starts_with("downloads/"))
        .cloned()
        .collect();
    assert!(pages.len() > 60);
    for p in &pages {
        let html = read(root, p);
        if html.contains("<meta http-equiv=\"refresh\"") {
            // `page/1/` and former addresses only send the visitor on.
            continue;
        }
        let url = og_image(&html).unwrap_or_else(|| panic!("{p} has no og:image"));
        let rel = url
            .strip_prefix("https://www.oneprovence.fr/")
            .unwrap_or_else(|| panic!("{p}: {url} is not absolute"));
        if p.contains("tags/") {
            // Taxonomy pages show their language's card.
            let lang = if p.starts_with("en/") || p.starts_with("ar/") {
                &p[..3]
            } else {
                ""
            };
            assert_eq!(rel, format!("{lang}og.png"), "{p}");
        } else if let Some((section, _)) = p.split_once("page/") {
            // The further pages of a list show their section's card.
            assert_eq!(rel, format!("{section}og.png"), "{p}");
        } else {
            assert_eq!(rel, p.replace("index.html", "og.png"), "{p}");
        }
        let png = std::fs::read(out.join(rel)).unwrap();
        let d = png::Decoder::new(std::io::Cursor::new(png));
        let info = d.read_info().unwrap();
        assert_eq!(
            (info.info().width, info.info().height),
            (1200, 630),
            "{rel}"
        );
        assert!(html.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));
    }
    // A page's card changes with its title, and only that card is drawn again.
    let again = build_ok(root, &[]);
    assert!(again.contains("derived files: 0 made (none)"), "{again}");
    let before = std::fs::read(out.join("en/manifesto/og.png")).unwrap();
    edit(root, "narrative/en/manifeste.md", "title: ", "title: Our ");
    let third = build_ok(root, &[]);
    assert!(third.contains("derived files: 1 made (card 1)"), "{third}");
    assert_ne!(
        before,
        std::fs::read(out.join("en/manifesto/og.png")).unwrap()
    );
    // Turned off, no card and no og:image.
    edit(
        root,
        "marque.yaml",
        "base_url:",
        "social_cards: false\nbase_url:",
    );
    build_ok(root, &[]);
    assert!(!out.join("en/manifesto/og.png").exists());
    assert!(og_image(&read(root, "en/manifesto/index.html")).is_none());
}
