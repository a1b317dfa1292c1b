//! Small helpers for reading rule documents as YAML values, and for finding lines.

use serde_yaml_ng::{Mapping, Value};

/// A key's value in a mapping.
pub(crate) fn get<'a>(map: &'a Mapping, key: &str) -> Option<&'a Value> {
    map.get(key)
}

/// A scalar as text (strings, numbers and booleans).
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(tagged) => scalar_text(&tagged.value),
        _ => None,
    }
}

/// An optional text field; a value that is not text is an error naming the key.
pub(crate) fn opt_text(map: &Mapping, key: &str) -> Result<Option<String>, String> {
    match get(map, key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => scalar_text(value)
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be text")),
    }
}

/// A field that is a list of texts, or one text.
pub(crate) fn text_list(map: &Mapping, key: &str) -> Result<Vec<String>, String> {
    match get(map, key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|item| scalar_text(item).ok_or_else(|| format!("`{key}` must be a list of texts")))
            .collect(),
        Some(value) => scalar_text(value)
            .map(|t| vec![t])
            .ok_or_else(|| format!("`{key}` must be a list of texts")),
    }
}

/// Merges `overlay` onto `base`: mappings key by key (recursively), anything else replaced.
pub(crate) fn merge(base: &Value, overlay: &Value) -> Value {
    match (base, overlay) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            let mut out = b.clone();
            for (key, value) in o {
                let merged = match out.get(key) {
                    Some(existing) => merge(existing, value),
                    None => value.clone(),
                };
                out.insert(key.clone(), merged);
            }
            Value::Mapping(out)
        }
        (_, overlay) => overlay.clone(),
    }
}

/// The 1-based line each YAML document of `text` starts on, as far as `---` separators show.
pub(crate) fn document_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut content_seen = false;
    let mut pending_start = Some(1usize);
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") {
            if content_seen {
                if let Some(start) = pending_start.take() {
                    starts.push(start);
                }
                content_seen = false;
            }
            pending_start = Some(number + 1);
            continue;
        }
        let blank = trimmed.trim_start().is_empty() || trimmed.trim_start().starts_with('#');
        if !blank && !content_seen {
            content_seen = true;
            if pending_start.is_none() {
                pending_start = Some(number);
            }
        }
    }
    if content_seen && let Some(start) = pending_start {
        starts.push(start);
    }
    starts
}

/// The first line at or after `from` (1-based) that contains `needle`.
pub(crate) fn find_line(text: &str, from: usize, needle: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, line)| line.contains(needle))
        .map(|(index, _)| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_start_lines() {
        assert_eq!(document_lines("a: 1\n---\nb: 2\n"), vec![1, 3]);
        assert_eq!(document_lines("---\na: 1\n---\n\nb: 2\n"), vec![2, 4]);
        assert_eq!(document_lines("# c\na: 1\n"), vec![1]);
    }

    #[test]
    fn merging() {
        let base: Value = serde_yaml_ng::from_str("a: {x: 1}\nb: 2").unwrap();
        let over: Value = serde_yaml_ng::from_str("a: {y: 3}\nb: 4").unwrap();
        let merged = merge(&base, &over);
        let expected: Value = serde_yaml_ng::from_str("a: {x: 1, y: 3}\nb: 4").unwrap();
        assert_eq!(merged, expected);
    }
}
