//! Street addresses in free text (`14 Acacia Avenue`, `Flat 3, 12 High Street`): a house number,
//! one to three capitalised words and a street word. Postcodes are an identifier
//! ([`crate::identifiers`]).

use regex::Regex;

use crate::Result;
use crate::error::compile;

const STREET: &str = r"(?-u:\b)(?:Flat [0-9]{1,4}[A-Za-z]?,? )?[0-9]{1,4}[A-Za-z]?,? (?:[A-Z][a-z]+ ){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Close|Drive|Way|Crescent|Court|Place|Gardens|Terrace|Grove|Hill|Park|Square|View|Walk|Row|Mews|Green|Rise|Parade)(?-u:\b)";

/// One street address found: its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressMatch {
    /// Byte offset where the address starts.
    pub start: usize,
    /// Byte offset where it ends (exclusive).
    pub end: usize,
}

/// Finds street addresses. Build once and share.
#[derive(Debug, Clone)]
pub struct Addresses {
    street: Regex,
}

impl Addresses {
    /// Compiles the pattern.
    pub fn new() -> Result<Self> {
        Ok(Self {
            street: compile("street address", STREET)?,
        })
    }

    /// Every street address in `text`, in order.
    pub fn find(&self, text: &str) -> Vec<AddressMatch> {
        self.street
            .find_iter(text)
            .map(|m| AddressMatch {
                start: m.start(),
                end: m.end(),
            })
            .collect()
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
}
