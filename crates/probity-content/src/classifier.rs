//! A logistic-regression text classifier over hashed word unigrams and bigrams of normalised text.
//!
//! Features are the words of [`Normalised`] text (so the model sees through the same evasions as
//! the lexicon) and each pair of neighbouring words, hashed into `2^bits` buckets (a word is read
//! eight bytes at a time, each chunk mixed by multiply and shift, then a final mix). Each
//! occurrence counts `1/sqrt(n)` for a text of `n` features, so long and short texts score alike,
//! and beyond [`LONG_TEXT_WORDS`] words the sum is taken down further so that a long text's score
//! does not build up with its length.
//! The probability is `sigmoid(bias + Σ weight × value)`.
//!
//! Models are small binary files: `PCLR`, format version (2 since the word hash changed), `bits`, bias, weight scale and the
//! validation-chosen threshold, then `2^bits` little-endian `i16` weights (weight = i16 × scale).
//! The shipped models are embedded ([`Model::abusive`], [`Model::misogyny`]).

use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::normalise::Normalised;
use crate::{Error, Result};

const MAGIC: &[u8; 4] = b"PCLR";
const FORMAT_VERSION: u32 = 2;
const HEADER_BYTES: usize = 4 + 4 + 4 + 4 + 4 + 4 + 4;
/// Longest character n-gram a model may use.
pub const MAX_CHAR_NGRAM: u32 = 6;
/// Largest hash width a model file may use (2^24 weights, 32 MB).
pub const MAX_BITS: u32 = 24;

const ABUSIVE_MODEL: &[u8] = include_bytes!("../models/abusive.bin");
const MISOGYNY_MODEL: &[u8] = include_bytes!("../models/misogyny.bin");
const MISOGYNY_GATE: &[u8] = include_bytes!("../models/misogyny-gate.bin");

/// A trained classifier.
#[derive(Debug, Clone)]
pub struct Model {
    name: String,
    bits: u32,
    bias: f32,
    /// The threshold chosen on validation data when the model was trained.
    threshold: f32,
    /// Character n-grams of 3 up to this length within words are features too (0: none).
    char_ngrams: u32,
    /// Quantised weights: weight = q × scale.
    weights: Vec<i16>,
    scale: f32,
    /// A cheaper first stage: where it scores a text under its own threshold, the text is
    /// passed over (score 0) without computing this model's costlier features.
    gate: Option<Box<Model>>,
    /// Tells this model's weights apart in [`NgramCache`] (its clones share them, and the id).
    id: u32,
}

/// Each model gets its own id when it is made ([`Model::id`]); 0 is never given.
static NEXT_MODEL_ID: AtomicU32 = AtomicU32::new(1);

fn next_model_id() -> u32 {
    // Wrapping past u32::MAX models would take billions of loads; 0 stays an empty slot's mark.
    match NEXT_MODEL_ID.fetch_add(1, Ordering::Relaxed) {
        0 => NEXT_MODEL_ID.fetch_add(1, Ordering::Relaxed),
        id => id,
    }
}

/// One word or word pair and how much it pushed the score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    /// Normalised byte range of the word (or both words of a pair).
    pub start: usize,
    /// End of that range.
    pub end: usize,
    /// Weight × value: positive pushes towards the class.
    pub weight: f32,
}

impl Model {
    /// The shipped abusive/offensive-language model (trained on the Davidson set).
    pub fn abusive() -> Result<Model> {
        Model::from_bytes("abusive", ABUSIVE_MODEL)
    }

    /// The shipped misogyny/sexism model (trained on EDOS and the GuEST misogyny set).
    pub fn misogyny() -> Result<Model> {
        Ok(Model::from_bytes("misogyny", MISOGYNY_MODEL)?
            .with_gate(Model::from_bytes("misogyny-gate", MISOGYNY_GATE)?))
    }

    /// A model file written by [`Model::to_bytes`].
    pub fn from_path(path: &Path) -> Result<Model> {
        let size = std::fs::metadata(path)
            .map_err(|source| Error::Read {
                path: path.to_path_buf(),
                source,
            })?
            .len();
        let limit = (HEADER_BYTES as u64) + (2u64 << MAX_BITS);
        if size > limit {
            return Err(Error::Model {
                name: path.display().to_string(),
                message: format!("file is {size} bytes; the limit is {limit}"),
            });
        }
        let bytes = std::fs::read(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Model::from_bytes(&name, &bytes)
    }

    /// Decodes a model file.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Model> {
        let bad = |message: &str| Error::Model {
            name: name.to_string(),
            message: message.to_string(),
        };
        if bytes.len() < HEADER_BYTES || &bytes[..4] != MAGIC {
            return Err(bad("not a Probity classifier file (no PCLR header)"));
        }
        let word = |at: usize| [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        let version = u32::from_le_bytes(word(4));
        if version != FORMAT_VERSION {
            return Err(bad(&format!(
                "format version {version}; expected {FORMAT_VERSION}"
            )));
        }
        let bits = u32::from_le_bytes(word(8));
        let bias = f32::from_le_bytes(word(12));
        let scale = f32::from_le_bytes(word(16));
        let threshold = f32::from_le_bytes(word(20));
        let char_ngrams = u32::from_le_bytes(word(24));
        check_shape(bits, char_ngrams).map_err(|message| bad(&message))?;
        let count = 1usize << bits;
        let body = &bytes[HEADER_BYTES..];
        if body.len() != count * 2 {
            return Err(bad(&format!(
                "expected {} weight bytes, found {}",
                count * 2,
                body.len()
            )));
        }
        if !scale.is_finite() || scale <= 0.0 || !bias.is_finite() {
            return Err(bad(
                "the weight scale or bias is not a positive finite number",
            ));
        }
        let weights = body
            .chunks_exact(2)
            .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        Ok(Model {
            name: name.to_string(),
            bits,
            bias,
            threshold,
            char_ngrams,
            weights,
            scale,
            gate: None,
            id: next_model_id(),
        })
    }

    /// Encodes the model (weights quantised to 16 bits).
    pub fn to_bytes(&self) -> Vec<u8> {
        let scale = self.scale;
        let mut out = Vec::with_capacity(HEADER_BYTES + self.weights.len() * 2);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&self.bits.to_le_bytes());
        out.extend_from_slice(&self.bias.to_le_bytes());
        out.extend_from_slice(&scale.to_le_bytes());
        out.extend_from_slice(&self.threshold.to_le_bytes());
        out.extend_from_slice(&self.char_ngrams.to_le_bytes());
        for q in &self.weights {
            out.extend_from_slice(&q.to_le_bytes());
        }
        out
    }

    /// A model from trained parameters.
    /// `char_ngrams` is the longest character n-gram used (0 for none, else 3 to [`MAX_CHAR_NGRAM`]).
    pub fn from_parts(
        name: &str,
        bits: u32,
        char_ngrams: u32,
        bias: f32,
        threshold: f32,
        weights: Vec<f32>,
    ) -> Result<Model> {
        let bad = |message: String| Error::Model {
            name: name.to_string(),
            message,
        };
        check_shape(bits, char_ngrams).map_err(bad)?;
        if weights.len() != 1usize << bits {
            return Err(bad(format!("{} weights for {bits} bits", weights.len())));
        }
        if !bias.is_finite() || weights.iter().any(|w| !w.is_finite()) {
            return Err(bad(
                "a weight or the bias is not a finite number".to_string()
            ));
        }
        let largest = weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if largest > 0.0 {
            largest / 32767.0
        } else {
            1.0
        };
        let weights = weights
            .iter()
            .map(|w| (w / scale).round().clamp(-32767.0, 32767.0) as i16)
            .collect();
        Ok(Model {
            name: name.to_string(),
            bits,
            bias,
            threshold,
            char_ngrams,
            weights,
            scale,
            gate: None,
            id: next_model_id(),
        })
    }

