//! Stable pseudonyms for person identifiers.
//!
//! A pseudonym is HMAC-SHA256 under a secret key over the normalised identifier, cut to 60 bits
//! and written in Crockford base32 as `P-7Q3K-9XDM-4TNA`: short enough to read out, with no
//! letters that look like digits (I, L, O, U), and 60 bits so that even ten million people are
//! very unlikely to share one (a shared one is caught by the pseudonym map, not silently merged).
//!
//! The keys live in a key file in the data directory, created with mode 0600 on first use. A
//! rotation adds a key with the next id and makes it current; old keys stay in the file so that
//! pseudonyms made under them can still be matched. Nothing here turns a pseudonym back into an
//! identifier: that happens only through an approved reveal
//! ([`Access::reveal_identity`](crate::Access::reveal_identity)).

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{Error, Result};

/// Longest identifier recorded in the pseudonym map, in bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 1024;
/// The key file's name in the data directory.
pub const KEY_FILE: &str = "pseudonym.keys";
/// Largest key file read, in bytes (thousands of rotations).
const MAX_KEY_FILE: u64 = 1024 * 1024;
/// Crockford's base32 alphabet: digits and letters without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Separates this use of the key from any other.
const DOMAIN: &[u8] = b"probity pseudonym v1\0";
/// Characters of base32 in a pseudonym (12 x 5 = 60 bits).
const PSEUDONYM_CHARS: usize = 12;

/// A pseudonym, `P-` and three groups of four Crockford base32 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pseudonym(String);

impl Pseudonym {
    /// Reads a pseudonym as a person might type it: any case, with or without dashes, and with
    /// `I`/`L` read as `1` and `O` as `0`.
    pub fn parse(text: &str) -> Result<Self> {
        let trimmed = text.trim();
        let body = trimmed
            .strip_prefix("P-")
            .or_else(|| trimmed.strip_prefix("p-"))
            .ok_or_else(|| Error::Pseudonym(text.to_owned()))?;
        let mut symbols = String::with_capacity(PSEUDONYM_CHARS);
        for ch in body.chars().filter(|&c| c != '-') {
            let symbol = match ch.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                other => other,
            };
            if !ALPHABET.contains(&(symbol as u8)) || !symbol.is_ascii() {
                return Err(Error::Pseudonym(text.to_owned()));
            }
            symbols.push(symbol);
        }
        if symbols.len() != PSEUDONYM_CHARS {
            return Err(Error::Pseudonym(text.to_owned()));
        }
        Ok(Self::from_symbols(&symbols))
    }

    fn from_symbols(symbols: &str) -> Self {
        let (first, rest) = symbols.split_at(4);
        let (second, third) = rest.split_at(4);
        Self(format!("P-{first}-{second}-{third}"))
    }

    /// The pseudonym as shown (`P-7Q3K-9XDM-4TNA`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Pseudonym {
    type Error = Error;

    fn try_from(value: String) -> Result<Self> {
        Self::parse(&value)
    }
}

impl From<Pseudonym> for String {
    fn from(value: Pseudonym) -> Self {
        value.0
    }
}

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The form an identifier is pseudonymised in: trimmed and case-folded, so that `JDoe` and
/// `jdoe` (as account names are written in different systems) get one pseudonym.
pub fn normalise_identifier(identifier: &str) -> String {
    fold_case(identifier.trim())
}

/// Upper- then lower-cases: unlike lower-casing alone, this gives one form for every case
/// variant of a text (`ß`, `SS` and `ss`; ligatures and their capitals), much as Unicode case
/// folding does. A few characters take two rounds (the capital `ẞ` lower-cases to `ß`, which
/// upper-cases to `SS`), so the rounds repeat until the text stops changing: a folded text
/// folds to itself.
pub fn fold_case(text: &str) -> String {
    let mut folded = text.to_uppercase().to_lowercase();
    // Each round that changes anything turns a character into letters that fold to themselves;
    // no character needs more than two.
    for _ in 0..MAX_FOLD_ROUNDS {
        let again = folded.to_uppercase().to_lowercase();
        if again == folded {
            break;
        }
        folded = again;
    }
    folded
}

