//! Links and problems, all at once, at their source: every internal link of a page
//! (`@/page.md`, root-relative `/presse/`, relative `programme.pdf`) is checked at
//! build, reported once at its source file, line and column, with "did you mean";
//! a build with several kinds of problems reports all of them in one run.

mod common;

use common::*;

/// The line and column of the first `needle` in `text` (1-based, in characters).
fn at(text: &str, needle: &str) -> String {
    let i = text.find(needle).unwrap();
    let line = text[..i].matches('\n').count() + 1;
    let col = text[..i].rsplit('\n').next().unwrap().chars().count() + 1;
    format!("{line}:{col}")
}

#[test]
fn root_relative_links_are_checked_at_build_once_at_their_source() {
    let dir = fixture("basic");
    let root = dir.path();
    build_ok(root, &[]);
    // news/two has no English translation: English shows a copy of the French page,
    // and its broken links are still reported once, at the French source.
    let body = "---\ntitle: Deuxième nouvelle\ndate: 2024-05-08\n---\nLa flamme arrive.\n\n\
                Voir [le communiqué](/presse/inexistante/), [le plan](/media/absente.png)\n\
                et [la mission](/about/#notre-mission) ; [la liste](/news/?page=1), [l'accueil](/),\n\
                [English](/en/about-us/).\n";
    write(root, "narrative/fr/news/two.md", body);
    let before = tree(&root.join("output"));
    let out = build(root, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = text(&out);
    let presse = format!(
        "narrative/fr/news/two.md:{}: error: link '/presse/inexistante/': no page or file of the site has this address",
        at(body, "[le communiqué]")
    );
    let media = format!(
        "narrative/fr/news/two.md:{}: error: link '/media/absente.png': no page or file of the site has this address",
        at(body, "[le plan]")
    );
    for want in [&presse, &media] {
        assert_eq!(err.matches(want.as_str()).count(), 1, "once: {want}\n{err}");
    }
    // Not the output file, not once per language copy, and nothing else is blamed.
    assert!(!err.contains("output/"), "{err}");
    assert_eq!(err.matches("error:").count(), 2, "{err}");
    assert_eq!(
        before,
        tree(&root.join("output")),
        "the old output is intact"
    );
    // Fixed, the page builds, and its links lead somewhere in every copy.
    write(
        root,
        "narrative/fr/news/two.md",
        &body
            .replace("/presse/inexistante/", "/news/")
            .replace("/media/absente.png", "/about/"),
    );
    build_ok(root, &[]);
    assert!(broken_links(&root.join("output")).is_empty());
}

#[test]
fn an_anchor_or_a_near_address_gets_a_hint() {
    let dir = fixture("basic");
    let root = dir.path();
    let body = "---\ntitle: Deuxième nouvelle\ndate: 2024-05-08\n---\n\
                [a](/abuot/) [b](/about/#notre-misson) [c](@/abot.md) [d](@/about.md#notre-missio)\n";
    write(root, "narrative/fr/news/two.md", body);
    let err = build_err(root, &[]);
    for want in [
        format!(
            "news/two.md:{}: error: link '/abuot/': no page or file of the site has this address (did you mean '/about/'?)",
            at(body, "[a]")
        ),
        format!(
            "news/two.md:{}: error: link '/about/#notre-misson': narrative/fr/about.md has no anchor '#notre-misson' (did you mean 'notre-mission'?)",
            at(body, "[b]")
        ),
        format!(
            "news/two.md:{}: error: link '@/abot.md': there is no page narrative/fr/abot.md (did you mean 'about.md'?)",
            at(body, "[c]")
        ),
        format!(
            "news/two.md:{}: error: link '@/about.md#notre-missio': narrative/fr/about.md has no anchor '#notre-missio' (did you mean 'notre-mission'?)",
            at(body, "[d]")
        ),
    ] {
        assert!(err.contains(&want), "expected {want}\nin:\n{err}");
    }
}

#[test]
fn a_menu_error_names_its_line_in_marque_yaml() {
    let dir = fixture("basic");
    let root = dir.path();
    let config = std::fs::read_to_string(root.join("marque.yaml")).unwrap();
    let config =
        format!("{config}menu:\n  - about.md\n  - \"@/nwes/_index.md\"\nfooter_menu: [abot.md]\n");
    std::fs::write(root.join("marque.yaml"), &config).unwrap();
    let err = build_err(root, &[]);
    let line = |needle: &str| config[..config.find(needle).unwrap()].matches('\n').count() + 1;
    for want in [
        format!(
            "marque.yaml:{}:5: error: menu: '@/nwes/_index.md' is not a page of narrative/fr/ (did you mean 'news/_index.md'?)",
            line("\"@/nwes")
        ),
        format!(
            "marque.yaml:{}:15: error: footer_menu: 'abot.md' is not a page of narrative/fr/ (did you mean 'about.md'?)",
            line("footer_menu")
        ),
    ] {
        assert!(err.contains(&want), "expected {want}\nin:\n{err}");
    }
}

#[test]
fn relative_links_resolve_from_their_page_in_every_language_copy() {
    let dir = fixture("basic");
    let root = dir.path();
    std::fs::remove_file(root.join("narrative/fr/news/one.md")).unwrap();
    // Not translated: English shows the French page at /en/news/one/.
    std::fs::remove_file(root.join("narrative/en/news/one.md")).unwrap();
    let body = "---\ntitle: Première nouvelle\ndate: 2024-01-25\n---\n\
                Le [programme](programme.pdf), [la page voisine](../two/) et [le plan](./plan%20du%20site.pdf#page=2).\n";
    write(root, "narrative/fr/news/one/index.md", body);
    write(
        root,
        "narrative/fr/news/one/programme.pdf",
        "%PDF-1.4\n%%EOF\n",
    );
    write(
        root,
        "narrative/fr/news/one/plan du site.pdf",
        "%PDF-1.4\n%%EOF\n",
    );
    build_ok(root, &[]);
    for page in ["news/one/index.html", "en/updates/one/index.html"] {
        let html = read(root, page);
        assert!(
            html.contains("href=\"/news/one/programme.pdf\""),
            "{page}: {html}"
        );
        assert!(html.contains("href=\"/news/two/\""), "{page}");
        assert!(
            html.contains("href=\"/news/one/plan%20du%20site.pdf#page=2\""),
            "{page}"
        );
    }
    let broken = broken_links(&root.join("output"));
    assert!(broken.is_empty(), "{broken:?}");
    // A relative link to a file that is not there, or out of the site.
    let body = "---\ntitle: Première nouvelle\ndate: 2024-01-25\n---\n\
                [a](programe.pdf) [b](../../../../../etc/passwd) [c](%2e%2e/%2e%2e/%2e%2e/x)\n";
    write(root, "narrative/fr/news/one/index.md", body);
    let err = build_err(root, &[]);
    for want in [
        format!(
            "news/one/index.md:{}: error: link 'programe.pdf': no page or file of the site has this address (did you mean 'programme.pdf'?)",
            at(body, "[a]")
        ),
        format!(
            "news/one/index.md:{}: error: link '../../../../../etc/passwd' leaves the site",
            at(body, "[b]")
        ),
        format!(
            "news/one/index.md:{}: error: link '%2e%2e/%2e%2e/%2e%2e/x' leaves the site",
            at(body, "[c]")
        ),
    ] {
        assert!(err.contains(&want), "expected {want}\nin:\n{err}");
    }
}

#[test]
fn front_matter_dates_and_links_are_reported_in_one_run() {
    let dir = fixture("basic");
    let root = dir.path();
    build_ok(root, &[]);
    write(
        root,
        "narrative/fr/news/two.md",
        "---\ntitle: Deuxième nouvelle\ndate: 2024-13-45\ntitel: oups\n---\nVoir [a](/nulle-part/) et [b](@/absent.md).\n",
    );
    write(
        root,
        "narrative/fr/about.md",
        "---\ntitle: À propos\n---\n[c](/presse/) ![](/media/absente.png)\n",
    );
    fails_with(
        root,
        &[
            "narrative/fr/news/two.md:3:",
            "date",
            "narrative/fr/news/two.md:4:1: error: unknown field 'titel' (did you mean 'title'?)",
            "narrative/fr/news/two.md:6:6: error: link '/nulle-part/'",
            "narrative/fr/news/two.md:6:27: error: link '@/absent.md'",
            "narrative/fr/about.md:4:1: error: link '/presse/'",
            "narrative/fr/about.md:4:15: error: image '/media/absente.png'",
        ],
    );
}

#[test]
fn hostile_links_fail_cleanly() {
    let dir = fixture("basic");
    let root = dir.path();
    let long = "a/".repeat(40_000);
    let body = format!(
        "---\ntitle: Deuxième nouvelle\ndate: 2024-05-08\n---\n\
         [a](/{long}) [b](//evil.example/x) [c](/%ff%fe/) [d](/\u{202e}gnp.exe) [e](/news/%00/)\n\
         [f](<../../../../..>) [g](\\\\server\\share) [h](/../../etc/passwd)\n"
    );
    write(root, "narrative/fr/news/two.md", &body);
    let out = build(root, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = text(&out);
    assert!(!err.contains("panicked"), "{err}");
    // A protocol-relative address leaves the site: not checked, not an error.
    assert!(!err.contains("//evil.example"), "{err}");
    for written in ["/%ff%fe/", "/news/%00/", "/../../etc/passwd"] {
        assert!(
            err.contains(&format!("link '{written}'")),
            "{written}: {err}"
        );
    }
    // The long address is named, not printed whole.
    assert!(err.len() < 20_000, "{} bytes", err.len());
}

#[test]
fn heading_anchors_are_predictable_and_linkable() {
    let dir = fixture("basic");
    let root = dir.path();
    write(
        root,
        "narrative/fr/about.md",
        "---\ntitle: À propos\n---\n## Notre mission\n\n## Et après ?\n\nUn.\n\n## Et après ?\n\n\
         Voir [plus haut](#et-apres) et [la suite](/about/#et-apres-1).\n",
    );
    build_ok(root, &[]);
    let html = read(root, "about/index.html");
    for id in ["notre-mission", "et-apres", "et-apres-1"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
    }
    assert!(!html.contains("id=\"et-après-\""), "no trailing dash");
    assert!(broken_links(&root.join("output")).is_empty());
}
