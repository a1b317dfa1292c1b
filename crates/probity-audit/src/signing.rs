//! Signed checkpoints: an Ed25519 signature over the chain's head at a given entry.
//!
//! A checkpoint signs a fixed text (see [`Checkpoint::signed_bytes`]):
//!
//! ```text
//! probity-audit-checkpoint v1
//! seq 42
//! head 3f5a…(64 lowercase hex digits)
//! time 2026-03-01T09:00:00.000000Z
//! key 0123456789abcdef
//! ```
//!
//! Every line ends with a newline. Since the head commits to every entry up to `seq`, a valid
//! signature fixes the whole log up to that entry: changing any of it later needs the private key.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use probity_model::{Timestamp, from_micros, to_micros};

use crate::{Error, Result};

/// The private key file in the data directory (hex, readable by its owner only).
pub const KEY_FILE: &str = "audit-signing.key";
/// The public key file in the data directory (hex), for anyone who verifies.
pub const PUBLIC_KEY_FILE: &str = "audit-signing.pub";

/// A signed statement that the log's entry `seq` had hash `head` at `time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The entry signed (the log's last entry at the time).
    pub seq: u64,
    /// That entry's hash, lowercase hex.
    pub head: String,
    /// When it was signed (whole microseconds).
    pub time: Timestamp,
    /// Which key signed: see [`key_id`].
    pub key_id: String,
    /// The Ed25519 signature over [`Checkpoint::signed_bytes`], lowercase hex.
    pub signature: String,
}

impl Checkpoint {
    /// The exact bytes the signature covers.
    pub fn signed_bytes(&self) -> Vec<u8> {
        signed_bytes(self.seq, &self.head, &self.time, &self.key_id)
    }
}

fn signed_bytes(seq: u64, head: &str, time: &Timestamp, key_id: &str) -> Vec<u8> {
    let time = time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    format!("probity-audit-checkpoint v1\nseq {seq}\nhead {head}\ntime {time}\nkey {key_id}\n")
        .into_bytes()
}

/// True if `text` is `len` lowercase hex digits.
fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A key's short name: the first 8 bytes of SHA-256 over the public key, hex.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    hex::encode(&digest[..8])
}

/// The public key as lowercase hex (what `audit-signing.pub` holds).
pub fn public_key_hex(key: &VerifyingKey) -> String {
    hex::encode(key.as_bytes())
}

/// Reads a public key from hex (surrounding whitespace allowed).
pub fn parse_public_key(text: &str) -> std::result::Result<VerifyingKey, String> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut bytes)
        .map_err(|_| "a public key is 64 hex digits".to_string())?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid Ed25519 public key".to_string())
}

/// True if `checkpoint` was signed by `key`, names that key, and is well formed.
pub fn verify_checkpoint(checkpoint: &Checkpoint, key: &VerifyingKey) -> bool {
    if checkpoint.key_id != key_id(key) || !is_lower_hex(&checkpoint.head, 64) {
        return false;
    }
    let mut signature = [0u8; 64];
    if hex::decode_to_slice(&checkpoint.signature, &mut signature).is_err() {
        return false;
    }
    key.verify(
        &checkpoint.signed_bytes(),
        &Signature::from_bytes(&signature),
    )
    .is_ok()
}

/// The key that signs checkpoints. Its private half never prints.
pub struct Signer {
    key: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.key_id)
    }
}

