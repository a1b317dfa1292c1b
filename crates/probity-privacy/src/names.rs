//! People's names in free text, found without a model: a title and a capitalised name (`Mrs Ada
//! Price`), a common forename and a capitalised surname (`Ada Price`), and the records style of a
//! surname in capitals and a forename (`PRICE, Ada`).
//!
//! This finds most names in police correspondence and few false ones; it is not exhaustive. It is
//! used to count names (bulk personal data), where a false name would make a finding.
//!
//! Masking (analyst views) errs towards hiding, and finds more with [`BroadNames`]: what
//! [`Names`] finds, and also names after a title or police rank (`Sgt Bob Jones`), names after a
//! role word (`Suspect DAVID SMITH`, `Informant is Tyler Brown`), `Smith, John`, a forename
//! from a larger list before a surname (`Priya Patel`), a common forename alone (`Chloe`), names
//! written with letters outside ASCII (`Siobhán Ó Briain`, `Zoë Łukasz`), and the other
//! mentions of a name's words once the name is found.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::Result;
use crate::error::compile;

/// Common UK forenames (lower case), enough to tell `Ada Price` from `Kind Regards`.
const FORENAMES: &str = "aaron abdul abigail ada adam adrian ahmed aidan aisha alan albert alex alexander \
alexandra alfie ali alice alison amanda amber amelia amy andrea andrew angela ann anna anne anthony \
archie arthur ashley barbara barry ben benjamin beth bethany bill billy brandon brenda brian bruce \
callum cameron carl carol caroline catherine charles charlie charlotte chloe chris christine \
christopher claire colin connor craig daniel danielle darren dave david dawn dean debbie deborah \
declan denise dennis derek diane dominic donna dylan edward eleanor elizabeth ella ellie emily emma \
eric ethan evie fatima fiona frances francesca frank freddie freya gary gavin gemma george georgia \
gillian gordon grace graham hannah harriet harry harvey hayley heather helen henry holly ian imogen \
isaac isabel isabella isla jack jackie jacob jade james jamie jane janet jason jayden jean jennifer \
jenny jessica jill joan joanne joe john jonathan jordan joseph josh joshua joyce judith julia julie \
justin karen kate katherine kathleen katie kayleigh keith kelly kevin kieran kim kirsty laura lauren \
leah lee leo leon lewis liam lily linda lisa logan louise lucas lucy luke lynn mandy margaret maria \
mark martin mary mason matthew maureen megan melissa michael michelle mohammed mohammad muhammad \
molly nathan neil nicholas nicola nigel noah oliver olivia oscar owen paul paula pauline peter \
philip phoebe poppy rachel rebecca reece rhys richard rita robert robyn roger ronald rosie ross ruby \
ruth ryan sam samantha samuel sandra sara sarah scott sean shane sharon shaun sheila simon sophie \
stacey stephanie stephen steven stuart susan suzanne tanya teresa terry thomas tina toby tom tony \
tracey tracy vanessa victoria vincent wayne wendy william yasmin zara zoe";

/// More bytes than the longest of [`FORENAMES`] (checked by a test).
const FORENAME_BYTES: usize = 16;

/// Titles that precede a member of the public's name.
const TITLES: &str = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?";
const CAPITALISED: &str = r"(?:[A-Z]'|Mc|Mac)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?";

/// One name found: its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameMatch {
    /// Byte offset where the name starts.
    pub start: usize,
    /// Byte offset where it ends (exclusive).
    pub end: usize,
}

/// Finds people's names. Build once and share.
#[derive(Debug, Clone)]
pub struct Names {
    titled: Regex,
    pair: Regex,
    records_style: Regex,
    /// [`FORENAMES`] as bytes, hashed with foldhash (seeded per process: the keys are the
    /// list's own): looked up for every capitalised word before another in long texts.
    forenames: HashSet<&'static [u8], foldhash::fast::RandomState>,
}

impl Names {
    /// Compiles the patterns.
    pub fn new() -> Result<Self> {
        let b = r"(?-u:\b)";
        Ok(Self {
            titled: compile(
                "titled name",
                &format!(r"{b}{TITLES} {CAPITALISED}(?: {CAPITALISED}){{0,2}}{b}"),
            )?,
            pair: compile(
                "forename and surname",
                &format!(r"{b}(?P<first>[A-Z][a-z]+) (?:[A-Z][a-z]+ )?{CAPITALISED}{b}"),
            )?,
            records_style: compile(
                "records-style name",
                &format!(r"{b}[A-Z]{{2,}}(?:[\-'][A-Z]{{2,}})?, {CAPITALISED}{b}"),
            )?,
            forenames: FORENAMES.split_whitespace().map(str::as_bytes).collect(),
        })
    }

