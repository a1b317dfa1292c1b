//! CSV rows with their exact raw bytes and line numbers, read within a size limit.
//!
//! `csv_core` does the parsing (RFC 4180 quoting, the same rules as the `csv` crate); this reader
//! keeps each row's raw bytes for its event id and dead letter, counts lines, and never holds more
//! than about the limit of one row: a longer row (an unclosed quote, say) is measured and cut, and
//! reading goes on after it.
//!
//! A quote left open runs, as RFC 4180 reads it, to the end of the input: the row's field holds
//! every line after it. Such a row says so ([`Row::unclosed`]), and a reader that knows what its
//! rows should look like can read it again with the quote closed at the end of the line it opened
//! on, then the lines after that line as rows ([`RowReader::rows_after`],
//! [`RowReader::reread_after`]).

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
    /// A quote opened in the row and never closed: the row runs to the end of the input.
    pub unclosed: Option<Unclosed>,
    output: Vec<u8>,
    ends: Vec<usize>,
}

/// A quoted field still open where the input ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclosed {
    /// The line the quote opened on.
    pub line: u64,
    /// Where the line the quote opened on ends in the row's raw bytes, where the next line
    /// starts, and that line's number; none when no line follows the quote's within the bytes
    /// kept (the quote opened on the last line, or the row is over the limit).
    next: Option<(usize, usize, u64)>,
}

impl Unclosed {
    /// Whether lines follow the one the quote opened on, kept in the row's raw bytes.
    pub fn has_lines_after(&self) -> bool {
        self.next.is_some()
    }
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
    delimiter: u8,
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
    quote: QuoteState,
    /// Where the quote of the quoted field being read opened: its offset in the row and its line.
    opened: Option<(u64, u64)>,
}

