//! The behaviour every store backend must show, written once.
//!
//! A backend runs the suite with `probity_store::store_test_suite!(|dir: &Path| make_store(dir));`
//! inside a test module; each test gets a fresh empty directory (which a server-backed store may
//! ignore, as long as each call gives a fresh empty store).

use chrono::{Duration, TimeZone, Utc};

use probity_model::{Event, EventId, Format, Provenance, Record, RecordSubject, Timestamp, User};

use crate::EncodedEvent;

/// The base time of [`sample_events`].
pub fn base_time() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// `n` events, one minute apart from [`base_time`]: user `user{i}`, action `view` for even `i` and
/// `search` for odd, a record subject `subject{i}`, and the message `lookup number {i} word{i % 3}`.
pub fn sample_events(n: usize) -> Vec<EncodedEvent> {
    (0..n)
        .filter_map(|i| EncodedEvent::encode(&sample_event(i)).ok())
        .collect()
}

/// The `i`-th event of [`sample_events`].
pub fn sample_event(i: usize) -> Event {
    let minutes = i64::try_from(i).unwrap_or(0);
    let content = format!("sample {i}");
    let provenance = Provenance {
        id: EventId::derive(Format::Ndjson, content.as_bytes(), 0),
        source: "test".into(),
        format: Format::Ndjson,
        ingested: base_time(),
        location: Some(format!("line {}", i + 1)),
    };
    let mut event = Event::new(base_time() + Duration::minutes(minutes), provenance);
    let action = if i.is_multiple_of(2) {
        "view"
    } else {
        "search"
    };
    event.message = Some(format!("lookup number {i} word{}", i % 3));
    event.event.action = Some(format!("record-{action}"));
    event.user = Some(User {
        name: Some(format!("User{i}").into()),
        ..User::default()
    });
    event.record = Some(Record {
        system: Some("PNC".into()),
        action: Some(action.into()),
        subject: RecordSubject {
            kind: Some("person".into()),
            id: Some(format!("subject{i}").into()),
            name: None,
        },
        ..Record::default()
    });
    event
        .original
        .insert("line".into(), serde_json::Value::String(content));
    event
}

