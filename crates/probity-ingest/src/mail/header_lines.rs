//! Lines in a header block that are not header fields: text written where headers should be.
//!
//! mail-parser passes over a line of a header block that is not a field (no colon, or a name that
//! is not a field name) and keeps nothing of it; a part's or an attached message's text written
//! with no blank line above it (`Content-Type: message/rfc822` over a message that is only text)
//! was then in no text at all. Some mail servers end the header block at such a line, and mail
//! clients show what follows as the body. So each such line of the message's own header blocks
//! (its own and its parts', not those of the messages attached to it, which are read with their
//! own text) is read, and added to the body under [`MARKER`].

use mail_parser::Message;

/// The line before the text found in header blocks.
pub(super) const MARKER: &str = "[text in the header block that is not header fields]";

/// The most bytes of such lines read from one message; the body's own limit applies after.
const MAX_HEADER_TEXT_BYTES: usize = 64 * 1024;

/// The last line of such text cut at [`MAX_HEADER_TEXT_BYTES`].
const CUT_LINE: &str = "[more lines not read: the 64 KiB limit of text in header blocks]";

/// The lines of `message`'s own header blocks that are not header fields, in order, one a line;
/// none when there are none.
pub(super) fn text(message: &Message<'_>) -> Option<String> {
    let raw = message.raw_message.as_ref();
    let mut text = String::new();
    for (index, part) in message.parts.iter().enumerate() {
        let range = part.offset_header as usize..part.offset_body as usize;
        let Some(block) = raw.get(range) else {
            continue;
        };
        for (number, line) in block.split(|byte| *byte == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            // A mailbox's envelope line above a message's own headers is not text.
            let envelope = index == 0 && number == 0 && line.starts_with(b"From ");
            if envelope || !is_text_line(line) {
                continue;
            }
            if text.len() + line.len() > MAX_HEADER_TEXT_BYTES {
                // Said in the text, so that a reader knows there was more.
                text.push_str(CUT_LINE);
                return Some(text);
            }
            text.push_str(&super::message::bytes_as_text(line));
            text.push('\n');
        }
    }
    let text = text.trim_end();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Whether a line of a header block is neither a field (`Name: value`, the name printable ASCII
/// without a colon, white space allowed before the colon), nor a continuation of one (starting
/// with white space), nor blank.
fn is_text_line(line: &[u8]) -> bool {
    if line.trim_ascii().is_empty() || line[0] == b' ' || line[0] == b'\t' {
        return false;
    }
    let Some(colon) = memchr::memchr(b':', line) else {
        return true;
    };
    let name = line[..colon].trim_ascii_end();
    name.is_empty() || !name.iter().all(|byte| (33..=126).contains(byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_past_the_limit_is_cut_and_said() {
        let mut raw = b"From: a@b.c\n".to_vec();
        for _ in 0..MAX_HEADER_TEXT_BYTES / 16 {
            raw.extend_from_slice(b"not a field at all\n");
        }
        raw.extend_from_slice(b"\nbody\n");
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let text = text(&message).unwrap();
        assert!(text.len() <= MAX_HEADER_TEXT_BYTES + CUT_LINE.len());
        assert!(text.ends_with(CUT_LINE), "{}", &text[text.len() - 100..]);
    }

    #[test]
    fn fields_and_continuations_are_not_text() {
        for line in [
            &b"Subject: x"[..],
            b"X-Odd-Name_1 : y",
            b"\tcontinued",
            b" continued",
            b"",
            b"   ",
            b"To:",
        ] {
            assert!(!is_text_line(line), "{line:?}");
        }
        for line in [
            &b"Meet me at the bridge"[..],
            b"Meet me at: noon",
            b": no name",
            b"To",
        ] {
            assert!(is_text_line(line), "{line:?}");
        }
    }
}
