//! Time-based one-time passwords (RFC 6238): HMAC-SHA-1, 30-second steps, 6 digits, one step of
//! clock drift either way. Each step's code is accepted once: the caller keeps the last step used
//! and [`verify`] refuses it and anything before it.

use std::fmt;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use subtle::ConstantTimeEq;

use crate::{Error, Result};

/// Seconds per step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps of clock drift accepted either side of now.
pub const DRIFT_STEPS: u64 = 1;
/// Secret length in bytes (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

/// A TOTP shared secret. It does not print.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// A new random secret.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A secret from stored bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The raw secret, to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret in RFC 4648 base32 without padding, as authenticator apps take it.
    pub fn to_base32(&self) -> String {
        base32_encode(&self.0)
    }

    /// The code for time step `step`, with `digits` digits (6 in Probity; 8 for the RFC's vectors).
    pub fn code_at_step(&self, step: u64, digits: u32) -> String {
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&self.0) else {
            // HMAC takes keys of any length; this branch is unreachable in practice.
            return String::new();
        };
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        // Dynamic truncation (RFC 4226 section 5.3).
        let offset = usize::from(digest[digest.len() - 1] & 0x0f);
        let binary = (u32::from(digest[offset] & 0x7f) << 24)
            | (u32::from(digest[offset + 1]) << 16)
            | (u32::from(digest[offset + 2]) << 8)
            | u32::from(digest[offset + 3]);
        let modulus = 10u32.saturating_pow(digits.min(9));
        format!(
            "{:0width$}",
            binary % modulus,
            width = digits.min(9) as usize
        )
    }

    /// The 6-digit code at Unix time `unix_seconds`.
    pub fn code_at(&self, unix_seconds: u64) -> String {
        self.code_at_step(step_of(unix_seconds), DIGITS)
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

/// The time step holding Unix time `unix_seconds`.
pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// Checks `code` at Unix time `unix_seconds`, accepting one step of drift either way but never a
/// step at or before `last_used_step`. Returns the step that matched, which the caller must store
/// as the new last used step so that the code cannot be replayed.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    unix_seconds: u64,
    last_used_step: Option<u64>,
) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_seconds);
    let first = now.saturating_sub(DRIFT_STEPS);
    let mut matched = None;
    // Check every candidate step (no early exit), so the time taken does not say which matched.
    for step in first..=now.saturating_add(DRIFT_STEPS) {
        let expected = secret.code_at_step(step, DIGITS);
        let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
        let fresh = last_used_step.is_none_or(|last| step > last);
        if equal && fresh && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// What a person needs to add Probity to an authenticator app.
#[derive(Clone)]
pub struct TotpEnrolment {
    /// The secret (kept pending on the account until a first code confirms it).
    pub secret: TotpSecret,
    /// `otpauth://totp/…`, to show as a QR code.
    pub uri: String,
}

impl fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpEnrolment(…)")
    }
}

impl TotpEnrolment {
    /// An enrolment with a new secret for `account` under `issuer` (the name the app shows).
    pub fn new(issuer: &str, account: &str) -> Self {
        let secret = TotpSecret::generate();
        let uri = otpauth_uri(&secret, issuer, account);
        Self { secret, uri }
    }
}

/// The Key Uri Format authenticator apps read.
pub fn otpauth_uri(secret: &TotpSecret, issuer: &str, account: &str) -> String {
    let issuer = percent_encode(issuer);
    let account = percent_encode(account);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        secret.to_base32()
    )
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, no padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(
                BASE32_ALPHABET[((buffer >> bits) & 31) as usize],
            ));
        }
    }
    if bits > 0 {
        out.push(char::from(
            BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize],
        ));
    }
    out
}

/// Decodes RFC 4648 base32 (either case, padding and spaces ignored).
pub fn base32_decode(text: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for ch in text.chars().filter(|c| !matches!(c, '=' | ' ' | '-')) {
        let upper = ch.to_ascii_uppercase();
        let Some(value) = BASE32_ALPHABET.iter().position(|&b| char::from(b) == upper) else {
            return Err(Error::BadCode);
        };
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    #[test]
    fn rfc_6238_sha1_test_vectors() {
        // RFC 6238 appendix B, SHA-1 column.
        let vectors = [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        let secret = rfc_secret();
        for (time, code) in vectors {
            assert_eq!(secret.code_at_step(step_of(time), 8), code, "T = {time}");
            // Six digits are the last six of the eight.
            assert_eq!(secret.code_at(time), &code[2..], "T = {time}");
        }
    }

    #[test]
    fn drift_of_one_step_is_accepted_and_no_more() {
        let secret = rfc_secret();
        let now = 1_111_111_111;
        let current = secret.code_at(now);
        assert_eq!(verify(&secret, &current, now, None), Some(step_of(now)));
        let previous = secret.code_at(now - 30);
        assert_eq!(
            verify(&secret, &previous, now, None),
            Some(step_of(now) - 1)
        );
        let next = secret.code_at(now + 30);
        assert_eq!(verify(&secret, &next, now, None), Some(step_of(now) + 1));
        let too_old = secret.code_at(now - 60);
        assert_eq!(verify(&secret, &too_old, now, None), None);
        let too_new = secret.code_at(now + 60);
        assert_eq!(verify(&secret, &too_new, now, None), None);
    }

    #[test]
    fn a_used_step_cannot_be_replayed() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let code = secret.code_at(now);
        let used = verify(&secret, &code, now, None).unwrap();
        assert_eq!(verify(&secret, &code, now, Some(used)), None);
        assert_eq!(verify(&secret, &code, now + 20, Some(used)), None);
        // An earlier step's code is refused once a later one was used.
        let earlier = secret.code_at(now - 30);
        assert_eq!(verify(&secret, &earlier, now, Some(used)), None);
    }

    #[test]
    fn malformed_codes_are_refused() {
        let secret = rfc_secret();
        for code in ["", "12345", "1234567", "12a456", "ⅰⅱⅲⅳⅴⅵ"] {
            assert_eq!(verify(&secret, code, 59, None), None, "{code:?}");
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(base32_decode("mzxw6ytboi======").unwrap(), b"foobar");
        let secret = TotpSecret::generate();
        assert_eq!(
            base32_decode(&secret.to_base32()).unwrap(),
            secret.as_bytes()
        );
        assert!(base32_decode("M1").is_err());
    }

    #[test]
    fn enrolment_gives_a_uri_apps_can_read() {
        let enrolment = TotpEnrolment::new("Probity Test Force", "j.doe@force");
        assert!(
            enrolment
                .uri
                .starts_with("otpauth://totp/Probity%20Test%20Force:j.doe%40force?secret=")
        );
        assert!(enrolment.uri.contains(&enrolment.secret.to_base32()));
        assert!(
            enrolment
                .uri
                .ends_with("&algorithm=SHA1&digits=6&period=30")
        );
        assert_eq!(format!("{:?}", enrolment.secret), "TotpSecret(…)");
    }

    proptest::proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            proptest::prop_assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
        }

        #[test]
        fn arbitrary_codes_never_panic_and_rarely_pass(code in "\\PC{0,12}", time in 0u64..4_000_000_000) {
            let secret = rfc_secret();
            if let Some(step) = verify(&secret, &code, time, None) {
                proptest::prop_assert_eq!(secret.code_at_step(step, DIGITS), code.trim());
            }
        }
    }
}
