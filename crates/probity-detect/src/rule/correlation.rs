//! Correlation rules (Sigma's `correlation:` documents): counts and sequences of other rules'
//! matches within a time span, grouped by field values.

use std::sync::Arc;
use std::time::Duration;

use serde_yaml_ng::{Mapping, Value};

use super::RuleInfo;
use super::yaml::{opt_text, scalar_text, text_list};

/// What a correlation counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationKind {
    /// How many matches of the referenced rules in the time span.
    EventCount,
    /// How many distinct values of `field` among those matches.
    ValueCount,
    /// Whether every referenced rule matched within the time span, in any order.
    Temporal,
    /// Whether the referenced rules matched within the time span in the order listed.
    TemporalOrdered,
}

impl CorrelationKind {
    /// The name Sigma uses.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationKind::EventCount => "event_count",
            CorrelationKind::ValueCount => "value_count",
            CorrelationKind::Temporal => "temporal",
            CorrelationKind::TemporalOrdered => "temporal_ordered",
        }
    }
}

/// The bounds a count must be within (`gt`, `gte`, `lt`, `lte`, `eq`; several give a range).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CorrelationCondition {
    /// Greater than.
    pub gt: Option<u64>,
    /// Greater than or equal to.
    pub gte: Option<u64>,
    /// Less than.
    pub lt: Option<u64>,
    /// Less than or equal to.
    pub lte: Option<u64>,
    /// Equal to.
    pub eq: Option<u64>,
}

impl CorrelationCondition {
    /// Whether `count` is within every bound.
    pub fn holds(&self, count: u64) -> bool {
        self.gt.is_none_or(|n| count > n)
            && self.gte.is_none_or(|n| count >= n)
            && self.lt.is_none_or(|n| count < n)
            && self.lte.is_none_or(|n| count <= n)
            && self.eq.is_none_or(|n| count == n)
    }

    /// Whether more matches can only help: then the condition can be decided as soon as it
    /// holds, instead of when the time span closes.
    pub fn only_lower_bounds(&self) -> bool {
        self.lt.is_none() && self.lte.is_none() && self.eq.is_none()
    }

    /// The bounds as text (`gte 10`, `gt 2 lt 5`).
    pub fn render(&self) -> String {
        let mut parts = Vec::new();
        for (name, bound) in [
            ("gt", self.gt),
            ("gte", self.gte),
            ("lt", self.lt),
            ("lte", self.lte),
            ("eq", self.eq),
        ] {
            if let Some(n) = bound {
                parts.push(format!("{name} {n}"));
            }
        }
        parts.join(" ")
    }
}

/// A name for a field that the referenced rules call differently (`aliases:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationAlias {
    /// The name the correlation uses (in `group-by` or `field`).
    pub name: String,
    /// For each referenced rule (by id or name), its own name for the field.
    pub fields: Vec<(String, String)>,
}

/// A correlation rule.
#[derive(Debug, Clone)]
pub struct CorrelationRule {
    /// Title, id, level and the rest.
    pub info: Arc<RuleInfo>,
    /// What it counts.
    pub kind: CorrelationKind,
    /// The rules it correlates, by id or name.
    pub rules: Vec<String>,
    /// Fields whose values form the groups counted separately.
    pub group_by: Vec<String>,
    /// How far apart in event time the counted matches may be.
    pub timespan: Duration,
    /// The bounds the count must be within.
    pub condition: CorrelationCondition,
    /// The field whose distinct values are counted (`value_count`).
    pub field: Option<String>,
    /// Names for fields that the referenced rules call differently.
    pub aliases: Vec<CorrelationAlias>,
    /// Whether the referenced rules still report their own matches.
    pub generate: bool,
}

