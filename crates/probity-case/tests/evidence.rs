#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};

use probity_access::testsuite::test_policy;
use probity_access::{Access, Principal, Role, RoleSet, SignIn, SqliteAccessStore};
use probity_case::evidence::{self, ContentMask, PackContent, PackInput, Unmasking};
use probity_case::{Case, CaseState, Link, LinkKind, Note};
use probity_model::{
    Alert, AlertId, AlertRule, Email, Event, EventId, EventRef, Format, Level, MatchedField,
    Provenance, Record, RecordSubject, Timestamp, User,
};

const PSEUDONYM: &str = "P-7Q3K-9XDM-4TNA";

fn at(hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
}

fn lookup_event() -> Event {
    let raw = b"2026-03-02T08:00:00Z jsmith PNC view subject=Alex Doe";
    let mut event = Event::new(
        at(8),
        Provenance {
            id: EventId::derive(Format::Ndjson, raw, 0),
            source: "file:/logs/pnc.ndjson".into(),
            format: Format::Ndjson,
            ingested: at(9),
            location: Some("line 12".into()),
        },
    );
    event.event.action = Some("view".into());
    event.user = Some(User {
        name: Some("jsmith".into()),
        ..User::default()
    });
    event.record = Some(Record {
        system: Some("PNC".into()),
        action: Some("view".into()),
        subject: RecordSubject {
            kind: Some("person".into()),
            id: Some("PNC-123".into()),
            name: Some("Alex Doe".into()),
        },
        ..Record::default()
    });
    event
        .original
        .insert("operator".into(), serde_json::json!("JSMITH"));
    event
}

const MIME: &str = "From: jsmith@force.police.uk\r\nTo: friend@example.com\r\nSubject: <b>the lookup</b>\r\n\r\nHi, jsmith here. Karen Whitfield rang from 07700 900123.\r\n";

fn mail_event() -> Event {
    let mut event = Event::new(
        at(7),
        Provenance {
            id: EventId::derive(Format::Eml, MIME.as_bytes(), 0),
            source: "file:/mail/1.eml".into(),
            format: Format::Eml,
            ingested: at(9),
            location: None,
        },
    );
    event.email = Some(Email {
        from: vec!["jsmith@force.police.uk".into()],
        to: vec!["friend@example.com".into()],
        subject: Some("<b>the lookup</b>".into()),
        body: Some(format!(
            "Hi, jsmith here. {CALLER} rang from {CALLER_PHONE}."
        )),
        ..Email::default()
    });
    event
        .original
        .insert("body".into(), serde_json::json!(MIME));
    event
}

/// A member of the public named in the mail, and her phone number.
const CALLER: &str = "Karen Whitfield";
const CALLER_PHONE: &str = "07700 900123";

/// A stand-in for the privacy layer's masking: the caller's name and number become placeholders.
#[derive(Debug)]
struct CallerMask;

impl CallerMask {
    fn text(&self, text: &str) -> String {
        text.replace(CALLER, "[person]")
            .replace(CALLER_PHONE, "[phone]")
    }

    fn json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(text) => *text = self.text(text),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.json(v)),
            _ => {}
        }
    }
}

impl ContentMask for CallerMask {
    fn event(&self, event: &mut Event) {
        if let Some(email) = event.email.as_mut() {
            for text in [email.subject.as_mut(), email.body.as_mut()]
                .into_iter()
                .flatten()
            {
                *text = self.text(text);
            }
        }
        for value in event.original.values_mut() {
            self.json(value);
        }
    }

    fn alert(&self, alert: &mut Alert) {
        alert.explanation = self.text(&alert.explanation);
        for matched in &mut alert.matched {
            matched.value = self.text(&matched.value);
        }
    }
}

fn masked() -> PackContent {
    PackContent::Masked(Arc::new(CallerMask))
}

