#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_model::{
    Attachment, Email, Event, EventId, File, Format, Provenance, User, from_micros,
};
use probity_privacy::exclusions::{
    EXCLUDED_LABEL, EXCLUDED_REASON_LABEL, EXCLUDED_TAG, Exclusions, apply, strip_content,
};
use serde_json::json;

fn mail_event(from: &str, to: &str, subject: &str) -> Event {
    let mut event = Event::new(
        from_micros(1_700_000_000_000_000),
        Provenance {
            id: EventId::derive(Format::Eml, b"x", 0),
            source: "file:test.eml".into(),
            format: Format::Eml,
            ingested: from_micros(1_700_000_000_000_000),
            location: None,
        },
    );
    event.message = Some(subject.to_owned());
    event.email = Some(Email {
        from: vec![from.into()],
        to: vec![to.into()],
        subject: Some(subject.to_owned()),
        message_id: Some("<m1@force.police.uk>".into()),
        body: Some("I have been signed off with stress and my GP...".into()),
        attachments: vec![Attachment {
            file: File {
                name: Some("fit-note.pdf".into()),
                size: Some(1234),
                ..File::default()
            },
            text: Some("Statement of fitness for work".into()),
            extraction: None,
        }],
        ..Email::default()
    });
    event.original.insert("Subject".into(), json!(subject));
    event.original.insert("To".into(), json!(to));
    event
        .original
        .insert("Body".into(), json!("copy of the body"));
    event
}

#[test]
fn excluded_message_keeps_metadata_only() {
    let exclusions = Exclusions::defaults().unwrap();
    let mut event = mail_event(
        "pc.lane@force.police.uk",
        "occupational.health@force.police.uk",
        "Referral - PC Lane",
    );
    let exclusion = apply(&exclusions, &mut event).unwrap();
    assert_eq!(exclusion.class, "occupational_health");

    let email = event.email.as_ref().unwrap();
    assert_eq!(email.body, None);
    assert_eq!(
        email.subject, None,
        "occupational health strips the subject"
    );
    assert_eq!(event.message, None);
    assert_eq!(email.attachments[0].text, None);
    assert_eq!(
        email.attachments[0].file.name.as_deref(),
        Some("fit-note.pdf")
    );
    assert_eq!(
        email.attachments[0].extraction.as_deref(),
        Some("content excluded: occupational_health")
    );
    assert_eq!(email.message_id.as_deref(), Some("<m1@force.police.uk>"));
    assert_eq!(email.to[0].as_str(), "occupational.health@force.police.uk");
    assert!(!event.original.contains_key("Subject"));
    assert!(!event.original.contains_key("Body"));
    assert!(event.original.contains_key("To"));
    assert_eq!(event.labels[EXCLUDED_LABEL], "occupational_health");
    assert!(event.labels[EXCLUDED_REASON_LABEL].contains("Medical"));
    assert_eq!(event.tags, [EXCLUDED_TAG]);

    let serialised = serde_json::to_string(&event).unwrap();
    assert!(!serialised.contains("signed off"));
    assert!(!serialised.contains("fitness for work"));
    assert!(!serialised.contains("Referral"));
}

#[test]
fn staff_association_keeps_the_subject() {
    let exclusions = Exclusions::defaults().unwrap();
    let mut event = mail_event(
        "pc.lane@force.police.uk",
        "rep@unison.co.uk",
        "Meeting on Tuesday",
    );
    apply(&exclusions, &mut event).unwrap();
    let email = event.email.as_ref().unwrap();
    assert_eq!(email.body, None);
    assert_eq!(email.subject.as_deref(), Some("Meeting on Tuesday"));
    assert!(event.original.contains_key("Subject"));
}

#[test]
fn display_names_and_sender_name() {
    let exclusions = Exclusions::defaults().unwrap();
    let mut event = mail_event("pc.lane@force.police.uk", "help@example.org", "hello");
    assert_eq!(exclusions.matches_event(&event), None);
    event.email.as_mut().unwrap().display_names =
        vec!["Lane, Sam".into(), "  INTEGRITY line ".into()];
    assert_eq!(
        exclusions.matches_event(&event).unwrap().class,
        "whistleblowing"
    );

    let mut event = mail_event("advice@example.org", "pc.lane@force.police.uk", "hello");
    event.user = Some(User {
        full_name: Some("Legal Services".into()),
        ..User::default()
    });
    assert_eq!(
        exclusions.matches_event(&event).unwrap().class,
        "legal_adviser"
    );
}

#[test]
fn ordinary_message_is_untouched() {
    let exclusions = Exclusions::defaults().unwrap();
    let mut event = mail_event("pc.lane@force.police.uk", "sgt@force.police.uk", "rota");
    let before = event.clone();
    assert!(apply(&exclusions, &mut event).is_none());
    assert_eq!(event, before);
}

