//! The words mail programs write above a message forwarded or quoted inline, in the languages a
//! force's staff may have set their mail program to: one table ([`WORDS`]) and its reader
//! ([`MailWords`]), shared by the finder of forwarded header blocks (probity-privacy's
//! `forwarded`, which seals a protected party's letter forwarded inline) and the reader of
//! where a reply ends (probity-content's `reply`, which scores a reply apart from the messages
//! it quotes), so that both know the same languages.
//!
//! The words are those seen in mail the programs wrote (public list archives) and in the
//! programs' own translations. Case does not matter, nor whether a space is a no-break space or
//! an apostrophe a typographic one. A program's words are listed only where what it writes was
//! found, so a language may lack a program (see the notes beside each), and a name two languages
//! share (`De`, `Para`, `Data`, `Datum`) is listed once, under the first.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Header names as [`MailWords::header_line`] gives them, whatever language the line was in.
pub const FROM: &str = "From";
/// See [`FROM`].
pub const SENT: &str = "Sent";
/// See [`FROM`].
pub const DATE: &str = "Date";
/// See [`FROM`].
pub const TO: &str = "To";
/// See [`FROM`].
pub const CC: &str = "Cc";
/// See [`FROM`].
pub const BCC: &str = "Bcc";
/// See [`FROM`].
pub const SUBJECT: &str = "Subject";
/// See [`FROM`].
pub const REPLY_TO: &str = "Reply-To";
/// See [`FROM`].
pub const SENDER: &str = "Sender";
/// See [`FROM`].
pub const IMPORTANCE: &str = "Importance";
/// See [`FROM`].
pub const ATTACHMENTS: &str = "Attachments";

/// Longest forwarding line read ([`MailWords::is_forwarding_line`]).
pub const MAX_FORWARDING_LINE: usize = 120;
/// Longest header name read ([`MailWords::header_line`]).
pub const MAX_HEADER_NAME: usize = 32;
/// Longest attribution line read (`On Mon, 2 Mar 2026 at 10:15, Sam Lane <…> wrote:`,
/// [`MailWords::is_attribution`]).
pub const MAX_ATTRIBUTION_LINE: usize = 300;

/// Where an attribution line names the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// Before the verb, which ends the line: `On Mon, 2 Mar 2026, Sam wrote:`.
    BeforeVerb,
    /// After the verb: `Am 02.03.2026 um 10:15 schrieb Sam:`.
    AfterVerb,
}

