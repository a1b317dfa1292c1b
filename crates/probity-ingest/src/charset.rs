//! Charset decisions that mail-parser leaves to its caller.
//!
//! mail-parser decodes text in the charset a part declares, and that is right for almost every
//! charset. UTF-16 declared without a byte order (`charset=utf-16`, `ucs-2`, `unicode`) over bytes
//! without a byte-order mark is the exception: mail-parser reads it as little-endian, while
//! RFC 2781 (section 4.3) says such text is big-endian. Text read in the wrong order comes out as
//! CJK characters, which no policy or sealing cue can read, and no label said so. Windows, though,
//! writes UTF-16 little-endian, often without a mark: such text is recognised by its letters
//! (both readings are weighed, [`looks_little_endian`]), read little-endian, and marked as a
//! guess.
//!
//! Header fields are another: RFC 5322 headers are ASCII (RFC 2047 encodes the rest), but many
//! mailers write raw 8-bit Latin-1 or windows-1252 (`Subject: caf\xe9`), and mail-parser reads
//! header bytes as UTF-8, replacing what is not with U+FFFD. Such lines are read as windows-1252
//! instead, as most mail readers do: the message's own header block before it is parsed, and the
//! header blocks of its parts (an attachment's `filename=`) where a first parse finds them.

use std::char::{REPLACEMENT_CHARACTER, decode_utf16};
use std::ops::Range;

use mail_parser::decoders::charsets::map::charset_decoder;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

const UTF16_LE_BOM: [u8; 2] = [0xff, 0xfe];
const UTF16_BE_BOM: [u8; 2] = [0xfe, 0xff];

/// Whether a charset is UTF-16 or UTF-32 (UCS-2, UCS-4), in any of its names.
pub(crate) fn is_wide(charset: &str) -> bool {
    let lower = charset.to_ascii_lowercase();
    [
        "utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4", "ucs4",
    ]
    .iter()
    .any(|name| lower.starts_with(name))
        || is_utf16_without_order(charset)
}

/// The bytes as text where a part declares UTF-16 or UTF-32 over what is UTF-8 instead: at least
/// eight bytes, almost no NUL (UTF-16 and UTF-32 write one in every space, line end and ASCII
/// letter), and UTF-8 but for a stray byte or two (UTF-16 of other scripts is not: its code
/// units fall on lead and continuation bytes at random). A NUL or a byte that is not UTF-8 is
/// allowed once, and once more in every 100 bytes, so that one stray byte does not send the
/// whole text to CJK characters; NULs are taken out, and bytes that are not UTF-8 replaced.
/// More NULs are allowed where they are in a few lines only ([`mostly_clean_lines`]): text with a
/// stretch of UTF-16 pasted into it (a quoted part) is not read whole as UTF-16.
pub(crate) fn utf8_misdeclared_wide(bytes: &[u8]) -> Option<String> {
    if bytes.len() < 8 {
        return None;
    }
    let allowed = 1 + bytes.len() / 100;
    let nuls = memchr::memchr_iter(0, bytes).count();
    let mut strays = nuls;
    if nuls > allowed {
        if !mostly_clean_lines(bytes) {
            return None;
        }
        strays = 0;
    }
    let mut rest = bytes;
    while let Err(error) = std::str::from_utf8(rest) {
        strays += 1;
        if strays > allowed {
            return None;
        }
        let skip = error.valid_up_to()
            + error
                .error_len()
                .unwrap_or(rest.len() - error.valid_up_to());
        rest = rest.get(skip..).unwrap_or_default();
    }
    let text = String::from_utf8_lossy(bytes);
    Some(if text.contains('\0') {
        text.replace('\0', "")
    } else {
        text.into_owned()
    })
}

/// Whether lines with no NUL and no control byte (but tab, carriage return and form feed) hold
/// three quarters of `bytes` or more. UTF-16 and UTF-32 write a NUL or a control byte in almost
/// every line: ASCII letters and spaces as a NUL and the letter, Cyrillic, Greek and most other
/// alphabets as a control byte (their block, `0x04` for Cyrillic) and the letter.
fn mostly_clean_lines(bytes: &[u8]) -> bool {
    let clean: usize = bytes
        .split(|b| *b == b'\n')
        .filter(|line| {
            !line
                .iter()
                .any(|b| *b < 0x20 && !matches!(b, b'\t' | b'\r' | 0x0c))
        })
        .map(|line| line.len() + 1)
        .sum();
    clean.saturating_mul(4) >= bytes.len().saturating_mul(3)
}

