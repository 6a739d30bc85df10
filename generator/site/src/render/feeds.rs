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
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// Appends `parts` joined, percent-encoded as [`encode_url`] does and escaped for XML
/// as [`xml_escape`] does, in one pass without a copy (the sitemap writes ten thousand).
fn push_xml_url(out: &mut String, parts: &[&str]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for part in parts {
        // Most addresses need nothing: copied at once.
        if part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:/".contains(&b))
        {
            out.push_str(part);
            continue;
        }
        for b in part.bytes() {
            match b {
                b'&' => out.push_str("&amp;"),
                b'\'' => out.push_str("&#39;"),
                b if b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$()*+,;=%".contains(&b) => {
                    out.push(b as char)
                }
                b => {
                    out.push('%');
                    out.push(HEX[usize::from(b >> 4)] as char);
                    out.push(HEX[usize::from(b & 15)] as char);
                }
            }
        }
    }
}

/// What a feed lists.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FeedOf {
    /// Every dated page of a language (index into the languages).
    Language(usize),
    /// The dated pages under a section (entry index), at any depth.
    Section(usize),
}

impl<'p> Prepared<'p> {
    pub(super) fn feed_entries(&self, li: usize) -> Vec<usize> {
        self.newest(
            self.site
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.lang == li && self.in_feeds(e))
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// Whether entry `e` is listed by feeds: a dated page in its own language.
    fn in_feeds(&self, e: &crate::model::Entry) -> bool {
        e.kind == EntryKind::Page
            && !e.is_fallback
            && self.project.pages[e.source].front.date.is_some()
    }

    /// The sections that have a feed, each with the newest of its dated pages (at any
    /// depth below it), by entry index: every section but the languages' home pages
    /// (their feed is the language's) and copies of another language's section.
    pub(super) fn section_feeds(&self) -> &[(usize, Vec<usize>)] {
        self.section_feeds.get_or_init(|| self.find_section_feeds())
    }

    fn find_section_feeds(&self) -> Vec<(usize, Vec<usize>)> {
        let mut under: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, e) in self.site.entries.iter().enumerate() {
            if !self.in_feeds(e) {
                continue;
            }
            let mut up = e.parent;
            while let Some(s) = up {
                let sec = &self.site.entries[s];
                if sec.dir.is_empty() {
                    break;
                }
                if !sec.is_fallback {
                    under.entry(s).or_default().push(i);
                }
                up = sec.parent;
            }
        }
        under
            .into_iter()
            .map(|(s, list)| (s, self.newest(list)))
            .collect()
    }

    /// The pages of section `s`'s feed (none when it has no feed).
    pub(super) fn section_feed(&self, s: usize) -> &[usize] {
        let feeds = self.section_feeds();
        feeds
            .binary_search_by_key(&s, |(x, _)| *x)
            .map(|k| feeds[k].1.as_slice())
            .unwrap_or_default()
    }

