//! Text outside a multipart's parts: its preamble (before the first delimiter line) and its
//! epilogue (after the last).
//!
//! RFC 2046 says to ignore both, and mail-parser does; but they are in the message as sent, some
//! mail clients show them, and a sender can write there what the parts do not say. Mailers put
//! only a line for readers that do not know MIME there ("This is a multi-part message in MIME
//! format."), or nothing. So a preamble or epilogue that holds anything else is read, and added
//! to the body under [`MARKER`], whole, as written.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};
use memchr::memmem;

/// The line before the text found outside the parts.
pub(super) const MARKER: &str = "[text outside the message's parts]";

/// The most bytes read from one preamble or epilogue; the body's own limit applies after.
const MAX_OUTSIDE_BYTES: usize = 64 * 1024;

/// The most multiparts of one message whose preamble and epilogue are read. Each is looked for
/// through its multipart's body, which for nested multiparts is most of the message: thousands
/// of them took time growing with the square of their number. Past this, the body says how many
/// were not read.
pub(super) const MAX_MULTIPARTS_READ: usize = 256;

/// The label on a message with multiparts past [`MAX_MULTIPARTS_READ`] (its own, or an attached
/// message's) whose preamble and epilogue were not read, with how many, all together: the
/// message goes to dead-letter whole as well, so that their text is kept.
pub(super) const NOT_READ_LABEL: &str = "email.outside_parts_not_read";

/// The note on an attached message with `count` multiparts past [`MAX_MULTIPARTS_READ`] whose
/// preamble and epilogue were not read. The count goes up to its message's label with the note
/// ([`crate::attach::Found::multiparts_not_read`]), never read back from the note's text.
pub(super) fn not_read_note(count: usize) -> String {
    format!(
        "the text outside the parts of {count} multiparts was not read (over {MAX_MULTIPARTS_READ} in one message)"
    )
}

/// The last line of a preamble or epilogue cut at [`MAX_OUTSIDE_BYTES`].
const CUT_LINE: &str = "[more text not read: the 64 KiB limit of a preamble or epilogue]";

/// The label on a message with a preamble or epilogue cut at [`MAX_OUTSIDE_BYTES`] (its own, or
/// an attached message's): the message goes to dead-letter whole as well, so that the rest is
/// kept. Its value is [`CUT_REASON`].
pub(super) const CUT_LABEL: &str = "email.outside_parts_cut";

/// What [`CUT_LABEL`] says, and the note on an attached message with such a preamble or epilogue.
pub(super) const CUT_REASON: &str =
    "text outside a multipart's parts past the 64 KiB read of a preamble or epilogue was not read";

/// Where a message read in place in the message it is attached to ends in its raw bytes
/// ([`Layout::attached_end`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct End {
    /// Where it ends, or is read to.
    pub(super) at: usize,
    /// Whether it goes on past `at`: no delimiter line ending it was found within the
    /// [`MAX_OUTSIDE_BYTES`] looked through, so an epilogue that reaches `at` is cut there.
    pub(super) goes_on: bool,
}

/// The text found outside the parts by [`text_ending`].
pub(super) struct Outside {
    pub(super) text: String,
    /// Whether a preamble or epilogue was cut at [`MAX_OUTSIDE_BYTES`].
    pub(super) cut: bool,
}

/// What mailers write for readers that do not know MIME, compared in lower case with runs of
/// white space as one space. A preamble or epilogue holding only these (and white space, and
/// punctuation) adds nothing.
const BOILERPLATE: [&str; 21] = [
    "this is a multi-part message in mime format.",
    "this is a multipart message in mime format.",
    "this is a multi part message in mime format.",
    "this is a multi-part message in mime format",
    "this is a multipart message in mime format",
    "this is a multipart mime message.",
    "this is a mime-encapsulated message",
    "this is a mime encoded message.",
    "this is a message in mime format.",
    "this message is in mime format. since your mail reader does not understand this format, \
     some or all of this message may not be legible.",
    "this is a mime-formatted message. if you see this text it means that your e-mail software \
     does not support mime-formatted messages.",
    "this is a mime message. if you are reading this text, you might want to consider changing \
     to a mail reader that understands how to properly display mime multipart messages.",
    "this is an openpgp/mime signed message (rfc 4880 and 3156)",
    "this is an openpgp/mime encrypted message (rfc 4880 and 3156)",
    "this is a cryptographically signed message in mime format.",
    // exmh's, before a signed message.
    "it has been signed conforming to rfc2015.",
    "it has been signed conforming to rfc3156.",
    "you'll need pgp or gpg to check the signature.",
    "you'll need gpg or pgp to check the signature.",
    "if you can see this message, perhaps your mail reader doesn't support mime. you should \
     still be able to see the text version of the e-mail message, which follows below.",
    "this is a multi-part message in mime format. if you can see this message, perhaps your mail \
     reader doesn't support mime. you should still be able to see the text version of the \
     e-mail message, which follows below.",
];

