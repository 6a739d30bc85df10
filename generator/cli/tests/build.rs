//! `marque build` on fixture projects: the pages, their multilingual metadata, the
//! files beside them, and what a rebuild does.

mod common;

use common::*;

#[test]
fn builds_pages_in_every_language_at_their_urls() {
    let p = fixture("basic");
    let out = build_ok(p.path(), &[]);
    // One line, not one per page.
    assert!(
        out.contains(
            "translations: 2 languages; en lacks 1 page (list them: marque check --translations)"
        ),
        "{out}"
    );
    assert!(!out.contains("news/two.md"), "{out}");
    for f in [
        "index.html",
        "about/index.html",
        "news/index.html",
        "news/one/index.html",
        "news/two/index.html",
        "en/index.html",
        "en/about-us/index.html",
        "en/updates/index.html",
        "en/updates/one/index.html",
        "en/updates/two/index.html",
        "tags/index.html",
        "tags/academie/index.html",
        "tags/reseau/index.html",
        "en/tags/academy/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "atom.xml",
        "en/atom.xml",
    ] {
        assert!(p.path().join("output").join(f).is_file(), "missing {f}");
    }
    let fr = read(p.path(), "about/index.html");
    assert!(fr.contains("<html lang=\"fr\" dir=\"ltr\">"), "{fr}");
    assert!(fr.contains("<h1>À propos</h1>"));
    // French typography: a narrow no-break space before the colon.
    assert!(
        fr.contains("Faire savoir\u{202f}: nos savoir-faire."),
        "{fr}"
    );
    assert!(fr.contains("<h2 id=\"notre-mission\">Notre mission</h2>"));
    // The live-reload script belongs to `marque serve` only.
    for (f, bytes) in tree(&p.path().join("output")) {
        assert!(!String::from_utf8_lossy(&bytes).contains("__marque"), "{f}");
    }
}

#[test]
fn every_page_carries_hreflang_canonical_and_social_meta() {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    let en = read(p.path(), "en/about-us/index.html");
    assert!(en.contains("<html lang=\"en\" dir=\"ltr\">"));
    assert!(
        en.contains("<link rel=\"canonical\" href=\"https://example.org/en/about-us/\">"),
        "{en}"
    );
    assert!(
        en.contains("<link rel=\"alternate\" hreflang=\"fr\" href=\"https://example.org/about/\">")
    );
    assert!(en.contains(
        "<link rel=\"alternate\" hreflang=\"en\" href=\"https://example.org/en/about-us/\">"
    ));
    assert!(en.contains(
        "<link rel=\"alternate\" hreflang=\"x-default\" href=\"https://example.org/about/\">"
    ));
    assert!(en.contains("<meta name=\"description\" content=\"Who we are.\">"));
    assert!(en.contains("<meta property=\"og:title\" content=\"About\">"));
    assert!(en.contains("<meta property=\"og:url\" content=\"https://example.org/en/about-us/\">"));
    assert!(en.contains("<meta name=\"twitter:card\""));
    assert!(en.contains("<a class=\"skip-link\" href=\"#main\">"));
}

#[test]
fn language_switcher_goes_to_the_same_page_or_the_home() {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    let fr = read(p.path(), "about/index.html");
    assert!(fr.contains("<a href=\"/en/about-us/\" lang=\"en\""), "{fr}");
    // The English site has news/two only as a fallback; the French page's switcher
    // still offers the English URL, where the fallback is served.
    let two = read(p.path(), "news/two/index.html");
    assert!(
        two.contains("<a href=\"/en/updates/two/\" lang=\"en\""),
        "{two}"
    );
}

#[test]
fn a_missing_translation_is_served_from_the_fallback_with_a_notice() {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    let two = read(p.path(), "en/updates/two/index.html");
    assert!(two.contains("<html lang=\"en\""));
    assert!(two.contains("class=\"notice\""), "{two}");
    assert!(two.contains("has not been translated yet"));
    assert!(two.contains("Deuxième nouvelle"));
    // The French content is marked as French, and the canonical URL is the original.
    assert!(two.contains("lang=\"fr\" dir=\"ltr\""));
    assert!(two.contains("<link rel=\"canonical\" href=\"https://example.org/news/two/\">"));
    // A fallback page is not an hreflang alternate of the original.
    let orig = read(p.path(), "news/two/index.html");
    assert!(!orig.contains("hreflang=\"en\" href"), "{orig}");
}