/// An account signed in with `roles`.
fn principal(name: &str, roles: &[Role]) -> Principal {
    let dir = tempfile::tempdir().unwrap();
    let access = Access::new(SqliteAccessStore::open(dir.path()).unwrap(), test_policy()).unwrap();
    let roles = RoleSet::new(roles.iter().copied());
    match access.sign_in_sso(name, roles, at(12)).unwrap().0 {
        SignIn::Granted { principal, .. } => principal,
        SignIn::Denied(denial) => panic!("{name}: {denial:?}"),
    }
}

fn unmasked() -> PackContent {
    let investigator = principal("ivan", &[Role::Investigator]);
    PackContent::Unmasked(
        Unmasking::new(&investigator, "the hearing must know who was called").unwrap(),
    )
}

/// A content alert on the mail, quoting the caller.
fn content_alert(mail: &Event) -> Alert {
    let rule = AlertRule {
        kind: "content".into(),
        id: "abuse/harassment".into(),
        title: "Harassment".into(),
        tags: vec![],
    };
    let refs = vec![EventRef {
        id: mail.provenance.id,
        timestamp: mail.timestamp,
    }];
    Alert {
        id: AlertId::derive(&rule, &refs),
        created: at(9),
        rule,
        level: Level::Medium,
        explanation: format!("email.body: ...{CALLER} rang from {CALLER_PHONE}..."),
        matched: vec![MatchedField {
            field: "email.body".into(),
            value: format!("{CALLER} rang"),
        }],
        events: refs,
        user: Some("jsmith".into()),
        host: None,
    }
}

fn input() -> PackInput {
    input_with(unmasked())
}

fn input_with(content: PackContent) -> PackInput {
    let lookup = lookup_event();
    let mail = mail_event();
    let rule = AlertRule {
        kind: "insider".into(),
        id: "records-no-reason".into(),
        title: "Records lookup <script>alert(1)</script>".into(),
        tags: vec![],
    };
    let refs = vec![EventRef {
        id: lookup.provenance.id,
        timestamp: lookup.timestamp,
    }];
    let alert = Alert {
        id: AlertId::derive(&rule, &refs),
        created: at(9),
        rule,
        level: Level::High,
        explanation: "jsmith viewed a person record with no incident".into(),
        matched: vec![MatchedField {
            field: "user.name".into(),
            value: "jsmith".into(),
        }],
        events: refs,
        user: Some("jsmith".into()),
        host: None,
    };
    let case = Case {
        id: "C-000001".into(),
        title: "Lookups & <mail>".into(),
        state: CaseState::Investigating,
        subjects: vec![PSEUDONYM.into()],
        created_by: "ana".into(),
        created_at: at(9),
        authorised_by: Some("olive".into()),
        authorised_at: Some(at(10)),
        assigned_to: Some("ivan".into()),
        legal_hold: true,
        summary: "Two items".into(),
        updated_at: at(10),
    };
    let notes = vec![Note {
        seq: 1,
        case_id: case.id.clone(),
        author: "ivan".into(),
        at: at(11),
        text: "Checked the duty roster".into(),
        corrects: None,
    }];
    let links = vec![Link {
        case_id: case.id.clone(),
        kind: LinkKind::Alert,
        target: alert.id.to_hex(),
        by: "ana".into(),
        at: at(10),
    }];
    let mut identities = BTreeMap::new();
    identities.insert("jsmith".to_owned(), PSEUDONYM.to_owned());
    identities.insert(
        "jsmith@force.police.uk".to_owned(),
        "P-AAAA-BBBB-CCCC".to_owned(),
    );
    identities.insert(
        "friend@example.com".to_owned(),
        "P-DDDD-EEEE-FFFF".to_owned(),
    );
    let mut originals = BTreeMap::new();
    originals.insert(mail.provenance.id.to_hex(), MIME.as_bytes().to_vec());
    let mail_alert = content_alert(&mail);
    PackInput {
        case,
        notes,
        links,
        alerts: vec![alert, mail_alert],
        events: vec![lookup, mail],
        exported_by: "account:ivan".into(),
        exported_at: at(12),
        audit_excerpt_json: br#"{"entries":[],"anchor":"00"}"#.to_vec(),
        identities,
        originals,
        content,
        case_counts: evidence::Counts {
            alerts: 2,
            events: 2,
        },
    }
}

