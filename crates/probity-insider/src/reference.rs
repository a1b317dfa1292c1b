//! Reference data: what the force knows about its own people and work (docs/reference-data.md).
//!
//! Five kinds, each loaded from CSV (columns found by header name) or JSON (an array of objects
//! with the same names; lists may be arrays or `;`-separated text). A load is all or nothing:
//! one bad row refuses the whole file, with the row and the reason, so that a detection never
//! runs against half a staff directory.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use probity_ingest::csv::RowReader;
use probity_model::Timestamp;

/// Largest reference file accepted (bytes).
pub const MAX_FILE_BYTES: usize = 1 << 30;
/// Most rows accepted in one reference file.
pub const MAX_ROWS: usize = 20_000_000;
/// Longest row of a CSV file, in bytes.
pub const MAX_ROW_BYTES: usize = 1 << 20;
/// Most row errors listed when a load is refused.
const MAX_LISTED_ERRORS: usize = 20;

/// The kinds of reference data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Staff,
    Rosters,
    Tasking,
    Watchlist,
    Subjects,
}

impl Kind {
    /// Every kind, in the order they are best loaded.
    pub const ALL: [Kind; 5] = [
        Kind::Staff,
        Kind::Rosters,
        Kind::Tasking,
        Kind::Watchlist,
        Kind::Subjects,
    ];

    /// The kind's name, as in file names, the CLI and the API.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Staff => "staff",
            Kind::Rosters => "rosters",
            Kind::Tasking => "tasking",
            Kind::Watchlist => "watchlist",
            Kind::Subjects => "subjects",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown reference kind {s:?} (staff, rosters, tasking, watchlist or subjects)"
                )
            })
    }
}

/// Why a reference file was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the file is {size} bytes, over the {max}-byte limit for reference data")]
    TooLarge { size: usize, max: usize },
    #[error("the file has more than {0} rows")]
    TooManyRows(usize),
    #[error("not CSV with a header row or a JSON array of objects: {0}")]
    Shape(String),
    #[error("missing required column(s): {0}")]
    MissingColumns(String),
    #[error("{count} row(s) are invalid, so nothing was loaded: {listed}")]
    Rows { count: usize, listed: String },
}

/// A member of staff (staff.csv).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Staff {
    pub staff_id: String,
    pub accounts: Vec<String>,
    pub full_name: String,
    pub forenames: String,
    pub surname: String,
    pub date_of_birth: Option<NaiveDate>,
    pub home_address: String,
    pub postcode: String,
    pub vehicles: Vec<String>,
    pub relatives: Vec<Relative>,
    pub role: String,
    pub rank: String,
    pub department: String,
    pub team: String,
    pub station: String,
    pub area: String,
    pub line_manager: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub notice_date: Option<NaiveDate>,
    pub leaving_date: Option<NaiveDate>,
    pub personal_email: Option<String>,
    pub mobile: Option<String>,
}

/// A declared relative or association: `Forename Surname (relation)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relative {
    pub name: String,
    pub relation: String,
}

/// One duty (rosters.csv): a day's shift, rest day, leave or an overtime shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duty {
    pub staff_id: String,
    pub date: NaiveDate,
    pub duty: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

/// A person linked to a tasking record, with their role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedPerson {
    pub id: String,
    pub role: String,
}

/// An incident, crime, custody record, stop, case or operation (tasking.csv).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub reference: String,
    pub kind: String,
    #[serde(rename = "type")]
    pub task_type: String,
    pub title: Option<String>,
    pub opened: Timestamp,
    pub closed: Option<Timestamp>,
    pub area: String,
    pub team: Option<String>,
    pub assigned_staff: Vec<String>,
    pub persons: Vec<LinkedPerson>,
    /// Registrations as written (`YD13 DWE`).
    pub vehicles: Vec<String>,
    pub addresses: Vec<String>,
}

