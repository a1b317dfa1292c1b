//! Exchange journal reports are unwrapped to the journalled message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_ingest::mail::{decode_eml, decode_mbox};
use probity_ingest::{Batch, Context, Limits};
use probity_model::{Event, Identity};

const REPORT: &[u8] = include_bytes!("fixtures/mail/journal-report.eml");

fn addresses(list: &[Identity]) -> Vec<&str> {
    list.iter().map(Identity::as_str).collect()
}

fn decode(bytes: &[u8]) -> Event {
    let mut ctx = Context::new("file:journal", Limits::default());
    let mut batch = Batch::new();
    decode_eml(bytes, &mut ctx, None, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 1);
    batch.events.remove(0)
}

#[test]
fn journal_report_becomes_the_original_message_with_envelope_bcc() {
    let event = decode(REPORT);
    let email = event.email.as_ref().unwrap();
    assert_eq!(
        email.message_id.as_deref(),
        Some("CWLP265MB0123A@force.example")
    );
    assert_eq!(addresses(&email.from), ["d.morgan@force.example"]);
    assert_eq!(addresses(&email.to), ["k.hughes@force.example"]);
    assert_eq!(addresses(&email.cc), ["custody-team@force.example"]);
    // Only the envelope shows these two: one reached through the list, one a Bcc.
    assert_eq!(
        addresses(&email.bcc),
        ["r.evans@force.example", "press.desk@newspaper.example"]
    );
    assert_eq!(
        event.timestamp.to_rfc3339(),
        "2024-03-12T14:03:10+00:00",
        "the original's Date, not the report's"
    );
    assert!(
        email
            .body
            .as_deref()
            .unwrap()
            .contains("Handover notes for tonight")
    );
    assert_eq!(email.attachments.len(), 1);
    assert_eq!(
        email.attachments[0].text.as_deref(),
        Some("Cell 4: detainee asleep, checks every 30 minutes.")
    );
    let user = event.user.as_ref().unwrap();
    assert_eq!(user.full_name, Some("Dan Morgan".into()));

    let journal = &event.original["journal"];
    assert_eq!(journal["Message-ID"], "journal-7f3a9c@EX01.force.example");
    assert_eq!(journal["Sender"], "d.morgan@force.example");
    assert_eq!(journal["Recipients"].as_array().unwrap().len(), 4);
    assert_eq!(
        event.original["From"],
        "Dan Morgan <d.morgan@force.example>"
    );
    assert_eq!(event.labels["email.journal_report"], "true");
    assert_eq!(event.labels["email.envelope_only_recipients"], "2");
    assert!(!event.labels.contains_key("email.journal_mismatch"));
    assert_eq!(
        journal["Report-From"],
        serde_json::json!(["MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@force.example"])
    );
    // What the envelope added, and who sent the report, for the communications stage to check.
    assert_eq!(
        event.original[probity_ingest::mail::ENVELOPE_ONLY_KEY],
        serde_json::json!({
            "Report-From": ["MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@force.example"],
            "Recipients": ["r.evans@force.example", "press.desk@newspaper.example"],
        })
    );
}

#[test]
fn report_without_its_original_is_decoded_as_it_stands() {
    let text = String::from_utf8(REPORT.to_vec()).unwrap();
    let cut = text
        .find("--_000_journal_report_\r\nContent-Type: message/rfc822")
        .unwrap();
    let without = format!("{}--_000_journal_report_--\r\n", &text[..cut]);
    let event = decode(without.as_bytes());
    let email = event.email.unwrap();
    assert_eq!(
        email.message_id.as_deref(),
        Some("journal-7f3a9c@EX01.force.example")
    );
    assert!(
        email
            .body
            .unwrap()
            .contains("Recipient: press.desk@newspaper.example")
    );
    assert!(!event.labels.contains_key("email.journal_report"));
    assert!(
        event.labels["email.journal_mismatch"].contains("no message is attached"),
        "{:?}",
        event.labels
    );
}

