//! Property tests: rule text never panics the loader, and wildcard matching agrees with a
//! regular-expression reading of Sigma's string rules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use probity_detect::{LoadOptions, RuleSet};
use proptest::prelude::*;
use serde_json::json;

/// Sigma's string rules as a regular expression: `*` any run, `?` one character, `\*` `\?`
/// `\\` escapes, any other backslash literal; case-insensitive.
fn oracle(value: &str) -> regex::Regex {
    let mut pattern = String::from("(?is)^");
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => pattern.push_str(".*"),
            '?' => pattern.push('.'),
            '\\' => match chars.peek() {
                Some(&next @ ('*' | '?' | '\\')) => {
                    chars.next();
                    pattern.push_str(&regex::escape(&next.to_string()));
                }
                _ => pattern.push_str(r"\\"),
            },
            other => pattern.push_str(&regex::escape(&other.to_string())),
        }
    }
    pattern.push('$');
    regex::Regex::new(&pattern).unwrap()
}

proptest! {
    #[test]
    fn arbitrary_rule_text_never_panics(text in "(title: t\ndetection:\n  s:\n    [A-Za-z|*?\\\\: '\\-\\[\\]{}0-9]{0,40}\n  condition: [a-z0-9 ()*|]{0,30}\n)?[ -~\n]{0,200}") {
        let _ = RuleSet::parse_str("fuzz.yml", &text, &LoadOptions::default());
    }

    #[test]
    fn wildcards_agree_with_the_oracle(value in "[ab*?\\\\]{1,8}", text in "[abAB*?\\\\]{0,10}") {
        let quoted = value.replace('\'', "''");
        let rule = format!("title: w\nid: w\ndetection:\n    s:\n        F: '{quoted}'\n    condition: s\n");
        let report = RuleSet::parse_str("w.yml", &rule, &LoadOptions::default());
        prop_assume!(report.problems.is_empty());
        let engine = probity_detect::Engine::compile(&report.rules, &probity_detect::Mappings::none()).unwrap();
        let fired = !common::fired(&engine, &common::event(json!({"F": text.clone()}))).is_empty();
        prop_assert_eq!(fired, oracle(&value).is_match(&text), "value {:?} text {:?}", value, text);
    }
}
