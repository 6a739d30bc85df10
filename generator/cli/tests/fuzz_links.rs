//! Property test standing in for fuzzing link resolution end to end: a project whose
//! pages link to each other with arbitrary targets and anchors either builds or fails
//! with located errors; it never panics. `scripts/fuzz.sh` runs it longer.

mod common;

use common::*;
use proptest::prelude::*;

fn link() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("@/about.md".to_string()),
        Just("@/about.md#notre-mission".to_string()),
        Just("@/news/one.md#au-programme".to_string()),
        Just("../about.md".to_string()),
        Just("two.md".to_string()),
        Just("#".to_string()),
        "@/[a-z/._-]{0,12}(#[a-z-]{0,8})?",
        "[a-z./]{0,10}\\.md(#[\\PC]{0,6})?",
        "#[\\PC]{0,8}",
    ]
}

proptest! {
    // Each case builds a project: 24 by default, as many as PROPTEST_CASES says in
    // scripts/fuzz.sh.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
    ))]
    #[test]
    fn link_resolution_never_panics(links in proptest::collection::vec(link(), 1..6)) {
        let p = fixture("basic");
        let body: Vec<String> = links.iter().map(|l| format!("[x]({l})")).collect();
        write(p.path(), "narrative/fr/news/two.md", &format!("---\ntitle: Deux\n---\n## Titre\n\n{}\n", body.join(" et ")));
        let o = build(p.path(), &[]);
        let t = text(&o);
        prop_assert!(!t.contains("panicked"), "{}", t);
        prop_assert!(matches!(o.status.code(), Some(0) | Some(1)), "{}", t);
        if o.status.code() == Some(1) {
            prop_assert!(t.contains("narrative/fr/news/two.md:6:"), "{}", t);
        }
    }
}
