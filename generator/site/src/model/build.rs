//! Building the site model from a project, in steps: which source each language shows
//! for each page, the entries and their addresses, the URL checks, the section tree
//! and its order, the taxonomies, the menus. A session builds it again after every
//! front-matter edit, so each step is linear in the pages and allocates little.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::*;

/// Per language and translation key, the source shown (and whether it is another
/// language's page filling a gap), with the translation report.
struct Chosen {
    /// (language, source, fallback), language by language, keys in a stable order.
    list: Vec<(usize, usize, bool)>,
    missing: BTreeMap<String, Vec<String>>,
}

/// The languages to borrow an untranslated page from, in order: the fallback language,
/// the default one, then the others.
fn fallback_order(project: &Project) -> Vec<usize> {
    let lang_index = |code: &str| project.languages.iter().position(|l| l.code == code);
    let mut v = Vec::new();
    for code in [&project.fallback_language, &project.default_language] {
        if let Some(i) = lang_index(code)
            && !v.contains(&i)
        {
            v.push(i);
        }
    }
    let rest: Vec<usize> = (0..project.languages.len())
        .filter(|i| !v.contains(i))
        .collect();
    v.extend(rest);
    v
}

fn choose_sources(project: &Project) -> Chosen {
    let nl = project.languages.len();
    // Sources per key and language, and every key in a stable order.
    let mut sources: FxHashMap<&str, Vec<Option<usize>>> = FxHashMap::default();
    let mut keys: Vec<&str> = Vec::new();
    for (i, p) in project.pages.iter().enumerate() {
        let Some(li) = project.languages.iter().position(|l| l.code == p.lang) else {
            continue;
        };
        let per_lang = sources.entry(p.translation_key()).or_insert_with(|| {
            keys.push(p.translation_key());
            vec![None; nl]
        });
        per_lang[li] = Some(i);
    }
    let fallback = fallback_order(project);
    let mut chosen = Chosen {
        list: Vec::with_capacity(keys.len() * nl),
        missing: BTreeMap::new(),
    };
    for li in 0..nl {
        for key in &keys {
            let per_lang = &sources[key];
            if let Some(s) = per_lang[li] {
                chosen.list.push((li, s, false));
                continue;
            }
            chosen
                .missing
                .entry(key.to_string())
                .or_default()
                .push(project.languages[li].code.clone());
            if project.missing_translation() == MissingTranslation::Fallback
                && let Some(s) = fallback.iter().find_map(|&f| per_lang[f])
            {
                chosen.list.push((li, s, true));
            }
        }
    }
    chosen
}

/// The URL of each folder that holds chosen sources, per language: the language's
/// prefix, then each folder's segment (its section's `slug`, or its name).
fn folder_urls<'p>(
    project: &'p Project,
    chosen: &[(usize, usize, bool)],
) -> FxHashMap<(usize, &'p str), String> {
    let mut segment: FxHashMap<(usize, &str), &str> = FxHashMap::default();
    for &(li, s, _) in chosen {
        let p: &SourcePage = &project.pages[s];
        if p.is_section {
            let dir = p.dir();
            let last = dir.rsplit('/').next().unwrap_or("");
            segment.insert((li, dir), p.front.slug.as_deref().unwrap_or(last));
        }
    }
    let mut urls: FxHashMap<(usize, &str), String> = FxHashMap::default();
    for &(li, s, _) in chosen {
        let dir = project.pages[s].dir();
        if urls.contains_key(&(li, dir)) {
            continue;
        }
        let mut path = project.languages[li].prefix.clone();
        path.push('/');
        let mut end = 0;
        for part in dir.split('/') {
            end += part.len();
            if !part.is_empty() {
                path.push_str(segment.get(&(li, &dir[..end])).copied().unwrap_or(part));
                path.push('/');
            }
            end += 1;
        }
        urls.insert((li, dir), path);
    }
    urls
}

/// The entries, one per chosen source and language, with their address and terms
/// (slugs made once per name).
fn make_entries(project: &Project, chosen: &[(usize, usize, bool)]) -> Vec<Entry> {
    make_entries_at(project, &folder_urls(project, chosen), chosen)
}

