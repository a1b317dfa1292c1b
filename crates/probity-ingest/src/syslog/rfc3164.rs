//! RFC 3164 (BSD syslog) and the forms real senders use: `Mmm dd hh:mm:ss` or an RFC 3339 time
//! (rsyslog's forwarding format), an optional hostname, a `tag[pid]:`, Cisco IOS sequence numbers
//! and unsynchronised-clock marks, and lines from syslog files that carry no PRI.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use probity_model::Timestamp;

use super::cursor::{Cursor, digits_value, lenient_pri, lossy};
use super::rfc5424::relaxed_timestamp;
use super::{ParseError, Protocol, SyslogMessage, message_text};

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];
const TAG_MAX: usize = 128;
/// How far after the receive time a year-less timestamp may fall.
const FUTURE_SLACK_DAYS: i64 = 7;
const PID_MAX: usize = 128;

/// Parses an RFC 3164 message. The PRI may be missing (a line from a syslog file) but then a
/// timestamp must be present; with a PRI and no recognisable timestamp the rest is the message,
/// as an RFC 3164 relay treats it. A `Mmm dd hh:mm:ss` time takes its year from `received`: the
/// latest year that does not put it more than a week after `received` (a December message
/// received in January is from the previous year, a 1 January message received on 31 December
/// from the next), and is read as UTC. A time marked `*` or `.` (a Cisco clock not in sync) is
/// not trusted: the event falls back to its receive time and the text stays in the message.
pub fn parse_rfc3164(input: &[u8], received: Timestamp) -> Result<SyslogMessage, ParseError> {
    let mut cursor = Cursor::new(input);
    let mut message = SyslogMessage::empty(Protocol::Rfc3164);
    let has_pri = cursor.peek() == Some(b'<');
    if has_pri {
        let pri = lenient_pri(&mut cursor)
            .ok_or_else(|| cursor.error("PRI is not '<' followed by 0-191 and '>'"))?;
        message.set_pri(pri);
    }
    if has_pri && let Some(sequenced) = cisco_sequenced(cursor.rest(), received) {
        message.timestamp = sequenced;
        message.message = message_text(cursor.rest());
        return Ok(message);
    }
    let content = cursor.rest();
    let Some(stamp) = read_timestamp(&mut cursor, received) else {
        if !has_pri {
            return Err(cursor.error_at(0, "neither a PRI nor a timestamp"));
        }
        read_tag_and_message(&mut cursor, &mut message);
        return Ok(message);
    };
    if stamp.unsynchronised {
        message.message = message_text(content);
        return Ok(message);
    }
    message.timestamp = Some(stamp.instant);
    cursor.eat(b':');
    cursor.skip_spaces();
    message.hostname = read_hostname(&mut cursor);
    read_tag_and_message(&mut cursor, &mut message);
    Ok(message)
}

/// A timestamp as found, and whether the sender marked its clock as not in sync.
struct Stamp {
    instant: Timestamp,
    unsynchronised: bool,
}

/// Reads a BSD or RFC 3339 timestamp at the cursor, moving past it only if one is there.
fn read_timestamp(cursor: &mut Cursor<'_>, received: Timestamp) -> Option<Stamp> {
    let rest = cursor.rest();
    let unsynchronised = matches!(rest.first(), Some(b'*' | b'.'));
    let skip = usize::from(unsynchronised);
    if let Some((instant, used)) = bsd_timestamp(&rest[skip..], received) {
        cursor.advance(skip + used);
        return Some(Stamp {
            instant,
            unsynchronised,
        });
    }
    if unsynchronised {
        return None;
    }
    let token = rest.split(|&b| b == b' ').next().unwrap_or(&[]);
    let text = token.strip_suffix(b":").unwrap_or(token);
    let instant = relaxed_timestamp(text)?;
    cursor.advance(token.len());
    Some(Stamp {
        instant,
        unsynchronised: false,
    })
}