/// A word of [`WORDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// The words of a forwarding line written between runs of dashes
    /// (`-----Original Message-----`, `---------- Forwarded message ---------`).
    Dashed(&'static str),
    /// The words of a forwarding line that ends in a colon (`Begin forwarded message:`; a space
    /// before the colon, as French is written, is allowed).
    Opening(&'static str),
    /// A header name as a block writes it, and the header it is (`Von` is [`FROM`]).
    Header(&'static str, &'static str),
    /// The words that open a reply's attribution line (none, where it opens with the date),
    /// the verb, and where the writer is named: the line above a quoted message, ending in a
    /// colon (`On … wrote:`, `Am … schrieb Sam:`).
    Attribution(&'static str, &'static str, Writer),
}

use Word::{Attribution, Dashed, Header, Opening};

pub const WORDS: &[Word] = &[
    // English: Gmail, Outlook and Exchange, Apple Mail, Thunderbird, Yahoo (`On … wrote:`
    // above a quoted reply in all but Outlook).
    Dashed("Forwarded message"),
    Dashed("Original message"),
    Opening("Begin forwarded message"),
    Attribution("On", "wrote", Writer::BeforeVerb),
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
    // Welsh: Thunderbird's forwarding and original-message line, Evolution's
    // `Ar … ysgrifennodd Sam:` above a reply, and the header names Welsh mail software writes
    // (`Oddi wrth`, `Anfonwyd` for "sent", `At`, `Pwnc`). No mail that Outlook in Welsh wrote
    // was found to check its names against.
    Dashed("Neges Wreiddiol"),
    Attribution("Ar", "ysgrifennodd", Writer::AfterVerb),
    Header("Oddi wrth", FROM),
    Header("Anfonwyd", SENT),
    Header("Dyddiad", DATE),
    Header("At", TO),
    Header("Pwnc", SUBJECT),
    // French: Outlook (`-----Message d'origine-----`, `De :`, `Envoyé :`, `À :`, `Objet :`),
    // Gmail and Thunderbird (`Message transféré`; Thunderbird's `Sujet :`, `Pour :`), Apple
    // Mail (`Début du message réexpédié :`); `Le … Sam a écrit :` above a reply.
    Dashed("Message d'origine"),
    Dashed("Message transféré"),
    Dashed("Message original"),
    Opening("Début du message réexpédié"),
    Attribution("Le", "a écrit", Writer::BeforeVerb),
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
    // `Kopie:`, `Antwort an:`, and `Original-Nachricht` above a quoted message), Apple Mail;
    // `Am … schrieb Sam:` above a reply.
    Dashed("Ursprüngliche Nachricht"),
    Dashed("Weitergeleitete Nachricht"),
    Dashed("Original-Nachricht"),
    Opening("Anfang der weitergeleiteten Nachricht"),
    Opening("Anfang der weitergeleiteten E-Mail"),
    Attribution("Am", "schrieb", Writer::AfterVerb),
    Header("Von", FROM),
    Header("Gesendet", SENT),
    Header("Datum", DATE),
    Header("An", TO),
    Header("Kopie", CC),
    Header("Blindkopie", BCC),
    Header("Betreff", SUBJECT),
    Header("Antwort an", REPLY_TO),
    // Spanish: Outlook (`-----Mensaje original-----`, `De:`, `Enviado el:` or `Enviado:`,
    // `Para:`, `CC:`, `Asunto:`), Gmail and Thunderbird (`Mensaje reenviado`), Apple Mail;
    // `El … Sam escribió:` above a reply.
    Dashed("Mensaje original"),
    Dashed("Mensaje reenviado"),
    Opening("Inicio del mensaje reenviado"),
    Attribution("El", "escribió", Writer::BeforeVerb),
    Header("Enviado el", SENT),
    Header("Enviado", SENT),
    Header("Fecha", DATE),
    Header("Para", TO),
    Header("CCO", BCC),
    Header("Asunto", SUBJECT),
    Header("Responder a", REPLY_TO),
    // Italian: Outlook (`-----Messaggio originale-----`, `Da:`, `Inviato:`, `A:`, `Oggetto:`),
    // Gmail and Thunderbird (`Messaggio inoltrato`), Apple Mail (`Inizio messaggio inoltrato:`);
    // `Il … Sam ha scritto:` above a reply.
    Dashed("Messaggio originale"),
    Dashed("Messaggio inoltrato"),
    Opening("Inizio messaggio inoltrato"),
    Attribution("Il", "ha scritto", Writer::BeforeVerb),
    Header("Da", FROM),
    Header("Inviato", SENT),
    Header("Data", DATE),
    Header("A", TO),
    Header("Ccn", BCC),
    Header("Oggetto", SUBJECT),
    // Polish: Outlook (`-----Wiadomość oryginalna-----`, `Od:`, `Wysłano:`, `Do:`, `DW:`,
    // `Temat:`), Gmail (`Przekazana wiadomość`), Thunderbird (`Treść przekazanej wiadomości`,
    // `Treść oryginalnej wiadomości`); above a reply Gmail's `czw., 12 mar 2020 o 15:33 Sam
    // napisał(a):`, which opens with the date, and Thunderbird's `W dniu … Sam pisze:`.
    Dashed("Wiadomość oryginalna"),
    Dashed("Oryginalna wiadomość"),
    Dashed("Przekazana wiadomość"),
    Dashed("Treść przekazanej wiadomości"),
    Dashed("Treść oryginalnej wiadomości"),
    Attribution("", "napisał(a)", Writer::BeforeVerb),
    Attribution("W dniu", "pisze", Writer::BeforeVerb),
    Header("Od", FROM),
    Header("Wysłano", SENT),
    Header("Do", TO),
    Header("DW", CC),
    Header("Temat", SUBJECT),
    // Portuguese: Outlook (`-----Mensagem original-----`, `De:`, `Enviada em:`, `Enviada:` or
    // `Enviado:`, `Para:`, `Assunto:`), Gmail and Thunderbird (`Mensagem encaminhada`; in
    // Portugal, `Mensagem reencaminhada`); `Em … Sam escreveu:` above a reply.
    Dashed("Mensagem original"),
    Dashed("Mensagem encaminhada"),
    Dashed("Mensagem reencaminhada"),
    Attribution("Em", "escreveu", Writer::BeforeVerb),
    Header("Enviada em", SENT),
    Header("Enviada", SENT),
    Header("Assunto", SUBJECT),
    // Dutch: Outlook (`-----Oorspronkelijk bericht-----`, `Van:`, `Verzonden:`, `Aan:`,
    // `Onderwerp:`), Gmail and Thunderbird (`Doorgestuurd bericht`); `Op … schreef Sam:` above
    // a reply.
    Dashed("Oorspronkelijk bericht"),
    Dashed("Doorgestuurd bericht"),
    Attribution("Op", "schreef", Writer::AfterVerb),
    Header("Van", FROM),
    Header("Verzonden", SENT),
    Header("Aan", TO),
    Header("Onderwerp", SUBJECT),
];

/// The reader of [`WORDS`]: the words folded for comparing (in small letters, each white space a
/// space, a typographic apostrophe a plain one). [`MailWords::shared`] is built once.
#[derive(Debug, Clone, Default)]
pub struct MailWords {
    dashed: HashSet<String>,
    openings: HashSet<String>,
    headers: HashMap<String, &'static str>,
    /// The first and last characters of each `From` name folded: most lines with a colon near
    /// their start are told from a `From` line by these before the name is looked up.
    from_ends: Vec<(char, char)>,
    /// The opening words and a space (empty where none), the verb as the line ends with it
    /// (a space before) or as it stands before the writer (a space either side).
    attributions: Vec<(String, String, Writer)>,
    /// For each attribution, folded, the first of its opening words (empty where none) and,
    /// where the writer is named before the verb, the verb's last word: most pairs of lines are
    /// told from a wrapped attribution by these before they are joined.
    wrap_ends: Vec<(String, Option<String>)>,
}

/// Longest word compared with [`MailWords::wrap_ends`], in bytes folded (the table's are
/// shorter).
const MAX_END_WORD: usize = 32;

static SHARED: LazyLock<MailWords> = LazyLock::new(MailWords::new);

impl MailWords {
    /// The reader of [`WORDS`].
    pub fn new() -> Self {
        let mut words = MailWords::default();
        for word in WORDS {
            match *word {
                Dashed(written) => {
                    words.dashed.insert(folded(written).collect());
                }
                Opening(written) => {
                    words.openings.insert(folded(written).collect());
                }
                Header(written, header) => {
                    let name: String = folded(written).collect();
                    if header == FROM
                        && let (Some(first), Some(last)) =
                            (name.chars().next(), name.chars().last())
                    {
                        words.from_ends.push((first, last));
                    }
                    words.headers.insert(name, header);
                }
                Attribution(opens, verb, writer) => {
                    let mut opening: String = folded(opens).collect();
                    if !opening.is_empty() {
                        opening.push(' ');
                    }
                    let verb: String = folded(verb).collect();
                    let first_word = opening.split(' ').next().unwrap_or("").to_owned();
                    let last_word = match writer {
                        Writer::BeforeVerb => verb.rsplit(' ').next().map(str::to_owned),
                        Writer::AfterVerb => None,
                    };
                    words.wrap_ends.push((first_word, last_word));
                    let verb = match writer {
                        Writer::BeforeVerb => format!(" {verb}"),
                        Writer::AfterVerb => format!(" {verb} "),
                    };
                    words.attributions.push((opening, verb, writer));
                }
            }
        }
        words
    }

    /// One reader for the whole process.
    pub fn shared() -> &'static MailWords {
        &SHARED
    }

    /// Whether `line` (unquoted, at most [`MAX_FORWARDING_LINE`] bytes) is a forwarding line:
    /// the words of a [`Word::Dashed`] between runs of dashes, or of a [`Word::Opening`] and a
    /// colon.
    pub fn is_forwarding_line(&self, line: &str) -> bool {
        if line.len() > MAX_FORWARDING_LINE {
            return false;
        }
        let core = line.trim_matches(['-', '_', '*', ' ', '\t']);
        let dashed = core.len() < line.len() && line.starts_with('-') && line.ends_with('-');
        let mut buffer = [0u8; 4 * MAX_FORWARDING_LINE];
        if dashed && fold_into(core, &mut buffer).is_some_and(|key| self.dashed.contains(key)) {
            return true;
        }
        core.strip_suffix(':').is_some_and(|opening| {
            let opening = opening.trim_end();
            fold_into(opening, &mut buffer).is_some_and(|key| self.openings.contains(key))
        })
    }

    /// `Name: value` for a header name of [`WORDS`] (perhaps in bold, `*From:*`, and with any
    /// white space around the name), by the header's English name, and the value.
    pub fn header_line<'l>(&self, content: &'l str) -> Option<(&'static str, &'l str)> {
        let (name, value) = content.split_once(':')?;
        let name = name.trim_matches(|c: char| c == '*' || c.is_whitespace());
        if name.len() > MAX_HEADER_NAME {
            return None;
        }
        let mut buffer = [0u8; 4 * MAX_HEADER_NAME];
        let header = *self.headers.get(fold_into(name, &mut buffer)?)?;
        Some((header, value.trim_start_matches('*').trim()))
    }

    /// Whether the bytes before a colon (`before`, the line up to it) may end a `From` name: their
    /// last ASCII letter or digit is the last letter of one. False only where the line cannot
    /// be a `From` line ([`MailWords::is_from_line`]), so a search may pass over the colon
    /// without reading its line.
    pub fn may_end_from_name(&self, before: &[u8]) -> bool {
        let Some(&last) = before.iter().rev().find(|b| b.is_ascii_alphanumeric()) else {
            return false;
        };
        let last = char::from(last.to_ascii_lowercase());
        self.from_ends
            .iter()
            .any(|&(_, end)| end == last || !end.is_ascii_alphabetic())
    }

    /// Whether `content` is a `From` line of [`WORDS`] ([`MailWords::header_line`] gives
    /// [`FROM`]), told apart cheaply from most lines that are not.
    pub fn is_from_line(&self, content: &str) -> bool {
        let Some((name, _)) = content.split_once(':') else {
            return false;
        };
        let name = name.trim_matches(|c: char| c == '*' || c.is_whitespace());
        let mut chars = name.chars();
        let first = chars.next().and_then(|c| folded_char(c).next());
        let last = chars.next_back().map_or(first, |c| folded_char(c).last());
        let (Some(first), Some(last)) = (first, last) else {
            return false;
        };
        self.from_ends.contains(&(first, last))
            && self
                .header_line(content)
                .is_some_and(|(name, _)| name == FROM)
    }

    /// Whether `line` (without its line end) is a reply's attribution line of [`WORDS`]: at most
    /// [`MAX_ATTRIBUTION_LINE`] bytes, opening with the attribution's words and a space, ending
    /// in a colon (white space before it allowed), with the verb last before the colon and the
    /// writer before it, or the verb followed by the writer.
    pub fn is_attribution(&self, line: &str) -> bool {
        if line.len() > MAX_ATTRIBUTION_LINE {
            return false;
        }
        let Some(body) = line.trim_matches([' ', '\t']).strip_suffix(':') else {
            return false;
        };
        // Most lines that end in a colon open with none of the words: they are compared as they
        // are folded, a character at a time, rather than the line being folded first.
        let body = body.trim_end();
        self.attributions.iter().any(|(opening, verb, writer)| {
            let Some(rest) = strip_folded_prefix(body, opening) else {
                return false;
            };
            match writer {
                Writer::BeforeVerb => {
                    strip_folded_suffix(rest, verb).is_some_and(|writer| !writer.trim().is_empty())
                }
                Writer::AfterVerb => {
                    let mut buffer = [0u8; 4 * MAX_ATTRIBUTION_LINE];
                    fold_into(rest, &mut buffer).is_some_and(|rest| {
                        rest.find(verb.as_str())
                            .is_some_and(|at| !rest[at + verb.len()..].trim().is_empty())
                    })
                }
            }
        })
    }

    /// Whether `first` and `second`, a line and the line below it (each without its line end),
    /// are one attribution line that a mail client wrapped onto two (Gmail and Outlook wrap
    /// plain text at about 76 characters): `On Mon, 2 Mar 2026 at 10:15, Sam Lane <sam@x.uk>`
    /// above `wrote:`, or `… Sam Lane <` above `sam@x.uk> wrote:`. Joined by a space, they make
    /// an attribution ([`MailWords::is_attribution`], at most [`MAX_ATTRIBUTION_LINE`] bytes)
    /// that `second` alone is not; neither is quoted with `>`. Only two are joined here; a
    /// reader that takes a third (the writer alone on a middle line) passes it joined to the
    /// last as `second`.
    pub fn is_wrapped_attribution(&self, first: &str, second: &str) -> bool {
        let first = first.trim_matches([' ', '\t']);
        let second = second.trim_matches([' ', '\t']);
        let len = first.len() + 1 + second.len();
        if first.is_empty()
            || len > MAX_ATTRIBUTION_LINE
            || first.starts_with('>')
            || second.starts_with('>')
        {
            return false;
        }
        // Most lines that end in a colon end no attribution: told by the words at either end
        // before the two are joined.
        let Some(second_body) = second.strip_suffix(':') else {
            return false;
        };
        if !self.may_join_as_attribution(first, second_body.trim_end())
            || self.is_attribution(second)
        {
            return false;
        }
        // Joined on the stack: this runs for many lines that end in a colon.
        let mut buffer = [0u8; MAX_ATTRIBUTION_LINE];
        let Some(joined) = buffer.get_mut(..len) else {
            return false;
        };
        let (head, rest) = joined.split_at_mut(first.len());
        head.copy_from_slice(first.as_bytes());
        let Some((space, tail)) = rest.split_first_mut() else {
            return false;
        };
        *space = b' ';
        tail.copy_from_slice(second.as_bytes());
        std::str::from_utf8(joined).is_ok_and(|joined| self.is_attribution(joined))
    }

    /// Whether `first` and the words `second_body` (a line without its colon, trimmed) may make
    /// an attribution joined: `first`'s first word is the first of an attribution's opening
    /// words (or it has none) and, where the writer is named before the verb, `second_body`'s
    /// last word is the verb's last (or it is empty). Never false where
    /// [`MailWords::is_attribution`] of the two joined would be true.
    fn may_join_as_attribution(&self, first: &str, second_body: &str) -> bool {
        let mut head_buffer = [0u8; 4 * MAX_END_WORD];
        let mut tail_buffer = [0u8; 4 * MAX_END_WORD];
        let head = first
            .split(char::is_whitespace)
            .next()
            .and_then(|word| fold_into(word, &mut head_buffer));
        let tail = second_body
            .rsplit(char::is_whitespace)
            .next()
            .and_then(|word| fold_into(word, &mut tail_buffer));
        self.wrap_ends.iter().any(|(opening, verb_end)| {
            let opens = opening.is_empty() || head == Some(opening.as_str());
            let ends = match verb_end {
                None => true,
                Some(word) => second_body.is_empty() || tail == Some(word.as_str()),
            };
            opens && ends
        })
    }
}

