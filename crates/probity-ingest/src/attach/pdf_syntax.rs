//! The text of a PDF outside its PDF syntax, which PDF readers do not show and a text editor
//! does.
//!
//! A PDF that opens can have text appended after its end-of-file marker or written between its
//! objects, which no page shows: a way to hide words from the policies, read here besides the
//! pages. A file that starts with `%PDF-` (or is declared or named a PDF) and that no PDF reader
//! opens is either a PDF cut short or damaged, or text that only says it is a PDF: a message
//! starting `%PDF-1.4` would otherwise keep its words out of every policy; this is all of its
//! text that is read. The bytes are read the way a PDF is laid out, line by line: comments, object headers (`1 0 obj`) and what an object holds
//! (dictionaries, arrays, names, numbers, strings, references, streams up to `endstream`) up to
//! `endobj`, cross-reference tables and the trailer are PDF syntax; every other line is text,
//! where it is text by the attachment rules, line by line (a line of binary bytes is left out
//! alone and does not keep the lines around it from being read). A comment is text where it
//! holds a letter, unless it is a mark a PDF writer leaves (Ghostscript's command line, qpdf's
//! object numbers, ExifTool's updates, ReportLab's name).
//! A word no PDF object holds (a PDF object's body has names, numbers, strings and the keywords
//! `R`, `true`, `false`, `null`, never bare words) ends an object there, so a fake `1 0 obj` line
//! above a message does not hide the message. A PDF cut short gives no text this way: its lines
//! are all syntax, and the object or stream it was cut in runs to the end.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;

use super::{looks_like_text, text_through_controls, without_controls};

/// What [`read`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Outside {
    /// The text lines outside PDF syntax, joined by line breaks (blank lines kept), the lines
    /// that are not text ([`push_line`]) left out.
    pub text: String,
    /// Whether any PDF syntax beyond a `%PDF-` header was found (an object, a cross-reference
    /// table, a trailer, a dictionary).
    pub syntax: bool,
    /// Whether the file ends inside an object, stream or string (a PDF cut short, or text hidden
    /// in what claims to be one).
    pub unclosed: bool,
    /// Whether the last PDF syntax is an end-of-file marker (`%%EOF`): what follows it, if
    /// anything, is not PDF syntax (text appended to a whole PDF, or padding), and the file is
    /// not cut short whatever the length of it.
    pub ends_at_eof_marker: bool,
}

/// The keywords an object's body may hold besides names, numbers, strings and delimiters.
const OBJECT_KEYWORDS: [&[u8]; 6] = [b"R", b"true", b"false", b"null", b"obj", b"endstream"];

/// The keywords a line outside objects may start with, and the markers of a comment that is not
/// text: a last line that is the start of one of them is a PDF cut there, not text.
const CUT_KEYWORDS: [&[u8]; 8] = [
    b"<<",
    b"xref",
    b"startxref",
    b"trailer",
    b"endobj",
    b"endstream",
    b"%%EOF",
    b"%PDF-",
];

