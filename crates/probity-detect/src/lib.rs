//! Probity's Sigma engine: runs published Sigma rules, unchanged, on Probity events — live as
//! they arrive and over collected logs (`probity hunt`). No IO beyond reading rule files.
//!
//! # Using it
//!
//! ```no_run
//! use probity_detect::{Correlator, Engine, LoadOptions, Mappings, RuleSet};
//! # fn events() -> Vec<probity_model::Event> { Vec::new() }
//! # fn main() -> probity_detect::Result<()> {
//! // 1. Load rules: every file either loads or is reported with file, line and reason.
//! let report = RuleSet::load(&["rules/"], &LoadOptions::default());
//! for problem in &report.problems {
//!     eprintln!("{problem}"); // path:line (rule id): kind: reason
//! }
//! // 2. Compile them with the log source and field mappings (built-in YAML, or your own).
//! let engine = Engine::compile(&report.rules, &Mappings::builtin()?)?;
//! // 3. Evaluate events; feed matches to a correlator for correlation rules.
//! let mut correlator = Correlator::new(&engine);
//! let mut detections = Vec::new();
//! for event in events() {
//!     detections.clear();
//!     engine.evaluate(&event, &mut detections);
//!     for d in &detections {
//!         println!("{} {} {:?}", d.level(), d.title(), d.matched);
//!     }
//!     for alert in correlator.observe(&event, &detections) {
//!         println!("correlation {} over {:?}", alert.rule.title, alert.group);
//!     }
//! }
//! for alert in correlator.finish() {
//!     println!("correlation {} (window closed)", alert.rule.title);
//! }
//! // `probity rules lint --explain`: the compiled form of one rule.
//! println!("{}", engine.explain("5bb6a5ef-3b94-4be1-88c1-7b1bb88f0fe4")?);
//! # Ok(()) }
//! ```
//!
//! - [`RuleSet::load`] / [`RuleSet::parse_str`] read Sigma v2 YAML (multi-document files,
//!   `action: global`), detection, correlation (`correlation:`) and filter (`filter:`)
//!   documents, and return a [`LoadReport`]: the [`RuleSet`] and a [`RuleProblem`] for every
//!   document that could not be used (counted by [`ProblemKind`]). Values are checked as they
//!   load: unknown modifiers, bad conditions, `expand` placeholders with no values
//!   ([`LoadOptions::placeholders`]) and regular expressions that are invalid or would compile
//!   too big ([`RegexLimits`]) are reported there.
//! - [`Engine::compile`] lowers every rule to an expression over field tests, once per route of
//!   its log source ([`Mappings`]: `process_creation` is Sysmon 1 and Security 4688 with
//!   `Image`←`NewProcessName`…), applies meta filters, and indexes the result by channel and
//!   event id. Within each index bucket every literal (`contains`, `startswith`, `endswith`,
//!   equals, and the longest literal of a wildcard) is found by one Aho-Corasick automaton per
//!   field; a rule is checked only when a literal it cannot match without was found. The engine
//!   is `Send + Sync`.
//! - [`Engine::evaluate`] appends a [`Detection`] per matching rule, with the [`FieldMatch`]es
//!   that made it match. [`Engine::explain`] renders a rule's compiled form (golden tests,
//!   `rules lint --explain`); [`Engine::stats`] gives the index's size.
//! - [`alert_from_detection`] and [`alert_from_correlation`] turn matches into the model's
//!   alerts, with an explanation in words and the matched fields.
//! - [`Correlator`] evaluates correlation rules (`event_count`, `value_count`, `temporal`,
//!   `temporal_ordered`, with `group-by`, `timespan` and aliases) incrementally by event time,
//!   within [`CorrelatorLimits`].
//!
//! Routing: a rule whose log source maps to channels (`mappings/windows.yml`) meets only events
//! of those channels and event ids; a Windows rule whose category or service has no mapping
//! meets every Windows event (and is noted in [`Engine::problems`]); a rule of a product with no
//! mapping (`linux`, `m365`, `aws`…), or with a category but no product (`category: proxy`),
//! meets every event that is not of a mapped product; a rule with no log source at all meets
//! every event.
//!
//! Values are matched case-insensitively unless `|cased` (or the value is a Base64 form);
//! `|re` is case-sensitive unless `|i`. A field is looked up by its name among the event's
//! original fields (the flat EVTX shape), then through field maps for other shapes (Winlogbeat's
//! `winlog.event_data.*`, ECS names), then as a typed ECS field or dotted path.

#![warn(missing_docs)]

mod alert;
mod correlate;
mod detection;
mod engine;
mod error;
mod mapping;
mod matcher;
mod modifiers;
mod rule;

pub use alert::{CORRELATION_KIND, SIGMA_KIND, alert_from_correlation, alert_from_detection};
pub use correlate::{CorrelationAlert, Correlator, CorrelatorLimits};
pub use detection::{Detection, FieldMatch};
pub use engine::{Engine, EngineStats, Scratch};
pub use error::{Error, Result};
pub use mapping::{FieldMap, Mappings, ProductMapping, Route};
pub use modifiers::RegexLimits;
pub use rule::{
    CorrelationAlias, CorrelationCondition, CorrelationKind, CorrelationRule, FilterRule, Level,
    LoadOptions, LoadReport, LogSource, ProblemKind, Related, Rule, RuleInfo, RuleProblem, RuleSet,
    SourceLocation,
};
