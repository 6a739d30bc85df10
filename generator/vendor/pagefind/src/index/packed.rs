//! marque: a page's words packed for the index in three flat lists (its words and
//! forms as one text, every location list as one list of bytes, one small entry per
//! word or form), and the site's words as references into them. pagefind kept a
//! `PackedWord` per word and page (a string, a list of pages, a list of locations:
//! three allocations each, about a hundred bytes); at 10,000 pages that was most of
//! the index's memory and time. The word index files come out the same: each chunk's
//! `PackedWord`s are made from the references just before it is encoded.
//!
//! Locations are kept as variable-length numbers (zigzag, then 7 bits a byte): most
//! are small deltas, one byte instead of the four of an `i32`. At 10,000 pages that
//! was a quarter of the index's memory, and memory is time: every fresh megabyte
//! costs the kernel a page fault and a page to zero.

use hashbrown::HashMap;
use std::collections::BTreeMap;

#[cfg(test)]
use super::index_words::{PackedPage, PackedVariant, PackedWord};
use crate::fossick::{FossickedWord, MetaFossickedWord};

/// A stretch of a page's text or locations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    const EMPTY: Span = Span { start: 0, end: 0 };

    fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

const NO_META: u32 = u32::MAX;

/// The form of an entry that is the word itself.
const NO_FORM: Span = Span {
    start: u32::MAX,
    end: u32::MAX,
};

/// Appends `v` as a variable-length number: zigzag (small negatives small too), then
/// 7 bits a byte, the last byte of a number under 0x80.
pub(super) fn push_varint(out: &mut Vec<u8>, v: i32) {
    let mut z = ((v << 1) ^ (v >> 31)) as u32;
    while z >= 0x80 {
        out.push(z as u8 | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// How many numbers `bytes` holds (each ends with a byte under 0x80).
fn varint_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b < 0x80).count()
}

/// The numbers of `bytes`, as [`push_varint`] wrote them.
fn varints(bytes: &[u8]) -> impl Iterator<Item = i32> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let mut z: u32 = 0;
        let mut shift = 0;
        loop {
            let b = *bytes.get(at)?;
            at += 1;
            z |= u32::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            shift += 7;
            if b < 0x80 {
                return Some(((z >> 1) as i32) ^ -((z & 1) as i32));
            }
        }
    })
}

/// CBOR's major types marque writes (RFC 8949, 3.1), shifted into place.
const UNSIGNED: u8 = 0;
const NEGATIVE: u8 = 1 << 5;
const TEXT: u8 = 3 << 5;
const ARRAY: u8 = 4 << 5;

