//! The behaviour every [`AccessStore`](crate::AccessStore) must show, written once.
//!
//! A backend runs it with
//! `probity_access::access_store_test_suite!(|dir: &std::path::Path| make_store(dir));` in an
//! integration test file (which needs `tempfile` as a dev-dependency). Each test gets a fresh empty
//! directory; a server-backed store may ignore it, as long as each call gives a fresh empty store.
//! The suite drives the store both directly and through [`Access`](crate::Access), so sign-in,
//! lockout, sessions and the reveal workflow are checked against each backend.

use chrono::{TimeZone, Utc};

use probity_model::Timestamp;

use crate::{AccessPolicy, Argon2Params};

/// A fixed time the suite starts from (2026-03-02 09:00:00 UTC).
pub fn base_time() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The default policy with the cheapest Argon2 parameters, so that tests run quickly. Never use
/// it outside tests.
pub fn test_policy() -> AccessPolicy {
    AccessPolicy {
        argon2: Argon2Params::TESTING,
        ..AccessPolicy::default()
    }
}

/// Unix seconds of `time` (for computing authenticator codes in tests).
pub fn unix(time: Timestamp) -> u64 {
    u64::try_from(time.timestamp()).unwrap_or(0)
}

/// Generates the shared access-store tests. See the module documentation.
#[macro_export]
macro_rules! access_store_test_suite {
    ($make:expr) => {
        mod access_store_suite {
            #[allow(unused_imports)]
            use super::*;
            use chrono::Duration;
            use $crate::testsuite::{base_time, test_policy, unix};
            use $crate::{
                Access, AccessStore, Account, AccountName, Denial, Error, PasswordDigest,
                Permission, Principal, Pseudonym, RevealDecision, RevealId, RevealRequest, Role,
                RoleSet, SessionRecord, SessionToken, SignIn, TotpSecret, Verdict,
            };

            const PASSWORD: &str = "correct horse battery staple";

            fn store() -> (tempfile::TempDir, impl AccessStore) {
                let dir = tempfile::tempdir().unwrap();
                let make = $make;
                let store = make(dir.path());
                (dir, store)
            }

            fn name(text: &str) -> AccountName {
                AccountName::parse(text).unwrap()
            }

            fn account(text: &str, roles: &[Role]) -> Account {
                Account::new(
                    name(text),
                    "Test Person",
                    RoleSet::new(roles.iter().copied()),
                    Some(PasswordDigest::from_stored("$argon2id$placeholder".into())),
                    base_time(),
                )
            }

            fn access() -> (tempfile::TempDir, Access<impl AccessStore>) {
                let (dir, store) = store();
                (dir, Access::new(store, test_policy()).unwrap())
            }

            fn admin() -> Principal {
                Principal::command_line("root")
            }

            /// Creates `who` with `roles`, enrols an authenticator, and returns its secret.
            fn person<S: AccessStore>(access: &Access<S>, who: &str, roles: &[Role]) -> TotpSecret {
                let roles = RoleSet::new(roles.iter().copied());
                access
                    .create_account(&admin(), who, who, roles, Some(PASSWORD), base_time())
                    .unwrap();
                let (signed, _) = access.sign_in(who, PASSWORD, None, base_time()).unwrap();
                let SignIn::Granted { token, principal } = signed else {
                    panic!("first sign-in refused: {signed:?}");
                };
                assert!(!principal.signed_in(), "no permission before enrolment");
                assert!(!principal.allows(Permission::ViewAlerts));
                let (enrolment, _) = access
                    .start_totp_enrolment(&principal, base_time())
                    .unwrap();
                let code = enrolment.secret.code_at(unix(base_time()));
                let (fresh, _) = access
                    .confirm_totp_enrolment(&token, &code, base_time())
                    .unwrap();
                assert!(
                    access.authenticate(&token, base_time()).unwrap().is_none(),
                    "replaced"
                );
                let confirmed = access.authenticate(&fresh, base_time()).unwrap().unwrap();
                assert!(confirmed.signed_in());
                enrolment.secret
            }

            /// Signs `who` in at `time` with a fresh code.
            fn sign_in<S: AccessStore>(
                access: &Access<S>,
                who: &str,
                secret: &TotpSecret,
                time: chrono::DateTime<chrono::Utc>,
            ) -> (SessionToken, Principal) {
                let code = secret.code_at(unix(time));
                match access.sign_in(who, PASSWORD, Some(&code), time).unwrap().0 {
                    SignIn::Granted { token, principal } => (token, principal),
                    SignIn::Denied(denial) => panic!("{who} refused: {denial:?}"),
                }
            }

            /// A code that is not valid for `secret` at `time`, whatever the drift.
            fn wrong_code(secret: &TotpSecret, time: chrono::DateTime<chrono::Utc>) -> String {
                let window: Vec<String> = [-30i64, 0, 30]
                    .iter()
                    .map(|offset| secret.code_at(unix(time + Duration::seconds(*offset))))
                    .collect();
                (0..10)
                    .map(|digit| format!("{digit}{digit}{digit}{digit}{digit}{digit}"))
                    .find(|code| !window.contains(code))
                    .unwrap()
            }

            fn denial(outcome: SignIn) -> Denial {
                match outcome {
                    SignIn::Denied(denial) => denial,
                    SignIn::Granted { .. } => panic!("expected a refusal"),
                }
            }

            #[test]
            fn accounts_round_trip_and_names_are_unique() {
                let (_dir, store) = store();
                let jdoe = account("jdoe", &[Role::Analyst, Role::Investigator]);
                store.insert_account(&jdoe).unwrap();
                assert_eq!(store.account(&name("JDOE")).unwrap().unwrap(), jdoe);
                assert!(matches!(
                    store.insert_account(&account("jdoe", &[Role::Auditor])),
                    Err(Error::AccountExists(_))
                ));
                store
                    .insert_account(&account("adams", &[Role::Auditor]))
                    .unwrap();
                let names: Vec<String> = store
                    .accounts()
                    .unwrap()
                    .into_iter()
                    .map(|a| a.name.to_string())
                    .collect();
                assert_eq!(names, ["adams", "jdoe"]);

                let auditor = RoleSet::new([Role::Auditor]);
                assert!(store.set_roles(&name("jdoe"), &auditor).unwrap());
                assert!(store.set_disabled(&name("jdoe"), true).unwrap());
                let changed = store.account(&name("jdoe")).unwrap().unwrap();
                assert_eq!(changed.roles, auditor);
                assert!(changed.disabled);
                let nobody = name("nobody");
                assert!(!store.set_roles(&nobody, &auditor).unwrap());
                assert!(!store.set_disabled(&nobody, true).unwrap());
                let digest = PasswordDigest::from_stored("x".into());
                assert!(!store.set_password(&nobody, &digest).unwrap());
                assert!(store.account(&nobody).unwrap().is_none());
            }

            #[test]
            fn totp_steps_are_claimed_once_and_in_order() {
                let (_dir, store) = store();
                let who = name("jdoe");
                store
                    .insert_account(&account("jdoe", &[Role::Analyst]))
                    .unwrap();
                let secret = TotpSecret::generate();
                store.set_totp(&who, Some(&secret), None).unwrap();
                assert!(store.claim_totp_step(&who, 10).unwrap());
                assert!(!store.claim_totp_step(&who, 10).unwrap());
                assert!(!store.claim_totp_step(&who, 9).unwrap());
                assert!(store.claim_totp_step(&who, 11).unwrap());
                assert_eq!(
                    store.account(&who).unwrap().unwrap().totp_last_step,
                    Some(11)
                );
                // Keeping the secret keeps the step; a new secret starts afresh.
                let pending = TotpSecret::generate();
                store.set_totp(&who, Some(&secret), Some(&pending)).unwrap();
                let kept = store.account(&who).unwrap().unwrap();
                assert_eq!(kept.totp_last_step, Some(11));
                assert_eq!(kept.totp_pending, Some(pending.clone()));
                store.set_totp(&who, Some(&pending), None).unwrap();
                let fresh = store.account(&who).unwrap().unwrap();
                assert_eq!(fresh.totp, Some(pending));
                assert_eq!(fresh.totp_pending, None);
                assert_eq!(fresh.totp_last_step, None);
            }

            #[test]
            fn failures_lock_the_account_at_the_limit() {
                let (_dir, store) = store();
                let who = name("jdoe");
                store
                    .insert_account(&account("jdoe", &[Role::Analyst]))
                    .unwrap();
                let until = base_time() + Duration::minutes(15);
                for _ in 0..4 {
                    assert_eq!(store.record_failure(&who, 5, until).unwrap(), None);
                }
                assert_eq!(store.account(&who).unwrap().unwrap().failed_attempts, 4);
                assert_eq!(store.record_failure(&who, 5, until).unwrap(), Some(until));
                let locked = store.account(&who).unwrap().unwrap();
                assert_eq!(locked.locked_until, Some(until));
                assert_eq!(locked.failed_attempts, 0);
                store.record_success(&who, base_time()).unwrap();
                let cleared = store.account(&who).unwrap().unwrap();
                assert_eq!(cleared.locked_until, None);
                assert_eq!(cleared.last_login, Some(base_time()));
                assert_eq!(
                    store.record_failure(&name("nobody"), 1, until).unwrap(),
                    None
                );
            }

            #[test]
            fn sessions_round_trip_touch_and_end() {
                let (_dir, store) = store();
                let t0 = base_time();
                let record = |token: &SessionToken, who: &str, created| SessionRecord {
                    token_hash: token.hash(),
                    account: name(who),
                    created,
                    last_seen: created,
                    second_factor: false,
                    sso_roles: None,
                };
                let a = SessionToken::generate();
                let b = SessionToken::generate();
                let c = SessionToken::generate();
                store.insert_session(&record(&a, "jdoe", t0)).unwrap();
                store.insert_session(&record(&b, "jdoe", t0)).unwrap();
                let mut sso = record(&c, "sso.user", t0 - Duration::hours(11));
                sso.sso_roles = Some(RoleSet::new([Role::Auditor]));
                store.insert_session(&sso).unwrap();

                assert_eq!(store.session(&c.hash()).unwrap().unwrap(), sso);
                assert!(
                    store
                        .touch_session(&a.hash(), t0 + Duration::minutes(5))
                        .unwrap()
                );
                // Touching never moves last-seen backwards.
                store.touch_session(&a.hash(), t0).unwrap();
                let touched = store.session(&a.hash()).unwrap().unwrap();
                assert_eq!(touched.last_seen, t0 + Duration::minutes(5));

                // Idle before t0 + 1 min removes b; created before t0 - 10 h removes c.
                let removed = store
                    .delete_expired_sessions(t0 + Duration::minutes(1), t0 - Duration::hours(10))
                    .unwrap();
                assert_eq!(removed, 2);
                assert!(store.session(&b.hash()).unwrap().is_none());
                assert!(store.session(&c.hash()).unwrap().is_none());
                assert_eq!(store.delete_sessions_of(&name("jdoe")).unwrap(), 1);
                assert!(!store.delete_session(&a.hash()).unwrap());
                let unknown = SessionToken::generate();
                assert!(store.session(&unknown.hash()).unwrap().is_none());
            }

            #[test]
            fn reveal_requests_are_decided_only_once() {
                let (_dir, store) = store();
                let pseudonym = Pseudonym::parse("P-7Q3K-9XDM-4TNA").unwrap();
                let request = |case: &str, minutes| RevealRequest {
                    id: RevealId::generate(),
                    case: case.into(),
                    pseudonym: pseudonym.clone(),
                    requested_by: name("inv"),
                    necessity: "n".repeat(40),
                    proportionality: "p".repeat(40),
                    requested_at: base_time() + Duration::minutes(minutes),
                    decision: None,
                };
                let second = request("PSD/1", 5);
                let first = request("PSD/1", 1);
                let other = request("PSD/2", 0);
                for r in [&second, &first, &other] {
                    store.insert_reveal(r).unwrap();
                }
                assert_eq!(store.reveal(&first.id).unwrap().unwrap(), first);
                let ids: Vec<RevealId> = store
                    .reveals_for_case("PSD/1")
                    .unwrap()
                    .into_iter()
                    .map(|r| r.id)
                    .collect();
                assert_eq!(ids, [first.id.clone(), second.id.clone()]);

                let decision = RevealDecision {
                    by: name("ao"),
                    at: base_time() + Duration::minutes(10),
                    verdict: Verdict::Approved,
                    note: "approved for the case".into(),
                    expires: Some(base_time() + Duration::hours(8)),
                };
                assert!(store.decide_reveal(&first.id, &decision).unwrap());
                let refusal = RevealDecision {
                    verdict: Verdict::Refused,
                    expires: None,
                    ..decision.clone()
                };
                assert!(!store.decide_reveal(&first.id, &refusal).unwrap());
                let stored = store.reveal(&first.id).unwrap().unwrap();
                assert_eq!(stored.decision, Some(decision));
                assert!(store.reveal(&RevealId::generate()).unwrap().is_none());
            }

            #[test]
            fn the_pseudonym_map_refuses_a_second_identifier() {
                let (_dir, store) = store();
                let pseudonym = Pseudonym::parse("P-0000-0000-0001").unwrap();
                let jdoe = (pseudonym.clone(), "jdoe".to_string());
                store
                    .record_pseudonyms(1, std::slice::from_ref(&jdoe))
                    .unwrap();
                store
                    .record_pseudonyms(1, std::slice::from_ref(&jdoe))
                    .unwrap();
                // A batch with one clash records nothing.
                let other = Pseudonym::parse("P-0000-0000-0002").unwrap();
                let batch = [
                    (other.clone(), "asmith".to_string()),
                    (pseudonym.clone(), "bjones".to_string()),
                ];
                assert!(matches!(
                    store.record_pseudonyms(1, &batch),
                    Err(Error::PseudonymCollision(_))
                ));
                store
                    .record_pseudonyms(1, &[(other, "cbrown".to_string())])
                    .unwrap();
            }

            #[test]
            fn sign_in_needs_the_password_and_then_a_fresh_code() {
                let (_dir, access) = access();
                let secret = person(&access, "jdoe", &[Role::Analyst]);
                let t = base_time() + Duration::minutes(10);

                let no_code = access.sign_in("jdoe", PASSWORD, None, t).unwrap().0;
                assert_eq!(denial(no_code), Denial::CodeRequired);
                let wrong_code = wrong_code(&secret, t);
                let wrong = access
                    .sign_in("jdoe", PASSWORD, Some(&wrong_code), t)
                    .unwrap()
                    .0;
                assert_eq!(denial(wrong), Denial::WrongCode);
                let expected_code = secret.code_at(unix(t));
                let (signed, audit) = access
                    .sign_in("JDoe", PASSWORD, Some(&expected_code), t)
                    .unwrap();
                assert_eq!(audit.action, "account.sign-in");
                assert_eq!(audit.actor, "account:jdoe");
                let SignIn::Granted { token, principal } = signed else {
                    panic!("refused");
                };
                assert!(principal.allows(Permission::TriageAlerts));
                assert!(!principal.allows(Permission::RequestReveal));
                assert_eq!(access.authenticate(&token, t).unwrap(), Some(principal));

                // The same code a second time is a replay.
                let again = access
                    .sign_in("jdoe", PASSWORD, Some(&expected_code), t)
                    .unwrap();
                assert_eq!(denial(again.0), Denial::CodeReused);
                assert_eq!(again.1.action, "account.sign-in.denied");
                assert_eq!(again.1.details["reason"], "code-reused");

                let bad = access
                    .sign_in("jdoe", "wrong password!!", None, t)
                    .unwrap()
                    .0;
                assert_eq!(denial(bad), Denial::WrongPassword);
                let unknown = access.sign_in("nobody", PASSWORD, None, t).unwrap().0;
                assert_eq!(denial(unknown), Denial::UnknownAccount);
                assert_eq!(
                    Denial::UnknownAccount.public_message(),
                    Denial::WrongPassword.public_message()
                );
            }

            #[test]
            fn repeated_failures_lock_the_account_for_a_while() {
                let (_dir, access) = access();
                let secret = person(&access, "jdoe", &[Role::Analyst]);
                let t = base_time() + Duration::minutes(1);
                for attempt in 1..=5 {
                    let outcome = access
                        .sign_in("jdoe", "not the password", None, t)
                        .unwrap()
                        .0;
                    let expected = if attempt < 5 {
                        Denial::WrongPassword
                    } else {
                        Denial::Locked {
                            until: t + Duration::minutes(15),
                        }
                    };
                    assert_eq!(denial(outcome), expected, "attempt {attempt}");
                }
                // The right password and code are refused while locked...
                let during = t + Duration::minutes(14);
                let code = secret.code_at(unix(during));
                let refused = access
                    .sign_in("jdoe", PASSWORD, Some(&code), during)
                    .unwrap();
                assert!(matches!(denial(refused.0), Denial::Locked { .. }));
                assert_eq!(refused.1.details["reason"], "locked");
                // ...and accepted after.
                sign_in(&access, "jdoe", &secret, t + Duration::minutes(16));
            }

            #[test]
            fn disabling_an_account_ends_its_sessions_and_sign_ins() {
                let (_dir, access) = access();
                let secret = person(&access, "jdoe", &[Role::Analyst]);
                let t = base_time() + Duration::minutes(1);
                let (token, _) = sign_in(&access, "jdoe", &secret, t);
                let audit = access.set_disabled(&admin(), "jdoe", true, t).unwrap();
                assert_eq!(audit.action, "account.disable");
                assert_eq!(audit.target, "jdoe");
                assert!(access.authenticate(&token, t).unwrap().is_none());
                let code = secret.code_at(unix(t + Duration::minutes(1)));
                let later = t + Duration::minutes(1);
                let refused = access
                    .sign_in("jdoe", PASSWORD, Some(&code), later)
                    .unwrap();
                assert_eq!(denial(refused.0), Denial::Disabled);
                access.set_disabled(&admin(), "jdoe", false, later).unwrap();
                sign_in(&access, "jdoe", &secret, t + Duration::minutes(2));

                // Only administrators manage accounts, and nobody changes their own roles.
                let (_, analyst) = sign_in(&access, "jdoe", &secret, t + Duration::minutes(3));
                assert!(matches!(
                    access.set_disabled(&analyst, "jdoe", true, t),
                    Err(Error::Forbidden(Permission::ManageAccounts))
                ));
                let boss = person(&access, "boss", &[Role::Administrator]);
                let (_, boss) = sign_in(&access, "boss", &boss, t);
                assert!(matches!(
                    access.set_disabled(&boss, "boss", true, t),
                    Err(Error::Forbidden(Permission::ManageAccounts))
                ));
                let analyst_roles = RoleSet::new([Role::Analyst]);
                assert!(matches!(
                    access.set_roles(&boss, "boss", analyst_roles.clone(), t),
                    Err(Error::Forbidden(Permission::ManageAccounts))
                ));
                let audit = access
                    .set_roles(&boss, "jdoe", RoleSet::new([Role::Investigator]), t)
                    .unwrap();
                assert_eq!(audit.actor, "account:boss");
                assert_eq!(audit.details["roles"], "investigator");
            }

            #[test]
            fn duties_stay_separate_when_roles_are_given() {
                let (_dir, access) = access();
                let t = base_time();
                for roles in [
                    vec![Role::Auditor, Role::Analyst],
                    vec![Role::Administrator, Role::Investigator],
                    vec![Role::IngestClient],
                    vec![],
                ] {
                    let result = access.create_account(
                        &admin(),
                        "x",
                        "X",
                        RoleSet::new(roles.clone()),
                        Some(PASSWORD),
                        t,
                    );
                    assert!(
                        matches!(result, Err(Error::RoleConflict(_) | Error::NoRoles)),
                        "{roles:?}"
                    );
                }
                assert!(access.store().account(&name("x")).unwrap().is_none());
                let mixed = RoleSet::new([Role::Auditor, Role::Investigator]);
                let (outcome, audit) = access.sign_in_sso("y", mixed, t).unwrap();
                assert_eq!(denial(outcome), Denial::RoleConflict);
                assert_eq!(audit.details["reason"], "role-conflict");
            }

            #[test]
            fn the_first_administrator_and_the_command_line() {
                let (_dir, access) = access();
                let t = base_time();
                let (account, audit) = access
                    .bootstrap_administrator("Chief", "Chief Admin", PASSWORD, t)
                    .unwrap();
                assert_eq!(account.roles, RoleSet::new([Role::Administrator]));
                assert_eq!(audit.actor, "cli:bootstrap");
                assert!(
                    access
                        .bootstrap_administrator("second", "Second", PASSWORD, t)
                        .is_err()
                );
                let cli = Principal::command_line("root");
                assert_eq!(cli.actor(), "cli:root");
                assert!(cli.allows(Permission::ManageAccounts));
                assert!(!cli.allows(Permission::ViewContent));
                // The command line is never mistaken for an account.
                assert!(AccountName::parse(cli.account().as_str()).is_err());
                let weak = access.create_account(
                    &cli,
                    "pc1",
                    "PC 1",
                    RoleSet::new([Role::Analyst]),
                    Some("short"),
                    t,
                );
                assert!(matches!(weak, Err(Error::WeakPassword(_))));
            }

            #[test]
            fn authenticators_can_be_reset_and_passwords_changed() {
                let (_dir, access) = access();
                let secret = person(&access, "jdoe", &[Role::Analyst]);
                let t = base_time() + Duration::minutes(1);
                let (token, me) = sign_in(&access, "jdoe", &secret, t);

                // A wrong current password is refused and counted.
                let new_password = "another long passphrase";
                assert!(matches!(
                    access.change_password(&me, "not my password", new_password, t),
                    Err(Error::CurrentPassword)
                ));
                assert_eq!(
                    access
                        .store()
                        .account(&name("jdoe"))
                        .unwrap()
                        .unwrap()
                        .failed_attempts,
                    1
                );
                let audit = access
                    .change_password(&me, PASSWORD, new_password, t)
                    .unwrap();
                assert_eq!(audit.action, "account.password.change");
                assert!(
                    access.authenticate(&token, t).unwrap().is_none(),
                    "sessions end"
                );
                let later = t + Duration::minutes(1);
                let code = secret.code_at(unix(later));
                let old = access
                    .sign_in("jdoe", PASSWORD, Some(&code), later)
                    .unwrap()
                    .0;
                assert_eq!(denial(old), Denial::WrongPassword);
                let new = access
                    .sign_in("jdoe", new_password, Some(&code), later)
                    .unwrap()
                    .0;
                assert!(matches!(new, SignIn::Granted { .. }));

                // After a reset the person signs in with the password alone, holds no permission,
                // and must enrol again; a wrong enrolment code counts as a failure.
                access.reset_totp(&admin(), "jdoe", later).unwrap();
                let (outcome, _) = access.sign_in("jdoe", new_password, None, later).unwrap();
                let SignIn::Granted { token, principal } = outcome else {
                    panic!("refused");
                };
                assert!(!principal.signed_in());
                assert!(!principal.allows(Permission::ViewAlerts));
                let (enrolment, _) = access.start_totp_enrolment(&principal, later).unwrap();
                let good = enrolment.secret.code_at(unix(later));
                let bad = wrong_code(&enrolment.secret, later);
                assert!(matches!(
                    access.confirm_totp_enrolment(&token, &bad, later),
                    Err(Error::BadCode)
                ));
                let failures = access
                    .store()
                    .account(&name("jdoe"))
                    .unwrap()
                    .unwrap()
                    .failed_attempts;
                assert_eq!(failures, 1);
                let (token, _) = access.confirm_totp_enrolment(&token, &good, later).unwrap();
                assert!(
                    access
                        .authenticate(&token, later)
                        .unwrap()
                        .unwrap()
                        .allows(Permission::ViewAlerts)
                );
            }

            #[test]
            fn sessions_end_when_idle_too_long_old_or_signed_out() {
                let (_dir, access) = access();
                let secret = person(&access, "jdoe", &[Role::Analyst]);
                let t = base_time() + Duration::minutes(1);

                let (idle, _) = sign_in(&access, "jdoe", &secret, t);
                assert!(
                    access
                        .authenticate(&idle, t + Duration::minutes(29))
                        .unwrap()
                        .is_some()
                );
                // Use at 29 minutes restarts the idle clock.
                assert!(
                    access
                        .authenticate(&idle, t + Duration::minutes(58))
                        .unwrap()
                        .is_some()
                );
                assert!(
                    access
                        .authenticate(&idle, t + Duration::minutes(89))
                        .unwrap()
                        .is_none()
                );

                let t2 = t + Duration::minutes(90);
                let (busy, _) = sign_in(&access, "jdoe", &secret, t2);
                let mut now = t2;
                while now < t2 + Duration::hours(10) - Duration::minutes(20) {
                    now += Duration::minutes(20);
                    assert!(access.authenticate(&busy, now).unwrap().is_some(), "{now}");
                }
                let past_absolute = t2 + Duration::hours(10);
                assert!(access.authenticate(&busy, past_absolute).unwrap().is_none());

                let t3 = past_absolute + Duration::minutes(1);
                let (token, _) = sign_in(&access, "jdoe", &secret, t3);
                let audit = access.sign_out(&token, t3).unwrap().unwrap();
                assert_eq!(audit.action, "account.sign-out");
                assert!(access.authenticate(&token, t3).unwrap().is_none());
                assert!(access.sign_out(&token, t3).unwrap().is_none());
            }

            #[test]
            fn a_reveal_needs_another_authorising_officer_and_expires() {
                let (dir, access) = access();
                let keys = $crate::Pseudonymiser::open(dir.path()).unwrap();
                let pseudonym = access.pseudonymise(&keys, "PC4021.Smith").unwrap();
                assert!(matches!(
                    access.pseudonymise(&keys, &"x".repeat(1025)),
                    Err(Error::IdentifierTooLong(1025))
                ));
                let inv = person(&access, "inv", &[Role::Investigator]);
                let inv2 = person(&access, "inv2", &[Role::Investigator]);
                let both = person(
                    &access,
                    "both",
                    &[Role::Investigator, Role::AuthorisingOfficer],
                );
                let ao = person(&access, "ao", &[Role::AuthorisingOfficer]);
                let analyst = person(&access, "analyst", &[Role::Analyst]);
                let t = base_time() + Duration::minutes(1);
                let (_, inv) = sign_in(&access, "inv", &inv, t);
                let (_, inv2) = sign_in(&access, "inv2", &inv2, t);
                let (_, both) = sign_in(&access, "both", &both, t);
                let (_, ao) = sign_in(&access, "ao", &ao, t);
                let (_, analyst) = sign_in(&access, "analyst", &analyst, t);

                let necessity = "To identify which officer viewed the victim's record.";
                let proportionality = "Only this pseudonym; metadata alone cannot resolve it.";
                // Wrong role, short statements.
                assert!(matches!(
                    access.request_reveal(
                        &analyst,
                        "PSD/7",
                        &pseudonym,
                        necessity,
                        proportionality,
                        t
                    ),
                    Err(Error::Forbidden(Permission::RequestReveal))
                ));
                assert!(
                    access
                        .request_reveal(&inv, "PSD/7", &pseudonym, "needed", proportionality, t)
                        .is_err()
                );
                assert!(
                    access
                        .request_reveal(&inv, "PSD/7", &pseudonym, necessity, "", t)
                        .is_err()
                );

                let (request, audit) = access
                    .request_reveal(&inv, "PSD/7", &pseudonym, necessity, proportionality, t)
                    .unwrap();
                assert_eq!(audit.action, "identity.reveal.request");
                assert_eq!(audit.actor, "account:inv");
                assert_eq!(audit.details["case"], "PSD/7");
                let id = request.id.clone();
                assert!(
                    access.reveal_identity(&inv, &id, t).is_err(),
                    "not yet decided"
                );

                // Investigators cannot approve; nor can the requester, whatever roles they hold.
                let note = "Necessary and proportionate for PSD/7.";
                assert!(matches!(
                    access.decide_reveal(&inv2, &id, Verdict::Approved, note, t),
                    Err(Error::Forbidden(Permission::ApproveReveal))
                ));
                let (own, _) = access
                    .request_reveal(&both, "PSD/7", &pseudonym, necessity, proportionality, t)
                    .unwrap();
                assert!(matches!(
                    access.decide_reveal(&both, &own.id, Verdict::Approved, note, t),
                    Err(Error::Reveal(_))
                ));
                assert!(
                    access
                        .store()
                        .reveal(&own.id)
                        .unwrap()
                        .unwrap()
                        .decision
                        .is_none()
                );

                let pending = access.pending_reveals(&ao, t).unwrap();
                assert_eq!(pending.len(), 2);
                assert!(access.pending_reveals(&inv, t).is_err());

                let decided_at = t + Duration::minutes(5);
                let (approved, audit) = access
                    .decide_reveal(&ao, &id, Verdict::Approved, note, decided_at)
                    .unwrap();
                assert_eq!(audit.action, "identity.reveal.approve");
                let expires = decided_at + Duration::hours(8);
                assert_eq!(approved.decision.as_ref().unwrap().expires, Some(expires));
                assert!(
                    access
                        .decide_reveal(&ao, &id, Verdict::Refused, note, decided_at)
                        .is_err()
                );

                let (identity, audit) = access.reveal_identity(&inv, &id, decided_at).unwrap();
                assert_eq!(identity, "pc4021.smith");
                assert_eq!(audit.action, "identity.reveal.view");
                assert!(
                    !audit.details.to_string().contains("smith"),
                    "no identity in the log"
                );
                // Only the requester, and only until it expires.
                assert!(access.reveal_identity(&inv2, &id, decided_at).is_err());
                // After a key rotation the reveal also maps the old pseudonym to the new one.
                let mut keys = keys;
                keys.rotate().unwrap();
                let (current, audit) = access
                    .remap_pseudonym(&inv, &id, &keys, decided_at)
                    .unwrap();
                assert_ne!(current, pseudonym);
                assert_eq!(current, keys.pseudonym("pc4021.smith"));
                assert_eq!(audit.details["current_pseudonym"], current.as_str());
                let just_before = expires - Duration::seconds(1);
                assert!(access.reveal_identity(&inv, &id, just_before).is_ok());
                let error = access.reveal_identity(&inv, &id, expires).unwrap_err();
                assert!(error.to_string().contains("expired"), "{error}");

                // A refused request reveals nothing.
                let (refused, _) = access
                    .request_reveal(&inv, "PSD/7", &pseudonym, necessity, proportionality, t)
                    .unwrap();
                let (_, audit) = access
                    .decide_reveal(
                        &ao,
                        &refused.id,
                        Verdict::Refused,
                        "Not proportionate yet.",
                        t,
                    )
                    .unwrap();
                assert_eq!(audit.action, "identity.reveal.refuse");
                assert!(access.reveal_identity(&inv, &refused.id, t).is_err());
                assert!(access.remap_pseudonym(&inv, &refused.id, &keys, t).is_err());

                // A request nobody decides lapses.
                let (lapsing, _) = access
                    .request_reveal(&inv, "PSD/7", &pseudonym, necessity, proportionality, t)
                    .unwrap();
                let week_later = t + Duration::days(7);
                assert!(
                    access
                        .decide_reveal(&ao, &lapsing.id, Verdict::Approved, note, week_later)
                        .is_err()
                );
                assert_eq!(access.store().reveals_for_case("PSD/7").unwrap().len(), 4);
            }

            #[test]
            fn single_sign_on_sessions_carry_their_claimed_roles() {
                let (_dir, access) = access();
                let t = base_time();
                let roles = RoleSet::new([Role::Auditor]);
                let (signed, audit) = access
                    .sign_in_sso("J.Doe@Force.Example", roles.clone(), t)
                    .unwrap();
                assert_eq!(audit.details["method"], "oidc");
                let SignIn::Granted { token, principal } = signed else {
                    panic!("refused");
                };
                assert!(principal.allows(Permission::ReadAudit));
                assert!(!principal.allows(Permission::ViewContent));
                let again = access
                    .authenticate(&token, t + Duration::minutes(1))
                    .unwrap()
                    .unwrap();
                assert_eq!(again.roles(), &roles);
                assert_eq!(again.account().as_str(), "j.doe@force.example");

                let (none, _) = access.sign_in_sso("other", RoleSet::default(), t).unwrap();
                assert_eq!(denial(none), Denial::NoRoles);
            }
        }
    };
}
