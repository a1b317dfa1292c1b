//! Running one input the way `probity ingest` does — written to a file, the format told from
//! its content and name (`files::decode_file`), each event through `CommsStage::apply`, each
//! dead letter through `CommsStage::guard_dead_letter` — and judging what happened.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;

use probity_comms::{CommsStage, Outcome};
use probity_ingest::Sink;
use probity_ingest::csv::RowReader;
use probity_ingest::files::{FileOptions, decode_file};
use probity_model::{DeadLetter, Event, Format};

/// Seconds of CPU a mutant may take per MB of input before it is a hang finding.
pub const CPU_SECONDS_PER_MB: f64 = 2.0;
/// Seconds of CPU any mutant may take (however small) before it is a hang finding.
pub const CPU_SECONDS_FIXED: f64 = 0.5;
/// Seconds of CPU allowed for each event or dead letter made (a 2-byte line can be a message).
pub const CPU_SECONDS_PER_RECORD: f64 = 20e-6;
/// Peak resident memory a mutant may add, as a multiple of its size…
pub const MEMORY_FACTOR: u64 = 50;
/// …plus this (the decoders' own buffers and limits: a 64 MiB decompression budget among them).
pub const MEMORY_FIXED: u64 = 96 * 1024 * 1024;

/// What one run of an input found wrong.
#[derive(Debug, Clone)]
pub struct Finding {
    /// `panic`, `hang`, `memory`, `loss` (an input or mailbox message with no event and no dead
    /// letter) or `text-loss` (a planted line in no event's text and no dead letter).
    pub kind: &'static str,
    pub reason: String,
}

/// What one run of an input did.
#[derive(Debug)]
pub struct Report {
    /// A digest of what the decoder and the stage did (format, outcomes, labels, dead-letter
    /// reasons without numbers): a new digest makes the mutant worth keeping in the corpus.
    pub features: u64,
    pub cpu_seconds: f64,
    pub memory_growth: u64,
    pub events: usize,
    pub dead_letters: usize,
    pub findings: Vec<Finding>,
}

static PANIC_MESSAGE: Mutex<Option<String>> = Mutex::new(None);

/// Keeps panic messages for the finding instead of printing them.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Ok(mut slot) = PANIC_MESSAGE.lock() {
            *slot = Some(format!("{payload} at {location}"));
        }
    }));
}

/// CPU time this thread has run, in seconds (`/proc/thread-self/schedstat`, Linux).
pub fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |nanos| nanos as f64 / 1e9)
}

