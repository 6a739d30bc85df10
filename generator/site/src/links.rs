//! Resolving links written in Markdown (`@/manifeste.md#axes`, `../a.md`, `#haut`) to
//! the URL of the right language, and checking that every target and anchor exists.

use rayon::prelude::*;

use marque_project::{Diagnostic, Diagnostics, Project};

use crate::markdown::{LINK_MARKER, MarkdownMeta, PATH_MARKER};
use crate::model::Site;

/// (source language, rel path) → source, hashed fast: it is looked up for every link
/// of every page at each build.
pub type SourceIndex<'a> = rustc_hash::FxHashMap<(&'a str, &'a str), usize>;

/// Maps (source language, rel path) to the source index.
pub fn source_index(project: &Project) -> SourceIndex<'_> {
    let mut index: SourceIndex = project
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.lang.as_str(), p.rel.as_str()), i))
        .collect();
    // A bundle is found by its plain path too (`@/actualites/sortie.md`), unless a page
    // has that path.
    for (i, p) in project.pages.iter().enumerate() {
        if p.plain.is_some() {
            index.entry((p.lang.as_str(), p.plain_rel())).or_insert(i);
        }
    }
    index
}

/// The source a link written in `lang` to `rel` points at: the page of that language,
/// or else the same path in another language (a page not translated yet).
pub fn find_target(project: &Project, index: &SourceIndex, lang: &str, rel: &str) -> Option<usize> {
    index.get(&(lang, rel)).copied().or_else(|| {
        project
            .languages
            .iter()
            .find_map(|l| index.get(&(l.code.as_str(), rel)).copied())
    })
}

/// The entry a link to `target` written in a page of `page_lang` goes to when shown in
/// language `lang`: the target's translation in `lang`, else the target in its own
/// language.
pub fn target_entry(
    project: &Project,
    site: &Site,
    index: &SourceIndex,
    page_lang: &str,
    target: &str,
    lang: usize,
) -> Option<usize> {
    let ts = find_target(project, index, page_lang, target)?;
    let key = project.pages[ts].translation_key();
    let target_lang = &project.pages[ts].lang;
    let src_lang = project
        .languages
        .iter()
        .position(|l| &l.code == target_lang);
    site.entry_for(lang, key)
        .or_else(|| src_lang.and_then(|sl| site.entry_for(sl, key)))
}

/// Checks every link of every source; returns the problems (once per source).
pub fn check_links(
    project: &Project,
    site: &Site,
    md: &[std::sync::Arc<MarkdownMeta>],
    index: &SourceIndex,
) -> Diagnostics {
    let _ = site;
    check_links_of(project, md, index, &|_| true).0
}

/// The sources each link of each source goes to (the source itself for an anchor of
/// the same page), as checked: what the next check needs to know which sources a
/// change can break.
pub type LinkTargets = Vec<Vec<usize>>;

/// Checks the links of the sources `wanted` says (the others give no problems and no
/// targets); returns the problems and the targets.
pub fn check_links_of(
    project: &Project,
    md: &[std::sync::Arc<MarkdownMeta>],
    index: &SourceIndex,
    wanted: &(dyn Fn(usize) -> bool + Sync),
) -> (Diagnostics, LinkTargets) {
    let per_source: Vec<(Diagnostics, Vec<usize>)> = project
        .pages
        .par_iter()
        .enumerate()
        .map(|(s, page)| {
            let mut diags = Diagnostics::new();
            let mut targets = Vec::new();
            if !wanted(s) {
                return (diags, targets);
            }
            for link in &md[s].links {
                let target = match &link.target {
                    None => Some(s),
                    Some(t) => find_target(project, index, &page.lang, t),
                };
                targets.extend(target);
                let Some(t) = target else {
                    let msg = match &link.target {
                        Some(t) if t.starts_with("../") => format!(
                            "link '{}' leaves narrative/{}/: link with @/path.md instead",
                            link.written, page.lang
                        ),
                        Some(t) => format!(
                            "link '{}': there is no page narrative/{}/{t}{}",
                            link.written,
                            page.lang,
                            page_hint(project, &page.lang, t)
                        ),
                        None => unreachable_link(&link.written),
                    };
                    diags.push(Diagnostic::error(&page.path, msg).at(link.line, link.column));
                    continue;
                };
                if let Some(anchor) = &link.anchor
                    && !anchor.is_empty()
                    && !md[t].ids.iter().any(|id| id == anchor)
                    && !md[t].headings.iter().any(|h| &h.id == anchor)
                {
                    let ids: Vec<&str> = md[t].headings.iter().map(|h| h.id.as_str()).collect();
                    diags.push(
                        Diagnostic::error(
                            &page.path,
                            format!(
                                "link '{}': {} has no anchor '#{anchor}'{}",
                                link.written,
                                project.pages[t].path.display(),
                                marque_project::diag::hint(anchor, &ids)
                            ),
                        )
                        .at(link.line, link.column),
                    );
                }
            }
            (diags, targets)
        })
        .collect();
    let mut diags = Diagnostics::new();
    let mut all = Vec::with_capacity(per_source.len());
    for (d, t) in per_source {
        diags.extend(d);
        all.push(t);
    }
    (diags, all)
}

/// " (did you mean 'x.md'?)" with the nearest source path of `lang`.
fn page_hint(project: &Project, lang: &str, rel: &str) -> String {
    let rels: Vec<&str> = project
        .pages
        .iter()
        .filter(|p| p.lang == lang)
        .flat_map(|p| [p.rel.as_str(), p.plain_rel()])
        .collect();
    marque_project::diag::hint(rel, &rels)
}

