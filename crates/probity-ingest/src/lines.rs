//! Reading lines with a length limit, from a stream or from bytes in memory.

use std::io::{self, BufRead};

/// One line, or what is known of a line that was too long.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line without its terminator (`\n`, or `\r\n`).
    Complete(Vec<u8>),
    /// A line longer than the limit: its first bytes (at most the limit) and its full length.
    TooLong { prefix: Vec<u8>, len: usize },
}

/// Reads `\n`-terminated lines, never holding more than `max` bytes of one line in memory.
#[derive(Debug)]
pub struct LineReader<R> {
    reader: R,
    max: usize,
    number: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(reader: R, max: usize) -> Self {
        Self {
            reader,
            max,
            number: 0,
        }
    }

    /// The 1-based number of the line last returned.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The next line, or `None` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        let mut line = Vec::new();
        let mut len = 0usize;
        let mut saw_any = false;
        let mut ended_with_cr = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                if !saw_any {
                    return Ok(None);
                }
                break;
            }
            saw_any = true;
            let (chunk, found_end) = match memchr::memchr(b'\n', available) {
                Some(at) => (&available[..at], Some(at + 1)),
                None => (available, None),
            };
            // One byte over the limit is kept, so that a line exactly at the limit plus its CR is
            // still whole once the CR is dropped.
            let room = (self.max + 1).saturating_sub(line.len());
            line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            len += chunk.len();
            if let Some(&last) = chunk.last() {
                ended_with_cr = last == b'\r';
            }
            let used = found_end.unwrap_or(available.len());
            self.reader.consume(used);
            if found_end.is_some() {
                break;
            }
        }
        self.number += 1;
        if ended_with_cr {
            len -= 1;
        }
        if len > self.max {
            line.truncate(self.max);
            return Ok(Some(Line::TooLong { prefix: line, len }));
        }
        if ended_with_cr {
            line.pop();
        }
        Ok(Some(Line::Complete(line)))
    }
}

/// Splits bytes already in memory into lines (1-based number, line without terminator).
pub fn split_lines(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let mut rest = bytes;
    let mut number = 0u64;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        number += 1;
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Some((number, line))
    })
}

/// Whether a line holds nothing but whitespace.
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_all(input: &[u8], max: usize) -> Vec<Line> {
        // A tiny buffer exercises lines that span many reads.
        let reader = io::BufReader::with_capacity(3, input);
        let mut lines = LineReader::new(reader, max);
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            out.push(line);
        }
        out
    }

    #[test]
    fn long_lines_are_cut_and_measured() {
        let lines = read_all(b"ab\r\nabcdefgh\nxyz", 4);
        assert_eq!(
            lines,
            vec![
                Line::Complete(b"ab".to_vec()),
                Line::TooLong {
                    prefix: b"abcd".to_vec(),
                    len: 8
                },
                Line::Complete(b"xyz".to_vec()),
            ]
        );
    }

    proptest! {
        #[test]
        fn streamed_and_in_memory_agree(input in proptest::collection::vec(
            prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'a'), Just(b'b')], 0..100)) {
            let streamed: Vec<Vec<u8>> = read_all(&input, 1000)
                .into_iter()
                .map(|l| match l { Line::Complete(b) => b, Line::TooLong { prefix, .. } => prefix })
                .collect();
            let split: Vec<Vec<u8>> = split_lines(&input).map(|(_, l)| l.to_vec()).collect();
            prop_assert_eq!(streamed, split);
        }
    }
}
