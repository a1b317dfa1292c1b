//! Reading files and folders: find the files, tell each one's format, decode it.
//!
//! A run over many files gathers the members of every chat in them first
//! ([`gather_chat_members`]) and decodes each file with that index ([`decode_file_with`]), so
//! that a chat split over several files (a Teams export written one file per page or per month)
//! is joined: a message in one file has as recipients the members its chat shows in any of them
//! (docs/messages.md, "Chat members").

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use probity_model::Format;

use crate::chat::ChatMembers;
use crate::detect::{HEAD_LEN, detect, is_gzip};
use crate::{Context, Error, Limits, Result, Sink};

/// Largest file read whole into memory (a JSON array document, a single message, a gzip-packed
/// EVTX file).
pub const MAX_WHOLE_FILE: u64 = 1024 * 1024 * 1024;

/// How to read the files.
#[derive(Debug, Clone, Default)]
pub struct FileOptions {
    /// Read every file as this format instead of detecting it.
    pub format: Option<Format>,
    /// How CSV columns map onto the model (else the generic CSV reading).
    pub mapping: Option<crate::csv::Mapping>,
    pub limits: Limits,
}

/// A file found under the paths given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    pub size: u64,
}

/// A path that could not be read while looking for files.
#[derive(Debug)]
pub struct Unreadable {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// Every regular file at or under `paths` (folders recursively, in name order). Symbolic links to
/// files are followed; links to folders are not, so a loop cannot trap the walk.
pub fn collect(paths: &[PathBuf]) -> (Vec<InputFile>, Vec<Unreadable>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        walk(path, true, &mut files, &mut problems);
    }
    (files, problems)
}

fn walk(path: &Path, top: bool, files: &mut Vec<InputFile>, problems: &mut Vec<Unreadable>) {
    let link = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(error) => {
            problems.push(Unreadable {
                path: path.to_path_buf(),
                error,
            });
            return;
        }
    };
    let meta = if link.file_type().is_symlink() {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() && !top => return,
            Ok(meta) => meta,
            Err(error) => {
                problems.push(Unreadable {
                    path: path.to_path_buf(),
                    error,
                });
                return;
            }
        }
    } else {
        link
    };
    if meta.is_file() {
        files.push(InputFile {
            path: path.to_path_buf(),
            size: meta.len(),
        });
        return;
    }
    if !meta.is_dir() {
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(Unreadable {
                path: path.to_path_buf(),
                error,
            });
            return;
        }
    };
    let mut children: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry.path()),
            Err(error) => problems.push(Unreadable {
                path: path.to_path_buf(),
                error,
            }),
        }
    }
    children.sort();
    for child in children {
        walk(&child, false, files, problems);
    }
}

