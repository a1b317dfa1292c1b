//! Rich text as Outlook stores it in TNEF (`PR_RTF_COMPRESSED`): decompressed ([MS-OXRTFCP]) and
//! read as text, or, for HTML mail Outlook wrapped in RTF (`\fromhtml1`, [MS-OXRTFEX]), read back
//! to its HTML and then to text as mail bodies are.
//!
//! Both readers are bounded: the output of decompression is capped (by the size the header
//! declares and by the caller's limit), and the RTF reader keeps a group stack no deeper than
//! [`MAX_GROUP_DEPTH`] (deeper groups are read as text of the group around them). Binary data
//! (`\binN`, a picture's) is passed over. The pictures of an RTF attachment, and of the RTF body
//! of an Outlook message or a TNEF, are gathered by [`pictures`] for OCR.

use mail_parser::decoders::charsets::map::charset_decoder;

use super::pictures::{Format, Pictures};

/// The dictionary's first bytes ([MS-OXRTFCP] 3.1.3.1): what the compressor may refer back to
/// before it has written anything.
const PREBUF: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
const DICTIONARY: usize = 4096;
/// `LZFu`: compressed.
const COMPRESSED: u32 = 0x7546_5a4c;
/// `MELA`: stored as it is.
const UNCOMPRESSED: u32 = 0x414c_454d;

/// Decompresses `PR_RTF_COMPRESSED` into at most `max` bytes of RTF.
pub(super) fn decompress(data: &[u8], max: usize) -> Result<Vec<u8>, String> {
    let word = |at: usize| -> Option<u32> {
        let bytes = data.get(at..at + 4)?;
        Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    };
    let (Some(_size), Some(raw_size), Some(kind)) = (word(0), word(4), word(8)) else {
        return Err("the compressed RTF is shorter than its header".to_owned());
    };
    let body = data.get(16..).unwrap_or_default();
    let cap = (raw_size as usize).min(max);
    match kind {
        UNCOMPRESSED => Ok(body[..body.len().min(cap)].to_vec()),
        COMPRESSED => Ok(lzfu(body, cap)),
        other => Err(format!(
            "the RTF is compressed in an unknown way ({other:#010x})"
        )),
    }
}

/// The LZ77 variant of [MS-OXRTFCP]: a control byte, then for each of its bits (lowest first)
/// a literal byte (0) or a two-byte reference into a 4 KiB ring (1: 12 bits of offset, 4 of length
/// less two). A reference to where the next byte would be written ends the stream.
fn lzfu(body: &[u8], cap: usize) -> Vec<u8> {
    let mut ring = [0u8; DICTIONARY];
    ring[..PREBUF.len()].copy_from_slice(PREBUF);
    let mut write = PREBUF.len();
    let mut out = Vec::with_capacity(cap.min(1 << 20));
    let mut at = 0;
    'stream: while at < body.len() && out.len() < cap {
        let control = body[at];
        at += 1;
        for bit in 0..8 {
            if out.len() >= cap {
                break 'stream;
            }
            if control & (1 << bit) == 0 {
                let Some(&byte) = body.get(at) else {
                    break 'stream;
                };
                at += 1;
                out.push(byte);
                ring[write] = byte;
                write = (write + 1) % DICTIONARY;
            } else {
                let (Some(&high), Some(&low)) = (body.get(at), body.get(at + 1)) else {
                    break 'stream;
                };
                at += 2;
                let reference = u16::from_be_bytes([high, low]);
                let offset = usize::from(reference >> 4);
                let length = usize::from(reference & 0xf) + 2;
                if offset == write {
                    break 'stream;
                }
                for step in 0..length {
                    let byte = ring[(offset + step) % DICTIONARY];
                    out.push(byte);
                    ring[write] = byte;
                    write = (write + 1) % DICTIONARY;
                }
            }
        }
    }
    out.truncate(cap);
    out
}

/// Groups nested deeper than this are read as part of the group around them.
const MAX_GROUP_DEPTH: usize = 256;

/// Destinations that hold no text a reader sees.
const SKIPPED: [&str; 19] = [
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "themedata",
    "colorschememapping",
    "latentstyles",
    "datastore",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "filetbl",
    "revtbl",
    "fldinst",
    "mmathPr",
];

