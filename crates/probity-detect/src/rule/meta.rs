//! Rule metadata: the parts of a Sigma rule that describe it rather than what it matches.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// How serious a match is, as the rule's `level` says (the model's alert level).
pub use probity_model::Level;

/// The rule's `logsource`: which kind of log it is written for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct LogSource {
    /// The product that writes the log (`windows`, `linux`, `m365`…).
    pub product: Option<String>,
    /// A kind of event across products (`process_creation`, `file_event`…).
    pub category: Option<String>,
    /// One log of the product (`security`, `sysmon`, `powershell`…).
    pub service: Option<String>,
    /// Free text describing what must be logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

impl fmt::Display for LogSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (name, value) in [
            ("product", &self.product),
            ("category", &self.category),
            ("service", &self.service),
        ] {
            if let Some(value) = value {
                parts.push(format!("{name}={value}"));
            }
        }
        if parts.is_empty() {
            f.write_str("(any)")
        } else {
            f.write_str(&parts.join(" "))
        }
    }
}

/// Another rule this one derives from or replaces (`related`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// The other rule's id.
    pub id: String,
    /// `derived`, `obsolete`, `merged`, `renamed` or `similar`.
    pub kind: String,
}

/// Where a rule was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLocation {
    /// The rule file (or the origin name given to [`crate::RuleSet::parse_str`]).
    pub path: PathBuf,
    /// The line its YAML document starts on (1-based).
    pub line: usize,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
}

/// What a rule says about itself. Shared (behind an `Arc`) by every detection the rule makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// The rule's `id` (normally a UUID); its title where it has none.
    pub id: String,
    /// Whether `id` came from the rule (false: it is the title).
    pub has_id: bool,
    /// The optional `name`, by which correlation rules may refer to it.
    pub name: Option<String>,
    /// What the rule detects, in a few words.
    pub title: String,
    /// `stable`, `test`, `experimental`, `deprecated` or `unsupported`.
    pub status: Option<String>,
    /// The rule's level; `medium` where it gives none.
    pub level: Level,
    /// What the rule detects and why, at length.
    pub description: Option<String>,
    /// Who wrote it.
    pub author: Option<String>,
    /// When it was written (as the rule writes it).
    pub date: Option<String>,
    /// When it was last changed.
    pub modified: Option<String>,
    /// Tags such as `attack.t1059.001` (MITRE ATT&CK) or `detection.emerging-threats`.
    pub tags: Vec<String>,
    /// Where to read more.
    pub references: Vec<String>,
    /// Known innocent causes of a match.
    pub falsepositives: Vec<String>,
    /// Fields the rule's author suggests showing with a match.
    pub fields: Vec<String>,
    /// Rules this one derives from or replaces.
    pub related: Vec<Related>,
    /// Which log the rule is written for.
    pub logsource: LogSource,
    /// Where the rule was read from.
    pub source: SourceLocation,
}

impl RuleInfo {
    /// Whether `reference` (an id or a name) names this rule.
    pub fn is_named(&self, reference: &str) -> bool {
        self.id == reference || self.name.as_deref() == Some(reference)
    }
}
