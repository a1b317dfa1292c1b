//! Reading request bodies within size and time limits, and decompressing them within limits.

use std::io::Read;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use flate2::read::MultiGzDecoder;
use http::HeaderMap;
use http_body_util::{BodyExt, Limited};

use probity_ingest::Limits;

use crate::error::RequestError;

/// A compressed body may always expand to this much, however small it is.
const MIN_EXPANSION: usize = 1024 * 1024;

/// How the body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
}

/// The body's `Content-Encoding`.
pub fn encoding(headers: &HeaderMap) -> Result<Encoding, RequestError> {
    let Some(value) = headers.get(http::header::CONTENT_ENCODING) else {
        return Ok(Encoding::Identity);
    };
    let value = value
        .to_str()
        .map_err(|_| RequestError::UnsupportedEncoding("(not text)".into()))?
        .trim()
        .to_ascii_lowercase();
    match value.as_str() {
        "" | "identity" => Ok(Encoding::Identity),
        "gzip" | "x-gzip" => Ok(Encoding::Gzip),
        other => Err(RequestError::UnsupportedEncoding(other.to_owned())),
    }
}

/// The size the client says the body has.
pub fn claimed_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads the whole body, refusing more than `limits.max_body_bytes` and giving up after `timeout`.
pub async fn read(body: Body, limits: &Limits, timeout: Duration) -> Result<Bytes, RequestError> {
    let limited = Limited::new(body, limits.max_body_bytes);
    match tokio::time::timeout(timeout, limited.collect()).await {
        Err(_) => Err(RequestError::Timeout),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) => {
            if error.is::<http_body_util::LengthLimitError>() {
                Err(RequestError::TooLarge {
                    size: None,
                    limit: limits.max_body_bytes,
                })
            } else {
                Err(RequestError::BadBody(
                    "the request body could not be read".into(),
                ))
            }
        }
    }
}

/// Decompresses a gzip body, refusing one that expands beyond the body limit or beyond
/// `max_gzip_ratio` times its compressed size (a decompression bomb). Runs on a blocking thread.
pub fn gunzip(raw: &[u8], limits: &Limits) -> Result<Vec<u8>, String> {
    let cap = raw
        .len()
        .saturating_mul(limits.max_gzip_ratio)
        .max(MIN_EXPANSION)
        .min(limits.max_body_bytes);
    let mut out = Vec::new();
    let mut decoder = MultiGzDecoder::new(raw).take(cap as u64 + 1);
    if let Err(error) = decoder.read_to_end(&mut out) {
        return Err(format!("gzip body is truncated or corrupt: {error}"));
    }
    if out.len() > cap {
        return Err(format!(
            "gzip body expands beyond {cap} bytes (limit: {} bytes, or {}x the compressed size)",
            limits.max_body_bytes, limits.max_gzip_ratio
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_limits() {
        let limits = Limits::default();
        assert_eq!(gunzip(&gzip(b"hello"), &limits).unwrap(), b"hello");

        let full = gzip(b"{\"a\":1}\n");
        let truncated = &full[..full.len() - 6];
        let error = gunzip(truncated, &limits).unwrap_err();
        assert!(error.contains("truncated or corrupt"), "{error}");

        let bomb = gzip(&vec![b'a'; 50 * 1024 * 1024]);
        let error = gunzip(&bomb, &limits).unwrap_err();
        assert!(error.contains("expands beyond"), "{error}");
    }
}
