//! `marque serve`: rebuilds in memory that redo only what an edit touches and equal a
//! clean build, and the HTTP server (content types, 404s, path safety, live reload,
//! error overlay, many connections, a port in use).

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use common::*;
use marque_engine::session::Session;
use marque_engine::sink::MemorySite;

fn session(root: &std::path::Path) -> Session {
    Session::new(
        root.to_path_buf(),
        false,
        Arc::new(RwLock::new(Arc::new(MemorySite::new()))),
    )
}

/// The in-memory site equals a clean `marque build` of the same sources.
fn assert_equals_clean_build(root: &std::path::Path, s: &Session) {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    build_ok(root, &["--output", o.to_str().unwrap()]);
    let mut disk = tree(&o);
    // The mark of a folder marque made is not part of the site.
    disk.remove(".marque-output");
    let mem = s.site();
    let mut mem_keys: Vec<&String> = mem.keys().collect();
    mem_keys.sort();
    assert_eq!(mem_keys, disk.keys().collect::<Vec<_>>());
    for (k, v) in &disk {
        assert!(
            mem[k].as_slice() == v.as_slice(),
            "{k} differs from a clean build"
        );
    }
}

#[test]
fn rebuilds_render_only_what_an_edit_touches() {
    let p = fixture("basic");
    let root = p.path();
    let mut s = session(root);
    let first = s.rebuild().unwrap();
    // Everything is rendered but the files written as they are: the CSS bundle, the
    // favicon, the copy-button, click-to-load and search scripts and the five
    // design-token files.
    const AS_IS: usize = 10;
    assert_eq!(first.rendered, first.outputs - AS_IS);

    // Nothing changed: nothing rendered.
    assert_eq!(s.rebuild().unwrap().rendered, 0);

    // A body edit (not the summary, nor the reading time): the page and the feeds
    // that show its text (the language's and its section's); listings show only its
    // summary, and stay.
    let changed = edit(root, "narrative/fr/news/one.md", "| 1 | 2 |", "| 1 | 3 |");
    let r = s.rebuild_after(&changed).unwrap();
    assert_eq!(
        r.rendered_paths,
        vec!["atom.xml", "news/atom.xml", "news/one/index.html"],
        "{:?}",
        r.rendered_paths
    );
    assert_eq!(
        r.changed_paths,
        vec!["atom.xml", "news/atom.xml", "news/one/index.html"]
    );
    assert_equals_clean_build(root, &s);

    let changed = edit(
        root,
        "narrative/fr/about.md",
        "Cinq personnes.",
        "Cinq personnes, une agence.",
    );
    // A top-level page, past its summary: itself only (the home page lists it by its
    // summary, which did not change).
    let r = s.rebuild_after(&changed).unwrap();
    assert_eq!(r.rendered_paths, vec!["about/index.html"]);
    assert_eq!(r.changed_paths, vec!["about/index.html"]);
    assert_equals_clean_build(root, &s);

    // The title of a page in the main menu: every French page shows the menu; the
    // English ones show the English page's title, and the feed and sitemap no title.
    let changed = edit(
        root,
        "narrative/fr/about.md",
        "title: À propos",
        "title: Qui sommes-nous",
    );
    let r = s.rebuild_after(&changed).unwrap();
    assert_eq!(
        r.rendered_paths,
        vec![
            "404.html",
            "about/index.html",
            "index.html",
            "news/index.html",
            "news/one/index.html",
            "news/two/index.html",
            "tags/academie/index.html",
            "tags/index.html",
            "tags/reseau/index.html",
        ]
    );
    assert_equals_clean_build(root, &s);

    // A template: the pages it renders, and no other.
    let changed = edit(
        root,
        "themes/default/templates/404.html",
        "{% block content %}",
        "{% block content %}<!-- x -->",
    );
    let r = s.rebuild_after(&changed).unwrap();
    assert_eq!(r.rendered_paths, vec!["404.html", "en/404.html"]);
    assert_equals_clean_build(root, &s);
    // A partial: the templates that include it (listings), not the plain pages.
    let changed = edit(
        root,
        "themes/default/templates/partials/card.html",
        "<article",
        "<!-- card -->\n<article",
    );
    let r = s.rebuild_after(&changed).unwrap();
    assert!(
        r.rendered_paths.contains(&"news/index.html".to_string()),
        "{:?}",
        r.rendered_paths
    );
    assert!(
        r.rendered_paths
            .contains(&"tags/reseau/index.html".to_string())
    );
    assert!(
        !r.rendered_paths
            .contains(&"news/one/index.html".to_string())
    );
    assert!(!r.rendered_paths.contains(&"about/index.html".to_string()));
    assert_equals_clean_build(root, &s);

    // A new page, a deleted page, a deleted folder: no stale page left.
    let changed = vec![root.join("narrative/fr/news/three.md")];
    write(
        root,
        "narrative/fr/news/three.md",
        "---\ntitle: Trois\ndate: 2024-07-27\n---\nTrois.\n",
    );
    let r = s.rebuild_after(&changed).unwrap();
    assert!(
        r.changed_paths
            .contains(&"news/three/index.html".to_string())
    );
    assert!(
        r.changed_paths
            .contains(&"en/updates/three/index.html".to_string())
    );
    assert_equals_clean_build(root, &s);
    std::fs::remove_file(root.join("narrative/fr/news/three.md")).unwrap();
    let changed = vec![root.join("narrative/fr/news/three.md")];
    let r = s.rebuild_after(&changed).unwrap();
    assert!(
        r.removed_paths
            .contains(&"news/three/index.html".to_string())
    );
    assert!(!s.site().contains_key("news/three/index.html"));
    assert_equals_clean_build(root, &s);
    std::fs::remove_dir_all(root.join("narrative/en/news")).unwrap();
    let changed = vec![root.join("narrative/en/news")];
    let r = s.rebuild_after(&changed).unwrap();
    assert!(
        r.removed_paths
            .contains(&"en/updates/index.html".to_string())
    );
    assert!(
        s.site().contains_key("en/news/one/index.html"),
        "served from the fallback"
    );
    assert_equals_clean_build(root, &s);

    // A folder renamed: its pages move, none is left at the old URLs.
    std::fs::rename(
        root.join("narrative/fr/news"),
        root.join("narrative/fr/nouvelles"),
    )
    .unwrap();
    let mut changed = vec![
        root.join("narrative/fr/news"),
        root.join("narrative/fr/nouvelles"),
    ];
    // The home page links to the folder: a broken link until it follows.
    let e = s.rebuild_after(&changed).unwrap_err();
    assert!(
        e.to_string()
            .contains("there is no page narrative/fr/news/_index.md"),
        "{e}"
    );
    changed.extend(edit(
        root,
        "narrative/fr/_index.md",
        "(news/_index.md)",
        "(nouvelles/_index.md)",
    ));
    let r = s.rebuild_after(&changed).unwrap();
    assert!(
        r.removed_paths.contains(&"news/one/index.html".to_string()),
        "{:?}",
        r.removed_paths
    );
    assert!(s.site().contains_key("nouvelles/one/index.html"));
    assert_equals_clean_build(root, &s);

    // A config change: everything is rendered again.
    let changed = edit(root, "marque.yaml", "%B %-d, %Y", "%-d %B %Y");
    let r = s.rebuild_after(&changed).unwrap();
    assert_eq!(r.rendered, r.outputs - AS_IS);
    assert_equals_clean_build(root, &s);

    // A broken edit fails and keeps the last good site.
    let before = s.site();
    let changed = edit(
        root,
        "narrative/fr/about.md",
        "title: Qui sommes-nous",
        "tittle: x",
    );
    let e = s.rebuild_after(&changed).unwrap_err();
    assert!(e.to_string().contains("unknown field 'tittle'"));
    assert!(Arc::ptr_eq(&before, &s.site()));
}