    /// The same model with another stored threshold.
    pub fn with_threshold(mut self, threshold: f32) -> Model {
        self.threshold = threshold;
        self
    }

    /// Puts a cheaper model in front of this one: [`score_all`] computes this model's features
    /// only for texts the gate scores at or above the gate's own threshold, and gives 0 to the
    /// rest. The gate's threshold is set in training low enough that no validation text this
    /// model would flag is passed over.
    pub fn with_gate(mut self, gate: Model) -> Model {
        self.gate = Some(Box::new(gate));
        self
    }

    /// The first stage, if there is one.
    pub fn gate(&self) -> Option<&Model> {
        self.gate.as_deref()
    }

    /// The longest character n-gram among the features (0: words and word pairs only).
    pub fn char_ngrams(&self) -> u32 {
        self.char_ngrams
    }

    /// The model's name (`abusive`, `misogyny`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The threshold chosen on validation data at training time.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The probability (0 to 1) that normalised text belongs to the class, by this model alone
    /// (its gate, if any, is not consulted).
    pub fn score(&self, text: &Normalised) -> f32 {
        let mut scores = Vec::with_capacity(1);
        score_group(&[self], text, &mut scores);
        scores.first().copied().unwrap_or(0.5)
    }

    fn weight(&self, hash: u64) -> f32 {
        let mask = (1u64 << self.bits) - 1;
        f32::from(self.weights[(hash & mask) as usize]) * self.scale
    }

    /// `sigmoid(bias + Σ weight / sqrt(count))`, the sum taken down by `sqrt(LONG_TEXT_WORDS /
    /// words)` for a text of more than [`LONG_TEXT_WORDS`] words.
    fn probability(&self, sum: i64, count: u32, words: u32) -> f32 {
        if count == 0 {
            return sigmoid(self.bias);
        }
        sigmoid(self.bias + (sum as f32) * self.scale / (count as f32).sqrt() * damping(words))
    }

    /// The probability for normalised bytes of at most [`LONG_TEXT_WORDS`] words (not damped),
    /// by this model alone.
    fn score_bytes(&self, bytes: &[u8]) -> f32 {
        let (mut sum, mut count) = (0i64, 0u32);
        let mask = (1u64 << self.bits) - 1;
        for_each_feature_sized(bytes, self.char_ngrams, |hash, _| {
            sum += i64::from(self.weights[(hash & mask) as usize]);
            count += 1;
        });
        self.probability(sum, count, 0)
    }

    /// The passage of a long text (over [`LONG_TEXT_WORDS`] words) that scores highest: passages
    /// are [`PASSAGE_WORDS`] words long and start every half passage, so that any run of half a
    /// passage lies whole inside one. A gated model scores a passage only where its gate lets
    /// the passage through. `None` for a shorter text, which is scored whole.
    ///
    /// A text's score averages over the whole of it, so a misogynistic paragraph inside a long
    /// ordinary email scores low as part of it; scored alone, its passage does not.
    pub fn best_passage(&self, text: &Normalised) -> Option<Passage> {
        if text.words() <= LONG_TEXT_WORDS {
            return None;
        }
        let bytes = text.bytes();
        // Where each word starts (after its space).
        let starts: Vec<usize> = (1..bytes.len())
            .filter(|&i| bytes[i] != b' ' && bytes[i - 1] == b' ')
            .collect();
        if starts.len() <= PASSAGE_WORDS {
            return None;
        }
        let step = PASSAGE_WORDS / 2;
        let mut first_words: Vec<usize> = (0..starts.len() - PASSAGE_WORDS).step_by(step).collect();
        first_words.push(starts.len() - PASSAGE_WORDS);
        let mut best: Option<Passage> = None;
        for first in first_words {
            // The passage with the spaces around it, as a normalised text has them.
            let from = starts[first] - 1;
            let to = starts
                .get(first + PASSAGE_WORDS)
                .copied()
                .unwrap_or(bytes.len());
            let slice = &bytes[from..to];
            if let Some(gate) = self.gate()
                && gate.score_bytes(slice) < gate.threshold()
            {
                continue;
            }
            let score = self.score_bytes(slice);
            if best.is_none_or(|b| score > b.score) {
                best = Some(Passage {
                    score,
                    start: from + 1,
                    end: to.saturating_sub(1).max(from + 1),
                });
            }
        }
        best
    }

    /// The `top` words or word pairs that pushed the score up most, strongest first. A
    /// character n-gram counts for the whole word it is part of, so that the evidence shown is
    /// words (`female`, not `fem`): each word's or pair's weight is the sum of its own feature
    /// and its n-grams that pushed the score up.
    pub fn explain(&self, text: &Normalised, top: usize) -> Vec<Contribution> {
        self.explain_bytes(text.bytes(), 0, damping(text.words()), top)
    }

    /// As [`Model::explain`] for one passage (`start..end` of the normalised bytes, as
    /// [`Model::best_passage`] gives it), scored alone.
    pub fn explain_passage(
        &self,
        text: &Normalised,
        passage: &Passage,
        top: usize,
    ) -> Vec<Contribution> {
        let bytes = text.bytes();
        let from = passage.start.saturating_sub(1).min(bytes.len());
        let to = (passage.end + 1).min(bytes.len()).max(from);
        self.explain_bytes(&bytes[from..to], from, 1.0, top)
    }

    fn explain_bytes(
        &self,
        bytes: &[u8],
        offset: usize,
        damped: f32,
        top: usize,
    ) -> Vec<Contribution> {
        let mut contributions = Vec::new();
        let mut count = 0u32;
        let mut words = WordSpans::new(bytes);
        for_each_feature(bytes, self.char_ngrams, |hash, start, end| {
            count += 1;
            let weight = self.weight(hash);
            if weight > 0.0 {
                let (start, end) = words.whole_words(start, end);
                contributions.push(Contribution {
                    start: start + offset,
                    end: end + offset,
                    weight,
                });
            }
        });
        let norm = (count.max(1) as f32).sqrt() / damped;
        contributions.sort_by_key(|c| (c.start, c.end));
        let mut merged: Vec<Contribution> = Vec::with_capacity(contributions.len());
        for c in contributions {
            match merged.last_mut() {
                Some(last) if last.start == c.start && last.end == c.end => last.weight += c.weight,
                _ => merged.push(c),
            }
        }
        for c in &mut merged {
            c.weight /= norm;
        }
        top_contributions(merged, top)
    }
}

/// The `top` heaviest of `merged` (in order of position), heaviest first, equal weights in
/// order of position: what a stable sort by weight would keep, found without sorting them all
/// (a long text has a contribution for most of its words).
fn top_contributions(mut merged: Vec<Contribution>, top: usize) -> Vec<Contribution> {
    let heavier = |a: &Contribution, b: &Contribution| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| (a.start, a.end).cmp(&(b.start, b.end)))
    };
    if top == 0 {
        merged.clear();
        return merged;
    }
    if top < merged.len() {
        merged.select_nth_unstable_by(top - 1, heavier);
        merged.truncate(top);
    }
    merged.sort_by(heavier);
    merged
}

/// [`whole_words`] for the features of one text, in order of position, remembering the last
/// single word found: every n-gram of a word widens to the same word, and walking to its ends for
/// each one took time in the square of its length (a 110 KB run of letters with no space, which
/// a model found abusive, took 1.5 s to explain; a megabyte would take minutes).
struct WordSpans<'a> {
    bytes: &'a [u8],
    /// The last span found that is one word (no space inside).
    word: Option<(usize, usize)>,
}