#[test]
fn journal_reports_in_a_mailbox_are_unwrapped_too() {
    let mut mbox = b"From MAILER-DAEMON Tue Mar 12 14:03:12 2024\n".to_vec();
    mbox.extend_from_slice(REPORT);
    let mut ctx = Context::new("file:journal.mbox", Limits::default());
    let mut batch = Batch::new();
    decode_mbox(&mbox[..], &mut ctx, &mut batch).unwrap();
    let email = batch.events[0].email.as_ref().unwrap();
    assert!(addresses(&email.bcc).contains(&"press.desk@newspaper.example"));
}

/// A journal report (from Exchange to `to`) of `original`, whose envelope lists `envelope`.
fn report_of(id: &str, to: &str, envelope: &str, original: &str) -> String {
    format!(
        "From: Microsoft Exchange <postmaster@force.police.uk>\nTo: {to}\nSubject: journal {id}\nDate: Mon, 06 May 2024 10:00:10 +0100\nMessage-ID: <{id}@f>\nX-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary={id}\n\n--{id}\nContent-Type: text/plain\n\n{envelope}\n--{id}\nContent-Type: message/rfc822\n\n{original}\n--{id}--\n"
    )
}

const ORIGINAL: &str = "From: alan.smith@force.police.uk\nTo: leak@gmail.com\nSubject: orig\nDate: Mon, 06 May 2024 10:00:00 +0100\nMessage-ID: <orig18@f>\nContent-Type: text/plain\n\nZQJJBODY my medical stuff, call me.\n";

#[test]
fn a_journal_report_of_a_journal_report_is_unwrapped_to_the_message_and_both_envelopes_apply() {
    let inner = report_of(
        "J2",
        "journal@force.police.uk",
        "Sender: alan.smith@force.police.uk\nSubject: orig\nMessage-Id: <orig18@f>\nTo: leak@gmail.com\nBcc: occupational.health@force.police.uk\n",
        ORIGINAL,
    );
    let outer = report_of(
        "J1",
        "journal2@force.police.uk",
        "Sender: postmaster@force.police.uk\nSubject: journal J2\nMessage-Id: <J2@f>\nTo: journal@force.police.uk\n",
        &inner,
    );
    let event = decode(outer.as_bytes());
    let email = event.email.as_ref().unwrap();
    assert_eq!(email.message_id.as_deref(), Some("orig18@f"));
    assert_eq!(addresses(&email.from), ["alan.smith@force.police.uk"]);
    assert_eq!(addresses(&email.to), ["leak@gmail.com"]);
    assert_eq!(
        addresses(&email.bcc),
        [
            "journal@force.police.uk",
            "occupational.health@force.police.uk"
        ]
    );
    assert_eq!(
        email.body.as_deref().map(str::trim),
        Some("ZQJJBODY my medical stuff, call me.")
    );
    assert!(email.attachments.is_empty(), "{:?}", email.attachments);
    assert_eq!(event.labels["email.journal_depth"], "2");
    assert_eq!(event.labels["email.envelope_only_recipients"], "2");
    let journal = &event.original["journal"];
    assert_eq!(journal["Message-ID"], "J2@f");
    assert_eq!(journal["Outer"][0]["Message-ID"], "J1@f");
    assert_eq!(
        event.original[probity_ingest::mail::ENVELOPE_ONLY_KEY]["Recipients"],
        serde_json::json!([
            "journal@force.police.uk",
            "occupational.health@force.police.uk"
        ])
    );
}

