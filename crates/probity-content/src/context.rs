//! Context rules: what around a lexicon hit changes its meaning.
//!
//! - **Reported speech.** A term in a clause that reports what someone else said ("he called me a …",
//!   "reported him for saying …", "used the word …"), or inside quotation marks in a message that
//!   reads as a complaint or report, or inside quotation marks that words such as "statements
//!   like", "if you say" or "posts such as" introduce, is most likely being condemned or
//!   recorded, not used. Officers record abuse as evidence every day; the finding is kept but
//!   lowered. So is a term that someone is told not to call another, or told what to do if
//!   called ("don't ever call anyone a …", "if anyone calls you a …, report it"): the word
//!   is mentioned to forbid it.
//! - **Negation.** "I'm not going to hurt you", "you're not an idiot": a negation just before a
//!   threat, harassment or insult reverses it. Slurs are not excused by negation ("he's not a …"
//!   still uses the word), so this applies only to [`Category::negation_applies`].
//! - **Reclaimed in-group use.** Some terms have been reclaimed by the people they were aimed at
//!   ("as a queer woman…"). A reclaimable term in self-reference is lowered, never ignored: the same
//!   word aimed at someone else is abuse.
//!
//! Innocent words that contain a term (Scunthorpe, cockpit, Dickens, therapist, assassin, classic,
//! grape) never reach these rules: terms match whole words unless marked as stems, and stems carry
//! their own exceptions (see [`crate::lexicon`]).

use crate::lexicon::{Category, Subject};
use crate::normalise::{Normalised, normalise};

/// How far back (bytes of original text) the clause before a hit is read.
const LOOKBACK_BYTES: usize = 240;
/// How far back a quotation mark is looked for.
const QUOTE_LOOKBACK_BYTES: usize = 2_000;

/// Words that report what someone called someone: the term must be their object, in the same
/// clause with no comma, colon or bracket between ("he called me a …"). After a comma the term
/// is said to the reader ("don't call me, you …", "call me when you're done, you …").
const CALLING_CUES: &[&str] = &[
    "called me",
    "called him",
    "called her",
    "called them",
    "called us",
    "called you",
    "called",
    "calling me",
    "calling him",
    "calling her",
    "calling",
    "call me",
];

/// Words that report what someone said, anywhere in the sentence before the term ("she
/// shouted, \"…\"").
const REPORTING_CUES: &[&str] = &[
    "said",
    "says",
    "saying",
    "shouted",
    "shouting",
    "yelled",
    "screamed",
    "told me",
    "told him",
    "told her",
    "wrote",
    "posted",
    "texted",
    "messaged",
    "used the word",
    "used the term",
    "the word",
    "the words",
    "the term",
    "the phrase",
    "referred to",
    "described as",
    "reported",
    "reporting",
    "complained",
    "complaint",
    "alleged",
    "alleges",
    "allegation",
    "accused",
    "quote",
    "quoted",
    "stated",
    "stating",
    "disclosed",
    "repeated",
    "chanted",
    "chanting",
    "heard",
    "overheard",
    "abused",
    "remarks such as",
    "comments such as",
    "words such as",
    "language such as",
    "using the word",
    "language like",
];

const REPORT_CONTEXT: &[&str] = &[
    "complaint",
    "complained",
    "complain",
    "reported",
    "report",
    "statement",
    "allegation",
    "alleged",
    "victim",
    "witness",
    "incident",
    "hate crime",
    "investigation",
    "misconduct",
    "grievance",
    "disclosure",
    "evidence",
    "transcript",
];

/// Words that, just before an opening quotation mark, introduce what follows as words held up
/// to be reported or condemned, not used: "statements like \"…\" are hurtful", "if you say
/// \"…\" you are a bigot", "posts such as \"…\"".
const QUOTE_INTRODUCERS: &[&str] = &[
    "like",
    "such as",
    "say",
    "says",
    "saying",
    "said",
    "believe that",
    "think that",
    "comment",
    "comments",
    "statement",
    "statements",
    "post",
    "posts",
    "tweet",
    "tweets",
    "message",
    "messages",
    "remark",
    "remarks",
    "word",
    "words",
    "phrase",
    "phrases",
    "slogan",
    "slogans",
    "chant",
    "chants",
    "claim",
    "claims",
    "claiming",
    "wrote",
    "writes",
    "posted",
    "graffiti",
    "sign saying",
];

/// Words before an opening quotation mark looked at for [`QUOTE_INTRODUCERS`].
const QUOTE_INTRODUCER_WORDS: usize = 3;

/// Words that forbid the calling that follows them: "don't ever call anyone a …", "you must
/// never call a colleague a …".
const FORBIDDING: &[&str] = &[
    "don't",
    "do not",
    "never",
    "must not",
    "mustn't",
    "should not",
    "shouldn't",
    "not to",
];

/// Words that open a clause saying what may happen, or who does it: "if anyone calls you a …",
/// "anyone who calls a colleague a …", "when someone calls you a …".
const CALL_CONDITIONS: &[&str] = &["if", "when", "whenever", "who", "whoever"];