/// The entries of `chosen`, their folders' addresses being `urls` (made from every
/// source chosen, so that a few entries can be made alone).
fn make_entries_at(
    project: &Project,
    urls: &FxHashMap<(usize, &str), String>,
    chosen: &[(usize, usize, bool)],
) -> Vec<Entry> {
    // The slugs of the chosen pages' terms, each made once (an update chooses a few).
    let mut slugs: FxHashMap<&str, String> = FxHashMap::default();
    for p in chosen.iter().map(|&(_, s, _)| &project.pages[s]) {
        for names in p.front.taxonomies.values() {
            for n in names {
                slugs.entry(n.as_str()).or_insert_with(|| slugify(n));
            }
        }
    }
    chosen
        .par_iter()
        .map(|&(li, s, fallback)| {
            let p = &project.pages[s];
            let dir = p.dir();
            let folder = urls.get(&(li, dir)).map_or("/", String::as_str);
            let path = if p.is_section {
                folder.to_string()
            } else {
                let slug = p.front.slug.as_deref().unwrap_or_else(|| p.file_slug());
                format!("{folder}{slug}/")
            };
            let terms = project
                .config
                .taxonomies
                .iter()
                .filter_map(|t| {
                    p.front.taxonomies.get(&t.name).map(|names| {
                        let mut v: Vec<Term> = names
                            .iter()
                            .map(|n| Term {
                                name: n.clone(),
                                slug: slugs[n.as_str()].clone(),
                            })
                            .filter(|t| !t.slug.is_empty())
                            .collect();
                        v.dedup_by(|a, b| a.slug == b.slug);
                        (t.name.clone(), v)
                    })
                })
                .collect();
            Entry {
                lang: li,
                source: s,
                is_fallback: fallback,
                kind: if p.is_section {
                    EntryKind::Section
                } else {
                    EntryKind::Page
                },
                path,
                key: p.translation_key().to_string(),
                dir: dir.to_string(),
                parent: None,
                pages: Vec::new(),
                subsections: Vec::new(),
                terms,
            }
        })
        .collect()
}

/// Two pages at one URL, or a page at a taxonomy's list address, are errors.
fn check_addresses(
    project: &Project,
    entries: &[Entry],
    diags: &mut Diagnostics,
) -> HashMap<String, usize> {
    let mut by_path: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        if let Some(&other) = by_path.get(&e.path) {
            let a = &project.pages[entries[other].source];
            let b = &project.pages[e.source];
            diags.push(Diagnostic::error(
                &b.path,
                format!(
                    "two pages have the URL {}: this one and {}; give one of them another slug",
                    e.path,
                    a.path.display()
                ),
            ));
        } else {
            by_path.insert(e.path.clone(), i);
        }
    }
    for t in &project.config.taxonomies {
        for l in &project.languages {
            let p = format!("{}/{}/", l.prefix, t.name);
            if let Some(&i) = by_path.get(&p) {
                diags.push(Diagnostic::error(
                    &project.pages[entries[i].source].path,
                    format!(
                        "the URL {p} is the '{}' taxonomy's list page: give this page another slug",
                        t.name
                    ),
                ));
            }
        }
    }
    by_path
}

/// Each entry's nearest section above it, the sections' pages and subsections, and
/// each language's home; then each section's lists in their order.
fn link_sections(project: &Project, entries: &mut [Entry], nl: usize) -> Vec<Option<usize>> {
    let section_of: FxHashMap<(usize, &str), usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EntryKind::Section)
        .map(|(i, e)| ((e.lang, e.dir.as_str()), i))
        .collect();
    let mut homes = vec![None; nl];
    let parents: Vec<Option<usize>> = entries
        .iter()
        .map(|e| {
            let mut d = match e.kind {
                EntryKind::Page => Some(e.dir.as_str()),
                EntryKind::Section => parent_dir(&e.dir),
            };
            while let Some(cur) = d {
                if let Some(&s) = section_of.get(&(e.lang, cur)) {
                    return Some(s);
                }
                d = parent_dir(cur);
            }
            None
        })
        .collect();
    for (i, parent) in parents.into_iter().enumerate() {
        if entries[i].kind == EntryKind::Section && entries[i].dir.is_empty() {
            homes[entries[i].lang] = Some(i);
        }
        if let Some(s) = parent {
            entries[i].parent = Some(s);
            match entries[i].kind {
                EntryKind::Page => entries[s].pages.push(i),
                EntryKind::Section => entries[s].subsections.push(i),
            }
        }
    }
    for i in 0..entries.len() {
        if entries[i].kind != EntryKind::Section {
            continue;
        }
        let sort_by = project.pages[entries[i].source]
            .front
            .sort_by
            .unwrap_or_default();
        let mut pages = std::mem::take(&mut entries[i].pages);
        sort_pages(entries, project, &mut pages, sort_by);
        entries[i].pages = pages;
        let mut subs = std::mem::take(&mut entries[i].subsections);
        sort_pages(entries, project, &mut subs, SortBy::Weight);
        entries[i].subsections = subs;
    }
    homes
}