/// What an edit renders again is what shows what it changed, no more: a title, a tag
/// and a new page, each counted output by output, each ending equal to a clean build.
#[test]
fn an_edit_renders_exactly_the_outputs_that_show_it() {
    let p = fixture("basic");
    let root = p.path();
    let mut s = session(root);
    s.rebuild().unwrap();

    // A title: the page, its section's list, its term page, the feeds (all show
    // titles) and the home page, whose template asks for the section's pages
    // (get_section); the same in English, where the page is a fallback copy that
    // shows the French title. Not the sitemap, not the other news page, not the
    // translated pages (the switcher names languages, not titles).
    let changed = edit(
        root,
        "narrative/fr/news/two.md",
        "title: Deuxième nouvelle",
        "title: La flamme à Marseille",
    );
    let r = s.rebuild_after(&changed).unwrap();
    assert_eq!(
        r.rendered_paths,
        vec![
            "atom.xml",
            "en/index.html",
            "en/tags/reseau/index.html",
            "en/updates/index.html",
            "en/updates/two/index.html",
            "index.html",
            "news/atom.xml",
            "news/index.html",
            "news/two/index.html",
            "tags/reseau/index.html",
        ]
    );
    assert_equals_clean_build(root, &s);

    // A tag added: the page, the lists that show its tags (its section, the home
    // page, the term page it was on), the new term page, the taxonomy's list with its
    // counts and the sitemap with the new address, in both languages; not the feed (it
    // shows no tags), not the other term pages (their template names no other terms).
    let changed = edit(
        root,
        "narrative/fr/news/two.md",
        "tags: [réseau]",
        "tags: [réseau, Flamme]",
    );
    let r = s.rebuild_after(&changed).unwrap();
    assert_eq!(
        r.rendered_paths,
        vec![
            "en/index.html",
            "en/tags/flamme/index.html",
            "en/tags/index.html",
            "en/tags/reseau/index.html",
            "en/updates/index.html",
            "en/updates/two/index.html",
            "index.html",
            "news/index.html",
            "news/two/index.html",
            "sitemap.xml",
            "tags/flamme/index.html",
            "tags/index.html",
            "tags/reseau/index.html",
        ]
    );
    assert_equals_clean_build(root, &s);

    // A new page: itself, its English fallback copy, the lists that show them (its
    // section, the home page, its term page and the taxonomy's counts, in both
    // languages), the French feeds (fallback copies are in no feed) and the sitemap.
    write(
        root,
        "narrative/fr/news/three.md",
        "---\ntitle: Trois\ndate: 2024-07-27\ntags: [réseau]\n---\nTrois.\n",
    );
    let r = s
        .rebuild_after(&[root.join("narrative/fr/news/three.md")])
        .unwrap();
    assert_eq!(
        r.rendered_paths,
        vec![
            "atom.xml",
            "en/index.html",
            "en/tags/index.html",
            "en/tags/reseau/index.html",
            "en/updates/index.html",
            "en/updates/three/index.html",
            "index.html",
            "news/atom.xml",
            "news/index.html",
            "news/three/index.html",
            "sitemap.xml",
            "tags/index.html",
            "tags/reseau/index.html",
        ]
    );
    assert_equals_clean_build(root, &s);
}

