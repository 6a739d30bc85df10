//! The site's search index: every page whose `<main>` carries `data-pagefind-body` (the
//! theme puts it on the pages that are their language's own text) is indexed per
//! language, with stemming, by pagefind, in process; its files go under `pagefind/`
//! beside the pages, with the browser code that reads them.
//!
//! Each page's record keeps the hash of what the index reads of it (its language and
//! its main content), so that the index is made again only when one of these changed,
//! a page came or went: a build that changes no indexed text reuses the index as it is.

use std::collections::BTreeMap;

use marque_project::{Diagnostic, Diagnostics};

use crate::state::{Hash32, OutputRecord};

/// The files of an index: path and bytes.
pub type IndexFiles = Vec<(String, Vec<u8>)>;

/// The folder of the index in the output.
pub const DIR: &str = "pagefind/";

/// The attribute that marks the content to index.
const BODY: &[u8] = b"data-pagefind-body";

/// The largest page read for the index (a page is never this large; a file put in
/// the output in its place is not read whole).
pub(crate) const MAX_PAGE: u64 = 64 << 20;

/// What the index reads of a page: its `<html …>` tag (the language) and its `<main>`
/// element, as a document of its own; `None` for a page that is not indexed.
pub fn indexed_part(html: &[u8]) -> Option<Vec<u8>> {
    let at = find(html, BODY, 0)?;
    let start = html[..at].iter().rposition(|&b| b == b'<')?;
    let end = find(html, b"</main>", at)
        .map(|e| e + b"</main>".len())
        .unwrap_or(html.len());
    let head = find(html, b"<html", 0)
        .and_then(|h| (h < start).then_some(h))
        .and_then(|h| find(html, b">", h).map(|e| &html[h..=e]))
        .unwrap_or(b"<html>");
    let mut doc = Vec::with_capacity(head.len() + end - start + 32);
    doc.extend_from_slice(head);
    doc.extend_from_slice(b"<body>");
    doc.extend_from_slice(&html[start..end]);
    doc.extend_from_slice(b"</body></html>");
    Some(doc)
}

/// The hash a page's record keeps of what the index reads of it.
pub fn indexed_hash(html: &[u8]) -> Option<Hash32> {
    indexed_part(html).map(|d| Hash32::of(&d))
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(hay.get(from..)?, needle).map(|p| p + from)
}

/// Checks the quick HTML reader of marque's pagefind against lol_html's on what the
/// index reads of `html` (nothing for a page not indexed): `Ok(true)` when the quick
/// reader read it and agrees, `Ok(false)` when it left it to lol_html, both readings
/// when they differ. For tests.
pub fn compare_readers(html: &[u8]) -> Result<bool, String> {
    let Some(doc) = indexed_part(html) else {
        return Ok(false);
    };
    let index = pagefind::api::PagefindIndex::new(None).map_err(|e| e.to_string())?;
    index.compare_readers(&String::from_utf8_lossy(&doc))
}

/// The key of an index: the pagefind version, the site's address and every indexed
/// page (path and hash of what is read of it), in order.
pub fn key<'a>(base_path: &str, pages: impl Iterator<Item = (&'a str, Hash32)>) -> Hash32 {
    let mut buf = Vec::new();
    buf.extend_from_slice(b"pagefind 1.6.0\0");
    buf.extend_from_slice(base_path.as_bytes());
    buf.push(0);
    for (path, h) in pages {
        buf.extend_from_slice(path.as_bytes());
        buf.push(0);
        buf.extend_from_slice(&h.0);
    }
    Hash32::of(&buf)
}

/// The indexed pages among `outputs`, sorted by path.
pub fn indexed_pages<'a>(
    outputs: impl Iterator<Item = (&'a str, &'a OutputRecord)>,
) -> Vec<(&'a str, Hash32)> {
    let mut v: Vec<(&str, Hash32)> = outputs
        .filter_map(|(p, r)| r.search.map(|h| (p, h)))
        .collect();
    v.sort_unstable_by(|a, b| a.0.cmp(b.0));
    v
}