/// Whether `charset` names UTF-16 without saying its byte order (so a byte-order mark, or else
/// RFC 2781's big-endian default, decides it). `utf-16le`, `utf-16be` and `unicodefffe` say theirs.
pub(crate) fn is_utf16_without_order(charset: &str) -> bool {
    let name: String = charset
        .trim()
        .chars()
        .map(|c| match c {
            '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    matches!(
        name.as_str(),
        "utf_16"
            | "utf16"
            | "ucs_2"
            | "ucs2"
            | "unicode"
            | "unicodefeff"
            | "csunicode"
            | "csutf16"
            | "iso_10646_ucs_2"
    )
}

/// Text decoded from UTF-16 whose byte order was not declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Utf16Text {
    pub text: String,
    /// Read little-endian without a byte-order mark, against RFC 2781, because the bytes make far
    /// likelier text that way ([`looks_little_endian`]).
    pub guessed_little_endian: bool,
    /// The text may not be what was sent: the order was guessed, an odd byte was left over, or
    /// unpaired surrogates were replaced.
    pub doubtful: bool,
}

/// `bytes` as UTF-16 in the order its byte-order mark gives (the mark removed); without one,
/// big-endian as RFC 2781 says, unless the bytes are plainly little-endian text (Windows writes
/// UTF-16 without a mark, little-endian; [`looks_little_endian`]). That guess is marked doubtful,
/// as is any loss.
pub(crate) fn decode_utf16_without_order(bytes: &[u8]) -> Utf16Text {
    let (body, little_endian, guessed) = match bytes.first_chunk::<2>() {
        Some(&UTF16_BE_BOM) => (bytes.get(2..).unwrap_or_default(), false, false),
        Some(&UTF16_LE_BOM) => (bytes.get(2..).unwrap_or_default(), true, false),
        _ => {
            let little_endian = looks_little_endian(bytes);
            (bytes, little_endian, little_endian)
        }
    };
    let (pairs, rest) = body.as_chunks::<2>();
    let mut replaced = false;
    let text: String = decode_utf16(units(pairs, little_endian))
        .map(|unit| {
            unit.unwrap_or_else(|_| {
                replaced = true;
                REPLACEMENT_CHARACTER
            })
        })
        .collect();
    Utf16Text {
        text,
        guessed_little_endian: guessed,
        doubtful: guessed || replaced || !rest.is_empty(),
    }
}

/// The code units of `pairs` in one byte order.
fn units(pairs: &[[u8; 2]], little_endian: bool) -> impl Iterator<Item = u16> + Clone + '_ {
    pairs.iter().map(move |&pair| {
        if little_endian {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    })
}

/// The message with the lines of its header block (up to the first empty line) that are not valid
/// UTF-8 rewritten from windows-1252 (of which Latin-1 is a part) to UTF-8; none when every header
/// line is UTF-8 already (the usual case: the check is one pass over the header block). The body
/// is left as it is, for its part's charset to decode.
pub(crate) fn header_block_as_utf8(message: &[u8]) -> Option<Vec<u8>> {
    let header_block = 0..header_block_end(message);
    lines_as_utf8(message, std::slice::from_ref(&header_block))
}

