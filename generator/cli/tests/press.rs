//! The press room: releases newest first in each language, a fact sheet whose every
//! figure names its source, contacts, and a print style that drops the navigation.

mod common;

use common::*;

#[test]
fn the_press_room_lists_releases_newest_first_with_sourced_figures() {
    let dir = bundled_copy_warm();
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
            let source = cells[2]
                .split('>')
                .nth(1)
                .unwrap_or("")
                .split('<')
                .next()
                .unwrap();
            assert!(source.trim().len() > 5, "a source is named: {r}");
        }
        assert!(html.contains("mailto:presse@oneprovence.fr"));
        // The releases under a visible heading, the press kit at the top.
        assert!(html.contains("<h2 class=\"list-title\">"), "{page}");
        assert!(html.find("press-kit-").unwrap() < html.find("class=\"list-title\"").unwrap());
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
    let dir = bundled_copy_warm();
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
    let dir = bundled_copy_warm();
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
    let dir = bundled_copy_warm();
    let root = dir.path();
    build_ok(root, &[]);
    let page = read(root, "lieux-totems/index.html");
    // A map drawn from the coordinates, with no tile server: one marker per place.
    let svg_of = |page: &str| {
        let map = &page[page.find("<svg class=\"place-map\"").unwrap()..];
        map[..map.find("</svg>").unwrap() + 6].to_string()
    };
    let map = svg_of(&page);
    assert_eq!(
        map.matches("r=\"14\"").count(),
        3,
        "one numbered marker per place"
    );
    assert!(map.contains("Aéroport Marseille Provence"));
    // Nothing is fetched: no address in the map, no tile server anywhere.
    assert!(
        !map.contains("http") || map.matches("http").count() == 1,
        "only the xmlns"
    );
    assert!(!page.contains("tile."));
    // The base map of narrative/data/provence.geojson: land and the lagoon drawn as
    // paths, towns named where there is room, and its attribution under the map.
    assert!(map.contains("<path d=\"M") && map.contains("fill=\"#EFE9DC\""));
    assert!(map.contains(">Vitrolles</text>") && map.contains(">Martigues</text>"));
    // Labels are placed left to right, also inside a right-to-left page.
    assert!(map.contains("direction=\"ltr\""));
    assert!(page.contains("Fond de carte : <bdi>© OpenStreetMap contributors (ODbL 1.0)"));
    // The list follows the map's numbers, each card with its photo.
    let list = &page[page.find("class=\"cards cards-list\"").unwrap()..];
    let first = list.find("aeroport-marseille-provence/").unwrap();
    let second = list.find("centre-de-donnees/").unwrap();
    assert!(first < second);
    assert!(list.contains("<span class=\"place-number\" aria-hidden=\"true\">1</span>"));
    assert!(list.contains("srcset=\"/media/photos/lieu-aeroport-480.jpg 480w"));
    assert!(read(root, "en/landmark-places/index.html").contains("Marseille Provence Airport"));
    // Each place page: its photo from the library (credit, WebP and JPEG at three
    // widths), a locator map on the same base map, and a geo: link for the visitor's
    // own map application.
    let place = read(root, "lieux-totems/aeroport-marseille-provence/index.html");
    assert!(place.contains("<figure class=\"place-photo\">"));
    for w in [480, 960, 1920] {
        assert!(place.contains(&format!("/media/photos/lieu-aeroport-{w}.webp {w}w")));
        assert!(
            root.join(format!("output/media/photos/lieu-aeroport-{w}.jpg"))
                .is_file()
        );
    }
    assert!(place.contains("© One Provence (illustration)"));
    let locator = svg_of(&place);
    assert_eq!(locator.matches("r=\"11\"").count(), 1, "one marker");
    assert!(
        locator.contains(">Marignane</text>"),
        "a town next to the airport"
    );
    assert!(place.contains("href=\"geo:43.4367,5.215\""));
    assert!(place.contains(
        "href=\"https://www.openstreetmap.org/?mlat=43.4367&amp;mlon=5.215#map=15/43.4367/5.215\""
    ));
    assert!(
        place.contains("(43,4367° N, 5,215° E)"),
        "decimals written the French way"
    );
    assert!(
        read(
            root,
            "en/landmark-places/marseille-provence-airport/index.html"
        )
        .contains("(43.4367° N, 5.215° E)")
    );
    // Dated places show their month.
    let f = "narrative/fr/lieux-totems/aeroport-marseille-provence.md";
    edit(root, f, "weight: 1\n", "weight: 1\ndate: 2024-03-01\n");
    build_ok(root, &[]);
    let place = read(root, "lieux-totems/aeroport-marseille-provence/index.html");
    assert!(place.contains("Lieu du mois : <time datetime=\"2024-03-01\">mars 2024</time>"));
    assert!(read(root, "lieux-totems/index.html").contains(">mars 2024</time>"));
    // Coordinates that are not on Earth, or not numbers.
    let f = "narrative/fr/lieux-totems/aeroport-marseille-provence.md";
    edit(root, f, "lat: 43.4367", "lat: 143.4367");
    fails_with(
        root,
        &[
            "narrative/fr/lieux-totems/aeroport-marseille-provence.md:8: error: extra.coordinates: lat 143.4367, lon 5.215 is not on Earth",
        ],
    );
    edit(root, f, "lat: 143.4367", "lat: nord");
    fails_with(
        root,
        &["extra.coordinates: write {lat: 43.29, lon: 5.37} (numbers)"],
    );
}

