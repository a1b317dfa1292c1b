#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The privacy layer on events as the mail decoder produces them (fixtures of our own writing).

use probity_ingest::mail::message_to_event;
use probity_ingest::{Context, Limits};
use probity_model::{Format, Level};
use probity_privacy::disclosure::Disclosure;
use probity_privacy::exclusions::{
    EXCLUDED_TAG, Exclusions, HELD_PARTY_HEADERS, PARTY_HEADERS, apply,
};
use probity_privacy::masking::Masker;
use probity_privacy::recipients::StaffPersonalAddresses;
use probity_privacy::sealing::{SealCues, SealKey, seal_event, sealed_items, unseal};

fn decode(eml: &str) -> probity_model::Event {
    let mut ctx = Context::new("test", Limits::default());
    message_to_event(
        eml.replace('\n', "\r\n").as_bytes(),
        Format::Eml,
        &mut ctx,
        None,
    )
    .unwrap()
}

const TO_FEDERATION: &str = "From: Sam Lane <sam.lane@force.police.uk>
To: \"Police Federation\" <rep@example.org>
Subject: My misconduct meeting
Date: Mon, 2 Mar 2026 10:00:00 +0000
Message-ID: <a1@force.police.uk>
Content-Type: text/plain; charset=utf-8

I would like a rep at the meeting on Thursday, here is my account of what happened.
";

const LEAK: &str = "From: Sam Lane <sam.lane@force.police.uk>
To: Pat <pat.private@gmail.com>
Subject: OFFICIAL-SENSITIVE: custody list
Date: Mon, 2 Mar 2026 10:00:00 +0000
Message-ID: <a2@force.police.uk>
Content-Type: text/plain; charset=utf-8

Detained: Mrs Ada Price, DOB: 12/03/1980, NI AB123456C, tel 07700 900123.
";

const FIT_NOTE: &str = "From: Sam Lane <sam.lane@force.police.uk>
To: Sergeant Moss <dc.moss@force.police.uk>
Subject: off sick
Date: Mon, 2 Mar 2026 10:00:00 +0000
Message-ID: <a3@force.police.uk>
Content-Type: text/plain; charset=utf-8

Sarge, my GP has given me a fit note for two weeks.
";

#[test]
fn display_name_in_the_decoded_headers_excludes_the_message() {
    let exclusions = Exclusions::defaults().unwrap();
    let mut event = decode(TO_FEDERATION);
    let exclusion = apply(&exclusions, &mut event).unwrap();
    assert_eq!(exclusion.class, "staff_association");
    assert_eq!(exclusion.matched, "display name police federation");
    assert!(event.tags.contains(&EXCLUDED_TAG.to_owned()));
    let stored = serde_json::to_string(&event).unwrap();
    assert!(!stored.contains("account of what happened"), "{stored}");
    assert!(stored.contains("rep@example.org"), "metadata stays");
}

/// A force's own list: its occupational health unit as the address book names it.
const FORCE_LIST: &str = "version: 1
parties:
  - class: occupational_health
    reason: medical
    addresses: []
    domains: []
    display_names:
      - Health, Occupational (Northshire)
    subject_keywords: []
    strip_subject: true
";

fn body_is_gone(event: &probity_model::Event, body: &str) {
    let stored = serde_json::to_string(event).unwrap();
    assert!(!stored.contains(body), "{stored}");
}

#[test]
fn a_quoted_display_name_with_a_comma_is_one_name() {
    let exclusions = Exclusions::from_yaml("force list", FORCE_LIST).unwrap();
    let eml = "From: Sam Lane <sam.lane@force.police.uk>
To: \"Health, Occupational (Northshire)\" <oh.team@force.police.uk>
Subject: appointment
Date: Mon, 2 Mar 2026 10:00:00 +0000
Message-ID: <a4@force.police.uk>
Content-Type: text/plain; charset=utf-8

My back is no better since the fall at work.
";
    let mut event = decode(eml);
    assert_eq!(
        event.email.as_ref().unwrap().display_names,
        ["Sam Lane", "Health, Occupational (Northshire)"].map(probity_model::Identity::from)
    );
    let exclusion = apply(&exclusions, &mut event).unwrap();
    assert_eq!(exclusion.class, "occupational_health");
    assert_eq!(
        exclusion.matched,
        "display name health, occupational (northshire)"
    );
    body_is_gone(&event, "My back is no better");
}

