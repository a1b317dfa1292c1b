//! RFC 5424: the strict grammar, and a relaxed reading for what real senders get wrong.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use probity_model::Timestamp;

use super::cursor::{Cursor, digits_value, lenient_pri, lossy};
use super::{ParseError, Protocol, SdElement, SyslogMessage, message_text};

const BOM: &[u8] = b"\xEF\xBB\xBF";
const HOSTNAME_MAX: usize = 255;
const APP_NAME_MAX: usize = 48;
const PROCID_MAX: usize = 128;
const MSGID_MAX: usize = 32;
const SD_NAME_MAX: usize = 32;

/// Parses exactly the RFC 5424 grammar (section 6): PRI 0–191 without leading zeros, VERSION
/// 1–999, a full RFC 3339 timestamp with at most six fractional digits and an offset, header
/// fields of printable US-ASCII within their lengths, STRUCTURED-DATA with valid SD-NAMEs, only
/// `\"`, `\\` and `\]` escapes and no SD-ID twice, and a MSG that is valid UTF-8 when it starts
/// with a BOM.
pub fn parse_rfc5424_strict(input: &[u8]) -> Result<SyslogMessage, ParseError> {
    let mut cursor = Cursor::new(input);
    let mut message = SyslogMessage::empty(Protocol::Rfc5424);
    message.set_pri(strict_pri(&mut cursor)?);
    message.version = Some(strict_version(&mut cursor)?);
    cursor.expect(b' ', "expected a space after VERSION")?;
    message.timestamp = strict_timestamp(&mut cursor)?;
    cursor.expect(b' ', "expected a space after TIMESTAMP")?;
    message.hostname = strict_field(&mut cursor, HOSTNAME_MAX, "HOSTNAME")?;
    cursor.expect(b' ', "expected a space after HOSTNAME")?;
    message.app_name = strict_field(&mut cursor, APP_NAME_MAX, "APP-NAME")?;
    cursor.expect(b' ', "expected a space after APP-NAME")?;
    message.proc_id = strict_field(&mut cursor, PROCID_MAX, "PROCID")?;
    cursor.expect(b' ', "expected a space after PROCID")?;
    message.msg_id = strict_field(&mut cursor, MSGID_MAX, "MSGID")?;
    cursor.expect(b' ', "expected a space after MSGID")?;
    message.structured_data = strict_structured_data(&mut cursor)?;
    if cursor.at_end() {
        return Ok(message);
    }
    cursor.expect(b' ', "expected a space or the end after STRUCTURED-DATA")?;
    message.message = strict_msg(&cursor)?;
    Ok(message)
}

fn strict_pri(cursor: &mut Cursor<'_>) -> Result<u8, ParseError> {
    cursor.expect(b'<', "expected '<' to start PRI")?;
    let start = cursor.pos();
    let digits = cursor.take_while(|b| b.is_ascii_digit());
    if digits.is_empty() {
        return Err(cursor.error("PRI has no digits"));
    }
    if digits.len() > 3 {
        return Err(cursor.error_at(start, "PRI has more than 3 digits"));
    }
    if digits.len() > 1 && digits[0] == b'0' {
        return Err(cursor.error_at(start, "PRI has a leading zero"));
    }
    let value = digits_value(digits).unwrap_or(u32::MAX);
    let pri = u8::try_from(value)
        .ok()
        .filter(|&pri| pri <= 191)
        .ok_or_else(|| cursor.error_at(start, format!("PRI {value} is above 191")))?;
    cursor.expect(b'>', "expected '>' to end PRI")?;
    Ok(pri)
}

fn strict_version(cursor: &mut Cursor<'_>) -> Result<u16, ParseError> {
    let start = cursor.pos();
    let digits = cursor.take_while(|b| b.is_ascii_digit());
    if digits.is_empty() {
        return Err(cursor.error("VERSION is missing"));
    }
    if digits[0] == b'0' {
        return Err(cursor.error_at(start, "VERSION starts with 0"));
    }
    if digits.len() > 3 {
        return Err(cursor.error_at(start, "VERSION has more than 3 digits"));
    }
    let value = digits_value(digits).unwrap_or(u32::MAX);
    u16::try_from(value).map_err(|_| cursor.error_at(start, "VERSION is too large"))
}