fn build(path: &Path) -> evidence::PackSummary {
    let file = std::fs::File::create(path).unwrap();
    evidence::build(&input(), file).unwrap()
}

fn read_all(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut files = BTreeMap::new();
    let mut order = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        order.push(name.clone());
        files.insert(name, bytes);
    }
    let mut sorted = order.clone();
    sorted.truncate(sorted.len() - 2);
    sorted.sort();
    assert_eq!(order[..order.len() - 2], sorted[..], "files in path order");
    assert_eq!(
        order[order.len() - 2..],
        ["manifest.json", "manifest.sha256"]
    );
    files
}

fn rezip(files: &BTreeMap<String, Vec<u8>>, path: &Path) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// A pack states how many alerts and events its case has beside how many it holds, in the
/// manifest, the chain of custody and the report; where it holds less, it says what is missing
/// (a pack for a misconduct hearing is never silently incomplete).
#[test]
fn a_pack_states_the_case_s_counts_beside_its_own() {
    let dir = tempfile::tempdir().unwrap();
    for (case_events, case_alerts) in [(2, 2), (5, 3)] {
        let path = dir.path().join(format!("pack-{case_events}.zip"));
        let mut input = input();
        input.case_counts = evidence::Counts {
            alerts: case_alerts,
            events: case_events,
        };
        let summary = evidence::build(&input, std::fs::File::create(&path).unwrap()).unwrap();
        assert_eq!(
            (summary.case.events, summary.case.alerts),
            (case_events, case_alerts)
        );
        let files = read_all(&path);
        let manifest: evidence::Manifest = serde_json::from_slice(&files["manifest.json"]).unwrap();
        let counts = manifest.counts.unwrap();
        assert_eq!(
            (counts.case.events, counts.case.alerts),
            (case_events, case_alerts)
        );
        assert_eq!((counts.pack.events, counts.pack.alerts), (2, 2));
        let custody: serde_json::Value =
            serde_json::from_slice(&files["chain-of-custody.json"]).unwrap();
        assert_eq!(custody["counts"]["case"]["events"], case_events);
        assert_eq!(custody["counts"]["pack"]["events"], 2);
        let report = String::from_utf8_lossy(&files["report.html"]).into_owned();
        let holds = counts.statement();
        assert!(report.contains(&evidence::escape(&holds)), "{report}");
        if case_events == 2 {
            assert!(counts.complete());
            assert!(holds.contains("all 2 of the case's events and all 2 of its alerts"));
        } else {
            assert!(!counts.complete());
            assert!(
                holds.contains("2 of the case's 5 events and 2 of its 3 alerts"),
                "{holds}"
            );
            assert!(holds.contains("3 events and 1 alerts"), "{holds}");
        }
        assert!(evidence::verify(&path).unwrap().ok());
    }
    // A case counted as having less than the pack holds is a mistake of the caller's.
    let mut input = input();
    input.case_counts = evidence::Counts {
        alerts: 2,
        events: 1,
    };
    let refused = evidence::build(&input, Cursor::new(Vec::new()));
    assert!(refused.is_err());
}

