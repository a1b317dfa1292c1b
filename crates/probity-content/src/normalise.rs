//! Text normalisation against evasion, with a map back to the original bytes.
//!
//! The normalised form is plain ASCII: lower-case letters `a`–`z`, digits, `*` for a letter left
//! out, and single spaces between words, with a space at each end, so that a lexicon pattern
//! padded with spaces matches whole words only. On the way:
//!
//! - case is folded and compatibility forms (fullwidth, mathematical, ligatures) are unfolded (NFKD,
//!   per character), diacritics are dropped (`naïve` → `naive`);
//! - Cyrillic, Greek and Cherokee look-alikes and Latin small capitals become the Latin letter they
//!   imitate (`сunt` with a Cyrillic `с`, `Ꮲaki` with a Cherokee `Ꮲ`, `bɪtch` with a small capital);
//! - l33t digits and symbols inside a word that has letters become letters (`b1tch`, `$lut`, `@ss`);
//!   a 1 becomes `i`, and where is noted ([`Normalised::ones`]) so that the lexicon can read it as
//!   `l` too (`s1ut`); digits in a token without letters stay digits (`2024`);
//! - apostrophes, asterisks and zero-width characters inside a word are dropped (`don't` → `dont`),
//!   except asterisks standing for letters left out, which stay as `*` (`b*tch`, `c**t`; but
//!   `s*l*u*t` → `slut`);
//! - runs of three or more single letters split by spaces, punctuation or emoji are joined
//!   (`s.l.u.t`, `s l u t`, `s-l-u-t`, `s 🙂 l 🙂 u 🙂 t` → `slut`); one that starts with `a`, `i`
//!   or `u r a` is written twice, with those words apart and joined (`a s l u t` → `a slut aslut`,
//!   for `a b u s e` → `abuse`);
//! - a token of letters split by marks inside it (`sl_ut`, `wh.ore`, `c-unt`) is written as its
//!   pieces, and where is noted ([`Normalised::split_words`]) so that the lexicon can read them
//!   joined as well;
//! - a repeated letter is squeezed to one (`biiiitch` → `bitch`), and how many there were is kept in
//!   [`Normalised::runs`], so a lexicon entry can insist on its own double letters (`coon` is not `con`).
//!
//! Every normalised byte keeps the byte range of the original text it came from
//! ([`Normalised::original_range`]), so findings point at what was written. That map is worked out
//! from the original the first time it is asked for: most texts never need it (nothing in them is
//! reported), and building it with every text would cost a quarter of the time normalising takes.
//! It is worked out a stretch at a time: the first pass notes, every few hundred bytes of the
//! original, a place between tokens where the builder has nothing waiting, and a position
//! asked for is mapped by normalising again only from the place before it to the place after.
//! Plain ASCII input takes a fast path with a table lookup per byte and no character decoding.

use std::sync::OnceLock;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Text in normalised form with a map back to the original.
#[derive(Debug, Clone)]
pub struct Normalised {
    text: Vec<u8>,
    /// Words of the original (runs of letters and digits).
    words: u32,
    /// Of those, the ones of letters alone.
    letter_words: u32,
    /// Whether a word kept an asterisk for a letter left out (see [`Normalised::has_stars`]).
    stars: bool,
    /// Positions of an `i` written as the digit 1 (see [`Normalised::ones`]).
    ones: Vec<u32>,
    /// Words split by marks inside them (see [`Normalised::split_words`]).
    splits: Vec<(u32, u32)>,
    /// The original (as far as [`normalise`] read it), kept to work out the map from.
    source: Box<str>,
    /// Where each normalised byte before the first checkpoint came from: built from `source` when
    /// first needed.
    origins: OnceLock<Vec<Origin>>,
    /// The stretches of the text from each checkpoint on, in order.
    stretches: Vec<Stretch>,
}

/// The part of the text from a checkpoint to the next (or to the end).
#[derive(Debug, Clone)]
struct Stretch {
    from: Checkpoint,
    /// Where each of its normalised bytes came from: built from the original when first needed.
    origins: OnceLock<Vec<Origin>>,
}

/// A place between two tokens of the original where the builder had nothing waiting (no token
/// begun, no single letters held back) and had written at least one byte: normalising can start
/// again here, given only the last byte written, and writes what the whole pass wrote from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Checkpoint {
    /// How many normalised bytes were written before it.
    normalised: u32,
    /// The original byte the next token starts at.
    source: u32,
}

/// About how many original bytes lie between two checkpoints: normalising this much again is
/// what finding where one normalised byte came from costs.
const CHECKPOINT_BYTES: usize = 256;

/// Where one normalised byte came from, and how many times its letter was repeated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Origin {
    start: u32,
    end: u32,
    run: u8,
}

impl Normalised {
    /// The normalised bytes (ASCII; starts and ends with a space).
    pub fn bytes(&self) -> &[u8] {
        &self.text
    }

    /// The normalised text as a string.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever pushed.
        std::str::from_utf8(&self.text).unwrap_or("")
    }

    /// How many times each normalised letter was repeated in the original (1 for most letters).
    pub fn runs(&self) -> impl ExactSizeIterator<Item = u8> + '_ {
        (0..self.text.len()).map(|index| self.run(index))
    }

    /// How many times the letter at normalised byte `index` was repeated: at least 1 for every
    /// byte (a space or digit is 1), 0 past the end.
    pub fn run(&self, index: usize) -> u8 {
        self.origin(index).map(|o| o.run).unwrap_or(0)
    }

    /// The byte range of the original text that normalised bytes `start..end` came from.
    pub fn original_range(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if start >= end || end > self.text.len() {
            return None;
        }
        Some((
            self.origin(start)?.start as usize,
            self.origin(end - 1)?.end as usize,
        ))
    }

    /// Where normalised byte `index` came from. The map for the stretch between the checkpoints
    /// around it is built the first time a byte of that stretch is asked for, by normalising that
    /// stretch of the original again, this time noting where each byte came from.
    fn origin(&self, index: usize) -> Option<Origin> {
        let index = u32::try_from(index).ok()?;
        let after = self
            .stretches
            .partition_point(|s| s.from.normalised <= index);
        let next = self.stretches.get(after).map(|s| s.from);
        let Some(previous) = after.checked_sub(1) else {
            let origins = self
                .origins
                .get_or_init(|| build_origins(&self.source, &self.text, None, next));
            return origins.get(index as usize).copied();
        };
        let stretch = self.stretches.get(previous)?;
        let from = stretch.from;
        let origins = stretch
            .origins
            .get_or_init(|| build_origins(&self.source, &self.text, Some(from), next));
        origins.get((index - from.normalised) as usize).copied()
    }

    /// The whole map, one entry per normalised byte.
    #[cfg(test)]
    fn origins(&self) -> Vec<Origin> {
        (0..self.text.len())
            .filter_map(|i| self.origin(i))
            .collect()
    }

    /// Whether the original reads as sentences: at least 60% of its words (runs of letters and
    /// digits) are letters alone. Tables of names, dates and numbers do not.
    pub fn reads_as_prose(&self) -> bool {
        self.words > 0 && u64::from(self.letter_words) * 10 >= u64::from(self.words) * 6
    }

    /// The words of the original (runs of letters and digits).
    pub fn words(&self) -> u32 {
        self.words
    }

    /// Whether a word kept an asterisk for a letter left out (`b*tch`): the only `*` bytes the
    /// normalised form has.
    pub fn has_stars(&self) -> bool {
        self.stars
    }

    /// The normalised positions, in order, of each `i` written in the original as the digit 1
    /// inside a word with letters (`s1ut`, `b1tch`). The l33t 1 stands for `l` as often as for
    /// `i`; the normalised form reads it as `i`, and the lexicon tries `l` as well.
    pub fn ones(&self) -> &[u32] {
        &self.ones
    }

    /// The normalised ranges, in order, of the words written as one token of letters split by
    /// marks (`sl_ut`, `wh.ore`, `c-unt`, `and/or`): each range is the pieces as the normalised
    /// form has them, apart (` sl ut `), from the first letter to the last. The lexicon reads the
    /// pieces joined as well. Ranges longer than [`MAX_SPLIT_WORD_BYTES`] are left out.
    pub fn split_words(&self) -> &[(u32, u32)] {
        &self.splits
    }

    /// The number of normalised bytes.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Whether nothing but the padding spaces is left.
    pub fn is_empty(&self) -> bool {
        self.text.len() <= 2
    }
}

/// The normalised form being built; with `MAP`, also where each byte came from. Nothing the
/// builder decides depends on the map, so the bytes are the same either way.
#[derive(Debug, Default)]
struct Draft<const MAP: bool> {
    text: Vec<u8>,
    origins: Vec<Origin>,
    words: u32,
    letter_words: u32,
    stars: bool,
    ones: Vec<u32>,
    splits: Vec<(u32, u32)>,
}

impl<const MAP: bool> Draft<MAP> {
    fn push(&mut self, byte: u8, start: u32, end: u32) {
        self.text.push(byte);
        if MAP {
            self.origins.push(Origin { start, end, run: 1 });
        }
    }

    /// Counts a word of letters alone. Plain additions: every word takes at least one byte of a
    /// text of at most `u32::MAX` bytes, so neither count can overflow, and the saturating
    /// additions this replaces cost about ten instructions a word on the fast path.
    fn count_letter_word(&mut self) {
        self.words += 1;
        self.letter_words += 1;
    }

    /// Appends the ASCII letters `bytes[start..end]` in lower case (setting bit 5 lowers an ASCII
    /// letter), eight bytes at a time where the text has eight bytes to read: the bytes written
    /// past `end` are dropped again. Only without the map, which this does not extend.
    fn extend_lowered(&mut self, bytes: &[u8], start: usize, end: usize) {
        const CASE: u64 = 0x2020_2020_2020_2020;
        let kept = self.text.len() + end.saturating_sub(start);
        let mut at = start;
        while at < end {
            let Some(chunk) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) else {
                let rest = bytes.get(at..end).unwrap_or_default();
                self.text.extend(rest.iter().map(|&b| b | 0x20));
                break;
            };
            let lowered = u64::from_le_bytes(*chunk) | CASE;
            self.text.extend_from_slice(&lowered.to_le_bytes());
            at += 8;
        }
        self.text.truncate(kept);
    }

    /// Squeezes each run of one letter in the last `len` bytes (a word just written in lower
    /// case, after a space) to that letter once, in place. Only without the map.
    fn squeeze_last(&mut self, len: usize) {
        let from = self.text.len().saturating_sub(len);
        let Some(word) = self.text.get_mut(from..) else {
            return;
        };
        // Each letter is read before anything is written at its place or past it: `kept` never
        // passes the letter being read.
        let mut kept = 0;
        let mut previous = 0u8;
        for i in 0..word.len() {
            let letter = word[i];
            if let Some(slot) = word.get_mut(kept) {
                *slot = letter;
            }
            kept += usize::from(letter != previous);
            previous = letter;
        }
        self.text.truncate(from + kept);
    }

    fn push_space(&mut self, at: u32) {
        if self.text.last() == Some(&b' ') {
            return;
        }
        self.push(b' ', at, at);
    }

    /// Appends a letter or digit to the current word, squeezing a repeated letter.
    fn push_word_byte(&mut self, byte: u8, start: u32, end: u32) {
        if byte.is_ascii_lowercase() && self.text.last() == Some(&byte) {
            if MAP && let Some(origin) = self.origins.last_mut() {
                origin.run = origin.run.saturating_add(1);
                origin.end = end;
            }
            return;
        }
        self.push(byte, start, end);
    }
}

/// Normalises `text`; see the module documentation for what that does.
///
/// Input over `u32::MAX` bytes is cut there (callers limit sizes far below that).
pub fn normalise(text: &str) -> Normalised {
    normalise_with_checkpoints(text, CHECKPOINT_BYTES)
}

/// [`normalise`], with checkpoints about every `spacing` original bytes.
fn normalise_with_checkpoints(text: &str, spacing: usize) -> Normalised {
    let mut text = text;
    if text.len() > u32::MAX as usize {
        let mut cut = u32::MAX as usize;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text = &text[..cut];
    }
    build_with_checkpoints(text, spacing)
}

/// Normalises `text` (at most `u32::MAX` bytes), with the map back to it when `MAP`.
#[cfg(test)]
fn build<const MAP: bool>(text: &str) -> Draft<MAP> {
    let mut builder = Builder::<MAP>::with_buffers(text.len(), SPARE.take());
    builder.feed_text(text, 0, text.len());
    let (draft, spare) = builder.finish_keeping_buffers(text.len() as u32);
    SPARE.set(spare.emptied());
    draft
}

/// Normalises `text` (at most `u32::MAX` bytes) without the map, noting a checkpoint about every
/// `spacing` bytes.
fn build_with_checkpoints(text: &str, spacing: usize) -> Normalised {
    let mut builder = Builder::<false>::with_buffers(text.len(), SPARE.take());
    // A text shorter than two stretches is mapped in one, and the last stretch is at least one
    // long: a checkpoint near the end would save little, and noting it costs an allocation.
    let spacing = spacing.max(1);
    builder.checkpoint_spacing = spacing;
    if text.len() >= 2 * spacing {
        builder.next_checkpoint = spacing;
        builder.last_checkpoint = text.len() - spacing;
    }
    builder.feed_text(text, 0, text.len());
    builder.finish_in_place(text.len() as u32);
    // Taken apart field by field: moving the builder's output whole is a call to copy it.
    let Builder {
        out,
        token,
        singles,
        scratch,
        stretches,
        ..
    } = builder;
    SPARE.set(
        Buffers {
            token,
            singles,
            scratch,
        }
        .emptied(),
    );
    let Draft {
        text: normalised,
        words,
        letter_words,
        stars,
        ones,
        splits,
        ..
    } = out;
    Normalised {
        text: normalised,
        words,
        letter_words,
        stars,
        ones,
        splits,
        source: text.into(),
        origins: OnceLock::new(),
        stretches,
    }
}