/// Exactly `count` ASCII digits.
fn fixed_digits(cursor: &mut Cursor<'_>, count: usize, what: &str) -> Result<u32, ParseError> {
    let start = cursor.pos();
    let digits = cursor.rest().get(..count).unwrap_or(&[]);
    if digits.len() != count || !digits.iter().all(u8::is_ascii_digit) {
        return Err(cursor.error_at(start, format!("expected {count} digits of {what}")));
    }
    cursor.advance(count);
    Ok(digits_value(digits).unwrap_or(0))
}

fn in_range(
    cursor: &Cursor<'_>,
    at: usize,
    value: u32,
    max: u32,
    what: &str,
) -> Result<u32, ParseError> {
    if value > max {
        return Err(cursor.error_at(at, format!("{what} {value} is above {max}")));
    }
    Ok(value)
}

/// `-`, or FULL-DATE "T" FULL-TIME.
fn strict_timestamp(cursor: &mut Cursor<'_>) -> Result<Option<Timestamp>, ParseError> {
    if cursor.peek() == Some(b'-') {
        cursor.advance(1);
        return Ok(None);
    }
    let start = cursor.pos();
    let year = fixed_digits(cursor, 4, "the year")?;
    cursor.expect(b'-', "expected '-' after the year")?;
    let month = fixed_digits(cursor, 2, "the month")?;
    cursor.expect(b'-', "expected '-' after the month")?;
    let day = fixed_digits(cursor, 2, "the day")?;
    let date = i32::try_from(year)
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
        .ok_or_else(|| cursor.error_at(start, "the date does not exist"))?;
    cursor.expect(b'T', "expected 'T' between date and time")?;
    let time = strict_time(cursor)?;
    let offset = strict_offset(cursor)?;
    let local = NaiveDateTime::new(date, time);
    let instant = offset
        .from_local_datetime(&local)
        .single()
        .ok_or_else(|| cursor.error_at(start, "the time cannot be placed in UTC"))?;
    Ok(Some(instant.with_timezone(&Utc)))
}

/// TIME-HOUR ":" TIME-MINUTE ":" TIME-SECOND [TIME-SECFRAC].
fn strict_time(cursor: &mut Cursor<'_>) -> Result<NaiveTime, ParseError> {
    let at = cursor.pos();
    let hour = fixed_digits(cursor, 2, "the hour")?;
    let hour = in_range(cursor, at, hour, 23, "hour")?;
    cursor.expect(b':', "expected ':' after the hour")?;
    let at = cursor.pos();
    let minute = fixed_digits(cursor, 2, "the minute")?;
    let minute = in_range(cursor, at, minute, 59, "minute")?;
    cursor.expect(b':', "expected ':' after the minute")?;
    let at = cursor.pos();
    let second = fixed_digits(cursor, 2, "the second")?;
    let second = in_range(cursor, at, second, 59, "second")?;
    let mut micros = 0;
    if cursor.eat(b'.') {
        let at = cursor.pos();
        let fraction = cursor.take_while(|b| b.is_ascii_digit());
        if fraction.is_empty() {
            return Err(cursor.error("TIME-SECFRAC has no digits"));
        }
        if fraction.len() > 6 {
            return Err(cursor.error_at(at, "TIME-SECFRAC has more than 6 digits"));
        }
        let scale = 10u32.pow(6 - fraction.len() as u32);
        micros = digits_value(fraction).unwrap_or(0) * scale;
    }
    NaiveTime::from_hms_micro_opt(hour, minute, second, micros)
        .ok_or_else(|| cursor.error_at(at, "the time does not exist"))
}

/// "Z" or ("+" / "-") TIME-HOUR ":" TIME-MINUTE.
fn strict_offset(cursor: &mut Cursor<'_>) -> Result<FixedOffset, ParseError> {
    let sign = match cursor.peek() {
        Some(b'Z') => {
            cursor.advance(1);
            return FixedOffset::east_opt(0).ok_or_else(|| cursor.error("bad offset"));
        }
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(cursor.error("expected 'Z' or a numeric offset after the time")),
    };
    cursor.advance(1);
    let at = cursor.pos();
    let hours = fixed_digits(cursor, 2, "the offset hours")?;
    let hours = in_range(cursor, at, hours, 23, "offset hour")?;
    cursor.expect(b':', "expected ':' in the offset")?;
    let at = cursor.pos();
    let minutes = fixed_digits(cursor, 2, "the offset minutes")?;
    let minutes = in_range(cursor, at, minutes, 59, "offset minute")?;
    let seconds = sign * i32::try_from(hours * 3600 + minutes * 60).unwrap_or(0);
    FixedOffset::east_opt(seconds).ok_or_else(|| cursor.error_at(at, "the offset is out of range"))
}

