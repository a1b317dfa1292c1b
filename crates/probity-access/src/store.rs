//! What the access layer keeps, behind one trait that every backend implements.

use probity_model::Timestamp;

use crate::{
    AccountName, PasswordDigest, Pseudonym, Result, RevealDecision, RevealGrant, RevealId,
    RevealRequest, RoleSet, SessionRecord, TotpSecret,
};

/// A local account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The normalised name.
    pub name: AccountName,
    /// The person's name, for display.
    pub display_name: String,
    /// One or more roles.
    pub roles: RoleSet,
    /// The password hash; `None` for accounts that sign in only through single sign-on.
    pub password: Option<PasswordDigest>,
    /// The confirmed authenticator secret.
    pub totp: Option<TotpSecret>,
    /// An authenticator secret issued but not yet confirmed with a code.
    pub totp_pending: Option<TotpSecret>,
    /// The last TOTP time step accepted (codes at or before it are refused).
    pub totp_last_step: Option<u64>,
    /// A disabled account cannot sign in and has no sessions.
    pub disabled: bool,
    /// Failed sign-ins since the last success or lockout.
    pub failed_attempts: u32,
    /// Sign-in is refused until then.
    pub locked_until: Option<Timestamp>,
    /// When the account was made.
    pub created: Timestamp,
    /// The last successful sign-in.
    pub last_login: Option<Timestamp>,
}

impl Account {
    /// A new enabled account with no second factor yet.
    pub fn new(
        name: AccountName,
        display_name: &str,
        roles: RoleSet,
        password: Option<PasswordDigest>,
        created: Timestamp,
    ) -> Self {
        Self {
            name,
            display_name: display_name.trim().to_owned(),
            roles,
            password,
            totp: None,
            totp_pending: None,
            totp_last_step: None,
            disabled: false,
            failed_attempts: 0,
            locked_until: None,
            created,
            last_login: None,
        }
    }
}

/// Storage for accounts, sessions, reveal requests and the pseudonym map.
///
/// Methods that change one account return `false` when there is no such account. Methods named
/// as claims or decisions are atomic: two concurrent callers cannot both succeed.
pub trait AccessStore: Send + Sync {
    /// Adds an account; [`Error::AccountExists`](crate::Error::AccountExists) if the name is taken.
    fn insert_account(&self, account: &Account) -> Result<()>;
    /// The account named `name`.
    fn account(&self, name: &AccountName) -> Result<Option<Account>>;
    /// Every account, by name.
    fn accounts(&self) -> Result<Vec<Account>>;
    /// Replaces the password hash.
    fn set_password(&self, name: &AccountName, digest: &PasswordDigest) -> Result<bool>;
    /// Replaces the roles.
    fn set_roles(&self, name: &AccountName, roles: &RoleSet) -> Result<bool>;
    /// Disables or enables the account.
    fn set_disabled(&self, name: &AccountName, disabled: bool) -> Result<bool>;
    /// Sets the confirmed and pending authenticator secrets. Changing the confirmed secret clears
    /// the last used step.
    fn set_totp(
        &self,
        name: &AccountName,
        active: Option<&TotpSecret>,
        pending: Option<&TotpSecret>,
    ) -> Result<bool>;
    /// Records `step` as the last TOTP step used, only if it is later than the one stored.
    /// Returns whether it was (so a code is accepted at most once, even by concurrent sign-ins).
    fn claim_totp_step(&self, name: &AccountName, step: u64) -> Result<bool>;
    /// Counts a failed sign-in. When the count reaches `max_failures`, locks the account until
    /// `lock_until` and resets the count. Returns the lock time if this failure locked it.
    fn record_failure(
        &self,
        name: &AccountName,
        max_failures: u32,
        lock_until: Timestamp,
    ) -> Result<Option<Timestamp>>;
    /// Records a successful sign-in: clears failures and any lock.
    fn record_success(&self, name: &AccountName, at: Timestamp) -> Result<()>;

    /// Stores a new session.
    fn insert_session(&self, session: &SessionRecord) -> Result<()>;
    /// The session whose token hashes to `token_hash`.
    fn session(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRecord>>;
    /// Updates a session's last-seen time.
    fn touch_session(&self, token_hash: &[u8; 32], at: Timestamp) -> Result<bool>;
    /// Ends a session.
    fn delete_session(&self, token_hash: &[u8; 32]) -> Result<bool>;
    /// Ends every session of an account; returns how many.
    fn delete_sessions_of(&self, name: &AccountName) -> Result<u64>;
    /// Deletes sessions last seen before `idle_before` or created before `created_before`.
    fn delete_expired_sessions(
        &self,
        idle_before: Timestamp,
        created_before: Timestamp,
    ) -> Result<u64>;

    /// Stores a new reveal request.
    fn insert_reveal(&self, request: &RevealRequest) -> Result<()>;
    /// The reveal request `id`.
    fn reveal(&self, id: &RevealId) -> Result<Option<RevealRequest>>;
    /// Records the decision on a request that has none yet; returns `false` if it already had one.
    fn decide_reveal(&self, id: &RevealId, decision: &RevealDecision) -> Result<bool>;
    /// Every request with no decision yet, oldest first.
    fn undecided_reveals(&self) -> Result<Vec<RevealRequest>>;
    /// The reveal requests of a case, oldest first.
    fn reveals_for_case(&self, case: &str) -> Result<Vec<RevealRequest>>;

    /// Remembers which identifier each pseudonym (made under key `key_id`) stands for, in one
    /// transaction. Recording a pair again does nothing; if any pseudonym already stands for
    /// another identifier, nothing is recorded and the error is
    /// [`Error::PseudonymCollision`](crate::Error::PseudonymCollision).
    fn record_pseudonyms(&self, key_id: u32, entries: &[(Pseudonym, String)]) -> Result<()>;
    /// The identifier behind the pseudonym of an approved reveal.
    fn identifier_for(&self, grant: &RevealGrant) -> Result<Option<String>>;
}
