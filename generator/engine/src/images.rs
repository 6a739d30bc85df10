//! Pictures in pages: the files of page bundles published beside their page, and every
//! image written in Markdown (`![Une côte](cote.jpg "Légende")`) resolved to its file
//! (the page's bundle, a translation's bundle, `narrative/media/`, the photo library,
//! the theme's static files), with its width and height, responsive sizes (WebP and
//! JPEG, never wider than the original, from the cache of derived files) and, alone in
//! its paragraph with a title, a `<figure>` with its caption. A missing file or a
//! missing alternative text is an error at the image's line and column.

use std::collections::BTreeMap;
use std::sync::Arc;

use marque_project::{Diagnostic, Diagnostics, Project, SourcePage};
use marque_site::Prepared;
use marque_site::markdown::{ImageRef, escape_attr};
use rayon::prelude::*;

use crate::OutputFile;
use crate::feature::{Context, Feature, Given};
use crate::photos::{Variant, sized_files, widths_for};

/// Alternative texts that mark an image as decorative (`alt=""`, skipped by screen
/// readers).
pub const DECORATIVE: [&str; 3] = ["decorative", "décoratif", "décorative"];

/// The width the default theme's text column reaches (`--measure`).
const SIZES: &str = "(min-width: 46rem) 44rem, 100vw";

/// The images feature.
pub struct ImagesFeature;

/// A picture's file, wherever it was found.
struct Found<'a> {
    /// Its name in messages (path from the project root).
    name: String,
    bytes: &'a [u8],
    /// Its address, without the base path (`actualites/sortie/bateau.jpg`).
    path: String,
    /// The folder and stem its sizes are named after (`actualites/sortie/bateau`).
    stem: String,
    /// The alternative text of the photo library, for a photo of it.
    library_alt: Option<String>,
    /// The photo library makes its sizes (`media/photos/{stem}-{w}.{ext}`).
    library: bool,
}

/// Where a page's own files are published: its address in its own language.
fn page_path<'s>(prepared: &'s Prepared, project: &Project, s: usize) -> Option<&'s str> {
    let page = &project.pages[s];
    let lang = project.languages.iter().position(|l| l.code == page.lang)?;
    let e = prepared.site.entry_for(lang, page.translation_key())?;
    let entry = &prepared.site.entries[e];
    (entry.source == s).then(|| entry.path.trim_start_matches('/'))
}

/// `%20` and the like in an address as written.
fn percent_decode(s: &str) -> String {
    marque_site::links::percent_decoded(s)
}

fn stem_of(path: &str) -> &str {
    match path.rsplit_once('.') {
        Some((s, ext)) if !ext.contains('/') => s,
        _ => path,
    }
}

/// Finds the file an image of page `s` names.
fn find<'a>(
    project: &'a Project,
    prepared: &Prepared,
    s: usize,
    written: &str,
) -> Result<Found<'a>, String> {
    let page = &project.pages[s];
    let base = project.config.base_path();
    let url = percent_decode(written.split(['?', '#']).next().unwrap_or(""));
    let url = url
        .strip_prefix(&base)
        .filter(|_| !base.is_empty())
        .unwrap_or(&url);
    if let Some(name) = url.strip_prefix("/media/") {
        let Some(m) = project.media.iter().find(|m| m.name == name) else {
            let names: Vec<&str> = project.media.iter().map(|m| m.name.as_str()).collect();
            return Err(format!(
                "image '{written}': there is no file narrative/media/{name}{}",
                marque_project::diag::hint(name, &names)
            ));
        };
        let photo = project.photos.iter().find(|p| p.file == name);
        return Ok(Found {
            name: format!("narrative/media/{name}"),
            bytes: &m.bytes,
            path: format!("media/{name}"),
            stem: match photo {
                Some(_) => format!("media/photos/{}", stem_of(name)),
                None => format!("media/sizes/{}", stem_of(name)),
            },
            library_alt: photo.map(|p| {
                marque_project::brand::localized(&p.alt, &page.lang, &project.default_language)
                    .to_string()
            }),
            library: photo.is_some(),
        });
    }
    if let Some(name) = url.strip_prefix('/') {
        if let Some(f) = project.theme.statics.iter().find(|f| f.name == name) {
            return Ok(Found {
                name: format!("themes/{}/static/{name}", project.config.theme),
                bytes: &f.bytes,
                path: name.to_string(),
                stem: format!("media/sizes/{}", stem_of(name)),
                library_alt: None,
                library: false,
            });
        }
        return Err(format!(
            "image '{written}': no such file (pictures go in the page's bundle, beside its index.md, or in narrative/media/, written /media/NAME)"
        ));
    }
    let name = url.trim_start_matches("./");
    // The page's own bundle, else the bundle of one of its translations.
    let own = page.bundle.iter().map(|b| (s, b));
    let others = project
        .pages
        .iter()
        .enumerate()
        .filter(|(o, p)| *o != s && p.translation_key() == page.translation_key())
        .flat_map(|(o, p)| p.bundle.iter().map(move |b| (o, b)));
    for (o, b) in own.chain(others) {
        if b.name == name
            && let Some(dir) = page_path(prepared, project, o)
        {
            return Ok(Found {
                name: b.path.to_string_lossy().replace('\\', "/"),
                bytes: &b.bytes,
                path: format!("{dir}{name}"),
                stem: format!("{dir}{}", stem_of(name)),
                library_alt: None,
                library: false,
            });
        }
    }
    if page.bundle_dir().is_none() {
        let folder = page
            .path
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        return Err(format!(
            "image '{written}': a picture beside a page is found only in a page bundle: move the page to {folder}/{}/index.md and the picture beside it (or put it in narrative/media/ and write /media/{name})",
            page.file_slug()
        ));
    }
    let names: Vec<&str> = page.bundle.iter().map(|b| b.name.as_str()).collect();
    Err(format!(
        "image '{written}': there is no file {name} in the page's bundle ({}){}",
        if names.is_empty() {
            "which has no files".to_string()
        } else {
            names.join(", ")
        },
        marque_project::diag::hint(name, &names)
    ))
}

