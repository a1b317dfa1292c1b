//! Signed and encrypted mail: S/MIME's CMS containers (RFC 5652, RFC 8551) and OpenPGP.
//!
//! An opaque-signed S/MIME message (`application/pkcs7-mime; smime-type=signed-data`, usually
//! `smime.p7m`) carries the message itself inside the signature, readable by anyone: no key is
//! needed, only the container unpacked. [`open`] finds that content (a MIME entity) so the mail
//! decoder reads it as an attached message. Encrypted content (S/MIME enveloped data, OpenPGP) is
//! told apart from other unreadable attachments so that its note says what it is.
//!
//! The container is BER (DER is a subset): definite lengths, and the indefinite lengths and
//! constructed OCTET STRINGs that streaming signers write. The reader is bounded: nesting depth,
//! the bytes of content gathered, and every length checked against the input; the signature is
//! not checked.

/// What an attachment's bytes turned out to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Opened {
    /// The content of a signed-data container: a MIME entity.
    Signed(Vec<u8>),
    /// Encrypted content, named (`S/MIME enveloped data`, `OpenPGP`).
    Encrypted(&'static str),
}

/// `1.2.840.113549.1.7.2`, signedData.
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// `1.2.840.113549.1.7.3`, envelopedData.
const ENVELOPED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
/// `1.2.840.113549.1.9.16.1.23`, authEnvelopedData.
const AUTH_ENVELOPED_DATA: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17,
];
/// `1.2.840.113549.1.7.6`, encryptedData.
const ENCRYPTED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];

const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;
const OCTET_STRING: u8 = 0x04;
const CONSTRUCTED_OCTET_STRING: u8 = 0x24;
const CONTEXT_0: u8 = 0xa0;
/// Deeper nesting than any real container has.
const MAX_DEPTH: usize = 16;

/// What `bytes` hold, when they are a CMS container or OpenPGP data; `None` for anything else
/// (the caller reads it as the file it claims to be).
pub(crate) fn open(bytes: &[u8], max_content: usize) -> Option<Opened> {
    if is_openpgp(bytes) {
        return Some(Opened::Encrypted("OpenPGP"));
    }
    let info = element(bytes, 0, 0).ok()?;
    if info.tag != SEQUENCE {
        return None;
    }
    let mut children = Children::new(bytes, &info);
    let kind = children.next()?.ok()?;
    if kind.tag != OID {
        return None;
    }
    match &bytes[kind.content.clone()] {
        oid if oid == SIGNED_DATA => {
            let wrapper = children.next()?.ok()?;
            if wrapper.tag != CONTEXT_0 {
                return None;
            }
            signed_content(bytes, &wrapper, max_content).map(Opened::Signed)
        }
        oid if oid == ENVELOPED_DATA || oid == AUTH_ENVELOPED_DATA || oid == ENCRYPTED_DATA => {
            Some(Opened::Encrypted("S/MIME enveloped data"))
        }
        _ => None,
    }
}

/// ASCII-armoured OpenPGP encrypted data, or its binary packet form behind a generic type is not
/// told here (it reads as binary).
fn is_openpgp(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes[start..].starts_with(b"-----BEGIN PGP MESSAGE-----")
}

/// The encapsulated content of SignedData (inside `[0]`): `SEQUENCE { version, digestAlgorithms,
/// encapContentInfo SEQUENCE { eContentType, [0] eContent OCTET STRING }, … }`. `None` for a
/// detached signature (no content) or a damaged container.
fn signed_content(bytes: &[u8], wrapper: &Element, max_content: usize) -> Option<Vec<u8>> {
    let signed = Children::new(bytes, wrapper).next()?.ok()?;
    if signed.tag != SEQUENCE {
        return None;
    }
    let encapsulated = Children::new(bytes, &signed)
        .take(3)
        .filter_map(Result::ok)
        .nth(2)?;
    if encapsulated.tag != SEQUENCE {
        return None;
    }
    let mut parts = Children::new(bytes, &encapsulated);
    let _content_type = parts.next()?.ok()?;
    let explicit = parts.next()?.ok()?;
    if explicit.tag != CONTEXT_0 {
        return None;
    }
    let octets = Children::new(bytes, &explicit).next()?.ok()?;
    let mut content = Vec::new();
    gather_octets(bytes, &octets, &mut content, max_content, 0).ok()?;
    Some(content)
}

/// An OCTET STRING's bytes, primitive or constructed from pieces (BER), up to `max` of them.
fn gather_octets(
    bytes: &[u8],
    octets: &Element,
    out: &mut Vec<u8>,
    max: usize,
    depth: usize,
) -> Result<(), ()> {
    match octets.tag {
        OCTET_STRING => {
            let piece = &bytes[octets.content.clone()];
            let room = max.saturating_sub(out.len());
            out.extend_from_slice(&piece[..piece.len().min(room)]);
            Ok(())
        }
        CONSTRUCTED_OCTET_STRING if depth < MAX_DEPTH => {
            for piece in Children::new(bytes, octets) {
                if out.len() >= max {
                    break;
                }
                gather_octets(bytes, &piece?, out, max, depth + 1)?;
            }
            Ok(())
        }
        _ => Err(()),
    }
}

/// One BER element: its tag byte, where its content lies, and where it ends (after the
/// end-of-contents octets of an indefinite length).
#[derive(Debug, Clone)]
struct Element {
    tag: u8,
    content: std::ops::Range<usize>,
    end: usize,
    /// Indefinite length: the content runs to end-of-contents octets.
    indefinite: bool,
}

