//! A bound on a message's own header block, applied before the message is parsed.
//!
//! mail-parser keeps each header field as structures many times the size of its text, an address
//! list most of all: `a;` repeated (a group each) takes about 130 bytes of memory for every byte
//! of it, `X:` lines about 40 (found by the fuzzer: a 1.9 MB `From: ; a=b; a=b…` took 90 MB).
//! Within the 64 MiB a message may be, that is gigabytes. A header block longer than
//! [`MAX_HEADER_BLOCK_BYTES`] is parsed with only the fields that fit within it, in order: a field
//! that would take it past the limit is left out whole, with its continuation lines, and later
//! fields that still fit are kept (a `Content-Type` after one huge `To:`). The event is labelled
//! and the whole message kept in dead-letter. Mail servers take far smaller header blocks
//! (Postfix keeps 100 KB of one and drops the rest; Exchange's receive connectors refuse more than
//! 256 KB by default), so no message they deliver loses a field.
//!
//! The same bound holds for a message parsed on its own from an attachment's bytes (S/MIME signed
//! content; an attached `.eml` over it is read as a file instead). The header blocks mail-parser
//! reads in the same pass as the message's own (its parts', and those of messages attached as
//! `message/rfc822` parts) are not bounded here: finding them is the parse itself.

/// The most bytes of a message's own header block that are parsed.
pub(super) const MAX_HEADER_BLOCK_BYTES: usize = 512 * 1024;

/// A message whose header block was cut.
#[derive(Debug)]
pub(super) struct Cut {
    /// The message with the fields left out.
    pub(super) bytes: Vec<u8>,
    /// How many fields were left out.
    pub(super) fields: usize,
    /// Their bytes.
    pub(super) field_bytes: usize,
}

/// `bytes` with the header fields past [`MAX_HEADER_BLOCK_BYTES`] left out (see the module
/// docs); none where the header block is within it.
pub(super) fn cut(bytes: &[u8]) -> Option<Cut> {
    let end = block_end(bytes);
    if end <= MAX_HEADER_BLOCK_BYTES {
        return None;
    }
    let mut out = Vec::with_capacity(MAX_HEADER_BLOCK_BYTES + (bytes.len() - end));
    let mut kept = 0;
    let mut fields = 0;
    let mut field_bytes = 0;
    let mut at = 0;
    while at < end {
        let field_end = field_end(bytes, at, end);
        let field = &bytes[at..field_end];
        if kept + field.len() <= MAX_HEADER_BLOCK_BYTES {
            out.extend_from_slice(field);
            kept += field.len();
        } else {
            fields += 1;
            field_bytes += field.len();
        }
        at = field_end;
    }
    out.extend_from_slice(&bytes[end..]);
    Some(Cut {
        bytes: out,
        fields,
        field_bytes,
    })
}

/// Whether the header block of `bytes` is longer than [`MAX_HEADER_BLOCK_BYTES`].
pub(super) fn is_over(bytes: &[u8]) -> bool {
    block_end(bytes) > MAX_HEADER_BLOCK_BYTES
}

/// Where the header block ends: the start of its first empty line (`\r` alone counts as empty),
/// or the end of the message.
fn block_end(bytes: &[u8]) -> usize {
    let mut line_start = 0;
    while line_start < bytes.len() {
        let rest = &bytes[line_start..];
        if rest.starts_with(b"\n") || rest.starts_with(b"\r\n") {
            return line_start;
        }
        match memchr::memchr(b'\n', rest) {
            Some(newline) => line_start += newline + 1,
            None => return bytes.len(),
        }
    }
    bytes.len()
}

/// Where the field whose first line starts at `start` ends (within the block ending at `end`):
/// after its last continuation line (one starting with a space or a tab).
fn field_end(bytes: &[u8], start: usize, end: usize) -> usize {
    let mut at = line_end(bytes, start, end);
    while at < end && matches!(bytes[at], b' ' | b'\t') {
        at = line_end(bytes, at, end);
    }
    at
}

/// The start of the line after the one starting at `start` (or `end`).
fn line_end(bytes: &[u8], start: usize, end: usize) -> usize {
    memchr::memchr(b'\n', &bytes[start..end]).map_or(end, |newline| start + newline + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_block_within_the_limit_is_left_alone() {
        assert!(cut(b"From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n").is_none());
        assert!(cut(b"").is_none());
        assert!(cut(b"Subject: no body").is_none());
    }

    #[test]
    fn a_field_past_the_limit_is_left_out_whole_and_later_ones_kept() {
        let huge = format!(
            "From: ;\n{}",
            " a=b;\n".repeat(MAX_HEADER_BLOCK_BYTES / 6 + 1)
        );
        let message = format!(
            "Subject: kept\n{huge}Content-Type: text/plain\n\nthe body\nFrom: not a field\n"
        );
        let got = cut(message.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(got.bytes).unwrap(),
            "Subject: kept\nContent-Type: text/plain\n\nthe body\nFrom: not a field\n"
        );
        assert_eq!(got.fields, 1);
        assert_eq!(got.field_bytes, huge.len());
    }

    #[test]
    fn many_small_fields_are_kept_up_to_the_limit() {
        let line = "X-Field: value\r\n";
        let count = MAX_HEADER_BLOCK_BYTES / line.len() + 10;
        let message = format!("{}\r\nbody", line.repeat(count));
        let got = cut(message.as_bytes()).unwrap();
        let kept = MAX_HEADER_BLOCK_BYTES / line.len();
        assert_eq!(got.fields, count - kept);
        assert_eq!(got.bytes.len(), kept * line.len() + "\r\nbody".len());
        assert!(got.bytes.ends_with(b"X-Field: value\r\n\r\nbody"));
    }
}