    /// Every name in `text`, in order, without overlaps.
    pub fn find(&self, text: &str) -> Vec<NameMatch> {
        let mut found: Vec<NameMatch> = Vec::new();
        for m in self.titled.find_iter(text) {
            found.push(NameMatch {
                start: m.start(),
                end: m.end(),
            });
        }
        // A capitalised pair whose first word is no forename ("Dear Ada Price") is retried from its
        // second word, so that the name inside it is still found.
        // The match alone is found (the same match the captures would give, at a fraction of
        // their cost): its first word, the `first` group, is a capital and lower-case letters,
        // so it ends at the match's first space.
        let mut at = 0;
        while let Some(whole) = self.pair.find_at(text, at) {
            let Some(first_end) = whole.as_str().find(' ').map(|space| whole.start() + space)
            else {
                break;
            };
            if self.is_forename(&text[whole.start()..first_end]) {
                // `Sam Lane Subject:` is a name and the next key, not a three-word name.
                let mut end = whole.end();
                if text[end..].starts_with(':')
                    && let Some(space) = whole.as_str().rfind(' ')
                    && whole.start() + space > first_end
                    && is_key(&whole.as_str()[space + 1..].to_ascii_lowercase())
                {
                    end = whole.start() + space;
                }
                found.push(NameMatch {
                    start: whole.start(),
                    end,
                });
                at = end;
            } else {
                at = first_end;
            }
        }
        for m in self.records_style.find_iter(text) {
            if lists_headings(m.as_str()) {
                continue;
            }
            found.push(NameMatch {
                start: m.start(),
                end: m.end(),
            });
        }
        found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut out: Vec<NameMatch> = Vec::with_capacity(found.len());
        for name in found {
            if out.last().is_some_and(|last| name.start < last.end) {
                continue;
            }
            out.push(name);
        }
        out
    }

    /// Whether `word` is a common forename, in any ASCII case (lowered on the stack: a word
    /// longer than every forename is none).
    fn is_forename(&self, word: &str) -> bool {
        self.is_forename_bytes(word.as_bytes())
    }

    /// [`Names::is_forename`] of a word's bytes (every forename is ASCII, so bytes that are not
    /// UTF-8 are none).
    fn is_forename_bytes(&self, word: &[u8]) -> bool {
        let mut lowered = [0u8; FORENAME_BYTES];
        let Some(into) = lowered.get_mut(..word.len()) else {
            return false;
        };
        into.copy_from_slice(word);
        into.make_ascii_lowercase();
        self.forenames.contains(&*into)
    }

    /// The name with any title removed and spaces collapsed, lower-cased: the key two mentions of
    /// one person share (`Mrs Ada Price` and `Ada Price`).
    pub fn key(name: &str) -> String {
        let mut words: Vec<String> = name
            .split([' ', ','])
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        if words.first().is_some_and(|w| {
            ["mr", "mrs", "ms", "miss", "mx", "dr", "master"].contains(&w.trim_end_matches('.'))
        }) {
            words.remove(0);
        }
        // Ranks too, several of them (`Sgt Bob Jones` and `Det Sgt Bob Jones` are staff member
        // Bob Jones), but not in the records style (`PC, Dave` is no rank), and the last word is
        // kept whatever it is. The disclosure policy's names never start with a rank.
        if !name.contains(',') {
            while words.len() > 1
                && words
                    .first()
                    .is_some_and(|w| is_title(w.trim_end_matches('.')))
            {
                words.remove(0);
            }
        }
        if name.contains(',') {
            words.rotate_left(1);
        }
        words.join(" ")
    }
}

/// Titles and police ranks that stand before a person's name, lower case and without a dot: the
/// titles of [`TITLES`] and more, compared with a word lowered.
const TITLES_AND_RANKS: [&str; 38] = [
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "master",
    "prof",
    "professor",
    "sir",
    "dame",
    "rev",
    "revd",
    "reverend",
    "fr",
    "cllr",
    "councillor",
    "pc",
    "dc",
    "ps",
    "ds",
    "di",
    "dci",
    "dsi",
    "dsu",
    "sgt",
    "sergeant",
    "insp",
    "inspector",
    "ci",
    "supt",
    "superintendent",
    "con",
    "constable",
    "det",
    "detective",
    "pcso",
    "ch",
];

/// Whether `word` (lower case, without a dot) is a title or rank ([`TITLES_AND_RANKS`]).
fn is_title(word: &str) -> bool {
    TITLES_AND_RANKS.contains(&word)
}

/// Words (lower case) after which the next capitalised words are taken for a name: roles a member
/// of the public has in police correspondence, and relations.
const ROLE_WORDS: [&str; 44] = [
    "suspect",
    "suspects",
    "witness",
    "victim",
    "informant",
    "offender",
    "subject",
    "complainant",
    "defendant",
    "accused",
    "detainee",
    "prisoner",
    "casualty",
    "deceased",
    "claimant",
    "patient",
    "child",
    "son",
    "daughter",
    "mother",
    "father",
    "brother",
    "sister",
    "husband",
    "wife",
    "partner",
    "boyfriend",
    "girlfriend",
    "neighbour",
    "caller",
    "driver",
    "passenger",
    "tenant",
    "nephew",
    "niece",
    "grandson",
    "granddaughter",
    "cousin",
    "aunt",
    "uncle",
    "named",
    "called",
    "aka",
    "alias",
];

/// Words between a role word and the name (`Informant is Tyler Brown`, `victim named Ann Lee`).
const ROLE_LINKS: [&str; 6] = ["is", "was", "named", "called", "name", "aka"];

/// Capitalised words that follow a role word in common phrases, not names: after `Witness`,
/// `Care Unit` is no person.
const ROLE_PHRASES: [&str; 16] = [
    "access",
    "care",
    "code",
    "contact",
    "impact",
    "interview",
    "liaison",
    "management",
    "personal",
    "protection",
    "services",
    "service",
    "statement",
    "statements",
    "summons",
    "support",
];