/// `text` in small letters, each white space a space and a typographic apostrophe a plain one.
fn folded(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(folded_char)
}

/// One character [`folded`].
fn folded_char(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase().map(|c| match c {
        '\u{2019}' => '\'',
        c if c.is_whitespace() => ' ',
        c => c,
    })
}

/// `text` [`folded`] into `buffer` (on the stack: lookups run for many lines of every text);
/// none where it does not fit, as none of the table's words is that long.
fn fold_into<'b, const N: usize>(text: &str, buffer: &'b mut [u8; N]) -> Option<&'b str> {
    if text.is_ascii() {
        // The common case, a byte at a time.
        let folded = buffer.get_mut(..text.len())?;
        for (out, &b) in folded.iter_mut().zip(text.as_bytes()) {
            *out = match b {
                b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' => b' ',
                b => b.to_ascii_lowercase(),
            };
        }
        return std::str::from_utf8(folded).ok();
    }
    let mut len = 0;
    for c in folded(text) {
        let width = c.len_utf8();
        c.encode_utf8(buffer.get_mut(len..len + width)?);
        len += width;
    }
    std::str::from_utf8(buffer.get(..len)?).ok()
}

/// The rest of `text` after `prefix` (already [`folded`]) where `text` folded starts with it.
fn strip_folded_prefix<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let mut expected = prefix.chars();
    for (at, c) in text.char_indices() {
        if expected.as_str().is_empty() {
            return Some(&text[at..]);
        }
        for folded in folded_char(c) {
            if expected.next() != Some(folded) {
                return None;
            }
        }
    }
    expected.as_str().is_empty().then_some("")
}

