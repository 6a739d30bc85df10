//! `marque new DIR`: a small working project (fr + en, a home page, one section with
//! two pages, the default theme) that builds at once.

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
        "# The site's configuration: see the README of marque for every field.\n\
base_url: https://example.org\n\
theme: default\n\
default_language: fr\n\
languages:\n\
  - code: fr\n\
    name: Français\n\
    date_format: \"%-d %B %Y\"\n\
  - code: en\n\
    name: English\n\
    date_format: \"%B %-d, %Y\"\n\
missing_translation: fallback\n\
taxonomies:\n\
  - name: tags\n",
    ),
    (
        "brand/brand.yaml",
        "name: Ma marque\n\
colors:\n\
  - id: bleu\n\
    name: Bleu\n\
    role: primary\n\
    hex: \"#0B4F6C\"\n\
  - id: corail\n\
    name: Corail\n\
    role: accent\n\
    hex: \"#B33C26\"\n\
  - id: encre\n\
    name: Encre\n\
    role: text\n\
    hex: \"#1C1B1A\"\n\
  - id: papier\n\
    name: Papier\n\
    role: background\n\
    hex: \"#FBF8F3\"\n\
typography:\n\
  - family: Inter\n\
    role: body\n\
    weights: [400, 700]\n\
    fallback: \"system-ui, sans-serif\"\n\
  - family: Inter\n\
    role: heading\n\
    weights: [700]\n\
    fallback: \"system-ui, sans-serif\"\n",
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
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    write_default_theme(dir).map_err(|e| format!("cannot write the theme: {e}"))?;
    Ok(())
}
