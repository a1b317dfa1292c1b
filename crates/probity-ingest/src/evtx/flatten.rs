//! A record's JSON, flattened to the field names Sigma rules use for Windows events.
//!
//! [`flatten_record`] works on a parsed value. [`flatten_json`] reads the JSON text straight into
//! the flat map without building the nested value first; it is what decoding uses, and gives the
//! same map for everything the `evtx` crate renders (`System` comes first there).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Room for a typical record's fields, so the map is not grown while it is filled.
const TYPICAL_FIELDS: usize = 48;

/// The `System` elements whose attributes are fields, and the names those fields get.
fn system_attributes(element: &str) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match element {
        "Provider" => &[
            ("Name", "Provider_Name"),
            ("Guid", "Provider_Guid"),
            ("EventSourceName", "Provider_EventSourceName"),
        ],
        "TimeCreated" => &[("SystemTime", "TimeCreated")],
        "Execution" => &[("ProcessID", "ProcessID"), ("ThreadID", "ThreadID")],
        "Security" => &[("UserID", "UserID")],
        "Correlation" => &[
            ("ActivityID", "ActivityID"),
            ("RelatedActivityID", "RelatedActivityID"),
        ],
        _ => return None,
    })
}

/// Flattens one record as the `evtx` crate renders it to JSON (`{"Event": {"System": …,
/// "EventData": …}}`) into the field names Sigma rules use for Windows events:
///
/// - from `System`: `EventID` (the number, also when it carries `Qualifiers`), `Channel`,
///   `Provider_Name`, `Provider_Guid`, `Provider_EventSourceName`, `Computer`, `EventRecordID`,
///   `Level`, `Task`, `Opcode`, `Keywords`, `Version`, `TimeCreated` (the `SystemTime` text),
///   `ProcessID` and `ThreadID` (`Execution`), `UserID` (`Security`), `ActivityID` and
///   `RelatedActivityID` (`Correlation`);
/// - every `EventData` field by its name; unnamed `<Data>` items as `Data` (a list, or one value),
///   and `Binary`;
/// - the fields of the element inside `UserData` by their names (and likewise for other sections
///   such as `ProcessingErrorData`); `RenderingInfo` is kept whole.
///
/// Values keep the types the JSON gives them. `System` names come first and win: a data field
/// with the same name as one of them is kept as `EventData.<name>` (or `UserData.<name>`).
pub fn flatten_record(record_json: &Value) -> Map<String, Value> {
    flatten_owned(record_json.clone())
}

/// [`flatten_record`] straight from the JSON text, without building the nested value.
pub fn flatten_json(json: &[u8]) -> Result<Map<String, Value>, serde_json::Error> {
    let mut flat = Map::with_capacity(TYPICAL_FIELDS);
    let mut input = serde_json::Deserializer::from_slice(json);
    MapOrValue(Root { flat: &mut flat }).deserialize(&mut input)?;
    input.end()?;
    Ok(flat)
}

fn flatten_owned(record: Value) -> Map<String, Value> {
    let mut flat = Map::with_capacity(TYPICAL_FIELDS);
    let Value::Object(mut root) = record else {
        return flat;
    };
    let event = match root.remove("Event") {
        Some(Value::Object(event)) => event,
        Some(_) => return flat,
        None => root,
    };
    let mut sections = Vec::with_capacity(event.len());
    for (name, section) in event {
        if name == "System" {
            flatten_system(section, &mut flat);
        } else {
            sections.push((name, section));
        }
    }
    for (name, section) in sections {
        match name.as_str() {
            "#attributes" => {}
            "EventData" => flatten_event_data(section, &mut flat),
            "RenderingInfo" => insert_field(&mut flat, "RenderingInfo", name, section),
            _ => flatten_section(&name, section, &mut flat),
        }
    }
    flat
}