#[derive(Debug, Clone, Copy)]
struct Group {
    skip: bool,
    /// Characters to skip after a `\u` (`\ucN`).
    unicode_skip: usize,
    /// Inside `\htmlrtf` … `\htmlrtf0`: RTF-only text of an HTML message.
    html_rtf: bool,
    /// Inside `{\*\htmltag …}`: the HTML message's own markup.
    html_tag: bool,
}

impl Group {
    /// Whether text here is text the reader sees (for HTML-in-RTF: the HTML's own text and tags).
    fn shows(&self) -> bool {
        !self.skip && (!self.html_rtf || self.html_tag)
    }
}

/// The text of an RTF document; for Outlook's HTML-in-RTF, the HTML it wraps, read as text.
pub(super) fn to_text(rtf: &[u8]) -> String {
    let mut stack: Vec<Group> = Vec::new();
    let mut group = Group {
        skip: false,
        unicode_skip: 1,
        html_rtf: false,
        html_tag: false,
    };
    let mut from_html = false;
    let mut text: Vec<u8> = Vec::new();
    // Unicode characters (`\u`) are kept apart from 8-bit bytes until the end.
    let mut pieces: Vec<String> = Vec::new();
    let mut pending_skip = 0usize;
    // Set by `\*`: the group's destination is skipped unless it is one that is read.
    let mut ignorable = false;
    let mut at = 0;
    let flush = |text: &mut Vec<u8>, pieces: &mut Vec<String>| {
        if !text.is_empty() {
            pieces.push(windows_1252(text));
            text.clear();
        }
    };
    while at < rtf.len() {
        let byte = rtf[at];
        at += 1;
        match byte {
            b'{' => {
                if stack.len() < MAX_GROUP_DEPTH {
                    stack.push(group);
                }
                ignorable = false;
                group.html_tag = false;
            }
            b'}' => {
                if let Some(outer) = stack.pop() {
                    group = outer;
                }
                ignorable = false;
            }
            b'\\' => {
                let Some(&next) = rtf.get(at) else {
                    break;
                };
                if next.is_ascii_alphabetic() {
                    let start = at;
                    while rtf.get(at).is_some_and(u8::is_ascii_alphabetic) {
                        at += 1;
                    }
                    let word = std::str::from_utf8(&rtf[start..at]).unwrap_or_default();
                    let number_start = at;
                    if rtf.get(at) == Some(&b'-') {
                        at += 1;
                    }
                    while rtf.get(at).is_some_and(u8::is_ascii_digit) && at - number_start < 10 {
                        at += 1;
                    }
                    let number: Option<i64> = std::str::from_utf8(&rtf[number_start..at])
                        .ok()
                        .and_then(|n| n.parse().ok());
                    if rtf.get(at) == Some(&b' ') {
                        at += 1;
                    }
                    if word == "bin" {
                        // N bytes of binary data (a picture's): neither text nor RTF.
                        let length = number.and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
                        at = at.saturating_add(length).min(rtf.len());
                        continue;
                    }
                    if ignorable {
                        ignorable = false;
                        if word == "htmltag" {
                            group.html_tag = true;
                        } else {
                            group.skip = true;
                        }
                        continue;
                    }
                    if SKIPPED.contains(&word) {
                        group.skip = true;
                        continue;
                    }
                    match word {
                        "fromhtml" => from_html = true,
                        "htmlrtf" => group.html_rtf = number != Some(0),
                        "uc" => group.unicode_skip = number.unwrap_or(1).clamp(0, 8) as usize,
                        _ => {}
                    }
                    if !group.shows() {
                        continue;
                    }
                    let emit: Option<&str> = match word {
                        "par" | "line" | "sect" | "page" | "row" => Some("\n"),
                        "tab" | "cell" => Some("\t"),
                        "emdash" => Some("\u{2014}"),
                        "endash" => Some("\u{2013}"),
                        "bullet" => Some("\u{2022}"),
                        "lquote" => Some("\u{2018}"),
                        "rquote" => Some("\u{2019}"),
                        "ldblquote" => Some("\u{201c}"),
                        "rdblquote" => Some("\u{201d}"),
                        _ => None,
                    };
                    if let Some(emit) = emit {
                        flush(&mut text, &mut pieces);
                        pieces.push(emit.to_owned());
                    } else if word == "u"
                        && let Some(code) = number
                    {
                        let code = if code < 0 { code + 65536 } else { code };
                        if let Some(ch) = u32::try_from(code).ok().and_then(char::from_u32) {
                            flush(&mut text, &mut pieces);
                            pieces.push(ch.to_string());
                        }
                        pending_skip = group.unicode_skip;
                    }
                    continue;
                }
                at += 1;
                match next {
                    b'*' => ignorable = true,
                    b'\'' => {
                        let hex = rtf
                            .get(at..at + 2)
                            .and_then(|h| std::str::from_utf8(h).ok());
                        let value = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                        at += 2;
                        if let Some(value) = value {
                            if pending_skip > 0 {
                                pending_skip -= 1;
                            } else if group.shows() {
                                text.push(value);
                            }
                        }
                    }
                    b'~' if !group.skip => text.push(0xa0),
                    b'_' if !group.skip => text.push(b'-'),
                    b'\\' | b'{' | b'}' if group.shows() => text.push(next),
                    b'\r' | b'\n' if group.shows() => text.push(b'\n'),
                    _ => {}
                }
            }
            // Line breaks in RTF source are not text; nor are NUL padding or other controls.
            0x00..=0x1f | 0x7f => {}
            _ => {
                if pending_skip > 0 {
                    pending_skip -= 1;
                } else if group.shows() {
                    text.push(byte);
                }
            }
        }
    }
    flush(&mut text, &mut pieces);
    let read = pieces.concat();
    if from_html {
        crate::html::to_text(&read)
    } else {
        read.trim().to_owned()
    }
}

