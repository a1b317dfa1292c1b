//! Sigma value modifiers: reading a field's modifier chain (`CommandLine|contains|all`) and
//! turning its values into ready-to-run [`Test`]s. One file per family of modifiers.

pub(crate) mod base64;
pub(crate) mod cidr;
pub(crate) mod expand;
pub(crate) mod regex;
pub(crate) mod utf16;
pub(crate) mod wildcard;
pub(crate) mod windash;

use std::collections::HashMap;

use crate::matcher::{Anchor, CompareOp, Test};
use wildcard::{Glob, Piece, SigmaString};

pub use self::regex::RegexLimits;

/// One modifier from a field's `|` chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Windash,
    Re,
    IgnoreCase,
    MultiLine,
    DotAll,
    Cidr,
    Exists,
    Expand,
    FieldRef,
    Compare(CompareOp),
    Cased,
}

impl Modifier {
    /// Reads one modifier name.
    pub fn parse(name: &str) -> Result<Modifier, String> {
        Ok(match name {
            "contains" => Modifier::Contains,
            "startswith" => Modifier::StartsWith,
            "endswith" => Modifier::EndsWith,
            "all" => Modifier::All,
            "base64" => Modifier::Base64,
            "base64offset" => Modifier::Base64Offset,
            "wide" | "utf16le" => Modifier::Utf16Le,
            "utf16be" => Modifier::Utf16Be,
            "utf16" => Modifier::Utf16,
            "windash" => Modifier::Windash,
            "re" => Modifier::Re,
            "i" | "ignorecase" => Modifier::IgnoreCase,
            "m" | "multiline" => Modifier::MultiLine,
            "s" | "dotall" => Modifier::DotAll,
            "cidr" => Modifier::Cidr,
            "exists" => Modifier::Exists,
            "expand" => Modifier::Expand,
            "fieldref" => Modifier::FieldRef,
            "lt" => Modifier::Compare(CompareOp::Lt),
            "lte" => Modifier::Compare(CompareOp::Lte),
            "gt" => Modifier::Compare(CompareOp::Gt),
            "gte" => Modifier::Compare(CompareOp::Gte),
            "cased" => Modifier::Cased,
            "minute" | "hour" | "day" | "week" | "month" | "year" => {
                return Err(format!("time-part modifier |{name} is not supported"));
            }
            "" => return Err("empty modifier (a doubled `|`)".to_owned()),
            other => return Err(format!("unknown modifier |{other}")),
        })
    }
}

/// A value as a rule writes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RuleValue {
    Str(String),
    /// An integer or decimal, kept as the rule wrote it.
    Number(String),
    Bool(bool),
    Null,
}

impl RuleValue {
    fn text(&self) -> Option<String> {
        match self {
            RuleValue::Str(s) | RuleValue::Number(s) => Some(s.clone()),
            RuleValue::Bool(b) => Some(b.to_string()),
            RuleValue::Null => None,
        }
    }
}

/// What the modifiers need from the loader.
#[derive(Debug, Clone, Default)]
pub(crate) struct BuildOptions<'a> {
    pub placeholders: Option<&'a HashMap<String, Vec<String>>>,
    pub regex: RegexLimits,
}

/// A field's values, made into tests: each value gives one or more alternatives (windash,
/// base64offset and expand give several), and the values are alternatives too unless `all`.
#[derive(Debug, Clone)]
pub(crate) struct BuiltValues {
    pub values: Vec<Vec<Test>>,
    pub all: bool,
}

/// The modifier chain in the order the rule wrote it.
#[derive(Debug, Clone, Default)]
struct Chain {
    transforms: Vec<Modifier>,
    anchor: Option<Anchor>,
    all: bool,
    cased: bool,
    kind: Option<Modifier>,
    flags: regex::Flags,
}

