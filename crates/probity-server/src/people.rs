//! Members of staff as the workbench shows them: as pseudonyms.
//!
//! [`People`] is built from the staff directory (reference data) and the pseudonym key. Every
//! identifier of a member of staff (staff number, accounts, full name, personal email, mobile)
//! leads to one pseudonym, made from the staff number, so the same person has the same pseudonym
//! whichever account they used. [`People::mask`] replaces those identifiers wherever they appear
//! in text (alert explanations, matched values, event fields), at word boundaries, in one pass.
//! Identifiers of people not in the directory get a pseudonym of their own
//! ([`People::pseudonym_of`]).

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use probity_access::Pseudonymiser;
use probity_store::ReferenceStore;

/// Shortest identifier replaced in free text; shorter ones (initials, two-letter accounts) would
/// replace parts of ordinary words.
const MIN_TEXT_IDENTIFIER: usize = 4;

/// The staff directory, pseudonymised. See the module documentation.
#[derive(Debug)]
pub struct People {
    /// Lower-cased identifier → index into `pseudonyms`.
    by_identifier: HashMap<String, usize>,
    /// One per member of staff, from their staff number.
    pseudonyms: Vec<String>,
    /// The staff number behind each pseudonym, in the same order (what a reveal discloses).
    staff_ids: Vec<String>,
    /// Every identifier long enough to replace in text.
    matcher: Option<AhoCorasick>,
    /// For each of the matcher's patterns, the person it names.
    pattern_person: Vec<usize>,
}

/// One member of staff's identifiers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffIdentifiers {
    pub staff_id: String,
    /// Accounts, full name, personal email, mobile: anything that names them.
    pub names: Vec<String>,
}

impl People {
    /// Nobody known: every identifier gets its own pseudonym and no text is changed.
    pub fn empty() -> Self {
        Self::new(&[], &|_| String::new())
    }

    /// From each member of staff's identifiers and a function giving the pseudonym of a staff
    /// number.
    pub fn new(staff: &[StaffIdentifiers], pseudonym: &dyn Fn(&str) -> String) -> Self {
        let mut by_identifier = HashMap::new();
        let mut pseudonyms = Vec::with_capacity(staff.len());
        let mut staff_ids = Vec::with_capacity(staff.len());
        let mut patterns = Vec::new();
        let mut pattern_person = Vec::new();
        for person in staff {
            let index = pseudonyms.len();
            pseudonyms.push(pseudonym(&person.staff_id));
            staff_ids.push(person.staff_id.clone());
            for identifier in std::iter::once(&person.staff_id).chain(person.names.iter()) {
                let identifier = identifier.trim();
                if identifier.is_empty() {
                    continue;
                }
                let key = identifier.to_lowercase();
                if by_identifier.insert(key, index).is_none()
                    && identifier.chars().count() >= MIN_TEXT_IDENTIFIER
                {
                    patterns.push(identifier.to_owned());
                    pattern_person.push(index);
                }
            }
        }
        let matcher = if patterns.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .ok()
        };
        Self {
            by_identifier,
            pseudonyms,
            staff_ids,
            matcher,
            pattern_person,
        }
    }

    /// From the stored staff directory (none loaded: [`People::empty`] with the key).
    pub fn from_reference(
        reference: &dyn ReferenceStore,
        keys: &Pseudonymiser,
    ) -> Result<Self, String> {
        let stored = reference.reference("staff").map_err(|e| e.to_string())?;
        let Some(bytes) = stored else {
            return Ok(Self::empty());
        };
        let rows = match probity_insider::decode(&bytes) {
            Ok(probity_insider::Rows::Staff(rows)) => rows,
            Ok(_) => return Err("the stored staff directory holds another kind of row".into()),
            Err(error) => return Err(error.to_string()),
        };
        let staff: Vec<StaffIdentifiers> = rows
            .iter()
            .map(|person| StaffIdentifiers {
                staff_id: person.staff_id.clone(),
                names: person
                    .accounts
                    .iter()
                    .cloned()
                    .chain(std::iter::once(person.full_name.clone()))
                    .chain(person.personal_email.iter().cloned())
                    .chain(person.mobile.iter().cloned())
                    .collect(),
            })
            .collect();
        Ok(Self::new(&staff, &|id| {
            keys.pseudonym(id).as_str().to_owned()
        }))
    }

    /// How many members of staff are known.
    pub fn len(&self) -> usize {
        self.pseudonyms.len()
    }

    /// Whether no member of staff is known.
    pub fn is_empty(&self) -> bool {
        self.pseudonyms.is_empty()
    }

    /// The staff number of a known identifier (account, name…), if the directory has it.
    pub fn staff_id_of(&self, identifier: &str) -> Option<&str> {
        let index = *self.by_identifier.get(&identifier.trim().to_lowercase())?;
        self.staff_ids.get(index).map(String::as_str)
    }

    /// The pseudonym of a known member of staff, by any of their identifiers.
    pub fn known_pseudonym(&self, identifier: &str) -> Option<&str> {
        let index = *self.by_identifier.get(&identifier.trim().to_lowercase())?;
        self.pseudonyms.get(index).map(String::as_str)
    }

    /// The identifier a pseudonym of a known member of staff stands for (their staff number).
    pub fn staff_id_of_pseudonym(&self, pseudonym: &str) -> Option<&str> {
        let index = self.pseudonyms.iter().position(|p| p == pseudonym)?;
        self.staff_ids.get(index).map(String::as_str)
    }

    /// Every member of staff's staff number, for recording the pseudonym mapping.
    pub fn staff_ids(&self) -> &[String] {
        &self.staff_ids
    }

    /// Replaces every identifier of a member of staff in `text` by their pseudonym. Matches must
    /// stand as whole words (not inside a longer word or number).
    pub fn mask(&self, text: &str) -> String {
        let Some(matcher) = &self.matcher else {
            return text.to_owned();
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for found in matcher.find_iter(text) {
            let (start, end) = (found.start(), found.end());
            if !standalone(text, start, end) {
                continue;
            }
            let Some(pseudonym) = self
                .pattern_person
                .get(found.pattern().as_usize())
                .and_then(|person| self.pseudonyms.get(*person))
            else {
                continue;
            };
            out.push_str(&text[last..start]);
            out.push_str(pseudonym);
            last = end;
        }
        out.push_str(&text[last..]);
        out
    }
}

