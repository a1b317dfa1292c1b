//! A part with no `Content-Type` is text/plain, as MIME has it.
//!
//! RFC 2045 (section 5.2) takes a body with no `Content-Type` field to be `text/plain;
//! charset=us-ascii`, and recommends the same for one whose field is not valid; RFC 2046
//! (section 5.1.1) says so of a body part whose header block is empty. In a `multipart/digest`
//! the default is `message/rfc822` instead (RFC 2046, section 5.1.5). The mail parser reads such
//! a part as text, and where it is the body, the body takes it; but one the parser makes an
//! attachment (a part its multipart never ends, or one marked as an attachment) came to
//! [`attach`] with no type, as a file of unknown type does, and where its binary lines
//! outweighed its lines of text, none of its text was read. Such a part is read as text/plain
//! ([`attach::extract_untyped_part_text`]): a file format its bytes begin as is still read as
//! that file, and bytes that are not text have their lines that are text read, however many are
//! binary, binary lines left out (as for a text type in doubt), noted. A type that is not valid
//! (`Content-Type: p`) is read so by [`attach`] itself.
//!
//! In a `multipart/digest` the parser reads a part with no type as an attached message. One whose
//! body is not a message (no header block: the text starts at once) it could not read so, and
//! it came to [`attach`] as a file of unknown type: where binary lines outweighed its lines of
//! text, its text was lost. Such a part is read as text/plain the same way, noted as a digest's
//! part that is not a message.

use mail_parser::{Message, MimeHeaders, PartType};

use crate::attach;

/// Why part `index` of `message`, which was not read as a message, is read as text/plain: it has
/// no `Content-Type` field that can be read, which is text/plain by MIME's default, or
/// message/rfc822 in a `multipart/digest`, which it is not. None where it has a type.
pub(super) fn read_as_text(message: &Message<'_>, index: usize) -> Option<attach::Untyped> {
    let part = message.parts.get(index)?;
    if part.content_type().is_some() {
        return None;
    }
    Some(if in_digest(message, index) {
        attach::Untyped::DigestNotMessage
    } else {
        attach::Untyped::TextPlain
    })
}

/// Whether part `index` of `message` is a part of a `multipart/digest`.
fn in_digest(message: &Message<'_>, index: usize) -> bool {
    let Ok(index) = u32::try_from(index) else {
        return false;
    };
    message.parts.iter().any(|holder| {
        let PartType::Multipart(parts) = &holder.body else {
            return false;
        };
        parts.contains(&index)
            && holder.content_type().is_some_and(|content_type| {
                content_type.ctype().eq_ignore_ascii_case("multipart")
                    && content_type
                        .subtype()
                        .is_some_and(|subtype| subtype.eq_ignore_ascii_case("digest"))
            })
    })
}