/// Generates the shared store tests. See the module documentation.
#[macro_export]
macro_rules! store_test_suite {
    ($make:expr) => {
        mod store_suite {
            #[allow(unused_imports)]
            use super::*;
            use $crate::testsuite::{base_time, sample_event, sample_events};
            use $crate::{
                AlertQuery, AlertStore, AuditStore, EncodedEvent, EventQuery, EventStore,
                ReferenceStore, Scope, TokenStore,
            };

            fn store() -> (
                tempfile::TempDir,
                impl EventStore + TokenStore + AlertStore + AuditStore + ReferenceStore,
            ) {
                let dir = tempfile::tempdir().unwrap();
                let make = $make;
                let store = make(dir.path());
                (dir, store)
            }

            fn messages(events: &[probity_model::Event]) -> Vec<String> {
                events
                    .iter()
                    .map(|e| e.message.clone().unwrap_or_default())
                    .collect()
            }

            #[test]
            fn appended_events_come_back_whole() {
                let (_dir, store) = store();
                let outcome = store.append(&sample_events(3), &[]).unwrap();
                assert_eq!(outcome.inserted, 3);
                let found = store
                    .query(&EventQuery {
                        limit: 10,
                        ..EventQuery::default()
                    })
                    .unwrap();
                assert_eq!(
                    found,
                    vec![sample_event(0), sample_event(1), sample_event(2)]
                );
            }

            #[test]
            fn a_retried_batch_is_not_stored_twice() {
                let (_dir, store) = store();
                let batch = sample_events(5);
                assert_eq!(store.append(&batch, &[]).unwrap().inserted, 5);
                let again = store.append(&batch, &[]).unwrap();
                assert_eq!((again.inserted, again.duplicates), (0, 5));
                assert_eq!(store.counts().unwrap().events, 5);
            }

            #[test]
            fn a_retried_batch_without_event_times_is_not_stored_twice() {
                let (_dir, store) = store();
                // Events with no time of their own take their arrival time, which a retry changes.
                let untimed = |arrival: i64| -> Vec<EncodedEvent> {
                    (0..3)
                        .map(|i| {
                            let mut event = sample_event(i);
                            event.provenance.ingested =
                                base_time() + chrono::Duration::seconds(arrival);
                            event.timestamp = event.provenance.ingested;
                            EncodedEvent::encode(&event).unwrap()
                        })
                        .collect()
                };
                assert_eq!(store.append(&untimed(0), &[]).unwrap().inserted, 3);
                let again = store.append(&untimed(30), &[]).unwrap();
                assert_eq!((again.inserted, again.duplicates), (0, 3));
                assert_eq!(store.counts().unwrap().events, 3);
            }

            #[test]
            fn time_range_and_limit_give_the_most_recent_oldest_first() {
                let (_dir, store) = store();
                store.append(&sample_events(10), &[]).unwrap();
                let found = store
                    .query(&EventQuery {
                        since: Some(base_time() + chrono::Duration::minutes(2)),
                        until: Some(base_time() + chrono::Duration::minutes(8)),
                        limit: 3,
                        ..EventQuery::default()
                    })
                    .unwrap();
                assert_eq!(
                    messages(&found),
                    vec![
                        "lookup number 5 word2",
                        "lookup number 6 word0",
                        "lookup number 7 word1"
                    ]
                );
            }

            fn check_filters(store: &impl EventStore) {
                let query = |user: Option<&str>, action: Option<&str>, text: Option<&str>| {
                    let found = store
                        .query(&EventQuery {
                            user: user.map(str::to_owned),
                            action: action.map(str::to_owned),
                            text: text.map(str::to_owned),
                            limit: 100,
                            ..EventQuery::default()
                        })
                        .unwrap();
                    messages(&found)
                };
                assert_eq!(
                    query(Some("USER4"), None, None),
                    vec!["lookup number 4 word1"]
                );
                assert_eq!(query(None, Some("search"), None).len(), 6);
                assert_eq!(query(None, Some("RECORD-VIEW"), None).len(), 6);
                assert_eq!(
                    query(None, None, Some("word2 LOOKUP")),
                    vec![
                        "lookup number 2 word2",
                        "lookup number 5 word2",
                        "lookup number 8 word2",
                        "lookup number 11 word2"
                    ]
                );
                assert_eq!(
                    query(None, Some("view"), Some("word2")),
                    vec!["lookup number 2 word2", "lookup number 8 word2"]
                );
                assert_eq!(
                    query(Some("user11"), Some("search"), Some("word2")),
                    vec!["lookup number 11 word2"]
                );
                assert!(query(Some("user11"), Some("view"), None).is_empty());
                assert!(query(None, None, Some("absent")).is_empty());
                // Identities are searchable as words.
                assert_eq!(query(None, None, Some("subject7")).len(), 1);
            }

            #[test]
            fn filters_before_indexing() {
                let (_dir, store) = store();
                store.append(&sample_events(12), &[]).unwrap();
                check_filters(&store);
            }

            #[test]
            fn filters_after_indexing() {
                let (_dir, store) = store();
                store.append(&sample_events(12), &[]).unwrap();
                store.maintain(u64::MAX).unwrap();
                check_filters(&store);
            }

            #[test]
            fn filters_with_the_index_part_way() {
                let (_dir, store) = store();
                let events = sample_events(12);
                store.append(&events[..7], &[]).unwrap();
                store.maintain(u64::MAX).unwrap();
                store.append(&events[7..], &[]).unwrap();
                check_filters(&store);
                assert_eq!(store.counts().unwrap().events, 12);
            }

            #[test]
            fn dead_letters_keep_raw_bytes_and_reason() {
                let (_dir, store) = store();
                let received = base_time();
                let text = probity_model::DeadLetter::new(
                    received,
                    "http:shipper",
                    Some(probity_model::Format::Ndjson),
                    "line 2: expected value",
                    Some("line 2".into()),
                    b"{not json",
                );
                let binary = probity_model::DeadLetter::new(
                    received,
                    "syslog-udp:127.0.0.1",
                    None,
                    "invalid UTF-8",
                    None,
                    &[0xff, 0x00, 0xfe],
                );
                let outcome = store.append(&[], &[text.clone(), binary.clone()]).unwrap();
                assert_eq!(outcome.dead_letters, 2);
                let stored = store.dead_letters(10).unwrap();
                assert_eq!(stored.len(), 2);
                assert_eq!(stored[0].letter, binary, "most recent first");
                assert_eq!(stored[1].letter, text);
                assert_eq!(store.counts().unwrap().dead_letters, 2);
                assert_eq!(store.dead_letters(1).unwrap().len(), 1);
                // Found again by sequence number; a number never given finds nothing.
                let first = store.dead_letter(stored[1].seq).unwrap().unwrap();
                assert_eq!(first.letter, text);
                assert_eq!(first.seq, stored[1].seq);
                assert!(store.dead_letter(stored[0].seq + 100).unwrap().is_none());
            }

            #[test]
            fn events_and_dead_letters_in_one_append() {
                let (_dir, store) = store();
                let letter =
                    probity_model::DeadLetter::new(base_time(), "t", None, "bad", None, b"x");
                let outcome = store.append(&sample_events(2), &[letter]).unwrap();
                assert_eq!((outcome.inserted, outcome.dead_letters), (2, 1));
            }

            #[test]
            fn events_are_found_again_by_reference() {
                let (_dir, store) = store();
                store.append(&sample_events(5), &[]).unwrap();
                let wanted = [sample_event(3), sample_event(1)];
                let refs: Vec<probity_model::EventRef> = wanted
                    .iter()
                    .map(|e| probity_model::EventRef {
                        id: e.provenance.id,
                        timestamp: e.timestamp,
                    })
                    .chain(std::iter::once(probity_model::EventRef {
                        id: sample_event(9).provenance.id,
                        timestamp: base_time(),
                    }))
                    .collect();
                let found = store.events_by_ref(&refs).unwrap();
                assert_eq!(
                    found,
                    wanted.to_vec(),
                    "in the order asked; absent ones skipped"
                );
            }

            #[test]
            fn events_are_found_by_id_alone_oldest_first() {
                let (_dir, store) = store();
                store.append(&sample_events(5), &[]).unwrap();
                let ids = [
                    sample_event(3).provenance.id,
                    sample_event(1).provenance.id,
                    sample_event(3).provenance.id,
                    sample_event(9).provenance.id,
                ];
                let found = store.events_by_id(&ids).unwrap();
                assert_eq!(
                    found,
                    vec![sample_event(1), sample_event(3)],
                    "each once, oldest first; absent ones skipped"
                );
                assert!(store.events_by_id(&[]).unwrap().is_empty());
            }

            #[test]
            fn the_journal_is_read_in_order_and_consumers_keep_their_place() {
                let (_dir, store) = store();
                store.append(&sample_events(5), &[]).unwrap();
                let first = store.read_journal(0, 3).unwrap();
                assert_eq!(first.len(), 3);
                assert_eq!(first[0].1, sample_event(0));
                let (last_seq, _) = first[2];
                let rest = store.read_journal(last_seq, 10).unwrap();
                assert_eq!(
                    rest.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>(),
                    vec![sample_event(3), sample_event(4)]
                );
                assert!(rest[0].0 > last_seq);
                assert_eq!(store.cursor("sigma").unwrap(), 0);
                store.append_alerts(&[], Some(("sigma", last_seq))).unwrap();
                assert_eq!(store.cursor("sigma").unwrap(), last_seq);
                assert_eq!(store.cursor("other").unwrap(), 0);
            }

            #[test]
            fn alerts_are_stored_once_and_filtered() {
                let (_dir, store) = store();
                let alert = |rule: &str, level: probity_model::Level, event: usize| {
                    let source = sample_event(event);
                    let events = vec![probity_model::EventRef {
                        id: source.provenance.id,
                        timestamp: source.timestamp,
                    }];
                    let rule = probity_model::AlertRule {
                        kind: "sigma".into(),
                        id: rule.into(),
                        title: format!("rule {rule}"),
                        tags: vec!["attack.t1078".into()],
                    };
                    probity_model::Alert {
                        id: probity_model::AlertId::derive(&rule, &events),
                        created: base_time(),
                        rule,
                        level,
                        explanation: "matched".into(),
                        matched: vec![probity_model::MatchedField {
                            field: "user.name".into(),
                            value: format!("user{event}"),
                        }],
                        events,
                        user: Some(format!("user{event}").into()),
                        host: None,
                    }
                };
                use probity_model::Level;
                let alerts = vec![
                    alert("a", Level::Low, 1),
                    alert("b", Level::High, 2),
                    alert("a", Level::Critical, 3),
                ];
                assert_eq!(store.append_alerts(&alerts, None).unwrap(), 3);
                assert_eq!(
                    store.append_alerts(&alerts[..1], None).unwrap(),
                    0,
                    "same alert again"
                );
                let all = store
                    .alerts(&AlertQuery {
                        limit: 10,
                        ..AlertQuery::default()
                    })
                    .unwrap();
                assert_eq!(all, alerts, "oldest first, whole");
                assert_eq!(
                    store.alert(&alerts[1].id).unwrap().as_ref(),
                    Some(&alerts[1]),
                    "found by id"
                );
                let missing = probity_model::AlertId::from_bytes([7u8; 16]);
                assert_eq!(store.alert(&missing).unwrap(), None);
                let high = store
                    .alerts(&AlertQuery {
                        min_level: Some(Level::High),
                        limit: 10,
                        ..AlertQuery::default()
                    })
                    .unwrap();
                assert_eq!(high.len(), 2);
                let by_rule = store
                    .alerts(&AlertQuery {
                        rule_id: Some("a".into()),
                        limit: 1,
                        ..AlertQuery::default()
                    })
                    .unwrap();
                assert_eq!(by_rule, vec![alerts[2].clone()], "the most recent one");
                assert_eq!(store.counts().unwrap().alerts, 3);
            }

            fn action(what: &str, target: &str) -> probity_audit::Action {
                probity_audit::Action {
                    time: base_time(),
                    actor: "cli:test".into(),
                    action: what.into(),
                    target: target.into(),
                    details: serde_json::json!({"note": "test"}),
                }
            }

            #[test]
            fn the_audit_chain_grows_and_verifies() {
                let (_dir, store) = store();
                assert_eq!($crate::verify_audit(&store).unwrap().unwrap().entries, 0);
                let first = store.audit(action("alert.dismiss", "a1")).unwrap();
                let second = store.audit(action("alert.escalate", "a2")).unwrap();
                assert_eq!((first.seq, second.seq), (1, 2));
                assert_eq!(second.prev, first.hash);
                let entries = store.audit_entries(0, 10).unwrap();
                assert_eq!(entries, vec![first, second.clone()]);
                let verified = $crate::verify_audit(&store).unwrap().unwrap();
                assert_eq!((verified.entries, verified.head), (2, second.hash));
                assert_eq!(store.audit_entries(1, 10).unwrap().len(), 1);
            }

            fn signer(byte: u8) -> probity_audit::Signer {
                probity_audit::Signer::from_bytes(&[byte; 32])
            }

            #[test]
            fn checkpoints_sign_the_head_only_when_it_moves() {
                let (_dir, store) = store();
                let key = signer(1);
                assert_eq!(store.checkpoint(&key, base_time()).unwrap(), None);
                for n in 0..3 {
                    store.audit(action("alert.dismiss", &format!("a{n}"))).unwrap();
                }
                let first = store.checkpoint(&key, base_time()).unwrap().unwrap();
                let head = store.audit_entries(2, 1).unwrap().remove(0);
                assert_eq!((first.seq, first.head.as_str()), (3, head.hash.as_str()));
                assert!(probity_audit::verify_checkpoint(&first, &key.verifying_key()));
                assert_eq!(store.checkpoint(&key, base_time()).unwrap(), None);
                store.audit(action("alert.escalate", "a3")).unwrap();
                let second = store.checkpoint(&key, base_time()).unwrap().unwrap();
                assert_eq!(second.seq, 4);
                assert_eq!(store.checkpoints().unwrap(), vec![first, second.clone()]);
                assert_eq!(store.checkpoints_after(3, 10).unwrap().len(), 1);

                let verified = $crate::verify_audit(&store).unwrap().unwrap();
                assert_eq!((verified.entries, verified.checkpoints), (4, 2));
                assert_eq!(verified.last_checkpoint, Some(second));
                let trusted = key.verifying_key();
                assert!(
                    $crate::verify_audit_with_key(&store, Some(&trusted))
                        .unwrap()
                        .is_ok()
                );
                let stranger = signer(2).verifying_key();
                assert!(matches!(
                    $crate::verify_audit_with_key(&store, Some(&stranger)).unwrap(),
                    Err(probity_audit::Break::Checkpoint {
                        seq: 3,
                        fault: probity_audit::CheckpointFault::Key { .. }
                    })
                ));
            }

            #[test]
            fn an_excerpt_proves_its_entries_against_the_next_checkpoint() {
                let (_dir, store) = store();
                let key = signer(3);
                for n in 0..5 {
                    store.audit(action("case.note", &format!("C-{n}"))).unwrap();
                }
                store.checkpoint(&key, base_time()).unwrap().unwrap();
                store.audit(action("case.note", "C-5")).unwrap();
                store.audit(action("case.note", "C-6")).unwrap();

                let excerpt = store.audit_excerpt(2, 3).unwrap();
                assert_eq!(excerpt.entries.len(), 2);
                assert_eq!(excerpt.anchor, store.audit_entries(0, 1).unwrap()[0].hash);
                assert_eq!(excerpt.proof.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 5]);
                assert_eq!(excerpt.checkpoint.as_ref().map(|c| c.seq), Some(5));
                let verified = probity_audit::verify_excerpt(&excerpt).unwrap();
                assert_eq!((verified.first, verified.last, verified.entries), (2, 3, 2));
                assert_eq!(verified.key_id.as_deref(), Some(key.key_id()));

                let whole = store.audit_excerpt(1, 5).unwrap();
                assert!(whole.proof.is_empty());
                assert!(probity_audit::verify_excerpt(&whole).unwrap().checkpoint.is_some());

                let unsigned = store.audit_excerpt(6, 7).unwrap();
                assert!(unsigned.checkpoint.is_none());
                assert!(probity_audit::verify_excerpt(&unsigned).unwrap().checkpoint.is_none());
                store.checkpoint(&key, base_time()).unwrap().unwrap();
                let signed = store.audit_excerpt(6, 7).unwrap();
                assert!(probity_audit::verify_excerpt(&signed).unwrap().checkpoint.is_some());

                for (from, to) in [(0, 1), (3, 2), (6, 8)] {
                    assert!(matches!(
                        store.audit_excerpt(from, to),
                        Err($crate::Error::Excerpt(_))
                    ));
                }
            }

            #[test]
            fn reference_data_is_replaced_whole_with_an_audit_entry() {
                let (_dir, store) = store();
                assert!(store.reference("staff").unwrap().is_none());
                let entry = store
                    .replace_reference("staff", b"[1,2,3]", 3, action("reference.load", "staff"))
                    .unwrap();
                assert_eq!(entry.action.action, "reference.load");
                store
                    .replace_reference("staff", b"[4]", 1, action("reference.load", "staff"))
                    .unwrap();
                assert_eq!(store.reference("staff").unwrap().unwrap(), b"[4]");
                let kinds = store.reference_kinds().unwrap();
                assert_eq!(kinds.len(), 1);
                assert_eq!((kinds[0].0.as_str(), kinds[0].1), ("staff", 1));
                assert_eq!($crate::verify_audit(&store).unwrap().unwrap().entries, 2);
            }

            #[test]
            fn tokens_are_kept_hashed_and_can_be_revoked() {
                let (_dir, store) = store();
                let (info, secret) = store.create_token("winlogbeat", Scope::Ingest).unwrap();
                assert_eq!(info.scope, Scope::Ingest);
                assert!(secret.expose().starts_with(&info.prefix));
                let found = store.authenticate(secret.expose()).unwrap().unwrap();
                assert_eq!(found.name, "winlogbeat");
                assert!(store.authenticate("prb_wrong").unwrap().is_none());
                assert!(matches!(
                    store.create_token("winlogbeat", Scope::Read),
                    Err($crate::Error::TokenExists(_))
                ));
                assert!(matches!(
                    store.create_token("bad name", Scope::Read),
                    Err($crate::Error::TokenName(_))
                ));
                assert!(store.revoke_token("winlogbeat").unwrap());
                assert!(!store.revoke_token("winlogbeat").unwrap());
                assert!(store.authenticate(secret.expose()).unwrap().is_none());
                let (_, second) = store.create_token("winlogbeat", Scope::Ingest).unwrap();
                assert!(store.authenticate(second.expose()).unwrap().is_some());
                let listed = store.list_tokens().unwrap();
                assert_eq!(listed.len(), 2);
                assert!(listed[0].revoked.is_some() && listed[1].revoked.is_none());
            }

            #[test]
            fn concurrent_producers_through_the_writer() {
                let (_dir, store) = store();
                let store: std::sync::Arc<dyn EventStore> = std::sync::Arc::new(store);
                let writer = $crate::Writer::spawn(
                    std::sync::Arc::clone(&store),
                    $crate::WriterConfig::default(),
                )
                .unwrap();
                let threads: Vec<_> = (0..4)
                    .map(|t| {
                        let writer = writer.clone();
                        std::thread::spawn(move || {
                            for b in 0..10 {
                                let events: Vec<EncodedEvent> = (0..25)
                                    .map(|i| {
                                        EncodedEvent::encode(&sample_event(t * 1000 + b * 25 + i))
                                            .unwrap()
                                    })
                                    .collect();
                                writer.submit(events, Vec::new()).unwrap().wait().unwrap();
                            }
                        })
                    })
                    .collect();
                for thread in threads {
                    thread.join().unwrap();
                }
                assert_eq!(store.counts().unwrap().events, 1000);
            }
        }
    };
}
