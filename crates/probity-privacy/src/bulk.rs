//! Bulk personal data: many people's details in one message. Counts distinct names, dates of birth,
//! postcodes and identifiers in a text, and rows that describe a person in a CSV attachment, and
//! compares them with thresholds that are policy.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::addresses::AddressMatch;
use crate::identifiers::{IdKind, IdMatch};
use crate::names::{NameMatch, Names};

/// When a message holds bulk personal data. Any one threshold reached is enough.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BulkThresholds {
    /// Distinct identifiers of the kinds that single out a person (NI, NHS, PNC, card, vehicle).
    pub min_identifiers: usize,
    /// Distinct dates of birth.
    pub min_dates_of_birth: usize,
    /// Distinct postcodes.
    pub min_postcodes: usize,
    /// Distinct names.
    pub min_names: usize,
    /// Distinct street addresses.
    pub min_addresses: usize,
    /// Distinct phone numbers and email addresses together.
    pub min_contacts: usize,
    /// Rows of a CSV attachment that describe a person.
    pub min_csv_rows: usize,
    /// At most this many CSV rows are read (the count then says "at least").
    pub max_csv_rows_read: usize,
}

impl Default for BulkThresholds {
    fn default() -> Self {
        Self {
            min_identifiers: 10,
            min_dates_of_birth: 5,
            min_postcodes: 10,
            min_names: 25,
            min_addresses: 10,
            min_contacts: 20,
            min_csv_rows: 10,
            max_csv_rows_read: 100_000,
        }
    }
}

/// What was counted in one message (over all its texts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkCounts {
    /// Distinct values per identifier kind.
    pub by_kind: BTreeMap<IdKind, usize>,
    /// Distinct names.
    pub names: usize,
    /// Distinct street addresses.
    pub addresses: usize,
    /// Person-like rows in CSV attachments, with the columns that made them so.
    pub csv_rows: usize,
    /// The person-like column headings of those rows.
    pub csv_columns: Vec<String>,
}

impl BulkCounts {
    fn kind(&self, kind: IdKind) -> usize {
        self.by_kind.get(&kind).copied().unwrap_or(0)
    }

    /// Distinct identifiers that single out a person.
    pub fn singling_identifiers(&self) -> usize {
        [
            IdKind::NiNumber,
            IdKind::NhsNumber,
            IdKind::PncId,
            IdKind::BankCard,
            IdKind::VehicleRegistration,
        ]
        .iter()
        .map(|kind| self.kind(*kind))
        .sum()
    }

    /// Each threshold reached, in plain words; empty when the message is not bulk.
    pub fn reasons(&self, thresholds: &BulkThresholds) -> Vec<String> {
        let mut reasons = Vec::new();
        let checks = [
            (
                self.singling_identifiers(),
                thresholds.min_identifiers,
                "distinct personal identifiers (NI, NHS, PNC, card, vehicle)",
            ),
            (
                self.kind(IdKind::DateOfBirth),
                thresholds.min_dates_of_birth,
                "distinct dates of birth",
            ),
            (
                self.kind(IdKind::Postcode),
                thresholds.min_postcodes,
                "distinct postcodes",
            ),
            (self.names, thresholds.min_names, "distinct names"),
            (
                self.addresses,
                thresholds.min_addresses,
                "distinct street addresses",
            ),
            (
                self.kind(IdKind::Phone) + self.kind(IdKind::EmailAddress),
                thresholds.min_contacts,
                "distinct phone numbers and email addresses",
            ),
        ];
        for (count, threshold, what) in checks {
            if threshold > 0 && count >= threshold {
                reasons.push(format!("{count} {what} (threshold {threshold})"));
            }
        }
        if thresholds.min_csv_rows > 0 && self.csv_rows >= thresholds.min_csv_rows {
            reasons.push(format!(
                "{} spreadsheet rows describing people (columns: {}; threshold {})",
                self.csv_rows,
                self.csv_columns.join(", "),
                thresholds.min_csv_rows
            ));
        }
        reasons
    }
}

/// An identifier as it is compared: its letters, digits, `@` and `.`, lower-cased. Nearly every
/// identifier is ASCII, and is lowered byte by byte (as lowering each character would).
fn identifier_key(written: &str) -> String {
    if written.is_ascii() {
        return written
            .bytes()
            .filter(|b| b.is_ascii_alphanumeric() || *b == b'@' || *b == b'.')
            .map(|b| char::from(b.to_ascii_lowercase()))
            .collect();
    }
    identifier_key_by_char(written)
}