/// A `/proc/self/status` field in bytes (`VmRSS`, `VmHWM`).
pub fn status_bytes(field: &str) -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    text.lines()
        .find_map(|line| {
            let rest = line.strip_prefix(field)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Resets the process's peak resident size (`VmHWM`) to its current size.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Runs `bytes`, named `name`, through decode and stage in `work` (a scratch folder).
///
/// With `canary`, the input holds [`crate::mutate::CANARY`] in a plain-text body: unless some
/// event's subject, body or attachment text, or some dead letter's raw input or reason (a CSV
/// column's name), holds it, the text was lost without a word (a `text-loss` finding). Not where
/// an attachment's text was cut at its limit (its note says so), nor in a CSV that is a header
/// alone (the word is the header), nor where every planted word lies in the header row of what
/// was read as CSV (see [`in_csv_header`]).
pub fn run(stage: &CommsStage, work: &Path, name: &str, bytes: &[u8], canary: bool) -> Report {
    let file = work.join(name);
    let mut findings = Vec::new();
    if let Err(error) = std::fs::write(&file, bytes) {
        findings.push(Finding {
            kind: "harness",
            reason: format!("cannot write {}: {error}", file.display()),
        });
    }
    reset_peak();
    let rss_before = status_bytes("VmRSS");
    let cpu_before = thread_cpu_seconds();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut sink = StageSink::new(stage);
        let decoded = decode_file(&file, &FileOptions::default(), &mut sink);
        let stage_cpu = sink.stage_cpu;
        (decoded, sink, stage_cpu)
    }));
    let cpu = thread_cpu_seconds() - cpu_before;
    let growth = status_bytes("VmHWM").saturating_sub(rss_before);
    let mut events = 0;
    let mut dead_letters = 0;
    match result {
        Err(_) => {
            let message = PANIC_MESSAGE
                .lock()
                .ok()
                .and_then(|mut slot| slot.take())
                .unwrap_or_else(|| "a panic with no message".into());
            findings.push(Finding {
                kind: "panic",
                reason: message,
            });
        }
        Ok((decoded, sink, stage_cpu)) => {
            events = sink.events;
            dead_letters = sink.dead_letters;
            match &decoded {
                Ok(format) => {
                    format!("{format:?}").hash(&mut hasher);
                    if events + dead_letters == 0 && !header_only(*format, bytes) {
                        findings.push(Finding {
                            kind: "loss",
                            reason: format!(
                                "read as {format:?} without error, but gave no event and no dead letter"
                            ),
                        });
                    }
                }
                // The caller keeps a file it cannot decode as a dead letter of its own.
                Err(error) => shape(&error.to_string()).hash(&mut hasher),
            }
            // A CSV header with no rows is nothing to lose, though the word was planted in it;
            // nor is a word that is a column's name in a CSV's header row; nor is text past an
            // attachment's text limit, which its note says was cut.
            let excused = decoded.as_ref().is_ok_and(|format| {
                header_only(*format, bytes)
                    || (*format == Format::Csv && in_csv_header(bytes, sink.first_row_line))
            }) || sink.text_cut;
            if canary && decoded.is_ok() && !sink.canary_seen && !excused {
                findings.push(Finding {
                    kind: "text-loss",
                    reason: format!(
                        "a line planted in a plain-text body is in no event's text and no dead letter ({events} events, {dead_letters} dead letters; first event: {})",
                        sink.first_event
                    ),
                });
            }
            if let Some(gap) = mbox_gap(&sink.mbox_messages) {
                findings.push(Finding {
                    kind: "loss",
                    reason: gap,
                });
            }
            sink.features.hash(&mut hasher);
            let megabytes = bytes.len() as f64 / 1e6;
            let allowed = CPU_SECONDS_FIXED
                + CPU_SECONDS_PER_MB * megabytes
                + CPU_SECONDS_PER_RECORD * (events + dead_letters) as f64;
            if cpu > allowed {
                findings.push(Finding {
                    kind: "hang",
                    reason: format!(
                        "{cpu:.2} s of CPU ({:.2} s decoding, {stage_cpu:.2} s in the stage) for {} bytes (allowed {allowed:.2} s)",
                        cpu - stage_cpu,
                        bytes.len()
                    ),
                });
            }
        }
    }
    let allowed_memory = MEMORY_FIXED + MEMORY_FACTOR * bytes.len() as u64;
    if growth > allowed_memory {
        findings.push(Finding {
            kind: "memory",
            reason: format!(
                "peak resident memory grew {} MiB for {} bytes (allowed {} MiB)",
                growth >> 20,
                bytes.len(),
                allowed_memory >> 20
            ),
        });
    }
    let _ = std::fs::remove_file(&file);
    Report {
        features: hasher.finish(),
        cpu_seconds: cpu,
        memory_growth: growth,
        events,
        dead_letters,
        findings,
    }
}

fn outcome_name(outcome: &Outcome) -> String {
    match outcome {
        Outcome::NotAMessage => "not a message".into(),
        Outcome::Excluded { class, .. } => format!("excluded {class}"),
        Outcome::Sealed { reason } => format!("sealed {reason:?}"),
        Outcome::Withheld => "withheld".into(),
        Outcome::NameOnly { class, .. } => format!("name only {class}"),
        Outcome::Scanned(alerts) => {
            let rules: BTreeSet<&str> = alerts.iter().map(|a| a.rule.id.as_str()).collect();
            format!("scanned {rules:?}")
        }
    }
}

