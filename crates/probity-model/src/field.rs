//! Field access by name: `event.get("user.name")`, `event.get("EventID")`.

use serde_json::Value;

use crate::{Event, Identity};

/// A field's value, borrowed from the event.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    Str(&'a str),
    Int(i64),
    /// Several values (`email.to.address`, `event.category`).
    List(Vec<&'a str>),
    /// A value from [`Event::original`] as the source gave it.
    Json(&'a Value),
}

impl FieldValue<'_> {
    /// The value as text, if it is a single scalar.
    pub fn as_text(&self) -> Option<String> {
        match self {
            FieldValue::Str(s) => Some((*s).to_owned()),
            FieldValue::Int(i) => Some(i.to_string()),
            FieldValue::List(_) => None,
            FieldValue::Json(Value::String(s)) => Some(s.clone()),
            FieldValue::Json(Value::Number(n)) => Some(n.to_string()),
            FieldValue::Json(Value::Bool(b)) => Some(b.to_string()),
            FieldValue::Json(_) => None,
        }
    }
}

fn text(value: Option<&str>) -> Option<FieldValue<'_>> {
    value.map(FieldValue::Str)
}

fn ident(value: Option<&Identity>) -> Option<FieldValue<'_>> {
    value.map(|v| FieldValue::Str(v.as_str()))
}

fn list<'a>(values: impl Iterator<Item = &'a str>) -> Option<FieldValue<'a>> {
    let values: Vec<&str> = values.collect();
    if values.is_empty() {
        None
    } else {
        Some(FieldValue::List(values))
    }
}