/// A long run of edits of every kind a team makes, each rebuilt in the same session
/// and compared with a clean build: what the session keeps from one rebuild to the
/// next (site model, keys, summaries, compiled templates) never leaves a stale byte.
#[test]
fn a_session_equals_a_clean_build_after_every_kind_of_edit() {
    let p = fixture("basic");
    let root = p.path();
    let mut s = session(root);
    s.rebuild().unwrap();
    let one = "narrative/fr/news/one.md";
    let two = "narrative/fr/news/two.md";
    let edits: Vec<(&str, &str, &str)> = vec![
        (one, "title: Première nouvelle", "title: Zèbre en tête"),
        (two, "date: 2024-05-08", "date: 2023-01-02"),
        (one, "tags: [Académie, réseau]", "tags: [réseau]"),
        (two, "tags: [réseau]", "tags: [réseau, Académie, Flamme]"),
        // The same term spelt otherwise: its page takes the newest page's spelling.
        (one, "tags: [réseau]", "tags: [Réseau]"),
        (one, "date: 2024-01-25", "date: 2024-01-25\nweight: 3"),
        (
            "narrative/fr/news/_index.md",
            "weight: 20",
            "weight: 20\nsort_by: title",
        ),
        // The list split into pages of one, then of two, then whole again.
        (
            "narrative/fr/news/_index.md",
            "sort_by: title",
            "sort_by: title\npaginate_by: 1",
        ),
        (
            "narrative/fr/news/_index.md",
            "paginate_by: 1",
            "paginate_by: 2",
        ),
        (
            "narrative/fr/news/_index.md",
            "sort_by: title\npaginate_by: 2",
            "sort_by: title",
        ),
        (two, "title: Deuxième nouvelle", "title: Alpha"),
        ("narrative/fr/about.md", "weight: 10", "weight: 30"),
        (two, "title: Alpha", "title: Alpha\nslug: alpha"),
        (one, "La première.", "La toute première."),
        (
            "narrative/en/news/one.md",
            "tags: [academy]",
            "tags: [academy, flame]",
        ),
        (
            "narrative/fr/news/_index.md",
            "sort_by: title",
            "sort_by: weight",
        ),
    ];
    for (i, (file, from, to)) in edits.into_iter().enumerate() {
        let changed = edit(root, file, from, to);
        s.rebuild_after(&changed)
            .unwrap_or_else(|e| panic!("edit {i} ({file}): {e}"));
        assert_equals_clean_build(root, &s);
    }
    // Pages that come and go, linked to, and a translation that takes the place of a
    // fallback copy: the site changes shape, the keys of what did not change are kept
    // from the last build, every other one made again.
    let second = "---\ntitle: Second\ndate: 2023-01-02\ntags: [network]\n---\nThe second.\n";
    let four = "---\ntitle: Quatre\ndate: 2024-09-01\ntags: [réseau]\n---\nVoir [la deuxième](@/news/two.md).\n";
    let steps: Vec<(&str, Option<&str>)> = vec![
        ("narrative/en/news/two.md", Some(second)),
        ("narrative/fr/news/four.md", Some(four)),
        ("narrative/en/news/two.md", None),
        ("narrative/fr/news/four.md", None),
        ("narrative/en/news/four.md", Some(four)),
    ];
    edit(
        root,
        "narrative/en/about.md",
        "Making know-how known.",
        "Making know-how known. See [the second](@/news/two.md).",
    );
    s.rebuild_after(&[root.join("narrative/en/about.md")])
        .unwrap();
    assert_equals_clean_build(root, &s);
    for (i, (file, text)) in steps.into_iter().enumerate() {
        match text {
            Some(t) => write(root, file, t),
            None => std::fs::remove_file(root.join(file)).unwrap(),
        }
        s.rebuild_after(&[root.join(file)])
            .unwrap_or_else(|e| panic!("step {i} ({file}): {e}"));
        assert_equals_clean_build(root, &s);
    }
    // A page others link to goes: the session finds the broken links (the pages that
    // link to it were not edited), and builds again once it is back.
    let two_text = std::fs::read_to_string(root.join(two)).unwrap();
    std::fs::remove_file(root.join(two)).unwrap();
    let err = s.rebuild_after(&[root.join(two)]).unwrap_err().to_string();
    assert!(
        err.contains("narrative/en/about.md") && err.contains("there is no page"),
        "{err}"
    );
    assert!(err.contains("narrative/en/news/four.md"), "{err}");
    write(root, two, &two_text);
    s.rebuild_after(&[root.join(two)]).unwrap();
    assert_equals_clean_build(root, &s);
    // A link that went to the French page goes to the English one once it is
    // written: the session follows it there, and finds its anchor gone there.
    let four = "narrative/en/news/four.md";
    let mut changed = edit(root, four, "(@/news/two.md)", "(@/news/two.md#suite)");
    changed.extend(edit(
        root,
        two,
        "La flamme arrive",
        "## Suite\n\nLa flamme arrive",
    ));
    s.rebuild_after(&changed).unwrap();
    write(
        root,
        "narrative/en/news/two.md",
        "---\ntitle: Second\n---\n## Suite\n\nThe rest.\n",
    );
    s.rebuild_after(&[root.join("narrative/en/news/two.md")])
        .unwrap();
    assert_equals_clean_build(root, &s);
    let changed = edit(root, "narrative/en/news/two.md", "## Suite", "## Later");
    let err = s.rebuild_after(&changed).unwrap_err().to_string();
    assert!(
        err.contains("narrative/en/news/four.md") && err.contains("no anchor '#suite'"),
        "{err}"
    );
}

