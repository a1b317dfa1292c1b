//! Text in images read by OCR (Tesseract as a separate process), within its limits; off unless
//! configured. The tests that run Tesseract itself need `tesseract` with its English data
//! (Debian: `tesseract-ocr`, `tesseract-ocr-eng`): without it they are skipped, unless
//! `PROBITY_REQUIRE_OCR=1` (as CI sets) makes that a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::zip_of;
use std::path::{Path, PathBuf};
use std::time::Duration;

use probity_ingest::attach::{Extracted, Input, Ocr, extract_text};
use probity_ingest::mail::decode_eml;
use probity_ingest::{Batch, Context, Limits};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocr")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(bytes: &[u8], ocr: Option<Ocr>) -> Extracted {
    let limits = Limits {
        ocr,
        ..Limits::default()
    };
    extract_text(
        &Input {
            bytes,
            mime_type: Some("image/png"),
            name: Some("screen.png"),
            charset: None,
        },
        &limits,
    )
}

fn note(extracted: &Extracted) -> &str {
    extracted.note.as_deref().unwrap_or_default()
}

/// Tesseract, where it is installed with English; none (the test is skipped) where it is not,
/// unless CI requires it.
fn tesseract() -> Option<Ocr> {
    let ocr = Ocr::default();
    match ocr.check() {
        Ok(_) => Some(ocr),
        Err(reason) if std::env::var("PROBITY_REQUIRE_OCR").as_deref() == Ok("1") => {
            panic!("PROBITY_REQUIRE_OCR=1 but Tesseract cannot run: {reason}")
        }
        Err(reason) => {
            eprintln!("skipped: Tesseract cannot run: {reason}");
            None
        }
    }
}

/// A program standing in for Tesseract that does as `script` says (a shell script).
fn program(dir: &Path, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    // A name of its own for each, so that two stand-ins in one test are two programs.
    static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let made = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("fake-ocr-{made}"));
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn images_are_noted_and_not_read_when_ocr_is_off() {
    let got = read(&fixture("screen.png"), None);
    assert_eq!(got.text, None);
    assert!(note(&got).contains("PNG image"), "{got:?}");
    assert!(note(&got).contains("OCR is off"), "{got:?}");
}

#[test]
fn a_screenshot_is_read_by_tesseract() {
    let Some(ocr) = tesseract() else { return };
    let got = read(&fixture("screen.png"), Some(ocr));
    let text = got.text.as_deref().unwrap_or_default();
    for words in [
        "OFFICIAL-SENSITIVE",
        "HARRIS",
        "14/03/1987",
        "AB1 2CD",
        "AB123456C",
    ] {
        assert!(text.contains(words), "{words} not in {text:?}");
    }
    assert!(note(&got).contains("read by OCR"), "{got:?}");
    assert!(note(&got).contains("760×200"), "{got:?}");
}

#[test]
fn images_too_small_or_too_large_are_not_run() {
    let dir = tempfile::tempdir().unwrap();
    // A program that would fail the test by its output were it run.
    let ocr = Ocr {
        program: program(dir.path(), "echo RUN"),
        ..Ocr::default()
    };
    let got = read(&fixture("tiny.png"), Some(ocr.clone()));
    assert_eq!(got.text, None, "{got:?}");
    assert!(
        note(&got).contains("10×10 pixels, smaller than 32"),
        "{got:?}"
    );
    // A PNG header declaring 100,000 × 100,000 pixels, in a few bytes.
    let mut huge = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    huge.extend_from_slice(&100_000u32.to_be_bytes());
    huge.extend_from_slice(&100_000u32.to_be_bytes());
    huge.extend_from_slice(b"\x08\x00\x00\x00\x00\0\0\0\0");
    let got = read(&huge, Some(ocr));
    assert_eq!(got.text, None, "{got:?}");
    assert!(
        note(&got).contains("more than the 40000000 allowed"),
        "{got:?}"
    );
}