impl Event {
    /// The value of a field by its ECS name, or else by its original name (exact key first, then a
    /// dotted path into nested original objects).
    pub fn get(&self, name: &str) -> Option<FieldValue<'_>> {
        if let Some(value) = self.typed_field(name) {
            return Some(value);
        }
        if let Some(value) = self.original.get(name) {
            return Some(FieldValue::Json(value));
        }
        let mut parts = name.split('.');
        let first = parts.next()?;
        let mut current = self.original.get(first)?;
        for part in parts {
            current = current.as_object()?.get(part)?;
        }
        Some(FieldValue::Json(current))
    }

    fn typed_field(&self, name: &str) -> Option<FieldValue<'_>> {
        let user = self.user.as_ref();
        let email = self.email.as_ref();
        let record = self.record.as_ref();
        let process = self.process.as_ref();
        match name {
            "message" => text(self.message.as_deref()),
            "event.kind" => text(self.event.kind.as_deref()),
            "event.category" => list(self.event.category.iter().map(String::as_str)),
            "event.type" => list(self.event.kind_type.iter().map(String::as_str)),
            "event.action" => text(self.event.action.as_deref()),
            "event.outcome" => text(self.event.outcome.as_deref()),
            "event.code" => text(self.event.code.as_deref()),
            "event.provider" => text(self.event.provider.as_deref()),
            "event.dataset" => text(self.event.dataset.as_deref()),
            "event.severity" => self.event.severity.map(FieldValue::Int),
            "event.reason" => text(self.event.reason.as_deref()),
            "user.name" => ident(user.and_then(|u| u.name.as_ref())),
            "user.domain" => text(user.and_then(|u| u.domain.as_deref())),
            "user.id" => ident(user.and_then(|u| u.id.as_ref())),
            "user.email" => ident(user.and_then(|u| u.email.as_ref())),
            "user.full_name" => ident(user.and_then(|u| u.full_name.as_ref())),
            "user.target.name" => ident(
                user.and_then(|u| u.target.as_ref())
                    .and_then(|t| t.name.as_ref()),
            ),
            "user.target.domain" => text(
                user.and_then(|u| u.target.as_ref())
                    .and_then(|t| t.domain.as_deref()),
            ),
            "user.target.id" => ident(
                user.and_then(|u| u.target.as_ref())
                    .and_then(|t| t.id.as_ref()),
            ),
            "host.name" => text(self.host.as_ref().and_then(|h| h.name.as_deref())),
            "host.ip" => list(
                self.host
                    .iter()
                    .flat_map(|h| h.ip.iter().map(String::as_str)),
            ),
            "source.ip" => text(self.source.as_ref().and_then(|s| s.ip.as_deref())),
            "source.port" => self
                .source
                .as_ref()
                .and_then(|s| s.port)
                .map(|p| FieldValue::Int(i64::from(p))),
            "source.address" => text(self.source.as_ref().and_then(|s| s.address.as_deref())),
            "source.domain" => text(self.source.as_ref().and_then(|s| s.domain.as_deref())),
            "destination.address" => {
                text(self.destination.as_ref().and_then(|s| s.address.as_deref()))
            }
            "destination.ip" => text(self.destination.as_ref().and_then(|s| s.ip.as_deref())),
            "destination.port" => self
                .destination
                .as_ref()
                .and_then(|s| s.port)
                .map(|p| FieldValue::Int(i64::from(p))),
            "destination.domain" => {
                text(self.destination.as_ref().and_then(|s| s.domain.as_deref()))
            }
            "process.pid" => process.and_then(|p| p.pid).map(FieldValue::Int),
            "process.name" => text(process.and_then(|p| p.name.as_deref())),
            "process.executable" => text(process.and_then(|p| p.executable.as_deref())),
            "process.command_line" => text(process.and_then(|p| p.command_line.as_deref())),
            "process.parent.executable" => text(
                process
                    .and_then(|p| p.parent.as_ref())
                    .and_then(|p| p.executable.as_deref()),
            ),
            "process.parent.pid" => process
                .and_then(|p| p.parent.as_ref())
                .and_then(|p| p.pid)
                .map(FieldValue::Int),
            "process.parent.command_line" => text(
                process
                    .and_then(|p| p.parent.as_ref())
                    .and_then(|p| p.command_line.as_deref()),
            ),
            "file.extension" => text(self.file.as_ref().and_then(|f| f.extension.as_deref())),
            "file.size" => self
                .file
                .as_ref()
                .and_then(|f| f.size)
                .map(|s| FieldValue::Int(i64::try_from(s).unwrap_or(i64::MAX))),
            "file.mime_type" => text(self.file.as_ref().and_then(|f| f.mime_type.as_deref())),
            "file.hash.sha256" => text(self.file.as_ref().and_then(|f| f.hash.sha256.as_deref())),
            "url.path" => text(self.url.as_ref().and_then(|u| u.path.as_deref())),
            "tags" => list(self.tags.iter().map(String::as_str)),
            "file.path" => text(self.file.as_ref().and_then(|f| f.path.as_deref())),
            "file.name" => text(self.file.as_ref().and_then(|f| f.name.as_deref())),
            "url.full" => text(self.url.as_ref().and_then(|u| u.full.as_deref())),
            "url.domain" => text(self.url.as_ref().and_then(|u| u.domain.as_deref())),
            "email.from.address" => list(
                email
                    .iter()
                    .flat_map(|e| e.from.iter().map(Identity::as_str)),
            ),
            "email.to.address" => {
                list(email.iter().flat_map(|e| e.to.iter().map(Identity::as_str)))
            }
            "email.cc.address" => {
                list(email.iter().flat_map(|e| e.cc.iter().map(Identity::as_str)))
            }
            "email.bcc.address" => list(
                email
                    .iter()
                    .flat_map(|e| e.bcc.iter().map(Identity::as_str)),
            ),
            "email.display_names" => list(
                email
                    .iter()
                    .flat_map(|e| e.display_names.iter().map(Identity::as_str)),
            ),
            "email.subject" => text(email.and_then(|e| e.subject.as_deref())),
            "email.message_id" => text(email.and_then(|e| e.message_id.as_deref())),
            "record.system" => text(record.and_then(|r| r.system.as_deref())),
            "record.action" => text(record.and_then(|r| r.action.as_deref())),
            "record.subject.type" => text(record.and_then(|r| r.subject.kind.as_deref())),
            "record.subject.id" => ident(record.and_then(|r| r.subject.id.as_ref())),
            "record.subject.name" => ident(record.and_then(|r| r.subject.name.as_ref())),
            "record.reason" => text(record.and_then(|r| r.reason.as_deref())),
            "record.incident_ref" => text(record.and_then(|r| r.incident_ref.as_deref())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventId, Format, Provenance, User};
    use chrono::Utc;
    use serde_json::json;

    #[test]
    fn typed_then_original_then_dotted_path() {
        let provenance = Provenance {
            id: EventId::derive(Format::Evtx, b"r", 0),
            source: "file:x.evtx".into(),
            format: Format::Evtx,
            ingested: Utc::now(),
            location: None,
        };
        let mut event = Event::new(Utc::now(), provenance);
        event.user = Some(User {
            name: Some("jsmith".into()),
            ..User::default()
        });
        event.original.insert("EventID".into(), json!(4624));
        event
            .original
            .insert("winlog".into(), json!({"channel": "Security"}));

        assert_eq!(event.get("user.name"), Some(FieldValue::Str("jsmith")));
        assert_eq!(
            event.get("EventID").unwrap().as_text().as_deref(),
            Some("4624")
        );
        assert_eq!(
            event.get("winlog.channel").unwrap().as_text().as_deref(),
            Some("Security")
        );
        assert_eq!(event.get("host.name"), None);
        assert_eq!(event.get("nothing.here"), None);
    }
}

