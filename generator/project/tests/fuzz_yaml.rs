//! Property tests standing in for fuzzing (cargo-fuzz needs a nightly toolchain):
//! `brand/brand.yaml` and `kits/<id>/kit.yaml` of any shape (deep nesting, anchors and
//! aliases, duplicate keys, wrong types, control characters, bytes that are not UTF-8)
//! load or fail with errors located in the file, never a panic or a hang.
//! `scripts/fuzz.sh` runs them for minutes with many more cases.

use std::path::Path;
use std::time::{Duration, Instant};

use marque_project::{LoadOptions, load_project};
use proptest::prelude::*;

/// A small project to load, with the theme strings it needs.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "marque.yaml",
        "base_url: https://example.org\ndefault_language: fr\nlanguages: [{code: fr, name: Français}, {code: en, name: English}]\n",
    );
    w("themes/default/i18n/fr.yaml", "site_title: Site\n");
    w("themes/default/i18n/en.yaml", "site_title: Site\n");
    w("narrative/fr/_index.md", "---\ntitle: Accueil\n---\n");
    w(
        "kits/templates/poster.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    w(
        "brand/logos/a.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    dir
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name".to_string()),
        Just("logos".to_string()),
        Just("colors".to_string()),
        Just("typography".to_string()),
        Just("rules".to_string()),
        Just("start".to_string()),
        Just("end".to_string()),
        Just("places".to_string()),
        Just("languages".to_string()),
        Just("accent".to_string()),
        Just("messages".to_string()),
        Just("rights".to_string()),
        Just("tagline".to_string()),
        Just("sessions".to_string()),
        "[a-z_]{1,8}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "[ -~]{0,16}".prop_map(|s| format!("{s:?}")),
        "\\PC{0,12}",
        Just("2024-05-08".to_string()),
        Just("2024-02-30".to_string()),
        Just("\"\\0\\x01\"".to_string()),
        Just("1e308".to_string()),
        Just("-0".to_string()),
        Just("~".to_string()),
        Just("&a [x, y]".to_string()),
        Just("*a".to_string()),
        Just("!!binary aGVsbG8=".to_string()),
        Just("{id: a, file: logos/a.svg, layout: symbol, color: primary}".to_string()),
        Just("{id: b, hex: \"#123456\", role: primary, name: B}".to_string()),
        Just(
            "{family: Inter, role: body, files: [../../etc/passwd], licence: OFL-1.1}".to_string()
        ),
        Just("{fr: Nom, en: Name}".to_string()),
        Just("[fr, en, xx]".to_string()),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6)
                .prop_map(|v| format!("[{}]", v.join(", "))),
            proptest::collection::vec((key(), inner), 0..6).prop_map(|v| format!(
                "{{{}}}",
                v.into_iter()
                    .map(|(k, x)| format!("{k}: {x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ]
    })
}

/// A YAML document of top-level fields, sometimes with a deep or aliased part.
fn yaml_like() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec((key(), value()), 0..10),
        0usize..300,
        any::<bool>(),
    )
        .prop_map(|(fields, depth, laughs)| {
            let mut s = String::new();
            for (k, v) in fields {
                s.push_str(&format!("{k}: {v}\n"));
            }
            if depth > 0 {
                s.push_str(&format!("deep: {}x{}\n", "[".repeat(depth), "]".repeat(depth)));
            }
            if laughs {
                s.push_str("a: &a [lol, lol, lol, lol, lol, lol, lol, lol]\n");
                for i in 0..8 {
                    let prev = if i == 0 { "a".to_string() } else { format!("b{}", i - 1) };
                    s.push_str(&format!(
                        "b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
                    ));
                }
            }
            s
        })
}

fn load(dir: &Path, brand: &[u8], kit: &[u8]) {
    std::fs::write(dir.join("brand/brand.yaml"), brand).unwrap();
    std::fs::create_dir_all(dir.join("kits/k")).unwrap();
    std::fs::write(dir.join("kits/k/kit.yaml"), kit).unwrap();
    let start = Instant::now();
    if let Err(d) = load_project(dir, LoadOptions::default()) {
        for x in &d.0 {
            assert!(!x.message.is_empty());
            assert!(x.path.is_relative(), "{x}");
            if x.path == Path::new("brand/brand.yaml") {
                let lines = brand.iter().filter(|&&b| b == b'\n').count() + 1;
                assert!(x.line.unwrap_or(1) <= lines + 1, "{x}");
            }
        }
    }
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

proptest! {
    // 64 cases in `cargo test`; `scripts/fuzz.sh` asks for many more.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn brand_and_kit_files_load_or_fail_with_located_errors(
        brand in yaml_like(),
        kit in yaml_like(),
    ) {
        let p = project();
        load(p.path(), brand.as_bytes(), kit.as_bytes());
    }

    #[test]
    fn any_bytes_load_or_fail_with_located_errors(
        brand in proptest::collection::vec(any::<u8>(), 0..200),
        kit in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let p = project();
        load(p.path(), &brand, &kit);
    }
}
