//! The photo library: responsive images (widths, WebP and JPEG, srcset, size, lazy
//! loading), alt text and credit required, photos past their rights left out with a
//! warning, and `marque check` naming those whose rights end soon.

mod common;

use common::*;

#[test]
fn photos_are_responsive_and_their_rights_are_kept() {
    let dir = bundled_copy();
    let root = dir.path();
    build_ok(root, &[]);
    let page = read(root, "en/press/index.html");
    let img = &page[page.find("<img src=\"/media/photos/").expect("a photo")..];
    let img = &img[..img.find('>').unwrap()];
    for w in ["480w", "960w", "1280w"] {
        assert!(img.contains(w), "{img}");
    }
    assert!(img.contains("width=\"1280\" height=\"720\""));
    assert!(img.contains("loading=\"lazy\""));
    assert!(img.contains("sizes=\""));
    assert!(img.contains("alt=\"An ochre sun rises"));
    assert!(page.contains(
        "<source type=\"image/webp\" srcset=\"/media/photos/manifeste-poster-480.webp 480w"
    ));
    let webp = std::fs::read(root.join("output/media/photos/manifeste-poster-960.webp")).unwrap();
    assert_eq!(&webp[..4], b"RIFF");
    assert_eq!(&webp[8..12], b"WEBP");
    let jpg = std::fs::read(root.join("output/media/photos/manifeste-poster-480.jpg")).unwrap();
    assert_eq!(&jpg[..2], b"\xff\xd8");
    // The press kit holds the releases, the fact sheet, the photos with their credits
    // and the logo pack, and equals its manifest.
    let kit = std::fs::read(root.join("output/downloads/press-kit-en.zip")).unwrap();
    let names = unzip(&kit).into_keys().collect::<Vec<_>>();
    for want in [
        "manifest.json",
        "fact-sheet.md",
        "releases/2024-05-02-flamme-olympique.md",
        "photos/manifeste-poster.jpg",
        "photos/CREDITS.txt",
        "one-provence-logos.zip",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "press kit lacks {want}: {names:?}"
        );
    }
    assert!(page.contains("href=\"/downloads/press-kit-en.zip\" download"));
    // The licence in each language, on the page and in the kit's credits.
    assert!(page.contains("© One Provence · Free for press use, credit required"));
    // Each original says what it is before it is downloaded.
    assert!(
        page.contains("(JPEG, 2400 × 1600 px, 236 KB)"),
        "original described"
    );
    let files = unzip(&kit);
    let credits = String::from_utf8(files["photos/CREDITS.txt"].clone()).unwrap();
    assert!(credits.contains("lieu-port.jpg — © One Provence (illustration) — Free for press use"));
    // Texts read outside the site: links to pages are full addresses.
    let sheet = String::from_utf8(files["fact-sheet.md"].clone()).unwrap();
    assert!(!sheet.contains("](@/") && !sheet.contains("](/"), "{sheet}");
    assert!(sheet.contains("](https://www.oneprovence.fr/en/kits/)"));
    assert!(sheet.contains("](https://www.oneprovence.fr/downloads/one-provence-logos.zip)"));
    assert!(
        read(root, "presse/index.html")
            .contains("Libre d’usage pour la presse, crédit obligatoire")
    );
    // Rights ending soon are listed by marque check; past them, the photo is left out.
    edit(
        root,
        "narrative/media/photos.yaml",
        "  credit: One Provence",
        "  credit: One Provence\n  expires: 2026-12-10",
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_marque"))
        .args(["check", "--root", root.to_str().unwrap()])
        .env("MARQUE_TODAY", "2026-11-26")
        .output()
        .unwrap();
    assert!(
        text(&o).contains("'manifeste-poster.jpg': its rights end on 2026-12-10, in 14 day(s)"),
        "{}",
        text(&o)
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_marque"))
        .args(["build", "--root", root.to_str().unwrap()])
        .env("MARQUE_TODAY", "2027-01-05")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("narrative/media/photos.yaml:4: warning: 'manifeste-poster.jpg': its rights ended on 2026-12-10: left out of the site"), "{}", text(&o));
    let press = read(root, "en/press/index.html");
    assert!(!press.contains("manifeste-poster") && press.contains("/media/photos/lieu-port-"));
    let left: Vec<String> = std::fs::read_dir(root.join("output/media/photos"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("manifeste-poster"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(!root.join("output/media/manifeste-poster.jpg").exists());
    let kit = std::fs::read(root.join("output/downloads/press-kit-en.zip")).unwrap();
    assert!(
        !unzip(&kit)
            .into_keys()
            .collect::<Vec<_>>()
            .iter()
            .any(|n| n.contains("manifeste-poster")),
        "left out of the press kit too"
    );
    // A photo without alt text or credit.
    edit(
        root,
        "narrative/media/photos.yaml",
        "  credit: One Provence\n",
        "",
    );
    fails_with(
        root,
        &["narrative/media/photos.yaml:4: error: [0] 'manifeste-poster.jpg': no credit"],
    );
}
