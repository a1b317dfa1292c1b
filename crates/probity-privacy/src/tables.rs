//! The cells of a table's columns that describe people, for masking.
//!
//! A spreadsheet export of nominals (`Name,Date of birth,Address,Postcode,Phone`) names people
//! in forms the name finder cannot know for a name: `"HARRIS, Nicoola"` with a forename it has
//! never seen, a surname alone, a date with no "born" before it. The heading says what each
//! column holds, so every cell under a heading that describes a person is masked as what the
//! heading says, whatever is written in it.
//!
//! A heading row is a line of two or more fields split by commas, tabs, semicolons (Excel's CSV
//! where the decimal mark is a comma) or bars, each of at most [`MAX_HEADING_BYTES`] bytes and two
//! or more not empty, at least one of them a heading the bulk-data count knows as a person's
//! ([`crate::bulk`]), or such a heading written another way (`Surname/Forename`, `Mobile No`,
//! `Suspect Name`, `Name of suspect`, `Date of birth (DD/MM/YYYY)`), or one of a few more that
//! masking alone reads (`Tel`, `Reg No`, `Town`, `Alias`). Only rows with as many fields as the
//! heading row are read (a line of prose has another count). A heading row that opens the text
//! heads a file of data, read to its end, rows of other widths passed over; one further down heads
//! a table pasted among prose (a list in a message's body), which ends at its first row of another
//! width (a blank line, a sentence), except one right below the heading row (the rest of a heading
//! row a mail client wrapped), and counts only with at least one row. In either, a row a mail
//! client wrapped, read with the lines below it up to the heading's width (at most four lines, no
//! blank one; the field split at a line end counted once), is one row: both parts of the split
//! field are masked under its heading, and the table goes on below it. Fields are read as RFC 4180
//! has them: a quoted field may hold the delimiter, line breaks and `""` for a quote. A quoted
//! cell's placeholder stands inside its quotes.

use std::ops::Range;

use crate::bulk;
use crate::identifiers::IdKind;
use crate::masking::MaskKind;

/// The longest heading a heading row may have, in bytes: longer is a sentence, not a heading.
pub const MAX_HEADING_BYTES: usize = 40;

/// The longest row of a table pasted among prose, in bytes.
const MAX_PASTED_ROW_BYTES: usize = 16 * 1024;

/// The longest heading row read, in bytes.
const MAX_HEADING_ROW_BYTES: usize = 4_096;

/// Most lines one row a mail client wrapped is read from.
const MAX_WRAPPED_LINES: usize = 4;

/// One cell under a heading that describes a person: its bytes (surrounding quotes and spaces
/// left out) and what it is masked as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonCell {
    /// Where the cell's value lies in the text.
    pub range: Range<usize>,
    /// What the heading says it holds.
    pub kind: MaskKind,
}

/// Every non-empty cell of `text` under a heading that describes a person, in order; none where
/// the text holds no such heading row. Reads the text once.
pub fn person_cells(text: &str) -> Vec<PersonCell> {
    person_cells_within(text, 0, text.len())
}

/// [`person_cells`] of the tables whose heading row opens the text or starts on a line that
/// begins between bytes `from` and `to` (a table found is read to its end wherever that is):
/// for evidence, whose cells lie in a file of data or in a table pasted not far above it,
/// without reading every line of a long text.
pub fn person_cells_within(text: &str, from: usize, to: usize) -> Vec<PersonCell> {
    cells_within(text, from, to, true)
}

