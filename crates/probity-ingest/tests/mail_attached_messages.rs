//! Messages attached inside a message (`message/rfc822` parts): what is read of them is read as
//! it is of the message's own parts, at any depth the decoder reads them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::decode;
use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};
use probity_model::Event;

/// A message with a line of text and `part` (its header block and body) as its second part.
fn holding(part: &str) -> String {
    format!(
        "From: a@force.police.uk\nTo: b@force.police.uk\nSubject: fwd\n\
         Content-Type: multipart/mixed; boundary=\"O\"\n\n--O\nContent-Type: text/plain\n\n\
         See attached.\n--O\n{part}\n--O--\n"
    )
}

/// The text of the only attachment of `event`.
fn attachment_text(event: &Event) -> &str {
    let attachments = &event.email.as_ref().unwrap().attachments;
    assert_eq!(attachments.len(), 1, "{attachments:?}");
    attachments[0].text.as_deref().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Multipart Content-Type fields that disagree on the boundary
// ---------------------------------------------------------------------------------------------

/// An attached message whose multipart part has two multipart `Content-Type` fields, the first's
/// boundary `jb` beginning delimiter lines in its body, the last's found nowhere; its text part
/// is in base64.
const DISPUTED: &str = "From: c@force.police.uk\nSubject: inner\n\
    Content-Type: multipart/mixed; boundary=\"N\"\n\n--N\n\
    Content-Type: multipart/mixed; boundary=jb\n\
    Content-Type: multipart/mixed; boundary=\"Q\"\n\n\
    --jb\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n\
    SSBrbm93IHdoZXJlIHlvdSBsaXZlLiBXYXRjaCB5b3VyIGJhY2su\n--jb--\n--N--\n";

/// The text part's words.
const WORDS: &str = "I know where you live. Watch your back.";

/// The part in an attached message is read by the field whose boundary is found, as it is in the
/// message's own parts: the parser reads it by the last, as one text, and its text part reached
/// the policies as base64 letters only. So wherever the attached message is: sent as it is (read
/// in place), in base64 or quoted-printable (read from its decoded bytes), inside another
/// attached message, or attached as an `.eml` file.
#[test]
fn a_part_of_an_attached_message_is_read_by_the_multipart_type_whose_boundary_is_found() {
    let base64 = common::base64_lines(DISPUTED.as_bytes());
    let quoted = DISPUTED.replace('=', "=3D");
    let middle = format!(
        "From: d@force.police.uk\nSubject: middle\n\
         Content-Type: multipart/mixed; boundary=\"M\"\n\n--M\n\
         Content-Type: message/rfc822\n\n{DISPUTED}--M--\n"
    );
    let middle_base64 = common::base64_lines(middle.as_bytes());
    let cases = [
        (
            "in place",
            format!("Content-Type: message/rfc822\n\n{DISPUTED}"),
        ),
        (
            "base64",
            format!("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{base64}"),
        ),
        (
            "quoted-printable",
            format!(
                "Content-Type: message/rfc822\nContent-Transfer-Encoding: quoted-printable\n\n{quoted}"
            ),
        ),
        (
            "in place, two deep",
            format!("Content-Type: message/rfc822\n\n{middle}"),
        ),
        (
            "in place in base64",
            format!(
                "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{middle_base64}"
            ),
        ),
        (
            "an .eml file",
            format!(
                "Content-Type: application/octet-stream; name=\"fwd.eml\"\n\
                 Content-Disposition: attachment; filename=\"fwd.eml\"\n\
                 Content-Transfer-Encoding: base64\n\n{base64}"
            ),
        ),
    ];
    let mut misread = Vec::new();
    for (shape, part) in cases {
        let event = decode(holding(&part).as_bytes());
        let text = attachment_text(&event);
        let labelled = event.labels.get("email.content_types_disagree");
        // Each message read once, where it is.
        let read_once = text.matches("middle").count() <= 1 && text.matches("inner").count() == 1;
        if !text.contains(WORDS) || text.contains("SSBrbm93") || labelled.is_none() || !read_once {
            misread.push(format!("{shape}: {text:?} {:?}", event.labels));
        }
    }
    assert!(misread.is_empty(), "{misread:#?}");
}

// ---------------------------------------------------------------------------------------------
// The bound on the multiparts whose preamble and epilogue are read
// ---------------------------------------------------------------------------------------------

/// `count` multiparts of boundary `inner` inside one of boundary `outer`, each with a part and
/// an epilogue (header fields first: `head`), as a message's body.
fn many_multiparts(head: &str, outer: &str, inner: &str, count: usize, more: &str) -> String {
    let mut raw = format!("{head}Content-Type: multipart/mixed; boundary=\"{outer}\"\n\n");
    for n in 1..=count {
        raw.push_str(&format!(
            "--{outer}\nContent-Type: multipart/alternative; boundary=\"{inner}\"\n\n\
             --{inner}\nContent-Type: text/plain\n\npart {n}\n--{inner}--\nepilogue {n}.\n"
        ));
    }
    raw.push_str(more);
    raw.push_str(&format!("--{outer}--\n"));
    raw
}

/// Past the 256 multiparts of one message whose preambles and epilogues are read, those of an
/// attached message were noted on its attachment alone: the event had no label and the message
/// was not kept in dead-letter, so the text they hold was in nothing stored (comms fuzzer s46
/// aa029a71c13ae4fb). They are counted in the label with the message's own, and the message is
/// kept whole.
#[test]
fn the_text_outside_the_parts_not_read_in_an_attached_message_labels_its_message() {
    let attached = many_multiparts("Subject: inner\n", "X", "Y", 300, "");
    for (own, label) in [(10, "45"), (260, "50")] {
        let raw = many_multiparts(
            "From: a@force.police.uk\nTo: b@force.police.uk\nSubject: fwd\n",
            "M",
            "A",
            own,
            &format!("--M\nContent-Type: message/rfc822\n\n{attached}"),
        );
        let mut ctx = Context::new("file:test", Limits::default());
        let mut batch = Batch::new();
        decode_eml(raw.as_bytes(), &mut ctx, None, &mut batch).unwrap();
        assert_eq!(batch.events.len(), 1);
        let event = &batch.events[0];
        let attachments = &event.email.as_ref().unwrap().attachments;
        let note = attachments[0].extraction.as_deref().unwrap_or_default();
        assert!(
            note.contains("the text outside the parts of 45 multiparts was not read"),
            "{note}"
        );
        assert_eq!(
            event
                .labels
                .get("email.outside_parts_not_read")
                .map(String::as_str),
            Some(label),
            "{own}: {:?}",
            event.labels
        );
        assert_eq!(batch.rejected.len(), 1, "{own}");
        assert_eq!(batch.rejected[0].raw, raw.as_bytes());
        // The count is of those past the first 256 of each message, the attached one's too (the
        // reason said they were past the first 256 of all the multiparts).
        assert!(
            batch.rejected[0].reason.contains(&format!(
                "the text outside the parts of {label} multiparts was not read: those past the first 256 of one message, its own or an attached message's (labelled email.outside_parts_not_read)"
            )),
            "{}",
            batch.rejected[0].reason
        );
    }
}

/// The count of multiparts whose outside text was not read is the count the attached messages'
/// readings made, not numbers found in their notes' text: a file named as that note reads (its
/// name put before its own note) counted 999 multiparts that were not there, and sent its message
/// to dead-letter as if text were missing.
#[test]
fn a_file_named_as_the_note_on_multiparts_not_read_counts_none() {
    let name = "the text outside the parts of 999 multiparts was not read (over x.bin";
    let attached = format!(
        "From: c@force.police.uk\nSubject: inner\n\
         Content-Type: multipart/mixed; boundary=\"I\"\n\n--I\nContent-Type: text/plain\n\nhello\n\
         --I\nContent-Type: application/octet-stream\n\
         Content-Disposition: attachment; filename=\"{name}\"\n\n\x01\x02\x03\n--I--\n"
    );
    let raw = holding(&format!("Content-Type: message/rfc822\n\n{attached}"));
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    assert_eq!(batch.events.len(), 1);
    let event = &batch.events[0];
    let note = event.email.as_ref().unwrap().attachments[0]
        .extraction
        .as_deref()
        .unwrap_or_default();
    assert!(note.contains(name), "{note}");
    assert!(
        !event.labels.contains_key("email.outside_parts_not_read"),
        "{:?}",
        event.labels
    );
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
}

// ---------------------------------------------------------------------------------------------
// Boundaries lengthened to be read, given back as written
// ---------------------------------------------------------------------------------------------

/// `--sep` within a line of the attached message's text part makes its boundary lengthened to be
/// read, on its delimiter lines and on the line `--sep` after its close delimiter too, which is
/// text (its epilogue). That line showed in the attachment's text with the suffix
/// (`--sep_probity_0`), a line the sender never wrote; it is read as written, and the range of
/// the attached message held in the text (with its parties, for the exclusions) ends where the
/// text does.
#[test]
fn a_lengthened_boundary_in_an_attached_message_s_text_is_read_as_written() {
    let raw = holding(
        "Content-Type: message/rfc822\n\nFrom: c@force.police.uk\nTo: d@gmail.com\n\
         Subject: inner\nContent-Type: multipart/mixed; boundary=sep\n\n\
         --sep\nContent-Type: text/plain\n\nAs asked. x--sep y\n--sep--\n\
         Quoted below:\n--sep\nI will find you.",
    );
    let event = decode(raw.as_bytes());
    let text = attachment_text(&event);
    assert!(
        text.ends_with("\nQuoted below:\n--sep\nI will find you."),
        "{text:?}"
    );
    assert!(!text.contains("probity"), "{text:?}");
    let held = &event.original["probity.attached_messages"][0];
    assert_eq!(held["attachment"], 0);
    assert_eq!(held["start"], 0);
    assert_eq!(held["end"].as_u64(), Some(text.len() as u64), "{held}");
}

/// A message attached as it is (7bit) inside a message attached in base64: the parser reads it in
/// a copy of the decoded bytes, and it was taken for one decoded from a transfer encoding of its
/// own, its epilogue looked for only up to where the parser ended its multipart, and lost. It is
/// read as the same message attached as it is at the top is.
#[test]
fn the_epilogue_of_a_message_sent_as_it_is_inside_one_in_base64_is_read() {
    use base64::Engine;
    let inner = "From: c@example.com\nSubject: inner\nContent-Type: multipart/mixed; boundary=\"B\"\n\n\
                 --B\nContent-Type: text/plain\n\nB text.\n--B--\nMeet me behind the station.\n";
    let middles = [
        // The inner message is the middle one's body.
        format!("From: d@example.com\nSubject: middle\nContent-Type: message/rfc822\n\n{inner}"),
        // The inner message is the last part of a multipart never closed.
        format!(
            "From: d@example.com\nSubject: middle\nContent-Type: multipart/mixed; boundary=\"A\"\n\n\
             --A\nContent-Type: text/plain\n\nA text.\n--A\nContent-Type: message/rfc822\n\n{inner}"
        ),
    ];
    for middle in middles {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&middle);
        let raw = holding(&format!(
            "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{encoded}"
        ));
        let event = decode(raw.as_bytes());
        let text = attachment_text(&event);
        assert!(
            text.ends_with(
                "inner\n\nB text.\n\n[text outside the message's parts]\nMeet me behind the station."
            ),
            "{text:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A part typed as a message that is none
// ---------------------------------------------------------------------------------------------

/// A `message/rfc822` part whose body is no message (no header field: the text starts at once),
/// attached as it is or in base64: the parser marks it as one whose transfer encoding is broken,
/// and it was noted "the attachment's transfer encoding is broken; read from its raw text" (of
/// one decoded from base64 too) and labelled `email.encoding_problem`. Its text is read, noted as
/// no message, and the message labelled so.
#[test]
fn a_part_typed_as_a_message_that_is_none_is_noted_so_not_as_broken() {
    for part in [
        "Content-Type: message/rfc822\n\nMeet me behind the station at nine.",
        "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nTWVldCBtZSBiZWhpbmQgdGhlIHN0YXRpb24gYXQgbmluZS4K",
    ] {
        let event = decode(holding(part).as_bytes());
        assert_eq!(
            attachment_text(&event),
            "Meet me behind the station at nine.",
            "{part}"
        );
        let attachment = &event.email.as_ref().unwrap().attachments[0];
        let note = attachment.extraction.as_deref().unwrap_or_default();
        assert!(
            note.starts_with("its type says it is a message, but it is not one"),
            "{note}"
        );
        assert!(!note.contains("transfer encoding"), "{note}");
        assert_eq!(event.labels["email.part_not_a_message"], "true");
        assert!(
            !event.labels.contains_key("email.encoding_problem"),
            "{:?}",
            event.labels
        );
    }
    // One whose base64 is broken has a broken transfer encoding, and is still noted so.
    let event = decode(
        holding("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n!!!! not base64 ????")
            .as_bytes(),
    );
    let attachment = &event.email.as_ref().unwrap().attachments[0];
    let note = attachment.extraction.as_deref().unwrap_or_default();
    assert!(note.contains("transfer encoding is broken"), "{note}");
    assert_eq!(event.labels["email.encoding_problem"], "true");
}

// ---------------------------------------------------------------------------------------------
// Attached messages nested directly in one another
// ---------------------------------------------------------------------------------------------

/// Messages attached as they are, nested directly in one another (a `message/rfc822` part whose
/// message is itself one), the innermost a multipart with an epilogue: the parser ends only the
/// innermost at the holder's next delimiter line, and the empty part put in for the one around it
/// was read as its text, so that the epilogue of the innermost's multipart ran to the close
/// delimiter and showed the line put in (`--M` at the end of its text).
#[test]
fn the_epilogue_in_messages_nested_directly_ends_at_the_holders_delimiter() {
    let innermost = "From: c@x.com\nSubject: inner B\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nB text.\n--B--\nB epilogue words.\n";
    for (around, after) in [
        (1, ""),
        (2, ""),
        (1, "--M\nContent-Type: text/plain\n\nafter words\n"),
    ] {
        let mut part = String::from("Content-Type: message/rfc822\n\n");
        for level in 0..around {
            part.push_str(&format!(
                "From: d@x.com\nSubject: middle {level}\nContent-Type: message/rfc822\n\n"
            ));
        }
        part.push_str(innermost);
        let raw = format!(
            "From: a@force.police.uk\nTo: b@force.police.uk\nSubject: s\n\
             Content-Type: multipart/mixed; boundary=\"M\"\n\n--M\nContent-Type: text/plain\n\n\
             hello\n--M\n{part}\n{after}--M--\n"
        );
        for raw in [raw.clone(), raw.replace('\n', "\r\n")] {
            let event = decode(raw.as_bytes());
            let email = event.email.as_ref().unwrap();
            let text = email.attachments[0].text.as_deref().unwrap_or_default();
            assert!(text.contains("B text."), "{text:?}");
            assert!(text.ends_with("B epilogue words."), "{text:?}");
            assert!(!text.contains("--M"), "{text:?}");
            if !after.is_empty() {
                assert!(
                    email
                        .body
                        .as_deref()
                        .unwrap_or_default()
                        .contains("after words"),
                    "{email:?}"
                );
            }
        }
    }
}

/// A message attached in base64 holding a multipart never closed inside another, whose last
/// part is a multipart that is closed: the parser looked for the unclosed one's next delimiter,
/// found none and stopped reading, and the part after it was lost, with no word (the closing of
/// multiparts never closed reached only the message's own and those attached in place). Its
/// multiparts never closed are closed, as the message's own are, and that part is read.
#[test]
fn a_multipart_never_closed_in_a_message_attached_in_base64_keeps_the_part_after_it() {
    use base64::Engine;
    let words = "I know where you live. Watch your back.";
    let inner = format!(
        "From: c@example.com\nTo: d@example.com\nSubject: inner\n\
         Content-Type: multipart/mixed; boundary=\"A\"\n\n--A\n\
         Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\n\
         Content-Type: multipart/alternative; boundary=\"C\"\n\n--C\n\nx\n--C--\n\
         --A\nContent-Type: text/plain\n\n{words}\n--A--\n"
    );
    for encoding in ["base64", "quoted-printable"] {
        let encoded = match encoding {
            "base64" => base64::engine::general_purpose::STANDARD.encode(&inner),
            _ => inner.clone(),
        };
        let raw = holding(&format!(
            "Content-Type: message/rfc822\nContent-Transfer-Encoding: {encoding}\n\n{encoded}"
        ));
        let event = decode(raw.as_bytes());
        let text = attachment_text(&event);
        assert!(text.contains(words), "{encoding}: {text:?}");
    }
}
