//! `probity deadletter`: list dead letters, or unseal one (`--unseal SEQ`).
//!
//! A dead letter of a message that could not be decoded is kept sealed (its raw input may hold
//! protected content), and so is one of any other input whose raw input carries medical or
//! privileged cues or is not text; one that mentions a protected party keeps no raw input. `--unseal SEQ --reason WHY --out FILE` decrypts it with the data
//! directory's seal key into a new file (owner-only), for the administrator to find why it failed
//! and ingest it again. The unsealing is recorded in the audit log first (`deadletter.unseal`:
//! who, which, why, where to); the decrypted input is never printed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde_json::json;

use probity_model::RawKept;
use probity_store::{AuditStore, EventStore};

use super::open_store;
use crate::DataArg;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArg,
    /// Show at most this many, most recent first.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// One JSON object per line, with the raw input as kept: at most 64 KiB of a mail over the
    /// message size limit, at most 1 MiB (max_event_bytes) of a line or row over the event size
    /// limit, never more than 16 MiB (raw_len gives the size received); the sealed item where
    /// it is sealed, or nothing when it was with a protected party (raw_kept says which).
    #[arg(long)]
    json: bool,
    /// Decrypt the sealed raw input of dead letter SEQ (the number `#SEQ` in the list) into the
    /// new file given by --out, recording it in the audit log with --reason.
    #[arg(long, value_name = "SEQ", requires_all = ["reason", "out"], conflicts_with = "json")]
    unseal: Option<i64>,
    /// Why the sealed input is needed (recorded in the audit log).
    #[arg(long, requires = "unseal")]
    reason: Option<String>,
    /// The file to write the unsealed input to; it must not exist yet.
    #[arg(long, requires = "unseal")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.data.data)?;
    if let (Some(seq), Some(reason), Some(out)) = (args.unseal, &args.reason, &args.out) {
        unseal(&*store, &args.data.data, seq, reason, out)?;
        return Ok(ExitCode::SUCCESS);
    }
    super::actor::audit_read(
        &*store,
        "deadletter.list",
        json!({ "limit": args.limit, "json": args.json }),
    )?;
    let letters = store.dead_letters(args.limit)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for stored in &letters {
        let letter = &stored.letter;
        if args.json {
            let mut value = serde_json::to_value(letter)?;
            value["seq"] = json!(stored.seq);
            serde_json::to_writer(&mut out, &value)?;
            writeln!(out)?;
            continue;
        }
        let preview: String = match letter.raw_kept {
            RawKept::Clear => String::from_utf8_lossy(&letter.raw)
                .chars()
                .take(120)
                .flat_map(char::escape_debug)
                .collect(),
            RawKept::Sealed => format!(
                "sealed: {}; encrypted with the data directory's seal key and not shown \
                 (`--unseal {} --reason WHY --out FILE` opens it, recorded in the audit log)",
                if probity_comms::deadletter::may_hold_message(letter.format) {
                    "a message that could not be decoded, so it may hold protected content"
                } else {
                    "it may hold protected content (see the reason)"
                },
                stored.seq
            ),
            RawKept::Withheld => "not kept (see the reason)".to_owned(),
        };
        writeln!(
            out,
            "#{} {} {} {}{}\n    reason: {}\n    raw ({} bytes): {}",
            stored.seq,
            letter.received.format("%Y-%m-%d %H:%M:%S UTC"),
            letter.source,
            letter.format.map(|f| f.as_str()).unwrap_or("?"),
            letter
                .location
                .as_deref()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default(),
            letter.reason,
            letter.raw_len,
            preview
        )?;
    }
    if letters.is_empty() && !args.json {
        eprintln!("dead-letter is empty");
    }
    Ok(ExitCode::SUCCESS)
}

/// Decrypts dead letter `seq` into the new file `out`, recorded in the audit log first.
fn unseal<S: EventStore + AuditStore + ?Sized>(
    store: &S,
    data: &Path,
    seq: i64,
    reason: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        bail!("say why the sealed input is needed (--reason)");
    }
    let Some(stored) = store.dead_letter(seq)? else {
        bail!("there is no dead letter #{seq}");
    };
    let letter = &stored.letter;
    match letter.raw_kept {
        RawKept::Sealed => {}
        RawKept::Clear => bail!(
            "dead letter #{seq} is not sealed: its raw input is kept as received \
             (`probity deadletter --json` shows it)"
        ),
        RawKept::Withheld => bail!(
            "dead letter #{seq} kept no raw input, so there is nothing to unseal ({})",
            letter.reason
        ),
    }
    let sealed = probity_comms::deadletter::sealed_raw(letter)
        .with_context(|| format!("dead letter #{seq}'s sealed item cannot be read"))?;
    let key = probity_privacy::sealing::SealKey::load(data)?;
    let raw = probity_privacy::sealing::unseal_bytes(&key, &sealed).with_context(|| {
        format!("dead letter #{seq} cannot be unsealed with this data directory's seal key")
    })?;
    let mut file = new_private_file(out)?;
    let recorded = store.audit(probity_audit::Action {
        time: chrono::Utc::now(),
        actor: super::actor::cli_actor(),
        action: "deadletter.unseal".into(),
        target: format!("deadletter:{seq}"),
        details: json!({
            "reason": reason,
            "out": out.display().to_string(),
            "bytes": raw.len(),
            "sealed_as": sealed.reason.name(),
        }),
    });
    if let Err(error) = recorded {
        // Nothing is written without the record; the empty file goes too.
        let _ = std::fs::remove_file(out);
        return Err(error).context("cannot write the audit log; nothing was unsealed");
    }
    file.write_all(&raw)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "Dead letter #{seq} ({} bytes) unsealed to {}; recorded in the audit log. Once its cause \
         is found, it can be ingested again with `probity ingest`.",
        raw.len(),
        out.display()
    );
    Ok(())
}

/// A new file only its owner may read; an existing file is never overwritten.
fn new_private_file(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))
}
