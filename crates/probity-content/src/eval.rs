//! Measuring the abuse policy on a labelled set of texts that someone else holds: a CSV file with a
//! text column and a label column, as the published abuse and sexism sets are shaped. Each text is
//! scanned as a message body would be, and a text counts as flagged when the scanner reports a
//! finding in the chosen category (or in any category) at or above a severity. The counts give
//! precision, recall, F1 and the false-positive rate, so that anyone can check the figures in
//! `models/REPORT.md` on material Probity has not seen (`probity comms eval`).

use std::collections::{BTreeMap, VecDeque};
use std::io::Read;

use probity_model::{Finding, Level};

use crate::lexicon::Category;
use crate::scanner::Scanner;
use crate::{Error, Result};

/// Most rows read from one file.
pub const MAX_ROWS: usize = 2_000_000;
/// Most text kept from one file, in bytes (reading stops there, and says so).
pub const MAX_TOTAL_TEXT_BYTES: usize = 512 << 20;
/// Longest text scanned from one row (longer text is cut at a character boundary and counted).
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Most skipped rows kept with their reasons (the rest are counted).
pub const MAX_SKIPPED_LISTED: usize = 20;

/// Which findings count as flagging a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A finding of this category.
    Category(Category),
    /// A finding of any category.
    Any,
}

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        if text == "any" {
            return Ok(Target::Any);
        }
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == text)
            .map(Target::Category)
            .ok_or_else(|| {
                let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
                format!(
                    "unknown category {text:?}: one of any, {}",
                    names.join(", ")
                )
            })
    }
}

impl Target {
    /// Whether `findings` flag the text: one of the target category at `min` or above.
    pub fn flags(&self, findings: &[Finding], min: Level) -> bool {
        findings.iter().any(|f| {
            f.severity >= min
                && match self {
                    Target::Any => true,
                    Target::Category(category) => f.category == category.as_str(),
                }
        })
    }
}

/// How the columns and labels of a labelled file are read.
#[derive(Debug, Clone)]
pub struct Columns {
    /// The header of the text column.
    pub text: String,
    /// The header of the label column.
    pub label: String,
    /// Label values that mark a positive text (compared trimmed, in any ASCII case).
    pub positive: Vec<String>,
    /// Label values that mark a negative text; every other value is then skipped. Empty: any
    /// value not positive is negative.
    pub negative: Vec<String>,
}

/// One text of a labelled file.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    /// The line the record starts on (1 is the header).
    pub line: u64,
    /// The text, cut at [`MAX_TEXT_BYTES`].
    pub text: String,
    /// Whether its label is positive.
    pub positive: bool,
}

/// A row that was not used, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The line the record starts on.
    pub line: u64,
    /// Why it was not used.
    pub reason: String,
}

/// What reading a labelled file gave.
#[derive(Debug, Clone, Default)]
pub struct LabelledSet {
    /// The usable rows.
    pub texts: Vec<Labelled>,
    /// The first [`MAX_SKIPPED_LISTED`] rows not used, with the reason.
    pub skipped: Vec<Skipped>,
    /// How many rows were not used in all.
    pub skipped_count: usize,
    /// How many texts were cut at [`MAX_TEXT_BYTES`].
    pub cut: usize,
    /// Whether reading stopped at [`MAX_ROWS`] rows or [`MAX_TOTAL_TEXT_BYTES`] of text.
    pub truncated: bool,
}

/// Reads a labelled CSV file (with a header row). A row that cannot be read (bad quoting, text
/// that is not UTF-8, a missing column, a label that is neither positive nor negative) is skipped
/// and counted with its reason; a file without the named columns is an error.
pub fn read_labelled(reader: impl Read, columns: &Columns) -> Result<LabelledSet> {
    read_labelled_within(reader, columns, MAX_ROWS, MAX_TOTAL_TEXT_BYTES)
}

