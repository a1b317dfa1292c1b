//! UK identifiers in free text, each checked beyond its shape: National Insurance numbers (prefix
//! rules), NHS numbers (modulus 11), PNC IDs (modulus 23 check letter), vehicle registrations
//! (age identifier; the older prefix style only near a vehicle word), bank card numbers (Luhn),
//! UK phone numbers (number plan lengths), postcodes, email addresses, and dates of birth (only after
//! a cue such as `DOB:`).
//!
//! Speed: the number-like identifiers share one compiled pattern, so text is scanned once for all of
//! them; each candidate is then told apart and validated. Email addresses are looked for only when
//! the text holds an `@`.

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::{Error, Result, text};

/// A kind of personal identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// National Insurance number (`AB 12 34 56 C`).
    NiNumber,
    /// NHS number (`943 476 5919`).
    NhsNumber,
    /// Police National Computer ID (`01/23456K`).
    PncId,
    /// UK vehicle registration (`AB12 CDE`, `P123 ABC`).
    VehicleRegistration,
    /// Bank card number.
    BankCard,
    /// UK phone number.
    Phone,
    /// UK postcode.
    Postcode,
    /// Email address.
    EmailAddress,
    /// Date of birth (a date after a cue such as `DOB:`).
    DateOfBirth,
}

impl IdKind {
    /// Every kind, in a fixed order.
    pub const ALL: [IdKind; 9] = [
        IdKind::NiNumber,
        IdKind::NhsNumber,
        IdKind::PncId,
        IdKind::VehicleRegistration,
        IdKind::BankCard,
        IdKind::Phone,
        IdKind::Postcode,
        IdKind::EmailAddress,
        IdKind::DateOfBirth,
    ];

    /// The snake_case name used in policies and findings (`ni_number`).
    pub fn name(self) -> &'static str {
        match self {
            IdKind::NiNumber => "ni_number",
            IdKind::NhsNumber => "nhs_number",
            IdKind::PncId => "pnc_id",
            IdKind::VehicleRegistration => "vehicle_registration",
            IdKind::BankCard => "bank_card",
            IdKind::Phone => "phone",
            IdKind::Postcode => "postcode",
            IdKind::EmailAddress => "email_address",
            IdKind::DateOfBirth => "date_of_birth",
        }
    }

    /// Plain words for explanations (`National Insurance number`).
    pub fn label(self) -> &'static str {
        match self {
            IdKind::NiNumber => "National Insurance number",
            IdKind::NhsNumber => "NHS number",
            IdKind::PncId => "PNC ID",
            IdKind::VehicleRegistration => "vehicle registration",
            IdKind::BankCard => "bank card number",
            IdKind::Phone => "phone number",
            IdKind::Postcode => "postcode",
            IdKind::EmailAddress => "email address",
            IdKind::DateOfBirth => "date of birth",
        }
    }
}

/// One identifier found: its kind and byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdMatch {
    /// What was found.
    pub kind: IdKind,
    /// Byte offset where it starts.
    pub start: usize,
    /// Byte offset where it ends (exclusive).
    pub end: usize,
}

/// The text of [`B`], for patterns put together with `concat!`.
macro_rules! boundary {
    () => {
        r"(?:(?-u:\b)|(?m:^)|(?m:$))"
    };
}

/// Where an identifier may start or end: an ASCII word boundary (cheap for the regex engine
/// whatever the text's script), or beside an underscore. `_` is a word character to `\b`, but
/// file names, form fields and tags join an identifier to its neighbours with one
/// (`file_AB123456C_v2`, `NI:AB123456C_`); letters and digits either side still keep a longer
/// token (`XAB123456CX`) from being read as one. The patterns are compiled with `_` as their
/// line terminator ([`compile_identifier`]), so `(?m:^)` matches just after an underscore and
/// `(?m:$)` just before one; the patterns use no `.` (which would then stop at `_`) and no other
/// line anchor.
const B: &str = boundary!();
/// The line terminator the identifier patterns are compiled with: see [`B`].
const BOUNDARY_BYTE: u8 = b'_';

const NI: &str = r"[A-Za-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d]";
/// NHS numbers issued in England and Wales start 4, 6 or 7, Northern Ireland's 3; 9 is the test
/// range. Scotland's CHI numbers (date-of-birth based, starting 0–3) are not NHS numbers here, and
/// excluding 1 and 2 keeps ten-digit Unix times out.
const NHS: &str = r"[3-9][0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{4}";
const PNC: &str = r"(?:[0-9]{4}|[0-9]{2})/[0-9]{1,7}[A-Z]";
const VEHICLE_CURRENT: &str = r"[A-Z]{2}[0-9]{2} ?[A-Z]{3}";
const VEHICLE_PREFIX: &str = r"[A-Z][0-9]{1,3} ?[A-Z]{3}";
const CARD: &str = r"[0-9](?:[ -]?[0-9]){12,18}";
/// Starts with `+` or `(`, which have no word boundary before them: the `0` form carries its own.
const PHONE: &str = concat!(
    r"(?:\+44 ?(?:\(0\) ?)?|\(0|",
    boundary!(),
    r"0)[0-9]{2,4}\)?(?:[ -]?[0-9]{2,4}){1,3}"
);
const POSTCODE: &str = r"(?:[A-PR-UWYZ](?:[0-9][A-HJKPSTUW0-9]?|[A-HK-Y][0-9][ABEHMNPRVWXY0-9]?) ?[0-9][ABD-HJLNP-UW-Z]{2}|GIR ?0AA)";
const EMAIL: &str =
    r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}";
const DATE: &str = r"(?:(?:19|20)[0-9]{2}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:[0-9]{4}|[0-9]{2})|[0-9]{1,2}(?:st|nd|rd|th)? +(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?,? +[0-9]{4})";
const DOB_CUE: &str = r"(?:d\.?o\.?b\.?|date +of +birth|born(?: +on)?)";

/// Masking only ([`Identifiers::find_for_masking`]): a UK phone number as real mail and device
/// exports write it that the shared pattern, written for `+44 ` and `0`, does not read: the
/// country as `00 44` (`0044 7700 900123`), as `44` with no `+` (`447700912345`, `44 (0)7700
/// 912345`), or as `+44` or `(+44)` with a dash or dot after it (`+44-7700-912345`); or the
/// national form with dots or no-break spaces between its groups (`07700.912.345`). The digits
/// after the country (and any `(0)`) go in groups of two or more (a list of single digits is not
/// a number), and [`loose_phone_end`] then checks them as a UK number of the right length.
const LOOSE_PHONE: &str = concat!(
    r"(?:",
    boundary!(),
    r"(?:00[ \t.\-]?)?44|\(\+44\)|\+44)[ \t.\-\x{a0}]?(?:\(0\)[ \t.\-\x{a0}]?)?",
    r"[1-9][0-9]{1,4}(?:[ \t.\-\x{a0}]?[0-9]{2,6}){1,4}",
    r"|",
    boundary!(),
    r"0[1-9][0-9]{1,3}(?:[ \t.\-\x{a0}][0-9]{2,6}){1,3}",
);
/// Masking only: a postcode in lower case, or with no space or several between its halves
/// (`ls61ab`, `LS6  1AB`, a no-break space).
const LOOSE_POSTCODE: &str = concat!(
    r"(?i)",
    boundary!(),
    r"(?:[A-PR-UWYZ](?:[0-9][A-HJKPSTUW0-9]?|[A-HK-Y][0-9][ABEHMNPRVWXY0-9]?)[ \t\x{a0}]{0,3}[0-9][ABD-HJLNP-UW-Z]{2}|GIR[ \t\x{a0}]{0,3}0AA)",
    boundary!()
);

