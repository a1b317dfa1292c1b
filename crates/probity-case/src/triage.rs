//! Alert triage: dismiss (with a reason) or escalate (to a case), or reopen.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use probity_access::{Permission, Principal};
use probity_audit::Action;
use probity_model::{Alert, Timestamp, from_micros, to_micros};

use crate::case::{LinkKind, case_id, case_num, check_item_id, insert_link, who_acts};
use crate::error::invalid;
use crate::{Error, MAX_TRIAGE_BATCH, Result, Workbench, action, check_text};

/// Where an alert stands with the analysts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TriageStatus {
    /// Not yet dealt with (or reopened).
    Open,
    /// Looked at and judged not to need more (with a reason).
    Dismissed,
    /// Passed on to a case.
    Escalated,
}

impl TriageStatus {
    /// `open`, `dismissed` or `escalated`.
    pub fn as_str(self) -> &'static str {
        match self {
            TriageStatus::Open => "open",
            TriageStatus::Dismissed => "dismissed",
            TriageStatus::Escalated => "escalated",
        }
    }
}

impl fmt::Display for TriageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TriageStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" | "reopen" => Ok(TriageStatus::Open),
            "dismissed" | "dismiss" => Ok(TriageStatus::Dismissed),
            "escalated" | "escalate" => Ok(TriageStatus::Escalated),
            _ => invalid(format!(
                "unknown triage status {s:?} (open, dismissed or escalated)"
            )),
        }
    }
}

/// An alert's latest triage decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    pub alert_id: String,
    pub status: TriageStatus,
    pub reason: String,
    /// The case it was escalated to.
    pub case_id: Option<String>,
    /// The rule that raised the alert, where the caller gave it.
    pub rule_id: Option<String>,
    /// The account that decided.
    pub by: String,
    pub at: Timestamp,
}

impl Workbench {
    /// Sets the triage status of alerts by id. Needs `TriageAlerts`. Dismissing needs a reason;
    /// escalating with `case_id` links each alert to that case (which must exist and not be
    /// finished). At most [`MAX_TRIAGE_BATCH`] alerts at once. The rule ids are not known here,
    /// so [`Workbench::dismissal_reasons`] counts these under an empty rule id; prefer
    /// [`Workbench::triage_alerts`] when the alerts are at hand.
    pub fn triage(
        &self,
        by: &Principal,
        alert_ids: &[String],
        status: TriageStatus,
        reason: &str,
        case_id: Option<&str>,
        now: Timestamp,
    ) -> Result<(Vec<Triage>, Action)> {
        let targets: Vec<(String, Option<String>)> =
            alert_ids.iter().map(|id| (id.clone(), None)).collect();
        self.triage_targets(by, &targets, status, reason, case_id, now)
    }

    /// [`Workbench::triage`] for alerts at hand, recording each one's rule id so that dismissal
    /// reasons can be counted per rule.
    pub fn triage_alerts(
        &self,
        by: &Principal,
        alerts: &[&Alert],
        status: TriageStatus,
        reason: &str,
        case_id: Option<&str>,
        now: Timestamp,
    ) -> Result<(Vec<Triage>, Action)> {
        let targets: Vec<(String, Option<String>)> = alerts
            .iter()
            .map(|alert| (alert.id.to_hex(), Some(alert.rule.id.clone())))
            .collect();
        self.triage_targets(by, &targets, status, reason, case_id, now)
    }

