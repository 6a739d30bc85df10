//! Property tests standing in for fuzzing (cargo-fuzz needs a nightly toolchain): SVG
//! logos and partner logos (SVG or PNG) of any depth, size and references are
//! sanitised, parsed and drawn, or refused with a message, never a panic, an abort, a
//! stack overflow or a read outside. `scripts/fuzz.sh` runs them for minutes with many
//! more cases.

use std::sync::Arc;
use std::time::{Duration, Instant};

use marque_assets::svg::{self, Fonts};
use marque_kit::base64;
use proptest::prelude::*;

fn fonts() -> Fonts {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../brand/fonts");
    let bytes = std::fs::read(dir.join("Inter-Regular.ttf")).unwrap();
    Fonts::new(&[("Inter-Regular.ttf".into(), Arc::new(bytes))], "Inter").unwrap()
}

/// A PNG header claiming `w` × `h` pixels, cut after `keep` bytes (0 keeps it whole).
fn png_bytes(w: u32, h: u32, keep: usize) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w.max(1), h.max(1));
        enc.set_color(png::ColorType::Grayscale);
        let mut wr = enc.write_header().unwrap();
        if (w as u64) * (h as u64) <= 4096 {
            let _ = wr.write_image_data(&vec![0u8; (w.max(1) * h.max(1)) as usize]);
        }
    }
    if keep > 0 && keep < out.len() {
        out.truncate(keep);
    }
    out
}

/// A size attribute: ordinary, tiny, huge, zero, negative, not a number.
fn size() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (1u32..2000).prop_map(|n| n.to_string()),
        1 => Just("0".to_string()),
        1 => Just("-5".to_string()),
        1 => Just("1e-9".to_string()),
        1 => Just("100000000".to_string()),
        1 => Just("1e38".to_string()),
        1 => Just("NaN".to_string()),
        1 => Just("50%".to_string()),
        1 => Just("12mm".to_string()),
    ]
}

/// An element a logo may hold, including references inside and outside.
fn element() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r##"<rect width="10" height="10" fill="url(#g)"/>"##.to_string()),
        Just(r#"<circle r="5" cx="5" cy="5"/>"#.to_string()),
        Just(r#"<text x="1" y="9" font-size="8">Provence</text>"#.to_string()),
        Just(r##"<use href="#g"/>"##.to_string()),
        Just(r##"<use href="#loop"/><g id="loop"><use href="#loop"/></g>"##.to_string()),
        Just(r#"<image width="5" height="5" href="/etc/passwd"/>"#.to_string()),
        Just(r#"<image width="5" height="5" href="https://example.org/x.png"/>"#.to_string()),
        Just(r#"<image width="5" height="5" href="data:image/svg+xml;base64,PHN2Zy8+"/>"#.to_string()),
        Just(r#"<script>alert(1)</script>"#.to_string()),
        Just(r#"<style>@import url(https://x/y.css);</style>"#.to_string()),
        Just(r#"<path d="M0 0 L10 10 Z" onclick="x()"/>"#.to_string()),
        Just(r#"<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>"#.to_string()),
        Just(r#"<linearGradient id="g"><stop offset="0"/></linearGradient>"#.to_string()),
        Just(r#"<filter id="f"><feGaussianBlur stdDeviation="1000000"/></filter><rect filter="url(#f)" width="5" height="5"/>"#.to_string()),
        (1u32..70000, 1u32..70000, 0usize..80).prop_map(|(w, h, keep)| format!(
            r#"<image width="5" height="5" href="data:image/png;base64,{}"/>"#,
            base64(&png_bytes(w, h, keep))
        )),
        "[ -~]{0,30}".prop_map(|t| t.replace(['<', '&'], "")),
    ]
}

/// An SVG logo: a root with any size, elements nested to any depth.
fn svg_like() -> impl Strategy<Value = String> {
    (
        size(),
        size(),
        prop::option::of("[0-9 .-]{0,20}"),
        proptest::collection::vec(element(), 0..6),
        prop_oneof![6 => 0usize..24, 1 => 240usize..600],
        prop::bool::weighted(0.9),
    )
        .prop_map(|(w, h, view_box, items, depth, closed)| {
            let mut s =
                format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}""#);
            if let Some(v) = view_box {
                s.push_str(&format!(r#" viewBox="{v}""#));
            }
            s.push('>');
            s.push_str(&"<g>".repeat(depth));
            for i in items {
                s.push_str(&i);
            }
            if closed {
                s.push_str(&"</g>".repeat(depth));
                s.push_str("</svg>");
            }
            s
        })
}

/// Sanitises, parses and draws `text` as a logo, as the brand set does; checks what
/// comes out of the sanitiser and that it all takes a bounded time.
fn draw_logo(fonts: &Fonts, text: &str) {
    let start = Instant::now();
    if let Ok(clean) = svg::sanitize(text) {
        for bad in [
            "<script",
            "onclick",
            "https://",
            "/etc/passwd",
            "foreignObject",
            "@import",
        ] {
            assert!(!clean.svg.contains(bad), "{bad} survived: {}", clean.svg);
        }
        if let Ok(tree) = svg::parse(&clean.svg, fonts) {
            if std::env::var_os("FUZZ_TRACE").is_some() {
                eprintln!("drawn: {:?}", tree.size());
            }
            let _ = svg::png(&tree, 256);
            let _ = svg::pdf(&[svg::PdfPage {
                tree: &tree,
                width_pt: 100.0,
                height_pt: 100.0,
                bleed_pt: None,
            }]);
        }
    }
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

proptest! {
    // 48 cases in `cargo test`; `scripts/fuzz.sh` asks for many more.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    #[test]
    fn logos_are_drawn_or_refused(text in svg_like()) {
        draw_logo(&fonts(), &text);
    }

    #[test]
    fn partner_logos_are_drawn_or_refused(
        text in svg_like(),
        (w, h, keep) in (1u32..70000, 1u32..70000, 0usize..80),
        junk in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let f = fonts();
        for (name, bytes) in [
            ("partner.svg", text.into_bytes()),
            ("partner.png", png_bytes(w, h, keep)),
            ("partner.png", junk.clone()),
            ("partner.svg", junk),
        ] {
            let start = Instant::now();
            match marque_kit::load_logo(name, &bytes, &f) {
                Ok((d, _)) => prop_assert!(d.width.is_finite() && d.height.is_finite()),
                Err(e) => prop_assert!(!e.is_empty()),
            }
            prop_assert!(start.elapsed() < Duration::from_secs(20));
        }
    }

    #[test]
    fn very_deep_logos_are_refused_before_any_parser_recurses(depth in 257usize..40_000) {
        let text = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg">{}{}</svg>"#,
            "<g>".repeat(depth),
            "</g>".repeat(depth)
        );
        let e = svg::sanitize(&text).unwrap_err();
        prop_assert!(e.message.contains("deep"), "{}", e.message);
        prop_assert!(svg::parse(&text, &fonts()).is_err());
    }
}