/// `Mmm dd [yyyy] hh:mm:ss[.fff]`, followed by a space, a colon or the end, on a date that
/// exists. Returns the time and the bytes used.
fn bsd_timestamp(bytes: &[u8], received: Timestamp) -> Option<(Timestamp, usize)> {
    let month_name = bytes.get(..3)?;
    let month = MONTHS
        .iter()
        .position(|name| name.eq_ignore_ascii_case(month_name))?;
    let mut cursor = Cursor::new(bytes);
    cursor.advance(3);
    if !cursor.eat(b' ') {
        return None;
    }
    cursor.eat(b' ');
    let day = cursor.take_while(|b| b.is_ascii_digit());
    if day.is_empty() || day.len() > 2 || !cursor.eat(b' ') {
        return None;
    }
    let year = read_year(&mut cursor);
    let time = read_clock(&mut cursor)?;
    if !matches!(cursor.peek(), None | Some(b' ' | b':')) {
        return None;
    }
    let month = u32::try_from(month + 1).ok()?;
    let day = digits_value(day)?;
    let instant = match year {
        Some(year) => NaiveDate::from_ymd_opt(year, month, day)
            .map(|date| Utc.from_utc_datetime(&NaiveDateTime::new(date, time))),
        None => infer_year(month, day, time, received),
    }?;
    Some((instant, cursor.pos()))
}

/// A four-digit year followed by a space (some devices write `Mmm dd yyyy hh:mm:ss`).
fn read_year(cursor: &mut Cursor<'_>) -> Option<i32> {
    let candidate = cursor.rest().get(..5)?;
    if !candidate[..4].iter().all(u8::is_ascii_digit) || candidate[4] != b' ' {
        return None;
    }
    let year = digits_value(&candidate[..4]).and_then(|y| i32::try_from(y).ok())?;
    cursor.advance(5);
    Some(year)
}

/// `hh:mm:ss` with an optional fraction of up to nine digits.
fn read_clock(cursor: &mut Cursor<'_>) -> Option<NaiveTime> {
    let part = |cursor: &mut Cursor<'_>| {
        let digits = cursor.rest().get(..2)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        cursor.advance(2);
        digits_value(digits)
    };
    let hour = part(cursor)?;
    cursor.expect(b':', "").ok()?;
    let minute = part(cursor)?;
    cursor.expect(b':', "").ok()?;
    let second = part(cursor)?;
    let mut nanos = 0;
    if cursor.peek() == Some(b'.') && cursor.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
        cursor.advance(1);
        let fraction = cursor.take_while(|b| b.is_ascii_digit());
        let kept = &fraction[..fraction.len().min(9)];
        let scale = 10u32.pow(9 - kept.len() as u32);
        nanos = digits_value(kept)? * scale;
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// The month, day and time in the latest year that puts it at most [`FUTURE_SLACK_DAYS`] after
/// `received` (clocks differ; messages do not come from the future).
fn infer_year(month: u32, day: u32, time: NaiveTime, received: Timestamp) -> Option<Timestamp> {
    let latest = received + Duration::days(FUTURE_SLACK_DAYS);
    let year = received.year();
    (year - 4..=year + 1)
        .rev()
        .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
        .map(|date| Utc.from_utc_datetime(&NaiveDateTime::new(date, time)))
        .find(|candidate| *candidate <= latest)
}

/// Cisco IOS with `service sequence-numbers`: `123: *Mar  1 00:00:00.000: %SYS-5-…`. The whole
/// content stays the message; the result is the trusted time, if any.
fn cisco_sequenced(content: &[u8], received: Timestamp) -> Option<Option<Timestamp>> {
    let digits = content.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || content.get(digits..digits + 2) != Some(b": ") {
        return None;
    }
    let mut cursor = Cursor::new(content);
    cursor.advance(digits + 2);
    match read_timestamp(&mut cursor, received) {
        Some(stamp) if !stamp.unsynchronised => Some(Some(stamp.instant)),
        _ => Some(None),
    }
}