/// A page edit in a session makes no derived feature again: the photos, media, maps,
/// indicators, brand set and static files are kept while their inputs' hash is the
/// same (no derived file is even looked up), and made again when it is not.
#[test]
fn a_save_with_a_typo_and_a_broken_link_shows_both_at_once() {
    let p = fixture("basic");
    let root = p.path();
    let mut s = session(root);
    s.rebuild().unwrap();
    let one = "narrative/fr/news/one.md";
    edit(
        root,
        one,
        "title: Première nouvelle",
        "tittle: Première nouvelle",
    );
    edit(root, one, "date: 2024-01-25", "date: 2024-13-45");
    edit(
        root,
        one,
        "[la suivante](two.md)",
        "[la suivante](/nulle-part/)",
    );
    let err = s
        .rebuild_after(&[root.join(one)])
        .expect_err("the save is refused")
        .to_string();
    for want in [
        "narrative/fr/news/one.md:2:1: error: unknown field 'tittle'",
        "narrative/fr/news/one.md:4:7: error: field 'date'",
        "error: link '/nulle-part/': no page or file of the site has this address",
    ] {
        assert!(err.contains(want), "{want} in:\n{err}");
    }
    // The site in memory is the last good one; fixed, the session builds again.
    assert!(s.site().contains_key("news/one/index.html"));
    edit(
        root,
        one,
        "tittle: Première nouvelle",
        "title: Première nouvelle",
    );
    edit(root, one, "date: 2024-13-45", "date: 2024-01-25");
    edit(
        root,
        one,
        "[la suivante](/nulle-part/)",
        "[la suivante](two.md)",
    );
    s.rebuild_after(&[root.join(one)]).expect("fixed");
    assert_equals_clean_build(root, &s);
}