/// The HTML of one image and the files its sizes need.
fn image_html(
    project: &Project,
    prepared: &Prepared,
    cx: &Context,
    page: &SourcePage,
    s: usize,
    im: &ImageRef,
) -> Result<(String, Vec<OutputFile>), Diagnostic> {
    let at = |msg: String| Diagnostic::error(&page.path, msg).at(im.line, im.column);
    let base = project.config.base_path();
    let external = im.written.contains("://")
        || im.written.starts_with("//")
        || im.written.starts_with("data:");
    let found = if external {
        None
    } else {
        Some(find(project, prepared, s, &im.written).map_err(at)?)
    };
    let decorative = DECORATIVE.iter().any(|d| im.alt.eq_ignore_ascii_case(d));
    let alt = if decorative {
        String::new()
    } else if !im.alt.is_empty() {
        im.alt.clone()
    } else if let Some(a) = found.as_ref().and_then(|f| f.library_alt.clone()) {
        a
    } else {
        return Err(at(format!(
            "image '{}' has no alternative text: describe it (![Une côte rocheuse]({})), or mark it as decorative with ![decorative]({})",
            im.written, im.written, im.written
        )));
    };
    let title = if im.title.is_empty() || im.figure {
        String::new()
    } else {
        format!(" title=\"{}\"", escape_attr(&im.title))
    };
    let mut files = Vec::new();
    let img = match &found {
        None => format!(
            "<img src=\"{}\" alt=\"{}\"{title} loading=\"lazy\" decoding=\"async\">",
            escape_attr(&im.written),
            escape_attr(&alt)
        ),
        Some(f) => {
            let src = format!("{base}/{}", f.path);
            let file_error = |e: String| Diagnostic::error(&f.name, e);
            let lower = f.path.to_ascii_lowercase();
            if lower.ends_with(".svg") {
                let text = std::str::from_utf8(f.bytes)
                    .map_err(|_| file_error("an SVG file must be UTF-8 text".into()))?;
                let (w, h) = marque_assets::svg::svg_size(text);
                format!(
                    "<img src=\"{}\" width=\"{}\" height=\"{}\" alt=\"{}\"{title} loading=\"lazy\" decoding=\"async\">",
                    escape_attr(&src),
                    w.round().max(1.0),
                    h.round().max(1.0),
                    escape_attr(&alt)
                )
            } else {
                let info = marque_assets::raster::inspect(f.bytes).map_err(file_error)?;
                let (ow, oh) = (info.width, info.height);
                if info.format == "gif" {
                    // An animation would be lost in the sizes: served as it is.
                    format!(
                        "<img src=\"{}\" width=\"{ow}\" height=\"{oh}\" alt=\"{}\"{title} loading=\"lazy\" decoding=\"async\">",
                        escape_attr(&src),
                        escape_attr(&alt)
                    )
                } else {
                    let widths = widths_for(ow);
                    let prefix = format!("{}-", f.stem);
                    let (variants, made) = sized_files(
                        cx.derived,
                        &f.name,
                        f.bytes,
                        &widths,
                        &prefix,
                        if f.library { "" } else { "w" },
                        &base,
                    )?;
                    if !f.library {
                        files.extend(made);
                    }
                    let set = |ext: &str| {
                        variants
                            .iter()
                            .filter(|v: &&Variant| v.1 == ext)
                            .map(|v| format!("{} {}w", v.2, v.0))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let largest = *widths.last().unwrap_or(&ow);
                    let height = ((oh as f64) * largest as f64 / ow.max(1) as f64).round() as u32;
                    let middle = widths
                        .iter()
                        .copied()
                        .find(|w| *w >= 960)
                        .unwrap_or(largest);
                    let jpeg = variants
                        .iter()
                        .find(|v| v.0 == middle && v.1 == "jpg")
                        .map(|v| v.2.clone())
                        .unwrap_or(src);
                    format!(
                        "<picture><source type=\"image/webp\" srcset=\"{}\" sizes=\"{SIZES}\"><img src=\"{}\" srcset=\"{}\" sizes=\"{SIZES}\" width=\"{largest}\" height=\"{}\" alt=\"{}\"{title} loading=\"lazy\" decoding=\"async\"></picture>",
                        escape_attr(&set("webp")),
                        escape_attr(&jpeg),
                        escape_attr(&set("jpg")),
                        height.max(1),
                        escape_attr(&alt)
                    )
                }
            }
        }
    };
    let html = if im.figure {
        let caption = if project
            .languages
            .iter()
            .any(|l| l.code == page.lang && l.french_typography)
        {
            marque_site::markdown::french_typography(im.title.trim())
        } else {
            im.title.trim().to_string()
        };
        format!(
            "<figure>{img}<figcaption>{}</figcaption></figure>\n",
            escape_html(&caption)
        )
    } else {
        img
    };
    Ok((html, files))
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The files of every page bundle, published beside its page (SVG files sanitised).
fn bundle_files(project: &Project, prepared: &Prepared) -> Result<Vec<OutputFile>, Diagnostics> {
    let mut files = Vec::new();
    let mut diags = Diagnostics::new();
    for (s, page) in project.pages.iter().enumerate() {
        if page.bundle.is_empty() {
            continue;
        }
        let Some(dir) = page_path(prepared, project, s) else {
            continue;
        };
        for b in &page.bundle {
            let path = format!("{dir}{}", b.name);
            if b.name.to_ascii_lowercase().ends_with(".svg") {
                let clean = std::str::from_utf8(&b.bytes)
                    .map_err(|_| "an SVG file must be UTF-8 text".to_string())
                    .and_then(|t| marque_assets::svg::sanitize(t).map_err(|e| e.to_string()));
                match clean {
                    Ok(c) => {
                        for r in &c.removed {
                            diags.push(Diagnostic::warning(
                                &b.path,
                                format!("removed from the published copy: {r}"),
                            ));
                        }
                        files.push(OutputFile::new(path, Arc::new(c.svg.into_bytes())));
                    }
                    Err(e) => diags.push(Diagnostic::error(&b.path, e)),
                }
            } else {
                files.push(OutputFile::new(path, b.bytes.clone()));
            }
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(files)
    }
}

impl Feature for ImagesFeature {
    fn name(&self) -> &'static str {
        "images"
    }

    fn prepare(&self, _cx: &Context) -> Result<Given, Diagnostics> {
        Ok(Given::default())
    }

    fn configure(&self, cx: &Context, prepared: &mut Prepared) -> (Vec<OutputFile>, Diagnostics) {
        let project = cx.project;
        let md = prepared.markdown().to_vec();
        let shared: &Prepared = prepared;
        let per_source: Vec<(Vec<String>, Vec<OutputFile>, Diagnostics)> = md
            .par_iter()
            .enumerate()
            .map(|(s, meta)| {
                let mut html = Vec::with_capacity(meta.images.len());
                let mut files = Vec::new();
                let mut diags = Diagnostics::new();
                let page = &project.pages[s];
                for im in &meta.images {
                    let what = format!("placing image '{}'", im.written);
                    let made = crate::guard_item(&page.path, &what, || {
                        image_html(project, shared, cx, page, s, im)
                    });
                    match made {
                        Ok((h, f)) => {
                            html.push(h);
                            files.extend(f);
                        }
                        Err(d) => {
                            diags.push(d);
                            html.push(String::new());
                        }
                    }
                }
                (html, files, diags)
            })
            .collect();
        let mut diags = Diagnostics::new();
        let mut table = Vec::with_capacity(per_source.len());
        // The same picture shown by two pages gives the same files once.
        let mut files: BTreeMap<String, OutputFile> = BTreeMap::new();
        for (h, f, d) in per_source {
            table.push(h);
            diags.extend(d);
            for file in f {
                files.insert(file.path.clone(), file);
            }
        }
        match bundle_files(project, shared) {
            Ok(fs) => {
                for file in fs {
                    files.insert(file.path.clone(), file);
                }
            }
            Err(d) => diags.extend(d),
        }
        prepared.set_images(table);
        let (errors, warnings): (Vec<_>, Vec<_>) = diags.0.into_iter().partition(|d| d.is_error());
        prepared.warnings.0.extend(warnings);
        (files.into_values().collect(), Diagnostics(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_decode_addresses_and_stems() {
        assert_eq!(percent_decode("sortie%20en%20mer.jpg"), "sortie en mer.jpg");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(stem_of("a/bateau.jpg"), "a/bateau");
        assert_eq!(stem_of("v1.0/bateau"), "v1.0/bateau");
    }
}
