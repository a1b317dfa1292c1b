//! Telling a file's format from its first bytes (and, failing that, its name).

use std::path::Path;

use probity_model::Format;

/// How many leading bytes [`detect`] wants to see.
pub const HEAD_LEN: usize = 8192;

/// The formats a file can be read as.
pub const FILE_FORMATS: [Format; 9] = [
    Format::Ndjson,
    Format::Csv,
    Format::Syslog,
    Format::Evtx,
    Format::Eml,
    Format::Mbox,
    Format::Teams,
    Format::Chat,
    Format::Sms,
];

const EVTX_MAGIC: &[u8] = b"ElfFile\0";
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// Whether the bytes start a gzip stream.
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(GZIP_MAGIC)
}

/// The format of a file whose first bytes are `head`, or `None` if it cannot be told.
///
/// Content decides first (EVTX magic, an mbox `From ` line, a WhatsApp chat export's first
/// message line, JSON — a Teams export or a chat message by its keys, else NDJSON —, a syslog
/// `<PRI>`, mail headers, a device message export's CSV header); then the name WhatsApp gives
/// its exports (`WhatsApp Chat with NAME.txt`), so that one that cannot be read is a device
/// export's dead letter rather than syslog; then the file extension; then a CSV shape (the same
/// number of separators on the first lines).
///
/// A WhatsApp export and a device message CSV are both [`Format::Sms`], device message exports;
/// [`crate::files`] tells them apart by the same tests.
pub fn detect(head: &[u8], path: &Path) -> Option<Format> {
    if head.starts_with(EVTX_MAGIC) {
        return Some(Format::Evtx);
    }
    if head.starts_with(b"From ") {
        return Some(Format::Mbox);
    }
    // Before JSON: an iPhone's export begins `[06/05/2024, 10:00:03]`.
    if crate::chat::looks_like_whatsapp(head) {
        return Some(Format::Sms);
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let first = text.iter().position(|b| !b.is_ascii_whitespace());
    let body = first.map(|at| &text[at..]).unwrap_or(&[]);
    if body.starts_with(b"{") || body.starts_with(b"[") {
        return Some(json_kind(body));
    }
    if looks_like_syslog(body) {
        return Some(Format::Syslog);
    }
    if looks_like_mail(text) {
        return Some(Format::Eml);
    }
    if looks_like_device_messages(text) || crate::chat::is_whatsapp_name(path) {
        return Some(Format::Sms);
    }
    if let Some(format) = by_extension(path) {
        return Some(format);
    }
    if looks_like_csv(text) {
        return Some(Format::Csv);
    }
    None
}

fn by_extension(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "evtx" => Some(Format::Evtx),
        "eml" | "msg822" => Some(Format::Eml),
        "mbox" | "mbx" => Some(Format::Mbox),
        "csv" | "tsv" => Some(Format::Csv),
        "json" | "ndjson" | "jsonl" => Some(Format::Ndjson),
        "log" | "syslog" | "txt" => Some(Format::Syslog),
        _ => None,
    }
}

/// Which JSON: a Teams export (Graph chatMessage keys), Probity's chat schema (its required
/// keys on the first line), or anything else as NDJSON.
fn json_kind(body: &[u8]) -> Format {
    let has = |key: &str| memchr::memmem::find(body, key.as_bytes()).is_some();
    let is_teams = has("\"createdDateTime\"")
        && has("\"body\"")
        && (has("\"chatId\"") || has("\"channelIdentity\"") || has("\"messageType\""));
    if is_teams {
        return Format::Teams;
    }
    let first_line = body.split(|b| *b == b'\n').next().unwrap_or(body);
    let line_has = |key: &str| memchr::memmem::find(first_line, key.as_bytes()).is_some();
    let is_chat = crate::chat::REQUIRED_FIELDS
        .iter()
        .all(|key| line_has(&format!("\"{key}\"")));
    if is_chat {
        return Format::Chat;
    }
    Format::Ndjson
}

/// A CSV header naming a device message export's columns (see [`crate::chat::SMS_COLUMNS`]), on
/// the first line or below a title or two (a Cellebrite report's `Chats (2)`). A header with a
/// body and a sender, recipient or list of parties is enough: a file that has them but lacks
/// another column a device export needs is read as one, and becomes its dead letter.
fn looks_like_device_messages(text: &[u8]) -> bool {
    for line in text.split(|b| *b == b'\n').take(3) {
        let line = String::from_utf8_lossy(line);
        if crate::chat::is_device_header(&line) {
            return true;
        }
        if !crate::chat::is_title_line(&line) {
            return false;
        }
    }
    false
}

/// `<PRI>` with 1-3 digits.
fn looks_like_syslog(body: &[u8]) -> bool {
    let Some(rest) = body.strip_prefix(b"<") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=3).contains(&digits) && rest.get(digits) == Some(&b'>')
}

const MAIL_HEADERS: [&str; 10] = [
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "delivered-to",
    "content-type",
];

/// At least two header lines (`Name: value`) at the start, one of them a mail header.
fn looks_like_mail(text: &[u8]) -> bool {
    let mut headers = 0;
    let mut mail_headers = 0;
    for line in text.split(|b| *b == b'\n').take(40) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            continue; // a folded continuation
        }
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            return false;
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-') {
            return false;
        }
        headers += 1;
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        if MAIL_HEADERS.contains(&name.as_str()) {
            mail_headers += 1;
        }
    }
    headers >= 2 && mail_headers >= 1
}

