//! CSV rows with their exact raw bytes and line numbers, read within a size limit.
//!
//! `csv_core` does the parsing (RFC 4180 quoting, the same rules as the `csv` crate); this reader
//! keeps each row's raw bytes for its event id and dead letter, counts lines, and never holds more
//! than about the limit of one row: a longer row (an unclosed quote, say) is measured and cut, and
//! reading goes on after it.
//!
//! A quote left open runs, as RFC 4180 reads it, to the end of the input: the row's field holds
//! every line after it. Such a row says so ([`Row::unclosed`]); so does a row whose quoted field
//! ran past the line it opened on ([`Row::quoted_lines`]), which may be a quote left open that a
//! later row's quote closed. A reader that knows what its rows should look like can read such a
//! row again with the quote closed at the end of the line it opened on, then the lines after that
//! line as rows ([`RowReader::rows_after`], [`RowReader::reread_after`]); [`QuoteRows`] does so
//! for rows of a known number of fields.

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
    /// The first quoted field of the row that ran past the end of the line its quote opened on,
    /// closed or not (a field of several lines, or a quote left open that a later quote closed).
    pub quoted_lines: Option<Unclosed>,
    /// Where the row is a row cut at the end of the line its quote opened on because that quote
    /// ran on past the limit, lines reading as rows after it ([`RowReader::mend_long_quotes`]):
    /// the row as written up to the limit.
    pub past_limit: Option<PastLimit>,
    output: Vec<u8>,
    ends: Vec<usize>,
}

/// Where a quoted field opened that ran past the end of its line (still open where the input
/// ends, for [`Row::unclosed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclosed {
    /// The line the quote opened on.
    pub line: u64,
    /// Where the line the quote opened on ends in the row's raw bytes, where the next line
    /// starts, and that line's number; none when no line follows the quote's within the bytes
    /// kept (the quote opened on the last line, or the row is over the limit).
    next: Option<(usize, usize, u64)>,
}

