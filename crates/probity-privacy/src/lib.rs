//! Probity's privacy layer and wrongful-disclosure policy.
//!
//! Probity reads work email and chat to find police data leaving the force wrongly, and must not read
//! what the law protects. This crate holds both sides:
//!
//! - finding what matters in text: validated UK identifiers ([`identifiers`]), Government Security
//!   Classifications markings ([`markings`]), bulk personal data ([`bulk`]);
//! - deciding where a message went ([`recipients`]) and whether that is a wrongful disclosure
//!   ([`disclosure`], a YAML policy with shipped defaults);
//! - privacy by construction: communications with protected parties keep metadata only
//!   ([`exclusions`]), medical and legally privileged content is encrypted out of analyst view
//!   ([`sealing`]), and personal data of members of the public is masked in anything an analyst reads
//!   ([`masking`]).
//!
//! In the pipeline the order matters: exclusions first (protected content is never inspected),
//! then the disclosure policy and other content policies on the text as sent, then sealing (which
//! replaces medical and privileged text with a placeholder) before storing; masking applies when
//! content is rendered for an analyst.
//!
//! Every pattern is compiled once, when its detector is built; build detectors once and share them.
//! No IO beyond the seal key file.

#![warn(missing_docs)]

pub mod addresses;
pub mod bulk;
pub mod correspondents;
pub mod disclosure;
mod domains;
mod error;
pub mod exclusions;
pub mod forwarded;
pub mod identifiers;
pub mod markings;
pub mod masking;
pub mod mentions;
pub mod names;
pub mod recipients;
mod screen;
pub mod sealing;
pub mod staff;
pub mod tables;
pub mod text;

pub use error::{Error, Result};