/// The typed field names [`Event::set`] accepts.
pub const SETTABLE_FIELDS: &[&str] = &[
    "message",
    "event.kind",
    "event.category",
    "event.type",
    "event.action",
    "event.outcome",
    "event.code",
    "event.provider",
    "event.dataset",
    "event.severity",
    "event.reason",
    "user.name",
    "user.domain",
    "user.id",
    "user.email",
    "user.full_name",
    "user.target.name",
    "user.target.domain",
    "user.target.id",
    "host.name",
    "host.ip",
    "source.ip",
    "source.port",
    "source.address",
    "source.domain",
    "destination.ip",
    "destination.port",
    "destination.address",
    "destination.domain",
    "process.pid",
    "process.name",
    "process.executable",
    "process.command_line",
    "process.parent.pid",
    "process.parent.executable",
    "process.parent.command_line",
    "file.path",
    "file.name",
    "file.extension",
    "file.size",
    "file.mime_type",
    "file.hash.sha256",
    "url.full",
    "url.domain",
    "url.path",
    "email.from.address",
    "email.to.address",
    "email.cc.address",
    "email.bcc.address",
    "email.subject",
    "email.message_id",
    "record.system",
    "record.action",
    "record.subject.type",
    "record.subject.id",
    "record.subject.name",
    "record.reason",
    "record.incident_ref",
    "tags",
];

/// Whether [`Event::set`] accepts `name`: one of [`SETTABLE_FIELDS`] or `labels.<key>`.
pub fn is_settable(name: &str) -> bool {
    static NAMES: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| SETTABLE_FIELDS.iter().copied().collect());
    names.contains(name)
        || name
            .strip_prefix("labels.")
            .is_some_and(|key| !key.is_empty())
}

/// Why [`Event::set`] refused a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetFieldError {
    #[error("{0:?} is not a field Probity types (see SETTABLE_FIELDS)")]
    Unknown(String),
    #[error("{value:?} is not {expected}")]
    Invalid {
        field: String,
        value: String,
        expected: &'static str,
    },
}

fn number<T: std::str::FromStr>(
    field: &str,
    value: &str,
    expected: &'static str,
) -> Result<T, SetFieldError> {
    value.trim().parse().map_err(|_| SetFieldError::Invalid {
        field: field.to_owned(),
        value: value.to_owned(),
        expected,
    })
}

