//! The activity logs: records-system audit CSV (with its mapping), sign-ins NDJSON, Winlogbeat
//! NDJSON and an MBOX mailbox.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Counted, CsvFile, FileCount};
use crate::activity::{address_id, person_id, vehicle_id};
use crate::clock::{asctime_utc, iso_utc, iso_utc_millis, rfc5322_local, uk_local};
use crate::events::{
    Item, Lookup, Mail, Party, Payload, Reference, SignIn, SubjectRef, WinEvent, WinKind,
};
use crate::org::{AD_DOMAIN, DNS_SUFFIX, MAIL_DOMAIN, ip_text};
use crate::scenario::{EventKey, Scenario};
use crate::world::World;
use crate::{Error, Result};

pub(crate) const AUDIT_FILE: &str = "logs/records-audit.csv";
pub(crate) const MAPPING_FILE: &str = "logs/records-audit.mapping.yaml";
pub(crate) const SIGNINS_FILE: &str = "logs/signins.ndjson";
pub(crate) const ENDPOINT_FILE: &str = "logs/endpoint.ndjson";
pub(crate) const MAIL_FILE: &str = "logs/mail.mbox";

/// The audit export's columns, in order.
pub(crate) const AUDIT_COLUMNS: [&str; 13] = [
    "Access Time",
    "User ID",
    "Terminal",
    "IP",
    "System",
    "Transaction",
    "Subject Type",
    "Subject Ref",
    "Subject Name",
    "Reason",
    "Incident",
    "Session",
    "Audit ID",
];

/// The mapping that reads the audit export with `probity ingest --mapping`.
pub(crate) const AUDIT_MAPPING: &str = r#"# How the synthetic force's records-system audit export becomes Probity events.
# Used with:  probity ingest --mapping logs/records-audit.mapping.yaml logs/records-audit.csv
# Times are UK local (Europe/London), day first, as the export writes them.
version: 1
name: records-audit
delimiter: ","
has_headers: true
timestamp: { column: "Access Time", format: "%d/%m/%Y %H:%M:%S", timezone: "Europe/London" }
fields:
  user.name: "User ID"
  record.system: "System"
  record.action: { column: "Transaction", map: { QP: search, QV: view, UP: update, PR: print, EX: export }, default: view }
  record.subject.type: { column: "Subject Type", lowercase: true }
  record.subject.id: "Subject Ref"
  record.subject.name: "Subject Name"
  record.reason: "Reason"
  record.incident_ref: "Incident"
  host.name: "Terminal"
  source.ip: "IP"
event: { kind: event, category: [iam], dataset: "records.audit", action_from: record.action }
"#;

/// The open log files and where each has got to.
pub(crate) struct Logs {
    audit: CsvFile,
    audit_id: u64,
    signins: Counted,
    signin_lines: u64,
    endpoint: Counted,
    endpoint_lines: u64,
    mail: Counted,
    messages: u64,
    mapping: FileCount,
}

impl Logs {
    pub(crate) fn create(out: &Path) -> Result<Self> {
        let mapping_path = out.join(MAPPING_FILE);
        std::fs::write(&mapping_path, AUDIT_MAPPING).map_err(|e| Error::io(&mapping_path, e))?;
        Ok(Logs {
            audit: CsvFile::create(out, AUDIT_FILE, &AUDIT_COLUMNS)?,
            audit_id: 0,
            signins: Counted::create(&out.join(SIGNINS_FILE))?,
            signin_lines: 0,
            endpoint: Counted::create(&out.join(ENDPOINT_FILE))?,
            endpoint_lines: 0,
            mail: Counted::create(&out.join(MAIL_FILE))?,
            messages: 0,
            mapping: FileCount {
                path: MAPPING_FILE.to_owned(),
                records: 1,
                bytes: AUDIT_MAPPING.len() as u64,
            },
        })
    }

