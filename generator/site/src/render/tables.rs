//! The values templates see for each entry (its summary, and a section's pages), made
//! once per build and reused across builds of a session while their sources stay the same.

use super::*;

/// The values templates see for each entry.
pub struct Tables {
    /// Per entry: its summary (title, url, date, summary, taxonomies…).
    pub(super) by_entry: Vec<Value>,
    /// Per entry: the hash of what its summary is made of, to reuse it next time.
    pub(super) keys: Vec<[u8; 32]>,
    /// The global part of the keys they were made under (the configuration above
    /// all: addresses and typography depend on it).
    pub(super) global: [u8; 32],
    /// Per section entry: its summary with `pages` and `subsections`, made on first use.
    pub(super) sections: Vec<OnceLock<Value>>,
}

impl Tables {
    pub(super) fn section(&self, site: &Site, i: usize) -> Value {
        self.sections[i]
            .get_or_init(|| {
                let e = &site.entries[i];
                let mut map = tera::Map::new();
                if let Some(m) = self.by_entry[i].as_map() {
                    for (k, v) in m.iter() {
                        map.insert(k.clone(), v.clone());
                    }
                }
                let pages: Vec<Value> = e.pages.iter().map(|&p| self.by_entry[p].clone()).collect();
                let subs: Vec<Value> = e
                    .subsections
                    .iter()
                    .map(|&p| self.by_entry[p].clone())
                    .collect();
                map.insert("pages".into(), Value::from(pages.as_slice()));
                map.insert("subsections".into(), Value::from(subs.as_slice()));
                Value::from(map)
            })
            .clone()
    }
}

impl<'p> Prepared<'p> {
    /// A text of page `p` as shown: with French typography where its language has it.
    fn shown_text(&self, p: &marque_project::SourcePage, t: &str) -> Value {
        if self
            .lang_opts
            .get(&p.lang)
            .is_some_and(|o| o.french_typography)
        {
            Value::from(crate::markdown::french_typography(t))
        } else {
            Value::from(t)
        }
    }

    /// The terms of entry `i`, per taxonomy, each with its name, slug and address.
    fn summary_terms(&self, i: usize) -> tera::Map {
        let e = &self.site.entries[i];
        let lang = &self.project.languages[e.lang];
        let mut taxonomies = tera::Map::new();
        for (name, terms) in &e.terms {
            let list: Vec<Value> = terms
                .iter()
                .map(|t| {
                    let mut m = tera::Map::new();
                    m.insert("name".into(), Value::from(t.name.as_str()));
                    m.insert("slug".into(), Value::from(t.slug.as_str()));
                    let url = format!("{}{}/{name}/{}/", self.base_path, lang.prefix, t.slug);
                    m.insert("url".into(), Value::from(url));
                    Value::from(m)
                })
                .collect();
            taxonomies.insert(name.clone().into(), Value::from(list.as_slice()));
        }
        taxonomies
    }

    /// What listings and `get_page` show of entry `i`, built directly as a template
    /// value: on a large site these are tens of thousands of maps, and every
    /// intermediate copy costs memory.
    fn make_summary(&self, i: usize) -> Value {
        let e = &self.site.entries[i];
        let p = &self.project.pages[e.source];
        let md = &self.md[e.source];
        let lang = &self.project.languages[e.lang];
        let opt = |v: Option<String>| v.map(Value::from).unwrap_or_else(Value::none);
        let content_dir = self
            .project
            .language(&p.lang)
            .map(|l| l.dir.as_str())
            .unwrap_or("ltr");
        let description = p.front.description.as_deref();
        let mut m = tera::Map::new();
        m.insert("title".into(), self.shown_text(p, p.title()));
        m.insert(
            "description".into(),
            description
                .map(|d| self.shown_text(p, d))
                .unwrap_or_else(Value::none),
        );
        m.insert("date".into(), opt(p.front.date.map(|d| d.ymd())));
        m.insert("updated".into(), opt(p.front.updated.map(|d| d.ymd())));
        m.insert(
            "weight".into(),
            p.front.weight.map(Value::from).unwrap_or_else(Value::none),
        );
        m.insert(
            "url".into(),
            Value::from(format!("{}{}", self.base_path, e.path)),
        );
        m.insert("path".into(), Value::from(e.path.as_str()));
        let permalink = format!("{}{}", self.shared.base_url, e.path);
        m.insert("permalink".into(), Value::from(permalink));
        m.insert("lang".into(), Value::from(lang.code.as_str()));
        m.insert("content_lang".into(), Value::from(p.lang.as_str()));
        m.insert("content_dir".into(), Value::from(content_dir));
        m.insert("is_fallback".into(), Value::from(e.is_fallback));
        m.insert(
            "is_section".into(),
            Value::from(e.kind == EntryKind::Section),
        );
        m.insert("key".into(), Value::from(e.key.as_str()));
        let source = p.path.to_string_lossy().replace('\\', "/");
        m.insert("source".into(), Value::from(source));
        m.insert("taxonomies".into(), Value::from(self.summary_terms(i)));
        m.insert("extra".into(), Value::from_serializable(&p.front.extra));
        m.insert("summary".into(), Value::from(md.summary.as_str()));
        m.insert(
            "reading_time".into(),
            Value::from(md.word_count.div_ceil(200)),
        );
        Value::from(m)
    }

    /// Every entry's summary: the last build's where its hash is the same, else made.
    pub(super) fn build_tables(&self) -> Tables {
        let site = &self.site;
        let summary = |i: usize| self.make_summary(i);
        // A summary is made of its entry, its source's front matter and its Markdown
        // summary and length (their hash: see `keys`), and of the configuration.
        let keys: Vec<[u8; 32]> = self.summary_hashes().to_vec();
        let global = self.global_key();
        let previous = self.previous_tables.as_ref().filter(|t| t.global == global);
        // The last build's summary of the same hash, at the same place or (when pages
        // came or went) elsewhere.
        let moved: OnceLock<rustc_hash::FxHashMap<[u8; 32], usize>> = OnceLock::new();
        let by_entry: Vec<Value> = (0..site.entries.len())
            .into_par_iter()
            .map(|i| {
                let Some(t) = previous else {
                    return summary(i);
                };
                if t.keys.get(i) == Some(&keys[i]) {
                    return t.by_entry[i].clone();
                }
                let moved =
                    moved.get_or_init(|| t.keys.iter().enumerate().map(|(j, k)| (*k, j)).collect());
                match moved.get(&keys[i]) {
                    Some(&j) => t.by_entry[j].clone(),
                    None => summary(i),
                }
            })
            .collect();
        let sections = (0..site.entries.len()).map(|_| OnceLock::new()).collect();
        Tables {
            by_entry,
            keys,
            global,
            sections,
        }
    }
}
