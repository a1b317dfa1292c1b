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

/// 200 KB of `[` took 53 s to be refused (the YAML reader's time grows with the square of the
/// nesting), and a 6 MB list was read whole (audit 2, defect 3): both are refused at once, with
/// the file named.
#[test]
fn deep_and_huge_lists_are_refused_before_they_are_parsed() {
    let deep = format!(
        "version: 1\nparties: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let started = std::time::Instant::now();
    let error = Exclusions::from_yaml("policy/exclusions.yaml", &deep)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(
            "policy/exclusions.yaml: collections are nested more than 64 deep (line 2)"
        ),
        "{error}"
    );
    let error = DisclosurePolicy::from_yaml("policy/disclosure.yaml", &deep)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("policy/disclosure.yaml: collections are nested"),
        "{error}"
    );
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());

    let party = "  - class: welfare\n    reason: r\n    addresses: [a@b.org]\n";
    let huge = format!("version: 1\nparties:\n{}", party.repeat(30_000));
    let error = Exclusions::from_yaml("policy/exclusions.yaml", &huge)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("policy/exclusions.yaml: the file is 17")
            && error.ends_with("the limit is 1048576"),
        "{error}"
    );
}