const VEHICLE_CUE: &str = concat!(
    r"(?i)",
    boundary!(),
    r"(?:vehicle|vrm|reg|registration|reg\.? no|car|van|lorry|motorbike|motorcycle|plate|plates|index|dvla|anpr)",
    boundary!()
);

/// The number-like kinds found by the shared scan, in the order candidates are tried.
const SCANNED: [(IdKind, &str); 8] = [
    (IdKind::PncId, PNC),
    (IdKind::NiNumber, NI),
    (IdKind::BankCard, CARD),
    (IdKind::NhsNumber, NHS),
    (IdKind::Phone, PHONE),
    (IdKind::VehicleRegistration, VEHICLE_CURRENT),
    (IdKind::VehicleRegistration, VEHICLE_PREFIX),
    (IdKind::Postcode, POSTCODE),
];

/// How far before and after a ten-digit number written with dashes the word "NHS" must be for it
/// to count as an NHS number (see [`mentions_nhs`]).
const NHS_CUE_BEFORE: usize = 80;
const NHS_CUE_AFTER: usize = 12;

/// How far before a prefix-style registration a vehicle word must be.
const VEHICLE_CUE_WINDOW: usize = 80;

/// Finds validated UK identifiers. Build once and share: construction compiles every pattern.
#[derive(Debug, Clone)]
pub struct Identifiers {
    scan: regex_automata::meta::Regex,
    anchored: Vec<(IdKind, bool, Regex)>,
    email: regex_automata::meta::Regex,
    dob: Regex,
    vehicle_cue: Regex,
    loose_phone: Regex,
    loose_postcode: Regex,
}

impl Identifiers {
    /// Compiles the patterns.
    pub fn new() -> Result<Self> {
        let alternatives: Vec<String> = SCANNED
            .iter()
            .map(|(kind, pattern)| match kind {
                IdKind::Phone => format!("{pattern}{B}"),
                _ => format!("{B}{pattern}{B}"),
            })
            .collect();
        let scan = compile_bounded("identifier scan", &alternatives.join("|"))?;
        let mut anchored = Vec::new();
        for (kind, pattern) in SCANNED {
            let is_prefix_vehicle = pattern == VEHICLE_PREFIX;
            let regex = compile_identifier(kind.name(), &format!("^(?:{pattern}){B}"))?;
            anchored.push((kind, is_prefix_vehicle, regex));
        }
        Ok(Self {
            scan,
            anchored,
            email: compile_bounded("email address", &format!("{B}{EMAIL}{B}"))?,
            dob: compile_identifier(
                "date of birth",
                &format!(r"(?i){B}{DOB_CUE}\s{{0,3}}[:\-]?\s{{0,3}}({DATE}){B}"),
            )?,
            vehicle_cue: compile_identifier("vehicle cue", VEHICLE_CUE)?,
            loose_phone: compile_identifier("loosely written phone number", LOOSE_PHONE)?,
            loose_postcode: compile_identifier("loosely written postcode", LOOSE_POSTCODE)?,
        })
    }

    /// What [`Identifiers::find`] finds, and the forms that masking hides too though the
    /// disclosure policy does not count them (its findings are read on real mail, where a loose
    /// form would be found in text that holds none): phone numbers written with `00 44`, `44`
    /// without the `+`, `+44-`, or dots or no-break spaces between groups, and postcodes in
    /// lower case or with no space or several between their halves. In order of position,
    /// without overlaps.
    pub fn find_for_masking(&self, text: &str) -> Vec<IdMatch> {
        let mut found = self.find(text);
        let mut loose = Vec::new();
        for m in self.loose_phone.find_iter(text) {
            if follows_a_decimal_point(text.as_bytes(), m.start()) {
                continue;
            }
            if let Some(end) = loose_phone_end(&text[m.start()..], m.len()) {
                loose.push(IdMatch {
                    kind: IdKind::Phone,
                    start: m.start(),
                    end: m.start() + end,
                });
            }
        }
        for m in self.loose_postcode.find_iter(text) {
            loose.push(IdMatch {
                kind: IdKind::Postcode,
                start: m.start(),
                end: m.end(),
            });
        }
        loose.retain(|hit| {
            !found
                .iter()
                .any(|known| hit.start < known.end && known.start < hit.end)
        });
        found.append(&mut loose);
        remove_overlaps(&mut found, 0);
        found
    }

    /// Every identifier in `text`, in order of position, without overlaps.
    pub fn find(&self, text: &str) -> Vec<IdMatch> {
        let mut found = Vec::new();
        self.find_into(text, &mut found);
        found
    }

    /// Like [`Identifiers::find`], appending to `found` (which is then sorted by position).
    pub fn find_into(&self, text: &str, found: &mut Vec<IdMatch>) {
        let first = found.len();
        self.scan_numbers(text, found);
        self.scan_dates_of_birth(text, found);
        self.scan_emails(text, found);
        remove_overlaps(found, first);
    }

    /// Email addresses, looked for only around each `@` (an address has at most 64 bytes before
    /// it and, here, 256 after).
    fn scan_emails(&self, text: &str, found: &mut Vec<IdMatch>) {
        let mut resume = 0;
        for at_sign in memchr::memchr_iter(b'@', text.as_bytes()) {
            if at_sign < resume {
                continue;
            }
            let window_start = text::floor_boundary(text, at_sign.saturating_sub(65)).max(resume);
            let window_end = text::ceil_boundary(text, at_sign + 257);
            let input = regex_automata::Input::new(text).span(window_start..window_end);
            let Some(m) = self.email.find(input) else {
                continue;
            };
            if m.start() > at_sign {
                continue;
            }
            resume = m.end();
            found.push(IdMatch {
                kind: IdKind::EmailAddress,
                start: m.start(),
                end: m.end(),
            });
        }
    }

    /// Every number-like identifier has a digit, and starts and ends a few bytes from a run of
    /// digits (`SW1A 1AA`, `AB12 CDE`, `+44 (0)20…`). So the text is walked byte by byte for digit
    /// clusters (digits joined by single separators), and the shared pattern runs only in a
    /// window around each: most of a message is never seen by the regex engine.
    fn scan_numbers(&self, text: &str, found: &mut Vec<IdMatch>) {
        let bytes = text.as_bytes();
        let next_digit = |from: usize| text::skip_to_rare_byte_between(bytes, from, b'0', b'9');
        let mut resume = 0;
        // The end of the cluster before this one: no digit lies between it and this one.
        let mut previous_end = 0;
        let mut i = next_digit(0);
        while i < bytes.len() {
            let cluster_end = digit_cluster_end(bytes, i);
            let next = next_digit(cluster_end);
            let window_start =
                text::floor_boundary(text, i.saturating_sub(WINDOW_MARGIN)).max(resume);
            let window_end = text::ceil_boundary(text, cluster_end + WINDOW_MARGIN);
            // The look reads a window's digits and at most two bytes before and three after
            // each: where the cluster holds all the window's digits, it and a few bytes around it
            // are all the look needs to read.
            let looked_at = if previous_end <= window_start && next >= window_end {
                let from = i.saturating_sub(2).max(window_start);
                &bytes[from..(cluster_end + 3).min(window_end)]
            } else {
                &bytes[window_start..window_end]
            };
            previous_end = cluster_end;
            if !may_hold_number_identifier(looked_at) {
                i = if next >= resume {
                    next
                } else {
                    next_digit(resume)
                };
                continue;
            }
            let mut at = window_start;
            while at < window_end {
                let input = regex_automata::Input::new(text).span(at..window_end);
                let Some(candidate) = self.scan.find(input) else {
                    break;
                };
                let start = candidate.start();
                match self.identify(text, start) {
                    Some(hit) => {
                        at = hit.end.max(start + 1);
                        resume = hit.end;
                        found.push(hit);
                    }
                    None => at = text::ceil_boundary(text, start + 1),
                }
            }
            i = if next >= resume {
                next
            } else {
                next_digit(resume)
            };
        }
    }

