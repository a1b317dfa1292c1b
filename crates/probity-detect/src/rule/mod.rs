//! Sigma rules as loaded: metadata, the detection in a checked form, correlation and filter
//! rules, and the report of everything that could not be loaded.

pub(crate) mod condition;
pub(crate) mod correlation;
pub(crate) mod detection;
pub(crate) mod filter;
mod load;
mod meta;
mod problem;
mod yaml;

use std::sync::Arc;

pub use correlation::{CorrelationAlias, CorrelationCondition, CorrelationKind, CorrelationRule};
pub use filter::FilterRule;
pub use load::{LoadOptions, LoadReport};
pub use meta::{Level, LogSource, Related, RuleInfo, SourceLocation};
pub use problem::{ProblemKind, RuleProblem};

/// A detection rule: its metadata and its detection, checked and ready to compile.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Title, id, level, tags and the rest, shared with every detection it makes.
    pub info: Arc<RuleInfo>,
    pub(crate) detection: detection::DetectionAst,
}

/// Everything loaded from a set of rule files.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Detection rules, in the order their files were read.
    pub rules: Vec<Rule>,
    /// Correlation rules (`correlation:`), which refer to detection rules by id or name.
    pub correlations: Vec<CorrelationRule>,
    /// Meta filters (`filter:`), which add exclusions to the rules they name.
    pub filters: Vec<FilterRule>,
}

impl RuleSet {
    /// How many rules of every kind the set holds.
    pub fn len(&self) -> usize {
        self.rules.len() + self.correlations.len() + self.filters.len()
    }

    /// Whether the set holds no rule at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds another set's rules after this one's.
    pub fn extend(&mut self, other: RuleSet) {
        self.rules.extend(other.rules);
        self.correlations.extend(other.correlations);
        self.filters.extend(other.filters);
    }
}
