//! gzip files (`.gz`): a tar archive compressed (`.tar.gz`, `.tgz`) is read as the tar it is
//! ([`super::tar`]); any other is one file compressed, read as an archive of that one file would
//! be, under a line naming it (the name its gzip header gives, else the attachment's without
//! `.gz`). A gzip file inside an archive or a document is not opened (noted).
//!
//! It is inflated as a zip's files are ([`super::zip::inflate_within`]): within the attachment's
//! decompression budget and the compression ratio limit, the size its trailer declares checked
//! before anything is inflated, the bytes inflated checked while they are. A gzip file of several
//! members (as `cat a.gz b.gz` writes) is read whole.

use flate2::read::MultiGzDecoder;

use super::archive::Members;
use super::{Input, TextOut};

/// How a gzip file begins: its two magic bytes and deflate, the one compression method it has.
pub(super) const MAGIC: &[u8] = b"\x1f\x8b\x08";

/// Reads the gzip file `input` into `out`, where it is the attachment itself (`depth` 0).
pub(super) fn extract(input: &Input<'_>, out: &mut TextOut<'_>, depth: usize) {
    if depth > 0 {
        out.note("a gzip file inside another file is not opened; its contents are not read");
        return;
    }
    let bytes = input.bytes;
    let label = input.name.unwrap_or("the gzip file");
    // The trailer's size of the data (modulo 4 GiB) of the last member: a declared size, as a
    // zip entry has one, checked against the ratio limit before anything is inflated.
    let declared = bytes
        .len()
        .checked_sub(4)
        .and_then(|at| super::doc::u32_at(bytes, at))
        .map_or(0, u64::from);
    let start = out.limits.max_decompressed_bytes as u64;
    let mut budget = start;
    let mut decoder = MultiGzDecoder::new(bytes);
    let Some(inflated) = super::zip::inflate_within(
        &mut decoder,
        label,
        bytes.len() as u64,
        declared,
        &mut budget,
        out,
    ) else {
        return;
    };
    if super::tar::is_tar(&inflated) {
        super::tar::read(&inflated, &mut budget, out);
        out.spend(start.saturating_sub(budget));
        return;
    }
    let stored = decoder
        .header()
        .and_then(|header| header.filename())
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .filter(|name| !name.trim().is_empty());
    let name = stored.unwrap_or_else(|| unzipped_name(input.name));
    let mut members = Members::new("gzip file");
    if !members.too_large(&name, inflated.len() as u64, out) {
        members.read(name, &inflated, &mut budget, out);
    }
    members.finish(out);
    out.spend(start.saturating_sub(budget));
}

/// The name of the file a gzip file called `name` holds: its name without `.gz` (`export.csv`
/// of `export.csv.gz`), or `file` where it has none.
fn unzipped_name(name: Option<&str>) -> String {
    let Some(name) = name else {
        return "file".to_owned();
    };
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    for suffix in [".gz", ".gzip", "-gz", ".z"] {
        if lower.ends_with(suffix) && base.len() > suffix.len() {
            return base[..base.len() - suffix.len()].to_owned();
        }
    }
    base.to_owned()
}
