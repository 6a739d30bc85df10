//! `marque check`: what it finds, how it says it, and its exit code.

mod common;

use common::*;

fn check(root: &std::path::Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["check", "--root", root.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = marque(&args);
    (o.status.code(), text(&o))
}

#[test]
fn the_bundled_site_passes_with_its_translation_gaps_as_warnings() {
    let (code, out) = check(&repo_root(), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(" 0 error(s)"), "{out}");
    // One line says what Arabic lacks; the list is on demand.
    let summary = out
        .lines()
        .find(|l| l.starts_with("narrative: warning: translations: 3 languages; ar lacks "))
        .unwrap_or_else(|| panic!("{out}"));
    // Translations older than their source are counted on the same line (how many
    // depends on the clone's history: none in a shallow one).
    assert!(
        summary.ends_with("pages (list them: marque check --translations)")
            || summary.contains(" outdated translation"),
        "{summary}"
    );
    assert!(!out.contains("no translation in ar"), "{out}");
    let (code, out) = check(&repo_root(), &["--translations"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("narrative/fr/membres.md: warning: no translation in ar"),
        "{out}"
    );
    assert!(!repo_root().join("output/.check").exists());
}

#[test]
fn finds_what_a_visitor_would_meet() {
    let p = fixture("basic");
    let root = p.path();
    // A page without description, a skipped heading level, a duplicate title.
    write(
        root,
        "narrative/fr/plain.md",
        "---\ntitle: À propos\n---\n## Un\n\n#### Trois\n",
    );
    // A broken link and an image without alt text or size, from a template.
    let t = root.join("themes/default/templates/page.html");
    let text = std::fs::read_to_string(&t).unwrap();
    std::fs::write(
        &t,
        text.replacen(
            "{% block content %}\n",
            "{% block content %}\n<a href=\"/nowhere/\">x</a><a href=\"/about/#absent\">y</a><img src=\"/favicon.svg\">\n",
            1,
        ),
    )
    .unwrap();
    let (code, out) = check(root, &["--translations"]);
    assert_eq!(code, Some(1), "{out}");
    for want in [
        "narrative/fr/plain.md: warning: this page has no description",
        "narrative/fr/plain.md: warning: output/plain/index.html:",
        "heading h4 follows h2: a level is skipped",
        "narrative/fr/about.md: error: output/about/index.html:",
        "link to /nowhere/, which is not a file of the site",
        "link to /about/#absent, whose page has no anchor '#absent'",
        "image /favicon.svg has no alt text",
        "image /favicon.svg has no width and height (the page jumps while it loads)",
        "the title \"À propos · One Provence\" is used by 2 pages",
        "narrative/fr/news/two.md: warning: no translation in en",
    ] {
        assert!(out.contains(want), "expected {want:?} in:\n{out}");
    }
    // Nothing written.
    assert!(!root.join("output").exists());
}

#[test]
fn files_over_the_budget_are_errors() {
    let p = fixture("basic");
    let cfg = std::fs::read_to_string(p.path().join("marque.yaml")).unwrap();
    write(
        p.path(),
        "marque.yaml",
        &format!("{cfg}check:\n  max_file_kib: 4\n"),
    );
    let (code, out) = check(p.path(), &[]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("KiB is over the budget of 4 KiB (check.max_file_kib in marque.yaml)"),
        "{out}"
    );
}

#[test]
fn reports_json_for_machines() {
    let p = fixture("basic");
    let (code, out) = check(p.path(), &["--format", "json", "--translations"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("\"errors\": 0"), "{out}");
    assert!(out.contains("\"severity\": \"warning\""));
    assert!(out.contains("\"path\": \"narrative/fr/news/two.md\""));
    // A project that does not build: exit 1, and still JSON.
    write(p.path(), "narrative/fr/about.md", "---\ntittle: x\n---\n");
    let (code, out) = check(p.path(), &["--format", "json"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("\"line\": 2"), "{out}");
    assert!(out.contains("unknown field 'tittle'"));
}