    /// Writes one item and, if it belongs to a scenario, records where it went.
    pub(crate) fn write(
        &mut self,
        world: &World,
        item: &Item,
        scenarios: &mut [Scenario],
    ) -> Result<()> {
        let key = match &item.payload {
            Payload::Audit(lookup) => self.audit(world, item.at, lookup)?,
            Payload::SignIn(sign_in) => self.sign_in(world, item.at, item.seq, sign_in)?,
            Payload::Win(event) => self.windows(world, item.at, item.seq, event)?,
            Payload::Mail(mail) => self.mail(item.at, item.seq, mail)?,
        };
        if let Some(tag) = item.tag
            && let Some(scenario) = scenarios.get_mut(tag as usize)
        {
            scenario.saw(item.at, key);
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<Vec<FileCount>> {
        let signins = FileCount {
            path: SIGNINS_FILE.to_owned(),
            records: self.signin_lines,
            bytes: self.signins.finish()?,
        };
        let endpoint = FileCount {
            path: ENDPOINT_FILE.to_owned(),
            records: self.endpoint_lines,
            bytes: self.endpoint.finish()?,
        };
        let mail = FileCount {
            path: MAIL_FILE.to_owned(),
            records: self.messages,
            bytes: self.mail.finish()?,
        };
        Ok(vec![
            self.audit.finish()?,
            self.mapping,
            signins,
            endpoint,
            mail,
        ])
    }

    fn audit(&mut self, world: &World, at: i64, lookup: &Lookup) -> Result<EventKey> {
        self.audit_id += 1;
        let id = format!("TX{:010}", self.audit_id);
        let member = world.org.staff.get(lookup.staff as usize);
        let user = member.map(|m| m.records_user()).unwrap_or_default();
        let host = world
            .org
            .host(lookup.place.host)
            .map_or("", |h| h.name.as_str());
        let (kind, subject_id, name) = subject_fields(world, lookup.subject);
        let incident = match &lookup.reference {
            Reference::None => String::new(),
            Reference::Task(task) => world
                .tasking
                .tasks
                .get(*task as usize)
                .map(|t| t.reference.clone())
                .unwrap_or_default(),
            Reference::Missing { kind, salt } => world.tasking.missing_reference(*kind, at, *salt),
        };
        self.audit.row([
            uk_local(at).as_str(),
            &user,
            host,
            &ip_text(lookup.place.ip),
            lookup.system.code(),
            lookup.action.code(),
            kind,
            &subject_id,
            &name,
            lookup.reason,
            &incident,
            &format!("S-{:08}", lookup.session),
            &id,
        ])?;
        Ok(EventKey {
            file: AUDIT_FILE,
            // The header is line 1.
            location: format!("line {}", self.audit.rows + 1),
            id,
            at: iso_utc(at),
        })
    }

    fn sign_in(&mut self, world: &World, at: i64, seq: u64, sign_in: &SignIn) -> Result<EventKey> {
        let member = world.org.staff.get(sign_in.staff as usize);
        let host = world
            .org
            .host(sign_in.place.host)
            .map_or("", |h| h.name.as_str());
        let id = format!("SI{:012}", self.signin_lines + 1);
        let source = ip_text(sign_in.source_ip.unwrap_or(sign_in.place.ip));
        let document = SignInDoc {
            timestamp: iso_utc_millis(at, (seq % 1000) as u32),
            event: SignInEvent {
                kind: "event",
                category: ["authentication"],
                kind_type: ["start"],
                action: if sign_in.success {
                    "logon"
                } else {
                    "logon-failed"
                },
                outcome: if sign_in.success {
                    "success"
                } else {
                    "failure"
                },
                reason: (!sign_in.success).then_some("bad password"),
                dataset: "signin",
                id: &id,
            },
            user: SignInUser {
                name: member.map_or("", |m| m.sam.as_str()),
                domain: AD_DOMAIN,
                email: member.map_or("", |m| m.email.as_str()),
            },
            source: SignInSource { ip: &source },
            host: SignInHost { name: host },
            service: SignInService {
                name: sign_in.service.name(),
            },
        };
        write_json_line(&mut self.signins, &document)?;
        self.signin_lines += 1;
        Ok(EventKey {
            file: SIGNINS_FILE,
            location: format!("line {}", self.signin_lines),
            id,
            at: iso_utc(at),
        })
    }

    fn windows(&mut self, world: &World, at: i64, seq: u64, event: &WinEvent) -> Result<EventKey> {
        let record_id = self.endpoint_lines + 1;
        let document = winlogbeat(world, at, seq, record_id, event);
        write_json_line(&mut self.endpoint, &document)?;
        self.endpoint_lines += 1;
        Ok(EventKey {
            file: ENDPOINT_FILE,
            location: format!("line {}", self.endpoint_lines),
            id: record_id.to_string(),
            at: iso_utc(at),
        })
    }

    fn mail(&mut self, at: i64, seq: u64, mail: &Mail) -> Result<EventKey> {
        let offset = self.mail.bytes;
        self.messages += 1;
        let message_id = format!("<{}.{seq}.{}@{MAIL_DOMAIN}>", at, mail.staff);
        let text = message_text(at, seq, &message_id, mail);
        let envelope = format!("From {} {}\n", mail.from.address, asctime_utc(at));
        let path = self.mail.path.clone();
        self.mail
            .write_all(envelope.as_bytes())
            .and_then(|()| self.mail.write_all(text.as_bytes()))
            .map_err(|e| Error::io(&path, e))?;
        Ok(EventKey {
            file: MAIL_FILE,
            location: format!("message {} (byte offset {offset})", self.messages),
            id: message_id,
            at: iso_utc(at),
        })
    }
}

fn write_json_line<T: Serialize>(out: &mut Counted, document: &T) -> Result<()> {
    let path = out.path.clone();
    serde_json::to_writer(&mut *out, document).map_err(|source| Error::Json {
        path: path.clone(),
        source,
    })?;
    out.write_all(b"\n").map_err(|e| Error::io(&path, e))
}

/// Type, id and name of a subject as the audit export writes them.
fn subject_fields(world: &World, subject: SubjectRef) -> (&'static str, String, String) {
    let pop = &world.pop;
    match subject {
        SubjectRef::Person(person) => (
            "PERSON",
            person_id(person),
            pop.persons
                .get(person as usize)
                .map(|p| p.held.display.clone())
                .unwrap_or_default(),
        ),
        SubjectRef::Vehicle(vehicle) => {
            let vrm = pop
                .vehicles
                .get(vehicle as usize)
                .map(|v| v.vrm.clone())
                .unwrap_or_default();
            ("VEHICLE", vehicle_id(&vrm), vrm)
        }
        SubjectRef::Address(address) => ("ADDRESS", address_id(address), pop.address_line(address)),
    }
}

#[derive(Serialize)]
struct SignInDoc<'a> {
    #[serde(rename = "@timestamp")]
    timestamp: String,
    event: SignInEvent<'a>,
    user: SignInUser<'a>,
    source: SignInSource<'a>,
    host: SignInHost<'a>,
    service: SignInService<'a>,
}

#[derive(Serialize)]
struct SignInEvent<'a> {
    kind: &'a str,
    category: [&'a str; 1],
    #[serde(rename = "type")]
    kind_type: [&'a str; 1],
    action: &'a str,
    outcome: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    dataset: &'a str,
    id: &'a str,
}

#[derive(Serialize)]
struct SignInUser<'a> {
    name: &'a str,
    domain: &'a str,
    email: &'a str,
}

#[derive(Serialize)]
struct SignInSource<'a> {
    ip: &'a str,
}

