//! Property tests standing in for fuzzing (cargo-fuzz needs a nightly toolchain, which
//! cannot be installed here): front matter, dates and YAML never panic, whatever the
//! input. `scripts/fuzz.sh` runs them for minutes with many more cases.

use std::path::Path;

use marque_project::Diagnostics;
use marque_project::date::Date;
use marque_project::front_matter::{parse_front_matter, split};
use proptest::prelude::*;

/// Text that looks like front matter: fences, keys, values, YAML punctuation.
fn front_matter_like() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("title".to_string()),
        Just("date".to_string()),
        Just("tags".to_string()),
        Just("extra".to_string()),
        Just("weight".to_string()),
        Just("draft".to_string()),
        Just("slug".to_string()),
        "[a-z_]{1,8}",
    ];
    let value = prop_oneof![
        "[ -~]{0,20}",
        "\\PC{0,20}",
        Just("[a, b, [c]".to_string()),
        Just("{x: 1, y: [2, 3]}".to_string()),
        Just("|\n  bloc\n  texte".to_string()),
        Just("&anchor x".to_string()),
        Just("*anchor".to_string()),
        Just("!!binary aGVsbG8=".to_string()),
        Just("2024-02-30".to_string()),
        Just("\"\\u00e9\"".to_string()),
    ];
    (
        proptest::collection::vec((key, value), 0..8),
        "\\PC{0,40}",
        any::<bool>(),
    )
        .prop_map(|(fields, body, closed)| {
            let mut s = String::from("---\n");
            for (k, v) in fields {
                s.push_str(&format!("{k}: {v}\n"));
            }
            if closed {
                s.push_str("---\n");
            }
            s.push_str(&body);
            s
        })
}

fn parse(text: &str) {
    if let Ok(s) = split(text) {
        let mut d = Diagnostics::new();
        let _ = parse_front_matter(
            s.yaml,
            s.yaml_line_offset,
            Path::new("p.md"),
            &["tags"],
            &mut d,
        );
        for x in &d.0 {
            // Every problem is located in the file.
            assert_eq!(x.path, Path::new("p.md"));
        }
    }
}

proptest! {
    #[test]
    fn front_matter_never_panics(text in front_matter_like()) {
        parse(&text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        parse(&text);
        parse(&format!("---\n{text}\n---\n"));
    }

    #[test]
    fn dates_never_panic(text in "[0-9T:+Z -]{0,30}") {
        if let Ok(d) = Date::parse(&text) {
            // What parses formats and round-trips.
            let again = Date::parse(&d.rfc3339()).unwrap();
            prop_assert_eq!(again.ymd(), d.ymd());
        }
    }
}