/// The message with the lines within `ranges` (the header blocks of its MIME parts, found by a
/// first parse) that are not valid UTF-8 rewritten from windows-1252 to UTF-8, as
/// [`header_block_as_utf8`] does for the message's own header block; none when all are UTF-8.
/// Everything outside the ranges, the parts' bodies among it, is left byte for byte. Ranges that
/// overlap or reach past the message are taken as far as they go.
pub(crate) fn lines_as_utf8(message: &[u8], ranges: &[Range<usize>]) -> Option<Vec<u8>> {
    let mut ranges: Vec<Range<usize>> = ranges
        .iter()
        .map(|range| range.start.min(message.len())..range.end.min(message.len()))
        .filter(|range| {
            message
                .get(range.clone())
                .is_some_and(|bytes| std::str::from_utf8(bytes).is_err())
        })
        .collect();
    if ranges.is_empty() {
        return None;
    }
    ranges.sort_by_key(|range| range.start);
    let decoder = charset_decoder(b"windows-1252")?;
    let mut out = Vec::with_capacity(message.len() + message.len() / 16);
    let mut copied = 0;
    for range in ranges {
        let start = range.start.max(copied);
        if range.end <= start {
            continue;
        }
        out.extend_from_slice(message.get(copied..start).unwrap_or_default());
        let lines = message.get(start..range.end).unwrap_or_default();
        for line in lines.split_inclusive(|&byte| byte == b'\n') {
            if std::str::from_utf8(line).is_ok() {
                out.extend_from_slice(line);
            } else {
                out.extend_from_slice(decoder(line).as_bytes());
            }
        }
        copied = range.end;
    }
    out.extend_from_slice(message.get(copied..).unwrap_or_default());
    Some(out)
}

/// Where the header block ends: after the line break that precedes the first empty line (`\n\n` or
/// `\n\r\n`), else the whole input.
fn header_block_end(message: &[u8]) -> usize {
    let mut line_start = 0;
    for line in message.split_inclusive(|&byte| byte == b'\n') {
        if line == b"\n" || line == b"\r\n" {
            return line_start;
        }
        line_start += line.len();
    }
    message.len()
}

/// How many code units are weighed to tell the byte order: enough for any text to show its
/// script, few enough that a long body costs no more than a short one to judge.
const ORDER_SAMPLE_UNITS: usize = 4096;

/// How much likelier, as [`Unlikeliness::score`] weighs it, the little-endian reading must be for
/// it to be taken: more than a single distinct high byte, so that readings that weigh the same or
/// nearly (a few ideographs, which read as other ideographs either way) stay big-endian.
const LITTLE_ENDIAN_MARGIN: usize = 2;

/// Whether UTF-16 without a byte-order mark reads as clearly likelier text little-endian than
/// big-endian. The bytes are read both ways and each reading weighed ([`Unlikeliness`]): text in
/// any script keeps to one or two Unicode blocks and to one high byte, or a few, in its code units,
/// with the low byte varying from letter to letter, while the same bytes in the other order put the
/// varying byte high, so that the letters scatter over blocks, often onto private-use, unassigned
/// or surrogate code points. Big-endian, RFC 2781's default, is kept unless the little-endian
/// reading is clearly the likelier; where the two weigh the same (one letter, `я` against the
/// ideograph `伄`, or a few ideographs) nothing tells them apart.
fn looks_little_endian(bytes: &[u8]) -> bool {
    let (pairs, _) = bytes.as_chunks::<2>();
    let sample = pairs.get(..ORDER_SAMPLE_UNITS).unwrap_or(pairs);
    let big = Unlikeliness::of(units(sample, false)).score();
    let little = Unlikeliness::of(units(sample, true)).score();
    little.saturating_add(LITTLE_ENDIAN_MARGIN) < big
}

/// What makes a reading of UTF-16 code units unlikely as text. Each count is small for text read
/// in its own order and grows with the number of distinct letters read in the other.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Unlikeliness {
    /// Code points that text does not hold: unpaired surrogates, unassigned code points and
    /// noncharacters, private use, and control characters other than tab, line feed, form feed
    /// and carriage return.
    impossible: usize,
    /// Distinct Unicode blocks, near enough ([`block_of`]).
    blocks: usize,
    /// Distinct high bytes of the code units.
    high_bytes: usize,
    /// Characters in the large blocks of ideographs, syllables and private use.
    in_large_blocks: usize,
}

impl Unlikeliness {
    fn of(units: impl Iterator<Item = u16> + Clone) -> Self {
        let mut high = [false; 256];
        for unit in units.clone() {
            high[usize::from(unit >> 8)] = true;
        }
        let mut blocks = std::collections::BTreeSet::new();
        let mut impossible = 0usize;
        let mut in_large_blocks = 0usize;
        for unit in decode_utf16(units) {
            let Ok(ch) = unit else {
                impossible += 1;
                continue;
            };
            impossible += usize::from(is_not_text(ch));
            let block = block_of(ch);
            in_large_blocks += usize::from(block.large);
            blocks.insert(block.first);
        }
        Self {
            impossible,
            blocks: blocks.len(),
            high_bytes: high.iter().filter(|&&seen| seen).count(),
            in_large_blocks,
        }
    }