    /// The first kind whose pattern matches at `start` and whose check passes.
    fn identify(&self, text: &str, start: usize) -> Option<IdMatch> {
        let rest = &text[start..];
        for (kind, is_prefix_vehicle, regex) in &self.anchored {
            let Some(m) = regex.find(rest) else {
                continue;
            };
            let candidate = &rest[..m.end()];
            let end = match kind {
                IdKind::Phone => phone_end(candidate),
                IdKind::VehicleRegistration if *is_prefix_vehicle => {
                    let cue_from =
                        text::floor_boundary(text, start.saturating_sub(VEHICLE_CUE_WINDOW));
                    let has_cue = self.vehicle_cue.is_match(&text[cue_from..start]);
                    (has_cue && valid_prefix_vehicle(candidate)).then_some(candidate.len())
                }
                IdKind::NhsNumber => (is_valid(*kind, candidate)
                    && (!candidate.contains('-')
                        || mentions_nhs(text, start, start + candidate.len())))
                .then_some(candidate.len()),
                _ => is_valid(*kind, candidate).then_some(candidate.len()),
            };
            if let Some(end) = end {
                return Some(IdMatch {
                    kind: *kind,
                    start,
                    end: start + end,
                });
            }
        }
        None
    }

    fn scan_dates_of_birth(&self, text: &str, found: &mut Vec<IdMatch>) {
        if !may_hold_dob_cue(text.as_bytes()) {
            // Most texts: the pattern costs far more to run than the check.
            return;
        }
        for captures in self.dob.captures_iter(text) {
            let Some(date) = captures.get(1) else {
                continue;
            };
            if plausible_date(date.as_str()) {
                found.push(IdMatch {
                    kind: IdKind::DateOfBirth,
                    start: date.start(),
                    end: date.end(),
                });
            }
        }
    }
}

/// Whether the word "NHS" (any case) is written within [`NHS_CUE_BEFORE`] bytes before
/// `start..end` of `text` in the same paragraph (no blank line between), or within
/// [`NHS_CUE_AFTER`] bytes after it on the same line and in the same sentence ("(NHS)").
///
/// An NHS number is written in 3-3-4 groups, usually with spaces; a North American phone number is
/// written in the same groups with dashes (`617-864-0455`), and one in eleven of those passes the
/// modulus 11 check. In real mail written by others every ten-digit number with dashes that passed
/// the check was such a phone number, in a signature or after "call" or "phone". So a number
/// with dashes counts only beside the word.
fn mentions_nhs(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let mut from = start.saturating_sub(NHS_CUE_BEFORE);
    if let Some(blank) = memchr::memmem::rfind(&bytes[from..start], b"\n\n")
        .or_else(|| memchr::memmem::rfind(&bytes[from..start], b"\n\r\n"))
    {
        from += blank + 2;
    }
    let after = &bytes[end..end.saturating_add(NHS_CUE_AFTER).min(bytes.len())];
    let to = end + memchr::memchr2(b'\n', b'.', after).unwrap_or(after.len());
    let word = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    let window = &bytes[from..to];
    window.windows(3).enumerate().any(|(at, three)| {
        three.eq_ignore_ascii_case(b"nhs")
            && !word(at.checked_sub(1).and_then(|i| window.get(i)))
            && !word(window.get(at + 3))
    })
}

/// Whether `bytes` may hold a [`DOB_CUE`]: every cue has a `b` (in any case) that ends `dob`
/// (with a `.` after the `d` or the `o`, or both, or neither) or starts `born` or `birth`. A
/// byte outside ASCII after the `b` is taken as a possible `birth` too: the pattern folds case
/// by Unicode's rules, and no letter outside ASCII is let past unchecked. Most texts have no
/// such `b`, and are not searched for a cue.
fn may_hold_dob_cue(bytes: &[u8]) -> bool {
    memchr::memchr2_iter(b'b', b'B', bytes).any(|at| {
        let before = &bytes[..at];
        let after = &bytes[at + 1..];
        // Every cue has an `o` or `.` just before the `b`, or an `o`, `i` or byte outside ASCII
        // just after it; most `b`s have none, and are passed over at the cost of this look.
        let previous = before.last().map_or(0, u8::to_ascii_lowercase);
        let next = after.first().map_or(0, u8::to_ascii_lowercase);
        if !matches!(previous, b'o' | b'.') && !matches!(next, b'o' | b'i' | 0x80..=0xFF) {
            return false;
        }
        let ends = |tail: &[u8]| {
            before.len() >= tail.len()
                && before[before.len() - tail.len()..].eq_ignore_ascii_case(tail)
        };
        let starts = |head: &[u8]| {
            after
                .get(..head.len())
                .is_some_and(|next| next.eq_ignore_ascii_case(head))
        };
        ends(b"do")
            || ends(b"d.o")
            || ends(b"do.")
            || ends(b"d.o.")
            || starts(b"orn")
            || starts(b"irth")
            || after.first().is_some_and(|next| !next.is_ascii())
    })
}

/// Compiles an identifier pattern, with [`BOUNDARY_BYTE`] as its line terminator (see [`B`]).
fn compile_identifier(name: &'static str, pattern: &str) -> Result<Regex> {
    regex::RegexBuilder::new(pattern)
        .line_terminator(BOUNDARY_BYTE)
        .build()
        .map_err(|source| Error::Pattern { name, source })
}

/// Compiles an identifier pattern for searches bounded to a window of a text, with
/// [`BOUNDARY_BYTE`] as its line terminator (see [`B`]).
fn compile_bounded(name: &'static str, pattern: &str) -> Result<regex_automata::meta::Regex> {
    regex_automata::meta::Builder::new()
        .configure(regex_automata::meta::Config::new().line_terminator(BOUNDARY_BYTE))
        .syntax(regex_automata::util::syntax::Config::new().line_terminator(BOUNDARY_BYTE))
        .build(pattern)
        .map_err(|e| Error::Invalid {
            what: format!("built-in pattern {name}"),
            reason: e.to_string(),
        })
}

/// Bytes either side of a digit cluster searched for an identifier around it (a postcode's
/// `SW1A 1AA` ends five bytes after its first digit; a registration's ` CDE` four after its last).
const WINDOW_MARGIN: usize = 8;

/// Whether `window` may hold a match of the shared pattern, judged by its runs of digits (digits
/// each joined to the next by one or two of space, `-`, `(` and `)`, as every identifier's digits
/// are). A match needs one of:
/// - a group of digits followed by two capitals, with or without a space between (a vehicle
///   registration's last three letters, a postcode's inward `1AA`, `GIR 0AA`), or by one capital
///   where the group follows a `/` (a PNC ID's check letter);
/// - a run of ten digits or more (NHS and card numbers);
/// - a run of six digits or more after a letter, with or without a space between (an NI number);
/// - a group starting `0` or `4` (`\b0`, `(0`, `+44`) with at least five digits from it to the end
///   of its run (a phone number).
///
/// Most digits in mail (times, dates, prices, version numbers) have none of these, and the
/// pattern, which costs far more than this look, is not run around them.
fn may_hold_number_identifier(window: &[u8]) -> bool {
    let byte = |at: usize| window.get(at).copied().unwrap_or(0);
    let mut at = 0;
    while at < window.len() {
        if !window[at].is_ascii_digit() {
            at += 1;
            continue;
        }
        let run_start = at;
        let mut digits = 0;
        // Digits in the run before its first group that starts `0` or `4`.
        let mut before_lead = None;
        loop {
            let group_start = at;
            if before_lead.is_none() && matches!(window[at], b'0' | b'4') {
                before_lead = Some(digits);
            }
            while at < window.len() && window[at].is_ascii_digit() {
                at += 1;
            }
            digits += at - group_start;
            let (next, after) = (byte(at), byte(at + 1));
            if next.is_ascii_uppercase()
                && (after.is_ascii_uppercase()
                    || group_start > 0 && window[group_start - 1] == b'/')
            {
                return true;
            }
            if next == b' ' && after.is_ascii_uppercase() && byte(at + 2).is_ascii_uppercase() {
                return true;
            }
            let mut joined = at;
            while joined < window.len()
                && joined - at < 2
                && matches!(window[joined], b' ' | b'-' | b'(' | b')')
            {
                joined += 1;
            }
            if joined == at || !byte(joined).is_ascii_digit() {
                break;
            }
            at = joined;
        }
        if digits >= 10 || before_lead.is_some_and(|before| digits - before >= 5) {
            return true;
        }
        let letter_before = |back: usize| {
            run_start
                .checked_sub(back)
                .is_some_and(|i| window[i].is_ascii_alphabetic())
        };
        if digits >= 6
            && (letter_before(1)
                || run_start >= 2 && window[run_start - 1] == b' ' && letter_before(2))
        {
            return true;
        }
    }
    false
}

