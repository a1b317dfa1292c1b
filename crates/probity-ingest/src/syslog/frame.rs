//! RFC 6587: syslog messages over a TCP stream, octet-counted or delimited, read incrementally.

/// Most digits read while waiting to learn whether a frame is octet-counted.
const MAX_COUNT_DIGITS: usize = 20;

/// A frame that could not be delivered. Each variant keeps the first bytes of the frame so that
/// the caller can dead-letter them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A delimited frame ran past the limit before its line end; the decoder has skipped to the
    /// next line end.
    #[error("syslog frame longer than the limit of {limit} bytes")]
    TooLong { limit: usize, first_bytes: Vec<u8> },
    /// An octet count above the limit: the connection should be closed, since the decoder can
    /// only stay in step by discarding that many bytes. Reported once the header and `limit`
    /// bytes of the frame have arrived (or at the end of the stream), with those bytes kept.
    #[error(
        "syslog octet count {claimed} is over the limit of {limit} bytes; the connection should be closed"
    )]
    CountTooLarge {
        claimed: u64,
        limit: usize,
        first_bytes: Vec<u8>,
    },
    /// The stream ended inside an octet-counted frame.
    #[error("the stream ended after {received} of the {expected} bytes of an octet-counted frame")]
    Truncated {
        expected: usize,
        received: usize,
        first_bytes: Vec<u8>,
    },
}

impl FrameError {
    /// The first bytes of the frame in question (at most the frame limit).
    pub fn first_bytes(&self) -> &[u8] {
        match self {
            FrameError::TooLong { first_bytes, .. }
            | FrameError::CountTooLarge { first_bytes, .. }
            | FrameError::Truncated { first_bytes, .. } => first_bytes,
        }
    }

    /// Whether the connection should be closed rather than read on.
    pub fn closes_connection(&self) -> bool {
        matches!(self, FrameError::CountTooLarge { .. })
    }
}

/// What the decoder is doing between frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ready,
    /// Discarding the rest of an over-long delimited frame, up to its line end.
    SkipLine,
    /// Discarding this many bytes of an octet-counted frame over the limit.
    SkipOctets(u64),
}

/// How the bytes at the start of the buffer are framed.
enum Framing {
    /// `LEN SP MSG`: the header length and the count.
    Counted { header: usize, count: u64 },
    /// Delimited by LF (or NUL).
    Delimited,
    /// Only digits so far: wait for more.
    Undecided,
}

/// Splits a TCP byte stream into syslog frames (RFC 6587). A frame starting with a digit 1–9,
/// more digits and a space is octet-counted (`LEN SP MSG`); anything else runs to the next LF
/// (a trailing CR removed) or NUL. Empty frames are skipped. Feed bytes with [`push`](Self::push)
/// and call [`next_frame`](Self::next_frame) until it returns `None`; at the end of the stream
/// call [`finish`](Self::finish) until it returns `None`.
#[derive(Debug)]
pub struct FrameDecoder {
    max_frame: usize,
    buffer: Vec<u8>,
    start: usize,
    /// How far past `start` a delimiter has already been looked for in vain.
    scanned: usize,
    state: State,
}

impl FrameDecoder {
    /// A decoder that refuses frames longer than `max_frame` bytes.
    pub fn new(max_frame: usize) -> Self {
        Self {
            max_frame: max_frame.max(1),
            buffer: Vec::new(),
            start: 0,
            scanned: 0,
            state: State::Ready,
        }
    }

    /// Adds bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.buffer.len() / 2 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// Bytes held and not yet returned.
    pub fn buffered(&self) -> usize {
        self.buffer.len() - self.start
    }

