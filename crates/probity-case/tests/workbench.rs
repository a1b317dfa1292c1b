#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};

use probity_access::testsuite::test_policy;
use probity_access::{Access, Principal, Role, RoleSet, SignIn, SqliteAccessStore};
use probity_case::{
    CaseFilter, CaseState, Error, LinkKind, RetentionPolicy, TriageStatus, Workbench,
};
use probity_model::Timestamp;

const ALERT_A: &str = "0123456789abcdef0123456789abcdef";
const ALERT_B: &str = "fedcba9876543210fedcba9876543210";
const EVENT_A: &str = "00112233445566778899aabbccddeeff";
const SUBJECT: &str = "P-7Q3K-9XDM-4TNA";

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

struct People {
    _dir: tempfile::TempDir,
    analyst: Principal,
    investigator: Principal,
    officer: Principal,
    officer_who_investigates: Principal,
    admin: Principal,
    auditor: Principal,
}

fn person(access: &Access<SqliteAccessStore>, name: &str, roles: &[Role]) -> Principal {
    let roles = RoleSet::new(roles.iter().copied());
    match access.sign_in_sso(name, roles, now()).unwrap().0 {
        SignIn::Granted { principal, .. } => principal,
        SignIn::Denied(denial) => panic!("{name}: {denial:?}"),
    }
}

fn people() -> People {
    let dir = tempfile::tempdir().unwrap();
    let access = Access::new(SqliteAccessStore::open(dir.path()).unwrap(), test_policy()).unwrap();
    People {
        analyst: person(&access, "ana", &[Role::Analyst]),
        investigator: person(&access, "ivan", &[Role::Investigator]),
        officer: person(&access, "olive", &[Role::AuthorisingOfficer]),
        officer_who_investigates: person(
            &access,
            "oscar",
            &[Role::AuthorisingOfficer, Role::Investigator],
        ),
        admin: Principal::command_line("root"),
        auditor: person(&access, "audrey", &[Role::Auditor]),
        _dir: dir,
    }
}

fn workbench() -> (tempfile::TempDir, Workbench) {
    let dir = tempfile::tempdir().unwrap();
    let bench = Workbench::open(dir.path()).unwrap();
    (dir, bench)
}

#[test]
fn a_case_goes_through_its_states_with_separation_of_duties() {
    let p = people();
    let (_dir, bench) = workbench();

    let error = bench
        .create_case(&p.auditor, "t", &[], "", now())
        .unwrap_err();
    assert!(matches!(error, Error::Access(_)), "{error}");
    let error = bench
        .create_case(&p.analyst, "t", &["Jane Smith".into()], "", now())
        .unwrap_err();
    assert!(
        matches!(error, Error::Access(_)),
        "names are refused: {error}"
    );

    let (case, audit) = bench
        .create_case(
            &p.analyst,
            "Unexplained lookups",
            &[SUBJECT.into()],
            "see alerts",
            now(),
        )
        .unwrap();
    assert_eq!(case.id, "C-000001");
    assert_eq!(case.state, CaseState::Proposed);
    assert_eq!(case.created_by, "ana");
    assert_eq!(audit.action, "case.create");
    assert_eq!(audit.actor, "account:ana");
    assert_eq!(audit.target, "C-000001");
    assert!(
        !audit.details.to_string().contains("Unexplained"),
        "no content in the audit"
    );

    let (second, _) = bench
        .create_case(&p.officer_who_investigates, "Second", &[], "", now())
        .unwrap();
    assert_eq!(second.id, "C-000002");
    // The creator may not authorise their own case, even holding the permission.
    let error = bench
        .decide_case(&p.officer_who_investigates, &second.id, true, "", now())
        .unwrap_err();
    assert!(matches!(error, Error::SeparationOfDuties), "{error}");
    // Without the permission: refused.
    let error = bench
        .decide_case(&p.investigator, &case.id, true, "", now())
        .unwrap_err();
    assert!(matches!(error, Error::Access(_)), "{error}");
    // Not straight to investigating.
    let error = bench
        .set_state(&p.analyst, &case.id, CaseState::Investigating, now())
        .unwrap_err();
    assert!(matches!(error, Error::State { .. }), "{error}");
    // Nor authorised through set_state.
    assert!(
        bench
            .set_state(&p.officer, &case.id, CaseState::Authorised, now())
            .is_err()
    );
    // A refusal needs a reason.
    assert!(
        bench
            .decide_case(&p.officer, &case.id, false, " ", now())
            .is_err()
    );

    let later = now() + Duration::hours(1);
    let (case, audit) = bench
        .decide_case(&p.officer, &case.id, true, "proportionate", later)
        .unwrap();
    assert_eq!(case.state, CaseState::Authorised);
    assert_eq!(case.authorised_by.as_deref(), Some("olive"));
    assert_eq!(case.authorised_at, Some(later));
    assert_eq!(audit.action, "case.authorise");
    // Decided once only.
    assert!(
        bench
            .decide_case(&p.officer, &case.id, false, "no", later)
            .is_err()
    );

    let (case, audit) = bench
        .set_state(&p.investigator, &case.id, CaseState::Investigating, later)
        .unwrap();
    assert_eq!(case.state, CaseState::Investigating);
    assert_eq!(audit.details["from"], "authorised");
    let (case, audit) = bench.assign(&p.officer, &case.id, "ivan", later).unwrap();
    assert_eq!(case.assigned_to.as_deref(), Some("ivan"));
    assert_eq!(audit.action, "case.assign");
    let (case, _) = bench
        .set_state(&p.investigator, &case.id, CaseState::Closed, later)
        .unwrap();
    assert_eq!(case.state, CaseState::Closed);
    assert!(
        bench
            .set_state(&p.investigator, &case.id, CaseState::Investigating, later)
            .is_err(),
        "closed is final"
    );

    let (refused, audit) = bench
        .decide_case(&p.officer, &second.id, false, "not proportionate", later)
        .unwrap();
    assert_eq!(refused.state, CaseState::Refused);
    assert_eq!(audit.action, "case.refuse");
    let notes = bench.notes(&second.id).unwrap();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].text.contains("not proportionate"));

    let closed = bench
        .cases(&CaseFilter {
            state: Some(CaseState::Closed),
            ..CaseFilter::default()
        })
        .unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].id, "C-000001");
    let by_subject = bench
        .cases(&CaseFilter {
            subject: Some(SUBJECT.into()),
            ..CaseFilter::default()
        })
        .unwrap();
    assert_eq!(by_subject.len(), 1);
    assert_eq!(bench.cases(&CaseFilter::default()).unwrap().len(), 2);
    assert!(matches!(
        bench.case("C-000009").unwrap_err(),
        Error::NoSuchCase(_)
    ));
    assert!(bench.case("drop table").is_err());
    let _ = p.admin;
}

