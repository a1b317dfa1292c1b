//! Windows events onto the model.
//!
//! [`apply`] reads the flat field names of a Windows event (as [`crate::evtx::flatten_record`] gives
//! them for an EVTX record, or [`flatten_winlogbeat`] for a Winlogbeat document) and fills the typed
//! ECS fields: code, provider and dataset, host, the acting account and the account acted upon,
//! network ends, process and file. What each known event id means is data: the [`EVENTS`] table,
//! whose action names follow Winlogbeat's for the Security log.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use probity_model::{Endpoint, Event, File, Host, Identity, ParentProcess, Process, User, UserRef};

/// Which log an event is from, as far as the mapping cares: the same event id means different
/// things in different logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Log {
    /// `Security` (Microsoft-Windows-Security-Auditing and the Eventlog service's own events).
    Security,
    /// `Microsoft-Windows-Sysmon/Operational`.
    Sysmon,
    /// `System`.
    System,
    /// `Windows PowerShell`, `Microsoft-Windows-PowerShell/Operational`, `PowerShellCore/Operational`.
    PowerShell,
    /// `Microsoft-Windows-Windows Defender/Operational`.
    Defender,
    /// Any other log.
    Other,
}

/// Which account acted, and which (if any) was acted upon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// `SubjectUserName`, `SubjectDomainName`, `SubjectUserSid`.
    Subject,
    /// The account that logged on or off or was authenticated: `TargetUserName`,
    /// `TargetDomainName`, `TargetUserSid` (else the subject).
    Target,
    /// The subject acted on the account named by `Target*` (`user.target`).
    SubjectOnTarget,
    /// The subject changed a group's members: the member (`MemberName`, `MemberSid`) is
    /// `user.target`.
    SubjectOnMember,
    /// Remote session events: `AccountName`, `AccountDomain`.
    Session,
    /// `User` written as `DOMAIN\name` (Sysmon and others).
    DomainUser,
}

/// What a known event is: its ECS action, categories and types, and who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMapping {
    /// The log the id belongs to.
    pub log: Log,
    /// The event id (`EventID`).
    pub id: u32,
    /// `event.action`.
    pub action: &'static str,
    /// `event.category`.
    pub category: &'static [&'static str],
    /// `event.type`.
    pub kind: &'static [&'static str],
    /// Which fields name the acting account (and the account acted upon).
    pub actor: Actor,
}

const fn ev(
    log: Log,
    id: u32,
    action: &'static str,
    category: &'static [&'static str],
    kind: &'static [&'static str],
    actor: Actor,
) -> EventMapping {
    EventMapping {
        log,
        id,
        action,
        category,
        kind,
        actor,
    }
}

const AUTHENTICATION: &[&str] = &["authentication"];
const CONFIGURATION: &[&str] = &["configuration"];
const DRIVER: &[&str] = &["driver"];
const FILE: &[&str] = &["file"];
const HOST: &[&str] = &["host"];
const IAM: &[&str] = &["iam"];
const LIBRARY: &[&str] = &["library"];
const MALWARE: &[&str] = &["malware"];
const NETWORK: &[&str] = &["network"];
const NETWORK_FILE: &[&str] = &["network", "file"];
const PROCESS: &[&str] = &["process"];
const REGISTRY: &[&str] = &["registry"];
const SESSION: &[&str] = &["session"];
const NONE: &[&str] = &[];

const ACCESS: &[&str] = &["access"];
const ADMIN: &[&str] = &["admin"];
const ADMIN_CHANGE: &[&str] = &["admin", "change"];
const CHANGE: &[&str] = &["change"];
const CONNECTION: &[&str] = &["connection", "start"];
const DENIED_CONNECTION: &[&str] = &["connection", "denied"];
const DENIED_INSTALLATION: &[&str] = &["installation", "denied"];
const CREATION: &[&str] = &["creation"];
const DELETION: &[&str] = &["deletion"];
const DENIED_CREATION: &[&str] = &["creation", "denied"];
const DENIED_DELETION: &[&str] = &["deletion", "denied"];
const END: &[&str] = &["end"];
const ERROR: &[&str] = &["error"];
const GROUP_CHANGE: &[&str] = &["group", "change"];
const GROUP_CREATION: &[&str] = &["group", "creation"];
const GROUP_DELETION: &[&str] = &["group", "deletion"];
const INFO: &[&str] = &["info"];
const INSTALLATION: &[&str] = &["installation"];
const PROTOCOL: &[&str] = &["protocol", "info"];
const START: &[&str] = &["start"];
const USER_CHANGE: &[&str] = &["user", "change"];
const USER_CREATION: &[&str] = &["user", "creation"];
const USER_DELETION: &[&str] = &["user", "deletion"];
const USER_INFO: &[&str] = &["user", "info"];

use Actor::{DomainUser, Session, Subject, SubjectOnMember, SubjectOnTarget, Target};
use Log::{Defender, PowerShell, Security, Sysmon, System};

