//! The embedded [`AccessStore`]: SQLite, in its own file `access.db` in the data directory (apart
//! from the event journal, so that access data can be backed up, restricted and kept on its own
//! terms).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};

use probity_model::{Timestamp, from_micros, to_micros};

use crate::{
    AccessStore, Account, AccountName, Error, PasswordDigest, Pseudonym, Result, RevealDecision,
    RevealGrant, RevealId, RevealRequest, RoleSet, SessionRecord, TotpSecret, Verdict,
};

/// The database file's name in the data directory.
pub const ACCESS_FILE: &str = "access.db";
/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = 1;
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const SCHEMA_V1: &str = "
CREATE TABLE accounts (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    roles TEXT NOT NULL,
    password TEXT,
    totp BLOB,
    totp_pending BLOB,
    totp_last_step INTEGER,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    created INTEGER NOT NULL,
    last_login INTEGER
);
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    account TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    second_factor INTEGER NOT NULL,
    sso_roles TEXT
);
CREATE INDEX sessions_account ON sessions (account);
CREATE TABLE reveals (
    id TEXT PRIMARY KEY,
    case_ref TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    necessity TEXT NOT NULL,
    proportionality TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    decided_by TEXT,
    decided_at INTEGER,
    verdict TEXT,
    note TEXT,
    expires INTEGER
);
CREATE INDEX reveals_case ON reveals (case_ref, requested_at);
CREATE INDEX reveals_undecided ON reveals (requested_at) WHERE verdict IS NULL;
CREATE TABLE pseudonyms (
    pseudonym TEXT PRIMARY KEY,
    key_id INTEGER NOT NULL,
    identifier TEXT NOT NULL
);
";

/// The SQLite access store. Safe to share between threads.
#[derive(Debug)]
pub struct SqliteAccessStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

