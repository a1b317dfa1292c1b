//! The abusive-language half of Probity's communications policies: finds staff sending abusive,
//! racist, misogynistic, homophobic, transphobic, disablist, religious-hatred, threatening or
//! harassing messages on work email and chat.
//!
//! The pieces, each usable alone:
//!
//! - [`normalise()`] folds text against evasion (case, accents, look-alike letters, l33t, spelled-out
//!   and stretched words) and keeps a map back to the original bytes.
//! - [`Lexicon`] holds curated word lists as YAML data (`lexicons/*.yaml`, embedded as
//!   [`Lexicon::defaults`], or loaded with [`Lexicon::from_dir`]) and matches them over normalised
//!   text with one Aho-Corasick automaton.
//! - [`ContextRules`] read what surrounds a hit: reported or quoted speech, negation, reclaimed
//!   in-group use (see [`context`] for the reasons).
//! - [`Model`] is a logistic-regression classifier over hashed word n-grams, trained in Rust by
//!   [`train::train_all`] (binary `probity-content-train`); the shipped `abusive` and `misogyny`
//!   models are embedded, and `models/REPORT.md` gives their held-out scores.
//! - [`Scanner`] combines them under a YAML [`Policy`] (`policy/abuse.yaml` shipped).
//!
//! ```no_run
//! use probity_content::Scanner;
//!
//! # fn main() -> Result<(), probity_content::Error> {
//! let scanner = Scanner::with_defaults()?;
//! for finding in scanner.scan("email.body", "Morning all, the rota is attached.") {
//!     println!("{} {} {}: {}", finding.policy, finding.category, finding.severity, finding.why);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every finding has policy `abuse`, a category (`racist`, `misogynistic`, `homophobic`,
//! `transphobic`, `disablist`, `religious_hatred`, `threat`, `harassment`, `general_abuse`), a
//! severity, spans pointing at the original bytes with some context, a plain-words `why`
//! (which entry or model, what context changed the severity) and, for a classifier, its `score`.
//! [`Scanner::scan_report`] also lists what was set aside and why (an innocent word on an entry's
//! exception list, a hit lowered below the policy minimum), and the classifiers' scores.

pub mod classifier;
pub mod context;
mod error;
pub mod eval;
pub mod lexicon;
pub mod normalise;
pub mod policy;
pub mod reply;
mod scanner;
pub mod train;

pub use classifier::Model;
pub use context::{Context, ContextRules};
pub use error::{Error, Result};
pub use lexicon::{Category, Lexicon, MatchMode};
pub use normalise::{Normalised, normalise};
pub use policy::Policy;
pub use scanner::{POLICY, Prepared, ScanReport, Scanner, Suppressed};
