//! Bad input: every problem named with file, line and column, exit code 1, all problems
//! reported at once, and the previous output left untouched.

mod common;

use common::*;

/// Builds the fixture once, applies `change`, builds again: the build must fail with
/// `expected` in its output and leave the first output as it was.
fn fails_keeping_output(change: impl FnOnce(&std::path::Path), expected: &[&str]) -> String {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    let before = read(p.path(), "index.html");
    change(p.path());
    let out = build_err(p.path(), &[]);
    for e in expected {
        assert!(out.contains(e), "expected {e:?} in:\n{out}");
    }
    assert!(out.contains("build failed"), "{out}");
    assert_eq!(
        read(p.path(), "index.html"),
        before,
        "old output must stay intact"
    );
    assert!(p.path().join("output/about/index.html").is_file());
    // No staging folder left behind.
    let leftovers: Vec<_> = std::fs::read_dir(p.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("staging"))
        .collect();
    assert!(leftovers.is_empty());
    out
}

#[test]
fn rejects_malformed_front_matter() {
    fails_keeping_output(
        |p| {
            write(
                p,
                "narrative/fr/about.md",
                "---\ntitle: [unclosed\ndescription: x\n---\nBody\n",
            )
        },
        &["narrative/fr/about.md:3:12: error: illegal placement of ':' indicator"],
    );
}

#[test]
fn rejects_unknown_field_with_hint() {
    fails_keeping_output(
        |p| {
            write(
                p,
                "narrative/fr/about.md",
                "---\ntitle: A\ntittle: B\n---\nBody\n",
            )
        },
        &["narrative/fr/about.md:3:1: error: unknown field 'tittle' (did you mean 'title'?)"],
    );
}

#[test]
fn rejects_unclosed_front_matter() {
    fails_keeping_output(
        |p| write(p, "narrative/fr/about.md", "---\ntitle: A\n\nBody\n"),
        &["narrative/fr/about.md:1:1: error: front matter is not closed"],
    );
}

#[test]
fn rejects_two_pages_with_the_same_url() {
    fails_keeping_output(
        |p| {
            write(
                p,
                "narrative/fr/other.md",
                "---\ntitle: Autre\nslug: about\n---\nBody\n",
            )
        },
        &[
            "error: two pages have the URL /about/",
            "narrative/fr/about.md",
        ],
    );
}

#[test]
fn rejects_a_template_that_does_not_exist() {
    fails_keeping_output(
        |p| {
            write(
                p,
                "narrative/fr/about.md",
                "---\ntitle: A\ntemplate: pgae.html\n---\nBody\n",
            )
        },
        &[
            "narrative/fr/about.md:3:11: error: template: 'pgae.html' does not exist",
            "(did you mean 'page.html'?)",
        ],
    );
}

#[test]
fn rejects_a_date_that_is_not_a_date() {
    fails_keeping_output(
        |p| {
            write(
                p,
                "narrative/fr/news/two.md",
                "---\ntitle: Deux\ndate: 2024-02-30\n---\nBody\n",
            )
        },
        &[
            "narrative/fr/news/two.md:3:7: error: field 'date': '2024-02-30' is not a date: 2024-02 has no day 30",
        ],
    );
}

#[test]
fn rejects_a_language_not_in_the_config() {
    fails_keeping_output(
        |p| {
            write(
                p,
                "narrative/de/_index.md",
                "---\ntitle: Start\n---\nHallo\n",
            )
        },
        &["narrative/de: error: language 'de' is not in marque.yaml (languages: fr, en)"],
    );
}

#[test]
fn rejects_links_to_missing_pages_and_anchors() {
    fails_keeping_output(
        |p| {
            write(
                p,
                "narrative/fr/about.md",
                "---\ntitle: A\n---\n## Mission\n\nVoir [x](@/nulle-part.md).\n\nEt [y](@/news/one.md#absent) et [z](#mision).\n",
            )
        },
        &[
            "narrative/fr/about.md:6:6: error: link '@/nulle-part.md': there is no page narrative/fr/nulle-part.md",
            "narrative/fr/about.md:8:4: error: link '@/news/one.md#absent': narrative/fr/news/one.md has no anchor '#absent'",
            "link '#mision': narrative/fr/about.md has no anchor '#mision' (did you mean 'mission'?)",
        ],
    );
}

#[test]
fn rejects_a_root_without_config() {
    let dir = tempfile::tempdir().unwrap();
    let out = build_err(dir.path(), &[]);
    assert!(out.contains("no marque.yaml in"), "{out}");
    assert!(out.contains("marque new DIR"), "{out}");
}

#[test]
fn reports_every_problem_at_once() {
    let out = fails_keeping_output(
        |p| {
            write(
                p,
                "narrative/fr/about.md",
                "---\ntitle: A\ntittle: B\n---\nBody\n",
            );
            write(
                p,
                "narrative/fr/news/two.md",
                "---\ntitle: Deux\ndate: hier\n---\nBody\n",
            );
            write(
                p,
                "narrative/en/about.md",
                "---\ntitle: About\nweight: heavy\n---\nBody\n",
            );
        },
        &[
            "narrative/fr/about.md:3:1:",
            "narrative/fr/news/two.md:3:7:",
            "narrative/en/about.md:3:9: error: field 'weight' must be a whole number, found a string",
            // In the same run: the links to the anchors these new bodies lost.
            "narrative/fr/news/one.md:9:6: error: link '@/about.md#notre-mission': narrative/fr/about.md has no anchor '#notre-mission'",
            "narrative/en/news/one.md:7:5: error: link '@/about.md#our-mission'",
        ],
    );
    assert!(out.contains("build failed: 5 error(s)"), "{out}");
}