#[test]
fn omit_mode_leaves_untranslated_pages_out() {
    let p = fixture("basic");
    let cfg = std::fs::read_to_string(p.path().join("marque.yaml")).unwrap();
    write(
        p.path(),
        "marque.yaml",
        &cfg.replace("missing_translation: fallback", "missing_translation: omit"),
    );
    let out = build_ok(p.path(), &[]);
    assert!(out.contains("en lacks 1 page"), "{out}");
    assert!(!p.path().join("output/en/updates/two").exists());
    // The English link to two.md goes to the French page.
    let one = read(p.path(), "en/updates/one/index.html");
    assert!(one.contains("href=\"/news/two/\""), "{one}");
}

#[test]
fn strict_turns_translation_gaps_into_errors() {
    let p = fixture("basic");
    let out = build_err(p.path(), &["--strict"]);
    assert!(
        out.contains("narrative/fr/news/two.md: error: --strict: no translation in en"),
        "{out}"
    );
    assert!(!p.path().join("output").exists());
    // Named languages only: French lacks nothing, English lacks news/two.
    build_ok(p.path(), &["--strict=fr"]);
    let out = build_err(p.path(), &["--strict=fr,en"]);
    assert!(
        out.contains("error: --strict: no translation in en"),
        "{out}"
    );
    let out = build_err(p.path(), &["--strict=eng"]);
    assert!(
        out.contains(
            "--strict: error: 'eng' is not a language of the site (fr, en) (did you mean 'en'?)"
        ),
        "{out}"
    );
}

#[test]
fn the_config_lists_the_languages_that_must_be_complete() {
    let p = fixture("basic");
    let root = p.path();
    let cfg = std::fs::read_to_string(root.join("marque.yaml")).unwrap();
    write(
        root,
        "marque.yaml",
        &format!("{cfg}complete_languages: [fr]\n"),
    );
    build_ok(root, &[]);
    write(
        root,
        "marque.yaml",
        &format!("{cfg}complete_languages: [fr, en]\n"),
    );
    let out = build_err(root, &[]);
    assert!(
        out.contains("narrative/fr/news/two.md: error: complete_languages: no translation in en"),
        "{out}"
    );
    // `marque check` holds the site to it too.
    let o = marque(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    write(
        root,
        "marque.yaml",
        &format!("{cfg}complete_languages: [fr, de]\n"),
    );
    let out = build_err(root, &[]);
    assert!(
        out.contains(
            "marque.yaml: error: complete_languages: 'de' is not one of the languages (fr, en)"
        ),
        "{out}"
    );
}

#[test]
fn source_links_resolve_per_language_with_anchors() {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    let fr = read(p.path(), "news/one/index.html");
    assert!(fr.contains("href=\"/about/#notre-mission\""), "{fr}");
    assert!(fr.contains("href=\"/news/two/\""));
    let en = read(p.path(), "en/updates/one/index.html");
    assert!(en.contains("href=\"/en/about-us/#our-mission\""), "{en}");
    assert!(en.contains("href=\"/en/updates/two/\""), "{en}");
    let home = read(p.path(), "index.html");
    assert!(home.contains("href=\"/news/\""), "{home}");
    assert!(
        broken_links(&p.path().join("output")).is_empty(),
        "{:?}",
        broken_links(&p.path().join("output"))
    );
}

#[test]
fn sitemap_feed_and_robots_are_complete() {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    let sitemap = read(p.path(), "sitemap.xml");
    assert!(sitemap.contains("<loc>https://example.org/about/</loc>"));
    assert!(sitemap.contains(
        "<xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://example.org/en/about-us/\"/>"
    ));
    assert!(sitemap.contains(
        "<xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"https://example.org/about/\"/>"
    ));
    assert!(
        !sitemap.contains("https://example.org/en/updates/two/"),
        "fallback pages stay out of the sitemap"
    );
    assert!(sitemap.contains("<lastmod>2024-05-08</lastmod>"));
    let feed = read(p.path(), "atom.xml");
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">"));
    // Newest first.
    let a = feed.find("Deuxième nouvelle").unwrap();
    let b = feed.find("Première nouvelle").unwrap();
    assert!(a < b);
    assert!(feed.contains("<published>2024-05-08T00:00:00Z</published>"));
    let en_feed = read(p.path(), "en/atom.xml");
    assert!(en_feed.contains("First news") && !en_feed.contains("Deuxième"));
    assert!(read(p.path(), "robots.txt").contains("Sitemap: https://example.org/sitemap.xml"));
}

