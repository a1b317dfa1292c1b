//! Each modifier's golden rule (tests/golden/*.yml) evaluated on hand-made events: one that
//! must match and one that must not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::path::Path;

use probity_detect::{Engine, LoadOptions};
use serde_json::json;

use common::{event, fired};

fn golden(name: &str) -> Engine {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{name}.yml"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut placeholders = HashMap::new();
    placeholders.insert("Workstations".to_owned(), vec!["WS-ADMIN-01".to_owned()]);
    let options = LoadOptions {
        placeholders,
        ..LoadOptions::default()
    };
    common::engine_with(&text, &options)
}

fn matches(engine: &Engine, original: serde_json::Value) -> bool {
    !fired(engine, &event(original)).is_empty()
}

fn sysmon(fields: serde_json::Value) -> serde_json::Value {
    let mut doc = json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1});
    for (k, v) in fields.as_object().unwrap() {
        doc[k] = v.clone();
    }
    doc
}

#[test]
fn contains_is_case_insensitive_and_routed_to_process_creation() {
    let engine = golden("contains");
    assert!(matches(
        &engine,
        sysmon(json!({"CommandLine": "cmd /c WHOAMI /all"}))
    ));
    assert!(!matches(
        &engine,
        sysmon(json!({"CommandLine": "cmd /c dir"}))
    ));
    // Same values on a channel the rule is not for.
    let wrong_channel = json!({"Channel": "System", "EventID": 1, "CommandLine": "whoami"});
    assert!(!matches(&engine, wrong_channel));
    // Security 4688 is process creation too.
    let security = json!({"Channel": "Security", "EventID": 4688, "CommandLine": "whoami"});
    assert!(matches(&engine, security));
}

#[test]
fn startswith_with_event_id_index() {
    let engine = golden("startswith");
    let logon =
        |id: u32, user: &str| json!({"Channel": "Security", "EventID": id, "TargetUserName": user});
    assert!(matches(&engine, logon(4624, "adm_jsmith")));
    assert!(!matches(&engine, logon(4624, "jsmith_adm_")));
    assert!(!matches(&engine, logon(4625, "adm_jsmith")));
}

#[test]
fn endswith_and_security_field_renames() {
    let engine = golden("endswith");
    let yes = sysmon(
        json!({"Image": "C:\\Windows\\System32\\whoami.exe", "ParentImage": "C:\\Windows\\System32\\cmd.exe"}),
    );
    assert!(matches(&engine, yes));
    let no = sysmon(
        json!({"Image": "C:\\Windows\\System32\\whoami.exe.bak", "ParentImage": "C:\\Windows\\System32\\cmd.exe"}),
    );
    assert!(!matches(&engine, no));
    let security = json!({
        "Channel": "Security", "EventID": 4688,
        "NewProcessName": "C:\\Windows\\System32\\whoami.exe",
        "ParentProcessName": "C:\\Windows\\System32\\cmd.exe"
    });
    let detections = {
        let mut out = Vec::new();
        engine.evaluate(&event(security), &mut out);
        out
    };
    assert_eq!(detections.len(), 1);
    let fields: Vec<&str> = detections[0]
        .matched
        .iter()
        .map(|m| m.field.as_str())
        .collect();
    assert_eq!(fields, vec!["NewProcessName", "ParentProcessName"]);
    assert_eq!(
        detections[0].matched[0].value,
        "C:\\Windows\\System32\\whoami.exe"
    );
}

#[test]
fn all_needs_every_value() {
    let engine = golden("all");
    assert!(matches(
        &engine,
        json!({"CommandLine": "net user bob P@ss /add"})
    ));
    assert!(!matches(&engine, json!({"CommandLine": "net user bob"})));
}

