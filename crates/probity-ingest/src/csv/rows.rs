//! CSV rows with their exact raw bytes and line numbers, read within a size limit.
//!
//! `csv_core` does the parsing (RFC 4180 quoting, the same rules as the `csv` crate); this reader
//! keeps each row's raw bytes for its event id and dead letter, counts lines, and never holds more
//! than about the limit of one row: a longer row (an unclosed quote, say) is measured and cut, and
//! reading goes on after it.

use std::io::{self, Read};

/// Bytes read from the input at a time.
const CHUNK: usize = 64 * 1024;

/// One CSV row.
#[derive(Debug)]
pub struct Row {
    /// The line the row starts on (1-based).
    pub line: u64,
    /// The row as written, without its line end; only the first `limit` bytes if it is longer.
    pub raw: Vec<u8>,
    /// The full length of the row as written.
    pub raw_len: u64,
    /// Whether the row is longer than the limit (its fields are then not kept).
    pub too_long: bool,
    output: Vec<u8>,
    ends: Vec<usize>,
}

impl Row {
    /// How many fields the row has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the row has no fields (a row over the limit keeps none).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The unquoted bytes of field `index` (empty if there is no such field).
    pub fn field(&self, index: usize) -> &[u8] {
        let start = match index {
            0 => 0,
            _ => self.ends.get(index - 1).copied().unwrap_or(0),
        };
        let end = self.ends.get(index).copied().unwrap_or(start);
        self.output.get(start..end).unwrap_or(&[])
    }
}

/// Reads rows from a byte stream.
#[derive(Debug)]
pub struct RowReader<R> {
    reader: R,
    parser: csv_core::Reader,
    chunk: Vec<u8>,
    pos: usize,
    filled: usize,
    eof: bool,
    done: bool,
    limit: usize,
    /// The line of the next unread byte.
    line: u64,
    /// Whether the last byte read was a carriage return (a line feed straight after it ends the
    /// same line).
    after_cr: bool,
}

/// A row being read.
struct Partial {
    line: u64,
    started: bool,
    raw: Vec<u8>,
    raw_len: u64,
    /// How many line-end bytes the raw bytes read so far end with.
    line_end: u64,
    output: Vec<u8>,
    output_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
}

impl<R: Read> RowReader<R> {
    pub fn new(reader: R, delimiter: u8, limit: usize) -> Self {
        Self {
            reader,
            parser: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            chunk: vec![0; CHUNK],
            pos: 0,
            filled: 0,
            eof: false,
            done: false,
            limit,
            line: 1,
            after_cr: false,
        }
    }

    /// The next row, or `None` at the end of the input. Blank lines are not rows.
    pub fn next_row(&mut self) -> io::Result<Option<Row>> {
        if self.done {
            return Ok(None);
        }
        let mut row = Partial {
            line: self.line,
            started: false,
            raw: Vec::new(),
            raw_len: 0,
            line_end: 0,
            output: vec![0; 256],
            output_len: 0,
            ends: vec![0; 16],
            ends_len: 0,
        };
        loop {
            self.refill()?;
            let input = &self.chunk[self.pos..self.filled];
            let (result, read, written, ended) = self.parser.read_record(
                input,
                &mut row.output[row.output_len..],
                &mut row.ends[row.ends_len..],
            );
            let consumed = &self.chunk[self.pos..self.pos + read];
            self.pos += read;
            let mut lines = Lines {
                line: &mut self.line,
                after_cr: &mut self.after_cr,
            };
            account(&mut lines, self.limit, &mut row, consumed);
            row.output_len += written;
            row.ends_len += ended;
            let too_long = row.raw_len > self.limit as u64;
            match result {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    if too_long {
                        row.output_len = 0;
                    } else {
                        let grown = row.output.len() * 2;
                        row.output.resize(grown, 0);
                    }
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    if too_long {
                        row.ends_len = 0;
                    } else {
                        let grown = row.ends.len() * 2;
                        row.ends.resize(grown, 0);
                    }
                }
                csv_core::ReadRecordResult::Record => return Ok(Some(self.finish(row))),
                csv_core::ReadRecordResult::End => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
    }

    /// Reads more input when all of the current chunk is used.
    fn refill(&mut self) -> io::Result<()> {
        if self.pos < self.filled || self.eof {
            return Ok(());
        }
        self.pos = 0;
        self.filled = 0;
        loop {
            match self.reader.read(&mut self.chunk) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(count) => {
                    self.filled = count;
                    return Ok(());
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        }
    }

    fn finish(&self, mut row: Partial) -> Row {
        let raw_len = row.raw_len - row.line_end;
        let too_long = raw_len > self.limit as u64;
        row.raw.truncate(
            usize::try_from(raw_len)
                .unwrap_or(usize::MAX)
                .min(self.limit),
        );
        row.output
            .truncate(if too_long { 0 } else { row.output_len });
        row.ends.truncate(if too_long { 0 } else { row.ends_len });
        Row {
            line: row.line,
            raw: row.raw,
            raw_len,
            too_long,
            output: row.output,
            ends: row.ends,
        }
    }
}

/// The line count of a reader: the line of the next unread byte, and whether the byte before it
/// was a carriage return. Lines end with a line feed, a carriage return and line feed, or a
/// carriage return alone (as old Mac tools write).
struct Lines<'a> {
    line: &'a mut u64,
    after_cr: &'a mut bool,
}

impl Lines<'_> {
    fn count(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            match byte {
                b'\r' => *self.line += 1,
                b'\n' if !*self.after_cr => *self.line += 1,
                _ => {}
            }
            *self.after_cr = byte == b'\r';
        }
    }
}

