//! The press room: releases newest first in each language, a fact sheet whose every
//! figure names its source, contacts, and a print style that drops the navigation.

mod common;

use common::*;

#[test]
fn the_press_room_lists_releases_newest_first_with_sourced_figures() {
    let dir = bundled_copy();
    let root = dir.path();
    build_ok(root, &[]);
    for (page, releases) in [
        (
            "presse/index.html",
            [
                "/presse/flamme-olympique/",
                "/presse/lancement-academie/",
                "/presse/document-de-reference/",
            ],
        ),
        (
            "en/press/index.html",
            [
                "/en/press/olympic-flame/",
                "/en/press/academy-launch/",
                "/en/press/reference-document/",
            ],
        ),
    ] {
        let html = read(root, page);
        let at: Vec<usize> = releases
            .iter()
            .map(|r| {
                html.find(&format!("href=\"{r}\""))
                    .unwrap_or_else(|| panic!("{page} lacks {r}"))
            })
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{page}: newest first");
        // Every row of the fact sheet has a source.
        let table = &html[html.find("<table").unwrap()..html.find("</table>").unwrap()];
        let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
        assert!(rows.len() >= 8, "{page}");
        for r in rows {
            let cells: Vec<&str> = r.split("<td").skip(1).collect();
            assert_eq!(cells.len(), 3, "{r}");
            assert!(
                cells[2].contains("One Provence") || cells[2].contains("Paris 2024"),
                "{r}"
            );
        }
        assert!(html.contains("mailto:presse@oneprovence.fr"));
    }
    // Releases print without the site's navigation.
    let css = tree(&root.join("output/css"))
        .into_iter()
        .find(|(k, _)| k.ends_with(".css"))
        .map(|(_, v)| String::from_utf8(v).unwrap())
        .unwrap();
    assert!(css.contains("@media print"), "print style");
    let release = read(root, "en/press/academy-launch/index.html");
    assert!(release.contains("<time datetime=\"2024-01-25\">"));
}

#[test]
fn the_academy_publishes_its_sessions_as_a_calendar_in_each_language() {
    let dir = bundled_copy();
    let root = dir.path();
    build_ok(root, &[]);
    for (page, ics, summary) in [
        (
            "academie/index.html",
            "academie/calendar.ics",
            "SUMMARY:Session de lancement",
        ),
        (
            "en/academy/index.html",
            "en/academy/calendar.ics",
            "SUMMARY:Launch session",
        ),
    ] {
        let html = read(root, page);
        assert!(
            html.contains(&format!("href=\"/{ics}\" download")),
            "{page}"
        );
        let cal = read(root, ics);
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(cal.contains("DTSTART;VALUE=DATE:20240125\r\nDTEND;VALUE=DATE:20240126"));
        assert!(cal.contains(summary), "{cal}");
        assert!(cal.contains("LOCATION:Aix-Marseille-Provence"));
    }
    // A session given online says so in the calendar.
    edit(
        root,
        "narrative/en/academie/session-de-lancement.md",
        "  place: Aix-Marseille-Provence",
        "  place: Aix-Marseille-Provence\n  online: true",
    );
    build_ok(root, &[]);
    assert!(
        read(root, "en/academy/calendar.ics").contains("LOCATION:Aix-Marseille-Provence / Online")
    );
}

#[test]
fn indicators_are_drawn_as_charts_with_their_table_and_source() {
    let dir = bundled_copy();
    let root = dir.path();
    build_ok(root, &[]);
    let page = read(root, "indicateurs/index.html");
    // One chart per indicator, named by its heading, and the same values as a table.
    assert_eq!(page.matches("<svg class=\"chart\"").count(), 3);
    assert!(page.contains("role=\"img\" aria-labelledby=\"indicator-communiques\""));
    assert!(page.contains("<th scope=\"row\">2023</th><td>1</td>"));
    assert!(page.contains("source : One Provence, espace presse de ce site"));
    // Values from the CSV file.
    let en = read(root, "en/indicators/index.html");
    assert!(en.contains("Press releases"));
    // A row that does not parse, an indicator without its source.
    write(
        root,
        "narrative/data/communiques.csv",
        "year,value\n2023,1\n2024;2\n",
    );
    fails_with(
        root,
        &["narrative/data/communiques.csv:3: error: '2024;2' is not a row of two numbers"],
    );
    write(
        root,
        "narrative/data/communiques.csv",
        "year,value\n2023,1\n2024,2\n",
    );
    edit(
        root,
        "narrative/data/agence.yaml",
        "  source: \"One Provence, calendrier de l’académie\"\n",
        "",
    );
    fails_with(
        root,
        &[
            "narrative/data/agence.yaml:",
            "'sessions-academie': an indicator needs its source",
        ],
    );
}

