//! The brand set: every download the portal links to is the file it says (PNG size and
//! transparency, PDF page size, zip contents equal to its manifest, SHA-256 and size as
//! listed), packs are reproducible, the derived-file cache redoes only what changed, and
//! bad brand sources fail with the file and field named.

mod common;

use common::*;

/// Rows of the downloads table: (url, format, dimensions, size, sha256).
fn download_rows(html: &str) -> Vec<[String; 5]> {
    let body = &html[html
        .find("<table class=\"downloads\">")
        .expect("downloads table")..];
    let body = &body[..body.find("</table>").unwrap()];
    body.split("<tr>")
        .skip(2)
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td>")
                .skip(1)
                .map(|c| c[..c.find("</td>").unwrap()].to_string())
                .collect();
            let url = links(&cells[0])[0].clone();
            let strip = |s: &str| {
                let mut out = String::new();
                let mut tag = false;
                for ch in s.chars() {
                    match ch {
                        '<' => tag = true,
                        '>' => tag = false,
                        c if !tag => out.push(c),
                        _ => {}
                    }
                }
                out
            };
            [
                url,
                strip(&cells[1]),
                strip(&cells[2]),
                strip(&cells[3]),
                strip(&cells[4]),
            ]
        })
        .collect()
}

fn check_zip(bytes: &[u8], name: &str) -> usize {
    let files = unzip(bytes);
    let manifest: serde_json::Value =
        serde_json::from_slice(files.get("manifest.json").expect("manifest.json")).unwrap();
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(
        listed.len() + 1,
        files.len(),
        "{name}: manifest lists every file"
    );
    for e in listed {
        let path = e["path"].as_str().unwrap();
        let b = files
            .get(path)
            .unwrap_or_else(|| panic!("{name}: {path} missing"));
        assert_eq!(
            e["bytes"].as_u64().unwrap() as usize,
            b.len(),
            "{name}: {path}"
        );
        assert_eq!(e["sha256"].as_str().unwrap(), sha256(b), "{name}: {path}");
        assert!(!e["licence"].as_str().unwrap().is_empty(), "{name}: {path}");
    }
    files.len()
}

