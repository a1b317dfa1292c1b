//! Transfer encodings mail-parser leaves undone that mail programs undo.
//!
//! mail-parser decodes a part only when its `Content-Transfer-Encoding` is exactly `base64` or
//! `quoted-printable`; any other value leaves the part as written. Mail programs read the field's
//! first word: `base64 (encoded)` (RFC 2045 allows the comment), `base64;` or `"base64"` is
//! base64 to them, and Thunderbird decodes `x-uuencode` (or `uuencode`, `x-uue`, `uue`) too. Left
//! encoded, a text sent so reached the policies as letters in base64 or `=6B=69` codes while its
//! reader saw the words. A field whose first word names none of these (`base-64`, `x-unknown`)
//! is left as mail-parser reads it: RFC 2045 §6.4 has such a part read as opaque bytes, and they
//! are its raw text, which is sniffed like any other attachment's.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, MessagePart, MimeHeaders, PartType};

/// A transfer encoding mail-parser does not undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    Base64,
    QuotedPrintable,
    Uuencode,
}

/// The encoding the field's first word names (case aside): what comes before white space, a
/// semicolon, a comma or a comment, quotes taken off.
fn first_word_names(field: &str) -> Option<Named> {
    let field = field.trim_start().trim_start_matches('"');
    let end = field
        .find(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '(' | '"'))
        .unwrap_or(field.len());
    let word = &field[..end];
    let is = |name: &str| word.eq_ignore_ascii_case(name);
    if is("base64") {
        Some(Named::Base64)
    } else if is("quoted-printable") {
        Some(Named::QuotedPrintable)
    } else if ["x-uuencode", "uuencode", "x-uue", "uue"]
        .iter()
        .any(|name| is(name))
    {
        Some(Named::Uuencode)
    } else {
        None
    }
}

/// The body of `part` (a leaf part: text or a file) decoded as its `Content-Transfer-Encoding`
/// field names it by its first word, where mail-parser left it as written; none where
/// mail-parser decoded it, the field names no encoding this module knows, or the body does not
/// decode. `raw_message` is the message whose bytes the part's offsets index.
///
/// A message attached as `base64 (encoded)` is one mail-parser read as a message in its base64
/// letters, found empty and kept as raw text with an encoding problem: that text is decoded here
/// too. A part whose field says exactly `base64` but whose body is not base64 fails here as it
/// did there.
pub(super) fn decoded_body(part: &MessagePart<'_>, raw_message: &[u8]) -> Option<Vec<u8>> {
    let is_leaf = matches!(
        part.body,
        PartType::Text(_) | PartType::Html(_) | PartType::Binary(_) | PartType::InlineBinary(_)
    );
    if !is_leaf || part.encoding != Encoding::None {
        return None;
    }
    let named = first_word_names(part.content_transfer_encoding()?)?;
    // The part as written; mail-parser's offsets of one it could not read may reach past it,
    // and its text is the part then.
    let body = if part.is_encoding_problem {
        part.contents()
    } else {
        raw_message.get(part.offset_body as usize..part.offset_end as usize)?
    };
    match named {
        Named::Base64 => base64_decode(body),
        Named::QuotedPrintable => quoted_printable_decode(body),
        Named::Uuencode => uudecode(body),
    }
}

/// The file a uuencoded body holds: the lines between `begin MODE NAME` and `end` (or the first
/// empty line of data), each a length character and then four characters for every three bytes.
/// None without a `begin` line or with a line that is not uuencoded.
fn uudecode(body: &[u8]) -> Option<Vec<u8>> {
    let mut lines = body
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    lines.find(|line| line.starts_with(b"begin "))?;
    let mut out = Vec::with_capacity(body.len() / 4 * 3);
    for line in lines {
        if line == b"end" {
            break;
        }
        let Some((&first, data)) = line.split_first() else {
            continue;
        };
        let length = usize::from(first.wrapping_sub(b' ') & 0x3f);
        if length == 0 {
            break;
        }
        if data.iter().any(|&b| !(b' '..=b'`').contains(&b)) {
            return None;
        }
        let start = out.len();
        for group in data.chunks(4) {
            let mut sextets = [0u8; 4];
            for (slot, &b) in sextets.iter_mut().zip(group) {
                *slot = b.wrapping_sub(b' ') & 0x3f;
            }
            let [a, b, c, d] = sextets;
            out.extend_from_slice(&[a << 2 | b >> 4, b << 4 | c >> 2, c << 6 | d]);
        }
        // A line holds its length in bytes; the last group pads to three.
        out.truncate(start + length.min(out.len() - start));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn body_of(message: &[u8]) -> Option<Vec<u8>> {
        let parsed = MessageParser::default().parse(message).unwrap();
        let part = parsed.parts.last().unwrap();
        decoded_body(part, &parsed.raw_message)
    }

    #[test]
    fn the_first_word_of_the_field_names_the_encoding() {
        for field in [
            "base64 (encoded)",
            "BASE64;",
            "\"base64\"",
            " base64,7bit",
            "Base64\t(x)",
        ] {
            assert_eq!(first_word_names(field), Some(Named::Base64), "{field}");
        }
        assert_eq!(
            first_word_names("quoted-printable (it is)"),
            Some(Named::QuotedPrintable)
        );
        assert_eq!(first_word_names("x-uuencode"), Some(Named::Uuencode));
        for field in ["base-64", "x-unknown", "7bit", "", "base64x", "bas e64"] {
            assert_eq!(first_word_names(field), None, "{field}");
        }
    }

    #[test]
    fn a_part_mail_parser_left_encoded_is_decoded() {
        let message = b"Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: base64 (encoded)\n\nSSBrbm93IHdoZXJlIHlvdSBsaXZl\n";
        assert_eq!(
            body_of(message).as_deref(),
            Some(&b"I know where you live"[..])
        );
        let message = b"Subject: t\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: quoted-printable;\n\n=6B=69=6C=6C\n";
        assert_eq!(body_of(message).as_deref(), Some(&b"kill\n"[..]));
    }

    #[test]
    fn a_part_mail_parser_decoded_or_could_not_is_left_to_it() {
        // Decoded already.
        let message =
            b"Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGk=\n";
        assert_eq!(body_of(message), None);
        // No encoding named, or one not known: the raw text stands.
        let message =
            b"Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: base-64\n\naGk=\n";
        assert_eq!(body_of(message), None);
        // Named, but the body is not base64: the raw text stands.
        let message = b"Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: base64 (x)\n\nnot base64!\n";
        assert_eq!(body_of(message), None);
    }

    #[test]
    fn uuencoded_bodies_are_decoded() {
        // `uuencode` of "I know where you live\n".
        let body = b"begin 644 a.txt\n622!K;F]W('=H97)E('EO=2!L:79E\"@``\n`\nend\n";
        assert_eq!(
            uudecode(body).as_deref(),
            Some(&b"I know where you live\n"[..])
        );
        assert_eq!(uudecode(b"no begin line\n"), None);
        assert_eq!(uudecode(b"begin 644 a\n\x7fbad\nend\n"), None);
        let message = b"Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a.txt\n622!K;F]W('=H97)E('EO=2!L:79E\"@``\n`\nend\n";
        assert_eq!(
            body_of(message).as_deref(),
            Some(&b"I know where you live\n"[..])
        );
    }
}
