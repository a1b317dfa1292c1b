//! What one compiled value test checks, and checking it against a field's values.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::net::IpAddr;

use ipnet::IpNet;
use regex::Regex;

use crate::modifiers::wildcard::Glob;

/// Where a literal must sit in the field's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Anchor {
    /// The whole text.
    Equals,
    /// Anywhere.
    Contains,
    /// At the start.
    Prefix,
    /// At the end.
    Suffix,
}

impl Anchor {
    fn word(self) -> &'static str {
        match self {
            Anchor::Equals => "equals",
            Anchor::Contains => "contains",
            Anchor::Prefix => "startswith",
            Anchor::Suffix => "endswith",
        }
    }

    /// Whether a literal found at `start..end` of a text `len` bytes long sits where it must.
    pub fn holds(self, start: usize, end: usize, len: usize) -> bool {
        match self {
            Anchor::Equals => start == 0 && end == len,
            Anchor::Contains => true,
            Anchor::Prefix => start == 0,
            Anchor::Suffix => end == len,
        }
    }

    /// Whether `text` holds `literal` where this anchor says (both already in the same case).
    pub fn check(self, text: &str, literal: &str) -> bool {
        match self {
            Anchor::Equals => text == literal,
            Anchor::Contains => text.contains(literal),
            Anchor::Prefix => text.starts_with(literal),
            Anchor::Suffix => text.ends_with(literal),
        }
    }
}

/// A numeric comparison (`lt`, `lte`, `gt`, `gte`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

impl CompareOp {
    fn word(self) -> &'static str {
        match self {
            CompareOp::Lt => "lt",
            CompareOp::Lte => "lte",
            CompareOp::Gt => "gt",
            CompareOp::Gte => "gte",
        }
    }

    fn holds(self, value: f64, limit: f64) -> bool {
        let Some(order) = value.partial_cmp(&limit) else {
            return false;
        };
        match self {
            CompareOp::Lt => order == Ordering::Less,
            CompareOp::Lte => order != Ordering::Greater,
            CompareOp::Gt => order == Ordering::Greater,
            CompareOp::Gte => order != Ordering::Less,
        }
    }
}

/// One test on one field's value, ready to run. Case-insensitive literals are kept lower-case.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// A literal (no wildcards).
    Text {
        text: String,
        anchor: Anchor,
        cased: bool,
    },
    /// A wildcard pattern over the whole value.
    Glob { glob: Glob, cased: bool },
    /// A regular expression (`re`), searched anywhere in the value.
    Regex(Regex),
    /// An IP address within a network (`cidr`).
    Cidr(IpNet),
    /// A number compared with a limit (`lt`, `lte`, `gt`, `gte`).
    Compare(CompareOp, f64),
    /// The field is present (`exists: true`) or absent (`exists: false`).
    Exists(bool),
    /// The field is absent, null or empty (`null`).
    Null,
    /// The value equals (or contains…) another field's value (`fieldref`).
    FieldRef {
        field: String,
        anchor: Anchor,
        cased: bool,
    },
}

impl PartialEq for Test {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Test {
    /// A stable text form, used to render the compiled rule and to share equal tests.
    pub fn key(&self) -> String {
        let case = |cased: bool| if cased { " cased" } else { "" };
        match self {
            Test::Text {
                text,
                anchor,
                cased,
            } => format!("{} {:?}{}", anchor.word(), text, case(*cased)),
            Test::Glob { glob, cased } => format!("glob {:?}{}", glob.render(), case(*cased)),
            Test::Regex(regex) => format!("re {:?}", regex.as_str()),
            Test::Cidr(net) => format!("cidr {net}"),
            Test::Compare(op, limit) => format!("{} {limit}", op.word()),
            Test::Exists(present) => format!("exists {present}"),
            Test::Null => "null".to_owned(),
            Test::FieldRef {
                field,
                anchor,
                cased,
            } => {
                let mut out = String::new();
                let _ = write!(out, "fieldref {} {field}{}", anchor.word(), case(*cased));
                out
            }
        }
    }

    /// The literal an automaton can look for, with where it must sit, and whether finding it
    /// there settles the test (`exact`) or only makes it possible (the glob's longest part).
    pub fn literal(&self) -> Option<Literal<'_>> {
        match self {
            Test::Text {
                text,
                anchor,
                cased,
            } if !text.is_empty() && (*cased || folds_as_ascii(text)) => Some(Literal {
                text,
                anchor: *anchor,
                cased: *cased,
                exact: true,
            }),
            Test::Glob { glob, cased } => {
                let text = glob.longest_literal()?;
                if text.is_empty() || !(*cased || folds_as_ascii(text)) {
                    return None;
                }
                Some(Literal {
                    text,
                    anchor: Anchor::Contains,
                    cased: *cased,
                    exact: false,
                })
            }
            _ => None,
        }
    }

    /// Whether the test needs the field to be present to be true.
    pub fn needs_value(&self) -> bool {
        !matches!(self, Test::Exists(false) | Test::Null)
    }
}