#[test]
fn display_names_in_repeated_headers_groups_and_encoded_words_are_matched() {
    let exclusions = Exclusions::defaults().unwrap();
    let cases = [
        // A second `To` header: kept as an array in `original`, read here all the same.
        (
            "To: sgt.moss@force.police.uk\nTo: \"Integrity Line\" <tips@example.org>\n",
            "whistleblowing",
        ),
        // A group's name.
        (
            "To: sgt.moss@force.police.uk\nCc: Police Federation: a@example.org, b@example.org;\n",
            "staff_association",
        ),
        // An RFC 2047 encoded word.
        (
            "To: =?utf-8?q?Occupational_Health?= <oh@example.net>\n",
            "occupational_health",
        ),
        // One with a comma, in directory order.
        (
            "To: =?utf-8?q?Health=2C_Occupational?= <oh@example.net>\n",
            "occupational_health",
        ),
        // A comment where the name would be, or after the address.
        (
            "To: (Occupational Health) <oh@example.net>\n",
            "occupational_health",
        ),
        (
            "To: oh@example.net (Occupational Health)\n",
            "occupational_health",
        ),
        (
            "To: \"Sam\" <oh@example.net> (Occupational Health)\n",
            "occupational_health",
        ),
        // `Reply-To`.
        (
            "To: sgt.moss@force.police.uk\nReply-To: Legal Services <ls@example.net>\n",
            "legal_adviser",
        ),
    ];
    for (headers, class) in cases {
        let eml = format!(
            "From: Sam Lane <sam.lane@force.police.uk>\n{headers}Subject: hello\n\
             Date: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: <a5@force.police.uk>\n\
             Content-Type: text/plain; charset=utf-8\n\nWhat I told you in confidence.\n"
        );
        let mut event = decode(&eml);
        let exclusion =
            apply(&exclusions, &mut event).unwrap_or_else(|| panic!("not excluded: {headers}"));
        assert_eq!(exclusion.class, class, "{headers}");
        body_is_gone(&event, "in confidence");
    }
}

/// Messages written to slip past the list by how a party is written (the tester's cases): each
/// is excluded as decoded, and nothing of its content is left in what would be stored.
#[test]
fn variations_in_how_a_party_is_written_do_not_bypass_the_list() {
    let exclusions = Exclusions::defaults().unwrap();
    let cases = [
        // Two spaces, a no-break space and a tab in a display name.
        (
            "To: \"Occupational  Health\" <x@y.com>\nSubject: hello\n",
            "occupational_health",
        ),
        (
            "To: \"Occupational\u{a0}Health\" <x@y.com>\nSubject: hello\n",
            "occupational_health",
        ),
        (
            "To: \"Occupational\tHealth\" <x@y.com>\nSubject: hello\n",
            "occupational_health",
        ),
        // A listed name inside a longer one, and hyphened.
        (
            "To: Occupational Health Team <ohteam@force.police.uk>\nSubject: hello\n",
            "occupational_health",
        ),
        (
            "To: \"Occupational-Health\" <x@y.com>\nSubject: hello\n",
            "occupational_health",
        ),
        // A listed name in directory order, "Surname, Forename".
        (
            "To: \"Health, Occupational\" <oh.team@example.org>\nSubject: hello\n",
            "occupational_health",
        ),
        (
            "To: \"Federation, Police\" <rep@example.org>\nSubject: hello\n",
            "staff_association",
        ),
        // A tab, and a no-break space inside an encoded word, in the subject.
        (
            "To: b@force.police.uk\nSubject: Protected\tdisclosure about my sergeant\n",
            "whistleblowing",
        ),
        (
            "To: b@force.police.uk\nSubject: =?utf-8?Q?Protected=C2=A0disclosure?= about my sergeant\n",
            "whistleblowing",
        ),
        // A hyphen inside a listed keyword.
        (
            "To: x@force.police.uk\nSubject: whistle-blowing concern\n",
            "whistleblowing",
        ),
        // A second Subject header: the first names the whistleblowing, the second does not.
        (
            "To: b@force.police.uk\nSubject: Protected disclosure about my sergeant\nSubject: hi\n",
            "whistleblowing",
        ),
        (
            "To: b@force.police.uk\nSubject: hi\nSubject: Protected disclosure about my sergeant\n",
            "whistleblowing",
        ),
        // A sub-address, a dot after the domain, a quoted local part.
        (
            "To: occupational.health+referral@force.police.uk\nSubject: hello\n",
            "occupational_health",
        ),
        (
            "To: <legal.services@force.police.uk.>\nSubject: hi\n",
            "legal_adviser",
        ),
        (
            "To: \"Legal.Services\"@force.police.uk\nSubject: hi\n",
            "legal_adviser",
        ),
        // A quoted local part with no display name that would match (the parser reads it as a
        // name and the rest as the address; the decoder keeps the address whole).
        ("To: \"welfare\"@force.police.uk\nSubject: hi\n", "welfare"),
        (
            "To: b@force.police.uk, \"Welfare\"@Force.Police.UK.\nSubject: hi\n",
            "welfare",
        ),
        (
            "To: legal.\"services\"@force.police.uk\nSubject: hi\n",
            "legal_adviser",
        ),
    ];
    for (headers, class) in cases {
        let eml = format!(
            "From: PC Alan Smith <alan.smith@force.police.uk>\n{headers}\
             Date: Mon, 6 May 2024 10:00:00 +0100\nContent-Type: text/plain\n\n\
             Zanzibar marmalade account of what happened.\n"
        );
        let mut event = decode(&eml);
        let exclusion =
            apply(&exclusions, &mut event).unwrap_or_else(|| panic!("not excluded: {headers}"));
        assert_eq!(exclusion.class, class, "{headers}");
        body_is_gone(&event, "Zanzibar");
        body_is_gone(&event, "marmalade");
        if exclusion.strip_subject {
            // Every copy of the subject goes with the body, the one `original` keeps included.
            body_is_gone(&event, "sergeant");
        }
    }
}