    fn triage_targets(
        &self,
        by: &Principal,
        targets: &[(String, Option<String>)],
        status: TriageStatus,
        reason: &str,
        case: Option<&str>,
        now: Timestamp,
    ) -> Result<(Vec<Triage>, Action)> {
        by.require(Permission::TriageAlerts)?;
        if targets.is_empty() {
            return invalid("choose at least one alert");
        }
        if targets.len() > MAX_TRIAGE_BATCH {
            return invalid(format!(
                "at most {MAX_TRIAGE_BATCH} alerts can be triaged at once"
            ));
        }
        let reason = check_text(
            "a reason for dismissing",
            reason,
            status == TriageStatus::Dismissed,
        )?;
        let case_num = match case {
            Some(id) if !id.trim().is_empty() => {
                if status != TriageStatus::Escalated {
                    return invalid("only an escalation names a case");
                }
                Some(case_num(id)?)
            }
            _ => None,
        };
        let mut checked = Vec::with_capacity(targets.len());
        for (id, rule) in targets {
            let rule = rule.as_deref().map(|r| r.chars().take(200).collect());
            checked.push((check_item_id("alert", id)?, rule));
        }
        let account = who_acts(by);
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut done = Vec::with_capacity(checked.len());
        for (alert_id, rule_id) in checked {
            if let Some(num) = case_num {
                insert_link(&tx, num, LinkKind::Alert, &alert_id, &account, now)?;
            }
            // Keep the rule id learned earlier if this call does not know it.
            let rule_id = match rule_id {
                Some(rule) => Some(rule),
                None => tx
                    .query_row(
                        "SELECT rule_id FROM triage WHERE alert_id = ?1 AND rule_id IS NOT NULL
                         ORDER BY seq DESC LIMIT 1",
                        params![alert_id],
                        |row| row.get(0),
                    )
                    .optional()?,
            };
            let case_id = case_num.map(case_id);
            tx.execute(
                "INSERT INTO triage (alert_id, rule_id, status, reason, case_id, by, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    alert_id,
                    rule_id,
                    status.as_str(),
                    reason,
                    case_id,
                    account,
                    to_micros(&now)
                ],
            )?;
            done.push(Triage {
                alert_id,
                status,
                reason: reason.clone(),
                case_id,
                rule_id,
                by: account.clone(),
                at: now,
            });
        }
        tx.commit()?;
        let name = match status {
            TriageStatus::Open => "alert.reopen",
            TriageStatus::Dismissed => "alert.dismiss",
            TriageStatus::Escalated => "alert.escalate",
        };
        let ids: Vec<&str> = done.iter().map(|t| t.alert_id.as_str()).collect();
        let target = match ids.as_slice() {
            [one] => (*one).to_owned(),
            many => format!("{} alerts", many.len()),
        };
        let audit = action(
            by,
            now,
            name,
            target,
            json!({"alerts": ids, "reason": reason, "case": case_num.map(case_id)}),
        );
        Ok((done, audit))
    }

    /// The latest triage decision of each of these alerts that has one.
    pub fn triage_of(&self, alert_ids: &[String]) -> Result<HashMap<String, Triage>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT alert_id, rule_id, status, reason, case_id, by, at FROM triage
             WHERE alert_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?;
        let mut found = HashMap::new();
        for id in alert_ids {
            let id = id.trim().to_ascii_lowercase();
            let row = statement
                .query_row(params![id], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        row.get::<_, String>(5)?,
                        row.get::<_, i64>(6)?,
                    ))
                })
                .optional()?;
            let Some((alert_id, rule_id, status, reason, case_id, by, at)) = row else {
                continue;
            };
            let status = status
                .parse()
                .map_err(|_| Error::Corrupt(format!("triage status {status:?}")))?;
            found.insert(
                alert_id.clone(),
                Triage {
                    alert_id,
                    status,
                    reason,
                    case_id,
                    rule_id,
                    by,
                    at: from_micros(at),
                },
            );
        }
        Ok(found)
    }

    /// How often each reason was given for dismissing each rule's alerts (counting each alert's
    /// latest decision only), most frequent first: what rule tuning starts from. Alerts triaged
    /// without their rule id count under an empty rule id.
    pub fn dismissal_reasons(&self) -> Result<Vec<(String, String, u64)>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT COALESCE(t.rule_id, ''), t.reason, COUNT(*) AS n FROM triage t
             WHERE t.status = 'dismissed'
               AND t.seq = (SELECT MAX(seq) FROM triage WHERE alert_id = t.alert_id)
             GROUP BY 1, 2 ORDER BY n DESC, 1, 2",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
            ))
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