/// A hostname when the next word is one: not a tag (`su:`, `app[1]`), not a Cisco mnemonic
/// (`%SYS-5-…`) and followed by more text.
fn read_hostname(cursor: &mut Cursor<'_>) -> Option<String> {
    let rest = cursor.rest();
    let word_len = rest.iter().take_while(|&&b| b != b' ').count();
    let word = &rest[..word_len];
    let followed = rest.len() > word_len + 1;
    let plausible = !word.is_empty()
        && word.iter().all(|&b| (33..=126).contains(&b))
        && !word.ends_with(b":")
        && !word.contains(&b'[')
        && !word.starts_with(b"%");
    if !plausible || !followed {
        return None;
    }
    cursor.advance(word_len);
    cursor.skip_spaces();
    Some(lossy(word))
}

/// Reads `tag[pid]:` or `tag:` if present, then the rest as the message.
fn read_tag_and_message(cursor: &mut Cursor<'_>, message: &mut SyslogMessage) {
    if let Some(tag) = read_tag(cursor.rest()) {
        message.app_name = Some(lossy(tag.name));
        message.proc_id = tag.pid.map(lossy);
        cursor.advance(tag.used);
    }
    message.message = message_text(cursor.rest());
}

struct Tag<'a> {
    name: &'a [u8],
    pid: Option<&'a [u8]>,
    used: usize,
}

/// `name[pid]:`, `name[pid]` or `name:` followed by a space or the end.
fn read_tag(rest: &[u8]) -> Option<Tag<'_>> {
    if rest.first() == Some(&b'%') {
        return None;
    }
    let name_len = rest
        .iter()
        .take_while(|&&b| (33..=126).contains(&b) && b != b'[' && b != b':')
        .count();
    if name_len == 0 || name_len > TAG_MAX {
        return None;
    }
    let mut used = name_len;
    let mut pid = None;
    if rest.get(used) == Some(&b'[') {
        let inside = &rest[used + 1..];
        let close = inside.iter().take(PID_MAX + 1).position(|&b| b == b']')?;
        let value = &inside[..close];
        if value.is_empty() || !value.iter().all(|&b| (33..=126).contains(&b)) {
            return None;
        }
        pid = Some(value);
        used += close + 2;
    }
    let colon = rest.get(used) == Some(&b':');
    if colon {
        used += 1;
    }
    if !colon && pid.is_none() {
        return None;
    }
    match rest.get(used) {
        None => {}
        Some(b' ') => used += 1,
        Some(_) => return None,
    }
    Some(Tag {
        name: &rest[..name_len],
        pid,
        used,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn tag_forms() {
        let tag = read_tag(b"sshd[123]: Accepted").unwrap();
        assert_eq!(
            (tag.name, tag.pid, tag.used),
            (&b"sshd"[..], Some(&b"123"[..]), 11)
        );
        let tag = read_tag(b"su: x").unwrap();
        assert_eq!((tag.name, tag.pid), (&b"su"[..], None));
        assert!(read_tag(b"http://x y").is_none());
        assert!(read_tag(b"word and more").is_none());
        assert!(read_tag(b"%SYS-5-CONFIG_I: x").is_none());
    }

    #[test]
    fn year_rolls_over_both_ways() {
        let january = at("2027-01-01T00:05:00Z");
        let (instant, _) = bsd_timestamp(b"Dec 31 23:59:58", january).unwrap();
        assert_eq!(instant, at("2026-12-31T23:59:58Z"));
        let december = at("2026-12-31T23:59:00Z");
        let (instant, _) = bsd_timestamp(b"Jan  1 00:00:30", december).unwrap();
        assert_eq!(instant, at("2027-01-01T00:00:30Z"));
    }

    #[test]
    fn explicit_year_and_fraction() {
        let (instant, used) = bsd_timestamp(
            b"Mar  1 2024 00:00:00.123: rest",
            at("2026-01-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(instant, at("2024-03-01T00:00:00.123Z"));
        assert_eq!(used, 24);
    }

    #[test]
    fn impossible_date_is_not_a_timestamp() {
        assert!(bsd_timestamp(b"Feb 30 10:00:00 x", at("2026-01-01T00:00:00Z")).is_none());
        assert!(bsd_timestamp(b"Oct 11 25:00:00 x", at("2026-01-01T00:00:00Z")).is_none());
    }
}
