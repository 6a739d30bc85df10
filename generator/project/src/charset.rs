//! The characters the site's texts use beyond Basic Latin: what its web fonts are
//! subset to. Each page keeps its own (so that a one-page edit recounts one page);
//! the other texts a project reads (configuration, brand, kits, interface strings,
//! templates, captions, base maps) are counted once when the project loads.

/// The characters of `text` that are not Basic Latin or control characters, sorted
/// and each once.
pub fn beyond_ascii(text: &str) -> Box<[char]> {
    let mut v: Vec<char> = text.chars().filter(|&c| counts(c)).collect();
    v.sort_unstable();
    v.dedup();
    v.into_boxed_slice()
}

/// Whether a character is worth a glyph: not Basic Latin (always served), not a
/// control character.
fn counts(c: char) -> bool {
    c > '\u{7e}' && !c.is_control()
}

/// A set of characters, as a bitset over the code points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CharSet {
    bits: Vec<u64>,
}

impl CharSet {
    /// An empty set.
    pub fn new() -> CharSet {
        CharSet::default()
    }

    /// Adds one character.
    pub fn insert(&mut self, c: char) {
        let (word, bit) = (c as usize / 64, c as usize % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << bit;
    }

    /// Adds the characters of `text` beyond Basic Latin.
    pub fn add_text(&mut self, text: &str) {
        for c in text.chars().filter(|&c| counts(c)) {
            self.insert(c);
        }
    }

    /// Adds every character of `chars`.
    pub fn add_all(&mut self, chars: &[char]) {
        for &c in chars {
            self.insert(c);
        }
    }

    /// Adds every character of `other`.
    pub fn union(&mut self, other: &CharSet) {
        if self.bits.len() < other.bits.len() {
            self.bits.resize(other.bits.len(), 0);
        }
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a |= b;
        }
    }

    /// Whether `c` is in the set.
    pub fn contains(&self, c: char) -> bool {
        let (word, bit) = (c as usize / 64, c as usize % 64);
        self.bits.get(word).is_some_and(|w| w & (1 << bit) != 0)
    }

    /// The code points, in ascending order.
    pub fn code_points(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(i, &w)| {
            (0..64)
                .filter(move |b| w & (1u64 << b) != 0)
                .map(move |b| (i * 64 + b) as u32)
        })
    }

    /// How many characters it holds.
    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
    }

    /// The set as bytes that two equal sets share (for cache keys).
    pub fn key_bytes(&self) -> Vec<u8> {
        let used = self.bits.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
        self.bits[..used]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_list_the_characters_beyond_basic_latin_once() {
        assert_eq!(
            &*beyond_ascii("Été à Marseille, « été » \u{7}\n مرسيليا"),
            &['«', '»', 'É', 'à', 'é', 'ا', 'ر', 'س', 'ل', 'م', 'ي']
        );
    }

    #[test]
    fn can_hold_and_compare_sets() {
        let mut a = CharSet::new();
        a.add_text("œuvre — ça");
        let mut b = CharSet::new();
        b.add_all(&beyond_ascii("ça — œuvre"));
        assert_eq!(a.key_bytes(), b.key_bytes());
        assert_eq!(a.len(), 3);
        assert!(a.contains('œ') && !a.contains('e'));
        b.insert('😀');
        a.union(&b);
        let all: Vec<u32> = a.code_points().collect();
        assert_eq!(all, vec![0xE7, 0x153, 0x2014, 0x1F600]);
        assert!(CharSet::new().is_empty() && CharSet::new().key_bytes().is_empty());
    }
}