/// The element starting at `at`.
fn element(bytes: &[u8], at: usize, depth: usize) -> Result<Element, ()> {
    if depth > MAX_DEPTH {
        return Err(());
    }
    let tag = *bytes.get(at).ok_or(())?;
    if tag & 0x1f == 0x1f {
        // High tag numbers: not used by CMS.
        return Err(());
    }
    let first = *bytes.get(at + 1).ok_or(())?;
    let mut start = at + 2;
    if first == 0x80 {
        if tag & 0x20 == 0 {
            return Err(());
        }
        // Indefinite: the children run to two zero bytes.
        let mut next = start;
        loop {
            if bytes.get(next..next + 2) == Some(&[0, 0]) {
                return Ok(Element {
                    tag,
                    content: start..next,
                    end: next + 2,
                    indefinite: true,
                });
            }
            next = element(bytes, next, depth + 1)?.end;
        }
    }
    let length = if first & 0x80 == 0 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return Err(());
        }
        let digits = bytes.get(start..start + count).ok_or(())?;
        start += count;
        digits
            .iter()
            .fold(0usize, |length, &b| (length << 8) | usize::from(b))
    };
    let end = start.checked_add(length).ok_or(())?;
    if end > bytes.len() {
        return Err(());
    }
    Ok(Element {
        tag,
        content: start..end,
        end,
        indefinite: false,
    })
}

/// The elements inside a constructed one, in order; an error ends the walk.
struct Children<'a> {
    bytes: &'a [u8],
    next: usize,
    end: usize,
    failed: bool,
}

impl<'a> Children<'a> {
    fn new(bytes: &'a [u8], parent: &Element) -> Self {
        Self {
            bytes,
            next: parent.content.start,
            end: parent.content.end,
            failed: parent.tag & 0x20 == 0 && !parent.indefinite,
        }
    }
}

impl Iterator for Children<'_> {
    type Item = Result<Element, ()>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.next >= self.end {
            return None;
        }
        let child = element(self.bytes, self.next, 1);
        match &child {
            Ok(element) if element.end <= self.end => self.next = element.end,
            _ => {
                self.failed = true;
                return Some(Err(()));
            }
        }
        Some(child)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER of `tag` around `content`.
    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let digits: Vec<u8> = len
                .to_be_bytes()
                .iter()
                .copied()
                .skip_while(|&b| b == 0)
                .collect();
            out.push(0x80 | digits.len() as u8);
            out.extend(digits);
        }
        out.extend_from_slice(content);
        out
    }

    /// BER with an indefinite length.
    fn ber(tag: u8, children: &[Vec<u8>]) -> Vec<u8> {
        let mut out = vec![tag, 0x80];
        for child in children {
            out.extend_from_slice(child);
        }
        out.extend_from_slice(&[0, 0]);
        out
    }

    fn signed_der(content: &[u8]) -> Vec<u8> {
        let encapsulated = der(
            SEQUENCE,
            &[
                der(OID, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]),
                der(CONTEXT_0, &der(OCTET_STRING, content)),
            ]
            .concat(),
        );
        let signed = der(
            SEQUENCE,
            &[
                der(0x02, &[1]),
                der(0x31, &[]),
                encapsulated,
                der(0x31, &[]),
            ]
            .concat(),
        );
        der(
            SEQUENCE,
            &[der(OID, SIGNED_DATA), der(CONTEXT_0, &signed)].concat(),
        )
    }

    #[test]
    fn signed_content_is_found_in_der_and_streamed_ber() {
        let content = b"Content-Type: text/plain\r\n\r\nhello";
        assert_eq!(
            open(&signed_der(content), 1 << 20),
            Some(Opened::Signed(content.to_vec()))
        );
        // Streamed: indefinite lengths, content in pieces of a constructed OCTET STRING.
        let pieces = ber(
            CONSTRUCTED_OCTET_STRING,
            &[
                der(OCTET_STRING, &content[..10]),
                der(OCTET_STRING, &content[10..]),
            ],
        );
        let encapsulated = ber(
            SEQUENCE,
            &[
                der(OID, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]),
                ber(CONTEXT_0, &[pieces]),
            ],
        );
        let signed = ber(SEQUENCE, &[der(0x02, &[1]), der(0x31, &[]), encapsulated]);
        let streamed = ber(
            SEQUENCE,
            &[der(OID, SIGNED_DATA), ber(CONTEXT_0, &[signed])],
        );
        assert_eq!(
            open(&streamed, 1 << 20),
            Some(Opened::Signed(content.to_vec()))
        );
        // Content past the limit is cut there.
        assert_eq!(
            open(&streamed, 12),
            Some(Opened::Signed(content[..12].to_vec()))
        );
    }

    #[test]
    fn encrypted_containers_and_openpgp_are_named() {
        let enveloped = der(
            SEQUENCE,
            &[
                der(OID, ENVELOPED_DATA),
                der(CONTEXT_0, &der(SEQUENCE, &[])),
            ]
            .concat(),
        );
        assert_eq!(
            open(&enveloped, 100),
            Some(Opened::Encrypted("S/MIME enveloped data"))
        );
        assert_eq!(
            open(b"\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA...", 100),
            Some(Opened::Encrypted("OpenPGP"))
        );
    }

    #[test]
    fn other_and_damaged_bytes_are_not_containers() {
        assert_eq!(open(b"plain text", 100), None);
        assert_eq!(open(b"", 100), None);
        let whole = signed_der(b"hello");
        for cut in 0..whole.len() {
            // A cut container is never read as anything, and never panics.
            assert_eq!(open(&whole[..cut], 100), None, "cut at {cut}");
        }
        // Endless nesting of indefinite lengths stops at the depth limit.
        let deep: Vec<u8> = std::iter::repeat_n([SEQUENCE, 0x80], 10_000)
            .flatten()
            .collect();
        assert_eq!(open(&deep, 100), None);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_without_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = open(&bytes, 64);
        }
    }
}