/// Words that may stand between a [`FORBIDDING`] word and the verb ("don't you ever call").
const FORBIDDING_FILLERS: &[&str] = &["ever", "even", "just", "you", "dare", "again", "please"];

/// The verb a term is the object of in a forbidden or conditional call.
const CALL_VERBS: &[&str] = &["call", "calls"];

/// Who, after a [`CALL_CONDITIONS`] word, is the writer: "if I call you a …" is no warning.
const WRITER: &[&str] = &["i", "we", "i'll", "we'll", "i'd", "we'd"];

/// At most this many words between a [`CALL_CONDITIONS`] word and the verb ("if a member of
/// the public calls").
const CALL_CONDITION_WORDS: usize = 6;

/// At most this many words between the verb and the term ("call anyone a …", "calls a member
/// of the public a …"). More than two must end in "a" or "an" ("don't call him when that …" is
/// no call of the term).
const CALL_OBJECT_WORDS: usize = 6;

const NEGATORS: &[&str] = &[
    "not", "never", "no", "dont", "wont", "wouldnt", "isnt", "arent", "wasnt", "didnt", "cant",
    "cannot", "shouldnt", "nobody", "noone", "neither", "nor",
];

const SELF_REFERENCE: &[&str] = &[
    "im",
    "i am",
    "as a",
    "as an",
    "we are",
    "us",
    "fellow",
    "proud",
    "myself",
    "our",
    "ourselves",
];

/// Words of negation looked for before a hit.
const NEGATION_WINDOW_WORDS: usize = 3;
/// Words of self-reference looked for before a hit.
const SELF_REFERENCE_WINDOW_WORDS: usize = 4;

/// What the context rules found about one hit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Why the hit reads as reported or quoted speech, if it does.
    pub reported: Option<String>,
    /// The negation before the hit, if one applies.
    pub negated: Option<String>,
    /// The self-reference before a reclaimable term, if any.
    pub self_reference: Option<String>,
    /// Why the hit is taken to be in earlier messages quoted below a reply, if it is. The
    /// scanner sets this ([`crate::reply::quoted_history`]); [`ContextRules::assess`] does not.
    pub quoted_history: Option<String>,
}

/// The context rules, with their word lists normalised once.
#[derive(Debug, Clone)]
pub struct ContextRules {
    calling: Vec<Cue>,
    reporting: Vec<Cue>,
    report_context: Vec<Cue>,
    quote_introducers: Vec<Cue>,
    negators: Vec<Cue>,
    self_reference: Vec<Cue>,
    calls: Calls,
}

