//! The `detection` section: named selections (maps of field tests, lists of maps, keywords) and
//! the condition over them, read into a checked form with every value already built.

use serde_yaml_ng::{Mapping, Value};

use crate::modifiers::{self, BuildOptions, BuiltValues, Modifier, RuleValue};

use super::ProblemKind;
use super::condition::{self, Cond};

/// One field with its modifiers and built values (`CommandLine|contains|all: [...]`). A field of
/// `None` is a keyword search over the whole event.
#[derive(Debug, Clone)]
pub(crate) struct FieldItem {
    pub field: Option<String>,
    pub values: BuiltValues,
}

/// A named selection.
#[derive(Debug, Clone)]
pub(crate) enum Selection {
    /// A map: every item must match.
    AllOf(Vec<FieldItem>),
    /// A list of maps or keywords: any entry may match.
    AnyOf(Vec<Selection>),
}

/// A rule's detection, checked: every name the condition uses exists.
#[derive(Debug, Clone)]
pub(crate) struct DetectionAst {
    pub selections: Vec<(String, Selection)>,
    pub condition: Cond,
}

/// A problem found while reading a detection: its kind, the text to look for to give a line,
/// and the reason.
#[derive(Debug, Clone)]
pub(crate) struct DetectionError {
    pub kind: ProblemKind,
    pub near: Option<String>,
    pub reason: String,
}

