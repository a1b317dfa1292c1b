//! Curated word lists held as data, compiled into one Aho-Corasick DFA over normalised text.
//!
//! A lexicon file is YAML:
//!
//! ```yaml
//! category: disablist          # racist, misogynistic, homophobic, transphobic, disablist,
//!                              # religious_hatred, threat, harassment, general_abuse
//! entries:
//!   - terms: [retard]          # written plainly; they are normalised like the text
//!     severity: high           # informational, low, medium, high, critical
//!     match: prefix            # word (default): whole words only; prefix: any word starting so
//!     exceptions: [retardant, retardation]   # innocent words or phrases that contain the term
//!     reclaimable: false       # true: some in-group users have reclaimed it (lowered in self-reference,
//!                              # set aside in an organisation's name: "Queer Police Network")
//!     addressed: false         # true: only where said to someone ("you fool", "you're a fool")
//!     said_of: [muslims, jews] # only where said of one of these groups ("muslims are vermin")
//!     verb: false              # true: a said_of verb phrase, which may follow the group straight
//!                              # ("gays make me sick"); otherwise a word such as "are" must stand between
//!     aimed_at: [muslims]      # only where aimed at one of these groups ("i hate muslims")
//!     by_speaker: false        # true: only where the writer says they will do it ("i will",
//!                              # "i'm going to", "i'd love to" straight before: "i will hurt you")
//!     name: false              # true: also a surname; set aside where written as part of a
//!                              # person's name ("Kate Looney", "Mr Pollack") or a place's
//!                              # ("Gaylord Road")
//!     innocent_near: [puppies] # set aside where one of these is in the same sentence and the
//!                              # term is not said to or of someone ("the bitch had six puppies")
//!     plural: true             # word entries also match +s and +es (default true)
//!     note: why it is on the list
//! ```
//!
//! The shipped lists sit in `crates/probity-content/lexicons/` and are embedded as
//! [`Lexicon::defaults`]; [`Lexicon::from_dir`] loads a force's own.

use std::path::Path;

use probity_model::Level;
use serde::Deserialize;

use crate::normalise::{MAX_SPLIT_WORD_BYTES, Normalised, normalise};
use crate::{Error, Result};
use table::{State, Table, is_special, step};

mod table;

/// Largest lexicon file read.
pub const MAX_LEXICON_FILE_BYTES: u64 = 1 << 20;
/// Most entries across all files.
pub const MAX_ENTRIES: usize = 20_000;
/// Longest term, in bytes.
pub const MAX_TERM_BYTES: usize = 120;

/// The categories of the abuse policy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Race, colour, ethnicity or nationality.
    Racist,
    /// Women.
    Misogynistic,
    /// Sexual orientation.
    Homophobic,
    /// Gender identity.
    Transphobic,
    /// Disability.
    Disablist,
    /// Religion or belief.
    ReligiousHatred,
    /// Threats of violence or harm.
    Threat,
    /// Sexual harassment, bullying and intimidation.
    Harassment,
    /// Insults and abuse not aimed at a protected characteristic.
    GeneralAbuse,
}

impl Category {
    /// Every category, in a fixed order.
    pub const ALL: [Category; 9] = [
        Category::Racist,
        Category::Misogynistic,
        Category::Homophobic,
        Category::Transphobic,
        Category::Disablist,
        Category::ReligiousHatred,
        Category::Threat,
        Category::Harassment,
        Category::GeneralAbuse,
    ];

    /// The name used in findings and YAML (`religious_hatred`).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Racist => "racist",
            Category::Misogynistic => "misogynistic",
            Category::Homophobic => "homophobic",
            Category::Transphobic => "transphobic",
            Category::Disablist => "disablist",
            Category::ReligiousHatred => "religious_hatred",
            Category::Threat => "threat",
            Category::Harassment => "harassment",
            Category::GeneralAbuse => "general_abuse",
        }
    }

    /// Whether a negation before the term changes its meaning ("I'm not going to hurt you").
    /// Slurs stay slurs when negated ("he's not a …" still uses the word), so only threats,
    /// harassment and general insults are lowered.
    pub fn negation_applies(self) -> bool {
        matches!(
            self,
            Category::Threat | Category::Harassment | Category::GeneralAbuse
        )
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a term is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    /// Whole words (or whole phrases) only.
    #[default]
    Word,
    /// Any word that starts with the term (a stem: `wank` for `wanker`, `wanking`).
    Prefix,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRepr {
    category: Category,
    #[serde(default)]
    entries: Vec<EntryRepr>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryRepr {
    terms: Vec<String>,
    severity: String,
    #[serde(default, rename = "match")]
    mode: MatchMode,
    #[serde(default)]
    exceptions: Vec<String>,
    #[serde(default)]
    reclaimable: bool,
    #[serde(default)]
    addressed: bool,
    #[serde(default)]
    said_of: Vec<String>,
    #[serde(default)]
    verb: bool,
    #[serde(default)]
    aimed_at: Vec<String>,
    #[serde(default)]
    by_speaker: bool,
    #[serde(default)]
    name: bool,
    #[serde(default)]
    innocent_near: Vec<String>,
    #[serde(default = "yes")]
    plural: bool,
    #[serde(default)]
    note: Option<String>,
}

fn yes() -> bool {
    true
}

/// One lexicon entry after loading.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The entry's category.
    pub category: Category,
    /// The severity a plain match carries.
    pub severity: Level,
    /// The first term, as written in the file (used to name the entry in explanations).
    pub term: String,
    /// Whole word or stem.
    pub mode: MatchMode,
    /// Some in-group users have reclaimed the term: lowered in self-reference, and set aside
    /// where it begins the name of an organisation ("Queer Police Network",
    /// `context::names_an_organisation`).
    pub reclaimable: bool,
    /// The term matches only where it is said to someone: after "you", "you're", "you are a"
    /// and the like, with at most a few words such as "such", "complete" or "stupid" between
    /// (`lexicon::addressed_before`), all in one clause (`context::addressed`). "Fool" or
    /// "loser" alone is ordinary English ("April fool", "the loser pays the costs"); "you fool"
    /// is an insult.
    pub addressed: bool,
    /// Where not empty, the term matches only where it is said of one of these groups (as
    /// normalised): the group, then at least one and at most a few words such as "are", "all",
    /// "just" or "should", then the term, all in one clause ("muslims are vermin", "immigrants
    /// are all parasites"). "Vermin" alone is pest control.
    pub said_of: Vec<Vec<u8>>,
    /// With `said_of`: the term is a verb phrase, which may follow the group with no word
    /// between ("gays make me sick", "immigrants are ruining this country"). Other `said_of`
    /// terms need at least one word such as "are" between, so that a group naming what follows
    /// it ("women cancer screening") says nothing of the group.
    pub verb: bool,
    /// Where not empty, the term matches only where one of these groups (as normalised) follows
    /// it, with at most a few words such as "all", "the" or "those" between, in one clause ("i
    /// hate muslims", "exterminate all the immigrants").
    pub aimed_at: Vec<Vec<u8>>,
    /// The term matches only where the writer says they will do it: "i will", "i'll", "i'm
    /// going to", "we're gonna", "i want to" or "i'd love to" straight before it, with at most a
    /// few words such as "fucking", "just" or "find you and" between
    /// (`lexicon::speaker_intends_before`), all in one clause (`context::by_speaker`). "Hurt
    /// you" alone is how a warning is written ("he may hurt you"); "i will hurt you" is a threat.
    pub by_speaker: bool,
    /// The terms are surnames too ("Looney", "Pollack"): a match written as part of a person's
    /// name, capitalised after a first name, an initial or a title ("Kate Looney", "John P.
    /// Looney", "Mr Pollack"), is set aside (`context::written_as_a_name`), as is one written
    /// capitalised before a word for a road or place ("Gaylord Road", `context::names_a_place`).
    pub name: bool,
    /// Words or phrases (as written, and normalised with a space either side, as normalised
    /// text holds whole words) that show an innocent sense of the term
    /// where one is in the same sentence and the term is not said to someone or of a person
    /// ("she's a bitch to her dog"): "puppies",
    /// "kennel" or "vet" beside "bitch" (a female dog, as police dog handlers write every day).
    /// The scanner sets such a match aside with the reason (`context::innocent_near`).
    pub innocent_near: Vec<(String, String)>,
    /// Why the entry is on the list, if the file says.
    pub note: Option<String>,
    /// The file it came from.
    pub source: String,
    /// Every written form of the entry.
    pub terms: Vec<String>,
    plural: bool,
    /// Each exception as written, its normalised pattern (the leading space kept), and how many
    /// times each of its letters is repeated.
    exceptions: Vec<(String, Vec<u8>, Vec<u8>)>,
}

impl Entry {
    /// The fewest words that must stand between a group and a `said_of` term (see
    /// [`Entry::verb`]).
    pub(crate) fn fewest_frames(&self) -> usize {
        usize::from(!self.verb)
    }
}

/// One compiled pattern's owner and the repeat counts it needs.
#[derive(Debug, Clone)]
struct Target {
    entry: usize,
    term: usize,
    /// Repeat counts of the pattern's letters (without the padding spaces).
    runs: Vec<u8>,
    prefix: bool,
}

/// A set of entries compiled for matching.
#[derive(Debug, Clone)]
pub struct Lexicon {
    entries: Vec<Entry>,
    /// Every pattern in one DFA, copied into a table of its own and walked by
    /// [`Lexicon::matches`] a byte at a time.
    automaton: Table,
    targets: Vec<Vec<Target>>,
    /// Per automaton pattern: whether it is one of the watched words (see [`Lexicon::watching`]).
    watched: Vec<bool>,
    /// The watched words as given.
    watch_words: Vec<String>,
    /// The single-word terms by first letter, for the readings the automaton cannot make
    /// (asterisks for letters, the digit 1 as `l`).
    single_words: Vec<Vec<SingleWordTerm>>,
    /// The first three letters of every single-word term, as a set of bits ([`ThreeLetters`]):
    /// most words split by marks (`e-mail`, `and/or`) and most words with the digit 1 read as `l`
    /// begin as no term does, and are not matched against the terms.
    single_word_starts: ThreeLetters,
    /// The words [`subject_before`] looks for before a `said_of` term, to pass over most words
    /// without reading the groups.
    subject_words: SubjectWords,
    /// The automaton's patterns, kept to check its walk against the crate's search.
    #[cfg(test)]
    patterns: Vec<Vec<u8>>,
}

/// A single-word term, for matching against words the automaton cannot match: written with
/// asterisks for some of their letters (`b*tch`, `c**t`; [`Lexicon::censored`]), with the
/// digit 1 for an `l` (`s1ut`; [`Lexicon::ones_as_l`]), or split by marks (`sl_ut`;
/// [`Lexicon::pieces_joined`]).
#[derive(Debug, Clone)]
struct SingleWordTerm {
    /// The automaton pattern the term compiled to, and which of its targets this is.
    slot: usize,
    target: usize,
    /// The term's letters as the normaliser writes them (repeats squeezed: `fagot`).
    letters: Vec<u8>,
    /// The term's letters with each repeat written out (`faggot`), where that differs: an
    /// asterisk stands for one written letter, and asterisks are never squeezed.
    spelled: Option<Vec<u8>>,
}

/// A set of three-letter beginnings (`a`–`z` only), one bit each.
#[derive(Debug, Clone)]
struct ThreeLetters(Vec<u64>);

impl Default for ThreeLetters {
    fn default() -> Self {
        Self(vec![0; 26 * 26 * 26 / 64 + 1])
    }
}

impl ThreeLetters {
    /// The bit for `word`'s first three letters, if they are three lower-case letters.
    fn bit(word: &[u8]) -> Option<usize> {
        let [a, b, c] = *word.get(..3)? else {
            return None;
        };
        let index = |byte: u8| byte.is_ascii_lowercase().then(|| usize::from(byte - b'a'));
        Some((index(a)? * 26 + index(b)?) * 26 + index(c)?)
    }

    fn insert(&mut self, word: &[u8]) {
        if let Some(bit) = Self::bit(word)
            && let Some(slot) = self.0.get_mut(bit / 64)
        {
            *slot |= 1 << (bit % 64);
        }
    }

    /// Whether some word put in begins as `word` does.
    fn contains(&self, word: &[u8]) -> bool {
        Self::bit(word)
            .and_then(|bit| self.0.get(bit / 64).map(|slot| slot >> (bit % 64) & 1 == 1))
            .unwrap_or(false)
    }
}

/// A set of words, as a table of bits keyed by a word's length and its first and last bytes:
/// it may say a word is in that is not, never the other way round.
#[derive(Debug, Clone)]
struct WordFilter(Vec<u64>);

impl Default for WordFilter {
    fn default() -> Self {
        Self(vec![0; (1 << 14) / 64])
    }
}

impl WordFilter {
    /// The word's bit: five bits of its first and of its last byte (the whole of a letter), and
    /// its length up to 15.
    fn bit(word: &[u8]) -> usize {
        let first = usize::from(word.first().copied().unwrap_or(0) & 31);
        let last = usize::from(word.last().copied().unwrap_or(0) & 31);
        (first << 9) | (last << 4) | word.len().min(15)
    }

    fn insert(&mut self, word: &[u8]) {
        let bit = Self::bit(word);
        if let Some(slot) = self.0.get_mut(bit / 64) {
            *slot |= 1 << (bit % 64);
        }
    }

    /// False only if `word` was never put in.
    fn may_hold(&self, word: &[u8]) -> bool {
        let bit = Self::bit(word);
        self.0
            .get(bit / 64)
            .is_none_or(|slot| slot >> (bit % 64) & 1 == 1)
    }
}

/// The words [`subject_before`] looks for, for [`subject_before_in`]: where a word before a
/// `said_of` term is none of them, no group is named there and it is no frame word; where it
/// ends no group and no referring word, the groups need not be read there.
#[derive(Debug, Clone, Default)]
struct SubjectWords {
    /// The last word of every group of every entry and of every referring word.
    ends: WordFilter,
    /// Those and every frame word.
    any: WordFilter,
    /// The frame words ([`GROUP_FRAME_WORDS`]) by their first byte's five low bits, so that a
    /// word is compared with the few that begin as it does rather than with all of them.
    frames: Vec<Vec<&'static [u8]>>,
}

impl SubjectWords {
    fn new<'a>(groups: impl Iterator<Item = &'a Vec<u8>>) -> Self {
        let mut words = Self::default();
        for phrase in groups
            .map(Vec::as_slice)
            .chain(REFERRING_WORDS.iter().copied())
        {
            words.ends.insert(last_word(phrase));
            words.any.insert(last_word(phrase));
        }
        words.frames = vec![Vec::new(); 32];
        for word in GROUP_FRAME_WORDS {
            words.any.insert(word);
            if let Some(bucket) = words.frames.get_mut(Self::bucket(word)) {
                bucket.push(word);
            }
        }
        words
    }

    fn bucket(word: &[u8]) -> usize {
        usize::from(word.first().copied().unwrap_or(0) & 31)
    }

    /// Whether `word` is one of [`GROUP_FRAME_WORDS`].
    fn is_frame(&self, word: &[u8]) -> bool {
        self.frames
            .get(Self::bucket(word))
            .is_some_and(|bucket| bucket.contains(&word))
    }
}

