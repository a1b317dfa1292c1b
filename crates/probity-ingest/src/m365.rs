//! Microsoft 365 unified audit log records onto the model.
//!
//! Two shapes are recognised:
//!
//! - the native record of the Office 365 Management Activity API and of a Purview audit search
//!   (`CreationTime`, `Operation`, `Workload`, numeric `RecordType`, `UserId`, `ClientIP`,
//!   `ObjectId`, `ResultStatus`…). A Purview CSV export carries that record as JSON text in its
//!   `AuditData` column, beside `CreationDate`, `UserIds` and `Operations`; the text is read here.
//! - the Microsoft Sentinel `OfficeActivity` table (`TimeGenerated`, `Operation`, `OfficeWorkload`,
//!   `RecordType` as text, `UserId`, `Client_IPAddress`, `OfficeObjectId`, `Site_Url`…).
//!
//! What an operation is (`event.category`, `event.type`) is data: the [`OPERATIONS`] table, with
//! rules by workload and name for the operations it does not list.

use std::borrow::Cow;
use std::net::IpAddr;

use serde_json::{Map, Value};

use probity_model::{Email, Endpoint, Event, File, Identity, Url, User};

use crate::timeparse::parse_time_value;

/// The tag on an inbox rule or mailbox setting that forwards or redirects mail.
pub const FORWARDING_TAG: &str = "m365-mail-forwarding";

/// Whether a JSON object is a Microsoft 365 audit record in one of the shapes this module reads.
pub fn is_m365(obj: &Map<String, Value>) -> bool {
    if let Some(inner) = audit_data(obj) {
        return is_native(&inner) || is_native(obj);
    }
    is_native(obj) || is_sentinel(obj)
}

fn is_native(obj: &Map<String, Value>) -> bool {
    obj.contains_key("Operation")
        && obj.contains_key("CreationTime")
        && (obj.contains_key("Workload") || obj.contains_key("RecordType"))
}

fn is_sentinel(obj: &Map<String, Value>) -> bool {
    let office_activity = obj.get("Type").and_then(Value::as_str) == Some("OfficeActivity");
    obj.contains_key("Operation") && (obj.contains_key("OfficeWorkload") || office_activity)
}

/// The record inside a Purview export's `AuditData` column (JSON text, or already an object).
fn audit_data(obj: &Map<String, Value>) -> Option<Cow<'_, Map<String, Value>>> {
    match obj.get("AuditData")? {
        Value::Object(inner) => Some(Cow::Borrowed(inner)),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(inner)) => Some(Cow::Owned(inner)),
            _ => None,
        },
        _ => None,
    }
}

/// Fills the typed fields of `event` from a Microsoft 365 audit record, `@timestamp` included.
/// Fields the record does not give are left as they are.
pub fn apply(obj: &Map<String, Value>, event: &mut Event) {
    let inner = audit_data(obj);
    let record = Record {
        inner: inner.as_deref(),
        outer: obj,
    };
    if let Some(time) = record
        .value(&["CreationTime", "TimeGenerated", "CreationDate"])
        .and_then(parse_time_value)
    {
        event.timestamp = time;
    }
    let operation = record.text(&["Operation", "Operations"]);
    let workload = record.text(&["Workload", "OfficeWorkload"]);
    let meta = &mut event.event;
    meta.kind = Some("event".to_owned());
    meta.dataset = Some(match workload {
        Some(workload) => format!("m365.{}", workload.to_ascii_lowercase()),
        None => "m365".to_owned(),
    });
    set(&mut meta.action, operation.map(str::to_owned));
    set(&mut meta.provider, workload.map(str::to_owned));
    set(
        &mut meta.code,
        record.value(&["RecordType"]).and_then(scalar_text),
    );
    set(&mut meta.outcome, outcome(&record, operation));
    set(
        &mut meta.reason,
        record.text(&["LogonError"]).map(str::to_owned),
    );
    if let Some(operation) = operation {
        let (category, kind) = classify(operation, workload);
        if !category.is_empty() {
            meta.category = category.iter().map(|c| (*c).to_owned()).collect();
        }
        if !kind.is_empty() {
            meta.kind_type = kind.iter().map(|k| (*k).to_owned()).collect();
        }
    }
    set(&mut event.user, user(&record));
    set(&mut event.source, source(&record));
    set(&mut event.url, url(&record));
    set(&mut event.file, file(&record));
    let forwarded_to = forwarding_addresses(&record);
    if !forwarded_to.is_empty() {
        event.tags.push(FORWARDING_TAG.to_owned());
    }
    set(&mut event.email, email(&record, operation, forwarded_to));
}

