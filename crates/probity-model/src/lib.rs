//! Probity's domain types, shared by every other crate and free of IO.
//!
//! The centre is [`Event`]: one activity record (a sign-in, a records-system lookup, an email, a
//! process start) with ECS-style field names plus a `record.*` namespace for records-system access.
//! Every event carries its [`Provenance`] (where it came from, in which format, when it was ingested,
//! and a content-derived [`EventId`]) and the decoder's original fields, so that detections written
//! against a product's own names (a Windows `EventID`, `TargetUserName`) still find them.
//!
//! Detections produce [`Alert`]s: the rule, the level, an explanation an analyst can check, the
//! matched fields, and references to the events they rest on.
//!
//! Values that name or identify a person are typed as [`Identity`] rather than `String`, so that the
//! privacy layer can find and pseudonymise every one of them without guessing which strings are people
//! ([`Event::identities_mut`]).
//!
//! Two readers of text live here because more than one crate needs them: the check of a policy
//! file's YAML before it is parsed ([`policy_text`]), and the table of the words mail programs
//! write above a forwarded or quoted message in the languages staff may use ([`mail_words`]).

mod alert;
mod deadletter;
mod event;
mod field;
mod finding;
mod id;
mod identity;
pub mod mail_words;
pub mod policy_text;
mod provenance;
mod time;

pub use alert::{Alert, AlertId, AlertRule, EventRef, Level, MatchedField};
pub use deadletter::{DeadLetter, RAW_KEEP_LIMIT, RawKept};
pub use event::{
    Attachment, Email, Endpoint, Event, EventMeta, File, FileHash, Host, ParentProcess, Process,
    Record, RecordSubject, Url, User, UserRef,
};
pub use field::{FieldValue, SETTABLE_FIELDS, SetFieldError, is_settable};
pub use finding::{Finding, Span};
pub use id::{EventId, IdAssigner, ParseEventIdError};
pub use identity::{Identity, IdentityKind};
pub use provenance::{Format, ParseFormatError, Provenance};
pub use time::{Timestamp, from_micros, to_micros};