/// True when the previous build's index (its records in `previous`) was made with
/// `key` and every file of it is still there (`present`, asked in parallel: an index
/// has a file per page).
pub fn reusable(
    previous: &BTreeMap<String, OutputRecord>,
    key: Hash32,
    present: impl Fn(&str, u64) -> bool + Sync,
) -> bool {
    use rayon::prelude::*;
    let files: Vec<(&String, &OutputRecord)> = previous
        .range(DIR.to_string()..)
        .take_while(|(path, _)| path.starts_with(DIR))
        .collect();
    !files.is_empty()
        && files.iter().all(|(_, r)| r.key == key)
        && files.par_iter().all(|(path, r)| present(path, r.size))
}

/// The files of the browser's side of pagefind that the theme does not use (its own
/// search page reads `pagefind.js`, without a worker): left out of the site.
fn unused(name: &str) -> bool {
    name.starts_with("pagefind-ui.")
        || name.starts_with("pagefind-modular-ui.")
        || name.starts_with("pagefind-component-ui.")
        || name.starts_with("pagefind-highlight.")
        || name == "pagefind-worker.js"
        || name.starts_with("playground/")
}

/// The language a page's `<html lang="…">` tag gives (`""` when it gives none).
fn language_of(doc: &[u8]) -> String {
    let head = &doc[..doc.iter().position(|&b| b == b'>').unwrap_or(doc.len())];
    find(head, b" lang=\"", 0)
        .and_then(|at| {
            let from = at + b" lang=\"".len();
            let len = head[from..].iter().position(|&b| b == b'"')?;
            std::str::from_utf8(&head[from..from + len]).ok()
        })
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Makes the index of `pages` (their output paths), whose HTML `read` gives: its files,
/// by output path (under [`DIR`]), sorted. The languages' indexes are made side by
/// side, then their entry files are merged into one. A page that cannot be read, or a failure of pagefind, is an
/// error naming it. `stop` is asked between pages: when it says yes, the work is
/// dropped and the answer is `None` (`marque serve` stops an index when a save
/// comes, and makes the newer one).
pub fn make(
    base_path: &str,
    pages: &[&str],
    read: &(dyn Fn(&str) -> std::io::Result<Vec<u8>> + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<IndexFiles>, Diagnostics> {
    let read_part = |rel: &str| read(rel).map(|html| indexed_part(&html).unwrap_or_default());
    make_from_parts(base_path, pages, &read_part, stop)
}

/// [`make`], given what the index reads of each page ([`indexed_part`]; empty for a
/// page not indexed) rather than its HTML: a build keeps it from the rendering.
pub fn make_from_parts(
    base_path: &str,
    pages: &[&str],
    read_part: &(dyn Fn(&str) -> std::io::Result<Vec<u8>> + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<IndexFiles>, Diagnostics> {
    use rayon::prelude::*;
    let docs: Vec<(String, String, String)> = pages
        .par_iter()
        .map(|rel| {
            let doc = read_part(rel).map_err(|e| {
                Diagnostic::error(*rel, format!("cannot read it for the search index: {e}"))
            })?;
            let url = format!(
                "{base_path}/{}",
                rel.strip_suffix("index.html").unwrap_or(rel)
            );
            let language = language_of(&doc);
            // (No copy when the page is UTF-8, as marque writes it.)
            let doc = String::from_utf8(doc)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            Ok((language, url, doc))
        })
        .collect::<Result<_, Diagnostic>>()
        .map_err(Diagnostics::from)?;
    let mut by_lang: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (lang, url, doc) in docs {
        by_lang.entry(lang).or_default().push((url, doc));
    }
    let fail = |e: String| Diagnostics::from(Diagnostic::error(DIR, e));
    if stop() {
        return Ok(None);
    }
    // Each language on its own task of the caller's thread pool (serve's is a
    // low-priority one), its pages parsed in parallel there too.
    let made: Vec<Result<Option<IndexFiles>, String>> = by_lang
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|docs| index_one_language(docs, stop))
        .collect();
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut entries: Vec<serde_json::Value> = Vec::new();
    for one in made {
        let Some(one) = one.map_err(fail)? else {
            return Ok(None);
        };
        for (name, bytes) in one {
            if name == "pagefind-entry.json" {
                let entry = serde_json::from_slice(&bytes).map_err(|e| {
                    fail(format!(
                        "pagefind wrote an entry file marque cannot read: {e}"
                    ))
                })?;
                entries.push(entry);
            } else {
                // The files every language's index has (the script, the fallback
                // WebAssembly) are the same in each.
                files.entry(name).or_insert(bytes);
            }
        }
    }
    if let Some(entry) = merge_entries(entries) {
        files.insert("pagefind-entry.json".into(), entry);
    }
    Ok(Some(
        files
            .into_iter()
            .filter(|(name, _)| !unused(name) && crate::state::plain_path(name))
            .map(|(name, bytes)| (format!("{DIR}{name}"), bytes))
            .collect(),
    ))
}

/// The gzip level of the index's files (libdeflate's levels, in marque's pagefind).
/// Measured on a 10,000-page index (67 MB before compression, one thread): level 1
/// 0.36 s for 28.7 MB, 2 0.52 s for 28.6 MB, 6 0.72 s for 28.0 MB; pagefind's own
/// gzip (zlib) at 9 took a third of the index's time.
const GZIP_LEVEL: u32 = 1;

/// Pages read in parallel between two questions to `stop`.
const BATCH: usize = 512;

/// One language's index, made by pagefind from its pages (URL, document): its files,
/// by name inside [`DIR`].
fn index_one_language(
    docs: Vec<(String, String)>,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<IndexFiles>, String> {
    let config = pagefind::options::PagefindServiceConfig::builder().build();
    let mut index = pagefind::api::PagefindIndex::new(Some(config))
        .map_err(|e| format!("cannot start the search indexer: {e}"))?;
    index.set_compression_level(GZIP_LEVEL);
    let mut docs = docs;
    while !docs.is_empty() {
        if stop() {
            return Ok(None);
        }
        let rest = docs.split_off(docs.len().min(BATCH));
        let batch = std::mem::replace(&mut docs, rest);
        let first = batch.first().map(|d| d.0.clone()).unwrap_or_default();
        index
            .add_html_documents(batch)
            .map_err(|e| format!("cannot index the pages from {first}: {e}"))?;
    }
    if stop() {
        return Ok(None);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the search indexer: {e}"))?;
    let files = runtime
        .block_on(index.get_files())
        .map(Some)
        .map_err(|e| format!("cannot write the search index: {e}"))?;
    let Some(files) = files else {
        return Ok(None);
    };
    Ok(Some(
        files
            .into_iter()
            .map(|f| {
                let name = f.filename.to_string_lossy().replace('\\', "/");
                let name = name
                    .trim_start_matches("./")
                    .trim_start_matches('/')
                    .trim_start_matches(DIR)
                    .to_string();
                (name, f.contents)
            })
            .collect(),
    ))
}

/// One entry file for the languages' indexes: their `languages` maps together, in
/// the order of their codes; the rest (pagefind's version, the characters it keeps)
/// is the same in each.
fn merge_entries(entries: Vec<serde_json::Value>) -> Option<Vec<u8>> {
    let mut merged = entries.first()?.clone();
    let mut languages: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for e in &entries {
        if let Some(map) = e.get("languages").and_then(|l| l.as_object()) {
            for (code, v) in map {
                languages.insert(code.clone(), v.clone());
            }
        }
    }
    let object: serde_json::Map<String, serde_json::Value> = languages.into_iter().collect();
    if let Some(m) = merged.as_object_mut() {
        m.insert("languages".into(), serde_json::Value::Object(object));
    }
    serde_json::to_vec(&merged).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page as the theme writes it, around `main`.
    fn page(lang: &str, main: &str) -> Vec<u8> {
        format!("<!doctype html><html lang=\"{lang}\"><head><title>T</title></head><body><header><nav><a href=\"/\">Accueil</a></nav></header><main id=\"main\" data-pagefind-body>{main}</main><footer>Pied</footer></body></html>").into_bytes()
    }

    #[test]
    fn the_quick_html_reader_reads_what_lol_html_reads_or_leaves_it_to_it() {
        // Read by the quick reader, and the same as lol_html's reading.
        let read_quickly = [
            r#"<span hidden data-pagefind-ignore data-pagefind-meta="section">Actualités</span><article><header><nav class="breadcrumb" data-pagefind-ignore><ol><li><a href="/a/">A</a></li></ol></nav><h1>La flamme &amp; le &#39;port&#39;</h1><p class="meta" data-pagefind-ignore>Publié le <time datetime="2024-05-08">8 mai</time></p></header><figure><img src="/p.jpg" alt="Le port" width="10" height="10"><figcaption>Le Vieux-Port</figcaption></figure><div class="prose"><h2 id="arrivee">L’arrivée <em id="em1">du</em> <a href="/b/?x=1&amp;y=2">Belem</a></h2><p>Un texte<br>sur deux lignes,<br/>et&nbsp;une fin</p><!-- un commentaire <p>caché</p> --><ul><li>Un</li><li>Deux <strong>gras</strong></li></ul><h3 id="sous titre">Sous-titre</h3><pre><code>let x = 1;</code></pre><blockquote><p>Citation ?</p></blockquote></div><footer class="article-foot"><h2>Thèmes</h2><ul><li>t</li></ul></footer></article>"#,
            r#"<h1 id="t">Titre</h1><span hidden data-pagefind-meta="weight:2"></span><div data-pagefind-weight="3"><p>Pesé</p></div><div data-pagefind-ignore="all"><span data-pagefind-meta="hidden:1"></span><p id="x">Exclu</p></div><section data-pagefind-ignore="index"><h2 id="y">Ignoré</h2></section><p>Après</p>"#,
            r#"<h1>Couleurs</h1><table><caption>Nuancier</caption><thead><tr><th id="c">Couleur</th><th>Hex</th></tr></thead><tbody><tr><td>Bleu</td><td>#0055A4</td></tr></tbody></table><svg id="fig" viewBox="0 0 10 10" role="img"><defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs><rect x="0" y="0" width="5" height="5"/><text x="1" y="1">Légende</text><image href="/i.png"/></svg><p>Fin</p>"#,
            r#"<H1 CLASS=titre>Majuscules</H1><P>Texte <A HREF=/x/>lien</A></P><script src="/js/embed.js" defer></script><form action="/recherche/"><label for="q">Chercher</label><input id="q" name="q"></form><p>Fin</p>"#,
            r#"<h1>يافطة</h1><p dir="rtl">مرسيليا بروفانس، <b>الميناء</b></p>"#,
        ];
        for main in read_quickly {
            assert_eq!(compare_readers(&page("fr", main)), Ok(true), "{main}");
        }
        // Outside what it reads: left to lol_html (`Ok(false)`), never read otherwise.
        let left = [
            "<ul><li>Un<li>Deux</ul>",
            "<p>Un <div>bloc</div></p>",
            r#"<p id="a&amp;b">Référence dans un id lu</p>"#,
            r#"<div data-pagefind-filter="type:news">Filtre</div>"#,
            r#"<iframe src="/x"></iframe>"#,
            "<p>1 < 2</p>",
            "<p>Ouvert",
            "<script>let x = '<p>';</script>",
            "<math><mi>x</mi></math>",
            "<div/>",
            r#"<p class="x>Jamais fermé"#,
            "<!-- jamais fermé",
            r#"<p data-pagefind-meta="image[src]">x</p>"#,
            r#"<div data-pagefind-ignore="quoi">x</div>"#,
            "<p>Fin de ligne Windows\r\nici</p>",
            "<p>Un \0 nul</p>",
        ];
        for main in left {
            assert_eq!(compare_readers(&page("fr", main)), Ok(false), "{main}");
        }
        // A page nested very deeply: read without recursion, the same as lol_html's.
        let deep = format!("{}x{}", "<div>".repeat(20_000), "</div>".repeat(20_000));
        assert_eq!(compare_readers(&page("en", &deep)), Ok(true));
        // Not indexed: nothing to compare.
        assert_eq!(
            compare_readers(b"<html><body><p>x</p></body></html>"),
            Ok(false)
        );
    }

    /// A random well-formed piece of HTML from the constructs the theme and
    /// Markdown write (and pagefind's attributes), `depth` levels deep at most.
    fn random_html(seed: &mut u64, depth: u32, inline: bool, svg: bool, out: &mut String) {
        fn next(seed: &mut u64, n: u64) -> u64 {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed % n
        }
        const OPEN: &[(&str, &str)] = &[
            ("<p>", "</p>"),
            ("<div>", "</div>"),
            ("<div id=\"d\">", "</div>"),
            ("<section data-pagefind-ignore>", "</section>"),
            ("<div data-pagefind-ignore=\"all\">", "</div>"),
            ("<div data-pagefind-weight=\"4\">", "</div>"),
            ("<div data-pagefind-body>", "</div>"),
            ("<h1>", "</h1>"),
            ("<h2 id=\"t\">", "</h2>"),
            ("<h3>", "</h3>"),
            ("<em>", "</em>"),
            ("<a href=\"/x/?a=1&amp;b=2\" id=\"l\">", "</a>"),
            ("<strong>", "</strong>"),
            ("<span data-pagefind-meta=\"kind:note\">", "</span>"),
            ("<span data-pagefind-meta=\"label\">", "</span>"),
            ("<ul>", "</ul>"),
            ("<li>", "</li>"),
            ("<table>", "</table>"),
            ("<td>", "</td>"),
            ("<footer>", "</footer>"),
            ("<nav>", "</nav>"),
            ("<svg id=\"s\">", "</svg>"),
            ("<blockquote>", "</blockquote>"),
        ];
        const LEAF: &[&str] = &[
            "La flamme ",
            "arrive à Marseille. ",
            "l&#39;équipe &amp; le port ",
            "  \n ",
            "<br>",
            "<img src=\"/i.png\" alt=\"Le port\">",
            "<!-- note -->",
            "Fin?",
            "مرسيليا ",
            "<rect/>",
        ];
        // In a `<p>`, only inline elements (a block would close it); in an SVG
        // drawing only groups and `<rect/>` (an HTML element there ends it).
        const INLINE: &[&str] = &["<em>", "<a ", "<strong>", "<span "];
        for _ in 0..=next(seed, 4) {
            if depth == 0 || next(seed, 3) == 0 {
                let leaf = LEAF[next(seed, LEAF.len() as u64) as usize];
                let html_only = leaf.starts_with("<br") || leaf.starts_with("<img");
                if (leaf == "<rect/>" && !svg) || (html_only && svg) {
                    out.push_str("texte ");
                } else {
                    out.push_str(leaf);
                }
            } else {
                let (open, close) = if svg {
                    ("<g>", "</g>")
                } else {
                    OPEN[next(seed, OPEN.len() as u64) as usize]
                };
                if inline && !INLINE.iter().any(|i| open.starts_with(i)) {
                    out.push_str("mot ");
                    continue;
                }
                out.push_str(open);
                let inline = inline || open == "<p>";
                random_html(
                    seed,
                    depth - 1,
                    inline,
                    svg || open.starts_with("<svg"),
                    out,
                );
                out.push_str(close);
            }
        }
    }

    #[test]
    fn the_quick_html_reader_agrees_with_lol_html_on_random_pages() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let (mut quick, mut total) = (0, 0);
        for _ in 0..3000 {
            let mut main = String::new();
            random_html(&mut seed, 6, false, false, &mut main);
            match compare_readers(&page("fr", &main)) {
                Ok(true) => quick += 1,
                Ok(false) => {}
                Err(e) => panic!("{main}\n{e}"),
            }
            total += 1;
        }
        // All of these are well-formed: nearly all are read quickly.
        assert!(quick * 10 >= total * 9, "{quick} of {total} read quickly");
    }

    /// The words of an index's chunks, as CBOR text strings (`run` is `0x63 r u n`).
    fn index_words(files: &IndexFiles, lang: &str) -> Vec<u8> {
        use std::io::Read;
        let mut all = Vec::new();
        for (name, bytes) in files {
            if name.starts_with(&format!("{DIR}index/{lang}_")) {
                let mut d = flate2::read::GzDecoder::new(&bytes[..]);
                d.read_to_end(&mut all).unwrap();
            }
        }
        all
    }

    fn cbor_text(word: &str) -> Vec<u8> {
        let mut v = vec![0x60 + word.len() as u8];
        v.extend_from_slice(word.as_bytes());
        v
    }

    #[test]
    fn each_language_is_stemmed_its_own_way_in_batches_in_parallel() {
        // More pages than a batch, the languages interleaved, the same words in
        // both: each thread's cache of words must keep the languages apart.
        let mut pages: BTreeMap<String, String> = BTreeMap::new();
        for n in 0..(BATCH + 40) {
            for (lang, prefix) in [("fr", ""), ("en", "en/")] {
                pages.insert(
                    format!("{prefix}p{n:04}/index.html"),
                    format!(
                        "<html lang=\"{lang}\"><body><main data-pagefind-body><h1>Page {n}</h1><p>running chevaux mot{n}</p></main></body></html>"
                    ),
                );
            }
        }
        let paths: Vec<&str> = pages.keys().map(String::as_str).collect();
        let read = |rel: &str| Ok(pages[rel].clone().into_bytes());
        // On one thread (both languages go through the same cache), then on four.
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| make("", &paths, &read, &|| false).unwrap().unwrap())
        };
        let files = on(1);
        assert_eq!(files, on(4), "the index depends on the threads");
        let has = |hay: &[u8], w: &str| {
            let text = cbor_text(w);
            hay.windows(text.len()).any(|x| x == text)
        };
        let en = index_words(&files, "en");
        let fr = index_words(&files, "fr");
        // English: "running" is stemmed to "run", "chevaux" is left as it is.
        assert!(has(&en, "run") && has(&en, "chevaux"));
        assert!(!has(&en, "cheval"));
        // French: "chevaux" is stemmed to "cheval", "running" is not stemmed to "run".
        assert!(has(&fr, "cheval") && !has(&fr, "run"));
        // Every page is in its language's index, the last batch too.
        assert!(has(&fr, &format!("mot{}", BATCH + 39)) && has(&en, &format!("mot{}", BATCH + 39)));
        let entry: serde_json::Value = serde_json::from_slice(
            &files
                .iter()
                .find(|f| f.0 == "pagefind/pagefind-entry.json")
                .unwrap()
                .1,
        )
        .unwrap();
        for lang in ["fr", "en"] {
            assert_eq!(
                entry["languages"][lang]["page_count"],
                BATCH + 40,
                "{entry}"
            );
        }
        // Asked to stop: no index.
        assert!(make("", &paths, &read, &|| true).unwrap().is_none());
    }

    /// A CBOR value of the word index (only what its files use).
    #[derive(Debug, PartialEq)]
    enum Cbor {
        Int(i64),
        Text(String),
        Array(Vec<Cbor>),
    }

    fn read_cbor(bytes: &[u8], at: &mut usize) -> Cbor {
        let head = bytes[*at];
        *at += 1;
        let (major, info) = (head >> 5, head & 0x1f);
        let mut arg = |info: u8| -> u64 {
            let n = match info {
                0..=23 => return u64::from(info),
                24 => 1,
                25 => 2,
                26 => 4,
                _ => 8,
            };
            let v = bytes[*at..*at + n]
                .iter()
                .fold(0u64, |v, b| (v << 8) | u64::from(*b));
            *at += n;
            v
        };
        let n = arg(info);
        match major {
            0 => Cbor::Int(n as i64),
            1 => Cbor::Int(-1 - n as i64),
            3 => {
                let text = String::from_utf8(bytes[*at..*at + n as usize].to_vec()).unwrap();
                *at += n as usize;
                Cbor::Text(text)
            }
            4 => Cbor::Array((0..n).map(|_| read_cbor(bytes, at)).collect()),
            _ => panic!("unexpected CBOR type {major}"),
        }
    }

    /// Every word of a language's index: word → (pages, forms), a page being
    /// (page number delta, locations, meta locations).
    #[allow(clippy::type_complexity)]
    fn decoded_words(
        files: &IndexFiles,
        lang: &str,
    ) -> BTreeMap<
        String,
        (
            Vec<(i64, usize, usize)>,
            Vec<(String, Vec<(i64, usize, usize)>)>,
        ),
    > {
        use std::io::Read;
        let pages = |v: &Cbor| -> Vec<(i64, usize, usize)> {
            let Cbor::Array(pages) = v else { panic!() };
            pages
                .iter()
                .map(|p| match p {
                    Cbor::Array(f) => match (&f[0], &f[1], &f[2]) {
                        (Cbor::Int(n), Cbor::Array(l), Cbor::Array(m)) => (*n, l.len(), m.len()),
                        _ => panic!("{p:?}"),
                    },
                    _ => panic!("{p:?}"),
                })
                .collect()
        };
        let mut words = BTreeMap::new();
        for (name, bytes) in files {
            if !name.starts_with(&format!("{DIR}index/{lang}_")) {
                continue;
            }
            let mut raw = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut raw)
                .unwrap();
            assert!(raw.starts_with(b"pagefind_dcd"));
            let Cbor::Array(index) = read_cbor(&raw, &mut 12) else {
                panic!()
            };
            let Cbor::Array(list) = &index[0] else {
                panic!()
            };
            for w in list {
                let Cbor::Array(f) = w else { panic!() };
                let Cbor::Text(word) = &f[0] else { panic!() };
                let Cbor::Array(variants) = &f[2] else {
                    panic!()
                };
                let forms = variants
                    .iter()
                    .map(|v| match v {
                        Cbor::Array(v) => match &v[0] {
                            Cbor::Text(form) => (form.clone(), pages(&v[1])),
                            _ => panic!(),
                        },
                        _ => panic!(),
                    })
                    .collect();
                words.insert(word.clone(), (pages(&f[1]), forms));
            }
        }
        words
    }

    #[test]
    fn words_with_accents_and_words_of_the_meta_keep_their_pages_and_places() {
        // Page 0: "Été" in the title (and so the meta), "été" and "ete" in the
        // text, a section name only in the meta; page 1: "Marseille" again.
        let pages: BTreeMap<String, String> = [
            (
                "a/index.html",
                "<h1>Été</h1><span hidden data-pagefind-ignore data-pagefind-meta=\"section\">Rubriqueunique</span><p>L’été à Marseille, ete comme été.</p>",
            ),
            ("b/index.html", "<h1>Autre</h1><p>Marseille encore, sans accent : ete.</p>"),
        ]
        .into_iter()
        .map(|(path, main)| {
            (
                path.to_string(),
                format!("<html lang=\"fr\"><body><main data-pagefind-body>{main}</main></body></html>"),
            )
        })
        .collect();
        let paths: Vec<&str> = pages.keys().map(String::as_str).collect();
        let read = |rel: &str| Ok(pages[rel].clone().into_bytes());
        let files = make("", &paths, &read, &|| false).unwrap().unwrap();
        let words = decoded_words(&files, "fr");
        // (French stems: "marseil", "rubriqueun".) Both pages, in order: page 0,
        // then 1 more; places in the text, none in the meta.
        let (marseille, forms) = &words["marseil"];
        assert_eq!(marseille.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 1]);
        assert!(forms.is_empty() && marseille.iter().all(|p| p.1 > 0 && p.2 == 0));
        // A word of the meta only: on page 0, no place in the text, its meta places.
        let (section, _) = &words["rubriqueun"];
        assert_eq!(section.len(), 1, "{words:?}");
        assert!(
            section[0].0 == 0 && section[0].1 == 0 && section[0].2 > 0,
            "{section:?}"
        );
        // "ete" on both pages as it is written; "été" a form of it on page 0, in
        // the text (twice, and the title) and in the meta (the title).
        let (ete, forms) = &words["ete"];
        assert_eq!(
            ete.iter().map(|p| p.0).collect::<Vec<_>>(),
            [0, 1],
            "{ete:?}"
        );
        assert!(ete.iter().all(|p| p.1 > 0 && p.2 == 0), "{ete:?}");
        let ete_accented = forms.iter().find(|f| f.0 == "été").unwrap();
        assert_eq!(ete_accented.1.len(), 1, "{forms:?}");
        let (page, locs, meta) = ete_accented.1[0];
        assert!(page == 0 && locs > ete[0].1 && meta > 0, "{forms:?}");
    }

    #[test]
    fn the_index_reads_the_language_and_the_main_element_only() {
        let page = br#"<!doctype html><html lang="fr" dir="ltr"><head><title>T</title></head><body><header>Menu</header><main id="main" data-pagefind-body><h1>Flamme</h1></main><footer>Pied</footer></body></html>"#;
        let doc = String::from_utf8(indexed_part(page).unwrap()).unwrap();
        assert_eq!(
            doc,
            r#"<html lang="fr" dir="ltr"><body><main id="main" data-pagefind-body><h1>Flamme</h1></main></body></html>"#
        );
        assert_eq!(indexed_part(b"<html><main>x</main></html>"), None);
        // The same main content with another menu: same hash.
        let other = String::from_utf8_lossy(page).replace("Menu", "Autre menu");
        assert_eq!(indexed_hash(page), indexed_hash(other.as_bytes()));
        assert_eq!(language_of(doc.as_bytes()), "fr");
        assert_eq!(language_of(b"<html><body></body></html>"), "");
        let edited = String::from_utf8_lossy(page).replace("Flamme", "Flammes");
        assert_ne!(indexed_hash(page), indexed_hash(edited.as_bytes()));
    }
}
