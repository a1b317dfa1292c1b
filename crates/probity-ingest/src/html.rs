//! HTML reduced to the text a reader sees: the text of mail bodies, HTML attachments and chat
//! messages written in HTML.
//!
//! Block elements (paragraphs, `div`s, list items, table rows, headings) begin a new line and
//! table cells are set apart by a tab, so that words in neighbouring blocks are never run
//! together: `<div>AB123456C</div><div>OFFICIAL-SENSITIVE</div>` is two lines, as the reader
//! sees it, not `AB123456COFFICIAL-SENSITIVE`, which no identifier, marking, sealing cue or
//! lexicon term would match. Lines inside a `<blockquote>` (how Gmail, Apple Mail and Teams quote
//! the message answered) are written with a `> ` for each level, the way plain-text mail quotes,
//! so that the scanners read them as quoted history. Runs of white space collapse to one space
//! outside `<pre>`; a no-break space counts as white space. What a reader never sees is left
//! out: the title, scripts, styles, templates and comments. The rest of the document head is read:
//! text written there, outside those, is shown by browsers (it ends the head), so a sender could
//! otherwise hide words in it. Character references are
//! decoded (named ones with mail-parser's table).
//!
//! A `<` that does not begin a tag, a tag never closed, and an element whose end tag never
//! comes are kept as text rather than swallowing what follows them. So is what follows a comment
//! never closed: a browser would hide the rest of the document, but a message would then keep
//! that text from the policies without a word (a `<!--` is enough to hide it), so it is read.

use mail_parser::decoders::html::add_html_token;

/// Levels of quoting written as `> ` (deeper quotes are written at this depth).
const MAX_QUOTE_PREFIX: usize = 8;

/// The longest character reference decoded (`&CounterClockwiseContourIntegral;` is 33 bytes).
const MAX_REFERENCE_BYTES: usize = 40;

/// The text of an HTML document or fragment, as described in the module documentation.
pub fn to_text(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut out = Writer::with_capacity(html.len());
    let mut at = 0;
    while at < bytes.len() {
        let next = memchr::memchr2(b'<', b'&', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        out.text(&html[at..next]);
        at = next;
        match bytes.get(at) {
            None => break,
            Some(b'&') => at = reference(html, at, &mut out),
            Some(_) => at = markup(html, at, &mut out),
        }
    }
    out.finish()
}

/// What separates the next character written from the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    None,
    Space,
    Tab,
}

/// The text being written, with the breaks owed before the next character.
struct Writer {
    out: String,
    gap: Gap,
    /// Line breaks owed (at most 2: one blank line).
    lines: u8,
    at_line_start: bool,
    quote_depth: usize,
    pre_depth: usize,
}

impl Writer {
    fn with_capacity(capacity: usize) -> Self {
        Writer {
            out: String::with_capacity(capacity),
            gap: Gap::None,
            lines: 0,
            at_line_start: true,
            quote_depth: 0,
            pre_depth: 0,
        }
    }

    fn text(&mut self, text: &str) {
        for ch in text.chars() {
            if self.pre_depth > 0 {
                match ch {
                    '\n' => self.line_break(),
                    '\r' => {}
                    _ => self.put(ch),
                }
            } else if is_collapsible_space(ch) {
                if !self.at_line_start || self.lines > 0 {
                    self.gap = self.gap.max(Gap::Space);
                }
            } else {
                self.put(ch);
            }
        }
    }

    fn put(&mut self, ch: char) {
        if self.lines > 0 && !self.out.is_empty() {
            self.out.push('\n');
            for _ in 1..self.lines {
                self.push_prefix();
                // A blank line inside a quote is a quoted blank line.
                while self.out.ends_with(' ') {
                    self.out.pop();
                }
                self.out.push('\n');
            }
            self.at_line_start = true;
        }
        self.lines = 0;
        if self.at_line_start {
            self.push_prefix();
            self.at_line_start = false;
        } else {
            match self.gap {
                Gap::None => {}
                Gap::Space => self.out.push(' '),
                Gap::Tab => self.out.push('\t'),
            }
        }
        self.gap = Gap::None;
        self.out.push(ch);
    }

