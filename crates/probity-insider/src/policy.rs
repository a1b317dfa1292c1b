//! Thresholds and weights: policy, in YAML, with defaults that suit an ordinary force.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use probity_model::Level;

use crate::detect::Detection;

/// The policy every insider detection and the risk score read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// A lookup has a purpose when a tasking record of the user or their team links the subject
    /// within this many hours of the record's life.
    pub purpose_window_hours: i64,
    /// Work this close to a rostered shift (minutes, either side) counts as on duty.
    pub duty_margin_minutes: i64,
    pub no_purpose: NoPurpose,
    pub volume: Volume,
    pub bulk_search: BulkSearch,
    pub celebrity_spike: Spike,
    pub first_access: FirstAccess,
    pub departing: Departing,
    pub victim_contact: VictimContact,
    pub print_export: PrintExport,
    pub risk: Risk,
    /// Alert level per detection (defaults below).
    pub levels: BTreeMap<Detection, Level>,
}

/// No-purpose lookups: one unlinked lookup may be an unrecorded informal check; a pattern is not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoPurpose {
    /// Distinct subjects looked up with no purpose, within `window_days`, before an alert.
    pub min_subjects: usize,
    pub window_days: i64,
}

/// A day's lookups far above the person's own and their peers' usual numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Volume {
    /// At least this many lookups in the day with no purpose.
    pub min_unlinked: u32,
    /// And the day's lookups at least this many times the higher of the person's and their peer
    /// group's 95th-percentile day.
    pub factor: f64,
    /// The usual day is taken as at least this many lookups (a floor for new staff).
    pub floor: u32,
}

/// Many subjects searched in a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BulkSearch {
    pub min_searches: usize,
    pub window_minutes: i64,
}

/// Many unrelated staff opening the same record in a short time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Spike {
    /// Unrelated staff opening a watch-listed record within the window.
    pub min_staff: usize,
    /// Unrelated staff opening any other person's record within the window: more, since
    /// coincidences among many staff's ordinary lookups are likelier.
    pub min_staff_unlisted: usize,
    pub window_hours: i64,
}

/// First use of a records system that the person's peers do not use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FirstAccess {
    /// Days of data before first use means anything (every use is a first at the start).
    pub learning_days: i64,
    /// The system counts as unusual for the role (whatever the department) when fewer than this
    /// share of the role's staff, or fewer than `min_peers` of them, have used it so far.
    pub peer_share: f64,
    pub min_peers: usize,
}

/// Data taken in the notice period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Departing {
    /// Prints and exports in one day.
    pub min_prints_exports: u32,
    /// File writes to removable media in one day.
    pub min_usb_writes: u32,
}

/// A victim's record opened repeatedly, then contact from work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VictimContact {
    /// Days on which the record was opened with no purpose.
    pub min_days: usize,
}

/// Prints and exports of records with no purpose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrintExport {
    pub min_records: usize,
}

/// The per-person risk score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Risk {
    /// An alert's weight halves every this many days.
    pub half_life_days: f64,
    /// Points per alert, by detection.
    pub weights: BTreeMap<Detection, f64>,
    /// Points for an alert from another source (a Sigma rule), by level.
    pub other_weights: BTreeMap<Level, f64>,
    /// The score is multiplied by 1 + this for each kind of detection beyond the first: several
    /// kinds of misuse by one person are worth more than many of one kind.
    pub breadth_bonus: f64,
    /// At most this many alerts of one detection count towards a person's score.
    pub max_alerts_per_kind: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            purpose_window_hours: 48,
            duty_margin_minutes: 60,
            no_purpose: NoPurpose::default(),
            volume: Volume::default(),
            bulk_search: BulkSearch::default(),
            celebrity_spike: Spike::default(),
            first_access: FirstAccess::default(),
            departing: Departing::default(),
            victim_contact: VictimContact::default(),
            print_export: PrintExport::default(),
            risk: Risk::default(),
            levels: Detection::ALL
                .into_iter()
                .map(|d| (d, d.default_level()))
                .collect(),
        }
    }
}