fn is_print_us_ascii(byte: u8) -> bool {
    (33..=126).contains(&byte)
}

/// NILVALUE or 1*`max` PRINTUSASCII.
fn strict_field(
    cursor: &mut Cursor<'_>,
    max: usize,
    name: &str,
) -> Result<Option<String>, ParseError> {
    let start = cursor.pos();
    let value = cursor.take_while(is_print_us_ascii);
    if value.is_empty() {
        return Err(cursor.error(format!(
            "{name} is empty or starts with a character that is not printable US-ASCII"
        )));
    }
    if value.len() > max {
        return Err(cursor.error_at(start, format!("{name} is longer than {max} characters")));
    }
    if value == b"-" {
        return Ok(None);
    }
    Ok(Some(lossy(value)))
}

fn strict_structured_data(cursor: &mut Cursor<'_>) -> Result<Vec<SdElement>, ParseError> {
    if cursor.eat(b'-') {
        return Ok(Vec::new());
    }
    if cursor.peek() != Some(b'[') {
        return Err(cursor.error("STRUCTURED-DATA must be '-' or start with '['"));
    }
    let mut elements: Vec<SdElement> = Vec::new();
    while cursor.eat(b'[') {
        let id_at = cursor.pos();
        let id = strict_sd_name(cursor, "SD-ID")?;
        if elements.iter().any(|element| element.id == id) {
            return Err(cursor.error_at(id_at, format!("SD-ID {id:?} appears more than once")));
        }
        let params = strict_params(cursor)?;
        elements.push(SdElement { id, params });
    }
    Ok(elements)
}

/// The SD-PARAMs of one element up to and including its closing `]`.
fn strict_params(cursor: &mut Cursor<'_>) -> Result<Vec<(String, String)>, ParseError> {
    let mut params = Vec::new();
    loop {
        if cursor.eat(b']') {
            return Ok(params);
        }
        cursor.expect(b' ', "expected ' ' or ']' in SD-ELEMENT")?;
        let name = strict_sd_name(cursor, "PARAM-NAME")?;
        cursor.expect(b'=', "expected '=' after PARAM-NAME")?;
        cursor.expect(b'"', "expected '\"' to open PARAM-VALUE")?;
        let value = strict_param_value(cursor)?;
        params.push((name, value));
    }
}

fn is_sd_name_byte(byte: u8) -> bool {
    is_print_us_ascii(byte) && !matches!(byte, b'=' | b']' | b'"')
}

/// SD-NAME: 1*32 PRINTUSASCII except `=`, SP, `]` and `"`.
fn strict_sd_name(cursor: &mut Cursor<'_>, what: &str) -> Result<String, ParseError> {
    let start = cursor.pos();
    let name = cursor.take_while(is_sd_name_byte);
    if name.is_empty() {
        return Err(cursor.error(format!("{what} is empty or holds a forbidden character")));
    }
    if name.len() > SD_NAME_MAX {
        return Err(cursor.error_at(
            start,
            format!("{what} is longer than {SD_NAME_MAX} characters"),
        ));
    }
    Ok(lossy(name))
}

/// PARAM-VALUE after its opening quote, through the closing quote.
fn strict_param_value(cursor: &mut Cursor<'_>) -> Result<String, ParseError> {
    let start = cursor.pos();
    let mut value = Vec::new();
    loop {
        match cursor.peek() {
            None => return Err(cursor.error_at(start, "PARAM-VALUE is not closed by '\"'")),
            Some(b'"') => {
                cursor.advance(1);
                break;
            }
            Some(b'\\') => match cursor.peek_at(1) {
                Some(escaped @ (b'"' | b'\\' | b']')) => {
                    value.push(escaped);
                    cursor.advance(2);
                }
                _ => {
                    return Err(
                        cursor.error("a backslash in PARAM-VALUE must escape '\"', '\\' or ']'")
                    );
                }
            },
            Some(b']') => return Err(cursor.error("']' in PARAM-VALUE must be escaped")),
            Some(byte) => {
                value.push(byte);
                cursor.advance(1);
            }
        }
    }
    String::from_utf8(value).map_err(|_| cursor.error_at(start, "PARAM-VALUE is not valid UTF-8"))
}

/// MSG: any octets, or a BOM followed by valid UTF-8.
fn strict_msg(cursor: &Cursor<'_>) -> Result<Option<String>, ParseError> {
    let rest = cursor.rest();
    let Some(text) = rest.strip_prefix(BOM) else {
        return Ok(message_text(rest));
    };
    match std::str::from_utf8(text) {
        Ok("") => Ok(None),
        Ok(text) => Ok(Some(text.to_owned())),
        Err(_) => Err(cursor.error("MSG starts with a BOM but is not valid UTF-8")),
    }
}

