//! The press kit: for each language with a press room (a section whose page says
//! `extra.photos: true`), `downloads/press-kit-<lang>.zip` with the releases (their
//! Markdown text), the fact sheet (the press room's own text), the photos within their
//! rights with a credits file, and the logo pack; reproducible, with a manifest.

use std::collections::BTreeSet;
use std::sync::Arc;

use marque_assets::archive::{self, Entry};
use marque_assets::cache::{DerivedCache, key};
use marque_project::{Diagnostic, Diagnostics, Project, SourcePage};
use serde_json::Value;

use crate::OutputFile;

/// The press rooms: sections whose page says `extra.photos: true`.
fn rooms(project: &Project) -> impl Iterator<Item = &SourcePage> {
    project.pages.iter().map(|p| p.as_ref()).filter(|p| {
        p.rel.ends_with("_index.md") && p.front.extra.get("photos") == Some(&Value::Bool(true))
    })
}

/// Where the press kit of a language is written.
fn kit_path(lang: &str) -> String {
    // The zip's folder is named the same (see `zip`).
    format!("downloads/press-kit-{lang}.zip")
}

/// The press kits' output paths, known before they are made (templates link to them
/// while the site is prepared; the kits are made after, from its addresses).
pub fn paths(project: &Project) -> Vec<String> {
    rooms(project).map(|r| kit_path(&r.lang)).collect()
}

/// The press kits, one per press room. Links between pages (`@/kits/_index.md`) become
/// the pages' full addresses in `site`: the kit's texts are read outside the site.
pub fn derive(
    project: &Project,
    site: &marque_site::Site,
    left_out: &BTreeSet<String>,
    logo_pack: Option<&(String, Arc<Vec<u8>>)>,
    cache: &DerivedCache,
) -> Result<Vec<OutputFile>, Diagnostics> {
    let press = Press {
        project,
        site,
        index: marque_site::links::source_index(project),
        licence: project
            .brand
            .licence
            .clone()
            .unwrap_or_else(|| project.brand.name.clone()),
    };
    let mut out = Vec::new();
    for room in rooms(project) {
        let lang = &room.lang;
        let mut entries = press.texts(room);
        entries.extend(press.photos(lang, left_out));
        if let Some((path, bytes)) = logo_pack {
            entries.push(Entry {
                path: path.rsplit('/').next().unwrap_or(path).to_string(),
                bytes: bytes.clone(),
                licence: press.licence.clone(),
            });
        }
        let zip = zip(lang, &entries, cache).map_err(|e| {
            let mut d = Diagnostics::new();
            d.push(Diagnostic::error(
                &room.path,
                format!("cannot write the press kit: {e}"),
            ));
            d
        })?;
        out.push(OutputFile::new(kit_path(lang), zip));
    }
    Ok(out)
}

/// What every press kit draws on.
struct Press<'a> {
    project: &'a Project,
    site: &'a marque_site::Site,
    /// Pages by (language, path), to resolve links.
    index: marque_site::links::SourceIndex<'a>,
    /// The brand's licence, on all but the photos.
    licence: String,
}

impl Press<'_> {
    /// The fact sheet (the press room's own text) and the releases (the room's pages,
    /// newest first), as Markdown with full addresses.
    fn texts(&self, room: &SourcePage) -> Vec<Entry> {
        let project = self.project;
        let lang = &room.lang;
        let dir = room.rel.trim_end_matches("_index.md");
        let lang_index = project
            .languages
            .iter()
            .position(|l| l.code == *lang)
            .unwrap_or(0);
        let body = |p: &SourcePage| {
            absolute_links(
                project,
                self.site,
                &self.index,
                lang_index,
                p.body.trim_start_matches('\n'),
            )
        };
        let mut entries = vec![Entry {
            path: "fact-sheet.md".into(),
            bytes: Arc::new(format!("# {}\n\n{}", room.title(), body(room)).into_bytes()),
            licence: self.licence.clone(),
        }];
        let mut releases: Vec<_> = project
            .pages
            .iter()
            .filter(|p| {
                p.lang == *lang
                    && p.rel.starts_with(dir)
                    && !p.rel[dir.len()..].contains('/')
                    && !p.rel.ends_with("_index.md")
            })
            .collect();
        releases.sort_by_key(|p| std::cmp::Reverse(p.front.date));
        for p in releases {
            let date = p
                .front
                .date
                .map(|d| format!("{:04}-{:02}-{:02}-", d.year, d.month, d.day))
                .unwrap_or_default();
            let stem = p.rel[dir.len()..].trim_end_matches(".md");
            entries.push(Entry {
                path: format!("releases/{date}{stem}.md"),
                bytes: Arc::new(format!("# {}\n\n{}", p.title(), body(p)).into_bytes()),
                licence: self.licence.clone(),
            });
        }
        entries
    }

    /// The photos within their rights, each under its own licence, and their credits.
    fn photos(&self, lang: &str, left_out: &BTreeSet<String>) -> Vec<Entry> {
        let project = self.project;
        let mut entries = Vec::new();
        let mut credits = format!(
            "{}\n\n",
            project
                .theme_string(lang, "credits_header")
                .unwrap_or("Photo — credit — licence")
        );
        for ph in project
            .photos
            .iter()
            .filter(|ph| !left_out.contains(&ph.file))
        {
            if let Some(m) = project.media.iter().find(|m| m.name == ph.file) {
                let ph_licence =
                    marque_project::brand::localized(&ph.licence, lang, &project.default_language);
                entries.push(Entry {
                    path: format!("photos/{}", ph.file),
                    bytes: m.bytes.clone(),
                    licence: ph_licence.to_string(),
                });
                credits.push_str(&format!("{} — © {} — {ph_licence}\n", ph.file, ph.credit));
            }
        }
        entries.push(Entry {
            path: "photos/CREDITS.txt".into(),
            bytes: Arc::new(credits.into_bytes()),
            licence: self.licence.clone(),
        });
        entries
    }
}