/// Reads up to `n` bytes (fewer only at the end of the input).
fn read_head(reader: &mut impl Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Decodes one file into `sink` and returns the format it was read as. A chat file's chats have
/// the members the file itself shows ([`decode_file_with`] joins them across files).
///
/// Records that cannot be decoded go to the sink as dead letters. A file whose format cannot be told,
/// or that cannot be read at all, is an error (the caller reports it and dead-letters it).
pub fn decode_file(file: &Path, options: &FileOptions, sink: &mut dyn Sink) -> Result<Format> {
    decode_file_with(file, options, None, sink)
}

/// [`decode_file`] with the members of the file's chats taken from `members`, the index
/// [`gather_chat_members`] gathered from this file and the others of the run, so that a chat
/// split over several files is joined. A file the index did not gather (it could not be read
/// then) is read with its own chats' members, as [`decode_file`] reads it.
pub fn decode_file_with(
    file: &Path,
    options: &FileOptions,
    members: Option<&ChatMembers>,
    sink: &mut dyn Sink,
) -> Result<Format> {
    let mut ctx = Context::new(source_of(file), options.limits.clone());
    let opened = open(file, options)?;
    if opened.format == Format::Evtx && !opened.packed {
        drop(opened);
        crate::evtx::decode_file(file, &mut ctx, sink)?;
        return Ok(Format::Evtx);
    }
    let format = opened.format;
    decode_reader(
        format,
        opened.reader,
        file,
        options,
        members,
        &mut ctx,
        sink,
    )?;
    Ok(format)
}

/// The provenance source of a file's events (`file:PATH`).
fn source_of(file: &Path) -> String {
    format!("file:{}", file.display())
}

/// A file opened for reading: the format to read it as, and its content from the start.
struct Opened {
    format: Format,
    /// Through a decompressor when the file is gzip-packed (bounded by [`MAX_WHOLE_FILE`]).
    reader: Box<dyn Read>,
    /// Whether the file is gzip-packed.
    packed: bool,
}

fn open(file: &Path, options: &FileOptions) -> Result<Opened> {
    let mut handle = File::open(file).map_err(|e| Error::io(file, e))?;
    let head = read_head(&mut handle, HEAD_LEN).map_err(|e| Error::io(file, e))?;

    // A gzip file is read through a decompressor, bounded by the size cap.
    if is_gzip(&head) {
        drop(handle);
        let reopened = File::open(file).map_err(|e| Error::io(file, e))?;
        let inner_name = file.with_extension("");
        let mut decoder = MultiGzDecoder::new(BufReader::new(reopened)).take(MAX_WHOLE_FILE);
        let inner_head = read_head(&mut decoder, HEAD_LEN).map_err(|e| Error::io(file, e))?;
        let format = resolve(options, &inner_head, &inner_name, file)?;
        return Ok(Opened {
            format,
            reader: Box::new(std::io::Cursor::new(inner_head).chain(decoder)),
            packed: true,
        });
    }
    let format = resolve(options, &head, file, file)?;
    Ok(Opened {
        format,
        reader: Box::new(std::io::Cursor::new(head).chain(handle)),
        packed: false,
    })
}

/// The members of every chat in `files` (Teams exports by `chatId`, chat NDJSON by `platform`
/// and `conversation_id`, device exports by thread), gathered before any of them is decoded with
/// [`decode_file_with`], so that a chat split over several files is joined. Only chat files are
/// read in full; of any other, the head that tells its format. The bounds on members
/// ([`crate::chat::MAX_TRACKED_MEMBERS`]) are for all the files together. A file that cannot be
/// read here is passed over: it is read with its own chats' members when it is decoded, and its
/// error reported then.
pub fn gather_chat_members(files: &[InputFile], options: &FileOptions) -> ChatMembers {
    let mut members = ChatMembers::new();
    for input in files {
        if let Err(error) = gather_file_members(&input.path, options, &mut members) {
            tracing::debug!(file = %input.path.display(), %error, "chat members not gathered");
        }
    }
    members
}

/// Adds the members of the chats in one file to `members` (nothing for a file of another kind).
pub fn gather_file_members(
    file: &Path,
    options: &FileOptions,
    members: &mut ChatMembers,
) -> Result<()> {
    let ctx = Context::new(source_of(file), options.limits.clone());
    let opened = open(file, options)?;
    let mut reader = BufReader::with_capacity(256 * 1024, opened.reader);
    match opened.format {
        Format::Teams => {
            let bytes = read_whole(reader, file, MAX_WHOLE_FILE)?;
            crate::chat::gather_teams(&bytes, &ctx, members);
            Ok(())
        }
        Format::Chat => crate::chat::gather_chat(reader, &ctx, members),
        Format::Sms => {
            // WhatsApp's own export is one chat, read whole: nothing to join.
            let head = std::io::BufRead::fill_buf(&mut reader).map_err(|e| Error::io(file, e))?;
            let name = unpacked_name(file);
            if crate::chat::looks_like_whatsapp(head) || crate::chat::is_whatsapp_name(&name) {
                return Ok(());
            }
            crate::chat::gather_sms(reader, &ctx, members)
        }
        _ => Ok(()),
    }
}

/// The format to read a file as: the one asked for, else the one its content or name tells. A CSV
/// mapping given for the run wins over a device SMS export's header when the file's header names
/// every column the mapping reads: the mapping was given for such a file.
fn resolve(options: &FileOptions, head: &[u8], name: &Path, file: &Path) -> Result<Format> {
    if let Some(format) = options.format {
        return Ok(format);
    }
    let format = detect(head, name).ok_or_else(|| {
        Error::Invalid(format!(
            "{}: cannot tell the format from the content or name; name it with --format",
            file.display()
        ))
    })?;
    let mapped = options.mapping.as_ref().is_some_and(|mapping| {
        crate::csv::mapping_fits(mapping, head, options.limits.max_event_bytes)
    });
    Ok(if format == Format::Sms && mapped {
        Format::Csv
    } else {
        format
    })
}

fn read_whole(reader: impl Read, file: &Path, limit: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(file, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::Invalid(format!(
            "{}: larger than the {limit} byte limit for this format",
            file.display()
        )));
    }
    Ok(bytes)
}

