//! Reference data over the API and live insider detection: a real server on loopback, a real
//! SQLite store, an HTTP client.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use probity_server::ServerConfig;
use probity_store::sqlite::SqliteStore;
use probity_store::{AlertQuery, AlertStore, AuditStore, ReferenceStore, Scope, TokenStore};

const STAFF: &str = "staff_id,accounts,full_name,forenames,surname,date_of_birth,home_address,postcode,vehicles,relatives,role,rank,department,team,station,area\n\
E100001,smithj100001;jane.smith@force.police.uk,Jane Smith,Jane,Smith,1980-02-03,4 Mill Lane,NS1 2AB,AB12CDE,Helen Jones (ex-partner),PC,Constable,Response,North Response A,Highmoor,North\n\
E100002,brownt100002;tom.brown@force.police.uk,Tom Brown,Tom,Brown,1975-06-07,9 High St,NS2 3CD,,,PC,Constable,Response,North Response A,Highmoor,North\n";

const TASKING: &str = "reference,kind,type,title,opened,closed,area,team,assigned_staff,persons,vehicles,addresses\n\
INC-2026-000001,incident,Burglary dwelling,,2026-10-01T08:00:00Z,2026-10-01T12:00:00Z,North,North Response A,E100002,P-0000010:victim,,\n";

const SUBJECTS: &str = "subject_id,kind,name,forenames,surname,date_of_birth,address_id,address,postcode,area\n\
P-0000010,person,\"GREEN, Alan\",Alan,Green,1990-01-01,A-0000001,1 Oak Road,NS3 1AA,North\n\
P-0000020,person,\"JONES, Helen\",Helen,Jones,1982-04-05,A-0000002,2 Elm Road,NS4 1BB,North\n";

fn lookup(user: &str, subject: &str, name: &str, at: &str) -> String {
    format!(
        r#"{{"@timestamp":"{at}","user":{{"name":"{user}"}},"record":{{"system":"NICHE","action":"view","subject":{{"type":"person","id":"{subject}","name":"{name}"}}}}}}"#
    )
}

#[tokio::test]
async fn reference_loads_are_admin_only_all_or_nothing_and_drive_live_detection() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let (_, ingest) = store.create_token("shipper", Scope::Ingest).unwrap();
    let (_, admin) = store.create_token("admin", Scope::Admin).unwrap();
    let (ingest, admin) = (ingest.expose().to_owned(), admin.expose().to_owned());
    let config = ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        insider: Some(probity_insider::Policy::default()),
        ..ServerConfig::default()
    };
    let server = probity_server::start(config, probity_server::Stores::of(store.clone()))
        .await
        .unwrap();
    let base = format!("http://{}", server.http_addr);
    let client = reqwest::Client::new();
    let put = |kind: &str, token: &str, body: &'static str| {
        client
            .put(format!("{base}/api/v1/reference/{kind}"))
            .bearer_auth(token.to_owned())
            .body(body)
            .send()
    };

    // An ingest token may not change reference data; no token at all is refused too.
    assert_eq!(put("staff", &ingest, STAFF).await.unwrap().status(), 403);
    let anonymous = client
        .put(format!("{base}/api/v1/reference/staff"))
        .body(STAFF)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(put("people", &admin, STAFF).await.unwrap().status(), 404);

    for (kind, body) in [
        ("staff", STAFF),
        ("tasking", TASKING),
        ("subjects", SUBJECTS),
    ] {
        let response = put(kind, &admin, body).await.unwrap();
        assert_eq!(
            response.status(),
            200,
            "{kind}: {}",
            response.text().await.unwrap()
        );
    }
    // A file with a bad row changes nothing and says which row.
    let bad = "staff_id,accounts,surname,role,team,area,date_of_birth\nE1,a1,Smith,PC,T,North,not-a-date\n";
    let response = put("staff", &admin, bad).await.unwrap();
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("line 2"));
    let staff = probity_insider::decode(&store.reference("staff").unwrap().unwrap()).unwrap();
    assert_eq!(staff.len(), 2);
    let audited = store.audit_entries(0, 100).unwrap();
    assert_eq!(
        audited
            .iter()
            .filter(|e| e.action.action == "reference.load")
            .count(),
        3
    );

    // Jane looks up her declared ex-partner with no tasking; Tom looks up the victim of his own
    // incident: only Jane's lookup is misuse.
    let body = [
        lookup(
            "SMITHJ100001",
            "P-0000020",
            "JONES, Helen",
            "2026-10-05T10:00:00Z",
        ),
        lookup(
            "BROWNT100002",
            "P-0000010",
            "GREEN, Alan",
            "2026-10-01T09:00:00Z",
        ),
    ]
    .join("\n");
    let response = client
        .post(format!("{base}/api/v1/events"))
        .bearer_auth(&ingest)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let deadline = Instant::now() + Duration::from_secs(30);
    let alerts = loop {
        let alerts = store
            .alerts(&AlertQuery {
                limit: 100,
                ..AlertQuery::default()
            })
            .unwrap();
        if alerts.iter().any(|a| a.rule.id == "relationship") || Instant::now() > deadline {
            break alerts;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let relationship = alerts
        .iter()
        .find(|a| a.rule.id == "relationship")
        .expect("a relationship alert");
    assert!(
        relationship.explanation.contains("declared ex-partner"),
        "{}",
        relationship.explanation
    );
    assert_eq!(relationship.user.as_ref().unwrap().as_str(), "smithj100001");
    assert!(
        alerts
            .iter()
            .all(|a| a.user.as_ref().unwrap().as_str() != "brownt100002"),
        "a tasked lookup raised an alert: {alerts:?}"
    );
    assert!(store.cursor("insider").unwrap() > 0);
    server.shutdown(Duration::from_secs(5)).await;
}