#[test]
fn landmark_places_are_mapped_from_their_coordinates() {
    let dir = bundled_copy();
    let root = dir.path();
    build_ok(root, &[]);
    let page = read(root, "lieux-totems/index.html");
    // A map drawn from the coordinates, with no tile server: one marker per place.
    let map = &page[page.find("<svg class=\"place-map\"").unwrap()..];
    let map = &map[..map.find("</svg>").unwrap()];
    assert_eq!(map.matches("<circle").count(), 3);
    assert!(map.contains("Aéroport Marseille Provence"));
    assert!(!page.contains("tile") && !page.contains("openstreetmap"));
    assert!(read(root, "en/landmark-places/index.html").contains("Marseille Provence Airport"));
    // Coordinates that are not on Earth, or not numbers.
    let f = "narrative/fr/lieux-totems/aeroport-marseille-provence.md";
    edit(root, f, "lat: 43.4367", "lat: 143.4367");
    fails_with(
        root,
        &[
            "narrative/fr/lieux-totems/aeroport-marseille-provence.md:",
            "extra.coordinates: lat 143.4367, lon 5.215 is not on Earth",
        ],
    );
    edit(root, f, "lat: 143.4367", "lat: nord");
    fails_with(
        root,
        &["extra.coordinates: write {lat: 43.29, lon: 5.37} (numbers)"],
    );
}

#[test]
fn people_are_grouped_by_field_with_a_filter_that_needs_no_script() {
    let dir = bundled_copy();
    let root = dir.path();
    write(
        root,
        "narrative/fr/acteurs/_index.md",
        "---\ntitle: Acteurs du changement\ndescription: Ceux qui font bouger le territoire.\ntemplate: people.html\n---\nLe réseau.\n",
    );
    for (slug, name, field, photo) in [
        ("a", "Alice", "Culture", true),
        ("b", "Bruno", "Économie", false),
        ("c", "Chloé", "Culture", false),
    ] {
        write(
            root,
            &format!("narrative/fr/acteurs/{slug}.md"),
            &format!(
                "---\ntitle: {name}\ndescription: {name}, actrice ou acteur du changement.\nweight: 1\nextra:\n  role: Fondatrice\n  organisation: Atelier\n  field: {field}\n{}---\nTexte.\n",
                if photo {
                    "  photo: manifeste-poster.jpg\n"
                } else {
                    ""
                }
            ),
        );
    }
    build_ok(root, &[]);
    let page = read(root, "acteurs/index.html");
    // A plain list grouped by field, and links that filter it.
    assert!(page.contains("<a href=\"#field-culture\">Culture</a>"));
    assert!(page.contains("<a href=\"#field-economie\">Économie</a>"));
    let culture = &page[page.find("id=\"field-culture\"").unwrap()..];
    let culture = &culture[..culture.find("</section>").unwrap()];
    assert!(culture.contains("Alice") && culture.contains("Chloé") && !culture.contains("Bruno"));
    assert!(culture.contains("Fondatrice, Atelier"));
    assert!(culture.contains("srcset=\"/media/photos/manifeste-poster-480.jpg 480w"));
    let css = tree(&root.join("output/css"))
        .into_iter()
        .find(|(k, _)| k.ends_with(".css"))
        .map(|(_, v)| String::from_utf8(v).unwrap())
        .unwrap();
    assert!(css.contains(":target"), "the filter is CSS");
}
