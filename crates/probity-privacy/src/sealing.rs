//! Sealing: medical and legally privileged content found outside the excluded channels is encrypted
//! out of analyst view. The text is replaced by a placeholder; the ciphertext (ChaCha20-Poly1305, a
//! fresh random nonce per item, the field and reason bound in as associated data) stays with the
//! event so that an authorised person holding the key can unseal it.
//!
//! The key is 32 random bytes in a file in the data directory ([`KEY_FILE`]), created with owner-only
//! permissions. Losing the key loses the sealed content, by design.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use probity_model::Event;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::compile;
use crate::{Error, Result};

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "seal.key";
/// The `Event::original` key that holds an event's sealed items (a JSON array of [`Sealed`]).
pub const SEALED_KEY: &str = "probity.sealed";
/// The tag a sealed event carries.
pub const SEALED_TAG: &str = "content-sealed";
/// The label listing why (`legal_privilege`, `medical`).
pub const SEALED_LABEL: &str = "privacy.sealed";

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 12;
const FORMAT_VERSION: u8 = 1;

/// Why content is sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealReason {
    /// Legally privileged (legal advice, litigation, without-prejudice correspondence).
    LegalPrivilege,
    /// Medical (diagnoses, medication, fit notes, occupational health).
    Medical,
    /// A message that could not be decoded (a dead letter's raw input): it could not be checked
    /// for protected parties or privileged and medical content, so it is never kept in the clear.
    Undecoded,
    /// A message matched to a protected party by a display name alone, written beside an address
    /// outside the force and not on the exclusion list (a name the sender controls): kept from
    /// analysts, not destroyed, in case the name was written to hide the message.
    ProtectedPartyName,
    /// A message to or from a protected party held inside another: attached to it, or forwarded
    /// in its text below a forwarding header block. Its headers name the party, but the message
    /// around it is not with the party, and whoever forwarded it wrote those headers: kept from
    /// analysts, not destroyed, so that a forged header cannot hide what it holds for good.
    ForwardedProtectedParty,
}

impl SealReason {
    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            SealReason::LegalPrivilege => "legal_privilege",
            SealReason::Medical => "medical",
            SealReason::Undecoded => "undecoded",
            SealReason::ProtectedPartyName => "protected_party_name",
            SealReason::ForwardedProtectedParty => "forwarded_protected_party",
        }
    }

    /// The placeholder left where the text was.
    pub fn placeholder(self) -> &'static str {
        match self {
            SealReason::LegalPrivilege => "[sealed: legally privileged content]",
            SealReason::Medical => "[sealed: medical content]",
            SealReason::Undecoded => "[sealed: input that could not be decoded]",
            SealReason::ProtectedPartyName => {
                "[sealed: a protected party's name beside an address not on the exclusion list]"
            }
            SealReason::ForwardedProtectedParty => {
                "[sealed: a forwarded communication with a protected party]"
            }
        }
    }
}

/// The key content is sealed with. Its bytes never print.
#[derive(Clone)]
pub struct SealKey([u8; KEY_BYTES]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(…)")
    }
}