fn flatten_system(system: Value, flat: &mut Map<String, Value>) {
    let Value::Object(system) = system else {
        return;
    };
    for (name, value) in system {
        if name == "EventID" {
            put(flat, "EventID", event_id(value));
        } else if let Some(names) = system_attributes(&name) {
            put_attributes(flat, value, names);
        } else if !value.is_object() {
            put(flat, &name, value);
        }
    }
}

/// `EventID` with `Qualifiers` renders as `{"#attributes": …, "#text": 4111}`: the number is wanted.
fn event_id(value: Value) -> Value {
    match value {
        Value::Object(mut parts) => parts.remove("#text").unwrap_or(Value::Null),
        other => other,
    }
}

/// Sets a System field unless it is null.
fn put(flat: &mut Map<String, Value>, name: &str, value: Value) {
    if !value.is_null() {
        flat.insert(name.to_owned(), value);
    }
}

/// Copies named attributes of an element (`{"#attributes": {"Name": …}}`) under new names.
fn put_attributes(flat: &mut Map<String, Value>, element: Value, names: &[(&str, &str)]) {
    let Value::Object(mut element) = element else {
        return;
    };
    let Some(Value::Object(mut attributes)) = element.remove("#attributes") else {
        return;
    };
    for (attribute, name) in names {
        if let Some(value) = attributes.remove(*attribute) {
            put(flat, name, value);
        }
    }
}

fn flatten_event_data(data: Value, flat: &mut Map<String, Value>) {
    match data {
        Value::Object(fields) => {
            for (name, value) in fields {
                match name.as_str() {
                    "#attributes" => {}
                    "Data" => insert_field(flat, "EventData", name, unnamed_data(value)),
                    _ => insert_field(flat, "EventData", name, value),
                }
            }
        }
        Value::Null => {}
        other => insert_field(flat, "EventData", "Data".to_owned(), other),
    }
}

/// Unnamed `<Data>` items render as `{"#text": [...]}` (or one value); keep the values.
fn unnamed_data(value: Value) -> Value {
    match value {
        Value::Object(mut parts) if parts.contains_key("#text") => {
            parts.remove("#text").unwrap_or(Value::Null)
        }
        other => other,
    }
}

/// `UserData` and other sections: one element whose fields are the event's data.
fn flatten_section(section: &str, value: Value, flat: &mut Map<String, Value>) {
    let Value::Object(elements) = value else {
        if !value.is_null() {
            insert_field(flat, section, section.to_owned(), value);
        }
        return;
    };
    for (element, inner) in elements {
        if element == "#attributes" {
            continue;
        }
        match inner {
            Value::Object(fields) => {
                for (name, value) in fields {
                    if name != "#attributes" {
                        insert_field(flat, section, name, value);
                    }
                }
            }
            other => insert_field(flat, section, element, other),
        }
    }
}

/// Adds a data field; a name already taken (by a System field) is kept as `<section>.<name>`.
fn insert_field(flat: &mut Map<String, Value>, section: &str, name: String, value: Value) {
    if flat.contains_key(&name) {
        flat.insert(format!("{section}.{name}"), value);
    } else {
        flat.insert(name, value);
    }
}

// Reading the JSON text straight into the flat map.

/// A map key, borrowed from the input where it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v)))
    }
}

/// What to do with each entry of a map as it is read.
trait Entries<'de> {
    fn entry<A: MapAccess<'de>>(&mut self, key: Cow<'de, str>, map: &mut A)
    -> Result<(), A::Error>;
}

/// Reads a map entry by entry into its [`Entries`] (giving `None`), or any other value whole.
struct MapOrValue<E>(E);

