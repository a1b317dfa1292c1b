//! Chat messages to a protected party named only by display name (a chat recipient's `name`, a
//! Teams @-mention's `displayName`, a device export's `To Name`) are excluded like mail: their
//! content never reaches the database files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn probity(data: &Path) -> Command {
    let mut command = Command::cargo_bin("probity").unwrap();
    command.env("PROBITY_DATA", data).env_remove("PROBITY_LOG");
    command
}

fn ingest(data: &Path, file: &Path) {
    let output = probity(data).arg("ingest").arg(file).output().unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every stored event's JSON, read from the SQLite file directly.
fn stored_docs(data: &Path) -> Vec<Value> {
    let db = rusqlite::Connection::open_with_flags(
        data.join("events.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut statement = db.prepare("SELECT doc FROM events ORDER BY seq").unwrap();
    statement
        .query_map([], |row| row.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|doc| serde_json::from_slice(&doc.unwrap()).unwrap())
        .collect()
}

/// Whether `word` appears anywhere in the database files (tables, indexes, full-text index, WAL).
fn in_database_files(data: &Path, word: &str) -> bool {
    let mut found = false;
    for entry in std::fs::read_dir(data).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("events.db") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        found |= bytes.windows(word.len()).any(|w| w == word.as_bytes());
    }
    found
}

fn excluded_class(doc: &Value) -> Option<&str> {
    doc["labels"]["privacy.excluded"].as_str()
}

#[test]
fn chat_recipients_named_as_protected_parties_are_excluded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let chat = dir.path().join("chat.ndjson");
    std::fs::write(
        &chat,
        concat!(
            r#"{"timestamp":"2024-05-01T10:00:00Z","platform":"whatsapp","conversation_id":"c","sender":"alan.smith@force.police.uk","recipients":[{"name":"Police Federation","address":"+447700900111"}],"text":"Quokkafed my sergeant is a bully"}"#,
            "\n",
            r#"{"timestamp":"2024-05-01T10:01:00Z","platform":"whatsapp","conversation_id":"d","sender":"alan.smith@force.police.uk","recipients":[{"name":"Occupational Health","address":"+447700900222"}],"text":"Quokkahealth my back is bad again"}"#,
            "\n",
            r#"{"timestamp":"2024-05-01T10:02:00Z","platform":"whatsapp","conversation_id":"e","sender":"alan.smith@force.police.uk","recipients":[{"name":"Jo Bloggs","address":"+447700900333"}],"text":"Quokkaplain see you at six"}"#,
            "\n",
        ),
    )
    .unwrap();
    ingest(&data, &chat);

    let teams = dir.path().join("teams.json");
    std::fs::write(
        &teams,
        r#"[{"id":"x1","messageType":"message","createdDateTime":"2024-05-06T09:00:00Z","chatId":"19:oh","from":{"user":{"id":"u1","displayName":"Alan Smith","userPrincipalName":"alan.smith@force.police.uk"}},"body":{"contentType":"text","content":"Quokkateams hello"},"mentions":[{"id":0,"mentionText":"OH","mentioned":{"user":{"id":"u7","displayName":"Occupational Health","userPrincipalName":"oh.nurse@force.police.uk"}}}]}]"#,
    )
    .unwrap();
    ingest(&data, &teams);

    let sms = dir.path().join("sms.csv");
    std::fs::write(
        &sms,
        "Timestamp,From,To,To Name,Body,Direction\n\
         2024-05-01T10:00:00Z,+447700900123,+447700900111,Police Federation,Quokkasms hi rep,outgoing\n",
    )
    .unwrap();
    ingest(&data, &sms);

    let docs = stored_docs(&data);
    assert_eq!(docs.len(), 5, "{docs:?}");
    let excluded: Vec<Option<&str>> = docs.iter().map(excluded_class).collect();
    assert_eq!(
        excluded,
        [
            Some("staff_association"),
            Some("occupational_health"),
            None,
            Some("occupational_health"),
            Some("staff_association"),
        ]
    );
    for word in [
        "Quokkafed",
        "Quokkahealth",
        "Quokkateams",
        "Quokkasms",
        "bully",
        "back is bad",
    ] {
        assert!(!in_database_files(&data, word), "{word} stored");
    }
    // The message to an ordinary correspondent is stored as written, with the name beside its
    // address.
    assert!(in_database_files(&data, "Quokkaplain"));
    assert_eq!(
        docs[2]["email"]["display_names"][0], "Jo Bloggs",
        "{}",
        docs[2]
    );
}
