//! The access layer's entry point: [`Access`] joins a store and the policy, and every operation
//! that changes something returns the audit [`Action`] the caller appends to the audit log.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::json;

use probity_audit::Action;
use probity_model::Timestamp;

use crate::password::{hash_password, needs_rehash, verify_password};
use crate::reveal::check_case_ref;
use crate::totp::{TotpEnrolment, verify as verify_code};
use crate::{
    AccessStore, Account, AccountName, Argon2Params, Error, PasswordDigest, PasswordPolicy,
    Permission, Pseudonym, Pseudonymiser, Result, RevealDecision, RevealGrant, RevealId,
    RevealPolicy, RevealRequest, RevealStatus, Role, RoleSet, SessionPolicy, SessionRecord,
    SessionToken, Verdict,
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
    /// The access layer over `store` with `policy`. Computes one password hash (to equalise
    /// sign-in timing), so it takes as long as a sign-in.
    pub fn new(store: S, policy: AccessPolicy) -> Result<Self> {
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

    // ---- accounts --------------------------------------------------------------------------

    /// Creates the first administrator. Refused once any account exists.
    pub fn bootstrap_administrator(
        &self,
        name: &str,
        display_name: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<(Account, Action)> {
        if !self.store.accounts()?.is_empty() {
            return Err(Error::AccountExists(
                "(accounts already exist; create more through an administrator)".into(),
            ));
        }
        let roles = RoleSet::new([Role::Administrator]);
        let account = self.new_account(name, display_name, roles, Some(password), now)?;
        let audit = action(
            now,
            "cli:bootstrap".into(),
            "account.create",
            account.name.to_string(),
            json!({"roles": account.roles.to_list()}),
        );
        Ok((account, audit))
    }

    /// Creates an account (needs [`Permission::ManageAccounts`]). `password` is `None` for an
    /// account that signs in only through single sign-on.
    pub fn create_account(
        &self,
        by: &Principal,
        name: &str,
        display_name: &str,
        roles: RoleSet,
        password: Option<&str>,
        now: Timestamp,
    ) -> Result<(Account, Action)> {
        by.require(Permission::ManageAccounts)?;
        let account = self.new_account(name, display_name, roles, password, now)?;
        let audit = action(
            now,
            by.actor(),
            "account.create",
            account.name.to_string(),
            json!({"roles": account.roles.to_list(), "local_password": password.is_some()}),
        );
        Ok((account, audit))
    }

    fn new_account(
        &self,
        name: &str,
        display_name: &str,
        roles: RoleSet,
        password: Option<&str>,
        now: Timestamp,
    ) -> Result<Account> {
        let name = AccountName::parse(name)?;
        check_account_roles(&roles)?;
        let digest = match password {
            Some(password) => {
                self.policy.password.check(&name, password)?;
                Some(hash_password(&self.policy.argon2, password)?)
            }
            None => None,
        };
        let display_name: String = display_name.trim().chars().take(200).collect();
        let account = Account::new(name, &display_name, roles, digest, now);
        self.store.insert_account(&account)?;
        Ok(account)
    }

    fn existing(&self, name: &str) -> Result<AccountName> {
        let name = AccountName::parse(name)?;
        if self.store.account(&name)?.is_none() {
            return Err(Error::NoSuchAccount(name.to_string()));
        }
        Ok(name)
    }

    /// Replaces an account's roles (needs [`Permission::ManageAccounts`]; nobody changes their
    /// own roles).
    pub fn set_roles(
        &self,
        by: &Principal,
        name: &str,
        roles: RoleSet,
        now: Timestamp,
    ) -> Result<Action> {
        by.require(Permission::ManageAccounts)?;
        let name = self.existing(name)?;
        if name == by.account {
            return Err(Error::Forbidden(Permission::ManageAccounts));
        }
        check_account_roles(&roles)?;
        self.store.set_roles(&name, &roles)?;
        Ok(action(
            now,
            by.actor(),
            "account.roles",
            name.to_string(),
            json!({"roles": roles.to_list()}),
        ))
    }

    /// Disables (ending every session) or enables another account (needs
    /// [`Permission::ManageAccounts`]).
    pub fn set_disabled(
        &self,
        by: &Principal,
        name: &str,
        disabled: bool,
        now: Timestamp,
    ) -> Result<Action> {
        by.require(Permission::ManageAccounts)?;
        let name = self.existing(name)?;
        if name == by.account {
            // Nobody locks themselves out (it could leave no administrator).
            return Err(Error::Forbidden(Permission::ManageAccounts));
        }
        self.store.set_disabled(&name, disabled)?;
        let mut ended = 0;
        if disabled {
            ended = self.store.delete_sessions_of(&name)?;
        }
        let verb = if disabled {
            "account.disable"
        } else {
            "account.enable"
        };
        Ok(action(
            now,
            by.actor(),
            verb,
            name.to_string(),
            json!({"sessions_ended": ended}),
        ))
    }

    /// Sets a new password for someone else's account (needs [`Permission::ManageAccounts`]),
    /// ending its sessions.
    pub fn reset_password(
        &self,
        by: &Principal,
        name: &str,
        new_password: &str,
        now: Timestamp,
    ) -> Result<Action> {
        by.require(Permission::ManageAccounts)?;
        let name = self.existing(name)?;
        self.replace_password(&name, new_password)?;
        Ok(action(
            now,
            by.actor(),
            "account.password.reset",
            name.to_string(),
            json!({}),
        ))
    }

    /// Changes the principal's own password, given the current one (a wrong one counts towards
    /// the lockout). Every session of the account ends, this one too: sign in again.
    pub fn change_password(
        &self,
        by: &Principal,
        current: &str,
        new_password: &str,
        now: Timestamp,
    ) -> Result<Action> {
        let account = self
            .store
            .account(&by.account)?
            .ok_or_else(|| Error::NoSuchAccount(by.account.to_string()))?;
        let current_ok = account
            .password
            .as_ref()
            .is_some_and(|digest| verify_password(digest, current));
        if !current_ok {
            let lock_until = now + Duration::seconds(self.policy.lockout_seconds);
            self.store
                .record_failure(&by.account, self.policy.max_failures, lock_until)?;
            return Err(Error::CurrentPassword);
        }
        self.replace_password(&by.account, new_password)?;
        Ok(action(
            now,
            by.actor(),
            "account.password.change",
            by.account.to_string(),
            json!({}),
        ))
    }

    fn replace_password(&self, name: &AccountName, new_password: &str) -> Result<()> {
        self.policy.password.check(name, new_password)?;
        let digest = hash_password(&self.policy.argon2, new_password)?;
        self.store.set_password(name, &digest)?;
        self.store.delete_sessions_of(name)?;
        Ok(())
    }

    // ---- sign-in -----------------------------------------------------------------------------

    /// Signs in a local account with its password and, once enrolled, an authenticator code.
    /// Every outcome comes with its audit action.
    pub fn sign_in(
        &self,
        name: &str,
        password: &str,
        code: Option<&str>,
        now: Timestamp,
    ) -> Result<(SignIn, Action)> {
        let target = AccountName::parse(name)
            .map(|name| name.to_string())
            .unwrap_or_else(|_| "(invalid name)".into());
        let outcome = self.check_sign_in(name, password, code, now)?;
        let audit = match &outcome {
            SignIn::Granted { principal, .. } => action(
                now,
                principal.actor(),
                "account.sign-in",
                target,
                json!({"method": "password", "complete": principal.signed_in}),
            ),
            SignIn::Denied(denial) => {
                let mut details = json!({"method": "password", "reason": denial.as_str()});
                if let Denial::Locked { until } = denial {
                    details["locked_until"] = json!(until.to_rfc3339());
                }
                action(
                    now,
                    "anonymous".into(),
                    "account.sign-in.denied",
                    target,
                    details,
                )
            }
        };
        Ok((outcome, audit))
    }

    fn check_sign_in(
        &self,
        name: &str,
        password: &str,
        code: Option<&str>,
        now: Timestamp,
    ) -> Result<SignIn> {
        let Ok(name) = AccountName::parse(name) else {
            verify_password(&self.dummy_digest, password);
            return Ok(SignIn::Denied(Denial::UnknownAccount));
        };
        let Some(account) = self.store.account(&name)? else {
            verify_password(&self.dummy_digest, password);
            return Ok(SignIn::Denied(Denial::UnknownAccount));
        };
        if account.disabled {
            verify_password(&self.dummy_digest, password);
            return Ok(SignIn::Denied(Denial::Disabled));
        }
        if let Some(until) = account.locked_until
            && until > now
        {
            verify_password(&self.dummy_digest, password);
            return Ok(SignIn::Denied(Denial::Locked { until }));
        }
        let Some(digest) = &account.password else {
            verify_password(&self.dummy_digest, password);
            return Ok(SignIn::Denied(Denial::NoPassword));
        };
        if !verify_password(digest, password) {
            return self.failure(&name, Denial::WrongPassword, now);
        }
        let second_factor = match &account.totp {
            None => false,
            Some(secret) => {
                let Some(code) = code else {
                    return Ok(SignIn::Denied(Denial::CodeRequired));
                };
                let unix = u64::try_from(now.timestamp()).unwrap_or(0);
                let Some(step) = verify_code(secret, code, unix, account.totp_last_step) else {
                    let reused = verify_code(secret, code, unix, None).is_some();
                    let denial = if reused {
                        Denial::CodeReused
                    } else {
                        Denial::WrongCode
                    };
                    return self.failure(&name, denial, now);
                };
                if !self.store.claim_totp_step(&name, step)? {
                    return self.failure(&name, Denial::CodeReused, now);
                }
                true
            }
        };
        self.store.record_success(&name, now)?;
        if needs_rehash(digest, &self.policy.argon2) {
            // Best effort: the old hash still works if this fails.
            if let Ok(fresh) = hash_password(&self.policy.argon2, password) {
                self.store.set_password(&name, &fresh)?;
            }
        }
        let (token, principal) = self.start_session(&account, second_factor, None, now)?;
        Ok(SignIn::Granted { token, principal })
    }

    fn failure(&self, name: &AccountName, denial: Denial, now: Timestamp) -> Result<SignIn> {
        let lock_until = now + Duration::seconds(self.policy.lockout_seconds);
        let locked = self
            .store
            .record_failure(name, self.policy.max_failures, lock_until)?;
        match locked {
            Some(until) => Ok(SignIn::Denied(Denial::Locked { until })),
            None => Ok(SignIn::Denied(denial)),
        }
    }

    fn start_session(
        &self,
        account: &Account,
        second_factor: bool,
        sso_roles: Option<RoleSet>,
        now: Timestamp,
    ) -> Result<(SessionToken, Principal)> {
        let token = SessionToken::generate();
        let roles = sso_roles.clone().unwrap_or_else(|| account.roles.clone());
        let record = SessionRecord {
            token_hash: token.hash(),
            account: account.name.clone(),
            created: now,
            last_seen: now,
            second_factor,
            sso_roles,
        };
        self.store.insert_session(&record)?;
        let signed_in = second_factor || !self.policy.require_totp;
        let principal = Principal::new(account.name.clone(), roles, signed_in);
        Ok((token, principal))
    }

    /// Starts a session for a person the identity provider has vouched for, with the roles its
    /// claims map to ([`OidcConfig::roles_from_claims`](crate::OidcConfig::roles_from_claims)).
    /// A local account of the same name that is disabled blocks it.
    pub fn sign_in_sso(
        &self,
        name: &str,
        roles: RoleSet,
        now: Timestamp,
    ) -> Result<(SignIn, Action)> {
        let name = AccountName::parse(name)?;
        let local = self.store.account(&name)?;
        let denial = if local.as_ref().is_some_and(|account| account.disabled) {
            Some(Denial::Disabled)
        } else if roles.is_empty() {
            Some(Denial::NoRoles)
        } else if check_account_roles(&roles).is_err() {
            Some(Denial::RoleConflict)
        } else {
            None
        };
        if let Some(denial) = denial {
            let audit = action(
                now,
                "anonymous".into(),
                "account.sign-in.denied",
                name.to_string(),
                json!({"method": "oidc", "reason": denial.as_str()}),
            );
            return Ok((SignIn::Denied(denial), audit));
        }
        let account = Account::new(name.clone(), "", roles.clone(), None, now);
        let (token, principal) = self.start_session(&account, true, Some(roles.clone()), now)?;
        let audit = action(
            now,
            principal.actor(),
            "account.sign-in",
            name.to_string(),
            json!({"method": "oidc", "roles": roles.to_list()}),
        );
        Ok((SignIn::Granted { token, principal }, audit))
    }

    // ---- authenticator enrolment ---------------------------------------------------------------

    /// Issues a new authenticator secret for the principal's own account (kept pending until
    /// confirmed). Allowed before sign-in is complete only for accounts with none enrolled.
    pub fn start_totp_enrolment(
        &self,
        by: &Principal,
        now: Timestamp,
    ) -> Result<(TotpEnrolment, Action)> {
        let account = self
            .store
            .account(&by.account)?
            .ok_or_else(|| Error::NoSuchAccount(by.account.to_string()))?;
        if account.totp.is_some() && !by.signed_in {
            return Err(Error::NoEnrolment);
        }
        let enrolment = TotpEnrolment::new(&self.policy.totp_issuer, account.name.as_str());
        self.store.set_totp(
            &account.name,
            account.totp.as_ref(),
            Some(&enrolment.secret),
        )?;
        let audit = action(
            now,
            by.actor(),
            "account.totp.start",
            account.name.to_string(),
            json!({}),
        );
        Ok((enrolment, audit))
    }

    /// Confirms the pending authenticator of the session's account with a first code and makes it
    /// the account's. The session is replaced by a new, fully signed-in one (a new token, so that
    /// a token seen before the second factor is worth nothing after). A wrong code counts as a
    /// failed sign-in (towards the lockout).
    pub fn confirm_totp_enrolment(
        &self,
        token: &SessionToken,
        code: &str,
        now: Timestamp,
    ) -> Result<(SessionToken, Action)> {
        let by = self.authenticate(token, now)?.ok_or(Error::NoSession)?;
        let account = self
            .store
            .account(&by.account)?
            .ok_or_else(|| Error::NoSuchAccount(by.account.to_string()))?;
        let pending = account.totp_pending.clone().ok_or(Error::NoEnrolment)?;
        let unix = u64::try_from(now.timestamp()).unwrap_or(0);
        let Some(step) = verify_code(&pending, code, unix, None) else {
            let lock_until = now + Duration::seconds(self.policy.lockout_seconds);
            self.store
                .record_failure(&account.name, self.policy.max_failures, lock_until)?;
            return Err(Error::BadCode);
        };
        self.store.set_totp(&account.name, Some(&pending), None)?;
        self.store.claim_totp_step(&account.name, step)?;
        self.store.delete_session(&token.hash())?;
        let (fresh, _) = self.start_session(&account, true, None, now)?;
        let audit = action(
            now,
            by.actor(),
            "account.totp.confirm",
            account.name.to_string(),
            json!({}),
        );
        Ok((fresh, audit))
    }

    /// Removes an account's authenticator (a lost phone; needs [`Permission::ManageAccounts`])
    /// and ends its sessions. The person enrols a new one at their next sign-in.
    pub fn reset_totp(&self, by: &Principal, name: &str, now: Timestamp) -> Result<Action> {
        by.require(Permission::ManageAccounts)?;
        let name = self.existing(name)?;
        self.store.set_totp(&name, None, None)?;
        let ended = self.store.delete_sessions_of(&name)?;
        Ok(action(
            now,
            by.actor(),
            "account.totp.reset",
            name.to_string(),
            json!({"sessions_ended": ended}),
        ))
    }

    // ---- sessions ----------------------------------------------------------------------------

    /// The principal behind a session token, if the session is live and its account enabled.
    /// Ends sessions found expired.
    pub fn authenticate(&self, token: &SessionToken, now: Timestamp) -> Result<Option<Principal>> {
        let hash = token.hash();
        let Some(session) = self.store.session(&hash)? else {
            return Ok(None);
        };
        if self.policy.sessions.expired(&session, now) {
            self.store.delete_session(&hash)?;
            return Ok(None);
        }
        let account = self.store.account(&session.account)?;
        let roles = match (&session.sso_roles, &account) {
            (_, Some(account)) if account.disabled => None,
            (Some(roles), _) => Some(roles.clone()),
            (None, Some(account)) => Some(account.roles.clone()),
            (None, None) => None,
        };
        let Some(roles) = roles else {
            self.store.delete_session(&hash)?;
            return Ok(None);
        };
        let touch_after = Duration::seconds(self.policy.sessions.touch_interval_seconds);
        if now - session.last_seen >= touch_after {
            self.store.touch_session(&hash, now)?;
        }
        let signed_in = session.second_factor || !self.policy.require_totp;
        Ok(Some(Principal::new(session.account, roles, signed_in)))
    }

    /// Ends a session. Returns the audit action if there was one.
    pub fn sign_out(&self, token: &SessionToken, now: Timestamp) -> Result<Option<Action>> {
        let hash = token.hash();
        let Some(session) = self.store.session(&hash)? else {
            return Ok(None);
        };
        self.store.delete_session(&hash)?;
        Ok(Some(action(
            now,
            session.account.actor(),
            "account.sign-out",
            session.account.to_string(),
            json!({}),
        )))
    }

    /// Deletes every expired session; returns how many.
    pub fn purge_sessions(&self, now: Timestamp) -> Result<u64> {
        let policy = &self.policy.sessions;
        let idle_before = now - Duration::seconds(policy.idle_seconds);
        let created_before = now - Duration::seconds(policy.absolute_seconds);
        self.store
            .delete_expired_sessions(idle_before, created_before)
    }

    // ---- pseudonyms --------------------------------------------------------------------------

    /// The pseudonym for `identifier` under the current key, remembered so that an approved
    /// reveal can find the identifier again. For many identifiers at once, use
    /// [`Access::pseudonymise_all`] (one transaction).
    pub fn pseudonymise(&self, keys: &Pseudonymiser, identifier: &str) -> Result<Pseudonym> {
        let mut pseudonyms = self.pseudonymise_all(keys, &[identifier])?;
        pseudonyms
            .pop()
            .ok_or_else(|| Error::Corrupt("no pseudonym made".into()))
    }

    /// The pseudonyms for `identifiers`, in order, recorded in one transaction. Pseudonyms this
    /// process has already recorded are not written again.
    pub fn pseudonymise_all(
        &self,
        keys: &Pseudonymiser,
        identifiers: &[&str],
    ) -> Result<Vec<Pseudonym>> {
        let key_id = keys.current_key_id();
        let pseudonyms: Vec<Pseudonym> = identifiers.iter().map(|id| keys.pseudonym(id)).collect();
        let mut fresh = Vec::new();
        {
            let recorded = lock_recorded(&self.recorded);
            for (pseudonym, identifier) in pseudonyms.iter().zip(identifiers) {
                if !recorded.contains(&(key_id, pseudonym.clone())) {
                    let normalised = crate::pseudonym::normalise_identifier(identifier);
                    fresh.push((pseudonym.clone(), normalised));
                }
            }
        }
        if fresh.is_empty() {
            return Ok(pseudonyms);
        }
        self.store.record_pseudonyms(key_id, &fresh)?;
        let mut recorded = lock_recorded(&self.recorded);
        if recorded.len() + fresh.len() > RECORDED_CACHE {
            recorded.clear();
        }
        recorded.extend(fresh.into_iter().map(|(pseudonym, _)| (key_id, pseudonym)));
        Ok(pseudonyms)
    }

    // ---- reveals -----------------------------------------------------------------------------

    /// An investigator asks to see the identity behind `pseudonym` within `case`. The caller must
    /// have checked that the case is authorised and that the investigator works it.
    pub fn request_reveal(
        &self,
        by: &Principal,
        case: &str,
        pseudonym: &Pseudonym,
        necessity: &str,
        proportionality: &str,
        now: Timestamp,
    ) -> Result<(RevealRequest, Action)> {
        by.require(Permission::RequestReveal)?;
        let policy = &self.policy.reveals;
        let case = check_case_ref(case)?;
        let min = policy.min_statement_chars;
        let necessity = policy.check_statement("necessity", necessity, min)?;
        let proportionality = policy.check_statement("proportionality", proportionality, min)?;
        let request = RevealRequest {
            id: RevealId::generate(),
            case,
            pseudonym: pseudonym.clone(),
            requested_by: by.account.clone(),
            necessity,
            proportionality,
            requested_at: now,
            decision: None,
        };
        self.store.insert_reveal(&request)?;
        let audit = action(
            now,
            by.actor(),
            "identity.reveal.request",
            request.id.to_string(),
            json!({
                "case": request.case,
                "pseudonym": request.pseudonym.as_str(),
                "necessity": request.necessity,
                "proportionality": request.proportionality,
            }),
        );
        Ok((request, audit))
    }

    fn load_reveal(&self, id: &RevealId) -> Result<RevealRequest> {
        self.store
            .reveal(id)?
            .ok_or_else(|| Error::NoSuchReveal(id.to_string()))
    }

    /// An authorising officer other than the requester approves or refuses a pending request,
    /// with a note of their reasons.
    pub fn decide_reveal(
        &self,
        by: &Principal,
        id: &RevealId,
        verdict: Verdict,
        note: &str,
        now: Timestamp,
    ) -> Result<(RevealRequest, Action)> {
        by.require(Permission::ApproveReveal)?;
        let mut request = self.load_reveal(id)?;
        if request.requested_by == by.account {
            return Err(Error::Reveal(
                "you asked for this reveal, so another authorising officer must decide it".into(),
            ));
        }
        let policy = &self.policy.reveals;
        match request.status(policy, now) {
            RevealStatus::Pending => {}
            RevealStatus::Lapsed => {
                return Err(Error::Reveal(
                    "this request waited too long and has lapsed; the investigator must ask again"
                        .into(),
                ));
            }
            _ => {
                return Err(Error::Reveal(
                    "this request has already been decided".into(),
                ));
            }
        }
        let note = policy.check_statement("decision", note, MIN_DECISION_NOTE)?;
        let expires = match verdict {
            Verdict::Approved => Some(now + Duration::seconds(policy.grant_seconds)),
            Verdict::Refused => None,
        };
        let decision = RevealDecision {
            by: by.account.clone(),
            at: now,
            verdict,
            note,
            expires,
        };
        if !self.store.decide_reveal(id, &decision)? {
            return Err(Error::Reveal(
                "this request has already been decided".into(),
            ));
        }
        let name = match verdict {
            Verdict::Approved => "identity.reveal.approve",
            Verdict::Refused => "identity.reveal.refuse",
        };
        let audit = action(
            now,
            by.actor(),
            name,
            request.id.to_string(),
            json!({
                "case": request.case,
                "pseudonym": request.pseudonym.as_str(),
                "requested_by": request.requested_by.as_str(),
                "note": decision.note,
                "expires": expires.map(|time| time.to_rfc3339()),
            }),
        );
        request.decision = Some(decision);
        Ok((request, audit))
    }

    /// The requests waiting for a decision (for authorising officers; needs
    /// [`Permission::ApproveReveal`]), oldest first, lapsed ones left out.
    pub fn pending_reveals(&self, by: &Principal, now: Timestamp) -> Result<Vec<RevealRequest>> {
        by.require(Permission::ApproveReveal)?;
        let policy = &self.policy.reveals;
        let mut pending = self.store.undecided_reveals()?;
        pending.retain(|request| request.status(policy, now) == RevealStatus::Pending);
        Ok(pending)
    }

    /// Checks that `by` may use reveal `id` at `now`, and gives the grant and the identifier.
    fn use_grant(
        &self,
        by: &Principal,
        id: &RevealId,
        now: Timestamp,
    ) -> Result<(RevealRequest, Timestamp, String)> {
        by.require(Permission::RequestReveal)?;
        let request = self.load_reveal(id)?;
        if request.requested_by != by.account {
            return Err(Error::Reveal(
                "only the investigator who asked for this reveal may use it".into(),
            ));
        }
        let expires = match request.status(&self.policy.reveals, now) {
            RevealStatus::Approved { expires } => expires,
            RevealStatus::Pending => {
                return Err(Error::Reveal("this reveal has not been decided yet".into()));
            }
            RevealStatus::Lapsed => {
                return Err(Error::Reveal(
                    "this request lapsed without a decision".into(),
                ));
            }
            RevealStatus::Refused => return Err(Error::Reveal("this reveal was refused".into())),
            RevealStatus::Expired => {
                return Err(Error::Reveal(
                    "this reveal has expired; ask again if it is still needed".into(),
                ));
            }
        };
        let grant = RevealGrant {
            request: request.id.clone(),
            pseudonym: request.pseudonym.clone(),
        };
        let identifier = self.store.identifier_for(&grant)?.ok_or_else(|| {
            Error::Reveal(format!(
                "no identifier is recorded for {}; it may come from another installation",
                request.pseudonym
            ))
        })?;
        Ok((request, expires, identifier))
    }

    /// The identity behind an approved, unexpired reveal, for the investigator who asked. This
    /// is the only way from a pseudonym back to an identifier. The audit action names the
    /// pseudonym and case, not the identity.
    pub fn reveal_identity(
        &self,
        by: &Principal,
        id: &RevealId,
        now: Timestamp,
    ) -> Result<(String, Action)> {
        let (request, expires, identifier) = self.use_grant(by, id, now)?;
        let audit = action(
            now,
            by.actor(),
            "identity.reveal.view",
            request.id.to_string(),
            json!({
                "case": request.case,
                "pseudonym": request.pseudonym.as_str(),
                "expires": expires.to_rfc3339(),
            }),
        );
        Ok((identifier, audit))
    }

    /// After a key rotation: the current pseudonym of the person behind an approved reveal's
    /// (older) pseudonym, so that old and new events can be joined without showing the identity.
    pub fn remap_pseudonym(
        &self,
        by: &Principal,
        id: &RevealId,
        keys: &Pseudonymiser,
        now: Timestamp,
    ) -> Result<(Pseudonym, Action)> {
        let (request, _, identifier) = self.use_grant(by, id, now)?;
        let current = self.pseudonymise(keys, &identifier)?;
        let audit = action(
            now,
            by.actor(),
            "identity.reveal.remap",
            request.id.to_string(),
            json!({
                "case": request.case,
                "pseudonym": request.pseudonym.as_str(),
                "current_pseudonym": current.as_str(),
                "key": keys.current_key_id(),
            }),
        );
        Ok((current, audit))
    }
}