/// Replaces a field only with a value, keeping what the event already holds otherwise.
fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

/// A record's fields: the `AuditData` record first, then the row or object around it.
struct Record<'a> {
    inner: Option<&'a Map<String, Value>>,
    outer: &'a Map<String, Value>,
}

impl<'a> Record<'a> {
    fn value(&self, keys: &[&str]) -> Option<&'a Value> {
        let present = |map: &'a Map<String, Value>| {
            keys.iter()
                .find_map(|key| map.get(*key).filter(|v| !is_blank(v)))
        };
        self.inner.and_then(present).or_else(|| present(self.outer))
    }

    fn text(&self, keys: &[&str]) -> Option<&'a str> {
        let present = |map: &'a Map<String, Value>| {
            keys.iter().find_map(|key| {
                let text = map.get(*key)?.as_str()?.trim();
                (!text.is_empty() && text != "-").then_some(text)
            })
        };
        self.inner.and_then(present).or_else(|| present(self.outer))
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `ResultStatus` as ECS outcome; a failed sign-in is a failure whatever the status says.
fn outcome(record: &Record<'_>, operation: Option<&str>) -> Option<String> {
    if operation.is_some_and(|op| op.eq_ignore_ascii_case("UserLoginFailed")) {
        return Some("failure".to_owned());
    }
    let status = match record.value(&["ResultStatus"])? {
        Value::Bool(true) => "true",
        Value::Bool(false) => "false",
        Value::String(s) => s.trim(),
        _ => return None,
    };
    const SUCCESS: &[&str] = &["succeeded", "success", "true", "partiallysucceeded"];
    const FAILURE: &[&str] = &["failed", "failure", "false"];
    let is = |names: &[&str]| names.iter().any(|n| status.eq_ignore_ascii_case(n));
    if is(SUCCESS) {
        return Some("success".to_owned());
    }
    if is(FAILURE) {
        return Some("failure".to_owned());
    }
    None
}

const AUTHENTICATION: &[&str] = &["authentication"];
const CONFIGURATION: &[&str] = &["configuration"];
const EMAIL: &[&str] = &["email"];
const EMAIL_CONFIGURATION: &[&str] = &["email", "configuration"];
const FILE: &[&str] = &["file"];
const IAM: &[&str] = &["iam"];

const ACCESS: &[&str] = &["access"];
const CHANGE: &[&str] = &["change"];
const CREATION: &[&str] = &["creation"];
const DELETION: &[&str] = &["deletion"];
const GROUP_CHANGE: &[&str] = &["group", "change"];
const INFO: &[&str] = &["info"];
const START: &[&str] = &["start"];
const USER_CHANGE: &[&str] = &["user", "change"];
const USER_CREATION: &[&str] = &["user", "creation"];
const USER_DELETION: &[&str] = &["user", "deletion"];

