#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The shared access-store suite against SQLite, and what is particular to the SQLite file.

use std::path::Path;

use probity_access::testsuite::base_time;
use probity_access::{
    AccessStore, Account, AccountName, Error, Role, RoleSet, SqliteAccessStore, TotpSecret,
};

probity_access::access_store_test_suite!(|dir: &Path| SqliteAccessStore::open(dir).unwrap());

#[test]
fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let name = AccountName::parse("jdoe").unwrap();
    let secret = TotpSecret::generate();
    {
        let store = SqliteAccessStore::open(dir.path()).unwrap();
        let account = Account::new(
            name.clone(),
            "J Doe",
            RoleSet::new([Role::Investigator]),
            None,
            base_time(),
        );
        store.insert_account(&account).unwrap();
        store.set_totp(&name, Some(&secret), None).unwrap();
    }
    let store = SqliteAccessStore::open(dir.path()).unwrap();
    let account = store.account(&name).unwrap().unwrap();
    assert_eq!(account.totp, Some(secret));
    assert_eq!(account.display_name, "J Doe");
    assert_eq!(store.path(), dir.path().join("access.db"));
}

#[cfg(unix)]
#[test]
fn the_database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteAccessStore::open(dir.path()).unwrap();
    let mode = std::fs::metadata(store.path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteAccessStore::open(dir.path()).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join("access.db")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let error = SqliteAccessStore::open(dir.path()).unwrap_err();
    assert!(
        matches!(error, Error::SchemaTooNew { found: 99, .. }),
        "{error}"
    );
}