/// The word lists of [`ContextRules::forbidden_call`], normalised (each a list of words).
#[derive(Debug, Clone)]
struct Calls {
    forbidding: Vec<(&'static str, Vec<String>)>,
    conditions: Vec<(&'static str, String)>,
    fillers: Vec<String>,
    verbs: Vec<String>,
    writer: Vec<String>,
}

/// Each of `words` with its normalised words.
fn normalised_words(words: &[&'static str]) -> Vec<(&'static str, Vec<String>)> {
    words
        .iter()
        .map(|written| {
            let normalised = normalise(written);
            let words = normalised
                .as_str()
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            (*written, words)
        })
        .collect()
}

/// Each of `words` normalised, as one word.
fn normalised_list(words: &[&'static str]) -> Vec<String> {
    words
        .iter()
        .map(|word| normalise(word).as_str().trim().to_owned())
        .collect()
}

impl Default for ContextRules {
    fn default() -> Self {
        ContextRules::new()
    }
}

/// A cue as written and as normalised.
#[derive(Debug, Clone)]
struct Cue {
    written: &'static str,
    normalised: String,
}

fn normalised_cues(cues: &[&'static str]) -> Vec<Cue> {
    cues.iter()
        .map(|cue| Cue {
            written: cue,
            normalised: normalise(cue).as_str().to_string(),
        })
        .collect()
}

impl ContextRules {
    /// The shipped rules.
    pub fn new() -> ContextRules {
        ContextRules {
            calling: normalised_cues(CALLING_CUES),
            reporting: normalised_cues(REPORTING_CUES),
            report_context: normalised_cues(REPORT_CONTEXT),
            quote_introducers: normalised_cues(QUOTE_INTRODUCERS),
            negators: normalised_cues(NEGATORS),
            self_reference: normalised_cues(SELF_REFERENCE),
            calls: Calls {
                forbidding: normalised_words(FORBIDDING),
                conditions: CALL_CONDITIONS
                    .iter()
                    .copied()
                    .zip(normalised_list(CALL_CONDITIONS))
                    .collect(),
                fillers: normalised_list(FORBIDDING_FILLERS),
                verbs: normalised_list(CALL_VERBS),
                writer: normalised_list(WRITER),
            },
        }
    }

    /// Reads the context of a hit at original bytes `start..` in `text` (normalised as `whole`).
    pub fn assess(
        &self,
        text: &str,
        whole: &Normalised,
        start: usize,
        category: Category,
        reclaimable: bool,
    ) -> Context {
        let clause = normalise(clause_before(text, start));
        let clause = clause.as_str();
        let mut context = Context::default();
        let phrase = normalise(phrase_before_keeping_quotes(text, start));
        if let Some(cue) =
            find_cue(phrase.as_str(), &self.calling).or_else(|| find_cue(clause, &self.reporting))
        {
            context.reported = Some(format!(
                "it follows \"{}\", which reports what someone said",
                cue.written
            ));
        } else if let Some(reason) = self.forbidden_call(phrase.as_str()) {
            context.reported = Some(reason);
        } else if let Some(open) = opening_quote(text, start) {
            if let Some(cue) = find_cue(whole.as_str(), &self.report_context) {
                context.reported = Some(format!(
                    "it is inside quotation marks in a message that reads as a report (\"{}\")",
                    cue.written
                ));
            } else if let Some(cue) = find_in_last_words(
                normalise(clause_before(text, open)).as_str(),
                &self.quote_introducers,
                QUOTE_INTRODUCER_WORDS,
            ) {
                context.reported = Some(format!(
                    "it is inside quotation marks introduced by \"{}\", which holds words up to report or condemn them",
                    cue.written
                ));
            }
        }
        if category.negation_applies()
            && let Some(word) = find_in_last_words(clause, &self.negators, NEGATION_WINDOW_WORDS)
        {
            context.negated = Some(format!(
                "it is negated (\"{}\" just before it)",
                word.written
            ));
        }
        if reclaimable
            && let Some(word) =
                find_in_last_words(clause, &self.self_reference, SELF_REFERENCE_WINDOW_WORDS)
        {
            context.self_reference = Some(format!(
                "the term has been reclaimed by some in-group users and is used here in self-reference (\"{}\")",
                word.written
            ));
        }
        context
    }

    /// Why the term after `phrase` (the normalised clause before it, from its last comma, colon
    /// or bracket) is the word someone is told not to call another, or told what to do if they
    /// are called it, if it is: the object of "call" or "calls" in the phrase, with at most
    /// [`CALL_OBJECT_WORDS`] words between ("call anyone a …", "calls you a …"), where the verb
    /// follows a word that forbids it ("don't ever call", "never call", "you must not call") or
    /// opens a condition on someone else's calling ("if anyone calls", "anyone who calls").
    /// "I'll call you a … if I want", "If I call you a …", "Don't be such a …" and "Don't call
    /// me, you …" are not.
    fn forbidden_call(&self, phrase: &str) -> Option<String> {
        let words: Vec<&str> = phrase.split_whitespace().collect();
        let calls = &self.calls;
        // The verb, with its object between it and the term.
        let verb_at = words
            .iter()
            .rposition(|word| calls.verbs.iter().any(|verb| verb == word))?;
        let object = words.get(verb_at + 1..)?;
        let ends_in_article = object.last().is_some_and(|w| *w == "a" || *w == "an");
        if object.is_empty()
            || object.len() > CALL_OBJECT_WORDS
            || (object.len() > 2 && !ends_in_article)
        {
            return None;
        }
        let before = words.get(..verb_at)?;
        // A forbidding word straight before the verb, or with fillers between.
        let mut end = before.len();
        while end > 0
            && before
                .get(end - 1)
                .is_some_and(|w| calls.fillers.iter().any(|f| f == w))
        {
            end -= 1;
        }
        let kept = before.get(..end)?;
        if let Some((written, _)) = calls
            .forbidding
            .iter()
            .find(|(_, cue)| kept.ends_with(&cue.iter().map(String::as_str).collect::<Vec<_>>()))
        {
            return Some(format!(
                "it is the word someone is told not to call another (\"{written} … call\"), mentioned to forbid it"
            ));
        }
        // A condition on someone else's calling, a few words before the verb.
        let from = before.len().saturating_sub(CALL_CONDITION_WORDS + 1);
        for at in (from..before.len()).rev() {
            let Some(word) = before.get(at) else {
                continue;
            };
            let Some((written, _)) = calls.conditions.iter().find(|(_, cue)| cue == word) else {
                continue;
            };
            let caller = before.get(at + 1);
            if caller.is_some_and(|c| calls.writer.iter().any(|w| w == c)) {
                return None;
            }
            return Some(format!(
                "it is what someone may be called (\"{written} … call\"), mentioned to say what to do about it"
            ));
        }
        None
    }
}

/// Whether the term at original byte `start` of `text` is said to someone, the address and the
/// term in one clause with no comma, colon or bracket between: "you are a fool" is, "thank you.
/// Failure to attend…" and "thank you, stupid question but…" are not (the lexicon's own check,
/// on normalised text without punctuation, lets those through to here).
///
/// A term written with a capital straight after a lower-case "you" ("thank you Wally") is taken
/// for a name, not an insult.
pub(crate) fn addressed(text: &str, start: usize) -> bool {
    if looks_like_a_name(text, start) {
        return false;
    }
    let clause = phrase_before(text, start);
    crate::lexicon::addressed_before(
        clause.bytes(),
        clause.bytes().len(),
        crate::lexicon::AddressScope::Clause,
    )
}

/// Whether the term ending at original byte `end` of `text` is followed by a comma or
/// exclamation mark and then "you": a form of address ("Bitch, you're on camera").
pub(crate) fn calls_out(text: &str, end: usize) -> bool {
    let Some(after) = text.get(end..) else {
        return false;
    };
    let Some(after) = after.strip_prefix([',', '!']) else {
        return false;
    };
    let word: String = after
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '\'' || *c == '’')
        .flat_map(char::to_lowercase)
        .collect();
    ["you", "you're", "you’re", "youre", "your", "u"].contains(&word.as_str())
}

/// The first of `words` (written, and normalised with a space either side) in the sentence
/// around the term at original bytes `start..end` of `text`, if any: "puppies" in "My labrador
/// bitch had three puppies".
pub(crate) fn innocent_near<'a>(
    text: &str,
    start: usize,
    end: usize,
    words: &'a [(String, String)],
) -> Option<&'a str> {
    let before = clause_before(text, start);
    let after = window_after(text, end);
    let after = after
        .find(['.', '!', '?', '\n', ';'])
        .map_or(after, |at| &after[..at]);
    let term = text.get(start..end).unwrap_or_default();
    let sentence = normalise(&format!("{before}{term}{after}"));
    words
        .iter()
        .find(|(_, word)| sentence.as_str().contains(word.as_str()))
        .map(|(written, _)| written.as_str())
}

/// Whether the term at original byte `start` of `text` is said of one of `groups` in the same
/// clause (no comma, colon, bracket or quotation mark between), with at least `fewest` words
/// such as "are" between: "muslims are vermin" is; "we met the muslims. Are vermin a problem"
/// is not. A word such as "they" stands for a group named shortly before it ("Immigrants
/// everywhere. They are vermin.").
pub(crate) fn said_of<G: AsRef<[u8]>>(
    text: &str,
    start: usize,
    groups: &[G],
    fewest: usize,
) -> bool {
    match subject_in_clause(text, start, groups, fewest, true) {
        Some(Subject::Group) => true,
        Some(Subject::Referring(_)) => named_shortly_before(text, start, groups),
        None => false,
    }
}

/// Whether one of `groups` is named in the [`crate::lexicon::REFERENCE_WINDOW`] bytes of `text`
/// before byte `start`, other than as a possessive ("the asylum seekers' hostel" names a
/// hostel: "Rats were seen in the asylum seekers' hostel. They are vermin." is about rats).
fn named_shortly_before<G: AsRef<[u8]>>(text: &str, start: usize, groups: &[G]) -> bool {
    let window = text_before(text, start, crate::lexicon::REFERENCE_WINDOW);
    let normalised = normalise(window);
    crate::lexicon::group_mentions(normalised.bytes(), groups).any(|(from, to)| {
        normalised
            .original_range(from, to)
            .and_then(|(_, end)| window.get(end..))
            .is_none_or(|after| !after.starts_with(['\'', '’']))
    })
}

/// Whether the term at original byte `start` of `text` is said of a person in the same clause:
/// "she's a bitch to her dog" is, "her bitch is in season" is not (no verb between).
pub(crate) fn said_of_a_person(text: &str, start: usize) -> bool {
    subject_in_clause(text, start, PERSONS, 1, false) == Some(Subject::Group)
}

/// What the term at original byte `start` of `text` is said of within its clause (see
/// [`crate::lexicon::subject_before`]).
fn subject_in_clause<G: AsRef<[u8]>>(
    text: &str,
    start: usize,
    groups: &[G],
    fewest: usize,
    referring: bool,
) -> Option<Subject> {
    let clause = phrase_before(text, start);
    crate::lexicon::subject_before(
        clause.bytes(),
        clause.bytes().len(),
        groups,
        fewest,
        referring,
    )
}

/// Up to `bytes` bytes of `text` before byte `start` (fewer where a character straddles the cut).
fn text_before(text: &str, start: usize, bytes: usize) -> &str {
    let start = start.min(text.len());
    let mut from = start.saturating_sub(bytes);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    text.get(from..start).unwrap_or_default()
}

/// Who a word may be said of, as the normaliser writes them ("she's" is "she s").
const PERSONS: &[&[u8]] = &[
    b"she",
    b"he",
    b"she s",
    b"he s",
    b"shes",
    b"hes",
    b"that woman",
    b"this woman",
    b"the woman",
    b"your mum",
    b"your mother",
    b"your wife",
    b"his wife",
    b"my wife",
    b"my ex",
    b"his ex",
    b"your sister",
    b"my boss",
    b"your boss",
];

/// The clause before original byte `start`, from its last comma, colon, bracket or quotation
/// mark, normalised.
fn phrase_before(text: &str, start: usize) -> Normalised {
    let clause = clause_before(text, start);
    let cut = clause
        .rfind([',', ':', '(', ')', '[', ']', '"', '“', '”'])
        .map_or(0, |at| at + 1);
    normalise(clause.get(cut..).unwrap_or_default())
}

/// The clause before original byte `start`, from its last comma, colon or bracket, with
/// quotation marks kept ("don't call anyone a \"…\"" holds the verb and its object). Where the
/// term is inside a quotation opened in the clause, the marks inside the quotation do not cut
/// it, nor one straight before it ("he called me, \"…\"").
fn phrase_before_keeping_quotes(text: &str, start: usize) -> &str {
    let clause = clause_before(text, start);
    let clause_start = start.min(text.len()) - clause.len();
    let searched = match opening_quote(text, start) {
        Some(open) if open >= clause_start => {
            let before_quote = clause.get(..open - clause_start).unwrap_or_default();
            // A comma or colon straight before the quotation mark introduces it.
            before_quote.trim_end().trim_end_matches([',', ':'])
        }
        _ => clause,
    };
    let cut = searched
        .rfind([',', ':', '(', ')', '[', ']'])
        .map_or(0, |at| at + 1);
    clause.get(cut..).unwrap_or_default()
}

/// Whether the term at original byte `start` of `text` is what the writer says they will do,
/// within its clause (see [`crate::lexicon::speaker_intends_before`]): "I will find you and hurt
/// you" is; "He said he would. Hurt you? Never." is not.
pub(crate) fn by_speaker(text: &str, start: usize) -> bool {
    let clause = phrase_before(text, start);
    crate::lexicon::speaker_intends_before(clause.bytes(), clause.bytes().len())
}

/// Whether the term ending at original byte `end` of `text` is aimed at one of `groups` in the
/// same clause (no comma, full stop, colon, bracket or quotation mark between): "I hate
/// muslims" is; "I hate it. Muslims in the area…" is not.
pub(crate) fn aimed_at(text: &str, end: usize, groups: &[Vec<u8>]) -> bool {
    let after = window_after(text, end);
    let clause = after
        .find([
            '.', '!', '?', '\n', ';', ',', ':', '(', ')', '[', ']', '"', '“', '”',
        ])
        .map_or(after, |at| &after[..at]);
    let clause = normalise(clause);
    crate::lexicon::aimed_at_after(clause.bytes(), 0, groups)
}

/// Whether the word at original byte `start` starts with a capital letter, is not written all
/// in capitals, and straight follows "you" written without a capital ("thank you Wally", "see
/// you Dick"), where that "you" neither opens the clause nor follows a word that calls someone
/// out ("shut up you Cow"): "you are a Cow" is no name.
fn looks_like_a_name(text: &str, start: usize) -> bool {
    let Some(after) = text.get(start..) else {
        return false;
    };
    let word: &str = after
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    let mut letters = word.chars();
    if !letters.next().is_some_and(char::is_uppercase) || !letters.any(char::is_lowercase) {
        return false;
    }
    let before = text.get(..start).unwrap_or_default().trim_end();
    let previous = last_word(before);
    if !["you", "u", "ya", "yer"].contains(&previous) {
        return false;
    }
    // "shut up you Cow", "oi you Slag" and a clause opened by "you" call someone a name; "thank
    // you Wally" and "see you Dick" name them.
    let before_you = before.strip_suffix(previous).unwrap_or_default().trim_end();
    let opener = last_word(before_you);
    let clause_opens =
        before_you.is_empty() || before_you.ends_with(|c: char| !c.is_alphanumeric());
    !clause_opens && !CALLING_OUT_BEFORE_YOU.contains(&opener.to_lowercase().as_str())
}

/// Titles that stand before a surname (compared without case or a full stop).
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lord", "lady", "rev", "pc",
    "dc", "ds", "di", "dci", "dsu", "sgt", "insp", "supt", "ch", "det", "cllr", "judge", "van",
    "von", "de",
];

/// Whether the word at original bytes `start..end` of `text` is written as part of a person's
/// name: capitalised (not all capitals), straight after (one space between) a title ("Mr
/// Pollack"), an initial ("John P. Looney", "Kate P Looney") or a capitalised word that is not
/// one said to someone or before an insult ("Kate Looney"; not "You Looney", "Stupid Looney");
/// or written the same way elsewhere in the text where it is so ("Kenneth Pollack, a former
/// analyst… Pollack still doesn't").
pub(crate) fn written_as_a_name(text: &str, start: usize, end: usize) -> bool {
    let Some(word) = text.get(start..end) else {
        return false;
    };
    // The letters of the word ("Looney's" is "Looney").
    let word = word
        .split(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or_default();
    if !capitalised(word) {
        return false;
    }
    if name_before(text, start) {
        return true;
    }
    // Elsewhere in the text (at most a few places looked at: names are not repeated hundreds
    // of times, and a text built to repeat one is not worth the time).
    text.match_indices(word)
        .filter(|&(at, _)| at != start)
        .take(NAME_PLACES)
        .any(|(at, _)| {
            let whole = text
                .get(..at)
                .is_none_or(|b| !b.ends_with(char::is_alphanumeric))
                && text
                    .get(at + word.len()..)
                    .is_none_or(|a| !a.starts_with(char::is_alphanumeric));
            whole && name_before(text, at)
        })
}

/// Words for a road or a place that a name stands before ("Gaylord Road", "Looney Street").
const PLACE_WORDS: &[&str] = &[
    "Road",
    "Rd",
    "Street",
    "St",
    "Lane",
    "Ln",
    "Avenue",
    "Ave",
    "Close",
    "Drive",
    "Dr",
    "Way",
    "Place",
    "Crescent",
    "Terrace",
    "Hill",
    "Park",
    "Green",
    "Grove",
    "Gardens",
    "Court",
    "Square",
    "Row",
    "Walk",
    "Mews",
    "Parade",
    "Rise",
    "View",
    "Farm",
    "House",
    "Arms",
    "Inn",
    "Hotel",
    "Bridge",
    "Wood",
    "Woods",
    "Field",
    "Fields",
    "Common",
    "Estate",
    "Hall",
    "Centre",
    "School",
    "Academy",
    "Primary",
    "College",
    "Church",
    "Chapel",
    "Station",
    "Airport",
    "Reservoir",
];

/// The place word straight after the word at original bytes `start..end` of `text`, where that
/// word is capitalised (not all capitals) and one space stands between: "Gaylord Road" is a
/// street, whatever else the word may be.
pub(crate) fn names_a_place(text: &str, start: usize, end: usize) -> Option<&'static str> {
    let word = text.get(start..end)?;
    if !capitalised(word) {
        return None;
    }
    let next = next_word(text.get(end..)?.strip_prefix(' ')?);
    PLACE_WORDS.iter().copied().find(|place| *place == next)
}

/// Words that end the name of an organisation ("Queer Police Network", "Dyke Action Group").
const ORGANISATION_WORDS: &[&str] = &[
    "Network",
    "Networks",
    "Association",
    "Alliance",
    "Society",
    "Group",
    "Forum",
    "Collective",
    "Union",
    "Council",
    "Committee",
    "Federation",
    "Foundation",
    "Trust",
    "Project",
    "Centre",
    "Club",
    "Choir",
    "Festival",
    "Museum",
    "Archive",
];

/// Capitalised words at most that may stand between a term and the word that ends an
/// organisation's name ("Queer Police Network").
const ORGANISATION_NAME_WORDS: usize = 3;

/// The name of the organisation that the word at original bytes `start..end` of `text` begins,
/// if it does: the word capitalised (not all capitals), then capitalised words (or "and", "of",
/// "&"), at most [`ORGANISATION_NAME_WORDS`] of them before one of [`ORGANISATION_WORDS`], one
/// space apart ("Queer Police Network", "Dyke Action Group"). A reclaimed term in the name of the
/// group's own organisation is no abuse.
pub(crate) fn names_an_organisation(text: &str, start: usize, end: usize) -> Option<&str> {
    let word = text.get(start..end)?;
    if !capitalised(word) {
        return None;
    }
    let mut at = end;
    for _ in 0..=ORGANISATION_NAME_WORDS {
        let after = text.get(at..)?.strip_prefix(' ')?;
        let next = next_word(after);
        if next.is_empty() {
            return None;
        }
        at = at + 1 + next.len();
        if ORGANISATION_WORDS.contains(&next) {
            return text.get(start..at);
        }
        if !(capitalised(next) || ["and", "of", "&"].contains(&next)) {
            return None;
        }
    }
    None
}

/// Ends of insults made by joining a word to a slur's stem ("Bitchface", "Slutbag"), which a
/// capital does not make a name. Written as the normaliser writes them (repeats squeezed).
const INSULT_ENDINGS: &[&str] = &[
    "face", "faced", "head", "heads", "bag", "bags", "stain", "stains", "wipe", "hole", "holes",
    "sack", "lord", "tard", "breath", "brain", "licker", "lickers", "sucker", "suckers", "muncher",
    "monkey", "boy", "boys", "girl", "girls", "bucket", "weasel", "nugget", "pufin", "womble",
    "burger", "tastic", "nes", "ines", "ish", "ishly", "ishnes", "wit", "wits", "job", "jobs",
];

/// Letters a stem's word must have past the stem to be read as a longer proper noun by
/// [`inside_a_proper_noun`]: an ending ("-s", "-ing", "-ers", "-iness") is shorter.
const PROPER_NOUN_REST: usize = 4;

/// Whether the word at original bytes `start..end` of `text`, which a stem of `stem_len`
/// normalised letters matched, is a proper noun the stem is only the start of: letters alone,
/// capitalised (not all capitals), at least [`PROPER_NOUN_REST`] letters longer than the stem
/// once normalised, not ending as an insult made on the stem does ([`INSULT_ENDINGS`]), and in
/// the middle of a sentence (after a word or a comma on the same line),
/// where a capital marks a name: "the burglary in Bitchfield, Lincolnshire". The same word
/// opening a sentence may be any word, and is not set aside.
pub(crate) fn inside_a_proper_noun(text: &str, start: usize, end: usize, stem_len: usize) -> bool {
    let Some(word) = text.get(start..end) else {
        return false;
    };
    if !word.chars().all(char::is_alphabetic) || !capitalised(word) {
        return false;
    }
    let normalised = normalise(word);
    let letters = normalised.as_str().trim();
    if letters.len() < stem_len + PROPER_NOUN_REST
        || INSULT_ENDINGS
            .iter()
            .any(|ending| letters.ends_with(ending))
    {
        return false;
    }
    let before = text
        .get(..start)
        .unwrap_or_default()
        .trim_end_matches([' ', '\t']);
    before.ends_with(|c: char| c.is_alphanumeric() || c == ',')
}

/// The letters (and `&`) at the start of `text`.
fn next_word(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphabetic() || c == '&'))
        .unwrap_or(text.len());
    text.get(..end).unwrap_or_default()
}