/// Where [`Lexicon::pieces_joined`] joins a word's pieces: the longest word split by marks, with
/// a space either side.
type JoinBuffer = [u8; MAX_SPLIT_WORD_BYTES + 2];

/// Most digits 1 in one word whose readings as `l` are tried (each choice of them is).
const MAX_ONES_READ_AS_L: usize = 4;

/// Fewest letters (not asterisks) a word with asterisks must show of a term.
const CENSORED_MIN_LETTERS: usize = 2;

/// What one search gathers as its matches are judged: the hits kept, the hits exceptions set
/// aside, and the group mentions found so far.
struct Judged<'a> {
    hits: Vec<Hit>,
    excepted: &'a mut Vec<Excepted>,
    mentions: Mentions,
}

/// A lexicon hit in normalised text, before context rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the entry in [`Lexicon::entries`].
    pub entry: usize,
    /// Index of the matched term in the entry's [`Entry::terms`].
    pub term: usize,
    /// Normalised byte range of the matched word(s), without padding spaces.
    pub start: usize,
    /// End of the normalised range (for a stem, the end of the word).
    pub end: usize,
}

/// A hit that an exception cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excepted {
    /// The hit.
    pub hit: Hit,
    /// The exception, as written in the lexicon.
    pub exception: String,
}

const DEFAULT_FILES: [(&str, &str); 9] = [
    ("racist.yaml", include_str!("../lexicons/racist.yaml")),
    (
        "misogynistic.yaml",
        include_str!("../lexicons/misogynistic.yaml"),
    ),
    (
        "homophobic.yaml",
        include_str!("../lexicons/homophobic.yaml"),
    ),
    (
        "transphobic.yaml",
        include_str!("../lexicons/transphobic.yaml"),
    ),
    ("disablist.yaml", include_str!("../lexicons/disablist.yaml")),
    (
        "religious_hatred.yaml",
        include_str!("../lexicons/religious_hatred.yaml"),
    ),
    ("threat.yaml", include_str!("../lexicons/threat.yaml")),
    (
        "harassment.yaml",
        include_str!("../lexicons/harassment.yaml"),
    ),
    (
        "general_abuse.yaml",
        include_str!("../lexicons/general_abuse.yaml"),
    ),
];

impl Lexicon {
    /// The lexicons shipped with Probity.
    pub fn defaults() -> Result<Lexicon> {
        Lexicon::from_sources(&DEFAULT_FILES)
    }

    /// Every `*.yaml` file in a directory, in name order.
    pub fn from_dir(dir: &Path) -> Result<Lexicon> {
        let listing = std::fs::read_dir(dir).map_err(|source| Error::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut paths = Vec::new();
        for item in listing {
            let item = item.map_err(|source| Error::Read {
                path: dir.to_path_buf(),
                source,
            })?;
            let path = item.path();
            if path
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
            {
                paths.push(path);
            }
        }
        paths.sort();
        let mut files = Vec::new();
        for path in paths {
            files.push((path.display().to_string(), read_limited(&path)?));
        }
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str()))
            .collect();
        Lexicon::from_sources(&borrowed)
    }

    /// Lexicon files given as `(name, yaml text)` pairs.
    pub fn from_sources(files: &[(&str, &str)]) -> Result<Lexicon> {
        let mut entries = Vec::new();
        for (name, text) in files {
            // Size and nesting first: the YAML reader's time grows with the square of the
            // nesting.
            probity_model::policy_text::check_policy_text(text, MAX_LEXICON_FILE_BYTES as usize)
                .map_err(|reason| Error::invalid(*name, reason))?;
            let file: FileRepr =
                serde_yaml_ng::from_str(text).map_err(|e| Error::invalid(*name, e))?;
            for repr in file.entries {
                entries.push(load_entry(name, file.category, repr)?);
                if entries.len() > MAX_ENTRIES {
                    return Err(Error::invalid(
                        *name,
                        format!("more than {MAX_ENTRIES} entries"),
                    ));
                }
            }
        }
        Lexicon::compile(entries, Vec::new())
    }

    /// The same lexicon, also looking for `words` anywhere in the normalised text (not only as
    /// whole words) in the same pass: [`Lexicon::find_watching`] says whether one was there. This
    /// lets another check that needs a word filter (sealing's cue words) share the pass rather than
    /// read the text again. A word is normalised as text is, so every original occurrence of it,
    /// in any ASCII case, is found (and some evasive spellings besides).
    pub fn watching(self, words: &[&str]) -> Result<Lexicon> {
        let words = words.iter().map(|w| (*w).to_owned()).collect();
        Lexicon::compile(self.entries, words)
    }

    /// The watched words (see [`Lexicon::watching`]).
    pub fn watch_words(&self) -> &[String] {
        &self.watch_words
    }

    fn compile(entries: Vec<Entry>, watch_words: Vec<String>) -> Result<Lexicon> {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (entry_index, entry) in entries.iter().enumerate() {
            for (term_index, term) in entry.terms.iter().enumerate() {
                for form in forms(term, entry) {
                    let normalised = normalise(&form);
                    let Some((pattern, runs)) = pattern_of(&normalised, entry.mode) else {
                        continue;
                    };
                    let slot = *index.entry(pattern.clone()).or_insert_with(|| {
                        patterns.push(pattern);
                        targets.push(Vec::new());
                        targets.len() - 1
                    });
                    targets[slot].push(Target {
                        entry: entry_index,
                        term: term_index,
                        runs,
                        prefix: entry.mode == MatchMode::Prefix,
                    });
                }
            }
        }
        let mut watched = vec![false; patterns.len()];
        for word in &watch_words {
            let pattern = watch_pattern(word).ok_or_else(|| {
                Error::invalid("watched words", format!("{word:?} has no letters"))
            })?;
            let slot = *index.entry(pattern.clone()).or_insert_with(|| {
                patterns.push(pattern);
                targets.push(Vec::new());
                watched.push(false);
                targets.len() - 1
            });
            if let Some(flag) = watched.get_mut(slot) {
                *flag = true;
            }
        }
        let single_words = single_word_terms(&patterns, &targets);
        let mut single_word_starts = ThreeLetters::default();
        for term in single_words.iter().flatten() {
            single_word_starts.insert(&term.letters);
        }
        let subject_words = SubjectWords::new(entries.iter().flat_map(|entry| &entry.said_of));
        let automaton = Table::new(&patterns)?;
        Ok(Lexicon {
            entries,
            automaton,
            targets,
            watched,
            watch_words,
            single_words,
            single_word_starts,
            subject_words,
            #[cfg(test)]
            patterns,
        })
    }

    /// The loaded entries.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Finds every entry in normalised text. Hits that overlap one of their entry's exceptions
    /// go to `excepted` instead.
    pub fn find(&self, text: &Normalised, excepted: &mut Vec<Excepted>) -> Vec<Hit> {
        self.find_watching(text, excepted).0
    }

    /// As [`Lexicon::find`], also saying whether one of the watched words was in the text.
    pub fn find_watching(
        &self,
        text: &Normalised,
        excepted: &mut Vec<Excepted>,
    ) -> (Vec<Hit>, bool) {
        let bytes = text.bytes();
        let mut judged = Judged {
            hits: Vec::new(),
            excepted,
            mentions: Mentions::default(),
        };
        let mut watched = false;
        for (pattern, found_start) in self.matches(bytes) {
            watched |= self.watched.get(pattern).copied().unwrap_or(false);
            let Some(targets) = self.targets.get(pattern) else {
                continue;
            };
            let start = found_start + 1;
            for target in targets {
                let inner_end = start + target.runs.len();
                let end = if target.prefix {
                    word_end(bytes, inner_end)
                } else {
                    inner_end
                };
                // The context rules before the doubled letters (the order changes nothing, both
                // being needed): they set aside most matches of the terms with doubled letters
                // ("useless", "terrorists"), and checking those needs the map back to the
                // original.
                if self.context_allows(text, target, start, end, &mut judged)
                    && runs_allow(text, start, &target.runs)
                {
                    self.keep(text, target, start, end, &mut judged);
                }
            }
        }
        if text.has_stars() {
            self.censored(text, &mut judged);
        }
        if !text.ones().is_empty() {
            self.ones_as_l(text, &mut judged);
        }
        if !text.split_words().is_empty() {
            self.pieces_joined(text, &mut judged);
        }
        let mut hits = judged.hits;
        // Sorted, then any hit found twice kept once (as a look-up among the hits already kept
        // did, which took minutes for a few hundred kilobytes made of nothing but listed words).
        hits.sort_unstable_by_key(|h| (h.start, h.entry, h.term, h.end));
        hits.dedup();
        (hits, watched)
    }

    /// Applies a matched term's entry's context rules and exceptions to the match at normalised
    /// `start..end`, keeping it as a hit or noting the exception that set it aside.
    fn judge(
        &self,
        text: &Normalised,
        target: &Target,
        start: usize,
        end: usize,
        judged: &mut Judged,
    ) {
        if self.context_allows(text, target, start, end, judged) {
            self.keep(text, target, start, end, judged);
        }
    }

    /// Whether the match at normalised `start..end` passes its entry's context rules (who it is
    /// addressed to, said of or aimed at, and who intends it). Nothing else depends on when this
    /// is asked: `judged` only keeps group mentions found, for the next match to ask about.
    fn context_allows(
        &self,
        text: &Normalised,
        target: &Target,
        start: usize,
        end: usize,
        judged: &mut Judged,
    ) -> bool {
        let bytes = text.bytes();
        !self.entries.get(target.entry).is_some_and(|e| {
            (e.addressed && !addressed_before(bytes, start, AddressScope::Text))
                || (!e.said_of.is_empty()
                    && !said_of_in(
                        bytes,
                        start,
                        &e.said_of,
                        e.fewest_frames(),
                        &mut judged.mentions,
                        target.entry,
                        Some(&self.subject_words),
                    ))
                || (!e.aimed_at.is_empty() && !aimed_at_after(bytes, end, &e.aimed_at))
                || (e.by_speaker && !speaker_intends_before(bytes, start))
        })
    }

    /// Keeps the match at normalised `start..end`, which has passed its entry's context rules, as
    /// a hit, or notes the exception that sets it aside.
    fn keep(
        &self,
        text: &Normalised,
        target: &Target,
        start: usize,
        end: usize,
        judged: &mut Judged,
    ) {
        let hit = Hit {
            entry: target.entry,
            term: target.term,
            start,
            end,
        };
        if let Some(exception) = self.exception_covering(&hit, text) {
            judged.excepted.push(Excepted { hit, exception });
            return;
        }
        judged.hits.push(hit);
    }

    /// Matches the words written with asterisks (the normaliser keeps those between letters as
    /// `*`) against the single-word terms. A word that is a term once its asterisks are taken out
    /// ("c*unt", asterisks put in) is that term. Otherwise the asterisks stand for letters left
    /// out (`b*tch`, `c**t`, `wh*res`), each for any one letter, and at least half the letters
    /// must be shown ([`hidden_vowels`]). A word term matches a word of its length (repeats squeezed, as the
    /// normaliser writes them, or written out: `f**got`); a stem matches the start of a word.
    /// Where the word may be several terms, those whose hidden letters are most often vowels are
    /// taken. Each match then goes through the entry's context rules and exceptions like any
    /// other. Only words with an asterisk are looked at, against the terms that begin with their
    /// first letter.
    #[cold]
    #[inline(never)]
    fn censored(&self, text: &Normalised, judged: &mut Judged) {
        let bytes = text.bytes();
        let mut next_word = 0;
        for star in memchr::memchr_iter(b'*', bytes) {
            if star < next_word {
                continue;
            }
            let (start, end) = word_around(bytes, star);
            next_word = end;
            let word = &bytes[start..end];
            // Asterisks put in between letters ("c*unt"): the word without them, as the
            // normaliser would have written it (a letter either side of one is one run).
            let (bare, bare_runs) = without_stars(text, start, end);
            let mut exact: Vec<&Target> = Vec::new();
            // Each term the word may stand for, with the vowels its asterisks would hide.
            let mut readings: Vec<(&Target, usize)> = Vec::new();
            for (candidate, target) in self.terms_starting_as(word) {
                let letters = candidate.letters.as_slice();
                if spells(&bare, letters, target.prefix)
                    && target
                        .runs
                        .iter()
                        .zip(&bare_runs)
                        .all(|(&needed, &run)| run >= needed)
                {
                    exact.push(target);
                    continue;
                }
                let hidden = if target.prefix {
                    word.get(..letters.len())
                        .filter(|_| runs_allow(text, start, &target.runs))
                        .and_then(|part| hidden_vowels(part, letters))
                } else if word.len() == letters.len() {
                    Some(word)
                        .filter(|_| runs_allow(text, start, &target.runs))
                        .and_then(|word| hidden_vowels(word, letters))
                } else {
                    candidate
                        .spelled
                        .as_deref()
                        .and_then(|spelled| hidden_vowels(word, spelled))
                };
                if let Some(hidden) = hidden {
                    readings.push((target, hidden));
                }
            }
            if !exact.is_empty() {
                for target in exact {
                    self.judge(text, target, start, end, judged);
                }
                continue;
            }
            // Asterisks mostly hide vowels: "b*tch" is read as "bitch", not the variant "bytch".
            let most = readings.iter().map(|&(_, hidden)| hidden).max();
            for (target, hidden) in readings {
                if Some(hidden) == most {
                    self.judge(text, target, start, end, judged);
                }
            }
        }
    }

    /// The single-word terms starting with `word`'s first letter, each with its target.
    fn terms_starting_as<'a>(
        &'a self,
        word: &[u8],
    ) -> impl Iterator<Item = (&'a SingleWordTerm, &'a Target)> + 'a {
        word.first()
            .filter(|b| b.is_ascii_lowercase())
            .and_then(|b| self.single_words.get(usize::from(b - b'a')))
            .into_iter()
            .flatten()
            .filter_map(|candidate| {
                let target = self.targets.get(candidate.slot)?.get(candidate.target)?;
                Some((candidate, target))
            })
    }

    /// Reads each `i` the normaliser wrote for the digit 1 ([`Normalised::ones`]) as `l` as well,
    /// against the single-word terms: "s1ut" is "slut" (the automaton has already read it as
    /// "siut"). In a word with several, each choice of them is tried, up to
    /// [`MAX_ONES_READ_AS_L`] in a word. Each match goes through the entry's context rules and
    /// exceptions like any other.
    #[cold]
    #[inline(never)]
    fn ones_as_l(&self, text: &Normalised, judged: &mut Judged) {
        let bytes = text.bytes();
        let ones = text.ones();
        let mut next = 0;
        while let Some(&first) = ones.get(next) {
            let (start, end) = word_around(bytes, first as usize);
            let mut positions: Vec<usize> = Vec::new();
            while let Some(&at) = ones.get(next) {
                let at = at as usize;
                if at >= end {
                    break;
                }
                positions.push(at - start);
                next += 1;
            }
            let Some(word) = bytes.get(start..end) else {
                continue;
            };
            positions.truncate(MAX_ONES_READ_AS_L);
            let mut variant = word.to_vec();
            for choice in 1u32..(1 << positions.len()) {
                for (bit, &at) in positions.iter().enumerate() {
                    variant[at] = if choice & (1 << bit) != 0 { b'l' } else { b'i' };
                }
                // A term spelled by the variant starts with its first three letters (every
                // single-word term has three or more): most variants (`uri`, `md5`, an address
                // with a 1 in it) start as none does, and the terms need not be read.
                if !self.single_word_starts.contains(&variant) {
                    continue;
                }
                for (candidate, target) in self.terms_starting_as(&variant) {
                    if spells(&variant, &candidate.letters, target.prefix)
                        && runs_allow(text, start, &target.runs)
                    {
                        self.judge(text, target, start, end, judged);
                    }
                }
            }
        }
    }

    /// Reads each word the normaliser found split by marks inside it (`sl_ut`, `wh.ore`,
    /// `c-unt`; [`Normalised::split_words`]) with its pieces joined: the automaton, which has read
    /// the pieces apart, is walked over the joined word alone, and a single-word pattern that
    /// starts with it (a word, its plurals, a stem) is a match covering every piece. A letter that
    /// ends one piece and starts the next is one letter joined, as the normaliser squeezes
    /// repeats within a word. Each match goes through the entry's context rules and exceptions
    /// like any other.
    #[cold]
    #[inline(never)]
    fn pieces_joined(&self, text: &Normalised, judged: &mut Judged) {
        let bytes = text.bytes();
        // " joined ", padded as the normalised text is.
        let mut buffer: JoinBuffer = [b' '; MAX_SPLIT_WORD_BYTES + 2];
        let dfa = &self.automaton;
        let unanchored = dfa.start();
        let mut found: Vec<(usize, usize)> = Vec::new();
        for &(from, to) in text.split_words() {
            let (from, to) = (from as usize, to as usize);
            let Some(span) = bytes.get(from..to) else {
                continue;
            };
            let Some(len) = self.join_pieces(span, &mut buffer) else {
                continue;
            };
            let Some(joined) = buffer.get_mut(..=len) else {
                continue;
            };
            joined[len] = b' ';
            let joined = &*joined;
            // Shorter than any text walked in stretches: one walk, as `Lexicon::matches` does.
            found.clear();
            walk(dfa, joined, 0, unanchored, 0, &mut found);
            for &(pattern, start) in &found {
                // Only a pattern that begins with the joined word: one word (or a stem of it).
                if start != 0 {
                    continue;
                }
                let Some(targets) = self.targets.get(pattern) else {
                    continue;
                };
                for target in targets {
                    if joined_runs_allow(text, from, to, &target.runs) {
                        self.judge(text, target, from, to, judged);
                    }
                }
            }
        }
    }

    /// Joins the letters of a word split by marks (`span`, its normalised bytes from the first
    /// piece to the last) in `buffer` after its leading space, a letter that ends one piece and
    /// starts the next written once; returns the length written, the leading space included.
    /// None where the word can spell no single-word term: a byte other than a letter or a space
    /// in it, more letters than `buffer` holds, or first three letters that begin no term.
    fn join_pieces(&self, span: &[u8], buffer: &mut JoinBuffer) -> Option<usize> {
        let mut len = 1;
        for &byte in span {
            match byte {
                b' ' => {}
                // Single-word terms are letters alone.
                b'a'..=b'z' => {
                    if buffer[len - 1] != byte {
                        *buffer.get_mut(len)? = byte;
                        len += 1;
                        // The first three letters decide, as below: most joined words (`e-mail`,
                        // `and/or`, the parts of an address) begin as no term does, and the rest
                        // of them need not be read.
                        if len == 4 && !self.single_word_starts.contains(&buffer[1..len]) {
                            return None;
                        }
                    }
                }
                _ => return None,
            }
        }
        self.single_word_starts
            .contains(&buffer[1..len])
            .then_some(len)
    }

    /// Every pattern occurrence in `bytes`, overlapping ones included, as (pattern, start), in the
    /// order the automaton's overlapping search gives them: by end, then pattern order.
    ///
    /// The DFA is walked here rather than through the crate's search loop: this is a table
    /// look-up and one comparison per byte, where the general loop costs about three times that,
    /// and it runs over every normalised byte of every message. Each step waits for the one
    /// before (the next state is read from a row the last state names), so a text long enough is
    /// walked as [`LANES`] stretches at once, whose steps do not wait for each other
    /// ([`walk_lanes`]): for the simulated force's mail that halves the time the walk takes.
    /// The DFA is the crate's, copied into a [`Table`] whose steps need no bounds check.
    fn matches(&self, bytes: &[u8]) -> Vec<(usize, usize)> {
        matches_in(&self.automaton, bytes)
    }

    /// The exception of the hit's entry that covers it, if any. An exception's doubled letters
    /// must be doubled in the text too: "woops" is an exception to "wop", and "wops" (written
    /// the same once repeats are squeezed) is not.
    fn exception_covering(&self, hit: &Hit, text: &Normalised) -> Option<String> {
        let bytes = text.bytes();
        let entry = self.entries.get(hit.entry)?;
        for (written, pattern, runs) in &entry.exceptions {
            let from = (hit.start + 1).saturating_sub(pattern.len());
            let to = (hit.end + pattern.len()).min(bytes.len());
            let window = &bytes[from..to];
            let mut at = 0;
            while at + pattern.len() <= window.len() {
                if &window[at..at + pattern.len()] == pattern.as_slice() {
                    let exc_start = from + at + 1;
                    let exc_end = from + at + pattern.len();
                    if exc_start < hit.end
                        && hit.start < exc_end
                        && runs_allow(text, exc_start, runs)
                    {
                        return Some(written.clone());
                    }
                }
                at += 1;
            }
        }
        None
    }
}

