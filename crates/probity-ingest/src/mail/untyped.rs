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

use mail_parser::{Message, MimeHeaders, PartType};

#[cfg(doc)]
use crate::attach;

/// Whether part `index` of `message` has no `Content-Type` field that can be read and is not in
/// a `multipart/digest`: text/plain by MIME's default.
pub(super) fn is_text_by_default(message: &Message<'_>, index: usize) -> bool {
    let Some(part) = message.parts.get(index) else {
        return false;
    };
    part.content_type().is_none() && !in_digest(message, index)
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