#[derive(Serialize)]
struct SignInHost<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct SignInService<'a> {
    name: &'a str,
}

/// USB storage devices staff plug in.
const USB_DEVICES: [(&str, &str, &str); 3] = [
    (
        "Kingston",
        "DataTraveler_3.0",
        "Kingston DataTraveler 3.0 USB Device",
    ),
    ("SanDisk", "Ultra", "SanDisk Ultra USB Device"),
    (
        "Samsung",
        "Flash_Drive_FIT",
        "Samsung Flash Drive FIT USB Device",
    ),
];

/// A staff member's Windows account SID.
fn sid(staff: u32) -> String {
    format!("S-1-5-21-3623811015-3361044348-30300820-{}", 1100 + staff)
}

/// One Windows event as Winlogbeat ships it.
fn winlogbeat(world: &World, at: i64, seq: u64, record_id: u64, event: &WinEvent) -> Value {
    let host = world.org.host(event.host).map_or("", |h| h.name.as_str());
    let fqdn = format!("{host}.{DNS_SUFFIX}");
    let machine = format!("{host}$");
    let member = world.org.staff.get(event.staff as usize);
    let sam = member.map_or("", |m| m.sam.as_str());
    let logon_id = format!(
        "0x{:x}",
        0x10000 + (event.staff as u64 * 7919 + at as u64 / 3600) % 0xfffff
    );
    let security = "Microsoft-Windows-Security-Auditing";
    let (channel, provider, id, task, keywords, message, data, user_data) = match &event.kind {
        WinKind::Logon { logon_type } => (
            "Security",
            security,
            "4624",
            "Logon",
            "Audit Success",
            "An account was successfully logged on.",
            json!({
                "SubjectUserSid": "S-1-5-18", "SubjectUserName": machine, "SubjectDomainName": AD_DOMAIN,
                "SubjectLogonId": "0x3e7", "TargetUserSid": sid(event.staff), "TargetUserName": sam,
                "TargetDomainName": AD_DOMAIN, "TargetLogonId": logon_id, "LogonType": logon_type.to_string(),
                "LogonProcessName": "User32", "AuthenticationPackageName": "Negotiate",
                "WorkstationName": host, "IpAddress": "127.0.0.1", "IpPort": "0",
                "ProcessName": "C:\\Windows\\System32\\svchost.exe"
            }),
            None,
        ),
        WinKind::LogonFailed => (
            "Security",
            security,
            "4625",
            "Logon",
            "Audit Failure",
            "An account failed to log on.",
            json!({
                "SubjectUserSid": "S-1-5-18", "SubjectUserName": machine, "SubjectDomainName": AD_DOMAIN,
                "TargetUserName": sam, "TargetDomainName": AD_DOMAIN, "Status": "0xc000006d",
                "SubStatus": "0xc000006a", "FailureReason": "%%2313", "LogonType": "2",
                "WorkstationName": host, "IpAddress": "127.0.0.1", "IpPort": "0"
            }),
            None,
        ),
        WinKind::Logoff => (
            "Security",
            security,
            "4634",
            "Logoff",
            "Audit Success",
            "An account was logged off.",
            json!({
                "TargetUserSid": sid(event.staff), "TargetUserName": sam, "TargetDomainName": AD_DOMAIN,
                "TargetLogonId": logon_id, "LogonType": "2"
            }),
            None,
        ),
        WinKind::Process {
            image,
            command,
            parent,
        } => (
            "Security",
            security,
            "4688",
            "Process Creation",
            "Audit Success",
            "A new process has been created.",
            json!({
                "SubjectUserSid": sid(event.staff), "SubjectUserName": sam, "SubjectDomainName": AD_DOMAIN,
                "SubjectLogonId": logon_id, "NewProcessId": format!("0x{:x}", 0x1000 + seq % 0xefff),
                "NewProcessName": image, "TokenElevationType": "%%1938",
                "ProcessId": format!("0x{:x}", 0x800 + (seq / 7) % 0x7ff), "CommandLine": command,
                "ParentProcessName": parent, "MandatoryLabel": "S-1-16-8192"
            }),
            None,
        ),
        WinKind::Usb { device } => {
            let (vendor, product, description) = USB_DEVICES[*device as usize % USB_DEVICES.len()];
            let serial = format!(
                "{:016X}",
                (event.staff as u64 + 1) * 0x9E37_79B9 + u64::from(*device)
            );
            (
                "Security",
                security,
                "6416",
                "Plug and Play Events",
                "Audit Success",
                "A new external device was recognized by the system.",
                json!({
                    "SubjectUserSid": "S-1-5-18", "SubjectUserName": machine, "SubjectDomainName": AD_DOMAIN,
                    "SubjectLogonId": "0x3e7",
                    "DeviceId": format!("USBSTOR\\Disk&Ven_{vendor}&Prod_{product}&Rev_1.00\\{serial}&0"),
                    "DeviceDescription": description,
                    "ClassId": "{4d36e967-e325-11ce-bfc1-08002be10318}", "ClassName": "DiskDrive",
                    "VendorIds": format!("USBSTOR\\Disk{vendor}_{product}"),
                    "LocationInformation": "Port_#0002.Hub_#0004"
                }),
                None,
            )
        }
        WinKind::FileWrite { path } => (
            "Security",
            security,
            "4663",
            "Removable Storage",
            "Audit Success",
            "An attempt was made to access an object.",
            json!({
                "SubjectUserSid": sid(event.staff), "SubjectUserName": sam, "SubjectDomainName": AD_DOMAIN,
                "SubjectLogonId": logon_id, "ObjectServer": "Security", "ObjectType": "File",
                "ObjectName": path, "HandleId": format!("0x{:x}", 0x400 + seq % 0xbff),
                "AccessList": "%%4417", "AccessMask": "0x2",
                "ProcessId": "0x1a2c", "ProcessName": "C:\\Windows\\explorer.exe"
            }),
            None,
        ),
        WinKind::Print {
            document,
            pages,
            printer,
            bytes,
        } => {
            let printer_host = world.org.host(*printer);
            (
                "Microsoft-Windows-PrintService/Operational",
                "Microsoft-Windows-PrintService",
                "307",
                "Printing a document",
                "",
                "A document was printed.",
                Value::Null,
                Some(json!({
                    "xml_name": "DocumentPrinted",
                    "Param1": (seq % 900 + 1).to_string(),
                    "Param2": document,
                    "Param3": sam,
                    "Param4": format!("\\\\{host}"),
                    "Param5": printer_host.map_or("", |h| h.name.as_str()),
                    "Param6": printer_host.map(|h| format!("IP_{}", ip_text(h.ip))).unwrap_or_default(),
                    "Param7": bytes.to_string(),
                    "Param8": pages.to_string()
                })),
            )
        }
    };
    let mut winlog = json!({
        "channel": channel,
        "provider_name": provider,
        "computer_name": fqdn,
        "event_id": id,
        "record_id": record_id,
        "task": task,
        "api": "wineventlog",
    });
    if let Some(map) = winlog.as_object_mut() {
        if !keywords.is_empty() {
            map.insert("keywords".into(), json!([keywords]));
        }
        if !data.is_null() {
            map.insert("event_data".into(), data);
        }
        if let Some(user_data) = user_data {
            map.insert("user_data".into(), user_data);
        }
    }
    let mut document = json!({
        "@timestamp": iso_utc_millis(at, (seq % 1000) as u32),
        "agent": { "type": "winlogbeat", "version": "8.15.3" },
        "ecs": { "version": "8.0.0" },
        "host": { "name": fqdn },
        "event": { "code": id, "provider": provider, "kind": "event", "created": iso_utc_millis(at + 2, 0) },
        "log": { "level": "information" },
        "message": message,
        "winlog": winlog,
    });
    if matches!(event.kind, WinKind::Print { .. })
        && let Some(map) = document.as_object_mut()
    {
        // Winlogbeat resolves the print job's user from the event's security id.
        map.insert("user".into(), json!({ "name": sam, "domain": AD_DOMAIN }));
    }
    document
}

