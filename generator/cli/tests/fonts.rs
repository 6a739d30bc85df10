//! The brand's typefaces on the site: WOFF2 subsets with `@font-face` rules, the body
//! face preloaded, within budget, from the cache, and a located error for a font file
//! that is not one.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::Path;

/// The bundled site without its kits (they are tested with the kits).
fn site() -> tempfile::TempDir {
    let dir = bundled_copy();
    std::fs::remove_dir_all(dir.path().join("kits")).unwrap();
    dir
}

/// One `@font-face` rule of the site's stylesheet.
#[derive(Debug)]
struct Rule {
    family: String,
    weight: String,
    url: String,
    ranges: Vec<(u32, u32)>,
    display: String,
}

fn value<'a>(rule: &'a str, prop: &str) -> &'a str {
    let at = rule
        .find(&format!("{prop}:"))
        .unwrap_or_else(|| panic!("no {prop} in {rule}"));
    let rest = &rule[at + prop.len() + 1..];
    rest[..rest.find(';').unwrap_or(rest.len())].trim()
}

/// The `@font-face` rules of the stylesheet the home page links to.
fn font_faces(out: &Path) -> (String, Vec<Rule>) {
    let home = page(out, "index.html");
    let css_url = links(&home)
        .into_iter()
        .find(|l| l.ends_with(".css"))
        .expect("the home page links a stylesheet");
    let css = page(out, css_url.trim_start_matches('/'));
    let mut rules = Vec::new();
    for part in css.split("@font-face").skip(1) {
        let body = &part[part.find('{').unwrap() + 1..part.find('}').unwrap()];
        let url = value(body, "src");
        let url = url[url.find("url(").unwrap() + 4..url.find(')').unwrap()]
            .trim_matches('"')
            .to_string();
        let ranges = value(body, "unicode-range")
            .split(',')
            .map(|r| {
                let r = r.trim().trim_start_matches("U+");
                let (a, b) = r.split_once('-').unwrap_or((r, r));
                (
                    u32::from_str_radix(a, 16).unwrap(),
                    u32::from_str_radix(b, 16).unwrap(),
                )
            })
            .collect();
        rules.push(Rule {
            family: value(body, "font-family").trim_matches('"').to_string(),
            weight: value(body, "font-weight").to_string(),
            url,
            ranges,
            display: value(body, "font-display").to_string(),
        });
    }
    (css, rules)
}

