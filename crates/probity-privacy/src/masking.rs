//! Masking of members of the public's personal data in anything an analyst reads: names (titled or
//! ranked, forename and surname, `SURNAME, Forename`, `Surname, Forename`, after a role word such
//! as `Suspect` or `Witness:`, a common forename alone, and every other mention of a name's
//! surname; see [`BroadNames`]), street addresses (with or without a house number; a person's
//! name that ends in a street word, `Sam Lane`, is a name unless a house number, a postcode after
//! it or a street's preposition before it says it is an address), postcodes
//! (however spaced, in any case), phone numbers (`0044`, `44` without the `+`, and dotted too),
//! email addresses, dates of birth and identifiers become placeholders such as `[person]`,
//! `[phone]`, `[email]`, `[postcode]`. In a table whose heading row names people's columns
//! (`Name`, `Date of birth`, `Address`, `Phone`…), every cell of those columns is masked as its
//! heading says, whatever it holds ([`crate::tables`]): the finders cannot know `HARRIS,
//! Nicoola` for a name, but the heading does. Staff
//! are left visible: names in the staff list, and email addresses in the staff list or at the
//! force's own domains.
//!
//! Masking errs towards hiding: a force address in a signature is masked too, and so is a
//! forename alone even where it is a staff member's (a forename alone names no one in the staff
//! list). It finds more than the disclosure policy counts: the loose forms are found only here
//! ([`Identifiers::find_for_masking`], [`Addresses::find_for_masking`], [`BroadNames`]), so the
//! policy's findings on ordinary mail do not change with them.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::addresses::Addresses;
use crate::identifiers::{IdKind, Identifiers};
use crate::names::{BroadNames, NameMatch, Names};
use crate::{Result, tables, text};

/// What a masked stretch was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskKind {
    /// A member of the public's name.
    Person,
    /// A street address.
    Address,
    /// An identifier (postcode, phone, email, date of birth…).
    Identifier(IdKind),
}

impl MaskKind {
    /// The placeholder written in its place.
    pub fn placeholder(self) -> &'static str {
        match self {
            MaskKind::Person => "[person]",
            MaskKind::Address => "[address]",
            MaskKind::Identifier(kind) => match kind {
                IdKind::NiNumber => "[ni-number]",
                IdKind::NhsNumber => "[nhs-number]",
                IdKind::PncId => "[pnc-id]",
                IdKind::VehicleRegistration => "[vehicle]",
                IdKind::BankCard => "[card]",
                IdKind::Phone => "[phone]",
                IdKind::Postcode => "[postcode]",
                IdKind::EmailAddress => "[email]",
                IdKind::DateOfBirth => "[dob]",
            },
        }
    }
}

/// One masked stretch: its kind and byte range in the original text. The original value is not
/// kept, so a list of what was masked reveals nothing more than the masked text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedItem {
    /// What was masked.
    pub kind: MaskKind,
    /// Byte offset in the original text where it started.
    pub start: usize,
    /// Byte offset where it ended (exclusive).
    pub end: usize,
}

/// A masked text and what was masked in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Masked {
    /// The text with placeholders.
    pub text: String,
    /// What was masked, in order.
    pub masked: Vec<MaskedItem>,
}

/// Masks personal data of members of the public. Build once and share.
#[derive(Debug, Clone)]
pub struct Masker {
    identifiers: Identifiers,
    names: BroadNames,
    addresses: Addresses,
    staff_names: HashSet<String>,
    staff_addresses: HashSet<String>,
    force_domains: Vec<String>,
    max_text_bytes: usize,
}

/// The most text [`Masker::mask`] reads by default; the rest is withheld, never shown unmasked.
pub const DEFAULT_MAX_TEXT_BYTES: usize = 2_000_000;

/// How much more text than the snippet's own either side is read for personal data around a
/// piece of evidence, so that a name or number an edge of the snippet would cut is found whole.
const AROUND_EVIDENCE: usize = 160;

/// Personal data an edge of a snippet would cut is taken into the snippet whole, shown as its
/// placeholder, where it is no longer than this (a name, an address, a table's cell); a longer
/// stretch is left out whole. Left out, the cells of a spreadsheet's row made its evidence
/// `…[postcode],[phone]…`, with nothing to say what the row was.
const MAX_TAKEN_IN: usize = 256;

