//! Messages forwarded inline in a text: the header block a mail program writes above a
//! forwarded or quoted message, read so that the exclusion list can tell whether the message
//! below it is with a protected party ([`crate::exclusions::Exclusions::forwarded_exclusion`]).
//!
//! A block is one of these shapes, each line perhaps quoted with `>`:
//!
//! - a forwarding line, `---------- Forwarded message ---------` (Gmail; any run of dashes
//!   either side, `Forwarded Message` too), `-----Original Message-----` (Outlook, Exchange) or
//!   `Begin forwarded message:` (Apple Mail), then, after at most two blank lines, header lines
//!   among which a `From:`;
//! - Outlook's header block without such a line: a `From:` line among header lines that hold a
//!   `Sent:` or `Date:` and a `To:` or `Subject:`.
//!
//! The same shapes are read in the other languages mail programs write them in
//! (`-----Ursprüngliche Nachricht-----`, `Von:`, `Gesendet:`; `De :`, `Envoyé :`, `Objet :`;
//! Welsh, Spanish, Italian, Polish, Portuguese and Dutch too): the words are one table, `WORDS`
//! in `probity_model::mail_words` (shared with probity-content's reading of where a reply
//! ends, so that both know the same languages), and a block's headers are given by their
//! English names whatever language it was written in (`Von` as `From`).
//!
//! A rule of underscores on the line directly above a block (Outlook writes
//! `________________________________` there) is taken into it, so that it is not left behind
//! when what the block begins is withheld.
//!
//! Header lines are `Name: value` for the names a mail program writes there (in English `From`,
//! `Sent`, `Date`, `To`, `Cc`, `Bcc`, `Subject`, `Reply-To`, `Sender`, `Importance`,
//! `Attachments`), in any case (`from:`, `VON:`), with any white space before the colon (a
//! space, a no-break space or a narrow one, as French is written) or after it (spaces, a
//! no-break space, a tab: HTML read as text sets a table's cells apart by a tab, `From:\tSam`),
//! or none after it (`De:Sam`, `De\u{a0}:Sam`; which forms the search looks for is said beside
//! `KEYS`); a recipient list that ends in `;` or `,` goes on on the next line. A line that
//! merely starts with `From:` is not a block.
//!
//! Every text of every message comes here, and few hold a block: one vectorised search for a
//! few bytes every shape holds (the middle of a forwarding line's word, such as `essag` of
//! `message` and `Messaggio` or `icht` of `Nachricht` and `bericht`; the end of a `From` line's
//! name with its colon, such as `rom:` and `Von:`, or a name of two letters with its colon and
//! the line end or space before it, `\nDe:`; `KEYS` in `forwarded/words.rs`) passes over
//! a text that has none, and only the line of a hit is looked at, no further than a forwarding
//! line or a header name can be from the hit. (Searching for the words themselves without case
//! was slower: their first letters are among the commonest.)

mod words;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use probity_model::mail_words::{self, FROM, MailWords};

use crate::{Error, Result};
use words::{KEYS, Key};

/// Longest forwarding line looked at.
const MAX_MARKER_LINE: usize = mail_words::MAX_FORWARDING_LINE;
/// Furthest a `From` line's key is from the start of its line (quoting, bold and the name).
const MAX_FROM_KEY_AT: usize = 48;
/// Fewest underscores in a rule above a block taken into it (Outlook writes 32).
const MIN_RULE: usize = 8;

/// Most lines of one header block read.
const MAX_BLOCK_LINES: usize = 40;
/// Most bytes of one header block read.
const MAX_BLOCK_BYTES: usize = 16 * 1024;

/// A forwarded header block in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Where the block begins: the start of its forwarding line, or of its `From:` line, or of a
    /// rule of underscores directly above either.
    pub start: usize,
    /// Where its header lines end.
    pub end: usize,
    /// Its headers by their English names (`From`, `Sent`, `Date`, `To`, `Cc`, `Bcc`,
    /// `Subject`, `Reply-To`, `Sender`, `Importance`, `Attachments`) and values as written (a
    /// `[mailto:…]` after a name read as `<…>`), each recipient of a list written with `;`
    /// apart.
    pub headers: Vec<(&'static str, String)>,
}

/// Finds forwarded header blocks. Build once and share.
#[derive(Debug, Clone)]
pub struct ForwardBlocks {
    markers: AhoCorasick,
    words: &'static MailWords,
}

impl ForwardBlocks {
    /// The finder.
    pub fn new() -> Result<Self> {
        let markers = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(KEYS.iter().map(|(key, _)| key))
            .map_err(|e| Error::Invalid {
                what: "the forwarded-message markers".to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            markers,
            words: MailWords::shared(),
        })
    }

