//! The event model: a typed subset of the Elastic Common Schema plus `record.*`.
//!
//! Serialised, an event is nested JSON with ECS names (`{"@timestamp": …, "event": {"action": …},
//! "user": {"name": …}}`); empty parts are left out. Fields that ECS has and Probity does not type
//! stay in [`Event::original`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Identity, IdentityKind, Provenance, Timestamp};

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// One activity record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When the activity happened (UTC). Where the source gives no time, the ingest time.
    #[serde(rename = "@timestamp")]
    pub timestamp: Timestamp,
    /// The human-readable text of the event (a syslog message, an email's subject line…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub event: EventMeta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Host>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Endpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Endpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<Process>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<File>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Records-system access (PNC, PND, the force's own records system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The source's own fields as decoded, by the source's own names (for a Windows event:
    /// `EventID`, `Channel`, `Provider_Name`, `Computer` and every `EventData` name).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub original: Map<String, Value>,
    /// Where the event came from.
    pub provenance: Provenance,
}

/// `event.*`: what kind of activity this is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventMeta {
    /// ECS `event.kind`: `event`, `alert`, `state`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// ECS `event.category`: `authentication`, `process`, `email`, `file`, `network`…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    /// ECS `event.type`: `start`, `access`, `info`…
    #[serde(default, rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub kind_type: Vec<String>,
    /// What happened, as the source names it (`logged-in`, `MailItemsAccessed`, `search`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `success`, `failure` or `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The source's numeric or short code (a Windows event id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The component that produced the event (a Windows provider name, a syslog app name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Which stream of events this is (`windows.security`, `m365.exchange`, `syslog`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// Numeric severity as the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<i64>,
    /// Why the event happened, as the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `user.*`: the person or account that acted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Identity>,
    /// The account's domain (`FORCE`, `force.police.uk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// A stable account id (SID, directory object id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<Identity>,
    /// The account acted upon, where it differs (`user.target.*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<UserRef>,
}

/// A second account named by an event (ECS `user.target`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Identity>,
}

/// `host.*`: the machine the event happened on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Host {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip: Vec<String>,
}

/// `source.*` / `destination.*`: one end of a network connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The raw address as the source wrote it (may be a name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// `process.*`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Process {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executable: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_line: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentProcess>,
}

/// `process.parent.*`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParentProcess {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executable: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_line: Option<String>,
}

/// `file.*`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct File {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub hash: FileHash,
}

/// `file.hash.*`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileHash {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// `url.*`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Url {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// `email.*`: one message. Addresses are identities.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Email {
    /// `email.from.address`.
    #[serde(
        default,
        rename = "from",
        with = "address_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub from: Vec<Identity>,
    /// `email.to.address`.
    #[serde(
        default,
        rename = "to",
        with = "address_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub to: Vec<Identity>,
    /// `email.cc.address`.
    #[serde(
        default,
        rename = "cc",
        with = "address_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cc: Vec<Identity>,
    /// `email.bcc.address`.
    #[serde(
        default,
        rename = "bcc",
        with = "address_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub bcc: Vec<Identity>,
    /// `email.display_names`: the names written beside the addresses of the message's
    /// correspondents (`"Jane Smith" <jane@example.org>`) and the names of address groups, each
    /// once, in the order the headers give them. People's names: pseudonymised like the
    /// addresses. The protected-party exclusions match them against their listed display names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display_names: Vec<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The `Date:` header, when the sender's client wrote the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origination_timestamp: Option<Timestamp>,
    /// The text body (HTML reduced to text), cut at the ingest limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// `email.attachments[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub file: File,
    /// The attachment's text, where it could be extracted (plain text, HTML, DOCX, PDF), cut at the
    /// ingest limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Why the text is missing or incomplete (encrypted, corrupt, over a limit, unsupported type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction: Option<String>,
}

