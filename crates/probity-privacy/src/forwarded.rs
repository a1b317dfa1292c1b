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
//! A rule of underscores on the line directly above a block (Outlook writes
//! `________________________________` there) is taken into it, so that it is not left behind
//! when what the block begins is withheld.
//!
//! Header lines are `Name: value` for the names a mail program writes there (`From`, `Sent`,
//! `Date`, `To`, `Cc`, `Bcc`, `Subject`, `Reply-To`, `Sender`, `Importance`, `Attachments`); a
//! recipient list that ends in `;` or `,` goes on on the next line. A line that merely starts
//! with `From:` is not a block.
//!
//! Every text of every message comes here, and few hold a block: one vectorised search for a
//! few bytes every shape holds (`essage` of `Forwarded message` and `Original Message`, `rom:` of
//! `From:`, or the same in capitals) passes over a text that has none, and only the line of a hit
//! is looked at. (Searching for the words themselves without case was slower: their first
//! letters, `f` and `o`, are among the commonest.)

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::{Error, Result};

/// Bytes every block holds one of: the first two in its forwarding line, the last two in its
/// `From:` line.
const MARKERS: [&str; 4] = ["essage", "ESSAGE", "rom:", "ROM:"];

/// Longest forwarding line looked at.
const MAX_MARKER_LINE: usize = 120;
/// Fewest underscores in a rule above a block taken into it (Outlook writes 32).
const MIN_RULE: usize = 8;

/// The header names a forwarded header block holds, as they are written (compared without case).
const BLOCK_HEADERS: [&str; 11] = [
    "From",
    "Sent",
    "Date",
    "To",
    "Cc",
    "Bcc",
    "Subject",
    "Reply-To",
    "Sender",
    "Importance",
    "Attachments",
];

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
    /// Its headers as written (a `[mailto:…]` after a name read as `<…>`), each recipient of a
    /// list written with `;` apart.
    pub headers: Vec<(&'static str, String)>,
}

/// Finds forwarded header blocks. Build once and share.
#[derive(Debug, Clone)]
pub struct ForwardBlocks {
    markers: AhoCorasick,
}

impl ForwardBlocks {
    /// The finder.
    pub fn new() -> Result<Self> {
        let markers = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(MARKERS)
            .map_err(|e| Error::Invalid {
                what: "the forwarded-message markers".to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self { markers })
    }

    /// The blocks of `text`, in order, none inside another.
    pub fn blocks<'a>(&'a self, text: &'a str) -> impl Iterator<Item = Block> + 'a {
        let mut from = 0;
        std::iter::from_fn(move || {
            while let Some(hit) = self.markers.find(text.get(from..)?) {
                let at = from + hit.start();
                from += hit.end();
                let block = if hit.pattern().as_usize() >= 2 {
                    outlook_block(text, at)
                } else {
                    marked_block(text, at)
                };
                if let Some(block) = block {
                    from = from.max(block.end);
                    return Some(block);
                }
            }
            None
        })
    }
}

/// The start of the line holding byte `at`.
fn line_start(text: &str, at: usize) -> usize {
    memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |newline| newline + 1)
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

/// A line without its quoting (`>`, `> >`) and the white space around it.
fn unquoted(line: &str) -> &str {
    line.trim_start_matches(['>', ' ', '\t']).trim()
}

/// A block begun by a forwarding line holding the `essage` at `at`.
fn marked_block(text: &str, at: usize) -> Option<Block> {
    let start = line_start(text, at);
    // Most hits are the word in a sentence: a line longer than a forwarding line is passed
    // over before it is read.
    if at - start > MAX_MARKER_LINE {
        return None;
    }
    let (line, next) = line_at(text, start);
    if line.len() > MAX_MARKER_LINE {
        return None;
    }
    let line = unquoted(line);
    let core = line.trim_matches(['-', '_', '*', ' ', '\t']);
    let dashed = core.len() < line.len() && line.starts_with('-') && line.ends_with('-');
    let is = |words: &str| core.eq_ignore_ascii_case(words);
    let marker = ((is("forwarded message") || is("original message")) && dashed)
        || is("begin forwarded message:");
    if !marker {
        return None;
    }
    let (headers, end) = header_lines(text, next, 2);
    headers
        .iter()
        .any(|(name, _)| *name == "From")
        .then_some(Block {
            start: with_rule_above(text, start),
            end,
            headers,
        })
}

/// Outlook's header block, begun by the `From:` whose `rom:` is at `at` where that starts its
/// line.
fn outlook_block(text: &str, at: usize) -> Option<Block> {
    let at = at.checked_sub(1)?;
    if !matches!(text.as_bytes().get(at), Some(b'F' | b'f')) {
        return None;
    }
    let start = line_start(text, at);
    let (line, _) = line_at(text, start);
    let content = unquoted(line).trim_start_matches('*');
    if !content
        .get(..5)
        .is_some_and(|from| from.eq_ignore_ascii_case("from:"))
    {
        return None;
    }
    let (headers, end) = header_lines(text, start, 0);
    let has = |names: &[&str]| headers.iter().any(|(name, _)| names.contains(name));
    (has(&["From"]) && has(&["Sent", "Date"]) && has(&["To", "Subject"])).then_some(Block {
        start: with_rule_above(text, start),
        end,
        headers,
    })
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

/// The header lines from `start` on (after at most `blank` blank lines), and where they end.
fn header_lines(text: &str, start: usize, blank: usize) -> (Vec<(&'static str, String)>, usize) {
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
        if let Some((name, value)) = header_line(content) {
            headers.push((name, value.to_owned()));
        } else if let Some((name, value)) = headers.last_mut()
            && matches!(*name, "To" | "Cc" | "Bcc")
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
        if name == "Subject" {
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

/// `Name: value` for one of [`BLOCK_HEADERS`] (the name perhaps in bold, `*From:*`).
fn header_line(content: &str) -> Option<(&'static str, &str)> {
    let (name, value) = content.split_once(':')?;
    let name = name.trim_matches(['*', ' ']);
    let known = BLOCK_HEADERS
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(name))?;
    Some((known, value.trim_start_matches('*').trim()))
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
        fn any_text_is_read(text in "(?s)(From: |Sent: |To: |-----Original Message-----|\n|> |[a-z@.;]{0,6}){0,40}") {
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