/// [`person_cells_within`]; with `skip_plain_lines`, the lines that hold none of [`DELIMITERS`]
/// (and so are no heading row) are passed over by a search for the next delimiter rather than
/// looked at one by one: most lines of a long text hold none. Without, every line is looked at,
/// as the tests' measure of the skip.
fn cells_within(text: &str, from: usize, to: usize, skip_plain_lines: bool) -> Vec<PersonCell> {
    let bytes = text.as_bytes();
    let to = to.min(bytes.len());
    // The start of the line holding `from`.
    let first_line = bytes[..from.min(bytes.len())]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1);
    let mut cells = Vec::new();
    let mut fields = Vec::new();
    let mut delimiters = NextDelimiter::default();
    let mut line = 0;
    while line < bytes.len() {
        if line > 0 && line < first_line {
            line = first_line;
        }
        if line > to {
            break;
        }
        let line_end =
            memchr::memchr(b'\n', &bytes[line..]).map_or(bytes.len(), |offset| line + offset);
        if skip_plain_lines {
            let next = delimiters.from(bytes, line);
            if next >= bytes.len() {
                // No line from here on holds a delimiter.
                break;
            }
            if next > line_end {
                // On to the start of the line holding it (the line ending at `line_end` and any
                // between hold none).
                line = memchr::memrchr(b'\n', &bytes[line_end..next])
                    .map_or(line_end + 1, |newline| line_end + newline + 1);
                continue;
            }
        }
        let Some((delimiter, kinds, after)) = heading_row(text, line, line_end, &mut fields) else {
            line = line_end + 1;
            continue;
        };
        // A heading row that opens the text heads a file of data: rows of another width are
        // passed over. One further down heads a table pasted among prose, which ends at the
        // first row of another width (a blank line, a sentence).
        let opens_text = line == 0;
        let mut at = after;
        let mut rows = 0;
        let first_cell = cells.len();
        let mut passed_over = false;
        let mut more = Vec::new();
        while at < bytes.len() {
            let row_start = at;
            // A row of a table among prose is read no further than a long row could reach: a
            // quote left open in it would otherwise run to the end of the text, once for every
            // heading row found.
            let reach = |at: usize| {
                if opens_text {
                    bytes.len()
                } else {
                    at.saturating_add(MAX_PASTED_ROW_BYTES).min(bytes.len())
                }
            };
            at = read_row(&bytes[..reach(at)], at, delimiter, &mut fields);
            let blank = fields.len() == 1 && trimmed(bytes, fields[0].clone()).is_empty();
            if fields.len() < kinds.len() && !blank {
                // A row a mail client wrapped: its lines' fields, the field split at each line
                // end counted once, make the heading's width. Read as one row (the first half
                // of the split field and the second both under its heading), so the rows below
                // go on being read; a heading row's wrapped rest with the first row below it
                // reads so too, and its words are masked with that row.
                let mut column = fields.len() - 1;
                let mut next = at;
                let mut lines = 1;
                let mut joined = Vec::new();
                while column + 1 < kinds.len() && lines < MAX_WRAPPED_LINES && next < bytes.len() {
                    next = read_row(&bytes[..reach(next)], next, delimiter, &mut more);
                    lines += 1;
                    if more.len() == 1 && trimmed(bytes, more[0].clone()).is_empty() {
                        break;
                    }
                    joined.extend(more.iter().cloned().zip(column..));
                    column += more.len().saturating_sub(1);
                }
                if column + 1 == kinds.len() {
                    rows += 1;
                    let first = fields.iter().cloned().zip(0..);
                    for (field, column) in first.chain(joined) {
                        push_cell(
                            &mut cells,
                            bytes,
                            field,
                            kinds.get(column).copied().flatten(),
                        );
                    }
                    at = next;
                    continue;
                }
            }
            if fields.len() != kinds.len() {
                // The rest of a heading row that a mail client wrapped (`…,Officer in` then
                // `case`) stands right after it in a table pasted among prose.
                if opens_text || (rows == 0 && !passed_over && !blank) {
                    passed_over = true;
                    continue;
                }
                at = row_start;
                break;
            }
            rows += 1;
            for (field, kind) in fields.iter().zip(&kinds) {
                push_cell(&mut cells, bytes, field.clone(), *kind);
            }
        }
        if rows == 0 {
            cells.truncate(first_cell);
        }
        line = at.max(line_end + 1);
    }
    cells
}

/// The cell of `field` where its heading describes a person (`kind`) and it is not empty.
fn push_cell(
    cells: &mut Vec<PersonCell>,
    bytes: &[u8],
    field: Range<usize>,
    kind: Option<MaskKind>,
) {
    let Some(kind) = kind else {
        return;
    };
    let range = trimmed(bytes, field);
    if !range.is_empty() {
        cells.push(PersonCell { range, kind });
    }
}

/// Words that may stand before a heading describing a person and leave it one: `Suspect Name`,
/// `Home Address`, `Work Mobile`, `Middle Name`.
const QUALIFIERS: [&str; 30] = [
    "full",
    "first",
    "middle",
    "last",
    "given",
    "family",
    "maiden",
    "previous",
    "former",
    "other",
    "alias",
    "current",
    "home",
    "work",
    "personal",
    "private",
    "contact",
    "main",
    "street",
    "postal",
    "suspect",
    "victim",
    "witness",
    "subject",
    "person",
    "nominal",
    "offender",
    "caller",
    "complainant",
    "driver",
];

/// Headings describing a person that the bulk-data count does not know, for masking only: too
/// short or too broad to count a file as personal data by (`Mob`, `Reg`, `Town`), but a
/// column under them is masked.
const MORE_PERSON_HEADINGS: [&str; 14] = [
    "mob",
    "contact",
    "nominal",
    "person",
    "persons",
    "reg",
    "vehiclereg",
    "town",
    "city",
    "hometown",
    "alias",
    "aliases",
    "aka",
    "nickname",
];

/// The words of a heading's part that name whose data a column holds after the data: `Name of
/// suspect`, `Address of the victim`.
const OF_WORDS: [&str; 2] = ["ofthe", "of"];

/// What a heading says its column holds, where that is a person's data: the heading as the
/// bulk-data count knows it ([`bulk::is_person_heading`]), or one of its parts split at `/`,
/// `&`, `,`, `+`, "and" or "or" (`Surname/Forename`), each with what stands in brackets left out
/// (`Date of birth (DD/MM/YYYY)`), a qualifier before it ([`QUALIFIERS`]) and a number word
/// after it ([`bulk::NUMBER_WORDS`]) allowed.
fn heading_kind(heading: &str) -> Option<MaskKind> {
    // A heading has at most MAX_HEADING_BYTES bytes: its ASCII bytes, brackets left out, are
    // gathered on the stack (a heading is read for every field of most lines with commas).
    let mut bare = [0u8; MAX_HEADING_BYTES];
    let mut len = 0;
    let mut depth = 0usize;
    for &b in heading.as_bytes().iter().take(MAX_HEADING_BYTES) {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            _ if depth == 0 && b.is_ascii() => {
                bare[len] = b.to_ascii_lowercase();
                len += 1;
            }
            _ => {}
        }
    }
    let bare = &bare[..len];
    // Each part's letters, the parts split at a mark or at the word "and" or "or".
    let mut letters = [0u8; MAX_HEADING_BYTES];
    let mut letters_len = 0;
    for piece in bare.split(|b| matches!(b, b'/' | b'\\' | b'&' | b',' | b'+')) {
        for word in piece.split(u8::is_ascii_whitespace) {
            if word == b"and" || word == b"or" {
                if let Some(kind) = part_kind(&letters[..letters_len]) {
                    return Some(kind);
                }
                letters_len = 0;
                continue;
            }
            for &b in word.iter().filter(|b| b.is_ascii_alphabetic()) {
                letters[letters_len] = b;
                letters_len += 1;
            }
        }
        if let Some(kind) = part_kind(&letters[..letters_len]) {
            return Some(kind);
        }
        letters_len = 0;
    }
    None
}