impl Chain {
    fn read(modifiers: &[Modifier]) -> Result<Chain, String> {
        let mut chain = Chain::default();
        for &modifier in modifiers {
            match modifier {
                Modifier::Contains => chain.set_anchor(Anchor::Contains)?,
                Modifier::StartsWith => chain.set_anchor(Anchor::Prefix)?,
                Modifier::EndsWith => chain.set_anchor(Anchor::Suffix)?,
                Modifier::All => chain.all = true,
                Modifier::Cased => chain.cased = true,
                Modifier::IgnoreCase => chain.flags.ignore_case = true,
                Modifier::MultiLine => chain.flags.multi_line = true,
                Modifier::DotAll => chain.flags.dot_all = true,
                Modifier::Base64
                | Modifier::Base64Offset
                | Modifier::Utf16Le
                | Modifier::Utf16Be
                | Modifier::Utf16
                | Modifier::Windash
                | Modifier::Expand => chain.transforms.push(modifier),
                Modifier::Re
                | Modifier::Cidr
                | Modifier::Exists
                | Modifier::FieldRef
                | Modifier::Compare(_) => {
                    if let Some(kind) = chain.kind {
                        return Err(format!(
                            "modifiers {kind:?} and {modifier:?} cannot be combined"
                        ));
                    }
                    chain.kind = Some(modifier);
                }
            }
        }
        chain.check()?;
        Ok(chain)
    }

    fn set_anchor(&mut self, anchor: Anchor) -> Result<(), String> {
        if self.anchor.is_some() {
            return Err("only one of contains, startswith and endswith may be used".to_owned());
        }
        self.anchor = Some(anchor);
        Ok(())
    }

    fn check(&self) -> Result<(), String> {
        let has_flags = self.flags != regex::Flags::default();
        if has_flags && self.kind != Some(Modifier::Re) {
            return Err("the flags i, m and s apply only to |re".to_owned());
        }
        match self.kind {
            Some(Modifier::Re | Modifier::Cidr | Modifier::Exists | Modifier::Compare(_)) => {
                if self.anchor.is_some()
                    || self.cased
                    || self.transforms.iter().any(|m| *m != Modifier::Expand)
                {
                    return Err(format!(
                        "|{} cannot be combined with string modifiers",
                        kind_name(self.kind)
                    ));
                }
                Ok(())
            }
            Some(Modifier::FieldRef) if !self.transforms.is_empty() => {
                Err("|fieldref cannot be combined with value transformations".to_owned())
            }
            _ => Ok(()),
        }
    }
}

fn kind_name(kind: Option<Modifier>) -> &'static str {
    match kind {
        Some(Modifier::Re) => "re",
        Some(Modifier::Cidr) => "cidr",
        Some(Modifier::Exists) => "exists",
        Some(Modifier::Compare(_)) => "lt/lte/gt/gte",
        Some(Modifier::FieldRef) => "fieldref",
        _ => "plain",
    }
}

/// Turns a field's values into tests, applying its modifiers in order.
pub(crate) fn build(
    modifiers: &[Modifier],
    values: &[RuleValue],
    options: &BuildOptions<'_>,
) -> Result<BuiltValues, String> {
    let chain = Chain::read(modifiers)?;
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        let tests = build_value(&chain, value, options)?;
        if tests.is_empty() {
            return Err("a value expanded to nothing".to_owned());
        }
        out.push(tests);
    }
    Ok(BuiltValues {
        values: out,
        all: chain.all,
    })
}

fn build_value(
    chain: &Chain,
    value: &RuleValue,
    options: &BuildOptions<'_>,
) -> Result<Vec<Test>, String> {
    match chain.kind {
        Some(Modifier::Exists) => {
            return match value {
                RuleValue::Bool(b) => Ok(vec![Test::Exists(*b)]),
                _ => Err("|exists takes true or false".to_owned()),
            };
        }
        Some(Modifier::Compare(op)) => {
            let number = value
                .text()
                .and_then(|t| crate::matcher::parse_number(&t))
                .ok_or_else(|| format!("|{} takes a number", kind_name(chain.kind)))?;
            return Ok(vec![Test::Compare(op, number)]);
        }
        _ => {}
    }
    if *value == RuleValue::Null {
        if chain.kind.is_some() || chain.anchor.is_some() || !chain.transforms.is_empty() {
            return Err("null cannot take modifiers".to_owned());
        }
        return Ok(vec![Test::Null]);
    }
    let Some(text) = value.text() else {
        return Err("value has no text".to_owned());
    };
    let texts = expand_placeholders(chain, &text, options)?;
    let mut tests = Vec::new();
    for text in texts {
        match chain.kind {
            Some(Modifier::Re) => tests.push(Test::Regex(regex::build(
                &text,
                chain.flags,
                &options.regex,
            )?)),
            Some(Modifier::Cidr) => tests.push(Test::Cidr(cidr::parse(&text)?)),
            Some(Modifier::FieldRef) => tests.push(Test::FieldRef {
                field: text,
                anchor: chain.anchor.unwrap_or(Anchor::Equals),
                cased: chain.cased,
            }),
            _ => tests.extend(string_tests(chain, &text)?),
        }
    }
    Ok(tests)
}

