//! Meta filters (`filter:` documents): exclusions added to named rules without editing them.

use std::sync::Arc;

use serde_yaml_ng::{Mapping, Value};

use super::RuleInfo;
use super::detection::{self, DetectionAst, DetectionError};
use super::yaml::text_list;
use crate::modifiers::BuildOptions;

/// A filter: its condition is added (with `and`) to the condition of every rule it names whose
/// log source fits the filter's.
#[derive(Debug, Clone)]
pub struct FilterRule {
    /// Title, id, log source and the rest.
    pub info: Arc<RuleInfo>,
    /// The rules it applies to, by id or name; empty means every rule of its log source.
    pub rules: Vec<String>,
    pub(crate) detection: DetectionAst,
}

/// Reads the `filter` section of a document.
pub(crate) fn parse(
    info: Arc<RuleInfo>,
    doc: &Mapping,
    options: &BuildOptions<'_>,
) -> Result<FilterRule, DetectionError> {
    let Some(Value::Mapping(section)) = doc.get("filter") else {
        return Err(DetectionError {
            kind: super::ProblemKind::Structure,
            near: Some("filter".into()),
            reason: "`filter` must be a map".into(),
        });
    };
    let rules = text_list(section, "rules").map_err(|reason| DetectionError {
        kind: super::ProblemKind::Structure,
        near: Some("rules".into()),
        reason,
    })?;
    let detection = detection::parse(section, &["rules"], options)?;
    Ok(FilterRule {
        info,
        rules,
        detection,
    })
}
