//! What the policies in force are, for the audit log: each policy file's SHA-256 (or that the
//! shipped default is in force), and the exclusion list's parties and entries, so that a change
//! of policy can be told from the log and a list that shrinks is noticed.
//!
//! `probity serve` records the state at start (`policy.load`) and, on each reload, what changed
//! from the state before (`policy.reload`: the files whose hash changed, the parties and entries
//! before and after, the entries the list lost); [`warnings`] says, for the log and the
//! terminal, when the list is empty or lost entries.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    ABUSE_FILE, CommsStage, DISCLOSURE_FILE, EXCLUSIONS_FILE, LEXICON_DIR, MODEL_DIR, MODEL_FILES,
    POLICY_DIR,
};

/// Most lost entries named in one audit entry (the count is always given).
const MAX_LOST_NAMED: usize = 50;

/// One policy file: its name under `DATA/policy/`, and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFile {
    /// `exclusions.yaml`, `lexicons/threat.yaml`, `models/misogyny.bin`…
    pub name: String,
    /// Lower-case hex; `None` where the file is absent (the shipped default is in force).
    pub sha256: Option<String>,
    /// Why the file could not be read for its hash, where it could not.
    pub error: Option<String>,
}

impl PolicyFile {
    fn to_json(&self) -> Value {
        match (&self.sha256, &self.error) {
            (Some(hash), _) => json!({ "name": self.name, "sha256": hash }),
            (None, Some(error)) => json!({ "name": self.name, "error": error }),
            (None, None) => json!({ "name": self.name, "sha256": null, "default": true }),
        }
    }
}

/// The policy files of a data directory as they are now: `exclusions.yaml`, `disclosure.yaml`
/// and `abuse.yaml` (absent ones listed as such), then each lexicon and model file present.
pub fn policy_files(data_dir: &Path) -> Vec<PolicyFile> {
    let dir = data_dir.join(POLICY_DIR);
    let mut names: Vec<String> = [EXCLUSIONS_FILE, DISCLOSURE_FILE, ABUSE_FILE]
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    let mut listed = |folder: &str, wanted: &dyn Fn(&str) -> bool| {
        let mut found: Vec<String> = std::fs::read_dir(dir.join(folder))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| wanted(name))
            .map(|name| format!("{folder}/{name}"))
            .collect();
        found.sort();
        names.extend(found);
    };
    listed(LEXICON_DIR, &|name| {
        name.ends_with(".yaml") || name.ends_with(".yml")
    });
    listed(MODEL_DIR, &|name| MODEL_FILES.contains(&name));
    names
        .into_iter()
        .map(|name| {
            let path = dir.join(&name);
            match std::fs::read(&path) {
                Ok(bytes) => PolicyFile {
                    name,
                    sha256: Some(hex::encode(Sha256::digest(&bytes))),
                    error: None,
                },
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => PolicyFile {
                    name,
                    sha256: None,
                    error: None,
                },
                Err(error) => PolicyFile {
                    name,
                    sha256: None,
                    error: Some(error.to_string()),
                },
            }
        })
        .collect()
}

/// The policies in force: their files, and the exclusion list's parties and entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyState {
    /// The policy files, as [`policy_files`] read them.
    pub files: Vec<PolicyFile>,
    /// The protected parties listed.
    pub parties: usize,
    /// Every entry of the list, `class: kind value` (`welfare: domain samaritans.org`).
    pub entries: BTreeSet<String>,
}

impl PolicyState {
    /// The state of `stage`, built from `data_dir`'s policy files.
    pub fn of(data_dir: &Path, stage: &CommsStage) -> Self {
        Self::with_files(policy_files(data_dir), stage)
    }

    /// The state of `stage`, built from the policy files `files` (as [`policy_files`] read them
    /// before the stage was built).
    pub fn with_files(files: Vec<PolicyFile>, stage: &CommsStage) -> Self {
        let mut entries = BTreeSet::new();
        let mut parties = 0;
        for party in stage.exclusions.parties() {
            parties += 1;
            let kinds = [
                ("address", &party.addresses),
                ("domain", &party.domains),
                ("display name", &party.display_names),
                ("subject keyword", &party.subject_keywords),
            ];
            for (kind, values) in kinds {
                for value in values {
                    let value = value.trim().to_lowercase();
                    entries.insert(format!("{}: {kind} {value}", party.class));
                }
            }
        }
        Self {
            files,
            parties,
            entries,
        }
    }

    /// What the audit log records of a state: the files and the list's size.
    pub fn to_json(&self) -> Value {
        json!({
            "files": self.files.iter().map(PolicyFile::to_json).collect::<Vec<_>>(),
            "exclusions": { "parties": self.parties, "entries": self.entries.len() },
        })
    }
}

/// The names of the files that differ between two readings (changed, added or removed).
pub fn changed_files(before: &[PolicyFile], after: &[PolicyFile]) -> Vec<String> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for file in after {
        let was = before.iter().find(|b| b.name == file.name);
        if was.is_none_or(|was| was.sha256 != file.sha256 || was.error != file.error) {
            names.insert(&file.name);
        }
    }
    for file in before {
        if !after.iter().any(|a| a.name == file.name) {
            names.insert(&file.name);
        }
    }
    names.into_iter().map(str::to_owned).collect()
}

