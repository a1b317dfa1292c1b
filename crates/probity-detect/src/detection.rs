//! What a rule match reports: the rule, and the fields and values that made it match.

use std::sync::Arc;

use serde::Serialize;

use crate::rule::{Level, RuleInfo};

/// One field test that held, for the analyst's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldMatch {
    /// The event's field name (`(keywords)` for a keyword search).
    pub field: String,
    /// The event's value (cut at 512 bytes).
    pub value: String,
    /// The test as compiled (`endswith "\\whoami.exe"`).
    pub test: String,
}

/// A rule that matched an event.
#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    /// The rule's metadata (id, title, level, tags, source file…).
    pub rule: Arc<RuleInfo>,
    /// The field tests that held, in the rule's order.
    pub matched: Vec<FieldMatch>,
    /// False when the rule is used by a correlation rule that asks its rules not to report
    /// matches on their own (`generate: false`, Sigma's default); callers may then keep the
    /// detection for the correlation only.
    pub standalone: bool,
    #[serde(skip)]
    pub(crate) rule_index: u32,
}

impl Detection {
    /// The rule's id.
    pub fn rule_id(&self) -> &str {
        &self.rule.id
    }

    /// The rule's title.
    pub fn title(&self) -> &str {
        &self.rule.title
    }

    /// The rule's level.
    pub fn level(&self) -> Level {
        self.rule.level
    }

    /// The rule's tags (`attack.t1059.001`…).
    pub fn tags(&self) -> &[String] {
        &self.rule.tags
    }
}
