//! Who runs a command, for the audit log, and the audit entry of a command-line read.
//!
//! The actor is `cli:` and the operating-system account the process runs as: its effective user
//! id (on Linux, the owner of `/proc/self`), named from the system's user database
//! (`/etc/passwd`), so that nobody can put another name in the log by setting `$USER`. An id the
//! database does not name is written `uid:1000`. Where the command was run through `sudo`, the
//! account that ran sudo follows as sudo states it (`cli:probity (sudo by jdoe)`): the account
//! the process runs as is what the system vouches for, the rest is sudo's word.

use anyhow::Context as _;
use probity_store::AuditStore;

/// The actor of a command run now, as the module description says.
pub fn cli_actor() -> String {
    let account = match effective_uid() {
        Some(uid) => account_name(uid).unwrap_or_else(|| format!("uid:{uid}")),
        // No way to ask the system: what the environment says, marked as such.
        None => format!(
            "unverified {}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        ),
    };
    match std::env::var("SUDO_USER") {
        Ok(by) if !by.is_empty() && by != account => format!("cli:{account} (sudo by {by})"),
        _ => format!("cli:{account}"),
    }
}

/// Records a read made on the command line (`action`, with what was asked for in `details`) in
/// the data directory's audit log before anything is shown, as the API does for its reads; a
/// read that cannot be recorded is not answered.
pub fn audit_read(
    store: &dyn AuditStore,
    action: &str,
    details: serde_json::Value,
) -> anyhow::Result<()> {
    store
        .audit(probity_audit::Action {
            time: chrono::Utc::now(),
            actor: cli_actor(),
            action: action.to_owned(),
            target: "cli".to_owned(),
            details,
        })
        .with_context(|| {
            format!("cannot record the read ({action}) in the audit log, so it is not answered")
        })?;
    Ok(())
}

#[cfg(target_os = "linux")]
fn effective_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

#[cfg(not(target_os = "linux"))]
fn effective_uid() -> Option<u32> {
    None
}

/// The name of account `uid` in `/etc/passwd`, if it is there.
fn account_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    name_in_passwd(&passwd, uid)
}

fn name_in_passwd(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?;
        (id.parse::<u32>().ok()? == uid && !name.is_empty()).then(|| name.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_named_from_the_user_database() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\n# comment\njdoe:x:1000:1000::/home/jdoe:/bin/sh\n";
        assert_eq!(name_in_passwd(passwd, 1000).as_deref(), Some("jdoe"));
        assert_eq!(name_in_passwd(passwd, 0).as_deref(), Some("root"));
        assert_eq!(name_in_passwd(passwd, 7), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_actor_is_the_account_the_process_runs_as() {
        let uid = effective_uid().unwrap();
        let name = account_name(uid).unwrap_or_else(|| format!("uid:{uid}"));
        assert!(
            cli_actor().starts_with(&format!("cli:{name}")),
            "{}",
            cli_actor()
        );
    }
}
