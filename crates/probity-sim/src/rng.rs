//! Seeded random streams.
//!
//! Every part of the generator draws from its own ChaCha8 stream, derived from the configuration's
//! seed and a purpose (and, for per-person or per-day work, their numbers). ChaCha8's output is
//! fixed by its specification, so the same seed gives the same force on every platform, and adding
//! draws to one part does not shift any other part.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The random generator used throughout.
pub(crate) type SimRng = ChaCha8Rng;

/// What a stream is for; each purpose gets independent numbers.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum Purpose {
    Org = 1,
    Population = 2,
    Roster = 3,
    Tasking = 4,
    Scenario = 5,
    Activity = 6,
    Host = 7,
}

/// SplitMix64's finaliser: spreads a number over all 64 bits.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A stream for `purpose`, numbered by `a` and `b` (a person, a day…).
pub(crate) fn stream(seed: u64, purpose: Purpose, a: u64, b: u64) -> SimRng {
    let key = mix(mix(mix(seed) ^ purpose as u64) ^ mix(a.wrapping_add(1)) ^ mix(b) << 1);
    ChaCha8Rng::seed_from_u64(key)
}

/// A number from a stream without keeping the stream: for choices that must be the same each time
/// they are asked for (which terminal a person uses on a day).
pub(crate) fn hash(seed: u64, purpose: Purpose, a: u64, b: u64) -> u64 {
    mix(mix(mix(seed) ^ purpose as u64 ^ 0x5555) ^ mix(a) ^ mix(b.wrapping_add(7)))
}

/// One element of a non-empty slice; `None` for an empty one.
pub(crate) fn pick<'a, T>(rng: &mut SimRng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        return None;
    }
    items.get(rng.random_range(0..items.len()))
}

/// An index into `weights` chosen in proportion to the weights (the last index if all are zero).
pub(crate) fn weighted(rng: &mut SimRng, weights: &[u32]) -> usize {
    let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    if total == 0 {
        return weights.len().saturating_sub(1);
    }
    let mut target = rng.random_range(0..total);
    for (index, weight) in weights.iter().enumerate() {
        let weight = u64::from(*weight);
        if target < weight {
            return index;
        }
        target -= weight;
    }
    weights.len().saturating_sub(1)
}

/// Cumulative weights for fast repeated choices from a long list.
#[derive(Debug, Clone)]
pub(crate) struct Cumulative {
    totals: Vec<u64>,
}

impl Cumulative {
    pub(crate) fn new(weights: impl IntoIterator<Item = u64>) -> Self {
        let mut running = 0u64;
        let totals = weights
            .into_iter()
            .map(|weight| {
                running += weight.max(1);
                running
            })
            .collect();
        Self { totals }
    }

    /// An index chosen in proportion to its weight.
    pub(crate) fn sample(&self, rng: &mut SimRng) -> usize {
        let Some(&total) = self.totals.last() else {
            return 0;
        };
        let target = rng.random_range(0..total);
        self.totals.partition_point(|&running| running <= target)
    }
}

/// `true` with probability `p` (clamped to 0..=1).
pub(crate) fn chance(rng: &mut SimRng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// A count with mean `mean`: the whole part always, one more with the fractional part's chance.
pub(crate) fn count_around(rng: &mut SimRng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    let spread = rng.random_range(0.5..1.5) * mean;
    let whole = spread.floor();
    let extra = usize::from(chance(rng, spread - whole));
    whole as usize + extra
}
