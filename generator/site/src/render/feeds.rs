//! The outputs marque writes without templates: the Atom feed of each language and the
//! sitemap.

use super::*;

/// Escapes text for XML.
pub fn xml_escape(s: &str) -> String {
    crate::markdown::escape_attr(s)
}

/// Percent-encodes what a URL in XML or HTTP headers cannot carry raw.
pub fn encode_url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl<'p> Prepared<'p> {
    pub(super) fn feed_entries(&self, li: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .site
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.lang == li && e.kind == EntryKind::Page && !e.is_fallback)
            .filter(|(_, e)| self.project.pages[e.source].front.date.is_some())
            .map(|(i, _)| i)
            .collect();
        let newest_first = |a: &usize, b: &usize| {
            self.date_of(*b)
                .cmp(&self.date_of(*a))
                .then(self.site.entries[*a].path.cmp(&self.site.entries[*b].path))
        };
        // Only the newest are shown: find them without sorting every dated page (paths
        // are unique, so the order is total and the result the same).
        if v.len() > self.feed_limit {
            if self.feed_limit == 0 {
                return Vec::new();
            }
            v.select_nth_unstable_by(self.feed_limit - 1, newest_first);
            v.truncate(self.feed_limit);
        }
        v.sort_by(newest_first);
        v
    }

    pub(super) fn date_of(&self, e: usize) -> Option<Date> {
        self.project.pages[self.site.entries[e].source].front.date
    }

    pub(super) fn render_feed(&self, project: &Project, li: usize) -> String {
        let lang = &self.languages[li];
        let (_, strings) = self
            .shared
            .strings
            .get(&lang.code)
            .cloned()
            .unwrap_or_default();
        let title = strings
            .get("site_title")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let base = &self.shared.base_url;
        let entries = self.feed_entries(li);
        let updated = entries
            .iter()
            .filter_map(|&e| {
                let p = &project.pages[self.site.entries[e].source];
                p.front.updated.or(p.front.date)
            })
            .max()
            .map(|d| d.rfc3339())
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        let home = format!("{base}{}/", lang.prefix);
        let mut out = String::new();
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        out.push_str(&format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
            lang.code
        ));
        out.push_str(&format!("  <title>{}</title>\n", xml_escape(&title)));
        out.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            xml_escape(&encode_url(&format!("{base}{}/atom.xml", lang.prefix)))
        ));
        out.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml_escape(&encode_url(&home))
        ));
        out.push_str(&format!("  <id>{}</id>\n", xml_escape(&encode_url(&home))));
        out.push_str(&format!("  <updated>{updated}</updated>\n"));
        for e in entries {
            let en = &self.site.entries[e];
            let p = &project.pages[en.source];
            let url = xml_escape(&encode_url(&format!("{base}{}", en.path)));
            let date: Date = match p.front.date {
                Some(d) => d,
                None => continue,
            };
            out.push_str("  <entry>\n");
            out.push_str(&format!("    <title>{}</title>\n", xml_escape(p.title())));
            out.push_str(&format!(
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n"
            ));
            out.push_str(&format!("    <id>{url}</id>\n"));
            out.push_str(&format!("    <published>{}</published>\n", date.rfc3339()));
            out.push_str(&format!(
                "    <updated>{}</updated>\n",
                p.front.updated.unwrap_or(date).rfc3339()
            ));
            out.push_str(&format!(
                "    <author><name>{}</name></author>\n",
                xml_escape(&title)
            ));
            if let Some(d) = &p.front.description {
                out.push_str(&format!("    <summary>{}</summary>\n", xml_escape(d)));
            }
            out.push_str(&format!(
                "    <content type=\"html\">{}</content>\n",
                xml_escape(&self.content(e, false))
            ));
            out.push_str("  </entry>\n");
        }
        out.push_str("</feed>\n");
        out
    }

    pub(super) fn render_sitemap(&self) -> String {
        let base = &self.shared.base_url;
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
        );
        for e in self.site.entries.iter().filter(|e| !e.is_fallback) {
            out.push_str("  <url>\n");
            out.push_str(&format!(
                "    <loc>{}</loc>\n",
                xml_escape(&encode_url(&format!("{base}{}", e.path)))
            ));
            if let Some(d) = self.summary(e.lang, &e.key).and_then(|s| {
                s.get_from_path("updated")
                    .and_then(|d| d.as_str().map(String::from))
                    .or_else(|| {
                        s.get_from_path("date")
                            .and_then(|d| d.as_str().map(String::from))
                    })
            }) {
                out.push_str(&format!("    <lastmod>{d}</lastmod>\n"));
            }
            let mut alts = Vec::new();
            for (lj, l) in self.languages.iter().enumerate() {
                if let Some(o) = self.site.entry_for(lj, &e.key)
                    && !self.site.entries[o].is_fallback
                {
                    alts.push((l.code.clone(), self.site.entries[o].path.clone()));
                }
            }
            if alts.len() > 1 {
                for (code, p) in &alts {
                    out.push_str(&format!(
                        "    <xhtml:link rel=\"alternate\" hreflang=\"{code}\" href=\"{}\"/>\n",
                        xml_escape(&encode_url(&format!("{base}{p}")))
                    ));
                }
                if let Some(o) = self.site.entry_for(0, &e.key)
                    && !self.site.entries[o].is_fallback
                {
                    out.push_str(&format!(
                        "    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>\n",
                        xml_escape(&encode_url(&format!("{base}{}", self.site.entries[o].path)))
                    ));
                }
            }
            out.push_str("  </url>\n");
        }
        for t in &self.site.taxonomies {
            for p in std::iter::once(&t.path).chain(t.terms.iter().map(|x| &x.path)) {
                out.push_str(&format!(
                    "  <url>\n    <loc>{}</loc>\n  </url>\n",
                    xml_escape(&encode_url(&format!("{base}{p}")))
                ));
            }
        }
        out.push_str("</urlset>\n");
        out
    }
}
