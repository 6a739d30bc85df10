//! Event kits: every zip equals its manifest and holds what an event team needs (print
//! PDFs with their boxes, social images at their sizes, the calendar, texts); the
//! partner path co-brands and sanitises; texts are fitted or fail with kit, template,
//! language and field named; bad kit sources fail cleanly.

mod common;

use common::*;

fn png_dims(b: &[u8]) -> (u32, u32) {
    let d = png::Decoder::new(std::io::Cursor::new(b));
    let r = d.read_info().unwrap();
    (r.info().width, r.info().height)
}

const MM: f64 = 72.0 / 25.4;

#[test]
fn every_kit_zip_equals_its_manifest_and_holds_the_kit() {
    let dir = bundled_copy();
    let root = dir.path();
    let first = build_ok(root, &[]);
    // The bundled kits carry the drawn placeholder for their event mark: each build
    // says so, once a kit, so that no print file goes to a printer by accident.
    for kit in ["rugby-world-cup-2023", "paris-2024", "club-france"] {
        let said = format!("kits/{kit}/kit.yaml: warning: kit '{kit}' has no official event mark");
        assert_eq!(first.matches(&said).count(), 1, "{first}");
    }
    assert!(first.contains(
        "do not send them to a printer before the official mark is in kits/club-france/mark.svg"
    ));
    // A second build renders no kit file again.
    let again = build_ok(root, &[]);
    assert!(again.contains("derived files: 0 made (none)"), "{again}");
    let out = root.join("output");
    // Print files say what they are (title, author, subject) and their language.
    for (lang, title, subject) in [
        (
            "fr",
            "Club France 2024 — poster-a4",
            "La Provence à la Villette avec le Département",
        ),
        (
            "en",
            "Club France 2024 — rollup-85x200",
            "Provence at La Villette with the Département",
        ),
        (
            "ar",
            "نادي فرنسا 2024 — badge-85x55",
            "بروفانس في لا فيليت مع المقاطعة",
        ),
    ] {
        let format = title.rsplit(" — ").next().unwrap();
        let pdf =
            std::fs::read(out.join(format!("downloads/kits/club-france/{lang}/{format}.pdf")))
                .unwrap();
        let pdf = String::from_utf8_lossy(&pdf);
        assert!(pdf.contains(&format!("/Lang ({lang})")), "{lang}");
        assert_eq!(pdf_text(&pdf, "Title"), title);
        assert_eq!(pdf_text(&pdf, "Subject"), subject);
        assert_eq!(pdf_text(&pdf, "Author"), "One Provence");
    }
    for kit in ["rugby-world-cup-2023", "paris-2024", "club-france"] {
        for lang in ["fr", "en", "ar"] {
            let zip = std::fs::read(out.join(format!("downloads/kits/{kit}-{lang}.zip"))).unwrap();
            let files = unzip(&zip);
            let manifest: serde_json::Value =
                serde_json::from_slice(&files["manifest.json"]).unwrap();
            let listed = manifest["files"].as_array().unwrap();
            // Every file but the manifest itself is listed, with its true size and hash.
            assert_eq!(listed.len() + 1, files.len(), "{kit} {lang}");
            for e in listed {
                let path = e["path"].as_str().unwrap();
                let b = &files[path];
                assert_eq!(e["bytes"].as_u64().unwrap() as usize, b.len(), "{path}");
                assert_eq!(e["sha256"].as_str().unwrap(), sha256(b), "{path}");
                assert_eq!(e["language"], lang);
                assert!(!e["rights"].as_str().unwrap().is_empty());
                assert!(!e["format"].as_str().unwrap().is_empty());
                // The same bytes are published on the site beside the zip.
                let site =
                    std::fs::read(out.join(format!("downloads/kits/{kit}/{lang}/{path}"))).unwrap();
                assert_eq!(&site, b, "{path}");
            }
            // Print: trim, bleed and crop-mark room as a printer expects.
            for (name, w, h) in [
                ("poster-a4", 210.0, 297.0),
                ("poster-a3", 297.0, 420.0),
                ("poster-40x60", 400.0, 600.0),
                ("badge-85x55", 85.0, 55.0),
                ("rollup-85x200", 850.0, 2000.0),
            ] {
                let pdf = &files[&format!("{name}.pdf")];
                assert!(pdf.starts_with(b"%PDF-"));
                // Text is drawn as glyph outlines: the file needs no font, and every
                // printer's RIP shows what the preview shows.
                assert!(
                    !String::from_utf8_lossy(pdf).contains("/FontFile"),
                    "{name}: no font to embed"
                );
                let trim = pdf_box(pdf, "TrimBox");
                let bleed = pdf_box(pdf, "BleedBox");
                assert!(
                    ((trim[2] - trim[0]) / MM - w).abs() < 0.05,
                    "{name} trim width"
                );
                assert!(
                    ((trim[3] - trim[1]) / MM - h).abs() < 0.05,
                    "{name} trim height"
                );
                assert!(
                    ((bleed[2] - bleed[0]) / MM - (w + 6.0)).abs() < 0.05,
                    "{name} bleed"
                );
                assert!(
                    ((trim[0] - bleed[0]) / MM - 3.0).abs() < 0.01,
                    "{name} 3 mm bleed"
                );
                let media = pdf_box(pdf, "MediaBox");
                assert!(media[2] > bleed[2], "{name}: room for crop marks");
                let preview = &files[&format!("{name}-preview.png")];
                let (pw, ph) = png_dims(preview);
                assert!(
                    ((ph as f64 / pw as f64) - h / w).abs() < 0.01,
                    "{name} preview ratio"
                );
            }
            for (name, w, h) in [
                ("social-1080x1080", 1080, 1080),
                ("social-1080x1350", 1080, 1350),
                ("social-1080x1920", 1080, 1920),
                ("social-1200x630", 1200, 630),
                ("social-1200x675", 1200, 675),
                ("social-1500x500", 1500, 500),
                ("email-banner", 1200, 400),
            ] {
                assert_eq!(png_dims(&files[&format!("{name}.png")]), (w, h), "{name}");
            }
            for f in [
                "lockup-primary.svg",
                "lockup-white.png",
                "lockup-primary.pdf",
            ] {
                assert!(files.contains_key(f), "{kit} lacks {f}");
            }
            let ics = String::from_utf8(files[&format!("{kit}.ics")].clone()).unwrap();
            assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
            assert!(ics.contains("DTSTART;VALUE=DATE:"));
            for l in ics.split("\r\n") {
                assert!(l.len() <= 75, "folded: {l}");
            }
            let readme = String::from_utf8(files["README.txt"].clone()).unwrap();
            let files_heading = match lang {
                "fr" => "Fichiers",
                "ar" => "الملفات",
                _ => "Files",
            };
            assert!(readme.contains(files_heading), "{kit} {lang}: {readme}");
            let release = String::from_utf8(files["press-release.txt"].clone()).unwrap();
            assert!(release.contains("presse@oneprovence.fr"));
            let sig = String::from_utf8(files["email-signature.html"].clone()).unwrap();
            // Pasted into a mail client, the banner keeps its absolute address.
            let banner = format!(
                "src=\"https://www.oneprovence.fr/downloads/kits/{kit}/{lang}/email-banner.png\""
            );
            assert!(sig.contains(&banner), "{kit} {lang}: {sig}");
            for f in [
                "key-messages.html",
                "key-messages.txt",
                "press-release.html",
            ] {
                assert!(files.contains_key(f), "{kit} lacks {f}");
            }
        }
    }
    // The Arabic kit's dates read in their order (the shaping and the bidi order of
    // the drawn line are tested with the text engine).
    let readme = read(root, "downloads/kits/club-france/ar/README.txt");
    assert!(
        readme.contains("27 يوليو – 11 أغسطس 2024 · 29 أغسطس – 8 سبتمبر 2024"),
        "{readme}"
    );
    // The kit page says the placeholder must not be printed.
    assert!(
        read(root, "kits/club-france/index.html")
            .contains("n’envoyez pas ces fichiers à l’imprimeur")
    );
    // Club France opens twice: two periods in its calendar.
    let ics = read(root, "downloads/kits/club-france/fr/club-france.ics");
    assert!(
        ics.contains("DTSTART;VALUE=DATE:20240727") && ics.contains("DTSTART;VALUE=DATE:20240829")
    );
    assert!(
        ics.contains("DTEND;VALUE=DATE:20240909"),
        "the end date is exclusive"
    );
    // The site lists the kits and shows each file with its thumbnail.
    let list = read(root, "kits/index.html");
    for k in [
        "Coupe du monde de rugby 2023",
        "Jeux de Paris 2024 à Marseille",
        "Club France 2024",
    ] {
        assert!(list.contains(k), "kits page lacks {k}");
    }
    let page = read(root, "en/kits/paris-2024/index.html");
    assert!(page.contains("/downloads/kits/paris-2024-en.zip"));
    assert!(page.contains("/downloads/kits/paris-2024/en/thumbs/poster-a4.png"));
    assert!(page.contains("210 × 297 mm"));
    assert!(broken_links(&out).is_empty(), "{:?}", broken_links(&out));
}