/// The end of the run of digits starting at `start`, continuing across up to two separators
/// (space, `-`, `/`, `(`, `)`) between digits.
fn digit_cluster_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    loop {
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        let mut next = end;
        while next < bytes.len()
            && next - end < 2
            && matches!(bytes[next], b' ' | b'-' | b'/' | b'(' | b')')
        {
            next += 1;
        }
        if next > end && next < bytes.len() && bytes[next].is_ascii_digit() {
            end = next;
            continue;
        }
        return end;
    }
}

/// Sorts `found[first..]` by position and drops any match that overlaps an earlier one (the longer
/// wins where two start together).
fn remove_overlaps(found: &mut Vec<IdMatch>, first: usize) {
    let mut tail: Vec<IdMatch> = found.drain(first..).collect();
    tail.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut last_end = 0;
    for hit in tail {
        if hit.start < last_end {
            continue;
        }
        last_end = hit.end;
        found.push(hit);
    }
}

/// Checks a candidate of a kind whose shape alone is not enough.
pub fn is_valid(kind: IdKind, candidate: &str) -> bool {
    match kind {
        IdKind::NiNumber => valid_ni(candidate),
        IdKind::NhsNumber => valid_nhs(candidate),
        IdKind::PncId => valid_pnc(candidate),
        IdKind::VehicleRegistration => valid_current_vehicle(candidate),
        IdKind::BankCard => valid_card(candidate),
        IdKind::Phone => phone_end(candidate) == Some(candidate.len()),
        IdKind::DateOfBirth => plausible_date(candidate),
        IdKind::Postcode | IdKind::EmailAddress => true,
    }
}

fn digits(text: &str) -> Vec<u8> {
    text.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

/// National Insurance number: first letter not D, F, I, Q, U or V; second not D, F, I, O, Q, U or V;
/// never the prefixes BG, GB, KN, NK, NT, TN or ZZ; suffix A to D.
pub fn valid_ni(candidate: &str) -> bool {
    let compact: Vec<u8> = candidate
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if compact.len() != 9 {
        return false;
    }
    let (first, second) = (compact[0], compact[1]);
    if b"DFIQUV".contains(&first) || b"DFIOQUV".contains(&second) {
        return false;
    }
    let prefix = [first, second];
    let banned: [&[u8; 2]; 7] = [b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"];
    if banned.iter().any(|b| **b == prefix) {
        return false;
    }
    matches!(compact[8], b'A'..=b'D') && compact[2..8].iter().all(u8::is_ascii_digit)
}

/// NHS number: ten digits, the last a modulus 11 check digit (weights 10 down to 2); a check value
/// of 10 means no valid number; separators, if any, the same in both places; not all one digit.
pub fn valid_nhs(candidate: &str) -> bool {
    let separators: Vec<u8> = candidate.bytes().filter(|b| !b.is_ascii_digit()).collect();
    if separators.len() == 2 && separators[0] != separators[1] || separators.len() == 1 {
        return false;
    }
    let number = digits(candidate);
    if number.len() != 10 || number.iter().all(|d| *d == number[0]) {
        return false;
    }
    let sum: u32 = number[..9]
        .iter()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * (10 - i as u32))
        .sum();
    let check = match 11 - (sum % 11) {
        11 => 0,
        10 => return false,
        other => other,
    };
    check == u32::from(number[9])
}

/// The PNC check letter for a two-digit year and a serial number: `(yy × 10⁷ + serial) mod 23`
/// indexed into `ZABCDEFGHJKLMNPQRTUVWXY` (the alphabet without I, O and S, with Z for 0).
pub fn pnc_check_letter(year: u32, serial: u32) -> char {
    const LETTERS: &[u8; 23] = b"ZABCDEFGHJKLMNPQRTUVWXY";
    let value = u64::from(year % 100) * 10_000_000 + u64::from(serial % 10_000_000);
    char::from(LETTERS[(value % 23) as usize])
}

/// PNC ID: `YY/NNNNNNNX` or `YYYY/NNNNNNNX` (leading zeros of the serial may be left out), the check
/// letter as [`pnc_check_letter`] gives it for the last two digits of the year.
pub fn valid_pnc(candidate: &str) -> bool {
    let Some((year, rest)) = candidate.split_once('/') else {
        return false;
    };
    let Some(letter) = rest.chars().last() else {
        return false;
    };
    let serial = &rest[..rest.len() - letter.len_utf8()];
    let (Ok(year), Ok(serial)) = (year.parse::<u32>(), serial.parse::<u32>()) else {
        return false;
    };
    if serial == 0 || serial >= 10_000_000 {
        return false;
    }
    pnc_check_letter(year, serial) == letter
}

/// Current-style registration (`AB12 CDE`): no I, Q or Z in the area letters, no I or Q in the last
/// three, and an age identifier that has been issued (`02`–`29`, `51`–`79`, allowing for the next
/// few years).
pub fn valid_current_vehicle(candidate: &str) -> bool {
    let compact: Vec<u8> = candidate.bytes().filter(|b| *b != b' ').collect();
    if compact.len() != 7 {
        return false;
    }
    if compact[..2].iter().any(|b| b"IQZ".contains(b))
        || compact[4..].iter().any(|b| b"IQ".contains(b))
    {
        return false;
    }
    let age = u32::from(compact[2] - b'0') * 10 + u32::from(compact[3] - b'0');
    (2..=29).contains(&age) || (51..=79).contains(&age)
}

/// Prefix-style registration (`A123 BCD`, 1983–2001): a year letter other than I, O, Q, U or Z, a
/// number 1–999 without a leading zero, and no I, Q or Z leading the last three letters.
pub fn valid_prefix_vehicle(candidate: &str) -> bool {
    let compact: Vec<u8> = candidate.bytes().filter(|b| *b != b' ').collect();
    let Some(first) = compact.first() else {
        return false;
    };
    if b"IOQUZ".contains(first) || compact.get(1) == Some(&b'0') {
        return false;
    }
    let letters = &compact[compact.len().saturating_sub(3)..];
    !b"IQZ".contains(&letters[0])
}

/// Bank card number: an issuer prefix with a length that issuer uses (Visa, Mastercard, American
/// Express, Diners, Discover, JCB, UnionPay, Maestro), passing Luhn, not one repeated digit; where
/// written with separators, one kind of separator between groups of 3 to 6 digits.
pub fn valid_card(candidate: &str) -> bool {
    let number = digits(candidate);
    if !(13..=19).contains(&number.len()) || !issuer_length_fits(&number) {
        return false;
    }
    if number.iter().all(|d| *d == number[0]) {
        return false;
    }
    let mut separator = None;
    for group in candidate.split([' ', '-']) {
        if candidate.len() != number.len() && !(3..=6).contains(&group.len()) {
            return false;
        }
    }
    for b in candidate.bytes().filter(|b| !b.is_ascii_digit()) {
        if separator.is_some_and(|s| s != b) {
            return false;
        }
        separator = Some(b);
    }
    luhn(&number)
}

/// Whether the leading digits name a card issuer that uses this many digits.
fn issuer_length_fits(number: &[u8]) -> bool {
    let prefix = |n: usize| -> u32 {
        number[..n.min(number.len())]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(*d))
    };
    let length = number.len();
    match number[0] {
        4 => matches!(length, 13 | 16 | 19),
        2 => (2221..=2720).contains(&prefix(4)) && length == 16,
        5 => match prefix(2) {
            51..=55 => length == 16,
            50 | 56..=59 => length >= 13,
            _ => false,
        },
        3 => match prefix(2) {
            34 | 37 => length == 15,
            36 | 38 | 30 => length == 14 && (prefix(2) != 30 || prefix(3) <= 305),
            35 => (3528..=3589).contains(&prefix(4)) && length >= 16,
            _ => false,
        },
        6 => length >= 13,
        _ => false,
    }
}

