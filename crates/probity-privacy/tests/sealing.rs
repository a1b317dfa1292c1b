#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_model::{Attachment, Email, Event, EventId, File, Format, Provenance, from_micros};
use probity_privacy::sealing::{
    KEY_FILE, SEALED_LABEL, SEALED_TAG, SealCues, SealKey, seal_event, sealed_items, unseal,
};

fn event_with(body: &str, attachment: &str) -> Event {
    let mut event = Event::new(
        from_micros(0),
        Provenance {
            id: EventId::derive(Format::Eml, body.as_bytes(), 0),
            source: "test".into(),
            format: Format::Eml,
            ingested: from_micros(0),
            location: None,
        },
    );
    event.email = Some(Email {
        from: vec!["pc.lane@force.police.uk".into()],
        to: vec!["sgt.moss@force.police.uk".into()],
        subject: Some("update".into()),
        body: Some(body.into()),
        attachments: vec![Attachment {
            file: File {
                name: Some("letter.pdf".into()),
                ..File::default()
            },
            text: Some(attachment.into()),
            extraction: None,
        }],
        ..Email::default()
    });
    event
}

#[test]
fn key_file_is_created_once_loaded_and_private() {
    let dir = tempfile::tempdir().unwrap();
    let created = SealKey::create(dir.path()).unwrap();
    let loaded = SealKey::load(dir.path()).unwrap();
    let sealed = probity_privacy::sealing::seal(
        &created,
        probity_privacy::sealing::SealReason::Medical,
        "email.body",
        "text",
    )
    .unwrap();
    assert_eq!(unseal(&loaded, &sealed).unwrap(), "text");
    assert_eq!(
        std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().len(),
        32
    );

    let error = SealKey::create(dir.path()).unwrap_err().to_string();
    assert!(error.contains("refusing to replace"), "{error}");
    let again = SealKey::load_or_create(dir.path()).unwrap();
    assert_eq!(unseal(&again, &sealed).unwrap(), "text");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.path().join(KEY_FILE);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = SealKey::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("chmod 600"), "{error}");
    }
}

#[test]
fn damaged_or_missing_key_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(SealKey::load(dir.path()).is_err());
    std::fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
    let error = SealKey::load(dir.path()).unwrap_err().to_string();
    assert!(error.contains("exactly 32"), "{error}");
}

#[test]
fn event_content_is_sealed_and_can_be_unsealed() {
    let key = SealKey::generate().unwrap();
    let cues = SealCues::new().unwrap();
    let body = "Sarge, I was diagnosed with diabetes last week, off Monday.";
    let letter = "PRIVILEGED: this advice is subject to legal professional privilege.";
    let mut event = event_with(body, letter);
    let sealed = seal_event(&mut event, &key, &cues).unwrap();
    assert_eq!(sealed.len(), 2);

    let email = event.email.as_ref().unwrap();
    assert_eq!(email.body.as_deref(), Some("[sealed: medical content]"));
    assert_eq!(
        email.attachments[0].text.as_deref(),
        Some("[sealed: legally privileged content]")
    );
    assert_eq!(email.subject.as_deref(), Some("update"));
    assert_eq!(event.labels[SEALED_LABEL], "legal_privilege,medical");
    assert_eq!(event.tags, [SEALED_TAG]);

    let stored = serde_json::to_string(&event).unwrap();
    assert!(!stored.contains("diabetes"));
    assert!(!stored.contains("advice is subject"));

    let items = sealed_items(&event);
    assert_eq!(items, sealed);
    assert_eq!(unseal(&key, &items[0]).unwrap(), body);
    assert_eq!(items[1].field, "attachment:letter.pdf");
    assert_eq!(unseal(&key, &items[1]).unwrap(), letter);
    assert!(unseal(&SealKey::generate().unwrap(), &items[0]).is_err());
}

#[test]
fn ordinary_event_is_left_alone() {
    let key = SealKey::generate().unwrap();
    let cues = SealCues::new().unwrap();
    let mut event = event_with("Shift swap on Tuesday?", "Rota for March");
    let before = event.clone();
    assert!(seal_event(&mut event, &key, &cues).unwrap().is_empty());
    assert_eq!(event, before);
}