#[test]
fn a_recognition_that_runs_too_long_is_stopped_and_one_that_fails_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let slow = Ocr {
        program: program(dir.path(), "exec sleep 30"),
        timeout: Duration::from_millis(300),
        ..Ocr::default()
    };
    let started = std::time::Instant::now();
    let got = read(&fixture("screen.png"), Some(slow));
    assert!(started.elapsed() < Duration::from_secs(20), "not stopped");
    assert_eq!(got.text, None);
    assert!(
        note(&got).contains("ran past 300 ms and was stopped"),
        "{got:?}"
    );

    let failing = Ocr {
        program: program(dir.path(), "cat >/dev/null; echo partial; exit 3"),
        ..Ocr::default()
    };
    let got = read(&fixture("screen.png"), Some(failing));
    assert_eq!(
        got.text, None,
        "a failed run's output is not taken: {got:?}"
    );
    assert!(note(&got).contains("recognition failed"), "{got:?}");

    let missing = Ocr {
        program: dir.path().join("no-such-program"),
        ..Ocr::default()
    };
    let got = read(&fixture("screen.png"), Some(missing.clone()));
    assert!(note(&got).contains("cannot run"), "{got:?}");
    assert!(missing.check().is_err());
}

/// The program's output is read no further than the attachment text limit.
#[test]
fn recognised_text_is_held_to_the_text_limit() {
    let dir = tempfile::tempdir().unwrap();
    let ocr = Ocr {
        program: program(dir.path(), "cat >/dev/null; yes word | head -c 10000000"),
        ..Ocr::default()
    };
    let limits = Limits {
        ocr: Some(ocr),
        max_attachment_text_bytes: 1000,
        ..Limits::default()
    };
    let bytes = fixture("screen.png");
    let got = extract_text(
        &Input {
            bytes: &bytes,
            mime_type: None,
            name: None,
            charset: None,
        },
        &limits,
    );
    assert!(
        got.text.as_deref().is_some_and(|t| t.len() <= 1000),
        "{got:?}"
    );
    assert!(
        note(&got).contains("text cut at the 1000 byte limit"),
        "{got:?}"
    );
}

/// Through the mail decoder: a screenshot attached to a message has its text in the event.
#[test]
fn a_screenshot_attached_to_a_message_has_its_text_read() {
    let Some(ocr) = tesseract() else { return };
    use base64::Engine;
    let image = base64::engine::general_purpose::STANDARD.encode(fixture("screen.png"));
    let raw = format!(
        "From: a@force.example\r\nTo: b@gmail.com\r\nSubject: look\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee this\r\n--b\r\nContent-Type: image/png; name=screen.png\r\nContent-Transfer-Encoding: base64\r\n\r\n{image}\r\n--b--\r\n"
    );
    let limits = Limits {
        ocr: Some(ocr),
        ..Limits::default()
    };
    let mut ctx = Context::new("file:test", limits);
    let mut batch = Batch::new();
    decode_eml(raw.as_bytes(), &mut ctx, None, &mut batch).unwrap();
    let email = batch.events.remove(0).email.unwrap();
    let text = email.attachments[0].text.as_deref().unwrap_or_default();
    assert!(text.contains("AB123456C"), "{:?}", email.attachments);
}

/// An image in a zip archive is read as the archive's other files are, when OCR is on; named
/// among the files not read when it is off.
#[test]
fn an_image_in_a_zip_archive_is_read_when_ocr_is_on() {
    use std::io::Write;
    let mut zipped = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zipped
        .start_file("shots/screen.png", zip::write::SimpleFileOptions::default())
        .unwrap();
    zipped.write_all(&fixture("screen.png")).unwrap();
    let bytes = zipped.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let ocr = Ocr {
        program: program(dir.path(), "cat >/dev/null; echo OFFICIAL-SENSITIVE"),
        ..Ocr::default()
    };
    let read_zip = |ocr: Option<Ocr>| {
        extract_text(
            &Input {
                bytes: &bytes,
                mime_type: Some("application/zip"),
                name: Some("shots.zip"),
                charset: None,
            },
            &Limits {
                ocr,
                ..Limits::default()
            },
        )
    };
    let on = read_zip(Some(ocr));
    assert_eq!(
        on.text.as_deref(),
        Some("[file shots/screen.png]\nOFFICIAL-SENSITIVE"),
        "{on:?}"
    );
    assert!(note(&on).contains("read by OCR"), "{on:?}");
    let off = read_zip(None);
    assert_eq!(off.text, None, "{off:?}");
    assert!(note(&off).contains("shots/screen.png"), "{off:?}");
}