/// The Luhn check over digits (most significant first).
pub fn luhn(number: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, digit) in number.iter().rev().enumerate() {
        let mut value = u32::from(*digit);
        if i % 2 == 1 {
            value *= 2;
            if value > 9 {
                value -= 9;
            }
        }
        sum += value;
    }
    sum.is_multiple_of(10)
}

/// The longest prefix of a phone candidate (ending on a digit group) that is a valid UK number,
/// as a byte length. The candidate may have run on into a following number.
fn phone_end(candidate: &str) -> Option<usize> {
    let bytes = candidate.as_bytes();
    let mut ends: Vec<usize> = (1..=bytes.len())
        .filter(|&i| {
            bytes[i - 1].is_ascii_digit() && (i == bytes.len() || !bytes[i].is_ascii_digit())
        })
        .collect();
    ends.reverse();
    ends.into_iter().find(|&end| valid_phone(&candidate[..end]))
}

/// The longest valid phone number that `rest` starts with (its first `len` bytes matched
/// [`LOOSE_PHONE`]), as a byte length: the country (`00 44`, `44` or `+44`, and any `(0)`) or the
/// national `0`, then a national number of the right length, not run on into more of a number
/// (a digit, or a decimal point and a digit: `447700912345.50` is not a phone number).
fn loose_phone_end(rest: &str, len: usize) -> Option<usize> {
    let bytes = rest.as_bytes();
    let candidate = rest.get(..len)?;
    let national_form = candidate.starts_with('0') && !candidate.starts_with("00");
    let country = if candidate.starts_with("00") { 4 } else { 2 };
    (1..=len).rev().find(|&end| {
        let ends_a_number = bytes[end - 1].is_ascii_digit() && !continues_a_number(&bytes[end..]);
        ends_a_number && {
            let written = &candidate[..end];
            let all = digits(written);
            // The national `0`; or the country, then the `(0)` some write, then the number.
            let skip = if national_form {
                1
            } else if written.contains("(0)") {
                country + 1
            } else {
                country
            };
            all.get(skip..).is_some_and(valid_national)
        }
    })
}

/// Whether `after` (the bytes after a number) carries the number on: a digit, or a dot (a decimal
/// point, or the next group of a dotted number) and a digit.
fn continues_a_number(after: &[u8]) -> bool {
    match after {
        [digit, ..] if digit.is_ascii_digit() => true,
        [b'.', digit, ..] => digit.is_ascii_digit(),
        _ => false,
    }
}

/// Whether the number at `start` of `text` is the decimals of another (`0.447700912345`).
fn follows_a_decimal_point(text: &[u8], start: usize) -> bool {
    start >= 2 && matches!(text[start - 1], b'.' | b',') && text[start - 2].is_ascii_digit()
}

/// UK phone number: `0` or `+44` then a national number of the right length for its range (mobiles
/// `7x` ten digits, geographic `1`/`2` nine or ten, `3` ten, `8` nine or ten).
pub fn valid_phone(candidate: &str) -> bool {
    let all = digits(candidate);
    let national: &[u8] = if candidate.starts_with("+44") {
        let after = &all[2..];
        if candidate.contains("(0)") {
            after.get(1..).unwrap_or(&[])
        } else {
            after
        }
    } else {
        all.get(1..).unwrap_or(&[])
    };
    valid_national(national)
}

/// Whether `national` (digits) is a UK national number of the right length for its range.
fn valid_national(national: &[u8]) -> bool {
    let Some(first) = national.first() else {
        return false;
    };
    match (first, national.len()) {
        (7, 10) => national[1] != 0,
        (1 | 2, 9 | 10) | (8, 9 | 10) => true,
        (3, 10) => true,
        _ => false,
    }
}

