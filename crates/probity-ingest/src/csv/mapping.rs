//! The mapping file: how the columns of a CSV export become event fields.
//!
//! ```yaml
//! version: 1
//! name: records-audit
//! delimiter: ","            # optional, default ","; "\t" or "tab" for tab-separated
//! has_headers: true         # optional, default true; false needs `columns:` naming them
//! timestamp: { column: "Access Time", format: "%d/%m/%Y %H:%M:%S", timezone: "Europe/London" }
//! fields:
//!   user.name: "User ID"                      # a column
//!   record.system: { value: "PNC" }           # a constant
//!   record.action: { column: "Transaction", map: { QV: view }, default: view }
//!   record.subject.type: { column: "Subject Type", lowercase: true }
//! event: { kind: event, category: [iam], dataset: "records.pnc", action_from: record.action }
//! ```

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::format::{Item, StrftimeItems};
use serde::Deserialize;
use serde_yaml_ng::Value;

use super::fields::is_known_target;
use super::timezone::Zone;
use crate::{Error, Result};

/// The mapping file versions this reader knows.
const KNOWN_VERSION: u64 = 1;
/// Largest mapping file read.
const MAX_MAPPING_BYTES: u64 = 1024 * 1024;

/// A validated mapping from CSV columns to event fields.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub(super) name: String,
    pub(super) origin: PathBuf,
    pub(super) delimiter: u8,
    pub(super) has_headers: bool,
    /// Column names for a file without a header row.
    pub(super) columns: Vec<String>,
    pub(super) time: TimeRule,
    pub(super) fields: Vec<FieldRule>,
    pub(super) event: EventDefaults,
}

/// Where an event's time comes from.
#[derive(Debug, Clone)]
pub(super) enum TimeRule {
    /// A named column; a row whose time does not parse is a dead letter.
    Column {
        column: String,
        format: Option<String>,
        zone: Zone,
    },
    /// The first column with a usual time name, if any; rows without a time get the receive time.
    Detect,
}

/// One target field and where its value comes from.
#[derive(Debug, Clone)]
pub(super) struct FieldRule {
    pub target: String,
    pub source: Source,
    pub map: BTreeMap<String, String>,
    pub default: Option<String>,
    pub case: Case,
}

