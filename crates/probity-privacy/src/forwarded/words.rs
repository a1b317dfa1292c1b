//! The words mail programs write above a message forwarded or quoted inline, in the languages a
//! force's staff may have set their mail program to: one table ([`WORDS`]), and the few bytes the
//! search looks for to find them ([`KEYS`]).
//!
//! The words are those seen in mail the programs wrote (public list archives) and in the
//! programs' own translations. Case does not matter, nor whether a space is a no-break space or
//! an apostrophe a typographic one. A program's words are listed only where what it writes was
//! found, so a language may lack a program (see the notes beside each), and a name two languages
//! share (`De`, `Para`, `Data`, `Datum`) is listed once, under the first.

/// Header names as [`super::Block::headers`] gives them, whatever language the block was in.
pub(super) const FROM: &str = "From";
pub(super) const SENT: &str = "Sent";
pub(super) const DATE: &str = "Date";
pub(super) const TO: &str = "To";
pub(super) const CC: &str = "Cc";
pub(super) const BCC: &str = "Bcc";
pub(super) const SUBJECT: &str = "Subject";
pub(super) const REPLY_TO: &str = "Reply-To";
pub(super) const SENDER: &str = "Sender";
pub(super) const IMPORTANCE: &str = "Importance";
pub(super) const ATTACHMENTS: &str = "Attachments";

