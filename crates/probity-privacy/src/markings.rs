//! Government Security Classifications protective markings: OFFICIAL, OFFICIAL-SENSITIVE (with the
//! PERSONAL, COMMERCIAL and LOCSEN descriptors), SECRET and TOP SECRET, and the older RESTRICTED,
//! CONFIDENTIAL and PROTECT.
//!
//! A marking counts only where markings are written, so that ordinary words do not: in a subject, at
//! its start (after any `RE:`/`FW:`) or in brackets (`[OFFICIAL-SENSITIVE]`), in any case; in a body
//! or attachment, in capitals at the start of a line, alone or after a label such as
//! `Classification:` (or `Keywords:`, `Subject:`, `Title:`, as a PDF's document information and a
//! forwarded header write them), and followed by nothing, a descriptor or punctuation (a full stop
//! included).
//! The two-word markings, which are not ordinary words, may be followed by anything: `TOP SECRET`
//! in capitals, and `OFFICIAL-SENSITIVE` (in a subject, in any case when written with a dash).
//! Within a line of a body, a marking counts where it is set off as a label rather than written
//! as a word of a sentence: in capitals inside brackets (`see the notes [OFFICIAL-SENSITIVE]`), or
//! a two-word marking in capitals after the end of a sentence or a dash, colon or bar and followed
//! by nothing, a descriptor or punctuation (`I've sent you this. OFFICIAL-SENSITIVE`,
//! `Op Larch briefing - TOP SECRET`).
//! "This email is CONFIDENTIAL", "This is OFFICIAL-SENSITIVE material", "Secret Santa" and
//! "SECRET Santa" do not count.

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::compile;
use crate::{Result, text};

/// A classification, lowest first; legacy markings are mapped to their nearest current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// OFFICIAL (and the legacy PROTECT).
    Official,
    /// OFFICIAL-SENSITIVE (and the legacy RESTRICTED).
    OfficialSensitive,
    /// SECRET (and the legacy CONFIDENTIAL).
    Secret,
    /// TOP SECRET.
    TopSecret,
}

impl Classification {
    /// The marking as written in capitals (`OFFICIAL-SENSITIVE`).
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Official => "OFFICIAL",
            Classification::OfficialSensitive => "OFFICIAL-SENSITIVE",
            Classification::Secret => "SECRET",
            Classification::TopSecret => "TOP SECRET",
        }
    }
}

/// An OFFICIAL-SENSITIVE handling descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Descriptor {
    /// PERSONAL: information about a person.
    Personal,
    /// COMMERCIAL: commercially sensitive information.
    Commercial,
    /// LOCSEN: locally sensitive information.
    Locsen,
}

/// One marking found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marking {
    /// The classification, legacy markings mapped to current ones.
    pub classification: Classification,
    /// The handling descriptor, if one was written.
    pub descriptor: Option<Descriptor>,
    /// The marking as written when it was a legacy one (`RESTRICTED`), otherwise `None`.
    pub legacy: Option<&'static str>,
    /// Byte range of the marking (with its descriptor) in the text searched.
    pub start: usize,
    /// Byte offset where it ends (exclusive).
    pub end: usize,
}

impl Marking {
    /// The marking in words, e.g. `OFFICIAL-SENSITIVE PERSONAL` or `RESTRICTED (now OFFICIAL-SENSITIVE)`.
    pub fn describe(&self) -> String {
        let mut words = match self.legacy {
            Some(legacy) => format!("{legacy} (now {})", self.classification.as_str()),
            None => self.classification.as_str().to_owned(),
        };
        if let Some(descriptor) = self.descriptor {
            words.push_str(match descriptor {
                Descriptor::Personal => " PERSONAL",
                Descriptor::Commercial => " COMMERCIAL",
                Descriptor::Locsen => " LOCSEN",
            });
        }
        words
    }
}