#[test]
fn a_page_edit_makes_no_derived_feature_again() {
    let p = fixture("basic");
    let root = p.path();
    let repo = repo_root();
    std::fs::remove_dir_all(root.join("brand")).unwrap();
    copy_dir(&repo.join("brand"), &root.join("brand"));
    let media = root.join("narrative/media");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::copy(
        repo.join("narrative/media/manifeste-poster.jpg"),
        media.join("manifeste-poster.jpg"),
    )
    .unwrap();
    write(
        root,
        "narrative/media/photos.yaml",
        "- file: manifeste-poster.jpg\n  alt: {fr: Une affiche}\n  credit: One Provence\n  licence: Libre\n",
    );
    // Social cards are drawn after the site is prepared, from its titles: leave them
    // out here (each is a lookup in the cache of derived files at every rebuild).
    let config = std::fs::read_to_string(root.join("marque.yaml")).unwrap();
    std::fs::write(
        root.join("marque.yaml"),
        format!("{config}social_cards: false\n"),
    )
    .unwrap();
    let mut s = session(root);
    let first = s.rebuild().unwrap();
    assert!(first.derived_reused + first.derived_made.values().sum::<usize>() > 0);
    let changed = edit(
        root,
        "narrative/fr/about.md",
        "Cinq personnes.",
        "Six personnes.",
    );
    let r = s.rebuild_after(&changed).unwrap();
    assert_eq!(r.derived_reused, 0, "{r:?}");
    assert!(r.derived_made.is_empty(), "{r:?}");
    assert_equals_clean_build(root, &s);
    // The photo library changed: the photos are looked up again.
    let changed = edit(
        root,
        "narrative/media/photos.yaml",
        "credit: One Provence",
        "credit: One Provence (photo)",
    );
    let r = s.rebuild_after(&changed).unwrap();
    assert!(r.derived_reused > 0, "{r:?}");
    assert_equals_clean_build(root, &s);
}

fn get(addr: SocketAddr, path: &str) -> (u16, String, Vec<u8>) {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    c.read_to_end(&mut buf).unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let ct = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or("")
        .to_string();
    (status, ct, buf[split + 4..].to_vec())
}

fn start(root: &std::path::Path) -> marque_serve::Server {
    let opts = marque_serve::ServeOptions {
        root: root.to_path_buf(),
        bind: "127.0.0.1".parse().unwrap(),
        port: 0,
        drafts: false,
    };
    marque_serve::Server::start(&opts, Arc::new(|_| {})).unwrap()
}