/// Whether an ASCII-case-insensitive automaton finds `text` exactly where a full Unicode
/// case-insensitive search would: its letters are ASCII, or have no case at all (emoji, CJK).
fn folds_as_ascii(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_ascii()
            || (c.to_lowercase().eq(std::iter::once(c)) && c.to_uppercase().eq(std::iter::once(c)))
    })
}

/// A literal that a many-pattern automaton can find for a test.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Literal<'a> {
    pub text: &'a str,
    pub anchor: Anchor,
    pub cased: bool,
    pub exact: bool,
}

/// Short texts (numbers) are kept inline rather than on the heap.
const INLINE: usize = 32;

#[derive(Debug, Clone)]
enum Raw<'e> {
    Borrowed(&'e str),
    Inline([u8; INLINE], u8),
    Owned(String),
}

/// Writes formatted text into an inline buffer, failing when it does not fit.
struct InlineWriter {
    buf: [u8; INLINE],
    len: usize,
}

impl std::fmt::Write for InlineWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > INLINE {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// One value of a field as text, with its lower-case form made on demand.
#[derive(Debug, Clone)]
pub(crate) struct Text<'e> {
    raw: Raw<'e>,
    lower: std::cell::OnceCell<String>,
    pub is_null: bool,
}

impl<'e> Text<'e> {
    fn with(raw: Raw<'e>) -> Self {
        Text {
            raw,
            lower: std::cell::OnceCell::new(),
            is_null: false,
        }
    }

    /// A value borrowed from the event.
    pub fn borrowed(text: &'e str) -> Self {
        Self::with(Raw::Borrowed(text))
    }

    /// A value made for the occasion.
    pub fn owned(text: String) -> Self {
        Self::with(Raw::Owned(text))
    }

    /// A number (or anything else that displays briefly), kept inline when short.
    pub fn display(value: &dyn std::fmt::Display) -> Self {
        use std::fmt::Write as _;
        let mut writer = InlineWriter {
            buf: [0; INLINE],
            len: 0,
        };
        if write!(writer, "{value}").is_ok()
            && std::str::from_utf8(&writer.buf[..writer.len]).is_ok()
        {
            return Self::with(Raw::Inline(writer.buf, writer.len as u8));
        }
        Self::owned(value.to_string())
    }

    /// A JSON null.
    pub fn null() -> Self {
        Text {
            raw: Raw::Borrowed(""),
            lower: std::cell::OnceCell::new(),
            is_null: true,
        }
    }

    /// The text as the event has it.
    pub fn as_str(&self) -> &str {
        match &self.raw {
            Raw::Borrowed(s) => s,
            Raw::Owned(s) => s,
            Raw::Inline(buf, len) => std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or(""),
        }
    }

    /// The text in lower case (computed once).
    pub fn lower(&self) -> &str {
        self.lower.get_or_init(|| self.as_str().to_lowercase())
    }

    fn cased(&self, cased: bool) -> &str {
        if cased { self.as_str() } else { self.lower() }
    }
}

/// Runs a test on a field's values (`None` when the field is absent). `other` gives the values
/// of another field, for `fieldref`.
pub(crate) fn run<'e>(
    test: &Test,
    values: Option<&[Text<'e>]>,
    other: &dyn Fn(&str) -> Option<Vec<Text<'e>>>,
) -> bool {
    match test {
        Test::Exists(want) => values.is_some_and(|v| v.iter().any(|t| !t.is_null)) == *want,
        Test::Null => values.is_none_or(|v| v.iter().all(|t| t.is_null || t.as_str().is_empty())),
        Test::FieldRef {
            field,
            anchor,
            cased,
        } => {
            let (Some(values), Some(others)) = (values, other(field)) else {
                return false;
            };
            values.iter().any(|value| {
                others
                    .iter()
                    .any(|o| anchor.check(value.cased(*cased), o.cased(*cased)))
            })
        }
        _ => values.is_some_and(|v| v.iter().any(|text| run_one(test, text))),
    }
}

/// Runs a value test on one value.
pub(crate) fn run_one(test: &Test, value: &Text<'_>) -> bool {
    if value.is_null {
        return false;
    }
    match test {
        Test::Text {
            text,
            anchor,
            cased,
        } => anchor.check(value.cased(*cased), text),
        Test::Glob { glob, cased } => glob.matches(value.cased(*cased)),
        Test::Regex(regex) => regex.is_match(value.as_str()),
        Test::Cidr(net) => value
            .as_str()
            .trim()
            .parse::<IpAddr>()
            .is_ok_and(|ip| net.contains(&ip)),
        Test::Compare(op, limit) => {
            parse_number(value.as_str()).is_some_and(|n| op.holds(n, *limit))
        }
        Test::Exists(_) | Test::Null | Test::FieldRef { .. } => false,
    }
}

/// A number from text: decimal, or hexadecimal with `0x`.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|n| n as f64);
    }
    text.parse::<f64>().ok()
}
