//! A read position in a byte slice, shared by the syslog grammars.

use super::ParseError;

/// Bytes being read, and how far reading has got.
#[derive(Debug, Clone)]
pub(super) struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(input: &'a [u8]) -> Self {
        Self { input, pos: 0 }
    }

    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.input.get(self.pos.saturating_add(ahead)).copied()
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    /// Everything not yet read.
    pub(super) fn rest(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or(&[])
    }

    pub(super) fn advance(&mut self, count: usize) {
        self.pos = self.pos.saturating_add(count).min(self.input.len());
    }

    /// Reads `byte` if it is next.
    pub(super) fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            return true;
        }
        false
    }

    /// Reads `byte`, or fails with `reason` at the current position.
    pub(super) fn expect(&mut self, byte: u8, reason: &str) -> Result<(), ParseError> {
        if self.eat(byte) {
            return Ok(());
        }
        Err(self.error(reason))
    }

    /// Reads bytes while `keep` holds for them.
    pub(super) fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a [u8] {
        let rest = self.rest();
        let len = rest.iter().take_while(|&&b| keep(b)).count();
        self.pos += len;
        &rest[..len]
    }

    /// Skips spaces.
    pub(super) fn skip_spaces(&mut self) {
        self.take_while(|b| b == b' ');
    }

    /// Reads up to the next space (or the end).
    pub(super) fn token(&mut self) -> &'a [u8] {
        self.take_while(|b| b != b' ')
    }

    pub(super) fn error(&self, reason: impl Into<String>) -> ParseError {
        self.error_at(self.pos, reason)
    }

    pub(super) fn error_at(&self, offset: usize, reason: impl Into<String>) -> ParseError {
        ParseError {
            offset,
            reason: reason.into(),
        }
    }
}

/// A PRI written `<` 1–3 digits `>` with a value up to 191, leading zeros forgiven.
pub(super) fn lenient_pri(cursor: &mut Cursor<'_>) -> Option<u8> {
    let mut probe = cursor.clone();
    let pri = read_lenient_pri(&mut probe)?;
    *cursor = probe;
    Some(pri)
}

fn read_lenient_pri(cursor: &mut Cursor<'_>) -> Option<u8> {
    if !cursor.eat(b'<') {
        return None;
    }
    let digits = cursor.take_while(|b| b.is_ascii_digit());
    if digits.is_empty() || digits.len() > 3 || !cursor.eat(b'>') {
        return None;
    }
    let value = digits_value(digits)?;
    u8::try_from(value).ok().filter(|&pri| pri <= 191)
}

/// The value of ASCII digits, if it fits in a `u32`.
pub(super) fn digits_value(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &digit| {
        if !digit.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u32::from(digit - b'0'))
    })
}

/// Text from bytes, replacing invalid UTF-8.
pub(super) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
