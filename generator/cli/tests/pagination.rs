//! Paginated sections (`paginate_by`): each page of the list at `page/N/`, with
//! `rel="prev"`/`"next"`, in the sitemap; and an Atom feed for each section.

mod common;

use common::*;

/// The fixture with `n` more dated news items in French (2024-01-01, -02, …).
fn with_news(n: usize, paginate_by: Option<&str>) -> tempfile::TempDir {
    let dir = fixture("basic");
    let root = dir.path();
    for k in 1..=n {
        write(
            root,
            &format!("narrative/fr/news/item-{k:02}.md"),
            &format!(
                "---\ntitle: Nouvelle {k:02}\ndate: 2024-01-{k:02}\n---\nLe récit numéro {k}.\n"
            ),
        );
    }
    if let Some(by) = paginate_by {
        edit(
            root,
            "narrative/fr/news/_index.md",
            "weight: 20\n",
            &format!("weight: 20\npaginate_by: {by}\n"),
        );
    }
    dir
}

/// The `href` of the first `<link rel="{rel}" …>` of a page.
fn link_rel(html: &str, rel: &str) -> Option<String> {
    let at = html.find(&format!("<link rel=\"{rel}\" href=\""))?;
    let rest = &html[at + rel.len() + 19..];
    Some(rest[..rest.find('"')?].to_string())
}