/// Whether `text[start..end]` is not part of a longer word.
fn standalone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    !joins(before) && !joins(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> People {
        People::new(
            &[
                StaffIdentifiers {
                    staff_id: "E100005".into(),
                    names: vec![
                        "evansj100005".into(),
                        "John Evans".into(),
                        "john.evans@example.net".into(),
                    ],
                },
                StaffIdentifiers {
                    staff_id: "E100010".into(),
                    names: vec!["smithk100010".into(), "ab".into()],
                },
            ],
            &|id| format!("P-{id}"),
        )
    }

    #[test]
    fn every_identifier_of_a_person_gives_one_pseudonym() {
        let people = people();
        assert_eq!(people.len(), 2);
        assert_eq!(people.known_pseudonym("EVANSJ100005"), Some("P-E100005"));
        assert_eq!(people.known_pseudonym("john evans"), Some("P-E100005"));
        assert_eq!(people.known_pseudonym("E100010"), Some("P-E100010"));
        assert_eq!(people.known_pseudonym("someone"), None);
        assert_eq!(people.staff_id_of("smithk100010"), Some("E100010"));
        assert_eq!(people.staff_id_of_pseudonym("P-E100005"), Some("E100005"));
    }

    #[test]
    fn text_is_masked_at_word_boundaries_only() {
        let people = people();
        let text = "evansj100005 (PS) searched for P-0000024: the subject is a colleague, \
                    E100010; John Evans wrote to john.evans@example.net. E1000055 and \
                    xevansj100005 and ab are other things.";
        let masked = people.mask(text);
        assert_eq!(
            masked,
            "P-E100005 (PS) searched for P-0000024: the subject is a colleague, \
             P-E100010; P-E100005 wrote to P-E100005. E1000055 and \
             xevansj100005 and ab are other things."
        );
        assert_eq!(People::empty().mask(text), text);
    }
}