impl Signer {
    /// A signer for a key's 32 secret bytes (tests and tools).
    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(secret);
        let key_id = key_id(&key.verifying_key());
        Self { key, key_id }
    }

    /// A new random key from the operating system's generator.
    pub fn generate() -> Result<Self> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| Error::Random(e.to_string()))?;
        Ok(Self::from_bytes(&secret))
    }

    /// Loads `audit-signing.key` from `data_dir`, creating it (mode 0600) on first use, and makes
    /// sure `audit-signing.pub` holds its public half.
    pub fn open_or_create(data_dir: &Path) -> Result<Self> {
        let path = data_dir.join(KEY_FILE);
        let signer = match load(&path)? {
            Some(signer) => signer,
            None => create(&path)?,
        };
        signer.write_public_key(data_dir)?;
        Ok(signer)
    }

    /// Signs the log's state: entry `seq` has hash `head`. The time is kept to whole microseconds.
    pub fn sign(&self, seq: u64, head: &[u8; 32], time: Timestamp) -> Checkpoint {
        let time = from_micros(to_micros(&time));
        let head = hex::encode(head);
        let signature = self
            .key
            .sign(&signed_bytes(seq, &head, &time, &self.key_id));
        Checkpoint {
            seq,
            head,
            time,
            key_id: self.key_id.clone(),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// The public half, for verifying.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// See [`key_id`].
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    fn write_public_key(&self, data_dir: &Path) -> Result<()> {
        let path = data_dir.join(PUBLIC_KEY_FILE);
        let text = format!("{}\n", public_key_hex(&self.verifying_key()));
        if fs::read_to_string(&path).is_ok_and(|current| current == text) {
            return Ok(());
        }
        fs::write(&path, text).map_err(|e| key_error(&path, format!("cannot write: {e}")))
    }
}

fn key_error(path: &Path, reason: String) -> Error {
    Error::Key {
        path: path.to_path_buf(),
        reason,
    }
}

/// Reads the key file, or `None` if there is none.
fn load(path: &Path) -> Result<Option<Signer>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(key_error(path, format!("cannot read: {e}"))),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .map_err(|e| key_error(path, format!("cannot read: {e}")))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(key_error(
                path,
                format!(
                    "is readable by others (mode {:o}); run `chmod 600` on it",
                    mode & 0o777
                ),
            ));
        }
    }
    let mut secret = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut secret)
        .map_err(|_| key_error(path, "does not hold 64 hex digits".into()))?;
    Ok(Some(Signer::from_bytes(&secret)))
}

/// Creates the key file. Two processes starting at once both end up with the same key: the file
/// is written under a temporary name and linked into place, and the loser of the race reads the
/// winner's key.
fn create(path: &Path) -> Result<Signer> {
    let signer = Signer::generate()?;
    let temporary = PathBuf::from(format!("{}.{}.tmp", path.display(), std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(format!("{}\n", hex::encode(signer.key.to_bytes())).as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(key_error(path, format!("cannot create: {e}")));
    }
    let linked = fs::hard_link(&temporary, path);
    let _ = fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(signer),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            load(path)?.ok_or_else(|| key_error(path, "vanished while being created".into()))
        }
        Err(e) => Err(key_error(path, format!("cannot create: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_checkpoint_verifies_only_unchanged_and_with_its_key() {
        let signer = Signer::from_bytes(&[7u8; 32]);
        let time = Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap();
        let checkpoint = signer.sign(5, &[0xab; 32], time);
        assert_eq!(checkpoint.time.timestamp_subsec_micros(), 123_456);
        assert!(verify_checkpoint(&checkpoint, &signer.verifying_key()));

        let other = Signer::from_bytes(&[8u8; 32]);
        assert!(!verify_checkpoint(&checkpoint, &other.verifying_key()));

        let mut moved = checkpoint.clone();
        moved.seq = 6;
        assert!(!verify_checkpoint(&moved, &signer.verifying_key()));
        let mut retimed = checkpoint.clone();
        retimed.time = time + chrono::Duration::seconds(1);
        assert!(!verify_checkpoint(&retimed, &signer.verifying_key()));
        let mut bad_signature = checkpoint.clone();
        bad_signature.signature.replace_range(0..2, "00");
        if bad_signature.signature == checkpoint.signature {
            bad_signature.signature.replace_range(0..2, "11");
        }
        assert!(!verify_checkpoint(&bad_signature, &signer.verifying_key()));
        let mut upper = checkpoint.clone();
        upper.head = upper.head.to_uppercase();
        assert!(!verify_checkpoint(&upper, &signer.verifying_key()));
    }

    #[test]
    fn the_key_file_is_created_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Signer::open_or_create(dir.path()).unwrap();
        let second = Signer::open_or_create(dir.path()).unwrap();
        assert_eq!(first.verifying_key(), second.verifying_key());
        let public = fs::read_to_string(dir.path().join(PUBLIC_KEY_FILE)).unwrap();
        assert_eq!(parse_public_key(&public).unwrap(), first.verifying_key());
        assert!(!format!("{first:?}").contains(&hex::encode(first.key.to_bytes())));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.path().join(KEY_FILE);
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                Signer::open_or_create(dir.path()),
                Err(Error::Key { .. })
            ));
        }
    }
}