#[test]
fn base64_and_offsets() {
    let engine = golden("base64");
    assert!(matches(
        &engine,
        json!({"CommandLine": "powershell -e aHR0cDovLw=="})
    ));
    // Base64 is case-sensitive.
    assert!(!matches(
        &engine,
        json!({"CommandLine": "powershell -e AHR0CDOVLW=="})
    ));
    let engine = golden("base64offset");
    for prefix in ["", "a", "ab"] {
        let encoded = base64_encode(format!("{prefix}IEX (New-Object Net.WebClient)").as_bytes());
        assert!(
            matches(
                &engine,
                json!({"CommandLine": format!("powershell -enc {encoded}")})
            ),
            "{prefix}"
        );
    }
    assert!(!matches(
        &engine,
        json!({"CommandLine": "powershell -enc SGVsbG8="})
    ));
}

#[test]
fn wide_base64offset() {
    let engine = golden("wide");
    let utf16: Vec<u8> = "cmd /c ping 10.0.0.1"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let encoded = base64_encode(&utf16);
    assert!(matches(
        &engine,
        json!({"CommandLine": format!("powershell -enc {encoded}")})
    ));
    let ascii = base64_encode(b"cmd /c ping 10.0.0.1");
    assert!(!matches(
        &engine,
        json!({"CommandLine": format!("powershell -enc {ascii}")})
    ));
}

#[test]
fn utf16_variants() {
    let engine = golden("utf16");
    assert!(matches(
        &engine,
        json!({"Payload": base64_encode(&[b'a', 0, b'b', 0])})
    ));
    assert!(matches(
        &engine,
        json!({"Payload": base64_encode(&[0, b'a', 0, b'b'])})
    ));
    assert!(matches(
        &engine,
        json!({"Payload": base64_encode(&[0xFF, 0xFE, b'a', 0, b'b', 0])})
    ));
    assert!(!matches(&engine, json!({"Payload": base64_encode(b"ab")})));
}

#[test]
fn windash_variants() {
    let engine = golden("windash");
    for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        let line = format!("psexec.exe {dash}accepteula -s cmd");
        assert!(matches(&engine, json!({"CommandLine": line})), "{dash}");
    }
    assert!(!matches(
        &engine,
        json!({"CommandLine": "psexec.exe +accepteula"})
    ));
}

#[test]
fn regular_expressions_and_flags() {
    let engine = golden("re");
    assert!(matches(
        &engine,
        json!({"CommandLine": "powershell -enc AAA"})
    ));
    // `re` is case-sensitive unless |i.
    assert!(!matches(
        &engine,
        json!({"CommandLine": "powershell -ENC AAA"})
    ));
    assert!(matches(
        &engine,
        json!({"CommandLine": "x\nINVOKE-Expression\ny"})
    ));
}

#[test]
fn cidr_networks() {
    let engine = golden("cidr");
    assert!(matches(&engine, json!({"DestinationIp": "10.20.30.40"})));
    assert!(matches(&engine, json!({"DestinationIp": "fe80::1"})));
    assert!(!matches(&engine, json!({"DestinationIp": "192.168.1.1"})));
    assert!(!matches(
        &engine,
        json!({"DestinationIp": "not an address"})
    ));
}

#[test]
fn exists_true_and_false() {
    let engine = golden("exists");
    assert!(matches(&engine, json!({"CommandLine": "x"})));
    assert!(!matches(
        &engine,
        json!({"CommandLine": "x", "OriginalFileName": "y"})
    ));
    assert!(!matches(&engine, json!({"Image": "x"})));
}

#[test]
fn expand_uses_placeholder_values() {
    let engine = golden("expand");
    assert!(matches(&engine, json!({"WorkstationName": "LAPTOP-7"})));
    assert!(!matches(&engine, json!({"WorkstationName": "ws-admin-01"})));
}

#[test]
fn fieldref_compares_fields() {
    let engine = golden("fieldref");
    assert!(matches(
        &engine,
        json!({"TargetUserName": "Bob", "SubjectUserName": "bob"})
    ));
    assert!(!matches(
        &engine,
        json!({"TargetUserName": "bob", "SubjectUserName": "alice"})
    ));
    assert!(matches(
        &engine,
        json!({"CommandLine": "\"c:\\x\\run.exe\" -a", "Image": "C:\\X\\run.exe"})
    ));
}