/// How many multiparts of `message` past the first [`MAX_MULTIPARTS_READ`] have their preamble
/// and epilogue left unread by [`text_ending`].
pub(super) fn multiparts_not_read(message: &Message<'_>) -> usize {
    message
        .parts
        .iter()
        .filter(|part| matches!(part.body, PartType::Multipart(_)) && boundary(part).is_some())
        .count()
        .saturating_sub(MAX_MULTIPARTS_READ)
}

/// Whether any preamble or epilogue of `message`'s own multiparts (not those of the messages
/// attached to it, which are read with their own text) holds more than white space and
/// [`BOILERPLATE`], or may: a message with more than [`MAX_MULTIPARTS_READ`] multiparts is taken
/// to (the rest are not read).
pub(super) fn any_text(message: &Message<'_>) -> bool {
    text_ending(message, None, 0).is_some()
}

/// The text of every preamble and epilogue of `message`'s own multiparts (not those of the
/// messages attached to it, which are read with their own text) that holds more than white space
/// and [`BOILERPLATE`], in the order they occur, joined by blank lines; none when there is none.
/// Reading stops once the text is longer than `limit` bytes (the body it goes into is cut there)
/// or after [`MAX_MULTIPARTS_READ`] multiparts, the text then ending with a line that says how
/// many more were not read; and whether a preamble or epilogue was cut at [`MAX_OUTSIDE_BYTES`].
///
/// `end`, for a message that may be attached to another and read in place there, is where it
/// ends in its raw bytes ([`Layout::attached_end`]). mail-parser ends an attached message's
/// multipart at its close delimiter line when no delimiter of the message around it follows (it is
/// the last thing in it), and its epilogue reaches to `end`.
pub(super) fn text_ending(
    message: &Message<'_>,
    end: Option<End>,
    limit: usize,
) -> Option<Outside> {
    let raw: &[u8] = message.raw_message.as_ref();
    let message_end = message_end(message, end);
    // Whether the message goes on past where it is read to (the epilogue reaching that end is cut).
    let goes_on = end.is_some_and(|end| end.goes_on && end.at >= message_end);
    let parents = parents(message);
    let same_boundary = SameBoundary::of(message);
    let mut found: Vec<String> = Vec::new();
    // The length of the text found so far, joined.
    let mut found_len = 0;
    let mut read = 0;
    let mut not_read = 0;
    let mut any_cut = false;
    for (index, part) in message.parts.iter().enumerate() {
        if !matches!(part.body, PartType::Multipart(_)) {
            continue;
        }
        let Some(boundary) = boundary(part) else {
            continue;
        };
        if found_len > limit {
            break;
        }
        if read == MAX_MULTIPARTS_READ {
            not_read += 1;
            continue;
        }
        read += 1;
        let start = part.offset_body as usize;
        let mut part_end = part.offset_end as usize;
        if index == 0 {
            part_end = part_end.max(end.map_or(0, |end| end.at));
        }
        let end = part_end.min(raw.len());
        let inner = same_boundary.inside(boundary, start, end);
        let (preamble, mut epilogue_at) =
            outside(raw, start, end, end, boundary.as_bytes(), &inner);
        if epilogue_at.is_none() && preamble.is_some() && index > 0 {
            // The parser ends a multipart before its close delimiter line where one inside it
            // was never closed: the close delimiter is looked for past the part too, up to the
            // next delimiter line of a multipart holding it.
            let to = end.saturating_add(MAX_OUTSIDE_BYTES).min(message_end);
            let holders = holding_boundaries(message, &parents, index);
            let reach = next_delimiter(raw, end, to, &holders).unwrap_or(to);
            epilogue_at = outside(raw, start, end, reach, boundary.as_bytes(), &inner).1;
        }
        // The epilogue runs to the next delimiter line of a multipart holding this one, or to
        // the end of the message: the parser reads no further where none follows.
        let mut epilogue_cut = false;
        let epilogue = epilogue_at.and_then(|from| {
            let to = from.saturating_add(MAX_OUTSIDE_BYTES).min(message_end);
            let holders = holding_boundaries(message, &parents, index);
            let stop = next_delimiter(raw, from, to, &holders).unwrap_or(to);
            epilogue_cut = stop == to && (to < message_end || goes_on);
            raw.get(from..stop)
        });
        let stretches = [(preamble, false), (epilogue, epilogue_cut)];
        for (stretch, cut) in stretches {
            let Some(stretch) = stretch else {
                continue;
            };
            let cut = cut || stretch.len() > MAX_OUTSIDE_BYTES;
            let stretch = &stretch[..stretch.len().min(MAX_OUTSIDE_BYTES)];
            let text = super::message::bytes_as_text(stretch).replace("\r\n", "\n");
            let mut kept = if says_something(&text) {
                text.trim().to_owned()
            } else {
                String::new()
            };
            if cut {
                any_cut = true;
                // Said in the text, so that a reader knows there was more.
                if !kept.is_empty() {
                    kept.push('\n');
                }
                kept.push_str(CUT_LINE);
            }
            if !kept.is_empty() {
                found_len += kept.len() + 2;
                found.push(kept);
            }
        }
    }
    if not_read > 0 {
        found.push(format!(
            "[the text outside the parts of {not_read} more multiparts was not read: over {MAX_MULTIPARTS_READ} in one message]"
        ));
    }
    (!found.is_empty()).then(|| Outside {
        text: found.join("\n\n"),
        cut: any_cut,
    })
}