/// A reason with its numbers taken out, so that findings and features group by kind.
pub fn shape(reason: &str) -> String {
    reason
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .take(240)
        .collect()
}

/// An event's shape: whether it has a body, its attachments' types and notes, its labels.
fn describe(event: &Event) -> String {
    let Some(email) = &event.email else {
        return "not a message".into();
    };
    let attachments: Vec<String> = email
        .attachments
        .iter()
        .take(4)
        .map(|a| {
            let mime = a.file.mime_type.clone().unwrap_or_default();
            let note: String = a
                .extraction
                .clone()
                .unwrap_or_default()
                .chars()
                .take(40)
                .collect();
            format!("{mime} {note}")
        })
        .collect();
    let labels: Vec<&str> = event.labels.keys().map(String::as_str).collect();
    format!(
        "body {}, attachments {attachments:?}, labels {labels:?}",
        if email.body.is_some() { "yes" } else { "no" }
    )
}

/// What an attachment's note says when its text was cut at the attachment text limit
/// (`text cut at the 1048576 byte limit`): text past it is not lost without a word.
const TEXT_CUT_NOTE: &str = "text cut at the ";

/// Whether `bytes` hold [`crate::mutate::CANARY`].
pub fn holds_canary(bytes: &[u8]) -> bool {
    bytes
        .windows(crate::mutate::CANARY.len())
        .any(|window| window == crate::mutate::CANARY)
}

/// The mailbox message number in a location (`message N (byte offset X)`).
fn mbox_index(location: Option<&String>) -> Option<u64> {
    let rest = location?.strip_prefix("message ")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// A mailbox message with neither an event nor a dead letter, between the first and the last
/// that have one.
fn mbox_gap(seen: &BTreeSet<u64>) -> Option<String> {
    let first = *seen.first()?;
    let last = *seen.last()?;
    let missing: Vec<u64> = (first..=last)
        .filter(|n| !seen.contains(n))
        .take(5)
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(format!(
        "mailbox messages {missing:?} gave no event and no dead letter (messages {first} to {last} seen)"
    ))
}

/// A CSV of at most one line, or a device CSV export of at most three (a title or two above the
/// header): a header with no rows, which is nothing to lose.
fn header_only(format: Format, bytes: &[u8]) -> bool {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return true;
    }
    let lines = bytes
        .split(|b| *b == b'\n')
        .filter(|line| !line.trim_ascii().is_empty())
        .count();
    match format {
        Format::Csv => lines <= 1,
        Format::Sms => lines <= 3,
        _ => false,
    }
}

/// Whether every planted word of `bytes`, read as a generic CSV whose first row (event or dead
/// letter) starts on line `first_row_line`, lies in its header row: the word is then a column's
/// name, not text of a body (comms fuzzer s47 522136df09856f3f: planted after a blank line in a
/// quoted field of the first record; every row then failed against that header and went to dead
/// letter with its own bytes, and the header is in none of them). The decoder reads the first
/// record as the header and gives each later record, from the first row's line on, an event or a
/// dead letter; blank lines between records are skipped, and a planted word's line is not blank,
/// so a word on a line before the first row's is in the header. That the lines before the first
/// row are one record is checked too, with `csv_core` as the decoder reads records, under one of
/// the delimiters the decoder chooses from: were rows lost without a word, the first row seen
/// would start later than the record after the header, and the word in a lost row would not be
/// excused.
fn in_csv_header(bytes: &[u8], first_row_line: Option<u64>) -> bool {
    let line_of = |at: usize| 1 + bytes[..at].iter().filter(|b| **b == b'\n').count() as u64;
    let word = crate::mutate::CANARY;
    // Every place the word is, on a line of its own or not.
    let Some(last) = bytes.windows(word.len()).rposition(|window| window == word) else {
        return false;
    };
    // No row at all: a header over several lines with nothing after it is an error, not a
    // finding; a header alone on one line is excused as such.
    let Some(first_row_line) = first_row_line else {
        return false;
    };
    if line_of(last) >= first_row_line {
        return false;
    }
    [b',', b';', b'\t', b'|'].into_iter().any(|delimiter| {
        let mut rows = RowReader::new(bytes, delimiter, usize::MAX);
        matches!(rows.next_row(), Ok(Some(_)))
            && matches!(rows.next_row(), Ok(Some(row)) if row.line == first_row_line)
    })
}