/// What stands in for text beyond the masking limit.
pub const OVER_LIMIT: &str = "[not shown: beyond the masking limit]";

impl Masker {
    /// A masker that leaves the given staff names, staff addresses and addresses at the force's
    /// domains (`*.force.police.uk` covers subdomains) visible.
    pub fn new<N, A, D>(staff_names: N, staff_addresses: A, force_domains: D) -> Result<Self>
    where
        N: IntoIterator,
        N::Item: AsRef<str>,
        A: IntoIterator,
        A::Item: AsRef<str>,
        D: IntoIterator,
        D::Item: AsRef<str>,
    {
        Ok(Self {
            identifiers: Identifiers::new()?,
            names: BroadNames::new()?,
            addresses: Addresses::new()?,
            staff_names: staff_names
                .into_iter()
                .map(|n| Names::key(n.as_ref()))
                .collect(),
            staff_addresses: staff_addresses
                .into_iter()
                .map(|a| text::bare_address(a.as_ref()))
                .collect(),
            force_domains: force_domains
                .into_iter()
                .map(|d| d.as_ref().to_owned())
                .collect(),
            max_text_bytes: DEFAULT_MAX_TEXT_BYTES,
        })
    }

    /// The same masker reading at most `bytes` of each text; the rest is replaced by
    /// [`OVER_LIMIT`].
    pub fn with_limit(mut self, bytes: usize) -> Self {
        self.max_text_bytes = bytes;
        self
    }

    fn is_staff_address(&self, address: &str) -> bool {
        // No address is staff's where none is listed and no force domain is (the masker for
        // alert evidence): nothing to read the address for.
        if self.staff_addresses.is_empty() && self.force_domains.is_empty() {
            return false;
        }
        let bare = text::bare_address(address);
        if self.staff_addresses.contains(&bare) {
            return true;
        }
        text::domain_of(&bare).is_some_and(|domain| {
            self.force_domains
                .iter()
                .any(|pattern| text::domain_matches(&domain, pattern))
        })
    }

    /// `text` with every member of the public's personal data replaced by a placeholder.
    pub fn mask(&self, whole: &str) -> Masked {
        let over_limit = whole.len() > self.max_text_bytes;
        let text = &whole[..cut_point(whole, self.max_text_bytes)];
        let mut items: Vec<MaskedItem> = Vec::new();
        let mut postcodes: Vec<usize> = Vec::new();
        for hit in self.identifiers.find_for_masking(text) {
            let value = &text[hit.start..hit.end];
            if hit.kind == IdKind::Postcode {
                postcodes.push(hit.start);
            }
            if hit.kind == IdKind::EmailAddress && self.is_staff_address(value) {
                continue;
            }
            items.push(MaskedItem {
                kind: MaskKind::Identifier(hit.kind),
                start: hit.start,
                end: hit.end,
            });
        }
        items.extend(self.table_items(text));
        let addresses = self.addresses.find_for_masking(text);
        let mut public: Vec<NameMatch> = Vec::new();
        let mut staff: Vec<NameMatch> = Vec::new();
        for name in self.names.find(text) {
            // The key is made only where there are staff names to look it up in.
            if !self.staff_names.is_empty()
                && self
                    .staff_names
                    .contains(&Names::key(&text[name.start..name.end]))
            {
                staff.push(name);
                continue;
            }
            public.push(name);
        }
        // Once a member of the public is named, their surname elsewhere names them too (`your
        // son Tyler Whitfield`, then `Whitfield said`), but not inside a staff member's name.
        let mentions = self.names.mentions(text, &public);
        let inside_staff =
            |m: &NameMatch| staff.iter().any(|s| s.start <= m.start && m.end <= s.end);
        // A street without a number may be a staff member's name (`Sam Lane`), or a member of
        // the public's, masked as a name unless an address is written there.
        for m in addresses {
            let as_name = NameMatch {
                start: m.start,
                end: m.end,
            };
            if inside_staff(&as_name) {
                continue;
            }
            if !m.numbered
                && public.iter().any(|n| n.start <= m.start && m.end <= n.end)
                && !written_as_address(text, m.start, m.end, &postcodes)
            {
                continue;
            }
            items.push(MaskedItem {
                kind: MaskKind::Address,
                start: m.start,
                end: m.end,
            });
        }
        for name in public
            .iter()
            .chain(mentions.iter().filter(|m| !inside_staff(m)))
        {
            items.push(MaskedItem {
                kind: MaskKind::Person,
                start: name.start,
                end: name.end,
            });
        }
        let kept = merge_overlapping(items);
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for item in &kept {
            out.push_str(&text[at..item.start]);
            out.push_str(item.kind.placeholder());
            at = item.end;
        }
        out.push_str(&text[at..]);
        if over_limit {
            out.push_str(OVER_LIMIT);
        }
        Masked {
            text: out,
            masked: kept,
        }
    }
}