impl<'de, E: Entries<'de>> DeserializeSeed<'de> for MapOrValue<E> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<Value>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, E: Entries<'de>> Visitor<'de> for MapOrValue<E> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Option<Value>, A::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            self.0.entry(key, &mut map)?;
        }
        Ok(None)
    }

    fn visit_unit<Er>(self) -> Result<Option<Value>, Er> {
        Ok(Some(Value::Null))
    }

    fn visit_none<Er>(self) -> Result<Option<Value>, Er> {
        Ok(Some(Value::Null))
    }

    fn visit_bool<Er>(self, v: bool) -> Result<Option<Value>, Er> {
        Ok(Some(Value::Bool(v)))
    }

    fn visit_i64<Er>(self, v: i64) -> Result<Option<Value>, Er> {
        Ok(Some(Value::from(v)))
    }

    fn visit_u64<Er>(self, v: u64) -> Result<Option<Value>, Er> {
        Ok(Some(Value::from(v)))
    }

    fn visit_f64<Er>(self, v: f64) -> Result<Option<Value>, Er> {
        Ok(Some(Value::from(v)))
    }

    fn visit_str<Er>(self, v: &str) -> Result<Option<Value>, Er> {
        Ok(Some(Value::String(v.to_owned())))
    }

    fn visit_string<Er>(self, v: String) -> Result<Option<Value>, Er> {
        Ok(Some(Value::String(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Some(Value::Array(items)))
    }
}

/// `{"Event": {...}}`; a document without `Event` is read as the event itself.
struct Root<'a> {
    flat: &'a mut Map<String, Value>,
}

impl<'de> Entries<'de> for Root<'_> {
    fn entry<A: MapAccess<'de>>(
        &mut self,
        key: Cow<'de, str>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if key == "Event" {
            map.next_value_seed(MapOrValue(Sections { flat: self.flat }))?;
            return Ok(());
        }
        Sections { flat: self.flat }.entry(key, map)
    }
}

/// The event's sections: `System`, `EventData`, `UserData`…
struct Sections<'a> {
    flat: &'a mut Map<String, Value>,
}

impl<'de> Entries<'de> for Sections<'_> {
    fn entry<A: MapAccess<'de>>(
        &mut self,
        key: Cow<'de, str>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let flat = &mut *self.flat;
        match key.as_ref() {
            "System" => {
                map.next_value_seed(MapOrValue(SystemFields { flat }))?;
            }
            "#attributes" => {
                map.next_value::<IgnoredAny>()?;
            }
            "EventData" => {
                if let Some(value) = map.next_value_seed(MapOrValue(EventDataFields { flat }))?
                    && !value.is_null()
                {
                    insert_field(self.flat, "EventData", "Data".to_owned(), value);
                }
            }
            "RenderingInfo" => {
                let value: Value = map.next_value()?;
                insert_field(flat, "RenderingInfo", key.into_owned(), value);
            }
            _ => {
                let section = key.into_owned();
                let elements = SectionElements {
                    flat,
                    section: &section,
                };
                if let Some(value) = map.next_value_seed(MapOrValue(elements))?
                    && !value.is_null()
                {
                    insert_field(self.flat, &section, section.clone(), value);
                }
            }
        }
        Ok(())
    }
}

struct SystemFields<'a> {
    flat: &'a mut Map<String, Value>,
}

impl<'de> Entries<'de> for SystemFields<'_> {
    fn entry<A: MapAccess<'de>>(
        &mut self,
        key: Cow<'de, str>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if key == "EventID" {
            let value: Value = map.next_value()?;
            put(self.flat, "EventID", event_id(value));
        } else if let Some(names) = system_attributes(&key) {
            let element = Element {
                flat: &mut *self.flat,
                names,
            };
            map.next_value_seed(MapOrValue(element))?;
        } else {
            let value: Value = map.next_value()?;
            if !value.is_object() {
                put(self.flat, &key, value);
            }
        }
        Ok(())
    }
}

/// A `System` element whose `#attributes` hold fields.
struct Element<'a> {
    flat: &'a mut Map<String, Value>,
    names: &'static [(&'static str, &'static str)],
}