/// Where decoded events and dead letters go: each through the stage at once, as the ingest
/// sinks do, then dropped (only counts and a digest of what happened are kept), so that memory
/// measures the decoder and the stage rather than a batch of results.
struct StageSink<'a> {
    stage: &'a CommsStage,
    events: usize,
    dead_letters: usize,
    mbox_messages: BTreeSet<u64>,
    /// Outcomes, labels, tags and dead-letter reasons (numbers left out), each once.
    features: BTreeSet<String>,
    /// Seconds spent in the stage (wall time).
    stage_cpu: f64,
    /// Whether the planted word was seen in an event's text or a dead letter's raw input.
    canary_seen: bool,
    /// What the first event held (for telling the causes of lost text apart).
    first_event: String,
    /// Whether an attachment's text was cut at its limit, as its note says.
    text_cut: bool,
    /// The first line any event or dead letter came from (`line N`: a CSV row's).
    first_row_line: Option<u64>,
}

impl<'a> StageSink<'a> {
    fn new(stage: &'a CommsStage) -> Self {
        Self {
            stage,
            events: 0,
            dead_letters: 0,
            mbox_messages: BTreeSet::new(),
            features: BTreeSet::new(),
            stage_cpu: 0.0,
            canary_seen: false,
            first_event: String::new(),
            text_cut: false,
            first_row_line: None,
        }
    }
}

impl StageSink<'_> {
    /// Keeps the first line a record came from, where its location is `line N`.
    fn see_line(&mut self, location: Option<&String>) {
        let line = location
            .and_then(|location| location.strip_prefix("line "))
            .and_then(|rest| rest.parse::<u64>().ok());
        if let Some(line) = line {
            self.first_row_line = Some(self.first_row_line.map_or(line, |first| first.min(line)));
        }
    }
}