#[test]
fn a_paginated_section_lists_its_pages_on_numbered_pages() {
    // 10 new items + the fixture's two dated French news items = 12 pages, 5 a page.
    let dir = with_news(10, Some("5"));
    let root = dir.path();
    build_ok(root, &[]);
    let first = read(root, "news/index.html");
    let second = read(root, "news/page/2/index.html");
    let third = read(root, "news/page/3/index.html");
    assert!(!root.join("output/news/page/4").exists());
    // `page/1/` sends the visitor to the section's own page.
    let one = read(root, "news/page/1/index.html");
    assert!(
        one.contains("<meta http-equiv=\"refresh\" content=\"0; url=/news/\">"),
        "{one}"
    );
    assert!(!read(root, "sitemap.xml").contains("/news/page/1/"));
    // Newest first: the fixture's two (May and January 25), then items 10 to 1.
    assert!(first.contains("Deuxième nouvelle") && first.contains("Première nouvelle"));
    for k in 1..=10 {
        let t = format!("Nouvelle {k:02}");
        let on = |html: &str| html.contains(&t);
        let want = match k {
            8..=10 => [true, false, false],
            3..=7 => [false, true, false],
            _ => [false, false, true],
        };
        assert_eq!([on(&first), on(&second), on(&third)], want, "{t}");
    }
    assert_eq!(third.matches("<article class=\"card").count(), 2, "{third}");
    // rel prev/next in the head, and the visible navigation.
    assert_eq!(link_rel(&first, "prev"), None);
    assert_eq!(link_rel(&first, "next").as_deref(), Some("/news/page/2/"));
    assert_eq!(link_rel(&second, "prev").as_deref(), Some("/news/"));
    assert_eq!(link_rel(&second, "next").as_deref(), Some("/news/page/3/"));
    assert_eq!(link_rel(&third, "prev").as_deref(), Some("/news/page/2/"));
    assert_eq!(link_rel(&third, "next"), None);
    assert!(
        second.contains(
            "<nav class=\"pagination\" data-pagefind-ignore aria-label=\"Pages de la liste\">"
        ),
        "{second}"
    );
    assert!(
        second.contains("<a href=\"/news/page/2/\" aria-current=\"page\">"),
        "{second}"
    );
    // Each page is its own page: its own address, its own title.
    assert!(
        second.contains("<link rel=\"canonical\" href=\"https://example.org/news/page/2/\">")
            || second.contains("/news/page/2/\">"),
        "{second}"
    );
    assert!(second.contains("<title>Nouvelles · Page 2 ·"), "{second}");
    // The breadcrumb goes back to the list's first page and names this one.
    assert!(
        second.contains(
            "<li><a href=\"/news/\">Nouvelles</a></li><li aria-current=\"page\">Page 2</li>"
        ),
        "{second}"
    );
    // Every page of the list is in the sitemap, and no link is broken.
    let sitemap = read(root, "sitemap.xml");
    assert!(sitemap.contains("/news/page/2/</loc>"), "{sitemap}");
    assert!(sitemap.contains("/news/page/3/</loc>"), "{sitemap}");
    assert_eq!(broken_links(&root.join("output")), Vec::<String>::new());
    // A link to a page of the list is checked like any other.
    write(
        root,
        "narrative/fr/liens.md",
        "---\ntitle: Liens\n---\n[Plus anciennes](/news/page/3/) et [trop loin](/news/page/9/).\n",
    );
    let err = build_err(root, &[]);
    assert!(err.contains("narrative/fr/liens.md:4:"), "{err}");
    assert!(err.contains("/news/page/9/"), "{err}");
    assert!(!err.contains("link '/news/page/3/'"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "{err}");
}

#[test]
fn a_short_list_is_one_page_and_a_new_item_adds_a_page() {
    let dir = with_news(3, Some("5"));
    let root = dir.path();
    build_ok(root, &[]);
    let first = read(root, "news/index.html");
    assert!(!root.join("output/news/page").exists());
    assert!(!first.contains("class=\"pagination\""), "{first}");
    assert_eq!(link_rel(&first, "next"), None);
    // One more item: 6 pages, a second page (and the sitemap says so).
    write(
        root,
        "narrative/fr/news/late.md",
        "---\ntitle: Nouvelle tardive\ndate: 2023-06-01\n---\nLa plus ancienne.\n",
    );
    build_ok(root, &[]);
    let second = read(root, "news/page/2/index.html");
    assert!(second.contains("Nouvelle tardive"), "{second}");
    assert!(read(root, "sitemap.xml").contains("/news/page/2/</loc>"));
    // Without paginate_by, the section lists everything on one page again.
    edit(root, "narrative/fr/news/_index.md", "paginate_by: 5\n", "");
    build_ok(root, &[]);
    assert!(!root.join("output/news/page").exists());
    assert!(read(root, "news/index.html").contains("Nouvelle tardive"));
    assert!(!read(root, "sitemap.xml").contains("/page/2/"));
}

#[test]
fn a_bad_paginate_by_is_an_error_at_its_line() {
    for (value, want) in [
        (
            "0",
            "field 'paginate_by' is 0: it must be a whole number of pages from 1 to 1000",
        ),
        ("5000", "field 'paginate_by' is 5000"),
        ("-3", "field 'paginate_by' is -3"),
        ("2.5", "field 'paginate_by' is 2.5"),
        (
            "six",
            "field 'paginate_by' must be a whole number of pages from 1 to 1000, found a string",
        ),
    ] {
        let dir = with_news(0, None);
        let root = dir.path();
        build_ok(root, &[]);
        edit(
            root,
            "narrative/fr/news/_index.md",
            "weight: 20\n",
            &format!("weight: 20\npaginate_by: {value}\n"),
        );
        fails_with(root, &["narrative/fr/news/_index.md:5:", want]);
    }
    // On a page rather than a section.
    let dir = with_news(0, None);
    let root = dir.path();
    build_ok(root, &[]);
    edit(
        root,
        "narrative/fr/news/two.md",
        "---\n",
        "---\npaginate_by: 4\n",
    );
    fails_with(
        root,
        &[
            "narrative/fr/news/two.md:2:",
            "it goes in the section's _index.md",
        ],
    );
}

#[test]
fn each_section_with_dated_pages_has_its_own_feed() {
    let dir = with_news(2, None);
    let root = dir.path();
    write(
        root,
        "narrative/fr/guides/_index.md",
        "---\ntitle: Guides\n---\nDes guides.\n",
    );
    write(
        root,
        "narrative/fr/guides/couleurs.md",
        "---\ntitle: Les couleurs\ndate: 2024-03-01\n---\nBleu et ocre.\n",
    );
    write(
        root,
        "narrative/fr/guides/sans-date.md",
        "---\ntitle: Sans date\n---\nUn guide intemporel.\n",
    );
    build_ok(root, &[]);
    let news = read(root, "news/atom.xml");
    assert!(news.contains("<title>Nouvelles · "), "{news}");
    assert!(
        news.contains("Nouvelle 01") && news.contains("Nouvelle 02"),
        "{news}"
    );
    assert!(!news.contains("Les couleurs"), "{news}");
    assert!(
        news.contains("<link rel=\"self\" type=\"application/atom+xml\" href=\"https://example.org/news/atom.xml\"/>")
            || news.contains("/news/atom.xml\"/>"),
        "{news}"
    );
    let guides = read(root, "guides/atom.xml");
    assert!(guides.contains("Les couleurs"), "{guides}");
    assert!(
        !guides.contains("Sans date") && !guides.contains("Nouvelle"),
        "{guides}"
    );
    // The language's feed still has every dated page.
    let all = read(root, "atom.xml");
    assert!(
        all.contains("Les couleurs") && all.contains("Nouvelle 01"),
        "{all}"
    );
    // The section page announces its feed, in the head and in the page.
    let list = read(root, "news/index.html");
    assert!(
        list.contains("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Nouvelles (Atom)\" href=\"/news/atom.xml\">"),
        "{list}"
    );
    assert!(list.contains("<a href=\"/news/atom.xml\">"), "{list}");
    // The English news section has its own feed in English.
    let en = read(root, "en/updates/atom.xml");
    assert!(en.contains("xml:lang=\"en\""), "{en}");
    assert!(!en.contains("Nouvelle 01"), "{en}");
    // An edit to a news item remakes its section's feed.
    edit(
        root,
        "narrative/fr/guides/couleurs.md",
        "Les couleurs",
        "Les couleurs de la marque",
    );
    build_ok(root, &[]);
    assert!(read(root, "guides/atom.xml").contains("Les couleurs de la marque"));
}