#[test]
fn numeric_comparisons() {
    let engine = golden("compare");
    let doc = |logon: i64, failures: &str, size: i64| json!({"LogonType": logon, "FailureCount": failures, "Size": size});
    assert!(matches(&engine, doc(3, "6", 1024)));
    assert!(!matches(&engine, doc(10, "6", 10)));
    assert!(!matches(&engine, doc(1, "6", 10)));
    assert!(!matches(&engine, doc(3, "5", 10)));
    assert!(!matches(&engine, doc(3, "0x10", 2048)));
    assert!(matches(&engine, doc(3, "0x10", 10)));
}

#[test]
fn cased_is_exact() {
    let engine = golden("cased");
    assert!(matches(&engine, json!({"CommandLine": "run MiMiKaTz now"})));
    assert!(!matches(
        &engine,
        json!({"CommandLine": "run mimikatz now"})
    ));
}

#[test]
fn wildcards_and_escapes() {
    let engine = golden("wildcards");
    let glob = json!({"Image": "c:\\users\\bob\\appdata\\local\\x.EXE", "ParentImage": "C:\\Windows\\explorer.exe"});
    assert!(matches(&engine, glob));
    let glob_no = json!({"Image": "c:\\users\\bob\\appdata\\local\\x.dll", "ParentImage": "C:\\Windows\\explorer.exe"});
    assert!(!matches(&engine, glob_no));
    assert!(matches(
        &engine,
        json!({"TargetFilename": "D:\\temp\\a.ps1"})
    ));
    assert!(!matches(
        &engine,
        json!({"TargetFilename": "DD:\\temp\\a.ps1"})
    ));
    let literal = json!({"CommandLine": "x literal*star and ?mark and \\backslash y"});
    assert!(matches(&engine, literal));
    assert!(!matches(
        &engine,
        json!({"CommandLine": "literalXstar and ?mark and \\backslash"})
    ));
}

#[test]
fn keywords_search_every_text() {
    let engine = golden("keywords");
    assert!(matches(
        &engine,
        json!({"Payload": "x SEKURLSA::LogonPasswords y"})
    ));
    assert!(matches(
        &engine,
        json!({"Data": ["a", "run mimi-the-katz"]})
    ));
    assert!(matches(
        &engine,
        json!({"Nested": {"Deep": "sekurlsa::logonpasswords"}})
    ));
    assert!(!matches(&engine, json!({"Payload": "mimikat"})));
    let mut with_message = event(json!({"Other": "x"}));
    with_message.message = Some("sekurlsa::logonpasswords".into());
    assert!(!fired(&engine, &with_message).is_empty());
}

#[test]
fn null_means_absent_or_empty() {
    let engine = golden("null");
    assert!(matches(&engine, json!({"Description": ""})));
    assert!(matches(
        &engine,
        json!({"ParentImage": null, "Description": ""})
    ));
    assert!(!matches(
        &engine,
        json!({"ParentImage": "x", "Description": ""})
    ));
    assert!(!matches(&engine, json!({"Description": "x"})));
}

#[test]
fn conditions_quantifiers_and_not() {
    let engine = golden("conditions");
    assert!(matches(&engine, json!({"A": "1"})));
    assert!(matches(&engine, json!({"B": "2"})));
    assert!(!matches(&engine, json!({"A": "1", "C": "3"})));
    // `them` leaves out names starting with `_`.
    assert!(!matches(&engine, json!({"D": "4"})));
}

#[test]
fn meta_filter_excludes_without_editing_the_rule() {
    let engine = golden("filter");
    let run =
        |user: &str| sysmon(json!({"Image": "C:\\Windows\\System32\\whoami.exe", "User": user}));
    assert!(matches(&engine, run("FORCE\\jsmith")));
    assert!(!matches(&engine, run("FORCE\\admin_jsmith")));
}

fn base64_encode(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
