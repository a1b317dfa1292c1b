//! Small text helpers shared by the detectors: spans with context, character boundaries.

use std::borrow::Cow;

use probity_model::Span;

/// How many bytes of text either side of a match go into a span's context.
pub const CONTEXT_BYTES: usize = 40;

/// The largest index at or below `index` that is a character boundary of `text`.
pub fn floor_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// The smallest index at or above `index` that is a character boundary of `text`.
pub fn ceil_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index += 1;
    }
    index
}

/// A model [`Span`] for `text[start..end]` in `field`, with some text either side as context
/// (line breaks shown as spaces).
pub fn span(field: &str, text: &str, start: usize, end: usize) -> Span {
    let start = floor_boundary(text, start);
    let end = ceil_boundary(text, end.max(start));
    let from = floor_boundary(text, start.saturating_sub(CONTEXT_BYTES));
    let to = ceil_boundary(text, end + CONTEXT_BYTES);
    let context: String = text[from..to]
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Span {
        field: field.to_owned(),
        start,
        end,
        text: text[start..end].to_owned(),
        context,
    }
}

/// `text` without leading and trailing whitespace, as [`str::trim`], but returned at once when both
/// ends are visible ASCII (the common case: nothing to decode).
pub fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// The domain of an email address (after the last `@`) in the form domains are compared in
/// ([`domain_key`]), without a trailing dot or angle bracket; `None` when there is no `@` or
/// nothing after it.
pub fn domain_of(address: &str) -> Option<String> {
    domain_in(address).map(|domain| domain_key(domain).into_owned())
}

/// A domain in the form domains are compared in: lower case, with internationalised labels in
/// their ASCII form (`xn--`, IDNA as browsers apply it), so that `école.example`,
/// `ÉCOLE.example` and `xn--cole-9oa.example` are one domain. An ASCII domain is only lowered
/// (borrowed when it has no capitals); one that IDNA refuses is lowered by Unicode's rules.
pub fn domain_key(domain: &str) -> Cow<'_, str> {
    if domain.is_ascii() {
        if domain.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(domain.to_ascii_lowercase());
        }
        return Cow::Borrowed(domain);
    }
    match idna::domain_to_ascii(domain) {
        Ok(ascii) if !ascii.is_empty() => Cow::Owned(ascii),
        _ => Cow::Owned(domain.to_lowercase()),
    }
}

/// A domain or address in the form [`domain_key`] or [`address_key`] gives it, written for people:
/// `xn--` labels shown in the script they stand for (`a@xn--cole-9oa.example` → `a@école.example`).
pub fn shown(key: &str) -> Cow<'_, str> {
    if !key.contains("xn--") {
        return Cow::Borrowed(key);
    }
    let (local, domain) = match memchr::memrchr(b'@', key.as_bytes()) {
        Some(at) => (Some(&key[..at]), &key[at + 1..]),
        None => (None, key),
    };
    let (unicode, result) = idna::domain_to_unicode(domain);
    if result.is_err() {
        return Cow::Borrowed(key);
    }
    match local {
        Some(local) => Cow::Owned(format!("{local}@{unicode}")),
        None => Cow::Owned(unicode),
    }
}

/// [`domain_key`] without a copy where none is needed (most domains), else in `buffer`.
pub fn domain_key_in<'a>(domain: &'a str, buffer: &'a mut String) -> &'a str {
    if let Some(capitals) = ascii_capitals(domain.as_bytes()) {
        return ascii_lower_in(domain, capitals, buffer);
    }
    *buffer = domain_key(domain).into_owned();
    buffer
}

/// An email address in the form addresses are compared in: the part before the last `@` in
/// lower case, the domain as [`domain_key`] gives it.
pub fn address_key(address: &str) -> String {
    if address.is_ascii() {
        return address.to_ascii_lowercase();
    }
    match memchr::memrchr(b'@', address.as_bytes()) {
        Some(at) => {
            let (local, domain) = (&address[..at], &address[at + 1..]);
            format!("{}@{}", local.to_lowercase(), domain_key(domain))
        }
        None => address.to_lowercase(),
    }
}

