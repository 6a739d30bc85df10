//! Links written in Markdown as addresses of the site (`/presse/`, `/media/plan.pdf`,
//! `programme.pdf` beside a bundle's page) checked at build against every file the
//! build makes: a broken one is reported once, at its source's line and column (not
//! once per language copy of the page, not at an output file), with the nearest
//! address.

use std::sync::OnceLock;

use marque_project::{Diagnostic, Diagnostics, Project};
use marque_site::links::{path_target, percent_decoded, shown};
use marque_site::{PageJob, PageKind, Prepared};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::OutputFile;

/// The output file a site address (without base path, query or anchor) is served from.
pub(crate) fn output_of(path: &str) -> String {
    let p = path.trim_start_matches('/');
    if p.is_empty() || p.ends_with('/') {
        format!("{p}index.html")
    } else {
        p.to_string()
    }
}

/// The address an output file is served at (`presse/index.html` → `/presse/`).
fn address_of(output: &str) -> String {
    match output.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => format!("/{dir}"),
        _ => format!("/{output}"),
    }
}

/// Every output of the build, with the source of the page it is, for a page.
type Outputs<'a> = FxHashMap<&'a str, Option<usize>>;

/// Checks the links of every source written as addresses of the site.
pub fn check(
    project: &Project,
    prepared: &Prepared,
    jobs: &[PageJob],
    files: &[OutputFile],
) -> Diagnostics {
    let md = prepared.markdown();
    if md.iter().all(|m| m.paths.is_empty()) {
        return Diagnostics::new();
    }
    let mut outputs: Outputs = FxHashMap::default();
    outputs.reserve(jobs.len() + files.len());
    for j in jobs {
        let source = match j.kind {
            PageKind::Entry(i) | PageKind::Pager(i, _) => Some(prepared.site.entries[i].source),
            _ => None,
        };
        outputs.insert(j.output.as_str(), source);
    }
    for f in files {
        outputs.entry(f.path.as_str()).or_insert(None);
    }
    // The addresses, for "did you mean": made only when a link is broken.
    let addresses: OnceLock<Vec<String>> = OnceLock::new();
    let all = || {
        addresses.get_or_init(|| {
            let mut a: Vec<String> = outputs.keys().map(|o| address_of(o)).collect();
            a.sort();
            a
        })
    };
    let per_source: Vec<Diagnostics> = md
        .par_iter()
        .enumerate()
        .map(|(s, meta)| {
            let mut d = Diagnostics::new();
            let page = &project.pages[s];
            for link in &meta.paths {
                let at =
                    |msg: String| Diagnostic::error(&page.path, msg).at(link.line, link.column);
                let target = match path_target(project, &prepared.site, s, &link.written) {
                    Ok(t) => t,
                    Err(msg) => {
                        d.push(at(msg));
                        continue;
                    }
                };
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, a),
                    None => (target.as_str(), ""),
                };
                let path = path.split('?').next().unwrap_or("");
                let output = output_of(&percent_decoded(path));
                match outputs.get(output.as_str()) {
                    None => d.push(at(format!(
                        "link '{}': no page or file of the site has this address{}",
                        shown(&link.written),
                        address_hint(&link.written, &output, all())
                    ))),
                    Some(Some(t)) if !anchor.is_empty() => {
                        let t = *t;
                        let ids: Vec<&str> = md[t]
                            .headings
                            .iter()
                            .map(|h| h.id.as_str())
                            .chain(md[t].ids.iter().map(String::as_str))
                            .collect();
                        if !ids.contains(&anchor) {
                            d.push(at(format!(
                                "link '{}': {} has no anchor '#{}'{}",
                                shown(&link.written),
                                project.pages[t].path.display(),
                                shown(anchor),
                                marque_project::diag::hint(anchor, &ids)
                            )));
                        }
                    }
                    Some(_) => {}
                }
            }
            d
        })
        .collect();
    let mut d = Diagnostics::new();
    for p in per_source {
        d.extend(p);
    }
    d
}