    /// The blocks of `text`, in order, none inside another.
    pub fn blocks<'a>(&'a self, text: &'a str) -> impl Iterator<Item = Block> + 'a {
        let mut from = 0;
        // The first line has no line end before it for a key to hold: it is looked at on its
        // own where it starts as such a key's line does.
        let mut first_line = starts_as_from_line(text);
        std::iter::from_fn(move || {
            if std::mem::take(&mut first_line)
                && let Some(block) = self.outlook_block(text, 0)
            {
                from = after_block(text, block.end);
                return Some(block);
            }
            while let Some(hit) = self.markers.find(text.get(from..)?) {
                let Some((key, kind)) = KEYS.get(hit.pattern().as_usize()) else {
                    continue;
                };
                // A key that holds the line end before a name is on the line after it.
                let at = from + hit.start() + usize::from(key.starts_with('\n'));
                from += hit.end();
                let block = match kind {
                    Key::From => self.outlook_block(text, at),
                    Key::Forwarding => self.marked_block(text, at),
                };
                if let Some(block) = block {
                    from = from.max(after_block(text, block.end));
                    return Some(block);
                }
            }
            None
        })
    }

    /// A block begun by a forwarding line holding the key at `at`.
    fn marked_block(&self, text: &str, at: usize) -> Option<Block> {
        // Most hits are a word in a sentence: a line longer than a forwarding line is passed
        // over before it is read, and it is not read further than that either way.
        let start = line_start_within(text, at, MAX_MARKER_LINE)?;
        let (line, next) = short_line_at(text, start, MAX_MARKER_LINE)?;
        if !self.words.is_forwarding_line(unquoted(line)) {
            return None;
        }
        let (headers, end) = self.header_lines(text, next, 2);
        headers
            .iter()
            .any(|(name, _)| *name == FROM)
            .then_some(Block {
                start: with_rule_above(text, start),
                end,
                headers,
            })
    }

    /// Outlook's header block, begun by the `From` line whose key is at `at` where that line
    /// starts with its name.
    fn outlook_block(&self, text: &str, at: usize) -> Option<Block> {
        let start = line_start_within(text, at, MAX_FROM_KEY_AT)?;
        let (line, _) = short_line_at(text, start, MAX_BLOCK_BYTES)?;
        let (name, _) = self.words.header_line(unquoted(line))?;
        if name != FROM {
            return None;
        }
        let (headers, end) = self.header_lines(text, start, 0);
        let has = |names: &[&str]| headers.iter().any(|(name, _)| names.contains(name));
        (has(&[FROM])
            && has(&[mail_words::SENT, mail_words::DATE])
            && has(&[mail_words::TO, mail_words::SUBJECT]))
        .then_some(Block {
            start: with_rule_above(text, start),
            end,
            headers,
        })
    }

