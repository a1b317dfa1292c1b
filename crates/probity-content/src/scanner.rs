//! The scanner: lexicons, context rules and classifiers combined under a policy.

use std::cell::OnceCell;
use std::sync::Arc;

use probity_model::{Finding, Level, Span};

use crate::Result;
use crate::classifier::{Model, ModelSet, PASSAGE_WORDS, score_all};
use crate::context::{self, Context, ContextRules};
use crate::lexicon::{Entry, Excepted, Hit, Lexicon, MatchMode};
use crate::normalise::{Normalised, normalise};
use crate::policy::{Action, ModelPolicy, Policy, Rule, Threshold};
use crate::reply;

/// The policy name on every finding.
pub const POLICY: &str = "abuse";
/// Bytes of original text shown either side of a span.
const CONTEXT_BYTES: usize = 60;
/// Most lexicon hits examined per field (a message that is nothing but abuse stops here).
const MAX_HITS: usize = 2_000;
/// Words of a classifier's evidence shown as spans.
const MODEL_EVIDENCE_WORDS: usize = 3;
/// Why a lexicon hit in a quoted part of a text ([`reply::QuotedParts`]) is read as quoted.
const QUOTED_HISTORY_REASON: &str =
    "it is in the earlier messages quoted in the reply, which the sender may not have written";

/// A hit that was found and then set aside, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppressed {
    /// The category of the entry.
    pub category: String,
    /// The entry's term.
    pub term: String,
    /// Where it was.
    pub span: Span,
    /// Why it was set aside, in plain words.
    pub reason: String,
}

/// Everything a scan found, including what it set aside.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanReport {
    /// The findings, in order of position.
    pub findings: Vec<Finding>,
    /// Hits set aside by exceptions, context rules or minimum severities.
    pub suppressed: Vec<Suppressed>,
    /// Bytes beyond the policy's limit that were not scanned.
    pub unscanned_bytes: usize,
    /// The classifiers' probabilities, by model name, whatever their thresholds. A gated model
    /// (the shipped misogyny model) reads 0 where its gate passed the text over without scoring
    /// it in full; where it has a finding, the score is always the full model's. The names are
    /// shared with the scanner, so a report costs no copy of them.
    pub scores: Vec<(Arc<str>, f32)>,
}

/// A text normalised and matched against the lexicon, waiting to be reported
/// ([`Scanner::prepare`], [`Scanner::report`]).
#[derive(Debug, Clone)]
pub struct Prepared<'t> {
    /// The part of the text within the policy's size limit.
    text: &'t str,
    unscanned_bytes: usize,
    normalised: Normalised,
    hits: Vec<Hit>,
    excepted: Vec<Excepted>,
    watched: bool,
}

impl Prepared<'_> {
    /// Whether one of the scanner's watched words ([`Scanner::watching`]) was in the scanned part.
    pub fn watched(&self) -> bool {
        self.watched
    }

    /// Bytes beyond the policy's size limit, which were not scanned (nor looked at for watched
    /// words).
    pub fn unscanned_bytes(&self) -> usize {
        self.unscanned_bytes
    }
}

/// Scans text against the abuse policy. Build once, share freely (`Send + Sync`), call
/// [`Scanner::scan`] per field.
#[derive(Debug, Clone)]
pub struct Scanner {
    policy: Policy,
    lexicon: Lexicon,
    rules: ContextRules,
    /// The models the policy enables (for enabled categories), scored together.
    models: ModelSet,
    /// Each model's settings, in the same order.
    model_settings: Vec<ModelPolicy>,
    /// Each model's name, in the same order, for [`ScanReport::scores`].
    model_names: Vec<Arc<str>>,
}

impl Scanner {
    /// The shipped policy, lexicons and models.
    pub fn with_defaults() -> Result<Scanner> {
        Ok(Scanner::new(
            Policy::defaults()?,
            Lexicon::defaults()?,
            Some(Model::abusive()?),
            Some(Model::misogyny()?),
        ))
    }