/// A CBOR head: the major type and `n` in the fewest bytes (as minicbor writes it).
fn cbor_head(out: &mut Vec<u8>, major: u8, n: u64) {
    if n < 24 {
        out.push(major | n as u8);
    } else if n <= u64::from(u8::MAX) {
        out.extend_from_slice(&[major | 24, n as u8]);
    } else if n <= u64::from(u16::MAX) {
        out.push(major | 25);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n <= u64::from(u32::MAX) {
        out.push(major | 26);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(major | 27);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn cbor_i32(out: &mut Vec<u8>, v: i32) {
    if v >= 0 {
        cbor_head(out, UNSIGNED, v as u64);
    } else {
        // -1 - v, which is never negative.
        cbor_head(out, NEGATIVE, (-1 - i64::from(v)) as u64);
    }
}

fn cbor_str(out: &mut Vec<u8>, s: &str) {
    cbor_head(out, TEXT, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// A word of a page, or one of its forms with diacritics: where its locations are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    word: Span,
    /// The form with diacritics, for a variant; `NO_FORM` for the word itself.
    form: Span,
    /// Where its locations end in `PagePacked::locs` (they start where the previous
    /// entry's end).
    locs_end: u32,
    /// Its meta locations (an index into `PagePacked::meta`), or `NO_META`.
    meta: u32,
}

impl Entry {
    fn form(&self) -> Option<Span> {
        (self.form != NO_FORM).then_some(self.form)
    }
}

/// One page's words, packed.
#[derive(Clone, Debug, Default)]
pub(crate) struct PagePacked {
    text: String,
    /// Every entry's locations, one after the other, as variable-length numbers.
    locs: Vec<u8>,
    entries: Vec<Entry>,
    meta: Vec<Vec<i32>>,
}

impl PagePacked {
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn str(&self, span: Span) -> &str {
        &self.text[span.range()]
    }

    /// The entries, each with the bytes of its locations.
    fn entries_with_locs(&self) -> impl Iterator<Item = (&Entry, Span)> + '_ {
        let mut start = 0;
        self.entries.iter().map(move |e| {
            let locs = Span {
                start,
                end: e.locs_end,
            };
            start = e.locs_end;
            (e, locs)
        })
    }

    /// Puts `s` in the page's text; `None` past 4 GiB (never for a page marque reads,
    /// which is at most 64 MiB).
    fn push_text(&mut self, s: &str) -> Option<Span> {
        let start = u32::try_from(self.text.len()).ok()?;
        let end = u32::try_from(self.text.len() + s.len()).ok()?;
        self.text.push_str(s);
        Some(Span { start, end })
    }

    /// Puts the locations of `positions` after the others; `None` (and nothing
    /// written) when they might not fit in 4 GiB.
    fn push_positions(&mut self, positions: &mut [FossickedWord]) -> Option<u32> {
        // At most two numbers of 5 bytes a position (a change of weight and it).
        let most = positions.len().checked_mul(10)?;
        u32::try_from(self.locs.len().checked_add(most)?).ok()?;
        super::pack_positions_into(positions, &mut self.locs);
        u32::try_from(self.locs.len()).ok()
    }

    /// Gives the page's meta words their locations: on the entry of the same word
    /// and form when the page has one, on a new entry (with no locations in the
    /// text) when not. As pagefind's `build_indexes` did on its `PackedWord`s.
    pub(crate) fn add_meta(
        &mut self,
        meta_word_data: HashMap<String, Vec<MetaFossickedWord>>,
        field_id_map: &[u16],
    ) {
        if meta_word_data.is_empty() {
            return;
        }
        // Each meta word's locations, the word itself first, then its forms.
        let mut wanted: Vec<(String, Option<String>, Vec<i32>)> = Vec::new();
        for (word, meta_positions) in meta_word_data {
            let mut normalized_meta_positions: Vec<MetaFossickedWord> = Vec::new();
            let mut variant_meta_positions: BTreeMap<String, Vec<MetaFossickedWord>> =
                BTreeMap::new();
            for mut meta_fossicked in meta_positions {
                meta_fossicked.field_id = field_id_map[meta_fossicked.field_id as usize];
                if let Some(original) = meta_fossicked.original_word.clone() {
                    variant_meta_positions
                        .entry(original)
                        .or_default()
                        .push(meta_fossicked);
                } else {
                    normalized_meta_positions.push(meta_fossicked);
                }
            }
            if !normalized_meta_positions.is_empty() {
                let meta_locs = super::meta_positions_to_packed(normalized_meta_positions);
                wanted.push((word.clone(), None, meta_locs));
            }
            for (variant_form, variant_pos) in variant_meta_positions {
                let meta_locs = super::meta_positions_to_packed(variant_pos);
                wanted.push((word.clone(), Some(variant_form), meta_locs));
            }
        }
        // Where each is on the page already: a look through the page's entries
        // for a few (a page's title and section), one map of them for more (a
        // page of many meta words and many words stays linear).
        let found: Vec<(Option<Span>, Option<usize>)> = if wanted.len() <= 16 {
            wanted
                .iter()
                .map(|(word, form, _)| {
                    let (mut span, mut at) = (None, None);
                    for (i, e) in self.entries.iter().enumerate() {
                        if self.str(e.word) == word {
                            span.get_or_insert(e.word);
                            if e.form().map(|f| self.str(f)) == form.as_deref() {
                                at = Some(i);
                                break;
                            }
                        }
                    }
                    (span, at)
                })
                .collect()
        } else {
            let mut at: HashMap<(&str, Option<&str>), usize> =
                HashMap::with_capacity(self.entries.len());
            let mut spans: HashMap<&str, Span> = HashMap::with_capacity(self.entries.len());
            for (i, e) in self.entries.iter().enumerate() {
                let word = self.str(e.word);
                at.entry((word, e.form().map(|f| self.str(f)))).or_insert(i);
                spans.entry(word).or_insert(e.word);
            }
            wanted
                .iter()
                .map(|(word, form, _)| {
                    (
                        spans.get(word.as_str()).copied(),
                        at.get(&(word.as_str(), form.as_deref())).copied(),
                    )
                })
                .collect()
        };
        // The spans of the words only meta has, put in the text once.
        let mut added: HashMap<String, Span> = HashMap::new();
        for ((word, form, meta_locs), (word_span, at)) in wanted.into_iter().zip(found) {
            let Ok(meta) = u32::try_from(self.meta.len()) else {
                return;
            };
            if let Some(at) = at {
                self.meta.push(meta_locs);
                self.entries[at].meta = meta;
                continue;
            }
            let word_span = match word_span.or_else(|| added.get(&word).copied()) {
                Some(span) => span,
                None => {
                    let Some(span) = self.push_text(&word) else {
                        continue;
                    };
                    added.insert(word, span);
                    span
                }
            };
            let form = match form {
                Some(form) => match self.push_text(&form) {
                    Some(span) => span,
                    None => continue,
                },
                None => NO_FORM,
            };
            // No locations: they end where the previous entry's do.
            let Ok(locs_end) = u32::try_from(self.locs.len()) else {
                return;
            };
            self.meta.push(meta_locs);
            self.entries.push(Entry {
                word: word_span,
                form,
                locs_end,
                meta,
            });
        }
    }
}

thread_local! {
    /// Each thread's lists to pack a page in, before they are copied at their
    /// exact sizes (a list grown by doubling is a third empty on average).
    static SCRATCH: std::cell::RefCell<PagePacked> = std::cell::RefCell::new(PagePacked::default());
}

/// A page's words as the index keeps them, each word once with its positions packed
/// (sorted, delta-encoded, forms with diacritics apart). Done as soon as a page is
/// read, it keeps the memory of a large index to this form instead of every
/// position of every page.
pub(crate) fn pack_words(word_data: HashMap<String, Vec<FossickedWord>>) -> PagePacked {
    SCRATCH.with(|cell| {
        let mut scratch = cell.borrow_mut();
        let packed = &mut *scratch;
        packed.clear();
        for (word, mut positions) in word_data {
            let Some(word_span) = packed.push_text(&word) else {
                continue;
            };
            let mut variant_positions: BTreeMap<String, Vec<FossickedWord>> = BTreeMap::new();
            // No copy when no form differs (most words).
            if positions.iter().any(|p| p.original_word.is_some()) {
                let mut normalized = Vec::new();
                for mut fossicked in positions {
                    if let Some(original) = fossicked.original_word.take() {
                        // Original form differs (has diacritics) - stored instead in additional_variants
                        variant_positions
                            .entry(original)
                            .or_default()
                            .push(fossicked);
                    } else {
                        // No diacritics - original matches normalized form
                        normalized.push(fossicked);
                    }
                }
                positions = normalized;
            }
            if !positions.is_empty() {
                if let Some(locs_end) = packed.push_positions(&mut positions) {
                    packed.entries.push(Entry {
                        word: word_span,
                        form: NO_FORM,
                        locs_end,
                        meta: NO_META,
                    });
                }
            }
            for (form, mut variant_pos) in variant_positions {
                let Some(form) = packed.push_text(&form) else {
                    continue;
                };
                let Some(locs_end) = packed.push_positions(&mut variant_pos) else {
                    continue;
                };
                packed.entries.push(Entry {
                    word: word_span,
                    form,
                    locs_end,
                    meta: NO_META,
                });
            }
        }
        packed.copy_out()
    })
}

impl PagePacked {
    /// The page's words, forms and locations (decoded), in the order of the words
    /// and forms: what the page gives the index, whatever the order of its entries.
    #[cfg(test)]
    pub(crate) fn canonical(&self) -> Vec<(String, Option<String>, Vec<i32>, u32)> {
        let mut all: Vec<_> = self
            .entries_with_locs()
            .map(|(e, locs)| {
                (
                    self.str(e.word).to_string(),
                    e.form().map(|f| self.str(f).to_string()),
                    varints(&self.locs[locs.range()]).collect::<Vec<_>>(),
                    e.meta,
                )
            })
            .collect();
        all.sort();
        all
    }

    /// A copy of these lists at their exact sizes (they are a thread's scratch
    /// lists, kept for the next page unless very large: threads live on in a
    /// server).
    fn copy_out(&mut self) -> PagePacked {
        let page = PagePacked {
            text: self.text.as_str().to_owned(),
            locs: self.locs.to_vec(),
            entries: self.entries.to_vec(),
            meta: Vec::new(),
        };
        if self.locs.capacity() > 1 << 20 || self.text.capacity() > 1 << 20 {
            *self = PagePacked::default();
        }
        page
    }

    fn clear(&mut self) {
        self.text.clear();
        self.locs.clear();
        self.entries.clear();
        self.meta.clear();
    }
}

/// No form with diacritics (an [`Occurrence`] of the word itself).
pub(crate) const NO_FORM_ID: u32 = u32::MAX;

/// A place of a word on a page, as `fossick::words` records it: the word's slot
/// on the page, its position and weight, and its form with diacritics (a number,
/// or [`NO_FORM_ID`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Occurrence {
    pub(crate) slot: u32,
    pub(crate) position: u32,
    pub(crate) weight: u8,
    pub(crate) form: u32,
}

thread_local! {
    /// Each thread's lists to sort a page's places in.
    static PLACES: std::cell::RefCell<(Vec<u32>, Vec<Occurrence>, Vec<FossickedWord>, Vec<u32>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new(), Vec::new(), Vec::new())) };
}