/// The shortest part of a text one stretch of [`walk_lanes`] reports for: below this, starting
/// another walk costs more than it saves.
const MIN_LANE_BYTES: usize = 32;

/// How many stretches of a long enough text are walked at once.
const LANES: usize = 3;

/// The shortest text walked in [`LANES`] stretches, with `longest` the longest pattern's length:
/// each stretch's own part at least [`MIN_LANE_BYTES`].
fn shortest_in_lanes(longest: usize) -> usize {
    LANES * MIN_LANE_BYTES + (LANES - 1) * longest
}

/// As [`Lexicon::matches`], with the automaton `dfa`.
fn matches_in(dfa: &Table, bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let start = dfa.start();
    let longest = dfa.longest();
    if bytes.len() < shortest_in_lanes(longest) {
        walk(dfa, bytes, 0, start, 0, &mut found);
        return found;
    }
    walk_lanes(dfa, bytes, longest, start, &mut found);
    found
}

/// Walks the DFA over `bytes` from `state` at `at`, recording each match that ends after
/// `report_after` (see [`record`]).
fn walk(
    dfa: &Table,
    bytes: &[u8],
    mut at: usize,
    mut state: State,
    report_after: usize,
    found: &mut Vec<(usize, usize)>,
) {
    while at < bytes.len() {
        (at, state) = run_to_special(dfa, bytes, at, state);
        if !record(dfa, state, at, report_after, found) {
            break;
        }
    }
}

/// Records the patterns that `state`, entered just before `at`, says match there, if `at` is
/// past `report_after`. False when the walk cannot go on: the text ended in an ordinary state,
/// or the dead state (not reached by an unanchored search with standard semantics).
fn record(
    dfa: &Table,
    state: State,
    at: usize,
    report_after: usize,
    found: &mut Vec<(usize, usize)>,
) -> bool {
    if !is_special(state) || dfa.is_dead(state) {
        return false;
    }
    if at > report_after {
        for &(pattern, len) in dfa.matches(state) {
            found.push((pattern, at - len));
        }
    }
    true
}

/// Walks `bytes` as [`LANES`] stretches at once, one step of each in turn, recording every match in
/// `found` as one walk over the whole text would (by end, then pattern order).
///
/// An unanchored walk's state after any text is the longest end of it that begins a pattern, so
/// after `longest` (the longest pattern's length) bytes a walk started anywhere is in the state
/// one walk over the whole text would be in. Each stretch after the first reports the matches
/// that end after the one before it ends, so it starts `longest` bytes before the first such
/// end: early enough to read the whole of the longest match.
fn walk_lanes(
    dfa: &Table,
    bytes: &[u8],
    longest: usize,
    start: State,
    found: &mut Vec<(usize, usize)>,
) {
    const N: usize = LANES;
    let len = bytes.len();
    // Stretches of equal length, each after the first `longest - 1` bytes longer than its part.
    let stretch = (len + (N - 1) * longest.saturating_sub(1)).div_ceil(N);
    // Stretch `i` walks `from[i]..end[i]` and reports the matches ending in `after[i] + 1..=end[i]`.
    let mut from = [0usize; N];
    let mut after = [0usize; N];
    let mut end = [stretch.min(len); N];
    for i in 1..N {
        after[i] = end[i - 1];
        from[i] = (after[i] + 1).saturating_sub(longest);
        end[i] = if i + 1 < N {
            (from[i] + stretch).min(len)
        } else {
            len
        };
    }
    let mut at = from;
    let mut state = [start; N];
    let mut parts: [Vec<(usize, usize)>; N] = std::array::from_fn(|_| Vec::new());
    loop {
        run_lanes_to_special(dfa, bytes, &mut at, &end, &mut state);
        for i in 0..N {
            if is_special(state[i]) && !record(dfa, state[i], at[i], after[i], &mut parts[i]) {
                // Dead (not reached by an unanchored search): this stretch stops.
                at[i] = end[i];
            }
        }
        if (0..N).any(|i| at[i] >= end[i]) {
            break;
        }
    }
    // The stretches not yet at their end, one at a time.
    for i in 0..N {
        if at[i] < end[i] {
            walk(
                dfa,
                &bytes[..end[i]],
                at[i],
                state[i],
                after[i],
                &mut parts[i],
            );
        }
        found.append(&mut parts[i]);
    }
}

/// Steps every stretch of [`walk_lanes`] until one enters a special state or reaches its end.
///
/// Written for three stretches ([`LANES`]): the three states are held in registers and the
/// stretches' bytes read through one zipped iterator, so a step is, for each stretch, a byte,
/// its class and the next state, with no check of whether a stretch has a byte left and no store
/// of the states until the loop ends. The general form for any number of stretches (indexed
/// loops over arrays) checked each stretch's byte and stored each state at every step: about 13
/// instructions a byte against 9 (`MEASUREMENTS.md`). With the [`Table`]'s masked slots and the
/// three states joined to test for a special one, it is about 7.3: 22 instructions a step of the
/// three, against 27 with the crate's DFA (its bounds check and three comparisons).
#[inline(never)]
fn run_lanes_to_special(
    dfa: &Table,
    bytes: &[u8],
    at: &mut [usize; LANES],
    end: &[usize; LANES],
    state: &mut [State; LANES],
) {
    let steps = (0..LANES)
        .map(|i| end[i].min(bytes.len()).saturating_sub(at[i]))
        .min()
        .unwrap_or(0);
    let lane = |i: usize| bytes.get(at[i]..at[i] + steps).unwrap_or_default();
    let (first, second, third) = (lane(0), lane(1), lane(2));
    // Every stretch has `steps` bytes left (each ends within the text); should one not, the
    // stretches step together as far as the shortest.
    let mut taken = first.len().min(second.len()).min(third.len());
    let [mut s0, mut s1, mut s2] = *state;
    let (classes, next) = dfa.parts();
    for (k, ((&b0, &b1), &b2)) in first.iter().zip(second).zip(third).enumerate() {
        s0 = step(classes, next, s0, b0);
        s1 = step(classes, next, s1, b1);
        s2 = step(classes, next, s2, b2);
        if is_special(s0 | s1 | s2) {
            taken = k + 1;
            break;
        }
    }
    *state = [s0, s1, s2];
    for position in at.iter_mut() {
        *position += taken;
    }
}