/// [`read_labelled`] stopping after `max_rows` rows or `max_bytes` of text kept.
fn read_labelled_within(
    reader: impl Read,
    columns: &Columns,
    max_rows: usize,
    max_bytes: usize,
) -> Result<LabelledSet> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(LineTracker::new(reader));
    let headers = csv
        .byte_headers()
        .map_err(|e| Error::invalid("labelled file", format!("cannot read the header: {e}")))?
        .clone();
    let position = |name: &str| {
        headers
            .iter()
            .position(|h| String::from_utf8_lossy(h).trim() == name)
            .ok_or_else(|| {
                let found: Vec<String> = headers
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).into_owned())
                    .collect();
                Error::invalid(
                    "labelled file",
                    format!("no column {name:?} (columns: {})", found.join(", ")),
                )
            })
    };
    let text_at = position(&columns.text)?;
    let label_at = position(&columns.label)?;
    let is_one_of = |value: &str, list: &[String]| {
        list.iter()
            .any(|wanted| wanted.trim().eq_ignore_ascii_case(value))
    };
    let mut set = LabelledSet::default();
    let mut record = csv::ByteRecord::new();
    let mut kept_bytes = 0usize;
    loop {
        if set.texts.len() + set.skipped_count >= max_rows || kept_bytes >= max_bytes {
            set.truncated = true;
            break;
        }
        let start = csv.position().byte();
        let read = csv.read_byte_record(&mut record);
        let line = csv.get_mut().line_at(start);
        match read {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                // The reader moves past a bad record; a broken stream ends the file.
                let fatal = matches!(error.kind(), csv::ErrorKind::Io(_));
                skip(&mut set, line, format!("cannot read the row: {error}"));
                if fatal {
                    break;
                }
                continue;
            }
        }
        let (Some(text), Some(label)) = (record.get(text_at), record.get(label_at)) else {
            skip(&mut set, line, "the row is missing a column".to_owned());
            continue;
        };
        let (Ok(text), Ok(label)) = (std::str::from_utf8(text), std::str::from_utf8(label)) else {
            skip(&mut set, line, "the text or label is not UTF-8".to_owned());
            continue;
        };
        let label = label.trim();
        let positive = if is_one_of(label, &columns.positive) {
            true
        } else if columns.negative.is_empty() || is_one_of(label, &columns.negative) {
            false
        } else {
            skip(
                &mut set,
                line,
                format!("label {label:?} is neither positive nor negative"),
            );
            continue;
        };
        let mut cut = text.len().min(MAX_TEXT_BYTES);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut < text.len() {
            set.cut += 1;
        }
        kept_bytes += cut;
        set.texts.push(Labelled {
            line,
            text: text[..cut].to_owned(),
            positive,
        });
    }
    Ok(set)
}

/// Counts a skipped row, keeping the first few with their reason.
/// Passes a file through while noting where its lines start, so that a record can be given the
/// line it starts on as an editor numbers them. The CSV reader's own count is of `\n` bytes read
/// so far, which names the line before the record where lines end in `\r\n` (the reader takes
/// the `\n` only when it reads on) or where blank lines come first, and counts nothing where
/// lines end in a lone `\r`.
struct LineTracker<R> {
    inner: R,
    /// Bytes passed through so far.
    offset: u64,
    /// Line breaks counted before the current run of them.
    breaks: u64,
    /// The run of line-break bytes being read: where it started, the breaks in it so far, and
    /// whether its last byte was a `\r` (which makes one break with a `\n` straight after it).
    run: Option<(u64, u64, bool)>,
    /// Runs of line-break bytes that ended: first byte, first byte after, and the line that
    /// starts there. Only runs at or after the last record start asked about are kept (a few
    /// kilobytes ahead of the CSV reader at most, with the breaks inside its current record).
    runs: VecDeque<(u64, u64, u64)>,
}

impl<R> LineTracker<R> {
    fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            breaks: 0,
            run: None,
            runs: VecDeque::new(),
        }
    }

    fn note(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            match (byte, &mut self.run) {
                (b'\n', Some((_, count, after_cr))) => {
                    if !*after_cr {
                        *count += 1;
                    }
                    *after_cr = false;
                }
                (b'\r', Some((_, count, after_cr))) => {
                    *count += 1;
                    *after_cr = true;
                }
                (b'\n', None) => self.run = Some((self.offset, 1, false)),
                (b'\r', None) => self.run = Some((self.offset, 1, true)),
                (_, run) => {
                    if let Some((start, count, _)) = run.take() {
                        self.breaks += count;
                        self.runs.push_back((start, self.offset, self.breaks + 1));
                    }
                }
            }
            self.offset += 1;
        }
    }

    /// The line of the first byte that is not a line break at or after `offset` (where the CSV
    /// reader starts a record: blank lines and the rest of the last record's line ending are
    /// skipped by it too). Offsets must not go backwards from one call to the next.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.runs.front().is_some_and(|&(_, end, _)| end < offset) {
            self.runs.pop_front();
        }
        match self.runs.front() {
            Some(&(start, _, line)) if start <= offset => line,
            // Not after a line break: the first line, or a record read to the end of the file.
            _ => self.breaks + 1,
        }
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.note(buf.get(..read).unwrap_or_default());
        Ok(read)
    }
}

