//! Where a reply ends and the history it quotes begins.
//!
//! Most work mail is a reply written above the messages it answers. Scored whole, a one-line
//! remark is averaged with every word of the thread below it, so a classifier finding in the
//! reply is lost; scored alone, it is not. [`quoted_history`] finds the first line that starts the
//! quoted history in the forms mail programs write it:
//!
//! - a line starting with `>` (quoting by prefix);
//! - an attribution line (`On … wrote:`, `Le … a écrit :`, `Am … schrieb Sam:`), on one line
//!   or wrapped by a mail client onto two (`On Mon, 2 Mar 2026 at 10:15, Sam Lane <sam@x.uk>`
//!   above `wrote:`; Gmail and Outlook wrap plain text at about 76 characters): a line is joined
//!   with the next only where the two make a whole attribution and the next alone is none; or
//!   over three, where a long name or address made the client wrap it twice (`On Mon, 3 Mar
//!   2025,` above `Sam Lane <sam@x.org>` above `wrote:`), only with the writer alone on the
//!   middle line, ending with their address, and where the last two lines make no attribution;
//! - a forwarding line, between dashes (`-----Original Message-----`,
//!   `---------- Forwarded message ---------`, `-----Ursprüngliche Nachricht-----`) or ending in
//!   a colon (`Begin forwarded message:`);
//! - a `From` line (`From:`, `Von:`, `De :`) followed within three lines by a `Sent` or `Date`
//!   line (`Sent:`, `Gesendet:`, `Envoyé :`, `Date:`): Outlook's header block.
//!
//! The words are those of the table probity-privacy's forwarded blocks are read by
//! ([`probity_model::mail_words`]): English, Welsh, French, German, Spanish, Italian, Polish,
//! Portuguese and Dutch, in any case, a header name with any white space before its colon.

use probity_model::mail_words::{self, MailWords};

/// Longest attribution line (`On Mon, 2 Mar 2026 at 10:15, Sam Lane <…> wrote:`) looked at,
/// leading white space and all.
const MAX_ATTRIBUTION_BYTES: usize = mail_words::MAX_ATTRIBUTION_LINE;

/// Longest forwarding line looked at, leading white space and all.
const MAX_FORWARDING_BYTES: usize = mail_words::MAX_FORWARDING_LINE;

/// Furthest the colon of a `From`, `Sent` or `Date` line is from the start of its line.
const MAX_HEADER_COLON_AT: usize = 48;

/// Bytes read past a limit so that a line cut there (at a character's start) is still seen to
/// be longer than the limit.
const PAST_LIMIT: usize = 4;

/// Fewest words a reply needs to be scored apart from what it quotes.
pub const MIN_REPLY_WORDS: usize = 3;

/// The byte offset of the line where quoted history begins, if the text above it holds a reply
/// of at least [`MIN_REPLY_WORDS`] words.
///
/// Every text of every message comes here, and nearly none quotes anything, so one vectorised
/// pass looks for the markers' bytes rather than each line being looked at; only a marker found
/// is checked to stand where a quote begins, and a colon only where it ends its line or follows
/// the last letter of a `From` name (the table's words are then looked up without allocating).
/// On the SpamAssassin ham bodies this reads 1.2 to 1.3 GB/s, against 1.5 to 2.0 GB/s when only
/// English was read. Looking above each line that ends in a colon for the first half of a
/// wrapped attribution line costs 11% more instructions on the easy ham and 16% more on the
/// hard (callgrind; most such pairs are passed over by their first and last words alone).
pub fn quoted_history(text: &str) -> Option<usize> {
    let words = MailWords::shared();
    let bytes = text.as_bytes();
    // History starts on a line after the reply: a text of one line (a subject) has none.
    memchr::memchr(b'\n', bytes)?;
    // Every marker holds one of these bytes: `>`, the colon of an attribution, an opening
    // forwarding line and a header line, the dashes of a forwarding line. Hits come in order of
    // position, so the first that stands where a quote begins gives the earliest line. Only
    // the first byte of a run of `>` or `-` can stand there (after only spaces on a line), and
    // only the first or last of a run of colons (a header name's, or the one that ends a
    // line), so the rest of a run is passed over with it: a line of dashes under a signature or
    // a table is one hit, not seventy, and each hit costs a search started again.
    let mut from = 0;
    let start = loop {
        let at = from + memchr::memchr3(b'>', b':', b'-', bytes.get(from..)?)?;
        let byte = bytes[at];
        from = at + 1;
        while bytes.get(from) == Some(&byte) {
            from += 1;
        }
        let found = match byte {
            b'>' => leading(bytes, at),
            b':' => colon_begins(words, text, at, from),
            // The line's start first: most dashes are inside words or lines of dashes.
            b'-' => leading(bytes, at).filter(|&start| {
                is_separator_line(
                    words,
                    line_within(text, start, MAX_FORWARDING_BYTES + PAST_LIMIT),
                )
            }),
            _ => None,
        };
        if let Some(start) = found {
            // A line found to begin a quote by its colon or dashes (a `From` line, an opening
            // forwarding line) may end an attribution line a mail client wrapped, which then
            // begins on the line above; a quoted line ends none.
            if byte == b'>' {
                break start;
            }
            break wrapped_start_above(words, text, start, line(text, start)).unwrap_or(start);
        }
    };
    let reply = text.get(..start)?;
    // Only whether there are that many words matters: counting stops there rather than reading
    // (and decoding) the whole reply.
    let words = reply.split_whitespace().take(MIN_REPLY_WORDS).count();
    (words >= MIN_REPLY_WORDS).then_some(start)
}