/// The map back to `source` for the normalised bytes (`normalised`, of all of `source`) from
/// checkpoint `from` (or the start) to checkpoint `to` (or the end): `source` normalised again
/// over that stretch, noting where each byte came from.
fn build_origins(
    source: &str,
    normalised: &[u8],
    from: Option<Checkpoint>,
    to: Option<Checkpoint>,
) -> Vec<Origin> {
    let start = from.map_or(0, |c| c.source as usize);
    let end = to.map_or(source.len(), |c| c.source as usize);
    let mut builder = Builder::<true>::with_buffers(end - start, SPARE.take());
    // From a checkpoint, the builder starts where the whole pass was: with nothing waiting and
    // the last byte written (which decides whether a space goes before the next word) as its one
    // byte. That byte's entry is a stand-in, taken out below.
    let resumed = from.is_some();
    if let Some(from) = from {
        let last = normalised
            .get((from.normalised as usize).wrapping_sub(1))
            .copied()
            .unwrap_or(b' ');
        builder.out.text.clear();
        builder.out.origins.clear();
        builder.out.push(last, from.source, from.source);
    }
    builder.feed_text(source, start, end);
    let (mut draft, spare) = if to.is_some() {
        builder.keeping_buffers()
    } else {
        builder.finish_keeping_buffers(source.len() as u32)
    };
    SPARE.set(spare.emptied());
    if resumed {
        draft.origins.drain(..1);
    }
    draft.origins
}

/// The builder's working buffers, kept on each thread from one text to the next: nearly every
/// text has a word of one letter or a token with a digit in it, and allocating these afresh for
/// each was a measurable part of a short message's cost.
#[derive(Debug, Default)]
struct Buffers {
    token: Vec<Unit>,
    singles: Vec<(u8, u32, u32)>,
    scratch: Vec<Unit>,
}

/// Buffers grown past this many entries (by a very long token) are not kept.
const MAX_KEPT_ENTRIES: usize = 4096;

impl Buffers {
    /// The buffers, empty, and without any grown past [`MAX_KEPT_ENTRIES`].
    fn emptied(mut self) -> Buffers {
        for buffer in [&mut self.token, &mut self.scratch] {
            buffer.clear();
            if buffer.capacity() > MAX_KEPT_ENTRIES {
                *buffer = Vec::new();
            }
        }
        self.singles.clear();
        if self.singles.capacity() > MAX_KEPT_ENTRIES {
            self.singles = Vec::new();
        }
        self
    }
}

thread_local! {
    /// The buffers the last text on this thread left (see [`Buffers`]).
    static SPARE: std::cell::Cell<Buffers> = const {
        std::cell::Cell::new(Buffers {
            token: Vec::new(),
            singles: Vec::new(),
            scratch: Vec::new(),
        })
    };
}

/// What one input character is, for word building.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Whitespace: ends a token.
    Space,
    /// A letter, already folded to `a`–`z` (or `#` for a letter outside the Latin alphabet).
    Letter,
    /// A digit; `value` is its l33t letter or the digit itself.
    Digit,
    /// A symbol with a l33t reading (`@`, `$`, `!`…), used only inside a word.
    Leet,
    /// Dropped inside a word (apostrophe, asterisk, zero-width).
    Joiner,
    /// Other punctuation: breaks words within a token.
    Punct,
    /// An asterisk standing for letters left out (`b*tch`, `c**t`): kept in the word as `*`.
    /// Only [`censoring_stars`] makes one.
    Censor,
}

#[derive(Debug, Clone, Copy)]
struct Unit {
    kind: Kind,
    /// The folded byte (letter), the digit, or the l33t letter.
    byte: u8,
    /// For a digit: its l33t letter, if any.
    leet: u8,
    /// What it adds to a word (see [`word_byte`]), or 0 for nothing: set when its token ends.
    word: u8,
    start: u32,
    end: u32,
}

const ASCII_KIND: [Kind; 128] = ascii_kinds();

/// Each ASCII byte's kind, folded byte and l33t letter (see [`ascii_unit`]).
const ASCII_UNITS: [(Kind, u8, u8); 128] = ascii_units();

/// The words of `text` (runs of letters and digits) and how many of them are letters alone.
fn count_words(text: &str) -> (u32, u32) {
    count_words_of(text.chars().map(|c| {
        if c.is_ascii() {
            (c.is_ascii_alphanumeric(), c.is_ascii_alphabetic())
        } else {
            (c.is_alphanumeric(), c.is_alphabetic())
        }
    }))
}

/// [`count_words`] for ASCII, read byte by byte rather than decoded.
fn count_ascii_words(text: &[u8]) -> (u32, u32) {
    count_words_of(
        text.iter()
            .map(|b| (b.is_ascii_alphanumeric(), b.is_ascii_alphabetic())),
    )
}

/// The words (runs of letters and digits) of the characters each given as whether it is a letter
/// or digit and whether it is a letter, and how many of them are letters alone.
fn count_words_of(characters: impl Iterator<Item = (bool, bool)>) -> (u32, u32) {
    let mut words = 0u32;
    let mut letter_words = 0u32;
    let mut in_word = false;
    let mut letters_only = true;
    for (alphanumeric, alphabetic) in characters {
        if alphanumeric {
            if !in_word {
                in_word = true;
                letters_only = true;
                words = words.saturating_add(1);
            }
            letters_only &= alphabetic;
        } else if in_word {
            in_word = false;
            letter_words = letter_words.saturating_add(u32::from(letters_only));
        }
    }
    if in_word {
        letter_words = letter_words.saturating_add(u32::from(letters_only));
    }
    (words, letter_words)
}

/// Whether a byte ends a token: ASCII whitespace and control characters (all at or below 0x20).
fn is_space(byte: u8) -> bool {
    byte <= b' '
}

/// Where the token starting at `at` ends (the next byte that [`is_space`], or the end of the
/// text), and whether it is plain ASCII. Reads eight bytes at a time.
fn token_end(bytes: &[u8], mut at: usize) -> (usize, bool) {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut high = 0u64;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // Flags bytes under 0x21 with the top bit clear; the lowest flag is always exact.
        let found = x.wrapping_sub(LOW * 0x21) & !x & HIGH;
        if found != 0 {
            let taken = found.trailing_zeros() / 8;
            let before = (1u64 << (8 * taken)).wrapping_sub(1);
            high |= x & before & HIGH;
            return (at + taken as usize, high == 0);
        }
        high |= x & HIGH;
        at += 8;
    }
    let mut ascii = high == 0;
    while at < bytes.len() && !is_space(bytes[at]) {
        ascii &= bytes[at] < 0x80;
        at += 1;
    }
    (at, ascii)
}

/// Whether an ASCII word is letters alone and, if so, whether a letter repeats (the same letter
/// twice in a row, in either case). Eight bytes at a time: this runs on nearly every word.
fn letters_and_repeats(core: &[u8]) -> Option<bool> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const CASE: u64 = 0x2020_2020_2020_2020;
    let mut repeats = false;
    // The last letter seen, lower-cased (0 before the first: no letter equals it).
    let mut previous = 0u8;
    let mut chunks = core.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        // Every byte is under 0x80 (the token is ASCII), so no sum below carries into the next
        // byte. Setting bit 5 lowers letters; a byte is then a letter if it lies in `a..=z`.
        let folded = u64::from_le_bytes(word) | CASE;
        let at_least_a = folded.wrapping_add(LOW * u64::from(0x80 - b'a'));
        let past_z = folded.wrapping_add(LOW * u64::from(0x80 - b'z' - 1));
        if at_least_a & !past_z & HIGH != HIGH {
            return None;
        }
        // Each byte against the one before it (the first against the previous chunk's last): a
        // zero byte in the difference is a repeat.
        let before = (folded << 8) | u64::from(previous);
        let difference = folded ^ before;
        repeats |= difference.wrapping_sub(LOW) & !difference & HIGH != 0;
        previous = (folded >> 56) as u8;
    }
    for &byte in chunks.remainder() {
        if !byte.is_ascii_alphabetic() {
            return None;
        }
        let folded = byte | 0x20;
        repeats |= folded == previous;
        previous = folded;
    }
    Some(repeats)
}

/// A short token of letters alone found by [`short_word`].
#[derive(Debug, Clone, Copy)]
struct ShortWord {
    /// The token's length in bytes (under eight).
    token: usize,
    /// The letters' length: the token's, or one less where it ends in a closing mark.
    core: usize,
    /// How many bytes the word takes written: `core`, less one for each letter the same as the
    /// one before it (squeezed out).
    written: usize,
    /// The word as written, in lower case, first byte lowest (the bytes past it are left over).
    lowered: u64,
}

/// What [`short_word`] found at a token.
#[derive(Debug, Clone, Copy)]
enum ShortRead {
    /// A short word.
    Word(ShortWord),
    /// A token of this many bytes (under eight), ASCII with no letter or digit (`>`, `--`, `|`,
    /// `...`): with no letter no symbol reads as one, so it writes nothing and counts no word.
    Marks(usize),
    /// Anything else, for the general fast path.
    Other,
}

/// The token at `at` when it is shorter than eight bytes, ASCII letters alone, perhaps followed
/// by one closing mark (`.`, `,`, `)`…), and the text goes on for eight bytes: most words of
/// ordinary prose. One eight-byte read decides all of it, and a letter the same as the one before
/// it (`will`, `been`, one word in twelve of mail) is squeezed out of that read, which spares
/// such words the loops of the general fast path. The same read finds a short token of marks
/// alone (the `>` of a quoted line, one token in twenty of mail). Anything else is
/// [`ShortRead::Other`] and takes the general fast path, which gives the same result (see the
/// tests).
fn short_word(bytes: &[u8], at: usize) -> ShortRead {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const CASE: u64 = 0x2020_2020_2020_2020;
    const SEVENS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let Some(chunk) = bytes.get(at..at + 8) else {
        return ShortRead::Other;
    };
    let mut word = [0u8; 8];
    word.copy_from_slice(chunk);
    let x = u64::from_le_bytes(word);
    // As in `token_end`: the lowest byte under 0x21 is flagged exactly.
    let spaces = x.wrapping_sub(LOW * 0x21) & !x & HIGH;
    if spaces == 0 {
        return ShortRead::Other;
    }
    let token = (spaces.trailing_zeros() / 8) as usize;
    if token == 0 {
        return ShortRead::Other;
    }
    let in_token = (1u64 << (8 * token)) - 1;
    if x & in_token & HIGH != 0 {
        // Not ASCII (and the sums below could carry between bytes).
        return ShortRead::Other;
    }
    // As in `letters_and_repeats`: bytes under 0x80 do not carry, and bytes past the token only
    // carry upwards, away from it.
    let folded = x | CASE;
    let at_least_a = folded.wrapping_add(LOW * u64::from(0x80 - b'a'));
    let past_z = folded.wrapping_add(LOW * u64::from(0x80 - b'z' - 1));
    let letters = at_least_a & !past_z & HIGH;
    let core = if letters & in_token == HIGH & in_token {
        token
    } else {
        if letters & in_token == 0 {
            // No letter: marks alone if there is no digit either.
            let at_least_0 = x.wrapping_add(LOW * u64::from(0x80 - b'0'));
            let past_9 = x.wrapping_add(LOW * u64::from(0x80 - b'9' - 1));
            if at_least_0 & !past_9 & HIGH & in_token == 0 {
                return ShortRead::Marks(token);
            }
        }
        let core = token - 1;
        let in_core = (1u64 << (8 * core)) - 1;
        if core == 0 || !is_closing_mark(bytes[at + core]) || letters & in_core != HIGH & in_core {
            return ShortRead::Other;
        }
        core
    };
    let in_core = (1u64 << (8 * core)) - 1;
    // A zero byte in the difference from the byte before is a repeat; the first byte is compared
    // with zero, which no letter is. Found exactly: with the top bit of each byte set aside, no
    // sum carries into the next byte.
    let difference = folded ^ (folded << 8);
    let mut repeats = !(((difference & SEVENS).wrapping_add(SEVENS)) | difference) & HIGH & in_core;
    // Each repeat squeezed out, the last first so that the places of the others stay put: the
    // bytes above it move down one.
    let mut lowered = folded;
    let mut written = core;
    while repeats != 0 {
        let bit = 63 - repeats.leading_zeros();
        repeats ^= 1u64 << bit;
        let below = (1u64 << (bit & !7)) - 1;
        lowered = (lowered & below) | ((lowered >> 8) & !below);
        written -= 1;
    }
    ShortRead::Word(ShortWord {
        token,
        core,
        written,
        lowered,
    })
}

