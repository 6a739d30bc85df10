//! Property tests standing in for fuzzing: the Markdown pipeline (French typography,
//! heading ids, link collection and resolution) never panics and keeps its promises,
//! whatever the input. `scripts/fuzz.sh` runs them for minutes with many more cases.

use marque_site::markdown::{MarkdownOptions, french_typography, render_markdown};
use marque_site::slugify;
use proptest::prelude::*;

/// Markdown with the constructs the pipeline rewrites: links to sources, anchors,
/// headings, footnotes, tables, raw HTML, French punctuation.
fn markdown_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,30}",
        "#{1,6} [\\PC&&[^\n]]{0,20}",
        "\\[[a-z ]{0,8}\\]\\(@/[a-z/._#-]{0,20}\\)",
        "\\[[a-z ]{0,8}\\]\\([a-z./#-]{0,20}\\.md(#[a-z-]{0,8})?\\)",
        "\\[x\\]\\(#[\\PC]{0,10}\\)",
        Just("| a | b |\n|---|---|\n| « x » | y ? |".to_string()),
        Just("Note[^1].\n\n[^1]: texte !".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("https://example.org et www.example.org".to_string()),
        Just("```\ncode : ici\n```".to_string()),
        "[«»:;!? \u{a0}\u{202f}a]{0,12}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|p| p.join("\n\n"))
}

proptest! {
    #[test]
    fn markdown_never_panics(md in markdown_like(), allow_html in any::<bool>(), french in any::<bool>(), depth in 0usize..4) {
        let rel = ["p.md", "a/p.md", "a/b/p.md", "a/b/c/_index.md"][depth];
        let r = render_markdown(&md, rel, 3, MarkdownOptions { allow_html, french_typography: french });
        // Every collected link left a marker in the HTML, in order.
        for i in 0..r.meta.links.len() {
            let marker = format!("marque-link:{i}");
            prop_assert!(r.html.contains(&marker));
        }
        // Line numbers count the lines before the body.
        for h in &r.meta.headings {
            prop_assert!(h.line > 3);
        }
        if !allow_html {
            prop_assert!(!r.html.contains("<script>"));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = render_markdown(&text, "p.md", 0, MarkdownOptions { allow_html: false, french_typography: true });
        let _ = french_typography(&text);
        let _ = slugify(&text);
    }

    #[test]
    fn french_typography_only_changes_spaces(text in "\\PC{0,100}") {
        let out = french_typography(&text);
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        prop_assert_eq!(strip(&out), strip(&text));
    }
}