/// The start of the line where the run of colons from `at` to `run_end` begins a quote: an
/// attribution or opening forwarding line that the run ends, or a `From` line whose name the
/// run follows with a `Sent` or `Date` line below.
fn colon_begins(words: &MailWords, text: &str, at: usize, run_end: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let after = bytes[run_end..]
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\r'))
        .map_or(text.len(), |blank| run_end + blank);
    if bytes.get(after).is_none_or(|&b| b == b'\n') {
        // An attribution is a short line: look no further back than its longest.
        if let Some(start) = line_start_within(bytes, at, MAX_ATTRIBUTION_BYTES) {
            let line = text[start..after].trim_end_matches('\r');
            if is_attribution_line(words, line) || is_opening_line(words, line) {
                return Some(start);
            }
            // Or the end of one a mail client wrapped, which starts on the line above, or two
            // above with the writer alone on the line between.
            if let Some(above) = wrapped_start_above(words, text, start, line)
                .or_else(|| wrapped_over_three_start_above(words, text, start, line))
            {
                return Some(above);
            }
        }
    }
    // Most colons are not after a `From` name: told by the letter before them alone.
    let window = &bytes[at.saturating_sub(MAX_HEADER_COLON_AT + 1)..at];
    if !words.may_end_from_name(window) {
        return None;
    }
    let start = line_start_within(bytes, at, MAX_HEADER_COLON_AT + 1)?;
    let line = line_within(text, start, MAX_HEADER_COLON_AT + PAST_LIMIT);
    (is_from_line(words, line) && header_block_follows(words, text, at)).then_some(start)
}

/// The parts of a text that quote earlier messages, and so may not be the sender's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotedParts {
    /// Byte ranges, in order, not overlapping.
    ranges: Vec<(usize, usize)>,
}

impl QuotedParts {
    /// The quoted parts of `text`, if it has quoted history ([`quoted_history`]) or opens with a
    /// quote (a reply written below what it answers, as Teams and chat replies are). Below an
    /// Outlook header block or an `-----Original Message-----` separator everything is the
    /// earlier message. Where the history starts with `>` quoting or an `On … wrote:` line (on
    /// one line or wrapped onto two or three), only those lines and the lines starting with
    /// `>` are quoted: the sender's answers between and below them are the sender's own. One
    /// pass over the text.
    pub fn of(text: &str) -> Option<QuotedParts> {
        let start = quoted_history(text).or_else(|| opening_quote(text))?;
        let Some(opening_lines) = prefix_quote_lines(MailWords::shared(), text, start) else {
            return Some(QuotedParts {
                ranges: vec![(start, text.len())],
            });
        };
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut at = start;
        let mut opening_left = opening_lines;
        while at < text.len() {
            let end =
                memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |n| at + n + 1);
            let quoted = opening_left > 0
                || text.as_bytes()[at..end]
                    .iter()
                    .find(|&&b| b != b' ' && b != b'\t')
                    .is_some_and(|&b| b == b'>');
            if quoted {
                match ranges.last_mut() {
                    Some(last) if last.1 == at => last.1 = end,
                    _ => ranges.push((at, end)),
                }
            }
            opening_left = opening_left.saturating_sub(1);
            at = end;
        }
        Some(QuotedParts { ranges })
    }

    /// Whether byte `at` of the text is in a quoted part.
    pub fn contains(&self, at: usize) -> bool {
        let after = self.ranges.partition_point(|&(start, _)| start <= at);
        after > 0 && at < self.ranges[after - 1].1
    }

    /// The text without its quoted parts: what the sender wrote.
    pub fn own_text(&self, text: &str) -> String {
        let mut own = String::with_capacity(text.len());
        let mut from = 0;
        for &(start, end) in &self.ranges {
            own.push_str(text.get(from..start).unwrap_or(""));
            own.push('\n');
            from = end;
        }
        own.push_str(text.get(from..).unwrap_or(""));
        own
    }
}

/// Where a text that opens with a quote begins: the start of its first line that is not blank,
/// if that line starts with `>` or is an `On … wrote:` line (or its first half, wrapped). What
/// follows the quote is the sender's reply (bottom posting; a Teams reply quotes the message it
/// answers first).
fn opening_quote(text: &str) -> Option<usize> {
    let content = text.len() - text.trim_start_matches([' ', '\t', '\r', '\n']).len();
    let start = text[..content].rfind('\n').map_or(0, |newline| newline + 1);
    prefix_quote_lines(MailWords::shared(), text, start).map(|_| start)
}

/// How many lines from `start` open quoting by prefix: one that starts with `>` or is an
/// attribution line, or two or three that are an attribution line a mail client wrapped; none
/// where the line at `start` does neither. Each line below is looked for no further than an
/// attribution line can reach.
fn prefix_quote_lines(words: &MailWords, text: &str, start: usize) -> Option<usize> {
    let first = line(text, start);
    if first.trim_start_matches([' ', '\t']).starts_with('>') || is_attribution_line(words, first) {
        return Some(1);
    }
    let rest = text.as_bytes().get(start..)?;
    let reach = rest.len().min(MAX_ATTRIBUTION_BYTES + PAST_LIMIT);
    let next = start + memchr::memchr(b'\n', &rest[..reach])? + 1;
    let second = line(text, next);
    if is_wrapped_attribution_line(words, first, second) {
        return Some(2);
    }
    let rest = text.as_bytes().get(next..)?;
    let reach = rest.len().min(MAX_ATTRIBUTION_BYTES + PAST_LIMIT);
    let third = next + memchr::memchr(b'\n', &rest[..reach])? + 1;
    is_attribution_over_three_lines(words, first, second, line(text, third)).then_some(3)
}