const CORE: &str = r"(?P<m>TOP[ \-]?SECRET|OFFICIAL[ ]?[\-–][ ]?SENSITIVE|OFFICIAL[ ]SENSITIVE|OFFICIAL|SECRET|RESTRICTED|CONFIDENTIAL|PROTECT)";
/// A descriptor after a marking; with one, anything may follow.
const DESCRIPTOR: &str =
    r"[ ]*[:\-–\[\(/]?[ ]*(?P<d>PERSONAL|COMMERCIAL|LOCSEN|LOCAL[ ]SENSITIVE)[\]\)]?";
const LABEL: &str = r"(?:(?i:(?:government[ ]+)?(?:security[ ]+)?(?:classification|protective[ ]+marking|marking)|keywords|subject|title)[ ]*:[ ]*)?";
/// What may follow a marking without a descriptor: the end, or punctuation that sets it off (a full
/// stop only where a space or the end follows it, so that `SECRET.docx` is not one); else the empty
/// group `free`, which [`marking_from`] accepts only after a two-word marking.
const AFTER: &str = r"(?:[ \t]*$|[ ]*[:\-–\]\)\|*]|[ ]*\.(?:[ \t]|$)|(?P<free>))";
/// What sets a marking off within a line: the end of a sentence, or a dash, colon or bar with
/// space after it.
const SET_OFF_BEFORE: &str = r"(?:[.!?][ \t]+|[ \t]*[\-–:|][ \t]+)";
/// What may follow a marking set off within a line: as [`AFTER`], without `free`.
const SET_OFF_AFTER: &str = r"(?:[ \t]*$|[ ]*[:\-–\]\)\|*]|[ ]*[.!?](?:[ \t]|$))";
/// The two-word markings in capitals, as written within a line.
const TWO_WORD: &str = r"(?P<m>TOP[ \-]?SECRET|OFFICIAL[ ]?[\-–][ ]?SENSITIVE)";

/// Finds protective markings. Build once and share.
#[derive(Debug, Clone)]
pub struct Markings {
    prefilter: Regex,
    prefilter_any_case: Regex,
    line: Regex,
    within_line: [Regex; 2],
    subject_prefix: Regex,
    subject_bracketed: Regex,
}

impl Markings {
    /// Compiles the patterns.
    pub fn new() -> Result<Self> {
        Ok(Self {
            prefilter: compile(
                "marking prefilter",
                "OFFICIAL|SECRET|RESTRICTED|CONFIDENTIAL|PROTECT",
            )?,
            prefilter_any_case: compile(
                "marking prefilter",
                "(?i)official|secret|restricted|confidential|protect",
            )?,
            line: compile(
                "marking line",
                &format!(r"^[ \t>*\[\(|]*{LABEL}{CORE}(?-u:\b)(?:{DESCRIPTOR}|{AFTER})"),
            )?,
            within_line: [
                compile(
                    "marking in brackets",
                    &format!(r"[\[\(][ ]*{CORE}(?-u:\b)(?:{DESCRIPTOR})?[ ]*[\]\)]"),
                )?,
                compile(
                    "marking set off",
                    &format!(r"{SET_OFF_BEFORE}{TWO_WORD}(?-u:\b)(?:{DESCRIPTOR}|{SET_OFF_AFTER})"),
                )?,
            ],
            subject_prefix: compile(
                "marking subject",
                &format!(
                    r"(?i)^[ \t]*(?:(?:re|fw|fwd|aw)[ ]*:[ ]*)*[\[\(]?[ ]*{LABEL}{CORE}(?-u:\b)(?:{DESCRIPTOR}|{AFTER})"
                ),
            )?,
            subject_bracketed: compile(
                "marking subject brackets",
                &format!(r"(?i)[\[\(][ ]*{CORE}(?:{DESCRIPTOR})?[ ]*[\]\)]"),
            )?,
        })
    }

    /// Markings in a subject line: at its start or in brackets, any case (a two-word marking
    /// followed by other words only as `free_marking` allows).
    pub fn in_subject(&self, subject: &str) -> Vec<Marking> {
        if !self.prefilter_any_case.is_match(subject) {
            return Vec::new();
        }
        let mut found = Vec::new();
        for regex in [&self.subject_prefix, &self.subject_bracketed] {
            for captures in regex.captures_iter(subject) {
                if let Some(marking) = marking_from(&captures, 0)
                    && !found.iter().any(|m: &Marking| m.start == marking.start)
                {
                    found.push(marking);
                }
            }
        }
        found.sort_by_key(|m| m.start);
        found
    }