    fn push_prefix(&mut self) {
        for _ in 0..self.quote_depth.min(MAX_QUOTE_PREFIX) {
            self.out.push_str("> ");
        }
    }

    /// A block begins or ends: what follows starts a line.
    fn block(&mut self) {
        self.lines = self.lines.max(1);
        self.gap = Gap::None;
    }

    /// `<br>`, or a newline inside `<pre>`: one more line break, up to a blank line.
    fn line_break(&mut self) {
        if self.out.is_empty() {
            return;
        }
        self.lines = (self.lines + 1).min(2);
        self.gap = Gap::None;
    }

    /// A table cell begins: set apart from the cell before it on the same line.
    fn cell(&mut self) {
        if !self.at_line_start && self.lines == 0 {
            self.gap = Gap::Tab;
        }
    }

    fn finish(self) -> String {
        self.out
    }
}

/// White space that HTML collapses, with the no-break space (`&nbsp;` fills Outlook's empty
/// paragraphs and the gaps between words as often as a space does).
fn is_collapsible_space(ch: char) -> bool {
    matches!(ch, ' ' | '\t' | '\n' | '\r' | '\u{c}' | '\u{a0}')
}

/// Decodes the character reference at `at` (an `&`), or writes the `&` as text where none
/// begins there; returns where the text goes on.
fn reference(html: &str, at: usize, out: &mut Writer) -> usize {
    let bytes = html.as_bytes();
    let body_end = (at + MAX_REFERENCE_BYTES).min(bytes.len());
    let end = bytes[at + 1..body_end]
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'#'))
        .map(|i| at + 1 + i);
    match end {
        Some(semicolon) if semicolon > at + 1 && bytes[semicolon] == b';' => {
            let mut decoded = String::new();
            // The token is ASCII (`&`, letters, digits, `#`, `;`), so it is valid UTF-8.
            add_html_token(&mut decoded, &bytes[at..=semicolon], false);
            out.text(&decoded);
            semicolon + 1
        }
        _ => {
            out.text("&");
            at + 1
        }
    }
}

/// Reads the markup at `at` (a `<`) and returns where the text goes on.
fn markup(html: &str, at: usize, out: &mut Writer) -> usize {
    let bytes = html.as_bytes();
    match bytes.get(at + 1) {
        Some(b'!') if bytes[at..].starts_with(b"<!--") => {
            // A comment: to its end. Never closed, only its `<!--` is passed over, and what
            // follows is read (module documentation).
            memchr::memmem::find(&bytes[at + 4..], b"-->").map_or(at + 4, |i| at + 4 + i + 3)
        }
        Some(b'!' | b'?') => {
            // A declaration (`<!DOCTYPE html>`, `<![endif]>`) or processing instruction.
            past_tag_end(bytes, at + 2).unwrap_or_else(|| literal_lt(out, at))
        }
        Some(b'/') if bytes.get(at + 2).is_some_and(u8::is_ascii_alphabetic) => {
            let (name, name_end) = tag_name(bytes, at + 2);
            let Some(end) = past_tag_end(bytes, name_end) else {
                return literal_lt(out, at);
            };
            close_element(&name, out);
            end
        }
        Some(b) if b.is_ascii_alphabetic() => {
            let (name, name_end) = tag_name(bytes, at + 1);
            let Some(end) = past_tag_end(bytes, name_end) else {
                return literal_lt(out, at);
            };
            open_element(&name, html, end, out)
        }
        _ => literal_lt(out, at),
    }
}

fn literal_lt(out: &mut Writer, at: usize) -> usize {
    out.text("<");
    at + 1
}