impl<'de> Entries<'de> for Element<'_> {
    fn entry<A: MapAccess<'de>>(
        &mut self,
        key: Cow<'de, str>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if key == "#attributes" {
            let attributes = Attributes {
                flat: &mut *self.flat,
                names: self.names,
            };
            map.next_value_seed(MapOrValue(attributes))?;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

struct Attributes<'a> {
    flat: &'a mut Map<String, Value>,
    names: &'static [(&'static str, &'static str)],
}

impl<'de> Entries<'de> for Attributes<'_> {
    fn entry<A: MapAccess<'de>>(
        &mut self,
        key: Cow<'de, str>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match self.names.iter().find(|(attribute, _)| *attribute == key) {
            Some((_, name)) => {
                let value: Value = map.next_value()?;
                put(self.flat, name, value);
            }
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct EventDataFields<'a> {
    flat: &'a mut Map<String, Value>,
}

impl<'de> Entries<'de> for EventDataFields<'_> {
    fn entry<A: MapAccess<'de>>(
        &mut self,
        key: Cow<'de, str>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key.as_ref() {
            "#attributes" => {
                map.next_value::<IgnoredAny>()?;
            }
            "Data" => {
                let value: Value = map.next_value()?;
                insert_field(
                    self.flat,
                    "EventData",
                    key.into_owned(),
                    unnamed_data(value),
                );
            }
            _ => {
                let value: Value = map.next_value()?;
                insert_field(self.flat, "EventData", key.into_owned(), value);
            }
        }
        Ok(())
    }
}

/// `UserData` and the like: elements whose fields are the data.
struct SectionElements<'a, 's> {
    flat: &'a mut Map<String, Value>,
    section: &'s str,
}

impl<'de> Entries<'de> for SectionElements<'_, '_> {
    fn entry<A: MapAccess<'de>>(
        &mut self,
        key: Cow<'de, str>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if key == "#attributes" {
            map.next_value::<IgnoredAny>()?;
            return Ok(());
        }
        let fields = ElementFields {
            flat: &mut *self.flat,
            section: self.section,
        };
        if let Some(value) = map.next_value_seed(MapOrValue(fields))? {
            insert_field(self.flat, self.section, key.into_owned(), value);
        }
        Ok(())
    }
}

struct ElementFields<'a, 's> {
    flat: &'a mut Map<String, Value>,
    section: &'s str,
}