    /// Markings in a body or attachment text: capitals, at the start of a line or set off as a
    /// label within it (one per line: the first a line holds).
    pub fn in_text(&self, text: &str) -> Vec<Marking> {
        let mut found = Vec::new();
        let bytes = text.as_bytes();
        let mut at = 0;
        while let Some(hit) = self.prefilter.find_at(text, at) {
            let line_start = memchr::memrchr(b'\n', &bytes[..hit.start()]).map_or(0, |i| i + 1);
            let line_end =
                memchr::memchr(b'\n', &bytes[hit.end()..]).map_or(text.len(), |i| hit.end() + i);
            let line = text[line_start..line_end].trim_end_matches('\r');
            if let Some(marking) = self.in_line(line, line_start) {
                found.push(marking);
            }
            at = line_end;
            if at >= text.len() {
                break;
            }
        }
        found
    }

    /// The first marking in one line of a body (`offset`: where the line starts in its text).
    fn in_line(&self, line: &str, offset: usize) -> Option<Marking> {
        if let Some(captures) = self.line.captures(line)
            && let Some(marking) = marking_from(&captures, offset)
        {
            return Some(marking);
        }
        self.within_line
            .iter()
            .filter_map(|regex| {
                regex
                    .captures_iter(line)
                    .find_map(|captures| marking_from(&captures, offset))
            })
            .min_by_key(|marking| marking.start)
    }
}

/// The highest classification among `markings` (ties: the first written).
pub fn highest(markings: &[Marking]) -> Option<&Marking> {
    let mut best: Option<&Marking> = None;
    for marking in markings {
        if best.is_none_or(|b| marking.classification > b.classification) {
            best = Some(marking);
        }
    }
    best
}

/// Whether a marking followed straight by other words (`OFFICIAL-SENSITIVE briefing attached`)
/// counts: only the two-word markings, which are not ordinary words, do. `TOP SECRET` must be in
/// capitals ("Top secret plans for the party" is prose); `OFFICIAL-SENSITIVE` in capitals, or in
/// any case when written with a dash ("Official-Sensitive nominal list").
fn free_marking(core: &str) -> bool {
    let capitals = !core.bytes().any(|b| b.is_ascii_lowercase());
    let letters: String = core
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    match letters.as_str() {
        "TOPSECRET" => capitals,
        "OFFICIALSENSITIVE" => capitals || core.contains(['-', '–']),
        _ => false,
    }
}

fn marking_from(captures: &regex::Captures<'_>, offset: usize) -> Option<Marking> {
    let core = captures.name("m")?;
    if captures.name("free").is_some() && !free_marking(core.as_str()) {
        return None;
    }
    let letters: String = core
        .as_str()
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let (classification, legacy) = match letters.as_str() {
        "TOPSECRET" => (Classification::TopSecret, None),
        "SECRET" => (Classification::Secret, None),
        "OFFICIALSENSITIVE" => (Classification::OfficialSensitive, None),
        "OFFICIAL" => (Classification::Official, None),
        "RESTRICTED" => (Classification::OfficialSensitive, Some("RESTRICTED")),
        "CONFIDENTIAL" => (Classification::Secret, Some("CONFIDENTIAL")),
        "PROTECT" => (Classification::Official, Some("PROTECT")),
        _ => return None,
    };
    let descriptor_match = captures.name("d");
    let descriptor = descriptor_match.map(|d| {
        let upper = d.as_str().to_ascii_uppercase();
        if upper.starts_with("PERSONAL") {
            Descriptor::Personal
        } else if upper.starts_with("COMMERCIAL") {
            Descriptor::Commercial
        } else {
            Descriptor::Locsen
        }
    });
    let end = descriptor_match.map_or(core.end(), |d| d.end());
    Some(Marking {
        classification,
        descriptor,
        legacy,
        start: offset + core.start(),
        end: offset + end,
    })
}

