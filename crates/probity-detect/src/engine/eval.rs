//! Evaluating one event: pick its bucket, run the bucket's literal automata over the fields
//! they watch, open the gates of the rules whose literals were found, then check those rules'
//! conditions (and the ungated ones) with every leaf computed at most once.

use std::cell::RefCell;

use probity_model::Event;

use super::expr::{Expr, KEYWORDS, LeafId};
use super::index::{Bucket, InstanceId, NO_GATE, Scanner};
use super::view::{FieldSlots, View};
use super::{BucketId, Engine};
use crate::detection::{Detection, FieldMatch};
use crate::matcher::{self, Test, Text};

/// The longest event value quoted in a [`FieldMatch`].
const MAX_QUOTED: usize = 512;

const UNKNOWN: u8 = 0;
const TRUE: u8 = 1;
const FALSE: u8 = 2;
/// A glob's literal part was found: the leaf still has to be checked.
const MAYBE: u8 = 3;

/// Working memory for evaluating events, reused from one event to the next so that evaluation
/// allocates little. One per thread; [`Engine::evaluate`] keeps one per thread by itself.
#[derive(Debug, Default)]
pub struct Scratch {
    stamp: u32,
    leaf_stamp: Vec<u32>,
    leaf_state: Vec<u8>,
    gate_stamp: Vec<u32>,
    instance_stamp: Vec<u32>,
    candidates: Vec<InstanceId>,
    fields: FieldSlots,
    /// A field's values joined by NULs, for scanning many short values in one pass.
    joined: String,
    /// A text lower-cased for a prefilter.
    lowered: String,
    buffers: Option<super::view::Buffers>,
}

impl Scratch {
    fn prepare(&mut self, engine: &Engine) {
        let leaves = engine.interner.leaves.len();
        if self.leaf_stamp.len() < leaves {
            self.leaf_stamp.resize(leaves, 0);
            self.leaf_state.resize(leaves, UNKNOWN);
        }
        if self.gate_stamp.len() < engine.gate_slots {
            self.gate_stamp.resize(engine.gate_slots, 0);
        }
        if self.instance_stamp.len() < engine.instances.len() {
            self.instance_stamp.resize(engine.instances.len(), 0);
        }
        self.fields.ensure(engine.interner.field_names.len());
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.leaf_stamp.iter_mut().for_each(|s| *s = 0);
            self.gate_stamp.iter_mut().for_each(|s| *s = 0);
            self.instance_stamp.iter_mut().for_each(|s| *s = 0);
            self.fields.clear();
            self.stamp = 1;
        }
        self.candidates.clear();
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Leaf states for one event.
struct Leaves<'s> {
    stamp: u32,
    stamps: &'s mut [u32],
    states: &'s mut [u8],
}

impl Leaves<'_> {
    fn get(&self, leaf: LeafId) -> u8 {
        let i = leaf as usize;
        if self.stamps.get(i) == Some(&self.stamp) {
            self.states[i]
        } else {
            UNKNOWN
        }
    }

    fn set(&mut self, leaf: LeafId, state: u8) {
        let i = leaf as usize;
        if let Some(stamp) = self.stamps.get_mut(i) {
            *stamp = self.stamp;
            self.states[i] = state;
        }
    }
}

impl Engine {
    /// A new working memory for [`Engine::evaluate_with`].
    pub fn new_scratch(&self) -> Scratch {
        Scratch::default()
    }