#[test]
fn stripping_twice_tags_once() {
    let exclusions = Exclusions::defaults().unwrap();
    let mut event = mail_event("pc@force.police.uk", "x@polfed.org", "s");
    let exclusion = exclusions.matches_event(&event).unwrap();
    strip_content(&mut event, &exclusion);
    strip_content(&mut event, &exclusion);
    assert_eq!(event.tags.len(), 1);
}

#[test]
fn shipped_welfare_and_whistleblowing_domains_cover_their_subdomains() {
    let exclusions = Exclusions::defaults().unwrap();
    for address in [
        "help@jo.samaritans.org",
        "jo@samaritans.org",
        "support@mail.policecare.org.uk",
        "team@oscarkilo.org.uk",
        "advice@ww.protect-advice.org.uk",
    ] {
        let event = mail_event("pc.lowe@force.police.uk", address, "hello");
        assert!(
            exclusions.matches_event(&event).is_some(),
            "{address} not excluded"
        );
    }
    // A domain that merely ends in the same letters is not a subdomain.
    let event = mail_event("pc.lowe@force.police.uk", "a@notsamaritans.org", "hello");
    assert!(exclusions.matches_event(&event).is_none());
}

/// A message resent to or by a protected party (the RFC 5322 resent fields), or delivered to
/// one (the delivering server's `Delivered-To`, `X-Delivered-To`, `X-Original-To` or
/// `Envelope-To`), is excluded as
/// one addressed to it is, and what matched names the header; a header that names no one
/// protected, or that is not a party header, changes nothing.
#[test]
fn messages_resent_or_delivered_to_a_protected_party_are_excluded() {
    let exclusions = Exclusions::defaults().unwrap();
    let cases = [
        (
            "Resent-To",
            json!("legal.services@force.police.uk"),
            "address legal.services@force.police.uk in Resent-To",
        ),
        (
            "Resent-Cc",
            json!("Sam <sam@force.police.uk>, \"Pat\" <rep@branch.polfed.org>"),
            "domain branch.polfed.org in Resent-Cc",
        ),
        (
            "Resent-Bcc",
            json!("<Welfare@Force.Police.UK>"),
            "address welfare@force.police.uk in Resent-Bcc",
        ),
        (
            "Resent-From",
            json!("OH <occupational.health@force.police.uk>"),
            "address occupational.health@force.police.uk in Resent-From",
        ),
        (
            "Resent-Sender",
            json!("integrity.line@force.police.uk"),
            "address integrity.line@force.police.uk in Resent-Sender",
        ),
        (
            "Resent-To",
            json!("\"Federation, Police\" <rep@example.org>"),
            "display name police federation in Resent-To",
        ),
        (
            "Delivered-To",
            json!(["sgt.moss@force.police.uk", "welfare@force.police.uk"]),
            "address welfare@force.police.uk in Delivered-To",
        ),
        (
            "X-Delivered-To",
            json!("Welfare <welfare@force.police.uk>"),
            "address welfare@force.police.uk in X-Delivered-To",
        ),
        (
            "X-Original-To",
            json!("integrity.line@force.police.uk"),
            "address integrity.line@force.police.uk in X-Original-To",
        ),
        (
            "Envelope-To",
            json!("occupational.health@force.police.uk"),
            "address occupational.health@force.police.uk in Envelope-To",
        ),
    ];
    for (header, value, matched) in cases {
        let mut event = mail_event(
            "pc@force.police.uk",
            "sgt.moss@force.police.uk",
            "my appointment",
        );
        event.original.insert(header.into(), value.clone());
        let exclusion =
            apply(&exclusions, &mut event).unwrap_or_else(|| panic!("not excluded: {header}"));
        assert_eq!(exclusion.matched, matched, "{header}: {value}");
        let stored = serde_json::to_string(&event).unwrap();
        assert!(!stored.contains("signed off"), "{stored}");
        // The header itself is metadata, and stays.
        assert_eq!(event.original[header], value);
    }
    for (header, value) in [
        (
            "Resent-To",
            "sgt.moss@force.police.uk, \"Sam Lane\" <sam@x.org>",
        ),
        ("Delivered-To", "sgt.moss@force.police.uk"),
        ("X-Mailer", "legal.services@force.police.uk"),
    ] {
        let mut event = mail_event(
            "pc@force.police.uk",
            "sgt.moss@force.police.uk",
            "my appointment",
        );
        event.original.insert(header.into(), json!(value));
        assert_eq!(exclusions.matches_event(&event), None, "{header}: {value}");
    }
}