/// At most this many other places of a word are looked at by [`written_as_a_name`].
const NAME_PLACES: usize = 16;

/// A capital letter, then lower-case letters alone (at least one).
fn capitalised(word: &str) -> bool {
    let mut letters = word.chars();
    letters.next().is_some_and(char::is_uppercase)
        && word.chars().count() >= 2
        && letters.all(char::is_lowercase)
}

/// Whether what comes straight before original byte `start` is a first name, an initial or a
/// title (see [`written_as_a_name`]).
fn name_before(text: &str, start: usize) -> bool {
    let Some(before) = text.get(..start).and_then(|b| b.strip_suffix(' ')) else {
        return false;
    };
    let stopped = before.strip_suffix('.');
    let previous = last_word(stopped.unwrap_or(before));
    // An initial: one capital, with or without a full stop ("P.", "P").
    if previous.chars().count() == 1 && previous.chars().all(char::is_uppercase) {
        return true;
    }
    if TITLES.contains(&previous.to_lowercase().as_str()) {
        return true;
    }
    // A first name: not after a full stop ("Stop. Looney" is no name).
    stopped.is_none()
        && capitalised(previous)
        && !crate::lexicon::is_address_or_frame(normalise(previous).as_str().trim().as_bytes())
}

/// The letters and digits at the end of `text` (empty when it ends in anything else).
fn last_word(text: &str) -> &str {
    text.rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
}