/// The start of a row whose quote ran on past the limit, lines reading as rows after the line it
/// opened on ([`Row::past_limit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastLimit {
    /// The line the row starts on.
    pub row_line: u64,
    /// The line the quote opened on.
    pub line: u64,
    /// The row's first bytes as written, as many as the limit.
    pub raw: Vec<u8>,
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
    /// Rows should have this many fields, and this many more rows whose quote runs on past the
    /// limit may be cut at its line ([`RowReader::mend_long_quotes`]).
    mend: Option<(usize, usize)>,
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
    /// Where the first quoted field to run past its line opened, as `opened`.
    spanned: Option<(u64, u64)>,
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
            mend: None,
        }
    }

    /// Rows should have `fields` fields: a row whose quoted field is still open at the limit,
    /// past the line it opened on, where a whole line after that one reads as a row of `fields`
    /// fields, is cut at the end of the quote's line ([`Row::past_limit`]), and reading goes on
    /// from the line after it, so that a quote left open does not take every later row with it
    /// into one row over the limit; at most `rows` such rows. Each costs a copy of the limit.
    pub fn mend_long_quotes(&mut self, fields: usize, rows: usize) {
        self.mend = Some((fields, rows));
    }

    /// A reader of the lines of `row` after the line where the quote `at` opened (the row's
    /// [`Row::unclosed`] or [`Row::quoted_lines`]), numbered as in the input, with this reader's
    /// delimiter and limit; none where no line follows it.
    pub fn rows_after<'r>(&self, row: &'r Row, at: &Unclosed) -> Option<RowReader<&'r [u8]>> {
        let (_, start, line) = at.next?;
        let rest = row.raw.get(start..)?;
        let mut reader = RowReader::new(rest, self.delimiter, self.limit);
        reader.line = line;
        Some(reader)
    }

    /// `row`, just read, whose quote `at` ran past the line it opened on (to the end of the input,
    /// or to a later line where a quote closed it), read again with the quote closed at the end of
    /// that line; the reader then goes on with the row's lines after that line, from their line
    /// numbers, and then with the input after the row. None, the reader unchanged, where no line
    /// follows the quote's.
    pub fn reread_after(&mut self, row: &Row, at: &Unclosed) -> Option<Row> {
        let (end, start, line) = at.next?;
        let rest = row.raw.get(start..)?;
        let cut = self.closed_at(&row.raw, end, row.line)?;
        // The row's own line end was read with it: a line end stands for it, a carriage return
        // where the last byte read was one (a line feed left unread after it then makes one line
        // end with it, as it did).
        let mut chunk = Vec::with_capacity(rest.len() + 1 + self.filled - self.pos);
        chunk.extend_from_slice(rest);
        chunk.push(if self.after_cr { b'\r' } else { b'\n' });
        chunk.extend_from_slice(&self.chunk[self.pos..self.filled]);
        self.use_chunk(chunk);
        self.done = false;
        self.parser.reset();
        self.line = line;
        self.after_cr = false;
        Some(cut)
    }

    /// The row whose bytes `raw` begin, from line `line`, cut at `end`, the end of the line where
    /// its quoted field opened, with that field closed there: every quote after the one that ran
    /// past its line, on that line, is one of a doubled pair (one alone would have closed it), so
    /// one more closes it. Its bytes as written are those up to `end`.
    fn closed_at(&self, raw: &[u8], end: usize, line: u64) -> Option<Row> {
        let opening = raw.get(..end)?;
        let mut closed = opening.to_vec();
        closed.push(b'"');
        let mut reader = RowReader::new(&closed[..], self.delimiter, self.limit);
        let mut cut = reader.next_row().ok().flatten()?;
        cut.line = line;
        cut.raw = opening.to_vec();
        cut.raw_len = opening.len() as u64;
        cut.unclosed = None;
        cut.quoted_lines = None;
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
            spanned: None,
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
            let was_long = row.raw_len > self.limit as u64;
            account(&mut lines, self.limit, self.delimiter, &mut row, consumed);
            row.output_len += written;
            row.ends_len += ended;
            let too_long = row.raw_len > self.limit as u64;
            if too_long
                && !was_long
                && let Some(cut) = self.cut_past_limit(&row)
            {
                return Ok(Some(cut));
            }
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

    /// `row`, which has just passed the limit, cut at the end of the line where its quoted field
    /// opened, where that field is still open and a whole line after that one, within the bytes
    /// kept, reads as a row of the fields wanted ([`RowReader::mend_long_quotes`]); the reader
    /// then goes on from the line after the quote's. None, the reader unchanged, otherwise.
    fn cut_past_limit(&mut self, row: &Partial) -> Option<Row> {
        let (fields, left) = self.mend?;
        if left == 0 || row.quote != QuoteState::InQuoted {
            return None;
        }
        let (at, line) = row.opened?;
        let (end, start, next) = next_line(&row.raw, at, line)?;
        // The bytes of this read past the limit are still in the chunk, just before `pos`.
        let dropped = usize::try_from(row.raw_len).ok()? - row.raw.len();
        let unkept = self.pos.checked_sub(dropped)?;
        let rest = row.raw.get(start..)?;
        let whole_lines = rest.iter().rposition(|&b| b == b'\n' || b == b'\r')?;
        let mut lines = RowReader::new(&rest[..whole_lines], self.delimiter, self.limit);
        let mut follows = false;
        while let Ok(Some(next_row)) = lines.next_row() {
            if next_row.len() == fields && next_row.unclosed.is_none() && !next_row.too_long {
                follows = true;
                break;
            }
        }
        if !follows {
            return None;
        }
        let mut cut = self.closed_at(&row.raw, end, row.line)?;
        cut.past_limit = Some(PastLimit {
            row_line: row.line,
            line,
            raw: row.raw.clone(),
        });
        let mut chunk = Vec::with_capacity(rest.len() + self.filled - unkept);
        chunk.extend_from_slice(rest);
        chunk.extend_from_slice(&self.chunk[unkept..self.filled]);
        self.use_chunk(chunk);
        self.parser.reset();
        self.line = next;
        self.after_cr = false;
        self.mend = Some((fields, left - 1));
        Some(cut)
    }

    /// Reads `unread` next, before the rest of the input, in a buffer of at least [`CHUNK`] bytes
    /// for the reads after it.
    fn use_chunk(&mut self, mut unread: Vec<u8>) {
        self.filled = unread.len();
        if unread.len() < CHUNK {
            unread.resize(CHUNK, 0);
        }
        self.chunk = unread;
        self.pos = 0;
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
        let quote_at = |(at, line): (u64, u64)| Unclosed {
            line,
            next: if too_long {
                None
            } else {
                next_line(&row.raw, at, line)
            },
        };
        let unclosed = match (row.quote, row.opened) {
            (QuoteState::InQuoted, Some(opened)) => Some(quote_at(opened)),
            _ => None,
        };
        let quoted_lines = row.spanned.map(quote_at);
        Row {
            line: row.line,
            raw: row.raw,
            raw_len,
            too_long,
            unclosed,
            quoted_lines,
            past_limit: None,
            output: row.output,
            ends: row.ends,
        }
    }
}

