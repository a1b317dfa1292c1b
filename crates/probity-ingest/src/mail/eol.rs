//! Line ends: a carriage return alone (old Mac mail, or a mailer that mixes conventions) read as
//! the line end it stands for.
//!
//! mail-parser ends a line only at LF. A message written with CR alone is one header line to it
//! (the whole message a `From` value: the body lost, the rest read as display names), and a bare CR
//! inside the header block joins two fields into one (`Date: ... \rSubject: x` has no subject).
//! RFC 5322 allows CR only before LF, so a bare CR is a line end written wrongly: each one is
//! rewritten as LF before the message is parsed. A CR before LF (or a run of them, `\r\r\n`, which
//! some mailers write for one line end) is left as it is. The rewrite keeps every byte where it
//! was, so offsets into the message stay true.
//!
//! A CR in the body of a part sent with no transfer encoding (`binary`, `8bit`, or none named)
//! whose type is not text (a zip, a PDF, an image) is a byte of the file, not a line end:
//! rewritten, the file would be read damaged (a zip's checksums fail, a PDF's offsets miss). So
//! where a message has a bare CR, it is parsed once as rewritten, to find such parts, and their
//! bodies are given back their bytes as sent; their text is read from the file as it was. A
//! message whose header blocks are past their bounds, or whose multiparts' boundaries are found
//! nowhere (each costing a scan of the rest of it), is not parsed for that
//! ([`super::header_limit`], [`super::unfound`]): all its bare CRs are rewritten.

use mail_parser::{Encoding, Message, MessageParser, PartType};
use memchr::memchr_iter;

/// How deep attached messages are looked into for parts whose bytes are kept.
const MAX_DEPTH: usize = 10;

/// The line end to write at `at` in `raw`, a line start: CR LF where the line before ends so,
/// else LF.
pub(super) fn line_end_before(raw: &[u8], at: usize) -> &'static [u8] {
    if at >= 2 && raw.get(at - 2) == Some(&b'\r') {
        b"\r\n"
    } else {
        b"\n"
    }
}

/// `message` with every bare CR (a CR, or run of CRs, not followed by LF) rewritten as LF, and
/// how many were; none when it has none (the usual case: one look at each CR).
pub(super) fn bare_cr_as_lf(message: &[u8]) -> Option<(Vec<u8>, usize)> {
    let first = first_bare_cr(message)?;
    let mut out = message.to_vec();
    let mut rewritten = 0usize;
    let mut run_start = None;
    // From the first bare CR on, runs of CR are rewritten unless LF follows them.
    for index in first..=out.len() {
        let byte = out.get(index).copied();
        if byte == Some(b'\r') {
            run_start.get_or_insert(index);
            continue;
        }
        if let Some(start) = run_start.take()
            && byte != Some(b'\n')
        {
            for cr in &mut out[start..index] {
                *cr = b'\n';
            }
            rewritten += index - start;
        }
    }
    Some((out, rewritten))
}

/// `message` with its bare CRs rewritten as LF ([`bare_cr_as_lf`]) but for those in the bodies of
/// parts of a type that is not text sent with no transfer encoding, which keep their bytes, and
/// how many were rewritten; none where none is.
pub(super) fn line_ends_mended(parser: &MessageParser, message: &[u8]) -> Option<(Vec<u8>, usize)> {
    let (mut rewritten, count) = bare_cr_as_lf(message)?;
    if super::header_limit::cut(&rewritten).is_some()
        || super::unfound::rename(&rewritten).is_some()
    {
        return Some((rewritten, count));
    }
    let mut bodies = Vec::new();
    if let Some(parsed) = parser.parse(&rewritten) {
        binary_bodies(&parsed, &rewritten, 0, &mut bodies);
    }
    let mut kept = 0usize;
    for body in bodies {
        let (Some(sent), Some(read)) = (message.get(body.clone()), rewritten.get_mut(body)) else {
            continue;
        };
        kept += sent.iter().zip(read.iter()).filter(|(a, b)| a != b).count();
        read.copy_from_slice(sent);
    }
    let count = count.saturating_sub(kept);
    (count > 0).then_some((rewritten, count))
}

