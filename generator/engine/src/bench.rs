//! The synthetic benchmark project: the shape of `shared/bench/gen_corpus.py` (N pages
//! per language in fr and en, 10 sections, 3 of 50 tags per page, ~600 words with
//! headings, lists, a table, a code block and links) in marque's own layout.

use std::fmt::Write as _;
use std::path::Path;

const FR_WORDS: &str = "la le les un une des de du et en au aux pour par sur dans avec sans sous entre vers chez comme mais donc car ainsi alors puis encore toujours marque couleur typographie logo palette charte identité visuelle kit événement affiche bannière gabarit police graisse interlignage grille marge contraste teinte nuance ton voix message récit page site équipe projet client public lecteur visiteur atelier salon conférence stand invitation programme calendrier fichier archive dossier téléchargement format image icône pictogramme illustration photographie vidéo support imprimé écran mobile bureau version langue traduction titre paragraphe section chapitre note règle principe usage exemple variante clair sombre vif doux chaud froid précis simple sobre élégant lisible cohérent moderne local national durable ouvert fiable rapide construire composer choisir définir garder utiliser adapter appliquer respecter présenter publier partager préparer imprimer vérifier livrer";
const EN_WORDS: &str = "the a an of and to in for on with by from as at into over under between about through without but so because while then again always often brand colour typography logo palette guideline identity visual kit event poster banner template typeface weight leading grid margin contrast tint shade tone voice message story page site team project client audience reader visitor workshop fair conference booth invite programme calendar file archive folder download format image icon pictogram illustration photograph video medium print screen mobile desktop version language translation title paragraph section chapter note rule principle usage example variant light dark vivid soft warm cool precise simple sober elegant legible consistent modern local national lasting open reliable fast build compose choose define keep use adapt apply respect present publish share prepare print check deliver";

/// A small deterministic generator (xorshift64*), so the corpus never changes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn sentence(rng: &mut Rng, words: &[&str], n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let w = words[rng.below(words.len())];
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

fn paragraph(rng: &mut Rng, words: &[&str], n_words: usize) -> String {
    let mut p = String::new();
    let mut left = n_words;
    while left > 0 {
        let n = left.min(8 + rng.below(10));
        if !p.is_empty() {
            p.push(' ');
        }
        p.push_str(&sentence(rng, words, n));
        left -= n;
    }
    p
}

fn body(rng: &mut Rng, words: &[&str], pages: usize, sections: usize) -> String {
    let mut b = String::with_capacity(5000);
    let link = |rng: &mut Rng| {
        let p = rng.below(pages);
        format!("@/s{:02}/p{:05}.md", p % sections, p)
    };
    for part in 0..3 {
        let _ = writeln!(b, "## {}\n", sentence(rng, words, 3).trim_end_matches('.'));
        let _ = writeln!(b, "{}\n", paragraph(rng, words, 90));
        let _ = writeln!(b, "### {}\n", sentence(rng, words, 2).trim_end_matches('.'));
        match part {
            0 => {
                for _ in 0..4 {
                    let _ = writeln!(
                        b,
                        "- {} *{}*",
                        sentence(rng, words, 5),
                        words[rng.below(words.len())]
                    );
                }
                b.push('\n');
            }
            1 => {
                for i in 1..=4 {
                    let _ = writeln!(
                        b,
                        "{i}. {} `{}`",
                        sentence(rng, words, 5),
                        words[rng.below(words.len())]
                    );
                }
                b.push('\n');
                b.push_str("| a | b | c |\n|---|---|---|\n");
                for _ in 0..3 {
                    let _ = writeln!(
                        b,
                        "| {} | {} | {} |",
                        words[rng.below(words.len())],
                        words[rng.below(words.len())],
                        rng.below(1000)
                    );
                }
                b.push('\n');
            }
            _ => {
                let _ = writeln!(b, "```\nlet x = {};\n```\n", rng.below(100));
            }
        }
        let l1 = link(rng);
        let l2 = link(rng);
        let _ = writeln!(
            b,
            "{} [{}]({l1}) **{}** [{}]({l2}).\n",
            paragraph(rng, words, 70),
            words[rng.below(words.len())],
            words[rng.below(words.len())],
            words[rng.below(words.len())]
        );
    }
    b
}