fn skip(set: &mut LabelledSet, line: u64, reason: String) {
    set.skipped_count += 1;
    if set.skipped.len() < MAX_SKIPPED_LISTED {
        set.skipped.push(Skipped { line, reason });
    }
}

/// Counts of a binary decision against the labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Confusion {
    /// Positive and flagged.
    pub true_positives: usize,
    /// Negative and flagged.
    pub false_positives: usize,
    /// Positive and not flagged.
    pub false_negatives: usize,
    /// Negative and not flagged.
    pub true_negatives: usize,
}

impl Confusion {
    /// Records one text.
    pub fn add(&mut self, positive: bool, flagged: bool) {
        match (positive, flagged) {
            (true, true) => self.true_positives += 1,
            (false, true) => self.false_positives += 1,
            (true, false) => self.false_negatives += 1,
            (false, false) => self.true_negatives += 1,
        }
    }

    /// Flagged texts that are positive (0 when none is flagged).
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Positive texts that are flagged (0 when there is none).
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// The harmonic mean of precision and recall (0 when both are 0).
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }

    /// F1 with the classes swapped: how well the negative texts are left alone (0 when there
    /// is no negative text and nothing is left unflagged).
    pub fn negative_f1(&self) -> f64 {
        let tn = 2 * self.true_negatives;
        ratio(tn, tn + self.false_negatives + self.false_positives)
    }

    /// The mean of [`Confusion::f1`] and [`Confusion::negative_f1`]: the measure some shared
    /// tasks rank by (EDOS task A among them). It rises with the share of negatives, so the
    /// positive-class F1 stays the figure the project's goals are stated in.
    pub fn macro_f1(&self) -> f64 {
        (self.f1() + self.negative_f1()) / 2.0
    }

    /// Negative texts that are flagged (0 when there is none).
    pub fn false_positive_rate(&self) -> f64 {
        ratio(
            self.false_positives,
            self.false_positives + self.true_negatives,
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Texts by label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Positive texts.
    pub positive: usize,
    /// Negative texts.
    pub negative: usize,
}

/// What scanning a labelled set gave.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Evaluation {
    /// Flagged against the labels.
    pub confusion: Confusion,
    /// For each category found at the minimum severity or above: on how many texts of each kind.
    pub by_category: BTreeMap<String, Counts>,
    /// The lines of negative texts that were flagged (the first [`MAX_SKIPPED_LISTED`]).
    pub false_positive_lines: Vec<u64>,
    /// The lines of positive texts that were not (the first [`MAX_SKIPPED_LISTED`]).
    pub false_negative_lines: Vec<u64>,
}

/// A text the scanner and the label disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// A negative text that was flagged.
    FalsePositive,
    /// A positive text that was not.
    FalseNegative,
}

impl Miss {
    /// `false positive` or `false negative`.
    pub fn as_str(self) -> &'static str {
        match self {
            Miss::FalsePositive => "false positive",
            Miss::FalseNegative => "false negative",
        }
    }
}

/// Scans every text as an email body and compares what `target` flags at `min` or above with
/// the labels.
pub fn evaluate(scanner: &Scanner, texts: &[Labelled], target: &Target, min: Level) -> Evaluation {
    evaluate_with(scanner, texts, target, min, |_, _, _| Ok(()))
        .unwrap_or_else(|never: std::convert::Infallible| match never {})
}

