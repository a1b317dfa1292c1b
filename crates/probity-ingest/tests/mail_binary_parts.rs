//! Files sent with no transfer encoding (`Content-Transfer-Encoding: binary` or `8bit`): their
//! bytes reach the attachment reader as sent. A CR in them is a byte of the file, not a line end
//! written wrongly, though the message's own bare CRs are read as line ends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

const SUMMARY: &[u8] = b"OFFICIAL-SENSITIVE\rSummary for the file: NI number JG103759A.\r\n";
const NOMINALS: &str = "Name,NI number\n\"OKAFOR, Chidi\",JG103760B\n";

/// A zip of a summary whose lines end in CR alone (stored: its bytes as they are in the zip)
/// and a deflated CSV.
fn zip_with_crs() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("summary.txt", stored).unwrap();
    writer.write_all(SUMMARY).unwrap();
    let deflated = SimpleFileOptions::default();
    writer.start_file("nominals.csv", deflated).unwrap();
    writer.write_all(NOMINALS.as_bytes()).unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    assert!(
        bytes
            .windows(2)
            .any(|pair| pair[0] == b'\r' && pair[1] != b'\n'),
        "the zip has a bare CR"
    );
    bytes
}

/// A message whose lines end with `eol`, attaching `zip` sent as `binary`.
fn message(eol: &str, zip: &[u8]) -> Vec<u8> {
    let head = [
        "From: Alan Smith <alan.smith@force.police.uk>",
        "To: Leak <leak@gmail.com>",
        "Subject: the export",
        "Date: Mon, 06 May 2024 10:00:00 +0100",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"B\"",
        "",
        "--B",
        "Content-Type: text/plain",
        "",
        "Here it is.",
        "--B",
        "Content-Type: application/zip; name=\"export.zip\"",
        "Content-Disposition: attachment; filename=\"export.zip\"",
        "Content-Transfer-Encoding: binary",
        "",
    ];
    let mut raw = Vec::new();
    for line in head {
        raw.extend_from_slice(line.as_bytes());
        raw.extend_from_slice(eol.as_bytes());
    }
    raw.extend_from_slice(zip);
    raw.extend_from_slice(format!("{eol}--B--{eol}").as_bytes());
    raw
}

fn expected_text() -> String {
    format!(
        "[file summary.txt]\n{}",
        String::from_utf8_lossy(SUMMARY).trim_end()
    )
}

/// A zip sent as `binary` in a message with CRLF line ends is read whole. (Its bare CRs were
/// rewritten as LF: the stored file's checksum failed, noted, and the message labelled as one
/// with bare CR line ends.)
#[test]
fn a_zip_sent_as_binary_keeps_its_crs() {
    let zip = zip_with_crs();
    let event = common::decode(&message("\r\n", &zip));
    let attachment = common::only_attachment(&event);
    assert_eq!(attachment.extraction, None, "{attachment:?}");
    let text = attachment.text.as_deref().unwrap();
    assert!(text.contains(&expected_text()), "{text}");
    assert!(text.contains(NOMINALS.trim_end()), "{text}");
    assert!(
        !event.labels.contains_key("email.bare_cr_line_ends"),
        "{:?}",
        event.labels
    );
}

/// In a message written with CR alone for line ends, the message's CRs are line ends (its
/// subject, its text) and the zip's bytes are the zip's.
#[test]
fn a_zip_sent_as_binary_in_a_cr_only_message_keeps_its_crs() {
    let zip = zip_with_crs();
    let event = common::decode(&message("\r", &zip));
    let email = event.email.as_ref().unwrap();
    assert_eq!(email.subject.as_deref(), Some("the export"));
    let attachment = common::only_attachment(&event);
    assert_eq!(attachment.extraction, None, "{attachment:?}");
    let text = attachment.text.as_deref().unwrap();
    assert!(text.contains(&expected_text()), "{text}");
    assert!(text.contains(NOMINALS.trim_end()), "{text}");
    // The message's own 18 line ends, and none of the zip's bytes.
    assert_eq!(event.labels["email.bare_cr_line_ends"], "18");
}
