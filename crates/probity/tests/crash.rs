//! Durability: events acknowledged over HTTP survive `kill -9` of the server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{Server, count_events, create_token};

const PER_BATCH: usize = 200;

#[test]
fn acknowledged_events_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let token = create_token(&data, "crash", "ingest");
    let mut server = Server::start(&data, &[]);
    let url = server.url("/api/v1/events");

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..4)
        .map(|sender| {
            let url = url.clone();
            let token = token.clone();
            let acknowledged = Arc::clone(&acknowledged);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap();
                let mut batch = 0;
                while !stop.load(Ordering::SeqCst) {
                    // One user name per batch, so each batch can be counted on its own afterwards.
                    let user = format!("s{sender}b{batch}");
                    let body: String = (0..PER_BATCH)
                        .map(|i| {
                            format!(
                                "{{\"@timestamp\":\"2026-11-23T10:00:00Z\",\"user\":{{\"name\":\"{user}\"}},\"n\":{i}}}\n"
                            )
                        })
                        .collect();
                    match client.post(&url).bearer_auth(&token).body(body).send() {
                        Ok(response) if response.status() == 200 => {
                            acknowledged.lock().unwrap().push(user);
                        }
                        Ok(_) => {}
                        Err(_) => break, // the server is gone
                    }
                    batch += 1;
                }
            })
        })
        .collect();

    // Let acknowledgements accumulate, then kill the server mid-stream.
    support::wait_for(40, Duration::from_secs(60), || {
        acknowledged.lock().unwrap().len()
    });
    server.kill();
    stop.store(true, Ordering::SeqCst);
    for sender in senders {
        sender.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 40,
        "only {} batches acknowledged",
        acknowledged.len()
    );

    // Restart on the same data: it must open cleanly and hold every acknowledged event.
    let restarted = Server::start(&data, &[]);
    let total = count_events(&data, &[]);
    assert!(
        total >= acknowledged.len() * PER_BATCH,
        "{total} stored, {} acknowledged",
        acknowledged.len() * PER_BATCH
    );
    for user in acknowledged.iter().step_by(5) {
        assert_eq!(
            count_events(&data, &["--user", user]),
            PER_BATCH,
            "batch {user} incomplete"
        );
    }
    // And it still takes events.
    let client = reqwest::blocking::Client::new();
    let response = client
        .post(restarted.url("/api/v1/events"))
        .bearer_auth(&token)
        .body("{\"message\":\"after restart\"}")
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
}