/// Bit `second` of entry `first` is set where a word [`part_kind`] can find a heading by starts
/// with those two letters (`b'a'` as 0): a heading describing a person itself
/// ([`bulk::PERSON_COLUMNS`], [`MORE_PERSON_HEADINGS`], a home telephone's) or a qualifier before
/// one ([`QUALIFIERS`]). Every part it finds a heading in starts with one of them, so a part
/// starting otherwise (a cell's value: `Smith`, `Leeds`) is passed over without its slower look.
const HEADING_STARTS: [u32; 26] = heading_starts();

const fn heading_starts() -> [u32; 26] {
    let mut table = [0u32; 26];
    let lists: [&[&str]; 4] = [
        &bulk::PERSON_COLUMNS,
        &MORE_PERSON_HEADINGS,
        &QUALIFIERS,
        &["home"],
    ];
    let mut list = 0;
    while list < lists.len() {
        let mut word = 0;
        while word < lists[list].len() {
            let bytes = lists[list][word].as_bytes();
            assert!(
                bytes.len() >= 2 && bytes[0].is_ascii_lowercase() && bytes[1].is_ascii_lowercase()
            );
            table[(bytes[0] - b'a') as usize] |= 1 << (bytes[1] - b'a');
            word += 1;
        }
        list += 1;
    }
    table
}

/// Whether `letters` start with two letters some heading or qualifier starts with
/// ([`HEADING_STARTS`]).
fn may_start_heading(letters: &[u8]) -> bool {
    let (Some(&first), Some(&second)) = (letters.first(), letters.get(1)) else {
        return false;
    };
    let (first, second) = (first.wrapping_sub(b'a'), second.wrapping_sub(b'a'));
    first < 26 && second < 26 && HEADING_STARTS[usize::from(first)] >> second & 1 == 1
}

/// What one part of a heading says its column holds ([`heading_kind`]), given its letters in
/// lower case.
fn part_kind(letters: &[u8]) -> Option<MaskKind> {
    if !may_start_heading(letters) {
        return None;
    }
    part_kind_read(letters)
}

/// [`part_kind`] without the look at its first two letters.
fn part_kind_read(letters: &[u8]) -> Option<MaskKind> {
    if letters.is_empty() {
        return None;
    }
    let letters = std::str::from_utf8(letters).ok()?;
    if bulk::is_person_heading(letters) {
        return Some(core_kind(letters, false));
    }
    // `Name of suspect`: the whose after the data, as a qualifier before it would be.
    let letters = QUALIFIERS
        .iter()
        .filter_map(|word| letters.strip_suffix(word))
        .find_map(|rest| OF_WORDS.iter().find_map(|of| rest.strip_suffix(of)))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(letters);
    if bulk::is_person_heading(letters) {
        return Some(core_kind(letters, false));
    }
    let (unnumbered, numbered) = bulk::NUMBER_WORDS
        .iter()
        .find_map(|word| letters.strip_suffix(word))
        .map_or((letters, false), |rest| (rest, true));
    let unqualified = QUALIFIERS
        .iter()
        .find_map(|word| unnumbered.strip_prefix(word))
        .filter(|rest| !rest.is_empty());
    [unnumbered]
        .into_iter()
        .chain(unqualified)
        .find(|core| bulk::is_person_heading(core) || MORE_PERSON_HEADINGS.contains(core))
        .map(|core| core_kind(core, numbered))
}

/// What a heading describing a person (`letters`, its letters alone in lower case) says its
/// column holds; `numbered` where a number word followed it (`Contact No`).
fn core_kind(letters: &str, numbered: bool) -> MaskKind {
    let has = |part: &str| letters.contains(part);
    if has("email") {
        MaskKind::Identifier(IdKind::EmailAddress)
    } else if has("dob") || has("birth") {
        MaskKind::Identifier(IdKind::DateOfBirth)
    } else if has("postcode") {
        MaskKind::Identifier(IdKind::Postcode)
    } else if has("nhs") {
        MaskKind::Identifier(IdKind::NhsNumber)
    } else if has("pnc") {
        MaskKind::Identifier(IdKind::PncId)
    } else if letters.starts_with("nino")
        || letters.starts_with("ninumber")
        || has("nationalinsurance")
    {
        MaskKind::Identifier(IdKind::NiNumber)
    } else if has("phone")
        || has("mobile")
        || letters == "tel"
        || bulk::is_home_phone_heading(letters)
        || letters == "mob"
        || (letters == "contact" && numbered)
    {
        MaskKind::Identifier(IdKind::Phone)
    } else if has("vrm") || has("registration") || letters.ends_with("reg") || has("plate") {
        MaskKind::Identifier(IdKind::VehicleRegistration)
    } else if has("address") || has("street") || has("town") || letters == "city" {
        MaskKind::Address
    } else {
        MaskKind::Person
    }
}

