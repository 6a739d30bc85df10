//! Interface strings with plural forms, chosen by each language's CLDR rules: the
//! reading time and file counts say «دقيقة قراءة واحدة», «4 دقائق قراءة», "1 file".

mod common;

use common::*;

/// The fixture with Arabic added, and an Arabic news item of `words` words.
fn with_arabic_news(items: &[(&str, usize)]) -> tempfile::TempDir {
    let dir = fixture("basic");
    let root = dir.path();
    edit(
        root,
        "marque.yaml",
        "missing_translation: fallback\n",
        "  - code: ar\n    name: العربية\n    date_format: \"%-d %B %Y\"\nmissing_translation: fallback\n",
    );
    write(
        root,
        "narrative/ar/_index.md",
        "---\ntitle: الرئيسية\n---\nمرحبا.\n",
    );
    for (slug, words) in items {
        let body = vec!["كلمة"; *words].join(" ");
        write(
            root,
            &format!("narrative/ar/news/{slug}.md"),
            &format!("---\ntitle: خبر {slug}\ndate: 2024-05-08\n---\n{body}\n"),
        );
    }
    dir
}

/// The reading time shown on a page (the text after the last `·` of its meta line).
fn reading_time(html: &str) -> String {
    let meta = html.split("<p class=\"meta\"").nth(1).expect("a meta line");
    let meta = &meta[..meta.find("</p>").unwrap()];
    meta.rsplit('·').next().unwrap().trim().to_string()
}

#[test]
fn reading_times_take_the_plural_form_of_their_language() {
    // 1, 2, 4 and 13 minutes: Arabic's one, two, few and many.
    let dir = with_arabic_news(&[("a", 50), ("b", 350), ("c", 700), ("d", 2500)]);
    let root = dir.path();
    build_ok(root, &[]);
    let cases = [
        ("a", "دقيقة قراءة واحدة"),
        ("b", "دقيقتا قراءة"),
        ("c", "4 دقائق قراءة"),
        ("d", "13 دقيقة قراءة"),
    ];
    for (slug, want) in cases {
        let html = read(root, &format!("ar/news/{slug}/index.html"));
        assert_eq!(reading_time(&html), want, "{slug}");
    }
    // French and English have their own forms ("{n}" is the number).
    assert_eq!(
        reading_time(&read(root, "news/two/index.html")),
        "1 min de lecture"
    );
    assert_eq!(
        reading_time(&read(root, "en/updates/one/index.html")),
        "1 min read"
    );
}

#[test]
fn plural_forms_are_checked_where_they_are_written() {
    let dir = fixture("basic");
    let root = dir.path();
    build_ok(root, &[]);
    let i18n = "themes/default/i18n/en.yaml";
    let original = read_source(root, i18n);
    for (forms, want) in [
        (
            "minutes_read:\n  one: \"{n} minute\"\n  several: \"{n} minutes\"\n",
            "has plural form 'several': the forms are named zero, one, two, few, many, other",
        ),
        (
            "minutes_read:\n  one: \"{n} minute\"\n",
            "has plural forms without 'other'",
        ),
        (
            "minutes_read:\n  one: \"{n} minute\"\n  other: [a, b]\n",
            "has plural form 'other' that is not a string",
        ),
    ] {
        let text = original.replace("minutes_read: \"{n} min read\"\n", forms);
        assert_ne!(text, original);
        std::fs::write(root.join(i18n), text).unwrap();
        fails_with(root, &[&format!("{i18n}:"), want]);
    }
    // A template that asks for a string with plural forms without a count.
    let text = original.replace(
        "minutes_read: \"{n} min read\"\n",
        "minutes_read:\n  one: \"{n} minute\"\n  other: \"{n} minutes\"\n",
    );
    std::fs::write(root.join(i18n), text).unwrap();
    build_ok(root, &[]);
    assert_eq!(
        reading_time(&read(root, "en/updates/one/index.html")),
        "1 minute"
    );
    let page = "themes/default/templates/page.html";
    let t = read_source(root, page).replace(
        "trans(key=\"minutes_read\", count=page.reading_time)",
        "trans(key=\"minutes_read\")",
    );
    std::fs::write(root.join(page), t).unwrap();
    fails_with(
        root,
        &[
            "interface string 'minutes_read' has plural forms",
            "count=…",
        ],
    );
}

/// A file of the project as text.
fn read_source(root: &std::path::Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}