/// The token at `at` when it is shorter than eight bytes, two runs of ASCII letters joined by an
/// apostrophe (`can't`, `I'm`, `it'll`, one token in sixty of mail; not `you're`, which is split
/// so as not to read as another word), and the text goes on for eight bytes: the word as the
/// general fast path writes it, the letters without the apostrophe, repeats squeezed (`it'll`
/// is `itl`). It counts as two words. Anything else is `None` and takes the general fast path,
/// which gives the same result (see the tests).
fn joined_word(bytes: &[u8], at: usize) -> Option<ShortWord> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const CASE: u64 = 0x2020_2020_2020_2020;
    const SEVENS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let chunk = bytes.get(at..at + 8)?;
    let mut word = [0u8; 8];
    word.copy_from_slice(chunk);
    let x = u64::from_le_bytes(word);
    // Most tokens here have no apostrophe in their first eight bytes: looked for first (a zero
    // byte of `x` with apostrophes taken away, flagged at least where the first one is).
    let quotes = x ^ (LOW * u64::from(b'\''));
    if quotes.wrapping_sub(LOW) & !quotes & HIGH == 0 {
        return None;
    }
    // As in `short_word`.
    let spaces = x.wrapping_sub(LOW * 0x21) & !x & HIGH;
    if spaces == 0 {
        return None;
    }
    let token = (spaces.trailing_zeros() / 8) as usize;
    let in_token = (1u64 << (8 * token)) - 1;
    let folded = x | CASE;
    let letters = folded.wrapping_add(LOW * u64::from(0x80 - b'a'))
        & !folded.wrapping_add(LOW * u64::from(0x80 - b'z' - 1))
        & !x
        & HIGH;
    // Exactly one byte of the token is not an ASCII letter: an apostrophe, with a letter on
    // each side of it.
    let others = !letters & HIGH & in_token;
    if others == 0 || others & (others - 1) != 0 {
        return None;
    }
    let apostrophe = (others.trailing_zeros() / 8) as usize;
    if apostrophe == 0 || apostrophe + 1 >= token || chunk[apostrophe] != b'\'' {
        return None;
    }
    if splits_contraction_at(&chunk[..token], apostrophe) {
        return None;
    }
    // The apostrophe taken out: the bytes above it move down one.
    let below = (1u64 << (8 * apostrophe)) - 1;
    let joined = (folded & below) | ((folded >> 8) & !below);
    let core = token - 1;
    let in_core = (1u64 << (8 * core)) - 1;
    let difference = joined ^ (joined << 8);
    let repeats = !(((difference & SEVENS).wrapping_add(SEVENS)) | difference) & HIGH & in_core;
    let (lowered, written) = squeeze_repeats(joined, core, repeats);
    Some(ShortWord {
        token,
        core,
        written,
        lowered,
    })
}

/// A token of letters alone found by [`long_word`]: as [`ShortWord`], for a token of 8 to 15
/// bytes.
#[derive(Debug, Clone, Copy)]
struct LongWord {
    /// The token's length in bytes (8 to 15).
    token: usize,
    /// How many bytes the word takes written: its letters (the token, or one less where it ends
    /// in a closing mark), less one for each letter the same as the one before it.
    written: usize,
    /// The word as written, in lower case, first byte lowest (the bytes past it are left over).
    lowered: u128,
}

/// The token at `at` when it is 8 to 15 bytes long, ASCII letters alone (at least the first
/// eight), perhaps followed by one closing mark, and the text goes on for sixteen bytes: the
/// longer words of prose (one token in eight of mail), which [`short_word`] leaves to the general
/// fast path. Two eight-byte reads, worked as [`short_word`] works its one, decide all of it and
/// squeeze out repeated letters; anything else is `None` and takes the general fast path, which
/// gives the same result (see the tests).
fn long_word(bytes: &[u8], at: usize) -> Option<LongWord> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const CASE: u64 = 0x2020_2020_2020_2020;
    const SEVENS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let chunk = bytes.get(at..at + 16)?;
    let mut first = [0u8; 8];
    first.copy_from_slice(&chunk[..8]);
    let mut second = [0u8; 8];
    second.copy_from_slice(&chunk[8..]);
    let x0 = u64::from_le_bytes(first);
    // As in `short_word`, a zero byte in the difference from the byte before is a repeat. The
    // first eight bytes must all be letters (which also rules out the end of the token, and
    // any byte that is not ASCII: no sum below carries between them).
    let folded0 = x0 | CASE;
    let letters0 = folded0.wrapping_add(LOW * u64::from(0x80 - b'a'))
        & !folded0.wrapping_add(LOW * u64::from(0x80 - b'z' - 1))
        & !x0
        & HIGH;
    let zero_bytes =
        |difference: u64| !(((difference & SEVENS).wrapping_add(SEVENS)) | difference) & HIGH;
    let repeats_in = |folded: u64| zero_bytes(folded ^ (folded << 8)) & !0xff;
    if letters0 != HIGH {
        // Seven letters and a closing mark, then the token's end (`through,`): eight bytes, one
        // too many for `short_word`.
        let seven = HIGH >> 8;
        if letters0 != seven || !is_space(chunk[8]) || !is_closing_mark(chunk[7]) {
            return None;
        }
        let (lowered, written) = squeeze_repeats(folded0, 7, repeats_in(folded0) & seven);
        return Some(LongWord {
            token: 8,
            written,
            lowered: u128::from(lowered),
        });
    }
    let x1 = u64::from_le_bytes(second);
    // As in `short_word`: the lowest byte under 0x21 is flagged exactly.
    let spaces = x1.wrapping_sub(LOW * 0x21) & !x1 & HIGH;
    if spaces == 0 {
        return None;
    }
    let rest = (spaces.trailing_zeros() / 8) as usize;
    let in_rest = (1u64 << (8 * rest)) - 1;
    if x1 & in_rest & HIGH != 0 {
        return None;
    }
    let folded1 = x1 | CASE;
    let letters1 = folded1.wrapping_add(LOW * u64::from(0x80 - b'a'))
        & !folded1.wrapping_add(LOW * u64::from(0x80 - b'z' - 1))
        & HIGH;
    let core1 = if letters1 & in_rest == HIGH & in_rest {
        rest
    } else {
        let core1 = rest - 1;
        let in_core1 = (1u64 << (8 * core1)) - 1;
        if !is_closing_mark(chunk[8 + core1]) || letters1 & in_core1 != HIGH & in_core1 {
            return None;
        }
        core1
    };
    let in_core1 = (1u64 << (8 * core1)) - 1;
    let repeats0 = repeats_in(folded0);
    // The second half's first byte is compared with the first half's last.
    let repeats1 = zero_bytes(folded1 ^ ((folded1 << 8) | (folded0 >> 56))) & in_core1;
    if repeats0 | repeats1 == 0 {
        return Some(LongWord {
            token: 8 + rest,
            written: 8 + core1,
            lowered: u128::from(folded0) | (u128::from(folded1) << 64),
        });
    }
    let (lowered0, written0) = squeeze_repeats(folded0, 8, repeats0);
    let (lowered1, written1) = squeeze_repeats(folded1, core1, repeats1);
    let kept0 = (1u128 << (8 * written0)) - 1;
    Some(LongWord {
        token: 8 + rest,
        written: written0 + written1,
        lowered: (u128::from(lowered0) & kept0) | (u128::from(lowered1) << (8 * written0)),
    })
}

/// Whether `byte` is a mark that may close a plain word (`word.`, `word,`, `(word)`): one the
/// ASCII fast path trims from a token's end.
fn is_closing_mark(byte: u8) -> bool {
    matches!(
        byte,
        b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b'"' | b'\'' | b']'
    )
}

/// The `len` letters of `folded` with each byte flagged in `repeats` (the top bit of a byte the
/// same as the one before it) squeezed out, the last first so that the places of the others
/// stay put: the bytes above it move down one. Returns them and how many are left.
fn squeeze_repeats(folded: u64, len: usize, mut repeats: u64) -> (u64, usize) {
    let mut lowered = folded;
    let mut written = len;
    while repeats != 0 {
        let bit = 63 - repeats.leading_zeros();
        repeats ^= 1u64 << bit;
        let below = (1u64 << (bit & !7)) - 1;
        lowered = (lowered & below) | ((lowered >> 8) & !below);
        written -= 1;
    }
    (lowered, written)
}

/// Tokens at least this long are not read as bit masks ([`TokenMasks`]): one bit a byte, with a
/// bit to spare past the end for the sums that find where runs end.
const MASKED_TOKEN_BYTES: usize = 64;

/// The bits from `from` up to (not including) `to`, both at most 64.
fn bits_between(from: usize, to: usize) -> u64 {
    let below = |n: usize| if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    below(to) & !below(from)
}

/// Where the run of set bits of `bits` starting at bit `from` ends (the first clear bit after
/// it, or 64).
fn run_end(bits: u64, from: usize) -> usize {
    if from >= 64 {
        return 64;
    }
    from + (!(bits >> from)).trailing_zeros() as usize
}

/// An ASCII token of fewer than [`MASKED_TOKEN_BYTES`] bytes as bit masks, bit `i` for its byte
/// `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TokenMasks {
    /// The letters (either case).
    letters: u64,
    /// The digits.
    digits: u64,
    /// The bytes equal to the byte before them, in either case (a repeated letter, where both
    /// are letters).
    repeats: u64,
}

impl TokenMasks {
    /// The masks of the ASCII token `bytes[start..end]`, read eight bytes at a time (`None` if
    /// it is empty or too long).
    fn of(bytes: &[u8], start: usize, end: usize) -> Option<TokenMasks> {
        const LOW: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        const CASE: u64 = 0x2020_2020_2020_2020;
        const SEVENS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        let len = end.checked_sub(start)?;
        if len == 0 || len >= MASKED_TOKEN_BYTES {
            return None;
        }
        // Gathers the top bit of each byte into one bit a byte, lowest byte lowest.
        let gather = |flags: u64| (flags >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        let mut letters = 0u64;
        let mut digits = 0u64;
        let mut repeats = 0u64;
        let mut previous = 0u64;
        let mut at = 0;
        while at < len {
            let from = start + at;
            let chunk = match bytes.get(from..from + 8) {
                Some(chunk) => {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(chunk);
                    word
                }
                None => {
                    let mut word = [0u8; 8];
                    let rest = bytes.get(from..end).unwrap_or_default();
                    word[..rest.len()].copy_from_slice(rest);
                    word
                }
            };
            let x = u64::from_le_bytes(chunk);
            // The token's bytes are under 0x80, so no sum below carries out of one of them; a
            // byte past the token may carry, but only upwards, into bytes past the token too.
            let folded = x | CASE;
            let at_least_a = folded.wrapping_add(LOW * u64::from(0x80 - b'a'));
            let past_z = folded.wrapping_add(LOW * u64::from(0x80 - b'z' - 1));
            let at_least_0 = x.wrapping_add(LOW * u64::from(0x80 - b'0'));
            let past_9 = x.wrapping_add(LOW * u64::from(0x80 - b'9' - 1));
            // A byte equal to the one before it (the first against the last chunk's last) is a
            // zero byte of the difference, found exactly: no sum carries between bytes.
            let difference = folded ^ ((folded << 8) | previous);
            let zero = !(((difference & SEVENS).wrapping_add(SEVENS)) | difference) & HIGH;
            letters |= gather(at_least_a & !past_z & HIGH) << at;
            digits |= gather(at_least_0 & !past_9 & HIGH) << at;
            repeats |= gather(zero) << at;
            previous = folded >> 56;
            at += 8;
        }
        let within = bits_between(0, len);
        Some(TokenMasks {
            letters: letters & within,
            digits: digits & within,
            // The first byte is compared with nothing.
            repeats: repeats & within & !1,
        })
    }

    /// The token's words (runs of letters and digits) and how many of them are letters alone,
    /// as [`count_ascii_words`] counts them.
    fn words(&self) -> (u32, u32) {
        let alnum = self.letters | self.digits;
        let words = (alnum & !(alnum << 1)).count_ones();
        // A word of letters alone is a run of letters with no digit before or after it: the
        // runs of letters whose first letter has no digit before it, added to the runs, carry
        // to the byte after each such run (tokens are shorter than 64 bytes, so the carry has
        // room), and that byte must not follow a last letter with a digit after it.
        let letters = self.letters;
        let run_starts = letters & !(letters << 1) & !(self.digits << 1);
        let run_ends = letters & !(letters >> 1) & !(self.digits >> 1);
        let past_runs = letters.wrapping_add(run_starts) & !letters;
        let letter_words = (past_runs & (run_ends << 1)).count_ones();
        (words, letter_words)
    }
}

const fn ascii_kinds() -> [Kind; 128] {
    let mut kinds = [Kind::Punct; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        kinds[i] = if b.is_ascii_alphabetic() {
            Kind::Letter
        } else if b.is_ascii_digit() {
            Kind::Digit
        } else if b.is_ascii_whitespace() || b < 0x20 {
            Kind::Space
        } else {
            match b {
                b'@' | b'$' | b'!' | b'|' | b'+' => Kind::Leet,
                b'\'' | b'*' | b'`' => Kind::Joiner,
                _ => Kind::Punct,
            }
        };
        i += 1;
    }
    kinds
}

/// What each ASCII byte adds to a word of a token of letters, digits, marks and apostrophes
/// (0: nothing), in a token without a letter and in one with a letter (where a digit reads as its
/// l33t letter if it has one).
const ASCII_WORD_BYTES: [[u8; 128]; 2] = [ascii_word_bytes(false), ascii_word_bytes(true)];

const fn ascii_word_bytes(has_letter: bool) -> [u8; 128] {
    let units = ascii_units();
    let mut adds = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let (kind, folded, leet) = units[i];
        adds[i] = match kind {
            Kind::Letter => folded,
            Kind::Digit if has_letter && leet != 0 => leet,
            Kind::Digit => i as u8,
            _ => 0,
        };
        i += 1;
    }
    adds
}

const fn ascii_units() -> [(Kind, u8, u8); 128] {
    let kinds = ascii_kinds();
    let mut units = [(Kind::Punct, 0, 0); 128];
    let mut i = 0;
    while i < 128 {
        let byte = i as u8;
        let kind = kinds[i];
        let folded = if matches!(kind, Kind::Letter) {
            byte.to_ascii_lowercase()
        } else {
            byte
        };
        units[i] = (kind, folded, leet_letter(byte));
        i += 1;
    }
    units
}

const fn leet_letter(byte: u8) -> u8 {
    match byte {
        b'0' => b'o',
        b'1' | b'!' => b'i',
        b'3' => b'e',
        b'4' | b'@' => b'a',
        b'5' | b'$' => b's',
        b'7' | b'+' => b't',
        b'|' => b'l',
        _ => 0,
    }
}

/// The unit of an ASCII byte: its kind, the letter in lower case, and its l33t letter (for any
/// byte: a symbol's is read only if it is [`Kind::Leet`]).
fn ascii_unit(byte: u8, at: u32) -> Unit {
    debug_assert!(byte.is_ascii());
    let (kind, folded, leet) = ASCII_UNITS[usize::from(byte & 0x7f)];
    Unit {
        kind,
        byte: folded,
        leet,
        word: 0,
        start: at,
        end: at + 1,
    }
}