/// Most rows of an input whose quote ran past its line have the lines after it read again as
/// rows ([`QuoteRows`]); past it, such a row is read as RFC 4180 reads it. Each reads again at
/// most the row size limit.
pub const MAX_QUOTE_REREADS: usize = 16;

/// How a row whose quote ran past the line it opened on was read ([`QuoteRows`]).
#[derive(Debug)]
pub enum OpenQuote {
    /// Read as RFC 4180 reads it, the quote left open and the field running to the end of the
    /// input (no line after it reads as a row).
    ToTheEnd(Unclosed),
    /// Read to the end of the line the quote opened on, the lines after it read as rows; `whole`
    /// is the row as RFC 4180 reads it: to the end of the input where the quote was never closed,
    /// else to the line where a later quote closed it (the row so read not of the fields wanted).
    ToItsLine { whole: Row, line: u64 },
    /// Read to the end of the line the quote opened on, the lines after it read as rows, where
    /// the quote was still open at the limit of a row's size.
    PastTheLimit(PastLimit),
}

impl OpenQuote {
    /// The value of the label on the row read: where its field was taken to end.
    pub fn label(&self) -> &'static str {
        match self {
            Self::ToTheEnd(_) => "to the end of the file",
            Self::ToItsLine { whole, .. } if whole.unclosed.is_none() => {
                "to the end of its line, a later quote closing it"
            }
            Self::ToItsLine { .. } => "to the end of its line",
            Self::PastTheLimit(_) => "to the end of its line, open past the size limit",
        }
    }

    /// The reason and location of the dead letter keeping the row as RFC 4180 reads it, naming
    /// `quote_label` (on the row read) and `after_label` (on the rows read after it).
    pub fn dead_letter(&self, row: &Row, quote_label: &str, after_label: &str) -> (String, String) {
        match self {
            Self::ToTheEnd(unclosed) => (
                format!(
                    "a quote opened on line {} is never closed, so the row's field runs to the end of the file (no line after it reads as a row of the header's fields); read so, the row is labelled {quote_label}",
                    unclosed.line
                ),
                format!("line {} to the end", row.line),
            ),
            Self::ToItsLine { whole, line } if whole.unclosed.is_none() => (
                format!(
                    "a quote opened on line {line} is not closed on its line but by a quote on a later one, which makes a row of {} fields, not the header's, of the lines between; the row is read to the end of line {line} (labelled {quote_label}) and the lines after it as rows (labelled {after_label}); this is the row as written to that quote's line",
                    whole.len()
                ),
                format!("line {}", whole.line),
            ),
            Self::ToItsLine { whole, line } => (
                format!(
                    "a quote opened on line {line} is never closed, so the row's field would run to the end of the file; the row is read to the end of line {line} (labelled {quote_label}) and the lines after it as rows (labelled {after_label}); this is the row as written to the end"
                ),
                format!("line {} to the end", whole.line),
            ),
            Self::PastTheLimit(long) => (
                format!(
                    "a quote opened on line {} is still open {} bytes into its row, at the size limit for one; the row is read to the end of line {} (labelled {quote_label}) and the lines after it as rows (labelled {after_label}); this is the row's start as written",
                    long.line,
                    long.raw.len(),
                    long.line
                ),
                format!("line {}", long.row_line),
            ),
        }
    }

    /// The row as RFC 4180 reads it.
    pub fn raw<'r>(&'r self, row: &'r Row) -> &'r [u8] {
        match self {
            Self::ToTheEnd(_) => &row.raw,
            Self::ToItsLine { whole, .. } => &whole.raw,
            Self::PastTheLimit(long) => &long.raw,
        }
    }

    /// The length of the row as RFC 4180 reads it.
    pub fn raw_len(&self, row: &Row) -> u64 {
        match self {
            Self::ToTheEnd(_) => row.raw_len,
            Self::ToItsLine { whole, .. } => whole.raw_len,
            Self::PastTheLimit(long) => long.raw.len() as u64,
        }
    }
}

/// A row, with how its quote ran past its line, and the line of an earlier row's quote whose
/// lines after it were read again as rows, this row among them.
#[derive(Debug)]
pub struct QuoteRow {
    pub row: Row,
    pub quote: Option<OpenQuote>,
    pub after: Option<u64>,
}