/// Two or more lines with the same non-zero count of one separator.
fn looks_like_csv(text: &[u8]) -> bool {
    let lines: Vec<&[u8]> = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .take(5)
        .collect();
    if lines.len() < 2 {
        return false;
    }
    // The last line of a head may be cut short.
    let whole = &lines[..lines.len() - 1];
    [b',', b';', b'\t', b'|'].iter().any(|sep| {
        let count = |line: &[u8]| line.iter().filter(|b| *b == sep).count();
        let first = count(lines[0]);
        first > 0 && whole.iter().all(|l| count(l) == first)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_of(head: &[u8], name: &str) -> Option<Format> {
        detect(head, Path::new(name))
    }

    #[test]
    fn content_first_then_name() {
        assert_eq!(format_of(b"ElfFile\0rest", "x.log"), Some(Format::Evtx));
        assert_eq!(format_of(b"From a@b Mon Jan 1", "x"), Some(Format::Mbox));
        assert_eq!(
            format_of(b"\xef\xbb\xbf  {\"a\":1}", "x.csv"),
            Some(Format::Ndjson)
        );
        assert_eq!(format_of(b"[{}]", "x"), Some(Format::Ndjson));
        assert_eq!(
            format_of(b"<34>Oct 11 22:14:15 host su: x", "x"),
            Some(Format::Syslog)
        );
        assert_eq!(
            format_of(
                b"Received: from x\r\n\tby y\r\nFrom: a@b\r\nSubject: hi\r\n\r\nbody",
                "x"
            ),
            Some(Format::Eml)
        );
        assert_eq!(
            format_of(b"a,b,c\n1,2,3\n4,5,6\n", "export"),
            Some(Format::Csv)
        );
        assert_eq!(format_of(b"some words", "notes.txt"), Some(Format::Syslog));
        assert_eq!(
            format_of(
                b"{\"value\":[{\"id\":\"1\",\"messageType\":\"message\",\"createdDateTime\":\"2024-01-01T00:00:00Z\",\"body\":{}}]}",
                "export.json"
            ),
            Some(Format::Teams)
        );
        assert_eq!(
            format_of(
                b"{\"timestamp\":\"2024-01-01T00:00:00Z\",\"platform\":\"signal\",\"conversation_id\":\"c\",\"sender\":\"a\"}\n",
                "x.ndjson"
            ),
            Some(Format::Chat)
        );
        assert_eq!(
            format_of(
                b"Timestamp,Direction,From,To,Body,Application\n2024-01-01T00:00:00Z,Outgoing,a,b,hi,SMS\n",
                "messages.csv"
            ),
            Some(Format::Sms)
        );
        // The required columns alone (no direction or application) are a device export too.
        assert_eq!(
            format_of(
                b"Timestamp,From,To,To Name,Body\n2024-05-01T10:00:00Z,+447700900123,+447700900111,OH,hi\n",
                "sms_nodir.csv"
            ),
            Some(Format::Sms)
        );
        // Without a sender or recipient it is ordinary CSV.
        assert_eq!(
            format_of(
                b"timestamp,host,message\n2024-05-01T10:00:00Z,ws1,ok\n",
                "log.csv"
            ),
            Some(Format::Csv)
        );
        assert_eq!(
            format_of(b"{\"timestamp\":\"x\",\"body\":\"y\"}", "x.json"),
            Some(Format::Ndjson)
        );
        assert_eq!(format_of(b"some words", "notes"), None);
        assert_eq!(format_of(b"", "empty"), None);
    }

    #[test]
    fn device_exports_by_content_and_name() {
        // WhatsApp's export, by its first message line, whatever the file is called: an
        // iPhone's begins with `[`, which is not JSON.
        for (head, name) in [
            (
                &b"06/05/2024, 10:00 - Alan Smith: hi\n06/05/2024, 10:01 - Karen: ok\n"[..],
                "notes.txt",
            ),
            (
                &b"\xef\xbb\xbf[06/05/2024, 10:02:03] Alan Smith: hi\n"[..],
                "export.json",
            ),
            (&b"\n\n5/6/24, 10:00 PM - Alan: hi\n"[..], "chat.log"),
        ] {
            assert_eq!(format_of(head, name), Some(Format::Sms), "{name}");
        }
        // By its name alone: one that cannot be read is then a device export's dead letter.
        assert_eq!(
            format_of(b"some words", "WhatsApp Chat with Karen.txt"),
            Some(Format::Sms)
        );
        assert_eq!(format_of(b"some words", "_chat.txt"), Some(Format::Sms));
        // A Cellebrite report, below its title row, and one that lacks a time.
        assert_eq!(
            format_of(
                b"#,Chat #,Instant Message #,Direction,Timestamp: Date,Timestamp: Time,From,To,Participants,Body,Status,Source\n1,1,1,Outgoing,06/05/2024,10:00:00(UTC+0),447700900001 Alan,447700912345 Karen,,hi,Sent,WhatsApp\n",
                "i35.csv"
            ),
            Some(Format::Sms)
        );
        assert_eq!(
            format_of(
                b"Chats (2),,,,\nChat #,Timestamp: Date,Timestamp: Time,From,Body\n",
                "report.csv"
            ),
            Some(Format::Sms)
        );
        assert_eq!(
            format_of(b"From,To,Message\na,b,c\n", "x.csv"),
            Some(Format::Sms)
        );
        // Ordinary logs are not.
        assert_eq!(
            format_of(b"06/05/2024 10:00:00 host sshd[1]: ok\n", "auth.log"),
            Some(Format::Syslog)
        );
        assert_eq!(
            format_of(b"title\ntimestamp,host,message\n1,2,3\n", "x.csv"),
            Some(Format::Csv)
        );
    }
}