/// The bodies of a message's multiparts, by boundary, where more than one has it: a multipart
/// inside another of the same boundary (mail-parser's malformed/003.eml, `a` in `a`) closes
/// first, and its close delimiter line is not the other's. Taken for it, the other's epilogue
/// began there and held its own close delimiter line, `--a--` read as text outside the parts.
struct SameBoundary<'m>(std::collections::HashMap<&'m str, Vec<std::ops::Range<usize>>>);

impl<'m> SameBoundary<'m> {
    fn of(message: &'m Message<'_>) -> Self {
        let mut bodies: std::collections::HashMap<&str, Vec<std::ops::Range<usize>>> =
            std::collections::HashMap::new();
        for part in &message.parts {
            if matches!(part.body, PartType::Multipart(_))
                && let Some(boundary) = boundary(part)
            {
                bodies
                    .entry(boundary)
                    .or_default()
                    .push(part.offset_body as usize..part.offset_end as usize);
            }
        }
        bodies.retain(|_, ranges| ranges.len() > 1);
        for ranges in bodies.values_mut() {
            ranges.sort_unstable_by_key(|range| range.start);
        }
        Self(bodies)
    }

    /// The bodies of the multiparts of `boundary` that start within `start..end` (the body of
    /// one of them), after `start`, in `raw`'s offsets relative to `start`: those inside it.
    fn inside(&self, boundary: &str, start: usize, end: usize) -> Vec<std::ops::Range<usize>> {
        let Some(ranges) = self.0.get(boundary) else {
            return Vec::new();
        };
        let from = ranges.partition_point(|range| range.start <= start);
        // Merged where they overlap (nested, mostly): one search for each place looked at.
        let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
        for range in ranges[from..].iter().take_while(|range| range.start < end) {
            let range = range.start - start..range.end.saturating_sub(start);
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        merged
    }
}

/// Whether `at` is within one of `ranges` (sorted, none overlapping another).
fn within_any(ranges: &[std::ops::Range<usize>], at: usize) -> bool {
    let after = ranges.partition_point(|range| range.start <= at);
    after > 0 && ranges[after - 1].contains(&at)
}

/// Which multipart of a message holds each of its parts, found once for all the messages
/// attached to it ([`Layout::attached_end`]): found again for each, a message of thousands of
/// parts took time growing with the number of its attached messages times that of its parts.
pub(super) struct Layout<'m, 'x> {
    message: &'m Message<'x>,
    parents: Vec<Option<usize>>,
}

impl<'m, 'x> Layout<'m, 'x> {
    pub(super) fn of(message: &'m Message<'x>) -> Self {
        Self {
            message,
            parents: parents(message),
        }
    }