/// The body ranges, in `raw`, of the parts of `message` (and of the messages attached in it in
/// place) whose type is not text sent with no transfer encoding.
fn binary_bodies(
    message: &Message<'_>,
    raw: &[u8],
    depth: usize,
    out: &mut Vec<std::ops::Range<usize>>,
) {
    for part in &message.parts {
        match &part.body {
            PartType::Binary(_) | PartType::InlineBinary(_) if part.encoding == Encoding::None => {
                let start = part.offset_body as usize;
                let end = (part.offset_end as usize).max(start);
                out.push(start..end);
            }
            PartType::Message(attached)
                if depth < MAX_DEPTH && super::read_in_place(attached, raw) =>
            {
                binary_bodies(attached, raw, depth + 1, out);
            }
            _ => {}
        }
    }
}

/// Where the first run of CRs not followed by LF starts.
fn first_bare_cr(message: &[u8]) -> Option<usize> {
    let mut skip_to = 0;
    for index in memchr_iter(b'\r', message) {
        if index < skip_to {
            continue;
        }
        let run_end = message[index..]
            .iter()
            .position(|&byte| byte != b'\r')
            .map_or(message.len(), |len| index + len);
        if message.get(run_end) != Some(&b'\n') {
            return Some(index);
        }
        skip_to = run_end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bare_crs_become_line_feeds_and_crlf_stays() {
        assert_eq!(bare_cr_as_lf(b"a\r\nb\nc\r\r\n"), None);
        assert_eq!(bare_cr_as_lf(b""), None);
        let (out, count) = bare_cr_as_lf(b"From: a\rTo: b\r\rbody\r\nend\r").unwrap();
        assert_eq!(out, b"From: a\nTo: b\n\nbody\r\nend\n");
        assert_eq!(count, 4);
        let (out, count) = bare_cr_as_lf(b"x\r\r\ny\rz").unwrap();
        assert_eq!(out, b"x\r\r\ny\nz");
        assert_eq!(count, 1);
    }

    /// The zip-like bytes of a part sent as `binary` keep their CRs; the text part's and the
    /// header block's bare CRs are line ends.
    #[test]
    fn a_binary_body_keeps_its_crs() {
        let message: &[u8] = b"From: a@example.org\rTo: b@example.org\r\
MIME-Version: 1.0\r\
Content-Type: multipart/mixed; boundary=\"b\"\r\
\r\
--b\r\
Content-Type: text/plain\r\
\r\
one\rtwo\r\
--b\r\
Content-Type: application/zip\r\
Content-Transfer-Encoding: binary\r\
\r\
PK\x03\x04\rA\r\r\x00\r\
--b--\r";
        let parser = MessageParser::new();
        let (out, count) = line_ends_mended(&parser, message).unwrap();
        let body = b"PK\x03\x04\rA\r\r\x00";
        let at = memchr::memmem::find(message, body).unwrap();
        assert_eq!(&out[at..at + body.len()], body);
        assert_eq!(out[at + body.len()], b'\n');
        assert!(memchr::memmem::find(&out, b"one\ntwo\n--b\n").is_some());
        let (all, all_count) = bare_cr_as_lf(message).unwrap();
        assert_eq!(count, all_count - 3);
        assert_eq!(out.len(), all.len());
        // Read again, the part's bytes are the file's.
        let parsed = parser.parse(&out).unwrap();
        let zip = parsed.attachment(0).unwrap();
        assert_eq!(zip.contents(), body);
    }

    proptest! {
        /// Whatever the bytes, only CRs change, each to LF; the result has no bare CR; and the
        /// count is the number changed.
        #[test]
        fn only_bare_crs_change(bytes in proptest::collection::vec(
            prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'a'), any::<u8>()], 0..200,
        )) {
            match bare_cr_as_lf(&bytes) {
                None => prop_assert!(first_bare_cr(&bytes).is_none()),
                Some((out, count)) => {
                    prop_assert_eq!(out.len(), bytes.len());
                    let changed = bytes.iter().zip(&out).filter(|(a, b)| a != b).count();
                    prop_assert_eq!(changed, count);
                    prop_assert!(count > 0);
                    for (before, after) in bytes.iter().zip(&out) {
                        prop_assert!(before == after || (*before == b'\r' && *after == b'\n'));
                    }
                    prop_assert!(first_bare_cr(&out).is_none());
                }
            }
        }
    }
}
