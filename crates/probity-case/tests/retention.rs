#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};

use probity_access::Principal;
use probity_access::testsuite::test_policy;
use probity_access::{Access, Role, RoleSet, SignIn, SqliteAccessStore};
use probity_case::{LinkKind, RetentionPolicy, Workbench};
use probity_model::{Alert, AlertId, AlertRule, EventRef, Level, Timestamp};
use probity_store::sqlite::SqliteStore;
use probity_store::testsuite::{base_time, sample_event};
use probity_store::{EncodedEvent, EventStore};

fn investigator(dir: &std::path::Path) -> Principal {
    let access = Access::new(SqliteAccessStore::open(dir).unwrap(), test_policy()).unwrap();
    let roles = RoleSet::new([Role::Investigator]);
    match access.sign_in_sso("ivan", roles, base_time()).unwrap().0 {
        SignIn::Granted { principal, .. } => principal,
        SignIn::Denied(denial) => panic!("{denial:?}"),
    }
}

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
}

#[test]
fn events_linked_to_a_held_case_are_never_purged() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let bench = Workbench::open(dir.path()).unwrap();
    let ivan = investigator(dir.path());
    let admin = Principal::command_line("root");

    let events: Vec<_> = (0..6).map(sample_event).collect();
    let encoded: Vec<EncodedEvent> = events
        .iter()
        .map(|e| EncodedEvent::encode(e).unwrap())
        .collect();
    store.append(&encoded, &[]).unwrap();
    // An alert resting on event 4: held through the alert link, its event is kept too.
    let rule = AlertRule {
        kind: "test".into(),
        id: "r".into(),
        title: "t".into(),
        tags: vec![],
    };
    let refs = vec![EventRef {
        id: events[4].provenance.id,
        timestamp: events[4].timestamp,
    }];
    let alert = Alert {
        id: AlertId::derive(&rule, &refs),
        created: events[4].timestamp,
        rule,
        level: Level::Medium,
        explanation: "x".into(),
        matched: vec![],
        events: refs,
        user: None,
        host: None,
    };
    probity_store::AlertStore::append_alerts(&store, std::slice::from_ref(&alert), None).unwrap();

    let (case, _) = bench
        .create_case(&ivan, "Held", &[], "", base_time())
        .unwrap();
    let held = events[2].provenance.id.to_hex();
    bench
        .link(&ivan, &case.id, LinkKind::Event, &held, base_time())
        .unwrap();
    bench
        .link(
            &ivan,
            &case.id,
            LinkKind::Alert,
            &alert.id.to_hex(),
            base_time(),
        )
        .unwrap();
    bench
        .set_legal_hold(&admin, &case.id, true, base_time())
        .unwrap();

    let mut policy = RetentionPolicy::default();
    policy.classes.insert("events".into(), 30);
    policy.classes.insert("alerts".into(), 30);
    bench.set_retention(&admin, &policy, base_time()).unwrap();

    assert!(
        bench.purge(&ivan, &store, now()).is_err(),
        "needs ManageRetention"
    );
    let (counts, audit) = bench.purge(&admin, &store, now()).unwrap();
    assert_eq!(counts["events"], 4);
    assert_eq!(counts["alerts"], 0);
    assert!(!counts.contains_key("messages"), "no period set");
    assert_eq!(audit.action, "retention.purge");
    assert_eq!(audit.details["deleted"]["events"], 4);
    let left: Vec<String> = store
        .query(&probity_store::EventQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap()
        .iter()
        .map(|e| e.provenance.id.to_hex())
        .collect();
    assert_eq!(left, vec![held.clone(), events[4].provenance.id.to_hex()]);

    // Once the hold is lifted, the next purge takes them.
    bench
        .set_legal_hold(&admin, &case.id, false, now())
        .unwrap();
    let (counts, _) = bench
        .purge(&admin, &store, now() + Duration::days(1))
        .unwrap();
    assert_eq!(counts["events"], 2);
    assert_eq!(counts["alerts"], 1);
    assert_eq!(store.counts().unwrap().events, 0);
}
