//! People's names in free text, found without a model: a title and a capitalised name (`Mrs Ada
//! Price`), a common forename and a capitalised surname (`Ada Price`), and the records style of a
//! surname in capitals and a forename (`PRICE, Ada`).
//!
//! This finds most names in police correspondence and few false ones; it is not exhaustive. It is
//! used to count names (bulk personal data) and to mask them (analyst views).

use std::collections::HashSet;

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
    forenames: HashSet<&'static str>,
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
            forenames: FORENAMES.split_whitespace().collect(),
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
                found.push(NameMatch {
                    start: whole.start(),
                    end: whole.end(),
                });
                at = whole.end();
            } else {
                at = first_end;
            }
        }
        for m in self.records_style.find_iter(text) {
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
        let mut lowered = [0u8; FORENAME_BYTES];
        let Some(into) = lowered.get_mut(..word.len()) else {
            return false;
        };
        into.copy_from_slice(word.as_bytes());
        into.make_ascii_lowercase();
        std::str::from_utf8(into).is_ok_and(|word| self.forenames.contains(word))
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
        if name.contains(',') {
            words.rotate_left(1);
        }
        words.join(" ")
    }
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
        gap == b" " && std::str::from_utf8(word).is_ok_and(|word| self.is_forename(word))
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
        let mut end = i + 1;
        while end < bytes.len() && (bytes[end].is_ascii_alphabetic() || bytes[end] == b'\'') {
            end += 1;
        }
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
                .contains(first.as_str().to_ascii_lowercase().as_str())
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
        found.extend(names.records_style.find_iter(text).map(|m| NameMatch {
            start: m.start(),
            end: m.end(),
        }));
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

    #[test]
    fn one_key_per_person() {
        assert_eq!(Names::key("Mrs Ada Price"), "ada price");
        assert_eq!(Names::key("PRICE, Ada"), "ada price");
    }
}