impl SealKey {
    /// A new random key (from the operating system's generator).
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| Error::Seal(format!("no randomness: {e}")))?;
        Ok(Self(bytes))
    }

    /// A key from its bytes (for tests and key rotation tools).
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> Self {
        Self(bytes)
    }

    /// The key file path inside `data_dir`.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(KEY_FILE)
    }

    /// Creates a new key file in `data_dir` (readable by its owner only); refuses to replace an
    /// existing one, which would make everything sealed with it unreadable.
    pub fn create(data_dir: &Path) -> Result<Self> {
        let path = Self::path(data_dir);
        let key = Self::generate()?;
        let key_error = |reason: String| Error::Key {
            path: path.clone(),
            reason,
        };
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                key_error(
                    "already exists; refusing to replace it (sealed content would be lost)".into(),
                )
            } else {
                key_error(format!("cannot create: {e}"))
            }
        })?;
        file.write_all(&key.0)
            .and_then(|()| file.sync_all())
            .map_err(|e| key_error(format!("cannot write: {e}")))?;
        Ok(key)
    }

    /// Loads the key file from `data_dir`. The file must be exactly 32 bytes and, on Unix, not
    /// readable by group or others.
    pub fn load(data_dir: &Path) -> Result<Self> {
        let path = Self::path(data_dir);
        let key_error = |reason: String| Error::Key {
            path: path.clone(),
            reason,
        };
        let metadata = fs::metadata(&path).map_err(|e| key_error(format!("cannot read: {e}")))?;
        if metadata.len() != KEY_BYTES as u64 {
            return Err(key_error(format!(
                "is {} bytes; a seal key is exactly {KEY_BYTES}",
                metadata.len()
            )));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = metadata.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(key_error(format!(
                    "permissions {:o} let others read it; run chmod 600 on it",
                    mode & 0o777
                )));
            }
        }
        let bytes = fs::read(&path).map_err(|e| key_error(format!("cannot read: {e}")))?;
        let bytes: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| {
            key_error(format!(
                "changed size while being read; expected {KEY_BYTES} bytes"
            ))
        })?;
        Ok(Self(bytes))
    }

    /// Loads the key, creating it first if there is none.
    pub fn load_or_create(data_dir: &Path) -> Result<Self> {
        if Self::path(data_dir).exists() {
            return Self::load(data_dir);
        }
        Self::create(data_dir)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.0))
    }
}

/// One sealed text: serialisable, safe to store beside the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The format version (1).
    pub version: u8,
    /// Why it is sealed.
    pub reason: SealReason,
    /// Where the text was (`email.body`, `attachment:<name>`).
    pub field: String,
    /// The nonce, base64.
    pub nonce: String,
    /// The ciphertext with its authentication tag, base64.
    pub ciphertext: String,
}

fn associated_data(reason: SealReason, field: &str) -> Vec<u8> {
    format!("probity-seal-v{FORMAT_VERSION}\0{}\0{field}", reason.name()).into_bytes()
}

/// Encrypts `plaintext` under `key`, binding the reason and field to it.
pub fn seal(key: &SealKey, reason: SealReason, field: &str, plaintext: &str) -> Result<Sealed> {
    seal_bytes(key, reason, field, plaintext.as_bytes())
}

/// As [`seal`], for bytes that need not be text (a dead letter's raw input).
pub fn seal_bytes(
    key: &SealKey,
    reason: SealReason,
    field: &str,
    plaintext: &[u8],
) -> Result<Sealed> {
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::fill(&mut nonce).map_err(|e| Error::Seal(format!("no randomness: {e}")))?;
    let aad = associated_data(reason, field);
    let ciphertext = key
        .cipher()
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| Error::Seal("encryption failed".into()))?;
    Ok(Sealed {
        version: FORMAT_VERSION,
        reason,
        field: field.to_owned(),
        nonce: BASE64.encode(nonce),
        ciphertext: BASE64.encode(ciphertext),
    })
}

/// Decrypts a sealed text. Fails on a wrong key or any change to the blob, its reason or field.
pub fn unseal(key: &SealKey, sealed: &Sealed) -> Result<String> {
    let plaintext = unseal_bytes(key, sealed)?;
    String::from_utf8(plaintext).map_err(|_| Error::Seal("unsealed text is not UTF-8".into()))
}

/// As [`unseal`], for bytes sealed with [`seal_bytes`].
pub fn unseal_bytes(key: &SealKey, sealed: &Sealed) -> Result<Vec<u8>> {
    if sealed.version != FORMAT_VERSION {
        return Err(Error::Seal(format!(
            "version {} is not supported",
            sealed.version
        )));
    }
    let nonce = BASE64
        .decode(&sealed.nonce)
        .map_err(|e| Error::Seal(format!("nonce is not base64: {e}")))?;
    if nonce.len() != NONCE_BYTES {
        return Err(Error::Seal(format!(
            "nonce is {} bytes, not {NONCE_BYTES}",
            nonce.len()
        )));
    }
    let ciphertext = BASE64
        .decode(&sealed.ciphertext)
        .map_err(|e| Error::Seal(format!("ciphertext is not base64: {e}")))?;
    let aad = associated_data(sealed.reason, &sealed.field);
    key.cipher()
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| Error::Seal("cannot unseal: wrong key, or the sealed item was altered".into()))
}