/// What common operations are: name, `event.category`, `event.type`.
pub const OPERATIONS: &[(&str, &[&str], &[&str])] = &[
    // Sign-ins.
    ("UserLoggedIn", AUTHENTICATION, START),
    ("UserLoginFailed", AUTHENTICATION, START),
    ("MailboxLogin", AUTHENTICATION, START),
    // Mail.
    ("MailItemsAccessed", EMAIL, ACCESS),
    ("FolderBind", EMAIL, ACCESS),
    ("Send", EMAIL, INFO),
    ("SendAs", EMAIL, INFO),
    ("SendOnBehalf", EMAIL, INFO),
    ("Create", EMAIL, CREATION),
    ("Update", EMAIL, CHANGE),
    ("Copy", EMAIL, CREATION),
    ("Move", EMAIL, CHANGE),
    ("MoveToDeletedItems", EMAIL, DELETION),
    ("SoftDelete", EMAIL, DELETION),
    ("HardDelete", EMAIL, DELETION),
    ("SearchQueryInitiatedExchange", EMAIL, ACCESS),
    ("UpdateInboxRules", EMAIL_CONFIGURATION, CHANGE),
    ("New-InboxRule", EMAIL_CONFIGURATION, CREATION),
    ("Set-InboxRule", EMAIL_CONFIGURATION, CHANGE),
    ("Remove-InboxRule", EMAIL_CONFIGURATION, DELETION),
    ("Set-Mailbox", EMAIL_CONFIGURATION, CHANGE),
    ("New-TransportRule", EMAIL_CONFIGURATION, CREATION),
    ("Set-TransportRule", EMAIL_CONFIGURATION, CHANGE),
    // Mailbox and role permissions.
    ("Add-MailboxPermission", IAM, CHANGE),
    ("Remove-MailboxPermission", IAM, CHANGE),
    ("Add-RecipientPermission", IAM, CHANGE),
    ("Add-MailboxFolderPermission", IAM, CHANGE),
    ("Add-RoleGroupMember", IAM, GROUP_CHANGE),
    ("New-ManagementRoleAssignment", IAM, CREATION),
    // Files (SharePoint, OneDrive, Teams).
    ("FileAccessed", FILE, ACCESS),
    ("FileAccessedExtended", FILE, ACCESS),
    ("FilePreviewed", FILE, ACCESS),
    ("FileDownloaded", FILE, ACCESS),
    ("FileSyncDownloadedFull", FILE, ACCESS),
    ("FileSyncDownloadedPartial", FILE, ACCESS),
    ("FileUploaded", FILE, CREATION),
    ("FileSyncUploadedFull", FILE, CREATION),
    ("FileSyncUploadedPartial", FILE, CREATION),
    ("FileCopied", FILE, CREATION),
    ("FileModified", FILE, CHANGE),
    ("FileModifiedExtended", FILE, CHANGE),
    ("FileRenamed", FILE, CHANGE),
    ("FileMoved", FILE, CHANGE),
    ("FileCheckedOut", FILE, CHANGE),
    ("FileCheckedIn", FILE, CHANGE),
    ("FileRestored", FILE, CHANGE),
    ("FileDeleted", FILE, DELETION),
    ("FileRecycled", FILE, DELETION),
    ("FileDeletedFirstStageRecycleBin", FILE, DELETION),
    ("FileDeletedSecondStageRecycleBin", FILE, DELETION),
    // Sharing.
    ("SharingSet", FILE, CHANGE),
    ("SharingInvitationCreated", FILE, CREATION),
    ("AnonymousLinkCreated", FILE, CREATION),
    ("AnonymousLinkUsed", FILE, ACCESS),
    ("CompanyLinkCreated", FILE, CREATION),
    ("SecureLinkCreated", FILE, CREATION),
    ("AddedToSecureLink", FILE, CHANGE),
    // Directory administration.
    ("Add user.", IAM, USER_CREATION),
    ("Delete user.", IAM, USER_DELETION),
    ("Update user.", IAM, USER_CHANGE),
    ("Disable account.", IAM, USER_CHANGE),
    ("Reset user password.", IAM, USER_CHANGE),
    ("Change user password.", IAM, USER_CHANGE),
    ("Set force change user password.", IAM, USER_CHANGE),
    ("Set license properties.", IAM, USER_CHANGE),
    ("Add member to role.", IAM, GROUP_CHANGE),
    ("Remove member from role.", IAM, GROUP_CHANGE),
    ("Add member to group.", IAM, GROUP_CHANGE),
    ("Remove member from group.", IAM, GROUP_CHANGE),
    ("Add service principal.", IAM, CREATION),
    ("Consent to application.", IAM, CHANGE),
];

/// `event.category` and `event.type` for an operation: from [`OPERATIONS`], else by rule.
pub fn classify(
    operation: &str,
    workload: Option<&str>,
) -> (&'static [&'static str], &'static [&'static str]) {
    if let Some((_, category, kind)) = OPERATIONS
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(operation))
    {
        return (category, kind);
    }
    let workload_is = |name: &str| workload.is_some_and(|w| w.eq_ignore_ascii_case(name));
    if operation.starts_with("File") {
        return (FILE, INFO);
    }
    if workload_is("AzureActiveDirectory") {
        return (IAM, INFO);
    }
    // Exchange and other admin operations are PowerShell cmdlets (`Verb-Noun`).
    if operation.contains('-') {
        return (CONFIGURATION, CHANGE);
    }
    if workload_is("Exchange") {
        return (EMAIL, INFO);
    }
    (&[], &[])
}