/// The rows of an input whose rows should have `fields` fields each. A quoted field whose quote
/// is not closed on the line it opened on makes, as RFC 4180 reads it, one row of the lines after
/// it: to the end of the input where the quote is never closed, else to the line where some later
/// quote (often a later row's own quoted field) closes it. Where the row so read is not of
/// `fields` fields, or runs to the end, and a line after the quote's reads as a row of `fields`
/// fields (within [`MAX_QUOTE_REREADS`]), the row is read to the end of the quote's line and the
/// lines after it as rows, so that later rows are not lost in one field.
#[derive(Debug)]
pub struct QuoteRows<R> {
    rows: RowReader<R>,
    fields: usize,
    rereads: usize,
    /// The line of the quote whose lines after it are being read again, and the last of them.
    after: Option<(u64, u64)>,
}

impl<R: Read> QuoteRows<R> {
    pub fn new(mut rows: RowReader<R>, fields: usize) -> Self {
        rows.mend_long_quotes(fields, MAX_QUOTE_REREADS);
        Self {
            rows,
            fields,
            rereads: 0,
            after: None,
        }
    }

    pub fn next_row(&mut self) -> io::Result<Option<QuoteRow>> {
        let Some(mut row) = self.rows.next_row()? else {
            return Ok(None);
        };
        let after = self
            .after
            .filter(|&(_, last)| row.line <= last)
            .map(|(line, _)| line);
        if let Some(long) = row.past_limit.take() {
            // Where the quote would have closed is past the bytes kept: every later row may be
            // one the quote swallowed.
            self.after = Some((long.line, u64::MAX));
            return Ok(Some(QuoteRow {
                row,
                quote: Some(OpenQuote::PastTheLimit(long)),
                after,
            }));
        }
        let plain = |row| QuoteRow {
            row,
            quote: None,
            after,
        };
        if row.too_long {
            // Its dead letter says so (the caller's).
            return Ok(Some(plain(row)));
        }
        let at = match (&row.unclosed, &row.quoted_lines) {
            (Some(unclosed), _) => unclosed.clone(),
            (None, Some(spanned)) if row.len() != self.fields => spanned.clone(),
            _ => return Ok(Some(plain(row))),
        };
        if self.rereads < MAX_QUOTE_REREADS
            && self.rows_follow(&row, &at)
            && let Some(cut) = self.rows.reread_after(&row, &at)
        {
            self.rereads += 1;
            let last = at.next.map_or(at.line, |(_, start, line)| {
                line + line_ends(row.raw.get(start..).unwrap_or_default())
            });
            self.after = Some((at.line, last));
            return Ok(Some(QuoteRow {
                row: cut,
                quote: Some(OpenQuote::ToItsLine {
                    whole: row,
                    line: at.line,
                }),
                after,
            }));
        }
        if row.unclosed.is_some() {
            return Ok(Some(QuoteRow {
                row,
                quote: Some(OpenQuote::ToTheEnd(at)),
                after,
            }));
        }
        Ok(Some(plain(row)))
    }

    /// Whether a line of `row` after the one where its quote `at` opened reads as a row of
    /// the fields wanted, its quotes closed.
    fn rows_follow(&self, row: &Row, at: &Unclosed) -> bool {
        let Some(mut rest) = self.rows.rows_after(row, at) else {
            return false;
        };
        while let Ok(Some(next)) = rest.next_row() {
            if next.len() == self.fields && next.unclosed.is_none() && !next.too_long {
                return true;
            }
        }
        false
    }
}

