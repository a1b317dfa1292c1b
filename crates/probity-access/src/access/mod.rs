//! The access layer's entry point: [`Access`] joins a store and the policy, and every operation
//! that changes something returns the audit [`Action`] the caller appends to the audit log.

mod accounts;
mod reveals;
mod signin;

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use probity_audit::Action;
use probity_model::Timestamp;

use crate::password::hash_password;
use crate::{
    AccessStore, AccountName, Argon2Params, Error, PasswordDigest, PasswordPolicy, Permission,
    Pseudonym, Result, RevealPolicy, Role, RoleSet, SessionPolicy, SessionToken,
};

/// Fewest characters in an authorising officer's decision note.
const MIN_DECISION_NOTE: usize = 10;

/// Everything the access layer can be configured with. Defaults live here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessPolicy {
    /// What new passwords must be.
    pub password: PasswordPolicy,
    /// Argon2id cost for new hashes.
    pub argon2: Argon2Params,
    /// Failed sign-ins (password or code) before the account locks.
    pub max_failures: u32,
    /// How long a lock lasts, in seconds.
    pub lockout_seconds: i64,
    /// Whether local accounts need an authenticator code. Without one enrolled, a session can
    /// only enrol.
    pub require_totp: bool,
    /// The issuer name authenticator apps show.
    pub totp_issuer: String,
    /// Session timeouts.
    pub sessions: SessionPolicy,
    /// Reveal statements and grant length.
    pub reveals: RevealPolicy,
}

impl Default for AccessPolicy {
    fn default() -> Self {
        Self {
            password: PasswordPolicy::default(),
            argon2: Argon2Params::default(),
            max_failures: 5,
            lockout_seconds: 15 * 60,
            require_totp: true,
            totp_issuer: "Probity".into(),
            sessions: SessionPolicy::default(),
            reveals: RevealPolicy::default(),
        }
    }
}

impl AccessPolicy {
    /// Checks the policy; the error names the setting to change.
    pub fn validate(&self) -> Result<()> {
        let problem = |text: &str| Err(Error::Policy(text.to_owned()));
        if self.max_failures == 0 || self.max_failures > 100 {
            return problem("max_failures must be between 1 and 100");
        }
        if self.lockout_seconds < 60 {
            return problem("lockout_seconds must be at least 60");
        }
        let sessions = &self.sessions;
        if sessions.idle_seconds < 60 || sessions.absolute_seconds < sessions.idle_seconds {
            return problem(
                "sessions.idle_seconds must be at least 60 and no more than sessions.absolute_seconds",
            );
        }
        if sessions.touch_interval_seconds < 0
            || sessions.touch_interval_seconds >= sessions.idle_seconds
        {
            return problem("sessions.touch_interval_seconds must be below sessions.idle_seconds");
        }
        let reveals = &self.reveals;
        if reveals.grant_seconds < 60 || reveals.pending_seconds < 60 {
            return problem(
                "reveals.grant_seconds and reveals.pending_seconds must be at least 60",
            );
        }
        if reveals.min_statement_chars < 20
            || reveals.max_statement_chars < reveals.min_statement_chars
        {
            return problem(
                "reveals.min_statement_chars must be at least 20 and below reveals.max_statement_chars",
            );
        }
        if self.totp_issuer.trim().is_empty() || self.totp_issuer.len() > 64 {
            return problem("totp_issuer must be 1-64 bytes");
        }
        Ok(())
    }
}

/// Who is acting: a signed-in account and its roles. Only this crate makes one (from a session,
/// a sign-in, or [`Principal::command_line`]), so a route cannot grant itself roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    account: AccountName,
    roles: RoleSet,
    signed_in: bool,
    actor: String,
}

impl Principal {
    fn new(account: AccountName, roles: RoleSet, signed_in: bool) -> Self {
        let actor = account.actor();
        Self {
            account,
            roles,
            signed_in,
            actor,
        }
    }

    /// The administrator acting through the `probity` command on the server itself (someone who
    /// can already read the data directory). Its audit actor is `cli:<os_user>`.
    pub fn command_line(os_user: &str) -> Self {
        let user: String = os_user
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .take(64)
            .collect();
        let user = if user.is_empty() {
            "unknown".into()
        } else {
            user
        };
        Self {
            account: AccountName::reserved(format!("cli:{user}")),
            roles: RoleSet::new([Role::Administrator]),
            signed_in: true,
            actor: format!("cli:{user}"),
        }
    }

    /// Whether this principal may do `permission`: sign-in complete and a role that allows it.
    /// Every route passes through here.
    pub fn allows(&self, permission: Permission) -> bool {
        self.signed_in && self.roles.allows(permission)
    }

    /// [`Principal::allows`], as an error naming the missing permission.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.allows(permission) {
            return Ok(());
        }
        Err(Error::Forbidden(permission))
    }

    /// The account acting.
    pub fn account(&self) -> &AccountName {
        &self.account
    }

    /// Its roles now.
    pub fn roles(&self) -> &RoleSet {
        &self.roles
    }

    /// Whether sign-in is complete (second factor given, or not required). Until it is, the
    /// principal holds no permission and may only enrol an authenticator.
    pub fn signed_in(&self) -> bool {
        self.signed_in
    }

    /// The audit-log actor (`account:jdoe`, `cli:root`).
    pub fn actor(&self) -> String {
        self.actor.clone()
    }
}

