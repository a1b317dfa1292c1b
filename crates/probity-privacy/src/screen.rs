//! A byte automaton for the question the exclusion list asks of every subject and display name of
//! every message: could any listed item be in this text at all? Nearly none is, and the exact
//! matching (lowering, dropping or collapsing separators into a copy, then looking up) costs
//! several times a walk of this automaton, which reads each byte once, as written, with one table
//! look-up: what the exact matching would drop, it passes over; what it would lower, it reads as
//! lowered; what it would collapse into one space, it reads as one space.
//!
//! It is an Aho-Corasick automaton over the patterns' bytes, complete (one next state for every
//! state and byte), with three kinds of byte added to the patterns' own: one read as if it were
//! not there ([`Read::Skipped`]), one read as a single space however many stand together
//! ([`Read::Space`]), and one it does not read ([`Read::Unread`], bytes outside ASCII, where the
//! exact matching's Unicode rules apply): that one ends the walk with the answer "perhaps", as a
//! match does, and the caller goes on to the exact matching.

/// How a [`Screen`] reads one byte of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// As this byte of the patterns (a capital as its small letter, say).
    As(u8),
    /// Not at all: the text reads as if the byte were not in it.
    Skipped,
    /// As one space, unless the byte read before it was a space already: a run of such bytes
    /// reads as a single space.
    Space,
    /// Not by the screen: the walk stops, and says the text may hold a pattern.
    Unread,
}

/// The automaton (see the module documentation).
#[derive(Debug, Clone)]
pub(crate) struct Screen {
    /// The column of each byte in [`Screen::next`]: a pattern byte's own, 0 for a byte read as
    /// one in no pattern, and one each after those for the bytes [`Read::Skipped`],
    /// [`Read::Space`] and [`Read::Unread`].
    classes: [u8; 256],
    /// The next state of each state (times the row length) and column, by rows.
    next: Box<[u32]>,
    /// The states from this one on (times the row length) are a match or the unread state.
    special: usize,
    /// The state after the space a text is read as beginning with ([`Screen::may_hold_spaced`]).
    spaced_start: usize,
    /// The column of a byte read as a space.
    space: usize,
}

/// A node of the patterns' trie, as the automaton is built.
struct Node {
    /// The child by each pattern byte's column, if any.
    children: Vec<Option<usize>>,
    /// The pattern byte read to reach it (`None` at the root).
    byte: Option<u8>,
    /// Whether a pattern ends here or at one of its suffixes.
    matches: bool,
}