#[test]
fn rejects_template_errors_naming_template_line_and_variable() {
    fails_keeping_output(
        |p| {
            let t = p.join("themes/default/templates/page.html");
            let text = std::fs::read_to_string(&t).unwrap();
            assert!(text.contains("{% block content %}\n"));
            std::fs::write(
                &t,
                text.replacen(
                    "{% block content %}\n",
                    "{% block content %}\n{{ subtitle }}\n",
                    1,
                ),
            )
            .unwrap();
        },
        &["themes/default/templates/page.html:3:4: error: Variable 'subtitle' is not defined"],
    );
}

#[test]
fn rejects_template_syntax_errors_with_line() {
    fails_keeping_output(
        |p| {
            let t = p.join("themes/default/templates/page.html");
            std::fs::write(
                &t,
                "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n{% endblock %}\n",
            )
            .unwrap();
        },
        &["themes/default/templates/page.html:3:"],
    );
}

#[test]
fn rejects_missing_interface_strings_naming_key_and_language() {
    fails_keeping_output(
        |p| {
            let t = p.join("themes/default/i18n/en.yaml");
            let text = std::fs::read_to_string(&t).unwrap();
            let kept: Vec<&str> = text
                .lines()
                .filter(|l| !l.starts_with("back_home:"))
                .collect();
            std::fs::write(&t, kept.join("\n")).unwrap();
        },
        &[
            "themes/default/i18n/en.yaml: error: missing interface string 'back_home' for language 'en'",
        ],
    );
}

#[test]
fn rejects_bad_config_with_hint() {
    fails_keeping_output(
        |p| {
            edit(
                p,
                "marque.yaml",
                "theme: default",
                "theme: default\nlanguges: []",
            );
        },
        &["marque.yaml:3:1: error: unknown field 'languges' (did you mean 'languages'?)"],
    );
}

#[test]
fn rejects_invalid_brand_colour() {
    fails_keeping_output(
        |p| {
            edit(p, "brand/brand.yaml", "#0B3D5C", "bleu");
        },
        &[
            "brand/brand.yaml:",
            "colour 'bleu': hex 'bleu' is not a colour",
        ],
    );
}

#[test]
fn survives_garbage_without_panicking() {
    let p = fixture("basic");
    for (i, junk) in [
        "---\n---\n",
        "---\n: : :\n---\n",
        "\u{feff}---\ntitle: \"\\u\"\n---\n",
        "---\n- a\n- b\n---\n",
        "---\ntitle: A\nextra: 3\n---\n[x](@/)\n[y](.md)\n",
    ]
    .iter()
    .enumerate()
    {
        write(p.path(), &format!("narrative/fr/junk{i}.md"), junk);
    }
    let o = build(p.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!text(&o).contains("panicked"));
}

#[test]
fn rejects_a_theme_outside_the_themes_folder() {
    fails_keeping_output(
        |p| {
            edit(p, "marque.yaml", "theme: default", "theme: ../../etc");
        },
        &["marque.yaml: error: theme '../../etc' must be the name of a folder in themes/"],
    );
}

#[test]
fn rejects_symlinks_out_of_the_narrative() {
    let p = fixture("basic");
    build_ok(p.path(), &[]);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "---\ntitle: Secret\n---\nx\n",
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        p.path().join("narrative/fr/secret.md"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        let out = build_err(p.path(), &[]);
        assert!(
            out.contains("narrative/fr/secret.md: error: 'narrative/fr/secret.md' is a link to")
                && out.contains("outside the project folder"),
            "{out}"
        );
    }
}

#[test]
fn rejects_unknown_functions_arguments_in_templates() {
    fails_keeping_output(
        |p| {
            let t = p.join("themes/default/templates/page.html");
            let text = std::fs::read_to_string(&t).unwrap();
            std::fs::write(
                &t,
                text.replacen(
                    "{% block content %}\n",
                    "{% block content %}\n{{ get_page(path='@/nowhere.md') }}\n",
                    1,
                ),
            )
            .unwrap();
        },
        &[
            "themes/default/templates/page.html:3:",
            "get_page: no page '@/nowhere.md' in language 'fr'",
        ],
    );
}

#[test]
fn rejects_an_include_of_a_missing_template() {
    fails_keeping_output(
        |p| {
            let t = p.join("themes/default/templates/page.html");
            let text = std::fs::read_to_string(&t).unwrap();
            std::fs::write(
                &t,
                text.replacen(
                    "{% block content %}\n",
                    "{% block content %}\n{% include \"partials/nope.html\" %}\n",
                    1,
                ),
            )
            .unwrap();
        },
        &["themes/default/templates/page.html:3:12: error: Unknown template 'partials/nope.html'"],
    );
}

#[test]
fn rejects_brand_colours_the_theme_cannot_read() {
    fails_keeping_output(
        |p| {
            edit(p, "brand/brand.yaml", "#15212B", "#AAAAAA");
        },
        &[
            "themes/default/theme.yaml: error: text #ffffff on background 'Encre' (#AAAAAA) has a contrast of 2.32:1, below the 4.5:1 that WCAG AA needs",
        ],
    );
}