/// Walks the DFA from `state` at `at` until it enters a special state (a match, or the dead
/// state) or the text ends; returns the position after the byte that led there, and the state.
/// Kept apart from the match handling so that this loop has the registers to itself.
#[inline(never)]
fn run_to_special(dfa: &Table, bytes: &[u8], mut at: usize, mut state: State) -> (usize, State) {
    while let Some(&byte) = bytes.get(at) {
        state = dfa.next_state(state, byte);
        at += 1;
        if is_special(state) {
            break;
        }
    }
    (at, state)
}

/// The normalised word at `start..end` with its asterisks taken out, and the repeat count of
/// each letter left (a letter on both sides of an asterisk is one run).
fn without_stars(text: &Normalised, start: usize, end: usize) -> (Vec<u8>, Vec<u8>) {
    let bytes = text.bytes();
    let mut letters: Vec<u8> = Vec::with_capacity(end.saturating_sub(start));
    let mut runs: Vec<u8> = Vec::with_capacity(end.saturating_sub(start));
    let word = bytes.get(start..end).unwrap_or_default();
    for (at, &byte) in (start..).zip(word) {
        if byte == b'*' {
            continue;
        }
        let run = text.run(at).max(1);
        match (letters.last(), runs.last_mut()) {
            (Some(&last), Some(count)) if last == byte && byte.is_ascii_lowercase() => {
                *count = count.saturating_add(run);
            }
            _ => {
                letters.push(byte);
                runs.push(run);
            }
        }
    }
    (letters, runs)
}

/// [`runs_allow`] for the word split by marks at normalised `from..to`, read joined: a letter that
/// ends one piece and starts the next is one letter, repeated as often as both were.
fn joined_runs_allow(text: &Normalised, from: usize, to: usize, term_runs: &[u8]) -> bool {
    if term_runs.iter().all(|&needed| needed <= 1) {
        return true;
    }
    let bytes = text.bytes();
    let mut runs: Vec<u32> = Vec::new();
    let mut last = None;
    for (at, &byte) in bytes.iter().enumerate().take(to).skip(from) {
        if byte == b' ' {
            continue;
        }
        let run = u32::from(text.run(at));
        match runs.last_mut() {
            Some(total) if last == Some(byte) => *total += run,
            _ => runs.push(run),
        }
        last = Some(byte);
    }
    term_runs
        .iter()
        .zip(&runs)
        .all(|(&needed, &run)| run >= u32::from(needed))
}

/// Whether `word` is the term `letters` (or, for a stem, starts with it).
fn spells(word: &[u8], letters: &[u8], prefix: bool) -> bool {
    if prefix {
        word.starts_with(letters)
    } else {
        word == letters
    }
}

/// Where the word holding byte `at` (or ending just before it) starts: after the last space
/// before `at`, or at 0.
fn word_start(bytes: &[u8], at: usize) -> usize {
    bytes
        .get(..at)
        .and_then(|before| before.iter().rposition(|&b| b == b' '))
        .map_or(0, |space| space + 1)
}

/// The normalised word around byte `at`: from after the space before it to the space after.
fn word_around(bytes: &[u8], at: usize) -> (usize, usize) {
    (word_start(bytes, at), word_end(bytes, at))
}

/// If `word` (normalised, with asterisks) may be `letters` with some letters left out, how many
/// of those are vowels. It may when it is the same length, every letter it shows is the term's
/// own, and it shows at least half of them and at least [`CENSORED_MIN_LETTERS`]: "c**t" may be
/// "cunt", but "n****r" is too little to tell one word from another.
fn hidden_vowels(word: &[u8], letters: &[u8]) -> Option<usize> {
    if word.len() != letters.len() {
        return None;
    }
    let mut shown = 0;
    let mut vowels = 0;
    for (&w, &l) in word.iter().zip(letters) {
        if w == b'*' {
            vowels += usize::from(matches!(l, b'a' | b'e' | b'i' | b'o' | b'u'));
            continue;
        }
        if w != l {
            return None;
        }
        shown += 1;
    }
    (shown >= CENSORED_MIN_LETTERS && shown < word.len() && 2 * shown >= word.len())
        .then_some(vowels)
}

/// The single-word terms among the automaton's patterns (for [`Lexicon::censored`] and
/// [`Lexicon::ones_as_l`]), by first letter `a`–`z`.
fn single_word_terms(patterns: &[Vec<u8>], targets: &[Vec<Target>]) -> Vec<Vec<SingleWordTerm>> {
    let mut by_letter: Vec<Vec<SingleWordTerm>> = vec![Vec::new(); 26];
    for (slot, (pattern, targets)) in patterns.iter().zip(targets).enumerate() {
        // `" word "` for a word, `" stem"` for a stem.
        let letters = pattern.strip_prefix(b" ").unwrap_or(pattern);
        let letters = letters.strip_suffix(b" ").unwrap_or(letters);
        if letters.len() < 3 || !letters.iter().all(u8::is_ascii_lowercase) {
            continue;
        }
        let Some(bucket) = by_letter.get_mut(usize::from(letters[0] - b'a')) else {
            continue;
        };
        for (target, owner) in targets.iter().enumerate() {
            let spelled: Vec<u8> = letters
                .iter()
                .zip(&owner.runs)
                .flat_map(|(&letter, &run)| std::iter::repeat_n(letter, usize::from(run.max(1))))
                .collect();
            bucket.push(SingleWordTerm {
                slot,
                target,
                letters: letters.to_vec(),
                spelled: (spelled.len() != letters.len() && !owner.prefix).then_some(spelled),
            });
        }
    }
    by_letter
}

/// The written forms compiled for one term: itself, plus plurals for a whole single word.
fn forms(term: &str, entry: &Entry) -> Vec<String> {
    let mut forms = vec![term.to_string()];
    let single_word = !term.trim().contains(char::is_whitespace);
    if entry.mode == MatchMode::Word && single_word && entry.plural {
        forms.push(format!("{term}s"));
        forms.push(format!("{term}es"));
    }
    forms
}

/// The automaton pattern for a normalised term and the repeat counts of its letters.
fn pattern_of(normalised: &Normalised, mode: MatchMode) -> Option<(Vec<u8>, Vec<u8>)> {
    let bytes = normalised.bytes();
    if normalised.is_empty() {
        return None;
    }
    let inner = bytes.len() - 2;
    let runs = normalised.runs().skip(1).take(inner).collect();
    let pattern = match mode {
        MatchMode::Word => bytes.to_vec(),
        MatchMode::Prefix => bytes[..bytes.len() - 1].to_vec(),
    };
    Some((pattern, runs))
}

/// The automaton pattern for a watched word: its normalised form without the padding spaces, so
/// that it matches inside words too. `None` for a word with no letters or digits.
fn watch_pattern(word: &str) -> Option<Vec<u8>> {
    let normalised = normalise(word);
    let bytes = normalised.bytes();
    let inner = bytes.get(1..bytes.len().checked_sub(1)?)?;
    (!inner.is_empty()).then(|| inner.to_vec())
}

/// Each of the text's letters must repeat at least as often as the term's (`coon` needs two `o`s).
fn runs_allow(text: &Normalised, start: usize, term_runs: &[u8]) -> bool {
    // Every normalised byte was written at least once ([`Normalised::run`]): a term without
    // doubled letters asks nothing of the text, and the map back to the original, which the
    // repeat counts are kept in, need not be worked out for it. Most matches are of such terms.
    if start + term_runs.len() <= text.len() && term_runs.iter().all(|&needed| needed <= 1) {
        return true;
    }
    term_runs
        .iter()
        .enumerate()
        .all(|(i, &needed)| text.run(start + i) >= needed)
}

/// Words that say a term is aimed at the reader ("you", "you're"; "your" only before the words
/// of [`YOUR_AS_YOU_ARE`], as in "your a fool"). Written as the normaliser writes them (a test
/// checks); it joins single letters, so "u r a" is "ura".
const ADDRESS_WORDS: &[&[u8]] = &[b"you", b"youre", b"ya", b"u", b"ur", b"yer", b"ura"];

/// Words that may stand between the address and an addressed term: "you are a", "you're such
/// an", "you complete", "you stupid little". Written as the normaliser writes them (doubled
/// letters once: "realy", "uter").
const ADDRESS_FRAME_WORDS: &[&[u8]] = &[
    b"are",
    b"r",
    b"re",
    b"a",
    b"an",
    b"such",
    b"so",
    b"realy",
    b"just",
    b"complete",
    b"absolute",
    b"total",
    b"uter",
    b"blody",
    b"fucking",
    b"fking",
    b"efing",
    b"friging",
    b"freaking",
    b"litle",
    b"big",
    b"fat",
    b"stupid",
    b"dumb",
    b"pathetic",
    b"sad",
    b"sily",
    b"old",
    b"the",
    b"bigest",
    b"most",
    b"one",
    b"right",
    b"proper",
    b"masive",
    b"thick",
    b"ignorant",
    b"useles",
    b"worthles",
    b"clueles",
    b"brainles",
    b"ugly",
    b"very",
    b"completely",
    b"totaly",
    b"uterly",
    b"absolutely",
    b"extremely",
    b"incredibly",
    b"truly",
    b"stil",
    b"being",
    b"sick",
    b"dirty",
    b"human",
];

/// Whether `word` (normalised) is one that may stand before an insult or be said to someone
/// ("you", "stupid", "fucking", "complete"): a capitalised word after it is no surname.
pub(crate) fn is_address_or_frame(word: &[u8]) -> bool {
    ADDRESS_WORDS.contains(&word) || ADDRESS_FRAME_WORDS.contains(&word)
}

/// After "your" (as in "your a fool", "your still a loser"), the words that show it is written
/// for "you're": elsewhere "your stupid car" is no insult to the reader.
const YOUR_AS_YOU_ARE: &[&[u8]] = &[
    b"a", b"an", b"such", b"so", b"stil", b"very", b"realy", b"just", b"being",
];

/// Address words that may be the object of a verb ("get you", "send u").
const OBJECT_YOU: &[&[u8]] = &[b"you", b"u", b"ya", b"yer"];

/// Frame words that, straight after an [`OBJECT_YOU`] word, show it is the object: "get you a
/// choc ice" is an offer, "you are a choc ice" is not.
const NOT_STRAIGHT_AFTER_YOU: &[&[u8]] = &[b"a", b"an", b"the", b"one"];

/// Words straight before an [`OBJECT_YOU`] word that leave it the subject: "oi you a fool",
/// "why are you a fool". Straight after any other word ("get you a", "send you the") it is the
/// object.
const BEFORE_SUBJECT_YOU: &[&[u8]] = &[
    b"are", b"r", b"oi", b"hey", b"and", b"wel", b"yeah", b"cos", b"because",
];

/// At most this many frame words between the address and the term.
const ADDRESS_FRAME_MAX: usize = 4;

/// What the bytes given to [`addressed_before`] hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddressScope {
    /// A whole normalised text, whose clause boundaries normalisation has dropped: "you a
    /// fool" might open a clause ("Thank you. You a fool") or not ("get you a fool"), so it
    /// passes, for the clause check to decide.
    Text,
    /// One clause (`context::addressed`): "you a fool" counts only at its start or after one
    /// of [`BEFORE_SUBJECT_YOU`].
    Clause,
}

/// Whether the word starting at normalised byte `start` is said to someone: preceded by an
/// address word, with at most [`ADDRESS_FRAME_MAX`] frame words between ("you are such a
/// fool", "you absolute clown"). "You are not a fool" is not: "not" is no frame word.
pub(crate) fn addressed_before(bytes: &[u8], start: usize, scope: AddressScope) -> bool {
    let mut end = start.min(bytes.len());
    let mut frames = 0;
    // The word after the one being looked at, towards the term (for "your a").
    let mut after: &[u8] = &[];
    loop {
        // Skip the space before the word that ends at `end`.
        let Some(word_end) = end.checked_sub(1) else {
            return false;
        };
        if bytes.get(word_end) != Some(&b' ') {
            return false;
        }
        let word_start = word_start(bytes, word_end);
        let word = &bytes[word_start..word_end];
        if word.is_empty() {
            return false;
        }
        if ADDRESS_WORDS.contains(&word) {
            // "Can I get you a choc ice", "I'll send you the useless bits": "you" as the object,
            // not "you are". "You a fool" at the start of a clause is said to the reader.
            if !(OBJECT_YOU.contains(&word) && NOT_STRAIGHT_AFTER_YOU.contains(&after)) {
                return true;
            }
            return match scope {
                AddressScope::Text => true,
                AddressScope::Clause => {
                    let before = bytes[..word_start].trim_ascii_end();
                    let opener = before
                        .iter()
                        .rposition(|&b| b == b' ')
                        .map_or(before, |at| &before[at + 1..]);
                    before.is_empty() || BEFORE_SUBJECT_YOU.contains(&opener)
                }
            };
        }
        if word == b"your" && YOUR_AS_YOU_ARE.contains(&after) {
            return true;
        }
        if frames == ADDRESS_FRAME_MAX || !ADDRESS_FRAME_WORDS.contains(&word) {
            return false;
        }
        frames += 1;
        after = word;
        end = word_start;
    }
}

