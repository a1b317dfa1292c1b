//! Sign-in (local and single sign-on) and sessions.

use chrono::Duration;
use serde_json::json;

use probity_audit::Action;
use probity_model::Timestamp;

use super::{Access, Denial, Principal, SignIn, action, check_account_roles};
use crate::password::{hash_password, needs_rehash, verify_password};
use crate::totp::verify as verify_code;
use crate::{AccessStore, Account, AccountName, Result, RoleSet, SessionRecord, SessionToken};

impl<S: AccessStore> Access<S> {
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

    pub(super) fn start_session(
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
}