impl<'de> Entries<'de> for ElementFields<'_, '_> {
    fn entry<A: MapAccess<'de>>(
        &mut self,
        key: Cow<'de, str>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if key == "#attributes" {
            map.next_value::<IgnoredAny>()?;
            return Ok(());
        }
        let value: Value = map.next_value()?;
        insert_field(self.flat, self.section, key.into_owned(), value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Both ways of flattening, which must agree.
    fn both(record: &Value) -> Map<String, Value> {
        let flat = flatten_record(record);
        let streamed = flatten_json(&serde_json::to_vec(record).unwrap()).unwrap();
        assert_eq!(flat, streamed, "flatten_json differs from flatten_record");
        flat
    }

    #[test]
    fn flattens_system_event_data_and_qualifiers() {
        let record = json!({"Event": {
            "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing",
                                             "Guid": "{54849625-5478-4994-a5ba-3e3b0328c30d}"}},
                "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 4624},
                "Version": 2, "Level": 0, "Task": 12544, "Opcode": 0,
                "Keywords": "0x8020000000000000",
                "TimeCreated": {"#attributes": {"SystemTime": "2026-03-01T09:15:00.1234567Z"}},
                "EventRecordID": 991,
                "Correlation": null,
                "Execution": {"#attributes": {"ProcessID": 620, "ThreadID": 4088}},
                "Channel": "Security",
                "Computer": "WS-0042.force.local",
                "Security": {"#attributes": {"UserID": "S-1-5-18"}}
            },
            "EventData": {"TargetUserName": "jsmith", "LogonType": 2, "Version": "x",
                          "Ratio": -1.5, "Flag": true}
        }});
        let flat = both(&record);
        assert_eq!(flat["EventID"], json!(4624));
        assert_eq!(flat["Provider_Name"], "Microsoft-Windows-Security-Auditing");
        assert_eq!(
            flat["Provider_Guid"],
            "{54849625-5478-4994-a5ba-3e3b0328c30d}"
        );
        assert_eq!(flat["TimeCreated"], "2026-03-01T09:15:00.1234567Z");
        assert_eq!(flat["ProcessID"], json!(620));
        assert_eq!(flat["ThreadID"], json!(4088));
        assert_eq!(flat["UserID"], "S-1-5-18");
        assert_eq!(flat["Channel"], "Security");
        assert_eq!(flat["Computer"], "WS-0042.force.local");
        assert_eq!(flat["Keywords"], "0x8020000000000000");
        assert_eq!(flat["TargetUserName"], "jsmith");
        assert_eq!(flat["LogonType"], json!(2));
        assert_eq!(flat["Ratio"], json!(-1.5));
        assert_eq!(flat["Flag"], json!(true));
        assert_eq!(flat["Version"], json!(2), "System wins");
        assert_eq!(flat["EventData.Version"], "x");
        assert!(!flat.contains_key("Correlation"));
        assert!(!flat.contains_key("#attributes"));
    }

    #[test]
    fn unnamed_data_user_data_and_other_sections() {
        let classic = json!({"Event": {
            "System": {"EventID": 400, "Channel": "Windows PowerShell"},
            "EventData": {"Data": {"#text": ["Available", "None", "HostName=ConsoleHost"]},
                          "Binary": "00FF"}
        }});
        let flat = both(&classic);
        assert_eq!(
            flat["Data"],
            json!(["Available", "None", "HostName=ConsoleHost"])
        );
        assert_eq!(flat["Binary"], "00FF");

        let cleared = json!({"Event": {
            "System": {"EventID": 104, "Channel": "System"},
            "UserData": {"LogFileCleared": {
                "#attributes": {"xmlns": "http://manifests.microsoft.com/win/2004/08/windows/eventlog"},
                "SubjectUserName": "jsmith", "Channel": "Security", "BackupPath": null}}
        }});
        let flat = both(&cleared);
        assert_eq!(flat["SubjectUserName"], "jsmith");
        assert_eq!(flat["Channel"], "System");
        assert_eq!(flat["UserData.Channel"], "Security");
        assert_eq!(flat["BackupPath"], Value::Null);

        let error_data = json!({"Event": {
            "System": {"EventID": 1},
            "ProcessingErrorData": {"ErrorCode": 15005, "DataItemName": "Data"},
            "RenderingInfo": {"Message": "text"},
            "EventData": null
        }});
        let flat = both(&error_data);
        assert_eq!(flat["ErrorCode"], json!(15005));
        assert_eq!(flat["RenderingInfo"], json!({"Message": "text"}));
        assert!(!flat.contains_key("Data"));

        let odd = json!({"Event": {
            "System": {"EventID": 2, "Provider": "not an element"},
            "EventData": "loose text",
            "UserData": {"Marker": "x", "Empty": null}
        }});
        let flat = both(&odd);
        assert_eq!(flat["Data"], "loose text");
        assert_eq!(flat["Marker"], "x");
        assert_eq!(flat["Empty"], Value::Null);
        assert!(!flat.contains_key("Provider_Name"));

        // A document that is the event itself, and one that is not an object.
        let bare = json!({"System": {"EventID": 3}, "EventData": {"A": "\u{e9}\"q"}});
        assert_eq!(both(&bare)["A"], "\u{e9}\"q");
        assert!(both(&json!([1, 2])).is_empty());
        assert!(both(&json!({"Event": 5})).is_empty());
        assert!(flatten_json(b"{\"Event\": ").is_err());
        assert!(flatten_json(b"{} trailing").is_err());
    }
}
