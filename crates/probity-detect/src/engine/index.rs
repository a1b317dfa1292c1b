//! Buckets: the rules an event can meet, chosen by its channel and event id, with one
//! many-pattern automaton per field over every literal those rules look for.

use std::collections::{BTreeMap, HashMap};

use aho_corasick::packed::{self, Searcher};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::Instance;
use super::expr::{self, FieldId, Leaf, LeafId};
use crate::matcher::Anchor;

/// An index into the engine's compiled rule instances.
pub(crate) type InstanceId = u32;

/// Pattern sets up to this size get a [`Scanner::prefilter`].
const PREFILTER_PATTERNS: usize = 64;

/// No gate slot.
pub(crate) const NO_GATE: u32 = u32::MAX;

/// One leaf a pattern stands for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub leaf: LeafId,
    pub anchor: Anchor,
    /// Finding the pattern where `anchor` says settles the leaf (false: a glob's literal part).
    pub exact: bool,
    /// The gate slot that opens when this leaf is found ([`NO_GATE`] when none).
    pub gate: u32,
}

/// An automaton over one field's text.
#[derive(Debug)]
pub(crate) struct Scanner {
    pub field: FieldId,
    pub automaton: AhoCorasick,
    /// The leaves each pattern stands for, by pattern id.
    pub targets: Vec<Vec<Target>>,
    /// How many patterns the automaton has.
    pub patterns: usize,
    /// Whether patterns match case-sensitively (else they are lower case and the text is
    /// compared ASCII-case-insensitively).
    pub cased: bool,
    /// For small pattern sets: a SIMD any-match search (Teddy) that rules out most texts far
    /// faster than the automaton can scan them. Case-insensitive sets run it on the text
    /// lower-cased.
    pub prefilter: Option<Searcher>,
    /// Every target is `contains` and no pattern holds a NUL: the field's values may be
    /// scanned joined by NULs in one pass.
    pub joinable: bool,
}

/// The compiled rules an event of one kind meets.
#[derive(Debug, Default)]
pub(crate) struct Bucket {
    /// Instances checked on every event of the bucket (no literal gate).
    pub always: Vec<InstanceId>,
    /// Instances checked only when their gate opens.
    pub gated: usize,
    pub scanners: Vec<Scanner>,
    /// Gate slot (global) → the instances it opens.
    pub gate_base: u32,
    pub gates: Vec<Vec<InstanceId>>,
}

/// Builds a bucket for a set of instances. `gate_base` is the first global gate slot it may use.
pub(crate) fn build_bucket(
    members: &[InstanceId],
    instances: &[Instance],
    leaves: &[Leaf],
    gate_base: u32,
) -> Result<Bucket, String> {
    let mut bucket = Bucket {
        gate_base,
        ..Bucket::default()
    };
    let mut gate_of_leaf: HashMap<LeafId, u32> = HashMap::new();
    let mut literal_leaves: Vec<LeafId> = Vec::new();
    for &member in members {
        let Some(info) = instances.get(member as usize) else {
            continue;
        };
        let mut used = Vec::new();
        expr::leaves_of(&info.expr, &mut used);
        literal_leaves.extend(
            used.into_iter()
                .filter(|id| leaves.get(*id as usize).is_some_and(|l| l.scanned)),
        );
        let Some(gate) = &info.gate else {
            bucket.always.push(member);
            continue;
        };
        bucket.gated += 1;
        for leaf in gate {
            let next = bucket.gates.len() as u32;
            let slot = *gate_of_leaf.entry(*leaf).or_insert(next);
            if slot == next {
                bucket.gates.push(Vec::new());
            }
            bucket.gates[slot as usize].push(member);
        }
    }
    literal_leaves.sort_unstable();
    literal_leaves.dedup();
    bucket.scanners = build_scanners(&literal_leaves, leaves, &gate_of_leaf, gate_base)?;
    Ok(bucket)
}

fn build_scanners(
    literal_leaves: &[LeafId],
    leaves: &[Leaf],
    gate_of_leaf: &HashMap<LeafId, u32>,
    gate_base: u32,
) -> Result<Vec<Scanner>, String> {
    // (field, cased) → pattern text → targets
    let mut groups: BTreeMap<(FieldId, bool), BTreeMap<String, Vec<Target>>> = BTreeMap::new();
    for &id in literal_leaves {
        let Some(leaf) = leaves.get(id as usize) else {
            continue;
        };
        let Some(literal) = leaf.test.literal() else {
            continue;
        };
        let gate = gate_of_leaf
            .get(&id)
            .map(|slot| gate_base + slot)
            .unwrap_or(NO_GATE);
        groups
            .entry((leaf.field, literal.cased))
            .or_default()
            .entry(literal.text.to_owned())
            .or_default()
            .push(Target {
                leaf: id,
                anchor: literal.anchor,
                exact: literal.exact,
                gate,
            });
    }
    let mut scanners = Vec::with_capacity(groups.len());
    for ((field, cased), patterns) in groups {
        let (texts, targets): (Vec<String>, Vec<Vec<Target>>) = patterns.into_iter().unzip();
        let joinable = !texts.iter().any(|t| t.contains('\0'))
            && targets
                .iter()
                .flatten()
                .all(|t| t.anchor == Anchor::Contains);
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(!cased)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&texts)
            .map_err(|e| e.to_string())?;
        let prefilter = if texts.len() <= PREFILTER_PATTERNS {
            packed::Config::new().builder().extend(&texts).build()
        } else {
            None
        };
        scanners.push(Scanner {
            field,
            cased,
            prefilter,
            automaton,
            patterns: texts.len(),
            joinable,
            targets,
        });
    }
    Ok(scanners)
}