/// A word of [`WORDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Word {
    /// The words of a forwarding line written between runs of dashes
    /// (`-----Original Message-----`, `---------- Forwarded message ---------`).
    Dashed(&'static str),
    /// The words of a forwarding line that ends in a colon (`Begin forwarded message:`; a space
    /// before the colon, as French is written, is allowed).
    Opening(&'static str),
    /// A header name as a block writes it, and the header it is (`Von` is [`FROM`]).
    Header(&'static str, &'static str),
}

use Word::{Dashed, Header, Opening};

/// The words, by language. Gmail writes its forwarding line in the reader's language but, in some
/// languages, only its `From` line after it (`De : …` then `Date:`, `Subject:`, `To:`), which the
/// English names cover.
pub(super) const WORDS: &[Word] = &[
    // English: Gmail, Outlook and Exchange, Apple Mail, Thunderbird, Yahoo.
    Dashed("Forwarded message"),
    Dashed("Original message"),
    Opening("Begin forwarded message"),
    Header("From", FROM),
    Header("Sent", SENT),
    Header("Date", DATE),
    Header("To", TO),
    Header("Cc", CC),
    Header("Bcc", BCC),
    Header("Subject", SUBJECT),
    Header("Reply-To", REPLY_TO),
    Header("Sender", SENDER),
    Header("Importance", IMPORTANCE),
    Header("Attachments", ATTACHMENTS),
    // Welsh: Thunderbird's forwarding and original-message line, and the header names Welsh
    // mail software writes (`Oddi wrth`, `Anfonwyd` for "sent", `At`, `Pwnc`). No mail that
    // Outlook in Welsh wrote was found to check its names against.
    Dashed("Neges Wreiddiol"),
    Header("Oddi wrth", FROM),
    Header("Anfonwyd", SENT),
    Header("Dyddiad", DATE),
    Header("At", TO),
    Header("Pwnc", SUBJECT),
    // French: Outlook (`-----Message d'origine-----`, `De :`, `Envoyé :`, `À :`, `Objet :`),
    // Gmail and Thunderbird (`Message transféré`; Thunderbird's `Sujet :`, `Pour :`), Apple
    // Mail (`Début du message réexpédié :`).
    Dashed("Message d'origine"),
    Dashed("Message transféré"),
    Dashed("Message original"),
    Opening("Début du message réexpédié"),
    Header("De", FROM),
    Header("Envoyé", SENT),
    Header("À", TO),
    Header("Pour", TO),
    Header("Objet", SUBJECT),
    Header("Sujet", SUBJECT),
    Header("Cci", BCC),
    Header("Répondre à", REPLY_TO),
    // German: Outlook (`-----Ursprüngliche Nachricht-----`, `Von:`, `Gesendet:`, `An:`,
    // `Betreff:`), Gmail and Thunderbird (`Weitergeleitete Nachricht`; Thunderbird's `Datum:`,
    // `Kopie:`, `Antwort an:`, and `Original-Nachricht` above a quoted message), Apple Mail.
    Dashed("Ursprüngliche Nachricht"),
    Dashed("Weitergeleitete Nachricht"),
    Dashed("Original-Nachricht"),
    Opening("Anfang der weitergeleiteten Nachricht"),
    Opening("Anfang der weitergeleiteten E-Mail"),
    Header("Von", FROM),
    Header("Gesendet", SENT),
    Header("Datum", DATE),
    Header("An", TO),
    Header("Kopie", CC),
    Header("Blindkopie", BCC),
    Header("Betreff", SUBJECT),
    Header("Antwort an", REPLY_TO),
    // Spanish: Outlook (`-----Mensaje original-----`, `De:`, `Enviado el:` or `Enviado:`,
    // `Para:`, `CC:`, `Asunto:`), Gmail and Thunderbird (`Mensaje reenviado`), Apple Mail.
    Dashed("Mensaje original"),
    Dashed("Mensaje reenviado"),
    Opening("Inicio del mensaje reenviado"),
    Header("Enviado el", SENT),
    Header("Enviado", SENT),
    Header("Fecha", DATE),
    Header("Para", TO),
    Header("CCO", BCC),
    Header("Asunto", SUBJECT),
    Header("Responder a", REPLY_TO),
    // Italian: Outlook (`-----Messaggio originale-----`, `Da:`, `Inviato:`, `A:`, `Oggetto:`),
    // Gmail and Thunderbird (`Messaggio inoltrato`), Apple Mail (`Inizio messaggio inoltrato:`).
    Dashed("Messaggio originale"),
    Dashed("Messaggio inoltrato"),
    Opening("Inizio messaggio inoltrato"),
    Header("Da", FROM),
    Header("Inviato", SENT),
    Header("Data", DATE),
    Header("A", TO),
    Header("Ccn", BCC),
    Header("Oggetto", SUBJECT),
    // Polish: Outlook (`-----Wiadomość oryginalna-----`, `Od:`, `Wysłano:`, `Do:`, `DW:`,
    // `Temat:`), Gmail (`Przekazana wiadomość`), Thunderbird (`Treść przekazanej wiadomości`,
    // `Treść oryginalnej wiadomości`).
    Dashed("Wiadomość oryginalna"),
    Dashed("Oryginalna wiadomość"),
    Dashed("Przekazana wiadomość"),
    Dashed("Treść przekazanej wiadomości"),
    Dashed("Treść oryginalnej wiadomości"),
    Header("Od", FROM),
    Header("Wysłano", SENT),
    Header("Do", TO),
    Header("DW", CC),
    Header("Temat", SUBJECT),
    // Portuguese: Outlook (`-----Mensagem original-----`, `De:`, `Enviada em:`, `Enviada:` or
    // `Enviado:`, `Para:`, `Assunto:`), Gmail and Thunderbird (`Mensagem encaminhada`; in
    // Portugal, `Mensagem reencaminhada`).
    Dashed("Mensagem original"),
    Dashed("Mensagem encaminhada"),
    Dashed("Mensagem reencaminhada"),
    Header("Enviada em", SENT),
    Header("Enviada", SENT),
    Header("Assunto", SUBJECT),
    // Dutch: Outlook (`-----Oorspronkelijk bericht-----`, `Van:`, `Verzonden:`, `Aan:`,
    // `Onderwerp:`), Gmail and Thunderbird (`Doorgestuurd bericht`).
    Dashed("Oorspronkelijk bericht"),
    Dashed("Doorgestuurd bericht"),
    Header("Van", FROM),
    Header("Verzonden", SENT),
    Header("Aan", TO),
    Header("Onderwerp", SUBJECT),
];

/// What finding a key of [`KEYS`] begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    /// A forwarding line holds it.
    Forwarding,
    /// A `From` header line holds it.
    From,
}