    /// A scanner from its parts; a model is used only if the policy configures and enables it.
    pub fn new(
        policy: Policy,
        lexicon: Lexicon,
        abusive: Option<Model>,
        misogyny: Option<Model>,
    ) -> Scanner {
        let mut models = Vec::new();
        for (model, settings) in [
            (abusive, policy.abusive.clone()),
            (misogyny, policy.misogyny.clone()),
        ] {
            if let (Some(model), Some(settings)) = (model, settings)
                && settings.enabled
                && policy.category(settings.category).enabled
            {
                models.push((model, settings));
            }
        }
        let (models, model_settings): (Vec<Model>, Vec<ModelPolicy>) = models.into_iter().unzip();
        let model_names = models.iter().map(|m| Arc::from(m.name())).collect();
        Scanner {
            policy,
            lexicon,
            rules: ContextRules::new(),
            models: ModelSet::new(models),
            model_settings,
            model_names,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The findings for one field of a message (`email.body`, `email.subject`,
    /// `attachment:<name>`), in order of position.
    pub fn scan(&self, field: &str, text: &str) -> Vec<Finding> {
        self.scan_report(field, text).findings
    }

    /// The findings plus what was set aside and why, and the classifiers' scores.
    pub fn scan_report(&self, field: &str, text: &str) -> ScanReport {
        self.report(field, self.prepare(text))
    }

    /// The same scanner, also looking for `words` in the lexicon's pass over each text (see
    /// [`Lexicon::watching`]); [`Prepared::watched`] says whether one was found.
    pub fn watching(mut self, words: &[&str]) -> Result<Scanner> {
        self.lexicon = self.lexicon.watching(words)?;
        Ok(self)
    }

    /// The first half of a scan: the text normalised and matched against the lexicon (and the
    /// watched words). Nothing is reported until [`Scanner::report`]; a caller that decides from
    /// [`Prepared::watched`] not to report (content to be sealed) drops it instead.
    pub fn prepare<'t>(&self, text: &'t str) -> Prepared<'t> {
        let (text, unscanned_bytes) = within_limit(text, self.policy.limits.max_text_bytes);
        let normalised = normalise(text);
        let mut excepted = Vec::new();
        let (hits, watched) = self.lexicon.find_watching(&normalised, &mut excepted);
        Prepared {
            text,
            unscanned_bytes,
            normalised,
            hits,
            excepted,
            watched,
        }
    }

    /// The second half of a scan: the findings for a prepared text in `field`.
    pub fn report(&self, field: &str, prepared: Prepared<'_>) -> ScanReport {
        self.report_with(field, &prepared, true)
    }

    /// As [`Scanner::report`], without the classifiers' scores ([`ScanReport::scores`] is left
    /// empty): for a caller that uses the findings alone, as the communications stage does for
    /// every text of every message. The prepared text is only read (the caller keeps it, and
    /// it is not copied).
    pub fn report_findings(&self, field: &str, prepared: &Prepared<'_>) -> ScanReport {
        self.report_with(field, prepared, false)
    }

    fn report_with(&self, field: &str, prepared: &Prepared<'_>, keep_scores: bool) -> ScanReport {
        let mut report = ScanReport {
            unscanned_bytes: prepared.unscanned_bytes,
            scores: Vec::with_capacity(if keep_scores {
                self.model_names.len()
            } else {
                0
            }),
            ..ScanReport::default()
        };
        let text = prepared.text;
        let normalised = &prepared.normalised;
        let innocent = self.lexicon_findings(
            field,
            text,
            normalised,
            &prepared.hits,
            &prepared.excepted,
            &mut report,
        );
        self.model_findings(field, text, normalised, &innocent, keep_scores, &mut report);
        report
            .findings
            .sort_by_key(|f| f.spans.first().map(|s| s.start).unwrap_or(usize::MAX));
        report.findings.truncate(self.policy.limits.max_findings);
        report
    }

    /// Whether `word` is itself a whole-word term of the lexicon ("Wankstain" is, beside the
    /// stem "wank"): then it is the term, not a name that starts with a stem.
    fn listed_whole(&self, word: &str) -> bool {
        let normalised = normalise(word);
        let letters = normalised.as_str().trim().len();
        self.lexicon
            .find(&normalised, &mut Vec::new())
            .iter()
            .any(|hit| {
                hit.end.saturating_sub(hit.start) == letters
                    && self
                        .lexicon
                        .entries()
                        .get(hit.entry)
                        .is_some_and(|e| e.mode == MatchMode::Word)
            })
    }

    fn lexicon_findings(
        &self,
        field: &str,
        text: &str,
        normalised: &Normalised,
        hits: &[Hit],
        excepted: &[Excepted],
        report: &mut ScanReport,
    ) -> Vec<Span> {
        // Where a term was read in its innocent sense: a listed exception ("garden hoe") or
        // one of `Entry::innocent_near` in the same sentence.
        let mut innocent = Vec::new();
        let hits = &hits[..hits.len().min(MAX_HITS)];
        for excepted in excepted.iter().take(MAX_HITS) {
            let Some(entry) = self.lexicon.entries().get(excepted.hit.entry) else {
                continue;
            };
            if let Some(span) = span_of(
                field,
                text,
                normalised,
                excepted.hit.start,
                excepted.hit.end,
            ) {
                innocent.push(span.clone());
                let term = entry.terms.get(excepted.hit.term).unwrap_or(&entry.term);
                report.suppressed.push(Suppressed {
                    category: entry.category.to_string(),
                    term: entry.term.clone(),
                    reason: format!(
                        "\"{}\" is listed as an innocent use of \"{term}\" ({})",
                        excepted.exception, entry.source
                    ),
                    span,
                });
            }
        }
        let hits = keep_most_specific(hits, self.lexicon.entries());
        // The quoted parts, looked for once and only for a text with hits.
        let mut quoted: Option<Option<reply::QuotedParts>> = None;
        for hit in hits {
            let Some(entry) = self.lexicon.entries().get(hit.entry) else {
                continue;
            };
            let category_policy = self.policy.category(entry.category);
            if !category_policy.enabled {
                continue;
            }
            let Some(span) = span_of(field, text, normalised, hit.start, hit.end) else {
                continue;
            };
            if entry.addressed && !context::addressed(text, span.start) {
                continue;
            }
            if !entry.said_of.is_empty()
                && !context::said_of(text, span.start, &entry.said_of, entry.fewest_frames())
            {
                continue;
            }
            if !entry.aimed_at.is_empty() && !context::aimed_at(text, span.end, &entry.aimed_at) {
                continue;
            }
            if entry.by_speaker && !context::by_speaker(text, span.start) {
                continue;
            }
            // Set aside as innocent, with the reason: words written apart, part of a name, or a
            // term beside the words of its innocent sense.
            let innocent_as = if let Some(reason) = written_apart(text, &span) {
                Some(reason.to_string())
            } else if entry.name && context::written_as_a_name(text, span.start, span.end) {
                Some(
                    "is written as part of a person's name, after a first name, an initial or a title, here or elsewhere in the text"
                        .to_owned(),
                )
            } else if entry.name
                && let Some(place) = context::names_a_place(text, span.start, span.end)
            {
                Some(format!(
                    "is part of a place name (written capitalised before \"{place}\")"
                ))
            } else if entry.reclaimable
                && let Some(name) = context::names_an_organisation(text, span.start, span.end)
            {
                Some(format!(
                    "is part of the name of an organisation (\"{name}\")"
                ))
            } else if entry.mode == MatchMode::Prefix
                && !self.listed_whole(&span.text)
                && !context::addressed(text, span.start)
                && !context::calls_out(text, span.end)
                && context::inside_a_proper_noun(
                    text,
                    span.start,
                    span.end,
                    stem_len(entry, hit.term),
                )
            {
                Some(
                    "is a capitalised word in the middle of a sentence that only starts with the stem, a name such as a place's"
                        .to_owned(),
                )
            } else if !entry.innocent_near.is_empty()
                && !context::addressed(text, span.start)
                && !context::calls_out(text, span.end)
                && !context::said_of_a_person(text, span.start)
                && let Some(word) =
                    context::innocent_near(text, span.start, span.end, &entry.innocent_near)
            {
                Some(format!(
                    "is read in its innocent sense: \"{word}\" is in the same sentence"
                ))
            } else {
                None
            };
            if let Some(why) = innocent_as {
                let reason = format!("\"{}\" {why} ({})", span.text, entry.source);
                innocent.push(span.clone());
                report.suppressed.push(suppressed(entry, span, reason));
                continue;
            }
            let mut context = self.rules.assess(
                text,
                normalised,
                span.start,
                entry.category,
                entry.reclaimable,
            );
            let parts = quoted.get_or_insert_with(|| reply::QuotedParts::of(text));
            if parts.as_ref().is_some_and(|p| p.contains(span.start)) {
                context.quoted_history = Some(QUOTED_HISTORY_REASON.to_owned());
            }
            let mut why = describe_hit(entry, hit.term, &span);
            let outcome = apply_context(entry.severity, &context, &self.policy.context, &mut why);
            let severity = match outcome {
                Outcome::Keep(severity) => severity,
                Outcome::Suppress(reason) => {
                    report.suppressed.push(suppressed(entry, span, reason));
                    continue;
                }
            };
            let minimum = category_policy.min_severity.max(self.policy.min_severity);
            if severity < minimum && severity < entry.severity {
                // Lowered by context below the reporting minimum: set aside, but say so.
                report.suppressed.push(suppressed(
                    entry,
                    span,
                    format!("{why}; below the policy minimum ({minimum})"),
                ));
                continue;
            }
            if severity < minimum {
                continue;
            }
            report.findings.push(Finding {
                policy: POLICY.to_string(),
                category: entry.category.to_string(),
                severity,
                spans: vec![span],
                why,
                score: None,
            });
        }
        innocent.sort_by_key(|s| s.start);
        innocent
    }

    fn model_findings(
        &self,
        field: &str,
        text: &str,
        normalised: &Normalised,
        innocent: &[Span],
        keep_scores: bool,
        report: &mut ScanReport,
    ) {
        if normalised.is_empty() || !normalised.reads_as_prose() {
            // The models learnt from sentences; tables of names, dates and numbers (a CSV
            // export) are outside what they know, and the lexicons still read them.
            return;
        }
        let scores = self.models.score(normalised);
        // Where the quoted history begins, and the reply above it normalised: looked for once
        // for all the models, and only if one falls short of its threshold on the whole text.
        let history = OnceCell::new();
        let models = self.models.models().iter().zip(&self.model_settings);
        for (((model, settings), name), whole) in models.zip(&self.model_names).zip(scores) {
            if keep_scores {
                report.scores.push((Arc::clone(name), whole));
            }
            let threshold = match settings.threshold {
                Threshold::Fixed(value) => value,
                Threshold::Model => model.threshold(),
            };
            // The models learnt from posts with addresses and links taken out
            // (`train::clean_social`). A text that reaches the threshold with some in it is
            // scored again with spaces in their place (so every offset stays the same), and
            // that score decides: "bitbitch@example.net wrote:" is a correspondent's address.
            let blanked = if whole >= threshold {
                blank_addresses_and_links(text)
            } else {
                None
            };
            let blanked_normalised = blanked.as_ref().map(|(b, _)| normalise(b));
            let (text, normalised, whole) = match (&blanked, &blanked_normalised) {
                (Some((blanked, first)), Some(blanked_normalised)) => {
                    let without = score_all(&[model], blanked_normalised)
                        .first()
                        .copied()
                        .unwrap_or(0.0);
                    if without < threshold {
                        if let Some(span) = span_at(field, text, first.start, first.end) {
                            report.suppressed.push(Suppressed {
                                category: settings.category.to_string(),
                                term: model.name().to_string(),
                                span,
                                reason: format!(
                                    "the {} model gives {whole:.2} with the addresses and links in the text and {without:.2} without them, under the policy threshold {threshold:.2}; it learnt from text without them",
                                    model.name()
                                ),
                            });
                        }
                        continue;
                    }
                    (blanked.as_str(), blanked_normalised, without)
                }
                _ => (text, normalised, whole),
            };
            let Some((score, mut spans, mut why)) = self.model_evidence(
                field, text, normalised, &history, model, settings, whole, threshold,
            ) else {
                continue;
            };
            spans.sort_by_key(|s| s.start);
            spans.dedup_by(|a, b| a.start < b.end && b.start < a.end);
            // Too few words for the model to judge: a subject such as "Robot census" holds
            // one or two words the training texts used in another sense, and nothing else.
            // Nothing in the text about women, girls, sex or gender (for the misogyny model): its
            // score rests on words it shares with such posts. The lexicons still read both.
            let too_little = if normalised.words() < settings.min_words {
                Some(format!(
                    "the text has {} words, fewer than the {} the policy asks before the model's score counts",
                    normalised.words(),
                    settings.min_words
                ))
            } else if !settings.needs_words.found_in(normalised) {
                Some("the text holds none of the words the policy asks for before the model's score counts (needs_words)".to_owned())
            } else {
                None
            };
            if let Some(lacking) = too_little {
                if let Some(span) = spans.first().cloned() {
                    report.suppressed.push(Suppressed {
                        category: settings.category.to_string(),
                        term: model.name().to_string(),
                        span,
                        reason: format!("{why}, but {lacking}"),
                    });
                }
                continue;
            }
            // Only where the text as a whole reached the threshold: a reply or passage scored
            // alone is measured apart from it.
            if whole >= threshold
                && let Some(reason) = innocent_words_carry(text, innocent, model, threshold)
                && let Some(span) = innocent.first().cloned()
            {
                report.suppressed.push(Suppressed {
                    category: settings.category.to_string(),
                    term: model.name().to_string(),
                    span,
                    reason,
                });
                continue;
            }
            let words: Vec<String> = spans.iter().map(|s| format!("\"{}\"", s.text)).collect();
            why.push_str(&format!(
                "; the words that weighed most: {}",
                words.join(", ")
            ));
            let mut severity = settings.severity;
            // Of the context rules, reported speech (at the words that weighed most) and quoted
            // history (a whole text that reaches the threshold only with the thread below it)
            // apply to a model's finding.
            let reported = spans.first().and_then(|first| {
                self.rules
                    .assess(text, normalised, first.start, settings.category, false)
                    .reported
            });
            let quoted_history = if whole >= threshold {
                self.reply_falls_short(text, model, threshold)
            } else {
                None
            };
            if reported.is_some() || quoted_history.is_some() {
                let context = Context {
                    reported,
                    quoted_history,
                    ..Context::default()
                };
                match apply_context(severity, &context, &self.policy.context, &mut why) {
                    Outcome::Keep(lowered) => severity = lowered,
                    Outcome::Suppress(_) => continue,
                }
            }
            if severity < self.policy.min_severity {
                continue;
            }
            report.findings.push(Finding {
                policy: POLICY.to_string(),
                category: settings.category.to_string(),
                severity,
                spans,
                why,
                score: Some(score),
            });
        }
    }
}

impl Scanner {
    /// Why a text that `model` reports on as a whole is to be read as quoted: it quotes earlier
    /// messages, and what the sender wrote ([`reply::QuotedParts::own_text`]: the reply above
    /// them, and any answers between and below `>` quotes) scores below `threshold` alone.
    /// `None` otherwise (nothing quoted, or the sender's own words reach the threshold).
    fn reply_falls_short(&self, text: &str, model: &Model, threshold: f32) -> Option<String> {
        let parts = reply::QuotedParts::of(text)?;
        let reply = normalise(&parts.own_text(text));
        let alone = if reply.reads_as_prose() {
            score_all(&[model], &reply).first().copied().unwrap_or(0.0)
        } else {
            0.0
        };
        (alone < threshold).then(|| {
            format!(
                "the text reaches the threshold only with the earlier messages it quotes, which the sender may not have written (the sender's own words alone: {alone:.2})"
            )
        })
    }

