//! The bundled One Provence site and `marque new`: both build, and their pages hold
//! what a visitor expects.

mod common;

use common::*;

#[test]
fn the_bundled_site_builds_with_working_links_and_hreflang() {
    let out = tempfile::tempdir().unwrap();
    let o = marque(&[
        "build",
        "--root",
        repo_root().to_str().unwrap(),
        "--output",
        out.path().join("output").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let root = out.path();
    // The search index reads the pages with marque's quick reader, which gives what
    // pagefind's own (lol_html) gives, or leaves a page to it.
    let (mut quick, mut indexed) = (0, 0);
    for (rel, bytes) in tree(&root.join("output")) {
        if rel.ends_with(".html") && marque_engine::search::indexed_part(&bytes).is_some() {
            indexed += 1;
            match marque_engine::search::compare_readers(&bytes) {
                Ok(true) => quick += 1,
                Ok(false) => {}
                Err(e) => panic!("{rel}: the readers differ:\n{e}"),
            }
        }
    }
    assert!(
        indexed > 60 && quick * 10 >= indexed * 9,
        "{quick} of {indexed} read quickly"
    );
    let home = read(root, "index.html");
    assert!(home.contains("<html lang=\"fr\" dir=\"ltr\">"));
    assert!(home.contains(
        "Marseille Provence le territoire méditerranéen aux avant-postes des transitions"
    ));
    for axe in ["Fédérer", "Révéler", "Mesurer"] {
        assert!(home.contains(axe), "home lacks {axe}");
    }
    assert!(home.contains("hreflang=\"en\" href=\"https://www.oneprovence.fr/en/\""));
    assert!(home.contains("hreflang=\"ar\" href=\"https://www.oneprovence.fr/ar/\""));
    assert!(home.contains("hreflang=\"x-default\" href=\"https://www.oneprovence.fr/\""));
    let ar = read(root, "ar/index.html");
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(read(root, "ar/manifeste/index.html").contains("dir=\"rtl\""));
    // Arabic pages not written yet are served from French with a notice.
    let ar_about = read(root, "ar/a-propos/index.html");
    assert!(ar_about.contains("class=\"notice\""));
    assert!(read(root, "en/manifesto/index.html").contains("<html lang=\"en\""));
    let flame = read(root, "actualites/flamme-olympique-marseille/index.html");
    assert!(flame.contains("8 mai 2024"));
    // Its picture comes from its bundle, in sizes, as a figure with its caption; the
    // English page, a plain file, shows the same picture.
    assert!(
        flame.contains("<figure><picture><source type=\"image/webp\" srcset=\"/actualites/flamme-olympique-marseille/arrivee-vieux-port-480w.webp 480w"),
        "{flame}"
    );
    assert!(flame.contains("width=\"1600\" height=\"1000\""));
    assert!(flame.contains("<figcaption>Le Vieux-Port au soir"));
    assert!(
        root.join("output/actualites/flamme-olympique-marseille/arrivee-vieux-port.jpg")
            .exists()
    );
    let en_flame = read(root, "en/news/olympic-flame-in-marseille/index.html");
    assert!(
        en_flame.contains("/actualites/flamme-olympique-marseille/arrivee-vieux-port-960w.jpg")
    );
    assert!(en_flame.contains("<figcaption>The Old Port on the evening"));
    // Every zip partners download opens into one folder named like the zip.
    let zips: Vec<String> = tree(&root.join("output"))
        .into_keys()
        .filter(|k| k.ends_with(".zip"))
        .collect();
    assert!(zips.len() >= 10, "{zips:?}");
    for z in &zips {
        let (folder, files) = unzip_folder(&std::fs::read(root.join("output").join(z)).unwrap());
        let stem = z.rsplit('/').next().unwrap().trim_end_matches(".zip");
        assert_eq!(folder, stem, "{z}");
        assert!(files.contains_key("manifest.json"), "{z}");
    }
    // At least six dated updates in each of fr and en.
    let feed = read(root, "atom.xml");
    assert!(feed.matches("<entry>").count() >= 6);
    assert!(read(root, "en/atom.xml").matches("<entry>").count() >= 6);
    // The accessibility statement exists in every language and every page links to it.
    for (page, statement) in [
        ("index.html", "/accessibilite/"),
        ("en/news/index.html", "/en/accessibility/"),
        ("ar/index.html", "/ar/accessibilite/"),
        ("actualites/club-france/index.html", "/accessibilite/"),
    ] {
        let html = read(root, page);
        assert!(
            html.contains(&format!("<a href=\"{statement}\"")),
            "{page} lacks a link to {statement}"
        );
    }
    assert!(read(root, "accessibilite/index.html").contains("RGAA"));
    assert!(read(root, "en/accessibility/index.html").contains("Défenseur des droits"));
    assert!(read(root, "ar/accessibilite/index.html").contains("dir=\"rtl\""));
    // Design tokens from brand/brand.yaml, in every format partners' tools read.
    let t = |ext: &str| {
        root.join("output/downloads/tokens")
            .join(format!("one-provence.{ext}"))
    };
    assert!(
        std::fs::read_to_string(t("css"))
            .unwrap()
            .contains("--brand-bleu-mediterranee: #0B3D5C;")
    );
    assert!(
        std::fs::read_to_string(t("scss"))
            .unwrap()
            .contains("$brand-ocre: #e3a23b; // Ocre de Provence")
    );
    let json = std::fs::read_to_string(t("tokens.json")).unwrap();
    assert!(
        json.contains("\"$type\": \"color\"") && json.contains("\"$value\": \"#a8432b\""),
        "{json}"
    );
    assert!(
        std::fs::read_to_string(t("gpl"))
            .unwrap()
            .contains("\n 11  61  92\tBleu Méditerranée")
    );
    let ase = std::fs::read(t("ase")).unwrap();
    assert_eq!(&ase[..4], b"ASEF");
    assert_eq!(
        u32::from_be_bytes([ase[8], ase[9], ase[10], ase[11]]),
        6,
        "six swatches"
    );
    let broken = broken_links(&root.join("output"));
    assert!(broken.is_empty(), "broken links: {broken:#?}");
}

#[test]
fn marque_new_scaffolds_a_project_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("site");
    let o = marque(&["new", target.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let out = build_ok(&target, &["--strict"]);
    assert!(out.contains("built"), "{out}");
    let root = &target;
    assert!(read(root, "index.html").contains("<html lang=\"fr\""));
    assert!(read(root, "en/news/launch/index.html").contains("The site is live"));
    assert!(read(root, "actualites/atelier/index.html").contains("Premier atelier"));
    // Search, in both languages.
    assert!(read(root, "index.html").contains("action=\"/recherche/\""));
    assert!(read(root, "en/index.html").contains("action=\"/en/search/\""));
    assert!(root.join("output/pagefind/pagefind-entry.json").is_file());
    assert!(broken_links(&target.join("output")).is_empty());
    // A second `new` into a non-empty folder is refused.
    let again = marque(&["new", target.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("already exists and is not empty"));
}