/// The bench project's search pages, one per language (its search index comes with
/// them): path and text.
const SEARCH_PAGES: [(&str, &str); 2] = [
    (
        "narrative/fr/recherche.md",
        "---\ntitle: Recherche\ndescription: Chercher dans le site\ntemplate: search.html\n---\n",
    ),
    (
        "narrative/en/search.md",
        "---\ntitle: Search\ndescription: Search the site\ntemplate: search.html\nslug: search\n---\n",
    ),
];

/// Gives the bench project in `dir` its search pages (and so a search index), or
/// takes them away, to time what the index adds.
pub fn set_search_pages(dir: &Path, on: bool) -> std::io::Result<()> {
    for (rel, text) in SEARCH_PAGES {
        let p = dir.join(rel);
        if on {
            std::fs::write(p, text)?;
        } else if p.exists() {
            std::fs::remove_file(p)?;
        }
    }
    Ok(())
}

/// Writes a bench project with `pages` pages per language into `dir`.
/// Empties `dir` for a bench project: a folder that does not exist, is empty, or that
/// a previous bench made (it carries the marker). Anything else is refused: `--dir`
/// may be mistyped, and marque never removes a folder it did not make.
pub fn clear_dir(dir: &Path) -> Result<(), String> {
    let Ok(mut rd) = std::fs::read_dir(dir) else {
        return match std::fs::symlink_metadata(dir) {
            Ok(_) => Err(format!("{} exists and is not a folder", dir.display())),
            Err(_) => Ok(()),
        };
    };
    if rd.next().is_none() {
        return Ok(());
    }
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink())
        || !crate::output::is_marked(dir)
    {
        return Err(format!(
            "refusing to replace {}: it is not empty and no bench made it; give a new or empty folder to --dir",
            dir.display()
        ));
    }
    std::fs::remove_dir_all(dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))
}

pub fn generate_corpus(dir: &Path, pages: usize) -> std::io::Result<()> {
    const SECTIONS: usize = 10;
    const TAGS: usize = 50;
    let write = |rel: &str, text: &str| -> std::io::Result<()> {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, text)
    };
    write(
        crate::output::MARKER,
        "A project made by marque bench, which removes it when it runs again.\n",
    )?;
    write(
        "marque.yaml",
        "base_url: https://bench.example.org\ntheme: default\ndefault_language: fr\nlanguages:\n  - code: fr\n    name: Français\n    date_format: \"%-d %B %Y\"\n  - code: en\n    name: English\n    date_format: \"%B %-d, %Y\"\ntaxonomies:\n  - name: tags\n",
    )?;
    write(
        "brand/brand.yaml",
        "name: Bench\ncolors:\n  - id: bleu\n    name: Bleu\n    role: primary\n    hex: \"#0B4F6C\"\n  - id: encre\n    name: Encre\n    role: text\n    hex: \"#1C1B1A\"\n  - id: papier\n    name: Papier\n    role: background\n    hex: \"#FBF8F3\"\n",
    )?;
    crate::scaffold::write_default_theme(dir)?;
    for (lang, words) in [("fr", FR_WORDS), ("en", EN_WORDS)] {
        let words: Vec<&str> = words.split(' ').collect();
        let mut rng =
            Rng(0x9E37_79B9_7F4A_7C15 ^ lang.len() as u64 ^ (lang.as_bytes()[0] as u64) << 8);
        write(
            &format!("narrative/{lang}/_index.md"),
            &format!(
                "---\ntitle: \"Bench {lang}\"\ndescription: \"Synthetic benchmark site\"\n---\n{}\n",
                paragraph(&mut rng, &words, 60)
            ),
        )?;
        for s in 0..SECTIONS {
            write(
                &format!("narrative/{lang}/s{s:02}/_index.md"),
                &format!(
                    "---\ntitle: \"Section {s}\"\ndescription: \"Section {s}\"\nweight: {s}\n---\n{}\n",
                    paragraph(&mut rng, &words, 40)
                ),
            )?;
        }
        for p in 0..pages {
            let s = p % SECTIONS;
            let mut tags: Vec<usize> = Vec::new();
            while tags.len() < 3 {
                let t = rng.below(TAGS);
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
            tags.sort();
            let tag_list = tags
                .iter()
                .map(|t| format!("{lang}tag{t:02}"))
                .collect::<Vec<_>>()
                .join(", ");
            let day = 1 + rng.below(28);
            let month = 1 + rng.below(12);
            let year = 2015 + rng.below(10);
            let title = sentence(&mut rng, &words, 4);
            let text = body(&mut rng, &words, pages, SECTIONS);
            write(
                &format!("narrative/{lang}/s{s:02}/p{p:05}.md"),
                &format!(
                    "---\ntitle: \"{}\"\ndescription: \"Page {p}\"\ndate: {year:04}-{month:02}-{day:02}\ntags: [{tag_list}]\n---\n{text}",
                    title.trim_end_matches('.')
                ),
            )?;
        }
    }
    set_search_pages(dir, true)
}

