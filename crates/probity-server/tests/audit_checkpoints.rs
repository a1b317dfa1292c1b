//! The running server signs audit checkpoints on its interval and once more at shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use probity_server::ServerConfig;
use probity_store::AuditStore;
use probity_store::sqlite::SqliteStore;

fn action(target: &str) -> probity_audit::Action {
    probity_audit::Action {
        time: chrono::Utc::now(),
        actor: "cli:test".into(),
        action: "alert.dismiss".into(),
        target: target.into(),
        details: serde_json::Value::Null,
    }
}

#[tokio::test]
async fn the_server_signs_checkpoints_periodically_and_at_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let signer = Arc::new(probity_audit::Signer::open_or_create(dir.path()).unwrap());
    let config = ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        audit_signer: Some(Arc::clone(&signer)),
        audit_checkpoint_interval: Duration::from_millis(50),
        ..ServerConfig::default()
    };
    let server = probity_server::start(config, probity_server::Stores::of(store.clone()))
        .await
        .unwrap();

    store.audit(action("a1")).unwrap();
    store.audit(action("a2")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.checkpoints().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no checkpoint was signed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(store.checkpoints().unwrap()[0].seq, 2);

    // Nothing new: nothing more is signed.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(store.checkpoints().unwrap().len(), 1);

    store.audit(action("a3")).unwrap();
    server.shutdown(Duration::from_secs(5)).await;
    let checkpoints = store.checkpoints().unwrap();
    assert_eq!(checkpoints.last().unwrap().seq, 3);
    assert!(probity_audit::verify_checkpoint(
        checkpoints.last().unwrap(),
        &signer.verifying_key()
    ));
    let verified = probity_store::verify_audit(&*store).unwrap().unwrap();
    assert_eq!(verified.checkpoints, checkpoints.len() as u64);
}