/// [`address_key`] without a copy where none is needed (most addresses), else in `buffer`.
pub fn address_key_in<'a>(address: &'a str, buffer: &'a mut String) -> &'a str {
    if let Some(capitals) = ascii_capitals(address.as_bytes()) {
        return ascii_lower_in(address, capitals, buffer);
    }
    *buffer = address_key(address);
    buffer
}

/// `text` in lower case: every letter lowered, by Unicode's rules where the text is not ASCII
/// (`Zoë@EXÄMPLE.org` and `zoë@exämple.org` are one address).
pub fn lower(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    }
}

/// [`domain_of`] without the copy: the domain as written in `address` (not lower-cased).
pub fn domain_in(address: &str) -> Option<&str> {
    let address = trim(address).trim_end_matches('>');
    // The last `@` (an ASCII byte, so the slice after it starts on a character boundary).
    let at = memchr::memrchr(b'@', address.as_bytes())?;
    let domain = trim(address.get(at + 1..)?).trim_end_matches('.');
    if domain.is_empty() {
        return None;
    }
    Some(domain)
}

/// The bare address of `Name <addr>` or `addr`, in the form addresses are compared in
/// ([`address_key`]).
pub fn bare_address(address: &str) -> String {
    address_key(bare_address_in(address))
}

/// [`bare_address`] without the copy: the address as written in `Name <addr>` (not lower-cased).
pub fn bare_address_in(address: &str) -> &str {
    let address = trim(address);
    let bytes = address.as_bytes();
    let inner = match (memchr::memrchr(b'<', bytes), memchr::memrchr(b'>', bytes)) {
        (Some(open), Some(close)) if open < close => address.get(open + 1..close),
        _ => None,
    };
    trim(inner.unwrap_or(address))
}

/// An address header value written plainly, as most are (`pat@example.org`): ASCII, with no `<`
/// or `>`, and a visible character at each end. What one pass over it found ([`plain_address`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainAddress {
    /// The byte offset of the last `@`, if any.
    at: Option<usize>,
    /// Whether it holds an ASCII capital.
    capitals: bool,
}

impl PlainAddress {
    /// The domain as [`domain_in`] gives it for `value` (the text this was found in).
    pub fn domain<'a>(&self, value: &'a str) -> Option<&'a str> {
        let domain = trim(value.get(self.at? + 1..)?).trim_end_matches('.');
        (!domain.is_empty()).then_some(domain)
    }

    /// Whether it holds an ASCII capital. Without one, its domain is already in the form
    /// [`domain_key`] gives.
    pub fn has_capitals(&self) -> bool {
        self.capitals
    }

    /// `value` (the text this was found in) as [`address_key_in`] gives it: itself without
    /// capitals, else lowered in `buffer`.
    pub fn key_in<'a>(&self, value: &'a str, buffer: &'a mut String) -> &'a str {
        ascii_lower_in(value, self.capitals, buffer)
    }
}

