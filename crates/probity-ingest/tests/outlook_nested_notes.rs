//! The notes on messages attached inside an Outlook message (`.msg`): what the Outlook reader
//! could not read of them (an RTF body, the pictures in it, an attachment with no data, a message
//! attached too deep) reaches the attachment's note, after the names of the attachments it is in,
//! whether the `.msg` is attached to an email (read as a MIME message, which carries no notes) or
//! read on its own, and a bounded number of them, as the Outlook message's own notes are. The messages are built with the compound file
//! writer of the `cfb` crate, as Outlook lays them out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Cursor, Write};

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};
use probity_model::Attachment;

type Compound = cfb::CompoundFile<Cursor<Vec<u8>>>;

/// A message to build: its subject, plain body, a compressed RTF body that is not one, files
/// attached by reference (no data), and the messages attached to it, each with its name.
#[derive(Default)]
struct Msg {
    subject: String,
    body: Option<String>,
    broken_rtf: bool,
    links: Vec<String>,
    /// Files attached by value: each one's name and bytes.
    files: Vec<(String, Vec<u8>)>,
    messages: Vec<(String, Msg)>,
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn stream(file: &mut Compound, path: &str, bytes: &[u8]) {
    file.create_stream(path).unwrap().write_all(bytes).unwrap();
}

/// `msg` written into the storage at `dir` (`""` for the root), its properties stream with a
/// header of `header` bytes (32 for the root, 24 for an attached message).
fn write(file: &mut Compound, dir: &str, header: usize, msg: &Msg) {
    stream(
        file,
        &format!("{dir}/__properties_version1.0"),
        &vec![0; header],
    );
    stream(
        file,
        &format!("{dir}/__substg1.0_0037001F"),
        &utf16(&msg.subject),
    );
    if let Some(body) = &msg.body {
        stream(file, &format!("{dir}/__substg1.0_1000001F"), &utf16(body));
    }
    if msg.broken_rtf {
        stream(
            file,
            &format!("{dir}/__substg1.0_10090102"),
            b"this is not compressed RTF, whatever the stream says",
        );
    }
    let mut index = 0;
    let mut attachment = |file: &mut Compound, name: &str| {
        let path = format!("{dir}/__attach_version1.0_#{index:08X}");
        index += 1;
        file.create_storage(&path).unwrap();
        stream(file, &format!("{path}/__properties_version1.0"), &[0; 8]);
        stream(file, &format!("{path}/__substg1.0_3707001F"), &utf16(name));
        path
    };
    for link in &msg.links {
        attachment(file, link);
    }
    for (name, data) in &msg.files {
        let path = attachment(file, name);
        stream(file, &format!("{path}/__substg1.0_37010102"), data);
    }
    for (name, inner) in &msg.messages {
        let path = attachment(file, name);
        let storage = format!("{path}/__substg1.0_3701000D");
        file.create_storage(&storage).unwrap();
        write(file, &storage, 24, inner);
    }
}

fn build(msg: &Msg) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    write(&mut file, "", 32, msg);
    file.flush().unwrap();
    file.into_inner().into_inner()
}

fn read(bytes: &[u8]) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some("application/vnd.ms-outlook"),
        name: Some("forwarded.msg"),
        charset: None,
    };
    extract_text(&input, &Limits::default())
}

fn attached(bytes: &[u8]) -> Attachment {
    let event = common::email_attaching(
        "forwarded.msg",
        "application/vnd.ms-outlook",
        bytes,
        Limits::default(),
    );
    event.email.unwrap().attachments.remove(0)
}

fn message(subject: &str) -> Msg {
    Msg {
        subject: subject.to_owned(),
        ..Msg::default()
    }
}

#[test]
fn what_was_not_read_of_a_message_inside_an_outlook_message_is_noted_naming_it() {
    let deeper = Msg {
        body: Some("Meet at the usual place.".to_owned()),
        broken_rtf: true,
        ..message("Deeper")
    };
    let inner = Msg {
        broken_rtf: true,
        links: vec!["custody record".to_owned()],
        messages: vec![("Deeper note".to_owned(), deeper)],
        ..message("Inner")
    };
    let outer = Msg {
        body: Some("See below.".to_owned()),
        messages: vec![("Inner report".to_owned(), inner)],
        ..message("Outer")
    };
    let msg = build(&outer);
    let expected = [
        "Inner report: its RTF body is not read",
        "Inner report: custody record: no data (an object or a link); not read",
        "Inner report: Deeper note: the pictures of its RTF body are not read",
    ];
    let attachment = attached(&msg);
    let note = attachment.extraction.as_deref().unwrap();
    assert!(
        note.starts_with("read as an Outlook message (.msg)"),
        "{note}"
    );
    // The deeper message's text is read all the same.
    let text = attachment.text.as_deref().unwrap();
    assert!(text.contains("Meet at the usual place."), "{text}");
    // Read on its own (as in a zip or a TNEF), the same notes, named the same way.
    let alone = read(&msg);
    let alone_note = alone.note.as_deref().unwrap();
    assert!(
        alone.text.unwrap().contains("Meet at the usual place."),
        "{alone_note}"
    );
    for expected in expected {
        assert!(note.contains(expected), "{expected} not in {note}");
        assert!(
            alone_note.contains(expected),
            "{expected} not in {alone_note}"
        );
    }
}