/// The line's start, if only spaces and tabs stand before byte `at` on its line. Only those
/// spaces are read, so the hits on one long line (`a>a>a>…`) cost no more than the line.
fn leading(bytes: &[u8], at: usize) -> Option<usize> {
    let blank = bytes[..at]
        .iter()
        .rev()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let start = at - blank;
    (start == 0 || bytes[start - 1] == b'\n').then_some(start)
}

/// The line starting at `start`, without its line end, read no further than `limit` bytes (a
/// longer line is cut there).
fn line_within(text: &str, start: usize, limit: usize) -> &str {
    let rest = text.get(start..).unwrap_or("");
    let mut end = rest.len().min(limit);
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    let rest = &rest[..end];
    let end = rest.find('\n').unwrap_or(rest.len());
    rest[..end].trim_end_matches('\r')
}

/// The line starting at `start` as far as an attribution can reach (a few bytes past, so that
/// a longer line is seen to be too long).
fn line(text: &str, start: usize) -> &str {
    line_within(text, start, MAX_ATTRIBUTION_BYTES + PAST_LIMIT)
}

/// The start of the line holding byte `at` where it is at most `most` bytes before `at`; none
/// where it is further (the line is not read back further than that).
fn line_start_within(bytes: &[u8], at: usize, most: usize) -> Option<usize> {
    let from = at.saturating_sub(most);
    match memchr::memrchr(b'\n', &bytes[from..at]) {
        Some(newline) => Some(from + newline + 1),
        None => (from == 0).then_some(0),
    }
}

/// An attribution line of the table (`On … wrote:`), at most [`MAX_ATTRIBUTION_BYTES`] long
/// with the white space before it.
fn is_attribution_line(words: &MailWords, line: &str) -> bool {
    line.len() <= MAX_ATTRIBUTION_BYTES
        && words.is_attribution(line.trim_start_matches([' ', '\t']))
}

/// The start of the line above the one at `start` (`second`, without its line end, read as far
/// as [`line`] reads it) where the two are an attribution line a mail client wrapped; the line
/// above is read back no further than an attribution line can reach.
fn wrapped_start_above(words: &MailWords, text: &str, start: usize, second: &str) -> Option<usize> {
    let newline = start.checked_sub(1)?;
    let above = line_start_within(text.as_bytes(), newline, MAX_ATTRIBUTION_BYTES)?;
    let first = text.get(above..newline)?.trim_end_matches('\r');
    is_wrapped_attribution_line(words, first, second).then_some(above)
}

/// The start of the line two above the one at `start` (`last`, without its line end, read as
/// far as [`line`] reads it) where the three are an attribution line a mail client wrapped over
/// three ([`is_attribution_over_three_lines`]); each line above is read back no further than an
/// attribution line can reach, and the first only where the middle one holds an address.
fn wrapped_over_three_start_above(
    words: &MailWords,
    text: &str,
    start: usize,
    last: &str,
) -> Option<usize> {
    let bytes = text.as_bytes();
    let newline = start.checked_sub(1)?;
    let middle_start = line_start_within(bytes, newline, MAX_ATTRIBUTION_BYTES)?;
    let middle = text.get(middle_start..newline)?.trim_end_matches('\r');
    if !middle.contains('@') {
        return None;
    }
    let newline = middle_start.checked_sub(1)?;
    let first_start = line_start_within(bytes, newline, MAX_ATTRIBUTION_BYTES)?;
    let first = text.get(first_start..newline)?.trim_end_matches('\r');
    is_attribution_over_three_lines(words, first, middle, last).then_some(first_start)
}

/// An attribution line a mail client wrapped over three lines: `first` (`On Mon, 3 Mar 2025,`),
/// `middle`, the writer ending with their address and nothing that could begin a quote (its
/// last word holds an `@`; no colon, not opening with `>` or `-`: `Sam Lane <sam@x.org>`), and
/// `last` (`wrote:`), each
/// without its line end. Joined, they make an attribution ([`MailWords::is_wrapped_attribution`]
/// of `first` and the other two, at most [`MAX_ATTRIBUTION_BYTES`] long) that the last line alone
/// does not, nor the last two wrapped; a longer name or address is what makes a client wrap an
/// attribution twice.
fn is_attribution_over_three_lines(
    words: &MailWords,
    first: &str,
    middle: &str,
    last: &str,
) -> bool {
    let writer = middle.trim_matches([' ', '\t']);
    let last = last.trim_matches([' ', '\t']);
    let address_ends_it = writer
        .rsplit([' ', '\t'])
        .next()
        .is_some_and(|word| word.contains('@'));
    if !address_ends_it
        || writer.contains(':')
        || writer.starts_with(['>', '-'])
        || first.len() + 1 + middle.len() + 1 + last.len() > MAX_ATTRIBUTION_BYTES
        || is_attribution_line(words, last)
        || is_wrapped_attribution_line(words, middle, last)
    {
        return false;
    }
    let mut rest = String::with_capacity(writer.len() + 1 + last.len());
    rest.push_str(writer);
    rest.push(' ');
    rest.push_str(last);
    words.is_wrapped_attribution(first, &rest)
}