impl<'a> WordSpans<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, word: None }
    }

    /// The same as [`whole_words`]`(bytes, start, end)`.
    fn whole_words(&mut self, start: usize, end: usize) -> (usize, usize) {
        let bytes = self.bytes;
        let end = end.min(bytes.len());
        let mut from = start.min(end);
        while from < end && bytes[from] == b' ' {
            from += 1;
        }
        let mut to = end;
        while to > from && bytes[to - 1] == b' ' {
            to -= 1;
        }
        // Inside one word (no space in it) that lies within the last word found: that word.
        let one_word = from < to && !bytes[from..to].contains(&b' ');
        if one_word
            && let Some((word_start, word_end)) = self.word
            && word_start <= from
            && to <= word_end
        {
            return (word_start, word_end);
        }
        let span = whole_words(bytes, start, end);
        if one_word {
            self.word = Some(span);
        }
        span
    }
}

/// `start..end` of normalised `bytes` widened to the whole words it touches, without the spaces
/// around them (a character n-gram of a word padded with spaces starts or ends on one).
fn whole_words(bytes: &[u8], start: usize, end: usize) -> (usize, usize) {
    let end = end.min(bytes.len());
    let mut from = start.min(end);
    while from < end && bytes[from] == b' ' {
        from += 1;
    }
    while from > 0 && bytes[from - 1] != b' ' {
        from -= 1;
    }
    let mut to = end;
    while to > from && bytes[to - 1] == b' ' {
        to -= 1;
    }
    while to < bytes.len() && bytes[to] != b' ' {
        to += 1;
    }
    (from, to)
}

/// The probabilities of several models over the same text, hashing its features once for all of
/// them (or their gates), then once more for each gated model whose gate lets the text through.
pub fn score_all(models: &[&Model], text: &Normalised) -> Vec<f32> {
    // First stage: every model, or its gate where it has one, in shared passes.
    let first: Vec<&Model> = models
        .iter()
        .map(|model| model.gate().unwrap_or(model))
        .collect();
    let mut scores = Vec::with_capacity(models.len());
    for group in first.chunks(SCORED_TOGETHER) {
        score_group(group, text, &mut scores);
    }
    // Second stage: a gated model only where its gate let the text through.
    second_stage(models.iter().copied(), text, &mut scores);
    scores
}

/// Models scored together, built once and shared: one pass over a text's features serves every
/// model (or its gate), and where those first-stage models share a hash width their weights are
/// interleaved, so that one memory access fetches every model's weight for a feature. Scores are
/// exactly those of [`score_all`].
#[derive(Debug, Clone)]
pub struct ModelSet {
    models: Vec<Model>,
    /// The first-stage weights interleaved, when the first-stage models share a hash width.
    interleaved: Option<Interleaved>,
}

/// First-stage weights side by side: model `i`'s weight for bucket `b` is at `b × width + i`.
#[derive(Debug, Clone)]
struct Interleaved {
    bits: u32,
    width: usize,
    weights: Vec<i16>,
    /// Each first-stage model's longest character n-gram (0: words and pairs only).
    limits: [u32; SCORED_TOGETHER],
    /// The longest of `limits`.
    longest: u32,
}

impl ModelSet {
    /// The set of `models`, scored in this order.
    pub fn new(models: Vec<Model>) -> ModelSet {
        let first: Vec<&Model> = models
            .iter()
            .map(|model| model.gate().unwrap_or(model))
            .collect();
        let interleaved = match first.first() {
            Some(one)
                if first.len() > 1
                    && first.len() <= SCORED_TOGETHER
                    && first.iter().all(|m| m.bits == one.bits) =>
            {
                let width = first.len();
                let mut weights = vec![0i16; width << one.bits];
                for (i, model) in first.iter().enumerate() {
                    for (bucket, &q) in model.weights.iter().enumerate() {
                        weights[bucket * width + i] = q;
                    }
                }
                let mut limits = [0u32; SCORED_TOGETHER];
                for (limit, model) in limits.iter_mut().zip(&first) {
                    *limit = model.char_ngrams;
                }
                Some(Interleaved {
                    bits: one.bits,
                    width,
                    weights,
                    limits,
                    longest: first.iter().map(|m| m.char_ngrams).max().unwrap_or(0),
                })
            }
            _ => None,
        };
        ModelSet {
            models,
            interleaved,
        }
    }

    /// The models, in scoring order.
    pub fn models(&self) -> &[Model] {
        &self.models
    }

    /// Each model's probability for the text, in order (see [`score_all`]).
    pub fn score(&self, text: &Normalised) -> Vec<f32> {
        let Some(table) = &self.interleaved else {
            let models: Vec<&Model> = self.models.iter().collect();
            return score_all(&models, text);
        };
        let mut sums = [0i64; SCORED_TOGETHER];
        let mut counts = [0u32; SCORED_TOGETHER];
        let mask = (1u64 << table.bits) - 1;
        let width = table.width;
        if width == 2 && table.longest == 0 {
            // The usual set (the abusive model and the misogyny gate, words and pairs only):
            // every feature counts for both, with no n-gram lengths to check.
            let (mut first, mut second, mut count) = (0i64, 0i64, 0u32);
            let (pairs, _) = table.weights.as_chunks::<2>();
            for_each_feature_sized(text.bytes(), 0, |hash, _| {
                if let Some(&[a, b]) = pairs.get((hash & mask) as usize) {
                    first += i64::from(a);
                    second += i64::from(b);
                    count += 1;
                }
            });
            sums[0] = first;
            sums[1] = second;
            counts[0] = count;
            counts[1] = count;
        } else {
            let limits = table.limits;
            for_each_feature_sized(text.bytes(), table.longest, |hash, n| {
                let base = (hash & mask) as usize * width;
                if let Some(row) = table.weights.get(base..base + width) {
                    for (i, &q) in row.iter().enumerate() {
                        if n <= limits[i] {
                            sums[i] += i64::from(q);
                            counts[i] += 1;
                        }
                    }
                }
            });
        }
        let mut scores: Vec<f32> = self
            .models
            .iter()
            .map(|model| model.gate().unwrap_or(model))
            .enumerate()
            .map(|(i, model)| model.probability(sums[i], counts[i], text.words()))
            .collect();
        second_stage(self.models.iter(), text, &mut scores);
        scores
    }
}

/// Replaces a gate's score by its model's where the gate lets the text through, else by 0.
fn second_stage<'a>(
    models: impl Iterator<Item = &'a Model>,
    text: &Normalised,
    scores: &mut [f32],
) {
    for (model, score) in models.zip(scores.iter_mut()) {
        if let Some(gate) = model.gate() {
            *score = if *score >= gate.threshold {
                model.score(text)
            } else {
                0.0
            };
        }
    }
}

/// Beyond this many words a text's score stops building up with its length.
///
/// Each feature counts `1/sqrt(n)` in a text of `n` features, which keeps short and long posts
/// alike within the lengths the models learnt from (99% of their training texts have fewer than
/// 130 words). Past that, a leaning every part of a text shares grows with the square root of the
/// length: an ordinary sentence repeated a thousand times scored 0.71 for misogyny, 25 KB of
/// policy text about women and girls 0.998, and 6 of 180 long technical documents crossed the
/// policy threshold. Beyond this length the sum is taken down by `sqrt(LONG_TEXT_WORDS / words)`,
/// so that a long text scores as a text of this length with the same average leaning (0.10,
/// 0.33 and none of the 180; `MEASUREMENTS.md`). Training is unchanged (its texts are short).
pub const LONG_TEXT_WORDS: u32 = 128;

