//! What reading an attachment finds that labels its message (attached messages too deep, a
//! preamble cut, a type that is not valid, `Content-Type` fields that disagree, a part that is no
//! message), wherever the attachment's readers find it: in an attached message, in a file of an
//! archive, in a message in a document; and never from the text of its notes, which name files
//! by names a sender chose.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};
use probity_model::Event;

/// The labels that what an attachment's readers find sets, each with the text of the note that
/// says so (or the part of it that named it).
const NOTED_LABELS: [(&str, &str); 6] = [
    (
        "email.attached_messages_too_deep",
        "attached messages nested deeper than 8 levels are not read",
    ),
    (
        "email.outside_parts_cut",
        "text outside a multipart's parts past the 64 KiB read of a preamble or epilogue was not read",
    ),
    (
        "email.invalid_content_type",
        "is not a valid media type (it has no subtype)",
    ),
    (
        "email.content_types_disagree",
        "its Content-Type fields disagree",
    ),
    (
        "email.part_not_a_message",
        "its type says it is a message, but it is not one",
    ),
    (
        "email.part_not_a_message",
        "it has no Content-Type field that can be read, which in a multipart/digest is message/rfc822 (RFC 2046), but it is not a message: read as text/plain",
    ),
];

/// A message with a line of text and `part` (its header block and body) as its second part.
fn holding(part: &str) -> String {
    format!(
        "From: a@force.police.uk\nTo: b@force.police.uk\nSubject: fwd\n\
         Content-Type: multipart/mixed; boundary=\"O\"\n\n--O\nContent-Type: text/plain\n\n\
         See attached.\n--O\n{part}\n--O--\n"
    )
}

/// A message from c@force.police.uk with a line of text and a binary file `name` attached.
fn attaching_a_file_named(name: &str) -> String {
    format!(
        "From: c@force.police.uk\nSubject: inner\n\
         Content-Type: multipart/mixed; boundary=\"I\"\n\n--I\nContent-Type: text/plain\n\nhello\n\
         --I\nContent-Type: application/octet-stream\n\
         Content-Disposition: attachment; filename=\"{name}\"\n\n\x01\x02\x03\n--I--\n"
    )
}

use common::zip_of;

/// The events and dead letters the mail decoder makes of `raw`.
fn decoded(raw: &[u8]) -> Batch {
    let mut ctx = Context::new("file:test", Limits::default());
    let mut batch = Batch::new();
    decode_eml(raw, &mut ctx, None, &mut batch).unwrap();
    batch
}

/// The note on the only attachment of `event`.
fn only_note(event: &Event) -> &str {
    common::only_attachment(event)
        .extraction
        .as_deref()
        .unwrap_or_default()
}

/// A file named as the note that goes with a label (the notes name the files they are on) sets
/// no label: an attached message's file, and a file in a zip, each named so, labelled the
/// message, and the labels of text not read sent it to dead-letter.
#[test]
fn a_file_named_as_a_note_sets_no_label() {
    for (label, name) in NOTED_LABELS {
        let in_message = holding(&format!(
            "Content-Type: message/rfc822\n\n{}",
            attaching_a_file_named(name)
        ));
        let zip = zip_of(&[(name, &b"\x01\x02\x03"[..])]);
        let in_zip = common::message_attaching(&[("files.zip", "application/zip", &zip)]);
        for raw in [in_message.into_bytes(), in_zip] {
            let batch = decoded(&raw);
            assert_eq!(batch.events.len(), 1, "{name}");
            let event = &batch.events[0];
            let note = only_note(event);
            assert!(note.contains(name), "{note}");
            assert!(
                !event.labels.contains_key(label),
                "{name}: {:?}",
                event.labels
            );
            assert!(batch.rejected.is_empty(), "{name}: {:?}", batch.rejected);
        }
    }
}

/// An attached message, as an `.eml` in a zip, whose part's type is not valid labels the message
/// that carries the zip, as it does attached to the message itself: what the message's reader
/// found comes up through the archive.
#[test]
fn what_a_message_in_an_archive_holds_labels_the_message_carrying_it() {
    let eml = "From: c@force.police.uk\nSubject: inner\n\
         Content-Type: multipart/mixed; boundary=\"I\"\n\n--I\nContent-Type: text/plain\n\nhello\n\
         --I\nContent-Type: p\n\nI know where you live.\n--I--\n";
    let zip = zip_of(&[("forward.eml", eml.as_bytes())]);
    let raw = common::message_attaching(&[("files.zip", "application/zip", &zip)]);
    let batch = decoded(&raw);
    assert_eq!(batch.events.len(), 1);
    let event = &batch.events[0];
    let attachment = common::only_attachment(event);
    assert!(
        attachment
            .text
            .as_deref()
            .unwrap_or_default()
            .contains("I know where you live."),
        "{attachment:?}"
    );
    assert_eq!(
        event
            .labels
            .get("email.invalid_content_type")
            .map(String::as_str),
        Some("true"),
        "{:?}",
        event.labels
    );
}

// ---------------------------------------------------------------------------------------------
// Messages put in an Office Open XML document's embeddings folder
// ---------------------------------------------------------------------------------------------

