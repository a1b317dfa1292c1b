//! Microsoft 365 unified audit records: the shared Sentinel `OfficeActivity` sample, our own
//! native Management Activity API records, and a Purview CSV row with its `AuditData` column.

// The whole file is test code; clippy only sees that inside `#[test]` functions, not in helpers.
#![allow(clippy::unwrap_used, clippy::panic)]

use probity_ingest::m365::{self, FORWARDING_TAG};
use probity_ingest::{Context, Limits};
use probity_model::{Event, Format};
use serde_json::{Map, Value, json};

const SHARED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/m365/OfficeActivityEvents.json"
);
const NATIVE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/m365/native.ndjson"
);

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(object) => object,
        other => panic!("not an object: {other}"),
    }
}

fn records(path: &str) -> Vec<Map<String, Value>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| object(serde_json::from_str(line).unwrap()))
        .collect()
}

fn mapped(record: &Map<String, Value>) -> Event {
    assert!(m365::is_m365(record), "not recognised: {record:?}");
    let mut ctx = Context::new("test", Limits::default());
    let provenance = ctx.provenance(Format::Ndjson, b"record", None);
    let mut event = Event::new(ctx.received, provenance);
    m365::apply(record, &mut event);
    event
}

fn text(event: &Event, field: &str) -> Option<String> {
    event.get(field).and_then(|v| v.as_text())
}

fn list(event: &Event, field: &str) -> Vec<String> {
    match event.get(field) {
        Some(probity_model::FieldValue::List(items)) => {
            items.into_iter().map(str::to_owned).collect()
        }
        Some(other) => vec![other.as_text().unwrap()],
        None => Vec::new(),
    }
}

fn operation(events: &[Event], name: &str) -> Event {
    events
        .iter()
        .find(|e| e.action() == Some(name))
        .unwrap_or_else(|| panic!("no {name}"))
        .clone()
}

#[test]
fn sentinel_office_activity_sample_maps() {
    let records = records(SHARED);
    assert_eq!(records.len(), 1);
    let event = mapped(&records[0]);
    assert_eq!(event.timestamp.to_rfc3339(), "2021-08-02T13:32:07+00:00");
    assert_eq!(event.action(), Some("MailItemsAccessed"));
    assert_eq!(text(&event, "event.provider").as_deref(), Some("Exchange"));
    assert_eq!(
        text(&event, "event.dataset").as_deref(),
        Some("m365.exchange")
    );
    assert_eq!(text(&event, "event.code").as_deref(), Some("50"));
    assert_eq!(text(&event, "event.outcome").as_deref(), Some("success"));
    assert_eq!(list(&event, "event.category"), vec!["email"]);
    assert_eq!(list(&event, "event.type"), vec!["access"]);
    assert_eq!(event.user_name(), Some("pgustavo@simulandlabs.com"));
    assert_eq!(
        text(&event, "user.email").as_deref(),
        Some("pgustavo@simulandlabs.com")
    );
    assert_eq!(text(&event, "user.id").as_deref(), Some("100320015858B802"));
    assert_eq!(text(&event, "source.ip").as_deref(), Some("1.2.3.4"));
    assert!(event.file.is_none());
    assert!(event.email.is_none());
}

#[test]
fn native_records_map() {
    let events: Vec<Event> = records(NATIVE).iter().map(mapped).collect();
    assert_eq!(events.len(), 6);

    let login = operation(&events, "UserLoggedIn");
    assert_eq!(login.timestamp.to_rfc3339(), "2026-03-02T08:01:12+00:00");
    assert_eq!(
        text(&login, "event.dataset").as_deref(),
        Some("m365.azureactivedirectory")
    );
    assert_eq!(list(&login, "event.category"), vec!["authentication"]);
    assert_eq!(list(&login, "event.type"), vec!["start"]);
    assert_eq!(text(&login, "event.outcome").as_deref(), Some("success"));
    assert_eq!(text(&login, "event.code").as_deref(), Some("15"));
    assert_eq!(login.user_name(), Some("jane.smith@force.police.uk"));
    assert_eq!(
        text(&login, "user.id").as_deref(),
        Some("3b8e1f2a-6c4d-4e9f-a1b2-c3d4e5f60718")
    );
    assert_eq!(text(&login, "source.ip").as_deref(), Some("81.2.69.160"));

    let download = operation(&events, "FileDownloaded");
    assert_eq!(
        text(&download, "event.dataset").as_deref(),
        Some("m365.sharepoint")
    );
    assert_eq!(list(&download, "event.category"), vec!["file"]);
    assert_eq!(list(&download, "event.type"), vec!["access"]);
    assert_eq!(
        text(&download, "file.path").as_deref(),
        Some(
            "https://force.sharepoint.com/sites/ProfessionalStandards/Shared Documents/\
             Case 2026-014/witness statement.docx"
        )
    );
    assert_eq!(
        text(&download, "file.name").as_deref(),
        Some("witness statement.docx")
    );
    assert_eq!(text(&download, "file.extension").as_deref(), Some("docx"));
    assert_eq!(
        text(&download, "url.domain").as_deref(),
        Some("force.sharepoint.com")
    );
    assert!(
        text(&download, "url.full")
            .unwrap()
            .ends_with("/witness statement.docx")
    );
    assert_eq!(text(&download, "source.ip").as_deref(), Some("10.20.30.40"));
    assert_eq!(
        text(&download, "event.outcome"),
        None,
        "no ResultStatus given"
    );

    let accessed = operation(&events, "MailItemsAccessed");
    assert_eq!(list(&accessed, "event.category"), vec!["email"]);
    assert_eq!(
        text(&accessed, "source.ip").as_deref(),
        Some("2a02:c7c:5e1f:1::3")
    );
    assert_eq!(text(&accessed, "source.port").as_deref(), Some("50321"));

    let sent = operation(&events, "Send");
    assert_eq!(
        text(&sent, "email.subject").as_deref(),
        Some("RE: Op Kestrel briefing")
    );
    assert_eq!(
        text(&sent, "email.message_id").as_deref(),
        Some("<DB9PR01MB1234F6E5D4C3B2A1@DB9PR01MB1234.eurprd01.prod.exchangelabs.com>")
    );
    assert_eq!(
        list(&sent, "email.from.address"),
        vec!["jane.smith@force.police.uk"]
    );
    assert_eq!(text(&sent, "source.ip").as_deref(), Some("81.2.69.160"));
    assert_eq!(text(&sent, "source.port").as_deref(), Some("61002"));

    let rule = operation(&events, "New-InboxRule");
    assert_eq!(
        list(&rule, "event.category"),
        vec!["email", "configuration"]
    );
    assert_eq!(list(&rule, "event.type"), vec!["creation"]);
    assert_eq!(text(&rule, "event.outcome").as_deref(), Some("success"));
    assert_eq!(
        list(&rule, "email.to.address"),
        vec!["jane.s.1987@gmail.com", "js.backup@outlook.com"]
    );
    assert!(rule.tags.iter().any(|t| t == FORWARDING_TAG));
    assert!(
        rule.url.is_none(),
        "an Exchange object id is not a web address"
    );

    let sync = operation(&events, "FileSyncDownloadedFull");
    assert_eq!(
        text(&sync, "event.dataset").as_deref(),
        Some("m365.onedrive")
    );
    assert_eq!(list(&sync, "event.type"), vec!["access"]);
    assert_eq!(
        text(&sync, "file.name").as_deref(),
        Some("custody-extract.xlsx")
    );
    assert_eq!(
        text(&sync, "url.path").as_deref(),
        Some("/personal/jane_smith_force_police_uk/Documents/Exports/custody-extract.xlsx")
    );
    assert!(
        events
            .iter()
            .filter(|e| e.action() != Some("New-InboxRule"))
            .all(|e| e.tags.is_empty())
    );
}