#[test]
fn a_partner_kit_is_cobranded_and_its_logo_sanitised() {
    let dir = bundled_copy();
    let root = dir.path();
    let logo = root.join("partner.svg");
    std::fs::write(
        &logo,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 340 100" width="340" height="100" onload="alert(1)"><script>alert(2)</script><image href="https://tracker.example/x.png" width="1" height="1"/><rect x="2" y="2" width="96" height="96" rx="20" fill="#2E7D32"/></svg>"##,
    )
    .unwrap();
    let out = root.join("kit-out");
    let o = marque(&[
        "kit",
        "paris-2024",
        "--root",
        root.to_str().unwrap(),
        "--lang",
        "fr",
        "--partner-name",
        "Calanques Voile",
        "--partner-logo",
        logo.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("partner logo: removed <script> element"), "{t}");
    assert!(
        t.contains("partner logo: removed 'onload' event handler"),
        "{t}"
    );
    assert!(
        t.contains("removed external reference 'https://tracker.example/x.png'"),
        "{t}"
    );
    let files = unzip(&std::fs::read(out.join("paris-2024-fr.zip")).unwrap());
    let lockup = String::from_utf8(files["lockup-primary.svg"].clone()).unwrap();
    assert!(
        lockup.to_lowercase().contains("#2e7d32"),
        "the partner's logo is in the lockup"
    );
    assert!(!lockup.contains("script") && !lockup.contains("tracker"));
    let release = String::from_utf8(files["press-release.txt"].clone()).unwrap();
    assert!(release.contains("avec Calanques Voile"), "{release}");
    // A co-branded banner is on no site yet: the signature says to put its address.
    let sig = String::from_utf8(files["email-signature.html"].clone()).unwrap();
    assert!(
        sig.contains("src=\"email-banner.png\"") && sig.contains("write its full address"),
        "{sig}"
    );
    assert!(!out.join("en").exists(), "--lang fr builds French only");
    // A PNG logo is placed as an image, in the PNG and in the PDF.
    let mut png_bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png_bytes, 8, 4);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[200u8; 8 * 4 * 4]).unwrap();
    }
    std::fs::write(root.join("partner.png"), &png_bytes).unwrap();
    let out_png = root.join("kit-png");
    let o = marque(&[
        "kit",
        "club-france",
        "--root",
        root.to_str().unwrap(),
        "--lang",
        "en",
        "--partner-logo",
        root.join("partner.png").to_str().unwrap(),
        "--output",
        out_png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let lockup = std::fs::read(out_png.join("en/lockup-primary.pdf")).unwrap();
    assert!(String::from_utf8_lossy(&lockup).contains("/Subtype /Image"));
    let release = std::fs::read_to_string(out_png.join("en/press-release.txt")).unwrap();
    assert!(
        release.contains("with partner"),
        "the file's name stands in: {release}"
    );
    // A partner logo that is neither SVG nor PNG, and one that is not what it says.
    std::fs::write(root.join("logo.gif"), b"GIF89a").unwrap();
    let o = marque(&[
        "kit",
        "paris-2024",
        "--root",
        root.to_str().unwrap(),
        "--partner-logo",
        root.join("logo.gif").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("partner logo: a logo must be an SVG or a PNG file"),
        "{}",
        text(&o)
    );
    std::fs::write(root.join("fake.png"), b"<svg/>").unwrap();
    let o = marque(&[
        "kit",
        "paris-2024",
        "--root",
        root.to_str().unwrap(),
        "--partner-logo",
        root.join("fake.png").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("fake.png: error: partner logo: not a PNG, JPEG, GIF or WebP picture"),
        "{}",
        text(&o)
    );
    // An unknown kit.
    let o = marque(&["kit", "paris-2042", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("no kit 'paris-2042' (did you mean 'paris-2024'?)"),
        "{}",
        text(&o)
    );
    // Nothing was left half-written by the failures.
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        3,
        "fr/, the zip and the mark of marque's folder"
    );
}

#[test]
fn a_partner_is_set_within_the_brand_rules() {
    let dir = bundled_copy();
    let root = dir.path();
    let r = root.to_str().unwrap();
    // A long name goes on two lines before anything shrinks: the lockup stays about
    // as wide as with a short name, and every format keeps the logo's minimum size.
    let long = "Chambre de commerce et d'industrie Provence-Alpes-Côte d'Azur";
    let out = root.join("kit-long");
    let o = marque(&[
        "kit",
        "club-france",
        "--root",
        r,
        "--lang",
        "fr",
        "--partner-name",
        long,
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // The same name that cannot be broken (no break after a hyphen) would shrink the
    // lockup: an error naming kit, format, partner and the size the logo would have,
    // for each format where that happens, and nothing written.
    let unbroken = long.replace(' ', "-");
    let out_bad = root.join("kit-bad");
    let o = marque(&[
        "kit",
        "club-france",
        "--root",
        r,
        "--lang",
        "fr",
        "--partner-name",
        &unbroken,
        "--output",
        out_bad.to_str().unwrap(),
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!(
            "kit 'club-france', format 'social-1080x1080', language 'fr', partner '{unbroken}': the One Provence logo would be 107.6 px wide in the lockup, under the brand's minimum of 140 px (rules.min_size in brand.yaml)"
        )),
        "{t}"
    );
    assert!(
        t.contains("kits/templates/banner.svg:16: error: kit 'club-france', format 'email-banner'"),
        "{t}"
    );
    assert!(!out_bad.exists(), "nothing written");
    let readme = std::fs::read_to_string(out.join("fr/README.txt")).unwrap();
    assert!(
        readme.contains(&format!("Le nom {long} est composé dans les blocs-marques")),
        "{readme}"
    );
    assert!(readme.contains("sur deux lignes s’il est long"));
    // A dark logo: on a white plate on dark backgrounds, with a warning; given a light
    // version, that one is used there and nothing is said.
    std::fs::write(
        root.join("dark.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100" width="300" height="100"><rect x="0" y="10" width="80" height="80" fill="#1A1A2E"/><rect x="100" y="30" width="180" height="40" fill="#1A1A2E"/></svg>"##,
    )
    .unwrap();
    std::fs::write(
        root.join("light.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100" width="300" height="100"><rect x="0" y="10" width="80" height="80" fill="#F4E9D8"/><rect x="100" y="30" width="180" height="40" fill="#F4E9D8"/></svg>"##,
    )
    .unwrap();
    let dark = root.join("dark.svg");
    let out_plate = root.join("kit-plate");
    let o = marque(&[
        "kit",
        "paris-2024",
        "--root",
        r,
        "--lang",
        "en",
        "--partner-logo",
        dark.to_str().unwrap(),
        "--output",
        out_plate.to_str().unwrap(),
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("dark.svg: warning: partner logo: its contrast against the dark backgrounds (social images, banner, lockup-white) is 1.5:1, under 3:1: it is put on a white plate there; give --partner-logo-light FILE"),
        "{t}"
    );
    let white = std::fs::read_to_string(out_plate.join("en/lockup-white.svg"))
        .unwrap()
        .to_lowercase();
    assert!(
        white.contains("#1a1a2e") && white.contains("#ffffff"),
        "the dark logo on its plate"
    );
    let readme = std::fs::read_to_string(out_plate.join("en/README.txt")).unwrap();
    assert!(
        readme.contains("The logo of dark is in the lockups")
            && readme.contains("it is on a white plate"),
        "{readme}"
    );
    let out_light = root.join("kit-light");
    let light = root.join("light.svg");
    let o = marque(&[
        "kit",
        "paris-2024",
        "--root",
        r,
        "--lang",
        "en",
        "--partner-name",
        "Maison Sombre",
        "--partner-logo",
        dark.to_str().unwrap(),
        "--partner-logo-light",
        light.to_str().unwrap(),
        "--output",
        out_light.to_str().unwrap(),
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(!t.contains("contrast"), "{t}");
    let white = std::fs::read_to_string(out_light.join("en/lockup-white.svg"))
        .unwrap()
        .to_lowercase();
    assert!(
        white.contains("#f4e9d8") && !white.contains("#1a1a2e"),
        "the light version on dark"
    );
    let primary = std::fs::read_to_string(out_light.join("en/lockup-primary.svg"))
        .unwrap()
        .to_lowercase();
    assert!(
        primary.contains("#1a1a2e") && !primary.contains("#f4e9d8"),
        "the logo on light"
    );
    let readme = std::fs::read_to_string(out_light.join("en/README.txt")).unwrap();
    assert!(
        readme.contains("The logo of Maison Sombre is in the lockups")
            && readme.contains("its light version is used")
            && readme.contains("Its name is in the press release"),
        "{readme}"
    );
    // The light version is an outside file like the logo: sanitised, and refused when
    // it is not a picture.
    std::fs::write(
        root.join("light-hostile.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100" width="300" height="100"><script>alert(1)</script><rect width="300" height="100" fill="#FFFFFF"/></svg>"##,
    )
    .unwrap();
    let o = marque(&[
        "kit",
        "paris-2024",
        "--root",
        r,
        "--lang",
        "en",
        "--partner-logo-light",
        root.join("light-hostile.svg").to_str().unwrap(),
        "--output",
        root.join("kit-h").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("partner logo: removed <script> element"),
        "{}",
        text(&o)
    );
    assert!(
        !std::fs::read_to_string(root.join("kit-h/en/lockup-white.svg"))
            .unwrap()
            .contains("script")
    );
    std::fs::write(root.join("bad.png"), b"not a picture").unwrap();
    let o = marque(&[
        "kit",
        "paris-2024",
        "--root",
        r,
        "--partner-logo-light",
        root.join("bad.png").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("bad.png: error: partner logo:"),
        "{}",
        text(&o)
    );
    // A light version that is not light enough is said.
    let o = marque(&[
        "kit",
        "paris-2024",
        "--root",
        r,
        "--lang",
        "en",
        "--partner-logo-light",
        dark.to_str().unwrap(),
        "--output",
        root.join("kit-x").to_str().unwrap(),
    ]);
    assert!(
        text(&o)
            .contains("partner logo (light version): its contrast against the dark backgrounds"),
        "{}",
        text(&o)
    );
}

#[test]
fn texts_are_fitted_or_fail_naming_kit_template_language_and_field() {
    let dir = bundled_copy();
    let root = dir.path();
    build_ok(root, &[]);
    let yaml = "kits/paris-2024/kit.yaml";
    // German-length: long, but it fits once wrapped and shrunk.
    edit(
        root,
        yaml,
        "  fr: Jeux de Paris 2024 à Marseille",
        "  fr: Olympische und Paralympische Sommerspiele Paris 2024 in Marseille und Umgebung",
    );
    build_ok(root, &[]);
    // Far too long for any box: the build fails and says where.
    edit(
        root,
        yaml,
        "  fr: Olympische und Paralympische Sommerspiele Paris 2024 in Marseille und Umgebung",
        &format!(
            "  fr: {}",
            "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung ".repeat(6)
        ),
    );
    fails_with(
        root,
        &[
            "kits/templates/poster.svg:",
            "kit 'paris-2024', template 'poster.svg' (poster-a4), language 'fr': the text of 'title' does not fit its box",
        ],
    );
    edit(
        root,
        yaml,
        &format!(
            "  fr: {}",
            "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung ".repeat(6)
        ),
        "  fr: Jeux de Paris 2024 à Marseille",
    );
    // The Arabic kit builds with the others.
    build_ok(root, &[]);
    let zip = unzip(&std::fs::read(root.join("output/downloads/kits/paris-2024-ar.zip")).unwrap());
    let readme = String::from_utf8(zip["README.txt"].clone()).unwrap();
    assert!(
        readme.starts_with("ألعاب باريس 2024 في مرسيليا"),
        "{readme}"
    );
}

#[test]
fn bad_kit_sources_are_located_errors() {
    let dir = bundled_copy();
    let root = dir.path();
    build_ok(root, &[]);
    let yaml = "kits/club-france/kit.yaml";
    // A date range that ends before it starts.
    let line = std::fs::read_to_string(root.join(yaml))
        .unwrap()
        .lines()
        .position(|l| l.starts_with("end:"))
        .unwrap()
        + 1;
    edit(root, yaml, "end: 2024-08-11", "end: 2024-07-01");
    fails_with(
        root,
        &[&format!(
            "kits/club-france/kit.yaml:{line}: error: end: the event ends (2024-07-01) before it starts (2024-07-27)"
        )],
    );
    edit(root, yaml, "end: 2024-07-01", "end: 2024-08-11");
    // A template that uses a variable that does not exist.
    edit(
        root,
        "kits/templates/badge.svg",
        "fill=\"{{ color.accent }}\"",
        "fill=\"{{ colour.accent }}\"",
    );
    let line = std::fs::read_to_string(root.join("kits/templates/badge.svg"))
        .unwrap()
        .lines()
        .position(|l| l.contains("colour.accent"))
        .unwrap()
        + 1;
    fails_with(
        root,
        &[
            &format!("kits/templates/badge.svg:{line}:"),
            "kit 'club-france' (fr)",
            "colour",
        ],
    );
    edit(
        root,
        "kits/templates/badge.svg",
        "fill=\"{{ colour.accent }}\"",
        "fill=\"{{ color.accent }}\"",
    );
    // A missing template.
    let badge = std::fs::read_to_string(root.join("kits/templates/badge.svg")).unwrap();
    std::fs::remove_file(root.join("kits/templates/badge.svg")).unwrap();
    fails_with(
        root,
        &[
            "kits/club-france: error: template 'badge.svg' is missing (looked for kits/club-france/templates/badge.svg and kits/templates/badge.svg)",
        ],
    );
    // A kit may bring its own template instead.
    write(root, "kits/club-france/templates/badge.svg", &badge);
    write(root, "kits/paris-2024/templates/badge.svg", &badge);
    write(
        root,
        "kits/rugby-world-cup-2023/templates/badge.svg",
        &badge,
    );
    build_ok(root, &[]);
    // An official mark dropped into the kit folder replaces the drawn placeholder.
    write(
        root,
        "kits/club-france/mark.svg",
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100"><circle cx="50" cy="50" r="48" fill="#123456"/></svg>"##,
    );
    let built = build_ok(root, &[]);
    let lockup = read(root, "downloads/kits/club-france/fr/lockup-primary.svg");
    assert!(
        lockup.contains("#123456"),
        "the official mark is in the lockup"
    );
    let readme = read(root, "downloads/kits/club-france/fr/README.txt");
    assert!(!readme.contains("dessiné par One Provence"), "{readme}");
    let page = read(root, "kits/club-france/index.html");
    assert!(!page.contains("class=\"kit-placeholder\""));
    assert!(
        !built.contains("kit 'club-france' has no official event mark"),
        "{built}"
    );
    // A language the site does not have.
    edit(
        root,
        yaml,
        "languages: [fr, en, ar]",
        "languages: [fr, de, ar]",
    );
    fails_with(root, &["languages[1]: 'de' is not a language of the site"]);
}