/// The events Probity knows by id. Security log names follow Winlogbeat's ECS mapping; Sysmon,
/// System, PowerShell and Defender names are the events' own names in the same style.
#[rustfmt::skip]
pub const EVENTS: &[EventMapping] = &[
    // Security: the audit log itself.
    ev(Security, 1100, "logging-service-shutdown", PROCESS, END, Subject),
    ev(Security, 1102, "audit-log-cleared", IAM, ADMIN, Subject),
    ev(Security, 1104, "logging-full", IAM, ADMIN, Subject),
    ev(Security, 4616, "system-time-changed", HOST, CHANGE, Subject),
    ev(Security, 4719, "changed-audit-config", IAM, ADMIN, Subject),
    // Security: logon and logoff.
    ev(Security, 4624, "logged-in", AUTHENTICATION, START, Target),
    ev(Security, 4625, "logon-failed", AUTHENTICATION, START, Target),
    ev(Security, 4634, "logged-out", AUTHENTICATION, END, Target),
    ev(Security, 4647, "logged-out", AUTHENTICATION, END, Target),
    ev(Security, 4648, "logged-in-explicit", AUTHENTICATION, START, Target),
    ev(Security, 4672, "logged-in-special", IAM, ADMIN, Subject),
    ev(Security, 4964, "logged-in-special", IAM, ADMIN, Target),
    ev(Security, 4768, "kerberos-authentication-ticket-requested", AUTHENTICATION, START, Target),
    ev(Security, 4769, "kerberos-service-ticket-requested", AUTHENTICATION, START, Target),
    ev(Security, 4770, "kerberos-service-ticket-renewed", AUTHENTICATION, START, Target),
    ev(Security, 4771, "kerberos-preauth-failed", AUTHENTICATION, START, Target),
    ev(Security, 4776, "credential-validated", AUTHENTICATION, START, Target),
    ev(Security, 4778, "session-reconnected", AUTHENTICATION, START, Session),
    ev(Security, 4779, "session-disconnected", AUTHENTICATION, END, Session),
    ev(Security, 4800, "workstation-locked", SESSION, INFO, Target),
    ev(Security, 4801, "workstation-unlocked", SESSION, INFO, Target),
    ev(Security, 4802, "screensaver-invoked", SESSION, INFO, Target),
    ev(Security, 4803, "screensaver-dismissed", SESSION, INFO, Target),
    // Security: privilege use, processes, services, tasks.
    ev(Security, 4673, "privileged-service-called", IAM, ADMIN, Subject),
    ev(Security, 4674, "privileged-operation", IAM, ADMIN, Subject),
    ev(Security, 4688, "created-process", PROCESS, START, Subject),
    ev(Security, 4689, "exited-process", PROCESS, END, Subject),
    ev(Security, 4697, "service-installed", IAM, ADMIN_CHANGE, Subject),
    ev(Security, 4698, "scheduled-task-created", IAM, CREATION, Subject),
    ev(Security, 4699, "scheduled-task-deleted", IAM, DELETION, Subject),
    ev(Security, 4700, "scheduled-task-enabled", IAM, CHANGE, Subject),
    ev(Security, 4701, "scheduled-task-disabled", IAM, CHANGE, Subject),
    ev(Security, 4702, "scheduled-task-updated", IAM, CHANGE, Subject),
    // Security: user and computer accounts.
    ev(Security, 4720, "added-user-account", IAM, USER_CREATION, SubjectOnTarget),
    ev(Security, 4722, "enabled-user-account", IAM, USER_CREATION, SubjectOnTarget),
    ev(Security, 4723, "changed-password", IAM, USER_CHANGE, SubjectOnTarget),
    ev(Security, 4724, "reset-password", IAM, USER_CHANGE, SubjectOnTarget),
    ev(Security, 4725, "disabled-user-account", IAM, USER_DELETION, SubjectOnTarget),
    ev(Security, 4726, "deleted-user-account", IAM, USER_DELETION, SubjectOnTarget),
    ev(Security, 4738, "modified-user-account", IAM, USER_CHANGE, SubjectOnTarget),
    ev(Security, 4740, "locked-out-user-account", IAM, USER_CHANGE, SubjectOnTarget),
    ev(Security, 4767, "unlocked-user-account", IAM, USER_CHANGE, SubjectOnTarget),
    ev(Security, 4781, "renamed-user-account", IAM, USER_CHANGE, SubjectOnTarget),
    ev(Security, 4794, "dsrm-password-set", IAM, USER_CHANGE, Subject),
    ev(Security, 4798, "group-membership-enumerated", IAM, USER_INFO, SubjectOnTarget),
    ev(Security, 4799, "user-member-enumerated", IAM, INFO, Subject),
    ev(Security, 4741, "added-computer-account", IAM, CREATION, SubjectOnTarget),
    ev(Security, 4742, "changed-computer-account", IAM, CHANGE, SubjectOnTarget),
    ev(Security, 4743, "deleted-computer-account", IAM, DELETION, SubjectOnTarget),
    // Security: groups.
    ev(Security, 4727, "added-group-account", IAM, GROUP_CREATION, Subject),
    ev(Security, 4728, "added-member-to-group", IAM, GROUP_CHANGE, SubjectOnMember),
    ev(Security, 4729, "removed-member-from-group", IAM, GROUP_CHANGE, SubjectOnMember),
    ev(Security, 4730, "deleted-group-account", IAM, GROUP_DELETION, Subject),
    ev(Security, 4731, "added-group-account", IAM, GROUP_CREATION, Subject),
    ev(Security, 4732, "added-member-to-group", IAM, GROUP_CHANGE, SubjectOnMember),
    ev(Security, 4733, "removed-member-from-group", IAM, GROUP_CHANGE, SubjectOnMember),
    ev(Security, 4734, "deleted-group-account", IAM, GROUP_DELETION, Subject),
    ev(Security, 4735, "modified-group-account", IAM, GROUP_CHANGE, Subject),
    ev(Security, 4737, "modified-group-account", IAM, GROUP_CHANGE, Subject),
    ev(Security, 4754, "added-group-account", IAM, GROUP_CREATION, Subject),
    ev(Security, 4755, "modified-group-account", IAM, GROUP_CHANGE, Subject),
    ev(Security, 4756, "added-member-to-group", IAM, GROUP_CHANGE, SubjectOnMember),
    ev(Security, 4757, "removed-member-from-group", IAM, GROUP_CHANGE, SubjectOnMember),
    ev(Security, 4758, "deleted-group-account", IAM, GROUP_DELETION, Subject),
    // Security: object access, shares, directory, registry, firewall.
    ev(Security, 4656, "object-handle-requested", FILE, ACCESS, Subject),
    ev(Security, 4660, "object-deleted", FILE, DELETION, Subject),
    ev(Security, 4663, "object-accessed", FILE, ACCESS, Subject),
    ev(Security, 4670, "object-permissions-changed", FILE, CHANGE, Subject),
    ev(Security, 4657, "registry-value-modified", REGISTRY, CHANGE, Subject),
    ev(Security, 4662, "directory-service-object-accessed", IAM, INFO, Subject),
    ev(Security, 5136, "directory-service-object-modified", IAM, CHANGE, Subject),
    ev(Security, 5140, "network-share-object-accessed", NETWORK_FILE, ACCESS, Subject),
    ev(Security, 5142, "network-share-added", CONFIGURATION, CREATION, Subject),
    ev(Security, 5143, "network-share-modified", CONFIGURATION, CHANGE, Subject),
    ev(Security, 5144, "network-share-deleted", CONFIGURATION, DELETION, Subject),
    ev(Security, 5145, "network-share-object-access-checked", NETWORK_FILE, ACCESS, Subject),
    ev(Security, 5156, "network-connection-allowed", NETWORK, CONNECTION, Subject),
    ev(Security, 5157, "network-connection-blocked", NETWORK, DENIED_CONNECTION, Subject),
    // Security: removable devices.
    ev(Security, 6416, "external-device-recognized", HOST, INFO, Subject),
    ev(Security, 6419, "device-disable-requested", HOST, CHANGE, Subject),
    ev(Security, 6420, "device-disabled", HOST, CHANGE, Subject),
    ev(Security, 6421, "device-enable-requested", HOST, CHANGE, Subject),
    ev(Security, 6422, "device-enabled", HOST, CHANGE, Subject),
    ev(Security, 6423, "device-installation-blocked", HOST, DENIED_INSTALLATION, Subject),
    ev(Security, 6424, "device-installation-allowed", HOST, INSTALLATION, Subject),
    // Sysmon.
    ev(Sysmon, 1, "process-created", PROCESS, START, DomainUser),
    ev(Sysmon, 2, "file-creation-time-changed", FILE, CHANGE, DomainUser),
    ev(Sysmon, 3, "network-connection", NETWORK, CONNECTION, DomainUser),
    ev(Sysmon, 4, "sysmon-state-changed", CONFIGURATION, CHANGE, DomainUser),
    ev(Sysmon, 5, "process-terminated", PROCESS, END, DomainUser),
    ev(Sysmon, 6, "driver-loaded", DRIVER, START, DomainUser),
    ev(Sysmon, 7, "image-loaded", LIBRARY, START, DomainUser),
    ev(Sysmon, 8, "remote-thread-created", PROCESS, CHANGE, DomainUser),
    ev(Sysmon, 9, "raw-access-read", FILE, ACCESS, DomainUser),
    ev(Sysmon, 10, "process-accessed", PROCESS, ACCESS, DomainUser),
    ev(Sysmon, 11, "file-created", FILE, CREATION, DomainUser),
    ev(Sysmon, 12, "registry-key-created-or-deleted", REGISTRY, CHANGE, DomainUser),
    ev(Sysmon, 13, "registry-value-set", REGISTRY, CHANGE, DomainUser),
    ev(Sysmon, 14, "registry-key-renamed", REGISTRY, CHANGE, DomainUser),
    ev(Sysmon, 15, "file-stream-created", FILE, CREATION, DomainUser),
    ev(Sysmon, 16, "sysmon-config-changed", CONFIGURATION, CHANGE, DomainUser),
    ev(Sysmon, 17, "pipe-created", FILE, CREATION, DomainUser),
    ev(Sysmon, 18, "pipe-connected", FILE, ACCESS, DomainUser),
    ev(Sysmon, 19, "wmi-event-filter", CONFIGURATION, CHANGE, DomainUser),
    ev(Sysmon, 20, "wmi-event-consumer", CONFIGURATION, CHANGE, DomainUser),
    ev(Sysmon, 21, "wmi-event-consumer-to-filter", CONFIGURATION, CHANGE, DomainUser),
    ev(Sysmon, 22, "dns-query", NETWORK, PROTOCOL, DomainUser),
    ev(Sysmon, 23, "file-deleted", FILE, DELETION, DomainUser),
    ev(Sysmon, 24, "clipboard-changed", HOST, CHANGE, DomainUser),
    ev(Sysmon, 25, "process-tampering", PROCESS, CHANGE, DomainUser),
    ev(Sysmon, 26, "file-deletion-detected", FILE, DELETION, DomainUser),
    ev(Sysmon, 27, "file-executable-blocked", FILE, DENIED_CREATION, DomainUser),
    ev(Sysmon, 28, "file-shredding-blocked", FILE, DENIED_DELETION, DomainUser),
    ev(Sysmon, 29, "file-executable-detected", FILE, CREATION, DomainUser),
    ev(Sysmon, 255, "sysmon-error", NONE, ERROR, DomainUser),
    // System.
    ev(System, 104, "audit-log-cleared", IAM, ADMIN, Subject),
    ev(System, 1074, "shutdown-initiated", HOST, END, Subject),
    ev(System, 6005, "event-log-started", HOST, START, Subject),
    ev(System, 6006, "event-log-stopped", HOST, END, Subject),
    ev(System, 7040, "service-start-type-changed", CONFIGURATION, CHANGE, Subject),
    ev(System, 7045, "service-installed", CONFIGURATION, CREATION, Subject),
    ev(System, 20001, "device-driver-installed", DRIVER, INSTALLATION, Subject),
    // PowerShell.
    ev(PowerShell, 400, "engine-started", PROCESS, START, DomainUser),
    ev(PowerShell, 403, "engine-stopped", PROCESS, END, DomainUser),
    ev(PowerShell, 600, "provider-started", PROCESS, INFO, DomainUser),
    ev(PowerShell, 800, "pipeline-executed", PROCESS, INFO, DomainUser),
    ev(PowerShell, 4103, "executing-pipeline", PROCESS, INFO, DomainUser),
    ev(PowerShell, 4104, "execute-remote-command", PROCESS, INFO, DomainUser),
    ev(PowerShell, 4105, "starting-command", PROCESS, START, DomainUser),
    ev(PowerShell, 4106, "stopping-command", PROCESS, END, DomainUser),
    // Defender.
    ev(Defender, 1116, "malware-detected", MALWARE, INFO, DomainUser),
    ev(Defender, 1117, "malware-action-taken", MALWARE, INFO, DomainUser),
    ev(Defender, 5001, "realtime-protection-disabled", CONFIGURATION, CHANGE, DomainUser),
    ev(Defender, 5007, "configuration-changed", CONFIGURATION, CHANGE, DomainUser),
    ev(Defender, 5010, "malware-scanning-disabled", CONFIGURATION, CHANGE, DomainUser),
    ev(Defender, 5012, "virus-scanning-disabled", CONFIGURATION, CHANGE, DomainUser),
    ev(Defender, 5013, "tamper-protection-blocked-change", CONFIGURATION, CHANGE, DomainUser),
];