    /// The newest `feed_limit` of `v`, newest first (then by address).
    fn newest(&self, mut v: Vec<usize>) -> Vec<usize> {
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

    /// The site's title, the feed's title, the address it is the feed of and its own.
    /// A section's feed is named after the section and points to it.
    fn feed_names(
        &self,
        project: &Project,
        of: FeedOf,
        li: usize,
    ) -> (String, String, String, String) {
        let lang = &self.languages[li];
        let site_title = self
            .shared
            .strings
            .get(&lang.code)
            .and_then(|(_, strings)| strings.get("site_title"))
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let base = &self.shared.base_url;
        match of {
            FeedOf::Language(_) => (
                site_title.clone(),
                site_title,
                format!("{base}{}/", lang.prefix),
                format!("{base}{}/atom.xml", lang.prefix),
            ),
            FeedOf::Section(s) => {
                let sec = &self.site.entries[s];
                let title = format!("{} · {site_title}", project.pages[sec.source].title());
                (
                    site_title,
                    title,
                    format!("{base}{}", sec.path),
                    format!("{base}{}atom.xml", sec.path),
                )
            }
        }
    }

    pub(super) fn render_feed(&self, project: &Project, of: FeedOf) -> String {
        let (li, entries) = match of {
            FeedOf::Language(li) => (li, self.feed_entries(li)),
            FeedOf::Section(s) => (self.site.entries[s].lang, self.section_feed(s).to_vec()),
        };
        let lang = &self.languages[li];
        let (site_title, title, home, feed) = self.feed_names(project, of, li);
        let base = &self.shared.base_url;
        let updated = entries
            .iter()
            .filter_map(|&e| {
                let p = &project.pages[self.site.entries[e].source];
                p.front.updated.or(p.front.date)
            })
            .max()
            .map(|d| d.rfc3339())
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        let mut out = String::new();
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        out.push_str(&format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
            lang.code
        ));
        out.push_str(&format!("  <title>{}</title>\n", xml_escape(&title)));
        out.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            xml_escape(&encode_url(&feed))
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
            let mut url = String::with_capacity(base.len() + en.path.len());
            push_xml_url(&mut url, &[base, &en.path]);
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
                xml_escape(&site_title)
            ));
            // The description, else the summary (the text above `<!-- more -->`, or
            // the first paragraph).
            let summary = p
                .front
                .description
                .as_deref()
                .unwrap_or(self.md[en.source].summary.as_str());
            if !summary.is_empty() {
                out.push_str(&format!("    <summary>{}</summary>\n", xml_escape(summary)));
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
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
        );
        // Written straight into one text (a copy per page made in parallel cost more
        // memory than the time it saved).
        out.reserve(self.site.entries.len() * 160);
        for e in self.site.entries.iter().filter(|e| !e.is_fallback) {
            self.sitemap_url(e, &mut out);
        }
        let base = &self.shared.base_url;
        // The further pages of paginated lists.
        for (i, e) in self.site.entries.iter().enumerate() {
            if let (false, Some((count, _))) = (e.is_fallback, self.pagination(i)) {
                for n in 2..=count {
                    out.push_str("  <url>\n    <loc>");
                    push_xml_url(&mut out, &[base, &self.pager_path(i, n)]);
                    out.push_str("</loc>\n  </url>\n");
                }
            }
        }
        for t in &self.site.taxonomies {
            for p in std::iter::once(&t.path).chain(t.terms.iter().map(|x| &x.path)) {
                out.push_str("  <url>\n    <loc>");
                push_xml_url(&mut out, &[base, p]);
                out.push_str("</loc>\n  </url>\n");
            }
        }
        out.push_str("</urlset>\n");
        out
    }

    /// The sitemap's `<url>` of entry `e`: its address, its date, its translations.
    fn sitemap_url(&self, e: &crate::model::Entry, out: &mut String) {
        let base = self.shared.base_url.as_str();
        out.push_str("  <url>\n    <loc>");
        push_xml_url(out, &[base, &e.path]);
        out.push_str("</loc>\n");
        let front = &self.project.pages[e.source].front;
        if let Some(d) = front.updated.or(front.date) {
            out.push_str("    <lastmod>");
            out.push_str(&d.ymd());
            out.push_str("</lastmod>\n");
        }
        let per_lang = self.site.by_key.get(&e.key);
        let alts: Vec<(&str, &str)> = per_lang
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(lj, o)| {
                let o = &self.site.entries[(*o)?];
                (!o.is_fallback).then(|| (self.languages[lj].code.as_str(), o.path.as_str()))
            })
            .collect();
        if alts.len() > 1 {
            for (code, p) in &alts {
                out.push_str("    <xhtml:link rel=\"alternate\" hreflang=\"");
                out.push_str(code);
                out.push_str("\" href=\"");
                push_xml_url(out, &[base, p]);
                out.push_str("\"/>\n");
            }
            let first = per_lang.and_then(|v| v.first().copied().flatten());
            if let Some(o) = first.map(|o| &self.site.entries[o])
                && !o.is_fallback
            {
                out.push_str("    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"");
                push_xml_url(out, &[base, &o.path]);
                out.push_str("\"/>\n");
            }
        }
        out.push_str("  </url>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_an_address_for_xml_as_encoding_then_escaping_does() {
        let base = "https://example.org";
        for path in [
            "/fr/actualites/la-flamme/",
            "/ar/الأخبار/",
            "/fr/a&b/it's \"quoted\" <x>/?q=1;r=%20#top",
            "",
        ] {
            let mut out = String::from("<loc>");
            push_xml_url(&mut out, &[base, path]);
            assert_eq!(
                out,
                format!("<loc>{}", xml_escape(&encode_url(&format!("{base}{path}"))))
            );
        }
    }
}
