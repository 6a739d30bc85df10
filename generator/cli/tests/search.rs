//! Search: a page with `template: search.html` in a language gives the site a search
//! index (pagefind, per language, with stemming) of the pages that are their language's
//! own text, a search field in every page's header and a search page that works without
//! JavaScript as a form. The index is made again only when indexed text changed.

mod common;

use common::*;
use std::path::Path;

/// The basic fixture with a search page in French and in English.
fn with_search_pages() -> tempfile::TempDir {
    let dir = fixture("basic");
    let root = dir.path();
    write(
        root,
        "narrative/fr/recherche.md",
        "---\ntitle: Recherche\ndescription: Chercher dans le site.\ntemplate: search.html\n---\nTapez un mot.\n",
    );
    write(
        root,
        "narrative/en/recherche.md",
        "---\ntitle: Search\ndescription: Search the site.\ntemplate: search.html\nslug: search\n---\nType a word.\n",
    );
    dir
}

/// `page_count` of language `lang` in the index's entry file.
fn page_count(root: &Path, lang: &str) -> u64 {
    let entry: serde_json::Value =
        serde_json::from_str(&read(root, "pagefind/pagefind-entry.json")).unwrap();
    entry["languages"][lang]["page_count"]
        .as_u64()
        .unwrap_or_else(|| panic!("no {lang} in {entry}"))
}

fn index_files(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    tree(&root.join("output/pagefind"))
}

#[test]
fn each_language_has_its_index_of_its_own_pages() {
    let dir = with_search_pages();
    let root = dir.path();
    build_ok(root, &[]);
    // French: the about page, the news section and its two pages (not the home, not
    // the search page). English: its own three; the fallback copy of the second news
    // item (French text) is left out.
    assert_eq!(page_count(root, "fr"), 4);
    assert_eq!(page_count(root, "en"), 3);
    let files = index_files(root);
    for f in ["pagefind.js", "pagefind-entry.json", "wasm.fr.pagefind"] {
        assert!(files.contains_key(f), "{f} missing: {:?}", files.keys());
    }
    assert!(
        files.keys().any(|f| f.starts_with("fragment/"))
            && files.keys().any(|f| f.starts_with("index/")),
        "{:?}",
        files.keys()
    );
    // The UI bundles the theme does not use are not published.
    assert!(
        !files.keys().any(|f| f.contains("-ui.")),
        "{:?}",
        files.keys()
    );
    // Only the main content of pages that are their language's own text is marked.
    let marked = |rel: &str| read(root, rel).contains("data-pagefind-body");
    assert!(marked("news/one/index.html") && marked("en/updates/one/index.html"));
    assert!(marked("about/index.html") && marked("news/index.html"));
    for rel in [
        "en/updates/two/index.html",
        "index.html",
        "en/index.html",
        "recherche/index.html",
        "404.html",
        "tags/index.html",
    ] {
        assert!(!marked(rel), "{rel} is marked for the index");
    }
    // The section shown with each result, read from the page.
    assert!(read(root, "news/one/index.html").contains(
        "<span hidden data-pagefind-ignore data-pagefind-meta=\"section\">Nouvelles</span>"
    ));
}