/// `text` before `suffix` (already [`folded`]) where `text` folded ends with it.
fn strip_folded_suffix<'t>(text: &'t str, suffix: &str) -> Option<&'t str> {
    let chars = suffix.chars().count();
    let (start, _) = text.char_indices().rev().nth(chars.checked_sub(1)?)?;
    let mut buffer = [0u8; 4 * MAX_HEADER_NAME];
    (fold_into(&text[start..], &mut buffer)? == suffix).then(|| &text[..start])
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut seen: Vec<String> = Vec::new();
        for word in WORDS {
            let written = match *word {
                Dashed(words) | Opening(words) | Header(words, _) => words.to_owned(),
                Attribution(opens, verb, _) => format!("{opens} … {verb}"),
            };
            if let Header(_, header) = *word {
                assert!(known.contains(&header), "{word:?}");
            }
            let folded = written.to_lowercase();
            assert!(!seen.contains(&folded), "{word:?} is listed twice");
            seen.push(folded);
        }
    }

    /// The attribution lines mail programs write above a quoted reply, in each language, are
    /// read; lines that merely open or end alike are not.
    #[test]
    fn attribution_lines_are_read_in_each_language() {
        let words = MailWords::shared();
        for line in [
            "On Mon, 2 Mar 2026 at 10:15, Sam Lane <sam@x.uk> wrote:",
            "on 02/03/2026 10:15, Sam Lane wrote:  ",
            "Ar Iau, 2006-11-02 am 19:30 +0400, ysgrifennodd Sam Lane:",
            "Le lun. 2 mars 2026 à 10:15, Sam Lane <sam@x.uk> a écrit :",
            "Le 02/03/2026 à 10:15, Sam Lane a\u{a0}écrit\u{a0}:",
            "Am Mo., 2. März 2026 um 10:15 Uhr schrieb Sam Lane <sam@x.uk>:",
            "El lun, 2 mar 2026 a las 10:15, Sam Lane (<sam@x.uk>) escribió:",
            "Il giorno lun 2 mar 2026 alle ore 10:15 Sam Lane <sam@x.uk> ha scritto:",
            "czw., 12 mar 2020 o 15:33 Sam Lane <sam@x.uk> napisał(a):",
            "W dniu 02.03.2026 o 10:15, Sam Lane pisze:",
            "Em seg., 2 de mar. de 2026 às 10:15, Sam Lane <sam@x.uk> escreveu:",
            "Op ma 2 mrt 2026 om 10:15 schreef Sam Lane <sam@x.uk>:",
        ] {
            assert!(words.is_attribution(line), "{line:?}");
        }
        for line in [
            "On Monday we start early.",
            "On wrote:",
            "Once Sam wrote:",
            "On Monday Sam wrote",
            "Am Montag schrieb:",
            "Le chef a écrit ceci :",
            "Op maandag schreef:",
            "Sam wrote:",
            &format!("On {} wrote:", "x".repeat(MAX_ATTRIBUTION_LINE)),
        ] {
            assert!(!words.is_attribution(line), "{line:?}");
        }
    }

    /// An attribution line a mail client wrapped onto two lines is read as one, wherever the
    /// line was broken; two lines that make one only with a line between them, lines of which
    /// the second is an attribution alone, quoted lines, or lines too long together, are not.
    #[test]
    fn attribution_lines_wrapped_onto_two_are_read() {
        let words = MailWords::shared();
        for (first, second) in [
            (
                "On Mon, 1 Jan 2026 at 10:00, Jane Smith <jane.smith@example.com>",
                "wrote:",
            ),
            (
                "On Mon, 1 Jan 2026 at 10:00, Jane Smith <",
                "jane.smith@example.com> wrote:",
            ),
            (
                "On Mon, 1 Jan 2026 at 10:00, Jane Smith",
                "<j@x.uk> wrote:  ",
            ),
            (
                "  Le lun. 2 mars 2026 à 10:15, Sam Lane <sam@x.fr> a",
                "écrit\u{a0}:",
            ),
            (
                "Am Mo., 2. März 2026 um 10:15 Uhr schrieb Sam Lane",
                "<sam@x.de>:",
            ),
            (
                "czw., 12 mar 2020 o 15:33 Sam Lane <sam@x.pl>",
                "napisał(a):",
            ),
            ("Le 02/03/2026 à 10:15, Sam Lane a écrit", " :"),
            (
                "Il",
                "giorno lun 2 mar 2026 alle ore 10:15 Sam Lane ha scritto:",
            ),
        ] {
            assert!(
                words.is_wrapped_attribution(first, second),
                "{first:?} {second:?}"
            );
            assert!(!words.is_attribution(first) && !words.is_attribution(second));
        }
        let long = format!("On Mon, {}", "x".repeat(MAX_ATTRIBUTION_LINE));
        for (first, second) in [
            ("On Mon, 1 Jan 2026 at 10:00, Jane Smith <j@x.uk>", "thanks"),
            ("On Mon, 1 Jan 2026 at 10:00, Jane Smith <j@x.uk>", ""),
            ("", "wrote:"),
            ("Jane Smith <j@x.uk>", "wrote:"),
            ("On Mon, 1 Jan 2026", "On Mon, 2 Jan 2026, Sam wrote:"),
            (
                "> On Mon, 1 Jan 2026 at 10:00, Jane Smith <j@x.uk>",
                "wrote:",
            ),
            (
                "On Mon, 1 Jan 2026 at 10:00, Jane Smith <j@x.uk>",
                "> wrote:",
            ),
            (long.as_str(), "wrote:"),
        ] {
            assert!(
                !words.is_wrapped_attribution(first, second),
                "{first:?} {second:?}"
            );
        }
    }

    proptest::proptest! {
        /// Two lines are a wrapped attribution exactly when, neither quoted and together short
        /// enough, they make one joined by a space and the second alone does not: the words
        /// looked at first to pass most pairs over never pass over one that does.
        #[test]
        fn wrapped_attributions_are_the_lines_that_make_one_joined(
            first in "(On|Le|Am|Il|W dniu|czw\\.,|Op|>|) ?(Mon|2 Mar|10:15,|Sam|Lane|<s@x>|a|ha|schrieb|Uhr| ){0,6}",
            second in "(Sam|<s@x>|a|ha|a écrit|écrit|scritto|wrote|schrieb|napisał\\(a\\)|pisze|x| |\u{a0}){0,4}:?[ \t]?",
        ) {
            let words = MailWords::shared();
            let (trimmed_first, trimmed_second) =
                (first.trim_matches([' ', '\t']), second.trim_matches([' ', '\t']));
            let joined = format!("{trimmed_first} {trimmed_second}");
            let expected = !trimmed_first.is_empty()
                && joined.len() <= MAX_ATTRIBUTION_LINE
                && !trimmed_first.starts_with('>')
                && !trimmed_second.starts_with('>')
                && words.is_attribution(&joined)
                && !words.is_attribution(&second);
            proptest::prop_assert_eq!(words.is_wrapped_attribution(&first, &second), expected);
        }
    }

    /// Folding a byte at a time, as ASCII text is, gives what folding a character at a time does.
    #[test]
    fn ascii_is_folded_as_any_text_is() {
        let text: String = (0u8..128).map(char::from).collect();
        let mut buffer = [0u8; 512];
        let fast = fold_into(&text, &mut buffer).map(str::to_owned);
        assert_eq!(fast, Some(folded(&text).collect::<String>()));
    }

    /// Forwarding lines and header lines are read in any case and with other white space.
    #[test]
    fn forwarding_and_header_lines_are_read() {
        let words = MailWords::shared();
        for line in [
            "-----Original Message-----",
            "---------- Forwarded message ---------",
            "-----message d\u{2019}origine-----",
            "Begin forwarded message:",
            "Début du message réexpédié\u{a0}:",
        ] {
            assert!(words.is_forwarding_line(line), "{line:?}");
        }
        assert!(!words.is_forwarding_line("The original message was lost."));
        assert_eq!(words.header_line("*Von:* Sam"), Some((FROM, "Sam")));
        assert_eq!(words.header_line("de\u{a0}: Sam"), Some((FROM, "Sam")));
        assert_eq!(
            words.header_line("ENVIADO EL: lunes"),
            Some((SENT, "lunes"))
        );
        assert_eq!(words.header_line("Fromage: Brie"), None);
        for line in [
            "From: Sam",
            "*VON:* Sam",
            "de\u{a0}: Sam",
            "Oddi\u{a0}wrth: Sam",
            "OD: Sam",
        ] {
            assert!(words.is_from_line(line), "{line:?}");
        }
        for line in [
            "Date: Monday",
            "Fromage: Brie",
            "Dave: hi",
            "Note: x",
            "From Sam",
        ] {
            assert!(!words.is_from_line(line), "{line:?}");
        }
        for before in ["From", "> *Von", "De\u{a0}", "Oddi wrth \u{202f}*", "OD"] {
            assert!(words.may_end_from_name(before.as_bytes()), "{before:?}");
        }
        for before in ["Ask", "http", "10", "", "  "] {
            assert!(!words.may_end_from_name(before.as_bytes()), "{before:?}");
        }
    }
}
