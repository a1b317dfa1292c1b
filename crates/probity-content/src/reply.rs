//! Where a reply ends and the history it quotes begins.
//!
//! Most work mail is a reply written above the messages it answers. Scored whole, a one-line
//! remark is averaged with every word of the thread below it, so a classifier finding in the
//! reply is lost; scored alone, it is not. [`quoted_history`] finds the first line that starts the
//! quoted history in the forms mail programs write it:
//!
//! - a line starting with `>` (quoting by prefix);
//! - `On … wrote:` on one line (most mail programs' attribution line);
//! - `-----Original Message-----` (Outlook, Exchange);
//! - a `From:` line followed within three lines by `Sent:` or `Date:` (Outlook's header block).

/// Longest attribution line (`On Mon, 2 Mar 2026 at 10:15, Sam Lane <…> wrote:`) looked at.
const MAX_ATTRIBUTION_BYTES: usize = 300;

/// Fewest words a reply needs to be scored apart from what it quotes.
pub const MIN_REPLY_WORDS: usize = 3;

/// The byte offset of the line where quoted history begins, if the text above it holds a reply
/// of at least [`MIN_REPLY_WORDS`] words.
///
/// Every text of every message comes here, and nearly none quotes anything, so one vectorised
/// pass looks for the markers' bytes rather than each line being looked at; only a marker found
/// is checked to stand where a quote begins.
pub fn quoted_history(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    // History starts on a line after the reply: a text of one line (a subject) has none.
    memchr::memchr(b'\n', bytes)?;
    // Every marker holds one of these bytes: `>`, the colon of `wrote:` and `From:`, the dashes
    // of the separator. Hits come in order of position, so the first that stands where a quote
    // begins gives the earliest line. Only the first byte of a run of one of them can stand
    // there (`>` and the first dash after only spaces on a line, the colon after `wrote` or
    // `From`), so the rest of a run is passed over with it: a line of dashes under a signature
    // or a table is one hit, not seventy, and each hit costs a search started again.
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
            b':' if bytes[..at].ends_with(b"wrote") => {
                // An attribution is a short line: look no further back than its longest.
                let window = at.saturating_sub(MAX_ATTRIBUTION_BYTES + 1);
                bytes[window..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map(|newline| window + newline + 1)
                    .or((window == 0).then_some(0))
                    .filter(|&start| {
                        is_attribution(line(text, start).trim_start_matches([' ', '\t']))
                    })
            }
            b':' if bytes[..at].ends_with(b"From") => {
                leading(bytes, at - 4).filter(|_| header_block_follows(text, at))
            }
            // The line's start first: most dashes are inside words or lines of dashes.
            b'-' => leading(bytes, at).filter(|_| {
                bytes[at..].starts_with(b"-----Original Message-----")
                    || bytes[at..].starts_with(b"----- Original Message -----")
            }),
            _ => None,
        };
        if let Some(start) = found {
            break start;
        }
    };
    let reply = text.get(..start)?;
    // Only whether there are that many words matters: counting stops there rather than reading
    // (and decoding) the whole reply.
    let words = reply.split_whitespace().take(MIN_REPLY_WORDS).count();
    (words >= MIN_REPLY_WORDS).then_some(start)
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
    /// earlier message. Where the history starts with `>` quoting or an `On … wrote:` line, only
    /// that line and the lines starting with `>` are quoted: the sender's answers between and
    /// below them are the sender's own. One pass over the text.
    pub fn of(text: &str) -> Option<QuotedParts> {
        let start = quoted_history(text).or_else(|| opening_quote(text))?;
        let first =
            line_within(text, start, MAX_ATTRIBUTION_BYTES + 2).trim_start_matches([' ', '\t']);
        if !(first.starts_with('>') || is_attribution(first)) {
            return Some(QuotedParts {
                ranges: vec![(start, text.len())],
            });
        }
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut at = start;
        let mut first_line = true;
        while at < text.len() {
            let end =
                memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |n| at + n + 1);
            let quoted = first_line
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
            first_line = false;
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
/// if that line starts with `>` or is an `On … wrote:` line. What follows the quote is the
/// sender's reply (bottom posting; a Teams reply quotes the message it answers first).
fn opening_quote(text: &str) -> Option<usize> {
    let content = text.len() - text.trim_start_matches([' ', '\t', '\r', '\n']).len();
    let start = text[..content].rfind('\n').map_or(0, |newline| newline + 1);
    let first = line(text, start).trim_start_matches([' ', '\t']);
    (first.starts_with('>') || is_attribution(first)).then_some(start)
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

/// The line starting at `start` as far as an attribution can reach (one byte past, so that a
/// longer line is seen to be too long).
fn line(text: &str, start: usize) -> &str {
    line_within(text, start, MAX_ATTRIBUTION_BYTES + 2)
}

/// `On … wrote:` as one short line.
fn is_attribution(line: &str) -> bool {
    line.len() <= MAX_ATTRIBUTION_BYTES
        && line.starts_with("On ")
        && line.trim_end().ends_with("wrote:")
}

/// Whether one of the three lines after the one holding byte `at` starts (after spaces) with
/// `Sent:` or `Date:`.
fn header_block_follows(text: &str, at: usize) -> bool {
    let mut next = at;
    for _ in 0..3 {
        let Some(newline) = text.get(next..).and_then(|rest| rest.find('\n')) else {
            return false;
        };
        next += newline + 1;
        // Only the start of the line matters.
        let following = line_within(text, next, 64).trim_start();
        if following.starts_with("Sent:") || following.starts_with("Date:") {
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
        for (index, &start) in starts.iter().enumerate() {
            let line = line_of(start).trim_start_matches([' ', '\t']);
            let header = line.starts_with("From:")
                && starts[index + 1..].iter().take(3).any(|&next| {
                    let next = line_of(next).trim_start();
                    next.starts_with("Sent:") || next.starts_with("Date:")
                });
            let begins = line.starts_with('>')
                || is_attribution(line)
                || line.starts_with("-----Original Message-----")
                || line.starts_with("----- Original Message -----")
                || header;
            if begins {
                return (text[..start].split_whitespace().count() >= MIN_REPLY_WORDS)
                    .then_some(start);
            }
        }
        None
    }

    /// Line by line: the start of the first line with anything but white space on it, if that
    /// line opens a quote.
    fn reference_opening(text: &str) -> Option<usize> {
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let content = line.trim_start_matches([' ', '\t']);
            if !content.trim_end_matches(['\r', '\n', ' ', '\t']).is_empty() {
                let content = content.trim_end_matches(['\r', '\n']);
                return (content.starts_with('>') || is_attribution(content)).then_some(start);
            }
            start += line.len();
        }
        None
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
            Just("wrote:".to_owned()),
            Just("-----Original Message-----".to_owned()),
            Just("Original Message".to_owned()),
            Just("From: Sam".to_owned()),
            Just("Sent: Monday".to_owned()),
            Just("Date: today".to_owned()),
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
            let first = line_of(&text, start).trim_start_matches([' ', '\t']);
            let prefixed = first.starts_with('>') || is_attribution(first);
            let mut line_start = 0;
            for line in text.split_inclusive('\n') {
                let quoted_line = line_start >= start
                    && (!prefixed
                        || line_start == start
                        || line.trim_start_matches([' ', '\t']).starts_with('>'));
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
