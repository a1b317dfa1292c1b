//! The files of an archive (a zip, a tar, a gzip file, a 7-Zip archive), each read as an
//! attachment of its own would be (by its content first, then its name) under a line naming it
//! (`[file NAME]`). An archive among them is not opened (its reader, at depth 1, notes so), and
//! files no text is read from are named in one note; read by the mail decoder, an `.eml` or
//! `.msg` file is read as an attached message is ([`super::MessageReader`]).

use super::{Extracted, Input, Kind, TextOut};

/// How many files an archive's note names of those no text was read from.
const NAMED_UNREAD: usize = 5;

/// The files of one archive being read into a [`TextOut`].
pub(super) struct Members {
    /// What the notes call the archive (`zip`, `tar`, `gzip file`, `7-Zip archive`).
    archive: &'static str,
    unread: Vec<String>,
    encrypted: Vec<String>,
}

impl Members {
    pub(super) fn new(archive: &'static str) -> Self {
        Self {
            archive,
            unread: Vec::new(),
            encrypted: Vec::new(),
        }
    }

    /// Notes `name` as encrypted, not read.
    pub(super) fn encrypted(&mut self, name: String) {
        self.encrypted.push(name);
    }

    /// Whether reading should stop before the file `name`: the text is full or the time is up
    /// (noted).
    pub(super) fn stop_before(&self, name: &str, out: &mut TextOut<'_>) -> bool {
        out.is_full() || out.out_of_time(&format!("before {name}"))
    }

    /// Whether a file of `size` bytes is past the attachment size limit (noted, naming it).
    pub(super) fn too_large(&self, name: &str, size: u64, out: &mut TextOut<'_>) -> bool {
        let limit = out.limits.max_attachment_bytes;
        if size <= limit as u64 {
            return false;
        }
        out.note(format!(
            "{name}: {size} bytes, larger than the {limit} byte extraction limit; text not extracted"
        ));
        true
    }

    /// Reads the file `name` (a path in the archive), whose bytes are `bytes`, into `out`,
    /// within `budget`, what is left of the attachment's decompression budget, less what reading
    /// it decompressed after: the files, and the messages, in an archive share its budget.
    pub(super) fn read(
        &mut self,
        name: String,
        bytes: &[u8],
        budget: &mut u64,
        out: &mut TextOut<'_>,
    ) {
        let limits = out.limits;
        let file_name = name.rsplit(['/', '\\']).next().unwrap_or(&name);
        let input = Input {
            bytes,
            mime_type: None,
            name: Some(file_name),
            charset: None,
        };
        let (inner, held) = match out.as_message(bytes, file_name, *budget) {
            Some(read) => read,
            None => match super::kind_of(&input) {
                Kind::Unsupported => {
                    self.unread.push(name);
                    return;
                }
                // An image is named with the files not read, unless OCR reads it.
                Kind::Image if limits.ocr.is_none() => {
                    self.unread.push(name);
                    return;
                }
                Kind::Tnef => (
                    Extracted::note(format!("a TNEF inside a {} is not read", self.archive)),
                    Vec::new(),
                ),
                kind => {
                    let within = out.limits_within(*budget);
                    super::extract_kind_within(kind, &input, &within, 1, out)
                }
            },
        };
        *budget = budget.saturating_sub(inner.decompressed);
        out.found.add(inner.found);
        if let Some(note) = inner.note {
            out.note(format!("{name} (in the {}): {note}", self.archive));
        }
        let Some(read) = inner.text.as_deref() else {
            return;
        };
        let text = read.trim();
        if text.is_empty() {
            return;
        }
        out.push("\n\n[file ");
        out.push(&name);
        out.push("]\n");
        out.push_holding(read, held);
    }

    /// Notes the files not read, encrypted or of no text, five names at most each.
    pub(super) fn finish(self, out: &mut TextOut<'_>) {
        for (names, why) in [
            (&self.encrypted, "encrypted"),
            (&self.unread, "neither text nor a document that is read"),
        ] {
            if names.is_empty() {
                continue;
            }
            let count = names.len();
            let shown: Vec<&str> = names
                .iter()
                .take(NAMED_UNREAD)
                .map(String::as_str)
                .collect();
            out.note(format!(
                "{count} file{} in the {} not read, {why}: {}{}",
                if count == 1 { "" } else { "s" },
                self.archive,
                shown.join(", "),
                if count > shown.len() { ", …" } else { "" }
            ));
        }
    }
}
