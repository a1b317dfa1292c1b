//! tar archives (`.tar`, and inside a gzip file `.tar.gz` and `.tgz`): each file read as an
//! archive's files are ([`super::archive`]), under a line naming it, in the order the archive
//! holds them. An archive among them is not opened, nor a tar archive inside an archive or a
//! document (noted).
//!
//! The archive is read here from its 512-byte headers: POSIX ustar (a name with its prefix), the
//! older formats before it, GNU long names (`L` entries) and pax `path` records (`x` entries);
//! sizes in octal or in GNU's base-256. (The `tar` crate is made for writing files to disk, and
//! brings the crates that do so; nothing here is written anywhere.) A header whose checksum is
//! wrong ends the reading (noted), and so does the end of the bytes: a file cut short is read as
//! far as it goes. A tar is not compressed, so its files cost no decompression; the entries read
//! are held to the zip entry limit, and the time limit is checked before each file.

use super::TextOut;
use super::archive::Members;

/// The size of a header and of the blocks a file's bytes are padded to.
const BLOCK: usize = 512;
/// The longest name kept from a GNU long name or a pax record, in bytes.
const MAX_NAME_BYTES: usize = 4096;

/// Whether `bytes` begin as a tar archive: a header whose checksum holds.
pub(super) fn is_tar(bytes: &[u8]) -> bool {
    bytes.get(..BLOCK).is_some_and(checksum_holds)
}

/// Reads the tar archive `bytes` into `out`, its files within `budget`, what is left of the
/// attachment's decompression budget.
pub(super) fn read(bytes: &[u8], budget: &mut u64, out: &mut TextOut<'_>) {
    let mut members = Members::new("tar");
    let mut at = 0usize;
    let mut entries = 0usize;
    // A name for the next file, from a GNU long name or a pax record before it.
    let mut long_name: Option<String> = None;
    loop {
        let Some(header) = bytes.get(at..at.saturating_add(BLOCK)) else {
            if at < bytes.len() {
                out.note(format!(
                    "the tar archive is cut short in a header at byte {at}; the rest is not read"
                ));
            }
            break;
        };
        if header.iter().all(|&byte| byte == 0) {
            break;
        }
        let size = number(&header[124..136]).and_then(|size| usize::try_from(size).ok());
        let (true, Some(size)) = (checksum_holds(header), size) else {
            out.note(format!(
                "the tar archive has a damaged header at byte {at}; the rest is not read"
            ));
            break;
        };
        entries += 1;
        if entries > out.limits.max_zip_entries {
            out.note(format!(
                "the tar archive holds more than {} entries; the rest are not read",
                out.limits.max_zip_entries
            ));
            break;
        }
        let start = at + BLOCK;
        let end = start.saturating_add(size);
        let data = bytes.get(start..end.min(bytes.len())).unwrap_or_default();
        let cut = end > bytes.len();
        match header[156] {
            b'L' => long_name = Some(name_text(data)),
            b'x' => long_name = pax_path(data).or(long_name),
            // A pax header for every file after it: nothing read here.
            b'g' => {}
            b'0' | b'\0' | b'7' => {
                let name = long_name.take().unwrap_or_else(|| header_name(header));
                if members.stop_before(&name, out) {
                    break;
                }
                if !members.too_large(&name, size as u64, out) {
                    if cut {
                        out.note(format!(
                            "{name} (in the tar) is cut short at the end of the archive; read as far as it goes"
                        ));
                    }
                    members.read(name, data, budget, out);
                }
            }
            // Folders, links and devices hold no bytes to read.
            _ => long_name = None,
        }
        if cut {
            break;
        }
        let Some(next) = size
            .div_ceil(BLOCK)
            .checked_mul(BLOCK)
            .and_then(|padded| start.checked_add(padded))
        else {
            break;
        };
        at = next;
    }
    members.finish(out);
}

/// Whether a header's checksum (the sum of its bytes, its own field counted as spaces) is the
/// one it holds, summed as unsigned bytes or, as some old writers did, signed.
fn checksum_holds(header: &[u8]) -> bool {
    let Some(stored) = number(&header[148..156]) else {
        return false;
    };
    let mut unsigned: i64 = 0;
    let mut signed: i64 = 0;
    for (index, &byte) in header.iter().enumerate() {
        let byte = if (148..156).contains(&index) {
            b' '
        } else {
            byte
        };
        unsigned += i64::from(byte);
        signed += i64::from(byte as i8);
    }
    i64::try_from(stored).is_ok_and(|stored| stored == unsigned || stored == signed)
}

/// A number field: octal digits, spaces or NULs around them, or GNU's base-256 (the first byte's
/// high bit set, the rest big-endian); none where it is neither or is empty.
fn number(field: &[u8]) -> Option<u64> {
    let (&first, rest) = field.split_first()?;
    if first & 0x80 != 0 {
        let mut value = u64::from(first & 0x7F);
        for &byte in rest {
            value = value.checked_mul(256)?.checked_add(u64::from(byte))?;
        }
        return Some(value);
    }
    let digits = field
        .iter()
        .skip_while(|&&byte| byte == b' ')
        .take_while(|&&byte| byte != 0 && byte != b' ');
    let mut value: Option<u64> = None;
    for &digit in digits {
        if !(b'0'..=b'7').contains(&digit) {
            return None;
        }
        value = Some(
            value
                .unwrap_or(0)
                .checked_mul(8)?
                .checked_add(u64::from(digit - b'0'))?,
        );
    }
    value
}

/// A header's file name: its name field, after its prefix field in a ustar header.
fn header_name(header: &[u8]) -> String {
    let name = name_text(&header[..100]);
    if &header[257..262] != b"ustar" {
        return name;
    }
    let prefix = name_text(&header[345..500]);
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// A name as written, up to its first NUL and at most [`MAX_NAME_BYTES`] bytes.
fn name_text(bytes: &[u8]) -> String {
    let end = memchr::memchr(0, bytes).unwrap_or(bytes.len());
    let name = &bytes[..end.min(MAX_NAME_BYTES)];
    String::from_utf8_lossy(name).into_owned()
}

/// The `path` of a pax header's records (`LENGTH path=VALUE\n`), if it has one.
fn pax_path(records: &[u8]) -> Option<String> {
    let mut rest = records;
    while !rest.is_empty() {
        let space = memchr::memchr(b' ', rest)?;
        let length: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        let record = rest.get(space + 1..length)?;
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(path) = record.strip_prefix(b"path=") {
            return Some(name_text(path));
        }
        rest = rest.get(length..)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_in_octal_or_base_256() {
        assert_eq!(number(b"00000000644\0"), Some(0o644));
        assert_eq!(number(b"  1750 \0"), Some(0o1750));
        assert_eq!(number(b"\x80\0\0\0\0\0\0\0\0\x01\x00\x00"), Some(65_536));
        assert_eq!(number(b"\0\0\0\0"), None);
        assert_eq!(number(b"12a4"), None);
        assert_eq!(
            number(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
            None
        );
    }

    #[test]
    fn pax_records_give_the_path() {
        let records = b"30 mtime=1350244992.023960108\n29 path=a/very/long/name.csv\n";
        assert_eq!(pax_path(records).as_deref(), Some("a/very/long/name.csv"));
        assert_eq!(pax_path(b"999 path=x\n"), None);
        assert_eq!(pax_path(b"junk"), None);
    }
}