    /// The next complete frame, an error for a frame that cannot be delivered, or `None` when
    /// more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        if !self.skip_discarded() {
            return None;
        }
        self.skip_delimiters();
        let pending = &self.buffer[self.start..];
        if pending.is_empty() {
            return None;
        }
        match framing(pending) {
            Framing::Undecided => None,
            Framing::Counted { header, count } => self.counted_frame(header, count),
            Framing::Delimited => self.delimited_frame(),
        }
    }

    /// At the end of the stream: the next complete frame, else the trailing partial frame (a
    /// delimited frame without its line end, or an error for a cut-off octet-counted frame).
    /// Call until it returns `None`.
    pub fn finish(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        if let Some(frame) = self.next_frame() {
            return Some(frame);
        }
        if self.state != State::Ready {
            self.clear();
            return None;
        }
        let pending = &self.buffer[self.start..];
        if pending.is_empty() {
            return None;
        }
        let result = match framing(pending) {
            Framing::Counted { count, .. } if count > self.max_frame as u64 => {
                Err(FrameError::CountTooLarge {
                    claimed: count,
                    limit: self.max_frame,
                    first_bytes: pending.to_vec(),
                })
            }
            Framing::Counted { header, count } => Err(FrameError::Truncated {
                expected: usize::try_from(count).unwrap_or(usize::MAX),
                received: pending.len() - header,
                first_bytes: pending.to_vec(),
            }),
            Framing::Undecided | Framing::Delimited => {
                let frame = pending.strip_suffix(b"\r").unwrap_or(pending);
                self.checked_frame(frame)
            }
        };
        self.clear();
        Some(result)
    }

    fn clear(&mut self) {
        self.buffer.clear();
        self.start = 0;
        self.scanned = 0;
        self.state = State::Ready;
    }

    /// Marks `count` more bytes as used.
    fn consume(&mut self, count: usize) {
        self.start = (self.start + count).min(self.buffer.len());
        self.scanned = 0;
    }

    /// Discards what an earlier error said would be skipped. Returns whether the decoder is
    /// ready for a new frame.
    fn skip_discarded(&mut self) -> bool {
        let pending = &self.buffer[self.start..];
        match self.state {
            State::Ready => true,
            State::SkipLine => match pending.iter().position(|&b| b == b'\n' || b == 0) {
                Some(end) => {
                    self.consume(end + 1);
                    self.state = State::Ready;
                    true
                }
                None => {
                    self.consume(pending.len());
                    false
                }
            },
            State::SkipOctets(remaining) => {
                let available = pending.len() as u64;
                let skipped = remaining.min(available);
                self.consume(usize::try_from(skipped).unwrap_or(pending.len()));
                if skipped < remaining {
                    self.state = State::SkipOctets(remaining - skipped);
                    return false;
                }
                self.state = State::Ready;
                true
            }
        }
    }

    /// Skips line ends and NULs between frames.
    fn skip_delimiters(&mut self) {
        let pending = &self.buffer[self.start..];
        let count = pending
            .iter()
            .take_while(|&&b| matches!(b, b'\n' | b'\r' | 0))
            .count();
        if count > 0 {
            self.consume(count);
        }
    }

    fn counted_frame(&mut self, header: usize, count: u64) -> Option<Result<Vec<u8>, FrameError>> {
        let pending = &self.buffer[self.start..];
        if count > self.max_frame as u64 {
            let kept = header + self.max_frame;
            if pending.len() < kept {
                return None;
            }
            let error = FrameError::CountTooLarge {
                claimed: count,
                limit: self.max_frame,
                first_bytes: pending[..kept].to_vec(),
            };
            self.consume(kept);
            self.state = State::SkipOctets(count - self.max_frame as u64);
            return Some(Err(error));
        }
        let count = usize::try_from(count).ok()?;
        let end = header + count;
        if pending.len() < end {
            return None;
        }
        let frame = pending[header..end].to_vec();
        self.consume(end);
        Some(Ok(frame))
    }

    fn delimited_frame(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        let pending = &self.buffer[self.start..];
        let unscanned = &pending[self.scanned.min(pending.len())..];
        let Some(found) = unscanned.iter().position(|&b| b == b'\n' || b == 0) else {
            // One byte of slack for a CR that a line end would remove.
            if pending.len() <= self.max_frame + 1 {
                self.scanned = pending.len();
                return None;
            }
            let error = FrameError::TooLong {
                limit: self.max_frame,
                first_bytes: pending[..self.max_frame].to_vec(),
            };
            self.consume(pending.len());
            self.state = State::SkipLine;
            return Some(Err(error));
        };
        let end = pending.len() - unscanned.len() + found;
        let line = &pending[..end];
        let frame = line.strip_suffix(b"\r").unwrap_or(line);
        let result = self.checked_frame(frame);
        self.consume(end + 1);
        Some(result)
    }

    fn checked_frame(&self, frame: &[u8]) -> Result<Vec<u8>, FrameError> {
        if frame.len() > self.max_frame {
            return Err(FrameError::TooLong {
                limit: self.max_frame,
                first_bytes: frame[..self.max_frame].to_vec(),
            });
        }
        Ok(frame.to_vec())
    }
}