/// `value` as a [`PlainAddress`], or `None` where it is not written plainly. For a plain value,
/// [`bare_address_in`] is the value itself, [`PlainAddress::domain`] is what [`domain_in`] gives,
/// [`PlainAddress::key_in`] what [`address_key_in`] gives, and it holds no display name (there is
/// no `<`). One pass, eight bytes at a time: this runs on every correspondent of every message,
/// where the general helpers look for `<`, `>` and `@` in turn.
pub fn plain_address(value: &str) -> Option<PlainAddress> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let bytes = value.as_bytes();
    let (first, last) = (bytes.first()?, bytes.last()?);
    if !first.is_ascii_graphic() || !last.is_ascii_graphic() {
        return None;
    }
    // Marks the bytes of `x` (all ASCII) equal to `byte` with their top bit: adding 0x7f to a
    // byte below 0x80 sets its top bit unless it is zero, and carries into no other byte.
    let equal = |x: u64, byte: u8| {
        let y = x ^ (LOW * u64::from(byte));
        !(y.wrapping_add(LOW * 0x7f) | y) & HIGH
    };
    let mut at = None;
    let mut capitals = 0u64;
    // Each eight bytes in turn, then the last eight again (overlapping, which changes nothing
    // found) or, for a shorter value, the value padded with zero bytes (none of which counts).
    let mut look = |x: u64, offset: usize| -> bool {
        // `<` (0x3c) and `>` (0x3e) are the only bytes that read as `>` with bit 1 set.
        if x & HIGH != 0 || equal(x | (LOW * 0x02), b'>') != 0 {
            return false;
        }
        let ats = equal(x, b'@');
        if ats != 0 {
            at = Some(offset + (63 - ats.leading_zeros() as usize) / 8);
        }
        let at_least_a = x.wrapping_add(LOW * u64::from(0x80 - b'A'));
        let past_z = x.wrapping_add(LOW * u64::from(0x80 - b'Z' - 1));
        capitals |= at_least_a & !past_z & HIGH;
        true
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if !look(u64::from_le_bytes(word), offset) {
            return None;
        }
        offset += 8;
    }
    if !chunks.remainder().is_empty() {
        let mut word = [0u8; 8];
        let offset = match bytes.len().checked_sub(8) {
            Some(start) => {
                word.copy_from_slice(&bytes[start..]);
                start
            }
            None => {
                word[..bytes.len()].copy_from_slice(bytes);
                0
            }
        };
        if !look(u64::from_le_bytes(word), offset) {
            return None;
        }
    }
    Some(PlainAddress {
        at,
        capitals: capitals != 0,
    })
}

/// The entries of an address header: the parts of `value` between commas, but for commas inside
/// a quoted string (`"Health, Occupational" <oh@x>` is one entry, the usual directory form of a
/// name), where a backslash escapes the character after it; an unclosed quote runs to the end.
/// The look-ups run on every address header of every message, and most have no comma or quote.
pub fn address_entries(value: &str) -> impl Iterator<Item = &str> + Clone {
    let mut rest = Some(value);
    std::iter::from_fn(move || {
        let current = rest?;
        let bytes = current.as_bytes();
        let mut from = 0;
        loop {
            let found = bytes
                .get(from..)
                .and_then(|tail| memchr::memchr2(b',', b'"', tail))
                .map(|at| from + at);
            match found {
                Some(at) if bytes.get(at) == Some(&b',') => {
                    rest = current.get(at + 1..);
                    return current.get(..at);
                }
                Some(quote) => from = after_quoted(bytes, quote + 1),
                None => {
                    rest = None;
                    return Some(current);
                }
            }
        }
    })
}

/// The index just after the quote that closes a quoted string whose text starts at `start`
/// (a backslash escaping the byte after it), or the end of `bytes` where none does.
fn after_quoted(bytes: &[u8], start: usize) -> usize {
    let mut at = start;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'"' => return at + 1,
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// [`lower`] without a copy where none is needed: `text` itself when it is ASCII with no
/// capitals (most addresses), else the lowered text in `buffer`.
pub fn lower_in<'a>(text: &'a str, buffer: &'a mut String) -> &'a str {
    match ascii_capitals(text.as_bytes()) {
        Some(capitals) => ascii_lower_in(text, capitals, buffer),
        None => {
            *buffer = text.to_lowercase();
            buffer
        }
    }
}

/// ASCII `text` lowered: itself without `capitals`, else in `buffer`.
fn ascii_lower_in<'a>(text: &'a str, capitals: bool, buffer: &'a mut String) -> &'a str {
    if !capitals {
        return text;
    }
    buffer.clear();
    buffer.push_str(text);
    buffer.make_ascii_lowercase();
    buffer
}

/// Whether `bytes` hold an ASCII capital, or `None` where they are not all ASCII: one pass,
/// eight bytes at a time (this runs on every address and display name of every message).
fn ascii_capitals(bytes: &[u8]) -> Option<bool> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut capitals = 0u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        if x & HIGH != 0 {
            return None;
        }
        // Every byte is under 0x80, so these sums carry into no other byte: a byte's top bit
        // is set where it is at least `A`, and again where it is past `Z`.
        let at_least_a = x.wrapping_add(LOW * u64::from(0x80 - b'A'));
        let past_z = x.wrapping_add(LOW * u64::from(0x80 - b'Z' - 1));
        capitals |= at_least_a & !past_z & HIGH;
    }
    let mut tail = false;
    for &byte in chunks.remainder() {
        if !byte.is_ascii() {
            return None;
        }
        tail |= byte.is_ascii_uppercase();
    }
    Some(capitals != 0 || tail)
}

