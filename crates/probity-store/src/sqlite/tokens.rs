//! Tokens in the journal database.

use chrono::Utc;
use rusqlite::{OptionalExtension, params};

use probity_model::{from_micros, to_micros};

use super::{SqliteStore, lock};
use crate::tokens::{secret_prefix, valid_token_name};
use crate::{Error, Result, Scope, Secret, TokenInfo, TokenStore, hash_secret, new_secret};

fn token_info(row: &rusqlite::Row<'_>) -> rusqlite::Result<TokenInfo> {
    let scope: String = row.get(1)?;
    let revoked: Option<i64> = row.get(4)?;
    Ok(TokenInfo {
        name: row.get(0)?,
        // Scopes are written only by this code; an unknown one grants the least.
        scope: scope.parse().unwrap_or(Scope::Ingest),
        created: from_micros(row.get(2)?),
        prefix: row.get(3)?,
        revoked: revoked.map(from_micros),
    })
}

impl TokenStore for SqliteStore {
    fn create_token(&self, name: &str, scope: Scope) -> Result<(TokenInfo, Secret)> {
        if !valid_token_name(name) {
            return Err(Error::TokenName(name.to_owned()));
        }
        let secret = new_secret();
        let info = TokenInfo {
            name: name.to_owned(),
            scope,
            created: Utc::now(),
            prefix: secret_prefix(secret.expose()).to_owned(),
            revoked: None,
        };
        let conn = lock(&self.writer);
        let result = conn.execute(
            "INSERT INTO tokens (name, scope, hash, prefix, created) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                info.name,
                scope.as_str(),
                &hash_secret(secret.expose())[..],
                info.prefix,
                to_micros(&info.created)
            ],
        );
        match result {
            Ok(_) => Ok((info, secret)),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(Error::TokenExists(name.to_owned()))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>> {
        let hash = hash_secret(secret);
        self.with_reader(|conn| {
            Ok(conn
                .query_row(
                    "SELECT name, scope, created, prefix, revoked FROM tokens
                     WHERE hash = ?1 AND revoked IS NULL",
                    params![&hash[..]],
                    token_info,
                )
                .optional()?)
        })
    }

    fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        self.with_reader(|conn| {
            let mut statement = conn
                .prepare("SELECT name, scope, created, prefix, revoked FROM tokens ORDER BY seq")?;
            let rows = statement.query_map([], token_info)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn revoke_token(&self, name: &str) -> Result<bool> {
        let conn = lock(&self.writer);
        let changed = conn.execute(
            "UPDATE tokens SET revoked = ?1 WHERE name = ?2 AND revoked IS NULL",
            params![to_micros(&Utc::now()), name],
        )?;
        Ok(changed > 0)
    }
}