    /// Whether `model` reports on a text, and if so its score, the spans of the words that
    /// weighed most and the start of the explanation. The text as a whole reports at the
    /// threshold; failing that, a reply above quoted history, scored alone, at the same
    /// threshold (the thread below would otherwise average it away); failing that, where the
    /// policy asks, the best passage of a long text at the passage threshold.
    #[allow(clippy::too_many_arguments)]
    fn model_evidence(
        &self,
        field: &str,
        text: &str,
        normalised: &Normalised,
        history: &OnceCell<Option<(usize, Normalised)>>,
        model: &Model,
        settings: &ModelPolicy,
        whole: f32,
        threshold: f32,
    ) -> Option<(f32, Vec<Span>, String)> {
        let spans = |text: &str,
                     normalised: &Normalised,
                     evidence: Vec<crate::classifier::Contribution>|
         -> Vec<Span> {
            evidence
                .iter()
                .filter_map(|c| span_of(field, text, normalised, c.start, c.end))
                .collect()
        };
        if whole >= threshold {
            return Some((
                whole,
                spans(
                    text,
                    normalised,
                    model.explain(normalised, MODEL_EVIDENCE_WORDS),
                ),
                format!(
                    "the {} model gives {whole:.2}, at or above the policy threshold {threshold:.2}",
                    model.name()
                ),
            ));
        }
        let reply_above = history
            .get_or_init(|| reply::quoted_history(text).map(|cut| (cut, normalise(&text[..cut]))));
        if let Some((cut, reply_normalised)) = reply_above {
            let reply = &text[..*cut];
            // A reply shorter than the policy's `min_words` is not scored alone (an attribution
            // line, "Vincent Cunniffe wrote:", above the quote is all some replies have).
            if reply_normalised.reads_as_prose() && reply_normalised.words() >= settings.min_words {
                let score = score_all(&[model], reply_normalised)
                    .first()
                    .copied()
                    .unwrap_or(0.0);
                if score >= threshold {
                    return Some((
                        score,
                        spans(
                            reply,
                            reply_normalised,
                            model.explain(reply_normalised, MODEL_EVIDENCE_WORDS),
                        ),
                        format!(
                            "the {} model gives {score:.2} for the reply above the quoted messages, scored alone (the text with them: {whole:.2}), at or above the policy threshold {threshold:.2}",
                            model.name()
                        ),
                    ));
                }
            }
        }
        let passage_threshold = settings.passage_threshold?;
        let passage = model
            .best_passage(normalised)
            .filter(|p| p.score >= passage_threshold)?;
        Some((
            passage.score,
            spans(
                text,
                normalised,
                model.explain_passage(normalised, &passage, MODEL_EVIDENCE_WORDS),
            ),
            format!(
                "the {} model gives {:.2} for a passage of {PASSAGE_WORDS} words scored alone (the {}-word text as a whole: {whole:.2}), at or above the policy's passage threshold {passage_threshold:.2}",
                model.name(),
                passage.score,
                normalised.words()
            ),
        ))
    }
}

enum Outcome {
    Keep(Level),
    Suppress(String),
}

/// Applies the context rules in turn; `why` gains a clause for each that changed anything.
fn apply_context(
    severity: Level,
    context: &Context,
    rules: &crate::policy::ContextPolicy,
    why: &mut String,
) -> Outcome {
    let mut severity = severity;
    let checks: [(&Option<String>, Rule); 4] = [
        (&context.reported, rules.reported_speech),
        (&context.negated, rules.negation),
        (&context.self_reference, rules.reclaimed),
        (&context.quoted_history, rules.quoted_history),
    ];
    for (found, rule) in checks {
        let Some(reason) = found else {
            continue;
        };
        match rule.action {
            Action::Ignore => {}
            Action::Suppress => {
                return Outcome::Suppress(format!("{why}; set aside because {reason}"));
            }
            Action::Downgrade => {
                if rule.level < severity {
                    why.push_str(&format!(
                        "; lowered from {severity} to {} because {reason}",
                        rule.level
                    ));
                    severity = rule.level;
                } else {
                    why.push_str(&format!("; note: {reason}"));
                }
            }
        }
    }
    Outcome::Keep(severity)
}

/// The normalised length of the entry's term `term` (its first term where there is none).
fn stem_len(entry: &Entry, term: usize) -> usize {
    let written = entry.terms.get(term).unwrap_or(&entry.term);
    normalise(written).as_str().trim().len()
}

fn describe_hit(entry: &Entry, term: usize, span: &Span) -> String {
    let term = entry.terms.get(term).unwrap_or(&entry.term);
    let said = if entry.by_speaker {
        ", said by the writer as what they will do"
    } else if entry.addressed {
        ", said to someone"
    } else if !entry.said_of.is_empty() {
        ", said of a group"
    } else if !entry.aimed_at.is_empty() {
        ", aimed at a group"
    } else {
        ""
    };
    let how = match entry.mode {
        MatchMode::Word => format!("whole word{said}"),
        MatchMode::Prefix => format!("word stem{said}"),
    };
    let mut why = format!(
        "\"{}\" matches \"{}\" in the {} lexicon ({how}, {})",
        span.text, term, entry.category, entry.source
    );
    if let Some(note) = &entry.note {
        why.push_str(&format!(": {note}"));
    }
    why
}

/// At most this many of the words read in their innocent sense are named in an explanation.
const INNOCENT_WORDS_NAMED: usize = 5;

/// Why a model's finding is set aside when the text reaches `threshold` only with words the
/// lexicon read in their innocent sense (`innocent`): "My labrador bitch
/// had three puppies" scores as abuse on "bitch" alone. `None` when there are none, or the
/// text without them still reaches the threshold.
fn innocent_words_carry(
    text: &str,
    innocent: &[Span],
    model: &Model,
    threshold: f32,
) -> Option<String> {
    if innocent.is_empty() {
        return None;
    }
    let mut masked = String::with_capacity(text.len());
    let mut from = 0;
    let mut words = Vec::new();
    // Sorted by start; where two overlap, the part of the later one past the earlier is masked.
    for span in innocent {
        let start = span.start.max(from);
        if span.end <= start {
            continue;
        }
        let (Some(before), Some(masked_part)) = (text.get(from..start), text.get(start..span.end))
        else {
            continue;
        };
        masked.push_str(before);
        masked.extend(std::iter::repeat_n(' ', masked_part.len()));
        let word = format!("\"{}\"", span.text);
        if words.len() < INNOCENT_WORDS_NAMED && !words.contains(&word) {
            words.push(word);
        }
        from = span.end;
    }
    masked.push_str(text.get(from..).unwrap_or_default());
    let without = normalise(&masked);
    let score = score_all(&[model], &without)
        .first()
        .copied()
        .unwrap_or(0.0);
    (score < threshold).then(|| {
        format!(
            "the {} model reaches the threshold only with {}, read in its innocent sense (without: {score:.2})",
            model.name(),
            words.join(", ")
        )
    })
}

fn suppressed(entry: &Entry, span: Span, reason: String) -> Suppressed {
    Suppressed {
        category: entry.category.to_string(),
        term: entry.term.clone(),
        span,
        reason,
    }
}

/// Drops a hit whose range lies inside another hit of the same category (`fucking idiot` keeps
/// over `idiot`), keeping the longer one.
fn keep_most_specific(hits: &[Hit], entries: &[Entry]) -> Vec<Hit> {
    let category = |hit: &Hit| entries.get(hit.entry).map(|e| e.category);
    let mut kept: Vec<Hit> = Vec::new();
    for (i, hit) in hits.iter().enumerate() {
        let covered = hits.iter().enumerate().any(|(j, other)| {
            j != i
                && category(other) == category(hit)
                && other.start <= hit.start
                && hit.end <= other.end
                && ((other.end - other.start) > (hit.end - hit.start) || j < i)
        });
        if !covered {
            kept.push(hit.clone());
        }
    }
    kept
}

/// Why a match is no word as written, if it is not: words joined by a slash are alternatives
/// ("he/she", "and/or"), each of at least two letters (a letter split off by a slash, "c/unt",
/// is an evasion); a word after `$` and before a bracket, `=` or `;` is a variable in code
/// (`$pick(msgs)`, read with `$` for `s`).
fn written_apart(text: &str, span: &Span) -> Option<&'static str> {
    let written = span.text.as_str();
    if written.contains('/')
        && written
            .split('/')
            .all(|part| part.chars().filter(|c| c.is_alphabetic()).count() >= 2)
    {
        return Some("is words joined by a slash, which are alternatives, not one word");
    }
    if written.starts_with('$')
        && text
            .get(span.end..)
            .and_then(|after| after.bytes().next())
            .is_some_and(|b| matches!(b, b'(' | b'[' | b'{' | b')' | b']' | b'}' | b'=' | b';'))
    {
        return Some("is a variable in code (a `$` name before a bracket, `=` or `;`)");
    }
    None
}