/// Reads a message shaped like RFC 5424 (`<PRI>VERSION SP TIMESTAMP …`) that the strict grammar
/// refused: fields of any length and bytes, extra spaces, a timestamp any RFC 3339 reader
/// accepts, structured data with unknown escapes, and missing trailing fields. Returns `None`
/// when the input does not look like RFC 5424 at all.
pub(super) fn parse_relaxed(input: &[u8]) -> Option<SyslogMessage> {
    let mut cursor = Cursor::new(input);
    let mut message = SyslogMessage::empty(Protocol::Rfc5424);
    message.set_pri(lenient_pri(&mut cursor)?);
    let version = cursor.take_while(|b| b.is_ascii_digit());
    if version.is_empty() || version.len() > 3 || !cursor.eat(b' ') {
        return None;
    }
    message.version = digits_value(version).and_then(|v| u16::try_from(v).ok());
    cursor.skip_spaces();
    let timestamp = cursor.token();
    if timestamp != b"-" {
        message.timestamp = Some(relaxed_timestamp(timestamp)?);
    }
    message.hostname = relaxed_field(&mut cursor);
    message.app_name = relaxed_field(&mut cursor);
    message.proc_id = relaxed_field(&mut cursor);
    message.msg_id = relaxed_field(&mut cursor);
    cursor.skip_spaces();
    let sd_read = relaxed_structured_data(&mut cursor, &mut message.structured_data);
    if sd_read {
        cursor.eat(b' ');
    }
    let rest = cursor.rest();
    message.message = message_text(rest.strip_prefix(BOM).unwrap_or(rest));
    Some(message)
}

fn relaxed_field(cursor: &mut Cursor<'_>) -> Option<String> {
    cursor.skip_spaces();
    let value = cursor.token();
    if value.is_empty() || value == b"-" {
        return None;
    }
    Some(lossy(value))
}

/// An RFC 3339 time however written (lowercase `t`/`z`, any number of fractional digits).
pub(super) fn relaxed_timestamp(token: &[u8]) -> Option<Timestamp> {
    let looks_like_date =
        token.len() >= 10 && token[..4].iter().all(u8::is_ascii_digit) && token[4] == b'-';
    if !looks_like_date {
        return None;
    }
    let text = std::str::from_utf8(token).ok()?.to_ascii_uppercase();
    if let Ok(instant) = DateTime::parse_from_rfc3339(&text) {
        return Some(instant.with_timezone(&Utc));
    }
    crate::timeparse::parse_time(&text)
}

/// Reads `-` or SD-ELEMENTs into `elements` if they are well enough formed; otherwise leaves the
/// cursor where it was so that the text becomes part of the message. Says whether it read any.
fn relaxed_structured_data(cursor: &mut Cursor<'_>, elements: &mut Vec<SdElement>) -> bool {
    if cursor.peek() == Some(b'-') && matches!(cursor.peek_at(1), None | Some(b' ')) {
        cursor.advance(1);
        return true;
    }
    if cursor.peek() != Some(b'[') {
        return false;
    }
    let mut probe = cursor.clone();
    let mut read = Vec::new();
    while probe.eat(b'[') {
        let Some(element) = relaxed_element(&mut probe) else {
            return false;
        };
        read.push(element);
    }
    if !matches!(probe.peek(), None | Some(b' ')) {
        return false;
    }
    *cursor = probe;
    *elements = read;
    true
}

fn relaxed_element(cursor: &mut Cursor<'_>) -> Option<SdElement> {
    let name_byte = |b: u8| !matches!(b, b' ' | b']' | b'=' | b'"');
    let id = cursor.take_while(name_byte);
    if id.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    loop {
        cursor.skip_spaces();
        if cursor.eat(b']') {
            return Some(SdElement {
                id: lossy(id),
                params,
            });
        }
        let name = cursor.take_while(name_byte);
        if name.is_empty() || !cursor.eat(b'=') || !cursor.eat(b'"') {
            return None;
        }
        let value = relaxed_param_value(cursor)?;
        params.push((lossy(name), value));
    }
}