/// The same image seen again is not run again: what was read is remembered by its hash, shared
/// by the settings' clones. A run that failed is not remembered.
#[test]
fn an_image_seen_again_is_not_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let ocr = Ocr {
        program: program(
            dir.path(),
            &format!("cat >/dev/null; echo run >> {}; echo seen", runs.display()),
        ),
        ..Ocr::default()
    };
    let count = || {
        std::fs::read_to_string(&runs)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let screen = fixture("screen.png");
    for _ in 0..3 {
        let got = read(&screen, Some(ocr.clone()));
        assert_eq!(got.text.as_deref(), Some("seen"), "{got:?}");
    }
    assert_eq!(count(), 1);
    assert_eq!(ocr.cache.len(), 1);
    // Another image is run.
    let mut other = screen.clone();
    other.extend_from_slice(b"trailing bytes");
    read(&other, Some(ocr.clone()));
    assert_eq!(count(), 2);

    let failing = Ocr {
        program: program(
            dir.path(),
            &format!("cat >/dev/null; echo run >> {}; exit 1", runs.display()),
        ),
        ..Ocr::default()
    };
    read(&screen, Some(failing.clone()));
    read(&screen, Some(failing.clone()));
    assert_eq!(count(), 4, "a failed run is tried again");
    assert!(failing.cache.is_empty());
}

/// A screenshot pasted into a Word document or a slide is read after the document's text, under
/// its name, when OCR is on; nothing of it when it is off.
#[test]
fn pictures_in_documents_are_read_when_ocr_is_on() {
    let dir = tempfile::tempdir().unwrap();
    let ocr = Ocr {
        program: program(dir.path(), "cat >/dev/null; echo NI AB123456C"),
        ..Ocr::default()
    };
    let screen = fixture("screen.png");
    let document = br#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>See the screen below.</w:t></w:r></w:p></w:body></w:document>"#;
    let docx = zip_of(&[
        ("word/document.xml", document),
        ("word/media/image1.png", &screen),
        ("word/media/image2.emf", b"not an image read"),
    ]);
    let pptx = zip_of(&[
        ("ppt/presentation.xml", b"<p:presentation/>"),
        ("ppt/media/image1.png", &screen),
    ]);
    let read_doc = |bytes: &[u8], name: &str, ocr: Option<Ocr>| {
        extract_text(
            &Input {
                bytes,
                mime_type: None,
                name: Some(name),
                charset: None,
            },
            &Limits {
                ocr,
                ..Limits::default()
            },
        )
    };
    let on = read_doc(&docx, "report.docx", Some(ocr.clone()));
    let text = on.text.as_deref().unwrap_or_default();
    assert!(text.starts_with("See the screen below.\n"), "{on:?}");
    assert!(
        text.ends_with("\n[image word/media/image1.png]\nNI AB123456C"),
        "{on:?}"
    );
    assert!(
        note(&on).contains("word/media/image1.png: a PNG image"),
        "{on:?}"
    );
    let off = read_doc(&docx, "report.docx", None);
    assert_eq!(
        off.text.as_deref(),
        Some("See the screen below."),
        "{off:?}"
    );
    let slides = read_doc(&pptx, "brief.pptx", Some(ocr));
    assert!(
        slides
            .text
            .as_deref()
            .is_some_and(|t| t.contains("[image ppt/media/image1.png]\nNI AB123456C")),
        "{slides:?}"
    );
}

/// Whether `jbig2dec` (Debian: `jbig2dec`) runs; where it does not, the test is skipped unless
/// CI requires OCR.
fn jbig2dec_runs() -> bool {
    let runs = std::process::Command::new("jbig2dec")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !runs {
        assert!(
            std::env::var("PROBITY_REQUIRE_OCR").as_deref() != Ok("1"),
            "PROBITY_REQUIRE_OCR=1 but jbig2dec cannot run"
        );
        eprintln!("skipped: jbig2dec cannot run");
    }
    runs
}