#[test]
fn notes_are_immutable_even_to_raw_sql_and_corrections_are_new_notes() {
    let p = people();
    let (dir, bench) = workbench();
    let (case, _) = bench
        .create_case(&p.analyst, "Case", &[], "", now())
        .unwrap();
    let (first, audit) = bench
        .add_note(&p.analyst, &case.id, "Spoke to the supervisor", None, now())
        .unwrap();
    assert_eq!(audit.action, "case.note");
    assert!(!audit.details.to_string().contains("supervisor"));
    let (fix, _) = bench
        .add_note(
            &p.analyst,
            &case.id,
            "It was the duty inspector",
            Some(first.seq),
            now(),
        )
        .unwrap();
    assert_eq!(fix.corrects, Some(first.seq));
    assert!(
        bench
            .add_note(&p.analyst, &case.id, "x", Some(9999), now())
            .is_err(),
        "a correction must name a note of the case"
    );
    assert!(
        bench
            .add_note(&p.auditor, &case.id, "x", None, now())
            .is_err()
    );

    let raw = rusqlite::Connection::open(dir.path().join("workbench.db")).unwrap();
    let update = raw.execute(
        "UPDATE notes SET text = 'changed' WHERE seq = ?1",
        [first.seq as i64],
    );
    let error = update.unwrap_err().to_string();
    assert!(error.contains("cannot be changed"), "{error}");
    let delete = raw.execute("DELETE FROM notes", []);
    assert!(
        delete
            .unwrap_err()
            .to_string()
            .contains("cannot be deleted")
    );

    let notes = bench.notes(&case.id).unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].text, "Spoke to the supervisor");
}

#[test]
fn triage_dismisses_with_reasons_and_escalates_into_a_case() {
    let p = people();
    let (_dir, bench) = workbench();
    let ids = vec![ALERT_A.to_owned(), ALERT_B.to_owned()];

    assert!(
        bench
            .triage(&p.analyst, &ids, TriageStatus::Dismissed, "  ", None, now())
            .is_err(),
        "dismissing needs a reason"
    );
    assert!(
        bench
            .triage(
                &p.investigator,
                &ids,
                TriageStatus::Dismissed,
                "ok",
                None,
                now()
            )
            .is_err(),
        "investigators do not triage"
    );
    assert!(
        bench
            .triage(
                &p.analyst,
                &["nope".into()],
                TriageStatus::Dismissed,
                "ok",
                None,
                now()
            )
            .is_err()
    );
    let (done, audit) = bench
        .triage(
            &p.analyst,
            &ids,
            TriageStatus::Dismissed,
            "known admin task",
            None,
            now(),
        )
        .unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(audit.action, "alert.dismiss");
    assert_eq!(audit.target, "2 alerts");

    let reasons = bench.dismissal_reasons().unwrap();
    assert_eq!(reasons, vec![(String::new(), "known admin task".into(), 2)]);

    let (case, _) = bench
        .create_case(&p.analyst, "From alert", &[], "", now())
        .unwrap();
    let later = now() + Duration::minutes(5);
    let (done, audit) = bench
        .triage(
            &p.analyst,
            &[ALERT_A.to_uppercase()],
            TriageStatus::Escalated,
            "",
            Some(&case.id),
            later,
        )
        .unwrap();
    assert_eq!(done[0].case_id.as_deref(), Some("C-000001"));
    assert_eq!(audit.action, "alert.escalate");
    let links = bench.links(&case.id).unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].kind, LinkKind::Alert);
    assert_eq!(links[0].target, ALERT_A);

    let status = bench.triage_of(&ids).unwrap();
    assert_eq!(status[ALERT_A].status, TriageStatus::Escalated);
    assert_eq!(status[ALERT_B].status, TriageStatus::Dismissed);
    // Only the latest decision counts.
    assert_eq!(
        bench.dismissal_reasons().unwrap(),
        vec![(String::new(), "known admin task".into(), 1)]
    );
    assert!(
        bench
            .triage(
                &p.analyst,
                &ids,
                TriageStatus::Dismissed,
                "r",
                Some(&case.id),
                now()
            )
            .is_err(),
        "only escalations name a case"
    );
}