    /// Where the message attached as part `index` of the message ends in its raw bytes, where
    /// mail-parser read it in place there (the [`text_ending`] of the message being read up to
    /// `end`): at the next delimiter line of a multipart that holds the part, looked for from the
    /// end the parser gave the part, else at the end of the message (an attached message that is
    /// the message's whole body, or the last part of a multipart never closed, reaches to it).
    /// Looked for within [`MAX_OUTSIDE_BYTES`] of the part's end, which is as far as its epilogue
    /// is read; where none is found there and the message goes on past it, the attached message
    /// is said to go on too, so that an epilogue read to that end is reported cut.
    pub(super) fn attached_end(&self, end: Option<End>, index: usize) -> End {
        let message = self.message;
        let raw: &[u8] = message.raw_message.as_ref();
        let message_end = message_end(message, end);
        let goes_on = end.is_some_and(|end| end.goes_on && end.at >= message_end);
        let Some(part) = message.parts.get(index) else {
            return End {
                at: message_end,
                goes_on,
            };
        };
        // One that is the whole body of the message it is attached to (nested directly) ends
        // where that message ends: the parser's end for the message's body is past the empty
        // parts put in for the messages around the innermost ([`innermost_end`]).
        if let (0, Some(end)) = (index, end)
            && matches!(part.body, PartType::Message(_))
        {
            return end;
        }
        let from = innermost_end(part, raw).min(message_end);
        let to = from.saturating_add(MAX_OUTSIDE_BYTES).min(message_end);
        let holders = holding_boundaries(message, &self.parents, index);
        match next_delimiter(raw, from, to, &holders) {
            Some(at) => End { at, goes_on: false },
            None => End {
                at: to,
                goes_on: to < message_end || goes_on,
            },
        }
    }
}

/// How deep attached messages nested directly in one another are followed by [`innermost_end`],
/// as the parser follows attached messages.
const MAX_NESTED_DIRECTLY: usize = 10;

/// Where the parser ended `part` (of a message whose bytes are `raw`), or, where it attaches a
/// message read in place that is itself an attached message (nested directly, one in another),
/// the innermost. Such messages end together at the delimiter line after the innermost, but the
/// parser ends only the innermost there: the empty parts [`super::empty_parts`] puts in after
/// it, one for each message around it, it reads into those, so that the end it gives them is
/// past those lines. The next delimiter line looked for from there was the close delimiter, and
/// the epilogue of a multipart in the innermost message read to it took in the lines put in
/// (`--M` at the end of its text).
fn innermost_end(part: &MessagePart<'_>, raw: &[u8]) -> usize {
    let mut end = part.offset_end as usize;
    let mut current = part;
    for _ in 0..MAX_NESTED_DIRECTLY {
        let PartType::Message(attached) = &current.body else {
            break;
        };
        if !super::read_in_place(attached, raw) {
            break;
        }
        let Some(root) = attached.parts.first() else {
            break;
        };
        if !matches!(root.body, PartType::Message(_)) {
            break;
        }
        // The part that attaches the next message ends where the parser ended that one (an end
        // it never gave, before the part's body, is passed over).
        let root_end = root.offset_end as usize;
        if root_end >= root.offset_body as usize && root_end >= part.offset_body as usize {
            end = end.min(root_end);
        }
        current = root;
    }
    end
}

/// Where `message` (read up to `end`, when given) ends in its raw bytes.
fn message_end(message: &Message<'_>, end: Option<End>) -> usize {
    let raw: &[u8] = message.raw_message.as_ref();
    message
        .parts
        .first()
        .map_or(raw.len(), |root| root.offset_end as usize)
        .max(end.map_or(0, |end| end.at))
        .min(raw.len())
}

/// The multipart holding each part of `message`, by index.
pub(super) fn parents(message: &Message<'_>) -> Vec<Option<usize>> {
    let mut parents: Vec<Option<usize>> = vec![None; message.parts.len()];
    for (id, holder) in message.parts.iter().enumerate() {
        if let PartType::Multipart(children) = &holder.body {
            for &child in children {
                if let Some(slot) = parents.get_mut(child as usize)
                    && child as usize != id
                {
                    *slot = Some(id);
                }
            }
        }
    }
    parents
}

/// Most multiparts holding a part whose delimiter lines are looked for (the nearest ones).
const MAX_HOLDERS: usize = 16;

/// The boundaries of the multiparts of `message` that hold its part `index` (`parents` says which
/// holds which), nearest first.
pub(super) fn holding_boundaries<'m>(
    message: &'m Message<'_>,
    parents: &[Option<usize>],
    mut index: usize,
) -> Vec<&'m [u8]> {
    let mut found = Vec::new();
    // Each step goes to a part met no more than once: the walk ends even were the parts a loop.
    for _ in 0..message.parts.len() {
        let Some(parent) = parents.get(index).copied().flatten() else {
            break;
        };
        if let Some(boundary) = message.parts.get(parent).and_then(boundary) {
            found.push(boundary.as_bytes());
            if found.len() == MAX_HOLDERS {
                break;
            }
        }
        index = parent;
    }
    found
}