/// True when `domain` is `pattern`, or (for `*.suffix`) a subdomain of `suffix` or `suffix` itself,
/// in any case, and whichever form (Unicode or `xn--`) an internationalised label is written in.
pub fn domain_matches(domain: &str, pattern: &str) -> bool {
    if domain.is_ascii() && pattern.is_ascii() {
        // Compared without allocating: this runs for every recipient against every listed
        // domain, and nearly all are ASCII.
        domain_matches_lowered(domain, pattern)
    } else {
        let pattern = pattern.trim();
        let pattern = match pattern.strip_prefix("*.") {
            Some(suffix) => format!("*.{}", domain_key(suffix)),
            None => domain_key(pattern).into_owned(),
        };
        domain_matches_lowered(&domain_key(domain.trim()), &pattern)
    }
}

/// [`domain_matches`] where both are ASCII (or already in the form [`domain_key`] gives).
fn domain_matches_lowered(domain: &str, pattern: &str) -> bool {
    let pattern = pattern.trim();
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            domain.eq_ignore_ascii_case(suffix)
                || (domain.len() > suffix.len()
                    && domain.as_bytes()[domain.len() - suffix.len() - 1] == b'.'
                    && domain
                        .get(domain.len() - suffix.len()..)
                        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix)))
        }
        None => domain.eq_ignore_ascii_case(pattern),
    }
}