/// How many line ends `bytes` holds (a carriage return and line feed is one).
fn line_ends(bytes: &[u8]) -> u64 {
    let mut line = 0;
    let mut after_cr = false;
    Lines {
        line: &mut line,
        after_cr: &mut after_cr,
    }
    .count(bytes);
    line
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
    } else if row.spanned.is_none() && (byte == b'\n' || byte == b'\r') {
        row.spanned = row.opened;
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
            let at = open.unclosed.clone().unwrap();
            assert_eq!(open.quoted_lines.as_ref(), Some(&at));
            let mut rest = reader.rows_after(&open, &at).unwrap();
            assert_eq!(rest.next_row().unwrap().unwrap().line, 3);
            let cut = reader.reread_after(&open, &at).unwrap();
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

    /// A quote not closed on its line but by a later row's quote: the row is read again to the
    /// end of the quote's line, then the lines it swallowed, then the input after it, with their
    /// line numbers, whatever the reads' sizes.
    #[test]
    fn a_quote_closed_by_a_later_rows_quote_is_read_again_to_its_line() {
        let input = b"h1,h2,h3\n1,\"open,x\n2,b,c\r\n\"3\",q,c\n\n4,d,e\n";
        for step in [1, 2, 5, 1000] {
            let reader = RowReader::new(Trickle { data: input, step }, b',', 100);
            let mut rows = QuoteRows::new(reader, 3);
            let mut got = Vec::new();
            while let Some(QuoteRow { row, quote, after }) = rows.next_row().unwrap() {
                let fields: Vec<String> = (0..row.len())
                    .map(|i| String::from_utf8_lossy(row.field(i)).into_owned())
                    .collect();
                let label = quote.as_ref().map(OpenQuote::label);
                let whole = quote
                    .as_ref()
                    .map(|q| String::from_utf8_lossy(q.raw(&row)).into_owned());
                got.push((row.line, fields.join("|"), label, whole, after));
            }
            assert_eq!(
                got,
                [
                    (1, "h1|h2|h3".into(), None, None, None),
                    (
                        2,
                        "1|open,x".into(),
                        Some("to the end of its line, a later quote closing it"),
                        Some("1,\"open,x\n2,b,c\r\n\"3\",q,c".into()),
                        None
                    ),
                    (3, "2|b|c".into(), None, None, Some(2)),
                    (4, "3|q|c".into(), None, None, Some(2)),
                    (6, "4|d|e".into(), None, None, None),
                ],
                "step {step}"
            );
        }
    }

    /// A field of several lines that makes a row of the fields wanted is a row as written; one
    /// that does not, with no line in it that reads as a row, is left as it is.
    #[test]
    fn a_field_of_several_lines_is_read_again_only_where_rows_were_swallowed() {
        for (input, fields) in [
            (&b"1,\"two\nlines\",3\n4,5,6\n"[..], 3),
            (b"1,\"two\nlines\",3,4,5\n4,5,6\n", 3),
        ] {
            let mut rows = QuoteRows::new(RowReader::new(input, b',', 100), fields);
            let first = rows.next_row().unwrap().unwrap();
            assert!(first.row.quoted_lines.is_some());
            assert!(first.quote.is_none());
            assert_eq!(first.row.field(1), b"two\nlines");
            let second = rows.next_row().unwrap().unwrap();
            assert_eq!((second.row.line, second.after), (3, None));
            assert!(rows.next_row().unwrap().is_none());
        }
    }

    /// A quote still open at the row size limit, past its line, with whole rows after that line
    /// within the bytes kept: the row is cut at the end of the quote's line and every later line
    /// read as a row, whatever the reads' sizes; without rows of the fields wanted after it, the
    /// row is over the limit as before.
    #[test]
    fn a_quote_open_past_the_limit_is_cut_at_its_line() {
        let mut input = b"1,\"open\n".to_vec();
        for _ in 0..40 {
            input.extend_from_slice(b"2,b\n");
        }
        input.extend_from_slice(b"3,c\n");
        for step in [1, 3, 50, 100_000] {
            let reader = RowReader::new(Trickle { data: &input, step }, b',', 64);
            let mut rows = QuoteRows::new(reader, 2);
            let first = rows.next_row().unwrap().unwrap();
            assert_eq!((first.row.line, first.row.field(1)), (1, &b"open"[..]));
            let Some(OpenQuote::PastTheLimit(long)) = &first.quote else {
                panic!("step {step}: {:?}", first.quote);
            };
            assert_eq!((long.row_line, long.line), (1, 1));
            assert_eq!(&long.raw[..], &input[..64]);
            let mut later = Vec::new();
            while let Some(QuoteRow { row, after, .. }) = rows.next_row().unwrap() {
                assert_eq!(after, Some(1));
                later.push((row.line, row.field(0).to_vec(), row.field(1).to_vec()));
            }
            assert_eq!(later.len(), 41, "step {step}");
            assert_eq!(later[0], (2, b"2".to_vec(), b"b".to_vec()));
            assert_eq!(later[40], (42, b"3".to_vec(), b"c".to_vec()), "step {step}");
        }
        // Rows of three fields wanted: none after the quote's line, so the row is over the limit.
        let mut rows = QuoteRows::new(RowReader::new(&input[..], b',', 64), 3);
        let first = rows.next_row().unwrap().unwrap();
        assert!(first.row.too_long && first.quote.is_none());
        assert!(rows.next_row().unwrap().is_none());
    }
}