static INDEX: LazyLock<HashMap<(Log, u32), &'static EventMapping>> = LazyLock::new(|| {
    EVENTS
        .iter()
        .map(|mapping| ((mapping.log, mapping.id), mapping))
        .collect()
});

/// The mapping for an event id in a log, if Probity knows it.
pub fn mapping(log: Log, id: u32) -> Option<&'static EventMapping> {
    INDEX.get(&(log, id)).copied()
}

/// Fields whose first present value is the source address, port and host name.
const SOURCE_IP: &[&str] = &["IpAddress", "SourceIp", "SourceAddress", "ClientAddress"];
const SOURCE_PORT: &[&str] = &["IpPort", "SourcePort"];
const SOURCE_NAME: &[&str] = &[
    "WorkstationName",
    "Workstation",
    "ClientName",
    "SourceHostname",
];
const DESTINATION_IP: &[&str] = &["DestinationIp", "DestAddress"];
const DESTINATION_PORT: &[&str] = &["DestinationPort", "DestPort"];
const DESTINATION_NAME: &[&str] = &["DestinationHostname", "QueryName"];
/// The acting process (for 4688 the new process is read from `NewProcess*` instead).
const PROCESS_EXECUTABLE: &[&str] = &["Image", "SourceImage", "ProcessName", "Application"];
const PROCESS_ID: &[&str] = &["ProcessId", "SourceProcessId"];
const PARENT_EXECUTABLE: &[&str] = &["ParentImage", "ParentProcessName"];
/// Files named directly by the event.
const FILE_PATH: &[&str] = &["TargetFilename", "ImageLoaded"];

/// The Security log's `Keywords` bits for audit success and failure.
const AUDIT_SUCCESS: u64 = 0x0020_0000_0000_0000;
const AUDIT_FAILURE: u64 = 0x0010_0000_0000_0000;

/// Fills the typed fields of `event` from a flat Windows event (see the module documentation).
/// Values that are empty or `-` are left out, and fields the event has are kept where the Windows
/// fields give nothing in their place.
pub fn apply(flat: &Map<String, Value>, event: &mut Event) {
    let channel = text(flat, "Channel");
    let provider = text(flat, "Provider_Name");
    let log = log_of(channel, provider);
    let id = flat.get("EventID").and_then(as_i64);
    let known = id
        .and_then(|id| u32::try_from(id).ok())
        .and_then(|id| mapping(log, id));

    let meta = &mut event.event;
    meta.kind = Some("event".to_owned());
    meta.dataset = Some(dataset(log, channel));
    set(&mut meta.code, flat.get("EventID").and_then(scalar_text));
    set(&mut meta.provider, provider.map(str::to_owned));
    set(&mut meta.severity, flat.get("Level").and_then(as_i64));
    set(&mut meta.outcome, outcome(flat));
    if let Some(known) = known {
        meta.action = Some(known.action.to_owned());
        meta.category = known.category.iter().map(|c| (*c).to_owned()).collect();
        meta.kind_type = known.kind.iter().map(|k| (*k).to_owned()).collect();
    }
    if let Some(computer) = text(flat, "Computer") {
        event.host.get_or_insert_with(Host::default).name = Some(computer.to_owned());
    }
    set(
        &mut event.message,
        rendered_message(flat).map(str::to_owned),
    );
    let default_actor = if log == Sysmon { DomainUser } else { Subject };
    let actor = known.map_or(default_actor, |k| k.actor);
    set(&mut event.user, user(flat, actor));
    set(
        &mut event.source,
        endpoint(flat, SOURCE_IP, SOURCE_PORT, SOURCE_NAME),
    );
    set(
        &mut event.destination,
        endpoint(flat, DESTINATION_IP, DESTINATION_PORT, DESTINATION_NAME),
    );
    let process = if log == Security && id == Some(4688) {
        created_process(flat)
    } else {
        acting_process(flat)
    };
    set(&mut event.process, process);
    set(&mut event.file, file(flat));
}