/// The warning for a stage whose exclusion list has no party, if it has none.
pub fn empty_list_warning(stage: &CommsStage) -> Option<String> {
    (stage.exclusions.parties().len() == 0).then(empty_list)
}

fn empty_list() -> String {
    format!(
        "the exclusion list ({POLICY_DIR}/{EXCLUSIONS_FILE}) lists no protected party: mail and \
         chat with legal advisers, occupational health, staff associations, welfare and \
         whistleblowing lines are read, scanned and stored like any other"
    )
}

/// The warnings a state calls for: an exclusion list with no party, and (given the state
/// before a reload) entries the list lost.
pub fn warnings(before: Option<&PolicyState>, after: &PolicyState) -> Vec<String> {
    let mut warnings = Vec::new();
    if after.parties == 0 {
        warnings.push(empty_list());
    }
    if let Some(before) = before {
        let lost: Vec<&String> = before.entries.difference(&after.entries).collect();
        if !lost.is_empty() {
            let named: Vec<&str> = lost
                .iter()
                .take(MAX_LOST_NAMED)
                .map(|entry| entry.as_str())
                .collect();
            warnings.push(format!(
                "the exclusion list lost {} of its {} entries ({} parties before, {} now); \
                 messages to or from them are no longer excluded: {}{}",
                lost.len(),
                before.entries.len(),
                before.parties,
                after.parties,
                named.join("; "),
                if lost.len() > named.len() {
                    "; …"
                } else {
                    ""
                }
            ));
        }
    }
    warnings
}

/// The details of a successful reload's audit entry: each file with whether it changed, the
/// files changed, the list's parties and entries before and after, the entries lost, and the
/// warnings.
pub fn reload_details(before: &PolicyState, after: &PolicyState) -> Value {
    let changed = changed_files(&before.files, &after.files);
    let lost: Vec<&String> = before.entries.difference(&after.entries).collect();
    let added = after.entries.difference(&before.entries).count();
    json!({
        "outcome": "reloaded",
        "files": files_json(&after.files, &changed),
        "changed": changed,
        "exclusions": {
            "parties": { "before": before.parties, "after": after.parties },
            "entries": { "before": before.entries.len(), "after": after.entries.len() },
            "lost": lost.iter().take(MAX_LOST_NAMED).collect::<Vec<_>>(),
            "lost_count": lost.len(),
            "added_count": added,
        },
        "warnings": warnings(Some(before), after),
    })
}

/// The details of a refused reload's audit entry: the error, and the files as they were read
/// (the set in force is unchanged).
pub fn refused_details(before: &PolicyState, files: &[PolicyFile], error: &str) -> Value {
    let changed = changed_files(&before.files, files);
    json!({
        "outcome": "kept",
        "error": error,
        "files": files_json(files, &changed),
        "changed": changed,
    })
}

fn files_json(files: &[PolicyFile], changed: &[String]) -> Vec<Value> {
    files
        .iter()
        .map(|file| {
            let mut value = file.to_json();
            value["changed"] = json!(changed.contains(&file.name));
            value
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(parties: usize, entries: &[&str]) -> PolicyState {
        PolicyState {
            files: vec![PolicyFile {
                name: EXCLUSIONS_FILE.into(),
                sha256: Some(format!("{parties:064}")),
                error: None,
            }],
            parties,
            entries: entries.iter().map(|e| (*e).to_owned()).collect(),
        }
    }

    #[test]
    fn an_empty_list_and_lost_entries_are_warned_of() {
        let before = state(
            2,
            &["welfare: domain a.org", "legal_adviser: address l@f.uk"],
        );
        assert!(warnings(None, &before).is_empty());
        let shrunk = state(1, &["welfare: domain a.org", "welfare: domain b.org"]);
        let said = warnings(Some(&before), &shrunk);
        assert_eq!(said.len(), 1);
        assert!(said[0].contains("lost 1 of its 2 entries (2 parties before, 1 now)"));
        assert!(said[0].contains("legal_adviser: address l@f.uk"));
        let empty = state(0, &[]);
        let said = warnings(Some(&before), &empty);
        assert_eq!(said.len(), 2);
        assert!(said[0].contains("lists no protected party"));
    }

    #[test]
    fn a_reload_says_what_changed() {
        let before = state(
            2,
            &["welfare: domain a.org", "legal_adviser: address l@f.uk"],
        );
        let after = state(0, &[]);
        let details = reload_details(&before, &after);
        assert_eq!(details["changed"], json!([EXCLUSIONS_FILE]));
        assert_eq!(details["files"][0]["changed"], true);
        assert_eq!(details["exclusions"]["parties"]["before"], 2);
        assert_eq!(details["exclusions"]["parties"]["after"], 0);
        assert_eq!(details["exclusions"]["lost_count"], 2);
        assert_eq!(details["warnings"].as_array().unwrap().len(), 2);
        let same = reload_details(&before, &before);
        assert_eq!(same["changed"], json!([]));
        assert_eq!(same["warnings"], json!([]));
    }
}