#[test]
fn the_header_field_is_a_plain_form_that_opens_the_search_page() {
    let dir = with_search_pages();
    let root = dir.path();
    build_ok(root, &[]);
    let fr = read(root, "about/index.html");
    assert!(
        fr.contains(
            "<form class=\"site-search\" role=\"search\" action=\"/recherche/\" method=\"get\">"
        ),
        "{fr}"
    );
    assert!(fr.contains(
        "<label class=\"visually-hidden\" for=\"site-search-q\">Rechercher sur le site</label>"
    ));
    assert!(fr.contains("<input id=\"site-search-q\" type=\"search\" name=\"q\""));
    let en = read(root, "en/updates/one/index.html");
    assert!(en.contains("action=\"/en/search/\""), "{en}");
    assert!(en.contains("for=\"site-search-q\">Search the site</label>"));
    // The fallback copy in English sends to the English search page too.
    assert!(read(root, "en/updates/two/index.html").contains("action=\"/en/search/\""));
    // The search page: its own form, a message and the sitemap without JavaScript,
    // the script that asks the index.
    let page = read(root, "recherche/index.html");
    assert!(!page.contains("class=\"site-search\""), "{page}");
    assert!(page.contains("<form role=\"search\" action=\"/recherche/\" method=\"get\">"));
    assert!(page.contains("<noscript>"));
    assert!(page.contains("a besoin de JavaScript"));
    assert!(page.contains("href=\"/sitemap.xml\""));
    assert!(page.contains("data-pagefind=\"/pagefind/pagefind.js\""));
    let script = links(&page)
        .into_iter()
        .find(|l| l.starts_with("/js/search.js"))
        .unwrap_or_else(|| panic!("no search script in {page}"));
    let file = script.split('?').next().unwrap().trim_start_matches('/');
    assert!(read(root, file).contains("pf.search(query)"));
}

#[test]
fn a_site_without_a_search_page_has_no_index_and_no_field() {
    let dir = fixture("basic");
    let root = dir.path();
    build_ok(root, &[]);
    assert!(!root.join("output/pagefind").exists());
    assert!(!read(root, "about/index.html").contains("role=\"search\""));
    // A search page added later brings the index; removed, it takes it away.
    write(
        root,
        "narrative/fr/recherche.md",
        "---\ntitle: Recherche\ndescription: Chercher.\ntemplate: search.html\n---\n",
    );
    build_ok(root, &[]);
    assert!(root.join("output/pagefind/pagefind.js").is_file());
    // English has the French page's fallback copy, at its own address.
    assert!(read(root, "en/about-us/index.html").contains("action=\"/en/recherche/\""));
    std::fs::remove_file(root.join("narrative/fr/recherche.md")).unwrap();
    build_ok(root, &[]);
    assert!(!root.join("output/pagefind").exists());
}