/// Addresses in one text: split on `,` and `;`, trimmed, empties dropped.
fn split_list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl Event {
    /// Sets a typed field by its ECS name from text. List fields (`email.to.address`,
    /// `event.category`, `host.ip`, `tags`) take a `,`/`;`-separated list and add to what is there.
    /// `source.ip` and `destination.ip` take only an IP address; other text goes to `.address`.
    /// `labels.<key>` sets a label. An empty value leaves the field unset.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), SetFieldError> {
        if !is_settable(name) {
            return Err(SetFieldError::Unknown(name.to_owned()));
        }
        let value = value.trim();
        if value.is_empty() {
            return Ok(());
        }
        if let Some(key) = name.strip_prefix("labels.") {
            self.labels.insert(key.to_owned(), value.to_owned());
            return Ok(());
        }
        let text = || Some(value.to_owned());
        let ident = || Some(Identity::new(value));
        let (group, rest) = name.split_once('.').unwrap_or((name, ""));
        match group {
            "message" => self.message = text(),
            "tags" => self.tags.extend(split_list(value)),
            "event" => {
                let meta = &mut self.event;
                match rest {
                    "kind" => meta.kind = text(),
                    "category" => meta.category.extend(split_list(value)),
                    "type" => meta.kind_type.extend(split_list(value)),
                    "action" => meta.action = text(),
                    "outcome" => meta.outcome = text(),
                    "code" => meta.code = text(),
                    "provider" => meta.provider = text(),
                    "dataset" => meta.dataset = text(),
                    "severity" => meta.severity = Some(number(name, value, "a whole number")?),
                    _ => meta.reason = text(),
                }
            }
            "user" => {
                let user = self.user.get_or_insert_with(Default::default);
                match rest {
                    "name" => user.name = ident(),
                    "domain" => user.domain = text(),
                    "id" => user.id = ident(),
                    "email" => user.email = ident(),
                    "full_name" => user.full_name = ident(),
                    _ => {
                        let target = user.target.get_or_insert_with(Default::default);
                        match rest {
                            "target.name" => target.name = ident(),
                            "target.domain" => target.domain = text(),
                            _ => target.id = ident(),
                        }
                    }
                }
            }
            "host" => {
                let host = self.host.get_or_insert_with(Default::default);
                match rest {
                    "name" => host.name = text(),
                    _ => host.ip.extend(split_list(value)),
                }
            }
            "source" | "destination" => {
                let port = if rest == "port" {
                    Some(number::<u16>(name, value, "a port number (0-65535)")?)
                } else {
                    None
                };
                let endpoint = if group == "source" {
                    self.source.get_or_insert_with(Default::default)
                } else {
                    self.destination.get_or_insert_with(Default::default)
                };
                match rest {
                    "ip" => match value.parse::<std::net::IpAddr>() {
                        Ok(ip) => endpoint.ip = Some(ip.to_string()),
                        Err(_) => endpoint.address = text(),
                    },
                    "port" => endpoint.port = port,
                    "address" => endpoint.address = text(),
                    _ => endpoint.domain = text(),
                }
            }
            "process" => {
                let pid = if rest.ends_with("pid") {
                    Some(number::<i64>(name, value, "a process id")?)
                } else {
                    None
                };
                let process = self.process.get_or_insert_with(Default::default);
                match rest {
                    "pid" => process.pid = pid,
                    "name" => process.name = text(),
                    "executable" => process.executable = text(),
                    "command_line" => process.command_line = text(),
                    _ => {
                        let parent = process.parent.get_or_insert_with(Default::default);
                        match rest {
                            "parent.pid" => parent.pid = pid,
                            "parent.executable" => parent.executable = text(),
                            _ => parent.command_line = text(),
                        }
                    }
                }
            }
            "file" => {
                let size = if rest == "size" {
                    Some(number::<u64>(name, value, "a size in bytes")?)
                } else {
                    None
                };
                let file = self.file.get_or_insert_with(Default::default);
                match rest {
                    "path" => file.path = text(),
                    "name" => file.name = text(),
                    "extension" => file.extension = text(),
                    "size" => file.size = size,
                    "mime_type" => file.mime_type = text(),
                    _ => file.hash.sha256 = text(),
                }
            }
            "url" => {
                let url = self.url.get_or_insert_with(Default::default);
                match rest {
                    "full" => url.full = text(),
                    "domain" => url.domain = text(),
                    _ => url.path = text(),
                }
            }
            "email" => {
                let email = self.email.get_or_insert_with(Default::default);
                let addresses = || split_list(value).map(Identity::new);
                match rest {
                    "from.address" => email.from.extend(addresses()),
                    "to.address" => email.to.extend(addresses()),
                    "cc.address" => email.cc.extend(addresses()),
                    "bcc.address" => email.bcc.extend(addresses()),
                    "subject" => email.subject = text(),
                    _ => email.message_id = text(),
                }
            }
            _ => {
                let record = self.record.get_or_insert_with(Default::default);
                match rest {
                    "system" => record.system = text(),
                    "action" => record.action = text(),
                    "subject.type" => record.subject.kind = text(),
                    "subject.id" => record.subject.id = ident(),
                    "subject.name" => record.subject.name = ident(),
                    "reason" => record.reason = text(),
                    _ => record.incident_ref = text(),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod set_tests {
    use super::*;
    use crate::{EventId, Format, Provenance};
    use chrono::Utc;

    fn empty() -> Event {
        Event::new(
            Utc::now(),
            Provenance {
                id: EventId::derive(Format::Csv, b"", 0),
                source: "t".into(),
                format: Format::Csv,
                ingested: Utc::now(),
                location: None,
            },
        )
    }

    #[test]
    fn every_settable_field_reads_back() {
        for name in SETTABLE_FIELDS {
            let mut event = empty();
            let value = match *name {
                "event.severity" | "source.port" | "destination.port" | "process.pid"
                | "process.parent.pid" | "file.size" => "42",
                "source.ip" | "destination.ip" => "10.0.0.1",
                _ => "abc",
            };
            event.set(name, value).unwrap();
            if *name == "tags" {
                assert_eq!(event.tags, vec!["abc"]);
                continue;
            }
            let back = event
                .get(name)
                .unwrap_or_else(|| panic!("{name} not readable"));
            let text = match back {
                FieldValue::List(items) => items.join(","),
                other => other.as_text().unwrap(),
            };
            assert_eq!(text, value, "{name}");
        }
    }

    #[test]
    fn lists_numbers_and_unknown_names() {
        let mut event = empty();
        event.set("email.to.address", "a@x.uk; b@y.uk,").unwrap();
        event.set("email.to.address", "c@z.uk").unwrap();
        assert_eq!(event.email.as_ref().unwrap().to.len(), 3);
        event.email.as_mut().unwrap().display_names =
            vec!["Smith, Jane".into(), "Integrity Line".into()];
        match event.get("email.display_names") {
            Some(FieldValue::List(names)) => assert_eq!(names, ["Smith, Jane", "Integrity Line"]),
            other => panic!("display names read as {other:?}"),
        }
        assert!(matches!(
            event.set("source.port", "http"),
            Err(SetFieldError::Invalid { .. })
        ));
        assert!(matches!(
            event.set("user.nmae", "x"),
            Err(SetFieldError::Unknown(_))
        ));
        event.set("user.name", "  ").unwrap();
        assert!(event.user.is_none());
    }
}