/// Capitalised words that stand before a comma and a forename without being a surname
/// (`Thanks, John`), so that `Surname, Forename` is not read there.
const NOT_SURNAMES: [&str; 40] = [
    "thanks",
    "thank",
    "hi",
    "hello",
    "hey",
    "dear",
    "morning",
    "afternoon",
    "evening",
    "regards",
    "cheers",
    "yes",
    "no",
    "ok",
    "okay",
    "sorry",
    "please",
    "well",
    "so",
    "and",
    "but",
    "sir",
    "madam",
    "yours",
    "best",
    "kind",
    "many",
    "love",
    "night",
    "bye",
    "goodbye",
    "welcome",
    "again",
    "also",
    "however",
    "today",
    "now",
    "then",
    "right",
    "sure",
];

/// Surname particles written as a word of their own before the surname (`Siobhán Ó Briain`,
/// `Ann van Dyke`), lower case.
const PARTICLES: [&str; 18] = [
    "ó", "o", "ní", "ni", "nic", "mac", "mc", "uí", "ui", "van", "von", "de", "da", "di", "du",
    "la", "le", "bin",
];

/// The forenames of `data/forenames.txt` (masked alone too) and of
/// `data/forenames-before-a-surname.txt` (masked before a surname only), with [`FORENAMES`].
struct Forenames {
    alone: HashSet<&'static str>,
    before_surname: HashSet<&'static str>,
}

/// The lists, read once for every masker (some 8,600 names).
static BROAD_FORENAMES: LazyLock<Forenames> = LazyLock::new(|| {
    let lines = |text: &'static str| {
        text.lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
    };
    let alone: HashSet<&'static str> = lines(include_str!("../data/forenames.txt")).collect();
    let mut before_surname: HashSet<&'static str> =
        lines(include_str!("../data/forenames-before-a-surname.txt")).collect();
    before_surname.extend(FORENAMES.split_whitespace());
    before_surname.extend(alone.iter().copied());
    Forenames {
        alone,
        before_surname,
    }
});

/// `word` lower-cased with the letters outside ASCII that Latin-script names use written as
/// their ASCII base letter (`Siobhán` → `siobhan`, `Łukasz` → `lukasz`, `Zoë` → `zoe`), as the
/// forename lists write them.
pub fn folded(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let base = match lower {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
            'ğ' | 'ĝ' | 'ġ' | 'ģ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
            'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
            'ñ' | 'ń' | 'ň' | 'ņ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
            'œ' => "oe",
            'ŕ' | 'ř' | 'ŗ' => "r",
            'ś' | 'š' | 'ş' | 'ș' | 'ŝ' => "s",
            'ß' => "ss",
            'ť' | 'ţ' | 'ț' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            '’' => "'",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(base);
    }
    out
}

/// How a word is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A capital, then some lower case (`Smith`, `McDonald`, `O'Neill`, `Łukasz`).
    Capitalised,
    /// Capitals only, two letters or more (`SMITH`).
    Capitals,
    /// One capital alone (`Ó`, `J`).
    Initial,
    /// Anything else (lower case, digits).
    Other,
}

/// One word of a text: letters and digits, with an apostrophe or hyphen between letters.
#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    shape: Shape,
}

/// The words of `text`, in order.
fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !c.is_alphanumeric() {
            continue;
        }
        let mut end = start + c.len_utf8();
        let (mut upper, mut lower, mut other) = (0usize, 0usize, 0usize);
        let mut count = |c: char| {
            if c.is_uppercase() {
                upper += 1;
            } else if c.is_lowercase() {
                lower += 1;
            } else {
                other += 1;
            }
        };
        count(c);
        let first_upper = c.is_uppercase();
        while let Some(&(at, next)) = chars.peek() {
            if next.is_alphanumeric() {
                count(next);
                end = at + next.len_utf8();
                chars.next();
                continue;
            }
            // An apostrophe or hyphen joins two runs of letters (`O'Neill`, `Smith-Jones`).
            if matches!(next, '\'' | '’' | '-')
                && text[end..].chars().nth(1).is_some_and(char::is_alphabetic)
            {
                chars.next();
                continue;
            }
            break;
        }
        let shape = if other > 0 {
            Shape::Other
        } else if first_upper && lower > 0 {
            Shape::Capitalised
        } else if upper >= 2 && lower == 0 {
            Shape::Capitals
        } else if upper == 1 && lower == 0 {
            Shape::Initial
        } else {
            Shape::Other
        };
        out.push(Word { start, end, shape });
    }
    out
}

/// Whether the text between two words is a space inside a name: one to three spaces, tabs or
/// no-break spaces, nothing else.
fn name_gap(gap: &str) -> bool {
    let count = gap.chars().count();
    (1..=3).contains(&count) && gap.chars().all(|c| matches!(c, ' ' | '\t' | '\u{a0}'))
}

