//! Street addresses in free text (`14 Acacia Avenue`, `Flat 3, 12 High Street`): a house number,
//! one to three capitalised words and a street word. Postcodes are an identifier
//! ([`crate::identifiers`]).

use regex::Regex;

use crate::Result;
use crate::error::compile;

const STREET: &str = r"(?-u:\b)(?:Flat [0-9]{1,4}[A-Za-z]?,? )?[0-9]{1,4}[A-Za-z]?,? (?:[A-Z][a-z]+ ){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Close|Drive|Way|Crescent|Court|Place|Gardens|Terrace|Grove|Hill|Park|Square|View|Walk|Row|Mews|Green|Rise|Parade)(?-u:\b)";

/// Masking only ([`Addresses::find_for_masking`]): a street named without a house number (`she
/// lives on Oak Avenue`), one or two capitalised words and a street word that is seldom anything
/// else.
const NUMBERLESS_STREET: &str = r"(?-u:\b)(?:[A-Z][a-z]+ ){1,2}(?:Street|Road|Avenue|Lane|Crescent|Terrace|Grove|Gardens|Mews|Close|Drive)(?-u:\b)";

/// Capitalised words that start a sentence or phrase before a street name without being part of
/// it (`The Old Road`, `On Oak Avenue`).
const NOT_STREET_WORDS: [&str; 20] = [
    "The", "A", "An", "This", "That", "Our", "Your", "My", "His", "Her", "Their", "Its", "On",
    "In", "At", "By", "To", "Of", "And", "Or",
];

/// One street address found: its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressMatch {
    /// Byte offset where the address starts.
    pub start: usize,
    /// Byte offset where it ends (exclusive).
    pub end: usize,
    /// Whether it has a house number (every address [`Addresses::find`] finds; a street
    /// [`Addresses::find_for_masking`] finds without one has not).
    pub numbered: bool,
}

/// Finds street addresses. Build once and share.
#[derive(Debug, Clone)]
pub struct Addresses {
    street: Regex,
    numberless: Regex,
}

impl Addresses {
    /// Compiles the pattern.
    pub fn new() -> Result<Self> {
        Ok(Self {
            street: compile("street address", STREET)?,
            numberless: compile("street without a number", NUMBERLESS_STREET)?,
        })
    }

    /// Every street address in `text`, in order.
    pub fn find(&self, text: &str) -> Vec<AddressMatch> {
        self.street
            .find_iter(text)
            .map(|m| AddressMatch {
                start: m.start(),
                end: m.end(),
                numbered: true,
            })
            .collect()
    }

    /// What [`Addresses::find`] finds, and streets named without a house number, which masking
    /// hides too though the disclosure policy does not count them as addresses. In order,
    /// without overlaps.
    pub fn find_for_masking(&self, text: &str) -> Vec<AddressMatch> {
        let mut found = self.find(text);
        for m in self.numberless.find_iter(text) {
            let mut start = m.start();
            // A leading `The ` or `On ` is left visible, and is no street alone.
            let first_word = m.as_str().split(' ').next().unwrap_or_default();
            if NOT_STREET_WORDS.contains(&first_word) {
                start += first_word.len() + 1;
                if !text[start..m.end()].contains(' ') {
                    continue;
                }
            }
            if !found.iter().any(|a| start < a.end && a.start < m.end()) {
                found.push(AddressMatch {
                    start,
                    end: m.end(),
                    numbered: false,
                });
            }
        }
        found.sort_by_key(|a| a.start);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_addresses() {
        let text = "at 14 Acacia Avenue and Flat 3, 12b High Street; not 3 Big Dogs or 24 hours";
        let found: Vec<&str> = Addresses::new()
            .unwrap()
            .find(text)
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect();
        assert_eq!(found, ["14 Acacia Avenue", "Flat 3, 12b High Street"]);
    }

    /// A street without a house number is masked, not counted as an address by the policy.
    #[test]
    fn streets_without_a_number_for_masking() {
        let addresses = Addresses::new().unwrap();
        let text = "she lives on Oak Avenue. The Old Road, 14 Acacia Avenue; The Road to Wigan";
        let found: Vec<&str> = addresses
            .find_for_masking(text)
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect();
        assert_eq!(found, ["Oak Avenue", "Old Road", "14 Acacia Avenue"]);
        assert!(addresses.find("she lives on Oak Avenue").is_empty());
    }
}