impl DetectionError {
    fn structure(near: Option<&str>, reason: impl Into<String>) -> Self {
        DetectionError {
            kind: ProblemKind::Structure,
            near: near.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

/// Reads a `detection` (or a filter's `filter`) mapping. `skip` lists keys that are not
/// selections (`condition`, and for filters `rules`).
pub(crate) fn parse(
    map: &Mapping,
    skip: &[&str],
    options: &BuildOptions<'_>,
) -> Result<DetectionAst, DetectionError> {
    let condition = read_condition(map)?;
    let mut selections = Vec::new();
    for (key, value) in map {
        let Some(name) = key.as_str() else {
            return Err(DetectionError::structure(
                None,
                "a selection name is not text",
            ));
        };
        if name == "condition" || skip.contains(&name) {
            continue;
        }
        if name == "timeframe" {
            return Err(DetectionError {
                kind: ProblemKind::Unsupported,
                near: Some("timeframe".into()),
                reason: "`timeframe` belongs to Sigma v1 aggregations; use a correlation rule"
                    .into(),
            });
        }
        let selection = parse_selection(name, value, options)?;
        selections.push((name.to_owned(), selection));
    }
    check_names(&condition, &selections)?;
    Ok(DetectionAst {
        selections,
        condition,
    })
}

fn read_condition(map: &Mapping) -> Result<Cond, DetectionError> {
    let fail = |reason: String| DetectionError {
        kind: ProblemKind::Condition,
        near: Some("condition".into()),
        reason,
    };
    match map.get("condition") {
        None => Err(DetectionError::structure(
            None,
            "detection has no `condition`",
        )),
        Some(Value::String(text)) => condition::parse(text).map_err(fail),
        Some(Value::Sequence(items)) => {
            let mut parts = Vec::new();
            for item in items {
                let text = item
                    .as_str()
                    .ok_or_else(|| fail("a condition in the list is not text".into()))?;
                parts.push(condition::parse(text).map_err(fail)?);
            }
            match parts.len() {
                0 => Err(fail("condition list is empty".into())),
                1 => Ok(parts.remove(0)),
                _ => Ok(Cond::Or(parts)),
            }
        }
        Some(_) => Err(fail("condition must be text".into())),
    }
}

fn check_names(cond: &Cond, selections: &[(String, Selection)]) -> Result<(), DetectionError> {
    match cond {
        Cond::And(parts) | Cond::Or(parts) => {
            for part in parts {
                check_names(part, selections)?;
            }
            Ok(())
        }
        Cond::Not(inner) => check_names(inner, selections),
        Cond::Name(name) => {
            if selections.iter().any(|(n, _)| n == name) {
                Ok(())
            } else {
                Err(DetectionError {
                    kind: ProblemKind::Condition,
                    near: Some("condition".into()),
                    reason: format!("condition names {name:?}, which is not a selection"),
                })
            }
        }
        Cond::Of { pattern, .. } => {
            if selections
                .iter()
                .any(|(n, _)| condition::pattern_matches(pattern, n))
            {
                Ok(())
            } else {
                Err(DetectionError {
                    kind: ProblemKind::Condition,
                    near: Some("condition".into()),
                    reason: format!("no selection matches {pattern:?}"),
                })
            }
        }
    }
}

fn parse_selection(
    name: &str,
    value: &Value,
    options: &BuildOptions<'_>,
) -> Result<Selection, DetectionError> {
    match value {
        Value::Mapping(map) => parse_map(name, map, options),
        Value::Sequence(items) => parse_list(name, items, options),
        Value::Null => Err(DetectionError::structure(
            Some(name),
            format!("selection {name:?} is empty"),
        )),
        scalar => Ok(Selection::AllOf(vec![keywords(
            name,
            std::slice::from_ref(scalar),
            options,
        )?])),
    }
}

fn parse_list(
    name: &str,
    items: &[Value],
    options: &BuildOptions<'_>,
) -> Result<Selection, DetectionError> {
    if items.is_empty() {
        return Err(DetectionError::structure(
            Some(name),
            format!("selection {name:?} is an empty list"),
        ));
    }
    if items
        .iter()
        .all(|i| !matches!(i, Value::Mapping(_) | Value::Sequence(_)))
    {
        return Ok(Selection::AllOf(vec![keywords(name, items, options)?]));
    }
    let mut entries = Vec::with_capacity(items.len());
    for item in items {
        let entry = match item {
            Value::Mapping(map) => parse_map(name, map, options)?,
            Value::Sequence(_) => {
                return Err(DetectionError::structure(
                    Some(name),
                    format!("selection {name:?} nests a list in a list"),
                ));
            }
            scalar => {
                Selection::AllOf(vec![keywords(name, std::slice::from_ref(scalar), options)?])
            }
        };
        entries.push(entry);
    }
    Ok(Selection::AnyOf(entries))
}

fn keywords(
    name: &str,
    values: &[Value],
    options: &BuildOptions<'_>,
) -> Result<FieldItem, DetectionError> {
    let values = rule_values(name, values)?;
    let modifiers = [Modifier::Contains];
    let built = build(name, &modifiers, &values, options)?;
    Ok(FieldItem {
        field: None,
        values: built,
    })
}

fn parse_map(
    name: &str,
    map: &Mapping,
    options: &BuildOptions<'_>,
) -> Result<Selection, DetectionError> {
    if map.is_empty() {
        return Err(DetectionError::structure(
            Some(name),
            format!("selection {name:?} is an empty map"),
        ));
    }
    let mut items = Vec::with_capacity(map.len());
    for (key, value) in map {
        let key_text = match key {
            Value::String(s) => s.clone(),
            other => super::yaml::scalar_text(other).unwrap_or_default(),
        };
        items.push(parse_item(&key_text, value, options)?);
    }
    Ok(Selection::AllOf(items))
}

fn parse_item(
    key: &str,
    value: &Value,
    options: &BuildOptions<'_>,
) -> Result<FieldItem, DetectionError> {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or_default().to_owned();
    let mut modifiers = Vec::new();
    for part in parts {
        let modifier = Modifier::parse(part).map_err(|reason| DetectionError {
            kind: ProblemKind::of_value_error(&reason),
            near: Some(key.to_owned()),
            reason: format!("{key}: {reason}"),
        })?;
        modifiers.push(modifier);
    }
    let values = match value {
        Value::Sequence(items) => rule_values(key, items)?,
        Value::Mapping(_) => {
            return Err(DetectionError::structure(
                Some(key),
                format!("{key}: a field's value cannot be a map"),
            ));
        }
        scalar => rule_values(key, std::slice::from_ref(scalar))?,
    };
    if values.is_empty() {
        return Err(DetectionError::structure(
            Some(key),
            format!("{key}: empty list of values"),
        ));
    }
    let keyword = field.is_empty();
    if keyword && !modifiers.iter().any(is_anchor_or_kind) {
        modifiers.insert(0, Modifier::Contains);
    }
    let built = build(key, &modifiers, &values, options)?;
    Ok(FieldItem {
        field: (!keyword).then_some(field),
        values: built,
    })
}

fn is_anchor_or_kind(modifier: &Modifier) -> bool {
    matches!(
        modifier,
        Modifier::Contains
            | Modifier::StartsWith
            | Modifier::EndsWith
            | Modifier::Re
            | Modifier::Cidr
            | Modifier::Compare(_)
    )
}

fn build(
    key: &str,
    modifiers: &[Modifier],
    values: &[RuleValue],
    options: &BuildOptions<'_>,
) -> Result<BuiltValues, DetectionError> {
    modifiers::build(modifiers, values, options).map_err(|reason| DetectionError {
        kind: ProblemKind::of_value_error(&reason),
        near: Some(key.to_owned()),
        reason: format!("{key}: {reason}"),
    })
}

fn rule_values(key: &str, values: &[Value]) -> Result<Vec<RuleValue>, DetectionError> {
    values
        .iter()
        .map(|value| match value {
            Value::String(s) => Ok(RuleValue::Str(s.clone())),
            Value::Number(n) => Ok(RuleValue::Number(n.to_string())),
            Value::Bool(b) => Ok(RuleValue::Bool(*b)),
            Value::Null => Ok(RuleValue::Null),
            Value::Tagged(tagged) => super::yaml::scalar_text(&tagged.value)
                .map(RuleValue::Str)
                .ok_or_else(|| {
                    DetectionError::structure(Some(key), format!("{key}: unreadable value"))
                }),
            _ => Err(DetectionError::structure(
                Some(key),
                format!("{key}: a value must be text, a number, a boolean or null"),
            )),
        })
        .collect()
}
