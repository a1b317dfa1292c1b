//! Small text helpers shared by the detectors: spans with context, character boundaries.

use probity_model::Span;

/// How many bytes of text either side of a match go into a span's context.
pub const CONTEXT_BYTES: usize = 40;

/// The largest index at or below `index` that is a character boundary of `text`.
pub fn floor_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// The smallest index at or above `index` that is a character boundary of `text`.
pub fn ceil_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index += 1;
    }
    index
}

/// A model [`Span`] for `text[start..end]` in `field`, with some text either side as context
/// (line breaks shown as spaces).
pub fn span(field: &str, text: &str, start: usize, end: usize) -> Span {
    let start = floor_boundary(text, start);
    let end = ceil_boundary(text, end.max(start));
    let from = floor_boundary(text, start.saturating_sub(CONTEXT_BYTES));
    let to = ceil_boundary(text, end + CONTEXT_BYTES);
    let context: String = text[from..to]
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Span {
        field: field.to_owned(),
        start,
        end,
        text: text[start..end].to_owned(),
        context,
    }
}

/// The lower-cased domain of an email address (after the last `@`), without a trailing dot or
/// angle bracket; `None` when there is no `@` or nothing after it.
pub fn domain_of(address: &str) -> Option<String> {
    let address = address.trim().trim_end_matches('>');
    let (_, domain) = address.rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if domain.is_empty() {
        return None;
    }
    Some(domain)
}

/// The bare lower-cased address of `Name <addr>` or `addr`.
pub fn bare_address(address: &str) -> String {
    let address = address.trim();
    let inner = match (address.rfind('<'), address.rfind('>')) {
        (Some(open), Some(close)) if open < close => &address[open + 1..close],
        _ => address,
    };
    inner.trim().to_ascii_lowercase()
}

/// True when `domain` is `pattern`, or (for `*.suffix`) a subdomain of `suffix` or `suffix` itself.
pub fn domain_matches(domain: &str, pattern: &str) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            domain == suffix
                || (domain.len() > suffix.len()
                    && domain.ends_with(suffix)
                    && domain.as_bytes()[domain.len() - suffix.len() - 1] == b'.')
        }
        None => domain == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_context_respects_char_boundaries() {
        let text = "é".repeat(30) + "AB123456C" + &"ü".repeat(30);
        let start = 60;
        let found = span("email.body", &text, start, start + 9);
        assert_eq!(found.text, "AB123456C");
        assert!(found.context.contains("AB123456C"));
        assert!(found.context.len() <= 9 + 2 * CONTEXT_BYTES + 2);
    }

    #[test]
    fn domain_patterns() {
        assert!(domain_matches("cps.gov.uk", "*.gov.uk"));
        assert!(domain_matches("gov.uk", "*.gov.uk"));
        assert!(!domain_matches("notgov.uk", "*.gov.uk"));
        assert!(domain_matches("nhs.net", "NHS.net"));
        assert!(!domain_matches("mail.nhs.net", "nhs.net"));
        assert_eq!(
            domain_of("Pat <Pat@GMail.com>").as_deref(),
            Some("gmail.com")
        );
        assert_eq!(bare_address("Pat <Pat@GMail.com>"), "pat@gmail.com");
        assert_eq!(domain_of("no-at-sign"), None);
    }
}