/// A built file's text.
fn page(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn covers(rule: &Rule, c: char) -> bool {
    rule.ranges
        .iter()
        .any(|&(a, b)| (a..=b).contains(&(c as u32)))
}

#[test]
fn the_site_serves_the_brand_faces_subset_with_unicode_range_and_preload() {
    let dir = site();
    let root = dir.path();
    build_ok(root, &[]);
    let out = root.join("output");
    let (css, rules) = font_faces(&out);
    // Inter in four weights and Noto Sans Arabic in two, each file one script.
    let faces: BTreeSet<(String, String)> = rules
        .iter()
        .map(|r| (r.family.clone(), r.weight.clone()))
        .collect();
    for (family, weight) in [
        ("Inter", "400"),
        ("Inter", "600"),
        ("Inter", "700"),
        ("Inter", "800"),
        ("Noto Sans Arabic", "400"),
        ("Noto Sans Arabic", "700"),
    ] {
        assert!(
            faces.contains(&(family.to_string(), weight.to_string())),
            "no {family} {weight} in {faces:?}"
        );
    }
    for r in &rules {
        assert_eq!(r.display, "swap", "{r:?}");
        assert!(
            r.url.starts_with("/fonts/") && r.url.ends_with(".woff2"),
            "{r:?}"
        );
        let bytes = std::fs::read(out.join(r.url.trim_start_matches('/'))).unwrap();
        assert_eq!(&bytes[..4], b"wOF2", "{} is WOFF2", r.url);
    }
    // The rules come before the stylesheet's own rules, whose stacks name the family.
    assert!(
        css.trim_start().starts_with("@font-face"),
        "{}",
        &css[..200]
    );
    assert!(css.contains("Inter"), "the stacks name Inter");
    // Every character of the French and Arabic home pages is in a rule of its script:
    // Latin ones in Inter, Arabic ones in Noto Sans Arabic.
    let latin: Vec<&Rule> = rules
        .iter()
        .filter(|r| r.family == "Inter" && r.weight == "400")
        .collect();
    let arabic: Vec<&Rule> = rules
        .iter()
        .filter(|r| r.family == "Noto Sans Arabic" && r.weight == "400")
        .collect();
    for c in "Fédérer Révéler Mesurer — « aux avant-postes » œ ç à".chars() {
        assert!(latin.iter().any(|r| covers(r, c)), "Inter lacks {c:?}");
    }
    let ar_home = page(&out, "ar/index.html");
    let body = &ar_home[ar_home.find("<main").unwrap()..];
    let mut seen = 0;
    for c in body.chars().filter(|c| ('\u{600}'..='\u{6FF}').contains(c)) {
        assert!(
            arabic.iter().any(|r| covers(r, c)),
            "Noto Sans Arabic lacks {c:?}"
        );
        seen += 1;
    }
    assert!(seen > 100, "the Arabic home page has Arabic text");
    // Only what the site uses: no Cyrillic, no Greek in Inter's subsets (Inter has both).
    assert!(!latin.iter().any(|r| covers(r, 'Ж') || covers(r, 'λ')));
    // Each language preloads its body face: Inter 400 in French and English, Noto Sans
    // Arabic 400 in Arabic.
    let preload = |html: &str| -> Vec<String> {
        html.lines()
            .filter(|l| l.contains("rel=\"preload\"") && l.contains("as=\"font\""))
            .map(|l| {
                assert!(
                    l.contains("crossorigin") && l.contains("type=\"font/woff2\""),
                    "{l}"
                );
                let h = &l[l.find("href=\"").unwrap() + 6..];
                h[..h.find('"').unwrap()].to_string()
            })
            .collect()
    };
    let inter = latin.iter().find(|r| covers(r, 'a')).unwrap();
    assert_eq!(preload(&page(&out, "index.html")), vec![inter.url.clone()]);
    assert_eq!(
        preload(&page(&out, "en/index.html")),
        vec![inter.url.clone()]
    );
    let noto = arabic.iter().find(|r| covers(r, 'ب')).unwrap();
    assert_eq!(preload(&ar_home), vec![noto.url.clone()]);
}

#[test]
fn the_fonts_the_french_home_page_loads_weigh_at_most_150_kb() {
    let dir = site();
    let root = dir.path();
    build_ok(root, &[]);
    let out = root.join("output");
    let (_, rules) = font_faces(&out);
    let home = page(&out, "index.html");
    // What a browser may load: every face file whose range has a character of the page
    // (an upper bound: a face no element uses is not loaded), and the preload.
    let mut files: BTreeSet<String> = rules
        .iter()
        .filter(|r| home.chars().any(|c| !c.is_ascii_control() && covers(r, c)))
        .map(|r| r.url.clone())
        .collect();
    for l in home.lines().filter(|l| l.contains("as=\"font\"")) {
        let h = &l[l.find("href=\"").unwrap() + 6..];
        files.insert(h[..h.find('"').unwrap()].to_string());
    }
    let total: u64 = files
        .iter()
        .map(|u| {
            std::fs::metadata(out.join(u.trim_start_matches('/')))
                .unwrap()
                .len()
        })
        .sum();
    assert!(files.len() >= 4, "{files:?}");
    assert!(total <= 150 * 1024, "{total} bytes in {files:?}");
}

/// The count of web fonts in a build's `derived files:` line.
fn fonts_made(report: &str) -> usize {
    let line = report
        .lines()
        .find(|l| l.starts_with("derived files:"))
        .unwrap_or_else(|| panic!("{report}"));
    line.split("web fonts ").nth(1).map_or(0, |n| {
        n.split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    })
}

#[test]
fn fonts_are_made_again_only_when_the_site_uses_a_new_character() {
    let dir = site();
    let root = dir.path();
    let first = build_ok(root, &[]);
    assert_eq!(fonts_made(&first), 6, "{first}");
    // Nothing changed: nothing made.
    let second = build_ok(root, &[]);
    assert_eq!(fonts_made(&second), 0, "{second}");
    // An edit with the characters the site already has: nothing made.
    let page = "narrative/fr/manifeste.md";
    let text = std::fs::read_to_string(root.join(page)).unwrap();
    write(
        root,
        page,
        &format!("{text}\nUne phrase de plus, écrite à Marseille.\n"),
    );
    let third = build_ok(root, &[]);
    assert_eq!(fonts_made(&third), 0, "{third}");
    let (_, rules) = font_faces(&root.join("output"));
    assert!(!rules.iter().any(|r| covers(r, 'ŵ')));
    // A new Latin character: Inter's four Latin files are made again, not the Arabic ones.
    write(
        root,
        page,
        &format!("{text}\nLe Pays de Galles (Cymru) : ŵ.\n"),
    );
    let fourth = build_ok(root, &[]);
    assert_eq!(fonts_made(&fourth), 4, "{fourth}");
    let (_, rules) = font_faces(&root.join("output"));
    let with: Vec<&Rule> = rules.iter().filter(|r| covers(r, 'ŵ')).collect();
    assert_eq!(with.len(), 4, "{rules:?}");
    assert!(with.iter().all(|r| r.family == "Inter"));
}

#[test]
fn a_brand_font_that_is_not_a_font_is_an_error_at_its_brand_yaml_line() {
    let dir = site();
    let root = dir.path();
    build_ok(root, &[]);
    let yaml = std::fs::read_to_string(root.join("brand/brand.yaml")).unwrap();
    let line = yaml
        .lines()
        .position(|l| l.contains("fonts/Inter-Regular.ttf"))
        .unwrap()
        + 1;
    let font = root.join("brand/fonts/Inter-Regular.ttf");
    let real = std::fs::read(&font).unwrap();
    // A picture renamed, a truncated font, an empty file.
    for (what, bytes) in [
        ("a PNG", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
        ("truncated", real[..2000].to_vec()),
        ("empty", Vec::new()),
    ] {
        std::fs::write(&font, &bytes).unwrap();
        let before = tree(&root.join("output"));
        let o = build(root, &[]);
        let err = text(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains(&format!("brand/brand.yaml:{line}")),
            "{what}: no brand/brand.yaml:{line} in {err}"
        );
        assert!(err.contains("fonts/Inter-Regular.ttf"), "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert_eq!(
            before,
            tree(&root.join("output")),
            "{what}: the output is intact"
        );
    }
}

#[test]
fn a_cff_face_is_served_whole_with_a_warning() {
    let dir = site();
    let root = dir.path();
    std::fs::copy(
        repo_root().join("generator/tests/fixtures/fonts/Inter-Regular-cff-ascii.otf"),
        root.join("brand/fonts/Inter-Regular-cff-ascii.otf"),
    )
    .unwrap();
    edit(
        root,
        "brand/brand.yaml",
        "fonts/Inter-Regular.ttf",
        "fonts/Inter-Regular-cff-ascii.otf",
    );
    let report = build_ok(root, &[]);
    assert!(
        report.contains("CFF") && report.contains("served whole"),
        "{report}"
    );
    assert!(report.contains("Inter-Regular-cff-ascii.otf"), "{report}");
    let (_, rules) = font_faces(&root.join("output"));
    let regular = rules
        .iter()
        .find(|r| r.family == "Inter" && r.weight == "400")
        .expect("the CFF face is still served");
    let bytes = std::fs::read(
        root.join("output")
            .join(regular.url.trim_start_matches('/')),
    )
    .unwrap();
    assert_eq!(&bytes[..4], b"wOF2");
}