/// " (did you mean '…'?)": for a root-relative link the nearest address of the site;
/// for a relative one, the nearest file of the folder it points into, written the same
/// way (`programe.pdf` → `programme.pdf`).
fn address_hint(written: &str, output: &str, addresses: &[String]) -> String {
    let cut = written.find(['?', '#']).unwrap_or(written.len());
    let path = &written[..cut];
    if path.starts_with('/') {
        let candidates: Vec<&str> = addresses.iter().map(String::as_str).collect();
        return marque_project::diag::hint(path, &candidates);
    }
    // Relative: the files beside the target, each as the link would name it.
    let trimmed = path.trim_end_matches('/');
    let prefix = match trimmed.rfind('/') {
        Some(i) => &trimmed[..=i],
        None => "",
    };
    let folder = match output
        .trim_end_matches("index.html")
        .trim_end_matches('/')
        .rfind('/')
    {
        Some(i) => format!("/{}", &output[..=i]),
        None => "/".to_string(),
    };
    let names: Vec<String> = addresses
        .iter()
        .filter_map(|a| a.strip_prefix(folder.as_str()))
        .filter(|rest| !rest.is_empty() && !rest.trim_end_matches('/').contains('/'))
        .map(|rest| format!("{prefix}{rest}"))
        .collect();
    let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
    marque_project::diag::hint(path, &candidates)
}

/// Aliases (`aliases:` in front matter) that name an address the site already has
/// (a page, a file, another alias): an error at the page's `aliases` field for each.
pub fn alias_collisions(
    project: &Project,
    prepared: &Prepared,
    jobs: &[PageJob],
    files: &[OutputFile],
) -> Diagnostics {
    let mut d = Diagnostics::new();
    if !jobs.iter().any(|j| matches!(j.kind, PageKind::Alias(..))) {
        return d;
    }
    let mut taken: FxHashMap<&str, String> = FxHashMap::default();
    for j in jobs
        .iter()
        .filter(|j| !matches!(j.kind, PageKind::Alias(..)))
    {
        taken.insert(
            j.output.as_str(),
            format!("the address of {}", address_of(&j.output)),
        );
    }
    for f in files {
        taken
            .entry(f.path.as_str())
            .or_insert_with(|| format!("the file {}", f.path));
    }
    for j in jobs {
        let PageKind::Alias(i, a) = j.kind else {
            continue;
        };
        let page = &project.pages[prepared.site.entries[i].source];
        let alias = &page.front.aliases[a];
        let at = page.front.positions.get("aliases");
        match taken.get(j.output.as_str()) {
            Some(what) => {
                let mut e = Diagnostic::error(
                    &page.path,
                    format!("alias '{alias}' is already {what}: a former address must be free"),
                );
                if let Some(p) = at {
                    e = e.at(p.line, p.column);
                }
                d.push(e);
            }
            None => {
                taken.insert(
                    j.output.as_str(),
                    format!("an alias of {}", page.path.display()),
                );
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_addresses_and_outputs_both_ways() {
        assert_eq!(output_of("/"), "index.html");
        assert_eq!(output_of("/presse/"), "presse/index.html");
        assert_eq!(output_of("/media/plan.pdf"), "media/plan.pdf");
        assert_eq!(address_of("index.html"), "/");
        assert_eq!(address_of("presse/index.html"), "/presse/");
        assert_eq!(address_of("media/plan.pdf"), "/media/plan.pdf");
        assert_eq!(address_of("media/theindex.html"), "/media/theindex.html");
    }

    #[test]
    fn hints_name_the_file_as_the_link_would() {
        let a: Vec<String> = [
            "/",
            "/news/",
            "/news/one/",
            "/news/one/programme.pdf",
            "/news/two/",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            address_hint("programe.pdf", "news/one/programe.pdf", &a),
            " (did you mean 'programme.pdf'?)"
        );
        assert_eq!(
            address_hint("../tow/", "news/tow/index.html", &a),
            " (did you mean '../two/'?)"
        );
        assert_eq!(
            address_hint("/nwes/", "nwes/index.html", &a),
            " (did you mean '/news/'?)"
        );
    }
}