/// How many words a passage of a long text has (see [`Model::best_passage`]).
pub const PASSAGE_WORDS: usize = 60;

/// The best-scoring passage of a long text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Passage {
    /// The model's probability for the passage alone.
    pub score: f32,
    /// Normalised byte range of the passage's words (without the spaces around them).
    pub start: usize,
    pub end: usize,
}

/// The factor a text's feature sum is taken down by (1 up to [`LONG_TEXT_WORDS`] words).
fn damping(words: u32) -> f32 {
    if words <= LONG_TEXT_WORDS {
        1.0
    } else {
        (LONG_TEXT_WORDS as f32 / words as f32).sqrt()
    }
}

/// How many models share one pass over the features (sums kept on the stack).
const SCORED_TOGETHER: usize = 4;

fn score_group(models: &[&Model], text: &Normalised, scores: &mut Vec<f32>) {
    if let [model] = models {
        // One model (a gated model's second stage): every feature is its own, with no lengths
        // to compare and the mask worked out once.
        debug_assert_eq!(model.weights.len(), 1usize << model.bits);
        let (mut sum, mut count) = (0i64, 0u32);
        if let Some(mask) = bucket_mask(&model.weights) {
            let cached = model.char_ngrams >= 3
                && NGRAM_CACHE.with(|cache| {
                    let Ok(mut cache) = cache.try_borrow_mut() else {
                        return false;
                    };
                    (sum, count) = match model.char_ngrams {
                        3 => cached_sums::<3>(model, mask, text.bytes(), &mut cache),
                        4 => cached_sums::<4>(model, mask, text.bytes(), &mut cache),
                        5 => cached_sums::<5>(model, mask, text.bytes(), &mut cache),
                        _ => cached_sums::<{ MAX_CHAR_NGRAM as usize }>(
                            model,
                            mask,
                            text.bytes(),
                            &mut cache,
                        ),
                    };
                    true
                });
            if !cached {
                for_each_feature_sized(text.bytes(), model.char_ngrams, |hash, _| {
                    if let Some(&weight) = model.weights.get(hash as usize & mask) {
                        sum += i64::from(weight);
                        count += 1;
                    }
                });
            }
        }
        scores.push(model.probability(sum, count, text.words()));
        return;
    }
    let longest = models.iter().map(|m| m.char_ngrams).max().unwrap_or(0);
    let mut sums = [0i64; SCORED_TOGETHER];
    let mut counts = [0u32; SCORED_TOGETHER];
    for_each_feature_sized(text.bytes(), longest, |hash, n| {
        for (i, model) in models.iter().enumerate() {
            if n > model.char_ngrams {
                continue;
            }
            let mask = (1u64 << model.bits) - 1;
            sums[i] += i64::from(model.weights[(hash & mask) as usize]);
            counts[i] += 1;
        }
    });
    for (i, model) in models.iter().enumerate() {
        scores.push(model.probability(sums[i], counts[i], text.words()));
    }
}

/// Words of at most this many bytes have their n-gram sums kept in the [`NgramCache`].
const CACHED_WORD_BYTES: usize = 16;
/// Slots of the [`NgramCache`] (a power of two): 256 KiB a thread.
const NGRAM_CACHE_SLOTS: usize = 8192;

/// One word's character n-gram weights summed for one model.
#[derive(Debug, Clone, Copy, Default)]
struct NgramSlot {
    /// The word's bytes, zero-padded; with `len` and `model`, the key.
    word: [u64; 2],
    sum: i32,
    count: u16,
    /// 0 in an empty slot (no word is empty).
    len: u8,
    model: u32,
}

/// A word's character n-grams, within the word and its padding spaces, depend on the word alone,
/// and a model's weights for them sum to the same whichever text the word is in. Mail repeats its
/// words ("the", "and", "please", the names of the list and its people), so the n-gram part of a
/// repeated word is looked up here instead of hashing and weighing each of its n-grams again
/// (three for each letter with n-grams of 3 to 5). Direct-mapped by the word's hash, keyed by
/// the word's own bytes, so that a hit is always the same word's sum: the scores are exactly
/// those of the walk over every feature.
struct NgramCache {
    slots: Box<[NgramSlot]>,
}

thread_local! {
    static NGRAM_CACHE: RefCell<NgramCache> = RefCell::new(NgramCache {
        slots: vec![NgramSlot::default(); NGRAM_CACHE_SLOTS].into_boxed_slice(),
    });
}

/// The word's bytes as the cache's key (at most [`CACHED_WORD_BYTES`]).
#[inline(always)]
fn word_key(word: &[u8]) -> [u64; 2] {
    let mut padded = [0u8; CACHED_WORD_BYTES];
    padded[..word.len()].copy_from_slice(word);
    let (low, high) = padded.split_at(8);
    let mut low_bytes = [0u8; 8];
    let mut high_bytes = [0u8; 8];
    low_bytes.copy_from_slice(low);
    high_bytes.copy_from_slice(high);
    [
        u64::from_le_bytes(low_bytes),
        u64::from_le_bytes(high_bytes),
    ]
}

/// The sum of the model's weights over the features of `bytes` and their number, as the walk
/// over every feature gives them, with each word's n-gram part from the cache where it is there.
/// Only a word with a space on either side has its n-grams padded on both sides, so only such a
/// word (not the first or the last of the text) goes through the cache.
#[inline(always)]
fn cached_sums<const LONGEST: usize>(
    model: &Model,
    mask: usize,
    bytes: &[u8],
    cache: &mut NgramCache,
) -> (i64, u32) {
    let weights = &model.weights[..];
    let weigh = |hash: u64| weights.get(hash as usize & mask).copied().map(i64::from);
    let (mut sum, mut count) = (0i64, 0u32);
    let len = bytes.len();
    let slot_mask = cache.slots.len().saturating_sub(1);
    walk_words(bytes, |hash, start, end, previous| {
        if let Some(weight) = weigh(hash) {
            sum += weight;
            count += 1;
        }
        let from = start.saturating_sub(1);
        let padded = &bytes[from..(end + 1).min(len)];
        let word_len = end - start;
        let ngrams = |sum: &mut i64, count: &mut u32| {
            char_ngrams_sized::<LONGEST>(padded, &mut |hash, _| {
                if let Some(weight) = weigh(hash) {
                    *sum += weight;
                    *count += 1;
                }
            });
        };
        if start > 0 && end < len && word_len <= CACHED_WORD_BYTES {
            let key = word_key(&bytes[start..end]);
            let index = (hash >> 40) as usize & slot_mask;
            if let Some(slot) = cache.slots.get_mut(index) {
                if slot.model == model.id && usize::from(slot.len) == word_len && slot.word == key {
                    sum += i64::from(slot.sum);
                    count += u32::from(slot.count);
                } else {
                    let (mut word_sum, mut word_count) = (0i64, 0u32);
                    ngrams(&mut word_sum, &mut word_count);
                    sum += word_sum;
                    count += word_count;
                    // At most 3 × 18 n-grams of at most 32767 each: both fit.
                    if let (Ok(word_sum), Ok(word_count), Ok(word_len)) = (
                        i32::try_from(word_sum),
                        u16::try_from(word_count),
                        u8::try_from(word_len),
                    ) {
                        *slot = NgramSlot {
                            word: key,
                            sum: word_sum,
                            count: word_count,
                            len: word_len,
                            model: model.id,
                        };
                    }
                }
            }
        } else {
            ngrams(&mut sum, &mut count);
        }
        if let Some((prev_hash, _)) = previous
            && let Some(weight) = weigh(finish(prev_hash.rotate_left(17) ^ hash ^ BIGRAM_SALT))
        {
            sum += weight;
            count += 1;
        }
    });
    (sum, count)
}