/// Saved by Outlook, from msg_parser's tests, with a message attached to it.
const OUTER_MSG: &[u8] = include_bytes!("fixtures/attach/outer.msg");

/// A message from Occupational Health to sam.lane@force.police.uk.
const REFERRAL_EML: &str = "From: Occupational Health <oh@force.example>\r\n\
    To: sam.lane@force.police.uk\r\nSubject: Your referral\r\n\
    Content-Type: text/plain\r\n\r\nRestricted duties for six weeks.\r\n";

/// The headers of the messages `event` holds as attached (the mail decoder's
/// `probity.attached_messages`), each as JSON.
fn held_headers(event: &Event) -> Vec<String> {
    event
        .original
        .get(probity_ingest::mail::ATTACHED_MESSAGES_KEY)
        .and_then(|held| held.as_array())
        .map(|held| {
            held.iter()
                .map(|entry| entry["headers"].to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// An `.eml` or `.msg` file put as it is in a DOCX's, an XLSX's or a PPTX's embeddings folder is
/// read as an attached message is, as one in a zip is: its parties listed for the exclusions with
/// where its text lies. Before, it was read as a plain file (the `.eml` as text, headers and all,
/// the `.msg` by the Outlook reader alone) and its parties were listed nowhere.
#[test]
fn a_message_in_a_documents_embeddings_is_read_as_an_attached_message() {
    let body = "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>See the letter.</w:t></w:r></w:p></w:body></w:document>";
    for (document, mime, main_part, folder) in [
        (
            "letter.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("word/document.xml", body),
            "word/embeddings/",
        ),
        (
            "briefing.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ("ppt/presentation.xml", "<p:presentation/>"),
            "ppt/embeddings/",
        ),
    ] {
        let eml_path = format!("{folder}referral.eml");
        let docx = zip_of(&[
            (main_part.0, main_part.1.as_bytes()),
            (&eml_path, REFERRAL_EML.as_bytes()),
        ]);
        let event = common::email_attaching(document, mime, &docx, Limits::default());
        let text = common::only_attachment(&event).text.as_deref().unwrap();
        assert!(
            text.contains("[embedded file referral.eml]\nYour referral"),
            "{document}: {text}"
        );
        assert_eq!(
            common::the_attached_message(&event, text, "oh@force.example"),
            "Your referral\n\nRestricted duties for six weeks.",
            "{document}"
        );

        let msg_path = format!("{folder}outer.msg");
        let docx = zip_of(&[
            (main_part.0, main_part.1.as_bytes()),
            (&msg_path, OUTER_MSG),
        ]);
        let event = common::email_attaching(document, mime, &docx, Limits::default());
        let attachment = common::only_attachment(&event);
        let text = attachment.text.as_deref().unwrap();
        assert!(
            text.contains("[embedded file outer.msg]\nouter subject"),
            "{document}: {attachment:?}"
        );
        let headers = held_headers(&event);
        assert_eq!(headers.len(), 2, "{document}: {headers:?}");
        assert!(headers[0].contains("outer@foo.bar"), "{headers:?}");
        assert!(headers[1].contains("test@foobar.com"), "{headers:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Messages in documents read within what the document has left
// ---------------------------------------------------------------------------------------------

/// A DOCX whose body holds `words` after a comment of `padding` bytes: it inflates to a little
/// over `padding` bytes, its words read only where all of it is.
fn padded_docx(words: &str, padding: usize) -> Vec<u8> {
    let xml = format!(
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><!--{}--><w:body><w:p><w:r><w:t>{words}</w:t></w:r></w:p></w:body></w:document>",
        "x".repeat(padding)
    );
    zip_of(&[("word/document.xml", xml.as_bytes())])
}

/// A message from `from` attaching `docx` as `letter.docx`.
fn message_with_docx(from: &str, subject: &str, docx: &[u8]) -> String {
    format!(
        "From: {from}\r\nTo: sam.lane@force.police.uk\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"I\"\r\n\r\n--I\r\nContent-Type: text/plain\r\n\r\n\
         See the letter.\r\n--I\r\n\
         Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"letter.docx\"\r\n\
         Content-Disposition: attachment; filename=\"letter.docx\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}--I--\r\n",
        common::base64_lines(docx)
    )
}

/// The messages in a zip share the zip's decompression budget with its other files, and their
/// attachments share it too: two messages each attaching a DOCX that inflates to three quarters
/// of the budget have the first read whole and the second's DOCX cut where the budget ends,
/// noted, the message itself still read and its parties listed. Before, each message was read
/// within the decoder's limits anew, and each of its attachments with a budget of its own, so a
/// zip of messages could inflate the budget once a file, a file of each message, at each depth.
#[test]
fn messages_in_an_archive_share_its_decompression_budget() {
    let budget = 4 * 1024 * 1024;
    let limits = Limits {
        max_decompressed_bytes: budget,
        // The padding compresses far better than a document would.
        max_zip_ratio: 1_000_000,
        ..Limits::default()
    };
    let first = message_with_docx(
        "Occupational Health <oh@force.example>",
        "first",
        &padded_docx("the first letter", budget * 3 / 4),
    );
    let second = message_with_docx(
        "Welfare <welfare@force.example>",
        "second",
        &padded_docx("the second letter", budget * 3 / 4),
    );
    let zip = zip_of(&[
        ("first.eml", first.as_bytes()),
        ("second.eml", second.as_bytes()),
    ]);
    let event = common::email_attaching("letters.zip", "application/zip", &zip, limits.clone());
    let attachment = common::only_attachment(&event);
    let text = attachment.text.as_deref().unwrap_or_default();
    let note = attachment.extraction.as_deref().unwrap_or_default();
    assert!(text.contains("the first letter"), "{text}");
    assert!(!text.contains("the second letter"), "{text}");
    assert!(
        note.contains("second.eml (in the zip): ")
            && note.contains("word/document.xml inflates past the decompression limit"),
        "{note}"
    );
    // The second message is read still, its parties listed.
    assert!(text.contains("[file second.eml]\nsecond"), "{text}");
    let headers = held_headers(&event);
    assert_eq!(headers.len(), 2, "{headers:?}");
    assert!(headers[1].contains("welfare@force.example"), "{headers:?}");

    // Each alone is read whole within the same limits.
    let zip = zip_of(&[("second.eml", second.as_bytes())]);
    let event = common::email_attaching("letters.zip", "application/zip", &zip, limits);
    let text = common::only_attachment(&event)
        .text
        .as_deref()
        .unwrap_or_default();
    assert!(text.contains("the second letter"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Archives whose files are not read
// ---------------------------------------------------------------------------------------------

/// A RAR archive attached, or in a zip attached, is noted as a RAR archive whose files are not
/// read, and its message is labelled `email.archive_not_read` and kept whole in dead-letter, so
/// that what the files hold is not lost. Before, it was noted only as a type whose text is not
/// extracted (in a zip, named among the files that are neither text nor a document), and the
/// message was not kept. A file named `.rar` whose bytes are text is read as text.
#[test]
fn a_rar_archive_is_noted_labelled_and_its_message_kept() {
    let mut rar = b"Rar!\x1a\x07\x01\x00".to_vec();
    rar.extend((0..=255u8).cycle().take(600));
    let zip = zip_of(&[("exports/nominals.rar", &rar[..])]);
    for raw in [
        common::message_attaching(&[("nominals.rar", "application/vnd.rar", &rar)]),
        common::message_attaching(&[("exports.zip", "application/zip", &zip)]),
    ] {
        let batch = decoded(&raw);
        assert_eq!(batch.events.len(), 1);
        let event = &batch.events[0];
        let note = only_note(event);
        assert!(
            note.contains("a RAR archive: its files are not read"),
            "{note}"
        );
        assert_eq!(
            event
                .labels
                .get("email.archive_not_read")
                .map(String::as_str),
            Some("an attachment holds a RAR archive, whose files are not read"),
            "{:?}",
            event.labels
        );
        assert_eq!(batch.rejected.len(), 1, "{:?}", batch.rejected);
        assert!(
            batch.rejected[0].reason.contains("email.archive_not_read"),
            "{}",
            batch.rejected[0].reason
        );
        assert_eq!(batch.rejected[0].raw, raw);
    }
    let raw = common::message_attaching(&[(
        "notes.rar",
        "application/vnd.rar",
        b"I know where you live.\r\n",
    )]);
    let batch = decoded(&raw);
    let event = &batch.events[0];
    assert!(!event.labels.contains_key("email.archive_not_read"));
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
}

/// The files embedded in a document share its decompression budget, as an archive's files do:
/// two documents embedded in a DOCX, each inflating to three quarters of the budget, have the
/// first read whole and the second cut where the budget ends, noted. Before, each embedded file
/// had a budget as large as the document's.
#[test]
fn files_embedded_in_a_document_share_its_decompression_budget() {
    let budget = 4 * 1024 * 1024;
    let limits = Limits {
        max_decompressed_bytes: budget,
        max_zip_ratio: 1_000_000,
        ..Limits::default()
    };
    let body = "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>See the letters.</w:t></w:r></w:p></w:body></w:document>";
    let first = padded_docx("the first letter", budget * 3 / 4);
    let second = padded_docx("the second letter", budget * 3 / 4);
    let docx = zip_of(&[
        ("word/document.xml", body.as_bytes()),
        ("word/embeddings/a.docx", &first),
        ("word/embeddings/b.docx", &second),
    ]);
    let got = probity_ingest::attach::extract_text(
        &probity_ingest::attach::Input {
            bytes: &docx,
            mime_type: None,
            name: Some("letters.docx"),
            charset: None,
        },
        &limits,
    );
    let text = got.text.as_deref().unwrap_or_default();
    let note = got.note.as_deref().unwrap_or_default();
    assert!(text.contains("See the letters."), "{text}");
    assert!(text.contains("the first letter"), "{text}");
    assert!(!text.contains("the second letter"), "{text}");
    assert!(
        note.contains(
            "word/embeddings/b.docx: word/document.xml inflates past the decompression limit"
        ),
        "{note}"
    );
}
