//! Shared by the examples: reading message bodies from an mbox.

use std::path::Path;

/// The text bodies (and subjects) of every message in an mbox file.
pub fn mbox_texts(path: &Path) -> std::io::Result<Vec<(String, String)>> {
    let raw = std::fs::read(path)?;
    let mut texts = Vec::new();
    for message in split_mbox(&raw) {
        let Some(parsed) = mail_parser::MessageParser::default().parse(message) else {
            continue;
        };
        let subject = parsed.subject().unwrap_or_default().to_string();
        let mut body = String::new();
        for index in 0..parsed.text_body_count() {
            if let Some(text) = parsed.body_text(index) {
                body.push_str(&text);
                body.push('\n');
            }
        }
        texts.push((subject, body));
    }
    Ok(texts)
}

fn split_mbox(raw: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut at = 0;
    while at < raw.len() {
        if raw[at..].starts_with(b"From ") && (at == 0 || raw[at - 1] == b'\n') {
            starts.push(at);
        }
        match raw[at..].iter().position(|&b| b == b'\n') {
            Some(offset) => at += offset + 1,
            None => break,
        }
    }
    let mut messages = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(raw.len());
        let message = &raw[start..end];
        let body_start = message
            .iter()
            .position(|&b| b == b'\n')
            .map(|p| p + 1)
            .unwrap_or(0);
        messages.push(&message[body_start..]);
    }
    messages
}