#[test]
fn legal_hold_marks_linked_events_and_retention_is_kept() {
    let p = people();
    let (_dir, bench) = workbench();
    let (case, _) = bench
        .create_case(&p.investigator, "Held", &[], "", now())
        .unwrap();
    bench
        .link(&p.investigator, &case.id, LinkKind::Event, EVENT_A, now())
        .unwrap();
    bench
        .link(&p.investigator, &case.id, LinkKind::Alert, ALERT_B, now())
        .unwrap();
    assert!(bench.held_event_ids().unwrap().is_empty());
    assert!(
        bench
            .set_legal_hold(&p.analyst, &case.id, true, now())
            .is_err()
    );
    let (case, audit) = bench
        .set_legal_hold(&p.admin, &case.id, true, now())
        .unwrap();
    assert!(case.legal_hold);
    assert_eq!(audit.action, "case.hold");
    assert!(bench.held_event_ids().unwrap().contains(EVENT_A));
    assert!(bench.held_alert_ids().unwrap().contains(ALERT_B));
    assert_eq!(
        bench.cases_linked_to(LinkKind::Event, EVENT_A).unwrap(),
        vec!["C-000001".to_owned()]
    );

    let mut policy = RetentionPolicy::default();
    policy.classes.insert("messages".into(), 30);
    policy.classes.insert("events".into(), 365);
    assert!(bench.set_retention(&p.analyst, &policy, now()).is_err());
    let audit = bench.set_retention(&p.admin, &policy, now()).unwrap();
    assert_eq!(audit.action, "retention.set");
    assert_eq!(bench.retention().unwrap(), policy);
    assert_eq!(
        policy.cutoff("messages", now()),
        Some(now() - Duration::days(30))
    );
    assert_eq!(policy.cutoff("alerts", now()), None);
    let mut bad = RetentionPolicy::default();
    bad.classes.insert("everything".into(), 1);
    assert!(bench.set_retention(&p.admin, &bad, now()).is_err());
}

#[test]
fn the_workbench_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Workbench>();
}

#[test]
fn evidence_is_exported_only_from_an_authorised_open_case_by_an_investigator() {
    let p = people();
    let (_dir, bench) = workbench();
    let (case, _) = bench
        .create_case(&p.analyst, "Case", &[], "", now())
        .unwrap();
    assert!(probity_case::evidence::check_export(&p.investigator, &case).is_err());
    let (case, _) = bench
        .decide_case(&p.officer, &case.id, true, "", now())
        .unwrap();
    assert!(probity_case::evidence::check_export(&p.analyst, &case).is_err());
    probity_case::evidence::check_export(&p.investigator, &case).unwrap();
    let summary = probity_case::evidence::PackSummary {
        files: 3,
        events: 1,
        alerts: 0,
        case: probity_case::evidence::Counts {
            alerts: 0,
            events: 1,
        },
        manifest_sha256: "ab".into(),
        masked: true,
    };
    let audit = probity_case::evidence::export_action(&p.investigator, &case, &summary, now());
    assert_eq!(audit.action, "evidence.export");
    assert_eq!(audit.details["manifest_sha256"], "ab");
    assert_eq!(audit.details["masked"], true);
    assert_eq!(audit.details["case_events"], 1);

    let (case, _) = bench
        .set_state(&p.investigator, &case.id, CaseState::Investigating, now())
        .unwrap();
    probity_case::evidence::check_export(&p.investigator, &case).unwrap();
    // A closed case's authority is spent: no more packs from it.
    let (case, _) = bench
        .set_state(&p.investigator, &case.id, CaseState::Closed, now())
        .unwrap();
    assert!(matches!(
        probity_case::evidence::check_export(&p.investigator, &case),
        Err(Error::State { .. })
    ));
    // Nor from a refused one.
    let (refused, _) = bench
        .create_case(&p.analyst, "Another", &[], "", now())
        .unwrap();
    let (refused, _) = bench
        .decide_case(&p.officer, &refused.id, false, "not proportionate", now())
        .unwrap();
    assert!(probity_case::evidence::check_export(&p.investigator, &refused).is_err());
}