/// Each language's taxonomy pages: every term with its entries, newest first. The
/// language's entries are put in that order once, then dealt to their terms (rather
/// than each term sorting its own).
fn taxonomies(project: &Project, entries: &[Entry]) -> Vec<TaxonomyPage> {
    let mut out = Vec::new();
    if project.config.taxonomies.is_empty() {
        return out;
    }
    for li in 0..project.languages.len() {
        let mut newest_first: Vec<usize> = (0..entries.len())
            .filter(|&i| entries[i].lang == li)
            .collect();
        sort_pages(entries, project, &mut newest_first, SortBy::Date);
        for t in &project.config.taxonomies {
            let list_path = format!("{}/{}/", project.languages[li].prefix, t.name);
            let mut terms: BTreeMap<&str, TermPage> = BTreeMap::new();
            for (i, e) in newest_first.iter().map(|&i| (i, &entries[i])) {
                for (_, ts) in e.terms.iter().filter(|(tax, _)| tax == &t.name) {
                    for term in ts {
                        terms
                            .entry(term.slug.as_str())
                            .or_insert_with(|| TermPage {
                                taxonomy: t.name.clone(),
                                term: term.clone(),
                                path: format!("{list_path}{}/", term.slug),
                                entries: Vec::new(),
                            })
                            .entries
                            .push(i);
                    }
                }
            }
            let terms: Vec<TermPage> = terms.into_values().collect();
            out.push(TaxonomyPage {
                lang: li,
                name: t.name.clone(),
                path: list_path,
                terms,
            });
        }
    }
    out
}

impl Site {
    /// The site model after pages (not sections) came, went or changed in a session,
    /// the configuration being the same: the entries of the sources that did not change
    /// (`previous_pages` are those `previous` was built from) are `previous`'s, moved
    /// to their new places; the others are made, put in their sections (sorted again)
    /// and in their terms. Equal to [`Site::build`] of the same project, which it
    /// falls back to if a section is among the new entries.
    pub fn update_pages(
        previous: &Site,
        previous_pages: &[Arc<SourcePage>],
        project: &Project,
    ) -> Result<Site, Diagnostics> {
        let chosen = choose_sources(project);
        // Sources by identity (both lists are alive here, so no two differ by address
        // alone): the same `Arc` is the same file read once.
        let id = |p: &Arc<SourcePage>| Arc::as_ptr(p) as usize;
        let old: FxHashMap<(usize, usize, bool), usize> = previous
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.lang, id(&previous_pages[e.source]), e.is_fallback), i))
            .collect();
        let mut new_of_old = vec![None; previous.entries.len()];
        let mut old_at = vec![None; chosen.list.len()];
        let mut fresh = Vec::new();
        for (k, &(li, s, fallback)) in chosen.list.iter().enumerate() {
            match old.get(&(li, id(&project.pages[s]), fallback)) {
                Some(&j) => (new_of_old[j], old_at[k]) = (Some(k), Some(j)),
                None => fresh.push(k),
            }
        }
        if fresh
            .iter()
            .any(|&k| project.pages[chosen.list[k].1].is_section)
        {
            return Site::build(project);
        }
        let urls = folder_urls(project, &chosen.list);
        let subset: Vec<_> = fresh.iter().map(|&k| chosen.list[k]).collect();
        let mut made: Vec<Option<Entry>> = vec![None; chosen.list.len()];
        for (&k, e) in fresh.iter().zip(make_entries_at(project, &urls, &subset)) {
            made[k] = Some(e);
        }
        let moved =
            |v: &[usize]| -> Vec<usize> { v.iter().filter_map(|&j| new_of_old[j]).collect() };
        let mut entries = Vec::with_capacity(chosen.list.len());
        for (k, slot) in made.into_iter().enumerate() {
            let e = match (slot, old_at[k]) {
                (Some(e), _) => e,
                (None, Some(j)) => {
                    let o = &previous.entries[j];
                    Entry {
                        source: chosen.list[k].1,
                        path: o.path.clone(),
                        key: o.key.clone(),
                        dir: o.dir.clone(),
                        parent: o.parent.and_then(|p| new_of_old[p]),
                        pages: moved(&o.pages),
                        subsections: moved(&o.subsections),
                        terms: o.terms.clone(),
                        ..*o
                    }
                }
                (None, None) => return Site::build(project),
            };
            entries.push(e);
        }
        place_pages(project, &mut entries, &fresh);
        let homes = previous
            .homes
            .iter()
            .map(|h| h.and_then(|h| new_of_old[h]))
            .collect();
        let taxonomies = moved_taxonomies(&previous.taxonomies, &entries, &new_of_old);
        Site::finish(project, entries, homes, taxonomies, chosen.missing, &fresh)
    }

    /// The rest of [`Site::update_pages`]: the addresses checked, the translations
    /// indexed, the new entries' terms, the menus.
    fn finish(
        project: &Project,
        entries: Vec<Entry>,
        homes: Vec<Option<usize>>,
        taxonomies: Vec<TaxonomyPage>,
        missing: BTreeMap<String, Vec<String>>,
        fresh: &[usize],
    ) -> Result<Site, Diagnostics> {
        let mut diags = Diagnostics::new();
        let nl = project.languages.len();
        let by_path = check_addresses(project, &entries, &mut diags);
        if diags.has_errors() {
            return Err(diags);
        }
        let by_key = index_keys(&entries, nl);
        let mut site = Site {
            entries,
            by_key,
            by_path,
            homes,
            taxonomies,
            menus: Vec::new(),
            footer_menus: Vec::new(),
            search_pages: Vec::new(),
            missing,
        };
        update_taxonomies(project, &mut site, fresh, &vec![Vec::new(); fresh.len()]);
        site.with_menus(project, diags)
    }
}