/// `text` with each email address and web link in it written over with spaces, and where the
/// first one was; `None` where it has none. An address is a token (between white space) with
/// a letter or digit either side of an `@` and a dot after it; a link starts `http://`,
/// `https://` or `www.` (after any opening bracket or quotation mark). Training removed both
/// (`train::clean_social`).
pub(crate) fn blank_addresses_and_links(text: &str) -> Option<(String, std::ops::Range<usize>)> {
    let bytes = text.as_bytes();
    let quick = memchr::memchr(b'@', bytes).is_some()
        || memchr::memmem::find(bytes, b"://").is_some()
        || memchr::memmem::find(bytes, b"www.").is_some();
    if !quick {
        return None;
    }
    let mut blanked: Option<(Vec<u8>, std::ops::Range<usize>)> = None;
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let end = bytes[start..]
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .map_or(bytes.len(), |n| start + n);
        at = end + 1;
        if start == end {
            continue;
        }
        let token = &bytes[start..end];
        if !(is_address(token) || is_link(token)) {
            continue;
        }
        let (out, _) = blanked.get_or_insert_with(|| (bytes.to_vec(), start..end));
        if let Some(slot) = out.get_mut(start..end) {
            slot.fill(b' ');
        }
    }
    let (out, first) = blanked?;
    // Whole tokens between ASCII white space were replaced, so the text is still UTF-8.
    String::from_utf8(out).ok().map(|s| (s, first))
}

