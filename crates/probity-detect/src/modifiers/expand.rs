//! `expand`: placeholders such as `%Admins_Workstations%`, replaced by values the user supplies.

use std::collections::HashMap;

/// The most values one placeholder value may expand to.
const MAX_EXPANSIONS: usize = 10_000;

/// Replaces every `%name%` in `text` with each of its values (all combinations). A placeholder
/// with no values in `placeholders` is an error naming it.
pub(crate) fn expand(
    text: &str,
    placeholders: &HashMap<String, Vec<String>>,
) -> Result<Vec<String>, String> {
    let mut results = vec![String::new()];
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        let Some(len) = rest[start + 1..].find('%') else {
            break;
        };
        let name = &rest[start + 1..start + 1 + len];
        let literal = &rest[..start];
        let Some(values) = placeholders.get(name).filter(|v| !v.is_empty()) else {
            return Err(format!(
                "placeholder %{name}% has no values (give them in the placeholder map)"
            ));
        };
        if results.len().saturating_mul(values.len()) > MAX_EXPANSIONS {
            return Err(format!(
                "placeholders expand to more than {MAX_EXPANSIONS} values"
            ));
        }
        let mut next = Vec::with_capacity(results.len() * values.len());
        for done in &results {
            for value in values {
                next.push(format!("{done}{literal}{value}"));
            }
        }
        results = next;
        rest = &rest[start + len + 2..];
    }
    for done in &mut results {
        done.push_str(rest);
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_all_combinations() {
        let mut map = HashMap::new();
        map.insert("A".to_owned(), vec!["1".to_owned(), "2".to_owned()]);
        map.insert("B".to_owned(), vec!["x".to_owned()]);
        assert_eq!(
            expand("%A%-%B%!", &map).unwrap(),
            vec!["1-x!".to_owned(), "2-x!".to_owned()]
        );
        assert_eq!(expand("plain", &map).unwrap(), vec!["plain"]);
        assert!(expand("%Missing%", &map).unwrap_err().contains("%Missing%"));
    }
}