fn expand_placeholders(
    chain: &Chain,
    text: &str,
    options: &BuildOptions<'_>,
) -> Result<Vec<String>, String> {
    if !chain.transforms.contains(&Modifier::Expand) {
        return Ok(vec![text.to_owned()]);
    }
    let empty = HashMap::new();
    expand::expand(text, options.placeholders.unwrap_or(&empty))
}

/// A value on its way through the transformations: text with wildcards, or bytes (after
/// `wide`). `cased` is set once Base64 makes case meaningful.
#[derive(Debug, Clone)]
enum Stage {
    Text(SigmaString, bool),
    Bytes(Vec<u8>),
}

fn plain(string: &SigmaString, modifier: &str) -> Result<String, String> {
    string
        .as_plain()
        .ok_or_else(|| format!("|{modifier} cannot apply to a value with wildcards"))
}

fn string_tests(chain: &Chain, text: &str) -> Result<Vec<Test>, String> {
    let mut stages = vec![Stage::Text(SigmaString::parse(text), false)];
    for transform in &chain.transforms {
        let mut next = Vec::with_capacity(stages.len());
        for stage in stages {
            next.extend(transform_stage(*transform, stage)?);
        }
        stages = next;
    }
    let mut tests = Vec::with_capacity(stages.len());
    for stage in stages {
        let (string, encoded) = match stage {
            Stage::Text(string, encoded) => (string, encoded),
            Stage::Bytes(bytes) => (SigmaString::literal(&bytes_text(&bytes)), true),
        };
        let anchored = match chain.anchor {
            Some(Anchor::Contains) => string.star_first().star_last(),
            Some(Anchor::Prefix) => string.star_last(),
            Some(Anchor::Suffix) => string.star_first(),
            Some(Anchor::Equals) | None => string,
        };
        tests.push(to_test(anchored, chain.cased || encoded));
    }
    Ok(tests)
}

fn transform_stage(modifier: Modifier, stage: Stage) -> Result<Vec<Stage>, String> {
    Ok(match (modifier, stage) {
        (Modifier::Utf16Le | Modifier::Utf16Be | Modifier::Utf16, Stage::Text(s, _)) => {
            let text = plain(&s, "wide")?;
            let bytes = match modifier {
                Modifier::Utf16Le => utf16::le(&text),
                Modifier::Utf16Be => utf16::be(&text),
                _ => utf16::with_bom(&text),
            };
            vec![Stage::Bytes(bytes)]
        }
        (Modifier::Base64, stage) => {
            let bytes = stage_bytes(stage, "base64")?;
            vec![Stage::Text(
                SigmaString::literal(&base64::encode(&bytes)),
                true,
            )]
        }
        (Modifier::Base64Offset, stage) => {
            let bytes = stage_bytes(stage, "base64offset")?;
            base64::offsets(&bytes)
                .into_iter()
                .map(|t| Stage::Text(SigmaString::literal(&t), true))
                .collect()
        }
        (Modifier::Windash, Stage::Text(s, cased)) => windash_variants(&s)
            .into_iter()
            .map(|v| Stage::Text(v, cased))
            .collect(),
        (Modifier::Expand, stage) => vec![stage],
        (other, Stage::Bytes(_)) => {
            return Err(format!("{other:?} cannot follow a UTF-16 modifier"));
        }
        (_, stage) => vec![stage],
    })
}

fn stage_bytes(stage: Stage, modifier: &str) -> Result<Vec<u8>, String> {
    match stage {
        Stage::Text(s, _) => Ok(plain(&s, modifier)?.into_bytes()),
        Stage::Bytes(bytes) => Ok(bytes),
    }
}