/// Replaces a field only with a value: what the event already holds (ECS fields a Winlogbeat
/// document carries) is not wiped where the Windows fields say nothing.
fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

/// Which log a channel (or, without one, a provider) is.
pub fn log_of(channel: Option<&str>, provider: Option<&str>) -> Log {
    let is = |value: Option<&str>, name: &str| value.is_some_and(|v| v.eq_ignore_ascii_case(name));
    if is(channel, "Security") {
        return Security;
    }
    if is(channel, "Microsoft-Windows-Sysmon/Operational")
        || is(provider, "Microsoft-Windows-Sysmon")
    {
        return Sysmon;
    }
    if is(channel, "System") {
        return System;
    }
    if is(channel, "Windows PowerShell")
        || is(channel, "Microsoft-Windows-PowerShell/Operational")
        || is(channel, "PowerShellCore/Operational")
    {
        return PowerShell;
    }
    if is(channel, "Microsoft-Windows-Windows Defender/Operational") {
        return Defender;
    }
    if channel.is_none() && is(provider, "Microsoft-Windows-Security-Auditing") {
        return Security;
    }
    Log::Other
}

/// `windows.security`, `windows.sysmon`…; another channel by its name
/// (`Microsoft-Windows-TaskScheduler/Operational` is `windows.taskscheduler_operational`).
fn dataset(log: Log, channel: Option<&str>) -> String {
    let name = match log {
        Security => "security",
        Sysmon => "sysmon",
        System => "system",
        PowerShell => "powershell",
        Defender => "defender",
        Log::Other => {
            let Some(channel) = channel else {
                return "windows".to_owned();
            };
            return format!("windows.{}", channel_slug(channel));
        }
    };
    format!("windows.{name}")
}

fn channel_slug(channel: &str) -> String {
    let short = channel
        .strip_prefix("Microsoft-Windows-")
        .unwrap_or(channel);
    let mut slug = String::with_capacity(short.len());
    for c in short.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    while slug.ends_with('_') {
        slug.pop();
    }
    slug
}

/// Audit success or failure from `Keywords`: the hexadecimal mask of an EVTX record, or the names
/// Winlogbeat writes (`["Audit Success"]`).
fn outcome(flat: &Map<String, Value>) -> Option<String> {
    let outcome = match flat.get("Keywords")? {
        Value::String(keywords) => keywords_outcome(keywords),
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .find_map(keywords_outcome),
        _ => None,
    };
    outcome.map(str::to_owned)
}

fn keywords_outcome(keywords: &str) -> Option<&'static str> {
    let keywords = keywords.trim();
    if let Some(hex) = keywords
        .strip_prefix("0x")
        .or_else(|| keywords.strip_prefix("0X"))
    {
        let mask = u64::from_str_radix(hex, 16).ok()?;
        if mask & AUDIT_FAILURE != 0 {
            return Some("failure");
        }
        if mask & AUDIT_SUCCESS != 0 {
            return Some("success");
        }
        return None;
    }
    if keywords.eq_ignore_ascii_case("Audit Failure") {
        return Some("failure");
    }
    if keywords.eq_ignore_ascii_case("Audit Success") {
        return Some("success");
    }
    None
}

fn rendered_message(flat: &Map<String, Value>) -> Option<&str> {
    let message = flat.get("RenderingInfo")?.get("Message")?.as_str()?.trim();
    (!message.is_empty()).then_some(message)
}

/// An account as an event names it.
#[derive(Debug, Default, PartialEq)]
struct Account {
    name: Option<String>,
    domain: Option<String>,
    id: Option<String>,
}

impl Account {
    fn is_empty(&self) -> bool {
        self.name.is_none() && self.id.is_none()
    }

    fn into_user(self) -> User {
        User {
            name: self.name.map(Identity::new),
            domain: self.domain,
            id: self.id.map(Identity::new),
            ..User::default()
        }
    }

    fn into_ref(self) -> UserRef {
        UserRef {
            name: self.name.map(Identity::new),
            domain: self.domain,
            id: self.id.map(Identity::new),
        }
    }

    /// A domain alone does not name an account; keep it only beside a name or id.
    fn nonempty(self) -> Account {
        if self.is_empty() {
            Account::default()
        } else {
            self
        }
    }
}

fn account(flat: &Map<String, Value>, names: &[&str], domains: &[&str], ids: &[&str]) -> Account {
    let owned = |keys: &[&str]| first_text(flat, keys).map(str::to_owned);
    Account {
        name: owned(names),
        domain: owned(domains),
        id: owned(ids),
    }
    .nonempty()
}

fn subject(flat: &Map<String, Value>) -> Account {
    account(
        flat,
        &["SubjectUserName"],
        &["SubjectDomainName"],
        &["SubjectUserSid"],
    )
}

fn target(flat: &Map<String, Value>) -> Account {
    account(
        flat,
        &["TargetUserName", "NewTargetUserName"],
        &["TargetDomainName"],
        &["TargetUserSid", "TargetSid"],
    )
}

fn member(flat: &Map<String, Value>) -> Account {
    account(flat, &["MemberName"], &[], &["MemberSid"])
}

fn session(flat: &Map<String, Value>) -> Account {
    account(flat, &["AccountName"], &["AccountDomain"], &[])
}

/// `User` as `DOMAIN\name` (`NT AUTHORITY\SYSTEM`), or a bare name.
fn domain_user(flat: &Map<String, Value>) -> Account {
    let Some(user) = text(flat, "User") else {
        return Account::default();
    };
    match user.rsplit_once('\\') {
        Some((domain, name)) if !name.is_empty() => Account {
            name: Some(name.to_owned()),
            domain: (!domain.is_empty()).then(|| domain.to_owned()),
            id: None,
        },
        _ => Account {
            name: Some(user.to_owned()),
            ..Account::default()
        },
    }
}

/// One way to find an account in an event's fields.
type FindAccount = fn(&Map<String, Value>) -> Account;

/// The first of several ways to find the account, in order.
fn first_account(candidates: &[FindAccount], flat: &Map<String, Value>) -> Account {
    for candidate in candidates {
        let found = candidate(flat);
        if !found.is_empty() {
            return found;
        }
    }
    Account::default()
}