impl Task {
    /// The subject ids the record links: persons, `V-` + registration, addresses.
    pub fn subject_ids(&self) -> impl Iterator<Item = String> + '_ {
        self.persons
            .iter()
            .map(|p| p.id.clone())
            .chain(self.vehicles.iter().map(|v| vehicle_id(v)))
            .chain(self.addresses.iter().cloned())
    }

    /// Whether the record is of a domestic or sexual offence.
    pub fn is_domestic_or_sexual(&self) -> bool {
        let t = self.task_type.to_ascii_lowercase();
        t.contains("domestic") || t.contains("sexual")
    }
}

/// A restricted or high-profile record (watchlist.csv).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Watch {
    pub subject_id: String,
    pub kind: String,
    pub authorised_staff: Vec<String>,
    pub added: Option<NaiveDate>,
}

/// A person, vehicle or address the records systems hold (subjects.csv).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub subject_id: String,
    pub kind: String,
    pub name: String,
    pub forenames: Option<String>,
    pub surname: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub address_id: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub area: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub vrm: Option<String>,
    pub keeper_id: Option<String>,
}

/// The subject id of a vehicle: `V-` and the registration without spaces, in capitals.
pub fn vehicle_id(registration: &str) -> String {
    format!("V-{}", normalise_compact(registration))
}

/// A postcode or registration compared as the documentation says: spaces removed, capitals.
pub fn normalise_compact(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Rows of one kind, parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "rows", rename_all = "lowercase")]
pub enum Rows {
    Staff(Vec<Staff>),
    Rosters(Vec<Duty>),
    Tasking(Vec<Task>),
    Watchlist(Vec<Watch>),
    Subjects(Vec<Subject>),
}

impl Rows {
    /// How many rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::Staff(rows) => rows.len(),
            Rows::Rosters(rows) => rows.len(),
            Rows::Tasking(rows) => rows.len(),
            Rows::Watchlist(rows) => rows.len(),
            Rows::Subjects(rows) => rows.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Which kind they are.
    pub fn kind(&self) -> Kind {
        match self {
            Rows::Staff(_) => Kind::Staff,
            Rows::Rosters(_) => Kind::Rosters,
            Rows::Tasking(_) => Kind::Tasking,
            Rows::Watchlist(_) => Kind::Watchlist,
            Rows::Subjects(_) => Kind::Subjects,
        }
    }
}

/// Parses a reference file of `kind` (CSV, or JSON when it starts with `[`).
pub fn parse(kind: Kind, bytes: &[u8]) -> Result<Rows, LoadError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge {
            size: bytes.len(),
            max: MAX_FILE_BYTES,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let table = if first == Some(&b'[') {
        Table::from_json(bytes)?
    } else {
        Table::from_csv(bytes)?
    };
    table.require(required_columns(kind))?;
    match kind {
        Kind::Staff => table.convert(staff).map(Rows::Staff),
        Kind::Rosters => table.convert(duty).map(Rows::Rosters),
        Kind::Tasking => table.convert(task).map(Rows::Tasking),
        Kind::Watchlist => table.convert(watch).map(Rows::Watchlist),
        Kind::Subjects => table.convert(subject).map(Rows::Subjects),
    }
}

fn required_columns(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Staff => &["staff_id", "accounts", "surname", "role", "team", "area"],
        Kind::Rosters => &["staff_id", "date", "duty", "start", "end"],
        Kind::Tasking => &["reference", "kind", "opened", "assigned_staff", "persons"],
        Kind::Watchlist => &["subject_id", "kind", "authorised_staff"],
        Kind::Subjects => &["subject_id", "kind", "name"],
    }
}

/// A cell: text as written, or (from JSON) a list.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    List(Vec<String>),
}

/// Rows by column name, whatever the file format.
struct Table {
    columns: HashMap<String, usize>,
    rows: Vec<Vec<Option<Cell>>>,
    /// The line or array position of each row, for error messages.
    positions: Vec<String>,
}