/// Addresses with a quoted local part written without angle brackets, as decoded, match the
/// list's addresses as the list writes them, as sender or recipient.
#[test]
fn decoded_quoted_local_parts_match_the_listed_addresses() {
    let list = "version: 1
parties:
  - class: occupational_health
    reason: medical
    addresses: ['\"occ health\"@example.org', oh.team@force.example]
";
    let exclusions = Exclusions::from_yaml("force list", list).unwrap();
    for (headers, matched) in [
        (
            "From: a@force.example\nTo: \"occ health\"@example.org",
            "address occ health@example.org",
        ),
        (
            "From: a@force.example\nTo: \"oh.team\"@force.example",
            "address oh.team@force.example",
        ),
        (
            "From: \"oh.team\"@force.example\nTo: a@force.example",
            "address oh.team@force.example",
        ),
        (
            "From: a@force.example\nCc: x@example.org, \"occ health\"@example.org (OH)",
            "address occ health@example.org",
        ),
    ] {
        let eml = format!(
            "{headers}\nSubject: appointment\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n\
             Content-Type: text/plain; charset=utf-8\n\nMy back is no better.\n"
        );
        let mut event = decode(&eml);
        let exclusion =
            apply(&exclusions, &mut event).unwrap_or_else(|| panic!("not excluded: {headers}"));
        assert_eq!(exclusion.matched, matched, "{headers}");
        body_is_gone(&event, "My back is no better");
    }
}

/// Every header the exclusions read as naming a party beside `From`, `To`, `Cc` and `Bcc` is
/// kept by the mail decoder where they read it, so that a message resent or delivered to a
/// protected party, as decoded, is excluded (whatever case the header's name is written in).
#[test]
fn decoded_mail_resent_or_delivered_to_a_protected_party_is_excluded() {
    let exclusions = Exclusions::defaults().unwrap();
    for header in PARTY_HEADERS {
        for written in [header.to_owned(), header.to_ascii_lowercase()] {
            let eml = format!(
                "{written}: Welfare <welfare@force.police.uk>\n\
                 From: PC Alan Smith <alan.smith@force.police.uk>\nTo: b@force.police.uk\n\
                 Subject: hi\nDate: Mon, 6 May 2024 10:00:00 +0100\nContent-Type: text/plain\n\n\
                 Zanzibar marmalade account of what happened.\n"
            );
            let mut event = decode(&eml);
            let exclusion =
                apply(&exclusions, &mut event).unwrap_or_else(|| panic!("not excluded: {written}"));
            assert_eq!(
                exclusion.matched,
                format!("address welfare@force.police.uk in {header}")
            );
            body_is_gone(&event, "Zanzibar");
        }
    }
}