/// What the cues found in one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealDetection {
    /// Why it is sealed.
    pub reason: SealReason,
    /// The cue words that decided it (for the audit record, not for analysts).
    pub cues: Vec<String>,
}

// Words within a cue are apart by any run of white space: a line wrapped between them
// ("diagnosed\nwith"), two spaces, a no-break space. (The scanner's watch reads normalised text,
// where every such run is one space; `tests/seal_filter.rs` in probity-comms checks the two agree.)
const LEGAL: &str = r"(?i)\b(?:legally\s+privileged|legal\s+professional\s+privilege|subject\s+to\s+(?:legal\s+)?privilege|litigation\s+privilege|legal\s+advice\s+privilege|privileged\s+(?:and|&)\s+confidential\s+legal\s+advice)\b";
const DISCLAIMER: &str = r"(?i)\bmay\s+(?:contain|be|include)\b[^.]{0,40}$";
const WITHOUT_PREJUDICE: &str = r"(?i)\bwithout\s+prejudice\b";
const LEGAL_SOURCE: &str =
    r"(?i)\b(?:solicitors?|counsel|barrister|legal\s+adviser|legal\s+services|LLP|chambers)\b";
const MEDICAL_STRONG: &str = r"(?i)\b(?:fit\s+note|statement\s+of\s+fitness\s+for\s+work|sick\s+note|occupational\s+health\s+(?:report|assessment)|OH\s+report|diagnosed\s+with|diagnosis\s+of|prescribed|psychiatric\s+(?:report|assessment))\b";
const MEDICAL_WEAK: &str = r"(?i)\b(?:medication|diagnosis|symptoms|GP|consultant|clinic|mental\s+health|depression|anxiety|PTSD|counselling|therapy|hospital|surgery|[0-9]+\s*mg)\b";

/// Words at least one of which every cue above contains (compared without ASCII case), with the
/// words of a phrase one space apart as normalised text has them: a text with none of them cannot
/// match, so the patterns run only on texts that have one. Over the original text, where a
/// phrase's words may be apart by any white space, [`SealCues::detect`] looks for the longest word
/// of each phrase instead ([`raw_filter_word`]).
const CUE_WORDS: [&str; 24] = [
    "privilege",
    "without prejudice",
    "fit note",
    "statement of fitness",
    "sick note",
    "occupational health",
    "oh report",
    "diagnos",
    "prescribed",
    "psychiatric",
    "medication",
    "symptoms",
    "gp",
    "consultant",
    "clinic",
    "mental health",
    "depression",
    "anxiety",
    "ptsd",
    "counselling",
    "therapy",
    "hospital",
    "surgery",
    "mg",
];

