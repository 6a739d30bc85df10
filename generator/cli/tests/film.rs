//! The manifesto film: the video with a caption track per language, the transcript from
//! the captions, every `.vtt` checked at build, and an external player that loads
//! nothing before the visitor asks.

mod common;

use common::*;

#[test]
fn the_film_page_has_its_captions_and_transcript() {
    let dir = bundled_copy_warm();
    let root = dir.path();
    build_ok(root, &[]);
    let page = read(root, "en/film/index.html");
    assert!(page.contains("<video controls"));
    assert!(page.contains("poster=\"/media/manifeste-poster.jpg\""));
    assert!(page.contains("<source src=\"/media/manifeste.webm\" type=\"video/webm\">"));
    for (code, label) in [("fr", "Français"), ("en", "English"), ("ar", "العربية")] {
        assert!(
            page.contains(&format!(
                "<track kind=\"captions\" src=\"/media/manifeste.{code}.vtt\" srclang=\"{code}\" label=\"{label}\""
            )),
            "{code}"
        );
    }
    assert!(page.contains("srclang=\"en\" label=\"English\" default>"));
    // The transcript is the English captions, cue by cue.
    assert!(page.contains("First, there is the sea, and the light."));
    assert_eq!(page.matches("class=\"cue-time\"").count(), 4);
    let webm = std::fs::read(root.join("output/media/manifeste.webm")).unwrap();
    assert_eq!(&webm[..4], b"\x1a\x45\xdf\xa3", "a WebM (Matroska) file");
    assert!(read(root, "media/manifeste.fr.vtt").starts_with("WEBVTT"));
    // The search index keeps the transcript and leaves out the player's labels (its
    // excerpt would otherwise show "Download the video (WEBM, … kB)").
    let fragments = tree(&root.join("output/pagefind/fragment"));
    let film = fragments
        .values()
        .map(|gz| {
            use std::io::Read;
            let mut json = String::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_string(&mut json)
                .unwrap();
            json
        })
        .find(|json| json.contains("\"url\":\"/en/film/\""))
        .expect("the film page is in the index");
    assert!(
        film.contains("First, there is the sea, and the light."),
        "{film}"
    );
    assert!(
        !film.contains("Download the video") && !film.contains("Captions in"),
        "{film}"
    );
}

#[test]
fn bad_captions_fail_with_file_and_line() {
    let dir = bundled_copy_warm();
    let root = dir.path();
    build_ok(root, &[]);
    let vtt = "narrative/media/manifeste.en.vtt";
    for (from, to, want) in [
        (
            "00:04.000 --> 00:08.000",
            "00:04.000 --> 00:08,000",
            "narrative/media/manifeste.en.vtt:8: error: end '00:08,000' is not a timestamp",
        ),
        (
            "00:04.000 --> 00:08.000",
            "00:03.000 --> 00:08.000",
            "narrative/media/manifeste.en.vtt:8: error: this cue starts at 00:00:03.000, while the cue of line 4 runs until 00:00:04.000",
        ),
        (
            "00:08.000 --> 00:12.000",
            "00:01.000 --> 00:02.000",
            "narrative/media/manifeste.en.vtt:13: error: cues are out of order",
        ),
        (
            "WEBVTT",
            "WEBVTT-ish",
            "narrative/media/manifeste.en.vtt:1: error: a WebVTT file starts with the line 'WEBVTT'",
        ),
    ] {
        edit(root, vtt, from, to);
        fails_with(root, &[want]);
        edit(root, vtt, to, from);
    }
    // A film page that names a video that is not there.
    edit(
        root,
        "narrative/fr/film.md",
        "video: manifeste.webm",
        "video: manifest.webm",
    );
    fails_with(
        root,
        &[
            "narrative/fr/film.md:",
            "extra.film.video: 'narrative/media/manifest.webm' does not exist",
        ],
    );
    edit(
        root,
        "narrative/fr/film.md",
        "video: manifest.webm",
        "video: manifeste.webm",
    );
    build_ok(root, &[]);
}

#[test]
fn an_external_player_loads_only_on_request() {
    let dir = bundled_copy_warm();
    let root = dir.path();
    edit(
        root,
        "narrative/en/film.md",
        "    captions: manifeste",
        "    captions: manifeste\n    external: {provider: youtube, id: dQw4w9WgXcQ}",
    );
    build_ok(root, &[]);
    let page = read(root, "en/film/index.html");
    // No iframe, script, image or style from the host: the page only names it.
    assert!(!page.contains("<iframe"));
    for l in links(&page) {
        assert!(
            !l.contains("youtube-nocookie") && !l.contains("ytimg"),
            "nothing is loaded from the host: {l}"
        );
    }
    assert!(
        page.contains(
            "data-embed=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1\""
        )
    );
    assert!(page.contains("href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\""));
    edit(
        root,
        "narrative/en/film.md",
        "provider: youtube",
        "provider: dailytube",
    );
    fails_with(
        root,
        &[
            "narrative/en/film.md:",
            "extra.film.external: write {provider: youtube or vimeo",
        ],
    );
}