/// Every header the exclusions read as naming a party of a message held inside another is listed
/// by the mail decoder for an attached message, so that a letter delivered to a protected party
/// and then forwarded as an attachment is found by that header alone (whatever case its name is
/// written in).
#[test]
fn decoded_attached_message_lists_every_held_party_header() {
    let exclusions = Exclusions::defaults().unwrap();
    for header in HELD_PARTY_HEADERS {
        let written = header.to_ascii_lowercase();
        let eml = format!(
            "From: PC Alan Smith <alan.smith@force.police.uk>\nTo: b@force.police.uk\n\
             Subject: fwd\nDate: Mon, 6 May 2024 10:00:00 +0100\n\
             Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee below\n\
             --B\nContent-Type: message/rfc822\n\n{written}: Welfare <welfare@force.police.uk>\n\
             Subject: hi\nContent-Type: text/plain\n\nZanzibar marmalade.\n--B--\n"
        );
        let event = decode(&eml);
        let held = event.original["probity.attached_messages"]
            .as_array()
            .unwrap_or_else(|| panic!("no attached message listed: {header}"));
        let headers: Vec<(&str, &str)> = held[0]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (pair[0].as_str().unwrap(), pair[1].as_str().unwrap()))
            .collect();
        let exclusion = exclusions
            .matches_headers(headers.iter().copied())
            .unwrap_or_else(|| panic!("not found: {header} in {headers:?}"));
        assert_eq!(
            exclusion.matched,
            format!("address welfare@force.police.uk in {header}")
        );
    }
}

/// A message sent by an officer's account on behalf of a protected party's mailbox (`Sender`),
/// or asking for replies to go to one (`Reply-To`), is with that party: the tester's message
/// with `Reply-To: occupational.health@…` was scanned and stored in the clear. Two officers'
/// addresses in `From` and `To`, so the header alone decides.
#[test]
fn decoded_mail_with_a_protected_sender_or_reply_to_is_excluded() {
    let exclusions = Exclusions::defaults().unwrap();
    for header in ["Sender", "Reply-To", "reply-to", "SENDER"] {
        for value in [
            "occupational.health@force.police.uk",
            "Occupational Health <occupational.health@force.police.uk>",
        ] {
            let eml = format!(
                "From: PC Alan Smith <alan.smith@force.police.uk>\n\
                 To: Bob Jones <bob.jones@force.police.uk>\n{header}: {value}\n\
                 Subject: your appointment\nDate: Mon, 6 May 2024 10:00:00 +0100\n\
                 Content-Type: text/plain\n\nZanzibar marmalade: your back injury.\n"
            );
            let mut event = decode(&eml);
            let exclusion = apply(&exclusions, &mut event)
                .unwrap_or_else(|| panic!("not excluded: {header}: {value}"));
            assert_eq!(exclusion.class, "occupational_health", "{header}: {value}");
            assert!(
                exclusion.matched.ends_with(&format!(
                    " in {}",
                    PARTY_HEADERS
                        .iter()
                        .find(|h| h.eq_ignore_ascii_case(header))
                        .unwrap()
                )),
                "{header}: {}",
                exclusion.matched
            );
            body_is_gone(&event, "Zanzibar");
        }
    }
    // An officer's own Reply-To leaves the message as it was.
    let eml = "From: PC Alan Smith <alan.smith@force.police.uk>\n\
               To: Bob Jones <bob.jones@force.police.uk>\n\
               Reply-To: Alan <alan.smith@force.police.uk>\n\
               Subject: rota\nDate: Mon, 6 May 2024 10:00:00 +0100\n\
               Content-Type: text/plain\n\nZanzibar marmalade.\n";
    let mut event = decode(eml);
    assert!(apply(&exclusions, &mut event).is_none());
}

#[test]
fn decoded_leak_to_webmail_is_found_and_masked_for_the_analyst() {
    let event = decode(LEAK);
    let checker = Disclosure::with_defaults().unwrap();
    let findings = checker.check_event(&event, &StaffPersonalAddresses::new());
    let categories: Vec<&str> = findings.iter().map(|f| f.category.as_str()).collect();
    assert_eq!(
        categories,
        ["protective_marking", "ni_number", "date_of_birth"]
    );
    assert_eq!(findings[0].severity, Level::High);
    assert!(
        findings[0]
            .why
            .contains("pat.private@gmail.com (personal webmail)")
    );

    let masker = Masker::new(["Sam Lane"], Vec::<String>::new(), ["force.police.uk"]).unwrap();
    let body = event.email.as_ref().unwrap().body.as_deref().unwrap();
    let masked = masker.mask(body);
    assert!(
        masked
            .text
            .starts_with("Detained: [person], DOB: [dob], NI [ni-number], tel [phone]."),
        "{}",
        masked.text
    );
}

#[test]
fn decoded_medical_message_is_sealed() {
    let mut event = decode(FIT_NOTE);
    let key = SealKey::generate().unwrap();
    let sealed = seal_event(&mut event, &key, &SealCues::new().unwrap()).unwrap();
    assert_eq!(sealed.len(), 1);
    let body = event.email.as_ref().unwrap().body.as_deref().unwrap();
    assert_eq!(body, "[sealed: medical content]");
    let original = unseal(&key, &sealed_items(&event)[0]).unwrap();
    assert!(original.contains("fit note for two weeks"));
}
