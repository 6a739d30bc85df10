//! `aliases:` in front matter keeps old addresses alive: a small page at each that
//! sends the visitor to the page's address.

mod common;

use common::*;

#[test]
fn each_alias_sends_the_visitor_to_its_page() {
    let dir = fixture("basic");
    let root = dir.path();
    edit(
        root,
        "narrative/fr/news/two.md",
        "date: 2024-05-08\n",
        "date: 2024-05-08\naliases: [\"/actualites/la-flamme/\", \"/2024/flamme.html\", \"/vieux\"]\n",
    );
    build_ok(root, &[]);
    for out in [
        "actualites/la-flamme/index.html",
        "2024/flamme.html",
        "vieux/index.html",
    ] {
        let html = read(root, out);
        assert!(
            html.contains("<meta http-equiv=\"refresh\" content=\"0; url=/news/two/\">"),
            "{out}: {html}"
        );
        assert!(html.contains("<link rel=\"canonical\" href=\"https://example.org/news/two/\">"));
        assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
        assert!(
            html.contains("<a href=\"/news/two/\">Deuxième nouvelle</a>"),
            "{html}"
        );
        assert!(html.contains("<html lang=\"fr\" dir=\"ltr\">"));
    }
    // Not in the sitemap; the English fallback copy has none of its own.
    let sitemap = read(root, "sitemap.xml");
    assert!(
        !sitemap.contains("la-flamme") && !sitemap.contains("vieux"),
        "{sitemap}"
    );
    assert!(!root.join("output/en/actualites").exists());
    // A link to an old address is a link to a page of the site; check is clean.
    write(
        root,
        "narrative/fr/liens.md",
        "---\ntitle: Liens\ndescription: Des liens.\n---\n[L’ancienne adresse](/actualites/la-flamme/).\n",
    );
    build_ok(root, &[]);
    let o = marque(&["check", "--root", root.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(!t.contains("la-flamme") && !t.contains("vieux"), "{t}");
    // The alias removed: its page goes with the next build.
    edit(
        root,
        "narrative/fr/news/two.md",
        "\"/2024/flamme.html\", ",
        "",
    );
    build_ok(root, &[]);
    assert!(!root.join("output/2024/flamme.html").exists());
}

#[test]
fn bad_aliases_are_errors_at_their_line() {
    for (value, want) in [
        (
            "[\"ancienne/\"]",
            "alias 'ancienne/' must be an address from the site's root, starting with '/'",
        ),
        ("[\"/\"]", "alias '/' is the home page"),
        (
            "[\"/a/../b/\"]",
            "alias '/a/../b/' must not contain '//', '.' or '..' segments",
        ),
        ("[\"/a?b=1\"]", "alias '/a?b=1' must be a plain path"),
        (
            "\"/ancienne/\"",
            "aliases: '/ancienne/' is one address, not a list: write aliases: [\"/ancienne/\"]",
        ),
        (
            "[3]",
            "field 'aliases' must be a list of addresses, found a number",
        ),
        // Already an address of the site: a page, or another page's alias.
        (
            "[\"/about/\"]",
            "alias '/about/' is already the address of /about/: a former address must be free",
        ),
    ] {
        let dir = fixture("basic");
        let root = dir.path();
        build_ok(root, &[]);
        edit(
            root,
            "narrative/fr/news/two.md",
            "date: 2024-05-08\n",
            &format!("date: 2024-05-08\naliases: {value}\n"),
        );
        fails_with(root, &["narrative/fr/news/two.md:5:", want]);
    }
    let dir = fixture("basic");
    let root = dir.path();
    build_ok(root, &[]);
    for page in ["narrative/fr/news/one.md", "narrative/fr/news/two.md"] {
        edit(root, page, "title: ", "aliases: [\"/ancienne/\"]\ntitle: ");
    }
    fails_with(
        root,
        &["alias '/ancienne/' is already an alias of narrative/fr/news/"],
    );
}