/// Reads `bytes` as a PDF is laid out, keeping the lines outside its syntax.
pub(super) fn read(bytes: &[u8]) -> Outside {
    let mut outside = Outside::default();
    // Built once: a PDF can have tens of thousands of streams.
    let endstream = memchr::memmem::Finder::new(b"endstream");
    let mut at = 0;
    let mut header = false;
    // The line being read: where it was measured from, where it ends, where its text ends (before
    // trailing white space). Objects can end mid-line and the rest of the line be read after
    // them; the line is measured once, not once for each object on it.
    let mut line_from = 0;
    let mut end = 0;
    let mut text_end = 0;
    // Whether reading goes on after an object that ended mid-line.
    let mut after_object = false;
    while at < bytes.len() {
        let measured = line_from <= at && at < end;
        if !measured {
            line_from = at;
            end = line_end(bytes, at);
            text_end = at + bytes[at..end].trim_ascii_end().len();
        }
        let line = &bytes[at..end];
        let next = skip_line_break(bytes, end);
        let trimmed = bytes[at..text_end.max(at)].trim_ascii_start();
        // Only after a PDF header or syntax (or on the first line): a text's last line `x`
        // stays text.
        let after_syntax = header || outside.syntax || at == 0;
        if end == bytes.len() && after_syntax && is_cut_syntax(trimmed) {
            outside.syntax = true;
            outside.unclosed = true;
            outside.ends_at_eof_marker = false;
            break;
        }
        let rest_of_line = std::mem::take(&mut after_object);
        match top_level_line(trimmed) {
            Line::Blank => {
                // What is left of a line after an object is no blank line of the text.
                if !rest_of_line {
                    outside.text.push('\n');
                }
                at = next;
            }
            Line::Text => {
                push_line(&mut outside.text, line);
                at = next;
            }
            Line::Comment(kept) => {
                header |= trimmed.starts_with(b"%PDF-");
                // An incremental update follows its PDF's marker with objects of its own, and
                // ends with a marker again.
                outside.ends_at_eof_marker |= trimmed.starts_with(b"%%EOF");
                if let Some(kept) = kept {
                    push_line(&mut outside.text, kept);
                }
                at = next;
            }
            Line::Syntax => {
                outside.syntax = true;
                outside.ends_at_eof_marker = false;
                at = next;
            }
            Line::Object {
                body_at,
                dictionary,
            } => {
                outside.syntax = true;
                let body = text_end.max(at) - trimmed.len() + body_at;
                match object_body(bytes, body, dictionary, &endstream) {
                    Body::Closed(after) => {
                        outside.ends_at_eof_marker = false;
                        at = after;
                        after_object = true;
                    }
                    Body::Unclosed => {
                        outside.unclosed = true;
                        outside.ends_at_eof_marker = false;
                        at = bytes.len();
                    }
                    Body::NotSyntax(line_start) => {
                        // The object holds a word no object holds: the line it is on is text,
                        // and so is what follows, line by line.
                        let end = line_end(bytes, line_start);
                        push_line(&mut outside.text, &bytes[line_start..end]);
                        at = skip_line_break(bytes, end);
                    }
                }
            }
        }
    }
    outside.text = outside.text.trim().to_owned();
    outside
}

/// What a line outside any object is.
enum Line<'a> {
    Blank,
    Text,
    /// A comment, with its text when it says something (not the `%PDF-` header, `%%EOF`, or the
    /// high bytes PDF writers put on the second line to mark the file binary).
    Comment(Option<&'a [u8]>),
    /// A cross-reference table's lines, `startxref`, a stray `endobj`.
    Syntax,
    /// An object header (`1 0 obj`) or a trailer's or stray dictionary (`dictionary`), the body
    /// starting `body_at` bytes into the trimmed line.
    Object {
        body_at: usize,
        dictionary: bool,
    },
}

fn top_level_line(line: &[u8]) -> Line<'_> {
    if line.is_empty() {
        return Line::Blank;
    }
    if let Some(comment) = line.strip_prefix(b"%") {
        return Line::Comment(comment_text(comment));
    }
    if let Some(body_at) = object_header(line) {
        return Line::Object {
            body_at,
            dictionary: false,
        };
    }
    if let Some(rest) = line.strip_prefix(b"trailer") {
        if rest.is_empty() {
            return Line::Syntax;
        }
        if rest.trim_ascii_start().starts_with(b"<<") {
            return Line::Object {
                body_at: line.len() - rest.trim_ascii_start().len(),
                dictionary: true,
            };
        }
    }
    if line.starts_with(b"<<") {
        return Line::Object {
            body_at: 0,
            dictionary: true,
        };
    }
    let keyword = matches!(
        line,
        b"xref" | b"startxref" | b"endobj" | b"endstream" | b"trailer"
    );
    if keyword || is_xref_line(line) {
        return Line::Syntax;
    }
    Line::Text
}