fn is_address(token: &[u8]) -> bool {
    token.iter().enumerate().any(|(at, &b)| {
        b == b'@'
            && at > 0
            && token[at - 1].is_ascii_alphanumeric()
            && token.get(at + 1).is_some_and(|b| b.is_ascii_alphanumeric())
            && token[at + 1..].contains(&b'.')
    })
}

fn is_link(token: &[u8]) -> bool {
    let opened = token
        .iter()
        .position(|b| !matches!(b, b'<' | b'(' | b'[' | b'"' | b'\''))
        .map_or(&[][..], |n| &token[n..]);
    let starts = |prefix: &[u8]| {
        opened
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    starts(b"http://") || starts(b"https://") || starts(b"www.")
}

/// The text cut at the limit on a character boundary, and how many bytes were left out.
fn within_limit(text: &str, limit: usize) -> (&str, usize) {
    if text.len() <= limit {
        return (text, 0);
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    (&text[..cut], text.len() - cut)
}

/// The span of original text behind normalised bytes `start..end`, with context either side.
fn span_of(
    field: &str,
    text: &str,
    normalised: &Normalised,
    start: usize,
    end: usize,
) -> Option<Span> {
    let (start, end) = normalised.original_range(start, end)?;
    span_at(field, text, start, end)
}

/// The span of `text` at original bytes `start..end`, with context either side.
fn span_at(field: &str, text: &str, start: usize, end: usize) -> Option<Span> {
    let matched = text.get(start..end)?;
    let mut from = start.saturating_sub(CONTEXT_BYTES);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut to = (end + CONTEXT_BYTES).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let context = text.get(from..to).unwrap_or(matched);
    Some(Span {
        field: field.to_string(),
        start,
        end,
        text: matched.to_string(),
        context: context.split_whitespace().collect::<Vec<_>>().join(" "),
    })
}

#[cfg(test)]
mod prose_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn prose_like(text: &str) -> bool {
        normalise(text).reads_as_prose()
    }

    #[test]
    fn sentences_are_prose_and_tables_are_not() {
        assert!(prose_like("Hello, you are an idiot. Don't do that again!"));
        assert!(prose_like(
            "Handover for CRI-2026-000630: the suspect was bailed until Monday."
        ));
        let table = "\"MORRIS, Grace\",1960-10-06,\"9 Brookside Grove, Ashcombe\",NS6 9WP,07700 995084\n\"EVANS, Peter\",1994-10-11,\"27 Kiln Way\",NS3 7DJ,07700 999268";
        assert!(!prose_like(table));
    }

    /// The count kept while normalising agrees with counting split words, on any text: plain
    /// words, words in punctuation, and tokens with digits, symbols or other scripts.
    #[test]
    fn prose_like_agrees_with_counting_split_words() {
        fn by_split(text: &str) -> bool {
            let words: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let plain = words
                .iter()
                .filter(|w| w.chars().all(char::is_alphabetic))
                .count();
            !words.is_empty() && plain * 10 >= words.len() * 6
        }
        proptest::proptest!(|(text in "([a-zA-Z0-9 ,.\\-é٣ß€\n\t()'\"!?@\\[\\]]|[a-z]{2,9})*")| {
            proptest::prop_assert_eq!(prose_like(&text), by_split(&text));
        });
    }
}

#[cfg(test)]
mod report_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn scanner() -> &'static Scanner {
        static SCANNER: std::sync::OnceLock<Scanner> = std::sync::OnceLock::new();
        SCANNER.get_or_init(|| Scanner::with_defaults().unwrap())
    }

    /// A report without the scores has everything else a full report has.
    fn check(text: &str) {
        let scanner = scanner();
        let full = scanner.report("email.body", scanner.prepare(text));
        let findings = scanner.report_findings("email.body", &scanner.prepare(text));
        assert_eq!(findings.findings, full.findings, "{text:?}");
        assert_eq!(findings.suppressed, full.suppressed, "{text:?}");
        assert_eq!(findings.unscanned_bytes, full.unscanned_bytes);
        assert!(findings.scores.is_empty());
    }

    #[test]
    fn findings_alone_are_the_full_reports_findings() {
        let misogynistic = "Women are too emotional and stupid to be in charge of anything, they \
                            should stay at home and obey their husbands.";
        let texts = [
            "",
            "Hi Aled, I am on rest days from tomorrow.",
            "shut up you stupid ugly idiot, nobody wants you here you pathetic loser, go away",
            misogynistic,
            &format!("Fine by me.\n\nOn Mon, 2 Mar 2026, Sam wrote:\n> {misogynistic}"),
            "The b*tch had six puppies at the kennels.",
            "you are a s l u t and a c-unt",
        ];
        for text in texts {
            check(text);
        }
    }

    /// Where a text falls short as a whole, each model scores the reply above the quoted
    /// messages alone: the reply is normalised once for all the models, and each finding's
    /// score is that model's own on the reply by itself.
    #[test]
    fn every_model_scores_the_reply_alone_on_its_own_words() {
        let scanner = scanner();
        let quote = "> The rota for next week is attached and the briefing is at nine in the \
                     main room, with the usual handover notes for the late turn.\n";
        let replies = [
            "Women are too emotional and stupid to be in charge of anything, they should stay \
             at home and obey their husbands, you pathetic idiot.",
            "shut up you stupid ugly bitch, nobody wants you here, get back in the kitchen \
             where women belong.",
            "Fine by me, see you on Monday at the briefing.",
        ];
        let mut reply_findings = 0;
        for reply in replies {
            let text = format!(
                "{reply}\n\nOn Mon, 2 Mar 2026, Sam wrote:\n{}",
                quote.repeat(12)
            );
            let cut = reply::quoted_history(&text).unwrap();
            let alone = normalise(&text[..cut]);
            let whole = scanner.models.score(&normalise(&text));
            let report = scanner.scan_report("email.body", &text);
            for ((model, settings), whole) in scanner
                .models
                .models()
                .iter()
                .zip(&scanner.model_settings)
                .zip(whole)
            {
                let threshold = match settings.threshold {
                    Threshold::Fixed(value) => value,
                    Threshold::Model => model.threshold(),
                };
                let score = score_all(&[model], &alone)[0];
                let about_reply =
                    format!("the {} model gives {score:.2} for the reply", model.name());
                let reported = report
                    .findings
                    .iter()
                    .find(|f| f.why.starts_with(&about_reply))
                    .map(|f| f.score);
                let set_aside = report
                    .suppressed
                    .iter()
                    .any(|s| s.reason.starts_with(&about_reply));
                if whole < threshold
                    && alone.reads_as_prose()
                    && alone.words() >= settings.min_words
                    && score >= threshold
                {
                    assert!(
                        reported == Some(Some(score)) || set_aside,
                        "{} on {reply:?}: {report:?}",
                        model.name()
                    );
                    reply_findings += 1;
                } else {
                    assert!(
                        reported.is_none() && !set_aside,
                        "{} on {reply:?}",
                        model.name()
                    );
                }
            }
        }
        assert!(reply_findings >= 2, "{reply_findings}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn findings_alone_agree_on_any_words(
            words in proptest::collection::vec(
                "(you|stupid|idiot|women|emotional|bitch|slut|kennels|garden|hoe|rota|\
                  the|are|a|\n> |On Mon Sam wrote:\n|[a-z]{1,6}|[.,!])",
                0..40,
            )
        ) {
            check(&words.join(" "));
        }
    }
}