#[test]
fn purview_csv_rows_are_read_through_audit_data() {
    let audit_data = json!({
        "CreationTime": "2026-03-03T07:59:58", "Id": "f2e1d0c9-b8a7-4f6e-9d5c-4b3a2f1e0d9c",
        "Operation": "UserLoginFailed", "RecordType": 15, "ResultStatus": "Failed",
        "UserKey": "3b8e1f2a-6c4d-4e9f-a1b2-c3d4e5f60718", "UserType": 0,
        "Workload": "AzureActiveDirectory", "ClientIP": "203.0.113.9",
        "UserId": "jane.smith@force.police.uk", "LogonError": "InvalidUserNameOrPassword"
    })
    .to_string();
    // A row of the newer export, and of the older one (`UserIds`, `Operations`).
    for row in [
        json!({"RecordId": "f2e1d0c9-b8a7-4f6e-9d5c-4b3a2f1e0d9c",
               "CreationDate": "2026-03-03T07:59:58.0000000Z",
               "RecordType": "AzureActiveDirectoryStsLogon", "Operation": "UserLoginFailed",
               "UserId": "jane.smith@force.police.uk", "AuditData": audit_data}),
        json!({"CreationDate": "2026-03-03T07:59:58.0000000Z",
               "UserIds": "jane.smith@force.police.uk", "Operations": "UserLoginFailed",
               "AuditData": audit_data}),
    ] {
        let event = mapped(&object(row));
        assert_eq!(event.timestamp.to_rfc3339(), "2026-03-03T07:59:58+00:00");
        assert_eq!(event.action(), Some("UserLoginFailed"));
        assert_eq!(text(&event, "event.code").as_deref(), Some("15"));
        assert_eq!(text(&event, "event.outcome").as_deref(), Some("failure"));
        assert_eq!(
            text(&event, "event.reason").as_deref(),
            Some("InvalidUserNameOrPassword")
        );
        assert_eq!(list(&event, "event.category"), vec!["authentication"]);
        assert_eq!(event.user_name(), Some("jane.smith@force.police.uk"));
        assert_eq!(text(&event, "source.ip").as_deref(), Some("203.0.113.9"));
    }

    // A row whose AuditData is not JSON still gives what its columns say.
    let broken = object(json!({"CreationDate": "2026-03-03T08:00:00Z",
        "UserIds": "jane.smith@force.police.uk", "Operations": "FileAccessed",
        "Workload": "SharePoint", "AuditData": "{not json"}));
    assert!(!m365::is_m365(&broken));
    let mut ctx = Context::new("test", Limits::default());
    let mut event = Event::new(ctx.received, ctx.provenance(Format::Csv, b"x", None));
    m365::apply(&broken, &mut event);
    assert_eq!(event.action(), Some("FileAccessed"));
    assert_eq!(event.user_name(), Some("jane.smith@force.police.uk"));
}

#[test]
fn other_documents_are_not_m365() {
    for other in [
        json!({"@timestamp": "2026-03-01T00:00:00Z", "message": "hello"}),
        json!({"winlog": {"event_id": 4624, "channel": "Security"}}),
        json!({"Operation": "search", "user": "jsmith"}),
        json!({"AuditData": 5}),
    ] {
        assert!(!m365::is_m365(&object(other.clone())), "{other}");
    }
}