/// Whether the last line of the bytes, not ended by a line break, is the start of PDF syntax
/// cut short: of a keyword, or of an object header (`12 0 o`). A whole end-of-file marker is the
/// end of a PDF, which many writers do not follow with a line break.
fn is_cut_syntax(line: &[u8]) -> bool {
    if line.is_empty() || line == b"%%EOF" {
        return false;
    }
    if CUT_KEYWORDS.iter().any(|keyword| keyword.starts_with(line)) {
        return true;
    }
    // An object header cut in its keyword: two numbers, then the start of `obj`.
    let Some(space) = line.iter().rposition(u8::is_ascii_whitespace) else {
        return false;
    };
    let (numbers, keyword) = (line[..space].trim_ascii(), &line[space + 1..]);
    b"obj".starts_with(keyword)
        && numbers
            .split(u8::is_ascii_whitespace)
            .filter(|n| !n.is_empty())
            .count()
            == 2
        && numbers
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_whitespace())
}

/// The text of a comment worth keeping: one that holds a letter, and is not the header, the
/// end-of-file marker or a writer's mark ([`is_writer_comment`]).
fn comment_text(comment: &[u8]) -> Option<&[u8]> {
    if comment.starts_with(b"PDF-") || comment.starts_with(b"%EOF") {
        // Whatever follows the header's version on its line is kept.
        let rest = comment
            .iter()
            .position(u8::is_ascii_whitespace)
            .map(|space| comment[space..].trim_ascii())
            .unwrap_or_default();
        return (!rest.is_empty()).then_some(rest);
    }
    if is_writer_comment(comment) {
        return None;
    }
    comment
        .iter()
        .any(u8::is_ascii_alphabetic)
        .then_some(comment)
}

/// Comments PDF writers leave outside objects that say nothing of the document, word by word
/// after the comment's first `%`, `#` standing for a number: qpdf's QDF form, ExifTool's
/// updates, ReportLab's second line (after its high bytes, which mark the file binary).
const WRITER_COMMENTS: [&[&[u8]]; 9] = [
    &[b"QDF-1.0"],
    &[b"QDF:", b"ignore_newline"],
    &[b"%", b"Original", b"object", b"ID:", b"#", b"#"],
    &[b"%", b"Page", b"#"],
    &[b"%", b"Contents", b"for", b"page", b"#"],
    &[b"BeginExifToolUpdate"],
    &[b"EndExifToolUpdate", b"#"],
    &[
        b"ReportLab",
        b"Generated",
        b"PDF",
        b"document",
        b"http://www.reportlab.com",
    ],
    &[
        b"ReportLab",
        b"Generated",
        b"PDF",
        b"document",
        b"(opensource)",
    ],
];

/// Whether a comment (after its first `%`) is a mark a PDF writer leaves: one of
/// [`WRITER_COMMENTS`], or Ghostscript's command line (`%%Invocation:` and its `%%+` lines)
/// whose arguments are options and file names written `?`, without a word among them.
fn is_writer_comment(comment: &[u8]) -> bool {
    // The command line names the program first; the lines that go on with it do not.
    let arguments = match comment.strip_prefix(b"%Invocation:") {
        Some(rest) => Some((rest, 1)),
        None => comment.strip_prefix(b"%+").map(|rest| (rest, 0)),
    };
    if let Some((arguments, program)) = arguments {
        return !words(arguments)
            .skip(program)
            .any(|argument| argument.len() > 1 && argument.iter().all(u8::is_ascii_alphabetic));
    }
    let first = comment
        .iter()
        .position(|b| b.is_ascii() && !b.is_ascii_whitespace())
        .unwrap_or(comment.len());
    let comment = &comment[first..];
    WRITER_COMMENTS.iter().any(|pattern| {
        let mut words = words(comment);
        let all_match = pattern.iter().all(|expected| {
            words.next().is_some_and(|word| {
                word == *expected || (*expected == b"#" && word.iter().all(u8::is_ascii_digit))
            })
        });
        all_match && words.next().is_none()
    })
}

/// The words of a line, split at white space.
fn words(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(u8::is_ascii_whitespace)
        .filter(|word| !word.is_empty())
}

