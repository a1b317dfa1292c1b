//! Why a rule could not be loaded or compiled.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// The kind of a [`RuleProblem`], for counting problems by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The file could not be read.
    Io,
    /// The file or a value is over a size or count limit.
    TooLarge,
    /// The YAML is not well-formed.
    Yaml,
    /// A YAML document is not a detection, correlation or filter rule.
    NotARule,
    /// A required key is missing or has the wrong type.
    Structure,
    /// An unknown or badly combined value modifier.
    Modifier,
    /// A value the modifiers cannot use.
    Value,
    /// A regular expression that is invalid, unsupported or too big.
    Regex,
    /// An `expand` placeholder with no values given.
    Placeholder,
    /// The condition cannot be parsed or names a selection that does not exist.
    Condition,
    /// Two rules with the same id.
    DuplicateId,
    /// A correlation or filter names a rule that was not loaded.
    Reference,
    /// A Sigma feature this engine does not implement.
    Unsupported,
    /// The rule loads, but its log source has no mapping, so it is matched against every event
    /// of its product (a note, not a failure).
    Unmapped,
}

impl ProblemKind {
    /// A short name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Io => "io",
            ProblemKind::TooLarge => "too_large",
            ProblemKind::Yaml => "yaml",
            ProblemKind::NotARule => "not_a_rule",
            ProblemKind::Structure => "structure",
            ProblemKind::Modifier => "modifier",
            ProblemKind::Value => "value",
            ProblemKind::Regex => "regex",
            ProblemKind::Placeholder => "placeholder",
            ProblemKind::Condition => "condition",
            ProblemKind::DuplicateId => "duplicate_id",
            ProblemKind::Reference => "reference",
            ProblemKind::Unsupported => "unsupported",
            ProblemKind::Unmapped => "unmapped",
        }
    }

    /// Whether a rule with this problem was left out (everything but [`ProblemKind::Unmapped`]).
    pub fn skips_rule(self) -> bool {
        self != ProblemKind::Unmapped
    }

    /// The kind of a value-building error, from its text.
    pub(crate) fn of_value_error(reason: &str) -> ProblemKind {
        if reason.starts_with("regular expression") {
            ProblemKind::Regex
        } else if reason.starts_with("placeholder") {
            ProblemKind::Placeholder
        } else if reason.starts_with("time-part") {
            ProblemKind::Unsupported
        } else if reason.contains("modifier") || reason.contains("combined") || reason.contains('|')
        {
            ProblemKind::Modifier
        } else {
            ProblemKind::Value
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule (or file) that could not be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleProblem {
    /// The rule file.
    pub path: PathBuf,
    /// The line the problem is on, where it could be found (1-based).
    pub line: Option<usize>,
    /// The rule's id (or title), where the document got that far.
    pub rule_id: Option<String>,
    /// The kind of problem, for counting.
    pub kind: ProblemKind,
    /// What is wrong, in words a rule author can act on.
    pub reason: String,
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(id) = &self.rule_id {
            write!(f, " (rule {id})")?;
        }
        write!(f, ": {}: {}", self.kind, self.reason)
    }
}