/// Words written as a key before a colon (`Subject:`, `Tel:`, `DOB:`) in a document's
/// properties, a form or a forwarded header block, lower case: such a word after a name on its
/// line starts the next field and is no part of the name. The headings of people's columns
/// ([`crate::bulk::is_person_heading`]) are keys too.
const KEYS: [&str; 30] = [
    "subject",
    "title",
    "keywords",
    "author",
    "creator",
    "producer",
    "date",
    "sent",
    "to",
    "cc",
    "bcc",
    "from",
    "re",
    "ref",
    "reference",
    "tel",
    "phone",
    "mobile",
    "email",
    "occupation",
    "note",
    "notes",
    "comment",
    "comments",
    "description",
    "summary",
    "status",
    "location",
    "time",
    "importance",
];

/// Whether a lower-cased word ([`folded`]) is a key when a colon follows it ([`KEYS`]).
fn is_key(word: &str) -> bool {
    KEYS.contains(&word) || crate::bulk::is_person_heading(word)
}

/// Whether the text between a title and a name is a space, perhaps after a dot (`Mr. Smith`).
fn title_gap(gap: &str) -> bool {
    name_gap(gap.strip_prefix('.').unwrap_or(gap))
}

/// The names masking looks for ([`BroadNames::find`]): more than [`Names`] finds, erring towards
/// hiding. Build once and share.
#[derive(Debug, Clone)]
pub struct BroadNames {
    names: Names,
}

impl BroadNames {
    /// Compiles the patterns (the forename lists are read once for all).
    pub fn new() -> Result<Self> {
        Ok(Self {
            names: Names::new()?,
        })
    }

    /// Every name in `text`, in order, without overlaps: what [`Names::find`] finds and what
    /// the rules of this module's introduction find, a name that overlaps another made one.
    pub fn find(&self, text: &str) -> Vec<NameMatch> {
        let mut found = self.names.find(text);
        let words = words(text);
        let forenames = &*BROAD_FORENAMES;
        let lowered: Vec<String> = words
            .iter()
            .map(|w| folded(&text[w.start..w.end]))
            .collect();
        let gap = |i: usize| -> &str {
            match (words.get(i), words.get(i + 1)) {
                (Some(a), Some(b)) => &text[a.end..b.start],
                _ => "",
            }
        };
        let is_name_word = |i: usize| {
            words
                .get(i)
                .is_some_and(|w| matches!(w.shape, Shape::Capitalised | Shape::Capitals))
        };
        // The name words from `i` on (up to `most`), joined by name gaps: the index after the last.
        // A key written after the name on its line (`Author: Sam Lane Subject: …`, `HARRIS,
        // Nicola DOB: …`) ends it.
        let name_run = |i: usize, most: usize| -> usize {
            let mut end = i;
            while end < i + most
                && is_name_word(end)
                && (end == i || name_gap(gap(end - 1)))
                && !(gap(end).starts_with(':') && is_key(&lowered[end]))
            {
                end += 1;
            }
            end
        };
        let push = |from: usize, to: usize, found: &mut Vec<NameMatch>| {
            if let (Some(first), Some(last)) = (
                words.get(from),
                to.checked_sub(1).and_then(|l| words.get(l)),
            ) {
                found.push(NameMatch {
                    start: first.start,
                    end: last.end,
                });
            }
        };
        for (i, word) in words.iter().enumerate() {
            let key = lowered[i].as_str();
            let shape = word.shape;
            // A title or rank (several too), then one to three name words.
            if matches!(shape, Shape::Capitalised | Shape::Capitals) && is_title(key) {
                let mut next = i + 1;
                while next < words.len()
                    && title_gap(gap(next - 1))
                    && is_title(&lowered[next])
                    && matches!(words[next].shape, Shape::Capitalised | Shape::Capitals)
                {
                    next += 1;
                }
                if next < words.len() && title_gap(gap(next - 1)) {
                    let end = name_run(next, 3);
                    if end > next {
                        push(i, end, &mut found);
                        continue;
                    }
                }
            }
            // A role word, perhaps a link (`:`, `,`, `is`), then a name in capitals, two or three
            // capitalised words, or one after a link.
            if ROLE_WORDS.contains(&key) && !(key == "subject" && gap(i).starts_with(':')) {
                let mut next = i + 1;
                let mut linked = ROLE_LINKS.contains(&key)
                    || gap(i).trim_start().starts_with([':', ',', '-', '–']);
                while next < words.len() && ROLE_LINKS.contains(&lowered[next].as_str()) {
                    linked = true;
                    next += 1;
                }
                let between = &text[words[i].end..words.get(next).map_or(text.len(), |w| w.start)];
                // Only spaces, link words and `:`, `,` or a dash between: a full stop or `;`
                // ends the phrase the role word is in.
                let one_line = between.chars().count() <= 12
                    && between.chars().all(|c| {
                        c.is_alphabetic()
                            || matches!(c, ' ' | '\t' | '\u{a0}' | ':' | ',' | '-' | '–')
                    });
                if one_line && next < words.len() && !ROLE_PHRASES.contains(&lowered[next].as_str())
                {
                    let end = name_run(next, 3);
                    let capitals = words[next].shape == Shape::Capitals;
                    let enough = if capitals {
                        end > next
                    } else {
                        end >= next + 2 || (linked && end > next)
                    };
                    if enough {
                        push(next, end, &mut found);
                    }
                }
            }
            if shape != Shape::Capitalised && shape != Shape::Capitals {
                continue;
            }
            // `Surname, Forename`, with a common forename (the larger list holds towns:
            // `Church Lane, Bradford` is no name).
            if !NOT_SURNAMES.contains(&key)
                && gap(i) == ", "
                && words
                    .get(i + 1)
                    .is_some_and(|w| w.shape == Shape::Capitalised)
                && forenames.alone.contains(lowered[i + 1].as_str())
            {
                push(i, i + 2, &mut found);
                continue;
            }
            // A forename, perhaps a middle name or a particle, then a surname.
            let known = match shape {
                Shape::Capitalised => forenames.before_surname.contains(key),
                _ => forenames.alone.contains(key),
            };
            if known {
                let mut next = i + 1;
                // A middle initial or a particle (`Siobhán Ó Briain`) before the surname.
                let initial_or_particle = words.get(next).is_some_and(|w| {
                    w.shape == Shape::Initial || PARTICLES.contains(&lowered[next].as_str())
                });
                if initial_or_particle && name_gap(gap(i)) {
                    next += 1;
                }
                let surname_at = next;
                if surname_at < words.len() && name_gap(gap(surname_at - 1)) {
                    let end = name_run(surname_at, 2);
                    if end > surname_at {
                        push(i, end, &mut found);
                        continue;
                    }
                }
            }
            // A common forename alone.
            if shape == Shape::Capitalised && forenames.alone.contains(key) {
                push(i, i + 1, &mut found);
            }
        }
        merged(found)
    }

