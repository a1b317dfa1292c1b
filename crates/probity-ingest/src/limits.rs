//! Size, depth and count limits applied to every input path.

use std::time::Duration;

use serde_json::Value;

/// Limits on one input. Defaults live here and nowhere else.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body or single in-memory document, after decompression.
    pub max_body_bytes: usize,
    /// Largest single event (an NDJSON line, a syslog frame, a CSV row).
    pub max_event_bytes: usize,
    /// Most leaf fields in one JSON event.
    pub max_fields: usize,
    /// Deepest nesting of objects and arrays in one JSON event.
    pub max_depth: usize,
    /// Largest ratio of decompressed to compressed size accepted from a gzip body.
    pub max_gzip_ratio: usize,
    /// Largest text body kept from one email.
    pub max_email_body_bytes: usize,
    /// Largest single email message read from a file or mailbox.
    pub max_message_bytes: usize,
    /// Most attachments described per email.
    pub max_attachments: usize,
    /// Largest attachment whose text is extracted; a larger one is described but not read.
    pub max_attachment_bytes: usize,
    /// Largest text kept from one attachment.
    pub max_attachment_text_bytes: usize,
    /// Most PDF pages read from one attachment.
    pub max_pdf_pages: usize,
    /// Most bytes decompressed from one attachment (all its zip entries, its gzip data, the 7-Zip
    /// blocks unpacked or its PDF streams together); also the most memory a 7-Zip decoder may
    /// ask for (its dictionary or model).
    pub max_decompressed_bytes: usize,
    /// Largest ratio of decompressed to compressed size accepted from a zip entry, a gzip file or
    /// a 7-Zip block (past the first MiB, where small repetitive files legitimately compress well).
    pub max_zip_ratio: usize,
    /// Most entries in a zip container (DOCX) or a 7-Zip archive before it is refused unread; most
    /// entries of a tar archive read.
    pub max_zip_entries: usize,
    /// Longest time spent extracting text from one attachment, checked between pages and entries.
    pub max_attachment_time: Duration,
    /// Longest time spent extracting the text of all attachments of one message; the attachments
    /// after it are described without text.
    pub max_message_extraction_time: Duration,
    /// How text in images is read by OCR; none (the default) leaves images unread, noted.
    pub ocr: Option<crate::attach::Ocr>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 32 * 1024 * 1024,
            max_event_bytes: 1024 * 1024,
            max_fields: 1_000,
            max_depth: 32,
            max_gzip_ratio: 100,
            max_email_body_bytes: 1024 * 1024,
            max_message_bytes: 64 * 1024 * 1024,
            max_attachments: 500,
            max_attachment_bytes: 32 * 1024 * 1024,
            max_attachment_text_bytes: 1024 * 1024,
            max_pdf_pages: 500,
            max_decompressed_bytes: 64 * 1024 * 1024,
            max_zip_ratio: 200,
            max_zip_entries: 10_000,
            max_attachment_time: Duration::from_secs(10),
            max_message_extraction_time: Duration::from_secs(60),
            ocr: None,
        }
    }
}

impl Limits {
    /// Checks depth and field count of a parsed JSON value.
    pub fn check_json(&self, value: &Value) -> Result<(), String> {
        let mut fields = 0usize;
        // An explicit stack: a hostile document must not be able to exhaust ours.
        let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
        while let Some((current, depth)) = stack.pop() {
            if depth > self.max_depth {
                return Err(format!("nesting deeper than {} levels", self.max_depth));
            }
            match current {
                Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
                Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
                _ => {
                    fields += 1;
                    if fields > self.max_fields {
                        return Err(format!("more than {} fields", self.max_fields));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn depth_and_field_limits() {
        let limits = Limits {
            max_depth: 3,
            max_fields: 3,
            ..Limits::default()
        };
        assert!(limits.check_json(&json!({"a": {"b": 1}})).is_ok());
        assert!(limits.check_json(&json!({"a": {"b": {"c": 1}}})).is_err());
        assert!(limits.check_json(&json!({"a": 1, "b": 2, "c": 3})).is_ok());
        assert!(
            limits
                .check_json(&json!({"a": 1, "b": 2, "c": 3, "d": 4}))
                .is_err()
        );
    }
}