/// A scanned page (a PDF whose page is an image, as img2pdf writes one: JPEG, Flate-coded grey
/// with PNG predictors, CCITT Group 4, a palette; and JBIG2 with a globals stream; and one placed
/// on a page as a form XObject) is read by
/// OCR under a line naming its page; with OCR off, it is noted as a PDF with no text layer.
#[test]
fn scanned_pdf_pages_are_read_by_tesseract() {
    let Some(ocr) = tesseract() else { return };
    let mut scans = vec![
        "scan-jpeg.pdf",
        "scan-flate.pdf",
        "scan-fax.pdf",
        "scan-palette.pdf",
        // The JPEG scan drawn by a form XObject on the page rather than by the page.
        "scan-form.pdf",
    ];
    if jbig2dec_runs() {
        scans.push("scan-jbig2.pdf");
    }
    for scan in scans {
        let bytes = fixture(scan);
        let read_pdf = |ocr: Option<Ocr>| {
            extract_text(
                &Input {
                    bytes: &bytes,
                    mime_type: Some("application/pdf"),
                    name: Some(scan),
                    charset: None,
                },
                &Limits {
                    ocr,
                    ..Limits::default()
                },
            )
        };
        let on = read_pdf(Some(ocr.clone()));
        let text = on.text.as_deref().unwrap_or_default();
        assert!(text.starts_with("[image on page 1]\n"), "{scan}: {on:?}");
        for words in ["OFFICIAL-SENSITIVE", "AB123456C"] {
            assert!(text.contains(words), "{scan}: {words} not in {on:?}");
        }
        assert!(
            note(&on).contains("its text is what OCR read from its images"),
            "{scan}: {on:?}"
        );
        let off = read_pdf(None);
        assert_eq!(off.text, None, "{scan}: {off:?}");
        assert!(note(&off).contains("no text layer"), "{scan}: {off:?}");
    }
}

/// The JBIG2 decoder runs as Tesseract does: one that hangs is stopped at the time limit, one
/// that fails or writes more than the page the PDF declares gives no image, one that cannot be
/// started is named; each is noted against the page's image, and Tesseract is not run.
#[test]
fn a_jbig2_decoder_that_hangs_fails_or_writes_too_much_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = fixture("scan-jbig2.pdf");
    // Tesseract standing in: were it run, its output would show.
    let tesseract = program(dir.path(), "cat >/dev/null; echo RECOGNISED");
    let read_with = |jbig2: PathBuf, timeout: Duration| {
        let ocr = Ocr {
            program: tesseract.clone(),
            jbig2_program: jbig2,
            timeout,
            ..Ocr::default()
        };
        extract_text(
            &Input {
                bytes: &bytes,
                mime_type: Some("application/pdf"),
                name: Some("scan.pdf"),
                charset: None,
            },
            &Limits {
                ocr: Some(ocr),
                ..Limits::default()
            },
        )
    };
    let cases = [
        (
            "exec sleep 30",
            "took more than 300 ms to decode and was stopped",
        ),
        (
            "cat >/dev/null; exit 2",
            "its JBIG2 data could not be decoded",
        ),
        (
            "cat >/dev/null; printf 'P4\\n1520 400\\n'; head -c 100000 /dev/zero",
            "decodes to more than the 1520×400 pixels its PDF declares",
        ),
    ];
    for (script, expected) in cases {
        let got = read_with(program(dir.path(), script), Duration::from_millis(300));
        assert_eq!(got.text, None, "{script}: {got:?}");
        assert!(note(&got).contains(expected), "{script}: {got:?}");
        assert!(note(&got).contains("image on page 1"), "{script}: {got:?}");
    }
    let got = read_with(dir.path().join("no-such-jbig2dec"), Duration::from_secs(5));
    assert!(
        note(&got).contains("cannot run") && note(&got).contains("to decode its JBIG2 data"),
        "{got:?}"
    );
    // A decoder that writes the page it was given: Tesseract reads it.
    let got = read_with(
        program(
            dir.path(),
            "cat >/dev/null; printf 'P4\\n1520 400\\n'; head -c 76000 /dev/zero",
        ),
        Duration::from_secs(5),
    );
    assert!(
        got.text
            .as_deref()
            .is_some_and(|t| t.contains("RECOGNISED")),
        "{got:?}"
    );
}

