//! The context of each HTML output: every page's common part (language, switcher,
//! menus, globals), then entries, taxonomy pages and the 404 page.

use super::*;

impl<'p> Prepared<'p> {
    pub(super) fn base_context(
        &self,
        li: usize,
        path: &str,
        alternates_key: Option<&str>,
    ) -> Context {
        let lang = &self.languages[li];
        let mut ctx = Context::new();
        ctx.insert("lang", &lang.code);
        ctx.insert("lang_dir", lang.dir.as_str());
        ctx.insert("lang_name", &lang.name);
        for (name, values) in &self.globals {
            if let Some(v) = values.get(li) {
                ctx.insert_value(*name, v.clone());
            }
        }
        if !self.social_cards.is_empty() {
            // Pages have their own card; other outputs (404, tags) show the language's.
            let card = if self.social_cards.contains(path) {
                format!("{}{path}og.png", self.shared.base_url)
            } else {
                format!("{}{}/og.png", self.shared.base_url, lang.prefix)
            };
            ctx.insert("og_image", &card);
        }
        ctx.insert("base_url", &self.shared.base_url);
        ctx.insert("current_path", &format!("{}{path}", self.shared.base_path));
        ctx.insert("current_url", &format!("{}{path}", self.shared.base_url));
        ctx.insert(
            "feed_url",
            &format!("{}{}/atom.xml", self.shared.base_path, lang.prefix),
        );
        ctx.insert(
            "home_url",
            &format!("{}{}/", self.shared.base_path, lang.prefix),
        );
        // Language switcher and hreflang alternates.
        let mut switcher = Vec::new();
        let mut alternates = Vec::new();
        for (lj, other) in self.languages.iter().enumerate() {
            let target = alternates_key.and_then(|k| self.site.entry_for(lj, k));
            let (url, available) = match target {
                Some(e) => (
                    self.site.entries[e].path.clone(),
                    !self.site.entries[e].is_fallback,
                ),
                None => (format!("{}/", other.prefix), false),
            };
            if let Some(e) = target
                && !self.site.entries[e].is_fallback
            {
                alternates.push(json!({"hreflang": other.code, "url": format!("{}{}", self.shared.base_url, self.site.entries[e].path)}));
            }
            switcher.push(json!({
                "code": other.code,
                "name": other.name,
                "dir": other.dir.as_str(),
                "url": format!("{}{url}", self.shared.base_path),
                "current": lj == li,
                "available": available,
            }));
        }
        if alternates_key.is_none() {
            // Pages without a translation key (taxonomies): same path in every language.
            alternates.clear();
        }
        if let Some(k) = alternates_key
            && let Some(e) = self.site.entry_for(0, k)
            && !self.site.entries[e].is_fallback
        {
            alternates.push(json!({"hreflang": "x-default", "url": format!("{}{}", self.shared.base_url, self.site.entries[e].path)}));
        }
        ctx.insert("languages", &switcher);
        ctx.insert("alternates", &alternates);
        let items = |list: &[usize]| -> Vec<Json> {
            list.iter()
                .map(|&e| {
                    let en = &self.site.entries[e];
                    let s = self.summary(en.lang, &en.key);
                    let field = |k: &str| {
                        s.and_then(|s| s.get_from_path(k))
                            .map(|t| t.to_string())
                            .unwrap_or_default()
                    };
                    let home = format!("{}/", self.languages[li].prefix);
                    json!({
                        "title": field("title"),
                        "url": format!("{}{}", self.shared.base_path, en.path),
                        "active": path.starts_with(&en.path) && (en.path != home || path == home),
                        "content_lang": field("content_lang"),
                        "content_dir": field("content_dir"),
                        "is_fallback": en.is_fallback,
                    })
                })
                .collect()
        };
        if let Some(search) = self.search_path(li) {
            ctx.insert("search_url", &format!("{}{search}", self.shared.base_path));
        }
        ctx.insert("menu", &items(&self.site.menus[li]));
        ctx.insert("footer_menu", &items(&self.site.footer_menus[li]));
        ctx
    }

    /// The path of language `li`'s search page: its own, else the first language's
    /// that has one; `None` when the site has no search page.
    pub(super) fn search_path(&self, li: usize) -> Option<&str> {
        let pages = &self.site.search_pages;
        pages
            .get(li)
            .copied()
            .flatten()
            .or_else(|| pages.iter().flatten().next().copied())
            .map(|e| self.site.entries[e].path.as_str())
    }

    /// Whether entry `i`'s page goes into the search index: its own text (not a
    /// fallback copy, not the home page or the search page), unless its front matter
    /// says `in_search_index: false`.
    pub(super) fn in_search_index(&self, project: &Project, i: usize) -> bool {
        let e = &self.site.entries[i];
        let front = &project.pages[e.source].front;
        !e.is_fallback
            && e.parent.is_some()
            && front.template.as_deref() != Some(crate::SEARCH_TEMPLATE)
            && front.in_search_index != Some(false)
    }

    pub(super) fn render_template(
        &self,
        template: &str,
        ctx: &Context,
    ) -> Result<String, Diagnostic> {
        self.tera
            .render(template, ctx)
            .map_err(|e| tera_error(&e, &self.theme_dir, template))
    }