#[test]
fn journal_reports_nested_too_deep_are_labelled_and_kept_whole() {
    let mut message = ORIGINAL.to_owned();
    for depth in 0..12 {
        message = report_of(
            &format!("J{depth}"),
            "journal@force.police.uk",
            &format!("Sender: postmaster@force.police.uk\nTo: r{depth}@force.police.uk\n"),
            &message,
        );
    }
    let mut ctx = Context::new("file:journal", Limits::default());
    let mut batch = Batch::new();
    decode_eml(message.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 1);
    let event = &batch.events[0];
    assert_eq!(event.labels["email.journal_too_deep"], "8");
    assert_eq!(event.labels["email.journal_depth"], "8");
    // The deepest report read is the event: the reports inside it are its attachment's text.
    let text = event.email.as_ref().unwrap().attachments[0]
        .text
        .as_deref()
        .unwrap();
    assert!(text.contains("ZQJJBODY"), "{text}");
    assert_eq!(batch.rejected.len(), 1);
    assert!(batch.rejected[0].reason.contains("email.journal_too_deep"));
    assert_eq!(batch.rejected[0].raw, message.as_bytes());
}

fn decode_all(bytes: &[u8]) -> Vec<Event> {
    let mut ctx = Context::new("file:journal", Limits::default());
    let mut batch = Batch::new();
    decode_eml(bytes, &mut ctx, None, &mut batch).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    batch.events
}

fn body(event: &Event) -> &str {
    event
        .email
        .as_ref()
        .unwrap()
        .body
        .as_deref()
        .unwrap_or_default()
}

#[test]
fn a_report_holding_more_than_its_envelope_and_message_is_an_event_of_its_own_too() {
    let spoof = b"From: Alan Smith <alan.smith@force.police.uk>\nTo: Bob Jones <bob.jones@force.police.uk>\nSubject: hi\nDate: Mon, 06 May 2024 10:00:00 +0100\nMessage-ID: <i17@f>\nX-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=JR\n\n--JR\nContent-Type: text/plain\n\nYou stupid fucking bitch, I will find you and kill you. OFFICIAL-SENSITIVE nominal AB123456C\n--JR\nContent-Type: text/plain; name=extra.txt\nContent-Disposition: attachment; filename=extra.txt\n\nMore: you worthless slag. NI AB123456C\n--JR\nContent-Type: message/rfc822\n\nFrom: Someone Else <else@force.police.uk>\nTo: bob.jones@force.police.uk\nSubject: lunch\nDate: Mon, 06 May 2024 09:00:00 +0100\nMessage-ID: <inner17@f>\nContent-Type: text/plain\n\nLunch at 1?\n--JR--\n";
    let events = decode_all(spoof);
    assert_eq!(events.len(), 2, "{events:?}");
    // The attached message, as a journal report's would be, labelled.
    let inner = &events[0];
    assert_eq!(
        addresses(&inner.email.as_ref().unwrap().from),
        ["else@force.police.uk"]
    );
    assert_eq!(body(inner).trim(), "Lunch at 1?");
    assert_eq!(inner.labels["email.journal_report"], "true");
    // The report as the message it is: its sender, its body, its attachment and the message's text.
    let outer = &events[1];
    let email = outer.email.as_ref().unwrap();
    assert_eq!(addresses(&email.from), ["alan.smith@force.police.uk"]);
    assert_eq!(addresses(&email.to), ["bob.jones@force.police.uk"]);
    assert_eq!(email.message_id.as_deref(), Some("i17@f"));
    assert!(body(outer).contains("I will find you and kill you"));
    let names: Vec<Option<&str>> = email
        .attachments
        .iter()
        .map(|a| a.file.name.as_deref())
        .collect();
    assert_eq!(names, [Some("extra.txt"), None]);
    assert!(
        email.attachments[0]
            .text
            .as_deref()
            .unwrap()
            .contains("worthless slag. NI AB123456C")
    );
    // The attached message is read once, in its own event, with the envelope's recipients.
    assert!(email.attachments[1].text.is_none());
    assert!(
        email.attachments[1]
            .extraction
            .as_deref()
            .unwrap()
            .contains("read as an event of its own")
    );
    assert!(!outer.labels.contains_key("email.journal_report"));
    assert_eq!(inner.labels["email.journal_event"], "1 of 2");
    assert_eq!(outer.labels["email.journal_event"], "2 of 2");
    for event in &events {
        let why = &event.labels["email.journal_mismatch"];
        assert!(why.contains("not envelope fields: 1"), "{why}");
        assert!(
            why.contains("neither its envelope nor the message it journals: 1"),
            "{why}"
        );
    }
}

