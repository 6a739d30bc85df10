//! marque: each thread's words of a language, and a page's words as they are read.
//!
//! pagefind gathered a page's words in a map from each stem to the list of its
//! places (`HashMap<String, Vec<FossickedWord>>`): for every word of the text a
//! second lookup by the stem's text, a string and a list made for every new stem,
//! a copy of the form with diacritics for every place of an accented word. Here a
//! word's stems and forms are numbered once per thread when the word is first met
//! (with its indexable forms, as the cache of words did), each stem knows its slot
//! on the page being read, and the page's places are one flat list of numbers,
//! grouped by slot at the end of the page. A page read in a batch is then packed
//! straight from that list; the map is still made for pagefind's other callers.

use hashbrown::HashMap;

use super::splitting::IndexableWord;
use super::FossickedWord;
use crate::index::{pack_occurrences, Occurrence, PagePacked, NO_FORM_ID};

/// An indexable form of a word: its stem, its form with diacritics (or
/// [`NO_FORM_ID`]) and whether it is a part of a compound word.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Form {
    pub(crate) stem: u32,
    pub(crate) original: u32,
    pub(crate) is_compound_part: bool,
}

#[derive(Debug)]
struct Stem {
    text: String,
    /// The page it last appeared on, and its slot there.
    page: u32,
    slot: u32,
}

/// The stems and forms with diacritics a thread has met in a language, numbered.
#[derive(Debug, Default)]
pub(crate) struct Table {
    stems: Vec<Stem>,
    stem_ids: HashMap<String, u32>,
    forms: Vec<String>,
    form_ids: HashMap<String, u32>,
    /// The page being read (0: none yet).
    page: u32,
}

/// A thread's words of one language: each word met, with its indexable forms.
#[derive(Debug, Default)]
pub(crate) struct LangWords {
    pub(crate) words: HashMap<String, Vec<Form>>,
    pub(crate) table: Table,
}

impl LangWords {
    /// Starts reading a page: everything is forgotten first when the thread knows
    /// `most` words or more (its memory stays bounded; a page's own words are
    /// never forgotten while it is read).
    pub(crate) fn begin_page(&mut self, most: usize) {
        if self.words.len() >= most
            || self.table.stems.len() >= 2 * most
            || self.table.forms.len() >= 2 * most
        {
            *self = LangWords::default();
        }
        self.table.page = match self.table.page.checked_add(1) {
            Some(page) => page,
            None => {
                for stem in &mut self.table.stems {
                    stem.page = 0;
                }
                1
            }
        };
    }
}

/// A page's words as they are read: the stem of each slot (in the order met) and
/// every place.
#[derive(Debug, Default)]
pub(crate) struct PageWords {
    slots: Vec<u32>,
    occurrences: Vec<Occurrence>,
}

impl PageWords {
    pub(crate) fn with_capacity(places: usize) -> Self {
        PageWords {
            slots: Vec::new(),
            occurrences: Vec::with_capacity(places),
        }
    }
}

impl Table {
    fn stem_id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.stem_ids.get(text) {
            return id;
        }
        let id = self.stems.len() as u32;
        self.stems.push(Stem {
            text: text.to_owned(),
            page: 0,
            slot: 0,
        });
        self.stem_ids.insert(text.to_owned(), id);
        id
    }

    fn form_id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.form_ids.get(text) {
            return id;
        }
        let id = self.forms.len() as u32;
        self.forms.push(text.to_owned());
        self.form_ids.insert(text.to_owned(), id);
        id
    }

    /// The numbered forms of a word's indexable forms.
    pub(crate) fn intern(&mut self, words: &[IndexableWord]) -> Vec<Form> {
        words
            .iter()
            .map(|w| Form {
                stem: self.stem_id(&w.stemmed),
                original: match &w.original {
                    Some(o) => self.form_id(o),
                    None => NO_FORM_ID,
                },
                is_compound_part: w.is_compound_part,
            })
            .collect()
    }

    /// Records a place of `form` on the page.
    pub(crate) fn occur(&mut self, page: &mut PageWords, form: Form, position: u32, weight: u8) {
        let stem = &mut self.stems[form.stem as usize];
        if stem.page != self.page {
            stem.page = self.page;
            stem.slot = page.slots.len() as u32;
            page.slots.push(form.stem);
        }
        page.occurrences.push(Occurrence {
            slot: stem.slot,
            position,
            weight,
            form: form.original,
        });
    }

    /// Whether the page has `form`'s stem at `position` already.
    pub(crate) fn has_place(&self, page: &PageWords, form: Form, position: u32) -> bool {
        let stem = &self.stems[form.stem as usize];
        stem.page == self.page
            && page
                .occurrences
                .iter()
                .any(|o| o.slot == stem.slot && o.position == position)
    }

    /// The page's words packed for the index.
    pub(crate) fn pack(&self, page: &PageWords) -> PagePacked {
        pack_occurrences(
            page.slots.len(),
            &page.occurrences,
            |slot| self.stems[page.slots[slot] as usize].text.as_str(),
            |form| self.forms[form as usize].as_str(),
        )
    }

    /// The page's words as pagefind's map from each stem to its places (in the
    /// order read), each with its form with diacritics.
    pub(crate) fn map(&self, page: &PageWords) -> HashMap<String, Vec<FossickedWord>> {
        let mut lists: Vec<Vec<FossickedWord>> = vec![Vec::new(); page.slots.len()];
        for o in &page.occurrences {
            lists[o.slot as usize].push(FossickedWord {
                position: o.position,
                weight: o.weight,
                original_word: (o.form != NO_FORM_ID).then(|| self.forms[o.form as usize].clone()),
            });
        }
        page.slots
            .iter()
            .zip(lists)
            .map(|(&stem, list)| (self.stems[stem as usize].text.clone(), list))
            .collect()
    }
}