    /// How many pages the list of entry `i` is split into by its `paginate_by`, and
    /// how many it shows per page; `None` for an entry that does not paginate.
    pub(super) fn pagination(&self, i: usize) -> Option<(usize, usize)> {
        let e = &self.site.entries[i];
        if e.kind != EntryKind::Section {
            return None;
        }
        let by = self.project.pages[e.source].front.paginate_by?;
        Some((e.pages.len().div_ceil(by).max(1), by))
    }

    /// The address of page `n` of entry `i`'s list (page 1 is the entry's own).
    pub(super) fn pager_path(&self, i: usize, n: usize) -> String {
        let path = &self.site.entries[i].path;
        if n <= 1 {
            path.clone()
        } else {
            format!("{path}page/{n}/")
        }
    }

    /// The `paginator` of page `n` of section `i`: its pages, where the others are.
    fn paginator(&self, i: usize, n: usize, pages: &Value) -> Option<Value> {
        let (count, by) = self.pagination(i)?;
        let bp = &self.shared.base_path;
        let url = |k: usize| format!("{bp}{}", self.pager_path(i, k));
        let all = pages.as_array().unwrap_or_default();
        let from = ((n - 1) * by).min(all.len());
        let to = (n * by).min(all.len());
        let mut m = tera::Map::new();
        m.insert("pages".into(), Value::from(&all[from..to]));
        m.insert("current_index".into(), Value::from(n));
        m.insert("number_pagers".into(), Value::from(count));
        m.insert("paginate_by".into(), Value::from(by));
        m.insert("total_pages".into(), Value::from(all.len()));
        m.insert("first".into(), Value::from(url(1)));
        m.insert("last".into(), Value::from(url(count)));
        let link = |k: Option<usize>| Value::from(k.map(url).unwrap_or_default());
        m.insert("previous".into(), link((n > 1).then(|| n - 1)));
        m.insert("next".into(), link((n < count).then(|| n + 1)));
        let pagers: Vec<Json> = (1..=count)
            .map(|k| json!({"index": k, "url": url(k), "current": k == n}))
            .collect();
        m.insert("pagers".into(), Value::from_serializable(&pagers));
        Some(Value::from(m))
    }

    /// The page of entry `i`; for a paginated section, page `pager` of its list.
    pub(super) fn render_entry(
        &self,
        project: &Project,
        i: usize,
        pager: usize,
    ) -> Result<String, Diagnostic> {
        let e = &self.site.entries[i];
        let p = &project.pages[e.source];
        let path = self.pager_path(i, pager);
        let mut ctx = self.base_context(e.lang, &path, Some(&e.key));
        if pager > 1 && self.social_cards.contains(&e.path) {
            // The further pages of a list share the section's card.
            ctx.insert(
                "og_image",
                &format!("{}{}og.png", self.shared.base_url, e.path),
            );
        }
        let summary = self
            .summary(e.lang, &e.key)
            .cloned()
            .unwrap_or_else(Value::none);
        let mut map = tera::Map::new();
        if let Some(m) = summary.as_map() {
            for (k, v) in m.iter() {
                map.insert(k.clone(), v.clone());
            }
        }
        map.insert("content".into(), Value::safe_string(&self.content(i, true)));
        let toc: Vec<Json> = self.md[e.source]
            .headings
            .iter()
            .filter(|h| h.level <= 3)
            .map(|h| json!({"level": h.level, "id": h.id, "title": h.text}))
            .collect();
        map.insert("toc".into(), Value::from_serializable(&toc));
        let src_lang = self.languages.iter().find(|l| l.code == p.lang);
        map.insert(
            "content_dir".into(),
            Value::from(src_lang.map(|l| l.dir.as_str()).unwrap_or("ltr")),
        );
        let canonical = if e.is_fallback {
            let sl = self
                .languages
                .iter()
                .position(|l| l.code == p.lang)
                .unwrap_or(0);
            self.site
                .entry_for(sl, &e.key)
                .map(|o| self.site.entries[o].path.clone())
                .unwrap_or_else(|| e.path.clone())
        } else {
            e.path.clone()
        };
        // Each page of a list is its own page (its own pages, its own address).
        let canonical = match pager {
            0 | 1 => canonical,
            n => format!("{canonical}page/{n}/"),
        };
        ctx.insert(
            "canonical_url",
            &format!("{}{}", self.shared.base_url, canonical),
        );
        if let Some(parent) = e.parent {
            let pe = &self.site.entries[parent];
            if let Some(s) = self.summary(pe.lang, &pe.key) {
                ctx.insert_value("parent", s.clone());
            }
        }
        let template = self.template_of(i);
        let indexed = pager <= 1 && self.in_search_index(project, i);
        ctx.insert("in_search_index", &indexed);
        if indexed {
            // Its own weight, else its section's.
            let weight = project.pages[e.source].front.search_weight.or_else(|| {
                e.parent.and_then(|p| {
                    project.pages[self.site.entries[p].source]
                        .front
                        .search_weight
                })
            });
            if let Some(w) = weight {
                ctx.insert("search_weight", &w);
            }
        }
        if e.kind == EntryKind::Section {
            let sec = self.tables().section(&self.site, i);
            if let Some(m) = sec.as_map() {
                for key in ["pages", "subsections"] {
                    if let Some(v) = m.get(&tera::value::Key::from(key)) {
                        map.insert(key.into(), v.clone());
                    }
                }
            }
            if let Some(pages) = map.get(&tera::value::Key::from("pages"))
                && let Some(pg) = self.paginator(i, pager.max(1), pages)
            {
                ctx.insert_value("paginator", pg);
            }
            if !self.section_feed(i).is_empty() {
                ctx.insert(
                    "section_feed_url",
                    &format!("{}{}atom.xml", self.shared.base_path, e.path),
                );
            }
            ctx.insert_value("section", Value::from(map.clone()));
        }
        ctx.insert_value("page", Value::from(map));
        self.render_template(&template, &ctx)
    }