/// Bytes as text: UTF-8 where they are, otherwise one character per byte.
fn bytes_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// The windash variants of a string, applied to its literal text as a whole so that a dash
/// is recognised across the parts between wildcards.
fn windash_variants(string: &SigmaString) -> Vec<SigmaString> {
    let count = string
        .pieces
        .iter()
        .map(|p| match p {
            Piece::Lit(text) => windash::variants(text).len(),
            _ => 1,
        })
        .max()
        .unwrap_or(1);
    if count <= 1 {
        return vec![string.clone()];
    }
    (0..windash::DASHES.len())
        .map(|n| {
            string.map_literals(|text| {
                let variants = windash::variants(text);
                variants.get(n).cloned().unwrap_or_else(|| text.to_owned())
            })
        })
        .collect()
}

/// The test for a (possibly wildcarded) string: a literal with an anchor where the wildcards
/// are only at the ends, otherwise a glob.
fn to_test(string: SigmaString, cased: bool) -> Test {
    let mut pieces = string.pieces.clone();
    let leading = pieces.first() == Some(&Piece::Star);
    if leading {
        pieces.remove(0);
    }
    let trailing = pieces.last() == Some(&Piece::Star);
    if trailing {
        pieces.pop();
    }
    let middle = SigmaString { pieces };
    let Some(text) = middle.as_plain() else {
        return Test::Glob {
            glob: Glob::new(&string, !cased),
            cased,
        };
    };
    if text.is_empty() && (leading || trailing) {
        // `*`: any value at all.
        return Test::Text {
            text,
            anchor: Anchor::Contains,
            cased,
        };
    }
    let anchor = match (leading, trailing) {
        (false, false) => Anchor::Equals,
        (true, true) => Anchor::Contains,
        (false, true) => Anchor::Prefix,
        (true, false) => Anchor::Suffix,
    };
    let text = if cased { text } else { text.to_lowercase() };
    Test::Text {
        text,
        anchor,
        cased,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(modifiers: &[&str], values: &[&str]) -> Vec<String> {
        let modifiers: Vec<Modifier> = modifiers
            .iter()
            .map(|m| Modifier::parse(m).unwrap())
            .collect();
        let values: Vec<RuleValue> = values.iter().map(|v| RuleValue::Str((*v).into())).collect();
        build(&modifiers, &values, &BuildOptions::default())
            .unwrap()
            .values
            .iter()
            .flatten()
            .map(Test::key)
            .collect()
    }

    #[test]
    fn anchors_and_wildcards() {
        assert_eq!(keys(&["contains"], &["Foo"]), vec![r#"contains "foo""#]);
        assert_eq!(keys(&[], &["*.EXE"]), vec![r#"endswith ".exe""#]);
        assert_eq!(keys(&[], &["a*b"]), vec![r#"glob "a*b""#]);
        assert_eq!(
            keys(&["startswith", "cased"], &["Ab"]),
            vec![r#"startswith "Ab" cased"#]
        );
        assert_eq!(keys(&[], &["*"]), vec![r#"contains """#]);
    }

    #[test]
    fn transformations_chain_in_order() {
        assert_eq!(
            keys(&["base64", "contains"], &["http"]),
            vec![r#"contains "aHR0cA==" cased"#]
        );
        assert_eq!(
            keys(&["wide", "base64offset", "contains"], &["ab"]).len(),
            3
        );
        assert_eq!(keys(&["windash", "contains"], &[" -x"]).len(), 5);
    }

    #[test]
    fn bad_chains_are_refused() {
        let parse = |m: &[&str]| {
            let modifiers: Vec<Modifier> = m.iter().map(|m| Modifier::parse(m).unwrap()).collect();
            build(
                &modifiers,
                &[RuleValue::Str("x".into())],
                &BuildOptions::default(),
            )
        };
        assert!(parse(&["re", "contains"]).is_err());
        assert!(parse(&["contains", "endswith"]).is_err());
        assert!(parse(&["i"]).is_err());
        assert!(parse(&["exists"]).is_err());
        assert!(Modifier::parse("bogus").is_err());
    }
}
