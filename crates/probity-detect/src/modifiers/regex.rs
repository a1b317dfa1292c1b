//! `re` with its flags `i`, `m` and `s`: a regular expression, built within size limits so that a
//! pattern that would take huge memory is refused when the rule loads.

use regex::{Regex, RegexBuilder};

/// Limits on a rule's regular expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegexLimits {
    /// Longest pattern text, in bytes.
    pub max_pattern_len: usize,
    /// Largest compiled program, in bytes (`RegexBuilder::size_limit`).
    pub size_limit: usize,
    /// Largest lazy DFA cache, in bytes (`RegexBuilder::dfa_size_limit`).
    pub dfa_size_limit: usize,
}

impl Default for RegexLimits {
    fn default() -> Self {
        Self {
            max_pattern_len: 16 * 1024,
            size_limit: 8 * 1024 * 1024,
            dfa_size_limit: 2 * 1024 * 1024,
        }
    }
}

/// The flags a rule may set on `re`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    pub ignore_case: bool,
    pub multi_line: bool,
    pub dot_all: bool,
}

/// Builds a rule's regular expression, or says why it cannot be used.
pub(crate) fn build(pattern: &str, flags: Flags, limits: &RegexLimits) -> Result<Regex, String> {
    if pattern.len() > limits.max_pattern_len {
        return Err(format!(
            "regular expression is {} bytes, more than the limit of {}",
            pattern.len(),
            limits.max_pattern_len
        ));
    }
    RegexBuilder::new(pattern)
        .case_insensitive(flags.ignore_case)
        .multi_line(flags.multi_line)
        .dot_matches_new_line(flags.dot_all)
        .size_limit(limits.size_limit)
        .dfa_size_limit(limits.dfa_size_limit)
        .build()
        .map_err(|error| describe(pattern, &error))
}

fn describe(pattern: &str, error: &regex::Error) -> String {
    match error {
        regex::Error::CompiledTooBig(limit) => format!(
            "regular expression {pattern:?} would compile to more than {limit} bytes; refused"
        ),
        regex::Error::Syntax(text) => {
            let first = text.lines().last().unwrap_or(text).trim();
            let hint = if pattern.contains("(?=")
                || pattern.contains("(?!")
                || pattern.contains("(?<=")
                || pattern.contains("(?<!")
            {
                " (look-around is not supported)"
            } else {
                ""
            };
            format!("regular expression {pattern:?} is not valid{hint}: {first}")
        }
        other => format!("regular expression {pattern:?} is not usable: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_apply() {
        let limits = RegexLimits::default();
        let plain = build("^abc$", Flags::default(), &limits).unwrap();
        assert!(!plain.is_match("ABC"));
        let flags = Flags {
            ignore_case: true,
            multi_line: true,
            dot_all: true,
        };
        let re = build("^a.c$", flags, &limits).unwrap();
        assert!(re.is_match("x\nA\nC"));
    }

    #[test]
    fn huge_patterns_are_refused() {
        let limits = RegexLimits::default();
        let error = build("(a{1000}){1000}", Flags::default(), &limits).unwrap_err();
        assert!(error.contains("refused"), "{error}");
        let error = build(&"a".repeat(20_000), Flags::default(), &limits).unwrap_err();
        assert!(error.contains("limit"), "{error}");
        let error = build("a(?!b)", Flags::default(), &limits).unwrap_err();
        assert!(error.contains("look-around"), "{error}");
    }
}