/// A day and month that exist (no calendar check beyond 1–31 and 1–12), day first or ISO
/// year-month-day.
fn plausible_date(date: &str) -> bool {
    let mut numbers: Vec<u32> = date
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect();
    if numbers.len() == 3 && numbers[0] >= 1000 {
        numbers.reverse();
    }
    let Some(day) = numbers.first() else {
        return false;
    };
    if !(1..=31).contains(day) {
        return false;
    }
    match numbers.len() {
        3 => (1..=12).contains(&numbers[1]),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The scan without digit windows: the shared pattern over the whole text.
    fn scan_unwindowed(ids: &Identifiers, text: &str) -> Vec<IdMatch> {
        let mut found = Vec::new();
        let mut at = 0;
        while at < text.len() {
            let input = regex_automata::Input::new(text).span(at..text.len());
            let Some(candidate) = ids.scan.find(input) else {
                break;
            };
            match ids.identify(text, candidate.start()) {
                Some(hit) => {
                    at = hit.end.max(candidate.start() + 1);
                    found.push(hit);
                }
                None => at = text::ceil_boundary(text, candidate.start() + 1),
            }
        }
        found
    }

    const TOKENS: [&str; 24] = [
        "AB123456C",
        "ab 12 34 56 c",
        "943 476 5919",
        "01/23456K",
        "2001/0023456K",
        "AB12 CDE",
        "car",
        "P123 ABC",
        "4111 1111 1111 1111",
        "07700 900123",
        "+44 (0)20 7946 0018",
        "SW1A 1AA",
        "M1 1AE",
        "2024",
        "12:30",
        "(",
        ")",
        "-",
        "/",
        "é",
        "x9",
        "A1",
        "0",
        "Z",
    ];

    proptest! {
        #[test]
        fn windowed_scan_equals_whole_text_scan(
            picks in proptest::collection::vec((0..TOKENS.len(), 0..5usize), 0..24)
        ) {
            let ids = Identifiers::new().unwrap();
            let mut text = String::new();
            for (token, separator) in picks {
                text.push_str(TOKENS[token]);
                text.push_str([" ", "", "\n", ", ", "_"][separator]);
            }
            let mut windowed = Vec::new();
            ids.scan_numbers(&text, &mut windowed);
            prop_assert_eq!(windowed, scan_unwindowed(&ids, &text), "{:?}", text);
        }
    }

    /// Text that often holds identifiers, near misses and other numbers: runs of digits,
    /// capitals, lower case, separators, `@`, `.`, and letters outside ASCII.
    fn number_like_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                "[0-9]{1,6}",
                "[0-9]{10,16}",
                "0[0-9]{2,4}",
                "[A-Z]{1,3}",
                "[A-Za-z]{1,4}",
                "[ \\-/()+@.,:_\n]{1,2}",
                "[é\u{212A}ſ]",
                proptest::sample::select(TOKENS.to_vec()).prop_map(str::to_owned),
            ],
            0..16,
        )
        .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        /// The windowed scan finds what the shared pattern finds over the whole text, on
        /// arbitrary text (this covers the cheap look that rules windows out).
        #[test]
        fn windowed_scan_equals_whole_text_scan_on_any_text(text in number_like_text()) {
            let ids = Identifiers::new().unwrap();
            let mut windowed = Vec::new();
            ids.scan_numbers(&text, &mut windowed);
            prop_assert_eq!(windowed, scan_unwindowed(&ids, &text), "{:?}", text);
        }

        /// Every match of the shared pattern, in any window around it, passes the cheap look.
        #[test]
        fn the_cheap_look_passes_every_window_around_a_match(
            text in number_like_text(),
            before in 0..12usize,
            after in 0..12usize,
        ) {
            let ids = Identifiers::new().unwrap();
            let mut at = 0;
            while at < text.len() {
                let input = regex_automata::Input::new(&text).span(at..text.len());
                let Some(m) = ids.scan.find(input) else {
                    break;
                };
                let from = text::floor_boundary(&text, m.start().saturating_sub(before));
                let to = text::ceil_boundary(&text, m.end() + after);
                prop_assert!(
                    may_hold_number_identifier(&text.as_bytes()[from..to]),
                    "{:?} in {:?}",
                    &text[m.start()..m.end()],
                    &text[from..to]
                );
                at = text::ceil_boundary(&text, m.start() + 1);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Wherever the date-of-birth pattern finds a cue, the cheap check says a cue may be
        /// there: skipping the texts it rules out changes nothing.
        #[test]
        fn every_date_of_birth_cue_starts_with_a_word_looked_for(
            pieces in proptest::collection::vec(
                "(d|D|\\.|o|O|b|B|date|DATE|Date|of|birth|born|BORN|on|dob|D\\.O\\.B|\
                  [ :\\-]|12/03/1980|1-2-79|3rd March 1975|K|ſ|ı|é|[a-z]{1,4})",
                0..12,
            )
        ) {
            let ids = Identifiers::new().unwrap();
            let text = pieces.concat();
            let cue = compile_identifier("cue", &format!("(?i){B}{DOB_CUE}")).unwrap();
            if cue.is_match(&text) {
                prop_assert!(may_hold_dob_cue(text.as_bytes()), "{:?}", text);
            }
            let mut searched = Vec::new();
            for captures in ids.dob.captures_iter(&text) {
                let date = captures.get(1).unwrap();
                if plausible_date(date.as_str()) {
                    searched.push((date.start(), date.end()));
                }
            }
            let mut found = Vec::new();
            ids.scan_dates_of_birth(&text, &mut found);
            let found: Vec<(usize, usize)> = found.iter().map(|m| (m.start, m.end)).collect();
            prop_assert_eq!(found, searched);
        }
    }

    fn kinds(text: &str) -> Vec<(IdKind, String)> {
        let ids = Identifiers::new().unwrap();
        ids.find(text)
            .into_iter()
            .map(|m| (m.kind, text[m.start..m.end].to_owned()))
            .collect()
    }

    fn only(kind: IdKind, text: &str) -> Vec<String> {
        kinds(text)
            .into_iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn ni_numbers_with_spacing_variants() {
        assert_eq!(only(IdKind::NiNumber, "NI: AB123456C."), ["AB123456C"]);
        assert_eq!(
            only(IdKind::NiNumber, "ni ab 12 34 56 c ok"),
            ["ab 12 34 56 c"]
        );
        assert_eq!(only(IdKind::NiNumber, "JT 123456 A"), ["JT 123456 A"]);
    }

    /// An underscore is not a letter or digit: an identifier joined to its neighbours by one
    /// (a file name, a form field, a tag) is found, of every kind; one inside a longer run of
    /// letters and digits is not.
    #[test]
    fn identifiers_beside_underscores_are_found_and_inside_longer_tokens_are_not() {
        // A date of birth needs its cue before it, and a registration of the older style a
        // vehicle word: the cue is joined by an underscore to what comes before it too.
        let cases = [
            (IdKind::NiNumber, "", "AB123456C"),
            (IdKind::NiNumber, "", "AB 12 34 56 C"),
            (IdKind::NhsNumber, "", "9434765919"),
            (IdKind::PncId, "", "01/23456K"),
            (IdKind::VehicleRegistration, "", "AB12CDE"),
            (IdKind::VehicleRegistration, "car ", "P123ABC"),
            (IdKind::BankCard, "", "4111111111111111"),
            (IdKind::Phone, "", "07700900123"),
            (IdKind::Postcode, "", "SW1A1AA"),
            (IdKind::DateOfBirth, "DOB: ", "12/03/1980"),
        ];
        for (kind, cue, id) in cases {
            for (before, after) in [("file_", "_v2"), ("NI:", "_"), ("_", ""), ("__", "__")] {
                let text = format!("{before}{cue}{id}{after}");
                assert_eq!(only(kind, &text), [id], "{text}");
            }
            for (before, after) in [
                ("X", "X"),
                ("x", ""),
                ("", "9_"),
                ("_", "a"),
                ("file_9", "_v2"),
            ] {
                let text = format!("{cue}{before}{id}{after}");
                assert!(only(kind, &text).is_empty(), "{text}: {:?}", kinds(&text));
            }
        }
        assert_eq!(
            only(IdKind::VehicleRegistration, "vehicle_reg_P123ABC"),
            ["P123ABC"]
        );
        // An email address's local part may hold an underscore; after its domain, one ends it.
        assert_eq!(
            only(IdKind::EmailAddress, "mail_to:bob@example.org_v2"),
            ["bob@example.org"]
        );
        // Masking's loosely written phone numbers and postcodes too.
        let ids = Identifiers::new().unwrap();
        let text = "tel_447700912345_home pc_ls61ab_x";
        let masked: Vec<&str> = ids
            .find_for_masking(text)
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect();
        assert_eq!(masked, ["447700912345", "ls61ab"]);
    }

    #[test]
    fn ni_near_misses() {
        for text in [
            "GB123456A",
            "DA123456A",
            "AO123456A",
            "AB123456E",
            "AB12345C",
            "XAB123456C",
        ] {
            assert!(only(IdKind::NiNumber, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn nhs_numbers_checksum() {
        // 943 476 5919: weights 10..2 give 299, 299 mod 11 = 2, check 9.
        assert_eq!(
            only(IdKind::NhsNumber, "NHS no 943 476 5919"),
            ["943 476 5919"]
        );
        assert_eq!(only(IdKind::NhsNumber, "9434765919"), ["9434765919"]);
        assert!(only(IdKind::NhsNumber, "943 476 5918").is_empty());
        assert!(only(IdKind::NhsNumber, "943-476 5919").is_empty());
        assert!(only(IdKind::NhsNumber, "1111111111").is_empty());
        // A Unix time that passes modulus 11 is not an NHS number.
        assert!(only(IdKind::NhsNumber, "1585429139").is_empty());
    }

    /// Ten digits in 3-3-4 groups with dashes are a North American phone number unless the word
    /// NHS is beside them (the numbers below pass the check: they were in real mail as phones).
    #[test]
    fn nhs_numbers_with_dashes_need_the_word_nhs_beside_them() {
        for phone in [
            "For more on our solutions, call 949-833-2800, or visit the web site.",
            "Kieran Taylor 617-864-0455 kieran@example.com",
            "Phone: 617-969-6853 Fax: 508-448-8375",
            "our hotline: Fax: +1 412-268-6989",
            "The NHSX team: 617-864-0455",
        ] {
            assert!(only(IdKind::NhsNumber, phone).is_empty(), "{phone}");
        }
        // The word counts before the number in its paragraph, and after it in its sentence.
        for (text, nhs) in [
            (
                "For a quote, call our office on 949-833-2800.\n\nThe patient, NHS no 943 476 5919",
                "943 476 5919",
            ),
            (
                "NHS number 943 476 5919\r\n\r\nKieran Taylor 617-864-0455",
                "943 476 5919",
            ),
            (
                "His NHS\nnumber is 617-864-0455, DOB to follow",
                "617-864-0455",
            ),
        ] {
            assert_eq!(only(IdKind::NhsNumber, text), [nhs], "{text}");
        }
        for nhs in [
            "NHS no: 943-476-5919",
            "nhs number 617-864-0455 and DOB to follow",
            "Ref 943-476-5919 (NHS)",
            "details: jo.bloggs@nhs.net 943-476-5919",
        ] {
            assert_eq!(only(IdKind::NhsNumber, nhs).len(), 1, "{nhs}");
        }
        // With spaces or none, a number that passes the check counts without the word.
        assert_eq!(
            only(IdKind::NhsNumber, "Kieran Taylor 617 864 0455"),
            ["617 864 0455"]
        );
    }

    #[test]
    fn pnc_check_letter_matches_the_published_algorithm() {
        // 2001/23456: 0123456 → 1 × 10⁷ + 23456 = 10023456; mod 23 = 10 → the 11th letter, K.
        assert_eq!(10_023_456 % 23, 10);
        assert_eq!(pnc_check_letter(1, 23456), 'K');
        assert!(valid_pnc("01/23456K"));
        assert!(valid_pnc("2001/0023456K"));
        assert!(!valid_pnc("01/23456L"));
        assert_eq!(only(IdKind::PncId, "PNC ID 01/23456K held"), ["01/23456K"]);
        assert!(only(IdKind::PncId, "PNC ID 01/23456J held").is_empty());
    }

    #[test]
    fn pnc_letter_zero_is_z() {
        // 00/0000023: 23 mod 23 = 0 → Z.
        assert_eq!(pnc_check_letter(0, 23), 'Z');
        assert!(valid_pnc("00/23Z"));
    }

    #[test]
    fn vehicle_registrations() {
        assert_eq!(
            only(IdKind::VehicleRegistration, "seen in AB12 CDE today"),
            ["AB12 CDE"]
        );
        assert_eq!(
            only(IdKind::VehicleRegistration, "VRM LM68ABC"),
            ["LM68ABC"]
        );
        assert!(only(IdKind::VehicleRegistration, "AB99 CDE").is_empty());
        assert!(only(IdKind::VehicleRegistration, "QB12 CDE").is_empty());
        // Prefix style only near a vehicle word.
        assert_eq!(
            only(
                IdKind::VehicleRegistration,
                "the car, reg P123 ABC, was seen"
            ),
            ["P123 ABC"]
        );
        assert!(only(IdKind::VehicleRegistration, "see P123 ABC below").is_empty());
    }

    #[test]
    fn bank_cards_luhn() {
        assert_eq!(
            only(IdKind::BankCard, "card 4111 1111 1111 1111 exp"),
            ["4111 1111 1111 1111"]
        );
        assert_eq!(
            only(IdKind::BankCard, "5555-5555-5555-4444"),
            ["5555-5555-5555-4444"]
        );
        assert_eq!(
            only(IdKind::BankCard, "378282246310005"),
            ["378282246310005"]
        );
        assert!(only(IdKind::BankCard, "4111 1111 1111 1112").is_empty());
        assert!(only(IdKind::BankCard, "4111-1111 1111 1111").is_empty());
        assert!(only(IdKind::BankCard, "4444444444444444").is_empty());
        // A 14-digit time stamp that happens to pass Luhn; 2020 is no card issuer's prefix.
        assert!(luhn(&digits("20200502145354")));
        assert!(only(IdKind::BankCard, "20200502145354").is_empty());
        // Visa is never 15 digits.
        assert!(!valid_card("411111111111116"));
        assert_eq!(
            only(IdKind::BankCard, "2223 0000 4841 0010"),
            ["2223 0000 4841 0010"]
        );
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(
            only(IdKind::Phone, "call 07700 900123 now"),
            ["07700 900123"]
        );
        assert_eq!(only(IdKind::Phone, "+44 7700 900123"), ["+44 7700 900123"]);
        assert_eq!(
            only(IdKind::Phone, "+44 (0)20 7946 0018"),
            ["+44 (0)20 7946 0018"]
        );
        assert_eq!(only(IdKind::Phone, "tel 0161 496 0000"), ["0161 496 0000"]);
        assert_eq!(only(IdKind::Phone, "(01632) 960123"), ["(01632) 960123"]);
        // Runs on into a year: the valid prefix is kept.
        assert_eq!(only(IdKind::Phone, "07700 900123 2024"), ["07700 900123"]);
        assert!(only(IdKind::Phone, "07700 9001").is_empty());
        assert!(only(IdKind::Phone, "0700 900 1234").is_empty());
    }

    #[test]
    fn postcodes() {
        assert_eq!(only(IdKind::Postcode, "at SW1A 1AA."), ["SW1A 1AA"]);
        assert_eq!(
            only(IdKind::Postcode, "M1 1AE and B33 8TH"),
            ["M1 1AE", "B33 8TH"]
        );
        assert_eq!(only(IdKind::Postcode, "EC1A1BB"), ["EC1A1BB"]);
        assert!(only(IdKind::Postcode, "QA1 1AA").is_empty());
        assert!(only(IdKind::Postcode, "M1 1AC").is_empty());
    }

    /// The phones masking finds in `text`, as written.
    fn masked_phones(text: &str) -> Vec<String> {
        let ids = Identifiers::new().unwrap();
        ids.find_for_masking(text)
            .into_iter()
            .filter(|m| m.kind == IdKind::Phone)
            .map(|m| text[m.start..m.end].to_owned())
            .collect()
    }

    /// UK numbers as real mail and device exports write them are masked whole, where they stand
    /// in a sentence; the disclosure policy's [`Identifiers::find`] does not count the forms
    /// only masking reads. `447700912345` (a Cellebrite export's party, a signature) was shown.
    #[test]
    fn uk_phone_numbers_as_mail_writes_them_are_masked_whole() {
        let loose_only = [
            "447700912345",
            "44 7700 912345",
            "44 (0)7700 912345",
            "441632960123",
            "00447700 912345",
            "0044 7700 912 345",
            "0044-7700-912345",
            "+44-7700-912345",
            "+44.7700.912.345",
            "(+44) 7700 912345",
            "07700.912.345",
            "0161.496.0000",
            "0113.496000",
            "441132.496000",
            "07700\u{a0}912\u{a0}345",
        ];
        let both = [
            "+44 (0)7700 912345",
            "+44 (0) 7700 912345",
            "+447700912345",
            "07700-912-345",
            "07700 912 345",
            "(07700) 912345",
        ];
        for number in loose_only.iter().chain(&both) {
            for text in [
                number.to_string(),
                format!("call {number} now"),
                format!("tel: {number}."),
                format!("({number})"),
                format!("mob {number}, home"),
                format!("\"To\":\"{number} Karen\""),
            ] {
                let masked = masked_phones(&text);
                // The whole number, as one phone (a bracket before it may go with it).
                assert!(
                    masked.len() == 1 && masked[0].contains(number),
                    "{text}: {masked:?}"
                );
            }
        }
        for number in loose_only {
            assert!(
                only(IdKind::Phone, &format!("call {number} now")).is_empty(),
                "the policy counts {number}"
            );
        }
    }

    /// Numbers that are not phone numbers are not masked as phones: order numbers, amounts,
    /// dates, times, ISBNs, versions, addresses of machines, lists, twelve-digit references that
    /// are not `44` and a UK number of the right length, and a card number beginning `44` (masked
    /// as a card).
    #[test]
    fn ordinary_numbers_are_not_masked_as_phone_numbers() {
        for text in [
            "Order 1234567890 shipped",
            "Order no. 4412-3456",
            "Ref 123456789012",
            "Ref 449123456789",
            "Ref 445512345678",
            "Ref 447012345678",
            "Ref 440123456789",
            "Ref 4477009123456",
            "Card 4475 1234 5678 9013",
            "Total £4,477.00 or £447,700.91",
            "447700.91",
            "p = 0.447700912345",
            "447700912345.50",
            "on 06.05.2024 at 09.30.15",
            "2024.05.06, 06-05-2024, 06/05/2024, 2024-05-06 10:00:00",
            "09.30 - 10.30",
            "ISBN 978-0-306-40615-7, 0-306-40615-2, 9780306406157, 0306406152",
            "version 10.0.19045.4291, v1.02.0345",
            "host 010.120.130.140",
            "44 1 2 3 4 5 6 7 8 9",
            "01 02 03 04 05",
            "0044 7700 9001",
            "0033 1 23 45 67 89",
        ] {
            assert!(
                masked_phones(text).is_empty(),
                "{text}: {:?}",
                masked_phones(text)
            );
        }
    }

    proptest! {
        /// Any UK mobile or geographic number, in any of the forms mail writes, is masked whole.
        #[test]
        fn any_uk_number_in_any_written_form_is_masked_whole(
            national in "7[1-9][0-9]{8}|1[1-9][0-9]{8}|2[0-9]{9}",
            form in 0..10usize,
            context in 0..4usize,
        ) {
            let (a, b, c) = (&national[..4], &national[4..7], &national[7..]);
            let written = match form {
                0 => format!("44{national}"),
                1 => format!("44 {a} {b}{c}"),
                2 => format!("0044{a} {b}{c}"),
                3 => format!("0044-{a}-{b}{c}"),
                4 => format!("+44 (0){a} {b}{c}"),
                5 => format!("+44-{a}-{b}-{c}"),
                6 => format!("0{a}-{b}-{c}"),
                7 => format!("0{a}.{b}.{c}"),
                8 => format!("(+44) {a} {b}{c}"),
                _ => format!("0{a} {b} {c}"),
            };
            let text = match context {
                0 => written.clone(),
                1 => format!("ring {written} after 6"),
                2 => format!("{written}, or email"),
                _ => format!("\"From\":\"{written} Alan\""),
            };
            prop_assert_eq!(masked_phones(&text), [written], "{}", text);
        }

        /// A twelve-digit number is masked only where it is `44` and a UK number of the right
        /// length.
        #[test]
        fn twelve_digit_references_are_masked_only_as_44_and_a_uk_number(
            reference in "[0-9]{12}|44[0-9]{10}",
        ) {
            let digits: Vec<u8> = reference.bytes().map(|b| b - b'0').collect();
            let uk = reference.starts_with("44") && valid_national(&digits[2..]);
            let text = format!("Ref {reference} today");
            let masked = masked_phones(&text);
            if uk {
                prop_assert_eq!(masked, [reference]);
            } else {
                prop_assert!(masked.is_empty(), "{}: {:?}", text, masked);
            }
        }

        /// Dates, times and amounts are not phone numbers. (A decimal of ten digits or more
        /// may be one: `0113.496000` is a Leeds number written with a dot, `441132.496000`
        /// the same with the country's 44, and both are masked; the decimals here have nine
        /// digits at most.)
        #[test]
        fn dates_times_and_amounts_are_not_masked_as_phone_numbers(
            text in "[0-3][0-9][./-][01][0-9][./-](19|20)[0-9]{2}( [0-2][0-9][:.][0-5][0-9]([:.][0-5][0-9])?)?|£?[0-9]{1,3}(,[0-9]{3}){0,3}\\.[0-9]{2}|[0-9]{1,6}\\.[0-9]{1,3}",
        ) {
            prop_assert!(masked_phones(&text).is_empty(), "{}", text);
        }
    }

    /// Masking hides the loose forms of phone numbers and postcodes; the disclosure policy's
    /// [`Identifiers::find`] still does not count them.
    #[test]
    fn loose_phones_and_postcodes_are_found_for_masking_only() {
        let ids = Identifiers::new().unwrap();
        let shown = |text: &str| -> Vec<(IdKind, String)> {
            ids.find_for_masking(text)
                .into_iter()
                .map(|m| (m.kind, text[m.start..m.end].to_owned()))
                .collect()
        };
        for (text, kind, value) in [
            ("or 0044 7700 900123 or", IdKind::Phone, "0044 7700 900123"),
            ("call 00447700900123.", IdKind::Phone, "00447700900123"),
            (
                "tel 0044 (0)20 7946 0018",
                IdKind::Phone,
                "0044 (0)20 7946 0018",
            ),
            ("Postcode ls61ab and", IdKind::Postcode, "ls61ab"),
            ("at LS6  1AB.", IdKind::Postcode, "LS6  1AB"),
            ("at LS6\u{a0}1AB.", IdKind::Postcode, "LS6\u{a0}1AB"),
            ("at sw1a 1aa", IdKind::Postcode, "sw1a 1aa"),
        ] {
            assert_eq!(shown(text), [(kind, value.to_owned())], "{text}");
            assert!(only(kind, text).is_empty(), "the policy counts {text}");
        }
        // What the policy finds, masking finds the same.
        let text = "NI AB123456C, tel 07700 900123, at SW1A 1AA, or 0044 7700 900123";
        let strict = ids.find(text);
        let loose = ids.find_for_masking(text);
        assert!(strict.iter().all(|m| loose.contains(m)));
        assert_eq!(loose.len(), strict.len() + 1);
        // Too short or too long for a UK number after 00 44.
        assert!(shown("0044 7700 9001").is_empty());
        assert!(shown("0033 1 23 45 67 89").is_empty());
    }

    #[test]
    fn email_addresses() {
        assert_eq!(
            only(IdKind::EmailAddress, "to pat.smith+x@example.co.uk, ok"),
            ["pat.smith+x@example.co.uk"]
        );
        assert!(only(IdKind::EmailAddress, "no at sign here").is_empty());
        assert!(only(IdKind::EmailAddress, "user@localhost").is_empty());
    }

    #[test]
    fn dates_of_birth_need_a_cue() {
        assert_eq!(only(IdKind::DateOfBirth, "DOB: 12/03/1980"), ["12/03/1980"]);
        assert_eq!(only(IdKind::DateOfBirth, "d.o.b. 1-2-79"), ["1-2-79"]);
        assert_eq!(
            only(IdKind::DateOfBirth, "born on 3rd March 1975"),
            ["3rd March 1975"]
        );
        assert_eq!(
            only(IdKind::DateOfBirth, "Date of birth 05.11.2001"),
            ["05.11.2001"]
        );
        assert_eq!(only(IdKind::DateOfBirth, "DOB 1980-03-12"), ["1980-03-12"]);
        assert!(only(IdKind::DateOfBirth, "DOB 1980-13-12").is_empty());
        assert!(only(IdKind::DateOfBirth, "meeting on 12/03/1980").is_empty());
        assert!(only(IdKind::DateOfBirth, "DOB: 32/03/1980").is_empty());
        assert!(only(IdKind::DateOfBirth, "DOB: 12/13/1980").is_empty());
    }

    #[test]
    fn non_ascii_text_and_overlaps() {
        let found = kinds("Ünïcode — AB123456C — 943 476 5919 — ünï");
        let names: Vec<IdKind> = found.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, [IdKind::NiNumber, IdKind::NhsNumber]);
    }
}