/// Latin letters that Cyrillic, Greek and Cherokee letters and Latin small capitals (lower case)
/// are used to imitate.
fn homoglyph(ch: char) -> Option<u8> {
    let latin = match ch {
        'а' | 'α' => b'a',
        'в' | 'β' | 'ь' => b'b',
        'с' | 'ϲ' => b'c',
        'е' | 'ё' | 'ε' | 'є' => b'e',
        'һ' | 'н' => b'h',
        'і' | 'ї' | 'ι' | 'ӏ' => b'i',
        'ј' => b'j',
        'к' | 'κ' => b'k',
        'м' | 'μ' => b'm',
        'η' | 'п' => b'n',
        'о' | 'ο' | 'σ' => b'o',
        'р' | 'ρ' => b'p',
        'ԛ' => b'q',
        'г' => b'r',
        'ѕ' => b's',
        'т' | 'τ' => b't',
        'υ' | 'ц' => b'u',
        'ν' | 'ѵ' => b'v',
        'ш' | 'ω' => b'w',
        'х' | 'χ' => b'x',
        'у' | 'γ' => b'y',
        'ʐ' => b'z',
        'ß' => b's',
        'æ' => b'a',
        'ø' => b'o',
        'ł' => b'l',
        'đ' => b'd',
        // Latin small capitals, which "small caps" text generators write for the letters
        // (`bɪtch`), and a few other Latin letters drawn like ASCII ones.
        'ᴀ' | 'ɑ' => b'a',
        'ʙ' => b'b',
        'ᴄ' => b'c',
        'ᴅ' => b'd',
        'ᴇ' => b'e',
        'ꜰ' => b'f',
        'ɢ' | 'ɡ' => b'g',
        'ʜ' => b'h',
        'ɪ' | 'ı' | 'ɩ' => b'i',
        'ᴊ' => b'j',
        'ᴋ' => b'k',
        'ʟ' => b'l',
        'ᴍ' => b'm',
        'ɴ' => b'n',
        'ᴏ' => b'o',
        'ᴘ' => b'p',
        'ʀ' => b'r',
        'ꜱ' => b's',
        'ᴛ' => b't',
        'ᴜ' => b'u',
        'ᴠ' => b'v',
        'ᴡ' => b'w',
        'ʏ' => b'y',
        'ᴢ' => b'z',
        // Cherokee letters drawn like Latin ones (Unicode's confusables), as lower-cased: the
        // capitals (`Ꮲaki`, U+13E2) lower-case to the small letters of U+AB70–U+ABBF.
        '\u{AB7A}' => b'a',
        '\u{AB9F}' | '\u{13FC}' => b'b',
        '\u{ABAF}' => b'c',
        '\u{AB70}' | '\u{ABB7}' => b'd',
        '\u{AB7C}' => b'e',
        '\u{AB90}' | '\u{13FB}' => b'g',
        '\u{AB8B}' | '\u{AB92}' => b'h',
        '\u{AB75}' => b'i',
        '\u{AB7B}' => b'j',
        '\u{ABB6}' => b'k',
        '\u{ABAE}' => b'l',
        '\u{AB87}' => b'm',
        '\u{ABB2}' => b'p',
        '\u{AB71}' | '\u{ABA2}' | '\u{AB81}' => b'r',
        '\u{ABA5}' | '\u{ABAA}' => b's',
        '\u{AB72}' => b't',
        '\u{ABA9}' => b'v',
        '\u{AB83}' | '\u{ABA4}' => b'w',
        '\u{AB79}' | '\u{AB8D}' => b'y',
        '\u{AB93}' => b'z',
        _ => return None,
    };
    Some(latin)
}

fn is_joiner(ch: char) -> bool {
    matches!(
        ch,
        '\u{200B}'
            | '\u{200C}'
            | '\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '’'
            | '‘'
            | 'ʼ'
    )
}

/// The units one non-ASCII character stands for (usually one, sometimes none or several).
fn unicode_units_into(ch: char, start: u32, end: u32, units: &mut Vec<Unit>) {
    let mut push = |kind: Kind, byte: u8| {
        units.push(Unit {
            kind,
            byte,
            leet: if kind == Kind::Digit {
                leet_letter(byte)
            } else {
                0
            },
            word: 0,
            start,
            end,
        })
    };
    if matches!(ch, '’' | '‘' | 'ʼ') {
        push(Kind::Joiner, b'\'');
        return;
    }
    if is_joiner(ch) || is_combining_mark(ch) {
        push(Kind::Joiner, 0);
        return;
    }
    if ch.is_whitespace() {
        push(Kind::Space, b' ');
        return;
    }
    for lower in ch.to_lowercase() {
        if let Some(latin) = homoglyph(lower) {
            push(Kind::Letter, latin);
            continue;
        }
        let mut alphabetic_left = false;
        decompose_compatible(lower, |part| {
            if part.is_ascii_alphabetic() {
                push(Kind::Letter, part.to_ascii_lowercase() as u8);
            } else if part.is_ascii_digit() {
                push(Kind::Digit, part as u8);
            } else if part.is_ascii() {
                let unit = ascii_unit(part as u8, start);
                push(unit.kind, unit.byte);
            } else if let Some(latin) = homoglyph(part) {
                push(Kind::Letter, latin);
            } else if is_combining_mark(part) {
                // Diacritics are dropped.
            } else if part.is_alphabetic() {
                alphabetic_left = true;
            } else if part.is_whitespace() {
                push(Kind::Space, b' ');
            }
        });
        if alphabetic_left {
            push(Kind::Letter, b'#');
        }
    }
}

/// What `unit` adds to a word of its token (which has a letter or not), or `None` if it breaks
/// the word or joins its two sides. Never `Some(0)`.
fn word_byte(unit: Unit, has_letter: bool) -> Option<u8> {
    match unit.kind {
        Kind::Letter => Some(unit.byte),
        Kind::Digit => {
            if has_letter && unit.leet != 0 {
                Some(unit.leet)
            } else {
                Some(unit.byte)
            }
        }
        Kind::Leet => {
            // Symbols with no letter or digit after them are marks by now (see
            // `closing_symbols_are_marks`); the rest read as letters beside a letter.
            has_letter.then(|| leet_letter(unit.byte))
        }
        Kind::Censor => Some(b'*'),
        Kind::Joiner | Kind::Punct | Kind::Space => None,
    }
}

/// [`splits_contraction`] for the apostrophe at byte `i` of an ASCII token.
fn splits_contraction_at(token: &[u8], i: usize) -> bool {
    let letter = |j: usize, want: u8| token.get(j).is_some_and(|b| b.to_ascii_lowercase() == want);
    let word_goes_on = token.get(i + 3).is_some_and(u8::is_ascii_alphanumeric);
    token.get(i) == Some(&b'\'') && letter(i + 1, b'r') && letter(i + 2, b'e') && !word_goes_on
}

/// An apostrophe before a closing `re` ("who're", "you're") splits the word, so that "who're" does
/// not read as another word; other apostrophes join ("don't" → `dont`).
fn splits_contraction(token: &[Unit], i: usize) -> bool {
    if token[i].byte != b'\'' {
        return false;
    }
    let letter = |j: usize, want: u8| {
        token
            .get(j)
            .is_some_and(|u| u.kind == Kind::Letter && u.byte == want)
    };
    let word_goes_on = token
        .get(i + 3)
        .is_some_and(|u| matches!(u.kind, Kind::Letter | Kind::Digit));
    letter(i + 1, b'r') && letter(i + 2, b'e') && !word_goes_on
}

/// A l33t symbol reads as a letter only when a letter or digit follows it, perhaps after more
/// symbols or joiners (`sh!t`, `@ss`, `b!!tch`); the others become marks, so closing ones stay
/// punctuation (`Great!!` is `great`, as the ASCII fast path, which strips them, reads it). One
/// pass from the end, so a long run of symbols costs no more than its length.
fn closing_symbols_are_marks(token: &mut [Unit]) {
    let mut letter_follows = false;
    for unit in token.iter_mut().rev() {
        match unit.kind {
            Kind::Leet if !letter_follows => unit.kind = Kind::Punct,
            Kind::Leet | Kind::Joiner => {}
            kind => letter_follows = matches!(kind, Kind::Letter | Kind::Digit),
        }
    }
}