fn user(flat: &Map<String, Value>, actor: Actor) -> Option<User> {
    let (acting, acted_on) = match actor {
        Subject => (first_account(&[subject, domain_user], flat), None),
        Target => (first_account(&[target, subject], flat), None),
        SubjectOnTarget => (subject(flat), Some(target(flat))),
        SubjectOnMember => (subject(flat), Some(member(flat))),
        Session => (first_account(&[session, target, subject], flat), None),
        DomainUser => (first_account(&[domain_user, subject], flat), None),
    };
    let mut user = if acting.is_empty() {
        // The account the event was logged under, when the event names no other.
        let id = text(flat, "UserID").map(Identity::new);
        User {
            id,
            ..User::default()
        }
    } else {
        acting.into_user()
    };
    if let Some(acted_on) = acted_on.filter(|a| !a.is_empty()) {
        user.target = Some(acted_on.into_ref());
    }
    (user != User::default()).then_some(user)
}

fn endpoint(
    flat: &Map<String, Value>,
    ips: &[&str],
    ports: &[&str],
    names: &[&str],
) -> Option<Endpoint> {
    let mut endpoint = Endpoint::default();
    if let Some(address) = first_text(flat, ips) {
        let address = address
            .strip_prefix("::ffff:")
            .filter(|v4| v4.parse::<std::net::Ipv4Addr>().is_ok())
            .unwrap_or(address);
        if address.parse::<IpAddr>().is_ok() {
            endpoint.ip = Some(address.to_owned());
        } else {
            endpoint.address = Some(address.to_owned());
        }
    }
    endpoint.port = ports
        .iter()
        .find_map(|key| flat.get(*key).and_then(as_i64))
        .and_then(|port| u16::try_from(port).ok())
        .filter(|port| *port != 0);
    endpoint.domain = first_text(flat, names).map(str::to_owned);
    (endpoint != Endpoint::default()).then_some(endpoint)
}

/// Security 4688: the new process, and the process that created it.
fn created_process(flat: &Map<String, Value>) -> Option<Process> {
    let executable = text(flat, "NewProcessName").map(str::to_owned);
    let parent = ParentProcess {
        pid: flat.get("ProcessId").and_then(as_i64),
        executable: text(flat, "ParentProcessName").map(str::to_owned),
        command_line: None,
    };
    let process = Process {
        pid: flat.get("NewProcessId").and_then(as_i64),
        name: executable.as_deref().map(base_name),
        executable,
        command_line: text(flat, "CommandLine").map(str::to_owned),
        parent: (parent != ParentProcess::default()).then_some(parent),
    };
    (process != Process::default()).then_some(process)
}

/// The process that acted (Sysmon `Image`, Security `ProcessName`…) and its parent where given.
fn acting_process(flat: &Map<String, Value>) -> Option<Process> {
    let executable = first_text(flat, PROCESS_EXECUTABLE).map(str::to_owned);
    let parent = ParentProcess {
        pid: flat.get("ParentProcessId").and_then(as_i64),
        executable: first_text(flat, PARENT_EXECUTABLE).map(str::to_owned),
        command_line: text(flat, "ParentCommandLine").map(str::to_owned),
    };
    let process = Process {
        pid: PROCESS_ID
            .iter()
            .find_map(|key| flat.get(*key).and_then(as_i64)),
        name: executable.as_deref().map(base_name),
        executable,
        command_line: text(flat, "CommandLine").map(str::to_owned),
        parent: (parent != ParentProcess::default()).then_some(parent),
    };
    (process != Process::default()).then_some(process)
}

fn file(flat: &Map<String, Value>) -> Option<File> {
    let path = first_text(flat, FILE_PATH)
        .map(str::to_owned)
        .or_else(|| object_file(flat))
        .or_else(|| share_file(flat))?;
    let name = base_name(&path);
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty())
        .map(str::to_owned);
    let mut file = File {
        name: (!name.is_empty()).then(|| name.clone()),
        extension,
        path: Some(path),
        ..File::default()
    };
    file.hash.sha256 = text(flat, "Hashes").and_then(sha256_of);
    Some(file)
}

/// Object access events (4656, 4663…) name a file in `ObjectName` when `ObjectType` is `File`.
fn object_file(flat: &Map<String, Value>) -> Option<String> {
    let kind = text(flat, "ObjectType")?;
    if !kind.eq_ignore_ascii_case("File") {
        return None;
    }
    text(flat, "ObjectName").map(str::to_owned)
}

/// Share events (5140, 5145): the local path of the share and the file within it.
fn share_file(flat: &Map<String, Value>) -> Option<String> {
    let local = text(flat, "ShareLocalPath").map(|p| p.strip_prefix(r"\??\").unwrap_or(p));
    let share = local.or_else(|| text(flat, "ShareName"))?;
    let Some(relative) = text(flat, "RelativeTargetName") else {
        return Some(share.to_owned());
    };
    let separator = if share.ends_with('\\') { "" } else { "\\" };
    Some(format!("{share}{separator}{relative}"))
}

/// `SHA256=…` from Sysmon's `Hashes` (`SHA1=…,MD5=…,SHA256=…,IMPHASH=…`).
fn sha256_of(hashes: &str) -> Option<String> {
    hashes
        .split(',')
        .filter_map(|part| part.split_once('='))
        .find(|(kind, _)| kind.trim().eq_ignore_ascii_case("SHA256"))
        .map(|(_, hash)| hash.trim().to_owned())
        .filter(|hash| !hash.is_empty())
}

/// The last part of a Windows or Unix path.
fn base_name(path: &str) -> String {
    path.rsplit(['\\', '/']).next().unwrap_or(path).to_owned()
}

/// A text field, trimmed; empty values and `-` count as absent.
fn text<'a>(flat: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    let value = flat.get(key)?.as_str()?.trim();
    (!value.is_empty() && value != "-").then_some(value)
}

fn first_text<'a>(flat: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|key| text(flat, key))
}

/// A number, or text holding a decimal or `0x` hexadecimal number (Security process ids).
fn as_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let s = s.trim();
            match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(hex) => i64::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            }
        }
        _ => None,
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Finds `path` in a document whose keys may be nested (`{"winlog": {"channel": …}}`) or dotted
/// (`{"winlog.channel": …}`).
fn lookup<'a>(doc: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(value) = doc.get(path) {
        return Some(value);
    }
    for (at, _) in path.match_indices('.') {
        if let Some(Value::Object(inner)) = doc.get(&path[..at])
            && let Some(value) = lookup(inner, &path[at + 1..])
        {
            return Some(value);
        }
    }
    None
}

/// `winlog.*` names and the flat names they become.
const WINLOGBEAT_FIELDS: &[(&str, &str)] = &[
    ("winlog.channel", "Channel"),
    ("winlog.provider_name", "Provider_Name"),
    ("winlog.provider_guid", "Provider_Guid"),
    ("winlog.computer_name", "Computer"),
    ("winlog.record_id", "EventRecordID"),
    ("winlog.keywords", "Keywords"),
    ("winlog.opcode", "Opcode"),
    ("winlog.task", "Task"),
    ("winlog.version", "Version"),
    ("winlog.process.pid", "ProcessID"),
    ("winlog.process.thread.id", "ThreadID"),
    ("winlog.user.identifier", "UserID"),
    ("winlog.activity_id", "ActivityID"),
    ("winlog.related_activity_id", "RelatedActivityID"),
    ("@timestamp", "TimeCreated"),
];