/// Words that may stand between a group and what is said of it: "are", "are all", "are just
/// dirty", "should all be". Written as the normaliser writes them (a test checks). "Not" is not
/// one: "muslims are not vermin" says nothing against them.
const GROUP_FRAME_WORDS: &[&[u8]] = &[
    b"are",
    b"r",
    b"re",
    b"is",
    b"were",
    b"was",
    b"be",
    b"al",
    b"just",
    b"nothing",
    b"but",
    b"like",
    b"such",
    b"the",
    b"a",
    b"an",
    b"so",
    b"fucking",
    b"fking",
    b"blody",
    b"dirty",
    b"filthy",
    b"absolute",
    b"total",
    b"complete",
    b"uter",
    b"should",
    b"must",
    b"wil",
    b"and",
    b"most",
    b"worst",
    b"real",
    b"literaly",
    b"basicaly",
    b"stil",
    b"always",
    b"mostly",
    b"mainly",
    b"fuking",
    b"efing",
    b"bunch",
    b"of",
    b"pack",
    b"load",
    // Adverbs and asides that only strengthen what follows: "muslims are absolutely
    // despicable", "gays really are brainless", "immigrants like you are repugnant", "all
    // disabled people like them are vile", "refugees are human garbage".
    b"absolutely",
    b"realy",
    b"truly",
    b"totaly",
    b"uterly",
    b"simply",
    b"you",
    b"them",
    b"human",
];

/// Words before a group, with "like" after it, that tell of how others treat the group ("the
/// gang treated the migrants like animals"): contempt shown to it, reported, not said of it.
/// Written as the normaliser writes them (a test checks).
const TREATED_WORDS: &[&[u8]] = &[b"treat", b"treats", b"treated", b"treating"];

/// Words that may stand between a word of [`TREATED_WORDS`] and the group: "treated the
/// migrants", "treat all these refugees".
const TREATED_FRAME_WORDS: &[&[u8]] = &[b"the", b"those", b"these", b"al", b"them", b"some"];

/// Whether a word of [`TREATED_WORDS`] comes before the group starting at normalised byte
/// `group_start`, with at most two of [`TREATED_FRAME_WORDS`] between.
fn treated_before(bytes: &[u8], group_start: usize) -> bool {
    let mut end = group_start;
    for _ in 0..3 {
        let Some(word_end) = end.checked_sub(1) else {
            return false;
        };
        if bytes.get(word_end) != Some(&b' ') {
            return false;
        }
        let start = word_start(bytes, word_end);
        let word = &bytes[start..word_end];
        if TREATED_WORDS.contains(&word) {
            return true;
        }
        if !TREATED_FRAME_WORDS.contains(&word) {
            return false;
        }
        end = start;
    }
    false
}

/// At most this many frame words between a group and what is said of it.
const GROUP_FRAME_MAX: usize = 4;

/// Words that stand for a group named shortly before them: "immigrants everywhere, and they
/// are vermin", "I met those muslims. Such people are scum." As the normaliser writes them
/// ("they're" is "theyre", which holds its own "are").
const REFERRING_WORDS: &[&[u8]] = &[
    b"they",
    b"theyre",
    b"these people",
    b"those people",
    b"such people",
];

/// How far back, in normalised bytes, a group must be named for a referring word to stand for
/// it: about two sentences.
pub(crate) const REFERENCE_WINDOW: usize = 300;

/// What a `said_of` term is said of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    /// One of the groups, named in the clause.
    Group,
    /// A word such as "they", at this normalised byte: it stands for a group only where one is
    /// named shortly before (see [`REFERENCE_WINDOW`]).
    Referring(usize),
}

/// Whether the word starting at normalised byte `start` is said of one of `groups` (normalised
/// group phrases): a group, then between `fewest` (0 or 1) and [`GROUP_FRAME_MAX`] frame words,
/// then the word ("immigrants are vermin", "muslims are all just parasites"; with none, "gays
/// make me sick"); or a referring word ("they") in the group's place, with one of the groups
/// named in the [`REFERENCE_WINDOW`] bytes before it.
#[cfg(test)]
pub(crate) fn said_of_before<G: AsRef<[u8]>>(
    bytes: &[u8],
    start: usize,
    groups: &[G],
    fewest: usize,
) -> bool {
    said_of_in(
        bytes,
        start,
        groups,
        fewest,
        &mut Mentions::default(),
        0,
        None,
    )
}

/// [`said_of_before`], with the group mentions of `bytes` kept in `mentions` under `key` (the
/// entry's index), so that a text with many referring words is searched for its groups once.
fn said_of_in<G: AsRef<[u8]>>(
    bytes: &[u8],
    start: usize,
    groups: &[G],
    fewest: usize,
    mentions: &mut Mentions,
    key: usize,
    words: Option<&SubjectWords>,
) -> bool {
    match subject_before_in(bytes, start, groups, fewest, true, words) {
        Some(Subject::Group) => true,
        Some(Subject::Referring(at)) => mentions.named_before(key, bytes, groups, at),
        None => false,
    }
}

/// Where groups are named in one normalised text, per entry: the window before each referring
/// word searched alone while that has read fewer bytes than the whole text holds, then every
/// mention in the text, found once (start and end of each, by start). A long message with "they"
/// in it once or twice is not searched whole for every group; one with "they" on every line is
/// searched whole once, as before.
#[derive(Debug, Default)]
struct Mentions {
    by_key: Vec<(usize, Vec<(usize, usize)>)>,
    /// Per entry, the bytes its windows have read so far.
    windows_read: Vec<(usize, usize)>,
}

impl Mentions {
    /// Whether one of `groups` is named, as whole words, in the [`REFERENCE_WINDOW`] bytes of
    /// `bytes` before `at`.
    fn named_before<G: AsRef<[u8]>>(
        &mut self,
        key: usize,
        bytes: &[u8],
        groups: &[G],
        at: usize,
    ) -> bool {
        let from = at.saturating_sub(REFERENCE_WINDOW);
        let index = match self.by_key.iter().position(|(k, _)| *k == key) {
            Some(index) => index,
            None => {
                let read = match self.windows_read.iter().position(|(k, _)| *k == key) {
                    Some(slot) => &mut self.windows_read[slot].1,
                    None => {
                        self.windows_read.push((key, 0));
                        let last = self.windows_read.len() - 1;
                        &mut self.windows_read[last].1
                    }
                };
                let window = at.saturating_sub(from);
                if *read + window < bytes.len() {
                    *read += window;
                    return named_within(bytes, groups, from, at);
                }
                let mut found: Vec<(usize, usize)> = group_mentions(bytes, groups).collect();
                found.sort_unstable();
                self.by_key.push((key, found));
                self.by_key.len() - 1
            }
        };
        let Some((_, found)) = self.by_key.get(index) else {
            return false;
        };
        let first = found.partition_point(|&(start, _)| start < from);
        found[first..]
            .iter()
            .take_while(|&&(start, _)| start < at)
            .any(|&(_, end)| end <= at)
    }
}

/// Whether one of `groups` is named, as whole words of `bytes`, within `from..at`: what
/// [`group_mentions`] finds that starts at or after `from` and ends by `at`, read from that
/// stretch alone.
fn named_within<G: AsRef<[u8]>>(bytes: &[u8], groups: &[G], from: usize, at: usize) -> bool {
    let Some(window) = bytes.get(from..at) else {
        return false;
    };
    groups
        .iter()
        .map(AsRef::as_ref)
        .filter(|group| !group.is_empty())
        .any(|group| {
            memchr::memmem::find_iter(window, group).any(|found| {
                let start = from + found;
                (start == 0 || bytes[start - 1] == b' ')
                    && bytes.get(start + group.len()).is_none_or(|&b| b == b' ')
            })
        })
}

/// What the word starting at normalised byte `start` is said of: a group, then between `fewest`
/// (0 or 1) and [`GROUP_FRAME_MAX`] frame words, then the word; with `referring`, a referring
/// word may stand in the group's place.
pub(crate) fn subject_before<G: AsRef<[u8]>>(
    bytes: &[u8],
    start: usize,
    groups: &[G],
    fewest: usize,
    referring: bool,
) -> Option<Subject> {
    subject_before_in(bytes, start, groups, fewest, referring, None)
}

/// [`subject_before`], passing over the words that `words` (made from these groups or more) says
/// are neither the end of a group or of a referring word nor a frame word without reading the
/// groups: the same answer, for a fraction of the work on ordinary mail, where most words before
/// a `said_of` term ("the", "so", "is") are frame words that end no group.
fn subject_before_in<G: AsRef<[u8]>>(
    bytes: &[u8],
    start: usize,
    groups: &[G],
    fewest: usize,
    referring: bool,
    words: Option<&SubjectWords>,
) -> Option<Subject> {
    let ends_with_word = |before: &[u8], word: &[u8]| {
        before.ends_with(word)
            && (before.len() == word.len() || before[before.len() - word.len() - 1] == b' ')
    };
    let mut end = start.min(bytes.len());
    let mut frames = 0;
    // The frame word next to the group, once one is passed.
    let mut nearest: &[u8] = b"";
    loop {
        let word_end = end.checked_sub(1)?;
        if bytes.get(word_end) != Some(&b' ') {
            return None;
        }
        let before = &bytes[..word_end];
        let word_start = word_start(bytes, word_end);
        let word = &bytes[word_start..word_end];
        // A group or referring word that `before` ends with ends with `word` (whole words).
        if words.is_some_and(|words| !words.any.may_hold(word)) {
            return None;
        }
        let may_end_subject = words.is_none_or(|words| words.ends.may_hold(word));
        if may_end_subject
            && frames >= fewest
            && let Some(group) = groups
                .iter()
                .map(AsRef::as_ref)
                .find(|group| before.len() > group.len() && ends_with_word(before, group))
        {
            // "They treated the migrants like animals" tells of contempt shown to the group,
            // not contempt for it.
            let treated = nearest == b"like" && treated_before(bytes, before.len() - group.len());
            return (!treated).then_some(Subject::Group);
        }
        if may_end_subject
            && referring
            && let Some(word) = REFERRING_WORDS
                .iter()
                .find(|word| ends_with_word(before, word))
            && (frames >= fewest || *word == b"theyre")
        {
            return Some(Subject::Referring(before.len() - word.len()));
        }
        let is_frame = match words {
            Some(words) => words.is_frame(word),
            None => GROUP_FRAME_WORDS.contains(&word),
        };
        if word.is_empty() || frames == GROUP_FRAME_MAX || !is_frame {
            return None;
        }
        frames += 1;
        nearest = word;
        end = word_start;
    }
}

/// Where `groups` (normalised group phrases) are named in normalised `bytes`, as whole words:
/// byte ranges, group by group.
pub(crate) fn group_mentions<'a, G: AsRef<[u8]>>(
    bytes: &'a [u8],
    groups: &'a [G],
) -> impl Iterator<Item = (usize, usize)> + 'a {
    groups
        .iter()
        .map(AsRef::as_ref)
        .filter(|group| !group.is_empty())
        .flat_map(move |group| {
            memchr::memmem::find_iter(bytes, group)
                .filter(move |&at| {
                    (at == 0 || bytes[at - 1] == b' ')
                        && bytes.get(at + group.len()).is_none_or(|&b| b == b' ')
                })
                .map(move |at| (at, at + group.len()))
        })
}

/// Words that may stand between a term and the group it is aimed at: "all", "the", "those",
/// "every", "fucking", "a" ("stab a muslim", where an entry lists the singular). Written as the
/// normaliser writes them (a test checks). "That" and "this" are not among them: "I hate that
/// refugees are treated so" says nothing against refugees; entries that mean one member list
/// "that muslim" whole.
const OBJECT_FRAME_WORDS: &[&[u8]] = &[
    b"al", b"the", b"those", b"these", b"every", b"each", b"of", b"fucking", b"fking", b"fuking",
    b"efing", b"blody", b"dirty", b"filthy", b"stupid", b"you", b"such", b"lot", b"bunch", b"next",
    b"any", b"a", b"an", b"other",
];

/// Whether one of `groups` (normalised group phrases) follows the word ending at normalised
/// byte `end`, with at most [`GROUP_FRAME_MAX`] frame words between ("hate muslims", "wipe out
/// all the immigrants").
pub(crate) fn aimed_at_after(bytes: &[u8], end: usize, groups: &[Vec<u8>]) -> bool {
    let mut at = end;
    let mut frames = 0;
    loop {
        if bytes.get(at) != Some(&b' ') {
            return false;
        }
        let rest = bytes.get(at + 1..).unwrap_or_default();
        if groups
            .iter()
            .any(|group| rest.starts_with(group) && rest.get(group.len()) == Some(&b' '))
        {
            return true;
        }
        let word_len = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        let word = &rest[..word_len];
        if word.is_empty() || frames == GROUP_FRAME_MAX || !OBJECT_FRAME_WORDS.contains(&word) {
            return false;
        }
        frames += 1;
        at += 1 + word_len;
    }
}