/// The word of a cue word or phrase that [`SealCues::detect`]'s filter looks for in the original
/// text: the phrase itself if it is one word, else its longest word (the last of equals), which
/// every text holding the phrase holds whatever white space sets its words apart.
fn raw_filter_word(cue: &'static str) -> &'static str {
    cue.split(' ').max_by_key(|word| word.len()).unwrap_or(cue)
}

/// A matched cue as the audit record names it: lower case, its words one space apart.
fn cue_text(matched: &str) -> String {
    matched
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Characters that match an ASCII letter under the patterns' Unicode case folding (long s, Kelvin
/// sign) but not under the word filter's ASCII folding: a text holding one skips the filter.
const UNICODE_FOLDS: [char; 2] = ['\u{17f}', '\u{212a}'];

/// Whether `text` holds one of [`UNICODE_FOLDS`], found by their UTF-8 lead bytes (0xC5, 0xE2)
/// rather than by decoding every character: this runs on every text.
fn has_unicode_fold(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(0xC5, 0xE2, bytes).any(|at| {
        let rest = &bytes[at..];
        UNICODE_FOLDS.iter().any(|fold| {
            let mut encoded = [0u8; 4];
            rest.starts_with(fold.encode_utf8(&mut encoded).as_bytes())
        })
    })
}

/// The cue patterns, compiled with one kind of word boundary.
#[derive(Debug, Clone)]
struct Patterns {
    legal: Regex,
    disclaimer: Regex,
    without_prejudice: Regex,
    legal_source: Regex,
    medical_strong: Regex,
    medical_weak: Regex,
}

impl Patterns {
    /// Compiles the cues; with `ascii_boundaries`, each `\b` becomes `(?-u:\b)`.
    fn new(ascii_boundaries: bool) -> Result<Self> {
        let pattern = |what: &'static str, source: &str| {
            if ascii_boundaries {
                compile(what, &source.replace(r"\b", r"(?-u:\b)"))
            } else {
                compile(what, source)
            }
        };
        Ok(Self {
            legal: pattern("legal privilege cue", LEGAL)?,
            disclaimer: pattern("disclaimer", DISCLAIMER)?,
            without_prejudice: pattern("without prejudice", WITHOUT_PREJUDICE)?,
            legal_source: pattern("legal source", LEGAL_SOURCE)?,
            medical_strong: pattern("medical cue", MEDICAL_STRONG)?,
            medical_weak: pattern("medical context", MEDICAL_WEAK)?,
        })
    }
}

/// Finds medical and legally privileged content. Build once and share.
///
/// The patterns are compiled twice. With Unicode word boundaries the regex engine's fast automaton
/// gives up on any text holding a non-ASCII byte (most real mail: an accent in a signature, a curly
/// quote) and a far slower one runs instead: a third of the stage's time on real mail. So texts are
/// searched with ASCII word boundaries, which differ from Unicode ones only beside a non-ASCII
/// letter (where they find a cue the Unicode ones would not: the safe side for sealing). The
/// exception is a text holding a letter the patterns read as an ASCII one (long s, the Kelvin
/// sign: "\u{17f}ick note"): only Unicode boundaries see a word there.
#[derive(Debug, Clone)]
pub struct SealCues {
    words: AhoCorasick,
    ascii: Patterns,
    unicode: Patterns,
}

impl SealCues {
    /// Compiles the cue patterns.
    pub fn new() -> Result<Self> {
        let words = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(CUE_WORDS.map(raw_filter_word))
            .map_err(|e| Error::Seal(format!("cue words: {e}")))?;
        Ok(Self {
            words,
            ascii: Patterns::new(true)?,
            unicode: Patterns::new(false)?,
        })
    }

    /// Whether `text` should be sealed, and why. Legal privilege is stated ("legally privileged",
    /// not "may contain privileged information" in a footer) or is "without prejudice" with a
    /// solicitor or counsel named; medical content is a strong cue (fit note, diagnosed with,
    /// occupational health report) or two different weaker ones (medication and GP).
    pub fn detect(&self, text: &str) -> Option<SealDetection> {
        self.detect_prefiltered(text, self.words.is_match(text))
    }

    /// Words at least one of which every cue contains, compared without ASCII case. A caller that
    /// already reads the text in a pass of its own can look for them there and call
    /// [`SealCues::detect_prefiltered`], saving the filter's pass.
    pub fn filter_words() -> &'static [&'static str] {
        &CUE_WORDS
    }

    /// As [`SealCues::detect`], for a caller that has looked for [`SealCues::filter_words`] itself:
    /// `has_word` says whether it found one in `text` (ignoring ASCII case). Its search may find
    /// more than the words (a false `true` only costs time) but must not miss one: a missed word
    /// would leave medical or privileged content unsealed.
    pub fn detect_prefiltered(&self, text: &str, has_word: bool) -> Option<SealDetection> {
        let folds = has_unicode_fold(text);
        if !has_word && !folds {
            return None;
        }
        Self::detect_with(if folds { &self.unicode } else { &self.ascii }, text)
    }

    fn detect_with(cues: &Patterns, text: &str) -> Option<SealDetection> {
        let mut legal_cues = Vec::new();
        for m in cues.legal.find_iter(text) {
            let before =
                &text[crate::text::floor_boundary(text, m.start().saturating_sub(60))..m.start()];
            if !cues.disclaimer.is_match(before) {
                legal_cues.push(cue_text(m.as_str()));
            }
        }
        if let Some(m) = cues.without_prejudice.find(text)
            && let Some(source) = cues.legal_source.find(text)
        {
            legal_cues.push(cue_text(m.as_str()));
            legal_cues.push(cue_text(source.as_str()));
        }
        if !legal_cues.is_empty() {
            legal_cues.dedup();
            return Some(SealDetection {
                reason: SealReason::LegalPrivilege,
                cues: legal_cues,
            });
        }
        if let Some(m) = cues.medical_strong.find(text) {
            return Some(SealDetection {
                reason: SealReason::Medical,
                cues: vec![cue_text(m.as_str())],
            });
        }
        let mut weak: Vec<String> = cues
            .medical_weak
            .find_iter(text)
            .map(|m| {
                let cue = cue_text(m.as_str());
                if cue.ends_with("mg") {
                    "dose in mg".to_owned()
                } else {
                    cue
                }
            })
            .collect();
        weak.sort();
        weak.dedup();
        if weak.len() >= 2 {
            return Some(SealDetection {
                reason: SealReason::Medical,
                cues: weak,
            });
        }
        None
    }
}