/// The markings found in `text` (the text of `field`) as model spans with context.
pub fn spans_of(field: &str, text: &str, markings: &[Marking]) -> Vec<probity_model::Span> {
    markings
        .iter()
        .map(|m| text::span(field, text, m.start, m.end))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(s: &str) -> Vec<String> {
        Markings::new()
            .unwrap()
            .in_subject(s)
            .iter()
            .map(Marking::describe)
            .collect()
    }

    fn body(s: &str) -> Vec<String> {
        Markings::new()
            .unwrap()
            .in_text(s)
            .iter()
            .map(Marking::describe)
            .collect()
    }

    #[test]
    fn subject_prefixes() {
        assert_eq!(
            subject("OFFICIAL-SENSITIVE: Op Larch"),
            ["OFFICIAL-SENSITIVE"]
        );
        assert_eq!(
            subject("RE: FW: Official Sensitive - Personal: custody list"),
            ["OFFICIAL-SENSITIVE PERSONAL"]
        );
        assert_eq!(subject("[SECRET] briefing"), ["SECRET"]);
        assert_eq!(subject("Rota (OFFICIAL)"), ["OFFICIAL"]);
        assert_eq!(subject("TOP SECRET"), ["TOP SECRET"]);
        assert_eq!(
            subject("OFFICIAL-SENSITIVE [LOCSEN] update"),
            ["OFFICIAL-SENSITIVE LOCSEN"]
        );
    }

    #[test]
    fn two_word_markings_followed_by_words() {
        assert_eq!(
            subject("Re: OFFICIAL-SENSITIVE nominal details"),
            ["OFFICIAL-SENSITIVE"]
        );
        assert_eq!(
            subject("Official-Sensitive nominal list"),
            ["OFFICIAL-SENSITIVE"]
        );
        assert_eq!(subject("TOP SECRET plans"), ["TOP SECRET"]);
        assert!(subject("Top secret plans for the party").is_empty());
        assert!(subject("Official sensitive issues").is_empty());
        assert_eq!(
            body("OFFICIAL-SENSITIVE briefing attached."),
            ["OFFICIAL-SENSITIVE"]
        );
        assert_eq!(
            body("Classification: OFFICIAL-SENSITIVE. Operation details follow."),
            ["OFFICIAL-SENSITIVE"]
        );
        assert_eq!(body("TOP SECRET plans"), ["TOP SECRET"]);
        assert_eq!(
            body("hi\nOFFICIAL-SENSITIVE PERSONAL details follow"),
            ["OFFICIAL-SENSITIVE PERSONAL"]
        );
    }

    #[test]
    fn a_full_stop_sets_a_marking_off() {
        assert_eq!(
            body("OFFICIAL-SENSITIVE. Do not forward."),
            ["OFFICIAL-SENSITIVE"]
        );
        assert_eq!(body("SECRET. Op Kestrel plans attached."), ["SECRET"]);
        assert_eq!(body("OFFICIAL."), ["OFFICIAL"]);
        assert_eq!(subject("SECRET. Op Kestrel"), ["SECRET"]);
        assert!(body("SECRET.docx attached").is_empty());
    }

    #[test]
    fn subject_words_that_are_not_markings() {
        assert!(subject("Secret Santa draw").is_empty());
        assert!(subject("Secret Santa draw").is_empty());
        assert!(subject("The official opening").is_empty());
        assert!(subject("RE: confidentiality agreement").is_empty());
    }

    #[test]
    fn body_marking_lines() {
        let text = "Hi,\r\n\r\nOFFICIAL-SENSITIVE PERSONAL\r\nthe list follows\n";
        assert_eq!(body(text), ["OFFICIAL-SENSITIVE PERSONAL"]);
        assert_eq!(body("Classification: OFFICIAL\nthanks"), ["OFFICIAL"]);
        // A document's information as a PDF reader writes it, and a forwarded header.
        assert_eq!(body("Title: Op plan\nKeywords: SECRET\n"), ["SECRET"]);
        assert_eq!(
            body("From: a@b.uk\nSubject: OFFICIAL-SENSITIVE: nominals\n"),
            ["OFFICIAL-SENSITIVE"]
        );
        assert!(body("Subject: Secret Santa\nKeywords: SECRET Santa draw\n").is_empty());
        assert_eq!(
            body("text\n  [RESTRICTED]\n"),
            ["RESTRICTED (now OFFICIAL-SENSITIVE)"]
        );
        assert_eq!(body("> SECRET - UK EYES ONLY"), ["SECRET"]);
    }

    #[test]
    fn body_words_that_are_not_markings() {
        assert!(body("This email is CONFIDENTIAL and may be privileged.").is_empty());
        assert!(body("SECRET Santa on Friday").is_empty());
        assert!(body("NOT PROTECTIVELY MARKED").is_empty());
        assert!(body("official business only").is_empty());
        assert!(body("It is no secret that the rota is late.").is_empty());
        assert!(body("Secret Santa: bring a gift").is_empty());
        assert!(body("OFFICIAL business only").is_empty());
        assert!(body("SECRET SANTA draw on Friday").is_empty());
        assert!(body("This is OFFICIAL-SENSITIVE material.").is_empty());
    }

    #[test]
    fn markings_set_off_within_a_line() {
        assert_eq!(
            body("I've sent you the list. OFFICIAL-SENSITIVE"),
            ["OFFICIAL-SENSITIVE"]
        );
        assert_eq!(
            body("Op Larch briefing - TOP SECRET\nthanks"),
            ["TOP SECRET"]
        );
        assert_eq!(
            body("Briefing attached | OFFICIAL-SENSITIVE PERSONAL, do not forward"),
            ["OFFICIAL-SENSITIVE PERSONAL"]
        );
        assert_eq!(
            body("Here it is. OFFICIAL-SENSITIVE. Keep it to yourself."),
            ["OFFICIAL-SENSITIVE"]
        );
        assert_eq!(
            body("see the custody notes [OFFICIAL-SENSITIVE] below"),
            ["OFFICIAL-SENSITIVE"]
        );
        assert_eq!(body("the plan (SECRET) is attached"), ["SECRET"]);
        assert_eq!(
            body("nominals list [RESTRICTED] for you"),
            ["RESTRICTED (now OFFICIAL-SENSITIVE)"]
        );
        let text = "Hi\nthe list. OFFICIAL-SENSITIVE\n";
        let found = Markings::new().unwrap().in_text(text);
        assert_eq!(&text[found[0].start..found[0].end], "OFFICIAL-SENSITIVE");
    }

    #[test]
    fn marking_words_within_a_sentence_are_not_markings() {
        // Written as words of a sentence, not set off as labels.
        assert!(
            body("Remember that OFFICIAL-SENSITIVE material stays on force systems.").is_empty()
        );
        assert!(
            body("Training today. OFFICIAL-SENSITIVE material must not leave the force.")
                .is_empty()
        );
        assert!(body("It was a secret - SECRET things happen").is_empty());
        assert!(body("the word (Secret) in brackets").is_empty());
        assert!(body("see [Official] notes").is_empty());
        assert!(body("Santa's list: SECRET SANTA").is_empty());
        assert!(body("Note: OFFICIAL business only").is_empty());
    }

    #[test]
    fn highest_marking_wins() {
        let m = Markings::new().unwrap();
        let found = m.in_text("OFFICIAL\nbody\nSECRET\nmore\nOFFICIAL-SENSITIVE\n");
        assert_eq!(found.len(), 3);
        assert_eq!(
            highest(&found).map(|m| m.classification),
            Some(Classification::Secret)
        );
        assert!(highest(&[]).is_none());
    }

    #[test]
    fn marking_offsets_point_into_the_text() {
        let text = "line one\nOFFICIAL-SENSITIVE: COMMERCIAL\n";
        let found = Markings::new().unwrap().in_text(text);
        assert_eq!(
            &text[found[0].start..found[0].end],
            "OFFICIAL-SENSITIVE: COMMERCIAL"
        );
    }
}