impl Table {
    /// Rows by the header's column names. Each row is named by the line it starts on, as an
    /// editor numbers lines, whatever the line endings (spreadsheets write `\r\n`).
    fn from_csv(bytes: &[u8]) -> Result<Table, LoadError> {
        let mut reader = RowReader::new(bytes, b',', MAX_ROW_BYTES);
        let shape = |e: std::io::Error| LoadError::Shape(e.to_string());
        let header = reader
            .next_row()
            .map_err(shape)?
            .ok_or_else(|| LoadError::Shape("the file has no header row".to_owned()))?;
        let headers: Vec<&str> = (0..header.len())
            .map(|i| std::str::from_utf8(header.field(i)))
            .collect::<Result<_, _>>()
            .map_err(|_| LoadError::Shape("the header row is not UTF-8".to_owned()))?;
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_ascii_lowercase(), i))
            .collect();
        let mut rows = Vec::new();
        let mut positions = Vec::new();
        let mut errors = Vec::new();
        while let Some(row) = reader.next_row().map_err(shape)? {
            if rows.len() + errors.len() >= MAX_ROWS {
                return Err(LoadError::TooManyRows(MAX_ROWS));
            }
            let line = row.line;
            if row.too_long {
                errors.push(format!(
                    "line {line}: the row is longer than {MAX_ROW_BYTES} bytes"
                ));
                continue;
            }
            if row.len() != headers.len() {
                errors.push(format!(
                    "line {line}: {} fields where the header has {}",
                    row.len(),
                    headers.len()
                ));
                continue;
            }
            let cells: Result<Vec<Option<Cell>>, _> = (0..row.len())
                .map(|i| std::str::from_utf8(row.field(i)).map(|v| Some(Cell::Text(v.to_owned()))))
                .collect();
            match cells {
                Ok(cells) => {
                    positions.push(format!("line {line}"));
                    rows.push(cells);
                }
                Err(_) => errors.push(format!("line {line}: the row is not UTF-8")),
            }
        }
        if !errors.is_empty() {
            return Err(row_errors(errors));
        }
        Ok(Table {
            columns,
            rows,
            positions,
        })
    }

    fn from_json(bytes: &[u8]) -> Result<Table, LoadError> {
        let values: Vec<serde_json::Map<String, Value>> =
            serde_json::from_slice(bytes).map_err(|e| LoadError::Shape(e.to_string()))?;
        if values.len() > MAX_ROWS {
            return Err(LoadError::TooManyRows(MAX_ROWS));
        }
        let mut columns = HashMap::new();
        for object in &values {
            for key in object.keys() {
                let next = columns.len();
                columns.entry(key.to_ascii_lowercase()).or_insert(next);
            }
        }
        let mut rows = Vec::with_capacity(values.len());
        let mut positions = Vec::with_capacity(values.len());
        for (index, object) in values.into_iter().enumerate() {
            let mut row = vec![None; columns.len()];
            for (key, value) in object {
                if let Some(&column) = columns.get(&key.to_ascii_lowercase()) {
                    row[column] = json_cell(value);
                }
            }
            rows.push(row);
            positions.push(format!("item {}", index + 1));
        }
        Ok(Table {
            columns,
            rows,
            positions,
        })
    }

    fn require(&self, names: &[&str]) -> Result<(), LoadError> {
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|name| !self.columns.contains_key(*name))
            .collect();
        if missing.is_empty() || self.rows.is_empty() && self.columns.is_empty() {
            return Ok(());
        }
        Err(LoadError::MissingColumns(missing.join(", ")))
    }

    fn convert<T>(&self, make: fn(&RowView<'_>) -> Result<T, String>) -> Result<Vec<T>, LoadError> {
        let mut out = Vec::with_capacity(self.rows.len());
        let mut errors = Vec::new();
        for (row, position) in self.rows.iter().zip(&self.positions) {
            let view = RowView {
                columns: &self.columns,
                cells: row,
            };
            match make(&view) {
                Ok(value) => out.push(value),
                Err(reason) => errors.push(format!("{position}: {reason}")),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(row_errors(errors))
        }
    }
}

fn row_errors(errors: Vec<String>) -> LoadError {
    let count = errors.len();
    let mut listed = errors
        .into_iter()
        .take(MAX_LISTED_ERRORS)
        .collect::<Vec<_>>()
        .join("; ");
    if count > MAX_LISTED_ERRORS {
        listed.push_str(&format!("; and {} more", count - MAX_LISTED_ERRORS));
    }
    LoadError::Rows { count, listed }
}

fn json_cell(value: Value) -> Option<Cell> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(Cell::Text(text)),
        Value::Array(items) => Some(Cell::List(
            items
                .into_iter()
                .filter_map(|item| match item {
                    Value::String(text) => Some(text),
                    Value::Null => None,
                    other => Some(other.to_string()),
                })
                .collect(),
        )),
        other => Some(Cell::Text(other.to_string())),
    }
}