#[test]
fn a_pack_verifies_and_shows_pseudonyms_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pack.zip");
    let summary = build(&path);
    assert_eq!(summary.events, 2);
    let report = evidence::verify(&path).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.checked, summary.files - 1);

    let files = read_all(&path);
    let lookup = lookup_event().provenance.id.to_hex();
    let mail = mail_event().provenance.id.to_hex();
    for expected in [
        format!("events/original/{lookup}.txt"),
        format!("events/readable/{lookup}.json"),
        format!("events/readable/{mail}.json"),
        format!("messages/{mail}.eml"),
        "report.html".into(),
        "report.pdf".into(),
        "chain-of-custody.json".into(),
        "audit/excerpt.json".into(),
        "case.json".into(),
    ] {
        assert!(files.contains_key(&expected), "{expected} missing");
    }
    assert!(!files.contains_key(&format!("messages/{lookup}.eml")));
    for (name, bytes) in &files {
        if name.ends_with(".pdf") {
            continue;
        }
        let text = String::from_utf8_lossy(bytes).to_ascii_lowercase();
        assert!(!text.contains("jsmith"), "{name} names the person");
        assert!(
            !text.contains("alex doe"),
            "{name} names the record subject"
        );
    }
    let readable: serde_json::Value =
        serde_json::from_slice(&files[&format!("events/readable/{lookup}.json")]).unwrap();
    assert_eq!(readable["user"]["name"], PSEUDONYM);
    assert_eq!(readable["record"]["subject"]["name"], evidence::WITHHELD);
    assert_eq!(readable["original"]["operator"], PSEUDONYM);

    let html = String::from_utf8(files["report.html"].clone()).unwrap();
    assert!(html.contains("&lt;script&gt;"));
    assert!(!html.contains("<script>"));
    assert!(html.contains("Lookups &amp; &lt;mail&gt;"));
    assert!(!html.contains("src=\"http"), "self-contained");

    let pdf = lopdf::Document::load_mem(&files["report.pdf"]).unwrap();
    assert!(!pdf.get_pages().is_empty());

    let custody: serde_json::Value =
        serde_json::from_slice(&files["chain-of-custody.json"]).unwrap();
    assert_eq!(custody["exported_by"], "account:ivan");
    assert_eq!(custody["case"]["authorised_by"], "olive");
    assert_eq!(custody["events"].as_array().unwrap().len(), 2);
    assert_eq!(custody["events"][1]["source"], "file:/logs/pnc.ndjson");
    assert_eq!(
        files["audit/excerpt.json"],
        br#"{"entries":[],"anchor":"00"}"#.to_vec()
    );

    // The same input gives the same pack.
    let again = dir.path().join("again.zip");
    build(&again);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn sha256sum_checks_an_extracted_pack() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pack.zip");
    build(&path);
    let out = dir.path().join("out");
    for (name, bytes) in read_all(&path) {
        let target = out.join(&name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
    let status = std::process::Command::new("sha256sum")
        .args(["-c", "--strict", "manifest.sha256"])
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );

    std::fs::write(out.join("report.html"), b"changed").unwrap();
    let status = std::process::Command::new("sha256sum")
        .args(["-c", "manifest.sha256"])
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(!status.status.success());
    assert!(String::from_utf8_lossy(&status.stdout).contains("report.html: FAILED"));
}

