//! How people appear in a pack: as pseudonyms, unless a reveal was approved.

use std::collections::BTreeMap;

use serde_json::Value;

use probity_model::{Alert, Event};

/// What stands in for an identifier the caller gave no pseudonym for.
pub const WITHHELD: &str = "[withheld]";

/// Identifiers shorter than this are not replaced inside free text (too likely to hit ordinary
/// words); they are still replaced where they fill a typed field.
const MIN_TEXT_MATCH: usize = 3;

/// Replaces identifiers by what the pack may show of them.
#[derive(Debug)]
pub struct Shown {
    /// Lower-cased identifier → shown form.
    exact: BTreeMap<String, String>,
    /// (lower-cased identifier, shown form), longest first, for replacing inside text.
    in_text: Vec<(String, String)>,
}

impl Shown {
    /// From the caller's map of identifier → shown form.
    pub fn new(identities: &BTreeMap<String, String>) -> Self {
        let mut exact = BTreeMap::new();
        let mut in_text = Vec::new();
        for (identifier, shown) in identities {
            let key = identifier.trim().to_ascii_lowercase();
            if key.is_empty() {
                continue;
            }
            exact.insert(key.clone(), shown.clone());
            if key.len() >= MIN_TEXT_MATCH {
                in_text.push((key, shown.clone()));
            }
        }
        in_text.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Self { exact, in_text }
    }

    /// How many identifiers are shown as themselves (revealed).
    pub fn revealed(&self) -> usize {
        self.exact
            .iter()
            .filter(|(k, v)| v.to_ascii_lowercase() == **k)
            .count()
    }

    /// What to show for a whole identifier.
    pub fn identifier(&self, identifier: &str) -> String {
        let key = identifier.trim().to_ascii_lowercase();
        match self.exact.get(&key) {
            Some(shown) => shown.clone(),
            None => WITHHELD.to_owned(),
        }
    }

    /// `text` with every known identifier in it replaced (ASCII case-insensitive).
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (identifier, shown) in &self.in_text {
            out = replace_ignoring_case(&out, identifier, shown);
        }
        out
    }

    /// The event as the pack shows it.
    pub fn event(&self, event: &Event) -> Event {
        let mut event = event.clone();
        for (_, identity) in event.identities_mut() {
            let shown = self.identifier(identity.as_str());
            identity.replace(shown);
        }
        event.message = event.message.as_deref().map(|m| self.text(m));
        if let Some(email) = event.email.as_mut() {
            email.subject = email.subject.as_deref().map(|s| self.text(s));
            email.body = email.body.as_deref().map(|b| self.text(b));
            for attachment in &mut email.attachments {
                attachment.text = attachment.text.as_deref().map(|t| self.text(t));
            }
        }
        if let Some(record) = event.record.as_mut() {
            record.reason = record.reason.as_deref().map(|r| self.text(r));
        }
        for value in event.original.values_mut() {
            self.json(value);
        }
        event
    }

    /// The alert as the pack shows it.
    pub fn alert(&self, alert: &Alert) -> Alert {
        let mut alert = alert.clone();
        if let Some(user) = alert.user.as_mut() {
            let shown = self.identifier(user.as_str());
            user.replace(shown);
        }
        alert.explanation = self.text(&alert.explanation);
        for matched in &mut alert.matched {
            matched.value = self.text(&matched.value);
        }
        alert
    }

    /// Replaces identifiers in every string inside a JSON value.
    pub fn json(&self, value: &mut Value) {
        match value {
            Value::String(text) => *text = self.text(text),
            Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.json(v)),
            _ => {}
        }
    }
}

/// `haystack` with each ASCII-case-insensitive occurrence of `needle` (lower-case) replaced.
fn replace_ignoring_case(haystack: &str, needle: &str, with: &str) -> String {
    let lower = haystack.to_ascii_lowercase();
    if !lower.contains(needle) {
        return haystack.to_owned();
    }
    let mut out = String::with_capacity(haystack.len());
    let mut from = 0;
    while let Some(found) = lower[from..].find(needle) {
        let start = from + found;
        out.push_str(&haystack[from..start]);
        out.push_str(with);
        from = start + needle.len();
    }
    out.push_str(&haystack[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_replaced_in_text_regardless_of_case() {
        let mut map = BTreeMap::new();
        map.insert("jsmith".to_owned(), "P-AAAA-BBBB-CCCC".to_owned());
        map.insert(
            "jsmith@force.police.uk".to_owned(),
            "P-DDDD-EEEE-FFFF".to_owned(),
        );
        let shown = Shown::new(&map);
        assert_eq!(
            shown.text("Mail from JSmith@force.police.uk to jsmith"),
            "Mail from P-DDDD-EEEE-FFFF to P-AAAA-BBBB-CCCC"
        );
        assert_eq!(shown.identifier("JSMITH"), "P-AAAA-BBBB-CCCC");
        assert_eq!(shown.identifier("someone"), WITHHELD);
        assert_eq!(shown.revealed(), 0);
    }
}