/// An attribution line a mail client wrapped onto two lines, `first` and the line below it,
/// `second` ([`MailWords::is_wrapped_attribution`]), the two (each without its line end) at most
/// [`MAX_ATTRIBUTION_BYTES`] long together with the white space before them and a byte between.
fn is_wrapped_attribution_line(words: &MailWords, first: &str, second: &str) -> bool {
    first.len() + 1 + second.len() <= MAX_ATTRIBUTION_BYTES
        && words.is_wrapped_attribution(first, second)
}

/// A forwarding line between dashes (`-----Original Message-----`).
fn is_separator_line(words: &MailWords, line: &str) -> bool {
    let content = line.trim_matches([' ', '\t']);
    line.len() <= MAX_FORWARDING_BYTES
        && content.starts_with('-')
        && words.is_forwarding_line(content)
}

/// A forwarding line that ends in a colon (`Begin forwarded message:`).
fn is_opening_line(words: &MailWords, line: &str) -> bool {
    let content = line.trim_matches([' ', '\t']);
    line.len() <= MAX_FORWARDING_BYTES
        && content.ends_with(':')
        && words.is_forwarding_line(content)
}

/// A `From` line whose colon is within [`MAX_HEADER_COLON_AT`] bytes of its start.
fn is_from_line(words: &MailWords, line: &str) -> bool {
    line.find(':')
        .is_some_and(|colon| colon <= MAX_HEADER_COLON_AT && words.is_from_line(line))
}

/// The header a line starts with, by its English name, where the line's first colon is within
/// [`MAX_HEADER_COLON_AT`] bytes of its start.
fn header_of_line(words: &MailWords, line: &str) -> Option<&'static str> {
    let colon = line.find(':')?;
    if colon > MAX_HEADER_COLON_AT {
        return None;
    }
    words.header_line(line).map(|(name, _)| name)
}

