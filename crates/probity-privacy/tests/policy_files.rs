//! Policy files a force writes: what is refused, and what the refusal says.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_privacy::disclosure::DisclosurePolicy;
use probity_privacy::exclusions::{DEFAULT_EXCLUSIONS_YAML, Exclusions};

/// A domain entry of `*` or `""` matched no correspondent and was accepted without a word, so the
/// staff association looked protected and was not (audit 2, defect 3).
#[test]
fn empty_and_wildcard_domain_entries_are_refused_with_the_party_named() {
    for (entry, expected) in [
        ("\"*\"", "domain entry \"*\" matches nothing"),
        ("\"\"", "an empty domain entry matches nothing"),
        ("\"*.*.org\"", "domain entry \"*.*.org\" matches nothing"),
        ("rep@polfed.org", "is an address, not a domain"),
    ] {
        let yaml = DEFAULT_EXCLUSIONS_YAML.replace("- \"*.polfed.org\"", &format!("- {entry}"));
        assert_ne!(yaml, DEFAULT_EXCLUSIONS_YAML);
        let error = Exclusions::from_yaml("policy/exclusions.yaml", &yaml)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("policy/exclusions.yaml: party 3 (staff_association): "),
            "{error}"
        );
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn empty_and_wildcard_domain_entries_are_refused_in_the_disclosure_policy() {
    let shipped = include_str!("../policy/disclosure.yaml");
    let yaml = shipped.replacen("internal_domains:\n", "internal_domains:\n    - \"*\"\n", 1);
    assert_ne!(yaml, shipped);
    let error = DisclosurePolicy::from_yaml("policy/disclosure.yaml", &yaml)
        .unwrap_err()
        .to_string();
    assert!(
        error
            .starts_with("policy/disclosure.yaml: recipients.internal_domains: domain entry \"*\""),
        "{error}"
    );
}
