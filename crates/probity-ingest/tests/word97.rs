//! Word 97–2003 documents (`.doc`): two saved by Word (`tests/fixtures/attach/ole-test.doc`
//! from olefile's tests, `embedded-unicode.doc` from oletools', with a field and an embedded
//! object), and ones cut short or changed, read as an attachment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_ingest::Limits;
use probity_ingest::attach::{Extracted, Input, extract_text};

const OLE_TEST_DOC: &[u8] = include_bytes!("fixtures/attach/ole-test.doc");
const EMBEDDED_UNICODE_DOC: &[u8] = include_bytes!("fixtures/attach/embedded-unicode.doc");

fn read(bytes: &[u8], limits: &Limits) -> Extracted {
    let input = Input {
        bytes,
        mime_type: Some("application/msword"),
        name: Some("document.doc"),
        charset: None,
    };
    extract_text(&input, limits)
}

#[test]
fn a_word_97_document_is_read_from_its_piece_table() {
    let got = read(OLE_TEST_DOC, &Limits::default());
    assert_eq!(got.note, None, "{got:?}");
    assert_eq!(
        got.text.as_deref(),
        Some("Test OLE file, saved as Word 97-2003 Document.")
    );
}

#[test]
fn a_fields_instructions_are_left_out_and_its_result_kept() {
    let got = read(EMBEDDED_UNICODE_DOC, &Limits::default());
    // The body is a sentence and the embedded object's field: its instructions (`EMBED
    // Package`) left out, its result (the object's anchor) holding no text.
    assert_eq!(
        got.text.as_deref(),
        Some(
            "This file contains an embedded object which is a file with unicode in filename and contents"
        ),
        "{got:?}"
    );
}

#[test]
fn the_text_limit_holds_and_damaged_documents_never_panic() {
    let limits = Limits {
        max_attachment_text_bytes: 10,
        ..Limits::default()
    };
    let got = read(OLE_TEST_DOC, &limits);
    assert_eq!(got.text.as_deref(), Some("Test OLE f"));
    assert!(got.note.unwrap().contains("text cut at the 10 byte limit"));

    for bytes in [OLE_TEST_DOC, EMBEDDED_UNICODE_DOC] {
        for step in 0..128 {
            let at = bytes.len() * step / 128;
            let mut changed = bytes.to_vec();
            changed[at] ^= 0xff;
            for damaged in [&bytes[..at], &changed[..]] {
                let got = read(damaged, &Limits::default());
                assert!(got.text.is_some() || got.note.is_some(), "at {at}");
                assert!(
                    !got.note.as_deref().unwrap_or_default().contains("panicked"),
                    "at {at}: {got:?}"
                );
            }
        }
    }
}