/// Where the bytes of a row stand as to quoting, as `csv_core` reads them: a quote opens a
/// quoted field only as the field's first byte; in one, a doubled quote is a quote and a quote
/// alone closes it; after it, bytes up to the delimiter are added as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    FieldStart,
    InField,
    InQuoted,
    /// A quote in a quoted field: the end of it, or the first of a doubled quote.
    QuoteInQuoted,
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
            delimiter,
            line: 1,
            after_cr: false,
        }
    }

    /// A reader of the lines after the line where `row`'s unclosed quote opened, numbered as in
    /// the input, with this reader's delimiter and limit; none where no line follows it.
    pub fn rows_after<'r>(&self, row: &'r Row) -> Option<RowReader<&'r [u8]>> {
        let (_, start, line) = row.unclosed.as_ref()?.next?;
        let rest = row.raw.get(start..)?;
        let mut reader = RowReader::new(rest, self.delimiter, self.limit);
        reader.line = line;
        Some(reader)
    }

    /// `row`, whose quote never closed and ran to the end of the input, read again with the
    /// quote closed at the end of the line it opened on; the reader then goes on with the lines
    /// after that line (the row's own bytes), from their line numbers. None, the reader
    /// unchanged, where no line follows the quote's or the input has not all been read.
    pub fn reread_after(&mut self, row: &Row) -> Option<Row> {
        let (end, start, line) = row.unclosed.as_ref()?.next?;
        if !self.eof || self.pos < self.filled {
            return None;
        }
        let opening = row.raw.get(..end)?;
        let rest = row.raw.get(start..)?;
        // Every quote after the one left open is one of a doubled pair, so one more closes it.
        let mut closed = opening.to_vec();
        closed.push(b'"');
        let mut reader = RowReader::new(&closed[..], self.delimiter, self.limit);
        let mut cut = reader.next_row().ok().flatten()?;
        cut.line = row.line;
        cut.raw = opening.to_vec();
        cut.raw_len = opening.len() as u64;
        cut.unclosed = None;
        self.chunk = rest.to_vec();
        self.pos = 0;
        self.filled = self.chunk.len();
        self.done = false;
        self.parser.reset();
        self.line = line;
        self.after_cr = false;
        Some(cut)
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
            quote: QuoteState::FieldStart,
            opened: None,
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
            account(&mut lines, self.limit, self.delimiter, &mut row, consumed);
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
        let unclosed = match (row.quote, row.opened) {
            (QuoteState::InQuoted, Some((at, line))) => Some(Unclosed {
                line,
                next: if too_long {
                    None
                } else {
                    next_line(&row.raw, at, line)
                },
            }),
            _ => None,
        };
        Row {
            line: row.line,
            raw: row.raw,
            raw_len,
            too_long,
            unclosed,
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

/// Where the line holding the byte at `at` of `raw` ends, where the next line starts, and its
/// number (`line` being the line of `at`); none where it is the last line.
fn next_line(raw: &[u8], at: u64, line: u64) -> Option<(usize, usize, u64)> {
    let at = usize::try_from(at).ok()?;
    let end = at
        + raw
            .get(at..)?
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')?;
    let start = match raw.get(end..end + 2) {
        Some(b"\r\n") => end + 2,
        _ => end + 1,
    };
    (start < raw.len()).then_some((end, start, line + 1))
}

/// Follows the quoting of the row through `byte` (at `offset` in the row, on the line `lines`
/// is at), noting where a quoted field opened.
fn follow_quotes(row: &mut Partial, delimiter: u8, lines: &Lines<'_>, offset: u64, byte: u8) {
    let ends_field = byte == delimiter || byte == b'\n' || byte == b'\r';
    row.quote = match (row.quote, byte) {
        (QuoteState::FieldStart, b'"') => {
            row.opened = Some((offset, *lines.line));
            QuoteState::InQuoted
        }
        (QuoteState::InQuoted, b'"') => QuoteState::QuoteInQuoted,
        (QuoteState::InQuoted, _) | (QuoteState::QuoteInQuoted, b'"') => QuoteState::InQuoted,
        (_, _) if ends_field => QuoteState::FieldStart,
        _ => QuoteState::InField,
    };
    if !matches!(row.quote, QuoteState::InQuoted | QuoteState::QuoteInQuoted) {
        row.opened = None;
    }
}

/// Counts lines in `consumed` and keeps the row's raw bytes, skipping the blank lines and line
/// ends before it; follows its quoting ([`follow_quotes`]).
fn account(
    lines: &mut Lines<'_>,
    limit: usize,
    delimiter: u8,
    row: &mut Partial,
    mut consumed: &[u8],
) {
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
    for (index, &byte) in consumed.iter().enumerate() {
        follow_quotes(row, delimiter, lines, row.raw_len + index as u64, byte);
        lines.count(std::slice::from_ref(&byte));
    }
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
        assert_eq!(long.unclosed.as_ref().map(|u| u.line), Some(2));
        assert!(!long.unclosed.unwrap().has_lines_after());
    }

    #[test]
    fn a_quote_left_open_is_found_and_the_lines_after_it_read_again() {
        let input = b"a,\"b\"\"c\",d\r\ne,\"f\"\"g\r\nh,i,j\r\n\r\nk,l,m";
        for step in [1, 2, 5, 1000] {
            let mut reader = RowReader::new(Trickle { data: input, step }, b',', 100);
            let first = reader.next_row().unwrap().unwrap();
            assert_eq!(first.unclosed, None);
            let open = reader.next_row().unwrap().unwrap();
            assert_eq!(open.line, 2);
            assert_eq!(open.len(), 2);
            assert_eq!(open.field(1), b"f\"g\r\nh,i,j\r\n\r\nk,l,m");
            assert_eq!(open.unclosed.as_ref().map(|u| u.line), Some(2));
            let mut rest = reader.rows_after(&open).unwrap();
            assert_eq!(rest.next_row().unwrap().unwrap().line, 3);
            let cut = reader.reread_after(&open).unwrap();
            assert_eq!((cut.line, &cut.raw[..]), (2, &b"e,\"f\"\"g"[..]));
            assert_eq!((cut.field(0), cut.field(1)), (&b"e"[..], &b"f\"g"[..]));
            assert_eq!(cut.unclosed, None);
            let again: Vec<(u64, Vec<u8>)> = std::iter::from_fn(|| reader.next_row().unwrap())
                .map(|row| (row.line, row.field(2).to_vec()))
                .collect();
            assert_eq!(
                again,
                [(3, b"j".to_vec()), (5, b"m".to_vec())],
                "step {step}"
            );
        }
    }

    #[test]
    fn quotes_inside_a_field_or_closed_leave_nothing_open() {
        for input in [
            &b"a\"b,\"c\"\"\"\n"[..],
            b"\"x\"y,\"\"\n",
            b"\"q\"\n\"r\"\"\"",
            b"a,\"\"",
        ] {
            let mut reader = RowReader::new(input, b',', 100);
            while let Some(row) = reader.next_row().unwrap() {
                assert_eq!(row.unclosed, None, "{:?}", String::from_utf8_lossy(input));
            }
        }
        let mut reader = RowReader::new(&b"a,\"\"\"x\n"[..], b',', 100);
        assert!(reader.next_row().unwrap().unwrap().unclosed.is_some());
    }
}
