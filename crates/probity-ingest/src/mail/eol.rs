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

use memchr::memchr_iter;

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
