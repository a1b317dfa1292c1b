//! Seed inputs: files and folders given on the command line (mailboxes split into their
//! messages, a sample of each), and a few built-in ones, one of each kind the decoders read.

use std::path::{Path, PathBuf};

/// One input to mutate, with the file name it is decoded under.
#[derive(Debug, Clone)]
pub struct Seed {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Seeds larger than this are left out (they are the size-limit tests of earlier audits: slow to
/// mutate and decode, and the mutations make large inputs anyway).
pub const MAX_SEED_BYTES: u64 = 1024 * 1024;

/// Reads the seeds under `paths`; a mailbox gives at most `per_mailbox` of its messages, taken
/// evenly through it. Returns the seeds and the paths that could not be read.
pub fn load(paths: &[PathBuf], per_mailbox: usize) -> (Vec<Seed>, Vec<String>) {
    let mut seeds = Vec::new();
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files, &mut problems);
    }
    files.sort();
    for file in files {
        let name = file
            .file_name()
            .map(|n| sanitise(&n.to_string_lossy()))
            .unwrap_or_else(|| "seed".into());
        let Ok(meta) = std::fs::metadata(&file) else {
            problems.push(format!("{}: cannot read", file.display()));
            continue;
        };
        let is_mbox = name.ends_with(".mbox") || name.ends_with(".mbx");
        if !is_mbox && meta.len() > MAX_SEED_BYTES {
            continue;
        }
        match std::fs::read(&file) {
            Ok(bytes) if is_mbox || bytes.starts_with(b"From ") => {
                let messages = split_mbox(&bytes);
                let step = (messages.len() / per_mailbox.max(1)).max(1);
                for message in messages.iter().step_by(step).take(per_mailbox) {
                    if message.len() as u64 <= MAX_SEED_BYTES {
                        seeds.push(Seed {
                            name: "message.eml".into(),
                            bytes: message.to_vec(),
                        });
                    }
                }
            }
            Ok(bytes) => seeds.push(Seed { name, bytes }),
            Err(error) => problems.push(format!("{}: {error}", file.display())),
        }
    }
    (seeds, problems)
}

fn collect(path: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<String>) {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => match std::fs::read_dir(path) {
            Ok(entries) => {
                for entry in entries.flatten() {
                    collect(&entry.path(), files, problems);
                }
            }
            Err(error) => problems.push(format!("{}: {error}", path.display())),
        },
        Ok(_) => files.push(path.to_path_buf()),
        Err(error) => problems.push(format!("{}: {error}", path.display())),
    }
}

/// A file name safe to write in the scratch folder.
pub fn sanitise(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " ._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    if cleaned.trim_matches('.').is_empty() {
        "seed".into()
    } else {
        cleaned
    }
}

/// A mailbox's messages without their `From ` envelope lines (a `From ` line after a blank line
/// starts a message).
pub fn split_mbox(bytes: &[u8]) -> Vec<&[u8]> {
    let mut messages = Vec::new();
    let mut start: Option<usize> = None;
    let mut at = 0;
    let mut previous_blank = true;
    while at < bytes.len() {
        let end = bytes[at..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| at + i + 1);
        let line = &bytes[at..end];
        if previous_blank && line.starts_with(b"From ") {
            if let Some(begin) = start {
                messages.push(&bytes[begin..at]);
            }
            start = Some(end);
        }
        previous_blank = line == b"\n" || line == b"\r\n";
        at = end;
    }
    if let Some(begin) = start {
        messages.push(&bytes[begin..]);
    }
    messages
}

