//! Turning detections into the model's [`Alert`]s, with an explanation an analyst can check.

use probity_model::{Alert, AlertId, AlertRule, Event, EventRef, MatchedField, Timestamp};

use crate::{CorrelationAlert, Detection};

/// The alert kind of a single-event Sigma match.
pub const SIGMA_KIND: &str = "sigma";
/// The alert kind of a Sigma correlation.
pub const CORRELATION_KIND: &str = "sigma-correlation";

/// Most matched fields quoted in one explanation.
const EXPLAINED_FIELDS: usize = 8;

/// The alert for a rule that matched `event`.
pub fn alert_from_detection(detection: &Detection, event: &Event, created: Timestamp) -> Alert {
    let rule = AlertRule {
        kind: SIGMA_KIND.to_owned(),
        id: detection.rule_id().to_owned(),
        title: detection.title().to_owned(),
        tags: detection.tags().to_vec(),
    };
    let events = vec![EventRef {
        id: event.provenance.id,
        timestamp: event.timestamp,
    }];
    let matched: Vec<MatchedField> = detection
        .matched
        .iter()
        .map(|m| MatchedField {
            field: m.field.clone(),
            value: m.value.clone(),
        })
        .collect();
    let mut explanation = format!(
        "Sigma rule \"{}\" ({}) matched",
        detection.title(),
        detection.level()
    );
    let reasons: Vec<String> = detection
        .matched
        .iter()
        .take(EXPLAINED_FIELDS)
        .map(|m| format!("{} {} (value {:?})", m.field, m.test, m.value))
        .collect();
    if !reasons.is_empty() {
        explanation.push_str(": ");
        explanation.push_str(&reasons.join("; "));
    }
    if detection.matched.len() > EXPLAINED_FIELDS {
        explanation.push_str(&format!(
            "; and {} more",
            detection.matched.len() - EXPLAINED_FIELDS
        ));
    }
    if let Some(description) = detection.rule.description.as_deref() {
        let description = description.trim();
        if !description.is_empty() {
            explanation.push_str(". The rule looks for: ");
            explanation.push_str(description);
        }
    }
    Alert {
        id: AlertId::derive(&rule, &events),
        created,
        rule,
        level: detection.level(),
        explanation,
        matched,
        events,
        user: event.user.as_ref().and_then(|u| u.name.clone()),
        host: event.host.as_ref().and_then(|h| h.name.clone()),
    }
}

/// The alert for a correlation whose condition held.
pub fn alert_from_correlation(correlation: &CorrelationAlert, created: Timestamp) -> Alert {
    let rule = AlertRule {
        kind: CORRELATION_KIND.to_owned(),
        id: correlation.rule.id.clone(),
        title: correlation.rule.title.clone(),
        tags: correlation.rule.tags.clone(),
    };
    let mut events = correlation.events.clone();
    events.sort_by_key(|e| e.timestamp);
    let group = if correlation.group.is_empty() {
        String::new()
    } else {
        let parts: Vec<String> = correlation
            .group
            .iter()
            .map(|(field, value)| format!("{field}={value:?}"))
            .collect();
        format!(" for {}", parts.join(", "))
    };
    let explanation = format!(
        "Sigma correlation \"{}\" ({:?}, {}): {} counted{} between {} and {} over rules {}",
        correlation.rule.title,
        correlation.kind,
        correlation.rule.level,
        correlation.count,
        group,
        correlation.first.format("%Y-%m-%d %H:%M:%S"),
        correlation.last.format("%Y-%m-%d %H:%M:%S"),
        correlation.rules.join(", "),
    );
    let matched = correlation
        .group
        .iter()
        .map(|(field, value)| MatchedField {
            field: field.clone(),
            value: value.clone(),
        })
        .collect();
    let user = correlation
        .group
        .iter()
        .find(|(field, _)| is_user_field(field))
        .map(|(_, value)| value.as_str().into());
    let host = correlation
        .group
        .iter()
        .find(|(field, _)| is_host_field(field))
        .map(|(_, value)| value.clone());
    Alert {
        id: AlertId::derive(&rule, &events),
        created,
        rule,
        level: correlation.rule.level,
        explanation,
        matched,
        events,
        user,
        host,
    }
}

fn is_user_field(field: &str) -> bool {
    matches!(
        field,
        "user.name" | "User" | "TargetUserName" | "SubjectUserName" | "UserName" | "AccountName"
    )
}

fn is_host_field(field: &str) -> bool {
    matches!(
        field,
        "host.name" | "Computer" | "ComputerName" | "Workstation" | "WorkstationName"
    )
}