/// One row, read by column name.
struct RowView<'a> {
    columns: &'a HashMap<String, usize>,
    cells: &'a [Option<Cell>],
}

impl RowView<'_> {
    fn cell(&self, name: &str) -> Option<&Cell> {
        let index = *self.columns.get(name)?;
        self.cells.get(index)?.as_ref()
    }

    /// Trimmed text; `None` when absent or empty.
    fn text(&self, name: &str) -> Option<String> {
        match self.cell(name)? {
            Cell::Text(text) => Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
            Cell::List(items) => Some(items.join(";")).filter(|t| !t.is_empty()),
        }
    }

    fn required(&self, name: &str) -> Result<String, String> {
        self.text(name).ok_or_else(|| format!("{name} is empty"))
    }

    fn or_empty(&self, name: &str) -> String {
        self.text(name).unwrap_or_default()
    }

    /// A `;`-separated list (or a JSON array), items trimmed, empty items dropped.
    fn list(&self, name: &str) -> Vec<String> {
        match self.cell(name) {
            None => Vec::new(),
            Some(Cell::List(items)) => items
                .iter()
                .map(|i| i.trim().to_owned())
                .filter(|i| !i.is_empty())
                .collect(),
            Some(Cell::Text(text)) => text
                .split(';')
                .map(|i| i.trim().to_owned())
                .filter(|i| !i.is_empty())
                .collect(),
        }
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, String> {
        let Some(text) = self.text(name) else {
            return Ok(None);
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{name} {text:?} is not a date (YYYY-MM-DD)"))
    }

    fn instant(&self, name: &str) -> Result<Option<Timestamp>, String> {
        let Some(text) = self.text(name) else {
            return Ok(None);
        };
        DateTime::parse_from_rfc3339(&text)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| format!("{name} {text:?} is not an ISO 8601 instant with a zone"))
    }
}

fn staff(row: &RowView<'_>) -> Result<Staff, String> {
    let staff_id = row.required("staff_id")?;
    let accounts = row.list("accounts");
    if accounts.is_empty() {
        return Err(format!("{staff_id} has no accounts"));
    }
    let relatives = row
        .list("relatives")
        .into_iter()
        .map(|text| parse_relative(&text))
        .collect::<Result<Vec<_>, _>>()?;
    let forenames = row.or_empty("forenames");
    let surname = row.required("surname")?;
    let full_name = row
        .text("full_name")
        .unwrap_or_else(|| format!("{forenames} {surname}"));
    Ok(Staff {
        accounts,
        full_name,
        forenames,
        surname,
        date_of_birth: row.date("date_of_birth")?,
        home_address: row.or_empty("home_address"),
        postcode: row.or_empty("postcode"),
        vehicles: row.list("vehicles"),
        relatives,
        role: row.required("role")?,
        rank: row.or_empty("rank"),
        department: row.or_empty("department"),
        team: row.or_empty("team"),
        station: row.or_empty("station"),
        area: row.or_empty("area"),
        line_manager: row.text("line_manager"),
        start_date: row.date("start_date")?,
        notice_date: row.date("notice_date")?,
        leaving_date: row.date("leaving_date")?,
        personal_email: row.text("personal_email"),
        mobile: row.text("mobile"),
        staff_id,
    })
}