    /// Evaluates one event against every rule that could match it and appends a [`Detection`]
    /// to `out` for each rule that does, in rule order. Uses a per-thread [`Scratch`].
    pub fn evaluate(&self, event: &Event, out: &mut Vec<Detection>) {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.evaluate_with(event, &mut scratch, out),
            Err(_) => self.evaluate_with(event, &mut Scratch::default(), out),
        });
    }

    /// [`Engine::evaluate`] with working memory the caller keeps.
    pub fn evaluate_with(&self, event: &Event, scratch: &mut Scratch, out: &mut Vec<Detection>) {
        scratch.prepare(self);
        let stamp = scratch.stamp;
        let Scratch {
            leaf_stamp,
            leaf_state,
            gate_stamp,
            instance_stamp,
            candidates,
            fields,
            joined,
            lowered,
            buffers,
            ..
        } = scratch;
        let mut view = View::new(
            event,
            &self.resolver,
            &self.field_plans,
            &self.field_index,
            fields,
            stamp,
            buffers.take().unwrap_or_default(),
        );
        let mut leaves = Leaves {
            stamp,
            stamps: leaf_stamp,
            states: leaf_state,
        };
        let bucket_id = self.bucket_for(&mut view, lowered);
        let Some(bucket) = self.buckets.get(bucket_id as usize) else {
            *buffers = Some(view.into_buffers());
            return;
        };
        let mut gates = Gates {
            bucket,
            gate_stamp,
            instance_stamp,
            stamp,
            candidates,
            lowered,
        };
        scan(bucket, &mut view, &mut leaves, &mut gates, joined);
        let candidates = gates.candidates;
        candidates.extend_from_slice(&bucket.always);
        candidates.sort_unstable();
        for &id in candidates.iter() {
            let Some(instance) = self.instances.get(id as usize) else {
                continue;
            };
            let mut checker = Checker {
                engine: self,
                view: &mut view,
                leaves: &mut leaves,
            };
            if checker.eval(&instance.expr) {
                out.push(self.detection(instance.rule, &instance.expr, &mut checker));
            }
        }
        *buffers = Some(view.into_buffers());
    }

    fn bucket_for(&self, view: &mut View<'_, '_>, lowered: &mut String) -> BucketId {
        let routing = &self.routing;
        let channel = view
            .values(routing.channel_field)
            .and_then(|v| v.first())
            .cloned();
        if let Some(channel) = channel {
            let channel = channel.as_str();
            let buckets = match routing.channels.get(channel) {
                Some(found) => Some(found),
                None => {
                    lowered.clear();
                    lowered.extend(channel.chars().flat_map(char::to_lowercase));
                    routing.channels.get(lowered.as_str())
                }
            };
            if let Some(buckets) = buckets {
                let event_id = view
                    .values(routing.event_id_field)
                    .and_then(|v| v.first())
                    .and_then(|t| t.as_str().trim().parse::<u32>().ok());
                return event_id
                    .and_then(|e| buckets.by_event_id.get(&e).copied())
                    .unwrap_or(buckets.default);
            }
        }
        for (fields, bucket) in &routing.products {
            if fields.iter().any(|&f| view.values(f).is_some()) {
                return *bucket;
            }
        }
        routing.unrecognised
    }

    fn detection(
        &self,
        rule: u32,
        expr: &Expr,
        checker: &mut Checker<'_, '_, '_, '_>,
    ) -> Detection {
        let compiled = &self.rules[rule as usize];
        let mut matched = Vec::new();
        checker.explain(expr, &mut matched);
        Detection {
            rule: compiled.info.clone(),
            matched,
            standalone: compiled.standalone,
            rule_index: rule,
        }
    }
}

/// The gates opened for one event, and the instances they let through.
struct Gates<'a> {
    bucket: &'a Bucket,
    gate_stamp: &'a mut [u32],
    instance_stamp: &'a mut [u32],
    stamp: u32,
    candidates: &'a mut Vec<InstanceId>,
    /// Room to lower-case a text for a prefilter.
    lowered: &'a mut String,
}

impl Gates<'_> {
    fn open(&mut self, gate: u32) {
        let Some(slot) = self.gate_stamp.get_mut(gate as usize) else {
            return;
        };
        if *slot == self.stamp {
            return;
        }
        *slot = self.stamp;
        let local = (gate - self.bucket.gate_base) as usize;
        let members = self
            .bucket
            .gates
            .get(local)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for &instance in members {
            if let Some(seen) = self.instance_stamp.get_mut(instance as usize)
                && *seen != self.stamp
            {
                *seen = self.stamp;
                self.candidates.push(instance);
            }
        }
    }
}

/// Runs the bucket's automata over the fields they watch, setting the leaves they find and
/// opening gates.
fn scan(
    bucket: &Bucket,
    view: &mut View<'_, '_>,
    leaves: &mut Leaves<'_>,
    gates: &mut Gates<'_>,
    joined: &mut String,
) {
    for scanner in &bucket.scanners {
        if scanner.field == KEYWORDS && scanner.joinable {
            super::view::join_keyword_texts(view.event, joined);
            scan_text(scanner, joined, leaves, gates);
            continue;
        }
        let Some(texts) = view.values(scanner.field) else {
            continue;
        };
        if scanner.joinable && texts.len() > 1 {
            joined.clear();
            for text in texts.iter().filter(|t| !t.is_null) {
                joined.push_str(text.as_str());
                joined.push('\0');
            }
            scan_text(scanner, joined, leaves, gates);
            continue;
        }
        for text in texts.iter().filter(|t| !t.is_null) {
            scan_text(scanner, text.as_str(), leaves, gates);
        }
    }
}

/// Texts shorter than this skip the prefilter: the automaton is as quick on them.
const PREFILTER_MIN_LEN: usize = 32;