/// Seals the body and attachment texts of an email event that carry medical or privileged content:
/// each such text is replaced by a placeholder, its ciphertext is kept in `Event::original` under
/// [`SEALED_KEY`], and the event is tagged [`SEALED_TAG`] with the reasons in [`SEALED_LABEL`].
/// Returns what was sealed.
pub fn seal_event(event: &mut Event, key: &SealKey, cues: &SealCues) -> Result<Vec<Sealed>> {
    let Some(email) = event.email.as_mut() else {
        return Ok(Vec::new());
    };
    let mut sealed = Vec::new();
    if let Some(body) = email.body.as_mut()
        && let Some(detection) = cues.detect(body)
    {
        sealed.push(seal(key, detection.reason, "email.body", body)?);
        *body = detection.reason.placeholder().to_owned();
    }
    for attachment in &mut email.attachments {
        let Some(content) = attachment.text.as_mut() else {
            continue;
        };
        let Some(detection) = cues.detect(content) else {
            continue;
        };
        let name = attachment.file.name.as_deref().unwrap_or("unnamed");
        sealed.push(seal(
            key,
            detection.reason,
            &format!("attachment:{name}"),
            content,
        )?);
        *content = detection.reason.placeholder().to_owned();
    }
    if sealed.is_empty() {
        return Ok(sealed);
    }
    let mut all = sealed_items(event);
    all.extend(sealed.iter().cloned());
    let value =
        serde_json::to_value(&all).map_err(|e| Error::Seal(format!("cannot record: {e}")))?;
    event.original.insert(SEALED_KEY.to_owned(), value);
    let mut reasons: Vec<&str> = all.iter().map(|s| s.reason.name()).collect();
    reasons.sort_unstable();
    reasons.dedup();
    event
        .labels
        .insert(SEALED_LABEL.to_owned(), reasons.join(","));
    if !event.tags.iter().any(|t| t == SEALED_TAG) {
        event.tags.push(SEALED_TAG.to_owned());
    }
    Ok(sealed)
}