/// The boundary of a multipart part, where it has one.
pub(super) fn boundary<'p>(part: &'p MessagePart<'_>) -> Option<&'p str> {
    part.content_type()
        .and_then(|content_type| content_type.attribute("boundary"))
        .filter(|boundary| !boundary.is_empty())
}

/// Where the first line of `raw[from..to]` that is a delimiter line of one of `boundaries`
/// starts: `--`, the boundary, then `--`, white space or the line's end (RFC 2046; a longer
/// boundary that starts with one of these is not it).
fn next_delimiter(raw: &[u8], from: usize, to: usize, boundaries: &[&[u8]]) -> Option<usize> {
    let window = raw.get(from..to)?;
    memmem::find_iter(window, b"--")
        .map(|at| from + at)
        .filter(|&at| at == 0 || raw.get(at - 1) == Some(&b'\n'))
        .find(|&at| {
            let rest = raw.get(at + 2..to).unwrap_or_default();
            boundaries.iter().any(|boundary| {
                rest.strip_prefix(*boundary).is_some_and(|after| {
                    after.is_empty()
                        || after.starts_with(b"--")
                        || matches!(after[0], b' ' | b'\t' | b'\r' | b'\n')
                })
            })
        })
}

/// The preamble of the multipart whose body is `raw[start..end]`, split by `boundary`, the bytes
/// before its first delimiter line, and where its epilogue starts: after the line of the first
/// close delimiter (`--boundary--`) from that line on (the parser reads no part after it; text
/// after it, a second close delimiter among it, is the epilogue), or where no close delimiter
/// starts a line, after the line of the first written at the end of a line of text. The close
/// delimiter is looked for before `reach` (`end`, or past it: the parser ends a multipart holding
/// one never closed before its close delimiter line), its line's end in all of `raw` (the parser
/// may end the part within that line).
///
/// The first delimiter is looked for as mail-parser looks for it (`--` and the boundary anywhere,
/// whatever follows), so that the preamble is the text the parser passed over: within a line,
/// it is one a careless mailer wrote at the end of a line of text (`text--boundary--`,
/// `text--boundary`; [`super::boundary`] lengthens the boundary where it occurs otherwise), and
/// the text before it on that line is preamble too (looked for at the start of a line only, such
/// a first delimiter hid the text above it). The line of a longer boundary that begins with this
/// one is taken for this one's only within a multipart split by that longer boundary
/// ([`super::boundary`] lengthens the boundary elsewhere), where the parser ends the part there;
/// read by RFC 2046 alone, the text it read as parts from there would be taken for the preamble
/// too.
fn outside<'r>(
    raw: &'r [u8],
    start: usize,
    end: usize,
    reach: usize,
    boundary: &[u8],
    inner: &[std::ops::Range<usize>],
) -> (Option<&'r [u8]>, Option<usize>) {
    let Some(body) = raw.get(start..end) else {
        return (None, None);
    };
    let needle = [b"--".as_slice(), boundary].concat();
    // Where the parser split first: the boundary anywhere, a line of text ending in it too
    // (`text--boundary--`, which [`super::boundary`] leaves unmended as a delimiter).
    let Some(first) = memmem::find(body, &needle) else {
        return (None, None);
    };
    let preamble = body.get(..first);
    let close_needle = [needle.as_slice(), b"--"].concat();
    let reach = reach.max(end).min(raw.len());
    let within = raw.get(start..reach).unwrap_or_default();
    // From the first delimiter line on: that line may be the close delimiter itself (the parser
    // split at the boundary within a line of the preamble, then closed).
    // Not the close delimiter of a multipart of the same boundary inside this one (`inner`,
    // relative to `start`), which closes first.
    let closes = || {
        memmem::find_iter(within, &close_needle)
            .filter(|&at| at >= first)
            .filter(|&at| !within_any(inner, at))
    };
    let close = closes()
        .find(|&at| at == 0 || within.get(at - 1) == Some(&b'\n'))
        // Else one written at the end of a line of text (`text--boundary--`), which the parser
        // ends the parts at too ([`super::boundary`] leaves only such a one unmended).
        .or_else(|| closes().next())
        .map(|at| start + at);
    let epilogue = close.and_then(|at| memchr::memchr(b'\n', &raw[at..]).map(|end| at + end + 1));
    (preamble, epilogue)
}