fn framing(pending: &[u8]) -> Framing {
    if !matches!(pending.first(), Some(b'1'..=b'9')) {
        return Framing::Delimited;
    }
    let digits = pending.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > MAX_COUNT_DIGITS {
        return Framing::Delimited;
    }
    match pending.get(digits) {
        None => Framing::Undecided,
        Some(b' ') => Framing::Counted {
            header: digits + 1,
            count: pending[..digits].iter().fold(0u64, |acc, &d| {
                acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
            }),
        },
        Some(_) => Framing::Delimited,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(decoder: &mut FrameDecoder) -> Vec<Result<Vec<u8>, FrameError>> {
        let mut out = Vec::new();
        while let Some(frame) = decoder.next_frame() {
            out.push(frame);
        }
        out
    }

    #[test]
    fn counted_and_delimited_frames_mix() {
        let mut decoder = FrameDecoder::new(100);
        decoder.push(b"5 hello<1>a\r\n\n3 abc<2>b\0");
        let frames = drain(&mut decoder);
        let expected: Vec<Result<Vec<u8>, FrameError>> = vec![
            Ok(b"hello".to_vec()),
            Ok(b"<1>a".to_vec()),
            Ok(b"abc".to_vec()),
            Ok(b"<2>b".to_vec()),
        ];
        assert_eq!(frames, expected);
        assert_eq!(decoder.finish(), None);
    }

    #[test]
    fn waits_for_digits_to_be_decided() {
        let mut decoder = FrameDecoder::new(100);
        decoder.push(b"12");
        assert_eq!(decoder.next_frame(), None);
        decoder.push(b"3");
        assert_eq!(decoder.next_frame(), None);
        decoder.push(b"4-11-23 line\n");
        assert_eq!(decoder.next_frame(), Some(Ok(b"1234-11-23 line".to_vec())));
    }

    #[test]
    fn over_long_line_is_reported_and_skipped() {
        let mut decoder = FrameDecoder::new(4);
        decoder.push(b"<1>abcdefgh");
        let error = decoder.next_frame().unwrap().unwrap_err();
        assert_eq!(error.first_bytes(), b"<1>a");
        assert!(!error.closes_connection());
        decoder.push(b"ijk\n<2>x\n");
        assert_eq!(decoder.next_frame(), Some(Ok(b"<2>x".to_vec())));
    }

    #[test]
    fn count_over_limit_says_close() {
        let mut decoder = FrameDecoder::new(10);
        decoder.push(b"99999999999 <1>x");
        assert_eq!(decoder.next_frame(), None);
        decoder.push(b"yzabcdefgh");
        let error = decoder.next_frame().unwrap().unwrap_err();
        assert!(error.closes_connection());
        assert!(error.to_string().contains("99999999999"), "{error}");
        assert_eq!(error.first_bytes(), b"99999999999 <1>xyzabcd");

        let mut decoder = FrameDecoder::new(10);
        decoder.push(b"11 <1>x");
        let error = decoder.finish().unwrap().unwrap_err();
        assert!(error.closes_connection());
        assert_eq!(error.first_bytes(), b"11 <1>x");
    }

    #[test]
    fn finish_returns_the_trailing_partial_frame() {
        let mut decoder = FrameDecoder::new(100);
        decoder.push(b"<1>complete\n<2>partial\r");
        assert_eq!(decoder.next_frame(), Some(Ok(b"<1>complete".to_vec())));
        assert_eq!(decoder.next_frame(), None);
        assert_eq!(decoder.finish(), Some(Ok(b"<2>partial".to_vec())));
        assert_eq!(decoder.finish(), None);

        decoder.push(b"10 <1>abc");
        assert_eq!(decoder.next_frame(), None);
        let error = decoder.finish().unwrap().unwrap_err();
        assert!(matches!(
            error,
            FrameError::Truncated {
                expected: 10,
                received: 6,
                ..
            }
        ));
    }
}