/// The delimiters a heading row may be split by: commas, tabs, semicolons (the CSV of Excel set
/// for a language whose decimal mark is a comma) and bars (a table pasted as text).
const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// The line `text[start..end]` read as a heading row: its delimiter, what each column holds,
/// and where the row after it starts. None unless it splits, by one of [`DELIMITERS`] (the
/// commonest on the line first), into two or more fields of at most [`MAX_HEADING_BYTES`] bytes,
/// two or more of them not empty (a trailing delimiter leaves an empty one), and one a heading
/// describing a person.
fn heading_row(
    text: &str,
    start: usize,
    end: usize,
    fields: &mut Vec<Range<usize>>,
) -> Option<(u8, Vec<Option<MaskKind>>, usize)> {
    if end - start > MAX_HEADING_ROW_BYTES {
        return None;
    }
    let line = &text.as_bytes()[start..end];
    let mut counts = DELIMITERS.map(|delimiter| {
        let count = line.iter().filter(|&&b| b == delimiter).count();
        (count, delimiter)
    });
    // The commonest first; a tie goes to the one listed first.
    counts.sort_by_key(|count| std::cmp::Reverse(count.0));
    counts
        .into_iter()
        .take_while(|&(count, _)| count > 0)
        .find_map(|(_, delimiter)| heading_row_split_by(text, start, end, delimiter, fields))
}

/// Where the next of [`DELIMITERS`] lies from a position on: the first three searched for
/// together and bars alone, each search done again only once the lines read have passed what it
/// found.
#[derive(Debug, Default)]
struct NextDelimiter {
    /// The next comma, tab or semicolon at or after where it was last searched from (the text's
    /// length for none); None before the first search.
    three: Option<usize>,
    /// The next bar, likewise.
    bar: Option<usize>,
}

impl NextDelimiter {
    /// The first delimiter at or after `at`, or `bytes.len()` for none.
    fn from(&mut self, bytes: &[u8], at: usize) -> usize {
        let search = |found: Option<usize>, find: &dyn Fn(&[u8]) -> Option<usize>| match found {
            Some(position) if position >= at => position,
            _ => find(&bytes[at..]).map_or(bytes.len(), |offset| at + offset),
        };
        let three = search(self.three, &|rest| {
            memchr::memchr3(DELIMITERS[0], DELIMITERS[1], DELIMITERS[2], rest)
        });
        let bar = search(self.bar, &|rest| memchr::memchr(DELIMITERS[3], rest));
        self.three = Some(three);
        self.bar = Some(bar);
        three.min(bar)
    }
}

/// [`heading_row`] with the line split by `delimiter`.
fn heading_row_split_by(
    text: &str,
    start: usize,
    end: usize,
    delimiter: u8,
    fields: &mut Vec<Range<usize>>,
) -> Option<(u8, Vec<Option<MaskKind>>, usize)> {
    let bytes = text.as_bytes();
    // Read within the line alone: a quote left open would otherwise run the row to the end of
    // the text, and looking at every line of a long text so (HTML holds many quotes) took time
    // growing with the square of its length. A quote left open is not a heading row.
    let line = &bytes[..end];
    if line[start..].iter().filter(|&&b| b == b'"').count() % 2 == 1 {
        return None;
    }
    read_row(line, start, delimiter, fields);
    if fields.len() < 2 {
        return None;
    }
    let after = (end + 1).min(bytes.len());
    // The lengths first, as they are cheap to read: most lines of prose fail here.
    let mut headings = 0;
    for field in fields.iter() {
        let heading = trimmed(bytes, field.clone());
        if heading.len() > MAX_HEADING_BYTES {
            return None;
        }
        headings += usize::from(!heading.is_empty());
    }
    if headings < 2 {
        return None;
    }
    let kinds: Vec<Option<MaskKind>> = fields
        .iter()
        .map(|field| heading_kind(&text[trimmed(bytes, field.clone())]))
        .collect();
    kinds
        .iter()
        .any(Option::is_some)
        .then_some((delimiter, kinds, after))
}

/// Reads the row starting at byte `at` into `fields` (each field's value: inside its quotes for
/// a quoted one) and returns where the next row starts.
fn read_row(bytes: &[u8], mut at: usize, delimiter: u8, fields: &mut Vec<Range<usize>>) -> usize {
    fields.clear();
    loop {
        let value;
        if bytes.get(at) == Some(&b'"') {
            let start = at + 1;
            let mut i = start;
            loop {
                match bytes[i.min(bytes.len())..].iter().position(|&b| b == b'"') {
                    Some(offset) if bytes.get(i + offset + 1) == Some(&b'"') => i += offset + 2,
                    Some(offset) => {
                        value = start..i + offset;
                        i += offset + 1;
                        break;
                    }
                    None => {
                        // A quote left open runs to the end of the text.
                        value = start..bytes.len();
                        i = bytes.len();
                        break;
                    }
                }
            }
            // Anything between the closing quote and the delimiter belongs to the field.
            at = i + bytes[i.min(bytes.len())..]
                .iter()
                .position(|&b| b == delimiter || b == b'\n')
                .unwrap_or(bytes.len().saturating_sub(i));
        } else {
            let start = at;
            at += bytes[at.min(bytes.len())..]
                .iter()
                .position(|&b| b == delimiter || b == b'\n')
                .unwrap_or(bytes.len().saturating_sub(at));
            value = start..at;
        }
        fields.push(value);
        match bytes.get(at) {
            Some(&b) if b == delimiter => at += 1,
            Some(_) => return at + 1,
            None => return bytes.len(),
        }
    }
}

