//! Charset decisions that mail-parser leaves to its caller.
//!
//! mail-parser decodes text in the charset a part declares, and that is right for almost every
//! charset. UTF-16 declared without a byte order (`charset=utf-16`, `ucs-2`, `unicode`) over bytes
//! without a byte-order mark is the exception: mail-parser reads it as little-endian, while
//! RFC 2781 (section 4.3) says such text is big-endian. Text read in the wrong order comes out as
//! CJK characters, which no policy or sealing cue can read, and no label said so.
//!
//! Header fields are another: RFC 5322 headers are ASCII (RFC 2047 encodes the rest), but many
//! mailers write raw 8-bit Latin-1 or windows-1252 (`Subject: caf\xe9`), and mail-parser reads
//! header bytes as UTF-8, replacing what is not with U+FFFD. Such lines are read as windows-1252
//! instead, as most mail readers do.

use std::char::{REPLACEMENT_CHARACTER, decode_utf16};

use mail_parser::decoders::charsets::map::charset_decoder;

const UTF16_LE_BOM: [u8; 2] = [0xff, 0xfe];
const UTF16_BE_BOM: [u8; 2] = [0xfe, 0xff];

/// Whether `charset` names UTF-16 without saying its byte order (so a byte-order mark, or else
/// RFC 2781's big-endian default, decides it). `utf-16le`, `utf-16be` and `unicodefffe` say theirs.
pub(crate) fn is_utf16_without_order(charset: &str) -> bool {
    let name: String = charset
        .trim()
        .chars()
        .map(|c| match c {
            '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    matches!(
        name.as_str(),
        "utf_16"
            | "utf16"
            | "ucs_2"
            | "ucs2"
            | "unicode"
            | "unicodefeff"
            | "csunicode"
            | "csutf16"
            | "iso_10646_ucs_2"
    )
}

/// Text decoded from UTF-16 whose byte order was not declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Utf16Text {
    pub text: String,
    /// The text may not be what was sent: the order was guessed against RFC 2781 (little-endian
    /// bytes without a mark), an odd byte was left over, or unpaired surrogates were replaced.
    pub doubtful: bool,
}