/// The sealed items recorded on an event (none when there are none or the record is unreadable).
pub fn sealed_items(event: &Event) -> Vec<Sealed> {
    event
        .original
        .get(SEALED_KEY)
        .and_then(|value| serde_json::from_value(value.clone()).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cues() -> SealCues {
        SealCues::new().unwrap()
    }

    #[test]
    fn round_trip_and_ciphertext_hides_the_text() {
        let key = SealKey::generate().unwrap();
        let text = "Diagnosed with a heart condition; prescribed bisoprolol 5mg";
        let sealed = seal(&key, SealReason::Medical, "email.body", text).unwrap();
        let raw = BASE64.decode(&sealed.ciphertext).unwrap();
        assert!(!raw.windows(9).any(|w| w == b"Diagnosed"));
        assert!(
            !serde_json::to_string(&sealed)
                .unwrap()
                .contains("Diagnosed")
        );
        assert_eq!(unseal(&key, &sealed).unwrap(), text);
    }

    #[test]
    fn nonces_differ_per_item() {
        let key = SealKey::generate().unwrap();
        let a = seal(&key, SealReason::Medical, "f", "same").unwrap();
        let b = seal(&key, SealReason::Medical, "f", "same").unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn wrong_key_or_altered_label_fails() {
        let key = SealKey::generate().unwrap();
        let other = SealKey::generate().unwrap();
        let sealed = seal(&key, SealReason::LegalPrivilege, "email.body", "advice").unwrap();
        assert!(unseal(&other, &sealed).is_err());
        let mut relabelled = sealed.clone();
        relabelled.field = "attachment:x".into();
        assert!(unseal(&key, &relabelled).is_err());
        let mut reasoned = sealed;
        reasoned.reason = SealReason::Medical;
        assert!(unseal(&key, &reasoned).is_err());
    }

    #[test]
    fn legal_cues() {
        let c = cues();
        let found = c
            .detect("This advice is legally privileged and must not be forwarded.")
            .unwrap();
        assert_eq!(found.reason, SealReason::LegalPrivilege);
        assert!(
            c.detect("WITHOUT PREJUDICE\nDear Sirs, our client... Smith & Co Solicitors LLP")
                .is_some()
        );
        assert!(
            c.detect("Let's discuss this without prejudice over coffee.")
                .is_none()
        );
        assert!(
            c.detect("This email may contain information that is legally privileged.")
                .is_none()
        );
    }

    #[test]
    fn cues_wrapped_or_spaced_are_found() {
        let c = cues();
        for text in [
            "I was diagnosed\nwith asthma last year",
            "Attached is my fit\r\nnote until Friday",
            "The OH  report says light duties",
            "This advice is legally\nprivileged and must not be forwarded.",
            "Sent with my sick\u{a0}note",
            "occupational\thealth\n  assessment booked",
        ] {
            assert!(c.detect(text).is_some(), "{text:?}");
        }
        let found = c.detect("I was diagnosed\n\twith asthma").unwrap();
        assert_eq!(found.cues, ["diagnosed with"]);
        // A disclaimer wrapped over two lines is still a disclaimer.
        assert!(
            c.detect("This email may\ncontain information that is legally privileged.")
                .is_none()
        );
    }

    #[test]
    fn the_original_text_filter_holds_a_word_of_every_cue() {
        for cue in CUE_WORDS {
            let word = raw_filter_word(cue);
            assert!(
                !word.contains(' ') && cue.contains(word),
                "{cue:?} -> {word:?}"
            );
        }
    }

    #[test]
    fn medical_cues() {
        let c = cues();
        assert_eq!(
            c.detect("Attached is my fit note until Friday")
                .map(|d| d.reason),
            Some(SealReason::Medical)
        );
        assert!(c.detect("Saw my GP, new medication 20mg").is_some());
        let weak = c
            .detect("Feeling the anxiety again, GP changed things")
            .unwrap();
        assert_eq!(weak.cues, ["anxiety", "gp"]);
        assert!(
            c.detect("Rang the GP, no answer").is_none(),
            "one weak cue is not enough"
        );
        assert!(c.detect("Meeting moved to the consultant room").is_none());
    }

    /// The word filter in front of the patterns never hides a cue: every alternative of every
    /// pattern, in any case and with the Unicode folds the patterns accept, is still found.
    #[test]
    fn the_word_filter_passes_every_cue() {
        let c = cues();
        let strong = [
            "fit note",
            "statement of fitness for work",
            "sick note",
            "occupational health report",
            "occupational health assessment",
            "OH report",
            "diagnosed with",
            "diagnosis of",
            "prescribed",
            "psychiatric report",
            "psychiatric assessment",
        ];
        for cue in strong {
            for text in [
                format!("Please see: {cue} attached."),
                format!("PLEASE SEE: {} ATTACHED.", cue.to_uppercase()),
            ] {
                let found = c.detect(&text).map(|d| d.reason);
                assert_eq!(found, Some(SealReason::Medical), "{text}");
            }
        }
        let legal = [
            "legally privileged",
            "legal professional privilege",
            "subject to privilege",
            "subject to legal privilege",
            "litigation privilege",
            "legal advice privilege",
            "privileged and confidential legal advice",
            "privileged & confidential legal advice",
        ];
        for cue in legal {
            let text = format!("This note is {cue}.");
            assert_eq!(
                c.detect(&text).map(|d| d.reason),
                Some(SealReason::LegalPrivilege),
                "{text}"
            );
        }
        let weak = [
            "medication",
            "diagnosis",
            "symptoms",
            "GP",
            "consultant",
            "clinic",
            "mental health",
            "depression",
            "anxiety",
            "PTSD",
            "counselling",
            "therapy",
            "hospital",
            "surgery",
            "20 mg",
        ];
        for (i, first) in weak.iter().enumerate() {
            let second = weak[(i + 1) % weak.len()];
            let text = format!("Update: {first}, then {second}.");
            assert_eq!(
                c.detect(&text).map(|d| d.reason),
                Some(SealReason::Medical),
                "{text}"
            );
        }
        // Long s and the Kelvin sign fold to s and k in the patterns, though not in ASCII.
        assert!(c.detect("I was diagno\u{17f}ed with it").is_some());
        assert!(c.detect("my sic\u{212a} note").is_some());
        assert!(c.detect("the \u{17f}ick note").is_some());
        assert!(c.detect("Routine rota change for the weekend.").is_none());
    }

    /// The byte search for the folds agrees with a search by character, wherever the fold sits and
    /// beside other characters sharing its lead byte (Ł is C5 81; — is E2 80 94).
    #[test]
    fn fold_search_agrees_with_char_search() {
        let pieces = [
            "", "a", "ſ", "\u{212a}", "Ł", "—", "€", "K", "s", "é", "\u{2129}", "ŀ", "\u{212b}",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}x{c}");
                    assert_eq!(
                        has_unicode_fold(&text),
                        text.contains(UNICODE_FOLDS),
                        "{text:?}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn fold_search_agrees_on_any_text(
            pieces in proptest::collection::vec(
                prop_oneof![Just("\u{17f}".to_owned()), Just("\u{212a}".to_owned()), "\\PC{0,3}"],
                0..12,
            )
        ) {
            let text = pieces.concat();
            prop_assert_eq!(has_unicode_fold(&text), text.contains(UNICODE_FOLDS));
        }
    }

    proptest! {
        /// Where no cue touches a non-ASCII letter, the ASCII word boundaries find what the Unicode
        /// ones do, whatever else the text holds (accents, curly quotes, no-break spaces, CJK).
        #[test]
        fn ascii_boundaries_find_what_unicode_ones_do(
            pieces in proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(vec![
                        "fit note", "diagnosed with", "prescribed", "GP", "20 mg", "15mg",
                        "hospital", "anxiety", "mental health", "legally privileged",
                        "without prejudice", "solicitor", "counsel", "LLP", "may contain",
                        "subject to privilege", "OH report", "therapy",
                    ]).prop_map(str::to_owned),
                    proptest::sample::select(vec![
                        "café", "naïve", "“quoted”", "\u{a0}", "—", "日本語", "Zoë", "résumé",
                        "the", "note", "legal", "a.", "mg", "GPs", "20", "Ünïcode",
                    ]).prop_map(str::to_owned),
                    "[a-zA-Z]{1,6}",
                ],
                0..14,
            )
        ) {
            let text = pieces.join(" ");
            let c = cues();
            prop_assert_eq!(
                SealCues::detect_with(&c.ascii, &text),
                SealCues::detect_with(&c.unicode, &text),
                "{:?}", text
            );
        }
    }

    #[test]
    fn ascii_boundaries_differ_only_beside_non_ascii_letters() {
        let c = cues();
        let text = "Arrangements: éGP and hospital.";
        assert!(SealCues::detect_with(&c.unicode, text).is_none());
        assert!(SealCues::detect_with(&c.ascii, text).is_some());
        // A text with a folding letter is read with Unicode boundaries.
        assert!(c.detect("the \u{17f}ick note, éGP").is_some());
    }

    #[test]
    fn key_debug_hides_bytes() {
        assert_eq!(format!("{:?}", SealKey::from_bytes([7; 32])), "SealKey(…)");
    }
}