impl Screen {
    /// The screen for `patterns` (each a string of bytes as [`Read::As`] gives them; empty ones
    /// are ignored), reading each byte of a text as `read` says. `None` where there is no
    /// pattern, or the automaton would have more than `u32` can number.
    pub(crate) fn new(patterns: &[Vec<u8>], read: impl Fn(u8) -> Read) -> Option<Screen> {
        let patterns: Vec<&[u8]> = patterns
            .iter()
            .map(Vec::as_slice)
            .filter(|p| !p.is_empty())
            .collect();
        if patterns.is_empty() {
            return None;
        }
        // The patterns' bytes, each a column from 1 on; 0 is every other byte read.
        let mut column = [0usize; 256];
        let mut bytes = 0;
        for &byte in patterns.iter().flat_map(|p| p.iter()) {
            let slot = &mut column[usize::from(byte)];
            if *slot == 0 {
                bytes += 1;
                *slot = bytes;
            }
        }
        let read_columns = bytes + 1;
        let (skipped, space, unread) = (read_columns, read_columns + 1, read_columns + 2);
        let stride = read_columns + 3;

        // The trie.
        let new_node = |byte| Node {
            children: vec![None; read_columns],
            byte,
            matches: false,
        };
        let mut nodes = vec![new_node(None)];
        for pattern in &patterns {
            let mut at = 0;
            for &byte in *pattern {
                let c = column[usize::from(byte)];
                at = match nodes[at].children[c] {
                    Some(child) => child,
                    None => {
                        nodes.push(new_node(Some(byte)));
                        let child = nodes.len() - 1;
                        nodes[at].children[c] = Some(child);
                        child
                    }
                };
            }
            nodes[at].matches = true;
        }

        // The complete transitions over the pattern columns, breadth first: a missing child is
        // the failure state's transition.
        let mut goto = vec![0usize; nodes.len() * read_columns];
        let mut fail = vec![0usize; nodes.len()];
        let mut queue = std::collections::VecDeque::new();
        for (to, child) in goto.iter_mut().zip(&nodes[0].children) {
            if let Some(child) = *child {
                *to = child;
                queue.push_back(child);
            }
        }
        while let Some(at) = queue.pop_front() {
            for c in 0..read_columns {
                let via_fail = goto[fail[at] * read_columns + c];
                match nodes[at].children[c] {
                    Some(child) => {
                        fail[child] = via_fail;
                        nodes[child].matches |= nodes[via_fail].matches;
                        goto[at * read_columns + c] = child;
                        queue.push_back(child);
                    }
                    None => goto[at * read_columns + c] = via_fail,
                }
            }
        }

        // States numbered with the plain ones first (the root first of all), then the matches,
        // then the unread state, so that one comparison tells a state that ends the walk.
        let mut order: Vec<usize> = (0..nodes.len()).filter(|&n| !nodes[n].matches).collect();
        let plain = order.len();
        order.extend((0..nodes.len()).filter(|&n| nodes[n].matches));
        let mut number = vec![0u32; nodes.len()];
        for (position, &node) in order.iter().enumerate() {
            number[node] = u32::try_from(position.checked_mul(stride)?).ok()?;
        }
        let unread_state = u32::try_from(nodes.len().checked_mul(stride)?).ok()?;
        let space_column = column[usize::from(b' ')];
        let mut next = Vec::with_capacity((nodes.len() + 1) * stride);
        for &node in &order {
            if nodes[node].matches {
                // The walk stays in a match, and says so at the end: no test for one per byte.
                next.extend(std::iter::repeat_n(number[node], stride));
                continue;
            }
            for c in 0..read_columns {
                next.push(number[goto[node * read_columns + c]]);
            }
            next.push(number[node]);
            // A space after a space is read as nothing (a node's last byte is the text's last).
            next.push(if nodes[node].byte == Some(b' ') {
                number[node]
            } else {
                number[goto[node * read_columns + space_column]]
            });
            next.push(unread_state);
        }
        next.extend(std::iter::repeat_n(unread_state, stride));

        let mut classes = [0u8; 256];
        for (byte, class) in (0..=255u8).zip(classes.iter_mut()) {
            let c = match read(byte) {
                Read::As(as_byte) => column[usize::from(as_byte)],
                Read::Skipped => skipped,
                Read::Space => space,
                Read::Unread => unread,
            };
            *class = u8::try_from(c).ok()?;
        }
        let special = plain.checked_mul(stride)?;
        let next = next.into_boxed_slice();
        let spaced_start = usize::try_from(*next.get(space)?).ok()?;
        Some(Screen {
            classes,
            next,
            special,
            spaced_start,
            space,
        })
    }

    /// The state after reading `text` from `state`. A match or the unread state, once met, is
    /// kept to the end: the walk does not stop early, and needs no test per byte (nearly every
    /// text is read to its end all the same).
    #[inline]
    fn walk(&self, mut state: usize, text: &[u8]) -> usize {
        for &byte in text {
            let column = usize::from(self.classes[usize::from(byte)]);
            state = self
                .next
                .get(state + column)
                .map_or(self.special, |&s| s as usize);
        }
        state
    }

    /// Whether `text` may hold a pattern: true where it does, as read, and where the walk met a
    /// byte the screen does not read; false only where no pattern is in it.
    pub(crate) fn may_hold(&self, text: &[u8]) -> bool {
        self.walk(0, text) >= self.special
    }