/// A tag's name, lower-cased (only as much as any element this module knows needs), and where
/// it ends.
fn tag_name(bytes: &[u8], from: usize) -> (TagName, usize) {
    let end = bytes[from..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b':'))
        .map_or(bytes.len(), |i| from + i);
    (TagName::of(&bytes[from..end]), end)
}

/// Where a tag ends (past its `>`), its attributes' quoted values skipped whole; `None` if it
/// never ends. A quote opens a value only after an `=` (white space between allowed), as
/// browsers read it: one elsewhere (`cellspacing="0} cellpadding="0"`, whose second value
/// starts with `0"`) is part of an attribute's name, and taken for an opening quote it ran the
/// tag on over text a browser shows.
fn past_tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    let mut after_equals = false;
    while at < bytes.len() {
        match bytes[at] {
            b'>' => return Some(at + 1),
            quote @ (b'"' | b'\'') if after_equals => {
                after_equals = false;
                // A value's quote never closed: the tag ends at the next `>`, as far as this
                // reading goes.
                match memchr::memchr(quote, &bytes[at + 1..]) {
                    Some(i) => at += i + 2,
                    None => return memchr::memchr(b'>', &bytes[at..]).map(|i| at + i + 1),
                }
            }
            b'=' => {
                after_equals = true;
                at += 1;
            }
            byte => {
                if !byte.is_ascii_whitespace() {
                    after_equals = false;
                }
                at += 1;
            }
        }
    }
    None
}

/// An element name, lower-cased, of at most 16 bytes (longer names are no element this module
/// treats specially).
#[derive(Clone, Copy)]
struct TagName {
    bytes: [u8; 16],
    len: usize,
}

