//! The text an HTML alternative holds that the plain one does not.
//!
//! A `multipart/alternative` offers the same message as plain text and as HTML, and the body is
//! read from the plain part. But nothing makes the two agree: a sender can write one thing in the
//! plain part and another in the HTML, which is what most mail clients show. So the HTML
//! alternative is read too (as [`crate::html`] reduces it to text), and the lines of it holding a
//! word the body does not are added to the body under [`MARKER`]. Most HTML alternatives say
//! what the plain part says, word for word, and add nothing: comparing words, not lines, lets
//! the two differ in line breaks, spacing, punctuation and case.

use std::collections::HashSet;

/// The line before the text added from an HTML alternative.
pub(super) const MARKER: &str = "[only in the HTML alternative]";

/// The words of a text, as compared: runs of letters and digits, lower-cased.
#[derive(Default)]
pub(super) struct Words(HashSet<String>);

impl Words {
    /// The words of `text`.
    pub(super) fn of(text: &str) -> Self {
        let mut words = Self::default();
        words.add(text);
        words
    }

    /// Adds the words of `text`.
    pub(super) fn add(&mut self, text: &str) {
        for word in words(text) {
            if !self.0.contains(word) {
                self.0.insert(lowered(word));
            }
        }
    }

    fn knows(&self, word: &str) -> bool {
        self.0.contains(word) || self.0.contains(&lowered(word))
    }
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
}

fn lowered(word: &str) -> String {
    if word.is_ascii() {
        word.to_ascii_lowercase()
    } else {
        word.to_lowercase()
    }
}

/// The lines of `text` that hold a word `known` does not, joined by line breaks, and how many;
/// their words become known.
pub(super) fn lines_adding(text: &str, known: &mut Words) -> (String, usize) {
    let mut added = String::new();
    let mut count = 0;
    for line in text.lines() {
        if words(line).all(|word| known.knows(word)) {
            continue;
        }
        known.add(line);
        if !added.is_empty() {
            added.push('\n');
        }
        added.push_str(line.trim_end());
        count += 1;
    }
    (added, count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_lines_with_words_the_plain_text_lacks_are_added() {
        let mut known = Words::of("See you at the briefing.\nBring the rota, please!");
        let (added, count) = lines_adding(
            "See you at the\nBRIEFING\n\nbring the rota please\nYou stupid cow, I will find you.\n",
            &mut known,
        );
        assert_eq!(added, "You stupid cow, I will find you.");
        assert_eq!(count, 1);
        // Nothing new twice.
        let (again, none) = lines_adding("You stupid cow", &mut known);
        assert!(again.is_empty() && none == 0);
        let mut known = Words::of("Caf\u{e9} at noon");
        let (added, _) = lines_adding("CAF\u{c9} AT NOON\nDiagnosed with \u{c9}czema", &mut known);
        assert_eq!(added, "Diagnosed with \u{c9}czema");
    }

    proptest! {
        /// The same text, however its lines are broken and its words cased, adds nothing; and
        /// every word of a text is in the plain text or in what is added.
        #[test]
        fn the_same_words_add_nothing(
            words in proptest::collection::vec("[A-Za-z\u{e9}\u{c9}0-9]{1,8}", 1..30),
            breaks in proptest::collection::vec(any::<bool>(), 30),
            other in proptest::collection::vec("[a-z]{1,8}", 0..10),
        ) {
            let plain = words.join(" ");
            let mut html = String::new();
            for (word, line_break) in words.iter().zip(&breaks) {
                html.push_str(&word.to_uppercase());
                html.push_str(if *line_break { "\n" } else { ", " });
            }
            let (added, count) = lines_adding(&html, &mut Words::of(&plain));
            prop_assert!(added.is_empty() && count == 0, "{}", added);

            let mixed = format!("{html}\n{}", other.join(" "));
            let (added, _) = lines_adding(&mixed, &mut Words::of(&plain));
            let plain_words = Words::of(&plain);
            for word in other {
                prop_assert!(plain_words.knows(&word) || added.contains(&word));
            }
        }
    }
}