/// Reads the `correlation` section of a document.
pub(crate) fn parse(info: Arc<RuleInfo>, doc: &Mapping) -> Result<CorrelationRule, String> {
    let Some(Value::Mapping(section)) = doc.get("correlation") else {
        return Err("`correlation` must be a map".into());
    };
    let kind = match opt_text(section, "type")?.as_deref() {
        Some("event_count") => CorrelationKind::EventCount,
        Some("value_count") => CorrelationKind::ValueCount,
        Some("temporal") => CorrelationKind::Temporal,
        Some("temporal_ordered") => CorrelationKind::TemporalOrdered,
        Some(other) => return Err(format!("correlation type {other:?} is not supported")),
        None => return Err("correlation has no `type`".into()),
    };
    let rules = text_list(section, "rules")?;
    if rules.is_empty() {
        return Err("correlation names no `rules`".into());
    }
    let group_by = text_list(section, "group-by")?;
    let timespan_text = opt_text(section, "timespan")?
        .or(opt_text(section, "timeframe")?)
        .ok_or("correlation has no `timespan`")?;
    let timespan = parse_timespan(&timespan_text)?;
    let (condition, field) = parse_condition(section.get("condition"), kind, rules.len())?;
    if kind == CorrelationKind::ValueCount && field.is_none() {
        return Err("value_count needs `field` in its condition".into());
    }
    let aliases = parse_aliases(section.get("aliases"))?;
    let generate = match section.get("generate").or(doc.get("generate")) {
        Some(Value::Bool(b)) => *b,
        _ => false,
    };
    Ok(CorrelationRule {
        info,
        kind,
        rules,
        group_by,
        timespan,
        condition,
        field,
        aliases,
        generate,
    })
}

/// Reads `30s`, `5m`, `1h`, `2d`, `1w`.
pub(crate) fn parse_timespan(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("timespan {text:?} has no unit (s, m, h, d, w)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("timespan {text:?} does not start with a number"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("timespan {text:?} has an unknown unit")),
    };
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}

fn parse_condition(
    value: Option<&Value>,
    kind: CorrelationKind,
    rule_count: usize,
) -> Result<(CorrelationCondition, Option<String>), String> {
    let temporal = matches!(
        kind,
        CorrelationKind::Temporal | CorrelationKind::TemporalOrdered
    );
    let map = match value {
        Some(Value::Mapping(map)) => map,
        None if temporal => {
            let all = CorrelationCondition {
                gte: Some(rule_count as u64),
                ..Default::default()
            };
            return Ok((all, None));
        }
        _ => return Err("correlation needs a `condition` map (gte: N, …)".into()),
    };
    let mut condition = CorrelationCondition::default();
    let mut field = None;
    for (key, value) in map {
        let key = key.as_str().unwrap_or_default();
        if key == "field" {
            field = Some(scalar_text(value).ok_or("condition `field` must be text")?);
            continue;
        }
        if key == "range" {
            let text = scalar_text(value).ok_or("`range` must be `low..high`")?;
            let (low, high) = text.split_once("..").ok_or("`range` must be `low..high`")?;
            condition.gte = Some(number(low)?);
            condition.lte = Some(number(high)?);
            continue;
        }
        let n = number(&scalar_text(value).unwrap_or_default())?;
        match key {
            "gt" => condition.gt = Some(n),
            "gte" => condition.gte = Some(n),
            "lt" => condition.lt = Some(n),
            "lte" => condition.lte = Some(n),
            "eq" => condition.eq = Some(n),
            other => return Err(format!("unknown correlation condition {other:?}")),
        }
    }
    if condition == CorrelationCondition::default() {
        return Err("correlation condition sets no bound".into());
    }
    Ok((condition, field))
}

fn number(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number"))
}

fn parse_aliases(value: Option<&Value>) -> Result<Vec<CorrelationAlias>, String> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let Value::Mapping(map) = value else {
        return Err("`aliases` must be a map".into());
    };
    let mut out = Vec::new();
    for (alias, per_rule) in map {
        let alias = alias
            .as_str()
            .ok_or("an alias name is not text")?
            .to_owned();
        let Value::Mapping(per_rule) = per_rule else {
            return Err(format!("alias {alias:?} must map rules to fields"));
        };
        let mut fields = Vec::new();
        for (rule, field) in per_rule {
            let rule = scalar_text(rule).ok_or("alias rule is not text")?;
            let field = scalar_text(field).ok_or("alias field is not text")?;
            fields.push((rule, field));
        }
        out.push(CorrelationAlias {
            name: alias,
            fields,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_timespan("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_timespan("1d").unwrap(), Duration::from_secs(86_400));
        assert!(parse_timespan("5").is_err());
        assert!(parse_timespan("5y").is_err());
    }

    #[test]
    fn conditions() {
        let c = CorrelationCondition {
            gte: Some(2),
            lt: Some(5),
            ..Default::default()
        };
        assert!(!c.holds(1));
        assert!(c.holds(2));
        assert!(c.holds(4));
        assert!(!c.holds(5));
        assert!(!c.only_lower_bounds());
    }
}