#[test]
fn altered_missing_and_added_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pack.zip");
    build(&path);
    let files = read_all(&path);

    let mut altered = files.clone();
    altered.insert("case.json".into(), b"{}".to_vec());
    let altered_path = dir.path().join("altered.zip");
    rezip(&altered, &altered_path);
    let report = evidence::verify(&altered_path).unwrap();
    assert!(!report.ok());
    assert_eq!(report.changed, vec!["case.json".to_owned()]);
    assert!(report.missing.is_empty() && report.extra.is_empty());

    let mut cut = files.clone();
    cut.remove("report.pdf");
    cut.insert("extra.txt".into(), b"x".to_vec());
    let cut_path = dir.path().join("cut.zip");
    rezip(&cut, &cut_path);
    let report = evidence::verify(&cut_path).unwrap();
    assert_eq!(report.missing, vec!["report.pdf".to_owned()]);
    assert_eq!(report.extra, vec!["extra.txt".to_owned()]);

    // Rewriting manifest.json to match a changed file is caught by manifest.sha256.
    let mut forged = files.clone();
    forged.insert("case.json".into(), b"{}".to_vec());
    let mut manifest: serde_json::Value = serde_json::from_slice(&forged["manifest.json"]).unwrap();
    for entry in manifest["files"].as_array_mut().unwrap() {
        if entry["path"] == "case.json" {
            entry["sha256"] = serde_json::json!(
                "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
            );
            entry["size"] = serde_json::json!(2);
        }
    }
    forged.insert(
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    );
    let forged_path = dir.path().join("forged.zip");
    rezip(&forged, &forged_path);
    let report = evidence::verify(&forged_path).unwrap();
    assert!(!report.ok());
    assert!(
        report.changed.contains(&"manifest.json".to_owned()),
        "{report:?}"
    );

    assert!(evidence::verify_reader(Cursor::new(b"not a zip".to_vec())).is_err());
}

/// Every file of a pack as text (the PDF's page streams decompressed), by path.
fn texts(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, bytes) in files {
        let text = if name.ends_with(".pdf") {
            let pdf = lopdf::Document::load_mem(bytes).unwrap();
            let mut text = String::new();
            for page in pdf.get_pages().into_values() {
                let content = pdf.get_page_content(page);
                text.push_str(&String::from_utf8_lossy(&content));
            }
            text
        } else {
            String::from_utf8_lossy(bytes).into_owned()
        };
        out.insert(name.clone(), text);
    }
    out
}

#[test]
fn a_pack_masks_members_of_the_public_unless_unmasking_was_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("masked.zip");
    let summary =
        evidence::build(&input_with(masked()), std::fs::File::create(&path).unwrap()).unwrap();
    assert!(summary.masked);
    assert!(evidence::verify(&path).unwrap().ok());
    let files = read_all(&path);
    let mail = mail_event().provenance.id.to_hex();
    // The raw MIME cannot be masked reliably: a masked pack holds the decoded fields instead.
    assert!(!files.contains_key(&format!("messages/{mail}.eml")));
    for (name, text) in texts(&files) {
        assert!(!text.contains("Whitfield"), "{name} names the caller");
        assert!(!text.contains("900123"), "{name} holds the caller's number");
        assert!(!text.to_ascii_lowercase().contains("jsmith"), "{name}");
    }
    let readable: serde_json::Value =
        serde_json::from_slice(&files[&format!("events/readable/{mail}.json")]).unwrap();
    assert!(
        readable["email"]["body"]
            .as_str()
            .unwrap()
            .contains("[person] rang from [phone]"),
        "{readable}"
    );
    let custody: serde_json::Value =
        serde_json::from_slice(&files["chain-of-custody.json"]).unwrap();
    assert_eq!(custody["content"]["masked"], true, "{custody}");
    let manifest: evidence::Manifest = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest.masked, Some(true));
    assert!(texts(&files)["report.html"].contains("Members of the public</td><td>masked"));

    // Unmasked, as asked for with a reason: the caller is there, and the pack says so and why.
    let path = dir.path().join("unmasked.zip");
    let summary = build(&path);
    assert!(!summary.masked);
    let files = read_all(&path);
    let all = texts(&files);
    assert!(all[&format!("events/readable/{mail}.json")].contains("Karen Whitfield rang"));
    assert!(all[&format!("messages/{mail}.eml")].contains("07700 900123"));
    let custody: serde_json::Value =
        serde_json::from_slice(&files["chain-of-custody.json"]).unwrap();
    assert_eq!(custody["content"]["masked"], false);
    assert_eq!(custody["content"]["unmasked_by"], "account:ivan");
    assert_eq!(
        custody["content"]["reason"],
        "the hearing must know who was called"
    );
    let manifest: evidence::Manifest = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest.masked, Some(false));
}