#[derive(Debug, Clone)]
pub(super) enum Source {
    Column(String),
    Value(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Case {
    AsIs,
    Lower,
    Upper,
}

/// `event.*` values set on every event of the file (fields from columns override them).
#[derive(Debug, Clone, Default)]
pub(super) struct EventDefaults {
    pub kind: Option<String>,
    pub category: Vec<String>,
    pub kind_type: Vec<String>,
    pub action: Option<String>,
    /// A field whose value becomes `event.action` when no column sets it.
    pub action_from: Option<String>,
    pub outcome: Option<String>,
    pub provider: Option<String>,
    pub dataset: Option<String>,
}

impl Mapping {
    /// Reads and validates a mapping file.
    pub fn load(path: &Path) -> Result<Mapping> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut bytes = Vec::new();
        file.take(MAX_MAPPING_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        if bytes.len() as u64 > MAX_MAPPING_BYTES {
            return Err(mapping_error(
                path,
                format!("the file is larger than {MAX_MAPPING_BYTES} bytes"),
            ));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| mapping_error(path, "the file is not valid UTF-8"))?;
        Mapping::from_yaml(&text, path)
    }

    /// Reads and validates a mapping from YAML text; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &Path) -> Result<Mapping> {
        // Size and nesting first: the YAML reader's time grows with the square of the nesting.
        probity_model::policy_text::check_policy_text(text, MAX_MAPPING_BYTES as usize)
            .map_err(|reason| mapping_error(origin, reason))?;
        check_version(text).map_err(|reason| mapping_error(origin, reason))?;
        let file: MappingFile =
            serde_yaml_ng::from_str(text).map_err(|e| mapping_error(origin, e.to_string()))?;
        let checked = file
            .validate()
            .map_err(|reason| mapping_error(origin, reason))?;
        Ok(checked.finish(origin))
    }

    /// The mapping's name (`records-audit`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file the mapping was read from.
    pub fn origin(&self) -> &Path {
        &self.origin
    }

    /// The generic reading of a CSV file with a header row and no mapping: every column goes to
    /// `original`, and the time comes from a column with a usual time name if one parses.
    pub(super) fn generic(delimiter: u8) -> Mapping {
        Mapping {
            name: "csv".to_owned(),
            origin: PathBuf::from("(generic CSV reading)"),
            delimiter,
            has_headers: true,
            columns: Vec::new(),
            time: TimeRule::Detect,
            fields: Vec::new(),
            event: EventDefaults {
                dataset: Some("csv".to_owned()),
                ..EventDefaults::default()
            },
        }
    }

    /// Every column the mapping reads.
    pub(super) fn columns_used(&self) -> impl Iterator<Item = &str> {
        let time = match &self.time {
            TimeRule::Column { column, .. } => Some(column.as_str()),
            TimeRule::Detect => None,
        };
        let fields = self.fields.iter().filter_map(|rule| match &rule.source {
            Source::Column(column) => Some(column.as_str()),
            Source::Value(_) => None,
        });
        time.into_iter().chain(fields)
    }
}

fn mapping_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::Mapping {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Checks the version before anything else, so an unknown version is reported as such.
fn check_version(text: &str) -> Result<(), String> {
    let document: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    let Value::Mapping(top) = document else {
        return Err("a mapping file is a YAML mapping (version, name, timestamp, fields…)".into());
    };
    match top.get("version") {
        None => Err(format!(
            "version is missing (this reader knows version {KNOWN_VERSION})"
        )),
        Some(Value::Number(n)) if n.as_u64() == Some(KNOWN_VERSION) => Ok(()),
        Some(other) => Err(format!(
            "version {} is not supported (this reader knows version {KNOWN_VERSION})",
            yaml_text(other)
        )),
    }
}

fn yaml_text(value: &Value) -> String {
    serde_yaml_ng::to_string(value)
        .map(|text| text.trim().to_owned())
        .unwrap_or_else(|_| "?".to_owned())
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[allow(dead_code)]
    version: u64,
    name: String,
    #[serde(default)]
    delimiter: Option<String>,
    #[serde(default = "yes")]
    has_headers: bool,
    #[serde(default)]
    columns: Option<Vec<String>>,
    timestamp: TimestampFile,
    #[serde(default)]
    fields: serde_yaml_ng::Mapping,
    #[serde(default)]
    event: Option<EventFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimestampFile {
    column: String,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    timezone: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldFile {
    #[serde(default)]
    column: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    map: BTreeMap<String, String>,
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    lowercase: bool,
    #[serde(default)]
    uppercase: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventFile {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    category: Option<OneOrMany>,
    #[serde(default, rename = "type")]
    kind_type: Option<OneOrMany>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    action_from: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    dataset: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

/// A mapping file whose parts have been checked, before it is tied to its origin.
struct Checked {
    name: String,
    delimiter: u8,
    has_headers: bool,
    columns: Vec<String>,
    time: TimeRule,
    fields: Vec<FieldRule>,
    event: EventDefaults,
}

impl Checked {
    fn finish(self, origin: &Path) -> Mapping {
        Mapping {
            name: self.name,
            origin: origin.to_path_buf(),
            delimiter: self.delimiter,
            has_headers: self.has_headers,
            columns: self.columns,
            time: self.time,
            fields: self.fields,
            event: self.event,
        }
    }
}

impl MappingFile {
    fn validate(self) -> Result<Checked, String> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err("name is empty".into());
        }
        let delimiter = parse_delimiter(self.delimiter.as_deref())?;
        let columns = match (self.has_headers, self.columns) {
            (true, Some(_)) => {
                return Err(
                    "columns is only for files without a header row (has_headers: false)".into(),
                );
            }
            (true, None) => Vec::new(),
            (false, None) => {
                return Err("a file without a header row (has_headers: false) needs columns: naming them in order".into());
            }
            (false, Some(columns)) => columns,
        };
        let time = timestamp_rule(self.timestamp)?;
        let fields = self
            .fields
            .into_iter()
            .map(|(target, spec)| field_rule(target, spec))
            .collect::<Result<Vec<_>, String>>()?;
        let event = self
            .event
            .map(event_defaults)
            .transpose()?
            .unwrap_or_default();
        let checked = Checked {
            event: EventDefaults {
                dataset: event.dataset.clone().or_else(|| Some(name.clone())),
                ..event
            },
            name,
            delimiter,
            has_headers: self.has_headers,
            columns,
            time,
            fields,
        };
        checked.check_columns_named()?;
        Ok(checked)
    }
}

impl Checked {
    /// Without a header row, every column used must be one of `columns`.
    fn check_columns_named(&self) -> Result<(), String> {
        if self.has_headers {
            return Ok(());
        }
        let mut used: Vec<&str> = Vec::new();
        if let TimeRule::Column { column, .. } = &self.time {
            used.push(column);
        }
        for rule in &self.fields {
            if let Source::Column(column) = &rule.source {
                used.push(column);
            }
        }
        let missing: Vec<&str> = used
            .into_iter()
            .filter(|column| !self.columns.iter().any(|named| named == column))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(format!(
            "column(s) {} are not among columns: {:?}",
            quoted(&missing),
            self.columns
        ))
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("{name:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_delimiter(text: Option<&str>) -> Result<u8, String> {
    let Some(text) = text else {
        return Ok(b',');
    };
    if text.eq_ignore_ascii_case("tab") || text == "\\t" {
        return Ok(b'\t');
    }
    match text.as_bytes() {
        [byte] if byte.is_ascii() && !matches!(byte, b'"' | b'\n' | b'\r') => Ok(*byte),
        _ => Err(format!(
            "delimiter {text:?} must be a single ASCII character other than a quote or line end"
        )),
    }
}

fn timestamp_rule(file: TimestampFile) -> Result<TimeRule, String> {
    if file.column.trim().is_empty() {
        return Err("timestamp.column is empty".into());
    }
    if let Some(format) = &file.format {
        check_time_format(format)?;
    }
    let zone = match &file.timezone {
        Some(name) => {
            Zone::parse(name).map_err(|reason| format!("timestamp.timezone: {reason}"))?
        }
        None => Zone::Utc,
    };
    Ok(TimeRule::Column {
        column: file.column,
        format: file.format,
        zone,
    })
}

fn check_time_format(format: &str) -> Result<(), String> {
    if format.trim().is_empty() {
        return Err("timestamp.format is empty".into());
    }
    if StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        return Err(format!(
            "timestamp.format {format:?} is not a valid chrono format (such as \"%d/%m/%Y %H:%M:%S\")"
        ));
    }
    Ok(())
}

fn field_rule(target: Value, spec: Value) -> Result<FieldRule, String> {
    let Value::String(target) = target else {
        return Err(format!(
            "fields: the key {} is not a field name",
            yaml_text(&target)
        ));
    };
    if !is_known_target(&target) {
        let hint = if target == "@timestamp" {
            " (the event time comes from the timestamp: section)"
        } else {
            ""
        };
        return Err(format!("fields.{target}: unknown target field{hint}"));
    }
    let file = match spec {
        Value::String(column) => FieldFile {
            column: Some(column),
            value: None,
            map: BTreeMap::new(),
            default: None,
            lowercase: false,
            uppercase: false,
        },
        Value::Mapping(_) => serde_yaml_ng::from_value::<FieldFile>(spec)
            .map_err(|e| format!("fields.{target}: {e}"))?,
        other => {
            return Err(format!(
                "fields.{target}: expected a column name or {{ column: …}} / {{ value: … }}, got {}",
                yaml_text(&other)
            ));
        }
    };
    let source = match (file.column, file.value) {
        (Some(column), None) if !column.trim().is_empty() => Source::Column(column),
        (Some(_), None) => return Err(format!("fields.{target}: the column name is empty")),
        (None, Some(value)) => Source::Value(value),
        (Some(_), Some(_)) => {
            return Err(format!("fields.{target}: give column or value, not both"));
        }
        (None, None) => return Err(format!("fields.{target}: give a column or a value")),
    };
    let case = match (file.lowercase, file.uppercase) {
        (true, true) => {
            return Err(format!("fields.{target}: lowercase and uppercase together"));
        }
        (true, false) => Case::Lower,
        (false, true) => Case::Upper,
        (false, false) => Case::AsIs,
    };
    Ok(FieldRule {
        target,
        source,
        map: file.map,
        default: file.default,
        case,
    })
}

fn event_defaults(file: EventFile) -> Result<EventDefaults, String> {
    if let Some(from) = &file.action_from
        && !is_known_target(from)
    {
        return Err(format!("event.action_from: {from:?} is not a known field"));
    }
    Ok(EventDefaults {
        kind: file.kind,
        category: file.category.map(OneOrMany::into_vec).unwrap_or_default(),
        kind_type: file.kind_type.map(OneOrMany::into_vec).unwrap_or_default(),
        action: file.action,
        action_from: file.action_from,
        outcome: file.outcome,
        provider: file.provider,
        dataset: file.dataset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Mapping> {
        Mapping::from_yaml(text, Path::new("mappings/test.yaml"))
    }

    fn reason(text: &str) -> String {
        let error = load(text).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("mappings/test.yaml"), "{message}");
        message
    }

    const MINIMAL: &str = "version: 1\nname: t\ntimestamp: { column: When }\n";

    #[test]
    fn minimal_mapping_loads_with_defaults() {
        let mapping = load(MINIMAL).unwrap();
        assert_eq!(mapping.name(), "t");
        assert_eq!(mapping.delimiter, b',');
        assert!(mapping.has_headers);
        assert_eq!(mapping.event.dataset.as_deref(), Some("t"));
    }

    #[test]
    fn field_forms() {
        let mapping = load(
            "version: 1\nname: t\ndelimiter: tab\ntimestamp: { column: When }\nfields:\n  \
             user.name: User\n  record.system: { value: PNC }\n  \
             record.action: { column: Tx, map: { QV: view, 01: search, yes: print }, default: view }\n  \
             record.subject.type: { column: Type, lowercase: true }\n",
        )
        .unwrap();
        assert_eq!(mapping.delimiter, b'\t');
        let targets: Vec<&str> = mapping.fields.iter().map(|f| f.target.as_str()).collect();
        assert_eq!(
            targets,
            [
                "user.name",
                "record.system",
                "record.action",
                "record.subject.type"
            ]
        );
        let action = &mapping.fields[2];
        assert_eq!(action.map.get("01").map(String::as_str), Some("search"));
        assert_eq!(action.map.get("yes").map(String::as_str), Some("print"));
        assert_eq!(action.default.as_deref(), Some("view"));
        assert_eq!(mapping.fields[3].case, Case::Lower);
        assert_eq!(
            mapping.columns_used().collect::<Vec<_>>(),
            ["When", "User", "Tx", "Type"]
        );
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let cases = [
            (
                "name: t\ntimestamp: { column: When }\n",
                "version is missing",
            ),
            (
                "version: 2\nname: t\ntimestamp: { column: When }\n",
                "version 2 is not supported",
            ),
            ("version: 1\nname: t\n", "timestamp"),
            (
                "version: 1\nname: t\ntimestamp: { column: When }\nfields: { user.nmae: U }\n",
                "fields.user.nmae: unknown target",
            ),
            (
                "version: 1\nname: t\ntimestamp: { column: When }\nfields: { \"@timestamp\": U }\n",
                "timestamp: section",
            ),
            (
                "version: 1\nname: t\ntimestamp: { column: When, timezone: Mars/Olympus }\n",
                "not supported",
            ),
            (
                "version: 1\nname: t\ntimestamp: { column: When, format: \"%d/%Q\" }\n",
                "not a valid chrono format",
            ),
            (
                "version: 1\nname: t\ntimestamp: { column: When }\nfields: { user.name: { column: A, value: B } }\n",
                "not both",
            ),
            (
                "version: 1\nname: t\ntimestamp: { column: When }\nfields: { user.name: { colum: A } }\n",
                "unknown field `colum`",
            ),
            (
                "version: 1\nname: t\ndelimiter: ';;'\ntimestamp: { column: When }\n",
                "delimiter",
            ),
            (
                "version: 1\nname: t\nhas_headers: false\ntimestamp: { column: When }\n",
                "needs columns",
            ),
            (
                "version: 1\nname: t\nhas_headers: false\ncolumns: [A]\ntimestamp: { column: When }\n",
                "\"When\" are not among columns",
            ),
            (
                "version: 1\nname: t\ntimestamp: { column: When }\nevent: { action_from: record.nothing }\n",
                "action_from",
            ),
            (
                "version: 1\nname: t\ntimestamp: { column: When }\nextra: 1\n",
                "unknown field `extra`",
            ),
        ];
        for (text, expected) in cases {
            let message = reason(text);
            assert!(message.contains(expected), "{text:?}: {message}");
        }
    }

    #[test]
    fn load_reads_a_file_and_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.yaml");
        std::fs::write(&path, "version: 1\nname: x\n").unwrap();
        let message = Mapping::load(&path).unwrap_err().to_string();
        assert!(message.contains("bad.yaml"), "{message}");
        let missing = Mapping::load(&dir.path().join("none.yaml")).unwrap_err();
        assert!(missing.to_string().contains("none.yaml"));
    }

    /// A deeply nested mapping is refused before it is parsed (audit 2, defect 3).
    #[test]
    fn a_deeply_nested_mapping_is_refused_before_it_is_parsed() {
        let deep = format!(
            "version: 1\nfields: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let error = Mapping::from_yaml(&deep, Path::new("m.yaml"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("m.yaml"), "{error}");
        assert!(
            error.contains("nested more than 64 deep (line 2)"),
            "{error}"
        );
    }
}