/// A PARAM-VALUE where a backslash before anything but `"`, `\` or `]` is kept as it is
/// (RFC 5424 section 6.3.3) and an unescaped `]` is taken literally.
fn relaxed_param_value(cursor: &mut Cursor<'_>) -> Option<String> {
    let mut value = Vec::new();
    loop {
        match cursor.peek()? {
            b'"' => {
                cursor.advance(1);
                return Some(lossy(&value));
            }
            b'\\' => match cursor.peek_at(1) {
                Some(escaped @ (b'"' | b'\\' | b']')) => {
                    value.push(escaped);
                    cursor.advance(2);
                }
                _ => {
                    value.push(b'\\');
                    cursor.advance(1);
                }
            },
            byte => {
                value.push(byte);
                cursor.advance(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn strict_reads_every_field() {
        let input = b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 \
[exampleSDID@32473 iut=\"3\" eventSource=\"Appl\\]ication\"][b@1 x=\"\"] \xEF\xBB\xBFAn application event";
        let message = parse_rfc5424_strict(input).unwrap();
        assert_eq!(message.facility, Some(20));
        assert_eq!(message.severity, Some(5));
        assert_eq!(message.version, Some(1));
        assert_eq!(message.timestamp, Some(ts("2003-10-11T22:14:15.003Z")));
        assert_eq!(message.hostname.as_deref(), Some("mymachine.example.com"));
        assert_eq!(message.app_name.as_deref(), Some("evntslog"));
        assert_eq!(message.proc_id, None);
        assert_eq!(message.msg_id.as_deref(), Some("ID47"));
        assert_eq!(
            message.structured_data,
            vec![
                SdElement {
                    id: "exampleSDID@32473".into(),
                    params: vec![
                        ("iut".into(), "3".into()),
                        ("eventSource".into(), "Appl]ication".into()),
                    ],
                },
                SdElement {
                    id: "b@1".into(),
                    params: vec![("x".into(), String::new())],
                },
            ]
        );
        assert_eq!(message.message.as_deref(), Some("An application event"));
    }

    #[test]
    fn strict_offsets_and_fractions() {
        let message = parse_rfc5424_strict(
            b"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% Time",
        )
        .unwrap();
        assert_eq!(message.timestamp, Some(ts("2003-08-24T12:14:15.000003Z")));
        assert_eq!(message.proc_id.as_deref(), Some("8710"));
        assert_eq!(message.message.as_deref(), Some("%% Time"));
    }

    #[test]
    fn strict_errors_say_where_and_what() {
        let error =
            parse_rfc5424_strict(b"<34>1 2003-10-11T22:14:15.0000001Z - - - - -").unwrap_err();
        assert_eq!(error.offset, 26);
        assert!(error.reason.contains("TIME-SECFRAC"), "{error}");
        let error = parse_rfc5424_strict(b"<34>1 - - - - - [a x=\"\\n\"]").unwrap_err();
        assert!(error.reason.contains("backslash"), "{error}");
        let error = parse_rfc5424_strict(b"<34>1 - - - - - - \xEF\xBB\xBF\xff").unwrap_err();
        assert!(error.reason.contains("BOM"), "{error}");
    }

    #[test]
    fn relaxed_forgives_common_sender_mistakes() {
        let message = parse_relaxed(
            b"<14>1 2026-11-23t10:00:00.123456789z  host  app 12 - [x@1 a=\"c:\\temp\" b=\"]\"] text",
        )
        .unwrap();
        assert_eq!(
            message.timestamp,
            Some(ts("2026-11-23T10:00:00.123456789Z"))
        );
        assert_eq!(message.hostname.as_deref(), Some("host"));
        assert_eq!(message.proc_id.as_deref(), Some("12"));
        assert_eq!(
            message.structured_data[0].params,
            vec![("a".into(), "c:\\temp".into()), ("b".into(), "]".into())]
        );
        assert_eq!(message.message.as_deref(), Some("text"));
    }

    #[test]
    fn relaxed_keeps_broken_structured_data_as_message() {
        let message = parse_relaxed(b"<14>1 - h a p m [x a=\"\"\"] rest").unwrap();
        assert!(message.structured_data.is_empty());
        assert_eq!(message.message.as_deref(), Some("[x a=\"\"\"] rest"));
    }

    #[test]
    fn relaxed_refuses_what_is_not_rfc5424() {
        assert!(parse_relaxed(b"<13>Oct 11 22:14:15 host app: x").is_none());
        assert!(parse_relaxed(b"<13>2026-11-23T10:00:00Z host app: x").is_none());
        assert!(parse_relaxed(b"<13>1 apple pie").is_none());
        assert!(parse_relaxed(b"<101>123 2").is_none());
    }
}