impl Masker {
    /// The cells of `text`'s columns that describe people, where it is a table whose heading row
    /// says so ([`tables::person_cells`]), as what each heading says; staff left visible (an
    /// address in the staff list or at the force's domains, a name in the staff list).
    pub fn table_items(&self, text: &str) -> Vec<MaskedItem> {
        self.table_items_within(text, 0, text.len())
    }

    /// [`Masker::table_items`] of the tables whose heading row opens the text or lies on a line
    /// starting between bytes `from` and `to` ([`tables::person_cells_within`]).
    pub fn table_items_within(&self, text: &str, from: usize, to: usize) -> Vec<MaskedItem> {
        let text = &text[..cut_point(text, self.max_text_bytes)];
        tables::person_cells_within(text, from, to)
            .into_iter()
            .filter(|cell| {
                let value = &text[cell.range.clone()];
                match cell.kind {
                    MaskKind::Identifier(IdKind::EmailAddress) => !self.is_staff_address(value),
                    MaskKind::Person => {
                        self.staff_names.is_empty()
                            || !self.staff_names.contains(&Names::key(value))
                    }
                    _ => true,
                }
            })
            .map(|cell| MaskedItem {
                kind: cell.kind,
                start: cell.range.start,
                end: cell.range.end,
            })
            .collect()
    }

    /// The personal data the masker finds around `text[start..end]` (in a window some hundreds of
    /// bytes wide), as absolute byte ranges of `text`.
    fn items_around(&self, text: &str, start: usize, end: usize, bytes: usize) -> Vec<MaskedItem> {
        let from = text::floor_boundary(
            text,
            start.saturating_sub(bytes.saturating_add(AROUND_EVIDENCE)),
        );
        let to = text::ceil_boundary(
            text,
            end.saturating_add(bytes.saturating_add(AROUND_EVIDENCE)),
        );
        self.mask(&text[from..to])
            .masked
            .into_iter()
            .map(|item| MaskedItem {
                kind: item.kind,
                start: from + item.start,
                end: from + item.end,
            })
            .collect()
    }

    /// [`Masker::items_around`] with the cells of `table` ([`Masker::table_items`]) near the
    /// evidence (a little wider than the snippet can reach), merged as `mask` merges
    /// overlapping stretches.
    fn items_near(
        &self,
        text: &str,
        table: &[MaskedItem],
        start: usize,
        end: usize,
        bytes: usize,
    ) -> Vec<MaskedItem> {
        let mut items = self.items_around(text, start, end, bytes);
        if table.is_empty() {
            return items;
        }
        let from = start.saturating_sub(bytes.saturating_add(AROUND_EVIDENCE));
        let to = end.saturating_add(bytes.saturating_add(AROUND_EVIDENCE));
        let first = table.partition_point(|item| item.end <= from);
        items.extend(
            table[first..]
                .iter()
                .take_while(|item| item.start < to)
                .copied(),
        );
        merge_overlapping(items)
    }

    /// What `text[start..end]` is part of, when it lies inside personal data the masker finds in
    /// the text around it: a classifier's evidence word "Karen" in "Dear Karen Whitfield", a date
    /// of birth read as such only after "born". Shown alone, such evidence would not be masked.
    pub fn covering(&self, text: &str, start: usize, end: usize) -> Option<MaskKind> {
        if start >= end || end > text.len() {
            return None;
        }
        self.items_near(text, &self.table_items(text), start, end, 0)
            .into_iter()
            .find(|item| item.start <= start && end <= item.end)
            .map(|item| item.kind)
    }