/// As [`evaluate`], also handing each text the scanner and the label disagree on to `on_miss`
/// with the scanner's findings (to list every one, where the evaluation keeps the first lines).
/// Stops at the first error `on_miss` returns.
pub fn evaluate_with<E>(
    scanner: &Scanner,
    texts: &[Labelled],
    target: &Target,
    min: Level,
    mut on_miss: impl FnMut(Miss, &Labelled, &[Finding]) -> std::result::Result<(), E>,
) -> std::result::Result<Evaluation, E> {
    let mut evaluation = Evaluation::default();
    for labelled in texts {
        let findings = scanner.scan("email.body", &labelled.text);
        let flagged = target.flags(&findings, min);
        evaluation.confusion.add(labelled.positive, flagged);
        match (labelled.positive, flagged) {
            (false, true) => on_miss(Miss::FalsePositive, labelled, &findings)?,
            (true, false) => on_miss(Miss::FalseNegative, labelled, &findings)?,
            _ => {}
        }
        let lines = match (labelled.positive, flagged) {
            (false, true) => Some(&mut evaluation.false_positive_lines),
            (true, false) => Some(&mut evaluation.false_negative_lines),
            _ => None,
        };
        if let Some(lines) = lines
            && lines.len() < MAX_SKIPPED_LISTED
        {
            lines.push(labelled.line);
        }
        let mut categories: Vec<&str> = findings
            .iter()
            .filter(|f| f.severity >= min)
            .map(|f| f.category.as_str())
            .collect();
        categories.sort_unstable();
        categories.dedup();
        for category in categories {
            let counts = evaluation
                .by_category
                .entry(category.to_owned())
                .or_default();
            if labelled.positive {
                counts.positive += 1;
            } else {
                counts.negative += 1;
            }
        }
    }
    Ok(evaluation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Columns {
        Columns {
            text: "text".into(),
            label: "label".into(),
            positive: vec!["sexist".into(), "1".into()],
            negative: vec![],
        }
    }

    #[test]
    fn rows_are_read_and_bad_ones_counted_with_the_reason() {
        let mut file = b"id,text,label\n1,\"a, quoted text\",sexist\n2,plain,not sexist\n3,short\n4,\"bad \xff bytes\",1\n5,more,SEXIST\n".to_vec();
        file.extend_from_slice(b"6,\"unterminated,1\n");
        let set = read_labelled(file.as_slice(), &columns()).unwrap();
        let texts: Vec<(&str, bool)> = set
            .texts
            .iter()
            .map(|t| (t.text.as_str(), t.positive))
            .collect();
        assert_eq!(
            texts,
            vec![("a, quoted text", true), ("plain", false), ("more", true)]
        );
        assert_eq!(set.texts[2].line, 6);
        let reasons: Vec<(u64, &str)> = set
            .skipped
            .iter()
            .map(|s| (s.line, s.reason.as_str()))
            .collect();
        assert_eq!(reasons[0], (4, "the row is missing a column"));
        assert_eq!(reasons[1], (5, "the text or label is not UTF-8"));
        // The unterminated quote runs to the end of the file: one field, so a column is missing.
        assert_eq!(reasons[2], (7, "the row is missing a column"));
        assert_eq!(set.skipped_count, 3);
    }

    #[test]
    fn lines_are_those_the_rows_start_on_whatever_the_line_endings() {
        // Windows line endings (as spreadsheets and Python's csv module write), a quoted text
        // over two lines, and a blank line between rows.
        for newline in ["\n", "\r\n", "\r"] {
            let file = [
                "text,label",
                "first,1",
                "\"two",
                "lines\",0",
                "",
                "third,1",
                "fourth,0",
            ]
            .join(newline);
            let set = read_labelled(file.as_bytes(), &columns()).unwrap();
            let lines: Vec<(u64, &str)> = set
                .texts
                .iter()
                .map(|t| (t.line, t.text.as_str()))
                .collect();
            let two_lines = format!("two{newline}lines");
            assert_eq!(
                lines,
                vec![
                    (2, "first"),
                    (3, two_lines.as_str()),
                    (6, "third"),
                    (7, "fourth")
                ],
                "line endings {newline:?}"
            );
        }
    }

    #[test]
    fn labels_outside_both_lists_are_skipped_when_negatives_are_named() {
        let columns = Columns {
            negative: vec!["0".into()],
            ..columns()
        };
        let set = read_labelled(&b"text,label\na,1\nb,0\nc,2\n"[..], &columns).unwrap();
        assert_eq!(set.texts.len(), 2);
        assert_eq!(set.skipped_count, 1);
        assert_eq!(
            set.skipped[0].reason,
            "label \"2\" is neither positive nor negative"
        );
    }

    #[test]
    fn a_missing_column_is_an_error_naming_the_columns() {
        let error = read_labelled(&b"body,class\nx,1\n"[..], &columns()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("no column \"text\""), "{message}");
        assert!(message.contains("body, class"), "{message}");
    }

    #[test]
    fn reading_stops_at_the_row_and_byte_limits_and_says_so() {
        let file = b"text,label\naaaa,1\nbbbb,0\ncccc,1\n";
        let all = read_labelled_within(&file[..], &columns(), 10, 100).unwrap();
        assert_eq!((all.texts.len(), all.truncated), (3, false));
        let rows = read_labelled_within(&file[..], &columns(), 2, 100).unwrap();
        assert_eq!((rows.texts.len(), rows.truncated), (2, true));
        let bytes = read_labelled_within(&file[..], &columns(), 10, 5).unwrap();
        assert_eq!((bytes.texts.len(), bytes.truncated), (2, true));
    }

    #[test]
    fn long_texts_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_TEXT_BYTES);
        let file = format!("text,label\n{long},1\n");
        let set = read_labelled(file.as_bytes(), &columns()).unwrap();
        assert_eq!(set.cut, 1);
        assert!(set.texts[0].text.len() <= MAX_TEXT_BYTES);
        assert!(set.texts[0].text.len() > MAX_TEXT_BYTES - 2);
    }

    #[test]
    fn scores_follow_the_counts() {
        let mut c = Confusion::default();
        for (positive, flagged, n) in [
            (true, true, 6),
            (false, true, 2),
            (true, false, 4),
            (false, false, 88),
        ] {
            for _ in 0..n {
                c.add(positive, flagged);
            }
        }
        assert!((c.precision() - 0.75).abs() < 1e-12);
        assert!((c.recall() - 0.6).abs() < 1e-12);
        assert!((c.f1() - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        assert!((c.false_positive_rate() - 2.0 / 90.0).abs() < 1e-12);
        assert_eq!(Confusion::default().f1(), 0.0);
        // 88 true negatives, 4 false negatives, 2 false positives: 176 / 182.
        assert!((c.negative_f1() - 176.0 / 182.0).abs() < 1e-12);
        assert!((c.macro_f1() - (c.f1() + 176.0 / 182.0) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn targets_parse_and_flag_by_category() {
        assert_eq!("any".parse::<Target>(), Ok(Target::Any));
        assert_eq!(
            "misogynistic".parse::<Target>(),
            Ok(Target::Category(Category::Misogynistic))
        );
        assert!(
            "sexism"
                .parse::<Target>()
                .unwrap_err()
                .contains("misogynistic")
        );
        let scanner = Scanner::with_defaults().unwrap();
        let texts = vec![
            Labelled {
                line: 2,
                text: "Morning all, the rota for next week is attached.".into(),
                positive: false,
            },
            Labelled {
                line: 3,
                text:
                    "Women are too emotional to be in charge, she should get back in the kitchen."
                        .into(),
                positive: true,
            },
            Labelled {
                line: 4,
                text: "I will kill you, you worthless idiot.".into(),
                positive: false,
            },
        ];
        let misogyny = evaluate(
            &scanner,
            &texts,
            &"misogynistic".parse().unwrap(),
            Level::Low,
        );
        assert_eq!(
            misogyny.confusion,
            Confusion {
                true_positives: 1,
                false_positives: 0,
                false_negatives: 0,
                true_negatives: 2,
            }
        );
        // Counted as abuse of any kind, the threat is a false positive against these labels.
        let any = evaluate(&scanner, &texts, &Target::Any, Level::Low);
        assert_eq!(any.confusion.false_positives, 1);
        assert_eq!(any.false_positive_lines, vec![4]);
        assert!(
            any.by_category.contains_key("threat"),
            "{:?}",
            any.by_category
        );
    }
}
