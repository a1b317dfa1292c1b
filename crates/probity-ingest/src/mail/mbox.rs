//! Splitting a Unix mailbox into its messages, with bounded memory.
//!
//! The first line of a mailbox starts with `From `. After it, a new message begins at a `From `
//! line only when the rest of that line has the shape of an envelope: a sender and then a
//! ctime-like date (month name, day, time, and a four-digit year with at most two words, a time
//! zone, between it and the time: so `From bob@x Mon May  6 11:00:00 2024` or `From - Mon May  6 11:00:00 +0000 2024`).
//! Mailboxes written by mboxo tools leave body lines that start with `From ` unquoted ("From here
//! on, ..."); cutting there, as mail-parser's `MessageIterator` does, would turn the rest of the
//! message into a dead letter and hide its content from the policies. Mutt's `is_from` makes the
//! same check; like mutt (and Python's `mailbox`), a blank line before the separator is not
//! required, because writers do not all leave one. The separator line is not part of the message;
//! a line of one or more `>` followed by `From ` loses one `>` (mboxrd); every other line is kept
//! as it is. Unlike mail-parser's iterator this splitter records where each message starts,
//! refuses input that does not begin with a `From ` line, and never holds more than the message
//! size limit (plus one line prefix) in memory: an oversized message keeps only its first bytes and
//! its true size.

use std::io::{self, BufRead};

/// How many bytes of a line are always kept, even when a message is already over its limit: enough
/// to recognise a `From ` separator with its envelope sender and date.
const LINE_PREFIX_BYTES: usize = 1024;

/// One message cut from a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MboxMessage {
    /// 1-based position in the mailbox.
    pub index: usize,
    /// Byte offset of the message's `From ` line in the mailbox.
    pub offset: u64,
    /// The message with `>From ` unquoted; for an oversized message, only its first bytes.
    pub content: Vec<u8>,
    /// The full size of the unquoted message.
    pub size: u64,
}

impl MboxMessage {
    /// Whether the message is larger than `max_bytes` (and `content` only its first bytes).
    pub fn is_over(&self, max_bytes: usize) -> bool {
        self.size > max_bytes as u64
    }

    /// Appends one line (`stored` is the whole line unless the message is already oversized;
    /// `len` is the line's full length).
    fn push_line(&mut self, stored: &[u8], len: u64, max_bytes: usize, keep_bytes: usize) {
        let new_size = self.size.saturating_add(len);
        if new_size <= max_bytes as u64 {
            self.content.extend_from_slice(stored);
        } else if self.content.len() >= keep_bytes {
            self.content.truncate(keep_bytes);
        } else {
            let room = keep_bytes - self.content.len();
            self.content
                .extend_from_slice(stored.get(..room).unwrap_or(stored));
        }
        self.size = new_size;
    }
}

/// Why the splitter stopped.
#[derive(Debug)]
pub(super) enum SplitError {
    /// The input is empty or its first line is not a `From ` line.
    NotMbox { first_line: Vec<u8> },
    /// Reading failed; `partial` is the message being read when it did, if any.
    Io {
        offset: u64,
        source: io::Error,
        partial: Option<MboxMessage>,
    },
}

/// Cuts a mailbox into messages, one at a time.
pub(super) struct Splitter<R> {
    reader: R,
    max_message_bytes: usize,
    keep_oversize_bytes: usize,
    /// Bytes consumed from the reader so far.
    position: u64,
    /// The message being read (its `From ` line has been seen).
    current: Option<MboxMessage>,
    messages_started: usize,
    line: Vec<u8>,
}

impl<R: BufRead> Splitter<R> {
    /// A splitter that keeps messages up to `max_message_bytes` whole and the first
    /// `keep_oversize_bytes` of larger ones.
    pub fn new(reader: R, max_message_bytes: usize, keep_oversize_bytes: usize) -> Self {
        Self {
            reader,
            max_message_bytes,
            keep_oversize_bytes,
            position: 0,
            current: None,
            messages_started: 0,
            line: Vec::with_capacity(256),
        }
    }