fn decode_reader(
    format: Format,
    reader: impl Read,
    file: &Path,
    options: &FileOptions,
    members: Option<&ChatMembers>,
    ctx: &mut Context,
    sink: &mut dyn Sink,
) -> Result<()> {
    let mut reader = BufReader::with_capacity(256 * 1024, reader);
    match format {
        Format::Ndjson | Format::HecEvent | Format::HecRaw | Format::EsBulk => {
            let head = std::io::BufRead::fill_buf(&mut reader).map_err(|e| Error::io(file, e))?;
            if starts_json_document(head) {
                let bytes = read_whole(reader, file, MAX_WHOLE_FILE)?;
                crate::json::decode_document(&bytes, Format::Ndjson, ctx, sink)
            } else {
                crate::json::decode_ndjson(reader, ctx, sink)
            }
        }
        Format::Csv => match &options.mapping {
            Some(mapping) => crate::csv::decode(reader, mapping, ctx, sink),
            None => crate::csv::decode_generic(reader, ctx, sink),
        },
        Format::Syslog => crate::syslog::decode_lines(reader, ctx, sink),
        Format::Mbox => crate::mail::decode_mbox(reader, ctx, sink),
        Format::Eml => {
            // An oversized message is the decoder's to refuse: it keeps the headers in dead-letter.
            let bytes = read_whole(reader, file, MAX_WHOLE_FILE)?;
            crate::mail::decode_eml(&bytes, ctx, None, sink)
        }
        Format::Evtx => {
            let bytes = read_whole(reader, file, MAX_WHOLE_FILE)?;
            let origin = file.display().to_string();
            crate::evtx::decode_bytes(bytes, &origin, ctx, sink).map(|_| ())
        }
        Format::Teams => {
            let bytes = read_whole(reader, file, MAX_WHOLE_FILE)?;
            crate::chat::decode_teams_with(&bytes, members, ctx, sink)
        }
        // Read twice, the file opened again for each pass: first for each conversation's
        // members, then to decode (the chat's other members are recipients of each message);
        // once, when the members were gathered with the run's.
        Format::Chat => {
            drop(reader);
            let open = || reopen(file).map(BufReader::new);
            crate::chat::decode_chat_with(open, members, ctx, sink)
        }
        Format::Sms => {
            // A device message export: WhatsApp's own text export of a chat, by its first
            // line or its name, is read whole (the chat's members and the order of its dates
            // are told from all of it); anything else is a CSV, read row by row.
            let head = std::io::BufRead::fill_buf(&mut reader).map_err(|e| Error::io(file, e))?;
            let name = unpacked_name(file);
            if crate::chat::looks_like_whatsapp(head) || crate::chat::is_whatsapp_name(&name) {
                let bytes = read_whole(reader, file, MAX_WHOLE_FILE)?;
                let chat = crate::chat::chat_name_of(&name);
                crate::chat::decode_whatsapp(&bytes, chat.as_deref(), ctx, sink)
            } else {
                drop(reader);
                crate::chat::decode_sms_with(|| reopen(file), members, ctx, sink)
            }
        }
    }
}

/// The file opened again from its start, through a decompressor if it is gzip-packed (bounded
/// by [`MAX_WHOLE_FILE`] as the first reading is), for a decoder that reads it twice.
fn reopen(file: &Path) -> std::io::Result<Box<dyn Read>> {
    let mut handle = File::open(file)?;
    let head = read_head(&mut handle, HEAD_LEN)?;
    let gzip = is_gzip(&head);
    let reader = std::io::Cursor::new(head).chain(handle);
    if gzip {
        Ok(Box::new(
            MultiGzDecoder::new(BufReader::new(reader)).take(MAX_WHOLE_FILE),
        ))
    } else {
        Ok(Box::new(reader))
    }
}

/// A file's name without a `.gz` its content was packed in.
fn unpacked_name(file: &Path) -> PathBuf {
    let packed = file
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("gz"));
    if packed {
        file.with_extension("")
    } else {
        file.to_path_buf()
    }
}