/// An email as RFC 5322 text (the mbox `From ` line is written separately). Body lines that
/// begin `From ` are quoted as mbox requires.
fn message_text(at: i64, seq: u64, message_id: &str, mail: &Mail) -> String {
    let mut text = String::with_capacity(1024 + mail.body.len());
    let date = rfc5322_local(at);
    text.push_str(&format!("Return-Path: <{}>\n", mail.from.address));
    text.push_str(&format!("Message-ID: {message_id}\n"));
    text.push_str(&format!("Date: {date}\n"));
    text.push_str(&format!("From: {}\n", party_text(&mail.from)));
    text.push_str(&format!("To: {}\n", parties_text(&mail.to)));
    if !mail.cc.is_empty() {
        text.push_str(&format!("Cc: {}\n", parties_text(&mail.cc)));
    }
    text.push_str(&format!("Subject: {}\n", mail.subject));
    text.push_str("MIME-Version: 1.0\n");
    text.push_str("X-Mailer: Microsoft Outlook 16.0\n");
    let body = quote_from_lines(&mail.body);
    if mail.attachments.is_empty() {
        text.push_str("Content-Type: text/plain; charset=\"utf-8\"\n");
        text.push_str("Content-Transfer-Encoding: 8bit\n\n");
        text.push_str(&body);
    } else {
        let boundary = format!("----=_Part_{}_{at}", seq % 1_000_000_000);
        text.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\n"
        ));
        text.push_str("This is a multi-part message in MIME format.\n\n");
        text.push_str(&format!("--{boundary}\n"));
        text.push_str("Content-Type: text/plain; charset=\"utf-8\"\n");
        text.push_str("Content-Transfer-Encoding: 8bit\n\n");
        text.push_str(&body);
        for attachment in &mail.attachments {
            text.push_str(&format!("\n--{boundary}\n"));
            text.push_str(&format!(
                "Content-Type: {}; name=\"{}\"\n",
                attachment.mime, attachment.name
            ));
            text.push_str("Content-Transfer-Encoding: base64\n");
            text.push_str(&format!(
                "Content-Disposition: attachment; filename=\"{}\"\n\n",
                attachment.name
            ));
            let encoded = base64::engine::general_purpose::STANDARD.encode(&attachment.data);
            for chunk in encoded.as_bytes().chunks(76) {
                text.push_str(&String::from_utf8_lossy(chunk));
                text.push('\n');
            }
        }
        text.push_str(&format!("--{boundary}--\n"));
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text
}

fn party_text(party: &Party) -> String {
    let name = party.name.replace(['"', '\\'], "");
    format!("\"{name}\" <{}>", party.address)
}

fn parties_text(parties: &[Party]) -> String {
    parties
        .iter()
        .map(party_text)
        .collect::<Vec<_>>()
        .join(", ")
}

fn quote_from_lines(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 16);
    for line in body.split_inclusive('\n') {
        let unquoted = line.trim_start_matches('>');
        if unquoted.starts_with("From ") {
            out.push('>');
        }
        out.push_str(line);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