#[test]
fn an_envelope_naming_another_subject_than_the_message_is_a_mismatch() {
    // A report shaped as Exchange writes them, but with text in its envelope's Subject line,
    // which would otherwise be read by no policy.
    let report = report_of(
        "J1",
        "leak@gmail.com",
        "Sender: alan.smith@force.police.uk\nSubject: OFFICIAL-SENSITIVE nominal AB123456C\nMessage-Id: <orig18@f>\nTo: leak@gmail.com\n",
        ORIGINAL,
    );
    let events = decode_all(report.as_bytes());
    assert_eq!(events.len(), 2);
    assert!(events[0].labels["email.journal_mismatch"].contains("subject"));
    assert_eq!(
        addresses(&events[1].email.as_ref().unwrap().to),
        ["leak@gmail.com"]
    );
    assert!(body(&events[1]).contains("OFFICIAL-SENSITIVE nominal AB123456C"));
}

#[test]
fn a_report_as_exchange_writes_them_is_one_event() {
    let events = decode_all(REPORT);
    assert_eq!(events.len(), 1);
    assert!(!events[0].labels.contains_key("email.journal_mismatch"));
}

#[test]
fn every_message_a_report_attaches_is_an_event_and_bad_envelope_addresses_are_left_out() {
    let report = b"From: Microsoft Exchange <postmaster@force.police.uk>\nTo: journal@force.police.uk\nSubject: two\nDate: Mon, 06 May 2024 10:00:10 +0100\nMessage-ID: <j19@f>\nX-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=J1\n\n--J1\nContent-Type: text/plain\n\nSender alan.smith@force.police.uk\nRecipient: ,,,, , Forwarded:\nTo: <<<>>>\nBcc: b.cole@force.police.uk\n\n--J1\nContent-Type: message/rfc822\n\nFrom: alan.smith@force.police.uk\nTo: bob.jones@force.police.uk\nSubject: first\nMessage-ID: <o19a@f>\nContent-Type: text/plain\n\nLunch?\n--J1\nContent-Type: message/rfc822\n\nFrom: alan.smith@force.police.uk\nTo: leak@gmail.com\nSubject: second\nMessage-ID: <o19b@f>\nContent-Type: text/plain\n\nOFFICIAL-SENSITIVE\nNominal AB123456C.\n--J1--\n";
    let events = decode_all(report);
    assert_eq!(events.len(), 3, "{events:?}");
    let ids: Vec<Option<&str>> = events
        .iter()
        .map(|e| e.email.as_ref().unwrap().message_id.as_deref())
        .collect();
    assert_eq!(ids, [Some("o19a@f"), Some("o19b@f"), Some("j19@f")]);
    let second = &events[1];
    assert_eq!(
        addresses(&second.email.as_ref().unwrap().to),
        ["leak@gmail.com"]
    );
    assert!(body(second).contains("Nominal AB123456C"));
    for (index, event) in events.iter().enumerate() {
        let email = event.email.as_ref().unwrap();
        // Only the envelope's one real address is added; `<<>>` and the empty one are not.
        assert_eq!(addresses(&email.bcc), ["b.cole@force.police.uk"], "{index}");
        let why = &event.labels["email.journal_mismatch"];
        assert!(why.contains("messages attached: 2"), "{why}");
        assert!(why.contains("address is not one, left out: 2"), "{why}");
        assert!(why.contains("not envelope fields: 1"), "{why}");
        assert_eq!(
            event.labels["email.journal_event"],
            format!("{} of 3", index + 1)
        );
    }
    // The report's own event describes the two messages, read in their own events.
    let outer = events[2].email.as_ref().unwrap();
    assert_eq!(outer.attachments.len(), 2);
    assert!(outer.attachments.iter().all(|a| a.text.is_none()));
}