/// Words after which "you" and a capitalised word is an insult, not a name ("shut up you Cow").
const CALLING_OUT_BEFORE_YOU: &[&str] = &["up", "off", "oi", "hey", "listen", "and", "are"];

/// At most [`LOOKBACK_BYTES`] of `text` from original byte `end` (moved on to a character
/// boundary), so that what is looked for after a term is never searched for to the end of a
/// long text once per term.
fn window_after(text: &str, end: usize) -> &str {
    let mut end = end.min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let mut cut = (end + LOOKBACK_BYTES).min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.get(end..cut).unwrap_or_default()
}

/// The original text from the start of the clause (sentence or line) to `start`.
fn clause_before(text: &str, start: usize) -> &str {
    let window = text_before(text, start, LOOKBACK_BYTES);
    let cut = window
        .rfind(['.', '!', '?', '\n', ';'])
        .map(|i| i + 1)
        .unwrap_or(0);
    &window[cut..]
}

fn find_cue<'a>(normalised: &str, cues: &'a [Cue]) -> Option<&'a Cue> {
    cues.iter()
        .find(|cue| normalised.contains(cue.normalised.as_str()))
}

/// A cue among the last `words` words of normalised text.
fn find_in_last_words<'a>(normalised: &str, cues: &'a [Cue], words: usize) -> Option<&'a Cue> {
    let trimmed = normalised.trim_end();
    let mut cut = trimmed.len();
    let mut seen = 0;
    while seen < words {
        match trimmed[..cut].rfind(' ') {
            Some(at) => {
                cut = at;
                seen += 1;
            }
            None => {
                cut = 0;
                break;
            }
        }
    }
    let tail = format!(" {} ", trimmed[cut..].trim());
    cues.iter()
        .find(|cue| tail.contains(cue.normalised.as_str()))
}