/// `record.*`: access to a records system (a person, vehicle, address or incident looked up).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Which system (`PNC`, `PND`, `Niche`, `Athena`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// `search`, `view`, `update`, `print` or `export`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub subject: RecordSubject,
    /// The reason the user gave for the access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The incident, crime or case reference the user gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_ref: Option<String>,
}

/// `record.subject.*`: what was looked up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordSubject {
    /// `person`, `vehicle`, `address` or `incident`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Identity>,
}

/// ECS writes `email.from.address` (an array under an object); the model keeps the list flat.
mod address_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::Identity;

    #[derive(Serialize, Deserialize)]
    struct Addresses {
        #[serde(default)]
        address: Vec<Identity>,
    }

    pub fn serialize<S: Serializer>(list: &[Identity], serializer: S) -> Result<S::Ok, S::Error> {
        Addresses {
            address: list.to_vec(),
        }
        .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Identity>, D::Error> {
        Ok(Addresses::deserialize(deserializer)?.address)
    }
}

impl Event {
    /// An event with only its time and provenance set.
    pub fn new(timestamp: Timestamp, provenance: Provenance) -> Self {
        Self {
            timestamp,
            message: None,
            event: EventMeta::default(),
            user: None,
            host: None,
            source: None,
            destination: None,
            process: None,
            file: None,
            url: None,
            email: None,
            record: None,
            tags: Vec::new(),
            labels: BTreeMap::new(),
            original: Map::new(),
            provenance,
        }
    }

    /// The acting user's account name, if any.
    pub fn user_name(&self) -> Option<&str> {
        self.user
            .as_ref()
            .and_then(|u| u.name.as_ref())
            .map(Identity::as_str)
    }

    /// `event.action`, if any.
    pub fn action(&self) -> Option<&str> {
        self.event.action.as_deref()
    }

    /// Every identity in the typed fields, with its kind, for pseudonymisation.
    pub fn identities_mut(&mut self) -> Vec<(IdentityKind, &mut Identity)> {
        let mut out = Vec::new();
        if let Some(user) = self.user.as_mut() {
            push(&mut out, IdentityKind::Account, user.name.as_mut());
            push(&mut out, IdentityKind::Account, user.id.as_mut());
            push(&mut out, IdentityKind::EmailAddress, user.email.as_mut());
            push(&mut out, IdentityKind::PersonName, user.full_name.as_mut());
            if let Some(target) = user.target.as_mut() {
                push(&mut out, IdentityKind::Account, target.name.as_mut());
                push(&mut out, IdentityKind::Account, target.id.as_mut());
            }
        }
        if let Some(email) = self.email.as_mut() {
            for address in email
                .from
                .iter_mut()
                .chain(email.to.iter_mut())
                .chain(email.cc.iter_mut())
                .chain(email.bcc.iter_mut())
            {
                out.push((IdentityKind::EmailAddress, address));
            }
            for name in &mut email.display_names {
                out.push((IdentityKind::PersonName, name));
            }
        }
        if let Some(record) = self.record.as_mut() {
            push(
                &mut out,
                IdentityKind::RecordSubject,
                record.subject.id.as_mut(),
            );
            push(
                &mut out,
                IdentityKind::PersonName,
                record.subject.name.as_mut(),
            );
        }
        out
    }