/// Turns a Winlogbeat (ECS) document into the flat shape an EVTX record gets, so that the same
/// Sigma rules and [`apply`] work on both: `EventID` from `winlog.event_id` (a number where it is
/// one), `Channel`, `Provider_Name`, `Computer` and the other `winlog.*` system fields, and the
/// fields of `winlog.event_data` and `winlog.user_data` by their names. Winlogbeat's unnamed
/// `paramN` data items are also given as `Data`, in order. `None` if the document has no
/// `winlog.event_id`.
pub fn flatten_winlogbeat(doc: &Map<String, Value>) -> Option<Map<String, Value>> {
    let event_id = lookup(doc, "winlog.event_id")?;
    let mut flat = Map::new();
    flat.insert("EventID".to_owned(), number_if_numeric(event_id));
    for (from, to) in WINLOGBEAT_FIELDS {
        if let Some(value) = lookup(doc, from).filter(|v| !v.is_null()) {
            let value = if *to == "EventRecordID" {
                number_if_numeric(value)
            } else {
                value.clone()
            };
            flat.insert((*to).to_owned(), value);
        }
    }
    if !flat.contains_key("Computer")
        && let Some(host) = lookup(doc, "host.name").filter(|v| v.is_string())
    {
        flat.insert("Computer".to_owned(), host.clone());
    }
    if let Some(Value::Object(data)) = lookup(doc, "winlog.event_data") {
        copy_data(data, "EventData", &mut flat);
        if !flat.contains_key("Data")
            && let Some(params) = numbered_params(data)
        {
            flat.insert("Data".to_owned(), params);
        }
    }
    if let Some(Value::Object(data)) = lookup(doc, "winlog.user_data") {
        copy_data(data, "UserData", &mut flat);
    }
    Some(flat)
}

fn copy_data(data: &Map<String, Value>, section: &str, flat: &mut Map<String, Value>) {
    for (name, value) in data {
        // Winlogbeat records the UserData element's own name beside its fields.
        if section == "UserData" && name == "xml_name" {
            continue;
        }
        if flat.contains_key(name) {
            flat.insert(format!("{section}.{name}"), value.clone());
        } else {
            flat.insert(name.clone(), value.clone());
        }
    }
}

/// `param1`, `param2`… in order, as EVTX gives unnamed data: a list, or one value.
fn numbered_params(data: &Map<String, Value>) -> Option<Value> {
    let mut params = Vec::new();
    for n in 1usize.. {
        let Some(value) = data.get(&format!("param{n}")) else {
            break;
        };
        params.push(value.clone());
    }
    match params.len() {
        0 => None,
        1 => params.pop(),
        _ => Some(Value::Array(params)),
    }
}

