//! Account administration and authenticator enrolment.

use chrono::Duration;
use serde_json::json;

use probity_audit::Action;
use probity_model::Timestamp;

use super::{Access, Principal, action, check_account_roles};
use crate::password::{hash_password, verify_password};
use crate::totp::{TotpEnrolment, verify as verify_code};
use crate::{
    AccessStore, Account, AccountName, Error, Permission, Result, Role, RoleSet, SessionToken,
};

impl<S: AccessStore> Access<S> {
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
            return Err(Error::SignInIncomplete);
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
}