#[test]
fn the_index_is_remade_only_when_indexed_text_changes() {
    let dir = with_search_pages();
    let root = dir.path();
    build_ok(root, &[]);
    let entry = root.join("output/pagefind/pagefind-entry.json");
    let first = index_files(root);
    let mtime = std::fs::metadata(&entry).unwrap().modified().unwrap();
    // No change: nothing written.
    let t = build_ok(root, &[]);
    assert!(t.contains(" 0 written"), "{t}");
    assert_eq!(
        std::fs::metadata(&entry).unwrap().modified().unwrap(),
        mtime
    );
    // Every page's header changes, no indexed text does: the index stays.
    edit(
        root,
        "themes/default/i18n/fr.yaml",
        "search_placeholder: \"Rechercher…\"",
        "search_placeholder: \"Un mot…\"",
    );
    build_ok(root, &[]);
    assert!(read(root, "about/index.html").contains("Un mot…"));
    assert_eq!(index_files(root), first);
    assert_eq!(
        std::fs::metadata(&entry).unwrap().modified().unwrap(),
        mtime
    );
    // The text of a page changes: the French index is made again, the English one is
    // the same.
    edit(
        root,
        "narrative/fr/about.md",
        "Cinq personnes.",
        "Cinq personnes et une mascotte.",
    );
    build_ok(root, &[]);
    let second = index_files(root);
    assert_ne!(second["pagefind-entry.json"], first["pagefind-entry.json"]);
    // Made from the edited page as its rendering left it and the others read from
    // the output, it is the index a clean build makes.
    std::fs::remove_dir_all(root.join("output")).unwrap();
    build_ok(root, &[]);
    assert_eq!(index_files(root), second);
    let metas = |files: &std::collections::BTreeMap<String, Vec<u8>>, lang: &str| {
        files
            .keys()
            .filter(|k| k.starts_with(&format!("pagefind.{lang}_")))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(metas(&second, "en"), metas(&first, "en"));
    assert_ne!(metas(&second, "fr"), metas(&first, "fr"));
    // Files of the old index that the new one lacks are gone.
    for old in metas(&first, "fr") {
        assert!(!second.contains_key(&old), "{old} still there");
    }
    // A page left out by its front matter leaves the index.
    edit(
        root,
        "narrative/fr/about.md",
        "weight: 10\n",
        "weight: 10\nin_search_index: false\n",
    );
    build_ok(root, &[]);
    assert_eq!(page_count(root, "fr"), 3);
    assert!(!read(root, "about/index.html").contains("data-pagefind-body"));
}

#[test]
fn the_same_sources_give_the_same_index_bytes() {
    let (a, b) = (with_search_pages(), with_search_pages());
    build_ok(a.path(), &[]);
    build_ok(b.path(), &[]);
    let (ia, ib) = (index_files(a.path()), index_files(b.path()));
    assert!(!ia.is_empty());
    assert_eq!(ia.keys().collect::<Vec<_>>(), ib.keys().collect::<Vec<_>>());
    for (k, v) in &ia {
        assert!(ib[k] == *v, "{k} differs between two builds");
    }
}

#[test]
fn a_bad_in_search_index_or_a_file_in_the_index_folder_is_an_error() {
    let dir = with_search_pages();
    let root = dir.path();
    build_ok(root, &[]);
    let before = tree(&root.join("output"));
    edit(
        root,
        "narrative/fr/about.md",
        "weight: 10\n",
        "weight: 10\nin_search_index: non\n",
    );
    let t = build_err(root, &[]);
    assert!(t.contains("narrative/fr/about.md:5"), "{t}");
    assert!(
        t.contains("in_search_index") && t.contains("true or false"),
        "{t}"
    );
    edit(root, "narrative/fr/about.md", "in_search_index: non\n", "");
    // A static file of the theme where the index goes.
    write(
        root,
        "themes/default/static/pagefind/pagefind.js",
        "alert(1)",
    );
    let t = build_err(root, &[]);
    assert!(
        t.contains("pagefind/pagefind.js") && t.contains("search index"),
        "{t}"
    );
    // Nothing of the previous site was lost.
    assert!(tree(&root.join("output")) == before);
}

#[test]
fn a_search_weight_ranks_a_section_or_a_page_higher() {
    let dir = with_search_pages();
    let root = dir.path();
    edit(
        root,
        "narrative/fr/news/_index.md",
        "weight: 20\n",
        "weight: 20\nsearch_weight: 2\n",
    );
    edit(
        root,
        "narrative/fr/news/two.md",
        "---\n",
        "---\nsearch_weight: 0.5\n",
    );
    build_ok(root, &[]);
    let weight = |rel: &str| {
        read(root, rel)
            .split("data-pagefind-meta=\"weight\">")
            .nth(1)
            .map(|r| r.split('<').next().unwrap().to_string())
    };
    // The section's pages take its weight, a page's own wins; the search page reads it.
    assert_eq!(weight("news/one/index.html").as_deref(), Some("2.0"));
    assert_eq!(weight("news/index.html").as_deref(), Some("2.0"));
    assert_eq!(weight("news/two/index.html").as_deref(), Some("0.5"));
    assert_eq!(weight("about/index.html"), None);
    // Not in English, whose section gives none.
    assert_eq!(weight("en/updates/one/index.html"), None);
    assert!(read(root, "js/search.js").contains("d.meta.weight"));

    for (value, says) in [
        ("0", "must be a number from 0.1 to 10"),
        ("11", "must be a number from 0.1 to 10"),
        ("-1", "must be a number from 0.1 to 10"),
        ("heavy", "a number from 0.1 to 10"),
    ] {
        edit(
            root,
            "narrative/fr/news/_index.md",
            "search_weight: 2\n",
            &format!("search_weight: {value}\n"),
        );
        let t = build_err(root, &[]);
        assert!(
            t.contains("narrative/fr/news/_index.md:5") && t.contains(says),
            "{value}: {t}"
        );
        edit(
            root,
            "narrative/fr/news/_index.md",
            &format!("search_weight: {value}\n"),
            "search_weight: 2\n",
        );
    }
}