    /// The text around `text[start..end]` to show beside evidence: about `bytes` either side,
    /// line breaks as spaces. Its edges cut no word, and no personal data the masker finds in the
    /// text around it: a phone number, postcode, name or table cell an edge would cut is taken in
    /// whole (up to 256 bytes; a longer one is left out whole unless it overlaps the
    /// evidence), since a cut one is no longer recognised when the snippet is masked for
    /// showing. Personal data found only with words beyond the
    /// snippet (a date of birth after a "born" left outside) is masked here; the rest is left for
    /// masking when shown, where staff named in the staff directory stay visible.
    pub fn snippet(&self, text: &str, start: usize, end: usize, bytes: usize) -> String {
        let start = text::floor_boundary(text, start);
        let end = text::ceil_boundary(text, end.max(start));
        let items = self.items_near(text, &self.table_items(text), start, end, bytes);
        self.snippet_among(text, start, end, bytes, &items)
    }

    /// [`Masker::snippet`] and [`Masker::covering`] of one piece of evidence at once, the text
    /// around it read for personal data once (about `bytes` more either side than `covering`
    /// alone reads, so it knows at least as much).
    pub fn evidence(
        &self,
        text: &str,
        start: usize,
        end: usize,
        bytes: usize,
    ) -> (String, Option<MaskKind>) {
        self.evidence_among(text, &self.table_items(text), start, end, bytes)
    }

    /// [`Masker::evidence`], given `text`'s [`Masker::table_items`] (read once for all the
    /// evidence in one text): the cells of a table's person columns are masked in the snippet
    /// though its heading row lies far above it.
    pub fn evidence_among(
        &self,
        text: &str,
        table: &[MaskedItem],
        start: usize,
        end: usize,
        bytes: usize,
    ) -> (String, Option<MaskKind>) {
        let covering_asked = start < end && end <= text.len();
        let start = text::floor_boundary(text, start);
        let end = text::ceil_boundary(text, end.max(start));
        let items = self.items_near(text, table, start, end, bytes);
        let covering = covering_asked
            .then(|| {
                items
                    .iter()
                    .find(|item| item.start <= start && end <= item.end)
                    .map(|item| item.kind)
            })
            .flatten();
        (
            self.snippet_among(text, start, end, bytes, &items),
            covering,
        )
    }

    /// The snippet of [`Masker::snippet`], given the personal data `items` found around it.
    fn snippet_among(
        &self,
        text: &str,
        start: usize,
        end: usize,
        bytes: usize,
        items: &[MaskedItem],
    ) -> String {
        let mut from = text::floor_boundary(text, start.saturating_sub(bytes));
        let mut to = text::ceil_boundary(text, end.saturating_add(bytes));
        let short = |item: &MaskedItem| item.end - item.start <= MAX_TAKEN_IN;
        for _ in 0..8 {
            let before = (from, to);
            for item in items {
                if item.start < from && from < item.end {
                    from = if item.end <= start && !short(item) {
                        item.end
                    } else {
                        item.start
                    };
                }
                if item.start < to && to < item.end {
                    to = if item.start >= end && !short(item) {
                        item.start
                    } else {
                        item.end
                    };
                }
            }
            // An edge at the start or end of personal data cuts nothing: the item is shown
            // whole, as its placeholder.
            if !items.iter().any(|item| item.start == from) {
                from = word_start(text, from, start);
            }
            if !items.iter().any(|item| item.end == to) {
                to = word_end(text, to, end);
            }
            if (from, to) == before {
                break;
            }
        }
        // What the snippet alone shows as personal data; read only if some lies inside it.
        let inside = items
            .iter()
            .any(|item| item.start >= from && item.end <= to);
        let alone = if inside {
            self.mask(&text[from..to]).masked
        } else {
            Vec::new()
        };
        let mut out = String::with_capacity(to - from);
        let mut at = from;
        for item in items {
            if item.start < at || item.end > to {
                continue;
            }
            // Left for masking when shown only where the snippet alone hides all of it: a
            // table cell of which the snippet alone finds a part (the street in an address
            // cell) is hidden here, or the rest of it would show.
            let found_alone = alone
                .iter()
                .any(|m| from + m.start <= item.start && item.end <= from + m.end);
            if found_alone {
                continue;
            }
            out.push_str(&text[at..item.start]);
            out.push_str(item.kind.placeholder());
            at = item.end;
        }
        out.push_str(&text[at..to]);
        let shown: String = out
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        shown.trim().to_owned()
    }
}

