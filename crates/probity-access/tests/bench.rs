#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Figures, not assertions: run with
//! `cargo test -p probity-access --test bench -- --ignored --nocapture`.

use std::time::Instant;

use chrono::Duration;

use probity_access::testsuite::{base_time, unix};
use probity_access::{
    Access, AccessPolicy, Argon2Params, Pseudonymiser, Role, RoleSet, SignIn, SqliteAccessStore,
    password,
};

#[test]
#[ignore = "prints figures; run by hand"]
fn access_figures() {
    let params = Argon2Params::default();
    let rounds = 10;
    let start = Instant::now();
    let mut digest = None;
    for _ in 0..rounds {
        digest = Some(password::hash_password(&params, "correct horse battery staple").unwrap());
    }
    let per_hash = start.elapsed() / rounds;
    let digest = digest.unwrap();
    let start = Instant::now();
    for _ in 0..rounds {
        assert!(password::verify_password(
            &digest,
            "correct horse battery staple"
        ));
    }
    let per_verify = start.elapsed() / rounds;
    println!("argon2id m=19456 KiB t=2 p=1: hash {per_hash:?}, verify {per_verify:?}");

    let dir = tempfile::tempdir().unwrap();
    let keys = Pseudonymiser::open(dir.path()).unwrap();
    let count = 200_000;
    let start = Instant::now();
    for i in 0..count {
        std::hint::black_box(keys.pseudonym(&format!("user{i}")));
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "pseudonym (HMAC-SHA256, no store): {:.0} per second",
        count as f64 / seconds
    );

    let store = SqliteAccessStore::open(dir.path()).unwrap();
    let access = Access::new(store, AccessPolicy::default()).unwrap();
    let count = 5_000;
    let start = Instant::now();
    for i in 0..count {
        access.pseudonymise(&keys, &format!("user{i}")).unwrap();
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "pseudonymise (new identifiers, recorded in access.db, one commit each): {:.0} per second",
        count as f64 / seconds
    );
    let start = Instant::now();
    for i in 0..count {
        access.pseudonymise(&keys, &format!("user{i}")).unwrap();
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "pseudonymise (identifiers already recorded by this process): {:.0} per second",
        count as f64 / seconds
    );
    let names: Vec<String> = (0..100_000).map(|i| format!("batch{i}")).collect();
    let start = Instant::now();
    for chunk in names.chunks(1000) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        access.pseudonymise_all(&keys, &refs).unwrap();
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "pseudonymise_all (new identifiers, batches of 1000): {:.0} per second",
        names.len() as f64 / seconds
    );

    let t = base_time();
    let cli = probity_access::Principal::command_line("bench");
    access
        .create_account(
            &cli,
            "jdoe",
            "J Doe",
            RoleSet::new([Role::Analyst]),
            Some("correct horse battery staple"),
            t,
        )
        .unwrap();
    let start = Instant::now();
    let (outcome, _) = access
        .sign_in("jdoe", "correct horse battery staple", None, t)
        .unwrap();
    println!(
        "sign-in (password, OWASP parameters): {:?}",
        start.elapsed()
    );
    let SignIn::Granted { token, .. } = outcome else {
        panic!("refused");
    };
    let count = 20_000;
    let start = Instant::now();
    for i in 0..count {
        let now = t + Duration::milliseconds(i);
        assert!(access.authenticate(&token, now).unwrap().is_some());
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "authenticate (session lookup + account read): {:.0} per second",
        count as f64 / seconds
    );
    let _ = unix(t);
}