/// The legacy documents holding `screen.png` that LibreOffice saved (`make_documents.py`): each
/// with its type, what its notes call it, and the form its picture is kept in.
const LEGACY_DOCUMENTS: [(&str, &str, &str, &str); 3] = [
    ("screen.doc", "application/msword", "Word document", "PNG"),
    (
        "screen.xls",
        "application/vnd.ms-excel",
        "Excel workbook",
        "JPEG",
    ),
    ("screen.rtf", "application/rtf", "RTF document", "PNG"),
];

fn read_document(name: &str, mime: &str, ocr: Option<Ocr>) -> Extracted {
    let bytes = fixture(name);
    extract_text(
        &Input {
            bytes: &bytes,
            mime_type: Some(mime),
            name: Some(name),
            charset: None,
        },
        &Limits {
            ocr,
            ..Limits::default()
        },
    )
}

/// A screenshot pasted into a Word 97–2003 document, an Excel 97–2003 workbook or an RTF
/// document is read after the document's text, under a line `[image 1]`, when OCR is on; noted
/// as not read when it is off.
#[test]
fn pictures_in_legacy_documents_are_read_when_ocr_is_on() {
    let dir = tempfile::tempdir().unwrap();
    // Reads what it is given as an image, as Tesseract would, before it answers.
    let ocr = Ocr {
        program: program(
            dir.path(),
            "head -c 12 | grep -aq 'PNG\\|JFIF' || exit 9; cat >/dev/null; echo NI AB123456C",
        ),
        ..Ocr::default()
    };
    for (name, mime, what, format) in LEGACY_DOCUMENTS {
        let on = read_document(name, mime, Some(ocr.clone()));
        let text = on.text.as_deref().unwrap_or_default();
        assert!(text.contains("See the screen below.\n"), "{name}: {on:?}");
        assert!(
            text.ends_with("\n\n[image 1]\nNI AB123456C"),
            "{name}: {on:?}"
        );
        assert!(
            note(&on).contains(&format!(
                "image 1: a {format} image of 760×200 pixels read by OCR"
            )),
            "{name}: {on:?}"
        );
        let off = read_document(name, mime, None);
        let text = off.text.as_deref().unwrap_or_default();
        assert!(!text.contains("[image"), "{name}: {off:?}");
        assert!(
            text.trim_end().ends_with("See the screen below."),
            "{name}: {off:?}"
        );
        assert_eq!(
            off.note.as_deref(),
            Some(
                format!("1 picture in the {what}: text in images is not read (OCR is off)")
                    .as_str()
            ),
            "{name}: {off:?}"
        );
    }
}

/// The same, read by Tesseract itself: the words of the screenshot reach the text.
#[test]
fn pictures_in_legacy_documents_are_read_by_tesseract() {
    let Some(ocr) = tesseract() else { return };
    for (name, mime, _, _) in LEGACY_DOCUMENTS {
        let on = read_document(name, mime, Some(ocr.clone()));
        let text = on.text.as_deref().unwrap_or_default();
        assert!(text.contains("[image 1]\n"), "{name}: {on:?}");
        for words in ["OFFICIAL-SENSITIVE", "HARRIS", "AB123456C"] {
            assert!(text.contains(words), "{name}: {words} not in {on:?}");
        }
    }
}

/// The icon of an object embedded in a workbook Excel saved is a metafile in its drawing group:
/// noted as not read when OCR is on, and not counted among the pictures OCR would read when it
/// is off.
#[test]
fn a_metafile_picture_is_noted_as_not_read() {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/attach/embedded-simple-2007.xls"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ocr = Ocr {
        program: program(dir.path(), "echo RUN"),
        ..Ocr::default()
    };
    let read_book = |ocr: Option<Ocr>| {
        extract_text(
            &Input {
                bytes: &bytes,
                mime_type: Some("application/vnd.ms-excel"),
                name: Some("book.xls"),
                charset: None,
            },
            &Limits {
                ocr,
                ..Limits::default()
            },
        )
    };
    let on = read_book(Some(ocr));
    assert!(
        !on.text.as_deref().unwrap_or_default().contains("RUN"),
        "{on:?}"
    );
    assert_eq!(
        on.note.as_deref(),
        Some(
            "1 picture in the Excel workbook stored in a form OCR does not read (a metafile such as WMF or EMF, a device-dependent bitmap) or damaged"
        ),
        "{on:?}"
    );
    assert_eq!(read_book(None).note, None);
}