    /// The header lines from `start` on (after at most `blank` blank lines), and where they end.
    fn header_lines(
        &self,
        text: &str,
        start: usize,
        blank: usize,
    ) -> (Vec<(&'static str, String)>, usize) {
        let mut headers: Vec<(&'static str, String)> = Vec::new();
        let mut at = start;
        let mut blanks = 0;
        let mut lines = 0;
        while at < text.len() && lines < MAX_BLOCK_LINES && at - start < MAX_BLOCK_BYTES {
            let (line, next) = line_at(text, at);
            let content = unquoted(line);
            lines += 1;
            if content.is_empty() {
                if headers.is_empty() && blanks < blank {
                    blanks += 1;
                    at = next;
                    continue;
                }
                break;
            }
            if let Some((name, value)) = self.words.header_line(content) {
                headers.push((name, value.to_owned()));
            } else if let Some((name, value)) = headers.last_mut()
                && matches!(*name, mail_words::TO | mail_words::CC | mail_words::BCC)
                && value.trim_end().ends_with([';', ','])
            {
                value.push(' ');
                value.push_str(content);
            } else {
                break;
            }
            at = next;
        }
        let end = at.min(text.len());
        let mut split = Vec::with_capacity(headers.len());
        for (name, value) in headers {
            let value = mailto_as_angle(&value);
            if name == mail_words::SUBJECT {
                split.push((name, value));
                continue;
            }
            split.extend(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|entry| !entry.is_empty())
                    .map(|entry| (name, entry.to_owned())),
            );
        }
        (split, end)
    }
}

/// Whether `text` starts as a line does after a key of [`KEYS`] that holds the line end before
/// a name (`De:` at its very start).
fn starts_as_from_line(text: &str) -> bool {
    KEYS.iter().any(|(key, _)| {
        key.strip_prefix('\n')
            .is_some_and(|name| text.starts_with(name))
    })
}

/// Where the search goes on after a block ending at `end`: at the line end before `end`, so that
/// a key holding it finds the line that ended the block (a block cut at its most lines).
fn after_block(text: &str, end: usize) -> usize {
    match end.checked_sub(1) {
        Some(newline) if text.as_bytes().get(newline) == Some(&b'\n') => newline,
        _ => end,
    }
}

/// The start of the line holding byte `at` where it is at most `most` bytes before `at`; none
/// where it is further (the line is not read back further than that).
fn line_start_within(text: &str, at: usize, most: usize) -> Option<usize> {
    let from = at.saturating_sub(most);
    match memchr::memrchr(b'\n', text.as_bytes().get(from..at)?) {
        Some(newline) => Some(from + newline + 1),
        None => (from == 0).then_some(0),
    }
}

/// The line starting at `start` (without its line end) and where the next one starts.
fn line_at(text: &str, start: usize) -> (&str, usize) {
    let rest = text.get(start..).unwrap_or("");
    match memchr::memchr(b'\n', rest.as_bytes()) {
        Some(newline) => (rest[..newline].trim_end_matches('\r'), start + newline + 1),
        None => (rest.trim_end_matches('\r'), text.len()),
    }
}

/// [`line_at`] for a line of at most `most` bytes (its line end apart); none for a longer one,
/// which is not read to its end.
fn short_line_at(text: &str, start: usize, most: usize) -> Option<(&str, usize)> {
    let rest = text.get(start..)?;
    let window = rest.as_bytes().get(..most + 2).unwrap_or(rest.as_bytes());
    let line = match memchr::memchr(b'\n', window) {
        Some(newline) => (&rest[..newline], start + newline + 1),
        None if window.len() == rest.len() => (rest, text.len()),
        None => return None,
    };
    let (line, next) = (line.0.trim_end_matches('\r'), line.1);
    (line.len() <= most).then_some((line, next))
}

/// A line without its quoting (`>`, `> >`) and the white space around it.
fn unquoted(line: &str) -> &str {
    line.trim_start_matches(['>', ' ', '\t']).trim()
}

/// Where a block whose first line starts at `start` begins: at the line above where that is a
/// rule of underscores (perhaps quoted), as Outlook writes above its header block, else at
/// `start`.
fn with_rule_above(text: &str, start: usize) -> usize {
    let Some(above_end) = start.checked_sub(1) else {
        return start;
    };
    // A rule is short: a longer line is not read back to its start.
    let Some(above) = line_start_within(text, above_end, MAX_MARKER_LINE) else {
        return start;
    };
    let (line, _) = line_at(text, above);
    let rule = unquoted(line);
    if rule.len() >= MIN_RULE && rule.bytes().all(|b| b == b'_') {
        above
    } else {
        start
    }
}

/// `Name [mailto:address]` (Outlook's plain text) as `Name <address>`.
fn mailto_as_angle(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(open) = rest.find("[mailto:") {
        let after = &rest[open + "[mailto:".len()..];
        let Some(close) = after.find(']') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push('<');
        out.push_str(&after[..close]);
        out.push('>');
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str) -> Vec<Block> {
        ForwardBlocks::new().unwrap().blocks(text).collect()
    }

    #[test]
    fn each_shape_of_block_is_found_where_it_begins() {
        // Each text, and the line its block begins with.
        let cases = [
            (
                "FYI\n\n---------- Forwarded message ---------\nFrom: Occupational Health <oh@x.uk>\nDate: Mon, 6 May 2024\nSubject: Referral\nTo: <a@x.uk>\n\nbody",
                "----------",
            ),
            (
                "FYI\r\n\r\n-----Original Message-----\r\nFrom: Occupational Health [mailto:oh@x.uk]\r\nSent: Monday\r\nTo: Smith, Alan; Jones, Bob\r\nSubject: Referral\r\n\r\nbody",
                "-----Original",
            ),
            (
                "FYI\n\nBegin forwarded message:\n\nFrom: Occupational Health <oh@x.uk>\nSubject: Referral\n\nbody",
                "Begin",
            ),
            (
                "FYI\n\n________________________________\nFrom: Occupational Health\nSent: 06 May 2024 10:00\nTo: Alan Smith\nSubject: Referral\n\nbody",
                "________",
            ),
            (
                "FYI\n\nFrom: Occupational Health\nSent: 06 May 2024 10:00\nTo: Alan Smith\nSubject: Referral\n\nbody",
                "From:",
            ),
            (
                "FYI\n\n-----ORIGINAL MESSAGE-----\nFROM: Occupational Health\nSENT: Monday\n\nbody",
                "-----ORIGINAL",
            ),
            (
                "FYI\n\nFROM: Occupational Health\nDATE: Monday\nSUBJECT: x\n\nbody",
                "FROM:",
            ),
            (
                "FYI\n\n> ----- Forwarded Message -----\n> From: Occupational Health <oh@x.uk>\n> To: a@x.uk\n>\n> body",
                "> -----",
            ),
        ];
        for (text, first) in cases {
            let found = blocks(text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            let block = &found[0];
            assert_eq!(Some(block.start), text.find(first), "{text:?}");
            let from = block.headers.iter().find(|(n, _)| *n == "From").unwrap();
            assert!(from.1.starts_with("Occupational Health"), "{from:?}");
            assert!(!text[..block.end].contains("body"), "{text:?} {block:?}");
            assert!(text[block.end..].contains("body"), "{text:?} {block:?}");
        }
        let outlook = &blocks(cases[1].0)[0];
        assert!(
            outlook
                .headers
                .contains(&("From", "Occupational Health <oh@x.uk>".to_owned()))
        );
        assert!(outlook.headers.contains(&("To", "Smith, Alan".to_owned())));
        assert!(outlook.headers.contains(&("To", "Jones, Bob".to_owned())));
    }

    /// The blocks mail programs write in the other languages a force's staff may have set them
    /// to, with and without a forwarding line (quoted, in capitals, with a no-break space before
    /// a French colon), are found where they begin, their headers by their English names.
    #[test]
    fn blocks_in_other_languages_are_found_where_they_begin() {
        let oh = "Occupational Health <oh@x.uk>";
        // Each text, the line its block begins with, and headers it must give.
        type Case<'a> = (String, &'a str, Vec<(&'a str, &'a str)>);
        let cases: Vec<Case> = vec![
            // Welsh: Outlook's names, Thunderbird's line.
            (
                format!("Oddi wrth: {oh}\nAnfonwyd: 06 Mai 2024 10:00\nAt: Alan Smith\nPwnc: Atgyfeiriad"),
                "Oddi wrth:",
                vec![("Sent", "06 Mai 2024 10:00"), ("To", "Alan Smith"), ("Subject", "Atgyfeiriad")],
            ),
            (
                format!("-------- Neges Wreiddiol --------\nPwnc: Atgyfeiriad\nDyddiad: 06/05/2024\nOddi wrth: {oh}\nAt: a@x.uk"),
                "--------",
                vec![("Date", "06/05/2024"), ("To", "a@x.uk")],
            ),
            // French: Outlook with its line and without (a no-break space before each colon),
            // Gmail, Thunderbird, Apple Mail.
            (
                "-----Message d\u{2019}origine-----\nDe : Occupational Health [mailto:oh@x.uk]\nEnvoyé : lundi 6 mai 2024 10:00\nÀ : Smith, Alan; Jones, Bob\nCci : c@x.uk\nObjet : Référence".to_owned(),
                "-----",
                vec![("From", oh), ("Sent", "lundi 6 mai 2024 10:00"), ("To", "Smith, Alan"), ("To", "Jones, Bob"), ("Bcc", "c@x.uk"), ("Subject", "Référence")],
            ),
            (
                format!("DE\u{a0}: {oh}\nENVOYÉ\u{a0}: lundi\nÀ\u{a0}: Alan\nOBJET\u{a0}: Référence"),
                "DE",
                vec![("Sent", "lundi"), ("To", "Alan"), ("Subject", "Référence")],
            ),
            (
                format!("---------- Message transféré ---------\nDe : {oh}\nDate: lun. 6 mai 2024\nSubject: Référence\nTo: <a@x.uk>"),
                "----------",
                vec![("Date", "lun. 6 mai 2024"), ("To", "<a@x.uk>")],
            ),
            (
                format!("-------- Message transféré --------\nSujet :     Référence\nDate :  Mon, 6 May 2024\nDe :    {oh}\nRépondre à : oh@x.uk\nPour :  a@x.uk"),
                "--------",
                vec![("Subject", "Référence"), ("Reply-To", "oh@x.uk"), ("To", "a@x.uk")],
            ),
            (
                format!("Début du message réexpédié :\n\nDe: {oh}\nObjet: Référence\nDate: 6 mai 2024\nÀ: a@x.uk"),
                "Début",
                vec![("Subject", "Référence"), ("To", "a@x.uk")],
            ),
            // German: Outlook with its line, in capitals, and without; Thunderbird; Apple Mail.
            (
                format!("-----Ursprüngliche Nachricht-----\nVon: {oh}\nGesendet: Montag, 6. Mai 2024 10:00\nAn: Alan Smith\nCc: b@x.uk\nBetreff: Überweisung"),
                "-----",
                vec![("Sent", "Montag, 6. Mai 2024 10:00"), ("To", "Alan Smith"), ("Cc", "b@x.uk"), ("Subject", "Überweisung")],
            ),
            (
                format!("-----URSPRÜNGLICHE NACHRICHT-----\nVON: {oh}\nGESENDET: Montag"),
                "-----",
                vec![("Sent", "Montag")],
            ),
            (
                format!("*Von:* {oh}\n*Gesendet:* Montag\n*An:* Alan Smith\n*Betreff:* Überweisung"),
                "*Von:*",
                vec![("To", "Alan Smith")],
            ),
            (
                format!("-------- Weitergeleitete Nachricht --------\nBetreff: Überweisung\nDatum: Mon, 6 May 2024\nVon: {oh}\nAntwort an: oh@x.uk\nAn: a@x.uk\nKopie: b@x.uk"),
                "--------",
                vec![("Date", "Mon, 6 May 2024"), ("Reply-To", "oh@x.uk"), ("Cc", "b@x.uk")],
            ),
            (
                format!("Anfang der weitergeleiteten E-Mail:\n\nVon: {oh}\nBetreff: Überweisung\nDatum: 6. Mai 2024\nAn: a@x.uk"),
                "Anfang",
                vec![("To", "a@x.uk")],
            ),
            // Spanish: Outlook, Gmail, Apple Mail.
            (
                format!("-----Mensaje original-----\nDe: {oh}\nEnviado el: lunes, 6 de mayo de 2024 10:00\nPara: Alan Smith\nCC: b@x.uk\nCCO: c@x.uk\nAsunto: Derivación"),
                "-----",
                vec![("Sent", "lunes, 6 de mayo de 2024 10:00"), ("To", "Alan Smith"), ("Cc", "b@x.uk"), ("Bcc", "c@x.uk"), ("Subject", "Derivación")],
            ),
            (
                format!("---------- Mensaje reenviado ---------\nDe: {oh}\nDate: lun, 6 may 2024\nSubject: Derivación\nTo: <a@x.uk>"),
                "----------",
                vec![("Subject", "Derivación")],
            ),
            (
                format!("Inicio del mensaje reenviado:\n\nDe: {oh}\nAsunto: Derivación\nFecha: 6 de mayo de 2024"),
                "Inicio",
                vec![("Date", "6 de mayo de 2024")],
            ),
            // Italian: Outlook, Gmail, Apple Mail.
            (
                "-----Messaggio originale-----\nDa: Occupational Health [mailto:oh@x.uk]\nInviato: lunedì 6 maggio 2024 10:00\nA: Alan Smith\nCcn: c@x.uk\nOggetto: Invio".to_owned(),
                "-----",
                vec![("From", oh), ("To", "Alan Smith"), ("Bcc", "c@x.uk"), ("Subject", "Invio")],
            ),
            (
                format!("---------- Messaggio inoltrato ---------\nDa: {oh}\nDate: lun 6 mag 2024\nSubject: Invio\nTo: <a@x.uk>"),
                "----------",
                vec![("To", "<a@x.uk>")],
            ),
            (
                format!("Inizio messaggio inoltrato:\n\nDa: {oh}\nOggetto: Invio\nData: 6 maggio 2024\nA: a@x.uk"),
                "Inizio",
                vec![("Date", "6 maggio 2024"), ("To", "a@x.uk")],
            ),
            // Polish: Outlook, Gmail, Thunderbird.
            (
                format!("-----Wiadomość oryginalna-----\nOd: {oh}\nWysłano: poniedziałek, 6 maja 2024 10:00\nDo: Alan Smith\nDW: b@x.uk\nTemat: Skierowanie"),
                "-----",
                vec![("Sent", "poniedziałek, 6 maja 2024 10:00"), ("To", "Alan Smith"), ("Cc", "b@x.uk"), ("Subject", "Skierowanie")],
            ),
            (
                format!("---------- Przekazana wiadomość ---------\nOd: {oh}\nDate: pon., 6 maj 2024\nSubject: Skierowanie\nTo: <a@x.uk>"),
                "----------",
                vec![("Subject", "Skierowanie")],
            ),
            (
                format!("-------- Treść przekazanej wiadomości --------\nTemat: Skierowanie\nData: 6 maja 2024\nOd: {oh}\nDo: a@x.uk"),
                "--------",
                vec![("Date", "6 maja 2024"), ("To", "a@x.uk")],
            ),
            // Portuguese: Outlook (Brazil and Portugal), Gmail.
            (
                format!("-----Mensagem original-----\nDe: {oh}\nEnviada em: segunda-feira, 6 de maio de 2024 10:00\nPara: Alan Smith\nAssunto: Encaminhamento"),
                "-----",
                vec![("Sent", "segunda-feira, 6 de maio de 2024 10:00"), ("To", "Alan Smith"), ("Subject", "Encaminhamento")],
            ),
            (
                format!("De: {oh}\nEnviado: segunda-feira\nPara: Alan Smith\nAssunto: Encaminhamento"),
                "De:",
                vec![("Sent", "segunda-feira")],
            ),
            (
                format!("---------- Mensagem encaminhada ---------\nDe: {oh}\nDate: seg., 6 de mai. de 2024\nSubject: Encaminhamento\nTo: <a@x.uk>"),
                "----------",
                vec![("Subject", "Encaminhamento")],
            ),
            // Dutch: Outlook with its line and without, Gmail quoted.
            (
                format!("-----Oorspronkelijk bericht-----\nVan: {oh}\nVerzonden: maandag 6 mei 2024 10:00\nAan: Alan Smith\nCC: b@x.uk\nOnderwerp: Verwijzing"),
                "-----",
                vec![("Sent", "maandag 6 mei 2024 10:00"), ("To", "Alan Smith"), ("Cc", "b@x.uk"), ("Subject", "Verwijzing")],
            ),
            (
                format!("Van: {oh}\r\nVerzonden: maandag\r\nAan: Alan\r\nOnderwerp: Verwijzing"),
                "Van:",
                vec![("To", "Alan")],
            ),
            (
                format!("> ---------- Doorgestuurd bericht ---------\n> Van: {oh}\n> Date: ma 6 mei 2024\n> Subject: Verwijzing\n> To: <a@x.uk>"),
                "> ---",
                vec![("Subject", "Verwijzing")],
            ),
        ];
        for (block, first, expected) in &cases {
            let text = format!("Zie hieronder.\n\n{block}\n\nbody");
            let found = blocks(&text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            let block = &found[0];
            assert_eq!(Some(block.start), text.find(first), "{text:?}");
            let from = block.headers.iter().find(|(n, _)| *n == "From");
            assert!(
                from.is_some_and(|(_, value)| value.starts_with("Occupational Health")),
                "{text:?}: {block:?}"
            );
            for (name, value) in expected {
                assert!(
                    block.headers.contains(&(*name, (*value).to_owned())),
                    "{name}: {value} not in {:?}",
                    block.headers
                );
            }
            assert!(!text[..block.end].contains("body"), "{text:?} {block:?}");
            assert!(text[block.end..].contains("body"), "{text:?} {block:?}");
        }
    }

    /// A block whose header names are written in small letters, or with a no-break space, a
    /// narrow no-break space or a thin space before a colon or a no-break space after it (as
    /// Outlook and Apple Mail write French, and as HTML turned into text leaves `&nbsp;`), is
    /// found as the same block written plainly is.
    #[test]
    fn blocks_written_in_small_letters_or_with_other_spaces_are_found() {
        let oh = "Occupational Health <oh@x.uk>";
        let cases = [
            format!("from: {oh}\nsent: Monday\nto: Alan Smith\nsubject: Referral"),
            format!("von: {oh}\ngesendet: Montag\nan: Alan Smith\nbetreff: Überweisung"),
            format!("de: {oh}\nenvoyé: lundi\nà: Alan\nobjet: Référence"),
            format!("de : {oh}\nenvoyé : lundi\nà : Alan\nobjet : Référence"),
            format!("de\u{a0}: {oh}\nenvoyé\u{a0}: lundi\nà\u{a0}: Alan\nobjet\u{a0}: Référence"),
            format!("da: {oh}\ninviato: lunedì\na: Alan\noggetto: Invio"),
            format!("od: {oh}\nwysłano: poniedziałek\ndo: Alan\ntemat: Skierowanie"),
            format!("van: {oh}\nverzonden: maandag\naan: Alan\nonderwerp: Verwijzing"),
            format!("oddi wrth: {oh}\nanfonwyd: Llun\nat: Alan\npwnc: Atgyfeiriad"),
            format!(
                "De\u{202f}: {oh}\nEnvoyé\u{202f}: lundi\nÀ\u{202f}: Alan\nObjet\u{202f}: Référence"
            ),
            format!(
                "De\u{2009}: {oh}\nEnvoyé\u{2009}: lundi\nÀ\u{2009}: Alan\nObjet\u{2009}: Référence"
            ),
            format!(
                "*De\u{a0}:* {oh}\n*Envoyé\u{a0}:* lundi\n*À\u{a0}:* Alan\n*Objet\u{a0}:* Référence"
            ),
            format!(
                "From\u{a0}: {oh}\nSent\u{a0}: Monday\nTo\u{a0}: Alan\nSubject\u{a0}: Referral"
            ),
            format!("De:\u{a0}{oh}\nEnvoyé:\u{a0}lundi\nÀ:\u{a0}Alan\nObjet:\u{a0}Référence"),
            format!("DA:\u{a0}{oh}\nINVIATO:\u{a0}lunedì\nA:\u{a0}Alan\nOGGETTO:\u{a0}Invio"),
            format!(
                "od:\u{a0}{oh}\nwysłano:\u{a0}poniedziałek\ndo:\u{a0}Alan\ntemat:\u{a0}Skierowanie"
            ),
            format!("> de\u{a0}: {oh}\n> envoyé\u{a0}: lundi\n> objet\u{a0}: Référence"),
        ];
        for block in &cases {
            let text = format!("Voir ci-dessous.\n\n{block}\n\nbody");
            let found = blocks(&text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            let block = &found[0];
            assert_eq!(block.start, "Voir ci-dessous.\n\n".len(), "{text:?}");
            assert!(
                block.headers.contains(&("From", oh.to_owned())),
                "{text:?}: {block:?}"
            );
            assert!(text[block.end..].contains("body"), "{text:?} {block:?}");
        }
    }

    /// A block whose header lines have a tab after the colon (a table's cells in HTML read as
    /// text), or several spaces and tabs, or, after a no-break space and a colon, the value
    /// straight after it (`De\u{a0}:Sam`), is found as the same block written plainly is.
    #[test]
    fn blocks_with_a_tab_or_nothing_after_the_colon_are_found() {
        let jane = "Jane Smith <j@x.uk>";
        let cases = [
            format!("From:\t{jane}\nSent:\tMonday\nTo:\tAlan\nSubject:\tReferral"),
            format!("From: \t {jane}\nSent:\t\tMonday\nTo:  Alan\nSubject:\tReferral"),
            format!("De:\t{jane}\nEnvoyé:\tlundi\nÀ:\tAlan\nObjet:\tRéférence"),
            format!("de:\t\t{jane}\nenvoyé:\tlundi\nà:\tAlan\nobjet:\tRéférence"),
            format!("DE:\t{jane}\nENVIADO:\tlunes\nPARA:\tAlan\nASUNTO:\tDerivación"),
            format!("Da:\t{jane}\nInviato:\tlunedì\nA:\tAlan\nOggetto:\tInvio"),
            format!("Od:\t{jane}\nWysłano:\tponiedziałek\nDo:\tAlan\nTemat:\tSkierowanie"),
            format!("> De\u{a0}:\t{jane}\n> Envoyé\u{a0}:\tlundi\n> Objet\u{a0}:\tRéférence"),
            format!("De\u{a0}:{jane}\nEnvoyé\u{a0}:lundi\nÀ\u{a0}:Alan\nObjet\u{a0}:Référence"),
            format!("*De\u{a0}:*{jane}\n*Envoyé\u{a0}:*lundi\n*À\u{a0}:*Alan"),
            format!("DE\u{a0}:{jane}\nENVOYÉ\u{a0}:lundi\nOBJET\u{a0}:Référence"),
        ];
        for block in &cases {
            let text = format!("Voir ci-dessous.\n\n{block}\n\nbody");
            let found = blocks(&text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            let block = &found[0];
            assert_eq!(block.start, "Voir ci-dessous.\n\n".len(), "{text:?}");
            assert!(
                block.headers.contains(&("From", jane.to_owned())),
                "{text:?}: {block:?}"
            );
            assert!(!text[..block.end].contains("body"), "{text:?} {block:?}");
        }
        // The same with a forwarding line above it: the header lines below are read so too.
        let text = format!("FYI\n-----Mensaje original-----\nDe:\t{jane}\nPara:\tAlan\n\nbody");
        let found = blocks(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].headers.contains(&("To", "Alan".to_owned())));
    }

    /// A block whose `From` line's name is of two letters (`De`, `Da`, `Od`) with its value
    /// straight after the colon (`De:Sam`, as HTML read as text leaves `<b>De:</b>Sam`), at the
    /// start of a line, quoted, or at the start of the text, is found as the same block written
    /// plainly is. (Only a space, a tab, a no-break space or bold were looked for after such a
    /// name's colon.)
    #[test]
    fn a_two_letter_from_name_with_its_value_straight_after_the_colon_is_found() {
        let jane = "Jane Smith <j@x.uk>";
        let cases = [
            format!("De:{jane}\nEnvoyé:lundi\nÀ:Alan\nObjet:Référence"),
            format!("de:{jane}\r\nenvoyé:lundi\r\nobjet:Référence"),
            format!("DE:{jane}\nENVIADO:lunes\nPARA:Alan\nASUNTO:Derivación"),
            format!("De:{jane}\nEnviado:lunes\nPara:Alan"),
            format!("Da:{jane}\nInviato:lunedì\nA:Alan\nOggetto:Invio"),
            format!("DA:{jane}\nINVIATO:lunedì\nOGGETTO:Invio"),
            format!("od:{jane}\nwysłano:poniedziałek\ndo:Alan"),
            format!("OD:{jane}\nWYSŁANO:poniedziałek\nTEMAT:Skierowanie"),
            format!("> De:{jane}\n> Envoyé:lundi\n> Objet:Référence"),
            format!("> > Da:{jane}\n> > Inviato:lunedì\n> > A:Alan"),
            format!("  Od:{jane}\n  Wysłano:poniedziałek\n  Temat:Skierowanie"),
        ];
        for above in ["Voir ci-dessous.\n\n", ""] {
            for block in &cases {
                let text = format!("{above}{block}\n\nbody");
                let found = blocks(&text);
                assert_eq!(found.len(), 1, "{text:?}: {found:?}");
                let block = &found[0];
                assert_eq!(block.start, above.len(), "{text:?}");
                assert!(
                    block.headers.contains(&("From", jane.to_owned())),
                    "{text:?}: {block:?}"
                );
                assert!(!text[..block.end].contains("body"), "{text:?} {block:?}");
            }
        }
        // The first line after a block cut at its most lines is read for the next one.
        let long = format!("From: a@x.uk\nSent: Monday\n{}", "To: c@x.uk\n".repeat(38));
        for next in [
            &cases[0],
            &cases[4],
            &format!("De: {jane}\nEnvoyé: lundi\nÀ: Alan"),
        ] {
            let text = format!("{long}{next}\n\nbody");
            let found = blocks(&text);
            assert_eq!(found.len(), 2, "{text:?}: {found:?}");
            assert_eq!(found[1].start, long.len(), "{text:?}");
        }
    }

    /// Prose with header names in small letters is not a block: a block needs a `From` line at
    /// the start of a line and, below it, a sent or date line and a to or subject line.
    #[test]
    fn prose_in_small_letters_is_not_a_block() {
        for text in [
            "We start from: the beginning.\nfrom: the start, then to: the end\nsent: later",
            "from: the start of the shift\nto: the end of it, and the date: unknown",
            "de: la part de Sam\nà: tous\n\nsans date",
            "It came from: head office\nsent: Monday\nto: all",
            "von: mir\nich schreibe von: zu Hause\nbetreff: nichts",
            "made: today\ndate: Monday\nsubject: none",
            "Period: Monday\nDate: today\nSubject: rota",
            "Voici\u{a0}: la liste\nDate\u{a0}: lundi\nObjet\u{a0}: rien",
            "Mode:\tauto\nDate:\tMonday\nTo:\tall",
            "Grade\u{a0}:A\nDate\u{a0}:lundi\nObjet\u{a0}:rien",
            "la liste de\u{a0}:Sam\nDate\u{a0}:lundi\nObjet\u{a0}:rien",
            "Code:\tde:\tx\nDate:\tMonday\nSubject:\tnone",
            "la liste de:Sam\nDate:lundi\nObjet:rien",
            "De:\nla part de Sam\nDate:lundi\nObjet:rien",
        ] {
            assert!(blocks(text).is_empty(), "{text:?}: {:?}", blocks(text));
        }
    }

    /// Outlook's rule of underscores directly above a block (quoted too, or above a forwarding
    /// line) is where the block begins; a rule with a line between, a short run of underscores
    /// or a line with words in it is not.
    #[test]
    fn a_rule_directly_above_a_block_is_taken_into_it() {
        let outlook =
            "From: Occupational Health\r\nSent: 06 May 2024\r\nTo: Alan Smith\r\n\r\nbody";
        let marked = "-----Original Message-----\nFrom: oh@x.uk\nSent: Monday\n\nbody";
        for (above, block, taken) in [
            ("FYI\r\n________________________________\r\n", outlook, true),
            ("FYI\n> ____________\n> ", outlook, true),
            ("________________________________\n", outlook, true),
            ("FYI\n________________________________\n", marked, true),
            ("FYI\n________________________________\n\n", outlook, false),
            ("FYI\n____\n", outlook, false),
            ("FYI\n_____ notes _____\n", outlook, false),
            ("FYI\n", outlook, false),
        ] {
            let text = format!("{above}{block}");
            let found = blocks(&text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            let start = found[0].start;
            let rule = text.find('_').unwrap_or(0);
            let expected = if taken {
                text[..rule].rfind('\n').map_or(0, |newline| newline + 1)
            } else {
                above.len()
            };
            assert_eq!(start, expected, "{text:?}");
            // What is left above a block with a rule is the officer's own text alone.
            assert!(!taken || !text[..start].contains('_'), "{text:?}");
        }
    }

    #[test]
    fn lines_that_are_not_blocks_are_passed_over() {
        for text in [
            "From: me\nI am writing from: home",
            "Sent from my iPhone\nFrom: Sam",
            "The original message was lost.\nFrom: Sam\nSubject: x",
            "Forwarded message\nFrom: a@b.uk",
            "---------- Forwarded message ---------\nno headers here",
            "From: Sam\nTo: Dan\n\nno date or sent line",
            "a forwarded message from: the chief",
            "Von: mir\nIch schreibe von: zu Hause",
            "Die ursprüngliche Nachricht ging verloren.\nVon: Sam\nBetreff: x",
            "---------- Nachricht ---------\nVon: a@b.uk",
            "-----Ursprüngliche Nachricht-----\nkeine Kopfzeilen",
            "De : Sam\nÀ : Dan\n\nni date ni envoi",
            "Da: parte mia\nA: tutti",
            "Ursprüngliche Nachricht\nVon: a@b.uk",
        ] {
            assert!(blocks(text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn blocks_come_in_order_and_the_next_is_found_after_one() {
        let text = "top\n-----Original Message-----\nFrom: a@x.uk\nSent: Mon\nTo: b@x.uk\nSubject: one\n\nmiddle\n\nFrom: c@x.uk\nSent: Tue\nTo: d@x.uk\nSubject: two\n\nbottom";
        let found = blocks(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].start, 4);
        assert!(text[found[1].start..].starts_with("From: c@x.uk"));
    }

    proptest::proptest! {
        /// Any text is read without a panic, and the blocks found are in order, within the
        /// text, each beginning a line.
        #[test]
        fn any_text_is_read(text in "(?s)(From: |Sent: |To: |Von: |De\u{a0}: |Da:\t|De\u{a0}:|De:|od:|Wysłano: |-----Original Message-----|-----Ursprüngliche Nachricht-----|Début du message réexpédié :|_{8,32}|\n|> |[a-zé@.;]{0,6}){0,40}") {
            let finder = ForwardBlocks::new().unwrap();
            let mut last = 0;
            for block in finder.blocks(&text) {
                proptest::prop_assert!(block.start >= last && block.start <= block.end && block.end <= text.len());
                proptest::prop_assert!(block.start == 0 || text.as_bytes()[block.start - 1] == b'\n');
                last = block.end;
            }
        }
    }
}
