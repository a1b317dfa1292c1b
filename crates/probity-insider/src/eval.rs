//! Evaluation against a ground-truth file (`truth.json`, docs/reference-data.md): precision and
//! recall per detection, time to detect, hard negatives alerted, and each insider's rank.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use probity_model::{Alert, Event, EventId, Timestamp};

use crate::detect::RULE_KIND;
use crate::risk::{PersonRisk, person_of};

/// The ground truth a simulated force comes with.
#[derive(Debug, Clone, Deserialize)]
pub struct Truth {
    pub staff: usize,
    #[serde(default)]
    pub insiders: Vec<Insider>,
    pub scenarios: Vec<Scenario>,
}

/// A member of staff who misused systems.
#[derive(Debug, Clone, Deserialize)]
pub struct Insider {
    pub staff_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
}

/// One injected misuse or hard negative.
#[derive(Debug, Clone, Deserialize)]
pub struct Scenario {
    pub id: String,
    pub kind: String,
    pub variant: String,
    pub hard_negative: bool,
    #[serde(default)]
    pub expected_detections: Vec<String>,
    #[serde(default)]
    pub tempts: Vec<String>,
    pub staff_id: String,
    pub start: Timestamp,
    pub events: Vec<TruthEvent>,
}

/// An event of a scenario, by the source's own id.
#[derive(Debug, Clone, Deserialize)]
pub struct TruthEvent {
    pub file: String,
    pub id: String,
}

/// The source's own id of an event, as the ground truth names it: a records audit id, a
/// sign-in id, a Windows record id, or a message id.
pub fn source_key(event: &Event) -> Option<String> {
    let text = |name: &str| event.get(name).and_then(|v| v.as_text());
    text("Audit ID")
        .or_else(|| text("event.id"))
        .or_else(|| text("winlog.record_id"))
        .or_else(|| text("EventRecordID"))
        .or_else(|| {
            event
                .email
                .as_ref()
                .and_then(|m| m.message_id.clone())
                .map(|id| id.trim_matches(['<', '>']).to_owned())
        })
}

/// Scores for one detection.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KindScore {
    /// Alerts of this detection.
    pub alerts: usize,
    /// Of those, resting on a misuse scenario that expects this detection.
    pub true_alerts: usize,
    pub precision: Option<f64>,
    /// Misuse scenarios of this kind.
    pub scenarios: usize,
    /// Of those, with an alert of this detection on their events.
    pub detected: usize,
    pub recall: Option<f64>,
    /// Hours from a detected scenario's start to its first alert: median and worst.
    pub hours_to_detect_median: Option<f64>,
    pub hours_to_detect_max: Option<f64>,
}

/// An insider's place in the risk list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsiderRank {
    pub staff_id: String,
    pub name: String,
    pub role: String,
    /// 1 is the highest risk; `None` when they have no alerts.
    pub rank: Option<usize>,
    pub score: f64,
}

/// The result of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub staff: usize,
    pub per_detection: BTreeMap<String, KindScore>,
    pub insiders: Vec<InsiderRank>,
    /// The rank that bounds the top 5% of staff.
    pub top_five_percent: usize,
    /// Insiders ranked within the top 5%.
    pub insiders_in_top_five_percent: usize,
    /// Hard negatives, and those an alert they tempt rests on.
    pub hard_negatives: usize,
    pub hard_negatives_alerted: Vec<String>,
    /// Alerts that rest on no misuse expecting them: detection and explanation.
    pub false_alerts: Vec<(String, String)>,
}