impl TagName {
    fn of(name: &[u8]) -> Self {
        let mut bytes = [0u8; 16];
        if name.len() > bytes.len() {
            return TagName { bytes, len: 0 };
        }
        for (to, from) in bytes.iter_mut().zip(name) {
            *to = from.to_ascii_lowercase();
        }
        TagName {
            bytes,
            len: name.len(),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Elements that begin and end a block of text.
const BLOCKS: &[&[u8]] = &[
    b"address",
    b"article",
    b"aside",
    b"body",
    b"caption",
    b"center",
    b"dd",
    b"details",
    b"dialog",
    b"dir",
    b"div",
    b"dl",
    b"dt",
    b"fieldset",
    b"figcaption",
    b"figure",
    b"footer",
    b"form",
    b"h1",
    b"h2",
    b"h3",
    b"h4",
    b"h5",
    b"h6",
    b"header",
    b"hr",
    b"html",
    b"legend",
    b"li",
    b"main",
    b"menu",
    b"nav",
    b"ol",
    b"option",
    b"p",
    b"section",
    b"summary",
    b"table",
    b"tbody",
    b"tfoot",
    b"thead",
    b"tr",
    b"ul",
];

/// Elements whose content a reader never sees. Not `head`: text in it outside these is shown.
const HIDDEN: &[&[u8]] = &[b"script", b"style", b"template", b"title", b"xml"];

fn open_element(name: &TagName, html: &str, after: usize, out: &mut Writer) -> usize {
    let name = name.as_bytes();
    match name {
        b"br" => out.line_break(),
        b"td" | b"th" => out.cell(),
        b"blockquote" => {
            out.block();
            out.quote_depth += 1;
        }
        b"pre" | b"listing" | b"plaintext" | b"xmp" => {
            out.block();
            out.pre_depth += 1;
        }
        _ if BLOCKS.contains(&name) => out.block(),
        _ if HIDDEN.contains(&name) => {
            if let Some(end) = hidden_content_end(html.as_bytes(), after, name) {
                return end;
            }
        }
        _ => {}
    }
    after
}

fn close_element(name: &TagName, out: &mut Writer) {
    let name = name.as_bytes();
    match name {
        b"blockquote" => {
            out.block();
            out.quote_depth = out.quote_depth.saturating_sub(1);
        }
        b"pre" | b"listing" | b"plaintext" | b"xmp" => {
            out.block();
            out.pre_depth = out.pre_depth.saturating_sub(1);
        }
        _ if BLOCKS.contains(&name) => out.block(),
        _ => {}
    }
}

/// Where the hidden element `name` whose content starts at `from` ends (past its end tag), or
/// `None` where no end tag follows, so that its content is read as text rather than lost.
fn hidden_content_end(bytes: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(i) = memchr::memchr(b'<', &bytes[at..]) {
        let lt = at + i;
        let rest = &bytes[lt + 1..];
        let closes = rest.first() == Some(&b'/')
            && rest.len() > name.len()
            && rest[1..=name.len()].eq_ignore_ascii_case(name)
            && !rest
                .get(name.len() + 1)
                .is_some_and(|b| b.is_ascii_alphanumeric());
        if closes {
            return past_tag_end(bytes, lt + 2 + name.len());
        }
        at = lt + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn blocks_are_lines_and_cells_are_set_apart() {
        let html = "<div>Ref AB123456C</div><div>OFFICIAL-SENSITIVE</div>\
                    <table><tr><td>Karen Whitfield</td><td>07700900456</td></tr>\
                    <tr><td>one</td><td>two</td></tr></table><ul><li>first</li><li>second</li></ul>";
        assert_eq!(
            to_text(html),
            "Ref AB123456C\nOFFICIAL-SENSITIVE\nKaren Whitfield\t07700900456\none\ttwo\nfirst\nsecond"
        );
    }

    #[test]
    fn inline_elements_join_and_white_space_collapses() {
        assert_eq!(
            to_text(
                "<p>Meet  at <b>no</b>on\n &amp;&nbsp;bring&#160;it &#x263A; &unknown; a&b</p>"
            ),
            "Meet at noon & bring it \u{263a} &unknown; a&b"
        );
    }

    #[test]
    fn line_breaks_and_paragraphs() {
        assert_eq!(
            to_text("<p>one<br>two<br/><br>three</p><p>four</p>"),
            "one\ntwo\n\nthree\nfour"
        );
    }

    #[test]
    fn what_a_reader_never_sees_is_left_out() {
        let html = "<!DOCTYPE html><html><head><title>t</title><style>p{color:red}</style>\
                    </head><body><!-- a note --><script>var x = '<p>';</script>\
                    <p>shown</p><!--[if mso]><p>hidden</p><![endif]--></body></html>";
        assert_eq!(to_text(html), "shown");
    }

    #[test]
    fn a_quote_outside_a_value_does_not_run_the_tag_on() {
        // A quote after a value, not after an `=`, is part of the next attribute's name (found
        // by the fuzzer in a newsletter's table).
        assert_eq!(
            to_text(
                "<table cellspacing=\"0} cellpadding=\"0\" width=\"100%\"><tr><td>\nI know where you live\n<p class=\"title\">x</p>"
            ),
            "I know where you live\nx"
        );
        // Quoted values with `>` in them, and `=` before white space, still end where they end.
        assert_eq!(to_text("<a title=\"a > b\" href = 'x>y'>link</a>"), "link");
    }

    #[test]
    fn text_written_in_the_head_is_read() {
        // Browsers show it (text ends the head); it was left out with the head (found by the
        // fuzzer).
        assert_eq!(
            to_text("<html><head><title>t</title>\nI know where you live\n<body>hi</body>"),
            "I know where you live\nhi"
        );
        assert_eq!(
            to_text("<head><title>t</title>I know where you live</head><body>hi</body>"),
            "I know where you live\nhi"
        );
        assert_eq!(
            to_text(
                "<head><meta charset=\"utf-8\"><title>t</title><style>p{}</style></head><p>x</p>"
            ),
            "x"
        );
    }

    #[test]
    fn a_head_left_open_ends_where_the_body_begins() {
        assert_eq!(to_text("<head><title>t</title><body><p>shown</p>"), "shown");
    }

    #[test]
    fn hidden_elements_never_closed_are_read_as_text() {
        assert_eq!(to_text("<style>p{}<p>rest</p>"), "p{}\nrest");
    }

    #[test]
    fn blockquotes_are_quoted_by_prefix() {
        let html = "<div>Agreed, that is out of order.</div>\
                    <div>On Mon, Sam wrote:</div><blockquote type=\"cite\"><p>first line</p>\
                    <p>second</p><blockquote><p>older</p></blockquote></blockquote><p>after</p>";
        assert_eq!(
            to_text(html),
            "Agreed, that is out of order.\nOn Mon, Sam wrote:\n> first line\n> second\n> > older\nafter"
        );
    }

    #[test]
    fn outlook_header_blocks_become_lines() {
        let html = "<p class=MsoNormal>Thanks<o:p></o:p></p><div style='border:none;border-top:solid #E1E1E1 1.0pt'>\
            <p class=MsoNormal><b>From:</b> Lane, Sam &lt;sam.lane@force.police.uk&gt; <br><b>Sent:</b> 05 December 2026 10:00<br>\
            <b>To:</b> Price, Ada<br><b>Subject:</b> RE: rota</p></div><p>old text</p>";
        assert_eq!(
            to_text(html),
            "Thanks\nFrom: Lane, Sam <sam.lane@force.police.uk>\nSent: 05 December 2026 10:00\nTo: Price, Ada\nSubject: RE: rota\nold text"
        );
    }

    #[test]
    fn pre_keeps_its_white_space() {
        assert_eq!(
            to_text("<p>a</p><pre>col1   col2\nx      y</pre><p>b</p>"),
            "a\ncol1   col2\nx      y\nb"
        );
    }

    #[test]
    fn stray_markup_is_kept_as_text() {
        assert_eq!(to_text("a < b and c<d"), "a < b and c<d");
        assert_eq!(to_text("x <b class=\"y"), "x <b class=\"y");
        assert_eq!(to_text("<a title='>'>link</a> & more"), "link & more");
    }

    #[test]
    fn what_follows_an_unclosed_comment_is_read() {
        assert_eq!(
            to_text("<p>seen</p><!-- hidden <p>x</p>"),
            "seen\nhidden\nx"
        );
        assert_eq!(to_text("<p>seen</p><!-- a note --><p>x</p>"), "seen\nx");
    }

    proptest! {
        /// Text with no markup and no references comes through with its words whole and in
        /// order, only its white space collapsed.
        #[test]
        fn plain_text_keeps_its_words(text in "[a-zA-Z0-9 .,:;!?\n\t-]{0,200}") {
            let words: Vec<&str> = text.split_whitespace().collect();
            let out = to_text(&text);
            prop_assert_eq!(out.split_whitespace().collect::<Vec<_>>(), words);
        }

        /// Whatever the markup, words inside blocks are never joined to the words of another
        /// block, and nothing panics.
        #[test]
        fn words_of_separate_blocks_stay_apart(
            words in proptest::collection::vec("[a-z]{1,8}", 1..12),
            tags in proptest::collection::vec(prop_oneof![
                Just("div"), Just("p"), Just("td"), Just("li"), Just("tr"), Just("blockquote"),
                Just("h2"), Just("pre"),
            ], 1..12),
        ) {
            let html: String = words
                .iter()
                .zip(tags.iter().cycle())
                .map(|(w, t)| format!("<{t}>{w}</{t}>"))
                .collect();
            let out = to_text(&html);
            let seen: Vec<&str> = out
                .split(|c: char| c.is_whitespace() || c == '>')
                .filter(|w| !w.is_empty())
                .collect();
            prop_assert_eq!(seen, words.iter().map(String::as_str).collect::<Vec<_>>());
        }

        #[test]
        fn any_input_is_read_without_panic(text in any::<String>()) {
            let _ = to_text(&text);
        }

        #[test]
        fn markup_like_input_is_read_without_panic(text in "[<>/!&#;a-z'\" =-]{0,120}") {
            let _ = to_text(&text);
        }
    }
}
