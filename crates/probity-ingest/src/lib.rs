//! Decoders that turn what police ICT produces into Probity [`Event`](probity_model::Event)s.
//!
//! Each decoder reads one format (NDJSON and JSON arrays, CSV with a YAML mapping, syslog RFC 5424
//! and RFC 3164, Windows EVTX, EML and MBOX with Exchange journal reports, Microsoft 365 unified
//! audit records, Microsoft Teams exports, Probity's chat NDJSON, device message CSV exports,
//! Splunk HEC and Elasticsearch `_bulk` bodies) and pushes results into a [`Sink`]: an event for
//! each record it could read, a [`DeadLetter`](probity_model::DeadLetter) with the reason for each
//! it could not. Nothing is dropped silently, and every decoder works within [`Limits`].
//! Email attachments carry their text where [`attach`] can read it (plain text, HTML, DOCX, PDF),
//! and the reason where it cannot.
//!
//! This crate does no network IO and never writes to a store; the server and the CLI feed what it
//! produces to `probity-store`.

pub mod attach;
pub mod bulk;
mod charset;
pub mod chat;
pub mod context;
pub mod csv;
pub mod detect;
mod error;
pub mod evtx;
pub mod files;
pub mod hec;
pub mod html;
pub mod json;
pub mod limits;
pub mod lines;
pub mod m365;
pub mod mail;
pub mod sink;
pub mod syslog;
pub mod timeparse;
pub mod windows;

pub use context::Context;
pub use error::{Error, Result};
pub use limits::Limits;
pub use sink::{Batch, Sink};