/// `Evie Jones (spouse)`; a name with no relation in brackets is an `associate`.
fn parse_relative(text: &str) -> Result<Relative, String> {
    let text = text.trim();
    match text.rfind('(') {
        Some(open) if text.ends_with(')') => {
            let name = text[..open].trim();
            let relation = text[open + 1..text.len() - 1].trim().to_ascii_lowercase();
            if name.is_empty() {
                return Err(format!("relative {text:?} has no name"));
            }
            Ok(Relative {
                name: name.to_owned(),
                relation,
            })
        }
        _ => Ok(Relative {
            name: text.to_owned(),
            relation: "associate".to_owned(),
        }),
    }
}

fn duty(row: &RowView<'_>) -> Result<Duty, String> {
    let date = row
        .date("date")?
        .ok_or_else(|| "date is empty".to_owned())?;
    let start = row.instant("start")?;
    let end = row.instant("end")?;
    if let (Some(start), Some(end)) = (start, end)
        && end <= start
    {
        return Err(format!("the shift ends ({end}) before it starts ({start})"));
    }
    Ok(Duty {
        staff_id: row.required("staff_id")?,
        date,
        duty: row.required("duty")?,
        start,
        end,
    })
}

fn task(row: &RowView<'_>) -> Result<Task, String> {
    let persons = row
        .list("persons")
        .into_iter()
        .map(|item| match item.split_once(':') {
            Some((id, role)) => LinkedPerson {
                id: id.trim().to_owned(),
                role: role.trim().to_ascii_lowercase(),
            },
            None => LinkedPerson {
                id: item,
                role: "subject".to_owned(),
            },
        })
        .collect();
    Ok(Task {
        reference: row.required("reference")?,
        kind: row.required("kind")?,
        task_type: row.or_empty("type"),
        title: row.text("title"),
        opened: row
            .instant("opened")?
            .ok_or_else(|| "opened is empty".to_owned())?,
        closed: row.instant("closed")?,
        area: row.or_empty("area"),
        team: row.text("team"),
        assigned_staff: row.list("assigned_staff"),
        persons,
        vehicles: row.list("vehicles"),
        addresses: row.list("addresses"),
    })
}

fn watch(row: &RowView<'_>) -> Result<Watch, String> {
    Ok(Watch {
        subject_id: row.required("subject_id")?,
        kind: row.required("kind")?,
        authorised_staff: row.list("authorised_staff"),
        added: row.date("added")?,
    })
}

