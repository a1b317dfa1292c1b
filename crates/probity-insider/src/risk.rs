//! The per-person risk score: every alert about a person adds points by its detection, fading
//! with age, with a bonus for several kinds of misuse; explained by its contributing alerts.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use probity_model::{Alert, Level, Timestamp};

use crate::detect::{Detection, RULE_KIND};
use crate::index::Reference;
use crate::policy::Policy;

/// One alert's part in a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub alert: String,
    pub rule: String,
    pub title: String,
    pub level: Level,
    pub at: Timestamp,
    pub points: f64,
    pub explanation: String,
}

/// A person's risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonRisk {
    /// The staff id where the account is in the directory, else the account.
    pub person: String,
    /// Their main account.
    pub account: Option<String>,
    pub role: Option<String>,
    pub team: Option<String>,
    pub score: f64,
    pub alerts: usize,
    /// Alerts per detection.
    pub kinds: BTreeMap<String, usize>,
    /// The alerts that count, largest first.
    pub contributions: Vec<Contribution>,
}

impl PersonRisk {
    /// One line: who, score, and what drives it.
    pub fn summary(&self) -> String {
        let kinds: Vec<String> = self
            .kinds
            .iter()
            .map(|(kind, count)| format!("{kind} ×{count}"))
            .collect();
        format!(
            "{} {} — score {:.1} from {} alert(s): {}",
            self.person,
            self.account.as_deref().unwrap_or(""),
            self.score,
            self.alerts,
            kinds.join(", ")
        )
    }
}

/// Scores every person with alerts, highest first. `now` is the time scores are taken at (an
/// alert's points halve every `half_life_days` before it).
pub fn score(
    alerts: &[Alert],
    reference: Option<&Reference>,
    policy: &Policy,
    now: Timestamp,
) -> Vec<PersonRisk> {
    let mut by_person: HashMap<String, Vec<&Alert>> = HashMap::new();
    for alert in alerts {
        let Some(person) = person_of(alert, reference) else {
            continue;
        };
        by_person.entry(person).or_default().push(alert);
    }
    let mut risks: Vec<PersonRisk> = by_person
        .into_iter()
        .map(|(person, alerts)| person_risk(person, &alerts, reference, policy, now))
        .collect();
    risks.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.person.cmp(&b.person))
    });
    risks
}

/// The person an alert concerns: its staff id, or its user mapped through the directory.
pub fn person_of(alert: &Alert, reference: Option<&Reference>) -> Option<String> {
    if let Some(staff) = alert.matched.iter().find(|m| m.field == "staff_id") {
        return Some(staff.value.clone());
    }
    let user = alert.user.as_ref()?.as_str();
    if let Some(reference) = reference
        && let Some(ix) = reference.staff_of_account(user)
        && let Some((staff, _)) = reference.person(ix)
    {
        return Some(staff.staff_id.clone());
    }
    Some(user.to_lowercase())
}

fn points(alert: &Alert, policy: &Policy) -> f64 {
    if alert.rule.kind == RULE_KIND
        && let Some(detection) = Detection::from_name(&alert.rule.id)
    {
        return policy
            .risk
            .weights
            .get(&detection)
            .copied()
            .unwrap_or(detection.default_weight());
    }
    policy
        .risk
        .other_weights
        .get(&alert.level)
        .copied()
        .unwrap_or(0.0)
}

fn person_risk(
    person: String,
    alerts: &[&Alert],
    reference: Option<&Reference>,
    policy: &Policy,
    now: Timestamp,
) -> PersonRisk {
    let half_life = policy.risk.half_life_days;
    let mut contributions: Vec<Contribution> = alerts
        .iter()
        .map(|alert| {
            let age_days = ((now - alert.timestamp()).num_seconds().max(0) as f64) / 86_400.0;
            let decay = 0.5f64.powf(age_days / half_life);
            Contribution {
                alert: alert.id.to_hex(),
                rule: alert.rule.id.clone(),
                title: alert.rule.title.clone(),
                level: alert.level,
                at: alert.timestamp(),
                points: points(alert, policy) * decay,
                explanation: alert.explanation.clone(),
            }
        })
        .collect();
    contributions.sort_by(|a, b| b.points.total_cmp(&a.points));
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut counted: Vec<Contribution> = Vec::new();
    for contribution in contributions {
        let seen = kinds.entry(contribution.rule.clone()).or_default();
        *seen += 1;
        if *seen <= policy.risk.max_alerts_per_kind {
            counted.push(contribution);
        }
    }
    let base: f64 = counted.iter().map(|c| c.points).sum();
    let breadth = kinds.len().saturating_sub(1) as f64;
    let score = base * (1.0 + policy.risk.breadth_bonus * breadth);
    let staff = reference.and_then(|r| {
        let ix = r.staff_by_id(&person)?;
        r.person(ix).map(|(s, _)| s)
    });
    PersonRisk {
        account: staff.and_then(|s| s.accounts.first().cloned()).or_else(|| {
            alerts
                .iter()
                .find_map(|a| a.user.as_ref().map(|u| u.as_str().to_owned()))
        }),
        role: staff.map(|s| s.role.clone()),
        team: staff.map(|s| s.team.clone()),
        person,
        score,
        alerts: alerts.len(),
        kinds,
        contributions: counted,
    }
}
