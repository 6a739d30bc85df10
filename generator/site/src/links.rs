//! Resolving links written in Markdown (`@/manifeste.md#axes`, `../a.md`, `#haut`) to
//! the URL of the right language, and checking that every target and anchor exists.

use rayon::prelude::*;

use marque_project::{Diagnostic, Diagnostics, Project};

use crate::markdown::{LINK_MARKER, MarkdownMeta};
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
                            "link '{}': there is no page narrative/{}/{t}",
                            link.written, page.lang
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
    if md[s].links.is_empty() {
        return html.to_string();
    }
    let page = &project.pages[s];
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    let needle = format!("href=\"{LINK_MARKER}");
    while let Some(i) = rest.find(&needle) {
        out.push_str(&rest[..i]);
        let after = &rest[i + needle.len()..];
        let end = after.find('"').unwrap_or(after.len());
        let n: usize = after[..end].parse().unwrap_or(usize::MAX);
        let url = md[s].links.get(n).map(|link| {
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
        });
        out.push_str("href=\"");
        out.push_str(&crate::markdown::escape_attr(&url.unwrap_or_default()));
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