    /// Every other mention in `text`, capitalised or in capitals, of the surname of a name at
    /// `found` that is a common forename ([`BroadNames`]' shorter list) and a surname, perhaps
    /// after a title: once `Karen Whitfield` or `Mrs Karen Whitfield` is a name, `Whitfield` and
    /// `WHITFIELD` elsewhere are too. Names found otherwise (a title and a capitalised word, a
    /// word in capitals and a comma) do not spread: `HP-UX, Linux` and `Master Key Exchange
    /// Buffer` would hide every `Linux` and `Buffer`. The surname must be three letters or more
    /// and no forename.
    pub fn mentions(&self, text: &str, found: &[NameMatch]) -> Vec<NameMatch> {
        let forenames = &*BROAD_FORENAMES;
        let mut named: HashSet<String> = HashSet::new();
        for name in found {
            let Some(inside) = text.get(name.start..name.end) else {
                continue;
            };
            let keys: Vec<String> = words(inside)
                .iter()
                .map(|w| folded(&inside[w.start..w.end]))
                .collect();
            let untitled = keys.iter().position(|k| !is_title(k)).unwrap_or(keys.len());
            let (Some(first), Some(last)) = (keys.get(untitled), keys.last()) else {
                continue;
            };
            if keys.len() < untitled + 2 || !forenames.alone.contains(first.as_str()) {
                continue;
            }
            if last.chars().count() >= 3
                && !PARTICLES.contains(&last.as_str())
                && !forenames.before_surname.contains(last.as_str())
            {
                named.insert(last.clone());
            }
        }
        if named.is_empty() {
            return Vec::new();
        }
        words(text)
            .into_iter()
            .filter(|w| matches!(w.shape, Shape::Capitalised | Shape::Capitals))
            .filter(|w| {
                let key = folded(&text[w.start..w.end]);
                // `Whitfield's` is a mention of `Whitfield`.
                let key = key.strip_suffix("'s").unwrap_or(&key);
                named.contains(key)
            })
            .map(|w| NameMatch {
                start: w.start,
                end: w.end,
            })
            .collect()
    }
}

/// `found` sorted, overlapping names made one (masking errs towards hiding: a name two rules
/// found in part each is hidden whole).
fn merged(mut found: Vec<NameMatch>) -> Vec<NameMatch> {
    found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<NameMatch> = Vec::with_capacity(found.len());
    for name in found {
        match out.last_mut() {
            Some(last) if name.start < last.end => last.end = last.end.max(name.end),
            _ => out.push(name),
        }
    }
    out
}

/// Whether a records-style match (`WORD, Word`) lists column headings (`DOB, Address`,
/// `NHS, Postcode`) rather than naming a person: neither word of a name is a heading.
fn lists_headings(matched: &str) -> bool {
    matched
        .split(", ")
        .any(|word| crate::bulk::is_person_heading(&word.to_ascii_lowercase()))
}

/// How many times a capitalised word follows another after a space or `, ` (`Ada Price`,
/// `PRICE, Ada`), counting no further than `limit`: an upper bound on the names [`Names::find`]
/// can find, counted in one cheap pass.
pub fn capitalised_pairs(text: &str, limit: usize) -> usize {
    let mut count = 0;
    if limit == 0 {
        return count;
    }
    for_each_capitalised_pair(text, |_, _| {
        count += 1;
        count < limit
    });
    count
}

/// Titles as [`TITLES`] writes them, without the dot.
const TITLE_WORDS: [&[u8]; 7] = [b"Mr", b"Mrs", b"Ms", b"Miss", b"Mx", b"Dr", b"Master"];