/// `UserId` names the acting identity (a UPN, an email address, or a service name).
fn user(record: &Record<'_>) -> Option<User> {
    let id = record.text(&["UserId", "UserIds"])?;
    let key = record
        .text(&["UserKey"])
        .filter(|key| !key.eq_ignore_ascii_case(id));
    Some(User {
        name: Some(Identity::new(id)),
        email: id.contains('@').then(|| Identity::new(id)),
        id: key.map(Identity::new),
        ..User::default()
    })
}

fn source(record: &Record<'_>) -> Option<Endpoint> {
    let raw = record.text(&[
        "ClientIP",
        "Client_IPAddress",
        "ClientIPAddress",
        "ActorIpAddress",
    ])?;
    let (ip, port) = split_address(raw);
    let mut endpoint = Endpoint {
        port,
        ..Endpoint::default()
    };
    match ip {
        Some(ip) => endpoint.ip = Some(ip),
        None => endpoint.address = Some(raw.to_owned()),
    }
    Some(endpoint)
}

/// An address as Microsoft 365 writes it: `1.2.3.4`, `1.2.3.4:5678`, `2a01::1`,
/// `[2a01::1]:1234`, `::ffff:1.2.3.4`. Returns the address without port or brackets.
pub fn split_address(raw: &str) -> (Option<String>, Option<u16>) {
    let raw = raw.trim();
    if let Some(rest) = raw.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return (None, None);
        };
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return (normalise_ip(inside), port);
    }
    if let Some(ip) = normalise_ip(raw) {
        return (Some(ip), None);
    }
    // One colon: an IPv4 address and a port.
    if let Some((host, port)) = raw.split_once(':')
        && !port.contains(':')
        && let Some(ip) = normalise_ip(host)
    {
        return (Some(ip), port.parse().ok());
    }
    (None, None)
}

fn normalise_ip(text: &str) -> Option<String> {
    let ip: IpAddr = text.trim().parse().ok()?;
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    Some(ip.to_string())
}

/// A SharePoint or OneDrive object's address.
fn url(record: &Record<'_>) -> Option<Url> {
    let full = record
        .text(&["ObjectId", "OfficeObjectId"])
        .filter(|t| is_web_address(t))
        .or_else(|| {
            record
                .text(&["SiteUrl", "Site_Url"])
                .filter(|t| is_web_address(t))
        })?;
    let after_scheme = full.split_once("://").map_or(full, |(_, rest)| rest);
    let (domain, path) = match after_scheme.find('/') {
        Some(at) => (&after_scheme[..at], Some(&after_scheme[at..])),
        None => (after_scheme, None),
    };
    Some(Url {
        full: Some(full.to_owned()),
        domain: (!domain.is_empty()).then(|| domain.to_owned()),
        path: path.map(str::to_owned),
    })
}