/// Counts lines in `consumed` and keeps the row's raw bytes, skipping the blank lines and line
/// ends before it.
fn account(lines: &mut Lines<'_>, limit: usize, row: &mut Partial, mut consumed: &[u8]) {
    if !row.started {
        let blank = consumed
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        lines.count(&consumed[..blank]);
        consumed = &consumed[blank..];
        if consumed.is_empty() {
            return;
        }
        row.started = true;
        row.line = *lines.line;
    }
    lines.count(consumed);
    let room = limit.saturating_sub(row.raw.len());
    row.raw
        .extend_from_slice(&consumed[..consumed.len().min(room)]);
    row.raw_len += consumed.len() as u64;
    let trailing = consumed
        .iter()
        .rev()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .count() as u64;
    row.line_end = if trailing == consumed.len() as u64 {
        row.line_end + trailing
    } else {
        trailing
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns at most `step` bytes per read.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let count = self.step.min(buf.len()).min(self.data.len());
            buf[..count].copy_from_slice(&self.data[..count]);
            self.data = &self.data[count..];
            Ok(count)
        }
    }

    fn rows(input: &[u8], limit: usize, step: usize) -> Vec<(u64, String, Vec<String>, bool)> {
        let mut reader = RowReader::new(Trickle { data: input, step }, b',', limit);
        let mut out = Vec::new();
        while let Some(row) = reader.next_row().unwrap() {
            let fields = (0..row.len())
                .map(|i| String::from_utf8_lossy(row.field(i)).into_owned())
                .collect();
            out.push((
                row.line,
                String::from_utf8_lossy(&row.raw).into_owned(),
                fields,
                row.too_long,
            ));
        }
        out
    }

    #[test]
    fn raw_bytes_lines_and_fields() {
        let input = b"a,b\r\n\r\n\"x\ny\",\"q\"\"q\"\nlast,row";
        for step in [1, 2, 7, 1000] {
            let got = rows(input, 100, step);
            assert_eq!(
                got,
                vec![
                    (1, "a,b".into(), vec!["a".into(), "b".into()], false),
                    (
                        3,
                        "\"x\ny\",\"q\"\"q\"".into(),
                        vec!["x\ny".into(), "q\"q".into()],
                        false
                    ),
                    (
                        5,
                        "last,row".into(),
                        vec!["last".into(), "row".into()],
                        false
                    ),
                ],
                "step {step}"
            );
        }
    }

    #[test]
    fn lines_end_with_cr_alone_or_crlf_across_reads() {
        let input = b"a\rb\r\rc\r\nd\n\re\r";
        for step in [1, 2, 3, 1000] {
            let got: Vec<(u64, String)> = rows(input, 100, step)
                .into_iter()
                .map(|(line, raw, _, _)| (line, raw))
                .collect();
            assert_eq!(
                got,
                vec![
                    (1, "a".into()),
                    (2, "b".into()),
                    (4, "c".into()),
                    (5, "d".into()),
                    (7, "e".into()),
                ],
                "step {step}"
            );
        }
    }

    #[test]
    fn long_rows_are_cut_and_reading_goes_on() {
        let input = b"short\n0123456789abcdef\nnext\n";
        let got = rows(input, 8, 3);
        assert_eq!(got[0].1, "short");
        assert_eq!(got[1].0, 2);
        assert_eq!(got[1].1, "01234567");
        assert!(got[1].3);
        assert!(got[1].2.is_empty());
        assert_eq!(got[2], (3, "next".into(), vec!["next".into()], false));
    }

    #[test]
    fn unclosed_quote_runs_to_the_end_within_the_limit() {
        let mut input = b"a\n\"open".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10_000));
        let mut reader = RowReader::new(&input[..], b',', 64);
        assert_eq!(reader.next_row().unwrap().unwrap().raw, b"a");
        let long = reader.next_row().unwrap().unwrap();
        assert!(long.too_long);
        assert_eq!(long.raw_len, 10_005);
        assert!(long.raw.len() <= 64);
        assert!(reader.next_row().unwrap().is_none());
    }
}
