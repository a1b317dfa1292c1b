//! What a simulation wrote.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

pub use crate::output::FileCount;

/// Counts of what a simulation wrote, for the person who ran it.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The seed the force was made from.
    pub seed: u64,
    /// Number of staff.
    pub staff: usize,
    /// Number of days of activity.
    pub days: u32,
    /// Every file written, with its number of rows, events or messages and its size.
    pub files: Vec<FileCount>,
    /// Staff who committed at least one injected misuse.
    pub insiders: usize,
    /// Injected misuse by kind.
    pub scenarios: BTreeMap<String, usize>,
    /// Hard negatives by the kind they tempt.
    pub hard_negatives: BTreeMap<String, usize>,
    /// How long the simulation took.
    pub elapsed: Duration,
}

impl Summary {
    /// The count of rows, events or messages in a file, by its relative path.
    pub fn records(&self, path: &str) -> Option<u64> {
        self.files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.records)
    }

    /// Bytes written in all.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Simulated {} staff over {} day(s) (seed {}) in {:.1} s, {:.1} MB written:",
            self.staff,
            self.days,
            self.seed,
            self.elapsed.as_secs_f64(),
            self.total_bytes() as f64 / 1_000_000.0
        )?;
        for file in &self.files {
            writeln!(
                f,
                "  {:<36} {:>10} records {:>12} bytes",
                file.path, file.records, file.bytes
            )?;
        }
        let misuse: usize = self.scenarios.values().sum();
        writeln!(
            f,
            "Insiders: {} committing {} injected misuse scenario(s):",
            self.insiders, misuse
        )?;
        for (kind, count) in &self.scenarios {
            writeln!(f, "  {kind:<22} {count}")?;
        }
        let negatives: usize = self.hard_negatives.values().sum();
        writeln!(f, "Hard negatives: {negatives}")?;
        for (kind, count) in &self.hard_negatives {
            writeln!(f, "  {kind:<22} {count}")?;
        }
        Ok(())
    }
}