/// What a writer puts before what they will do, each as normalised words in order: "i will",
/// "i'll", "i'm going to", "we're gonna", "imma", "i want to", "i'd love to". The normaliser
/// writes "I'll" and "ill" alike as `il`, "we're" as `we re`, "gonna" as `gona` (a test checks
/// each word). "I could" and "I'd" alone are left out: "I could kill you for that" is how
/// exasperation is written.
const SPEAKER_INTENTS: &[&[&[u8]]] = &[
    &[b"i", b"wil"],
    &[b"il"],
    &[b"we", b"wil"],
    &[b"wel"],
    &[b"i", b"shal"],
    &[b"im", b"going", b"to"],
    &[b"i", b"am", b"going", b"to"],
    &[b"we", b"are", b"going", b"to"],
    &[b"we", b"re", b"going", b"to"],
    &[b"im", b"gona"],
    &[b"i", b"am", b"gona"],
    &[b"ima"],
    &[b"we", b"are", b"gona"],
    &[b"we", b"re", b"gona"],
    &[b"i", b"want", b"to"],
    &[b"i", b"wana"],
    &[b"we", b"want", b"to"],
    &[b"i", b"would", b"love", b"to"],
    &[b"id", b"love", b"to"],
    &[b"i", b"would", b"like", b"to"],
    &[b"id", b"like", b"to"],
];

/// Words that may stand between what the writer says they will do and the act: "i will
/// fucking hurt you", "i'll come round and hurt you", "i will find you and hurt you", "i'm going
/// to hunt you down and hurt you".
const SPEAKER_FILLERS: &[&[u8]] = &[
    b"fucking",
    b"fking",
    b"fuking",
    b"efing",
    b"friging",
    b"freaking",
    b"blody",
    b"realy",
    b"just",
    b"actualy",
    b"personaly",
    b"gladly",
    b"hapily",
    b"literaly",
    b"seriously",
    b"definitely",
    b"totaly",
    b"then",
    b"also",
    b"and",
    b"come",
    b"round",
    b"over",
    b"find",
    b"you",
    b"u",
    b"hunt",
    b"track",
    b"down",
    b"go",
    b"wait",
    b"for",
];

/// Words straight before what the writer says they will do that make it no statement of intent:
/// a question or a condition ("why would i want to hurt you", "if i want to…"), or a denial
/// ("never will i…" aside, "do i want to hurt you? not i").
const NOT_AN_INTENT: &[&[u8]] = &[
    b"why", b"would", b"do", b"does", b"did", b"if", b"whether", b"not", b"never", b"dont",
    b"didnt", b"doesnt", b"hope", b"when",
];

/// At most this many [`SPEAKER_FILLERS`] between the intent and the act.
const SPEAKER_FILLER_MAX: usize = 6;

/// Whether the word starting at normalised byte `start` is what the writer says they will do:
/// one of [`SPEAKER_INTENTS`] before it, with at most [`SPEAKER_FILLER_MAX`] of
/// [`SPEAKER_FILLERS`] between, and not after one of [`NOT_AN_INTENT`]. "I will hurt you" is;
/// "he will hurt you", "I will not hurt you" and "I don't want to hurt you" are not.
pub(crate) fn speaker_intends_before(bytes: &[u8], start: usize) -> bool {
    const LOOK_BACK: usize = SPEAKER_FILLER_MAX + 5;
    let before = bytes.get(..start).unwrap_or_default();
    // The words before the term, nearest first.
    let mut words: [&[u8]; LOOK_BACK] = [&[]; LOOK_BACK];
    let mut count = 0;
    let nearest_first = before.rsplit(|&b| b == b' ').filter(|w| !w.is_empty());
    for (slot, word) in words.iter_mut().zip(nearest_first) {
        *slot = word;
        count += 1;
    }
    let words = words.get(..count).unwrap_or_default();
    for skipped in 0..=SPEAKER_FILLER_MAX {
        let Some(rest) = words.get(skipped..) else {
            return false;
        };
        let intent = SPEAKER_INTENTS.iter().find(|intent| {
            intent.len() <= rest.len() && intent.iter().rev().zip(rest).all(|(a, b)| a == b)
        });
        if let Some(intent) = intent {
            return rest
                .get(intent.len())
                .is_none_or(|word| !NOT_AN_INTENT.contains(word));
        }
        match rest.first() {
            Some(word) if SPEAKER_FILLERS.contains(word) => {}
            _ => return false,
        }
    }
    false
}

/// The last word of a phrase: what follows its last space, or the whole of it.
fn last_word(phrase: &[u8]) -> &[u8] {
    phrase
        .iter()
        .rposition(|&b| b == b' ')
        .map_or(phrase, |space| &phrase[space + 1..])
}

fn word_end(bytes: &[u8], from: usize) -> usize {
    let mut end = from;
    while end < bytes.len() && bytes[end] != b' ' {
        end += 1;
    }
    end
}

fn load_entry(source: &str, category: Category, repr: EntryRepr) -> Result<Entry> {
    let what = || format!("{source}: entry {:?}", repr.terms.first());
    let Some(first) = repr.terms.first() else {
        return Err(Error::invalid(source, "an entry has no terms"));
    };
    if let Some(long) = repr.terms.iter().find(|t| t.len() > MAX_TERM_BYTES) {
        return Err(Error::invalid(
            what(),
            format!("term over {MAX_TERM_BYTES} bytes: {long:?}"),
        ));
    }
    if repr.terms.iter().any(|t| normalise(t).is_empty()) {
        return Err(Error::invalid(
            what(),
            "a term has no letters once normalised",
        ));
    }
    let severity: Level = repr
        .severity
        .parse()
        .map_err(|_| Error::invalid(what(), format!("unknown severity {:?}", repr.severity)))?;
    let exceptions = repr
        .exceptions
        .iter()
        .map(|written| {
            let normalised = normalise(written);
            let bytes = normalised.bytes();
            let inner = bytes.len().saturating_sub(2);
            (
                written.clone(),
                bytes[..bytes.len().saturating_sub(1)].to_vec(),
                // Only doubled letters are asked for (a space, which the text may have made of
                // a mark, asks nothing).
                normalised
                    .runs()
                    .skip(1)
                    .take(inner)
                    .map(|run| if run > 1 { run } else { 0 })
                    .collect(),
            )
        })
        .filter(|(_, pattern, _)| pattern.len() > 1)
        .collect();
    let phrases = |list: &[String]| -> Vec<(String, String)> {
        list.iter()
            .map(|written| {
                (
                    written.clone(),
                    normalise(written).as_str().trim().to_owned(),
                )
            })
            .filter(|(_, normalised)| !normalised.is_empty())
            .collect()
    };
    let groups = |list: &[String]| -> Vec<Vec<u8>> {
        phrases(list)
            .into_iter()
            .map(|(_, normalised)| normalised.into_bytes())
            .collect()
    };
    let said_of = groups(&repr.said_of);
    if repr.verb && said_of.is_empty() {
        return Err(Error::invalid(
            what(),
            "`verb: true` needs `said_of` groups: it says how the term follows them",
        ));
    }
    let aimed_at = groups(&repr.aimed_at);
    let innocent_near = phrases(&repr.innocent_near)
        .into_iter()
        .map(|(written, normalised)| (written, format!(" {normalised} ")))
        .collect();
    Ok(Entry {
        category,
        severity,
        term: first.clone(),
        mode: repr.mode,
        reclaimable: repr.reclaimable,
        addressed: repr.addressed,
        said_of,
        verb: repr.verb,
        aimed_at,
        by_speaker: repr.by_speaker,
        name: repr.name,
        innocent_near,
        note: repr.note.clone(),
        source: source.to_string(),
        terms: repr.terms.clone(),
        plural: repr.plural,
        exceptions,
    })
}

