//! The lexicon's automaton copied into a table of its own, for the walk over every normalised
//! byte of every message ([`super::walk`], [`super::walk_lanes`]).
//!
//! The crate's DFA costs, for each byte, a look-up of the byte's class, the add that names the
//! next state's slot, a bounds check on that slot, the load and a comparison that says whether
//! the state is special (a match, or the dead state). Here the table's length is a power of two,
//! so the slot is masked into it rather than checked, and a special state is marked by a bit
//! above every slot ([`SPECIAL`]), which the same mask takes off: the states of the three
//! stretches walked at once are joined with `|` and tested once. The states, their matches and
//! the byte classes are read from the crate's DFA when the lexicon is compiled.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{Anchored, MatchKind, dfa};

use crate::{Error, Result};

/// Set in a state when the state is special: a match, or the dead state. It lies above every
/// slot of the table, so masking a slot into the table also takes it off.
pub(super) const SPECIAL: u32 = 1 << 31;

/// A state of the [`Table`]: the offset of its row of next states, with [`SPECIAL`] set if it
/// is special.
pub(super) type State = u32;

/// Every pattern's unanchored, overlapping DFA as a table of next states.
#[derive(Debug, Clone)]
pub(super) struct Table {
    /// Each byte's class: the bytes of no pattern are one class (read from any state they lead
    /// where every other such byte does), each byte of a pattern has a class of its own.
    classes: [u8; 256],
    /// One row per state, `stride` wide, of the next state for each class, then zeros up to a
    /// power of two.
    next: Box<[State]>,
    /// How many classes there are: the width of a row.
    stride: usize,
    /// The state an unanchored walk starts in.
    start: State,
    /// The dead state, if the walk can reach it (with standard semantics it cannot).
    dead: Option<State>,
    /// Per state (its row's offset over `stride`): the patterns it matches, as (pattern,
    /// length), in the crate's order.
    matches: Vec<Box<[(usize, usize)]>>,
    /// The longest pattern's length.
    longest: usize,
}

impl Table {
    /// Compiles `patterns` into the crate's DFA, with the crate's standard overlapping
    /// semantics, and copies the states an unanchored walk can reach into a table.
    pub(super) fn new(patterns: &[Vec<u8>]) -> Result<Table> {
        let automaton = dfa::Builder::new()
            .match_kind(MatchKind::Standard)
            // The table is walked by hand, with no prefilter.
            .prefilter(false)
            .build(patterns)
            .map_err(|e| Error::invalid("lexicon", e))?;
        let start = automaton
            .start_state(Anchored::No)
            .map_err(|e| Error::invalid("lexicon", e))?;
        let (classes, representatives) = byte_classes(patterns);
        let stride = representatives.len();
        // The states in the order they are first reached, and each one's index in that order.
        let mut order: Vec<StateID> = vec![start];
        let mut index = std::collections::HashMap::from([(start, 0usize)]);
        let mut rows: Vec<usize> = Vec::new();
        let mut at = 0;
        while let Some(&state) = order.get(at) {
            for &byte in &representatives {
                let next = automaton.next_state(Anchored::No, state, byte);
                let known = index.len();
                let next_index = *index.entry(next).or_insert(known);
                if next_index == known {
                    order.push(next);
                }
                rows.push(next_index);
            }
            at += 1;
        }
        let slots = order.len() * stride;
        let len = slots.next_power_of_two();
        if len > SPECIAL as usize {
            return Err(Error::invalid(
                "lexicon",
                format!("{} automaton states are too many to walk", order.len()),
            ));
        }
        let state_of = |index: usize| -> State {
            // Within the table's length, below SPECIAL (checked above).
            let offset = (index * stride) as State;
            let special = order
                .get(index)
                .is_some_and(|&state| automaton.is_special(state));
            if special { offset | SPECIAL } else { offset }
        };
        let mut next = vec![0; len].into_boxed_slice();
        for (slot, &target) in next.iter_mut().zip(&rows) {
            *slot = state_of(target);
        }
        let dead = order
            .iter()
            .position(|&state| automaton.is_dead(state))
            .map(state_of);
        let matches = order
            .iter()
            .map(|&state| {
                if !automaton.is_match(state) {
                    return Box::default();
                }
                (0..automaton.match_len(state))
                    .map(|at| {
                        let pattern = automaton.match_pattern(state, at);
                        (pattern.as_usize(), automaton.pattern_len(pattern))
                    })
                    .collect()
            })
            .collect();
        Ok(Table {
            classes,
            next,
            stride,
            start: state_of(0),
            dead,
            matches,
            longest: automaton.max_pattern_len(),
        })
    }

    /// The state an unanchored walk starts in.
    pub(super) fn start(&self) -> State {
        self.start
    }

    /// The longest pattern's length.
    pub(super) fn longest(&self) -> usize {
        self.longest
    }

    /// The byte classes and the next states, for a loop that steps through them itself (as
    /// [`Table::next_state`] does).
    pub(super) fn parts(&self) -> (&[u8; 256], &[State]) {
        (&self.classes, &self.next)
    }

    /// The state after `byte` from `state`.
    #[inline(always)]
    pub(super) fn next_state(&self, state: State, byte: u8) -> State {
        let (classes, next) = self.parts();
        step(classes, next, state, byte)
    }

    /// Whether `state` is the dead state.
    pub(super) fn is_dead(&self, state: State) -> bool {
        self.dead == Some(state)
    }

    /// The patterns `state` matches, as (pattern, length), in the crate's order; none for a
    /// state that is not a match.
    pub(super) fn matches(&self, state: State) -> &[(usize, usize)] {
        let index = (state & !SPECIAL) as usize / self.stride.max(1);
        self.matches.get(index).map_or(&[], |found| found)
    }
}

/// Whether `state` is special (a match, or the dead state).
#[inline(always)]
pub(super) fn is_special(state: State) -> bool {
    state & SPECIAL != 0
}

/// The state after `byte` from `state`, with `classes` and `next` from [`Table::parts`]. The
/// slot is masked into `next`, whose length is a power of two, so it needs no bounds check; the
/// mask also takes off [`SPECIAL`].
#[inline(always)]
pub(super) fn step(classes: &[u8; 256], next: &[State], state: State, byte: u8) -> State {
    let class = State::from(classes[usize::from(byte)]);
    let mask = next.len().wrapping_sub(1);
    let slot = state.wrapping_add(class) as usize & mask;
    next[slot]
}

/// Each byte's class for an automaton of `patterns`, and one byte of each class. A byte in no
/// pattern leads every state of an unanchored Aho-Corasick automaton where every other such
/// byte does (to the start: it begins no pattern and continues none), so those bytes are one
/// class; each byte of a pattern is a class of its own.
fn byte_classes(patterns: &[Vec<u8>]) -> ([u8; 256], Vec<u8>) {
    let mut used = [false; 256];
    for &byte in patterns.iter().flatten() {
        used[usize::from(byte)] = true;
    }
    let mut classes = [0u8; 256];
    let mut representatives: Vec<u8> = Vec::new();
    // Class 0 is the bytes of no pattern, if there are any.
    if let Some(unused) = (0..=255u8).find(|&byte| !used[usize::from(byte)]) {
        representatives.push(unused);
    }
    for byte in 0..=255u8 {
        if used[usize::from(byte)] {
            // Below 256: at most 256 classes, and class 0 is taken only if a byte is unused.
            classes[usize::from(byte)] = representatives.len() as u8;
            representatives.push(byte);
        }
    }
    (classes, representatives)
}
