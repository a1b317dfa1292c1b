//! Clients written by others, against a real `probity serve`: the official Elasticsearch Python
//! client's `helpers.bulk`, and rsyslog forwarding over TCP in both framings.
//!
//! `.ci/run` installs both. Where they are missing these tests fail, unless
//! `PROBITY_SKIP_EXTERNAL=1` says that is expected on this machine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{Server, count_events, create_token, external_optional, wait_for};

const PYTHON_BULK: &str = r#"
import json, sys
from elasticsearch import Elasticsearch, helpers

url, token, mode, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if mode == "api_key":
    es = Elasticsearch(url, api_key=token, request_timeout=30)
elif mode == "basic":
    es = Elasticsearch(url, basic_auth=("probity", token), request_timeout=30)
else:
    es = Elasticsearch(url, bearer_auth=token, request_timeout=30)

actions = (
    {
        "_index": "winlogbeat-probity",
        "_source": {
            "@timestamp": "2026-11-23T10:00:00Z",
            "user": {"name": f"{mode}-user-{i}"},
            "event": {"action": "logged-in"},
            "message": f"python {mode} event {i}",
        },
    }
    for i in range(count)
)
ok, errors = helpers.bulk(es, actions, chunk_size=250, raise_on_error=False)
# A document the server cannot read comes back as a per-item error, not an exception.
bad_ok, bad_errors = helpers.bulk(
    es, [{"_index": "x", "_op_type": "update", "_id": "1", "doc": {"a": 1}}], raise_on_error=False
)
print(json.dumps({"ok": ok, "errors": len(errors), "bad_ok": bad_ok, "bad_errors": len(bad_errors),
                  "bad_status": bad_errors[0]["update"]["status"] if bad_errors else None}))
"#;

fn have(program: &str, probe: &[&str]) -> bool {
    Command::new(program)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn elasticsearch_python_client_helpers_bulk() {
    if !have("python3", &["-c", "import elasticsearch"]) {
        assert!(
            external_optional(),
            "python3 with the elasticsearch package is needed (pip install elasticsearch)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let token = create_token(&data, "python-es", "ingest");
    let server = Server::start(&data, &[]);
    let url = server.url("");
    let mut expected = 0;
    for (mode, count) in [("api_key", 1000), ("basic", 300), ("bearer", 300)] {
        let output = Command::new("python3")
            .args(["-c", PYTHON_BULK, &url, &token, mode, &count.to_string()])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(result["ok"], count, "{mode}: {result}");
        assert_eq!(result["errors"], 0, "{mode}: {result}");
        assert_eq!(result["bad_errors"], 1, "{mode}: {result}");
        assert_eq!(result["bad_status"], 400, "{mode}: {result}");
        expected += count;
        assert_eq!(count_events(&data, &["--text", mode]), count, "{mode}");
    }
    assert_eq!(count_events(&data, &[]), expected);
    assert_eq!(count_events(&data, &["--user", "basic-user-7"]), 1);

    // A wrong token is refused the way the client understands.
    let output = Command::new("python3")
        .args(["-c", PYTHON_BULK, &url, "prb_wrong", "api_key", "1"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("AuthenticationException"));
}

fn rsyslog_config(dir: &Path, port: u16) -> String {
    format!(
        r#"global(workDirectory="{work}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{socket}" CreatePath="on")
action(type="omfwd" target="127.0.0.1" port="{port}" protocol="tcp"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
action(type="omfwd" target="127.0.0.1" port="{port}" protocol="tcp"
       template="RSYSLOG_ForwardFormat")
"#,
        work = dir.join("work").display(),
        socket = dir.join("log.sock").display(),
    )
}

#[test]
fn rsyslog_forwards_over_tcp_in_both_framings() {
    if !have("rsyslogd", &["-v"]) || !have("logger", &["--version"]) {
        assert!(
            external_optional(),
            "rsyslog and logger are needed (apt-get install rsyslog bsdutils)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &["--syslog-tcp", "127.0.0.1:0"]);
    let port = server.syslog_tcp.unwrap().port();
    std::fs::create_dir_all(dir.path().join("work")).unwrap();
    let config = dir.path().join("rsyslog.conf");
    std::fs::write(&config, rsyslog_config(dir.path(), port)).unwrap();
    let mut rsyslog = Command::new("rsyslogd")
        .args(["-n", "-f"])
        .arg(&config)
        .arg("-i")
        .arg(dir.path().join("rsyslog.pid"))
        .spawn()
        .unwrap();
    let socket = dir.path().join("log.sock");
    wait_for(1, Duration::from_secs(10), || usize::from(socket.exists()));

    const MESSAGES: usize = 50;
    for i in 0..MESSAGES {
        let status = Command::new("logger")
            .arg("-u")
            .arg(&socket)
            .args(["-t", "pncaudit", &format!("lookup {i} by pc4521 marker{i}")])
            .status()
            .unwrap();
        assert!(status.success());
    }
    // Each message is forwarded twice: once octet-counted (RFC 5424), once newline-framed.
    let stored = wait_for(2 * MESSAGES, Duration::from_secs(30), || {
        count_events(&data, &[])
    });
    let _ = rsyslog.kill();
    let _ = rsyslog.wait();
    assert_eq!(stored, 2 * MESSAGES);
    let seven: Vec<serde_json::Value> = {
        let output = Command::new(support::binary())
            .args(["events", "--json", "--text", "marker7", "--data"])
            .arg(&data)
            .output()
            .unwrap();
        output
            .stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect()
    };
    assert_eq!(seven.len(), 2);
    let protocols: Vec<&str> = seven
        .iter()
        .map(|e| e["original"]["protocol"].as_str().unwrap())
        .collect();
    assert!(
        protocols.contains(&"rfc5424") && protocols.contains(&"rfc3164"),
        "{protocols:?}"
    );
    for event in &seven {
        assert_eq!(event["event"]["provider"], "pncaudit");
        assert_eq!(event["message"], "lookup 7 by pc4521 marker7");
    }
}