/// Times of deriving the whole brand set of the project at `root` (every logo's SVG,
/// PNGs and PDF, illustrations, guides, packs) and then every event kit in each of its
/// languages: `runs` cold runs with an empty cache, then `runs` warm runs with the
/// cache a previous build left on disk. Returns the seconds of each run (brand and kits
/// apart) and the files made by the last cold run.
pub fn brand_bench(root: &Path, runs: usize) -> Result<BrandBench, String> {
    let project = marque_project::load_project(root, marque_project::LoadOptions::default())
        .map_err(|d| d.to_string())?;
    let cache_dir = std::env::temp_dir().join(format!("marque-brand-bench-{}", std::process::id()));
    let mut out = BrandBench::default();
    for _ in 0..runs {
        let _ = std::fs::remove_dir_all(&cache_dir);
        let cache = marque_assets::cache::DerivedCache::on_disk(cache_dir.clone());
        let t = std::time::Instant::now();
        let set = crate::brand::derive(&project, &cache).map_err(|d| d.to_string())?;
        out.cold.push(t.elapsed().as_secs_f64());
        let t = std::time::Instant::now();
        let kits = crate::kits::derive(&project, &set, &cache).map_err(|d| d.to_string())?;
        out.kits_cold.push(t.elapsed().as_secs_f64());
        out.files = set.files.len();
        out.bytes = set.files.iter().map(|(_, b)| b.len()).sum();
        out.kit_files = kits.files.len();
        out.kit_bytes = kits.files.iter().map(|(_, b)| b.len()).sum();
        out.made = cache.take_counts().0.values().sum();
    }
    for _ in 0..runs {
        let cache = marque_assets::cache::DerivedCache::on_disk(cache_dir.clone());
        let t = std::time::Instant::now();
        let set = crate::brand::derive(&project, &cache).map_err(|d| d.to_string())?;
        out.warm.push(t.elapsed().as_secs_f64());
        let t = std::time::Instant::now();
        crate::kits::derive(&project, &set, &cache).map_err(|d| d.to_string())?;
        out.kits_warm.push(t.elapsed().as_secs_f64());
        let (made, reused) = cache.take_counts();
        out.warm_made = made.values().sum();
        out.warm_reused = reused;
    }
    let _ = std::fs::remove_dir_all(&cache_dir);
    Ok(out)
}

/// What [`brand_bench`] measured.
#[derive(Debug, Default)]
pub struct BrandBench {
    /// Seconds of each cold run.
    pub cold: Vec<f64>,
    /// Seconds of each warm run.
    pub warm: Vec<f64>,
    /// Seconds of each cold run of the kits (after the brand).
    pub kits_cold: Vec<f64>,
    /// Seconds of each warm run of the kits.
    pub kits_warm: Vec<f64>,
    /// Files the kits add to the site.
    pub kit_files: usize,
    /// Their total size.
    pub kit_bytes: usize,
    /// Files in the brand set.
    pub files: usize,
    /// Their total size.
    pub bytes: usize,
    /// Derived files made by a cold run.
    pub made: usize,
    /// Derived files made by the last warm run (0 expected).
    pub warm_made: usize,
    /// Derived files the last warm run took from the cache.
    pub warm_reused: usize,
}