/// Evaluates `alerts` (with `keys`: the source key of every event they rest on) and `risks`
/// against `truth`.
pub fn evaluate(
    truth: &Truth,
    alerts: &[Alert],
    keys: &HashMap<EventId, String>,
    risks: &[PersonRisk],
) -> Evaluation {
    let alert_keys: Vec<HashSet<&str>> = alerts
        .iter()
        .map(|a| {
            a.events
                .iter()
                .filter_map(|e| keys.get(&e.id).map(String::as_str))
                .collect()
        })
        .collect();
    let alert_person: Vec<Option<String>> = alerts.iter().map(|a| person_of(a, None)).collect();
    let touches = |index: usize, scenario: &Scenario| {
        alert_person[index].as_deref() == Some(scenario.staff_id.as_str())
            && scenario
                .events
                .iter()
                .any(|e| alert_keys[index].contains(e.id.trim_matches(['<', '>'])))
    };
    let misuse: Vec<&Scenario> = truth
        .scenarios
        .iter()
        .filter(|s| !s.hard_negative)
        .collect();
    let mut per_detection: BTreeMap<String, KindScore> = BTreeMap::new();
    let mut false_alerts = Vec::new();
    for (index, alert) in alerts.iter().enumerate() {
        if alert.rule.kind != RULE_KIND {
            continue;
        }
        let score = per_detection.entry(alert.rule.id.clone()).or_default();
        score.alerts += 1;
        let true_alert = misuse
            .iter()
            .any(|s| s.expected_detections.contains(&alert.rule.id) && touches(index, s));
        if true_alert {
            score.true_alerts += 1;
        } else {
            let near: Vec<String> = truth
                .scenarios
                .iter()
                .filter(|s| touches(index, s))
                .map(|s| format!("{} {}/{}", s.id, s.kind, s.variant))
                .collect();
            let note = if near.is_empty() {
                alert.explanation.clone()
            } else {
                format!("[on {}] {}", near.join(", "), alert.explanation)
            };
            false_alerts.push((alert.rule.id.clone(), note));
        }
    }
    let mut delays: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for scenario in &misuse {
        let score = per_detection.entry(scenario.kind.clone()).or_default();
        score.scenarios += 1;
        let first = alerts
            .iter()
            .enumerate()
            .filter(|(i, a)| {
                a.rule.kind == RULE_KIND && a.rule.id == scenario.kind && touches(*i, scenario)
            })
            .map(|(_, a)| a.timestamp())
            .min();
        if let Some(first) = first {
            score.detected += 1;
            let hours = (first - scenario.start).num_seconds().max(0) as f64 / 3600.0;
            delays.entry(scenario.kind.clone()).or_default().push(hours);
        }
    }
    for (kind, score) in &mut per_detection {
        score.precision =
            (score.alerts > 0).then(|| score.true_alerts as f64 / score.alerts as f64);
        score.recall =
            (score.scenarios > 0).then(|| score.detected as f64 / score.scenarios as f64);
        if let Some(list) = delays.get_mut(kind) {
            list.sort_by(f64::total_cmp);
            score.hours_to_detect_median = list.get(list.len() / 2).copied();
            score.hours_to_detect_max = list.last().copied();
        }
    }
    let mut hard_negatives_alerted = Vec::new();
    let negatives: Vec<&Scenario> = truth.scenarios.iter().filter(|s| s.hard_negative).collect();
    for scenario in &negatives {
        let alerted = alerts
            .iter()
            .enumerate()
            .any(|(i, a)| scenario.tempts.contains(&a.rule.id) && touches(i, scenario));
        if alerted {
            hard_negatives_alerted.push(format!(
                "{} {}/{}",
                scenario.id, scenario.kind, scenario.variant
            ));
        }
    }
    let rank_of: HashMap<&str, (usize, f64)> = risks
        .iter()
        .enumerate()
        .map(|(i, r)| (r.person.as_str(), (i + 1, r.score)))
        .collect();
    let top_five_percent = (truth.staff as f64 * 0.05).ceil() as usize;
    let insiders: Vec<InsiderRank> = truth
        .insiders
        .iter()
        .map(|insider| {
            let found = rank_of.get(insider.staff_id.as_str());
            InsiderRank {
                staff_id: insider.staff_id.clone(),
                name: insider.name.clone(),
                role: insider.role.clone(),
                rank: found.map(|(rank, _)| *rank),
                score: found.map_or(0.0, |(_, score)| *score),
            }
        })
        .collect();
    let insiders_in_top_five_percent = insiders
        .iter()
        .filter(|i| i.rank.is_some_and(|r| r <= top_five_percent))
        .count();
    Evaluation {
        staff: truth.staff,
        per_detection,
        insiders,
        top_five_percent,
        insiders_in_top_five_percent,
        hard_negatives: negatives.len(),
        hard_negatives_alerted,
        false_alerts,
    }
}

impl Evaluation {
    /// A plain-text report.
    pub fn report(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "{:<20} {:>7} {:>9} {:>9} {:>9} {:>7} {:>12}\n",
            "detection",
            "alerts",
            "precision",
            "scenarios",
            "detected",
            "recall",
            "hours (med/max)"
        ));
        let pct = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
        for (kind, score) in &self.per_detection {
            out.push_str(&format!(
                "{:<20} {:>7} {:>9} {:>9} {:>9} {:>7} {:>12}\n",
                kind,
                score.alerts,
                pct(score.precision),
                score.scenarios,
                score.detected,
                pct(score.recall),
                match (score.hours_to_detect_median, score.hours_to_detect_max) {
                    (Some(m), Some(x)) => format!("{m:.1}/{x:.1}"),
                    _ => "-".to_owned(),
                }
            ));
        }
        out.push_str(&format!(
            "\ninsiders in the top 5% (rank ≤ {}): {} of {}\n",
            self.top_five_percent,
            self.insiders_in_top_five_percent,
            self.insiders.len()
        ));
        for insider in &self.insiders {
            out.push_str(&format!(
                "  {} {:<28} {:<22} rank {}\n",
                insider.staff_id,
                insider.name,
                insider.role,
                insider
                    .rank
                    .map_or_else(|| "none".to_owned(), |r| r.to_string())
            ));
        }
        out.push_str(&format!(
            "hard negatives alerted by a detection they tempt: {} of {}\n",
            self.hard_negatives_alerted.len(),
            self.hard_negatives
        ));
        for negative in &self.hard_negatives_alerted {
            out.push_str(&format!("  {negative}\n"));
        }
        out.push_str(&format!("false alarms: {}\n", self.false_alerts.len()));
        let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
        for (rule, explanation) in &self.false_alerts {
            let count = shown.entry(rule.as_str()).or_default();
            *count += 1;
            if *count <= 6 {
                out.push_str(&format!("  {rule}: {explanation}\n"));
            }
        }
        out
    }
}