fn is_web_address(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// A file named by a SharePoint, OneDrive or Teams record (`SourceFileName`).
fn file(record: &Record<'_>) -> Option<File> {
    let name = record.text(&["SourceFileName"])?;
    let object = record
        .text(&["ObjectId", "OfficeObjectId"])
        .filter(|object| object.ends_with(name));
    let path = match (object, record.text(&["SourceRelativeUrl"])) {
        (Some(object), _) => object.to_owned(),
        (None, Some(folder)) => format!("{}/{name}", folder.trim_end_matches('/')),
        (None, None) => name.to_owned(),
    };
    let extension = record
        .text(&["SourceFileExtension"])
        .or_else(|| name.rsplit_once('.').map(|(_, ext)| ext))
        .filter(|ext| !ext.is_empty())
        .map(str::to_owned);
    Some(File {
        path: Some(path),
        name: Some(name.to_owned()),
        extension,
        ..File::default()
    })
}

/// Inbox-rule and mailbox parameters that send mail elsewhere.
const FORWARDING_PARAMETERS: &[&str] = &[
    "ForwardTo",
    "ForwardAsAttachmentTo",
    "RedirectTo",
    "ForwardingSmtpAddress",
    "ForwardingAddress",
];

/// The addresses an inbox rule or mailbox setting forwards or redirects mail to, from
/// `Parameters` (`[{"Name": "ForwardTo", "Value": "a@b.c;d@e.f"}]`, or that list as JSON text).
fn forwarding_addresses(record: &Record<'_>) -> Vec<String> {
    let parameters = match record.value(&["Parameters"]) {
        Some(Value::Array(items)) => Cow::Borrowed(items),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => Cow::Owned(items),
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let mut addresses = Vec::new();
    for parameter in parameters.iter() {
        let name = parameter.get("Name").and_then(Value::as_str).unwrap_or("");
        if !FORWARDING_PARAMETERS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let Some(value) = parameter.get("Value").and_then(Value::as_str) else {
            continue;
        };
        for address in value.split([';', ',']) {
            let address = address.trim();
            let address = address
                .strip_prefix("smtp:")
                .or_else(|| address.strip_prefix("SMTP:"))
                .unwrap_or(address)
                .trim();
            if !address.is_empty() {
                addresses.push(address.to_owned());
            }
        }
    }
    addresses
}

/// The message an Exchange record is about: its subject and id, the mailbox that sent it, and
/// where a forwarding rule sends mail.
fn email(record: &Record<'_>, operation: Option<&str>, forwarded_to: Vec<String>) -> Option<Email> {
    let item = record.value(&["Item"]);
    let first_affected = match record.value(&["AffectedItems"]) {
        Some(Value::Array(items)) => items.first(),
        _ => None,
    };
    let item_text = |key: &str| {
        [item, first_affected]
            .into_iter()
            .flatten()
            .find_map(|item| item.get(key).and_then(Value::as_str))
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    let subject = item_text("Subject").or_else(|| record.text(&["Subject"]).map(str::to_owned));
    let message_id = item_text("InternetMessageId")
        .or_else(|| record.text(&["InternetMessageId"]).map(str::to_owned));
    let sending = operation.is_some_and(|op| {
        ["Send", "SendAs", "SendOnBehalf"]
            .iter()
            .any(|send| op.eq_ignore_ascii_case(send))
    });
    let from = if sending {
        record
            .text(&[
                "SendAsUserSmtp",
                "SendOnBehalfOfUserSmtp",
                "MailboxOwnerUPN",
            ])
            .map(|sender| vec![Identity::new(sender)])
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let email = Email {
        from,
        to: forwarded_to.into_iter().map(Identity::new).collect(),
        subject,
        message_id,
        ..Email::default()
    };
    (email != Email::default()).then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_lose_ports_and_brackets() {
        assert_eq!(split_address("1.2.3.4"), (Some("1.2.3.4".into()), None));
        assert_eq!(
            split_address("1.2.3.4:5678"),
            (Some("1.2.3.4".into()), Some(5678))
        );
        assert_eq!(
            split_address("[2a01::1]:1234"),
            (Some("2a01::1".into()), Some(1234))
        );
        assert_eq!(
            split_address("2a01:4f8::1"),
            (Some("2a01:4f8::1".into()), None)
        );
        assert_eq!(
            split_address("::ffff:10.0.0.1"),
            (Some("10.0.0.1".into()), None)
        );
        assert_eq!(split_address("[2a01::1]"), (Some("2a01::1".into()), None));
        assert_eq!(split_address("not an address"), (None, None));
        assert_eq!(split_address("[broken"), (None, None));
    }

    #[test]
    fn operations_are_classified_by_table_then_rule() {
        assert_eq!(
            classify("UserLoggedIn", Some("AzureActiveDirectory")).0,
            AUTHENTICATION
        );
        assert_eq!(
            classify("FileDownloaded", Some("SharePoint")),
            (FILE, ACCESS)
        );
        assert_eq!(classify("FileSomethingNew", Some("OneDrive")).0, FILE);
        assert_eq!(
            classify("Update group.", Some("AzureActiveDirectory")).0,
            IAM
        );
        assert_eq!(
            classify("Set-OwaMailboxPolicy", Some("Exchange")).0,
            CONFIGURATION
        );
        assert_eq!(classify("ApplyRecord", Some("Exchange")).0, EMAIL);
        assert!(classify("MemberAdded", Some("MicrosoftTeams")).0.is_empty());
    }

    #[test]
    fn table_names_are_unique() {
        let mut names: Vec<String> = OPERATIONS
            .iter()
            .map(|(name, _, _)| name.to_ascii_lowercase())
            .collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }
}