/// Why a sign-in was refused. Only [`Denial::public_message`] is shown to the person signing in;
/// the reason itself goes to the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// No such account (or the name is not a valid one).
    UnknownAccount,
    /// The account is disabled.
    Disabled,
    /// Too many failures; locked until then.
    Locked { until: Timestamp },
    /// The account signs in only through single sign-on.
    NoPassword,
    /// Wrong password.
    WrongPassword,
    /// The password was right; an authenticator code is needed too.
    CodeRequired,
    /// Wrong authenticator code.
    WrongCode,
    /// A code that was already used.
    CodeReused,
    /// Single sign-on gave the person no Probity role.
    NoRoles,
    /// Single sign-on gave the person roles that may not be held together.
    RoleConflict,
}

impl Denial {
    /// A stable name for the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Denial::UnknownAccount => "unknown-account",
            Denial::Disabled => "disabled",
            Denial::Locked { .. } => "locked",
            Denial::NoPassword => "no-password",
            Denial::WrongPassword => "wrong-password",
            Denial::CodeRequired => "code-required",
            Denial::WrongCode => "wrong-code",
            Denial::CodeReused => "code-reused",
            Denial::NoRoles => "no-roles",
            Denial::RoleConflict => "role-conflict",
        }
    }

    /// What the sign-in page says. It does not tell whether the account exists.
    pub fn public_message(self) -> &'static str {
        match self {
            Denial::CodeRequired => "Enter the code from your authenticator app.",
            Denial::NoRoles => "Your account has no access to Probity. Ask an administrator.",
            Denial::RoleConflict => {
                "Your groups give roles that may not be held together. Ask an administrator."
            }
            _ => {
                "Sign-in failed. Check your name, password and code; after repeated failures the account is locked for a while."
            }
        }
    }
}

/// The result of a sign-in.
#[derive(Debug)]
pub enum SignIn {
    /// A session was started. If `principal.signed_in` is false, the session may only enrol an
    /// authenticator.
    Granted {
        /// The session token, for the cookie.
        token: SessionToken,
        /// Who signed in.
        principal: Principal,
    },
    /// Refused.
    Denied(Denial),
}

/// Pseudonyms remembered as recorded, at most (then the memory starts afresh).
const RECORDED_CACHE: usize = 1_000_000;

type RecordedSet = HashSet<(u32, Pseudonym)>;

fn lock_recorded(mutex: &Mutex<RecordedSet>) -> MutexGuard<'_, RecordedSet> {
    // The set is only a cache; a poisoned one is still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The access layer over a store. See the crate documentation.
#[derive(Debug)]
pub struct Access<S> {
    store: S,
    policy: AccessPolicy,
    /// Verified against when there is no real hash, so that unknown names take as long as known.
    dummy_digest: PasswordDigest,
    /// Pseudonyms already in the store's map, by key id, so that they are not written again.
    recorded: Mutex<RecordedSet>,
}

fn action(
    time: Timestamp,
    actor: String,
    name: &str,
    target: String,
    details: serde_json::Value,
) -> Action {
    Action {
        time,
        actor,
        action: name.to_owned(),
        target,
        details,
    }
}

/// Checks the roles a person's account may hold.
fn check_account_roles(roles: &RoleSet) -> Result<()> {
    if roles.is_empty() {
        return Err(Error::NoRoles);
    }
    if roles.contains(Role::IngestClient) {
        return Err(Error::RoleConflict(
            "ingest-client is for API tokens (probity token create), not accounts".into(),
        ));
    }
    if let Some(conflict) = roles.conflict() {
        return Err(Error::RoleConflict(conflict.into()));
    }
    Ok(())
}

impl<S: AccessStore> Access<S> {
    /// The access layer over `store` with `policy` (checked with [`AccessPolicy::validate`]). Computes one password hash (to equalise
    /// sign-in timing), so it takes as long as a sign-in.
    pub fn new(store: S, policy: AccessPolicy) -> Result<Self> {
        policy.validate()?;
        let dummy_digest = hash_password(&policy.argon2, "probity timing equaliser")?;
        Ok(Self {
            store,
            policy,
            dummy_digest,
            recorded: Mutex::new(HashSet::new()),
        })
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The policy.
    pub fn policy(&self) -> &AccessPolicy {
        &self.policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_valid_and_bad_settings_are_named() {
        AccessPolicy::default().validate().unwrap();
        type Change = fn(&mut AccessPolicy);
        let cases: [(Change, &str); 5] = [
            (|p| p.max_failures = 0, "max_failures"),
            (|p| p.lockout_seconds = 0, "lockout_seconds"),
            (
                |p| p.sessions.absolute_seconds = 60,
                "sessions.idle_seconds",
            ),
            (|p| p.reveals.grant_seconds = 0, "reveals.grant_seconds"),
            (
                |p| p.reveals.min_statement_chars = 1,
                "reveals.min_statement_chars",
            ),
        ];
        for (change, named) in cases {
            let mut policy = AccessPolicy::default();
            change(&mut policy);
            let error = policy.validate().unwrap_err().to_string();
            assert!(error.contains(named), "{error}");
        }
    }

    #[test]
    fn a_policy_reads_from_partial_configuration() {
        let policy: AccessPolicy = serde_json::from_value(serde_json::json!({
            "max_failures": 3,
            "sessions": {"idle_seconds": 600},
            "reveals": {"grant_seconds": 3600}
        }))
        .unwrap();
        assert_eq!(policy.max_failures, 3);
        assert_eq!(policy.sessions.idle_seconds, 600);
        assert_eq!(
            policy.sessions.absolute_seconds,
            SessionPolicy::default().absolute_seconds
        );
        assert_eq!(policy.reveals.grant_seconds, 3600);
        policy.validate().unwrap();
        assert_eq!(
            policy.lockout_seconds,
            AccessPolicy::default().lockout_seconds
        );
        assert!(policy.require_totp);
    }
}