#[test]
fn serves_the_site_safely_with_content_types() {
    let p = fixture("basic");
    let server = start(p.path());
    let a = server.addr;
    let (s, ct, body) = get(a, "/");
    assert_eq!(s, 200);
    assert_eq!(ct, "text/html; charset=utf-8");
    let html = String::from_utf8(body).unwrap();
    assert!(
        html.contains("/__marque/events"),
        "the live-reload script is injected"
    );
    assert!(
        !std::fs::read_dir(p.path())
            .unwrap()
            .any(|e| e.unwrap().file_name() == "output"),
        "serve writes nothing to disk"
    );
    for (path, want) in [
        ("/en/updates/one/", "text/html; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/favicon.svg", "image/svg+xml"),
    ] {
        let (s, ct, _) = get(a, path);
        assert_eq!((s, ct.as_str()), (200, want), "{path}");
    }
    let css = html
        .split("href=\"/css/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(get(a, &format!("/css/{css}")).1, "text/css; charset=utf-8");
    // Outside the site: 404 with the site's 404 page.
    for bad in [
        "/../marque.yaml",
        "/%2e%2e/marque.yaml",
        "/%2E%2E%2Fmarque.yaml",
        "/news/..%2f..%2fmarque.yaml",
        "//etc/passwd",
        "/nope/",
    ] {
        let (s, _, body) = get(a, bad);
        assert_eq!(s, 404, "{bad}");
        assert!(
            !String::from_utf8_lossy(&body).contains("base_url"),
            "{bad}"
        );
    }
    assert!(String::from_utf8_lossy(&get(a, "/en/nope/").2).contains("Page not found"));
    // A folder without its slash is redirected.
    assert_eq!(get(a, "/about").0, 301);
}

/// Opens the live-reload stream, as a page in serve mode does.
fn listen(addr: SocketAddr) -> TcpStream {
    let mut sse = TcpStream::connect(addr).unwrap();
    sse.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    write!(
        sse,
        "GET /__marque/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    sse
}

/// Reads server-sent events until one named `name` arrives; returns its data.
fn wait_event(stream: &mut TcpStream, name: &str, deadline: Instant) -> Option<String> {
    let mut buf = String::new();
    let mut chunk = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.push_str(&String::from_utf8_lossy(&chunk[..n])),
            Err(_) => continue,
        }
        if let Some(i) = buf.find(&format!("event: {name}\n")) {
            let rest = &buf[i..];
            if let Some(end) = rest.find("\n\n") {
                let data: Vec<&str> = rest[..end]
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                return Some(data.join("\n"));
            }
        }
    }
    None
}