#[test]
fn every_download_is_the_file_the_portal_says() {
    let dir = bundled_copy();
    let root = dir.path();
    let report = build_ok(root, &[]);
    assert!(report.contains("derived files:"), "{report}");
    let out = root.join("output");
    for page in [
        "marque/telechargements/index.html",
        "en/brand/downloads/index.html",
        "ar/marque/telechargements/index.html",
    ] {
        let html = read(root, page);
        let rows = download_rows(&html);
        assert!(rows.len() >= 60, "{page}: only {} rows", rows.len());
        let (mut pngs, mut pdfs, mut zips, mut svgs) = (0, 0, 0, 0);
        for [url, format, dims, size, hash] in &rows {
            let rel = url.trim_start_matches('/');
            let bytes = std::fs::read(out.join(rel)).unwrap_or_else(|_| panic!("{page}: {url}"));
            assert_eq!(hash, &sha256(&bytes), "{url}: SHA-256 as listed");
            let kb: f64 = size.split_whitespace().next().unwrap().parse().unwrap();
            assert!(
                (kb - bytes.len() as f64 / 1024.0).abs() < 0.06,
                "{url}: {size}"
            );
            match format.as_str() {
                "PNG" => {
                    pngs += 1;
                    let d = png::Decoder::new(std::io::Cursor::new(&bytes));
                    let mut r = d.read_info().unwrap();
                    let mut buf = vec![0; r.output_buffer_size()];
                    let info = r.next_frame(&mut buf).unwrap();
                    assert_eq!(info.color_type, png::ColorType::Rgba, "{url}: has alpha");
                    assert_eq!(dims, &format!("{} × {} px", info.width, info.height));
                    let want: u32 = rel
                        .rsplit('-')
                        .next()
                        .unwrap()
                        .trim_end_matches(".png")
                        .parse()
                        .unwrap();
                    assert_eq!(info.width, want, "{url}");
                    // Transparent around the drawing, opaque somewhere inside it.
                    let px = &buf[..info.buffer_size()];
                    assert!(px.chunks(4).any(|p| p[3] == 0), "{url}: transparent pixels");
                    assert!(px.chunks(4).any(|p| p[3] == 255), "{url}: drawn pixels");
                }
                "PDF" => {
                    pdfs += 1;
                    assert!(bytes.starts_with(b"%PDF-"), "{url}");
                    let [x0, y0, x1, y1] = pdf_box(&bytes, "MediaBox");
                    let (w, h) = (x1 - x0, y1 - y0);
                    if dims == "A4" {
                        assert!(
                            (w - 595.28).abs() < 0.5 && (h - 841.89).abs() < 0.5,
                            "{url}"
                        );
                        assert!(
                            String::from_utf8_lossy(&bytes)
                                .matches("/Type /Page\n")
                                .count()
                                + String::from_utf8_lossy(&bytes)
                                    .matches("/Type /Page ")
                                    .count()
                                >= 1
                        );
                    } else {
                        let mm: Vec<f64> = dims
                            .trim_end_matches(" mm")
                            .split(" × ")
                            .map(|v| v.parse().unwrap())
                            .collect();
                        assert!(
                            (w * 25.4 / 72.0 - mm[0]).abs() < 0.2,
                            "{url}: {w} pt vs {dims}"
                        );
                        assert!(
                            (h * 25.4 / 72.0 - mm[1]).abs() < 0.2,
                            "{url}: {h} pt vs {dims}"
                        );
                    }
                }
                "ZIP" => {
                    zips += 1;
                    let n = check_zip(&bytes, url);
                    assert!(dims.starts_with(&format!("{n} ")), "{url}: {dims}");
                }
                "SVG" => {
                    svgs += 1;
                    let s = String::from_utf8(bytes).unwrap();
                    assert!(s.contains("<svg") && s.contains("<path"), "{url}");
                    // Text is outlined: no fonts needed on the partner's machine.
                    assert!(!s.contains("<text"), "{url}");
                    assert!(!s.contains("<script"), "{url}");
                }
                _ => {}
            }
        }
        assert_eq!((pngs, pdfs, svgs), (27, 10, 9), "{page}");
        assert_eq!(zips, 2, "{page}");
    }
    // The packs: the logo pack holds every variant in every format, the brand pack
    // adds the fonts, the tokens and the guide.
    let logos = std::fs::read(out.join("downloads/one-provence-logos.zip")).unwrap();
    assert_eq!(check_zip(&logos, "logo pack"), 9 * 5 + 1);
    let pack = std::fs::read(out.join("downloads/one-provence-brand-pack-en.zip")).unwrap();
    let names: Vec<String> = unzip(&pack).into_keys().collect();
    for want in [
        "fonts/Inter-Regular.ttf",
        "fonts/OFL.txt",
        "tokens/one-provence.ase",
        "tokens/one-provence.tokens.json",
        "one-provence-guide-en.pdf",
        "logos/one-provence-symbol-white-2048.png",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "brand pack lacks {want}: {names:?}"
        );
    }
    // The guides say what they are, in their language: viewers show the title, screen
    // readers take the language.
    for (lang, title, subject) in [
        (
            "fr",
            "One Provence — Guide d’usage de la marque",
            "Logos, couleurs, typographie et règles d’usage.",
        ),
        (
            "en",
            "One Provence — Brand guide",
            "Logos, colours, typography and usage rules.",
        ),
        (
            "ar",
            "One Provence — دليل استخدام العلامة",
            "الشعارات والألوان والخطوط وقواعد الاستخدام.",
        ),
    ] {
        let pdf =
            std::fs::read(out.join(format!("downloads/one-provence-guide-{lang}.pdf"))).unwrap();
        let pdf = String::from_utf8_lossy(&pdf);
        assert!(pdf.contains(&format!("/Lang ({lang})")), "{lang}");
        assert!(pdf.contains("/DisplayDocTitle true"), "{lang}");
        assert_eq!(pdf_text(&pdf, "Title"), title);
        assert_eq!(pdf_text(&pdf, "Subject"), subject);
        assert_eq!(pdf_text(&pdf, "Author"), "One Provence");
    }
    // Portal pages show what a partner needs.
    let logos_page = read(root, "marque/logos/index.html");
    assert!(logos_page.contains("on-dark") && logos_page.contains("on-light"));
    let colours = read(root, "en/brand/colours/index.html");
    assert!(colours.contains("data-copy=\"#0B3D5C\""));
    assert!(colours.contains("7700 C") && colours.contains("RAL"));
    assert!(colours.contains("class=\"contrast-matrix\""));
    assert!(colours.contains("<span class=\"mark\">AAA</span>"));
    let rules = read(root, "marque/regles/index.html");
    assert!(rules.contains("35 mm") && rules.contains("140 px"));
    assert!(rules.contains("Département des Bouches-du-Rhône"));
    assert!(broken_links(&out).is_empty(), "{:?}", broken_links(&out));
}