/// Asterisks that stand for letters left out of a word (`b*tch`, `c**t`, `wh*re`) become
/// [`Kind::Censor`], so the word keeps them as `*` and a lexicon term can be matched against it
/// letter by letter ([`crate::lexicon`]). A run of asterisks does so when a letter (or a digit or
/// symbol read as one) stands on each side of it. Asterisks set between single letters
/// throughout (`s*l*u*t`: two runs or more, one letter between each) are separators instead and
/// stay dropped, as are asterisks at a word's edge (`*note*`). Runs only on a token with a letter.
/// True if it made any.
fn censoring_stars(token: &mut [Unit]) -> bool {
    let is_star = |u: &Unit| u.kind == Kind::Joiner && u.byte == b'*';
    let letter_like = |u: &Unit| matches!(u.kind, Kind::Letter | Kind::Digit | Kind::Leet);
    // Each run of asterisks with a letter on both sides, as (start, end).
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < token.len() {
        if !is_star(&token[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < token.len() && is_star(&token[i]) {
            i += 1;
        }
        let before = start.checked_sub(1).and_then(|j| token.get(j));
        if before.is_some_and(letter_like) && token.get(i).is_some_and(letter_like) {
            runs.push((start, i));
        }
    }
    if runs.is_empty() {
        return false;
    }
    let separators = runs.len() >= 2 && runs.windows(2).all(|pair| pair[1].0 - pair[0].1 == 1);
    if separators {
        return false;
    }
    for (start, end) in runs {
        for unit in &mut token[start..end] {
            unit.kind = Kind::Censor;
        }
    }
    true
}

/// Longest gap (in original bytes) between single letters that are joined into one word: an emoji
/// (four bytes in UTF-8) with a space either side, as in "s 🙂 l 🙂 u 🙂 t".
const MAX_SPLIT_GAP: u32 = 6;

/// Most normalised bytes (letters and the spaces between the pieces) a token split by marks may
/// take for its pieces to be read joined ([`Normalised::split_words`]): more than any listed word.
pub const MAX_SPLIT_WORD_BYTES: usize = 40;

/// Builds the normalised form one unit at a time.
struct Builder<const MAP: bool> {
    out: Draft<MAP>,
    /// The current whitespace-delimited token.
    token: Vec<Unit>,
    /// Whether the current token has an asterisk (most have none, and need no look for one).
    token_has_star: bool,
    /// Single-letter words waiting to see whether they form a spelled-out word (`s l u t`).
    singles: Vec<(u8, u32, u32)>,
    /// Units of one non-ASCII character (reused).
    scratch: Vec<Unit>,
    /// Without `MAP`: the stretches from each checkpoint noted.
    stretches: Vec<Stretch>,
    /// Without `MAP`: the original byte from which the next token starting with nothing
    /// waiting is noted as a checkpoint (`usize::MAX`: none are noted).
    next_checkpoint: usize,
    /// Without `MAP`: the last original byte a checkpoint may be noted at.
    last_checkpoint: usize,
    /// Without `MAP`: about how many original bytes apart checkpoints are noted.
    checkpoint_spacing: usize,
}

/// One token's words as they are written, to record a token split by marks into several
/// ([`Normalised::split_words`]).
#[derive(Default)]
struct SplitWord {
    /// Words written or waiting.
    pieces: usize,
    /// Single letters before the first longer word (waiting in `Builder::singles`).
    leading_singles: usize,
    last_single: bool,
    /// The normalised position of the token's first letter, once written.
    start: Option<usize>,
    /// Whether its first letters were joined with others and cannot be told apart, or it is a
    /// contraction split so as not to read as another word ("who're"), or a digit was written
    /// (a reference number, `CRI-2026-0001`: listed words are letters alone).
    broken: bool,
}

impl SplitWord {
    /// A word of one letter, left waiting in `Builder::singles`.
    fn single(&mut self) {
        self.pieces += 1;
        self.last_single = true;
        if self.start.is_none() {
            self.leading_singles += 1;
        }
    }
}

impl<const MAP: bool> Builder<MAP> {
    #[cfg(test)]
    fn new(capacity: usize) -> Self {
        Self::with_buffers(capacity, Buffers::default())
    }

    /// A builder working in `buffers` (empty) for its tokens and single letters.
    fn with_buffers(capacity: usize, buffers: Buffers) -> Self {
        let mut out = Draft {
            // The padding spaces, and the fifteen bytes past a word's end that are written with
            // it and then dropped (`Builder::short_word`, `Builder::long_word`).
            text: Vec::with_capacity(capacity + 2 + 15),
            origins: Vec::with_capacity(if MAP { capacity + 2 } else { 0 }),
            words: 0,
            letter_words: 0,
            stars: false,
            ones: Vec::new(),
            splits: Vec::new(),
        };
        out.push(b' ', 0, 0);
        debug_assert!(buffers.token.is_empty() && buffers.singles.is_empty());
        Builder {
            out,
            // Allocated only if a token needs the general path (or left by an earlier text).
            token: buffers.token,
            token_has_star: false,
            singles: buffers.singles,
            scratch: buffers.scratch,
            stretches: Vec::new(),
            next_checkpoint: usize::MAX,
            last_checkpoint: 0,
            checkpoint_spacing: usize::MAX,
        }
    }

    /// The ASCII fast path: a token that is plain letters (perhaps with ordinary punctuation
    /// around it) goes straight to the output; anything else takes the general path.
    /// Splits text into tokens at ASCII whitespace; plain-ASCII tokens take the fast path, the
    /// rest are decoded character by character (Unicode whitespace inside them still splits).
    ///
    /// Only the tokens starting in `from..to` are read; `to` is the end of the text or the start
    /// of a token (a checkpoint), so none of them runs past it.
    fn feed_text(&mut self, text: &str, from: usize, to: usize) {
        let bytes = text.as_bytes();
        let bytes = &bytes[..to.min(bytes.len())];
        let mut at = from;
        while at < bytes.len() {
            if is_space(bytes[at]) {
                at += 1;
                continue;
            }
            if !MAP {
                match short_word(bytes, at) {
                    ShortRead::Word(word) => {
                        self.short_word(at, word);
                        // The byte that ended the word is whitespace (`short_word` found it
                        // there), so it is passed over with the word rather than by another turn
                        // of this loop.
                        at += word.token + 1;
                        continue;
                    }
                    ShortRead::Marks(token) => {
                        at += token + 1;
                        continue;
                    }
                    ShortRead::Other => {}
                }
            }
            // Checkpoints are noted only at tokens past the short words, which are most tokens
            // and are spared the check.
            if !MAP && at >= self.next_checkpoint {
                self.checkpoint(at);
            }
            if !MAP && let Some(word) = long_word(bytes, at) {
                self.long_word(word);
                // As after a short word: the byte that ended it is whitespace.
                at += word.token + 1;
                continue;
            }
            if !MAP && let Some(word) = joined_word(bytes, at) {
                self.joined_word(at, word);
                at += word.token + 1;
                continue;
            }
            let start = at;
            let (end, ascii) = token_end(bytes, at);
            at = end;
            if ascii {
                self.ascii_token(bytes, start, at);
            } else {
                self.unicode_token(text, start, at);
            }
        }
    }

    /// Notes a checkpoint at the token starting at `at`, if nothing is waiting and a byte has been
    /// written; otherwise the next token is tried.
    #[cold]
    #[inline(never)]
    fn checkpoint(&mut self, at: usize) {
        debug_assert!(self.token.is_empty() && !self.token_has_star);
        if at > self.last_checkpoint {
            self.next_checkpoint = usize::MAX;
            return;
        }
        if !self.singles.is_empty() || self.out.text.len() < 2 {
            return;
        }
        if let (Ok(normalised), Ok(source)) =
            (u32::try_from(self.out.text.len()), u32::try_from(at))
        {
            if self.stretches.is_empty() {
                self.stretches
                    .reserve(self.last_checkpoint / self.checkpoint_spacing + 1);
            }
            self.stretches.push(Stretch {
                from: Checkpoint { normalised, source },
                origins: OnceLock::new(),
            });
        }
        self.next_checkpoint = at.saturating_add(self.checkpoint_spacing);
    }

    /// Counts the words of a token that does not take the fast path (words never span tokens,
    /// since whitespace is neither letter nor digit).
    fn count_words(&mut self, (words, letter_words): (u32, u32)) {
        self.out.words = self.out.words.saturating_add(words);
        self.out.letter_words = self.out.letter_words.saturating_add(letter_words);
    }

    /// Kept out of [`Builder::feed_text`]'s loop: inlined there, it took registers the ASCII
    /// fast path needs (the position in the text went to and from the stack for every word), and
    /// normalising ordinary ASCII mail was 15–20% slower (`MEASUREMENTS.md`).
    #[inline(never)]
    fn unicode_token(&mut self, text: &str, start: usize, end: usize) {
        self.count_words(count_words(&text[start..end]));
        let mut scratch = std::mem::take(&mut self.scratch);
        for (offset, ch) in text[start..end].char_indices() {
            let at = (start + offset) as u32;
            if ch.is_ascii() {
                self.feed(ascii_unit(ch as u8, at));
                continue;
            }
            scratch.clear();
            let char_end = at + ch.len_utf8() as u32;
            unicode_units_into(ch, at, char_end, &mut scratch);
            if scratch.is_empty() {
                self.feed(Unit {
                    kind: Kind::Punct,
                    byte: 0,
                    leet: 0,
                    word: 0,
                    start: at,
                    end: char_end,
                });
            }
            for &unit in &scratch {
                self.feed(unit);
            }
        }
        self.scratch = scratch;
        self.end_token();
    }

    /// A word [`short_word`] found at `at`: what [`Builder::ascii_token`] makes of it, without
    /// the map back to the original.
    #[inline(always)]
    fn short_word(&mut self, at: usize, word: ShortWord) {
        self.out.count_letter_word();
        let first = at as u32;
        let lowered = word.lowered.to_le_bytes();
        if word.core == 1 {
            self.push_single((lowered[0], first, first + 1));
            return;
        }
        self.flush_singles();
        // The space before the word (as `push_space` writes it: unless one is there already) and
        // the word, at most seven bytes, in one eight-byte store, then their length kept: a copy
        // of a length known only now would be a call for every word. The output has room (see
        // `Builder::new`).
        let text = &mut self.out.text;
        let space = text.last() != Some(&b' ');
        let stored = if space {
            (word.lowered << 8) | u64::from(b' ')
        } else {
            word.lowered
        };
        let end = text.len() + usize::from(space) + word.written;
        text.extend_from_slice(&stored.to_le_bytes());
        text.truncate(end);
    }

    /// A word [`joined_word`] found at `at`: what [`Builder::ascii_token`] makes of it (two
    /// words counted, one written), without the map back to the original. Kept out of
    /// [`Builder::feed_text`]'s loop, where a second copy of the short word's store took
    /// registers from it.
    #[inline(never)]
    fn joined_word(&mut self, at: usize, word: ShortWord) {
        self.out.count_letter_word();
        self.short_word(at, word);
    }

    /// A word [`long_word`] found: what [`Builder::ascii_token`] makes of it, without the map
    /// back to the original. As [`Builder::short_word`] writes a short word, in one sixteen-byte
    /// store (the word has seven letters or more, so it is never a single letter left waiting).
    fn long_word(&mut self, word: LongWord) {
        self.out.count_letter_word();
        self.flush_singles();
        let text = &mut self.out.text;
        let space = text.last() != Some(&b' ');
        let stored = if space {
            (word.lowered << 8) | u128::from(b' ')
        } else {
            word.lowered
        };
        let end = text.len() + usize::from(space) + word.written;
        text.extend_from_slice(&stored.to_le_bytes());
        text.truncate(end);
    }

    fn ascii_token(&mut self, bytes: &[u8], start: usize, end: usize) {
        let mut core_start = start;
        let mut core_end = end;
        while core_start < core_end && matches!(bytes[core_start], b'(' | b'"' | b'\'' | b'[') {
            core_start += 1;
        }
        while core_end > core_start
            && matches!(
                bytes[core_end - 1],
                b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b'"' | b'\'' | b']'
            )
        {
            core_end -= 1;
        }
        let core = &bytes[core_start..core_end];
        let plain = if core.is_empty() {
            None
        } else {
            letters_and_repeats(core)
        };
        let Some(repeats) = plain else {
            if !MAP && self.masked_token(bytes, start, end) {
                return;
            }
            let token = &bytes[start..end];
            if !token.iter().any(u8::is_ascii_alphanumeric) {
                // Punctuation alone (`|`, `-`, `...`): with no letter, no symbol reads as one,
                // so the general path would emit nothing and count no word.
                return;
            }
            if self.letters_between_marks(start, token) || self.words_between_marks(start, token) {
                return;
            }
            self.count_words(count_ascii_words(&bytes[start..end]));
            for (offset, &byte) in bytes[start..end].iter().enumerate() {
                self.token_has_star |= byte == b'*';
                self.token.push(ascii_unit(byte, (start + offset) as u32));
            }
            self.end_token();
            return;
        };
        // Punctuation around letters: one word, of letters alone.
        self.out.count_letter_word();
        let first = core_start as u32;
        if core.len() == 1 {
            self.push_single((core[0].to_ascii_lowercase(), first, first + 1));
            return;
        }
        self.flush_singles();
        self.out.push_space(first);
        if !MAP {
            // Without the map: copied eight bytes at a time, then each repeat squeezed out in
            // place, where the loops below cost about 7 and 25 instructions a letter.
            self.out.extend_lowered(bytes, core_start, core_end);
            if repeats {
                self.out.squeeze_last(core.len());
            }
            return;
        }
        if repeats {
            // Run by run: each run of one letter (in either case) becomes that letter once, with
            // the run's length and its whole span (as `push_word_byte` would build it, byte by byte).
            let mut i = 0;
            while i < core.len() {
                let letter = core[i].to_ascii_lowercase();
                let mut j = i + 1;
                while j < core.len() && core[j].to_ascii_lowercase() == letter {
                    j += 1;
                }
                self.out.text.push(letter);
                if MAP {
                    self.out.origins.push(Origin {
                        start: first + i as u32,
                        end: first + j as u32,
                        run: u8::try_from(j - i).unwrap_or(u8::MAX),
                    });
                }
                i = j;
            }
            return;
        }
        // No letter repeats (and the space before is not a letter): copied as it stands, in
        // lower case (setting bit 5 lowers an ASCII letter).
        self.out.text.extend(core.iter().map(|&b| b | 0x20));
        if MAP {
            self.out
                .origins
                .extend((first..first + core.len() as u32).map(|start| Origin {
                    start,
                    end: start + 1,
                    run: 1,
                }));
        }
    }

    /// Without the map, an ASCII token shorter than [`MASKED_TOKEN_BYTES`] that is not a plain
    /// word, with no apostrophe, l33t symbol, asterisk or backtick (`e-mail`, `2002-07-24`,
    /// `10:54:46`, `README.txt,`, `http://xent.com/mailman/listinfo/fork`, or punctuation
    /// alone): what [`Builder::letters_between_marks`] and [`Builder::words_between_marks`] make
    /// of it, worked out from bit masks of its letters and digits read eight bytes at a time
    /// ([`TokenMasks`]), so that each word is found in a few instructions and copied whole rather
    /// than byte by byte. False, having done nothing, for any other token.
    fn masked_token(&mut self, bytes: &[u8], start: usize, end: usize) -> bool {
        let Some(masks) = TokenMasks::of(bytes, start, end) else {
            return false;
        };
        let TokenMasks {
            letters,
            digits,
            repeats,
        } = masks;
        let alnum = letters | digits;
        if alnum == 0 {
            // Punctuation alone (`|`, `-`, `...`): with no letter, no symbol reads as one, so
            // the general path would emit nothing and count no word.
            return true;
        }
        let token = &bytes[start..end];
        // Every byte that is not a letter or digit must be punctuation that breaks words.
        let mut marks = !alnum & bits_between(0, token.len());
        while marks != 0 {
            let at = marks.trailing_zeros() as usize;
            marks &= marks - 1;
            if ASCII_UNITS[usize::from(token[at] & 0x7f)].0 != Kind::Punct {
                return false;
            }
        }
        self.count_words(masks.words());
        let has_letter = letters != 0;
        let adds = &ASCII_WORD_BYTES[usize::from(has_letter)];
        let mut split = SplitWord::default();
        let mut rest = alnum;
        while rest != 0 {
            let from = rest.trailing_zeros() as usize;
            let to = run_end(rest, from);
            rest &= !bits_between(from, to);
            let position = (start + from) as u32;
            let piece = bits_between(from, to);
            if to - from == 1 {
                let first = adds[usize::from(token[from] & 0x7f)];
                if first.is_ascii_lowercase() {
                    self.push_single((first, position, position + 1));
                    split.single();
                    continue;
                }
            }
            self.begin_word(position, &mut split);
            if digits & piece == 0 {
                // Letters alone: copied whole, and repeats squeezed only if there are any.
                self.out.extend_lowered(bytes, start + from, start + to);
                if repeats & bits_between(from + 1, to) != 0 {
                    self.out.squeeze_last(to - from);
                }
            } else if !has_letter {
                // Digits alone, in a token without letters: written as they are, never squeezed.
                self.out.text.extend_from_slice(&token[from..to]);
                split.broken = true;
            } else {
                // Letters and digits (`mp3`, `ipv6`, `b1tch`): byte by byte, digits read as
                // l33t letters, as the general path writes them.
                for (offset, &byte) in token[from..to].iter().enumerate() {
                    let b = adds[usize::from(byte & 0x7f)];
                    self.push_read_byte(b, byte, position + offset as u32, &mut split);
                }
            }
        }
        self.end_split(&split);
        true
    }

    /// An ASCII token of letters and punctuation alone (`OFFICIAL-SENSITIVE:`, `and/or`), with
    /// at least one letter: each run of letters is a word, as the general path would make it,
    /// without building a unit for each byte. False, having done nothing, for any other token.
    fn letters_between_marks(&mut self, start: usize, token: &[u8]) -> bool {
        let kind = |byte: u8| ASCII_KIND[usize::from(byte & 0x7f)];
        if !token
            .iter()
            .all(|&b| b < 0x80 && matches!(kind(b), Kind::Letter | Kind::Punct))
        {
            return false;
        }
        let mut split = SplitWord::default();
        let mut at = 0;
        while at < token.len() {
            if kind(token[at]) != Kind::Letter {
                at += 1;
                continue;
            }
            let from = at;
            while at < token.len() && kind(token[at]) == Kind::Letter {
                at += 1;
            }
            self.out.count_letter_word();
            let first = (start + from) as u32;
            if at - from == 1 {
                self.push_single((token[from].to_ascii_lowercase(), first, first + 1));
                split.single();
                continue;
            }
            self.begin_word(first, &mut split);
            for (offset, &byte) in token[from..at].iter().enumerate() {
                let position = first + offset as u32;
                self.out
                    .push_word_byte(byte.to_ascii_lowercase(), position, position + 1);
            }
        }
        self.end_split(&split);
        true
    }

    /// An ASCII token of letters, digits, punctuation and apostrophes alone, with at least one
    /// letter or digit (`2002`, `10:54:46`, `can't`, `you're`, `http://example.com/0,aid,103259`):
    /// its words as the general path would make them, without building a unit for each byte.
    /// False, having done nothing, for any other token (one with a l33t symbol, an asterisk or a
    /// backtick).
    ///
    /// As on the general path: in a token with a letter a digit reads as its l33t letter if it has
    /// one; a word is a run of letters and digits, joined across apostrophes except one before a
    /// closing `re` ([`splits_contraction`]); a word of one letter waits with the others.
    fn words_between_marks(&mut self, start: usize, token: &[u8]) -> bool {
        // The token's words are counted as it is read, as `count_ascii_words` counts them: a
        // word is a run of letters and digits, and a letter word has no digit.
        let mut has_letter = false;
        let mut words = 0u32;
        let mut letter_words = 0u32;
        let mut in_word = false;
        let mut letters_only = true;
        for &byte in token {
            let alphabetic = match ASCII_KIND[usize::from(byte & 0x7f)] {
                _ if byte >= 0x80 => return false,
                Kind::Letter => true,
                Kind::Digit => false,
                Kind::Punct => {
                    letter_words += u32::from(in_word && letters_only);
                    in_word = false;
                    continue;
                }
                Kind::Joiner if byte == b'\'' => {
                    letter_words += u32::from(in_word && letters_only);
                    in_word = false;
                    continue;
                }
                _ => return false,
            };
            has_letter |= alphabetic;
            if !in_word {
                in_word = true;
                letters_only = true;
                words += 1;
            }
            letters_only &= alphabetic;
        }
        letter_words += u32::from(in_word && letters_only);
        debug_assert_eq!((words, letter_words), count_ascii_words(token));
        // What each byte adds to a word (0: nothing), as `word_byte` reads its unit: one look-up.
        let adds = &ASCII_WORD_BYTES[usize::from(has_letter)];
        let word_of = |byte: u8| adds[usize::from(byte & 0x7f)];
        self.count_words((words, letter_words));
        let mut split = SplitWord::default();
        let mut at = 0;
        while at < token.len() {
            if word_of(token[at]) == 0 {
                if token[at] == b'\'' && splits_contraction_at(token, at) {
                    // "who're" is split so as not to read as another word: not to be read joined.
                    split.broken = true;
                }
                at += 1;
                continue;
            }
            let from = at;
            let mut count = 0;
            while let Some(&byte) = token.get(at) {
                if word_of(byte) != 0 {
                    count += 1;
                } else if byte != b'\'' {
                    break;
                } else if splits_contraction_at(token, at) {
                    split.broken = true;
                    break;
                }
                at += 1;
            }
            let first = word_of(token[from]);
            let position = (start + from) as u32;
            if count == 1 && first.is_ascii_lowercase() {
                self.push_single((first, position, position + 1));
                split.single();
                continue;
            }
            self.begin_word(position, &mut split);
            for (offset, &byte) in token[from..at].iter().enumerate() {
                let b = word_of(byte);
                if b == 0 {
                    continue;
                }
                self.push_read_byte(b, byte, position + offset as u32, &mut split);
            }
        }
        self.end_split(&split);
        true
    }

    /// Writes `b`, what the ASCII byte `byte` at original `position` reads as within a word of
    /// letters and digits: a digit left as one marks the word as broken (a reference number), and
    /// a `1` read as `i` is noted, so that its reading as `l` can be tried too.
    #[inline]
    fn push_read_byte(&mut self, b: u8, byte: u8, position: u32, split: &mut SplitWord) {
        split.broken |= b.is_ascii_digit();
        self.out.push_word_byte(b, position, position + 1);
        if b == b'i' && byte == b'1' {
            let at = u32::try_from(self.out.text.len() - 1).unwrap_or(u32::MAX);
            if self.out.ones.last() != Some(&at) {
                self.out.ones.push(at);
            }
        }
    }

    /// Writes out the single letters waiting and the space before a word of two or more bytes,
    /// noting in `split` where the token's first letter went.
    fn begin_word(&mut self, at: u32, split: &mut SplitWord) {
        let waiting = self.singles.len();
        self.flush_singles();
        if split.start.is_none() && !split.broken && split.leading_singles > 0 {
            // The token's single letters were the last ones waiting, each written as a word of
            // its own (" c unt"), unless three or more were waiting and were joined.
            split.start = (waiting < 3 && waiting >= split.leading_singles)
                .then(|| self.out.text.len() + 1 - 2 * split.leading_singles);
            split.broken = split.start.is_none();
        }
        self.out.push_space(at);
        if split.start.is_none() && !split.broken {
            split.start = Some(self.out.text.len());
        }
        split.pieces += 1;
        split.last_single = false;
    }

    /// Records a token split by marks into two or more pieces ([`Normalised::split_words`]), once
    /// every piece is written: a token ending in a single letter leaves it waiting for the
    /// letters after it, and is not recorded.
    fn end_split(&mut self, split: &SplitWord) {
        if split.pieces < 2 || split.last_single || split.broken {
            return;
        }
        let Some(from) = split.start else {
            return;
        };
        let to = self.out.text.len();
        if to - from > MAX_SPLIT_WORD_BYTES {
            return;
        }
        if let (Ok(from), Ok(to)) = (u32::try_from(from), u32::try_from(to)) {
            self.out.splits.push((from, to));
        }
    }

    fn feed(&mut self, unit: Unit) {
        if unit.kind == Kind::Space {
            self.end_token();
            return;
        }
        self.token_has_star |= unit.byte == b'*' && unit.kind == Kind::Joiner;
        self.token.push(unit);
    }

    #[cfg(test)]
    fn finish(self, len: u32) -> Draft<MAP> {
        self.finish_keeping_buffers(len).0
    }

    /// The normalised form, and the working buffers for another text.
    fn finish_keeping_buffers(mut self, len: u32) -> (Draft<MAP>, Buffers) {
        self.finish_in_place(len);
        self.keeping_buffers()
    }

    /// Ends the text (of `len` bytes): the last token, the single letters waiting, and the
    /// padding space.
    fn finish_in_place(&mut self, len: u32) {
        self.end_token();
        self.flush_singles();
        self.out.push_space(len);
    }

    /// What has been written so far (stopping at a checkpoint, where nothing is waiting), and the
    /// working buffers for another text.
    fn keeping_buffers(self) -> (Draft<MAP>, Buffers) {
        debug_assert!(self.token.is_empty() && self.singles.is_empty());
        let buffers = Buffers {
            token: self.token,
            singles: self.singles,
            scratch: self.scratch,
        };
        (self.out, buffers)
    }

    fn end_token(&mut self) {
        if self.token.is_empty() {
            return;
        }
        let mut token = std::mem::take(&mut self.token);
        let has_letter = token.iter().any(|u| u.kind == Kind::Letter);
        closing_symbols_are_marks(&mut token);
        if has_letter && std::mem::take(&mut self.token_has_star) && censoring_stars(&mut token) {
            self.out.stars = true;
        }
        self.token_has_star = false;
        let mut word_start = None;
        let mut split = SplitWord::default();
        for i in 0..token.len() {
            // Worked out once here, and read again by `emit_word` for the word's units.
            let word = word_byte(token[i], has_letter).unwrap_or(0);
            token[i].word = word;
            if word != 0 {
                word_start.get_or_insert(i);
                continue;
            }
            if token[i].kind == Kind::Joiner {
                if !splits_contraction(&token, i) {
                    continue;
                }
                // "who're" is split so as not to read as another word: not to be read joined.
                split.broken = true;
            }
            if let Some(from) = word_start.take() {
                self.emit_word(&token, from, i, &mut split);
            }
        }
        if let Some(from) = word_start {
            self.emit_word(&token, from, token.len(), &mut split);
        }
        self.end_split(&split);
        self.token = token;
        self.token.clear();
    }

    /// Writes the word of units `from..to` of the token, their `word` bytes set: the first adds
    /// to the word, and each of the others adds to it or joins. A word of one letter is held back
    /// with the others waiting (see [`Builder::push_single`]).
    fn emit_word(&mut self, token: &[Unit], from: usize, to: usize, split: &mut SplitWord) {
        let (Some(first), Some(rest)) = (token.get(from), token.get(from + 1..to)) else {
            return;
        };
        debug_assert!(first.word != 0);
        if first.word.is_ascii_lowercase() && rest.iter().all(|u| u.word == 0) {
            self.push_single((first.word, first.start, first.end));
            split.single();
            return;
        }
        self.begin_word(first.start, split);
        for unit in &token[from..to] {
            let b = unit.word;
            if b == 0 {
                continue;
            }
            split.broken |= b.is_ascii_digit();
            self.out.push_word_byte(b, unit.start, unit.end);
            if b == b'i' && unit.kind == Kind::Digit && unit.byte == b'1' {
                let at = u32::try_from(self.out.text.len() - 1).unwrap_or(u32::MAX);
                if self.out.ones.last() != Some(&at) {
                    self.out.ones.push(at);
                }
            }
        }
    }

    fn push_single(&mut self, letter: (u8, u32, u32)) {
        if let Some(&(_, _, last_end)) = self.singles.last()
            && letter.1.saturating_sub(last_end) > MAX_SPLIT_GAP
        {
            self.flush_singles();
        }
        self.singles.push(letter);
    }

    /// Writes out the single letters waiting (joined when there are three or more). Called before
    /// every word, and nearly always with none waiting, so that check is inlined.
    #[inline]
    fn flush_singles(&mut self) {
        if !self.singles.is_empty() {
            self.write_singles();
        }
    }

    fn write_singles(&mut self) {
        let singles = std::mem::take(&mut self.singles);
        if singles.len() >= 3 {
            // "a" or "i" (or the text-speak "u r a") before three or more letters may be words
            // of their own ("you're a s l u t", "u r a s l u t") or the first letters of the word
            // spelled out ("a b u s e"). Both readings are written, the words first: " a slut
            // aslut ", " ura slut uraslut " ("u r a" as the other single letters are joined, and
            // as the address check knows it). Each keeps one side's neighbours ("a slut" the
            // words before, "aslut" the words after), and both map back to the same letters of
            // the original.
            let words = match singles.as_slice() {
                [(b'u', ..), (b'r', ..), (b'a', ..), ..] => 3,
                [(b'a' | b'i', ..), ..] => 1,
                _ => 0,
            };
            if words > 0 && singles.len() >= words + 3 {
                let (before, rest) = singles.split_at(words);
                self.out.push_space(before[0].1);
                for &(b, start, end) in before {
                    self.out.push_word_byte(b, start, end);
                }
                self.out.push_space(rest[0].1);
                for &(b, start, end) in rest {
                    self.out.push_word_byte(b, start, end);
                }
            }
            self.out.push_space(singles[0].1);
            for &(b, start, end) in &singles {
                self.out.push_word_byte(b, start, end);
            }
        } else {
            for &(b, start, end) in &singles {
                self.out.push_space(start);
                self.out.push_word_byte(b, start, end);
            }
        }
        self.singles = singles;
        self.singles.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Normalisation with every token on the general, character-by-character path, with the map
    /// back to the original.
    fn general(text: &str) -> Draft<true> {
        let mut builder = Builder::<true>::new(text.len());
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if is_space(bytes[at]) {
                at += 1;
                continue;
            }
            let start = at;
            while at < bytes.len() && !is_space(bytes[at]) {
                at += 1;
            }
            builder.unicode_token(text, start, at);
        }
        builder.finish(text.len() as u32)
    }

    /// With fresh buffers, as every text was normalised before they were kept between texts.
    fn fresh<const MAP: bool>(text: &str) -> Draft<MAP> {
        let mut builder = Builder::<MAP>::new(text.len());
        builder.feed_text(text, 0, text.len());
        builder.finish(text.len() as u32)
    }

    /// `text` normalised with checkpoints every `spacing` bytes gives what the general path
    /// gives: the bytes, word counts, ones, stars, split words and the map worked out from the
    /// checkpoints.
    fn agrees_with_general(text: &str, spacing: usize) -> Result<(), TestCaseError> {
        let slow = general(text);
        let fast = normalise_with_checkpoints(text, spacing);
        prop_assert_eq!(fast.bytes(), &slow.text[..]);
        prop_assert_eq!(
            (fast.words, fast.letter_words),
            (slow.words, slow.letter_words)
        );
        prop_assert_eq!(fast.ones(), &slow.ones[..]);
        prop_assert_eq!(fast.has_stars(), slow.stars);
        prop_assert_eq!(fast.split_words(), &slow.splits[..]);
        prop_assert_eq!(fast.origins(), slow.origins);
        Ok(())
    }

    fn assert_same_drafts<const MAP: bool>(ours: &Draft<MAP>, fresh: &Draft<MAP>) {
        assert_eq!(ours.text, fresh.text);
        assert_eq!(ours.origins, fresh.origins);
        assert_eq!(
            (ours.words, ours.letter_words, ours.stars),
            (fresh.words, fresh.letter_words, fresh.stars)
        );
        assert_eq!(ours.ones, fresh.ones);
        assert_eq!(ours.splits, fresh.splits);
    }

    proptest! {
        /// The working buffers a text leaves for the next on its thread change nothing: a text
        /// normalised after any other gives what fresh buffers give, map or no map.
        #[test]
        fn buffers_left_by_an_earlier_text_change_nothing(
            before in r"([a-zA-Z]{1,6}|[ \n]{1,2}|[0-9@$!'*.,;:?()_-]|é|\x{200B}|[a-z] [a-z] [a-z])*",
            text in r"([a-zA-Z]{1,6}|[ \n]{1,2}|[0-9@$!'*.,;:?()_-]|é|\x{200B}|[a-z] [a-z] [a-z])*",
        ) {
            let _ = build::<false>(&before);
            assert_same_drafts(&build::<false>(&text), &fresh::<false>(&text));
            let _ = build::<true>(&before);
            assert_same_drafts(&build::<true>(&text), &fresh::<true>(&text));
            let _ = build::<true>(&before);
            assert_same_drafts(&build::<false>(&text), &fresh::<false>(&text));
        }

        /// The ASCII fast path (tokens found eight bytes at a time, plain words copied whole)
        /// gives exactly what the general path gives, positions and repeat counts included.
        #[test]
        fn the_fast_path_agrees_with_the_general_path(
            text in r"([a-cA-C]{1,12}|[a-zA-Z]{1,24}|[ \t\n\r\x0b]{1,3}|[0-9@$!'*.,;:?()\[\]\x22|+`{}~^_\\-]|é|\x{200B}|'[rR][eE]|n't|[a-c0-9]{1,6}|[0-9]{1,4}[:./-][0-9]{1,4})*"
        ) {
            let fast = normalise(&text);
            let slow = general(&text);
            prop_assert_eq!(fast.bytes(), &slow.text[..]);
            prop_assert_eq!(fast.origins(), &slow.origins[..]);
            prop_assert_eq!((fast.words, fast.letter_words), (slow.words, slow.letter_words));
            prop_assert_eq!(fast.ones(), &slow.ones[..]);
            prop_assert_eq!(fast.has_stars(), slow.stars);
            prop_assert_eq!(fast.split_words(), &slow.splits[..]);
            // Each split word is whole words of the text: a space before it and after it.
            for &(from, to) in fast.split_words() {
                let (from, to) = (from as usize, to as usize);
                prop_assert!(from < to && fast.bytes()[from - 1] == b' ' && fast.bytes()[to] == b' ');
                prop_assert!(fast.bytes()[from..to].contains(&b' '));
            }
        }

        /// Built without the map, the normalised bytes and word counts are those built with it,
        /// and the map worked out later is the one built with them, whatever the text.
        #[test]
        fn the_map_worked_out_later_is_the_one_built_with_the_text(
            text in prop_oneof![
                any::<String>(),
                r"([a-zA-Z]{1,12}|[ .\-]{1,2}|[0-9@$!'*|+]|é|ß|ﬃ|\x{200B}|’|а)*",
            ]
        ) {
            let with_map = build::<true>(&text);
            let lazy = normalise(&text);
            prop_assert_eq!(lazy.bytes(), &with_map.text[..]);
            prop_assert_eq!((lazy.words, lazy.letter_words), (with_map.words, with_map.letter_words));
            prop_assert_eq!(lazy.origins(), &with_map.origins[..]);
            prop_assert_eq!(lazy.split_words(), &with_map.splits[..]);
            prop_assert_eq!(with_map.origins.len(), with_map.text.len());
        }

        /// The map worked out a stretch at a time, from checkpoints however close together and
        /// asked for in any order, is the map the whole text normalised again gives: every entry,
        /// so every range and repeat count.
        #[test]
        fn the_map_worked_out_between_checkpoints_is_the_whole_map(
            text in prop_oneof![
                any::<String>(),
                r"([a-zA-Z]{1,12}|[a-c]{1,6}|[ \t\n]{1,3}|[a-z] [a-z] [a-z]|[a-z]\.[a-z]\.[a-z]|[.,\-_/]{1,2}|[0-9@$!'*|+]|é|ß|ﬃ|\x{200B}|\x{2003}|’|а|с|ο|🙂|ＳＬＵＴ)*",
            ],
            spacing in 1usize..48,
            backwards in any::<bool>(),
        ) {
            let whole = build::<true>(&text);
            let n = normalise_with_checkpoints(&text, spacing);
            prop_assert_eq!(n.bytes(), &whole.text[..]);
            prop_assert!(n.stretches.windows(2).all(|pair| pair[0].from.source < pair[1].from.source));
            let indices: Vec<usize> = if backwards {
                (0..n.len()).rev().collect()
            } else {
                (0..n.len()).collect()
            };
            for index in indices {
                prop_assert_eq!(n.origin(index), whole.origins.get(index).copied());
                prop_assert_eq!(n.run(index), whole.origins[index].run);
            }
            prop_assert_eq!(n.origin(n.len()), None);
            prop_assert_eq!(n.origins(), whole.origins);
        }

        /// The word check eight bytes at a time agrees with a byte-by-byte one on any ASCII.
        #[test]
        fn letters_and_repeats_agrees_with_a_byte_scan(
            word in prop_oneof![
                r"[a-eyzA-EYZ]{0,40}",
                r"[a-eyzA-EYZ@\[`{]{0,40}",
                r"[\x00-\x7f]{0,40}",
            ]
        ) {
            let bytes = word.as_bytes();
            let expected = bytes.iter().all(u8::is_ascii_alphabetic).then(|| {
                bytes.windows(2).any(|pair| pair[0] | 0x20 == pair[1] | 0x20)
            });
            prop_assert_eq!(letters_and_repeats(bytes), expected);
        }

        /// A word copied eight bytes at a time and then squeezed in place is the word in lower
        /// case with each run of one letter once, wherever it ends in the text (with fewer than
        /// eight bytes after it, the copy goes byte by byte).
        #[test]
        fn words_copied_eight_bytes_at_a_time_and_squeezed_match_a_byte_loop(
            before in "[a-z ]{0,3}",
            word in prop_oneof![r"[a-cA-C]{1,40}", r"[a-zA-Z]{1,40}"],
            after in r"[ .,a-z]{0,12}",
            squeeze in any::<bool>(),
        ) {
            let text = format!("{before}{word}{after}");
            let start = before.len();
            let end = start + word.len();
            let mut draft = Draft::<false>::default();
            draft.text.extend_from_slice(b" x ");
            draft.extend_lowered(text.as_bytes(), start, end);
            if squeeze {
                draft.squeeze_last(word.len());
            }
            let mut expected = b" x ".to_vec();
            for byte in word.bytes().map(|b| b.to_ascii_lowercase()) {
                if !squeeze || expected.last() != Some(&byte) {
                    expected.push(byte);
                }
            }
            prop_assert_eq!(draft.text, expected);
        }

        /// Words counted byte by byte in ASCII are those counted character by character.
        #[test]
        fn ascii_words_are_counted_as_characters_are(text in r"[\x00-\x7f]{0,40}") {
            prop_assert_eq!(count_ascii_words(text.as_bytes()), count_words(&text));
        }

        /// A token of letters, digits, punctuation and apostrophes has its words counted as it
        /// is read, as `count_ascii_words` counts them.
        #[test]
        fn words_between_marks_counts_words_as_count_ascii_words_does(
            token in r"([a-zA-Z]{1,6}|[0-9]{1,4}|[.,:;/=?&%#~_()\[\]<>-]{1,2}|'|[a-z]'[a-z]{1,3})+"
        ) {
            let mut builder = Builder::<false>::new(token.len());
            prop_assert!(builder.words_between_marks(0, token.as_bytes()));
            let counted = (builder.out.words, builder.out.letter_words);
            prop_assert_eq!(counted, count_ascii_words(token.as_bytes()));
        }

        /// A token read as bit masks is made into what the byte-by-byte paths make of it (the
        /// same words, single letters waiting, split words, 1s and word counts), whatever text
        /// came before it, and its masks count words as `count_ascii_words` does.
        #[test]
        fn tokens_read_as_bit_masks_agree_with_the_byte_paths(
            before in r"([a-z]{1,3}|[a-z] [a-z]|[.,-])?",
            token in r"([a-zA-Z]{1,12}|[aAbB]{1,4}|[0-9]{1,4}|[.,:;/=?&%#~_()\[\]<>\x22-]{1,2}|[@$!*`']|é)+",
            after in r"( [a-z]{1,3}| [a-z] [a-z])?",
            offset in 0usize..8,
        ) {
            // The token at any alignment, with text on either side for the reads past its end.
            let text = format!("{}{before} {token}{after}", " ".repeat(offset));
            let start = offset + before.len() + 1;
            let end = start + token.len();
            let bytes = text.as_bytes();
            let mut masked = Builder::<false>::new(text.len());
            masked.feed_text(&text, 0, start);
            let mut plain = Builder::<false>::new(text.len());
            plain.feed_text(&text, 0, start);
            if !token.is_ascii() || !masked.masked_token(bytes, start, end) {
                return Ok(());
            }
            if let Some(masks) = TokenMasks::of(bytes, start, end) {
                prop_assert_eq!(masks.words(), count_ascii_words(token.as_bytes()));
            }
            let by_bytes = !token.bytes().any(|b| b.is_ascii_alphanumeric())
                || plain.letters_between_marks(start, &bytes[start..end])
                || plain.words_between_marks(start, &bytes[start..end]);
            prop_assert!(by_bytes);
            masked.feed_text(&text, end, text.len());
            plain.feed_text(&text, end, text.len());
            let masked = masked.finish(text.len() as u32);
            let plain = plain.finish(text.len() as u32);
            assert_same_drafts(&masked, &plain);
        }

        /// Arbitrary text of the kinds real mail holds (plain words, repeated letters, l33t
        /// digits, marks, apostrophes, addresses, non-ASCII letters, zero-width characters and
        /// emoji) is normalised as the general path normalises it, now that tokens are read as
        /// bit masks.
        #[test]
        fn mail_like_text_agrees_with_the_general_path(
            text in r"([a-zA-Z]{1,15}|[a-c]{1,4}[A-C]{0,3}|[ \n]{1,2}|[0-9]{1,4}|b1tch|[0-9]{1,4}[:./-][0-9]{1,4}|[a-z]{1,8}[.,:;/_-][a-z]{1,8}|http://[a-z]{1,6}\.com/[a-z0-9]{0,6}|[.,:;!?()\x22'@$*`|+_/<>=-]{1,2}|[a-z]'[a-z]{1,2}|é|ß|\x{200B}|🙂|[a-z] [a-z] [a-z])*"
        ) {
            agrees_with_general(&text, CHECKPOINT_BYTES)?;
        }

        /// Short words with a letter repeated (`will`, `Been`, `aaa`, `ll.`), squeezed within
        /// the eight-byte read of `short_word`, are written as the general path writes them,
        /// word counts, split words and the map worked out from checkpoints however close
        /// together included.
        #[test]
        fn short_words_with_repeats_agree_with_the_general_path(
            text in r"([a-cA-C]{1,7}[.,)]?|[lL]{2,6}|[a-z]{1,3}|[ \n]{1,2}|[ \n][a-c][ \n]|[-.'1]|é)*",
            spacing in 1usize..32,
        ) {
            agrees_with_general(&text, spacing)?;
        }

        /// Words of 8 to 15 letters, perhaps with a closing mark, and of seven letters with one
        /// (`different`, `Committee.`, `through,`, `aAbbBccc`), read sixteen bytes at a time
        /// by `long_word`, are taken by it exactly when they should be, and written as the
        /// general path writes them, whatever comes before and after them, word counts, split
        /// words and the map worked out from checkpoints however close together included.
        #[test]
        fn long_words_agree_with_the_general_path(
            before in r"([a-z]{1,3}|[a-z] [a-z]|[a-cA-C]{8,15}|[a-z]{1,8}[.,-])?",
            word in r"[a-cA-C]{8,15}[.,;:!?)\x22'\]]?|[a-zA-Z]{7}[.,;:!?)\x22'\]]|[a-zA-Z]{8,17}[.,]{0,2}|[lL]{2,8}[a-z]{6}|[a-z]{7,9}[-'1é][a-z]{0,6}",
            after in r"[ \n]([a-z]{1,3}|[a-cA-C]{7,15}[.,]?|[a-z] |[ \n])*",
            spacing in 1usize..32,
        ) {
            let text = format!("{before} {word}{after}");
            let start = before.len() + 1;
            let letters = word.trim_end_matches(is_closing_mark_char);
            let shaped = letters.bytes().all(|b| b.is_ascii_alphabetic())
                && word.len() - letters.len() <= 1
                && (8..16).contains(&word.len())
                && letters.len() >= 7;
            let expected = shaped && text.len() >= start + 16;
            prop_assert_eq!(long_word(text.as_bytes(), start).is_some(), expected);
            agrees_with_general(&text, spacing)?;
        }

        /// A short token of marks alone (`>`, `--`, `|`, `...`), passed over by `short_word`
        /// with nothing written, is passed over exactly when it has no letter or digit, and the
        /// text is normalised as the general path normalises it: between single letters waiting
        /// (`s > l > u > t`) as well, word counts, split words and the map worked out from
        /// checkpoints however close together included.
        #[test]
        fn short_tokens_of_marks_alone_agree_with_the_general_path(
            before in r"([a-z]{1,3}|[a-z] [a-z]|[a-z] [>|-]{1,2} [a-z]|[a-z]{1,8}[.,-])?",
            token in r"[>|*'`@$!+.,:;?()\[\]{}<=~^_/\\#%&\x22-]{1,9}|[>-]{0,3}[a-z0-9][>!-]{0,3}|>é",
            after in r"[ \n]([a-z]{1,3}|[a-z] |[>|-]{1,3} |[ \n])*",
            spacing in 1usize..32,
        ) {
            let text = format!("{before} {token}{after}");
            let start = before.len() + 1;
            let marks = token.is_ascii() && !token.bytes().any(|b| b.is_ascii_alphanumeric());
            let expected = marks && token.len() < 8 && text.len() >= start + 8;
            let read = short_word(text.as_bytes(), start);
            prop_assert_eq!(matches!(read, ShortRead::Marks(n) if n == token.len()), expected);
            agrees_with_general(&text, spacing)?;
        }

        /// Short tokens of two runs of letters joined by an apostrophe (`can't`, `I'm`,
        /// `it'll`, `aA'aB`), written by `joined_word` as one word, are taken by it exactly when
        /// they should be (not `you're`, not with a mark or digit, not at eight bytes or more),
        /// and written as the general path writes them, whatever comes before and after them,
        /// word counts, split words and the map worked out from checkpoints however close
        /// together included.
        #[test]
        fn words_joined_by_an_apostrophe_agree_with_the_general_path(
            before in r"([a-z]{1,3}|[a-z] [a-z]|[a-z]{1,8}[.,-])?",
            token in r"[a-cA-C]{1,4}'[a-cA-C]{1,4}|[a-zA-Z]{1,5}'([rR][eE]|[tsmdTS]|ll|ve)|'[a-z]{1,3}|[a-z]{1,3}'|[a-z]{1,2}'[a-z]'[a-z]|[a-z]{1,3}'[a-z1.,-]{1,3}|[a-z]{2,5}''[a-z]",
            after in r"[ \n]([a-z]{1,3}|[a-z] |[a-c]{1,3}'[a-c]{1,2}|[ \n])*",
            spacing in 1usize..32,
        ) {
            let text = format!("{before} {token}{after}");
            let start = before.len() + 1;
            let pieces: Vec<&str> = token.split('\'').collect();
            let letters = |piece: &str| !piece.is_empty() && piece.bytes().all(|b| b.is_ascii_alphabetic());
            let joined = pieces.len() == 2
                && pieces.iter().all(|piece| letters(piece))
                && !pieces[1].eq_ignore_ascii_case("re");
            let expected = joined && token.len() < 8 && text.len() >= start + 8;
            prop_assert_eq!(joined_word(text.as_bytes(), start).is_some(), expected);
            agrees_with_general(&text, spacing)?;
        }

        /// The table of what an ASCII byte adds to a word reads as `word_byte` reads its unit.
        #[test]
        fn ascii_word_bytes_agree_with_word_byte(byte in 0u8..0x80, has_letter: bool) {
            let unit = ascii_unit(byte, 0);
            let adds = match unit.kind {
                Kind::Letter | Kind::Digit => word_byte(unit, has_letter).unwrap_or(0),
                _ => 0,
            };
            prop_assert_eq!(ASCII_WORD_BYTES[usize::from(has_letter)][usize::from(byte)], adds);
        }

        /// Tokens end where a byte-at-a-time scan says they do, whatever the bytes.
        #[test]
        fn token_ends_match_a_byte_scan(text in any::<String>(), from in 0usize..64) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            let mut end = from;
            while end < bytes.len() && !is_space(bytes[end]) {
                end += 1;
            }
            let ascii = bytes[from..end].is_ascii();
            prop_assert_eq!(token_end(bytes, from), (end, ascii));
        }
    }

    fn is_closing_mark_char(c: char) -> bool {
        u8::try_from(c).is_ok_and(is_closing_mark)
    }

    fn norm(text: &str) -> String {
        normalise(text).as_str().to_string()
    }

    #[test]
    fn a_run_longer_than_its_count_can_hold_agrees_with_the_general_path() {
        let text = format!("x{}Yy {}", "a".repeat(300), "B".repeat(256));
        let fast = normalise(&text);
        let slow = general(&text);
        assert_eq!(fast.as_str(), " xay b ");
        assert_eq!(fast.bytes(), &slow.text[..]);
        assert_eq!(fast.origins(), &slow.origins[..]);
        assert_eq!(fast.run(2), u8::MAX);
    }

    #[test]
    fn a_long_text_is_mapped_a_stretch_at_a_time_as_it_would_be_whole() {
        let paragraph = "Dear all, the b1tch s l u t sl_ut café ＳＬＵＴ wh*re biiitch \u{200B}ok \
                         O'Neil's 2024-01-01 report is attached; a b u s e -- call me!!! ";
        let text = paragraph.repeat(40);
        let n = normalise(&text);
        assert!(n.stretches.len() > 10);
        let whole = build::<true>(&text);
        // Asked for out of order: the last byte, then one in the middle, then all of them.
        let last = n.len() - 1;
        assert_eq!(n.origin(last), whole.origins.get(last).copied());
        let middle = n.len() / 2;
        assert_eq!(n.original_range(middle, middle + 1), {
            let o = whole.origins[middle];
            Some((o.start as usize, o.end as usize))
        });
        assert_eq!(n.origins(), whole.origins);
        assert!(n.stretches.iter().all(|s| s.origins.get().is_some()));
    }

    #[test]
    fn tokens_of_words_digits_and_apostrophes_agree_with_the_general_path() {
        for text in [
            "you're who're WHO'RE can't 're 're- 'rex I'm it's' 'tis 2002 10:54:46 -0500",
            "x86 b1tch nmh-1.0.4 a'b'c a'b'c'd 1'2 s'l'u't 2'3'4 aid,103259,00.asp 0's 1940's",
            "http://us.click.yahoo.com/pt6YBB/NXiEAA/7gSolB/TM c-unt sl'ut sl_u't b1't'ch 1-2'",
        ] {
            let fast = normalise(text);
            let slow = general(text);
            assert_eq!(fast.bytes(), &slow.text[..], "{text}");
            assert_eq!(fast.origins(), slow.origins, "{text}");
            assert_eq!(
                (fast.words, fast.letter_words),
                (slow.words, slow.letter_words)
            );
            assert_eq!(fast.ones(), &slow.ones[..], "{text}");
            assert_eq!(fast.split_words(), &slow.splits[..], "{text}");
        }
    }

    #[test]
    fn plain_text_is_lowered_and_padded() {
        assert_eq!(norm("Hello, World!"), " helo world ");
        assert_eq!(norm(""), " ");
    }

    #[test]
    fn leet_and_symbols_inside_words() {
        assert_eq!(norm("b1tch"), " bitch ");
        assert_eq!(norm("$lut"), " slut ");
        assert_eq!(norm("sh!t"), " shit ");
        assert_eq!(norm("Room 2024 at 10am"), " rom 2024 at ioam ");
        assert_eq!(norm("well done!"), " wel done ");
        // Closing symbols stay marks, on either path; symbols before a letter read as letters.
        assert_eq!(norm("Great!!"), " great ");
        assert_eq!(norm("Great!!\u{2026}"), " great ");
        assert_eq!(norm("b!!tch"), " bitch ");
        assert_eq!(norm("b!!tch\u{e9}"), " bitche ");
        assert_eq!(norm("sh!'t"), " shit ");
    }

    #[test]
    fn a_long_run_of_symbols_is_read_once() {
        // A symbol reading ahead for a letter, each on its own, would take minutes here.
        let text = format!("a{}b \u{e9}{}", "!".repeat(1 << 20), "$".repeat(1 << 20));
        let n = normalise(&text);
        assert_eq!(n.as_str(), " aib e ");
        assert_eq!(n.run(2), u8::MAX);
    }

    #[test]
    fn spelled_out_words_are_joined() {
        assert_eq!(norm("you s.l.u.t"), " you slut ");
        assert_eq!(norm("you s l u t"), " you slut ");
        assert_eq!(norm("you s-l-u-t!"), " you slut ");
        assert_eq!(norm("plan a or b"), " plan a or b ");
        // An emoji between the letters, with or without spaces around it.
        assert_eq!(norm("you s🙂l🙂u🙂t"), " you slut ");
        assert_eq!(norm("you s 🙂 l 🙂 u 🙂 t"), " you slut ");
        // Letters further apart than that stay apart.
        assert_eq!(norm("s  ...  l  ...  u"), " s l u ");
    }

    #[test]
    fn a_word_of_one_letter_before_a_spelled_out_word_is_read_both_ways() {
        assert_eq!(norm("you're a s l u t"), " you re a slut aslut ");
        assert_eq!(norm("what a w.h.o.r.e!"), " what a whore awhore ");
        assert_eq!(norm("a b u s e of process"), " a buse abuse of proces ");
        assert_eq!(norm("I d i o t"), " i diot idiot ");
        assert_eq!(norm("u r a s l u t"), " ura slut uraslut ");
        assert_eq!(norm("u r a b c"), " urabc ");
        // Three letters in all: too few for a word after the article.
        assert_eq!(norm("a s s"), " as ");
        assert_eq!(norm("b s l u t"), " bslut ");
        // Both readings point at the same letters of the original.
        let text = "you're a s l u t";
        let n = normalise(text);
        let at = n.as_str().find(" slut ").unwrap_or(0) + 1;
        assert_eq!(n.original_range(at, at + 4), Some((9, 16)));
        let joined = n.as_str().find("aslut").unwrap_or(0);
        assert_eq!(n.original_range(joined, joined + 5), Some((7, 16)));
    }

    #[test]
    fn asterisks_for_letters_left_out_are_kept() {
        assert_eq!(norm("you b*tch"), " you b*tch ");
        assert_eq!(norm("C**T!"), " c**t ");
        assert_eq!(norm("wh*res."), " wh*res ");
        assert_eq!(norm("f*ggot"), " f*got ");
        assert_eq!(norm("sh!t b*ll$"), " shit b*l ");
        // Separators between single letters, and marks at a word's edge, are dropped.
        assert_eq!(norm("s*l*u*t"), " slut ");
        assert_eq!(norm("f*u*c*k*i*n*g"), " fucking ");
        assert_eq!(norm("*note* **bold** don't"), " note bold dont ");
        // Without a letter in the token an asterisk is dropped, as before.
        assert_eq!(norm("2*3=6"), " 23 6 ");
        assert!(normalise("you b*tch").has_stars());
        let n = normalise("you s1ut, PC 1234 and b11tch");
        assert_eq!(n.as_str(), " you siut pc 1234 and bitch ");
        assert_eq!(n.ones(), [6, 23]);
        assert_eq!(n.run(23), 2);
        assert!(!normalise("s*l*u*t *note* 2*3").has_stars());
        // The map points the kept asterisk at itself.
        let n = normalise("you b*tch");
        assert_eq!(n.original_range(6, 7), Some((5, 6)));
    }

    /// The normalised text of each word recorded as split by marks.
    fn split_words(text: &str) -> Vec<String> {
        let n = normalise(text);
        n.split_words()
            .iter()
            .map(|&(from, to)| n.as_str()[from as usize..to as usize].to_owned())
            .collect()
    }

    #[test]
    fn words_split_by_marks_are_recorded_with_their_pieces() {
        assert_eq!(normalise("you sl_ut").as_str(), " you sl ut ");
        assert_eq!(split_words("you sl_ut"), ["sl ut"]);
        assert_eq!(split_words("what a wh.ore!"), ["wh ore"]);
        assert_eq!(
            split_words("and/or OFFICIAL-SENSITIVE:"),
            ["and or", "oficial sensitive"]
        );
        // A single letter first: alone, or after a single-letter word that stays a word.
        assert_eq!(split_words("c-unt"), ["c unt"]);
        assert_eq!(split_words("you are a c-unt"), ["c unt"]);
        // A contraction split so as not to read as another word is not recorded.
        assert!(split_words("who're you're").is_empty());
        assert_eq!(normalise("you are a c-unt").as_str(), " you are a c unt ");
        assert_eq!(split_words("wh-o-re"), ["wh o re"]);
        // Not recorded: one piece; a single letter last (it waits for what follows); letters
        // joined with the ones before them; too many letters.
        assert!(split_words("(hello) end. don't").is_empty());
        assert!(split_words("sl-u").is_empty());
        assert!(split_words("s l u-nt").is_empty());
        assert!(split_words("abcdefghijklmn.opqrstuvwxyz.abcdefghijklmn").is_empty());
        // Tokens with l33t or symbols take the general path, and are recorded there too.
        assert_eq!(
            split_words("sl_ut! wh0.re c-unt!!"),
            ["sl ut", "who re", "c unt"]
        );
        assert!(split_words("CRI-2026-0001 01/10/2026").is_empty());
        // Through the map, a recorded word points at what was written.
        let n = normalise("you are a c-unt.");
        let (from, to) = n.split_words()[0];
        assert_eq!(n.original_range(from as usize, to as usize), Some((10, 15)));
    }

    #[test]
    fn repeats_are_squeezed_and_counted() {
        let n = normalise("biiiitch coon");
        assert_eq!(n.as_str(), " bitch con ");
        assert_eq!(n.run(2), 4);
        assert_eq!(n.run(8), 2);
        assert_eq!(n.runs().len(), n.len());
    }

    #[test]
    fn unicode_forms_fold() {
        // Cyrillic а and о, fullwidth letters, accents, zero-width space.
        assert_eq!(norm("b\u{0430}st\u{043e}n"), " baston ");
        assert_eq!(norm("ＳＬＵＴ"), " slut ");
        assert_eq!(norm("naïve café"), " naive cafe ");
        assert_eq!(norm("sl\u{200B}ut"), " slut ");
        assert_eq!(norm("don’t"), " dont ");
        assert_eq!(norm("who're you’re"), " who re you re ");
    }

    #[test]
    fn small_capitals_and_cherokee_look_alikes_are_read_as_latin_letters() {
        // U+026A small capital I, and the whole small-caps alphabet as text generators write it.
        assert_eq!(norm("b\u{026A}tch"), " bitch ");
        assert_eq!(
            norm("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ"),
            " abcdefghijklmnoprstuvwyz "
        );
        // U+13E2, a Cherokee capital drawn like P, lower-cased to U+ABB2 before the look-up.
        assert_eq!(norm("\u{13E2}aki"), " paki ");
        assert_eq!(norm("\u{13AA}\u{13F4}\u{13DF}\u{13A0}\u{13AC}"), " abcde ");
        // The map back still points at what was written.
        let original = "oi \u{13E2}aki";
        let n = normalise(original);
        let at = n.as_str().find("paki").unwrap();
        let (start, end) = n.original_range(at, at + 4).unwrap();
        assert_eq!(&original[start..end], "\u{13E2}aki");
    }

    #[test]
    fn positions_map_back_to_the_original() {
        let original = "Oi  s.l.u.t, go";
        let n = normalise(original);
        let at = n.as_str().find("slut").unwrap();
        let (start, end) = n.original_range(at, at + 4).unwrap();
        assert_eq!(&original[start..end], "s.l.u.t");

        let original = "é bííítch";
        let n = normalise(original);
        let at = n.as_str().find("bitch").unwrap();
        let (start, end) = n.original_range(at, at + 5).unwrap();
        assert_eq!(&original[start..end], "bííítch");
    }
}