impl Names {
    /// How many of the pairs [`capitalised_pairs`] counts could start a name [`Names::find`]
    /// finds, counting no further than `limit`: a tighter upper bound on the names found.
    ///
    /// Each name found starts with a pair: a title and a capitalised word (after a space, or
    /// `. ` for `Mr. Price`), a forename and a capitalised word after a space, or a word in
    /// capitals and a capitalised word after `, `. The pass's first word of a pair may run on
    /// before the name's first word through an apostrophe (`O'Ada Price`), so the part after its
    /// last apostrophe is the word looked at. Names found do not overlap, so no two share a pair.
    pub fn name_starts(&self, text: &str, limit: usize) -> usize {
        let mut count = 0;
        if limit == 0 {
            return count;
        }
        for_each_capitalised_pair(text, |first, gap| {
            if self.may_start_name(first, gap) {
                count += 1;
            }
            count < limit
        });
        count
    }

    /// Whether a pair whose first word is `first`, followed by `gap`, could start a name.
    fn may_start_name(&self, first: &[u8], gap: &[u8]) -> bool {
        if gap == b", " {
            return true;
        }
        let word = match first.iter().rposition(|&b| b == b'\'') {
            Some(apostrophe) => &first[apostrophe + 1..],
            None => first,
        };
        if TITLE_WORDS.contains(&word) {
            return true;
        }
        gap == b" " && self.is_forename_bytes(word)
    }
}

/// Calls `on_pair` with the first word and the gap between of each pair [`capitalised_pairs`]
/// counts (a capitalised word, a capital at the start of a word then letters and apostrophes,
/// following another after a space, `, ` or `. `), until it returns false.
fn for_each_capitalised_pair(text: &str, mut on_pair: impl FnMut(&[u8], &[u8]) -> bool) {
    let bytes = text.as_bytes();
    let mut previous: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if !(bytes[i].is_ascii_uppercase() && starts_word) {
            i = crate::text::skip_to_byte_between(bytes, i + 1, b'A', b'Z');
            continue;
        }
        let end = letters_end(bytes, i + 1);
        if let Some((previous_start, previous_end)) = previous {
            let gap = &bytes[previous_end..i];
            if (gap == b" " || gap == b", " || gap == b". ")
                && !on_pair(&bytes[previous_start..previous_end], gap)
            {
                return;
            }
        }
        previous = Some((i, end));
        i = end;
    }
}