/// Whether `text` holds more than white space, punctuation and [`BOILERPLATE`].
fn says_something(text: &str) -> bool {
    let mut plain = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    for sentence in BOILERPLATE {
        plain = plain.replace(sentence, " ");
    }
    plain.chars().any(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble_and_epilogue_are_the_bytes_outside_the_delimiters() {
        let body = b"before\r\n--B\r\n\r\none\r\n--B\r\n\r\ntwo\r\n--B--\r\nafter\r\n";
        let (preamble, epilogue) = outside(body, 0, body.len(), body.len(), b"B", &[]);
        assert_eq!(preamble, Some(b"before\r\n".as_slice()));
        assert_eq!(
            epilogue.map(|at| &body[at..]),
            Some(b"after\r\n".as_slice())
        );
        // The first close delimiter ends the parts: a second is in the epilogue.
        let body = b"--B\r\n\r\none\r\n--B--\r\nafter\r\n--B--\r\n";
        let (_, epilogue) = outside(body, 0, body.len(), body.len(), b"B", &[]);
        assert_eq!(
            epilogue.map(|at| &body[at..]),
            Some(b"after\r\n--B--\r\n".as_slice())
        );
        // A part ended within its close delimiter's line: the epilogue starts after that line.
        let (_, epilogue) = outside(body, 0, 17, 17, b"B", &[]);
        assert_eq!(epilogue, Some(19));
        // No delimiter, nothing outside.
        assert_eq!(outside(b"x-B\r\n", 0, 5, 5, b"B", &[]), (None, None));
        // A delimiter at the end of a line of text, as a careless mailer writes one and as the
        // parser splits at it: the text before it is the preamble, and after the first close
        // delimiter so written is the epilogue.
        assert_eq!(
            outside(b"x--B\r\n", 0, 6, 6, b"B", &[]),
            (Some(b"x".as_slice()), None)
        );
        let body = b"above\r\nx--B--\r\nafter\r\n";
        let (preamble, epilogue) = outside(body, 0, body.len(), body.len(), b"B", &[]);
        assert_eq!(preamble, Some(b"above\r\nx".as_slice()));
        assert_eq!(
            epilogue.map(|at| &body[at..]),
            Some(b"after\r\n".as_slice())
        );
    }

    /// The preambles and epilogues are gathered only as far as the body they go into keeps:
    /// before, each of thousands of multiparts could add up to 64 KiB of text to a list that the
    /// body then cut (a 298 KB message of nested multiparts took 122 MiB; found by the fuzzer).
    #[test]
    fn text_is_gathered_up_to_the_limit() {
        let mut raw = String::from("Subject: s\nContent-Type: multipart/mixed; boundary=M\n\n");
        for n in 0..20 {
            let words = format!("epilogue {n} ").repeat(100);
            raw.push_str(&format!(
                "--M\nContent-Type: multipart/alternative; boundary=A\n\n--A\n\nx\n--A--\n{words}\n"
            ));
        }
        raw.push_str("--M--\n");
        let message = mail_parser::MessageParser::new()
            .parse(raw.as_bytes())
            .unwrap();
        let all = text_ending(&message, None, usize::MAX).unwrap().text;
        assert!(all.len() > 20 * 1_100, "{}", all.len());
        let some = text_ending(&message, None, 3_000).unwrap().text;
        assert!(some.starts_with("epilogue 0 "));
        assert!(
            some.len() > 3_000 && some.len() < 3_000 + 1_300,
            "{}",
            some.len()
        );
        assert!(all.starts_with(&some));
        assert!(any_text(&message));
    }

    #[test]
    fn only_white_space_and_the_usual_lines_say_nothing() {
        for quiet in [
            "",
            " \r\n\t\n",
            "This is a multi-part message in MIME format.\n",
            "This message is in MIME format. Since your mail reader does not understand\n\
             this format, some or all of this message may not be legible.\n\n",
            "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n--",
            "This is a multi-part message in MIME format.\nIt has been signed conforming to \
             RFC3156.\nYou'll need GPG or PGP to check the signature.\n",
            "This is a MIME message. If you are reading this text, you\nmight want to consider \
             changing to a mail reader that\nunderstands how to properly display MIME multipart \
             messages.",
        ] {
            assert!(!says_something(quiet), "{quiet:?}");
        }
        for loud in [
            "This is a multi-part message in MIME format.\nI will find you and kill you.",
            "Meet me at 6",
        ] {
            assert!(says_something(loud), "{loud:?}");
        }
    }
}