    /// The next message, `None` at the end of the mailbox.
    pub fn next_message(&mut self) -> Result<Option<MboxMessage>, SplitError> {
        loop {
            let line_start = self.position;
            let line_len = match self.read_line() {
                Ok(len) => len,
                Err(source) => {
                    return Err(SplitError::Io {
                        offset: self.position,
                        source,
                        partial: self.current.take(),
                    });
                }
            };
            if line_len == 0 {
                if self.messages_started == 0 {
                    return Err(SplitError::NotMbox {
                        first_line: Vec::new(),
                    });
                }
                return Ok(self.current.take());
            }
            let is_separator = if self.messages_started == 0 {
                self.line.starts_with(b"From ")
            } else {
                is_envelope_line(&self.line)
            };
            if is_separator {
                self.messages_started += 1;
                let next = MboxMessage {
                    index: self.messages_started,
                    offset: line_start,
                    content: Vec::new(),
                    size: 0,
                };
                if let Some(finished) = self.current.replace(next) {
                    return Ok(Some(finished));
                }
                continue;
            }
            let Some(message) = self.current.as_mut() else {
                return Err(SplitError::NotMbox {
                    first_line: std::mem::take(&mut self.line),
                });
            };
            let skip = quote_to_remove(&self.line);
            let stored = self.line.get(skip..).unwrap_or_default();
            let len = (line_len as u64).saturating_sub(skip as u64);
            message.push_line(
                stored,
                len,
                self.max_message_bytes,
                self.keep_oversize_bytes,
            );
        }
    }

    /// How many bytes of the next line to store: all of it while the current message is within its
    /// limit (plus one byte for a `>` that may be removed), else only a prefix.
    fn line_store_limit(&self) -> usize {
        let used = self.current.as_ref().map_or(0, |message| {
            usize::try_from(message.size).unwrap_or(usize::MAX)
        });
        self.max_message_bytes
            .saturating_sub(used)
            .saturating_add(2)
            .max(LINE_PREFIX_BYTES)
    }

    /// Reads one line (through its `\n`, or to the end of input) into `self.line`, storing at most
    /// [`Self::line_store_limit`] bytes of it; returns the line's full length, 0 at the end.
    fn read_line(&mut self) -> io::Result<usize> {
        let store_limit = self.line_store_limit();
        self.line.clear();
        let mut total = 0usize;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                break;
            }
            let (chunk_len, line_ends) = match memchr::memchr(b'\n', available) {
                Some(newline) => (newline + 1, true),
                None => (available.len(), false),
            };
            let room = store_limit.saturating_sub(self.line.len());
            let stored = available.get(..chunk_len.min(room)).unwrap_or_default();
            self.line.extend_from_slice(stored);
            self.reader.consume(chunk_len);
            total = total.saturating_add(chunk_len);
            self.position = self.position.saturating_add(chunk_len as u64);
            if line_ends {
                break;
            }
        }
        Ok(total)
    }
}

/// Whether a line is an mbox envelope (`From ` line) that separates messages: `From `, a sender,
/// then somewhere after it a month name, a day of the month and a time (`hh:mm` or `hh:mm:ss`), and
/// a four-digit year with at most two words (a time zone) between it and the time. Anything else that
/// starts with `From ` is a body line a writer did not quote.
fn is_envelope_line(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    let mut words = rest
        .split(|byte| byte.is_ascii_whitespace())
        .filter(|word| !word.is_empty());
    // The sender: one word at least (mutt also allows quoted spaces and pipermail's `a at b`,
    // which the search below steps over).
    if words.next().is_none() {
        return false;
    }
    // The last two words before the current one, to find `month day time`.
    let mut before_last: &[u8] = &[];
    let mut last: &[u8] = &[];
    let mut words_since_time: Option<usize> = None;
    for word in words {
        if let Some(count) = words_since_time {
            if is_year(word) {
                return true;
            }
            if count >= 2 {
                words_since_time = None;
            } else {
                words_since_time = Some(count + 1);
            }
        }
        if is_month(before_last) && is_day(last) && is_time(word) {
            words_since_time = Some(0);
        }
        before_last = last;
        last = word;
    }
    false
}

fn is_month(word: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    word.len() == 3 && MONTHS.iter().any(|month| word.eq_ignore_ascii_case(month))
}

