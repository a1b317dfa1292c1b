//! Syslog: RFC 5424 and RFC 3164 (BSD) messages, read one per line from a file or one per frame
//! from a TCP connection (RFC 6587 framing), onto the event model.
//!
//! Three readings are tried in turn by [`parse_lenient`]: strict RFC 5424 (the ABNF exactly), a
//! relaxed RFC 5424 that forgives what real senders get wrong (long fractions, over-long fields,
//! bad escapes), and RFC 3164 with the forms rsyslog and network devices emit. Whatever none of
//! them reads is still kept, whole, as the message of an [`Protocol::Unparsed`] event: a syslog
//! line is never lost.
//!
//! RFC 3164 timestamps carry no year and no zone: the year is taken from the receive time (so that
//! a December message received in January lands in the right year) and the time is read as UTC.

mod cursor;
mod event;
mod frame;
mod rfc3164;
mod rfc5424;

use std::fmt;

use probity_model::Timestamp;

pub use event::{decode_lines, decode_message, frame_dead_letter, to_event};
pub use frame::{FrameDecoder, FrameError};
pub use rfc3164::parse_rfc3164;
pub use rfc5424::parse_rfc5424_strict;

/// Which grammar a message was read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// RFC 5424, strictly or with the relaxations of [`parse_lenient`].
    Rfc5424,
    /// RFC 3164 (BSD syslog) and its common variants.
    Rfc3164,
    /// Neither: the whole text is the message.
    Unparsed,
}

impl Protocol {
    /// The name used in `original.protocol`: `rfc5424`, `rfc3164` or `unparsed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Rfc5424 => "rfc5424",
            Protocol::Rfc3164 => "rfc3164",
            Protocol::Unparsed => "unparsed",
        }
    }
}

/// One RFC 5424 SD-ELEMENT: `[id param="value" …]`, with escapes resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdElement {
    /// The SD-ID (`exampleSDID@32473`, `meta`).
    pub id: String,
    /// PARAM-NAME and PARAM-VALUE pairs in the order written.
    pub params: Vec<(String, String)>,
}

/// A syslog message as read, before it becomes an event. Absent and NILVALUE (`-`) fields are
/// `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyslogMessage {
    pub protocol: Protocol,
    pub facility: Option<u8>,
    pub severity: Option<u8>,
    pub version: Option<u16>,
    pub timestamp: Option<Timestamp>,
    pub hostname: Option<String>,
    pub app_name: Option<String>,
    pub proc_id: Option<String>,
    pub msg_id: Option<String>,
    pub structured_data: Vec<SdElement>,
    pub message: Option<String>,
}

impl SyslogMessage {
    /// A message of `protocol` with every field absent.
    pub fn empty(protocol: Protocol) -> Self {
        Self {
            protocol,
            facility: None,
            severity: None,
            version: None,
            timestamp: None,
            hostname: None,
            app_name: None,
            proc_id: None,
            msg_id: None,
            structured_data: Vec::new(),
            message: None,
        }
    }

    /// Text no grammar could read, kept whole (invalid UTF-8 replaced) as the message.
    pub fn unparsed(text: &[u8]) -> Self {
        Self {
            message: message_text(text),
            ..Self::empty(Protocol::Unparsed)
        }
    }

    fn set_pri(&mut self, pri: u8) {
        self.facility = Some(pri / 8);
        self.severity = Some(pri % 8);
    }
}

/// Why a strict parser rejected its input: the byte offset where reading stopped and what was
/// wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset into the input where the problem is.
    pub offset: usize,
    /// What is wrong there, in words.
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// Reads any syslog message and never fails: strict RFC 5424, else relaxed RFC 5424, else
/// RFC 3164, else [`Protocol::Unparsed`] with the whole text as the message. Trailing line ends
/// (`\n`, `\r`, NUL) left by the transport are not part of the message.
pub fn parse_lenient(input: &[u8], received: Timestamp) -> SyslogMessage {
    let input = trim_line_end(input);
    if let Ok(message) = parse_rfc5424_strict(input) {
        return message;
    }
    if let Some(message) = rfc5424::parse_relaxed(input) {
        return message;
    }
    if let Ok(message) = parse_rfc3164(input, received) {
        return message;
    }
    SyslogMessage::unparsed(input)
}

fn trim_line_end(mut input: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r' | 0] = input {
        input = rest;
    }
    input
}

/// The message text: invalid UTF-8 replaced, empty as `None`.
fn message_text(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    Some(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn received() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    #[test]
    fn lenient_prefers_strict_then_relaxed_then_bsd() {
        let strict = parse_lenient(
            b"<34>1 2003-10-11T22:14:15.003Z host su - ID47 - hi\n",
            received(),
        );
        assert_eq!(strict.protocol, Protocol::Rfc5424);
        assert_eq!(strict.message.as_deref(), Some("hi"));

        let relaxed = parse_lenient(
            b"<34>1 2003-10-11T22:14:15.003000001Z host su - ID47 - hi",
            received(),
        );
        assert_eq!(relaxed.protocol, Protocol::Rfc5424);
        assert_eq!(relaxed.hostname.as_deref(), Some("host"));

        let bsd = parse_lenient(b"<34>Oct 11 22:14:15 host su: hi", received());
        assert_eq!(bsd.protocol, Protocol::Rfc3164);

        let neither = parse_lenient(b"just some text\r\n", received());
        assert_eq!(neither.protocol, Protocol::Unparsed);
        assert_eq!(neither.message.as_deref(), Some("just some text"));
    }

    #[test]
    fn invalid_utf8_is_replaced_not_lost() {
        let message = parse_lenient(b"plain \xff text", received());
        assert_eq!(message.message.as_deref(), Some("plain \u{fffd} text"));
    }
}