    pub(super) fn render_taxonomy(
        &self,
        ti: usize,
        term: Option<usize>,
    ) -> Result<String, Diagnostic> {
        let t = &self.site.taxonomies[ti];
        let bp = &self.shared.base_path;
        let path = match term {
            Some(s) => t.terms[s].path.clone(),
            None => t.path.clone(),
        };
        let mut ctx = self.base_context(t.lang, &path, None);
        ctx.insert(
            "canonical_url",
            &format!("{}{}", self.shared.base_url, path),
        );
        // A term page gets the other terms only when its template names them (the
        // term page's key then covers them: see `keys`).
        let show_terms = term.is_none() || self.term_pages_show_terms();
        let terms: Vec<Json> = t
            .terms
            .iter()
            .filter(|_| show_terms)
            .map(|tp| json!({"name": tp.term.name, "slug": tp.term.slug, "url": format!("{bp}{}", tp.path), "count": tp.entries.len()}))
            .collect();
        ctx.insert(
            "taxonomy",
            &json!({"name": t.name, "url": format!("{bp}{}", t.path), "terms": terms}),
        );
        // The switcher goes to the same taxonomy page in the other languages.
        let switch: Vec<Json> = self
            .languages
            .iter()
            .enumerate()
            .map(|(lj, l)| {
                let other = self.site.taxonomies.iter().find(|o| o.lang == lj && o.name == t.name);
                let url = match (other, term) {
                    (Some(o), Some(s)) => o
                        .terms
                        .iter()
                        .find(|x| x.term.slug == t.terms[s].term.slug)
                        .map(|x| x.path.clone())
                        .unwrap_or_else(|| o.path.clone()),
                    (Some(o), None) => o.path.clone(),
                    (None, _) => format!("{}/", l.prefix),
                };
                json!({"code": l.code, "name": l.name, "dir": l.dir.as_str(), "url": format!("{bp}{url}"), "current": lj == t.lang, "available": true})
            })
            .collect();
        ctx.insert("languages", &switch);
        match term {
            Some(s) => {
                let tp = &t.terms[s];
                let pages: Vec<Value> = tp
                    .entries
                    .iter()
                    .filter_map(|&e| {
                        let en = &self.site.entries[e];
                        self.summary(en.lang, &en.key).cloned()
                    })
                    .collect();
                let mut m = tera::Map::new();
                m.insert("name".into(), Value::from(tp.term.name.as_str()));
                m.insert("slug".into(), Value::from(tp.term.slug.as_str()));
                m.insert("url".into(), Value::from(format!("{bp}{}", tp.path)));
                m.insert("pages".into(), Value::from(pages.as_slice()));
                ctx.insert_value("term", Value::from(m));
                self.render_template("taxonomy_term.html", &ctx)
            }
            None => self.render_template("taxonomy_list.html", &ctx),
        }
    }

    /// The page at a former address of entry `i`: it sends the visitor to the entry
    /// (a refresh at once, the canonical link, a plain link without either) and is
    /// kept out of search engines.
    pub(super) fn render_alias(&self, project: &Project, i: usize) -> String {
        use super::feeds::{encode_url, xml_escape};
        let e = &self.site.entries[i];
        let lang = &self.languages[e.lang];
        let target = xml_escape(&encode_url(&format!("{}{}", self.shared.base_path, e.path)));
        let absolute = xml_escape(&encode_url(&format!("{}{}", self.shared.base_url, e.path)));
        let title = xml_escape(project.pages[e.source].title());
        format!(
            "<!doctype html>\n<html lang=\"{code}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"canonical\" href=\"{absolute}\">\n<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n</head>\n<body>\n<p><a href=\"{target}\">{title}</a></p>\n</body>\n</html>\n",
            code = lang.code,
            dir = lang.dir.as_str(),
        )
    }

    pub(super) fn render_404(&self, li: usize) -> Result<String, Diagnostic> {
        let path = format!("{}/404.html", self.languages[li].prefix);
        let mut ctx = self.base_context(li, &path, None);
        ctx.insert("canonical_url", &format!("{}{path}", self.shared.base_url));
        self.render_template("404.html", &ctx)
    }
}