/// Whether a scanner's prefilter rules the text out.
fn ruled_out(scanner: &Scanner, haystack: &str, lowered: &mut String) -> bool {
    let Some(prefilter) = &scanner.prefilter else {
        return false;
    };
    if haystack.len() < PREFILTER_MIN_LEN {
        return false;
    }
    if scanner.cased {
        return prefilter.find(haystack).is_none();
    }
    lowered.clear();
    lowered.push_str(haystack);
    lowered.make_ascii_lowercase();
    prefilter.find(lowered.as_str()).is_none()
}

fn scan_text(scanner: &Scanner, haystack: &str, leaves: &mut Leaves<'_>, gates: &mut Gates<'_>) {
    if ruled_out(scanner, haystack, gates.lowered) {
        return;
    }
    for found in scanner.automaton.find_overlapping_iter(haystack) {
        let Some(targets) = scanner.targets.get(found.pattern().as_usize()) else {
            continue;
        };
        for target in targets {
            if !target
                .anchor
                .holds(found.start(), found.end(), haystack.len())
            {
                continue;
            }
            if leaves.get(target.leaf) != TRUE {
                leaves.set(target.leaf, if target.exact { TRUE } else { MAYBE });
            }
            if target.gate != NO_GATE {
                gates.open(target.gate);
            }
        }
    }
}

/// Checks conditions for one event.
struct Checker<'a, 'e, 'v, 's> {
    engine: &'a Engine,
    view: &'v mut View<'e, 'a>,
    leaves: &'v mut Leaves<'s>,
}

impl Checker<'_, '_, '_, '_> {
    fn eval(&mut self, expr: &Expr) -> bool {
        match expr {
            Expr::And(parts) => parts.iter().all(|p| self.eval(p)),
            Expr::Or(parts) => parts.iter().any(|p| self.eval(p)),
            Expr::Not(inner) => !self.eval(inner),
            Expr::Leaf(id) => self.leaf(*id),
            Expr::Const(b) => *b,
        }
    }

    fn leaf(&mut self, id: LeafId) -> bool {
        let Some(leaf) = self.engine.interner.leaves.get(id as usize) else {
            return false;
        };
        let state = self.leaves.get(id);
        match state {
            TRUE => return true,
            FALSE => return false,
            UNKNOWN if leaf.scanned => return false,
            _ => {}
        }
        let result = self.compute(leaf.field, &leaf.test);
        self.leaves.set(id, if result { TRUE } else { FALSE });
        result
    }

    fn compute(&mut self, field: super::expr::FieldId, test: &Test) -> bool {
        if let Test::FieldRef { field: other, .. } = test {
            let others = self.view.values_by_name(other);
            let values = self.view.values(field);
            return matcher::run(test, values, &|_| others.clone());
        }
        let values = self.view.values(field);
        matcher::run(test, values, &|_| None)
    }

    /// The true leaves that made the expression true (not those under `not`).
    fn explain(&mut self, expr: &Expr, out: &mut Vec<FieldMatch>) {
        match expr {
            Expr::And(parts) => {
                for part in parts {
                    self.explain(part, out);
                }
            }
            Expr::Or(parts) => {
                for part in parts {
                    if self.eval(part) {
                        self.explain(part, out);
                    }
                }
            }
            Expr::Leaf(id) => {
                if self.leaves.get(*id) == TRUE {
                    self.quote(*id, out);
                }
            }
            Expr::Not(_) | Expr::Const(_) => {}
        }
    }

    fn quote(&mut self, id: LeafId, out: &mut Vec<FieldMatch>) {
        let Some(leaf) = self.engine.interner.leaves.get(id as usize) else {
            return;
        };
        let field = self
            .engine
            .interner
            .field_names
            .get(leaf.field as usize)
            .cloned()
            .unwrap_or_default();
        let test = leaf.test.clone();
        let value = self
            .view
            .values(leaf.field)
            .and_then(|values| {
                values
                    .iter()
                    .find(|v| matcher::run_one(&test, v) || !test.needs_value())
                    .or(values.first())
            })
            .map(|v| quote_text(v))
            .unwrap_or_default();
        let match_ = FieldMatch {
            field,
            value,
            test: leaf.test.key(),
        };
        if !out.contains(&match_) {
            out.push(match_);
        }
    }
}

fn quote_text(text: &Text<'_>) -> String {
    let raw: &str = text.as_str();
    if raw.len() <= MAX_QUOTED {
        return raw.to_owned();
    }
    let mut end = MAX_QUOTED;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &raw[..end])
}