/// A JSON array, or a JSON object spread over several lines (pretty-printed), is read as one
/// document rather than line by line.
fn starts_json_document(head: &[u8]) -> bool {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let Some(first) = text.iter().position(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    match text[first] {
        b'[' => true,
        b'{' => {
            let line_end = text[first..]
                .iter()
                .position(|b| *b == b'\n')
                .map(|at| first + at)
                .unwrap_or(text.len());
            text[first..line_end].trim_ascii() == b"{"
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Batch;
    use std::io::Write;

    #[test]
    fn folders_are_walked_in_order_and_missing_paths_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("b")).unwrap();
        std::fs::write(dir.path().join("b/2.json"), "{}").unwrap();
        std::fs::write(dir.path().join("a.json"), "{}").unwrap();
        let missing = dir.path().join("missing");
        let (files, problems) = collect(&[dir.path().to_path_buf(), missing.clone()]);
        let names: Vec<_> = files
            .iter()
            .map(|f| f.path.strip_prefix(dir.path()).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            names,
            vec![PathBuf::from("a.json"), PathBuf::from("b/2.json")]
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, missing);
    }

    /// A file whose header reads as a device SMS export is read with the run's CSV mapping when
    /// its header names every column the mapping reads, and as an SMS export otherwise.
    #[test]
    fn a_mapping_that_fits_the_header_wins_over_the_sms_reading() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("messages.csv");
        std::fs::write(
            &file,
            "Timestamp,Direction,From,To,Body,Handset\n\
             2024-05-05T10:00:00Z,Outgoing,07700 900456,07700 900789,see you there,HS-12\n",
        )
        .unwrap();
        let fitting = crate::csv::Mapping::from_yaml(
            "version: 1\nname: handsets\nhas_headers: true\n\
             timestamp: { column: Timestamp }\nfields:\n  host.name: Handset\n  user.name: From\n",
            Path::new("handsets.yaml"),
        )
        .unwrap();
        let elsewhere = crate::csv::Mapping::from_yaml(
            "version: 1\nname: audit\nhas_headers: true\n\
             timestamp: { column: \"Access Time\" }\nfields:\n  user.name: \"User ID\"\n",
            Path::new("audit.yaml"),
        )
        .unwrap();
        let read = |mapping: Option<crate::csv::Mapping>| {
            let options = FileOptions {
                mapping,
                ..FileOptions::default()
            };
            let mut batch = Batch::new();
            let format = decode_file(&file, &options, &mut batch).unwrap();
            assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
            assert_eq!(batch.events.len(), 1);
            (format, batch.events.remove(0))
        };
        let (format, event) = read(Some(fitting));
        assert_eq!(format, Format::Csv);
        assert_eq!(event.host.as_ref().unwrap().name.as_deref(), Some("HS-12"));
        for mapping in [None, Some(elsewhere)] {
            let (format, event) = read(mapping);
            assert_eq!(format, Format::Sms);
            assert!(event.email.is_some(), "{event:?}");
        }
    }

    #[test]
    fn gzip_and_pretty_json_and_unknown_content() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("events.ndjson.gz");
        let mut encoder =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        encoder
            .write_all(b"{\"msg\":\"one\"}\n{\"msg\":\"two\"}\n")
            .unwrap();
        encoder.finish().unwrap();
        let mut batch = Batch::new();
        let format = decode_file(&gz, &FileOptions::default(), &mut batch).unwrap();
        assert_eq!(format, Format::Ndjson);
        assert_eq!(batch.events.len(), 2);

        let pretty = dir.path().join("pretty.json");
        std::fs::write(&pretty, "[\n  {\"msg\": \"a\"},\n  {\"msg\": \"b\"}\n]\n").unwrap();
        let mut batch = Batch::new();
        decode_file(&pretty, &FileOptions::default(), &mut batch).unwrap();
        assert_eq!(batch.events.len(), 2);
        assert!(batch.rejected.is_empty());

        let unknown = dir.path().join("blob");
        std::fs::write(&unknown, [0u8, 1, 2, 3]).unwrap();
        let error = decode_file(&unknown, &FileOptions::default(), &mut Batch::new()).unwrap_err();
        assert!(error.to_string().contains("--format"), "{error}");
    }
}