/// A member of staff can write a message shaped exactly as a journal report, its envelope naming
/// occupational health, around the message they send. Journalled by the real server, it is a
/// report inside a report whose envelope names the member of staff as the sender: the inner
/// envelope is theirs to write, so its recipients are not added (the message carried would be
/// excluded unread), and the report is an event of its own as well, labelled.
#[test]
fn a_report_a_person_sent_inside_a_real_report_adds_no_recipients() {
    let original = "From: alan.smith@force.police.uk\nTo: mate@gmail.com\nSubject: lunch\nDate: Mon, 06 May 2024 10:00:00 +0100\nMessage-ID: <lunch@f>\nContent-Type: text/plain\n\nZQFORGED nominal list attached.\n";
    let forged = report_of(
        "F1",
        "mate@gmail.com",
        "Sender: alan.smith@force.police.uk\nSubject: lunch\nMessage-Id: <lunch@f>\nTo: occupational.health@force.police.uk\n",
        original,
    )
    .replace(
        "From: Microsoft Exchange <postmaster@force.police.uk>",
        "From: alan.smith@force.police.uk",
    );
    let real = report_of(
        "R1",
        "journal@force.police.uk",
        "Sender: alan.smith@force.police.uk\nSubject: journal F1\nMessage-Id: <F1@f>\nTo: mate@gmail.com\n",
        &forged,
    );
    let events = decode_all(real.as_bytes());
    assert_eq!(events.len(), 2, "{events:#?}");
    for event in &events {
        let email = event.email.as_ref().unwrap();
        let parties: Vec<&str> = addresses(&email.to)
            .into_iter()
            .chain(addresses(&email.cc))
            .chain(addresses(&email.bcc))
            .collect();
        assert!(
            !parties.contains(&"occupational.health@force.police.uk"),
            "{parties:?}"
        );
        assert!(
            event.labels["email.journal_mismatch"].contains("names a person as its sender"),
            "{:?}",
            event.labels
        );
    }
    let carried = events
        .iter()
        .find(|e| e.email.as_ref().unwrap().message_id.as_deref() == Some("lunch@f"))
        .unwrap();
    assert!(body(carried).contains("ZQFORGED"));

    // The same nesting with the inner report sent by the mail system: both envelopes apply.
    let genuine = report_of(
        "R2",
        "journal@force.police.uk",
        "Sender: MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@force.police.uk\nSubject: journal F1\nMessage-Id: <F1@f>\nTo: journal@force.police.uk\n",
        &report_of(
            "F1",
            "journal@force.police.uk",
            "Sender: alan.smith@force.police.uk\nSubject: lunch\nMessage-Id: <lunch@f>\nTo: mate@gmail.com\nBcc: occupational.health@force.police.uk\n",
            original,
        ),
    );
    let events = decode_all(genuine.as_bytes());
    assert_eq!(events.len(), 1, "{events:#?}");
    let email = events[0].email.as_ref().unwrap();
    assert!(addresses(&email.bcc).contains(&"occupational.health@force.police.uk"));
    assert!(!events[0].labels.contains_key("email.journal_mismatch"));
}