impl Default for NoPurpose {
    fn default() -> Self {
        NoPurpose {
            min_subjects: 2,
            window_days: 14,
        }
    }
}

impl Default for Volume {
    fn default() -> Self {
        Volume {
            min_unlinked: 25,
            factor: 3.0,
            floor: 10,
        }
    }
}

impl Default for BulkSearch {
    fn default() -> Self {
        BulkSearch {
            min_searches: 20,
            window_minutes: 60,
        }
    }
}

impl Default for Spike {
    fn default() -> Self {
        Spike {
            min_staff: 4,
            min_staff_unlisted: 6,
            window_hours: 3,
        }
    }
}

impl Default for FirstAccess {
    fn default() -> Self {
        FirstAccess {
            learning_days: 7,
            peer_share: 0.02,
            min_peers: 2,
        }
    }
}

impl Default for Departing {
    fn default() -> Self {
        Departing {
            min_prints_exports: 10,
            min_usb_writes: 10,
        }
    }
}

impl Default for VictimContact {
    fn default() -> Self {
        VictimContact { min_days: 2 }
    }
}

impl Default for PrintExport {
    fn default() -> Self {
        PrintExport { min_records: 2 }
    }
}

impl Default for Risk {
    fn default() -> Self {
        Risk {
            half_life_days: 30.0,
            weights: Detection::ALL
                .into_iter()
                .map(|d| (d, d.default_weight()))
                .collect(),
            other_weights: [
                (Level::Informational, 0.0),
                (Level::Low, 1.0),
                (Level::Medium, 3.0),
                (Level::High, 8.0),
                (Level::Critical, 15.0),
            ]
            .into_iter()
            .collect(),
            breadth_bonus: 0.5,
            max_alerts_per_kind: 5,
        }
    }
}

impl Policy {
    /// Reads a policy from YAML; anything it leaves out keeps its default.
    pub fn from_yaml(text: &str) -> Result<Policy, String> {
        // Size and nesting first: the YAML reader's time grows with the square of the nesting.
        probity_model::policy_text::check_policy_text(
            text,
            probity_model::policy_text::MAX_POLICY_BYTES,
        )?;
        let policy: Policy = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        policy.check()?;
        Ok(policy)
    }

    /// The default policy as YAML, to start a force's own from.
    pub fn default_yaml() -> String {
        serde_yaml_ng::to_string(&Policy::default()).unwrap_or_default()
    }

    fn check(&self) -> Result<(), String> {
        if self.purpose_window_hours < 0 || self.duty_margin_minutes < 0 {
            return Err("windows and margins cannot be negative".into());
        }
        if self.risk.half_life_days <= 0.0 {
            return Err("risk.half_life_days must be above zero".into());
        }
        if self.volume.factor <= 0.0 {
            return Err("volume.factor must be above zero".into());
        }
        Ok(())
    }

    /// The level alerts of a detection carry.
    pub fn level(&self, detection: Detection) -> Level {
        self.levels
            .get(&detection)
            .copied()
            .unwrap_or(detection.default_level())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn yaml_overrides_only_what_it_names() {
        let policy =
            Policy::from_yaml("volume:\n  min_unlinked: 40\nlevels:\n  off_duty: low\n").unwrap();
        assert_eq!(policy.volume.min_unlinked, 40);
        assert_eq!(policy.volume.factor, Volume::default().factor);
        assert_eq!(policy.level(Detection::OffDuty), Level::Low);
        assert_eq!(policy.level(Detection::Relationship), Level::High);
        assert!(Policy::from_yaml("volume:\n  minimum: 3\n").is_err());
        assert!(Policy::from_yaml("risk:\n  half_life_days: 0\n").is_err());
        let round = Policy::from_yaml(&Policy::default_yaml()).unwrap();
        assert_eq!(round, Policy::default());
    }

    /// A deeply nested policy is refused before it is parsed (audit 2, defect 3).
    #[test]
    fn a_deeply_nested_policy_is_refused_before_it_is_parsed() {
        let deep = format!("risk: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let error = Policy::from_yaml(&deep).unwrap_err();
        assert!(
            error.contains("nested more than 64 deep (line 1)"),
            "{error}"
        );
    }
}
