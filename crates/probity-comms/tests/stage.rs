#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The stage's decisions on decoded mail: sealing is decided from the scanner's own pass (the cue
//! words are watched there), and a message that is sealed raises nothing, however abusive.

use probity_comms::{CommsStage, Outcome};
use probity_content::{Lexicon, Model, Policy, Scanner};
use probity_ingest::mail::message_to_event;
use probity_ingest::{Context, Limits};
use probity_model::{Event, Format};
use probity_privacy::disclosure::Disclosure;
use probity_privacy::exclusions::Exclusions;
use probity_privacy::sealing::{SealKey, SealReason};

fn decode(subject: &str, body: &str) -> Event {
    decode_eml(&format!(
        "{HEADERS}Subject: {subject}\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    ))
}

/// Sender, recipient, date and message id of every test message.
const HEADERS: &str = "From: Sam Lane <sam.lane@force.police.uk>\nTo: Dan Moss <dan.moss@force.police.uk>\nDate: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: <s1@force.police.uk>\n";

/// A message written with `\n` line ends, decoded as ingest decodes it.
fn decode_eml(eml: &str) -> Event {
    let mut ctx = Context::new("test", Limits::default());
    message_to_event(
        eml.replace('\n', "\r\n").as_bytes(),
        Format::Eml,
        &mut ctx,
        None,
    )
    .unwrap()
}

/// The stage with the shipped policies, scanning at most `max_text_bytes` of each text.
fn stage(max_text_bytes: usize) -> CommsStage {
    let mut policy = Policy::defaults().unwrap();
    policy.limits.max_text_bytes = max_text_bytes;
    let scanner = Scanner::new(
        policy,
        Lexicon::defaults().unwrap(),
        Some(Model::abusive().unwrap()),
        Some(Model::misogyny().unwrap()),
    );
    CommsStage::new(
        Exclusions::defaults().unwrap(),
        SealKey::generate().unwrap(),
        scanner,
        Disclosure::with_defaults().unwrap(),
    )
    .unwrap()
}

const ABUSE: &str = "You are a useless fucking bitch and everyone knows it.";

#[test]
fn abuse_alone_is_scanned_and_raises_an_alert() {
    let mut event = decode("rota", ABUSE);
    match stage(4 << 20).apply(&mut event) {
        Outcome::Scanned(alerts) => {
            assert!(
                alerts.iter().any(|a| a.rule.id.starts_with("abuse/")),
                "{alerts:?}"
            );
            for alert in &alerts {
                // Several words of one short text: its passage is shown once.
                let passages: Vec<&str> = alert.explanation.lines().skip(1).collect();
                let mut unique = passages.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(passages.len(), unique.len(), "{}", alert.explanation);
                assert!(alert.matched.len() >= passages.len());
            }
        }
        other => panic!("not scanned: {other:?}"),
    }
}

#[test]
fn a_medical_cue_seals_the_message_and_nothing_is_reported_from_it() {
    for body in [
        format!("{ABUSE} I was diagnosed with depression last year."),
        format!("{ABUSE} My GP has put me on new medication."),
        format!("{ABUSE} OCCUPATIONAL HEALTH REPORT attached."),
    ] {
        let mut event = decode("rota", &body);
        assert_eq!(
            stage(4 << 20).apply(&mut event),
            Outcome::Sealed {
                reason: SealReason::Medical
            },
            "{body}"
        );
        let email = event.email.as_ref().unwrap();
        assert_eq!(email.body.as_deref(), Some("[sealed: medical content]"));
        // The subject carried no cue and stays.
        assert_eq!(email.subject.as_deref(), Some("rota"));
    }
}

#[test]
fn a_message_field_holding_more_than_the_subject_is_sealed_too() {
    // As an event sent over HTTP may have it: the body's text copied into `message`.
    let body = "Update: I was diagnosed with flu, off until Friday.";
    let mut event = decode("rota", body);
    event.message = Some(format!("{body} (copy)"));
    assert_eq!(
        stage(4 << 20).apply(&mut event),
        Outcome::Sealed {
            reason: SealReason::Medical
        }
    );
    assert_eq!(event.message.as_deref(), Some("[sealed: medical content]"));
    let stored = serde_json::to_string(&event).unwrap();
    assert!(!stored.contains("diagnosed"), "{stored}");
    let items = probity_privacy::sealing::sealed_items(&event);
    assert!(items.iter().any(|i| i.field == "message"), "{items:?}");

    // The subject, left in the clear, stays as the message.
    let mut event = decode("rota", body);
    stage(4 << 20).apply(&mut event);
    assert_eq!(event.message.as_deref(), Some("rota"));
}

#[test]
fn cues_wrapped_over_lines_and_html_blocks_seal() {
    for eml in [
        format!(
            "{HEADERS}Subject: update\nContent-Type: text/plain\n\nSorry, I was diagnosed\nwith shingles and am off.\n"
        ),
        format!(
            "{HEADERS}Subject: update\nContent-Type: text/html\n\n<html><body><div>Saw my GP</div><div>medication changed</div></body></html>\n"
        ),
    ] {
        let mut event = decode_eml(&eml);
        assert_eq!(
            stage(4 << 20).apply(&mut event),
            Outcome::Sealed {
                reason: SealReason::Medical
            },
            "{eml}"
        );
        let stored = serde_json::to_string(&event).unwrap();
        assert!(
            !stored.contains("shingles") && !stored.contains("medication"),
            "{stored}"
        );
    }
}

#[test]
fn privilege_outranks_medical_and_a_cue_in_the_subject_seals_the_subject() {
    let mut event = decode(
        "Fit note",
        "This advice is legally privileged. Your diagnosis of anxiety is noted.",
    );
    assert_eq!(
        stage(4 << 20).apply(&mut event),
        Outcome::Sealed {
            reason: SealReason::LegalPrivilege
        }
    );
    let email = event.email.as_ref().unwrap();
    assert_eq!(
        email.subject.as_deref(),
        Some("[sealed: legally privileged content]")
    );
}

#[test]
fn a_cue_past_the_scanners_size_limit_still_seals() {
    // The scanner reads the first 200 bytes only; the cue comes after them.
    let filler = "The rota for the week is attached. ".repeat(20);
    let mut event = decode("rota", &format!("{filler}\nDiagnosed with PTSD in May."));
    assert_eq!(
        stage(200).apply(&mut event),
        Outcome::Sealed {
            reason: SealReason::Medical
        }
    );
    let mut plain = decode("rota", &filler);
    assert!(matches!(stage(200).apply(&mut plain), Outcome::Scanned(_)));
}

#[test]
fn a_disclaimer_is_not_a_privilege_claim() {
    let mut event = decode(
        "rota",
        "Rota attached. This email may contain privileged information.",
    );
    assert_eq!(
        stage(4 << 20).apply(&mut event),
        Outcome::Scanned(Vec::new())
    );
}

/// A message with a plain-text body and one text attachment.
fn decode_with_attachment(body: &str, name: &str, attached: &str) -> Event {
    decode_eml(&format!(
        "{HEADERS}Subject: rota\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\n{body}\n--b1\nContent-Type: text/plain; charset=utf-8\nContent-Disposition: attachment; filename=\"{name}\"\n\n{attached}\n--b1--\n"
    ))
}

/// The stage with the shipped policies and `millis` for a message's texts.
fn stage_with_time(millis: u64) -> CommsStage {
    let mut policy = Policy::defaults().unwrap();
    policy.limits.max_message_scan_millis = millis;
    CommsStage::new(
        Exclusions::defaults().unwrap(),
        SealKey::generate().unwrap(),
        Scanner::new(
            policy,
            Lexicon::defaults().unwrap(),
            Some(Model::abusive().unwrap()),
            Some(Model::misogyny().unwrap()),
        ),
        Disclosure::with_defaults().unwrap(),
    )
    .unwrap()
}

/// About 1 MB of ordinary text: it takes well over a millisecond to scan on any machine.
fn long_body() -> String {
    "The rota for the week is attached and the briefing is at nine. ".repeat(15_000)
}

#[test]
fn texts_reached_after_the_time_allowed_are_named_and_not_scanned() {
    let mut event = decode_with_attachment(&long_body(), "notes.txt", ABUSE);
    let alerts = match stage_with_time(1).apply(&mut event) {
        Outcome::Scanned(alerts) => alerts,
        other => panic!("not scanned: {other:?}"),
    };
    // The attachment comes after the long body, so the time was spent before it.
    assert!(
        !alerts.iter().any(|a| a.rule.id.starts_with("abuse/")),
        "{alerts:?}"
    );
    let label = &event.labels[probity_comms::UNSCANNED_LABEL];
    assert!(
        label.starts_with("attachment:notes.txt (54 bytes): not scanned"),
        "{label}"
    );
    assert!(label.contains("1 ms allowed"), "{label}");
    assert!(
        event
            .tags
            .iter()
            .any(|t| t == probity_comms::PARTLY_SCANNED_TAG)
    );
    // The content is kept whole: only the scanning stopped.
    assert_eq!(
        event.email.as_ref().unwrap().attachments[0].text.as_deref(),
        Some(ABUSE)
    );

    // With the shipped two seconds, the same message is read to the end.
    let mut event = decode_with_attachment(&long_body(), "notes.txt", ABUSE);
    let alerts = stage_with_time(2_000).apply(&mut event).into_alerts();
    assert!(
        alerts.iter().any(|a| a.rule.id.starts_with("abuse/")),
        "{alerts:?}"
    );
    assert!(!event.labels.contains_key(probity_comms::UNSCANNED_LABEL));
    assert!(event.tags.is_empty(), "{:?}", event.tags);
}

#[test]
fn a_cue_in_a_text_reached_after_the_time_allowed_still_seals() {
    let mut event = decode_with_attachment(
        &long_body(),
        "letter.txt",
        "You were diagnosed with PTSD in May and prescribed sertraline.",
    );
    assert_eq!(
        stage_with_time(1).apply(&mut event),
        Outcome::Sealed {
            reason: SealReason::Medical
        }
    );
    assert!(
        event.email.as_ref().unwrap().attachments[0]
            .text
            .as_deref()
            .is_some_and(|t| t.starts_with("[sealed"))
    );
}

#[test]
fn text_past_the_size_limit_is_named_on_the_message() {
    let body = "The rota for the week is attached. ".repeat(20);
    let mut event = decode("rota", &body);
    let past = event.email.as_ref().unwrap().body.as_ref().unwrap().len() - 200;
    assert!(matches!(stage(200).apply(&mut event), Outcome::Scanned(_)));
    let label = &event.labels[probity_comms::UNSCANNED_LABEL];
    assert!(
        label.contains(&format!(
            "email.body: the {past} bytes past the 200-byte limit per text not scanned"
        )),
        "{label}"
    );
}

#[test]
fn a_text_message_to_a_phone_number_is_checked_for_disclosure() {
    let csv = "Timestamp,Direction,From,To,Body\n\
               2026-05-02T18:01:00Z,Outgoing,+447700900123,+447700900456,\"OFFICIAL-SENSITIVE\n\
               NI AB123456C, PNC 12/123456Y\"\n";
    let mut ctx = Context::new("file:device", Limits::default());
    let mut batch = probity_ingest::sink::Batch::new();
    probity_ingest::chat::decode_sms(csv.as_bytes(), &mut ctx, &mut batch).unwrap();
    let mut event = batch.events.pop().unwrap();
    let alerts = match stage(4 << 20).apply(&mut event) {
        Outcome::Scanned(alerts) => alerts,
        other => panic!("not scanned: {other:?}"),
    };
    let rules: Vec<&str> = alerts.iter().map(|a| a.rule.id.as_str()).collect();
    assert!(
        rules.contains(&"disclosure/protective_marking"),
        "{rules:?}"
    );
    assert!(
        rules.iter().any(|r| r.starts_with("disclosure/")),
        "{rules:?}"
    );
    let why: Vec<&str> = alerts.iter().map(|a| a.explanation.as_str()).collect();
    assert!(
        why.iter().any(|w| w.contains("unknown external")),
        "{why:?}"
    );
}

#[test]
fn a_body_cut_by_the_decoder_is_marked_partly_scanned() {
    let mut event = decode("rota", "Morning all, the rota for next week is attached.");
    event
        .labels
        .insert("email.body_truncated".into(), "true".into());
    assert!(matches!(
        stage(4 << 20).apply(&mut event),
        Outcome::Scanned(_)
    ));
    let label = event.labels.get(probity_comms::UNSCANNED_LABEL).unwrap();
    assert!(label.contains("max_email_body_bytes"), "{label}");
    assert!(
        event
            .tags
            .iter()
            .any(|t| t == probity_comms::PARTLY_SCANNED_TAG)
    );

    let mut whole = decode("rota", "Morning all, the rota for next week is attached.");
    stage(4 << 20).apply(&mut whole);
    assert!(!whole.labels.contains_key(probity_comms::UNSCANNED_LABEL));
}

#[test]
fn attachments_past_the_decoders_limit_mark_the_message_partly_scanned() {
    let mut event = decode("rota", "Morning all, the rota for next week is attached.");
    event
        .labels
        .insert("email.attachments_omitted".into(), "2501".into());
    assert!(matches!(
        stage(4 << 20).apply(&mut event),
        Outcome::Scanned(_)
    ));
    assert_partly_scanned(&event, "2501");
    assert_partly_scanned(&event, "max_attachments");
}

#[test]
fn a_message_whose_parts_may_be_misread_is_marked_partly_scanned() {
    // A boundary declared with an escape cannot be mended where it occurs within a line.
    let mut event = decode_eml(&format!(
        "{HEADERS}Subject: s\nContent-Type: multipart/mixed; boundary=\"a\\b\"\n\n--ab\nContent-Type: text/plain\n\nx --ab y\n--ab--\n"
    ));
    assert!(event.labels.contains_key("email.parts_misread"));
    assert!(matches!(
        stage(4 << 20).apply(&mut event),
        Outcome::Scanned(_)
    ));
    let label = event.labels.get(probity_comms::UNSCANNED_LABEL).unwrap();
    assert!(label.contains("split in the wrong places"), "{label}");
    assert!(
        event
            .tags
            .iter()
            .any(|t| t == probity_comms::PARTLY_SCANNED_TAG)
    );
}

#[test]
fn abuse_in_a_quote_the_sender_answers_below_is_lowered() {
    // As Teams and Gmail write a reply: the message answered in a blockquote, the reply below.
    let eml = format!(
        "{HEADERS}Subject: Re: rota\nContent-Type: text/html\n\n<html><body><blockquote type=\"cite\"><p>Alan Smith</p><p>You are a useless fucking bitch.</p></blockquote><p>That is out of order, I am reporting it to the sergeant.</p></body></html>\n"
    );
    let mut event = decode_eml(&eml);
    let alerts = match stage(4 << 20).apply(&mut event) {
        Outcome::Scanned(alerts) => alerts,
        other => panic!("not scanned: {other:?}"),
    };
    assert!(!alerts.is_empty());
    for alert in &alerts {
        assert_eq!(
            alert.level,
            probity_model::Level::Informational,
            "{}: {}",
            alert.rule.id,
            alert.explanation
        );
    }
}

/// A chat message whose only text is of a type the decoder cannot read has no content, but it is
/// a message: it is marked partly scanned (and goes through the exclusions), not passed over.
#[test]
fn a_chat_message_whose_text_could_not_be_read_is_marked_partly_scanned() {
    let teams = br#"[{"id":"t1","chatId":"19:c","messageType":"message","createdDateTime":"2026-03-02T10:00:00Z","from":{"user":{"displayName":"Sam Lane","userPrincipalName":"sam.lane@force.police.uk"}},"body":{"contentType":"html","content":{"text":"you stupid bitch"}}}]"#;
    let mut ctx = Context::new("file:teams", Limits::default());
    let mut batch = probity_ingest::sink::Batch::new();
    probity_ingest::chat::decode_teams(teams, &mut ctx, &mut batch).unwrap();
    let chat = br#"{"timestamp":"2026-03-02T10:00:00Z","platform":"signal","conversation_id":"c","sender":"+447700900123","recipients":["+447700900456"],"text":{"body":"you stupid bitch"}}"#;
    probity_ingest::chat::decode_chat(&chat[..], &mut ctx, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 2, "{:?}", batch.rejected);
    for mut event in batch.events {
        assert!(event.email.as_ref().unwrap().body.is_none());
        let unread = event.labels[probity_ingest::chat::UNREAD_LABEL].clone();
        assert!(
            matches!(stage(4 << 20).apply(&mut event), Outcome::Scanned(_)),
            "{unread}"
        );
        let label = &event.labels[probity_comms::UNSCANNED_LABEL];
        assert!(label.contains(&unread), "{label}");
        assert!(
            event
                .tags
                .iter()
                .any(|t| t == probity_comms::PARTLY_SCANNED_TAG)
        );
    }

    // With a protected party it is excluded, and the unread value leaves `original` with the
    // rest of the content.
    let to_oh = br#"{"timestamp":"2026-03-02T10:00:00Z","platform":"signal","conversation_id":"c","sender":"+447700900123","recipients":[{"name":"Occupational Health","address":"occupational.health@force.police.uk"}],"text":{"body":"my back"}}"#;
    let mut batch = probity_ingest::sink::Batch::new();
    probity_ingest::chat::decode_chat(&to_oh[..], &mut ctx, &mut batch).unwrap();
    let mut event = batch.events.pop().unwrap();
    assert!(matches!(
        stage(4 << 20).apply(&mut event),
        Outcome::Excluded { .. }
    ));
    assert!(!event.original.contains_key("text"), "{:?}", event.original);
}

/// A Teams reply's quote of another message comes as a `messageReference` attachment: the words
/// quoted are another person's, so the replier is not accused of them, and they are still read.
#[test]
fn a_teams_reply_is_not_accused_of_the_words_it_quotes() {
    let teams = br#"[{"id":"t4","chatId":"19:c2","messageType":"message","createdDateTime":"2026-03-02T10:03:00Z","from":{"user":{"displayName":"Sam Lane","userPrincipalName":"sam.lane@force.police.uk"}},"body":{"contentType":"html","content":"<attachment id=\"ref1\"></attachment><p>agreed</p>"},"attachments":[{"id":"ref1","contentType":"messageReference","content":"{\"messageId\":\"t3\",\"messagePreview\":\"you slag, you stupid fucking bitch\",\"messageSender\":{\"user\":{\"displayName\":\"Karen Whitfield\"}}}"}]}]"#;
    let mut ctx = Context::new("file:teams", Limits::default());
    let mut batch = probity_ingest::sink::Batch::new();
    probity_ingest::chat::decode_teams(teams, &mut ctx, &mut batch).unwrap();
    let mut event = batch.events.pop().unwrap();
    let alerts = match stage(4 << 20).apply(&mut event) {
        Outcome::Scanned(alerts) => alerts,
        other => panic!("not scanned: {other:?}"),
    };
    // Read, and found, but as quoted history.
    assert!(
        alerts.iter().any(|a| a.rule.id.starts_with("abuse/")),
        "{alerts:?}"
    );
    for alert in &alerts {
        assert_eq!(
            alert.level,
            probity_model::Level::Informational,
            "{}: {}",
            alert.rule.id,
            alert.explanation
        );
    }
    // A medical cue in the quote still seals the message.
    let medical = String::from_utf8_lossy(teams).replace(
        "you slag, you stupid fucking bitch",
        "I was diagnosed with depression, my GP gave me a fit note",
    );
    let mut batch = probity_ingest::sink::Batch::new();
    probity_ingest::chat::decode_teams(medical.as_bytes(), &mut ctx, &mut batch).unwrap();
    let mut event = batch.events.pop().unwrap();
    assert!(matches!(
        stage(4 << 20).apply(&mut event),
        Outcome::Sealed { .. }
    ));
}

/// A policy file far over the size a policy needs is refused before it is read, with the file
/// named (audit 2, defect 3: a 6 MB exclusions.yaml was accepted).
#[test]
fn an_oversized_policy_file_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy");
    std::fs::create_dir_all(&policy).unwrap();
    let file = policy.join("exclusions.yaml");
    std::fs::write(&file, vec![b'#'; 2 << 20]).unwrap();
    let error = CommsStage::open_policies(dir.path())
        .unwrap_err()
        .to_string();
    assert!(error.contains(&file.display().to_string()), "{error}");
    assert!(
        error.contains("the file is 2097152 bytes; the limit is 1048576"),
        "{error}"
    );
}

/// A message to `to` from the usual sender, with an abusive body.
fn to(to: &str, cc: Option<&str>) -> Event {
    let cc = cc.map(|cc| format!("Cc: {cc}\n")).unwrap_or_default();
    decode_eml(&format!(
        "From: Sam Lane <sam.lane@force.police.uk>\nTo: {to}\n{cc}Date: Mon, 2 Mar 2026 10:00:00 +0000\n\
         Message-ID: <n1@force.police.uk>\nSubject: list\nContent-Type: text/plain\n\n{ABUSE}\n"
    ))
}

/// A protected party's name alone, beside an address outside the force that is not listed,
/// seals the message and raises a low alert naming the entry and the address class; beside the
/// force's own address, or with a listed address among the parties, it excludes as before.
#[test]
fn a_protected_name_alone_beside_an_outside_address_seals_and_alerts() {
    let stage = stage(200);
    for (written, class) in [
        (
            "\"Occupational Health\" <mate@gmail.com>",
            "personal webmail",
        ),
        (
            "\"Police Federation\" <rep@branch-union.example>",
            "unknown external",
        ),
        (
            "\"Health, Occupational\" <mate@gmail.com>",
            "personal webmail",
        ),
    ] {
        let mut event = to(written, None);
        match stage.apply(&mut event) {
            Outcome::NameOnly {
                sealed: true,
                alert,
                ..
            } => {
                assert_eq!(alert.level, probity_model::Level::Low);
                assert!(alert.explanation.contains(class), "{}", alert.explanation);
                assert!(
                    !alert.explanation.contains("useless"),
                    "{}",
                    alert.explanation
                );
            }
            other => panic!("{written}: {other:?}"),
        }
        let body = event.email.as_ref().unwrap().body.clone().unwrap();
        assert!(!body.contains("useless"), "{body}");
        assert_eq!(
            event.labels.get("privacy.sealed").map(String::as_str),
            Some(SealReason::ProtectedPartyName.name())
        );
    }
    for (written, cc) in [
        ("\"Occupational Health\" <oh.nurse@force.police.uk>", None),
        ("\"Occupational Health\" <nurse@sub.force.police.uk>", None),
        // Another party's listed address or domain decides.
        (
            "\"Occupational Health\" <mate@gmail.com>",
            Some("rep@branch.polfed.org"),
        ),
        (
            "\"Occupational Health\" <mate@gmail.com>",
            Some("occupational.health@force.police.uk"),
        ),
    ] {
        let mut event = to(written, cc);
        assert!(
            matches!(stage.apply(&mut event), Outcome::Excluded { .. }),
            "{written} {cc:?}"
        );
        assert!(event.email.as_ref().unwrap().body.is_none());
    }
}

/// A message excluded for a protected party that a member of staff also sent to a personal
/// webmail or press address raises a low, metadata-only alert (the classes and counts of those
/// recipients, the attachments' count and size); its content is excluded as before. Sent only
/// within the force, or by someone outside it, it raises nothing.
#[test]
fn an_excluded_message_also_sent_outside_raises_a_metadata_alert() {
    let stage = stage(200);
    for (to_written, cc, classes) in [
        (
            "occupational.health@force.police.uk",
            Some("mate@gmail.com, Other <other@hotmail.co.uk>"),
            vec![("personal_webmail", "2")],
        ),
        (
            "news.desk@thesun.co.uk",
            Some("welfare@force.police.uk"),
            vec![("press", "1")],
        ),
    ] {
        let mut event = to(to_written, cc);
        let alert = match stage.apply(&mut event) {
            Outcome::Excluded {
                alert: Some(alert), ..
            } => alert,
            other => panic!("{to_written} {cc:?}: {other:?}"),
        };
        assert_eq!(alert.level, probity_model::Level::Low);
        assert_eq!(alert.rule.id, probity_comms::outside::OUTSIDE_RULE_ID);
        for (class, count) in classes {
            let field = format!("recipients.{class}");
            assert!(
                alert
                    .matched
                    .iter()
                    .any(|m| m.field == field && m.value == count),
                "{:?}",
                alert.matched
            );
        }
        // Nothing of the content: not the body, not the subject's words.
        assert!(
            !alert.explanation.contains("useless"),
            "{}",
            alert.explanation
        );
        assert!(
            alert.explanation.contains("no attachments"),
            "{}",
            alert.explanation
        );
        assert!(event.email.as_ref().unwrap().body.is_none());
        let alerts = stage.process(&mut to(to_written, cc));
        assert_eq!(alerts.len(), 1, "{alerts:?}");
    }
    // Within the force, to a partner, or sent by someone outside it: excluded, no alert.
    for (from, to_written, cc) in [
        (
            "sam.lane@force.police.uk",
            "occupational.health@force.police.uk",
            Some("dan.moss@force.police.uk"),
        ),
        (
            "sam.lane@force.police.uk",
            "occupational.health@force.police.uk",
            None,
        ),
        (
            "mate@gmail.com",
            "occupational.health@force.police.uk",
            Some("other@gmail.com"),
        ),
    ] {
        let cc = cc.map(|cc| format!("Cc: {cc}\n")).unwrap_or_default();
        let mut event = decode_eml(&format!(
            "From: {from}\nTo: {to_written}\n{cc}Date: Mon, 2 Mar 2026 10:00:00 +0000\n\
             Message-ID: <n2@force.police.uk>\nSubject: list\nContent-Type: text/plain\n\n{ABUSE}\n"
        ));
        match stage.apply(&mut event) {
            Outcome::Excluded { alert: None, .. } => {}
            other => panic!("{from} {to_written} {cc}: {other:?}"),
        }
    }
}

/// The alert gives the attachments' count and declared size, never their names.
#[test]
fn the_sent_outside_alert_counts_attachments_without_naming_them() {
    let eml = "From: Sam Lane <sam.lane@force.police.uk>\nTo: occupational.health@force.police.uk\n\
               Bcc: mate@gmail.com\nDate: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: <n3@force.police.uk>\n\
               Subject: letter\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\n\
               see attached\n--B\nContent-Type: text/plain; name=victims_list.txt\n\
               Content-Disposition: attachment; filename=victims_list.txt\n\nKaren Whitfield 12 High Street\n--B--\n";
    let mut event = decode_eml(eml);
    let alert = match stage(4 << 20).apply(&mut event) {
        Outcome::Excluded {
            alert: Some(alert), ..
        } => alert,
        other => panic!("{other:?}"),
    };
    assert!(
        alert.explanation.contains("1 attachment of"),
        "{}",
        alert.explanation
    );
    for word in ["victims_list", "Karen", "High Street"] {
        assert!(!alert.explanation.contains(word), "{}", alert.explanation);
        assert!(
            alert.matched.iter().all(|m| !m.value.contains(word)),
            "{:?}",
            alert.matched
        );
    }
}

/// The Teams export as decoded (both passes), each message through the stage.
fn teams_through_stage(export: &[u8]) -> Vec<(Event, Outcome)> {
    let mut ctx = Context::new("file:teams", Limits::default());
    let mut batch = probity_ingest::sink::Batch::new();
    probity_ingest::chat::decode_teams(export, &mut ctx, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    let stage = stage(4 << 20);
    batch
        .events
        .into_iter()
        .map(|mut event| {
            let outcome = stage.apply(&mut event);
            (event, outcome)
        })
        .collect()
}

/// A member of staff's reply in a chat with occupational health names only its sender; the chat's
/// members make it a message to occupational health (audit 2: it was scanned and stored in the
/// clear). What would be stored holds metadata only, and the other chat of the file is untouched.
#[test]
fn a_reply_in_a_chat_with_a_protected_party_keeps_metadata_only() {
    let export = br#"[
      {"id":"t1","chatId":"19:ohchat","messageType":"message","createdDateTime":"2024-05-06T10:00:00Z","from":{"user":{"id":"u-oh","displayName":"Occupational Health","userPrincipalName":"occupational.health@force.police.uk"}},"body":{"contentType":"html","content":"<p>ZQTEAMSOH1 How is your back?</p>"}},
      {"id":"t2","chatId":"19:ohchat","messageType":"message","createdDateTime":"2024-05-06T10:01:00Z","from":{"user":{"id":"u-alan","displayName":"Alan Smith","userPrincipalName":"alan.smith@force.police.uk"}},"body":{"contentType":"html","content":"<p>ZQTEAMSOH2 Still bad, I have been drinking heavily to cope and my marriage is over.</p>"}},
      {"id":"t3","chatId":"19:c2","messageType":"message","createdDateTime":"2024-05-06T10:02:00Z","from":{"user":{"id":"u-alan","displayName":"Alan Smith","userPrincipalName":"alan.smith@force.police.uk"}},"body":{"contentType":"html","content":"<p>You are a useless fucking bitch and everyone knows it.</p>"},"mentions":[{"mentioned":{"user":{"displayName":"Dan Moss","userPrincipalName":"dan.moss@force.police.uk"}}}]}
    ]"#;
    let results = teams_through_stage(export);
    assert_eq!(results.len(), 3);
    for (event, outcome) in &results[..2] {
        assert!(matches!(outcome, Outcome::Excluded { .. }), "{outcome:?}");
        assert_eq!(
            event.labels.get("privacy.excluded").map(String::as_str),
            Some("occupational_health")
        );
        assert!(event.email.as_ref().unwrap().body.is_none());
        let stored = serde_json::to_string(event).unwrap();
        for word in ["ZQTEAMSOH", "drinking", "marriage", "your back"] {
            assert!(!stored.contains(word), "{word} in {stored}");
        }
    }
    let reply = &results[1].0;
    assert_eq!(reply.labels["email.to_source"], "chat-members");
    // The other chat is scanned as before.
    assert!(
        matches!(&results[2].1, Outcome::Scanned(alerts) if !alerts.is_empty()),
        "{:?}",
        results[2].1
    );
}

/// A chat member known only by an account id and the name of a protected party (a system
/// message's member added) is a name without an address: the message is sealed, not excluded and
/// not read in the clear, and the low alert says the member had a name or id only. With a member
/// whose address is the force's own in the chat too, the name excludes, as for mail.
#[test]
fn a_chat_member_named_as_a_protected_party_without_an_address_seals() {
    let added = r##"{"id":"s1","chatId":"19:c","messageType":"systemEventMessage","createdDateTime":"2024-05-06T09:00:00Z","from":null,"body":{"content":"<systemEventMessage/>"},"eventDetail":{"@odata.type":"#microsoft.graph.membersAddedEventMessageDetail","members":[{"id":"u-oh","displayName":"Occupational Health"}]}}"##;
    let said = r#"{"id":"m1","chatId":"19:c","messageType":"message","createdDateTime":"2024-05-06T10:00:00Z","from":{"user":{"id":"u-alan","displayName":"Alan Smith","userPrincipalName":"alan.smith@force.police.uk"}},"body":{"contentType":"text","content":"ZQNAMEONLY I was diagnosed with nothing, my back"}}"#;
    let results = teams_through_stage(format!("[{added},{said}]").as_bytes());
    let (event, outcome) = &results[1];
    match outcome {
        Outcome::NameOnly {
            sealed: true,
            alert,
            ..
        } => {
            assert_eq!(alert.level, probity_model::Level::Low);
            assert!(
                alert
                    .explanation
                    .contains("chat member's name or account id"),
                "{}",
                alert.explanation
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        event.labels.get("privacy.sealed").map(String::as_str),
        Some(SealReason::ProtectedPartyName.name())
    );
    let stored = serde_json::to_string(event).unwrap();
    assert!(!stored.contains("ZQNAMEONLY"), "{stored}");

    let colleague = r#"{"id":"m2","chatId":"19:c","messageType":"message","createdDateTime":"2024-05-06T10:01:00Z","from":{"user":{"id":"u-dan","displayName":"Dan Moss","userPrincipalName":"dan.moss@force.police.uk"}},"body":{"contentType":"text","content":"ZQNAMEONLY2 fine"}}"#;
    let results = teams_through_stage(format!("[{added},{said},{colleague}]").as_bytes());
    for (event, outcome) in &results[1..] {
        assert!(matches!(outcome, Outcome::Excluded { .. }), "{outcome:?}");
        assert!(!serde_json::to_string(event).unwrap().contains("ZQNAMEONLY"));
    }
}

/// The letter from occupational health that the forwarded messages below hold.
const OH_LETTER: &str = "From: Occupational Health <occupational.health@force.police.uk>\n\
    To: alan.smith@force.police.uk\nSubject: Your referral\nContent-Type: text/plain\n\n\
    ZQOHFWD Alan, we recommend restricted duties for your back injury.\n";

/// [`OH_LETTER`] in base64, as a mail program attaches a file.
const OH_LETTER_BASE64: &str =
    "RnJvbTogT2NjdXBhdGlvbmFsIEhlYWx0aCA8b2NjdXBhdGlvbmFsLmhlYWx0aEBmb3JjZS5wb2xp
Y2UudWs+DQpUbzogYWxhbi5zbWl0aEBmb3JjZS5wb2xpY2UudWsNClN1YmplY3Q6IFlvdXIgcmVm
ZXJyYWwNCkNvbnRlbnQtVHlwZTogdGV4dC9wbGFpbg0KDQpaUU9IRldEIEFsYW4sIHdlIHJlY29t
bWVuZCByZXN0cmljdGVkIGR1dGllcyBmb3IgeW91ciBiYWNrIGluanVyeS4NCg==";

/// A message between two officers whose body is `body` and whose second part is `part`
/// (headers, blank line, content).
fn officer_forward(body: &str, part: &str) -> Event {
    decode_eml(&format!(
        "From: Alan Smith <alan.smith@force.police.uk>\nTo: Bob Jones <bob.jones@force.police.uk>\n\
         Date: Mon, 6 May 2024 10:00:00 +0100\nSubject: fwd\nMessage-ID: <f1@force.police.uk>\n\
         Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\n{body}\n\
         --B\n{part}\n--B--\n"
    ))
}

/// The stage with the shipped policies and `key`.
fn stage_with_key(key: &SealKey) -> CommsStage {
    stage_with(Exclusions::defaults().unwrap(), key)
}

/// The stage with the shipped scanner and disclosure policy, `exclusions` and `key`.
fn stage_with(exclusions: Exclusions, key: &SealKey) -> CommsStage {
    CommsStage::new(
        exclusions,
        key.clone(),
        Scanner::with_defaults().unwrap(),
        Disclosure::with_defaults().unwrap(),
    )
    .unwrap()
}

/// The mail decoder's record of attached messages is the one the stage reads.
#[test]
fn the_decoder_and_the_stage_name_the_record_alike() {
    assert_eq!(
        probity_comms::ATTACHED_MESSAGES_KEY,
        probity_ingest::mail::ATTACHED_MESSAGES_KEY
    );
}

/// [`OH_LETTER`] saved from Outlook (`.msg`, a compound file of MAPI properties), in base64.
fn oh_letter_msg_base64() -> String {
    use std::io::Write;
    let utf16 =
        |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    for (path, bytes) in [
        ("/__properties_version1.0", vec![0u8; 32]),
        ("/__substg1.0_0037001F", utf16("Your referral")),
        (
            "/__substg1.0_1000001F",
            utf16("ZQOHFWD Alan, we recommend restricted duties for your back injury."),
        ),
        ("/__substg1.0_0C1A001F", utf16("Occupational Health")),
        (
            "/__substg1.0_0C1F001F",
            utf16("occupational.health@force.police.uk"),
        ),
        ("/__substg1.0_0E04001F", utf16("alan.smith@force.police.uk")),
    ] {
        file.create_stream(path).unwrap().write_all(&bytes).unwrap();
    }
    file.flush().unwrap();
    let bytes = file.into_inner().into_inner();
    base64_lines(&bytes)
}

/// A letter from occupational health that an officer forwards as an attached message (as a
/// message/rfc822 part, in base64 too, as an `.eml` file of a generic type, or saved from
/// Outlook as a `.msg`; attached to an attached message too) is neither scanned nor stored in the clear: what would be stored holds
/// its text sealed, which the seal key opens, and a label naming the party's class and reason.
/// The officer's own text around it is scanned as usual. (The tester's i27 was stored in the
/// clear.)
#[test]
fn a_protected_letter_forwarded_as_an_attachment_is_sealed_and_the_rest_scanned() {
    let key = SealKey::from_bytes([7; 32]);
    let stage = stage_with_key(&key);
    let rfc822 = format!("Content-Type: message/rfc822\n\n{OH_LETTER}");
    let rfc822_base64 = format!(
        "Content-Type: message/rfc822; name=\"fwd.eml\"\nContent-Disposition: attachment; \
         filename=\"fwd.eml\"\nContent-Transfer-Encoding: base64\n\n{OH_LETTER_BASE64}"
    );
    let octet_eml = format!(
        "Content-Type: application/octet-stream; name=\"forwarded.eml\"\nContent-Disposition: \
         attachment; filename=\"forwarded.eml\"\nContent-Transfer-Encoding: base64\n\n\
         {OH_LETTER_BASE64}"
    );
    // An officer's message, with words of its own, that holds the letter attached to it.
    let nested = format!(
        "Content-Type: message/rfc822\n\nFrom: Carol <carol@force.police.uk>\n\
         To: alan.smith@force.police.uk\nSubject: see this\n\
         Content-Type: multipart/mixed; boundary=C\n\n--C\nContent-Type: text/plain\n\n\
         Carol wrote: {ABUSE}\n--C\n{rfc822}\n--C--"
    );
    let outlook = format!(
        "Content-Type: application/vnd.ms-outlook; name=\"referral.msg\"\nContent-Disposition: \
         attachment; filename=\"referral.msg\"\nContent-Transfer-Encoding: base64\n\n{}",
        oh_letter_msg_base64()
    );
    for (what, part) in [
        ("message/rfc822", &rfc822),
        ("message/rfc822 in base64", &rfc822_base64),
        (".eml as application/octet-stream", &octet_eml),
        (".msg saved from Outlook", &outlook),
        ("attached to an attached message", &nested),
    ] {
        let mut event = officer_forward(&format!("FYI. {ABUSE}"), part);
        let outcome = stage.apply(&mut event);
        let Outcome::Scanned(alerts) = outcome else {
            panic!("{what}: {outcome:?}");
        };
        // The officer's own words were read; the letter sealed, not destroyed.
        let (label, opened) = assert_letter_sealed(what, &event, &alerts, &key);
        let stored = serde_json::to_string(&event).unwrap();
        assert!(
            !stored.contains(probity_comms::ATTACHED_MESSAGES_KEY),
            "{what}: {stored}"
        );
        assert!(
            label.contains("occupational_health")
                && label.contains("Medical confidentiality (occupational health)"),
            "{what}: {label}"
        );
        assert_eq!(
            event.labels.get("privacy.sealed").map(String::as_str),
            Some(SealReason::ForwardedProtectedParty.name()),
            "{what}"
        );
        let attachment = &event.email.as_ref().unwrap().attachments[0];
        let text = attachment.text.as_deref().unwrap();
        assert!(
            text.contains(SealReason::ForwardedProtectedParty.placeholder()),
            "{what}: {text}"
        );
        if what == "attached to an attached message" {
            // The officer's message around the letter is read and kept: only the letter is
            // sealed.
            assert!(
                text.contains("Carol wrote") && text.contains("see this"),
                "{text}"
            );
            assert!(opened.starts_with("Your referral"), "{opened}");
            assert!(
                alerts
                    .iter()
                    .any(|a| a.matched.iter().any(|m| m.field.starts_with("attachment:"))),
                "{alerts:?}"
            );
        }
    }
}

/// A zip archive of `files`, deflated, in base64 lines as a mail program attaches one.
fn zip_base64(files: &[(&str, &[u8])]) -> String {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    let bytes = writer.finish().unwrap().into_inner();
    base64_lines(&bytes)
}

/// `bytes` in base64 lines of 76 characters, as a mail program attaches a file.
fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    lines.join("\n")
}

/// What every forward of the occupational health letter must come to: the officer's own words
/// scanned, none of the letter's words stored, a label naming the party, and one sealed item
/// that `key` opens. Gives the label and the opened item.
fn assert_letter_sealed(
    what: &str,
    event: &probity_model::Event,
    alerts: &[probity_model::Alert],
    key: &SealKey,
) -> (String, String) {
    assert!(
        alerts.iter().any(|a| a.rule.id.starts_with("abuse/")
            && a.matched.iter().any(|m| m.field == "email.body")),
        "{what}: {alerts:?}"
    );
    let stored = serde_json::to_string(event).unwrap();
    for secret in ["ZQOHFWD", "restricted duties", "Your referral"] {
        assert!(!stored.contains(secret), "{what}: {secret} in {stored}");
    }
    let label = event
        .labels
        .get(probity_comms::FORWARDED_LABEL)
        .unwrap_or_else(|| panic!("{what}: no label in {stored}"))
        .clone();
    let items = probity_privacy::sealing::sealed_items(event);
    assert_eq!(items.len(), 1, "{what}: {items:?}");
    let opened = probity_privacy::sealing::unseal(key, &items[0]).unwrap();
    assert!(
        opened.contains("ZQOHFWD") && opened.contains("Your referral"),
        "{what}: {opened}"
    );
    (label, opened)
}

/// A letter from occupational health forwarded in a zip archive, as an `.eml` or saved from
/// Outlook as a `.msg`, is sealed as one attached to the message is: the decoder reads it as an
/// attached message and lists its parties, which the exclusions see. (An `.eml` in a zip was read
/// as text, and only the finder of header blocks in a text could see whom it was with; a `.msg`
/// was written as text.) The officer's own words, and the archive's other files, are scanned as
/// usual.
#[test]
fn a_protected_letter_in_a_zip_archive_is_sealed_as_an_attached_message() {
    use base64::Engine;
    let key = SealKey::from_bytes([5; 32]);
    let stage = stage_with_key(&key);
    let msg = base64::engine::general_purpose::STANDARD
        .decode(oh_letter_msg_base64().replace('\n', ""))
        .unwrap();
    let notes = format!("Carol wrote: {ABUSE}");
    for (what, name, letter) in [
        (".eml", "letters/referral.eml", OH_LETTER.as_bytes()),
        (".msg", "letters/referral.msg", &msg[..]),
    ] {
        let zipped = zip_base64(&[("notes.txt", notes.as_bytes()), (name, letter)]);
        let part = format!(
            "Content-Type: application/zip; name=\"letters.zip\"\nContent-Disposition: \
             attachment; filename=\"letters.zip\"\nContent-Transfer-Encoding: base64\n\n{zipped}"
        );
        let mut event = officer_forward(&format!("FYI. {ABUSE}"), &part);
        let outcome = stage.apply(&mut event);
        let Outcome::Scanned(alerts) = outcome else {
            panic!("{what}: {outcome:?}");
        };
        let (label, opened) = assert_letter_sealed(what, &event, &alerts, &key);
        // The archive's other file is read and scanned.
        assert!(
            alerts
                .iter()
                .any(|a| a.matched.iter().any(|m| m.field.starts_with("attachment:"))),
            "{what}: {alerts:?}"
        );
        // Held as an attached message, by the parties the decoder listed.
        assert!(
            label.contains("an attached message") && label.contains("occupational_health"),
            "{what}: {label}"
        );
        assert!(!label.contains("forwarded in the text"), "{what}: {label}");
        assert!(opened.starts_with("Your referral"), "{what}: {opened}");
        let text = event.email.as_ref().unwrap().attachments[0]
            .text
            .clone()
            .unwrap();
        assert!(
            text.contains("Carol wrote")
                && text.contains(&format!(
                    "[file {name}]\n{}",
                    SealReason::ForwardedProtectedParty.placeholder()
                )),
            "{what}: {text}"
        );
    }
}

/// An attached message between officers is read and stored as before: no label, no sealing.
#[test]
fn an_attached_message_between_officers_is_scanned_as_before() {
    let stage = stage(4 << 20);
    let part = format!(
        "Content-Type: message/rfc822\n\nFrom: Carol <carol@force.police.uk>\n\
         To: alan.smith@force.police.uk\nSubject: rota\nContent-Type: text/plain\n\n{ABUSE}"
    );
    let mut event = officer_forward("FYI", &part);
    let Outcome::Scanned(alerts) = stage.apply(&mut event) else {
        panic!("not scanned");
    };
    assert!(!alerts.is_empty());
    let text = event.email.as_ref().unwrap().attachments[0]
        .text
        .clone()
        .unwrap();
    assert!(
        text.contains("useless") && text.starts_with("rota"),
        "{text}"
    );
    assert!(!event.labels.contains_key(probity_comms::FORWARDED_LABEL));
    assert!(
        !event
            .original
            .contains_key(probity_comms::ATTACHED_MESSAGES_KEY)
    );
}

/// A letter from occupational health forwarded inline, below a forwarding header block that
/// names the party (Gmail's, Outlook's with names alone or `[mailto:]`, in German, French or
/// Welsh, with a tab or nothing after each colon, or below its rule of underscores, Apple
/// Mail's), is sealed from the block's first line (the rule's) to the end of
/// the text; the officer's words above it are scanned and kept. A forwarded message between officers, and a forwarding line with no header block
/// below it, leave the text as it was.
#[test]
fn a_protected_letter_forwarded_inline_is_sealed_from_its_header_block() {
    let key = SealKey::from_bytes([9; 32]);
    let stage = stage_with_key(&key);
    let letter = "\n\nZQOHFWD Alan, we recommend restricted duties for your back injury.\n\n\
                  From: Alan Smith\nSent: Friday\nTo: Occupational Health\nSubject: my back\n\n\
                  earlier history";
    for block in [
        "---------- Forwarded message ---------\nFrom: Occupational Health \
         <occupational.health@force.police.uk>\nDate: Mon, 6 May 2024 at 10:00\n\
         Subject: Your referral\nTo: <alan.smith@force.police.uk>",
        "-----Original Message-----\nFrom: Occupational Health \
         [mailto:occupational.health@force.police.uk]\nSent: 06 May 2024 10:00\n\
         To: Smith, Alan; Jones, Bob;\n  Welfare Team\nSubject: Your referral",
        "From: Smith, Alan\nSent: 06 May 2024 10:00\n\
         To: Health, Occupational\nSubject: Re: Your referral",
        // Outlook in German, French (a no-break space before each colon) and Welsh.
        "-----Ursprüngliche Nachricht-----\nVon: Occupational Health \
         [mailto:occupational.health@force.police.uk]\nGesendet: Montag, 6. Mai 2024 10:00\n\
         An: Smith, Alan\nBetreff: Ihre Überweisung",
        "De\u{a0}: Health, Occupational\nEnvoyé\u{a0}: lundi 6 mai 2024 10:00\n\
         À\u{a0}: Alan Smith\nObjet\u{a0}: Votre orientation",
        "Oddi wrth: Iechyd Galwedigaethol <occupational.health@force.police.uk>\n\
         Anfonwyd: 06 Mai 2024 10:00\nAt: Alan Smith\nPwnc: Eich atgyfeiriad",
        // A tab after each colon (a table's cells in HTML read as text), in Spanish; in French
        // the value straight after a no-break space and a colon.
        "De:\tOccupational Health <occupational.health@force.police.uk>\n\
         Enviado:\tlunes, 6 de mayo de 2024 10:00\nPara:\tAlan Smith\nAsunto:\tSu derivación",
        "De\u{a0}:Health, Occupational\nEnvoyé\u{a0}:lundi 6 mai 2024 10:00\n\
         À\u{a0}:Alan Smith\nObjet\u{a0}:Votre orientation",
        // Outlook's rule above its block goes with it, not left behind in the clear.
        "________________________________\nFrom: Occupational Health \
         <occupational.health@force.police.uk>\nSent: 06 May 2024 10:00\nTo: Alan Smith\n\
         Subject: Your referral",
        "Begin forwarded message:\n\nFrom: occupational.health@force.police.uk\n\
         Subject: Your referral\nDate: 6 May 2024\nTo: alan.smith@force.police.uk",
    ] {
        let body = format!("Bob, read this, you useless fucking bitch.\n\n{block}{letter}");
        let mut event = decode("fwd", &body);
        let outcome = stage.apply(&mut event);
        let Outcome::Scanned(alerts) = outcome else {
            panic!("{block}: {outcome:?}");
        };
        assert!(
            alerts.iter().any(|a| a.rule.id.starts_with("abuse/")),
            "{block}: {alerts:?}"
        );
        let stored = serde_json::to_string(&event).unwrap();
        for secret in ["ZQOHFWD", "restricted duties", "earlier history"] {
            assert!(!stored.contains(secret), "{block}: {secret} in {stored}");
        }
        // The decoder keeps the message's CRLF line ends.
        let kept = event.email.as_ref().unwrap().body.clone().unwrap();
        assert_eq!(
            kept.replace("\r\n", "\n"),
            format!(
                "Bob, read this, you useless fucking bitch.\n\n{}",
                SealReason::ForwardedProtectedParty.placeholder()
            ),
            "{block}"
        );
        let label = &event.labels[probity_comms::FORWARDED_LABEL];
        assert!(
            label.starts_with("email.body (forwarded part 1): a message forwarded in the text")
                && label.contains("occupational_health"),
            "{label}"
        );
        let items = probity_privacy::sealing::sealed_items(&event);
        let opened = probity_privacy::sealing::unseal(&key, &items[0]).unwrap();
        assert_eq!(
            opened.replace("\r\n", "\n").trim_end(),
            format!("{block}{letter}")
        );
    }
    for body in [
        "Bob, see below.\n\n-----Original Message-----\nFrom: Carol <carol@force.police.uk>\n\
         Sent: Friday\nTo: Alan Smith\nSubject: rota\n\nZQOHFWD lates on Monday",
        "Bob, see below.\n\n-----Original Message-----\nZQOHFWD lates on Monday",
        "Bob, see below.\nFrom: Occupational Health\nZQOHFWD lates on Monday",
    ] {
        let mut event = decode("fwd", body);
        assert!(matches!(stage.apply(&mut event), Outcome::Scanned(_)));
        let kept = event.email.as_ref().unwrap().body.clone().unwrap();
        assert_eq!(kept.replace("\r\n", "\n").trim_end(), body);
        assert!(event.labels.is_empty(), "{:?}", event.labels);
    }
}

/// A message with nothing to read (no subject, no body, an attachment no text comes from) still
/// goes through the exclusion list: with a protected party it is marked excluded, and raises the
/// sent-outside alert where a member of staff also sent it to a personal address (it was passed
/// over as not a message, unmarked).
#[test]
fn a_message_with_no_text_still_meets_the_exclusion_list() {
    let eml = |to: &str| {
        format!(
            "From: Sam Lane <sam.lane@force.police.uk>\nTo: {to}\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n\
             Message-ID: <n4@force.police.uk>\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\
             Content-Type: application/octet-stream; name=data.bin\nContent-Transfer-Encoding: base64\n\
             Content-Disposition: attachment; filename=data.bin\n\nAAECAwQFBgcICQoLDA0ODwABAgMEBQYHCAkKCwwNDg8=\n--B--\n"
        )
    };
    let stage = stage(4 << 20);
    let mut event = decode_eml(&eml("occupational.health@force.police.uk, mate@gmail.com"));
    assert!(event.email.as_ref().unwrap().body.is_none());
    match stage.apply(&mut event) {
        Outcome::Excluded {
            alert: Some(alert), ..
        } => assert_eq!(alert.rule.id, probity_comms::outside::OUTSIDE_RULE_ID),
        other => panic!("{other:?}"),
    }
    assert!(event.tags.iter().any(|t| t == "content-excluded"));
    let mut event = decode_eml(&eml("dan.moss@force.police.uk"));
    assert!(matches!(stage.apply(&mut event), Outcome::NotAMessage));
}

/// A spreadsheet of nominals sent to personal webmail raises a bulk-data alert whose evidence
/// shows rows of the sheet. Names the name finder cannot know for names (`"HARRIS, Nicoola"`, an
/// unknown forename) and dates with no "born" before them are masked by their column's heading,
/// though the heading row lies far above the evidence: the alert as stored holds none of them.
#[test]
fn evidence_from_a_spreadsheet_masks_its_people_columns() {
    let mut sheet = String::from("Name,Date of birth,Address,Postcode,Phone\n");
    for row in 0..30 {
        sheet.push_str(&format!(
            "\"QXHARRIS{row}, Nicoola\",19{:02}-01-25,\"{} Fairfield Gardens, Highmoor\",NS2 6UA,07700 917{row:03}\n",
            50 + row,
            row + 1
        ));
    }
    let eml = format!(
        "From: Sam Lane <sam.lane@force.police.uk>\nTo: sam.private@gmail.com\nDate: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: <sheet@force.police.uk>\nSubject: list\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\nsee attached\n--b1\nContent-Type: text/csv; charset=utf-8\nContent-Disposition: attachment; filename=\"export.csv\"\n\n{sheet}\n--b1--\n"
    );
    let mut event = decode_eml(&eml);
    let alerts = stage(1_000_000).process(&mut event);
    let bulk = alerts
        .iter()
        .find(|a| a.rule.id == "disclosure/bulk_personal_data")
        .unwrap_or_else(|| panic!("{alerts:#?}"));
    assert!(
        bulk.matched
            .iter()
            .any(|m| m.field.starts_with("attachment:")),
        "{bulk:#?}"
    );
    let stored = serde_json::to_string(&alerts).unwrap();
    for leak in ["QXHARRIS", "Nicoola", "-01-25", "Fairfield"] {
        assert!(!stored.contains(leak), "{leak} in {stored}");
    }
}

#[test]
fn a_message_whose_outside_text_was_not_all_read_is_marked_partly_scanned() {
    // 300 multiparts sharing a boundary: the preambles and epilogues of the last 45 are not read.
    let mut raw = format!("{HEADERS}Subject: s\nContent-Type: multipart/mixed; boundary=M\n\n");
    for n in 1..=300 {
        raw.push_str(&format!(
            "--M\nContent-Type: multipart/alternative; boundary=A\n\n--A\nContent-Type: text/plain\n\npart {n}\n--A--\n"
        ));
    }
    raw.push_str("--M--\n");
    let mut event = decode_eml(&raw);
    assert_eq!(event.labels["email.outside_parts_not_read"], "45");
    // Their structure was not checked for mending either: the 300 and the one holding them.
    assert_eq!(event.labels["email.multiparts_not_checked"], "45");
    assert!(matches!(
        stage(4 << 20).apply(&mut event),
        Outcome::Scanned(_)
    ));
    assert_partly_scanned(&event, "outside the parts of 45 multiparts");
    assert_partly_scanned(&event, "the structure of 45 multiparts");
}

/// The event is tagged partly scanned, and its unscanned label says `why`.
fn assert_partly_scanned(event: &Event, why: &str) {
    let label = event.labels.get(probity_comms::UNSCANNED_LABEL).unwrap();
    assert!(label.contains(why), "{label}");
    assert!(
        event
            .tags
            .iter()
            .any(|t| t == probity_comms::PARTLY_SCANNED_TAG)
    );
}

/// A message the decoder read only in part (its `label` on it) is scanned as far as it was read
/// and marked partly scanned, the mark saying `why`.
fn assert_read_in_part(raw: &str, label: &str, why: &str) {
    let mut event = decode_eml(raw);
    assert!(
        event.labels.contains_key(label),
        "{label}: {:?}",
        event.labels
    );
    assert!(matches!(
        stage(4 << 20).apply(&mut event),
        Outcome::Scanned(_)
    ));
    assert_partly_scanned(&event, why);
}

/// A RAR archive's files are not read: the message holding one is marked partly scanned.
#[test]
fn a_message_holding_an_archive_not_read_is_marked_partly_scanned() {
    use base64::Engine as _;
    let mut rar = b"Rar!\x1a\x07\x01\x00".to_vec();
    rar.extend((0..=255u8).cycle().take(600));
    let encoded = base64::engine::general_purpose::STANDARD.encode(&rar);
    let raw = format!(
        "{HEADERS}Subject: s\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n--B\nContent-Type: application/vnd.rar\nContent-Disposition: attachment; filename=\"nominals.rar\"\nContent-Transfer-Encoding: base64\n\n{encoded}\n--B--\n"
    );
    assert_read_in_part(
        &raw,
        "email.archive_not_read",
        "RAR archive, whose files are not read by any policy",
    );
}

#[test]
fn a_message_whose_header_block_was_cut_is_marked_partly_scanned() {
    let groups = " a=b;".repeat(200_000);
    let raw = format!("From: ;{groups}\n{HEADERS}Subject: s\n\nhello\n");
    assert_read_in_part(&raw, "email.headers_cut", "1 header fields");
}

#[test]
fn a_message_whose_part_header_blocks_were_cut_is_marked_partly_scanned() {
    let groups = " a=b;".repeat(200_000);
    let raw = format!(
        "{HEADERS}Subject: s\nContent-Type: multipart/mixed; boundary=B\n\n--B\nFrom: ;{groups}\nContent-Type: text/plain\n\nhello\n--B--\n"
    );
    assert_read_in_part(
        &raw,
        "email.part_headers_cut",
        "header blocks of the message's parts",
    );
}

#[test]
fn a_message_nested_thousands_deep_is_marked_partly_scanned() {
    let mut raw = format!("{HEADERS}Subject: s\nContent-Type: message/rfc822\n\n");
    for _ in 0..1_500 {
        raw.push_str("Subject: x\nContent-Type: message/rfc822\n\n");
    }
    raw.push_str("innermost\n");
    assert_read_in_part(&raw, "email.nested_messages_cut", "over the 1000 read");
}

#[test]
fn a_message_with_attached_messages_too_deep_to_read_is_marked_partly_scanned() {
    let mut raw = format!("{HEADERS}Subject: s\nContent-Type: message/rfc822\n\n");
    for _ in 0..9 {
        raw.push_str("Subject: x\nContent-Type: message/rfc822\n\n");
    }
    raw.push_str("innermost\n");
    assert_read_in_part(
        &raw,
        "email.attached_messages_too_deep",
        "nested deeper than 8 levels were not read",
    );
}

#[test]
fn a_message_with_an_epilogue_past_the_part_read_is_marked_partly_scanned() {
    let filler = "padding line of the epilogue\n".repeat(3000);
    let raw = format!(
        "{HEADERS}Subject: s\nContent-Type: multipart/mixed; boundary=M\n\n--M\nContent-Type: text/plain\n\nhello\n--M--\n{filler}the end\n"
    );
    assert_read_in_part(
        &raw,
        "email.outside_parts_cut",
        "past the 64 KiB read of a preamble or epilogue",
    );
}

#[test]
fn a_message_still_unmended_when_its_rounds_ran_out_is_marked_partly_scanned() {
    let opened = "--A\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\n\n".repeat(80);
    let raw = format!(
        "{HEADERS}Subject: s\nContent-Type: multipart/mixed; boundary=\"O\"\n\n--O\nContent-Type: multipart/mixed; boundary=\"A\"\n\n{opened}--O\nContent-Type: text/plain\n\nI will find you.\n"
    );
    assert_read_in_part(
        &raw,
        "email.mending_unfinished",
        "rounds of mending of the message's structure its size allows ran out may not have been read by any policy",
    );
}

/// A journal report (from `from`) of an officer's message to a gmail address whose envelope
/// names occupational health as a Bcc.
fn journal_report_from(from: &str) -> Event {
    decode_eml(&format!(
        "From: {from}\nTo: journal@force.police.uk\nSubject: journal\nDate: Mon, 02 Mar 2026 10:00:10 +0000\nMessage-ID: <j1@f>\nX-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=jb\n\n--jb\nContent-Type: text/plain\n\nSender: sam.lane@force.police.uk\nSubject: rota\nMessage-Id: <o1@force.police.uk>\nTo: pal@gmail.com\nBcc: occupational.health@force.police.uk\n\n--jb\nContent-Type: message/rfc822\n\nFrom: Sam Lane <sam.lane@force.police.uk>\nTo: pal@gmail.com\nSubject: rota\nDate: Mon, 02 Mar 2026 10:00:00 +0000\nMessage-ID: <o1@force.police.uk>\nContent-Type: text/plain\n\n{ABUSE}\n--jb--\n"
    ))
}

/// The stage with the shipped policies and exclusion list, the list naming `domains` as where
/// the force's journal reports come from.
fn stage_with_journal_senders(domains: &str) -> CommsStage {
    let yaml = format!(
        "{}\njournal_sender_domains: [{domains}]\n",
        probity_privacy::exclusions::DEFAULT_EXCLUSIONS_YAML
    );
    stage_with(
        Exclusions::from_yaml("test", &yaml).unwrap(),
        &SealKey::generate().unwrap(),
    )
}

/// The mail decoder's record of what journal envelopes added is the one the stage reads.
#[test]
fn the_decoder_and_the_stage_name_the_journal_record_alike() {
    assert_eq!(
        probity_comms::journal::ENVELOPE_ONLY_KEY,
        probity_ingest::mail::ENVELOPE_ONLY_KEY
    );
}

/// Where the exclusion list names the domains journal reports come from, a report sent from a
/// mail system's address at another domain (written by hand, say) cannot add occupational
/// health as a Bcc and have the message excluded unread: the message is scanned, without that
/// Bcc, and says why. From a listed domain, or with no domain listed, the envelope's Bcc stands.
#[test]
fn a_journal_report_from_elsewhere_cannot_add_a_protected_party() {
    let listed = stage_with_journal_senders("force.onmicrosoft.com");
    let forged = "Microsoft Exchange <MicrosoftExchange329e@elsewhere.example>";
    let mut event = journal_report_from(forged);
    assert_eq!(
        listed.exclusion(&event),
        None,
        "the question asked before the stage runs sees what the stage will"
    );
    match listed.apply(&mut event) {
        Outcome::Scanned(alerts) => assert!(
            alerts.iter().any(|a| a.rule.id.starts_with("abuse/")),
            "{alerts:?}"
        ),
        other => panic!("not scanned: {other:?}"),
    }
    let email = event.email.as_ref().unwrap();
    assert!(email.bcc.is_empty(), "{:?}", email.bcc);
    let why = &event.labels["email.journal_mismatch"];
    assert!(
        why.contains("MicrosoftExchange329e@elsewhere.example")
            && why.contains("the recipient only its envelope names was not added"),
        "{why}"
    );
    let stored = serde_json::to_string(&event).unwrap();
    assert!(!stored.contains(probity_comms::journal::ENVELOPE_ONLY_KEY));

    let real = "Microsoft Exchange <MicrosoftExchange329e@force.onmicrosoft.com>";
    for (stage, from) in [(&listed, real), (&stage(4 << 20), forged)] {
        let mut event = journal_report_from(from);
        assert!(stage.exclusion(&event).is_some(), "{from}");
        assert!(
            matches!(stage.apply(&mut event), Outcome::Excluded { .. }),
            "{from}"
        );
        assert!(!event.labels.contains_key("email.journal_mismatch"));
        let stored = serde_json::to_string(&event).unwrap();
        assert!(!stored.contains(probity_comms::journal::ENVELOPE_ONLY_KEY));
    }
}

/// A message from a member of staff to a personal webmail address with `bytes` attached as a
/// file of type `mime` called `name`, decoded.
fn to_webmail_with(bytes: &[u8], mime: &str, name: &str) -> Event {
    decode_eml(&format!(
        "From: Sam Lane <sam.lane@force.police.uk>\nTo: pal@gmail.com\nDate: Mon, 2 Mar 2026 \
         10:00:00 +0000\nMessage-ID: <d1@force.police.uk>\nSubject: as asked\nMIME-Version: \
         1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: \
         text/plain\n\nAs asked.\n--b1\nContent-Type: {mime}; name=\"{name}\"\n\
         Content-Transfer-Encoding: base64\n\n{}\n--b1--\n",
        base64_lines(bytes)
    ))
}

/// A Word 97 document (`.doc`) that is a table of 11 invented people, sent to a personal webmail
/// address: its rows are read as the rows of a spreadsheet export, which the bulk personal data
/// count counts. (Its cells were read tab-separated and its rows run together in one line, in
/// which the count saw no rows.)
#[test]
fn a_word_table_of_people_sent_to_webmail_is_counted_by_its_rows() {
    let document = include_bytes!("../../probity-ingest/tests/fixtures/attach/people-table.doc");
    let mut event = to_webmail_with(document, "application/msword", "list.doc");
    let Outcome::Scanned(alerts) = stage(4 << 20).apply(&mut event) else {
        panic!("not scanned");
    };
    let bulk = alerts
        .iter()
        .find(|alert| alert.rule.id == "disclosure/bulk_personal_data")
        .unwrap_or_else(|| panic!("{alerts:?}"));
    assert!(
        bulk.explanation
            .contains("spreadsheet rows describing people (columns: Name, Date of birth, Address"),
        "{}",
        bulk.explanation
    );
}

/// A workbook of 30 invented people (written by openpyxl), with abuse on a hidden sheet, sent to
/// a personal webmail address: the sheet is read as the spreadsheet export it is, so the bulk
/// personal data count and the abuse policy both see it. (Before workbooks were read, the only
/// alert was the data file's name.)
#[test]
fn a_workbook_of_people_sent_to_webmail_is_read_by_the_policies() {
    let book = include_bytes!("../../probity-ingest/tests/fixtures/attach/nominals.xlsx");
    let mut event = to_webmail_with(
        book,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "list.xlsx",
    );
    let Outcome::Scanned(alerts) = stage(4 << 20).apply(&mut event) else {
        panic!("not scanned");
    };
    let ids: Vec<&str> = alerts.iter().map(|a| a.rule.id.as_str()).collect();
    for expected in [
        "disclosure/bulk_personal_data",
        "abuse/threat",
        "abuse/misogynistic",
    ] {
        assert!(ids.contains(&expected), "{expected}: {ids:?}");
    }
    // The sheet's rows are counted as a CSV's are, under its `[sheet NAME]` line.
    let bulk = alerts
        .iter()
        .find(|alert| alert.rule.id == "disclosure/bulk_personal_data")
        .unwrap_or_else(|| panic!("{alerts:?}"));
    assert!(
        bulk.explanation
            .contains("30 spreadsheet rows describing people"),
        "{}",
        bulk.explanation
    );
}