    /// [`Screen::may_hold`] for `text` read with a space before and after it (so that a
    /// pattern written with spaces either side of a word matches the text's first and last
    /// words too).
    pub(crate) fn may_hold_spaced(&self, text: &[u8]) -> bool {
        let state = self.walk(self.spaced_start, text);
        let after = self
            .next
            .get(state + self.space)
            .map_or(self.special, |&s| s as usize);
        after >= self.special
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A subject keyword's reading: separators passed over, capitals lowered, no byte outside
    /// ASCII read.
    fn letters(byte: u8) -> Read {
        match byte {
            0x80.. => Read::Unread,
            0..=b' ' | 0x7f | b'-' | b'_' => Read::Skipped,
            _ => Read::As(byte.to_ascii_lowercase()),
        }
    }

    /// A display name's reading: letters and digits lowered, every other ASCII byte a space.
    fn words(byte: u8) -> Read {
        match byte {
            0x80.. => Read::Unread,
            _ if byte.is_ascii_alphanumeric() => Read::As(byte.to_ascii_lowercase()),
            _ => Read::Space,
        }
    }

    fn screen(patterns: &[&str], read: impl Fn(u8) -> Read) -> Screen {
        let patterns: Vec<Vec<u8>> = patterns.iter().map(|p| p.as_bytes().to_vec()).collect();
        Screen::new(&patterns, read).unwrap()
    }

    #[test]
    fn reads_as_the_exact_matching_would() {
        let keywords = screen(&["protecteddisclosure", "whistleblowing"], letters);
        for text in [
            "RE: Protected Disclosure",
            "protected\t\tdisclosure",
            "Whistle-blowing",
            "x whistle_BLOWING y",
        ] {
            assert!(keywords.may_hold(text.as_bytes()), "{text:?}");
        }
        for text in ["Protected area disclosure", "whistle", "", "RE: rota"] {
            assert!(!keywords.may_hold(text.as_bytes()), "{text:?}");
        }
        // Outside ASCII the screen does not read: perhaps.
        assert!(keywords.may_hold("caf\u{e9}".as_bytes()));

        let names = screen(&[" occupational ", " legal "], words);
        for text in [
            "Occupational Health",
            "  Northshire OCCUPATIONAL--Health",
            "legal",
            "\"Legal\"",
        ] {
            assert!(names.may_hold_spaced(text.as_bytes()), "{text:?}");
        }
        for text in ["Occupationally", "Paralegal", "Leo Patel", "", "  "] {
            assert!(!names.may_hold_spaced(text.as_bytes()), "{text:?}");
        }
        assert!(Screen::new(&[Vec::new()], letters).is_none());
    }

    proptest! {
        /// Read as subject keywords are: the screen says a keyword may be in an ASCII text
        /// exactly where the text's letters (its bytes without separators, lowered) hold one,
        /// and says so of every text with a byte outside ASCII.
        #[test]
        fn skipping_agrees_with_dropping_then_searching(
            patterns in proptest::collection::vec("[a-c]{1,5}", 1..5),
            text in "[a-cA-C \t_\\-é]{0,24}",
        ) {
            let patterns: Vec<Vec<u8>> = patterns.iter().map(|p| p.as_bytes().to_vec()).collect();
            let screen = Screen::new(&patterns, letters).unwrap();
            let letters: Vec<u8> = text
                .bytes()
                .filter(|&b| letters(b) != Read::Skipped)
                .map(|b| b.to_ascii_lowercase())
                .collect();
            let expected = !text.is_ascii()
                || patterns.iter().any(|p| letters.windows(p.len()).any(|w| w == &p[..]));
            prop_assert_eq!(screen.may_hold(text.as_bytes()), expected);
        }

        /// Read as display names are: the screen says a word sequence may be in an ASCII text
        /// exactly where the text's words (runs of letters and digits, lowered, one space
        /// between, a space either side) hold it with a space either side.
        #[test]
        fn collapsing_agrees_with_splitting_then_searching(
            patterns in proptest::collection::vec("[ab]{1,3}( [ab]{1,3}){0,2}", 1..4),
            text in "[abAB1 ,.\\-\"é]{0,24}",
        ) {
            let spaced: Vec<Vec<u8>> =
                patterns.iter().map(|p| format!(" {p} ").into_bytes()).collect();
            let screen = Screen::new(&spaced, words).unwrap();
            let text_words: Vec<String> = text
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_lowercase)
                .collect();
            let padded = format!(" {} ", text_words.join(" "));
            let expected = !text.is_ascii()
                || patterns.iter().any(|p| padded.contains(&format!(" {p} ")));
            prop_assert_eq!(screen.may_hold_spaced(text.as_bytes()), expected);
        }
    }
}
