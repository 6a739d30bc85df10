//! Summaries: the text above `<!-- more -->`, else the first paragraph, in listings
//! and feeds; the marker itself is never shown.

mod common;

use common::*;

#[test]
fn a_more_marker_makes_the_summary_of_listings_and_feeds() {
    let dir = fixture("basic");
    let root = dir.path();
    write(
        root,
        "narrative/fr/news/two.md",
        "---\ntitle: Deuxième nouvelle\ndate: 2024-05-08\n---\nLa flamme arrive au Vieux-Port.\n\n\
         Le Belem la porte depuis Athènes.\n\n<!-- more -->\n\nLe reste du récit, long et détaillé.\n",
    );
    build_ok(root, &[]);
    let page = read(root, "news/two/index.html");
    assert!(
        !page.contains("more --") && !page.contains("&lt;!--"),
        "{page}"
    );
    assert!(page.contains("Le reste du récit"), "{page}");
    let list = read(root, "news/index.html");
    assert!(
        list.contains("Le Belem l’amène depuis Athènes.")
            || list.contains("Le Belem la porte depuis Athènes."),
        "{list}"
    );
    assert!(!list.contains("Le reste de l"), "{list}");
    let feed = read(root, "atom.xml");
    assert!(
        !feed.contains("more --") && !feed.contains("&amp;lt;!--"),
        "{feed}"
    );
    let summary = feed
        .split("<summary>")
        .find(|s| s.starts_with("La flamme arrive"))
        .expect("the page's summary in the feed");
    assert!(summary.contains("depuis Athènes.</summary>"), "{summary}");
}