/// The mask that takes a hash to a bucket of `weights` (`2^bits` of them, so the hash width's
/// mask), worked out from their number so that the compiler sees every bucket is in bounds and
/// checks none; `None` for no weights, where no feature has one (never for a model: a model has
/// `2^bits` weights, `bits` at least 1).
#[inline(always)]
fn bucket_mask<T>(weights: &[T]) -> Option<usize> {
    weights.len().checked_sub(1)
}

/// Checks a hash width and character n-gram length.
pub fn check_shape(bits: u32, char_ngrams: u32) -> std::result::Result<(), String> {
    if bits == 0 || bits > MAX_BITS {
        return Err(format!(
            "hash width {bits} bits is out of range (1 to {MAX_BITS})"
        ));
    }
    if char_ngrams > MAX_CHAR_NGRAM || (1..3).contains(&char_ngrams) {
        return Err(format!(
            "character n-gram length {char_ngrams} is out of range (0, or 3 to {MAX_CHAR_NGRAM})"
        ));
    }
    Ok(())
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;
/// Mixed into a bigram's hash so that it never equals a unigram's.
const BIGRAM_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

/// Calls `visit(hash, start, end)` for every word and every pair of neighbouring words of
/// normalised bytes, and every character n-gram of 3 to `char_ngrams` bytes within a word.
pub(crate) fn for_each_feature(
    bytes: &[u8],
    char_ngrams: u32,
    mut visit: impl FnMut(u64, usize, usize),
) {
    features_with_size(bytes, char_ngrams, |hash, _, start, end| {
        visit(hash, start, end)
    });
}

/// Like [`for_each_feature`] without positions: `visit(hash, n)` with `n` the n-gram length, or
/// 0 for a word or word pair. The same features in the same order, with the longest n-gram fixed
/// at compile time, so that each n-gram's mask and length tag are constants and the loop over
/// lengths is unrolled (scoring is most of a classifier's cost, and it needs no positions).
#[inline(always)]
fn for_each_feature_sized(bytes: &[u8], char_ngrams: u32, visit: impl FnMut(u64, u32)) {
    match char_ngrams {
        0..=2 => features_sized::<0>(bytes, visit),
        3 => features_sized::<3>(bytes, visit),
        4 => features_sized::<4>(bytes, visit),
        5 => features_sized::<5>(bytes, visit),
        _ => features_sized::<{ MAX_CHAR_NGRAM as usize }>(bytes, visit),
    }
}

/// [`for_each_feature_sized`] for n-grams of 3 to `LONGEST` bytes (none where `LONGEST` is
/// under 3).
#[inline(always)]
fn features_sized<const LONGEST: usize>(bytes: &[u8], mut visit: impl FnMut(u64, u32)) {
    walk_words(bytes, |hash, start, end, previous| {
        visit(hash, 0);
        if LONGEST >= 3 {
            let from = start.saturating_sub(1);
            let padded = &bytes[from..(end + 1).min(bytes.len())];
            char_ngrams_sized::<LONGEST>(padded, &mut visit);
        }
        if let Some((prev_hash, _)) = previous {
            visit(finish(prev_hash.rotate_left(17) ^ hash ^ BIGRAM_SALT), 0);
        }
    });
}

/// Walks the words of normalised `bytes` that hold a letter: `on_word` gets each word's hash, its
/// byte range, and the hash and start of the word before it when the two make a pair (no word
/// without letters between them).
#[inline(always)]
fn walk_words(bytes: &[u8], mut on_word: impl FnMut(u64, usize, usize, Option<(u64, usize)>)) {
    let mut previous: Option<(u64, usize)> = None;
    let len = bytes.len();
    let mut at = 0;
    while at < len {
        if bytes[at] == b' ' {
            at += 1;
            continue;
        }
        let start = at;
        let (hash, letters, end) = hash_word(bytes, start);
        // A word ends at a space (or the end): the next word can start no sooner than after it.
        at = end + 1;
        if !letters {
            // Numbers, dates and reference numbers say nothing about abuse, and data files are
            // full of them: they are not features, and a word pair does not span them.
            previous = None;
            continue;
        }
        on_word(hash, start, end, previous);
        previous = Some((hash, start));
    }
}

/// The n-grams of [`char_ngram_features`] without positions, `LONGEST` fixed: each byte ends one
/// n-gram of each length from 3 to `LONGEST` that fits before it. The lengths are constants in
/// both unrolled loops, so that each n-gram's mask and length tag are constants for the first
/// bytes of a word too (most words are short, and those bytes end a third of their n-grams).
#[inline(always)]
fn char_ngrams_sized<const LONGEST: usize>(padded: &[u8], visit: &mut impl FnMut(u64, u32)) {
    // The first `LONGEST - 1` bytes end only the n-grams that fit before them; every later byte
    // ends one of each length, with nothing to check.
    let warm = LONGEST.saturating_sub(1).min(padded.len());
    let (first, rest) = padded.split_at(warm);
    let mut rolling = 0u64;
    for (i, &b) in first.iter().enumerate() {
        rolling = (rolling << 8) | u64::from(b);
        for n in 3..=LONGEST {
            if n <= i + 1 {
                visit(ngram_hash(rolling, n), n as u32);
            }
        }
    }
    for &b in rest {
        rolling = (rolling << 8) | u64::from(b);
        for n in 3..=LONGEST {
            visit(ngram_hash(rolling, n), n as u32);
        }
    }
}

/// The hash of the `n` bytes last rolled into `rolling` (as [`char_ngram_features`] makes it).
#[inline(always)]
fn ngram_hash(rolling: u64, n: usize) -> u64 {
    let packed = rolling & ((1u64 << (8 * n)) - 1);
    let tag = (n as u64) << 56;
    finish(packed ^ tag ^ CHAR_SALT)
}

#[inline(always)]
fn features_with_size(
    bytes: &[u8],
    char_ngrams: u32,
    mut visit: impl FnMut(u64, u32, usize, usize),
) {
    walk_words(bytes, |hash, start, end, previous| {
        visit(hash, 0, start, end);
        if char_ngrams >= 3 {
            // The word with its padding spaces, so that n-grams mark where words begin and end.
            let from = start.saturating_sub(1);
            let padded = &bytes[from..(end + 1).min(bytes.len())];
            char_ngram_features(padded, char_ngrams, from, &mut visit);
        }
        if let Some((prev_hash, prev_start)) = previous {
            let pair = finish(prev_hash.rotate_left(17) ^ hash ^ BIGRAM_SALT);
            visit(pair, 0, prev_start, end);
        }
    });
}

const SPACES: u64 = 0x2020_2020_2020_2020;
const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
/// Multiplier for mixing a word's 8-byte chunks (the golden ratio's bits).
const WORD_MIX: u64 = 0x9e37_79b9_7f4a_7c15;

/// Eight bytes from `at` as a little-endian word, padded with spaces past the end.
#[inline(always)]
fn load8(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(chunk) => {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            u64::from_le_bytes(word)
        }
        None => {
            let mut word = [b' '; 8];
            let tail = bytes.get(at..).unwrap_or_default();
            word[..tail.len()].copy_from_slice(tail);
            u64::from_le_bytes(word)
        }
    }
}

