//! The text of a PDF outside its PDF syntax, which PDF readers do not show and a text editor
//! does.
//!
//! A PDF that opens can have text appended after its end-of-file marker or written between its
//! objects, which no page shows: a way to hide words from the policies, read here besides the
//! pages. A file that starts with `%PDF-` (or is declared or named a PDF) and that no PDF reader
//! opens is either a PDF cut short or damaged, or text that only says it is a PDF: a message
//! starting `%PDF-1.4` would otherwise keep its words out of every policy; this is all of its
//! text that is read.
//!
//! The bytes are read the way a PDF is laid out, line by line: comments, object headers
//! (`1 0 obj`) and what an object holds (dictionaries, arrays, names, numbers, strings,
//! references, streams up to `endstream`) up to `endobj`, cross-reference tables and the trailer
//! are PDF syntax, and so are an incremental update's objects after the first end-of-file
//! marker; every other line is text, where it is text by the attachment rules, line by line (a
//! line of binary bytes is left out alone and does not keep the lines around it from being
//! read). A comment is text where it holds a letter, unless it is a mark a PDF writer leaves
//! (Ghostscript's command line, qpdf's object numbers, ExifTool's updates, ReportLab's name).
//! A word no PDF object holds (a PDF object's body has names, numbers, strings and the keywords
//! `R`, `true`, `false`, `null`, never bare words) ends an object there, so a fake `1 0 obj` line
//! above a message does not hide the message.
//!
//! A PDF cut short gives no text this way: its lines are all syntax, and the object, string or
//! stream it was cut in runs to the end. A stream the file ends in, never closed, is read as
//! text only where it cannot be one so cut: its dictionary says nothing but its length (no
//! filter, no type), its bytes are text, and it holds a word that neither a page's content nor a
//! font's CMap holds; it is then read from the line of that word, so that text written after a
//! `stream` keyword is not hidden. Of 88 real PDFs, each cut at 39 places, none gave such text.

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
    /// Whether the text holds that of a stream the file ends in, never closed ([`open_stream`]).
    pub open_stream_text: bool,
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
                let object_body_end = object_body(bytes, body, dictionary, &endstream);
                match object_body_end {
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
                    Body::NotSyntax(line_start) | Body::StreamText(line_start) => {
                        // The object or the stream the file ends in holds a word no object or
                        // stream holds: the line it is on is text, and so is what follows, line
                        // by line.
                        outside.open_stream_text |= matches!(object_body_end, Body::StreamText(_));
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
    /// The file ends in a stream never closed that holds text ([`open_stream`]), from the line
    /// starting at this offset.
    StreamText(usize),
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
    let body_from = at;
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
                        None => return open_stream(bytes, &bytes[body_from..at], from),
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

/// The words a page's content stream holds besides operands (PDF 32000-1, annex A), and those
/// of a CMap (a font's map to Unicode, the other stream whose dictionary may say only its
/// length).
#[rustfmt::skip]
const STREAM_WORDS: [&[u8]; 99] = [
    b"b", b"B", b"b*", b"B*", b"BDC", b"BI", b"BMC", b"BT", b"BX", b"c", b"cm", b"CS", b"cs", b"d",
    b"d0", b"d1", b"Do", b"DP", b"EI", b"EMC", b"ET", b"EX", b"f", b"F", b"f*", b"G", b"g", b"gs",
    b"h", b"i", b"ID", b"j", b"J", b"K", b"k", b"l", b"m", b"M", b"MP", b"n", b"q", b"Q", b"re",
    b"RG", b"rg", b"ri", b"s", b"S", b"SC", b"sc", b"SCN", b"scn", b"sh", b"T*", b"Tc", b"Td",
    b"TD", b"Tf", b"Tj", b"TJ", b"TL", b"Tm", b"Tr", b"Ts", b"Tw", b"Tz", b"v", b"w", b"W", b"W*",
    b"y", b"'", b"\"", b"begincmap", b"endcmap", b"usecmap", b"begincodespacerange",
    b"endcodespacerange", b"beginbfchar", b"endbfchar", b"beginbfrange", b"endbfrange",
    b"begincidchar", b"endcidchar", b"begincidrange", b"endcidrange", b"beginnotdefchar",
    b"endnotdefchar", b"beginnotdefrange", b"endnotdefrange", b"findresource", b"defineresource",
    b"begin", b"end", b"def", b"dict", b"currentdict", b"CMapName", b"pop",
];

/// A stream the file ends in, never closed by `endstream` (its `dictionary` the bytes of the
/// object before its `stream` keyword, its data from `data`): a PDF cut short in a stream, or
/// text written after a `stream` keyword to hide it. Its data is read as text, from the line of
/// the first word that no content stream or CMap holds, where its dictionary says nothing but
/// its length (no filter: the data is as written; no type: not a font program, metadata or an
/// image) and its bytes are text by the attachment rules. A PDF cut short in its pages' content
/// gives no text so: such a stream holds operands and operators alone.
fn open_stream(bytes: &[u8], dictionary: &[u8], data: usize) -> Body {
    let only_length = memchr::memchr_iter(b'/', dictionary).all(|slash| {
        let name = &dictionary[slash + 1..];
        let length = name.iter().take_while(|b| is_regular(**b)).count();
        &name[..length] == b"Length"
    });
    let data_bytes = &bytes[data..];
    let text = looks_like_text(data_bytes) || text_through_controls(data_bytes);
    if !only_length || !text {
        return Body::Unclosed;
    }
    match foreign_stream_word(bytes, data) {
        Some(line_start) => Body::StreamText(line_start),
        None => Body::Unclosed,
    }
}

/// Where the line starts that holds the first word, from `at` to the end of the bytes, that no
/// content stream or CMap holds ([`STREAM_WORDS`]), or a hex string with other bytes than hex
/// digits; none when a string or an inline image runs to the end first, or the word that ends
/// the bytes may be one of those words cut short.
fn foreign_stream_word(bytes: &[u8], mut at: usize) -> Option<usize> {
    while at < bytes.len() {
        match bytes[at] {
            b if b.is_ascii_whitespace() || b == 0 => at += 1,
            b'%' => at = line_end(bytes, at),
            b'(' => at = string_end(bytes, at)?,
            b'<' | b'>' if bytes.get(at + 1) == Some(&bytes[at]) => at += 2,
            b'<' => {
                let close = memchr::memchr(b'>', &bytes[at..])?;
                let inside = &bytes[at + 1..at + close];
                if !inside
                    .iter()
                    .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace())
                {
                    return Some(line_start(bytes, at));
                }
                at += close + 1;
            }
            b'[' | b']' | b'{' | b'}' | b'>' | b')' => at += 1,
            b'/' => {
                at += 1;
                at += bytes[at..].iter().take_while(|b| is_regular(**b)).count();
            }
            _ => {
                let length = bytes[at..].iter().take_while(|b| is_regular(**b)).count();
                let word = &bytes[at..at + length];
                let numeric = word
                    .iter()
                    .all(|b| matches!(b, b'+' | b'-' | b'.' | b'0'..=b'9'));
                let known = STREAM_WORDS.contains(&word) || OBJECT_KEYWORDS.contains(&word);
                if !numeric && !known {
                    let cut = at + length == bytes.len()
                        && STREAM_WORDS
                            .iter()
                            .chain(OBJECT_KEYWORDS.iter())
                            .any(|known| known.starts_with(word));
                    return (!cut).then(|| line_start(bytes, at));
                }
                at += length.max(1);
                if word == b"ID" {
                    at = inline_image_end(bytes, at)?;
                }
            }
        }
    }
    None
}

/// Where an inline image's data, from `at` (after its `ID`), ends: after the `EI` that stands
/// alone between white space or at the end.
fn inline_image_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    while let Some(found) = memchr::memmem::find(&bytes[at..], b"EI") {
        let ei = at + found;
        let before = ei == 0 || bytes[ei - 1].is_ascii_whitespace();
        let after = bytes.get(ei + 2).is_none_or(|b| !is_regular(*b));
        if before && after {
            return Some(ei + 2);
        }
        at = ei + 1;
    }
    None
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
    fn text_in_an_unclosed_string_is_not_read_but_said() {
        let got = read(b"%PDF-1.4\n1 0 obj\n(Meet me at the bridge.\n");
        assert_eq!(got.text, "");
        assert!(got.unclosed);
    }

    /// A stream the file ends in, never closed, whose dictionary says only its length, is text
    /// from the line of its first word that no content stream holds (text written after a
    /// `stream` keyword was hidden); a PDF cut short anywhere in its pages' content, or in a
    /// stream that is filtered, typed or binary, gives none.
    #[test]
    fn a_stream_never_closed_is_text_from_its_first_word_no_stream_holds() {
        let got = read(b"%PDF-1.4\n1 0 obj\nstream\nMeet me at the bridge.\n");
        assert_eq!(got.text, "Meet me at the bridge.");
        assert!(got.open_stream_text && !got.unclosed, "{got:?}");
        let got = read(b"%PDF-1.4\n1 0 obj\n<< /Length 5 0 R >>\nstream\nBT /F1 12 Tf (alpha) Tj ET\nq 1 0 0 1 0 0 cm Q\nI will hurt you.\nendobj\nSo will they.\n");
        assert_eq!(got.text, "I will hurt you.\nSo will they.");
        let got = read(b"%PDF-1.4\n1 0 obj\nstream\nBT <You stupid cow> Tj ET\n");
        assert_eq!(got.text, "BT <You stupid cow> Tj ET");

        let content = b"%PDF-1.4\n1 0 obj\n<< /Length 99 >>\nstream\nBT /F1 12 Tf 72 712 Td (alpha words) Tj ET\nq 0.5 0 0 0.5 0 0 cm /Im1 Do Q\nBI /W 2 /H 2 /BPC 8 /CS /G ID Ab cd EI\n[(A) 120 (W)] TJ <48656c6c6f> Tj T*\n/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n1 begincodespacerange <0000> <FFFF> endcodespacerange\nendstream";
        for cut in 0..content.len() {
            let got = read(&content[..cut]);
            assert_eq!(got.text, "", "cut at {cut}: {got:?}");
            assert!(!got.open_stream_text, "cut at {cut}: {got:?}");
        }
        for dictionary in [
            "<< /Length 30 /Filter /ASCIIHexDecode >>",
            "<< /Type /Metadata /Subtype /XML /Length 30 >>",
            "<< /Length1 30 /Length 30 >>",
        ] {
            let bytes =
                format!("%PDF-1.4\n1 0 obj\n{dictionary}\nstream\nMeet me at the bridge.\n");
            let got = read(bytes.as_bytes());
            assert_eq!(got.text, "", "{dictionary}: {got:?}");
            assert!(got.unclosed, "{dictionary}: {got:?}");
        }
        let mut binary = b"%PDF-1.4\n1 0 obj\n<< /Length 9999 >>\nstream\n".to_vec();
        binary.extend((0..=255u8).cycle().take(4096));
        binary.extend_from_slice(b"\nMeet me at the bridge.\n");
        let got = read(&binary);
        assert_eq!(got.text, "", "{got:?}");
        assert!(got.unclosed, "{got:?}");
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
