//! The same Windows rule fires on a Winlogbeat (ECS) document as on the flat EVTX shape.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::json;

use common::{event, fired};

const RULE: &str = r#"
title: Whoami
id: whoami
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\whoami.exe'
        CommandLine|contains: '/all'
    condition: selection
"#;

#[test]
fn winlogbeat_event_data_is_found_by_sigma_names() {
    let engine = common::engine(RULE);
    let doc = json!({
        "@timestamp": "2024-01-01T00:00:00Z",
        "host": {"name": "ws1"},
        "winlog": {
            "channel": "Microsoft-Windows-Sysmon/Operational",
            "event_id": "1",
            "provider_name": "Microsoft-Windows-Sysmon",
            "event_data": {
                "Image": "C:\\Windows\\System32\\whoami.exe",
                "CommandLine": "whoami /all"
            }
        }
    });
    assert_eq!(fired(&engine, &event(doc)), vec!["whoami"]);
}

#[test]
fn ecs_names_stand_in_for_missing_event_data() {
    let engine = common::engine(RULE);
    let doc = json!({
        "winlog": {"channel": "Security", "event_id": 4688},
        "process": {"executable": "C:\\Windows\\System32\\whoami.exe", "command_line": "whoami /all"}
    });
    // Security 4688 renames Image to NewProcessName, which the ECS map does not know: the
    // typed process fields stand in only where the Sigma name is mapped.
    assert!(fired(&engine, &event(doc.clone())).is_empty());
    let mut sysmon = doc;
    sysmon["winlog"]["channel"] = json!("Microsoft-Windows-Sysmon/Operational");
    sysmon["winlog"]["event_id"] = json!(1);
    assert_eq!(fired(&engine, &event(sysmon)), vec!["whoami"]);
}

#[test]
fn flat_fields_of_other_documents_do_not_borrow_ecs_names() {
    let engine = common::engine(
        "title: User\nid: user\ndetection:\n    selection:\n        User: bob\n    condition: selection\n",
    );
    let mut flat = event(json!({"Channel": "Security", "EventID": 4624}));
    flat.user = Some(probity_model::User {
        name: Some("bob".into()),
        ..Default::default()
    });
    assert!(
        fired(&engine, &flat).is_empty(),
        "`User` is not `user.name` outside ECS documents"
    );
    let ecs = event(json!({"winlog": {"channel": "Security"}, "user": {"name": "bob"}}));
    assert_eq!(fired(&engine, &ecs), vec!["user"]);
}

#[test]
fn data_names_with_spaces_match_sigma_names_without() {
    let engine = common::engine(
        "title: T\nid: t\ndetection:\n    selection:\n        ThreatName|endswith: 'EICAR_Test_File'\n    condition: selection\n",
    );
    let spaced = event(
        json!({"Channel": "Microsoft-Windows-Windows Defender/Operational", "Threat Name": "Virus:DOS/EICAR_Test_File"}),
    );
    assert_eq!(fired(&engine, &spaced), vec!["t"]);
    // A field with the exact name wins over one with spaces.
    let both = event(json!({"Threat Name": "Virus:DOS/EICAR_Test_File", "ThreatName": "other"}));
    assert!(fired(&engine, &both).is_empty());
}

#[test]
fn dotted_names_reach_nested_fields_and_typed_fields() {
    let engine = common::engine(
        "title: T\nid: t\ndetection:\n    selection:\n        Outer.Inner: x\n        user.name: bob\n    condition: selection\n",
    );
    let mut nested = event(json!({"Channel": "Security", "Outer": {"Inner": "X"}}));
    nested.user = Some(probity_model::User {
        name: Some("Bob".into()),
        ..Default::default()
    });
    assert_eq!(fired(&engine, &nested), vec!["t"]);
}