/// The pictures of an RTF document, added to `found`: each `{\pict …}` group's image, written
/// as hexadecimal digits or after `\binN` as N raw bytes, of the form its control words say
/// (`\pngblip`, `\jpegblip`, `\dibitmap`; metafiles and device-dependent bitmaps are counted as
/// not read). A picture Word writes twice, once for readers that know its form
/// (`{\*\shppict{\pict …}}`) and once as a metafile for those that do not (`{\nonshppict …}`),
/// is taken from the first. The image is gathered no larger than `found` has room for.
pub(super) fn pictures(rtf: &[u8], found: &mut Pictures) {
    let mut depth = 0usize;
    // The depth of the `\nonshppict` group being passed over.
    let mut alternative: Option<usize> = None;
    let mut picture: Option<Picture> = None;
    let mut at = 0;
    while at < rtf.len() {
        let byte = rtf[at];
        at += 1;
        match byte {
            b'{' => depth += 1,
            b'}' => {
                if let Some(ended) = picture.take_if(|picture| picture.depth == depth) {
                    ended.finish(found);
                }
                if alternative == Some(depth) {
                    alternative = None;
                }
                depth = depth.saturating_sub(1);
            }
            b'\\' => {
                let Some(&next) = rtf.get(at) else {
                    break;
                };
                if !next.is_ascii_alphabetic() {
                    // A control symbol; `\'hh` a character by its code.
                    at += if next == b'\'' { 3 } else { 1 };
                    continue;
                }
                let start = at;
                while rtf.get(at).is_some_and(u8::is_ascii_alphabetic) {
                    at += 1;
                }
                let word = &rtf[start..at];
                let number_start = at;
                if rtf.get(at) == Some(&b'-') {
                    at += 1;
                }
                while rtf.get(at).is_some_and(u8::is_ascii_digit) && at - number_start < 10 {
                    at += 1;
                }
                let number: Option<u64> = std::str::from_utf8(&rtf[number_start..at])
                    .ok()
                    .and_then(|n| n.parse().ok());
                if rtf.get(at) == Some(&b' ') {
                    at += 1;
                }
                match word {
                    b"nonshppict" if alternative.is_none() => alternative = Some(depth),
                    b"pict" if alternative.is_none() && picture.is_none() => {
                        picture = Some(Picture {
                            depth,
                            format: None,
                            data: Vec::new(),
                            nibble: None,
                            too_large: false,
                        });
                    }
                    b"bin" => {
                        let length = usize::try_from(number.unwrap_or(0)).unwrap_or(usize::MAX);
                        let end = at.saturating_add(length).min(rtf.len());
                        if let Some(picture) = open_at(&mut picture, depth) {
                            picture.extend(&rtf[at..end], found.room());
                        }
                        at = end;
                    }
                    _ => {
                        if let Some(picture) = open_at(&mut picture, depth)
                            && let Some(format) = picture_format(word)
                        {
                            picture.format = Some(format);
                        }
                    }
                }
            }
            _ => {
                if let Some(picture) = open_at(&mut picture, depth)
                    && let Some(value) = char::from(byte).to_digit(16)
                {
                    picture.push_hex(value as u8, found.room());
                }
            }
        }
    }
    if let Some(cut) = picture {
        cut.finish(found);
    }
}