#[test]
fn only_someone_who_may_unmask_can_ask_for_an_unmasked_pack_and_must_say_why() {
    let analyst = principal("ana", &[Role::Analyst]);
    assert!(Unmasking::new(&analyst, "curious").is_err());
    let investigator = principal("ivan", &[Role::Investigator]);
    assert!(Unmasking::new(&investigator, "  ").is_err());
    let unmasking = Unmasking::new(&investigator, " for the hearing ").unwrap();
    assert_eq!(unmasking.reason(), "for the hearing");

    let input = input();
    let summary = evidence::PackSummary {
        files: 9,
        events: 2,
        alerts: 2,
        case: input.case_counts,
        manifest_sha256: "ab".into(),
        masked: false,
    };
    let action = evidence::unmask_action(&unmasking, &input.case, &summary, at(12));
    assert_eq!(action.action, "content.unmask");
    assert_eq!(action.actor, "account:ivan");
    assert_eq!(action.details["case"], "C-000001");
    assert_eq!(action.details["reason"], "for the hearing");
    assert_eq!(action.details["with"], "evidence.export");
    assert_eq!(action.details["manifest_sha256"], "ab");
}

#[test]
fn a_case_not_authorised_or_no_longer_open_cannot_be_packed() {
    let dir = tempfile::tempdir().unwrap();
    for state in [CaseState::Proposed, CaseState::Refused, CaseState::Closed] {
        let mut input = input_with(masked());
        input.case.state = state;
        let out = std::fs::File::create(dir.path().join("pack.zip")).unwrap();
        let refused = evidence::build(&input, out);
        assert!(
            matches!(refused, Err(probity_case::Error::State { .. })),
            "{state:?}: {refused:?}"
        );
    }
    for state in [CaseState::Authorised, CaseState::Investigating] {
        let mut input = input_with(masked());
        input.case.state = state;
        let out = std::fs::File::create(dir.path().join("pack.zip")).unwrap();
        evidence::build(&input, out).unwrap();
    }
}

#[test]
fn sealed_content_leaves_as_its_placeholder_without_the_ciphertext() {
    let dir = tempfile::tempdir().unwrap();
    for content in [masked(), unmasked()] {
        let mut input = input_with(content);
        let mail = input.events.iter_mut().find(|e| e.email.is_some()).unwrap();
        let email = mail.email.as_mut().unwrap();
        email.body = Some("[sealed: medical content]".into());
        mail.original.insert(
            evidence::SEALED_KEY.into(),
            serde_json::json!([{
                "field": "email.body", "reason": "medical",
                "nonce": "bm9uY2Vub25jZQ==", "ciphertext": "c2VjcmV0Y2lwaGVydGV4dA=="
            }]),
        );
        mail.original.remove("body");
        let id = mail.provenance.id.to_hex();
        let path = dir.path().join("sealed.zip");
        evidence::build(&input, std::fs::File::create(&path).unwrap()).unwrap();
        let files = read_all(&path);
        for (name, text) in texts(&files) {
            assert!(!text.contains("c2VjcmV0Y2lwaGVydGV4dA"), "{name}");
            assert!(!text.contains("bm9uY2Vub25jZQ"), "{name}: the nonce");
        }
        // Not even the raw message goes into an unmasked pack: its body is the sealed text.
        assert!(!files.contains_key(&format!("messages/{id}.eml")));
        let readable: serde_json::Value =
            serde_json::from_slice(&files[&format!("events/readable/{id}.json")]).unwrap();
        assert_eq!(readable["email"]["body"], "[sealed: medical content]");
        assert_eq!(
            readable["original"][evidence::SEALED_KEY][0]["reason"],
            "medical"
        );
        let custody: serde_json::Value =
            serde_json::from_slice(&files["chain-of-custody.json"]).unwrap();
        let item = custody["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"] == id.as_str())
            .unwrap();
        assert_eq!(item["sealed"], true);
    }
}
