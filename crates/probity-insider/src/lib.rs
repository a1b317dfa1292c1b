//! Records misuse: the detections at the centre of Probity.
//!
//! The most common corruption in policing is looking people up with no policing purpose. This
//! crate checks every records-system lookup against what the force knows of its own people and
//! work ([`reference`](mod@reference): the staff directory, rosters, tasking, watch lists and the records
//! population, indexed in [`index::Reference`]): whether a tasking record of the user or their
//! team links the subject, whether the subject is the user, a relative, a neighbour, a colleague or
//! the user's own car ([`names`] matches names as records systems hold them), whether the record is
//! restricted, whether the user was on duty, in their own area, using a system their role uses, and
//! working at their usual volume; and it watches staff in their notice period for data taken by
//! print, export, USB and personal email ([`detect`]). Thresholds and weights are [`policy`].
//! Alerts roll up into a per-person [`risk`] score, and [`eval`] measures all of it against a
//! simulated force's ground truth.

pub mod activity;
pub mod detect;
pub mod eval;
pub mod index;
pub mod names;
pub mod policy;
pub mod reference;
pub mod risk;
pub mod stored;

pub use activity::Activity;
pub use detect::{Detection, Detector, RULE_KIND, detect_all};
pub use index::Reference;
pub use policy::Policy;
pub use reference::{Kind, LoadError, Rows};

/// The stored form of a kind's rows (what a reference store keeps).
pub fn encode(rows: &Rows) -> Vec<u8> {
    serde_json::to_vec(rows).unwrap_or_default()
}

/// Reads the stored form back.
pub fn decode(bytes: &[u8]) -> Result<Rows, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("stored reference data is unreadable: {e}"))
}

/// Reads every reference kind present in a folder as `KIND.csv` or `KIND.json` (the layout
/// `probity simulate` writes under `reference/`). Kinds with no file are left out.
pub fn load_reference_dir(dir: &std::path::Path) -> Result<Vec<Rows>, String> {
    let mut sets = Vec::new();
    for kind in Kind::ALL {
        for extension in ["csv", "json"] {
            let path = dir.join(format!("{}.{extension}", kind.name()));
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let rows =
                reference::parse(kind, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            sets.push(rows);
            break;
        }
    }
    Ok(sets)
}

/// A decoder sink that keeps only what the insider detections read, and each event's source key
/// (for evaluation).
#[derive(Debug, Default)]
pub struct ActivitySink {
    pub activities: Vec<Activity>,
    pub keys: std::collections::HashMap<probity_model::EventId, String>,
    pub rejected: usize,
}

impl probity_ingest::Sink for ActivitySink {
    fn event(&mut self, event: probity_model::Event) -> probity_ingest::Result<()> {
        if let Some(activity) = Activity::from_event(&event) {
            if let Some(key) = eval::source_key(&event) {
                self.keys.insert(event.provenance.id, key);
            }
            self.activities.push(activity);
        }
        Ok(())
    }

    fn reject(&mut self, _letter: probity_model::DeadLetter) -> probity_ingest::Result<()> {
        self.rejected += 1;
        Ok(())
    }
}