/// [`identifier_key`] for any text, one character at a time.
fn identifier_key_by_char(written: &str) -> String {
    written
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '@' || *c == '.')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Accumulates distinct values over the texts of one message.
#[derive(Debug, Default)]
pub struct BulkCounter {
    values: HashSet<(IdKind, String)>,
    names: HashSet<String>,
    addresses: HashSet<String>,
    csv_rows: usize,
    csv_columns: Vec<String>,
}

impl BulkCounter {
    /// An empty counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the identifiers found in `text` (values are compared without spaces or case).
    pub fn add_identifiers(&mut self, text: &str, found: &[IdMatch]) {
        for hit in found {
            let value = identifier_key(&text[hit.start..hit.end]);
            self.values.insert((hit.kind, value));
        }
    }

    /// Adds the names found in `text`.
    pub fn add_names(&mut self, text: &str, found: &[NameMatch]) {
        for name in found {
            self.names.insert(Names::key(&text[name.start..name.end]));
        }
    }

    /// Adds the street addresses found in `text` (compared without case or punctuation).
    pub fn add_addresses(&mut self, text: &str, found: &[AddressMatch]) {
        for address in found {
            let key: String = text[address.start..address.end]
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            self.addresses.insert(key);
        }
    }

    /// Adds the person-like rows of a CSV text.
    pub fn add_csv(&mut self, text: &str, max_rows: usize) {
        let (rows, columns) = csv_person_rows(text, max_rows);
        self.csv_rows += rows;
        for column in columns {
            if !self.csv_columns.contains(&column) {
                self.csv_columns.push(column);
            }
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> BulkCounts {
        let mut by_kind = BTreeMap::new();
        for (kind, _) in &self.values {
            *by_kind.entry(*kind).or_insert(0) += 1;
        }
        BulkCounts {
            by_kind,
            names: self.names.len(),
            addresses: self.addresses.len(),
            csv_rows: self.csv_rows,
            csv_columns: self.csv_columns.clone(),
        }
    }
}

/// Column headings (letters only, lower case) that describe a person. Masking reads the same
/// headings, and others written around them (`Suspect Name`, `Name of suspect`), in
/// [`crate::tables`].
pub(crate) const PERSON_COLUMNS: [&str; 45] = [
    "name",
    "names",
    "fullname",
    "forename",
    "forenames",
    "firstname",
    "firstnames",
    "givenname",
    "givennames",
    "surname",
    "surnames",
    "lastname",
    "lastnames",
    "familyname",
    "familynames",
    "dob",
    "dateofbirth",
    "birthdate",
    "address",
    "homeaddress",
    "addressline",
    "street",
    "postcode",
    "nino",
    "ninumber",
    "nationalinsurance",
    "nationalinsurancenumber",
    "nhsnumber",
    "nhsno",
    "pnc",
    "pncid",
    "pncnumber",
    "phone",
    "phonenumber",
    "mobile",
    "mobilenumber",
    "telephone",
    "telephonenumber",
    "tel",
    "email",
    "emailaddress",
    "vrm",
    "registration",
    "vehicleregistration",
    "numberplate",
];

/// Words that may stand after a heading and leave it the same heading: `Mobile No`, `Tel No`,
/// `PNC Number`.
pub(crate) const NUMBER_WORDS: [&str; 5] = ["numbers", "number", "num", "nos", "no"];

/// True when `letters` (a column heading's letters alone, in lower case) describes a person: one
/// of the headings the module lists (`Name`, `DOB`, `Address`, `Phone`, `Tel`…), with a number
/// word after it or not (`Mobile No`, `Tel No`), or a home telephone's heading
/// ([`is_home_phone_heading`]). `Tel` counts as `Phone` does: a list of offices has either, and
/// the other columns and the rows decide.
pub fn is_person_heading(letters: &str) -> bool {
    PERSON_COLUMNS.contains(&letters)
        || NUMBER_WORDS
            .iter()
            .filter_map(|word| letters.strip_suffix(word))
            .any(|core| PERSON_COLUMNS.contains(&core))
        || is_home_phone_heading(letters)
}

/// True when `letters` (as for [`is_person_heading`]) head a home telephone's column: `Home Tel`,
/// `Home Phone`, `Home Telephone`, with `No` or `Number` after them or not.
pub fn is_home_phone_heading(letters: &str) -> bool {
    let Some(phone) = letters.strip_prefix("home") else {
        return false;
    };
    let phone = NUMBER_WORDS
        .iter()
        .find_map(|word| phone.strip_suffix(word))
        .unwrap_or(phone);
    matches!(phone, "tel" | "phone" | "telephone")
}

/// True when a file looks like delimited text by its name or media type.
pub fn is_csv_name(name: Option<&str>, mime_type: Option<&str>) -> bool {
    let by_name = name.is_some_and(|name| {
        let lower = name.to_ascii_lowercase();
        lower.ends_with(".csv") || lower.ends_with(".tsv")
    });
    let by_type = mime_type.is_some_and(|mime| {
        let lower = mime.to_ascii_lowercase();
        lower.contains("csv") || lower.contains("tab-separated")
    });
    by_name || by_type
}

/// The lines the attachment readers head each part of a file with: a workbook's sheets, an
/// archive's files, the files in an Outlook message or a TNEF, the text OCR read from a picture.
const SECTION_HEADINGS: [&str; 4] = ["[sheet ", "[file ", "[attachment ", "[image "];

/// The delimited tables in an attachment's text, for the row count ([`csv_person_rows`]): the
/// whole text where the file's name or type says delimited text (`is_csv`) or it reads as such
/// ([`looks_delimited`]); otherwise each part under a heading line the readers write (`[sheet
/// NAME]` of a workbook, `[file NAME]` of an archive, `[attachment NAME]` of an Outlook message
/// or a TNEF, `[image NAME]`) that reads as delimited or
/// is a file named as such. So a workbook's sheets and the CSV in a zip are counted as a CSV
/// sent alone is.
pub fn tables_in(text: &str, is_csv: bool) -> Vec<&str> {
    if (is_csv || looks_delimited(text)) && !text.starts_with('[') {
        return vec![text];
    }
    let mut tables = Vec::new();
    let mut rest = text;
    let mut heading: Option<&str> = None;
    loop {
        // The next heading line: at the start of the text or of a line.
        let next = SECTION_HEADINGS
            .iter()
            .filter_map(|marker| {
                if rest.starts_with(marker) {
                    return Some(0);
                }
                rest.match_indices(&format!("\n{marker}")[..])
                    .next()
                    .map(|(at, _)| at + 1)
            })
            .min();
        let (section, after) = match next {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        let named_csv = heading.is_some_and(|line| {
            let name = line.trim_end().trim_end_matches(']');
            is_csv_name(Some(name), None)
        });
        if !section.trim().is_empty() && (named_csv || looks_delimited(section)) {
            tables.push(section);
        }
        if after.is_empty() {
            break;
        }
        let (line, body) = after.split_once('\n').unwrap_or((after, ""));
        heading = Some(line);
        rest = body;
    }
    tables
}

/// Rows (the heading included) a text must open with, all of one width, to read as a table.
pub const TABLE_MIN_ROWS: usize = 5;
/// Rows looked at when telling whether a text is a table.
const TABLE_ROWS_READ: usize = 20;

/// True when a text reads as delimited data whatever its file is called: it opens with at least
/// [`TABLE_MIN_ROWS`] rows of three or more comma- or tab-separated fields, and at least nine in
/// ten of the first twenty rows have the heading's width. Prose has commas too, but not the same
/// number on five lines running; an export renamed `export.dat` or `notes` still has its columns.
pub fn looks_delimited(text: &str) -> bool {
    let first_line = text.lines().next().unwrap_or("");
    let tabs = first_line.matches('\t').count();
    let commas = first_line.matches(',').count();
    let delimiter = if tabs > commas { b'\t' } else { b',' };
    if tabs.max(commas) < 2 {
        return false;
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut width = None;
    let mut rows = 0;
    let mut of_width = 0;
    for record in reader.records().take(TABLE_ROWS_READ) {
        let Ok(record) = record else {
            return false;
        };
        if record.len() == 1 && record.get(0).is_some_and(|cell| cell.trim().is_empty()) {
            continue;
        }
        rows += 1;
        let heading_width = *width.get_or_insert(record.len());
        if record.len() == heading_width {
            of_width += 1;
        } else if rows <= TABLE_MIN_ROWS {
            return false;
        }
    }
    rows >= TABLE_MIN_ROWS && of_width * 10 >= rows * 9
}

/// Counts rows of a delimited text that have a value in at least one person-like column, reading
/// at most `max_rows`. The header must have a name column or at least two person-like columns.
/// Returns the count and the person-like column headings.
pub fn csv_person_rows(text: &str, max_rows: usize) -> (usize, Vec<String>) {
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let Ok(headers) = reader.headers().cloned() else {
        return (0, Vec::new());
    };
    let mut person_columns = Vec::new();
    let mut headings = Vec::new();
    let mut has_name = false;
    for (index, heading) in headers.iter().enumerate() {
        let letters: String = heading
            .chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let letters = letters.as_str();
        if is_person_heading(letters) {
            has_name |= letters.contains("name");
            person_columns.push(index);
            headings.push(heading.trim().to_owned());
        }
    }
    if !has_name && person_columns.len() < 2 {
        return (0, Vec::new());
    }
    let mut rows = 0;
    let width = headers.len();
    for record in reader.records().take(max_rows) {
        let Ok(record) = record else {
            continue;
        };
        // A line of one field under a heading of several is no row: `End of list`.
        if record.len() < 2 && width >= 2 {
            continue;
        }
        let describes_person = person_columns
            .iter()
            .any(|&i| record.get(i).is_some_and(|cell| !cell.trim().is_empty()));
        if describes_person {
            rows += 1;
        }
    }
    (rows, headings)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The byte-by-byte key of an ASCII identifier is the key lowered character by
        /// character; any other text takes the character path.
        #[test]
        fn identifier_keys_are_those_lowered_by_character(
            written in "([A-Za-z0-9 .@+\\-()/_]|É|ß|İ|٣){0,24}"
        ) {
            proptest::prop_assert_eq!(identifier_key(&written), identifier_key_by_char(&written));
        }
    }

    #[test]
    fn csv_rows_with_person_columns_are_counted() {
        let text = "Surname,Forename,DOB,Offence\nPRICE,Ada,01/02/1990,theft\n,,,\nJONES,Bob,,\n";
        let (rows, columns) = csv_person_rows(text, 100);
        assert_eq!(rows, 2);
        assert_eq!(columns, ["Surname", "Forename", "DOB"]);
    }

    /// The tables of a text with the readers' heading lines are the parts under them that read
    /// as delimited text or are files named so; a CSV's text is one table whole.
    #[test]
    fn tables_are_found_under_the_readers_heading_lines() {
        let table =
            "Name,DOB,Town\nA B,1/1/1990,X\nC D,2/2/1990,Y\nE F,3/3/1990,Z\nG H,4/4/1990,W\n";
        let text = format!("[sheet Cover]\nhello\n[sheet People]\n{table}[file x.csv]\na,b\n");
        assert_eq!(tables_in(&text, false), [table, "a,b\n"]);
        let outlook = format!("Subject: list\n\nsee attached\n\n[attachment people.csv]\n{table}");
        assert_eq!(tables_in(&outlook, false), [table]);
        assert_eq!(tables_in(table, false), [table]);
        assert_eq!(tables_in("a,b\n", true), ["a,b\n"]);
        assert!(tables_in("Dear Sam,\nsee you, then.\n", false).is_empty());
    }

    #[test]
    fn a_line_of_one_field_under_a_wider_heading_is_no_row() {
        let text = "Name,DOB\nAda Price,1/1/1990\nEnd of list\n";
        assert_eq!(csv_person_rows(text, 100).0, 1);
    }

    /// Person columns headed in other common words are counted as the plain ones are.
    #[test]
    fn csv_rows_under_other_person_headings_are_counted() {
        let text = "Surname(s),Given names,Mobile Number,Vehicle Registration,Notes\n\
                    PRICE,Ada,07700 900123,AB12 CDE,x\n,,,,y\n";
        let (rows, columns) = csv_person_rows(text, 100);
        assert_eq!(rows, 1);
        assert_eq!(
            columns,
            [
                "Surname(s)",
                "Given names",
                "Mobile Number",
                "Vehicle Registration"
            ]
        );
    }

    /// A telephone's column counts as a person's, however the heading is written (`Tel` as
    /// `Phone`, a number word after it or not), so a table with it and one other person column
    /// (and no name) is counted.
    #[test]
    fn a_home_telephone_column_counts_as_a_persons() {
        for heading in [
            "Home Tel",
            "Home Tel No",
            "HOME TEL. NO.",
            "Home Phone",
            "Home Phone Number",
            "Home Telephone",
            "Home telephone number",
            "Tel",
            "Tel No",
            "Phone No.",
            "Mobile No",
            "Telephone Number",
            "PNC No",
        ] {
            let text = format!(
                "Ref,{heading},Postcode,Notes\nR1,01632 960001,AB1 2CD,seen\nR2,01632 960002,,\n,,,none\n"
            );
            let (rows, columns) = csv_person_rows(&text, 100);
            assert_eq!(rows, 2, "{heading}");
            assert_eq!(columns, [heading, "Postcode"], "{heading}");
        }
        for heading in [
            "Telephone Home Office",
            "Home",
            "Hotel",
            "Home Town",
            "Casino",
            "No",
            "Telly",
        ] {
            let text = format!("Ref,{heading},Postcode\nR1,01632 960001,AB1 2CD\n");
            assert_eq!(csv_person_rows(&text, 100), (0, Vec::new()), "{heading}");
        }
    }

    #[test]
    fn csv_without_person_columns_counts_nothing() {
        let text = "Date,Shift,Vehicle count\n01/02,Day,4\n02/02,Night,5\n";
        assert_eq!(csv_person_rows(text, 100).0, 0);
    }

    #[test]
    fn tab_separated_and_row_limit() {
        let mut text = String::from("Name\tPostcode\n");
        for i in 0..50 {
            text.push_str(&format!("Person {i}\tAB1 2CD\n"));
        }
        assert_eq!(csv_person_rows(&text, 20).0, 20);
    }

    #[test]
    fn thresholds_produce_reasons() {
        let mut counter = BulkCounter::new();
        let text = "AB123456C ab 12 34 56 c";
        let found = [
            IdMatch {
                kind: IdKind::NiNumber,
                start: 0,
                end: 9,
            },
            IdMatch {
                kind: IdKind::NiNumber,
                start: 10,
                end: 23,
            },
        ];
        counter.add_identifiers(text, &found);
        let counts = counter.counts();
        assert_eq!(
            counts.singling_identifiers(),
            1,
            "the same number twice counts once"
        );
        let thresholds = BulkThresholds {
            min_identifiers: 1,
            ..BulkThresholds::default()
        };
        assert_eq!(counts.reasons(&thresholds).len(), 1);
        assert!(counts.reasons(&BulkThresholds::default()).is_empty());
    }

    #[test]
    fn tables_are_told_by_their_rows() {
        let table = "name,dob,postcode\nA B,1/1/80,AB1 2CD\nC D,2/2/81,EF3 4GH\n\
                     E F,3/3/82,IJ5 6KL\nG H,4/4/83,MN7 8OP\n";
        assert!(looks_delimited(table));
        assert!(looks_delimited(&table.replace(',', "\t")));
        // Quoted fields holding the delimiter keep their row's width.
        assert!(looks_delimited(
            "name,address,town\n\"Smith, J\",\"1 High St, Flat 2\",Leeds\na,b,c\nd,e,f\ng,h,i\n"
        ));
        // One ragged row in twenty is tolerated past the first five, two are not.
        let mut long = String::from("a,b,c\n");
        for i in 0..18 {
            long.push_str(&format!("{i},{i},{i}\n"));
        }
        long.push_str("x,y\n");
        assert!(looks_delimited(&long));
        let ragged = long.replacen("3,3,3", "3,3", 1);
        assert!(!looks_delimited(&ragged));
        // Short of five rows, two columns, or ragged at the start: not a table.
        assert!(!looks_delimited("a,b,c\n1,2,3\n4,5,6\n7,8,9\n"));
        assert!(!looks_delimited("a,b\n1,2\n3,4\n5,6\n7,8\n"));
        assert!(!looks_delimited("a,b,c\n1,2\n3,4,5\n6,7,8\n9,10,11\n"));
        assert!(!looks_delimited(""));
        assert!(!looks_delimited("\"unclosed,a,b\n1,2,3\n"));
    }

    #[test]
    fn csv_names() {
        assert!(is_csv_name(Some("List.CSV"), None));
        assert!(is_csv_name(None, Some("text/csv")));
        assert!(!is_csv_name(Some("list.docx"), Some("application/msword")));
    }
}