/// Each translation key's entry in each language.
fn index_keys(entries: &[Entry], nl: usize) -> FxHashMap<String, Vec<Option<usize>>> {
    let mut by_key: FxHashMap<String, Vec<Option<usize>>> = FxHashMap::default();
    by_key.reserve(entries.len() / nl.max(1) + 1);
    for (i, e) in entries.iter().enumerate() {
        by_key
            .entry(e.key.clone())
            .or_insert_with(|| vec![None; nl])[e.lang] = Some(i);
    }
    by_key
}

/// Puts the new page entries `fresh` in their sections, whose pages are sorted again.
fn place_pages(project: &Project, entries: &mut [Entry], fresh: &[usize]) {
    let section_of: FxHashMap<(usize, String), usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EntryKind::Section)
        .map(|(i, e)| ((e.lang, e.dir.clone()), i))
        .collect();
    let mut resort = Vec::new();
    for &k in fresh {
        let mut d = Some(entries[k].dir.clone());
        while let Some(cur) = d {
            if let Some(&s) = section_of.get(&(entries[k].lang, cur.clone())) {
                entries[k].parent = Some(s);
                entries[s].pages.push(k);
                resort.push(s);
                break;
            }
            d = parent_dir(&cur).map(str::to_string);
        }
    }
    resort.sort_unstable();
    resort.dedup();
    for s in resort {
        let sort_by = project.pages[entries[s].source]
            .front
            .sort_by
            .unwrap_or_default();
        let mut pages = std::mem::take(&mut entries[s].pages);
        sort_pages(entries, project, &mut pages, sort_by);
        entries[s].pages = pages;
    }
}

/// The term pages of the last model with their entries moved to their new places and
/// those gone left out (a term left with none is gone too; one whose newest page went
/// takes the name the next one gives it).
fn moved_taxonomies(
    previous: &[TaxonomyPage],
    entries: &[Entry],
    new_of_old: &[Option<usize>],
) -> Vec<TaxonomyPage> {
    let mut out = previous.to_vec();
    for tax in &mut out {
        for tp in &mut tax.terms {
            let first = tp.entries.first().copied();
            tp.entries = tp.entries.iter().filter_map(|&j| new_of_old[j]).collect();
            if first.and_then(|j| new_of_old[j]) != tp.entries.first().copied()
                && let Some(&i) = tp.entries.first()
                && let Some(t) = entries[i]
                    .terms
                    .iter()
                    .filter(|(name, _)| *name == tax.name)
                    .flat_map(|(_, ts)| ts)
                    .find(|t| t.slug == tp.term.slug)
            {
                tp.term = t.clone();
            }
        }
        tax.terms.retain(|tp| !tp.entries.is_empty());
    }
    out
}