fn number_if_numeric(value: &Value) -> Value {
    if let Value::String(text) = value
        && let Ok(number) = text.trim().parse::<u64>()
    {
        return Value::from(number);
    }
    value.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use probity_model::{EventId, Format, Provenance};
    use serde_json::json;

    fn mapped(flat: Value) -> Event {
        let provenance = Provenance {
            id: EventId::derive(Format::Evtx, b"t", 0),
            source: "test".into(),
            format: Format::Evtx,
            ingested: Utc::now(),
            location: None,
        };
        let mut event = Event::new(Utc::now(), provenance);
        let Value::Object(flat) = flat else {
            panic!("test input must be an object")
        };
        apply(&flat, &mut event);
        event
    }

    fn user(event: &Event) -> &User {
        event.user.as_ref().unwrap()
    }

    #[test]
    fn logon_maps_the_account_that_logged_on_and_where_from() {
        let event = mapped(json!({
            "EventID": 4624, "Channel": "Security", "Computer": "WS-0042.force.local",
            "Provider_Name": "Microsoft-Windows-Security-Auditing", "Level": 0,
            "Keywords": "0x8020000000000000",
            "SubjectUserName": "WS-0042$", "SubjectDomainName": "FORCE",
            "TargetUserName": "jsmith", "TargetDomainName": "FORCE",
            "TargetUserSid": "S-1-5-21-1-2-3-1104", "LogonType": 10,
            "IpAddress": "::ffff:10.1.2.3", "IpPort": "50123", "WorkstationName": "LAPTOP-7",
            "ProcessName": "C:\\Windows\\System32\\svchost.exe", "ProcessId": "0x3e8"
        }));
        assert_eq!(event.event.code.as_deref(), Some("4624"));
        assert_eq!(event.event.action.as_deref(), Some("logged-in"));
        assert_eq!(event.event.category, vec!["authentication"]);
        assert_eq!(event.event.kind_type, vec!["start"]);
        assert_eq!(event.event.outcome.as_deref(), Some("success"));
        assert_eq!(event.event.dataset.as_deref(), Some("windows.security"));
        assert_eq!(
            event.event.provider.as_deref(),
            Some("Microsoft-Windows-Security-Auditing")
        );
        assert_eq!(event.event.severity, Some(0));
        assert_eq!(
            event.get("host.name").unwrap().as_text().unwrap(),
            "WS-0042.force.local"
        );
        assert_eq!(event.user_name(), Some("jsmith"));
        assert_eq!(user(&event).domain.as_deref(), Some("FORCE"));
        assert_eq!(
            user(&event).id.as_ref().unwrap().as_str(),
            "S-1-5-21-1-2-3-1104"
        );
        let source = event.source.as_ref().unwrap();
        assert_eq!(source.ip.as_deref(), Some("10.1.2.3"));
        assert_eq!(source.port, Some(50123));
        assert_eq!(source.domain.as_deref(), Some("LAPTOP-7"));
        let process = event.process.as_ref().unwrap();
        assert_eq!(process.pid, Some(1000));
        assert_eq!(process.name.as_deref(), Some("svchost.exe"));
    }

    #[test]
    fn failed_logon_is_a_failure_and_dashes_are_skipped() {
        let event = mapped(json!({
            "EventID": 4625, "Channel": "Security", "Keywords": "0x8010000000000000",
            "SubjectUserName": "-", "TargetUserName": "admin", "TargetDomainName": "-",
            "IpAddress": "-", "IpPort": "-", "WorkstationName": ""
        }));
        assert_eq!(event.event.action.as_deref(), Some("logon-failed"));
        assert_eq!(event.event.outcome.as_deref(), Some("failure"));
        assert_eq!(event.user_name(), Some("admin"));
        assert_eq!(user(&event).domain, None);
        assert!(event.source.is_none());
    }

    #[test]
    fn special_logon_and_logoff_fall_back_to_the_subject() {
        let event = mapped(json!({
            "EventID": 4672, "Channel": "Security",
            "SubjectUserName": "jsmith", "SubjectDomainName": "FORCE",
            "SubjectUserSid": "S-1-5-21-9"
        }));
        assert_eq!(event.event.action.as_deref(), Some("logged-in-special"));
        assert_eq!(event.user_name(), Some("jsmith"));
        assert_eq!(user(&event).id.as_ref().unwrap().as_str(), "S-1-5-21-9");
    }

    #[test]
    fn account_management_names_the_account_acted_upon() {
        let event = mapped(json!({
            "EventID": 4720, "Channel": "Security", "Keywords": "0x8020000000000000",
            "SubjectUserName": "admin.jones", "SubjectDomainName": "FORCE",
            "SubjectUserSid": "S-1-5-21-1-500",
            "TargetUserName": "new.starter", "TargetDomainName": "FORCE",
            "TargetSid": "S-1-5-21-1-2001", "SamAccountName": "new.starter"
        }));
        assert_eq!(event.event.action.as_deref(), Some("added-user-account"));
        assert_eq!(event.event.category, vec!["iam"]);
        assert_eq!(event.event.kind_type, vec!["user", "creation"]);
        assert_eq!(event.user_name(), Some("admin.jones"));
        let target = user(&event).target.as_ref().unwrap();
        assert_eq!(target.name.as_ref().unwrap().as_str(), "new.starter");
        assert_eq!(target.id.as_ref().unwrap().as_str(), "S-1-5-21-1-2001");
        assert_eq!(target.domain.as_deref(), Some("FORCE"));

        let renamed = mapped(json!({
            "EventID": 4781, "Channel": "Security", "SubjectUserName": "admin.jones",
            "OldTargetUserName": "j.smith", "NewTargetUserName": "jane.smith",
            "TargetSid": "S-1-5-21-1-1104"
        }));
        let target = user(&renamed).target.as_ref().unwrap();
        assert_eq!(target.name.as_ref().unwrap().as_str(), "jane.smith");
    }

    #[test]
    fn group_membership_names_the_member() {
        let event = mapped(json!({
            "EventID": 4732, "Channel": "Security",
            "SubjectUserName": "admin.jones", "TargetUserName": "Administrators",
            "MemberName": "-", "MemberSid": "S-1-5-21-1-1104"
        }));
        assert_eq!(event.event.action.as_deref(), Some("added-member-to-group"));
        assert_eq!(event.user_name(), Some("admin.jones"));
        let target = user(&event).target.as_ref().unwrap();
        assert_eq!(target.name, None);
        assert_eq!(target.id.as_ref().unwrap().as_str(), "S-1-5-21-1-1104");
    }

    #[test]
    fn security_process_creation_reads_hex_ids_and_the_parent() {
        let event = mapped(json!({
            "EventID": 4688, "Channel": "Security",
            "SubjectUserName": "jsmith", "SubjectDomainName": "FORCE",
            "NewProcessId": "0x1a2c", "NewProcessName": "C:\\Windows\\System32\\cmd.exe",
            "CommandLine": "cmd.exe /c whoami", "ProcessId": "0x10",
            "ParentProcessName": "C:\\Windows\\explorer.exe"
        }));
        assert_eq!(event.event.action.as_deref(), Some("created-process"));
        assert_eq!(event.user_name(), Some("jsmith"));
        let process = event.process.as_ref().unwrap();
        assert_eq!(process.pid, Some(0x1a2c));
        assert_eq!(process.name.as_deref(), Some("cmd.exe"));
        assert_eq!(process.command_line.as_deref(), Some("cmd.exe /c whoami"));
        let parent = process.parent.as_ref().unwrap();
        assert_eq!(parent.pid, Some(16));
        assert_eq!(
            parent.executable.as_deref(),
            Some("C:\\Windows\\explorer.exe")
        );
    }

    #[test]
    fn sysmon_process_network_and_file_events() {
        let started = mapped(json!({
            "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Provider_Name": "Microsoft-Windows-Sysmon", "UserID": "S-1-5-18",
            "Image": "C:\\Tools\\rclone.exe", "ProcessId": 4242,
            "CommandLine": "rclone copy C:\\Cases remote:", "User": "FORCE\\jsmith",
            "ParentImage": "C:\\Windows\\System32\\cmd.exe", "ParentProcessId": 100,
            "ParentCommandLine": "cmd.exe"
        }));
        assert_eq!(started.event.action.as_deref(), Some("process-created"));
        assert_eq!(started.event.dataset.as_deref(), Some("windows.sysmon"));
        assert_eq!(started.user_name(), Some("jsmith"));
        assert_eq!(user(&started).domain.as_deref(), Some("FORCE"));
        assert_eq!(
            user(&started).id,
            None,
            "the Sysmon service's SID is not the actor"
        );
        let process = started.process.as_ref().unwrap();
        assert_eq!(process.pid, Some(4242));
        assert_eq!(process.name.as_deref(), Some("rclone.exe"));
        let parent = process.parent.as_ref().unwrap();
        assert_eq!(parent.command_line.as_deref(), Some("cmd.exe"));
        assert_eq!(parent.pid, Some(100));

        let connected = mapped(json!({
            "EventID": 3, "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Image": "C:\\Tools\\rclone.exe", "User": "NT AUTHORITY\\SYSTEM",
            "SourceIp": "10.0.0.5", "SourcePort": 51000,
            "DestinationIp": "2a01:4f8::1", "DestinationPort": 443,
            "DestinationHostname": "drive.example.com"
        }));
        assert_eq!(connected.event.category, vec!["network"]);
        assert_eq!(connected.user_name(), Some("SYSTEM"));
        assert_eq!(user(&connected).domain.as_deref(), Some("NT AUTHORITY"));
        let destination = connected.destination.as_ref().unwrap();
        assert_eq!(destination.ip.as_deref(), Some("2a01:4f8::1"));
        assert_eq!(destination.port, Some(443));
        assert_eq!(destination.domain.as_deref(), Some("drive.example.com"));
        assert_eq!(connected.source.as_ref().unwrap().port, Some(51000));

        let created = mapped(json!({
            "EventID": 11, "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Image": "C:\\Windows\\explorer.exe", "User": "FORCE\\jsmith",
            "TargetFilename": "E:\\export\\custody-records.xlsx",
            "Hashes": "SHA1=AA,MD5=BB,SHA256=CC11,IMPHASH=00"
        }));
        assert_eq!(created.event.action.as_deref(), Some("file-created"));
        let file = created.file.as_ref().unwrap();
        assert_eq!(
            file.path.as_deref(),
            Some("E:\\export\\custody-records.xlsx")
        );
        assert_eq!(file.name.as_deref(), Some("custody-records.xlsx"));
        assert_eq!(file.extension.as_deref(), Some("xlsx"));
        assert_eq!(file.hash.sha256.as_deref(), Some("CC11"));
    }

    #[test]
    fn log_cleared_object_access_shares_and_devices() {
        let cleared = mapped(json!({
            "EventID": 1102, "Channel": "Security",
            "Provider_Name": "Microsoft-Windows-Eventlog",
            "SubjectUserName": "jsmith", "SubjectDomainName": "FORCE"
        }));
        assert_eq!(cleared.event.action.as_deref(), Some("audit-log-cleared"));
        assert_eq!(cleared.user_name(), Some("jsmith"));

        let system_cleared = mapped(json!({
            "EventID": 104, "Channel": "System", "SubjectUserName": "jsmith"
        }));
        assert_eq!(
            system_cleared.event.action.as_deref(),
            Some("audit-log-cleared")
        );
        assert_eq!(
            system_cleared.event.dataset.as_deref(),
            Some("windows.system")
        );

        let accessed = mapped(json!({
            "EventID": 4663, "Channel": "Security", "SubjectUserName": "jsmith",
            "ObjectType": "File", "ObjectName": "D:\\Intel\\source-register.docx",
            "ProcessName": "C:\\Program Files\\Microsoft Office\\WINWORD.EXE"
        }));
        assert_eq!(accessed.event.action.as_deref(), Some("object-accessed"));
        assert_eq!(
            accessed.file.as_ref().unwrap().path.as_deref(),
            Some("D:\\Intel\\source-register.docx")
        );
        let registry = mapped(json!({
            "EventID": 4663, "Channel": "Security", "ObjectType": "Key",
            "ObjectName": "\\REGISTRY\\MACHINE\\SAM"
        }));
        assert!(registry.file.is_none(), "a registry key is not a file");

        let share = mapped(json!({
            "EventID": 5145, "Channel": "Security", "SubjectUserName": "jsmith",
            "IpAddress": "10.9.8.7", "ShareName": "\\\\*\\Cases",
            "ShareLocalPath": "\\??\\D:\\Cases", "RelativeTargetName": "2026\\op-x.pdf"
        }));
        assert_eq!(
            share.event.action.as_deref(),
            Some("network-share-object-access-checked")
        );
        assert_eq!(
            share.file.as_ref().unwrap().path.as_deref(),
            Some("D:\\Cases\\2026\\op-x.pdf")
        );
        assert_eq!(
            share.source.as_ref().unwrap().ip.as_deref(),
            Some("10.9.8.7")
        );

        let usb = mapped(json!({
            "EventID": 6416, "Channel": "Security", "SubjectUserName": "WS-0042$",
            "DeviceDescription": "USB Mass Storage Device"
        }));
        assert_eq!(
            usb.event.action.as_deref(),
            Some("external-device-recognized")
        );
        assert_eq!(usb.event.category, vec!["host"]);
    }

    #[test]
    fn powershell_and_unknown_events_use_defaults() {
        let script = mapped(json!({
            "EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational",
            "UserID": "S-1-5-21-1-1104", "ScriptBlockText": "Get-Process"
        }));
        assert_eq!(
            script.event.action.as_deref(),
            Some("execute-remote-command")
        );
        assert_eq!(script.event.dataset.as_deref(), Some("windows.powershell"));
        assert_eq!(
            user(&script).id.as_ref().unwrap().as_str(),
            "S-1-5-21-1-1104"
        );
        assert_eq!(script.user_name(), None);

        let other = mapped(json!({
            "EventID": {"nested": true}, "Channel": "Microsoft-Windows-TaskScheduler/Operational",
            "Level": 4
        }));
        assert_eq!(other.event.code, None);
        assert_eq!(other.event.action, None);
        assert_eq!(
            other.event.dataset.as_deref(),
            Some("windows.taskscheduler_operational")
        );
        assert!(other.user.is_none());
        assert_eq!(other.event.kind.as_deref(), Some("event"));

        // The same id in another log is not the Security event.
        let app = mapped(json!({"EventID": 4624, "Channel": "Application"}));
        assert_eq!(app.event.action, None);
        assert_eq!(app.event.dataset.as_deref(), Some("windows.application"));
    }

    #[test]
    fn fields_already_set_are_kept_where_windows_says_nothing() {
        let provenance = Provenance {
            id: EventId::derive(Format::Ndjson, b"t", 0),
            source: "test".into(),
            format: Format::Ndjson,
            ingested: Utc::now(),
            location: None,
        };
        let mut event = Event::new(Utc::now(), provenance);
        event.user = Some(User {
            name: Some("from-ecs".into()),
            ..User::default()
        });
        event.message = Some("rendered by the shipper".into());
        let Value::Object(flat) = json!({"EventID": 7036, "Channel": "System"}) else {
            unreachable!()
        };
        apply(&flat, &mut event);
        assert_eq!(event.user_name(), Some("from-ecs"));
        assert_eq!(event.message.as_deref(), Some("rendered by the shipper"));
        assert_eq!(event.event.code.as_deref(), Some("7036"));
    }

    #[test]
    fn table_has_no_duplicate_ids_per_log() {
        assert_eq!(INDEX.len(), EVENTS.len());
    }

    #[test]
    fn winlogbeat_documents_flatten_like_evtx() {
        let doc = json!({
            "@timestamp": "2026-03-01T09:15:00.123Z",
            "host": {"name": "ws-0042"},
            "winlog": {
                "event_id": "4624", "channel": "Security",
                "provider_name": "Microsoft-Windows-Security-Auditing",
                "computer_name": "WS-0042.force.local", "record_id": "991",
                "keywords": ["Audit Success"],
                "process": {"pid": 620, "thread": {"id": 4088}},
                "event_data": {"TargetUserName": "jsmith", "LogonType": "2", "IpAddress": "10.1.2.3"}
            }
        });
        let Value::Object(doc) = doc else {
            unreachable!()
        };
        let flat = flatten_winlogbeat(&doc).unwrap();
        assert_eq!(flat["EventID"], json!(4624));
        assert_eq!(flat["Channel"], "Security");
        assert_eq!(flat["Provider_Name"], "Microsoft-Windows-Security-Auditing");
        assert_eq!(flat["Computer"], "WS-0042.force.local");
        assert_eq!(flat["EventRecordID"], json!(991));
        assert_eq!(flat["ProcessID"], json!(620));
        assert_eq!(flat["ThreadID"], json!(4088));
        assert_eq!(flat["TimeCreated"], "2026-03-01T09:15:00.123Z");
        assert_eq!(flat["TargetUserName"], "jsmith");

        let event = mapped(Value::Object(flat));
        assert_eq!(event.event.action.as_deref(), Some("logged-in"));
        assert_eq!(event.event.outcome.as_deref(), Some("success"));
        assert_eq!(event.user_name(), Some("jsmith"));

        let dotted = json!({
            "winlog.event_id": 104, "winlog.channel": "System",
            "winlog.user_data": {"xml_name": "LogFileCleared", "SubjectUserName": "jsmith",
                                 "Channel": "Security"},
            "host.name": "dc-01"
        });
        let Value::Object(dotted) = dotted else {
            unreachable!()
        };
        let flat = flatten_winlogbeat(&dotted).unwrap();
        assert_eq!(flat["EventID"], json!(104));
        assert_eq!(flat["Computer"], "dc-01");
        assert_eq!(flat["SubjectUserName"], "jsmith");
        assert_eq!(flat["UserData.Channel"], "Security");
        assert!(!flat.contains_key("xml_name"));

        let classic = json!({"winlog": {"event_id": 400, "channel": "Windows PowerShell",
            "event_data": {"param1": "Available", "param2": "None", "param3": "HostName=ConsoleHost"}}});
        let Value::Object(classic) = classic else {
            unreachable!()
        };
        let flat = flatten_winlogbeat(&classic).unwrap();
        assert_eq!(
            flat["Data"],
            json!(["Available", "None", "HostName=ConsoleHost"])
        );

        let not_windows = json!({"message": "hello"});
        let Value::Object(not_windows) = not_windows else {
            unreachable!()
        };
        assert!(flatten_winlogbeat(&not_windows).is_none());
    }
}