#[test]
fn dates_are_formatted_in_the_page_language() {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    assert!(read(p.path(), "news/two/index.html").contains(">8 mai 2024</time>"));
    assert!(read(p.path(), "en/updates/one/index.html").contains(">January 25, 2024</time>"));
}

#[test]
fn css_is_bundled_minified_hashed_with_brand_properties() {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    let css_dir = p.path().join("output/css");
    let names: Vec<String> = std::fs::read_dir(&css_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let name = &names[0];
    assert!(
        name.starts_with("site.")
            && name.ends_with(".css")
            && name.len() == "site.0123456789.css".len()
    );
    let css = std::fs::read_to_string(css_dir.join(name)).unwrap();
    assert!(
        css.contains("--brand-bleu:#0b3d5c"),
        "{}",
        &css[..200.min(css.len())]
    );
    assert!(css.contains("--color-primary:var(--brand-bleu)"));
    assert!(!css.contains("\n  "), "minified");
    assert!(read(p.path(), "index.html").contains(&format!("href=\"/css/{name}\"")));
}

#[test]
fn arabic_pages_are_right_to_left() {
    let p = fixture("basic");
    let cfg = std::fs::read_to_string(p.path().join("marque.yaml")).unwrap();
    write(
        p.path(),
        "marque.yaml",
        &cfg.replace(
            "missing_translation",
            "  - code: ar\n    name: العربية\n    dir: rtl\nmissing_translation",
        ),
    );
    copy_dir(
        &repo_root().join("themes/default/i18n"),
        &p.path().join("themes/default/i18n"),
    );
    write(
        p.path(),
        "narrative/ar/_index.md",
        "---\ntitle: الرئيسية\ndescription: صفحة الاختبار.\n---\nمرحبًا.\n",
    );
    build_ok(p.path(), &[]);
    let ar = read(p.path(), "ar/index.html");
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"), "{ar}");
    // Other Arabic pages fall back to French.
    assert!(read(p.path(), "ar/about/index.html").contains("class=\"notice\""));
}

#[test]
fn a_no_change_rebuild_renders_nothing_and_keeps_files() {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    let f = p.path().join("output/about/index.html");
    let before = std::fs::metadata(&f).unwrap().modified().unwrap();
    let out = build_ok(p.path(), &[]);
    assert!(out.contains(" 0 rendered,"), "{out}");
    assert!(out.contains(" 0 written)"), "{out}");
    assert_eq!(std::fs::metadata(&f).unwrap().modified().unwrap(), before);
    // One edit re-renders that page (and its listings), not the whole site.
    let src = p.path().join("narrative/fr/about.md");
    let text = std::fs::read_to_string(&src).unwrap();
    std::fs::write(
        &src,
        text.replace("Cinq personnes.", "Cinq personnes, une agence."),
    )
    .unwrap();
    let out = build_ok(p.path(), &[]);
    assert!(
        out.contains(" 1 rendered,") || out.contains(" 2 rendered,"),
        "{out}"
    );
    assert!(read(p.path(), "about/index.html").contains("une agence"));
}

#[test]
fn drafts_are_left_out_unless_asked() {
    let p = fixture("basic");
    write(
        p.path(),
        "narrative/fr/draft.md",
        "---\ntitle: Brouillon\ndraft: true\n---\nPas encore.\n",
    );
    build_ok(p.path(), &[]);
    assert!(!p.path().join("output/draft").exists());
    build_ok(p.path(), &["--drafts"]);
    assert!(p.path().join("output/draft/index.html").is_file());
}

#[test]
fn output_flag_writes_elsewhere() {
    let p = fixture("basic");
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("site");
    build_ok(p.path(), &["--output", target.to_str().unwrap()]);
    assert!(target.join("index.html").is_file());
    assert!(!p.path().join("output").exists());
}

#[test]
fn builds_are_deterministic() {
    let a = fixture("basic");
    let b = fixture("basic");
    build_ok(a.path(), &[]);
    build_ok(b.path(), &[]);
    for f in [
        "index.html",
        "en/updates/one/index.html",
        "sitemap.xml",
        "atom.xml",
        "tags/reseau/index.html",
    ] {
        assert_eq!(read(a.path(), f), read(b.path(), f), "{f}");
    }
}

/// A change made to a project's sources.
type Edit = Box<dyn Fn(&std::path::Path)>;

/// After each kind of edit, the incremental build equals a clean build byte for byte.
#[test]
fn incremental_builds_equal_clean_builds() {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    let edits: Vec<Edit> = vec![
        // A body edit far from the summary.
        Box::new(|p| {
            let f = p.join("narrative/fr/news/one.md");
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(&f, t.replace("| 1 | 2 |", "| 1 | 3 |")).unwrap();
        }),
        // A title edit: listings, menus, switchers and feeds change.
        Box::new(|p| {
            let f = p.join("narrative/en/about.md");
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(&f, t.replace("title: About", "title: About us")).unwrap();
        }),
        // The first paragraph (the summary) of a listed page.
        Box::new(|p| {
            let f = p.join("narrative/fr/news/two.md");
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(
                &f,
                t.replace("La flamme arrive", "La flamme olympique arrive"),
            )
            .unwrap();
        }),
        // A new page, then a deleted one, then a new translation.
        Box::new(|p| {
            write(
                p,
                "narrative/fr/news/three.md",
                "---\ntitle: Trois\ndate: 2024-07-27\ntags: [Club France]\n---\nTrois.\n",
            )
        }),
        Box::new(|p| std::fs::remove_file(p.join("narrative/fr/news/one.md")).unwrap()),
        Box::new(|p| {
            write(
                p,
                "narrative/en/news/two.md",
                "---\ntitle: Second news\ndate: 2024-05-08\n---\nThe flame.\n",
            )
        }),
        // A template and an interface string.
        Box::new(|p| {
            let f = p.join("themes/default/templates/404.html");
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(
                &f,
                t.replace("{% block content %}", "{% block content %}<!-- edited -->"),
            )
            .unwrap();
        }),
        Box::new(|p| {
            let f = p.join("themes/default/i18n/en.yaml");
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(&f, format!("{t}\n")).unwrap();
        }),
        // The brand (CSS) and the config.
        Box::new(|p| {
            let f = p.join("brand/brand.yaml");
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(&f, t.replace("#15212B", "#111111")).unwrap();
        }),
        Box::new(|p| {
            let f = p.join("marque.yaml");
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(&f, t.replace("%B %-d, %Y", "%-d %B %Y")).unwrap();
        }),
    ];
    for (i, edit) in edits.iter().enumerate() {
        edit(p.path());
        build_ok(p.path(), &[]);
        let clean = tempfile::tempdir().unwrap();
        let clean_out = clean.path().join("out");
        build_ok(p.path(), &["--output", clean_out.to_str().unwrap()]);
        let a = tree(&p.path().join("output"));
        let b = tree(&clean_out);
        let a_keys: Vec<&String> = a.keys().collect();
        let b_keys: Vec<&String> = b.keys().collect();
        assert_eq!(a_keys, b_keys, "edit {i}: different files");
        for (k, v) in &a {
            assert!(v == &b[k], "edit {i}: {k} differs from a clean build");
        }
    }
}

#[test]
fn template_functions_find_pages_sections_and_assets() {
    let p = fixture("basic");
    write(
        p.path(),
        "themes/default/templates/probe.html",
        "{% set a = get_page(path='@/about.md') %}{% set s = get_section(path='news/_index.md') %}\
         <p id=\"probe\">{{ a.title }}|{{ get_url(path='@/news/one.md') }}|{{ get_url(path='@/about.md', lang='en') }}|\
         {{ s.title }}:{{ s.pages | length }}|{{ asset(path='css/site.css') }}|{{ trans(key='home') }}|{{ '2024-05-08' | date }}</p>",
    );
    write(
        p.path(),
        "narrative/fr/probe.md",
        "---\ntitle: Sonde\ntemplate: probe.html\n---\n",
    );
    build_ok(p.path(), &[]);
    let html = read(p.path(), "probe/index.html");
    let css = std::fs::read_dir(p.path().join("output/css"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let expected = format!(
        "<p id=\"probe\">À propos|/news/one/|/en/about-us/|Nouvelles:2|/css/{}|Accueil|8 mai 2024</p>",
        css.to_string_lossy()
    );
    assert_eq!(html, expected);
}

#[test]
fn base_url_with_a_path_prefixes_every_link() {
    let p = fixture("basic");
    let cfg = std::fs::read_to_string(p.path().join("marque.yaml")).unwrap();
    write(
        p.path(),
        "marque.yaml",
        &cfg.replace("https://example.org", "https://example.org/site/"),
    );
    build_ok(p.path(), &[]);
    let html = read(p.path(), "en/updates/one/index.html");
    assert!(
        html.contains("href=\"/site/en/about-us/#our-mission\""),
        "{html}"
    );
    assert!(
        html.contains("<link rel=\"canonical\" href=\"https://example.org/site/en/updates/one/\">")
    );
    assert!(html.contains("href=\"/site/css/site."));
}
