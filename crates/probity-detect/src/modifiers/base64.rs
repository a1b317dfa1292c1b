//! `base64` and `base64offset`: match the Base64 form of a value.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The Base64 encoding of `bytes` (`base64`).
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The three forms `bytes` takes inside a longer Base64 text, one for each position modulo three
/// at which it can start (`base64offset`). Characters that depend on the unknown neighbouring
/// bytes are cut off, as pySigma does.
pub(crate) fn offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END_CUT: [usize; 3] = [0, 3, 2];
    let mut out = Vec::with_capacity(3);
    for shift in 0..3 {
        let mut padded = vec![b' '; shift];
        padded.extend_from_slice(bytes);
        let encoded = STANDARD.encode(&padded);
        let cut = END_CUT[(bytes.len() + shift) % 3];
        let end = encoded.len().saturating_sub(cut);
        let start = START[shift].min(end);
        out.push(encoded[start..end].to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_match_pysigma() {
        // pySigma gives these three for "/c " (a common rule value).
        assert_eq!(offsets(b"/c "), vec!["L2Mg", "9jI", "vYy"]);
        assert_eq!(encode(b"http"), "aHR0cA==");
        assert_eq!(offsets(b"http"), vec!["aHR0c", "h0dH", "odHRw"]);
    }

    #[test]
    fn an_offset_form_is_inside_the_encoded_text() {
        for prefix in ["", "a", "ab", "abc"] {
            let text = format!("{prefix}powershell -enc");
            let encoded = encode(text.as_bytes());
            let forms = offsets(b"powershell");
            assert!(
                forms.iter().any(|f| encoded.contains(f.as_str())),
                "{prefix}"
            );
        }
    }
}