/// `items` in order of where they start, overlapping stretches hidden together (as the first's
/// kind): masking errs towards hiding, so no part of one is left showing past the end of
/// another.
/// Words before a street's name that say it is a street, not a person (`lives on Sam Lane`,
/// `walked along Sam Lane`).
const STREET_PREPOSITIONS: [&str; 3] = ["on", "along", "off"];

/// Bytes after a street's name within which a postcode says it is an address (`Sam Lane,
/// Leeds LS1 4AB`).
const POSTCODE_AFTER_STREET: usize = 40;

/// Whether the street without a house number at `text[start..end]`, which is also a person's
/// name, is written as an address: a street's preposition before it, or a postcode after it on
/// its line with only a town's capitalised words, commas and spaces between (`postcodes`: the
/// postcodes' starts).
fn written_as_address(text: &str, start: usize, end: usize, postcodes: &[usize]) -> bool {
    let before = text[..start].trim_end();
    let word_before = before
        .rsplit(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or_default();
    if STREET_PREPOSITIONS
        .iter()
        .any(|p| word_before.eq_ignore_ascii_case(p))
    {
        return true;
    }
    postcodes.iter().any(|&postcode| {
        postcode >= end
            && postcode - end <= POSTCODE_AFTER_STREET
            && text[end..postcode]
                .split([',', ' ', '\t'])
                .all(|word| word.is_empty() || word.starts_with(|c: char| c.is_uppercase()))
    })
}

fn merge_overlapping(mut items: Vec<MaskedItem>) -> Vec<MaskedItem> {
    items.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<MaskedItem> = Vec::with_capacity(items.len());
    for item in items {
        match kept.last_mut() {
            Some(last) if item.start < last.end => last.end = last.end.max(item.end),
            _ => kept.push(item),
        }
    }
    kept
}

/// Whether a cut at byte `at` of `text` falls inside a word (letters or other non-space on
/// both sides).
fn cuts_a_word(text: &str, at: usize) -> bool {
    match (text.get(..at), text.get(at..)) {
        (Some(before), Some(after)) => {
            !before.is_empty()
                && !after.is_empty()
                && !before.ends_with(char::is_whitespace)
                && !after.starts_with(char::is_whitespace)
        }
        _ => false,
    }
}

/// `from` moved forward past a word it cuts (and the space after), but not past `limit`.
fn word_start(text: &str, from: usize, limit: usize) -> usize {
    if from >= limit || !cuts_a_word(text, from) {
        return from;
    }
    match text[from..limit].find(char::is_whitespace) {
        Some(space) => {
            let after = from + space;
            let rest = &text[after..limit];
            after + (rest.len() - rest.trim_start().len())
        }
        None => limit,
    }
}

/// `to` moved back before a word it cuts (and the space before), but not before `limit`.
fn word_end(text: &str, to: usize, limit: usize) -> usize {
    if to <= limit || !cuts_a_word(text, to) {
        return to;
    }
    match text[limit..to].rfind(char::is_whitespace) {
        Some(space) => limit + text[limit..limit + space].trim_end().len(),
        None => limit,
    }
}

/// Where to cut a text at most `limit` bytes long so that no word is split (a split phone number
/// would leave its tail unmasked): after the last line break in the second half of the limit, else
/// after the last whitespace, else (one long word) nothing is shown.
fn cut_point(text: &str, limit: usize) -> usize {
    if text.len() <= limit {
        return text.len();
    }
    let head = &text.as_bytes()[..text::floor_boundary(text, limit)];
    if let Some(newline) = memchr::memrchr(b'\n', head)
        && newline >= limit / 2
    {
        return newline + 1;
    }
    match head.iter().rposition(u8::is_ascii_whitespace) {
        Some(space) => space + 1,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masker() -> Masker {
        Masker::new(
            ["Sam Lane"],
            ["sam.lane.home@gmail.com"],
            ["force.police.uk", "*.force.police.uk"],
        )
        .unwrap()
    }

    /// A member of the public whose surname is a street word (`Sam Lane`) is masked as a name
    /// where nothing beside it says it is a street; with a house number, a postcode after it or
    /// a street's preposition before it, it is masked as an address.
    #[test]
    fn a_name_ending_in_a_street_word_is_a_name_unless_written_as_an_address() {
        let masker = Masker::new(
            ["Ada Price"],
            ["ada.price@force.police.uk"],
            ["force.police.uk"],
        )
        .unwrap();
        for (text, expected) in [
            (
                "I spoke to Sam Lane yesterday.",
                "I spoke to [person] yesterday.",
            ),
            (
                "Sam Lane called about the car.",
                "[person] called about the car.",
            ),
            ("Statement of Mrs Sam Lane.", "Statement of [person]."),
            (
                "Sam Lane and Jo Close were seen.",
                "[person] and [person] were seen.",
            ),
            (
                "She lives at 12 Sam Lane now.",
                "She lives at [address] now.",
            ),
            ("Sam Lane, Leeds LS1 4AB", "[address], Leeds [postcode]"),
            ("Sam Lane LS1 4AB", "[address] [postcode]"),
            ("she lives on Sam Lane", "she lives on [address]"),
            ("she lives on Oak Avenue", "she lives on [address]"),
        ] {
            assert_eq!(masker.mask(text).text, expected, "{text}");
        }
    }

    #[test]
    fn masks_the_public_and_keeps_staff() {
        let text = "Sam Lane spoke to Mrs Ada Price (DOB: 12/03/1980) of 14 Acacia Avenue, AB1 2DE, \
tel 07700 900123, email ada.price@example.com. Copy to sam.lane@force.police.uk.";
        let masked = masker().mask(text);
        assert_eq!(
            masked.text,
            "Sam Lane spoke to [person] (DOB: [dob]) of [address], [postcode], tel [phone], \
email [email]. Copy to sam.lane@force.police.uk."
        );
        let kinds: Vec<MaskKind> = masked.masked.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            [
                MaskKind::Person,
                MaskKind::Identifier(IdKind::DateOfBirth),
                MaskKind::Address,
                MaskKind::Identifier(IdKind::Postcode),
                MaskKind::Identifier(IdKind::Phone),
                MaskKind::Identifier(IdKind::EmailAddress),
            ]
        );
        for item in &masked.masked {
            assert!(item.end <= text.len() && item.start < item.end);
        }
    }

    #[test]
    fn a_key_after_a_name_on_its_line_is_kept() {
        // A PDF's properties are read as `Key: value` lines; the key after a name is the next
        // field, not a third word of the name.
        for (text, expected) in [
            (
                "Author: Ada Price Subject: Burglary",
                "Author: [person] Subject: Burglary",
            ),
            (
                "Witness Tyler Brown Tel: 07700 900123",
                "Witness [person] Tel: [phone]",
            ),
            (
                "Informant: Karen Whitfield DOB: 12/03/1980",
                "Informant: [person] DOB: [dob]",
            ),
            // A forename and a key: the forename alone is the name.
            (
                "Name: HARRIS, Nicola DOB: 14/03/1987",
                "Name: [person] DOB: [dob]",
            ),
            // A name's own third word before a colon is still the name's.
            ("Mary Ann Price: call me", "[person]: call me"),
        ] {
            assert_eq!(masker().mask(text).text, expected, "{text}");
        }
    }

    #[test]
    fn identifiers_and_records_style_names() {
        let masked = masker().mask("PRICE, Ada NI AB123456C PNC 01/23456K car LM68 ABC");
        assert_eq!(
            masked.text,
            "[person] NI [ni-number] PNC [pnc-id] car [vehicle]"
        );
    }

    #[test]
    fn staff_personal_address_in_list_stays() {
        let masked = masker().mask("sent to sam.lane.home@gmail.com and pat@gmail.com");
        assert_eq!(masked.text, "sent to sam.lane.home@gmail.com and [email]");
    }

    fn no_staff() -> Masker {
        Masker::new(
            std::iter::empty::<&str>(),
            std::iter::empty::<&str>(),
            std::iter::empty::<&str>(),
        )
        .unwrap()
    }

    /// The tester's lines, each once left partly visible: every name, street, phone number and
    /// postcode in them is masked.
    #[test]
    fn masks_the_forms_once_left_visible() {
        let masker = no_staff();
        for (text, masked) in [
            (
                "2. Suspect DAVID SMITH arrested.",
                "2. Suspect [person] arrested.",
            ),
            ("3. Smith, John (dob 01/02/1990)", "3. [person] (dob [dob])"),
            (
                "4. Spoke to Mohammed Khan and Priya Patel.",
                "4. Spoke to [person] and [person].",
            ),
            ("5. Witness: Bob Jones.", "5. Witness: [person]."),
            ("6. Informant is Tyler Brown.", "6. Informant is [person]."),
            (
                "8. Her name is Chloe, she lives on Oak Avenue.",
                "8. Her name is [person], she lives on [address].",
            ),
            (
                "10. via WhatsApp +44 7700 900123 or 0044 7700 900123.",
                "10. via WhatsApp [phone] or [phone].",
            ),
            (
                "13. Postcode ls61ab and LS6  1AB.",
                "13. Postcode [postcode] and [postcode].",
            ),
            (
                "14. Siobhán Ó Briain and Zoë Łukasz.",
                "14. [person] and [person].",
            ),
            (
                "your son Tyler Whitfield (born 03/04/2010) goes to",
                "your son [person] (born [dob]) goes to",
            ),
            ("Sgt Bob Jones", "[person]"),
            ("PC Alan Smith", "[person]"),
            (
                "Dear Karen Whitfield, I told WHITFIELD and Whitfield's son.",
                "Dear [person], I told [person] and [person] son.",
            ),
        ] {
            assert_eq!(masker.mask(text).text, masked, "{text}");
        }
    }

    /// A staff member named with a rank stays visible, and their surname elsewhere is not
    /// masked as another's mention.
    #[test]
    fn staff_named_with_a_rank_stay_visible() {
        let masker = Masker::new(["Bob Jones"], Vec::<String>::new(), ["force.police.uk"]).unwrap();
        assert_eq!(masker.mask("Sgt Bob Jones").text, "Sgt Bob Jones");
        assert_eq!(
            masker.mask("Det Sgt Bob Jones met Karen Jones.").text,
            "Det Sgt Bob Jones met [person]."
        );
    }

    /// Stretches that overlap are masked together: nothing of either is left showing.
    #[test]
    fn overlapping_stretches_are_masked_whole() {
        let text = "Statement of Karen Whitfield, 14 Elm Road LS6 2AB, tel 07700900456";
        let masked = no_staff().mask(text);
        assert_eq!(
            masked.text,
            "Statement of [person], [address] [postcode], tel [phone]"
        );
        for pair in masked.masked.windows(2) {
            assert!(pair[0].end <= pair[1].start);
        }
    }

    /// A masker with no staff listed masks what one whose lists name nobody in the text masks:
    /// every name and email address, a force's own included.
    #[test]
    fn no_staff_listed_masks_as_lists_naming_nobody_here() {
        let none = Masker::new(
            std::iter::empty::<&str>(),
            std::iter::empty::<&str>(),
            std::iter::empty::<&str>(),
        )
        .unwrap();
        let others = Masker::new(
            ["Zed Nobody"],
            ["nobody@elsewhere.example"],
            ["elsewhere.example"],
        )
        .unwrap();
        for text in [
            "Spoke to Mrs Ada Price and PC John Smith (john.smith@force.police.uk), PRICE, Ada.",
            "Email ada@example.org or Ada.Price@Example.ORG, call 07700 900123. Karen Whitfield",
            "",
        ] {
            assert_eq!(none.mask(text), others.mask(text), "{text}");
        }
        assert!(
            none.mask("John Smith <john.smith@force.police.uk>")
                .text
                .contains("[email]")
        );
    }

    #[test]
    fn text_beyond_the_limit_is_withheld() {
        let text = format!("Ada Price {}", "07700 900123 ".repeat(10));
        let masked = masker().with_limit(24).mask(&text);
        assert_eq!(masked.text, format!("[person] [phone] {OVER_LIMIT}"));
    }

    #[test]
    fn text_without_personal_data_is_unchanged() {
        let text = "Shift starts at 0700. Briefing room 2. Kind Regards, Response Team.";
        let masked = masker().mask(text);
        assert_eq!(masked.text, text);
        assert!(masked.masked.is_empty());
    }

    #[test]
    fn snippets_cut_no_identifier_or_word_in_two() {
        let m = masker();
        let text = "Please note the NHS number is NHS 943 476 5919 and the card 4111 1111 1111 1111 \
was used. She lives at Leeds LS1 4DY, call 07700 900123 now. Born 12/03/1985 in a town far away.";
        for (needle, bytes) in [
            ("card", 40),
            ("used", 40),
            ("lives", 25),
            ("now", 30),
            ("town", 14),
        ] {
            let at = text.find(needle).unwrap();
            let snippet = m.snippet(text, at, at + needle.len(), bytes);
            let shown = m.mask(&snippet).text;
            for part in [
                "943", "476", "591", "4111", "LS1", "07700", "900", "12/03", "1985",
            ] {
                assert!(
                    !shown.contains(part),
                    "{part} shown in {shown:?} (snippet {snippet:?})"
                );
            }
            assert!(
                !shown.starts_with(' ') && !shown.ends_with(' '),
                "{shown:?}"
            );
        }
    }

    #[test]
    fn evidence_inside_a_name_or_date_of_birth_is_known_as_such() {
        let m = masker();
        let text = "Dear Karen Whitfield, about your case. She was born 12/03/1985.";
        let at = text.find("Karen").unwrap();
        assert_eq!(m.covering(text, at, at + 5), Some(MaskKind::Person));
        let at = text.find("12/03/1985").unwrap();
        assert_eq!(
            m.covering(text, at, at + 10),
            Some(MaskKind::Identifier(IdKind::DateOfBirth))
        );
        let at = text.find("case").unwrap();
        assert_eq!(m.covering(text, at, at + 4), None);
    }

    #[test]
    fn table_columns_that_describe_people_are_masked_whatever_they_hold() {
        let m = masker();
        let mut text = String::from("Name,Date of birth,Address,Postcode,Phone,Outcome\n");
        for row in 0..40 {
            text.push_str(&format!(
                "\"HARRIS, Nicoola{row}\",1984-01-25,\"36 Fairfield Gardens, Highmoor\",NS2 6UA,07700 917{row:03},NFA\n"
            ));
        }
        // The whole text, as the workbench shows an attachment.
        let masked = m.mask(&text).text;
        for leak in ["HARRIS", "Nicoola", "1984-01-25", "Fairfield", "Highmoor"] {
            assert!(!masked.contains(leak), "{leak}: {masked}");
        }
        assert!(
            masked.contains("\"[person]\",[dob],\"[address]\",[postcode],[phone],NFA"),
            "{masked}"
        );
        // Evidence far below the heading row: the snippet's cells are masked too, and the
        // evidence inside a name cell is known as a name.
        let at = text.rfind("07700").unwrap();
        let (snippet, covering) = m.evidence(&text, at, at + 12, 60);
        for leak in ["HARRIS", "Nicoola", "1984-01-25", "Fairfield"] {
            assert!(!snippet.contains(leak), "{leak}: {snippet}");
        }
        assert_eq!(covering, Some(MaskKind::Identifier(IdKind::Phone)));
        // The cells an edge of the snippet would cut are shown as what they are, so that the
        // evidence says what the row held.
        let shown = m.mask(&snippet).text;
        assert!(
            shown.contains("[person]\",[dob],\"[address]\",[postcode],[phone],NFA"),
            "{shown}"
        );
        let at = text.rfind("Nicoola").unwrap();
        let (_, covering) = m.evidence(&text, at, at + 7, 60);
        assert_eq!(covering, Some(MaskKind::Person));
        assert_eq!(m.covering(&text, at, at + 7), Some(MaskKind::Person));
        assert!(!m.snippet(&text, at, at + 7, 60).contains("HARRIS"));
        // Staff stay visible: a name in the staff list, an address at the force's domain.
        let text = "Name,Email,Role\nSam Lane,sam.lane@force.police.uk,OIC\n\
                    Kim Odd,kim.odd@gmail.com,Witness\n";
        assert_eq!(
            m.mask(text).text,
            "Name,Email,Role\nSam Lane,sam.lane@force.police.uk,OIC\n\
             [person],[email],Witness\n"
        );
    }

    #[test]
    fn evidence_is_the_snippet_and_what_covers_it() {
        let m = masker();
        let text = "Dear Karen Whitfield, about your case. She was born 12/03/1985 and lives at \
Leeds LS1 4DY, call 07700 900123 now.";
        for needle in ["Karen", "12/03/1985", "case", "lives", "now"] {
            let at = text.find(needle).unwrap();
            let end = at + needle.len();
            let (snippet, covering) = m.evidence(text, at, end, 40);
            assert_eq!(snippet, m.snippet(text, at, end, 40), "{needle}");
            assert_eq!(covering, m.covering(text, at, end), "{needle}");
        }
    }
}