    /// Text that the store's full-text index holds for this event: the message and the typed
    /// string fields an analyst searches by.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        fn add<'a>(parts: &mut Vec<&'a str>, value: Option<&'a str>) {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                parts.push(v);
            }
        }
        add(&mut parts, self.message.as_deref());
        add(&mut parts, self.event.action.as_deref());
        add(&mut parts, self.event.provider.as_deref());
        if let Some(user) = &self.user {
            add(&mut parts, user.name.as_ref().map(Identity::as_str));
            add(&mut parts, user.email.as_ref().map(Identity::as_str));
            add(&mut parts, user.full_name.as_ref().map(Identity::as_str));
            if let Some(target) = &user.target {
                add(&mut parts, target.name.as_ref().map(Identity::as_str));
            }
        }
        if let Some(host) = &self.host {
            add(&mut parts, host.name.as_deref());
        }
        if let Some(process) = &self.process {
            add(&mut parts, process.command_line.as_deref());
            add(&mut parts, process.executable.as_deref());
        }
        if let Some(file) = &self.file {
            add(&mut parts, file.path.as_deref());
        }
        if let Some(url) = &self.url {
            add(&mut parts, url.full.as_deref());
        }
        if let Some(email) = &self.email {
            add(&mut parts, email.subject.as_deref());
            for address in email.from.iter().chain(&email.to).chain(&email.cc) {
                add(&mut parts, Some(address.as_str()));
            }
            for name in &email.display_names {
                add(&mut parts, Some(name.as_str()));
            }
            for attachment in &email.attachments {
                add(&mut parts, attachment.file.name.as_deref());
            }
        }
        if let Some(record) = &self.record {
            add(&mut parts, record.system.as_deref());
            add(&mut parts, record.action.as_deref());
            add(&mut parts, record.subject.id.as_ref().map(Identity::as_str));
            add(
                &mut parts,
                record.subject.name.as_ref().map(Identity::as_str),
            );
            add(&mut parts, record.reason.as_deref());
            add(&mut parts, record.incident_ref.as_deref());
        }
        parts.join(" ")
    }
}

fn push<'a>(
    out: &mut Vec<(IdentityKind, &'a mut Identity)>,
    kind: IdentityKind,
    identity: Option<&'a mut Identity>,
) {
    if let Some(identity) = identity {
        out.push((kind, identity));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventId, Format};
    use chrono::{TimeZone, Utc};

    fn sample() -> Event {
        let provenance = Provenance {
            id: EventId::derive(Format::Ndjson, b"x", 0),
            source: "test".into(),
            format: Format::Ndjson,
            ingested: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            location: None,
        };
        let mut event = Event::new(
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 0, 0).unwrap(),
            provenance,
        );
        event.user = Some(User {
            name: Some("jsmith".into()),
            ..User::default()
        });
        event.email = Some(Email {
            from: vec!["a@force.police.uk".into()],
            to: vec!["b@example.com".into(), "c@example.com".into()],
            display_names: vec!["Bea Example".into()],
            ..Email::default()
        });
        event.record = Some(Record {
            action: Some("view".into()),
            subject: RecordSubject {
                kind: Some("person".into()),
                id: Some("P123".into()),
                name: Some("Alex Doe".into()),
            },
            ..Record::default()
        });
        event
    }

    #[test]
    fn serialises_with_ecs_names() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["@timestamp"], "2026-01-02T03:00:00Z");
        assert_eq!(json["user"]["name"], "jsmith");
        assert_eq!(json["email"]["to"]["address"][1], "c@example.com");
        assert_eq!(json["email"]["display_names"][0], "Bea Example");
        assert_eq!(json["record"]["subject"]["type"], "person");
        assert!(json.get("host").is_none(), "empty parts are left out");
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn every_identity_is_found() {
        let mut event = sample();
        let found: Vec<(IdentityKind, String)> = event
            .identities_mut()
            .into_iter()
            .map(|(kind, id)| (kind, id.as_str().to_owned()))
            .collect();
        assert_eq!(
            found,
            vec![
                (IdentityKind::Account, "jsmith".into()),
                (IdentityKind::EmailAddress, "a@force.police.uk".into()),
                (IdentityKind::EmailAddress, "b@example.com".into()),
                (IdentityKind::EmailAddress, "c@example.com".into()),
                (IdentityKind::PersonName, "Bea Example".into()),
                (IdentityKind::RecordSubject, "P123".into()),
                (IdentityKind::PersonName, "Alex Doe".into()),
            ]
        );
        for (_, identity) in event.identities_mut() {
            identity.replace("pseudonym");
        }
        assert_eq!(event.user_name(), Some("pseudonym"));
        assert!(!event.search_text().contains("jsmith"));
        assert!(!event.search_text().contains("Bea Example"));
    }
}