/// The picture being read where its own group is the one at `depth` (not a group inside it).
fn open_at(picture: &mut Option<Picture>, depth: usize) -> Option<&mut Picture> {
    picture.as_mut().filter(|picture| picture.depth == depth)
}

/// The form of picture a control word in a `\pict` group names, if it names one.
fn picture_format(word: &[u8]) -> Option<Format> {
    match word {
        b"pngblip" | b"jpegblip" => Some(Format::File),
        b"dibitmap" => Some(Format::Dib),
        b"emfblip" | b"wmetafile" | b"macpict" | b"pmmetafile" | b"wbitmap" => Some(Format::Unread),
        _ => None,
    }
}

/// A `\pict` group being read.
struct Picture {
    /// The depth of its group.
    depth: usize,
    format: Option<Format>,
    data: Vec<u8>,
    /// The first digit of a byte whose second is to come.
    nibble: Option<u8>,
    /// Whether its data went past the room there was for it (the rest not gathered).
    too_large: bool,
}

impl Picture {
    fn push_hex(&mut self, value: u8, room: u64) {
        match self.nibble.take() {
            None => self.nibble = Some(value),
            Some(high) => self.extend(&[high << 4 | value], room),
        }
    }

    fn extend(&mut self, bytes: &[u8], room: u64) {
        if self.too_large {
            return;
        }
        if (self.data.len() + bytes.len()) as u64 > room {
            self.too_large = true;
            self.data = Vec::new();
            return;
        }
        self.data.extend_from_slice(bytes);
    }

    fn finish(self, found: &mut Pictures) {
        if self.too_large {
            found.leave_out();
            return;
        }
        if self.data.is_empty() {
            return;
        }
        let format = self.format.unwrap_or(Format::Unread);
        found.add(format, &self.data);
    }
}

/// 8-bit text from an Office file: UTF-8 where it is valid, windows-1252 otherwise (RTF's text,
/// an Outlook message's 8-bit properties).
pub(super) fn windows_1252(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => cp1252(bytes),
    }
}