/// Where the body of an object starts after its header (`12 0 obj`), if the line starts with one.
fn object_header(line: &[u8]) -> Option<usize> {
    let mut at = 0;
    for _ in 0..2 {
        let digits = line[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        at += digits;
        let spaces = line[at..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        if spaces == 0 {
            return None;
        }
        at += spaces;
    }
    let rest = line[at..].strip_prefix(b"obj")?;
    if rest.first().is_some_and(|b| is_regular(*b)) {
        return None;
    }
    Some(at + 3)
}

/// A cross-reference table's line: a subsection (`0 6`), an entry (`0000000009 00000 n`), or the
/// offset after `startxref`: digits and spaces, with an `f` or `n` last.
fn is_xref_line(line: &[u8]) -> bool {
    let body = line
        .strip_suffix(b"f")
        .or_else(|| line.strip_suffix(b"n"))
        .unwrap_or(line);
    body.iter().any(u8::is_ascii_digit)
        && body
            .iter()
            .all(|b| b.is_ascii_digit() || *b == b' ' || *b == b'\t')
}

/// How an object's body ended.
enum Body {
    /// At `endobj` (or, for a dictionary alone, its closing `>>`); reading goes on at this offset.
    Closed(usize),
    /// The file ends inside it.
    Unclosed,
    /// A word no object holds, on the line starting at this offset.
    NotSyntax(usize),
}

/// Reads an object's body from `at` as PDF tokens, up to `endobj`, or for a `dictionary` alone
/// up to its closing `>>`; a stream's data is passed over to the `endstream` keyword, which
/// `endstream` finds.
fn object_body(
    bytes: &[u8],
    mut at: usize,
    dictionary: bool,
    endstream: &memchr::memmem::Finder<'_>,
) -> Body {
    let mut depth = 0usize;
    while at < bytes.len() {
        let byte = bytes[at];
        match byte {
            b if b.is_ascii_whitespace() || b == 0 => at += 1,
            b'%' => at = line_end(bytes, at),
            b'(' => match string_end(bytes, at) {
                Some(end) => at = end,
                None => return Body::Unclosed,
            },
            b'<' if bytes.get(at + 1) == Some(&b'<') => {
                depth += 1;
                at += 2;
            }
            b'>' if bytes.get(at + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                at += 2;
                if dictionary && depth == 0 {
                    return Body::Closed(at);
                }
            }
            b'<' => match memchr::memchr(b'>', &bytes[at..]) {
                Some(close) => at += close + 1,
                None => return Body::Unclosed,
            },
            b'[' | b']' | b'{' | b'}' | b'>' | b')' => at += 1,
            b'/' => {
                at += 1;
                at += bytes[at..].iter().take_while(|b| is_regular(**b)).count();
            }
            _ => {
                let length = bytes[at..].iter().take_while(|b| is_regular(**b)).count();
                let word = &bytes[at..at + length];
                if at + length == bytes.len() {
                    // A word the file ends in may be a keyword cut short.
                    return Body::Unclosed;
                }
                if word
                    .iter()
                    .all(|b| matches!(b, b'+' | b'-' | b'.' | b'0'..=b'9'))
                {
                    at += length.max(1);
                    continue;
                }
                if word == b"endobj" {
                    return Body::Closed(at + length);
                }
                if word == b"stream" {
                    let from = at + length;
                    match endstream.find(&bytes[from..]) {
                        Some(end) => at = from + end + b"endstream".len(),
                        None => return Body::Unclosed,
                    }
                    continue;
                }
                if OBJECT_KEYWORDS.contains(&word) {
                    at += length;
                    continue;
                }
                return Body::NotSyntax(line_start(bytes, at));
            }
        }
    }
    Body::Unclosed
}

/// Where a literal string starting at `at` (an opening parenthesis) ends: after its balancing
/// closing parenthesis, escapes skipped.
fn string_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    let mut depth = 0usize;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 1,
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(at + 1);
                }
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// Not white space and not a PDF delimiter.
fn is_regular(byte: u8) -> bool {
    // A match rather than a search of a list of delimiters: every byte of every object is
    // looked at here.
    !matches!(
        byte,
        b'\t'
            | b'\n'
            | 0x0c
            | b'\r'
            | b' '
            | 0
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

/// Where the line holding `at` ends (at its CR or LF, or the end of the bytes).
fn line_end(bytes: &[u8], at: usize) -> usize {
    memchr::memchr2(b'\n', b'\r', &bytes[at..]).map_or(bytes.len(), |end| at + end)
}

fn skip_line_break(bytes: &[u8], end: usize) -> usize {
    match bytes.get(end) {
        Some(b'\r') if bytes.get(end + 1) == Some(&b'\n') => end + 2,
        Some(_) => end + 1,
        None => end,
    }
}

fn line_start(bytes: &[u8], at: usize) -> usize {
    memchr::memrchr2(b'\n', b'\r', &bytes[..at]).map_or(0, |start| start + 1)
}

/// Adds a line of text where it is text by the attachment rules, on its own: as it is
/// ([`looks_like_text`]), or with the control bytes through it taken out
/// ([`text_through_controls`]); and holding a letter or a digit. UTF-8 where it is, else
/// windows-1252 (as for mail with no charset). A line of binary bytes is left out, alone: judged
/// with the lines around it, it kept them from being read.
fn push_line(text: &mut String, line: &[u8]) {
    let cleaned;
    let line = if looks_like_text(line) {
        line
    } else if text_through_controls(line) {
        cleaned = without_controls(line).0;
        &cleaned[..]
    } else {
        return;
    };
    let line = line_text(line);
    if !line.chars().any(char::is_alphanumeric) {
        return;
    }
    text.push_str(&line);
    text.push('\n');
}

fn line_text(line: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(line) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => match charset_decoder(b"windows-1252") {
            Some(decoder) => Cow::Owned(decoder(line)),
            None => String::from_utf8_lossy(line),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_syntax_is_all_text() {
        let got = read(b"%PDF-1.4\nMeet me at the bridge.\n\nBring the files.\n");
        assert_eq!(got.text, "Meet me at the bridge.\n\nBring the files.");
        assert!(!got.syntax && !got.unclosed);
    }

    #[test]
    fn words_after_the_header_on_its_line_are_text() {
        let got = read(b"%PDF-1.4 meet at noon\n");
        assert_eq!(got.text, "meet at noon");
    }

    #[test]
    fn a_pdf_cut_short_has_no_text() {
        let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 712 Td (alpha words) Tj ET\nendstream\nendobj\nxref\n0 4\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n321\n%%EOF\n";
        for cut in 0..=pdf.len() {
            let got = read(&pdf[..cut]);
            assert_eq!(got.text, "", "cut at {cut}: {got:?}");
        }
        assert!(read(pdf).syntax);
        assert!(read(&pdf[..150]).unclosed);
    }

    /// Many writers end the file at its end-of-file marker, with no line break after it.
    #[test]
    fn an_end_of_file_marker_without_a_line_break_is_no_cut() {
        let got = read(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstartxref\n9\n%%EOF");
        assert!(got.syntax && !got.unclosed, "{got:?}");
        let got = read(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstartxref\n9\n%%EO");
        assert!(got.unclosed, "{got:?}");
    }

    #[test]
    fn a_fake_object_does_not_hide_the_text_below_it() {
        let got = read(b"%PDF-1.4\n1 0 obj\nMeet me at the bridge.\nBring the files.\n");
        assert_eq!(got.text, "Meet me at the bridge.\nBring the files.");
        assert!(got.syntax);
        let got = read(b"%PDF-1.4\n1 0 obj << /A 1 >> endobj\nMeet me at the bridge.\n");
        assert_eq!(got.text, "Meet me at the bridge.");
        let got = read(b"1 0 obj << /A (x) >> meet at noon\n");
        assert_eq!(got.text, "1 0 obj << /A (x) >> meet at noon");
    }

    #[test]
    fn text_in_an_unclosed_string_or_stream_is_not_read_but_said() {
        let got = read(b"%PDF-1.4\n1 0 obj\nstream\nMeet me at the bridge.\n");
        assert_eq!(got.text, "");
        assert!(got.unclosed);
        let got = read(b"%PDF-1.4\n1 0 obj\n(Meet me at the bridge.\n");
        assert!(got.unclosed);
    }

    #[test]
    fn objects_on_one_line_are_read_in_linear_time() {
        let mut bytes = b"%PDF-1.4\n".to_vec();
        for _ in 0..200_000 {
            bytes.extend_from_slice(b"1 0 obj << /A [1 2] >> endobj ");
        }
        bytes.extend_from_slice(&[b' '; 1 << 20]);
        bytes.extend_from_slice(b"\nMeet me at the bridge.\n");
        let started = std::time::Instant::now();
        let got = read(&bytes);
        assert_eq!(got.text, "Meet me at the bridge.");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn objects_leave_no_blank_lines_in_the_text() {
        let got = read(b"Meet me\n1 0 obj << >> endobj\nat the bridge.\n\nBring it.\n");
        assert_eq!(got.text, "Meet me\nat the bridge.\n\nBring it.");
    }

    #[test]
    fn comments_with_words_are_text() {
        let got = read(b"%PDF-1.4\n%meet at noon\n%%EOF\n");
        assert_eq!(got.text, "meet at noon");
    }

    /// An incremental update's objects after the first end-of-file marker are syntax; text after
    /// the last marker is text, and the file still ends at its marker.
    #[test]
    fn an_incremental_update_is_syntax_up_to_its_last_marker() {
        let updated = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n45\n%%EOF\n2 0 obj\n<< /Type /Pages >>\nendobj\nxref\n2 1\n0000000120 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R /Prev 45 >>\nstartxref\n150\n%%EOF\n";
        let got = read(updated);
        assert_eq!(got.text, "");
        assert!(got.ends_at_eof_marker && !got.unclosed, "{got:?}");
        let got = read(&updated[..updated.len() - 30]);
        assert!(!got.ends_at_eof_marker, "{got:?}");
        let mut appended = updated.to_vec();
        appended.extend_from_slice(b"Meet me at the bridge.\n");
        let got = read(&appended);
        assert_eq!(got.text, "Meet me at the bridge.");
        assert!(got.ends_at_eof_marker, "{got:?}");
    }

    /// Marks that Ghostscript, qpdf, ExifTool and ReportLab leave in comments are not text;
    /// words written after or among them are.
    #[test]
    fn writer_comments_are_not_text_but_words_among_them_are() {
        let marks = b"%PDF-1.4\n%\x93\x8c\x8b\x9e ReportLab Generated PDF document (opensource)\n%%Invocation: path/gs -P- -dSAFER -sDEVICE=pdfwrite -sOutputFile=? ?\n%%+ -dNOPAUSE -dBATCH\n%QDF-1.0\n%% Original object ID: 12 0\n%% Page 3\n%% Contents for page 3\n%QDF: ignore_newline\n%BeginExifToolUpdate\n%EndExifToolUpdate 14686\n%%EOF\n";
        assert_eq!(read(marks).text, "");
        let words = b"%PDF-1.4\n%%Invocation: gs you stupid cow\n%% Original object ID: 12 0 meet me\n%%+ -dSAFER at noon\n";
        assert_eq!(
            read(words).text,
            "%Invocation: gs you stupid cow\n% Original object ID: 12 0 meet me\n%+ -dSAFER at noon"
        );
    }

    /// A line of binary bytes between text lines is left out alone: the text around it is read.
    #[test]
    fn binary_lines_are_left_out_alone() {
        let mut bytes = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
        bytes.extend((0..=255u8).filter(|b| !b"\r\n".contains(b)));
        bytes.extend_from_slice(b"\nMeet me at the bridge.\nwatch\0your back\n\xe2\xe3\xcf\xd3\n");
        assert_eq!(read(&bytes).text, "Meet me at the bridge.\nwatch your back");
    }
}