#[test]
fn the_same_sources_give_the_same_bytes() {
    let a = bundled_copy();
    let b = bundled_copy();
    build_ok(a.path(), &[]);
    build_ok(b.path(), &[]);
    let ta = tree(&a.path().join("output/downloads"));
    let tb = tree(&b.path().join("output/downloads"));
    assert!(ta.len() > 70);
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(v == &tb[k], "{k} differs between two builds");
    }
}

/// The `derived files: N made (…)` line of a build's output, as (made, reused).
fn derived(report: &str) -> (String, usize) {
    let line = report
        .lines()
        .find(|l| l.starts_with("derived files:"))
        .unwrap_or_else(|| panic!("{report}"));
    let reused = line
        .rsplit(", ")
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (line.to_string(), reused)
}

#[test]
fn the_cache_redoes_only_what_changed() {
    let dir = bundled_copy();
    let root = dir.path();
    // The brand alone (kits hold logos too; their cache is tested with them).
    std::fs::remove_dir_all(root.join("kits")).unwrap();
    let first = build_ok(root, &[]);
    assert!(derived(&first).0.contains("png 27"), "{first}");
    // A second build rasterises nothing.
    let second = build_ok(root, &[]);
    let (line, reused) = derived(&second);
    assert!(line.contains(": 0 made (none)"), "{line}");
    assert!(reused >= 60, "{line}");
    // A new output folder still takes everything from the cache.
    let other = tempfile::tempdir().unwrap();
    let third = build_ok(root, &["--output", other.path().to_str().unwrap()]);
    assert!(derived(&third).0.contains(": 0 made (none)"), "{third}");
    // Changing one logo redoes only that logo's files (and the guide and packs that
    // hold it).
    let before =
        std::fs::metadata(root.join("output/downloads/logos/one-provence-stacked-white-2048.png"))
            .unwrap()
            .modified()
            .unwrap();
    edit(
        root,
        "brand/logos/one-provence-symbol-black.svg",
        "#000000",
        "#111111",
    );
    let fourth = build_ok(root, &[]);
    let (line, _) = derived(&fourth);
    assert!(line.contains("png 3,"), "{line}");
    assert!(line.contains("pdf 1,"), "{line}");
    assert!(line.contains("svg 1,"), "{line}");
    let after =
        std::fs::metadata(root.join("output/downloads/logos/one-provence-stacked-white-2048.png"))
            .unwrap()
            .modified()
            .unwrap();
    assert_eq!(before, after, "an unchanged logo's file is not rewritten");
    let svg = read(root, "downloads/logos/one-provence-symbol-black.svg");
    assert!(svg.contains("#111111"), "the changed logo is redone");
}