/// The hash of the word starting at `start` (up to the next space), whether it holds anything
/// but digits, and where it ends. The word is read eight bytes at a time.
#[inline(always)]
fn hash_word(bytes: &[u8], start: usize) -> (u64, bool, usize) {
    let mut hash = FNV_OFFSET;
    let mut at = start;
    let mut not_digit = 0u64;
    loop {
        let chunk = load8(bytes, at);
        let spaces = chunk ^ SPACES;
        // The lowest byte flagged here is the first space (higher flags may be false).
        let found = spaces.wrapping_sub(LOW_BITS) & !spaces & HIGH_BITS;
        // The bytes before the first space (all eight where there is none), without a branch:
        // the lowest flag alone, moved to the bottom of its byte, less one.
        let keep = ((found & found.wrapping_neg()) >> 7).wrapping_sub(1);
        let taken = (found.trailing_zeros() / 8) as usize;
        let part = chunk & keep;
        // Digits are 0x30-0x39: a byte whose high nibble is not 3 is a letter (or `#`).
        not_digit |= ((part & 0xf0f0_f0f0_f0f0_f0f0) ^ 0x3030_3030_3030_3030) & keep;
        hash = (hash ^ part).wrapping_mul(WORD_MIX);
        hash ^= hash >> 29;
        at += taken;
        if found != 0 {
            // Past the end the bytes read as spaces, so this is reached there too.
            break;
        }
    }
    let end = at.min(bytes.len());
    let hash = finish(hash ^ ((end - start) as u64).wrapping_mul(FNV_PRIME));
    (hash, not_digit != 0, end)
}

/// N-grams of up to 6 bytes are packed into a `u64` (with their length in the top byte) and mixed;
/// the packing rolls along the word, so each byte is read once.
#[inline(always)]
fn char_ngram_features(
    padded: &[u8],
    longest: u32,
    offset: usize,
    visit: &mut impl FnMut(u64, u32, usize, usize),
) {
    let longest = longest.min(MAX_CHAR_NGRAM) as usize;
    let last = offset + padded.len().saturating_sub(1);
    let mut rolling = 0u64;
    for (i, &b) in padded.iter().enumerate() {
        rolling = (rolling << 8) | u64::from(b);
        let end = i + 1;
        for n in 3..=longest.min(end) {
            let packed = rolling & ((1u64 << (8 * n)) - 1);
            let tag = (n as u64) << 56;
            let start = (offset + end - n).max(offset + 1);
            let stop = (offset + end).min(last).max(start);
            visit(finish(packed ^ tag ^ CHAR_SALT), n as u32, start, stop);
        }
    }
}

/// Mixed into a character n-gram's hash.
const CHAR_SALT: u64 = 0x2545_f491_4f6c_dd1d;

