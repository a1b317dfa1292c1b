//! The compiled engine: every rule lowered to an expression over interned leaves, placed in
//! buckets by channel and event id, with one literal automaton per field per bucket.

mod compile;
mod eval;
mod explain;
pub(crate) mod expr;
mod fasthash;
mod index;
pub(crate) mod view;

use std::collections::HashMap;
use std::sync::Arc;

use crate::correlate::CorrelationSet;
use crate::mapping::Route;
use crate::rule::{CorrelationRule, RuleInfo, RuleProblem};

pub use eval::Scratch;

use expr::{Expr, FieldId, Interner, LeafId};
use index::{Bucket, InstanceId};
use view::Resolver;

/// A bucket's index in [`Engine::buckets`].
type BucketId = u32;

/// One rule compiled for one route of its log source.
#[derive(Debug)]
pub(crate) struct Instance {
    pub rule: u32,
    /// The route, for rules whose log source maps to channels.
    pub route: Option<usize>,
    pub expr: Expr,
    /// Leaves one of which must be found for the instance to match (`None`: always check).
    pub gate: Option<Vec<LeafId>>,
}

/// A rule as the engine holds it.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub info: Arc<RuleInfo>,
    pub instances: Vec<InstanceId>,
    pub routes: Vec<Route>,
    /// Where the rule sits in the index, in words (for `explain`).
    pub placement: Vec<String>,
    /// False when a correlation uses it with `generate: false`.
    pub standalone: bool,
    /// The filters added to it, by title.
    pub filters: Vec<String>,
}

/// Which bucket an event goes to.
#[derive(Debug, Default)]
struct Routing {
    channel_field: FieldId,
    event_id_field: FieldId,
    /// Channel (as the mappings write it, and in lower case) → its buckets.
    channels: HashMap<String, ChannelBuckets>,
    /// Per mapped product: the fields that recognise its events, and its default bucket.
    products: Vec<(Vec<FieldId>, BucketId)>,
    /// Events of no mapped product: rules of unmapped products (and of no product) meet them.
    unrecognised: BucketId,
}

#[derive(Debug, Default, Clone)]
struct ChannelBuckets {
    by_event_id: HashMap<u32, BucketId>,
    default: BucketId,
}

/// Figures about a compiled engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Detection rules compiled.
    pub rules: usize,
    /// Rule instances (a rule with two routes, such as Sysmon 1 and Security 4688, has two).
    pub instances: usize,
    /// Distinct field tests.
    pub leaves: usize,
    /// Distinct field names.
    pub fields: usize,
    /// Buckets (distinct sets of rules an event can meet).
    pub buckets: usize,
    /// Literal patterns over all buckets' automata.
    pub patterns: usize,
    /// Instances with no literal gate, over all buckets.
    pub ungated: usize,
    /// Correlation rules compiled.
    pub correlations: usize,
}

/// Compiled Sigma rules, ready to evaluate events. `Send + Sync`: share it behind an `Arc`
/// between threads; each thread evaluates with its own [`Scratch`].
#[derive(Debug)]
pub struct Engine {
    rules: Vec<CompiledRule>,
    instances: Vec<Instance>,
    interner: Interner,
    buckets: Vec<Bucket>,
    routing: Routing,
    resolver: Resolver,
    field_plans: Vec<view::FieldPlan>,
    /// Field name → id, for finding an event's known fields in one pass.
    field_index: fasthash::FastMap<Box<str>, FieldId>,
    correlations: Arc<CorrelationSet>,
    problems: Vec<RuleProblem>,
    gate_slots: usize,
    stats: EngineStats,
}

impl Engine {
    /// Problems found while compiling: filters and correlations that name unknown rules, and
    /// notes on rules whose log source has no mapping.
    pub fn problems(&self) -> &[RuleProblem] {
        &self.problems
    }

    /// The compiled detection rules, in load order.
    pub fn rules(&self) -> impl Iterator<Item = &Arc<RuleInfo>> {
        self.rules.iter().map(|r| &r.info)
    }

    /// How many detection rules the engine holds.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The correlation rules the engine holds.
    pub fn correlations(&self) -> &[CorrelationRule] {
        self.correlations.rules()
    }

    /// Figures about the compiled form.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// The rule with this id, name or title.
    pub fn rule(&self, reference: &str) -> Option<&Arc<RuleInfo>> {
        self.find_rule(reference).map(|i| &self.rules[i].info)
    }

    fn find_rule(&self, reference: &str) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.info.is_named(reference))
            .or_else(|| self.rules.iter().position(|r| r.info.title == reference))
    }

    pub(crate) fn correlation_set(&self) -> &Arc<CorrelationSet> {
        &self.correlations
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shareable<T: Send + Sync>() {}

    #[test]
    fn engine_and_correlator_can_cross_threads() {
        shareable::<Engine>();
        shareable::<crate::Detection>();
        fn sendable<T: Send>() {}
        sendable::<crate::Correlator>();
        sendable::<Scratch>();
    }
}