    /// Lower is likelier. A code point that text does not hold weighs most. A block, and less a
    /// high byte, are each one more sign that the varying byte of the code units is read high
    /// (the high bytes tell the order of text that keeps to one block, ideographs read as
    /// ideographs, Latin letters read as ideographs). Least, a character of a block of thousands
    /// is a little less likely than one of a block of a hundred or two.
    fn score(&self) -> usize {
        self.impossible
            .saturating_mul(8)
            .saturating_add(self.blocks.saturating_mul(4))
            .saturating_add(self.high_bytes.saturating_mul(2))
            .saturating_add(self.in_large_blocks)
    }
}

/// A code point that no text holds: unassigned (noncharacters among them), private use, a lone
/// surrogate, or a control character other than the line and page breaks and tab.
fn is_not_text(ch: char) -> bool {
    match ch.general_category() {
        GeneralCategory::Unassigned | GeneralCategory::PrivateUse | GeneralCategory::Surrogate => {
            true
        }
        GeneralCategory::Control => !matches!(ch, '\t' | '\n' | '\x0c' | '\r'),
        _ => false,
    }
}

/// The blocks of ideographs, syllables and private use that span many 256-code-point pages, as
/// first and last code points.
const LARGE_BLOCKS: [(u32, u32); 7] = [
    (0x3400, 0x4dbf),    // CJK Unified Ideographs Extension A
    (0x4e00, 0x9fff),    // CJK Unified Ideographs
    (0xa000, 0xa4cf),    // Yi Syllables and Radicals
    (0xac00, 0xd7af),    // Hangul Syllables
    (0xe000, 0xf8ff),    // Private Use Area
    (0x20000, 0x3ffff),  // the Supplementary and Tertiary Ideographic Planes
    (0xf0000, 0x10ffff), // the Supplementary Private Use Areas
];

/// The block a code point falls in, near enough to count a text's blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    /// Its first code point.
    first: u32,
    /// One of [`LARGE_BLOCKS`].
    large: bool,
}

