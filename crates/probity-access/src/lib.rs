//! Probity's access layer: who may do what in the workbench, how people sign in, and how a real
//! identity is revealed. It knows nothing of HTTP; the server calls it (from a blocking thread:
//! its store is synchronous SQLite, and sign-in runs Argon2id).
//!
//! # Roles and permissions
//! [`Role`] (administrator, analyst, investigator, authorising officer, auditor, ingest client) and
//! [`Permission`] (one per workbench action). [`Role::allows`] is the single table that grants
//! anything; [`Principal::allows`] applies it to a signed-in person's [`RoleSet`] and is what every
//! route calls. Auditors and administrators get no content and no reveal.
//!
//! # Accounts and sign-in
//! [`Access`] is the entry point, over any [`AccessStore`] (the embedded one is
//! [`SqliteAccessStore`], file `access.db` in the data directory) and an [`AccessPolicy`]. A
//! [`Principal`] (who is acting) comes only from `authenticate`, a sign-in, or
//! [`Principal::command_line`] (the `probity` command on the server), so no route can make one up.
//! - `Access::new(store, policy) -> Result<Access<S>>`
//! - `bootstrap_administrator(name, display_name, password, now) -> Result<(Account, Action)>`
//!   (only while there are no accounts)
//! - `create_account(by, name, display_name, roles, password: Option<&str>, now) -> Result<(Account, Action)>`;
//!   roles follow separation of duties ([`RoleSet::conflict`])
//! - `set_roles(by, name, roles, now)`, `set_disabled(by, name, disabled, now)` (ends the
//!   account's sessions), `reset_password(by, name, new, now)`, `reset_totp(by, name, now)`,
//!   `change_password(by, current, new, now)`, each `-> Result<Action>`
//! - `sign_in(name, password, code: Option<&str>, now) -> Result<(SignIn, Action)>`: Argon2id
//!   (OWASP parameters, [`Argon2Params`]; unknown names cost the same), [`PasswordPolicy`] (12+
//!   characters, not the name), TOTP ([`totp`]: RFC 6238, SHA-1, 30 s, 6 digits, ±1 step, each
//!   step accepted once), lockout after `max_failures` for `lockout_seconds`. Refusals are
//!   [`Denial`]s, shown only as the generic [`Denial::public_message`].
//! - `start_totp_enrolment(by, now) -> Result<(TotpEnrolment, Action)>` (secret and `otpauth://`
//!   URI) and `confirm_totp_enrolment(token, code, now) -> Result<(SessionToken, Action)>`, which
//!   replaces the session with a fully signed-in one.
//! - `sign_in_sso(name, roles, now) -> Result<(SignIn, Action)>` after the server has validated an
//!   ID token; [`OidcConfig`] holds the settings and maps claims to roles
//!   ([`OidcConfig::roles_from_claims`]).
//!
//! # Sessions
//! [`SessionToken`]: 256 random bits; the store keeps only its SHA-256.
//! `authenticate(token, now) -> Result<Option<Principal>>` applies the idle and absolute timeouts
//! ([`SessionPolicy`]) and drops sessions of disabled accounts; `sign_out(token, now) ->
//! Result<Option<Action>>`, `purge_sessions(now) -> Result<u64>`. [`SessionToken::csrf_token`] and
//! [`SessionToken::csrf_matches`] (constant time) protect forms. API tokens for scripts are
//! separate and live in `probity-store`.
//!
//! # Pseudonyms and reveal
//! [`Pseudonymiser`] makes stable pseudonyms (`P-7Q3K-9XDM-4TNA`, keyed HMAC-SHA256 over the
//! lower-cased identifier) from a key file in the data directory (mode 0600, rotatable, old keys
//! kept). `pseudonymise(keys, identifier) -> Result<Pseudonym>` and `pseudonymise_all(keys,
//! identifiers) -> Result<Vec<Pseudonym>>` also record the mapping. The only way back is a reveal:
//! - `request_reveal(by, case, pseudonym, necessity, proportionality, now) -> Result<(RevealRequest, Action)>`
//! - `pending_reveals(by, now) -> Result<Vec<RevealRequest>>` for authorising officers
//! - `decide_reveal(by, id, verdict, note, now) -> Result<(RevealRequest, Action)>`: a different
//!   person with the authorising-officer role.
//! - `reveal_identity(by, id, now) -> Result<(String, Action)>`: the requester, while the
//!   approval lasts ([`RevealPolicy::grant_seconds`]); `remap_pseudonym(by, id, keys, now) ->
//!   Result<(Pseudonym, Action)>` gives the current pseudonym after a key rotation.
//!
//! Every operation that changes something returns a [`probity_audit::Action`] for the caller to
//! append to the audit log (actor `account:<name>` or `cli:<user>`; actions `account.*` and
//! `identity.reveal.*`). Times are passed in (`now`), so that expiry is testable.
//!
//! # Backends
//! [`access_store_test_suite!`] runs the behaviour every [`AccessStore`] must show; the SQLite
//! store runs it in `tests/sqlite.rs`, and a PostgreSQL store can run the same.

mod access;
mod error;
pub mod oidc;
pub mod password;
pub mod pseudonym;
pub mod reveal;
pub mod role;
pub mod session;
pub mod sqlite;
mod store;
pub mod testsuite;
pub mod totp;

pub use access::{Access, AccessPolicy, Denial, Principal, SignIn};
pub use error::{Error, Result};
pub use oidc::{ClientSecret, OidcConfig};
pub use password::{AccountName, Argon2Params, PasswordDigest, PasswordPolicy};
pub use pseudonym::{Pseudonym, Pseudonymiser};
pub use reveal::{
    RevealDecision, RevealGrant, RevealId, RevealPolicy, RevealRequest, RevealStatus, Verdict,
};
pub use role::{Permission, Role, RoleSet, UnknownRole};
pub use session::{SessionPolicy, SessionRecord, SessionToken};
pub use sqlite::SqliteAccessStore;
pub use store::{AccessStore, Account};
pub use totp::{TotpEnrolment, TotpSecret};