/// Where a link of source `s` written as an address of the site goes, without the
/// base path: as written when root-relative, else from the address of the page in its
/// own language, so that every language copy of the page links to the same file.
/// `Err` when it climbs out of the site.
pub fn path_target(
    project: &Project,
    site: &Site,
    s: usize,
    written: &str,
) -> Result<String, String> {
    let cut = written.find(['?', '#']).unwrap_or(written.len());
    let (path, rest) = written.split_at(cut);
    let base = project.config.base_path();
    let mut segments: Vec<&str> = Vec::new();
    let relative = !path.starts_with('/');
    if relative {
        let page = &project.pages[s];
        let own = project
            .languages
            .iter()
            .position(|l| l.code == page.lang)
            .and_then(|li| site.entry_for(li, page.translation_key()))
            .filter(|&e| site.entries[e].source == s)
            .or_else(|| site.entries.iter().position(|e| e.source == s));
        let dir = own.map(|e| site.entries[e].path.as_str()).unwrap_or("/");
        segments.extend(dir.split('/').filter(|x| !x.is_empty()));
    }
    let path = match path.strip_prefix(base.as_str()) {
        Some(p) if !relative && !base.is_empty() && p.starts_with('/') => p,
        _ => path,
    };
    let parts: Vec<&str> = path.split('/').collect();
    for part in &parts {
        let decoded = percent_decoded(part);
        match decoded.as_str() {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err(format!("link '{}' leaves the site", shown(written)));
                }
            }
            _ => segments.push(part),
        }
    }
    let last_is_dir = matches!(
        parts.last().map(|p| percent_decoded(p)).as_deref(),
        Some("" | "." | "..")
    );
    let mut out = String::from("/");
    out.push_str(&segments.join("/"));
    if last_is_dir && !segments.is_empty() {
        out.push('/');
    }
    // An empty relative address (`?page=2`) is the page itself.
    out.push_str(rest);
    Ok(out)
}

/// `s` with `%XX` sequences decoded (invalid UTF-8 shown as U+FFFD).
pub fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An address as written, cut when very long (a message names it, it does not copy it).
pub fn shown(written: &str) -> String {
    crate::markdown::truncate_words(written, 200)
}

/// Characters a written address may hold that an `href` must not: spaces, quotes,
/// angle brackets, controls. Percent-encoded; the rest is kept.
fn encode_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_control()
            || matches!(
                c,
                ' ' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'
            )
        {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn unreachable_link(written: &str) -> String {
    format!("link '{written}' cannot be resolved")
}

/// What link resolution reads.
pub struct LinkContext<'a> {
    /// The project.
    pub project: &'a Project,
    /// The site model.
    pub site: &'a Site,
    /// Markdown facts of every source.
    pub md: &'a [std::sync::Arc<MarkdownMeta>],
    /// (lang, rel) → source.
    pub index: &'a SourceIndex<'a>,
    /// Path part of the base URL (`""` or `/sub`).
    pub base_path: &'a str,
}

/// Replaces the link markers of `html` (the Markdown of source `s`) with URLs in the
/// language `lang`.
pub fn resolve_markers(cx: &LinkContext, html: &str, s: usize, lang: usize) -> String {
    let LinkContext {
        project,
        site,
        md,
        index,
        base_path,
    } = *cx;
    if md[s].links.is_empty() && md[s].paths.is_empty() {
        return html.to_string();
    }
    // Copied only when it has addresses to resolve.
    let with_paths;
    let html = if md[s].paths.is_empty() {
        html
    } else {
        with_paths = resolve_paths(cx, html, s);
        with_paths.as_str()
    };
    if md[s].links.is_empty() {
        return html.to_string();
    }
    let page = &project.pages[s];
    replace_markers(html, LINK_MARKER, |n| {
        md[s].links.get(n).map(|link| {
            let anchor = link
                .anchor
                .as_ref()
                .map(|a| format!("#{a}"))
                .unwrap_or_default();
            match &link.target {
                None => anchor,
                Some(t) => {
                    let path = target_entry(project, site, index, &page.lang, t, lang)
                        .map(|e| site.entries[e].path.as_str());
                    format!("{base_path}{}{anchor}", path.unwrap_or("/"))
                }
            }
        })
    })
}

/// `html` with each `href="{marker}N"` replaced by the address `url(N)` gives (empty
/// when it gives none), escaped.
fn replace_markers(html: &str, marker: &str, url: impl Fn(usize) -> Option<String>) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    let needle = format!("href=\"{marker}");
    while let Some(i) = rest.find(&needle) {
        out.push_str(&rest[..i]);
        let after = &rest[i + needle.len()..];
        let end = after.find('"').unwrap_or(after.len());
        let n: usize = after[..end].parse().unwrap_or(usize::MAX);
        out.push_str("href=\"");
        out.push_str(&crate::markdown::escape_attr(&url(n).unwrap_or_default()));
        out.push('"');
        rest = if end < after.len() {
            &after[end + 1..]
        } else {
            ""
        };
    }
    out.push_str(rest);
    out
}

/// Replaces the markers of links written as addresses of the site with their address
/// under the base path (the same in every language copy of the page).
fn resolve_paths(cx: &LinkContext, html: &str, s: usize) -> String {
    let paths = &cx.md[s].paths;
    if paths.is_empty() {
        return html.to_string();
    }
    replace_markers(html, PATH_MARKER, |n| {
        paths
            .get(n)
            .map(|p| match path_target(cx.project, cx.site, s, &p.written) {
                Ok(t) => format!("{}{}", cx.base_path, encode_url(&t)),
                // Reported by the build; never a link out of the site.
                Err(_) => "#".to_string(),
            })
    })
}