#[test]
fn a_message_attached_too_deep_inside_an_outlook_message_is_noted() {
    let names: Vec<String> = (1..=9).map(|level| format!("m{level}")).collect();
    let mut chain = message("m9");
    for name in names.iter().rev().skip(1) {
        chain = Msg {
            messages: vec![(next_name(name), chain)],
            ..message(name)
        };
    }
    fn next_name(name: &str) -> String {
        let level: usize = name[1..].parse().unwrap();
        format!("m{}", level + 1)
    }
    let outer = Msg {
        messages: vec![("m1".to_owned(), chain)],
        ..message("top")
    };
    let msg = build(&outer);
    let expected =
        "m1: m2: m3: m4: m5: m6: m7: m8: a message attached more than 8 deep is not read";
    let attachment = attached(&msg);
    let note = attachment.extraction.as_deref().unwrap();
    assert!(note.contains(expected), "{note}");
    let alone = read(&msg);
    assert!(
        alone.note.as_deref().unwrap().contains(expected),
        "{alone:?}"
    );
}

#[test]
fn the_notes_carried_from_messages_inside_an_outlook_message_are_bounded() {
    let outer = Msg {
        body: Some("Seventy forwarded messages.".to_owned()),
        messages: (1..=70)
            .map(|at| {
                let inner = Msg {
                    broken_rtf: true,
                    ..message(&format!("inner {at}"))
                };
                (format!("inner {at}"), inner)
            })
            .collect(),
        ..message("Outer")
    };
    let msg = build(&outer);
    let more = "6 more notes on the messages attached inside the Outlook message are not listed";
    let attachment = attached(&msg);
    let alone = read(&msg);
    for note in [
        attachment.extraction.as_deref().unwrap(),
        alone.note.as_deref().unwrap(),
    ] {
        assert!(note.contains("inner 1: its RTF body is not read"), "{note}");
        assert!(
            note.contains("inner 64: its RTF body is not read"),
            "{note}"
        );
        assert!(!note.contains("inner 65: its RTF body"), "{note}");
        assert!(note.contains(more), "{note}");
    }
}

/// The Outlook message's own notes are bounded as those of the messages inside it are: seventy
/// files attached by reference (no data) give 64 notes and one counting the rest, attached to an
/// email and read on its own. Before, every one was listed.
#[test]
fn the_notes_on_an_outlook_message_itself_are_bounded() {
    let outer = Msg {
        body: Some("Seventy linked files.".to_owned()),
        links: (1..=70).map(|at| format!("link {at}")).collect(),
        ..message("Outer")
    };
    let msg = build(&outer);
    let more = "6 more notes on the Outlook message are not listed";
    let attachment = attached(&msg);
    let alone = read(&msg);
    for note in [
        attachment.extraction.as_deref().unwrap(),
        alone.note.as_deref().unwrap(),
    ] {
        assert!(note.contains("link 1: no data"), "{note}");
        assert!(note.contains("link 64: no data"), "{note}");
        assert!(!note.contains("link 65: no data"), "{note}");
        assert!(note.contains(more), "{note}");
        assert_eq!(note.matches(": no data").count(), 64, "{note}");
    }
    assert!(
        attachment
            .text
            .as_deref()
            .unwrap()
            .contains("Seventy linked files."),
        "{attachment:?}"
    );
}

/// The notes on the files attached to an Outlook message read on its own (not in mail, where
/// each file is an attachment with a note of its own) are bounded as the Outlook reader's own
/// notes are: seventy files of no type that is read give 64 notes and one counting the rest,
/// those of a message attached inside it among them. Before, every one was listed (up to
/// `max_attachments` a message, at every depth).
#[test]
fn the_notes_on_the_files_in_an_outlook_message_read_alone_are_bounded() {
    let binary: Vec<u8> = (0..=255u8).cycle().take(600).collect();
    let files = |prefix: &str, count: usize| -> Vec<(String, Vec<u8>)> {
        (1..=count)
            .map(|at| (format!("{prefix} {at}.bin"), binary.clone()))
            .collect()
    };
    let inner = Msg {
        body: Some("Inner.".to_owned()),
        files: files("inner file", 10),
        ..message("Inner")
    };
    let outer = Msg {
        body: Some("Sixty files and a message with ten more.".to_owned()),
        files: files("file", 60),
        messages: vec![("inner".to_owned(), inner)],
        ..message("Outer")
    };
    let alone = read(&build(&outer));
    let note = alone.note.as_deref().unwrap();
    assert!(
        note.contains("file 1.bin (in the Outlook message): text is not extracted"),
        "{note}"
    );
    assert!(
        note.contains("inner: inner file 4.bin (in the Outlook message)"),
        "{note}"
    );
    assert!(!note.contains("inner file 5.bin"), "{note}");
    assert_eq!(
        note.matches("(in the Outlook message)").count(),
        64,
        "{note}"
    );
    assert!(
        note.contains("6 more notes on the files in the Outlook message are not listed"),
        "{note}"
    );
    assert!(
        alone.text.as_deref().unwrap().contains("Sixty files"),
        "{alone:?}"
    );
}