/// Whether one of the three lines after the one holding byte `at` is a `Sent` or `Date` line.
fn header_block_follows(words: &MailWords, text: &str, at: usize) -> bool {
    let mut next = at;
    for _ in 0..3 {
        let Some(newline) = text
            .get(next..)
            .and_then(|rest| memchr::memchr(b'\n', rest.as_bytes()))
        else {
            return false;
        };
        next += newline + 1;
        // Only the start of the line matters.
        let following = line_within(text, next, MAX_HEADER_COLON_AT + PAST_LIMIT);
        if matches!(
            header_of_line(words, following),
            Some(mail_words::SENT | mail_words::DATE)
        ) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The line starting at `start`, without its line end.
    fn line_of(text: &str, start: usize) -> &str {
        let rest = &text[start..];
        rest[..rest.find('\n').unwrap_or(rest.len())].trim_end_matches('\r')
    }

    /// Line by line, as the module documentation says: the reference for the searching version.
    fn reference(text: &str) -> Option<usize> {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(at, _)| at + 1),
        );
        let line_of = |start: usize| {
            let rest = &text[start..];
            rest[..rest.find('\n').unwrap_or(rest.len())].trim_end_matches('\r')
        };
        let words = MailWords::shared();
        for (index, &start) in starts.iter().enumerate() {
            let line = line_of(start);
            let wrapped = starts
                .get(index + 1)
                .is_some_and(|&next| is_wrapped_attribution_line(words, line, line_of(next)));
            let wrapped_over_three = match (starts.get(index + 1), starts.get(index + 2)) {
                (Some(&next), Some(&after)) => {
                    is_attribution_over_three_lines(words, line, line_of(next), line_of(after))
                }
                _ => false,
            };
            let header = is_from_line(words, line)
                && starts[index + 1..].iter().take(3).any(|&next| {
                    matches!(
                        header_of_line(words, line_of(next)),
                        Some(mail_words::SENT | mail_words::DATE)
                    )
                });
            let begins = line.trim_start_matches([' ', '\t']).starts_with('>')
                || is_attribution_line(words, line)
                || wrapped
                || wrapped_over_three
                || is_separator_line(words, line)
                || is_opening_line(words, line)
                || header;
            if begins {
                return (text[..start].split_whitespace().count() >= MIN_REPLY_WORDS)
                    .then_some(start);
            }
        }
        None
    }

    /// Line by line: the start of the first line with anything but white space on it, if that
    /// line opens a quote (alone, or with the line below it as an attribution wrapped).
    fn reference_opening(text: &str) -> Option<usize> {
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let content = line.trim_start_matches([' ', '\t']);
            if !content.trim_end_matches(['\r', '\n', ' ', '\t']).is_empty() {
                return reference_opening_lines(text, start).map(|_| start);
            }
            start += line.len();
        }
        None
    }

    /// Line by line: how many lines from `start` open quoting by prefix.
    fn reference_opening_lines(text: &str, start: usize) -> Option<usize> {
        let words = MailWords::shared();
        let line = line_of(text, start);
        if line.trim_start_matches([' ', '\t']).starts_with('>') || is_attribution_line(words, line)
        {
            return Some(1);
        }
        let next = start + text[start..].find('\n')? + 1;
        if is_wrapped_attribution_line(words, line, line_of(text, next)) {
            return Some(2);
        }
        let third = next + text[next..].find('\n')? + 1;
        is_attribution_over_three_lines(words, line, line_of(text, next), line_of(text, third))
            .then_some(3)
    }

    #[test]
    fn a_reply_below_the_quote_it_answers_is_the_senders_own() {
        let text = "> Alan Smith\n> you useless idiot\nthat's out of order mate";
        let parts = QuotedParts::of(text).unwrap();
        assert!(parts.contains(text.find("useless").unwrap()));
        assert!(!parts.contains(text.find("out of order").unwrap()));
        assert_eq!(parts.own_text(text).trim(), "that's out of order mate");
        let text = "\n  On Mon, Sam wrote:\n> question\nanswer";
        let parts = QuotedParts::of(text).unwrap();
        assert!(parts.contains(text.find("Sam").unwrap()));
        assert!(!parts.contains(text.find("answer").unwrap()));
        // A text that opens with its own words and quotes nothing has no quoted parts.
        assert_eq!(QuotedParts::of("ok\nsee you > then"), None);
    }

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just(" ".to_owned()),
            Just("> ".to_owned()),
            Just("a>b".to_owned()),
            Just("On Mon, Sam wrote:".to_owned()),
            // An attribution line wrapped, broken at each place a mail client may break it.
            Just("On Mon, 2 Mar 2026 at 10:15, Sam Lane <sam@x.uk>".to_owned()),
            Just("On Mon, 2 Mar 2026 at 10:15, Sam Lane <".to_owned()),
            Just("sam@x.uk> wrote:".to_owned()),
            Just("Am Mo., 2. März 2026 um 10:15 Uhr schrieb Sam Lane".to_owned()),
            Just("<sam@x.de>:".to_owned()),
            Just("napisał(a):".to_owned()),
            Just("wrote:".to_owned()),
            // An attribution line wrapped over three, the writer alone on the middle line.
            Just("On Mon, 3 Mar 2025,".to_owned()),
            Just("Sam Lane <sam@x.org>".to_owned()),
            Just("a écrit :".to_owned()),
            Just("-----Original Message-----".to_owned()),
            Just("Original Message".to_owned()),
            Just("From: Sam".to_owned()),
            Just("Sent: Monday".to_owned()),
            Just("Date: today".to_owned()),
            // The same forms in the other languages of the table, in other cases and spacing.
            Just("Am Mo., 2. März 2026 um 10:15 schrieb Sam:".to_owned()),
            Just("Le lun. 2 mars, Sam a écrit :".to_owned()),
            Just("czw., 12 mar 2020 o 15:33 Sam napisał(a):".to_owned()),
            Just("-----Ursprüngliche Nachricht-----".to_owned()),
            Just("---------- Forwarded message ---------".to_owned()),
            Just("Begin forwarded message:".to_owned()),
            Just("Début du message réexpédié\u{a0}:".to_owned()),
            Just("Von: Sam".to_owned()),
            Just("de\u{a0}: Sam".to_owned()),
            Just("*From:* Sam".to_owned()),
            Just("Gesendet: Montag".to_owned()),
            Just("envoyé : lundi".to_owned()),
            Just("Datum: heute".to_owned()),
            Just("wrote: ".to_owned()),
            Just(" :".to_owned()),
            Just(" :\u{a0}".to_owned()),
            Just("On Mon, Sam wrote:\u{a0}".to_owned()),
            // Runs of the marker bytes, of which only the first can start a quote.
            Just(">>".to_owned()),
            Just("::".to_owned()),
            Just("-".to_owned()),
            Just("--".to_owned()),
            Just("\t".to_owned()),
            "[a-z ]{1,12}",
        ]
    }

    #[test]
    fn below_a_header_block_everything_is_quoted() {
        let text = "Thanks, passed on to PSD.\r\n\r\n-----Original Message-----\r\nFrom: Sam\r\n\r\nold words\r\n";
        let parts = QuotedParts::of(text).unwrap();
        let old = text.find("old words").unwrap();
        assert!(parts.contains(old));
        assert!(!parts.contains(3));
        assert!(!parts.own_text(text).contains("old words"));
        assert!(parts.own_text(text).contains("passed on"));
    }

    #[test]
    fn with_prefix_quoting_the_senders_answers_between_the_quotes_are_their_own() {
        let text = "Hi Sam, answers below.\nOn Mon, 2 Mar 2026, Sam wrote:\n> first question\nmy first answer\n  > second question\nmy second answer";
        let parts = QuotedParts::of(text).unwrap();
        for quoted in ["Sam wrote", "first question", "second question"] {
            assert!(parts.contains(text.find(quoted).unwrap()), "{quoted}");
        }
        for own in ["Hi Sam", "my first answer", "my second answer"] {
            assert!(!parts.contains(text.find(own).unwrap()), "{own}");
        }
        let own = parts.own_text(text);
        assert!(own.contains("my first answer") && own.contains("my second answer"));
        assert!(!own.contains("question"));
        assert_eq!(QuotedParts::of("no quotes here at all\nnone"), None);
    }

    proptest! {
        /// Quoted parts are within the text, in order, and a byte is quoted exactly when a
        /// line-by-line reading says so.
        #[test]
        fn quoted_parts_agree_with_a_line_by_line_reading(
            pieces in proptest::collection::vec(piece(), 0..30),
        ) {
            let text = pieces.concat();
            let Some(parts) = QuotedParts::of(&text) else {
                prop_assert_eq!(reference(&text).or_else(|| reference_opening(&text)), None);
                return Ok(());
            };
            let start = reference(&text).or_else(|| reference_opening(&text)).unwrap();
            let opening = reference_opening_lines(&text, start);
            let mut line_start = 0;
            let mut index = 0;
            for line in text.split_inclusive('\n') {
                // The lines from the start are counted from the start's own line.
                if line_start >= start {
                    index += 1;
                }
                let quoted_line = line_start >= start
                    && opening.is_none_or(|lines| {
                        index <= lines || line.trim_start_matches([' ', '\t']).starts_with('>')
                    });
                for at in line_start..line_start + line.len() {
                    prop_assert_eq!(parts.contains(at), quoted_line, "{:?} at {}", text, at);
                }
                line_start += line.len();
            }
        }

        #[test]
        fn the_search_finds_what_a_line_by_line_reading_finds(
            pieces in proptest::collection::vec(piece(), 0..30),
        ) {
            let text = pieces.concat();
            prop_assert_eq!(quoted_history(&text), reference(&text), "{:?}", text);
        }
    }

    fn reply_of(text: &str) -> Option<&str> {
        quoted_history(text).map(|at| &text[..at])
    }

    #[test]
    fn the_forms_mail_programs_quote_in() {
        let outlook = "Fine by me, see you there.\r\n\r\nFrom: Sam Lane\r\nSent: 02 March 2026 10:15\r\nTo: Dan Moss\r\nSubject: rota\r\n\r\nAre you on lates?";
        assert_eq!(
            reply_of(outlook),
            Some("Fine by me, see you there.\r\n\r\n")
        );
        let original = "Fine by me, see you there.\n-----Original Message-----\nAre you on lates?";
        assert_eq!(reply_of(original), Some("Fine by me, see you there.\n"));
        let wrote = "Fine by me, see you there.\n\nOn Mon, 2 Mar 2026 at 10:15, Sam Lane <sam@x> wrote:\n> Are you on lates?";
        assert_eq!(reply_of(wrote), Some("Fine by me, see you there.\n\n"));
        let prefixed = "Fine by me, see you there.\n> Are you on lates?\n> Sam";
        assert_eq!(reply_of(prefixed), Some("Fine by me, see you there.\n"));
    }

    /// The same forms as mail programs write them in the other languages of the forwarded
    /// blocks' table, where the reply above ends.
    #[test]
    fn the_forms_mail_programs_quote_in_other_languages() {
        let reply = "Fine by me, see you there.\n\n";
        for history in [
            "Von: Sam Lane\nGesendet: Montag, 2. März 2026 10:15\nAn: Dan Moss\nBetreff: Dienstplan\n\nBist du spät?",
            "De\u{a0}: Sam Lane\nEnvoyé\u{a0}: lundi 2 mars 2026 10:15\nÀ\u{a0}: Dan Moss\n\nTu es de service ?",
            "*De:* Sam Lane\n*Enviado el:* lunes\n\n¿Estás de tarde?",
            "from: Sam Lane\nsent: Monday\n\nAre you on lates?",
            "Oddi wrth: Sam Lane\nAnfonwyd: Dydd Llun\n\nWyt ti'n hwyr?",
            "-----Mensaje original-----\n¿Estás de tarde?",
            "-----Ursprüngliche Nachricht-----\nBist du spät?",
            "-----Message d\u{2019}origine-----\nTu es de service ?",
            "---------- Forwarded message ---------\nFrom: Sam\n\nAre you on lates?",
            "---------- Doorgestuurd bericht ---------\nVan: Sam\n\nBen je laat?",
            "Begin forwarded message:\n\nFrom: Sam\n\nAre you on lates?",
            "Début du message réexpédié :\n\nDe: Sam\n\nTu es de service ?",
            "Am Mo., 2. März 2026 um 10:15 Uhr schrieb Sam Lane <sam@x.de>:\n> Bist du spät?",
            "Le lun. 2 mars 2026 à 10:15, Sam Lane <sam@x.fr> a écrit :\n> Tu es de service ?",
            "El lun, 2 mar 2026 a las 10:15, Sam Lane (<sam@x.es>) escribió:\n> ¿Estás de tarde?",
            "Il giorno lun 2 mar 2026 alle ore 10:15 Sam Lane <sam@x.it> ha scritto:\n> Sei di turno?",
            "czw., 12 mar 2020 o 15:33 Sam Lane <sam@x.pl> napisał(a):\n> Jesteś na późnej?",
            "Em seg., 2 de mar. de 2026 às 10:15, Sam Lane <sam@x.pt> escreveu:\n> Estás de tarde?",
            "Op ma 2 mrt 2026 om 10:15 schreef Sam Lane <sam@x.nl>:\n> Ben je laat?",
            "Ar Llun, 2026-03-02 am 10:15 +0000, ysgrifennodd Sam Lane:\n> Wyt ti'n hwyr?",
        ] {
            let text = format!("{reply}{history}");
            assert_eq!(reply_of(&text), Some(reply), "{text:?}");
        }
        // An attribution in another language opens quoting by prefix: the answers below the
        // `>` lines are the sender's own.
        let text = "Mes réponses ci-dessous.\nLe lun. 2 mars 2026, Sam a écrit\u{a0}:\n> première question\nma réponse";
        let parts = QuotedParts::of(text).unwrap();
        assert!(parts.contains(text.find("Sam").unwrap()));
        assert!(parts.contains(text.find("question").unwrap()));
        assert!(!parts.contains(text.find("ma réponse").unwrap()));
        // Prose that merely uses the words is not where a quote begins.
        for text in [
            "Thanks.\nvon: mir, mit Dank.\nGrüße",
            "Le chef a écrit ceci :\nrien de plus\nmerci",
            "Am Montag schrieb:\nnichts\nDanke",
            "Note: the rota\nDate: Monday\nThanks all",
            "The original message was lost.\nSorry all",
        ] {
            assert_eq!(quoted_history(text), None, "{text:?}");
        }
    }

    /// An attribution line a mail client wrapped onto two lines (Gmail and Outlook wrap plain
    /// text at about 76 characters) is where the history begins, as the same line unwrapped
    /// is: with the quote then written with `>` or not, with CRLF line ends, broken before the
    /// verb or inside the address, in another language. Its two lines are quoted, and the
    /// answers below the `>` lines are the sender's own.
    #[test]
    fn an_attribution_line_wrapped_onto_two_lines_begins_the_history() {
        let reply = "Fine by me, see you there.\n\n";
        for history in [
            "On Mon, 1 Jan 2026 at 10:00, Jane Smith <jane.smith@example.com>\nwrote:\n> Are you on lates?",
            "On Mon, 1 Jan 2026 at 10:00, Jane Smith <jane.smith@example.com>\nwrote:\n\nAre you on lates?",
            "On Mon, 1 Jan 2026 at 10:00, Jane Smith <jane.smith@example.com>\r\nwrote:\r\n> Are you on lates?",
            "On Mon, 1 Jan 2026 at 10:00, Jane Smith <\njane.smith@example.com> wrote:\n> Are you on lates?",
            "  On Mon, 1 Jan 2026 at 10:00, Jane Smith\n  <jane.smith@example.com> wrote:  \n> Are you on lates?",
            "Am Mo., 1. Jan. 2026 um 10:00 Uhr schrieb Jane Smith\n<jane.smith@example.com>:\n> Bist du spät?",
            "Le lun. 1 janv. 2026 à 10:00, Jane Smith <jane.smith@example.com> a\nécrit\u{a0}:\n> Tu es de service ?",
        ] {
            let text = format!("{reply}{history}");
            assert_eq!(reply_of(&text), Some(reply), "{text:?}");
            let parts = QuotedParts::of(&text).unwrap();
            // Both lines of the attribution are quoted, and the `>` line below them.
            for quoted in ["Jane", "jane.smith@", "wrote", "écrit", "\n>"] {
                if let Some(at) = text.find(quoted) {
                    assert!(parts.contains(at + 1), "{quoted} in {text:?}");
                }
            }
            assert!(!parts.contains(text.find("see you").unwrap()), "{text:?}");
        }
        // Answers between the quotes, below a wrapped attribution, are the sender's own.
        let text = "Hi Jane, my answers are below.\nOn Mon, 1 Jan 2026 at 10:00, Jane Smith <jane.smith@example.com>\nwrote:\n> first question\nmy first answer\n> second question\nmy second answer";
        let parts = QuotedParts::of(text).unwrap();
        for quoted in ["Jane Smith", "wrote", "first question", "second question"] {
            assert!(parts.contains(text.find(quoted).unwrap()), "{quoted}");
        }
        for own in ["Hi Jane", "my first answer", "my second answer"] {
            assert!(!parts.contains(text.find(own).unwrap()), "{own}");
        }
        // A text that opens with a wrapped attribution (bottom posting): the reply below the
        // quote is the sender's.
        let text = "On Mon, 1 Jan 2026 at 10:00, Jane Smith <jane.smith@example.com>\nwrote:\n> question\nmy answer is this";
        let parts = QuotedParts::of(text).unwrap();
        assert!(parts.contains(text.find("Jane").unwrap()));
        assert!(parts.contains(text.find("wrote").unwrap()));
        assert!(!parts.contains(text.find("my answer").unwrap()));
        assert_eq!(parts.own_text(text).trim(), "my answer is this");
    }

    /// An attribution line wrapped over three lines, the writer and their address alone on the
    /// middle one (a long name or address makes a client wrap it twice), is where the history
    /// begins: all three lines are quoted, and the answers below the `>` lines are the sender's
    /// own; so too in another language, with CRLF line ends, and where a text opens with one.
    #[test]
    fn an_attribution_line_wrapped_over_three_lines_begins_the_history() {
        let reply = "Fine by me, see you there.\n\n";
        for history in [
            "On Mon, 3 Mar 2025,\nSam Lane <sam@x.org>\nwrote:\n> Are you on lates?",
            "On Mon, 3 Mar 2025 at 10:15,\r\nSam Lane <sam@x.org>\r\nwrote:\r\n\r\nAre you on lates?",
            "  On Mon, 3 Mar 2025 at 10:15, Samantha Lane-Whitfield\n  <samantha.lane-whitfield@example.police.uk>\n  wrote:  \n> Are you on lates?",
            "Le lun. 3 mars 2025 à 10:15,\nSam Lane <sam@x.fr>\na écrit :\n> Tu es de service ?",
        ] {
            let text = format!("{reply}{history}");
            assert_eq!(reply_of(&text), Some(reply), "{text:?}");
            let parts = QuotedParts::of(&text).unwrap();
            for quoted in ["On Mon", "Le lun", "Sam", "sam", "wrote", "écrit", "\n>"] {
                if let Some(at) = text.find(quoted) {
                    assert!(parts.contains(at + 1), "{quoted} in {text:?}");
                }
            }
            assert!(!parts.contains(text.find("see you").unwrap()), "{text:?}");
        }
        let text = "Hi Sam, my answers are below.\nOn Mon, 3 Mar 2025,\nSam Lane <sam@x.org>\nwrote:\n> first question\nmy first answer";
        let parts = QuotedParts::of(text).unwrap();
        for quoted in ["On Mon", "Sam Lane", "wrote", "first question"] {
            assert!(parts.contains(text.find(quoted).unwrap()), "{quoted}");
        }
        for own in ["Hi Sam", "my first answer"] {
            assert!(!parts.contains(text.find(own).unwrap()), "{own}");
        }
        // A text that opens with one (bottom posting): the reply below the quote is the sender's.
        let text =
            "On Mon, 3 Mar 2025,\nSam Lane <sam@x.org>\nwrote:\n> question\nmy answer is this";
        let parts = QuotedParts::of(text).unwrap();
        assert_eq!(parts.own_text(text).trim(), "my answer is this");
    }

    /// `From:` and the other header names with the value straight after the colon, as HTML
    /// read as text may leave them (`De:Sam`), begin the history as with a space.
    #[test]
    fn a_header_block_with_no_space_after_its_colons_begins_the_history() {
        let reply = "Fine by me, see you there.\n\n";
        for history in [
            "De:Sam Lane\nEnvoyé:lundi 3 mars 2025 10:15\nÀ:Jo\nObjet:rota\n\nTu es de service ?",
            "From:Sam Lane\nSent:Monday\nTo:Jo\n\nAre you on lates?",
            "Von:Sam Lane\nGesendet:Montag\n\nBist du spät?",
            "De:Sam Lane\nEnviado el:lunes\n\n¿Estás de tarde?",
            "Da:Sam Lane\nInviato:lunedì\n\nSei di turno?",
            "Od:Sam Lane\nWysłano:poniedziałek\n\nJesteś na późnej?",
            "DE:SAM\nDATE:LUNDI\n\nTU ES DE SERVICE ?",
        ] {
            let text = format!("{reply}{history}");
            assert_eq!(reply_of(&text), Some(reply), "{text:?}");
        }
        // A line that merely starts with the name is not a block.
        assert_eq!(quoted_history("Thanks.\nDe:main en main\nrien"), None);
    }

    /// Lines that make an attribution only together with a third, or whose second line is an
    /// attribution alone, or that are prose ending in neither, are not joined.
    #[test]
    fn lines_are_joined_only_where_the_two_make_an_attribution() {
        // The second alone is the attribution: the history begins there.
        let text = "Fine by me, see you there.\nOn Monday\nOn Mon, 1 Jan 2026, Sam wrote:\n> x";
        assert_eq!(
            reply_of(text),
            Some("Fine by me, see you there.\nOn Monday\n")
        );
        // Three lines are joined only with the writer's address alone on the middle one
        // (`an_attribution_line_wrapped_over_three_lines_begins_the_history`).
        for text in [
            "Fine by me, see you there.\nOn Mon, 1 Jan 2026 at 10:00,\nJane Smith and I\nwrote:\n\nAre you on lates?",
            "Fine by me, see you there.\nOn Mon, 1 Jan 2026 at 10:00,\nJane Smith, Room: 4 <j@x.uk>\nwrote:\nnothing",
            "Fine by me, see you there.\nOn Monday the team\nmailed jane@example.com and\nwrote:\nnothing",
            "Fine by me, see you there.\nI went out on Monday,\nJane Smith <jane.smith@example.com>\nwrote:\nnothing",
        ] {
            assert_eq!(quoted_history(text), None, "{text:?}");
        }
        // A line that ends in a colon below one that opens with "On" but ends no attribution.
        for text in [
            "Thanks.\nOn Mon, 1 Jan 2026 at 10:00, Jane Smith <j@x.uk>\nsaid this:\nnothing",
            "Thanks.\nOn Monday we\nmeet at:\nten",
        ] {
            assert_eq!(quoted_history(text), None, "{text:?}");
        }
    }

    /// Lines of markers that never start a quote are read once, not once per marker (a walk
    /// back to each line's start would take minutes here).
    #[test]
    fn long_lines_of_markers_are_read_once() {
        for unit in ["a>", "wrote:", "x From:", "-", "On x wrote:"] {
            let text = format!("a reply of words\n{}", unit.repeat(400_000 / unit.len()));
            assert_eq!(quoted_history(&text), None, "{unit}");
        }
        let quoted = format!("a reply of words\n> {}", "a>".repeat(200_000));
        assert_eq!(quoted_history(&quoted), Some(17));
    }

    #[test]
    fn ordinary_text_and_bare_quotes_have_no_reply() {
        // No quoted history.
        assert_eq!(
            quoted_history("From: the custody team. Sent by hand."),
            None
        );
        assert_eq!(
            quoted_history("Thanks.\nFrom: the custody team, with thanks.\nRegards"),
            None
        );
        assert_eq!(quoted_history("On Monday we start early."), None);
        // Quoted history with too short a reply above it.
        assert_eq!(quoted_history("Agreed.\n> Are you on lates?"), None);
        assert_eq!(quoted_history("> Are you on lates?\nYes."), None);
        assert_eq!(quoted_history(""), None);
    }
}