pub(crate) fn read_limited(path: &Path) -> Result<String> {
    let read_error = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_LEXICON_FILE_BYTES {
        return Err(Error::invalid(
            path.display().to_string(),
            format!("file is {size} bytes; the limit is {MAX_LEXICON_FILE_BYTES}"),
        ));
    }
    std::fs::read_to_string(path).map_err(read_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::MatchKind;
    use proptest::prelude::*;

    #[test]
    fn no_shipped_pattern_is_a_common_word() {
        // A term that normalises to a common word ("ass" to "as", its doubled letter checked
        // only after the automaton matches) makes the automaton stop on that word in every
        // message: "as" alone took a sixth off the scanner's speed on the simulated force's mail.
        let lexicon = Lexicon::defaults().unwrap();
        let common = "the of and a to in is you that it he was for on are as with his they i at be \
            this have from or one had by word but not what all were we when your can said there use \
            an each which she do how their if will up other about out many then them these so some \
            her would make like him into time has look two more write go see number no way could \
            people my than first water been call who its now find long down day did get come made \
            may part";
        for word in common.split_whitespace() {
            let normalised = normalise(word);
            assert!(
                lexicon.matches(normalised.bytes()).is_empty(),
                "{word:?} stops the automaton"
            );
        }
    }

    #[test]
    fn the_writer_s_intent_is_read_before_the_act() {
        let intends = |text: &str, word: &str| {
            let normalised = normalise(text);
            let at = normalised
                .as_str()
                .find(&format!(" {word} "))
                .map(|at| at + 1)
                .unwrap();
            speaker_intends_before(normalised.bytes(), at)
        };
        assert!(intends("I will hurt you", "hurt"));
        assert!(intends("I'll hurt you", "hurt"));
        assert!(intends("ill hurt you", "hurt"));
        assert!(intends("We're gonna hurt you", "hurt"));
        assert!(intends("I'm going to find you and hurt you", "hurt"));
        assert!(intends("I will fucking come round and hurt you", "hurt"));
        assert!(intends("I'd love to hurt you", "hurt"));
        assert!(!intends("He will hurt you", "hurt"));
        assert!(!intends("I will not hurt you", "hurt"));
        assert!(!intends("I don't want to hurt you", "hurt"));
        assert!(!intends("Why would I want to hurt you", "hurt"));
        assert!(!intends("hurt you", "hurt"));
        assert!(!intends("I will make sure nobody can hurt you", "hurt"));
        // Fillers are bounded: seven are too many.
        assert!(!intends(
            "I will just come round and find you and then hurt you",
            "hurt"
        ));
    }

    #[test]
    fn address_words_are_written_as_the_normaliser_writes_them() {
        for word in ADDRESS_WORDS
            .iter()
            .chain(GROUP_FRAME_WORDS)
            .chain(TREATED_WORDS)
            .chain(TREATED_FRAME_WORDS)
            .chain(OBJECT_FRAME_WORDS)
            .chain(ADDRESS_FRAME_WORDS)
            .chain(YOUR_AS_YOU_ARE)
            .chain(OBJECT_YOU)
            .chain(NOT_STRAIGHT_AFTER_YOU)
            .chain(BEFORE_SUBJECT_YOU)
            .chain(SPEAKER_FILLERS)
            .chain(NOT_AN_INTENT)
            .chain(SPEAKER_INTENTS.iter().flat_map(|intent| intent.iter()))
        {
            let written = std::str::from_utf8(word).unwrap();
            assert_eq!(normalise(written).as_str().trim(), written);
        }
    }

    /// `text` normalised, and where the last `term` in it starts and ends.
    fn term_in(text: &str, term: &str) -> (Normalised, usize, usize) {
        let normalised = normalise(text);
        let needle = format!(" {} ", normalise(term).as_str().trim());
        let at = normalised.as_str().rfind(&needle).unwrap();
        (normalised, at + 1, at + needle.len() - 1)
    }

    fn normalised_groups(groups: &[&str]) -> Vec<Vec<u8>> {
        groups
            .iter()
            .map(|g| normalise(g).as_str().trim().as_bytes().to_vec())
            .collect()
    }

    #[test]
    fn group_terms_need_the_group_and_frame_words_between() {
        let groups = normalised_groups(&["muslims", "asylum seekers", "women"]);
        let check = |text: &str, term: &str| {
            let (normalised, start, _) = term_in(text, term);
            said_of_before(normalised.bytes(), start, &groups, 1)
        };
        // A verb phrase may follow the group straight; other terms may not.
        let verb = |text: &str, term: &str| {
            let (normalised, start, _) = term_in(text, term);
            said_of_before(normalised.bytes(), start, &groups, 0)
        };
        assert!(verb("muslims make me sick", "make me sick"));
        assert!(verb("muslims are ruining everything", "ruining everything"));
        assert!(!check("muslims make me sick", "make me sick"));
        assert!(!verb("seekers make me sick", "make me sick"));
        assert!(!verb("make me sick", "make me sick"));
        // "They" stands for a group named within the window before it.
        assert!(check("muslims everywhere and they are vermin", "vermin"));
        assert!(check("muslims everywhere such people are vermin", "vermin"));
        assert!(check("muslims everywhere theyre vermin", "vermin"));
        assert!(!check("they are vermin", "vermin"));
        assert!(!check("muslims everywhere they vermin", "vermin"));
        let far = format!("muslims {} they are vermin", "and so on ".repeat(40));
        assert!(!check(&far, "vermin"));
        assert!(check("muslims are vermin", "vermin"));
        assert!(check("All asylum seekers are just parasites", "parasites"));
        assert!(check("women are a bunch of whores", "whores"));
        assert!(!check("muslims are not vermin", "vermin"));
        assert!(!check("muslims vermin", "vermin"));
        assert!(!check("the rats are vermin", "vermin"));
        assert!(!check("seekers are vermin", "vermin"));
        assert!(!check("vermin", "vermin"));
        // The group must be a whole word: "superwomen" is not "women".
        assert!(!check("superwomen are vermin", "vermin"));
        // At most four frame words.
        assert!(!check(
            "muslims are all just such a bunch of vermin",
            "vermin"
        ));
        // Adverbs and asides that only strengthen what follows.
        assert!(check("muslims are absolutely vermin", "vermin"));
        assert!(check("asylum seekers really are parasites", "parasites"));
        assert!(check("muslims like you are vermin", "vermin"));
        assert!(check("muslims like them are human garbage", "garbage"));
        // Contempt shown to the group by others, reported: "treated ... like".
        assert!(!check("they treated muslims like vermin", "vermin"));
        assert!(!check(
            "the gang treated the asylum seekers like garbage",
            "garbage"
        ));
        assert!(!check("treating all these women like whores", "whores"));
        assert!(check("treated or not, muslims are vermin", "vermin"));
    }

    #[test]
    fn terms_aimed_at_a_group_need_the_group_after_them() {
        let groups = normalised_groups(&["muslims", "asylum seekers"]);
        let check = |text: &str, term: &str| {
            let (normalised, _, end) = term_in(text, term);
            aimed_at_after(normalised.bytes(), end, &groups)
        };
        assert!(check("i hate muslims", "hate"));
        assert!(check("I hate all the fucking asylum seekers here", "hate"));
        assert!(!check("i hate muslimsplaining", "hate"));
        assert!(!check("i hate seeing muslims abused", "hate"));
        assert!(!check("hate crime against muslims", "hate"));
        assert!(!check("i hate asylum", "hate"));
        assert!(!check("i hate", "hate"));
        // "A" and "other" may stand between; "that" may not, as it starts a clause.
        let groups = normalised_groups(&["muslims", "muslim", "that muslim"]);
        let check = |text: &str, term: &str| {
            let (normalised, _, end) = term_in(text, term);
            aimed_at_after(normalised.bytes(), end, &groups)
        };
        assert!(check("going to stab a muslim", "going to stab"));
        assert!(check("i will shoot any other muslims", "shoot"));
        assert!(check("going to murder that muslim", "going to murder"));
        assert!(!check("i hate that muslims are blamed", "hate"));
    }

    #[test]
    fn addressed_terms_need_the_address_and_only_frame_words_between() {
        let check = |text: &str, term: &str| {
            let (normalised, start, _) = term_in(text, term);
            addressed_before(normalised.bytes(), start, AddressScope::Clause)
        };
        assert!(check("you fool", "fool"));
        assert!(check("You're a fool", "fool"));
        assert!(check("you are such an utter fool", "fool"));
        assert!(check("your a fool", "fool"));
        assert!(check("u r a fool", "fool"));
        // At most four frame words.
        assert!(check("you are a really big fool", "fool"));
        assert!(!check("you are a really big fat fool", "fool"));
        assert!(!check("fool", "fool"));
        assert!(!check("you are not a fool", "fool"));
        assert!(!check("your big fool", "fool"));
        assert!(!check("they are such a fool", "fool"));
        assert!(!check("april fool", "fool"));
        assert!(!check("can i get you a choc ice", "choc"));
        assert!(!check("i will send you the useless bits", "useless"));
        assert!(check("you are the useless one", "useless"));
        assert!(check("you're a fool", "fool"));
        // "You a fool" with no verb: said to the reader where "you" opens the clause.
        assert!(check("you a fool", "fool"));
        assert!(check("oi you an absolute clown", "clown"));
        assert!(check("why are you a loser", "loser"));
        assert!(!check("i will get you a useless one", "useless"));
        // A whole text has lost its clause boundaries: the clause check decides.
        let (text, start, _) = term_in("can i get you a choc ice", "choc");
        assert!(addressed_before(text.bytes(), start, AddressScope::Text));
    }

    /// Words for texts that hit the lexicon: some of its own terms, and words near them.
    fn vocabulary() -> Vec<String> {
        let lexicon = Lexicon::defaults().unwrap();
        let mut words: Vec<String> = lexicon
            .entries()
            .iter()
            .step_by(7)
            .flat_map(|e| e.terms.iter().cloned())
            .collect();
        words.extend(["solicitors", "counselling", "the", "a", "not", "x"].map(String::from));
        words
    }

    /// A word from [`vocabulary`] disguised as people disguise slurs: letters chosen by `seed`
    /// written as `*`, and `l` and `i` as `1`.
    fn disguised(word: &str, seed: u64) -> String {
        word.chars()
            .enumerate()
            .map(|(i, c)| match (c, seed >> (i % 64) & 1) {
                ('l' | 'i', 1) => '1',
                (c, 1) if c.is_ascii_alphabetic() && seed >> ((i + 7) % 64) & 1 == 1 => '*',
                (c, _) => c,
            })
            .collect()
    }

    /// `word` with a mark put in after one of its letters (`sl_ut`, `wh.ore`, `c-unt`).
    fn split_by_a_mark(word: &str, seed: u64) -> String {
        let at = 1 + (seed as usize) % word.len().max(2).saturating_sub(1);
        let mark = ['_', '.', '-'][((seed >> 32) % 3) as usize];
        let mut split = word.to_owned();
        if split.is_char_boundary(at) {
            split.insert(at, mark);
        }
        split
    }

    /// Texts of up to 120 words, each from [`vocabulary`], disguised, or made up.
    fn texts() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(vocabulary()),
                (proptest::sample::select(vocabulary()), any::<u64>())
                    .prop_map(|(word, seed)| disguised(&word, seed)),
                (proptest::sample::select(vocabulary()), any::<u64>())
                    .prop_map(|(word, seed)| split_by_a_mark(&word, seed)),
                "[a-z0-9@$*|]{1,8}",
            ],
            0..120,
        )
        .prop_map(|w| w.join(" "))
    }

    /// The shipped lexicons, compiled once for the tests that only read them.
    fn shared_lexicon() -> &'static Lexicon {
        static LEXICON: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
        LEXICON.get_or_init(|| Lexicon::defaults().unwrap())
    }

    /// Texts of up to 40 words made of what [`subject_before`] reads: the shipped groups (and
    /// their last words), frame, referring and "treated" words, some `said_of` terms, other words
    /// and marks, some disguised.
    fn subject_texts() -> impl Strategy<Value = String> {
        let lexicon = shared_lexicon();
        let mut words: Vec<String> = Vec::new();
        for entry in lexicon.entries() {
            for group in &entry.said_of {
                words.push(String::from_utf8_lossy(group).into_owned());
                words.push(String::from_utf8_lossy(last_word(group)).into_owned());
            }
            if !entry.said_of.is_empty() {
                words.extend(entry.terms.iter().cloned());
            }
        }
        let lists = [
            GROUP_FRAME_WORDS,
            REFERRING_WORDS,
            TREATED_WORDS,
            TREATED_FRAME_WORDS,
        ];
        for word in lists.iter().flat_map(|list| list.iter()) {
            words.push(String::from_utf8_lossy(word).into_owned());
        }
        words.extend(["they're", "like", "you", "not", "people", ".", ",", "--"].map(String::from));
        words.sort();
        words.dedup();
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(words.clone()),
                1 => (proptest::sample::select(words), any::<u64>())
                    .prop_map(|(word, seed)| disguised(&word, seed)),
                1 => "[a-z]{1,7}",
                1 => "[a-z0-9*.,' -]{1,4}",
            ],
            0..40,
        )
        .prop_map(|w| w.join(" "))
    }

    /// The joining [`Lexicon::join_pieces`] replaced: every letter of the word joined, then its
    /// first three letters looked up once.
    fn join_pieces_reading_every_letter(
        lexicon: &Lexicon,
        span: &[u8],
        buffer: &mut JoinBuffer,
    ) -> Option<usize> {
        let mut len = 1;
        for &byte in span {
            match byte {
                b' ' => {}
                b'a'..=b'z' => {
                    if buffer[len - 1] != byte {
                        *buffer.get_mut(len)? = byte;
                        len += 1;
                    }
                }
                _ => return None,
            }
        }
        lexicon
            .single_word_starts
            .contains(&buffer[1..len])
            .then_some(len)
    }

    /// Normalised words split by marks, as [`Normalised::split_words`] gives them (pieces apart,
    /// ` sl ut `): most made of the single-word terms cut at points of their own, a letter
    /// sometimes written again either side of a cut, with made-up letters or other bytes among
    /// them, some longer than a joined word can be.
    fn split_spans() -> impl Strategy<Value = Vec<u8>> {
        let terms: Vec<Vec<u8>> = shared_lexicon()
            .single_words
            .iter()
            .flatten()
            .map(|term| term.letters.clone())
            .collect();
        let piece = prop_oneof![
            4 => proptest::sample::select(terms),
            1 => "[a-z]{1,8}".prop_map(String::into_bytes),
            1 => "[a-z0-9 *.']{1,4}".prop_map(String::into_bytes),
        ];
        proptest::collection::vec((piece, any::<u64>()), 1..5).prop_map(|pieces| {
            let mut span: Vec<u8> = Vec::new();
            for (piece, seed) in pieces {
                let cut = (seed as usize) % (piece.len() + 1);
                if !span.is_empty() {
                    span.push(b' ');
                }
                span.extend_from_slice(&piece[..cut]);
                if seed & (1 << 40) != 0 {
                    span.push(b' ');
                    // The letter before the cut written again after it (` sl lut `).
                    if seed & (1 << 41) != 0
                        && let Some(&letter) = span.iter().rev().nth(1)
                    {
                        span.push(letter);
                    }
                }
                span.extend_from_slice(&piece[cut..]);
            }
            span
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Giving a split word up once its first three letters begin no term changes nothing: the
        /// joining says what it said joining every letter before looking, and joins the same
        /// letters.
        #[test]
        fn split_words_given_up_early_as_when_read_whole(
            spans in proptest::collection::vec(split_spans(), 1..32),
        ) {
            let lexicon = shared_lexicon();
            let mut early: JoinBuffer = [b' '; MAX_SPLIT_WORD_BYTES + 2];
            let mut whole: JoinBuffer = [b' '; MAX_SPLIT_WORD_BYTES + 2];
            for span in &spans {
                let joined = lexicon.join_pieces(span, &mut early);
                let expected = join_pieces_reading_every_letter(lexicon, span, &mut whole);
                prop_assert_eq!(joined, expected, "{:?}", String::from_utf8_lossy(span));
                if let Some(len) = joined {
                    prop_assert_eq!(&early[..len], &whole[..len]);
                }
            }
        }

        /// The address check reads only whole words before `start`, whatever the text and
        /// wherever `start` falls, and says yes exactly when the text ends "you are a".
        #[test]
        fn the_address_check_takes_any_text_and_start(
            text in "[ -~]{0,80}",
            at in 0usize..100,
        ) {
            let normalised = normalise(&text);
            let bytes = normalised.bytes();
            for scope in [AddressScope::Text, AddressScope::Clause] {
                let _ = addressed_before(bytes, at, scope);
                let framed = normalise(&format!("{text}. you are a"));
                prop_assert!(addressed_before(framed.bytes(), framed.bytes().len(), scope));
                let unframed = normalise(&format!("{text}. they are a"));
                prop_assert!(!addressed_before(unframed.bytes(), unframed.bytes().len(), scope));
            }
        }

        /// The hand-walked DFA finds what the crate's own overlapping search finds, in order.
        #[test]
        fn matches_agree_with_the_crates_overlapping_search(
            text in texts(),
            extra in proptest::collection::vec("[a-z]{1,6}", 0..8),
        ) {
            let mut words: Vec<&str> = vec!["solicitor", "counsel", "medical"];
            words.extend(extra.iter().map(String::as_str));
            let lexicon = Lexicon::defaults().unwrap().watching(&words).unwrap();
            let haystack = normalise(&text);
            let reference = aho_corasick::AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&lexicon.patterns)
                .unwrap();
            let expected: Vec<(usize, usize)> = reference
                .find_overlapping_iter(haystack.bytes())
                .map(|m| (m.pattern().as_usize(), m.start()))
                .collect();
            prop_assert_eq!(lexicon.matches(haystack.bytes()), expected);
        }

        /// The table walked by hand finds what the crate's own overlapping search finds, in
        /// order, for any patterns and any bytes: bytes of no pattern among them, texts short
        /// enough for one walk and long enough for the stretches, and one walk over the whole
        /// of every text.
        #[test]
        fn the_table_walks_as_the_crates_search(
            patterns in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![proptest::sample::select(b"ab \xff".to_vec()), any::<u8>()],
                    1..6,
                ),
                1..24,
            ),
            text in proptest::collection::vec(
                prop_oneof![4 => proptest::sample::select(b"ab \xff".to_vec()), 1 => any::<u8>()],
                0..400,
            ),
        ) {
            let table = Table::new(&patterns).unwrap();
            let reference = aho_corasick::AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .unwrap();
            let expected: Vec<(usize, usize)> = reference
                .find_overlapping_iter(&text)
                .map(|m| (m.pattern().as_usize(), m.start()))
                .collect();
            prop_assert_eq!(&matches_in(&table, &text), &expected);
            let mut whole = Vec::new();
            walk(&table, &text, 0, table.start(), 0, &mut whole);
            prop_assert_eq!(&whole, &expected);
        }

        /// Passing over the words that end no group and are no frame word changes nothing:
        /// `subject_before_in` with the lexicon's words says what it says reading every group,
        /// for each entry's groups, at every position of texts made of groups, frame words,
        /// referring words and others, as written or disguised.
        #[test]
        fn subject_words_change_nothing(
            text in subject_texts(),
        ) {
            let lexicon = shared_lexicon();
            let normalised = normalise(&text);
            let bytes = normalised.bytes();
            let mut lists: Vec<&Vec<Vec<u8>>> =
                lexicon.entries().iter().map(|e| &e.said_of).collect();
            lists.dedup();
            for groups in lists {
                for start in 0..bytes.len() + 2 {
                    for fewest in 0..2 {
                        for referring in [false, true] {
                            let words = Some(&lexicon.subject_words);
                            prop_assert_eq!(
                                subject_before_in(bytes, start, groups, fewest, referring, words),
                                subject_before(bytes, start, groups, fewest, referring),
                                "at {} of {:?}", start, String::from_utf8_lossy(bytes)
                            );
                        }
                    }
                }
            }
        }

        /// A group named before a referring word is found as the whole text's mentions find
        /// it, whether the window is read alone or the text has been searched whole, for any
        /// sequence of referring words.
        #[test]
        fn named_before_agrees_with_every_mention(
            words in proptest::collection::vec(subject_texts(), 1..8),
            picks in proptest::collection::vec(any::<u16>(), 1..12),
        ) {
            let lexicon = shared_lexicon();
            let normalised = normalise(&words.join(" "));
            let bytes = normalised.bytes();
            let mut lists: Vec<&Vec<Vec<u8>>> =
                lexicon.entries().iter().map(|e| &e.said_of).collect();
            lists.dedup();
            let mut mentions = Mentions::default();
            let mut ats: Vec<usize> =
                picks.iter().map(|&pick| usize::from(pick) % (bytes.len() + 1)).collect();
            ats.sort_unstable();
            for at in ats {
                for (key, groups) in lists.iter().enumerate() {
                    let from = at.saturating_sub(REFERENCE_WINDOW);
                    let expected = group_mentions(bytes, groups)
                        .any(|(start, end)| start >= from && start < at && end <= at);
                    prop_assert_eq!(mentions.named_before(key, bytes, groups, at), expected);
                }
            }
        }

        /// Hits come in order of position, each once, however many patterns lead to it.
        #[test]
        fn hits_are_in_order_and_each_once(
            text in texts(),
        ) {
            let lexicon = Lexicon::defaults().unwrap();
            let mut excepted = Vec::new();
            let normalised = normalise(&text);
            let hits = lexicon.find(&normalised, &mut excepted);
            for pair in hits.windows(2) {
                let key = |h: &Hit| (h.start, h.entry, h.term, h.end);
                prop_assert!(key(&pair[0]) < key(&pair[1]), "{:?}", pair);
            }
            // Every hit, the readings of asterisks, 1s and words split by marks among them, is a
            // whole word or words
            // of the normalised text and maps back inside the original.
            for hit in &hits {
                prop_assert!(hit.start < hit.end && hit.end < normalised.len(), "{:?}", hit);
                prop_assert_eq!(normalised.bytes()[hit.start - 1], b' ');
                prop_assert_eq!(normalised.bytes()[hit.end], b' ');
                let (from, to) = normalised.original_range(hit.start, hit.end).unwrap();
                prop_assert!(from < to && to <= text.len(), "{:?} {} {}", hit, from, to);
            }
        }
    }

    /// The longest pattern, ending at every position of a text long enough to be walked in
    /// stretches, is found once, as the crate's own search finds it: each stretch after the
    /// first starts just early enough to see a match of the longest pattern that ends one byte
    /// past the end of the stretch before it.
    #[test]
    fn matches_across_the_split_agree_with_the_crates_search() {
        let lexicon = Lexicon::defaults().unwrap();
        let reference = aho_corasick::AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&lexicon.patterns)
            .unwrap();
        let longest = lexicon.automaton.longest();
        let pattern = lexicon
            .patterns
            .iter()
            .find(|p| p.len() == longest)
            .unwrap();
        // Spaces around the pattern; the same length every time, so the split stays put.
        let len = shortest_in_lanes(longest) + 10;
        for at in 0..=len - longest {
            let mut bytes = vec![b' '; len];
            bytes[at..at + longest].copy_from_slice(pattern);
            let expected: Vec<(usize, usize)> = reference
                .find_overlapping_iter(&bytes)
                .map(|m| (m.pattern().as_usize(), m.start()))
                .collect();
            assert!(!expected.is_empty());
            assert_eq!(lexicon.matches(&bytes), expected, "pattern at {at}");
        }
    }

    #[test]
    fn shipped_terms_stay_short_enough_for_the_lanes() {
        // `walk_lanes` starts each stretch the longest pattern's length early, so those bytes
        // are read twice: terms of 39 bytes (against 32 before) cost about 4% more instructions
        // in the lexicon walk on short mail (`MEASUREMENTS.md`). A longer term is better written
        // as a shorter phrase that the frame words around it complete.
        let lexicon = Lexicon::defaults().unwrap();
        let longest = lexicon.automaton.longest();
        assert!(longest <= 32, "longest padded pattern is {longest} bytes");
    }

    #[test]
    fn shipped_lexicons_cover_every_category() {
        let lexicon = Lexicon::defaults().unwrap();
        for category in Category::ALL {
            assert!(
                lexicon.entries().iter().any(|e| e.category == category),
                "{category} has no entries"
            );
        }
    }

    #[test]
    fn a_verb_entry_follows_its_group_straight_and_needs_one() {
        let yaml = "category: racist\nentries:\n  - terms: [make me sick]\n    severity: high\n    said_of: [plonkers]\n    verb: true\n  - terms: [twonks]\n    severity: high\n    said_of: [plonkers]\n";
        let lexicon = Lexicon::from_sources(&[("t.yaml", yaml)]).unwrap();
        let count = |text: &str| lexicon.find(&normalise(text), &mut Vec::new()).len();
        assert_eq!(count("plonkers make me sick"), 1);
        assert_eq!(count("plonkers often make me sick"), 0);
        assert_eq!(count("plonkers really make me sick"), 1);
        assert_eq!(count("plonkers are twonks"), 1);
        assert_eq!(count("plonkers twonks"), 0);
        let without_groups = "category: racist\nentries:\n  - terms: [make me sick]\n    severity: high\n    verb: true\n";
        let error = Lexicon::from_sources(&[("t.yaml", without_groups)]).unwrap_err();
        assert!(error.to_string().contains("said_of"), "{error}");
    }

    #[test]
    fn they_counts_only_within_the_window_after_its_group_each_time() {
        let yaml = "category: racist\nentries:\n  - terms: [twonks]\n    severity: high\n    said_of: [plonkers]\n";
        let lexicon = Lexicon::from_sources(&[("t.yaml", yaml)]).unwrap();
        let hits = |text: &str| {
            lexicon
                .find(&normalise(text), &mut Vec::new())
                .iter()
                .map(|h| h.start)
                .collect::<Vec<_>>()
        };
        // The group's mentions are found once per text; each "they" is checked against its own
        // window, so the second, far from any mention, is not a hit.
        let filler = "and so on ".repeat(40);
        let near_then_far = format!("plonkers here, they are twonks. {filler} they are twonks");
        assert_eq!(hits(&near_then_far).len(), 1);
        let far_then_near = format!("they are twonks. {filler} plonkers here, they are twonks");
        assert_eq!(hits(&far_then_near).len(), 1);
        assert!(hits(&format!("they are twonks. {filler}")).is_empty());
    }

    /// The terms (as written in the lexicon) found in `text`, in order.
    fn terms_found(lexicon: &Lexicon, text: &str) -> Vec<String> {
        let mut excepted = Vec::new();
        lexicon
            .find(&normalise(text), &mut excepted)
            .iter()
            .map(|hit| lexicon.entries()[hit.entry].terms[hit.term].clone())
            .collect()
    }

    #[test]
    fn words_with_asterisks_are_read_as_the_terms_they_may_be() {
        let yaml = "category: general_abuse\nentries:\n  - terms: [plonker]\n    severity: low\n  - terms: [plinker]\n    severity: low\n  - terms: [zorb]\n    match: prefix\n    severity: low\n  - terms: [gloo]\n    severity: low\n  - terms: [twonk]\n    severity: low\n    addressed: true\n";
        let lexicon = Lexicon::from_sources(&[("t.yaml", yaml)]).unwrap();
        let terms = |text: &str| terms_found(&lexicon, text);
        // Letters left out: the vowels are the likelier reading ("pl*nker" is "plonker" and
        // "plinker" alike; "p**nker" hides a vowel of each too).
        assert_eq!(terms("you pl*nker"), ["plonker", "plinker"]);
        assert_eq!(terms("what a p*onker"), ["plonker"]);
        assert_eq!(terms("plonk*r"), ["plonker"]);
        assert_eq!(terms("pl*nk*rs"), ["plonker", "plinker"]);
        // Asterisks put in between letters.
        assert_eq!(terms("plon*ker"), ["plonker"]);
        // A stem, and a term's own double letters.
        assert_eq!(terms("z*rbing about"), ["zorb"]);
        assert_eq!(terms("g**o"), ["gloo"]);
        assert_eq!(terms("gl*oo"), ["gloo"]);
        assert_eq!(terms("gl*o"), ["gloo"]);
        assert!(terms("g*o").is_empty());
        // Too little shown, the wrong length, or other letters: no term.
        assert!(terms("p*****r").is_empty());
        assert!(terms("pl*nkers of wood").len() == 2);
        assert!(terms("pl*nk").is_empty());
        assert!(terms("pr*nker").is_empty());
        // The entry's context rules still apply.
        assert_eq!(terms("you tw*nk"), ["twonk"]);
        assert!(terms("the tw*nk").is_empty());
        // Asterisks set between every letter are separators, as before.
        assert_eq!(terms("z*o*r*b"), ["zorb"]);
    }

    #[test]
    fn the_digit_one_is_read_as_l_as_well_as_i() {
        let yaml = "category: general_abuse\nentries:\n  - terms: [plonk]\n    severity: low\n  - terms: [zorb]\n    match: prefix\n    severity: low\n  - terms: [lobin]\n    severity: low\n  - terms: [twonk]\n    severity: low\n    addressed: true\n";
        let lexicon = Lexicon::from_sources(&[("t.yaml", yaml)]).unwrap();
        let terms = |text: &str| terms_found(&lexicon, text);
        assert_eq!(terms("p1onk"), ["plonk"]);
        assert_eq!(terms("the p11onks"), ["plonk"]);
        // Each 1 is read as i or l on its own.
        assert_eq!(terms("1ob1n"), ["lobin"]);
        // A stem, and the entry's context rules.
        assert_eq!(terms("zorb1ing"), ["zorb"]);
        assert_eq!(terms("you tw1nk"), Vec::<String>::new());
        assert!(terms("PC1234 at p1ank").is_empty());
    }

    #[test]
    fn words_split_by_marks_are_read_joined() {
        let yaml = "category: general_abuse\nentries:\n  - terms: [plonk]\n    severity: low\n  - terms: [zorb]\n    match: prefix\n    severity: low\n  - terms: [twonk]\n    severity: low\n    addressed: true\n  - terms: [boot]\n    severity: low\n";
        let lexicon = Lexicon::from_sources(&[("t.yaml", yaml)]).unwrap();
        let terms = |text: &str| terms_found(&lexicon, text);
        for written in [
            "pl_onk",
            "pl.onk",
            "p-lonk",
            "p-lo-nk",
            "what a pl.onk!",
            "pl-lonk",
        ] {
            assert_eq!(terms(written), ["plonk"], "{written}");
        }
        // A stem, and the entry's context rules.
        assert_eq!(terms("zo-rbing"), ["zorb"]);
        assert!(terms("the tw.onk").is_empty());
        assert_eq!(terms("you are a tw.onk"), ["twonk"]);
        // A double letter the term insists on may be split between pieces, but not left out.
        assert_eq!(terms("bo-ot"), ["boot"]);
        assert!(terms("b-ot bo-t").is_empty());
        // Pieces that are no term joined, terms split by spaces, and a token ending in a single
        // letter (left waiting for the letters after it) are not read.
        assert!(terms("and/or e-mail OFFICIAL-SENSITIVE pl onk pl-on-k").is_empty());
        // The match covers every piece, and points at what was written.
        let text = "a pl_onk.";
        let normalised = normalise(text);
        let hits = lexicon.find(&normalised, &mut Vec::new());
        assert_eq!(hits.len(), 1);
        assert_eq!(
            normalised.original_range(hits[0].start, hits[0].end),
            Some((2, 8))
        );
    }

    #[test]
    fn plurals_and_stems() {
        let yaml = "category: general_abuse\nentries:\n  - terms: [plonk]\n    severity: low\n  - terms: [zorb]\n    match: prefix\n    severity: low\n  - terms: [twonk]\n    plural: false\n    severity: low\n";
        let lexicon = Lexicon::from_sources(&[("t.yaml", yaml)]).unwrap();
        let mut excepted = Vec::new();
        let count = |text: &str, excepted: &mut Vec<Excepted>| {
            lexicon.find(&normalise(text), excepted).len()
        };
        assert_eq!(count("plonks and plonkes", &mut excepted), 2);
        assert_eq!(count("plonker", &mut excepted), 0);
        assert_eq!(count("zorbulous", &mut excepted), 1);
        assert_eq!(count("a zorb", &mut excepted), 1);
        assert_eq!(count("twonks", &mut excepted), 0);
    }

    #[test]
    fn watched_words_are_found_inside_words_and_leave_hits_alone() {
        let yaml = "category: general_abuse\nentries:\n  - terms: [plonk]\n    severity: low\n";
        let plain = Lexicon::from_sources(&[("t.yaml", yaml)]).unwrap();
        let lexicon = plain
            .clone()
            .watching(&["fit note", "gp", "counselling"])
            .unwrap();
        assert_eq!(lexicon.watch_words().len(), 3);
        let found = |text: &str| {
            let normalised = normalise(text);
            let mut excepted = Vec::new();
            let (hits, watched) = lexicon.find_watching(&normalised, &mut excepted);
            assert_eq!(hits, plain.find(&normalised, &mut Vec::new()), "{text}");
            (hits.len(), watched)
        };
        assert_eq!(found("a plonk"), (1, false));
        assert_eq!(found("Your FIT NOTE, plonk"), (1, true));
        assert_eq!(found("the GPs said"), (0, true));
        assert_eq!(found("COUNSELLING"), (0, true));
        // Squeezed like the text, so a doubled letter either way still matches.
        assert_eq!(found("counselling"), (0, true));
        assert_eq!(found("counseling"), (0, true));
        assert_eq!(found("fit notes"), (0, true));
        assert_eq!(found("fitnote"), (0, false));
        assert_eq!(found("g p"), (0, false));
        assert!(plain.watching(&["--"]).is_err());
    }
}