/// Text after a report's last part (or before its first) is the report's own, which no event
/// would hold if the report were taken as Exchange's: such a report is a mismatch and an event
/// of its own, its body holding that text (it was lost; found by the fuzzer).
#[test]
fn text_outside_a_reports_parts_makes_it_an_event_of_its_own() {
    let report = report_of(
        "E1",
        "journal@force.police.uk",
        "Sender: alan.smith@force.police.uk\nSubject: orig\nMessage-Id: <orig18@f>\nTo: leak@gmail.com\n",
        ORIGINAL,
    );
    let with_epilogue = format!("{report}\nZQEPILOGUE you will regret this\n");
    let events = decode_all(with_epilogue.as_bytes());
    assert_eq!(events.len(), 2, "{events:#?}");
    assert!(
        events.iter().any(|e| body(e).contains("ZQEPILOGUE")),
        "{events:#?}"
    );
    assert!(
        events
            .iter()
            .all(|e| e.labels["email.journal_mismatch"].contains("outside its parts"))
    );
    // Without it, the report is Exchange's: one event, the message journalled.
    assert_eq!(decode_all(report.as_bytes()).len(), 1);
}

/// The outermost report of a file has nothing around it to say who sent it, only its own
/// headers. A report a member of staff shaped by hand, sent from their own address and then
/// exported from a mailbox, names occupational health in its envelope: trusted, the message it
/// carries would be excluded unread. Its `From` is a person, so it is a mismatch: the message is
/// still its own event, but the envelope's recipients are added to no event.
#[test]
fn an_outermost_report_from_a_person_adds_no_recipients() {
    let original = "From: alan.smith@force.police.uk\nTo: mate@gmail.com\nSubject: lunch\nDate: Mon, 06 May 2024 10:00:00 +0100\nMessage-ID: <lunch@f>\nContent-Type: text/plain\n\nZQOUTER nominal list attached.\n";
    let envelope = "Sender: alan.smith@force.police.uk\nSubject: lunch\nMessage-Id: <lunch@f>\nTo: mate@gmail.com\nBcc: occupational.health@force.police.uk\n";
    let genuine = report_of("O1", "journal@force.police.uk", envelope, original);
    for from in [
        "From: alan.smith@force.police.uk",
        "From: Microsoft Exchange <alan.smith@force.police.uk>",
        // Sent by a person on behalf of the mail system's address.
        "From: Microsoft Exchange <postmaster@force.police.uk>\nSender: alan.smith@force.police.uk",
        "From: postmaster@force.police.uk, alan.smith@force.police.uk",
        // A group holding a person, or naming no one.
        "From: Exchange: postmaster@force.police.uk, alan.smith@force.police.uk;",
        "From: Undisclosed:;",
        // No address at all.
        "From:",
        "From: Microsoft Exchange",
        "From: postmaster",
        // A second From or Sender after the person's own: every one is read, not the last.
        "From: alan.smith@force.police.uk\nFrom: Microsoft Exchange <postmaster@force.police.uk>",
        "From: Microsoft Exchange <postmaster@force.police.uk>\nSender: alan.smith@force.police.uk\nSender: postmaster@force.police.uk",
        // A Sender that names no address is no mail system's.
        "From: Microsoft Exchange <postmaster@force.police.uk>\nSender:",
        "From: Microsoft Exchange <postmaster@force.police.uk>\nSender: Microsoft Exchange",
        // The mail system's address as a display name or a comment only.
        "From: \"MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@force.police.uk\" <alan.smith@force.police.uk>",
        "From: alan.smith@force.police.uk (postmaster@force.police.uk)",
    ] {
        let forged = genuine.replace(
            "From: Microsoft Exchange <postmaster@force.police.uk>",
            from,
        );
        let events = decode_all(forged.as_bytes());
        assert_eq!(events.len(), 2, "{from}: {events:#?}");
        for event in &events {
            let email = event.email.as_ref().unwrap();
            assert!(
                !addresses(&email.bcc).contains(&"occupational.health@force.police.uk"),
                "{from}: {:?}",
                email.bcc
            );
            assert!(
                event.labels["email.journal_mismatch"].contains("is a person"),
                "{from}: {:?}",
                event.labels
            );
        }
        assert!(events.iter().any(|e| body(e).contains("ZQOUTER")));
    }
    // From the mail system (Exchange's own recipient, or postmaster), the envelope applies.
    for from in [
        "From: Microsoft Exchange <postmaster@force.police.uk>",
        "From: Microsoft Exchange <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@force.police.uk>",
        // In any case, in angle brackets alone, in a group, with a Sender of its own.
        "From: <MICROSOFTEXCHANGE329E71EC88AE4615BBC36AB6CE41109E@FORCE.POLICE.UK>",
        "From: Exchange: postmaster@force.police.uk;",
        "From: postmaster@force.police.uk\nSender: MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@force.police.uk",
    ] {
        let report = genuine.replace(
            "From: Microsoft Exchange <postmaster@force.police.uk>",
            from,
        );
        let events = decode_all(report.as_bytes());
        assert_eq!(events.len(), 1, "{from}: {events:#?}");
        let email = events[0].email.as_ref().unwrap();
        assert!(addresses(&email.bcc).contains(&"occupational.health@force.police.uk"));
        assert!(!events[0].labels.contains_key("email.journal_mismatch"));
    }
}