/// The zip of a press kit (cached by its language and its entries).
fn zip(lang: &str, entries: &[Entry], cache: &DerivedCache) -> Result<Arc<Vec<u8>>, String> {
    let folder = format!("press-kit-{lang}");
    let mut parts: Vec<Vec<u8>> = vec![folder.as_bytes().to_vec()];
    for e in entries {
        parts.push(e.path.as_bytes().to_vec());
        parts.push(blake3::hash(&e.bytes).as_bytes().to_vec());
        parts.push(e.licence.as_bytes().to_vec());
    }
    let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
    cache.get_or_make("zip", &key("zip", &refs), || archive::zip(&folder, entries))
}

/// `text` with its links to pages (`](@/path.md#anchor)`) and to the site's root
/// (`](/downloads/…)`) written as full addresses in language `lang`; a link to no page
/// is left as written.
fn absolute_links(
    project: &Project,
    site: &marque_site::Site,
    index: &marque_site::links::SourceIndex,
    lang: usize,
    text: &str,
) -> String {
    let code = &project.languages[lang].code;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("](@/") {
        out.push_str(&rest[..i + 2]);
        let after = &rest[i + 2..];
        let end = after.find(')').unwrap_or(after.len());
        let target = &after[2..end];
        let (path, anchor) = match target.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (target, None),
        };
        let url = marque_site::links::find_target(project, index, code, path)
            .and_then(|s| site.entry_for(lang, project.pages[s].translation_key()))
            .map(|e| {
                let mut u = format!("{}{}", project.config.base(), site.entries[e].path);
                if let Some(a) = anchor {
                    u.push('#');
                    u.push_str(a);
                }
                u
            });
        match url {
            Some(u) => out.push_str(&u),
            None => out.push_str(&after[..end]),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    // Addresses from the site's root (`/downloads/…`) get the site's address too.
    out.replace("](/", &format!("]({}/", project.config.base()))
}

/// Press kits as a feature: their addresses are known before the site is prepared
/// (the press rooms link to them); they are made after, from the site's addresses,
/// with the photos within their rights and the brand's logo pack.
pub struct PressKitFeature;

impl crate::feature::Feature for PressKitFeature {
    fn name(&self) -> &'static str {
        "press kits"
    }

    fn prepare(&self, cx: &crate::feature::Context) -> Result<crate::feature::Given, Diagnostics> {
        let base = cx.project.config.base_path();
        Ok(crate::feature::Given {
            assets: paths(cx.project)
                .into_iter()
                .map(|p| {
                    let url = format!("{base}/{p}");
                    (p, url)
                })
                .collect(),
            ..Default::default()
        })
    }

    fn emit(
        &self,
        cx: &crate::feature::Context,
        prepared: &marque_site::Prepared,
    ) -> Result<Vec<OutputFile>, Diagnostics> {
        let logo_pack = cx.shared.brand.as_ref().and_then(|b| {
            b.files
                .iter()
                .find(|(p, _)| p.ends_with("-logos.zip") && p.starts_with("downloads/"))
        });
        derive(
            cx.project,
            &prepared.site,
            &cx.left_out(),
            logo_pack,
            cx.derived,
        )
    }
}