/// One small input of each kind the decoders read, written here (no outside text), so that the
/// fuzzer runs with no seed folder and its test has something to mutate.
pub fn built_in() -> Vec<Seed> {
    let seed = |name: &str, text: &str| Seed {
        name: name.into(),
        bytes: text.as_bytes().to_vec(),
    };
    vec![
        seed(
            "plain.eml",
            "From: Alan Smith <alan.smith@force.example>\nTo: Karen Jones <karen.jones@force.example>\nSubject: rota for next week\nDate: Mon, 6 May 2024 10:00:00 +0100\nMessage-ID: <1@force.example>\n\nHi Karen,\nthe rota is attached. Call me on 07700 900123.\n\nAlan\n",
        ),
        seed(
            "multipart.eml",
            "From: alan.smith@force.example\nTo: bob@force.example\nSubject: =?utf-8?Q?caf=C3=A9?= notes\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"outer\"\n\n--outer\nContent-Type: multipart/alternative; boundary=\"alt\"\n\n--alt\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nYou are a stupid cow=2C I will find you.=\nOfficial-Sensitive.\n--alt\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>You are a stupid cow, I will find you.</p><p>Only in HTML: NI AB123456C</p></body></html>\n--alt--\n--outer\nContent-Type: text/plain; name=\"notes.txt\"\nContent-Disposition: attachment; filename=\"notes.txt\"\nContent-Transfer-Encoding: base64\n\nVGhlIHN1c3BlY3QgbGl2ZXMgYXQgMTIgSGlnaCBTdHJlZXQuCg==\n--outer\nContent-Type: message/rfc822\n\nFrom: Occupational Health <occupational.health@force.police.uk>\nTo: alan.smith@force.example\nSubject: your referral\n\nYour appointment is on Tuesday.\n--outer--\n",
        ),
        seed(
            "journal.eml",
            "From: journal@force.example\nTo: archive@force.example\nSubject: journal report\nX-MS-Journal-Report:\nContent-Type: multipart/mixed; boundary=\"J\"\n\n--J\nContent-Type: text/plain\n\nSender: alan.smith@force.example\nSubject: hi\nRecipient: occupational.health@force.police.uk\n--J\nContent-Type: message/rfc822\n\nFrom: alan.smith@force.example\nTo: bob@force.example\nBcc: occupational.health@force.police.uk\nSubject: hi\n\nabout my sick note\n--J--\n",
        ),
        seed(
            "teams.json",
            "{\"value\":[{\"id\":\"1\",\"chatId\":\"19:abc\",\"messageType\":\"message\",\"createdDateTime\":\"2024-05-06T10:00:00Z\",\"from\":{\"user\":{\"displayName\":\"Alan Smith\",\"userPrincipalName\":\"alan.smith@force.example\"}},\"body\":{\"contentType\":\"html\",\"content\":\"<p>you slag</p><blockquote>agreed</blockquote>\"},\"attachments\":[{\"contentType\":\"messageReference\",\"content\":\"{\\\"messagePreview\\\":\\\"earlier\\\"}\"}]},{\"id\":\"2\",\"chatId\":\"19:abc\",\"messageType\":\"message\",\"createdDateTime\":\"2024-05-06T10:01:00Z\",\"from\":{\"user\":{\"displayName\":\"Karen Jones\"}},\"body\":{\"contentType\":\"text\",\"content\":\"ok\"}}]}\n",
        ),
        seed(
            "chat.ndjson",
            "{\"timestamp\":\"2024-05-06T10:00:00Z\",\"platform\":\"signal\",\"conversation_id\":\"c1\",\"sender\":\"alan\",\"recipients\":[\"karen\"],\"text\":\"meet at 12 High Street\"}\n{\"timestamp\":\"2024-05-06T10:01:00Z\",\"platform\":\"signal\",\"conversation_id\":\"c1\",\"sender\":\"karen\",\"recipients\":[\"alan\"],\"text\":\"ok\"}\n",
        ),
        seed(
            "WhatsApp Chat with Karen.txt",
            "06/05/2024, 10:00 - Alan Smith: hi Karen\n06/05/2024, 10:01 - Karen: who is this\nsecond line\n06/05/2024, 10:02 - Alan Smith: <Media omitted>\n[06/05/2024, 10:03:00] Alan Smith: you stupid cow\n",
        ),
        seed(
            "messages.csv",
            "Timestamp,Direction,From,To,Body,Application\n2024-05-06T10:00:00Z,Outgoing,07700 900456,07700 900789,\"see you there, Karen\",SMS\n2024-05-06T10:01:00Z,Incoming,07700 900789,07700 900456,\"no\nthanks\",WhatsApp\n",
        ),
        seed(
            "report.csv",
            "Chats (1),,,,\n#,Chat #,Direction,Timestamp: Date,Timestamp: Time,From,To,Participants,Body,Source\n1,1,Outgoing,06/05/2024,10:00:00(UTC+0),447700900001 Alan,447700912345 Karen,,hi,WhatsApp\n",
        ),
        seed(
            "two.mbox",
            "From alan@force.example Mon May  6 10:00:00 2024\nFrom: alan@force.example\nTo: bob@force.example\nSubject: one\n\nfirst\n>From the top\n\nFrom bob@force.example Mon May  6 10:01:00 2024\nFrom: bob@force.example\nTo: alan@force.example\nSubject: two\nContent-Type: text/html\n\n<p>second <b>message</b></p>\n",
        ),
    ]
}