#[test]
fn a_bad_base_map_or_photo_reference_fails_naming_file_and_field() {
    let dir = bundled_copy_warm();
    let root = dir.path();
    build_ok(root, &[]);
    let before = tree(&root.join("output"));
    let section = "narrative/fr/lieux-totems/_index.md";
    edit(
        root,
        section,
        "map_base: provence.geojson",
        "map_base: provence.json",
    );
    fails_with(
        root,
        &[
            "narrative/fr/lieux-totems/_index.md:8: error: extra.map_base: no base map 'provence.json'",
            "(base maps in narrative/data/: provence.geojson)",
        ],
    );
    edit(
        root,
        section,
        "map_base: provence.json",
        "map_base: provence.geojson",
    );
    // The template its pages are drawn with.
    edit(
        root,
        section,
        "page_template: place.html",
        "page_template: plcae.html",
    );
    fails_with(
        root,
        &[
            "narrative/fr/lieux-totems/_index.md:5:16: error: page_template: 'plcae.html' does not exist",
            "(did you mean 'place.html'?)",
        ],
    );
    edit(
        root,
        section,
        "page_template: plcae.html",
        "page_template: place.html",
    );
    // The base map itself: not JSON (file:line:col), no attribution, a bad point.
    let data = "narrative/data/provence.geojson";
    let good = std::fs::read_to_string(root.join(data)).unwrap();
    write(
        root,
        data,
        &good.replacen("\"features\": [", "\"features\": [,", 1),
    );
    fails_with(
        root,
        &["narrative/data/provence.geojson:5:", "not valid JSON"],
    );
    write(
        root,
        data,
        &good.replacen("\"attribution\"", "\"credits\"", 1),
    );
    fails_with(
        root,
        &[
            "narrative/data/provence.geojson: error: attribution: say where the geography comes from",
        ],
    );
    write(
        root,
        data,
        &good.replacen(
            "\"coordinates\":[5.3698,43.2965]",
            "\"coordinates\":[5.3698,143.2965]",
            1,
        ),
    );
    fails_with(
        root,
        &[
            "narrative/data/provence.geojson: error: features[",
            "].geometry.coordinates: a longitude from -180 to 180",
        ],
    );
    write(root, data, &good);
    // A photo that is not in the library.
    let place = "narrative/en/lieux-totems/aeroport-marseille-provence.md";
    edit(
        root,
        place,
        "photo: lieu-aeroport.jpg",
        "photo: lieu-aeroprt.jpg",
    );
    fails_with(
        root,
        &[
            "narrative/en/lieux-totems/aeroport-marseille-provence.md:7: error: extra.photo: 'lieu-aeroprt.jpg' is not in the photo library",
            "(did you mean 'lieu-aeroport.jpg'?)",
        ],
    );
    edit(
        root,
        place,
        "photo: lieu-aeroprt.jpg",
        "photo: lieu-aeroport.jpg",
    );
    build_ok(root, &[]);
    assert_eq!(
        tree(&root.join("output")),
        before,
        "the same sources give the same site"
    );
}

#[test]
fn people_are_grouped_by_field_with_a_filter_that_needs_no_script() {
    let dir = bundled_copy_warm();
    let root = dir.path();
    // French-only pages: English need not be complete here.
    let cfg = std::fs::read_to_string(root.join("marque.yaml")).unwrap();
    write(
        root,
        "marque.yaml",
        &cfg.replace("complete_languages: [fr, en]\n", ""),
    );
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
    assert!(culture.contains("Fondatrice · Atelier"));
    // Groups come in the order of the list (here by title), the same on every build.
    assert!(
        page.find("id=\"field-culture\"").unwrap() < page.find("id=\"field-economie\"").unwrap()
    );
    assert!(culture.contains("srcset=\"/media/photos/manifeste-poster-480.jpg 480w"));
    let css = tree(&root.join("output/css"))
        .into_iter()
        .find(|(k, _)| k.ends_with(".css"))
        .map(|(_, v)| String::from_utf8(v).unwrap())
        .unwrap();
    assert!(css.contains(":target"), "the filter is CSS");
}

#[test]
fn the_bundled_change_makers_are_profiles_grouped_by_field_in_a_stable_order() {
    let dir = bundled_copy_warm();
    let root = dir.path();
    build_ok(root, &[]);
    let fr = read(root, "acteurs-du-changement/index.html");
    // Six profiles described by role and organisation (no private names), grouped by
    // field in the order of their weights.
    assert_eq!(fr.matches("<li class=\"person\">").count(), 6);
    let order: Vec<usize> = [
        "economie",
        "environnement",
        "vie-sociale",
        "culture",
        "sport",
    ]
    .iter()
    .map(|f| {
        fr.find(&format!("<section class=\"field-group\" id=\"field-{f}\""))
            .unwrap()
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(fr.contains("Direction d’entreprise · Entreprise du territoire"));
    let en = read(root, "en/change-makers/index.html");
    assert!(en.contains("<a href=\"#field-economy\">Economy</a>"));
    assert!(
        read(root, "en/change-makers/researcher/index.html")
            .contains("A researcher working on climate and social change")
    );
    // Tera's own group_by orders groups by a hash map: a second build elsewhere gives
    // the same page.
    let again = bundled_copy_warm();
    build_ok(again.path(), &[]);
    assert_eq!(read(again.path(), "acteurs-du-changement/index.html"), fr);
}