#[test]
fn bad_brand_sources_are_located_errors() {
    let dir = bundled_copy();
    let root = dir.path();
    build_ok(root, &[]);
    let yaml = "brand/brand.yaml";
    let logo = "logos/one-provence-stacked-black.svg";
    let line_of = |needle: &str| {
        std::fs::read_to_string(root.join(yaml))
            .unwrap()
            .lines()
            .position(|l| l.contains(needle))
            .unwrap()
            + 1
    };
    let l = line_of(logo);
    let cases: Vec<(String, Vec<String>)> = vec![
        (
            "logos/nope.svg".into(),
            vec![
                format!("brand/brand.yaml:{l}"),
                "logos[4].file: file 'brand/logos/nope.svg' is missing".into(),
            ],
        ),
        (
            "../../etc/passwd".into(),
            vec![
                format!("brand/brand.yaml:{l}"),
                "logos[4].file: '../../etc/passwd' leaves the project folder".into(),
            ],
        ),
        (
            "/etc/passwd".into(),
            vec!["logos[4].file: '/etc/passwd' is an absolute path".into()],
        ),
    ];
    for (to, want) in cases {
        edit(root, yaml, logo, &to);
        let want: Vec<&str> = want.iter().map(String::as_str).collect();
        fails_with(root, &want);
        edit(root, yaml, &to, logo);
    }
    // A symlink out of the project.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/hostname", root.join("brand/logos/out.svg")).unwrap();
        edit(root, yaml, logo, "logos/out.svg");
        fails_with(
            root,
            &[
                "logos[4].file: 'brand/logos/out.svg' is a link to '/etc/hostname', outside the project folder",
            ],
        );
        edit(root, yaml, "logos/out.svg", logo);
        std::fs::remove_file(root.join("brand/logos/out.svg")).unwrap();
    }
    // An SVG that does not parse: file, line and column.
    let master = std::fs::read_to_string(root.join(format!("brand/{logo}"))).unwrap();
    write(
        root,
        &format!("brand/{logo}"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\">\n<g><rect/>\n</svg>\n",
    );
    fails_with(
        root,
        &[
            "brand/logos/one-provence-stacked-black.svg:3:",
            "not a well-formed SVG",
        ],
    );
    write(root, &format!("brand/{logo}"), &master);
    // A font that is missing, a colour that is not a colour.
    let fl = line_of("fonts/Inter-ExtraBold.ttf");
    edit(
        root,
        yaml,
        "fonts/Inter-ExtraBold.ttf",
        "fonts/Inter-Nope.ttf",
    );
    fails_with(
        root,
        &[
            &format!("brand/brand.yaml:{fl}"),
            "typography[0].files[1]: file 'brand/fonts/Inter-Nope.ttf' is missing",
        ],
    );
    edit(
        root,
        yaml,
        "fonts/Inter-Nope.ttf",
        "fonts/Inter-ExtraBold.ttf",
    );
    edit(root, yaml, "hex: \"#E3A23B\"", "hex: \"ochre\"");
    fails_with(root, &["brand/brand.yaml:", "hex 'ochre' is not a colour"]);
    edit(root, yaml, "hex: \"ochre\"", "hex: \"#E3A23B\"");
    // Everything back: it builds again.
    build_ok(root, &[]);
}

#[test]
fn active_svg_content_is_removed_with_a_warning() {
    let dir = bundled_copy();
    let root = dir.path();
    let logo = "brand/logos/one-provence-symbol-primary.svg";
    let master = std::fs::read_to_string(root.join(logo)).unwrap();
    let i = master.find("<title>").unwrap();
    let hostile = format!(
        "{}<script>alert(1)</script><image href=\"https://tracker.example/p.png\" width=\"1\" height=\"1\"/>{}",
        &master[..i],
        &master[i..]
    )
    .replacen("<svg ", "<svg onload=\"alert(2)\" ", 1);
    write(root, logo, &hostile);
    let o = build(root, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains(
            "brand/logos/one-provence-symbol-primary.svg: warning: removed <script> element"
        ),
        "{t}"
    );
    assert!(t.contains("removed 'onload' event handler on <svg>"), "{t}");
    assert!(
        t.contains("removed external reference 'https://tracker.example/p.png' on <image>"),
        "{t}"
    );
    let out = read(root, "downloads/logos/one-provence-symbol-primary.svg");
    assert!(!out.contains("script") && !out.contains("onload") && !out.contains("tracker"));
}
