//! The few bytes the search for forwarded header blocks looks for ([`KEYS`]), to find the
//! words of the table mail programs write above a forwarded message
//! ([`probity_model::mail_words::WORDS`], shared with the reader of where a reply ends in
//! probity-content).

#[cfg(test)]
use probity_model::mail_words::{FROM, WORDS, Word};

/// What finding a key of [`KEYS`] begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    /// A forwarding line holds it.
    Forwarding,
    /// A `From` header line holds it.
    From,
}

/// The bytes the search looks for: every forwarding line of
/// [`WORDS`](probity_model::mail_words::WORDS) holds one of the
/// [`Key::Forwarding`] keys, as written, in capitals or in small letters, and every `From` line
/// one of the [`Key::From`] keys (tests check each):
///
/// - its name as written, in capitals or in small letters, then its colon (for a name of two
///   letters, `De`, `Da`, `Od`, the line end or the space before it too, so that anything may
///   follow the colon, `De:Sam` as well as `De: Sam` or `De:<tab>Sam`, at the start of a line,
///   quoted, `> De:Sam`, or indented; or the `*` and space of bold text after the colon,
///   `*De:* `), or a space and the colon (`De :`, as French is written);
/// - any name then a no-break space and a colon (and a space, a no-break space or the `*` of
///   bold text), a narrow no-break space and a colon, or a thin space and a colon: such spaces
///   before a colon are French typography, and the keys do not name the header; and the last
///   letter of French's `De` then a no-break space and a colon, so that its value may follow
///   the colon straight away or after a tab (`De\u{a0}:Sam`).
///
/// A tab after the colon is how a table's cells are set apart in HTML read as text
/// (`<td>De:</td><td>Sam</td>`), and the value straight after it how bold is
/// (`<b>De:</b>Sam`); a name of three letters or more is found whatever follows its colon. A
/// text's first line has no line end before it: it is looked at where it starts with a name of
/// two letters and its colon ([`super::starts_as_from_line`]). A name of two letters after a
/// byte other than a line end or a space (`>De:`, a tab) is found only with a no-break space or
/// bold after its colon.
///
/// A key is part of a word rather than its start (the first letters of words are the commonest
/// bytes, and a key that starts a word would be needed in each case), and at least four bytes
/// whose first four are rare in English: the vectorised search tells candidates apart by their
/// first four bytes, and a shorter key or a common one made it several times slower. It is
/// also slower with some orders of the same keys than others; this order, the mixed-case keys
/// before those in capitals, was measured the fastest (the eighteen for a name of two letters
/// after a line end or a space, in the places of those for a space or a tab after its colon,
/// ran 0.1% and 0.5% more instructions than those on the easy and the hard ham, and 8% more on
/// text in French, Spanish, Italian, Portuguese and Polish; at the end 7% more on the ham, and
/// 3 to 15% with those after a space at the end). Past 32 keys the search takes the vectorised
/// form with more buckets: with 53 keys it read the SpamAssassin ham mailboxes at 4.4 to 5.6
/// GB/s against 5.0 to 5.4 GB/s with the 32 before small letters and other spaces were keys,
/// and 64 ran 6.6% more instructions than those 53 on the easy ham and 5.6% more on the hard
/// (callgrind). Past 64 it would not be vectorised at all: a key more must take the place of
/// one here.
pub(super) const KEYS: [(&str, Key); 64] = [
    ("essag", Key::Forwarding), // message, Messaggio
    ("ESSAG", Key::Forwarding),
    ("icht", Key::Forwarding),        // Nachricht, bericht
    ("nsaj", Key::Forwarding),        // Mensaje
    ("nsag", Key::Forwarding),        // Mensagem
    ("eitergeleit", Key::Forwarding), // weitergeleiteten E-Mail
    ("iadomo", Key::Forwarding),      // wiadomość, wiadomości
    ("eiddiol", Key::Forwarding),     // Wreiddiol
    ("rom:", Key::From),              // From, from
    ("ROM:", Key::From),
    ("Von:", Key::From),
    ("von:", Key::From),
    // A name of two letters and its colon at the start of a line, or after a space (quoted,
    // indented), whatever follows the colon.
    ("\nDe:", Key::From),
    ("\nde:", Key::From),
    (" De:", Key::From),
    (" de:", Key::From),
    ("De :", Key::From),
    ("de :", Key::From),
    ("\nDa:", Key::From),
    ("\nda:", Key::From),
    (" Da:", Key::From),
    (" da:", Key::From),
    ("\nOd:", Key::From),
    ("\nod:", Key::From),
    (" Od:", Key::From),
    (" od:", Key::From),
    ("Van:", Key::From),
    ("van:", Key::From),
    ("wrth:", Key::From), // Oddi wrth
    // A no-break space before a colon (De\u{a0}: ), or after a short name's colon.
    ("\u{a0}: ", Key::From),
    ("\u{a0}:\u{a0}", Key::From),
    ("\u{a0}:*", Key::From),
    ("\u{202f}:", Key::From),
    ("\u{2009}:", Key::From),
    ("e:\u{a0}", Key::From),
    ("a:\u{a0}", Key::From),
    ("d:\u{a0}", Key::From),
    ("e:* ", Key::From), // *De:* in bold
    ("a:* ", Key::From),
    ("d:* ", Key::From),
    ("ICHT", Key::Forwarding),
    ("NSAJ", Key::Forwarding),
    ("NSAG", Key::Forwarding),
    ("IADOMO", Key::Forwarding),
    ("EIDDIOL", Key::Forwarding),
    ("EITERGELEIT", Key::Forwarding),
    ("VON:", Key::From),
    ("\nDE:", Key::From),
    (" DE:", Key::From),
    ("DE :", Key::From),
    ("\nDA:", Key::From),
    (" DA:", Key::From),
    ("\nOD:", Key::From),
    (" OD:", Key::From),
    ("VAN:", Key::From),
    ("WRTH:", Key::From),
    ("E:\u{a0}", Key::From),
    ("A:\u{a0}", Key::From),
    ("D:\u{a0}", Key::From),
    ("E:* ", Key::From),
    ("A:* ", Key::From),
    ("D:* ", Key::From),
    // De\u{a0}: whatever follows its colon (De\u{a0}:Sam).
    ("e\u{a0}:", Key::From),
    ("E\u{a0}:", Key::From),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn has_key(kind: Key, text: &str) -> bool {
        KEYS.iter()
            .any(|(key, of)| *of == kind && text.contains(key))
    }

    /// Every key is at least four bytes long, and there are few enough for the vectorised
    /// search (see [`KEYS`]).
    #[test]
    fn every_key_is_four_bytes_or_more() {
        for (key, _) in KEYS {
            assert!(key.len() >= 4, "{key:?}");
        }
        assert!(KEYS.len() <= 64, "{}", KEYS.len());
    }

    /// Every forwarding line is found by the search, in any case.
    #[test]
    fn every_forwarding_line_holds_a_key() {
        for word in WORDS {
            let (Word::Dashed(words) | Word::Opening(words)) = *word else {
                continue;
            };
            for written in [words.to_owned(), words.to_uppercase(), words.to_lowercase()] {
                assert!(has_key(Key::Forwarding, &written), "{written}");
            }
        }
    }

    /// Every `From` line is found by the search, its name as written, in capitals or in small
    /// letters, a no-break space, a narrow no-break space or a thin space before its colon or
    /// none (and in French a space), and a space, a no-break space or a tab after it, or its
    /// value straight after it: at the start of a line, quoted, or (by
    /// [`super::starts_as_from_line`]) at the start of the text; but a tab or the value straight
    /// after a no-break space and a colon only for French's `De` (`De\u{a0}:Sam`).
    #[test]
    fn every_from_line_holds_a_key() {
        let mut names = 0;
        for word in WORDS {
            let Word::Header(name, FROM) = *word else {
                continue;
            };
            names += 1;
            for written in [name.to_owned(), name.to_uppercase(), name.to_lowercase()] {
                for before in ["", " ", "\u{a0}", "\u{202f}", "\u{2009}"] {
                    if before == " " && name != "De" {
                        continue;
                    }
                    for after in [" ", "\u{a0}", "\t", ""] {
                        if before == "\u{a0}" && matches!(after, "\t" | "") && name != "De" {
                            continue;
                        }
                        let line = format!("{written}{before}:{after}a@b.uk");
                        let bold = format!("*{written}{before}:* a@b.uk");
                        for line in [line, bold] {
                            for shown in [format!("\n{line}"), format!("> {line}")] {
                                assert!(has_key(Key::From, &shown), "{shown:?}");
                            }
                            assert!(
                                has_key(Key::From, &line)
                                    || super::super::starts_as_from_line(&line),
                                "{line:?}"
                            );
                        }
                    }
                }
            }
        }
        assert!(names >= 7, "{names}");
    }
}