fn subject(row: &RowView<'_>) -> Result<Subject, String> {
    Ok(Subject {
        subject_id: row.required("subject_id")?,
        kind: row.required("kind")?.to_ascii_lowercase(),
        name: row.required("name")?,
        forenames: row.text("forenames"),
        surname: row.text("surname"),
        date_of_birth: row.date("date_of_birth")?,
        address_id: row.text("address_id"),
        address: row.text("address"),
        postcode: row.text("postcode"),
        area: row.text("area"),
        email: row.text("email"),
        phone: row.text("phone"),
        vrm: row.text("vrm"),
        keeper_id: row.text("keeper_id"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn csv_and_json_give_the_same_rows() {
        let csv = "staff_id,accounts,full_name,forenames,surname,relatives,role,team,area,vehicles,notice_date\n\
                   E100003,jonesl100003;lee.jones@x.police.uk,Lee Jones,Lee Anthony,Jones,Evie Jones (spouse); Helen Jones (ex-partner),PS,HIG Response B,North,GD09BKH;AB12 CDE,\n";
        let json = r#"[{"staff_id":"E100003","accounts":["jonesl100003","lee.jones@x.police.uk"],
            "full_name":"Lee Jones","forenames":"Lee Anthony","surname":"Jones",
            "relatives":"Evie Jones (spouse); Helen Jones (ex-partner)","role":"PS",
            "team":"HIG Response B","area":"North","vehicles":["GD09BKH","AB12 CDE"],"notice_date":null}]"#;
        let a = parse(Kind::Staff, csv.as_bytes()).unwrap();
        let b = parse(Kind::Staff, json.as_bytes()).unwrap();
        assert_eq!(a, b);
        let Rows::Staff(rows) = a else { panic!() };
        assert_eq!(rows[0].relatives[1].relation, "ex-partner");
        assert_eq!(rows[0].relatives[1].name, "Helen Jones");
        assert_eq!(rows[0].vehicles, ["GD09BKH", "AB12 CDE"]);
    }

    #[test]
    fn one_bad_row_refuses_the_whole_file() {
        for newline in ["\n", "\r\n"] {
            one_bad_row_refuses_the_whole_file_with(newline);
        }
    }

    fn one_bad_row_refuses_the_whole_file_with(newline: &str) {
        let csv = [
            "staff_id,date,duty,start,end",
            "E1,2026-10-01,early,2026-10-01T06:00:00Z,2026-10-01T16:00:00Z",
            "E1,2026-10-02,early,yesterday,2026-10-02T16:00:00Z",
            "E1,2026-10-03,night,2026-10-03T21:00:00Z,2026-10-03T06:00:00Z",
            "",
        ]
        .join(newline);
        let error = parse(Kind::Rosters, csv.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains("2 row(s) are invalid"), "{error}");
        assert!(
            error.contains("line 3") && error.contains("yesterday"),
            "{error}"
        );
        assert!(
            error.contains("line 4") && error.contains("before it starts"),
            "{error}"
        );
    }

    #[test]
    fn rows_of_the_wrong_width_are_named_by_line() {
        let csv = "staff_id,date,duty,start,end\r\n\r\n\
                   E1,2026-10-01,early\r\n\
                   E1,2026-10-02,\"early\r\nshift\",2026-10-02T06:00:00Z,2026-10-02T16:00:00Z,extra\r\n";
        let error = parse(Kind::Rosters, csv.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 3: 3 fields where the header has 5"),
            "{error}"
        );
        assert!(
            error.contains("line 4: 6 fields where the header has 5"),
            "{error}"
        );
    }

    #[test]
    fn missing_columns_are_named() {
        let error = parse(Kind::Tasking, b"reference,kind\nINC-1,incident\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("opened") && error.contains("persons"),
            "{error}"
        );
        assert!(parse(Kind::Tasking, b"{\"not\":\"an array\"}").is_err());
        assert!("people".parse::<Kind>().is_err());
        assert_eq!("Watchlist".parse::<Kind>().unwrap(), Kind::Watchlist);
    }

    #[test]
    fn tasking_links_people_vehicles_and_addresses() {
        let csv = "reference,kind,type,title,opened,closed,area,team,assigned_staff,persons,vehicles,addresses\n\
                   INC-2026-000412,incident,Domestic incident,,2026-10-01T06:32:37Z,,North,,E1;E2,P-0002905:victim;P-0002906:suspect,YD13 DWE,A-0004417\n";
        let Rows::Tasking(rows) = parse(Kind::Tasking, csv.as_bytes()).unwrap() else {
            panic!()
        };
        let ids: Vec<String> = rows[0].subject_ids().collect();
        assert_eq!(ids, ["P-0002905", "P-0002906", "V-YD13DWE", "A-0004417"]);
        assert!(rows[0].is_domestic_or_sexual());
        assert_eq!(rows[0].persons[0].role, "victim");
        assert!(rows[0].closed.is_none() && rows[0].team.is_none());
    }
}