/// What [`pack_words`] gives for the map of words these places make: for each slot
/// (`slots` of them; `word` gives its text), its places without a form with
/// diacritics, then each form's (in the order of the forms' texts: `form` gives
/// them), positions sorted and delta-encoded.
pub(crate) fn pack_occurrences<'t>(
    slots: usize,
    occurrences: &[Occurrence],
    word: impl Fn(usize) -> &'t str,
    form: impl Fn(u32) -> &'t str,
) -> PagePacked {
    PLACES.with(|places| {
        let (starts, sorted, positions, forms) = &mut *places.borrow_mut();
        // The places grouped by slot, each slot's in the order read (a counting sort).
        starts.clear();
        starts.resize(slots + 1, 0);
        for o in occurrences {
            starts[o.slot as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        sorted.clear();
        sorted.resize(
            occurrences.len(),
            Occurrence {
                slot: 0,
                position: 0,
                weight: 0,
                form: 0,
            },
        );
        {
            let mut next = starts.clone();
            for o in occurrences {
                let at = &mut next[o.slot as usize];
                sorted[*at as usize] = *o;
                *at += 1;
            }
        }
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let packed = &mut *scratch;
            packed.clear();
            for slot in 0..slots {
                let group = &sorted[starts[slot] as usize..starts[slot + 1] as usize];
                let Some(word_span) = packed.push_text(word(slot)) else {
                    continue;
                };
                positions.clear();
                positions.extend(group.iter().filter(|o| o.form == NO_FORM_ID).map(|o| {
                    FossickedWord {
                        position: o.position,
                        weight: o.weight,
                        original_word: None,
                    }
                }));
                if !positions.is_empty() {
                    if let Some(locs_end) = packed.push_positions(positions) {
                        packed.entries.push(Entry {
                            word: word_span,
                            form: NO_FORM,
                            locs_end,
                            meta: NO_META,
                        });
                    }
                }
                forms.clear();
                forms.extend(group.iter().map(|o| o.form).filter(|&f| f != NO_FORM_ID));
                if forms.is_empty() {
                    continue;
                }
                forms.sort_unstable_by(|a, b| form(*a).cmp(form(*b)));
                forms.dedup();
                for &f in forms.iter() {
                    positions.clear();
                    positions.extend(group.iter().filter(|o| o.form == f).map(|o| FossickedWord {
                        position: o.position,
                        weight: o.weight,
                        original_word: None,
                    }));
                    let Some(form_span) = packed.push_text(form(f)) else {
                        continue;
                    };
                    let Some(locs_end) = packed.push_positions(positions) else {
                        continue;
                    };
                    packed.entries.push(Entry {
                        word: word_span,
                        form: form_span,
                        locs_end,
                        meta: NO_META,
                    });
                }
            }
            let page = packed.copy_out();
            if sorted.capacity() > 1 << 20 {
                *sorted = Vec::new();
                *positions = Vec::new();
                *forms = Vec::new();
                *starts = Vec::new();
            }
            page
        })
    })
}

