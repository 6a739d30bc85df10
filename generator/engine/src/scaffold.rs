//! `marque new DIR`: a small working project (fr + en, a home page, one section with
//! two pages, a search page, the default theme) that builds at once.

use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));

/// Writes the default theme into `dir/themes/default/`.
pub fn write_default_theme(dir: &Path) -> std::io::Result<()> {
    for (name, bytes) in DEFAULT_THEME {
        let p = dir.join("themes/default").join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, bytes)?;
    }
    Ok(())
}

const FILES: &[(&str, &str)] = &[
    (
        "marque.yaml",
        r#"# The site's configuration: see marque's README for every field.
base_url: https://example.org
theme: default
default_language: fr
languages:
  - code: fr
    name: Français
    date_format: "%-d %B %Y"
  - code: en
    name: English
    date_format: "%B %-d, %Y"
missing_translation: fallback
taxonomies:
  - name: tags
"#,
    ),
    (
        "brand/brand.yaml",
        r##"# The brand's colours and typefaces, given to the theme as CSS custom properties.
name: Ma marque
colors:
  - id: bleu
    name: Bleu
    role: primary
    hex: "#0B4F6C"
  - id: corail
    name: Corail
    role: secondary
    hex: "#B33C26"
  - id: soleil
    name: Soleil
    role: accent
    hex: "#E3A23B"
  - id: encre
    name: Encre
    role: text
    hex: "#1C1B1A"
  - id: papier
    name: Papier
    role: background
    hex: "#FBF8F3"
typography:
  - family: Inter
    role: heading
    weights: [700]
    fallback: "system-ui, sans-serif"
  - family: Inter
    role: body
    weights: [400, 700]
    fallback: "system-ui, sans-serif"
"##,
    ),
    (
        "narrative/fr/_index.md",
        "---\ntitle: Accueil\ndescription: Le site de ma marque.\nextra:\n  hero_title: Bienvenue\n  hero_lead: Un site construit avec marque.\n---\nBienvenue ! Lisez [nos actualités](@/actualites/_index.md).\n",
    ),
    (
        "narrative/fr/actualites/_index.md",
        "---\ntitle: Actualités\ndescription: Les dernières nouvelles.\nweight: 10\n---\nToutes nos actualités, de la plus récente à la plus ancienne.\n",
    ),
    (
        "narrative/fr/actualites/lancement.md",
        "---\ntitle: Le site est en ligne\ndescription: Notre nouveau site ouvre ses portes.\ndate: 2024-03-01\ntags: [annonce]\n---\n## Un nouveau départ\n\nLe site est en ligne : découvrez [notre premier atelier](@/actualites/atelier.md).\n",
    ),
    (
        "narrative/fr/actualites/atelier.md",
        "---\ntitle: Premier atelier\ndescription: Un atelier ouvert à tous.\ndate: 2024-03-15\ntags: [atelier]\n---\n## Au programme\n\n- Présentation de la marque\n- Questions et réponses\n",
    ),
    (
        "narrative/en/_index.md",
        "---\ntitle: Home\ndescription: My brand's website.\nextra:\n  hero_title: Welcome\n  hero_lead: A site built with marque.\n---\nWelcome! Read [our news](@/actualites/_index.md).\n",
    ),
    (
        "narrative/en/actualites/_index.md",
        "---\ntitle: News\ndescription: The latest news.\nslug: news\nweight: 10\n---\nAll our news, newest first.\n",
    ),
    (
        "narrative/en/actualites/lancement.md",
        "---\ntitle: The site is live\ndescription: Our new site opens its doors.\nslug: launch\ndate: 2024-03-01\ntags: [announcement]\n---\n## A fresh start\n\nThe site is live: see [our first workshop](@/actualites/atelier.md).\n",
    ),
    (
        "narrative/en/actualites/atelier.md",
        "---\ntitle: First workshop\ndescription: A workshop open to all.\nslug: workshop\ndate: 2024-03-15\ntags: [workshop]\n---\n## On the programme\n\n- The brand, presented\n- Questions and answers\n",
    ),
    (
        "narrative/fr/recherche.md",
        "---\ntitle: Rechercher\ndescription: Chercher dans le site.\ntemplate: search.html\n---\nTapez un mot : les pages qui en parlent s’affichent, les plus proches d’abord.\n",
    ),
    (
        "narrative/en/recherche.md",
        "---\ntitle: Search\ndescription: Search the site.\nslug: search\ntemplate: search.html\n---\nType a word: the pages that mention it are listed, the closest first.\n",
    ),
    (".gitignore", "/output\n/.marque-cache\n"),
];

/// Creates a new project in `dir`, which must not exist or be empty.
pub fn new_project(dir: &Path) -> Result<(), String> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut r| r.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!("{} already exists and is not empty", dir.display()));
    }
    for (name, text) in FILES {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    write_default_theme(dir).map_err(|e| format!("cannot write the theme: {e}"))?;
    Ok(())
}
