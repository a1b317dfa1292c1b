//! `wide` / `utf16le`, `utf16be` and `utf16`: a value as UTF-16 bytes (mostly then Base64-encoded).

/// UTF-16 little-endian bytes (`wide`, `utf16le`).
pub(crate) fn le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// UTF-16 big-endian bytes (`utf16be`).
pub(crate) fn be(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// UTF-16 little-endian with a byte-order mark (`utf16`).
pub(crate) fn with_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(le(text));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(le("ab"), vec![b'a', 0, b'b', 0]);
        assert_eq!(be("ab"), vec![0, b'a', 0, b'b']);
        assert_eq!(with_bom("a"), vec![0xFF, 0xFE, b'a', 0]);
    }
}