fn is_day(word: &[u8]) -> bool {
    matches!(word.len(), 1 | 2)
        && word.iter().all(u8::is_ascii_digit)
        && (1..=31).contains(&word.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

/// `h:mm`, `hh:mm` or `hh:mm:ss`.
fn is_time(word: &[u8]) -> bool {
    let mut parts = word.split(|&byte| byte == b':');
    let Some(hours) = parts.next() else {
        return false;
    };
    if !matches!(hours.len(), 1 | 2) || !hours.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut rest = 0;
    for part in parts {
        if part.len() != 2 || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        rest += 1;
    }
    matches!(rest, 1 | 2)
}

fn is_year(word: &[u8]) -> bool {
    word.len() == 4 && word.iter().all(u8::is_ascii_digit)
}

/// 1 if the line is a quoted `From ` line (`>From `, `>>From `…), whose first `>` is removed.
fn quote_to_remove(line: &[u8]) -> usize {
    if line.first() != Some(&b'>') {
        return 0;
    }
    let quotes = line.iter().take_while(|&&byte| byte == b'>').count();
    let rest = line.get(quotes..).unwrap_or_default();
    usize::from(rest.starts_with(b"From "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::mailbox::mbox::MessageIterator;
    use proptest::prelude::*;

    fn split_all(input: &[u8], max: usize, keep: usize) -> Vec<MboxMessage> {
        let mut splitter = Splitter::new(input, max, keep);
        let mut out = Vec::new();
        while let Some(message) = splitter.next_message().unwrap() {
            out.push(message);
        }
        out
    }

    #[test]
    fn splits_and_unquotes_like_mail_parser() {
        let input = b"From a@b Sat Jan  3 01:05:34 1996\nMessage 1\n\nFrom c@d Tue Jul 23 19:39:23 2002\nMessage 3\n>From hello\n>>From world\n> From\n>F\n";
        let messages = split_all(input, 1024, 16);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].content, b"Message 1\n\n");
        assert_eq!(messages[0].offset, 0);
        assert_eq!(messages[1].offset, 45);
        assert_eq!(
            messages[1].content,
            b"Message 3\nFrom hello\n>From world\n> From\n>F\n"
        );
        assert!(messages.iter().all(|message| !message.is_over(1024)));
    }

    #[test]
    fn refuses_input_that_is_not_a_mailbox() {
        let mut splitter = Splitter::new(&b"Subject: hi\n\nbody\n"[..], 1024, 16);
        assert!(matches!(
            splitter.next_message(),
            Err(SplitError::NotMbox { first_line }) if first_line == b"Subject: hi\n"
        ));
        let mut empty = Splitter::new(&b""[..], 1024, 16);
        assert!(matches!(
            empty.next_message(),
            Err(SplitError::NotMbox { .. })
        ));
    }

    #[test]
    fn oversized_message_keeps_prefix_and_true_size() {
        let mut input = b"From a@b x\nSubject: big\n\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 5000));
        input.extend_from_slice(b"\nFrom c@d Tue Jul 23 19:39:23 2002\nSubject: small\n\nhi\n");
        let messages = split_all(&input, 1000, 10);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].size, 5000 + 13 + 1 + 1);
        assert_eq!(messages[0].content, b"Subject: b");
        assert!(messages[0].is_over(1000));
        assert_eq!(messages[1].content, b"Subject: small\n\nhi\n");
        assert!(!messages[1].is_over(1000));
    }

    #[test]
    fn an_unquoted_body_line_starting_from_is_not_a_separator() {
        // The tester's case: an mboxo writer left "From here on" unquoted; the disclosure after
        // it belongs to the first message.
        let input = b"From alan@force.police.uk Mon May  6 10:00:00 2024\nSubject: one\n\nfirst\nFrom here on, an unescaped line\nNI AB123456C\n\nFrom bob@force.police.uk Mon May  6 11:00:00 2024\nSubject: two\n\nsecond\nFrom someone@x.com Mon May  6 12:00:00 2024\nSubject: three\n\nthird\n";
        let messages = split_all(input, 1024, 16);
        assert_eq!(messages.len(), 3);
        assert_eq!(
            messages[0].content,
            b"Subject: one\n\nfirst\nFrom here on, an unescaped line\nNI AB123456C\n\n"
        );
        // A real envelope splits even without a blank line before it, as in mutt and Python.
        assert_eq!(messages[1].content, b"Subject: two\n\nsecond\n");
        assert_eq!(messages[2].content, b"Subject: three\n\nthird\n");
    }

    #[test]
    fn envelope_lines_that_writers_produce() {
        for line in [
            &b"From alan@force.police.uk Mon May  6 10:00:00 2024\n"[..],
            b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\r\n",
            b"From - Mon Jan 15 15:30:00 2018\n",
            b"From 1599318123456789012@xxx Mon Jan 01 00:00:00 +0000 2018\n",
            b"From alice at example.com  Tue Jul 23 19:39:23 2002\n",
            b"From bob@example.org Mon Mar  2 08:05 GMT 2026\n",
            b"From bob@example.org Mon Mar  2 08:05:00 BST +0100 2026",
        ] {
            assert!(is_envelope_line(line), "{}", String::from_utf8_lossy(line));
        }
        for line in [
            &b"From here on, an unescaped line that is not a separator\n"[..],
            b"From\n",
            b"From \n",
            b"From bob@example.org\n",
            b"From Jan 5 10:00 2024 the office is shut\n",
            b"From the 5 May 10:00 meeting, 2024 figures\n",
            b"From bob Mon May 32 10:00:00 2024\n",
            b"From bob Mon May  6 10:00:00 one two three 2024\n",
            b"From bob Mon May  6 10:0 2024\n",
            b"From bob Mon May  6 10:00:00:00 2024\n",
            b">From bob Mon May  6 10:00:00 2024\n",
        ] {
            assert!(!is_envelope_line(line), "{}", String::from_utf8_lossy(line));
        }
    }

    /// A line that begins `From ` and is not an envelope (or not a separator) is what an mboxrd
    /// writer would have quoted: `>` added in front.
    fn quote_body_from_lines(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len());
        for (n, line) in input.split_inclusive(|&byte| byte == b'\n').enumerate() {
            if n > 0 && line.starts_with(b"From ") && !is_envelope_line(line) {
                out.push(b'>');
            }
            out.extend_from_slice(line);
        }
        out
    }

    fn mbox_line() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"From sender@example.com Mon Jan 15 15:30:00 2018\n".to_vec()),
            Just(b"From here on, not a separator\n".to_vec()),
            Just(b"From someone\n".to_vec()),
            Just(b">From quoted\n".to_vec()),
            Just(b">>From twice\n".to_vec()),
            Just(b"> From not quoted\n".to_vec()),
            Just(b">\n".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"From".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..40),
        ]
    }

    proptest! {
        /// The splitter reads a mailbox as mail-parser's iterator reads the same mailbox with its
        /// unquoted body `From ` lines quoted (as an mboxrd writer would have written it), for
        /// input that starts with a `From ` line and any limit large enough to keep every message.
        #[test]
        fn agrees_with_mail_parser_on_the_quoted_mailbox(
            lines in proptest::collection::vec(mbox_line(), 0..40)
        ) {
            let mut input = b"From first@example.com Mon Jan 15 15:30:00 2018\n".to_vec();
            for line in &lines {
                input.extend_from_slice(line);
            }
            let ours: Vec<Vec<u8>> = split_all(&input, 1 << 20, 16)
                .into_iter()
                .map(|message| message.content)
                .collect();
            let quoted = quote_body_from_lines(&input);
            let theirs: Vec<Vec<u8>> = MessageIterator::new(&quoted[..])
                .map(|message| message.unwrap().unwrap_contents())
                .collect();
            prop_assert_eq!(ours, theirs);
        }

        /// Whatever the limit, sizes add up and no message keeps more than allowed.
        #[test]
        fn limits_hold(lines in proptest::collection::vec(mbox_line(), 0..40), max in 0usize..200) {
            let mut input = b"From first@example.com x\n".to_vec();
            for line in &lines {
                input.extend_from_slice(line);
            }
            let full = split_all(&input, 1 << 20, 16);
            let limited = split_all(&input, max, 16);
            prop_assert_eq!(full.len(), limited.len());
            for (whole, cut) in full.iter().zip(&limited) {
                prop_assert_eq!(whole.size, cut.size);
                prop_assert_eq!(whole.offset, cut.offset);
                if !cut.is_over(max) {
                    prop_assert_eq!(&whole.content, &cut.content);
                } else {
                    prop_assert!(cut.content.len() <= 16);
                    prop_assert!(whole.content.starts_with(&cut.content));
                }
            }
        }
    }
}