/// `bytes` as UTF-16 in the order its byte-order mark gives (the mark removed); without one,
/// big-endian as RFC 2781 says, unless the bytes are plainly little-endian text (Windows writes
/// UTF-16 without a mark, little-endian): mostly zero bytes at odd offsets, as ASCII letters give,
/// and few at even ones. That guess is marked doubtful, as is any loss.
pub(crate) fn decode_utf16_without_order(bytes: &[u8]) -> Utf16Text {
    let (body, little_endian, guessed) = match bytes.first_chunk::<2>() {
        Some(&UTF16_BE_BOM) => (bytes.get(2..).unwrap_or_default(), false, false),
        Some(&UTF16_LE_BOM) => (bytes.get(2..).unwrap_or_default(), true, false),
        _ => {
            let little_endian = looks_little_endian(bytes);
            (bytes, little_endian, little_endian)
        }
    };
    let (units, rest) = body.as_chunks::<2>();
    let units = units.iter().map(|&pair| {
        if little_endian {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    let mut replaced = false;
    let text: String = decode_utf16(units)
        .map(|unit| {
            unit.unwrap_or_else(|_| {
                replaced = true;
                REPLACEMENT_CHARACTER
            })
        })
        .collect();
    Utf16Text {
        text,
        doubtful: guessed || replaced || !rest.is_empty(),
    }
}

/// The message with the lines of its header block (up to the first empty line) that are not valid
/// UTF-8 rewritten from windows-1252 (of which Latin-1 is a part) to UTF-8; none when every header
/// line is UTF-8 already (the usual case: the check is one pass over the header block). The body
/// is left as it is, for its part's charset to decode.
pub(crate) fn header_block_as_utf8(message: &[u8]) -> Option<Vec<u8>> {
    let end = header_block_end(message);
    let headers = message.get(..end)?;
    if std::str::from_utf8(headers).is_ok() {
        return None;
    }
    let decoder = charset_decoder(b"windows-1252")?;
    let mut out = Vec::with_capacity(message.len() + message.len() / 16);
    for line in headers.split_inclusive(|&byte| byte == b'\n') {
        if std::str::from_utf8(line).is_ok() {
            out.extend_from_slice(line);
        } else {
            out.extend_from_slice(decoder(line).as_bytes());
        }
    }
    out.extend_from_slice(message.get(end..).unwrap_or_default());
    Some(out)
}

/// Where the header block ends: after the line break that precedes the first empty line (`\n\n` or
/// `\n\r\n`), else the whole input.
fn header_block_end(message: &[u8]) -> usize {
    let mut line_start = 0;
    for line in message.split_inclusive(|&byte| byte == b'\n') {
        if line == b"\n" || line == b"\r\n" {
            return line_start;
        }
        line_start += line.len();
    }
    message.len()
}

/// Little-endian text of mostly ASCII letters has a zero at every odd offset and none at even ones;
/// big-endian the reverse. Only a clear majority (a quarter of the units at least, and more than
/// twice as many as the other way) overrides RFC 2781's big-endian default.
fn looks_little_endian(bytes: &[u8]) -> bool {
    let (units, _) = bytes.as_chunks::<2>();
    let mut zero_high = 0usize; // [x, 0]: little-endian ASCII
    let mut zero_low = 0usize; // [0, x]: big-endian ASCII
    for &[first, second] in units {
        if second == 0 && first != 0 {
            zero_high += 1;
        } else if first == 0 && second != 0 {
            zero_low += 1;
        }
    }
    zero_high * 4 >= units.len() && zero_high > zero_low.saturating_mul(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn be(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    fn le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn raw_8bit_header_lines_are_read_as_windows_1252() {
        let message = b"From: Jos\xe9 <j@x.org>\r\nSubject: caf\xe9 \x93menu\x94\r\nX-Ok: na\xc3\xafve\r\n\r\nbody caf\xe9\r\n";
        let got = header_block_as_utf8(message).unwrap();
        let headers = "From: Jos\u{e9} <j@x.org>\r\nSubject: caf\u{e9} \u{201c}menu\u{201d}\r\nX-Ok: na\u{ef}ve\r\n";
        let expected = [headers.as_bytes(), b"\r\nbody caf\xe9\r\n"].concat();
        assert_eq!(got, expected);
        // UTF-8 headers, and 8-bit bytes only in the body, are left alone.
        assert_eq!(
            header_block_as_utf8(b"Subject: caf\xc3\xa9\n\nbody \xe9\n"),
            None
        );
        assert_eq!(header_block_as_utf8(b"Subject: plain\n"), None);
    }

    #[test]
    fn names_without_an_order() {
        for name in [
            "utf-16",
            "UTF-16",
            " utf16 ",
            "UCS-2",
            "unicode",
            "csUnicode",
        ] {
            assert!(is_utf16_without_order(name), "{name}");
        }
        for name in ["utf-16le", "UTF-16BE", "utf-8", "unicodefffe", "latin1", ""] {
            assert!(!is_utf16_without_order(name), "{name}");
        }
    }

    #[test]
    fn no_mark_means_big_endian() {
        let got = decode_utf16_without_order(&be("I was diagnosed with asthma\n"));
        assert_eq!(got.text, "I was diagnosed with asthma\n");
        assert!(!got.doubtful);
        // Text outside ASCII, which the zero-byte count cannot tell: big-endian.
        let got = decode_utf16_without_order(&be("Привет, мир"));
        assert_eq!(got.text, "Привет, мир");
        assert!(!got.doubtful);
    }

    #[test]
    fn a_mark_decides_the_order() {
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(le("hello"));
        let got = decode_utf16_without_order(&bytes);
        assert_eq!(got.text, "hello");
        assert!(!got.doubtful);
        let mut bytes = vec![0xfe, 0xff];
        bytes.extend(be("hello"));
        assert_eq!(decode_utf16_without_order(&bytes).text, "hello");
    }

    #[test]
    fn plain_little_endian_text_is_read_and_marked_doubtful() {
        let got = decode_utf16_without_order(&le("meet me at the station"));
        assert_eq!(got.text, "meet me at the station");
        assert!(got.doubtful);
    }

    #[test]
    fn losses_are_marked_doubtful() {
        // An unpaired high surrogate.
        let got = decode_utf16_without_order(&[0xd8, 0x00, 0x00, 0x41]);
        assert_eq!(got.text, "\u{fffd}A");
        assert!(got.doubtful);
        // An odd byte left over.
        let got = decode_utf16_without_order(&[0x00, 0x41, 0x00]);
        assert_eq!(got.text, "A");
        assert!(got.doubtful);
    }

    proptest! {
        /// Any text written big-endian without a mark, or with either mark, reads back whole.
        #[test]
        fn round_trips(text in "\\PC{0,60}") {
            let got = decode_utf16_without_order(&be(&text));
            if !got.doubtful {
                prop_assert_eq!(&got.text, &text);
            }
            let mut marked = vec![0xff, 0xfe];
            marked.extend(le(&text));
            let got = decode_utf16_without_order(&marked);
            prop_assert_eq!(&got.text, &text);
            prop_assert!(!got.doubtful);
        }

        /// Whatever the header bytes, the header block comes out as UTF-8 with its line breaks
        /// where they were, and the body byte for byte as it was.
        #[test]
        fn header_blocks_come_out_as_utf8(
            lines in proptest::collection::vec(proptest::collection::vec(any::<u8>().prop_filter("no line break", |b| *b != b'\n'), 1..30), 0..8),
            body in proptest::collection::vec(any::<u8>(), 0..60),
        ) {
            let mut message = Vec::new();
            for line in &lines {
                message.extend_from_slice(line);
                message.push(b'\n');
            }
            let header_end = header_block_end(&message);
            message.extend_from_slice(b"\n");
            message.extend_from_slice(&body);
            match header_block_as_utf8(&message) {
                None => prop_assert!(std::str::from_utf8(&message[..header_end]).is_ok()),
                Some(out) => {
                    let out_end = header_block_end(&out);
                    prop_assert!(std::str::from_utf8(&out[..out_end]).is_ok());
                    prop_assert_eq!(
                        out[..out_end].iter().filter(|&&b| b == b'\n').count(),
                        message[..header_end].iter().filter(|&&b| b == b'\n').count()
                    );
                    prop_assert_eq!(&out[out_end..], &message[header_end..]);
                }
            }
        }

        /// Arbitrary bytes never panic, and a clean result re-encodes to the bytes read.
        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let got = decode_utf16_without_order(&bytes);
            if !got.doubtful && !bytes.starts_with(&UTF16_LE_BOM) && !bytes.starts_with(&UTF16_BE_BOM) {
                prop_assert_eq!(be(&got.text), bytes);
            }
        }
    }
}