/// One of the large blocks, or else the code point's 256-code-point page (most blocks are a page
/// or half of one, and a script's letters keep to one or two).
fn block_of(ch: char) -> Block {
    let code = u32::from(ch);
    match LARGE_BLOCKS
        .iter()
        .find(|(first, last)| (*first..=*last).contains(&code))
    {
        Some(&(first, _)) => Block { first, large: true },
        None => Block {
            first: code & !0xff,
            large: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn be(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    fn le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn raw_8bit_header_lines_are_read_as_windows_1252() {
        let message = b"From: Jos\xe9 <j@x.org>\r\nSubject: caf\xe9 \x93menu\x94\r\nX-Ok: na\xc3\xafve\r\n\r\nbody caf\xe9\r\n";
        let got = header_block_as_utf8(message).unwrap();
        let headers = "From: Jos\u{e9} <j@x.org>\r\nSubject: caf\u{e9} \u{201c}menu\u{201d}\r\nX-Ok: na\u{ef}ve\r\n";
        let expected = [headers.as_bytes(), b"\r\nbody caf\xe9\r\n"].concat();
        assert_eq!(got, expected);
        // UTF-8 headers, and 8-bit bytes only in the body, are left alone.
        assert_eq!(
            header_block_as_utf8(b"Subject: caf\xc3\xa9\n\nbody \xe9\n"),
            None
        );
        assert_eq!(header_block_as_utf8(b"Subject: plain\n"), None);
    }

    #[test]
    fn names_without_an_order() {
        for name in [
            "utf-16",
            "UTF-16",
            " utf16 ",
            "UCS-2",
            "unicode",
            "csUnicode",
        ] {
            assert!(is_utf16_without_order(name), "{name}");
        }
        for name in ["utf-16le", "UTF-16BE", "utf-8", "unicodefffe", "latin1", ""] {
            assert!(!is_utf16_without_order(name), "{name}");
        }
    }

    #[test]
    fn utf8_under_a_wide_charset_is_told_apart_from_utf16() {
        let text = "I will find you tonight, caf\u{e9}.\n";
        assert_eq!(
            utf8_misdeclared_wide(text.as_bytes()).as_deref(),
            Some(text)
        );
        // A stray byte (a mutation, a damaged copy) does not make it UTF-16; nor does a NUL.
        let mut stray = text.as_bytes().to_vec();
        stray.push(0xfe);
        assert_eq!(
            utf8_misdeclared_wide(&stray).as_deref(),
            Some(format!("{text}\u{fffd}").as_str())
        );
        let nul = [b"\0".as_slice(), text.as_bytes()].concat();
        assert_eq!(utf8_misdeclared_wide(&nul).as_deref(), Some(text));
        // Nor a stretch of UTF-16 inside it (a part quoted in another's text): it is read with
        // its NULs taken out.
        let quoted: Vec<u8> = "Content-Type: text/plain\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let text = "I will find you tonight.\n".repeat(8);
        let mixed = [text.as_bytes(), &[0xff, 0xfe], &quoted, text.as_bytes()].concat();
        let read = utf8_misdeclared_wide(&mixed).unwrap_or_default();
        assert!(
            read.contains("\u{fffd}\u{fffd}Content-Type: text/plain\nI will"),
            "{read}"
        );
        // UTF-16 is not: of letters and spaces, it is half NULs; of CJK with none, not UTF-8.
        assert_eq!(utf8_misdeclared_wide(&be("hello world")), None);
        assert_eq!(
            utf8_misdeclared_wide(&be("\u{4e2d}\u{6587}\u{6d4b}\u{8bd5}\u{5185}\u{5bb9}")),
            None
        );
        assert_eq!(
            utf8_misdeclared_wide(&be("\u{4e00}\u{4e0a}\u{4e00}\u{4e0a}\u{4e00}")),
            None
        );
    }

    #[test]
    fn no_mark_means_big_endian() {
        let got = decode_utf16_without_order(&be("I was diagnosed with asthma\n"));
        assert_eq!(got.text, "I was diagnosed with asthma\n");
        assert!(!got.doubtful);
        // Text outside ASCII too.
        let got = decode_utf16_without_order(&be("Привет, мир"));
        assert_eq!(got.text, "Привет, мир");
        assert!(!got.doubtful);
    }

    #[test]
    fn a_mark_decides_the_order() {
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(le("hello"));
        let got = decode_utf16_without_order(&bytes);
        assert_eq!(got.text, "hello");
        assert!(!got.doubtful);
        let mut bytes = vec![0xfe, 0xff];
        bytes.extend(be("hello"));
        assert_eq!(decode_utf16_without_order(&bytes).text, "hello");
    }

    #[test]
    fn plain_little_endian_text_is_read_and_marked_doubtful() {
        let got = decode_utf16_without_order(&le("meet me at the station"));
        assert_eq!(got.text, "meet me at the station");
        assert!(got.doubtful);
    }

    #[test]
    fn losses_are_marked_doubtful() {
        // An unpaired high surrogate in big-endian text. (Alone, `[0xd8, 0x00, 0x00, 0x41]`
        // reads better little-endian, as `Ø䄀`.)
        let bytes = [be("Hello "), vec![0xd8, 0x00], be(" world")].concat();
        let got = decode_utf16_without_order(&bytes);
        assert_eq!(got.text, "Hello \u{fffd} world");
        assert!(got.doubtful);
        assert!(!got.guessed_little_endian);
        // An odd byte left over.
        let got = decode_utf16_without_order(&[0x00, 0x41, 0x00]);
        assert_eq!(got.text, "A");
        assert!(got.doubtful);
    }

    /// The letters of one script each, as inclusive ranges of code points.
    const SCRIPTS: &[(&str, &[(u32, u32)])] = &[
        ("Latin", &[(0x61, 0x7a), (0x41, 0x5a)]),
        (
            "Latin with accents",
            &[(0x61, 0x7a), (0xe0, 0xf6), (0xf8, 0xff), (0x100, 0x17f)],
        ),
        (
            "Cyrillic",
            &[(0x410, 0x44f), (0x401, 0x401), (0x451, 0x451)],
        ),
        ("Greek", &[(0x391, 0x3a1), (0x3a3, 0x3a9), (0x3b1, 0x3c9)]),
        ("Arabic", &[(0x621, 0x63a), (0x641, 0x64a)]),
        (
            "Persian",
            &[
                (0x621, 0x63a),
                (0x641, 0x64a),
                (0x67e, 0x67e),
                (0x686, 0x686),
                (0x6af, 0x6af),
                (0x6cc, 0x6cc),
            ],
        ),
        ("Hebrew", &[(0x5d0, 0x5ea)]),
        ("Armenian", &[(0x531, 0x556), (0x561, 0x586)]),
        ("Georgian", &[(0x10d0, 0x10fa)]),
        ("Devanagari", &[(0x905, 0x939), (0x93e, 0x94c)]),
        ("Thai", &[(0xe01, 0xe2e)]),
        ("Han", &[(0x4e00, 0x9fff)]),
        ("Hiragana", &[(0x3041, 0x3096)]),
        ("Katakana", &[(0x30a1, 0x30fa)]),
        ("Hangul", &[(0xac00, 0xd7a3)]),
    ];

    /// The letter of `ranges` that `pick` falls on, counting round.
    fn letter(ranges: &[(u32, u32)], pick: u32) -> char {
        let total: u32 = ranges.iter().map(|(first, last)| last - first + 1).sum();
        let mut n = pick % total;
        for (first, last) in ranges {
            let size = last - first + 1;
            if n < size {
                return char::from_u32(first + n).unwrap();
            }
            n -= size;
        }
        unreachable!("n < total")
    }

    /// Text in one script: letters, with a space or a mark between some of them.
    fn one_script_text() -> impl Strategy<Value = (&'static str, String)> {
        let letters = proptest::collection::vec((any::<u32>(), 0..12usize), 16..80);
        (0..SCRIPTS.len(), letters).prop_map(|(script, letters)| {
            let (name, ranges) = SCRIPTS[script];
            let mut text = String::new();
            for (index, (pick, gap)) in letters.into_iter().enumerate() {
                if index > 0
                    && let Some(gap) = [" ", " ", " ", ", ", ". ", "\n"].get(gap)
                {
                    text.push_str(gap);
                }
                text.push(letter(ranges, pick));
            }
            (name, text)
        })
    }

    #[test]
    fn little_endian_text_in_any_script_is_read_as_such_and_marked() {
        let samples = [
            "Меня зовут Иван, я живу в Москве.",
            "Η αστυνομία ερευνά την υπόθεση.",
            "أرسلت لك الملف أمس، هل وصلك؟",
            "请不要把这个文件发给任何人。",
            "この書類は誰にも見せないでください。",
            "이 파일은 아무에게도 보내지 마세요.",
            "אל תשלח את הקובץ הזה לאף אחד",
            "कृपया यह फ़ाइल किसी को न भेजें।",
            "กรุณาอย่าส่งไฟล์นี้ให้ใคร",
            "Zażółć gęślą jaźń, już dziś.",
            "Встреча в 10:30 — не опаздывай! 🙂",
        ];
        for text in samples {
            let got = decode_utf16_without_order(&le(text));
            assert_eq!(got.text, text);
            assert!(got.guessed_little_endian, "{text}");
            assert!(got.doubtful, "{text}");
            let got = decode_utf16_without_order(&be(text));
            assert_eq!(got.text, text);
            assert!(!got.guessed_little_endian, "{text}");
            assert!(!got.doubtful, "{text}");
        }
    }

    #[test]
    fn even_evidence_stays_big_endian() {
        // One letter, or one repeated: `я` (U+044F) little-endian is the ideograph U+4F04
        // big-endian, and nothing says which was meant.
        for text in ["я", "яяяя", "\u{4f04}"] {
            let got = decode_utf16_without_order(&be(text));
            assert_eq!(got.text, text);
            assert!(!got.doubtful);
        }
        assert_eq!(decode_utf16_without_order(&le("я")).text, "\u{4f04}");
        assert_eq!(decode_utf16_without_order(&[]).text, "");
    }

    proptest! {
        /// Text in one script, written without a byte-order mark in either order, reads back
        /// whole: big-endian as it is, little-endian by its letters (and marked as a guess).
        #[test]
        fn one_script_text_reads_back_in_either_order((script, text) in one_script_text()) {
            let got = decode_utf16_without_order(&be(&text));
            prop_assert_eq!(&got.text, &text, "{} big-endian", script);
            prop_assert!(!got.doubtful);
            let got = decode_utf16_without_order(&le(&text));
            prop_assert_eq!(&got.text, &text, "{} little-endian", script);
            prop_assert!(got.guessed_little_endian && got.doubtful);
        }

        /// Any text written big-endian without a mark, or with either mark, reads back whole.
        #[test]
        fn round_trips(text in "\\PC{0,60}") {
            let got = decode_utf16_without_order(&be(&text));
            if !got.doubtful {
                prop_assert_eq!(&got.text, &text);
            }
            let mut marked = vec![0xff, 0xfe];
            marked.extend(le(&text));
            let got = decode_utf16_without_order(&marked);
            prop_assert_eq!(&got.text, &text);
            prop_assert!(!got.doubtful);
        }

        /// Whatever the header bytes, the header block comes out as UTF-8 with its line breaks
        /// where they were, and the body byte for byte as it was.
        #[test]
        fn header_blocks_come_out_as_utf8(
            lines in proptest::collection::vec(proptest::collection::vec(any::<u8>().prop_filter("no line break", |b| *b != b'\n'), 1..30), 0..8),
            body in proptest::collection::vec(any::<u8>(), 0..60),
        ) {
            let mut message = Vec::new();
            for line in &lines {
                message.extend_from_slice(line);
                message.push(b'\n');
            }
            let header_end = header_block_end(&message);
            message.extend_from_slice(b"\n");
            message.extend_from_slice(&body);
            match header_block_as_utf8(&message) {
                None => prop_assert!(std::str::from_utf8(&message[..header_end]).is_ok()),
                Some(out) => {
                    let out_end = header_block_end(&out);
                    prop_assert!(std::str::from_utf8(&out[..out_end]).is_ok());
                    prop_assert_eq!(
                        out[..out_end].iter().filter(|&&b| b == b'\n').count(),
                        message[..header_end].iter().filter(|&&b| b == b'\n').count()
                    );
                    prop_assert_eq!(&out[out_end..], &message[header_end..]);
                }
            }
        }

        /// Whatever the bytes and the ranges (overlapping, empty, past the end), the bytes before
        /// the first range that is rewritten and after the last are as they were, the line breaks
        /// where they were, and the whole is UTF-8 when one range covers it.
        #[test]
        fn lines_within_ranges_come_out_as_utf8(
            message in proptest::collection::vec(any::<u8>(), 0..200),
            ranges in proptest::collection::vec((0..240usize, 0..60usize), 0..6),
            whole in any::<bool>(),
        ) {
            let mut ranges: Vec<Range<usize>> =
                ranges.into_iter().map(|(start, len)| start..start + len).collect();
            if whole {
                ranges.push(0..message.len());
            }
            let touched: Vec<Range<usize>> = ranges
                .iter()
                .map(|range| range.start.min(message.len())..range.end.min(message.len()))
                .filter(|range| std::str::from_utf8(&message[range.clone()]).is_err())
                .collect();
            match lines_as_utf8(&message, &ranges) {
                None => prop_assert!(touched.is_empty()),
                Some(out) => {
                    let first = touched.iter().map(|range| range.start).min().unwrap_or(0);
                    let last = touched.iter().map(|range| range.end).max().unwrap_or(0);
                    prop_assert_eq!(&out[..first], &message[..first]);
                    prop_assert_eq!(&out[out.len() - (message.len() - last)..], &message[last..]);
                    prop_assert_eq!(
                        out.iter().filter(|&&b| b == b'\n').count(),
                        message.iter().filter(|&&b| b == b'\n').count()
                    );
                    if whole {
                        prop_assert!(std::str::from_utf8(&out).is_ok());
                    }
                }
            }
        }

        /// Arbitrary bytes never panic, and a clean result re-encodes to the bytes read.
        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let got = decode_utf16_without_order(&bytes);
            if !got.doubtful && !bytes.starts_with(&UTF16_LE_BOM) && !bytes.starts_with(&UTF16_BE_BOM) {
                prop_assert_eq!(be(&got.text), bytes);
            }
        }
    }
}
