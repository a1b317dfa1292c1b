//! Plain text in its declared charset, and HTML reduced to text.

use mail_parser::decoders::charsets::map::charset_decoder;

use super::{Input, TextOut};

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";
const UTF16_LE_BOM: &[u8] = b"\xff\xfe";
const UTF16_BE_BOM: &[u8] = b"\xfe\xff";

/// Plain text: a byte-order mark first, then the declared charset, then UTF-8.
pub(super) fn plain(input: &Input<'_>, out: &mut TextOut<'_>) {
    let text = decode(input, out);
    out.push(&text);
}

/// HTML reduced to text the way mail bodies are ([`crate::html::to_text`]).
pub(super) fn html(input: &Input<'_>, out: &mut TextOut<'_>) {
    let markup = decode(input, out);
    out.push(&crate::html::to_text(&markup));
}

/// The bytes as text, noting where they could not be read as declared.
fn decode(input: &Input<'_>, out: &mut TextOut<'_>) -> String {
    let bytes = input.bytes;
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return utf8(rest, out);
    }
    if bytes.starts_with(UTF16_LE_BOM) || bytes.starts_with(UTF16_BE_BOM) {
        return with_charset(b"utf-16", bytes).unwrap_or_default();
    }
    let charset = input.charset.map(str::trim).filter(|c| !c.is_empty());
    let Some(charset) = charset else {
        if super::is_iso_2022_jp(bytes) {
            // Japanese mail's encoding, sent without its charset: its escapes and kanji would
            // otherwise be read as ASCII control bytes and punctuation.
            out.note("read as Japanese text in ISO-2022-JP: it declares no charset");
            return with_charset(b"iso-2022-jp", bytes).unwrap_or_else(|| utf8(bytes, out));
        }
        return utf8(bytes, out);
    };
    if is_utf8_name(charset) {
        return utf8(bytes, out);
    }
    if crate::charset::is_wide(charset)
        && let Some(text) = crate::charset::utf8_misdeclared_wide(bytes)
    {
        // UTF-16 and UTF-32 write a NUL in every space, line end and ASCII letter: bytes with
        // almost none (or none but in a few lines) that are UTF-8 are not in the charset
        // declared, and would be read as CJK at random.
        out.note(format!(
            "charset {charset:?} declared over bytes that are UTF-8 (almost no NUL outside a few lines, where that charset would have them throughout): read as UTF-8"
        ));
        return text;
    }
    if crate::charset::is_utf16_without_order(charset) {
        // RFC 2781: big-endian without a byte-order mark (mail-parser's decoder reads
        // little-endian), unless the text is plainly little-endian.
        let utf16 = crate::charset::decode_utf16_without_order(bytes);
        if utf16.guessed_little_endian {
            out.note(format!(
                "charset {charset:?} without a byte-order mark: read little-endian, as its letters show, where RFC 2781 says big-endian (a guess)"
            ));
        } else if utf16.doubtful {
            out.note(format!(
                "charset {charset:?} without a byte-order mark: characters were lost (an odd byte or unpaired surrogates)"
            ));
        }
        return utf16.text;
    }
    match with_charset(charset.as_bytes(), bytes) {
        Some(text) => text,
        None => {
            out.note(format!("unknown charset {charset:?}; read as UTF-8"));
            utf8(bytes, out)
        }
    }
}

fn with_charset(charset: &[u8], bytes: &[u8]) -> Option<String> {
    charset_decoder(charset).map(|decoder| decoder(bytes))
}

fn is_utf8_name(charset: &str) -> bool {
    ["utf-8", "utf8", "us-ascii", "ascii"]
        .iter()
        .any(|name| charset.eq_ignore_ascii_case(name))
}

/// UTF-8, with any invalid bytes replaced (and noted).
fn utf8(bytes: &[u8], out: &mut TextOut<'_>) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(error) => {
            out.note(format!(
                "not valid UTF-8 from byte {}: invalid bytes replaced",
                error.valid_up_to()
            ));
            String::from_utf8_lossy(bytes).into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Extracted, extract_text};
    use super::*;
    use crate::Limits;

    fn read(bytes: &[u8], mime: &str, charset: Option<&str>) -> Extracted {
        let input = Input {
            bytes,
            mime_type: Some(mime),
            name: None,
            charset,
        };
        extract_text(&input, &Limits::default())
    }

    #[test]
    fn declared_charsets_are_honoured() {
        let got = read(b"caf\xe9 au lait", "text/plain", Some("ISO-8859-1"));
        assert_eq!(got.text.as_deref(), Some("caf\u{e9} au lait"));
        assert_eq!(got.note, None);
        let got = read(b"\xff\xfeh\0i\0", "text/plain", None);
        assert_eq!(got.text.as_deref(), Some("hi"));
        let got = read(b"\xef\xbb\xbfplain", "text/plain", Some("utf-8"));
        assert_eq!(got.text.as_deref(), Some("plain"));
    }

    #[test]
    fn wrong_or_unknown_charsets_are_noted() {
        let got = read(b"caf\xe9", "text/plain", Some("utf-8"));
        assert_eq!(got.text.as_deref(), Some("caf\u{fffd}"));
        assert!(got.note.unwrap().contains("not valid UTF-8 from byte 3"));
        let got = read(b"hello", "text/plain", Some("x-made-up"));
        assert_eq!(got.text.as_deref(), Some("hello"));
        assert!(got.note.unwrap().contains("unknown charset \"x-made-up\""));
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_big_endian() {
        let text = "NI AB123456C\n";
        let big_endian: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let got = read(&big_endian, "text/plain", Some("utf-16"));
        assert_eq!(got.text.as_deref(), Some(text.trim()));
        assert_eq!(got.note, None);
        let got = read(
            &[0xd8, 0x00, 0x00, 0x41, 0x00],
            "text/plain",
            Some("utf-16"),
        );
        assert!(got.note.unwrap().contains("byte-order mark"));
    }

    #[test]
    fn little_endian_utf16_without_a_mark_is_read_by_its_letters_and_noted() {
        let text = "Не показывай этот файл никому.";
        let little_endian: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let got = read(&little_endian, "text/plain", Some("utf-16"));
        assert_eq!(got.text.as_deref(), Some(text));
        assert!(got.note.unwrap().contains("read little-endian"));
    }

    #[test]
    fn utf8_declared_utf16_or_utf32_is_read_as_utf8_and_noted() {
        let text = "I will find you, caf\u{e9}.";
        for charset in [
            "utf-16", "UTF-16BE", "utf-16le", "utf-32", "ucs-2", "unicode",
        ] {
            let got = read(text.as_bytes(), "text/plain", Some(charset));
            assert_eq!(got.text.as_deref(), Some(text), "{charset}");
            assert!(got.note.unwrap().contains("read as UTF-8"), "{charset}");
        }
    }

    #[test]
    fn html_is_reduced_to_text() {
        let got = read(
            b"<html><head><style>p{}</style></head><body><p>Meet at <b>noon</b> &amp; bring it</p></body></html>",
            "text/html",
            None,
        );
        let text = got.text.unwrap();
        assert!(text.contains("Meet at noon & bring it"), "{text:?}");
        assert!(!text.contains('<'), "{text:?}");
    }
}