impl Sink for StageSink<'_> {
    fn event(&mut self, mut event: Event) -> probity_ingest::Result<()> {
        self.events += 1;
        if let Some(index) = mbox_index(event.provenance.location.as_ref()) {
            self.mbox_messages.insert(index);
        }
        self.see_line(event.provenance.location.as_ref());
        // Wall time (a clock read costs nanoseconds; the thread's CPU time, a file read per event,
        // made the harness the slowest part of an input of many short rows).
        if self.events == 1 {
            self.first_event = describe(&event);
        }
        if let Some(email) = &event.email {
            self.text_cut |= email.attachments.iter().any(|a| {
                a.extraction
                    .as_deref()
                    .is_some_and(|note| note.contains(TEXT_CUT_NOTE))
            });
        }
        if !self.canary_seen {
            // A mutant read as another format (syslog, NDJSON, CSV) keeps its text in the event's
            // message or original fields; so does one read as a chat export (a device CSV,
            // Teams, chat JSON), whose record's every field is in `original` beside the message
            // it gives (comms fuzzer s53 640a13fa9bcfb74e: a quote left open in a device CSV's
            // row ran to the end of the file, the word in a column that is not the body). A
            // mail's `original` holds header fields only: its text is looked for in its text.
            let mail = matches!(event.provenance.format, Format::Eml | Format::Mbox);
            let in_email = event.email.as_ref().is_some_and(|email| {
                email
                    .subject
                    .iter()
                    .chain(email.body.iter())
                    .chain(email.attachments.iter().filter_map(|a| a.text.as_ref()))
                    .any(|t| holds_canary(t.as_bytes()))
            });
            let in_record = (event.email.is_none() || !mail)
                && (event
                    .message
                    .as_ref()
                    .is_some_and(|m| holds_canary(m.as_bytes()))
                    || serde_json::to_vec(&event.original).is_ok_and(|json| holds_canary(&json)));
            self.canary_seen = in_email || in_record;
        }
        // The thread's CPU, as the whole run is measured: wall time counted the machine's load
        // (a hang reported as -2.39 s decoding and 3.52 s in the stage of 1.13 s of CPU).
        let started = thread_cpu_seconds();
        let outcome = self.stage.apply(&mut event);
        self.stage_cpu += thread_cpu_seconds() - started;
        if self.features.len() < 256 {
            self.features.insert(outcome_name(&outcome));
            self.features.extend(event.labels.keys().cloned());
            self.features.extend(event.tags.iter().cloned());
        }
        Ok(())
    }

    fn reject(&mut self, mut letter: DeadLetter) -> probity_ingest::Result<()> {
        self.dead_letters += 1;
        if let Some(index) = mbox_index(letter.location.as_ref()) {
            self.mbox_messages.insert(index);
        }
        self.see_line(letter.location.as_ref());
        // A word that became a CSV column's name is in the reason of a row that failed.
        self.canary_seen |= holds_canary(&letter.raw) || holds_canary(letter.reason.as_bytes());
        let outcome = self.stage.guard_dead_letter(&mut letter);
        if self.features.len() < 256 {
            self.features
                .insert(format!("{outcome:?}").chars().take(24).collect());
            self.features.insert(shape(&letter.reason));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_losses(name: &str, bytes: &[u8]) -> usize {
        let data = tempfile::tempdir().unwrap();
        let stage = CommsStage::open_policies(data.path()).unwrap();
        let work = tempfile::tempdir().unwrap();
        run(&stage, work.path(), name, bytes, true)
            .findings
            .iter()
            .filter(|finding| finding.kind == "text-loss")
            .count()
    }

    /// A word in a field of a device CSV export's row that is not its body (a quote left open
    /// there runs to the end of the file) is kept in the event's `original`, as every field is:
    /// not text-loss (comms fuzzer s53 640a13fa9bcfb74e). Nor is a mail's `original`, its header
    /// fields, where a word in a lost body is looked for.
    #[test]
    fn a_word_in_a_chat_records_other_fields_is_not_text_loss() {
        let open_quote = b"Timestamp,From,To,Body,Note\n2024-05-06T10:00:00Z,07700 900456,07700 900789,see you,\"open\n\nzqxcanaryword\nmore\n";
        assert_eq!(text_losses("messages.csv", open_quote), 0);
    }

    /// A word in a CSV's header row is a column's name: no text-loss when every row fails
    /// against that header (comms fuzzer s47 522136df09856f3f: the word in a quoted field of the
    /// first record, over three lines). A word in a row, or after rows, is still looked for.
    #[test]
    fn a_word_in_a_csv_header_row_is_not_text_loss() {
        let header = b"Chats (1),\"y\n\nzqxcanaryword\n\",,,\n#,Chat #,Direction,Timestamp: Date,Timestamp: Time,From,To,Participants,Body,Source\n";
        assert_eq!(text_losses("report.csv", header), 0);
        // A word on a line of its own as a row: read (a dead letter of one column).
        let row = b"a,b\n1,2\nzqxcanaryword\n3,4\n";
        assert_eq!(text_losses("report.csv", row), 0);
        // A word on a line of a row: not excused.
        assert!(!in_csv_header(b"a,b\n1,2\nzqxcanaryword\n", Some(2)));
        assert!(!in_csv_header(b"a,zqxcanaryword\n", None));
        // The first row seen starts after the record that follows the header (rows lost
        // between): not excused.
        assert!(!in_csv_header(b"a,zqxcanaryword\n1,2\n3,4\n", Some(3)));
        assert!(in_csv_header(b"a,zqxcanaryword\n1,2\n3,4\n", Some(2)));
    }
}