/// Rounds of [`fold_case`] after the first, at most.
const MAX_FOLD_ROUNDS: usize = 3;

struct Key {
    id: u32,
    bytes: [u8; 32],
}

/// The pseudonym keys, loaded from the key file. The key bytes never print.
pub struct Pseudonymiser {
    path: PathBuf,
    /// Oldest first; the last is current. Never empty.
    keys: Vec<Key>,
}

impl fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pseudonymiser")
            .field("path", &self.path)
            .field("current_key", &self.current_key_id())
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl Pseudonymiser {
    /// Opens the key file [`KEY_FILE`] in `data_dir`, creating it with one new key (mode 0600) if
    /// it does not exist. A key file that others than its owner may read is refused.
    pub fn open(data_dir: &Path) -> Result<Self> {
        let path = data_dir.join(KEY_FILE);
        if !path.exists() {
            fs::create_dir_all(data_dir).map_err(io_error(data_dir))?;
            let key = new_key(1);
            // Another process may create the file at the same moment: then its keys are used.
            if write_key_file(&path, std::slice::from_ref(&key), true)? {
                return Ok(Self {
                    path,
                    keys: vec![key],
                });
            }
        }
        check_permissions(&path)?;
        let keys = read_key_file(&path)?;
        Ok(Self { path, keys })
    }

    /// The id of the key new pseudonyms are made with.
    pub fn current_key_id(&self) -> u32 {
        self.keys.last().map(|key| key.id).unwrap_or_default()
    }

    /// Every key id held, oldest first.
    pub fn key_ids(&self) -> Vec<u32> {
        self.keys.iter().map(|key| key.id).collect()
    }

    /// The pseudonym for `identifier` under the current key.
    pub fn pseudonym(&self, identifier: &str) -> Pseudonym {
        match self.keys.last() {
            Some(key) => pseudonym_with(&key.bytes, identifier),
            None => pseudonym_with(&[0u8; 32], identifier),
        }
    }

    /// The pseudonym for `identifier` under key `key_id`, if that key is held: to match a
    /// pseudonym made before a rotation.
    pub fn pseudonym_under(&self, key_id: u32, identifier: &str) -> Option<Pseudonym> {
        self.keys
            .iter()
            .find(|key| key.id == key_id)
            .map(|key| pseudonym_with(&key.bytes, identifier))
    }

    /// Adds a new key and makes it current; old keys are kept. Returns the new key id.
    pub fn rotate(&mut self) -> Result<u32> {
        let next_id = self.current_key_id().saturating_add(1);
        let mut keys: Vec<Key> = self
            .keys
            .iter()
            .map(|key| Key {
                id: key.id,
                bytes: key.bytes,
            })
            .collect();
        keys.push(new_key(next_id));
        write_key_file(&self.path, &keys, false)?;
        self.keys = keys;
        Ok(next_id)
    }
}

fn new_key(id: u32) -> Key {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    Key { id, bytes }
}

fn pseudonym_with(key: &[u8; 32], identifier: &str) -> Pseudonym {
    let normalised = normalise_identifier(identifier);
    let mut bits: u64 = 0;
    if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) {
        mac.update(DOMAIN);
        mac.update(normalised.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        bits = u64::from_be_bytes(first) >> 4;
    }
    let mut symbols = String::with_capacity(PSEUDONYM_CHARS);
    for index in (0..PSEUDONYM_CHARS).rev() {
        let value = (bits >> (index * 5)) & 31;
        symbols.push(char::from(ALPHABET[value as usize]));
    }
    Pseudonym::from_symbols(&symbols)
}