/// A final mix so that the low bits (the bucket) depend on every input byte.
#[inline(always)]
fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;

    /// Ordinary sentences around a misogynistic passage (the project's own writing).
    fn long_mail_with_passage() -> (String, &'static str) {
        let filler =
            "The rota for next week is attached and the briefing is at nine in the main room. ";
        let passage = "Women are too emotional and stupid to be in charge of anything, they should stay at \
                       home and obey their husbands. Females only get promoted because they sleep with the \
                       boss, every woman in this job is useless.";
        (
            format!("{}{passage} {}", filler.repeat(15), filler.repeat(15)),
            passage,
        )
    }

    #[test]
    fn the_best_passage_of_a_long_text_is_scored_alone() {
        let model = Model::misogyny().unwrap();
        let (text, passage) = long_mail_with_passage();
        let normalised = normalise(&text);
        assert!(normalised.words() > LONG_TEXT_WORDS);
        // As a whole the text is ordinary; its passage alone is not.
        assert!(
            model.score(&normalised) < 0.3,
            "{}",
            model.score(&normalised)
        );
        let best = model.best_passage(&normalised).unwrap();
        assert!(best.score >= 0.6, "{best:?}");
        let inner = normalise(passage);
        let inner = inner.as_str().trim();
        let start = normalised.as_str().find(inner).unwrap();
        // The passage found overlaps the one written in.
        assert!(
            best.start < start + inner.len() && start < best.end,
            "{best:?} {start}"
        );
        // The evidence is words of the passage.
        let evidence = model.explain_passage(&normalised, &best, 3);
        assert!(!evidence.is_empty());
        for c in &evidence {
            assert!(
                c.start >= best.start.saturating_sub(1) && c.end <= best.end + 1,
                "{c:?}"
            );
        }
        // The filler alone has no passage that reads so, and a short text is scored whole only.
        let filler = normalise(&text.replace(passage, ""));
        assert!(model.best_passage(&filler).is_none_or(|p| p.score < 0.3));
        assert_eq!(model.best_passage(&normalise(passage)), None);
    }

    #[test]
    fn only_texts_past_the_learnt_lengths_are_damped() {
        assert_eq!(damping(0), 1.0);
        assert_eq!(damping(LONG_TEXT_WORDS), 1.0);
        assert!((damping(LONG_TEXT_WORDS * 4) - 0.5).abs() < 1e-6);
        assert!((damping(LONG_TEXT_WORDS * 100) - 0.1).abs() < 1e-6);
    }

    #[test]
    fn round_trips_through_bytes() {
        let mut weights = vec![0.0; 1 << 4];
        weights[3] = 1.5;
        weights[7] = -0.25;
        let model = Model::from_parts("t", 4, 0, 0.1, 0.6, weights).unwrap();
        let back = Model::from_bytes("t", &model.to_bytes()).unwrap();
        assert_eq!(back.bits, 4);
        assert!((f32::from(back.weights[3]) * back.scale - 1.5).abs() < 1e-3);
        assert!((f32::from(back.weights[7]) * back.scale + 0.25).abs() < 1e-3);
        assert!((back.threshold() - 0.6).abs() < 1e-6);
    }

    /// Evidence is whole words: a model of character n-grams alone (every feature weighing the
    /// same) credits each word with the sum of its n-grams, once, and never shows a fragment.
    #[test]
    fn evidence_is_whole_words_with_their_ngrams_summed() {
        // Bits 1 and threshold 0: every hash lands on a positive weight.
        let model = Model::from_parts("t", 1, 4, 0.0, 0.0, vec![1.0, 1.0]).unwrap();
        let text = normalise("the female sergeant");
        let evidence = model.explain(&text, 20);
        let bytes = text.bytes();
        let shown: Vec<&str> = evidence
            .iter()
            .map(|c| text.as_str().get(c.start..c.end).unwrap())
            .collect();
        for c in &evidence {
            assert!(c.start > 0 && bytes[c.start - 1] == b' ', "{shown:?}");
            assert!(c.end < bytes.len() && bytes[c.end] == b' ', "{shown:?}");
        }
        let mut sorted = shown.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), shown.len(), "each span once: {shown:?}");
        for word in ["the", "female", "sergeant", "the female", "female sergeant"] {
            assert!(shown.contains(&word), "{word} missing from {shown:?}");
        }
        // A longer word has more n-grams of 3 and 4 letters: it weighs more.
        let weight = |w: &str| evidence[shown.iter().position(|s| *s == w).unwrap()].weight;
        assert!(weight("sergeant") > weight("female") && weight("female") > weight("the"));
    }

    proptest::proptest! {
        /// Remembering the last word gives every feature of a text the span walking to the word
        /// ends gives it.
        #[test]
        fn word_spans_are_whole_words(text in "[ab ]{0,60}", ngrams in 0u32..6) {
            let bytes = text.as_bytes();
            let mut words = WordSpans::new(bytes);
            for_each_feature(bytes, ngrams, |_, start, end| {
                assert_eq!(words.whole_words(start, end), whole_words(bytes, start, end));
            });
        }
    }

    /// Explaining a score over one very long word takes time in its length, not its square.
    #[test]
    fn a_long_word_is_explained_quickly() {
        let model = Model::from_parts("t", 12, 4, 0.0, 0.5, vec![1.0; 1 << 12]).unwrap();
        let word = "to".repeat(500_000);
        let started = std::time::Instant::now();
        let evidence = model.explain_bytes(word.as_bytes(), 0, 1.0, 3);
        assert_eq!(evidence[0].start, 0);
        assert_eq!(evidence[0].end, word.len());
        // Walking to the word's ends for each of its million n-grams took hours.
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
    }

    #[test]
    fn whole_words_widens_to_word_ends() {
        let bytes = b" the female officer ";
        assert_eq!(whole_words(bytes, 5, 8), (5, 11)); // "fem" -> "female"
        assert_eq!(whole_words(bytes, 4, 7), (5, 11)); // " fe" -> "female"
        assert_eq!(whole_words(bytes, 16, 20), (12, 19)); // "cer " -> "officer"
        assert_eq!(whole_words(bytes, 1, 11), (1, 11)); // a pair stays as it is
    }

    #[test]
    fn damaged_files_are_errors() {
        assert!(Model::from_bytes("t", b"nope").is_err());
        let model = Model::from_parts("t", 4, 0, 0.0, 0.5, vec![0.0; 16]).unwrap();
        assert!(Model::from_parts("t", 4, 0, 0.0, 0.5, vec![0.0; 15]).is_err());
        assert!(Model::from_parts("t", 40, 0, 0.0, 0.5, Vec::new()).is_err());
        let bytes = model.to_bytes();
        assert!(Model::from_bytes("t", &bytes[..bytes.len() - 1]).is_err());
    }

    /// A model file whose hash width is out of range is an error, as trained parameters of that
    /// width are: a width of 63 bits with no weights overflowed the count of weight bytes (a
    /// panic; or, wrapped to 0, a model of no weights that panicked when it scored), and one of
    /// 64 the shift.
    #[test]
    fn a_model_file_of_a_hash_width_out_of_range_is_an_error() {
        let model = Model::from_parts("t", 4, 0, 0.0, 0.5, vec![0.0; 16]).unwrap();
        let header = &model.to_bytes()[..HEADER_BYTES];
        for bits in [0u32, MAX_BITS + 1, 63, 64, u32::MAX] {
            let mut bytes = header.to_vec();
            bytes[8..12].copy_from_slice(&bits.to_le_bytes());
            let error = Model::from_bytes("t", &bytes).unwrap_err().to_string();
            assert!(error.contains("hash width"), "{bits}: {error}");
        }
    }

    /// A gated model is scored in full only where its gate lets the text through, and then
    /// exactly as without the gate; the shipped misogyny model has its gate.
    #[test]
    fn a_gate_passes_over_text_below_its_level() {
        let full = Model::from_parts("full", 8, 5, 0.3, 0.5, vec![0.7; 256]).unwrap();
        let text = normalise("anything at all");
        let alone = full.score(&text);
        let open_gate = Model::from_parts("gate", 8, 0, 0.0, 0.0, vec![0.0; 256]).unwrap();
        let opened = full.clone().with_gate(open_gate.clone());
        assert_eq!(score_all(&[&opened], &text), vec![alone]);
        // The gate scores 0.5 (no weights, no bias): a level above that passes the text over.
        let shut = full.clone().with_gate(open_gate.with_threshold(0.6));
        assert_eq!(score_all(&[&shut], &text), vec![0.0]);
        // Ungated models beside it are unaffected.
        assert_eq!(score_all(&[&full, &shut], &text), vec![alone, 0.0]);
        let shipped = Model::misogyny().unwrap();
        let gate = shipped.gate().expect("the misogyny model has a gate");
        assert_eq!(gate.char_ngrams(), 0);
        assert!(shipped.char_ngrams() > 0);
        assert!(gate.threshold() > 0.0 && gate.threshold() < shipped.threshold());
    }

    /// The word hash as first written (a branch for each way a chunk can end), kept to check
    /// that the branch-free one gives the same hashes: the shipped models were trained on them.
    fn hash_word_as_first_written(bytes: &[u8], start: usize) -> (u64, bool, usize) {
        let mut hash = FNV_OFFSET;
        let mut at = start;
        let mut not_digit = 0u64;
        loop {
            let chunk = load8(bytes, at);
            let spaces = chunk ^ SPACES;
            let found = spaces.wrapping_sub(LOW_BITS) & !spaces & HIGH_BITS;
            let (part, taken) = if found == 0 {
                (chunk, 8)
            } else {
                let taken = (found.trailing_zeros() / 8) as usize;
                let keep = if taken == 0 {
                    0
                } else {
                    u64::MAX >> (64 - 8 * taken)
                };
                (chunk & keep, taken)
            };
            let nibbles = ((part & 0xf0f0_f0f0_f0f0_f0f0) ^ 0x3030_3030_3030_3030)
                & (if taken == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * taken)).wrapping_sub(1)
                });
            not_digit |= nibbles;
            hash = (hash ^ part).wrapping_mul(WORD_MIX);
            hash ^= hash >> 29;
            at += taken;
            if taken < 8 {
                break;
            }
        }
        let end = at.min(bytes.len());
        let hash = finish(hash ^ ((end - start) as u64).wrapping_mul(FNV_PRIME));
        (hash, not_digit != 0, end)
    }

    proptest::proptest! {
        /// Every word of any normalised-looking text (lower-case letters, digits, `#`, single
        /// spaces, with or without the closing space) hashes as it did when the models were
        /// trained.
        #[test]
        fn word_hashes_are_those_the_models_were_trained_on(
            text in "[a-z0-9# ]{0,80}",
            from in 0usize..80,
        ) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            if bytes.get(from) != Some(&b' ') {
                proptest::prop_assert_eq!(
                    hash_word(bytes, from),
                    hash_word_as_first_written(bytes, from)
                );
            }
        }
    }

    proptest::proptest! {
        /// The heaviest contributions are those a stable sort of them all by weight keeps,
        /// equal weights included.
        #[test]
        fn the_top_contributions_are_those_a_full_sort_keeps(
            weights in proptest::collection::vec(0u8..6, 0..40),
            top in 0usize..45,
        ) {
            let merged: Vec<Contribution> = weights
                .iter()
                .enumerate()
                .map(|(i, &w)| Contribution { start: 2 * i, end: 2 * i + 1, weight: f32::from(w) / 2.0 })
                .collect();
            let mut expected = merged.clone();
            expected.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            expected.truncate(top);
            proptest::prop_assert_eq!(top_contributions(merged, top), expected);
        }
    }

    proptest::proptest! {
        /// A word's hash depends on the word alone (not where it sits or what follows it), and
        /// the word ends at the next space.
        #[test]
        fn word_hashes_depend_on_the_word_alone(
            word in "[a-z0-9#]{1,30}",
            before in "[a-z ]{0,20}",
            after in "[a-z ]{0,20}",
        ) {
            let alone = format!("{word} ");
            let placed = format!("{before} {word} {after}");
            let (hash, letters, end) = hash_word(alone.as_bytes(), 0);
            let start = before.len() + 1;
            let (hash_placed, letters_placed, end_placed) = hash_word(placed.as_bytes(), start);
            proptest::prop_assert_eq!(end, word.len());
            proptest::prop_assert_eq!(end_placed, start + word.len());
            proptest::prop_assert_eq!(hash, hash_placed);
            proptest::prop_assert_eq!(hash, hash_word(word.as_bytes(), 0).0);
            let has_letters = word.bytes().any(|b| !b.is_ascii_digit());
            proptest::prop_assert_eq!(letters, has_letters);
            proptest::prop_assert_eq!(letters_placed, has_letters);
        }
    }

    /// Interleaved weights score exactly as the models one by one, gates included; models of
    /// different widths fall back to separate tables.
    #[test]
    fn a_model_set_scores_as_the_models_alone() {
        let texts = [
            "Morning all, the rota for next week is attached.",
            "you stupid bitch, get back in the kitchen",
            "women should not be allowed to be officers",
            "",
            "2024 01 02",
        ];
        let shipped = [Model::abusive().unwrap(), Model::misogyny().unwrap()];
        let set = ModelSet::new(shipped.to_vec());
        assert!(set.interleaved.is_some());
        let narrow = Model::from_parts("narrow", 8, 0, 0.2, 0.5, vec![0.3; 256]).unwrap();
        let mixed = ModelSet::new(vec![shipped[0].clone(), narrow.clone()]);
        assert!(mixed.interleaved.is_none());
        for text in texts {
            let text = normalise(text);
            let one_by_one = score_all(&[&shipped[0], &shipped[1]], &text);
            assert_eq!(set.score(&text), one_by_one);
            assert_eq!(
                mixed.score(&text),
                score_all(&[&shipped[0], &narrow], &text)
            );
        }
        let misogyny = normalise("women should not be allowed to be officers");
        assert!(set.score(&misogyny)[1] > 0.0, "the gate lets this through");
    }

    /// Three first-stage models of one width, one with character n-grams: interleaved, but not
    /// the two-model words-only path.
    #[test]
    fn a_wider_model_set_with_ngrams_scores_as_the_models_alone() {
        let abusive = Model::abusive().unwrap();
        let misogyny = Model::misogyny().unwrap();
        let weights = (0..1usize << abusive.bits)
            .map(|i| ((i % 13) as f32 - 6.0) / 10.0)
            .collect();
        let ngrams = Model::from_parts("ngrams", abusive.bits, 4, -0.1, 0.5, weights).unwrap();
        let set = ModelSet::new(vec![abusive.clone(), ngrams.clone(), misogyny.clone()]);
        let table = set.interleaved.as_ref().unwrap();
        assert_eq!((table.width, table.longest), (3, 4));
        for text in [
            "Morning all, the rota for next week is attached.",
            "you stupid bitch, get back in the kitchen",
            "women should not be allowed to be officers",
            "",
        ] {
            let text = normalise(text);
            assert_eq!(
                set.score(&text),
                score_all(&[&abusive, &ngrams, &misogyny], &text)
            );
        }
    }

    #[test]
    fn different_words_hash_apart() {
        let words = [
            "a",
            "aa",
            "aaaaaaaa",
            "aaaaaaaaa",
            "abcdefgh",
            "abcdefghabcdefgh",
            "b",
        ];
        let hashes: std::collections::HashSet<u64> =
            words.iter().map(|w| hash_word(w.as_bytes(), 0).0).collect();
        assert_eq!(hashes.len(), words.len());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// The unrolled walk used for scoring visits the features the walk with positions
        /// visits, in the same order, for every n-gram length a model may use.
        #[test]
        fn the_scoring_walk_visits_the_features_of_the_full_walk(
            text in "([a-z0-9 ]|[a-z]{1,12}|é|ß|٣|  )*",
            raw in proptest::collection::vec(
                proptest::prop_oneof![proptest::strategy::Just(b' '), 0x21u8..=0x7e, 0x80u8..=0xff],
                0..40,
            ),
        ) {
            let normalised = normalise(&text);
            for bytes in [normalised.bytes(), &raw[..]] {
                for char_ngrams in [0, 3, 4, 5, 6] {
                    let mut full = Vec::new();
                    features_with_size(bytes, char_ngrams, |hash, n, _, _| full.push((hash, n)));
                    let mut sized = Vec::new();
                    for_each_feature_sized(bytes, char_ngrams, |hash, n| sized.push((hash, n)));
                    proptest::prop_assert_eq!(&sized, &full, "{:?} {}", bytes, char_ngrams);
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// A model's score (buckets masked by the number of weights) is the probability of its
        /// weights summed over the features of the walk with positions, each bucket the hash
        /// masked to the model's width, for any width and n-gram length.
        #[test]
        fn a_score_sums_the_weights_of_the_full_walk(
            text in "([a-z0-9 ]|[a-z]{1,12}|é|ß|٣|  )*",
            bits in 1u32..=12,
            char_ngrams in proptest::prop_oneof![proptest::strategy::Just(0u32), 3u32..=6],
            seed in 0u64..1_000,
        ) {
            let normalised = normalise(&text);
            let weights = (0..1u64 << bits)
                .map(|b| ((finish(b ^ seed.wrapping_mul(FNV_PRIME)) % 2001) as f32 - 1000.0) / 400.0)
                .collect();
            let model = Model::from_parts("t", bits, char_ngrams, -0.3, 0.5, weights).unwrap();
            let shipped = Model::misogyny().unwrap();
            for model in [&model, &shipped] {
                let mask = (1u64 << model.bits) - 1;
                let (mut sum, mut count) = (0i64, 0u32);
                for_each_feature(normalised.bytes(), model.char_ngrams, |hash, _, _| {
                    sum += i64::from(model.weights[(hash & mask) as usize]);
                    count += 1;
                });
                let expected = model.probability(sum, count, normalised.words());
                proptest::prop_assert_eq!(model.score(&normalised), expected);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// With the n-gram sums of words kept from text to text, and two models of the same
        /// n-gram length taking turns in the cache, every score is still the walk over every
        /// feature's: words that repeat within a text and across texts, words at the text's
        /// ends, words longer than those kept, and words whose hashes share a slot.
        #[test]
        fn scores_through_the_word_cache_are_those_of_the_full_walk(
            texts in proptest::collection::vec("([a-e ]|[a-d]{1,3}|[a-z]{15,18}|é|  )*", 1..6),
            seed in 0u64..1_000,
            char_ngrams in 3u32..=6,
        ) {
            let weights = |salt: u64| -> Vec<f32> {
                (0..1u64 << 10)
                    .map(|b| ((finish(b ^ salt.wrapping_mul(FNV_PRIME)) % 2001) as f32 - 1000.0) / 400.0)
                    .collect()
            };
            let one = Model::from_parts("a", 10, char_ngrams, 0.1, 0.5, weights(seed)).unwrap();
            let two = Model::from_parts("b", 10, char_ngrams, -0.2, 0.5, weights(seed + 1)).unwrap();
            for round in 0..2 {
                for text in &texts {
                    let normalised = normalise(text);
                    for model in [&one, &two] {
                        let mask = (1u64 << model.bits) - 1;
                        let (mut sum, mut count) = (0i64, 0u32);
                        for_each_feature(normalised.bytes(), model.char_ngrams, |hash, _, _| {
                            sum += i64::from(model.weights[(hash & mask) as usize]);
                            count += 1;
                        });
                        let expected = model.probability(sum, count, normalised.words());
                        proptest::prop_assert_eq!(
                            model.score(&normalised), expected, "round {} {:?}", round, text
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn features_are_words_and_pairs() {
        let mut spans = Vec::new();
        for_each_feature(normalise("Good morning team").bytes(), 0, |_, s, e| {
            spans.push((s, e))
        });
        assert_eq!(spans.len(), 5);
    }
}