/// Where the double quotation mark opened earlier in the same paragraph, and not yet closed, is
/// (a byte of `text`), if `start` sits inside one.
fn opening_quote(text: &str, start: usize) -> Option<usize> {
    let start = start.min(text.len());
    let mut from = start.saturating_sub(QUOTE_LOOKBACK_BYTES);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let window = &text[from..start];
    let paragraph_at = window.rfind("\n\n").unwrap_or(0);
    let mut open: Option<usize> = None;
    for (at, ch) in window[paragraph_at..].char_indices() {
        let at = from + paragraph_at + at;
        match ch {
            '"' => open = if open.is_some() { None } else { Some(at) },
            '“' | '«' => open = Some(at),
            '”' | '»' => open = None,
            _ => {}
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assess(text: &str, word: &str, category: Category, reclaimable: bool) -> Context {
        let start = text.find(word).unwrap();
        ContextRules::new().assess(text, &normalise(text), start, category, reclaimable)
    }

    #[test]
    fn reporting_verbs_mark_reported_speech() {
        let c = assess(
            "He called me a blorp in the canteen.",
            "blorp",
            Category::Racist,
            false,
        );
        assert!(c.reported.unwrap().contains("called me"));
        let c = assess("Stop it. You blorp.", "blorp", Category::Racist, false);
        assert_eq!(c.reported, None);
    }

    #[test]
    fn quotes_count_only_in_a_report() {
        let text = "Complaint from PC Jones: the driver shouted \"you blorp\" at her.";
        assert!(
            assess(text, "blorp", Category::Racist, false)
                .reported
                .is_some()
        );
        let text = "Honestly mate you are a \"blorp\"";
        assert_eq!(
            assess(text, "blorp", Category::Racist, false).reported,
            None
        );
    }

    #[test]
    fn quotes_introduced_as_words_held_up_are_reported_speech() {
        for text in [
            "Statements like \"you blorp\" are deeply hurtful.",
            "If you say “all of them are blorps”, then you are a bigot!",
            "I will not have posts such as \"blorp out\" on this page.",
            "You can't seriously believe that \"they are blorp\".",
        ] {
            let reported = assess(text, "blorp", Category::Racist, false).reported;
            assert!(
                reported
                    .as_deref()
                    .is_some_and(|r| r.contains("introduced by")),
                "{text}: {reported:?}"
            );
        }
        // Quoted words with nothing holding them up, and a quotation already closed.
        for text in [
            "Honestly, such a \"blorp\" move",
            "The \"team\" was there and you blorp.",
            "Posts like \"this one\" are fine, you blorp.",
        ] {
            assert_eq!(
                assess(text, "blorp", Category::Racist, false).reported,
                None,
                "{text}"
            );
        }
    }

    #[test]
    fn a_term_someone_is_told_not_to_call_another_is_mentioned_not_used() {
        for text in [
            "Please don't ever call anyone a blorp, it's racist and unacceptable.",
            "If anyone calls you a blorp, report it to your supervisor.",
            "You must never call a colleague a blorp.",
            "Do not call people blorps.",
            "Anyone who calls a member of the public a blorp will be dismissed.",
            "Don't call anyone a \"blorp\" again.",
            "Don't you ever call anyone such a blorp.",
            "When someone calls you a blorp, write it down.",
        ] {
            let reported = assess(text, "blorp", Category::Racist, false).reported;
            assert!(
                reported.as_deref().is_some_and(|r| r.contains("call")),
                "{text}: {reported:?}"
            );
        }
        for text in [
            "I'll call you a blorp if I want",
            "Don't be such a blorp",
            "don't call me, you blorp",
            "Call me when you're done, you blorp.",
            "If I call you a blorp, what will you do?",
            "Don't call him when that blorp is around.",
            "I never said that. Call him a blorp.",
            "Never mind, call him a blorp.",
        ] {
            assert_eq!(
                assess(text, "blorp", Category::Racist, false).reported,
                None,
                "{text}"
            );
        }
    }

    #[test]
    fn a_term_after_a_comma_is_not_what_someone_was_called() {
        // Said to the reader after the comma, not the object of "call".
        assert_eq!(
            assess(
                "Stop calling me that, you blorp.",
                "blorp",
                Category::Racist,
                false
            )
            .reported,
            None
        );
        // The object of "called", in quotation marks after a comma, is still reported.
        for text in [
            "He called me a blorp in the canteen.",
            "He called me, \"blorp\", in the canteen.",
            "Don't call me a blorp.",
        ] {
            assert!(
                assess(text, "blorp", Category::Racist, false)
                    .reported
                    .is_some(),
                "{text}"
            );
        }
    }

    #[test]
    fn negation_applies_to_threats_not_slurs() {
        let c = assess(
            "I'm not going to hurt you",
            "going",
            Category::Threat,
            false,
        );
        assert!(c.negated.is_some());
        let c = assess("he is not a blorp", "blorp", Category::Racist, false);
        assert_eq!(c.negated, None);
    }

    #[test]
    fn self_reference_for_reclaimable_terms() {
        let c = assess(
            "As a blorp woman I disagree",
            "blorp",
            Category::Homophobic,
            true,
        );
        assert!(c.self_reference.is_some());
        let c = assess("Shut up you blorp", "blorp", Category::Homophobic, true);
        assert_eq!(c.self_reference, None);
    }
}
