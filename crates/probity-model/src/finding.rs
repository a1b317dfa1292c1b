//! Content findings: what a communications policy found in a message, and where.

use serde::{Deserialize, Serialize};

use crate::Level;

/// One stretch of text a finding rests on, with enough around it to judge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Where the text is: `email.body`, `email.subject`, or `attachment:<file name>`.
    pub field: String,
    /// Byte offsets into that text (start inclusive, end exclusive), on UTF-8 boundaries.
    pub start: usize,
    pub end: usize,
    /// The matched text as written.
    pub text: String,
    /// The matched text with some words either side, for the analyst.
    pub context: String,
}

/// What a content policy found in one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The policy that found it: `abuse`, `disclosure`…
    pub policy: String,
    /// The category within the policy: `racist`, `misogynistic`, `threat`, `ni_number`,
    /// `protective_marking`, `personal_webmail`…
    pub category: String,
    pub severity: Level,
    /// The evidence, in order of position.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<Span>,
    /// Why, in plain words: which list entry or model, what context was taken into account.
    pub why: String,
    /// A classifier's probability, where a model contributed (0 to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}