fn lock(mutex: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // SQLite rolls back an interrupted transaction, so a poisoned lock leaves a usable connection.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SqliteAccessStore {
    /// Opens (creating if needed) `access.db` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(ACCESS_FILE);
        let open_error = |source| Error::Open {
            path: path.clone(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_error)?;
        migrate(&mut conn)?;
        restrict_permissions(&path);
        Ok(Self {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Best effort: the file holds password hashes and authenticator secrets.
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(SCHEMA_V1)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

fn micros(time: &Timestamp) -> i64 {
    to_micros(time)
}

fn step_to_sql(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

fn corrupt(what: &str, error: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{what}: {error}").into(),
    )
}

const ACCOUNT_COLUMNS: &str = "name, display_name, roles, password, totp, totp_pending, \
     totp_last_step, disabled, failed_attempts, locked_until, created, last_login";

fn account_row(row: &Row<'_>) -> rusqlite::Result<Account> {
    let name: String = row.get(0)?;
    let roles: String = row.get(2)?;
    let password: Option<String> = row.get(3)?;
    let totp: Option<Vec<u8>> = row.get(4)?;
    let totp_pending: Option<Vec<u8>> = row.get(5)?;
    let last_step: Option<i64> = row.get(6)?;
    let failed: i64 = row.get(8)?;
    let locked_until: Option<i64> = row.get(9)?;
    let last_login: Option<i64> = row.get(11)?;
    Ok(Account {
        name: AccountName::parse(&name).map_err(|e| corrupt("account name", e))?,
        display_name: row.get(1)?,
        roles: RoleSet::parse_list(&roles).map_err(|e| corrupt("roles", e))?,
        password: password.map(PasswordDigest::from_stored),
        totp: totp.map(TotpSecret::from_bytes),
        totp_pending: totp_pending.map(TotpSecret::from_bytes),
        totp_last_step: last_step.and_then(|step| u64::try_from(step).ok()),
        disabled: row.get(7)?,
        failed_attempts: u32::try_from(failed).unwrap_or(u32::MAX),
        locked_until: locked_until.map(from_micros),
        created: from_micros(row.get(10)?),
        last_login: last_login.map(from_micros),
    })
}

const SESSION_COLUMNS: &str = "token_hash, account, created, last_seen, second_factor, sso_roles";

fn session_row(row: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    let hash: Vec<u8> = row.get(0)?;
    let account: String = row.get(1)?;
    let sso_roles: Option<String> = row.get(5)?;
    let token_hash: [u8; 32] = hash
        .try_into()
        .map_err(|_| corrupt("session", "token hash is not 32 bytes"))?;
    let sso_roles = match sso_roles {
        Some(list) => Some(RoleSet::parse_list(&list).map_err(|e| corrupt("roles", e))?),
        None => None,
    };
    Ok(SessionRecord {
        token_hash,
        account: AccountName::parse(&account).map_err(|e| corrupt("account name", e))?,
        created: from_micros(row.get(2)?),
        last_seen: from_micros(row.get(3)?),
        second_factor: row.get(4)?,
        sso_roles,
    })
}

const REVEAL_COLUMNS: &str = "id, case_ref, pseudonym, requested_by, necessity, proportionality, \
     requested_at, decided_by, decided_at, verdict, note, expires";

fn reveal_row(row: &Row<'_>) -> rusqlite::Result<RevealRequest> {
    let id: String = row.get(0)?;
    let pseudonym: String = row.get(2)?;
    let requested_by: String = row.get(3)?;
    let decided_by: Option<String> = row.get(7)?;
    let decided_at: Option<i64> = row.get(8)?;
    let verdict: Option<String> = row.get(9)?;
    let note: Option<String> = row.get(10)?;
    let expires: Option<i64> = row.get(11)?;
    let decision = match (decided_by, decided_at, verdict) {
        (Some(by), Some(at), Some(verdict)) => Some(RevealDecision {
            by: AccountName::parse(&by).map_err(|e| corrupt("decided by", e))?,
            at: from_micros(at),
            verdict: match verdict.as_str() {
                "approved" => Verdict::Approved,
                // Anything else grants nothing.
                _ => Verdict::Refused,
            },
            note: note.unwrap_or_default(),
            expires: expires.map(from_micros),
        }),
        _ => None,
    };
    Ok(RevealRequest {
        id: RevealId::parse(&id).map_err(|e| corrupt("reveal id", e))?,
        case: row.get(1)?,
        pseudonym: Pseudonym::parse(&pseudonym).map_err(|e| corrupt("pseudonym", e))?,
        requested_by: AccountName::parse(&requested_by).map_err(|e| corrupt("requested by", e))?,
        necessity: row.get(4)?,
        proportionality: row.get(5)?,
        requested_at: from_micros(row.get(6)?),
        decision,
    })
}

fn is_constraint(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _)
        if e.code == rusqlite::ErrorCode::ConstraintViolation)
}

impl AccessStore for SqliteAccessStore {
    fn insert_account(&self, account: &Account) -> Result<()> {
        let conn = lock(&self.conn);
        let result = conn.execute(
            "INSERT INTO accounts (name, display_name, roles, password, totp, totp_pending,
                 totp_last_step, disabled, failed_attempts, locked_until, created, last_login)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                account.name.as_str(),
                account.display_name,
                account.roles.to_list(),
                account.password.as_ref().map(PasswordDigest::as_str),
                account.totp.as_ref().map(TotpSecret::as_bytes),
                account.totp_pending.as_ref().map(TotpSecret::as_bytes),
                account.totp_last_step.map(step_to_sql),
                account.disabled,
                account.failed_attempts,
                account.locked_until.as_ref().map(micros),
                micros(&account.created),
                account.last_login.as_ref().map(micros),
            ],
        );
        match result {
            Ok(_) => Ok(()),
            Err(error) if is_constraint(&error) => {
                Err(Error::AccountExists(account.name.to_string()))
            }
            Err(error) => Err(error.into()),
        }
    }

    fn account(&self, name: &AccountName) -> Result<Option<Account>> {
        let conn = lock(&self.conn);
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE name = ?1");
        Ok(conn
            .query_row(&sql, params![name.as_str()], account_row)
            .optional()?)
    }

    fn accounts(&self) -> Result<Vec<Account>> {
        let conn = lock(&self.conn);
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY name");
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map([], account_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn set_password(&self, name: &AccountName, digest: &PasswordDigest) -> Result<bool> {
        let conn = lock(&self.conn);
        let changed = conn.execute(
            "UPDATE accounts SET password = ?2 WHERE name = ?1",
            params![name.as_str(), digest.as_str()],
        )?;
        Ok(changed > 0)
    }

    fn set_roles(&self, name: &AccountName, roles: &RoleSet) -> Result<bool> {
        let conn = lock(&self.conn);
        let changed = conn.execute(
            "UPDATE accounts SET roles = ?2 WHERE name = ?1",
            params![name.as_str(), roles.to_list()],
        )?;
        Ok(changed > 0)
    }

    fn set_disabled(&self, name: &AccountName, disabled: bool) -> Result<bool> {
        let conn = lock(&self.conn);
        let changed = conn.execute(
            "UPDATE accounts SET disabled = ?2 WHERE name = ?1",
            params![name.as_str(), disabled],
        )?;
        Ok(changed > 0)
    }

    fn set_totp(
        &self,
        name: &AccountName,
        active: Option<&TotpSecret>,
        pending: Option<&TotpSecret>,
    ) -> Result<bool> {
        let conn = lock(&self.conn);
        let changed = conn.execute(
            "UPDATE accounts SET
                 totp_last_step = CASE WHEN totp IS ?2 THEN totp_last_step ELSE NULL END,
                 totp = ?2, totp_pending = ?3
             WHERE name = ?1",
            params![
                name.as_str(),
                active.map(TotpSecret::as_bytes),
                pending.map(TotpSecret::as_bytes)
            ],
        )?;
        Ok(changed > 0)
    }

    fn claim_totp_step(&self, name: &AccountName, step: u64) -> Result<bool> {
        let conn = lock(&self.conn);
        let changed = conn.execute(
            "UPDATE accounts SET totp_last_step = ?2
             WHERE name = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
            params![name.as_str(), step_to_sql(step)],
        )?;
        Ok(changed > 0)
    }

    fn record_failure(
        &self,
        name: &AccountName,
        max_failures: u32,
        lock_until: Timestamp,
    ) -> Result<Option<Timestamp>> {
        let mut conn = lock(&self.conn);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let count: Option<i64> = tx
            .query_row(
                "UPDATE accounts SET failed_attempts = failed_attempts + 1 WHERE name = ?1
                 RETURNING failed_attempts",
                params![name.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        let locks = count.is_some_and(|count| count >= i64::from(max_failures.max(1)));
        if locks {
            tx.execute(
                "UPDATE accounts SET failed_attempts = 0, locked_until = ?2 WHERE name = ?1",
                params![name.as_str(), micros(&lock_until)],
            )?;
        }
        tx.commit()?;
        Ok(locks.then_some(lock_until))
    }

    fn record_success(&self, name: &AccountName, at: Timestamp) -> Result<()> {
        let conn = lock(&self.conn);
        conn.execute(
            "UPDATE accounts SET failed_attempts = 0, locked_until = NULL, last_login = ?2
             WHERE name = ?1",
            params![name.as_str(), micros(&at)],
        )?;
        Ok(())
    }

    fn insert_session(&self, session: &SessionRecord) -> Result<()> {
        let conn = lock(&self.conn);
        conn.execute(
            "INSERT INTO sessions (token_hash, account, created, last_seen, second_factor, sso_roles)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                &session.token_hash[..],
                session.account.as_str(),
                micros(&session.created),
                micros(&session.last_seen),
                session.second_factor,
                session.sso_roles.as_ref().map(RoleSet::to_list),
            ],
        )?;
        Ok(())
    }

    fn session(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRecord>> {
        let conn = lock(&self.conn);
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?1");
        Ok(conn
            .query_row(&sql, params![&token_hash[..]], session_row)
            .optional()?)
    }

    fn touch_session(&self, token_hash: &[u8; 32], at: Timestamp) -> Result<bool> {
        let conn = lock(&self.conn);
        let changed = conn.execute(
            "UPDATE sessions SET last_seen = max(last_seen, ?2) WHERE token_hash = ?1",
            params![&token_hash[..], micros(&at)],
        )?;
        Ok(changed > 0)
    }

    fn delete_session(&self, token_hash: &[u8; 32]) -> Result<bool> {
        let conn = lock(&self.conn);
        let changed = conn.execute(
            "DELETE FROM sessions WHERE token_hash = ?1",
            params![&token_hash[..]],
        )?;
        Ok(changed > 0)
    }

    fn delete_sessions_of(&self, name: &AccountName) -> Result<u64> {
        let conn = lock(&self.conn);
        let changed = conn.execute(
            "DELETE FROM sessions WHERE account = ?1",
            params![name.as_str()],
        )?;
        Ok(changed as u64)
    }

    fn delete_expired_sessions(
        &self,
        idle_before: Timestamp,
        created_before: Timestamp,
    ) -> Result<u64> {
        let conn = lock(&self.conn);
        let changed = conn.execute(
            "DELETE FROM sessions WHERE last_seen < ?1 OR created < ?2",
            params![micros(&idle_before), micros(&created_before)],
        )?;
        Ok(changed as u64)
    }

    fn insert_reveal(&self, request: &RevealRequest) -> Result<()> {
        let conn = lock(&self.conn);
        let decision = request.decision.as_ref();
        conn.execute(
            "INSERT INTO reveals (id, case_ref, pseudonym, requested_by, necessity, proportionality,
                 requested_at, decided_by, decided_at, verdict, note, expires)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                request.id.as_str(),
                request.case,
                request.pseudonym.as_str(),
                request.requested_by.as_str(),
                request.necessity,
                request.proportionality,
                micros(&request.requested_at),
                decision.map(|d| d.by.as_str()),
                decision.map(|d| micros(&d.at)),
                decision.map(|d| d.verdict.as_str()),
                decision.map(|d| d.note.as_str()),
                decision.and_then(|d| d.expires.as_ref().map(micros)),
            ],
        )?;
        Ok(())
    }

    fn reveal(&self, id: &RevealId) -> Result<Option<RevealRequest>> {
        let conn = lock(&self.conn);
        let sql = format!("SELECT {REVEAL_COLUMNS} FROM reveals WHERE id = ?1");
        Ok(conn
            .query_row(&sql, params![id.as_str()], reveal_row)
            .optional()?)
    }

    fn decide_reveal(&self, id: &RevealId, decision: &RevealDecision) -> Result<bool> {
        let conn = lock(&self.conn);
        let changed = conn.execute(
            "UPDATE reveals SET decided_by = ?2, decided_at = ?3, verdict = ?4, note = ?5,
                 expires = ?6
             WHERE id = ?1 AND verdict IS NULL",
            params![
                id.as_str(),
                decision.by.as_str(),
                micros(&decision.at),
                decision.verdict.as_str(),
                decision.note,
                decision.expires.as_ref().map(micros),
            ],
        )?;
        Ok(changed > 0)
    }

    fn undecided_reveals(&self) -> Result<Vec<RevealRequest>> {
        let conn = lock(&self.conn);
        let sql = format!(
            "SELECT {REVEAL_COLUMNS} FROM reveals WHERE verdict IS NULL ORDER BY requested_at, id"
        );
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map([], reveal_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn reveals_for_case(&self, case: &str) -> Result<Vec<RevealRequest>> {
        let conn = lock(&self.conn);
        let sql = format!(
            "SELECT {REVEAL_COLUMNS} FROM reveals WHERE case_ref = ?1 ORDER BY requested_at, id"
        );
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map(params![case], reveal_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn record_pseudonyms(&self, key_id: u32, entries: &[(Pseudonym, String)]) -> Result<()> {
        let mut conn = lock(&self.conn);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO pseudonyms (pseudonym, key_id, identifier) VALUES (?1, ?2, ?3)
                 ON CONFLICT (pseudonym) DO NOTHING",
            )?;
            let mut existing =
                tx.prepare_cached("SELECT identifier FROM pseudonyms WHERE pseudonym = ?1")?;
            for (pseudonym, identifier) in entries {
                let inserted = insert.execute(params![pseudonym.as_str(), key_id, identifier])?;
                if inserted > 0 {
                    continue;
                }
                let stored: Option<String> = existing
                    .query_row(params![pseudonym.as_str()], |row| row.get(0))
                    .optional()?;
                if stored.is_some_and(|stored| stored != *identifier) {
                    // Dropping the transaction rolls the whole batch back.
                    return Err(Error::PseudonymCollision(pseudonym.to_string()));
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn identifier_for(&self, grant: &RevealGrant) -> Result<Option<String>> {
        let conn = lock(&self.conn);
        Ok(conn
            .query_row(
                "SELECT identifier FROM pseudonyms WHERE pseudonym = ?1",
                params![grant.pseudonym().as_str()],
                |row| row.get(0),
            )
            .optional()?)
    }
}