fn key_file_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::KeyFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(unix)]
fn check_permissions(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(io_error(path))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(key_file_error(
            path,
            format!(
                "the pseudonym key file may be read by others (mode {:o}); run chmod 600 on it",
                mode & 0o777
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path) -> Result<()> {
    Ok(())
}

/// Creates a new file only its owner may read.
fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes the keys to a temporary file, flushes it, and moves it into place, so that a crash
/// leaves either the old file or the new one, never half of one. With `create_new`, an existing
/// key file is left alone and the result is `false`.
fn write_key_file(path: &Path, keys: &[Key], create_new: bool) -> Result<bool> {
    let mut text = String::from(
        "# Probity pseudonym keys: id, key (hex). Keep secret and backed up; do not edit.\n",
    );
    for key in keys {
        text.push_str(&format!("{} {}\n", key.id, hex::encode(key.bytes)));
    }
    let mut suffix = [0u8; 6];
    rand::rng().fill_bytes(&mut suffix);
    let temporary = path.with_extension(format!("new-{}", hex::encode(suffix)));
    let written = (|| {
        let mut file = open_private(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    })();
    if let Err(source) = written {
        let _ = fs::remove_file(&temporary);
        return Err(io_error(&temporary)(source));
    }
    let placed = if create_new {
        // A hard link fails if the target exists, so a concurrent creator is never overwritten.
        let linked = fs::hard_link(&temporary, path);
        let _ = fs::remove_file(&temporary);
        match linked {
            Ok(()) => true,
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
            Err(source) => return Err(io_error(path)(source)),
        }
    } else {
        fs::rename(&temporary, path).map_err(io_error(path))?;
        true
    };
    if let Some(dir) = path.parent()
        && let Ok(handle) = File::open(dir)
    {
        // Best effort: makes the new directory entry itself durable.
        let _ = handle.sync_all();
    }
    Ok(placed)
}

fn read_key_file(path: &Path) -> Result<Vec<Key>> {
    let file = File::open(path).map_err(io_error(path))?;
    let mut text = String::new();
    file.take(MAX_KEY_FILE + 1)
        .read_to_string(&mut text)
        .map_err(io_error(path))?;
    if text.len() as u64 > MAX_KEY_FILE {
        return Err(key_file_error(path, "the key file is larger than 1 MiB"));
    }
    let mut keys: Vec<Key> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = parse_key_line(line).ok_or_else(|| {
            key_file_error(path, format!("line {} is not `id hexkey`", index + 1))
        })?;
        if keys.last().is_some_and(|last| last.id >= key.id) {
            return Err(key_file_error(
                path,
                format!("line {}: key ids must increase", index + 1),
            ));
        }
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(key_file_error(path, "the key file holds no key"));
    }
    Ok(keys)
}

fn parse_key_line(line: &str) -> Option<Key> {
    let mut parts = line.split_whitespace();
    let id = parts.next()?.parse().ok()?;
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(parts.next()?, &mut bytes).ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some(Key { id, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_a_folded_text_gives_it_back() {
        for (text, folded) in [
            ("JDoe", "jdoe"),
            ("Straße", "strasse"),
            ("STRASSE", "strasse"),
            ("ẞ", "ss"),
            ("ﬃ", "ffi"),
        ] {
            assert_eq!(fold_case(text), folded, "{text}");
            assert_eq!(fold_case(folded), folded, "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fold_case_is_idempotent(text in "\\PC{0,12}") {
            let folded = fold_case(&text);
            proptest::prop_assert_eq!(fold_case(&folded), folded);
        }
    }

    #[test]
    fn pseudonyms_are_stable_readable_and_case_insensitive() {
        let dir = tempfile::tempdir().unwrap();
        let pseudonymiser = Pseudonymiser::open(dir.path()).unwrap();
        let a = pseudonymiser.pseudonym("JDoe");
        assert_eq!(a, pseudonymiser.pseudonym(" jdoe "));
        assert_ne!(a, pseudonymiser.pseudonym("jdoe2"));
        let text = a.as_str();
        assert_eq!(text.len(), 16, "{text}");
        assert!(text.starts_with("P-"));
        assert!(
            text[2..]
                .chars()
                .all(|c| c == '-' || (ALPHABET.contains(&(c as u8)) && !"ILOU".contains(c)))
        );
        // The same key file gives the same pseudonyms after reopening.
        let reopened = Pseudonymiser::open(dir.path()).unwrap();
        assert_eq!(reopened.pseudonym("jdoe"), a);
        // Another key (another installation) gives others.
        let other = tempfile::tempdir().unwrap();
        assert_ne!(
            Pseudonymiser::open(other.path()).unwrap().pseudonym("jdoe"),
            a
        );
    }

    #[test]
    fn pseudonyms_parse_as_people_type_them() {
        let parsed = Pseudonym::parse("p-7q3k9xdm-4tna").unwrap();
        assert_eq!(parsed.as_str(), "P-7Q3K-9XDM-4TNA");
        assert_eq!(
            Pseudonym::parse("P-OI00-0000-0000").unwrap().as_str(),
            "P-0100-0000-0000"
        );
        for bad in [
            "",
            "7Q3K-9XDM-4TNA",
            "P-7Q3K-9XDM",
            "P-7Q3K-9XDM-4TNU",
            "P-7Q3K-9XDM-4TNAA",
        ] {
            assert!(Pseudonym::parse(bad).is_err(), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_private_and_a_readable_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        Pseudonymiser::open(dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE);
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let error = Pseudonymiser::open(dir.path()).unwrap_err().to_string();
        assert!(error.contains("chmod 600"), "{error}");
    }

    #[test]
    fn rotation_keeps_old_keys_and_changes_new_pseudonyms() {
        let dir = tempfile::tempdir().unwrap();
        let mut pseudonymiser = Pseudonymiser::open(dir.path()).unwrap();
        let before = pseudonymiser.pseudonym("jdoe");
        assert_eq!(pseudonymiser.rotate().unwrap(), 2);
        let after = pseudonymiser.pseudonym("jdoe");
        assert_ne!(before, after);
        assert_eq!(
            pseudonymiser.pseudonym_under(1, "jdoe"),
            Some(before.clone())
        );
        assert_eq!(pseudonymiser.pseudonym_under(9, "jdoe"), None);

        let reopened = Pseudonymiser::open(dir.path()).unwrap();
        assert_eq!(reopened.key_ids(), vec![1, 2]);
        assert_eq!(reopened.pseudonym("jdoe"), after);
        assert_eq!(reopened.pseudonym_under(1, "jdoe"), Some(before));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn processes_creating_the_key_file_at_once_agree_on_one_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path().join("data");
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let data = data.clone();
                    std::thread::spawn(move || {
                        Pseudonymiser::open(&data).unwrap().pseudonym("jdoe")
                    })
                })
                .collect();
            let pseudonyms: Vec<Pseudonym> =
                handles.into_iter().map(|h| h.join().unwrap()).collect();
            assert!(
                pseudonyms.windows(2).all(|w| w[0] == w[1]),
                "{pseudonyms:?}"
            );
            let leftovers = fs::read_dir(&data).unwrap().count();
            assert_eq!(leftovers, 1, "no temporary files are left behind");
        }
    }

    #[test]
    fn a_damaged_key_file_is_reported_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        Pseudonymiser::open(dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE);
        let mut text = fs::read_to_string(&path).unwrap();
        text.push_str("2 not-hex\n");
        fs::write(&path, text).unwrap();
        let error = Pseudonymiser::open(dir.path()).unwrap_err().to_string();
        assert!(error.contains("line 3"), "{error}");
        assert!(format!("{:?}", Pseudonymiser::open(dir.path()).err()).contains("line 3"));
    }

    proptest::proptest! {
        #[test]
        fn every_pseudonym_reads_back_as_itself(identifier in "\\PC{0,40}") {
            let key = [7u8; 32];
            let pseudonym = pseudonym_with(&key, &identifier);
            proptest::prop_assert_eq!(Pseudonym::parse(pseudonym.as_str()).unwrap(), pseudonym.clone());
            proptest::prop_assert_eq!(Pseudonym::parse(&pseudonym.as_str().to_lowercase()).unwrap(), pseudonym.clone());
            proptest::prop_assert_eq!(pseudonym_with(&key, &identifier.to_uppercase()), pseudonym);
        }

        #[test]
        fn parsing_any_text_never_panics(text in "\\PC{0,24}") {
            let _ = Pseudonym::parse(&text);
        }
    }
}