/// `range` without the ASCII white space at either end.
fn trimmed(bytes: &[u8], mut range: Range<usize>) -> Range<usize> {
    while range.start < range.end && bytes[range.start].is_ascii_whitespace() {
        range.start += 1;
    }
    while range.end > range.start && bytes[range.end - 1].is_ascii_whitespace() {
        range.end -= 1;
    }
    range
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<(&str, MaskKind)> {
        person_cells(text)
            .into_iter()
            .map(|cell| (&text[cell.range], cell.kind))
            .collect()
    }

    #[test]
    fn cells_under_person_headings_are_found_whatever_they_hold() {
        let text = "Name,Date of birth,Address,Postcode,Phone,Notes\n\
                    \"HARRIS, Nicoola\",1984-01-25,\"36 Fairfield Gardens, Highmoor\",NS2 6UA,07700 917863,none\n\
                    Fisher,,\"1 \"\"The Lodge\"\", Kelby\",NS3 2XP, 07700 900123 ,\"multi\nline\"\r\n";
        assert_eq!(
            cells(text),
            vec![
                ("HARRIS, Nicoola", MaskKind::Person),
                ("1984-01-25", MaskKind::Identifier(IdKind::DateOfBirth)),
                ("36 Fairfield Gardens, Highmoor", MaskKind::Address),
                ("NS2 6UA", MaskKind::Identifier(IdKind::Postcode)),
                ("07700 917863", MaskKind::Identifier(IdKind::Phone)),
                ("Fisher", MaskKind::Person),
                ("1 \"\"The Lodge\"\", Kelby", MaskKind::Address),
                ("NS3 2XP", MaskKind::Identifier(IdKind::Postcode)),
                ("07700 900123", MaskKind::Identifier(IdKind::Phone)),
            ]
        );
    }

    #[test]
    fn tabs_and_every_kind_of_heading() {
        let text = "Surname\tForename\tNI number\tNHS no\tPNC ID\tEmail address\tVRM\tStreet\n\
                    Smith\tJo\tAB123456C\t943 476 5919\t12/345678X\tjo@x.example\tAB12 CDE\tHigh St\n";
        let kinds: Vec<MaskKind> = cells(text).into_iter().map(|(_, kind)| kind).collect();
        assert_eq!(
            kinds,
            vec![
                MaskKind::Person,
                MaskKind::Person,
                MaskKind::Identifier(IdKind::NiNumber),
                MaskKind::Identifier(IdKind::NhsNumber),
                MaskKind::Identifier(IdKind::PncId),
                MaskKind::Identifier(IdKind::EmailAddress),
                MaskKind::Identifier(IdKind::VehicleRegistration),
                MaskKind::Address,
            ]
        );
    }

    #[test]
    fn a_table_pasted_among_prose_is_read_to_its_end() {
        let text = "Hi mate, the list you wanted:\n\nName,DOB,Notes\nSMITH John,01/02/1990,ok\n\
                    Jo Bloggs,03/04/1985,fine\n\nCheers, Dave, see you at five\n";
        assert_eq!(
            cells(text),
            vec![
                ("SMITH John", MaskKind::Person),
                ("01/02/1990", MaskKind::Identifier(IdKind::DateOfBirth)),
                ("Jo Bloggs", MaskKind::Person),
                ("03/04/1985", MaskKind::Identifier(IdKind::DateOfBirth)),
            ]
        );
        // Two tables, one after the other.
        let text = "Lists:\nName,Phone\nAnn,0770\n\nsee also\nSurname\tPostcode\nLee\tNS1 1AA\n";
        assert_eq!(
            cells(text)
                .into_iter()
                .map(|(value, _)| value)
                .collect::<Vec<_>>(),
            ["Ann", "0770", "Lee", "NS1 1AA"]
        );
    }

    #[test]
    fn line_ends_marks_and_quotes_around_headings_are_read() {
        for text in [
            "Name,DOB\r\nHARRIS Nicoola,01/02/1990\r\n",
            "\u{feff}Name,DOB\nHARRIS Nicoola,01/02/1990\n",
            "\"Name\",\"DOB\"\n\"HARRIS Nicoola\",\"01/02/1990\"\n",
            "Full Name,D.O.B.\nHARRIS Nicoola,01/02/1990\n",
            "Hi,\nhere:\r\nName,DOB\r\nHARRIS Nicoola,01/02/1990\r\n\r\nCheers\r\n",
        ] {
            assert_eq!(
                cells(text),
                vec![
                    ("HARRIS Nicoola", MaskKind::Person),
                    ("01/02/1990", MaskKind::Identifier(IdKind::DateOfBirth)),
                ],
                "{text:?}"
            );
        }
    }

    #[test]
    fn semicolons_bars_and_a_trailing_delimiter_split_a_table() {
        for text in [
            // Excel's CSV where the decimal mark is a comma.
            "Name;DOB;Amount\nHARRIS, Nicoola;01/02/1990;12,50\n",
            "Hi,\nhere:\nName;DOB;Amount\r\nHARRIS, Nicoola;01/02/1990;12,50\r\n",
            "\"Name\";\"DOB\";\"Amount\"\n\"HARRIS, Nicoola\";\"01/02/1990\";\"12,50\"\n",
            "Name,DOB,Amount,\n\"HARRIS, Nicoola\",01/02/1990,12,\n",
            "Hi,\n| Name | DOB | Amount |\n|---|---|---|\n| HARRIS, Nicoola | 01/02/1990 | 12 |\n",
        ] {
            let found = cells(text);
            assert!(
                found.contains(&("01/02/1990", MaskKind::Identifier(IdKind::DateOfBirth))),
                "{text:?}: {found:?}"
            );
            assert!(
                found
                    .iter()
                    .any(|(value, kind)| value.contains("HARRIS") && *kind == MaskKind::Person),
                "{text:?}: {found:?}"
            );
            assert!(
                !found.iter().any(|(value, _)| value.contains("12")),
                "{text:?}"
            );
        }
    }

    #[test]
    fn headings_written_in_other_ways_are_read() {
        let text = "Surname/Forename,Mobile No,Phone Number,Date of Birth (DD/MM/YYYY),\
                    Suspect Name,Street Address,Tel,\"Surname, Forename\",Contact No,Item\n\
                    a,b,c,d,e,f,g,h,i,boots\n";
        assert_eq!(
            cells(text),
            vec![
                ("a", MaskKind::Person),
                ("b", MaskKind::Identifier(IdKind::Phone)),
                ("c", MaskKind::Identifier(IdKind::Phone)),
                ("d", MaskKind::Identifier(IdKind::DateOfBirth)),
                ("e", MaskKind::Person),
                ("f", MaskKind::Address),
                ("g", MaskKind::Identifier(IdKind::Phone)),
                ("h", MaskKind::Person),
                ("i", MaskKind::Identifier(IdKind::Phone)),
            ]
        );
        for heading in ["Item name", "File no", "Casino", "Notes", "No", "Subject"] {
            let text = format!("{heading},Other\nx,y\n");
            assert_eq!(cells(&text), vec![], "{heading}");
        }
    }

    /// Headings that name a person's data in other words each mark their column, in a file of
    /// data and in a table pasted among prose.
    #[test]
    fn more_headings_describing_a_person_are_read() {
        use IdKind::{DateOfBirth, Phone, VehicleRegistration};
        for (heading, kind) in [
            ("Name of suspect", MaskKind::Person),
            ("Name of Victim", MaskKind::Person),
            ("Address of witness", MaskKind::Address),
            ("Town", MaskKind::Address),
            ("Town/City", MaskKind::Address),
            ("Home Town", MaskKind::Address),
            ("City", MaskKind::Address),
            (
                "Vehicle Registration",
                MaskKind::Identifier(VehicleRegistration),
            ),
            ("Vehicle Reg", MaskKind::Identifier(VehicleRegistration)),
            ("Vehicle Reg No", MaskKind::Identifier(VehicleRegistration)),
            ("Reg No", MaskKind::Identifier(VehicleRegistration)),
            ("Reg. No.", MaskKind::Identifier(VehicleRegistration)),
            ("Number Plate", MaskKind::Identifier(VehicleRegistration)),
            ("Mobile Number", MaskKind::Identifier(Phone)),
            ("Home Tel", MaskKind::Identifier(Phone)),
            ("Home Tel No", MaskKind::Identifier(Phone)),
            ("Forename(s)", MaskKind::Person),
            ("Surname(s)", MaskKind::Person),
            ("Given name", MaskKind::Person),
            ("Given names", MaskKind::Person),
            ("Family name", MaskKind::Person),
            ("Birth date", MaskKind::Identifier(DateOfBirth)),
            ("Date of Birth", MaskKind::Identifier(DateOfBirth)),
            ("Alias", MaskKind::Person),
            ("AKA", MaskKind::Person),
            ("Nickname", MaskKind::Person),
        ] {
            for text in [
                format!("{heading},Item\nx,boots\n"),
                format!("Hi,\nthe list:\nItem,{heading}\nboots,x\n\nCheers\n"),
            ] {
                assert_eq!(cells(&text), vec![("x", kind)], "{text:?}");
            }
        }
        for heading in [
            "Name of item",
            "Register",
            "Town hall booked",
            "Region",
            "Regular",
        ] {
            let text = format!("{heading},Item\nx,boots\n");
            assert_eq!(cells(&text), vec![], "{heading}");
        }
    }

    #[test]
    fn a_heading_row_wrapped_in_a_message_body_still_heads_its_table() {
        let text = "Hi,\nthe list:\nName,DOB,Address,Officer in\ncase\nHARRIS Nicoola,01/02/1990,1 High St,PC 123\n\nCheers\n";
        // The rest of the heading row and the first row below make one row's width, so they are
        // read as a wrapped row: the heading's last word is masked with it.
        assert_eq!(
            cells(text),
            vec![
                ("case", MaskKind::Person),
                ("HARRIS Nicoola", MaskKind::Person),
                ("01/02/1990", MaskKind::Identifier(IdKind::DateOfBirth)),
                ("1 High St", MaskKind::Address),
            ]
        );
    }

    /// A data row a mail client wrapped onto two lines (or three) is read as one row, its split
    /// cell masked on both lines, and the rows below it are still read.
    #[test]
    fn a_row_wrapped_in_a_message_body_does_not_end_its_table() {
        let expected = vec![
            ("HARRIS Nicoola", MaskKind::Person),
            ("01/02/1990", MaskKind::Identifier(IdKind::DateOfBirth)),
            ("36 Fairfield", MaskKind::Address),
            ("Gardens Highmoor", MaskKind::Address),
            ("JONES Bob", MaskKind::Person),
            ("03/04/1985", MaskKind::Identifier(IdKind::DateOfBirth)),
            ("1 High St", MaskKind::Address),
        ];
        for text in [
            "Hi,\nthe list:\nName,DOB,Address,Notes\nHARRIS Nicoola,01/02/1990,36 Fairfield\nGardens Highmoor,none\nJONES Bob,03/04/1985,1 High St,ok\n\nCheers, Dave\n",
            "Hi,\nthe list:\nName\tDOB\tAddress\tNotes\nHARRIS Nicoola\t01/02/1990\t36 Fairfield\nGardens Highmoor\tnone\nJONES Bob\t03/04/1985\t1 High St\tok\n\nCheers\n",
            "Name\tDOB\tAddress\tNotes\nHARRIS Nicoola\t01/02/1990\t36 Fairfield\nGardens Highmoor\tnone\nJONES Bob\t03/04/1985\t1 High St\tok\n",
        ] {
            assert_eq!(cells(text), expected, "{text:?}");
        }
        // Wrapped at a delimiter, and over three lines.
        let text = "See below.\nName;DOB;Phone;Notes\nHARRIS Nicoola;\n01/02/1990;07700 900123;x\nJONES Bob;03/04/1985;\n07700\n900124;y\n";
        assert_eq!(
            cells(text)
                .into_iter()
                .map(|(value, _)| value)
                .collect::<Vec<_>>(),
            [
                "HARRIS Nicoola",
                "01/02/1990",
                "07700 900123",
                "JONES Bob",
                "03/04/1985",
                "07700",
                "900124"
            ]
        );
        // A blank line still ends a table pasted among prose.
        let text = "Hi,\nName,DOB,Phone\nAnn Lee,01/02/1990,0770\nBo\n\nRay,x,y\n";
        assert_eq!(cells(text).len(), 3);
    }

    #[test]
    fn prose_and_tables_of_other_things_are_not_read() {
        for text in [
            "Name, address and phone were all taken at the scene.\nHe said, quietly, no.\n",
            "Hello Bob,\nSee below.\n",
            "Item,Quantity,Price\nBoots,2,40.00\n",
            "no delimiter here\nName,Phone\n",
            "Name,Phone\n",
            "Dear Sir,\nName,Phone\n\nRegards\n",
            "Dear Sir,\nName,Phone\nRegards\nDave\n",
            "Name,\nAnn\n",
            "\"Name, Surname\"\nAnn\n",
            "",
            "Name",
        ] {
            assert_eq!(cells(text), vec![], "{text:?}");
        }
        // Rows of another width (a sentence after the table) are left alone.
        let text = "Name,Phone\nAnn Lee,07700 900123\nCall them, please, today.\n";
        assert_eq!(cells(text).len(), 2);
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end_and_never_panics() {
        let text = "Name,Phone\n\"Open quote,07700 900123\n";
        assert!(cells(text).is_empty());
        let text = "Notes,Name\nx,\"Open quote, never closed";
        assert_eq!(
            cells(text),
            vec![("Open quote, never closed", MaskKind::Person)]
        );
        for text in [
            "Name,\n\"",
            "Name,x\n\"\"",
            "Name,x\n,",
            "Name,x\n\"a\"b,c",
            "Name,x\n\n\n",
        ] {
            let _ = person_cells(text);
        }
    }

    /// Lines holding a quote left open, where each line could start a heading row, are read
    /// once each: followed to the end of the text from every line, inputs of this size took
    /// minutes (the test would then take as long; no time is asserted).
    #[test]
    fn quotes_left_open_are_not_followed_to_the_end_from_every_line() {
        // A file of data: every later quoted line, one field short, is read with the "Name,Phone"
        // line below it as a wrapped row of it.
        let text = "Name,Phone\n\"x,\"y\n".repeat(20_000);
        assert_eq!(person_cells(&text).len(), 3 * 19_999);
        // HTML: a quote left open on every line, so no heading row.
        let html = "<a href=\"x\">Name, Phone</a>, \"<td>\n".repeat(50_000);
        assert!(person_cells(&html).is_empty());
        // Tables among prose, each row opening a quote the next closes (RFC 4180 lets a quoted
        // field run over lines): each read no further than a long row reaches.
        let pasted = format!("Hello\n{}", "Name,Phone\n\"open,1\n".repeat(20_000));
        let cells = person_cells(&pasted);
        assert!(!cells.is_empty() && cells.len() <= 2 * 20_000);
        assert!(
            cells
                .iter()
                .all(|cell| cell.range.len() <= MAX_PASTED_ROW_BYTES)
        );
    }

    #[test]
    fn within_a_stretch_heading_rows_are_looked_for_there_and_at_the_start() {
        let pasted = "Name,Phone\nAnn Lee,0770\n\nprose\n\nName,DOB\nBo Ray,01/02/1990\n\nmore\n";
        let second = pasted.find("Name,DOB").unwrap();
        let values = |cells: Vec<PersonCell>| -> Vec<String> {
            cells
                .into_iter()
                .map(|c| pasted[c.range].to_owned())
                .collect()
        };
        // A heading row opening the text heads a file of data read to its end (the second
        // heading row is a row of it), whatever the stretch.
        assert_eq!(
            values(person_cells_within(pasted, second, second + 30)),
            ["Ann Lee", "0770", "Name", "DOB", "Bo Ray", "01/02/1990"]
        );
        // Not the start's when the text opens with prose.
        let text = format!("Hello\n{pasted}");
        let second = text.find("Name,DOB").unwrap();
        let cells: Vec<&str> = person_cells_within(&text, second, text.len())
            .into_iter()
            .map(|c| &text[c.range])
            .collect();
        assert_eq!(cells, ["Bo Ray", "01/02/1990"]);
        // The whole text: both.
        assert_eq!(
            person_cells_within(&text, 0, text.len()),
            person_cells(&text)
        );
        assert_eq!(person_cells(&text).len(), 4);
    }

    fn owned(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| (*word).to_owned()).collect()
    }

    /// Every heading the tests name is still found with the look at its first letters.
    #[test]
    fn headings_pass_the_look_at_their_first_letters() {
        for list in [
            &bulk::PERSON_COLUMNS[..],
            &MORE_PERSON_HEADINGS,
            &QUALIFIERS,
        ] {
            for word in list {
                assert!(may_start_heading(word.as_bytes()), "{word}");
            }
        }
        assert!(
            !may_start_heading(b"smith") && !may_start_heading(b"x") && !may_start_heading(b"")
        );
        assert_eq!(part_kind(b"homemobileno"), part_kind_read(b"homemobileno"));
        assert!(part_kind(b"nameofthesuspect").is_some());
    }

    proptest::proptest! {
        /// Whatever a part's letters, the look at its first two letters passes over no part a
        /// heading is found in: parts made of headings, qualifiers, number words, "of" and
        /// other letters.
        #[test]
        fn the_look_at_first_letters_passes_over_no_heading(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(owned(&bulk::PERSON_COLUMNS)),
                    proptest::sample::select(owned(&MORE_PERSON_HEADINGS)),
                    proptest::sample::select(owned(&QUALIFIERS)),
                    proptest::sample::select(owned(&bulk::NUMBER_WORDS)),
                    proptest::sample::select(owned(&OF_WORDS)),
                    proptest::sample::select(owned(&["tel", "phone", "telephone", "home"])),
                    "[a-z]{1,3}",
                ],
                1..4,
            ),
        ) {
            let letters = pieces.concat();
            let read = part_kind_read(letters.as_bytes());
            proptest::prop_assert_eq!(part_kind(letters.as_bytes()), read);
            if read.is_some() {
                proptest::prop_assert!(may_start_heading(letters.as_bytes()));
            }
        }

        /// Passing over the lines without a delimiter finds the same cells as looking at
        /// every line, in any text and stretch.
        #[test]
        fn lines_without_a_delimiter_are_passed_over_to_the_same_cells(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "Name", "DOB", "Phone", "Postcode", "Notes", "Date of birth", "Ann Lee",
                    "01/02/1990", "prose here", "x", " ", ",", ";", "|", "\t", "\n", "\n",
                    "\n\n", "\"", "\"\"", "\r\n", "é",
                ]),
                0..60,
            ),
            from in 0usize..400,
            to in 0usize..400,
        ) {
            let text = pieces.concat();
            let from = crate::text::floor_boundary(&text, from.min(text.len()));
            let to = to.min(text.len());
            proptest::prop_assert_eq!(
                cells_within(&text, from, to, true),
                cells_within(&text, from, to, false)
            );
            // With a heading row among prose and one opening the text before it.
            for text in [format!("Hello\nName,DOB\n{text}"), format!("Name|Phone\n{text}")] {
                let to = to.min(text.len());
                proptest::prop_assert_eq!(
                    cells_within(&text, 0, to, true),
                    cells_within(&text, 0, to, false)
                );
                proptest::prop_assert_eq!(
                    cells_within(&text, 0, text.len(), true),
                    cells_within(&text, 0, text.len(), false)
                );
            }
        }

        /// Any text: no panic, and every cell a range of the text on character boundaries.
        #[test]
        fn cells_are_ranges_of_any_text(body in "[a-zA-Z0-9 ,\"\t\n\r£é]{0,200}") {
            let text = format!("Name,Phone,Notes\n{body}");
            for cell in person_cells(&text) {
                proptest::prop_assert!(text.get(cell.range.clone()).is_some());
                proptest::prop_assert!(!cell.range.is_empty());
            }
        }
    }
}
