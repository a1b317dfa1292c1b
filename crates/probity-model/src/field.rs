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
            "user.name" => ident(user.and_then(|u| u.name.as_ref())),
            "user.domain" => text(user.and_then(|u| u.domain.as_deref())),
            "user.id" => ident(user.and_then(|u| u.id.as_ref())),
            "user.email" => ident(user.and_then(|u| u.email.as_ref())),
            "user.full_name" => ident(user.and_then(|u| u.full_name.as_ref())),
            "user.target.name" => ident(
                user.and_then(|u| u.target.as_ref())
                    .and_then(|t| t.name.as_ref()),
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