/// Bytes read as windows-1252, whatever they hold (a Word 97 document's 8-bit pieces).
pub(super) fn cp1252(bytes: &[u8]) -> String {
    match charset_decoder(b"windows-1252") {
        Some(decode) => decode(bytes),
        None => bytes.iter().map(|&byte| char::from(byte)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_rtf_reads_as_its_text() {
        let rtf = br"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\colortbl;\red0\green0\blue0;}{\*\generator Riched20;}\f0\fs20 Nominal AB123456C\par you \'93stupid\'94 \b bitch\b0\tab end\par caf\u233?\par}";
        assert_eq!(
            to_text(rtf),
            "Nominal AB123456C\nyou \u{201c}stupid\u{201d} bitch\tend\ncaf\u{e9}"
        );
        // Decompressed RTF is padded with NULs after its last brace.
        let mut padded = rtf.to_vec();
        padded.extend_from_slice(b"\0\0\r\n");
        assert_eq!(to_text(&padded), to_text(rtf));
    }

    #[test]
    fn html_wrapped_in_rtf_reads_as_the_html() {
        let rtf = br"{\rtf1\ansi\fbidis\ansicpg1252\deff0\fromhtml1{\fonttbl{\f0 Arial;}}{\*\htmltag19 <html>}{\*\htmltag34 <body>}\htmlrtf {\htmlrtf0{\*\htmltag64 <div>}OFFICIAL-SENSITIVE{\*\htmltag72 </div>}{\*\htmltag64 <div>}the list\htmlrtf\par\htmlrtf0{\*\htmltag72 </div>}}\htmlrtf}{\*\htmltag27 </body>}{\*\htmltag27 </html>}}";
        assert_eq!(to_text(rtf), "OFFICIAL-SENSITIVE\nthe list");
    }

    #[test]
    fn stored_rtf_is_returned_and_damaged_headers_are_errors() {
        let mut data = Vec::new();
        data.extend_from_slice(&20u32.to_le_bytes());
        data.extend_from_slice(&8u32.to_le_bytes());
        data.extend_from_slice(&UNCOMPRESSED.to_le_bytes());
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(b"{\\rtf1 hi}");
        assert_eq!(decompress(&data, 100).unwrap(), b"{\\rtf1 h");
        assert!(decompress(&data[..10], 100).is_err());
        data[8] = 0;
        assert!(decompress(&data, 100).is_err());
    }

    /// Compresses with literals only but for one reference into the prebuffer, as a compressor
    /// would for text that begins like it.
    #[test]
    fn references_read_from_the_prebuffer_and_the_output() {
        // "{\rtf1" is the prebuffer's first 6 bytes: offset 0, length 6 (4 + 2).
        let mut body = vec![0b0000_0001, 0x00, 0x04];
        body.extend_from_slice(b" hi}\0\0\0");
        // Then a reference to "hi" just written (at 207 + 6 + 1 = 214), length 2, and the end:
        // a reference to the write position (207 + 6 + 7 + 2 = 222 after the copy).
        body.push(0b0000_0011);
        body.extend_from_slice(&(214u16 << 4).to_be_bytes());
        body.extend_from_slice(&(222u16 << 4).to_be_bytes());
        let mut data = Vec::new();
        data.extend_from_slice(&((body.len() + 12) as u32).to_le_bytes());
        data.extend_from_slice(&100u32.to_le_bytes());
        data.extend_from_slice(&COMPRESSED.to_le_bytes());
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&body);
        let out = decompress(&data, 1000).unwrap();
        assert_eq!(&out[..], b"{\\rtf1 hi}\0\0\0hi");
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// Word's way: the PNG in `\shppict`, hexadecimal, in lines, after a group of properties
    /// that has digits of its own, and a metafile copy in `\nonshppict` passed over; a JPEG
    /// after `\bin`, whose bytes hold braces and backslashes; a DIB; a metafile alone.
    #[test]
    fn pictures_are_read_from_hex_and_binary_data() {
        let png = super::super::pictures::tests::png(100, 50);
        let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0{\\}";
        let png_hex = hex(&png);
        let (first, second) = png_hex.split_at(10);
        let mut rtf = format!(
            "{{\\rtf1\\ansi See the screen below.\\par {{\\*\\shppict{{\\pict{{\\*\\picprop{{\\sp{{\\sn wzName}}{{\\sv 1234}}}}}}\\picw100\\pich50\\pngblip\r\n{first}\r\n{second}}}}}{{\\nonshppict{{\\pict\\wmetafile8 0100090000}}}}\\par {{\\pict\\jpegblip\\bin{} ",
            jpeg.len()
        )
        .into_bytes();
        rtf.extend_from_slice(jpeg);
        rtf.extend_from_slice(b"}Between.\\par {\\pict\\emfblip 01000000}{\\pict\\wbitmap0 ffff}");
        rtf.extend_from_slice(b"{\\pict\\pngblip 0102}");
        let dib = super::super::pictures::tests::dib();
        rtf.extend_from_slice(format!("{{\\pict\\dibitmap0 {}}}}}", hex(&dib)).as_bytes());
        let mut found = Pictures::new(1 << 20);
        pictures(&rtf, &mut found);
        assert_eq!(found.images().len(), 3);
        assert_eq!(found.images()[..2], [png.clone(), jpeg.to_vec()]);
        assert_eq!(found.images()[2][14..], dib);
        // The EMF, the device-dependent bitmap and the damaged PNG; the metafile copy not.
        assert_eq!(found.not_kept(), (3, 0));
        // The binary data is not text, and hides none.
        assert_eq!(to_text(&rtf), "See the screen below.\n\nBetween.");

        // A picture larger than the room there is is left out, and a group cut short read.
        let mut small = Pictures::new(png.len() as u64 - 1);
        pictures(&rtf, &mut small);
        assert_eq!(small.images()[0], jpeg);
        assert_eq!(small.images().len(), 1);
        assert_eq!(small.not_kept(), (3, 2));
        let cut = format!("{{\\rtf1{{\\pict\\pngblip {}", hex(&png));
        let mut found = Pictures::new(1 << 20);
        pictures(cut.as_bytes(), &mut found);
        assert_eq!(found.images(), [png]);
    }

    /// A picture's binary data (`\binN`) is passed over, whatever bytes it holds.
    #[test]
    fn binary_data_is_passed_over() {
        let rtf = b"{\\rtf1 Before.\\par {\\pict\\jpegblip\\bin6 }{\\par}After.}";
        assert_eq!(to_text(rtf), "Before.\nAfter.");
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_without_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = to_text(&bytes);
            let _ = decompress(&bytes, 1000);
            pictures(&bytes, &mut Pictures::new(1000));
        }
    }
}