/// The first index at or after `from` whose byte is in `low..=high` (ASCII ranges only), or the
/// length. Skips eight bytes at a time where none is in range.
pub fn skip_to_byte_between(bytes: &[u8], from: usize, low: u8, high: u8) -> usize {
    debug_assert!(low >= 1 && high < 127 && low <= high);
    const ONES: u64 = u64::MAX / 255;
    const HIGHS: u64 = ONES * 128;
    let mut i = from;
    while i + 8 <= bytes.len() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[i..i + 8]);
        let x = u64::from_le_bytes(chunk);
        // Any byte b with low <= b <= high (for b < 128); bytes >= 128 are never in range.
        let masked = x & (ONES * 127);
        let above_low = masked.wrapping_add(ONES * u64::from(128 - low));
        let below_high = (ONES * u64::from(127 + high + 1)).wrapping_sub(masked);
        let in_range = above_low & below_high & !x & HIGHS;
        if in_range != 0 {
            // Each byte's bit is its own (no carry or borrow crosses into the next byte), so
            // the lowest set bit marks the first byte in range.
            return i + (in_range.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && !(low..=high).contains(&bytes[i]) {
        i += 1;
    }
    i.min(bytes.len())
}

/// [`skip_to_byte_between`] for bytes that are rare in the text (digits in mail): skips 32 bytes at
/// a time where none is in range, the look at a block written so that the compiler does it with a
/// few vector instructions. Where such bytes are common (capitals), the eight-byte skip is faster.
pub fn skip_to_rare_byte_between(bytes: &[u8], from: usize, low: u8, high: u8) -> usize {
    debug_assert!(low <= high);
    const BLOCK: usize = 32;
    let width = high - low;
    let in_range = |b: u8| b.wrapping_sub(low) <= width;
    let mut i = from.min(bytes.len());
    for block in bytes[i..].chunks_exact(BLOCK) {
        let Ok(block) = <&[u8; BLOCK]>::try_from(block) else {
            break;
        };
        if block.iter().fold(false, |any, &b| any | in_range(b)) {
            break;
        }
        i += BLOCK;
    }
    while i < bytes.len() && !in_range(bytes[i]) {
        i += 1;
    }
    i
}

/// Whether `recipient` (a sender, a recipient, a party) is written as a phone number: digits
/// with at most a leading `+` and the separators people write (spaces, `-`, `.`, brackets), 7 to
/// 15 digits (E.164's longest).
pub fn is_phone_number(recipient: &str) -> bool {
    let written = recipient.trim();
    let written = written.strip_prefix('+').unwrap_or(written);
    let mut digits = 0;
    for byte in written.bytes() {
        match byte {
            b'0'..=b'9' => digits += 1,
            b' ' | b'-' | b'.' | b'(' | b')' => {}
            _ => return false,
        }
    }
    (7..=15).contains(&digits)
}

/// The entries of an address header written plainly, a character at a time: split at each comma
/// outside quotes. The reference the property tests hold [`address_entries`] and the exclusions'
/// reading of headers to.
#[cfg(test)]
pub(crate) fn address_entries_reference(value: &str) -> Vec<&str> {
    let mut entries = Vec::new();
    let (mut quoted, mut escaped, mut start) = (false, false, 0);
    for (at, c) in value.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == ',' && !quoted {
            entries.push(&value[start..at]);
            start = at + 1;
        }
    }
    entries.push(&value[start..]);
    entries
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// The eight-bytes-at-a-time check agrees with looking at each byte, on any text.
        #[test]
        fn ascii_capitals_agrees_with_each_byte(
            text in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "[@-\\[`-{A-Za-z. ]{0,40}",
                // Lower case around one byte at a capital's edge (`@`, `A`, `Z`, `[`).
                "[a-z.]{0,20}[@AZ\\[`az{]?[a-z.]{0,20}",
            ]
        ) {
            let expected = text
                .is_ascii()
                .then(|| text.bytes().any(|b| b.is_ascii_uppercase()));
            proptest::prop_assert_eq!(super::ascii_capitals(text.as_bytes()), expected);
        }
    }

    use super::*;

    #[test]
    fn span_context_respects_char_boundaries() {
        let text = "é".repeat(30) + "AB123456C" + &"ü".repeat(30);
        let start = 60;
        let found = span("email.body", &text, start, start + 9);
        assert_eq!(found.text, "AB123456C");
        assert!(found.context.contains("AB123456C"));
        assert!(found.context.len() <= 9 + 2 * CONTEXT_BYTES + 2);
    }

    proptest::proptest! {
        /// Skipping eight bytes or a block at a time finds the byte that looking at each byte
        /// finds, on any text, from anywhere, for digits and for capitals.
        #[test]
        fn skipping_agrees_with_each_byte(
            text in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "[a-z .,/@\\-é]{0,80}[0-9A-Z]?[a-z .,/@\\-é]{0,80}",
                "[a-zA-Z0-9 '\\[\\]@`{]{0,60}",
            ],
            from in 0..200usize,
        ) {
            let bytes = text.as_bytes();
            for (low, high) in [(b'0', b'9'), (b'A', b'Z')] {
                let expected = (from..bytes.len())
                    .find(|&i| (low..=high).contains(&bytes[i]))
                    .unwrap_or(bytes.len());
                proptest::prop_assert_eq!(skip_to_byte_between(bytes, from, low, high), expected);
                proptest::prop_assert_eq!(
                    skip_to_rare_byte_between(bytes, from, low, high),
                    expected
                );
            }
        }
    }

    #[test]
    fn skipping_finds_the_first_byte_in_range() {
        for text in [
            "",
            "abc",
            "abcdefgh1",
            "12",
            "ééééééééééé7",
            "abcdefghijklmnopqrstuvwxyz:/9",
        ] {
            for from in 0..=text.len() {
                let expected = (from..text.len())
                    .find(|&i| text.as_bytes()[i].is_ascii_digit())
                    .unwrap_or(text.len());
                assert_eq!(
                    skip_to_byte_between(text.as_bytes(), from, b'0', b'9'),
                    expected,
                    "{text} {from}"
                );
            }
        }
        let upper = "hello world, this is Ada";
        assert_eq!(skip_to_byte_between(upper.as_bytes(), 0, b'A', b'Z'), 21);
    }

    #[test]
    fn domain_patterns() {
        assert!(domain_matches("cps.gov.uk", "*.gov.uk"));
        assert!(domain_matches("gov.uk", "*.gov.uk"));
        assert!(!domain_matches("notgov.uk", "*.gov.uk"));
        assert!(domain_matches("nhs.net", "NHS.net"));
        assert!(!domain_matches("mail.nhs.net", "nhs.net"));
        assert_eq!(
            domain_of("Pat <Pat@GMail.com>").as_deref(),
            Some("gmail.com")
        );
        assert_eq!(bare_address("Pat <Pat@GMail.com>"), "pat@gmail.com");
        assert_eq!(domain_of("no-at-sign"), None);
        // Letters outside ASCII are lowered too, in addresses, domains and patterns, and an
        // internationalised domain compares in its ASCII form, however it was written.
        assert_eq!(
            bare_address("Zoë <ZOË@EXÄMPLE.ORG>"),
            "zoë@xn--exmple-cua.org"
        );
        assert_eq!(
            bare_address("Zoë <ZOË@xn--EXMPLE-cua.org>"),
            "zoë@xn--exmple-cua.org"
        );
        assert_eq!(
            domain_of("a@ÉCOLE.Example").as_deref(),
            Some("xn--cole-9oa.example")
        );
        assert!(domain_matches("école.example", "ÉCOLE.example"));
        assert!(domain_matches("ÉCOLE.EXAMPLE", "école.example"));
        assert!(domain_matches("mail.École.example", "*.école.EXAMPLE"));
        assert!(!domain_matches("mail.ecole.example", "*.école.example"));
        assert!(domain_matches("xn--cole-9oa.example", "École.example"));
        assert!(domain_matches("école.example", "XN--COLE-9OA.example"));
        assert!(domain_matches(
            "mail.XN--cole-9oa.example",
            "*.école.example"
        ));
        assert!(domain_matches(
            "mail.école.example",
            "*.xn--cole-9oa.example"
        ));
        assert!(!domain_matches("xn--cole-9oa.example", "ecole.example"));
        // Shown to people in the script the name was registered in.
        assert_eq!(shown("zoë@xn--exmple-cua.org"), "zoë@exämple.org");
        assert_eq!(shown("xn--cole-9oa.example"), "école.example");
        assert_eq!(shown("pat@gmail.com"), "pat@gmail.com");
    }

    /// The old allocating forms, kept here to check the slices against.
    fn domain_of_reference(address: &str) -> Option<String> {
        let address = address.trim().trim_end_matches('>');
        let (_, domain) = address.rsplit_once('@')?;
        let domain = domain.trim().trim_end_matches('.').to_lowercase();
        if domain.is_empty() {
            return None;
        }
        Some(domain)
    }

    fn bare_address_reference(address: &str) -> String {
        let address = address.trim();
        let inner = match (address.rfind('<'), address.rfind('>')) {
            (Some(open), Some(close)) if open < close => &address[open + 1..close],
            _ => address,
        };
        inner.trim().to_lowercase()
    }

    fn check_address_helpers(text: &str) {
        assert_eq!(trim(text), text.trim(), "{text:?}");
        // The references lower only; an internationalised domain then takes its ASCII form.
        assert_eq!(
            bare_address(text),
            address_key(&bare_address_reference(text)),
            "{text:?}"
        );
        assert_eq!(
            domain_of(text),
            domain_of_reference(text).map(|d| domain_key(&d).into_owned()),
            "{text:?}"
        );
        let mut buffer = String::from("left over");
        let bare = bare_address_in(text);
        assert_eq!(address_key_in(bare, &mut buffer), address_key(bare));
        if let Some(domain) = domain_in(text) {
            assert_eq!(domain_key_in(domain, &mut buffer), domain_key(domain));
        }
        let mut buffer = String::from("left over");
        assert_eq!(lower_in(text, &mut buffer), text.to_lowercase());
        assert_eq!(lower(text), text.to_lowercase());
        let bare = bare_address(text);
        assert_eq!(
            domain_in(&bare).map(str::to_owned),
            domain_of_reference(&bare),
            "{text:?}"
        );
    }

    fn check_plain_address(text: &str) {
        let plain = text.is_ascii()
            && !text.contains(['<', '>'])
            && text.as_bytes().first().is_some_and(u8::is_ascii_graphic)
            && text.as_bytes().last().is_some_and(u8::is_ascii_graphic);
        let Some(found) = plain_address(text) else {
            assert!(!plain, "{text:?} is plain");
            return;
        };
        assert!(plain, "{text:?} is not plain");
        assert_eq!(bare_address_in(text), text);
        assert_eq!(found.domain(text), domain_in(text), "{text:?}");
        let mut buffer = String::from("left over");
        let key = found.key_in(text, &mut buffer);
        assert_eq!(key, address_key(text));
        // Lowered, the value keeps its `@` where it was.
        assert_eq!(found.domain(key), domain_in(key), "{text:?}");
        assert_eq!(
            found.has_capitals(),
            text.bytes().any(|b| b.is_ascii_uppercase())
        );
        if let Some(domain) = found.domain(text)
            && !found.has_capitals()
        {
            assert_eq!(domain_key(domain), domain);
        }
    }

    #[test]
    fn plain_addresses_of_every_length() {
        let mut text = String::new();
        for length in 0..40usize {
            for at in 0..length {
                for capital in [
                    None,
                    Some(0),
                    Some(length / 2),
                    Some(length.saturating_sub(1)),
                ] {
                    let mut bytes = vec![b'a'; length];
                    if let Some(capital) = capital
                        && capital < length
                    {
                        bytes[capital] = b'Q';
                    }
                    bytes[at] = b'@';
                    text.clear();
                    text.push_str(std::str::from_utf8(&bytes).unwrap());
                    check_plain_address(&text);
                    for mark in ["<", ">", "é", " ", "=", "?", ":", "~"] {
                        for place in [0, at, length] {
                            let mut marked = text.clone();
                            marked.insert_str(place, mark);
                            check_plain_address(&marked);
                        }
                    }
                }
            }
        }
        assert_eq!(plain_address(""), None);
        assert_eq!(
            plain_address("a@b@Example.ORG.").and_then(|p| p.domain("a@b@Example.ORG.")),
            Some("Example.ORG")
        );
    }

    #[test]
    fn address_slices_agree_with_the_allocating_forms() {
        for text in [
            "",
            " ",
            "@",
            "a@",
            "a@.",
            "\u{a0}Pat <Pat@GMail.COM.>\u{2003}",
            "\"Legal, Services\" <Legal@Force.Police.UK>",
            "<>",
            "x <<y>>",
            "> a@b <",
            "Zoë <zoë@Exämple.org >",
            "pat@example.org\u{85}",
            "\tpat@example.org\n",
        ] {
            check_address_helpers(text);
        }
    }

    /// Text made of the pieces addresses and header values are made of: angle brackets, `@`,
    /// dots, commas, spaces of several kinds, letters and digits, the characters either side of
    /// the capitals, and any other character.
    fn address_like() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::{Just, Strategy};
        proptest::collection::vec(
            proptest::prop_oneof![
                Just("<".to_owned()),
                Just(">".to_owned()),
                Just("@".to_owned()),
                Just(".".to_owned()),
                Just(" ".to_owned()),
                Just(",".to_owned()),
                Just("\u{2003}".to_owned()),
                "[A-Za-z0-9]{1,9}",
                "[?-\\[`-{]",
                "\\PC{0,2}",
                "\\s",
            ],
            0..12,
        )
        .prop_map(|pieces| pieces.concat())
    }

    proptest::proptest! {
        #[test]
        fn address_slices_agree_on_any_text(value in address_like()) {
            check_address_helpers(&value);
        }

        /// A value taken as plain gives what the general helpers give, and holds no display
        /// name; a value refused is one that is not plain.
        #[test]
        fn plain_addresses_agree_with_the_general_helpers(value in address_like()) {
            check_plain_address(&value);
        }

        /// Written plainly: a character at a time, a comma splitting only outside quotes.
        #[test]
        fn address_entries_split_at_commas_outside_quotes(
            value in "[a,é \"\\\\]{0,14}|\\PC{0,8}",
        ) {
            let ours: Vec<&str> = address_entries(&value).collect();
            proptest::prop_assert_eq!(ours, address_entries_reference(&value));
        }
    }
}