/// The term pages of `site` made again for the terms the `touched` entries had
/// (`old_terms`, in the same order) or have now; the others keep their pages. The
/// result is what [`taxonomies`] gives: an untouched entry keeps its place relative
/// to the others, so each term's list is its untouched entries (already newest first)
/// with the touched ones sorted in.
fn update_taxonomies(
    project: &Project,
    site: &mut Site,
    touched: &[usize],
    old_terms: &[Vec<(String, Vec<Term>)>],
) {
    let entries = &site.entries;
    let is_touched: rustc_hash::FxHashSet<usize> = touched.iter().copied().collect();
    for tax in &mut site.taxonomies {
        let li = tax.lang;
        let slugs_of = |terms: &[(String, Vec<Term>)]| -> Vec<String> {
            terms
                .iter()
                .filter(|(name, _)| *name == tax.name)
                .flat_map(|(_, ts)| ts.iter().map(|t| t.slug.clone()))
                .collect()
        };
        let mut affected: Vec<String> = Vec::new();
        for (k, &i) in touched.iter().enumerate() {
            if entries[i].lang == li {
                affected.extend(slugs_of(&old_terms[k]));
                affected.extend(slugs_of(&entries[i].terms));
            }
        }
        affected.sort_unstable();
        affected.dedup();
        for slug in affected {
            let has = |i: usize| {
                entries[i]
                    .terms
                    .iter()
                    .filter(|(name, _)| *name == tax.name)
                    .flat_map(|(_, ts)| ts)
                    .find(|t| t.slug == slug)
            };
            let at = tax
                .terms
                .binary_search_by(|t| t.term.slug.as_str().cmp(slug.as_str()));
            let mut list: Vec<usize> = match at {
                Ok(k) => tax.terms[k]
                    .entries
                    .iter()
                    .copied()
                    .filter(|i| !is_touched.contains(i))
                    .collect(),
                Err(_) => Vec::new(),
            };
            list.extend(
                touched
                    .iter()
                    .copied()
                    .filter(|&i| entries[i].lang == li && has(i).is_some()),
            );
            sort_pages(entries, project, &mut list, SortBy::Date);
            match (list.first().and_then(|&i| has(i)).cloned(), at) {
                (None, Ok(k)) => {
                    tax.terms.remove(k);
                }
                (None, Err(_)) => {}
                (Some(term), Ok(k)) => {
                    tax.terms[k].term = term;
                    tax.terms[k].entries = list;
                }
                (Some(term), Err(k)) => tax.terms.insert(
                    k,
                    TermPage {
                        taxonomy: tax.name.clone(),
                        path: format!("{}{}/", tax.path, term.slug),
                        term,
                        entries: list,
                    },
                ),
            }
        }
    }
}

/// Each language's main menu (from `marque.yaml`, else the home's weighted pages and
/// sections) and footer menu.
type Menus = (Vec<Vec<usize>>, Vec<Vec<usize>>);

fn menus(
    project: &Project,
    entries: &[Entry],
    homes: &[Option<usize>],
    by_key: &FxHashMap<String, Vec<Option<usize>>>,
    diags: &mut Diagnostics,
) -> Menus {
    let nl = project.languages.len();
    let mut main = vec![Vec::new(); nl];
    for (li, menu) in main.iter_mut().enumerate() {
        if project.config.menu.is_empty() {
            let mut top: Vec<usize> = entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.lang == li && e.parent.is_some() && e.parent == homes[li])
                .filter(|(_, e)| {
                    project.pages[e.source].front.weight.is_some() || e.kind == EntryKind::Section
                })
                .map(|(i, _)| i)
                .collect();
            sort_pages(entries, project, &mut top, SortBy::Weight);
            *menu = top;
        } else {
            *menu = resolve_menu(&project.config.menu, "menu", li, project, by_key, diags);
        }
    }
    let footer = (0..nl)
        .map(|li| {
            resolve_menu(
                &project.config.footer_menu,
                "footer_menu",
                li,
                project,
                by_key,
                diags,
            )
        })
        .collect();
    (main, footer)
}