/// The bytes the search looks for: every forwarding line of [`WORDS`] holds one of the
/// [`Key::Forwarding`] keys, as written, in capitals or in small letters, and every `From` line
/// one of the [`Key::From`] keys (tests check each):
///
/// - its name as written, in capitals or in small letters, then its colon (for a name of two
///   letters, `De`, `Da`, `Od`, then a space, a no-break space, or the `*` and space of bold
///   text, `*De:* `, after the colon too), or a space and the colon (`De :`, as French is
///   written);
/// - any name then a no-break space and a colon (and a space, a no-break space or the `*` of
///   bold text), a narrow no-break space and a colon, or a thin space and a colon: such spaces
///   before a colon are French typography, and the keys do not name the header.
///
/// A key is part of a word rather than its start (the first letters of words are the commonest
/// bytes, and a key that starts a word would be needed in each case), and at least four bytes
/// whose first four are rare in English: the vectorised search tells candidates apart by their
/// first four bytes, and a shorter key or a common one made it several times slower. It is
/// also slower with some orders of the same keys than others; this order, the mixed-case keys
/// before those in capitals, was measured the fastest. Past 32 keys the search takes the
/// vectorised form with more buckets: with the 53 keys here it read the SpamAssassin ham
/// mailboxes at 4.4 to 5.6 GB/s against 5.0 to 5.4 GB/s with the 32 before small letters and
/// other spaces were keys; past 64 it would not be vectorised at all.
pub(super) const KEYS: [(&str, Key); 53] = [
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
    ("De: ", Key::From),
    ("de: ", Key::From),
    ("De :", Key::From),
    ("de :", Key::From),
    ("Da: ", Key::From),
    ("da: ", Key::From),
    ("Od: ", Key::From),
    ("od: ", Key::From),
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
    ("DE: ", Key::From),
    ("DE :", Key::From),
    ("DA: ", Key::From),
    ("OD: ", Key::From),
    ("VAN:", Key::From),
    ("WRTH:", Key::From),
    ("E:\u{a0}", Key::From),
    ("A:\u{a0}", Key::From),
    ("D:\u{a0}", Key::From),
    ("E:* ", Key::From),
    ("A:* ", Key::From),
    ("D:* ", Key::From),
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
            let (Dashed(words) | Opening(words)) = *word else {
                continue;
            };
            for written in [words.to_owned(), words.to_uppercase(), words.to_lowercase()] {
                assert!(has_key(Key::Forwarding, &written), "{written}");
            }
        }
    }

    /// Every `From` line is found by the search, its name as written, in capitals or in small
    /// letters, a no-break space, a narrow no-break space or a thin space before its colon or
    /// none (and in French a space), and a space or a no-break space after it.
    #[test]
    fn every_from_line_holds_a_key() {
        let mut names = 0;
        for word in WORDS {
            let Header(name, FROM) = *word else {
                continue;
            };
            names += 1;
            for written in [name.to_owned(), name.to_uppercase(), name.to_lowercase()] {
                for before in ["", " ", "\u{a0}", "\u{202f}", "\u{2009}"] {
                    if before == " " && name != "De" {
                        continue;
                    }
                    for after in [" ", "\u{a0}"] {
                        let line = format!("{written}{before}:{after}a@b.uk");
                        assert!(has_key(Key::From, &line), "{line:?}");
                        let bold = format!("*{written}{before}:* a@b.uk");
                        assert!(has_key(Key::From, &bold), "{bold:?}");
                    }
                }
            }
        }
        assert!(names >= 7, "{names}");
    }

    /// A name is one header only, and no word is listed twice; each header is one of those a
    /// block is read for.
    #[test]
    fn the_table_is_consistent() {
        let known = [
            FROM,
            SENT,
            DATE,
            TO,
            CC,
            BCC,
            SUBJECT,
            REPLY_TO,
            SENDER,
            IMPORTANCE,
            ATTACHMENTS,
        ];
        let mut seen: Vec<(String, Word)> = Vec::new();
        for word in WORDS {
            let (Dashed(words) | Opening(words) | Header(words, _)) = *word;
            if let Header(_, header) = *word {
                assert!(known.contains(&header), "{word:?}");
            }
            let folded = words.to_lowercase();
            assert!(
                !seen.iter().any(|(other, _)| *other == folded),
                "{word:?} is listed twice"
            );
            seen.push((folded, *word));
        }
    }
}