/// A page of a word: the page's number and where its locations and meta locations
/// are in the language's lists ([`SiteWords`]).
#[derive(Clone, Copy, Debug)]
struct Ref {
    page_number: u32,
    locs: Span,
    meta: Span,
}

/// A word of the site: its pages and its forms' pages.
#[derive(Debug, Default)]
pub(crate) struct SiteWord {
    pages: Vec<Ref>,
    variants: Vec<(String, Vec<Ref>)>,
}

/// The words of all pages of one language, by word, and every page's locations in
/// one list (in the order of the pages), so that a chunk is written reading the
/// list rather than chasing each page's own (a memory access each: that was most
/// of the time of writing the chunks).
#[derive(Default)]
pub(crate) struct SiteWords {
    words: HashMap<String, SiteWord>,
    /// Locations as [`push_varint`] writes them.
    locs: Vec<u8>,
    meta_locs: Vec<i32>,
}

impl SiteWords {
    /// Adds the next page (pages come in the order of their numbers); `false` when
    /// there are more pages or locations than the index can number.
    pub(crate) fn add(&mut self, page_number: usize, page: PagePacked) -> bool {
        let (Ok(page_number), Ok(base), Ok(_)) = (
            u32::try_from(page_number),
            u32::try_from(self.locs.len()),
            u32::try_from(self.locs.len() + page.locs.len()),
        ) else {
            return false;
        };
        self.locs.extend_from_slice(&page.locs);
        for (e, locs) in page.entries_with_locs() {
            let meta = match page.meta.get(e.meta as usize) {
                Some(list) => {
                    let (Ok(start), Ok(end)) = (
                        u32::try_from(self.meta_locs.len()),
                        u32::try_from(self.meta_locs.len() + list.len()),
                    ) else {
                        return false;
                    };
                    self.meta_locs.extend_from_slice(list);
                    Span { start, end }
                }
                None => Span::EMPTY,
            };
            let r = Ref {
                page_number,
                locs: Span {
                    start: base + locs.start,
                    end: base + locs.end,
                },
                meta,
            };
            let word = self.words.entry_ref(page.str(e.word)).or_default();
            match e.form() {
                None => word.pages.push(r),
                Some(form) => {
                    let form = page.str(form);
                    if let Some(v) = word.variants.iter_mut().find(|v| v.0 == form) {
                        v.1.push(r);
                    } else {
                        word.variants.push((form.to_string(), vec![r]));
                    }
                }
            }
        }
        true
    }

    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }

    /// Makes room for the locations of `pages` at once.
    pub(crate) fn reserve<'a>(&mut self, pages: impl Iterator<Item = &'a PagePacked>) {
        let (locs, meta) = pages.fold((0, 0), |(l, m), p| {
            (
                l + p.locs.len(),
                m + p.meta.iter().map(Vec::len).sum::<usize>(),
            )
        });
        self.locs.reserve_exact(locs);
        self.meta_locs.reserve_exact(meta);
    }

    /// What a word weighs in a chunk (pagefind's measure: its locations, plus one
    /// per page and per form).
    fn size(&self, word: &SiteWord) -> usize {
        word.pages
            .iter()
            .chain(word.variants.iter().flat_map(|v| &v.1))
            .map(|r| varint_count(&self.locs[r.locs.range()]) + r.meta.len() + 1)
            .sum::<usize>()
            + word.variants.len()
    }

    /// The words sorted and cut into chunks of about `chunk_size` locations.
    pub(crate) fn chunks(&mut self, chunk_size: usize) -> Vec<Vec<(String, SiteWord)>> {
        let mut words: Vec<(String, SiteWord)> = std::mem::take(&mut self.words)
            .into_iter()
            .map(|(w, mut site_word)| {
                // In the order of their pages (they come in that order already).
                site_word.pages.sort_by_key(|r| r.page_number);
                for v in &mut site_word.variants {
                    v.1.sort_by_key(|r| r.page_number);
                }
                (w, site_word)
            })
            .collect();
        words.sort_by(|a, b| a.0.cmp(&b.0));
        let mut chunks = Vec::new();
        let mut chunk = Vec::new();
        let mut size = 0;
        for word in words {
            size += self.size(&word.1);
            chunk.push(word);
            if size >= chunk_size {
                chunks.push(std::mem::take(&mut chunk));
                size = 0;
            }
        }
        if !chunk.is_empty() {
            chunks.push(chunk);
        }
        chunks
    }

    /// A chunk's bytes: what minicbor gives for pagefind's `WordIndex` of the
    /// chunk's `PackedWord`s (page numbers delta-encoded), written straight from the
    /// pages' packed lists (CBOR by hand: through minicbor's `Encoder`, every
    /// location was a call and a check, a third of the time of making a chunk).
    pub(crate) fn encode(&self, chunk: &[(String, SiteWord)]) -> Vec<u8> {
        let mut out = Vec::new();
        // WordIndex { words }
        cbor_head(&mut out, ARRAY, 1);
        cbor_head(&mut out, ARRAY, chunk.len() as u64);
        for (word, site_word) in chunk {
            // PackedWord { word, pages, additional_variants }
            cbor_head(&mut out, ARRAY, 3);
            cbor_str(&mut out, word);
            self.encode_pages(&mut out, &site_word.pages);
            cbor_head(&mut out, ARRAY, site_word.variants.len() as u64);
            for (form, refs) in &site_word.variants {
                // PackedVariant { form, pages }
                cbor_head(&mut out, ARRAY, 2);
                cbor_str(&mut out, form);
                self.encode_pages(&mut out, refs);
            }
        }
        out
    }

    fn encode_pages(&self, out: &mut Vec<u8>, refs: &[Ref]) {
        cbor_head(out, ARRAY, refs.len() as u64);
        let mut last_page = 0;
        for r in refs {
            let locs = &self.locs[r.locs.range()];
            let meta_locs = &self.meta_locs[r.meta.range()];
            // At most 9 bytes a head, 5 a location (a 32-bit number and its head).
            out.reserve(27 + 5 * (locs.len() + meta_locs.len()));
            // PackedPage { page_number (delta), locs, meta_locs }
            cbor_head(out, ARRAY, 3);
            cbor_head(out, UNSIGNED, u64::from(r.page_number - last_page));
            last_page = r.page_number;
            cbor_head(out, ARRAY, varint_count(locs) as u64);
            for loc in varints(locs) {
                cbor_i32(out, loc);
            }
            cbor_head(out, ARRAY, meta_locs.len() as u64);
            for &loc in meta_locs {
                cbor_i32(out, loc);
            }
        }
    }

    /// The `PackedWord`s of a chunk, page numbers delta-encoded, as pagefind encodes
    /// them (what `encode` writes; for tests).
    #[cfg(test)]
    pub(crate) fn packed(&self, chunk: Vec<(String, SiteWord)>) -> Vec<PackedWord> {
        let pages = |refs: &[Ref]| -> Vec<PackedPage> {
            let mut last_page = 0;
            refs.iter()
                .map(|r| {
                    let delta = r.page_number - last_page;
                    last_page = r.page_number;
                    PackedPage {
                        page_number: delta as usize,
                        locs: varints(&self.locs[r.locs.range()]).collect(),
                        meta_locs: self.meta_locs[r.meta.range()].to_vec(),
                    }
                })
                .collect()
        };
        chunk
            .into_iter()
            .map(|(word, site_word)| PackedWord {
                word,
                pages: pages(&site_word.pages),
                additional_variants: site_word
                    .variants
                    .into_iter()
                    .map(|(form, refs)| PackedVariant {
                        form,
                        pages: pages(&refs),
                    })
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fossick::FossickedWord;

    fn positions(list: &[(u32, u8, Option<&str>)]) -> Vec<FossickedWord> {
        list.iter()
            .map(|&(position, weight, original)| FossickedWord {
                position,
                weight,
                original_word: original.map(str::to_string),
            })
            .collect()
    }

    #[test]
    fn locations_come_back_from_their_bytes_as_they_went_in() {
        let mut seed: u64 = 7;
        let mut values = vec![
            0,
            1,
            -1,
            63,
            64,
            -64,
            -65,
            127,
            128,
            i32::MAX,
            i32::MIN,
            -26,
            -241,
        ];
        for _ in 0..10_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = (seed >> 32) as u32 as i32;
            values.push(v >> (seed % 31));
        }
        let mut bytes = Vec::new();
        for &v in &values {
            push_varint(&mut bytes, v);
        }
        assert_eq!(varint_count(&bytes), values.len());
        assert_eq!(varints(&bytes).collect::<Vec<_>>(), values);
        // Small deltas, the most common, take one byte.
        let mut one = Vec::new();
        push_varint(&mut one, 63);
        push_varint(&mut one, -64);
        assert_eq!(one.len(), 2);
        // A list cut in the middle of a number ends before it, without a panic.
        let mut cut = Vec::new();
        push_varint(&mut cut, 5);
        push_varint(&mut cut, i32::MAX);
        assert_eq!(varints(&cut[..3]).collect::<Vec<_>>(), vec![5]);
    }

    #[test]
    fn chunks_written_from_the_packed_lists_are_what_minicbor_gives() {
        let mut site = SiteWords::default();
        for page_number in 0..300 {
            let mut words: HashMap<String, Vec<FossickedWord>> = HashMap::new();
            words.insert(
                "ete".into(),
                positions(&[(1, 25, None), (7, 50, Some("été")), (page_number, 25, None)]),
            );
            words.insert(
                format!("mot{}", page_number % 7),
                positions(&[(3, 25, None)]),
            );
            if page_number % 3 == 0 {
                words.insert("cafe".into(), positions(&[(2, 12, Some("café"))]));
            }
            if page_number % 11 == 0 {
                // Locations of every size CBOR writes: 1, 2, 3 and 5 bytes.
                words.insert(
                    "loin".into(),
                    positions(&[
                        (20, 25, None),
                        (200 + page_number, 25, None),
                        (70_000, 25, None),
                        (100_000_000 + page_number, 200, None),
                    ]),
                );
            }
            let mut page = pack_words(words);
            let mut meta: HashMap<String, Vec<MetaFossickedWord>> = HashMap::new();
            meta.insert(
                "titre".into(),
                vec![MetaFossickedWord {
                    field_id: 0,
                    position: 0,
                    original_word: None,
                }],
            );
            if page_number % 5 == 0 {
                // More meta words than a look through the entries takes: the map.
                for w in (0..20)
                    .map(|n| format!("meta{n}"))
                    .chain(["ete".into(), "mot0".into()])
                {
                    meta.insert(
                        w,
                        vec![MetaFossickedWord {
                            field_id: 0,
                            position: 1,
                            original_word: Some("été".into()).filter(|_| page_number % 2 == 0),
                        }],
                    );
                }
            }
            page.add_meta(meta, &[0]);
            assert!(site.add(page_number as usize, page));
        }
        let chunks = site.chunks(40);
        assert!(chunks.len() > 3);
        for chunk in chunks {
            let written = site.encode(&chunk);
            let mut expected: Vec<u8> = Vec::new();
            minicbor::encode(
                super::super::index_words::WordIndex {
                    words: site.packed(chunk),
                },
                &mut expected,
            )
            .unwrap();
            assert_eq!(written, expected);
        }
    }
}