/// The end of the run of ASCII letters and apostrophes starting at `from` (`from` itself where
/// there is none). Eight bytes are looked at together, so a word takes one look.
fn letters_end(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::MAX / 255;
    const HIGHS: u64 = ONES * 128;
    const LOWS: u64 = ONES * 127;
    let mut end = from;
    while end + 8 <= bytes.len() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[end..end + 8]);
        let x = u64::from_le_bytes(chunk);
        // Per byte, with no carry or borrow crossing into the next: a letter is `a..=z` once
        // 0x20 is set (bytes from 128 never are), an apostrophe is 0x27.
        let folded = (x | (ONES * 0x20)) & LOWS;
        let at_least_a = folded.wrapping_add(ONES * u64::from(128 - b'a'));
        let at_most_z = (ONES * u64::from(128 + b'z')).wrapping_sub(folded);
        let letters = at_least_a & at_most_z & !x & HIGHS;
        let apostrophe = x ^ (ONES * u64::from(b'\''));
        let apostrophes = !(((apostrophe & LOWS).wrapping_add(LOWS)) | apostrophe) & HIGHS;
        let others = !(letters | apostrophes) & HIGHS;
        if others != 0 {
            return end + (others.trailing_zeros() / 8) as usize;
        }
        end += 8;
    }
    while end < bytes.len() && (bytes[end].is_ascii_alphabetic() || bytes[end] == b'\'') {
        end += 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn names(text: &str) -> Vec<&str> {
        Names::new()
            .unwrap()
            .find(text)
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect::<Vec<_>>()
            .into_iter()
            .collect()
    }

    #[test]
    fn finds_titled_paired_and_records_style_names() {
        assert_eq!(
            names("Spoke to Mrs Ada Price and John O'Neill, then SMITH, Dave."),
            ["Mrs Ada Price", "John O'Neill", "SMITH, Dave"]
        );
        assert_eq!(names("Dear Ada Price,"), ["Ada Price"]);
    }

    #[test]
    fn leaves_ordinary_capitalised_words() {
        assert!(names("Kind Regards, Police National Computer. The Court said").is_empty());
    }

    /// Column headings listed in the records style's shape are no name; a name beside them is.
    #[test]
    fn leaves_listed_column_headings() {
        assert!(names("columns: Surname, Forename, DOB, Address, Postcode").is_empty());
        assert!(names("see the NHS, Postcode and PNC, Name fields").is_empty());
        assert_eq!(names("DOB, Address of SMITH, Dave"), ["SMITH, Dave"]);
    }

    #[test]
    fn capitalised_pairs_bound_the_names() {
        let text = "Spoke to Mrs Ada Price and John O'Neill, then SMITH, Dave. Then home.";
        assert!(capitalised_pairs(text, usize::MAX) >= names(text).len());
        assert_eq!(capitalised_pairs("no capitals here at all", 10), 0);
        assert_eq!(capitalised_pairs("Ada Price", 10), 1);
        assert_eq!(capitalised_pairs("A B C D E F", 2), 2);
    }

    /// Every forename fits the buffer it is lowered into.
    #[test]
    fn forenames_fit_their_buffer() {
        assert!(
            FORENAMES
                .split_whitespace()
                .all(|f| f.len() < FORENAME_BYTES)
        );
        let names = Names::new().unwrap();
        assert!(names.is_forename("Ada") && names.is_forename("CHRISTOPHER"));
        assert!(!names.is_forename("Kind") && !names.is_forename("Adaaaaaaaaaaaaaaaaaaaaa"));
        // Every forename is ASCII letters, so a word's bytes that are not UTF-8 are none (pair
        // words are looked up as bytes, without a UTF-8 check).
        assert!(
            FORENAMES
                .split_whitespace()
                .all(|f| f.bytes().all(|b| b.is_ascii_lowercase()))
        );
        assert!(names.is_forename_bytes(b"ADA") && !names.is_forename_bytes(b"Ad\xff"));
    }

    /// The names as found with the pair pattern's captures, as before: the list
    /// [`Names::find`] must give from the match alone.
    fn names_by_captures(names: &Names, text: &str) -> Vec<NameMatch> {
        let mut found: Vec<NameMatch> = names
            .titled
            .find_iter(text)
            .map(|m| NameMatch {
                start: m.start(),
                end: m.end(),
            })
            .collect();
        let mut at = 0;
        while let Some(captures) = names.pair.captures_at(text, at) {
            let (Some(whole), Some(first)) = (captures.get(0), captures.name("first")) else {
                break;
            };
            if names
                .forenames
                .contains(first.as_str().to_ascii_lowercase().as_bytes())
            {
                found.push(NameMatch {
                    start: whole.start(),
                    end: whole.end(),
                });
                at = whole.end();
            } else {
                at = first.end();
            }
        }
        found.extend(
            names
                .records_style
                .find_iter(text)
                .filter(|m| !lists_headings(m.as_str()))
                .map(|m| NameMatch {
                    start: m.start(),
                    end: m.end(),
                }),
        );
        found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut out: Vec<NameMatch> = Vec::new();
        for name in found {
            if out.last().is_some_and(|last| name.start < last.end) {
                continue;
            }
            out.push(name);
        }
        out
    }

    /// Text made of forenames, other capitalised words, titles, capitals, apostrophes and
    /// punctuation, joined by spaces, commas, full stops, line breaks or nothing.
    fn name_like_text() -> impl Strategy<Value = String> {
        let word = proptest::prop_oneof![
            proptest::sample::select(vec![
                "Ada",
                "ADA",
                "Price",
                "Dear",
                "Kind",
                "Mrs",
                "Mr.",
                "Dr",
                "Dr.",
                "Master",
                "SMITH,",
                "SMITH-JONES,",
                "O'NEILL,",
                "O'Neill",
                "O'Ada",
                "x'Ada",
                "McDonald",
                "Jean-Paul",
                "Christopher",
                "Zoe",
                "ada",
                "x",
                ",",
                ".",
                "\n",
                "Ma\u{e9}lle",
                "\u{e9}Ada",
                "Ada1",
                "_Ada",
                "Price-Jones",
                "Dear Ada",
                "Kind Regards",
            ])
            .prop_map(str::to_owned),
            "[A-Za-z' ,.-]{0,12}",
        ];
        let separator =
            proptest::sample::select(vec![" ", " ", " ", ", ", ". ", "  ", "\n", "", "'"]);
        proptest::collection::vec((word, separator), 0..24).prop_map(|parts| {
            parts
                .into_iter()
                .map(|(word, separator)| word + separator)
                .collect()
        })
    }

    proptest::proptest! {
        /// The run of letters and apostrophes ends where looking at each byte ends it, from
        /// anywhere in any text.
        #[test]
        fn letters_end_where_each_byte_ends_them(
            text in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "[a-zA-Z'@`\\[\\]{}\x7f ,.0-9é’]{0,40}",
            ],
            from in 0..50usize,
        ) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            let mut expected = from;
            while expected < bytes.len()
                && (bytes[expected].is_ascii_alphabetic() || bytes[expected] == b'\'')
            {
                expected += 1;
            }
            proptest::prop_assert_eq!(letters_end(bytes, from), expected);
        }
        /// Finding a pair from its match alone finds what its captures found.
        #[test]
        fn pairs_from_the_match_as_from_captures(text in name_like_text()) {
            let names = Names::new().unwrap();
            proptest::prop_assert_eq!(names.find(&text), names_by_captures(&names, &text));
        }

        /// No more names are found than [`Names::name_starts`] counts, and it counts no more
        /// than [`capitalised_pairs`] does.
        #[test]
        fn name_starts_bound_the_names(text in name_like_text()) {
            let names = Names::new().unwrap();
            let starts = names.name_starts(&text, usize::MAX);
            proptest::prop_assert!(names.find(&text).len() <= starts, "{:?}", text);
            proptest::prop_assert!(starts <= capitalised_pairs(&text, usize::MAX), "{:?}", text);
        }
    }

    fn broad(text: &str) -> Vec<&str> {
        BroadNames::new()
            .unwrap()
            .find(text)
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect()
    }

    /// The forms the tester found left visible (each once missed by [`Names`]) are found.
    #[test]
    fn broad_names_find_the_forms_masking_missed() {
        for (text, name) in [
            ("2. Suspect DAVID SMITH arrested.", "DAVID SMITH"),
            ("3. Smith, John (dob 01/02/1990)", "Smith, John"),
            ("4. Spoke to Mohammed Khan and Priya Patel.", "Priya Patel"),
            ("5. Witness: Bob Jones.", "Bob Jones"),
            ("6. Informant is Tyler Brown.", "Tyler Brown"),
            ("8. Her name is Chloe, she lives on Oak Avenue.", "Chloe"),
            ("14. Siobhán Ó Briain and Zoë Łukasz.", "Siobhán Ó Briain"),
            ("14. Siobhán Ó Briain and Zoë Łukasz.", "Zoë Łukasz"),
            (
                "your son Tyler Whitfield (born 03/04/2010)",
                "Tyler Whitfield",
            ),
            ("To: Sgt Bob Jones", "Sgt Bob Jones"),
            ("Det Sgt Ann Lee and PC Smith", "Det Sgt Ann Lee"),
            ("Det Sgt Ann Lee and PC Smith", "PC Smith"),
            ("the suspect, Kowalczyk, was seen", "Kowalczyk"),
            ("victim named Xanthe Oduya", "Xanthe Oduya"),
            ("Spoke to Mr. Nguyen", "Mr. Nguyen"),
            ("Łukasz  Nowak", "Łukasz  Nowak"),
        ] {
            assert!(
                broad(text).contains(&name),
                "{name} in {text}: {:?}",
                broad(text)
            );
        }
        assert_eq!(
            broad("Spoke to Mohammed Khan and Priya Patel."),
            ["Mohammed Khan", "Priya Patel"]
        );
    }

    /// Ordinary capitalised words, a role word in its common phrases, a greeting before a
    /// comma and a forename that is also an English word alone are not names.
    #[test]
    fn broad_names_leave_ordinary_text() {
        for text in [
            "Kind Regards, Police National Computer. The Court said",
            "Witness Statement attached; Victim Support called; Witness Care Unit",
            "Subject: Weekly Rota",
            "Will Need Access to the May Bank Holiday rota",
            "Mark the form and Bill the client, Grace period",
            "Tuesday September the 3rd, in the Red Hat office",
        ] {
            assert_eq!(broad(text), Vec::<&str>::new(), "{text}");
        }
        // A greeting before a comma is no surname; the forename alone still is a name.
        assert_eq!(broad("Thanks, John"), ["John"]);
    }

    /// Once a name of a common forename and a surname is found, its surname elsewhere is too;
    /// names found only by the broader rules do not spread.
    #[test]
    fn a_surname_is_found_wherever_it_is_mentioned() {
        let names = BroadNames::new().unwrap();
        let text = "Dear Karen Whitfield, WHITFIELD said; Whitfield's car. HP-UX, Linux and Linux.";
        let found = names.find(text);
        let mentions: Vec<&str> = names
            .mentions(text, &found)
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect();
        assert_eq!(mentions, ["Whitfield", "WHITFIELD", "Whitfield's"]);
    }

    proptest::proptest! {
        /// The broad names cover every name [`Names`] finds, lie on character boundaries in
        /// order and do not overlap, on any text (letters outside ASCII included).
        #[test]
        fn broad_names_cover_the_strict_ones(
            text in proptest::prop_oneof![
                name_like_text(),
                "(\\PC| |, |: |\\.){0,40}",
                proptest::collection::vec(
                    proptest::sample::select(vec![
                        "Zoë", "Łukasz", "Ó", "Siobhán", "Suspect", "witness:", "is", "DAVID",
                        "SMITH", "Sgt", "PC", "Smith,", "John", "Chloe", "\u{a0}", "’", "-",
                    ]),
                    0..16,
                )
                .prop_map(|words| words.join(" ")),
            ]
        ) {
            let strict = Names::new().unwrap().find(&text);
            let found = BroadNames::new().unwrap().find(&text);
            for pair in found.windows(2) {
                proptest::prop_assert!(pair[0].end <= pair[1].start, "{:?}", text);
            }
            for name in &found {
                proptest::prop_assert!(
                    text.is_char_boundary(name.start) && text.is_char_boundary(name.end)
                );
            }
            for name in strict {
                proptest::prop_assert!(
                    found.iter().any(|b| b.start <= name.start && name.end <= b.end),
                    "{:?} in {:?}",
                    &text[name.start..name.end],
                    text
                );
            }
        }
    }

    #[test]
    fn folded_forms_are_the_lists_forms() {
        assert_eq!(folded("Siobhán"), "siobhan");
        assert_eq!(folded("ŁUKASZ"), "lukasz");
        assert_eq!(folded("Zoë"), "zoe");
        assert!(BROAD_FORENAMES.alone.contains(folded("Zoë").as_str()));
        assert!(BROAD_FORENAMES.before_surname.contains("priya"));
        // Every listed forename is lower case ASCII letters (and the odd hyphen or apostrophe),
        // as [`folded`] writes a word.
        for name in BROAD_FORENAMES.before_surname.iter() {
            assert_eq!(folded(name), *name);
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'\''),
                "{name}"
            );
        }
    }

    #[test]
    fn keys_leave_out_ranks() {
        assert_eq!(Names::key("Sgt Bob Jones"), "bob jones");
        assert_eq!(Names::key("Det Sgt Bob Jones"), "bob jones");
    }

    #[test]
    fn one_key_per_person() {
        assert_eq!(Names::key("Mrs Ada Price"), "ada price");
        assert_eq!(Names::key("PRICE, Ada"), "ada price");
    }
}