/// Each language's search page: its entry with the template `search.html` (its own
/// page before a fallback copy; the first in the site's order).
fn search_pages(project: &Project, entries: &[Entry]) -> Vec<Option<usize>> {
    let mut found: Vec<Option<usize>> = vec![None; project.languages.len()];
    for (i, e) in entries.iter().enumerate() {
        if project.pages[e.source].front.template.as_deref() != Some(SEARCH_TEMPLATE) {
            continue;
        }
        let slot = &mut found[e.lang];
        if slot.is_none_or(|j| entries[j].is_fallback && !e.is_fallback) {
            *slot = Some(i);
        }
    }
    found
}

impl Site {
    /// Builds the site model; fails on URL clashes.
    pub fn build(project: &Project) -> Result<Site, Diagnostics> {
        let mut diags = Diagnostics::new();
        let nl = project.languages.len();
        let chosen = choose_sources(project);
        let mut entries = make_entries(project, &chosen.list);
        let by_path = check_addresses(project, &entries, &mut diags);
        if diags.has_errors() {
            return Err(diags);
        }
        let by_key = index_keys(&entries, nl);
        let homes = link_sections(project, &mut entries, nl);
        let taxonomies = taxonomies(project, &entries);
        let (menus, footer_menus) = menus(project, &entries, &homes, &by_key, &mut diags);
        let search_pages = search_pages(project, &entries);
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(Site {
            entries,
            by_key,
            by_path,
            homes,
            taxonomies,
            search_pages,
            menus,
            footer_menus,
            missing: chosen.missing,
        })
    }
}

impl Site {
    /// The site model after an edit that changed what some pages say but not where
    /// they are: `changed` are the sources that differ from those `previous` was
    /// built from, each with the same language, path, kind, slug, translation key and
    /// sort order as before (the caller checks). Their entries get their new terms,
    /// the lists that hold them are sorted again, and the taxonomies and menus are
    /// made again; everything else is the previous model's. Equal to
    /// [`Site::build`] of the same project.
    pub fn update(
        previous: &Site,
        project: &Project,
        changed: &[usize],
    ) -> Result<Site, Diagnostics> {
        let mut site = previous.clone();
        let is_changed = {
            let mut v = vec![false; project.pages.len()];
            for &s in changed {
                v[s] = true;
            }
            v
        };
        let touched: Vec<usize> = (0..site.entries.len())
            .filter(|&i| is_changed[site.entries[i].source])
            .collect();
        let fresh = make_entries(
            project,
            &touched
                .iter()
                .map(|&i| {
                    let e = &site.entries[i];
                    (e.lang, e.source, e.is_fallback)
                })
                .collect::<Vec<_>>(),
        );
        let mut resort: Vec<usize> = Vec::new();
        let mut old_terms = Vec::with_capacity(touched.len());
        for (&i, f) in touched.iter().zip(fresh) {
            old_terms.push(std::mem::replace(&mut site.entries[i].terms, f.terms));
            resort.extend(site.entries[i].parent);
        }
        resort.sort_unstable();
        resort.dedup();
        for s in resort {
            let sort_by = project.pages[site.entries[s].source]
                .front
                .sort_by
                .unwrap_or_default();
            let mut pages = std::mem::take(&mut site.entries[s].pages);
            sort_pages(&site.entries, project, &mut pages, sort_by);
            site.entries[s].pages = pages;
            let mut subs = std::mem::take(&mut site.entries[s].subsections);
            sort_pages(&site.entries, project, &mut subs, SortBy::Weight);
            site.entries[s].subsections = subs;
        }
        update_taxonomies(project, &mut site, &touched, &old_terms);
        site.with_menus(project, Diagnostics::new())
    }

    /// The site with its menus made again (`diags` holds what was found before).
    fn with_menus(
        mut self,
        project: &Project,
        mut diags: Diagnostics,
    ) -> Result<Site, Diagnostics> {
        (self.menus, self.footer_menus) = menus(
            project,
            &self.entries,
            &self.homes,
            &self.by_key,
            &mut diags,
        );
        self.search_pages = search_pages(project, &self.entries);
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(self)
    }
}