/// Text after the close delimiter of the journalled message's multipart is that message's
/// epilogue, read into its event's body: where the report's own multipart is closed after it, and
/// where it is never closed and the text runs to the end of the report (the parser ends the
/// journalled message at its close delimiter line; the text was in no event; found by the fuzzer).
#[test]
fn the_epilogue_of_a_journalled_message_is_read_into_its_event() {
    let report = String::from_utf8(REPORT.to_vec()).unwrap();
    let closed = report.replace(
        "--inner--\r\n",
        "--inner--\r\nPS I know where you live.\r\n",
    );
    let unclosed = closed.replace("--_000_journal_report_--\r\n", "");
    assert_ne!(closed, report);
    assert_ne!(unclosed, closed);
    for raw in [closed, unclosed] {
        let events = decode_all(raw.as_bytes());
        assert!(
            events.iter().any(|e| body(e).contains("Handover notes")
                && body(e).contains("PS I know where you live.")),
            "{events:#?}"
        );
    }
}

/// The limit of 256 multiparts whose preamble and epilogue are read counts a report's own
/// multiparts, not those of the message it journals (read in its own event, with its own
/// limit): a report as Exchange writes them, journalling a message of hundreds of multiparts,
/// is one event, that message's.
#[test]
fn a_report_journalling_a_message_of_hundreds_of_multiparts_is_one_event() {
    let mut original = String::from(
        "From: alan.smith@force.police.uk\nTo: leak@gmail.com\nSubject: orig\nDate: Mon, 06 May 2024 10:00:00 +0100\nMessage-ID: <orig18@f>\nContent-Type: multipart/mixed; boundary=M\n\n",
    );
    for n in 0..300 {
        original.push_str(&format!(
            "--M\nContent-Type: multipart/alternative; boundary=A\n\n--A\nContent-Type: text/plain\n\npart {n}\n--A--\n"
        ));
    }
    original.push_str("--M--\n");
    let report = report_of(
        "J300",
        "journal@force.police.uk",
        "Sender: alan.smith@force.police.uk\nSubject: orig\nMessage-Id: <orig18@f>\nTo: leak@gmail.com\nBcc: x@gmail.com\n",
        &original,
    );
    let mut ctx = Context::new("file:journal", Limits::default());
    let mut batch = Batch::new();
    decode_eml(report.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 1, "{:#?}", batch.events[0].labels);
    let event = &batch.events[0];
    assert!(!event.labels.contains_key("email.journal_mismatch"));
    assert_eq!(event.labels["email.outside_parts_not_read"], "45");
    assert_eq!(
        addresses(&event.email.as_ref().unwrap().bcc),
        ["x@gmail.com"]
    );
    assert!(body(event).contains("part 299"));
    // Kept whole in dead-letter, for the text outside the parts not read.
    assert_eq!(batch.rejected.len(), 1);
    assert!(
        batch.rejected[0]
            .reason
            .contains("email.outside_parts_not_read")
    );
}