#[test]
fn reloads_the_browser_shows_errors_and_recovers() {
    let p = fixture("basic");
    let server = start(p.path());
    let mut sse = listen(server.addr);

    edit(
        p.path(),
        "narrative/fr/about.md",
        "Cinq personnes.",
        "Six personnes.",
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    assert!(
        wait_event(&mut sse, "reload", deadline).is_some(),
        "no reload event"
    );
    assert!(String::from_utf8_lossy(&get(server.addr, "/about/").2).contains("Six personnes."));

    // A broken save: the overlay gets the error, the last good page is still served.
    edit(
        p.path(),
        "narrative/fr/about.md",
        "title: À propos",
        "tittle: x",
    );
    let err = wait_event(
        &mut sse,
        "error-report",
        Instant::now() + Duration::from_secs(10),
    )
    .expect("no error event");
    assert!(
        err.contains("narrative/fr/about.md:2:1: error: unknown field 'tittle'"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&get(server.addr, "/about/").2).contains("Six personnes."));

    // Fixed: reload again.
    edit(
        p.path(),
        "narrative/fr/about.md",
        "tittle: x",
        "title: À propos",
    );
    assert!(wait_event(&mut sse, "reload", Instant::now() + Duration::from_secs(10)).is_some());
}

#[test]
fn handles_200_concurrent_connections() {
    let p = fixture("basic");
    let server = start(p.path());
    let addr = server.addr;
    let start = Instant::now();
    let handles: Vec<_> = (0..200)
        .map(|i| {
            std::thread::spawn(move || {
                let path = if i % 2 == 0 { "/" } else { "/en/updates/one/" };
                get(addr, path).0
            })
        })
        .collect();
    let codes: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(codes.iter().all(|&c| c == 200), "{codes:?}");
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let p = fixture("basic");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let o = marque(&[
        "serve",
        "--root",
        p.path().to_str().unwrap(),
        "--port",
        &port.to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains(&format!("port {port} on 127.0.0.1 is already in use")),
        "{}",
        text(&o)
    );
}

#[test]
fn the_search_index_follows_the_reload_and_equals_a_clean_build() {
    let p = with_search_page();
    let root = p.path();
    let mut s = session(root);
    let first = s.rebuild().unwrap();
    // The rebuild (and so the reload) does not wait for the index: it comes after.
    assert!(
        !first
            .changed_paths
            .iter()
            .any(|p| p.starts_with("pagefind/"))
    );
    assert!(!s.site().contains_key("pagefind/pagefind-entry.json"));
    // A job stopped (a save came) makes nothing; a later one does.
    let job = s.search_job().expect("an index to make");
    assert!(job.run(&|| true).unwrap().is_none());
    assert!(s.update_search().unwrap() > 0);
    assert!(s.site().contains_key("pagefind/pagefind-entry.json"));
    assert_equals_clean_build(root, &s);
    // Nothing changed: the index stays.
    s.rebuild().unwrap();
    assert_eq!(s.update_search().unwrap(), 0);
    // Indexed text changed: the rebuild keeps the old index, the update remakes it.
    let before = s.site()["pagefind/pagefind-entry.json"].clone();
    let changed = edit(
        root,
        "narrative/fr/about.md",
        "Cinq personnes.",
        "Cinq personnes, une agence.",
    );
    let r = s.rebuild_after(&changed).unwrap();
    assert!(r.removed_paths.is_empty(), "{:?}", r.removed_paths);
    assert_eq!(s.site()["pagefind/pagefind-entry.json"], before);
    assert!(s.update_search().unwrap() > 0);
    assert_ne!(s.site()["pagefind/pagefind-entry.json"], before);
    assert_equals_clean_build(root, &s);
}

/// The basic fixture with a search page in French (so the site has an index).
fn with_search_page() -> tempfile::TempDir {
    let p = fixture("basic");
    write(
        p.path(),
        "narrative/fr/recherche.md",
        "---\ntitle: Recherche\ndescription: Chercher.\ntemplate: search.html\n---\n",
    );
    p
}

/// Polls `path` until `ok` accepts its answer (status, body), for up to ten seconds.
fn poll(addr: SocketAddr, path: &str, ok: impl Fn(u16, &[u8]) -> bool) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (s, _, body) = get(addr, path);
        if ok(s, &body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{path}: still {s}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_server_makes_the_search_index_on_its_own_thread_after_the_reload() {
    let p = with_search_page();
    let root = p.path();
    let server = start(root);
    let a = server.addr;
    // The search page is served at once; its index follows.
    assert!(String::from_utf8_lossy(&get(a, "/recherche/").2).contains("role=\"search\""));
    let entry = poll(a, "/pagefind/pagefind-entry.json", |s, _| s == 200);
    let (_, ct, _) = get(a, "/pagefind/pagefind.js");
    assert_eq!(ct, "text/javascript; charset=utf-8");

    let mut sse = listen(a);
    edit(
        root,
        "narrative/fr/about.md",
        "Cinq personnes.",
        "Cinq personnes et une mascotte.",
    );
    assert!(wait_event(&mut sse, "reload", Instant::now() + Duration::from_secs(10)).is_some());
    // The index of the new text replaces the old one.
    poll(a, "/pagefind/pagefind-entry.json", |s, b| {
        s == 200 && b != entry
    });
    // The search page taken away: its index goes too.
    std::fs::remove_file(root.join("narrative/fr/recherche.md")).unwrap();
    assert!(wait_event(&mut sse, "reload", Instant::now() + Duration::from_secs(10)).is_some());
    poll(a, "/pagefind/pagefind-entry.json", |s, _| s == 404);
}
